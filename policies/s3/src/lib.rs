//! Built-in policy: S3 public access.

use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, json};

pub const BUCKET_PUBLIC_ACCESS_BLOCK: &str = "S3.BUCKET_PUBLIC_ACCESS_BLOCK";

pub struct S3;

impl Policy for S3 {
    fn info() -> PolicyInfo {
        PolicyInfo {
            name: "bbscan-s3".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules: vec![Rule {
                id: BUCKET_PUBLIC_ACCESS_BLOCK.into(),
                title: "S3 bucket blocks public access".into(),
                description: "A bucket without all four public access block settings can be made public by one \
                              policy or ACL change. Buckets served through CloudFront need none of them off: \
                              CloudFront reads through an origin access control."
                    .into(),
                default_severity: Severity::High,
                kinds: vec!["s3.bucket".into()],
                compliance: vec![
                    ComplianceRef::new("CIS AWS Foundations Benchmark v3.0.0", "2.1.4"),
                    ComplianceRef::new("AWS Foundational Security Best Practices", "S3.8"),
                    ComplianceRef::new("SOC 2", "CC6.1"),
                ],
                help_text: "Turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets \
                            on the bucket."
                    .into(),
                help_markdown: "Turn on all four settings of the bucket's **public access block** \
                                (`BlockPublicAcls`, `IgnorePublicAcls`, `BlockPublicPolicy`, \
                                `RestrictPublicBuckets`). Serve public content through CloudFront with an \
                                origin access control instead of a public bucket."
                    .into(),
                remediation: "aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration \
                              BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
                    .into(),
            }],
        }
    }

    fn evaluate(_ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        for r in resources {
            let ResourceConfig::S3Bucket(bucket) = &r.config else { continue };
            // Not read: not judged (the snapshot's gap says so).
            if !r.is_known("public_access_block") {
                continue;
            }
            let off: Vec<&str> = match &bucket.public_access_block {
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
            };
            if off.is_empty() {
                report.pass(BUCKET_PUBLIC_ACCESS_BLOCK);
                continue;
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
        Ok(())
    }
}

bbscan_policy::export_policy!(S3);

#[cfg(test)]
mod tests {
    use super::*;
    use bbscan_policy::model::{PublicAccessBlock, S3Bucket};

    fn bucket(name: &str, block: Option<PublicAccessBlock>, unknown: &[&str]) -> Resource {
        let config = ResourceConfig::S3Bucket(Box::new(S3Bucket { public_access_block: block, ..Default::default() }));
        let mut r = bbscan_policy::testing::resource(&format!("arn:aws:s3:::{name}"), name, "us-east-1", config);
        r.unknown = unknown.iter().map(|u| u.to_string()).collect();
        r
    }

    fn all_on() -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }
    }

    fn evaluate(resources: Vec<Resource>) -> Report {
        let snapshot = bbscan_policy::testing::snapshot(resources);
        bbscan_policy::run::<S3>(&snapshot, &json!({})).expect("evaluates")
    }

    #[test]
    fn a_fully_blocked_bucket_passes() {
        let report = evaluate(vec![bucket("assets", Some(all_on()), &[])]);
        assert!(report.findings.is_empty());
        assert_eq!(report.tallies[BUCKET_PUBLIC_ACCESS_BLOCK].passed, 1);
    }

    #[test]
    fn a_missing_or_partial_block_fails_once_with_the_settings_named() {
        let partial = PublicAccessBlock { block_public_policy: false, ..all_on() };
        let report = evaluate(vec![bucket("none", None, &[]), bucket("partial", Some(partial), &[])]);
        assert_eq!(report.findings.len(), 2);
        assert!(report.findings[1].message.contains("BlockPublicPolicy"));
        assert!(!report.findings[1].message.contains("IgnorePublicAcls"));
        assert_eq!(report.findings[0].actions[0].kind, "s3.put_public_access_block");
        assert_eq!(report.tallies[BUCKET_PUBLIC_ACCESS_BLOCK].evaluated, 2);
        assert_eq!(report.tallies[BUCKET_PUBLIC_ACCESS_BLOCK].passed, 0);
    }

    #[test]
    fn an_unread_block_is_not_judged() {
        let report = evaluate(vec![bucket("denied", None, &["public_access_block"])]);
        assert!(report.findings.is_empty() && report.tallies.is_empty());
    }
}
