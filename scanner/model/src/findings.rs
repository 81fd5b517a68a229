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
    /// JSON pointers into the resource document.
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
    /// Findings at or above `threshold` that fail or warn (manual checks never fail a run).
    pub fn failing(&self, threshold: Severity) -> usize {
        self.findings.iter().filter(|f| f.status != Status::Manual && f.severity >= threshold).count()
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
