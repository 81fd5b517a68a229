//! `bbscan policy new NAME --lang rust` scaffolds a crate whose tests pass natively, which
//! builds into a component, and which `bbscan audit --policy` loads and runs.

use bbscan_tests::bbscan;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo")
}

#[test]
fn a_scaffolded_rust_policy_tests_builds_and_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let crate_dir = dir.path().join("my-checks");
    let output = bbscan().args(["policy", "new", "my-checks", "--dir"]).arg(&crate_dir).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(crate_dir.join("src/lib.rs").is_file() && crate_dir.join("Cargo.toml").is_file());

    // It never overwrites.
    let again = bbscan().args(["policy", "new", "my-checks", "--dir"]).arg(&crate_dir).output().expect("run");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("will not overwrite"));

    // The target directory where the build of bbscan compiled the built-in policies, and the
    // workspace's lock file: the scaffold's dependencies (the SDK, serde, wit-bindgen) resolve to
    // the same versions and, built with the same release profile, their WebAssembly builds are
    // reused instead of compiled again.
    let workspace = std::fs::read_to_string(bbscan_tests::repo_root().join("Cargo.toml")).expect("Cargo.toml");
    let scaffold = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("Cargo.toml");
    let release = |manifest: &str| manifest.split("[profile.release]").nth(1).map(|s| s.trim().to_string());
    assert_eq!(release(&scaffold), release(&workspace), "the scaffold is built like the built-in policies");
    let target = bbscan_tests::target_dir().join("wasm-policies");
    std::fs::copy(bbscan_tests::repo_root().join("Cargo.lock"), crate_dir.join("Cargo.lock"))
        .expect("copy the lock file");
    let tests = cargo(&crate_dir, &target, &["test", "--quiet"]);
    assert!(tests.status.success(), "the scaffold's tests fail:\n{}", String::from_utf8_lossy(&tests.stderr));
    assert!(String::from_utf8_lossy(&tests.stdout).contains("1 passed"), "{}", String::from_utf8_lossy(&tests.stdout));
    let build = cargo(&crate_dir, &target, &["build", "--quiet", "--release", "--target", "wasm32-wasip2"]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));

    let component = target.join("wasm32-wasip2/release/my_checks.wasm");
    let audit = bbscan()
        .args(["audit", "--demo", "--format", "json", "--fail-on", "none", "--policy"])
        .arg(&component)
        .output()
        .expect("run");
    assert_eq!(audit.status.code(), Some(0), "{}", String::from_utf8_lossy(&audit.stderr));
    let report: Value = serde_json::from_slice(&audit.stdout).expect("JSON");
    let rule = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"]["id"] == "MY_CHECKS.LAMBDA_TRACING")
        .expect("the new rule ran");
    assert_eq!(rule["evaluated"], 2, "both demo functions were evaluated");
}
