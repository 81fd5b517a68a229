//! Plans: the findings' proposed actions turned into reviewable steps, each naming the exact
//! fields it changes with their current value (from the snapshot) and their new value. A plan
//! pins the account, partition, regions, stage, snapshot hash and bbscan version it was made
//! for; `apply` refuses it anywhere else.

use super::actions::{self, Inputs, Prepared};
use super::catalogue;
use bbscan_model::findings::{AuditReport, ReportFinding};
use bbscan_model::{Resource, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
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
    /// The least a remediation keeps (`[remediation]` in `bbscan.toml`).
    pub floors: actions::narrow::Floors,
}

/// Turn the report's proposed actions into steps. Findings that are waived, manual, or not
/// failing propose nothing. The same action on the same target from several findings becomes
/// one step fixing all of them. Steps on one resource are prepared against the state the
/// earlier steps leave, so each step's `current` is what apply will find.
pub fn build(input: &PlanInput<'_>) -> Plan {
    assemble(input, &[], &BTreeMap::new()).0
}

/// [`build`] over the report's findings and `extra` ones (companions), leaving out the
/// proposals `blocked` names (action and target, with the reason); with the resources as the
/// steps leave them.
fn assemble(
    input: &PlanInput<'_>,
    extra: &[ReportFinding],
    blocked: &BTreeMap<(String, String), String>,
) -> (Plan, BTreeMap<String, Resource>) {
    let snapshot = input.snapshot;
    let mut steps: Vec<Step> = Vec::new();
    let mut rejected = Vec::new();
    let mut working: BTreeMap<String, Resource> = BTreeMap::new();
    // Each proposed action with the finding that proposed it.
    let mut proposals: Vec<(&ReportFinding, &bbscan_model::findings::Action)> = Vec::new();
    for f in input.report.findings.iter().chain(extra).filter(|f| f.status.is_failure() && f.suppression.is_none()) {
        proposals.extend(f.actions.iter().map(|a| (f, a)));
    }
    // Removals before additions, later statements before earlier ones: pointers into a policy
    // stay valid while the plan is applied in order.
    proposals.sort_by_key(|(f, a)| {
        let index = a.params["statement"].as_str().and_then(|p| p.rsplit('/').next()?.parse::<i64>().ok()).unwrap_or(0);
        (actions::order(&a.kind), f.resource.arn.clone(), -index)
    });
    for (f, a) in proposals {
        let (kind, version, target, params, rule, evidence) =
            (a.kind.as_str(), a.version, f.resource.arn.as_str(), a.params.clone(), f.rule_id.as_str(), &f.evidence);
        let fix = Fix { rule_id: f.rule_id.clone(), fingerprint: f.fingerprint.clone(), message: f.message.clone() };
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
        if let Some(reason) = blocked.get(&(kind.to_string(), target.to_string())) {
            rejected.push(reject(reason.clone()));
            continue;
        }
        if let Err(reason) = catalogue::check(kind, version, &params) {
            rejected.push(reject(reason));
            continue;
        }
        let Some(original) = snapshot.get(target) else {
            rejected.push(reject("the target is not in the snapshot".into()));
            continue;
        };
        if let Err(reason) = named_by_evidence(kind, &params, evidence, original) {
            rejected.push(reject(reason));
            continue;
        }
        let resource = working.entry(target.to_string()).or_insert_with(|| original.clone());
        let inputs = Inputs {
            others: &snapshot.resources,
            accept_partial_usage: input.accept_partial_usage,
            at_apply: false,
            floors: input.floors,
        };
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
    let plan = Plan {
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
    };
    (plan, working)
}

/// A removal removes only a statement the finding's evidence points at: a rule (or a user's
/// policy) cannot propose removing one it did not judge.
fn named_by_evidence(kind: &str, params: &Value, evidence: &[String], original: &Resource) -> Result<(), String> {
    let pointer = match kind {
        "s3.remove_policy_statement" => {
            format!("/config/policy{}", params.get("statement").and_then(Value::as_str).unwrap_or_default())
        }
        "lambda.remove_permission" => {
            let sid = params.get("statement_id").and_then(Value::as_str).unwrap_or_default();
            let doc = actions::document(original);
            match doc.pointer("/config/policy/Statement") {
                Some(Value::Array(items)) => {
                    match items.iter().position(|s| s.get("Sid").and_then(Value::as_str) == Some(sid)) {
                        Some(i) => format!("/config/policy/Statement/{i}"),
                        None => return Ok(()), // prepare says the statement is missing
                    }
                }
                _ => "/config/policy/Statement".to_string(),
            }
        }
        _ => return Ok(()),
    };
    if evidence.contains(&pointer) {
        Ok(())
    } else {
        Err(format!("the finding's evidence does not name {pointer}: only a statement the finding judged is removed"))
    }
}

/// How many times the predicted state is audited at most (companions bring their own steps,
/// whose state is audited again).
const PREDICTION_ROUNDS: usize = 4;

/// A plan that fixes without causing: the state the steps leave is audited with the same
/// policies (`audit`) before the plan is returned. A finding the original report did not have
/// is answered by the step its own rule proposes on that resource (a companion: versioning
/// brings a noncurrent-version lifecycle); a finding less severe than the worst the resource's
/// steps fix is accepted and told as a risk (administrator access traded for a leftover
/// wildcard); otherwise every other step on that resource is left out with the reason. A finding on a resource no step
/// touches is told to the reviewer as a risk of every step. When the predicted state cannot be
/// audited, the plan says so in every step's risks.
pub fn build_checked(input: &PlanInput<'_>, audit: &mut dyn FnMut(&Snapshot) -> Result<AuditReport, String>) -> Plan {
    let was: BTreeSet<&str> = input.report.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let mut extra: Vec<ReportFinding> = Vec::new();
    let mut blocked: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut round = 0;
    loop {
        round += 1;
        let (mut plan, working) = assemble(input, &extra, &blocked);
        if plan.steps.is_empty() {
            return plan;
        }
        let mut predicted = input.snapshot.clone();
        for r in predicted.resources.iter_mut() {
            if let Some(after) = working.get(&r.arn) {
                *r = after.clone();
            }
        }
        let after = match audit(&predicted) {
            Ok(report) => report,
            Err(e) => {
                for step in &mut plan.steps {
                    step.risks.push(format!(
                        "The state after the plan could not be audited ({e}): it may raise new findings."
                    ));
                }
                return plan;
            }
        };
        let new: Vec<&ReportFinding> = after
            .findings
            .iter()
            .filter(|f| f.status.is_failure() && f.suppression.is_none() && !was.contains(f.fingerprint.as_str()))
            .collect();
        if new.is_empty() {
            return plan;
        }
        let targets: BTreeSet<&str> = plan.steps.iter().map(|s| s.target.as_str()).collect();
        let last = round >= PREDICTION_ROUNDS;
        let mut changed = false;
        let mut untouched = Vec::new();
        let mut lesser = Vec::new();
        for f in &new {
            let arn = f.resource.arn.as_str();
            if !targets.contains(arn) {
                untouched.push(*f);
                continue;
            }
            let companion = !f.actions.is_empty() && !extra.iter().any(|e| e.fingerprint == f.fingerprint);
            if companion && !last {
                extra.push((*f).clone());
                changed = true;
                continue;
            }
            // A lesser finding in place of a worse one the steps on this resource fix (a policy
            // generated from usage keeps a wildcard where the logs named no resource, in place
            // of administrator access): planned, and told to the reviewer.
            let worst_fixed = plan
                .steps
                .iter()
                .filter(|s| s.target == arn)
                .flat_map(|s| &s.fixes)
                .filter_map(|fix| {
                    input
                        .report
                        .findings
                        .iter()
                        .chain(&extra)
                        .find(|o| o.fingerprint == fix.fingerprint)
                        .map(|o| o.severity)
                })
                .max();
            if let Some(worst) = worst_fixed.filter(|w| f.severity < *w) {
                lesser.push((*f, worst));
                continue;
            }
            // No companion, or it did not make the finding go: leave out what raises it.
            let companions: BTreeSet<&str> = extra
                .iter()
                .filter(|e| e.resource.arn == arn)
                .flat_map(|e| e.actions.iter().map(|a| a.kind.as_str()))
                .collect();
            for step in plan.steps.iter().filter(|s| s.target == arn && !companions.contains(s.action.as_str())) {
                if let std::collections::btree_map::Entry::Vacant(slot) =
                    blocked.entry((step.action.clone(), step.target.clone()))
                {
                    slot.insert(format!(
                        "not planned: the state it leaves raises {} ({}) and no companion step fixes it",
                        f.rule_id, f.message
                    ));
                    changed = true;
                }
            }
        }
        if !changed || round > PREDICTION_ROUNDS {
            for (f, worst) in lesser {
                for step in plan.steps.iter_mut().filter(|s| s.target == f.resource.arn) {
                    step.risks.push(format!(
                        "After this step {} ({}) is predicted on {}: {} — less severe than the {} finding it fixes.",
                        f.rule_id,
                        f.severity.as_str(),
                        f.resource.name,
                        f.message,
                        worst.as_str()
                    ));
                }
            }
            for f in untouched {
                for step in &mut plan.steps {
                    step.risks.push(format!(
                        "After the plan, {} is predicted on {} ({}).",
                        f.rule_id, f.resource.arn, f.message
                    ));
                }
            }
            return plan;
        }
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
                let _ =
                    writeln!(out, "   param {key} = {}", safe_line(&serde_json::to_string(value).unwrap_or_default()));
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
    use super::*;
    use serde_json::json;

    const BUCKET: &str = "brainbytes-production-artifactsbucket-xiay8av6";

    fn finding(rule: &str, actions: Value) -> Value {
        finding_on(&format!("arn:aws:s3:::{BUCKET}"), rule, json!([]), actions)
    }

    /// A failing finding on the demo resource `arn`, with its evidence and proposed actions.
    fn finding_on(arn: &str, rule: &str, evidence: Value, actions: Value) -> Value {
        let r = demo().get(arn).cloned().expect("a demo resource");
        json!({
            "rule_id": rule, "policy": "test", "severity": "medium", "status": "fail",
            "resource": {"arn": arn, "kind": r.kind(), "name": r.name, "account": r.account, "region": r.region},
            "message": format!("{rule} on {}", r.name), "evidence": evidence, "actions": actions,
            "fingerprint": format!("{rule}/{arn}"),
        })
    }

    /// Plan one proposed action on a demo resource: the step, or why it was refused.
    fn propose(arn: &str, kind: &str, params: Value, evidence: Value) -> Result<Step, String> {
        let snapshot = demo();
        let report = report(
            &snapshot,
            vec![finding_on(arn, "T.RULE", evidence, json!([{"kind": kind, "version": 1, "params": params}]))],
        );
        let input = PlanInput {
            snapshot: &snapshot,
            snapshot_sha256: String::new(),
            report: &report,
            created_at: String::new(),
            accept_partial_usage: false,
            floors: Default::default(),
        };
        let plan = build(&input);
        match (plan.steps.first(), plan.rejected.first()) {
            (Some(step), None) => Ok(step.clone()),
            (None, Some(r)) => Err(r.reason.clone()),
            _ => panic!("one step or one refusal: {plan:#?}"),
        }
    }

    #[test]
    fn actions_only_narrow_whoever_proposes_them() {
        let artifacts = "arn:aws:s3:::brainbytes-production-artifactsbucket-xiay8av6";
        let assets = "arn:aws:s3:::brainbytes-production-assetsbucket-c5bn69vt";
        let enc = |bucket: &str, params: Value| {
            propose(&format!("arn:aws:s3:::{bucket}"), "s3.put_default_encryption", params, json!([]))
        };
        let name = |arn: &str| arn.rsplit(':').next().unwrap_or_default().to_string();
        // Default encryption: never from aws:kms down to AES256, never a key of another account.
        let down = enc(&name(artifacts), json!({"bucket": name(artifacts), "sse_algorithm": "AES256"}));
        assert!(down.unwrap_err().contains("would be a downgrade"));
        let foreign = "arn:aws:kms:us-east-1:999999999999:key/x";
        let theirs =
            enc(&name(assets), json!({"bucket": name(assets), "sse_algorithm": "aws:kms", "kms_key_id": foreign}));
        assert!(theirs.unwrap_err().contains("belongs to account 999999999999"));
        let ours = "arn:aws:kms:us-east-1:123456789012:key/ea545021-0e9c-4c5e-988e-b77de3b4cc6b";
        assert!(
            enc(&name(assets), json!({"bucket": name(assets), "sse_algorithm": "aws:kms", "kms_key_id": ours})).is_ok()
        );

        // Floors: old versions kept 30 days, logs not cut below 90 days (lengthening is fine).
        let expire = |days: i64| {
            propose(
                artifacts,
                "s3.put_noncurrent_version_expiration",
                json!({"bucket": name(artifacts), "days": days}),
                json!([]),
            )
        };
        assert!(expire(7).unwrap_err().contains("below the floor of 30"));
        assert!(!expire(30).expect("at the floor").reversible, "expired versions cannot come back");
        let group =
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/brainbytes-production-ServerFunction-tnp6c8i5";
        let retention = |days: i64| {
            propose(
                group,
                "logs.put_retention_policy",
                json!({"log_group": "/aws/lambda/brainbytes-production-ServerFunction-tnp6c8i5", "retention_in_days": days}),
                json!([]),
            )
        };
        assert!(retention(14).unwrap_err().contains("below the floor of 90"));
        assert!(retention(60).expect("longer than today's 30").reversible);

        // Reserved concurrency 0 stops a function: refused by the catalogue itself.
        let function = "arn:aws:lambda:us-east-1:123456789012:function:brainbytes-production-ServerFunction-tnp6c8i5";
        let zero = propose(
            function,
            "lambda.put_reserved_concurrency",
            json!({"function": "brainbytes-production-ServerFunction-tnp6c8i5", "reserved_concurrency": 0}),
            json!([]),
        );
        assert!(zero.is_err());

        // GitHub OIDC: one concrete repository within today's trust, the same audience.
        let role = "arn:aws:iam::123456789012:role/brainbytes-production-GithubDeployRole";
        let oidc = |aud: &str, sub: &str| {
            propose(
                role,
                "iam.restrict_github_oidc_trust",
                json!({"role": "brainbytes-production-GithubDeployRole", "audience": aud, "subjects": [sub]}),
                json!([]),
            )
        };
        assert!(
            oidc("sts.amazonaws.com", "repo:redentor/*:ref:refs/heads/main")
                .unwrap_err()
                .contains("does not name one repository")
        );
        assert!(
            oidc("sts.amazonaws.com", "repo:attacker/brainbytes:ref:refs/heads/main")
                .unwrap_err()
                .contains("outside what the trust allows")
        );
        assert!(
            oidc("*", "repo:redentor/brainbytes:ref:refs/heads/main")
                .unwrap_err()
                .contains("not one concrete audience")
        );
        assert!(
            oidc("https://evil.example", "repo:redentor/brainbytes:ref:refs/heads/main")
                .unwrap_err()
                .contains("not one the trust accepts")
        );

        // Statement removal: only an Allow, and only one the finding's evidence names.
        let remove = |statement: &str, evidence: Value| {
            propose(
                assets,
                "s3.remove_policy_statement",
                json!({"bucket": name(assets), "statement": statement}),
                evidence,
            )
        };
        assert!(remove("/Statement/1", json!(["/config/policy/Statement/1"])).unwrap_err().contains("is not an Allow"));
        assert!(
            remove("/Statement/0", json!(["/config/policy/Statement/1"]))
                .unwrap_err()
                .contains("evidence does not name /config/policy/Statement/0")
        );
        assert!(remove("/Statement/0", json!(["/config/policy/Statement/0"])).is_ok());
    }

    fn report(snapshot: &Snapshot, findings: Vec<Value>) -> AuditReport {
        let m = &snapshot.metadata;
        serde_json::from_value(json!({
            "schema_version": 1,
            "snapshot": {"account_id": m.account_id, "partition": m.partition, "regions": m.regions, "app": m.app,
                         "stage": m.stage, "taken_at": m.started_at, "resources": snapshot.resources.len()},
            "rules": [], "findings": findings, "gaps": [], "policy_errors": [],
        }))
        .expect("a report")
    }

    fn versioning() -> Value {
        json!([{"kind": "s3.enable_versioning", "version": 1, "params": {"bucket": BUCKET}}])
    }

    /// What the predicted state of the bucket raises, as a fake audit: the versioned bucket
    /// without a lifecycle rule raises `raised` (with `companion` as its proposal).
    fn predict(
        snapshot: &Snapshot,
        raised: &'static str,
        companion: Value,
    ) -> impl FnMut(&Snapshot) -> Result<AuditReport, String> {
        let empty = report(snapshot, Vec::new());
        move |predicted: &Snapshot| {
            let doc =
                serde_json::to_value(predicted.get(&format!("arn:aws:s3:::{BUCKET}")).expect("bucket")).expect("JSON");
            let versioned = doc.pointer("/config/versioning/status") == Some(&json!("Enabled"));
            let lifecycle =
                doc.pointer("/config/lifecycle_rules").and_then(Value::as_array).is_some_and(|r| !r.is_empty());
            let mut r = empty.clone();
            if versioned && !lifecycle {
                r.findings.push(serde_json::from_value(finding(raised, companion.clone())).expect("finding"));
            }
            Ok(r)
        }
    }

    fn demo() -> Snapshot {
        serde_json::from_str(include_str!("../../demo/brainbytes-production.json")).expect("demo snapshot")
    }

    #[test]
    fn a_step_that_raises_a_finding_brings_its_companion() {
        let snapshot = demo();
        let report = report(&snapshot, vec![finding("S3.VERSIONING", versioning())]);
        let input = PlanInput {
            snapshot: &snapshot,
            snapshot_sha256: String::new(),
            report: &report,
            created_at: String::new(),
            accept_partial_usage: false,
            floors: Default::default(),
        };
        // Without the prediction, versioning alone.
        assert_eq!(build(&input).steps.len(), 1);
        let companion = json!([{"kind": "s3.put_noncurrent_version_expiration", "version": 1, "params": {"bucket": BUCKET, "days": 30}}]);
        let plan = build_checked(&input, &mut predict(&snapshot, "S3.VERSIONING_WITHOUT_LIFECYCLE", companion));
        let actions: Vec<&str> = plan.steps.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(actions, ["s3.enable_versioning", "s3.put_noncurrent_version_expiration"], "{plan:#?}");
        assert!(plan.rejected.is_empty());
    }

    #[test]
    fn a_lesser_finding_in_place_of_a_worse_one_is_planned_and_told() {
        let snapshot = demo();
        let mut worse = finding("S3.VERSIONING", versioning());
        worse["severity"] = json!("high");
        let report = report(&snapshot, vec![worse]);
        let input = PlanInput {
            snapshot: &snapshot,
            snapshot_sha256: String::new(),
            report: &report,
            created_at: String::new(),
            accept_partial_usage: false,
            floors: Default::default(),
        };
        let plan = build_checked(&input, &mut predict(&snapshot, "S3.SOMETHING_ELSE", json!([])));
        assert_eq!(plan.steps.len(), 1, "{plan:#?}");
        assert!(plan.rejected.is_empty());
        assert!(
            plan.steps[0]
                .risks
                .iter()
                .any(|r| r.contains("S3.SOMETHING_ELSE (medium)") && r.contains("less severe than the high finding")),
            "{:?}",
            plan.steps[0].risks
        );
    }

    #[test]
    fn a_step_whose_state_raises_a_finding_nothing_fixes_is_not_planned() {
        let snapshot = demo();
        let report = report(&snapshot, vec![finding("S3.VERSIONING", versioning())]);
        let input = PlanInput {
            snapshot: &snapshot,
            snapshot_sha256: String::new(),
            report: &report,
            created_at: String::new(),
            accept_partial_usage: false,
            floors: Default::default(),
        };
        let plan = build_checked(&input, &mut predict(&snapshot, "S3.SOMETHING_ELSE", json!([])));
        assert!(plan.steps.is_empty(), "{plan:#?}");
        assert_eq!(plan.rejected.len(), 1);
        assert!(plan.rejected[0].reason.contains("raises S3.SOMETHING_ELSE"), "{:?}", plan.rejected);
        // A companion that cannot be planned does not save it either.
        let broken = json!([{"kind": "s3.put_noncurrent_version_expiration", "version": 1, "params": {"bucket": BUCKET, "days": 0}}]);
        let plan = build_checked(&input, &mut predict(&snapshot, "S3.VERSIONING_WITHOUT_LIFECYCLE", broken));
        assert!(plan.steps.is_empty(), "{plan:#?}");
        assert!(
            plan.rejected
                .iter()
                .any(|r| r.action == "s3.enable_versioning" && r.reason.contains("no companion step fixes it")),
            "{:?}",
            plan.rejected
        );
    }

    #[test]
    fn documents_are_shown_as_line_diffs() {
        let d = line_diff(
            "{\n  \"Action\": \"s3:*\",\n  \"Resource\": \"*\"\n}",
            "{\n  \"Action\": \"s3:GetObject\",\n  \"Resource\": \"*\"\n}",
        );
        assert_eq!(
            d,
            vec![
                (' ', "{"),
                ('-', "  \"Action\": \"s3:*\","),
                ('+', "  \"Action\": \"s3:GetObject\","),
                (' ', "  \"Resource\": \"*\""),
                (' ', "}")
            ]
        );
        assert_eq!(line_diff("", "a"), vec![('+', "a")]);
        assert_eq!(line_diff("a", ""), vec![('-', "a")]);
    }
}
