//! The glue between the WIT bindings and [`Policy`]: conversions both ways, and lookups served
//! from the resources the host handed over (the `snapshot` imports would see exactly those: the
//! kinds the policy's rules declare), decoded once.

use crate::bindings::bbscan::policy::types as wit;
use crate::{Context, Lookup, Policy, Report, Resource, ResourceConfig, Severity, Status};
use bbscan_model::{Gap, GapReason};
use serde_json::{Map, Value};
use std::collections::HashMap;

#[doc(hidden)]
pub fn describe<P: Policy>() -> wit::PolicyInfo {
    let info = P::info();
    wit::PolicyInfo {
        name: info.name,
        version: info.version,
        rules: info
            .rules
            .into_iter()
            .map(|r| wit::Rule {
                id: r.id,
                title: r.title,
                description: r.description,
                default_severity: severity_to_wit(r.default_severity),
                kinds: r.kinds,
                compliance: r
                    .compliance
                    .into_iter()
                    .map(|c| wit::ComplianceRef { framework: c.framework, control: c.control })
                    .collect(),
                help_text: r.help_text,
                help_markdown: r.help_markdown,
                remediation: r.remediation,
                not_flagged: r.not_flagged,
            })
            .collect(),
    }
}

#[doc(hidden)]
pub fn validate<P: Policy>(settings: &str) -> Result<(), String> {
    P::validate_settings(&parse_settings(settings)?)
}

#[doc(hidden)]
pub fn evaluate<P: Policy>(
    resources: Vec<wit::Resource>,
    gaps: Vec<wit::Gap>,
    settings: &str,
) -> Result<wit::Evaluation, String> {
    let settings = parse_settings(settings)?;
    let resources = resources.into_iter().map(from_wit).collect::<Result<Vec<_>, _>>()?;
    let gaps: Vec<Gap> = gaps.into_iter().map(gap_from_wit).collect();
    let mut report = Report::default();
    // The host's clock is fixed at the snapshot's collection time.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let lookup = Given::new(&resources);
    P::evaluate(&Context::new(&settings, now, &lookup).with_gaps(&gaps), &resources, &mut report)?;
    report.bound();
    let evaluation = to_wit(report);
    // The instance ends with this call: its memory goes whole, nothing need be freed.
    crate::discard(lookup);
    crate::discard(resources);
    Ok(evaluation)
}

fn parse_settings(settings: &str) -> Result<Value, String> {
    if settings.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(settings).map_err(|e| format!("settings are not JSON: {e}"))
}

/// Decode a resource handed over by the host into the snapshot's own type.
pub(crate) fn from_wit(r: wit::Resource) -> Result<Resource, String> {
    // Parsed once, straight into the kind's type: no JSON tree, no copy of the text.
    let config = ResourceConfig::from_json(&r.kind, &r.config)
        .map_err(|e| format!("{}: not a resource this policy SDK understands: {e}", r.arn))?;
    drop(r.config);
    Ok(Resource {
        arn: r.arn,
        name: r.name,
        account: r.account,
        region: r.region,
        tags: r.tags.into_iter().collect(),
        unknown: r.unknown,
        config,
    })
}

fn to_wit(report: Report) -> wit::Evaluation {
    wit::Evaluation {
        findings: report
            .findings
            .into_iter()
            .map(|f| wit::Finding {
                rule_id: f.rule_id,
                resource_arn: f.resource_arn,
                status: match f.status {
                    Status::Fail => wit::Status::Fail,
                    Status::Warning => wit::Status::Warning,
                    Status::Manual => wit::Status::Manual,
                    Status::NotAssessed => wit::Status::NotAssessed,
                },
                severity: f.severity.map(severity_to_wit),
                message: f.message,
                evidence: f.evidence,
                actions: f
                    .actions
                    .into_iter()
                    .map(|a| wit::Action { kind: a.kind, version: a.version, params: a.params.to_string() })
                    .collect(),
            })
            .collect(),
        tallies: report
            .tallies
            .into_iter()
            .map(|(rule_id, t)| wit::Tally { rule_id, evaluated: t.evaluated, passed: t.passed })
            .collect(),
    }
}

fn severity_to_wit(s: Severity) -> wit::Severity {
    match s {
        Severity::Info => wit::Severity::Info,
        Severity::Low => wit::Severity::Low,
        Severity::Medium => wit::Severity::Medium,
        Severity::High => wit::Severity::High,
        Severity::Critical => wit::Severity::Critical,
    }
}

fn gap_from_wit(g: wit::Gap) -> Gap {
    Gap {
        service: g.service,
        operation: g.operation,
        region: g.region,
        resource: g.resource,
        field: g.field,
        reason: GapReason::parse(&g.reason),
        error_code: None,
        message: g.message,
    }
}

/// Lookups among the resources the policy was given, indexed once.
struct Given<'a> {
    resources: &'a [Resource],
    by_arn: HashMap<&'a str, usize>,
}

impl<'a> Given<'a> {
    fn new(resources: &'a [Resource]) -> Self {
        Given { resources, by_arn: resources.iter().enumerate().map(|(i, r)| (r.arn.as_str(), i)).collect() }
    }
}

impl Lookup for Given<'_> {
    fn by_arn(&self, arn: &str) -> Option<Resource> {
        self.by_arn.get(arn).map(|&i| self.resources[i].clone())
    }

    fn of_kind(&self, kind: &str) -> Vec<Resource> {
        self.resources.iter().filter(|r| r.kind() == kind).cloned().collect()
    }
}
