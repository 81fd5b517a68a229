#![cfg_attr(feature = "contract_0_1", allow(dead_code, unused_imports))]
//! A policy that misbehaves in exactly one way, chosen by a cargo feature. The test suite
//! builds one component per feature (`tests/tests/hostile.rs`) and checks that the host contains
//! each: the audit survives, the misbehaviour is reported, the other policies' findings stand.
//!
//! The escape attempts (`open_file`, `read_env`, `open_socket`, `read_clock`, `peek_other_kinds`)
//! report what they
//! got as the message of a finding of rule `HOSTILE.PROBE`, so a test can see whether the
//! sandbox held.

use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, json};
use std::hint::black_box;

pub const PROBE: &str = "HOSTILE.PROBE";

pub struct Hostile;

/// Sleep ten minutes on WASI's clock (`std::thread::sleep` is `subscribe-duration` and a poll).
#[allow(dead_code)]
fn long_sleep() {
    std::thread::sleep(std::time::Duration::from_secs(600));
}

impl Policy for Hostile {
    #[cfg(feature = "sleep_in_validate")]
    fn validate_settings(_settings: &bbscan_policy::Value) -> Result<(), String> {
        long_sleep();
        Ok(())
    }

    fn info() -> PolicyInfo {
        #[cfg(feature = "sleep_in_describe")]
        long_sleep();
        PolicyInfo {
            name: "hostile".into(),
            version: "0.0.0".into(),
            rules: vec![Rule {
                id: PROBE.into(),
                title: "misbehaves".into(),
                description: "A test fixture.".into(),
                default_severity: Severity::Info,
                kinds: vec!["s3.bucket".into()],
                compliance: vec![],
                help_text: String::new(),
                help_markdown: String::new(),
                remediation: String::new(),
                not_flagged: String::new(),
            }],
        }
    }

    #[allow(unused_variables, unreachable_code)]
    fn evaluate(_ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let Some(first) = resources.first() else { return Ok(()) };
        #[cfg(feature = "endless_loop")]
        loop {
            black_box(first);
        }
        #[cfg(feature = "memory_bomb")]
        {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(black_box(vec![7u8; 1 << 20]));
            }
        }
        #[cfg(feature = "deep_recursion")]
        {
            fn down(n: u64) -> u64 {
                if n == 0 { 0 } else { black_box(down(black_box(n - 1))) + 1 }
            }
            black_box(down(u64::MAX));
        }
        #[cfg(feature = "panic")]
        panic!("a hostile policy panics");
        #[cfg(feature = "output_flood")]
        {
            // 100 MB to stdout.
            let line = "x".repeat(1 << 20);
            for _ in 0..100 {
                println!("{line}");
            }
        }
        #[cfg(feature = "aliased_strings")]
        {
            // One 60 KiB string in memory, handed out 50,000 times: every finding's evidence
            // points at the same bytes (3 GB once copied, from 60 KiB of the policy's memory).
            // (Evidence, not the message: the SDK cuts long messages, a hostile policy need not.)
            #[allow(unsafe_code)]
            {
                let mut one = std::mem::ManuallyDrop::new("x".repeat(60 << 10));
                let (ptr, len, cap) = (one.as_mut_ptr(), one.len(), one.capacity());
                for _ in 0..50_000 {
                    // SAFETY: none — this fixture aliases on purpose; the host must not copy it all.
                    let alias = unsafe { String::from_raw_parts(ptr, len, cap) };
                    report
                        .fail(PROBE, first, "one of 50,000 findings sharing one evidence string")
                        .evidence
                        .push(alias);
                }
            }
        }
        #[cfg(feature = "huge_findings")]
        for _ in 0..100_001 {
            report.fail(PROBE, first, "one of very many");
        }
        #[cfg(feature = "unknown_rule")]
        report.fail("HOSTILE.UNDECLARED", first, "a rule the policy never declared");
        #[cfg(feature = "foreign_resource")]
        {
            let mut fake = first.clone();
            fake.arn = "arn:aws:s3:::a-bucket-nobody-gave-me".into();
            report.fail(PROBE, &fake, "a resource the policy was not given");
        }
        #[cfg(feature = "bogus_action")]
        report.fail(PROBE, first, "proposes an action outside the catalogue").action(
            "iam.delete_everything",
            1,
            json!({}),
        );
        #[cfg(feature = "bad_tally")]
        {
            report.tallies.insert(PROBE.into(), bbscan_policy::Tally { evaluated: 1, passed: 5 });
        }
        #[cfg(feature = "open_file")]
        {
            let got = match std::fs::read("/etc/passwd") {
                Ok(bytes) => format!("ESCAPED: read {} bytes of /etc/passwd", bytes.len()),
                Err(e) => format!("denied: {e}"),
            };
            report.fail(PROBE, first, got);
        }
        #[cfg(feature = "read_env")]
        {
            let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
            let got = if vars.is_empty() {
                "denied: no environment".to_string()
            } else {
                format!("ESCAPED: {}", vars.join(","))
            };
            report.fail(PROBE, first, got);
        }
        #[cfg(feature = "open_socket")]
        {
            let got = match std::net::TcpStream::connect("127.0.0.1:80") {
                Ok(_) => "ESCAPED: connected".to_string(),
                Err(e) => format!("denied: {e}"),
            };
            report.fail(PROBE, first, got);
        }
        #[cfg(feature = "read_clock")]
        {
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            report.fail(PROBE, first, format!("clock: {now}"));
        }
        #[cfg(feature = "peek_other_kinds")]
        {
            // Declares only s3.bucket: lookups of other kinds must find nothing.
            let role = _ctx.resource("arn:aws:iam::123456789012:role/brainbytes-AdminAutomationRole");
            let parameters = _ctx.resources_of_kind("ssm.parameter");
            let buckets = _ctx.resources_of_kind("s3.bucket");
            let got = if role.is_some() || !parameters.is_empty() {
                format!("ESCAPED: a role {}, {} parameters", role.is_some(), parameters.len())
            } else {
                format!("denied: no role, no parameters; {} buckets", buckets.len())
            };
            report.fail(PROBE, first, got);
        }
        #[cfg(any(feature = "sleep_in_describe", feature = "sleep_in_validate", feature = "sleep_in_evaluate"))]
        {
            #[cfg(feature = "sleep_in_evaluate")]
            long_sleep();
            report.fail(PROBE, first, "woke");
        }
        #[cfg(feature = "chatty")]
        {
            println!("hello from a policy");
            eprintln!("and from its stderr");
        }
        black_box(json!(null));
        Ok(())
    }
}

#[cfg(not(feature = "contract_0_1"))]
bbscan_policy::export_policy!(Hostile);

/// A policy of the previous contract (`wit/v0.1.0`), written against the bare bindings: rule
/// `LEGACY.UNVERSIONED` fails every bucket whose versioning is not `Enabled`, and checks on the
/// way that the 0.1.0 lookups answer (a bucket it cannot look up by its own ARN is reported).
#[cfg(feature = "contract_0_1")]
#[allow(unsafe_code)] // the generated bindings' exports, as in the SDK
mod contract_0_1 {
    wit_bindgen::generate!({ path: "../../wit/v0.1.0", world: "policy" });

    use bbscan::policy::snapshot;
    use bbscan::policy::types::{Finding, Rule, Severity, Status, Tally};

    struct Legacy;

    impl Guest for Legacy {
        fn describe() -> PolicyInfo {
            PolicyInfo {
                name: "legacy".into(),
                version: "0.1.0".into(),
                rules: vec![Rule {
                    id: "LEGACY.UNVERSIONED".into(),
                    title: "Buckets are versioned (a 0.1.0 policy)".into(),
                    description: "A test fixture of the previous contract.".into(),
                    default_severity: Severity::Low,
                    kinds: vec!["s3.bucket".into()],
                    compliance: vec![],
                    help_text: String::new(),
                    help_markdown: String::new(),
                    remediation: String::new(),
                }],
            }
        }

        fn validate_settings(_settings: String) -> Result<(), String> {
            Ok(())
        }

        fn evaluate(resources: Vec<Resource>, _settings: String) -> Result<Evaluation, String> {
            let listed = snapshot::resources_of_kind("s3.bucket").len();
            let mut findings = Vec::new();
            let mut evaluated = 0;
            for r in &resources {
                evaluated += 1;
                let config: serde_json::Value = serde_json::from_str(&r.config).map_err(|e| e.to_string())?;
                let message = if snapshot::resource_by_arn(&r.arn).is_none() || listed != resources.len() {
                    format!("bucket {}: the snapshot lookups did not answer", r.name)
                } else if config["versioning"]["status"] != "Enabled" {
                    format!("bucket {} is not versioned", r.name)
                } else {
                    continue;
                };
                findings.push(Finding {
                    rule_id: "LEGACY.UNVERSIONED".into(),
                    resource_arn: r.arn.clone(),
                    status: Status::Fail,
                    severity: None,
                    message,
                    evidence: vec!["/config/versioning/status".into()],
                    actions: vec![],
                });
            }
            let passed = evaluated - findings.len() as u32;
            Ok(Evaluation {
                findings,
                tallies: vec![Tally { rule_id: "LEGACY.UNVERSIONED".into(), evaluated, passed }],
            })
        }
    }

    export!(Legacy);
}
