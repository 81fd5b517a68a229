//! Least privilege from what principals did: the account's CloudTrail logs, read into the
//! snapshot (`cloudtrail.usage` for what was read, each user's and role's `usage` for what it
//! did), set against what its policies let it do.
//!
//! Nothing is called unused unless the logs that would show its use were read: the window
//! must have logs for `usage_min_days` days with no hole, no unreadable file, every region
//! recorded and the trail logging (`usage_accept_partial` judges despite holes and unreadable
//! files); an action CloudTrail cannot show (data events the trail does not record, sources it
//! leaves out, calls it never logs) is never unused; a principal created after the logs begin
//! is not judged.
//!
//! Rules here: principals that did nothing, permissions never used (with a generated
//! least-privilege replacement of each document as the fix), and refused attempts.

use crate::Settings;
use crate::rules::*;
use bbscan_policy::iam::account::{Account, Entity};
use bbscan_policy::iam::escalation::Graph;
use bbscan_policy::iam::usage::{coverage_problems, generate, observable_actions};
use bbscan_policy::iam::{AccessLevel, ActionId, ActionSet, Catalogue};
use bbscan_policy::model::{PrincipalUsage, ResourceConfig, UsageCoverage};
use bbscan_policy::{Report, Resource, Severity, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The usage window, as the rules see it.
pub(crate) struct Window<'a> {
    pub coverage: &'a UsageCoverage,
    /// The `cloudtrail.usage` resource's ARN (evidence points into it).
    pub arn: &'a str,
    /// Why nothing can be called unused in it; empty: principals can be judged.
    pub problems: Vec<String>,
    /// Problems judged despite (`usage_accept_partial`): said in every message.
    pub accepted: Vec<String>,
    /// The actions whose use these logs cannot show (data events not recorded, …).
    pub unobservable: ActionSet,
}

impl<'a> Window<'a> {
    /// The window of the snapshot; `None` when usage was not collected.
    pub fn find(settings: &Settings, resources: &'a [Resource]) -> Option<Window<'a>> {
        let (r, coverage) = resources.iter().find_map(|r| match &r.config {
            ResourceConfig::CloudTrailUsage(c) => Some((r, c.as_ref())),
            _ => None,
        })?;
        let mut problems = Vec::new();
        let mut accepted = Vec::new();
        if !r.is_known("events") {
            problems.push("the trail's log files could not be listed".to_string());
        }
        for p in coverage_problems(coverage) {
            let fatal = coverage.days_covered == 0;
            if settings.usage_accept_partial && !fatal { accepted.push(p) } else { problems.push(p) }
        }
        if coverage.days_covered > 0 && i64::from(coverage.days_covered) < settings.usage_min_days {
            problems.push(format!(
                "the logs cover {} day(s) (since {}), fewer than the {} the usage_min_days setting asks for",
                coverage.days_covered,
                coverage.covered_from.as_deref().unwrap_or("?"),
                settings.usage_min_days
            ));
        }
        let unobservable = observable_actions(coverage).complement();
        Some(Window { coverage, arn: &r.arn, problems, accepted, unobservable })
    }

    pub fn judgeable(&self) -> bool {
        self.problems.is_empty()
    }

    fn since(&self) -> &str {
        self.coverage.covered_from.as_deref().unwrap_or_default()
    }

    /// "in the 62 days of CloudTrail logs since 2026-09-30", with what was accepted.
    pub fn span(&self) -> String {
        let mut s = format!("in the {} days of CloudTrail logs since {}", self.coverage.days_covered, self.since());
        if !self.accepted.is_empty() {
            s.push_str(&format!(" (judged although {})", self.accepted.join("; ")));
        }
        s
    }

    /// The principal's usage, when it can be judged: usage collected, the window judgeable,
    /// and the principal older than the logs (one created since has not had the whole window).
    pub fn usage_of<'r>(&self, r: &'r Resource) -> Option<&'r PrincipalUsage> {
        if !self.judgeable() {
            return None;
        }
        let (usage, created) = match &r.config {
            ResourceConfig::IamRole(role) => (role.usage.as_ref(), role.create_date.as_deref()),
            ResourceConfig::IamUser(user) => (user.usage.as_ref(), user.create_date.as_deref()),
            _ => return None,
        };
        let created = created?.get(..10)?;
        (created < self.since()).then_some(usage).flatten()
    }

    /// "in the 40 days of CloudTrail logs since … it used 5 actions (a, b, …)"
    pub fn used_summary(&self, usage: &PrincipalUsage) -> String {
        let names: Vec<&str> = usage.actions.iter().take(6).map(|u| u.action.as_str()).collect();
        let more = if usage.actions.len() > names.len() { ", …" } else { "" };
        format!("{} it used {} action(s) ({}{more})", self.span(), usage.actions.len(), names.join(", "))
    }

    pub fn evidence(&self, field: &str) -> String {
        format!("{}#/config/{field}", self.arn)
    }
}

/// A document a principal holds itself, that a replacement can stand in for.
#[derive(Debug, Clone)]
pub(crate) enum Held {
    Inline { index: usize, name: String },
    Managed { index: usize, arn: String },
}

/// The fix for a document `r` holds, from `usage`: `iam.replace_with_least_privilege` with the
/// generated document; `iam.detach_policy` for a managed policy none of which was used (nor
/// anything it grants that the logs cannot show). `None` when the generated document would not
/// drop anything, or is empty for an inline policy (no action deletes one).
pub(crate) fn replacement(
    r: &Resource,
    e: &Entity,
    held: &Held,
    document: &Value,
    usage: &PrincipalUsage,
    window: &Window<'_>,
) -> Option<(&'static str, Value)> {
    if document.is_null() {
        return None;
    }
    let generated = generate(&e.principal, document, &usage.actions, window.coverage);
    if generated.dropped.is_empty() {
        return None;
    }
    let allows = generated.document["Statement"].as_array().is_some_and(|s| s.iter().any(|s| s["Effect"] == "Allow"));
    if !allows {
        return match held {
            Held::Managed { arn, .. } => {
                Some(("iam.detach_policy", json!({"principal_arn": r.arn, "policy_arn": arn})))
            }
            Held::Inline { .. } => None,
        };
    }
    let mut params = json!({"principal_arn": r.arn, "document": generated.document});
    match held {
        Held::Inline { name, .. } => params["inline_policy"] = json!(name),
        Held::Managed { arn, .. } => params["policy_arn"] = json!(arn),
    }
    Some(("iam.replace_with_least_privilege", params))
}

/// The documents `r` holds itself (inline, then attached), with their text.
fn held_documents<'r>(r: &'r Resource, managed: &BTreeMap<&str, &'r Value>) -> Vec<(Held, &'r Value)> {
    let (inline, attached) = match &r.config {
        ResourceConfig::IamRole(role) => (&role.inline_policies, &role.attached_policies),
        ResourceConfig::IamUser(user) => (&user.inline_policies, &user.attached_policies),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    if r.is_known("inline_policies") {
        for (index, p) in inline.iter().enumerate() {
            out.push((Held::Inline { index, name: p.name.clone() }, &p.document));
        }
    }
    if r.is_known("attached_policies") {
        for (index, a) in attached.iter().enumerate() {
            if let Some(doc) = managed.get(a.arn.as_str()) {
                out.push((Held::Managed { index, arn: a.arn.clone() }, *doc));
            }
        }
    }
    out
}

/// Managed policy ARN → its default version's document.
pub(crate) fn managed_documents(resources: &[Resource]) -> BTreeMap<&str, &Value> {
    resources
        .iter()
        .filter_map(|r| match &r.config {
            ResourceConfig::IamPolicy(p) if r.is_known("document") && !p.document.is_null() => {
                Some((r.arn.as_str(), &p.document))
            }
            _ => None,
        })
        .collect()
}

fn is_service_linked(e: &Entity) -> bool {
    e.path.starts_with("/aws-service-role/")
}

/// What the usage rules need from the rest of the policy.
pub(crate) struct Judged {
    /// Roles whose use these rules judged: ROLE_UNUSED (IAM's last-used date) stays quiet.
    pub roles: BTreeSet<String>,
}

/// `administrators`: principals ADMIN_POLICY_ATTACHED reported (with this window's replacement
/// as its fix): not reported again as unused permissions.
pub(crate) fn evaluate(
    settings: &Settings,
    account: &Account,
    graph: &Graph<'_>,
    resources: &[Resource],
    administrators: &BTreeSet<&str>,
    report: &mut Report,
) -> Judged {
    let mut judged = Judged { roles: BTreeSet::new() };
    let Some(window) = Window::find(settings, resources) else { return judged };
    let managed = managed_documents(resources);
    let entities = account.entity_index();
    for r in resources.iter().filter(|r| matches!(r.kind(), "iam.role" | "iam.user")) {
        let Some(&i) = entities.get(r.arn.as_str()) else { continue };
        let e = &account.entities[i];
        if is_service_linked(e) {
            continue;
        }
        let any_usage = match &r.config {
            ResourceConfig::IamRole(role) => role.usage.as_ref(),
            ResourceConfig::IamUser(user) => user.usage.as_ref(),
            _ => None,
        };
        // Incomplete logs can prove use, never disuse.
        let used = any_usage.is_some_and(|u| u.events > 0 || u.assumed > 0);
        if let Some(u) = any_usage {
            denied(r, u, report);
        }
        if used && r.kind() == "iam.role" {
            judged.roles.insert(r.arn.clone());
        }
        let Some(usage) = window.usage_of(r) else {
            if used {
                report.pass(UNUSED_PRINCIPAL);
            }
            continue;
        };
        if r.kind() == "iam.role" {
            judged.roles.insert(r.arn.clone());
        }
        if unused_principal(&window, r, usage, report) || administrators.contains(r.arn.as_str()) {
            continue;
        }
        if logs_miss_use(&window, r, usage).is_some() {
            // IAM saw it used after anything the logs show: they miss some of its work, so what
            // it did not use there proves nothing.
            continue;
        }
        unused_permissions(&window, account, graph, i, e, r, usage, &managed, report);
    }
    judged
}

// ---------------------------------------------------------------- unused principals

/// IAM's own record of a use since the logs began (a region the trail misses, a service).
fn iam_last_used(r: &Resource, since: &str) -> Option<String> {
    let dates: Vec<&str> = match &r.config {
        ResourceConfig::IamRole(role) => role.last_used.iter().filter_map(|u| u.date.as_deref()).collect(),
        ResourceConfig::IamUser(user) => user
            .password_last_used
            .as_deref()
            .into_iter()
            .chain(user.access_keys.iter().filter_map(|k| k.last_used_date.as_deref()))
            .collect(),
        _ => Vec::new(),
    };
    dates.into_iter().filter(|d| d.get(..10).is_some_and(|day| day >= since)).max().map(str::to_string)
}

/// IAM's last-used date when it is later than anything the logs show of the principal (by
/// more than a day): the logs miss some of its use.
fn logs_miss_use(window: &Window<'_>, r: &Resource, usage: &PrincipalUsage) -> Option<String> {
    let seen = iam_last_used(r, window.since())?;
    let logged = usage
        .actions
        .iter()
        .chain(&usage.denied)
        .chain(&usage.unmapped)
        .map(|u| u.last.as_str())
        .chain(usage.last_assumed.as_deref())
        .max()
        .and_then(bbscan_policy::time::parse_rfc3339);
    let iam = bbscan_policy::time::parse_rfc3339(&seen)?;
    match logged {
        Some(t) if iam <= t + 86_400 => None,
        _ => Some(seen),
    }
}

/// Whether the principal did nothing in the window (and so was reported).
fn unused_principal(window: &Window<'_>, r: &Resource, usage: &PrincipalUsage, report: &mut Report) -> bool {
    if usage.events > 0 || usage.assumed > 0 {
        report.pass(UNUSED_PRINCIPAL);
        return false;
    }
    if iam_last_used(r, window.since()).is_some() {
        // IAM saw a use the logs did not: not unused, though the logs miss something.
        report.pass(UNUSED_PRINCIPAL);
        return false;
    }
    let noun = if r.kind() == "iam.role" { "role" } else { "user" };
    let what = if noun == "role" { "no call, never assumed" } else { "no call, no sign-in" };
    report
        .fail(UNUSED_PRINCIPAL, r, format!("{noun} {} did nothing {}: {what}", r.name, window.span()))
        .evidence("/config/usage")
        .evidence("/config/create_date")
        .evidence(&window.evidence("days_covered"));
    true
}

// ---------------------------------------------------------------- unused permissions

const LEVELS: &[AccessLevel] = &[
    AccessLevel::PermissionsManagement,
    AccessLevel::Write,
    AccessLevel::Tagging,
    AccessLevel::Read,
    AccessLevel::List,
];

/// Services whose actions reach identities, secrets or data: named first in examples.
const NOTABLE: &[&str] =
    &["iam", "sts", "organizations", "kms", "secretsmanager", "ssm", "s3", "lambda", "dynamodb", "ec2"];

/// Where a service comes among the notable ones (the others after them).
fn notable_rank(prefix: &str) -> usize {
    NOTABLE.iter().position(|p| *p == prefix).unwrap_or(NOTABLE.len())
}

/// "permissions management 12 (iam:AttachRolePolicy, …); write 30 (…)": per level, the count and
/// the first four by notable service, then by name. Thousands of actions are not named or
/// sorted to show four (a principal with `*` leaves most of the catalogue unused).
fn by_level(set: &ActionSet) -> String {
    let c = Catalogue::get();
    let mut groups: BTreeMap<usize, Vec<ActionId>> = BTreeMap::new();
    for id in set.iter() {
        let level = c.level(id);
        let rank = LEVELS.iter().position(|l| *l == level).unwrap_or(LEVELS.len());
        groups.entry(rank).or_default().push(id);
    }
    // The order of the names `service:Action` as text, without writing them.
    let order = |a: &ActionId, b: &ActionId| {
        let text = |id: &ActionId| c.prefix(*id).bytes().chain(std::iter::once(b':')).chain(c.action_name(*id).bytes());
        notable_rank(c.prefix(*a)).cmp(&notable_rank(c.prefix(*b))).then_with(|| text(a).cmp(text(b)))
    };
    groups
        .into_iter()
        .map(|(rank, mut ids)| {
            let count = ids.len();
            if count > 4 {
                ids.select_nth_unstable_by(3, order);
                ids.truncate(4);
            }
            ids.sort_by(order);
            let shown: Vec<String> = ids.iter().map(|&id| c.name(id)).collect();
            let more = if count > shown.len() { ", …" } else { "" };
            let label = LEVELS.get(rank).map_or("other", |l| l.as_str());
            format!("{} {count} ({}{more})", label.to_ascii_lowercase(), shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a principal did not use, readably: whole services it never touched, then the rest by
/// access level.
fn describe_unused(unused: &ActionSet) -> String {
    let c = Catalogue::get();
    let mut whole: Vec<String> = c.whole_services(unused).into_iter().map(str::to_string).collect();
    let mut rest = unused.clone();
    for w in &whole {
        rest.subtract(&c.service_actions(w));
    }
    let mut parts = Vec::new();
    if !whole.is_empty() {
        let n = whole.len();
        whole.sort_by(|a, b| notable_rank(a).cmp(&notable_rank(b)).then_with(|| a.cmp(b)));
        let shown: Vec<&str> = whole.iter().take(6).map(String::as_str).collect();
        parts.push(format!(
            "every action of {n} service(s) ({}{})",
            shown.join(", "),
            if n > shown.len() { ", …" } else { "" }
        ));
    }
    if !rest.is_empty() {
        let lead = if whole.is_empty() { "" } else { "and " };
        parts.push(format!("{lead}{}", by_level(&rest)));
    }
    parts.join(", ")
}

#[allow(clippy::too_many_arguments)]
fn unused_permissions(
    window: &Window<'_>,
    account: &Account,
    graph: &Graph<'_>,
    i: usize,
    e: &Entity,
    r: &Resource,
    usage: &PrincipalUsage,
    managed: &BTreeMap<&str, &Value>,
    report: &mut Report,
) {
    if !e.unread.is_empty() {
        // What it may do is not fully known: nothing to set the use against.
        return;
    }
    let c = Catalogue::get();
    let allowed = &graph.effective[i].somewhere;
    let mut used = ActionSet::none();
    for u in &usage.actions {
        if let Some(id) = c.find(&u.action) {
            used.insert(id);
        }
    }
    let mut unused = allowed.clone();
    unused.subtract(&used);
    let mut unseen = unused.clone();
    unseen.intersect_with(&window.unobservable);
    unused.subtract(&unseen);
    if unused.is_empty() {
        report.pass(UNUSED_PERMISSIONS);
        return;
    }
    let noun = if r.kind() == "iam.role" { "role" } else { "user" };
    let mut used_names: Vec<&str> = usage.actions.iter().map(|u| u.action.as_str()).collect();
    let used_count = used_names.len();
    used_names.truncate(8);
    let used_text = match (used_names.is_empty(), usage.assumed > 0) {
        (false, _) => format!("{}{}", used_names.join(", "), if used_count > used_names.len() { ", …" } else { "" }),
        (true, true) => "nothing but being assumed".to_string(),
        (true, false) => "nothing (only refused or unrecognised calls)".to_string(),
    };
    let mut message = format!(
        "{noun} {} used {used_count} of the {} actions it is allowed {} ({used_text}). Never used: {}",
        r.name,
        allowed.count(),
        window.span(),
        describe_unused(&unused),
    );
    if !unseen.is_empty() {
        message.push_str(&format!(
            ". Not judged: {} allowed actions whose use these logs cannot show (data events not recorded, \
             calls CloudTrail does not log)",
            unseen.count()
        ));
    }
    let severe = unused.iter().any(|id| c.level(id).is_write());
    let mut proposals = Vec::new();
    for (held, document) in held_documents(r, managed) {
        if let Some(rep) = replacement(r, e, &held, document, usage, window) {
            proposals.push((held, rep));
        }
    }
    let from_groups = account.groups.values().any(|g| e.groups.contains(&g.name) && !g.identity.is_empty());
    if from_groups {
        message.push_str(". Some permissions come from groups, shared with other users: not replaced here");
    }
    let finding = report.fail(UNUSED_PERMISSIONS, r, message);
    if !severe {
        finding.severity(Severity::Low);
    }
    finding.evidence("/config/usage/actions").evidence(&window.evidence("days_covered"));
    for (held, rep) in proposals {
        match held {
            Held::Inline { index, .. } => finding.evidence(&format!("/config/inline_policies/{index}")),
            Held::Managed { index, .. } => finding.evidence(&format!("/config/attached_policies/{index}")),
        };
        finding.action(rep.0, 1, rep.1);
    }
}

// ---------------------------------------------------------------- refused attempts

fn denied(r: &Resource, usage: &PrincipalUsage, report: &mut Report) {
    if usage.denied.is_empty() {
        report.pass(DENIED_ATTEMPTS);
        return;
    }
    let total: u64 = usage.denied.iter().map(|d| d.count).sum();
    let mut list: Vec<String> = usage
        .denied
        .iter()
        .take(5)
        .map(|d| {
            let on = d.resources.first().map(|x| format!(" on {x}")).unwrap_or_default();
            format!("{} ×{}{on} (last {})", d.action, d.count, d.last.get(..10).unwrap_or(&d.last))
        })
        .collect();
    if usage.denied.len() > 5 {
        list.push(format!("{} more", usage.denied.len() - 5));
    }
    let noun = if r.kind() == "iam.role" { "role" } else { "user" };
    report
        .fail(DENIED_ATTEMPTS, r, format!("{noun} {} was refused {total} time(s): {}", r.name, list.join("; ")))
        .evidence("/config/usage/denied");
}
