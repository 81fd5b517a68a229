//! Write bbscan policies in Rust.
//!
//! A policy is a type that implements [`Policy`]; [`export_policy!`] turns it into a
//! WebAssembly component that speaks the `bbscan:policy` contract (`wit/policy.wit`). The
//! resources a policy sees are the scanner's own snapshot types ([`model`]), decoded from the
//! documents the host hands over: one definition for both sides. [`run`] evaluates a policy
//! natively against a snapshot, for unit tests.
//!
//! ```text
//! struct Mine;
//! impl bbscan_policy::Policy for Mine {
//!     fn info() -> PolicyInfo { … }
//!     fn evaluate(ctx: &Context, resources: &[Resource], report: &mut Report) -> Result<(), String> { … }
//! }
//! bbscan_policy::export_policy!(Mine);
//! ```

pub use bbscan_model as model;
pub use bbscan_model::{Gap, GapReason, Resource, ResourceConfig, Snapshot};
pub use serde_json::{self, Value, json};

/// IAM as AWS decides it: policy documents, the action catalogue, the evaluator with its
/// reasons, effective permissions and escalation paths — the same implementation the host uses
/// (crate `bbscan-iam`).
pub use bbscan_iam as iam;
mod report;
pub mod settings;
pub mod time;
mod wasm;
#[cfg(any(target_arch = "wasm32", test))]
mod mem;

pub use bbscan_model::findings::{Action, ComplianceRef, Finding, PolicyInfo, Rule, Severity, Status, Tally, few};
pub use report::Report;

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "policy",
        pub_export_macro: true,
        export_macro_name: "__export_bbscan_policy_world",
        default_bindings_module: "bbscan_policy::bindings",
    });
}

#[doc(hidden)]
pub use wasm::{describe as __describe, evaluate as __evaluate, validate as __validate};

/// The compliance frameworks the built-in rules cite, named the same way everywhere (the
/// report's compliance summary groups by these names).
pub mod frameworks {
    pub const CIS: &str = "CIS AWS Foundations Benchmark v3.0.0";
    pub const FSBP: &str = "AWS Foundational Security Best Practices";
    pub const SOC2: &str = "SOC 2";
}

/// A rule from plain values: `compliance` as `(framework, control)` pairs.
#[allow(clippy::too_many_arguments)]
pub fn rule(
    id: &str,
    title: &str,
    description: &str,
    severity: Severity,
    kinds: &[&str],
    compliance: &[(&str, &str)],
    help_text: &str,
    help_markdown: &str,
    remediation: &str,
) -> Rule {
    Rule {
        id: id.into(),
        title: title.into(),
        description: description.into(),
        default_severity: severity,
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        compliance: compliance.iter().map(|(f, c)| ComplianceRef::new(f, c)).collect(),
        help_text: help_text.into(),
        help_markdown: help_markdown.into(),
        remediation: remediation.into(),
        not_flagged: String::new(),
    }
}

/// Attach to each rule what it deliberately does not flag, from `(rule id, text)` pairs (a
/// policy's table of them); rules not in the table keep theirs.
pub fn with_not_flagged(rules: Vec<Rule>, table: &[(&str, &str)]) -> Vec<Rule> {
    rules
        .into_iter()
        .map(|r| match table.iter().find(|(id, _)| *id == r.id) {
            Some((_, text)) => r.not_flagging(text),
            None => r,
        })
        .collect()
}

/// A rule written as a constant (`const RULES: &[RuleText] = &[…]`); [`RuleText::rule`] makes
/// the [`Rule`] a policy describes.
#[derive(Debug, Clone, Copy)]
pub struct RuleText {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub severity: Severity,
    pub kinds: &'static [&'static str],
    pub compliance: &'static [(&'static str, &'static str)],
    pub help_text: &'static str,
    pub help_markdown: &'static str,
    pub remediation: &'static str,
}

impl RuleText {
    pub fn rule(&self) -> Rule {
        rule(
            self.id,
            self.title,
            self.description,
            self.severity,
            self.kinds,
            self.compliance,
            self.help_text,
            self.help_markdown,
            self.remediation,
        )
    }
}

/// Read-only lookups into the snapshot being audited.
pub trait Lookup {
    fn by_arn(&self, arn: &str) -> Option<Resource>;
    fn of_kind(&self, kind: &str) -> Vec<Resource>;
}

/// What an evaluation can see besides its resources.
pub struct Context<'a> {
    /// The policy's settings (a JSON object, `{}` when none are configured).
    pub settings: &'a Value,
    /// When the snapshot was taken, in seconds since the Unix epoch: the "now" ages are judged
    /// against (a policy has no clock of its own).
    pub now: i64,
    lookup: &'a dyn Lookup,
    gaps: &'a [Gap],
}

impl<'a> Context<'a> {
    pub fn new(settings: &'a Value, now: i64, lookup: &'a dyn Lookup) -> Self {
        Context { settings, now, lookup, gaps: &[] }
    }

    /// The same context, with the snapshot's gaps that concern the policy's kinds.
    pub fn with_gaps(mut self, gaps: &'a [Gap]) -> Self {
        self.gaps = gaps;
        self
    }

    /// Every gap handed to the policy (those that concern the kinds its rules read).
    pub fn gaps(&self) -> &'a [Gap] {
        self.gaps
    }

    /// Listings of `kind` that failed — in `region` (or globally) when one is given, anywhere
    /// otherwise: resources of that kind may be missing from the snapshot, so "there is none"
    /// cannot be concluded. Empty when every listing answered.
    pub fn unlisted(&self, kind: &str, region: Option<&str>) -> Vec<&'a Gap> {
        self.gaps
            .iter()
            .filter(|g| g.is_listing() && g.kinds().contains(&kind))
            .filter(|g| region.is_none_or(|r| g.region == r || g.region == "global"))
            .collect()
    }

    /// For a message: which listings of `kind` failed (see [`Context::unlisted`]), `None` when
    /// every one answered. `"cloudtrail:DescribeTrails in us-east-1 (access_denied)"`.
    pub fn unlisted_reason(&self, kind: &str, region: Option<&str>) -> Option<String> {
        let gaps = self.unlisted(kind, region);
        if gaps.is_empty() {
            return None;
        }
        let described: Vec<String> = gaps.iter().map(|g| g.describe()).collect();
        Some(few(&described, 3))
    }

    /// Whole days from an RFC 3339 timestamp to [`Context::now`]; `None` if it does not parse.
    pub fn days_since(&self, timestamp: &str) -> Option<i64> {
        time::days_between(timestamp, self.now)
    }

    /// Another resource of the snapshot, by ARN.
    pub fn resource(&self, arn: &str) -> Option<Resource> {
        self.lookup.by_arn(arn)
    }

    /// Every resource of a kind in the snapshot.
    pub fn resources_of_kind(&self, kind: &str) -> Vec<Resource> {
        self.lookup.of_kind(kind)
    }
}

/// A bbscan policy.
pub trait Policy {
    /// Name, version and rules.
    fn info() -> PolicyInfo;

    /// Check settings before any evaluation. The default accepts anything.
    fn validate_settings(_settings: &Value) -> Result<(), String> {
        Ok(())
    }

    /// Evaluate the resources (only the kinds the rules read), reporting each rule's passes and
    /// failures into `report`.
    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String>;
}

/// Lookups served from a snapshot in memory (native runs).
impl Lookup for Snapshot {
    fn by_arn(&self, arn: &str) -> Option<Resource> {
        self.get(arn).cloned()
    }

    fn of_kind(&self, kind: &str) -> Vec<Resource> {
        Snapshot::of_kind(self, kind).cloned().collect()
    }
}

/// Let go of a large value at the end of an evaluation without freeing it piece by piece. In
/// the WebAssembly component the host throws the instance's whole memory away after each
/// evaluation, so freeing a large structure object by object is wasted work; natively (tests,
/// `run`) it is dropped as usual.
pub fn discard<T>(value: T) {
    #[cfg(target_arch = "wasm32")]
    std::mem::forget(value);
    #[cfg(not(target_arch = "wasm32"))]
    drop(value);
}

/// Evaluate a policy natively against a snapshot, as the host would: settings validated first,
/// then only the resources of the kinds the policy's rules read.
pub fn run<P: Policy>(snapshot: &Snapshot, settings: &Value) -> Result<Report, String> {
    P::validate_settings(settings)?;
    let kinds: Vec<String> = P::info().rules.into_iter().flat_map(|r| r.kinds).collect();
    let resources: Vec<Resource> =
        snapshot.resources.iter().filter(|r| kinds.iter().any(|k| k == r.kind())).cloned().collect();
    let gaps: Vec<Gap> =
        snapshot.gaps.iter().filter(|g| g.kinds().iter().any(|k| kinds.iter().any(|m| m == k))).cloned().collect();
    let mut report = Report::default();
    let now = snapshot.taken_at().map_err(|e| e.to_string())?;
    P::evaluate(&Context::new(settings, now, snapshot).with_gaps(&gaps), &resources, &mut report)?;
    report.bound();
    Ok(report)
}

/// Export a [`Policy`] as the component's implementation of the `bbscan:policy` world.
#[macro_export]
macro_rules! export_policy {
    ($policy:ty) => {
        #[doc(hidden)]
        struct __BbscanPolicyExport;

        impl $crate::bindings::Guest for __BbscanPolicyExport {
            fn describe() -> $crate::bindings::PolicyInfo {
                $crate::__describe::<$policy>()
            }

            fn validate_settings(settings: ::std::string::String) -> ::std::result::Result<(), ::std::string::String> {
                $crate::__validate::<$policy>(&settings)
            }

            fn evaluate(
                resources: ::std::vec::Vec<$crate::bindings::Resource>,
                gaps: ::std::vec::Vec<$crate::bindings::Gap>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<$crate::bindings::Evaluation, ::std::string::String> {
                $crate::__evaluate::<$policy>(resources, gaps, &settings)
            }
        }

        $crate::bindings::__export_bbscan_policy_world!(__BbscanPolicyExport with_types_in $crate::bindings);
    };
}

/// Helpers for policy unit tests.
pub mod testing {
    use crate::{Policy, Resource, ResourceConfig, Snapshot, Value};
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Run `P` natively over every fixture case under `dir` — the same layout `bbscan policy
    /// test` reads: `<case>/snapshot.json` and `<case>/expected.json` (a list of
    /// `{"rule_id", "resource_arn"}`: exactly the failing findings of `P`'s rules) — and check
    /// that every rule of `P` fails at least once and passes at least once across the cases.
    /// Returns every problem found, empty when all is well.
    pub fn check_fixtures<P: Policy>(dir: &Path) -> Vec<String> {
        let rules: BTreeSet<String> = P::info().rules.into_iter().map(|r| r.id).collect();
        let mut problems = Vec::new();
        let mut failed = BTreeSet::new();
        let mut passed = BTreeSet::new();
        let mut cases: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect(),
            Err(e) => return vec![format!("cannot read {}: {e}", dir.display())],
        };
        cases.sort();
        for case in cases {
            let name = case.display().to_string();
            let read = |file: &str| std::fs::read(case.join(file)).map_err(|e| format!("{name}/{file}: {e}"));
            let (snapshot, expected) = match (read("snapshot.json"), read("expected.json")) {
                (Ok(s), Ok(e)) => (s, e),
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(e);
                    continue;
                }
            };
            let snapshot = match Snapshot::from_json(&snapshot) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{name}/snapshot.json: {e}"));
                    continue;
                }
            };
            let expected: BTreeSet<(String, String)> =
                match serde_json::from_slice::<Vec<BTreeMap<String, String>>>(&expected) {
                    Ok(items) => items
                        .into_iter()
                        .map(|i| {
                            (
                                i.get("rule_id").cloned().unwrap_or_default(),
                                i.get("resource_arn").cloned().unwrap_or_default(),
                            )
                        })
                        .collect(),
                    Err(e) => {
                        problems.push(format!("{name}/expected.json: {e}"));
                        continue;
                    }
                };
            let report = match crate::run::<P>(&snapshot, &Value::Object(Default::default())) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(format!("{name}: the policy failed: {e}"));
                    continue;
                }
            };
            let got: BTreeSet<(String, String)> =
                report.findings.iter().map(|f| (f.rule_id.clone(), f.resource_arn.clone())).collect();
            for missing in expected.difference(&got) {
                problems.push(format!("{name}: expected {} on {}, not reported", missing.0, missing.1));
            }
            for extra in got.difference(&expected) {
                problems.push(format!("{name}: unexpected {} on {}", extra.0, extra.1));
            }
            failed.extend(got.into_iter().map(|(rule, _)| rule));
            passed.extend(report.tallies.into_iter().filter(|(_, t)| t.passed > 0).map(|(rule, _)| rule));
        }
        for rule in &rules {
            if !failed.contains(rule) {
                problems.push(format!("no fixture case under {} fails rule {rule}", dir.display()));
            }
            if !passed.contains(rule) {
                problems.push(format!("no fixture case under {} passes rule {rule}", dir.display()));
            }
        }
        problems
    }

    /// A resource of account 123456789012 with no tags and nothing unknown.
    pub fn resource(arn: &str, name: &str, region: &str, config: ResourceConfig) -> Resource {
        Resource {
            arn: arn.into(),
            name: name.into(),
            account: "123456789012".into(),
            region: region.into(),
            tags: Default::default(),
            unknown: Vec::new(),
            config,
        }
    }

    /// A snapshot holding `resources`, for [`crate::run`].
    pub fn snapshot(resources: Vec<Resource>) -> Snapshot {
        Snapshot {
            schema_version: bbscan_model::SCHEMA_VERSION,
            metadata: bbscan_model::Metadata {
                account_id: "123456789012".into(),
                partition: "aws".into(),
                caller_arn: "arn:aws:iam::123456789012:user/test".into(),
                regions: vec!["us-east-1".into()],
                app: "brainbytes".into(),
                stage: None,
                stages_seen: vec![],
                started_at: "2026-01-01T00:00:00Z".into(),
                finished_at: "2026-01-01T00:00:00Z".into(),
                bbscan_version: "test".into(),
                api_calls: 0,
                api_calls_by_operation: Default::default(),
            },
            resources,
            gaps: vec![],
        }
    }
}
