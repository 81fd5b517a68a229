//! The TypeScript and Python policy SDKs' own tests, run by the suite: their unit tests (the
//! report, settings, the native IAM port checked against answers recorded from the host), their
//! type check, and their generated types current with `wit/policy.wit` and
//! `docs/snapshot.schema.json`.

use bbscan_tests::repo_root;
use std::process::Command;

fn run_ok(what: &str, command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

#[test]
fn the_typescript_sdk_passes_its_tests_and_type_check_and_its_types_are_current() {
    let dir = repo_root().join("policies/sdk-ts");
    run_ok("npm ci", Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&dir));
    run_ok("gen-types --check", Command::new("node").args(["scripts/gen-types.mjs", "--check"]).current_dir(&dir));
    run_ok("npm run typecheck", Command::new("npm").args(["run", "--silent", "typecheck"]).current_dir(&dir));
    let text = run_ok("npm test", Command::new("npm").args(["test", "--silent"]).current_dir(&dir));
    assert!(text.contains("# fail 0") && !text.contains("# pass 0"), "{text}");
}

#[test]
fn the_python_sdk_passes_its_tests_and_its_types_are_current() {
    let dir = repo_root().join("policies/sdk-python");
    run_ok("gen_types.py --check", Command::new("python3").args(["gen_types.py", "--check"]).current_dir(&dir));
    let text = run_ok(
        "python -m unittest",
        Command::new("python3")
            .args(["-m", "unittest", "discover", "-s", "tests"])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&dir),
    );
    assert!(text.contains("OK") && text.contains("Ran "), "{text}");
}
