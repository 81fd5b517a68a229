//! Built-in policy: IAM least privilege and identities.
//!
//! Rules (see [`rules`]): what principals may do, judged the way AWS decides it — explicit
//! denies subtracted, conditions, permission boundaries and SCPs applied, AWS-managed policies
//! read, a principal's inline, managed and group policies combined (crate `bbscan-iam`, through
//! the SDK): full administrators, administrator attachments, privilege-escalation paths, Lambda
//! roles' SSM scope, service wildcards, write and secret-reading actions on every resource,
//! malformed documents; who role trust policies let in (GitHub OIDC pinning, anyone, other
//! accounts); and the hygiene of users, keys, the root user, the password policy and unused
//! roles; and, from the CloudTrail usage in the snapshot, principals that did nothing,
//! permissions never used (with a generated least-privilege replacement) and refused calls.
//!
//! One document is reported by at most one of the document rules, the most specific:
//! `POLICY_FULL_ADMIN` (the document alone is administrator) silences `POLICY_SERVICE_WILDCARD`
//! and `POLICY_WILDCARD_RESOURCE` on it; a service wildcard is not repeated as a wildcard
//! resource. `PRIVILEGE_ESCALATION` is about principals (a path), not documents.
//!
//! Settings (`[policies.bbscan-iam]`):
//! - `admin_policies` (list of ARNs, `*` globs): AWS-managed policies that make their holder an
//!   administrator. Default `arn:aws:iam::aws:policy/AdministratorAccess`,
//!   `arn:aws:iam::aws:policy/IAMFullAccess`.
//! - `break_glass` (list of names or ARNs, `*` globs): users, groups and roles allowed to hold
//!   them. Default none.
//! - `lambda_ssm_paths` (list): parameter paths a Lambda execution role may read, with `{app}`
//!   and `{stage}` taken from the function's `sst:app`/`sst:stage` tags. Default
//!   `/{app}/{stage}/*`, `/sst/{app}/{stage}/*`; SST's `/sst/passphrase/{app}/{stage}` is always
//!   allowed.
//! - `github_repository` (`owner/name`): when set, GitHub OIDC findings propose
//!   `iam.restrict_github_oidc_trust`. Default unset.
//! - `github_subjects` (list): the subjects that action pins, `{repository}` replaced. Default
//!   `repo:{repository}:ref:refs/heads/main`.
//! - `trusted_accounts` (list of 12-digit ids): other accounts (your organisation's) a role may
//!   trust without an external id. Default none.
//! - `max_access_key_age_days` (default 90), `max_access_key_unused_days` (default 90),
//!   `max_role_unused_days` (default 90).
//! - `min_password_length` (default 14), `password_reuse_prevention` (default 24).
//! - `resource_star_actions` (list of action patterns): actions never reported by
//!   `POLICY_WILDCARD_RESOURCE` on `Resource: "*"`, besides those the action catalogue says take
//!   no resource at all. Default: the EC2 network-interface actions Lambda in a VPC needs.
//! - `usage_min_days` (default 30): the days of CloudTrail logs (no day missing) the usage
//!   rules need before they call a principal or a permission unused.
//! - `usage_accept_partial` (default false): judge usage even when days are missing or log
//!   files could not be read (every message says so).

use bbscan_policy::iam::account::Account;
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Value, settings};

mod not_flagged;

mod grants;
mod identities;
pub mod rules;
mod trust;
mod usage;

pub use rules::*;

pub struct Iam;

const KEYS: &[&str] = &[
    "admin_policies",
    "break_glass",
    "lambda_ssm_paths",
    "github_repository",
    "github_subjects",
    "trusted_accounts",
    "max_access_key_age_days",
    "max_access_key_unused_days",
    "max_role_unused_days",
    "min_password_length",
    "password_reuse_prevention",
    "resource_star_actions",
    "usage_min_days",
    "usage_accept_partial",
];

const DEFAULT_ADMIN_POLICIES: &[&str] =
    &["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"];
const DEFAULT_LAMBDA_SSM_PATHS: &[&str] = &["/{app}/{stage}/*", "/sst/{app}/{stage}/*"];
const DEFAULT_GITHUB_SUBJECTS: &[&str] = &["repo:{repository}:ref:refs/heads/main"];
const DEFAULT_RESOURCE_STAR_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

/// The settings, read and checked.
pub(crate) struct Settings {
    pub admin_policies: Vec<String>,
    pub break_glass: Vec<String>,
    pub lambda_ssm_paths: Vec<String>,
    pub github_repository: Option<String>,
    pub github_subjects: Vec<String>,
    pub trusted_accounts: Vec<String>,
    pub max_access_key_age_days: i64,
    pub max_access_key_unused_days: i64,
    pub max_role_unused_days: i64,
    pub min_password_length: i64,
    pub password_reuse_prevention: i64,
    pub resource_star_actions: Vec<String>,
    pub usage_min_days: i64,
    pub usage_accept_partial: bool,
}

impl Settings {
    pub(crate) fn read(s: &Value) -> Result<Settings, String> {
        settings::only_keys(s, KEYS)?;
        let github_repository = settings::string(s, "github_repository", "")?;
        let github_repository = if github_repository.is_empty() {
            None
        } else {
            let valid = github_repository.split('/').count() == 2
                && github_repository.split('/').all(|p| !p.is_empty())
                && !github_repository.contains(['*', '?', ':', ' ']);
            if !valid {
                return Err(format!(
                    "setting \"github_repository\" must be \"owner/name\" without wildcards, not {github_repository:?}"
                ));
            }
            Some(github_repository)
        };
        let github_subjects = settings::strings(s, "github_subjects", DEFAULT_GITHUB_SUBJECTS)?;
        if github_subjects.is_empty() || github_subjects.iter().any(|sub| sub.is_empty() || sub.contains(['*', '?'])) {
            return Err("setting \"github_subjects\" must be a non-empty list of subjects without wildcards".into());
        }
        let trusted_accounts = settings::strings(s, "trusted_accounts", &[])?;
        if let Some(bad) = trusted_accounts.iter().find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!("setting \"trusted_accounts\" must hold 12-digit account ids, not {bad:?}"));
        }
        let lambda_ssm_paths = settings::strings(s, "lambda_ssm_paths", DEFAULT_LAMBDA_SSM_PATHS)?;
        if let Some(bad) = lambda_ssm_paths.iter().find(|p| !p.starts_with('/')) {
            return Err(format!("setting \"lambda_ssm_paths\" must hold paths starting with '/', not {bad:?}"));
        }
        Ok(Settings {
            admin_policies: settings::strings(s, "admin_policies", DEFAULT_ADMIN_POLICIES)?,
            break_glass: settings::strings(s, "break_glass", &[])?,
            lambda_ssm_paths,
            github_repository,
            github_subjects,
            trusted_accounts,
            max_access_key_age_days: settings::integer(s, "max_access_key_age_days", 90, 1, 3650)?,
            max_access_key_unused_days: settings::integer(s, "max_access_key_unused_days", 90, 1, 3650)?,
            max_role_unused_days: settings::integer(s, "max_role_unused_days", 90, 1, 3650)?,
            min_password_length: settings::integer(s, "min_password_length", 14, 6, 128)?,
            password_reuse_prevention: settings::integer(s, "password_reuse_prevention", 24, 1, 24)?,
            resource_star_actions: settings::strings(s, "resource_star_actions", DEFAULT_RESOURCE_STAR_ACTIONS)?,
            usage_min_days: settings::integer(s, "usage_min_days", 30, 1, 3650)?,
            usage_accept_partial: settings::boolean(s, "usage_accept_partial", false)?,
        })
    }
}

impl Policy for Iam {
    fn info() -> PolicyInfo {
        let info = {
            PolicyInfo { name: "bbscan-iam".into(), version: env!("CARGO_PKG_VERSION").into(), rules: rules::all() }
        };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        Settings::read(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        // The account's IAM, its documents parsed once for every rule.
        let account_id = resources
            .iter()
            .filter(|r| r.kind().starts_with("iam.") && r.account.len() == 12)
            .map(|r| r.account.clone())
            .next()
            .unwrap_or_default();
        let account = Account::from_resources(&account_id, resources);
        let reported = grants::evaluate(ctx, &settings, &account, resources, report);
        trust::evaluate(&settings, &account, resources, report);
        identities::evaluate(ctx, &settings, &reported, resources, report);
        bbscan_policy::discard(account);
        Ok(())
    }
}

bbscan_policy::export_policy!(Iam);

#[cfg(test)]
mod tests;
