use super::*;
use bbscan_policy::{Finding, Severity, json, serde_json};

const ACCOUNT: &str = "123456789012";
const OIDC: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

fn resource(kind: &str, arn: &str, name: &str, tags: Value, config: Value) -> Resource {
    serde_json::from_value(json!({
        "arn": arn, "name": name, "account": ACCOUNT, "region": "global", "tags": tags, "kind": kind, "config": config
    }))
    .expect("a resource")
}

fn role(name: &str, config: Value) -> Resource {
    resource("iam.role", &format!("arn:aws:iam::{ACCOUNT}:role/{name}"), name, json!({}), config)
}

fn user(name: &str, config: Value) -> Resource {
    resource("iam.user", &format!("arn:aws:iam::{ACCOUNT}:user/{name}"), name, json!({}), config)
}

fn policy(name: &str, statements: Value) -> Resource {
    resource(
        "iam.policy",
        &format!("arn:aws:iam::{ACCOUNT}:policy/{name}"),
        name,
        json!({}),
        json!({"document": {"Version": "2012-10-17", "Statement": statements}}),
    )
}

fn function(name: &str, role_name: &str, app: Option<&str>, stage: Option<&str>) -> Resource {
    let mut tags = serde_json::Map::new();
    if let Some(app) = app {
        tags.insert("sst:app".into(), app.into());
    }
    if let Some(stage) = stage {
        tags.insert("sst:stage".into(), stage.into());
    }
    let mut r = resource(
        "lambda.function",
        &format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"),
        name,
        Value::Object(tags),
        json!({"role": format!("arn:aws:iam::{ACCOUNT}:role/{role_name}")}),
    );
    r.region = "us-east-1".into();
    r
}

fn inline(statements: Value) -> Value {
    json!([{"name": "p", "document": {"Version": "2012-10-17", "Statement": statements}}])
}

fn unknown(mut r: Resource, fields: &[&str]) -> Resource {
    r.unknown = fields.iter().map(|f| f.to_string()).collect();
    r
}

fn run(resources: Vec<Resource>, settings: Value) -> Report {
    bbscan_policy::run::<Iam>(&bbscan_policy::testing::snapshot(resources), &settings).expect("evaluates")
}

fn failed<'a>(report: &'a Report, rule: &'a str) -> Vec<&'a Finding> {
    report.of_rule(rule).collect()
}

fn tally(report: &Report, rule: &str) -> (u32, u32) {
    report.tallies.get(rule).map_or((0, 0), |t| (t.passed, t.evaluated))
}

fn only<'a>(report: &'a Report, rule: &'a str) -> &'a Finding {
    let found = failed(report, rule);
    assert_eq!(found.len(), 1, "{rule}: {:#?}", report.findings);
    found[0]
}

// ---------------------------------------------------------------- metadata and settings

#[test]
fn rules_are_complete() {
    let info = Iam::info();
    assert_eq!(info.rules.len(), 24);
    let mut ids: Vec<&str> = info.rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24, "ids are unique");
    for rule in &info.rules {
        assert!(rule.id.starts_with("IAM.") && !rule.kinds.is_empty() && !rule.description.is_empty(), "{}", rule.id);
        assert!(!rule.remediation.is_empty() && !rule.help_text.is_empty() && !rule.help_markdown.is_empty());
        for c in &rule.compliance {
            assert!(
                ["CIS AWS Foundations Benchmark v3.0.0", "AWS Foundational Security Best Practices", "SOC 2"]
                    .contains(&c.framework.as_str()),
                "{}",
                c.framework
            );
        }
    }
}

#[test]
fn settings_are_checked() {
    assert!(Iam::validate_settings(&json!({})).is_ok());
    assert!(
        Iam::validate_settings(&json!({
            "github_repository": "redentor/brainbytes", "trusted_accounts": ["210987654321"],
            "max_access_key_age_days": 30, "break_glass": ["BreakGlass*"]
        }))
        .is_ok()
    );
    assert!(Iam::validate_settings(&json!({"max_acess_key_age_days": 30})).unwrap_err().contains("unknown setting"));
    assert!(Iam::validate_settings(&json!({"github_repository": "redentor/*"})).is_err());
    assert!(Iam::validate_settings(&json!({"github_repository": "brainbytes"})).is_err());
    assert!(Iam::validate_settings(&json!({"github_subjects": ["repo:x/y:*"]})).is_err());
    assert!(Iam::validate_settings(&json!({"trusted_accounts": ["2109"]})).is_err());
    assert!(Iam::validate_settings(&json!({"min_password_length": "14"})).is_err());
    assert!(Iam::validate_settings(&json!({"lambda_ssm_paths": ["brainbytes/*"]})).is_err());
    assert!(Iam::validate_settings(&json!([])).is_err());
}

#[test]
fn odd_documents_do_not_panic() {
    let report = run(
        vec![
            role(
                "weird",
                json!({"trust_policy": "not json", "inline_policies": [{"name": "x", "document": {"Statement": "nope"}}]}),
            ),
            role("numbers", json!({"trust_policy": {"Statement": [{"Effect": 1, "Principal": 5, "Action": 7}]}})),
            policy("null-doc", json!(null)),
            resource(
                "iam.policy",
                "arn:aws:iam::123456789012:policy/empty",
                "empty",
                json!({}),
                json!({"document": null}),
            ),
            function("f", "numbers", Some("brainbytes"), Some("dev")),
        ],
        json!({}),
    );
    // What AWS would refuse is said, once per holder; nothing else is concluded from it.
    let malformed: Vec<&str> = failed(&report, POLICY_MALFORMED)
        .iter()
        .map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default())
        .collect();
    assert_eq!(malformed, vec!["weird", "numbers", "null-doc"], "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| f.rule_id == POLICY_MALFORMED), "{:#?}", report.findings);
    let weird = failed(&report, POLICY_MALFORMED)[0];
    assert!(
        weird.message.contains("not JSON") && weird.message.contains("not a list or an object"),
        "{}",
        weird.message
    );
    assert_eq!(tally(&report, POLICY_FULL_ADMIN).1, 3, "the null-document policy is not judged");
}

#[test]
fn malformed_statements_are_named_and_skipped() {
    let report = run(
        vec![
            user(
                "typo",
                json!({"inline_policies": inline(json!([
                    {"Effect": "allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"aws:username": "x"}}}
                ]))}),
            ),
            user(
                "fine",
                json!({"inline_policies": inline(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))}),
            ),
        ],
        json!({}),
    );
    let f = only(&report, POLICY_MALFORMED);
    assert!(f.resource_arn.ends_with("/typo"));
    assert!(f.message.contains("case-sensitive") && f.message.contains("StringEqualz"), "{}", f.message);
    assert_eq!(f.evidence, vec!["/config/inline_policies/0/document"]);
    // The skipped lowercase allow grants nothing to the evaluator.
    assert!(failed(&report, POLICY_FULL_ADMIN).is_empty());
    assert_eq!(tally(&report, POLICY_MALFORMED), (1, 2));
}

// ---------------------------------------------------------------- policy documents

#[test]
fn full_admin_is_judged_on_effective_permissions() {
    let admin = json!([{"Effect": "Allow", "Action": "*", "Resource": "*"},
                       {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "s3:*"], "Resource": "*"}]);
    let not_action = json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]);
    let scoped = json!([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"}]);
    // Allow * with Deny NotAction [s3:Get*, s3:List*]: S3 read-only, not an administrator.
    let read_only = json!([{"Effect": "Allow", "Action": "*", "Resource": "*"},
                           {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "*"}]);
    let boundary = policy("s3-only", json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    let report = run(
        vec![
            user("root-like", json!({"inline_policies": inline(admin.clone())})),
            policy("power-user", not_action),
            policy("bucket-admin", scoped),
            policy("s3-reader", read_only),
            role("capped", json!({"inline_policies": inline(admin), "permissions_boundary": boundary.arn})),
            boundary,
        ],
        json!({}),
    );
    let found = failed(&report, POLICY_FULL_ADMIN);
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert!(found[0].resource_arn.ends_with("user/root-like"));
    assert!(found[0].message.contains("Statement/0") && found[0].evidence[0].starts_with("/config/inline_policies/0"));
    assert!(failed(&report, PRIVILEGE_ESCALATION).is_empty(), "an administrator is not also an escalation");
    // NotAction iam:* and "*" on one bucket are service wildcards, high; the S3 reader is nothing;
    // the boundary limits, it grants nothing, and is not judged as a grant.
    let wildcards: Vec<&str> = failed(&report, POLICY_SERVICE_WILDCARD)
        .iter()
        .map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default())
        .collect();
    assert_eq!(wildcards, vec!["power-user", "bucket-admin"], "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| !f.resource_arn.ends_with("s3-reader")), "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| !f.resource_arn.ends_with("role/capped") || f.rule_id != POLICY_FULL_ADMIN));
    assert!(failed(&report, USER_DIRECT_POLICY).is_empty(), "inline admin is POLICY_FULL_ADMIN's");
}

#[test]
fn full_admin_from_policies_together() {
    // Neither document alone is an administrator; together they are.
    let report = run(
        vec![role(
            "split",
            json!({"inline_policies": [
                {"name": "a", "document": {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}},
                {"name": "b", "document": {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}}
            ]}),
        )],
        json!({}),
    );
    let f = only(&report, POLICY_FULL_ADMIN);
    assert!(f.message.contains("together"), "{}", f.message);
    assert_eq!(
        f.evidence,
        vec!["/config/inline_policies/0/document/Statement/0", "/config/inline_policies/1/document/Statement/0"]
    );
}

fn aws_managed(name: &str, statements: Value) -> Resource {
    let mut r = resource(
        "iam.policy",
        &format!("arn:aws:iam::aws:policy/{name}"),
        name,
        json!({}),
        json!({"aws_managed": true, "document": {"Version": "2012-10-17", "Statement": statements}}),
    );
    r.account = "aws".into();
    r
}

#[test]
fn admin_policies_attached_outside_break_glass() {
    let admin = json!([{"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                       {"name": "ReadOnlyAccess", "arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]);
    let docs = || {
        vec![
            aws_managed("AdministratorAccess", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
            aws_managed(
                "ReadOnlyAccess",
                json!([{"Effect": "Allow", "Action": ["s3:Get*", "ec2:Describe*"], "Resource": "*"}]),
            ),
            aws_managed(
                "IAMFullAccess",
                json!([{"Effect": "Allow", "Action": ["iam:*", "organizations:List*"], "Resource": "*"}]),
            ),
        ]
    };
    let mut resources = vec![
        role("Deployer", json!({"attached_policies": admin})),
        role("BreakGlassAdmin", json!({"attached_policies": admin})),
        user("alice", json!({"attached_policies": admin})),
        role(
            "iam-admin",
            json!({"attached_policies": [{"name": "IAMFullAccess", "arn": "arn:aws:iam::aws:policy/IAMFullAccess"}]}),
        ),
    ];
    resources.extend(docs());
    let report = run(resources, json!({"break_glass": ["BreakGlass*"]}));
    let found = failed(&report, ADMIN_POLICY_ATTACHED);
    assert_eq!(found.len(), 3, "{:#?}", report.findings);
    let f = found[0];
    assert!(
        f.message.contains("AdministratorAccess (allows every action on every resource)")
            && !f.message.contains("ReadOnlyAccess")
    );
    assert_eq!(f.evidence, vec!["/config/attached_policies/0"]);
    assert_eq!(f.actions[0].kind, "iam.detach_policy");
    assert_eq!(f.actions[0].params["policy_arn"], "arn:aws:iam::aws:policy/AdministratorAccess");
    assert_eq!(f.actions[0].params["principal_arn"], "arn:aws:iam::123456789012:role/Deployer");
    let iam = found.iter().find(|f| f.resource_arn.ends_with("iam-admin")).expect("IAMFullAccess");
    assert!(iam.message.contains("lets its holder make itself an administrator"), "{}", iam.message);
    assert_eq!(tally(&report, ADMIN_POLICY_ATTACHED), (1, 4));
    // alice's only other direct policy is ReadOnlyAccess: still a direct policy.
    assert!(only(&report, USER_DIRECT_POLICY).message.contains("ReadOnlyAccess"));

    // The setting adds policies; a document that was not read still counts when named.
    let custom = run(
        vec![role("Deployer", json!({"attached_policies": admin}))],
        json!({"admin_policies": ["arn:aws:iam::aws:policy/ReadOnly*", "arn:aws:iam::aws:policy/AdministratorAccess"]}),
    );
    let f = only(&custom, ADMIN_POLICY_ATTACHED);
    assert!(f.message.contains("ReadOnlyAccess") && f.message.contains("not read"), "{}", f.message);
    let unread =
        run(vec![unknown(role("Deployer", json!({"attached_policies": []})), &["attached_policies"])], json!({}));
    assert_eq!(tally(&unread, ADMIN_POLICY_ATTACHED), (0, 0));

    // A boundary that keeps the role from being an administrator: the delegated pattern passes.
    let boundary = policy("app-boundary", json!([{"Effect": "Allow", "Action": ["s3:*", "logs:*"], "Resource": "*"}]));
    let mut resources =
        vec![role("app-api", json!({"attached_policies": admin, "permissions_boundary": boundary.arn})), boundary];
    resources.extend(docs());
    let capped = run(resources, json!({}));
    assert!(failed(&capped, ADMIN_POLICY_ATTACHED).is_empty(), "{:#?}", capped.findings);
    assert_eq!(tally(&capped, ADMIN_POLICY_ATTACHED), (1, 1));

    // IAM Identity Center roles: reported, never proposed for detaching.
    let mut resources = vec![role(
        "AWSReservedSSO_Admin_0123456789abcdef",
        json!({"path": "/aws-reserved/sso.amazonaws.com/", "attached_policies": admin}),
    )];
    resources.extend(docs());
    let sso = run(resources, json!({}));
    let f = only(&sso, ADMIN_POLICY_ATTACHED);
    assert!(f.actions.is_empty() && f.message.contains("permission set"), "{f:#?}");
}

#[test]
fn service_wildcards_by_sensitivity() {
    let report = run(
        vec![
            policy(
                "keys",
                json!([{"Effect": "Allow", "Action": "KMS:*", "Resource": "arn:aws:kms:us-east-1:123456789012:key/k"}]),
            ),
            policy("buckets", json!([{"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::b/*"}])),
            policy("reads", json!([{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get*"], "Resource": "*"}])),
            policy("denied", json!([{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}])),
            // s3:* with its deletes denied is not every action of S3 any more.
            policy(
                "fenced",
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
                       {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]),
            ),
        ],
        json!({}),
    );
    let found = failed(&report, POLICY_SERVICE_WILDCARD);
    assert_eq!(found.len(), 2, "{:#?}", report.findings);
    let keys = found.iter().find(|f| f.resource_arn.ends_with("/keys")).expect("kms:*");
    assert_eq!(keys.severity, Some(Severity::High));
    assert!(keys.message.contains("KMS:* (every action of kms)"), "{}", keys.message);
    let buckets = found.iter().find(|f| f.resource_arn.ends_with("/buckets")).expect("s3:*");
    assert_eq!(buckets.severity, None, "the medium default");
    assert_eq!(tally(&report, POLICY_SERVICE_WILDCARD), (3, 5));
    assert!(failed(&report, POLICY_WILDCARD_RESOURCE).is_empty(), "reads and Deny are not writes");
}

#[test]
fn wildcard_resources_for_writes_and_secret_reads() {
    let report = run(
        vec![
            policy("writes", json!([{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}])),
            policy(
                "secrets",
                json!([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": ["*"]}]),
            ),
            // X-Ray writes take no resource (the catalogue says so): "*" is the only choice.
            policy("tracing", json!([{"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"}])),
            policy("scoped", json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}])),
            policy("pass-only", json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}])),
            policy(
                "not-resource",
                json!([{"Effect": "Allow", "Action": "s3:DeleteObject", "NotResource": "arn:aws:s3:::logs/*"}]),
            ),
            // Read-only queries whose verb sounds like a write.
            policy(
                "queries",
                json!([{"Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:Scan", "cloudwatch:GetMetricData", "logs:StartQuery"], "Resource": "*"}]),
            ),
            // A wildcard whose writes are all denied.
            policy(
                "denied-writes",
                json!([{"Effect": "Allow", "Action": "s3:*Object", "Resource": "*"},
                       {"Effect": "Deny", "Action": ["s3:Put*", "s3:Delete*", "s3:Restore*", "s3:Replicate*", "s3:Write*", "s3:Copy*", "s3:Create*", "s3:Rename*", "s3:Update*", "s3:Abort*"], "Resource": "*"}]),
            ),
        ],
        json!({}),
    );
    let found = failed(&report, POLICY_WILDCARD_RESOURCE);
    let names: Vec<&str> = found.iter().map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(names, vec!["writes", "secrets", "pass-only", "not-resource"], "{:#?}", report.findings);
    assert_eq!(found[0].severity, None);
    assert!(found[0].message.contains("s3:PutObject") && !found[0].message.contains("s3:GetObject"));
    assert_eq!(found[1].severity, Some(Severity::High));
    assert!(found[1].message.contains("reads secrets"));
    assert!(found[3].message.contains("everything but arn:aws:s3:::logs/*"));
    assert!(failed(&report, PRIVILEGE_ESCALATION).is_empty(), "policies are not principals");
    // resource_star_actions exempts more.
    let lenient = run(
        vec![policy("writes", json!([{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}]))],
        json!({"resource_star_actions": ["s3:Put*"]}),
    );
    assert!(failed(&lenient, POLICY_WILDCARD_RESOURCE).is_empty());
}

#[test]
fn privilege_escalation_is_a_path_between_principals() {
    let admin_doc = aws_managed("AdministratorAccess", json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
    let power = role(
        "power",
        json!({
            "trust_policy": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "attached_policies": [{"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
            "instance_profiles": ["arn:aws:iam::123456789012:instance-profile/power"],
        }),
    );
    // PassRole on a role wildcard and compute in another statement, in a managed policy.
    let split = policy(
        "split",
        json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/*"},
               {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]),
    );
    let ci = user("ci", json!({"attached_policies": [{"name": "split", "arn": split.arn}]}));
    // PassRole of one named, harmless role: not escalation.
    let named = user(
        "named",
        json!({"inline_policies": inline(json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"],
            "Resource": ["arn:aws:iam::123456789012:role/app-fn", "*"]}]))}),
    );
    let named = {
        let mut v = serde_json::to_value(&named).unwrap();
        v["config"]["inline_policies"][0]["document"]["Statement"][0]["Resource"] =
            json!(["arn:aws:iam::123456789012:role/app-fn", "arn:aws:ec2:*:*:instance/*"]);
        serde_json::from_value::<Resource>(v).unwrap()
    };
    // Self-service keys: not escalation.
    let me = user(
        "me",
        json!({"inline_policies": inline(json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey",
            "Resource": "arn:aws:iam::123456789012:user/${aws:username}"}]))}),
    );
    // Policies on itself, only from the office network: a conditional path.
    let office = user(
        "office",
        json!({"inline_policies": inline(json!([{"Effect": "Allow", "Action": "iam:PutUserPolicy",
            "Resource": "arn:aws:iam::123456789012:user/office", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]))}),
    );
    let report = run(vec![admin_doc, power, split, ci, named, me, office], json!({}));
    let found = failed(&report, PRIVILEGE_ESCALATION);
    let names: Vec<&str> = found.iter().map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(names, vec!["ci", "office"], "{:#?}", report.findings);
    let ci = found[0];
    assert!(
        ci.message.contains("user ci → (iam:PassRole + ec2:RunInstances) → role power = administrator"),
        "{}",
        ci.message
    );
    assert_eq!(ci.severity, None, "high");
    assert_eq!(
        ci.evidence,
        vec![
            "arn:aws:iam::123456789012:policy/split#/config/document/Statement/0",
            "arn:aws:iam::123456789012:policy/split#/config/document/Statement/1"
        ]
    );
    let office = found[1];
    assert_eq!(office.severity, Some(Severity::Medium));
    assert!(office.message.contains("Only when: IpAddress aws:SourceIp"), "{}", office.message);
    assert_eq!(office.evidence, vec!["/config/inline_policies/0/document/Statement/0"]);
    // power is an administrator (reported elsewhere); named and me pass.
    assert_eq!(tally(&report, PRIVILEGE_ESCALATION), (2, 4));
}

// ---------------------------------------------------------------- Lambda execution roles and SSM

fn lambda_role(name: &str, statements: Value) -> Resource {
    role(name, json!({"inline_policies": inline(statements)}))
}

fn ssm_read(resource: Value) -> Value {
    json!([{"Effect": "Allow", "Action": "ssm:GetParameter*", "Resource": resource}])
}

#[test]
fn lambda_roles_read_only_their_stage() {
    let ssm = "arn:aws:ssm:us-east-1:123456789012:parameter";
    let report = run(
        vec![
            lambda_role("wide", ssm_read(json!(format!("{ssm}/brainbytes/*")))),
            lambda_role(
                "scoped",
                ssm_read(json!([format!("{ssm}/brainbytes/dev/*"), format!("{ssm}/sst/passphrase/brainbytes/dev")])),
            ),
            // GetParametersByPath on the stage's own path: in scope.
            lambda_role(
                "by-path",
                json!([{"Effect": "Allow", "Action": "ssm:GetParametersByPath", "Resource": format!("{ssm}/brainbytes/dev")}]),
            ),
            lambda_role("account-wide", ssm_read(json!("arn:aws:ssm:us-east-1:123456789012:*"))),
            lambda_role(
                "other-resources",
                json!([{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:s3:::b/*"}]),
            ),
            // Everything but the other stage is denied.
            lambda_role(
                "denied",
                json!([{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"},
                       {"Effect": "Deny", "Action": "ssm:*", "NotResource": [format!("{ssm}/brainbytes/dev/*")]}]),
            ),
            lambda_role("untagged", ssm_read(json!("*"))),
            function("fn-wide", "wide", Some("brainbytes"), Some("dev")),
            function("fn-scoped", "scoped", Some("brainbytes"), Some("dev")),
            function("fn-path", "by-path", Some("brainbytes"), Some("dev")),
            function("fn-account", "account-wide", Some("brainbytes"), Some("dev")),
            function("fn-other", "other-resources", Some("brainbytes"), Some("dev")),
            function("fn-denied", "denied", Some("brainbytes"), Some("dev")),
            function("fn-untagged", "untagged", None, None),
        ],
        json!({}),
    );
    let found = failed(&report, LAMBDA_ROLE_SSM_SCOPE);
    let names: Vec<&str> = found.iter().map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(names, vec!["wide", "account-wide"], "{:#?}", report.findings);
    assert!(found[0].message.contains("fn-wide") && found[0].message.contains("/brainbytes/dev/*"));
    assert!(found[0].message.contains("/brainbytes/bbscan-other-stage/secret"), "{}", found[0].message);
    assert_eq!(found[0].evidence, vec!["/config/inline_policies/0/document/Statement/0"]);
    assert_eq!(tally(&report, LAMBDA_ROLE_SSM_SCOPE), (4, 6), "the untagged function's role is not judged");
    // SSM reads of execution roles are never POLICY_WILDCARD_RESOURCE's, even when not judged.
    assert!(failed(&report, POLICY_WILDCARD_RESOURCE).is_empty(), "{:#?}", report.findings);

    let custom = run(
        vec![
            lambda_role("wide", ssm_read(json!(format!("{ssm}/brainbytes/*")))),
            function("f", "wide", Some("brainbytes"), Some("dev")),
        ],
        json!({"lambda_ssm_paths": ["/{app}/*"]}),
    );
    assert!(failed(&custom, LAMBDA_ROLE_SSM_SCOPE).is_empty(), "{:#?}", custom.findings);
}

#[test]
fn lambda_roles_managed_policies_and_boundaries() {
    let ssm = "arn:aws:ssm:us-east-1:123456789012:parameter";
    let mut boundary = policy("stage-boundary", ssm_read(json!(format!("{ssm}/brainbytes/production/*"))));
    boundary.tags.insert("sst:stage".into(), "production".into());
    let everything =
        policy("read-everything", json!([{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}]));
    let attached = |arn: &str, name: &str| json!([{"name": name, "arn": arn}]);
    let report = run(
        vec![
            role(
                "capped",
                json!({
                    "inline_policies": inline(json!([{"Effect": "Allow", "Action": ["ssm:GetParameters", "kms:Decrypt"], "Resource": "*"}])),
                    "permissions_boundary": boundary.arn,
                }),
            ),
            role("managed", json!({"attached_policies": attached(&everything.arn, "read-everything")})),
            role(
                "aws-managed",
                json!({"attached_policies": attached("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess", "AmazonSSMReadOnlyAccess")}),
            ),
            aws_managed(
                "AmazonSSMReadOnlyAccess",
                json!([{"Effect": "Allow", "Action": ["ssm:Describe*", "ssm:Get*", "ssm:List*"], "Resource": "*"}]),
            ),
            role(
                "missing",
                json!({"attached_policies": attached("arn:aws:iam::123456789012:policy/not-collected", "not-collected")}),
            ),
            boundary,
            everything,
            function("a", "capped", Some("brainbytes"), Some("production")),
            function("b", "managed", Some("brainbytes"), Some("production")),
            function("c", "aws-managed", Some("brainbytes"), Some("production")),
            function("d", "missing", Some("brainbytes"), Some("production")),
        ],
        json!({}),
    );
    let found = failed(&report, LAMBDA_ROLE_SSM_SCOPE);
    let names: Vec<&str> = found.iter().map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(names, vec!["managed", "aws-managed"]);
    assert!(found[0].message.contains("managed policy read-everything"), "{}", found[0].message);
    assert_eq!(
        found[1].evidence,
        vec!["arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess#/config/document/Statement/0"],
        "the AWS-managed statement that allows it"
    );
    assert_eq!(tally(&report, LAMBDA_ROLE_SSM_SCOPE), (1, 3), "capped passes; the uncollected policy is not judged");
    // kms:Decrypt on "*" is still a wildcard-resource secret read of the capped role; the managed
    // policy's own ssm read on "*" is reported on the policy, which is not an execution role.
    let wildcard = failed(&report, POLICY_WILDCARD_RESOURCE);
    assert_eq!(wildcard.len(), 2, "{wildcard:#?}");
    assert!(wildcard[0].resource_arn.ends_with("/capped") && wildcard[0].message.contains("kms:Decrypt"));
    assert!(!wildcard[0].message.contains("ssm:GetParameters"));
    assert!(wildcard[1].resource_arn.ends_with("/read-everything") && wildcard[1].severity == Some(Severity::High));
}

// ---------------------------------------------------------------- trust policies

fn github_role(name: &str, condition: Value) -> Resource {
    role(
        name,
        json!({"trust_policy": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition
        }]}}),
    )
}

fn aud() -> Value {
    json!({"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"})
}

#[test]
fn github_oidc_trust_levels() {
    let sub = |op: &str, v: Value| {
        let mut c = json!({"StringEquals": aud()});
        if let Some(m) = c.as_object_mut() {
            let entry = m.entry(op.to_string()).or_insert(json!({}));
            entry["token.actions.githubusercontent.com:sub"] = v;
        }
        c
    };
    let report = run(
        vec![
            github_role(
                "no-aud",
                json!({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}),
            ),
            github_role(
                "other-aud",
                json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "https://github.com/o",
                                             "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}),
            ),
            github_role("star", sub("StringLike", json!("*"))),
            github_role("if-exists", sub("StringLikeIfExists", json!("repo:o/r:ref:refs/heads/main"))),
            github_role("negated", sub("StringNotLike", json!("repo:evil/*"))),
            github_role("org", sub("StringLike", json!(["repo:o/r:ref:refs/heads/main", "repo:o/*"]))),
            github_role("any-ref", sub("StringLike", json!("repo:o/r:*"))),
            github_role("ref-pinned", {
                let mut c = sub("StringLike", json!("repo:o/r:*"));
                c["StringEquals"]["token.actions.githubusercontent.com:ref"] = json!("refs/heads/main");
                c
            }),
            github_role("main", sub("StringEquals", json!("repo:o/r:ref:refs/heads/main"))),
            github_role("environment", sub("StringLike", json!("repo:o/r:environment:production"))),
        ],
        json!({}),
    );
    let names = |rule: &str| -> Vec<String> {
        report.of_rule(rule).map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(names(OIDC_TRUST_UNPINNED), vec!["no-aud", "other-aud", "star", "if-exists", "negated"]);
    assert_eq!(names(OIDC_TRUST_WILDCARD_REPO), vec!["org"]);
    assert_eq!(names(OIDC_TRUST_ANY_REF), vec!["any-ref"]);
    assert_eq!(tally(&report, OIDC_TRUST_UNPINNED), (5, 10));
    assert_eq!(tally(&report, OIDC_TRUST_WILDCARD_REPO), (6, 7));
    assert_eq!(tally(&report, OIDC_TRUST_ANY_REF), (5, 6));
    // An exact subject without an audience condition is low: STS checks the audience against
    // the provider's client ids anyway.
    for low in ["no-aud", "other-aud"] {
        let f = report.of_rule(OIDC_TRUST_UNPINNED).find(|f| f.resource_arn.ends_with(low)).expect(low);
        assert_eq!(f.severity, Some(Severity::Low), "{low}");
        assert!(f.message.contains("client ids"), "{}", f.message);
    }
    let star = report.of_rule(OIDC_TRUST_UNPINNED).find(|f| f.resource_arn.ends_with("/star")).expect("star");
    assert_eq!(star.severity, None, "critical");
    assert!(report.findings.iter().all(|f| f.actions.is_empty()), "no repository configured, no action");
    let unpinned =
        report.of_rule(OIDC_TRUST_UNPINNED).find(|f| f.resource_arn.ends_with("/if-exists")).expect("if-exists");
    assert!(unpinned.message.contains("StringLikeIfExists"));
    assert_eq!(unpinned.evidence, vec!["/config/trust_policy/Statement/0"]);
}

#[test]
fn github_oidc_worst_statement_and_action() {
    let trust = json!({"Statement": [
        {"Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                        "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}},
        {"Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                       "StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/*"}}}
    ]});
    let report = run(
        vec![role("deploy", json!({"trust_policy": trust}))],
        json!({"github_repository": "o/r", "github_subjects": ["repo:{repository}:ref:refs/heads/main", "repo:{repository}:environment:production"]}),
    );
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = only(&report, OIDC_TRUST_WILDCARD_REPO);
    assert!(f.message.contains("Statement/1"));
    assert_eq!(f.actions[0].kind, "iam.restrict_github_oidc_trust");
    assert_eq!(
        f.actions[0].params,
        json!({"role": "deploy", "audience": "sts.amazonaws.com",
               "subjects": ["repo:o/r:ref:refs/heads/main", "repo:o/r:environment:production"]})
    );
}

fn trust(statement: Value) -> Resource {
    role("r", json!({"trust_policy": {"Version": "2012-10-17", "Statement": [statement]}}))
}

#[test]
fn trust_to_anyone_needs_a_limiting_condition() {
    let cases = [
        (json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}), true),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sts:AssumeRole",
                "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}),
            true,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}}}),
            true,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringLike": {"aws:PrincipalArn": "*"}}}),
            true,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}}}),
            false,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
            false,
        ),
        (json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}), false),
        // "Limited" to any organisation in the world.
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"Null": {"aws:PrincipalOrgID": "false"}}}),
            true,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}),
            true,
        ),
        // A bare external id on "*": whoever learns it is in.
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "bb-7f3e"}}}),
            true,
        ),
        // NotPrincipal allows everyone else.
        (
            json!({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}),
            true,
        ),
        // Concrete organisation paths and accounts do limit the caller.
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3/r-ab12/ou-ab12-11111111/*"}}}),
            false,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": ["210987654321", "123456789012"]}}}),
            false,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3", "sts:ExternalId": "x"}}}),
            false,
        ),
    ];
    for (statement, fails) in cases {
        let report = run(vec![trust(statement.clone())], json!({}));
        assert_eq!(failed(&report, TRUST_ANY_PRINCIPAL).len(), usize::from(fails), "{statement}");
        assert_eq!(tally(&report, TRUST_ANY_PRINCIPAL).1, 1);
    }
}

#[test]
fn cross_account_trust_needs_an_external_id() {
    let vendor = |condition: Value| json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::210987654321:root"]}, "Action": "sts:AssumeRole", "Condition": condition});
    let fails = run(vec![trust(vendor(json!({})))], json!({}));
    let f = only(&fails, TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID);
    assert!(f.message.contains("arn:aws:iam::210987654321:root"));
    let like = run(vec![trust(vendor(json!({"StringLike": {"sts:ExternalId": "*"}})))], json!({}));
    assert_eq!(failed(&like, TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID).len(), 1, "only StringEquals counts");
    let passes = run(vec![trust(vendor(json!({"StringEquals": {"sts:ExternalId": "bb-7f3e"}})))], json!({}));
    assert_eq!(tally(&passes, TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID), (1, 1));
    let trusted = run(vec![trust(vendor(json!({})))], json!({"trusted_accounts": ["210987654321"]}));
    assert_eq!(tally(&trusted, TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID), (0, 0), "not applicable");
    let own = run(
        vec![trust(
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci"}, "Action": "sts:AssumeRole"}),
        )],
        json!({}),
    );
    assert_eq!(tally(&own, TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID), (0, 0));
    let unread = run(vec![unknown(trust(vendor(json!({}))), &["trust_policy"])], json!({}));
    assert!(unread.findings.is_empty() && !unread.tallies.contains_key(TRUST_ANY_PRINCIPAL));
}

// ---------------------------------------------------------------- users, keys, root, password, roles

#[test]
fn users_direct_policies() {
    let report = run(
        vec![
            user(
                "inline",
                json!({"inline_policies": inline(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))}),
            ),
            user("grouped", json!({"groups": ["viewers"]})),
            unknown(user("unread", json!({})), &["inline_policies"]),
        ],
        json!({}),
    );
    let f = only(&report, USER_DIRECT_POLICY);
    assert!(f.resource_arn.ends_with("/inline") && f.message.contains("inline policy p"));
    assert_eq!(tally(&report, USER_DIRECT_POLICY), (1, 2));
}

fn key(id: &str, status: &str, created: &str, used: Option<&str>) -> Value {
    json!({"access_key_id": id, "status": status, "create_date": created, "last_used_date": used})
}

#[test]
fn access_key_age_use_and_count() {
    // The test snapshot is taken at 2026-01-01T00:00:00Z.
    let report = run(
        vec![
            user(
                "exactly-90",
                json!({"access_keys": [key("K1", "Active", "2025-10-03T00:00:00Z", Some("2025-12-31T00:00:00Z"))]}),
            ),
            user(
                "old-busy",
                json!({"access_keys": [key("K2", "Active", "2025-10-02T00:00:00Z", Some("2025-12-31T00:00:00Z"))]}),
            ),
            user(
                "never-used",
                json!({"access_keys": [key("K3", "Active", "2025-12-01T00:00:00Z", None),
                                                       key("K4", "Active", "2025-09-01T00:00:00Z", Some("2025-09-02T00:00:00Z"))]}),
            ),
            user(
                "inactive",
                json!({"access_keys": [key("K5", "Inactive", "2020-01-01T00:00:00Z", None),
                                                     key("K6", "Active", "2025-12-01T00:00:00Z", Some("2025-12-30T00:00:00Z"))]}),
            ),
            unknown(
                user("no-last-used", json!({"access_keys": [key("K7", "Active", "2024-01-01T00:00:00Z", None)]})),
                &["access_keys.last_used"],
            ),
        ],
        json!({}),
    );
    let names = |rule: &str| -> Vec<String> {
        report.of_rule(rule).map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(names(ACCESS_KEY_ROTATION), vec!["old-busy", "never-used", "no-last-used"]);
    assert_eq!(names(ACCESS_KEY_UNUSED), vec!["never-used"]);
    assert_eq!(names(USER_MULTIPLE_ACCESS_KEYS), vec!["never-used"]);
    let unused = only(&report, ACCESS_KEY_UNUSED);
    assert!(unused.message.contains("K4 last used 121 days ago") && !unused.message.contains("K3"));
    assert_eq!(unused.evidence, vec!["/config/access_keys/1/last_used_date"]);
    assert_eq!(tally(&report, ACCESS_KEY_UNUSED), (3, 4), "the unread last-use is not judged");
    assert_eq!(tally(&report, USER_MULTIPLE_ACCESS_KEYS), (4, 5), "inactive keys do not count");
    let strict = run(
        vec![user(
            "u",
            json!({"access_keys": [key("K1", "Active", "2025-12-01T00:00:00Z", Some("2025-12-01T00:00:00Z"))]}),
        )],
        json!({"max_access_key_age_days": 30, "max_access_key_unused_days": 30}),
    );
    assert_eq!(strict.findings.len(), 2, "{:#?}", strict.findings);
}

#[test]
fn console_users_need_mfa() {
    let profile = json!({"create_date": "2025-01-01T00:00:00Z", "password_reset_required": false});
    let report = run(
        vec![
            user("alice", json!({"login_profile": profile})),
            user(
                "bob",
                json!({"login_profile": profile, "mfa_devices": [{"serial_number": "arn:aws:iam::123456789012:mfa/bob"}]}),
            ),
            user("ci-bot", json!({"login_profile": null})),
            unknown(user("carol", json!({"login_profile": profile})), &["mfa_devices"]),
        ],
        json!({}),
    );
    assert!(only(&report, USER_CONSOLE_NO_MFA).resource_arn.ends_with("/alice"));
    assert_eq!(tally(&report, USER_CONSOLE_NO_MFA), (1, 2));
}

fn account(config: Value, unread: &[&str]) -> Resource {
    unknown(resource("iam.account", "arn:aws:iam::123456789012:root", ACCOUNT, json!({}), config), unread)
}

#[test]
fn root_user_mfa_and_keys() {
    let bad = run(vec![account(json!({"root_mfa_enabled": false, "root_access_keys_present": true}), &[])], json!({}));
    assert_eq!(failed(&bad, ROOT_MFA).len(), 1);
    assert_eq!(failed(&bad, ROOT_ACCESS_KEYS).len(), 1);
    let good = run(vec![account(json!({"root_mfa_enabled": true, "root_access_keys_present": false}), &[])], json!({}));
    assert_eq!((tally(&good, ROOT_MFA), tally(&good, ROOT_ACCESS_KEYS)), ((1, 1), (1, 1)));
    let unread = run(vec![account(json!({}), &["summary"])], json!({}));
    assert_eq!((tally(&unread, ROOT_MFA), tally(&unread, ROOT_ACCESS_KEYS)), ((0, 0), (0, 0)));
}

#[test]
fn password_policy_length_and_reuse() {
    let strong = json!({"minimum_password_length": 14, "password_reuse_prevention": 24});
    let report = run(vec![account(json!({"password_policy": strong}), &[])], json!({}));
    assert_eq!(tally(&report, PASSWORD_POLICY), (1, 1));
    let longer = run(vec![account(json!({"password_policy": strong}), &[])], json!({"min_password_length": 16}));
    let f = only(&longer, PASSWORD_POLICY);
    assert!(f.message.contains("minimum length 14 (needs 16)") && f.message.contains("advice"));
    assert_eq!(f.evidence, vec!["/config/password_policy/minimum_password_length"]);
    let none = run(vec![account(json!({"password_policy": null}), &[])], json!({}));
    assert!(only(&none, PASSWORD_POLICY).message.contains("no password policy"));
    let weak_reuse = run(
        vec![account(
            json!({"password_policy": {"minimum_password_length": 20, "password_reuse_prevention": 5,
            "require_symbols": true, "require_numbers": true, "require_uppercase_characters": true, "require_lowercase_characters": true}}),
            &[],
        )],
        json!({}),
    );
    let f = only(&weak_reuse, PASSWORD_POLICY);
    assert!(f.message.contains("remembers 5 passwords") && !f.message.contains("advice"));
    let unread = run(vec![account(json!({"password_policy": null}), &["password_policy"])], json!({}));
    assert_eq!(tally(&unread, PASSWORD_POLICY), (0, 0));
}

#[test]
fn unused_roles() {
    let report = run(
        vec![
            role(
                "stale",
                json!({"create_date": "2024-01-01T00:00:00Z", "last_used": {"date": "2025-09-01T00:00:00Z"}}),
            ),
            role("never", json!({"create_date": "2025-09-01T00:00:00Z", "last_used": null})),
            role("new", json!({"create_date": "2025-12-01T00:00:00Z", "last_used": null})),
            role("busy", json!({"create_date": "2024-01-01T00:00:00Z", "last_used": {"date": "2025-12-31T00:00:00Z"}})),
            role("garbled", json!({"create_date": "2024-01-01T00:00:00Z", "last_used": {"date": "yesterday"}})),
            role(
                "AWSServiceRoleForSupport",
                json!({"path": "/aws-service-role/support.amazonaws.com/", "create_date": "2020-01-01T00:00:00Z"}),
            ),
            unknown(role("unread", json!({"create_date": "2020-01-01T00:00:00Z"})), &["last_used"]),
        ],
        json!({}),
    );
    let names: Vec<&str> =
        report.of_rule(ROLE_UNUSED).map(|f| f.resource_arn.rsplit('/').next().unwrap_or_default()).collect();
    assert_eq!(names, vec!["stale", "never"]);
    assert_eq!(tally(&report, ROLE_UNUSED), (2, 4));
    let lenient = run(
        vec![role(
            "stale",
            json!({"create_date": "2024-01-01T00:00:00Z", "last_used": {"date": "2025-09-01T00:00:00Z"}}),
        )],
        json!({"max_role_unused_days": 365}),
    );
    assert!(lenient.findings.is_empty());
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<Iam>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---------------------------------------------------------------- usage (CloudTrail)

/// The usage fixture's resources, for tests that vary them.
fn usage_fixture() -> Vec<Resource> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/usage-from-cloudtrail/snapshot.json");
    let snapshot = bbscan_policy::model::Snapshot::from_json(&std::fs::read(path).expect("fixture")).expect("snapshot");
    snapshot.resources
}

fn run_snapshot(resources: Vec<Resource>, settings: Value) -> Report {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/usage-from-cloudtrail/snapshot.json");
    let mut snapshot = bbscan_policy::model::Snapshot::from_json(&std::fs::read(path).expect("fixture")).expect("snapshot");
    snapshot.resources = resources;
    bbscan_policy::run::<Iam>(&snapshot, &settings).expect("evaluates")
}

fn worker_finding(report: &Report) -> &Finding {
    report
        .of_rule(UNUSED_PERMISSIONS)
        .find(|f| f.resource_arn.ends_with("/brainbytes-production-WorkerRole"))
        .expect("the worker's unused permissions")
}

#[test]
fn unused_permissions_propose_what_was_used() {
    let report = run_snapshot(usage_fixture(), json!({}));
    let f = worker_finding(&report);
    assert_eq!(f.severity, None, "writes unused: the rule's medium");
    assert!(f.message.contains("used 1 of the"), "{}", f.message);
    // Object actions are data events this trail does not record: s3 is not wholly unused.
    assert!(f.message.contains("Never used: permissions management") && f.message.contains("s3:CreateBucket"), "{}", f.message);
    assert!(f.message.contains("Not judged:"), "{}", f.message);
    assert!(f.message.contains("in the 76 days of CloudTrail logs since 2025-11-01"), "{}", f.message);
    assert!(f.evidence.iter().any(|e| e == "arn:aws:cloudtrail::123456789012:usage#/config/days_covered"), "{:?}", f.evidence);
    assert_eq!(f.actions.len(), 1);
    let a = &f.actions[0];
    assert_eq!(a.kind, "iam.replace_with_least_privilege");
    assert_eq!(a.params["inline_policy"], "jobs");
    // Every other sqs action and s3's management actions dropped; the send kept on the queue
    // it used; S3 object actions, whose use this trail does not record, kept as they were.
    let statements = a.params["document"]["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 2, "{statements:#?}");
    assert_eq!(
        statements[1],
        json!({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:brainbytes-jobs"})
    );
    let kept = statements[0]["Action"].as_array().expect("actions");
    assert_eq!(statements[0]["Resource"], "*");
    assert!(kept.contains(&json!("s3:GetObject")) && kept.contains(&json!("s3:PutObject")));
    assert!(!kept.contains(&json!("s3:PutBucketPolicy")) && !kept.contains(&json!("s3:CreateBucket")));
    assert!(kept.iter().all(|k| k.as_str().is_some_and(|k| k.starts_with("s3:"))));
    // Refused attempts never widen it.
    assert!(!a.params["document"].to_string().contains("PurgeQueue"));
    let d = only(&report, DENIED_ATTEMPTS);
    assert!(d.message.contains("sqs:PurgeQueue ×2"), "{}", d.message);
    assert_eq!(d.severity, None);
}

#[test]
fn reads_alone_unused_are_low_and_unseen_actions_are_not_judged() {
    let mut resources = usage_fixture();
    // The worker may now only read, and sends are data events the trail records.
    for r in &mut resources {
        if let bbscan_policy::model::ResourceConfig::IamRole(role) = &mut r.config
            && r.name == "brainbytes-production-WorkerRole"
        {
            role.inline_policies[0].document = json!({"Statement": [
                {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:ListQueues"], "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
        }
    }
    let report = run_snapshot(resources, json!({}));
    let f = worker_finding(&report);
    assert_eq!(f.severity, Some(Severity::Low), "{}", f.message);
    assert!(f.message.contains("sqs:GetQueueAttributes") && !f.message.contains("s3:GetObject ("), "{}", f.message);
    assert!(f.message.contains("Not judged: 1 allowed actions"), "{}", f.message);
    // The generated document keeps the object read the logs cannot show.
    let doc = f.actions[0].params["document"].to_string();
    assert!(doc.contains("s3:GetObject") && doc.contains("sqs:SendMessage") && !doc.contains("ListQueues"), "{doc}");
}

#[test]
fn too_few_days_of_logs_judge_nothing_unless_asked() {
    let report = run_snapshot(usage_fixture(), json!({"usage_min_days": 90}));
    assert!(report.of_rule(UNUSED_PERMISSIONS).next().is_none());
    assert!(report.of_rule(UNUSED_PRINCIPAL).next().is_none());
    assert_eq!(report.of_rule(DENIED_ATTEMPTS).count(), 1, "refusals are facts, whatever the window");
    // Incomplete logs, judged anyway: the message says so.
    let mut resources = usage_fixture();
    if let bbscan_policy::model::ResourceConfig::CloudTrailUsage(c) = &mut resources[0].config {
        c.missing_days = vec!["2025-12-25".into()];
    }
    let strict = run_snapshot(resources.clone(), json!({}));
    assert!(strict.of_rule(UNUSED_PRINCIPAL).next().is_none());
    let lenient = run_snapshot(resources, json!({"usage_accept_partial": true}));
    let f = only(&lenient, UNUSED_PRINCIPAL);
    assert!(f.message.contains("judged although 1 day(s) have no log file (2025-12-25)"), "{}", f.message);
    assert!(Iam::validate_settings(&json!({"usage_min_days": 0})).is_err());
    assert!(Iam::validate_settings(&json!({"usage_accept_partial": "yes"})).is_err());
}

#[test]
fn an_administrator_attachment_is_replaced_by_what_was_used() {
    let mut resources = usage_fixture();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    resources.push(resource(
        "iam.policy",
        admin,
        "AdministratorAccess",
        json!({}),
        json!({"aws_managed": true, "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}),
    ));
    for r in &mut resources {
        if let bbscan_policy::model::ResourceConfig::IamRole(role) = &mut r.config
            && r.name == "brainbytes-production-TidyRole"
        {
            role.attached_policies =
                vec![bbscan_policy::model::AttachedPolicy { name: "AdministratorAccess".into(), arn: admin.into() }];
        }
    }
    let report = run_snapshot(resources, json!({}));
    let f = report
        .of_rule(ADMIN_POLICY_ATTACHED)
        .find(|f| f.resource_arn.ends_with("TidyRole"))
        .expect("the administrator attachment");
    assert!(f.message.contains("it used 1 action(s) (ssm:GetParameter): the fix puts those in its place"), "{}", f.message);
    assert_eq!(f.actions.len(), 1);
    assert_eq!(f.actions[0].kind, "iam.replace_with_least_privilege");
    assert_eq!(f.actions[0].params["policy_arn"], admin);
    let doc = &f.actions[0].params["document"];
    assert!(doc.to_string().contains("ssm:GetParameter"), "{doc}");
    assert!(!doc.to_string().contains("\"*\",\"Resource\""), "not everything: {doc}");
    // Reported once: not again as unused permissions.
    assert!(report.of_rule(UNUSED_PERMISSIONS).all(|f| !f.resource_arn.ends_with("TidyRole")));
}
