//! `bbscan policy test DIR`: run policies against fixture snapshots and compare their findings
//! with the expected ones, like `opa test`.
//!
//! Each case is a directory under DIR holding `snapshot.json` (a snapshot document) and
//! `expected.json`: the findings the policies must return, no more and no fewer:
//!
//! ```json
//! [{"rule_id": "S3.BUCKET_PUBLIC_ACCESS_BLOCK", "resource_arn": "arn:aws:s3:::public"}]
//! ```

use crate::audit::{self, AuditOptions};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule_id: String,
    resource_arn: String,
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseResult {
    pub name: String,
    /// Empty when the case passed.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyTestError {
    #[error("cannot read test directory {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("no test cases in {0}: each case is a directory with snapshot.json and expected.json")]
    NoCases(PathBuf),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

pub fn run(dir: &Path, options: &AuditOptions) -> Result<Vec<CaseResult>, PolicyTestError> {
    let read_err = |source| PolicyTestError::Read { path: dir.to_path_buf(), source };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("snapshot.json").is_file())
        .collect();
    cases.sort();
    if cases.is_empty() {
        return Err(PolicyTestError::NoCases(dir.to_path_buf()));
    }
    let mut results = Vec::new();
    for case in cases {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        results.push(CaseResult { problems: run_case(&case, options)?, name });
    }
    Ok(results)
}

fn run_case(case: &Path, options: &AuditOptions) -> Result<Vec<String>, PolicyTestError> {
    let snapshot = match crate::snapshot::read(&case.join("snapshot.json")) {
        Ok(s) => s,
        Err(e) => return Ok(vec![e.to_string()]),
    };
    let expected_path = case.join("expected.json");
    let expected: Vec<Expected> = match std::fs::read(&expected_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(e) => e,
        Err(e) => return Ok(vec![format!("{}: {e}", expected_path.display())]),
    };
    let report = audit::audit(&snapshot, options)?;
    let mut problems: Vec<String> =
        report.policy_errors.iter().map(|e| format!("policy {} failed: {}", e.policy, e.error)).collect();
    let got: BTreeSet<Expected> = report
        .findings
        .iter()
        .map(|f| Expected { rule_id: f.rule_id.clone(), resource_arn: f.resource.arn.clone() })
        .collect();
    let want: BTreeSet<Expected> = expected.into_iter().collect();
    for missing in want.difference(&got) {
        problems.push(format!("expected {} on {}, not found", missing.rule_id, missing.resource_arn));
    }
    for extra in got.difference(&want) {
        problems.push(format!("unexpected {} on {}", extra.rule_id, extra.resource_arn));
    }
    Ok(problems)
}
