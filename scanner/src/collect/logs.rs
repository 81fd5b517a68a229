//! CloudWatch Logs: log groups with retention, KMS key and tags.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{millis_ts, non_empty, tags};
use crate::scope::Early;
use aws_sdk_cloudwatchlogs::Client;
use bbscan_model::*;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let stream = client.describe_log_groups().into_paginator().send();
    let Read::Found(groups) = ctx
        .api
        .pages(Op::LogsDescribeLogGroups, Target::region(region), stream, |p| p.log_groups.unwrap_or_default())
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(groups.into_iter().map(|g| {
        let client = &client;
        async move {
            let name = g.log_group_name()?.to_string();
            // The ARN ends in `:*` in DescribeLogGroups; tagging wants it without.
            let arn = g
                .arn()
                .map(|a| a.trim_end_matches(":*").to_string())
                .unwrap_or_else(|| format!("arn:{}:logs:{}:{}:log-group:{}", ctx.partition, region, ctx.account, name));
            let mut unknown = Vec::new();
            let tags = ctx
                .api
                .call(
                    Op::LogsListTagsForResource,
                    Target::field(region, &arn, "tags"),
                    client.list_tags_for_resource().resource_arn(&arn).send(),
                )
                .await
                .or_note("tags", &mut unknown)
                .map(|t| tags(t.tags.unwrap_or_default()))
                .unwrap_or_default();
            if ctx.scope.early(&tags) == Early::Drop {
                return None;
            }
            let config = LogGroup {
                retention_in_days: g.retention_in_days(),
                kms_key_id: non_empty(g.kms_key_id()),
                stored_bytes: g.stored_bytes(),
                creation_time: g.creation_time().map(millis_ts),
                log_group_class: g.log_group_class().map(|c| c.as_str().to_string()),
            };
            let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::LogGroup(config));
            r.unknown = unknown;
            Some(r)
        }
    }))
    .await;
    found.into_iter().flatten().collect()
}
