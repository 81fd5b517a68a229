//! What every action's params must obey whoever proposed them (a built-in rule, a user's
//! policy, an edited plan): an action only narrows access, never widens it, and destroys no
//! more than its purpose. Checked when a step is planned and again when apply re-derives it.

use super::{Inputs, document, param};
use bbscan_model::Resource;
use serde_json::Value;

/// The least a remediation may keep, from `[remediation]` in `bbscan.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Floors {
    /// `logs.put_retention_policy` never shortens retention below this many days.
    pub log_retention_days: i64,
    /// `s3.put_noncurrent_version_expiration` keeps old versions at least this many days.
    pub noncurrent_version_days: i64,
}

impl Default for Floors {
    fn default() -> Floors {
        Floors { log_retention_days: 90, noncurrent_version_days: 30 }
    }
}

/// Refuse params that would widen access or lose more data than the action's purpose.
pub fn check(kind: &str, r: &Resource, params: &Value, inputs: Inputs<'_>) -> Result<(), String> {
    let doc = document(r);
    match kind {
        "s3.put_default_encryption" => {
            let algorithm = param(params, "sse_algorithm");
            let current = doc.pointer("/config/encryption/0/sse_algorithm").and_then(Value::as_str).unwrap_or("");
            if current.starts_with("aws:kms") && !algorithm.starts_with("aws:kms") {
                return Err(format!(
                    "{} is encrypted with {current}; {algorithm} would be a downgrade (bbscan never proposes one)",
                    r.name
                ));
            }
            let key = params.get("kms_key_id").or(params.get("kms_master_key_id")).and_then(Value::as_str);
            if let Some(key) = key {
                if !algorithm.starts_with("aws:kms") {
                    return Err(format!("a KMS key ({key}) only goes with aws:kms, not {algorithm}"));
                }
                if let Some(account) = key.strip_prefix("arn:").and_then(|k| k.split(':').nth(3))
                    && account != r.account
                {
                    return Err(format!(
                        "key {key} belongs to account {account}, not to {}'s account {}: whoever holds that key \
                         could read or lock the data",
                        r.name, r.account
                    ));
                }
            }
        }
        "s3.put_noncurrent_version_expiration" => {
            let days = params.get("days").and_then(Value::as_i64).unwrap_or(0);
            let floor = inputs.floors.noncurrent_version_days;
            if days < floor {
                return Err(format!(
                    "noncurrent versions kept {days} days is below the floor of {floor} \
                     ([remediation] min_noncurrent_version_days)"
                ));
            }
        }
        "logs.put_retention_policy" => {
            let days = params.get("retention_in_days").and_then(Value::as_i64).unwrap_or(0);
            let current = doc.pointer("/config/retention_in_days").and_then(Value::as_i64);
            let floor = inputs.floors.log_retention_days;
            let shortens = current.is_none_or(|c| c > days);
            if shortens && days < floor {
                return Err(format!(
                    "retention of {days} days is below the floor of {floor} ([remediation] min_log_retention_days) \
                     and would delete logs kept {}",
                    current.map_or("forever".to_string(), |c| format!("{c} days"))
                ));
            }
        }
        "lambda.put_reserved_concurrency" => {
            let n = params.get("reserved_concurrency").and_then(Value::as_i64).unwrap_or(0);
            if n < 1 {
                return Err("reserved concurrency 0 stops the function: bbscan never proposes it".into());
            }
        }
        "iam.restrict_github_oidc_trust" => oidc(&doc, params)?,
        _ => {}
    }
    Ok(())
}

/// `repo:OWNER/NAME:…` with a concrete owner and name (no wildcard, nothing empty).
fn concrete_subject(subject: &str) -> bool {
    let Some(rest) = subject.strip_prefix("repo:") else { return false };
    let Some((repository, context)) = rest.split_once(':') else { return false };
    let Some((owner, name)) = repository.split_once('/') else { return false };
    let plain = |s: &str| !s.is_empty() && !s.contains(['*', '?', '/', ':']);
    plain(owner) && plain(name) && !context.is_empty()
}

/// IAM's `StringLike`: `*` any run of characters, `?` one, case kept.
fn like(pattern: &str, text: &str) -> bool {
    bbscan_iam::wildcard_match(pattern, text, false)
}

/// The values the trust policy's GitHub statements already require for a token claim.
fn required(doc: &Value, claim: &str) -> Vec<String> {
    let key = format!("token.actions.githubusercontent.com:{claim}");
    let mut out = Vec::new();
    let statements = match doc.pointer("/config/trust_policy/Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    for s in statements {
        for (_, block) in s.get("Condition").and_then(Value::as_object).into_iter().flatten() {
            for (k, v) in block.as_object().into_iter().flatten() {
                if k.eq_ignore_ascii_case(&key) {
                    match v {
                        Value::String(x) => out.push(x.clone()),
                        Value::Array(xs) => out.extend(xs.iter().filter_map(Value::as_str).map(str::to_string)),
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

/// A GitHub OIDC restriction names concrete repositories, each within what the trust already
/// allowed, and keeps or tightens the audience.
fn oidc(doc: &Value, params: &Value) -> Result<(), String> {
    let subjects: Vec<&str> =
        params.get("subjects").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if subjects.is_empty() {
        return Err("no subject given: the trust would not name a repository".into());
    }
    let allowed = required(doc, "sub");
    for s in &subjects {
        if !concrete_subject(s) {
            return Err(format!(
                "subject {s:?} does not name one repository (repo:OWNER/NAME:… without wildcards in owner or name)"
            ));
        }
        if !allowed.is_empty() && !allowed.iter().any(|a| like(a, s)) {
            return Err(format!("subject {s:?} is outside what the trust allows today ({}): that widens it", allowed.join(", ")));
        }
    }
    let audience = param(params, "audience");
    if audience.is_empty() || audience.contains(['*', '?']) {
        return Err(format!("audience {audience:?} is not one concrete audience"));
    }
    let audiences = required(doc, "aud");
    if !audiences.is_empty() && !audiences.iter().any(|a| like(a, audience)) {
        return Err(format!("audience {audience:?} is not one the trust accepts today ({})", audiences.join(", ")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_one_repository() {
        assert!(concrete_subject("repo:brainbytes/app:ref:refs/heads/main"));
        assert!(concrete_subject("repo:brainbytes/app:environment:production"));
        assert!(!concrete_subject("repo:brainbytes/*:ref:refs/heads/main"));
        assert!(!concrete_subject("repo:*/app:ref:refs/heads/main"));
        assert!(!concrete_subject("repo:brainbytes/app"));
        assert!(!concrete_subject("repo:brain?ytes/app:*"));
        assert!(!concrete_subject("*"));
        assert!(like("repo:brainbytes/*", "repo:brainbytes/app:ref:refs/heads/main"));
        assert!(!like("repo:brainbytes/app:ref:refs/heads/main", "repo:brainbytes/app:ref:refs/heads/dev"));
        assert!(like("repo:org/a?p:*", "repo:org/app:pull_request"));
    }
}
