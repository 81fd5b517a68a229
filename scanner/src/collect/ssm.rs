//! SSM Parameter Store: parameter metadata and tags. Never values: `GetParameter*` is not in
//! the operation list, and `DescribeParameters` does not return values.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, opt_ts, tags};
use crate::scope::Early;
use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{ParameterMetadata, ResourceTypeForTagging};
use bbscan_model::*;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let stream = client.describe_parameters().max_results(50).into_paginator().send();
    let Read::Found(parameters) = ctx
        .api
        .pages(Op::SsmDescribeParameters, Target::region(region), stream, |p| p.parameters.unwrap_or_default())
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(parameters.iter().map(|p| parameter(ctx, &client, region, p))).await;
    found.into_iter().flatten().collect()
}

async fn parameter(ctx: &Ctx<'_>, client: &Client, region: &str, p: &ParameterMetadata) -> Option<Resource> {
    let name = p.name()?.to_string();
    let arn = non_empty(p.arn()).unwrap_or_else(|| {
        let path = name.trim_start_matches('/');
        format!("arn:{}:ssm:{}:{}:parameter/{}", ctx.partition, region, ctx.account, path)
    });
    let mut unknown = Vec::new();
    let tags = ctx
        .api
        .call(
            Op::SsmListTagsForResource,
            Target::field(region, &arn, "tags"),
            client.list_tags_for_resource().resource_type(ResourceTypeForTagging::Parameter).resource_id(&name).send(),
        )
        .await
        .or_note("tags", &mut unknown)
        .map(|t| tags(t.tag_list().iter().map(|t| (t.key(), t.value()))))
        .unwrap_or_default();
    if ctx.scope.early(&tags) == Early::Drop {
        return None;
    }
    let config = SsmParameter {
        parameter_type: p.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
        key_id: non_empty(p.key_id()),
        tier: p.tier().map(|t| t.as_str().to_string()),
        data_type: non_empty(p.data_type()),
        version: p.version(),
        last_modified_date: opt_ts(p.last_modified_date()),
        last_modified_user: non_empty(p.last_modified_user()),
        description: non_empty(p.description()),
    };
    let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::SsmParameter(config));
    r.unknown = unknown;
    Some(r)
}
