//! CloudTrail: trails with their status, event selectors and tags.

use super::Ctx;
use super::api::{Op, Target};
use super::convert::{non_empty, opt_ts, tags};
use aws_sdk_cloudtrail::Client;
use bbscan_model::*;
use serde_json::json;
use std::collections::BTreeMap;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    // Shadow copies of multi-region trails are skipped: each trail is read in its home region,
    // or here when its home region is not being scanned.
    let Some(list) = ctx
        .api
        .call(
            Op::CloudTrailDescribeTrails,
            Target::region(region),
            client.describe_trails().include_shadow_trails(true).send(),
        )
        .await
        .found()
    else {
        return Vec::new();
    };
    let trails: Vec<_> = list
        .trail_list()
        .iter()
        .filter(|t| {
            let home = t.home_region().unwrap_or(region);
            home == region || !ctx.aws.regions.iter().any(|r| r == home)
        })
        .cloned()
        .collect();
    let arns: Vec<String> = trails.iter().filter_map(|t| t.trail_arn().map(str::to_string)).collect();
    let tags_by_arn: Option<BTreeMap<String, BTreeMap<String, String>>> = if arns.is_empty() {
        Some(BTreeMap::new())
    } else {
        let stream = client.list_tags().set_resource_id_list(Some(arns.clone())).into_paginator().send();
        ctx.api
            .pages(Op::CloudTrailListTags, Target::region(region), stream, |p| p.resource_tag_list.unwrap_or_default())
            .await
            .found()
            .map(|list| {
                list.into_iter()
                    .filter_map(|rt| {
                        let id = rt.resource_id?;
                        Some((
                            id,
                            tags(
                                rt.tags_list
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|t| (t.key, t.value.unwrap_or_default())),
                            ),
                        ))
                    })
                    .collect()
            })
    };
    let resources = futures::future::join_all(trails.iter().map(|t| {
        let client = &client;
        let tags_by_arn = &tags_by_arn;
        async move {
            let arn = t.trail_arn()?.to_string();
            let name = t.name().unwrap_or_default().to_string();
            let (status, selectors) = futures::join!(
                ctx.api.call(Op::CloudTrailGetTrailStatus, Target::field(region, &arn, "status"), client.get_trail_status().name(&arn).send()),
                ctx.api.call(Op::CloudTrailGetEventSelectors, Target::field(region, &arn, "event_selectors"), client.get_event_selectors().trail_name(&arn).send()),
            );
            let mut unknown = Vec::new();
            let status = match status.found() {
                Some(s) => Some(TrailStatus {
                    is_logging: s.is_logging.unwrap_or(false),
                    latest_delivery_error: non_empty(s.latest_delivery_error()),
                    latest_delivery_time: opt_ts(s.latest_delivery_time()),
                    latest_cloud_watch_logs_delivery_error: non_empty(s.latest_cloud_watch_logs_delivery_error()),
                    start_logging_time: opt_ts(s.start_logging_time()),
                    stop_logging_time: opt_ts(s.stop_logging_time()),
                }),
                None => {
                    unknown.push("status".to_string());
                    None
                }
            };
            let (event_selectors, advanced_event_selectors) = match selectors.found() {
                Some(s) => (
                    s.event_selectors()
                        .iter()
                        .map(|e| {
                            json!({
                                "read_write_type": e.read_write_type().map(|r| r.as_str()),
                                "include_management_events": e.include_management_events(),
                                "data_resources": e.data_resources().iter().map(|d| json!({"type": d.r#type(), "values": d.values()})).collect::<Vec<_>>(),
                                "exclude_management_event_sources": e.exclude_management_event_sources(),
                            })
                        })
                        .collect(),
                    s.advanced_event_selectors()
                        .iter()
                        .map(|a| {
                            json!({
                                "name": a.name(),
                                "field_selectors": a.field_selectors().iter().map(|f| json!({
                                    "field": f.field(), "equals": f.equals(), "starts_with": f.starts_with(),
                                    "ends_with": f.ends_with(), "not_equals": f.not_equals(),
                                    "not_starts_with": f.not_starts_with(), "not_ends_with": f.not_ends_with(),
                                })).collect::<Vec<_>>(),
                            })
                        })
                        .collect(),
                ),
                None => {
                    unknown.push("event_selectors".to_string());
                    (Vec::new(), Vec::new())
                }
            };
            let tags = match tags_by_arn {
                Some(map) => map.get(&arn).cloned().unwrap_or_default(),
                None => {
                    unknown.push("tags".to_string());
                    BTreeMap::new()
                }
            };
            let config = CloudTrailTrail {
                home_region: non_empty(t.home_region()),
                is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
                is_organization_trail: t.is_organization_trail().unwrap_or(false),
                include_global_service_events: t.include_global_service_events().unwrap_or(false),
                log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
                kms_key_id: non_empty(t.kms_key_id()),
                s3_bucket_name: non_empty(t.s3_bucket_name()),
                s3_key_prefix: non_empty(t.s3_key_prefix()),
                sns_topic_arn: non_empty(t.sns_topic_arn()),
                cloud_watch_logs_log_group_arn: non_empty(t.cloud_watch_logs_log_group_arn()),
                cloud_watch_logs_role_arn: non_empty(t.cloud_watch_logs_role_arn()),
                has_custom_event_selectors: t.has_custom_event_selectors().unwrap_or(false),
                has_insight_selectors: t.has_insight_selectors().unwrap_or(false),
                status,
                event_selectors,
                advanced_event_selectors,
            };
            let home = t.home_region().unwrap_or(region).to_string();
            let mut r = ctx.resource(arn, name, &home, tags, ResourceConfig::CloudTrailTrail(Box::new(config)));
            r.unknown = unknown;
            Some(r)
        }
    }))
    .await;
    resources.into_iter().flatten().collect()
}
