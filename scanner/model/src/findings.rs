//! The finding model: what policies say about resources. Shared by the host, the reports and
//! the Rust policy SDK.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// How bad a finding is. Ordered: `info < low < medium < high < critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// What kind of result a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The resource breaks the rule.
    Fail,
    /// Not broken yet, but soon.
    Warning,
    /// Cannot be verified from AWS: a person must check.
    Manual,
    /// Could not be judged because something the rule needs was not read (a gap, named in the
    /// message). Neither a pass nor a failure.
    #[serde(rename = "not_assessed")]
    NotAssessed,
}

impl Status {
    /// The name used in documents: `fail`, `warning`, `manual`, `not_assessed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Warning => "warning",
            Status::Manual => "manual",
            Status::NotAssessed => "not_assessed",
        }
    }

    /// Whether the finding says the resource breaks (or is about to break) the rule, as opposed
    /// to a check left to a person or one that could not be made.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::Warning)
    }
}

/// A control in a compliance framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ComplianceRef {
    pub framework: String,
    pub control: String,
}

impl ComplianceRef {
    pub fn new(framework: &str, control: &str) -> Self {
        ComplianceRef { framework: framework.to_string(), control: control.to_string() }
    }
}

/// One rule of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub description: String,
    pub default_severity: Severity,
    pub kinds: Vec<String>,
    pub compliance: Vec<ComplianceRef>,
    pub help_text: String,
    pub help_markdown: String,
    pub remediation: String,
    /// What the rule deliberately does not flag, and why.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub not_flagged: String,
}

impl Rule {
    /// The same rule, saying what it deliberately does not flag.
    pub fn not_flagging(mut self, text: &str) -> Rule {
        self.not_flagged = text.to_string();
        self
    }
}

/// What a policy says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct PolicyInfo {
    pub name: String,
    pub version: String,
    pub rules: Vec<Rule>,
}

/// A proposed fix, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Action {
    /// An action kind of the host's closed catalogue, e.g. `s3.put_public_access_block`.
    pub kind: String,
    pub version: u32,
    pub params: Value,
}

/// One result that needs attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Finding {
    pub rule_id: String,
    pub resource_arn: String,
    pub status: Status,
    /// `null`: the rule's default severity.
    pub severity: Option<Severity>,
    pub message: String,
    /// JSON pointers into the resource document, or `ARN#pointer` into another resource of the
    /// snapshot.
    pub evidence: Vec<String>,
    pub actions: Vec<Action>,
}

impl Finding {
    /// Point at the part of the resource document that shows the problem (`/config/…`).
    pub fn evidence(&mut self, pointer: &str) -> &mut Self {
        self.evidence.push(pointer.to_string());
        self
    }

    /// Override the rule's default severity for this finding.
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = Some(severity);
        self
    }

    /// Propose a fix.
    pub fn action(&mut self, kind: &str, version: u32, params: Value) -> &mut Self {
        self.actions.push(Action { kind: kind.to_string(), version, params });
        self
    }

    /// Keep the finding readable and bounded whatever the size of the account: a message longer
    /// than [`MAX_MESSAGE_BYTES`] is cut (at a character boundary, saying how much was cut), and
    /// evidence beyond [`MAX_EVIDENCE`] pointers is dropped (the message says how many). The
    /// policy SDK applies it to every finding a policy returns.
    pub fn bound(&mut self) {
        if self.evidence.len() > MAX_EVIDENCE {
            let dropped = self.evidence.len() - MAX_EVIDENCE;
            self.evidence.truncate(MAX_EVIDENCE);
            self.message.push_str(&format!(" [{dropped} more evidence pointers not listed]"));
        }
        if self.message.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !self.message.is_char_boundary(end) {
                end -= 1;
            }
            let cut = self.message.len() - end;
            self.message.truncate(end);
            self.message.push_str(&format!(" … [{cut} more bytes cut]"));
        }
    }
}

/// The longest message a finding keeps (see [`Finding::bound`]).
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// The most evidence pointers a finding keeps.
pub const MAX_EVIDENCE: usize = 50;

/// `items` for a message, at most `shown` of them: "a, b, c and 97 more". Account-wide findings
/// name a few examples, not every resource.
pub fn few<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let shown = shown.max(1);
    let listed: Vec<&str> = items.iter().take(shown).map(AsRef::as_ref).collect();
    match items.len().saturating_sub(shown) {
        0 => listed.join(", "),
        more => format!("{} and {more} more", listed.join(", ")),
    }
}

/// How many resources a rule evaluated, and how many passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Tally {
    pub evaluated: u32,
    pub passed: u32,
}

/// The version of the audit report document.
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

/// The result of an audit: what was judged, what was found, what could not be assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct AuditReport {
    pub schema_version: u32,
    pub snapshot: SnapshotSummary,
    /// Every rule that ran, with how many resources it evaluated and how many passed.
    pub rules: Vec<RuleResult>,
    /// Findings, most severe first.
    pub findings: Vec<ReportFinding>,
    /// What the snapshot could not read.
    pub gaps: Vec<crate::Gap>,
    /// Policies that could not run or returned bad results.
    pub policy_errors: Vec<PolicyError>,
    /// What policies printed (stdout and stderr, captured and bounded by the host).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_logs: Vec<PolicyLog>,
    /// Per compliance framework: controls assessed and passing.
    #[serde(default)]
    pub compliance: Vec<ComplianceSummary>,
    /// The waivers of `bbscan.toml`, active or expired, and what each matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverReport>,
    /// The baseline report compared against (`--baseline`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
}

/// The output of one policy's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct PolicyLog {
    pub policy: String,
    pub lines: Vec<String>,
}

/// Where the audited snapshot came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct SnapshotSummary {
    pub account_id: String,
    pub partition: String,
    pub regions: Vec<String>,
    pub app: String,
    pub stage: Option<String>,
    pub taken_at: String,
    pub resources: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct RuleResult {
    /// The policy that holds the rule.
    pub policy: String,
    pub rule: Rule,
    pub evaluated: u32,
    pub passed: u32,
}

/// A finding with its rule's severity resolved and its resource named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ReportFinding {
    pub rule_id: String,
    pub policy: String,
    pub severity: Severity,
    pub status: Status,
    pub resource: ResourceRef,
    pub message: String,
    pub evidence: Vec<String>,
    pub actions: Vec<Action>,
    /// Stable identity across runs, from the rule id and the ARN only ([`fingerprint`]).
    #[serde(default)]
    pub fingerprint: String,
    /// With `--baseline`: whether the baseline report already had this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
    /// A waiver from `bbscan.toml` that covers this finding: it stays visible, but does not
    /// count for `--fail-on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

impl ReportFinding {
    /// Whether this finding marks its controls as failing: failing or warning and not waived
    /// (unlike [`ReportFinding::counts`], an old finding still fails its control).
    pub fn counts_for_compliance(&self) -> bool {
        self.status.is_failure() && self.suppression.is_none()
    }

    /// Whether this finding counts against `--fail-on`: failing or warning, not waived, and
    /// not already in the baseline.
    pub fn counts(&self) -> bool {
        self.status.is_failure() && self.suppression.is_none() && self.baseline != Some(BaselineState::Existing)
    }
}

/// Whether a finding was in the baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Existing,
}

/// Why a finding is accepted, by whom, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Suppression {
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`; the waiver stops suppressing after this day.
    pub expires: String,
}

/// A waiver of `bbscan.toml` and what it did in this audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct WaiverReport {
    pub rule: String,
    /// A resource ARN, or a glob over ARNs (`*`).
    pub resource: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    pub state: WaiverState,
    /// Findings it matched (suppressed when active).
    pub matched: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// Suppressing what it matches.
    Active,
    /// Past its date: suppresses nothing, and says so.
    Expired,
}

/// How one compliance framework fares: controls judged by the rules that map to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ComplianceSummary {
    pub framework: String,
    /// Controls some rule evaluated at least one resource for.
    pub controls_assessed: usize,
    /// Of those, controls with no counted failing finding.
    pub controls_passing: usize,
    /// `controls_passing / controls_assessed`, in percent (100 when nothing was assessed).
    pub percent: f64,
    /// Controls mapped by a rule that evaluated nothing (no resources of its kinds).
    pub controls_not_assessed: usize,
}

/// A stable fingerprint of a finding from its rule id and resource ARN (never its message or
/// time), so that the same problem on the same resource has the same identity in every run:
/// FNV-1a, 64 bits, twice with different seeds, as 32 hex digits.
pub fn fingerprint(rule_id: &str, arn: &str) -> String {
    let hash = |seed: u64| {
        let mut h = seed;
        for b in rule_id.bytes().chain([0]).chain(arn.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    };
    format!("{:016x}{:016x}", hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ResourceRef {
    pub arn: String,
    pub kind: String,
    pub name: String,
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct PolicyError {
    /// The policy's name when it could describe itself, else where it came from.
    pub policy: String,
    /// `builtin:<name>` or the component's path.
    pub origin: String,
    pub error: String,
    /// What the policy printed before it failed.
    pub log: Vec<String>,
}

impl AuditReport {
    /// Findings at or above `threshold` that count ([`ReportFinding::counts`]): failing or
    /// warning, not waived, new against the baseline. Manual checks never fail a run.
    pub fn failing(&self, threshold: Severity) -> usize {
        self.findings.iter().filter(|f| f.counts() && f.severity >= threshold).count()
    }

    /// Per framework, the controls the rules map to: assessed (some rule evaluated something),
    /// passing (no counted finding of any of its rules), not assessed.
    pub fn compliance_summary(&self) -> Vec<ComplianceSummary> {
        use std::collections::BTreeMap;
        // (framework, control) → (evaluated anything, failed)
        let mut controls: BTreeMap<(&str, &str), (bool, bool)> = BTreeMap::new();
        let failing: std::collections::HashSet<&str> =
            self.findings.iter().filter(|f| f.counts_for_compliance()).map(|f| f.rule_id.as_str()).collect();
        for r in &self.rules {
            let failed = failing.contains(r.rule.id.as_str());
            for c in &r.rule.compliance {
                let entry = controls.entry((c.framework.as_str(), c.control.as_str())).or_default();
                entry.0 |= r.evaluated > 0;
                entry.1 |= failed;
            }
        }
        let mut frameworks: BTreeMap<&str, ComplianceSummary> = BTreeMap::new();
        for ((framework, _), (assessed, failed)) in controls {
            let s = frameworks.entry(framework).or_insert_with(|| ComplianceSummary {
                framework: framework.to_string(),
                controls_assessed: 0,
                controls_passing: 0,
                percent: 100.0,
                controls_not_assessed: 0,
            });
            if !assessed {
                s.controls_not_assessed += 1;
            } else {
                s.controls_assessed += 1;
                if !failed {
                    s.controls_passing += 1;
                }
            }
        }
        frameworks
            .into_values()
            .map(|mut s| {
                if s.controls_assessed > 0 {
                    s.percent = (s.controls_passing as f64 * 1000.0 / s.controls_assessed as f64).round() / 10.0;
                }
                s
            })
            .collect()
    }

    /// Finding counts per severity, most severe first.
    pub fn counts_by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| (*s, self.findings.iter().filter(|f| f.severity == *s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(message: String, evidence: usize) -> Finding {
        Finding {
            rule_id: "A.B".into(),
            resource_arn: "arn:aws:s3:::b".into(),
            status: Status::Fail,
            severity: None,
            message,
            evidence: (0..evidence).map(|i| format!("/config/{i}")).collect(),
            actions: Vec::new(),
        }
    }

    #[test]
    fn a_finding_stays_bounded_whatever_the_account_size() {
        // 100,000 functions named in one message, a thousand pointers, multi-byte characters.
        let names: Vec<String> = (0..100_000).map(|i| format!("función-{i}")).collect();
        let mut f = finding(names.join(", "), 1000);
        f.bound();
        assert!(f.message.len() <= MAX_MESSAGE_BYTES + 100, "{}", f.message.len());
        assert!(f.message.starts_with("función-0, función-1"));
        assert!(f.message.ends_with("more bytes cut]"), "{}", &f.message[f.message.len() - 60..]);
        assert_eq!(f.evidence.len(), MAX_EVIDENCE);
        assert!(f.message.contains("[950 more evidence pointers not listed]") || f.message.len() > MAX_MESSAGE_BYTES);

        let mut small = finding("short".into(), 3);
        let before = small.clone();
        small.bound();
        assert_eq!(small, before, "a finding within bounds is untouched");

        let mut pointers = finding("m".into(), 60);
        pointers.bound();
        assert_eq!(pointers.message, "m [10 more evidence pointers not listed]");
    }

    #[test]
    fn few_names_some_and_counts_the_rest() {
        assert_eq!(few(&["a", "b"], 5), "a, b");
        assert_eq!(few(&["a", "b", "c", "d"], 2), "a, b and 2 more");
        assert_eq!(few::<&str>(&[], 3), "");
        assert_eq!(few(&["a", "b"], 0), "a and 1 more");
    }
}
