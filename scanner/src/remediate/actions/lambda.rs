//! Lambda actions: one statement removed from a function's resource policy (the rest kept),
//! IAM authorisation on a function URL, reserved concurrency.

use super::{
    Prepared, WriteError, Writer, document, edit, expect_target, not_reversible, param, require_known, write_err,
};
use crate::remediate::plan::Step;
use aws_sdk_lambda::types::FunctionUrlAuthType;
use bbscan_model::Resource;
use serde_json::{Value, json};

/// The statements of a resource policy, as a list.
fn statements(policy: &Value) -> Vec<Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// `AddPermission`'s parameters that recreate one statement exactly.
#[derive(Debug, Default, PartialEq)]
struct Permission {
    statement_id: String,
    action: String,
    principal: String,
    source_arn: Option<String>,
    source_account: Option<String>,
    principal_org_id: Option<String>,
    event_source_token: Option<String>,
    function_url_auth_type: Option<String>,
    invoked_via_function_url: Option<bool>,
}

/// A single string, or a list holding one.
fn one_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.len() == 1 => items[0].as_str().map(str::to_string),
        _ => None,
    }
}

/// The `AddPermission` call that recreates `statement` on the function `function_arn`, or
/// `None` when the statement says something AddPermission cannot (several actions, a Deny,
/// another resource, a condition AddPermission does not write).
fn permission_of(statement: &Value, function_arn: &str) -> Option<Permission> {
    let map = statement.as_object()?;
    let mut p = Permission {
        statement_id: map.get("Sid")?.as_str().filter(|s| !s.is_empty())?.to_string(),
        action: one_string(map.get("Action")?)?,
        ..Permission::default()
    };
    if map.get("Effect")?.as_str()? != "Allow" {
        return None;
    }
    p.principal = match map.get("Principal")? {
        Value::String(s) => s.clone(),
        Value::Object(principal) if principal.len() == 1 => {
            let (key, value) = principal.iter().next()?;
            if key != "AWS" && key != "Service" {
                return None;
            }
            one_string(value)?
        }
        _ => return None,
    };
    if let Some(resource) = map.get("Resource")
        && one_string(resource).as_deref() != Some(function_arn)
    {
        return None;
    }
    for (key, value) in map {
        match key.as_str() {
            "Sid" | "Effect" | "Action" | "Principal" | "Resource" => {}
            // moto keeps this AddPermission parameter as a statement key instead of a condition.
            "FunctionUrlAuthType" => p.function_url_auth_type = Some(value.as_str()?.to_string()),
            "Condition" => {
                for (operator, entries) in value.as_object()? {
                    for (condition_key, v) in entries.as_object()? {
                        let v = one_string(v)?;
                        let slot = match (operator.as_str(), condition_key.to_ascii_lowercase().as_str()) {
                            ("ArnLike", "aws:sourcearn") => &mut p.source_arn,
                            ("StringEquals", "aws:sourceaccount") => &mut p.source_account,
                            ("StringEquals", "aws:principalorgid") => &mut p.principal_org_id,
                            ("StringEquals", "lambda:eventsourcetoken") => &mut p.event_source_token,
                            ("StringEquals", "lambda:functionurlauthtype") => &mut p.function_url_auth_type,
                            ("Bool", "lambda:invokedviafunctionurl") => {
                                p.invoked_via_function_url = Some(v.parse().ok()?);
                                continue;
                            }
                            _ => return None,
                        };
                        if slot.replace(v).is_some() {
                            return None;
                        }
                    }
                }
            }
            _ => return None,
        }
    }
    Some(p)
}

fn without_statement(policy: &Value, sid: &str) -> Value {
    let rest: Vec<Value> =
        statements(policy).into_iter().filter(|s| s.get("Sid").and_then(Value::as_str) != Some(sid)).collect();
    if rest.is_empty() {
        // Lambda has no policy once its last statement goes.
        return Value::Null;
    }
    let mut doc = policy.clone();
    doc["Statement"] = Value::Array(rest);
    doc
}

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    expect_target(r, "lambda.function", None)?;
    let function = param(params, "function");
    if function != r.name && function != r.arn {
        return Err(format!("parameter function is {function:?}, but the finding's function is {}", r.name));
    }
    let doc = document(r);
    let (edits, risks, reversible) = match kind {
        "lambda.remove_permission" => {
            require_known(r, "policy")?;
            let policy = doc.pointer("/config/policy").cloned().unwrap_or(Value::Null);
            if policy.is_string() {
                return Err(format!("the resource policy of {} could not be decoded; fix it by hand", r.name));
            }
            let sid = param(params, "statement_id");
            let statement = statements(&policy)
                .into_iter()
                .find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid))
                .ok_or_else(|| format!("the resource policy of {} has no statement {sid:?}", r.name))?;
            if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
                return Err(format!("statement {sid:?} of {} is not an Allow: removing it could only widen access", r.name));
            }
            let reversible = permission_of(&statement, &r.arn).is_some();
            let mut risks = vec![format!(
                "Whoever statement {sid} allowed ({} on {}) can no longer call the function that way; every other \
                 statement of the policy stays.",
                statement.get("Action").map(Value::to_string).unwrap_or_default(),
                statement.get("Principal").map(Value::to_string).unwrap_or_default(),
            )];
            if !reversible {
                risks.push(
                    "The statement does not map onto AddPermission's parameters, so rollback cannot put it back: \
                     recreate it by hand from this plan's current value if needed."
                        .into(),
                );
            }
            (vec![("/config/policy".to_string(), without_statement(&policy, sid))], risks, reversible)
        }
        "lambda.set_function_url_auth_type" => {
            require_known(r, "url")?;
            if doc.pointer("/config/url").is_none_or(Value::is_null) {
                return Err(format!("function {} has no function URL", r.name));
            }
            (
                vec![("/config/url/auth_type".to_string(), json!(param(params, "auth_type")))],
                vec![
                    "Calls to the function URL must be signed (SigV4) by a principal allowed lambda:InvokeFunctionUrl: \
                     browsers, webhooks and anything calling it anonymously get 403."
                        .into(),
                    "A CloudFront distribution in front of the URL needs an origin access control for Lambda to keep \
                     working."
                        .into(),
                ],
                true,
            )
        }
        "lambda.put_reserved_concurrency" => {
            require_known(r, "reserved_concurrency")?;
            let n = params.get("reserved_concurrency").and_then(Value::as_i64).unwrap_or(0);
            let risk = if n == 0 {
                "Reserved concurrency 0 throttles every invocation: the function stops running.".to_string()
            } else {
                format!(
                    "At most {n} concurrent executions: requests beyond that are throttled (HTTP 429), and {n} is taken \
                     from the account's unreserved concurrency pool."
                )
            };
            (vec![("/config/reserved_concurrency".to_string(), json!(n))], vec![risk], true)
        }
        other => return Err(format!("no implementation of {other}")),
    };
    let (changes, after) = edit(r, edits)?;
    Ok(Prepared { changes, risks, reversible, after })
}

fn client(w: &Writer<'_>, step: &Step) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&w.config(&step.region))
}

async fn set_auth_type(w: &Writer<'_>, step: &Step, auth: &str) -> Result<(), WriteError> {
    client(w, step)
        .update_function_url_config()
        .function_name(param(&step.params, "function"))
        .auth_type(FunctionUrlAuthType::from(auth))
        .send()
        .await
        .map_err(write_err("lambda:UpdateFunctionUrlConfig"))?;
    Ok(())
}

async fn set_concurrency(w: &Writer<'_>, step: &Step, n: Option<i64>) -> Result<(), WriteError> {
    let c = client(w, step);
    let function = param(&step.params, "function");
    match n {
        Some(n) => {
            c.put_function_concurrency()
                .function_name(function)
                .reserved_concurrent_executions(n as i32)
                .send()
                .await
                .map_err(write_err("lambda:PutFunctionConcurrency"))?;
        }
        None => {
            c.delete_function_concurrency()
                .function_name(function)
                .send()
                .await
                .map_err(write_err("lambda:DeleteFunctionConcurrency"))?;
        }
    }
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "lambda.remove_permission" => {
            client(w, step)
                .remove_permission()
                .function_name(param(&step.params, "function"))
                .statement_id(param(&step.params, "statement_id"))
                .send()
                .await
                .map_err(write_err("lambda:RemovePermission"))?;
            Ok(())
        }
        "lambda.set_function_url_auth_type" => set_auth_type(w, step, param(&step.params, "auth_type")).await,
        "lambda.put_reserved_concurrency" => {
            set_concurrency(w, step, step.params.get("reserved_concurrency").and_then(Value::as_i64)).await
        }
        other => Err(WriteError { operation: "apply", message: format!("no implementation of {other}") }),
    }
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "lambda.remove_permission" => {
            let sid = param(&step.params, "statement_id");
            let policy = prior.pointer("/config/policy").cloned().unwrap_or(Value::Null);
            let p = statements(&policy)
                .iter()
                .find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid))
                .and_then(|s| permission_of(s, &step.target))
                .ok_or_else(|| not_reversible(step))?;
            client(w, step)
                .add_permission()
                .function_name(param(&step.params, "function"))
                .statement_id(p.statement_id)
                .action(p.action)
                .principal(p.principal)
                .set_source_arn(p.source_arn)
                .set_source_account(p.source_account)
                .set_principal_org_id(p.principal_org_id)
                .set_event_source_token(p.event_source_token)
                .set_function_url_auth_type(p.function_url_auth_type.as_deref().map(FunctionUrlAuthType::from))
                .set_invoked_via_function_url(p.invoked_via_function_url)
                .send()
                .await
                .map_err(write_err("lambda:AddPermission"))?;
            Ok(())
        }
        "lambda.set_function_url_auth_type" => {
            let was =
                prior.pointer("/config/url/auth_type").and_then(Value::as_str).ok_or_else(|| not_reversible(step))?;
            set_auth_type(w, step, was).await
        }
        "lambda.put_reserved_concurrency" => {
            set_concurrency(w, step, prior.pointer("/config/reserved_concurrency").and_then(Value::as_i64)).await
        }
        other => Err(WriteError { operation: "rollback", message: format!("no implementation of {other}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    #[test]
    fn statements_that_add_permission_can_write_are_recreated() {
        let public = json!({
            "Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
            "Action": "lambda:InvokeFunctionUrl", "Resource": ARN,
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
        });
        let p = permission_of(&public, ARN).expect("maps");
        assert_eq!(p.principal, "*");
        assert_eq!(p.function_url_auth_type.as_deref(), Some("NONE"));
        let cloudfront = json!({
            "Sid": "cf", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "lambda:InvokeFunctionUrl", "Resource": ARN,
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}
        });
        let p = permission_of(&cloudfront, ARN).expect("maps");
        assert_eq!(
            (p.principal.as_str(), p.source_arn.as_deref()),
            ("cloudfront.amazonaws.com", Some("arn:aws:cloudfront::123456789012:distribution/E1"))
        );
    }

    #[test]
    fn statements_add_permission_cannot_write_are_not_reversible() {
        let base = json!({"Sid": "s", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": ARN});
        assert!(permission_of(&base, ARN).is_some());
        let mut two_actions = base.clone();
        two_actions["Action"] = json!(["lambda:InvokeFunction", "lambda:GetFunction"]);
        let mut deny = base.clone();
        deny["Effect"] = json!("Deny");
        let mut other_condition = base.clone();
        other_condition["Condition"] = json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}});
        let mut other_resource = base.clone();
        other_resource["Resource"] = json!(format!("{ARN}:prod"));
        let mut no_sid = base.clone();
        no_sid.as_object_mut().expect("object").remove("Sid");
        for s in [two_actions, deny, other_condition, other_resource, no_sid] {
            assert!(permission_of(&s, ARN).is_none(), "{s}");
        }
    }

    #[test]
    fn removing_a_permission_keeps_the_others_and_is_not_reversible_when_it_cannot_be_rebuilt() {
        let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": [
            {"Sid": "keep", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": ARN},
            {"Sid": "odd", "Effect": "Allow", "Principal": "*", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"], "Resource": ARN},
        ]});
        let r: Resource = serde_json::from_value(json!({
            "arn": ARN, "name": "f", "account": "123456789012", "region": "us-east-1",
            "kind": "lambda.function", "config": {"policy": policy}
        }))
        .expect("resource");
        let p =
            prepare("lambda.remove_permission", &r, &json!({"function": "f", "statement_id": "odd"})).expect("plan");
        assert!(!p.reversible);
        assert_eq!(p.changes[0].new["Statement"].as_array().map(Vec::len), Some(1));
        let p =
            prepare("lambda.remove_permission", &r, &json!({"function": "f", "statement_id": "keep"})).expect("plan");
        assert!(p.reversible);
        assert!(prepare("lambda.remove_permission", &r, &json!({"function": "f", "statement_id": "nope"})).is_err());
    }
}
