use super::*;
use bbscan_policy::model::EnvVar;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:brainbytes-dev-ServerFunction";
const DIST: &str = "arn:aws:cloudfront::123456789012:distribution/E1";

fn function(f: LambdaFunction) -> Resource {
    bbscan_policy::testing::resource(
        ARN,
        "brainbytes-dev-ServerFunction",
        "us-east-1",
        ResourceConfig::LambdaFunction(Box::new(f)),
    )
}

fn url(auth: &str, cors: Option<Value>) -> Option<FunctionUrl> {
    Some(FunctionUrl {
        url: "https://abc.lambda-url.us-east-1.on.aws/".into(),
        auth_type: auth.into(),
        cors,
        invoke_mode: Some("BUFFERED".into()),
    })
}

fn env(name: &str, class: EnvValueClass, reason: &str) -> EnvVar {
    EnvVar { name: name.into(), classification: class, reason: reason.into() }
}

fn policy(statements: Value) -> Option<Value> {
    Some(json!({"Version": "2012-10-17", "Id": "default", "Statement": statements}))
}

fn run(resources: Vec<Resource>, settings: Value) -> Result<Report, String> {
    bbscan_policy::run::<Lambda>(&bbscan_policy::testing::snapshot(resources), &settings)
}

fn evaluate(f: LambdaFunction) -> Report {
    run(vec![function(f)], json!({})).expect("evaluates")
}

fn of<'a>(report: &'a Report, rule: &'a str) -> Vec<&'a bbscan_policy::Finding> {
    report.of_rule(rule).collect()
}

fn passed(report: &Report, rule: &str) -> u32 {
    report.tallies.get(rule).map_or(0, |t| t.passed)
}

fn evaluated(report: &Report, rule: &str) -> u32 {
    report.tallies.get(rule).map_or(0, |t| t.evaluated)
}

#[test]
fn the_production_server_function_passes_everything() {
    let f = LambdaFunction {
        runtime: Some("nodejs20.x".into()),
        environment: vec![
            env("DATABASE_URL_PARAM", EnvValueClass::Reference, "secret-store-reference"),
            env("NODE_ENV", EnvValueClass::Plain, "no-secret-pattern"),
        ],
        policy: policy(json!([{
            "Sid": "AllowCloudFrontInvokeFunctionUrl", "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "lambda:InvokeFunctionUrl",
            "Resource": ARN, "Condition": {"ArnLike": {"AWS:SourceArn": DIST}}
        }])),
        url: url("AWS_IAM", None),
        ..Default::default()
    };
    let report = evaluate(f);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    for rule in [
        FUNCTION_URL_AUTH_NONE,
        FUNCTION_URL_CORS_WILDCARD,
        RESOURCE_POLICY_PUBLIC,
        ENV_PLAINTEXT_SECRET,
        DEPRECATED_RUNTIME,
    ] {
        assert_eq!(passed(&report, rule), 1, "{rule}");
    }
}

#[test]
fn a_public_function_url_fails_with_the_auth_type_action() {
    let report = evaluate(LambdaFunction { url: url("NONE", None), ..Default::default() });
    let found = of(&report, FUNCTION_URL_AUTH_NONE);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("auth type NONE") && found[0].message.contains("lambda-url"));
    assert_eq!(found[0].evidence, vec!["/config/url/auth_type"]);
    assert_eq!(found[0].actions[0].kind, "lambda.set_function_url_auth_type");
    assert_eq!(
        found[0].actions[0].params,
        json!({"function": "brainbytes-dev-ServerFunction", "auth_type": "AWS_IAM"})
    );
}

#[test]
fn functions_without_a_url_or_with_an_unread_url_are_not_evaluated_for_url_rules() {
    let report = evaluate(LambdaFunction::default());
    assert_eq!(evaluated(&report, FUNCTION_URL_AUTH_NONE), 0);
    assert_eq!(evaluated(&report, FUNCTION_URL_CORS_WILDCARD), 0);
    let mut r =
        function(LambdaFunction { url: url("NONE", Some(json!({"allow_origins": ["*"]}))), ..Default::default() });
    r.unknown = vec!["url".into()];
    let report = run(vec![r], json!({})).unwrap();
    assert!(of(&report, FUNCTION_URL_AUTH_NONE).is_empty() && of(&report, FUNCTION_URL_CORS_WILDCARD).is_empty());
}

#[test]
fn cors_wildcard_fails_named_origins_pass() {
    let collected = json!({"allow_credentials": false, "allow_headers": ["*"], "allow_methods": ["*"],
        "allow_origins": ["*"], "expose_headers": [], "max_age": 86400});
    let report = evaluate(LambdaFunction { url: url("AWS_IAM", Some(collected)), ..Default::default() });
    let found = of(&report, FUNCTION_URL_CORS_WILDCARD);
    assert_eq!(found.len(), 1, "even with AWS_IAM auth");
    assert_eq!(found[0].evidence, vec!["/config/url/cors/allow_origins"]);
    let api_shape = json!({"AllowOrigins": ["*"], "AllowCredentials": true});
    let report = evaluate(LambdaFunction { url: url("NONE", Some(api_shape)), ..Default::default() });
    assert!(of(&report, FUNCTION_URL_CORS_WILDCARD)[0].message.contains("credentials"));
    let named = json!({"allow_origins": ["https://brainbytes.example.com"], "allow_methods": ["*"]});
    let report = evaluate(LambdaFunction { url: url("NONE", Some(named)), ..Default::default() });
    assert_eq!(passed(&report, FUNCTION_URL_CORS_WILDCARD), 1);
}

#[test]
fn a_public_url_permission_fails_in_the_aws_and_the_moto_shape() {
    let aws = json!([{"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl", "Resource": ARN,
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}]);
    let moto = json!([{"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl", "Resource": ARN, "FunctionUrlAuthType": "NONE"}]);
    for statements in [aws, moto] {
        let report = evaluate(LambdaFunction { policy: policy(statements), ..Default::default() });
        let found = of(&report, RESOURCE_POLICY_PUBLIC);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("FunctionURLAllowPublicAccess") && found[0].message.contains("internet"));
        assert_eq!(found[0].evidence, vec!["/config/policy/Statement/0"]);
        assert_eq!(
            found[0].actions[0].params,
            json!({"function": "brainbytes-dev-ServerFunction", "statement_id": "FunctionURLAllowPublicAccess"})
        );
    }
}

#[test]
fn restricting_conditions_make_a_star_grant_private() {
    let cases = [
        json!({"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}}),
        json!({"StringEquals": {"aws:SourceAccount": "123456789012"}}),
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        json!({"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}),
    ];
    for condition in cases {
        let statements = json!([{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": "lambda:InvokeFunction", "Resource": ARN, "Condition": condition}]);
        let report = evaluate(LambdaFunction { policy: policy(statements), ..Default::default() });
        assert!(of(&report, RESOURCE_POLICY_PUBLIC).is_empty(), "{condition}");
        assert_eq!(passed(&report, RESOURCE_POLICY_PUBLIC), 1);
    }
}

#[test]
fn weak_conditions_do_not_restrict() {
    let cases = [
        json!(null),
        json!({"StringLike": {"AWS:SourceArn": "*"}}),
        json!({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}),
        json!({"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}),
    ];
    for condition in cases {
        let mut statement =
            json!({"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": ARN});
        if !condition.is_null() {
            statement["Condition"] = condition.clone();
        }
        let report = evaluate(LambdaFunction { policy: policy(json!([statement])), ..Default::default() });
        let found = of(&report, RESOURCE_POLICY_PUBLIC);
        assert_eq!(found.len(), 1, "{condition}");
        assert!(found[0].message.contains("any AWS account"));
        assert!(found[0].actions.is_empty(), "no Sid, no remove_permission action");
    }
}

#[test]
fn deny_statements_service_principals_and_unread_policies_are_not_public() {
    let statements = json!([
        {"Effect": "Deny", "Principal": "*", "Action": "lambda:*", "Resource": ARN},
        {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": ARN}
    ]);
    let report = evaluate(LambdaFunction { policy: policy(statements), ..Default::default() });
    assert_eq!(passed(&report, RESOURCE_POLICY_PUBLIC), 1);
    let report = evaluate(LambdaFunction::default());
    assert_eq!(passed(&report, RESOURCE_POLICY_PUBLIC), 1, "no resource policy: nothing is granted");
    let mut r = function(LambdaFunction::default());
    r.unknown = vec!["policy".into()];
    let report = run(vec![r], json!({})).unwrap();
    assert_eq!(evaluated(&report, RESOURCE_POLICY_PUBLIC), 0);
    let report = evaluate(LambdaFunction { policy: Some(json!("{not json")), ..Default::default() });
    assert_eq!(evaluated(&report, RESOURCE_POLICY_PUBLIC), 0);
}

#[test]
fn secret_environment_variables_are_named_with_their_reasons() {
    let f = LambdaFunction {
        environment: vec![
            env("BETTER_AUTH_SECRET", EnvValueClass::Secret, "secret-name"),
            env("NODE_ENV", EnvValueClass::Plain, "no-secret-pattern"),
            env("OPENAI_API_KEY", EnvValueClass::Secret, "openai-style-key"),
        ],
        ..Default::default()
    };
    let report = evaluate(f);
    let found = of(&report, ENV_PLAINTEXT_SECRET);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("BETTER_AUTH_SECRET (secret-name)"));
    assert!(found[0].message.contains("OPENAI_API_KEY (openai-style-key)"));
    assert!(!found[0].message.contains("NODE_ENV"));
    assert_eq!(found[0].evidence, vec!["/config/environment/0", "/config/environment/2"]);
}

#[test]
fn deprecated_runtimes_fail_and_the_list_is_a_setting() {
    let f = |rt: Option<&str>| LambdaFunction { runtime: rt.map(str::to_string), ..Default::default() };
    let report = evaluate(f(Some("nodejs16.x")));
    assert_eq!(of(&report, DEPRECATED_RUNTIME).len(), 1);
    assert!(of(&report, DEPRECATED_RUNTIME)[0].message.contains("nodejs16.x"));
    for ok in ["nodejs20.x", "nodejs22.x", "java8.al2", "python3.12", "provided.al2023"] {
        assert_eq!(passed(&evaluate(f(Some(ok))), DEPRECATED_RUNTIME), 1, "{ok}");
    }
    for old in ["java8", "go1.x", "provided", "python3.9", "dotnet6"] {
        assert_eq!(of(&evaluate(f(Some(old))), DEPRECATED_RUNTIME).len(), 1, "{old}");
    }
    assert_eq!(evaluated(&evaluate(f(None)), DEPRECATED_RUNTIME), 0, "container images are not judged");
    let report = run(vec![function(f(Some("nodejs20.x")))], json!({"deprecated_runtimes": ["nodejs20.x"]})).unwrap();
    assert_eq!(of(&report, DEPRECATED_RUNTIME).len(), 1);
}

#[test]
fn settings_are_checked() {
    assert!(Lambda::validate_settings(&json!({})).is_ok());
    assert!(Lambda::validate_settings(&json!({"deprecated_runtimes": ["nodejs18.x"]})).is_ok());
    assert!(Lambda::validate_settings(&json!({"deprecated_runtimes": "nodejs18.x"})).is_err());
    let err = Lambda::validate_settings(&json!({"deprecated_runtime": []})).unwrap_err();
    assert!(err.contains("deprecated_runtime"), "{err}");
}

#[test]
fn fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let problems = bbscan_policy::testing::check_fixtures::<Lambda>(&dir);
    assert!(problems.is_empty(), "{problems:#?}");
}
