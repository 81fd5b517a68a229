//! An account's IAM, built once from a snapshot's resources: every user and role with the
//! policies that apply to it (inline, managed — AWS-managed included — and its groups'),
//! permissions boundaries, role trust policies, the organisation's SCPs and RCPs, and the
//! resource-based policies of buckets, functions and keys. Policies are parsed once and shared.
//!
//! What could not be read is recorded per principal (`unread`) and for the account (`gaps`): an
//! answer computed without it says so.

use crate::context::Context;
use crate::evaluate::{Policies, Policy, Principal, Source};
use bbscan_model::{Resource, ResourceConfig};
use serde_json::Value;
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// A user or role.
#[derive(Debug, Clone)]
pub struct Entity {
    pub principal: Principal,
    /// `iam.user` or `iam.role`.
    pub kind: &'static str,
    pub path: String,
    /// Identity policies, as indexes into [`Account::policies`]: inline, attached, then each
    /// group's.
    pub identity: Vec<usize>,
    pub boundary: Option<usize>,
    /// The boundary's ARN, even when its document could not be read.
    pub boundary_arn: Option<String>,
    /// Group names (users).
    pub groups: Vec<String>,
    /// Managed policies attached to the entity or its groups, by ARN (for policy-version moves).
    pub attached: Vec<String>,
    /// The trust policy (roles).
    pub trust: Option<usize>,
    /// Instance profiles (roles).
    pub instance_profiles: Vec<String>,
    /// Whether the user has a console password (users).
    pub login_profile: Option<bool>,
    /// What could not be read about the entity's permissions.
    pub unread: Vec<String>,
    /// Its request context, made on first use by [`Account::context_of`] (set it empty).
    pub context: OnceCell<Context>,
}

impl Entity {
    pub fn is_role(&self) -> bool {
        self.kind == "iam.role"
    }

    pub fn is_user(&self) -> bool {
        self.kind == "iam.user"
    }
}

/// A group.
#[derive(Debug, Clone)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub identity: Vec<usize>,
    pub attached: Vec<String>,
}

/// A Lambda function and the role it runs as.
#[derive(Debug, Clone)]
pub struct Function {
    pub arn: String,
    pub name: String,
    pub role: String,
}

/// The account.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub id: String,
    pub partition: String,
    /// Every parsed document.
    pub policies: Vec<Policy>,
    /// Managed policies by ARN → index into `policies`.
    pub managed: BTreeMap<String, usize>,
    /// Non-default versions of customer-managed policies by ARN → indexes into `policies`.
    pub versions: BTreeMap<String, Vec<usize>>,
    pub entities: Vec<Entity>,
    pub groups: BTreeMap<String, Group>,
    /// SCPs per level (root → account); empty when none apply.
    pub scps: Vec<Vec<usize>>,
    /// RCPs per level, for resources of this account.
    pub rcps: Vec<Vec<usize>>,
    /// The organisation's id, when the account is in one.
    pub organization: Option<String>,
    /// Resource-based policies by resource ARN.
    pub resource_policies: BTreeMap<String, usize>,
    pub functions: Vec<Function>,
    /// What the account-wide answers assume for lack of data.
    pub gaps: Vec<String>,
}

fn partition_of(arn: &str) -> &str {
    arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
}

fn noun(kind: &str) -> &str {
    kind.strip_prefix("iam.").unwrap_or(kind)
}

impl Account {
    /// Build from the resources of a snapshot (any order; kinds it does not need are skipped).
    pub fn from_resources<'r>(account_id: &str, resources: impl IntoIterator<Item = &'r Resource>) -> Account {
        let mut a = Account { id: account_id.to_string(), partition: "aws".into(), ..Account::default() };
        let resources: Vec<&Resource> = resources.into_iter().collect();
        let mut organizations_seen = false;
        // Managed policies first: principals refer to them.
        for r in &resources {
            if let ResourceConfig::IamPolicy(p) = &r.config {
                a.partition = partition_of(&r.arn).to_string();
                if !r.is_known("document") || !p.document.is_object() {
                    continue;
                }
                let owner = if p.aws_managed || r.arn.contains(":iam::aws:") { "AWS-managed" } else { "managed" };
                let index = a.push(Policy::new(
                    Source::new(format!("{owner} policy {}", r.name), &r.arn, "/config/document"),
                    &p.document,
                ));
                a.managed.insert(r.arn.clone(), index);
                for (i, v) in p.other_versions.iter().enumerate() {
                    let index = a.push(Policy::new(
                        Source::new(
                            format!("version {} of managed policy {}", v.version_id, r.name),
                            &r.arn,
                            format!("/config/other_versions/{i}/document"),
                        ),
                        &v.document,
                    ));
                    a.versions.entry(r.arn.clone()).or_default().push(index);
                }
            }
        }
        for r in &resources {
            match &r.config {
                ResourceConfig::IamGroup(g) => {
                    let mut identity = a.inline(r, &g.inline_policies);
                    let mut unread = Vec::new();
                    let attached: Vec<String> = g.attached_policies.iter().map(|p| p.arn.clone()).collect();
                    identity.extend(a.attached(&attached, &mut unread));
                    a.groups
                        .insert(r.name.clone(), Group { arn: r.arn.clone(), name: r.name.clone(), identity, attached });
                    a.gaps.extend(unread.into_iter().map(|u| format!("group {}: {u}", r.name)));
                    if !r.is_known("inline_policies") || !r.is_known("attached_policies") {
                        a.gaps.push(format!("group {}: its policies could not be read", r.name));
                    }
                }
                ResourceConfig::OrganizationsAccount(o) => {
                    organizations_seen = true;
                    a.organization_from(r, o);
                }
                ResourceConfig::S3Bucket(b) => a.resource_policy(r, b.policy.as_ref(), "bucket policy"),
                ResourceConfig::LambdaFunction(f) => {
                    a.resource_policy(r, f.policy.as_ref(), "function policy");
                    if let Some(role) = &f.role {
                        a.functions.push(Function { arn: r.arn.clone(), name: r.name.clone(), role: role.clone() });
                    }
                }
                ResourceConfig::KmsKey(k) => a.resource_policy(r, k.policy.as_ref(), "key policy"),
                _ => {}
            }
        }
        if !organizations_seen {
            a.gaps.push(
                "the snapshot does not say whether the account is in an AWS Organization: results assume no SCP or RCP"
                    .into(),
            );
        }
        for r in &resources {
            let entity = match &r.config {
                ResourceConfig::IamUser(u) => {
                    let mut e =
                        a.entity(r, &u.inline_policies, &u.attached_policies, u.permissions_boundary.as_deref());
                    e.principal.id = Some(u.user_id.clone()).filter(|s| !s.is_empty());
                    e.path = u.path.clone();
                    e.login_profile = r.is_known("login_profile").then_some(u.login_profile.is_some());
                    for g in &u.groups {
                        e.groups.push(g.clone());
                        match a.groups.get(g) {
                            Some(group) => {
                                e.identity.extend(group.identity.iter().copied());
                                e.attached.extend(group.attached.iter().cloned());
                            }
                            None => e.unread.push(format!("group {g} is not in the snapshot")),
                        }
                    }
                    e
                }
                ResourceConfig::IamRole(role) => {
                    let mut e = a.entity(
                        r,
                        &role.inline_policies,
                        &role.attached_policies,
                        role.permissions_boundary.as_deref(),
                    );
                    e.principal.id = Some(role.role_id.clone()).filter(|s| !s.is_empty());
                    e.path = role.path.clone();
                    e.instance_profiles = role.instance_profiles.clone();
                    if role.trust_policy.is_object() && r.is_known("trust_policy") {
                        e.trust = Some(a.push(Policy::new(
                            Source::new(format!("trust policy of role {}", r.name), &r.arn, "/config/trust_policy"),
                            &role.trust_policy,
                        )));
                    }
                    e
                }
                _ => continue,
            };
            a.entities.push(entity);
        }
        a
    }

    fn push(&mut self, p: Policy) -> usize {
        self.policies.push(p);
        self.policies.len() - 1
    }

    fn inline(&mut self, r: &Resource, list: &[bbscan_model::InlinePolicy]) -> Vec<usize> {
        list.iter()
            .enumerate()
            .map(|(i, p)| {
                self.push(Policy::new(
                    Source::new(
                        format!("inline policy {:?} of {} {}", p.name, noun(r.kind()), r.name),
                        &r.arn,
                        format!("/config/inline_policies/{i}/document"),
                    ),
                    &p.document,
                ))
            })
            .collect()
    }

    fn attached(&self, arns: &[String], unread: &mut Vec<String>) -> Vec<usize> {
        let mut out = Vec::new();
        for arn in arns {
            match self.managed.get(arn) {
                Some(i) => out.push(*i),
                None => unread.push(format!("the document of attached policy {arn} is not in the snapshot")),
            }
        }
        out
    }

    fn entity(
        &mut self,
        r: &Resource,
        inline: &[bbscan_model::InlinePolicy],
        attached: &[bbscan_model::AttachedPolicy],
        boundary: Option<&str>,
    ) -> Entity {
        let mut unread = Vec::new();
        let mut identity = if r.is_known("inline_policies") {
            self.inline(r, inline)
        } else {
            unread.push("its inline policies could not be read".into());
            Vec::new()
        };
        let attached: Vec<String> = attached.iter().map(|p| p.arn.clone()).collect();
        if r.is_known("attached_policies") {
            identity.extend(self.attached(&attached, &mut unread));
        } else {
            unread.push("its attached policies could not be read".into());
        }
        let boundary_index = boundary.and_then(|b| {
            let found = self.managed.get(b).copied();
            if found.is_none() {
                unread.push(format!("the document of its permissions boundary {b} is not in the snapshot"));
            }
            found
        });
        let mut principal = Principal::from_arn(&r.arn);
        principal.tags = r.tags.clone();
        Entity {
            principal,
            kind: r.kind(),
            path: String::new(),
            identity,
            boundary: boundary_index,
            boundary_arn: boundary.map(str::to_string),
            groups: Vec::new(),
            attached,
            trust: None,
            instance_profiles: Vec::new(),
            login_profile: None,
            unread,
            context: OnceCell::new(),
        }
    }

    fn resource_policy(&mut self, r: &Resource, document: Option<&Value>, what: &str) {
        if let Some(doc) = document.filter(|d| d.is_object()) {
            let i = self.push(Policy::new(Source::new(format!("{what} of {}", r.name), &r.arn, "/config/policy"), doc));
            self.resource_policies.insert(r.arn.clone(), i);
        }
    }

    fn organization_from(&mut self, r: &Resource, o: &bbscan_model::OrganizationsAccount) {
        let Some(org) = &o.organization else { return };
        self.organization = Some(org.id.clone());
        if org.management_account_id == self.id {
            // SCPs and RCPs never restrict the management account.
            return;
        }
        if org.feature_set.as_deref() == Some("CONSOLIDATED_BILLING") {
            return;
        }
        let read = |field: &str, enabled: Option<bool>, levels: &mut Vec<Vec<usize>>, this: &mut Account| {
            if !r.is_known(field) {
                this.gaps.push(format!(
                    "the organisation's {} could not be read: results assume none restricts the account",
                    field.replace('_', " ")
                ));
                return;
            }
            if enabled == Some(false) {
                return;
            }
            for (n, node) in org.path.iter().enumerate() {
                let list = if field == "service_control_policies" {
                    &node.service_control_policies
                } else {
                    &node.resource_control_policies
                };
                let mut level = Vec::new();
                for (i, p) in list.iter().enumerate() {
                    let what = if field == "service_control_policies" { "SCP" } else { "RCP" };
                    level.push(this.push(Policy::new(
                        Source::new(
                            format!("{what} {} on {}", p.name, node.name.as_deref().unwrap_or(&node.id)),
                            &r.arn,
                            format!("/config/organization/path/{n}/{field}/{i}/document"),
                        ),
                        &p.document,
                    )));
                }
                levels.push(level);
            }
        };
        let mut scps = Vec::new();
        read("service_control_policies", org.scp_enabled, &mut scps, self);
        // RCPs without any attached (not enabled) leave every level empty: treat as none.
        let mut rcps = Vec::new();
        read("resource_control_policies", org.rcp_enabled, &mut rcps, self);
        if scps.iter().all(|l| l.is_empty()) && org.scp_enabled != Some(true) {
            scps.clear();
        }
        if rcps.iter().all(|l| l.is_empty()) {
            rcps.clear();
        }
        self.scps = scps;
        self.rcps = rcps;
    }

    /// The entity with this ARN.
    pub fn entity_by_arn(&self, arn: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.principal.arn == arn)
    }

    /// Every entity's index by ARN (the first, if an ARN repeats): for callers that look up
    /// many, where [`Account::entity_by_arn`] would read the whole list each time.
    pub fn entity_index(&self) -> std::collections::HashMap<&str, usize> {
        let mut index = std::collections::HashMap::with_capacity(self.entities.len());
        for (i, e) in self.entities.iter().enumerate() {
            index.entry(e.principal.arn.as_str()).or_insert(i);
        }
        index
    }

    /// The SCP levels, borrowed.
    pub fn scp_policies(&self) -> Vec<Vec<&Policy>> {
        self.scps.iter().map(|l| l.iter().map(|&i| &self.policies[i]).collect()).collect()
    }

    /// The policies of one entity, borrowed, for [`crate::evaluate`].
    pub fn policies_of(&self, e: &Entity) -> EntityPolicies<'_> {
        EntityPolicies {
            identity: e.identity.iter().map(|&i| &self.policies[i]).collect(),
            boundary: e.boundary.map(|i| &self.policies[i]),
            scps: self.scps.iter().map(|l| l.iter().map(|&i| &self.policies[i]).collect()).collect(),
            rcps: self.rcps.iter().map(|l| l.iter().map(|&i| &self.policies[i]).collect()).collect(),
        }
    }

    /// The context of an analysis of what `e` could do: every key AWS derives from the
    /// principal is known (ARN, account, type, user name and id, every tag, the organisation);
    /// everything else is unknown. Made once per entity (every question about a principal
    /// starts from it), after the account is built.
    pub fn context_of<'e>(&self, e: &'e Entity) -> &'e Context {
        e.context.get_or_init(|| {
            let mut ctx = Context::open();
            e.principal.describe_into(&mut ctx);
            match &self.organization {
                Some(org) => ctx.set("aws:PrincipalOrgID", org.clone()),
                None => ctx.set_absent("aws:PrincipalOrgID"),
            };
            ctx.set("aws:PrincipalIsAWSService", "false");
            ctx
        })
    }

    /// A principal's kind as messages name it: `user alice`, `role ci`.
    pub fn describe(&self, e: &Entity) -> String {
        format!("{} {}", noun(e.kind), e.principal.name)
    }

    pub fn is_aws_reserved(e: &Entity) -> bool {
        e.path.starts_with("/aws-reserved/") || e.path.starts_with("/aws-service-role/")
    }
}

/// One entity's policies, borrowed from the [`Account`].
#[derive(Debug, Clone, Default)]
pub struct EntityPolicies<'a> {
    pub identity: Vec<&'a Policy>,
    pub boundary: Option<&'a Policy>,
    pub scps: Vec<Vec<&'a Policy>>,
    pub rcps: Vec<Vec<&'a Policy>>,
}

impl<'a> EntityPolicies<'a> {
    /// The [`Policies`] of a request by this entity to a resource with `resource` as its
    /// resource-based policy. RCPs apply when the resource is this account's.
    pub fn with_resource(&'a self, resource: Option<&'a Policy>, own_account: bool) -> Policies<'a> {
        Policies {
            identity: &self.identity,
            boundary: self.boundary,
            session: &[],
            scps: &self.scps,
            rcps: if own_account { &self.rcps } else { &[] },
            resource,
        }
    }
}
