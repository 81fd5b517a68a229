//! Stages in their own accounts, whole organisations, merged reports and drift, against the fake
//! AWS with several accounts (moto answers `sts:AssumeRole` into any account id, and requests
//! with the returned credentials land in that account).

use bbscan_tests::fault_proxy::{Fault, FaultProxy, Rule};
use bbscan_tests::{Moto, REGION, bbscan, moto_python};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("JSON")
}

/// An organisation: the management account (moto's default) and three member accounts, each
/// holding one bucket and one role named after it, and the management account a bucket of its
/// own. Prints the member ids by name (JSON).
const ORGANIZATION: &str = r#"
import boto3, json, sys
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
org = boto3.client("organizations", **kw)
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
boto3.client("s3", **kw).create_bucket(Bucket="management-bucket")
ids = {}
for name in ["alpha", "bravo", "charlie"]:
    account = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
    ids[name] = account
    creds = boto3.client("sts", **kw).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
    member = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                  aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    boto3.client("s3", **member).create_bucket(Bucket=f"bucket-{name}")
    boto3.client("iam", **member).create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
policy = org.create_policy(Content=json.dumps(deny), Description="guard", Name="no-users", Type="SERVICE_CONTROL_POLICY")
org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ids["alpha"])
print(json.dumps(ids))
"#;

fn organization(moto: &Moto) -> Value {
    let out =
        std::process::Command::new(moto_python()).args(["-c", ORGANIZATION, &moto.endpoint]).output().expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn an_organisation_is_read_account_by_account_and_a_denied_account_is_a_gap() {
    let moto = Moto::start();
    let ids = organization(&moto);
    let id = |name: &str| ids[name].as_str().expect("an id").to_string();
    // The fake AWS lets every role be assumed: charlie's is refused here, as a trust policy would.
    let denied = format!("%3A%3A{}%3Arole", id("charlie"));
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![
            Rule::on("sts", "AssumeRole", Fault::Error { status: 403, code: "AccessDenied", message: "not trusted" })
                .when_body_contains(denied),
        ],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshots = dir.path().join("org");
    let out = bbscan()
        .args(["snapshot", "--organization", "--usage-days", "0", "--account-concurrency", "2"])
        .args(["--endpoint-url", &proxy.endpoint, "--region", REGION, "-o"])
        .arg(&snapshots)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let index = read(&snapshots.join("index.json"));
    assert_eq!(index["caller_account"], "123456789012");
    assert_eq!(index["role_name"], "OrganizationAccountAccessRole");
    let accounts = index["accounts"].as_array().expect("accounts");
    let listed: BTreeSet<&str> = accounts.iter().filter_map(|a| a["account_id"].as_str()).collect();
    let expected: BTreeSet<String> =
        ["alpha", "bravo", "charlie"].iter().map(|n| id(n)).chain(["123456789012".into()]).collect();
    assert_eq!(listed, expected.iter().map(String::as_str).collect(), "the management account and the three members");

    // Each account's snapshot holds that account's resources only.
    for a in accounts {
        let account = a["account_id"].as_str().expect("id");
        if account == id("charlie") {
            assert_eq!(a["status"], "unreachable", "{a}");
            let error = a["error"].as_str().expect("an error");
            assert!(error.contains("AccessDenied") || error.contains("not trusted"), "{error}");
            assert!(a.get("snapshot").is_none());
            continue;
        }
        assert_eq!(a["status"], "collected", "{a}");
        let snapshot = read(&snapshots.join(a["snapshot"].as_str().expect("file")));
        assert_eq!(snapshot["metadata"]["account_id"], account);
        let resources = snapshot["resources"].as_array().expect("resources");
        assert!(resources.iter().all(|r| r["account"] == account), "a resource of another account in {account}");
        let buckets: BTreeSet<&str> =
            resources.iter().filter(|r| r["kind"] == "s3.bucket").filter_map(|r| r["name"].as_str()).collect();
        let roles: BTreeSet<&str> =
            resources.iter().filter(|r| r["kind"] == "iam.role").filter_map(|r| r["name"].as_str()).collect();
        let own = ["alpha", "bravo", "charlie"].into_iter().find(|n| id(n) == account);
        match own {
            Some(name) => {
                assert_eq!(buckets, BTreeSet::from([format!("bucket-{name}").as_str()]), "{account}");
                assert!(roles.contains(format!("role-{name}").as_str()), "{account}: {roles:?}");
                assert!(!roles.iter().any(|r| r.starts_with("role-") && *r != format!("role-{name}")), "{roles:?}");
                // Its place in the organisation, read from the management account: complete.
                let place =
                    resources.iter().find(|r| r["kind"] == "organizations.account").expect("organizations.account");
                assert!(place.get("unknown").is_none(), "{place}");
                if name == "alpha" {
                    let scps: Vec<&str> = place["config"]["organization"]["path"]
                        .as_array()
                        .expect("path")
                        .iter()
                        .flat_map(|n| n["service_control_policies"].as_array().cloned().unwrap_or_default())
                        .filter_map(|p| p["name"].as_str().map(str::to_string))
                        .map(|n| if n == "no-users" { "no-users" } else { "other" })
                        .collect();
                    assert!(scps.contains(&"no-users"), "alpha's SCP, read by the management account: {place}");
                }
            }
            None => assert_eq!(buckets, BTreeSet::from(["management-bucket"])),
        }
    }

    // The audit of the index: a section per account, the denied one not assessed, and totals
    // that are the sums of the accounts' own.
    let reports = dir.path().join("reports");
    let out = bbscan()
        .args(["audit", "--fail-on", "none", "--format", "json,sarif,markdown,html,table", "--snapshot"])
        .arg(&snapshots)
        .arg("-o")
        .arg(&reports)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("account {} was not assessed", id("charlie"))), "{}", text(&out));
    let multi = read(&reports.join("report.json"));
    let sections = multi["accounts"].as_array().expect("accounts");
    assert_eq!(sections.len(), 4);
    assert_eq!(multi["totals"]["accounts"], 4);
    assert_eq!(multi["totals"]["unreachable"], 1);
    for key in ["resources", "findings", "gaps", "evaluated", "passed"] {
        let sum: u64 = sections.iter().map(|a| a["totals"][key].as_u64().expect("a count")).sum();
        assert_eq!(multi["totals"][key].as_u64(), Some(sum), "totals.{key}");
    }
    assert!(multi["totals"]["findings"].as_u64().unwrap() > 0, "the members' buckets have findings");
    let sarif = read(&reports.join("report.sarif"));
    bbscan_tests::assert_valid_sarif(&sarif);
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 4, "one run per account");
    let categories: BTreeSet<&str> = runs.iter().filter_map(|r| r["automationDetails"]["id"].as_str()).collect();
    assert_eq!(categories.len(), 4, "each account its own category: {categories:?}");
    let markdown = std::fs::read_to_string(reports.join("report.md")).expect("markdown");
    assert!(markdown.contains("**not assessed**") && markdown.contains(&id("charlie")), "{markdown}");
    let html = std::fs::read_to_string(reports.join("report.html")).expect("html");
    assert!(html.contains(&format!("id=\"account-{}\"", id("alpha"))));

    // Per-account reports, as sharded CI jobs would write them, merge into the same totals.
    let mut shard_reports = Vec::new();
    for a in sections.iter().filter(|a| a["status"] == "collected") {
        let account = a["account_id"].as_str().expect("id");
        let path = dir.path().join(format!("shard-{account}.json"));
        let out = bbscan()
            .args(["audit", "--fail-on", "none", "--format", "json", "--snapshot"])
            .arg(snapshots.join(format!("{account}.json")))
            .arg("-o")
            .arg(&path)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out));
        shard_reports.push(path);
    }
    let merged = dir.path().join("merged.json");
    let out = bbscan()
        .args(["report", "merge", "--fail-on", "none", "--format", "json", "-o"])
        .arg(&merged)
        .args(&shard_reports)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let merged = read(&merged);
    assert_eq!(merged["totals"]["accounts"], 3);
    for key in ["resources", "findings", "gaps", "evaluated", "passed"] {
        assert_eq!(
            merged["totals"][key], multi["totals"][key],
            "merged totals.{key} (the unreachable account adds none)"
        );
    }
    // The same account twice is refused.
    let out = bbscan().args(["report", "merge"]).arg(&shard_reports[0]).arg(&shard_reports[0]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("appears in more than one report"), "{}", text(&out));
    // A drift between two different accounts' snapshots is refused.
    let out = bbscan()
        .arg("diff")
        .arg(snapshots.join(format!("{}.json", id("alpha"))))
        .arg(snapshots.join(format!("{}.json", id("bravo"))))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("different accounts"), "{}", text(&out));
}

#[test]
fn named_accounts_and_bad_account_ids() {
    let moto = Moto::start();
    let ids = organization(&moto);
    let bravo = ids["bravo"].as_str().expect("id");
    let dir = tempfile::tempdir().expect("temp dir");
    // --accounts: just these, even without listing the organisation.
    let out = bbscan()
        .args(["audit", "--accounts", bravo, "--usage-days", "0", "--fail-on", "none", "--format", "json"])
        .args(["--endpoint-url", &moto.endpoint, "--region", REGION])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let accounts: Vec<&str> =
        report["accounts"].as_array().expect("accounts").iter().filter_map(|a| a["account_id"].as_str()).collect();
    assert_eq!(accounts, vec![bravo]);
    assert_eq!(report["accounts"][0]["status"], "collected", "{}", report["accounts"][0]);
    assert_eq!(report["accounts"][0]["report"]["snapshot"]["account_id"], bravo);

    for bad in ["12345", "1234567890123", "12345678901a"] {
        let out = bbscan().args(["snapshot", "--accounts", bad, "-o"]).arg(dir.path()).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(text(&out).contains("is not a 12-digit AWS account id"), "{}", text(&out));
    }
    // An organisation needs a directory for its snapshots.
    let out = bbscan()
        .args(["snapshot", "--organization", "--endpoint-url", &moto.endpoint, "--region", REGION])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("-o DIR"), "{}", text(&out));
}

/// A production bucket of the SST app in account 210987654321.
const PRODUCTION_ACCOUNT: &str = r#"
import boto3, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
creds = boto3.client("sts", **kw).assume_role(RoleArn="arn:aws:iam::210987654321:role/seed", RoleSessionName="seed")["Credentials"]
kw.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="brainbytes-production-assets")
s3.put_bucket_tagging(Bucket="brainbytes-production-assets", Tagging={"TagSet": [
    {"Key": "sst:app", "Value": "brainbytes"}, {"Key": "sst:stage", "Value": "production"}]})
"#;

#[test]
fn a_stage_goes_to_its_own_account_and_the_wrong_account_is_refused_before_any_read() {
    let moto = Moto::start();
    let seeded = std::process::Command::new(moto_python())
        .args(["-c", PRODUCTION_ACCOUNT, &moto.endpoint])
        .output()
        .expect("python");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("bbscan.toml");
    // The stage's role, assumed from the default credentials: everything lands in its account.
    std::fs::write(
        &config,
        "[stages.production]\nrole_arn = \"arn:aws:iam::210987654321:role/bbscan-scanner\"\nexternal_id = \"brainbytes\"\n",
    )
    .expect("write");
    let out = bbscan()
        .arg("--config")
        .arg(&config)
        .args(["snapshot", "--stage", "production", "--usage-days", "0"])
        .args(["--endpoint-url", &moto.endpoint, "--region", REGION])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let snapshot: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(snapshot["metadata"]["account_id"], "210987654321");
    let caller = snapshot["metadata"]["caller_arn"].as_str().expect("caller");
    assert!(caller.contains("assumed-role/bbscan-scanner/bbscan"), "the scanner's session name: {caller}");
    let buckets: Vec<&str> = snapshot["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["kind"] == "s3.bucket")
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(buckets, vec!["brainbytes-production-assets"]);

    // A stage in another account than the credentials reach: refused after the one identity
    // call, before anything is read.
    std::fs::write(&config, "[stages.production]\naccount = \"210987654321\"\n").expect("write");
    let proxy = FaultProxy::start(&moto.endpoint, Vec::new());
    let out = bbscan()
        .arg("--config")
        .arg(&config)
        .args(["audit", "--stage", "production", "--usage-days", "0"])
        .args(["--endpoint-url", &proxy.endpoint, "--region", REGION])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("account 123456789012") && said.contains("account 210987654321"), "{said}");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "only the identity was asked: {requests:?}");
    assert_eq!(requests[0].operation, "GetCallerIdentity");

    // Malformed settings are refused with what to fix.
    for (settings, expected) in [
        ("[stages.production]\naccount = \"2109876543\"\n", "not a 12-digit AWS account id"),
        ("[stages.production]\nrole_arn = \"bbscan-scanner\"\n", "not an IAM role ARN"),
    ] {
        std::fs::write(&config, settings).expect("write");
        let out =
            bbscan().arg("--config").arg(&config).args(["snapshot", "--stage", "production"]).output().expect("run");
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).contains(expected), "{}", text(&out));
    }
}
