//! `bbscan iam`: the evaluator asked directly, through the real binary, on the demo snapshot
//! (the seeded BrainBytes production account).

use bbscan_tests::bbscan;
use serde_json::Value;
use std::collections::BTreeSet;

fn json(args: &[&str]) -> Value {
    let out = bbscan().args(args).args(["--format", "json", "--demo"]).output().expect("run bbscan");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_str().unwrap_or_else(|| x["principal"].as_str().unwrap_or_default()))
        .map(|arn| arn.rsplit('/').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn paths_name_the_administrators_and_every_way_to_become_one() {
    let paths = json(&["iam", "paths"]);
    assert_eq!(
        names(&paths["administrators"]),
        BTreeSet::from(["brainbytes-AdminAutomationRole".into(), "alice".into()])
    );
    let escalating = names(&paths["escalations"]);
    let expected: BTreeSet<String> =
        ["brainbytes-LambdaDeveloperRole", "brainbytes-SelfManagedRole", "ci-bot", "dana", "release-bot"]
            .into_iter()
            .map(String::from)
            .collect();
    assert_eq!(escalating, expected);
    let ci = paths["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["principal"].as_str().unwrap().ends_with("/ci-bot"))
        .unwrap();
    assert_eq!(
        ci["path"],
        "user ci-bot → (iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction) → role brainbytes-AdminAutomationRole = administrator"
    );
    assert_eq!(
        ci["steps"][0]["evidence"][0],
        "arn:aws:iam::123456789012:policy/brainbytes-ci-lambda-deployer#/config/document/Statement/0"
    );
    // The delegated administrator and the boundary-capped application role are not there.
    assert!(!escalating.contains("brainbytes-PlatformRole") && !escalating.contains("app-reports"));
}

#[test]
fn can_answers_with_the_deciding_statements() {
    let dana = "arn:aws:iam::123456789012:user/dana";
    let yes = json(&["iam", "can", "dana", "iam:AttachUserPolicy", dana]);
    assert_eq!(yes["decision"], "allow");
    assert_eq!(yes["because"][0]["evidence"], format!("{dana}#/config/inline_policies/0/document/Statement/0"));
    // ${aws:username} is dana, so alice is out of reach.
    let no = json(&["iam", "can", "user/dana", "iam:AttachUserPolicy", "arn:aws:iam::123456789012:user/alice"]);
    assert_eq!(no["decision"], "implicit_deny");
    assert_eq!(no["nothing_allows_in"][0], "identity policy");
    // The production function role cannot read the dev stage's parameters: its boundary and
    // policies name production only.
    let dev = json(&[
        "iam",
        "can",
        "brainbytes-production-ServerFunctionRole",
        "ssm:GetParameter",
        "arn:aws:ssm:us-east-1:123456789012:parameter/brainbytes/dev/DatabaseUrl",
    ]);
    assert_eq!(dev["decision"], "implicit_deny");
    let prod = json(&[
        "iam",
        "can",
        "brainbytes-production-ServerFunctionRole",
        "ssm:GetParameter",
        "arn:aws:ssm:us-east-1:123456789012:parameter/brainbytes/production/DatabaseUrl",
    ]);
    assert_eq!(prod["decision"], "allow");
    let kinds: BTreeSet<&str> =
        prod["because"].as_array().unwrap().iter().map(|b| b["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["identity policy", "permissions boundary"]), "{prod}");
}

#[test]
fn bad_questions_get_clear_errors() {
    let out = bbscan().args(["iam", "can", "nobody", "s3:GetObject", "*", "--demo"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no IAM user or role \"nobody\""));
    let out = bbscan()
        .args(["iam", "can", "ci-bot", "s3:GetObject", "*", "--context", "aws:SourceIp", "--demo"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not KEY=VALUE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
