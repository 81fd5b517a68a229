//! Plans: the findings' proposed actions turned into reviewable steps, each naming the exact
//! fields it changes with their current value (from the snapshot) and their new value. A plan
//! pins the account, partition, regions, stage, snapshot hash and bbscan version it was made
//! for; `apply` refuses it anywhere else.

use super::actions::{self, Inputs, Prepared};
use super::catalogue;
use bbscan_model::findings::{AuditReport, Status};
use bbscan_model::{Resource, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub plan_version: u32,
    pub bbscan_version: String,
    pub created_at: String,
    pub account_id: String,
    pub partition: String,
    pub regions: Vec<String>,
    pub app: String,
    pub stage: Option<String>,
    /// SHA-256 of the snapshot document the plan was made from.
    pub snapshot_sha256: String,
    pub steps: Vec<Step>,
    /// Proposals that could not become steps, and why (never silently dropped).
    #[serde(default)]
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// 1, 2, …: the order apply follows.
    pub id: u32,
    /// An action kind of the catalogue.
    pub action: String,
    pub version: u32,
    /// The resource the step changes.
    pub target: String,
    pub kind: String,
    pub name: String,
    pub region: String,
    pub params: Value,
    /// The findings it fixes.
    pub fixes: Vec<Fix>,
    /// The fields it changes: JSON pointers into the resource document.
    pub changes: Vec<Change>,
    /// What could go wrong, for the reviewer.
    pub risks: Vec<String>,
    /// Whether `rollback` can restore the prior state exactly.
    pub reversible: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub rule_id: String,
    pub fingerprint: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// JSON pointer into the snapshot's resource document (`/config/public_access_block`).
    pub field: String,
    pub current: Value,
    pub new: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejected {
    pub rule_id: String,
    pub resource: String,
    pub action: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read plan {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a bbscan plan: {message}. Make one with `bbscan plan -o plan.json`")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "plan {path} has version {found}; this bbscan reads version {PLAN_VERSION}. Make a new plan with this bbscan"
    )]
    Version { path: PathBuf, found: u32 },
}

/// What the plan is made from.
pub struct PlanInput<'a> {
    pub snapshot: &'a Snapshot,
    pub snapshot_sha256: String,
    pub report: &'a AuditReport,
    pub created_at: String,
    /// Plan least-privilege replacements from incomplete usage logs.
    pub accept_partial_usage: bool,
}

/// Turn the report's proposed actions into steps. Findings that are waived, manual, or not
/// failing propose nothing. The same action on the same target from several findings becomes
/// one step fixing all of them. Steps on one resource are prepared against the state the
/// earlier steps leave, so each step's `current` is what apply will find.
pub fn build(input: &PlanInput<'_>) -> Plan {
    let snapshot = input.snapshot;
    let mut steps: Vec<Step> = Vec::new();
    let mut rejected = Vec::new();
    let mut working: BTreeMap<String, Resource> = BTreeMap::new();
    let mut proposals: Vec<(&str, u32, &str, Value, Fix, &str)> = Vec::new();
    for f in input.report.findings.iter().filter(|f| f.status != Status::Manual && f.suppression.is_none()) {
        for a in &f.actions {
            let fix =
                Fix { rule_id: f.rule_id.clone(), fingerprint: f.fingerprint.clone(), message: f.message.clone() };
            proposals.push((&a.kind, a.version, &f.resource.arn, a.params.clone(), fix, &f.rule_id));
        }
    }
    // Removals before additions, later statements before earlier ones: pointers into a policy
    // stay valid while the plan is applied in order.
    proposals.sort_by_key(|(kind, _, target, params, _, _)| {
        let index = params["statement"].as_str().and_then(|p| p.rsplit('/').next()?.parse::<i64>().ok()).unwrap_or(0);
        (actions::order(kind), target.to_string(), -index)
    });
    for (kind, version, target, params, fix, rule) in proposals {
        if let Some(step) = steps.iter_mut().find(|s| s.action == kind && s.target == target && s.params == params) {
            if !step.fixes.iter().any(|f| f.fingerprint == fix.fingerprint) {
                step.fixes.push(fix);
            }
            continue;
        }
        let reject = |reason: String| Rejected {
            rule_id: rule.to_string(),
            resource: target.to_string(),
            action: kind.to_string(),
            reason,
        };
        if let Err(reason) = catalogue::check(kind, version, &params) {
            rejected.push(reject(reason));
            continue;
        }
        let Some(original) = snapshot.get(target) else {
            rejected.push(reject("the target is not in the snapshot".into()));
            continue;
        };
        let resource = working.entry(target.to_string()).or_insert_with(|| original.clone());
        let inputs = Inputs { others: &snapshot.resources, accept_partial_usage: input.accept_partial_usage, at_apply: false };
        match actions::prepare(kind, resource, &params, inputs) {
            Ok(Prepared { changes, risks, reversible, after }) => {
                if changes.iter().all(|c| c.current == c.new) {
                    // Already as wanted (an earlier step did it): nothing to do.
                    continue;
                }
                *resource = after;
                steps.push(Step {
                    id: steps.len() as u32 + 1,
                    action: kind.to_string(),
                    version,
                    target: target.to_string(),
                    kind: original.kind().to_string(),
                    name: original.name.clone(),
                    region: original.region.clone(),
                    params,
                    fixes: vec![fix],
                    changes,
                    risks,
                    reversible,
                });
            }
            Err(reason) => rejected.push(reject(reason)),
        }
    }
    let meta = &snapshot.metadata;
    Plan {
        plan_version: PLAN_VERSION,
        bbscan_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: input.created_at.clone(),
        account_id: meta.account_id.clone(),
        partition: meta.partition.clone(),
        regions: meta.regions.clone(),
        app: meta.app.clone(),
        stage: meta.stage.clone(),
        snapshot_sha256: input.snapshot_sha256.clone(),
        steps,
        rejected,
    }
}

/// SHA-256 of a document, as hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn to_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_default();
    text.push('\n');
    text
}

pub fn read(path: &Path) -> Result<Plan, PlanError> {
    let bytes = std::fs::read(path).map_err(|source| PlanError::Read { path: path.to_path_buf(), source })?;
    parse(&bytes, path)
}

pub fn parse(bytes: &[u8], path: &Path) -> Result<Plan, PlanError> {
    let invalid = |message: String| PlanError::Invalid { path: path.to_path_buf(), message };
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| invalid(format!("not JSON ({e})")))?;
    match doc.get("plan_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(PLAN_VERSION) => {}
        Some(v) => return Err(PlanError::Version { path: path.to_path_buf(), found: v as u32 }),
        None => return Err(invalid("no plan_version".into())),
    }
    let plan: Plan = serde_json::from_value(doc).map_err(|e| invalid(e.to_string()))?;
    for step in &plan.steps {
        catalogue::check(&step.action, step.version, &step.params)
            .map_err(|e| invalid(format!("step {}: {e}", step.id)))?;
    }
    Ok(plan)
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The lines of `a` and `b` marked `-` (only in `a`), `+` (only in `b`) or ` ` (both), in order:
/// a longest-common-subsequence diff.
fn line_diff<'t>(a: &'t str, b: &'t str) -> Vec<(char, &'t str)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(('-', a[i]));
            i += 1;
        } else {
            out.push(('+', b[j]));
            j += 1;
        }
    }
    out
}

/// The plan as a readable diff, like `terraform show`; what came from AWS or a policy has its
/// control characters made visible.
pub fn show(plan: &Plan) -> String {
    bbscan_reports::safe_text(&show_raw(plan)).into_owned()
}

fn show_raw(plan: &Plan) -> String {
    use bbscan_reports::safe_line;
    use std::fmt::Write;
    let mut out = String::new();
    let scope =
        plan.stage.as_deref().map_or("the whole account".to_string(), |s| format!("app {} stage {s}", plan.app));
    let _ = writeln!(
        out,
        "Plan for account {} ({}), {scope}, made {} by bbscan {}: {} steps",
        plan.account_id,
        plan.regions.join(", "),
        plan.created_at,
        plan.bbscan_version,
        plan.steps.len()
    );
    for s in &plan.steps {
        let _ = writeln!(out, "\n{}. {} on {} {}", s.id, s.action, s.kind, s.name);
        let _ = writeln!(out, "   target: {}", s.target);
        // The params exactly as apply sends them to the action (one line each, compact JSON).
        if let Some(params) = s.params.as_object() {
            for (key, value) in params {
                let _ = writeln!(out, "   param {key} = {}", safe_line(&serde_json::to_string(value).unwrap_or_default()));
            }
        }
        for f in &s.fixes {
            let _ = writeln!(out, "   fixes {}: {}", safe_line(&f.rule_id), safe_line(&f.message));
        }
        for c in &s.changes {
            let _ = writeln!(out, "   ~ {}", c.field);
            if c.current.is_object() || c.new.is_object() || c.current.is_array() || c.new.is_array() {
                // Documents: a line diff of the pretty-printed JSON.
                let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
                let (before, after) = (pretty(&c.current), pretty(&c.new));
                for (mark, line) in line_diff(&before, &after) {
                    let _ = writeln!(out, "     {mark} {}", safe_line(line));
                }
            } else {
                let _ = writeln!(out, "     - {}", safe_line(&show_value(&c.current)));
                let _ = writeln!(out, "     + {}", safe_line(&show_value(&c.new)));
            }
        }
        for r in &s.risks {
            let _ = writeln!(out, "   ! {}", safe_line(r));
        }
        let _ = writeln!(out, "   {}", if s.reversible { "reversible (bbscan rollback)" } else { "NOT reversible" });
    }
    if !plan.rejected.is_empty() {
        let _ = writeln!(out, "\nProposals not planned:");
        for r in &plan.rejected {
            let _ = writeln!(
                out,
                "  {} on {} ({}): {}",
                safe_line(&r.action),
                safe_line(&r.resource),
                safe_line(&r.rule_id),
                safe_line(&r.reason)
            );
        }
    }
    if plan.steps.is_empty() {
        let _ = writeln!(out, "\nNothing to change.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_diff;

    #[test]
    fn documents_are_shown_as_line_diffs() {
        let d = line_diff("{\n  \"Action\": \"s3:*\",\n  \"Resource\": \"*\"\n}", "{\n  \"Action\": \"s3:GetObject\",\n  \"Resource\": \"*\"\n}");
        assert_eq!(
            d,
            vec![(' ', "{"), ('-', "  \"Action\": \"s3:*\","), ('+', "  \"Action\": \"s3:GetObject\","), (' ', "  \"Resource\": \"*\""), (' ', "}")]
        );
        assert_eq!(line_diff("", "a"), vec![('+', "a")]);
        assert_eq!(line_diff("a", ""), vec![('-', "a")]);
    }
}
