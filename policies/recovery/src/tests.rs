use super::*;
use bbscan_policy::model::{BackupPlan, EnvValueClass, EnvVar, IamAccount, KmsKey, LambdaFunction, SsmParameter};
use bbscan_policy::testing::{resource, snapshot};
use bbscan_policy::{Finding, Status};

const ACCOUNT: &str = "arn:aws:iam::123456789012:root";

fn evaluate(resources: Vec<Resource>, settings: Value) -> Result<Report, String> {
    bbscan_policy::run::<Recovery>(&snapshot(resources), &settings)
}

fn run(resources: Vec<Resource>) -> Report {
    evaluate(resources, json!({})).expect("evaluates")
}

fn of<'a>(report: &'a Report, rule: &'a str) -> Vec<&'a Finding> {
    report.of_rule(rule).collect()
}

fn account() -> Resource {
    resource(ACCOUNT, "123456789012", "global", ResourceConfig::IamAccount(IamAccount::default()))
}

fn key(id: &str, spec: &str, state: &str, rotation: Option<bool>) -> Resource {
    let config = KmsKey {
        key_id: id.into(),
        key_state: Some(state.into()),
        key_usage: Some("ENCRYPT_DECRYPT".into()),
        key_spec: Some(spec.into()),
        origin: Some("AWS_KMS".into()),
        rotation_enabled: rotation,
        aliases: vec![format!("alias/{id}")],
        ..Default::default()
    };
    resource(&format!("arn:aws:kms:us-east-1:123456789012:key/{id}"), id, "us-east-1", ResourceConfig::KmsKey(config))
}

fn plan(name: &str, rules: &[(&str, Option<i64>)]) -> Resource {
    let config = BackupPlan {
        plan_id: name.into(),
        rules: rules
            .iter()
            .enumerate()
            .map(|(i, (schedule, keep))| BackupRule {
                name: format!("rule{i}"),
                target_vault: "vault".into(),
                schedule_expression: Some(schedule.to_string()),
                delete_after_days: *keep,
                move_to_cold_storage_after_days: None,
            })
            .collect(),
        ..Default::default()
    };
    resource(
        &format!("arn:aws:backup:us-east-1:123456789012:backup-plan:{name}"),
        name,
        "us-east-1",
        ResourceConfig::BackupPlan(config),
    )
}

fn parameter(name: &str) -> Resource {
    let config = SsmParameter { parameter_type: "SecureString".into(), ..Default::default() };
    resource(
        &format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}"),
        name,
        "us-east-1",
        ResourceConfig::SsmParameter(config),
    )
}

fn function(name: &str, env: &[&str]) -> Resource {
    let config = LambdaFunction {
        environment: env
            .iter()
            .map(|n| EnvVar { name: n.to_string(), classification: EnvValueClass::Reference, reason: String::new() })
            .collect(),
        ..Default::default()
    };
    resource(
        &format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        name,
        "us-east-1",
        ResourceConfig::LambdaFunction(Box::new(config)),
    )
}

// ------------------------------------------------------------------ KMS

#[test]
fn enabled_symmetric_keys_without_rotation_fail() {
    let report = run(vec![
        key("dev", "SYMMETRIC_DEFAULT", "Enabled", Some(false)),
        key("prod", "SYMMETRIC_DEFAULT", "Enabled", Some(true)),
    ]);
    let found = of(&report, KMS_KEY_ROTATION);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("dev (alias/dev)"), "{}", found[0].message);
    assert_eq!(found[0].actions[0].kind, "kms.enable_key_rotation");
    assert_eq!(found[0].actions[0].params, json!({"key_id": "dev"}));
    assert_eq!(report.tallies[KMS_KEY_ROTATION].passed, 1);
}

#[test]
fn keys_rotation_does_not_apply_to_are_not_judged() {
    let mut imported = key("imported", "SYMMETRIC_DEFAULT", "Enabled", Some(false));
    if let ResourceConfig::KmsKey(k) = &mut imported.config {
        k.origin = Some("EXTERNAL".into());
    }
    let mut unread = key("unread", "SYMMETRIC_DEFAULT", "Enabled", None);
    unread.unknown.push("rotation_enabled".into());
    let report = run(vec![
        key("rsa", "RSA_2048", "Enabled", Some(false)),
        key("disabled", "SYMMETRIC_DEFAULT", "Disabled", Some(false)),
        key("deleting", "SYMMETRIC_DEFAULT", "PendingDeletion", Some(false)),
        imported,
        unread,
    ]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(!report.tallies.contains_key(KMS_KEY_ROTATION));
}

#[test]
fn multi_region_keys_fail_without_an_action() {
    let mut k = key("mrk", "SYMMETRIC_DEFAULT", "Enabled", Some(false));
    if let ResourceConfig::KmsKey(c) = &mut k.config {
        c.multi_region = Some(true);
    }
    let report = run(vec![k]);
    let found = of(&report, KMS_KEY_ROTATION);
    assert_eq!(found.len(), 1);
    assert!(found[0].actions.is_empty());
}

// ------------------------------------------------------------------ backup plans

#[test]
fn schedules_are_read() {
    for daily in [
        "cron(0 5 * * ? *)",
        "cron(0 5 ? * * *)",
        "cron(0 */6 * * ? *)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(30 minutes)",
    ] {
        assert_eq!(runs_daily(daily), Some(true), "{daily}");
    }
    for not_daily in [
        "cron(0 5 ? * SUN *)",
        "cron(0 5 1 * ? *)",
        "cron(0 5 * 1 ? *)",
        "cron(0 5 ? * MON-FRI *)",
        "rate(2 days)",
        "rate(48 hours)",
    ] {
        assert_eq!(runs_daily(not_daily), Some(false), "{not_daily}");
    }
    for unreadable in ["daily", "cron(0 5 * *)", "rate(x hours)", "rate(1 fortnight)", "rate(0 hours)", ""] {
        assert_eq!(runs_daily(unreadable), None, "{unreadable}");
    }
}

#[test]
fn a_daily_plan_kept_a_week_passes_on_the_account() {
    let report = run(vec![
        account(),
        plan("weekly", &[("cron(0 5 ? * SUN *)", Some(90))]),
        plan("daily", &[("cron(0 5 * * ? *)", Some(35))]),
    ]);
    assert!(of(&report, BACKUP_DAILY_PLAN).is_empty());
    assert_eq!(report.tallies[BACKUP_DAILY_PLAN].passed, 1);
    assert_eq!(report.tallies[BACKUP_DAILY_PLAN].evaluated, 1);
}

#[test]
fn keeping_recovery_points_forever_counts() {
    let report = run(vec![account(), plan("forever", &[("rate(1 day)", None)])]);
    assert!(of(&report, BACKUP_DAILY_PLAN).is_empty());
}

#[test]
fn weekly_or_short_lived_plans_fail_with_the_reasons() {
    let report = run(vec![account(), plan("p", &[("cron(0 5 ? * SUN *)", Some(90)), ("cron(0 5 * * ? *)", Some(3))])]);
    let found = of(&report, BACKUP_DAILY_PLAN);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].resource_arn, ACCOUNT);
    assert!(found[0].message.contains("rule0 runs less often than daily"), "{}", found[0].message);
    assert!(found[0].message.contains("rule1 keeps recovery points 3 days, fewer than 7"), "{}", found[0].message);
}

#[test]
fn no_plan_fails_and_the_minimum_comes_from_the_settings() {
    let report = run(vec![account()]);
    assert!(of(&report, BACKUP_DAILY_PLAN)[0].message.contains("has no AWS Backup plan:"));
    let resources = || vec![account(), plan("daily", &[("cron(0 5 * * ? *)", Some(14))])];
    assert!(of(&run(resources()), BACKUP_DAILY_PLAN).is_empty());
    let strict = evaluate(resources(), json!({"min_retention_days": 30})).unwrap();
    assert_eq!(of(&strict, BACKUP_DAILY_PLAN).len(), 1);
}

#[test]
fn a_plan_whose_rules_were_not_read_leaves_the_account_not_assessed() {
    let mut hidden = plan("hidden", &[]);
    hidden.unknown.push("rules".into());
    let report = run(vec![account(), hidden]);
    let found = of(&report, BACKUP_DAILY_PLAN);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, Status::NotAssessed);
    assert!(found[0].message.contains("the rules of plan hidden could not be read"), "{}", found[0].message);
    // Neither a pass nor a failure: nothing evaluated.
    assert_eq!(report.tallies[BACKUP_DAILY_PLAN].evaluated, 0);
}

// ------------------------------------------------------------------ external database

#[test]
fn database_references_ask_for_a_manual_check_on_the_account() {
    let report = run(vec![
        account(),
        parameter("/brainbytes/production/DatabaseUrl"),
        parameter("/brainbytes/production/OpenaiApiKey"),
        function("prod-Server", &["DATABASE_URL_PARAM", "NODE_ENV"]),
        function("prod-Worker", &["PGBOUNCER_URL", "SENTRY_DSN"]),
    ]);
    let found = of(&report, BACKUP_EXTERNAL_DATABASE);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, Status::Manual);
    assert_eq!(found[0].resource_arn, ACCOUNT);
    let m = &found[0].message;
    assert!(m.starts_with("daily backups of the external database referenced by "), "{m}");
    for name in [
        "SSM parameter /brainbytes/production/DatabaseUrl",
        "DATABASE_URL_PARAM of function prod-Server",
        "PGBOUNCER_URL",
        "SENTRY_DSN",
    ] {
        assert!(m.contains(name), "{name} missing from {m}");
    }
    assert!(!m.contains("OpenaiApiKey") && !m.contains("NODE_ENV"), "{m}");
}

#[test]
fn an_account_of_ten_thousand_functions_gets_one_short_finding() {
    let mut resources = vec![account()];
    resources.extend((0..10_000).map(|i| function(&format!("prod-Fn{i:05}"), &["DATABASE_URL"])));
    let report = run(resources);
    let found = of(&report, BACKUP_EXTERNAL_DATABASE);
    assert_eq!(found.len(), 1);
    let m = &found[0].message;
    assert!(m.len() < 1000, "{} bytes", m.len());
    assert!(m.contains("DATABASE_URL of function prod-Fn00000") && m.contains("and 9995 more"), "{m}");
}

#[test]
fn patterns_are_case_insensitive_globs_and_replaceable() {
    let resources = || vec![account(), parameter("/app/prod/postgres_password"), function("f", &["MONGO_URI"])];
    let report = run(resources());
    assert!(of(&report, BACKUP_EXTERNAL_DATABASE)[0].message.contains("postgres_password"));
    let report = evaluate(resources(), json!({"database_name_patterns": ["MONGO_*"]})).unwrap();
    let m = &of(&report, BACKUP_EXTERNAL_DATABASE)[0].message;
    assert!(m.contains("MONGO_URI") && !m.contains("postgres"), "{m}");
}

#[test]
fn verified_backups_or_no_database_pass() {
    let report = evaluate(
        vec![account(), parameter("/brainbytes/production/DatabaseUrl")],
        json!({"external_backups_verified": true}),
    )
    .unwrap();
    assert!(of(&report, BACKUP_EXTERNAL_DATABASE).is_empty());
    assert_eq!(report.tallies[BACKUP_EXTERNAL_DATABASE].passed, 1);
    let report = run(vec![account(), parameter("/brainbytes/production/OpenaiApiKey"), function("f", &["NODE_ENV"])]);
    assert!(of(&report, BACKUP_EXTERNAL_DATABASE).is_empty());
    assert_eq!(report.tallies[BACKUP_EXTERNAL_DATABASE].passed, 1);
}

#[test]
fn an_unread_environment_is_not_taken_for_no_database() {
    let mut f = function("f", &[]);
    f.unknown.push("environment".into());
    let report = run(vec![account(), f]);
    assert!(!report.tallies.contains_key(BACKUP_EXTERNAL_DATABASE));
}

#[test]
fn settings_are_checked() {
    for bad in [
        json!({"min_retention_days": 0}),
        json!({"database_name_patterns": "DATABASE_URL"}),
        json!({"database_name_patterns": [" "]}),
        json!({"external_backups_verified": "yes"}),
        json!({"external_backup_verified": true}),
    ] {
        assert!(Recovery::validate_settings(&bad).is_err(), "{bad}");
    }
    assert!(Recovery::validate_settings(&json!({"min_retention_days": 35, "external_backups_verified": true})).is_ok());
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<Recovery>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn no_daily_plan_is_not_concluded_when_plans_could_not_be_listed() {
    let mut snap = snapshot(vec![account()]);
    snap.gaps = vec![bbscan_policy::Gap {
        service: "backup".into(),
        operation: "ListBackupPlans".into(),
        region: "us-east-1".into(),
        resource: None,
        field: None,
        reason: bbscan_policy::GapReason::AccessDenied,
        error_code: None,
        message: "denied".into(),
    }];
    let report = bbscan_policy::run::<Recovery>(&snap, &json!({})).expect("evaluates");
    let found = of(&report, BACKUP_DAILY_PLAN);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].status, Status::NotAssessed);
    assert!(found[0].message.contains("backup:ListBackupPlans in us-east-1"), "{}", found[0].message);
    // Vault listings are another matter.
    snap.gaps[0].operation = "ListBackupVaults".into();
    let report = bbscan_policy::run::<Recovery>(&snap, &json!({})).expect("evaluates");
    assert_eq!(of(&report, BACKUP_DAILY_PLAN)[0].status, Status::Fail);
}

#[test]
fn aws_managed_keys_are_not_asked_to_rotate() {
    let mut k = key("aws-s3", "SYMMETRIC_DEFAULT", "Enabled", Some(false));
    if let ResourceConfig::KmsKey(c) = &mut k.config {
        c.key_manager = Some("AWS".into());
    }
    let report = run(vec![k]);
    assert!(of(&report, KMS_KEY_ROTATION).is_empty());
    assert!(!report.tallies.contains_key(KMS_KEY_ROTATION) || report.tallies[KMS_KEY_ROTATION].evaluated == 0);
}
