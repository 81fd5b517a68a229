//! The IAM policy the scanner's role needs: exactly the read-only actions collection calls
//! (from the one list of operations, `collect::api::Op`), plus an explicit deny on reading
//! secrets and data, so that even a role that also holds broader read permissions never lets
//! bbscan fetch a secret value.

use crate::collect::api::Op;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Actions that read secret values or data. bbscan never calls them; the deny makes that a
/// property of the role, not only of the code.
pub const DENIED: &[&str] = &[
    "kms:Decrypt",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameterHistory",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
];

/// Every IAM action collection needs, sorted and unique.
pub fn read_actions() -> Vec<String> {
    let actions: BTreeSet<String> = Op::ALL.iter().map(|op| op.iam_action()).collect();
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
                "Sid": "BbscanNeverReadsSecretsOrData",
                "Effect": "Deny",
                "Action": DENIED,
                "Resource": "*"
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
            assert!(actions.contains(&op.iam_action()), "{op:?}");
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
    fn the_trust_policy_pins_audience_and_branch() {
        let trust = github_trust_policy("123456789012", "brainbytes/app", "main");
        let cond = &trust["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(cond["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
        assert_eq!(cond["token.actions.githubusercontent.com:sub"], "repo:brainbytes/app:ref:refs/heads/main");
    }
}
