//! IAM policy documents: statement normalisation, action and resource wildcard matching,
//! principal parsing and condition inspection. Works on the decoded documents the snapshot
//! stores (identity policies, trust policies, bucket and Lambda resource policies).

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a statement applies to (`Principal` or `NotPrincipal`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"*"` or `{"AWS": "*"}`: anyone, including anonymous callers.
    pub anyone: bool,
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

/// One condition: `"StringEquals": {"aws:SourceArn": [...]}` becomes one `Condition` per key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// As written, e.g. `ForAllValues:StringLikeIfExists`.
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

impl Condition {
    /// `ForAllValues` or `ForAnyValue`, if the operator has a set qualifier.
    pub fn set_qualifier(&self) -> Option<&str> {
        self.operator.split_once(':').map(|(q, _)| q)
    }

    /// The operator without its set qualifier and `IfExists` (`StringLike`).
    pub fn base_operator(&self) -> &str {
        let op = self.operator.split_once(':').map_or(self.operator.as_str(), |(_, o)| o);
        op.strip_suffix("IfExists").unwrap_or(op)
    }

    /// Whether the operator ends in `IfExists` (true when the key is absent).
    pub fn if_exists(&self) -> bool {
        self.operator.ends_with("IfExists")
    }

    /// Whether this condition is on `key` (condition keys are case-insensitive).
    pub fn is_on(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// One statement, normalised: every list a list, every key read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub resources: Vec<String>,
    pub not_resources: Vec<String>,
    pub principal: Option<Principals>,
    pub not_principal: Option<Principals>,
    pub conditions: Vec<Condition>,
    /// Where this statement sits in the document, as a JSON pointer (`/Statement/2`).
    pub pointer: String,
}

/// A string or a list of strings, as IAM allows.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        Some(Value::Bool(b)) => vec![b.to_string()],
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn principals(v: Option<&Value>) -> Option<Principals> {
    let v = v?;
    let mut p = Principals::default();
    match v {
        Value::String(s) if s == "*" => p.anyone = true,
        Value::Object(map) => {
            for (kind, values) in map {
                let values = strings(Some(values));
                match kind.as_str() {
                    "AWS" => {
                        p.anyone |= values.iter().any(|v| v == "*");
                        p.aws.extend(values.into_iter().filter(|v| v != "*"));
                    }
                    "Service" => p.service.extend(values),
                    "Federated" => p.federated.extend(values),
                    "CanonicalUser" => p.canonical_user.extend(values),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Some(p)
}

/// The statements of a policy document (`Statement` may be one object or a list).
pub fn statements(document: &Value) -> Vec<Statement> {
    let list: Vec<(usize, &Value)> = match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().enumerate().collect(),
        Some(single @ Value::Object(_)) => vec![(usize::MAX, single)],
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|(i, s)| {
            let mut conditions = Vec::new();
            if let Some(Value::Object(ops)) = s.get("Condition") {
                for (operator, keys) in ops {
                    if let Value::Object(keys) = keys {
                        for (key, values) in keys {
                            conditions.push(Condition {
                                operator: operator.clone(),
                                key: key.clone(),
                                values: strings(Some(values)),
                            });
                        }
                    }
                }
            }
            Statement {
                sid: s.get("Sid").and_then(Value::as_str).map(str::to_string),
                effect: if s.get("Effect").and_then(Value::as_str) == Some("Deny") {
                    Effect::Deny
                } else {
                    Effect::Allow
                },
                actions: strings(s.get("Action")),
                not_actions: strings(s.get("NotAction")),
                resources: strings(s.get("Resource")),
                not_resources: strings(s.get("NotResource")),
                principal: principals(s.get("Principal")),
                not_principal: principals(s.get("NotPrincipal")),
                conditions,
                pointer: if i == usize::MAX { "/Statement".to_string() } else { format!("/Statement/{i}") },
            }
        })
        .collect()
}

/// IAM wildcard matching: `*` any run, `?` one character. Case-insensitive when `fold_case`
/// (actions are; ARNs are not).
pub fn wildcard_match(pattern: &str, value: &str, fold_case: bool) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = if fold_case {
        (pattern.to_lowercase().chars().collect(), value.to_lowercase().chars().collect())
    } else {
        (pattern.chars().collect(), value.chars().collect())
    };
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut vi, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

impl Statement {
    /// Whether the statement's action part covers `action` (`s3:GetObject`).
    pub fn covers_action(&self, action: &str) -> bool {
        if !self.not_actions.is_empty() {
            return !self.not_actions.iter().any(|p| wildcard_match(p, action, true));
        }
        self.actions.iter().any(|p| wildcard_match(p, action, true))
    }

    /// Whether the statement's resource part covers `resource` (an ARN).
    pub fn covers_resource(&self, resource: &str) -> bool {
        if !self.not_resources.is_empty() {
            return !self.not_resources.iter().any(|p| wildcard_match(p, resource, false));
        }
        self.resources.iter().any(|p| wildcard_match(p, resource, false))
    }

    /// `Action: "*"` (or `NotAction` with anything) on `Resource: "*"`.
    pub fn is_full_admin(&self) -> bool {
        self.effect == Effect::Allow
            && (self.actions.iter().any(|a| a == "*") || !self.not_actions.is_empty())
            && (self.resources.iter().any(|r| r == "*") || !self.not_resources.is_empty())
    }

    /// Whether anyone (principal `*`) is granted, before conditions.
    pub fn grants_anyone(&self) -> bool {
        self.effect == Effect::Allow
            && (self.principal.as_ref().is_some_and(|p| p.anyone) || self.not_principal.is_some())
    }

    /// The conditions on `key`.
    pub fn conditions_on<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.conditions.iter().filter(move |c| c.is_on(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_are_normalised() {
        let doc = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Principal": "*"}});
        let s = &statements(&doc)[0];
        assert_eq!(s.actions, vec!["s3:GetObject"]);
        assert!(s.grants_anyone());
        assert_eq!(s.pointer, "/Statement");
        let doc = json!({"Statement": [{"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"}]});
        let s = &statements(&doc)[0];
        assert_eq!(s.effect, Effect::Deny);
        assert!(s.covers_action("s3:GetObject") && !s.covers_action("IAM:PassRole"));
        assert_eq!(s.pointer, "/Statement/0");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("s3:Get*", "s3:GetObject", true));
        assert!(wildcard_match("S3:GET*", "s3:getobject", true));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject", true));
        assert!(wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false));
        assert!(!wildcard_match("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false));
        assert!(wildcard_match("ssm:GetParameter?", "ssm:GetParameters", true));
        assert!(wildcard_match("*", "", true));
        assert!(wildcard_match("a*b*c", "aXXbYYc", false));
        assert!(!wildcard_match("a*b*c", "aXXbYY", false));
    }

    #[test]
    fn principals_and_conditions() {
        let doc = json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", "AWS": ["*"]},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "ForAllValues:StringLikeIfExists": {"token.actions.githubusercontent.com:sub": ["repo:o/r:*"]}
            }
        }]});
        let s = &statements(&doc)[0];
        let p = s.principal.as_ref().unwrap();
        assert!(p.anyone && p.federated.len() == 1 && p.aws.is_empty());
        let sub: Vec<_> = s.conditions_on("TOKEN.actions.githubusercontent.com:sub").collect();
        assert_eq!(sub.len(), 1);
        assert_eq!(sub[0].set_qualifier(), Some("ForAllValues"));
        assert_eq!(sub[0].base_operator(), "StringLike");
        assert!(sub[0].if_exists());
        assert_eq!(sub[0].values, vec!["repo:o/r:*"]);
    }

    #[test]
    fn full_admin() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        assert!(statements(&doc)[0].is_full_admin());
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        assert!(!statements(&doc)[0].is_full_admin());
    }
}
