//! The rules of `bbscan-s3`: ids, rationale, compliance references and help.

use bbscan_policy::frameworks::{CIS, FSBP, SOC2};
use bbscan_policy::{Rule, RuleText, Severity};

pub const ACCOUNT_PUBLIC_ACCESS_BLOCK: &str = "S3.ACCOUNT_PUBLIC_ACCESS_BLOCK";
pub const BUCKET_PUBLIC_ACCESS_BLOCK: &str = "S3.BUCKET_PUBLIC_ACCESS_BLOCK";
pub const BUCKET_POLICY_PUBLIC: &str = "S3.BUCKET_POLICY_PUBLIC";
pub const BUCKET_ACL_PUBLIC: &str = "S3.BUCKET_ACL_PUBLIC";
pub const BUCKET_ACLS_ENABLED: &str = "S3.BUCKET_ACLS_ENABLED";
pub const SECURE_TRANSPORT: &str = "S3.SECURE_TRANSPORT";
pub const DEFAULT_ENCRYPTION: &str = "S3.DEFAULT_ENCRYPTION";
pub const VERSIONING: &str = "S3.VERSIONING";
pub const VERSIONING_WITHOUT_LIFECYCLE: &str = "S3.VERSIONING_WITHOUT_LIFECYCLE";
pub const LIFECYCLE: &str = "S3.LIFECYCLE";
pub const ACCESS_LOGGING: &str = "S3.ACCESS_LOGGING";
pub const TRAIL_BUCKET_PUBLIC: &str = "CLOUDTRAIL.BUCKET_PUBLIC";
pub const TRAIL_BUCKET_ACCESS_LOGGING: &str = "CLOUDTRAIL.BUCKET_ACCESS_LOGGING";

const BUCKET: &str = "s3.bucket";
const ACCOUNT_BLOCK: &str = "s3.account_public_access_block";
const TRAIL: &str = "cloudtrail.trail";
const DISTRIBUTION: &str = "cloudfront.distribution";

pub fn all() -> Vec<Rule> {
    RULES.iter().map(RuleText::rule).collect()
}

const RULES: &[RuleText] = &[
    RuleText {
        id: ACCOUNT_PUBLIC_ACCESS_BLOCK,
        title: "S3 Block Public Access is fully on for the account",
        description: "The account-level block is the one switch that keeps every bucket, including the next one \
                      SST creates, from being made public by a policy or ACL. With any of its four settings off, \
                      a single bucket-level change is enough to expose data.",
        severity: Severity::High,
        kinds: &[ACCOUNT_BLOCK],
        compliance: &[(CIS, "2.1.4"), (FSBP, "S3.1"), (SOC2, "CC6.1")],
        help_text: "Turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets in the \
                    account's S3 Block Public Access settings.",
        help_markdown: "Turn on all four settings of the account's **S3 Block Public Access** (`BlockPublicAcls`, \
                        `IgnorePublicAcls`, `BlockPublicPolicy`, `RestrictPublicBuckets`). Public content belongs \
                        behind CloudFront with an origin access control, which these settings do not affect.",
        remediation: "aws s3control put-public-access-block --account-id ACCOUNT_ID --public-access-block-configuration \
                      BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    },
    RuleText {
        id: BUCKET_PUBLIC_ACCESS_BLOCK,
        title: "S3 bucket blocks public access",
        description: "A bucket without all four public access block settings can be made public by one policy or \
                      ACL change. Buckets served through CloudFront need none of them off: CloudFront reads through \
                      an origin access control.",
        severity: Severity::High,
        kinds: &[BUCKET],
        compliance: &[(CIS, "2.1.4"), (FSBP, "S3.8"), (SOC2, "CC6.1")],
        help_text: "Turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets on the bucket.",
        help_markdown: "Turn on all four settings of the bucket's **public access block** (`BlockPublicAcls`, \
                        `IgnorePublicAcls`, `BlockPublicPolicy`, `RestrictPublicBuckets`). Serve public content \
                        through CloudFront with an origin access control instead of a public bucket.",
        remediation: "aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration \
                      BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    },
    RuleText {
        id: BUCKET_POLICY_PUBLIC,
        title: "S3 bucket policy grants nothing to anyone",
        description: "An Allow statement to Principal \"*\" without a condition pinning the caller (source ARN, \
                      account, VPC endpoint, organisation, a narrow IP range) lets anyone on the internet read, or \
                      with write actions overwrite and delete, the bucket's objects. aws:SecureTransport alone does \
                      not restrict who calls. Findings that grant write actions are critical. CloudTrail buckets are \
                      judged by CLOUDTRAIL.BUCKET_PUBLIC instead.",
        severity: Severity::High,
        kinds: &[BUCKET, ACCOUNT_BLOCK, TRAIL],
        compliance: &[(FSBP, "S3.2"), (FSBP, "S3.3"), (SOC2, "CC6.1"), (SOC2, "CC6.6")],
        help_text: "Remove the public statement, or add a condition that pins the caller (for CloudFront: the \
                    distribution's ARN in aws:SourceArn with principal cloudfront.amazonaws.com).",
        help_markdown: "Remove the statement that allows `Principal: \"*\"`, or restrict it with a condition on \
                        `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceVpce`, `aws:PrincipalOrgID` or a narrow \
                        `aws:SourceIp`. To serve files publicly, grant `s3:GetObject` to the \
                        `cloudfront.amazonaws.com` service principal with `aws:SourceArn` set to the distribution \
                        (origin access control).",
        remediation: "aws s3api get-bucket-policy --bucket BUCKET --query Policy --output text > policy.json; delete \
                      the public statement from policy.json; aws s3api put-bucket-policy --bucket BUCKET --policy \
                      file://policy.json",
    },
    RuleText {
        id: BUCKET_ACL_PUBLIC,
        title: "S3 bucket ACL grants nothing to AllUsers or AuthenticatedUsers",
        description: "An ACL grant to AllUsers opens the bucket to anyone on the internet; AuthenticatedUsers means \
                      any AWS account in the world, not ours. WRITE, WRITE_ACP and FULL_CONTROL grants are critical. \
                      CloudTrail buckets are judged by CLOUDTRAIL.BUCKET_PUBLIC instead.",
        severity: Severity::High,
        kinds: &[BUCKET, ACCOUNT_BLOCK, TRAIL],
        compliance: &[(FSBP, "S3.2"), (FSBP, "S3.3"), (SOC2, "CC6.1"), (SOC2, "CC6.6")],
        help_text: "Reset the bucket ACL to private, then set Object Ownership to BucketOwnerEnforced so ACLs stop \
                    applying.",
        help_markdown: "Reset the bucket ACL to `private`, then set **Object Ownership** to `BucketOwnerEnforced` \
                        so that ACLs no longer grant anything.",
        remediation: "aws s3api put-bucket-acl --bucket BUCKET --acl private; aws s3api put-bucket-ownership-controls \
                      --bucket BUCKET --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}]",
    },
    RuleText {
        id: BUCKET_ACLS_ENABLED,
        title: "S3 bucket has ACLs disabled (BucketOwnerEnforced)",
        description: "With ACLs in effect, access is decided in two places and an object uploaded with a public or \
                      cross-account ACL escapes the bucket policy. Not reported when the bucket's ACL grants public \
                      access (S3.BUCKET_ACL_PUBLIC or CLOUDTRAIL.BUCKET_PUBLIC reports that), nor on CloudFront \
                      standard-logging destinations, which need ACLs.",
        severity: Severity::Low,
        kinds: &[BUCKET, TRAIL, DISTRIBUTION],
        compliance: &[(FSBP, "S3.12"), (SOC2, "CC6.1")],
        help_text: "Set the bucket's Object Ownership to BucketOwnerEnforced.",
        help_markdown: "Set the bucket's **Object Ownership** to `BucketOwnerEnforced`: ACLs are disabled and the \
                        bucket owner owns every object.",
        remediation: "aws s3api put-bucket-ownership-controls --bucket BUCKET --ownership-controls \
                      Rules=[{ObjectOwnership=BucketOwnerEnforced}]",
    },
    RuleText {
        id: SECURE_TRANSPORT,
        title: "S3 bucket policy denies requests over plain HTTP",
        description: "S3 accepts plain HTTP, so without a Deny on aws:SecureTransport = false a misconfigured client \
                      sends objects and signed requests in cleartext. The deny must cover s3:* (or every action) on \
                      the bucket and its objects, for every principal, with no other condition.",
        severity: Severity::Medium,
        kinds: &[BUCKET],
        compliance: &[(CIS, "2.1.1"), (FSBP, "S3.5"), (SOC2, "CC6.7")],
        help_text: "Add a bucket policy statement that denies s3:* on the bucket and its objects to every principal \
                    when aws:SecureTransport is false.",
        help_markdown: "Add to the bucket policy: `{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \
                        \"s3:*\", \"Resource\": [\"arn:aws:s3:::BUCKET\", \"arn:aws:s3:::BUCKET/*\"], \
                        \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}`.",
        remediation: "Add the statement {\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\",\"Principal\":\"*\",\
                      \"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::BUCKET\",\"arn:aws:s3:::BUCKET/*\"],\
                      \"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}} to the policy, then aws s3api \
                      put-bucket-policy --bucket BUCKET --policy file://policy.json",
    },
    RuleText {
        id: DEFAULT_ENCRYPTION,
        title: "S3 bucket has default encryption (KMS where required)",
        description: "Without a default encryption rule, whatever a client uploads unencrypted is stored that way \
                      (on buckets created before 2023). Buckets named in kms_required_buckets must use SSE-KMS so \
                      that reading also needs kms:Decrypt and every read is logged by KMS.",
        severity: Severity::Medium,
        kinds: &[BUCKET],
        compliance: &[(SOC2, "CC6.1")],
        help_text: "Set a default encryption rule: SSE-S3 (AES256), or SSE-KMS with an S3 Bucket Key for buckets \
                    that require KMS.",
        help_markdown: "Set the bucket's **default encryption**: `AES256` (SSE-S3), or `aws:kms` with \
                        `BucketKeyEnabled` for buckets listed in `kms_required_buckets` (the Bucket Key cuts KMS \
                        request costs).",
        remediation: "aws s3api put-bucket-encryption --bucket BUCKET --server-side-encryption-configuration \
                      '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\
                      \"KMSMasterKeyID\":\"KEY_ARN\"},\"BucketKeyEnabled\":true}]}' (or SSEAlgorithm AES256)",
    },
    RuleText {
        id: VERSIONING,
        title: "S3 bucket that holds data has versioning enabled",
        description: "Without versioning, an overwrite or delete (a bad deploy, a compromised key, a mistyped \
                      `aws s3 rm --recursive`) destroys the only copy. Log destinations and buckets matching \
                      versioning_exempt are not judged; CloudTrail buckets are.",
        severity: Severity::Medium,
        kinds: &[BUCKET, DISTRIBUTION],
        compliance: &[(SOC2, "A1.2")],
        help_text: "Enable versioning on the bucket, with a lifecycle rule that expires noncurrent versions.",
        help_markdown: "Enable **versioning** on the bucket and add a lifecycle rule with \
                        `NoncurrentVersionExpiration` so old versions do not accumulate forever.",
        remediation: "aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration Status=Enabled",
    },
    RuleText {
        id: VERSIONING_WITHOUT_LIFECYCLE,
        title: "Versioned S3 bucket expires noncurrent versions",
        description: "A versioned bucket keeps every overwritten and deleted object forever unless an enabled \
                      lifecycle rule expires noncurrent versions, so storage cost grows without bound.",
        severity: Severity::Low,
        kinds: &[BUCKET],
        compliance: &[],
        help_text: "Add an enabled lifecycle rule with NoncurrentVersionExpiration (default proposal: 90 days).",
        help_markdown: "Add an enabled lifecycle rule with `NoncurrentVersionExpiration` \
                        (`NoncurrentDays`, 90 by default, setting `noncurrent_days`).",
        remediation: "aws s3api put-bucket-lifecycle-configuration --bucket BUCKET --lifecycle-configuration \
                      '{\"Rules\":[{\"ID\":\"expire-noncurrent\",\"Status\":\"Enabled\",\"Filter\":{},\
                      \"NoncurrentVersionExpiration\":{\"NoncurrentDays\":90}}]}' (merge with existing rules)",
    },
    RuleText {
        id: LIFECYCLE,
        title: "S3 bucket has a lifecycle configuration",
        description: "Objects in a bucket without an enabled lifecycle rule are kept, and paid for, forever: build \
                      artifacts and old deploys, uploads, access logs and CloudTrail logs, and the parts of \
                      multipart uploads that never completed (invisible in listings, billed all the same). \
                      Deciding how long each kind of object is kept is also what data retention policies ask.",
        severity: Severity::Low,
        kinds: &[BUCKET, TRAIL, DISTRIBUTION],
        compliance: &[(FSBP, "S3.13")],
        help_text: "Add a lifecycle configuration with at least one enabled rule: expire or transition objects \
                    after the retention the data needs, and abort incomplete multipart uploads after 7 days.",
        help_markdown: "Add a **lifecycle configuration** with at least one enabled rule: expire objects (or \
                        transition them to a colder storage class) after the retention the data needs — logs \
                        after the period your audit requires, build artifacts after a few releases — and \
                        `AbortIncompleteMultipartUpload` after 7 days. Buckets that must keep everything go in \
                        the `archive_buckets` setting.",
        remediation: "aws s3api put-bucket-lifecycle-configuration --bucket BUCKET --lifecycle-configuration \
                      '{\"Rules\":[{\"ID\":\"retention\",\"Status\":\"Enabled\",\"Filter\":{},\
                      \"Expiration\":{\"Days\":DAYS},\"AbortIncompleteMultipartUpload\":{\"DaysAfterInitiation\":7}}]}' \
                      (merge with existing rules)",
    },
    RuleText {
        id: ACCESS_LOGGING,
        title: "S3 bucket that holds data has server access logging",
        description: "Server access logs are the only record of who read or changed which object when CloudTrail \
                      data events are off. Log destinations are not judged, and CloudTrail buckets are judged by \
                      CLOUDTRAIL.BUCKET_ACCESS_LOGGING instead.",
        severity: Severity::Medium,
        kinds: &[BUCKET, TRAIL, DISTRIBUTION],
        compliance: &[(FSBP, "S3.9"), (SOC2, "CC7.2")],
        help_text: "Enable server access logging to the account's logs bucket.",
        help_markdown: "Enable **server access logging** with the account's logs bucket as target and a \
                        per-bucket prefix (`s3/BUCKET/`).",
        remediation: "aws s3api put-bucket-logging --bucket BUCKET --bucket-logging-status \
                      '{\"LoggingEnabled\":{\"TargetBucket\":\"LOGS_BUCKET\",\"TargetPrefix\":\"s3/BUCKET/\"}}'",
    },
    RuleText {
        id: TRAIL_BUCKET_PUBLIC,
        title: "The bucket CloudTrail writes to is not public",
        description: "A public trail bucket hands the account's full API history (who did what, from where) to \
                      anyone, and with write access lets them erase it. Same judgement as S3.BUCKET_POLICY_PUBLIC \
                      and S3.BUCKET_ACL_PUBLIC, which stay quiet on trail buckets.",
        severity: Severity::High,
        kinds: &[BUCKET, ACCOUNT_BLOCK, TRAIL],
        compliance: &[(FSBP, "S3.2"), (FSBP, "S3.3"), (SOC2, "CC6.1"), (SOC2, "CC7.2")],
        help_text: "Remove public statements from the trail bucket's policy and reset its ACL to private.",
        help_markdown: "Remove statements allowing `Principal: \"*\"` from the trail bucket's policy (CloudTrail \
                        only needs `cloudtrail.amazonaws.com` with `aws:SourceArn` of the trail) and reset its ACL \
                        to `private`.",
        remediation: "Edit the policy (aws s3api get-bucket-policy / put-bucket-policy) to drop the public statement; \
                      aws s3api put-bucket-acl --bucket BUCKET --acl private",
    },
    RuleText {
        id: TRAIL_BUCKET_ACCESS_LOGGING,
        title: "The bucket CloudTrail writes to has server access logging",
        description: "Access logs on the trail bucket show who read or deleted the audit trail itself; without them \
                      tampering with the evidence leaves no trace.",
        severity: Severity::Medium,
        kinds: &[BUCKET, TRAIL],
        compliance: &[(CIS, "3.4"), (FSBP, "S3.9"), (SOC2, "CC7.2")],
        help_text: "Enable server access logging on the trail bucket, to a different bucket.",
        help_markdown: "Enable **server access logging** on the trail bucket, targeting a separate logs bucket.",
        remediation: "aws s3api put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status \
                      '{\"LoggingEnabled\":{\"TargetBucket\":\"LOGS_BUCKET\",\"TargetPrefix\":\"s3/TRAIL_BUCKET/\"}}'",
    },
];
