//! KMS: customer-managed keys with rotation, aliases, tags and key policy. AWS-managed keys are skipped
//! (their rotation is AWS's business).

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, opt_ts, policy_document, tags};
use crate::scope::Early;
use aws_sdk_kms::Client;
use aws_sdk_kms::types::{KeyManagerType, KeySpec, OriginType};
use bbscan_model::*;
use std::collections::BTreeMap;

pub async fn collect(ctx: &Ctx<'_>, region: &str) -> Vec<Resource> {
    let client = Client::new(&ctx.aws.in_region(region));
    let (keys, aliases) = futures::join!(
        ctx.api.pages(Op::KmsListKeys, Target::region(region), client.list_keys().into_paginator().send(), |p| p
            .keys
            .unwrap_or_default()),
        ctx.api.pages(Op::KmsListAliases, Target::region(region), client.list_aliases().into_paginator().send(), |p| p
            .aliases
            .unwrap_or_default()),
    );
    let Read::Found(keys) = keys else {
        return Vec::new();
    };
    let aliases_known = matches!(aliases, Read::Found(_));
    let mut aliases_by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for alias in aliases.found().unwrap_or_default() {
        if let (Some(key), Some(name)) = (alias.target_key_id, alias.alias_name) {
            aliases_by_key.entry(key).or_default().push(name);
        }
    }
    let found = futures::future::join_all(keys.into_iter().map(|k| {
        let client = &client;
        let aliases_by_key = &aliases_by_key;
        async move {
            let key_id = k.key_id()?.to_string();
            let arn = k.key_arn().unwrap_or_default().to_string();
            let meta = ctx
                .api
                .call(Op::KmsDescribeKey, Target::resource(region, &arn), client.describe_key().key_id(&key_id).send())
                .await
                .found()
                .and_then(|d| d.key_metadata)?;
            // AWS-managed keys (`alias/aws/s3` …) are kept, marked: rules must tell them apart
            // (AWS rotates them and they cannot be tagged), and encryption rules may ask which
            // kind of key a resource uses.
            let aws_managed = meta.key_manager() == Some(&KeyManagerType::Aws);
            let mut unknown = Vec::new();
            if !aliases_known {
                unknown.push("aliases".to_string());
            }
            let tags = if aws_managed {
                // Not taggable: nothing to ask.
                Default::default()
            } else {
                ctx.api
                    .call(
                        Op::KmsListResourceTags,
                        Target::field(region, &arn, "tags"),
                        client.list_resource_tags().key_id(&key_id).send(),
                    )
                    .await
                    .or_note("tags", &mut unknown)
                    .map(|t| tags(t.tags().iter().map(|t| (t.tag_key(), t.tag_value()))))
                    .unwrap_or_default()
            };
            if ctx.scope.early(&tags) == Early::Drop {
                return None;
            }
            // Rotation applies to symmetric keys with KMS key material only.
            // AWS rotates its managed keys itself, every year.
            let rotatable = !aws_managed
                && meta.key_spec() == Some(&KeySpec::SymmetricDefault)
                && meta.origin() == Some(&OriginType::AwsKms);
            let (rotation_enabled, rotation_period_in_days) = if rotatable {
                ctx.api
                    .call(
                        Op::KmsGetKeyRotationStatus,
                        Target::field(region, &arn, "rotation_enabled"),
                        client.get_key_rotation_status().key_id(&key_id).send(),
                    )
                    .await
                    .or_note("rotation_enabled", &mut unknown)
                    .map_or((None, None), |s| (Some(s.key_rotation_enabled()), s.rotation_period_in_days()))
            } else {
                (None, None)
            };
            let policy = ctx
                .api
                .call(
                    Op::KmsGetKeyPolicy,
                    Target::field(region, &arn, "policy"),
                    client.get_key_policy().key_id(&key_id).policy_name("default").send(),
                )
                .await
                .or_note("policy", &mut unknown)
                .and_then(|p| p.policy)
                .map(|raw| policy_document(&raw).unwrap_or(serde_json::Value::String(raw)));
            let config = KmsKey {
                key_id: key_id.clone(),
                key_manager: meta.key_manager().map(|m| m.as_str().to_string()),
                description: non_empty(meta.description()),
                key_state: meta.key_state().map(|s| s.as_str().to_string()),
                key_usage: meta.key_usage().map(|s| s.as_str().to_string()),
                key_spec: meta.key_spec().map(|s| s.as_str().to_string()),
                origin: meta.origin().map(|s| s.as_str().to_string()),
                multi_region: meta.multi_region(),
                creation_date: opt_ts(meta.creation_date()),
                deletion_date: opt_ts(meta.deletion_date()),
                rotation_enabled,
                rotation_period_in_days,
                aliases: aliases_by_key.get(&key_id).cloned().unwrap_or_default(),
                policy,
            };
            let mut r = ctx.resource(arn, key_id, region, tags, ResourceConfig::KmsKey(config));
            r.unknown = unknown;
            Some(r)
        }
    }))
    .await;
    found.into_iter().flatten().collect()
}
