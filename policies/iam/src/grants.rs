//! What identity policies grant, judged the way AWS decides it (crate `bbscan-iam`): explicit
//! denies subtracted, conditions and permission boundaries applied, AWS-managed policies read,
//! a principal's inline, managed and group policies combined, the organisation's SCPs applied
//! when the snapshot has them.
//!
//! Rules here: full administrators, AWS-managed administrator attachments, privilege escalation
//! (the shortest path to administrator, as a graph), Lambda execution roles' SSM scope, service
//! wildcards, write and secret-reading actions on every resource, and malformed documents.

use crate::Settings;
use crate::rules::*;
use crate::usage::{self, Held, Window};
use bbscan_policy::iam::account::{Account, Entity};
use bbscan_policy::iam::effective::{Expansions, covers_every_resource, effective};
use bbscan_policy::iam::escalation::{Graph, Path};
use bbscan_policy::iam::{
    ActionSet, Catalogue, Context, Decision, Effect, Policies, Policy, Principal, Request, SECRET_READS, Source,
    Statement, evaluate as decide, wildcard_match,
};
use bbscan_policy::model::{AttachedPolicy, InlinePolicy, ResourceConfig};
use bbscan_policy::{Context as PolicyContext, Report, Resource, Severity, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// What this module reported, for the hygiene rules that must not repeat it.
#[derive(Default)]
pub(crate) struct Reported {
    /// Per principal ARN: the indexes of attached policies ADMIN_POLICY_ATTACHED reported.
    pub admin_attachments: BTreeMap<String, Vec<usize>>,
    /// Per principal ARN: the indexes of inline policies POLICY_FULL_ADMIN reported.
    pub full_admin_inline: BTreeMap<String, Vec<usize>>,
    /// Roles whose use the usage rules judged from CloudTrail.
    pub usage_judged_roles: BTreeSet<String>,
}

fn noun(r: &Resource) -> &'static str {
    let kind = r.kind();
    kind.strip_prefix("iam.").unwrap_or(kind)
}

/// A pointer relative to `holder` when the evidence is inside it, else `ARN#pointer`.
fn relative(evidence: &str, holder: &str) -> String {
    match evidence.split_once('#') {
        Some((arn, pointer)) if arn == holder => pointer.to_string(),
        _ => evidence.to_string(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn dedup(list: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    list.retain(|x| seen.insert(x.clone()));
}

fn is_aws_managed_arn(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

fn is_service_linked(e: &Entity) -> bool {
    e.path.starts_with("/aws-service-role/")
}

fn is_identity_center(e: &Entity) -> bool {
    e.path.starts_with("/aws-reserved/")
}

pub(crate) fn is_break_glass(settings: &Settings, r: &Resource) -> bool {
    settings.break_glass.iter().any(|p| wildcard_match(p, &r.name, false) || wildcard_match(p, &r.arn, false))
}

/// A document of a holder, parsed.
struct Document {
    policy: Policy,
    /// Inline policy index, when inline.
    inline: Option<usize>,
}

/// The customer-written documents a resource holds itself: a customer-managed policy's
/// default version, or a principal's inline policies. `None` when they could not be read.
fn own_documents(r: &Resource) -> Option<Vec<Document>> {
    let inline = |list: &[InlinePolicy]| -> Vec<Document> {
        list.iter()
            .enumerate()
            .map(|(i, p)| Document {
                policy: Policy::new(
                    Source::new(
                        format!("inline policy {:?}", p.name),
                        &r.arn,
                        format!("/config/inline_policies/{i}/document"),
                    ),
                    &p.document,
                ),
                inline: Some(i),
            })
            .collect()
    };
    match &r.config {
        ResourceConfig::IamPolicy(p) if !p.aws_managed && !is_aws_managed_arn(&r.arn) => {
            (r.is_known("document") && !p.document.is_null()).then(|| {
                vec![Document {
                    policy: Policy::new(Source::new("the default version", &r.arn, "/config/document"), &p.document),
                    inline: None,
                }]
            })
        }
        ResourceConfig::IamUser(u) if r.is_known("inline_policies") => Some(inline(&u.inline_policies)),
        ResourceConfig::IamGroup(g) if r.is_known("inline_policies") => Some(inline(&g.inline_policies)),
        ResourceConfig::IamRole(role) if r.is_known("inline_policies") => Some(inline(&role.inline_policies)),
        _ => None,
    }
}

fn attached_of(r: &Resource) -> Option<&[AttachedPolicy]> {
    match &r.config {
        ResourceConfig::IamUser(u) => Some(u.attached_policies.as_slice()),
        ResourceConfig::IamGroup(g) => Some(g.attached_policies.as_slice()),
        ResourceConfig::IamRole(role) => Some(role.attached_policies.as_slice()),
        _ => None,
    }
    .filter(|_| r.is_known("attached_policies"))
}

/// Statements that allow on every resource (the ones that make an administrator), as evidence.
fn admin_evidence(policies: &[&Policy], holder: &str) -> (Vec<String>, Vec<String>) {
    let (mut evidence, mut places) = (Vec::new(), Vec::new());
    for p in policies {
        for s in p.statements.iter().filter(|s| s.effect == Effect::Allow && s.problems.is_empty()) {
            if covers_every_resource(s) || !s.not_resources.is_empty() {
                evidence.push(relative(&format!("{}#{}{}", p.source.holder, p.source.pointer, s.pointer), holder));
                places.push(format!("{} {}", p.source.label, s.pointer.trim_start_matches('/')));
            }
        }
    }
    dedup(&mut evidence);
    dedup(&mut places);
    (evidence, places)
}

/// The judgement of the account, computed once.
struct Judge<'a> {
    settings: &'a Settings,
    account: &'a Account,
    graph: Graph<'a>,
    ex: Expansions,
    /// Managed policy ARN → whether the document alone makes its holder an administrator, or
    /// lets its holder make itself one.
    admin_equivalent: BTreeMap<String, Option<String>>,
    /// The CloudTrail usage window, when the snapshot has one.
    window: Option<Window<'a>>,
    /// Managed policy ARN → its document.
    managed_docs: BTreeMap<&'a str, &'a Value>,
    /// The same for every principal, expanded once: the `resource_star_actions` setting, and
    /// the secret reads (with and without SSM's, which execution roles are judged on elsewhere).
    star_exempt: ActionSet,
    secret_reads: ActionSet,
    secret_reads_but_ssm: ActionSet,
}

impl<'a> Judge<'a> {
    /// Whether an AWS-managed policy is administrator-equivalent, and why.
    fn admin_equivalent(&mut self, arn: &str) -> Option<String> {
        if let Some(known) = self.admin_equivalent.get(arn) {
            return known.clone();
        }
        let named = self.settings.admin_policies.iter().any(|p| wildcard_match(p, arn, false));
        let verdict = match self.account.managed.get(arn) {
            Some(&i) => {
                let p = &self.account.policies[i];
                let alone = effective(&[p], None, &[], &Context::open(), &mut self.ex, false);
                if alone.is_admin() || alone.is_admin_if() {
                    Some("allows every action on every resource".to_string())
                } else if let Some(path) = self_escalation(p) {
                    Some(format!("lets its holder make itself an administrator ({path})"))
                } else if named {
                    Some("is listed in the admin_policies setting".to_string())
                } else {
                    None
                }
            }
            None if named => {
                Some("is an administrator policy (admin_policies setting; its document was not read)".into())
            }
            None => None,
        };
        self.admin_equivalent.insert(arn.to_string(), verdict.clone());
        verdict
    }
}

/// Whether a policy alone lets a role holding only it reach administrator, and how.
fn self_escalation(p: &Policy) -> Option<String> {
    let holder = "arn:aws:iam::000000000000:role/bbscan-probe";
    let account = Account {
        id: "000000000000".into(),
        partition: "aws".into(),
        policies: vec![p.clone()],
        managed: [(p.source.holder.clone(), 0)].into_iter().collect(),
        entities: vec![Entity {
            principal: Principal::from_arn(holder),
            kind: "iam.role",
            path: "/".into(),
            identity: vec![0],
            boundary: None,
            boundary_arn: None,
            groups: Vec::new(),
            attached: vec![p.source.holder.clone()],
            trust: None,
            instance_profiles: Vec::new(),
            login_profile: None,
            unread: Vec::new(),
            context: Default::default(),
        }],
        ..Account::default()
    };
    let graph = Graph::build(&account);
    graph.path_to_admin(0).map(|path| {
        let mut actions: Vec<String> =
            path.edges.iter().flat_map(|e| e.steps.iter().map(|s| s.action.clone())).collect();
        dedup(&mut actions);
        actions.join(" + ")
    })
}

pub(crate) fn evaluate(
    _ctx: &PolicyContext<'_>,
    settings: &Settings,
    account: &Account,
    resources: &[Resource],
    report: &mut Report,
) -> Reported {
    let mut reported = Reported::default();
    let graph = Graph::build(account);
    let mut judge = Judge {
        settings,
        account,
        graph,
        ex: Expansions::new(),
        admin_equivalent: BTreeMap::new(),
        window: Window::find(settings, resources),
        managed_docs: usage::managed_documents(resources),
        star_exempt: expand_all(settings.resource_star_actions.iter().map(String::as_str)),
        secret_reads: expand_all(SECRET_READS.iter().copied()),
        // LAMBDA_ROLE_SSM_SCOPE judges the parameter reads of execution roles.
        secret_reads_but_ssm: expand_all(SECRET_READS.iter().copied().filter(|a| !a.starts_with("ssm:"))),
    };

    // Execution roles, by role ARN, with the functions that use them.
    let mut execution_roles: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    for f in resources {
        if let ResourceConfig::LambdaFunction(l) = &f.config
            && f.is_known("role")
            && let Some(role) = &l.role
        {
            execution_roles.entry(role.clone()).or_default().push(f);
        }
    }

    // Managed policies used only as permissions boundaries limit, they grant nothing.
    let mut held: BTreeSet<&str> = BTreeSet::new();
    let mut boundaries: BTreeSet<&str> = BTreeSet::new();
    for e in &account.entities {
        held.extend(e.attached.iter().map(String::as_str));
        boundaries.extend(e.boundary_arn.as_deref());
    }
    for g in account.groups.values() {
        held.extend(g.attached.iter().map(String::as_str));
    }
    let entities = account.entity_index();
    for r in resources {
        if !matches!(r.kind(), "iam.user" | "iam.group" | "iam.role" | "iam.policy") {
            continue;
        }
        if r.kind() == "iam.policy" && boundaries.contains(r.arn.as_str()) && !held.contains(r.arn.as_str()) {
            continue;
        }
        let entity = entities.get(r.arn.as_str()).copied();
        if let Some(i) = entity
            && is_service_linked(&account.entities[i])
        {
            // AWS owns service-linked roles and their policies.
            continue;
        }
        let docs = own_documents(r);
        let trust = entity.and_then(|i| account.entities[i].trust).map(|t| &account.policies[t]);
        malformed(r, docs.as_deref(), trust, report);
        let full_admin_docs = full_admin(&mut judge, r, entity, docs.as_deref(), report, &mut reported);
        admin_attached(&mut judge, r, entity, report, &mut reported);
        if let Some(i) = entity {
            escalation(&judge, r, i, report);
            if let Some(functions) = execution_roles.get(&r.arn) {
                lambda_ssm_scope(&judge, settings, r, i, functions, report);
            }
        }
        if let Some(docs) = &docs {
            let rest: Vec<&Document> =
                docs.iter().filter(|d| !full_admin_docs.contains(&d.policy.source.pointer)).collect();
            if !rest.is_empty() {
                let lambda_role = execution_roles.contains_key(&r.arn);
                service_wildcard(&mut judge, r, &rest, report);
                wildcard_resource(&mut judge, r, &rest, lambda_role, report);
            }
        }
    }
    let administrators: BTreeSet<&str> = reported.admin_attachments.keys().map(String::as_str).collect();
    reported.usage_judged_roles =
        usage::evaluate(settings, account, &judge.graph, resources, &administrators, report).roles;
    bbscan_policy::discard(judge);
    reported
}

// ---------------------------------------------------------------- malformed documents

/// `trust`: the role's trust policy as the account read it (a JSON object).
fn malformed(r: &Resource, docs: Option<&[Document]>, trust: Option<&Policy>, report: &mut Report) {
    let mut problems: Vec<(String, String)> = Vec::new();
    for d in docs.unwrap_or_default() {
        for p in &d.policy.problems {
            problems.push((format!("{}: {p}", d.policy.source.label), d.policy.source.pointer.clone()));
        }
    }
    if let ResourceConfig::IamRole(role) = &r.config
        && r.is_known("trust_policy")
        && !role.trust_policy.is_null()
    {
        let parsed;
        let trust = match trust {
            Some(t) => t,
            None => {
                parsed =
                    Policy::new(Source::new("the trust policy", &r.arn, "/config/trust_policy"), &role.trust_policy);
                &parsed
            }
        };
        for p in &trust.problems {
            problems.push((format!("the trust policy: {p}"), "/config/trust_policy".to_string()));
        }
    }
    if docs.is_none() && !matches!(r.config, ResourceConfig::IamRole(_)) {
        return;
    }
    if problems.is_empty() {
        report.pass(POLICY_MALFORMED);
        return;
    }
    let text: Vec<&str> = problems.iter().map(|(t, _)| t.as_str()).collect();
    let finding = report.fail(
        POLICY_MALFORMED,
        r,
        format!(
            "{} {} holds a policy document AWS would refuse; bbscan skips the statements concerned, so its \
             other findings may miss what they grant or deny: {}",
            noun(r),
            r.name,
            text.join("; ")
        ),
    );
    let mut pointers: Vec<String> = problems.into_iter().map(|(_, p)| p).collect();
    dedup(&mut pointers);
    for p in &pointers {
        finding.evidence(p);
    }
}

// ---------------------------------------------------------------- full administrators

/// POLICY_FULL_ADMIN. Returns the pointers of the documents that alone make an administrator
/// (the other document rules stay quiet on them).
fn full_admin(
    judge: &mut Judge<'_>,
    r: &Resource,
    entity: Option<usize>,
    docs: Option<&[Document]>,
    report: &mut Report,
    reported: &mut Reported,
) -> BTreeSet<String> {
    let mut alone_admin = BTreeSet::new();
    let Some(docs) = docs else { return alone_admin };
    let open = Context::open();
    for d in docs {
        let e = effective(&[&d.policy], None, &[], &open, &mut judge.ex, false);
        if e.is_admin() || e.is_admin_if() {
            alone_admin.insert(d.policy.source.pointer.clone());
        }
    }
    let account = judge.account;
    // What the holder's own customer-written documents give, together: for a policy, itself;
    // for a principal, its inline and customer-managed policies within its boundary and the SCPs.
    let (admin, conditional, evidence, places) = match entity {
        None if matches!(r.config, ResourceConfig::IamPolicy(_)) => {
            let policies: Vec<&Policy> = docs.iter().map(|d| &d.policy).collect();
            let e = effective(&policies, None, &[], &open, &mut judge.ex, false);
            let (evidence, places) = admin_evidence(&policies, &r.arn);
            (e.is_admin() || e.is_admin_if(), !e.is_admin(), evidence, places)
        }
        Some(i) => {
            let e = &account.entities[i];
            let p = account.policies_of(e);
            let attached = attached_of(r).unwrap_or_default();
            let mut own: Vec<&Policy> = docs.iter().map(|d| &d.policy).collect();
            let mut explained_elsewhere = false;
            for a in attached.iter().filter(|a| !is_aws_managed_arn(&a.arn)) {
                if let Some(&pi) = account.managed.get(&a.arn) {
                    let alone = effective(&[&account.policies[pi]], None, &[], &open, &mut judge.ex, false);
                    explained_elsewhere |= alone.is_admin() || alone.is_admin_if();
                    own.push(&account.policies[pi]);
                }
            }
            let eff = effective(&own, p.boundary, &p.scps, &account.context_of(e), &mut judge.ex, false);
            let admin = (eff.is_admin() || eff.is_admin_if()) && !explained_elsewhere;
            let (evidence, places) = admin_evidence(&own, &r.arn);
            (admin, !eff.is_admin(), evidence, places)
        }
        None => {
            // A group: its inline and customer-managed policies.
            let attached = attached_of(r).unwrap_or_default();
            let mut own: Vec<&Policy> = docs.iter().map(|d| &d.policy).collect();
            let mut explained_elsewhere = false;
            for a in attached.iter().filter(|a| !is_aws_managed_arn(&a.arn)) {
                if let Some(&pi) = account.managed.get(&a.arn) {
                    let alone = effective(&[&account.policies[pi]], None, &[], &open, &mut judge.ex, false);
                    explained_elsewhere |= alone.is_admin() || alone.is_admin_if();
                    own.push(&account.policies[pi]);
                }
            }
            let scps = account.scp_policies();
            let eff = effective(&own, None, &scps, &open, &mut judge.ex, false);
            let (evidence, places) = admin_evidence(&own, &r.arn);
            ((eff.is_admin() || eff.is_admin_if()) && !explained_elsewhere, !eff.is_admin(), evidence, places)
        }
    };
    if !admin {
        report.pass(POLICY_FULL_ADMIN);
        return alone_admin;
    }
    let when = if conditional { " under the conditions of its statements" } else { "" };
    let message = match r.config {
        ResourceConfig::IamPolicy(_) => format!(
            "policy {} allows every action on every resource{when} after its own denies ({}): whoever holds it is \
             an administrator of the account",
            r.name,
            places.join(", ")
        ),
        _ => format!(
            "{} {} is an administrator of the account{when}: its own policies, together and after its denies, \
             permissions boundary and SCPs, allow every action on every resource ({})",
            noun(r),
            r.name,
            places.join(", ")
        ),
    };
    let finding = report.fail(POLICY_FULL_ADMIN, r, message);
    for e in &evidence {
        finding.evidence(e);
    }
    let inline: Vec<usize> =
        docs.iter().filter(|d| alone_admin.contains(&d.policy.source.pointer)).filter_map(|d| d.inline).collect();
    if !inline.is_empty() {
        reported.full_admin_inline.insert(r.arn.clone(), inline);
    }
    alone_admin
}

// ---------------------------------------------------------------- AWS-managed administrator attachments

fn admin_attached(
    judge: &mut Judge<'_>,
    r: &Resource,
    entity: Option<usize>,
    report: &mut Report,
    reported: &mut Reported,
) {
    if matches!(r.config, ResourceConfig::IamPolicy(_)) {
        return;
    }
    let Some(attached) = attached_of(r) else { return };
    if is_break_glass(judge.settings, r) {
        report.pass(ADMIN_POLICY_ATTACHED);
        return;
    }
    let mut found: Vec<(usize, &AttachedPolicy, String)> = Vec::new();
    for (i, a) in attached.iter().enumerate() {
        if !is_aws_managed_arn(&a.arn) {
            continue;
        }
        if let Some(why) = judge.admin_equivalent(&a.arn) {
            found.push((i, a, why));
        }
    }
    // A permissions boundary that keeps the principal from being (or becoming) an
    // administrator neutralises the attachment: the delegated-administration pattern.
    if let Some(i) = entity
        && !found.is_empty()
    {
        let capped = judge.account.entities[i].boundary.is_some()
            && !judge.graph.is_admin_entity(i)
            && judge.graph.path_to_admin(i).is_none();
        if capped {
            report.pass(ADMIN_POLICY_ATTACHED);
            return;
        }
    }
    if found.is_empty() {
        report.pass(ADMIN_POLICY_ATTACHED);
        return;
    }
    let identity_center = entity.is_some_and(|i| is_identity_center(&judge.account.entities[i]));
    let names: Vec<String> = found.iter().map(|(_, a, why)| format!("{} ({why})", a.name)).collect();
    let mut message = format!(
        "{} {} has {} attached, which makes it an administrator of the account; it is not a break-glass principal",
        noun(r),
        r.name,
        names.join(" and ")
    );
    if identity_center {
        message.push_str(
            ". The role belongs to IAM Identity Center (path /aws-reserved/): change the permission set, not the role",
        );
    }
    // With the principal's use known, the fix puts what it used in place of the attachment.
    let replacements: Vec<Option<Value>> = found
        .iter()
        .map(|(i, a, _)| {
            let window = judge.window.as_ref()?;
            let usage = window.usage_of(r)?;
            let e = &judge.account.entities[entity?];
            let doc = judge.managed_docs.get(a.arn.as_str())?;
            let held = Held::Managed { index: *i, arn: a.arn.clone() };
            usage::replacement(r, e, &held, doc, usage, window)
                .filter(|(kind, _)| *kind == "iam.replace_with_least_privilege")
                .map(|(_, params)| params)
        })
        .collect();
    if replacements.iter().any(Option::is_some)
        && let Some(window) = judge.window.as_ref()
        && let Some(usage) = window.usage_of(r)
    {
        message.push_str(&format!(". {}: the fix puts those in its place", upper_first(&window.used_summary(usage))));
    }
    let finding = report.fail(ADMIN_POLICY_ATTACHED, r, message);
    for ((i, a, _), replacement) in found.iter().zip(replacements) {
        finding.evidence(&format!("/config/attached_policies/{i}"));
        if identity_center {
            continue;
        }
        match replacement {
            Some(params) => finding.action("iam.replace_with_least_privilege", 1, params),
            None => finding.action("iam.detach_policy", 1, json!({"principal_arn": r.arn, "policy_arn": a.arn})),
        };
    }
    reported.admin_attachments.insert(r.arn.clone(), found.iter().map(|(i, _, _)| *i).collect());
}

// ---------------------------------------------------------------- privilege escalation

fn escalation(judge: &Judge<'_>, r: &Resource, i: usize, report: &mut Report) {
    let graph = &judge.graph;
    if graph.is_admin_entity(i) {
        // Already an administrator: POLICY_FULL_ADMIN or ADMIN_POLICY_ATTACHED says so.
        return;
    }
    let Some(path) = graph.path_to_admin(i) else {
        if judge.account.entities[i].unread.is_empty() {
            report.pass(PRIVILEGE_ESCALATION);
        }
        return;
    };
    escalation_finding(judge, r, &path, report);
}

fn escalation_finding(judge: &Judge<'_>, r: &Resource, path: &Path<'_>, report: &mut Report) {
    let account = judge.account;
    let mut steps = Vec::new();
    let mut evidence = Vec::new();
    let mut conditions = Vec::new();
    for e in &path.edges {
        let mut places = Vec::new();
        for s in &e.steps {
            places.extend(s.places.iter().cloned());
            evidence.extend(s.evidence.iter().map(|ev| relative(ev, &r.arn)));
            conditions.extend(s.conditions.iter().cloned());
        }
        dedup(&mut places);
        steps.push(format!("{} ({})", e.how, places.join(", ")));
    }
    dedup(&mut evidence);
    dedup(&mut conditions);
    let mut message = format!(
        "{} {} is not an administrator but can make itself one: {}. Steps: {}",
        noun(r),
        r.name,
        path.describe(account),
        steps.join("; then ")
    );
    if path.conditional {
        message.push_str(&format!(". Only when: {}", conditions.join(", ")));
    }
    let finding = report.fail(PRIVILEGE_ESCALATION, r, message);
    if path.conditional {
        finding.severity(Severity::Medium);
    }
    for e in &evidence {
        finding.evidence(e);
    }
}

// ---------------------------------------------------------------- Lambda roles' SSM scope

/// The parameter paths the functions may read, and probe parameters outside them.
fn ssm_scope(settings: &Settings, functions: &[&Resource]) -> Option<(Vec<String>, Vec<String>)> {
    let mut paths = Vec::new();
    let mut probes: Vec<(String, String)> = Vec::new();
    for f in functions {
        let (Some(app), Some(stage)) = (f.app(), f.stage()) else { continue };
        for template in &settings.lambda_ssm_paths {
            paths.push(template.replace("{app}", app).replace("{stage}", stage));
        }
        paths.push(format!("/sst/passphrase/{app}/{stage}"));
        let partition = f.arn.split(':').nth(1).unwrap_or("aws");
        let base = format!("arn:{partition}:ssm:{}:{}:parameter", f.region, f.account);
        for outside in [
            format!("/{app}/bbscan-other-stage/secret"),
            format!("/sst/{app}/bbscan-other-stage/Secret/value"),
            format!("/bbscan-other-app/{stage}/secret"),
            "/bbscan-outside".to_string(),
        ] {
            probes.push((format!("{base}{outside}"), outside));
        }
    }
    dedup(&mut paths);
    // A probe the settings allow is not outside.
    let probes: Vec<String> = probes
        .into_iter()
        .filter(|(_, path)| !paths.iter().any(|allowed| wildcard_match(allowed, path, false)))
        .map(|(arn, _)| arn)
        .collect();
    let mut probes = probes;
    dedup(&mut probes);
    (!probes.is_empty()).then_some((paths, probes))
}

fn lambda_ssm_scope(
    judge: &Judge<'_>,
    settings: &Settings,
    r: &Resource,
    i: usize,
    functions: &[&Resource],
    report: &mut Report,
) {
    let account = judge.account;
    let e = &account.entities[i];
    let Some((paths, probes)) = ssm_scope(settings, functions) else { return };
    if judge.graph.is_admin_entity(i) {
        // An administrator reads everything; POLICY_FULL_ADMIN or ADMIN_POLICY_ATTACHED says so.
        return;
    }
    let p = account.policies_of(e);
    let ctx = account.context_of(e);
    let policies: Policies<'_> = p.with_resource(None, true);
    let (mut found, mut evidence, mut conditional) = (Vec::new(), Vec::new(), true);
    for action in ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"] {
        for probe in &probes {
            let req = Request {
                principal: &e.principal,
                action,
                resource: probe,
                resource_account: Some(&account.id),
                context: &ctx,
            };
            let outcome = decide(&req, &policies);
            if !outcome.decision.possible() {
                continue;
            }
            conditional &= outcome.decision == Decision::Conditional;
            let places: Vec<String> = outcome.reasons.iter().map(|x| x.place()).collect();
            let path = probe.split_once(":parameter").map_or(probe.as_str(), |(_, p)| p);
            found.push(format!("{action} on {path} ({})", places.join(", ")));
            evidence.extend(outcome.reasons.iter().map(|x| relative(&x.evidence(""), &r.arn)));
            break;
        }
    }
    if found.is_empty() {
        if e.unread.is_empty() {
            report.pass(LAMBDA_ROLE_SSM_SCOPE);
        }
        return;
    }
    dedup(&mut evidence);
    let mut names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    dedup(&mut names);
    let finding = report.fail(
        LAMBDA_ROLE_SSM_SCOPE,
        r,
        format!(
            "role {}, the execution role of {}, can read SSM parameters outside {}{}: {}",
            r.name,
            names.join(", "),
            paths.join(", "),
            if conditional { " under conditions" } else { "" },
            found.join("; ")
        ),
    );
    if conditional {
        finding.severity(Severity::Medium);
    }
    for ev in &evidence {
        finding.evidence(ev);
    }
}

// ---------------------------------------------------------------- service wildcards, "*" resources

const SENSITIVE_SERVICES: &[&str] = &["iam", "kms", "ssm", "secretsmanager", "sts", "organizations"];

/// What a document denies on every resource unconditionally: subtracted from its grants.
fn denied_everywhere(judge: &mut Judge<'_>, d: &Document) -> ActionSet {
    let mut out = ActionSet::none();
    for s in d.policy.statements.iter().filter(|s| s.effect == Effect::Deny && s.problems.is_empty()) {
        if covers_every_resource(s) && s.conditions.is_empty() {
            out.union_with(judge.ex.actions(s));
        }
    }
    out
}

/// The services a set covers entirely.
fn whole_services(set: &ActionSet) -> Vec<&'static str> {
    Catalogue::get().whole_services(set)
}

fn place(d: &Document, s: &Statement) -> String {
    format!("{} {}", d.policy.source.label, s.pointer.trim_start_matches('/'))
}

fn at(d: &Document, s: &Statement) -> String {
    format!("{}{}", d.policy.source.pointer, s.pointer)
}

fn service_wildcard(judge: &mut Judge<'_>, r: &Resource, docs: &[&Document], report: &mut Report) {
    let (mut items, mut evidence, mut high) = (Vec::new(), Vec::new(), false);
    for d in docs {
        let denied = denied_everywhere(judge, d);
        for s in d.policy.statements.iter().filter(|s| s.effect == Effect::Allow && s.problems.is_empty()) {
            let mut here = Vec::new();
            let patterns: Vec<(String, ActionSet)> = if s.not_actions.is_empty() {
                s.actions.iter().map(|p| (p.clone(), judge.ex.pattern(p).clone())).collect()
            } else {
                vec![(format!("NotAction [{}]", s.not_actions.join(", ")), judge.ex.actions(s).clone())]
            };
            for (name, mut set) in patterns {
                set.subtract(&denied);
                let services = whole_services(&set);
                if services.is_empty() {
                    continue;
                }
                high |= services.iter().any(|s| SENSITIVE_SERVICES.contains(s));
                if services.len() > 3 {
                    here.push(format!("{name} (every action of {} services)", services.len()));
                } else {
                    here.push(format!("{name} (every action of {})", services.join(", ")));
                }
            }
            if !here.is_empty() {
                items.push(format!("{} ({})", here.join(", "), place(d, s)));
                evidence.push(at(d, s));
            }
        }
    }
    if items.is_empty() {
        report.pass(POLICY_SERVICE_WILDCARD);
        return;
    }
    let finding = report.fail(
        POLICY_SERVICE_WILDCARD,
        r,
        format!("{} {} allows every action of a service: {}", noun(r), r.name, items.join("; ")),
    );
    if high {
        finding.severity(Severity::High);
    }
    for e in &evidence {
        finding.evidence(e);
    }
}

fn wildcard_resource(judge: &mut Judge<'_>, r: &Resource, docs: &[&Document], lambda_role: bool, report: &mut Report) {
    let c = Catalogue::get();
    let (mut items, mut evidence, mut high) = (Vec::new(), Vec::new(), false);
    for d in docs {
        let denied = denied_everywhere(judge, d);
        for s in d.policy.statements.iter().filter(|s| s.effect == Effect::Allow && s.problems.is_empty()) {
            if !covers_every_resource(s) && s.not_resources.is_empty() {
                continue;
            }
            let on = if s.not_resources.is_empty() {
                "\"*\"".to_string()
            } else {
                format!("everything but {}", s.not_resources.join(", "))
            };
            let patterns: Vec<(String, ActionSet)> = if s.not_actions.is_empty() {
                s.actions.iter().map(|p| (p.clone(), judge.ex.pattern(p).clone())).collect()
            } else {
                vec![(format!("NotAction [{}]", s.not_actions.join(", ")), judge.ex.actions(s).clone())]
            };
            let mut here = Vec::new();
            for (name, mut set) in patterns {
                set.subtract(&denied);
                if !whole_services(&set).is_empty() {
                    // POLICY_SERVICE_WILDCARD reports it.
                    continue;
                }
                set.subtract(&judge.star_exempt);
                let secrets = if lambda_role { &judge.secret_reads_but_ssm } else { &judge.secret_reads };
                let mut secret: Vec<String> = Vec::new();
                let mut writes: Vec<String> = Vec::new();
                for id in set.iter() {
                    if c.only_star(id) {
                        continue;
                    }
                    if secrets.contains(id) {
                        secret.push(c.name(id));
                    } else if c.level(id).is_write() {
                        writes.push(c.name(id));
                    }
                }
                if !secret.is_empty() {
                    high = true;
                    here.push(format!("{name} (reads secrets: {})", sample(&secret)));
                } else if !writes.is_empty() {
                    here.push(if writes.len() == 1 && writes[0].eq_ignore_ascii_case(&name) {
                        name.clone()
                    } else {
                        format!("{name} ({} write actions: {})", writes.len(), sample(&writes))
                    });
                }
            }
            if !here.is_empty() {
                items.push(format!("{} on {on} ({})", here.join(", "), place(d, s)));
                evidence.push(at(d, s));
            }
        }
    }
    if items.is_empty() {
        report.pass(POLICY_WILDCARD_RESOURCE);
        return;
    }
    let finding = report.fail(
        POLICY_WILDCARD_RESOURCE,
        r,
        format!(
            "{} {} allows write or secret-reading actions on every resource: {}",
            noun(r),
            r.name,
            items.join("; ")
        ),
    );
    if high {
        finding.severity(Severity::High);
    }
    for e in &evidence {
        finding.evidence(e);
    }
}

/// The actions any of `patterns` names.
fn expand_all<'p>(patterns: impl Iterator<Item = &'p str>) -> ActionSet {
    let c = Catalogue::get();
    let mut set = ActionSet::empty(c.len());
    for p in patterns {
        c.expand_into(p, &mut set);
    }
    set
}

/// Up to three names, then how many more.
fn sample(names: &[String]) -> String {
    if names.len() <= 3 { names.join(", ") } else { format!("{}, … {} more", names[..3].join(", "), names.len() - 3) }
}
