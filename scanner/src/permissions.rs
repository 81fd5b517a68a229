//! The IAM policy the scanner's role needs: exactly the read-only actions collection calls
//! (from the one list of operations, `collect::api::Op`), plus an explicit deny on reading
//! secrets and data, so that even a role that also holds broader read permissions never lets
//! bbscan fetch a secret value.

use crate::collect::api::Op;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Actions that read secret values or data. bbscan never calls them; the deny makes that a
/// property of the role, not only of the code. (S3 object reads are denied everywhere but the
/// CloudTrail log files usage reads: see [`scanner_role_policy`].)
pub const DENIED: &[&str] = &[
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameterHistory",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
];

/// Object reads: allowed only on CloudTrail log files.
pub const OBJECT_READS: &[&str] = &["s3:GetObject", "s3:GetObjectVersion"];

/// Where CloudTrail writes log files, in any bucket (`[prefix/]AWSLogs/…`).
pub const TRAIL_LOGS: &[&str] = &["arn:aws:s3:::*/AWSLogs/*"];

/// Every IAM action collection needs on any resource, sorted and unique (the log-file reads
/// have a statement of their own).
pub fn read_actions() -> Vec<String> {
    let actions: BTreeSet<String> =
        Op::ALL.iter().map(|op| op.iam_action()).filter(|a| !OBJECT_READS.contains(&a.as_str())).collect();
    actions.into_iter().collect()
}

/// The scanner role's permissions policy document.
pub fn scanner_role_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BbscanReadConfiguration",
                "Effect": "Allow",
                "Action": read_actions(),
                "Resource": "*"
            },
            {
                "Sid": "BbscanReadsCloudTrailLogFiles",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": TRAIL_LOGS
            },
            {
                "Sid": "BbscanNeverReadsSecrets",
                "Effect": "Deny",
                "Action": DENIED,
                "Resource": "*"
            },
            {
                "Sid": "BbscanNeverReadsDataButLogFiles",
                "Effect": "Deny",
                "Action": OBJECT_READS,
                "NotResource": TRAIL_LOGS
            }
        ]
    })
}

/// A trust policy for the scanner role assumed from GitHub Actions by OIDC, pinned to one
/// repository's default branch (the scheduled job runs there).
pub fn github_trust_policy(account_id: &str, repository: &str, branch: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {
                "Federated": format!("arn:aws:iam::{account_id}:oidc-provider/token.actions.githubusercontent.com")
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": format!("repo:{repository}:ref:refs/heads/{branch}")
                }
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_allowed_and_only_reads() {
        let actions = read_actions();
        for op in Op::ALL {
            // Log-file reads are allowed in a statement of their own (tested below).
            assert!(actions.contains(&op.iam_action()) || OBJECT_READS.contains(&op.iam_action().as_str()), "{op:?}");
        }
        for action in &actions {
            let verb = action.split_once(':').map_or("", |(_, a)| a);
            assert!(
                ["Get", "List", "Describe", "GenerateCredentialReport"].iter().any(|p| verb.starts_with(p)),
                "{action} is not a read"
            );
            assert!(!DENIED.contains(&action.as_str()), "{action} is both allowed and denied");
        }
    }

    #[test]
    fn the_policy_allows_every_call_and_no_secret_as_aws_decides_it() {
        use bbscan_iam::{Context, Decision, Policies, Policy, Principal, Request, Source, evaluate};
        let policy = Policy::new(Source::new("scanner role", "x", "/"), &scanner_role_policy());
        assert!(policy.problems.is_empty(), "{:?}", policy.problems);
        let identity = [&policy];
        let role = Principal::from_arn("arn:aws:iam::123456789012:role/bbscan-scanner");
        let ctx = Context::open();
        let ask = |action: &str, resource: &str| {
            let req = Request { principal: &role, action, resource, resource_account: None, context: &ctx };
            evaluate(&req, &Policies { identity: &identity, ..Policies::default() }).decision
        };
        for op in Op::ALL {
            let resource = if op.iam_action() == "s3:GetObject" {
                "arn:aws:s3:::trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/15/f.json.gz"
            } else {
                "*"
            };
            assert_eq!(ask(&op.iam_action(), resource), Decision::Allow, "{op:?}");
        }
        assert_eq!(ask("s3:GetObject", "arn:aws:s3:::assets/index.html"), Decision::ExplicitDeny);
        assert_eq!(ask("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/app/prod/DatabaseUrl"), Decision::ExplicitDeny);
        assert_eq!(ask("secretsmanager:GetSecretValue", "*"), Decision::ExplicitDeny);
        assert_eq!(ask("s3:PutObject", "arn:aws:s3:::trail-bucket/AWSLogs/x"), Decision::ImplicitDeny, "reads only");
    }

    #[test]
    fn the_trust_policy_pins_audience_and_branch() {
        let trust = github_trust_policy("123456789012", "brainbytes/app", "main");
        let cond = &trust["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(cond["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
        assert_eq!(cond["token.actions.githubusercontent.com:sub"], "repo:brainbytes/app:ref:refs/heads/main");
    }
}
