//! `bbscan snapshot` against a seeded moto account, through the real binary.

use bbscan_model::{KINDS, ResourceConfig, Snapshot};
use bbscan_tests::{Manifest, Moto, REGION, assert_valid_snapshot, bbscan};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

struct Run {
    snapshot: Snapshot,
    json: Value,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Run `bbscan snapshot` against moto, to stdout, with extra arguments.
fn snapshot(moto: &Moto, extra: &[&str]) -> Run {
    let output = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION])
        .args(extra)
        .output()
        .expect("run bbscan");
    assert!(output.status.success(), "bbscan snapshot failed: {}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_valid_snapshot(&json);
    let snapshot = Snapshot::from_json(&output.stdout).expect("stdout is a snapshot");
    Run { snapshot, json, stdout: output.stdout, stderr: output.stderr }
}

/// (kind, name) of every resource, named as the seed's manifest names them: certificates by
/// ARN and origin access controls by id.
fn names(snapshot: &Snapshot) -> BTreeSet<(String, String)> {
    snapshot
        .resources
        .iter()
        .map(|r| {
            let id = match &r.config {
                ResourceConfig::AcmCertificate(_) => r.arn.clone(),
                ResourceConfig::CloudFrontOriginAccessControl(o) => o.id.clone(),
                _ => r.name.clone(),
            };
            (r.kind().to_string(), id)
        })
        .collect()
}

/// The manifest's resources of some stages, as (kind, name) with the scanner's naming.
fn manifest_names(manifest: &Manifest, stage: Option<&str>) -> BTreeSet<(String, String)> {
    manifest
        .resources()
        .into_iter()
        .filter(|(s, _, _)| s.as_deref() == stage)
        .map(|(_, kind, name)| {
            // IAM keeps OIDC provider URLs without the scheme.
            let name = name.trim_start_matches("https://").to_string();
            (kind, name)
        })
        .collect()
}

fn resource<'a>(snapshot: &'a Snapshot, kind: &str, name_part: &str) -> &'a bbscan_model::Resource {
    snapshot
        .resources
        .iter()
        .find(|r| r.kind() == kind && r.name.contains(name_part))
        .unwrap_or_else(|| panic!("no {kind} named like {name_part:?}"))
}

#[test]
fn production_snapshot_holds_every_kind_of_production_and_nothing_of_dev() {
    let moto = Moto::start();
    let manifest = moto.seed(0);
    let run = snapshot(&moto, &["--stage", "production"]);
    let snap = &run.snapshot;

    // Every kind, every production resource, every account-wide one, no dev resource.
    let kinds: BTreeSet<&str> = snap.resources.iter().map(|r| r.kind()).collect();
    for kind in KINDS {
        assert!(kinds.contains(kind), "no {kind} in the production snapshot");
    }
    let got = names(snap);
    for expected in manifest_names(&manifest, Some("production")).iter().chain(&manifest_names(&manifest, None)) {
        assert!(got.contains(expected), "production snapshot lacks {expected:?}");
    }
    for dev in manifest_names(&manifest, Some("dev")) {
        assert!(!got.contains(&dev), "production snapshot holds dev resource {dev:?}");
    }
    for r in &snap.resources {
        assert_ne!(r.stage(), Some("dev"), "{} is tagged dev", r.arn);
    }
    assert_eq!(snap.metadata.stage.as_deref(), Some("production"));
    assert_eq!(snap.metadata.account_id, "123456789012");
    assert_eq!(snap.metadata.partition, "aws");
    assert_eq!(snap.metadata.stages_seen, vec!["dev", "production"]);
    assert!(snap.metadata.api_calls > 50, "API calls are counted");
    assert_eq!(snap.metadata.api_calls, snap.metadata.api_calls_by_operation.values().sum::<u64>());

    // moto lacks ListBackupSelections: a gap, and the plan says its selections are unknown.
    let plan = resource(snap, "backup.plan", "brainbytes-production-daily");
    assert!(plan.unknown.contains(&"selections".to_string()), "{:?}", plan.unknown);
    assert!(
        snap.gaps
            .iter()
            .any(|g| g.operation == "ListBackupSelections" && g.resource.as_deref() == Some(plan.arn.as_str())),
        "{:?}",
        snap.gaps
    );
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("backup:ListBackupSelections"),
        "gaps are reported on stderr"
    );

    // The fields the controls need, as AWS said them.
    let ResourceConfig::CloudFrontDistribution(d) = &resource(snap, "cloudfront.distribution", "").config else {
        unreachable!()
    };
    assert_eq!(d.aliases, vec!["brainbytes.redentor.dev"]);
    assert_eq!(d.viewer_certificate.minimum_protocol_version.as_deref(), Some("TLSv1.2_2021"));
    assert_eq!(d.viewer_certificate.ssl_support_method.as_deref(), Some("sni-only"));
    let behaviours: BTreeMap<Option<&str>, &str> =
        d.cache_behaviors.iter().map(|b| (b.path_pattern.as_deref(), b.viewer_protocol_policy.as_str())).collect();
    assert_eq!(behaviours[&None], "redirect-to-https");
    assert_eq!(behaviours[&Some("/_next/static/*")], "allow-all", "ordered behaviours are collected");
    assert_eq!(behaviours[&Some("/api/*")], "https-only");
    assert!(d.cache_behaviors[0].response_headers_policy_id.is_some());
    assert!(d.logging.is_some(), "production logs to the logs bucket");
    let lambda_origin = d
        .origins
        .iter()
        .find(|o| o.kind == bbscan_model::OriginKind::LambdaFunctionUrl)
        .expect("a function URL origin");
    assert_eq!(lambda_origin.origin_protocol_policy.as_deref(), Some("https-only"));
    assert_eq!(lambda_origin.origin_ssl_protocols, vec!["TLSv1.2"]);
    assert!(
        d.origins.iter().any(|o| o.kind == bbscan_model::OriginKind::S3
            && o.bucket.as_deref().is_some_and(|b| b.contains("assetsbucket")))
    );

    let assets = resource(snap, "s3.bucket", "production-assetsbucket");
    let ResourceConfig::S3Bucket(b) = &assets.config else { unreachable!() };
    assert!(b.public_access_block.as_ref().is_some_and(|p| p.all_on()));
    let policy = b.policy.as_ref().expect("the assets bucket has a policy");
    assert!(policy["Statement"].is_array(), "bucket policies are stored decoded: {policy}");
    assert!(policy.to_string().contains("cloudfront.amazonaws.com"));
    assert_eq!(b.object_ownership.as_deref(), Some("BucketOwnerEnforced"));
    assert_eq!(b.encryption.as_ref().map(|e| e[0].sse_algorithm.as_str()), Some("AES256"));
    assert!(b.logging.is_some());
    let artifacts = resource(snap, "s3.bucket", "production-artifactsbucket");
    let ResourceConfig::S3Bucket(a) = &artifacts.config else { unreachable!() };
    assert_eq!(a.versioning.status, None, "the artifacts bucket was never versioned");
    assert_eq!(a.encryption.as_ref().map(|e| e[0].sse_algorithm.as_str()), Some("aws:kms"));
    assert!(
        snap.of_kind("s3.bucket").any(
            |r| matches!(&r.config, ResourceConfig::S3Bucket(b) if b.object_lock.as_ref().is_some_and(|l| l.enabled))
        ),
        "object lock is collected"
    );
    assert!(
        snap.of_kind("s3.bucket").any(|r| matches!(&r.config, ResourceConfig::S3Bucket(b)
            if b.lifecycle_rules.as_ref().is_some_and(|rules| rules.iter().any(|l| l.noncurrent_version_expiration_days.is_some())))),
        "lifecycle rules are collected"
    );
    let ResourceConfig::S3AccountPublicAccessBlock(account_block) =
        &resource(snap, "s3.account_public_access_block", "").config
    else {
        unreachable!()
    };
    assert_eq!(
        account_block.configuration.as_ref().map(|c| c.block_public_policy),
        Some(false),
        "S3 Control is reached"
    );

    let server = resource(snap, "lambda.function", "production-ServerFunction");
    let ResourceConfig::LambdaFunction(f) = &server.config else { unreachable!() };
    assert_eq!(f.runtime.as_deref(), Some("nodejs20.x"));
    assert_eq!(f.reserved_concurrency, Some(50));
    assert_eq!(f.tracing_mode.as_deref(), Some("Active"));
    assert_eq!(f.url.as_ref().map(|u| u.auth_type.as_str()), Some("AWS_IAM"));
    assert!(f.policy.as_ref().is_some_and(|p| p["Statement"].is_array()), "resource policies are decoded");
    let env: BTreeMap<&str, bbscan_model::EnvValueClass> =
        f.environment.iter().map(|e| (e.name.as_str(), e.classification)).collect();
    assert_eq!(env.get("DATABASE_URL_PARAM"), Some(&bbscan_model::EnvValueClass::Reference));
    assert_eq!(env.get("NODE_ENV"), Some(&bbscan_model::EnvValueClass::Plain));

    let ResourceConfig::SsmParameter(openai) =
        &resource(snap, "ssm.parameter", "/brainbytes/production/OpenaiApiKey").config
    else {
        unreachable!()
    };
    assert_eq!(openai.parameter_type, "String");
    let ResourceConfig::SsmParameter(db) =
        &resource(snap, "ssm.parameter", "/brainbytes/production/DatabaseUrl").config
    else {
        unreachable!()
    };
    assert_eq!(db.parameter_type, "SecureString");

    let ResourceConfig::IamAccount(account) = &resource(snap, "iam.account", "").config else { unreachable!() };
    assert_eq!(account.password_policy.as_ref().and_then(|p| p.minimum_password_length), Some(8));
    assert_eq!(account.root_mfa_enabled, Some(false));
    let deploy = resource(snap, "iam.role", "production-GithubDeployRole");
    let ResourceConfig::IamRole(role) = &deploy.config else { unreachable!() };
    assert!(
        role.trust_policy["Statement"][0]["Principal"]["Federated"]
            .as_str()
            .is_some_and(|p| p.contains("oidc-provider"))
    );
    let ResourceConfig::IamOidcProvider(oidc) = &resource(snap, "iam.oidc_provider", "").config else { unreachable!() };
    assert_eq!(oidc.client_ids, vec!["sts.amazonaws.com"]);
    let alice = resource(snap, "iam.user", "alice");
    let ResourceConfig::IamUser(u) = &alice.config else { unreachable!() };
    assert!(u.login_profile.is_some() && u.mfa_devices.is_empty());
    assert_eq!(u.access_keys.len(), 1);
    assert!(u.attached_policies.iter().any(|p| p.name == "AdministratorAccess"));
    assert_eq!(u.credential_report.as_ref().map(|r| r["mfa_active"].as_str()), Some("false"));
    let bob = resource(snap, "iam.user", "bob");
    let ResourceConfig::IamUser(u) = &bob.config else { unreachable!() };
    assert_eq!(u.mfa_devices.len(), 1);
    let boundary = resource(snap, "iam.policy", "LambdaPermissionsBoundary");
    assert_eq!(boundary.stage(), Some("production"), "customer-managed policy tags are read");

    let ResourceConfig::CloudTrailTrail(trail) = &resource(snap, "cloudtrail.trail", "brainbytes-audit").config else {
        unreachable!()
    };
    assert!(!trail.is_multi_region_trail && !trail.log_file_validation_enabled);
    assert_eq!(trail.status.as_ref().map(|s| s.is_logging), Some(true));
    assert!(!trail.advanced_event_selectors.is_empty(), "management, S3 object, Lambda and SQS data events");
    assert!(
        got.iter().any(|(k, n)| k == "s3.bucket" && n.starts_with("brainbytes-audit")),
        "the trail's bucket goes with the trail"
    );

    let log_groups: Vec<_> = snap.of_kind("logs.log_group").collect();
    assert!(
        log_groups.iter().all(|g| matches!(&g.config, ResourceConfig::LogGroup(l) if l.retention_in_days == Some(30)))
    );
    assert!(
        snap.of_kind("cloudwatch.alarm")
            .all(|a| matches!(&a.config, ResourceConfig::CloudWatchAlarm(c) if !c.alarm_actions.is_empty()))
    );
    let ResourceConfig::KmsKey(key) = &snap.of_kind("kms.key").next().expect("a key").config else { unreachable!() };
    assert_eq!(key.rotation_enabled, Some(true));
    assert!(key.aliases.contains(&"alias/brainbytes-production".to_string()));
    let ResourceConfig::AcmCertificate(cert) = &snap.of_kind("acm.certificate").next().expect("a certificate").config
    else {
        unreachable!()
    };
    assert_eq!(cert.domain_name.as_deref(), Some("brainbytes.redentor.dev"));
    assert!(cert.not_after.is_some());
    let ResourceConfig::BackupPlan(plan) = &plan.config else { unreachable!() };
    assert!(plan.rules.iter().any(|r| r.schedule_expression.as_deref() == Some("cron(0 5 * * ? *)")));

    // The snapshot's JSON has the kind beside its config.
    assert!(
        run.json["resources"]
            .as_array()
            .is_some_and(|a| a.iter().all(|r| r["kind"].is_string() && r["config"].is_object()))
    );
    assert!(!run.stdout.is_empty());
}

#[test]
fn no_secret_value_is_ever_written() {
    let moto = Moto::start();
    let manifest = moto.seed(0);
    let run = snapshot(&moto, &["-v"]);
    let secrets = manifest.secret_values();
    assert!(secrets.len() >= 10, "the seed plants secrets");
    for secret in &secrets {
        for (what, bytes) in [("snapshot", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret value appears in the {what}"
            );
        }
    }
    // The dev server function has secrets in its environment: named, classified, value dropped.
    let dev = resource(&run.snapshot, "lambda.function", "dev-ServerFunction");
    let ResourceConfig::LambdaFunction(f) = &dev.config else { unreachable!() };
    let openai = f.environment.iter().find(|e| e.name == "OPENAI_API_KEY").expect("OPENAI_API_KEY is listed");
    assert_eq!(openai.classification, bbscan_model::EnvValueClass::Secret);
}

#[test]
fn the_whole_account_has_every_stage_and_an_unknown_stage_is_a_clear_error() {
    let moto = Moto::start();
    let manifest = moto.seed(0);
    let run = snapshot(&moto, &[]);
    assert_eq!(run.snapshot.metadata.stage, None);
    assert_eq!(run.snapshot.metadata.stages_seen, vec!["dev", "production"]);
    let got = names(&run.snapshot);
    for stage in [Some("production"), Some("dev"), None] {
        for expected in manifest_names(&manifest, stage) {
            assert!(got.contains(&expected), "whole-account snapshot lacks {expected:?}");
        }
    }

    let output = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION, "--stage", "prod"])
        .output()
        .expect("run bbscan");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "nothing is written for a failed snapshot");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sst:stage=\"prod\"") && stderr.contains("Stages found: dev, production"), "{stderr}");
}

#[test]
fn lists_longer_than_one_page_are_read_to_the_end() {
    let moto = Moto::start();
    let manifest = moto.seed(180);
    let run = snapshot(&moto, &["--stage", "load", "--concurrency", "8"]);
    let snap = &run.snapshot;
    let expected = manifest_names(&manifest, Some("load"));
    let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
    for (kind, _) in &expected {
        *per_kind.entry(kind.clone()).or_insert(0) += 1;
    }
    let got = names(snap);
    for e in &expected {
        assert!(got.contains(e), "{e:?} is missing: a page was lost");
    }
    // More than one page was read where the lists are longer than a page.
    let calls = &snap.metadata.api_calls_by_operation;
    // moto answers GetAccountAuthorizationDetails and ListFunctions in one page whatever their
    // size; log groups page at 50 and parameters at 10.
    assert!(per_kind["logs.log_group"] > 40 && calls["logs:DescribeLogGroups"] >= 2, "{per_kind:?} {calls:?}");
    assert!(per_kind["ssm.parameter"] > 10 && calls["ssm:DescribeParameters"] >= 2, "{per_kind:?} {calls:?}");
    // Only what moto does not implement.
    assert!(
        snap.gaps.iter().all(|g| ["ListBackupSelections", "ListCostAllocationTags"].contains(&g.operation.as_str())),
        "{:?}",
        snap.gaps
    );
}

#[test]
fn a_snapshot_file_is_written_whole_and_matches_stdout() {
    let moto = Moto::start();
    moto.seed(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snap.json");
    std::fs::write(&path, b"previous contents").expect("write");
    let output = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION, "--stage", "production", "-o"])
        .arg(&path)
        .output()
        .expect("run bbscan");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty(), "-o writes nothing to stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("snapshot: ") && stderr.contains("API calls") && stderr.contains("written to"), "{stderr}");
    let doc: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("the file is JSON");
    assert_valid_snapshot(&doc);
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1, "no temporary file is left");
}

#[test]
fn several_regions_read_global_services_once() {
    let moto = Moto::start();
    moto.seed(0);
    let run = snapshot(&moto, &["--region", "eu-west-1", "--stage", "production"]);
    let snap = &run.snapshot;
    assert_eq!(snap.metadata.regions, vec![REGION, "eu-west-1"]);
    let calls = &snap.metadata.api_calls_by_operation;
    // Global services once, regional services once per region.
    assert_eq!(calls["iam:GetAccountAuthorizationDetails"], 1, "{calls:?}");
    assert_eq!(calls["cloudfront:ListDistributions"], 1, "{calls:?}");
    assert_eq!(calls["s3:ListBuckets"], 1, "{calls:?}");
    assert_eq!(calls["lambda:ListFunctions"], 2, "{calls:?}");
    assert_eq!(calls["kms:ListKeys"], 2, "{calls:?}");
    // Everything seeded lives in us-east-1 (or is global); nothing is listed twice.
    let arns: Vec<&str> = snap.resources.iter().map(|r| r.arn.as_str()).collect();
    let unique: BTreeSet<&str> = arns.iter().copied().collect();
    assert_eq!(arns.len(), unique.len(), "a resource appears twice");
    assert!(
        snap.resources.iter().all(|r| r.region == "global" || r.region == REGION),
        "nothing was seeded in eu-west-1"
    );
}

#[test]
fn cloudfront_standard_logging_v2_is_read_and_counts() {
    let moto = Moto::start();
    moto.seed(0);
    let before = snapshot(&moto, &[]);
    let unlogged: Vec<&bbscan_model::Resource> = before
        .snapshot
        .resources
        .iter()
        .filter(|r| matches!(&r.config, ResourceConfig::CloudFrontDistribution(d) if d.logging.is_none()))
        .collect();
    assert!(!unlogged.is_empty(), "the seed has a distribution without legacy logging");
    let target = unlogged[0].arn.clone();
    let stage = unlogged[0].stage().map(str::to_string);
    // Standard logging v2, as the console sets it up: a delivery source for the distribution's
    // access logs, a destination (a bucket) and the delivery between them.
    let script = format!(
        "import boto3\n\
         logs = boto3.client('logs', endpoint_url={:?}, region_name='us-east-1', aws_access_key_id='t', \
         aws_secret_access_key='t')\n\
         logs.put_delivery_source(name='cf-v2', resourceArn={target:?}, logType='ACCESS_LOGS')\n\
         d = logs.put_delivery_destination(name='cf-v2-bucket', \
         deliveryDestinationConfiguration={{'destinationResourceArn': 'arn:aws:s3:::brainbytes-cf-logs-v2'}})\n\
         logs.create_delivery(deliverySourceName='cf-v2', deliveryDestinationArn=d['deliveryDestination']['arn'])\n",
        moto.endpoint
    );
    let out = std::process::Command::new(bbscan_tests::moto_python()).args(["-c", &script]).output().expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = snapshot(&moto, &[]);
    let distribution = after.snapshot.get(&target).expect("the distribution");
    let ResourceConfig::CloudFrontDistribution(d) = &distribution.config else { unreachable!() };
    assert_eq!(d.access_log_destinations, ["arn:aws:s3:::brainbytes-cf-logs-v2"]);
    assert!(distribution.is_known("access_log_destinations"));
    // Every other distribution: read, no delivery.
    for r in after.snapshot.of_kind("cloudfront.distribution").filter(|r| r.arn != target) {
        let ResourceConfig::CloudFrontDistribution(d) = &r.config else { unreachable!() };
        assert!(d.access_log_destinations.is_empty() && r.is_known("access_log_destinations"), "{}", r.arn);
    }
    // The audit counts it as logging.
    let mut args = vec!["audit", "--endpoint-url", moto.endpoint.as_str(), "--region", REGION, "--format", "json"];
    if let Some(stage) = &stage {
        args.extend(["--stage", stage.as_str()]);
    }
    let output = bbscan().args(&args).output().expect("run bbscan");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let still: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "CLOUDFRONT.ACCESS_LOGGING" && f["resource"]["arn"] == target.as_str())
        .collect();
    assert!(still.is_empty(), "{still:#?}");
}
