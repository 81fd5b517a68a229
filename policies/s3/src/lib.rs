//! Built-in policy: S3 buckets and the account's S3 settings — public access, TLS, encryption,
//! versioning, access logging — and the bucket CloudTrail writes to.
//!
//! Rule ids and rationale are in [`rules`]; the public judgement shared by the bucket and trail
//! rules is in [`public`].
//!
//! # Settings (`[policies.bbscan-s3]`)
//! - `kms_required_buckets` (list of globs, `*` and `?`, default `[]`): buckets whose default
//!   encryption must be SSE-KMS (`aws:kms` or `aws:kms:dsse`) for `S3.DEFAULT_ENCRYPTION`.
//! - `versioning_exempt` (list of globs, default `[]`): buckets `S3.VERSIONING` does not judge
//!   (scratch or rebuildable data). Only versioning: their access logging is still judged.
//! - `noncurrent_days` (1–36500, default 90): the noncurrent-version expiration proposed by
//!   `S3.VERSIONING_WITHOUT_LIFECYCLE`.
//! - `archive_buckets` (list of globs, default `[]`): buckets that keep every object on purpose
//!   (legal hold, archives); `S3.LIFECYCLE` does not judge them.
//!
//! # What "holds data" means
//! Every bucket except log destinations: a bucket named as another bucket's server access logging
//! `target_bucket`, or the bucket of a CloudFront distribution's standard logging (legacy, or v2
//! delivered through CloudWatch Logs). CloudTrail
//! buckets hold data (the audit trail). A bucket that logs to itself is not a log destination:
//! it holds data, and its logging is judged (a loop, not a record).

use bbscan_policy::iam::wildcard_match;
use bbscan_policy::model::{PublicAccessBlock, ResourceConfig, S3Bucket};
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Severity, Value, json, settings};
use std::collections::BTreeSet;

mod not_flagged;

pub mod public;
pub mod rules;

pub use rules::*;

use public::Exposure;

pub struct S3;

const SETTING_KEYS: &[&str] = &["kms_required_buckets", "versioning_exempt", "noncurrent_days", "archive_buckets"];

/// The policy's settings, read the same way for validation and evaluation.
struct Settings {
    kms_required_buckets: Vec<String>,
    versioning_exempt: Vec<String>,
    noncurrent_days: i64,
    archive_buckets: Vec<String>,
}

impl Settings {
    fn read(s: &Value) -> Result<Settings, String> {
        settings::only_keys(s, SETTING_KEYS)?;
        Ok(Settings {
            kms_required_buckets: settings::strings(s, "kms_required_buckets", &[])?,
            versioning_exempt: settings::strings(s, "versioning_exempt", &[])?,
            noncurrent_days: settings::integer(s, "noncurrent_days", 90, 1, 36_500)?,
            archive_buckets: settings::strings(s, "archive_buckets", &[])?,
        })
    }
}

fn matches_any(globs: &[String], name: &str) -> bool {
    globs.iter().any(|g| wildcard_match(g, name, false))
}

/// What the bucket rules need to know about the rest of the snapshot.
#[derive(Default)]
struct Surroundings<'a> {
    /// Buckets a CloudTrail trail writes to.
    trail_buckets: BTreeSet<String>,
    /// Buckets that receive S3 server access logs or CloudFront standard logs.
    log_destinations: BTreeSet<String>,
    /// Buckets that receive CloudFront standard logs (which need ACLs).
    cloudfront_log_buckets: BTreeSet<String>,
    /// Account-level public access blocks, by account id.
    account_blocks: Vec<(&'a str, &'a PublicAccessBlock)>,
}

/// The bucket name of a CloudFront logging target (`name.s3.amazonaws.com`,
/// `name.s3.us-east-1.amazonaws.com`).
fn bucket_of_domain(domain: &str) -> Option<&str> {
    let domain = domain.trim().trim_end_matches('.');
    let name = domain.rfind(".s3.").map_or(domain, |at| &domain[..at]);
    (!name.is_empty()).then_some(name)
}

impl<'a> Surroundings<'a> {
    fn of(resources: &'a [Resource]) -> Surroundings<'a> {
        let mut s = Surroundings::default();
        for r in resources {
            match &r.config {
                ResourceConfig::CloudTrailTrail(t) => {
                    if let Some(name) = t.s3_bucket_name.as_deref().filter(|n| !n.is_empty()) {
                        s.trail_buckets.insert(name.to_string());
                    }
                }
                ResourceConfig::S3Bucket(b) => {
                    // A bucket that logs to itself does not make itself a log destination.
                    if let Some(l) =
                        b.logging.as_ref().filter(|l| !l.target_bucket.is_empty() && l.target_bucket != r.name)
                    {
                        s.log_destinations.insert(l.target_bucket.clone());
                    }
                }
                ResourceConfig::CloudFrontDistribution(d) => {
                    if let Some(name) = d.logging.as_ref().and_then(|l| bucket_of_domain(&l.bucket)) {
                        s.log_destinations.insert(name.to_string());
                        s.cloudfront_log_buckets.insert(name.to_string());
                    }
                    // Standard logging v2 delivering to a bucket (no ACLs needed: a bucket policy).
                    for arn in &d.access_log_destinations {
                        if let Some(name) = arn.strip_prefix("arn:").and_then(|rest| rest.split_once(":s3:::")) {
                            let bucket = name.1.split('/').next().unwrap_or_default();
                            if !bucket.is_empty() {
                                s.log_destinations.insert(bucket.to_string());
                            }
                        }
                    }
                }
                ResourceConfig::S3AccountPublicAccessBlock(a) if r.is_known("configuration") => {
                    if let Some(c) = &a.configuration {
                        s.account_blocks.push((r.account.as_str(), c));
                    }
                }
                _ => {}
            }
        }
        s
    }

    fn account_block(&self, account: &str) -> Option<&PublicAccessBlock> {
        self.account_blocks.iter().find(|(a, _)| *a == account).map(|(_, c)| *c)
    }

    /// Why a public policy or ACL is not in effect right now, if a block neutralises it.
    fn mitigation(&self, r: &Resource, bucket: &S3Bucket, acl: bool) -> Option<String> {
        let on = |b: &PublicAccessBlock| if acl { b.ignore_public_acls } else { b.restrict_public_buckets };
        let setting = if acl { "IgnorePublicAcls" } else { "RestrictPublicBuckets" };
        let bucket_on = r.is_known("public_access_block") && bucket.public_access_block.as_ref().is_some_and(on);
        let level = if bucket_on {
            "bucket"
        } else if self.account_block(&r.account).is_some_and(on) {
            "account"
        } else {
            return None;
        };
        Some(format!(
            " (the {level}-level {setting} currently keeps it from taking effect; turning that one setting off exposes it)"
        ))
    }
}

impl Policy for S3 {
    fn info() -> PolicyInfo {
        let info =
            { PolicyInfo { name: "bbscan-s3".into(), version: env!("CARGO_PKG_VERSION").into(), rules: rules::all() } };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        Settings::read(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        let around = Surroundings::of(resources);
        for r in resources {
            match &r.config {
                ResourceConfig::S3AccountPublicAccessBlock(a) => {
                    account_public_access_block(r, a.configuration.as_ref(), report)
                }
                ResourceConfig::S3Bucket(b) => {
                    let b = b.as_ref();
                    bucket_public_access_block(r, b, report);
                    let acl_public = exposure(r, b, &around, report);
                    acls_enabled(r, b, &around, acl_public, report);
                    secure_transport(r, b, report);
                    default_encryption(r, b, &settings, report);
                    versioning(r, b, &settings, &around, report);
                    versioning_without_lifecycle(r, b, &settings, report);
                    lifecycle(r, b, &settings, &around, report);
                    access_logging(r, b, &around, report);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

bbscan_policy::export_policy!(S3);

/// The names of the public access block settings that are off (all four when there is no block).
fn block_settings_off(block: Option<&PublicAccessBlock>) -> Vec<&'static str> {
    match block {
        None => vec!["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"],
        Some(b) => [
            (b.block_public_acls, "BlockPublicAcls"),
            (b.ignore_public_acls, "IgnorePublicAcls"),
            (b.block_public_policy, "BlockPublicPolicy"),
            (b.restrict_public_buckets, "RestrictPublicBuckets"),
        ]
        .into_iter()
        .filter(|(on, _)| !on)
        .map(|(_, name)| name)
        .collect(),
    }
}

fn account_public_access_block(r: &Resource, block: Option<&PublicAccessBlock>, report: &mut Report) {
    if !r.is_known("configuration") {
        return;
    }
    let off = block_settings_off(block);
    if off.is_empty() {
        report.pass(ACCOUNT_PUBLIC_ACCESS_BLOCK);
        return;
    }
    let message = match block {
        None => format!("account {} has no account-level S3 Block Public Access configuration", r.name),
        Some(_) => {
            format!("account {} has account-level S3 Block Public Access settings off: {}", r.name, off.join(", "))
        }
    };
    report.fail(ACCOUNT_PUBLIC_ACCESS_BLOCK, r, message).evidence("/config/configuration").action(
        "s3.put_account_public_access_block",
        1,
        json!({}),
    );
}

fn bucket_public_access_block(r: &Resource, bucket: &S3Bucket, report: &mut Report) {
    // Not read: not judged (the snapshot's gap says so).
    if !r.is_known("public_access_block") {
        return;
    }
    let off = block_settings_off(bucket.public_access_block.as_ref());
    if off.is_empty() {
        report.pass(BUCKET_PUBLIC_ACCESS_BLOCK);
        return;
    }
    let message = if bucket.public_access_block.is_none() {
        format!("bucket {} has no public access block", r.name)
    } else {
        format!("bucket {} has public access block settings off: {}", r.name, off.join(", "))
    };
    report.fail(BUCKET_PUBLIC_ACCESS_BLOCK, r, message).evidence("/config/public_access_block").action(
        "s3.put_public_access_block",
        1,
        json!({ "bucket": r.name }),
    );
}

/// The bucket policy as a document: `None` when it was not read or could not be decoded (the
/// collector keeps undecodable text as a string, with a gap), `Some(None)` when there is none.
fn readable_policy<'a>(r: &Resource, bucket: &'a S3Bucket) -> Option<Option<&'a Value>> {
    if !r.is_known("policy") {
        return None;
    }
    match &bucket.policy {
        None | Some(Value::Null) => Some(None),
        Some(doc @ Value::Object(_)) => Some(Some(doc)),
        Some(_) => None,
    }
}

fn policy_message(r: &Resource, exposure: &Exposure) -> String {
    let parts: Vec<String> = exposure
        .statements
        .iter()
        .map(|s| format!("{} allows anyone {} with no condition restricting the caller", s.label, s.actions))
        .collect();
    format!("bucket {}'s policy is public: {}", r.name, parts.join("; "))
}

fn acl_message(r: &Resource, exposure: &Exposure) -> String {
    let parts: Vec<String> =
        exposure.grants.iter().map(|g| format!("{} to {} (grant {})", g.permission, g.group, g.index)).collect();
    format!("bucket {}'s ACL grants {}", r.name, parts.join(", "))
}

/// Report the bucket's public policy and ACL: on a trail bucket under `CLOUDTRAIL.BUCKET_PUBLIC`,
/// elsewhere under `S3.BUCKET_POLICY_PUBLIC` and `S3.BUCKET_ACL_PUBLIC`. Returns whether the ACL
/// was found public (so `S3.BUCKET_ACLS_ENABLED` stays quiet).
fn exposure(r: &Resource, bucket: &S3Bucket, around: &Surroundings<'_>, report: &mut Report) -> bool {
    let policy = readable_policy(r, bucket);
    let acl = if r.is_known("acl") { Some(bucket.acl.as_ref()) } else { None };
    let found = Exposure {
        statements: policy.flatten().map(public::public_statements).unwrap_or_default(),
        grants: acl.flatten().map(public::public_grants).unwrap_or_default(),
    };
    let acl_public = !found.grants.is_empty();

    if around.trail_buckets.contains(&r.name) {
        if found.is_public() {
            let mut parts = Vec::new();
            if !found.statements.is_empty() {
                parts.push(policy_message(r, &found) + &around.mitigation(r, bucket, false).unwrap_or_default());
            }
            if !found.grants.is_empty() {
                parts.push(acl_message(r, &found) + &around.mitigation(r, bucket, true).unwrap_or_default());
            }
            let message = format!("CloudTrail writes to bucket {}, which is public: {}", r.name, parts.join("; "));
            let finding = report.fail(TRAIL_BUCKET_PUBLIC, r, message);
            add_exposure_details(finding, r, &found);
            if found.grants_write() {
                finding.severity(Severity::Critical);
            }
        } else if policy.is_some() && acl.is_some() {
            report.pass(TRAIL_BUCKET_PUBLIC);
        }
        return acl_public;
    }

    if policy.is_some() {
        if found.statements.is_empty() {
            report.pass(BUCKET_POLICY_PUBLIC);
        } else {
            let message = policy_message(r, &found) + &around.mitigation(r, bucket, false).unwrap_or_default();
            let only_policy = Exposure { statements: found.statements.clone(), grants: Vec::new() };
            let finding = report.fail(BUCKET_POLICY_PUBLIC, r, message);
            add_exposure_details(finding, r, &only_policy);
            if only_policy.grants_write() {
                finding.severity(Severity::Critical);
            }
        }
    }
    if acl.is_some() {
        if found.grants.is_empty() {
            report.pass(BUCKET_ACL_PUBLIC);
        } else {
            let message = acl_message(r, &found)
                + &around.mitigation(r, bucket, true).unwrap_or_default()
                + "; reset the ACL to private and set Object Ownership to BucketOwnerEnforced";
            let only_acl = Exposure { statements: Vec::new(), grants: found.grants.clone() };
            let finding = report.fail(BUCKET_ACL_PUBLIC, r, message);
            add_exposure_details(finding, r, &only_acl);
            if only_acl.grants_write() {
                finding.severity(Severity::Critical);
            }
        }
    }
    acl_public
}

fn add_exposure_details(finding: &mut bbscan_policy::Finding, r: &Resource, exposure: &Exposure) {
    for s in &exposure.statements {
        finding.evidence(&format!("/config/policy{}", s.pointer)).action(
            "s3.remove_policy_statement",
            1,
            json!({ "bucket": r.name, "statement": s.pointer }),
        );
    }
    for g in &exposure.grants {
        finding.evidence(&format!("/config/acl/grants/{}", g.index));
    }
}

fn acls_enabled(r: &Resource, bucket: &S3Bucket, around: &Surroundings<'_>, acl_public: bool, report: &mut Report) {
    if !r.is_known("object_ownership") || acl_public || around.cloudfront_log_buckets.contains(&r.name) {
        return;
    }
    match bucket.object_ownership.as_deref() {
        Some("BucketOwnerEnforced") => report.pass(BUCKET_ACLS_ENABLED),
        other => {
            let message = match other {
                Some(value) => format!("bucket {} has Object Ownership {value}: ACLs are in effect", r.name),
                None => format!("bucket {} has no ownership controls: ACLs are in effect", r.name),
            };
            report.fail(BUCKET_ACLS_ENABLED, r, message).evidence("/config/object_ownership");
        }
    }
}

/// A Deny to everyone of `s3:*` on the bucket and its objects when `aws:SecureTransport` is false.
fn denies_plain_http(s: &bbscan_policy::iam::Statement, bucket_arn: &str) -> bool {
    s.effect == bbscan_policy::iam::Effect::Deny
        && s.principal.as_ref().is_some_and(|p| p.anyone)
        && s.not_principal.is_none()
        && s.not_actions.is_empty()
        && s.actions.iter().any(|a| wildcard_match(a, "s3:*", true))
        && s.covers_resource(bucket_arn)
        && s.covers_resource(&format!("{bucket_arn}/*"))
        && !s.conditions.is_empty()
        && s.conditions.iter().all(|c| {
            c.is_on("aws:SecureTransport")
                && c.base_operator() == "Bool"
                && c.set_qualifier().is_none()
                && !c.values.is_empty()
                && c.values.iter().all(|v| v.eq_ignore_ascii_case("false"))
        })
}

fn secure_transport(r: &Resource, bucket: &S3Bucket, report: &mut Report) {
    let Some(policy) = readable_policy(r, bucket) else { return };
    let bucket_arn = if r.arn.is_empty() { format!("arn:aws:s3:::{}", r.name) } else { r.arn.clone() };
    let enforced =
        policy.is_some_and(|doc| bbscan_policy::iam::statements(doc).iter().any(|s| denies_plain_http(s, &bucket_arn)));
    if enforced {
        report.pass(SECURE_TRANSPORT);
        return;
    }
    let message = if policy.is_some() {
        format!(
            "bucket {}'s policy has no statement denying s3:* on the bucket and its objects to everyone when \
             aws:SecureTransport is false: plain HTTP requests are accepted",
            r.name
        )
    } else {
        format!("bucket {} has no bucket policy, so nothing denies plain HTTP (aws:SecureTransport = false)", r.name)
    };
    report.fail(SECURE_TRANSPORT, r, message).evidence("/config/policy").action(
        "s3.add_secure_transport_deny",
        1,
        json!({ "bucket": r.name }),
    );
}

fn is_kms(algorithm: &str) -> bool {
    algorithm == "aws:kms" || algorithm == "aws:kms:dsse"
}

fn default_encryption(r: &Resource, bucket: &S3Bucket, settings: &Settings, report: &mut Report) {
    if !r.is_known("encryption") {
        return;
    }
    let rules: Vec<_> =
        bucket.encryption.iter().flatten().filter(|rule| !rule.sse_algorithm.trim().is_empty()).collect();
    let kms_required = matches_any(&settings.kms_required_buckets, &r.name);
    let problem = if rules.is_empty() {
        Some(format!("bucket {} has no default encryption rule", r.name))
    } else if kms_required && !rules.iter().any(|rule| is_kms(&rule.sse_algorithm)) {
        let algorithms: Vec<&str> = rules.iter().map(|rule| rule.sse_algorithm.as_str()).collect();
        Some(format!(
            "bucket {} must be encrypted with SSE-KMS (it matches kms_required_buckets) but its default encryption is {}",
            r.name,
            algorithms.join(", ")
        ))
    } else {
        None
    };
    let Some(mut message) = problem else {
        report.pass(DEFAULT_ENCRYPTION);
        return;
    };
    if rules.iter().any(|rule| is_kms(&rule.sse_algorithm) && rule.bucket_key_enabled != Some(true)) {
        message.push_str("; also enable the S3 Bucket Key on its KMS rule to cut KMS request costs");
    } else if kms_required {
        message.push_str("; enable the S3 Bucket Key with the KMS rule to cut KMS request costs");
    }
    let algorithm = if kms_required { "aws:kms" } else { "AES256" };
    report.fail(DEFAULT_ENCRYPTION, r, message).evidence("/config/encryption").action(
        "s3.put_default_encryption",
        1,
        json!({ "bucket": r.name, "sse_algorithm": algorithm }),
    );
}

fn versioning(r: &Resource, bucket: &S3Bucket, settings: &Settings, around: &Surroundings<'_>, report: &mut Report) {
    if !r.is_known("versioning")
        || around.log_destinations.contains(&r.name)
        || matches_any(&settings.versioning_exempt, &r.name)
    {
        return;
    }
    match bucket.versioning.status.as_deref() {
        Some("Enabled") => report.pass(VERSIONING),
        status => {
            let state = match status {
                Some(s) => format!("versioning is {s}"),
                None => "versioning was never enabled".to_string(),
            };
            let message = format!("bucket {} holds data but {state}: overwrites and deletes cannot be undone", r.name);
            report.fail(VERSIONING, r, message).evidence("/config/versioning/status").action(
                "s3.enable_versioning",
                1,
                json!({ "bucket": r.name }),
            );
        }
    }
}

fn versioning_without_lifecycle(r: &Resource, bucket: &S3Bucket, settings: &Settings, report: &mut Report) {
    if !r.is_known("versioning")
        || !r.is_known("lifecycle_rules")
        || bucket.versioning.status.as_deref() != Some("Enabled")
    {
        return;
    }
    let expires = bucket.lifecycle_rules.iter().flatten().any(|rule| {
        rule.status.eq_ignore_ascii_case("Enabled") && rule.noncurrent_version_expiration_days.is_some_and(|d| d > 0)
    });
    if expires {
        report.pass(VERSIONING_WITHOUT_LIFECYCLE);
        return;
    }
    let message = match &bucket.lifecycle_rules {
        None => format!(
            "bucket {} is versioned but has no lifecycle configuration: noncurrent versions are kept forever",
            r.name
        ),
        Some(_) => format!(
            "bucket {} is versioned but no enabled lifecycle rule expires noncurrent versions: they are kept forever",
            r.name
        ),
    };
    report.fail(VERSIONING_WITHOUT_LIFECYCLE, r, message).evidence("/config/lifecycle_rules").action(
        "s3.put_noncurrent_version_expiration",
        1,
        json!({ "bucket": r.name, "days": settings.noncurrent_days }),
    );
}

/// S3.LIFECYCLE: every bucket has an enabled lifecycle rule, archives excepted. A versioned bucket
/// with no lifecycle configuration at all is S3.VERSIONING_WITHOUT_LIFECYCLE's finding (one
/// configuration fixes both): it is not reported twice.
fn lifecycle(r: &Resource, bucket: &S3Bucket, settings: &Settings, around: &Surroundings<'_>, report: &mut Report) {
    if !r.is_known("lifecycle_rules") || matches_any(&settings.archive_buckets, &r.name) {
        return;
    }
    let enabled = bucket.lifecycle_rules.iter().flatten().any(|rule| rule.status.eq_ignore_ascii_case("Enabled"));
    if enabled {
        report.pass(LIFECYCLE);
        return;
    }
    let versioned = bucket.versioning.status.as_deref() == Some("Enabled");
    if versioned || !r.is_known("versioning") {
        return;
    }
    let what = if around.trail_buckets.contains(&r.name) {
        "CloudTrail's log files accumulate forever (transition old ones to a colder storage class rather than \
         expiring what your audit retention requires)"
    } else if around.log_destinations.contains(&r.name) {
        "it receives logs, which accumulate forever"
    } else {
        "objects (old deploys, uploads, incomplete multipart uploads) accumulate forever"
    };
    let state = match &bucket.lifecycle_rules {
        None => "no lifecycle configuration",
        Some(_) => "a lifecycle configuration whose rules are all disabled",
    };
    report.fail(LIFECYCLE, r, format!("bucket {} has {state}: {what}", r.name)).evidence("/config/lifecycle_rules");
}

fn logging_on(bucket: &S3Bucket) -> bool {
    bucket.logging.as_ref().is_some_and(|l| !l.target_bucket.is_empty())
}

/// Whether the bucket's access logs go into the bucket itself: every delivery then writes a new
/// log object, which is logged in turn.
fn logs_to_itself(r: &Resource, bucket: &S3Bucket) -> bool {
    bucket.logging.as_ref().is_some_and(|l| l.target_bucket == r.name)
}

fn access_logging(r: &Resource, bucket: &S3Bucket, around: &Surroundings<'_>, report: &mut Report) {
    if !r.is_known("logging") {
        return;
    }
    let self_message = |what: &str| {
        format!(
            "{what} {} logs to itself: each log delivery writes a new object that is logged in turn, and \
             anyone who can delete from the bucket deletes the record of it too",
            r.name
        )
    };
    if around.trail_buckets.contains(&r.name) {
        if logs_to_itself(r, bucket) {
            report.fail(TRAIL_BUCKET_ACCESS_LOGGING, r, self_message("CloudTrail bucket")).evidence("/config/logging");
        } else if logging_on(bucket) {
            report.pass(TRAIL_BUCKET_ACCESS_LOGGING);
        } else {
            let message = format!(
                "CloudTrail writes to bucket {}, which has no server access logging: reads and deletes of the audit \
                 trail leave no record",
                r.name
            );
            report.fail(TRAIL_BUCKET_ACCESS_LOGGING, r, message).evidence("/config/logging");
        }
        return;
    }
    if around.log_destinations.contains(&r.name) {
        return;
    }
    if logs_to_itself(r, bucket) {
        report.fail(ACCESS_LOGGING, r, self_message("bucket")).evidence("/config/logging/target_bucket");
    } else if logging_on(bucket) {
        report.pass(ACCESS_LOGGING);
    } else {
        let message = format!("bucket {} holds data but has server access logging off", r.name);
        report.fail(ACCESS_LOGGING, r, message).evidence("/config/logging");
    }
}

#[cfg(test)]
mod tests;
