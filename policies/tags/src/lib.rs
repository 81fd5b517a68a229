//! Built-in policy: cost allocation tags.
//!
//! Every resource that costs money carries the tags that attribute its cost to an app and a stage
//! (SST's `sst:app` and `sst:stage`), so the bill can be split per stage in Cost Explorer once
//! the keys are activated as cost allocation tags.
//!
//! Settings (`[policies.bbscan-tags]`):
//! - `kinds` (list, default every kind below): the kinds judged. It can only narrow the default
//!   list: the host hands the policy the kinds named in the rule's `kinds`, which is fixed at
//!   build time, so a kind outside it is refused. Default: `s3.bucket`, `cloudfront.distribution`,
//!   `lambda.function`, `logs.log_group`, `kms.key`, `cloudtrail.trail`, `backup.vault`,
//!   `backup.plan`, `cloudwatch.alarm`, `acm.certificate`.
//! - `required_tags` (list, default `["sst:app", "sst:stage"]`): tag keys every resource needs
//!   when the account's own convention cannot be read (below). A tag with an empty value counts
//!   as missing.
//! - `shared_resources` (list of globs on the resource name, default `["sst-state-*",
//!   "sst-asset-*"]`, SST's bootstrap buckets; `*` any run, `?` one character, case-sensitive):
//!   resources shared by every stage. They, and the account-wide kinds (`cloudtrail.trail`),
//!   need only `shared_required_tags`.
//! - `shared_required_tags` (list, default `["sst:app"]`): tag keys shared resources need. SST
//!   creates its bootstrap buckets without any tag; they are reported so the team tags them.
//! - `tag_values` (table of tag key to value, default empty): the values to propose when the
//!   resource's stage does not show one. A finding proposes `tags.add_tags` only when every missing
//!   tag has a value.
//!
//! # Which tags count
//! The team's convention is, in this order: the user-defined tag keys the account activated for
//! cost allocation (Billing → Cost allocation tags, read with Cost Explorer's
//! `ListCostAllocationTags` onto `iam.account`) — only those split the bill; when they could not
//! be read or none is active, `required_tags` from `bbscan.toml`; else SST's `sst:app` and
//! `sst:stage`. The message says which one applied.
//!
//! # The value to add
//! A resource missing a tag that the other resources of its stage carry (same `sst:stage`, or
//! same `sst:app` when it has no stage) is told the value most of them use, when most of those
//! that carry the key agree on it, and the plan proposes exactly that value; `tag_values` is the
//! fallback.

use bbscan_policy::iam::wildcard_match;
use bbscan_policy::model::ResourceConfig;
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json, settings};
use std::collections::BTreeMap;

mod not_flagged;

pub const COST_ALLOCATION: &str = "TAGS.COST_ALLOCATION";

/// The cost-incurring taggable kinds the rule reads.
pub const DEFAULT_KINDS: &[&str] = &[
    "s3.bucket",
    "cloudfront.distribution",
    "lambda.function",
    "logs.log_group",
    "kms.key",
    "cloudtrail.trail",
    "backup.vault",
    "backup.plan",
    "cloudwatch.alarm",
    "acm.certificate",
];

const SETTINGS: &[&str] = &["kinds", "required_tags", "shared_resources", "shared_required_tags", "tag_values"];

pub struct Tags;

#[derive(Debug, Clone, PartialEq)]
struct Settings {
    kinds: Vec<String>,
    required_tags: Vec<String>,
    shared_resources: Vec<String>,
    shared_required_tags: Vec<String>,
    tag_values: BTreeMap<String, String>,
}

impl Settings {
    fn read(s: &Value) -> Result<Settings, String> {
        settings::only_keys(s, SETTINGS)?;
        let kinds = settings::strings(s, "kinds", DEFAULT_KINDS)?;
        if let Some(k) = kinds.iter().find(|k| !DEFAULT_KINDS.contains(&k.as_str())) {
            return Err(format!(
                "setting \"kinds\": {k:?} is not a kind this policy reads; choose among {}",
                DEFAULT_KINDS.join(", ")
            ));
        }
        let required_tags = settings::strings(s, "required_tags", &["sst:app", "sst:stage"])?;
        let shared_resources = settings::strings(s, "shared_resources", &["sst-state-*", "sst-asset-*"])?;
        let shared_required_tags = settings::strings(s, "shared_required_tags", &["sst:app"])?;
        for (key, list) in [("required_tags", &required_tags), ("shared_required_tags", &shared_required_tags)] {
            if list.iter().any(|t| t.trim().is_empty()) {
                return Err(format!("setting {key:?} must not hold an empty tag key"));
            }
        }
        let tag_values = match s.get("tag_values") {
            None => BTreeMap::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v.as_str() {
                    Some(v) => Ok((k.clone(), v.to_string())),
                    None => Err(format!("setting \"tag_values\": the value of {k:?} must be a string")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("setting \"tag_values\" must be a table of tag key to value".into()),
        };
        Ok(Settings { kinds, required_tags, shared_resources, shared_required_tags, tag_values })
    }

    /// The tag keys that count for non-shared resources, and where they come from.
    fn convention(&self, explicit_required: bool, resources: &[Resource]) -> (Vec<String>, String) {
        let activated = resources.iter().find_map(|r| match &r.config {
            ResourceConfig::IamAccount(a) if r.is_known("cost_allocation_tags") => a.cost_allocation_tags.as_ref(),
            _ => None,
        });
        match activated {
            Some(keys) if !keys.is_empty() => {
                (keys.clone(), "the tags this account activated for cost allocation".to_string())
            }
            _ if explicit_required => (self.required_tags.clone(), "required_tags in bbscan.toml".to_string()),
            _ => (self.required_tags.clone(), "SST's tags, no active cost allocation tag could be read".to_string()),
        }
    }

    fn is_shared(&self, r: &Resource) -> bool {
        r.config.is_account_wide() || self.shared_resources.iter().any(|p| wildcard_match(p, &r.name, false))
    }
}

impl Policy for Tags {
    fn info() -> PolicyInfo {
        let info = {
            PolicyInfo {
                name: "bbscan-tags".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                rules: vec![Rule {
                    id: COST_ALLOCATION.into(),
                    title: "Resources carry cost allocation tags".into(),
                    description:
                        "Without the team's cost allocation tags (those activated in Billing, else required_tags, \
                         else SST's sst:app and sst:stage) on every resource that costs money, the AWS bill cannot \
                         be split between production and dev (or between apps, teams, cost centres), and a \
                         forgotten resource's cost is nobody's. Shared resources (SST's bootstrap buckets, trails) \
                         need only sst:app. The finding names the value the resource's stage uses."
                            .into(),
                    default_severity: Severity::Low,
                    // The account holds the tags activated for cost allocation: read, never judged.
                    kinds: DEFAULT_KINDS.iter().chain(["iam.account"].iter()).map(|k| k.to_string()).collect(),
                    compliance: vec![],
                    help_text:
                        "Add the missing tags to the resource, then activate the keys as cost allocation tags in \
                            the Billing console."
                            .into(),
                    help_markdown: "Add the missing tags — the value the finding names is the one the \
                                    resource's stage already uses. The tags that count are the keys activated \
                                    under **Billing → Cost allocation tags** (read from Cost Explorer), else \
                                    `required_tags` in `bbscan.toml`, else SST's `sst:app` and `sst:stage`; \
                                    shared resources need `shared_required_tags`. Resources SST creates get their \
                                    tags from the app's `name` and stage; tag the rest in the SST config \
                                    (`$transform`) or by hand, and activate new keys for cost allocation."
                        .into(),
                    remediation: "aws resourcegroupstaggingapi tag-resources --resource-arn-list ARN --tags \
                              sst:app=APP,sst:stage=STAGE"
                        .into(),
                    not_flagged: String::new(),
                }],
            }
        };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        Settings::read(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        let (convention, source) = settings.convention(ctx.settings.get("required_tags").is_some(), resources);
        let judged =
            |r: &Resource| settings.kinds.iter().any(|k| k == r.kind()) && r.is_known("tags") && !untaggable(r);
        let siblings = Siblings::of(resources.iter().filter(|r| judged(r)));
        for r in resources.iter().filter(|r| judged(r)) {
            let shared = settings.is_shared(r);
            let required = if shared { &settings.shared_required_tags } else { &convention };
            let missing: Vec<&str> = required
                .iter()
                .filter(|key| r.tags.get(key.as_str()).is_none_or(|v| v.trim().is_empty()))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                report.pass(COST_ALLOCATION);
                continue;
            }
            // The value each missing key should take: what the resource's stage uses, else the
            // configured one.
            let mut values = BTreeMap::new();
            let mut seen = Vec::new();
            for key in &missing {
                if let Some((value, group, carriers)) = siblings.usual(r, key) {
                    seen.push(format!("{key}={value} on {carriers} other resources of {group}"));
                    values.insert(*key, value.to_string());
                } else if let Some(value) = settings.tag_values.get(*key) {
                    values.insert(*key, value.clone());
                }
            }
            let mut message = format!(
                "{} {} is missing the cost allocation tag{} {} ({})",
                r.kind(),
                r.name,
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if shared {
                    "a shared resource: shared_required_tags".to_string()
                } else {
                    format!("convention: {source}")
                }
            );
            if !seen.is_empty() {
                message.push_str(&format!("; its siblings use {}", seen.join(", ")));
            }
            let finding = report.fail(COST_ALLOCATION, r, message).evidence("/tags");
            if values.len() == missing.len() {
                finding.action("tags.add_tags", 1, json!({ "tags": values }));
            }
        }
        Ok(())
    }
}

/// How the resources of each stage (or app) tag themselves: per group and key, how many carry
/// each value.
struct Siblings<'a> {
    counts: BTreeMap<(&'a str, &'a str, &'a str), BTreeMap<&'a str, u32>>,
}

impl<'a> Siblings<'a> {
    fn of(resources: impl Iterator<Item = &'a Resource>) -> Siblings<'a> {
        let mut counts: BTreeMap<_, BTreeMap<&str, u32>> = BTreeMap::new();
        for r in resources {
            for (by, group) in groups_of(r) {
                for (key, value) in &r.tags {
                    if !value.trim().is_empty() {
                        *counts.entry((by, group, key.as_str())).or_default().entry(value.as_str()).or_default() += 1;
                    }
                }
            }
        }
        Siblings { counts }
    }

    /// The value most of `r`'s group use for `key`, when more than half of those carrying it
    /// agree: (value, the group in words, how many carry that value).
    fn usual(&self, r: &Resource, key: &str) -> Option<(&'a str, String, u32)> {
        let (by, group) = groups_of(r).into_iter().next()?;
        // Which stage a stage-less resource belongs to is not a majority vote.
        if by == "app" && key == "sst:stage" {
            return None;
        }
        let values = self.counts.get(&(by, group, key))?;
        let carriers: u32 = values.values().sum();
        let (value, n) = values.iter().max_by_key(|(v, n)| (**n, std::cmp::Reverse(**v)))?;
        (2 * n > carriers).then(|| (*value, format!("{by} {group}"), *n))
    }
}

/// The groups a resource belongs to, closest first: its SST stage, its SST app.
fn groups_of(r: &Resource) -> Vec<(&'static str, &str)> {
    let tag = |k: &str| r.tags.get(k).map(String::as_str).filter(|v| !v.trim().is_empty());
    [("stage", tag("sst:stage")), ("app", tag("sst:app"))]
        .into_iter()
        .filter_map(|(by, value)| value.map(|v| (by, v)))
        .collect()
}

/// Resources their owner cannot tag: KMS keys that AWS manages (`alias/aws/s3` …).
fn untaggable(r: &Resource) -> bool {
    matches!(&r.config, ResourceConfig::KmsKey(k) if k.aws_managed())
}

bbscan_policy::export_policy!(Tags);

#[cfg(test)]
mod tests;
