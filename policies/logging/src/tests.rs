use super::*;
use bbscan_policy::model::{CloudTrailTrail, IamAccount, LogGroup, TrailStatus};
use bbscan_policy::testing::{resource, snapshot};
use bbscan_policy::{Finding, Status};

fn evaluate(resources: Vec<Resource>, settings: Value) -> Result<Report, String> {
    bbscan_policy::run::<Logging>(&snapshot(resources), &settings)
}

fn run(resources: Vec<Resource>) -> Report {
    evaluate(resources, json!({})).expect("evaluates")
}

fn failing<'a>(report: &'a Report, rule: &'a str) -> Vec<&'a Finding> {
    report.of_rule(rule).filter(|f| f.status == Status::Fail).collect()
}

fn account() -> Resource {
    resource(
        "arn:aws:iam::123456789012:root",
        "123456789012",
        "global",
        ResourceConfig::IamAccount(IamAccount::default()),
    )
}

fn trail(name: &str, multi_region: bool, logging: Option<bool>) -> Resource {
    let config = CloudTrailTrail {
        home_region: Some("us-east-1".into()),
        is_multi_region_trail: multi_region,
        log_file_validation_enabled: true,
        kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/k".into()),
        s3_bucket_name: Some("audit".into()),
        status: logging.map(|l| TrailStatus { is_logging: l, ..Default::default() }),
        ..Default::default()
    };
    let mut r = resource(
        &format!("arn:aws:cloudtrail:us-east-1:123456789012:trail/{name}"),
        name,
        "us-east-1",
        ResourceConfig::CloudTrailTrail(Box::new(config)),
    );
    if logging.is_none() {
        r.unknown.push("status".into());
    }
    r
}

fn log_group(name: &str, retention: Option<i32>, kms: bool) -> Resource {
    let config = LogGroup {
        retention_in_days: retention,
        kms_key_id: kms.then(|| "arn:aws:kms:us-east-1:123456789012:key/k".to_string()),
        ..Default::default()
    };
    resource(
        &format!("arn:aws:logs:us-east-1:123456789012:log-group:{name}"),
        name,
        "us-east-1",
        ResourceConfig::LogGroup(config),
    )
}

fn function(name: &str) -> Resource {
    resource(
        &format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        name,
        "us-east-1",
        ResourceConfig::LambdaFunction(Box::default()),
    )
}

fn alarm(name: &str, function: &str, metric: &str, actions: &[&str], enabled: bool) -> Resource {
    let config = CloudWatchAlarm {
        namespace: Some("AWS/Lambda".into()),
        metric_name: Some(metric.into()),
        dimensions: [("FunctionName".to_string(), function.to_string())].into(),
        actions_enabled: enabled,
        alarm_actions: actions.iter().map(|a| a.to_string()).collect(),
        ..Default::default()
    };
    resource(
        &format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        name,
        "us-east-1",
        ResourceConfig::CloudWatchAlarm(config),
    )
}

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alerts";

// ------------------------------------------------------------------ CloudTrail

#[test]
fn a_logging_multi_region_trail_covers_every_trail() {
    let report = run(vec![account(), trail("org", true, Some(true)), trail("local", false, Some(true))]);
    assert!(failing(&report, CLOUDTRAIL_MULTI_REGION).is_empty());
    assert_eq!(report.tallies[CLOUDTRAIL_MULTI_REGION].passed, 2);
}

#[test]
fn single_region_trails_fail_when_no_multi_region_trail_logs() {
    let report = run(vec![account(), trail("audit", false, Some(true))]);
    let found = failing(&report, CLOUDTRAIL_MULTI_REGION);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("covers only us-east-1"), "{}", found[0].message);
    assert_eq!(found[0].actions[0].kind, "cloudtrail.enable_multi_region");
    assert_eq!(found[0].actions[0].params["trail"], "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit");
}

#[test]
fn a_stopped_multi_region_trail_is_a_logging_finding_not_a_multi_region_one() {
    let report = run(vec![account(), trail("org", true, Some(false)), trail("local", false, Some(true))]);
    let multi = failing(&report, CLOUDTRAIL_MULTI_REGION);
    assert_eq!(multi.len(), 1, "the single-region trail still lacks cover");
    assert!(multi[0].resource_arn.ends_with("trail/local"));
    let logging = failing(&report, CLOUDTRAIL_LOGGING);
    assert_eq!(logging.len(), 1);
    assert!(logging[0].resource_arn.ends_with("trail/org"));
    assert_eq!(logging[0].actions[0].kind, "cloudtrail.start_logging");
}

#[test]
fn no_trail_at_all_is_reported_on_the_account() {
    let report = run(vec![account()]);
    let found = failing(&report, CLOUDTRAIL_MULTI_REGION);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].resource_arn, "arn:aws:iam::123456789012:root");
    assert!(found[0].actions.is_empty(), "there is no trail to change");
}

#[test]
fn an_unread_status_is_not_judged() {
    // The multi-region trail might be logging: the single-region one is not judged either.
    let report = run(vec![account(), trail("org", true, None), trail("local", false, Some(true))]);
    assert!(failing(&report, CLOUDTRAIL_MULTI_REGION).is_empty());
    assert_eq!(report.tallies[CLOUDTRAIL_MULTI_REGION].evaluated, 1, "only the multi-region trail");
    assert_eq!(report.tallies[CLOUDTRAIL_LOGGING].evaluated, 1, "the unread trail is not judged");
}

#[test]
fn validation_and_encryption_are_judged_per_trail() {
    let mut bare = trail("bare", true, Some(true));
    if let ResourceConfig::CloudTrailTrail(t) = &mut bare.config {
        t.log_file_validation_enabled = false;
        t.kms_key_id = None;
    }
    let report = run(vec![account(), bare, trail("good", true, Some(true))]);
    let validation = failing(&report, CLOUDTRAIL_LOG_FILE_VALIDATION);
    assert_eq!(validation.len(), 1);
    assert!(validation[0].resource_arn.ends_with("trail/bare"));
    assert_eq!(validation[0].actions[0].kind, "cloudtrail.enable_log_file_validation");
    let kms = failing(&report, CLOUDTRAIL_KMS_ENCRYPTION);
    assert_eq!(kms.len(), 1);
    assert!(kms[0].message.contains("bucket audit"));
    assert!(kms[0].actions.is_empty(), "no catalogue action sets a trail's key");
    assert_eq!(report.tallies[CLOUDTRAIL_KMS_ENCRYPTION].passed, 1);
    assert_eq!(report.tallies[CLOUDTRAIL_LOG_FILE_VALIDATION].passed, 1);
}

// ------------------------------------------------------------------ log groups

#[test]
fn never_expiring_log_groups_fail_low_with_the_default_retention() {
    let report = run(vec![log_group("/aws/lambda/dev-Server", None, true)]);
    let found = failing(&report, LOGS_RETENTION);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Some(Severity::Low));
    assert_eq!(found[0].actions[0].kind, "logs.put_retention_policy");
    assert_eq!(found[0].actions[0].params, json!({"log_group": "/aws/lambda/dev-Server", "retention_in_days": 365}));
}

#[test]
fn short_retention_fails_medium_rounded_up_to_an_accepted_value() {
    let report = evaluate(
        vec![log_group("short", Some(14), true), log_group("ok", Some(60), true)],
        json!({"min_retention_days": 45}),
    )
    .unwrap();
    let found = failing(&report, LOGS_RETENTION);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Some(Severity::Medium));
    assert!(found[0].message.contains("14 days, fewer than the required 45"), "{}", found[0].message);
    assert_eq!(found[0].actions[0].params["retention_in_days"], 60, "45 is not accepted; 60 is the next");
    assert_eq!(report.tallies[LOGS_RETENTION].passed, 1);
}

#[test]
fn the_default_minimum_is_thirty_days() {
    let report = run(vec![log_group("a", Some(30), true), log_group("b", Some(14), true)]);
    let found = failing(&report, LOGS_RETENTION);
    assert_eq!(found.len(), 1);
    assert!(found[0].resource_arn.ends_with(":b"));
    assert_eq!(found[0].actions[0].params["retention_in_days"], 30);
}

#[test]
fn a_maximum_retention_is_enforced_only_when_set() {
    let groups = || vec![log_group("long", Some(3653), true)];
    assert!(failing(&run(groups()), LOGS_RETENTION).is_empty());
    let report = evaluate(groups(), json!({"max_retention_days": 400, "default_retention_days": 365})).unwrap();
    let found = failing(&report, LOGS_RETENTION);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Some(Severity::Low));
    assert_eq!(found[0].actions[0].params["retention_in_days"], 400);
}

#[test]
fn unread_retention_and_key_are_not_judged() {
    let mut g = log_group("hidden", None, false);
    g.unknown = vec!["retention_in_days".into(), "kms_key_id".into()];
    let report = run(vec![g]);
    assert!(report.findings.is_empty());
    assert!(!report.tallies.contains_key(LOGS_RETENTION) && !report.tallies.contains_key(LOGS_KMS_ENCRYPTION));
}

#[test]
fn log_groups_without_a_key_fail_encryption() {
    let report = run(vec![log_group("plain", Some(30), false), log_group("keyed", Some(30), true)]);
    let found = failing(&report, LOGS_KMS_ENCRYPTION);
    assert_eq!(found.len(), 1);
    assert!(found[0].resource_arn.ends_with(":plain"));
    assert_eq!(found[0].evidence, vec!["/config/kms_key_id"]);
    assert_eq!(report.tallies[LOGS_KMS_ENCRYPTION].passed, 1);
}

#[test]
fn retention_settings_are_checked() {
    for bad in [
        json!({"default_retention_days": 100}),
        json!({"min_retention_days": 0}),
        json!({"min_retention_days": 90, "max_retention_days": 60}),
        json!({"min_retention_days": 31, "max_retention_days": 59}),
        json!({"max_retention_days": 180}),
        json!({"required_metrics": "Errors"}),
        json!({"required_metrics": [""]}),
        json!({"min_retention_day": 30}),
    ] {
        assert!(Logging::validate_settings(&bad).is_err(), "{bad}");
    }
    assert!(Logging::validate_settings(&json!({"max_retention_days": 180, "default_retention_days": 180})).is_ok());
    assert!(Logging::validate_settings(&json!({})).is_ok());
}

// ------------------------------------------------------------------ alarms

#[test]
fn functions_need_an_alarm_per_required_metric() {
    let f = "prod-Server";
    let report = run(vec![
        function(f),
        function("prod-Image"),
        alarm("errors", f, "Errors", &[TOPIC], true),
        alarm("throttles", f, "Throttles", &[TOPIC], true),
        alarm("image-errors", "prod-Image", "Errors", &[TOPIC], true),
    ]);
    let found = failing(&report, CLOUDWATCH_LAMBDA_ALARMS);
    assert_eq!(found.len(), 1);
    assert!(found[0].resource_arn.ends_with("function:prod-Image"));
    assert!(found[0].message.contains("Throttles") && !found[0].message.contains("Errors"), "{}", found[0].message);
    assert_eq!(report.tallies[CLOUDWATCH_LAMBDA_ALARMS].passed, 1);
}

#[test]
fn alarms_on_other_namespaces_functions_or_regions_do_not_count() {
    let f = "prod-Server";
    let mut other_namespace = alarm("custom", f, "Errors", &[TOPIC], true);
    if let ResourceConfig::CloudWatchAlarm(a) = &mut other_namespace.config {
        a.namespace = Some("BrainBytes".into());
    }
    let mut other_region = alarm("west", f, "Throttles", &[TOPIC], true);
    other_region.region = "us-west-2".into();
    let report =
        run(vec![function(f), other_namespace, other_region, alarm("x", "prod-Server-2", "Errors", &[TOPIC], true)]);
    let found = failing(&report, CLOUDWATCH_LAMBDA_ALARMS);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("Errors, Throttles"), "{}", found[0].message);
}

#[test]
fn required_metrics_come_from_the_settings() {
    let f = "prod-Server";
    let resources = || vec![function(f), alarm("errors", f, "Errors", &[TOPIC], true)];
    let report = evaluate(resources(), json!({"required_metrics": ["Errors"]})).unwrap();
    assert!(failing(&report, CLOUDWATCH_LAMBDA_ALARMS).is_empty());
    let report = evaluate(resources(), json!({"required_metrics": ["Errors", "Duration"]})).unwrap();
    assert!(failing(&report, CLOUDWATCH_LAMBDA_ALARMS)[0].message.contains("Duration"));
}

#[test]
fn alarms_without_actions_or_with_actions_disabled_fail() {
    let report = run(vec![
        alarm("silent", "f", "Errors", &[], true),
        alarm("muted", "f", "Errors", &[TOPIC], false),
        alarm("both", "f", "Errors", &[], false),
        alarm("good", "f", "Errors", &[TOPIC], true),
    ]);
    let found = failing(&report, CLOUDWATCH_ALARM_ACTIONS);
    assert_eq!(found.len(), 3);
    assert!(found[0].message.contains("no ALARM-state action") && !found[0].message.contains("disabled"));
    assert_eq!(found[0].evidence, vec!["/config/alarm_actions"]);
    assert!(found[1].message.contains("disabled") && !found[1].message.contains("no ALARM-state"));
    assert_eq!(found[2].evidence.len(), 2);
    assert_eq!(report.tallies[CLOUDWATCH_ALARM_ACTIONS].passed, 1);
}

#[test]
fn an_alarm_without_actions_still_counts_as_watching_its_function() {
    // No noise: the silent alarm is CLOUDWATCH.ALARM_ACTIONS's finding, not a missing alarm.
    let f = "dev-Server";
    let report =
        evaluate(vec![function(f), alarm("silent", f, "Errors", &[], false)], json!({"required_metrics": ["Errors"]}))
            .unwrap();
    assert!(failing(&report, CLOUDWATCH_LAMBDA_ALARMS).is_empty());
    assert_eq!(failing(&report, CLOUDWATCH_ALARM_ACTIONS).len(), 1);
}

#[test]
fn every_rule_is_described() {
    let info = Logging::info();
    assert_eq!(info.rules.len(), 8);
    for r in &info.rules {
        assert!(!r.description.is_empty() && !r.remediation.is_empty() && !r.kinds.is_empty(), "{}", r.id);
        for c in &r.compliance {
            assert!([CIS, FSBP, SOC2].contains(&c.framework.as_str()), "{}: unknown framework {}", r.id, c.framework);
        }
    }
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<Logging>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}

fn listing_gap(service: &str, operation: &str, region: &str) -> bbscan_policy::Gap {
    bbscan_policy::Gap {
        service: service.into(),
        operation: operation.into(),
        region: region.into(),
        resource: None,
        field: None,
        reason: bbscan_policy::GapReason::AccessDenied,
        error_code: Some("AccessDeniedException".into()),
        message: "not authorized".into(),
    }
}

fn run_with_gaps(resources: Vec<Resource>, gaps: Vec<bbscan_policy::Gap>) -> Report {
    let mut snap = snapshot(resources);
    snap.gaps = gaps;
    bbscan_policy::run::<Logging>(&snap, &json!({})).expect("evaluates")
}

#[test]
fn no_trail_is_not_concluded_when_the_trails_could_not_all_be_listed() {
    let gaps = vec![listing_gap("cloudtrail", "DescribeTrails", "eu-west-1")];
    let report = run_with_gaps(vec![account()], gaps.clone());
    let found: Vec<&Finding> = report.of_rule(CLOUDTRAIL_MULTI_REGION).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].status, Status::NotAssessed);
    assert!(
        found[0].message.contains("cloudtrail:DescribeTrails in eu-west-1 (access_denied)"),
        "{}",
        found[0].message
    );
    // Not assessed is neither a pass nor an evaluation.
    assert_eq!(report.tallies[CLOUDTRAIL_MULTI_REGION].evaluated, 0);
    // A single-region trail read elsewhere does not settle it either…
    let report = run_with_gaps(vec![account(), trail("local", false, Some(true))], gaps.clone());
    assert!(failing(&report, CLOUDTRAIL_MULTI_REGION).is_empty());
    assert_eq!(report.of_rule(CLOUDTRAIL_MULTI_REGION).filter(|f| f.status == Status::NotAssessed).count(), 1);
    // …but a logging multi-region trail does, whatever could not be listed.
    let report = run_with_gaps(vec![account(), trail("org", true, Some(true))], gaps);
    assert!(report.of_rule(CLOUDTRAIL_MULTI_REGION).next().is_none());
    assert_eq!(report.tallies[CLOUDTRAIL_MULTI_REGION].passed, 1);
    // A gap of another service changes nothing.
    let report = run_with_gaps(vec![account()], vec![listing_gap("logs", "DescribeLogGroups", "eu-west-1")]);
    assert_eq!(failing(&report, CLOUDTRAIL_MULTI_REGION).len(), 1);
}

#[test]
fn a_multi_region_trail_whose_status_is_unread_makes_the_account_not_assessed() {
    let report = run(vec![account(), trail("org", true, None), trail("local", false, Some(true))]);
    let found: Vec<&Finding> = report.of_rule(CLOUDTRAIL_MULTI_REGION).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].status, Status::NotAssessed);
    assert!(found[0].message.contains("logging status of multi-region trail org"), "{}", found[0].message);
}

#[test]
fn missing_alarms_are_not_concluded_where_alarms_could_not_be_listed() {
    let functions = || vec![function("api")];
    let here = run_with_gaps(functions(), vec![listing_gap("cloudwatch", "DescribeAlarms", "us-east-1")]);
    let found: Vec<&Finding> = here.of_rule(CLOUDWATCH_LAMBDA_ALARMS).collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, Status::NotAssessed);
    assert!(found[0].message.contains("could not all be listed"), "{}", found[0].message);
    // A failed listing in another region says nothing about this function's alarms.
    let elsewhere = run_with_gaps(functions(), vec![listing_gap("cloudwatch", "DescribeAlarms", "eu-west-1")]);
    assert_eq!(failing(&elsewhere, CLOUDWATCH_LAMBDA_ALARMS).len(), 1);
}
