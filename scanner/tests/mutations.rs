//! Property tests over bbscan's readers of user input: thousands of deterministic mutations of
//! valid documents (bytes flipped, cut, repeated; JSON values swapped for other types, huge
//! numbers, deep nesting) go through the snapshot, plan, journal, baseline and `bbscan.toml`
//! readers and the IAM policy reader and evaluator. Each must answer with a value or an error;
//! none may panic. `BBSCAN_MUTATIONS` sets the cases per reader (default 300) and
//! `BBSCAN_MUTATION_SEED` the seed (default 1), to run longer or elsewhere.

use bbscan::remediate::{journal, plan};
use bbscan::{config, snapshot, triage};
use serde_json::{Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn cases() -> usize {
    std::env::var("BBSCAN_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

fn seed() -> u64 {
    std::env::var("BBSCAN_MUTATION_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1)
}

/// Values a field should never hold, and some it could.
fn odd_value(rng: &mut Rng) -> Value {
    let deep = (0..200).fold(json!(null), |v, _| json!([v]));
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(1e308),
        3 => json!(u64::MAX),
        4 => json!(""),
        5 => json!("\u{0}\u{1b}[31m\u{202e}"),
        6 => json!([]),
        7 => json!({}),
        8 => json!(true),
        9 => deep,
        10 => json!("x".repeat(10_000)),
        _ => json!("*"),
    }
}

/// Replace one value somewhere in the document (or a key's value, or an array item).
fn mutate_value(v: &mut Value, rng: &mut Rng) {
    // Walk down a random path; replace where the walk stops.
    let mut here = v;
    loop {
        let children = match here {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if children == 0 || rng.below(4) == 0 {
            break;
        }
        let i = rng.below(children);
        here = match here {
            Value::Object(m) => m.values_mut().nth(i).expect("index below len"),
            Value::Array(a) => &mut a[i],
            _ => unreachable!(),
        };
    }
    match (rng.below(3), &mut *here) {
        (0, Value::Object(m)) if !m.is_empty() => {
            let key = m.keys().nth(rng.below(m.len())).cloned().expect("a key");
            m.remove(&key);
        }
        (1, Value::Array(a)) if !a.is_empty() => {
            let item = a[rng.below(a.len())].clone();
            a.push(item);
        }
        _ => *here = odd_value(rng),
    }
}

/// Change the bytes: flip, cut, delete or repeat a span, insert a JSON token.
fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut Rng) {
    if bytes.is_empty() {
        bytes.push(b'{');
        return;
    }
    let at = rng.below(bytes.len());
    match rng.below(5) {
        0 => bytes[at] = rng.next() as u8,
        1 => bytes.truncate(at),
        2 => {
            let end = (at + rng.below(64)).min(bytes.len());
            bytes.drain(at..end);
        }
        3 => {
            let end = (at + rng.below(64)).min(bytes.len());
            let span = bytes[at..end].to_vec();
            bytes.splice(at..at, span);
        }
        _ => {
            let tokens: [&[u8]; 9] = [b"{", b"}", b"[", b"\"", b",", b"null", b"-1", b"1e999", b"\"\\ud800\""];
            bytes.splice(at..at, tokens[rng.below(tokens.len())].iter().copied());
        }
    }
}

/// Run `read` over mutations of `valid`; any panic fails the test with the case that caused it.
fn survive(name: &str, valid: &[u8], read: impl Fn(&[u8])) {
    let mut rng =
        Rng(seed() ^ name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)));
    let parsed: Option<Value> = serde_json::from_slice(valid).ok();
    let mut accepted = 0;
    for case in 0..cases() {
        let bytes = match (&parsed, case % 2) {
            (Some(doc), 0) => {
                let mut doc = doc.clone();
                for _ in 0..=rng.below(3) {
                    mutate_value(&mut doc, &mut rng);
                }
                serde_json::to_vec(&doc).expect("serialise")
            }
            _ => {
                let mut bytes = valid.to_vec();
                for _ in 0..=rng.below(3) {
                    mutate_bytes(&mut bytes, &mut rng);
                }
                bytes
            }
        };
        if catch_unwind(AssertUnwindSafe(|| read(&bytes))).is_err() {
            let dump = std::env::temp_dir().join(format!("bbscan-mutation-{name}-{case}"));
            let _ = std::fs::write(&dump, &bytes);
            panic!("{name}: case {case} panicked; the input is in {}", dump.display());
        }
        accepted += 1;
    }
    assert_eq!(accepted, cases());
}

fn demo_bytes() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/brainbytes-production.json")).expect("demo snapshot")
}

/// Write `bytes` to a file in `dir` and hand its path to `read`.
fn via_file(dir: &Path, bytes: &[u8], read: impl FnOnce(&Path)) {
    let path = dir.join("input");
    std::fs::write(&path, bytes).expect("write");
    read(&path);
}

#[test]
fn the_snapshot_reader_never_panics() {
    let dir = tempfile::tempdir().expect("temp dir");
    survive("snapshot", &demo_bytes(), |bytes| {
        via_file(dir.path(), bytes, |path| {
            if let Ok(s) = snapshot::read(path) {
                // What later stages do first with a snapshot they were given.
                let _ = s.check_times();
                let _ = s.counts_by_kind();
            }
        })
    });
}

/// A valid plan with a step, made from the demo snapshot.
fn a_plan() -> Vec<u8> {
    let snapshot = bbscan::model::Snapshot::from_json(&demo_bytes()).expect("demo");
    let unversioned = |r: &&bbscan::model::Resource| {
        r.kind() == "s3.bucket"
            && serde_json::to_value(r).ok().and_then(|v| v.pointer("/config/versioning/status").cloned())
                != Some(json!("Enabled"))
    };
    let bucket = snapshot.resources.iter().find(unversioned).expect("an unversioned bucket");
    let report: bbscan::model::findings::AuditReport = serde_json::from_value(json!({
        "schema_version": 1,
        "snapshot": {"account_id": "123456789012", "partition": "aws", "regions": ["us-east-1"], "app": "brainbytes",
                     "stage": "production", "taken_at": "2026-01-15T09:00:00Z", "resources": 1},
        "rules": [], "gaps": [], "policy_errors": [],
        "findings": [{
            "rule_id": "S3.X", "policy": "s3", "severity": "high", "status": "fail",
            "resource": {"arn": bucket.arn, "kind": "s3.bucket", "name": bucket.name, "account": bucket.account, "region": bucket.region},
            "message": "m", "evidence": [], "fingerprint": "f",
            "actions": [{"kind": "s3.enable_versioning", "version": 1, "params": {"bucket": bucket.name}}],
        }],
    }))
    .expect("report");
    let made = plan::build(&plan::PlanInput {
        snapshot: &snapshot,
        snapshot_sha256: "0".repeat(64),
        report: &report,
        created_at: "2026-01-15T09:00:00Z".into(),
        accept_partial_usage: false,
        floors: Default::default(),
    });
    assert!(!made.steps.is_empty(), "{:?}", made.rejected);
    plan::to_json(&made).into_bytes()
}

#[test]
fn the_plan_and_journal_readers_never_panic() {
    let valid = a_plan();
    survive("plan", &valid, |bytes| {
        if let Ok(p) = plan::parse(bytes, Path::new("plan.json")) {
            let _ = plan::show(&p);
            let _ = bbscan::remediate::apply::check_header(&p);
        }
    });
    // A journal: its start line holding the plan, then step entries.
    let p = plan::parse(&valid, Path::new("plan.json")).expect("valid plan");
    let hash = plan::sha256_hex(plan::to_json(&p).as_bytes());
    let lines = [
        serde_json::to_string(&journal::Entry::Start {
            journal_version: 1,
            plan_sha256: hash,
            plan: Box::new(p),
            at: "t".into(),
        }),
        serde_json::to_string(&journal::Entry::Begin { step: 1, prior: json!({"config": {}}), at: "t".into() }),
        serde_json::to_string(&journal::Entry::Done { step: 1, after: json!({"config": {}}), at: "t".into() }),
    ];
    let text: String = lines.into_iter().map(|l| l.expect("entry") + "\n").collect();
    let dir = tempfile::tempdir().expect("temp dir");
    survive("journal", text.as_bytes(), |bytes| {
        via_file(dir.path(), bytes, |path| {
            if let Ok((p, _, entries)) = journal::read(path) {
                for step in &p.steps {
                    let _ = journal::state_of(&entries, step.id);
                }
            }
        })
    });
}

#[test]
fn baselines_and_settings_never_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report =
        json!({"findings": [{"fingerprint": "abc", "rule_id": "S3.X", "resource": {"arn": "arn:aws:s3:::b"}}]});
    let sarif = json!({"version": "2.1.0", "runs": [{"results": [{"ruleId": "S3.X", "partialFingerprints": {"primaryLocationLineHash": "abc"}}]}]});
    for (name, doc) in [("baseline-json", report), ("baseline-sarif", sarif)] {
        survive(name, &serde_json::to_vec(&doc).expect("JSON"), |bytes| {
            via_file(dir.path(), bytes, |path| {
                let _ = triage::load_baseline(path);
            })
        });
    }
    let toml = "app = \"brainbytes\"\nregions = [\"us-east-1\"]\n[collect]\nconcurrency = 16\n[remediation]\nmin_log_retention_days = 90\n\
                [policies.bbscan-iam]\nbreak_glass = [\"arn:aws:iam::1:role/B\"]\n[[waivers]]\nrule = \"S3.X\"\nresource = \"*\"\n\
                reason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n";
    survive("bbscan-toml", toml.as_bytes(), |bytes| {
        let _ = config::Config::parse(&String::from_utf8_lossy(bytes));
    });
}

#[test]
fn iam_documents_never_panic_the_evaluator() {
    use bbscan_iam::effective::{Expansions, effective};
    use bbscan_iam::{Context, Policy, Source};
    let snapshot: Value = serde_json::from_slice(&demo_bytes()).expect("demo");
    // Every policy document of the demo, one after another, as the seed of the mutations.
    let mut documents = Vec::new();
    for r in snapshot["resources"].as_array().expect("resources") {
        for pointer in ["/config/document", "/config/trust_policy", "/config/policy"] {
            if let Some(d) = r.pointer(pointer).filter(|d| d.is_object()) {
                documents.push(d.clone());
            }
        }
    }
    assert!(documents.len() > 5, "the demo has policy documents");
    let ctx = Context::open();
    survive("iam-documents", &serde_json::to_vec(&documents).expect("JSON"), |bytes| {
        let Ok(Value::Array(docs)) = serde_json::from_slice::<Value>(bytes) else { return };
        let policies: Vec<Policy> =
            docs.iter().map(|d| Policy::new(Source::new("p", "arn:aws:iam::1:role/r", "/"), d)).collect();
        let refs: Vec<&Policy> = policies.iter().collect();
        let mut ex = Expansions::new();
        let _ = effective(&refs, refs.first().copied(), &[], &ctx, &mut ex, false);
        for old in docs.iter().take(3) {
            for new in docs.iter().take(3) {
                let _ = bbscan_iam::usage::within(new, old);
            }
        }
    });
}

/// What a policy returns, as the border check reads it: a rule, a resource, a finding with
/// evidence and an action, a tally.
fn valid_results() -> Value {
    json!({
        "info": {"name": "p", "version": "1", "rules": [{
            "id": "S3.X", "title": "t", "description": "d", "default_severity": "High", "kinds": ["s3.bucket"],
            "compliance": [{"framework": "f", "control": "c"}], "help_text": "h", "help_markdown": "h", "remediation": "r",
            "not_flagged": "n"}]},
        "given": ["arn:aws:s3:::b"],
        "evaluation": {
            "findings": [{"rule_id": "S3.X", "resource_arn": "arn:aws:s3:::b", "status": "Fail", "severity": "High",
                          "message": "m", "evidence": ["/config/versioning", "arn:aws:s3:::b#/config"],
                          "actions": [{"kind": "s3.enable_versioning", "version": 1, "params": "{\"bucket\":\"b\"}"}]}],
            "tallies": [{"rule_id": "S3.X", "evaluated": 1, "passed": 0}]}
    })
}

#[test]
fn the_border_check_of_policy_results_never_panics() {
    let valid = serde_json::to_vec(&valid_results()).expect("JSON");
    assert_eq!(bbscan::host::check_results_json(&valid), Ok(1), "the seed passes the check");
    // A result that could not be assessed passes the border like any other.
    let mut open = valid_results();
    open["evaluation"]["findings"][0]["status"] = json!("NotAssessed");
    assert_eq!(bbscan::host::check_results_json(&serde_json::to_vec(&open).expect("JSON")), Ok(1));
    let mut refused = valid_results();
    refused["evaluation"]["findings"][0]["evidence"] = json!(["config"]);
    assert!(bbscan::host::check_results_json(&serde_json::to_vec(&refused).expect("JSON")).is_err());
    survive("policy-results", &valid, |bytes| {
        let _ = bbscan::host::check_results_json(bytes);
    });
}
