//! Bad and large input: thousands of principals, documents at IAM's size limits, and documents
//! no parser should choke on. Nothing panics; what is wrong is said; answers stay right.

mod support;

use bbscan_iam::account::Account;
use bbscan_iam::escalation::Graph;
use bbscan_iam::{Context, Decision, Policies, Policy, Principal, Request, Source, evaluate};
use serde_json::{Value, json};
use support::synthetic::{self, ACCOUNT, Rng};

fn resource(kind: &str, arn: &str, name: &str, config: Value) -> bbscan_model::Resource {
    serde_json::from_value(json!({
        "arn": arn, "name": name, "account": ACCOUNT, "region": "global", "tags": {}, "kind": kind, "config": config
    }))
    .expect("a resource")
}

#[test]
fn five_thousand_principals() {
    // 4,000 roles and 1,000 users in 100 groups, with one planted escalation: a user who may
    // create access keys for the one administrator user.
    let mut resources = synthetic::account(4000, 999, 300, 11);
    resources.push(resource(
        "iam.user",
        &format!("arn:aws:iam::{ACCOUNT}:user/root-like"),
        "root-like",
        json!({"path": "/", "attached_policies": [{"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}),
    ));
    resources.push(resource(
        "iam.user",
        &format!("arn:aws:iam::{ACCOUNT}:user/helpdesk"),
        "helpdesk",
        json!({"path": "/", "inline_policies": [{"name": "keys", "document": {"Statement": [
            {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": format!("arn:aws:iam::{ACCOUNT}:user/root-like")}
        ]}}]}),
    ));
    let account = Account::from_resources(ACCOUNT, &resources);
    assert_eq!(account.entities.len(), 5001);
    let graph = Graph::build(&account);
    let helpdesk = account.entity_by_arn(&format!("arn:aws:iam::{ACCOUNT}:user/helpdesk")).expect("helpdesk");
    let path = graph.path_to_admin(helpdesk).expect("the planted escalation");
    assert_eq!(path.describe(&account), "user helpdesk → (iam:CreateAccessKey) → user root-like = administrator");
    let root_like = account.entity_by_arn(&format!("arn:aws:iam::{ACCOUNT}:user/root-like")).expect("root-like");
    assert!(graph.is_admin_entity(root_like));
}

#[test]
fn a_hundred_inline_policies_at_the_size_limit() {
    // Ten KiB each (IAM's limit for a role's inline policies together is 10,240 characters; the
    // snapshot may hold more from other tools): a hundred of them, the last one denying.
    let mut rng = Rng::new(3);
    let mut inline = Vec::new();
    for i in 0..100 {
        let mut statements = Vec::new();
        let mut size = 0;
        while size < 10 * 1024 {
            let s = json!({"Effect": "Allow", "Action": [format!("s3:GetObject"), format!("dynamodb:Query")],
                "Resource": format!("arn:aws:s3:::bucket-{}/prefix-{}/*", rng.below(1000), rng.below(1000))});
            size += s.to_string().len();
            statements.push(s);
        }
        if i == 99 {
            statements.push(json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-7/*"}));
        }
        inline.push(json!({"name": format!("p{i}"), "document": {"Version": "2012-10-17", "Statement": statements}}));
    }
    let role = resource(
        "iam.role",
        &format!("arn:aws:iam::{ACCOUNT}:role/big"),
        "big",
        json!({"path": "/", "trust_policy": {"Statement": []}, "inline_policies": inline}),
    );
    let account = Account::from_resources(ACCOUNT, [&role]);
    let e = &account.entities[0];
    assert_eq!(e.identity.len(), 100);
    let p = account.policies_of(e);
    let ctx = account.context_of(e);
    let ask = |resource: &str| {
        evaluate(
            &Request {
                principal: &e.principal,
                action: "s3:GetObject",
                resource,
                resource_account: Some(ACCOUNT),
                context: &ctx,
            },
            &p.with_resource(None, true),
        )
        .decision
    };
    assert_eq!(ask("arn:aws:s3:::bucket-7/prefix-1/x"), Decision::ExplicitDeny);
    assert_eq!(ask("arn:aws:s3:::no-such-bucket/x"), Decision::ImplicitDeny);
    let graph = Graph::build(&account);
    assert!(graph.path_to_admin(0).is_none());
}

/// A random JSON value, biased towards shapes a policy parser meets.
fn junk(rng: &mut Rng, depth: usize) -> Value {
    let words = [
        "Allow",
        "Deny",
        "allow",
        "*",
        "s3:*",
        "iam:PassRole",
        "arn:aws:s3:::b/*",
        "${aws:username}",
        "${",
        "}",
        "Statement",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
        "StringEquals",
        "ForAllValues:StringLike",
        "NullIfExists",
        "IpAddress",
        "10.0.0.0/40",
        "DateLessThan",
        "NumericLessThan",
        "aws:SourceIp",
        "AWS",
        "Service",
        "",
        "\u{0}",
        "é",
    ];
    match if depth > 3 { rng.below(4) } else { rng.below(7) } {
        0 => Value::Null,
        1 => json!(rng.below(100) as i64 - 50),
        2 => json!(rng.below(2) == 0),
        3 => json!(rng.pick(&words)),
        4 => Value::Array((0..rng.below(4)).map(|_| junk(rng, depth + 1)).collect()),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(5) {
                m.insert(rng.pick(&words).to_string(), junk(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

#[test]
fn malformed_documents_never_panic_and_say_what_is_wrong() {
    let mut rng = Rng::new(42);
    let principal = Principal::from_arn(&format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    let mut ctx = Context::open();
    principal.describe_into(&mut ctx);
    let mut with_problems = 0;
    for i in 0..3000 {
        // A statement-shaped object most of the time, anything at all sometimes.
        let doc = if i % 5 == 0 {
            junk(&mut rng, 0)
        } else {
            json!({"Statement": (0..1 + rng.below(3)).map(|_| {
                let mut s = serde_json::Map::new();
                for key in ["Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition"] {
                    if rng.below(3) > 0 {
                        s.insert(key.into(), junk(&mut rng, 1));
                    }
                }
                Value::Object(s)
            }).collect::<Vec<_>>()})
        };
        let policy =
            Policy::new(Source::new("junk", "arn:aws:iam::123456789012:policy/junk", "/config/document"), &doc);
        if !policy.problems.is_empty() {
            with_problems += 1;
        }
        let identity = [&policy];
        for action in ["s3:GetObject", "iam:PassRole"] {
            let outcome = evaluate(
                &Request {
                    principal: &principal,
                    action,
                    resource: "arn:aws:s3:::b/x",
                    resource_account: None,
                    context: &ctx,
                },
                &Policies { identity: &identity, resource: Some(&policy), ..Policies::default() },
            );
            // A statement with problems never decides.
            for r in &outcome.reasons {
                assert!(r.statement.problems.is_empty(), "{doc}");
            }
        }
    }
    assert!(with_problems > 2000, "most junk is recognised as such: {with_problems}");
}

/// Every principal's way to administrator (described, with whether it is conditional), or none.
fn paths(graph: &Graph<'_>, account: &Account) -> Vec<Option<(String, bool)>> {
    (0..account.entities.len()).map(|i| graph.path_to_admin(i).map(|p| (p.describe(account), p.conditional))).collect()
}

#[test]
fn the_pruned_graph_finds_the_paths_the_whole_graph_finds() {
    // Random accounts (roles, users in groups, managed policies, trusts, boundaries) and
    // pipelines, and relays (chains of assumptions, found over several rounds): the graph that
    // leaves out edges on no path gives every principal the same path
    // as the graph with every edge, and leaves some out.
    let mut accounts: Vec<Vec<bbscan_model::Resource>> =
        [3, 7, 11, 19, 23].into_iter().map(|seed| synthetic::account(300, 60, 400, seed)).collect();
    accounts.push(synthetic::pipelines(20, 150, true));
    accounts.push(synthetic::pipelines(20, 150, false));
    accounts.extend([5, 13].into_iter().map(|seed| synthetic::relays(300, 3, seed)));
    let (mut escalating, mut left_out, mut chains) = (0, 0, 0);
    for resources in &accounts {
        let account = Account::from_resources(ACCOUNT, resources);
        let pruned = Graph::build(&account);
        let whole = Graph::build_exhaustive(&account);
        assert_eq!(paths(&pruned, &account), paths(&whole, &account));
        for i in 0..account.entities.len() {
            assert_eq!(pruned.is_admin_entity(i), whole.is_admin_entity(i));
        }
        escalating += paths(&pruned, &account).iter().flatten().count();
        // A path of several steps is found over several rounds, each asking again only the
        // principals that left out one found to lead somewhere in the round before.
        chains += (0..account.entities.len())
            .filter(|&i| pruned.path_to_admin(i).is_some_and(|p| p.edges.len() >= 2))
            .count();
        assert!(pruned.edges.len() <= whole.edges.len());
        left_out += whole.edges.len() - pruned.edges.len();
    }
    assert!(escalating > 20, "only {escalating} principals escalate: the check would prove little");
    assert!(left_out > 1000, "only {left_out} edges left out");
    assert!(chains > 100, "only {chains} paths of two steps or more: later rounds go untested");
}
