//! The border: what a policy returns is checked and converted to the finding model before the
//! rest of bbscan sees it. A policy cannot invent rules, point at resources it was not given,
//! or propose actions outside the catalogue.

use super::bindings::bbscan::policy::types as wit;
use super::{Limits, PolicyFailure};
use crate::remediate::catalogue;
use bbscan_model::findings::{Action, ComplianceRef, Finding, PolicyInfo, Rule, Severity, Status, Tally};
use std::collections::{BTreeMap, HashSet};

fn severity(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Info => Severity::Info,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
}

/// A rule id is `AREA.NAME`: upper-case letters, digits and underscores, one dot or more.
fn valid_rule_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && id.len() <= 100
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
}

pub(super) fn policy_info(info: wit::PolicyInfo) -> Result<PolicyInfo, PolicyFailure> {
    let malformed = |m: String| PolicyFailure::Malformed(m);
    if info.name.trim().is_empty() {
        return Err(malformed("the policy has no name".into()));
    }
    if info.rules.is_empty() {
        return Err(malformed(format!("policy {} declares no rules", info.name)));
    }
    let mut seen = HashSet::new();
    let mut rules = Vec::new();
    for r in info.rules {
        if !valid_rule_id(&r.id) {
            return Err(malformed(format!("rule id {:?} is not of the form AREA.NAME (upper case)", r.id)));
        }
        if !seen.insert(r.id.clone()) {
            return Err(malformed(format!("rule {} is declared twice", r.id)));
        }
        if let Some(kind) = r.kinds.iter().find(|k| !bbscan_model::KINDS.contains(&k.as_str())) {
            return Err(malformed(format!("rule {} reads unknown resource kind {kind:?}", r.id)));
        }
        rules.push(Rule {
            id: r.id,
            title: r.title,
            description: r.description,
            default_severity: severity(r.default_severity),
            kinds: r.kinds,
            compliance: r
                .compliance
                .into_iter()
                .map(|c| ComplianceRef { framework: c.framework, control: c.control })
                .collect(),
            help_text: r.help_text,
            help_markdown: r.help_markdown,
            remediation: r.remediation,
            not_flagged: r.not_flagged,
        });
    }
    Ok(PolicyInfo { name: info.name, version: info.version, rules })
}

/// Check an evaluation against the policy's own rules, the resources it was given, the action
/// catalogue and the limits.
pub(super) fn evaluation(
    evaluation: wit::Evaluation,
    info: &PolicyInfo,
    given: &HashSet<&str>,
    limits: &Limits,
) -> Result<(Vec<Finding>, BTreeMap<String, Tally>), PolicyFailure> {
    let malformed = PolicyFailure::Malformed;
    if evaluation.findings.len() > limits.max_findings {
        return Err(malformed(format!(
            "{} findings, more than the limit of {}",
            evaluation.findings.len(),
            limits.max_findings
        )));
    }
    let rule_ids: HashSet<&str> = info.rules.iter().map(|r| r.id.as_str()).collect();
    let mut findings = Vec::with_capacity(evaluation.findings.len());
    for f in evaluation.findings {
        if !rule_ids.contains(f.rule_id.as_str()) {
            return Err(malformed(format!("a finding names rule {:?}, which the policy does not declare", f.rule_id)));
        }
        if !given.contains(f.resource_arn.as_str()) {
            return Err(malformed(format!(
                "a finding of {} names resource {:?}, which the policy was not given",
                f.rule_id, f.resource_arn
            )));
        }
        let size = f.message.len()
            + f.evidence.iter().map(String::len).sum::<usize>()
            + f.actions.iter().map(|a| a.params.len()).sum::<usize>();
        if size > limits.max_finding_bytes {
            return Err(malformed(format!(
                "a finding of {} is {size} bytes, more than the limit of {}",
                f.rule_id, limits.max_finding_bytes
            )));
        }
        if let Some(pointer) = f.evidence.iter().find(|p| !is_evidence(p)) {
            return Err(malformed(format!(
                "evidence {pointer:?} of {} is neither a JSON pointer nor ARN#pointer",
                f.rule_id
            )));
        }
        let mut actions = Vec::new();
        for a in f.actions {
            let params: serde_json::Value = serde_json::from_str(&a.params).map_err(|e| {
                malformed(format!("action {} of {} has parameters that are not JSON: {e}", a.kind, f.rule_id))
            })?;
            catalogue::check(&a.kind, a.version, &params)
                .map_err(|e| malformed(format!("{} proposed an invalid action: {e}", f.rule_id)))?;
            actions.push(Action { kind: a.kind, version: a.version, params });
        }
        findings.push(Finding {
            rule_id: f.rule_id,
            resource_arn: f.resource_arn,
            status: match f.status {
                wit::Status::Fail => Status::Fail,
                wit::Status::Warning => Status::Warning,
                wit::Status::Manual => Status::Manual,
                wit::Status::NotAssessed => Status::NotAssessed,
            },
            severity: f.severity.map(severity),
            message: f.message,
            evidence: f.evidence,
            actions,
        });
    }
    let mut tallies = BTreeMap::new();
    for t in evaluation.tallies {
        if !rule_ids.contains(t.rule_id.as_str()) {
            return Err(malformed(format!("a tally names rule {:?}, which the policy does not declare", t.rule_id)));
        }
        if t.passed > t.evaluated || t.evaluated as usize > given.len() {
            return Err(malformed(format!(
                "the tally of {} says {} passed of {} evaluated",
                t.rule_id, t.passed, t.evaluated
            )));
        }
        tallies.insert(t.rule_id, Tally { evaluated: t.evaluated, passed: t.passed });
    }
    Ok((findings, tallies))
}

/// Evidence is a JSON pointer into the finding's resource (`/config/policy`), or into another
/// resource of the snapshot as `ARN#pointer` (a statement of an attached managed policy, another
/// role's trust policy).
fn is_evidence(e: &str) -> bool {
    if e.starts_with('/') {
        return true;
    }
    match e.split_once('#') {
        Some((arn, pointer)) => arn.starts_with("arn:") && arn.len() > 4 && pointer.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids() {
        assert!(valid_rule_id("S3.BUCKET_PUBLIC_ACCESS_BLOCK"));
        assert!(valid_rule_id("IAM.OIDC_TRUST_SUB"));
        assert!(!valid_rule_id("s3.lower"));
        assert!(!valid_rule_id("NODOT"));
        assert!(!valid_rule_id("A..B"));
    }
}
