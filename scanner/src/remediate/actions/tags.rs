//! Tags: add the keys a resource is missing, never changing one it has. Each added key is its
//! own change (`/tags/<key>`, from nothing to the value), so apply checks exactly those keys
//! and rollback removes exactly them.

use super::{Prepared, WriteError, Writer, expect_target, write_err};
use crate::remediate::plan::{Change, Step};
use bbscan_model::Resource;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The kinds bbscan can tag, and the most tags each holds.
const TAGGABLE: &[(&str, usize)] = &[
    ("s3.bucket", 50),
    ("lambda.function", 50),
    ("logs.log_group", 50),
    ("kms.key", 50),
    ("cloudtrail.trail", 50),
    ("cloudwatch.alarm", 50),
    ("cloudfront.distribution", 50),
];

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The tag keys a step adds, from its changes.
fn added(step: &Step) -> Vec<String> {
    step.changes.iter().filter_map(|c| c.field.strip_prefix("/tags/")).map(unescape).collect()
}

/// The tags a step adds, key → value.
fn additions(step: &Step) -> BTreeMap<String, String> {
    step.changes
        .iter()
        .filter_map(|c| Some((unescape(c.field.strip_prefix("/tags/")?), c.new.as_str()?.to_string())))
        .collect()
}

pub fn prepare(kind: &str, r: &Resource, params: &Value) -> Result<Prepared, String> {
    if kind != "tags.add_tags" {
        return Err(format!("no implementation of {kind}"));
    }
    let Some((_, limit)) = TAGGABLE.iter().find(|(k, _)| *k == r.kind()) else {
        return Err(format!(
            "bbscan cannot tag {} resources yet ({}): tag {} by hand",
            r.kind(),
            TAGGABLE.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "),
            r.name
        ));
    };
    expect_target(r, r.kind(), None)?;
    if !r.is_known("tags") {
        return Err(format!(
            "the tags of {} were not read when the snapshot was taken (see its gap): take a new snapshot with \
             permission to read them",
            r.name
        ));
    }
    let wanted = params.get("tags").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut changes = Vec::new();
    let mut after = r.clone();
    let mut kept = Vec::new();
    for (key, value) in &wanted {
        let value = value.as_str().unwrap_or_default();
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!("tag key {key:?} is reserved by AWS"));
        }
        if key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(format!("tag {key:?} is longer than AWS allows (128 characters for keys, 256 for values)"));
        }
        if r.tags.contains_key(key) {
            kept.push(key.as_str());
            continue;
        }
        changes.push(Change {
            field: format!("/tags/{}", escape(key)),
            current: Value::Null,
            new: Value::String(value.to_string()),
        });
        after.tags.insert(key.clone(), value.to_string());
    }
    if changes.is_empty() {
        return Err(format!(
            "{} already has every proposed key ({}); bbscan never changes an existing tag: set the value by hand",
            r.name,
            kept.join(", ")
        ));
    }
    if after.tags.len() > *limit {
        return Err(format!("{} would have {} tags, more than the {limit} AWS allows", r.name, after.tags.len()));
    }
    let mut risks = vec![
        "Only new keys are added; no existing tag changes. Policies that match on aws:ResourceTag, and cost \
         allocation reports, see the new keys."
            .to_string(),
        "If SST or another tool manages this resource's tags, add them there too, or a later deploy may drop them."
            .to_string(),
    ];
    if !kept.is_empty() {
        risks.push(format!("Already present and left as they are: {}.", kept.join(", ")));
    }
    if r.kind() == "s3.bucket" {
        risks.push(
            "S3 replaces a bucket's whole tag set on every write: bbscan reads the live set just before and writes \
             it back with the new keys."
                .to_string(),
        );
    }
    Ok(Prepared { changes, risks, reversible: true, after })
}

fn build_err(operation: &'static str) -> impl Fn(aws_smithy_types::error::operation::BuildError) -> WriteError {
    move |e| WriteError { operation, message: e.to_string() }
}

/// The bucket's live tag set (empty when it has none).
async fn bucket_tags(w: &Writer<'_>, step: &Step) -> Result<Vec<aws_sdk_s3::types::Tag>, WriteError> {
    match w.aws.s3(&step.region).get_bucket_tagging().bucket(&step.name).send().await {
        Ok(out) => Ok(out.tag_set),
        Err(e)
            if e.as_service_error().and_then(|s| aws_smithy_types::error::metadata::ProvideErrorMetadata::code(s))
                == Some("NoSuchTagSet") =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(write_err("s3:GetBucketTagging")(e)),
    }
}

async fn put_bucket_tags(w: &Writer<'_>, step: &Step, set: Vec<aws_sdk_s3::types::Tag>) -> Result<(), WriteError> {
    let client = w.aws.s3(&step.region);
    if set.is_empty() {
        client.delete_bucket_tagging().bucket(&step.name).send().await.map_err(write_err("s3:DeleteBucketTagging"))?;
        return Ok(());
    }
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(build_err("s3:PutBucketTagging"))?;
    client
        .put_bucket_tagging()
        .bucket(&step.name)
        .tagging(tagging)
        .send()
        .await
        .map_err(write_err("s3:PutBucketTagging"))?;
    Ok(())
}

pub async fn write(w: &Writer<'_>, step: &Step, _before: &Value) -> Result<(), WriteError> {
    let tags = additions(step);
    let arn = step.target.as_str();
    let config = w.config(&step.region);
    match step.kind.as_str() {
        "s3.bucket" => {
            // The live set, not the snapshot's: a key added since is kept, never overwritten.
            let mut set = bucket_tags(w, step).await?;
            for (key, value) in &tags {
                if !set.iter().any(|t| t.key() == key) {
                    set.push(
                        aws_sdk_s3::types::Tag::builder()
                            .key(key)
                            .value(value)
                            .build()
                            .map_err(build_err("s3:PutBucketTagging"))?,
                    );
                }
            }
            put_bucket_tags(w, step, set).await?;
        }
        "lambda.function" => {
            aws_sdk_lambda::Client::new(&config)
                .tag_resource()
                .resource(arn)
                .set_tags(Some(tags.into_iter().collect::<HashMap<_, _>>()))
                .send()
                .await
                .map_err(write_err("lambda:TagResource"))?;
        }
        "logs.log_group" => {
            aws_sdk_cloudwatchlogs::Client::new(&config)
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags.into_iter().collect::<HashMap<_, _>>()))
                .send()
                .await
                .map_err(write_err("logs:TagResource"))?;
        }
        "kms.key" => {
            let list = tags
                .iter()
                .map(|(k, v)| aws_sdk_kms::types::Tag::builder().tag_key(k).tag_value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(build_err("kms:TagResource"))?;
            aws_sdk_kms::Client::new(&config)
                .tag_resource()
                .key_id(arn)
                .set_tags(Some(list))
                .send()
                .await
                .map_err(write_err("kms:TagResource"))?;
        }
        "cloudtrail.trail" => {
            let list = tags
                .iter()
                .map(|(k, v)| aws_sdk_cloudtrail::types::Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(build_err("cloudtrail:AddTags"))?;
            aws_sdk_cloudtrail::Client::new(&config)
                .add_tags()
                .resource_id(arn)
                .set_tags_list(Some(list))
                .send()
                .await
                .map_err(write_err("cloudtrail:AddTags"))?;
        }
        "cloudwatch.alarm" => {
            let list = tags
                .iter()
                .map(|(k, v)| aws_sdk_cloudwatch::types::Tag::builder().key(k).value(v).build())
                .collect::<Vec<_>>();
            aws_sdk_cloudwatch::Client::new(&config)
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(list))
                .send()
                .await
                .map_err(write_err("cloudwatch:TagResource"))?;
        }
        "cloudfront.distribution" => {
            let list = tags
                .iter()
                .map(|(k, v)| aws_sdk_cloudfront::types::Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(build_err("cloudfront:TagResource"))?;
            aws_sdk_cloudfront::Client::new(&w.config("global"))
                .tag_resource()
                .resource(arn)
                .tags(aws_sdk_cloudfront::types::Tags::builder().set_items(Some(list)).build())
                .send()
                .await
                .map_err(write_err("cloudfront:TagResource"))?;
        }
        other => return Err(WriteError { operation: "apply", message: format!("bbscan cannot tag {other}") }),
    }
    Ok(())
}

pub async fn restore(w: &Writer<'_>, step: &Step, _prior: &Value) -> Result<(), WriteError> {
    let keys = added(step);
    let arn = step.target.as_str();
    let config = w.config(&step.region);
    match step.kind.as_str() {
        "s3.bucket" => {
            let mut set = bucket_tags(w, step).await?;
            set.retain(|t| !keys.iter().any(|k| k == t.key()));
            put_bucket_tags(w, step, set).await?;
        }
        "lambda.function" => {
            aws_sdk_lambda::Client::new(&config)
                .untag_resource()
                .resource(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(write_err("lambda:UntagResource"))?;
        }
        "logs.log_group" => {
            aws_sdk_cloudwatchlogs::Client::new(&config)
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(write_err("logs:UntagResource"))?;
        }
        "kms.key" => {
            aws_sdk_kms::Client::new(&config)
                .untag_resource()
                .key_id(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(write_err("kms:UntagResource"))?;
        }
        "cloudtrail.trail" => {
            let list = keys
                .iter()
                .map(|k| aws_sdk_cloudtrail::types::Tag::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(build_err("cloudtrail:RemoveTags"))?;
            aws_sdk_cloudtrail::Client::new(&config)
                .remove_tags()
                .resource_id(arn)
                .set_tags_list(Some(list))
                .send()
                .await
                .map_err(write_err("cloudtrail:RemoveTags"))?;
        }
        "cloudwatch.alarm" => {
            aws_sdk_cloudwatch::Client::new(&config)
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map_err(write_err("cloudwatch:UntagResource"))?;
        }
        "cloudfront.distribution" => {
            aws_sdk_cloudfront::Client::new(&w.config("global"))
                .untag_resource()
                .resource(arn)
                .tag_keys(aws_sdk_cloudfront::types::TagKeys::builder().set_items(Some(keys)).build())
                .send()
                .await
                .map_err(write_err("cloudfront:UntagResource"))?;
        }
        other => return Err(WriteError { operation: "rollback", message: format!("bbscan cannot untag {other}") }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(tags: Value) -> Resource {
        serde_json::from_value(json!({
            "arn": "arn:aws:logs:us-east-1:123456789012:log-group:/a/b", "name": "/a/b", "account": "123456789012",
            "region": "us-east-1", "kind": "logs.log_group", "tags": tags, "config": {}
        }))
        .expect("resource")
    }

    #[test]
    fn only_missing_keys_are_added_each_its_own_change() {
        let r = group(json!({"sst:app": "other", "team/owner": "x"}));
        let p =
            prepare("tags.add_tags", &r, &json!({"tags": {"sst:app": "brainbytes", "sst:stage": "dev", "a/b~c": "v"}}))
                .expect("plan");
        let fields: Vec<&str> = p.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["/tags/sst:stage", "/tags/a~1b~0c"]);
        assert!(p.changes.iter().all(|c| c.current.is_null()));
        assert_eq!(p.after.tags.get("sst:app").map(String::as_str), Some("other"), "an existing tag is never changed");
        assert_eq!(p.after.tags.get("a/b~c").map(String::as_str), Some("v"));
        let doc = crate::remediate::actions::document(&p.after);
        assert_eq!(doc.pointer("/tags/a~1b~0c"), Some(&json!("v")));
    }

    #[test]
    fn nothing_to_add_reserved_keys_and_other_kinds_are_refused() {
        let r = group(json!({"sst:app": ""}));
        assert!(
            prepare("tags.add_tags", &r, &json!({"tags": {"sst:app": "brainbytes"}}))
                .unwrap_err()
                .contains("never changes")
        );
        assert!(prepare("tags.add_tags", &r, &json!({"tags": {"aws:x": "y"}})).unwrap_err().contains("reserved"));
        let cert: Resource = serde_json::from_value(json!({
            "arn": "arn:aws:acm:us-east-1:123456789012:certificate/1", "name": "1", "account": "123456789012",
            "region": "us-east-1", "kind": "acm.certificate", "config": {}
        }))
        .expect("resource");
        assert!(
            prepare("tags.add_tags", &cert, &json!({"tags": {"sst:app": "b"}})).unwrap_err().contains("cannot tag")
        );
    }
}
