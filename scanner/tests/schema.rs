//! Generated documents published in `docs/` are what the code generates today: the snapshot
//! and report JSON Schemas, the scanner role's IAM policy (from the code's own list of calls)
//! and its trust policy example. Regenerate them with
//! `BBSCAN_BLESS=1 cargo test -p bbscan --test schema` and commit them.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Run `bbscan ARGS`, compare its output with `docs/FILE` (writing it first under
/// `BBSCAN_BLESS`), and return the published document.
fn published(args: &[&str], file: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_bbscan")).args(args).output().expect("run bbscan");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs").join(file);
    if std::env::var_os("BBSCAN_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the document");
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read docs/{file}: {e}"));
    assert!(
        text == generated,
        "docs/{file} is out of date: run `BBSCAN_BLESS=1 cargo test -p bbscan --test schema` and commit it"
    );
    serde_json::from_str(&text).expect("the document is JSON")
}

#[test]
fn the_published_snapshot_schema_is_current() {
    let schema = published(&["schema"], "snapshot.schema.json");
    assert_eq!(schema["title"], "Snapshot");
    assert!(schema["$defs"]["Gap"].is_object());
}

#[test]
fn the_published_report_schema_is_current() {
    let schema = published(&["schema", "--report"], "report.schema.json");
    assert_eq!(schema["title"], "AuditReport");
    assert!(schema["$defs"]["ReportFinding"]["properties"]["fingerprint"].is_object());
}

#[test]
fn the_published_scanner_role_policies_are_current() {
    let policy = published(&["permissions"], "scanner-role-policy.json");
    let sid = |sid: &str| {
        policy["Statement"].as_array().expect("statements").iter().find(|s| s["Sid"] == sid).cloned().expect(sid)
    };
    assert_eq!(sid("BbscanReadConfiguration")["Effect"], "Allow");
    assert_eq!(sid("BbscanReadsCloudTrailLogFiles")["Resource"], serde_json::json!(["arn:aws:s3:::*/AWSLogs/*"]));
    assert_eq!(sid("BbscanNeverReadsSecrets")["Effect"], "Deny");
    assert_eq!(sid("BbscanNeverReadsDataButLogFiles")["NotResource"], serde_json::json!(["arn:aws:s3:::*/AWSLogs/*"]));
    let trust = published(
        &["permissions", "--trust-repository", "brainbytes/app", "--account-id", "123456789012"],
        "scanner-role-trust.example.json",
    );
    let sub = &trust["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"];
    assert_eq!(sub, "repo:brainbytes/app:ref:refs/heads/main");
}
