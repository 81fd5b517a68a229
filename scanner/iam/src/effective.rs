//! Effective permissions as sets of actions: what a principal may do on every resource, and on
//! some resource, after explicit denies, its permissions boundary and the SCPs — and so whether
//! it is an administrator ("`*` on `*` after evaluation", not "has a statement that says so").
//!
//! Sets are computed per statement from the [`Catalogue`], with the expansion of each distinct
//! action list done once ([`Expansions`]).

use crate::catalogue::{ActionSet, Catalogue};
use crate::context::{Context, Tri};
use crate::policy::{Effect, Statement};
use crate::{Policy, condition};
use std::collections::HashMap;

/// What a principal may do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Effective {
    /// Allowed on every resource, whatever the request's unknown keys.
    pub everywhere: ActionSet,
    /// Allowed on every resource for some values of the unknown keys (⊇ `everywhere`).
    pub everywhere_if: ActionSet,
    /// Allowed on at least some resource, perhaps under conditions (⊇ `everywhere_if`).
    pub somewhere: ActionSet,
}

impl Effective {
    /// Every action on every resource, unconditionally.
    pub fn is_admin(&self) -> bool {
        self.everywhere.is_full()
    }

    /// Every action on every resource under some conditions (MFA, source IP, …).
    pub fn is_admin_if(&self) -> bool {
        self.everywhere_if.is_full()
    }
}

/// Action-list expansions, cached: accounts repeat the same lists across many policies.
#[derive(Default)]
pub struct Expansions {
    cache: HashMap<(bool, Vec<String>), ActionSet>,
    patterns: HashMap<String, ActionSet>,
}

impl Expansions {
    pub fn new() -> Expansions {
        Expansions::default()
    }

    /// How many lists and patterns are kept.
    pub fn len(&self) -> usize {
        self.cache.len() + self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The actions a statement's `Action` (or `NotAction`) covers.
    pub fn actions(&mut self, s: &Statement) -> &ActionSet {
        let not = !s.not_actions.is_empty();
        let list = if not { &s.not_actions } else { &s.actions };
        let key = (not, list.iter().map(|a| a.to_ascii_lowercase()).collect::<Vec<_>>());
        self.cache.entry(key).or_insert_with(|| {
            let c = Catalogue::get();
            let mut set = ActionSet::empty(c.len());
            for p in list {
                c.expand_into(p, &mut set);
            }
            if not { set.complement() } else { set }
        })
    }

    /// The actions one pattern (`s3:Get*`) names.
    pub fn pattern(&mut self, pattern: &str) -> &ActionSet {
        self.patterns.entry(pattern.to_ascii_lowercase()).or_insert_with(|| Catalogue::get().expand(pattern))
    }
}

/// Whether a statement's resources are every resource (`"*"`).
pub fn covers_every_resource(s: &Statement) -> bool {
    s.not_resources.is_empty() && s.resources.iter().any(|r| !r.is_empty() && r.chars().all(|c| c == '*'))
}

/// The conditions of a statement, together.
pub fn conditions_hold(s: &Statement, ctx: &Context) -> Tri {
    s.conditions.iter().fold(Tri::True, |acc, c| acc.and(condition::evaluate(c, ctx)))
}

/// Allow sets of one layer: (everywhere, everywhere-if, somewhere).
struct Layer {
    all: ActionSet,
    all_if: ActionSet,
    some: ActionSet,
}

impl Layer {
    fn empty() -> Layer {
        Layer { all: ActionSet::none(), all_if: ActionSet::none(), some: ActionSet::none() }
    }
}

/// Denies: (on every resource unconditionally, anything that may deny somewhere).
struct Denies {
    all: ActionSet,
    any: ActionSet,
}

fn scan(policies: &[&Policy], ctx: &Context, ex: &mut Expansions, allow: &mut Layer, deny: &mut Denies) {
    for p in policies {
        for s in p.statements.iter().filter(|s| s.problems.is_empty()) {
            let holds = conditions_hold(s, ctx);
            if holds == Tri::False {
                continue;
            }
            let everywhere = covers_every_resource(s);
            let actions = ex.actions(s);
            match s.effect {
                Effect::Allow => {
                    allow.some.union_with(actions);
                    if everywhere {
                        allow.all_if.union_with(actions);
                        if holds == Tri::True {
                            allow.all.union_with(actions);
                        }
                    }
                }
                Effect::Deny => {
                    deny.any.union_with(actions);
                    if everywhere && holds == Tri::True {
                        deny.all.union_with(actions);
                    }
                }
            }
        }
    }
}

/// Effective permissions of a principal with these identity policies, boundary and SCP levels,
/// judged in `ctx` (see [`crate::account::Account::context_of`]). `extra_allow_all` adds an
/// `Allow * on *` identity policy: the most the principal could be given (its ceiling).
pub fn effective(
    identity: &[&Policy],
    boundary: Option<&Policy>,
    scps: &[Vec<&Policy>],
    ctx: &Context,
    ex: &mut Expansions,
    extra_allow_all: bool,
) -> Effective {
    let mut allow = Layer::empty();
    let mut deny = Denies { all: ActionSet::none(), any: ActionSet::none() };
    scan(identity, ctx, ex, &mut allow, &mut deny);
    if extra_allow_all {
        let full = Catalogue::get().full();
        allow = Layer { all: full.clone(), all_if: full.clone(), some: full };
    }
    let mut out = Effective { everywhere: allow.all, everywhere_if: allow.all_if, somewhere: allow.some };
    let cap = |layer: Layer, out: &mut Effective| {
        out.everywhere.intersect_with(&layer.all);
        out.everywhere_if.intersect_with(&layer.all_if);
        out.somewhere.intersect_with(&layer.some);
    };
    if let Some(b) = boundary {
        let mut layer = Layer::empty();
        scan(&[b], ctx, ex, &mut layer, &mut deny);
        cap(layer, &mut out);
    }
    for level in scps {
        let mut layer = Layer::empty();
        scan(level, ctx, ex, &mut layer, &mut deny);
        cap(layer, &mut out);
    }
    out.everywhere.subtract(&deny.any);
    out.everywhere_if.subtract(&deny.all);
    out.somewhere.subtract(&deny.all);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Source;
    use serde_json::json;

    fn policy(doc: serde_json::Value) -> Policy {
        Policy::new(Source::new("test", "arn:aws:iam::1:policy/t", "/config/document"), &doc)
    }

    fn eff(identity: &[serde_json::Value], boundary: Option<serde_json::Value>) -> Effective {
        let ps: Vec<Policy> = identity.iter().cloned().map(policy).collect();
        let refs: Vec<&Policy> = ps.iter().collect();
        let b = boundary.map(policy);
        effective(&refs, b.as_ref(), &[], &Context::open(), &mut Expansions::new(), false)
    }

    #[test]
    fn star_on_star_is_admin_until_a_deny_or_boundary_takes_something_away() {
        let admin = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        assert!(eff(std::slice::from_ref(&admin), None).is_admin());
        // Allow * with Deny NotAction [s3:Get*, s3:List*]: S3 read-only.
        let read_only = json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "*"}
        ]});
        let e = eff(&[read_only], None);
        assert!(!e.is_admin() && !e.is_admin_if());
        let c = Catalogue::get();
        assert!(e.everywhere.contains(c.find("s3:GetObject").unwrap()));
        assert!(!e.somewhere.contains(c.find("s3:PutObject").unwrap()));
        // A boundary caps.
        let boundary = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        let e = eff(std::slice::from_ref(&admin), Some(boundary));
        assert!(!e.is_admin() && e.everywhere.contains(c.find("s3:PutObject").unwrap()));
        assert!(!e.somewhere.contains(c.find("iam:PassRole").unwrap()));
        // A conditional allow is admin only under its condition.
        let mfa = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
        let e = eff(&[mfa], None);
        assert!(!e.is_admin() && e.is_admin_if());
        // A deny on one bucket: not every action on every resource any more.
        let fenced = json!({"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::vault/*"});
        let e = eff(&[admin.clone(), json!({"Statement": [fenced]})], None);
        assert!(!e.is_admin() && e.is_admin_if());
        // NotAction allow on everything but IAM: not admin.
        let power = json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
        assert!(!eff(&[power], None).is_admin());
    }
}
