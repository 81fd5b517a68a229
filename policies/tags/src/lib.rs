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
//! - `required_tags` (list, default `["sst:app", "sst:stage"]`): tag keys every resource needs.
//!   A tag with an empty value counts as missing.
//! - `shared_resources` (list of globs on the resource name, default `["sst-state-*",
//!   "sst-asset-*"]`, SST's bootstrap buckets; `*` any run, `?` one character, case-sensitive):
//!   resources shared by every stage. They, and the account-wide kinds (`cloudtrail.trail`),
//!   need only `shared_required_tags`.
//! - `shared_required_tags` (list, default `["sst:app"]`): tag keys shared resources need. SST
//!   creates its bootstrap buckets without any tag; they are reported so the team tags them.
//! - `tag_values` (table of tag key to value, default empty): the values to propose. A finding
//!   proposes `tags.add_tags` only when every missing tag has a value here.

use bbscan_policy::iam::wildcard_match;
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Rule, Severity, Value, json, settings};
use std::collections::BTreeMap;

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

    fn is_shared(&self, r: &Resource) -> bool {
        r.config.is_account_wide() || self.shared_resources.iter().any(|p| wildcard_match(p, &r.name, false))
    }
}

impl Policy for Tags {
    fn info() -> PolicyInfo {
        PolicyInfo {
            name: "bbscan-tags".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules: vec![Rule {
                id: COST_ALLOCATION.into(),
                title: "Resources carry cost allocation tags".into(),
                description: "Without sst:app and sst:stage on every resource that costs money, the AWS bill cannot \
                              be split between production and dev (or between apps), and a forgotten resource's cost \
                              is nobody's. Shared resources (SST's bootstrap buckets, trails) need only sst:app."
                    .into(),
                default_severity: Severity::Low,
                kinds: DEFAULT_KINDS.iter().map(|k| k.to_string()).collect(),
                compliance: vec![],
                help_text: "Add the missing tags to the resource, then activate the keys as cost allocation tags in \
                            the Billing console."
                    .into(),
                help_markdown: "Add the missing tags (`required_tags`, default `sst:app` and `sst:stage`; \
                                `shared_required_tags` for shared resources) and activate the keys under \
                                **Billing → Cost allocation tags**. Resources SST creates get them from the app's \
                                `name` and stage; tag the rest in the SST config (`$transform`) or by hand."
                    .into(),
                remediation: "aws resourcegroupstaggingapi tag-resources --resource-arn-list ARN --tags \
                              sst:app=APP,sst:stage=STAGE"
                    .into(),
            }],
        }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        Settings::read(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let settings = Settings::read(ctx.settings)?;
        for r in resources {
            if !settings.kinds.iter().any(|k| k == r.kind()) || !r.is_known("tags") {
                continue;
            }
            let shared = settings.is_shared(r);
            let required = if shared { &settings.shared_required_tags } else { &settings.required_tags };
            let missing: Vec<&str> = required
                .iter()
                .filter(|key| r.tags.get(key.as_str()).is_none_or(|v| v.trim().is_empty()))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                report.pass(COST_ALLOCATION);
                continue;
            }
            let message = format!(
                "{} {} is missing the cost allocation tag{} {}{}",
                r.kind(),
                r.name,
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if shared { " (a shared resource)" } else { "" }
            );
            let finding = report.fail(COST_ALLOCATION, r, message).evidence("/tags");
            let values: Option<BTreeMap<&str, &str>> =
                missing.iter().map(|k| settings.tag_values.get(*k).map(|v| (*k, v.as_str()))).collect();
            if let Some(values) = values {
                finding.action("tags.add_tags", 1, json!({ "tags": values }));
            }
        }
        Ok(())
    }
}

bbscan_policy::export_policy!(Tags);

#[cfg(test)]
mod tests;
