//! Privilege escalation: every published method, each as a small account with one principal
//! that escalates (the path asserted), and the safe designs that must not be reported.

mod support;

use bbscan_iam::account::Account;
use bbscan_iam::escalation::Graph;
use bbscan_model::Resource;
use serde_json::{Value, json};
use support::synthetic;

const ACCOUNT: &str = "123456789012";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}

fn resource(kind: &str, arn: &str, name: &str, config: Value) -> Resource {
    serde_json::from_value(json!({
        "arn": arn, "name": name, "account": ACCOUNT, "region": "global", "tags": {},
        "kind": kind, "config": config
    }))
    .expect("a resource")
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(actions: Value, resources: Value) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resources})
}

fn user(name: &str, inline: &[Value], attached: &[&str], groups: &[&str]) -> Resource {
    resource(
        "iam.user",
        &arn("user", name),
        name,
        json!({
            "user_id": format!("AIDA{}", name.to_uppercase()),
            "path": "/",
            "inline_policies": inline.iter().enumerate().map(|(i, d)| json!({"name": format!("p{i}"), "document": d})).collect::<Vec<_>>(),
            "attached_policies": attached.iter().map(|a| json!({"name": a.rsplit('/').next().unwrap(), "arn": a})).collect::<Vec<_>>(),
            "groups": groups,
            "login_profile": null,
        }),
    )
}

fn role(name: &str, trust: Value, inline: &[Value], attached: &[&str]) -> Resource {
    resource(
        "iam.role",
        &arn("role", name),
        name,
        json!({
            "role_id": format!("AROA{}", name.to_uppercase()),
            "path": "/",
            "trust_policy": trust,
            "inline_policies": inline.iter().enumerate().map(|(i, d)| json!({"name": format!("p{i}"), "document": d})).collect::<Vec<_>>(),
            "attached_policies": attached.iter().map(|a| json!({"name": a.rsplit('/').next().unwrap(), "arn": a})).collect::<Vec<_>>(),
        }),
    )
}

fn with(mut r: Resource, field: &str, value: Value) -> Resource {
    let mut v = serde_json::to_value(&r).unwrap();
    v["config"][field] = value;
    r = serde_json::from_value(v).unwrap();
    r
}

fn group(name: &str, inline: &[Value], attached: &[&str]) -> Resource {
    resource(
        "iam.group",
        &arn("group", name),
        name,
        json!({
            "inline_policies": inline.iter().enumerate().map(|(i, d)| json!({"name": format!("p{i}"), "document": d})).collect::<Vec<_>>(),
            "attached_policies": attached.iter().map(|a| json!({"name": a.rsplit('/').next().unwrap(), "arn": a})).collect::<Vec<_>>(),
        }),
    )
}

fn managed(arn: &str, document: Value) -> Resource {
    let aws = arn.contains(":iam::aws:");
    let mut r =
        resource("iam.policy", arn, arn.rsplit('/').next().unwrap(), json!({"aws_managed": aws, "document": document}));
    if aws {
        r.account = "aws".into();
    }
    r
}

fn function(name: &str, role_name: &str) -> Resource {
    serde_json::from_value(json!({
        "arn": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"), "name": name,
        "account": ACCOUNT, "region": "us-east-1", "tags": {},
        "kind": "lambda.function", "config": {"role": arn("role", role_name)}
    }))
    .unwrap()
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn admin_policy() -> Resource {
    managed(ADMIN, doc(json!([allow(json!("*"), json!("*"))])))
}

fn trusts_service(service: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]))
}

fn trusts(principal: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]))
}

/// The escalation path of `who` (`user/alice`, `role/ci`), described, or `None`.
fn path(resources: &[Resource], who: &str) -> Option<String> {
    let account = Account::from_resources(ACCOUNT, resources);
    let graph = Graph::build(&account);
    let (kind, name) = who.split_once('/').unwrap();
    let i = account.entity_by_arn(&arn(kind, name)).expect("the principal");
    assert!(!graph.is_admin_entity(i), "{who} is already an administrator");
    graph.path_to_admin(i).map(|p| {
        let text = p.describe(&account);
        // Every step carries evidence.
        for e in &p.edges {
            for s in &e.steps {
                assert!(!s.evidence.is_empty(), "{text}: step {} has no evidence", s.action);
            }
        }
        text
    })
}

/// What each edge of `who`'s path does (`attach X to user alice`); empty when it has none.
fn hows(resources: &[Resource], who: &str) -> Vec<String> {
    let account = Account::from_resources(ACCOUNT, resources);
    let graph = Graph::build(&account);
    let (kind, name) = who.split_once('/').unwrap();
    let i = account.entity_by_arn(&arn(kind, name)).expect("the principal");
    graph.path_to_admin(i).map(|p| p.edges.iter().map(|e| e.how.clone()).collect()).unwrap_or_default()
}

fn escalates(resources: &[Resource], who: &str, expect: &[&str]) {
    let got = path(resources, who).unwrap_or_else(|| panic!("{who} does not reach administrator"));
    for part in expect {
        assert!(got.contains(part), "{who}: {got:?} lacks {part:?}");
    }
}

fn safe(resources: &[Resource], who: &str) {
    if let Some(p) = path(resources, who) {
        panic!("{who} was found to escalate: {p}");
    }
}

// ------------------------------------------------------------------ self-targeted IAM writes

#[test]
fn attach_user_policy_on_itself_by_username_variable() {
    let alice = user(
        "alice",
        &[doc(json!([allow(
            json!("iam:AttachUserPolicy"),
            json!(format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))
        )]))],
        &[],
        &[],
    );
    escalates(&[alice, admin_policy()], "user/alice", &["iam:AttachUserPolicy", "user alice"]);
}

#[test]
fn put_role_policy_on_its_own_arn() {
    let ci = role(
        "ci",
        trusts_service("lambda.amazonaws.com"),
        &[doc(json!([allow(json!("iam:PutRolePolicy"), json!(arn("role", "ci")))]))],
        &[],
    );
    escalates(&[ci], "role/ci", &["role ci → (iam:PutRolePolicy) → role ci with any policy = administrator"]);
}

#[test]
fn create_policy_version_of_its_own_managed_policy() {
    let own = format!("arn:aws:iam::{ACCOUNT}:policy/bob-tools");
    let bob = user("bob", &[], &[&own], &[]);
    let tools = managed(&own, doc(json!([allow(json!(["iam:CreatePolicyVersion", "s3:GetObject"]), json!(own))])));
    escalates(&[bob, tools], "user/bob", &["iam:CreatePolicyVersion"]);
}

#[test]
fn set_default_policy_version_to_an_old_admin_version() {
    let own = format!("arn:aws:iam::{ACCOUNT}:policy/legacy");
    let bob = user("bob", &[], &[&own], &[]);
    let legacy = with(
        managed(&own, doc(json!([allow(json!("iam:SetDefaultPolicyVersion"), json!(own))]))),
        "other_versions",
        json!([{"version_id": "v1", "document": doc(json!([allow(json!("*"), json!("*"))]))}]),
    );
    escalates(&[bob, legacy], "user/bob", &["iam:SetDefaultPolicyVersion", "v1"]);
}

#[test]
fn put_and_attach_group_policy_on_its_own_group() {
    let g = group("devs", &[doc(json!([allow(json!("iam:PutGroupPolicy"), json!(arn("group", "devs")))]))], &[]);
    let dan = user("dan", &[], &[], &["devs"]);
    escalates(&[g, dan], "user/dan", &["iam:PutGroupPolicy"]);
    let g = group("ops", &[doc(json!([allow(json!("iam:AttachGroupPolicy"), json!(arn("group", "ops")))]))], &[]);
    let olga = user("olga", &[], &[], &["ops"]);
    escalates(&[g, olga, admin_policy()], "user/olga", &["iam:AttachGroupPolicy"]);
}

#[test]
fn add_itself_to_an_admin_group() {
    let admins = group("admins", &[], &[ADMIN]);
    let eve = user("eve", &[doc(json!([allow(json!("iam:AddUserToGroup"), json!(arn("group", "admins")))]))], &[], &[]);
    escalates(&[admins, eve, admin_policy()], "user/eve", &["iam:AddUserToGroup", "member of group admins"]);
}

#[test]
fn delete_its_own_boundary_and_put_a_policy() {
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/boundary");
    let me = with(
        role(
            "bounded",
            trusts_service("lambda.amazonaws.com"),
            &[doc(json!([allow(
                json!(["iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"]),
                json!(arn("role", "bounded"))
            )]))],
            &[],
        ),
        "permissions_boundary",
        json!(boundary),
    );
    let b = managed(
        &boundary,
        doc(json!([allow(json!(["iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary", "s3:*"]), json!("*"))])),
    );
    escalates(&[me.clone(), b.clone()], "role/bounded", &["no boundary"]);
    // Without the delete, the boundary caps what the new policy can give: no escalation.
    let capped = with(
        role(
            "bounded",
            trusts_service("lambda.amazonaws.com"),
            &[doc(json!([allow(json!("iam:PutRolePolicy"), json!(arn("role", "bounded")))]))],
            &[],
        ),
        "permissions_boundary",
        json!(boundary),
    );
    safe(&[capped, b], "role/bounded");
}

// ------------------------------------------------------------------ becoming another principal

#[test]
fn assume_an_admin_role() {
    let admin = role("admin", trusts(&arn("user", "ann")), &[], &[ADMIN]);
    let ann = user("ann", &[], &[], &[]);
    escalates(&[admin.clone(), ann, admin_policy()], "user/ann", &["sts:AssumeRole", "role admin"]);
    // A trust that names the account needs the identity policy to allow too.
    let admin = role("admin", trusts(&format!("arn:aws:iam::{ACCOUNT}:root")), &[], &[ADMIN]);
    safe(&[admin.clone(), user("ann", &[], &[], &[]), admin_policy()], "user/ann");
    let ann = user("ann", &[doc(json!([allow(json!("sts:AssumeRole"), json!(arn("role", "admin")))]))], &[], &[]);
    escalates(&[admin, ann, admin_policy()], "user/ann", &["sts:AssumeRole"]);
}

#[test]
fn credentials_of_an_admin_user() {
    let root_like = user("boss", &[], &[ADMIN], &[]);
    for action in ["iam:CreateAccessKey", "iam:CreateLoginProfile"] {
        let mallory = user("mallory", &[doc(json!([allow(json!(action), json!("*"))]))], &[], &[]);
        escalates(&[root_like.clone(), mallory, admin_policy()], "user/mallory", &[action, "user boss"]);
    }
    let boss_with_password =
        with(root_like, "login_profile", json!({"create_date": null, "password_reset_required": false}));
    let mallory =
        user("mallory", &[doc(json!([allow(json!("iam:UpdateLoginProfile"), json!(arn("user", "boss")))]))], &[], &[]);
    escalates(&[boss_with_password.clone(), mallory, admin_policy()], "user/mallory", &["iam:UpdateLoginProfile"]);
    // A password can only be created where there is none.
    let mallory = user("mallory", &[doc(json!([allow(json!("iam:CreateLoginProfile"), json!("*"))]))], &[], &[]);
    safe(&[boss_with_password, mallory, admin_policy()], "user/mallory");
    // Keys for oneself only: nothing gained.
    let self_keys = user(
        "sam",
        &[doc(json!([allow(
            json!("iam:CreateAccessKey"),
            json!(format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))
        )]))],
        &[],
        &[],
    );
    safe(&[user("boss", &[], &[ADMIN], &[]), self_keys, admin_policy()], "user/sam");
}

#[test]
fn rewrite_an_admin_roles_trust() {
    let admin = role("admin", trusts_service("ec2.amazonaws.com"), &[], &[ADMIN]);
    let ci = role(
        "ci",
        trusts_service("codebuild.amazonaws.com"),
        &[doc(json!([allow(json!("iam:UpdateAssumeRolePolicy"), json!("*"))]))],
        &[],
    );
    escalates(&[admin, ci, admin_policy()], "role/ci", &["iam:UpdateAssumeRolePolicy", "role admin"]);
}

#[test]
fn aws_lambda_full_access_with_an_admin_role_lambda_may_assume() {
    // The relevant part of the AWS-managed AWSLambda_FullAccess.
    let lambda_full = managed(
        "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
        doc(json!([
            {"Effect": "Allow", "Action": ["cloudformation:DescribeStacks", "lambda:*", "logs:*", "iam:GetRole", "iam:ListRoles"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}
        ])),
    );
    let dev = role("dev", trusts_service("ec2.amazonaws.com"), &[], &["arn:aws:iam::aws:policy/AWSLambda_FullAccess"]);
    let admin_fn = role("admin-fn", trusts_service("lambda.amazonaws.com"), &[], &[ADMIN]);
    escalates(
        &[lambda_full.clone(), dev.clone(), admin_fn, admin_policy()],
        "role/dev",
        &["iam:PassRole", "lambda:CreateFunction", "role admin-fn"],
    );
    // The admin role trusts only EC2: PassedToService lambda cannot reach it.
    let admin_ec2 = role("admin-ec2", trusts_service("ec2.amazonaws.com"), &[], &[ADMIN]);
    safe(&[lambda_full, dev, admin_ec2, admin_policy()], "role/dev");
}

#[test]
fn pass_role_to_every_compute_service() {
    let cases: &[(&str, &[&str])] = &[
        ("ec2.amazonaws.com", &["ec2:RunInstances"]),
        ("ecs-tasks.amazonaws.com", &["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        ("glue.amazonaws.com", &["glue:CreateDevEndpoint"]),
        ("cloudformation.amazonaws.com", &["cloudformation:CreateStack"]),
        ("codebuild.amazonaws.com", &["codebuild:CreateProject", "codebuild:StartBuild"]),
        ("sagemaker.amazonaws.com", &["sagemaker:CreateTrainingJob"]),
        ("states.amazonaws.com", &["states:CreateStateMachine", "states:StartExecution"]),
        (
            "datapipeline.amazonaws.com",
            &["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"],
        ),
        ("tasks.apprunner.amazonaws.com", &["apprunner:CreateService"]),
        ("lambda.amazonaws.com", &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"]),
    ];
    for (service, actions) in cases {
        let mut target = role("power", trusts_service(service), &[], &[ADMIN]);
        if *service == "ec2.amazonaws.com" {
            target =
                with(target, "instance_profiles", json!([format!("arn:aws:iam::{ACCOUNT}:instance-profile/power")]));
        }
        let mut granted: Vec<&str> = actions.to_vec();
        granted.push("iam:PassRole");
        let dev = user("dev", &[doc(json!([allow(json!(granted), json!("*"))]))], &[], &[]);
        escalates(&[target.clone(), dev, admin_policy()], "user/dev", &["iam:PassRole", actions[0], "role power"]);
        // Without the run action (or PassRole), nothing.
        let half = user("dev", &[doc(json!([allow(json!(["iam:PassRole"]), json!("*"))]))], &[], &[]);
        safe(&[target, half, admin_policy()], "user/dev");
    }
}

#[test]
fn ec2_needs_an_instance_profile_or_the_right_to_make_one() {
    let target = role("power", trusts_service("ec2.amazonaws.com"), &[], &[ADMIN]);
    let dev = user("dev", &[doc(json!([allow(json!(["iam:PassRole", "ec2:RunInstances"]), json!("*"))]))], &[], &[]);
    safe(&[target.clone(), dev, admin_policy()], "user/dev");
    let dev = user(
        "dev",
        &[doc(json!([allow(
            json!(["iam:PassRole", "ec2:RunInstances", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]),
            json!("*")
        )]))],
        &[],
        &[],
    );
    escalates(&[target, dev, admin_policy()], "user/dev", &["iam:AddRoleToInstanceProfile"]);
}

#[test]
fn update_the_code_of_a_function_running_as_admin() {
    let admin_fn = role("admin-fn", trusts_service("lambda.amazonaws.com"), &[], &[ADMIN]);
    let f = function("nightly", "admin-fn");
    let ci = role(
        "ci",
        trusts_service("codebuild.amazonaws.com"),
        &[doc(json!([allow(
            json!("lambda:UpdateFunctionCode"),
            json!(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:nightly"))
        )]))],
        &[],
    );
    escalates(&[admin_fn, f, ci, admin_policy()], "role/ci", &["lambda:UpdateFunctionCode", "role admin-fn"]);
}

#[test]
fn a_function_policy_alone_can_hand_over_the_code_of_an_admin_function() {
    // The principal holds no Lambda permission: the function's own policy grants the change.
    let admin_fn = role("admin-fn", trusts_service("lambda.amazonaws.com"), &[], &[ADMIN]);
    let granting = |principal: &str| {
        let f = function("nightly", "admin-fn");
        with(
            f,
            "policy",
            doc(json!([{"Effect": "Allow", "Principal": {"AWS": principal},
                        "Action": "lambda:UpdateFunctionCode",
                        "Resource": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:nightly")}])),
        )
    };
    let ci = role("ci", trusts_service("codebuild.amazonaws.com"), &[], &[]);
    escalates(
        &[admin_fn.clone(), granting(&arn("role", "ci")), ci.clone(), admin_policy()],
        "role/ci",
        &["lambda:UpdateFunctionCode", "role admin-fn"],
    );
    // A policy naming someone else grants nothing to ci.
    safe(&[admin_fn, granting(&arn("role", "other")), ci, admin_policy()], "role/ci");
}

#[test]
fn two_hops_user_assumes_a_role_that_can_raise_itself() {
    let deployer = role(
        "deployer",
        trusts(&arn("user", "ann")),
        &[doc(json!([allow(json!("iam:AttachRolePolicy"), json!(arn("role", "deployer")))]))],
        &[],
    );
    let ann = user("ann", &[], &[], &[]);
    let p = path(&[deployer, ann, admin_policy()], "user/ann").expect("a path");
    assert!(p.starts_with("user ann → (sts:AssumeRole) → role deployer"), "{p}");
    assert!(p.contains("iam:AttachRolePolicy"), "{p}");
}

// ------------------------------------------------------------------ safe designs

#[test]
fn delegated_administration_with_a_permissions_boundary_is_not_an_escalation() {
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/app-boundary");
    let b = managed(&boundary, doc(json!([allow(json!(["s3:*", "logs:*", "dynamodb:*"]), json!("*"))])));
    let delegate = doc(json!([
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
         "Resource": format!("arn:aws:iam::{ACCOUNT}:role/app-*"),
         "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}},
        {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction", "sts:AssumeRole"],
         "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"], "Resource": "*"}
    ]));
    let platform = role("platform", trusts_service("codebuild.amazonaws.com"), &[delegate.clone()], &[]);
    let existing_app = with(
        role("app-api", trusts_service("lambda.amazonaws.com"), &[], &[]),
        "permissions_boundary",
        json!(boundary),
    );
    safe(&[b.clone(), platform, existing_app.clone()], "role/platform");
    // Without the boundary condition, the same grants are an escalation.
    let open = doc(json!([
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "sts:AssumeRole"],
         "Resource": format!("arn:aws:iam::{ACCOUNT}:role/app-*")}
    ]));
    let platform = role("platform", trusts_service("codebuild.amazonaws.com"), &[open], &[]);
    escalates(&[b, platform, existing_app, admin_policy()], "role/platform", &["iam:CreateRole", "a new role"]);
}

#[test]
fn s3_read_only_by_deny_not_action_is_not_admin_nor_an_escalation() {
    let reader = user(
        "reader",
        &[doc(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "*"}
        ]))],
        &[],
        &[],
    );
    let boss = user("boss", &[], &[ADMIN], &[]);
    safe(&[reader, boss, admin_policy()], "user/reader");
}

#[test]
fn attach_restricted_to_a_named_read_only_policy_is_safe() {
    let readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let alice = user(
        "alice",
        &[doc(json!([{"Effect": "Allow", "Action": "iam:AttachUserPolicy",
            "Resource": format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"),
            "Condition": {"ArnEquals": {"iam:PolicyARN": readonly}}}]))],
        &[],
        &[],
    );
    safe(
        &[
            alice,
            admin_policy(),
            managed(readonly, doc(json!([allow(json!(["s3:Get*", "ec2:Describe*"]), json!("*"))]))),
        ],
        "user/alice",
    );
}

/// Many administrator policies: the one a condition allows is found wherever it stands among
/// them, and one a deny singles out is passed over for another.
#[test]
fn attach_conditioned_on_the_policy_arn_is_judged_per_administrator_policy() {
    let admins: Vec<Resource> = (0..40)
        .map(|i| {
            managed(&format!("arn:aws:iam::{ACCOUNT}:policy/admin-{i:02}"), doc(json!([allow(json!("*"), json!("*"))])))
        })
        .collect();
    let only = format!("arn:aws:iam::{ACCOUNT}:policy/admin-37");
    let alice = user(
        "alice",
        &[doc(json!([{"Effect": "Allow", "Action": "iam:AttachUserPolicy",
            "Resource": format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"),
            "Condition": {"ArnEquals": {"iam:PolicyARN": only}}}]))],
        &[],
        &[],
    );
    let mut account = admins.clone();
    account.extend([alice, admin_policy()]);
    assert_eq!(hows(&account, "user/alice"), ["attach admin-37 to user alice"]);

    // Allowed any policy but AWS's AdministratorAccess: a customer-managed administrator policy.
    let bob = user(
        "bob",
        &[doc(json!([
            allow(json!("iam:AttachUserPolicy"), json!(format!("arn:aws:iam::{ACCOUNT}:user/bob"))),
            {"Effect": "Deny", "Action": "iam:AttachUserPolicy", "Resource": "*",
             "Condition": {"ArnEquals": {"iam:PolicyARN": ADMIN}}}
        ]))],
        &[],
        &[],
    );
    let mut account = admins.clone();
    account.extend([bob, admin_policy()]);
    assert_eq!(hows(&account, "user/bob"), ["attach admin-00 to user bob"]);

    // Only AWS's own read-only policy allowed: safe however many administrator policies exist.
    let carol = user(
        "carol",
        &[doc(json!([{"Effect": "Allow", "Action": ["iam:AttachUserPolicy", "iam:AttachGroupPolicy"],
            "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]))],
        &[],
        &["devs"],
    );
    let mut account = admins;
    account.extend([carol, group("devs", &[], &[]), admin_policy()]);
    safe(&account, "user/carol");
}

#[test]
fn conditions_the_snapshot_cannot_decide_make_the_path_conditional() {
    let alice = user(
        "alice",
        &[doc(json!([{"Effect": "Allow", "Action": "iam:PutUserPolicy",
            "Resource": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]))],
        &[],
        &[],
    );
    let account = Account::from_resources(ACCOUNT, &[alice]);
    let graph = Graph::build(&account);
    let p = graph.path_to_admin(0).expect("a conditional path");
    assert!(p.conditional);
    assert!(p.edges[0].steps[0].conditions[0].contains("aws:SourceIp"), "{:?}", p.edges[0].steps[0].conditions);
}

// ------------------------------------------------------------------ organisations

fn organization(management: &str, scps_on_account: Value) -> Resource {
    serde_json::from_value(json!({
        "arn": format!("arn:aws:organizations::{management}:account/o-abc123/{ACCOUNT}"),
        "name": ACCOUNT, "account": ACCOUNT, "region": "global", "tags": {},
        "kind": "organizations.account",
        "config": {"organization": {
            "id": "o-abc123", "arn": format!("arn:aws:organizations::{management}:organization/o-abc123"),
            "management_account_id": management, "feature_set": "ALL", "scp_enabled": true, "rcp_enabled": false,
            "path": [
                {"id": "r-ab12", "kind": "ROOT", "service_control_policies": [
                    {"id": "p-FullAWSAccess", "arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                     "name": "FullAWSAccess", "aws_managed": true,
                     "document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
                ]},
                {"id": ACCOUNT, "kind": "ACCOUNT", "service_control_policies": scps_on_account}
            ]
        }}
    }))
    .unwrap()
}

#[test]
fn service_control_policies_apply_to_member_accounts_only() {
    let alice = || {
        user(
            "alice",
            &[doc(json!([allow(
                json!("iam:AttachUserPolicy"),
                json!(format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))
            )]))],
            &[],
            &[],
        )
    };
    let full = json!({"id": "p-full", "arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
        "name": "FullAWSAccess", "aws_managed": true, "document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}});
    let deny = json!({"id": "p-noiam", "arn": "arn:aws:organizations::210987654321:policy/o-abc123/service_control_policy/p-noiam",
        "name": "no-iam-writes", "aws_managed": false,
        "document": {"Statement": [{"Effect": "Deny", "Action": ["iam:Attach*", "iam:Put*"], "Resource": "*"}]}});
    // A member account whose SCP denies IAM writes: no escalation.
    let member = organization("210987654321", json!([full.clone(), deny.clone()]));
    safe(&[alice(), admin_policy(), member], "user/alice");
    // Without the deny, the same account escalates.
    let member = organization("210987654321", json!([full.clone()]));
    escalates(&[alice(), admin_policy(), member], "user/alice", &["iam:AttachUserPolicy"]);
    // A level with no policy that allows: nothing is allowed at all (the SCP's implicit deny).
    let member = organization("210987654321", json!([]));
    safe(&[alice(), admin_policy(), member], "user/alice");
    // The management account: SCPs never restrict it.
    let management = organization(ACCOUNT, json!([full, deny]));
    escalates(&[alice(), admin_policy(), management], "user/alice", &["iam:AttachUserPolicy"]);
}

#[test]
fn unread_service_control_policies_are_an_assumption_said() {
    let mut member = organization("210987654321", json!([]));
    member.unknown = vec!["service_control_policies".into()];
    let account = Account::from_resources(ACCOUNT, &[member]);
    assert!(account.scps.is_empty(), "unread SCPs are not applied");
    assert!(account.gaps.iter().any(|g| g.contains("assume none restricts")), "{:?}", account.gaps);
    let none = Account::from_resources(ACCOUNT, &[user("bob", &[], &[], &[])]);
    assert!(none.gaps.iter().any(|g| g.contains("assume no SCP")), "{:?}", none.gaps);
}

// ------------------------------------------------------------------ many principals, many roles

#[test]
fn a_principal_that_may_act_on_every_role_is_not_asked_about_each_before_an_administrator() {
    let resources = synthetic::pipelines(40, 300, true);
    let account = Account::from_resources(ACCOUNT, &resources);
    let graph = Graph::build(&account);
    for i in [0, 17, 39] {
        let who = account.entity_by_arn(&arn("role", &format!("deploy-{i}"))).unwrap();
        let p = graph.path_to_admin(who).expect("a deployer reaches the administrator function role");
        assert_eq!(p.edges.len(), 1);
        assert!(p.edges[0].how.contains("zz-admin-fn"), "{}", p.edges[0].how);
        assert!(!p.conditional);
    }
    // One edge per deployer (its pass of the administrator role), not one per deployer and
    // function role: the administrator, asked about first, ends the deployer's edges.
    assert_eq!(graph.edges.len(), 40, "{} edges", graph.edges.len());
}

#[test]
fn roles_that_lead_nowhere_are_not_edges() {
    // No administrator to reach: passing a function role gains its permissions, which lead
    // nowhere. The deployers are safe, and the graph holds no edge into those roles.
    let resources = synthetic::pipelines(40, 300, false);
    let account = Account::from_resources(ACCOUNT, &resources);
    let graph = Graph::build(&account);
    for i in [0, 39] {
        let who = account.entity_by_arn(&arn("role", &format!("deploy-{i}"))).unwrap();
        assert!(graph.path_to_admin(who).is_none());
    }
    assert_eq!(graph.edges.len(), 0, "{} edges", graph.edges.len());
    // A function role that can raise itself leads somewhere: the deployers pass it, then raise it.
    let mut resources = resources;
    let raise = doc(json!([allow(json!("iam:PutRolePolicy"), json!(arn("role", "fn-7")))]));
    let at = resources.iter().position(|r| r.name == "fn-7").unwrap();
    resources[at] = role("fn-7", trusts_service("lambda.amazonaws.com"), &[raise], &[]);
    escalates(&resources, "role/deploy-3", &["iam:PassRole", "→ role fn-7 →", "iam:PutRolePolicy"]);
}
