use super::*;
use bbscan_policy::Status;
use bbscan_policy::model::{CacheBehavior, DistributionLogging, Origin, S3Bucket, ViewerCertificate};

const DIST_ARN: &str = "arn:aws:cloudfront::123456789012:distribution/E1";
const OTHER_DIST_ARN: &str = "arn:aws:cloudfront::123456789012:distribution/E2";
const HSTS_POLICY: &str = "67f7725c-6f97-4210-82d7-5512b31e9d03";

fn behavior(path: Option<&str>, viewer: &str) -> CacheBehavior {
    CacheBehavior {
        path_pattern: path.map(str::to_string),
        target_origin_id: "server".into(),
        viewer_protocol_policy: viewer.into(),
        ..Default::default()
    }
}

fn server_origin(policy: &str, protocols: &[&str]) -> Origin {
    Origin {
        id: "server".into(),
        domain_name: "abc.lambda-url.us-east-1.on.aws".into(),
        kind: OriginKind::LambdaFunctionUrl,
        origin_protocol_policy: Some(policy.into()),
        origin_ssl_protocols: protocols.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    }
}

fn s3_origin(bucket: &str, oac: Option<&str>, oai: Option<&str>) -> Origin {
    Origin {
        id: "assets".into(),
        domain_name: format!("{bucket}.s3.us-east-1.amazonaws.com"),
        kind: OriginKind::S3,
        bucket: Some(bucket.into()),
        origin_access_control_id: oac.map(str::to_string),
        origin_access_identity: oai.map(str::to_string),
        ..Default::default()
    }
}

/// A distribution that passes every rule: the production shape, with a WAF.
fn good() -> CloudFrontDistribution {
    let mut default = behavior(None, "redirect-to-https");
    default.response_headers_policy_id = Some(HSTS_POLICY.into());
    CloudFrontDistribution {
        enabled: true,
        aliases: vec!["brainbytes.example.com".into()],
        viewer_certificate: ViewerCertificate {
            cloudfront_default_certificate: false,
            acm_certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/c1".into()),
            ssl_support_method: Some("sni-only".into()),
            minimum_protocol_version: Some("TLSv1.2_2021".into()),
            ..Default::default()
        },
        cache_behaviors: vec![default, behavior(Some("/_next/static/*"), "https-only")],
        origins: vec![s3_origin("assets", Some("OAC1"), None), server_origin("https-only", &["TLSv1.2"])],
        logging: Some(DistributionLogging {
            bucket: "logs.s3.amazonaws.com".into(),
            prefix: "cloudfront/".into(),
            include_cookies: false,
        }),
        web_acl_id: Some("arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1".into()),
        ..Default::default()
    }
}

fn distribution(d: CloudFrontDistribution) -> Resource {
    bbscan_policy::testing::resource(DIST_ARN, "E1", "global", ResourceConfig::CloudFrontDistribution(Box::new(d)))
}

fn bucket(name: &str, policy: Option<Value>) -> Resource {
    let config = ResourceConfig::S3Bucket(Box::new(S3Bucket { policy, ..Default::default() }));
    bbscan_policy::testing::resource(&format!("arn:aws:s3:::{name}"), name, "us-east-1", config)
}

fn oac_policy(bucket: &str, source_arn: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowCloudFront",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{bucket}/*"),
        "Condition": {"StringEquals": {"AWS:SourceArn": source_arn}}
    }]})
}

fn certificate(status: &str, not_after: &str, in_use: bool) -> Resource {
    let config = ResourceConfig::AcmCertificate(AcmCertificate {
        domain_name: Some("example.com".into()),
        status: Some(status.into()),
        not_after: Some(not_after.into()),
        in_use_by: if in_use { vec![DIST_ARN.into()] } else { vec![] },
        ..Default::default()
    });
    bbscan_policy::testing::resource(
        "arn:aws:acm:us-east-1:123456789012:certificate/c1",
        "example.com",
        "us-east-1",
        config,
    )
}

fn run(resources: Vec<Resource>, settings: Value) -> Result<Report, String> {
    bbscan_policy::run::<CloudFront>(&bbscan_policy::testing::snapshot(resources), &settings)
}

fn evaluate(resources: Vec<Resource>) -> Report {
    run(resources, json!({})).expect("evaluates")
}

fn of<'a>(report: &'a Report, rule: &'a str) -> Vec<&'a bbscan_policy::Finding> {
    report.of_rule(rule).collect()
}

fn passed(report: &Report, rule: &str) -> u32 {
    report.tallies.get(rule).map_or(0, |t| t.passed)
}

fn evaluated(report: &Report, rule: &str) -> u32 {
    report.tallies.get(rule).map_or(0, |t| t.evaluated)
}

#[test]
fn a_well_configured_distribution_passes_every_rule() {
    let report = evaluate(vec![distribution(good()), bucket("assets", Some(oac_policy("assets", json!(DIST_ARN))))]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    for rule in [
        VIEWER_PROTOCOL_HTTPS,
        VIEWER_TLS,
        DEFAULT_CERTIFICATE,
        ORIGIN_HTTPS,
        ORIGIN_TLS,
        SECURITY_HEADERS,
        ACCESS_LOGGING,
        WAF,
        S3_ORIGIN_OAC,
    ] {
        assert_eq!(passed(&report, rule), 1, "{rule}");
    }
}

#[test]
fn https_everywhere_passes() {
    let mut d = good();
    d.cache_behaviors = vec![behavior(None, "redirect-to-https"), behavior(Some("/api/*"), "https-only")];
    let report = evaluate(vec![distribution(d)]);
    assert!(of(&report, VIEWER_PROTOCOL_HTTPS).is_empty());
    assert_eq!(passed(&report, VIEWER_PROTOCOL_HTTPS), 1);
}

#[test]
fn an_ordered_behaviour_on_plain_http_fails_even_when_the_default_is_https() {
    let mut d = good();
    d.cache_behaviors = vec![behavior(None, "redirect-to-https"), behavior(Some("/_next/static/*"), "allow-all")];
    let report = evaluate(vec![distribution(d)]);
    let found = of(&report, VIEWER_PROTOCOL_HTTPS);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("/_next/static/*"));
    assert_eq!(found[0].evidence, vec!["/config/cache_behaviors/1/viewer_protocol_policy"]);
    assert_eq!(found[0].actions[0].params["path_patterns"], json!(["/_next/static/*"]));
}

#[test]
fn weak_viewer_tls_or_dedicated_ip_fails_with_the_values_named() {
    let mut d = good();
    d.viewer_certificate.minimum_protocol_version = Some("TLSv1.1_2016".into());
    d.viewer_certificate.ssl_support_method = Some("vip".into());
    let report = evaluate(vec![distribution(d)]);
    let found = of(&report, VIEWER_TLS);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("TLSv1.1_2016") && found[0].message.contains("vip"), "{}", found[0].message);
    assert_eq!(found[0].actions[0].kind, "cloudfront.set_minimum_protocol_version");
    assert_eq!(
        found[0].actions[0].params,
        json!({"distribution_id": "E1", "minimum_protocol_version": "TLSv1.2_2021"})
    );
    assert!(of(&report, DEFAULT_CERTIFICATE).is_empty(), "a custom certificate passes DEFAULT_CERTIFICATE");
}

#[test]
fn sni_problem_alone_gets_no_protocol_action() {
    let mut d = good();
    d.viewer_certificate.ssl_support_method = Some("static-ip".into());
    let report = evaluate(vec![distribution(d)]);
    let found = of(&report, VIEWER_TLS);
    assert_eq!(found.len(), 1);
    assert!(found[0].actions.is_empty());
}

#[test]
fn a_stricter_minimum_fails_2021_without_an_action_that_cannot_meet_it() {
    let report = run(vec![distribution(good())], json!({"minimum_protocol_version": "TLSv1.2_2025"})).unwrap();
    let found = of(&report, VIEWER_TLS);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("TLSv1.2_2021 is below TLSv1.2_2025"));
    assert!(found[0].actions.is_empty(), "the catalogue action only sets TLSv1.2_2021");
    let report = run(vec![distribution(good())], json!({"minimum_protocol_version": "TLSv1.2_2019"})).unwrap();
    assert_eq!(passed(&report, VIEWER_TLS), 1);
}

#[test]
fn the_default_certificate_is_one_finding_not_two() {
    let mut d = good();
    d.aliases.clear();
    d.viewer_certificate = ViewerCertificate {
        cloudfront_default_certificate: true,
        minimum_protocol_version: Some("TLSv1".into()),
        ..Default::default()
    };
    let report = evaluate(vec![distribution(d.clone())]);
    assert_eq!(of(&report, DEFAULT_CERTIFICATE).len(), 1);
    assert!(of(&report, VIEWER_TLS).is_empty());
    assert_eq!(evaluated(&report, VIEWER_TLS), 0, "VIEWER_TLS does not evaluate the default certificate");
    d.aliases = vec!["www.example.com".into()];
    let report = evaluate(vec![distribution(d)]);
    let found = of(&report, DEFAULT_CERTIFICATE);
    assert!(found[0].message.contains("www.example.com"));
    assert!(found[0].evidence.contains(&"/config/aliases".to_string()));
}

#[test]
fn custom_origins_must_use_https_only_and_tls12() {
    let mut d = good();
    d.origins = vec![
        server_origin("match-viewer", &["TLSv1", "TLSv1.1", "TLSv1.2"]),
        Origin {
            id: "site".into(),
            domain_name: "site.s3-website-us-east-1.amazonaws.com".into(),
            kind: OriginKind::S3Website,
            origin_protocol_policy: Some("http-only".into()),
            origin_ssl_protocols: vec!["SSLv3".into()],
            ..Default::default()
        },
    ];
    let report = evaluate(vec![distribution(d)]);
    let https = of(&report, ORIGIN_HTTPS);
    assert_eq!(https.len(), 1);
    assert!(https[0].message.contains("'server'") && https[0].message.contains("match-viewer"));
    assert!(https[0].message.contains("S3 website endpoint cannot serve HTTPS"));
    assert_eq!(
        https[0].evidence,
        vec!["/config/origins/0/origin_protocol_policy", "/config/origins/1/origin_protocol_policy"]
    );
    let tls = of(&report, ORIGIN_TLS);
    assert_eq!(tls.len(), 1);
    assert!(tls[0].message.contains("TLSv1, TLSv1.1"), "{}", tls[0].message);
    assert!(!tls[0].message.contains("SSLv3"), "the http-only origin is ORIGIN_HTTPS's alone");
}

#[test]
fn s3_origins_are_not_custom_origins() {
    let mut d = good();
    d.origins = vec![s3_origin("assets", Some("OAC1"), None)];
    let report = evaluate(vec![distribution(d)]);
    assert_eq!(evaluated(&report, ORIGIN_HTTPS), 0);
    assert_eq!(evaluated(&report, ORIGIN_TLS), 0);
}

#[test]
fn security_headers_pass_fail_and_manual() {
    let with_policy = |id: Option<&str>| {
        let mut d = good();
        d.cache_behaviors[0].response_headers_policy_id = id.map(str::to_string);
        evaluate(vec![distribution(d)])
    };
    let report = with_policy(None);
    assert_eq!(of(&report, SECURITY_HEADERS)[0].status, Status::Fail);
    assert_eq!(of(&report, SECURITY_HEADERS)[0].evidence, vec!["/config/cache_behaviors/0/response_headers_policy_id"]);
    let report = with_policy(Some("60669652-455b-4ae9-85a4-c4c02393f86c"));
    assert!(of(&report, SECURITY_HEADERS)[0].message.contains("SimpleCORS"));
    assert_eq!(of(&report, SECURITY_HEADERS)[0].status, Status::Fail);
    let report = with_policy(Some("0a1b2c3d-custom"));
    let found = of(&report, SECURITY_HEADERS);
    assert_eq!(found[0].status, Status::Manual);
    assert!(found[0].message.contains("Strict-Transport-Security"));
    assert_eq!(passed(&report, SECURITY_HEADERS), 0);
    let report = with_policy(Some("e61eb60c-9c35-4d20-a928-2b84e02af89c"));
    assert_eq!(passed(&report, SECURITY_HEADERS), 1);
}

#[test]
fn an_ordered_behaviour_without_headers_does_not_matter() {
    let d = good();
    assert!(d.cache_behaviors[1].response_headers_policy_id.is_none());
    let report = evaluate(vec![distribution(d)]);
    assert_eq!(passed(&report, SECURITY_HEADERS), 1);
}

#[test]
fn logging_and_waf() {
    let mut d = good();
    d.logging = None;
    d.web_acl_id = None;
    let report = evaluate(vec![distribution(d.clone())]);
    assert_eq!(of(&report, ACCESS_LOGGING).len(), 1);
    assert_eq!(of(&report, WAF).len(), 1);
    let report = run(vec![distribution(d)], json!({"require_waf": false})).unwrap();
    assert!(of(&report, WAF).is_empty());
    assert_eq!(evaluated(&report, WAF), 0);
}

#[test]
fn a_bucket_granting_only_this_distribution_passes_even_without_an_oac_id() {
    let mut d = good();
    d.origins = vec![s3_origin("assets", None, None)];
    let report = evaluate(vec![distribution(d), bucket("assets", Some(oac_policy("assets", json!(DIST_ARN))))]);
    assert!(of(&report, S3_ORIGIN_OAC).is_empty());
    assert_eq!(passed(&report, S3_ORIGIN_OAC), 1);
}

#[test]
fn a_legacy_origin_access_identity_fails() {
    let mut d = good();
    d.origins = vec![s3_origin("assets", None, Some("origin-access-identity/cloudfront/E3OAI"))];
    let report = evaluate(vec![distribution(d), bucket("assets", None)]);
    let found = of(&report, S3_ORIGIN_OAC);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("legacy origin access identity"));
    assert!(found[0].evidence.contains(&"/config/origins/0/origin_access_identity".to_string()));
}

#[test]
fn a_grant_to_another_distribution_or_a_wildcard_fails() {
    for source in [json!(OTHER_DIST_ARN), json!("arn:aws:cloudfront::123456789012:distribution/*")] {
        let mut d = good();
        d.origins = vec![s3_origin("assets", Some("OAC1"), None)];
        let report = evaluate(vec![distribution(d), bucket("assets", Some(oac_policy("assets", source.clone())))]);
        let found = of(&report, S3_ORIGIN_OAC);
        assert_eq!(found.len(), 1, "{source}");
        assert!(found[0].message.contains(source.as_str().unwrap_or_default()), "{}", found[0].message);
    }
}

#[test]
fn a_cloudfront_grant_without_source_arn_fails() {
    let policy = json!({"Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::assets/*"
    }]});
    let report = evaluate(vec![distribution(good()), bucket("assets", Some(policy))]);
    let found = of(&report, S3_ORIGIN_OAC);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("without an AWS:SourceArn condition"));
}

#[test]
fn a_public_bucket_fails_but_a_deny_or_a_restricted_grant_does_not() {
    let public = json!({"Statement": [
        {"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::assets/*"}
    ]});
    let mut d = good();
    d.origins = vec![s3_origin("assets", None, None)];
    let report = evaluate(vec![distribution(d.clone()), bucket("assets", Some(public))]);
    let found = of(&report, S3_ORIGIN_OAC);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("PublicReadGetObject") && found[0].message.contains("public"));
    assert!(found[0].message.contains("neither an origin access control nor an origin access identity"));

    let mut fine = oac_policy("assets", json!(DIST_ARN));
    if let Some(Value::Array(statements)) = fine.get_mut("Statement") {
        statements.push(json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::assets/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}));
        statements.push(json!({"Sid": "Vpc", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::assets/*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}));
    }
    let report = evaluate(vec![distribution(d), bucket("assets", Some(fine))]);
    assert!(of(&report, S3_ORIGIN_OAC).is_empty(), "{:#?}", report.findings);
}

#[test]
fn a_negated_or_if_exists_condition_does_not_restrict() {
    let policy = json!({"Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}, "StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}
    }]});
    let report = evaluate(vec![distribution(good()), bucket("assets", Some(policy))]);
    assert_eq!(of(&report, S3_ORIGIN_OAC).len(), 1);
}

#[test]
fn no_oac_and_no_bucket_in_the_snapshot_fails_but_an_unread_policy_is_not_judged() {
    let mut d = good();
    d.origins = vec![s3_origin("elsewhere", None, None)];
    let report = evaluate(vec![distribution(d.clone())]);
    assert_eq!(of(&report, S3_ORIGIN_OAC).len(), 1);

    let mut unread = bucket("elsewhere", None);
    unread.unknown = vec!["policy".into()];
    let report = evaluate(vec![distribution(d), unread]);
    assert!(of(&report, S3_ORIGIN_OAC).is_empty());
    assert_eq!(evaluated(&report, S3_ORIGIN_OAC), 0);
}

#[test]
fn an_undescribed_distribution_is_not_judged() {
    let mut r = distribution(CloudFrontDistribution::default());
    r.unknown = vec!["config".into()];
    let report = evaluate(vec![r]);
    assert!(report.findings.is_empty() && report.tallies.is_empty());
}

#[test]
fn certificates_in_use_must_be_issued_and_not_expiring() {
    // The test snapshot's "now" is 2026-01-01T00:00:00Z.
    let report = evaluate(vec![certificate("ISSUED", "2026-01-20T00:00:00Z", true)]);
    let found = of(&report, CERTIFICATE_EXPIRY);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("in 19 days"), "{}", found[0].message);
    let report = evaluate(vec![certificate("EXPIRED", "2025-12-01T00:00:00Z", true)]);
    let found = of(&report, CERTIFICATE_EXPIRY);
    assert!(found[0].message.contains("EXPIRED") && found[0].message.contains("expired on"));
    let report = evaluate(vec![certificate("ISSUED", "2027-01-01T00:00:00Z", true)]);
    assert_eq!(passed(&report, CERTIFICATE_EXPIRY), 1);
    let report = evaluate(vec![certificate("PENDING_VALIDATION", "2026-01-02T00:00:00Z", false)]);
    assert_eq!(evaluated(&report, CERTIFICATE_EXPIRY), 0, "certificates not in use are not evaluated");
    let report =
        run(vec![certificate("ISSUED", "2026-01-20T00:00:00Z", true)], json!({"certificate_expiry_days": 14})).unwrap();
    assert_eq!(passed(&report, CERTIFICATE_EXPIRY), 1);
}

#[test]
fn settings_are_checked() {
    assert!(CloudFront::validate_settings(&json!({})).is_ok());
    assert!(
        CloudFront::validate_settings(&json!({"minimum_protocol_version": "TLSv1.2_2019", "require_waf": false,
        "certificate_expiry_days": 45}))
        .is_ok()
    );
    let err = CloudFront::validate_settings(&json!({"minimum_protocol": "TLSv1"})).unwrap_err();
    assert!(err.contains("minimum_protocol"), "{err}");
    let err = CloudFront::validate_settings(&json!({"minimum_protocol_version": "TLS1.2"})).unwrap_err();
    assert!(err.contains("TLSv1.2_2021"), "{err}");
    assert!(CloudFront::validate_settings(&json!({"certificate_expiry_days": 0})).is_err());
    assert!(CloudFront::validate_settings(&json!({"require_waf": "yes"})).is_err());
}

#[test]
fn rules_are_described() {
    let info = CloudFront::info();
    assert_eq!(info.rules.len(), 10);
    let s3 = info.rules.iter().find(|r| r.id == S3_ORIGIN_OAC).unwrap();
    assert!(s3.kinds.contains(&"s3.bucket".to_string()));
    for rule in &info.rules {
        assert!(!rule.description.is_empty() && !rule.remediation.is_empty(), "{}", rule.id);
    }
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<CloudFront>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn standard_logging_v2_counts_and_unread_deliveries_are_not_assessed() {
    let v2 = |destinations: &[&str], known: bool| {
        let mut d = good();
        d.logging = None;
        d.access_log_destinations = destinations.iter().map(|s| s.to_string()).collect();
        let mut r = distribution(d);
        if !known {
            r.unknown.push("access_log_destinations".into());
        }
        r
    };
    // Delivered to a log group through CloudWatch Logs: logging.
    let report = evaluate(vec![v2(&["arn:aws:logs:us-east-1:123456789012:log-group:cf-access"], true)]);
    assert!(of(&report, ACCESS_LOGGING).is_empty());
    assert_eq!(passed(&report, ACCESS_LOGGING), 1);
    // Neither kind: a failure that names both.
    let report = evaluate(vec![v2(&[], true)]);
    let found = of(&report, ACCESS_LOGGING);
    assert_eq!(found[0].status, Status::Fail);
    assert!(found[0].message.contains("neither legacy logging to S3 nor a CloudWatch Logs delivery"));
    // Legacy off and the deliveries unread: not assessed, never a failure.
    let report = evaluate(vec![v2(&[], false)]);
    let found = of(&report, ACCESS_LOGGING);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, Status::NotAssessed);
    assert_eq!(evaluated(&report, ACCESS_LOGGING), 0);
}
