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

/// Fields of one kind that move on their own or as a side effect: moto issues a requested
/// certificate a while after it is requested, and the account summary counts the policy
/// versions attached anywhere, which any detach or attach changes.
/// Per kind: fields AWS keeps itself (a certificate's status, counters of policy use: detaching
/// a policy lowers its attachment count).
const INCIDENTAL_OF_KIND: &[(&str, &str)] = &[
    ("acm.certificate", "/config/status"),
    ("iam.account", "/config/summary/PolicyVersionsInUse"),
    ("iam.policy", "/config/attachment_count"),
];

/// Run a Python snippet against moto with boto3 (`client(service)` is defined for it);
/// `sys.argv[1:]` are `args`.
fn boto3(account: &Account, script: &str, args: &[&str]) {
    let prelude = "import boto3, json, sys\n\
                   client = lambda s: boto3.client(s, endpoint_url=ENDPOINT, region_name='us-east-1', \
                   aws_access_key_id='t', aws_secret_access_key='t')\n";
    let program = format!("ENDPOINT = {:?}\n{prelude}{script}", account.moto.endpoint);
    let out = std::process::Command::new(bbscan_tests::moto_python())
        .args(["-c", &program])
        .args(args)
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

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

    /// A snapshot of the dev stage.
    fn snapshot(&self, name: &str) -> Value {
        self.snapshot_of(name, Some("dev"))
    }

    /// A snapshot of one stage, or of the whole account. Without CloudTrail usage: these tests
    /// are about the other actions (tests/usage.rs plans from usage), and once a step denies
    /// plain HTTP on the trail's bucket, moto — which treats a statement whose condition it
    /// cannot check as a Deny — refuses the log files to a reader on its plain-HTTP endpoint.
    fn snapshot_of(&self, name: &str, stage: Option<&str>) -> Value {
        let path = self.path(name);
        let mut args = vec!["snapshot", "-q", "--usage-days", "0", "-o", path.to_str().expect("path")];
        if let Some(stage) = stage {
            args.extend(["--stage", stage]);
        }
        let out = self.run(&args, &self.moto.endpoint);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&std::fs::read_to_string(path).expect("snapshot")).expect("JSON")
    }

    fn plan(&self, snapshot: &str, plan: &str) -> Value {
        self.plan_with(snapshot, plan, None)
    }

    /// A plan from a snapshot, with the settings of `config` when given.
    fn plan_with(&self, snapshot: &str, plan: &str, config: Option<&Path>) -> Value {
        let mut cmd = bbscan();
        cmd.args([
            "plan",
            "--snapshot",
            self.path(snapshot).to_str().expect("path"),
            "-o",
            self.path(plan).to_str().expect("path"),
        ]);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        let out = cmd.output().expect("run");
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
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(u, v, format!("{path}/{i}"), out);
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
        let kind = a.get(arn).or(b.get(arn)).and_then(|r| r["kind"].as_str()).unwrap_or_default();
        fields.retain(|f| !INCIDENTAL.iter().any(|i| f == i || f.starts_with(&format!("{i}/"))));
        fields.retain(|f| !INCIDENTAL_OF_KIND.iter().any(|(k, i)| *k == kind && f == i));
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

fn audit(account: &Account, snapshot: &str, config: Option<&Path>) -> Value {
    let mut cmd = bbscan();
    cmd.args(["audit", "--format", "json", "--fail-on", "none", "--snapshot"]).arg(account.path(snapshot));
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    let out = cmd.output().expect("run");
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// Apply `plan` (written at `plan_file`), audit again, roll back: every finding a step fixed is
/// gone, the account changed only in planned fields (and every step changed something), and
/// rollback restores every reversible field exactly. `stage` and `config` are the ones the
/// plan's snapshot was taken and planned with.
fn round_trip(
    account: &Account,
    before: &Value,
    plan: &Value,
    plan_file: &str,
    stage: Option<&str>,
    config: Option<&Path>,
) {
    let steps = plan["steps"].as_array().expect("steps");
    let plan_path = account.path(plan_file);
    let out = account.run(&["apply", plan_path.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    account.assert_no_secret(&out);
    let journal = plan_path.with_extension("journal");
    assert!(journal.is_file(), "the journal sits beside the plan");

    // Every finding a step fixed is gone; the snapshot changed only in planned fields.
    let after = account.snapshot_of("after.json", stage);
    let fixed: BTreeSet<String> = steps
        .iter()
        .flat_map(|s| {
            s["fixes"].as_array().expect("fixes").iter().filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        })
        .collect();
    let still = fingerprints(&audit(account, "after.json", config));
    assert!(
        fixed.is_disjoint(&still),
        "findings a step fixed are still reported: {:?}",
        fixed.intersection(&still).collect::<Vec<_>>()
    );
    // And the plan caused nothing: every finding after it was there before it.
    let had = fingerprints(&audit(account, "before.json", config));
    let caused: Vec<&String> = still.difference(&had).collect();
    assert!(caused.is_empty(), "the applied plan raised new findings: {caused:?}");
    for (arn, fields) in differences(before, &after) {
        for field in fields {
            assert!(planned(plan, &arn, &field, false), "{arn} changed {field}, which no step planned");
        }
    }
    for step in steps {
        let arn = step["target"].as_str().expect("target");
        let changed = differences(before, &after).remove(arn).unwrap_or_default();
        assert!(!changed.is_empty(), "step {} changed nothing on {arn}", step["id"]);
    }
    // `bbscan diff` of the two snapshots says the same: nothing added or removed, and exactly
    // the resources the steps changed, in planned fields only.
    let drift = bbscan()
        .args(["diff", "--no-findings", "--format", "json"])
        .arg(account.path("before.json"))
        .arg(account.path("after.json"))
        .output()
        .expect("run bbscan diff");
    assert!(drift.status.success(), "{}", String::from_utf8_lossy(&drift.stderr));
    let drift: Value = serde_json::from_slice(&drift.stdout).expect("drift JSON");
    let resources = &drift["resources"];
    assert_eq!(resources["added"], serde_json::json!([]), "{resources}");
    assert_eq!(resources["removed"], serde_json::json!([]), "{resources}");
    let mut drifted = BTreeSet::new();
    for change in resources["changed"].as_array().expect("changed") {
        let arn = change["resource"]["arn"].as_str().expect("arn");
        let kind = change["resource"]["kind"].as_str().expect("kind");
        for field in change["fields"].as_array().expect("fields") {
            let pointer = field["pointer"].as_str().expect("pointer");
            let incidental = INCIDENTAL.iter().any(|i| pointer == *i || pointer.starts_with(&format!("{i}/")))
                || INCIDENTAL_OF_KIND.iter().any(|(k, i)| *k == kind && pointer == *i);
            if !incidental {
                assert!(planned(plan, arn, pointer, false), "diff: {arn} changed {pointer}, which no step planned");
                assert_ne!(field["old"], field["new"], "{field}");
                drifted.insert(arn.to_string());
            }
        }
    }
    let changed: BTreeSet<String> = differences(before, &after).into_keys().collect();
    assert_eq!(drifted, changed, "bbscan diff names exactly the resources the plan changed");

    // Rollback puts back everything reversible, exactly.
    let out = account.run(&["rollback", journal.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    account.assert_no_secret(&out);
    let rolled = account.snapshot_of("rolled.json", stage);
    for (arn, fields) in differences(before, &rolled) {
        for field in fields {
            assert!(
                planned(plan, &arn, &field, false) && !planned(plan, &arn, &field, true),
                "after rollback {arn} still differs in {field}"
            );
        }
    }
    // A second rollback finds nothing left to undo.
    let out = account.run(&["rollback", journal.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).contains("0 steps undone"));
}

fn actions(plan: &Value) -> BTreeSet<String> {
    plan["steps"].as_array().expect("steps").iter().filter_map(|s| s["action"].as_str().map(str::to_string)).collect()
}

#[test]
fn every_planned_action_applies_fixes_its_findings_and_rolls_back() {
    let account = Account::seeded();
    let before = account.snapshot("before.json");
    let plan = account.plan("before.json", "plan.json");
    let kinds = actions(&plan);
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
        "lambda.remove_permission",
        "lambda.set_function_url_auth_type",
        "iam.detach_policy",
    ] {
        assert!(kinds.contains(kind), "the dev stage plan exercises {kind}: {kinds:?}");
    }
    // Versioning never comes alone: its noncurrent versions would pile up (a new finding).
    let steps = plan["steps"].as_array().expect("steps");
    for s in steps.iter().filter(|s| s["action"] == "s3.enable_versioning") {
        assert!(
            steps.iter().any(|c| c["action"] == "s3.put_noncurrent_version_expiration" && c["target"] == s["target"]),
            "versioning of {} is planned without its lifecycle companion",
            s["target"]
        );
    }
    let show = bbscan().args(["plan", "show"]).arg(account.path("plan.json")).output().expect("run");
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("~ /config/public_access_block") && shown.contains("reversible"), "{shown}");
    // The params exactly as they will be sent, for every step.
    let i = step_of(&plan, "s3.put_public_access_block");
    let bucket = plan["steps"][i]["params"]["bucket"].as_str().expect("bucket");
    assert!(shown.contains(&format!("param bucket = \"{bucket}\"")), "{shown}");
    assert_eq!(
        shown.matches("   param ").count(),
        plan["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["params"].as_object().map_or(0, |p| p.len()))
            .sum::<usize>(),
        "{shown}"
    );
    round_trip(&account, &before, &plan, "plan.json", Some("dev"), None);
}

/// The whole account (production and dev), with the settings that turn on the GitHub OIDC and
/// tag proposals: every CloudFront, Lambda, IAM and tag action round-trips through moto.
#[test]
fn cloudfront_lambda_iam_and_tag_actions_round_trip_across_the_account() {
    let account = Account::seeded();
    // The seeded account has every tag and its one custom-certificate distribution already
    // allows only TLSv1.2_2021: take one sst:app tag off one production resource of each
    // taggable kind (and the account's trail), and lower that distribution's TLS floor, so
    // that the tag and TLS actions have something to fix.
    let seeded = account.snapshot_of("seeded.json", Some("production"));
    let resources = seeded["resources"].as_array().expect("resources");
    let taggable = [
        "lambda.function",
        "logs.log_group",
        "kms.key",
        "cloudtrail.trail",
        "cloudwatch.alarm",
        "cloudfront.distribution",
    ];
    let untag: Vec<(&str, &str)> = taggable
        .iter()
        .map(|kind| {
            let r = resources.iter().find(|r| r["kind"] == *kind).unwrap_or_else(|| panic!("a production {kind}"));
            (*kind, r["arn"].as_str().expect("arn"))
        })
        .collect();
    let distribution = resources
        .iter()
        .find(|r| {
            r["kind"] == "cloudfront.distribution"
                && r["config"]["viewer_certificate"]["cloudfront_default_certificate"] == false
        })
        .expect("a distribution with a custom certificate");
    boto3(
        &account,
        "for kind, arn in json.loads(sys.argv[1]):
    if kind == 'lambda.function': client('lambda').untag_resource(Resource=arn, TagKeys=['sst:app'])
    elif kind == 'logs.log_group': client('logs').untag_resource(resourceArn=arn, tagKeys=['sst:app'])
    elif kind == 'kms.key': client('kms').untag_resource(KeyId=arn, TagKeys=['sst:app'])
    elif kind == 'cloudtrail.trail': client('cloudtrail').remove_tags(ResourceId=arn, TagsList=[{'Key': 'sst:app'}])
    elif kind == 'cloudwatch.alarm': client('cloudwatch').untag_resource(ResourceARN=arn, TagKeys=['sst:app'])
    elif kind == 'cloudfront.distribution': client('cloudfront').untag_resource(Resource=arn, TagKeys={'Items': ['sst:app']})
cf = client('cloudfront')
got = cf.get_distribution_config(Id=sys.argv[2])
got['DistributionConfig']['ViewerCertificate']['MinimumProtocolVersion'] = 'TLSv1.2_2019'
cf.update_distribution(Id=sys.argv[2], IfMatch=got['ETag'], DistributionConfig=got['DistributionConfig'])
",
        &[&serde_json::to_string(&untag).expect("JSON"), distribution["name"].as_str().expect("id")],
    );
    let config = account.path("bbscan.toml");
    std::fs::write(
        &config,
        "[policies.bbscan-iam]\ngithub_repository = \"brainbytes/app\"\n\n\
         [policies.bbscan-tags]\ntag_values = { \"sst:app\" = \"brainbytes\" }\n",
    )
    .expect("write config");

    let before = account.snapshot_of("before.json", None);
    let mut plan = account.plan_with("before.json", "plan.json", Some(&config));
    // No built-in policy proposes reserved concurrency: add that step by hand, as a reviewer
    // editing the plan could, on a function that has none.
    let function = before["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["kind"] == "lambda.function" && r["config"]["reserved_concurrency"].is_null())
        .expect("a function without reserved concurrency");
    let steps = plan["steps"].as_array_mut().expect("steps");
    steps.push(serde_json::json!({
        "id": steps.len() + 1, "action": "lambda.put_reserved_concurrency", "version": 1,
        "target": function["arn"], "kind": "lambda.function", "name": function["name"], "region": function["region"],
        "params": {"function": function["name"], "reserved_concurrency": 5}, "fixes": [],
        "changes": [{"field": "/config/reserved_concurrency", "current": null, "new": 5}],
        "risks": [], "reversible": true
    }));
    std::fs::write(account.path("plan.json"), serde_json::to_vec_pretty(&plan).expect("JSON")).expect("write plan");

    let kinds = actions(&plan);
    for kind in [
        "cloudfront.set_viewer_protocol_policy",
        "cloudfront.set_minimum_protocol_version",
        "lambda.remove_permission",
        "lambda.set_function_url_auth_type",
        "lambda.put_reserved_concurrency",
        "iam.detach_policy",
        "iam.restrict_github_oidc_trust",
        "tags.add_tags",
    ] {
        assert!(kinds.contains(kind), "the account plan exercises {kind}: {kinds:?}");
    }
    let steps = plan["steps"].as_array().expect("steps");
    let tagged: BTreeSet<&str> =
        steps.iter().filter(|s| s["action"] == "tags.add_tags").filter_map(|s| s["kind"].as_str()).collect();
    for kind in taggable.iter().chain(&["s3.bucket"]) {
        assert!(tagged.contains(kind), "a tags.add_tags step on a {kind}: {tagged:?}");
    }
    for step in steps.iter().filter(|s| s["action"] == "tags.add_tags") {
        for change in step["changes"].as_array().expect("changes") {
            assert!(change["field"].as_str().is_some_and(|f| f.starts_with("/tags/")) && change["current"].is_null());
        }
    }
    for step in steps.iter().filter(|s| s["action"] == "iam.restrict_github_oidc_trust") {
        let trust = serde_json::to_string(&step["changes"][0]["new"]).expect("JSON");
        assert!(trust.contains("repo:brainbytes/app:ref:refs/heads/main"), "{trust}");
    }
    let permission = steps.iter().find(|s| s["action"] == "lambda.remove_permission").expect("step");
    assert_eq!(permission["reversible"], true, "moto's statement maps onto AddPermission: {permission}");

    round_trip(&account, &before, &plan, "plan.json", None, Some(&config));
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
    // (Its bucket steps, whose ARNs name no account; a step naming this account in a plan for
    // another is refused by the plan's own header.)
    let mut other = plan.clone();
    other["account_id"] = Value::from("210987654321");
    let other_path = account.path("other.json");
    std::fs::write(&other_path, serde_json::to_vec(&other).expect("JSON")).expect("write");
    let out = account.run(&["apply", other_path.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("targets account 123456789012, the plan is for 210987654321")
    );
    let steps = other["steps"].as_array_mut().expect("steps");
    steps.retain(|s| s["kind"] == "s3.bucket");
    for (i, s) in steps.iter_mut().enumerate() {
        s["id"] = Value::from(i + 1);
    }
    std::fs::write(&other_path, serde_json::to_vec(&other).expect("JSON")).expect("write");
    let out = account.run(&["apply", other_path.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the plan is for account 210987654321"));

    // The first step's resource changes after planning: the plan is stale, nothing runs.
    // (Removals run first, and the dev server function sorts before the buckets.)
    let first = &plan["steps"][0];
    assert_eq!(first["action"], "lambda.remove_permission", "{first}");
    boto3(
        &account,
        "client('lambda').remove_permission(FunctionName=sys.argv[1], StatementId=sys.argv[2])",
        &[
            first["params"]["function"].as_str().expect("function"),
            first["params"]["statement_id"].as_str().expect("statement"),
        ],
    );
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

/// Write `plan` as a plan file named `name`; apply it with --yes and return the output.
fn apply_edited(account: &Account, plan: &Value, name: &str) -> Output {
    let path = account.path(name);
    std::fs::write(&path, serde_json::to_vec_pretty(plan).expect("JSON")).expect("write plan");
    account.run(&["apply", path.to_str().expect("path"), "--yes"], &account.moto.endpoint)
}

/// The index of the first step with this action.
fn step_of(plan: &Value, action: &str) -> usize {
    plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .position(|s| s["action"] == action)
        .unwrap_or_else(|| panic!("the plan has a {action} step"))
}

#[test]
fn an_edited_plan_applies_nothing_it_was_not_reviewed_for() {
    let account = Account::seeded();
    let before = account.snapshot("before.json");
    let plan = account.plan("before.json", "plan.json");
    let refused = |edited: &Value, name: &str, expect: &[&str]| {
        let out = apply_edited(&account, edited, name);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        for e in expect {
            assert!(stderr.contains(e), "{name}: expected {e:?} in\n{stderr}");
        }
    };

    // A bucket policy the plan writes, widened after review: the written document would be the
    // plan's, so apply derives it again from the live bucket and the params, and refuses.
    let mut edited = plan.clone();
    let i = step_of(&plan, "s3.add_secure_transport_deny");
    let reviewed = plan["steps"][i]["changes"][0]["new"]["Statement"].as_array().expect("statements").len();
    let new = &mut edited["steps"][i]["changes"][0]["new"];
    new["Statement"].as_array_mut().expect("statements").push(serde_json::json!({
        "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"
    }));
    refused(
        &edited,
        "widened.json",
        &[
            "is not what was reviewed",
            &format!(
                "/config/policy/Statement after the step is \"{} items\" in the plan, but the action makes it \"{reviewed} items\"",
                reviewed + 1
            ),
            "was changed after bbscan wrote it",
        ],
    );
    assert!(
        !String::from_utf8_lossy(&apply_edited(&account, &edited, "widened-again.json").stderr).contains("applying"),
        "nothing is written before every step is checked"
    );

    // Params that name another resource than the step's target.
    let mut edited = plan.clone();
    let i = step_of(&plan, "s3.put_default_encryption");
    let other = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["params"]["bucket"].as_str())
        .find(|b| Some(*b) != plan["steps"][i]["params"]["bucket"].as_str())
        .expect("a second bucket in the plan")
        .to_string();
    edited["steps"][i]["params"]["bucket"] = Value::from(other.clone());
    refused(
        &edited,
        "other-bucket.json",
        &["refused on the live resource", &format!("parameter bucket is \"{other}\"")],
    );

    // A step moved to a resource of another stage (the plan is for dev): refused by the
    // resource's own tags, whatever its state.
    let prod = before_production(&account);
    let mut edited = plan.clone();
    let i = step_of(&plan, "s3.put_public_access_block");
    let step = &mut edited["steps"][i];
    step["target"] = Value::from(prod["arn"].as_str().expect("arn"));
    step["name"] = prod["name"].clone();
    step["params"]["bucket"] = prod["name"].clone();
    refused(
        &edited,
        "other-stage.json",
        &["tagged for app brainbytes stage production", "the plan is for app brainbytes stage dev"],
    );

    // A step that changes nothing, another bbscan's plan, a region the plan does not cover.
    let mut edited = plan.clone();
    let change = &mut edited["steps"][0]["changes"][0];
    change["new"] = change["current"].clone();
    refused(&edited, "no-change.json", &["changes nothing"]);
    let mut edited = plan.clone();
    edited["bbscan_version"] = Value::from("0.0.1");
    refused(&edited, "old-bbscan.json", &["made by bbscan 0.0.1", "Make a new plan"]);
    let mut edited = plan.clone();
    edited["steps"][0]["region"] = Value::from("eu-west-3");
    refused(&edited, "other-region.json", &["region eu-west-3, not one of the plan's"]);

    // None of it wrote anything, and no refused plan left a journal behind.
    assert!(
        differences(&before, &account.snapshot("after-refusals.json")).is_empty(),
        "an edited plan changed the account"
    );
    for name in ["no-change", "old-bbscan", "other-region"] {
        assert!(!account.path(&format!("{name}.journal")).exists(), "{name}: refused before a journal was started");
    }

    // A journal resumes only with its own plan, and only while its plan is the one it started.
    let plan_path = account.path("plan.json");
    let out = account.run(&["apply", plan_path.to_str().expect("path"), "--yes"], &account.moto.endpoint);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let journal = account.path("plan.journal");
    let other_plan = account.path("no-change.json");
    let out = account.run(
        &["apply", other_plan.to_str().expect("path"), "--resume", journal.to_str().expect("path"), "--yes"],
        &account.moto.endpoint,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the journal records plan"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&journal).expect("journal");
    let (first, rest) = text.split_once('\n').expect("lines");
    let mut start: Value = serde_json::from_str(first).expect("JSON");
    start["plan"]["steps"][0]["params"]["bucket"] = Value::from("someone-elses-bucket");
    let tampered = account.path("tampered.journal");
    std::fs::write(&tampered, format!("{}\n{rest}", serde_json::to_string(&start).expect("JSON"))).expect("write");
    let out = bbscan()
        .args(["rollback", tampered.to_str().expect("path"), "--yes", "--endpoint-url", &account.moto.endpoint])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it was edited"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A production bucket of the seeded account, as its snapshot has it.
fn before_production(account: &Account) -> Value {
    let snapshot = account.snapshot_of("production.json", Some("production"));
    snapshot["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["kind"] == "s3.bucket" && r["tags"]["sst:stage"] == "production")
        .cloned()
        .expect("a production bucket tagged with its stage")
}
