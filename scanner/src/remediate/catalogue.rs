//! The closed catalogue of remediation actions. Policies propose actions as data; the host
//! checks every proposal here and rejects unknown kinds, versions and parameters.

use serde_json::Value;

/// One action kind: its version and its parameters (name, required).
pub struct ActionSpec {
    pub kind: &'static str,
    pub version: u32,
    pub params: &'static [(&'static str, ParamType, bool)],
    pub summary: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A non-empty string.
    Text,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    Bool,
    /// A whole number in the inclusive range.
    Integer(i64, i64),
    /// A non-empty list of strings.
    StringList,
    /// A list of strings or nulls (e.g. CloudFront path patterns, null for the default).
    StringOrNullList,
    /// A non-empty JSON object of string values (tags).
    StringMap,
    /// A JSON object (a policy document), checked by the action itself.
    Object,
}

use ParamType as P;

const fn spec(
    kind: &'static str,
    params: &'static [(&'static str, ParamType, bool)],
    summary: &'static str,
) -> ActionSpec {
    ActionSpec { kind, version: 1, params, summary }
}

/// Every action a policy may propose, each the smallest change that fixes its finding.
pub const CATALOGUE: &[ActionSpec] = &[
    spec(
        "s3.put_public_access_block",
        &[("bucket", P::Text, true)],
        "turn on all four public access block settings of a bucket",
    ),
    spec("s3.put_account_public_access_block", &[], "turn on all four account-level public access block settings"),
    spec(
        "s3.put_default_encryption",
        &[
            ("bucket", P::Text, true),
            ("sse_algorithm", P::OneOf(&["AES256", "aws:kms"]), true),
            ("kms_key_id", P::Text, false),
        ],
        "set a bucket's default encryption (with a bucket key for aws:kms)",
    ),
    spec("s3.enable_versioning", &[("bucket", P::Text, true)], "turn on versioning of a bucket"),
    spec(
        "s3.put_noncurrent_version_expiration",
        &[("bucket", P::Text, true), ("days", P::Integer(1, 3650), true)],
        "add one lifecycle rule expiring noncurrent versions, keeping the existing rules",
    ),
    spec(
        "s3.add_secure_transport_deny",
        &[("bucket", P::Text, true)],
        "merge a statement denying aws:SecureTransport=false into the bucket policy",
    ),
    spec(
        "s3.remove_policy_statement",
        &[("bucket", P::Text, true), ("statement", P::Text, true)],
        "remove one statement (by JSON pointer into the policy) from a bucket policy, keeping the rest",
    ),
    spec(
        "cloudfront.set_viewer_protocol_policy",
        &[
            ("distribution_id", P::Text, true),
            ("path_patterns", P::StringOrNullList, true),
            ("viewer_protocol_policy", P::OneOf(&["redirect-to-https", "https-only"]), true),
        ],
        "set the viewer protocol policy of the named cache behaviours",
    ),
    spec(
        "cloudfront.set_minimum_protocol_version",
        &[
            ("distribution_id", P::Text, true),
            ("minimum_protocol_version", P::OneOf(&["TLSv1.2_2021", "TLSv1.2_2025"]), true),
        ],
        "raise a distribution's minimum viewer TLS version (SNI only)",
    ),
    spec(
        "cloudtrail.enable_log_file_validation",
        &[("trail", P::Text, true)],
        "turn on log file validation of a trail",
    ),
    spec("cloudtrail.enable_multi_region", &[("trail", P::Text, true)], "make a trail multi-region"),
    spec("cloudtrail.start_logging", &[("trail", P::Text, true)], "start logging on a trail"),
    spec(
        "lambda.remove_permission",
        &[("function", P::Text, true), ("statement_id", P::Text, true)],
        "remove one statement from a function's resource policy, keeping the rest",
    ),
    spec(
        "lambda.set_function_url_auth_type",
        &[("function", P::Text, true), ("auth_type", P::OneOf(&["AWS_IAM"]), true)],
        "require IAM authorisation on a function URL",
    ),
    spec(
        "lambda.put_reserved_concurrency",
        &[("function", P::Text, true), ("reserved_concurrency", P::Integer(1, 100_000), true)],
        "set a function's reserved concurrency",
    ),
    spec(
        "logs.put_retention_policy",
        &[("log_group", P::Text, true), ("retention_in_days", P::Integer(1, 3653), true)],
        "set the retention of a log group",
    ),
    spec("tags.add_tags", &[("tags", P::StringMap, true)], "add missing tags to a resource, changing no existing tag"),
    spec(
        "ssm.convert_to_secure_string",
        &[("name", P::Text, true)],
        "rewrite a String parameter as a SecureString (the value is never stored)",
    ),
    spec(
        "iam.restrict_github_oidc_trust",
        &[("role", P::Text, true), ("audience", P::Text, true), ("subjects", P::StringList, true)],
        "pin a role's GitHub OIDC trust to an audience and repository subjects",
    ),
    spec(
        "iam.detach_policy",
        &[("principal_arn", P::Text, true), ("policy_arn", P::Text, true)],
        "detach one managed policy from a user, group or role",
    ),
    spec(
        "iam.replace_with_least_privilege",
        &[
            ("principal_arn", P::Text, true),
            ("inline_policy", P::Text, false),
            ("policy_arn", P::Text, false),
            ("document", P::Object, true),
        ],
        "replace one of a user's or role's policies with a document generated from what it used (CloudTrail): \
         an inline policy rewritten, a managed policy detached from it with the document put inline instead",
    ),
    spec("kms.enable_key_rotation", &[("key_id", P::Text, true)], "turn on automatic rotation of a KMS key"),
];

/// Check one proposed action.
pub fn check(kind: &str, version: u32, params: &Value) -> Result<(), String> {
    let spec = CATALOGUE.iter().find(|s| s.kind == kind).ok_or_else(|| format!("unknown action kind {kind:?}"))?;
    if spec.version != version {
        return Err(format!("action {kind} has version {}, not {version}", spec.version));
    }
    let Value::Object(map) = params else {
        return Err(format!("the parameters of {kind} are not a JSON object"));
    };
    if let Some(extra) = map.keys().find(|k| !spec.params.iter().any(|(name, _, _)| name == k)) {
        return Err(format!("{kind} has no parameter {extra:?}"));
    }
    for (name, ty, required) in spec.params {
        match map.get(*name) {
            None if *required => return Err(format!("{kind} needs parameter {name:?}")),
            None => {}
            Some(v) => {
                let ok = match ty {
                    P::Text => v.as_str().is_some_and(|s| !s.is_empty()),
                    P::OneOf(allowed) => v.as_str().is_some_and(|s| allowed.contains(&s)),
                    P::Bool => v.is_boolean(),
                    P::Integer(min, max) => v.as_i64().is_some_and(|n| (*min..=*max).contains(&n)),
                    P::StringList => v.as_array().is_some_and(|items| {
                        !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
                    }),
                    P::StringOrNullList => v
                        .as_array()
                        .is_some_and(|items| !items.is_empty() && items.iter().all(|i| i.is_string() || i.is_null())),
                    P::StringMap => v.as_object().is_some_and(|m| !m.is_empty() && m.values().all(|i| i.is_string())),
                    P::Object => v.is_object(),
                };
                if !ok {
                    return Err(format!("parameter {name:?} of {kind} has the wrong type"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn proposals_are_checked() {
        assert!(check("s3.put_public_access_block", 1, &json!({"bucket": "b"})).is_ok());
        assert!(check("s3.delete_bucket", 1, &json!({})).unwrap_err().contains("unknown action kind"));
        assert!(check("s3.put_public_access_block", 2, &json!({"bucket": "b"})).is_err());
        assert!(check("s3.put_public_access_block", 1, &json!({})).unwrap_err().contains("needs parameter"));
        assert!(check("s3.put_public_access_block", 1, &json!({"bucket": 3})).is_err());
        assert!(check("s3.put_public_access_block", 1, &json!({"bucket": "b", "x": 1})).is_err());
        assert!(check("s3.put_public_access_block", 1, &json!(["b"])).is_err());
        let tls = |v: &str| {
            check(
                "cloudfront.set_minimum_protocol_version",
                1,
                &json!({"distribution_id": "E1", "minimum_protocol_version": v}),
            )
        };
        assert!(tls("TLSv1.2_2021").is_ok() && tls("TLSv1").is_err());
        assert!(check("logs.put_retention_policy", 1, &json!({"log_group": "g", "retention_in_days": 0})).is_err());
        assert!(check("tags.add_tags", 1, &json!({"tags": {"CostCenter": "eng"}})).is_ok());
        assert!(check("tags.add_tags", 1, &json!({"tags": {"CostCenter": 1}})).is_err());
        assert!(
            check(
                "iam.restrict_github_oidc_trust",
                1,
                &json!({"role": "r", "audience": "sts.amazonaws.com", "subjects": []})
            )
            .is_err()
        );
    }
}
