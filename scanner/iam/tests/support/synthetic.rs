//! A synthetic account of any size, deterministic for a seed, for the benchmark and the
//! large-input tests: managed policies in the shapes real accounts have (service-scoped reads
//! and writes, a few wildcards, IAM writes on named paths, PassRole with a service condition,
//! boundaries), roles trusting services, the account, or other roles, users in groups, a few
//! administrators and a few escalation paths.

use bbscan_model::Resource;
use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SERVICES: &[(&str, &[&str], &str)] = &[
    ("s3", &["GetObject", "PutObject", "ListBucket", "DeleteObject", "GetBucketPolicy"], "arn:aws:s3:::bucket-{n}/*"),
    ("dynamodb", &["GetItem", "PutItem", "Query", "Scan", "UpdateItem"], "arn:aws:dynamodb:us-east-1:{a}:table/t-{n}"),
    ("sqs", &["SendMessage", "ReceiveMessage", "DeleteMessage"], "arn:aws:sqs:us-east-1:{a}:q-{n}"),
    ("ssm", &["GetParameter", "GetParameters", "GetParametersByPath"], "arn:aws:ssm:us-east-1:{a}:parameter/app/{n}/*"),
    (
        "logs",
        &["CreateLogStream", "PutLogEvents", "CreateLogGroup"],
        "arn:aws:logs:us-east-1:{a}:log-group:/aws/lambda/f-{n}:*",
    ),
    ("lambda", &["InvokeFunction", "GetFunction", "UpdateFunctionCode"], "arn:aws:lambda:us-east-1:{a}:function:f-{n}"),
    ("kms", &["Decrypt", "Encrypt", "GenerateDataKey"], "arn:aws:kms:us-east-1:{a}:key/k-{n}"),
    ("sns", &["Publish", "Subscribe"], "arn:aws:sns:us-east-1:{a}:topic-{n}"),
];

fn resource(kind: &str, arn: &str, name: &str, config: Value) -> Resource {
    serde_json::from_value(json!({
        "arn": arn, "name": name, "account": if arn.contains(":iam::aws:") { "aws" } else { ACCOUNT },
        "region": "global", "tags": {}, "kind": kind, "config": config
    }))
    .expect("a resource")
}

fn statement(rng: &mut Rng) -> Value {
    let (service, actions, arn) = rng.pick(SERVICES);
    let n = rng.below(500);
    let resource = arn.replace("{n}", &n.to_string()).replace("{a}", ACCOUNT);
    match rng.below(20) {
        0 => json!({"Effect": "Allow", "Action": format!("{service}:*"), "Resource": resource}),
        1 => json!({"Effect": "Allow", "Action": format!("{service}:Get*"), "Resource": "*"}),
        2 => {
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/svc-*"),
                    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}})
        }
        3 => json!({"Effect": "Deny", "Action": format!("{service}:Delete*"), "Resource": "*"}),
        4 => json!({"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles", "iam:PutRolePolicy"],
                    "Resource": format!("arn:aws:iam::{ACCOUNT}:role/app-{n}")}),
        5 => json!({"Effect": "Allow", "Action": format!("{service}:{}", rng.pick(actions)), "Resource": resource,
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("team-{}", n % 7)}}}),
        _ => {
            let a: Vec<String> = (0..1 + rng.below(3)).map(|_| format!("{service}:{}", rng.pick(actions))).collect();
            json!({"Effect": "Allow", "Action": a, "Resource": resource})
        }
    }
}

fn document(rng: &mut Rng, statements: usize) -> Value {
    json!({"Version": "2012-10-17", "Statement": (0..statements).map(|_| statement(rng)).collect::<Vec<_>>()})
}

/// An account with `roles` roles, `users` users and `policies` managed policies.
pub fn account(roles: usize, users: usize, policies: usize, seed: u64) -> Vec<Resource> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    out.push(resource(
        "iam.policy",
        admin,
        "AdministratorAccess",
        json!({"aws_managed": true, "document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}),
    ));
    let lambda_full = "arn:aws:iam::aws:policy/AWSLambda_FullAccess";
    out.push(resource("iam.policy", lambda_full, "AWSLambda_FullAccess", json!({"aws_managed": true, "document": {"Statement": [
        {"Effect": "Allow", "Action": ["lambda:*", "logs:DescribeLogGroups", "iam:GetRole", "iam:ListRoles"], "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}
    ]}})));
    let managed: Vec<String> = (0..policies).map(|i| format!("arn:aws:iam::{ACCOUNT}:policy/p-{i}")).collect();
    for (i, arn) in managed.iter().enumerate() {
        let statements = 1 + rng.below(6);
        let doc = document(&mut rng, statements);
        out.push(resource("iam.policy", arn, &format!("p-{i}"), json!({"document": doc})));
    }
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/p-0");
    let services = ["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "codebuild.amazonaws.com"];
    for i in 0..roles {
        let name = if i % 3 == 0 { format!("svc-{i}") } else { format!("app-{i}") };
        let trust = match rng.below(10) {
            0 => {
                json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]})
            }
            1 => {
                json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/u-{}", rng.below(users.max(1)))}, "Action": "sts:AssumeRole"}]})
            }
            _ => {
                json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": rng.pick(&services)}, "Action": "sts:AssumeRole"}]})
            }
        };
        let mut attached: Vec<Value> = (0..rng.below(4))
            .map(|_| {
                let p = rng.pick(&managed);
                json!({"name": p.rsplit('/').next().unwrap(), "arn": p})
            })
            .collect();
        if i % 97 == 0 {
            attached.push(json!({"name": "AdministratorAccess", "arn": admin}));
        }
        if i % 89 == 0 {
            attached.push(json!({"name": "AWSLambda_FullAccess", "arn": lambda_full}));
        }
        let inline = if rng.below(2) == 0 {
            let statements = 1 + rng.below(4);
            vec![json!({"name": "inline", "document": document(&mut rng, statements)})]
        } else {
            vec![]
        };
        let mut config = json!({"path": "/", "role_id": format!("AROA{i:016}"), "trust_policy": trust,
            "attached_policies": attached, "inline_policies": inline});
        if i % 13 == 0 {
            config["permissions_boundary"] = json!(boundary);
        }
        out.push(resource("iam.role", &format!("arn:aws:iam::{ACCOUNT}:role/{name}"), &name, config));
    }
    let groups = (users / 10).max(1);
    for g in 0..groups {
        let attached: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| {
                let p = rng.pick(&managed);
                json!({"name": p.rsplit('/').next().unwrap(), "arn": p})
            })
            .collect();
        out.push(resource(
            "iam.group",
            &format!("arn:aws:iam::{ACCOUNT}:group/g-{g}"),
            &format!("g-{g}"),
            json!({"attached_policies": attached, "inline_policies": []}),
        ));
    }
    for u in 0..users {
        let name = format!("u-{u}");
        let inline = if u % 4 == 0 {
            vec![json!({"name": "self", "document": {"Statement": [{"Effect": "Allow",
                "Action": ["iam:CreateAccessKey", "iam:GetUser"], "Resource": format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")}]}})]
        } else {
            vec![]
        };
        out.push(resource(
            "iam.user",
            &format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
            &name,
            json!({
                "path": "/", "user_id": format!("AIDA{u:016}"), "groups": [format!("g-{}", u % groups)],
                "inline_policies": inline, "attached_policies": [], "login_profile": null
            }),
        ));
    }
    out
}

/// Pipelines that deploy functions: `deployers` roles that may pass any role to Lambda and run
/// functions, `function_roles` roles Lambda may assume (logs only), and, when asked, one more
/// that is an administrator. Every deployer reaches that one in one step; without it, passing a
/// function role leads nowhere. (The shape that made the escalation graph grow as deployers x
/// roles.)
pub fn pipelines(deployers: usize, function_roles: usize, admin_function_role: bool) -> Vec<Resource> {
    let lambda_trust = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = |name: &str, trust: &Value, inline: Option<Value>, attached: &[&str]| {
        let inline: Vec<Value> = inline.into_iter().map(|d| json!({"name": "p0", "document": d})).collect();
        let attached: Vec<Value> =
            attached.iter().map(|a| json!({"name": a.rsplit('/').next().unwrap_or(a), "arn": a})).collect();
        resource(
            "iam.role",
            &format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            name,
            json!({"role_id": format!("AROA{}", name.to_uppercase()), "path": "/", "trust_policy": trust,
                   "inline_policies": inline, "attached_policies": attached}),
        )
    };
    let admin = ADMINISTRATOR_ACCESS;
    let mut out = vec![administrator_access()];
    let build_trust = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let deploy = json!({"Statement": [
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    ]});
    for i in 0..deployers {
        out.push(role(&format!("deploy-{i}"), &build_trust, Some(deploy.clone()), &[]));
    }
    let logs = json!({"Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]});
    for i in 0..function_roles {
        out.push(role(&format!("fn-{i}"), &lambda_trust, Some(logs.clone()), &[]));
    }
    if admin_function_role {
        out.push(role("zz-admin-fn", &lambda_trust, None, &[admin]));
    }
    out
}

const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// AWS's AdministratorAccess managed policy.
fn administrator_access() -> Resource {
    resource(
        "iam.policy",
        ADMINISTRATOR_ACCESS,
        "AdministratorAccess",
        json!({"aws_managed": true, "document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}),
    )
}

/// Relays: roles whose only power is to assume other roles (each trusted by a few random
/// others, some of those trusts under a condition the snapshot cannot decide), a few of them
/// administrators, and a few that may also put a policy on one other role. The ways up are
/// chains of several steps, which the pruned graph finds one round at a time.
pub fn relays(roles: usize, admins: usize, seed: u64) -> Vec<Resource> {
    let mut rng = Rng::new(seed);
    let admin = ADMINISTRATOR_ACCESS;
    let mut out = vec![administrator_access()];
    let arn = |i: usize| format!("arn:aws:iam::{ACCOUNT}:role/relay-{i}");
    // Who may assume role i: a few others, chosen at random.
    let mut trusted: Vec<Vec<usize>> = vec![Vec::new(); roles];
    for (i, list) in trusted.iter_mut().enumerate() {
        for _ in 0..1 + rng.below(2) {
            let j = rng.below(roles);
            if j != i && !list.contains(&j) {
                list.push(j);
            }
        }
    }
    for (i, list) in trusted.iter().enumerate() {
        let statements: Vec<Value> = list
            .iter()
            .map(|&j| {
                let mut s = json!({"Effect": "Allow", "Principal": {"AWS": arn(j)}, "Action": "sts:AssumeRole"});
                if rng.below(6) == 0 {
                    s["Condition"] = json!({"StringEquals": {"sts:ExternalId": "relay"}});
                }
                s
            })
            .collect();
        let mut allow = vec![json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})];
        if rng.below(10) == 0 {
            allow.push(json!({"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": arn(rng.below(roles))}));
        }
        let attached: Vec<Value> =
            if i < admins { vec![json!({"name": "AdministratorAccess", "arn": admin})] } else { Vec::new() };
        out.push(resource(
            "iam.role",
            &arn(i),
            &format!("relay-{i}"),
            json!({"role_id": format!("AROARELAY{i}"), "path": "/", "trust_policy": {"Statement": statements},
                   "inline_policies": [{"name": "relay", "document": {"Statement": allow}}],
                   "attached_policies": attached}),
        ));
    }
    out
}
