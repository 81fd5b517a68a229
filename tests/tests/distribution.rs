//! bbscan as users install it: the release archive `.ci/release-build` makes runs from an empty
//! directory with no repository next to it; `cargo install --path scanner` works; the GitHub
//! Action's scripts download, verify (and refuse a tampered or mis-pinned archive), run the audit
//! and publish the right outputs; and the workflows and the action are schema-valid and clean
//! under zizmor, the GitHub Actions security linter.

use bbscan_tests::packages::serve_directory;
use bbscan_tests::{bbscan, python_tools, repo_root, target_dir, test_env};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ZIZMOR: &str = "zizmor==1.32.0";
const CHECK_JSONSCHEMA: &str = "check-jsonschema==0.39.0";

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The workspace version, which names the release.
fn version() -> String {
    let out = bbscan().arg("--version").output().expect("run bbscan");
    String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).expect("bbscan VERSION").to_string()
}

fn host() -> String {
    let out = Command::new("rustc").arg("-vV").output().expect("run rustc");
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("host: ")).expect("host").to_string()
}

/// `bbscan --version` and `audit --demo` from an empty directory, with a fresh cache and no
/// repository anywhere near: the built-in policies are inside the binary.
fn runs_alone(binary: &Path) {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = Command::new(binary).arg("--version").current_dir(empty.path()).output().expect("run");
    assert!(out.status.success() && text(&out).contains(&version()), "{}", text(&out));
    let out = Command::new(binary)
        .args(["audit", "--demo", "--format", "json"])
        .current_dir(empty.path())
        .envs(test_env())
        .env("XDG_CACHE_HOME", empty.path().join("cache"))
        .env("HOME", empty.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "the demo has high findings: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let policies: std::collections::BTreeSet<&str> =
        report["rules"].as_array().expect("rules").iter().filter_map(|r| r["policy"].as_str()).collect();
    assert!(policies.len() >= 8, "every built-in policy ran: {policies:?}");
    assert!(report["policy_errors"].as_array().is_some_and(Vec::is_empty), "{}", report["policy_errors"]);
}

#[test]
fn the_release_archive_and_cargo_install_give_a_binary_that_needs_no_repository() {
    let dist = tempfile::tempdir().expect("temp dir");
    // The script as the release workflow runs it, for this machine's target, with the test
    // build's profile (the optimised build is the same code; its cost is in the closing note).
    let out = Command::new("bash")
        .arg(repo_root().join(".ci/release-build"))
        .arg(host())
        .arg(dist.path())
        .env("CARGO_TARGET_DIR", target_dir())
        .env("BBSCAN_RELEASE_PROFILE", "dev")
        .output()
        .expect("run .ci/release-build");
    assert!(out.status.success(), "{}", text(&out));
    // The script's `cargo build -p bbscan` is the build the tests already made: nothing compiled
    // again (else the feature pins in scanner/Cargo.toml no longer match the workspace's).
    let compiled: Vec<&str> = std::str::from_utf8(&out.stderr)
        .unwrap_or("")
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .collect();
    assert!(compiled.is_empty(), "the release script rebuilt what the test build had built: {compiled:?}");
    let name = format!("bbscan-{}-{}", version(), host());
    let archive = dist.path().join(format!("{name}.tar.gz"));
    let sums = std::fs::read_to_string(dist.path().join(format!("{name}.tar.gz.sha256"))).expect("the .sha256");
    let check = Command::new("sha256sum")
        .arg("--check")
        .current_dir(dist.path())
        .arg(dist.path().join(format!("{name}.tar.gz.sha256")))
        .output()
        .expect("sha256sum");
    assert!(check.status.success() && sums.contains(&format!("{name}.tar.gz")), "{sums}\n{}", text(&check));

    let unpacked = tempfile::tempdir().expect("temp dir");
    let out = Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(unpacked.path()).output().expect("tar");
    assert!(out.status.success(), "{}", text(&out));
    let mut files: Vec<String> = std::fs::read_dir(unpacked.path().join(&name))
        .expect("the archive holds one directory named after the release")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["LICENSE", "README.md", "bbscan"]);
    runs_alone(&unpacked.path().join(&name).join("bbscan"));

    // `cargo install` from the repository (debug: the same build as the tests, installed).
    let root = tempfile::tempdir().expect("temp dir");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "--locked", "--debug", "--path"])
        .arg(repo_root().join("scanner"))
        .arg("--root")
        .arg(root.path())
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("run cargo install");
    assert!(out.status.success(), "{}", text(&out));
    runs_alone(&root.path().join("bin/bbscan"));
}

/// A release as the action sees it: `bbscan-<version>-<target>.tar.gz` for the runner and
/// `SHA256SUMS`, from the test build's binary (repacked under the runner's release name: the
/// action's logic is under test here, not the C library the binary links).
fn fake_release(dir: &Path, version: &str, target: &str) -> String {
    let name = format!("bbscan-{version}-{target}");
    let stage = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(stage.path().join(&name)).expect("mkdir");
    std::fs::copy(bbscan_tests::bbscan_path(), stage.path().join(&name).join("bbscan")).expect("copy the binary");
    let out = Command::new("tar")
        .arg("-czf")
        .arg(dir.join(format!("{name}.tar.gz")))
        .arg("-C")
        .arg(stage.path())
        .arg(&name)
        .output()
        .expect("tar");
    assert!(out.status.success(), "{}", text(&out));
    let sums = Command::new("sha256sum").arg(format!("{name}.tar.gz")).current_dir(dir).output().expect("sha256sum");
    std::fs::write(dir.join("SHA256SUMS"), &sums.stdout).expect("write SHA256SUMS");
    String::from_utf8_lossy(&sums.stdout).split_whitespace().next().expect("a digest").to_string()
}

/// `KEY=value` lines a step wrote to `$GITHUB_OUTPUT`.
fn outputs(file: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

fn action_step(script: &str, work: &Path, env: &[(&str, &str)]) -> (Output, HashMap<String, String>) {
    let output_file = work.join(format!("{script}.output"));
    let _ = std::fs::remove_file(&output_file);
    let out = Command::new("bash")
        .arg(repo_root().join(".ci").join(script))
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", work)
        .envs(test_env())
        .env("RUNNER_TEMP", work.join("runner-temp"))
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_PATH", work.join("github-path"))
        .env("GITHUB_STEP_SUMMARY", work.join("summary.md"))
        .envs(env.iter().copied())
        .output()
        .expect("run the action's script");
    let found = outputs(&output_file);
    (out, found)
}

#[test]
fn the_action_installs_only_a_verified_release_and_reports_its_audit() {
    let work = tempfile::tempdir().expect("temp dir");
    let work = work.path();
    std::fs::create_dir_all(work.join("runner-temp")).expect("mkdir");
    let release_dir = tempfile::tempdir().expect("temp dir");
    let version = version();
    let (os, arch, target) = match std::env::consts::ARCH {
        "aarch64" => ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        _ => ("Linux", "X64", "x86_64-unknown-linux-musl"),
    };
    let release = release_dir.path().join(format!("v{version}"));
    std::fs::create_dir_all(&release).expect("mkdir");
    let digest = fake_release(&release, &version, target);
    // GitHub's layout: <base>/v<version>/<file>.
    let base = serve_directory(release_dir.path());
    let install = |extra: &[(&str, &str)]| {
        let mut env = vec![
            ("VERSION", version.as_str()),
            ("REPOSITORY", "brainbytes/bbscan"),
            ("DOWNLOAD_URL", base.as_str()),
            ("VERIFY_ATTESTATION", "false"),
            ("RUNNER_OS", os),
            ("RUNNER_ARCH", arch),
        ];
        env.extend_from_slice(extra);
        action_step("action-install", work, &env)
    };

    // Installed, checked, on the PATH.
    let (out, found) = install(&[("SHA256", digest.as_str())]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("SHA-256 {digest} matches")), "{}", text(&out));
    let installed = PathBuf::from(found.get("bbscan").expect("output bbscan"));
    assert!(installed.is_file(), "{}", installed.display());
    let path_file = std::fs::read_to_string(work.join("github-path")).expect("GITHUB_PATH written");
    assert_eq!(Path::new(path_file.trim()), installed.parent().expect("dir"));

    // A workflow that pins another digest gets nothing installed.
    let (out, found) = install(&[("SHA256", &"0".repeat(64))]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("the workflow pins") && !found.contains_key("bbscan"), "{}", text(&out));
    // Bad input is refused before any download.
    let (out, _) = install(&[("VERSION", "latest; rm -rf /")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("version must look like 1.2.3"), "{}", text(&out));
    // Attestation verification without the gh CLI says what to do.
    let (out, found) = install(&[("VERIFY_ATTESTATION", "true"), ("PATH", "/usr/bin:/bin")]);
    if !Path::new("/usr/bin/gh").exists() {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("needs the gh CLI") && !found.contains_key("bbscan"), "{}", text(&out));
    }
    // A tampered archive (the sums no longer match) is refused.
    let archive = release_dir.path().join(format!("v{version}/bbscan-{version}-{target}.tar.gz"));
    let mut bytes = std::fs::read(&archive).expect("read");
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&archive, bytes).expect("write");
    let tampered_base = serve_directory(release_dir.path());
    let (out, found) = install(&[("DOWNLOAD_URL", tampered_base.as_str())]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("but SHA256SUMS says") && !found.contains_key("bbscan"), "{}", text(&out));

    // The audit step: findings at or above fail-on exit 1, with every output written first.
    let demo = work.join("demo.json");
    let out = bbscan().args(["snapshot", "--demo"]).output().expect("run bbscan snapshot --demo");
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(&demo, &out.stdout).expect("write the demo snapshot");
    let installed = installed.display().to_string();
    let demo = demo.display().to_string();
    let audit = |baseline: &str| {
        action_step(
            "action-audit",
            work,
            &[
                ("BBSCAN", installed.as_str()),
                ("SNAPSHOT", demo.as_str()),
                ("FAIL_ON", "high"),
                ("FORMATS", "sarif, markdown"),
                ("OUTPUT", "out"),
                ("BASELINE", baseline),
                ("POLICIES", "\n  \n"),
                ("JOB_SUMMARY", "true"),
            ],
        )
    };
    let (out, found) = audit("baseline/report.json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no baseline at baseline/report.json"), "{}", text(&out));
    assert_eq!(found.get("exit-code").map(String::as_str), Some("1"));
    assert_eq!(found.get("sarif").map(String::as_str), Some("out/report.sarif"));
    assert_eq!(found.get("markdown").map(String::as_str), Some("out/report.md"));
    assert_eq!(found.get("json").map(String::as_str), Some("out/report.json"), "JSON is always written");
    assert!(!found.contains_key("html"));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("out/report.json")).expect("report")).expect("JSON");
    let failed = report["findings"].as_array().expect("findings").iter().filter(|f| f["status"] == "fail").count();
    assert!(failed > 0);
    assert_eq!(found.get("findings"), Some(&failed.to_string()));
    assert_eq!(found.get("new-findings"), Some(&failed.to_string()), "without a baseline every finding is new");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("out/report.sarif")).expect("sarif")).expect("JSON");
    bbscan_tests::assert_valid_sarif(&sarif);
    let summary = std::fs::read_to_string(work.join("summary.md")).expect("the job summary");
    assert_eq!(summary, std::fs::read_to_string(work.join("out/report.md")).expect("report.md"));

    // The next run against this one as its baseline: nothing new, so it passes.
    std::fs::create_dir_all(work.join("baseline")).expect("mkdir");
    std::fs::copy(work.join("out/report.json"), work.join("baseline/report.json")).expect("copy");
    let (out, found) = audit("baseline/report.json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(found.get("findings"), Some(&failed.to_string()));
    assert_eq!(found.get("new-findings").map(String::as_str), Some("0"));
}

/// The workflows and the action, checked by the linters the issue names: the GitHub workflow and
/// action JSON Schemas (check-jsonschema's copies of SchemaStore's) and zizmor's audits under its
/// most demanding persona. A deliberately bad workflow proves the linters would object.
#[test]
fn the_workflows_and_the_action_are_schema_valid_and_clean_under_zizmor() {
    let bin = python_tools("github-linters", &[ZIZMOR, CHECK_JSONSCHEMA]);
    let root = repo_root();
    let workflows: Vec<PathBuf> = std::fs::read_dir(root.join(".github/workflows"))
        .expect("the workflows")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    assert!(workflows.len() >= 2, "compliance and release: {workflows:?}");
    let schema = |kind: &str, files: &[PathBuf]| {
        Command::new(bin.join("check-jsonschema"))
            .args(["--builtin-schema", kind])
            .args(files)
            .output()
            .expect("run check-jsonschema")
    };
    let out = schema("vendor.github-workflows", &workflows);
    assert!(out.status.success(), "{}", text(&out));
    let out = schema("vendor.github-actions", &[root.join("action.yml")]);
    assert!(out.status.success(), "{}", text(&out));

    let zizmor = |files: &[PathBuf]| {
        Command::new(bin.join("zizmor"))
            .args(["--offline", "--persona", "pedantic", "--format", "plain", "--color", "never"])
            .args(files)
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .output()
            .expect("run zizmor")
    };
    // The action installs the release it was published with: this version.
    let action = std::fs::read_to_string(root.join("action.yml")).expect("action.yml");
    let default = action
        .split("\n  version:")
        .nth(1)
        .and_then(|rest| rest.lines().find_map(|l| l.trim().strip_prefix("default: ")))
        .expect("the version input's default");
    assert_eq!(default.trim_matches('"'), version(), "action.yml's default version is the release it ships with");

    let mut everything = workflows.clone();
    everything.push(root.join("action.yml"));
    let out = zizmor(&everything);
    assert!(out.status.success() && text(&out).contains("No findings"), "zizmor:\n{}", text(&out));

    // The control: the previous compliance workflow's faults, each one zizmor must report.
    let bad = tempfile::tempdir().expect("temp dir");
    let bad_workflow = bad.path().join("bad.yml");
    std::fs::write(
        &bad_workflow,
        "name: bad\non: [push]\npermissions:\n  contents: read\njobs:\n  audit:\n    name: audit\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.head_commit.message }}\n",
    )
    .expect("write");
    let out = zizmor(&[bad_workflow.clone()]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    for audit in ["unpinned-uses", "artipacked", "template-injection"] {
        assert!(said.contains(audit), "zizmor did not report {audit}:\n{said}");
    }
    let out = schema("vendor.github-workflows", &[bad.path().join("bad.yml")]);
    assert!(out.status.success(), "the control is a valid workflow: {}", text(&out));
    std::fs::write(&bad_workflow, "name: bad\non: [push]\njobs:\n  audit:\n    stepz: []\n").expect("write");
    let out = schema("vendor.github-workflows", &[bad_workflow]);
    assert!(!out.status.success(), "a workflow without runs-on or steps is not schema-valid");
}

/// The action's drift (a snapshot kept from the previous run) and merge (sharded jobs' reports)
/// modes, against the fake AWS.
#[test]
fn the_action_writes_the_drift_since_the_previous_snapshot_and_merges_shards() {
    let moto = bbscan_tests::Moto::start();
    let work = tempfile::tempdir().expect("temp dir");
    let work = work.path();
    let binary = bbscan_tests::bbscan_path().display().to_string();
    let run = |save: &str, output: &str| {
        action_step(
            "action-audit",
            work,
            &[
                ("BBSCAN", binary.as_str()),
                ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
                ("REGION", "us-east-1"),
                ("SAVE_SNAPSHOT", save),
                ("PREVIOUS_SNAPSHOT", "baseline/snapshot.json"),
                ("FAIL_ON", "none"),
                ("FORMATS", "markdown"),
                ("OUTPUT", output),
            ],
        )
    };
    // A first run: no previous snapshot, no drift.
    let (out, found) = run("first/snapshot.json", "first");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no previous snapshot"), "{}", text(&out));
    assert!(!found.contains_key("drift"));
    assert!(work.join("first/snapshot.json").is_file());
    std::fs::create_dir_all(work.join("baseline")).expect("mkdir");
    std::fs::copy(work.join("first/snapshot.json"), work.join("baseline/snapshot.json")).expect("copy");

    // Something changes in the account; the next run says what.
    let made = Command::new(bbscan_tests::moto_python())
        .args(["-c", "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t').create_bucket(Bucket='drifted-in')", &moto.endpoint])
        .output()
        .expect("python");
    assert!(made.status.success(), "{}", text(&made));
    let _ = std::fs::remove_file(work.join("summary.md"));
    let (out, found) = run("second/snapshot.json", "second");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(found.get("drift").map(String::as_str), Some("second/drift/drift.md"));
    let drift: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("second/drift/drift.json")).expect("drift"))
            .expect("JSON");
    let added: Vec<&str> =
        drift["resources"]["added"].as_array().expect("added").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(added, vec!["drifted-in"]);
    let summary = std::fs::read_to_string(work.join("summary.md")).expect("summary");
    assert!(summary.contains("## Drift since") && summary.contains("drifted-in"), "{summary}");

    // Shards' JSON reports merged by the action: one report, the step failing on its findings.
    let shards = work.join("shards");
    std::fs::create_dir_all(shards.join("report-a")).expect("mkdir");
    let out = bbscan()
        .args(["audit", "--demo", "--format", "json", "-o"])
        .arg(shards.join("report-a/report.json"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Another account's shard, as the organisation workflow's matrix job writes it.
    let out = bbscan()
        .args(["audit", "--accounts", "210987654321", "--usage-days", "0", "--fail-on", "none", "--format", "json"])
        .args(["--endpoint-url", &moto.endpoint, "--region", "us-east-1", "-o"])
        .arg(shards.join("b.json"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let (out, found) = action_step(
        "action-audit",
        work,
        &[
            ("BBSCAN", binary.as_str()),
            ("MERGE", "shards"),
            ("FAIL_ON", "high"),
            ("FORMATS", "sarif"),
            ("OUTPUT", "merged"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "the demo account's findings fail the merged run: {}", text(&out));
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("merged/report.json")).expect("merged")).expect("JSON");
    assert_eq!(merged["totals"]["accounts"], 2);
    let failed = merged["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .flat_map(|a| a["report"]["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["status"] == "fail")
        .count();
    assert!(failed > 0);
    assert_eq!(found.get("findings"), Some(&failed.to_string()));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("merged/report.sarif")).expect("sarif")).expect("JSON");
    bbscan_tests::assert_valid_sarif(&sarif);
    assert_eq!(sarif["runs"].as_array().map(Vec::len), Some(2));
}
