//! Whether a bucket is open to anyone: its policy's statements and its ACL's grants. Judged here
//! once and shared by `S3.BUCKET_POLICY_PUBLIC`, `S3.BUCKET_ACL_PUBLIC` and
//! `CLOUDTRAIL.BUCKET_PUBLIC`.

use bbscan_policy::Value;
use bbscan_policy::iam::{self, Condition, Statement};
use bbscan_policy::model::BucketAcl;
use std::net::IpAddr;

/// The ACL group of every caller on the internet, signed or not.
pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// The ACL group of every AWS account holder in the world (not "our" users).
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

/// Condition keys that, matched with a positive operator against concrete values, pin a
/// statement to known callers (an account, an organisation, a network, a service resource).
const RESTRICTING_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
    "aws:SourceOwner",
];

/// Operators that restrict to the listed values (their negations restrict nothing).
const POSITIVE_OPERATORS: &[&str] = &["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"];

/// Actions that let a caller change or destroy data or the bucket's own access rules.
const WRITE_ACTIONS: &[&str] = &[
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:DeleteBucket",
    "s3:PutLifecycleConfiguration",
];

/// The narrowest `aws:SourceIp` range still taken as a restriction: IPv4 /8, IPv6 /32.
const MIN_PREFIX_V4: u32 = 8;
const MIN_PREFIX_V6: u32 = 32;

/// A bucket policy statement that allows anyone in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStatement {
    /// JSON pointer within the policy document (`/Statement/0`).
    pub pointer: String,
    /// `statement "Sid" (/Statement/0)` or `statement /Statement/0`.
    pub label: String,
    /// The actions granted, as written.
    pub actions: String,
    /// Whether it grants a write action (objects, policy or ACL).
    pub write: bool,
}

/// An ACL grant to one of the global groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicGrant {
    /// Index in the ACL's grants.
    pub index: usize,
    /// `AllUsers` or `AuthenticatedUsers`.
    pub group: &'static str,
    pub permission: String,
    /// `WRITE`, `WRITE_ACP` or `FULL_CONTROL`.
    pub write: bool,
}

/// Everything that opens one bucket to the public.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposure {
    pub statements: Vec<PublicStatement>,
    pub grants: Vec<PublicGrant>,
}

impl Exposure {
    pub fn is_public(&self) -> bool {
        !self.statements.is_empty() || !self.grants.is_empty()
    }

    pub fn grants_write(&self) -> bool {
        self.statements.iter().any(|s| s.write) || self.grants.iter().any(|g| g.write)
    }
}

/// The statements of a bucket policy that allow anyone, with no condition restricting the caller.
pub fn public_statements(policy: &Value) -> Vec<PublicStatement> {
    iam::statements(policy)
        .into_iter()
        .filter(|s| s.grants_anyone() && grants_something(s) && !s.conditions.iter().any(restricts_caller))
        .map(|s| PublicStatement {
            label: match &s.sid {
                Some(sid) if !sid.is_empty() => format!("statement {sid:?} ({})", s.pointer),
                _ => format!("statement {}", s.pointer),
            },
            actions: if s.not_actions.is_empty() {
                s.actions.join(", ")
            } else {
                format!("every action except {}", s.not_actions.join(", "))
            },
            write: WRITE_ACTIONS.iter().any(|a| s.covers_action(a)),
            pointer: s.pointer,
        })
        .collect()
}

fn grants_something(s: &Statement) -> bool {
    !s.actions.is_empty() || !s.not_actions.is_empty()
}

/// Whether one condition limits who can use the statement.
pub fn restricts_caller(c: &Condition) -> bool {
    // `ForAllValues` and `…IfExists` are true when the key is absent, as it is for anonymous callers.
    if c.set_qualifier().is_some_and(|q| q.eq_ignore_ascii_case("ForAllValues")) || c.if_exists() || c.values.is_empty()
    {
        return false;
    }
    let op = c.base_operator();
    if c.is_on("aws:SourceIp") {
        return op == "IpAddress" && c.values.iter().all(|v| narrow_range(v));
    }
    RESTRICTING_KEYS.iter().any(|k| c.is_on(k))
        && POSITIVE_OPERATORS.contains(&op)
        && c.values.iter().all(|v| !v.chars().all(|ch| ch == '*' || ch == '?'))
}

/// An address or CIDR no broader than the minimum prefix (`0.0.0.0/0` is not a restriction).
fn narrow_range(value: &str) -> bool {
    let (address, prefix) = match value.trim().split_once('/') {
        Some((a, p)) => match p.parse::<u32>() {
            Ok(p) => (a, Some(p)),
            Err(_) => return false,
        },
        None => (value.trim(), None),
    };
    let Ok(address) = address.parse::<IpAddr>() else { return false };
    let (max, min) = if address.is_ipv6() { (128, MIN_PREFIX_V6) } else { (32, MIN_PREFIX_V4) };
    let prefix = prefix.unwrap_or(max);
    (min..=max).contains(&prefix)
}

/// The grants of an ACL to `AllUsers` or `AuthenticatedUsers`.
pub fn public_grants(acl: &BucketAcl) -> Vec<PublicGrant> {
    acl.grants
        .iter()
        .enumerate()
        .filter_map(|(index, g)| {
            let uri = g.grantee_uri.as_deref()?;
            let group = if uri.eq_ignore_ascii_case(ALL_USERS) {
                "AllUsers"
            } else if uri.eq_ignore_ascii_case(AUTHENTICATED_USERS) {
                "AuthenticatedUsers"
            } else {
                return None;
            };
            Some(PublicGrant {
                index,
                group,
                permission: g.permission.clone(),
                write: matches!(g.permission.as_str(), "WRITE" | "WRITE_ACP" | "FULL_CONTROL"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bbscan_policy::json;
    use bbscan_policy::model::AclGrant;

    fn allow(condition: Value) -> Value {
        json!({"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*", "Condition": condition}]})
    }

    fn public(condition: Value) -> bool {
        !public_statements(&allow(condition)).is_empty()
    }

    #[test]
    fn restricting_conditions_close_a_statement() {
        assert!(!public(json!({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}})));
        assert!(!public(json!({"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}})));
        assert!(!public(json!({"StringEquals": {"aws:PrincipalOrgID": ["o-abc"]}})));
        assert!(!public(json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8", "2001:db8::/48"]}})));
        assert!(!public(json!({"IpAddress": {"aws:SourceIp": "198.51.100.7"}})));
    }

    #[test]
    fn conditions_that_do_not_restrict_the_caller_leave_it_public() {
        assert!(public(json!({})));
        assert!(public(json!({"Bool": {"aws:SecureTransport": "true"}})));
        assert!(public(json!({"StringLike": {"aws:SourceArn": "*"}})), "wildcard-only value");
        assert!(public(json!({"StringEquals": {"aws:SourceAccount": ["123456789012", "*"]}})), "one value is *");
        assert!(public(json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})), "negative operator");
        assert!(public(json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}})), "IfExists");
        assert!(public(json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}})));
        assert!(public(json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"]}})));
        assert!(public(json!({"IpAddress": {"aws:SourceIp": "12.0.0.0/7"}})), "broader than /8");
        assert!(public(json!({"IpAddress": {"aws:SourceIp": "2001::/16"}})), "IPv6 broader than /32");
        assert!(public(json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})));
        assert!(public(json!({"IpAddress": {"aws:SourceIp": "not-an-ip/24"}})));
        assert!(public(json!({"StringEquals": {"s3:x-amz-acl": "public-read"}})), "not a caller key");
    }

    #[test]
    fn principals_effects_and_write_actions() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {"Sid": "Reads", "Effect": "Allow", "Principal": "*", "Action": "s3:Get*", "Resource": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "S3:*", "Resource": "*"}
        ]});
        let found = public_statements(&doc);
        let pointers: Vec<_> = found.iter().map(|s| s.pointer.as_str()).collect();
        assert_eq!(pointers, ["/Statement/0", "/Statement/3", "/Statement/4"]);
        assert!(found[0].write && !found[1].write && found[2].write);
        assert_eq!(found[1].label, "statement \"Reads\" (/Statement/3)");
        assert_eq!(found[0].actions, "s3:GetObject, s3:PutObject");
    }

    #[test]
    fn acl_grants_to_global_groups() {
        let grant = |uri: Option<&str>, permission: &str| AclGrant {
            grantee_type: if uri.is_some() { "Group".into() } else { "CanonicalUser".into() },
            grantee_id: None,
            grantee_uri: uri.map(str::to_string),
            permission: permission.into(),
        };
        let acl = BucketAcl {
            owner_id: Some("owner".into()),
            grants: vec![
                grant(None, "FULL_CONTROL"),
                grant(Some(ALL_USERS), "READ"),
                grant(Some("http://acs.amazonaws.com/groups/s3/LogDelivery"), "WRITE"),
                grant(Some(AUTHENTICATED_USERS), "WRITE"),
            ],
        };
        let found = public_grants(&acl);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].index, found[0].group, found[0].write), (1, "AllUsers", false));
        assert_eq!((found[1].index, found[1].group, found[1].write), (3, "AuthenticatedUsers", true));
    }
}
