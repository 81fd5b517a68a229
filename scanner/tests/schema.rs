//! The published snapshot schema (`docs/snapshot.schema.json`) is the one the code generates.
//! Regenerate it with `BBSCAN_BLESS=1 cargo test -p bbscan --test schema`.

use std::path::Path;
use std::process::Command;

#[test]
fn the_published_schema_is_current() {
    let output = Command::new(env!("CARGO_BIN_EXE_bbscan")).arg("schema").output().expect("run bbscan schema");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/snapshot.schema.json");
    if std::env::var_os("BBSCAN_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
    }
    let published = std::fs::read_to_string(&path).expect("read docs/snapshot.schema.json");
    assert!(
        published == generated,
        "docs/snapshot.schema.json is out of date: run `BBSCAN_BLESS=1 cargo test -p bbscan --test schema` and commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&published).expect("the schema is JSON");
    assert_eq!(schema["title"], "Snapshot");
    assert!(schema["$defs"]["Gap"].is_object());
}

/// The scanner-role policy shipped in `docs/` is what `bbscan permissions` generates from the
/// code's own list of calls. Regenerate with `BBSCAN_BLESS=1 cargo test -p bbscan --test schema`.
#[test]
fn the_published_scanner_role_policy_is_current() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_bbscan")).arg("permissions").output().expect("run bbscan permissions");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scanner-role-policy.json");
    if std::env::var_os("BBSCAN_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the policy");
    }
    let published = std::fs::read_to_string(&path).expect("read docs/scanner-role-policy.json");
    assert!(
        published == generated,
        "docs/scanner-role-policy.json is out of date: run `BBSCAN_BLESS=1 cargo test -p bbscan --test schema` and commit it"
    );
}

#[test]
fn the_published_report_schema_is_current() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_bbscan")).args(["schema", "--report"]).output().expect("run bbscan schema");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report.schema.json");
    if std::env::var_os("BBSCAN_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
    }
    let published = std::fs::read_to_string(&path).expect("read docs/report.schema.json");
    assert!(
        published == generated,
        "docs/report.schema.json is out of date: run `BBSCAN_BLESS=1 cargo test -p bbscan --test schema` and commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&published).expect("the schema is JSON");
    assert_eq!(schema["title"], "AuditReport");
    assert!(schema["$defs"]["ReportFinding"]["properties"]["fingerprint"].is_object());
}
