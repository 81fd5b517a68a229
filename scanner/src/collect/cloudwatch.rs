//! CloudWatch alarms: metric, dimensions, actions, tags.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, tags};
use crate::scope::Early;
use aws_sdk_cloudwatch::Client;
use bbscan_model::*;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let stream = client.describe_alarms().into_paginator().send();
    let Read::Found(alarms) = ctx
        .api
        .pages(Op::CloudWatchDescribeAlarms, Target::region(region), stream, |p| p.metric_alarms.unwrap_or_default())
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(alarms.into_iter().map(|a| {
        let client = &client;
        async move {
            let arn = a.alarm_arn()?.to_string();
            let name = a.alarm_name().unwrap_or_default().to_string();
            let mut unknown = Vec::new();
            let tags = ctx
                .api
                .call(
                    Op::CloudWatchListTagsForResource,
                    Target::field(region, &arn, "tags"),
                    client.list_tags_for_resource().resource_arn(&arn).send(),
                )
                .await
                .or_note("tags", &mut unknown)
                .map(|t| tags(t.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
                .unwrap_or_default();
            if ctx.scope.early(&tags) == Early::Drop {
                return None;
            }
            let config = CloudWatchAlarm {
                namespace: non_empty(a.namespace()),
                metric_name: non_empty(a.metric_name()),
                statistic: a.statistic().map(|s| s.as_str().to_string()),
                dimensions: a
                    .dimensions()
                    .iter()
                    .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                    .collect(),
                period: a.period(),
                evaluation_periods: a.evaluation_periods(),
                threshold: a.threshold(),
                comparison_operator: a.comparison_operator().map(|c| c.as_str().to_string()),
                treat_missing_data: non_empty(a.treat_missing_data()),
                actions_enabled: a.actions_enabled().unwrap_or(false),
                alarm_actions: a.alarm_actions().to_vec(),
                ok_actions: a.ok_actions().to_vec(),
                insufficient_data_actions: a.insufficient_data_actions().to_vec(),
                state_value: a.state_value().map(|s| s.as_str().to_string()),
            };
            let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::CloudWatchAlarm(config));
            r.unknown = unknown;
            Some(r)
        }
    }))
    .await;
    found.into_iter().flatten().collect()
}
