//! Built-in policy: encryption keys, backups and recovery.
//!
//! KMS key rotation, a daily AWS Backup plan, and the backups AWS cannot see: BrainBytes keeps its
//! data in an external (hosted Postgres) database, so its backups are a manual check.
//!
//! Settings (`[policies.bbscan-recovery]`):
//! - `min_retention_days` (integer, default 7): a backup rule must keep recovery points at least
//!   this long to count as a daily backup (`BACKUP.DAILY_PLAN`); a rule that never deletes them
//!   counts.
//! - `database_name_patterns` (list of globs, default `["DATABASE_URL*", "DatabaseUrl*",
//!   "POSTGRES*", "PG*URL", "*_DSN"]`, `*` any run and `?` one character, case-insensitive): SSM
//!   parameter names (their last path segment) and Lambda environment variable names that point
//!   at a database outside AWS (`BACKUP.EXTERNAL_DATABASE`). The list replaces the default.
//! - `external_backups_verified` (boolean, default false): set it once the external database's
//!   daily backups have been confirmed with the provider; `BACKUP.EXTERNAL_DATABASE` then passes.

use bbscan_policy::iam::wildcard_match;
use bbscan_policy::model::{BackupRule, ResourceConfig};
use bbscan_policy::{
    ComplianceRef, Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json, settings,
};

mod not_flagged;

pub const KMS_KEY_ROTATION: &str = "KMS.KEY_ROTATION";
pub const BACKUP_DAILY_PLAN: &str = "BACKUP.DAILY_PLAN";
pub const BACKUP_EXTERNAL_DATABASE: &str = "BACKUP.EXTERNAL_DATABASE";

const SETTINGS: &[&str] = &["min_retention_days", "database_name_patterns", "external_backups_verified"];
const DEFAULT_DATABASE_PATTERNS: &[&str] = &["DATABASE_URL*", "DatabaseUrl*", "POSTGRES*", "PG*URL", "*_DSN"];

pub struct Recovery;

#[derive(Debug, Clone, PartialEq)]
struct Settings {
    min_retention_days: i64,
    database_name_patterns: Vec<String>,
    external_backups_verified: bool,
}

impl Settings {
    fn read(s: &Value) -> Result<Settings, String> {
        settings::only_keys(s, SETTINGS)?;
        let database_name_patterns = settings::strings(s, "database_name_patterns", DEFAULT_DATABASE_PATTERNS)?;
        if database_name_patterns.iter().any(|p| p.trim().is_empty()) {
            return Err("setting \"database_name_patterns\" must not hold an empty pattern".into());
        }
        Ok(Settings {
            min_retention_days: settings::integer(s, "min_retention_days", 7, 1, 36_500)?,
            database_name_patterns,
            external_backups_verified: settings::boolean(s, "external_backups_verified", false)?,
        })
    }
}

fn refs(items: &[(&str, &str)]) -> Vec<ComplianceRef> {
    items.iter().map(|(f, c)| ComplianceRef::new(f, c)).collect()
}

fn kinds(items: &[&str]) -> Vec<String> {
    items.iter().map(|k| k.to_string()).collect()
}

fn rules() -> Vec<Rule> {
    vec![
        Rule {
            id: KMS_KEY_ROTATION.into(),
            title: "Customer-managed KMS keys rotate automatically".into(),
            description: "Without rotation, one key material protects every SecureString, log and artifact the key \
                          has ever encrypted; yearly rotation limits how much a leaked or broken key exposes. Only \
                          enabled symmetric keys with KMS key material are judged: rotation applies to no other."
                .into(),
            default_severity: Severity::Medium,
            kinds: kinds(&["kms.key"]),
            compliance: refs(&[
                ("CIS AWS Foundations Benchmark v3.0.0", "3.6"),
                ("AWS Foundational Security Best Practices", "KMS.4"),
                ("SOC 2", "CC6.1"),
            ]),
            help_text: "Turn on automatic key rotation for the key.".into(),
            help_markdown: "Turn on **automatic key rotation**: KMS then creates new key material every year (or \
                            every `RotationPeriodInDays`) and keeps the old material to decrypt old data."
                .into(),
            remediation: "aws kms enable-key-rotation --key-id KEY_ID".into(),
            not_flagged: String::new(),
        },
        Rule {
            id: BACKUP_DAILY_PLAN.into(),
            title: "An AWS Backup plan runs daily".into(),
            description: "Without a backup plan that runs at least once a day and keeps its recovery points for a \
                          week or more, a deleted bucket object or a corrupted table can only be restored from \
                          whatever versioning happens to hold. Reported once, on the account."
                .into(),
            default_severity: Severity::Medium,
            kinds: kinds(&["backup.plan", "iam.account"]),
            compliance: refs(&[("SOC 2", "A1.2")]),
            help_text: "Create an AWS Backup plan with a daily rule and a retention of at least min_retention_days."
                .into(),
            help_markdown: "Create an **AWS Backup plan** with a rule scheduled at least daily (for example \
                            `cron(0 5 * * ? *)`) whose lifecycle keeps recovery points at least \
                            `min_retention_days` (default 7), and assign the stage's resources to it."
                .into(),
            remediation: "aws backup create-backup-plan --backup-plan '{\"BackupPlanName\":\"APP-STAGE-daily\",\
                          \"Rules\":[{\"RuleName\":\"daily\",\"TargetBackupVaultName\":\"VAULT\",\
                          \"ScheduleExpression\":\"cron(0 5 * * ? *)\",\"Lifecycle\":{\"DeleteAfterDays\":35}}]}', \
                          then aws backup create-backup-selection for the resources"
                .into(),
            not_flagged: String::new(),
        },
        Rule {
            id: BACKUP_EXTERNAL_DATABASE.into(),
            title: "The external database's daily backups are confirmed".into(),
            description: "BrainBytes keeps its data in a database outside AWS (the DATABASE_URL secret), whose \
                          backups no AWS API can show. A manual check, on the account, until someone confirms \
                          them with the provider and sets external_backups_verified."
                .into(),
            default_severity: Severity::Medium,
            kinds: kinds(&["ssm.parameter", "lambda.function", "iam.account"]),
            compliance: refs(&[("SOC 2", "A1.2")]),
            help_text: "Confirm with the database provider that daily backups (or point-in-time recovery) are on \
                        and a restore has been tested, then set external_backups_verified = true."
                .into(),
            help_markdown: "Confirm with the database provider (Neon, Supabase, RDS in another account, …) that \
                            **daily backups or point-in-time recovery** are on, how long they are kept, and that a \
                            restore has been tested. Then set `external_backups_verified = true` in \
                            `[policies.bbscan-recovery]`."
                .into(),
            remediation: "In the provider's console, enable daily backups / point-in-time recovery and test a \
                          restore; then record it in bbscan.toml: [policies.bbscan-recovery] \
                          external_backups_verified = true"
                .into(),
            not_flagged: String::new(),
        },
    ]
}

impl Policy for Recovery {
    fn info() -> PolicyInfo {
        let info = {
            PolicyInfo { name: "bbscan-recovery".into(), version: env!("CARGO_PKG_VERSION").into(), rules: rules() }
        };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        Settings::read(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        for r in resources {
            key_rotation(r, report);
        }
        let account = resources.iter().find(|r| matches!(r.config, ResourceConfig::IamAccount(_)));
        if let Some(account) = account {
            daily_plan(ctx, &settings, account, resources, report);
            external_database(&settings, account, resources, report);
        }
        Ok(())
    }
}

fn key_rotation(r: &Resource, report: &mut Report) {
    let ResourceConfig::KmsKey(k) = &r.config else { return };
    // AWS rotates the keys it manages itself, every year, and refuses to be asked.
    let rotatable = !k.aws_managed()
        && k.key_spec.as_deref() == Some("SYMMETRIC_DEFAULT")
        && k.origin.as_deref().is_none_or(|o| o == "AWS_KMS")
        && k.key_state.as_deref() == Some("Enabled");
    if !rotatable || !r.is_known("rotation_enabled") {
        return;
    }
    match k.rotation_enabled {
        // Not read for this key (the collector asks only where rotation applies).
        None => {}
        Some(true) => report.pass(KMS_KEY_ROTATION),
        Some(false) => {
            let name = k.aliases.first().map(|a| format!("{} ({a})", r.name)).unwrap_or_else(|| r.name.clone());
            let finding = report
                .fail(KMS_KEY_ROTATION, r, format!("KMS key {name} has automatic key rotation disabled"))
                .evidence("/config/rotation_enabled");
            // A multi-region replica follows its primary's rotation and refuses EnableKeyRotation; the
            // snapshot does not say which one this is.
            if k.multi_region != Some(true) {
                let key_id = if k.key_id.is_empty() { r.name.clone() } else { k.key_id.clone() };
                finding.action("kms.enable_key_rotation", 1, json!({ "key_id": key_id }));
            }
        }
    }
}

/// How often a backup schedule runs: whether it runs at least once a day, or `None` when the
/// expression is not one we can read.
pub fn runs_daily(expression: &str) -> Option<bool> {
    let e = expression.trim();
    if let Some(body) = e.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
        let fields: Vec<&str> = body.split_whitespace().collect();
        let [_minutes, hours, day_of_month, month, day_of_week, _year] = fields[..] else { return None };
        let every = |f: &str| f == "*" || f == "?";
        // A fixed hour list still runs every day; the days, months and weekdays must not be narrowed.
        return Some(!hours.is_empty() && every(day_of_month) && every(day_of_week) && month == "*");
    }
    if let Some(body) = e.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
        let mut parts = body.split_whitespace();
        let value: i64 = parts.next()?.parse().ok()?;
        let unit = parts.next()?.to_ascii_lowercase();
        if parts.next().is_some() || value < 1 {
            return None;
        }
        let minutes = match unit.as_str() {
            "minute" | "minutes" => value,
            "hour" | "hours" => value.checked_mul(60)?,
            "day" | "days" => value.checked_mul(1440)?,
            _ => return None,
        };
        return Some(minutes <= 1440);
    }
    None
}

/// Why a backup rule is not a daily backup kept long enough, or `None` when it is one.
fn rule_problem(rule: &BackupRule, min_retention_days: i64) -> Option<String> {
    let schedule = match rule.schedule_expression.as_deref() {
        None => return Some(format!("rule {} has no schedule", rule.name)),
        Some(s) => s,
    };
    match runs_daily(schedule) {
        None => return Some(format!("rule {} has a schedule bbscan cannot read ({schedule})", rule.name)),
        Some(false) => return Some(format!("rule {} runs less often than daily ({schedule})", rule.name)),
        Some(true) => {}
    }
    match rule.delete_after_days {
        Some(days) if days < min_retention_days => {
            Some(format!("rule {} keeps recovery points {days} days, fewer than {min_retention_days}", rule.name))
        }
        _ => None,
    }
}

fn daily_plan(ctx: &Context<'_>, settings: &Settings, account: &Resource, resources: &[Resource], report: &mut Report) {
    let mut problems = Vec::new();
    let mut unread = Vec::new();
    for r in resources {
        let ResourceConfig::BackupPlan(plan) = &r.config else { continue };
        if !r.is_known("rules") {
            unread.push(r.name.as_str());
            continue;
        }
        if plan.rules.is_empty() {
            problems.push(format!("plan {} has no rules", r.name));
            continue;
        }
        let mut plan_problems = Vec::new();
        for rule in &plan.rules {
            match rule_problem(rule, settings.min_retention_days) {
                None => {
                    report.pass(BACKUP_DAILY_PLAN);
                    return;
                }
                Some(p) => plan_problems.push(p),
            }
        }
        problems.push(format!("plan {}: {}", r.name, plan_problems.join("; ")));
    }
    // A plan that could not be listed, or whose rules could not be read, might be the daily one.
    let mut why = Vec::new();
    if let Some(calls) = ctx.unlisted_reason("backup.plan", None) {
        why.push(format!("the backup plans could not all be listed ({calls})"));
    }
    if !unread.is_empty() {
        why.push(format!("the rules of plan {} could not be read", bbscan_policy::few(&unread, 3)));
    }
    if !why.is_empty() {
        report.not_assessed(
            BACKUP_DAILY_PLAN,
            account,
            format!("account {}: cannot tell whether a daily backup plan exists: {}", account.name, why.join(", and ")),
        );
        return;
    }
    let message = if problems.is_empty() {
        format!(
            "account {} has no AWS Backup plan: nothing is backed up daily with at least {} days retention",
            account.name, settings.min_retention_days
        )
    } else {
        format!(
            "account {} has no AWS Backup plan that runs daily with at least {} days retention ({})",
            account.name,
            settings.min_retention_days,
            bbscan_policy::few(&problems, 5)
        )
    };
    report.fail(BACKUP_DAILY_PLAN, account, message);
}

/// Whether `name` looks like a database connection string's name.
fn looks_like_database(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| wildcard_match(p, name, true))
}

fn external_database(settings: &Settings, account: &Resource, resources: &[Resource], report: &mut Report) {
    let mut references = Vec::new();
    let mut unread = false;
    for r in resources {
        match &r.config {
            ResourceConfig::SsmParameter(_) => {
                let last = r.name.rsplit('/').next().unwrap_or(&r.name);
                if looks_like_database(&settings.database_name_patterns, last) {
                    references.push(format!("SSM parameter {}", r.name));
                }
            }
            ResourceConfig::LambdaFunction(f) => {
                if !r.is_known("environment") {
                    unread = true;
                    continue;
                }
                for var in &f.environment {
                    if looks_like_database(&settings.database_name_patterns, &var.name) {
                        references.push(format!("{} of function {}", var.name, r.name));
                    }
                }
            }
            _ => {}
        }
    }
    references.sort();
    references.dedup();
    if settings.external_backups_verified {
        report.pass(BACKUP_EXTERNAL_DATABASE);
    } else if !references.is_empty() {
        report.manual(
            BACKUP_EXTERNAL_DATABASE,
            account,
            format!(
                "daily backups of the external database referenced by {} cannot be verified from AWS; confirm them \
                 with the provider, then set external_backups_verified = true",
                bbscan_policy::few(&references, 5)
            ),
        );
    } else if !unread {
        // Nothing points at a database outside AWS: nothing to confirm.
        report.pass(BACKUP_EXTERNAL_DATABASE);
    }
}

bbscan_policy::export_policy!(Recovery);

#[cfg(test)]
mod tests;
