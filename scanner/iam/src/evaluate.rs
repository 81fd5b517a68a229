//! The evaluator: one request (principal, action, resource, context) against the policies that
//! apply to it → a decision and the statements that made it. A pure function: no I/O, no
//! snapshot reading; [`crate::account`] builds its inputs from a snapshot.
//!
//! Follows AWS's documented policy evaluation logic:
//! 1. an explicit `Deny` in any policy (SCP, RCP, resource-based, permissions boundary, session,
//!    identity) decides;
//! 2. every level of SCPs (and of RCPs, for the resource's account) must allow;
//! 3. within one account, the identity policies (capped by the permissions boundary and the
//!    session policies) **or** the resource-based policy allow. A resource-based policy that names
//!    the user, the role session or anyone allows on its own; one that names the role's ARN is
//!    still capped by the boundary and session policies; one that names the account delegates to
//!    the identity policies. Role trust policies and KMS key policies must allow in any case;
//! 4. across accounts, the identity policies **and** the resource-based policy must allow.
//!
//! Conditions the analysis cannot decide (an open [`Context`]) make the decision `Conditional`,
//! with the undecided conditions named — never a silent allow or deny.

use crate::condition;
use crate::context::{Context, Tri};
use crate::pattern::{Resolved, resolve, wildcard_match};
use crate::policy::{Condition, Effect, Principals, Statement};
use std::collections::BTreeMap;

/// A policy document, parsed, and where it lives.
#[derive(Debug, Clone)]
pub struct Policy {
    pub source: Source,
    pub statements: Vec<Statement>,
    /// What is malformed in the document (see [`crate::policy::document_problems`]).
    pub problems: Vec<String>,
}

impl Policy {
    /// Parse a decoded document.
    pub fn new(source: Source, document: &serde_json::Value) -> Policy {
        let statements = crate::policy::statements(document);
        let problems = crate::policy::document_problems(document, &statements);
        Policy { source, statements, problems }
    }
}

/// Where a policy document lives: the snapshot resource holding it and the JSON pointer of the
/// document inside that resource, with a label for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `inline policy "deploy" of role/ci`, `AWS-managed policy AdministratorAccess`, …
    pub label: String,
    /// ARN of the resource that holds the document.
    pub holder: String,
    /// JSON pointer of the document inside the holder (`/config/document`).
    pub pointer: String,
}

impl Source {
    pub fn new(label: impl Into<String>, holder: impl Into<String>, pointer: impl Into<String>) -> Source {
        Source { label: label.into(), holder: holder.into(), pointer: pointer.into() }
    }
}

/// What kind of principal makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    /// A session of this role (its ARN is the role's; the session's is derived).
    Role,
    /// The account's root user.
    Root,
    /// An AWS service (`lambda.amazonaws.com`).
    Service,
    /// Anyone: an unauthenticated caller or a principal of an unknown account.
    Anonymous,
}

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// A user or role ARN, the account root ARN, or the service principal name.
    pub arn: String,
    pub kind: PrincipalKind,
    pub account: String,
    /// User or role name (the path left out).
    pub name: String,
    /// The unique id (`AIDA…`, `AROA…`), when known.
    pub id: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The role session name used for `aws:userid` and session ARNs.
    pub session: String,
}

impl Principal {
    /// A principal from an IAM ARN (`…:user/path/name`, `…:role/path/name`, `…:root`).
    pub fn from_arn(arn: &str) -> Principal {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let account = parts.get(4).copied().unwrap_or_default().to_string();
        let resource = parts.get(5).copied().unwrap_or_default();
        let (kind, name) = if let Some(rest) = resource.strip_prefix("user/") {
            (PrincipalKind::User, rest.rsplit('/').next().unwrap_or(rest))
        } else if let Some(rest) = resource.strip_prefix("role/") {
            (PrincipalKind::Role, rest.rsplit('/').next().unwrap_or(rest))
        } else if resource == "root" {
            (PrincipalKind::Root, "root")
        } else if arn.ends_with(".amazonaws.com") || arn.ends_with(".amazonaws.com.cn") {
            (PrincipalKind::Service, arn)
        } else {
            (PrincipalKind::Anonymous, resource)
        };
        Principal {
            arn: arn.to_string(),
            kind,
            account,
            name: name.to_string(),
            id: None,
            tags: BTreeMap::new(),
            session: "bbscan".to_string(),
        }
    }

    /// A service principal (`lambda.amazonaws.com`).
    pub fn service(name: &str) -> Principal {
        Principal {
            arn: name.to_string(),
            kind: PrincipalKind::Service,
            account: String::new(),
            name: name.to_string(),
            id: None,
            tags: BTreeMap::new(),
            session: String::new(),
        }
    }

    fn partition(&self) -> &str {
        self.arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
    }

    /// The ARN a request of this principal carries: a role's is its session's.
    pub fn request_arn(&self) -> String {
        match self.kind {
            PrincipalKind::Role => {
                format!("arn:{}:sts::{}:assumed-role/{}/{}", self.partition(), self.account, self.name, self.session)
            }
            _ => self.arn.clone(),
        }
    }

    /// The global condition keys AWS sets from the principal (`aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`, `aws:userid`, every
    /// `aws:PrincipalTag/…`), added to `ctx` unless already set there.
    pub fn describe_into(&self, ctx: &mut Context) {
        let put = |ctx: &mut Context, key: &str, value: Option<String>| {
            if !ctx.is_set(key) {
                match value {
                    Some(v) => ctx.set(key, v),
                    None => ctx.set_absent(key),
                };
            }
        };
        let (ptype, username, userid) = match self.kind {
            PrincipalKind::User => ("User", Some(self.name.clone()), self.id.clone()),
            PrincipalKind::Role => ("AssumedRole", None, self.id.as_ref().map(|id| format!("{id}:{}", self.session))),
            PrincipalKind::Root => ("Account", None, Some(self.account.clone())),
            PrincipalKind::Service => ("AWSService", None, None),
            PrincipalKind::Anonymous => ("Anonymous", None, None),
        };
        put(ctx, "aws:PrincipalType", Some(ptype.to_string()));
        if self.kind != PrincipalKind::Service && self.kind != PrincipalKind::Anonymous {
            put(ctx, "aws:PrincipalArn", Some(self.arn.clone()));
            put(ctx, "aws:PrincipalAccount", Some(self.account.clone()));
        }
        put(ctx, "aws:PrincipalIsAWSService", Some((self.kind == PrincipalKind::Service).to_string()));
        put(ctx, "aws:username", username);
        if let Some(id) = userid {
            put(ctx, "aws:userid", Some(id));
        }
        if self.kind == PrincipalKind::Service {
            put(ctx, "aws:PrincipalServiceName", Some(self.arn.clone()));
        }
        for (k, v) in &self.tags {
            put(ctx, &format!("aws:PrincipalTag/{k}"), Some(v.clone()));
        }
        ctx.complete("aws:PrincipalTag/");
    }
}

/// The kinds of policy a request meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    Scp,
    Rcp,
    Resource,
    Boundary,
    Session,
    Identity,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::Boundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::Identity => "identity policy",
        }
    }
}

/// The policies that apply to one request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policies<'a> {
    /// The principal's identity policies: inline, managed, and its groups'.
    pub identity: &'a [&'a Policy],
    pub boundary: Option<&'a Policy>,
    /// Session policies; empty when the session has none.
    pub session: &'a [&'a Policy],
    /// SCPs of the principal's account, one list per level (root, OUs, account); empty when no
    /// SCP applies (no organisation, the management account, or none readable).
    pub scps: &'a [Vec<&'a Policy>],
    /// RCPs of the resource's account, per level, the same way.
    pub rcps: &'a [Vec<&'a Policy>],
    /// The resource's own policy (bucket policy, role trust policy, key policy, …).
    pub resource: Option<&'a Policy>,
}

/// One request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: &'a Principal,
    /// `service:Action`.
    pub action: &'a str,
    /// The resource ARN (`*` for actions that take none).
    pub resource: &'a str,
    /// The account owning the resource; `None`: the principal's own.
    pub resource_account: Option<&'a str>,
    pub context: &'a Context,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// Nothing allows (or a required layer — SCP, boundary, trust policy — does not).
    ImplicitDeny,
    /// Allowed for some values of the keys the analysis does not know, denied for others.
    Conditional,
}

impl Decision {
    pub fn is_allow(self) -> bool {
        self == Decision::Allow
    }

    /// Allowed, or allowed under some conditions.
    pub fn possible(self) -> bool {
        matches!(self, Decision::Allow | Decision::Conditional)
    }
}

/// A statement that applied to the request (or may have).
#[derive(Debug, Clone)]
pub struct Reason<'a> {
    pub kind: PolicyKind,
    pub policy: &'a Policy,
    pub statement: &'a Statement,
    /// `True`: applies; `Unknown`: applies only under `unresolved`.
    pub applies: Tri,
    /// The statement's conditions the analysis could not decide.
    pub unresolved: Vec<&'a Condition>,
}

impl Reason<'_> {
    /// `ARN#pointer` of the statement, or just the pointer when the holder is `holder`.
    pub fn evidence(&self, holder: &str) -> String {
        let pointer = format!("{}{}", self.policy.source.pointer, self.statement.pointer);
        if self.policy.source.holder == holder { pointer } else { format!("{}#{pointer}", self.policy.source.holder) }
    }

    /// `inline policy "x" of role/y Statement/2`.
    pub fn place(&self) -> String {
        format!("{} {}", self.policy.source.label, self.statement.pointer.trim_start_matches('/'))
    }
}

/// The decision and why.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    pub decision: Decision,
    /// For `Allow`: the statements that allowed (and the boundary, SCP and session statements
    /// that let them); for `ExplicitDeny`: the denying statements; for `Conditional`: the
    /// statements that apply only under conditions, with those conditions.
    pub reasons: Vec<Reason<'a>>,
    /// For `ImplicitDeny` (and `Conditional`): the layers with no allowing statement.
    pub missing: Vec<PolicyKind>,
    /// Malformed statements met and skipped, as `label pointer: problem`.
    pub problems: Vec<String>,
}

impl Outcome<'_> {
    /// The conditions the decision depends on, as text (deduplicated).
    pub fn conditions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.reasons {
            for c in &r.unresolved {
                let text = c.to_string();
                if !out.contains(&text) {
                    out.push(text);
                }
            }
        }
        out
    }
}

/// How a resource-based statement names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    /// The user, the role session, or anyone: the statement allows on its own.
    Directly,
    /// The role's ARN: capped by the boundary and session policies.
    RoleArn,
    /// The account: delegates to the identity policies.
    Account,
}

fn account_of(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    let rest = value.strip_prefix("arn:")?;
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    (parts.len() == 5 && parts[1] == "iam" && parts[4] == "root").then_some(parts[3])
}

/// Whether `principals` (a `Principal` element) names the caller, and how.
fn names(principals: &Principals, p: &Principal) -> Option<Named> {
    if principals.anyone {
        return Some(Named::Directly);
    }
    match p.kind {
        PrincipalKind::Service => {
            return principals.service.iter().any(|s| s.eq_ignore_ascii_case(&p.arn)).then_some(Named::Directly);
        }
        PrincipalKind::Anonymous => return None,
        _ => {}
    }
    let mut best: Option<Named> = None;
    for v in &principals.aws {
        let found = if *v == p.arn {
            match p.kind {
                PrincipalKind::Role => Some(Named::RoleArn),
                PrincipalKind::Root => Some(Named::Account),
                _ => Some(Named::Directly),
            }
        } else if p.kind == PrincipalKind::Role && v.contains(":assumed-role/") && *v == p.request_arn() {
            Some(Named::Directly)
        } else if account_of(v) == Some(p.account.as_str()) {
            Some(Named::Account)
        } else {
            None
        };
        best = match (best, found) {
            (Some(Named::Directly), _) | (_, Some(Named::Directly)) => Some(Named::Directly),
            (Some(Named::RoleArn), _) | (_, Some(Named::RoleArn)) => Some(Named::RoleArn),
            (a, b) => a.or(b),
        };
    }
    best
}

/// Whether a resource pattern covers the resource: `Unknown` when a policy variable in it has no
/// known value.
fn resource_match(patterns: &[String], resource: &str, ctx: &Context) -> Tri {
    let mut out = Tri::False;
    for p in patterns {
        let t = if p.contains("${") {
            match resolve(p, &|k| ctx.variable(k)) {
                Resolved::Value(v) => Tri::from_bool(wildcard_match(&v, resource, false)),
                Resolved::Missing => Tri::False,
                Resolved::Unknown(_) => Tri::Unknown,
            }
        } else {
            Tri::from_bool(wildcard_match(p, resource, false))
        };
        out = out.or(t);
        if out == Tri::True {
            break;
        }
    }
    out
}

/// Whether a statement applies to the request, and under which undecided conditions.
fn applies<'a>(s: &'a Statement, kind: PolicyKind, req: &Request<'_>) -> (Tri, Vec<&'a Condition>) {
    let action = if s.not_actions.is_empty() {
        s.actions.iter().any(|a| wildcard_match(a, req.action, true))
    } else {
        !s.not_actions.iter().any(|a| wildcard_match(a, req.action, true))
    };
    if !action {
        return (Tri::False, Vec::new());
    }
    let resource = if !s.not_resources.is_empty() {
        // A pattern whose variable has no value cannot show the resource is outside it: an
        // unresolved variable never helps a statement apply.
        let missing = s
            .not_resources
            .iter()
            .any(|p| p.contains("${") && matches!(resolve(p, &|k| req.context.variable(k)), Resolved::Missing));
        if missing { Tri::False } else { resource_match(&s.not_resources, req.resource, req.context).not() }
    } else if !s.resources.is_empty() {
        resource_match(&s.resources, req.resource, req.context)
    } else if kind == PolicyKind::Identity || kind == PolicyKind::Boundary || kind == PolicyKind::Session {
        // AWS refuses identity statements without a resource; problems already say so.
        Tri::False
    } else {
        // Resource-based policies apply to their resource; SCPs and RCPs to everything.
        Tri::True
    };
    if resource == Tri::False {
        return (Tri::False, Vec::new());
    }
    let mut result = resource;
    let mut unresolved = Vec::new();
    for c in &s.conditions {
        let t = condition::evaluate(c, req.context);
        if t == Tri::Unknown {
            unresolved.push(c);
        }
        result = result.and(t);
        if result == Tri::False {
            return (Tri::False, Vec::new());
        }
    }
    (result, unresolved)
}

struct Hit<'a> {
    reason: Reason<'a>,
    named: Option<Named>,
}

/// Decide one request.
pub fn evaluate<'a>(req: &Request<'_>, policies: &Policies<'a>) -> Outcome<'a> {
    let mut problems = Vec::new();
    let mut hits: Vec<Hit<'a>> = Vec::new();
    let mut scan = |kind: PolicyKind, policy: &'a Policy, level: usize, hits: &mut Vec<(usize, Hit<'a>)>| {
        for s in &policy.statements {
            if !s.problems.is_empty() {
                for p in &s.problems {
                    let text = format!("{} {}: {p}", policy.source.label, s.pointer);
                    if !problems.contains(&text) {
                        problems.push(text);
                    }
                }
                continue;
            }
            let named = if kind == PolicyKind::Resource {
                let named = match (&s.principal, &s.not_principal) {
                    (Some(p), _) => names(p, req.principal),
                    // NotPrincipal: everyone but those listed.
                    (None, Some(np)) => match names(np, req.principal) {
                        Some(_) => None,
                        None => Some(Named::Directly),
                    },
                    (None, None) => None,
                };
                if named.is_none() {
                    continue;
                }
                named
            } else {
                None
            };
            let (t, unresolved) = applies(s, kind, req);
            if t != Tri::False {
                hits.push((
                    level,
                    Hit { reason: Reason { kind, policy, statement: s, applies: t, unresolved }, named },
                ));
            }
        }
    };
    let mut leveled: Vec<(usize, Hit<'a>)> = Vec::new();
    for p in policies.identity {
        scan(PolicyKind::Identity, p, 0, &mut leveled);
    }
    if let Some(p) = policies.boundary {
        scan(PolicyKind::Boundary, p, 0, &mut leveled);
    }
    for p in policies.session {
        scan(PolicyKind::Session, p, 0, &mut leveled);
    }
    if let Some(p) = policies.resource {
        scan(PolicyKind::Resource, p, 0, &mut leveled);
    }
    for (level, list) in policies.scps.iter().enumerate() {
        for p in list {
            scan(PolicyKind::Scp, p, level, &mut leveled);
        }
    }
    for (level, list) in policies.rcps.iter().enumerate() {
        for p in list {
            scan(PolicyKind::Rcp, p, level, &mut leveled);
        }
    }
    let levels: Vec<usize> = leveled.iter().map(|(l, _)| *l).collect();
    hits.extend(leveled.into_iter().map(|(_, h)| h));

    // Explicit deny.
    let deny = hits
        .iter()
        .filter(|h| h.reason.statement.effect == Effect::Deny)
        .fold(Tri::False, |acc, h| acc.or(h.reason.applies));
    let allow_of = |kind: PolicyKind, filter: &dyn Fn(&Hit<'a>, usize) -> bool| -> Tri {
        hits.iter()
            .zip(&levels)
            .filter(|(h, l)| h.reason.kind == kind && h.reason.statement.effect == Effect::Allow && filter(h, **l))
            .fold(Tri::False, |acc, (h, _)| acc.or(h.reason.applies))
    };
    let mut missing = Vec::new();
    let every_level = |kind: PolicyKind, count: usize, missing: &mut Vec<PolicyKind>| -> Tri {
        let mut out = Tri::True;
        for level in 0..count {
            let t = allow_of(kind, &|_, l| l == level);
            if t == Tri::False && !missing.contains(&kind) {
                missing.push(kind);
            }
            out = out.and(t);
        }
        out
    };
    let scp = every_level(PolicyKind::Scp, policies.scps.len(), &mut missing);
    let rcp = every_level(PolicyKind::Rcp, policies.rcps.len(), &mut missing);
    let root = req.principal.kind == PrincipalKind::Root;
    let identity = if root { Tri::True } else { allow_of(PolicyKind::Identity, &|_, _| true) };
    let boundary = match policies.boundary {
        Some(_) if !root => allow_of(PolicyKind::Boundary, &|_, _| true),
        _ => Tri::True,
    };
    let session = if policies.session.is_empty() { Tri::True } else { allow_of(PolicyKind::Session, &|_, _| true) };
    let capped = boundary.and(session);
    let identity_path = identity.and(capped);
    let named = |n: Named| allow_of(PolicyKind::Resource, &|h, _| h.named == Some(n));
    let (directly, role_arn, account) = (named(Named::Directly), named(Named::RoleArn), named(Named::Account));
    let same_account = req.resource_account.is_none_or(|a| a == req.principal.account);
    let required = policies.resource.is_some() && resource_policy_required(req.action);
    let allowed = if req.principal.kind == PrincipalKind::Service || req.principal.kind == PrincipalKind::Anonymous {
        // No identity policies: only the resource policy can allow.
        directly
    } else if same_account {
        let resource_alone = directly.or(role_arn.and(capped));
        if required { resource_alone.or(account.and(identity_path)) } else { identity_path.or(resource_alone) }
    } else {
        identity_path.and(directly.or(role_arn).or(account))
    };
    if identity == Tri::False && !root && req.principal.kind != PrincipalKind::Service {
        let resource_helps = directly.possible() || role_arn.possible();
        if !(same_account && resource_helps) {
            missing.push(PolicyKind::Identity);
        }
    }
    if boundary == Tri::False && identity.possible() {
        missing.push(PolicyKind::Boundary);
    }
    if session == Tri::False {
        missing.push(PolicyKind::Session);
    }
    if policies.resource.is_some() && (required || !same_account) && (directly.or(role_arn).or(account)) == Tri::False {
        missing.push(PolicyKind::Resource);
    }
    let result = deny.not().and(scp).and(rcp).and(allowed);
    let decision = match result {
        Tri::True => Decision::Allow,
        Tri::False if deny == Tri::True => Decision::ExplicitDeny,
        Tri::False => Decision::ImplicitDeny,
        Tri::Unknown => Decision::Conditional,
    };
    let reasons = hits
        .into_iter()
        .map(|h| h.reason)
        .filter(|r| match decision {
            Decision::Allow => r.statement.effect == Effect::Allow && r.applies == Tri::True,
            Decision::ExplicitDeny => r.statement.effect == Effect::Deny && r.applies == Tri::True,
            Decision::ImplicitDeny => false,
            Decision::Conditional => r.applies == Tri::Unknown,
        })
        .collect();
    if decision == Decision::Allow || decision == Decision::ExplicitDeny {
        missing.clear();
    }
    Outcome { decision, reasons, missing, problems }
}

/// Actions whose resource-based policy must allow even within the account: assuming a role (its
/// trust policy) and using a KMS key (its key policy; naming the account delegates to IAM).
pub fn resource_policy_required(action: &str) -> bool {
    let (service, name) = action.split_once(':').unwrap_or((action, ""));
    (service.eq_ignore_ascii_case("sts") && name.len() >= 10 && name[..10].eq_ignore_ascii_case("AssumeRole"))
        || service.eq_ignore_ascii_case("kms")
}
