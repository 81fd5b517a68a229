//! A policy written in Python, built from source with componentize-py, loaded with `--policy`:
//! it produces the same findings as its Rust twin, the built-in `SSM.SECRET_NOT_SECURE_STRING`.

use bbscan_tests::{Moto, REGION, bbscan, python_policy};
use serde_json::Value;
use std::time::Duration;

/// (ARN, message, evidence, actions) of the findings of one rule.
fn of_rule(report: &Value, rule: &str) -> Vec<(String, String, Value, Value)> {
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            (
                f["resource"]["arn"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
                f["evidence"].clone(),
                f["actions"].clone(),
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn tally(report: &Value, rule: &str) -> (Value, Value) {
    let r = report["rules"].as_array().expect("rules").iter().find(|r| r["rule"]["id"] == rule).expect("the rule ran");
    (r["evaluated"].clone(), r["passed"].clone())
}

#[test]
fn the_python_policy_finds_what_its_rust_twin_finds() {
    let component = python_policy();
    let moto = Moto::start();
    moto.seed(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let wrote = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION, "-o"])
        .arg(&snap)
        .output()
        .expect("run");
    assert!(wrote.status.success(), "{}", String::from_utf8_lossy(&wrote.stderr));

    let output = bbscan()
        .args(["audit", "--format", "json", "--policy-timeout", "30", "--snapshot"])
        .arg(&snap)
        .arg("--policy")
        .arg(&component)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("run bbscan");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert!(report["policy_errors"].as_array().is_some_and(Vec::is_empty), "{:#}", report["policy_errors"]);
    let rust = of_rule(&report, "SSM.SECRET_NOT_SECURE_STRING");
    let python = of_rule(&report, "PYEXAMPLE.SECRET_NOT_SECURE_STRING");
    assert!(rust.len() >= 3, "the seeded account has String secrets in both stages: {rust:?}");
    assert_eq!(python, rust, "the Python twin's findings differ from the Rust rule's");
    assert_eq!(tally(&report, "PYEXAMPLE.SECRET_NOT_SECURE_STRING"), tally(&report, "SSM.SECRET_NOT_SECURE_STRING"));
}
