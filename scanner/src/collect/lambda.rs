//! Lambda: functions, their resource policy and function URL. Environment variable values are
//! classified here and dropped; only names and classes reach the snapshot. `GetFunction`'s
//! code location (a presigned URL) is never followed or kept.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, policy_document, tags};
use super::env_values::classify_env_value;
use crate::scope::Early;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::FunctionConfiguration;
use bbscan_model::*;
use serde_json::json;
use std::collections::BTreeMap;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let stream = client.list_functions().max_items(50).into_paginator().send();
    let Read::Found(functions) = ctx
        .api
        .pages(Op::LambdaListFunctions, Target::region(region), stream, |p| p.functions.unwrap_or_default())
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(functions.into_iter().map(|f| function(ctx, &client, region, f))).await;
    found.into_iter().flatten().collect()
}

/// Names and classes of the environment; the values are dropped with `f`.
fn environment(f: &mut FunctionConfiguration) -> Vec<EnvVar> {
    let variables = f.environment.take().and_then(|e| e.variables).unwrap_or_default();
    let mut vars: Vec<EnvVar> = variables
        .iter()
        .map(|(name, value)| {
            let (classification, reason) = classify_env_value(name, value);
            EnvVar { name: name.clone(), classification, reason: reason.to_string() }
        })
        .collect();
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    vars
}

async fn function(ctx: &Ctx<'_>, client: &Client, region: &str, mut f: FunctionConfiguration) -> Option<Resource> {
    let environment = environment(&mut f);
    let name = f.function_name()?.to_string();
    let arn = f.function_arn().unwrap_or_default().to_string();
    let mut unknown = Vec::new();
    // GetFunction gives tags and reserved concurrency in one call.
    let detail = ctx
        .api
        .call(
            Op::LambdaGetFunction,
            Target::field(region, &arn, "tags"),
            client.get_function().function_name(&name).send(),
        )
        .await;
    let (tags, reserved_concurrency) = match detail.or_note("tags", &mut unknown) {
        Some(d) => (tags(d.tags.unwrap_or_default()), d.concurrency.and_then(|c| c.reserved_concurrent_executions)),
        None => {
            unknown.push("reserved_concurrency".to_string());
            (BTreeMap::new(), None)
        }
    };
    if ctx.scope.early(&tags) == Early::Drop {
        return None;
    }
    let (policy, url) = futures::join!(
        ctx.api.call(
            Op::LambdaGetPolicy,
            Target::field(region, &arn, "policy"),
            client.get_policy().function_name(&name).send()
        ),
        ctx.api.call(
            Op::LambdaGetFunctionUrlConfig,
            Target::field(region, &arn, "url"),
            client.get_function_url_config().function_name(&name).send()
        ),
    );
    let policy = policy
        .or_note("policy", &mut unknown)
        .and_then(|p| p.policy)
        .map(|text| policy_document(&text).unwrap_or(serde_json::Value::String(text)));
    let url = url.or_note("url", &mut unknown).map(|u| FunctionUrl {
        url: u.function_url.clone(),
        auth_type: u.auth_type.as_str().to_string(),
        cors: u.cors.as_ref().map(|c| {
            json!({
                "allow_credentials": c.allow_credentials(),
                "allow_headers": c.allow_headers(),
                "allow_methods": c.allow_methods(),
                "allow_origins": c.allow_origins(),
                "expose_headers": c.expose_headers(),
                "max_age": c.max_age(),
            })
        }),
        invoke_mode: u.invoke_mode.as_ref().map(|m| m.as_str().to_string()),
    });
    let log_group =
        f.logging_config().and_then(|l| non_empty(l.log_group())).unwrap_or_else(|| format!("/aws/lambda/{name}"));
    let config = LambdaFunction {
        runtime: f.runtime().map(|r| r.as_str().to_string()),
        architectures: f.architectures().iter().map(|a| a.as_str().to_string()).collect(),
        package_type: f.package_type().map(|p| p.as_str().to_string()),
        handler: non_empty(f.handler()),
        timeout: f.timeout(),
        memory_size: f.memory_size(),
        role: non_empty(f.role()),
        kms_key_arn: non_empty(f.kms_key_arn()),
        tracing_mode: f.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str().to_string()),
        reserved_concurrency,
        dead_letter_target: f.dead_letter_config().and_then(|d| non_empty(d.target_arn())),
        vpc: f.vpc_config().filter(|v| !v.subnet_ids().is_empty()).map(|v| LambdaVpc {
            vpc_id: non_empty(v.vpc_id()),
            subnet_ids: v.subnet_ids().to_vec(),
            security_group_ids: v.security_group_ids().to_vec(),
        }),
        layers: f.layers().iter().filter_map(|l| l.arn().map(str::to_string)).collect(),
        last_modified: non_empty(f.last_modified()),
        log_group,
        environment,
        policy,
        url,
    };
    let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::LambdaFunction(Box::new(config)));
    r.unknown = unknown;
    Some(r)
}
