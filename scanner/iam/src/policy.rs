//! IAM policy documents: statements normalised (every list a list, every key read), principals
//! parsed, conditions split one per key, and what is malformed said, never silently dropped.
//! Works on the decoded documents the snapshot stores (identity policies, trust policies,
//! bucket, Lambda and KMS resource policies, SCPs).

use crate::pattern::wildcard_match;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.values.len() == 1 {
            write!(f, "{} {} {:?}", self.operator, self.key, self.values[0])
        } else {
            write!(f, "{} {} {:?}", self.operator, self.key, self.values)
        }
    }
}

/// One statement, normalised.
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
    /// What is wrong with it, as AWS would refuse it (an effect other than `Allow`/`Deny`, no
    /// action, a condition that is not an object, …). The evaluator skips a statement with
    /// problems and says so.
    pub problems: Vec<String>,
}

/// Which part of a statement a value sits in, for a problem's wording; written only when there
/// is a problem (most statements have none, and a name per condition key adds up).
#[derive(Clone, Copy)]
enum Part<'a> {
    Named(&'static str),
    Principal(&'a str),
    Condition(&'a str, &'a str),
}

impl std::fmt::Display for Part<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Named(name) => f.write_str(name),
            Part::Principal(kind) => write!(f, "Principal {kind}"),
            Part::Condition(operator, key) => write!(f, "condition {operator} {key}"),
        }
    }
}

/// A string or a list of strings, as IAM allows. Booleans and numbers become their text (AWS
/// accepts `"Bool": {"aws:SecureTransport": false}`).
fn strings(v: Option<&Value>, problems: &mut Vec<String>, what: Part<'_>) -> Vec<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                let s = scalar(i);
                if s.is_none() {
                    problems.push(format!("{what} holds {i}, not a string"));
                }
                s
            })
            .collect(),
        Some(other) => match scalar(other) {
            Some(s) => vec![s],
            None => {
                problems.push(format!("{what} is {other}, not a string or a list of strings"));
                Vec::new()
            }
        },
    }
}

fn principals(v: Option<&Value>, problems: &mut Vec<String>) -> Option<Principals> {
    let v = v?;
    let mut p = Principals::default();
    match v {
        Value::String(s) if s == "*" => p.anyone = true,
        Value::Object(map) => {
            for (kind, values) in map {
                let values = strings(Some(values), problems, Part::Principal(kind));
                match kind.as_str() {
                    "AWS" => {
                        p.anyone |= values.iter().any(|v| v == "*");
                        p.aws.extend(values.into_iter().filter(|v| v != "*"));
                    }
                    "Service" => p.service.extend(values),
                    "Federated" => p.federated.extend(values),
                    "CanonicalUser" => p.canonical_user.extend(values),
                    other => problems.push(format!("unknown principal type {other:?}")),
                }
            }
        }
        other => problems.push(format!("Principal is {other}, not \"*\" or an object")),
    }
    Some(p)
}

/// The members of a statement that IAM reads, found in one pass over the object: looking each
/// up by name hashed every name again, for every statement of every document.
#[derive(Default)]
struct Members<'a> {
    sid: Option<&'a Value>,
    effect: Option<&'a Value>,
    action: Option<&'a Value>,
    not_action: Option<&'a Value>,
    resource: Option<&'a Value>,
    not_resource: Option<&'a Value>,
    principal: Option<&'a Value>,
    not_principal: Option<&'a Value>,
    condition: Option<&'a Value>,
}

impl<'a> Members<'a> {
    /// Nothing for a statement that is not an object (as `Value::get` finds nothing there).
    fn of(s: &'a Value) -> Members<'a> {
        let mut m = Members::default();
        let Value::Object(map) = s else { return m };
        for (name, value) in map {
            let slot = match name.as_str() {
                "Sid" => &mut m.sid,
                "Effect" => &mut m.effect,
                "Action" => &mut m.action,
                "NotAction" => &mut m.not_action,
                "Resource" => &mut m.resource,
                "NotResource" => &mut m.not_resource,
                "Principal" => &mut m.principal,
                "NotPrincipal" => &mut m.not_principal,
                "Condition" => &mut m.condition,
                _ => continue,
            };
            *slot = Some(value);
        }
        m
    }
}

fn statement(s: &Value, pointer: String) -> Statement {
    let mut problems = Vec::new();
    if !s.is_object() {
        problems.push(format!("the statement is {}, not an object", kind_of(s)));
    }
    let m = Members::of(s);
    let mut conditions = Vec::new();
    match m.condition {
        None | Some(Value::Null) => {}
        Some(Value::Object(ops)) => {
            for (operator, keys) in ops {
                match keys {
                    Value::Object(keys) => {
                        for (key, values) in keys {
                            let values = strings(Some(values), &mut problems, Part::Condition(operator, key));
                            conditions.push(Condition { operator: operator.clone(), key: key.clone(), values });
                        }
                    }
                    other => problems.push(format!("condition {operator} is {}, not an object", kind_of(other))),
                }
            }
        }
        Some(other) => problems.push(format!("Condition is {}, not an object", kind_of(other))),
    }
    for c in &conditions {
        if !crate::condition::is_known_operator(&c.operator) {
            problems.push(format!("unknown condition operator {:?}", c.operator));
        }
    }
    let effect = match m.effect.and_then(Value::as_str) {
        Some("Deny") => Effect::Deny,
        Some("Allow") => Effect::Allow,
        other => {
            problems.push(match other {
                Some(e) => format!("Effect {e:?} is neither \"Allow\" nor \"Deny\" (they are case-sensitive)"),
                None => "no Effect".to_string(),
            });
            // Read as AWS's parsers never would; kept as Allow so pattern-level callers still
            // see the grant, while the evaluator skips it (problems).
            Effect::Allow
        }
    };
    let actions = strings(m.action, &mut problems, Part::Named("Action"));
    let not_actions = strings(m.not_action, &mut problems, Part::Named("NotAction"));
    if m.action.is_some() && m.not_action.is_some() {
        problems.push("both Action and NotAction".into());
    } else if actions.is_empty() && not_actions.is_empty() {
        problems.push("no Action or NotAction".into());
    }
    let resources = strings(m.resource, &mut problems, Part::Named("Resource"));
    let not_resources = strings(m.not_resource, &mut problems, Part::Named("NotResource"));
    if m.resource.is_some() && m.not_resource.is_some() {
        problems.push("both Resource and NotResource".into());
    }
    let principal = principals(m.principal, &mut problems);
    let not_principal = principals(m.not_principal, &mut problems);
    Statement {
        sid: m.sid.and_then(Value::as_str).map(str::to_string),
        effect,
        actions,
        not_actions,
        resources,
        not_resources,
        principal,
        not_principal,
        conditions,
        pointer,
        problems,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The statements of a policy document (`Statement` may be one object or a list).
pub fn statements(document: &Value) -> Vec<Statement> {
    match document.get("Statement") {
        Some(Value::Array(items)) => {
            items.iter().enumerate().map(|(i, s)| statement(s, format!("/Statement/{i}"))).collect()
        }
        Some(single @ Value::Object(_)) => vec![statement(single, "/Statement".to_string())],
        _ => Vec::new(),
    }
}

/// A whole document's problems: the document's own (not an object, no statements) and each
/// statement's, prefixed with its pointer. Empty for a well-formed document.
pub fn document_problems(document: &Value, statements: &[Statement]) -> Vec<String> {
    let mut out = Vec::new();
    match document {
        Value::Object(_) => match document.get("Statement") {
            Some(Value::Array(_)) | Some(Value::Object(_)) => {}
            None => out.push("the document has no Statement".to_string()),
            Some(other) => out.push(format!("Statement is {}, not a list or an object", kind_of(other))),
        },
        Value::String(_) => out.push("the document is not JSON (kept as text)".to_string()),
        other => out.push(format!("the document is {}, not an object", kind_of(other))),
    }
    for s in statements {
        out.extend(s.problems.iter().map(|p| format!("{}: {p}", s.pointer)));
    }
    out
}

impl Statement {
    /// Whether the statement's action part covers `action` (`s3:GetObject`).
    pub fn covers_action(&self, action: &str) -> bool {
        if !self.not_actions.is_empty() {
            return !self.not_actions.iter().any(|p| wildcard_match(p, action, true));
        }
        self.actions.iter().any(|p| wildcard_match(p, action, true))
    }

    /// Whether the statement's resource part covers `resource` (an ARN), variables unresolved.
    pub fn covers_resource(&self, resource: &str) -> bool {
        if !self.not_resources.is_empty() {
            return !self.not_resources.iter().any(|p| wildcard_match(p, resource, false));
        }
        self.resources.iter().any(|p| wildcard_match(p, resource, false))
    }

    /// `Action: "*"` (or `NotAction` with anything) on `Resource: "*"`, as written.
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
        assert!(s.problems.is_empty());
        let doc = json!({"Statement": [{"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"}]});
        let s = &statements(&doc)[0];
        assert_eq!(s.effect, Effect::Deny);
        assert!(s.covers_action("s3:GetObject") && !s.covers_action("IAM:PassRole"));
        assert_eq!(s.pointer, "/Statement/0");
    }

    #[test]
    fn principals_and_conditions() {
        let doc = json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", "AWS": ["*"]},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "ForAllValues:StringLikeIfExists": {"token.actions.githubusercontent.com:sub": ["repo:o/r:*"]},
                "Bool": {"aws:SecureTransport": false}
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
        assert_eq!(s.conditions_on("aws:SecureTransport").next().unwrap().values, vec!["false"]);
    }

    #[test]
    fn malformed_statements_say_why() {
        let doc = json!({"Statement": [
            {"Effect": "allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"},
            {"Effect": "Allow", "Action": {"x": 1}, "Resource": "*", "Condition": "yes"},
            "not a statement",
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEqualz": {"aws:username": "x"}}}
        ]});
        let all = statements(&doc);
        assert!(all[0].problems[0].contains("case-sensitive"), "{:?}", all[0].problems);
        assert!(all[1].problems.iter().any(|p| p.contains("no Action")));
        assert!(all[2].problems.iter().any(|p| p.contains("both Action and NotAction")));
        assert!(all[3].problems.iter().any(|p| p.contains("Condition is a string")));
        assert!(all[4].problems.iter().any(|p| p.contains("not an object")));
        assert_eq!(all[5].problems, vec!["unknown condition operator \"StringEqualz\""]);
        let problems = document_problems(&doc, &all);
        assert!(problems.iter().any(|p| p.starts_with("/Statement/4: ")));
        assert_eq!(document_problems(&json!("{oops"), &[]), vec!["the document is not JSON (kept as text)"]);
        assert!(document_problems(&json!({"Version": "2012-10-17"}), &[])[0].contains("no Statement"));
    }

    #[test]
    fn full_admin_as_written() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        assert!(statements(&doc)[0].is_full_admin());
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        assert!(!statements(&doc)[0].is_full_admin());
    }
}
