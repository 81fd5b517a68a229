//! Least privilege from real usage, end to end through the real binary and a real moto server:
//! the seeded account's trail bucket holds 40 days of CloudTrail log files (the documented
//! record format, with secrets in request parameters and response elements); `bbscan snapshot`
//! reads them into exact used sets; the usage rules and the generated least-privilege policy
//! follow; apply narrows the role, the evaluator still allows what it used, rollback restores
//! the documents exactly. Damaged logs are gaps, never a crash, never "unused".
//!
//! moto stamps every principal with the moment it was seeded, so in the fake account every
//! role was "created" after its logs begin and would not be judged. The tests that judge
//! usage set the principals' creation dates back to 2010 in the snapshot file they audit, as a
//! real account's principals predate its logs; nothing else in it is touched.

use bbscan_tests::{Moto, REGION, assert_valid_snapshot, bbscan};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const ACCOUNT: &str = "123456789012";
/// Days of log files `seed.py` writes (TRAIL_DAYS).
const TRAIL_DAYS: u64 = 40;

fn snapshot(moto: &Moto, dir: &Path, name: &str, extra: &[&str]) -> (Value, std::path::PathBuf) {
    let path = dir.join(name);
    let out = bbscan()
        .args(["snapshot", "-q", "--endpoint-url", &moto.endpoint, "--region", REGION, "-o"])
        .arg(&path)
        .args(extra)
        .output()
        .expect("run bbscan");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&std::fs::read(&path).expect("snapshot written")).expect("JSON");
    (doc, path)
}

/// The snapshot with every user's and role's creation date long before the logs.
fn backdated(doc: &Value, dir: &Path, name: &str) -> std::path::PathBuf {
    let mut doc = doc.clone();
    for r in doc["resources"].as_array_mut().expect("resources") {
        if matches!(r["kind"].as_str(), Some("iam.role" | "iam.user")) && r["config"]["create_date"].is_string() {
            r["config"]["create_date"] = json!("2010-01-01T00:00:00Z");
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&doc).expect("JSON")).expect("write");
    path
}

fn resource<'a>(doc: &'a Value, kind: &str, name: &str) -> &'a Value {
    doc["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["kind"] == kind && r["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in the snapshot"))
}

fn coverage(doc: &Value) -> &Value {
    &doc["resources"].as_array().expect("resources").iter().find(|r| r["kind"] == "cloudtrail.usage").expect("usage")["config"]
}

fn actions(usage: &Value, list: &str) -> BTreeSet<String> {
    usage[list].as_array().expect("a list").iter().map(|a| a["action"].as_str().expect("action").to_string()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn run_json(args: &[&str]) -> Value {
    let out = bbscan().args(args).output().expect("run bbscan");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule && f["status"] == "fail")
        .collect()
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

#[test]
fn the_logs_are_read_into_exact_used_sets_and_no_secret() {
    let moto = Moto::start();
    let manifest = moto.seed(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let (doc, path) = snapshot(&moto, dir.path(), "snap.json", &[]);
    assert_valid_snapshot(&doc);

    let c = coverage(&doc);
    assert_eq!(c["source"], "s3");
    assert_eq!(c["days_covered"], TRAIL_DAYS + 1, "the last 40 days and today: {c}");
    assert_eq!(c["missing_days"], json!([]));
    assert_eq!(c["unreadable_total"], 0);
    // 40 daily files, today's, the root sign-in, the file with unknown fields; not the digest,
    // not the file from 400 days ago (its month is never listed).
    assert_eq!(c["files_read"], TRAIL_DAYS + 3);
    assert_eq!((c["logging"].clone(), c["all_regions_recorded"].clone()), (json!(true), json!(true)));
    assert_eq!(c["data_events"], json!(["AWS::Lambda::Function", "AWS::S3::Object", "AWS::SQS::Queue"]));
    assert_eq!((c["management_reads"].clone(), c["management_writes"].clone()), (json!(true), json!(true)));

    let worker = &resource(&doc, "iam.role", "brainbytes-WorkerRole")["config"]["usage"];
    assert_eq!(actions(worker, "actions"), set(&["sqs:SendMessage", "ssm:GetParameter"]));
    let get = &worker["actions"].as_array().unwrap().iter().find(|a| a["action"] == "ssm:GetParameter").unwrap();
    assert_eq!(get["count"], TRAIL_DAYS * 3 + 1, "three parameters a day, and the record with unknown fields");
    assert_eq!(get["resources"].as_array().map(Vec::len), Some(3));
    let server = &resource(&doc, "iam.role", "brainbytes-production-ServerFunctionRole")["config"]["usage"];
    assert_eq!(actions(server, "actions"), set(&["kms:Decrypt", "ssm:GetParameter"]));
    assert_eq!(server["assumed"], TRAIL_DAYS, "Lambda assumed it every day");
    let deploy = &resource(&doc, "iam.role", "brainbytes-production-GithubDeployRole")["config"]["usage"];
    assert_eq!(
        actions(deploy, "actions"),
        set(&["cloudfront:CreateInvalidation", "lambda:GetFunction", "lambda:UpdateFunctionCode", "s3:ListBucket", "s3:PutObject"])
    );
    assert_eq!(deploy["assumed"], TRAIL_DAYS / 5);
    let put = deploy["actions"].as_array().unwrap().iter().find(|a| a["action"] == "s3:PutObject").unwrap();
    let assets = put["resources"][0].as_str().expect("the bucket");
    assert_eq!(put["resources"], json!([assets, format!("{assets}/*")]), "object keys are never kept");
    let dev = &resource(&doc, "iam.role", "brainbytes-dev-ServerFunctionRole")["config"]["usage"];
    assert!(actions(dev, "actions").is_empty(), "refused calls are not use");
    assert_eq!(actions(dev, "denied"), set(&["ssm:GetParameter"]));
    let alice = &resource(&doc, "iam.user", "alice")["config"]["usage"];
    assert_eq!(actions(alice, "actions"), set(&["lambda:ListFunctions", "s3:ListAllMyBuckets"]));
    assert_eq!(actions(alice, "unmapped"), set(&["signin:ConsoleLogin"]));
    let ci = &resource(&doc, "iam.user", "ci-bot")["config"]["usage"];
    assert_eq!(actions(ci, "actions"), set(&["lambda:UpdateFunctionCode"]), "not the DeleteUser of 400 days ago");
    assert_eq!(resource(&doc, "iam.account", ACCOUNT)["config"]["root_usage"]["events"], 1);
    let idle = &resource(&doc, "iam.role", "brainbytes-PartnerRole")["config"]["usage"];
    assert_eq!((idle["events"].clone(), idle["assumed"].clone()), (json!(0), json!(0)));

    // The records carried a secret in their request parameters and response elements.
    let text = std::fs::read_to_string(&path).expect("read");
    for secret in manifest.secret_values() {
        assert!(!text.contains(&secret), "a secret value reached the snapshot");
    }
    for field in ["withDecryption", "messageBody", "requestParameters", "responseElements", "/main.js"] {
        assert!(!text.contains(field), "{field} reached the snapshot");
    }

    // Off: no usage at all.
    let (off, _) = snapshot(&moto, dir.path(), "off.json", &["--usage-days", "0"]);
    assert!(off["resources"].as_array().unwrap().iter().all(|r| r["kind"] != "cloudtrail.usage"));
    assert_eq!(resource(&off, "iam.role", "brainbytes-WorkerRole")["config"]["usage"], Value::Null);
}

#[test]
fn a_generated_policy_is_planned_applied_proved_and_rolled_back() {
    let moto = Moto::start();
    moto.seed(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let (before, _) = snapshot(&moto, dir.path(), "before.json", &[]);
    let judged = backdated(&before, dir.path(), "judged.json");
    let judged_arg = judged.to_str().expect("path");

    // The worker, granted s3:*, ssm:* and sqs:*, used two actions.
    let report = run_json(&["audit", "--snapshot", judged_arg, "--format", "json", "--fail-on", "none"]);
    let worker = role_arn("brainbytes-WorkerRole");
    let unused = findings(&report, "IAM.UNUSED_PERMISSIONS");
    let f = unused.iter().find(|f| f["resource"]["arn"] == worker).expect("the worker's unused permissions");
    assert!(f["message"].as_str().unwrap().contains("used 2 of the"), "{}", f["message"]);
    // Principals that did nothing; the one refused every day.
    let idle: BTreeSet<&str> =
        findings(&report, "IAM.UNUSED_PRINCIPAL").iter().map(|f| f["resource"]["name"].as_str().unwrap()).collect();
    assert!(idle.contains("brainbytes-PartnerRole") && idle.contains("bob"), "{idle:?}");
    assert!(!idle.contains("brainbytes-WorkerRole") && !idle.contains("brainbytes-production-ImageOptimizerFunctionRole"));
    let denied = findings(&report, "IAM.DENIED_ATTEMPTS");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["resource"]["name"], "brainbytes-dev-ServerFunctionRole");
    // ROLE_UNUSED (IAM's last-used date) leaves the roles CloudTrail judged to UNUSED_PRINCIPAL.
    assert!(findings(&report, "IAM.ROLE_UNUSED").is_empty());

    let plan_path = dir.path().join("plan.json");
    let out = bbscan()
        .args(["plan", "--snapshot", judged_arg, "--only", "IAM.UNUSED_PERMISSIONS", "-o"])
        .arg(&plan_path)
        .output()
        .expect("run bbscan");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    let plan: Value = serde_json::from_slice(&std::fs::read(&plan_path).expect("plan")).expect("JSON");
    let step = plan["steps"].as_array().unwrap().iter().find(|s| s["target"] == worker).expect("a step for the worker");
    assert_eq!(step["action"], "iam.replace_with_least_privilege");
    let document = &step["params"]["document"];
    let granted: BTreeSet<String> = document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
            _ => vec![],
        })
        .collect();
    assert_eq!(granted, set(&["sqs:SendMessage", "ssm:GetParameter"]), "{document}");
    // The diff shows the old grant going and what the role loses.
    assert!(shown.contains("-         \"s3:*\",") && shown.contains("+       \"Action\": \"sqs:SendMessage\","), "{shown}");
    assert!(shown.contains("can no longer do 362 action(s)"), "{shown}");

    let run = |args: &[&str]| {
        bbscan().args(args).args(["--endpoint-url", &moto.endpoint, "--region", REGION]).output().expect("run bbscan")
    };
    let out = run(&["apply", plan_path.to_str().unwrap(), "--yes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Re-audited: the finding is gone, and the evaluator still allows what the worker used.
    let (after, after_path) = snapshot(&moto, dir.path(), "after.json", &[]);
    let after_judged = backdated(&after, dir.path(), "after-judged.json");
    let report = run_json(&[
        "audit",
        "--snapshot",
        after_judged.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
        "--only",
        "IAM.UNUSED_PERMISSIONS",
    ]);
    assert!(findings(&report, "IAM.UNUSED_PERMISSIONS").iter().all(|f| f["resource"]["arn"] != worker));
    let can = |action: &str, resource: &str| {
        run_json(&[
            "iam",
            "can",
            "brainbytes-WorkerRole",
            action,
            resource,
            "--snapshot",
            after_path.to_str().unwrap(),
            "--format",
            "json",
        ])["decision"]
            .clone()
    };
    let param = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/brainbytes/production/OpenaiApiKey");
    assert_eq!(can("ssm:GetParameter", &param), "allow");
    assert_eq!(can("sqs:SendMessage", &format!("arn:aws:sqs:us-east-1:{ACCOUNT}:brainbytes-jobs")), "allow");
    assert_eq!(can("ssm:PutParameter", &param), "implicit_deny");
    assert_eq!(can("s3:GetObject", "arn:aws:s3:::any-bucket/key"), "implicit_deny");
    assert_eq!(can("ssm:GetParameter", &format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/brainbytes/dev/DatabaseUrl")), "implicit_deny");

    // Rollback restores every document exactly.
    let journal = plan_path.with_extension("journal");
    let out = run(&["rollback", journal.to_str().unwrap(), "--yes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (restored, _) = snapshot(&moto, dir.path(), "restored.json", &[]);
    for r in before["resources"].as_array().unwrap().iter().filter(|r| matches!(r["kind"].as_str(), Some("iam.role" | "iam.user"))) {
        let now = resource(&restored, r["kind"].as_str().unwrap(), r["name"].as_str().unwrap());
        for field in ["inline_policies", "attached_policies"] {
            assert_eq!(now["config"][field], r["config"][field], "{} {field}", r["name"]);
        }
    }
}

#[test]
fn damaged_logs_are_gaps_never_a_crash_never_unused() {
    let moto = Moto::start();
    moto.seed_with(0, &["--damaged-logs"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (doc, _) = snapshot(&moto, dir.path(), "snap.json", &[]);
    let c = coverage(&doc);
    assert_eq!(c["unreadable_total"], 2, "{c}");
    let reasons: Vec<&str> = c["unreadable"].as_array().unwrap().iter().map(|u| u["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("gzip") || r.contains("deflate")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("not a CloudTrail log file")), "{reasons:?}");
    // A record dated after the collection: a wrong clock, counted as use at the collection time.
    assert_eq!(c["future_events"], 1);
    let worker = &resource(&doc, "iam.role", "brainbytes-WorkerRole")["config"]["usage"];
    assert!(actions(worker, "actions").contains("sqs:PurgeQueue"));

    // Incomplete logs prove use, never disuse.
    let judged = backdated(&doc, dir.path(), "judged.json");
    let judged_arg = judged.to_str().unwrap();
    let report = run_json(&["audit", "--snapshot", judged_arg, "--format", "json", "--fail-on", "none"]);
    assert!(findings(&report, "IAM.UNUSED_PERMISSIONS").is_empty());
    assert!(findings(&report, "IAM.UNUSED_PRINCIPAL").is_empty());
    assert_eq!(findings(&report, "IAM.DENIED_ATTEMPTS").len(), 1);

    // Judged anyway by setting, the plan still refuses without --accept-partial-usage.
    let config = dir.path().join("bbscan.toml");
    std::fs::write(&config, "[policies.bbscan-iam]\nusage_accept_partial = true\n").expect("write");
    let plan = |extra: &[&str]| {
        let out = bbscan()
            .args(["plan", "--snapshot", judged_arg, "--only", "IAM.UNUSED_PERMISSIONS", "--config"])
            .arg(&config)
            .args(["-o", dir.path().join("plan.json").to_str().unwrap()])
            .args(extra)
            .output()
            .expect("run bbscan");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&std::fs::read(dir.path().join("plan.json")).expect("plan")).expect("JSON")
    };
    let refused = plan(&[]);
    assert!(refused["steps"].as_array().unwrap().is_empty(), "{refused}");
    let reasons: Vec<&str> = refused["rejected"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(!reasons.is_empty() && reasons.iter().all(|r| r.contains("--accept-partial-usage") && r.contains("could not be read")), "{reasons:?}");
    let accepted = plan(&["--accept-partial-usage"]);
    let steps = accepted["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    assert!(steps.iter().all(|s| s["risks"].to_string().contains("Planned from incomplete usage")), "{accepted}");
}

#[test]
fn usage_from_downloaded_files() {
    use std::io::Write;
    let moto = Moto::start();
    moto.seed(0);
    let dir = tempfile::tempdir().expect("tempdir");
    // Two files laid out as CloudTrail writes them, yesterday's and the day before's.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let logs = dir.path().join("logs");
    for days_ago in [1, 2] {
        let t = now - days_ago * 86_400;
        let day = bbscan_model::format_epoch(t)[..10].to_string();
        let day_dir = logs.join(format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/{}", day.replace('-', "/")));
        std::fs::create_dir_all(&day_dir).expect("mkdir");
        let record = json!({"Records": [{
            "eventVersion": "1.09", "eventTime": format!("{day}T08:00:00Z"),
            "eventSource": "dynamodb.amazonaws.com", "eventName": "DescribeTable", "awsRegion": "us-east-1",
            "userIdentity": {"type": "AssumedRole", "accountId": ACCOUNT,
                "sessionContext": {"sessionIssuer": {"arn": role_arn("brainbytes-PartnerRole")}}},
            "requestParameters": {"tableName": "t"}
        }]});
        let file = std::fs::File::create(day_dir.join("x.json.gz")).expect("create");
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        gz.write_all(record.to_string().as_bytes()).expect("write");
        gz.finish().expect("finish");
    }
    let (doc, _) = snapshot(&moto, dir.path(), "snap.json", &["--usage-from", logs.to_str().unwrap(), "--usage-days", "7"]);
    let c = coverage(&doc);
    assert_eq!(c["source"], "directory");
    // What the account's trail records still comes from the trail.
    assert_eq!((c["logging"].clone(), c["all_regions_recorded"].clone()), (json!(true), json!(true)));
    assert!(c["trail_arn"].as_str().is_some_and(|t| t.ends_with(":trail/brainbytes-audit")));
    assert_eq!((c["files_read"].clone(), c["days_covered"].clone()), (json!(2), json!(2)));
    let partner = &resource(&doc, "iam.role", "brainbytes-PartnerRole")["config"]["usage"];
    assert_eq!(actions(partner, "actions"), set(&["dynamodb:DescribeTable"]));
    assert_eq!(partner["actions"][0]["count"], 2);

    // A directory that does not exist is an error that says so, not an empty usage.
    let out = bbscan()
        .args(["snapshot", "-q", "--endpoint-url", &moto.endpoint, "--region", REGION, "--usage-from"])
        .arg(dir.path().join("nowhere"))
        .output()
        .expect("run bbscan");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere"));
}


/// The headline of least privilege from usage survives the plan's own prediction: the demo's
/// administrator attachment is replaced by what was used, even though the generated document
/// keeps a wildcard resource where the logs named none (a lesser finding, told as a risk).
#[test]
fn administrator_access_is_replaced_even_when_a_lesser_finding_remains() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = bbscan().args(["snapshot", "--demo"]).output().expect("run bbscan");
    assert!(demo.status.success());
    let snapshot = dir.path().join("demo.json");
    std::fs::write(&snapshot, &demo.stdout).expect("write");
    let plan_path = dir.path().join("plan.json");
    let out = bbscan()
        .args(["plan", "--snapshot"])
        .arg(&snapshot)
        .arg("-o")
        .arg(&plan_path)
        .output()
        .expect("run bbscan");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: Value = serde_json::from_slice(&std::fs::read(&plan_path).expect("plan")).expect("JSON");
    let step = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["action"] == "iam.replace_with_least_privilege" && s["target"] == role_arn("brainbytes-AdminAutomationRole"))
        .unwrap_or_else(|| panic!("the admin attachment is replaced: {:#}", plan["rejected"]));
    let risks: Vec<&str> = step["risks"].as_array().expect("risks").iter().filter_map(Value::as_str).collect();
    assert!(risks.iter().any(|r| r.contains("IAM.POLICY_WILDCARD_RESOURCE") && r.contains("less severe than the high finding")), "{risks:?}");
}
