use super::*;
use bbscan_policy::model::{
    AclGrant, BucketAcl, BucketLogging, CloudFrontDistribution, CloudTrailTrail, DistributionLogging, EncryptionRule,
    LifecycleRule, S3AccountPublicAccessBlock, Versioning,
};
use bbscan_policy::testing;

fn all_on() -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    }
}

fn deny_http(name: &str) -> Value {
    json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{name}"), format!("arn:aws:s3:::{name}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
}

fn policy(statements: Vec<Value>) -> Option<Value> {
    Some(json!({"Version": "2012-10-17", "Statement": statements}))
}

fn owner_only() -> BucketAcl {
    BucketAcl {
        owner_id: Some("owner".into()),
        grants: vec![AclGrant {
            grantee_type: "CanonicalUser".into(),
            grantee_id: Some("owner".into()),
            grantee_uri: None,
            permission: "FULL_CONTROL".into(),
        }],
    }
}

fn group_grant(uri: &str, permission: &str) -> AclGrant {
    AclGrant {
        grantee_type: "Group".into(),
        grantee_id: None,
        grantee_uri: Some(uri.into()),
        permission: permission.into(),
    }
}

/// A bucket configured the way every rule wants it.
fn good(name: &str) -> S3Bucket {
    S3Bucket {
        public_access_block: Some(all_on()),
        policy: policy(vec![deny_http(name)]),
        policy_is_public: Some(false),
        acl: Some(owner_only()),
        object_ownership: Some("BucketOwnerEnforced".into()),
        encryption: Some(vec![EncryptionRule { sse_algorithm: "AES256".into(), ..Default::default() }]),
        versioning: Versioning { status: Some("Enabled".into()), mfa_delete: None },
        lifecycle_rules: Some(vec![LifecycleRule {
            id: Some("expire-noncurrent".into()),
            status: "Enabled".into(),
            noncurrent_version_expiration_days: Some(30),
            ..Default::default()
        }]),
        logging: Some(BucketLogging { target_bucket: "logs".into(), target_prefix: format!("s3/{name}/") }),
        ..Default::default()
    }
}

fn bucket(name: &str, edit: impl FnOnce(&mut S3Bucket)) -> Resource {
    let mut b = good(name);
    edit(&mut b);
    testing::resource(&format!("arn:aws:s3:::{name}"), name, "us-east-1", ResourceConfig::S3Bucket(Box::new(b)))
}

fn unknown(mut r: Resource, fields: &[&str]) -> Resource {
    r.unknown = fields.iter().map(|f| f.to_string()).collect();
    r
}

fn account(configuration: Option<PublicAccessBlock>) -> Resource {
    testing::resource(
        "arn:aws:s3::123456789012:account-public-access-block",
        "123456789012",
        "global",
        ResourceConfig::S3AccountPublicAccessBlock(S3AccountPublicAccessBlock { configuration }),
    )
}

fn trail(bucket: &str) -> Resource {
    let t = CloudTrailTrail { s3_bucket_name: Some(bucket.into()), ..Default::default() };
    testing::resource(
        "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit",
        "audit",
        "us-east-1",
        ResourceConfig::CloudTrailTrail(Box::new(t)),
    )
}

fn distribution(log_bucket_domain: &str) -> Resource {
    let d = CloudFrontDistribution {
        logging: Some(DistributionLogging {
            bucket: log_bucket_domain.into(),
            prefix: "cf/".into(),
            include_cookies: false,
        }),
        ..Default::default()
    };
    testing::resource(
        "arn:aws:cloudfront::123456789012:distribution/E1",
        "E1",
        "global",
        ResourceConfig::CloudFrontDistribution(Box::new(d)),
    )
}

fn run_with(resources: Vec<Resource>, settings: Value) -> Report {
    bbscan_policy::run::<S3>(&testing::snapshot(resources), &settings).expect("evaluates")
}

fn run(resources: Vec<Resource>) -> Report {
    run_with(resources, json!({}))
}

fn failed(report: &Report, rule: &str) -> Vec<String> {
    let mut names: Vec<String> =
        report.of_rule(rule).map(|f| f.resource_arn.trim_start_matches("arn:aws:s3:::").to_string()).collect();
    names.sort();
    names
}

fn passed(report: &Report, rule: &str) -> u32 {
    report.tallies.get(rule).map_or(0, |t| t.passed)
}

fn evaluated(report: &Report, rule: &str) -> u32 {
    report.tallies.get(rule).map_or(0, |t| t.evaluated)
}

#[test]
fn a_well_configured_bucket_and_account_pass_every_rule() {
    let report = run(vec![account(Some(all_on())), bucket("data", |_| {}), bucket("logs", |b| b.logging = None)]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    for rule in [
        ACCOUNT_PUBLIC_ACCESS_BLOCK,
        BUCKET_PUBLIC_ACCESS_BLOCK,
        BUCKET_POLICY_PUBLIC,
        BUCKET_ACL_PUBLIC,
        BUCKET_ACLS_ENABLED,
        SECURE_TRANSPORT,
        DEFAULT_ENCRYPTION,
        VERSIONING_WITHOUT_LIFECYCLE,
    ] {
        assert_eq!(passed(&report, rule), evaluated(&report, rule), "{rule}");
        assert!(passed(&report, rule) >= 1, "{rule}");
    }
    // `logs` is a log destination: neither versioning nor access logging is judged on it.
    assert_eq!(evaluated(&report, VERSIONING), 1);
    assert_eq!(evaluated(&report, ACCESS_LOGGING), 1);
}

#[test]
fn rule_ids_are_unique_and_every_rule_lists_the_bucket_kind_or_the_account_kind() {
    let rules = S3::info().rules;
    let ids: BTreeSet<_> = rules.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), rules.len());
    assert_eq!(rules.len(), 13);
    for r in &rules {
        assert!(r.kinds.iter().any(|k| k == "s3.bucket" || k == "s3.account_public_access_block"), "{}", r.id);
        assert!(!r.description.is_empty() && !r.remediation.is_empty(), "{}", r.id);
    }
}

// ---------------------------------------------------------------- public access blocks

#[test]
fn the_account_block_names_the_settings_that_are_off() {
    let partial = PublicAccessBlock { block_public_policy: false, ..all_on() };
    let report = run(vec![account(Some(partial))]);
    let f = report.of_rule(ACCOUNT_PUBLIC_ACCESS_BLOCK).next().expect("fails");
    assert!(f.message.contains("BlockPublicPolicy") && !f.message.contains("IgnorePublicAcls"), "{}", f.message);
    assert_eq!(f.actions[0].kind, "s3.put_account_public_access_block");
    assert_eq!(f.actions[0].params, json!({}));

    let report = run(vec![account(None)]);
    assert!(report.of_rule(ACCOUNT_PUBLIC_ACCESS_BLOCK).next().unwrap().message.contains("no account-level"));

    let report = run(vec![unknown(account(None), &["configuration"])]);
    assert!(report.findings.is_empty() && evaluated(&report, ACCOUNT_PUBLIC_ACCESS_BLOCK) == 0);
}

#[test]
fn a_missing_or_partial_bucket_block_fails_once_with_the_settings_named() {
    let partial = PublicAccessBlock { block_public_policy: false, ..all_on() };
    let report = run(vec![
        bucket("none", |b| b.public_access_block = None),
        bucket("partial", |b| b.public_access_block = Some(partial)),
    ]);
    let findings: Vec<_> = report.of_rule(BUCKET_PUBLIC_ACCESS_BLOCK).collect();
    assert_eq!(findings.len(), 2);
    assert!(findings[0].message.contains("no public access block"));
    assert!(findings[1].message.contains("BlockPublicPolicy") && !findings[1].message.contains("IgnorePublicAcls"));
    assert_eq!(findings[0].actions[0].kind, "s3.put_public_access_block");
    assert_eq!(findings[0].actions[0].params, json!({"bucket": "none"}));
    assert_eq!(passed(&report, BUCKET_PUBLIC_ACCESS_BLOCK), 0);

    let report = run(vec![unknown(bucket("denied", |b| b.public_access_block = None), &["public_access_block"])]);
    assert_eq!(evaluated(&report, BUCKET_PUBLIC_ACCESS_BLOCK), 0);
}

// ---------------------------------------------------------------- public policy and ACL

#[test]
fn a_public_read_statement_fails_with_its_sid_actions_and_a_removal_per_statement() {
    let read = json!({"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*"});
    let list = json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::site", "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
    let report = run(vec![bucket("site", |b| b.policy = policy(vec![read, deny_http("site"), list]))]);
    let f = report.of_rule(BUCKET_POLICY_PUBLIC).next().expect("fails");
    assert!(f.message.contains("\"PublicReadGetObject\" (/Statement/0)"), "{}", f.message);
    assert!(
        f.message.contains("s3:GetObject") && f.message.contains("/Statement/2") && f.message.contains("s3:ListBucket")
    );
    assert_eq!(f.severity, None, "read-only: the default high");
    assert_eq!(f.actions.len(), 2);
    assert_eq!(f.actions[0].kind, "s3.remove_policy_statement");
    assert_eq!(f.actions[0].params, json!({"bucket": "site", "statement": "/Statement/0"}));
    assert_eq!(f.actions[1].params["statement"], "/Statement/2");
    assert_eq!(f.evidence, ["/config/policy/Statement/0", "/config/policy/Statement/2"]);
}

#[test]
fn a_public_write_statement_is_critical() {
    let write =
        json!({"Effect": "Allow", "Principal": "*", "Action": ["s3:Get*", "s3:Put*"], "Resource": "arn:aws:s3:::up/*"});
    let report = run(vec![bucket("up", |b| b.policy = policy(vec![write]))]);
    assert_eq!(report.of_rule(BUCKET_POLICY_PUBLIC).next().unwrap().severity, Some(Severity::Critical));
}

#[test]
fn a_statement_pinned_to_a_caller_passes_whatever_s3_says() {
    let oac = json!({"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::a/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}});
    let vpce = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::a/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}});
    let report = run(vec![bucket("a", |b| {
        b.policy = policy(vec![oac, vpce, deny_http("a")]);
        b.policy_is_public = Some(true);
    })]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(passed(&report, BUCKET_POLICY_PUBLIC), 1);
}

#[test]
fn an_unread_or_undecodable_policy_is_not_judged_and_no_policy_passes() {
    let report = run(vec![
        unknown(bucket("hidden", |b| b.policy = None), &["policy"]),
        bucket("garbled", |b| b.policy = Some(Value::String("{not json".into()))),
        bucket("none", |b| b.policy = None),
    ]);
    assert_eq!(evaluated(&report, BUCKET_POLICY_PUBLIC), 1);
    assert_eq!(passed(&report, BUCKET_POLICY_PUBLIC), 1);
    // Without a policy nothing denies HTTP; the unread and garbled ones are not judged.
    assert_eq!(failed(&report, SECURE_TRANSPORT), ["none"]);
    assert_eq!(evaluated(&report, SECURE_TRANSPORT), 1);
}

#[test]
fn a_block_that_neutralises_a_public_policy_is_named_but_the_finding_stays() {
    let read = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"});
    let acct = PublicAccessBlock { block_public_policy: false, ..all_on() };
    let report = run(vec![
        account(Some(acct)),
        bucket("a", |b| {
            b.policy = policy(vec![read]);
            b.public_access_block = None;
        }),
    ]);
    let f = report.of_rule(BUCKET_POLICY_PUBLIC).next().expect("still reported");
    assert!(f.message.contains("account-level RestrictPublicBuckets"), "{}", f.message);
}

#[test]
fn a_public_acl_names_the_group_and_permission_and_silences_acls_enabled() {
    let report = run(vec![
        bucket("read", |b| {
            b.acl = Some(BucketAcl { owner_id: None, grants: vec![group_grant(public::ALL_USERS, "READ")] });
            b.object_ownership = Some("ObjectWriter".into());
        }),
        bucket("write", |b| {
            b.acl = Some(BucketAcl { owner_id: None, grants: vec![group_grant(public::AUTHENTICATED_USERS, "WRITE")] });
            b.object_ownership = Some("BucketOwnerPreferred".into());
        }),
    ]);
    let findings: Vec<_> = report.of_rule(BUCKET_ACL_PUBLIC).collect();
    assert_eq!(findings.len(), 2);
    assert!(findings[0].message.contains("READ to AllUsers"), "{}", findings[0].message);
    assert_eq!(findings[0].severity, None);
    assert_eq!(findings[0].evidence, ["/config/acl/grants/0"]);
    assert!(findings[1].message.contains("WRITE to AuthenticatedUsers"));
    assert_eq!(findings[1].severity, Some(Severity::Critical));
    assert!(findings[0].actions.is_empty(), "no catalogue action removes one grant");
    assert_eq!(evaluated(&report, BUCKET_ACLS_ENABLED), 0, "the public ACL finding covers it");

    let report = run(vec![unknown(bucket("x", |b| b.acl = None), &["acl"])]);
    assert_eq!(evaluated(&report, BUCKET_ACL_PUBLIC), 0);
}

#[test]
fn acls_in_effect_fail_except_on_cloudfront_log_buckets() {
    let report = run(vec![
        bucket("preferred", |b| b.object_ownership = Some("BucketOwnerPreferred".into())),
        bucket("unset", |b| b.object_ownership = None),
        bucket("cflogs", |b| b.object_ownership = Some("BucketOwnerPreferred".into())),
        unknown(bucket("hidden", |b| b.object_ownership = None), &["object_ownership"]),
        bucket("enforced", |_| {}),
        distribution("cflogs.s3.amazonaws.com"),
    ]);
    assert_eq!(failed(&report, BUCKET_ACLS_ENABLED), ["preferred", "unset"]);
    let messages: Vec<_> = report.of_rule(BUCKET_ACLS_ENABLED).map(|f| f.message.clone()).collect();
    assert!(messages[0].contains("BucketOwnerPreferred") && messages[1].contains("no ownership controls"));
    assert_eq!(passed(&report, BUCKET_ACLS_ENABLED), 1);
}

// ---------------------------------------------------------------- TLS

#[test]
fn only_a_full_deny_of_plain_http_passes() {
    let deny = |action: Value, resource: Value, principal: Value, condition: Value| json!({"Effect": "Deny", "Principal": principal, "Action": action, "Resource": resource, "Condition": condition});
    let both = json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
    let tls = json!({"Bool": {"aws:SecureTransport": "false"}});
    let cases = [
        ("full", deny(json!("s3:*"), both.clone(), json!("*"), tls.clone()), true),
        (
            "everything",
            deny(json!("*"), json!("*"), json!({"AWS": "*"}), json!({"Bool": {"aws:securetransport": false}})),
            true,
        ),
        ("objects-only", deny(json!("s3:*"), json!("arn:aws:s3:::b/*"), json!("*"), tls.clone()), false),
        ("getobject", deny(json!("s3:GetObject"), both.clone(), json!("*"), tls.clone()), false),
        (
            "one-role",
            deny(json!("s3:*"), both.clone(), json!({"AWS": "arn:aws:iam::123456789012:role/x"}), tls.clone()),
            false,
        ),
        (
            "wrong-value",
            deny(json!("s3:*"), both.clone(), json!("*"), json!({"Bool": {"aws:SecureTransport": "true"}})),
            false,
        ),
        (
            "narrowed",
            deny(
                json!("s3:*"),
                both.clone(),
                json!("*"),
                json!({"Bool": {"aws:SecureTransport": "false"},
                "StringEquals": {"aws:SourceVpce": "vpce-1"}}),
            ),
            false,
        ),
    ];
    for (name, statement, ok) in cases {
        let r = testing::resource(
            "arn:aws:s3:::b",
            "b",
            "us-east-1",
            ResourceConfig::S3Bucket(Box::new(S3Bucket { policy: policy(vec![statement]), ..good("b") })),
        );
        let report = run(vec![r]);
        assert_eq!(passed(&report, SECURE_TRANSPORT) == 1, ok, "{name}");
        if !ok {
            let f = report.of_rule(SECURE_TRANSPORT).next().unwrap();
            assert_eq!(f.actions[0].kind, "s3.add_secure_transport_deny");
            assert_eq!(f.actions[0].params, json!({"bucket": "b"}));
        }
    }
}

// ---------------------------------------------------------------- encryption

#[test]
fn default_encryption_missing_or_not_kms_where_required() {
    let kms = |key: bool| {
        vec![EncryptionRule {
            sse_algorithm: "aws:kms".into(),
            kms_master_key_id: Some("k".into()),
            bucket_key_enabled: Some(key),
        }]
    };
    let settings = json!({"kms_required_buckets": ["*-artifacts-*", "audit"]});
    let report = run_with(
        vec![
            bucket("plain", |b| b.encryption = None),
            bucket("empty", |b| b.encryption = Some(vec![])),
            bucket("app-artifacts-1", |_| {}),
            bucket("app-artifacts-2", |b| b.encryption = Some(kms(false))),
            bucket("audit", |b| {
                b.encryption = Some(vec![EncryptionRule { sse_algorithm: "aws:kms:dsse".into(), ..Default::default() }])
            }),
            bucket("other", |_| {}),
            unknown(bucket("hidden", |b| b.encryption = None), &["encryption"]),
        ],
        settings,
    );
    assert_eq!(failed(&report, DEFAULT_ENCRYPTION), ["app-artifacts-1", "empty", "plain"]);
    assert_eq!(passed(&report, DEFAULT_ENCRYPTION), 3);
    let by = |name: &str| report.of_rule(DEFAULT_ENCRYPTION).find(|f| f.resource_arn.ends_with(name)).unwrap().clone();
    let plain = by(":plain");
    assert_eq!(plain.actions[0].params, json!({"bucket": "plain", "sse_algorithm": "AES256"}));
    let artifacts = by("app-artifacts-1");
    assert!(artifacts.message.contains("AES256") && artifacts.message.contains("kms_required_buckets"));
    assert!(artifacts.message.contains("Bucket Key"), "advice on the failing bucket");
    assert_eq!(artifacts.actions[0].params, json!({"bucket": "app-artifacts-1", "sse_algorithm": "aws:kms"}));
}

// ---------------------------------------------------------------- versioning

#[test]
fn versioning_is_judged_on_data_buckets_only() {
    let off = |b: &mut S3Bucket| b.versioning = Versioning::default();
    let report = run_with(
        vec![
            bucket("never", off),
            bucket("suspended", |b| b.versioning.status = Some("Suspended".into())),
            bucket("s3logs", off),
            bucket("cflogs", off),
            bucket("scratch-1", off),
            bucket("trail", off),
            bucket("source", |b| {
                b.logging = Some(BucketLogging { target_bucket: "s3logs".into(), target_prefix: String::new() })
            }),
            unknown(bucket("hidden", off), &["versioning"]),
            distribution("cflogs.s3.us-east-1.amazonaws.com"),
            trail("trail"),
        ],
        json!({"versioning_exempt": ["scratch-*"]}),
    );
    assert_eq!(failed(&report, VERSIONING), ["never", "suspended", "trail"]);
    assert_eq!(passed(&report, VERSIONING), 1, "only `source`");
    let f = report.of_rule(VERSIONING).find(|f| f.resource_arn.ends_with("suspended")).unwrap();
    assert!(f.message.contains("Suspended"));
    assert_eq!(f.actions[0].kind, "s3.enable_versioning");
}

#[test]
fn versioned_buckets_need_an_enabled_noncurrent_expiration() {
    let disabled =
        LifecycleRule { status: "Disabled".into(), noncurrent_version_expiration_days: Some(30), ..Default::default() };
    let current_only = LifecycleRule { status: "Enabled".into(), expiration_days: Some(365), ..Default::default() };
    let report = run_with(
        vec![
            bucket("none", |b| b.lifecycle_rules = None),
            bucket("disabled", |b| b.lifecycle_rules = Some(vec![disabled])),
            bucket("current", |b| b.lifecycle_rules = Some(vec![current_only])),
            bucket("fine", |_| {}),
            bucket("unversioned", |b| {
                b.versioning = Versioning::default();
                b.lifecycle_rules = None;
            }),
            unknown(bucket("hidden", |b| b.lifecycle_rules = None), &["lifecycle_rules"]),
        ],
        json!({"noncurrent_days": 30}),
    );
    assert_eq!(failed(&report, VERSIONING_WITHOUT_LIFECYCLE), ["current", "disabled", "none"]);
    assert_eq!(passed(&report, VERSIONING_WITHOUT_LIFECYCLE), 1);
    let f = report.of_rule(VERSIONING_WITHOUT_LIFECYCLE).next().unwrap();
    assert_eq!(f.actions[0].kind, "s3.put_noncurrent_version_expiration");
    assert_eq!(f.actions[0].params["days"], 30);
}

// ---------------------------------------------------------------- access logging

#[test]
fn access_logging_skips_log_destinations_and_hands_trail_buckets_to_the_trail_rule() {
    let report = run(vec![
        bucket("quiet", |b| b.logging = None),
        bucket("empty-target", |b| b.logging = Some(BucketLogging::default())),
        bucket("logs", |b| b.logging = None),
        bucket("trail", |b| b.logging = None),
        bucket("fine", |_| {}),
        unknown(bucket("hidden", |b| b.logging = None), &["logging"]),
        trail("trail"),
    ]);
    assert_eq!(failed(&report, ACCESS_LOGGING), ["empty-target", "quiet"]);
    assert_eq!(passed(&report, ACCESS_LOGGING), 1);
    assert_eq!(failed(&report, TRAIL_BUCKET_ACCESS_LOGGING), ["trail"]);
    assert!(report.of_rule(TRAIL_BUCKET_ACCESS_LOGGING).next().unwrap().message.contains("CloudTrail writes to"));

    let report = run(vec![bucket("trail", |_| {}), trail("trail")]);
    assert_eq!(passed(&report, TRAIL_BUCKET_ACCESS_LOGGING), 1);
    assert_eq!(evaluated(&report, ACCESS_LOGGING), 0);
}

// ---------------------------------------------------------------- the trail bucket

#[test]
fn a_public_trail_bucket_is_reported_once_under_the_trail_rule() {
    let write = json!({"Sid": "Oops", "Effect": "Allow", "Principal": "*", "Action": "s3:DeleteObject",
        "Resource": "arn:aws:s3:::trail/*"});
    let report = run(vec![
        bucket("trail", |b| {
            b.policy = policy(vec![deny_http("trail"), write]);
            b.acl = Some(BucketAcl { owner_id: None, grants: vec![group_grant(public::ALL_USERS, "READ")] });
        }),
        trail("trail"),
    ]);
    let f = report.of_rule(TRAIL_BUCKET_PUBLIC).next().expect("fails");
    assert!(f.message.contains("\"Oops\" (/Statement/1)") && f.message.contains("READ to AllUsers"), "{}", f.message);
    assert_eq!(f.severity, Some(Severity::Critical));
    assert_eq!(f.actions[0].params, json!({"bucket": "trail", "statement": "/Statement/1"}));
    assert_eq!(evaluated(&report, BUCKET_POLICY_PUBLIC) + evaluated(&report, BUCKET_ACL_PUBLIC), 0);
    assert_eq!(evaluated(&report, BUCKET_ACLS_ENABLED), 0);

    let report = run(vec![bucket("trail", |_| {}), trail("trail")]);
    assert_eq!(passed(&report, TRAIL_BUCKET_PUBLIC), 1);

    // Half read: a private policy does not clear an ACL nobody could read.
    let report = run(vec![unknown(bucket("trail", |b| b.acl = None), &["acl"]), trail("trail")]);
    assert_eq!(evaluated(&report, TRAIL_BUCKET_PUBLIC), 0);
}

// ---------------------------------------------------------------- settings

#[test]
fn settings_are_checked() {
    assert!(S3::validate_settings(&json!({})).is_ok());
    assert!(
        S3::validate_settings(&json!({"kms_required_buckets": ["a*"], "versioning_exempt": [], "noncurrent_days": 30}))
            .is_ok()
    );
    assert!(
        S3::validate_settings(&json!({"kms_required_bucket": ["a*"]})).unwrap_err().contains("kms_required_bucket")
    );
    assert!(S3::validate_settings(&json!({"versioning_exempt": "scratch"})).is_err());
    assert!(S3::validate_settings(&json!({"noncurrent_days": 0})).is_err());
}

#[test]
fn cloudfront_log_domains_name_their_bucket() {
    assert_eq!(bucket_of_domain("logs.s3.amazonaws.com"), Some("logs"));
    assert_eq!(bucket_of_domain("my.s3.logs.s3.eu-west-1.amazonaws.com"), Some("my.s3.logs"));
    assert_eq!(bucket_of_domain("plain-name"), Some("plain-name"));
    assert_eq!(bucket_of_domain(""), None);
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<S3>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn buckets_without_an_enabled_lifecycle_rule_fail_unless_archives_or_left_to_the_versioning_rule() {
    let resources = vec![
        trail("audit"),
        bucket("audit", |b| b.lifecycle_rules = None),
        // Receives the other buckets' access logs.
        bucket("logs", |b| {
            b.logging = None;
            b.lifecycle_rules = None;
            b.versioning.status = None;
        }),
        bucket("uploads", |b| {
            b.versioning.status = None;
            b.lifecycle_rules = Some(vec![LifecycleRule { status: "Disabled".into(), ..Default::default() }]);
        }),
        bucket("vault-2026", |b| {
            b.versioning.status = None;
            b.lifecycle_rules = None;
        }),
        // Versioned without any lifecycle: S3.VERSIONING_WITHOUT_LIFECYCLE's finding, not this one's.
        bucket("assets", |b| b.lifecycle_rules = None),
        bucket("unread", |b| {
            b.versioning.status = None;
            b.lifecycle_rules = None;
        }),
    ];
    let mut resources = resources;
    let last = resources.pop().unwrap();
    resources.push(unknown(last, &["lifecycle_rules"]));
    let report = run_with(resources, json!({ "archive_buckets": ["vault-*"] }));
    assert_eq!(failed(&report, LIFECYCLE), ["logs", "uploads"], "{:#?}", report.findings);
    assert!(failed(&report, VERSIONING_WITHOUT_LIFECYCLE).contains(&"assets".to_string()));
    let logs = report.of_rule(LIFECYCLE).find(|f| f.resource_arn.ends_with(":logs")).unwrap();
    assert!(logs.message.contains("receives logs"), "{}", logs.message);
    let uploads = report.of_rule(LIFECYCLE).find(|f| f.resource_arn.ends_with(":uploads")).unwrap();
    assert!(uploads.message.contains("all disabled"), "{}", uploads.message);
    assert!(uploads.actions.is_empty(), "how long data is kept is the team's decision");
    // The CloudTrail bucket, versioned with no lifecycle, is the versioning rule's; the one with a
    // lifecycle rule passes.
    assert_eq!(passed(&report, LIFECYCLE), 0);
    let report = run(vec![bucket("data", |_| {})]);
    assert_eq!((passed(&report, LIFECYCLE), evaluated(&report, LIFECYCLE)), (1, 1));
}

#[test]
fn a_bucket_that_logs_to_itself_is_no_log_destination_and_its_logging_fails() {
    let report = run(vec![bucket("data", |b| {
        b.logging = Some(BucketLogging { target_bucket: "data".into(), target_prefix: "self/".into() });
        b.versioning.status = None;
    })]);
    // Not exempt as a log destination: versioning and access logging are judged.
    assert_eq!(failed(&report, VERSIONING), ["data"]);
    assert_eq!(failed(&report, ACCESS_LOGGING), ["data"]);
    let f = report.of_rule(ACCESS_LOGGING).next().unwrap();
    assert!(f.message.contains("logs to itself"), "{}", f.message);
    // The same for the CloudTrail bucket, under its own rule.
    let report = run(vec![
        trail("audit"),
        bucket("audit", |b| {
            b.logging = Some(BucketLogging { target_bucket: "audit".into(), target_prefix: String::new() })
        }),
    ]);
    assert_eq!(failed(&report, TRAIL_BUCKET_ACCESS_LOGGING), ["audit"]);
}

#[test]
fn a_bucket_receiving_cloudfront_logging_v2_is_a_log_destination() {
    let mut cf = distribution("unused.s3.amazonaws.com");
    if let ResourceConfig::CloudFrontDistribution(d) = &mut cf.config {
        d.logging = None;
        d.access_log_destinations = vec!["arn:aws:s3:::cf-logs-v2/E1".into()];
    }
    let report = run(vec![
        cf,
        bucket("cf-logs-v2", |b| {
            b.versioning.status = None;
            b.logging = None;
        }),
    ]);
    assert!(failed(&report, VERSIONING).is_empty(), "{:#?}", report.findings);
    assert!(failed(&report, ACCESS_LOGGING).is_empty(), "{:#?}", report.findings);
    // Delivered by a bucket policy, not ACLs: ACLs are still asked to be off.
    assert_eq!(evaluated(&report, BUCKET_ACLS_ENABLED), 1);
}
