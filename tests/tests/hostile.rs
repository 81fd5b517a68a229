//! Hostile policies, each its own component built from source: every one is contained and
//! reported, the host survives, and the built-in policies' findings are intact.

use bbscan_tests::{bbscan, hostile_policy};
use serde_json::Value;
use std::time::{Duration, Instant};

struct Run {
    status: Option<i32>,
    report: Value,
    seconds: f64,
}

fn audit_with(behaviour: &str) -> Run {
    let component = hostile_policy(behaviour);
    // Enough memory to build the findings the host must refuse; little for the memory bomb.
    let memory = if matches!(behaviour, "huge_findings" | "aliased_strings") { "512" } else { "64" };
    let start = Instant::now();
    let output = bbscan()
        .args(["audit", "--demo", "--format", "json", "--policy-timeout", "2", "--policy-memory", memory, "--policy"])
        .arg(&component)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run bbscan");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{behaviour}: no JSON report ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr))
    });
    // Whatever the hostile policy did, the built-in policies' findings stand.
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["rule_id"] == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"),
        "{behaviour}: the built-in findings are missing"
    );
    assert!(findings.iter().any(|f| f["rule_id"] == "SSM.SECRET_NOT_SECURE_STRING"), "{behaviour}");
    Run { status: output.status.code(), report, seconds: start.elapsed().as_secs_f64() }
}

/// The hostile policy became exactly one policy error whose text contains `expected`.
fn assert_policy_error(behaviour: &str, expected: &str) -> Run {
    let run = audit_with(behaviour);
    assert_eq!(run.status, Some(2), "{behaviour}: a policy error exits 2");
    let errors = run.report["policy_errors"].as_array().expect("policy_errors");
    assert_eq!(errors.len(), 1, "{behaviour}: {errors:#?}");
    let error = errors[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains(expected), "{behaviour}: expected {expected:?} in {error:?}");
    assert!(
        !run.report["findings"].as_array().unwrap().iter().any(|f| f["rule_id"] == "HOSTILE.PROBE"),
        "{behaviour}: its findings are dropped"
    );
    run
}

/// The probe's one finding message.
fn probe(behaviour: &str) -> String {
    let run = audit_with(behaviour);
    assert_eq!(run.status, Some(1), "{behaviour}: a normal run with findings");
    let probes: Vec<&str> = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "HOSTILE.PROBE")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(probes.len(), 1, "{behaviour}: {probes:?}");
    probes[0].to_string()
}

#[test]
fn an_endless_loop_is_stopped_at_its_deadline() {
    let run = assert_policy_error("endless_loop", "deadline");
    assert!(run.seconds < 30.0, "the audit did not wait for the loop: {:.1} s", run.seconds);
}

#[test]
fn a_memory_bomb_hits_its_memory_limit() {
    assert_policy_error("memory_bomb", "memory");
}

#[test]
fn deep_recursion_traps() {
    assert_policy_error("deep_recursion", "call stack exhausted");
}

#[test]
fn a_panic_traps() {
    let run = assert_policy_error("panic", "trapped");
    let error = run.report["policy_errors"][0]["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("a hostile policy panics"), "the panic message reaches the report: {error}");
}

#[test]
fn a_flood_of_output_is_bounded() {
    // The bounded pipe refuses the flood: printing fails and the policy traps. No hang, no
    // unbounded buffer.
    let run = assert_policy_error("output_flood", "trapped");
    assert!(run.seconds < 30.0);
}

#[test]
fn aliased_results_cannot_make_the_host_copy_gigabytes() {
    // 50,000 findings whose evidence all points at one 60 KiB string: the host counts each
    // string's length before copying it and stops at its budget (the policy's memory limit) instead of copying
    // 3 GB out of 60 KiB of policy memory.
    let run = assert_policy_error("aliased_strings", "larger than the host copies");
    assert!(run.seconds < 60.0);
}

#[test]
fn too_many_findings_are_refused() {
    assert_policy_error("huge_findings", "more than the limit");
}

#[test]
fn malformed_results_are_refused() {
    assert_policy_error("unknown_rule", "does not declare");
    assert_policy_error("foreign_resource", "was not given");
    assert_policy_error("bogus_action", "unknown action kind");
    assert_policy_error("bad_tally", "passed of");
}

#[test]
fn the_sandbox_has_no_files_environment_network_or_real_clock() {
    for behaviour in ["open_file", "read_env", "open_socket"] {
        let message = probe(behaviour);
        assert!(message.starts_with("denied"), "{behaviour} escaped the sandbox: {message}");
    }
    // The clock says when the demo snapshot was taken: 2026-01-15T09:00:00Z.
    assert_eq!(probe("read_clock"), "clock: 1768467600");
    // Lookups see only the kinds the policy declared (s3.bucket): the demo's buckets, no role
    // and no parameter.
    let peek = probe("peek_other_kinds");
    assert!(peek.starts_with("denied: no role, no parameters;") && !peek.ends_with(" 0 buckets"), "{peek}");
}

#[test]
fn what_a_policy_prints_is_captured_into_the_report() {
    let run = audit_with("chatty");
    assert_eq!(run.status, Some(1));
    let logs = run.report["policy_logs"].as_array().expect("policy_logs");
    let hostile = logs.iter().find(|l| l["policy"] == "hostile").expect("the hostile policy's log");
    let lines: Vec<&str> = hostile["lines"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(lines, vec!["stdout: hello from a policy", "stderr: and from its stderr"]);
}

#[test]
fn a_policy_that_sleeps_does_not_hold_the_audit() {
    // Time stands still in the sandbox: a ten-minute sleep (a WASI poll on a timer) in
    // describe, validate-settings or evaluate is over at once, and the policy carries on. Were
    // the sleep real, the audit would outlast the command's 60-second limit and this would fail.
    for behaviour in ["sleep_in_describe", "sleep_in_validate", "sleep_in_evaluate"] {
        let run = audit_with(behaviour);
        assert_eq!(
            run.report["policy_errors"].as_array().map(Vec::len),
            Some(0),
            "{behaviour}: {}",
            run.report["policy_errors"]
        );
        let woke = run.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "HOSTILE.PROBE" && f["message"] == "woke");
        assert!(woke, "{behaviour}: the policy did not finish");
    }
}

#[test]
fn a_tampered_cache_entry_is_compiled_again_never_loaded() {
    // Compiled components are native code: an attacker who can write the cache could plant
    // one. Every entry is authenticated with the user's key; here one policy's entry gets
    // another policy's compiled code under its own name and hash (what a poisoner would do).
    let cache = std::env::temp_dir().join(format!("bbscan-poison-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let audit = || {
        let out = bbscan()
            .args(["audit", "--demo", "--format", "json", "--fail-on", "none"])
            .env("XDG_CACHE_HOME", &cache)
            .output()
            .expect("run bbscan");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let mut ids: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule_id"], f["resource"]["arn"]))
            .collect();
        ids.sort();
        ids
    };
    let clean = audit();
    let dir = cache.join("bbscan").join("components");
    let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 8, "the built-in policies are cached: {entries:?}");
    let (a, b) = (std::fs::read(&entries[0]).unwrap(), std::fs::read(&entries[1]).unwrap());
    // magic (8) | wasm hash (32) | tag (32) | artefact
    let mut planted = b[..40].to_vec();
    planted.extend_from_slice(&a[40..]);
    std::fs::write(&entries[1], &planted).unwrap();
    assert_eq!(audit(), clean, "the planted artefact was not run");
    assert_ne!(std::fs::read(&entries[1]).unwrap(), planted, "the entry was compiled again and replaced");
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_policy_built_against_the_previous_contract_still_runs() {
    // Built with the bare 0.1.0 bindings (evaluate without gaps, rules without not-flagged):
    // loaded, described, its lookups served, its findings in the report like any other's.
    let run = audit_with("contract_0_1");
    assert_eq!(run.status, Some(1));
    assert_eq!(run.report["policy_errors"].as_array().map(Vec::len), Some(0), "{}", run.report["policy_errors"]);
    let demo: Value = serde_json::from_slice(
        &std::fs::read(bbscan_tests::repo_root().join("scanner/demo/brainbytes-production.json")).unwrap(),
    )
    .unwrap();
    let mut unversioned: Vec<&str> = demo["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "s3.bucket" && r["config"]["versioning"]["status"] != "Enabled")
        .filter_map(|r| r["arn"].as_str())
        .collect();
    unversioned.sort();
    assert!(!unversioned.is_empty(), "the demo has unversioned buckets");
    let legacy: Vec<&Value> =
        run.report["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == "LEGACY.UNVERSIONED").collect();
    let mut arns: Vec<&str> = legacy.iter().filter_map(|f| f["resource"]["arn"].as_str()).collect();
    arns.sort();
    assert_eq!(arns, unversioned);
    assert!(legacy.iter().all(|f| f["message"].as_str().unwrap().ends_with("is not versioned")), "{legacy:#?}");
    let rule = run.report["rules"].as_array().unwrap().iter().find(|r| r["rule"]["id"] == "LEGACY.UNVERSIONED");
    let rule = rule.expect("the legacy rule is in the report");
    assert_eq!(rule["evaluated"].as_u64(), Some(demo_bucket_count(&demo)));
}

fn demo_bucket_count(demo: &Value) -> u64 {
    demo["resources"].as_array().unwrap().iter().filter(|r| r["kind"] == "s3.bucket").count() as u64
}

/// `--only` and `--skip` choose rules; a policy none of whose rules is chosen is not run at all,
/// so its failure (here a panic) cannot fail an audit that asked about other rules. A policy with
/// a chosen rule runs, and fails as before.
#[test]
fn a_policy_none_of_whose_rules_is_chosen_is_not_run() {
    let component = hostile_policy("panic");
    let audit = |selection: &[&str]| {
        let output = bbscan()
            .args(["audit", "--demo", "--format", "json", "--policy"])
            .arg(&component)
            .args(selection)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("run bbscan");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!("{selection:?}: no JSON report ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr))
        });
        (output.status.code(), report)
    };
    for selection in [&["--only", "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"][..], &["--skip", "HOSTILE.PROBE"]] {
        let (status, report) = audit(selection);
        assert_eq!(status, Some(1), "{selection:?}: findings, and no policy error");
        assert_eq!(report["policy_errors"], serde_json::json!([]), "{selection:?}: the hostile policy did not run");
        let findings = report["findings"].as_array().expect("findings");
        assert!(findings.iter().any(|f| f["rule_id"] == "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"), "{selection:?}");
    }
    let (status, report) = audit(&["--only", "HOSTILE.PROBE", "--only", "CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"]);
    assert_eq!(status, Some(2), "the hostile policy's rule is chosen: it runs and panics");
    let errors = report["policy_errors"].as_array().expect("policy_errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0]["error"].as_str().unwrap_or_default().contains("a hostile policy panics"), "{errors:#?}");
    let rules: Vec<&str> =
        report["rules"].as_array().unwrap().iter().filter_map(|r| r["rule"]["id"].as_str()).collect();
    assert_eq!(rules, ["CLOUDFRONT.VIEWER_PROTOCOL_HTTPS"], "only the chosen rule of the policies that ran");
}
