//! `bbscan audit` and `bbscan policy list` through the real binary: built-in WebAssembly
//! policies over the demo snapshot, a seeded moto account (live and from its snapshot file),
//! rule selection, exit codes, and a component that is not a policy.

use bbscan_tests::{Moto, REGION, bbscan};
use serde_json::Value;
use std::collections::BTreeSet;

fn json_report(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the report is not JSON ({e}): {}", String::from_utf8_lossy(&output.stderr)))
}

/// (rule id, resource name) of every finding.
fn findings(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["resource"]["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_demo_audit_finds_the_plain_http_behaviour_and_the_string_secret_and_exits_1() {
    let output = bbscan().args(["audit", "--demo"]).output().expect("run");
    assert_eq!(output.status.code(), Some(1), "findings at or above high exit 1");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("CLOUDFRONT.VIEWER_PROTOCOL_HTTPS") && table.contains("/_next/static/*"), "{table}");
    assert!(
        table.contains("SSM.SECRET_NOT_SECURE_STRING") && table.contains("/brainbytes/production/OpenaiApiKey"),
        "{table}"
    );
    assert!(table.contains("backup:ListBackupSelections"), "the table says what was not assessed: {table}");

    let output = bbscan().args(["audit", "--demo", "--format", "json"]).output().expect("run");
    let report = json_report(&output);
    assert_eq!(report["schema_version"], 1);
    let got = findings(&report);
    assert!(got.iter().any(|(rule, _)| rule == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"));
    assert!(got.contains(&("SSM.SECRET_NOT_SECURE_STRING".into(), "/brainbytes/production/OpenaiApiKey".into())));
    // The production buckets all block public access: evaluated, all passed, no finding.
    let s3 = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"]["id"] == "S3.BUCKET_PUBLIC_ACCESS_BLOCK")
        .expect("the S3 rule ran");
    assert!(s3["evaluated"].as_u64() > Some(0));
    assert_eq!(s3["evaluated"], s3["passed"]);
    assert!(!got.iter().any(|(rule, _)| rule == "S3.BUCKET_PUBLIC_ACCESS_BLOCK"));
    // Proposed fixes come as catalogue actions.
    let cf = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS")
        .unwrap();
    assert_eq!(cf["actions"][0]["kind"], "cloudfront.set_viewer_protocol_policy");
    assert_eq!(cf["evidence"][0], "/config/cache_behaviors/1/viewer_protocol_policy");
    assert!(report["gaps"].as_array().is_some_and(|g| !g.is_empty()));
}

#[test]
fn fail_on_and_rule_selection_decide_the_exit_status() {
    let none = bbscan().args(["audit", "--demo", "--fail-on", "none"]).output().expect("run");
    assert_eq!(none.status.code(), Some(0));
    // The demo's one critical finding: a role any organisation's principals may assume.
    let critical = bbscan().args(["audit", "--demo", "--fail-on", "critical"]).output().expect("run");
    assert_eq!(critical.status.code(), Some(1), "the partner role's trust is critical");
    let skipped = bbscan()
        .args(["audit", "--demo", "--fail-on", "critical", "--skip", "IAM.TRUST_ANY_PRINCIPAL"])
        .output()
        .expect("run");
    assert_eq!(skipped.status.code(), Some(0), "no other critical finding in the demo");
    let only = bbscan()
        .args(["audit", "--demo", "--only", "S3.BUCKET_PUBLIC_ACCESS_BLOCK", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(only.status.code(), Some(0));
    let report = json_report(&only);
    assert_eq!(report["rules"].as_array().map(Vec::len), Some(1));
    assert!(report["findings"].as_array().is_some_and(Vec::is_empty));
    let skip = bbscan()
        .args(["audit", "--demo", "--skip", "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS", "--format", "json"])
        .output()
        .expect("run");
    assert!(!findings(&json_report(&skip)).iter().any(|(rule, _)| rule == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"));

    let unknown = bbscan().args(["audit", "--demo", "--only", "S3.NOPE"]).output().expect("run");
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("unknown rule \"S3.NOPE\"") && stderr.contains("S3.BUCKET_PUBLIC_ACCESS_BLOCK"),
        "{stderr}"
    );
    let bad = bbscan().args(["audit", "--demo", "--fail-on", "severe"]).output().expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_component_that_is_not_a_policy_is_a_policy_error_and_the_rest_still_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.wasm");
    std::fs::write(&path, b"\0asm not really").expect("write");
    let output = bbscan().args(["audit", "--demo", "--format", "json", "--policy"]).arg(&path).output().expect("run");
    assert_eq!(output.status.code(), Some(2), "a policy error exits 2");
    let report = json_report(&output);
    let errors = report["policy_errors"].as_array().expect("policy_errors");
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["origin"].as_str().is_some_and(|o| o.ends_with("broken.wasm")));
    assert!(
        findings(&report).iter().any(|(rule, _)| rule == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"),
        "built-ins still ran"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken.wasm"));
}

#[test]
fn policy_list_shows_every_rule_with_its_mappings() {
    let output = bbscan().args(["policy", "list"]).output().expect("run");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for rule in ["S3.BUCKET_PUBLIC_ACCESS_BLOCK", "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS", "SSM.SECRET_NOT_SECURE_STRING"] {
        assert!(text.contains(rule), "{rule} missing from:\n{text}");
    }
    assert!(text.contains("S3.8") && text.contains("CloudFront.3") && text.contains("CC6.1"), "{text}");
}

#[test]
fn a_live_audit_and_an_audit_of_its_snapshot_give_the_same_findings() {
    let moto = Moto::start();
    moto.seed(0);
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let live_args = ["--endpoint-url", &moto.endpoint, "--region", REGION];
    let wrote = bbscan().args(["snapshot", "-o"]).arg(&snap).args(live_args).output().expect("run");
    assert!(wrote.status.success(), "{}", String::from_utf8_lossy(&wrote.stderr));
    let live = bbscan().args(["audit", "--format", "json"]).args(live_args).output().expect("run");
    let from_file = bbscan().args(["audit", "--format", "json", "--snapshot"]).arg(&snap).output().expect("run");
    assert_eq!(live.status.code(), Some(1), "{}", String::from_utf8_lossy(&live.stderr));
    assert_eq!(from_file.status.code(), Some(1));
    let (live, from_file) = (findings(&json_report(&live)), findings(&json_report(&from_file)));
    assert_eq!(live, from_file);
    // The whole account: dev's public bucket and its String secrets are found as well.
    assert!(
        live.iter().any(|(rule, name)| rule == "S3.BUCKET_PUBLIC_ACCESS_BLOCK" && name.contains("dev-assetsbucket")),
        "{live:?}"
    );
    assert!(
        live.contains(&("SSM.SECRET_NOT_SECURE_STRING".into(), "/brainbytes/dev/GithubClientSecret".into())),
        "{live:?}"
    );
    assert!(
        !live.iter().any(|(_, name)| name.contains("production-assetsbucket")),
        "the private production bucket passes"
    );
}

#[test]
fn sarif_is_valid_and_meets_github_code_scanning_requirements() {
    let run = |extra: &[&str]| {
        let output = bbscan().args(["audit", "--demo", "--format", "sarif"]).args(extra).output().expect("run");
        let doc: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
        bbscan_tests::assert_valid_sarif(&doc);
        doc
    };
    let doc = run(&[]);
    let sarif_run = &doc["runs"][0];
    assert_eq!(sarif_run["automationDetails"]["id"], "bbscan/production/");
    bbscan_tests::assert_github_code_scanning_ready(&doc);
    let results = sarif_run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let arn = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].as_str().expect("ARN");
        assert!(r["message"]["text"].as_str().is_some_and(|m| m.contains(arn)), "the message names the ARN");
    }
    let notes = sarif_run["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    assert!(
        notes.iter().any(|n| n["message"]["text"].as_str().is_some_and(|t| t.contains("ListBackupSelections"))),
        "gaps are reported"
    );
    // Fingerprints are stable from run to run.
    let again = run(&[]);
    assert_eq!(again["runs"][0]["results"], sarif_run["results"]);
    // Nothing found is still a valid run, so fixed alerts close.
    let empty = run(&["--only", "S3.BUCKET_PUBLIC_ACCESS_BLOCK"]);
    assert_eq!(empty["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn policy_settings_come_from_bbscan_toml_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Only parameters named like "openai" count as secrets now.
    std::fs::write(dir.path().join("bbscan.toml"), "[policies.bbscan-ssm]\nsecret_name_patterns = [\"openai\"]\n")
        .expect("write");
    let output = bbscan().current_dir(dir.path()).args(["audit", "--demo", "--format", "json"]).output().expect("run");
    let report = json_report(&output);
    let ssm = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"]["id"] == "SSM.SECRET_NOT_SECURE_STRING")
        .expect("ran");
    // OpenaiApiKey matches the configured words; the SST passphrase always counts. Without the
    // setting, six parameters are judged.
    assert_eq!(ssm["evaluated"], 2, "only the configured words select parameters");

    std::fs::write(dir.path().join("bbscan.toml"), "[policies.bbscan-ssm]\nsecret_name_patterns = \"openai\"\n")
        .expect("write");
    let output = bbscan().current_dir(dir.path()).args(["audit", "--demo", "--format", "json"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2), "settings the policy refuses are a policy error");
    let report = json_report(&output);
    let error = report["policy_errors"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("secret_name_patterns must be a list of strings"), "{error}");
    assert!(
        findings(&report).iter().any(|(rule, _)| rule == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"),
        "the other policies ran"
    );
}

#[test]
fn policy_test_runs_the_fixture_cases_and_fails_on_a_wrong_expectation() {
    let fixtures = bbscan_tests::repo_root().join("policies/ssm/fixtures");
    let output = bbscan()
        .args(["policy", "test", "--only", "SSM.SECRET_NOT_SECURE_STRING"])
        .arg(&fixtures)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("ok    brainbytes-production\n") && text.contains("4 passed, 0 failed"), "{text}");

    // A case whose expectation misses a finding and invents another fails, naming both.
    let dir = tempfile::tempdir().expect("temp dir");
    let case = dir.path().join("wrong");
    std::fs::create_dir(&case).expect("mkdir");
    std::fs::copy(fixtures.join("brainbytes-production/snapshot.json"), case.join("snapshot.json")).expect("copy");
    std::fs::write(
        case.join("expected.json"),
        r#"[{"rule_id": "S3.BUCKET_PUBLIC_ACCESS_BLOCK", "resource_arn": "arn:aws:s3:::nope"}]"#,
    )
    .expect("write");
    let output = bbscan().args(["policy", "test"]).arg(dir.path()).output().expect("run");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  wrong"), "{text}");
    assert!(text.contains("expected S3.BUCKET_PUBLIC_ACCESS_BLOCK on arn:aws:s3:::nope, not found"), "{text}");
    assert!(text.contains("unexpected CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"), "{text}");

    let empty = tempfile::tempdir().expect("temp dir");
    let output = bbscan().args(["policy", "test"]).arg(empty.path()).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no test cases"));
}

#[test]
fn timings_say_where_the_audit_spent_its_time_and_change_nothing_else() {
    let plain = bbscan().args(["audit", "--demo", "--format", "json"]).output().expect("run");
    let timed = bbscan().args(["audit", "--demo", "--format", "json", "--timings"]).output().expect("run");
    assert_eq!(timed.status.code(), plain.status.code());
    let (plain_report, timed_report) = (json_report(&plain), json_report(&timed));
    assert_eq!(findings(&timed_report), findings(&plain_report), "the report is the same");
    let stderr = String::from_utf8_lossy(&timed.stderr);
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("timings"), "only when asked");
    // Every phase, in order, with a duration. The policies load on another thread while the
    // snapshot is read: their line is in parentheses (anywhere before the wait) and not counted
    // in the total, which is the sum of the main phases.
    let phases = [
        "snapshot",
        "wait for the policies",
        "index for policies",
        "evaluate",
        "gather findings",
        "write reports",
        "total",
    ];
    let ms = |line: &str| -> f64 {
        let words: Vec<&str> = line.split_whitespace().collect();
        let i = words.iter().position(|w| *w == "ms").expect("a duration");
        words[i - 1].parse().expect("milliseconds")
    };
    let alongside: Vec<&str> = stderr.lines().filter(|l| l.starts_with("  (")).collect();
    assert!(
        alongside.len() == 1
            && alongside[0].starts_with("  (load policies) ")
            && alongside[0].contains("8 loaded, 0 failed"),
        "{stderr}"
    );
    let main: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.contains("timings"))
        .skip(1)
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.starts_with("  ("))
        .collect();
    let (total, parts) = main.split_last().expect("phases");
    assert!(total.starts_with("  total "), "{stderr}");
    let sum: f64 = parts.iter().map(|l| ms(l)).sum();
    assert!((sum - ms(total)).abs() < 0.1 * parts.len() as f64, "total {} vs the phases' {sum}: {stderr}", ms(total));
    let mut from = 0;
    for phase in phases {
        let at = stderr[from..].find(&format!("  {phase} ")).map(|i| i + from);
        let Some(at) = at else { panic!("no {phase:?} after byte {from}: {stderr}") };
        let line = stderr[at..].lines().next().unwrap_or_default();
        assert!(line.contains(" ms"), "{line}");
        from = at + 1;
    }
    // Each built-in policy's line says how many resources it was handed: together, the resources
    // of the kinds their rules read.
    let policies: Vec<&str> = stderr.lines().filter(|l| l.starts_with("    bbscan-")).collect();
    assert_eq!(policies.len(), 8, "{stderr}");
    let handed = |name: &str| -> u64 {
        let line = policies.iter().find(|l| l.trim_start().starts_with(&format!("{name} "))).expect(name);
        let words: Vec<&str> = line.split_whitespace().collect();
        let i = words.iter().position(|w| *w == "resources").expect("resources handed");
        words[i - 1].parse().expect("a count")
    };
    let resources = plain_report["snapshot"]["resources"].as_u64().expect("resources");
    assert!(handed("bbscan-s3") > 0 && handed("bbscan-tags") <= resources, "{stderr}");
    let findings_of = |name: &str| -> usize {
        plain_report["findings"].as_array().expect("findings").iter().filter(|f| f["policy"] == name).count()
    };
    for line in &policies {
        let name = line.split_whitespace().next().unwrap_or_default();
        assert!(line.contains(&format!(", {} findings, ", findings_of(name))), "{line} vs the report");
        // The linear memory it used, within its limit: the base (256 MiB) plus an allowance for
        // the bytes it was handed.
        let memory = line.split(", memory ").nth(1).expect("memory");
        let mib: Vec<f64> =
            memory.split(" MiB").filter_map(|w| w.trim_start_matches(" of ").trim().parse().ok()).collect();
        assert_eq!(mib.len(), 2, "{line}");
        assert!(mib[0] > 0.0 && mib[0] <= mib[1] && mib[1] >= 256.0, "{line}");
    }
    assert!(findings_of("bbscan-iam") > 0);
}
