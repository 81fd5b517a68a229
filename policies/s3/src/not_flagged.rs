//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[
    (
        "S3.ACCOUNT_PUBLIC_ACCESS_BLOCK",
        "Not judged when the account-level configuration could not be read. No account is excused for serving public \
         content: CloudFront with an origin access control works with all four settings on, so none needs to be off.",
    ),
    (
        "S3.BUCKET_PUBLIC_ACCESS_BLOCK",
        "Not judged: buckets whose public access block could not be read. Nothing else is exempt, not CloudFront \
         origins (an origin access control needs no setting off) and not buckets of an account whose own block is \
         fully on: the bucket-level block is judged on its own, the account-level one by \
         S3.ACCOUNT_PUBLIC_ACCESS_BLOCK.",
    ),
    (
        "S3.BUCKET_POLICY_PUBLIC",
        "Not flagged: Deny statements, Allow statements to named principals or services (a `cloudfront.amazonaws.com` \
         grant without `aws:SourceArn` is CLOUDFRONT.S3_ORIGIN_OAC's), and statements with a positive, non-wildcard \
         condition that pins the caller (source ARN, account or owner, VPC or VPC endpoint, organisation, principal \
         account or ARN, user id, or an `aws:SourceIp` range no wider than /8, IPv6 /32). CloudTrail buckets are left \
         to CLOUDTRAIL.BUCKET_PUBLIC, and a policy that could not be read or decoded is not judged; a public access \
         block that currently neutralises the statement is named in the message but does not silence it.",
    ),
    (
        "S3.BUCKET_ACL_PUBLIC",
        "Only grants to the AllUsers and AuthenticatedUsers groups count: grants to other accounts' canonical users \
         and to the S3 LogDelivery group are not flagged, and object ACLs are not read. CloudTrail buckets are left to \
         CLOUDTRAIL.BUCKET_PUBLIC and an ACL that could not be read is not judged; an `IgnorePublicAcls` that \
         currently neutralises the grant is named in the message but does not silence it.",
    ),
    (
        "S3.BUCKET_ACLS_ENABLED",
        "Not flagged: buckets whose ACL grants public access (S3.BUCKET_ACL_PUBLIC or CLOUDTRAIL.BUCKET_PUBLIC already \
         asks to disable ACLs) and buckets CloudFront standard logging writes to, which need ACLs to receive the logs. \
         Buckets whose object ownership could not be read are not judged; S3 server access log destinations are \
         judged, since they can receive logs through a bucket policy.",
    ),
    (
        "S3.SECURE_TRANSPORT",
        "Not judged: buckets whose policy could not be read or decoded. A deny that names particular principals, \
         covers only some actions, only the bucket or only its objects, or carries any condition besides \
         `aws:SecureTransport` = false does not count, and an `s3:TlsVersion` condition is not accepted instead. No \
         bucket is exempt: log destinations and CloudTrail buckets are judged too.",
    ),
    (
        "S3.DEFAULT_ENCRYPTION",
        "Not judged: buckets whose encryption could not be read. Any default algorithm passes, SSE-S3 included, except \
         on buckets matching `kms_required_buckets`, which need `aws:kms` or `aws:kms:dsse`; which KMS key is used \
         (AWS-managed `aws/s3` or a customer key) is not judged, and a missing S3 Bucket Key is only mentioned, never \
         a failure on its own.",
    ),
    (
        "S3.VERSIONING",
        "Not judged: log destinations (targets of other buckets' server access logging, CloudFront standard-logging \
         buckets), buckets matching `versioning_exempt` and buckets whose versioning could not be read; CloudTrail \
         buckets are judged, and a bucket that logs to itself is not a log destination. MFA delete and Object Lock are \
         not looked at, and expiring old versions is S3.VERSIONING_WITHOUT_LIFECYCLE's.",
    ),
    (
        "S3.VERSIONING_WITHOUT_LIFECYCLE",
        "Only buckets with versioning Enabled are judged: suspended buckets (which still keep their old versions) and \
         buckets whose versioning or lifecycle rules could not be read are not. Any enabled rule with a \
         noncurrent-version expiration passes, whatever its filter or number of days, and `versioning_exempt` does not \
         apply here.",
    ),
    (
        "S3.LIFECYCLE",
        "Not judged: buckets matching `archive_buckets` (kept whole on purpose), buckets whose lifecycle rules or \
         versioning could not be read, and versioned buckets without an enabled rule, which \
         S3.VERSIONING_WITHOUT_LIFECYCLE reports (one configuration fixes both). Any enabled rule passes, whatever it \
         expires, transitions or filters; log destinations and CloudTrail buckets are judged like any other.",
    ),
    (
        "S3.ACCESS_LOGGING",
        "Not judged: log destinations (a target of another bucket's access logging or a CloudFront standard-logging \
         bucket: logging them would loop), buckets whose logging could not be read, and CloudTrail buckets, which \
         CLOUDTRAIL.BUCKET_ACCESS_LOGGING judges. CloudTrail S3 data events are not accepted in place of access logs, \
         and whether the target bucket exists or accepts the logs is not checked; a bucket that logs to itself is \
         reported.",
    ),
    (
        "CLOUDTRAIL.BUCKET_PUBLIC",
        "Only buckets that a trail in the snapshot writes to, and that are themselves in the snapshot, are judged: a \
         trail bucket in another account (an organisation trail's central bucket) is not. The same conditions, \
         principals and grants as for S3.BUCKET_POLICY_PUBLIC and S3.BUCKET_ACL_PUBLIC are not public; it passes only \
         when both the policy and the ACL were read, and a neutralising public access block is named, not taken as a \
         pass.",
    ),
    (
        "CLOUDTRAIL.BUCKET_ACCESS_LOGGING",
        "Only buckets that a trail in the snapshot writes to are judged, and not when their logging could not be read. \
         Any target bucket other than the trail bucket itself passes: whether it exists, receives the logs or is \
         protected is not checked.",
    ),
];
