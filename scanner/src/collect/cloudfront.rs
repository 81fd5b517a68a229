//! CloudFront: distributions (every cache behaviour, every origin) and origin access controls.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, tags};
use crate::scope::Early;
use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::types::DistributionConfig;
use bbscan_model::*;
use std::collections::BTreeMap;

const REGION: &str = "global";

pub async fn collect(ctx: &Ctx<'_>) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(&ctx.aws.global_region()));
    let (mut distributions, controls, deliveries) =
        futures::join!(distributions(ctx, &client), origin_access_controls(ctx, &client), log_deliveries(ctx));
    for r in &mut distributions {
        let ResourceConfig::CloudFrontDistribution(d) = &mut r.config else { continue };
        match &deliveries {
            Some(by_distribution) => {
                d.access_log_destinations = by_distribution.get(&r.arn).cloned().unwrap_or_default();
            }
            None => r.unknown.push("access_log_destinations".to_string()),
        }
    }
    distributions.into_iter().chain(controls).collect()
}

/// Standard logging v2: CloudWatch Logs delivery sources of CloudFront access logs, their
/// deliveries and the destinations' resources, by distribution ARN. `None` when any of the three
/// listings failed (the gaps say which): then no distribution's v2 logging is known.
async fn log_deliveries(ctx: &Ctx<'_>) -> Option<BTreeMap<String, Vec<String>>> {
    // CloudFront's delivery sources live in us-east-1, like the distribution's other global data.
    let region = ctx.aws.global_region();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&ctx.aws.in_region(&region));
    let target = Target::region(&region);
    let (sources, deliveries, destinations) = futures::join!(
        ctx.api.pages(
            Op::LogsDescribeDeliverySources,
            target,
            logs.describe_delivery_sources().into_paginator().send(),
            |p| p.delivery_sources.unwrap_or_default()
        ),
        ctx.api.pages(Op::LogsDescribeDeliveries, target, logs.describe_deliveries().into_paginator().send(), |p| p
            .deliveries
            .unwrap_or_default()),
        ctx.api.pages(
            Op::LogsDescribeDeliveryDestinations,
            target,
            logs.describe_delivery_destinations().into_paginator().send(),
            |p| p.delivery_destinations.unwrap_or_default()
        ),
    );
    let (Read::Found(sources), Read::Found(deliveries), Read::Found(destinations)) =
        (sources, deliveries, destinations)
    else {
        return None;
    };
    // Destination ARN → the resource it writes to.
    let resource_of: BTreeMap<&str, &str> = destinations
        .iter()
        .filter_map(|d| Some((d.arn()?, d.delivery_destination_configuration()?.destination_resource_arn())))
        .collect();
    let mut by_distribution: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for source in sources.iter().filter(|s| s.service() == Some("cloudfront") && s.log_type() == Some("ACCESS_LOGS")) {
        let targets: Vec<String> = deliveries
            .iter()
            .filter(|d| d.delivery_source_name().is_some() && d.delivery_source_name() == source.name())
            .filter_map(|d| d.delivery_destination_arn())
            .map(|arn| resource_of.get(arn).copied().unwrap_or(arn).to_string())
            .collect();
        for distribution in source.resource_arns() {
            by_distribution.entry(distribution.clone()).or_default().extend(targets.iter().cloned());
        }
    }
    for targets in by_distribution.values_mut() {
        targets.sort();
        targets.dedup();
    }
    Some(by_distribution)
}

async fn distributions(ctx: &Ctx<'_>, client: &Client) -> Vec<Resource> {
    let stream = client.list_distributions().into_paginator().send();
    let Read::Found(summaries) = ctx
        .api
        .pages(Op::CloudFrontListDistributions, Target::region(REGION), stream, |p| {
            p.distribution_list.map(|l| l.items.unwrap_or_default()).unwrap_or_default()
        })
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(summaries.iter().map(|s| distribution(ctx, client, &s.id, &s.arn))).await;
    found.into_iter().flatten().collect()
}

async fn distribution(ctx: &Ctx<'_>, client: &Client, id: &str, arn: &str) -> Option<Resource> {
    let mut unknown = Vec::new();
    let tags = ctx
        .api
        .call(
            Op::CloudFrontListTagsForResource,
            Target::field(REGION, arn, "tags"),
            client.list_tags_for_resource().resource(arn).send(),
        )
        .await
        .or_note("tags", &mut unknown)
        .and_then(|t| t.tags)
        .map(|t| tags(t.items.unwrap_or_default().into_iter().map(|t| (t.key, t.value.unwrap_or_default()))))
        .unwrap_or_default();
    if ctx.scope.early(&tags) == Early::Drop {
        return None;
    }
    let detail = ctx
        .api
        .call(Op::CloudFrontGetDistribution, Target::resource(REGION, arn), client.get_distribution().id(id).send())
        .await
        .found();
    let Some(distribution) = detail.and_then(|d| d.distribution) else {
        // The summary alone cannot say everything (logging); keep the resource, marked.
        let mut r = ctx.resource(
            arn.to_string(),
            id.to_string(),
            REGION,
            tags,
            ResourceConfig::CloudFrontDistribution(Box::default()),
        );
        unknown.push("config".to_string());
        r.unknown = unknown;
        return Some(r);
    };
    let mut config = from_config(distribution.distribution_config.as_ref());
    config.domain_name = distribution.domain_name.clone();
    config.status = Some(distribution.status.clone());
    config.last_modified = Some(super::convert::ts(&distribution.last_modified_time));
    let mut r = ctx.resource(
        arn.to_string(),
        id.to_string(),
        REGION,
        tags,
        ResourceConfig::CloudFrontDistribution(Box::new(config)),
    );
    r.unknown = unknown;
    Some(r)
}

fn from_config(config: Option<&DistributionConfig>) -> CloudFrontDistribution {
    let Some(c) = config else {
        return CloudFrontDistribution::default();
    };
    let viewer = c.viewer_certificate.as_ref();
    // The default behaviour and the ordered ones are different SDK types with the same fields.
    macro_rules! behavior {
        ($b:expr, $path:expr) => {
            CacheBehavior {
                path_pattern: $path,
                target_origin_id: $b.target_origin_id.clone(),
                viewer_protocol_policy: $b.viewer_protocol_policy.as_str().to_string(),
                allowed_methods: $b
                    .allowed_methods
                    .as_ref()
                    .map(|m| m.items.iter().map(|i| i.as_str().to_string()).collect())
                    .unwrap_or_default(),
                cache_policy_id: non_empty($b.cache_policy_id()),
                origin_request_policy_id: non_empty($b.origin_request_policy_id()),
                response_headers_policy_id: non_empty($b.response_headers_policy_id()),
                field_level_encryption_id: non_empty($b.field_level_encryption_id()),
                function_associations: function_arns(
                    $b.lambda_function_associations.as_ref(),
                    $b.function_associations.as_ref(),
                ),
            }
        };
    }
    let mut cache_behaviors: Vec<CacheBehavior> = c.default_cache_behavior.iter().map(|d| behavior!(d, None)).collect();
    for b in c.cache_behaviors.as_ref().map(|b| b.items()).unwrap_or_default() {
        cache_behaviors.push(behavior!(b, Some(b.path_pattern.clone())));
    }
    let origins = c
        .origins
        .as_ref()
        .map(|o| o.items())
        .unwrap_or_default()
        .iter()
        .map(|o| {
            let custom = o.custom_origin_config.as_ref();
            let kind = origin_kind(
                &o.domain_name,
                o.s3_origin_config.is_some()
                    || o.origin_access_control_id().is_some_and(|id| !id.is_empty()) && custom.is_none(),
            );
            Origin {
                id: o.id.clone(),
                domain_name: o.domain_name.clone(),
                origin_path: non_empty(o.origin_path()),
                kind,
                bucket: bucket_of(&o.domain_name, kind),
                origin_access_control_id: non_empty(o.origin_access_control_id()),
                origin_access_identity: o
                    .s3_origin_config
                    .as_ref()
                    .and_then(|s| non_empty(Some(s.origin_access_identity.as_str()))),
                origin_protocol_policy: custom.map(|c| c.origin_protocol_policy.as_str().to_string()),
                origin_ssl_protocols: custom
                    .and_then(|c| c.origin_ssl_protocols.as_ref())
                    .map(|p| p.items.iter().map(|i| i.as_str().to_string()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    CloudFrontDistribution {
        domain_name: String::new(),
        status: None,
        enabled: c.enabled,
        comment: non_empty(Some(c.comment.as_str())),
        aliases: c.aliases.as_ref().map(|a| a.items().to_vec()).unwrap_or_default(),
        price_class: c.price_class.as_ref().map(|p| p.as_str().to_string()),
        http_version: c.http_version.as_ref().map(|h| h.as_str().to_string()),
        default_root_object: non_empty(c.default_root_object()),
        viewer_certificate: ViewerCertificate {
            cloudfront_default_certificate: viewer
                .and_then(|v| v.cloud_front_default_certificate)
                .unwrap_or(viewer.is_none()),
            acm_certificate_arn: viewer.and_then(|v| non_empty(v.acm_certificate_arn())),
            iam_certificate_id: viewer.and_then(|v| non_empty(v.iam_certificate_id())),
            ssl_support_method: viewer.and_then(|v| v.ssl_support_method.as_ref().map(|m| m.as_str().to_string())),
            minimum_protocol_version: viewer
                .and_then(|v| v.minimum_protocol_version.as_ref().map(|m| m.as_str().to_string())),
        },
        cache_behaviors,
        origins,
        logging: c.logging.as_ref().filter(|l| l.enabled).map(|l| DistributionLogging {
            bucket: l.bucket.clone(),
            prefix: l.prefix.clone(),
            include_cookies: l.include_cookies,
        }),
        web_acl_id: non_empty(c.web_acl_id()),
        last_modified: None,
        access_log_destinations: Vec::new(),
    }
}

fn function_arns(
    lambda: Option<&aws_sdk_cloudfront::types::LambdaFunctionAssociations>,
    functions: Option<&aws_sdk_cloudfront::types::FunctionAssociations>,
) -> Vec<String> {
    let mut arns: Vec<String> =
        lambda.map(|l| l.items().iter().map(|a| a.lambda_function_arn.clone()).collect()).unwrap_or_default();
    arns.extend(
        functions.map(|f| f.items().iter().map(|a| a.function_arn.clone()).collect::<Vec<_>>()).unwrap_or_default(),
    );
    arns
}

fn origin_kind(domain: &str, s3_config: bool) -> OriginKind {
    let domain = domain.to_ascii_lowercase();
    if domain.contains(".lambda-url.") {
        OriginKind::LambdaFunctionUrl
    } else if domain.contains(".s3-website") || domain.contains(".s3-website-") {
        OriginKind::S3Website
    } else if s3_config
        || domain.ends_with(".amazonaws.com") && domain.contains(".s3.")
        || domain.ends_with(".s3.amazonaws.com")
    {
        OriginKind::S3
    } else {
        OriginKind::Custom
    }
}

/// `assets.s3.us-east-1.amazonaws.com` → `assets`.
fn bucket_of(domain: &str, kind: OriginKind) -> Option<String> {
    match kind {
        OriginKind::S3 | OriginKind::S3Website => {
            let lower = domain.to_ascii_lowercase();
            let end = lower.find(".s3.").or_else(|| lower.find(".s3-"))?;
            Some(domain[..end].to_string())
        }
        _ => None,
    }
}

async fn origin_access_controls(ctx: &Ctx<'_>, client: &Client) -> Vec<Resource> {
    let stream = client.list_origin_access_controls().into_paginator().send();
    let Read::Found(items) = ctx
        .api
        .pages(Op::CloudFrontListOriginAccessControls, Target::region(REGION), stream, |p| {
            p.origin_access_control_list.map(|l| l.items.unwrap_or_default()).unwrap_or_default()
        })
        .await
    else {
        return Vec::new();
    };
    items
        .into_iter()
        .map(|oac| {
            let arn = format!("arn:{}:cloudfront::{}:origin-access-control/{}", ctx.partition, ctx.account, oac.id);
            let config = CloudFrontOriginAccessControl {
                id: oac.id.clone(),
                description: non_empty(Some(oac.description.as_str())),
                origin_type: oac.origin_access_control_origin_type.as_str().to_string(),
                signing_protocol: oac.signing_protocol.as_str().to_string(),
                signing_behavior: oac.signing_behavior.as_str().to_string(),
            };
            ctx.resource(arn, oac.name, REGION, BTreeMap::new(), ResourceConfig::CloudFrontOriginAccessControl(config))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_kinds_and_buckets() {
        assert_eq!(origin_kind("abc.lambda-url.us-east-1.on.aws", false), OriginKind::LambdaFunctionUrl);
        assert_eq!(origin_kind("assets.s3.us-east-1.amazonaws.com", false), OriginKind::S3);
        assert_eq!(origin_kind("assets.s3.amazonaws.com", false), OriginKind::S3);
        assert_eq!(origin_kind("assets.s3-website-us-east-1.amazonaws.com", false), OriginKind::S3Website);
        assert_eq!(origin_kind("api.example.com", false), OriginKind::Custom);
        assert_eq!(bucket_of("my-assets.s3.us-east-1.amazonaws.com", OriginKind::S3).as_deref(), Some("my-assets"));
    }
}
