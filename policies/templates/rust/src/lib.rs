//! __NAME__: a bbscan policy. Two rules to start from: a team convention read from tags, and an
//! IAM rule that follows a role to its managed policies.

use bbscan_policy::iam::{Effect, Statement, statements};
use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json, settings};

pub const DATA_CLASSIFICATION: &str = "__AREA__.DATA_CLASSIFICATION";
pub const ROLE_WRITES_ANY_BUCKET: &str = "__AREA__.ROLE_WRITES_ANY_BUCKET";

/// An object in a bucket no statement names: a resource pattern that covers it covers every bucket.
const ANY_OBJECT: &str = "arn:aws:s3:::bbscan-any-bucket/any-object";

/// The settings (`[policies.__NAME__]` in bbscan.toml), every one optional.
struct Settings {
    tag: String,
    stages: Vec<String>,
    default_value: String,
    actions: Vec<String>,
}

impl Settings {
    fn read(s: &Value) -> Result<Settings, String> {
        settings::only_keys(s, &["tag", "stages", "default_value", "actions"])?;
        Ok(Settings {
            tag: settings::string(s, "tag", "DataClassification")?,
            stages: settings::strings(s, "stages", &["production"])?,
            default_value: settings::string(s, "default_value", "internal")?,
            actions: settings::strings(s, "actions", &["s3:PutObject", "s3:DeleteObject"])?,
        })
    }
}

pub struct Checks;

impl Policy for Checks {
    fn info() -> PolicyInfo {
        PolicyInfo {
            name: "__NAME__".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules: vec![
                Rule {
                    id: DATA_CLASSIFICATION.into(),
                    title: "Buckets of the audited stages carry a data classification tag".into(),
                    description: "A bucket without a classification cannot be handled by the rules for its data (retention, access, incident response).".into(),
                    default_severity: Severity::Medium,
                    kinds: vec!["s3.bucket".into()],
                    compliance: vec![ComplianceRef::new("SOC 2", "C1.1")],
                    help_text: "Tag the bucket with the classification of the data it holds.".into(),
                    help_markdown: "Tag the bucket with `DataClassification` (for example `internal` or `confidential`).".into(),
                    remediation: "bbscan plan proposes the tag with the default value; or tag the bucket in the SST config (`transform.bucket.tags`).".into(),
                    not_flagged: "Buckets of other stages, and buckets with no `sst:stage` tag (not deployed by SST).".into(),
                },
                Rule {
                    id: ROLE_WRITES_ANY_BUCKET.into(),
                    title: "Roles cannot write to every bucket".into(),
                    description: "A role that may put or delete objects in any bucket turns one compromised function or pipeline into a breach of all the account's data.".into(),
                    default_severity: Severity::High,
                    kinds: vec!["iam.role".into(), "iam.policy".into()],
                    compliance: vec![ComplianceRef::new("SOC 2", "CC6.3")],
                    help_text: "Scope the statement's Resource to the buckets the role needs.".into(),
                    help_markdown: "Scope the statement's `Resource` to the buckets the role needs (`arn:aws:s3:::BUCKET/*`).".into(),
                    remediation: "Replace `Resource: \"*\"` with the ARNs of the role's own buckets.".into(),
                    not_flagged: "Deny statements, statements with conditions (they may narrow the grant), malformed statements, and managed policies whose document is not in the snapshot.".into(),
                },
            ],
        }
    }

    fn validate_settings(s: &Value) -> Result<(), String> {
        Settings::read(s).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        for r in resources {
            match &r.config {
                ResourceConfig::S3Bucket(_) => data_classification(&settings, r, report),
                ResourceConfig::IamRole(_) => role_writes_any_bucket(ctx, &settings, r, report),
                _ => {}
            }
        }
        Ok(())
    }
}

fn data_classification(settings: &Settings, bucket: &Resource, report: &mut Report) {
    let Some(stage) = bucket.tags.get("sst:stage") else { return };
    if !settings.stages.contains(stage) {
        return;
    }
    if bucket.tags.contains_key(&settings.tag) {
        report.pass(DATA_CLASSIFICATION);
        return;
    }
    report
        .fail(DATA_CLASSIFICATION, bucket, format!("bucket {} of stage {stage} has no {} tag", bucket.name, settings.tag))
        .evidence("/tags")
        .action("tags.add_tags", 1, json!({"tags": {settings.tag.as_str(): settings.default_value.as_str()}}));
}

/// The first of the settings' actions an unconditional Allow grants on any object of any bucket.
fn writes_any_bucket<'a>(settings: &'a Settings, s: &Statement) -> Option<&'a str> {
    if s.effect != Effect::Allow || !s.conditions.is_empty() || !s.problems.is_empty() || !s.covers_resource(ANY_OBJECT) {
        return None;
    }
    settings.actions.iter().map(String::as_str).find(|a| s.covers_action(a))
}

fn role_writes_any_bucket(ctx: &Context<'_>, settings: &Settings, role: &Resource, report: &mut Report) {
    let ResourceConfig::IamRole(config) = &role.config else { return };
    // (evidence pointer, what grants it)
    let mut grants: Vec<(String, String)> = Vec::new();
    for (i, p) in config.inline_policies.iter().enumerate() {
        for s in statements(&p.document) {
            if let Some(action) = writes_any_bucket(settings, &s) {
                grants.push((
                    format!("/config/inline_policies/{i}/document{}", s.pointer),
                    format!("inline policy {} {} allows {action}", p.name, s.pointer),
                ));
            }
        }
    }
    for (i, a) in config.attached_policies.iter().enumerate() {
        let Some(managed) = ctx.resource(&a.arn) else { continue };
        let ResourceConfig::IamPolicy(policy) = &managed.config else { continue };
        for s in statements(&policy.document) {
            if let Some(action) = writes_any_bucket(settings, &s) {
                grants.push((format!("/config/attached_policies/{i}"), format!("managed policy {} {} allows {action}", a.name, s.pointer)));
            }
        }
    }
    if grants.is_empty() {
        report.pass(ROLE_WRITES_ANY_BUCKET);
        return;
    }
    let texts: Vec<&str> = grants.iter().map(|(_, text)| text.as_str()).collect();
    let finding = report.fail(
        ROLE_WRITES_ANY_BUCKET,
        role,
        format!("role {} may write to every bucket: {}", role.name, texts.join("; ")),
    );
    let mut seen = Vec::new();
    for (pointer, _) in &grants {
        if !seen.contains(pointer) {
            finding.evidence(pointer);
            seen.push(pointer.clone());
        }
    }
}

bbscan_policy::export_policy!(Checks);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_setting_is_refused() {
        let err = Checks::validate_settings(&json!({"stage": ["dev"]})).unwrap_err();
        assert!(err.contains("stage"), "{err}");
        assert!(Checks::validate_settings(&json!({"stages": ["dev"], "tag": "Classification"})).is_ok());
    }
}
