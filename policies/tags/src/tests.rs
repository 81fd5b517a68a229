use super::*;
use bbscan_policy::Finding;
use bbscan_policy::model::{CloudTrailTrail, LogGroup, ResourceConfig, S3Bucket, SsmParameter};
use bbscan_policy::testing::{resource, snapshot};

fn evaluate(resources: Vec<Resource>, settings: Value) -> Result<Report, String> {
    bbscan_policy::run::<Tags>(&snapshot(resources), &settings)
}

fn run(resources: Vec<Resource>) -> Report {
    evaluate(resources, json!({})).expect("evaluates")
}

fn findings(report: &Report) -> Vec<&Finding> {
    report.of_rule(COST_ALLOCATION).collect()
}

fn tagged(mut r: Resource, tags: &[(&str, &str)]) -> Resource {
    r.tags = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    r
}

fn bucket(name: &str, tags: &[(&str, &str)]) -> Resource {
    let r = resource(
        &format!("arn:aws:s3:::{name}"),
        name,
        "us-east-1",
        ResourceConfig::S3Bucket(Box::<S3Bucket>::default()),
    );
    tagged(r, tags)
}

fn log_group(name: &str, tags: &[(&str, &str)]) -> Resource {
    let r = resource(
        &format!("arn:aws:logs:us-east-1:123456789012:log-group:{name}"),
        name,
        "us-east-1",
        ResourceConfig::LogGroup(LogGroup::default()),
    );
    tagged(r, tags)
}

const APP: (&str, &str) = ("sst:app", "brainbytes");
const PROD: (&str, &str) = ("sst:stage", "production");

#[test]
fn fully_tagged_resources_pass() {
    let report =
        run(vec![bucket("brainbytes-production-assets", &[APP, PROD]), log_group("/aws/lambda/x", &[APP, PROD])]);
    assert!(report.findings.is_empty());
    assert_eq!(report.tallies[COST_ALLOCATION].passed, 2);
}

#[test]
fn missing_tags_are_named_once_per_resource() {
    let report = run(vec![bucket("brainbytes-audit-gk1tkvdd", &[APP]), log_group("/aws/lambda/y", &[])]);
    let found = findings(&report);
    assert_eq!(found.len(), 2);
    assert!(
        found[0].message.ends_with(
            "missing the cost allocation tag sst:stage (convention: SST's tags, no active cost allocation tag could be \
             read)"
        ),
        "{}",
        found[0].message
    );
    assert!(found[1].message.contains("tags sst:app, sst:stage"), "{}", found[1].message);
    assert_eq!(found[0].evidence, vec!["/tags"]);
    assert!(found[0].actions.is_empty(), "no tag_values: nothing to propose");
}

#[test]
fn an_empty_value_counts_as_missing() {
    let report = run(vec![bucket("b", &[APP, ("sst:stage", " ")])]);
    assert!(findings(&report)[0].message.contains("sst:stage"));
}

#[test]
fn sst_bootstrap_buckets_need_only_the_app_tag_and_are_still_reported() {
    let report = run(vec![bucket("sst-state-dexy52lf", &[]), bucket("sst-asset-azc5sn9l", &[APP])]);
    let found = findings(&report);
    assert_eq!(found.len(), 1);
    assert!(found[0].resource_arn.ends_with("sst-state-dexy52lf"));
    assert!(found[0].message.contains("tag sst:app (a shared resource: "), "{}", found[0].message);
    assert_eq!(report.tallies[COST_ALLOCATION].passed, 1);
}

#[test]
fn trails_are_account_wide_and_need_only_the_app_tag() {
    let trail = resource(
        "arn:aws:cloudtrail:us-east-1:123456789012:trail/brainbytes-audit",
        "brainbytes-audit",
        "us-east-1",
        ResourceConfig::CloudTrailTrail(Box::<CloudTrailTrail>::default()),
    );
    let report = run(vec![tagged(trail, &[APP])]);
    assert!(report.findings.is_empty());
}

#[test]
fn an_action_is_proposed_only_when_every_missing_tag_has_a_value() {
    let settings = json!({"tag_values": {"sst:app": "brainbytes"}});
    let report = evaluate(vec![bucket("sst-state-dexy52lf", &[]), bucket("b", &[])], settings).unwrap();
    let found = findings(&report);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].actions[0].kind, "tags.add_tags");
    assert_eq!(found[0].actions[0].params, json!({"tags": {"sst:app": "brainbytes"}}));
    assert!(found[1].actions.is_empty(), "sst:stage has no value");
}

#[test]
fn settings_narrow_kinds_and_change_the_requirements() {
    let resources = || vec![bucket("b", &[APP]), log_group("g", &[APP])];
    let report = evaluate(resources(), json!({"kinds": ["logs.log_group"]})).unwrap();
    let found = findings(&report);
    assert_eq!(found.len(), 1);
    assert!(found[0].resource_arn.contains("log-group"));
    let report = evaluate(resources(), json!({"required_tags": ["sst:app"]})).unwrap();
    assert!(report.findings.is_empty());
    let report = evaluate(
        vec![bucket("shared-logs", &[APP])],
        json!({"shared_resources": ["shared-*"], "shared_required_tags": ["CostCenter"]}),
    )
    .unwrap();
    assert!(findings(&report)[0].message.contains("CostCenter (a shared resource: shared_required_tags)"));
}

#[test]
fn kinds_outside_the_rule_are_refused_and_other_settings_checked() {
    for bad in [
        json!({"kinds": ["ssm.parameter"]}),
        json!({"kinds": "s3.bucket"}),
        json!({"required_tags": [""]}),
        json!({"tag_values": {"sst:app": 1}}),
        json!({"tag_values": ["sst:app"]}),
        json!({"required_tag": ["sst:app"]}),
    ] {
        assert!(Tags::validate_settings(&bad).is_err(), "{bad}");
    }
    assert!(Tags::validate_settings(&json!({"kinds": ["s3.bucket"], "tag_values": {"sst:app": "brainbytes"}})).is_ok());
}

#[test]
fn untaggable_kinds_and_unread_tags_are_not_judged() {
    let parameter = resource(
        "arn:aws:ssm:us-east-1:123456789012:parameter/sst/bootstrap",
        "/sst/bootstrap",
        "us-east-1",
        ResourceConfig::SsmParameter(SsmParameter::default()),
    );
    let mut unread = bucket("hidden", &[]);
    unread.unknown.push("tags".into());
    let report = run(vec![parameter, unread]);
    assert!(report.findings.is_empty());
    assert!(report.tallies.is_empty());
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<Tags>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn keys_aws_manages_cannot_be_tagged_and_are_not_judged() {
    let key = |id: &str, manager: &str| {
        resource(
            &format!("arn:aws:kms:us-east-1:123456789012:key/{id}"),
            id,
            "us-east-1",
            ResourceConfig::KmsKey(bbscan_policy::model::KmsKey {
                key_id: id.into(),
                key_manager: Some(manager.into()),
                ..Default::default()
            }),
        )
    };
    let report = run(vec![key("aws-s3", "AWS"), key("mine", "CUSTOMER")]);
    let arns: Vec<&str> = findings(&report).iter().map(|f| f.resource_arn.as_str()).collect();
    assert_eq!(arns, ["arn:aws:kms:us-east-1:123456789012:key/mine"]);
}

fn account(activated: Option<&[&str]>) -> Resource {
    let mut r = resource(
        "arn:aws:iam::123456789012:root",
        "123456789012",
        "global",
        ResourceConfig::IamAccount(bbscan_policy::model::IamAccount {
            cost_allocation_tags: activated.map(|keys| keys.iter().map(|k| k.to_string()).collect()),
            ..Default::default()
        }),
    );
    if activated.is_none() {
        r.unknown.push("cost_allocation_tags".into());
    }
    r
}

const PRODUCTION: &[(&str, &str)] = &[("sst:app", "brainbytes"), ("sst:stage", "production")];

fn with(base: &[(&str, &str)], more: &[(&str, &str)]) -> Vec<(String, String)> {
    base.iter().chain(more).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn tags_of(r: Resource, tags: Vec<(String, String)>) -> Resource {
    let mut r = r;
    r.tags = tags.into_iter().collect();
    r
}

#[test]
fn the_tags_activated_for_cost_allocation_are_the_convention_and_siblings_name_the_value() {
    let team = |name: &str, value: &str| tags_of(bucket(name, &[]), with(PRODUCTION, &[("team", value)]));
    let resources = vec![
        account(Some(&["sst:app", "sst:stage", "team"])),
        team("a", "platform"),
        team("b", "platform"),
        team("c", "growth"),
        tags_of(bucket("orphan", &[]), with(PRODUCTION, &[])),
    ];
    let report = run(resources);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert!(f.resource_arn.ends_with(":orphan"));
    assert!(f.message.contains("missing the cost allocation tag team"), "{}", f.message);
    assert!(f.message.contains("activated for cost allocation"), "{}", f.message);
    assert!(f.message.contains("team=platform on 2 other resources of stage production"), "{}", f.message);
    assert_eq!(f.actions.len(), 1);
    assert_eq!(f.actions[0].params, json!({ "tags": { "team": "platform" } }));
}

#[test]
fn without_a_clear_majority_nothing_is_proposed_and_the_stage_is_never_guessed() {
    let team = |name: &str, value: &str| tags_of(bucket(name, &[]), with(PRODUCTION, &[("team", value)]));
    let resources = vec![
        account(Some(&["sst:app", "sst:stage", "team"])),
        team("a", "platform"),
        team("b", "growth"),
        tags_of(bucket("orphan", &[]), with(PRODUCTION, &[])),
        // No stage: its app's resources are all production, but which stage it belongs to is
        // not a vote.
        tags_of(bucket("stageless", &[]), with(&[("sst:app", "brainbytes"), ("team", "platform")], &[])),
    ];
    let report = run(resources);
    let orphan = findings(&report).into_iter().find(|f| f.resource_arn.ends_with(":orphan")).unwrap();
    assert!(orphan.actions.is_empty(), "{orphan:#?}");
    assert!(!orphan.message.contains("siblings"), "{}", orphan.message);
    let stageless = findings(&report).into_iter().find(|f| f.resource_arn.ends_with(":stageless")).unwrap();
    assert!(stageless.message.contains("sst:stage"), "{}", stageless.message);
    assert!(stageless.actions.is_empty(), "{stageless:#?}");
}

#[test]
fn when_the_activated_tags_cannot_be_read_required_tags_or_sst_tags_apply() {
    // Unread: the settings' keys.
    let resources = || vec![account(None), tags_of(bucket("a", &[]), with(PRODUCTION, &[]))];
    let report = evaluate(resources(), json!({ "required_tags": ["sst:app", "owner"] })).unwrap();
    let found = findings(&report);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("owner (convention: required_tags in bbscan.toml)"), "{}", found[0].message);
    // Unread and no setting: SST's own tags, which the bucket carries.
    assert!(findings(&run(resources())).is_empty());
    // Read but none active: the same fallback.
    let report = run(vec![account(Some(&[])), tags_of(bucket("a", &[]), vec![])]);
    assert!(findings(&report)[0].message.contains("SST's tags"), "{}", findings(&report)[0].message);
}
