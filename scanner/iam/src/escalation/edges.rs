//! The edge checkers: what one principal can do to become, raise or create another.

use super::{Asker, Edge, Level, Node, Step, Target, trust_naming};
use crate::account::Entity;
use crate::context::Context;
use crate::effective::{Expansions, effective};
use crate::evaluate::{Policies, Principal, Request, evaluate};

/// A compute service that runs code with a role passed to it: the service principal the role's
/// trust must allow, and the sets of actions (any one set, all of its actions) that create and
/// start the code.
struct Compute {
    service: &'static str,
    runs: &'static [&'static [&'static str]],
    /// EC2 needs the role in an instance profile (or the right to make one).
    instance_profile: bool,
}

const COMPUTE: &[Compute] = &[
    Compute {
        service: "lambda.amazonaws.com",
        runs: &[
            &["lambda:CreateFunction", "lambda:InvokeFunction"],
            &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
            &["lambda:CreateFunction", "lambda:CreateFunctionUrlConfig", "lambda:AddPermission"],
        ],
        instance_profile: false,
    },
    Compute {
        service: "ec2.amazonaws.com",
        runs: &[
            &["ec2:RunInstances"],
            &["autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"],
        ],
        instance_profile: true,
    },
    Compute {
        service: "ecs-tasks.amazonaws.com",
        runs: &[
            &["ecs:RegisterTaskDefinition", "ecs:RunTask"],
            &["ecs:RegisterTaskDefinition", "ecs:StartTask"],
            &["ecs:RegisterTaskDefinition", "ecs:CreateService"],
        ],
        instance_profile: false,
    },
    Compute {
        service: "glue.amazonaws.com",
        runs: &[
            &["glue:CreateDevEndpoint"],
            &["glue:CreateJob", "glue:StartJobRun"],
            &["glue:CreateJob", "glue:CreateTrigger"],
        ],
        instance_profile: false,
    },
    Compute {
        service: "cloudformation.amazonaws.com",
        runs: &[
            &["cloudformation:CreateStack"],
            &["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
        ],
        instance_profile: false,
    },
    Compute {
        service: "codebuild.amazonaws.com",
        runs: &[
            &["codebuild:CreateProject", "codebuild:StartBuild"],
            &["codebuild:CreateProject", "codebuild:StartBuildBatch"],
        ],
        instance_profile: false,
    },
    Compute {
        service: "sagemaker.amazonaws.com",
        runs: &[
            &["sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"],
            &["sagemaker:CreateTrainingJob"],
            &["sagemaker:CreateProcessingJob"],
        ],
        instance_profile: false,
    },
    Compute {
        service: "states.amazonaws.com",
        runs: &[&["states:CreateStateMachine", "states:StartExecution"]],
        instance_profile: false,
    },
    Compute {
        service: "datapipeline.amazonaws.com",
        runs: &[&[
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ]],
        instance_profile: false,
    },
    Compute {
        service: "tasks.apprunner.amazonaws.com",
        runs: &[&["apprunner:CreateService"]],
        instance_profile: false,
    },
];

fn target(n: usize, level: Level) -> Target {
    Target::Node(Node { entity: n, level })
}

/// Every edge leaving entity `from` (as it is).
/// What the checkers need about the account, computed once for all principals.
pub(super) struct Prepared<'a> {
    pub admin_policies: Vec<String>,
    /// Per entity: the compute services (indexes into `COMPUTE`) its trust policy lets assume it.
    pub service_trusts: Vec<Vec<usize>>,
    /// Per entity: the functions that run as it.
    pub functions: Vec<Vec<&'a crate::account::Function>>,
    /// The roles whose trust policy names a principal string (an ARN, a session ARN, an
    /// account root ARN or id) for an AWS principal, and those that let anyone in (`*`,
    /// `NotPrincipal`): who may be able to assume what, without asking every pair.
    pub trusting: std::collections::HashMap<&'a str, Vec<usize>>,
    pub trusting_anyone: Vec<usize>,
    /// Every role; per compute service (index into `COMPUTE`), the roles it may assume; the
    /// roles functions run as; those of them with a function whose policy may let someone
    /// change its code; every user.
    pub roles: Vec<usize>,
    pub roles_of_service: Vec<Vec<usize>>,
    pub function_roles: Vec<usize>,
    pub function_policy_roles: Vec<usize>,
    pub users: Vec<usize>,
}

impl<'a> Prepared<'a> {
    pub fn new(account: &'a crate::account::Account, admin_policies: Vec<String>) -> Prepared<'a> {
        let ctx = Context::open();
        let service_trusts: Vec<Vec<usize>> = account
            .entities
            .iter()
            .map(|b| {
                let Some(trust) = b.trust.map(|t| &account.policies[t]) else { return Vec::new() };
                // A service is let in by a statement naming it, or anyone (`*`, `NotPrincipal`).
                let may_name = |service: &str| {
                    trust.statements.iter().any(|s| {
                        s.not_principal.is_some()
                            || s.principal
                                .as_ref()
                                .is_none_or(|p| p.anyone || p.service.iter().any(|x| x.eq_ignore_ascii_case(service)))
                    })
                };
                COMPUTE
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| may_name(c.service))
                    .filter(|(_, c)| {
                        let service = Principal::service(c.service);
                        let req = Request {
                            principal: &service,
                            action: "sts:AssumeRole",
                            resource: &b.principal.arn,
                            resource_account: Some(&account.id),
                            context: &ctx,
                        };
                        let policies = Policies { resource: Some(trust), ..Policies::default() };
                        evaluate(&req, &policies).decision.possible()
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let by_arn: std::collections::HashMap<&str, usize> =
            account.entities.iter().enumerate().map(|(i, e)| (e.principal.arn.as_str(), i)).collect();
        let mut functions: Vec<Vec<&crate::account::Function>> = vec![Vec::new(); account.entities.len()];
        for f in &account.functions {
            if let Some(&i) = by_arn.get(f.role.as_str()) {
                functions[i].push(f);
            }
        }
        let mut trusting: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        let mut trusting_anyone = Vec::new();
        for (bi, b) in account.entities.iter().enumerate() {
            let Some(trust) = b.trust.map(|t| &account.policies[t]) else { continue };
            let mut anyone = false;
            for st in &trust.statements {
                if st.not_principal.is_some() {
                    anyone = true;
                }
                if let Some(p) = &st.principal {
                    anyone |= p.anyone;
                    for v in &p.aws {
                        let list = trusting.entry(v.as_str()).or_default();
                        if list.last() != Some(&bi) {
                            list.push(bi);
                        }
                    }
                }
            }
            if anyone && someone_here_may_assume(account, b, trust) {
                trusting_anyone.push(bi);
            }
        }
        let which = |keep: &dyn Fn(usize, &Entity) -> bool| -> Vec<usize> {
            account.entities.iter().enumerate().filter(|&(i, e)| keep(i, e)).map(|(i, _)| i).collect()
        };
        let roles = which(&|_, e| e.is_role());
        let mut roles_of_service: Vec<Vec<usize>> = vec![Vec::new(); COMPUTE.len()];
        for &i in roles.iter().filter(|&&i| !service_trusts[i].is_empty()) {
            for &ci in &service_trusts[i] {
                roles_of_service[ci].push(i);
            }
        }
        let function_roles = which(&|i, e| e.is_role() && !functions[i].is_empty());
        let function_policy_roles = which(&|i, e| {
            e.is_role()
                && functions[i].iter().any(|f| {
                    account.resource_policies.get(&f.arn).is_some_and(|&p| {
                        may_grant_anyone(
                            &account.policies[p],
                            &["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"],
                        )
                    })
                })
        });
        let users = which(&|_, e| e.is_user());
        Prepared {
            admin_policies,
            service_trusts,
            functions,
            trusting,
            trusting_anyone,
            roles,
            roles_of_service,
            function_roles,
            function_policy_roles,
            users,
        }
    }
}

/// What [`from`] may leave out.
pub(super) struct Prune<'p> {
    /// Which principals are administrators as they are.
    pub admins: &'p [bool],
    /// End a principal's edges at its first unconditional one into an administrator.
    pub stop_at_admin: bool,
}

/// The edges from principal `from` (as it is). `leads`: which principals are known to lead to
/// an administrator (administrators among them). `left_out` is set to the principals not asked
/// about because they were not known to lead anywhere: the edges can only change when one of
/// them is found to.
///
/// A principal becomes another (assumes it, passes it, changes its function, makes its
/// credentials) only where that one is known to lead somewhere, unless it may also raise the
/// principals it becomes ([`ACTS_ON_OTHERS`]): then each one it can become is a way up.
///
/// The edges end at the first unconditional one into an administrator: that is the shortest
/// path there is (one step, no condition undecided), and the one the search takes (the first of
/// the principal's edges that does), so the edges after it change no path. The principals that
/// are administrators are asked about first: where a principal may act on many (pass any role,
/// assume any role), it is not asked about every other one before it reaches an administrator.
pub(super) fn from(
    a: &Asker<'_>,
    from: usize,
    prepared: &Prepared<'_>,
    prune: &Prune<'_>,
    leads: &[bool],
    left_out: &mut Vec<usize>,
    ex: &mut Expansions,
) -> Vec<Edge> {
    let admins = prune.admins;
    let admin_policies = prepared.admin_policies.as_slice();
    let account = a.account;
    let me = Node { entity: from, level: Level::Current };
    let mut out: Vec<Edge> = Vec::new();
    let mut become_: Vec<usize> = Vec::new();
    let push = |out: &mut Vec<Edge>, to: Target, how: String, steps: Vec<Step>| {
        out.push(Edge { from: me, to, how, steps });
    };

    let p = &a.entity.principal;
    let names = [
        p.arn.clone(),
        p.request_arn(),
        format!("arn:{}:iam::{}:root", account.partition, p.account),
        p.account.clone(),
    ];
    // What the principal may do at all, asked once rather than per target.
    let mut runs: Vec<Option<Option<Vec<Step>>>> = vec![None; COMPUTE.len()];
    // A pass needs a compute service the principal can also create and run code in: the
    // services it cannot run in are not asked about, nor the roles only they may assume.
    let passes_to: Vec<usize> = if a.may("iam:PassRole") {
        (0..COMPUTE.len())
            .filter(|&ci| !prepared.roles_of_service[ci].is_empty() && run_in(a, ci, &mut runs).is_some())
            .collect()
    } else {
        Vec::new()
    };
    let passes = !passes_to.is_empty();
    let rewrites_trust = a.may("iam:UpdateAssumeRolePolicy");
    let changes_code = a.may("lambda:UpdateFunctionCode") || a.may("lambda:UpdateFunctionConfiguration");
    let user_actions: Vec<&str> = ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"]
        .into_iter()
        .filter(|x| a.may(x))
        .collect();
    // The principals worth asking about: every one when the principal holds a permission that
    // acts on others, else only the roles whose trust names it.
    let mut trusting: Vec<usize> = names
        .iter()
        .filter_map(|n| prepared.trusting.get(n.as_str()))
        .flatten()
        .chain(&prepared.trusting_anyone)
        .copied()
        .collect();
    trusting.sort_unstable();
    trusting.dedup();
    // Each permission that acts on others is asked only about the principals it can act on:
    // roles for a trust rewrite, roles a service it can run code in may assume for a pass,
    // roles that functions run as for a code change (or whose function's policy may grant it),
    // users for their credentials. The lists are the account's, made once.
    let mut targets: Vec<usize> = trusting.clone();
    if rewrites_trust {
        targets.extend(&prepared.roles);
    } else {
        for &ci in &passes_to {
            targets.extend(&prepared.roles_of_service[ci]);
        }
    }
    targets.extend(if changes_code { &prepared.function_roles } else { &prepared.function_policy_roles });
    if !user_actions.is_empty() {
        targets.extend(&prepared.users);
    }
    targets.sort_unstable();
    targets.dedup();
    left_out.clear();
    if !ACTS_ON_OTHERS.iter().any(|action| a.may(action)) {
        left_out.extend(targets.iter().copied().filter(|&bi| !leads[bi]));
        targets.retain(|&bi| leads[bi]);
    }
    // Administrators first, each group in the account's order (a stable sort).
    targets.sort_by_key(|&bi| !admins[bi]);
    let decisive = |e: &Edge| {
        prune.stop_at_admin
            && !e.conditional()
            && match e.to {
                Target::Admin { .. } => true,
                Target::Node(n) => n.level == Level::Current && admins[n.entity],
            }
    };
    for bi in targets {
        if out.last().is_some_and(decisive) {
            return out;
        }
        let b = &account.entities[bi];
        if bi == from {
            continue;
        }
        let name = || account.describe(b);
        if b.is_role() {
            // Assume B.
            if let Some(trust) = b.trust.map(|t| &account.policies[t])
                && trusting.binary_search(&bi).is_ok()
                && let Some(g) = a.can("sts:AssumeRole", &b.principal.arn, Some(trust), &[])
            {
                push(&mut out, target(bi, Level::Current), format!("assume {}", name()), vec![g.step]);
                become_.push(bi);
                continue;
            }
            // Rewrite B's trust, then assume it.
            if rewrites_trust && let Some(g) = a.can("iam:UpdateAssumeRolePolicy", &b.principal.arn, None, &[]) {
                let own = trust_naming(&a.entity.principal, &b.principal.arn);
                if let Some(assume) = a.can("sts:AssumeRole", &b.principal.arn, Some(&own), &[]) {
                    push(
                        &mut out,
                        target(bi, Level::Current),
                        format!("rewrite the trust policy of {} and assume it", name()),
                        vec![g.step, assume.step],
                    );
                    become_.push(bi);
                    continue;
                }
            }
            // Pass B to a compute service.
            if passes
                && !prepared.service_trusts[bi].is_empty()
                && let Some(edge) = pass_role(a, b, &prepared.service_trusts[bi], account, &mut runs)
            {
                push(&mut out, target(bi, Level::Current), edge.0, edge.1);
                become_.push(bi);
                continue;
            }
            // Change the code of a function that runs as B.
            let mut done = false;
            for f in &prepared.functions[bi] {
                // A function policy that could grant the change to this principal.
                let policy = account.resource_policies.get(&f.arn).map(|&i| &account.policies[i]).filter(|p| {
                    may_grant(p, &names, &["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"])
                });
                if !changes_code && policy.is_none() {
                    continue;
                }
                for action in ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"] {
                    if let Some(g) = a.can(action, &f.arn, policy, &[]) {
                        push(
                            &mut out,
                            target(bi, Level::Current),
                            format!("change the code of function {}, which runs as {}", f.name, name()),
                            vec![g.step],
                        );
                        become_.push(bi);
                        done = true;
                        break;
                    }
                }
                if done {
                    break;
                }
            }
        } else if b.is_user() && !user_actions.is_empty() {
            let actions = user_actions.iter().copied().filter(|action| match *action {
                "iam:UpdateLoginProfile" => b.login_profile != Some(false),
                "iam:CreateLoginProfile" => b.login_profile != Some(true),
                _ => true,
            });
            for action in actions {
                if let Some(g) = a.can(action, &b.principal.arn, None, &[]) {
                    let how = match action {
                        "iam:CreateAccessKey" => format!("create an access key for {}", name()),
                        _ => format!("set the console password of {}", name()),
                    };
                    push(&mut out, target(bi, Level::Current), how, vec![g.step]);
                    become_.push(bi);
                    break;
                }
            }
        }
    }

    if out.last().is_some_and(decisive) {
        return out;
    }
    // Raise itself, or a principal it can become (in the account's order, as the edges were
    // before the administrators were asked about first).
    become_.sort_unstable();
    let mut raise_targets = vec![from];
    raise_targets.extend(become_.iter().copied());
    for t in raise_targets {
        if let Some((level, how, steps)) = raise(a, t, admin_policies) {
            let mut steps = steps;
            let how = if t == from {
                how
            } else {
                // A raises T, then becomes it: the become step is the edge found above.
                if let Some(e) = out.iter().find(|e| e.to == target(t, Level::Current)) {
                    steps.extend(e.steps.iter().cloned());
                }
                format!("{how}, then act as {}", account.describe(&account.entities[t]))
            };
            push(&mut out, target(t, level), how, steps);
        }
        // An old version of a managed policy T holds that makes it administrator.
        if let Some((how, steps)) = old_version(a, t, ex) {
            push(&mut out, Target::Admin { what: how.clone() }, how, steps);
        }
    }

    // Join an administrators' group.
    if a.entity.is_user() && a.may("iam:AddUserToGroup") {
        for g in account.groups.values() {
            if a.entity.groups.contains(&g.name) {
                continue;
            }
            let Some(granted) = a.can("iam:AddUserToGroup", &g.arn, None, &[]) else { continue };
            let mut identity = a.policies.identity.clone();
            identity.extend(g.identity.iter().map(|&i| &account.policies[i]));
            let eff = effective(&identity, a.policies.boundary, &a.policies.scps, a.ctx, ex, false);
            if eff.is_admin() || eff.is_admin_if() {
                let how = format!("join group {}", g.name);
                push(&mut out, Target::Admin { what: format!("member of group {}", g.name) }, how, vec![granted.step]);
                break;
            }
        }
    }

    // Create a principal, give it a policy, use it.
    if let Some((what, steps)) = create_principal(a, admin_policies, ex) {
        push(&mut out, Target::Admin { what: what.clone() }, what, steps);
    }
    out
}

/// Whether a trust policy that lets "anyone" in could let in some principal of this account:
/// asked once for an unnamed principal of the account (its account and organisation known,
/// everything else open). A trust "limited" by a condition no principal here meets (`Null
/// aws:PrincipalOrgID = false` outside an organisation) is then not asked about per principal.
fn someone_here_may_assume(account: &crate::account::Account, b: &Entity, trust: &crate::Policy) -> bool {
    let probe =
        Principal::from_arn(&format!("arn:{}:iam::{}:role/bbscan-any-principal", account.partition, account.id));
    let mut ctx = Context::open();
    ctx.set("aws:PrincipalAccount", account.id.clone());
    match &account.organization {
        Some(org) => ctx.set("aws:PrincipalOrgID", org.clone()),
        None => ctx.set_absent("aws:PrincipalOrgID").set_absent("aws:PrincipalOrgPaths"),
    };
    let req = Request {
        principal: &probe,
        action: "sts:AssumeRole",
        resource: &b.principal.arn,
        resource_account: Some(&account.id),
        context: &ctx,
    };
    evaluate(&req, &Policies { resource: Some(trust), ..Policies::default() }).decision.possible()
}

/// Whether a resource-based policy has an `Allow` for one of `actions` whose principal could be
/// the caller (`names`: its ARN, session ARN, account root ARN and account id), or anyone: a
/// cheap filter before evaluating.
fn may_grant(p: &crate::Policy, names: &[String; 4], actions: &[&str]) -> bool {
    p.statements.iter().any(|s| {
        s.effect == crate::Effect::Allow
            && actions.iter().any(|a| s.covers_action(a))
            && (s.not_principal.is_some()
                || s.principal.as_ref().is_some_and(|p| p.anyone || p.aws.iter().any(|v| names.contains(v))))
    })
}

/// Whether a resource-based policy has an `Allow` for one of `actions` to some principal.
fn may_grant_anyone(p: &crate::Policy, actions: &[&str]) -> bool {
    p.statements.iter().any(|s| {
        s.effect == crate::Effect::Allow
            && actions.iter().any(|a| s.covers_action(a))
            && (s.not_principal.is_some() || s.principal.is_some())
    })
}

/// How the principal can create and run code in compute service `ci` (the steps of the first
/// way it can), remembered in `runs`: that does not depend on the role passed.
fn run_in<'r>(a: &Asker<'_>, ci: usize, runs: &'r mut [Option<Option<Vec<Step>>>]) -> Option<&'r Vec<Step>> {
    runs[ci]
        .get_or_insert_with(|| {
            COMPUTE[ci].runs.iter().find_map(|run| {
                let mut steps = Vec::new();
                for action in *run {
                    steps.push(a.can_somewhere(action, &[])?.step);
                }
                Some(steps)
            })
        })
        .as_ref()
}

/// `iam:PassRole` of role `b` to a compute service its trust allows, with the service's
/// create-and-run actions. `runs` remembers, per service, whether (and by which statements)
/// the principal can create and run code there: that does not depend on the role passed.
fn pass_role(
    a: &Asker<'_>,
    b: &Entity,
    services: &[usize],
    account: &crate::account::Account,
    runs: &mut [Option<Option<Vec<Step>>>],
) -> Option<(String, Vec<Step>)> {
    for &ci in services {
        let c = &COMPUTE[ci];
        let Some(run) = run_in(a, ci, runs).cloned() else { continue };
        let Some(pass) = a.can("iam:PassRole", &b.principal.arn, None, &[("iam:PassedToService", Some(c.service))])
        else {
            continue;
        };
        let mut steps = vec![pass.step];
        steps.extend(run);
        if c.instance_profile && b.instance_profiles.is_empty() {
            // No instance profile holds the role: the principal must make one.
            let profile = format!("arn:{}:iam::{}:instance-profile/bbscan", account.partition, account.id);
            let (Some(create), Some(add)) = (
                a.can("iam:CreateInstanceProfile", &profile, None, &[]),
                a.can("iam:AddRoleToInstanceProfile", &profile, None, &[]),
            ) else {
                continue;
            };
            steps.push(create.step);
            steps.push(add.step);
        }
        return Some((format!("pass {} to {}", account.describe(b), c.service), steps));
    }
    None
}

/// The actions [`raise`] and [`old_version`] need, one of them at least, to raise a principal
/// other than the caller: a principal that may none of them gains from becoming another only
/// what that one can do.
const ACTS_ON_OTHERS: &[&str] = &[
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreatePolicyVersion",
    "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:SetDefaultPolicyVersion",
];

/// Can `a` give entity `t` any identity policy? The level reached, how, and the steps.
fn raise(a: &Asker<'_>, t: usize, admin_policies: &[String]) -> Option<(Level, String, Vec<Step>)> {
    let account = a.account;
    let e = &account.entities[t];
    let arn = e.principal.arn.as_str();
    let name = account.describe(e);
    let kind = if e.is_role() { "Role" } else { "User" };
    let boundary = e.boundary_arn.as_deref();
    let bkey = ("iam:PermissionsBoundary", boundary);
    let mut found: Option<(String, Step)> = None;
    // An inline policy.
    if let Some(g) = a.can(&format!("iam:Put{kind}Policy"), arn, None, &[bkey]) {
        found = Some((format!("put an inline policy on {name}"), g.step));
    }
    // An administrator policy attached.
    if found.is_none()
        && let Some((policy, g)) =
            a.can_with_any(&format!("iam:Attach{kind}Policy"), arn, &[bkey], "iam:PolicyARN", admin_policies)
    {
        found = Some((format!("attach {} to {name}", short(policy)), g.step));
    }
    // A new default version of a customer-managed policy it holds.
    if found.is_none() {
        for policy in e.attached.iter().filter(|p| !p.contains(":iam::aws:")) {
            if let Some(g) = a.can("iam:CreatePolicyVersion", policy, None, &[]) {
                found = Some((format!("write a new default version of {}, which {name} holds", short(policy)), g.step));
                break;
            }
        }
    }
    // The policies of one of its groups.
    if found.is_none() && e.is_user() {
        'groups: for gname in &e.groups {
            let Some(group) = account.groups.get(gname) else { continue };
            if let Some(g) = a.can("iam:PutGroupPolicy", &group.arn, None, &[]) {
                found = Some((format!("put an inline policy on group {gname}, which {name} is in"), g.step));
                break;
            }
            if let Some((policy, g)) =
                a.can_with_any("iam:AttachGroupPolicy", &group.arn, &[], "iam:PolicyARN", admin_policies)
            {
                found = Some((format!("attach {} to group {gname}, which {name} is in", short(policy)), g.step));
                break 'groups;
            }
        }
    }
    let (how, step) = found?;
    let mut steps = vec![step];
    // Past the boundary: delete it, or replace it with an administrator policy.
    let mut level = Level::Raised;
    if boundary.is_some() {
        if let Some(g) = a.can(&format!("iam:Delete{kind}PermissionsBoundary"), arn, None, &[bkey]) {
            steps.push(g.step);
            level = Level::Unbounded;
        } else if let Some((_, g)) = a.can_with_any(
            &format!("iam:Put{kind}PermissionsBoundary"),
            arn,
            &[],
            "iam:PermissionsBoundary",
            admin_policies,
        ) {
            steps.push(g.step);
            level = Level::Unbounded;
        }
    }
    Some((level, how, steps))
}

/// `iam:SetDefaultPolicyVersion` to an older version that makes `t` an administrator.
fn old_version(a: &Asker<'_>, t: usize, ex: &mut Expansions) -> Option<(String, Vec<Step>)> {
    let account = a.account;
    let e = &account.entities[t];
    if !a.may("iam:SetDefaultPolicyVersion") {
        return None;
    }
    for policy in &e.attached {
        let Some(versions) = account.versions.get(policy) else { continue };
        let Some(&current) = account.managed.get(policy) else { continue };
        let Some(g) = a.can("iam:SetDefaultPolicyVersion", policy, None, &[]) else { continue };
        let p = account.policies_of(e);
        for &v in versions {
            let identity: Vec<&crate::Policy> = p
                .identity
                .iter()
                .map(|&q| if std::ptr::eq(q, &account.policies[current]) { &account.policies[v] } else { q })
                .collect();
            let eff = effective(&identity, p.boundary, &p.scps, &account.context_of(e), ex, false);
            if eff.is_admin() || eff.is_admin_if() {
                let what = format!(
                    "{} with {} as the default version of {}",
                    account.describe(e),
                    account.policies[v].source.label.split(' ').nth(1).unwrap_or("an older version"),
                    short(policy)
                );
                return Some((what, vec![g.step]));
            }
        }
    }
    None
}

/// Create a role (or user) the principal then uses, with any policy, within the boundary the
/// creation must carry.
fn create_principal(a: &Asker<'_>, admin_policies: &[String], ex: &mut Expansions) -> Option<(String, Vec<Step>)> {
    let account = a.account;
    for kind in ["Role", "User"] {
        let create = format!("iam:Create{kind}");
        if !a.may(&create) {
            continue;
        }
        // The boundary the creation carries: none first, then each one a condition names.
        let mut boundaries: Vec<Option<String>> = vec![None];
        for p in &a.policies.identity {
            for s in p.statements.iter().filter(|s| s.covers_action(&create)) {
                for c in s.conditions_on("iam:PermissionsBoundary") {
                    for v in &c.values {
                        if !v.contains(['*', '?']) && !boundaries.contains(&Some(v.clone())) {
                            boundaries.push(Some(v.clone()));
                        }
                    }
                }
            }
        }
        for resource in a.candidates(&create) {
            if !resource.contains(&format!(":{}/", kind.to_ascii_lowercase())) {
                continue;
            }
            for boundary in &boundaries {
                let bkey = ("iam:PermissionsBoundary", boundary.as_deref());
                let Some(created) = a.can(&create, &resource, None, &[bkey]) else { continue };
                // Give it a policy.
                let mut given = a.can(&format!("iam:Put{kind}Policy"), &resource, None, &[bkey]).map(|g| g.step);
                if given.is_none() {
                    given = a
                        .can_with_any(
                            &format!("iam:Attach{kind}Policy"),
                            &resource,
                            &[bkey],
                            "iam:PolicyARN",
                            admin_policies,
                        )
                        .map(|(_, g)| g.step);
                }
                let Some(given) = given else { continue };
                // Use it.
                let used = if kind == "Role" {
                    let principal = &a.entity.principal;
                    let own = trust_naming(principal, &resource);
                    a.can("sts:AssumeRole", &resource, Some(&own), &[]).map(|g| g.step)
                } else {
                    a.can("iam:CreateAccessKey", &resource, None, &[]).map(|g| g.step)
                };
                let Some(used) = used else { continue };
                // What the new principal can become: everything its boundary (and the SCPs) allow.
                let boundary_policy = match boundary {
                    None => None,
                    Some(arn) => match account.managed.get(arn) {
                        Some(&i) => Some(&account.policies[i]),
                        // A boundary the snapshot does not hold: cannot tell, not reported.
                        None => continue,
                    },
                };
                let ceiling = effective(&[], boundary_policy, &a.policies.scps, &Context::open(), ex, true);
                if !(ceiling.is_admin() || ceiling.is_admin_if()) {
                    continue;
                }
                let what = match boundary {
                    None => format!("a new {} {} with any policy", kind.to_ascii_lowercase(), short(&resource)),
                    Some(b) => format!(
                        "a new {} {} with any policy within boundary {}",
                        kind.to_ascii_lowercase(),
                        short(&resource),
                        short(b)
                    ),
                };
                return Some((what, vec![created.step, given, used]));
            }
        }
    }
    None
}

/// The last part of an ARN (`AdministratorAccess`, `role/x` → `x`).
fn short(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}
