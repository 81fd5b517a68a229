//! The built-in rule catalogue through the real binary and the real WebAssembly policies:
//! against the seeded BrainBytes account every planted misconfiguration is found on the
//! resource it was planted on and nothing else fails; every built-in policy passes its own
//! fixture cases; the published catalogue (`docs/rules.md`) is current.

use bbscan_tests::{Moto, REGION, bbscan, repo_root};
use serde_json::Value;
use std::collections::BTreeSet;

/// The settings a team like BrainBytes keeps in `bbscan.toml`.
fn brainbytes_config() -> std::path::PathBuf {
    repo_root().join("tests").join("fixtures").join("brainbytes.toml")
}

fn audit(moto: &Moto, stage: &str) -> Value {
    let output = bbscan()
        .args(["audit", "--endpoint-url", &moto.endpoint, "--region", REGION, "--stage", stage])
        .args(["--format", "json", "--fail-on", "none"])
        .arg("--config")
        .arg(brainbytes_config())
        .output()
        .expect("run bbscan");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

type Key = (String, String, String);

/// Findings that come from the fake AWS, not from the account: moto's `ListTags` for AWS Backup
/// reads the resource ARN from the wrong path segment when the SDK sends `/tags/{arn}` without a
/// trailing slash, so backup plans and vaults always read as untagged.
fn moto_artefact((rule, kind, _): &Key) -> bool {
    rule == "TAGS.COST_ALLOCATION" && (kind == "backup.plan" || kind == "backup.vault")
}

fn keys(report: &Value, statuses: &[&str]) -> BTreeSet<Key> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| statuses.iter().any(|s| f["status"] == *s))
        .map(|f| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (text(&f["rule_id"]), text(&f["resource"]["kind"]), text(&f["resource"]["name"]))
        })
        .collect()
}

fn describe(set: &BTreeSet<Key>) -> String {
    set.iter().map(|(rule, kind, name)| format!("\n  {rule} on {kind} {name}")).collect()
}

#[test]
fn every_planted_misconfiguration_is_found_and_nothing_else_fails() {
    let moto = Moto::start();
    let manifest = moto.seed(0);
    let planted = manifest.misconfigurations();
    assert!(planted.len() >= 45, "the seed plants misconfigurations across every control family");
    let mut rules_seen = BTreeSet::new();
    for stage in ["production", "dev"] {
        let report = audit(&moto, stage);
        assert_eq!(report["policy_errors"].as_array().map(Vec::len), Some(0), "{}", report["policy_errors"]);
        let expected: BTreeSet<Key> = planted
            .iter()
            .filter(|(s, ..)| s.as_deref().is_none_or(|s| s == stage))
            .map(|(_, rule, kind, name)| (rule.clone(), kind.clone(), name.clone()))
            .collect();
        let got: BTreeSet<Key> =
            keys(&report, &["fail", "warning"]).into_iter().filter(|k| !moto_artefact(k)).collect();
        let missed: BTreeSet<Key> = expected.difference(&got).cloned().collect();
        let extra: BTreeSet<Key> = got.difference(&expected).cloned().collect();
        assert!(
            missed.is_empty() && extra.is_empty(),
            "stage {stage}:\nplanted but not found:{}\nfound but not planted:{}",
            describe(&missed),
            describe(&extra)
        );
        // What AWS cannot show is a manual control, never a pass: the external PostgreSQL.
        let manual = keys(&report, &["manual"]);
        assert!(
            manual.iter().any(|(rule, kind, _)| rule == "BACKUP.EXTERNAL_DATABASE" && kind == "iam.account"),
            "stage {stage}: manual controls: {}",
            describe(&manual)
        );
        rules_seen.extend(got.into_iter().map(|(rule, ..)| rule));
    }
    assert!(rules_seen.len() >= 35, "the seeded account exercises most rules: {rules_seen:?}");
}

/// Every built-in policy crate keeps fixture cases (`policies/<crate>/fixtures`); run them
/// through the binary, so the compiled components agree with the native unit tests, and check
/// that each rule fails and passes somewhere.
#[test]
fn every_builtin_rule_fails_and_passes_in_its_fixtures_as_a_component() {
    let output = bbscan().args(["policy", "list", "--format", "json"]).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let policies: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let policies = policies.as_array().expect("a list of policies");
    assert!(policies.len() >= 8, "the built-in policies");
    for policy in policies {
        let name = policy["name"].as_str().expect("name");
        let dir = repo_root().join("policies").join(name.trim_start_matches("bbscan-")).join("fixtures");
        let rules: Vec<&str> =
            policy["rules"].as_array().expect("rules").iter().filter_map(|r| r["id"].as_str()).collect();
        let mut command = bbscan();
        command.args(["policy", "test"]).arg(&dir);
        for rule in &rules {
            command.args(["--only", rule]);
        }
        let output = command.output().expect("run");
        assert!(
            output.status.success(),
            "policy {name}: fixture cases in {} fail:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // Through the same cases, each rule fails somewhere and passes somewhere.
        let (mut failed, mut passed) = (BTreeSet::new(), BTreeSet::new());
        for case in std::fs::read_dir(&dir).expect("fixtures").filter_map(Result::ok) {
            let mut command = bbscan();
            command
                .args(["audit", "--format", "json", "--fail-on", "none", "--snapshot"])
                .arg(case.path().join("snapshot.json"));
            for rule in &rules {
                command.args(["--only", rule]);
            }
            let output = command.output().expect("run");
            let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
            for r in report["rules"].as_array().expect("rules") {
                let id = r["rule"]["id"].as_str().unwrap_or_default().to_string();
                if r["evaluated"].as_u64() > r["passed"].as_u64() {
                    failed.insert(id.clone());
                }
                if r["passed"].as_u64() > Some(0) {
                    passed.insert(id);
                }
            }
        }
        for rule in &rules {
            assert!(failed.contains(*rule), "no fixture case of {name} fails {rule}");
            assert!(passed.contains(*rule), "no fixture case of {name} passes {rule}");
        }
    }
}

#[test]
fn the_published_catalogue_is_current() {
    let output = bbscan().args(["policy", "list", "--format", "markdown"]).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let path = repo_root().join("docs").join("rules.md");
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    if std::env::var_os("BBSCAN_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/rules.md");
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/rules.md is out of date: run BBSCAN_BLESS=1 cargo test -p bbscan-tests --test catalogue"
    );
}

#[test]
fn every_builtin_rule_says_what_it_deliberately_does_not_flag() {
    let output = bbscan().args(["policy", "list", "--format", "json"]).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let policies: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut silent = Vec::new();
    let mut rules = 0;
    for rule in policies.as_array().unwrap().iter().flat_map(|p| p["rules"].as_array().unwrap()) {
        rules += 1;
        let text = rule["not_flagged"].as_str().unwrap_or_default();
        // A sentence or more, not a placeholder.
        if text.trim().len() < 30 {
            silent.push(rule["id"].as_str().unwrap_or_default().to_string());
        }
    }
    assert!(rules >= 65, "{rules} rules");
    assert!(silent.is_empty(), "rules that do not say what they leave alone: {silent:?}");
}
