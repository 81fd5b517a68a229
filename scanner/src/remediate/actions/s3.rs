//! S3 actions: public access blocks, default encryption, versioning, a noncurrent-version
//! lifecycle rule, and bucket policy statements (one added or one removed, the rest kept).

use super::{Prepared, WriteError, Writer, edit, expect_target, not_reversible, param, require_known, write_err};
use crate::remediate::plan::Step;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, ExpirationStatus, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use bbscan_model::Resource;
use serde_json::{Value, json};

/// The Sid of the statement `s3.add_secure_transport_deny` adds (and rollback removes).
pub const SECURE_TRANSPORT_SID: &str = "BbscanDenyInsecureTransport";
/// The id of the lifecycle rule `s3.put_noncurrent_version_expiration` adds.
pub const LIFECYCLE_RULE_ID: &str = "bbscan-expire-noncurrent-versions";

fn all_on() -> Value {
    json!({"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true})
}

fn block(on: &Value) -> PublicAccessBlockConfiguration {
    let get = |k: &str| on.get(k).and_then(Value::as_bool).unwrap_or(false);
    PublicAccessBlockConfiguration::builder()
        .block_public_acls(get("block_public_acls"))
        .ignore_public_acls(get("ignore_public_acls"))
        .block_public_policy(get("block_public_policy"))
        .restrict_public_buckets(get("restrict_public_buckets"))
        .build()
}

/// The statements of a policy document, as a list.
fn statements(policy: &Value) -> Vec<Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn with_statements(policy: &Value, statements: Vec<Value>) -> Value {
    if statements.is_empty() {
        return Value::Null;
    }
    let mut doc = if policy.is_object() { policy.clone() } else { json!({"Version": "2012-10-17"}) };
    doc["Statement"] = Value::Array(statements);
    doc
}

fn deny_insecure(bucket_arn: &str) -> Value {
    json!({
        "Sid": SECURE_TRANSPORT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, format!("{bucket_arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    let bucket = Some((params, "bucket"));
    let (edits, risks, reversible): (Vec<(String, Value)>, Vec<String>, bool) = match kind {
        "s3.put_public_access_block" => {
            expect_target(r, "s3.bucket", bucket)?;
            require_known(r, "public_access_block")?;
            (
                vec![("/config/public_access_block".into(), all_on())],
                vec![
                    "Public ACLs and public bucket policy grants stop working: direct public S3 URLs break. Serve \
                     public content through CloudFront with an origin access control first."
                        .into(),
                ],
                true,
            )
        }
        "s3.put_account_public_access_block" => {
            expect_target(r, "s3.account_public_access_block", None)?;
            require_known(r, "configuration")?;
            (
                vec![("/config/configuration".into(), all_on())],
                vec!["Applies to every bucket of the account, including ones outside this stage.".into()],
                true,
            )
        }
        "s3.put_default_encryption" => {
            expect_target(r, "s3.bucket", bucket)?;
            require_known(r, "encryption")?;
            let algorithm = param(params, "sse_algorithm");
            let key = params.get("kms_master_key_id").or(params.get("kms_key_id")).cloned().unwrap_or(Value::Null);
            let bucket_key = if algorithm == "aws:kms" { Value::Bool(true) } else { Value::Null };
            let mut risks =
                vec!["Only objects written from now on are encrypted this way; existing objects keep theirs.".into()];
            if algorithm == "aws:kms" {
                risks.push("Readers and writers need kms:Decrypt / kms:GenerateDataKey on the key.".into());
            }
            (
                vec![(
                    "/config/encryption".into(),
                    json!([{"sse_algorithm": algorithm, "kms_master_key_id": key, "bucket_key_enabled": bucket_key}]),
                )],
                risks,
                true,
            )
        }
        "s3.enable_versioning" => {
            expect_target(r, "s3.bucket", bucket)?;
            require_known(r, "versioning")?;
            (
                vec![("/config/versioning/status".into(), json!("Enabled"))],
                vec![
                    "Versioning can later be suspended but never turned off again; rollback suspends it.".into(),
                    "Every overwrite keeps the old version: add a noncurrent-version lifecycle rule for cost.".into(),
                ],
                false,
            )
        }
        "s3.put_noncurrent_version_expiration" => {
            expect_target(r, "s3.bucket", bucket)?;
            require_known(r, "lifecycle_rules")?;
            let days = params.get("days").and_then(Value::as_i64).unwrap_or(90);
            let mut rules = match crate::remediate::actions::document(r).pointer("/config/lifecycle_rules") {
                Some(Value::Array(rules)) => rules.clone(),
                _ => Vec::new(),
            };
            rules.push(json!({
                "id": LIFECYCLE_RULE_ID, "status": "Enabled", "filter": {"prefix": ""}, "expiration_days": null,
                "noncurrent_version_expiration_days": days, "abort_incomplete_multipart_upload_days": null,
                "transitions": []
            }));
            // Rollback puts the rules back, but versions expired meanwhile are gone for good.
            (
                vec![("/config/lifecycle_rules".into(), Value::Array(rules))],
                vec![format!(
                    "Object versions become unrecoverable {days} days after they stop being current; rollback \
                     restores the rules, not the versions expired meanwhile."
                )],
                false,
            )
        }
        "s3.add_secure_transport_deny" => {
            expect_target(r, "s3.bucket", bucket)?;
            require_known(r, "policy")?;
            let policy =
                crate::remediate::actions::document(r).pointer("/config/policy").cloned().unwrap_or(Value::Null);
            if policy.is_string() {
                return Err(format!("the policy of {} could not be decoded; fix it by hand", r.name));
            }
            let mut list = statements(&policy);
            list.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(SECURE_TRANSPORT_SID));
            list.push(deny_insecure(&r.arn));
            (
                vec![("/config/policy".into(), with_statements(&policy, list))],
                vec!["Clients that call S3 over plain HTTP (no TLS) are refused.".into()],
                true,
            )
        }
        "s3.remove_policy_statement" => {
            expect_target(r, "s3.bucket", bucket)?;
            require_known(r, "policy")?;
            let policy =
                crate::remediate::actions::document(r).pointer("/config/policy").cloned().unwrap_or(Value::Null);
            let pointer = param(params, "statement");
            let index = match pointer {
                "/Statement" => 0,
                p => p
                    .strip_prefix("/Statement/")
                    .and_then(|i| i.parse::<usize>().ok())
                    .ok_or_else(|| format!("statement {p:?} is not a pointer like /Statement/1"))?,
            };
            let mut list = statements(&policy);
            if index >= list.len() {
                return Err(format!("the policy of {} has no statement {pointer}", r.name));
            }
            if list[index].get("Effect").and_then(Value::as_str) != Some("Allow") {
                return Err(format!(
                    "statement {pointer} of {}'s policy is not an Allow: removing it could only widen access",
                    r.name
                ));
            }
            let removed = list.remove(index);
            let sid = removed.get("Sid").and_then(Value::as_str).unwrap_or("(no Sid)");
            (
                vec![("/config/policy".into(), with_statements(&policy, list))],
                vec![format!(
                    "Whoever statement {sid} granted loses that access; every other statement of the policy stays."
                )],
                true,
            )
        }
        other => return Err(format!("no implementation of {other}")),
    };
    let (changes, after) = edit(r, edits)?;
    Ok(Prepared { changes, risks, reversible, after })
}

fn bucket_name(step: &Step) -> &str {
    step.params.get("bucket").and_then(Value::as_str).unwrap_or(&step.name)
}

async fn put_policy(w: &Writer<'_>, step: &Step, policy: &Value) -> Result<(), WriteError> {
    let client = w.aws.s3(&step.region);
    if policy.is_null() {
        client
            .delete_bucket_policy()
            .bucket(bucket_name(step))
            .send()
            .await
            .map_err(write_err("s3:DeleteBucketPolicy"))?;
    } else {
        let text = serde_json::to_string(policy).unwrap_or_default();
        client
            .put_bucket_policy()
            .bucket(bucket_name(step))
            .policy(text)
            .send()
            .await
            .map_err(write_err("s3:PutBucketPolicy"))?;
    }
    Ok(())
}

async fn put_encryption(w: &Writer<'_>, step: &Step, rules: &Value) -> Result<(), WriteError> {
    let client = w.aws.s3(&step.region);
    let Some(rules) = rules.as_array().filter(|r| !r.is_empty()) else {
        client
            .delete_bucket_encryption()
            .bucket(bucket_name(step))
            .send()
            .await
            .map_err(write_err("s3:DeleteBucketEncryption"))?;
        return Ok(());
    };
    let mut config = ServerSideEncryptionConfiguration::builder();
    for rule in rules {
        let mut default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(rule["sse_algorithm"].as_str().unwrap_or("AES256")));
        if let Some(key) = rule["kms_master_key_id"].as_str() {
            default = default.kms_master_key_id(key);
        }
        let default =
            default.build().map_err(|e| WriteError { operation: "s3:PutBucketEncryption", message: e.to_string() })?;
        let mut built = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(default);
        if let Some(on) = rule["bucket_key_enabled"].as_bool() {
            built = built.bucket_key_enabled(on);
        }
        config = config.rules(built.build());
    }
    let config =
        config.build().map_err(|e| WriteError { operation: "s3:PutBucketEncryption", message: e.to_string() })?;
    client
        .put_bucket_encryption()
        .bucket(bucket_name(step))
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(write_err("s3:PutBucketEncryption"))?;
    Ok(())
}

/// The bucket's lifecycle rules as AWS has them (none when not configured).
async fn live_rules(w: &Writer<'_>, step: &Step) -> Result<Vec<LifecycleRule>, WriteError> {
    match w.aws.s3(&step.region).get_bucket_lifecycle_configuration().bucket(bucket_name(step)).send().await {
        Ok(out) => Ok(out.rules.unwrap_or_default()),
        Err(e)
            if e.as_service_error().and_then(|s| aws_smithy_types::error::metadata::ProvideErrorMetadata::code(s))
                == Some("NoSuchLifecycleConfiguration") =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(write_err("s3:GetBucketLifecycleConfiguration")(e)),
    }
}

async fn put_rules(w: &Writer<'_>, step: &Step, rules: Vec<LifecycleRule>) -> Result<(), WriteError> {
    let client = w.aws.s3(&step.region);
    if rules.is_empty() {
        client
            .delete_bucket_lifecycle()
            .bucket(bucket_name(step))
            .send()
            .await
            .map_err(write_err("s3:DeleteBucketLifecycle"))?;
        return Ok(());
    }
    let config = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| WriteError { operation: "s3:PutBucketLifecycleConfiguration", message: e.to_string() })?;
    client
        .put_bucket_lifecycle_configuration()
        .bucket(bucket_name(step))
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(write_err("s3:PutBucketLifecycleConfiguration"))?;
    Ok(())
}

fn new_value(step: &Step) -> &Value {
    step.changes.first().map_or(&Value::Null, |c| &c.new)
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    match step.action.as_str() {
        "s3.put_public_access_block" => {
            w.aws
                .s3(&step.region)
                .put_public_access_block()
                .bucket(bucket_name(step))
                .public_access_block_configuration(block(&all_on()))
                .send()
                .await
                .map_err(write_err("s3:PutPublicAccessBlock"))?;
        }
        "s3.put_account_public_access_block" => {
            w.aws
                .s3control(&w.account)
                .put_public_access_block()
                .account_id(&w.account)
                .public_access_block_configuration(account_block(&all_on()))
                .send()
                .await
                .map_err(write_err("s3control:PutPublicAccessBlock"))?;
        }
        "s3.put_default_encryption" => put_encryption(w, step, new_value(step)).await?,
        "s3.enable_versioning" => {
            w.aws
                .s3(&step.region)
                .put_bucket_versioning()
                .bucket(bucket_name(step))
                .versioning_configuration(
                    VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
                )
                .send()
                .await
                .map_err(write_err("s3:PutBucketVersioning"))?;
        }
        "s3.put_noncurrent_version_expiration" => {
            // From AWS's own rules, not the snapshot's summary of them: nothing else changes.
            let days = step.params.get("days").and_then(Value::as_i64).unwrap_or(90) as i32;
            let mut rules = live_rules(w, step).await?;
            rules.retain(|r| r.id() != Some(LIFECYCLE_RULE_ID));
            let rule = LifecycleRule::builder()
                .id(LIFECYCLE_RULE_ID)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(days).build())
                .build()
                .map_err(|e| WriteError { operation: "s3:PutBucketLifecycleConfiguration", message: e.to_string() })?;
            rules.push(rule);
            put_rules(w, step, rules).await?;
        }
        "s3.add_secure_transport_deny" | "s3.remove_policy_statement" => put_policy(w, step, new_value(step)).await?,
        _ => return Err(WriteError { operation: "apply", message: format!("no implementation of {}", step.action) }),
    }
    Ok(())
}

fn account_block(on: &Value) -> aws_sdk_s3control::types::PublicAccessBlockConfiguration {
    let get = |k: &str| on.get(k).and_then(Value::as_bool).unwrap_or(false);
    aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(get("block_public_acls"))
        .ignore_public_acls(get("ignore_public_acls"))
        .block_public_policy(get("block_public_policy"))
        .restrict_public_buckets(get("restrict_public_buckets"))
        .build()
}

pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    let field = |p: &str| prior.pointer(p).cloned().unwrap_or(Value::Null);
    match step.action.as_str() {
        "s3.put_public_access_block" => {
            let client = w.aws.s3(&step.region);
            match field("/config/public_access_block") {
                Value::Null => {
                    client
                        .delete_public_access_block()
                        .bucket(bucket_name(step))
                        .send()
                        .await
                        .map_err(write_err("s3:DeletePublicAccessBlock"))?;
                }
                before => {
                    client
                        .put_public_access_block()
                        .bucket(bucket_name(step))
                        .public_access_block_configuration(block(&before))
                        .send()
                        .await
                        .map_err(write_err("s3:PutPublicAccessBlock"))?;
                }
            }
        }
        "s3.put_account_public_access_block" => {
            let client = w.aws.s3control(&w.account);
            match field("/config/configuration") {
                Value::Null => {
                    client
                        .delete_public_access_block()
                        .account_id(&w.account)
                        .send()
                        .await
                        .map_err(write_err("s3control:DeletePublicAccessBlock"))?;
                }
                before => {
                    client
                        .put_public_access_block()
                        .account_id(&w.account)
                        .public_access_block_configuration(account_block(&before))
                        .send()
                        .await
                        .map_err(write_err("s3control:PutPublicAccessBlock"))?;
                }
            }
        }
        "s3.put_default_encryption" => put_encryption(w, step, &field("/config/encryption")).await?,
        "s3.put_noncurrent_version_expiration" => {
            let mut rules = live_rules(w, step).await?;
            rules.retain(|r| r.id() != Some(LIFECYCLE_RULE_ID));
            put_rules(w, step, rules).await?;
        }
        "s3.add_secure_transport_deny" | "s3.remove_policy_statement" => {
            put_policy(w, step, &field("/config/policy")).await?
        }
        _ => return Err(not_reversible(step)),
    }
    Ok(())
}
