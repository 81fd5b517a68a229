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
    fn unknown_keys_are_errors() {
        let err = Config::parse("ap = \"typo\"").unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }
}
