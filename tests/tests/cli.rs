//! Bad input through the real binary: a clear message, exit status 2, nothing damaged.

use bbscan_tests::bbscan;

fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a port")
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bad_region_is_refused_before_any_call() {
    let output = bbscan().args(["snapshot", "--region", "US East"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("is not a region name"), "{}", stderr_of(&output));
}

#[test]
fn no_region_at_all_says_how_to_set_one() {
    let output = bbscan().args(["snapshot", "--endpoint-url", "http://127.0.0.1:9"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("no AWS region is configured: pass --region"), "{}", stderr_of(&output));
}

#[test]
fn an_endpoint_that_is_not_a_url_is_refused() {
    let output =
        bbscan().args(["snapshot", "--region", "us-east-1", "--endpoint-url", "localhost:4566"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("is not an http(s) URL"), "{}", stderr_of(&output));
}

#[test]
fn missing_credentials_say_what_to_do_and_leave_the_old_file_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snap.json");
    std::fs::write(&path, b"an older snapshot").expect("write");
    let output = bbscan()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["snapshot", "--region", "us-east-1", "--max-attempts", "1", "--call-timeout", "2"])
        .args(["--endpoint-url", &format!("http://127.0.0.1:{}", unused_port()), "-o"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("could not establish who the AWS credentials belong to"), "{stderr}");
    assert!(stderr.contains("aws sso login") && stderr.contains("--profile"), "{stderr}");
    assert_eq!(std::fs::read(&path).expect("read"), b"an older snapshot", "a failed run leaves the old file as it was");
}

#[test]
fn an_unreachable_endpoint_is_an_error_not_an_empty_account() {
    let output = bbscan()
        .args(["snapshot", "--region", "us-east-1", "--max-attempts", "1", "--call-timeout", "2"])
        .args(["--endpoint-url", &format!("http://127.0.0.1:{}", unused_port())])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "no snapshot is printed");
    assert!(stderr_of(&output).contains("sts:GetCallerIdentity failed"), "{}", stderr_of(&output));
}

#[test]
fn a_broken_config_file_is_named_with_the_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bbscan.toml"), "app = \"brainbytes\"\nregion = [\"us-east-1\"]\n").expect("write");
    let output = bbscan().current_dir(dir.path()).args(["snapshot", "--demo"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("bbscan.toml is not valid") && stderr.contains("unknown field `region`"), "{stderr}");
}

#[test]
fn the_demo_cannot_be_mixed_with_collection_flags() {
    let output = bbscan().args(["snapshot", "--demo", "--stage", "dev"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("cannot be used with"), "{}", stderr_of(&output));
}

#[test]
fn an_unwritable_output_path_is_an_error() {
    let output = bbscan().args(["snapshot", "--demo", "-o", "/nonexistent-dir/snap.json"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("cannot write /nonexistent-dir/snap.json"), "{}", stderr_of(&output));
}

#[test]
fn a_snapshot_without_a_collection_time_is_refused() {
    // Every age (keys, waivers, certificates) counts from the snapshot's time: a snapshot whose
    // time does not parse is refused, not judged as of 1970 (when every waiver would be active).
    let demo = bbscan().args(["snapshot", "--demo"]).output().expect("run");
    let mut doc: serde_json::Value = serde_json::from_slice(&demo.stdout).expect("JSON");
    doc["metadata"]["finished_at"] = serde_json::json!("15/01/2026 09:00");
    let path = std::env::temp_dir().join(format!("bbscan-bad-time-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    for command in [&["audit"][..], &["plan"][..], &["iam", "paths"][..]] {
        let out = bbscan().args(command).arg("--snapshot").arg(&path).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains("metadata.finished_at \"15/01/2026 09:00\" is not an RFC 3339 time"),
            "{command:?}: {err}"
        );
    }
    let _ = std::fs::remove_file(&path);
}

#[cfg(unix)]
#[test]
fn snapshots_and_plans_are_written_for_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("bbscan-modes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let snap = dir.join("snap.json");
    assert!(bbscan().args(["snapshot", "--demo", "-o"]).arg(&snap).output().unwrap().status.success());
    assert_eq!(mode(&snap), 0o600, "a snapshot describes the account's weaknesses");
    let plan = dir.join("plan.json");
    let out = bbscan().args(["plan", "--demo", "-o"]).arg(&plan).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(mode(&plan), 0o600);
    let report = dir.join("report.json");
    let out = bbscan()
        .args(["audit", "--demo", "--fail-on", "none", "--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(mode(&report) & 0o600, 0o600);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3, "no temporary file is left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn control_characters_from_aws_never_reach_the_terminal() {
    // A bucket whose name (as a tampered snapshot, or a hostile endpoint, would have it) holds
    // a terminal escape that sets the window title and clears the screen, and a message with a
    // bidirectional override.
    let demo = bbscan().args(["snapshot", "--demo"]).output().expect("run");
    let mut doc: serde_json::Value = serde_json::from_slice(&demo.stdout).expect("JSON");
    let evil = "assets\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    for r in doc["resources"].as_array_mut().unwrap() {
        if r["kind"] == "s3.bucket" {
            r["name"] = serde_json::json!(evil);
        }
    }
    let path = std::env::temp_dir().join(format!("bbscan-escapes-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = bbscan().args(["audit", "--fail-on", "none", "--snapshot"]).arg(&path).output().expect("run");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{7}'), "{text}");
    assert!(text.contains("assets\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}"), "{text}");
}
