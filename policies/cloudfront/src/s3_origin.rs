//! `CLOUDFRONT.S3_ORIGIN_OAC`: each S3 origin of a distribution is read only by that
//! distribution, through an origin access control, and its bucket is not public.

use crate::S3_ORIGIN_OAC;
use bbscan_policy::iam::{self, Condition, Effect, Statement};
use bbscan_policy::model::{CloudFrontDistribution, OriginKind, ResourceConfig};
use bbscan_policy::{Context, Report, Resource, Value};

const CLOUDFRONT_SERVICE: &str = "cloudfront.amazonaws.com";

/// Condition keys that narrow a statement granted to `*` to known callers.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
];

/// What the snapshot says about an origin's bucket policy.
enum BucketPolicy {
    /// The bucket is in the snapshot and its policy was read (`None`: no policy).
    Read(Option<Value>),
    /// The bucket is in the snapshot but its policy could not be read.
    Unread,
    /// The bucket is not in the snapshot (another account, another stage, or gone).
    Absent,
}

fn bucket_policy(ctx: &Context<'_>, partition: &str, bucket: &str) -> BucketPolicy {
    match ctx.resource(&format!("arn:{partition}:s3:::{bucket}")) {
        Some(b) => match &b.config {
            ResourceConfig::S3Bucket(config) if b.is_known("policy") => BucketPolicy::Read(config.policy.clone()),
            ResourceConfig::S3Bucket(_) => BucketPolicy::Unread,
            _ => BucketPolicy::Absent,
        },
        None => BucketPolicy::Absent,
    }
}

/// A condition that really narrows who matches: not negated, not `IfExists`, not `Null`, and
/// with a value that is not a bare wildcard.
fn restricts(c: &Condition) -> bool {
    let op = c.base_operator();
    !c.if_exists() && !op.contains("Not") && op != "Null" && !c.values.is_empty() && c.values.iter().all(|v| v != "*")
}

fn label(s: &Statement) -> String {
    match &s.sid {
        Some(sid) => format!("{} ({sid})", s.pointer),
        None => s.pointer.clone(),
    }
}

/// The problems of one bucket policy for distribution `this`, and whether it grants `this`
/// through `AWS:SourceArn`.
fn judge_policy(document: &Value, this: &str) -> (Vec<String>, bool) {
    let mut problems = Vec::new();
    let mut grants_this = false;
    for s in iam::statements(document).iter().filter(|s| s.effect == Effect::Allow) {
        if s.grants_anyone() {
            let restricted = RESTRICTING_KEYS.iter().any(|k| s.conditions_on(k).any(restricts));
            if !restricted {
                problems.push(format!(
                    "its bucket policy statement {} grants {} to any principal without a restricting \
                     condition (public)",
                    label(s),
                    if s.actions.is_empty() { "NotAction".to_string() } else { s.actions.join(", ") }
                ));
            }
            continue;
        }
        let to_cloudfront = s
            .principal
            .as_ref()
            .is_some_and(|p| p.service.iter().any(|svc| svc.eq_ignore_ascii_case(CLOUDFRONT_SERVICE)));
        if !to_cloudfront {
            continue;
        }
        let source_arns: Vec<&Condition> = s.conditions_on("aws:SourceArn").filter(|c| restricts(c)).collect();
        if source_arns.is_empty() {
            problems.push(format!(
                "its bucket policy statement {} grants {CLOUDFRONT_SERVICE} without an AWS:SourceArn \
                 condition (any distribution of any account can read it)",
                label(s)
            ));
            continue;
        }
        // Conditions are ANDed: one that admits exactly this distribution scopes the statement.
        if source_arns.iter().any(|c| c.values.iter().all(|v| v == this)) {
            grants_this = true;
            continue;
        }
        let others: Vec<&str> =
            source_arns.iter().flat_map(|c| c.values.iter()).filter(|v| *v != this).map(String::as_str).collect();
        grants_this |= source_arns.iter().any(|c| c.values.iter().any(|v| v == this));
        problems.push(format!(
            "its bucket policy statement {} grants {CLOUDFRONT_SERVICE} for AWS:SourceArn {} besides or \
             instead of this distribution",
            label(s),
            others.join(", ")
        ));
    }
    (problems, grants_this)
}

pub fn check(ctx: &Context<'_>, r: &Resource, d: &CloudFrontDistribution, report: &mut Report) {
    let partition = r.arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws");
    let mut judged = 0;
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for (i, o) in d.origins.iter().enumerate() {
        if o.kind != OriginKind::S3 {
            continue;
        }
        let Some(bucket) = o.bucket.as_deref().filter(|b| !b.is_empty()) else { continue };
        let oai = o.origin_access_identity.as_deref().filter(|v| !v.is_empty());
        // moto (the fake AWS of the end-to-end tests) drops OriginAccessControlId when it
        // returns a distribution, so a null OAC id alone is not proof that none is configured:
        // a bucket policy that grants exactly this distribution through AWS:SourceArn counts.
        let oac = o.origin_access_control_id.as_deref().filter(|v| !v.is_empty());
        let mut problems = Vec::new();
        if let Some(oai) = oai {
            problems.push(format!("uses the legacy origin access identity {oai}"));
            evidence.push(format!("/config/origins/{i}/origin_access_identity"));
        }
        let policy = bucket_policy(ctx, partition, bucket);
        let mut grants_this = false;
        if let BucketPolicy::Read(Some(document)) = &policy {
            let (policy_problems, grants) = judge_policy(document, &r.arn);
            problems.extend(policy_problems);
            grants_this = grants;
        }
        if oac.is_none() && oai.is_none() && !grants_this {
            match policy {
                // Cannot tell whether the bucket grants this distribution: not judged.
                BucketPolicy::Unread => {}
                BucketPolicy::Read(_) | BucketPolicy::Absent => {
                    problems.push(format!(
                        "has neither an origin access control nor an origin access identity, and bucket {bucket} \
                         does not grant this distribution through AWS:SourceArn"
                    ));
                    evidence.push(format!("/config/origins/{i}/origin_access_control_id"));
                }
            }
        }
        let fully_read = !matches!(policy, BucketPolicy::Unread);
        if problems.is_empty() && !fully_read {
            continue;
        }
        judged += 1;
        if !problems.is_empty() {
            evidence.push(format!("/config/origins/{i}"));
            bad.push(format!("origin '{}' (bucket {bucket}) {}", o.id, problems.join("; ")));
        }
    }
    if judged == 0 {
        return;
    }
    if bad.is_empty() {
        report.pass(S3_ORIGIN_OAC);
        return;
    }
    evidence.sort();
    evidence.dedup();
    let finding = report.fail(
        S3_ORIGIN_OAC,
        r,
        format!("distribution {} has S3 origins open beyond it: {}", r.name, bad.join(" | ")),
    );
    for e in &evidence {
        finding.evidence(e);
    }
}
