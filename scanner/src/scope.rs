//! Which resources belong to the snapshot: one SST stage of one app, or the whole account.
//!
//! SST v3 tags every taggable resource `sst:app=<app>` and `sst:stage=<stage>`. For
//! `--stage S` a resource is kept when
//! 1. its tags say app and stage S (resources tagged with another stage or app are dropped
//!    before their details are read, which saves calls);
//! 2. or it has no stage tag and
//!    - its kind governs every stage (IAM account settings, users, groups, customer-managed
//!      policies, OIDC providers, the account public access block, trails), or
//!    - it is an IAM role: a role that belongs to no stage is the account's (an administrator
//!      role, a CI role) and any stage's principal may reach it, so judging the stage's
//!      privilege escalation needs it, or
//!    - it is SST's bootstrap (the `sst-state-*` and `sst-asset-*` buckets, `/sst/bootstrap`),
//!    - or its name follows SST's naming for the stage (`<app>-<stage>-…`, parameter paths
//!      `/<app>/<stage>/…`, `/sst/<app>/<stage>/…`, `/sst/passphrase/<app>/<stage>`),
//!    - or a kept resource uses it: a function's log group, an alarm on a kept function, a
//!      KMS key, certificate or other resource whose ARN or key id a kept resource names.
//!
//! Sub-resources that cannot be tagged (bucket policies, public access blocks, Lambda
//! permissions) live inside their parent's document and so always go with it.

use bbscan_model::{Resource, ResourceConfig, SST_APP_TAG, SST_STAGE_TAG};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error(
        "no resource of app {app:?} is tagged sst:stage={stage:?}. Stages found: {}. \
         Check --stage (and --app, or `app` in bbscan.toml)",
        if .found.is_empty() { "none".to_string() } else { .found.join(", ") }
    )]
    UnknownStage { app: String, stage: String, found: Vec<String> },
}

/// Whether a resource is in scope, decided from its tags alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Early {
    Keep,
    /// Tagged with another stage or app: skip its details.
    Drop,
    /// No stage tag: read it, decide at the end.
    Undecided,
}

pub struct Scope {
    app: String,
    stage: Option<String>,
    seen: Mutex<BTreeSet<String>>,
}

impl Scope {
    pub fn new(app: &str, stage: Option<&str>) -> Scope {
        Scope { app: app.to_string(), stage: stage.map(str::to_string), seen: Mutex::new(BTreeSet::new()) }
    }

    /// Decide from tags, and remember which stages exist.
    pub fn early(&self, tags: &BTreeMap<String, String>) -> Early {
        let app_matches = tags.get(SST_APP_TAG).is_none_or(|a| *a == self.app);
        let Some(stage) = tags.get(SST_STAGE_TAG) else {
            return if self.stage.is_none() { Early::Keep } else { Early::Undecided };
        };
        if app_matches && let Ok(mut seen) = self.seen.lock() {
            seen.insert(stage.clone());
        }
        match &self.stage {
            None => Early::Keep,
            Some(wanted) if app_matches && stage == wanted => Early::Keep,
            Some(_) => Early::Drop,
        }
    }

    pub fn stages_seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    /// The final cut: keep what belongs to the stage. Fails on a stage no resource has.
    pub fn keep(&self, resources: Vec<Resource>) -> Result<Vec<Resource>, ScopeError> {
        let Some(stage) = &self.stage else {
            return Ok(resources);
        };
        // Tags seen on resources read in full also count (e.g. roles from one IAM listing).
        for r in &resources {
            self.early(&r.tags);
        }
        let seen = self.stages_seen();
        if !seen.contains(stage) {
            return Err(ScopeError::UnknownStage { app: self.app.clone(), stage: stage.clone(), found: seen });
        }
        let mut kept = Vec::new();
        let mut undecided = Vec::new();
        for r in resources {
            match self.early(&r.tags) {
                Early::Drop => {}
                Early::Keep => kept.push(r),
                Early::Undecided
                    if r.config.is_account_wide()
                        || is_unstaged_role(&r)
                        || is_sst_bootstrap(&r)
                        || self.named_for_stage(&r, stage) =>
                {
                    kept.push(r)
                }
                Early::Undecided => undecided.push(r),
            }
        }
        // What the kept resources point at. Repeat until nothing new is pulled in, so that a
        // log group's KMS key is kept with the log group.
        let mut pending = undecided;
        loop {
            let references = References::of(&kept);
            let (used, rest): (Vec<Resource>, Vec<Resource>) = pending.into_iter().partition(|r| references.uses(r));
            if used.is_empty() {
                break;
            }
            kept.extend(used);
            pending = rest;
        }
        kept.sort_by(|a, b| (a.kind(), &a.arn).cmp(&(b.kind(), &b.arn)));
        Ok(kept)
    }

    fn named_for_stage(&self, r: &Resource, stage: &str) -> bool {
        let app = self.app.to_ascii_lowercase();
        let stage_l = stage.to_ascii_lowercase();
        let name = r.name.to_ascii_lowercase();
        let prefix = format!("{app}-{stage_l}-");
        match &r.config {
            ResourceConfig::SsmParameter(_) => {
                name.starts_with(&format!("/{app}/{stage_l}/"))
                    || name.starts_with(&format!("/sst/{app}/{stage_l}/"))
                    || name == format!("/sst/passphrase/{app}/{stage_l}")
            }
            ResourceConfig::LogGroup(_) => name.strip_prefix("/aws/lambda/").unwrap_or(&name).starts_with(&prefix),
            _ => name.starts_with(&prefix),
        }
    }
}

fn is_unstaged_role(r: &Resource) -> bool {
    matches!(r.config, ResourceConfig::IamRole(_))
}

fn is_sst_bootstrap(r: &Resource) -> bool {
    match &r.config {
        ResourceConfig::S3Bucket(_) => r.name.starts_with("sst-state-") || r.name.starts_with("sst-asset-"),
        ResourceConfig::SsmParameter(_) => r.name == "/sst/bootstrap",
        _ => false,
    }
}

/// What a set of kept resources refers to.
struct References {
    /// The kept resources' documents, as text, to find ARNs and key ids in.
    text: String,
    log_groups: BTreeSet<String>,
    functions: BTreeSet<String>,
}

impl References {
    fn of(kept: &[Resource]) -> References {
        let mut text = String::new();
        let mut log_groups = BTreeSet::new();
        let mut functions = BTreeSet::new();
        for r in kept {
            if let Ok(json) = serde_json::to_string(&r.config) {
                text.push_str(&json);
                text.push('\n');
            }
            if let ResourceConfig::LambdaFunction(f) = &r.config {
                log_groups.insert(f.log_group.clone());
                functions.insert(r.name.clone());
            }
        }
        References { text, log_groups, functions }
    }

    fn uses(&self, r: &Resource) -> bool {
        match &r.config {
            ResourceConfig::LogGroup(_) => self.log_groups.contains(&r.name),
            ResourceConfig::CloudWatchAlarm(a) => {
                a.dimensions.get("FunctionName").is_some_and(|f| self.functions.contains(f))
            }
            ResourceConfig::KmsKey(k) => self.text.contains(&r.arn) || self.text.contains(&k.key_id),
            // Trails, access logging and CloudFront origins name buckets, not their ARNs.
            ResourceConfig::S3Bucket(_) => {
                self.text.contains(&format!("\"{}\"", r.arn)) || self.text.contains(&format!("\"{}\"", r.name))
            }
            _ => self.text.contains(&format!("\"{}\"", r.arn)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn early_decisions() {
        let scope = Scope::new("brainbytes", Some("production"));
        assert_eq!(scope.early(&tags(&[("sst:app", "brainbytes"), ("sst:stage", "production")])), Early::Keep);
        assert_eq!(scope.early(&tags(&[("sst:app", "brainbytes"), ("sst:stage", "dev")])), Early::Drop);
        assert_eq!(scope.early(&tags(&[("sst:app", "other"), ("sst:stage", "production")])), Early::Drop);
        assert_eq!(scope.early(&tags(&[("Name", "x")])), Early::Undecided);
        // Another app's stages are not offered as choices.
        assert_eq!(scope.stages_seen(), vec!["dev".to_string(), "production".to_string()]);
    }

    #[test]
    fn an_unknown_stage_lists_the_stages_found() {
        let scope = Scope::new("brainbytes", Some("prod"));
        scope.early(&tags(&[("sst:app", "brainbytes"), ("sst:stage", "production")]));
        let err = scope.keep(Vec::new()).unwrap_err().to_string();
        assert!(err.contains("Stages found: production"), "{err}");
    }
}
