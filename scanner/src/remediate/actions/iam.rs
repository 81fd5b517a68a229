//! IAM actions: one managed policy detached from a user, group or role; a role's GitHub OIDC
//! trust pinned to an audience and repository subjects, every other statement and condition
//! kept; and one of a user's or role's policies replaced by the least-privilege document
//! generated from what it used, after the host has checked that document itself.

use super::{Inputs, Prepared, WriteError, Writer, document, edit, expect_target, param, require_known, write_err};
use crate::remediate::plan::Step;
use bbscan_iam::effective::{Expansions, effective};
use bbscan_iam::evaluate::{Policy, Principal, Source};
use bbscan_iam::{Catalogue, Context, usage};
use bbscan_model::{Resource, ResourceConfig};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const GITHUB_HOST: &str = "token.actions.githubusercontent.com";

fn aud_key() -> String {
    format!("{GITHUB_HOST}:aud")
}

fn sub_key() -> String {
    format!("{GITHUB_HOST}:sub")
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// An Allow statement that lets GitHub Actions' OIDC provider assume the role.
fn is_github(s: &Value) -> bool {
    let allows = s.get("Effect").and_then(Value::as_str) == Some("Allow");
    let action = strings(s.get("Action")).iter().any(|a| {
        let a = a.to_ascii_lowercase();
        a == "sts:assumerolewithwebidentity" || a == "sts:*" || a == "*"
    });
    let federated = strings(s.get("Principal").and_then(|p| p.get("Federated")))
        .iter()
        .any(|f| f.to_ascii_lowercase().ends_with(GITHUB_HOST));
    allows && action && federated
}

/// The statement with every `aud` and `sub` condition replaced by the pinned ones.
fn pinned(statement: &Value, audience: &str, subjects: &[&str]) -> Value {
    let mut s = statement.clone();
    let (aud, sub) = (aud_key(), sub_key());
    let mut conditions: Map<String, Value> = s.get("Condition").and_then(Value::as_object).cloned().unwrap_or_default();
    for entries in conditions.values_mut() {
        if let Some(entries) = entries.as_object_mut() {
            entries.retain(|key, _| !key.eq_ignore_ascii_case(&aud) && !key.eq_ignore_ascii_case(&sub));
        }
    }
    conditions.retain(|_, entries| entries.as_object().is_none_or(|e| !e.is_empty()));
    let one_or_list = |values: &[&str]| match values {
        [one] => json!(one),
        many => json!(many),
    };
    let like = subjects.iter().any(|s| s.contains(['*', '?']));
    let mut add = |operator: &str, key: String, value: Value| {
        let entry = conditions.entry(operator.to_string()).or_insert_with(|| json!({}));
        if let Some(entries) = entry.as_object_mut() {
            entries.insert(key, value);
        }
    };
    add("StringEquals", aud, json!(audience));
    add(if like { "StringLike" } else { "StringEquals" }, sub, one_or_list(subjects));
    s["Condition"] = Value::Object(conditions);
    s
}

/// The trust policy with its GitHub statements pinned; `None` when it has none.
fn restricted(policy: &Value, audience: &str, subjects: &[&str]) -> Option<Value> {
    let mut doc = policy.clone();
    let mut found = false;
    match doc.get_mut("Statement") {
        Some(Value::Array(items)) => {
            for s in items.iter_mut().filter(|s| is_github(s)) {
                *s = pinned(s, audience, subjects);
                found = true;
            }
        }
        Some(one @ Value::Object(_)) if is_github(one) => {
            *one = pinned(one, audience, subjects);
            found = true;
        }
        _ => {}
    }
    found.then_some(doc)
}

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    let doc = document(r);
    let (edits, risks) = match kind {
        "iam.detach_policy" => {
            if !matches!(r.kind(), "iam.user" | "iam.group" | "iam.role") {
                return Err(format!("applies to IAM users, groups and roles, not to {} {}", r.kind(), r.name));
            }
            if param(params, "principal_arn") != r.arn {
                return Err(format!(
                    "parameter principal_arn is {:?}, but the finding's resource is {}",
                    param(params, "principal_arn"),
                    r.arn
                ));
            }
            require_known(r, "attached_policies")?;
            let policy = param(params, "policy_arn");
            let mut attached =
                doc.pointer("/config/attached_policies").and_then(Value::as_array).cloned().unwrap_or_default();
            let before = attached.len();
            attached.retain(|a| a.get("arn").and_then(Value::as_str) != Some(policy));
            if attached.len() == before {
                return Err(format!("{policy} is not attached to {}", r.name));
            }
            let who = match r.kind() {
                "iam.user" => format!("user {}", r.name),
                "iam.group" => format!("every member of group {}", r.name),
                _ => format!("whoever assumes role {} (people, CI, services)", r.name),
            };
            (
                vec![("/config/attached_policies".to_string(), Value::Array(attached))],
                vec![format!(
                    "{who} loses what {policy} granted: check first that the permissions still needed come from a \
                     group or a narrower policy."
                )],
            )
        }
        "iam.restrict_github_oidc_trust" => {
            expect_target(r, "iam.role", Some((params, "role")))?;
            require_known(r, "trust_policy")?;
            let policy = doc.pointer("/config/trust_policy").cloned().unwrap_or(Value::Null);
            if !policy.is_object() {
                return Err(format!("the trust policy of {} could not be decoded; fix it by hand", r.name));
            }
            let audience = param(params, "audience");
            let subjects = strings(params.get("subjects"));
            let new = restricted(&policy, audience, &subjects)
                .ok_or_else(|| format!("role {} has no statement trusting GitHub Actions' OIDC provider", r.name))?;
            (
                vec![("/config/trust_policy".to_string(), new)],
                vec![format!(
                    "Only GitHub workflows whose OIDC token has audience {audience} and subject {} can assume {}: \
                     workflows on other branches, tags, pull requests, environments or repositories are refused \
                     (their deploys fail). Other statements and conditions of the trust policy stay.",
                    subjects.join(" or "),
                    r.name
                )],
            )
        }
        other => return Err(format!("no implementation of {other}")),
    };
    let (changes, after) = edit(r, edits)?;
    Ok(Prepared { changes, risks, reversible: true, after })
}

/// A principal's kind (`user`, `role`, `group`) and name, from its ARN.
pub fn principal_of(arn: &str) -> (&str, &str) {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    (resource.split('/').next().unwrap_or_default(), resource.rsplit('/').next().unwrap_or_default())
}

/// The inline policy that takes a managed policy's place: `least-privilege-<PolicyName>`.
pub fn inline_name_for(policy_arn: &str) -> String {
    let name = policy_arn.rsplit('/').next().unwrap_or("policy");
    let mut out = format!("least-privilege-{name}");
    out.truncate(128);
    out
}

/// AWS's limit on the inline policies of one principal together, in characters without
/// whitespace.
fn inline_limit(kind: &str) -> usize {
    match kind {
        "iam.user" => 2_048,
        "iam.group" => 5_120,
        _ => 10_240,
    }
}

fn size_without_whitespace(doc: &Value) -> usize {
    doc.to_string().chars().filter(|c| !c.is_whitespace()).count()
}

/// "s3 117 (s3:PutBucketPolicy, s3:DeleteBucket, …); sqs 21 (…)": the actions of `set`, by
/// service, the largest first.
fn by_service(set: &bbscan_iam::ActionSet) -> String {
    let c = Catalogue::get();
    let mut services: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for id in set.iter() {
        services.entry(c.prefix(id)).or_default().push(c.name(id));
    }
    let mut list: Vec<(&str, Vec<String>)> = services.into_iter().collect();
    list.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = list
        .iter()
        .take(8)
        .map(|(service, names)| {
            // Writes first: what a reviewer most needs to see go.
            let mut names = names.clone();
            names.sort_by_key(|n| (!c.level_of(n).is_some_and(|l| l.is_write()), n.clone()));
            let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            format!("{service} {} ({}{})", names.len(), shown.join(", "), if names.len() > 3 { ", …" } else { "" })
        })
        .collect();
    if list.len() > 8 {
        parts.push(format!("and {} more services", list.len() - 8));
    }
    parts.join("; ")
}

/// Plan `iam.replace_with_least_privilege`: check the proposed document against the snapshot
/// before it becomes a step — the usage window is complete (or accepted), the document allows
/// nothing the old one did not, and still allows every use the old one allowed — and work out
/// the fields it changes. Re-derived at apply (`inputs.at_apply`) against the live principal
/// and the live managed policy: the usage checks were made when the plan was, from logs that
/// are not live state; "allows nothing the old one did not" is checked again on what AWS holds.
pub fn prepare_replacement(r: &Resource, params: &Value, inputs: Inputs<'_>) -> Result<Prepared, String> {
    if !matches!(r.kind(), "iam.user" | "iam.role") {
        return Err(format!("applies to IAM users and roles, not to {} {}", r.kind(), r.name));
    }
    if param(params, "principal_arn") != r.arn {
        return Err(format!(
            "parameter principal_arn is {:?}, but the finding's resource is {}",
            param(params, "principal_arn"),
            r.arn
        ));
    }
    require_known(r, "inline_policies")?;
    require_known(r, "attached_policies")?;
    let (inline, attached, usage) = match &r.config {
        ResourceConfig::IamRole(x) => (&x.inline_policies, &x.attached_policies, x.usage.as_ref()),
        ResourceConfig::IamUser(x) => (&x.inline_policies, &x.attached_policies, x.usage.as_ref()),
        _ => unreachable!("checked above"),
    };
    let mut risks = Vec::new();
    let used = if inputs.at_apply {
        None
    } else {
        let Some(usage) = usage else {
            return Err(format!(
                "the snapshot holds no CloudTrail usage for {}: take one with --usage-days (the default) to plan this",
                r.name
            ));
        };
        let coverage = inputs.others.iter().find_map(|x| match &x.config {
            ResourceConfig::CloudTrailUsage(c) => Some((x, c.as_ref())),
            _ => None,
        });
        let Some((coverage_resource, coverage)) = coverage else {
            return Err("the snapshot has no usage window (cloudtrail.usage): take one with --usage-days".into());
        };
        let mut problems = usage::coverage_problems(coverage);
        if !coverage_resource.is_known("events") {
            problems.push("the trail's log files could not be listed".into());
        }
        if !problems.is_empty() {
            if !inputs.accept_partial_usage || coverage.days_covered == 0 {
                return Err(format!(
                    "the CloudTrail usage the document was generated from is incomplete: {}. An action used only in \
                     what was not read would be lost; fix the trail and take a new snapshot, or plan with \
                     --accept-partial-usage",
                    problems.join("; ")
                ));
            }
            risks.push(format!(
                "Planned from incomplete usage (--accept-partial-usage): {}. An action used only there is lost.",
                problems.join("; ")
            ));
        }
        Some((usage, coverage))
    };
    let new = params.get("document").cloned().unwrap_or(Value::Null);
    let (inline_name, policy_arn) =
        (params.get("inline_policy").and_then(Value::as_str), params.get("policy_arn").and_then(Value::as_str));
    let (old, edits, what) = match (inline_name, policy_arn) {
        (Some(name), None) => {
            let i = inline
                .iter()
                .position(|p| p.name == name)
                .ok_or_else(|| format!("{} has no inline policy {name:?}", r.name))?;
            let old = inline[i].document.clone();
            (old, vec![(format!("/config/inline_policies/{i}/document"), new.clone())], format!("inline policy {name}"))
        }
        (None, Some(arn)) => {
            if !attached.iter().any(|a| a.arn == arn) {
                return Err(format!("{arn} is not attached to {}", r.name));
            }
            let managed = inputs.others.iter().find(|p| p.arn == arn).filter(|p| p.is_known("document"));
            let Some(ResourceConfig::IamPolicy(p)) = managed.map(|p| &p.config) else {
                return Err(format!("the document of {arn} is not in the snapshot"));
            };
            let name = inline_name_for(arn);
            if inline.iter().any(|p| p.name == name) {
                return Err(format!("{} already has an inline policy named {name}", r.name));
            }
            let doc = document(r);
            let mut attached_after =
                doc.pointer("/config/attached_policies").and_then(Value::as_array).cloned().unwrap_or_default();
            attached_after.retain(|a| a.get("arn").and_then(Value::as_str) != Some(arn));
            let mut inline_after =
                doc.pointer("/config/inline_policies").and_then(Value::as_array).cloned().unwrap_or_default();
            inline_after.push(json!({"name": name, "document": new}));
            (
                p.document.clone(),
                vec![
                    ("/config/attached_policies".to_string(), Value::Array(attached_after)),
                    ("/config/inline_policies".to_string(), Value::Array(inline_after)),
                ],
                format!("managed policy {arn} (detached; the document goes inline as {name})"),
            )
        }
        _ => return Err("give exactly one of inline_policy and policy_arn".into()),
    };
    if let Err(wider) = usage::within(&new, &old) {
        return Err(format!(
            "the proposed document is not within the {what} it replaces: {}",
            wider.join("; ")
        ));
    }
    let Some((usage, coverage)) = used else {
        // At apply: the changes are all that is compared with the plan's.
        let (changes, after) = edit(r, edits)?;
        return Ok(Prepared { changes, risks, reversible: true, after });
    };
    let principal = Principal::from_arn(&r.arn);
    let failures = usage::prove(&principal, &old, &new, &usage.actions);
    if !failures.is_empty() {
        let list: Vec<String> = failures.iter().take(5).map(|(a, res, _)| format!("{a} on {res}")).collect();
        return Err(format!(
            "the proposed document would refuse uses the {what} allowed: {}",
            list.join(", ")
        ));
    }
    // What the principal loses, for the reviewer.
    let mut ex = Expansions::new();
    let ctx = Context::open();
    let set = |doc: &Value, ex: &mut Expansions| {
        let p = Policy::new(Source::new("doc", &r.arn, "/"), doc);
        effective(&[&p], None, &[], &ctx, ex, false).somewhere
    };
    let mut lost = set(&old, &mut ex);
    lost.subtract(&set(&new, &mut ex));
    let noun = if r.kind() == "iam.role" { format!("Whoever assumes role {}", r.name) } else { format!("User {}", r.name) };
    risks.insert(
        0,
        format!(
            "{noun} can no longer do {} action(s) the {what} allowed: {}. The actions it used in the {} days of logs \
             since {} stay allowed (checked), on the resources it touched.",
            lost.count(),
            if lost.is_empty() { "none (only resources narrowed)".to_string() } else { by_service(&lost) },
            coverage.days_covered,
            coverage.covered_from.as_deref().unwrap_or("?"),
        ),
    );
    risks.push(
        "Work done less often than the window (a yearly job, an incident runbook) left no trace in it and is \
         refused after this change."
            .to_string(),
    );
    let (changes, after) = edit(r, edits)?;
    // AWS's size limit for a principal's inline policies together.
    let total: usize = match &after.config {
        ResourceConfig::IamRole(x) => x.inline_policies.iter().map(|p| size_without_whitespace(&p.document)).sum(),
        ResourceConfig::IamUser(x) => x.inline_policies.iter().map(|p| size_without_whitespace(&p.document)).sum(),
        _ => 0,
    };
    if total > inline_limit(r.kind()) {
        return Err(format!(
            "the inline policies of {} would hold {total} characters, more than AWS allows ({}): write a managed \
             policy from the generated document by hand",
            r.name,
            inline_limit(r.kind())
        ));
    }
    Ok(Prepared { changes, risks, reversible: true, after })
}

fn client(w: &Writer<'_>) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&w.config("global"))
}

/// The principal's kind and name from its ARN (`arn:aws:iam::1:user/path/name`).
fn principal(step: &Step) -> Result<(&str, &str), WriteError> {
    let arn = param(&step.params, "principal_arn");
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let kind = resource.split('/').next().unwrap_or_default();
    let name = resource.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || !matches!(kind, "user" | "group" | "role") {
        return Err(WriteError { operation: "iam", message: format!("{arn} is not a user, group or role ARN") });
    }
    Ok((kind, name))
}

async fn attachment(w: &Writer<'_>, step: &Step, attach: bool) -> Result<(), WriteError> {
    let c = client(w);
    let (kind, name) = principal(step)?;
    let policy = param(&step.params, "policy_arn");
    match (kind, attach) {
        ("user", false) => {
            c.detach_user_policy()
                .user_name(name)
                .policy_arn(policy)
                .send()
                .await
                .map_err(write_err("iam:DetachUserPolicy"))?;
        }
        ("user", true) => {
            c.attach_user_policy()
                .user_name(name)
                .policy_arn(policy)
                .send()
                .await
                .map_err(write_err("iam:AttachUserPolicy"))?;
        }
        ("group", false) => {
            c.detach_group_policy()
                .group_name(name)
                .policy_arn(policy)
                .send()
                .await
                .map_err(write_err("iam:DetachGroupPolicy"))?;
        }
        ("group", true) => {
            c.attach_group_policy()
                .group_name(name)
                .policy_arn(policy)
                .send()
                .await
                .map_err(write_err("iam:AttachGroupPolicy"))?;
        }
        (_, false) => {
            c.detach_role_policy()
                .role_name(name)
                .policy_arn(policy)
                .send()
                .await
                .map_err(write_err("iam:DetachRolePolicy"))?;
        }
        (_, true) => {
            c.attach_role_policy()
                .role_name(name)
                .policy_arn(policy)
                .send()
                .await
                .map_err(write_err("iam:AttachRolePolicy"))?;
        }
    }
    Ok(())
}

async fn put_trust(w: &Writer<'_>, step: &Step, policy: &Value) -> Result<(), WriteError> {
    if !policy.is_object() {
        return Err(WriteError { operation: "iam:UpdateAssumeRolePolicy", message: "no trust policy to write".into() });
    }
    client(w)
        .update_assume_role_policy()
        .role_name(param(&step.params, "role"))
        .policy_document(policy.to_string())
        .send()
        .await
        .map_err(write_err("iam:UpdateAssumeRolePolicy"))?;
    Ok(())
}

/// Put an inline policy on the step's user or role.
async fn put_inline(w: &Writer<'_>, step: &Step, name: &str, doc: &Value) -> Result<(), WriteError> {
    let (kind, principal) = principal_of(param(&step.params, "principal_arn"));
    let c = client(w);
    if kind == "user" {
        c.put_user_policy()
            .user_name(principal)
            .policy_name(name)
            .policy_document(doc.to_string())
            .send()
            .await
            .map_err(write_err("iam:PutUserPolicy"))?;
    } else {
        c.put_role_policy()
            .role_name(principal)
            .policy_name(name)
            .policy_document(doc.to_string())
            .send()
            .await
            .map_err(write_err("iam:PutRolePolicy"))?;
    }
    Ok(())
}

async fn delete_inline(w: &Writer<'_>, step: &Step, name: &str) -> Result<(), WriteError> {
    let (kind, principal) = principal_of(param(&step.params, "principal_arn"));
    let c = client(w);
    if kind == "user" {
        c.delete_user_policy()
            .user_name(principal)
            .policy_name(name)
            .send()
            .await
            .map_err(write_err("iam:DeleteUserPolicy"))?;
    } else {
        c.delete_role_policy()
            .role_name(principal)
            .policy_name(name)
            .send()
            .await
            .map_err(write_err("iam:DeleteRolePolicy"))?;
    }
    Ok(())
}

/// The inline policy named `name` in a resource document.
fn inline_document<'v>(doc: &'v Value, name: &str) -> Option<&'v Value> {
    doc.pointer("/config/inline_policies")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))?
        .get("document")
}

async fn replace(w: &Writer<'_>, step: &Step) -> Result<(), WriteError> {
    let new = step.params.get("document").cloned().unwrap_or(Value::Null);
    match step.params.get("policy_arn").and_then(Value::as_str) {
        // The document goes in first: at no moment does the principal hold neither.
        Some(arn) => {
            put_inline(w, step, &inline_name_for(arn), &new).await?;
            attachment(w, step, false).await
        }
        None => put_inline(w, step, param(&step.params, "inline_policy"), &new).await,
    }
}

async fn unreplace(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    match step.params.get("policy_arn").and_then(Value::as_str) {
        Some(arn) => {
            attachment(w, step, true).await?;
            delete_inline(w, step, &inline_name_for(arn)).await
        }
        None => {
            let name = param(&step.params, "inline_policy");
            let old = inline_document(prior, name).ok_or_else(|| WriteError {
                operation: "rollback",
                message: format!("the journal has no prior document of inline policy {name}"),
            })?;
            put_inline(w, step, name, old).await
        }
    }
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "iam.replace_with_least_privilege" => replace(w, step).await,
        "iam.detach_policy" => attachment(w, step, false).await,
        "iam.restrict_github_oidc_trust" => {
            put_trust(w, step, step.changes.first().map_or(&Value::Null, |c| &c.new)).await
        }
        other => Err(WriteError { operation: "apply", message: format!("no implementation of {other}") }),
    }
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "iam.replace_with_least_privilege" => unreplace(w, step, prior).await,
        "iam.detach_policy" => attachment(w, step, true).await,
        "iam.restrict_github_oidc_trust" => {
            put_trust(w, step, prior.pointer("/config/trust_policy").unwrap_or(&Value::Null)).await
        }
        other => Err(WriteError { operation: "rollback", message: format!("no implementation of {other}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVIDER: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

    fn role(trust: Value) -> Resource {
        serde_json::from_value(json!({
            "arn": "arn:aws:iam::123456789012:role/deploy", "name": "deploy", "account": "123456789012",
            "region": "global", "kind": "iam.role", "config": {"trust_policy": trust}
        }))
        .expect("resource")
    }

    fn params() -> Value {
        json!({"role": "deploy", "audience": "sts.amazonaws.com", "subjects": ["repo:o/r:ref:refs/heads/main"]})
    }

    #[test]
    fn github_conditions_are_replaced_and_everything_else_kept() {
        let other =
            json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"});
        let trust = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": "*"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/*", "token.actions.githubusercontent.com:job_workflow_ref": "o/r/.github/workflows/deploy.yml@*"},
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
            other.clone()
        ]});
        let p = prepare("iam.restrict_github_oidc_trust", &role(trust), &params()).expect("plan");
        let new = &p.changes[0].new;
        assert_eq!(new["Statement"][1], other);
        let c = &new["Statement"][0]["Condition"];
        assert_eq!(
            c["StringEquals"],
            json!({"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"})
        );
        assert_eq!(
            c["StringLike"],
            json!({"token.actions.githubusercontent.com:job_workflow_ref": "o/r/.github/workflows/deploy.yml@*"})
        );
        assert_eq!(c["IpAddress"], json!({"aws:SourceIp": "10.0.0.0/8"}));
        assert!(c.get("ForAllValues:StringLike").is_none(), "{c}");
        assert!(p.reversible);
    }

    #[test]
    fn wildcard_subjects_use_string_like_and_roles_without_github_are_refused() {
        let trust = json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity"}});
        let mut with_like = params();
        with_like["subjects"] = json!(["repo:o/r:environment:*", "repo:o/r:ref:refs/heads/main"]);
        let p = prepare("iam.restrict_github_oidc_trust", &role(trust), &with_like).expect("plan");
        assert_eq!(
            p.changes[0].new["Statement"]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            json!(["repo:o/r:environment:*", "repo:o/r:ref:refs/heads/main"])
        );
        let service = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(prepare("iam.restrict_github_oidc_trust", &role(service), &params()).is_err());
    }

    #[test]
    fn detaching_names_a_policy_that_is_attached() {
        let user: Resource = serde_json::from_value(json!({
            "arn": "arn:aws:iam::123456789012:user/alice", "name": "alice", "account": "123456789012",
            "region": "global", "kind": "iam.user",
            "config": {"attached_policies": [{"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}
        }))
        .expect("resource");
        let ok = json!({"principal_arn": "arn:aws:iam::123456789012:user/alice", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"});
        let p = prepare("iam.detach_policy", &user, &ok).expect("plan");
        assert_eq!(p.changes[0].new, json!([]));
        let mut missing = ok.clone();
        missing["policy_arn"] = json!("arn:aws:iam::aws:policy/ReadOnlyAccess");
        assert!(prepare("iam.detach_policy", &user, &missing).is_err());
    }
}
