//! Built-in policy: audit logging and monitoring.
//!
//! CloudTrail trails (multi-region coverage, logging on, log file validation, KMS encryption),
//! CloudWatch Logs log groups (retention, KMS encryption) and CloudWatch alarms (Lambda errors
//! and throttles watched, alarms that notify someone).
//!
//! Settings (`[policies.bbscan-logging]`):
//! - `min_retention_days` (integer, default 30): a log group keeping logs for fewer days fails
//!   `LOGS.RETENTION` with severity medium.
//! - `max_retention_days` (integer, default none): a log group keeping logs for more days fails
//!   `LOGS.RETENTION` with severity low (cost, and data kept longer than promised).
//! - `default_retention_days` (integer, default 365, one of the values CloudWatch Logs accepts,
//!   within the minimum and maximum): the retention proposed for a log group that never expires.
//!   A year keeps an audit trail long enough for most compliance reviews while bounding cost.
//! - `required_metrics` (list of strings, default `["Errors", "Throttles"]`): the `AWS/Lambda`
//!   metrics every function must have an alarm on (`CLOUDWATCH.LAMBDA_ALARMS`).

use bbscan_policy::frameworks::{CIS, FSBP, SOC2};
use bbscan_policy::model::{CloudWatchAlarm, ResourceConfig};
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json, rule, settings};

mod not_flagged;

pub const CLOUDTRAIL_MULTI_REGION: &str = "CLOUDTRAIL.MULTI_REGION";
pub const CLOUDTRAIL_LOGGING: &str = "CLOUDTRAIL.LOGGING";
pub const CLOUDTRAIL_LOG_FILE_VALIDATION: &str = "CLOUDTRAIL.LOG_FILE_VALIDATION";
pub const CLOUDTRAIL_KMS_ENCRYPTION: &str = "CLOUDTRAIL.KMS_ENCRYPTION";
pub const LOGS_RETENTION: &str = "LOGS.RETENTION";
pub const LOGS_KMS_ENCRYPTION: &str = "LOGS.KMS_ENCRYPTION";
pub const CLOUDWATCH_LAMBDA_ALARMS: &str = "CLOUDWATCH.LAMBDA_ALARMS";
pub const CLOUDWATCH_ALARM_ACTIONS: &str = "CLOUDWATCH.ALARM_ACTIONS";

const SETTINGS: &[&str] = &["min_retention_days", "max_retention_days", "default_retention_days", "required_metrics"];

/// Retention periods (days) that CloudWatch Logs accepts, ascending.
pub const ACCEPTED_RETENTION_DAYS: &[i64] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub struct Logging;

/// The settings, read and checked.
#[derive(Debug, Clone, PartialEq)]
struct Settings {
    min_retention_days: i64,
    max_retention_days: Option<i64>,
    default_retention_days: i64,
    required_metrics: Vec<String>,
}

impl Settings {
    fn read(s: &Value) -> Result<Settings, String> {
        settings::only_keys(s, SETTINGS)?;
        let min_retention_days = settings::integer(s, "min_retention_days", 30, 1, 3653)?;
        let max_retention_days = match s.get("max_retention_days") {
            None | Some(Value::Null) => None,
            Some(_) => Some(settings::integer(s, "max_retention_days", 3653, 1, 3653)?),
        };
        let default_retention_days = settings::integer(s, "default_retention_days", 365, 1, 3653)?;
        if !ACCEPTED_RETENTION_DAYS.contains(&default_retention_days) {
            return Err(format!(
                "setting \"default_retention_days\" must be a retention CloudWatch Logs accepts: {}",
                ACCEPTED_RETENTION_DAYS.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some(max) = max_retention_days {
            if max < min_retention_days {
                return Err(format!(
                    "setting \"max_retention_days\" ({max}) is below \"min_retention_days\" ({min_retention_days})"
                ));
            }
            if accepted_at_most(max).is_none_or(|days| days < min_retention_days) {
                return Err(format!(
                    "no retention CloudWatch Logs accepts lies between \"min_retention_days\" ({min_retention_days}) \
                     and \"max_retention_days\" ({max})"
                ));
            }
        }
        if default_retention_days < min_retention_days || max_retention_days.is_some_and(|m| default_retention_days > m)
        {
            return Err(format!(
                "setting \"default_retention_days\" ({default_retention_days}) must lie between \"min_retention_days\" \
                 and \"max_retention_days\""
            ));
        }
        let required_metrics = settings::strings(s, "required_metrics", &["Errors", "Throttles"])?;
        if required_metrics.iter().any(|m| m.trim().is_empty()) {
            return Err("setting \"required_metrics\" must not hold an empty metric name".into());
        }
        Ok(Settings { min_retention_days, max_retention_days, default_retention_days, required_metrics })
    }
}

/// The smallest accepted retention of at least `days`.
fn accepted_at_least(days: i64) -> Option<i64> {
    ACCEPTED_RETENTION_DAYS.iter().copied().find(|d| *d >= days)
}

/// The largest accepted retention of at most `days`.
fn accepted_at_most(days: i64) -> Option<i64> {
    ACCEPTED_RETENTION_DAYS.iter().copied().rev().find(|d| *d <= days)
}

fn rules() -> Vec<Rule> {
    vec![
        rule(
            CLOUDTRAIL_MULTI_REGION,
            "A multi-region CloudTrail trail is logging",
            "Without a logging multi-region trail, API calls in every other region (an attacker's favourite place \
             to start instances or create keys) leave no record. Each single-region trail is reported when no \
             multi-region trail is logging; with no trail at all the account is reported. A multi-region trail \
             that is stopped is left to CLOUDTRAIL.LOGGING.",
            Severity::Medium,
            &["cloudtrail.trail", "iam.account"],
            &[(CIS, "3.1"), (FSBP, "CloudTrail.1"), (SOC2, "CC7.2")],
            "Make a trail multi-region (or create one) and keep it logging.",
            "Make a trail **multi-region** (`IsMultiRegionTrail`) so that it records management events from \
             every region, including regions BrainBytes does not use, and keep it logging.",
            "aws cloudtrail update-trail --name TRAIL --is-multi-region-trail (or aws cloudtrail create-trail \
             --name TRAIL --s3-bucket-name BUCKET --is-multi-region-trail, then aws cloudtrail start-logging --name TRAIL)",
        ),
        rule(
            CLOUDTRAIL_LOGGING,
            "CloudTrail trails are logging",
            "A stopped trail records nothing: the API calls made since it stopped (including the call that stopped \
             it) cannot be investigated.",
            Severity::Medium,
            &["cloudtrail.trail"],
            &[(SOC2, "CC7.2")],
            "Start logging on the trail.",
            "Start logging on the trail, and find out who stopped it and why (`StopLogging` in the trail's own \
             history, or in the 90-day CloudTrail event history).",
            "aws cloudtrail start-logging --name TRAIL",
        ),
        rule(
            CLOUDTRAIL_LOG_FILE_VALIDATION,
            "CloudTrail log file validation is enabled",
            "Without digest files, someone who can write to the trail's bucket can edit or delete log files \
             without leaving a trace, and the logs cannot be shown to be complete after an incident.",
            Severity::Medium,
            &["cloudtrail.trail"],
            &[(CIS, "3.2"), (FSBP, "CloudTrail.4"), (SOC2, "CC7.2")],
            "Turn on log file integrity validation on the trail.",
            "Turn on **log file integrity validation**: CloudTrail then writes signed hourly digest files that \
             `aws cloudtrail validate-logs` checks.",
            "aws cloudtrail update-trail --name TRAIL --enable-log-file-validation",
        ),
        rule(
            CLOUDTRAIL_KMS_ENCRYPTION,
            "CloudTrail logs are encrypted with a KMS key",
            "With SSE-S3 only, anyone who can read the trail's bucket reads the account's whole API history; a \
             customer-managed KMS key adds a second, separately granted and audited permission (kms:Decrypt).",
            Severity::Medium,
            &["cloudtrail.trail"],
            &[(CIS, "3.5"), (FSBP, "CloudTrail.2"), (SOC2, "CC6.1")],
            "Encrypt the trail's log files with a customer-managed KMS key.",
            "Encrypt the trail's log files with a **customer-managed KMS key** whose key policy lets CloudTrail \
             encrypt and only the auditors decrypt.",
            "aws cloudtrail update-trail --name TRAIL --kms-key-id arn:aws:kms:REGION:ACCOUNT:key/KEY_ID (the key \
             policy must allow cloudtrail.amazonaws.com to use kms:GenerateDataKey*)",
        ),
        rule(
            LOGS_RETENTION,
            "Log groups keep logs for a set period",
            "A log group that never expires keeps every Lambda log line forever, and the storage bill grows each \
             month (finding severity low); one that keeps logs for less than the minimum loses the evidence an \
             investigation or an audit needs (finding severity medium).",
            Severity::Medium,
            &["logs.log_group"],
            &[(SOC2, "CC7.2")],
            "Set a retention period on the log group.",
            "Set a **retention period** on the log group: at least `min_retention_days` (default 30) and at most \
             `max_retention_days` if set. SST sets it per function with `logging.retention`.",
            "aws logs put-retention-policy --log-group-name LOG_GROUP --retention-in-days 365",
        ),
        rule(
            LOGS_KMS_ENCRYPTION,
            "Log groups are encrypted with a KMS key",
            "Logs often carry request data, user ids and error dumps. CloudWatch Logs encrypts them with a key AWS \
             holds; a customer-managed key lets the account decide, and audit, who can read them.",
            Severity::Low,
            &["logs.log_group"],
            &[],
            "Associate a customer-managed KMS key with the log group.",
            "Associate a **customer-managed KMS key** with the log group; the key policy must allow \
             `logs.REGION.amazonaws.com` to use it.",
            "aws logs associate-kms-key --log-group-name LOG_GROUP --kms-key-id arn:aws:kms:REGION:ACCOUNT:key/KEY_ID",
        ),
        rule(
            CLOUDWATCH_LAMBDA_ALARMS,
            "Every Lambda function has error and throttle alarms",
            "Without an alarm on a function's Errors and Throttles, a broken deploy or a concurrency limit takes \
             the site down and nobody hears of it until users complain. Whether the alarm notifies anyone is \
             judged by CLOUDWATCH.ALARM_ACTIONS, not here.",
            Severity::Medium,
            &["lambda.function", "cloudwatch.alarm"],
            &[(SOC2, "CC7.2"), (SOC2, "A1.1")],
            "Create CloudWatch alarms on the function's AWS/Lambda Errors and Throttles metrics.",
            "Create a CloudWatch alarm per required metric (`required_metrics`, default `Errors` and `Throttles`) \
             on namespace `AWS/Lambda` with dimension `FunctionName` = the function, notifying an SNS topic.",
            "aws cloudwatch put-metric-alarm --alarm-name FUNCTION-Errors --namespace AWS/Lambda --metric-name Errors \
             --dimensions Name=FunctionName,Value=FUNCTION --statistic Sum --period 60 --evaluation-periods 5 \
             --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions SNS_TOPIC_ARN \
             (and the same for Throttles)",
        ),
        rule(
            CLOUDWATCH_ALARM_ACTIONS,
            "CloudWatch alarms notify someone",
            "An alarm with no ALARM-state action, or with its actions disabled, changes colour in the console and \
             nothing else: the incident it was built to catch goes unnoticed.",
            Severity::Medium,
            &["cloudwatch.alarm"],
            &[(SOC2, "CC7.2")],
            "Give the alarm an ALARM-state action (an SNS topic) and enable its actions.",
            "Give the alarm at least one **ALARM-state action** (an SNS topic the team is subscribed to) and make \
             sure `ActionsEnabled` is true.",
            "aws cloudwatch enable-alarm-actions --alarm-names ALARM; to add an action, re-run aws cloudwatch \
             put-metric-alarm with the alarm's settings and --alarm-actions SNS_TOPIC_ARN",
        ),
    ]
}

impl Policy for Logging {
    fn info() -> PolicyInfo {
        let info =
            { PolicyInfo { name: "bbscan-logging".into(), version: env!("CARGO_PKG_VERSION").into(), rules: rules() } };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        Settings::read(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        trails(ctx, resources, report);
        for r in resources {
            log_group(&settings, r, report);
            alarm_actions(r, report);
        }
        lambda_alarms(ctx, &settings, resources, report);
        Ok(())
    }
}

fn trails(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) {
    let trails: Vec<_> = resources
        .iter()
        .filter_map(|r| match &r.config {
            ResourceConfig::CloudTrailTrail(t) => Some((r, t)),
            _ => None,
        })
        .collect();

    // CLOUDTRAIL.MULTI_REGION: is there a multi-region trail that is logging?
    let logging = |r: &Resource, t: &bbscan_policy::model::CloudTrailTrail| {
        if r.is_known("status") { t.status.as_ref().map(|s| s.is_logging) } else { None }
    };
    let covered = trails.iter().any(|(r, t)| t.is_multi_region_trail && logging(r, t) == Some(true));
    // A trail that could not be listed, or a multi-region trail whose status could not be read,
    // might be the one that covers the account: then nothing is concluded, and the result says
    // what was not read.
    let unlisted = if covered { None } else { ctx.unlisted_reason("cloudtrail.trail", None) };
    let unread: Vec<&str> = trails
        .iter()
        .filter(|(r, t)| t.is_multi_region_trail && logging(r, t).is_none())
        .map(|(r, _)| r.name.as_str())
        .collect();
    let undecided = !covered && (unlisted.is_some() || !unread.is_empty());
    let account = resources.iter().find(|r| matches!(r.config, ResourceConfig::IamAccount(_)));
    if let Some(account) = account
        && undecided
    {
        let mut why = Vec::new();
        if let Some(calls) = &unlisted {
            why.push(format!("the trails could not all be listed ({calls})"));
        }
        if !unread.is_empty() {
            why.push(format!(
                "the logging status of multi-region trail {} could not be read",
                bbscan_policy::few(&unread, 3)
            ));
        }
        report.not_assessed(
            CLOUDTRAIL_MULTI_REGION,
            account,
            format!(
                "account {}: cannot tell whether a multi-region trail is logging: {}",
                account.name,
                why.join(", and ")
            ),
        );
    } else if trails.is_empty()
        && let Some(account) = account
    {
        report.fail(
            CLOUDTRAIL_MULTI_REGION,
            account,
            format!("account {} has no CloudTrail trail: API activity is not recorded in any region", account.name),
        );
    }
    for (r, t) in &trails {
        if covered || t.is_multi_region_trail {
            // A stopped multi-region trail is CLOUDTRAIL.LOGGING's finding.
            report.pass(CLOUDTRAIL_MULTI_REGION);
        } else if !undecided {
            let home = t.home_region.clone().unwrap_or_else(|| r.region.clone());
            report
                .fail(
                    CLOUDTRAIL_MULTI_REGION,
                    r,
                    format!("trail {}: no multi-region trail is logging; this one covers only {home}", r.name),
                )
                .evidence("/config/is_multi_region_trail")
                .action("cloudtrail.enable_multi_region", 1, json!({ "trail": r.arn }));
        }
    }

    for (r, t) in &trails {
        match logging(r, t) {
            None => {}
            Some(true) => report.pass(CLOUDTRAIL_LOGGING),
            Some(false) => {
                let since = t
                    .status
                    .as_ref()
                    .and_then(|s| s.stop_logging_time.as_deref())
                    .map(|at| format!(" (stopped at {at})"))
                    .unwrap_or_default();
                report
                    .fail(CLOUDTRAIL_LOGGING, r, format!("trail {} is not logging{since}", r.name))
                    .evidence("/config/status/is_logging")
                    .action("cloudtrail.start_logging", 1, json!({ "trail": r.arn }));
            }
        }

        if r.is_known("log_file_validation_enabled") {
            if t.log_file_validation_enabled {
                report.pass(CLOUDTRAIL_LOG_FILE_VALIDATION);
            } else {
                report
                    .fail(
                        CLOUDTRAIL_LOG_FILE_VALIDATION,
                        r,
                        format!(
                            "trail {} has log file validation disabled: its log files can be altered unnoticed",
                            r.name
                        ),
                    )
                    .evidence("/config/log_file_validation_enabled")
                    .action("cloudtrail.enable_log_file_validation", 1, json!({ "trail": r.arn }));
            }
        }

        if r.is_known("kms_key_id") {
            match t.kms_key_id.as_deref().map(str::trim) {
                Some(key) if !key.is_empty() => report.pass(CLOUDTRAIL_KMS_ENCRYPTION),
                _ => {
                    let bucket = t.s3_bucket_name.as_deref().map(|b| format!(" in bucket {b}")).unwrap_or_default();
                    report
                        .fail(
                            CLOUDTRAIL_KMS_ENCRYPTION,
                            r,
                            format!("trail {} writes its logs{bucket} without a KMS key (SSE-S3 only)", r.name),
                        )
                        .evidence("/config/kms_key_id");
                }
            }
        }
    }
}

fn log_group(settings: &Settings, r: &Resource, report: &mut Report) {
    let ResourceConfig::LogGroup(g) = &r.config else { return };

    if r.is_known("retention_in_days") {
        let action = |days: i64| json!({ "log_group": r.name, "retention_in_days": days });
        match g.retention_in_days.map(i64::from) {
            None => {
                report
                    .fail(
                        LOGS_RETENTION,
                        r,
                        format!(
                            "log group {} never expires: its logs are kept, and billed, forever; proposed retention \
                             {} days",
                            r.name, settings.default_retention_days
                        ),
                    )
                    .severity(Severity::Low)
                    .evidence("/config/retention_in_days")
                    .action("logs.put_retention_policy", 1, action(settings.default_retention_days));
            }
            Some(days) if days < settings.min_retention_days => {
                let finding = report
                    .fail(
                        LOGS_RETENTION,
                        r,
                        format!(
                            "log group {} keeps logs for {days} days, fewer than the required {}",
                            r.name, settings.min_retention_days
                        ),
                    )
                    .severity(Severity::Medium)
                    .evidence("/config/retention_in_days");
                if let Some(to) = accepted_at_least(settings.min_retention_days) {
                    finding.action("logs.put_retention_policy", 1, action(to));
                }
            }
            Some(days) if settings.max_retention_days.is_some_and(|max| days > max) => {
                let max = settings.max_retention_days.unwrap_or(days);
                let finding = report
                    .fail(
                        LOGS_RETENTION,
                        r,
                        format!("log group {} keeps logs for {days} days, more than the allowed {max}", r.name),
                    )
                    .severity(Severity::Low)
                    .evidence("/config/retention_in_days");
                if let Some(to) = accepted_at_most(max).filter(|d| *d >= settings.min_retention_days) {
                    finding.action("logs.put_retention_policy", 1, action(to));
                }
            }
            Some(_) => report.pass(LOGS_RETENTION),
        }
    }

    if r.is_known("kms_key_id") {
        match g.kms_key_id.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => report.pass(LOGS_KMS_ENCRYPTION),
            _ => {
                report
                    .fail(
                        LOGS_KMS_ENCRYPTION,
                        r,
                        format!("log group {} is not encrypted with a customer-managed KMS key", r.name),
                    )
                    .evidence("/config/kms_key_id");
            }
        }
    }
}

fn alarm_actions(r: &Resource, report: &mut Report) {
    let ResourceConfig::CloudWatchAlarm(a) = &r.config else { return };
    if !r.is_known("alarm_actions") || !r.is_known("actions_enabled") {
        return;
    }
    let no_actions = a.alarm_actions.iter().all(|action| action.trim().is_empty());
    let problems: Vec<&str> =
        [(no_actions, "it has no ALARM-state action"), (!a.actions_enabled, "its actions are disabled")]
            .into_iter()
            .filter(|(bad, _)| *bad)
            .map(|(_, what)| what)
            .collect();
    if problems.is_empty() {
        report.pass(CLOUDWATCH_ALARM_ACTIONS);
        return;
    }
    let finding = report.fail(
        CLOUDWATCH_ALARM_ACTIONS,
        r,
        format!("alarm {} notifies nobody: {}", r.name, problems.join(" and ")),
    );
    if no_actions {
        finding.evidence("/config/alarm_actions");
    }
    if !a.actions_enabled {
        finding.evidence("/config/actions_enabled");
    }
}

/// The Lambda metric an alarm watches: (function name, metric), when it watches one.
fn watched(alarm: &CloudWatchAlarm) -> Option<(&str, &str)> {
    if alarm.namespace.as_deref() != Some("AWS/Lambda") {
        return None;
    }
    Some((alarm.dimensions.get("FunctionName")?.as_str(), alarm.metric_name.as_deref()?))
}

fn lambda_alarms(ctx: &Context<'_>, settings: &Settings, resources: &[Resource], report: &mut Report) {
    // Alarms watch metrics of their own account and region: indexed once, so that judging every
    // function costs one lookup per required metric, whatever the number of alarms.
    let watched: std::collections::HashSet<(&str, &str, &str, &str)> = resources
        .iter()
        .filter_map(|r| match &r.config {
            ResourceConfig::CloudWatchAlarm(a) => {
                watched(a).map(|(function, metric)| (r.account.as_str(), r.region.as_str(), function, metric))
            }
            _ => None,
        })
        .collect();
    for f in resources.iter().filter(|r| matches!(r.config, ResourceConfig::LambdaFunction(_))) {
        let missing: Vec<&str> = settings
            .required_metrics
            .iter()
            .map(String::as_str)
            .filter(|metric| !watched.contains(&(f.account.as_str(), f.region.as_str(), f.name.as_str(), *metric)))
            .collect();
        if missing.is_empty() {
            report.pass(CLOUDWATCH_LAMBDA_ALARMS);
        } else if let Some(calls) = ctx.unlisted_reason("cloudwatch.alarm", Some(&f.region)) {
            // The alarms of its region could not all be listed: the missing ones may exist.
            report.not_assessed(
                CLOUDWATCH_LAMBDA_ALARMS,
                f,
                format!(
                    "function {}: cannot tell whether alarms on AWS/Lambda {} exist: the alarms of {} could not all be listed ({calls})",
                    f.name,
                    missing.join(", "),
                    f.region
                ),
            );
        } else {
            report.fail(
                CLOUDWATCH_LAMBDA_ALARMS,
                f,
                format!(
                    "function {} has no CloudWatch alarm on AWS/Lambda {} (dimension FunctionName={})",
                    f.name,
                    missing.join(", "),
                    f.name
                ),
            );
        }
    }
}

bbscan_policy::export_policy!(Logging);

#[cfg(test)]
mod tests;
