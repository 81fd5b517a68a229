//! Remediation through the real binary against seeded moto: plan, apply, audit again, roll
//! back — the findings go away, the snapshot changes only where the plan said, rollback puts it
//! back; and the safety rails: stale plans, another account, dry runs, a process killed in the
//! middle of a step, secrets that never leave the step.

use bbscan_tests::fault_proxy::{Fault, FaultProxy, Rule};
use bbscan_tests::{Manifest, Moto, REGION, bbscan};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// Fields that change on their own or as a side effect AWS adds to any write: trail delivery
/// clocks, parameter versions and dates, the policy status S3 derives from the policy, and the
/// key id moto keeps on a parameter turned back into a String.
const INCIDENTAL: &[&str] = &[
    "/config/status/latest_delivery_time",
    "/config/status/start_logging_time",
    "/config/status/stop_logging_time",
    "/config/version",
    "/config/last_modified_date",
    "/config/last_modified_user",
    "/config/policy_is_public",
    "/config/key_id",
];

struct Account {
    moto: Moto,
    manifest: Manifest,
    dir: tempfile::TempDir,
}

impl Account {
    fn seeded() -> Account {
        let moto = Moto::start();
        let manifest = moto.seed(0);
        Account { moto, manifest, dir: tempfile::tempdir().expect("temp dir") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], endpoint: &str) -> Output {
        bbscan().args(args).args(["--endpoint-url", endpoint, "--region", REGION]).output().expect("run bbscan")
    }

    fn snapshot(&self, name: &str) -> Value {
        let path = self.path(name);
        let out =
            self.run(&["snapshot", "--stage", "dev", "-q", "-o", path.to_str().expect("path")], &self.moto.endpoint);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&std::fs::read_to_string(path).expect("snapshot")).expect("JSON")
    }

    fn plan(&self, snapshot: &str, plan: &str) -> Value {
        let out = bbscan()
            .args([
                "plan",
                "--snapshot",
                self.path(snapshot).to_str().expect("path"),
                "-o",
                self.path(plan).to_str().expect("path"),
            ])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        self.assert_no_secret(&out);
        serde_json::from_str(&std::fs::read_to_string(self.path(plan)).expect("plan")).expect("JSON")
    }

    /// No planted secret value in this output, nor in any file of the work directory.
    fn assert_no_secret(&self, output: &Output) {
        let mut texts = vec![
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ];
        for entry in std::fs::read_dir(self.dir.path()).expect("dir").filter_map(Result::ok) {
            texts.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
        for secret in self.manifest.secret_values() {
            assert!(!texts.iter().any(|t| t.contains(&secret)), "a secret value was written out");
        }
    }
}

/// Every resource field that differs between two snapshots, as JSON pointers per ARN.
fn differences(before: &Value, after: &Value) -> BTreeMap<String, BTreeSet<String>> {
    fn walk(a: &Value, b: &Value, path: String, out: &mut BTreeSet<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for key in x.keys().chain(y.keys()).collect::<BTreeSet<_>>() {
                    walk(
                        x.get(key).unwrap_or(&Value::Null),
                        y.get(key).unwrap_or(&Value::Null),
                        format!("{path}/{key}"),
                        out,
                    );
                }
            }
            _ if a != b => {
                out.insert(path);
            }
            _ => {}
        }
    }
    let index = |s: &Value| -> BTreeMap<String, Value> {
        s["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| (r["arn"].as_str().unwrap_or_default().to_string(), r.clone()))
            .collect()
    };
    let (a, b) = (index(before), index(after));
    let mut out = BTreeMap::new();
    for arn in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        let mut fields = BTreeSet::new();
        walk(a.get(arn).unwrap_or(&Value::Null), b.get(arn).unwrap_or(&Value::Null), String::new(), &mut fields);
        fields.retain(|f| !INCIDENTAL.iter().any(|i| f == i || f.starts_with(&format!("{i}/"))));
        if !fields.is_empty() {
            out.insert(arn.clone(), fields);
        }
    }
    out
}

/// Whether `field` (a changed leaf) lies under one of the step fields planned for `arn`.
fn planned(plan: &Value, arn: &str, field: &str, only_reversible: bool) -> bool {
    plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["target"] == arn && (!only_reversible || s["reversible"] == true))
        .any(|s| {
            s["changes"].as_array().expect("changes").iter().any(|c| {
                let f = c["field"].as_str().unwrap_or_default();
                field == f || field.starts_with(&format!("{f}/"))
            })
        })
}

fn fingerprints(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        .collect()
}

fn audit(account: &Account, snapshot: &str) -> Value {
    let out = bbscan()
        .args(["audit", "--format", "json", "--fail-on", "none", "--snapshot"])
        .arg(account.path(snapshot))
        .output()
        .expect("run");
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

#[test]
fn every_planned_action_applies_fixes_its_findings_and_rolls_back() {
    let account = Account::seeded();
    let before = account.snapshot("before.json");
    let plan = account.plan("before.json", "plan.json");
    let steps = plan["steps"].as_array().expect("steps");
    let kinds: BTreeSet<&str> = steps.iter().filter_map(|s| s["action"].as_str()).collect();
    for kind in [
        "s3.put_public_access_block",
        "s3.put_account_public_access_block",
        "s3.put_default_encryption",
        "s3.enable_versioning",
        "s3.put_noncurrent_version_expiration",
        "s3.add_secure_transport_deny",
        "s3.remove_policy_statement",
        "cloudtrail.enable_log_file_validation",
        "cloudtrail.enable_multi_region",
        "kms.enable_key_rotation",
        "logs.put_retention_policy",
        "ssm.convert_to_secure_string",
    ] {
        assert!(kinds.contains(kind), "the dev stage plan exercises {kind}: {kinds:?}");
    }
    let show = bbscan().args(["plan", "show"]).arg(account.path("plan.json")).output().expect("run");
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("~ /config/public_access_block") && shown.contains("reversible"), "{shown}");

    let out =
        account.run(&["apply", account.path("plan.json").to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    account.assert_no_secret(&out);
    assert!(account.path("plan.journal").is_file(), "the journal sits beside the plan");

    // Every finding a step fixed is gone; the snapshot changed only in planned fields.
    let after = account.snapshot("after.json");
    let fixed: BTreeSet<String> = steps
        .iter()
        .flat_map(|s| {
            s["fixes"].as_array().expect("fixes").iter().filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        })
        .collect();
    let still = fingerprints(&audit(&account, "after.json"));
    assert!(
        fixed.is_disjoint(&still),
        "findings a step fixed are still reported: {:?}",
        fixed.intersection(&still).collect::<Vec<_>>()
    );
    for (arn, fields) in differences(&before, &after) {
        for field in fields {
            assert!(planned(&plan, &arn, &field, false), "{arn} changed {field}, which no step planned");
        }
    }
    for step in steps {
        let arn = step["target"].as_str().expect("target");
        let changed = differences(&before, &after).remove(arn).unwrap_or_default();
        assert!(!changed.is_empty(), "step {} changed nothing on {arn}", step["id"]);
    }

    // Rollback puts back everything reversible, exactly.
    let journal = account.path("plan.journal");
    let out = account.run(&["rollback", journal.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    account.assert_no_secret(&out);
    let rolled = account.snapshot("rolled.json");
    for (arn, fields) in differences(&before, &rolled) {
        for field in fields {
            assert!(
                planned(&plan, &arn, &field, false) && !planned(&plan, &arn, &field, true),
                "after rollback {arn} still differs in {field}"
            );
        }
    }
    // A second rollback finds nothing left to undo.
    let out = account.run(&["rollback", journal.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).contains("0 steps undone"));
}

#[test]
fn stale_plans_other_accounts_and_dry_runs_change_nothing() {
    let account = Account::seeded();
    let before = account.snapshot("before.json");
    let plan = account.plan("before.json", "plan.json");
    let plan_path = account.path("plan.json");

    // Dry run: reads, prints the calls, writes nothing, keeps no journal.
    let out = account.run(&["apply", plan_path.to_str().expect("path"), "--dry-run"], &account.moto.endpoint);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("s3:PutPublicAccessBlock") && stderr.contains("nothing changed"), "{stderr}");
    assert!(!account.path("plan.journal").exists());
    assert!(differences(&before, &account.snapshot("dry.json")).is_empty(), "a dry run changed the account");

    // Without a terminal and without --yes, nothing happens.
    let out = account.run(&["apply", plan_path.to_str().expect("path")], &account.moto.endpoint);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));

    // A plan for another account is refused before anything is read or written.
    let mut other = plan.clone();
    other["account_id"] = Value::from("210987654321");
    let other_path = account.path("other.json");
    std::fs::write(&other_path, serde_json::to_vec(&other).expect("JSON")).expect("write");
    let out = account.run(&["apply", other_path.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the plan is for account 210987654321"));

    // The first step's resource changes after planning: the plan is stale, nothing runs.
    let first = &plan["steps"][0];
    assert_eq!(first["action"], "s3.remove_policy_statement", "{first}");
    let bucket = first["params"]["bucket"].as_str().expect("bucket");
    let python = bbscan_tests::moto_python();
    let changed = std::process::Command::new(python)
        .args(["-c", "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t').delete_bucket_policy(Bucket=sys.argv[2])"])
        .args([&account.moto.endpoint, bucket])
        .status()
        .expect("run python");
    assert!(changed.success());
    let edited = account.snapshot("edited.json");
    let out = account.run(&["apply", plan_path.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is stale") && stderr.contains("/config/policy"), "{stderr}");
    assert!(differences(&edited, &account.snapshot("after-stale.json")).is_empty(), "a stale plan changed something");

    // Bad plan files are refused with a next step.
    let junk = account.path("junk.json");
    std::fs::write(&junk, "{\"plan_version\": 1}").expect("write");
    let out = account.run(&["apply", junk.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bbscan plan -o plan.json"));
}

fn wait_for(path: &Path, text: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if std::fs::read_to_string(path).unwrap_or_default().contains(text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn an_apply_killed_inside_a_step_resumes_to_completion_and_rolls_back() {
    let account = Account::seeded();
    let before = account.snapshot("before.json");
    let plan = account.plan("before.json", "plan.json");
    let kms_step = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["action"] == "kms.enable_key_rotation")
        .expect("a KMS step")["id"]
        .clone();

    // The KMS write hangs in the proxy; the process is killed while it waits.
    let proxy = FaultProxy::start(
        &account.moto.endpoint,
        vec![Rule::on("kms", "EnableKeyRotation", Fault::Delay(Duration::from_secs(60))).times(1)],
    );
    let mut child = std::process::Command::new(bbscan_tests::bbscan_path());
    for (key, _) in std::env::vars_os().filter(|(k, _)| k.to_string_lossy().starts_with("AWS_")) {
        child.env_remove(key);
    }
    let mut child = child
        .args(["apply", account.path("plan.json").to_str().expect("path"), "--yes", "-q"])
        .args(["--endpoint-url", &proxy.endpoint, "--region", REGION])
        .envs(bbscan_tests::test_env())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start bbscan apply");
    let journal = account.path("plan.journal");
    let begun = format!("{{\"event\":\"begin\",\"step\":{kms_step}");
    let reached = wait_for(&journal, &begun, Duration::from_secs(60));
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(reached, "the apply reached the KMS step");
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(!text.contains(&format!("{{\"event\":\"done\",\"step\":{kms_step}")), "killed inside the step");

    let out = account.run(&["apply", "--resume", journal.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&journal).expect("journal");
    for step in plan["steps"].as_array().expect("steps") {
        assert!(text.contains(&format!("{{\"event\":\"done\",\"step\":{}", step["id"])), "step {} done", step["id"]);
    }
    let after = account.snapshot("after.json");
    assert_eq!(after["resources"].as_array().map(Vec::len), before["resources"].as_array().map(Vec::len));

    let out = account.run(&["rollback", journal.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (arn, fields) in differences(&before, &account.snapshot("rolled.json")) {
        for field in fields {
            assert!(!planned(&plan, &arn, &field, true), "after rollback {arn} still differs in {field}");
        }
    }
}
