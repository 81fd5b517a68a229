//! SARIF 2.1.0 for GitHub code scanning.
//!
//! - Results sit on AWS resources, not files. An ARN is not a valid artifact URI for GitHub (it
//!   reads as a URI scheme), so each result's location is a relative path
//!   `aws/<account>/<region>/<service>/<resource-id>` with `startLine` 1; the ARN goes into
//!   `logicalLocations[].fullyQualifiedName`, the result's properties and its message.
//! - `partialFingerprints.primaryLocationLineHash` is computed from the rule id and the ARN only,
//!   so an alert keeps its identity across runs.
//! - `automationDetails.id` is `bbscan/<stage>/`, so dev and production alerts never close each
//!   other; gaps and policy errors are `toolExecutionNotifications`.
//! - Rules carry `security-severity` and at most ten tags (compliance ids among them).
//!
//! The document is built as JSON and then read into serde-sarif's types, which checks its shape
//! against the SARIF object model before it is written.

use bbscan_model::findings::{AuditReport, BaselineState, ReportFinding, Severity, Status, WaiverState};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const INFORMATION_URI: &str = "https://github.com/brainbytes/bbscan";

/// GitHub's `security-severity`: a number from 0.1 to 10.0, as a string.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.1",
    }
}

fn level(s: Severity, status: Status) -> &'static str {
    match (status, s) {
        // SARIF: a result whose kind is not `fail` has level `none`.
        (Status::NotAssessed, _) => "none",
        (Status::Manual, _) | (_, Severity::Info) => "note",
        (_, Severity::Critical | Severity::High) => "error",
        _ => "warning",
    }
}

/// `arn:aws:s3:::bucket` → `aws/123456789012/global/s3/bucket`.
pub fn artifact_uri(f: &ReportFinding) -> String {
    let arn = &f.resource.arn;
    let service = arn.split(':').nth(2).filter(|s| !s.is_empty()).unwrap_or("aws");
    let id = if f.resource.name.is_empty() {
        arn.rsplit([':', '/']).next().unwrap_or(arn)
    } else {
        f.resource.name.as_str()
    };
    let clean: String = id
        .trim_start_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_./".contains(c) { c } else { '_' })
        .collect();
    format!("aws/{}/{}/{}/{}", f.resource.account, f.resource.region, service, clean)
}

pub use bbscan_model::findings::fingerprint;

pub fn sarif(report: &AuditReport, tool_version: &str) -> String {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let rules: Vec<Value> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            rule_index.insert(r.rule.id.as_str(), i);
            let mut tags = vec!["security".to_string(), r.rule.id.split('.').next().unwrap_or_default().to_lowercase()];
            tags.extend(r.rule.compliance.iter().map(|c| format!("{} {}", c.framework, c.control)));
            tags.truncate(10);
            json!({
                "id": r.rule.id,
                "name": r.rule.id.replace('.', "_"),
                "shortDescription": { "text": r.rule.title },
                "fullDescription": { "text": r.rule.description },
                "help": { "text": format!("{}\n\nRemediation: {}", r.rule.help_text, r.rule.remediation), "markdown": format!("{}\n\n**Remediation:** {}", r.rule.help_markdown, r.rule.remediation) },
                "defaultConfiguration": { "level": level(r.rule.default_severity, Status::Fail) },
                "properties": {
                    "security-severity": security_severity(r.rule.default_severity),
                    "tags": tags,
                    "policy": r.policy,
                    "kinds": r.rule.kinds,
                    "evaluated": r.evaluated,
                    "passed": r.passed,
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule_id,
                "level": level(f.severity, f.status),
                "message": { "text": format!("{} ({})", f.message, f.resource.arn) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": artifact_uri(f) },
                        "region": { "startLine": 1 }
                    },
                    "logicalLocations": [{ "fullyQualifiedName": f.resource.arn, "name": f.resource.name, "kind": "resource" }]
                }],
                "partialFingerprints": { "primaryLocationLineHash": if f.fingerprint.is_empty() { fingerprint(&f.rule_id, &f.resource.arn) } else { f.fingerprint.clone() } },
                "properties": {
                    "arn": f.resource.arn,
                    "resourceKind": f.resource.kind,
                    "severity": f.severity.as_str(),
                    "status": f.status.as_str(),
                    "evidence": f.evidence,
                    "actions": f.actions,
                }
            });
            if f.status == Status::NotAssessed {
                // Not known to pass or fail: something the rule needs was not read.
                result["kind"] = json!("open");
            }
            if let Some(i) = rule_index.get(f.rule_id.as_str()) {
                result["ruleIndex"] = json!(i);
            }
            match f.baseline {
                Some(BaselineState::New) => result["baselineState"] = json!("new"),
                Some(BaselineState::Existing) => result["baselineState"] = json!("unchanged"),
                None => {}
            }
            // A waived finding stays in the log, marked as an accepted external suppression:
            // code scanning shows it dismissed, with the justification.
            if let Some(w) = &f.suppression {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{} (owner {}, until {})", w.reason, w.owner, w.expires),
                    "properties": { "owner": w.owner, "expires": w.expires }
                }]);
            }
            result
        })
        .collect();
    let mut notifications: Vec<Value> = report
        .gaps
        .iter()
        .map(|g| {
            let on = g.resource.as_deref().map(|r| format!(" on {r}")).unwrap_or_default();
            json!({
                "level": "warning",
                "message": { "text": format!("not assessed: {}:{}{} failed ({}): {}", g.service, g.operation, on, g.reason.as_str(), g.message) },
                "descriptor": { "id": "bbscan/gap" },
                "properties": { "service": g.service, "operation": g.operation, "region": g.region, "reason": g.reason.as_str() }
            })
        })
        .collect();
    notifications.extend(report.waivers.iter().filter(|w| w.state == WaiverState::Expired).map(|w| {
        json!({
            "level": "warning",
            "message": { "text": format!("the waiver for {} on {} (owner {}) expired on {}; it no longer suppresses {} finding(s)", w.rule, w.resource, w.owner, w.expires, w.matched) },
            "descriptor": { "id": "bbscan/expired-waiver" }
        })
    }));
    notifications.extend(report.policy_errors.iter().map(|e| {
        json!({
            "level": "error",
            "message": { "text": format!("policy {} ({}) {}", e.policy, e.origin, e.error) },
            "descriptor": { "id": "bbscan/policy-error" }
        })
    }));
    let stage = report.snapshot.stage.as_deref().unwrap_or("account");
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "bbscan", "version": tool_version, "informationUri": INFORMATION_URI, "rules": rules } },
            "automationDetails": { "id": format!("bbscan/{stage}/") },
            "invocations": [{ "executionSuccessful": report.policy_errors.is_empty(), "toolExecutionNotifications": notifications }],
            "results": results,
            "properties": {
                "account": report.snapshot.account_id,
                "regions": report.snapshot.regions,
                "stage": report.snapshot.stage,
                "snapshotTakenAt": report.snapshot.taken_at,
            }
        }]
    });
    // Through serde-sarif's object model: a shape it rejects is a bug here, caught by the tests.
    let typed: Result<serde_sarif::sarif::Sarif, _> = serde_json::from_value(doc.clone());
    let value = match typed {
        Ok(sarif) => serde_json::to_value(&sarif).unwrap_or(doc),
        Err(_) => doc,
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_rule_and_arn_only() {
        let a = fingerprint("S3.X", "arn:aws:s3:::b");
        assert_eq!(a, fingerprint("S3.X", "arn:aws:s3:::b"));
        assert_ne!(a, fingerprint("S3.Y", "arn:aws:s3:::b"));
        assert_ne!(a, fingerprint("S3.X", "arn:aws:s3:::c"));
        assert_eq!(a.len(), 32);
    }
}
