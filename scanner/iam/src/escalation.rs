//! Privilege escalation as a graph, in the manner of PMapper: nodes are principals, an edge
//! A → B says that A can become or act as B, and an administrator ("`*` on `*`" after
//! evaluation, see [`crate::effective`]) is the goal. For every principal that is not already an
//! administrator, [`Graph::path_to_admin`] gives the shortest way there, each step with the
//! statements that allow it.
//!
//! Edges (one checker per family, in [`edges`]):
//! - **become** B: `sts:AssumeRole` on B (B's trust policy and A's identity policies, as AWS
//!   decides it); `iam:PassRole` of B to a compute service whose trust B grants, together with
//!   the service's create-and-run actions (Lambda, EC2 with an instance profile, ECS, Glue,
//!   CloudFormation, CodeBuild, SageMaker, Step Functions, Data Pipeline, App Runner);
//!   `lambda:UpdateFunctionCode`/`UpdateFunctionConfiguration` of a function that runs as B;
//!   `iam:CreateAccessKey`, `iam:CreateLoginProfile`, `iam:UpdateLoginProfile` of user B;
//!   `iam:UpdateAssumeRolePolicy` of role B (then assuming it);
//! - **raise** B (A itself, or a principal A can become) to whatever B's boundary allows:
//!   `iam:Put{User,Role,Group}Policy`, `iam:Attach{User,Role,Group}Policy` (with
//!   `iam:PolicyARN` an administrator policy), `iam:CreatePolicyVersion` or
//!   `iam:SetDefaultPolicyVersion` of a managed policy B holds; past the boundary when A may
//!   also delete or replace it;
//! - **join** an administrators' group (`iam:AddUserToGroup`);
//! - **create** a role or user, give it a policy and use it (`iam:CreateRole` …), capped by the
//!   permissions boundary the creation must carry (`iam:PermissionsBoundary` conditions): AWS's
//!   delegated-administration pattern is not an escalation when its boundary is not admin.
//!
//! Conditions on keys the snapshot knows (`iam:PassedToService`, `iam:PermissionsBoundary`,
//! `iam:PolicyARN`, principal tags) are decided; others make the edge conditional, and a path is
//! reported conditional when it needs such an edge. A non-administrator "raised" principal is
//! not explored further.

use crate::account::{Account, Entity, EntityPolicies};
use crate::catalogue::{Catalogue, FastHash};
use crate::context::Context;
use crate::effective::{Effective, Expansions, effective};
use crate::evaluate::{Decision, Outcome, Policies, Policy, Principal, Request, Source, evaluate};
use crate::pattern::{Resolved, resolve};
use crate::policy::Effect;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::rc::Rc;

mod edges;

/// How far a principal's permissions are raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// As the snapshot has them.
    Current,
    /// Given any identity policy, within its permissions boundary.
    Raised,
    /// Given any identity policy, with its boundary removed.
    Unbounded,
}

/// A node: a principal at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    pub entity: usize,
    pub level: Level,
}

/// Where an edge leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Node(Node),
    /// Straight to administrator (a new principal, an administrators' group, an old policy
    /// version): `what` says which.
    Admin {
        what: String,
    },
}

/// One call of an edge, with what allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub action: String,
    pub resource: String,
    /// `holder-ARN#pointer` of every statement that allowed it.
    pub evidence: Vec<String>,
    /// The same statements for people: `inline policy "x" of role/y Statement/0`.
    pub places: Vec<String>,
    /// Conditions the analysis could not decide.
    pub conditions: Vec<String>,
}

/// An edge A → target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: Node,
    pub to: Target,
    /// `assume role/admin`, `pass role/admin to lambda.amazonaws.com`, …
    pub how: String,
    pub steps: Vec<Step>,
}

impl Edge {
    pub fn conditional(&self) -> bool {
        self.steps.iter().any(|s| !s.conditions.is_empty())
    }
}

/// The shortest way from a principal to administrator.
#[derive(Debug, Clone)]
pub struct Path<'g> {
    pub edges: Vec<&'g Edge>,
    /// Needs at least one step whose conditions could not be decided.
    pub conditional: bool,
}

/// The escalation graph of an account.
pub struct Graph<'a> {
    pub account: &'a Account,
    /// Effective permissions per entity, as it is. Entities with the same permissions share
    /// one value: each is three sets of every action of the catalogue (8 KiB), and accounts
    /// hold many principals made alike (a role per function, per stage).
    pub effective: Vec<Rc<Effective>>,
    /// The edges on the way to an administrator: those into principals that lead to none, and
    /// a principal's edges after its first unconditional one into an administrator, are left
    /// out, as they are on no path ([`Graph::build_exhaustive`] keeps them).
    pub edges: Vec<Edge>,
    admin: BTreeMap<Node, bool>,
    /// Per node: (edge index of the first step on the shortest path, unconditional?).
    next: BTreeMap<Node, (usize, bool)>,
}

/// Administrator-making managed policies of the account, for `iam:PolicyARN` conditions.
fn admin_policy_candidates(account: &Account, ex: &mut Expansions) -> Vec<String> {
    let mut out = vec![format!("arn:{}:iam::aws:policy/AdministratorAccess", account.partition)];
    let ctx = Context::open();
    for (arn, &i) in &account.managed {
        let p = &account.policies[i];
        if !out.contains(arn) && effective(&[p], None, &[], &ctx, ex, false).is_admin() {
            out.push(arn.clone());
        }
    }
    out
}

/// What one principal may do, prepared once for many questions.
pub(crate) struct Asker<'a> {
    pub account: &'a Account,
    pub entity: &'a Entity,
    pub policies: EntityPolicies<'a>,
    pub ctx: &'a Context,
    pub somewhere: &'a crate::ActionSet,
}

/// A yes (or maybe) with its evidence.
pub(crate) struct Granted {
    pub step: Step,
}

fn step_from(outcome: &Outcome<'_>, action: &str, resource: &str) -> Step {
    let mut evidence = Vec::new();
    let mut places = Vec::new();
    for r in &outcome.reasons {
        let e = format!("{}#{}{}", r.policy.source.holder, r.policy.source.pointer, r.statement.pointer);
        if !evidence.contains(&e) {
            evidence.push(e);
            places.push(r.place());
        }
    }
    let conditions = if outcome.decision == Decision::Conditional { outcome.conditions() } else { Vec::new() };
    Step { action: action.to_string(), resource: resource.to_string(), evidence, places, conditions }
}

impl<'a> Asker<'a> {
    /// Whether the action may be in reach at all (a quick look at the effective sets).
    pub fn may(&self, action: &str) -> bool {
        match Catalogue::get().find(action) {
            Some(id) => self.somewhere.contains(id),
            // Actions the catalogue does not know are asked for real.
            None => true,
        }
    }

    /// Can the principal call `action` on `resource`, with `resource_policy` and extra
    /// context keys? `None` when it is denied.
    pub fn can(
        &self,
        action: &str,
        resource: &str,
        resource_policy: Option<&Policy>,
        extra: &[(&str, Option<&str>)],
    ) -> Option<Granted> {
        if !self.may(action) && resource_policy.is_none() {
            return None;
        }
        let mut ctx;
        let ctx_ref = if extra.is_empty() {
            self.ctx
        } else {
            ctx = self.ctx.clone();
            for (k, v) in extra {
                match v {
                    Some(v) => ctx.set(k, *v),
                    None => ctx.set_absent(k),
                };
            }
            &ctx
        };
        let policies: Policies<'_> = self.policies.with_resource(resource_policy, true);
        let req = Request {
            principal: &self.entity.principal,
            action,
            resource,
            resource_account: Some(&self.account.id),
            context: ctx_ref,
        };
        let outcome = evaluate(&req, &policies);
        outcome.decision.possible().then(|| Granted { step: step_from(&outcome, action, resource) })
    }

    /// `action` on `resource` with context key `key` set to each of `values` in turn: the first
    /// value allowed, with its grant. The values are asked one by one only when a statement
    /// that could decide the action (identity, boundary, SCPs, RCPs) has a condition on `key`;
    /// otherwise the key cannot change the answer and the first value's answer stands for all
    /// (an account with hundreds of administrator policies is then asked once, not hundreds of
    /// times, per principal).
    pub fn can_with_any<'v>(
        &self,
        action: &str,
        resource: &str,
        extra: &[(&str, Option<&str>)],
        key: &str,
        values: &'v [String],
    ) -> Option<(&'v str, Granted)> {
        if !self.may(action) {
            return None;
        }
        let depends = self.decides_on(action, key);
        let mut asked: Vec<(&str, Option<&str>)> = extra.to_vec();
        asked.push((key, None));
        for v in values {
            *asked.last_mut().expect("the key was pushed") = (key, Some(v.as_str()));
            if let Some(g) = self.can(action, resource, None, &asked) {
                return Some((v.as_str(), g));
            }
            if !depends {
                return None;
            }
        }
        None
    }

    /// Whether a statement that could decide `action` for this principal has a condition on
    /// context key `key`.
    fn decides_on(&self, action: &str, key: &str) -> bool {
        let p = &self.policies;
        let mut all =
            p.identity.iter().chain(p.boundary.iter()).chain(p.scps.iter().flatten()).chain(p.rcps.iter().flatten());
        all.any(|policy| {
            policy.statements.iter().any(|s| s.covers_action(action) && s.conditions.iter().any(|c| c.is_on(key)))
        })
    }

    /// Can the principal call `action` on some resource? Tries the resources its own
    /// statements name (wildcards filled in), then the action's resource-type format.
    pub fn can_somewhere(&self, action: &str, extra: &[(&str, Option<&str>)]) -> Option<Granted> {
        if !self.may(action) {
            return None;
        }
        let mut best: Option<Granted> = None;
        for resource in self.candidates(action) {
            if let Some(g) = self.can(action, &resource, None, extra) {
                if g.step.conditions.is_empty() {
                    return Some(g);
                }
                best.get_or_insert(g);
            }
        }
        best
    }

    /// Concrete resources to ask about for `action`.
    pub fn candidates(&self, action: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: String| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        for p in &self.policies.identity {
            for s in p.statements.iter().filter(|s| s.effect == Effect::Allow && s.covers_action(action)) {
                for r in &s.resources {
                    let r = match resolve(r, &|k| self.ctx.variable(k)) {
                        Resolved::Value(v) => v,
                        _ => continue,
                    };
                    if r.chars().all(|c| c == '*') {
                        continue;
                    }
                    add(r.replace('*', "bbscan").replace('?', "x"));
                }
            }
        }
        let c = Catalogue::get();
        match c.find(action) {
            Some(id) if c.only_star(id) => add("*".into()),
            Some(id) => {
                for (rt, _) in c.resource_types(id) {
                    add(fill_arn(rt.arn, &self.account.partition, &self.account.id));
                }
            }
            None => add("*".into()),
        }
        out
    }
}

/// A concrete ARN from a resource-type format: placeholders filled with this account's values
/// and `bbscan`.
fn fill_arn(format: &str, partition: &str, account: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(match &after[..end] {
            "Partition" => partition,
            "Account" => account,
            "Region" => "us-east-1",
            _ => "bbscan",
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A trust policy that names `principal` for `sts:AssumeRole` (what a principal writes when it
/// creates a role or rewrites a trust policy for itself).
pub(crate) fn trust_naming(principal: &Principal, holder: &str) -> Policy {
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal.arn}, "Action": "sts:AssumeRole"
    }]});
    Policy::new(Source::new("a trust policy naming the principal itself", holder, "/config/trust_policy"), &doc)
}

impl<'a> Graph<'a> {
    /// Build the graph of an account.
    pub fn build(account: &'a Account) -> Graph<'a> {
        Graph::build_with(account, false)
    }

    /// The same with every edge, none left out: the same paths, found the slow way (for
    /// checking the pruned build, or for a tool that wants the whole graph).
    pub fn build_exhaustive(account: &'a Account) -> Graph<'a> {
        Graph::build_with(account, true)
    }

    fn build_with(account: &'a Account, exhaustive: bool) -> Graph<'a> {
        let mut ex = Expansions::new();
        let mut distinct: HashSet<Rc<Effective>, FastHash> = HashSet::default();
        let effective_sets: Vec<Rc<Effective>> = account
            .entities
            .iter()
            .map(|e| {
                let p = account.policies_of(e);
                let found = effective(&p.identity, p.boundary, &p.scps, &account.context_of(e), &mut ex, false);
                match distinct.get(&found) {
                    Some(same) => same.clone(),
                    None => {
                        let shared = Rc::new(found);
                        distinct.insert(shared.clone());
                        shared
                    }
                }
            })
            .collect();
        drop(distinct);
        let prepared = edges::Prepared::new(account, admin_policy_candidates(account, &mut ex));
        let mut graph = Graph {
            account,
            effective: effective_sets,
            edges: Vec::new(),
            admin: BTreeMap::new(),
            next: BTreeMap::new(),
        };
        // Who is an administrator as it is, before any edge: a principal's edges stop at its first
        // unconditional one into an administrator (see `edges::from`).
        let admins: Vec<bool> = graph.effective.iter().map(|e| e.is_admin() || e.is_admin_if()).collect();
        for (i, &admin) in admins.iter().enumerate() {
            graph.admin.insert(Node { entity: i, level: Level::Current }, admin);
        }
        // An edge into a principal that leads to no administrator changes no path, and where
        // principals may act on many (pass any role, assume any role) those edges are most of
        // the graph. So the edges are found into the principals known to lead to an
        // administrator, the graph solved, and again with those it found, until none is added:
        // then every principal that leads to one is known (the last of its path's edges into
        // one not yet known would have been found), and the edges are the whole graph's but
        // those that lead nowhere. An account without escalations takes one round; in a later
        // round, only the principals that left out one now found to lead somewhere are asked
        // again (the others' edges cannot change).
        let n = account.entities.len();
        let mut leads = if exhaustive { vec![true; n] } else { admins.clone() };
        let prune = edges::Prune { admins: &admins, stop_at_admin: !exhaustive };
        // Per principal: its edges (between rounds), whom it left out, whether to ask again.
        let mut own: Vec<Vec<Edge>> = (0..n).map(|_| Vec::new()).collect();
        let mut left_out: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut stale: Vec<bool> = admins.iter().map(|&admin| !admin).collect();
        loop {
            for (i, e) in account.entities.iter().enumerate() {
                if !stale[i] {
                    continue;
                }
                let asker = Asker {
                    account,
                    entity: e,
                    policies: account.policies_of(e),
                    ctx: account.context_of(e),
                    somewhere: &graph.effective[i].somewhere,
                };
                own[i] = edges::from(&asker, i, &prepared, &prune, &leads, &mut left_out[i], &mut ex);
            }
            graph.edges.clear();
            graph.next.clear();
            let mut starts = Vec::with_capacity(n);
            for edges in &mut own {
                starts.push(graph.edges.len());
                graph.edges.append(edges);
            }
            // Which raised nodes are administrators.
            let raised: Vec<Node> = graph
                .edges
                .iter()
                .filter_map(|e| match e.to {
                    Target::Node(n) if n.level != Level::Current => Some(n),
                    _ => None,
                })
                .collect();
            for n in raised {
                if graph.admin.contains_key(&n) {
                    continue;
                }
                let e = &account.entities[n.entity];
                let p = account.policies_of(e);
                let boundary = if n.level == Level::Unbounded { None } else { p.boundary };
                let ceiling = effective(&p.identity, boundary, &p.scps, &account.context_of(e), &mut ex, true);
                graph.admin.insert(n, ceiling.is_admin() || ceiling.is_admin_if());
            }
            graph.solve();
            let reached: Vec<bool> = (0..n)
                .map(|i| admins[i] || graph.next.contains_key(&Node { entity: i, level: Level::Current }))
                .collect();
            if exhaustive || reached == leads {
                break;
            }
            for i in 0..n {
                stale[i] = !admins[i] && left_out[i].iter().any(|&b| reached[b] && !leads[b]);
            }
            leads = reached;
            // Each principal takes its edges back, for the next round to keep or replace.
            let mut all = std::mem::take(&mut graph.edges);
            for (i, &start) in starts.iter().enumerate().rev() {
                own[i] = all.split_off(start);
            }
        }
        graph
    }

    fn is_admin(&self, target: &Target) -> bool {
        match target {
            Target::Admin { .. } => true,
            Target::Node(n) => self.admin.get(n).copied().unwrap_or(false),
        }
    }

    /// Shortest paths to an administrator, preferring paths without conditional edges: a
    /// breadth-first search backwards from the administrators, first over unconditional edges,
    /// then over all.
    fn solve(&mut self) {
        let mut incoming: BTreeMap<Node, Vec<usize>> = BTreeMap::new();
        for (i, e) in self.edges.iter().enumerate() {
            if let Target::Node(n) = e.to {
                incoming.entry(n).or_default().push(i);
            }
        }
        for unconditional_only in [true, false] {
            let mut queue: VecDeque<Node> = VecDeque::new();
            // Edges straight into an administrator.
            for (i, e) in self.edges.iter().enumerate() {
                if unconditional_only && e.conditional() {
                    continue;
                }
                if self.is_admin(&e.to) && !self.next.contains_key(&e.from) {
                    self.next.insert(e.from, (i, unconditional_only));
                    queue.push_back(e.from);
                }
            }
            // Nodes already solved in the first pass seed the second.
            if !unconditional_only {
                queue.extend(self.next.keys().copied());
            }
            while let Some(n) = queue.pop_front() {
                let sources: Vec<usize> = incoming.get(&n).cloned().unwrap_or_default();
                for i in sources {
                    let e = &self.edges[i];
                    if unconditional_only && e.conditional() {
                        continue;
                    }
                    if self.next.contains_key(&e.from) || self.admin.get(&e.from).copied().unwrap_or(false) {
                        continue;
                    }
                    let unconditional = unconditional_only && self.next.get(&n).is_none_or(|(_, u)| *u);
                    self.next.insert(e.from, (i, unconditional));
                    queue.push_back(e.from);
                }
            }
        }
    }

    /// Whether the entity is an administrator as it is (perhaps under conditions).
    pub fn is_admin_entity(&self, entity: usize) -> bool {
        self.admin.get(&Node { entity, level: Level::Current }).copied().unwrap_or(false)
    }

    /// The shortest way from an entity (as it is) to administrator, if any.
    pub fn path_to_admin(&self, entity: usize) -> Option<Path<'_>> {
        let mut node = Node { entity, level: Level::Current };
        let mut edges = Vec::new();
        let mut conditional = false;
        let mut seen = std::collections::BTreeSet::new();
        loop {
            if !seen.insert(node) {
                return None;
            }
            let (i, _) = *self.next.get(&node)?;
            let e = &self.edges[i];
            conditional |= e.conditional();
            edges.push(e);
            match e.to {
                Target::Node(n) if !self.is_admin(&e.to) => node = n,
                _ => return Some(Path { edges, conditional }),
            }
            if edges.len() > self.account.entities.len() * 3 + 2 {
                return None;
            }
        }
    }

    /// The edges leaving an entity (as it is): see [`Graph::edges`].
    pub fn edges_from(&self, entity: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.from == Node { entity, level: Level::Current })
    }
}

impl Path<'_> {
    /// The path for people: `role/ci → (iam:PassRole + lambda:CreateFunction) → role/admin-fn`.
    pub fn describe(&self, account: &Account) -> String {
        let mut out = String::new();
        if let Some(first) = self.edges.first() {
            out.push_str(&account.describe(&account.entities[first.from.entity]));
        }
        for e in &self.edges {
            let actions: Vec<&str> = e.steps.iter().map(|s| s.action.as_str()).collect();
            let mut unique: Vec<&str> = Vec::new();
            for a in actions {
                if !unique.contains(&a) {
                    unique.push(a);
                }
            }
            out.push_str(&format!(" → ({}) → ", unique.join(" + ")));
            match &e.to {
                Target::Node(n) => {
                    out.push_str(&account.describe(&account.entities[n.entity]));
                    match n.level {
                        Level::Current => {}
                        Level::Raised => out.push_str(" with any policy"),
                        Level::Unbounded => out.push_str(" with any policy and no boundary"),
                    }
                }
                Target::Admin { what } => out.push_str(what),
            }
        }
        out.push_str(" = administrator");
        out
    }
}
