//! `bbscan iam`: ask the IAM evaluator directly. "Can this principal do this action on this
//! resource?" answered the way AWS decides it, with the statements that decided and the
//! conditions left open; and every principal's shortest way to administrator.
//!
//! The same implementation the IAM policy uses (crate `bbscan-iam`), run over a snapshot.

use bbscan_iam::account::Account;
use bbscan_iam::escalation::Graph;
use bbscan_iam::{Decision, KeyValue, PolicyKind, Request, evaluate};
use bbscan_model::Snapshot;
use serde::Serialize;

/// What a user asks.
#[derive(Debug, Clone)]
pub struct Question {
    /// An IAM user or role, by ARN or by name.
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// Context keys the request carries (`aws:SourceIp=203.0.113.7`); a key given several times
    /// is multivalued.
    pub context: Vec<(String, String)>,
    /// Every key not given is absent (a concrete request), not unknown.
    pub closed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("no IAM user or role {given:?} in the snapshot{hint}")]
    UnknownPrincipal { given: String, hint: String },
    #[error("{given:?} names {count} principals ({names}); give the ARN")]
    Ambiguous { given: String, count: usize, names: String },
}

/// A statement that decided, for people and machines.
#[derive(Debug, Clone, Serialize)]
pub struct Because {
    /// `identity policy`, `permissions boundary`, `resource-based policy`, …
    pub kind: String,
    pub effect: String,
    /// `inline policy "deploy" of role ci Statement/0`.
    pub statement: String,
    /// `ARN#pointer` of the statement in the snapshot.
    pub evidence: String,
    /// The statement's conditions the request does not decide.
    pub open_conditions: Vec<String>,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// `allow`, `explicit_deny`, `implicit_deny` or `conditional`.
    pub decision: String,
    pub because: Vec<Because>,
    /// For a deny (or a conditional answer): the kinds of policy with nothing that allows.
    pub nothing_allows_in: Vec<String>,
    /// Statements skipped as malformed.
    pub problems: Vec<String>,
    /// What the answer assumes for lack of data (unread policies, SCPs).
    pub assumes: Vec<String>,
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allow",
        Decision::ExplicitDeny => "explicit_deny",
        Decision::ImplicitDeny => "implicit_deny",
        Decision::Conditional => "conditional",
    }
}

fn find_entity(account: &Account, given: &str) -> Result<usize, ExplainError> {
    if let Some(i) = account.entity_by_arn(given) {
        return Ok(i);
    }
    let by_name: Vec<usize> = account
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.principal.name == given || format!("{}/{}", e.kind.trim_start_matches("iam."), e.principal.name) == given
        })
        .map(|(i, _)| i)
        .collect();
    match by_name.as_slice() {
        [one] => Ok(*one),
        [] => {
            let mut near: Vec<&str> = account
                .entities
                .iter()
                .map(|e| e.principal.name.as_str())
                .filter(|n| n.to_ascii_lowercase().contains(&given.to_ascii_lowercase()))
                .take(5)
                .collect();
            near.sort_unstable();
            let hint = if near.is_empty() {
                " (bbscan iam paths lists the users and roles)".to_string()
            } else {
                format!("; did you mean {}?", near.join(", "))
            };
            Err(ExplainError::UnknownPrincipal { given: given.to_string(), hint })
        }
        many => Err(ExplainError::Ambiguous {
            given: given.to_string(),
            count: many.len(),
            names: many.iter().map(|&i| account.entities[i].principal.arn.clone()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// The resource-based policy that applies to a resource ARN: the resource's own, or for an S3
/// object its bucket's.
fn resource_policy<'a>(account: &'a Account, resource: &str) -> Option<&'a bbscan_iam::Policy> {
    if let Some(&i) = account.resource_policies.get(resource) {
        return Some(&account.policies[i]);
    }
    if let Some(e) = account.entity_by_arn(resource)
        && let Some(t) = account.entities[e].trust
    {
        return Some(&account.policies[t]);
    }
    let bucket = resource.strip_prefix("arn:aws:s3:::").and_then(|r| r.split('/').next())?;
    account.resource_policies.get(&format!("arn:aws:s3:::{bucket}")).map(|&i| &account.policies[i])
}

fn account_of(snapshot: &Snapshot) -> Account {
    Account::from_resources(&snapshot.metadata.account_id, &snapshot.resources)
}

/// Answer one question.
pub fn can(snapshot: &Snapshot, q: &Question) -> Result<Answer, ExplainError> {
    let account = account_of(snapshot);
    let i = find_entity(&account, &q.principal)?;
    let e = &account.entities[i];
    let mut ctx = if q.closed { bbscan_iam::Context::closed() } else { bbscan_iam::Context::open() };
    let mut given: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in &q.context {
        given.entry(k.clone()).or_default().push(v.clone());
    }
    for (k, values) in given {
        ctx.set_many(&k, values);
    }
    let derived = account.context_of(e);
    for key in ["aws:PrincipalOrgID"] {
        if !ctx.is_set(key)
            && let KeyValue::Values(v) = derived.get(key)
        {
            ctx.set_many(key, v);
        }
    }
    e.principal.describe_into(&mut ctx);
    let resource_account = q.resource.split(':').nth(4).filter(|a| a.len() == 12).unwrap_or(&account.id).to_string();
    let own = resource_account == account.id;
    let policies = account.policies_of(e);
    let outcome = evaluate(
        &Request {
            principal: &e.principal,
            action: &q.action,
            resource: &q.resource,
            resource_account: Some(&resource_account),
            context: &ctx,
        },
        &policies.with_resource(resource_policy(&account, &q.resource), own),
    );
    let because = outcome
        .reasons
        .iter()
        .map(|r| Because {
            kind: r.kind.as_str().to_string(),
            effect: format!("{:?}", r.statement.effect),
            statement: r.place(),
            evidence: r.evidence(""),
            open_conditions: r.unresolved.iter().map(|c| c.to_string()).collect(),
        })
        .collect();
    let mut assumes = e.unread.clone();
    assumes.extend(account.gaps.iter().cloned());
    Ok(Answer {
        principal: e.principal.arn.clone(),
        action: q.action.clone(),
        resource: q.resource.clone(),
        decision: decision_name(outcome.decision).to_string(),
        because,
        nothing_allows_in: outcome.missing.iter().map(|k: &PolicyKind| k.as_str().to_string()).collect(),
        problems: outcome.problems.clone(),
        assumes,
    })
}

/// One principal's way to administrator.
#[derive(Debug, Clone, Serialize)]
pub struct Escalation {
    pub principal: String,
    /// `user ci → (iam:PassRole + lambda:CreateFunction) → role admin = administrator`.
    pub path: String,
    pub conditional: bool,
    /// Every step: how, the actions, the statements that allow it.
    pub steps: Vec<EscalationStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EscalationStep {
    pub how: String,
    pub actions: Vec<String>,
    pub evidence: Vec<String>,
    pub conditions: Vec<String>,
}

/// Who is an administrator, and every other principal's shortest way to become one.
#[derive(Debug, Clone, Serialize)]
pub struct Paths {
    pub administrators: Vec<String>,
    pub escalations: Vec<Escalation>,
    pub principals: usize,
    pub assumes: Vec<String>,
}

pub fn paths(snapshot: &Snapshot) -> Paths {
    let account = account_of(snapshot);
    let graph = Graph::build(&account);
    let mut administrators = Vec::new();
    let mut escalations = Vec::new();
    for (i, e) in account.entities.iter().enumerate() {
        if graph.is_admin_entity(i) {
            administrators.push(e.principal.arn.clone());
            continue;
        }
        let Some(path) = graph.path_to_admin(i) else { continue };
        escalations.push(Escalation {
            principal: e.principal.arn.clone(),
            path: path.describe(&account),
            conditional: path.conditional,
            steps: path
                .edges
                .iter()
                .map(|edge| EscalationStep {
                    how: edge.how.clone(),
                    actions: unique(edge.steps.iter().map(|s| s.action.clone())),
                    evidence: unique(edge.steps.iter().flat_map(|s| s.evidence.iter().cloned())),
                    conditions: unique(edge.steps.iter().flat_map(|s| s.conditions.iter().cloned())),
                })
                .collect(),
        });
    }
    Paths { administrators, escalations, principals: account.entities.len(), assumes: account.gaps.clone() }
}

fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The answer for people.
pub fn answer_text(a: &Answer) -> String {
    let mut out = format!("{} {} on {}: {}\n", a.principal, a.action, a.resource, a.decision.replace('_', " "));
    for b in &a.because {
        out.push_str(&format!("  {} ({}, {}): {}\n", b.statement, b.kind, b.effect, b.evidence));
        for c in &b.open_conditions {
            out.push_str(&format!("    only if {c}\n"));
        }
    }
    if !a.nothing_allows_in.is_empty() {
        out.push_str(&format!("  nothing allows it in: {}\n", a.nothing_allows_in.join(", ")));
    }
    for p in &a.problems {
        out.push_str(&format!("  skipped (malformed): {p}\n"));
    }
    for s in &a.assumes {
        out.push_str(&format!("  assumes: {s}\n"));
    }
    out
}

/// The paths for people.
pub fn paths_text(p: &Paths) -> String {
    let mut out = format!(
        "{} principals: {} administrators, {} can make themselves one\n",
        p.principals,
        p.administrators.len(),
        p.escalations.len()
    );
    for a in &p.administrators {
        out.push_str(&format!("  administrator: {a}\n"));
    }
    for e in &p.escalations {
        out.push_str(&format!("  {}{}\n", e.path, if e.conditional { " (conditional)" } else { "" }));
        for s in &e.steps {
            out.push_str(&format!("    {}: {}\n", s.how, s.evidence.join(", ")));
            for c in &s.conditions {
                out.push_str(&format!("      only if {c}\n"));
            }
        }
    }
    for s in &p.assumes {
        out.push_str(&format!("  assumes: {s}\n"));
    }
    out
}
