//! One policy workflow whatever the language, as a user runs it: `bbscan policy new` in Rust,
//! TypeScript and Python outside the repository, against the SDK packages by version (the
//! crates, npm tarball and wheel packed from this checkout, served as a registry would), the
//! language's own tests, `bbscan policy build` (which installs the
//! toolchain into the policy's directory from the registries), `bbscan policy test` over the
//! policy's fixtures through the built component, and `bbscan audit --policy DIR` on the seeded
//! account — where the three give identical findings, evidence, actions and tallies.
//!
//! And the containment a Rust policy gets, for TypeScript: a policy that throws, loops or returns
//! malformed results is a policy error and the other policies still run; a build failure names
//! the user's file.

use bbscan_tests::packages::{NpmRegistry, SdkPackages, sdk_packages};
use bbscan_tests::{Moto, REGION, bbscan, target_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const LANGUAGES: &[&str] = &["rust", "typescript", "python"];
const NAME: &str = "team-checks";
const AREA: &str = "TEAM_CHECKS";

/// Where the Rust scaffold is compiled: the target directory in which the build of bbscan
/// compiled the built-in policies. With the workspace's lock file the scaffold's dependencies
/// (the SDK, serde, wit-bindgen) resolve to the same versions and are reused, not compiled again.
fn rust_target() -> PathBuf {
    target_dir().join("wasm-policies")
}

/// The published SDKs, as a policy outside the repository resolves them by version: crates.io's
/// `bbscan-*` patched to the packed crates, the `@bbscan` npm scope served from the packed
/// tarball by a loopback registry, pip finding the wheel.
struct Registries {
    packages: SdkPackages,
    npm: NpmRegistry,
}

fn registries() -> Registries {
    let packages = sdk_packages();
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(bbscan_tests::repo_root().join("policies/sdk-ts/package.json")).expect("package.json"),
    )
    .expect("JSON");
    let version = manifest["version"].as_str().expect("a version");
    let npm = NpmRegistry::serve("@bbscan/policy", version, &packages.npm_tarball, &manifest);
    Registries { packages, npm }
}

/// The SDK version the packages carry (the TypeScript package's; a unit test holds the three equal).
fn manifest_version() -> String {
    let package: Value = serde_json::from_str(
        &std::fs::read_to_string(bbscan_tests::repo_root().join("policies/sdk-ts/package.json")).expect("package.json"),
    )
    .expect("JSON");
    package["version"].as_str().expect("a version").to_string()
}

fn new_policy(lang: &str, root: &Path, registries: Option<&Registries>) -> PathBuf {
    let dir = root.join(lang);
    let out = bbscan().args(["policy", "new", NAME, "--lang", lang, "--dir"]).arg(&dir).output().expect("run bbscan");
    assert!(out.status.success(), "policy new --lang {lang}: {}", String::from_utf8_lossy(&out.stderr));
    for file in ["fixtures/basic/snapshot.json", "fixtures/basic/expected.json", "README.md", ".gitignore"] {
        assert!(dir.join(file).is_file(), "policy new --lang {lang} wrote no {file}");
    }
    // The SDK by version, never by a path into the checkout bbscan was built from.
    let manifest = ["Cargo.toml", "package.json", "requirements.txt"]
        .iter()
        .find_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .expect("a manifest");
    let checkout = bbscan_tests::repo_root().canonicalize().expect("the checkout");
    assert!(!manifest.contains(&*checkout.to_string_lossy()), "policy new named the checkout:\n{manifest}");
    let version = manifest_version();
    let dependency = match lang {
        "rust" => format!("bbscan-policy = \"{version}\""),
        "typescript" => format!("\"@bbscan/policy\": \"^{version}\""),
        _ => format!("bbscan-policy~={version}"),
    };
    assert!(manifest.contains(&dependency), "{lang}: no `{dependency}` in:\n{manifest}");
    let Some(registries) = registries else { return dir };
    match lang {
        "rust" => {
            std::fs::copy(bbscan_tests::repo_root().join("Cargo.lock"), dir.join("Cargo.lock"))
                .expect("copy the lock file");
            std::fs::create_dir_all(dir.join(".cargo")).expect("create .cargo");
            std::fs::write(dir.join(".cargo/config.toml"), registries.packages.cargo_patch()).expect("write the patch");
        }
        "typescript" => std::fs::write(dir.join(".npmrc"), format!("@bbscan:registry={}\n", registries.npm.url))
            .expect("write .npmrc"),
        _ => {}
    }
    // It never overwrites.
    let again = bbscan().args(["policy", "new", NAME, "--lang", lang, "--dir"]).arg(&dir).output().expect("run bbscan");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("will not overwrite"));
    dir
}

/// `bbscan` run in the policy's directory, with the Rust scaffold's kept target directory and
/// pip finding the packed wheel.
fn bbscan_in(dir: &Path, registries: &Registries) -> assert_cmd::Command {
    let mut cmd = bbscan();
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", rust_target())
        .env("PIP_FIND_LINKS", &registries.packages.wheels)
        .timeout(Duration::from_secs(900));
    cmd
}

fn run_ok(what: &str, command: &mut Command) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// The SDK the build used is the one packed from this checkout (not a package of that name
/// from a public registry, not a link into the checkout).
fn assert_packed_sdk(lang: &str, dir: &Path) {
    let repo = bbscan_tests::repo_root();
    let same = |installed: PathBuf, ours: PathBuf| {
        let meta = std::fs::symlink_metadata(&installed).unwrap_or_else(|e| panic!("{}: {e}", installed.display()));
        assert!(!meta.file_type().is_symlink(), "{} links into the checkout", installed.display());
        assert_eq!(
            std::fs::read(&installed).expect("installed file"),
            std::fs::read(&ours).expect("our file"),
            "{} is not the packed SDK",
            installed.display()
        );
    };
    match lang {
        "typescript" => {
            same(dir.join("node_modules/@bbscan/policy/src/report.ts"), repo.join("policies/sdk-ts/src/report.ts"))
        }
        "python" => {
            let site = std::fs::read_dir(dir.join(".venv/lib"))
                .expect("the virtualenv")
                .filter_map(|e| e.ok().map(|e| e.path().join("site-packages/bbscan_policy")))
                .find(|p| p.is_dir())
                .expect("bbscan_policy installed");
            assert!(!site.is_symlink());
            same(site.join("report.py"), repo.join("policies/sdk-python/bbscan_policy/report.py"));
        }
        _ => {
            // Patched to the unpacked crate: the lock entry has no registry source.
            let lock = std::fs::read_to_string(dir.join("Cargo.lock")).expect("Cargo.lock");
            let entry = lock.split("[[package]]").find(|p| p.contains("name = \"bbscan-policy\"")).expect("locked");
            assert!(!entry.contains("source ="), "bbscan-policy came from a registry:\n{entry}");
        }
    }
}

/// The language's own test runner, as the policy's README says to run it.
fn native_tests(lang: &str, dir: &Path) {
    let text = match lang {
        "rust" => run_ok(
            "cargo test",
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["test", "--quiet"])
                .current_dir(dir)
                .env("CARGO_TARGET_DIR", rust_target())
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS"),
        ),
        "typescript" => {
            run_ok("npm run typecheck", Command::new("npm").args(["run", "--silent", "typecheck"]).current_dir(dir));
            run_ok("npm test", Command::new("npm").args(["test", "--silent"]).current_dir(dir))
        }
        _ => run_ok(
            "python -m unittest",
            Command::new(dir.join(".venv/bin/python")).args(["-m", "unittest", "-v"]).current_dir(dir),
        ),
    };
    // Each runner ran the fixtures test (not zero tests).
    let ran = match lang {
        "rust" => text.contains("test result: ok. 1 passed") || text.contains("2 passed"),
        "typescript" => text.contains("# pass") && !text.contains("# pass 0"),
        _ => text.contains("OK") && text.contains("Ran "),
    };
    assert!(ran, "{lang}'s own tests did not run:\n{text}");
}

/// The findings of the scaffold's rules, in a comparable form: sorted, everything that a user
/// sees.
fn area_findings(report: &Value) -> Vec<Value> {
    let mut found: Vec<Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"].as_str().is_some_and(|r| r.starts_with(AREA)))
        .map(|f| {
            serde_json::json!({
                "rule": f["rule_id"], "arn": f["resource"]["arn"], "status": f["status"],
                "severity": f["severity"], "message": f["message"], "evidence": f["evidence"],
                "actions": f["actions"],
            })
        })
        .collect();
    found.sort_by_key(|f| format!("{}{}", f["rule"], f["arn"]));
    found
}

fn area_tallies(report: &Value) -> Vec<Value> {
    let mut tallies: Vec<Value> = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["rule"]["id"].as_str().is_some_and(|r| r.starts_with(AREA)))
        .map(|r| serde_json::json!([r["rule"]["id"], r["evaluated"], r["passed"]]))
        .collect();
    tallies.sort_by_key(|t| t[0].to_string());
    tallies
}

#[test]
fn one_rule_in_three_languages_gives_identical_findings_on_the_seeded_account() {
    let moto = Moto::start();
    moto.seed(0);
    let root = tempfile::tempdir().expect("temp dir");
    let snap = root.path().join("snap.json");
    let wrote = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION, "-o"])
        .arg(&snap)
        .output()
        .expect("run");
    assert!(wrote.status.success(), "{}", String::from_utf8_lossy(&wrote.stderr));

    let registries = registries();
    let mut results: Vec<(&str, Vec<Value>, Vec<Value>)> = Vec::new();
    for lang in LANGUAGES {
        let dir = new_policy(lang, root.path(), Some(&registries));
        // Build first: for TypeScript and Python it installs the toolchain the tests run with.
        let built = bbscan_in(&dir, &registries).args(["policy", "build", "."]).output().expect("run bbscan");
        let stderr = String::from_utf8_lossy(&built.stderr);
        assert!(built.status.success(), "policy build ({lang}):\n{stderr}");
        let wasm = dir.join(format!("{NAME}.wasm"));
        assert!(wasm.is_file(), "policy build ({lang}) wrote no {NAME}.wasm:\n{stderr}");
        assert_eq!(String::from_utf8_lossy(&built.stdout).trim(), format!("./{NAME}.wasm"));
        assert_packed_sdk(lang, &dir);
        native_tests(lang, &dir);

        // A mistake in the user's source: the build fails (exit 2) and says in which file.
        let (file, broken) = match *lang {
            "rust" => ("src/lib.rs", "fn broken( {\n"),
            "typescript" => ("src/policy.ts", "function broken( {\n"),
            _ => ("policy.py", "def broken(:\n"),
        };
        let source = std::fs::read_to_string(dir.join(file)).expect("the policy's source");
        std::fs::write(dir.join(file), format!("{source}\n{broken}")).expect("break the source");
        let failed = bbscan_in(&dir, &registries).args(["policy", "build", "."]).output().expect("run bbscan");
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert_eq!(failed.status.code(), Some(2), "a broken {file} must fail the build:\n{stderr}");
        assert!(stderr.contains(file.rsplit('/').next().unwrap_or(file)), "the error names {file}:\n{stderr}");
        std::fs::write(dir.join(file), &source).expect("restore the source");

        let tested = bbscan_in(&dir, &registries).args(["policy", "test", "."]).output().expect("run bbscan");
        let out = String::from_utf8_lossy(&tested.stdout);
        assert!(tested.status.success(), "policy test ({lang}):\n{out}\n{}", String::from_utf8_lossy(&tested.stderr));
        assert!(out.contains("ok    basic") && out.contains("1 passed, 0 failed"), "{out}");

        // A fixture that no longer matches fails `policy test` (it judges, not only runs).
        let expected = dir.join("fixtures/basic/expected.json");
        let honest = std::fs::read_to_string(&expected).expect("expected.json");
        std::fs::write(&expected, "[]").expect("rewrite expected.json");
        let wrong = bbscan_in(&dir, &registries).args(["policy", "test", "."]).output().expect("run bbscan");
        assert_eq!(wrong.status.code(), Some(1), "a wrong fixture must fail ({lang})");
        assert!(String::from_utf8_lossy(&wrong.stdout).contains("unexpected TEAM_CHECKS.DATA_CLASSIFICATION"));
        std::fs::write(&expected, honest).expect("restore expected.json");

        let audit = bbscan_in(&dir, &registries)
            .args(["audit", "--format", "json", "--policy-timeout", "60", "--snapshot"])
            .arg(&snap)
            .args(["--policy", "."])
            .output()
            .expect("run bbscan");
        let report: Value = serde_json::from_slice(&audit.stdout)
            .unwrap_or_else(|e| panic!("{lang}: no JSON report ({e}):\n{}", String::from_utf8_lossy(&audit.stderr)));
        assert!(report["policy_errors"].as_array().is_some_and(Vec::is_empty), "{lang}: {:#}", report["policy_errors"]);
        results.push((lang, area_findings(&report), area_tallies(&report)));
    }

    let (_, rust, rust_tallies) = &results[0];
    // The seeded account has both kinds of finding: unclassified production buckets, and roles
    // that write anywhere (an inline `s3:*` on `*`, AdministratorAccess attached).
    let of = |rule: &str| rust.iter().filter(|f| f["rule"] == format!("{AREA}.{rule}")).count();
    assert!(of("DATA_CLASSIFICATION") >= 3 && of("ROLE_WRITES_ANY_BUCKET") >= 2, "{rust:#?}");
    assert!(rust.iter().any(|f| f["actions"][0]["kind"] == "tags.add_tags"));
    assert!(rust.iter().any(|f| f["message"].as_str().unwrap_or("").contains("managed policy AdministratorAccess")));
    for (lang, findings, tallies) in &results[1..] {
        assert_eq!(findings, rust, "{lang}'s findings differ from Rust's");
        assert_eq!(tallies, rust_tallies, "{lang}'s tallies differ from Rust's");
    }
}

/// A TypeScript policy that misbehaves (tests/hostile-ts/policy.ts, its behaviour chosen by its
/// settings) is contained as a Rust one is: a policy error naming what went wrong, exit status
/// 2, and the built-in policies' findings all there. And a build failure names the user's file.
#[test]
fn a_typescript_policy_that_throws_loops_or_lies_is_contained_like_a_rust_one() {
    let root = tempfile::tempdir().expect("temp dir");
    let registries = registries();
    let dir = new_policy("typescript", root.path(), Some(&registries));
    std::fs::copy(bbscan_tests::repo_root().join("tests/hostile-ts/policy.ts"), dir.join("src/policy.ts"))
        .expect("copy the hostile policy");

    // A syntax error: the build fails and says where, in the user's own file.
    let source = std::fs::read_to_string(dir.join("src/policy.ts")).expect("policy.ts");
    std::fs::write(dir.join("src/policy.ts"), source.replace("switch (mode) {", "switch (mode) {{")).expect("write");
    let broken = bbscan_in(&dir, &registries).args(["policy", "build", "."]).output().expect("run bbscan");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("src/policy.ts:") && stderr.contains("esbuild"),
        "the error names the file and line:\n{stderr}"
    );
    std::fs::write(dir.join("src/policy.ts"), &source).expect("restore");

    let built = bbscan_in(&dir, &registries).args(["policy", "build", "."]).output().expect("run bbscan");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let wasm = dir.join(format!("{NAME}.wasm"));
    let cases = [
        ("throw", "the hostile policy threw on purpose"),
        ("loop", "deadline"),
        ("memory", "memory"),
        ("unknown-rule", "does not declare"),
        ("bad-evidence", "neither a JSON pointer"),
        ("foreign-resource", "was not given"),
    ];
    for (mode, expected) in cases {
        let config = root.path().join(format!("{mode}.toml"));
        std::fs::write(&config, format!("[policies.hostile-ts]\nmode = \"{mode}\"\n")).expect("write bbscan.toml");
        let run = bbscan()
            .arg("--config")
            .arg(&config)
            .args(["audit", "--demo", "--format", "json", "--policy-timeout", "20", "--policy"])
            .arg(&wasm)
            .timeout(Duration::from_secs(300))
            .output()
            .expect("run bbscan");
        let report: Value = serde_json::from_slice(&run.stdout)
            .unwrap_or_else(|e| panic!("{mode}: no JSON report ({e}): {}", String::from_utf8_lossy(&run.stderr)));
        assert_eq!(run.status.code(), Some(2), "{mode}: a policy error exits 2");
        let errors = report["policy_errors"].as_array().expect("policy_errors");
        assert_eq!(errors.len(), 1, "{mode}: {errors:#?}");
        let error = errors[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "{mode}: expected {expected:?} in {error:?}");
        let findings = report["findings"].as_array().expect("findings");
        assert!(
            findings.iter().any(|f| f["rule_id"] == "SSM.SECRET_NOT_SECURE_STRING"),
            "{mode}: the built-ins still ran"
        );
        assert!(!findings.iter().any(|f| f["policy"] == "hostile-ts"), "{mode}: nothing of the failed policy is kept");
    }
}

/// Without the language's toolchain the build says what to install, and fails cleanly.
#[test]
fn a_missing_toolchain_is_named_with_what_to_install() {
    let root = tempfile::tempdir().expect("temp dir");
    let empty_path = root.path().join("no-tools");
    std::fs::create_dir_all(&empty_path).expect("mkdir");
    for (lang, tool, install) in
        [("rust", "cargo", "rustup"), ("typescript", "npm", "Node.js"), ("python", "python3", "Python 3")]
    {
        let dir = new_policy(lang, root.path(), None);
        let out =
            bbscan().current_dir(&dir).env("PATH", &empty_path).args(["policy", "build", "."]).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{lang}: {stderr}");
        assert!(stderr.contains(&format!("`{tool}` was not found")) && stderr.contains(install), "{lang}: {stderr}");
        assert!(!dir.join(format!("{NAME}.wasm")).exists());
    }
    // Not a policy at all.
    let out = bbscan().args(["policy", "build"]).arg(root.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a policy source directory"));
}
