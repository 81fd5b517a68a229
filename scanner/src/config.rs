//! `bbscan.toml`: project settings, so that flags need not be repeated.
//!
//! ```toml
//! app = "brainbytes"          # the SST app name (default "brainbytes")
//! regions = ["us-east-1"]     # default --region list
//!
//! [collect]
//! concurrency = 16            # most AWS calls in flight
//!
//! [policies.bbscan-ssm]       # settings of one policy, by its name, handed to it as JSON
//! secret_name_patterns = ["secret", "token"]
//!
//! [stages.production]         # where a stage lives: `--stage production` goes there by itself
//! account = "111122223333"    # checked against the credentials before any other call
//! profile = "brainbytes-prod" # an AWS profile, and/or
//! role_arn = "arn:aws:iam::111122223333:role/bbscan-scanner"   # a role to assume
//! external_id = "…"           # the role's external id, when its trust policy asks for one
//!
//! [organization]              # `--organization`: every account of the organisation
//! role_name = "bbscan-scanner"  # the scanner role in each account (default OrganizationAccountAccessRole)
//! accounts = ["111122223333"] # these accounts instead of ListAccounts
//! concurrency = 4             # accounts collected at once
//!
//! [[waivers]]                 # an accepted finding: still reported, never fails the run
//! rule = "S3.ACCESS_LOGGING"
//! resource = "arn:aws:s3:::sst-asset-*"   # an ARN or a glob
//! reason = "SST bootstrap bucket; rebuilt from source"
//! owner = "platform@brainbytes.dev"
//! expires = "2027-06-30"      # the last day it applies
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_APP: &str = "brainbytes";
pub const DEFAULT_CONCURRENCY: usize = 16;
pub const FILE_NAME: &str = "bbscan.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub app: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub collect: CollectConfig,
    /// Settings per policy name.
    #[serde(default)]
    pub policies: std::collections::BTreeMap<String, toml::Table>,
    /// Accepted findings.
    #[serde(default)]
    pub waivers: Vec<crate::triage::Waiver>,
    /// What remediation always keeps.
    #[serde(default)]
    pub remediation: RemediationConfig,
    /// Where each stage lives, by stage name.
    #[serde(default)]
    pub stages: std::collections::BTreeMap<String, StageConfig>,
    /// How to reach every account of the organisation.
    #[serde(default)]
    pub organization: OrganizationConfig,
}

/// `[stages.NAME]`: the account a stage is deployed to and how to reach it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// The stage's account id: the credentials must land there.
    pub account: Option<String>,
    /// An AWS profile to use for this stage (unless --profile is given).
    pub profile: Option<String>,
    /// A role to assume for this stage (from the profile's, or the default, credentials).
    pub role_arn: Option<String>,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
}

/// `[organization]`: how `--organization` reaches each account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    /// The role assumed in each member account (default `OrganizationAccountAccessRole`).
    pub role_name: Option<String>,
    /// The external id that role asks for.
    pub external_id: Option<String>,
    /// Audit these accounts instead of every account `ListAccounts` names.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Accounts collected at once.
    pub concurrency: Option<usize>,
}

/// Whether `id` is a 12-digit AWS account id.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `name` is an IAM role name, with an optional path (`bbscan`, `ops/bbscan`).
pub fn is_role_name(name: &str) -> bool {
    let (path, leaf) = name.rsplit_once('/').unwrap_or(("", name));
    let ok = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    !leaf.is_empty()
        && leaf.len() <= 64
        && ok(leaf)
        && !path.starts_with('/')
        && path.split('/').all(|p| !p.is_empty() || path.is_empty())
        && path.split('/').all(ok)
        && !path.starts_with("role")
}

/// The account id of an IAM role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`).
pub fn role_account(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if !partition.is_empty()
                && is_account_id(account)
                && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()) =>
        {
            Some(account)
        }
        _ => None,
    }
}

impl StageConfig {
    fn validate(&self, stage: &str) -> Result<(), String> {
        if let Some(account) = &self.account
            && !is_account_id(account)
        {
            return Err(format!("[stages.{stage}] account = {account:?} is not a 12-digit AWS account id"));
        }
        if let Some(arn) = &self.role_arn {
            let Some(role_account) = role_account(arn) else {
                return Err(format!(
                    "[stages.{stage}] role_arn = {arn:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
                ));
            };
            if let Some(account) = self.account.as_deref().filter(|a| *a != role_account) {
                return Err(format!(
                    "[stages.{stage}] role_arn is a role in account {role_account}, but account = {account:?}"
                ));
            }
        }
        if self.external_id.is_some() && self.role_arn.is_none() {
            return Err(format!("[stages.{stage}] external_id needs role_arn (the role that asks for it)"));
        }
        Ok(())
    }

    /// The account the stage's credentials must land in: `account`, else the role's.
    pub fn expected_account(&self) -> Option<String> {
        self.account.clone().or_else(|| self.role_arn.as_deref().and_then(role_account).map(str::to_string))
    }
}

/// `[remediation]`: floors every planned step obeys, whoever proposed it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationConfig {
    /// Log retention is never shortened below this many days (default 90).
    pub min_log_retention_days: Option<u32>,
    /// Noncurrent S3 object versions are kept at least this many days (default 30).
    pub min_noncurrent_version_days: Option<u32>,
}

impl RemediationConfig {
    pub fn floors(&self) -> crate::remediate::actions::narrow::Floors {
        let default = crate::remediate::actions::narrow::Floors::default();
        crate::remediate::actions::narrow::Floors {
            log_retention_days: self.min_log_retention_days.map_or(default.log_retention_days, i64::from),
            noncurrent_version_days: self
                .min_noncurrent_version_days
                .map_or(default.noncurrent_version_days, i64::from),
        }
    }
}

impl Config {
    /// Each policy's settings as a JSON object.
    pub fn policy_settings(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        self.policies
            .iter()
            .map(|(name, table)| (name.clone(), serde_json::to_value(table).unwrap_or_default()))
            .collect()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectConfig {
    pub concurrency: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}. Fix it, or pass --config to use another file")]
    Parse { path: PathBuf, message: String },
}

impl Config {
    /// Load `path`, or `./bbscan.toml` when it exists, or the defaults.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(FILE_NAME), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::parse(&text).map_err(|message| ConfigError::Parse { path, message })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.message().to_string())?;
        for w in &config.waivers {
            w.validate()?;
        }
        for (stage, settings) in &config.stages {
            settings.validate(stage)?;
        }
        for account in &config.organization.accounts {
            if !is_account_id(account) {
                return Err(format!("[organization] accounts: {account:?} is not a 12-digit AWS account id"));
            }
        }
        if let Some(name) = &config.organization.role_name
            && !is_role_name(name)
        {
            return Err(format!(
                "[organization] role_name = {name:?}: give the role's name (with its path), not an ARN"
            ));
        }
        if config.organization.concurrency == Some(0) {
            return Err("[organization] concurrency must be at least 1".to_string());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings() {
        let c = Config::parse("app = \"shop\"\nregions = [\"eu-west-1\"]\n[collect]\nconcurrency = 4\n").unwrap();
        assert_eq!(c.app.as_deref(), Some("shop"));
        assert_eq!(c.regions, vec!["eu-west-1"]);
        assert_eq!(c.collect.concurrency, Some(4));
    }

    #[test]
    fn policy_settings_become_json() {
        let c = Config::parse("[policies.bbscan-ssm]\nsecret_name_patterns = [\"token\"]\n").unwrap();
        assert_eq!(c.policy_settings()["bbscan-ssm"]["secret_name_patterns"][0], "token");
    }

    #[test]
    fn stages_name_their_account_and_bad_ids_are_refused() {
        let c = Config::parse(
            "[stages.production]\nrole_arn = \"arn:aws:iam::111122223333:role/ops/bbscan\"\nexternal_id = \"x\"\n\
             [stages.dev]\naccount = \"444455556666\"\nprofile = \"dev\"\n",
        )
        .unwrap();
        assert_eq!(c.stages["production"].expected_account().as_deref(), Some("111122223333"));
        assert_eq!(c.stages["dev"].expected_account().as_deref(), Some("444455556666"));
        assert!(is_role_name("bbscan") && is_role_name("ops/bbscan-scanner") && is_role_name("a+b=c,d.e@f_g-h"));
        assert!(!is_role_name("") && !is_role_name("a b") && !is_role_name("x:y") && !is_role_name("ops//x"));
        for (bad, said) in [
            ("[stages.p]\naccount = \"12345\"\n", "not a 12-digit"),
            ("[stages.p]\nrole_arn = \"arn:aws:iam::111122223333:user/x\"\n", "not an IAM role ARN"),
            (
                "[stages.p]\naccount = \"111122223333\"\nrole_arn = \"arn:aws:iam::444455556666:role/x\"\n",
                "role in account 444455556666",
            ),
            ("[stages.p]\nexternal_id = \"x\"\n", "needs role_arn"),
            ("[organization]\naccounts = [\"1234567890123\"]\n", "not a 12-digit"),
            ("[organization]\nrole_name = \"arn:aws:iam::1:role/x\"\n", "not an ARN"),
            ("[organization]\nrole_name = \"role/x\"\n", "not an ARN"),
            ("[organization]\nrole_name = \"/ops/x\"\n", "not an ARN"),
        ] {
            let err = Config::parse(bad).unwrap_err();
            assert!(err.contains(said), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = Config::parse("ap = \"typo\"").unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }
}
