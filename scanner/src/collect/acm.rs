//! ACM: certificates with status, expiry and what uses them.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, opt_ts, tags};
use crate::scope::Early;
use aws_sdk_acm::Client;
use bbscan_model::*;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let stream = client.list_certificates().into_paginator().send();
    let Read::Found(summaries) = ctx
        .api
        .pages(Op::AcmListCertificates, Target::region(region), stream, |p| {
            p.certificate_summary_list.unwrap_or_default()
        })
        .await
    else {
        return Vec::new();
    };
    let found = futures::future::join_all(summaries.into_iter().map(|s| {
        let client = &client;
        async move {
            let arn = s.certificate_arn()?.to_string();
            let mut unknown = Vec::new();
            let tags = ctx
                .api
                .call(
                    Op::AcmListTagsForCertificate,
                    Target::field(region, &arn, "tags"),
                    client.list_tags_for_certificate().certificate_arn(&arn).send(),
                )
                .await
                .or_note("tags", &mut unknown)
                .map(|t| tags(t.tags().iter().map(|t| (t.key(), t.value().unwrap_or_default()))))
                .unwrap_or_default();
            if ctx.scope.early(&tags) == Early::Drop {
                return None;
            }
            let detail = ctx
                .api
                .call(
                    Op::AcmDescribeCertificate,
                    Target::resource(region, &arn),
                    client.describe_certificate().certificate_arn(&arn).send(),
                )
                .await
                .found()
                .and_then(|d| d.certificate);
            let config = match &detail {
                Some(c) => AcmCertificate {
                    domain_name: non_empty(c.domain_name()),
                    // Sorted: the order carries no meaning and some endpoints vary it.
                    subject_alternative_names: sorted(c.subject_alternative_names()),
                    status: c.status().map(|s| s.as_str().to_string()),
                    certificate_type: c.r#type().map(|t| t.as_str().to_string()),
                    key_algorithm: c.key_algorithm().map(|k| k.as_str().to_string()),
                    not_before: opt_ts(c.not_before()),
                    not_after: opt_ts(c.not_after()),
                    in_use_by: sorted(c.in_use_by()),
                    renewal_eligibility: c.renewal_eligibility().map(|r| r.as_str().to_string()),
                },
                None => {
                    unknown.push("config".to_string());
                    AcmCertificate { domain_name: non_empty(s.domain_name()), ..AcmCertificate::default() }
                }
            };
            let name = config.domain_name.clone().unwrap_or_else(|| arn.clone());
            let mut r = ctx.resource(arn, name, region, tags, ResourceConfig::AcmCertificate(config));
            r.unknown = unknown;
            Some(r)
        }
    }))
    .await;
    found.into_iter().flatten().collect()
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items
}
