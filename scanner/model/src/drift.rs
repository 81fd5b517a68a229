//! Drift between two snapshots (or two reports) of one account: resources added, removed and
//! changed field by field (JSON pointers, with both values: a snapshot never holds a secret, so
//! every value it holds may be shown), and findings new, fixed and unchanged.

use crate::findings::{AuditReport, ReportFinding, Severity, Status};
use crate::{Resource, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// The version of the drift document.
pub const DRIFT_SCHEMA_VERSION: u32 = 1;

/// What changed between two snapshots or reports of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Drift {
    pub schema_version: u32,
    pub account_id: String,
    pub old: Side,
    pub new: Side,
    /// Resource changes; absent when two reports were compared (they hold no configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceDrift>,
    /// Finding changes; absent when findings were not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<FindingDrift>,
}

/// One of the two documents compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct Side {
    /// Where it came from (a file name), as given.
    pub source: String,
    /// When the snapshot was taken.
    pub taken_at: String,
    /// Its stage filter, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ResourceDrift {
    pub added: Vec<ResourceId>,
    pub removed: Vec<ResourceId>,
    pub changed: Vec<ResourceChange>,
    /// Resources present in both and equal.
    pub unchanged: usize,
    /// On one side only, but the other side could not read their service (a gap): not known to
    /// be added or removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<ResourceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ResourceId {
    pub kind: String,
    pub arn: String,
    pub name: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct ResourceChange {
    pub resource: ResourceId,
    /// Each leaf that differs, in document order.
    pub fields: Vec<FieldChange>,
}

/// One field that differs: its JSON pointer in the resource document (`/config/versioning`,
/// `/tags/owner`), and its value before and after (`null`/absent when it did not exist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct FieldChange {
    pub pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct FindingDrift {
    /// Failing in the new document, not in the old.
    pub new: Vec<FindingId>,
    /// Failing in the old document, not in the new.
    pub fixed: Vec<FindingId>,
    /// Failing in both.
    pub unchanged: usize,
    /// Failing in the old document, absent from the new one because the new one could not read
    /// the resource's service (a gap): not known to be fixed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_assessed: Vec<FindingId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct FindingId {
    pub rule_id: String,
    pub severity: Severity,
    pub status: Status,
    pub arn: String,
    pub kind: String,
    pub message: String,
    pub fingerprint: String,
}

/// Why two documents cannot be compared.
/// (`Display` by hand: the model crate keeps its dependencies to serde.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftError {
    DifferentAccounts { old: String, new: String },
}

impl std::fmt::Display for DriftError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DriftError::DifferentAccounts { old, new } => write!(
                f,
                "the two documents are of different accounts ({old} and {new}): drift compares one account over time; \
                 diff each account's snapshots separately"
            ),
        }
    }
}

impl std::error::Error for DriftError {}

fn side(source: &str, snapshot: &Snapshot) -> Side {
    Side {
        source: source.to_string(),
        taken_at: snapshot.metadata.started_at.clone(),
        stage: snapshot.metadata.stage.clone(),
        regions: snapshot.metadata.regions.clone(),
    }
}

fn id(r: &Resource) -> ResourceId {
    ResourceId { kind: r.kind().to_string(), arn: r.arn.clone(), name: r.name.clone(), region: r.region.clone() }
}

/// Resource drift between two snapshots of one account (findings: [`findings_drift`]).
pub fn snapshot_drift(
    (old_source, old): (&str, &Snapshot),
    (new_source, new): (&str, &Snapshot),
) -> Result<Drift, DriftError> {
    if old.metadata.account_id != new.metadata.account_id {
        return Err(DriftError::DifferentAccounts {
            old: old.metadata.account_id.clone(),
            new: new.metadata.account_id.clone(),
        });
    }
    // The services a side could not (fully) read: its resources there are not known to be gone.
    let unread =
        |s: &Snapshot| -> std::collections::BTreeSet<String> { s.gaps.iter().map(|g| g.service.clone()).collect() };
    let (unread_old, unread_new) = (unread(old), unread(new));
    let service = |r: &Resource| r.kind().split('.').next().unwrap_or_default().to_string();
    let key = |r: &Resource| (r.kind().to_string(), r.arn.clone());
    let before: BTreeMap<(String, String), &Resource> = old.resources.iter().map(|r| (key(r), r)).collect();
    let after: BTreeMap<(String, String), &Resource> = new.resources.iter().map(|r| (key(r), r)).collect();
    let mut drift = ResourceDrift::default();
    for (k, r) in &after {
        match before.get(k) {
            None if unread_old.contains(&service(r)) => drift.unreadable.push(id(r)),
            None => drift.added.push(id(r)),
            Some(was) => {
                let (a, b) =
                    (serde_json::to_value(was).unwrap_or_default(), serde_json::to_value(r).unwrap_or_default());
                let mut fields = Vec::new();
                compare(&mut String::new(), Some(&a), Some(&b), &mut fields);
                // A field either side could not read is not a change.
                let unknown: Vec<String> =
                    was.unknown.iter().chain(&r.unknown).map(|f| format!("/config/{f}")).collect();
                fields.retain(|f| !unknown.iter().any(|u| f.pointer == *u || f.pointer.starts_with(&format!("{u}/"))));
                if fields.is_empty() {
                    drift.unchanged += 1;
                } else {
                    drift.changed.push(ResourceChange { resource: id(r), fields });
                }
            }
        }
    }
    for (k, r) in &before {
        if after.contains_key(k) {
            continue;
        }
        if unread_new.contains(&service(r)) {
            drift.unreadable.push(id(r));
        } else {
            drift.removed.push(id(r));
        }
    }
    Ok(Drift {
        schema_version: DRIFT_SCHEMA_VERSION,
        account_id: new.metadata.account_id.clone(),
        old: side(old_source, old),
        new: side(new_source, new),
        resources: Some(drift),
        findings: None,
    })
}

/// Every leaf where `a` and `b` differ, below `pointer`. Objects are compared key by key; arrays
/// element by element (an element added or removed at the end is one change at its index).
fn compare(pointer: &mut String, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                compare(pointer, x.get(k), y.get(k), out);
                pointer.truncate(len);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            for i in 0..x.len().max(y.len()) {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                compare(pointer, x.get(i), y.get(i), out);
                pointer.truncate(len);
            }
        }
        (a, b) if a == b => {}
        // `null` and absent are the same answer: not configured.
        (None | Some(Value::Null), None | Some(Value::Null)) => {}
        (a, b) => out.push(FieldChange {
            pointer: pointer.clone(),
            old: a.filter(|v| !v.is_null()).cloned(),
            new: b.filter(|v| !v.is_null()).cloned(),
        }),
    }
}

fn finding_id(f: &ReportFinding) -> FindingId {
    FindingId {
        rule_id: f.rule_id.clone(),
        severity: f.severity,
        status: f.status,
        arn: f.resource.arn.clone(),
        kind: f.resource.kind.clone(),
        message: f.message.clone(),
        fingerprint: f.fingerprint.clone(),
    }
}

/// Findings new, fixed and unchanged between two reports (by fingerprint: rule and ARN).
pub fn findings_drift(old: &AuditReport, new: &AuditReport) -> FindingDrift {
    let failing = |r: &AuditReport| -> BTreeMap<String, FindingId> {
        r.findings
            .iter()
            .filter(|f| f.status.is_failure())
            .map(|f| {
                let key = if f.fingerprint.is_empty() {
                    format!("{}|{}", f.rule_id, f.resource.arn)
                } else {
                    f.fingerprint.clone()
                };
                (key, finding_id(f))
            })
            .collect()
    };
    let (before, after) = (failing(old), failing(new));
    let order = |list: &mut Vec<FindingId>| {
        list.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| (&a.rule_id, &a.arn).cmp(&(&b.rule_id, &b.arn))))
    };
    let mut new_findings: Vec<FindingId> =
        after.iter().filter(|(k, _)| !before.contains_key(*k)).map(|(_, f)| f.clone()).collect();
    // A finding gone where the new document could not read its service is not known to be fixed.
    let unread: std::collections::BTreeSet<&str> = new.gaps.iter().map(|g| g.service.as_str()).collect();
    let (mut not_assessed, mut fixed): (Vec<FindingId>, Vec<FindingId>) = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k))
        .map(|(_, f)| f.clone())
        .partition(|f| unread.contains(f.kind.split('.').next().unwrap_or_default()));
    order(&mut new_findings);
    order(&mut fixed);
    order(&mut not_assessed);
    let unchanged = after.keys().filter(|k| before.contains_key(*k)).count();
    FindingDrift { new: new_findings, fixed, unchanged, not_assessed }
}

/// Drift between two reports of one account: findings only.
pub fn report_drift(
    (old_source, old): (&str, &AuditReport),
    (new_source, new): (&str, &AuditReport),
) -> Result<Drift, DriftError> {
    if old.snapshot.account_id != new.snapshot.account_id {
        return Err(DriftError::DifferentAccounts {
            old: old.snapshot.account_id.clone(),
            new: new.snapshot.account_id.clone(),
        });
    }
    let side = |source: &str, r: &AuditReport| Side {
        source: source.to_string(),
        taken_at: r.snapshot.taken_at.clone(),
        stage: r.snapshot.stage.clone(),
        regions: r.snapshot.regions.clone(),
    };
    Ok(Drift {
        schema_version: DRIFT_SCHEMA_VERSION,
        account_id: new.snapshot.account_id.clone(),
        old: side(old_source, old),
        new: side(new_source, new),
        resources: None,
        findings: Some(findings_drift(old, new)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(a: Value, b: Value) -> Vec<(String, Option<Value>, Option<Value>)> {
        let mut out = Vec::new();
        compare(&mut String::new(), Some(&a), Some(&b), &mut out);
        out.into_iter().map(|c| (c.pointer, c.old, c.new)).collect()
    }

    #[test]
    fn what_a_side_could_not_read_is_neither_removed_nor_added() {
        let old = Snapshot::from_json(include_bytes!("../../demo/brainbytes-production.json")).unwrap();
        let mut new = old.clone();
        let buckets = new.resources.iter().filter(|r| r.kind() == "s3.bucket").count();
        assert!(buckets > 0);
        new.resources.retain(|r| r.kind() != "s3.bucket");
        new.resources.retain(|r| r.kind() != "iam.user" || r.name != "dana");
        new.gaps.push(crate::Gap {
            service: "s3".into(),
            operation: "ListBuckets".into(),
            region: "global".into(),
            resource: None,
            field: None,
            reason: crate::GapReason::AccessDenied,
            error_code: Some("AccessDenied".into()),
            message: "denied".into(),
        });
        let drift = snapshot_drift(("old", &old), ("new", &new)).unwrap();
        let r = drift.resources.unwrap();
        assert_eq!(r.unreadable.len(), buckets, "the buckets the new side could not list");
        assert!(r.unreadable.iter().all(|u| u.kind == "s3.bucket"));
        let removed: Vec<&str> = r.removed.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(removed, vec!["dana"], "a user of a service that was read is removed");
        // The other way round, the buckets are not "added" either.
        let back = snapshot_drift(("new", &new), ("old", &old)).unwrap().resources.unwrap();
        assert_eq!(back.unreadable.len(), buckets);
        assert!(back.added.iter().all(|a| a.kind != "s3.bucket"));
    }

    #[test]
    fn fields_are_compared_leaf_by_leaf_with_json_pointers() {
        assert!(changes(json!({"a": 1, "b": [1, 2]}), json!({"b": [1, 2], "a": 1})).is_empty());
        assert_eq!(
            changes(json!({"config": {"versioning": "Suspended"}}), json!({"config": {"versioning": "Enabled"}})),
            vec![("/config/versioning".into(), Some(json!("Suspended")), Some(json!("Enabled")))]
        );
        // Added and removed keys, escaped names, array growth, null as absent.
        assert_eq!(
            changes(
                json!({"tags": {"a/b": "x"}, "list": [1], "gone": null}),
                json!({"tags": {"a/b": "x", "t~": "y"}, "list": [1, 2]})
            ),
            vec![("/list/1".into(), None, Some(json!(2))), ("/tags/t~0".into(), None, Some(json!("y")))]
        );
        // A value that changes type is one change at its pointer.
        assert_eq!(
            changes(json!({"p": {"x": 1}}), json!({"p": "text"})),
            vec![("/p".into(), Some(json!({"x": 1})), Some(json!("text")))]
        );
    }
}
