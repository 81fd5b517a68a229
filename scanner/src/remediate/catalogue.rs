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
    String,
    Bool,
    Integer,
    /// A list of strings or nulls (e.g. CloudFront path patterns, null for the default).
    StringOrNullList,
}

pub const CATALOGUE: &[ActionSpec] = &[
    ActionSpec {
        kind: "s3.put_public_access_block",
        version: 1,
        params: &[("bucket", ParamType::String, true)],
        summary: "turn on all four public access block settings of a bucket",
    },
    ActionSpec {
        kind: "s3.put_account_public_access_block",
        version: 1,
        params: &[],
        summary: "turn on all four account-level public access block settings",
    },
    ActionSpec {
        kind: "cloudfront.set_viewer_protocol_policy",
        version: 1,
        params: &[
            ("distribution_id", ParamType::String, true),
            ("path_patterns", ParamType::StringOrNullList, true),
            ("viewer_protocol_policy", ParamType::String, true),
        ],
        summary: "set the viewer protocol policy of the named cache behaviours",
    },
    ActionSpec {
        kind: "ssm.convert_to_secure_string",
        version: 1,
        params: &[("name", ParamType::String, true)],
        summary: "rewrite a String parameter as a SecureString (the value is never stored)",
    },
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
                    ParamType::String => v.as_str().is_some_and(|s| !s.is_empty()),
                    ParamType::Bool => v.is_boolean(),
                    ParamType::Integer => v.is_i64(),
                    ParamType::StringOrNullList => v
                        .as_array()
                        .is_some_and(|items| !items.is_empty() && items.iter().all(|i| i.is_string() || i.is_null())),
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
    }
}
