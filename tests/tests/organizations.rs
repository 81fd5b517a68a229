//! AWS Organizations against the fake AWS: the management account reads its place in the
//! organisation and the SCPs and RCPs along it; a member account that cannot read them says so
//! (a gap, and answers that assume no SCP), and is never told it is unrestricted by mistake.

use bbscan_model::{ResourceConfig, Snapshot};
use bbscan_tests::{Moto, REGION, bbscan, moto_python};
use serde_json::Value;

/// Make an organisation with an OU, a member account in it, an SCP on the OU; print the member
/// account's id and credentials for a session in it (JSON).
const SETUP: &str = r#"
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
org = boto3.client("organizations", **kw)
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
member = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]["AccountId"]
org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["iam:Attach*", "iam:Put*"], "Resource": "*"}]}
policy = org.create_policy(Content=json.dumps(deny), Description="guard", Name="no-iam-writes", Type="SERVICE_CONTROL_POLICY")
org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ou)
creds = boto3.client("sts", **kw).assume_role(
    RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="bbscan-test")["Credentials"]
print(json.dumps({"member": member, "ou": ou, "root": root, "key": creds["AccessKeyId"],
                  "secret": creds["SecretAccessKey"], "token": creds["SessionToken"]}))
"#;

fn setup(moto: &Moto) -> Value {
    let out = std::process::Command::new(moto_python()).args(["-c", SETUP, &moto.endpoint]).output().expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn organization(snapshot: &Snapshot) -> (&bbscan_model::Resource, Option<&bbscan_model::Organization>) {
    let r = snapshot.of_kind("organizations.account").next().expect("an organizations.account resource");
    let ResourceConfig::OrganizationsAccount(o) = &r.config else { unreachable!() };
    (r, o.organization.as_ref())
}

#[test]
fn the_management_account_reads_the_organisation_and_a_member_says_what_it_cannot_see() {
    let moto = Moto::start();
    // No organisation yet: an answer, not a gap.
    let out = bbscan().args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = Snapshot::from_json(&out.stdout).expect("snapshot");
    let (r, org) = organization(&snap);
    assert!(org.is_none() && r.unknown.is_empty(), "{r:?}");

    let made = setup(&moto);
    let member = made["member"].as_str().unwrap();

    // The management account: its path (root → account) and the SCPs and RCPs on each level.
    let out = bbscan().args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = Snapshot::from_json(&out.stdout).expect("snapshot");
    let (r, org) = organization(&snap);
    let org = org.expect("in an organisation");
    assert!(r.unknown.is_empty(), "{:?}", r.unknown);
    assert_eq!(org.management_account_id, "123456789012");
    assert_eq!(org.scp_enabled, Some(true));
    let kinds: Vec<&str> = org.path.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, vec!["ROOT", "ACCOUNT"]);
    assert_eq!(org.path[0].id, made["root"].as_str().unwrap());
    assert_eq!(org.path[0].service_control_policies[0].name, "FullAWSAccess");
    assert_eq!(org.path[0].service_control_policies[0].document["Statement"][0]["Effect"], "Allow");
    assert!(org.path[1].resource_control_policies.iter().any(|p| p.name == "RCPFullAWSAccess"));

    // The member account, through a session in it: the emulator (like AWS for most member
    // accounts) will not list its parents, so the SCPs stay unknown — a gap, said.
    let out = bbscan()
        .args(["snapshot", "--endpoint-url", &moto.endpoint, "--region", REGION])
        .env("AWS_ACCESS_KEY_ID", made["key"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", made["secret"].as_str().unwrap())
        .env("AWS_SESSION_TOKEN", made["token"].as_str().unwrap())
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = Snapshot::from_json(&out.stdout).expect("snapshot");
    assert_eq!(snap.metadata.account_id, member);
    let (r, org) = organization(&snap);
    let org = org.expect("the member knows its organisation");
    assert_eq!(org.management_account_id, "123456789012");
    assert!(
        r.unknown.contains(&"path".to_string()) && r.unknown.contains(&"service_control_policies".to_string()),
        "{:?}",
        r.unknown
    );
    assert!(snap.gaps.iter().any(|g| g.service == "organizations"), "{:?}", snap.gaps);
    // And answers about it say what they assume.
    let path = std::env::temp_dir().join(format!("bbscan-member-{}.json", std::process::id()));
    std::fs::write(&path, &out.stdout).expect("write");
    let out = bbscan().args(["iam", "paths", "--format", "json", "--snapshot"]).arg(&path).output().expect("run");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paths: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        paths["assumes"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().contains("assume none restricts")),
        "{paths}"
    );
}
