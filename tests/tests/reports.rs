//! Every report format through the real binary: all five written at once from a seeded
//! account, each checked against what it promises (schemas, GitHub's SARIF rules, counts that
//! agree, a self-contained page); baselines and waivers deciding what fails a run; bad input.

use bbscan_tests::{Moto, REGION, assert_github_code_scanning_ready, assert_valid_report, assert_valid_sarif, bbscan};
use serde_json::Value;
use std::path::Path;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn count(report: &Value, severity: &str) -> usize {
    report["findings"].as_array().map_or(0, |f| f.iter().filter(|f| f["severity"] == severity).count())
}

#[test]
fn an_audit_of_a_seeded_account_writes_all_five_formats_and_they_agree() {
    let moto = Moto::start();
    moto.seed(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let output = bbscan()
        .args(["audit", "--endpoint-url", &moto.endpoint, "--region", REGION, "--stage", "production"])
        .args(["--format", "table,json,sarif", "--format", "markdown,html", "--fail-on", "none", "--output"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("report written to"));

    let report = read_json(&out.join("report.json"));
    assert_valid_report(&report);
    let findings = report["findings"].as_array().expect("findings");
    assert!(findings.len() > 10, "the seeded production stage has findings");
    assert!(findings.iter().all(|f| f["fingerprint"].as_str().is_some_and(|p| p.len() == 32)));
    let frameworks: Vec<&str> =
        report["compliance"].as_array().expect("compliance").iter().filter_map(|c| c["framework"].as_str()).collect();
    for f in ["CIS AWS Foundations Benchmark v3.0.0", "AWS Foundational Security Best Practices", "SOC 2"] {
        assert!(frameworks.contains(&f), "compliance for {f}: {frameworks:?}");
    }

    let sarif = read_json(&out.join("report.sarif"));
    assert_valid_sarif(&sarif);
    assert_github_code_scanning_ready(&sarif);
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(findings.len()));
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "bbscan/production/");

    let markdown = std::fs::read_to_string(out.join("report.md")).expect("markdown");
    for severity in ["critical", "high", "medium", "low"] {
        let n = count(&report, severity);
        assert!(markdown.contains(&format!("| {severity} | {n} |")), "{severity} {n} in:\n{markdown}");
    }
    assert!(markdown.contains("Partial audit") && markdown.contains("ListBackupSelections"), "gaps are told");

    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(html.contains(&format!("id=\"count-total\">{}<", findings.len())));
    assert!(html.contains(&format!("id=\"count-high\">{}<", count(&report, "high"))));
    for external in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!html.contains(external), "the page loads nothing from outside: {external}");
    }
    assert!(html.contains("id=\"not-assessed\"") && html.contains("ListBackupSelections"));

    let table = std::fs::read_to_string(out.join("report.txt")).expect("table");
    assert!(
        table.contains(&format!("{} findings", findings.len())) && !table.contains('\u{1b}'),
        "plain text in a file"
    );
}

fn demo(args: &[&str], config: Option<&Path>) -> std::process::Output {
    let mut command = bbscan();
    command.args(["audit", "--demo"]).args(args);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command.output().expect("run")
}

#[test]
fn a_baseline_decides_what_is_new_and_only_new_findings_fail_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("base.json");
    let output = demo(&["--format", "json", "-o", base.to_str().expect("path")], None);
    assert_eq!(output.status.code(), Some(1), "the demo has high findings");
    let baseline = read_json(&base);

    // Against itself: every finding exists already, nothing fails the run.
    let output = demo(&["--format", "json", "--baseline", base.to_str().expect("path")], None);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let again: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_valid_report(&again);
    assert!(again["findings"].as_array().expect("findings").iter().all(|f| f["baseline"] == "existing"));

    // A baseline without one high finding: that one is new, and fails the run alone.
    let mut older = baseline.clone();
    let findings = older["findings"].as_array_mut().expect("findings");
    let at = findings.iter().position(|f| f["severity"] == "high").expect("a high finding");
    let dropped = findings.remove(at);
    let old = dir.path().join("old.json");
    std::fs::write(&old, serde_json::to_vec(&older).expect("JSON")).expect("write");
    let output = demo(&["--format", "sarif", "--baseline", old.to_str().expect("path")], None);
    assert_eq!(output.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF");
    assert_valid_sarif(&sarif);
    let new: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["partialFingerprints"]["primaryLocationLineHash"], dropped["fingerprint"]);

    // A SARIF log is a baseline too.
    let sarif_base = dir.path().join("base.sarif");
    std::fs::write(&sarif_base, demo(&["--format", "sarif"], None).stdout).expect("write");
    let output = demo(&["--format", "json", "--baseline", sarif_base.to_str().expect("path")], None);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn waivers_suppress_until_they_expire_and_stay_visible() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("bbscan.toml");
    // The demo snapshot was taken on 2026-01-15: one waiver runs to 2099, one ended in 2025.
    std::fs::write(
        &config,
        r#"
[[waivers]]
rule = "SSM.SECRET_NOT_SECURE_STRING"
resource = "arn:aws:ssm:*:parameter/brainbytes/production/OpenaiApiKey"
reason = "rotating to SecureString in ticket BB-42"
owner = "alice@brainbytes.dev"
expires = "2099-12-31"

[[waivers]]
rule = "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"
resource = "*"
reason = "old exception"
owner = "bob@brainbytes.dev"
expires = "2025-06-30"
"#,
    )
    .expect("write");
    let only = ["--only", "SSM.SECRET_NOT_SECURE_STRING", "--only", "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"];
    let output = demo(&[&only[..], &["--format", "sarif"]].concat(), Some(&config));
    assert_eq!(output.status.code(), Some(1), "the expired waiver no longer hides the HTTP behaviour");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expired on 2025-06-30"), "{stderr}");
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF");
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let ssm = results.iter().find(|r| r["ruleId"] == "SSM.SECRET_NOT_SECURE_STRING").expect("still reported");
    assert_eq!(ssm["suppressions"][0]["status"], "accepted");
    assert!(ssm["suppressions"][0]["justification"].as_str().is_some_and(|j| j.contains("BB-42")));
    let cf = results.iter().find(|r| r["ruleId"] == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS").expect("reported");
    assert!(cf.get("suppressions").is_none());
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().expect("notes");
    assert!(notes.iter().any(|n| n["descriptor"]["id"] == "bbscan/expired-waiver"));

    // With only the waived rule, nothing counts: exit 0, and the JSON says why.
    let output = demo(&["--only", "SSM.SECRET_NOT_SECURE_STRING", "--format", "json"], Some(&config));
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_valid_report(&report);
    assert_eq!(report["findings"][0]["suppression"]["owner"], "alice@brainbytes.dev");
    assert_eq!(report["waivers"][1]["state"], "expired");
}

#[test]
fn bad_report_options_and_baselines_are_refused_with_a_next_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_a_report = dir.path().join("x.json");
    std::fs::write(&not_a_report, "{\"hello\": 1}").expect("write");
    let bad_config = dir.path().join("bad.toml");
    std::fs::write(
        &bad_config,
        "[[waivers]]\nrule = \"S3.X\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n",
    )
    .expect("write");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--format".into(), "json,sarif".into()], "--output DIR"),
        (vec!["--baseline".into(), dir.path().join("missing.json").display().to_string()], "cannot read baseline"),
        (vec!["--baseline".into(), not_a_report.display().to_string()], "--format json"),
        (vec!["--config".into(), bad_config.display().to_string()], "YYYY-MM-DD"),
        (vec!["--format".into(), "pdf".into()], "possible values"),
    ];
    for (args, message) in cases {
        let output = bbscan().args(["audit", "--demo"]).args(&args).output().expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
