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
    assert!(found[0].message.ends_with("missing the cost allocation tag sst:stage"), "{}", found[0].message);
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
    assert!(found[0].message.contains("tag sst:app (a shared resource)"), "{}", found[0].message);
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
    assert!(findings(&report)[0].message.contains("CostCenter (a shared resource)"));
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
