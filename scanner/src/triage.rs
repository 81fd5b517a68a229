//! After the policies: waivers from `bbscan.toml` (accepted findings, with a reason, an owner
//! and an expiry date) and a baseline (a previous report), which decide what counts for
//! `--fail-on` without hiding anything from the report.

use bbscan_model::findings::{BaselineState, ReportFinding, Suppression, WaiverReport, WaiverState, fingerprint};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One `[[waivers]]` entry of `bbscan.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The rule id it waives.
    pub rule: String,
    /// A resource ARN, or a glob over ARNs (`arn:aws:s3:::brainbytes-dev-*`).
    pub resource: String,
    pub reason: String,
    pub owner: String,
    /// The last day it applies, `YYYY-MM-DD`.
    pub expires: String,
}

impl Waiver {
    /// Check the fields a person can get wrong; the message names the waiver.
    pub fn validate(&self) -> Result<(), String> {
        let name = format!("waiver for {} on {}", self.rule, self.resource);
        if self.reason.trim().is_empty() || self.owner.trim().is_empty() {
            return Err(format!("{name}: give a reason and an owner"));
        }
        if !valid_date(&self.expires) {
            return Err(format!("{name}: expires must be a date YYYY-MM-DD, not {:?}", self.expires));
        }
        if self.rule.trim().is_empty() || self.resource.trim().is_empty() {
            return Err(format!("{name}: rule and resource must not be empty"));
        }
        Ok(())
    }

    fn matches(&self, f: &ReportFinding) -> bool {
        f.rule_id == self.rule && glob(&self.resource, &f.resource.arn)
    }
}

fn valid_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    matches!(parts.as_slice(), [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2
        && y.chars().chain(m.chars()).chain(d.chars()).all(|c| c.is_ascii_digit())
        && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u32>().unwrap_or(0)))
}

/// `*` matches any run of characters (including none); everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Suppress the findings active waivers match. `today` is `YYYY-MM-DD` (the snapshot's date,
/// so an audit of one snapshot always gives the same result); a waiver whose `expires` is
/// before it suppresses nothing and is reported as expired.
pub fn apply_waivers(findings: &mut [ReportFinding], waivers: &[Waiver], today: &str) -> Vec<WaiverReport> {
    waivers
        .iter()
        .map(|w| {
            let state = if w.expires.as_str() < today { WaiverState::Expired } else { WaiverState::Active };
            let mut matched = 0;
            for f in findings.iter_mut().filter(|f| w.matches(f)) {
                matched += 1;
                if state == WaiverState::Active && f.suppression.is_none() {
                    f.suppression = Some(Suppression {
                        reason: w.reason.clone(),
                        owner: w.owner.clone(),
                        expires: w.expires.clone(),
                    });
                }
            }
            WaiverReport {
                rule: w.rule.clone(),
                resource: w.resource.clone(),
                reason: w.reason.clone(),
                owner: w.owner.clone(),
                expires: w.expires.clone(),
                state,
                matched,
            }
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "baseline {path} is neither a bbscan JSON report nor a SARIF log ({reason}). Pass a file written by \
         `bbscan audit --format json` or `--format sarif`"
    )]
    Format { path: PathBuf, reason: String },
}

/// The fingerprints of a previous report: a bbscan JSON report (`findings[].fingerprint`, or
/// rule id + ARN for reports written before fingerprints) or a SARIF log
/// (`partialFingerprints.primaryLocationLineHash`).
pub fn load_baseline(path: &Path) -> Result<BTreeSet<String>, BaselineError> {
    let bytes = std::fs::read(path).map_err(|source| BaselineError::Read { path: path.to_path_buf(), source })?;
    let format_err = |reason: String| BaselineError::Format { path: path.to_path_buf(), reason };
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format_err(format!("not JSON: {e}")))?;
    if let Some(runs) = doc.get("runs").and_then(Value::as_array) {
        let mut prints = BTreeSet::new();
        for result in runs.iter().filter_map(|r| r.get("results").and_then(Value::as_array)).flatten() {
            let print =
                result.pointer("/partialFingerprints/primaryLocationLineHash").and_then(Value::as_str).ok_or_else(
                    || format_err("a SARIF result has no partialFingerprints.primaryLocationLineHash".into()),
                )?;
            prints.insert(print.to_string());
        }
        return Ok(prints);
    }
    // A report over several accounts: every account's findings (fingerprints hold the ARN, so
    // they never collide across accounts).
    let findings: Vec<&Value> = match doc.get("accounts").and_then(Value::as_array) {
        Some(accounts) => {
            accounts.iter().filter_map(|a| a.pointer("/report/findings").and_then(Value::as_array)).flatten().collect()
        }
        None => doc
            .get("findings")
            .and_then(Value::as_array)
            .ok_or_else(|| format_err("no \"findings\" list and no SARIF \"runs\"".into()))?
            .iter()
            .collect(),
    };
    findings
        .into_iter()
        .map(|f| match f.get("fingerprint").and_then(Value::as_str).filter(|p| !p.is_empty()) {
            Some(p) => Ok(p.to_string()),
            None => {
                match (f.get("rule_id").and_then(Value::as_str), f.pointer("/resource/arn").and_then(Value::as_str)) {
                    (Some(rule), Some(arn)) => Ok(fingerprint(rule, arn)),
                    _ => Err(format_err("a finding has neither a fingerprint nor rule_id and resource.arn".into())),
                }
            }
        })
        .collect()
}

/// Mark each finding new or existing against the baseline's fingerprints.
pub fn apply_baseline(findings: &mut [ReportFinding], baseline: &BTreeSet<String>) {
    for f in findings {
        f.baseline = Some(if baseline.contains(&f.fingerprint) { BaselineState::Existing } else { BaselineState::New });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bbscan_model::findings::{ResourceRef, Severity, Status};

    fn finding(rule: &str, arn: &str) -> ReportFinding {
        ReportFinding {
            rule_id: rule.into(),
            policy: "p".into(),
            severity: Severity::High,
            status: Status::Fail,
            resource: ResourceRef {
                arn: arn.into(),
                kind: "s3.bucket".into(),
                name: "b".into(),
                account: "1".into(),
                region: "global".into(),
            },
            message: "m".into(),
            evidence: vec![],
            actions: vec![],
            fingerprint: fingerprint(rule, arn),
            baseline: None,
            suppression: None,
        }
    }

    fn waiver(rule: &str, resource: &str, expires: &str) -> Waiver {
        Waiver {
            rule: rule.into(),
            resource: resource.into(),
            reason: "accepted".into(),
            owner: "alice".into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn globs() {
        assert!(glob("arn:aws:s3:::dev-*", "arn:aws:s3:::dev-assets"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("arn:aws:s3:::dev-*", "arn:aws:s3:::prod-assets"));
        assert!(!glob("abc", "abcd"));
    }

    #[test]
    fn active_waivers_suppress_and_expired_ones_do_not() {
        let mut findings = vec![finding("S3.X", "arn:aws:s3:::dev-a"), finding("S3.X", "arn:aws:s3:::prod-a")];
        let reports = apply_waivers(
            &mut findings,
            &[waiver("S3.X", "arn:aws:s3:::dev-*", "2026-12-31"), waiver("S3.X", "arn:aws:s3:::prod-a", "2026-01-01")],
            "2026-06-01",
        );
        assert!(findings[0].suppression.is_some() && !findings[0].counts_for_compliance());
        assert!(findings[1].suppression.is_none() && findings[1].counts());
        assert_eq!((reports[0].state, reports[0].matched), (WaiverState::Active, 1));
        assert_eq!((reports[1].state, reports[1].matched), (WaiverState::Expired, 1));
        // The last day still applies.
        let mut f = vec![finding("S3.X", "arn:aws:s3:::prod-a")];
        apply_waivers(&mut f, &[waiver("S3.X", "arn:aws:s3:::prod-a", "2026-06-01")], "2026-06-01");
        assert!(f[0].suppression.is_some());
    }

    #[test]
    fn waivers_are_validated() {
        assert!(waiver("S3.X", "*", "2026-12-31").validate().is_ok());
        assert!(waiver("S3.X", "*", "31/12/2026").validate().unwrap_err().contains("YYYY-MM-DD"));
        assert!(Waiver { reason: " ".into(), ..waiver("S3.X", "*", "2026-12-31") }.validate().is_err());
    }

    #[test]
    fn baselines_from_json_and_sarif() {
        let dir = std::env::temp_dir().join(format!("bbscan-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let json = dir.join("r.json");
        std::fs::write(&json, r#"{"findings": [{"rule_id": "S3.X", "resource": {"arn": "arn:aws:s3:::a"}}]}"#).unwrap();
        let sarif = dir.join("r.sarif");
        std::fs::write(
            &sarif,
            r#"{"runs": [{"results": [{"partialFingerprints": {"primaryLocationLineHash": "abc"}}]}]}"#,
        )
        .unwrap();
        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"something": 1}"#).unwrap();
        assert_eq!(load_baseline(&json).unwrap(), BTreeSet::from([fingerprint("S3.X", "arn:aws:s3:::a")]));
        assert_eq!(load_baseline(&sarif).unwrap(), BTreeSet::from(["abc".to_string()]));
        assert!(load_baseline(&bad).unwrap_err().to_string().contains("--format json"));
        assert!(matches!(load_baseline(&dir.join("missing")), Err(BaselineError::Read { .. })));
        let mut findings = vec![finding("S3.X", "arn:aws:s3:::a"), finding("S3.X", "arn:aws:s3:::b")];
        apply_baseline(&mut findings, &load_baseline(&json).unwrap());
        assert_eq!(findings[0].baseline, Some(BaselineState::Existing));
        assert!(!findings[0].counts() && findings[1].counts());
        std::fs::remove_dir_all(&dir).ok();
    }
}
