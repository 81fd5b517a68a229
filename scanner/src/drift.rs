//! `bbscan diff OLD NEW`: what changed in one account between two snapshots (resources field by
//! field, and the findings of the same policies over each) or two JSON reports (findings).

use crate::audit::AuditOptions;
use bbscan_model::Snapshot;
use bbscan_model::drift::{self, Drift};
use bbscan_model::findings::AuditReport;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is neither a bbscan snapshot (`bbscan snapshot`) nor a bbscan JSON report (`bbscan audit --format json`): {message}"
    )]
    Unknown { path: PathBuf, message: String },
    #[error(
        "{old} is a {old_kind} and {new} a {new_kind}: compare two snapshots (resources and findings) or two JSON reports (findings)"
    )]
    Mixed { old: PathBuf, old_kind: &'static str, new: PathBuf, new_kind: &'static str },
    #[error(transparent)]
    Accounts(#[from] drift::DriftError),
    #[error("auditing {path} for its findings: {message}")]
    Audit { path: PathBuf, message: String },
}

/// A document `diff` compares.
enum Document {
    Snapshot(Box<Snapshot>),
    Report(Box<AuditReport>),
}

impl Document {
    fn kind(&self) -> &'static str {
        match self {
            Document::Snapshot(_) => "snapshot",
            Document::Report(_) => "report",
        }
    }
}

fn read(path: &Path) -> Result<Document, DiffError> {
    let bytes = std::fs::read(path).map_err(|source| DiffError::Read { path: path.to_path_buf(), source })?;
    let keys = bbscan_model::top_level_keys(&bytes)
        .map_err(|e| DiffError::Unknown { path: path.to_path_buf(), message: format!("not JSON ({e})") })?;
    let has = |k: &str| keys.iter().any(|key| key == k);
    let unknown = |message: String| DiffError::Unknown { path: path.to_path_buf(), message };
    if has("metadata") && has("resources") {
        Snapshot::from_json(&bytes).map(|s| Document::Snapshot(Box::new(s))).map_err(|e| unknown(e.to_string()))
    } else if has("findings") && has("rules") {
        serde_json::from_slice(&bytes).map(|r| Document::Report(Box::new(r))).map_err(|e| unknown(e.to_string()))
    } else {
        Err(unknown("it has neither `metadata` and `resources` nor `findings` and `rules`".to_string()))
    }
}

/// Compare `old` with `new`. For snapshots, `audit` (when given) runs the same policies over
/// both and adds the findings' drift.
pub fn diff(old: &Path, new: &Path, audit: Option<&AuditOptions>) -> Result<Drift, DiffError> {
    let (a, b) = (read(old)?, read(new)?);
    let (old_name, new_name) = (old.display().to_string(), new.display().to_string());
    match (a, b) {
        (Document::Snapshot(a), Document::Snapshot(b)) => {
            let mut found = drift::snapshot_drift((&old_name, &a), (&new_name, &b))?;
            if let Some(options) = audit {
                // Findings of a policy that failed would read as "fixed": refuse instead.
                let judge = |snapshot: &Snapshot, path: &Path| {
                    let error = |message: String| DiffError::Audit { path: path.to_path_buf(), message };
                    let report = crate::audit::audit(snapshot, options).map_err(|e| error(e.to_string()))?;
                    match report.policy_errors.first() {
                        Some(e) => Err(error(format!("policy {} failed: {}", e.policy, e.error))),
                        None => Ok(report),
                    }
                };
                let (before, after) = (judge(&a, old)?, judge(&b, new)?);
                found.findings = Some(drift::findings_drift(&before, &after));
            }
            Ok(found)
        }
        (Document::Report(a), Document::Report(b)) => Ok(drift::report_drift((&old_name, &a), (&new_name, &b))?),
        (a, b) => Err(DiffError::Mixed {
            old: old.to_path_buf(),
            old_kind: a.kind(),
            new: new.to_path_buf(),
            new_kind: b.kind(),
        }),
    }
}
