//! S3: the account-level public access block (S3 Control) and every bucket's configuration.

use super::Ctx;
use super::api::{Op, Read, Target};
use super::convert::{non_empty, opt_ts, policy_document, tags};
use crate::scope::Early;
use aws_sdk_s3::Client;
use bbscan_model::*;
use std::collections::BTreeMap;

/// S3 and S3 Control send the four switches in two SDK types of the same shape.
macro_rules! public_access_block {
    ($c:expr) => {
        PublicAccessBlock {
            block_public_acls: $c.block_public_acls.unwrap_or(false),
            ignore_public_acls: $c.ignore_public_acls.unwrap_or(false),
            block_public_policy: $c.block_public_policy.unwrap_or(false),
            restrict_public_buckets: $c.restrict_public_buckets.unwrap_or(false),
        }
    };
}

pub async fn collect(ctx: &Ctx<'_>) -> Vec<Resource> {
    let global = ctx.aws.global_region();
    let client = ctx.aws.s3(&global);
    let (account_block, buckets) =
        futures::join!(account_public_access_block(ctx), list_buckets(ctx, &client, &global));
    let mut resources: Vec<Resource> = account_block.into_iter().collect();
    let buckets = futures::future::join_all(
        buckets.into_iter().map(|(name, created, region)| bucket(ctx, name, created, region)),
    )
    .await;
    resources.extend(buckets.into_iter().flatten());
    resources
}

async fn account_public_access_block(ctx: &Ctx<'_>) -> Option<Resource> {
    let client = ctx.aws.s3control(&ctx.account);
    let arn = format!("arn:{}:s3::{}:account-public-access-block", ctx.partition, ctx.account);
    let read = ctx
        .api
        .call(
            Op::S3ControlGetPublicAccessBlock,
            Target::field("global", &arn, "configuration"),
            client.get_public_access_block().account_id(&ctx.account).send(),
        )
        .await;
    let mut unknown = Vec::new();
    let configuration = read
        .or_note("configuration", &mut unknown)
        .and_then(|o| o.public_access_block_configuration)
        .map(|c| public_access_block!(c));
    let mut r = ctx.resource(
        arn,
        ctx.account.clone(),
        "global",
        BTreeMap::new(),
        ResourceConfig::S3AccountPublicAccessBlock(S3AccountPublicAccessBlock { configuration }),
    );
    r.unknown = unknown;
    Some(r)
}

/// Bucket name, creation date and region (when `ListBuckets` says it).
async fn list_buckets(ctx: &Ctx<'_>, client: &Client, global: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let stream = client.list_buckets().into_paginator().send();
    match ctx.api.pages(Op::S3ListBuckets, Target::region(global), stream, |p| p.buckets.unwrap_or_default()).await {
        Read::Found(buckets) => buckets
            .into_iter()
            .filter_map(|b| Some((b.name?, opt_ts(b.creation_date.as_ref()), b.bucket_region)))
            .collect(),
        _ => Vec::new(),
    }
}

/// One bucket read again (remediation), in a known region.
pub(crate) async fn bucket_again(ctx: &Ctx<'_>, name: &str, region: &str) -> Option<Resource> {
    bucket(ctx, name.to_string(), None, Some(region.to_string())).await
}

/// The account-level public access block read again (remediation).
pub(crate) async fn account_again(ctx: &Ctx<'_>) -> Option<Resource> {
    account_public_access_block(ctx).await
}

async fn bucket(
    ctx: &Ctx<'_>,
    name: String,
    creation_date: Option<String>,
    region: Option<String>,
) -> Option<Resource> {
    let global = ctx.aws.global_region();
    let arn = format!("arn:{}:s3:::{}", ctx.partition, name);
    let region = match region {
        Some(r) => r,
        None => {
            let location = ctx
                .api
                .call(
                    Op::S3GetBucketLocation,
                    Target::resource(&global, &arn),
                    ctx.aws.s3(&global).get_bucket_location().bucket(&name).send(),
                )
                .await
                .found()?;
            // An empty location constraint is us-east-1; `EU` is the legacy name of eu-west-1.
            match location.location_constraint().map(|c| c.as_str()) {
                None | Some("") => "us-east-1".to_string(),
                Some("EU") => "eu-west-1".to_string(),
                Some(other) => other.to_string(),
            }
        }
    };
    let client = ctx.aws.s3(&region);
    let mut unknown = Vec::new();
    let tags = ctx
        .api
        .call(
            Op::S3GetBucketTagging,
            Target::field(&region, &arn, "tags"),
            client.get_bucket_tagging().bucket(&name).send(),
        )
        .await
        .or_note("tags", &mut unknown)
        .map(|t| tags(t.tag_set.iter().map(|t| (t.key.as_str(), t.value.as_str()))))
        .unwrap_or_default();
    if ctx.scope.early(&tags) == Early::Drop {
        return None;
    }
    let f = |field: &'static str| Target::field(&region, &arn, field);
    let (pab, policy, acl, ownership, encryption, versioning, lifecycle, logging, lock) = futures::join!(
        ctx.api.call(
            Op::S3GetBucketPublicAccessBlock,
            f("public_access_block"),
            client.get_public_access_block().bucket(&name).send()
        ),
        ctx.api.call(Op::S3GetBucketPolicy, f("policy"), client.get_bucket_policy().bucket(&name).send()),
        ctx.api.call(Op::S3GetBucketAcl, f("acl"), client.get_bucket_acl().bucket(&name).send()),
        ctx.api.call(
            Op::S3GetBucketOwnershipControls,
            f("object_ownership"),
            client.get_bucket_ownership_controls().bucket(&name).send()
        ),
        ctx.api.call(
            Op::S3GetEncryptionConfiguration,
            f("encryption"),
            client.get_bucket_encryption().bucket(&name).send()
        ),
        ctx.api.call(Op::S3GetBucketVersioning, f("versioning"), client.get_bucket_versioning().bucket(&name).send()),
        ctx.api.call(
            Op::S3GetLifecycleConfiguration,
            f("lifecycle_rules"),
            client.get_bucket_lifecycle_configuration().bucket(&name).send()
        ),
        ctx.api.call(Op::S3GetBucketLogging, f("logging"), client.get_bucket_logging().bucket(&name).send()),
        ctx.api.call(
            Op::S3GetBucketObjectLockConfiguration,
            f("object_lock"),
            client.get_object_lock_configuration().bucket(&name).send()
        ),
    );
    let public_access_block = pab
        .or_note("public_access_block", &mut unknown)
        .and_then(|o| o.public_access_block_configuration)
        .map(|c| public_access_block!(c));

    let policy =
        policy.or_note("policy", &mut unknown).and_then(|p| p.policy).map(|text| match policy_document(&text) {
            Ok(doc) => doc,
            Err(message) => {
                ctx.api.record_gap(Gap {
                    service: "s3".into(),
                    operation: "GetBucketPolicy".into(),
                    region: region.clone(),
                    resource: Some(arn.clone()),
                    field: Some("policy".into()),
                    reason: GapReason::MalformedResponse,
                    error_code: None,
                    message,
                });
                serde_json::Value::String(text)
            }
        });
    // S3's own public verdict only means something when there is a policy.
    let policy_is_public = if policy.is_some() {
        ctx.api
            .call(
                Op::S3GetBucketPolicyStatus,
                f("policy_is_public"),
                client.get_bucket_policy_status().bucket(&name).send(),
            )
            .await
            .or_note("policy_is_public", &mut unknown)
            .and_then(|s| s.policy_status)
            .and_then(|s| s.is_public)
    } else {
        None
    };

    let acl = acl.or_note("acl", &mut unknown).map(|a| BucketAcl {
        owner_id: a.owner.as_ref().and_then(|o| o.id.clone()),
        grants: a
            .grants()
            .iter()
            .map(|g| AclGrant {
                grantee_type: g.grantee.as_ref().map(|e| e.r#type.as_str().to_string()).unwrap_or_default(),
                grantee_id: g.grantee.as_ref().and_then(|e| e.id.clone()),
                grantee_uri: g.grantee.as_ref().and_then(|e| e.uri.clone()),
                permission: g.permission.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
            })
            .collect(),
    });

    let object_ownership = ownership
        .or_note("object_ownership", &mut unknown)
        .and_then(|o| o.ownership_controls)
        .and_then(|c| c.rules.first().map(|r| r.object_ownership.as_str().to_string()));

    let encryption =
        encryption.or_note("encryption", &mut unknown).and_then(|o| o.server_side_encryption_configuration).map(|c| {
            c.rules
                .iter()
                .map(|r| {
                    let default = r.apply_server_side_encryption_by_default.as_ref();
                    EncryptionRule {
                        sse_algorithm: default.map(|d| d.sse_algorithm.as_str().to_string()).unwrap_or_default(),
                        kms_master_key_id: default.and_then(|d| non_empty(d.kms_master_key_id())),
                        bucket_key_enabled: r.bucket_key_enabled,
                    }
                })
                .collect()
        });

    let versioning = versioning
        .or_note("versioning", &mut unknown)
        .map(|v| Versioning {
            status: v.status.map(|s| s.as_str().to_string()),
            mfa_delete: v.mfa_delete.map(|s| s.as_str().to_string()),
        })
        .unwrap_or_default();

    let lifecycle_rules =
        lifecycle.or_note("lifecycle_rules", &mut unknown).map(|o| o.rules().iter().map(lifecycle_rule).collect());

    let logging = logging
        .or_note("logging", &mut unknown)
        .and_then(|l| l.logging_enabled)
        .map(|e| BucketLogging { target_bucket: e.target_bucket, target_prefix: e.target_prefix });

    let object_lock = lock.or_note("object_lock", &mut unknown).and_then(|o| o.object_lock_configuration).map(|c| {
        let retention = c.rule.as_ref().and_then(|r| r.default_retention.as_ref());
        ObjectLock {
            enabled: c.object_lock_enabled.as_ref().is_some_and(|e| e.as_str() == "Enabled"),
            default_retention_mode: retention.and_then(|d| d.mode.as_ref().map(|m| m.as_str().to_string())),
            default_retention_days: retention.and_then(|d| d.days),
            default_retention_years: retention.and_then(|d| d.years),
        }
    });

    let config = S3Bucket {
        creation_date,
        public_access_block,
        policy,
        policy_is_public,
        acl,
        object_ownership,
        encryption,
        versioning,
        lifecycle_rules,
        logging,
        object_lock,
    };
    let mut r = ctx.resource(arn, name, &region, tags, ResourceConfig::S3Bucket(Box::new(config)));
    r.unknown = unknown;
    Some(r)
}

fn lifecycle_rule(r: &aws_sdk_s3::types::LifecycleRule) -> LifecycleRule {
    LifecycleRule {
        id: r.id.clone(),
        status: r.status.as_str().to_string(),
        filter: r.filter.as_ref().map(|f| {
            let mut filter = serde_json::Map::new();
            if let Some(p) = f.prefix() {
                filter.insert("prefix".into(), p.into());
            }
            if let Some(t) = f.tag() {
                filter.insert("tag".into(), serde_json::json!({"key": t.key, "value": t.value}));
            }
            if let Some(and) = f.and() {
                filter.insert("and_prefix".into(), and.prefix().unwrap_or_default().into());
            }
            serde_json::Value::Object(filter)
        }),
        expiration_days: r.expiration.as_ref().and_then(|e| e.days),
        noncurrent_version_expiration_days: r.noncurrent_version_expiration.as_ref().and_then(|e| e.noncurrent_days),
        abort_incomplete_multipart_upload_days: r
            .abort_incomplete_multipart_upload
            .as_ref()
            .and_then(|a| a.days_after_initiation),
        transitions: r
            .transitions()
            .iter()
            .map(|t| LifecycleTransition {
                days: t.days,
                storage_class: t.storage_class.as_ref().map(|c| c.as_str().to_string()),
                noncurrent: false,
            })
            .chain(r.noncurrent_version_transitions().iter().map(|t| LifecycleTransition {
                days: t.noncurrent_days,
                storage_class: t.storage_class.as_ref().map(|c| c.as_str().to_string()),
                noncurrent: true,
            }))
            .collect(),
    }
}
