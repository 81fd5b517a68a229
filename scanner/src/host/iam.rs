//! `bbscan:policy/iam`: the IAM helpers a policy in any language calls, answered with the same
//! code the built-in rules use (crate `bbscan-iam`), so that every policy reads documents and
//! matches actions exactly as IAM does.

use super::bindings::bbscan::policy::iam as wit;
use super::sandbox::State;
use bbscan_iam::{AccessLevel, Catalogue, Effect, Principals, Statement, wildcard_match};

/// Documents bigger than this are refused: IAM's own limit for any policy is far smaller
/// (10 KiB for a role's inline policies together, 20 KiB for a bucket policy).
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

impl wit::Host for State {
    fn statements(&mut self, document: String) -> Result<Vec<wit::Statement>, String> {
        if document.len() > MAX_DOCUMENT_BYTES {
            return Err(format!(
                "the document is {} bytes; IAM documents are at most {MAX_DOCUMENT_BYTES}",
                document.len()
            ));
        }
        let value: serde_json::Value =
            serde_json::from_str(&document).map_err(|e| format!("the document is not JSON: {e}"))?;
        Ok(bbscan_iam::statements(&value).iter().map(to_wit).collect())
    }

    fn action_matches(&mut self, pattern: String, action: String) -> bool {
        wildcard_match(&pattern, &action, true)
    }

    fn resource_matches(&mut self, pattern: String, arn: String) -> bool {
        wildcard_match(&pattern, &arn, false)
    }

    fn covers_action(&mut self, statement: wit::Statement, action: String) -> bool {
        from_wit(statement).covers_action(&action)
    }

    fn covers_resource(&mut self, statement: wit::Statement, arn: String) -> bool {
        from_wit(statement).covers_resource(&arn)
    }

    fn access_level(&mut self, action: String) -> Option<String> {
        let level = Catalogue::get().level_of(&action)?;
        Some(
            match level {
                AccessLevel::List => "list",
                AccessLevel::Read => "read",
                AccessLevel::Write => "write",
                AccessLevel::PermissionsManagement => "permissions-management",
                AccessLevel::Tagging => "tagging",
            }
            .to_string(),
        )
    }
}

fn to_wit(s: &Statement) -> wit::Statement {
    let principals = |p: &Principals| wit::Principals {
        anyone: p.anyone,
        aws: p.aws.clone(),
        service: p.service.clone(),
        federated: p.federated.clone(),
        canonical_user: p.canonical_user.clone(),
    };
    wit::Statement {
        pointer: s.pointer.clone(),
        sid: s.sid.clone(),
        effect: match s.effect {
            Effect::Allow => wit::Effect::Allow,
            Effect::Deny => wit::Effect::Deny,
        },
        actions: s.actions.clone(),
        not_actions: s.not_actions.clone(),
        resources: s.resources.clone(),
        not_resources: s.not_resources.clone(),
        principal: s.principal.as_ref().map(principals),
        not_principal: s.not_principal.as_ref().map(principals),
        conditions: s
            .conditions
            .iter()
            .map(|c| wit::Condition { operator: c.operator.clone(), key: c.key.clone(), values: c.values.clone() })
            .collect(),
        problems: s.problems.clone(),
    }
}

/// Only the action and resource parts matter to `covers_*`; the rest is carried over as given.
fn from_wit(s: wit::Statement) -> Statement {
    let principals = |p: wit::Principals| Principals {
        anyone: p.anyone,
        aws: p.aws,
        service: p.service,
        federated: p.federated,
        canonical_user: p.canonical_user,
    };
    Statement {
        sid: s.sid,
        effect: match s.effect {
            wit::Effect::Allow => Effect::Allow,
            wit::Effect::Deny => Effect::Deny,
        },
        actions: s.actions,
        not_actions: s.not_actions,
        resources: s.resources,
        not_resources: s.not_resources,
        principal: s.principal.map(principals),
        not_principal: s.not_principal.map(principals),
        conditions: s
            .conditions
            .into_iter()
            .map(|c| bbscan_iam::Condition { operator: c.operator, key: c.key, values: c.values })
            .collect(),
        pointer: s.pointer,
        problems: s.problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wit::Host;

    fn state() -> State {
        let limits = super::super::Limits::default();
        super::super::sandbox::Sandbox::empty().state(&limits, limits.memory_bytes)
    }

    #[test]
    fn statements_are_read_as_the_built_in_rules_read_them() {
        let mut s = state();
        let doc = r#"{"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": false}}}}"#;
        let got = s.statements(doc.into()).expect("JSON");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].pointer, "/Statement");
        assert_eq!(got[0].not_actions, vec!["iam:*"]);
        assert_eq!(got[0].conditions[0].values, vec!["false"]);
        assert!(s.covers_action(got[0].clone(), "s3:PutObject".into()));
        assert!(!s.covers_action(got[0].clone(), "IAM:PassRole".into()));
        assert!(s.covers_resource(got[0].clone(), "arn:aws:s3:::b/k".into()));
        assert!(s.statements("not json".into()).unwrap_err().contains("not JSON"));
        let malformed = s.statements(r#"{"Statement": [{"Effect": "Maybe"}]}"#.into()).expect("JSON");
        assert!(!malformed[0].problems.is_empty());
    }

    #[test]
    fn patterns_and_levels_follow_iam() {
        let mut s = state();
        assert!(s.action_matches("S3:Get*".into(), "s3:GetObject".into()));
        assert!(!s.action_matches("s3:Get?".into(), "s3:GetObject".into()));
        assert!(s.resource_matches("arn:aws:s3:::b/*".into(), "arn:aws:s3:::b/k".into()));
        assert!(!s.resource_matches("arn:aws:s3:::B/*".into(), "arn:aws:s3:::b/k".into()));
        assert_eq!(s.access_level("s3:PutObject".into()).as_deref(), Some("write"));
        assert_eq!(s.access_level("iam:PutRolePolicy".into()).as_deref(), Some("permissions-management"));
        assert_eq!(s.access_level("nothing:Here".into()), None);
    }
}
