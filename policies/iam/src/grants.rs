//! What identity policies grant: full administrators, administrator attachments, privilege
//! escalation, Lambda execution roles' SSM scope, service wildcards and wildcard resources.

use crate::Settings;
use crate::rules::*;
use bbscan_policy::iam::{self, Effect, Statement, wildcard_match};
use bbscan_policy::model::{AttachedPolicy, IamRole, InlinePolicy, ResourceConfig};
use bbscan_policy::{Context, Report, Resource, Severity, json};
use std::collections::{BTreeMap, BTreeSet};

/// A policy document a resource holds: its own (customer-managed policy) or an inline policy.
pub(crate) struct Document {
    /// How messages name it: `inline policy "deploy"` or `the default version`.
    pub label: String,
    /// JSON pointer of the document inside the resource (`/config/document`).
    pub pointer: String,
    pub statements: Vec<Statement>,
}

impl Document {
    /// JSON pointer of a statement inside the resource.
    fn at(&self, s: &Statement) -> String {
        format!("{}{}", self.pointer, s.pointer)
    }

    /// A statement as messages name it: `inline policy "deploy" Statement/2`.
    fn place(&self, s: &Statement) -> String {
        format!("{} {}", self.label, s.pointer.trim_start_matches('/'))
    }

    pub(crate) fn is_full_admin(&self) -> bool {
        self.statements.iter().any(full_admin_statement)
    }
}

/// (document index, statement index, action index): one action pattern of one statement.
/// A statement's `NotAction` as a whole is [`NOT_ACTION`].
type Claim = (usize, usize, usize);
const NOT_ACTION: usize = usize::MAX;

/// The documents a resource holds, `None` when they could not be read.
pub(crate) fn documents(r: &Resource) -> Option<Vec<Document>> {
    let inline = |list: &[InlinePolicy]| -> Vec<Document> {
        list.iter()
            .enumerate()
            .map(|(i, p)| Document {
                label: format!("inline policy {:?}", p.name),
                pointer: format!("/config/inline_policies/{i}/document"),
                statements: iam::statements(&p.document),
            })
            .collect()
    };
    match &r.config {
        ResourceConfig::IamPolicy(p) if r.is_known("document") && p.document.is_object() => Some(vec![Document {
            label: "the default version".into(),
            pointer: "/config/document".into(),
            statements: iam::statements(&p.document),
        }]),
        ResourceConfig::IamUser(u) if r.is_known("inline_policies") => Some(inline(&u.inline_policies)),
        ResourceConfig::IamGroup(g) if r.is_known("inline_policies") => Some(inline(&g.inline_policies)),
        ResourceConfig::IamRole(role) if r.is_known("inline_policies") => Some(inline(&role.inline_policies)),
        _ => None,
    }
}

/// `*`, `*:*`: every action of every service.
fn is_all_actions(p: &str) -> bool {
    p.contains('*') && p.chars().all(|c| c == '*' || c == ':')
}

fn is_all_resources(r: &str) -> bool {
    !r.is_empty() && r.chars().all(|c| c == '*')
}

fn full_admin_statement(s: &Statement) -> bool {
    s.effect == Effect::Allow
        && (s.actions.iter().any(|a| is_all_actions(a)) || !s.not_actions.is_empty())
        && (s.resources.iter().any(|r| is_all_resources(r)) || !s.not_resources.is_empty())
}

/// `s3:*` → `s3`: a pattern granting every action of one service.
fn service_of_wildcard(p: &str) -> Option<String> {
    let (service, name) = p.split_once(':')?;
    (!name.is_empty() && name.chars().all(|c| c == '*') && !service.is_empty() && !service.contains(['*', '?']))
        .then(|| service.to_ascii_lowercase())
}

/// The action patterns of an Allow statement that grant `action` (`NOT_ACTION` for a NotAction).
fn granting(s: &Statement, action: &str) -> Vec<usize> {
    if s.effect != Effect::Allow {
        return Vec::new();
    }
    if !s.not_actions.is_empty() {
        return if s.covers_action(action) { vec![NOT_ACTION] } else { Vec::new() };
    }
    s.actions.iter().enumerate().filter(|(_, p)| wildcard_match(p, action, true)).map(|(i, _)| i).collect()
}

fn pattern_name(s: &Statement, index: usize) -> String {
    if index == NOT_ACTION {
        format!("NotAction [{}]", s.not_actions.join(", "))
    } else {
        s.actions.get(index).cloned().unwrap_or_default()
    }
}

/// The statement's resources as messages name them when they cover everything.
fn star_resource(s: &Statement) -> Option<String> {
    if !s.not_resources.is_empty() {
        return Some(format!("everything but {}", s.not_resources.join(", ")));
    }
    s.resources.iter().find(|r| is_all_resources(r)).map(|_| "\"*\"".to_string())
}

/// Whether an IAM resource pattern covers principals (or policies) of `kind` other than the
/// caller's own: `*`, `arn:aws:iam::123:user/*`, `…:role/app-*`; not `…:user/${aws:username}`.
fn covers_others(pattern: &str, kind: &str) -> bool {
    let mut stripped = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        stripped.push_str(&rest[..start]);
        rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
    }
    stripped.push_str(rest);
    if !stripped.contains(['*', '?']) {
        return false;
    }
    let parts: Vec<&str> = stripped.splitn(6, ':').collect();
    let [_, _, service, _, _, id] = parts.as_slice() else { return true };
    if !wildcard_match(service, "iam", true) || !id.contains(['*', '?']) {
        return false;
    }
    let literal = id.split(['*', '?']).next().unwrap_or_default();
    let prefix = format!("{kind}/");
    literal.starts_with(&prefix) || prefix.starts_with(literal)
}

fn broad_resource(s: &Statement, kind: &str) -> Option<String> {
    if !s.not_resources.is_empty() {
        return Some(format!("everything but {}", s.not_resources.join(", ")));
    }
    s.resources.iter().find(|r| covers_others(r, kind)).cloned()
}

fn noun(r: &Resource) -> &'static str {
    let kind = r.kind();
    kind.strip_prefix("iam.").unwrap_or(kind)
}

fn dedup(list: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    list.retain(|x| seen.insert(x.clone()));
}

// ---------------------------------------------------------------- administrator attachments

pub(crate) fn is_break_glass(settings: &Settings, r: &Resource) -> bool {
    settings.break_glass.iter().any(|p| wildcard_match(p, &r.name, false) || wildcard_match(p, &r.arn, false))
}

/// The attachments `ADMIN_POLICY_ATTACHED` reports on `r` (none for break-glass principals).
pub(crate) fn admin_attachments<'a>(
    settings: &Settings,
    r: &Resource,
    attached: &'a [AttachedPolicy],
) -> Vec<(usize, &'a AttachedPolicy)> {
    if is_break_glass(settings, r) {
        return Vec::new();
    }
    attached.iter().enumerate().filter(|(_, a)| is_admin_policy(settings, &a.arn)).collect()
}

fn is_admin_policy(settings: &Settings, arn: &str) -> bool {
    settings.admin_policies.iter().any(|p| wildcard_match(p, arn, false))
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

fn admin_policy_attached(settings: &Settings, r: &Resource, attached: &[AttachedPolicy], report: &mut Report) {
    let found = admin_attachments(settings, r, attached);
    if found.is_empty() {
        report.pass(ADMIN_POLICY_ATTACHED);
        return;
    }
    let names: Vec<&str> = found.iter().map(|(_, a)| a.name.as_str()).collect();
    let finding = report.fail(
        ADMIN_POLICY_ATTACHED,
        r,
        format!(
            "{} {} has {} attached, which makes it an administrator of the account; it is not a break-glass principal",
            noun(r),
            r.name,
            names.join(" and ")
        ),
    );
    for (i, a) in found {
        finding.evidence(&format!("/config/attached_policies/{i}")).action(
            "iam.detach_policy",
            1,
            json!({"principal_arn": r.arn, "policy_arn": a.arn}),
        );
    }
}

// ---------------------------------------------------------------- privilege escalation

/// Grants that raise the holder's permissions on their own, with the kind of IAM resource they act on.
const DIRECT_ESCALATIONS: &[(&str, &str)] = &[
    ("iam:PutUserPolicy", "user"),
    ("iam:PutGroupPolicy", "group"),
    ("iam:PutRolePolicy", "role"),
    ("iam:AttachUserPolicy", "user"),
    ("iam:AttachGroupPolicy", "group"),
    ("iam:AttachRolePolicy", "role"),
    ("iam:CreatePolicyVersion", "policy"),
    ("iam:SetDefaultPolicyVersion", "policy"),
    ("iam:UpdateAssumeRolePolicy", "role"),
    ("iam:CreateAccessKey", "user"),
    ("iam:CreateLoginProfile", "user"),
    ("iam:UpdateLoginProfile", "user"),
    ("iam:AddUserToGroup", "group"),
];

/// Compute creation that runs with a passed role.
const COMPUTE: &[&str] = &[
    "lambda:CreateFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "ec2:RunInstances",
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:RegisterTaskDefinition",
    "glue:CreateDevEndpoint",
    "glue:UpdateDevEndpoint",
    "glue:CreateJob",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "datapipeline:CreatePipeline",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "codebuild:CreateProject",
    "codebuild:UpdateProject",
    "states:CreateStateMachine",
    "apprunner:CreateService",
];

/// What triggers the code created with a passed role; named with the escalation when present.
const TRIGGERS: &[&str] = &[
    "lambda:InvokeFunction",
    "lambda:CreateEventSourceMapping",
    "lambda:AddPermission",
    "lambda:CreateFunctionUrlConfig",
];

#[derive(Default)]
struct Escalation {
    grants: Vec<String>,
    evidence: Vec<String>,
    claims: BTreeSet<Claim>,
}

fn escalation(docs: &[(usize, &Document)]) -> Escalation {
    let mut out = Escalation::default();
    let (mut pass, mut compute, mut pass_places, mut compute_places) = (vec![], vec![], vec![], vec![]);
    let mut compute_claims = BTreeSet::new();
    for &(d, doc) in docs {
        for (si, s) in doc.statements.iter().enumerate() {
            // Direct grants, grouped per statement and resource.
            let mut direct: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for (action, kind) in DIRECT_ESCALATIONS {
                let found = granting(s, action);
                if found.is_empty() {
                    continue;
                }
                let Some(on) = broad_resource(s, kind) else { continue };
                direct.entry(on).or_default().push(action);
                out.claims.extend(found.into_iter().map(|a| (d, si, a)));
            }
            for (on, actions) in direct {
                out.grants.push(format!("{} on {on} ({})", actions.join(", "), doc.place(s)));
                out.evidence.push(doc.at(s));
            }
            let found = granting(s, "iam:PassRole");
            if !found.is_empty()
                && let Some(on) = broad_resource(s, "role")
            {
                pass.push(format!("iam:PassRole on {on}"));
                pass_places.push((doc.place(s), doc.at(s)));
                out.claims.extend(found.into_iter().map(|a| (d, si, a)));
            }
            for action in COMPUTE.iter().chain(TRIGGERS) {
                let found = granting(s, action);
                if found.is_empty() {
                    continue;
                }
                compute.push((*action, COMPUTE.contains(action)));
                compute_places.push((doc.place(s), doc.at(s)));
                compute_claims.extend(found.into_iter().map(|a| (d, si, a)));
            }
        }
    }
    if !pass.is_empty() && compute.iter().any(|(_, creates)| *creates) {
        let mut actions: Vec<String> = compute.iter().map(|(a, _)| a.to_string()).collect();
        dedup(&mut actions);
        dedup(&mut pass);
        let mut places: Vec<String> = pass_places.iter().chain(&compute_places).map(|(p, _)| p.clone()).collect();
        dedup(&mut places);
        out.grants.push(format!(
            "{} together with {} ({}): code created with any passable role runs with that role's permissions",
            pass.join(", "),
            actions.join(", "),
            places.join(", ")
        ));
        out.evidence.extend(pass_places.into_iter().chain(compute_places).map(|(_, at)| at));
        out.claims.extend(compute_claims);
    }
    dedup(&mut out.evidence);
    out
}

// ---------------------------------------------------------------- Lambda roles' SSM scope

const SSM_READS: &[&str] = &["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"];

/// AWS-managed policies (not in the snapshot) known to allow ssm:GetParameter* on every parameter.
const AWS_MANAGED_SSM_READERS: &[&str] = &[
    "AmazonSSMReadOnlyAccess",
    "AmazonSSMFullAccess",
    "AmazonSSMManagedInstanceCore",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "AdministratorAccess",
];

/// The parameter paths a set of functions may read, and a parameter ARN outside them.
struct Scope {
    paths: Vec<String>,
    probe: String,
}

impl Scope {
    fn of(settings: &Settings, functions: &[&Resource]) -> Option<Scope> {
        let mut paths = Vec::new();
        let mut probe = None;
        for f in functions {
            let (Some(app), Some(stage)) = (f.app(), f.stage()) else { continue };
            for template in &settings.lambda_ssm_paths {
                paths.push(template.replace("{app}", app).replace("{stage}", stage));
            }
            paths.push(format!("/sst/passphrase/{app}/{stage}"));
            let partition = f.arn.split(':').nth(1).unwrap_or("aws");
            probe.get_or_insert_with(|| {
                format!("arn:{partition}:ssm:{}:{}:parameter/bbscan-probe-outside", f.region, f.account)
            });
        }
        dedup(&mut paths);
        Some(Scope { paths, probe: probe? })
    }

    /// Whether a resource pattern of an ssm read reaches parameters outside the scope.
    fn reaches_outside(&self, resource: &str) -> bool {
        match resource.find(":parameter/") {
            Some(at) => {
                let path = &resource[at + ":parameter".len()..];
                !self.paths.iter().any(|allowed| wildcard_match(allowed, path, false))
            }
            None => wildcard_match(resource, &self.probe, false),
        }
    }

    /// The ssm reads of `statements` that reach outside: (statement index, patterns, resources).
    fn outside(&self, statements: &[Statement]) -> Vec<(usize, Vec<usize>, Vec<String>)> {
        let mut out = Vec::new();
        for (si, s) in statements.iter().enumerate() {
            let mut patterns: Vec<usize> = SSM_READS.iter().flat_map(|a| granting(s, a)).collect();
            patterns.sort_unstable();
            patterns.dedup();
            if patterns.is_empty() {
                continue;
            }
            let resources: Vec<String> = if s.not_resources.is_empty() {
                s.resources.iter().filter(|r| self.reaches_outside(r)).cloned().collect()
            } else {
                vec![format!("everything but {}", s.not_resources.join(", "))]
            };
            if !resources.is_empty() {
                out.push((si, patterns, resources));
            }
        }
        out
    }
}

fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws") && arn.contains(":policy/")
}

fn managed_statements(ctx: &Context<'_>, arn: &str) -> Option<Vec<Statement>> {
    let r = ctx.resource(arn)?;
    match &r.config {
        ResourceConfig::IamPolicy(p) if r.is_known("document") && p.document.is_object() => {
            Some(iam::statements(&p.document))
        }
        _ => None,
    }
}

struct RoleGrants<'a> {
    role: &'a IamRole,
    functions: &'a [&'a Resource],
    /// The role's own inline documents, `None` when unread; full-admin ones left out.
    documents: Option<&'a [(usize, &'a Document)]>,
    /// Whether a grant of the role is reported by POLICY_FULL_ADMIN or ADMIN_POLICY_ATTACHED.
    admin_elsewhere: bool,
}

fn lambda_role_ssm_scope(
    ctx: &Context<'_>,
    settings: &Settings,
    r: &Resource,
    grants: RoleGrants<'_>,
    report: &mut Report,
) -> BTreeSet<Claim> {
    let mut claims = BTreeSet::new();
    let Some(scope) = Scope::of(settings, grants.functions) else { return claims };
    let (mut found, mut evidence) = (Vec::new(), Vec::new());
    let mut complete = true;
    match grants.documents {
        Some(docs) => {
            for &(d, doc) in docs {
                for (si, patterns, resources) in scope.outside(&doc.statements) {
                    let Some(s) = doc.statements.get(si) else { continue };
                    let names: Vec<String> = patterns.iter().map(|p| pattern_name(s, *p)).collect();
                    found.push(format!("{} allows {} on {}", doc.place(s), names.join(", "), resources.join(", ")));
                    evidence.push(doc.at(s));
                    claims.extend(patterns.into_iter().map(|p| (d, si, p)));
                }
            }
        }
        None => complete = false,
    }
    let mut admin_elsewhere = grants.admin_elsewhere;
    if r.is_known("attached_policies") {
        for (i, a) in grants.role.attached_policies.iter().enumerate() {
            if is_admin_policy(settings, &a.arn) && !is_break_glass(settings, r) {
                admin_elsewhere = true;
                continue;
            }
            if let Some(statements) = managed_statements(ctx, &a.arn) {
                if statements.iter().any(full_admin_statement) {
                    admin_elsewhere = true;
                    continue;
                }
                for (si, patterns, resources) in scope.outside(&statements) {
                    let Some(s) = statements.get(si) else { continue };
                    let names: Vec<String> = patterns.iter().map(|p| pattern_name(s, *p)).collect();
                    found.push(format!(
                        "attached policy {} Statement/{si} allows {} on {}",
                        a.name,
                        names.join(", "),
                        resources.join(", ")
                    ));
                    evidence.push(format!("/config/attached_policies/{i}"));
                }
            } else if is_aws_managed(&a.arn) {
                if AWS_MANAGED_SSM_READERS.iter().any(|n| a.arn.ends_with(&format!("/{n}"))) {
                    found.push(format!("attached AWS-managed policy {} allows ssm:GetParameter* on \"*\"", a.name));
                    evidence.push(format!("/config/attached_policies/{i}"));
                }
            } else {
                // A customer-managed policy the snapshot does not hold: its grants are unknown.
                complete = false;
            }
        }
    } else {
        complete = false;
    }
    if found.is_empty() {
        if complete && !admin_elsewhere {
            report.pass(LAMBDA_ROLE_SSM_SCOPE);
        }
        return BTreeSet::new();
    }
    // A customer-managed permissions boundary that keeps reads inside the scope caps them.
    if let Some(boundary) = &grants.role.permissions_boundary
        && let Some(statements) = managed_statements(ctx, boundary)
        && !statements.iter().any(full_admin_statement)
        && scope.outside(&statements).is_empty()
    {
        report.pass(LAMBDA_ROLE_SSM_SCOPE);
        return BTreeSet::new();
    }
    let mut functions: Vec<String> = grants.functions.iter().map(|f| f.name.clone()).collect();
    dedup(&mut functions);
    dedup(&mut evidence);
    let finding = report.fail(
        LAMBDA_ROLE_SSM_SCOPE,
        r,
        format!(
            "role {}, the execution role of {}, can read SSM parameters outside {}: {}",
            r.name,
            functions.join(", "),
            scope.paths.join(", "),
            found.join("; ")
        ),
    );
    for e in &evidence {
        finding.evidence(e);
    }
    claims
}

// ---------------------------------------------------------------- service wildcards, "*" resources

const SENSITIVE_SERVICES: &[&str] = &["iam", "kms", "ssm", "secretsmanager", "sts", "organizations"];

fn service_wildcard(r: &Resource, docs: &[(usize, &Document)], claims: &BTreeSet<Claim>, report: &mut Report) {
    let (mut items, mut evidence, mut high) = (Vec::new(), Vec::new(), false);
    for &(d, doc) in docs {
        for (si, s) in doc.statements.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let mut here = Vec::new();
            if !s.not_actions.is_empty() && !claims.contains(&(d, si, NOT_ACTION)) {
                here.push(format!("{} (every other action of every service)", pattern_name(s, NOT_ACTION)));
                high = true;
            }
            for (ai, p) in s.actions.iter().enumerate() {
                if claims.contains(&(d, si, ai)) {
                    continue;
                }
                if is_all_actions(p) {
                    here.push(format!("{p} (every action of every service)"));
                    high = true;
                } else if let Some(service) = service_of_wildcard(p) {
                    high |= SENSITIVE_SERVICES.contains(&service.as_str());
                    here.push(p.clone());
                }
            }
            if !here.is_empty() {
                items.push(format!("{} ({})", here.join(", "), doc.place(s)));
                evidence.push(doc.at(s));
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

const SECRET_READS: &[&str] = &[
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
];

/// Verbs of write and permissions-management actions.
const WRITE_VERBS: &[&str] = &[
    "put",
    "create",
    "delete",
    "update",
    "attach",
    "detach",
    "modify",
    "set",
    "add",
    "remove",
    "pass",
    "tag",
    "untag",
    "start",
    "stop",
    "invoke",
    "upload",
    "restore",
    "replace",
    "enable",
    "disable",
    "reset",
    "write",
    "send",
    "publish",
    "run",
    "terminate",
    "reboot",
    "associate",
    "disassociate",
    "import",
    "change",
    "register",
    "deregister",
    "revoke",
    "authorize",
    "grant",
    "retire",
    "schedule",
    "cancel",
    "rotate",
    "execute",
    "purge",
    "copy",
    "restart",
];

/// Whether an action pattern covers a write action (`s3:PutObject`, `s3:Put*`, `s3:*Object`).
fn is_write(pattern: &str) -> bool {
    let name = pattern.split_once(':').map_or(pattern, |(_, n)| n).to_ascii_lowercase();
    match name.find(['*', '?']) {
        None => WRITE_VERBS.iter().any(|v| name.starts_with(v)),
        Some(at) => {
            let literal = &name[..at];
            WRITE_VERBS.iter().any(|v| literal.starts_with(v) || v.starts_with(literal))
        }
    }
}

fn wildcard_resource(
    settings: &Settings,
    r: &Resource,
    docs: &[(usize, &Document)],
    claims: &BTreeSet<Claim>,
    lambda_role: bool,
    report: &mut Report,
) {
    let (mut items, mut evidence, mut high) = (Vec::new(), Vec::new(), false);
    for &(d, doc) in docs {
        for (si, s) in doc.statements.iter().enumerate() {
            if s.effect != Effect::Allow || !s.not_actions.is_empty() {
                continue;
            }
            let Some(on) = star_resource(s) else { continue };
            let mut here = Vec::new();
            for (ai, p) in s.actions.iter().enumerate() {
                if claims.contains(&(d, si, ai)) || is_all_actions(p) || service_of_wildcard(p).is_some() {
                    continue;
                }
                if settings.resource_star_actions.iter().any(|e| wildcard_match(e, p, true)) {
                    continue;
                }
                let secrets: Vec<&str> = SECRET_READS.iter().copied().filter(|a| wildcard_match(p, a, true)).collect();
                if lambda_role && secrets.iter().any(|a| a.starts_with("ssm:")) {
                    // LAMBDA_ROLE_SSM_SCOPE judges the parameter reads of execution roles.
                    continue;
                }
                if !secrets.is_empty() {
                    here.push(format!("{p} (reads secrets)"));
                    high = true;
                } else if is_write(p) {
                    here.push(p.clone());
                }
            }
            if !here.is_empty() {
                items.push(format!("{} on {on} ({})", here.join(", "), doc.place(s)));
                evidence.push(doc.at(s));
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

// ---------------------------------------------------------------- evaluation

pub(crate) fn evaluate(ctx: &Context<'_>, settings: &Settings, resources: &[Resource], report: &mut Report) {
    // Execution roles, by lower-cased role ARN, with the functions that use them.
    let mut execution_roles: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    for f in resources {
        if let ResourceConfig::LambdaFunction(l) = &f.config
            && f.is_known("role")
            && let Some(role) = &l.role
        {
            execution_roles.entry(role.to_ascii_lowercase()).or_default().push(f);
        }
    }
    for r in resources {
        if let Some(attached) = attached_of(r) {
            admin_policy_attached(settings, r, attached, report);
        }
        let docs = documents(r);
        let full_admin: Vec<&Document> = docs.iter().flatten().filter(|d| d.is_full_admin()).collect();
        if let Some(all) = &docs
            && !all.is_empty()
        {
            if full_admin.is_empty() {
                report.pass(POLICY_FULL_ADMIN);
            } else {
                let mut places = Vec::new();
                let mut evidence = Vec::new();
                for doc in &full_admin {
                    for s in doc.statements.iter().filter(|s| full_admin_statement(s)) {
                        places.push(doc.place(s));
                        evidence.push(doc.at(s));
                    }
                }
                let finding = report.fail(
                    POLICY_FULL_ADMIN,
                    r,
                    format!("{} {} allows every action on every resource: {}", noun(r), r.name, places.join(", ")),
                );
                for e in &evidence {
                    finding.evidence(e);
                }
            }
        }
        let rest: Vec<(usize, &Document)> =
            docs.iter().flatten().enumerate().filter(|(_, d)| !d.is_full_admin()).collect();
        let mut claims = BTreeSet::new();
        if !rest.is_empty() {
            let found = escalation(&rest);
            if found.grants.is_empty() {
                report.pass(PRIVILEGE_ESCALATION);
            } else {
                let finding = report.fail(
                    PRIVILEGE_ESCALATION,
                    r,
                    format!(
                        "{} {} lets its holder raise its own permissions: {}",
                        noun(r),
                        r.name,
                        found.grants.join("; ")
                    ),
                );
                for e in &found.evidence {
                    finding.evidence(e);
                }
                claims.extend(found.claims);
            }
        }
        let functions = execution_roles.get(&r.arn.to_ascii_lowercase());
        if let ResourceConfig::IamRole(role) = &r.config
            && let Some(functions) = functions
        {
            let admin_elsewhere = !full_admin.is_empty();
            let grants =
                RoleGrants { role, functions, documents: docs.as_ref().map(|_| rest.as_slice()), admin_elsewhere };
            claims.extend(lambda_role_ssm_scope(ctx, settings, r, grants, report));
        }
        if !rest.is_empty() {
            service_wildcard(r, &rest, &claims, report);
            wildcard_resource(settings, r, &rest, &claims, functions.is_some(), report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_verbs_and_patterns() {
        assert!(is_write("s3:PutObject"));
        assert!(is_write("s3:put*"));
        assert!(is_write("s3:*Object"));
        assert!(is_write("lambda:InvokeFunction"));
        assert!(!is_write("s3:GetObject"));
        assert!(!is_write("s3:Get*"));
        assert!(!is_write("ec2:Describe*"));
        assert!(!is_write("s3:ListBucket"));
    }

    #[test]
    fn resources_that_cover_other_principals() {
        assert!(covers_others("*", "user"));
        assert!(covers_others("arn:aws:iam::123456789012:user/*", "user"));
        assert!(covers_others("arn:aws:iam::123456789012:role/brainbytes-*", "role"));
        assert!(covers_others("arn:aws:iam::123456789012:*", "role"));
        assert!(!covers_others("arn:aws:iam::123456789012:user/${aws:username}", "user"));
        assert!(!covers_others("arn:aws:iam::*:user/${aws:username}", "user"));
        assert!(!covers_others("arn:aws:iam::123456789012:role/*", "user"));
        assert!(!covers_others("arn:aws:iam::123456789012:role/deployer", "role"));
        assert!(!covers_others("arn:aws:s3:::bucket/*", "user"));
    }

    #[test]
    fn service_wildcards_and_all_actions() {
        assert_eq!(service_of_wildcard("S3:*"), Some("s3".into()));
        assert_eq!(service_of_wildcard("s3:Get*"), None);
        assert_eq!(service_of_wildcard("*"), None);
        assert!(is_all_actions("*") && is_all_actions("*:*") && !is_all_actions("s3:*"));
    }
}
