//! Built-in policy: Lambda functions (function URLs, resource policies, environment secrets,
//! runtimes).
//!
//! Settings (`[policies.bbscan-lambda]`):
//! - `deprecated_runtimes` (list of strings): runtime identifiers `LAMBDA.DEPRECATED_RUNTIME`
//!   fails. Replaces the default list, [`DEFAULT_DEPRECATED_RUNTIMES`]: the runtimes AWS Lambda
//!   has deprecated or deprecates in 2026 (Node.js 18 and older, Python 3.9 and older, Java 8 on
//!   Amazon Linux 1, .NET 7 and older, Ruby 3.2 and older, go1.x, provided on Amazon Linux 1).

use bbscan_policy::frameworks::{FSBP, SOC2};
use bbscan_policy::iam::{self, Condition, Effect, Statement};
use bbscan_policy::model::{EnvValueClass, FunctionUrl, LambdaFunction, ResourceConfig};
use bbscan_policy::{Context, Policy, PolicyInfo, Report, Resource, Severity, Value, json, rule, settings};

mod not_flagged;

pub const FUNCTION_URL_AUTH_NONE: &str = "LAMBDA.FUNCTION_URL_AUTH_NONE";
pub const FUNCTION_URL_CORS_WILDCARD: &str = "LAMBDA.FUNCTION_URL_CORS_WILDCARD";
pub const RESOURCE_POLICY_PUBLIC: &str = "LAMBDA.RESOURCE_POLICY_PUBLIC";
pub const ENV_PLAINTEXT_SECRET: &str = "LAMBDA.ENV_PLAINTEXT_SECRET";
pub const DEPRECATED_RUNTIME: &str = "LAMBDA.DEPRECATED_RUNTIME";

const FUNCTION: &str = "lambda.function";

/// Runtime identifiers AWS Lambda has deprecated (or deprecates during 2026).
pub const DEFAULT_DEPRECATED_RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "java8",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet5.0",
    "dotnet6",
    "dotnet7",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "go1.x",
    "provided",
];

const SETTING_KEYS: &[&str] = &["deprecated_runtimes"];

/// Condition keys that narrow a statement granted to `*` to known callers.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
];

const URL_AUTH_KEY: &str = "lambda:FunctionUrlAuthType";

fn deprecated_runtimes(value: &Value) -> Result<Vec<String>, String> {
    settings::only_keys(value, SETTING_KEYS)?;
    settings::strings(value, "deprecated_runtimes", DEFAULT_DEPRECATED_RUNTIMES)
}

pub struct Lambda;

impl Policy for Lambda {
    fn info() -> PolicyInfo {
        let info = {
            PolicyInfo {
                name: "bbscan-lambda".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                rules: vec![
                    rule(
                        FUNCTION_URL_AUTH_NONE,
                        "Function URLs require IAM authentication",
                        "A function URL with auth type NONE can be invoked by anyone on the internet who finds \
                     the *.lambda-url.*.on.aws address, bypassing CloudFront and with it the WAF, HTTPS \
                     redirects and security headers. Behind CloudFront, use AWS_IAM with an origin access \
                     control.",
                        Severity::High,
                        &[FUNCTION],
                        &[(SOC2, "CC6.1"), (SOC2, "CC6.6")],
                        "Set the function URL's auth type to AWS_IAM and let CloudFront sign requests with an \
                     origin access control of type lambda.",
                        "Set the function URL's `AuthType` to `AWS_IAM` and give the CloudFront origin an **origin \
                     access control** of type `lambda`, with a permission for `cloudfront.amazonaws.com` scoped \
                     by `AWS:SourceArn` to the distribution.",
                        "aws lambda update-function-url-config --function-name FUNCTION --auth-type AWS_IAM",
                    ),
                    rule(
                        FUNCTION_URL_CORS_WILDCARD,
                        "Function URL CORS names the allowed origins",
                        "A function URL whose CORS configuration allows origin * lets scripts on any web site call \
                     it from a visitor's browser and read the responses, whatever its auth type.",
                        Severity::Low,
                        &[FUNCTION],
                        &[],
                        "List the site's own origins in the function URL's CORS AllowOrigins instead of *.",
                        "Replace `*` in the function URL's CORS `AllowOrigins` with the site's own origins \
                     (`https://example.com`), or remove CORS when only CloudFront calls the URL.",
                        "aws lambda update-function-url-config --function-name FUNCTION --cors \
                     'AllowOrigins=https://example.com'",
                    ),
                    rule(
                        RESOURCE_POLICY_PUBLIC,
                        "Lambda resource policies do not grant everyone",
                        "A resource-policy statement that allows principal * without an AWS:SourceArn, \
                     AWS:SourceAccount, aws:PrincipalOrgID or lambda:FunctionUrlAuthType = AWS_IAM condition lets \
                     any AWS account, or with FunctionUrlAuthType NONE anyone, invoke the function. The public \
                     URL configuration itself is LAMBDA.FUNCTION_URL_AUTH_NONE's finding; this rule reports \
                     the permission statement.",
                        Severity::High,
                        &[FUNCTION],
                        &[(FSBP, "Lambda.1"), (SOC2, "CC6.1")],
                        "Remove the statement, or scope it to the calling service with AWS:SourceArn and \
                     AWS:SourceAccount.",
                        "Remove the public statement (`aws lambda remove-permission`) or re-add it for a named \
                     principal and with `--source-arn` / `--source-account`.",
                        "aws lambda remove-permission --function-name FUNCTION --statement-id SID",
                    ),
                    rule(
                        ENV_PLAINTEXT_SECRET,
                        "Secrets are not kept in Lambda environment variables",
                        "A credential in an environment variable is readable by anyone with \
                     lambda:GetFunctionConfiguration, is copied into every published version and deployment \
                     artefact, and cannot be rotated without a redeploy. BrainBytes keeps its secrets in \
                     Parameter Store.",
                        Severity::High,
                        &[FUNCTION],
                        &[(SOC2, "CC6.1")],
                        "Move each secret into an SSM Parameter Store SecureString and read it at start-up; keep \
                     only the parameter name in the environment.",
                        "Move each secret into an SSM Parameter Store **SecureString** (or an SST `Secret`) and read \
                     it at start-up; the environment keeps only the parameter name.",
                        "aws ssm put-parameter --name /APP/STAGE/NAME --type SecureString --value VALUE; then remove \
                     the variable with aws lambda update-function-configuration --environment ... and rotate \
                     the exposed credential.",
                    ),
                    rule(
                        DEPRECATED_RUNTIME,
                        "Functions run on a supported runtime",
                        "A deprecated runtime no longer receives security patches, and AWS blocks creating and \
                     then updating functions on it, so an urgent fix cannot be deployed without a runtime \
                     migration first.",
                        Severity::Medium,
                        &[FUNCTION],
                        &[(FSBP, "Lambda.2"), (SOC2, "CC7.1")],
                        "Move the function to a supported runtime (for Node.js, nodejs22.x or later).",
                        "Move the function to a **supported runtime** (`nodejs22.x`, `python3.13`, …), test, and \
                     redeploy.",
                        "aws lambda update-function-configuration --function-name FUNCTION --runtime nodejs22.x \
                     (after testing the code on that runtime)",
                    ),
                ],
            }
        };
        PolicyInfo { rules: bbscan_policy::with_not_flagged(info.rules, not_flagged::NOT_FLAGGED), ..info }
    }

    fn validate_settings(settings: &Value) -> Result<(), String> {
        deprecated_runtimes(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context<'_>, resources: &[Resource], report: &mut Report) -> Result<(), String> {
        let deprecated = deprecated_runtimes(ctx.settings)?;
        for r in resources {
            let ResourceConfig::LambdaFunction(f) = &r.config else { continue };
            if r.is_known("url")
                && let Some(url) = &f.url
            {
                url_auth(r, url, report);
                url_cors(r, url, report);
            }
            if r.is_known("policy") {
                resource_policy(r, f, report);
            }
            if r.is_known("environment") {
                environment(r, f, report);
            }
            if r.is_known("runtime") {
                runtime(r, f, &deprecated, report);
            }
        }
        Ok(())
    }
}

bbscan_policy::export_policy!(Lambda);

fn url_auth(r: &Resource, url: &FunctionUrl, report: &mut Report) {
    if !url.auth_type.eq_ignore_ascii_case("NONE") {
        report.pass(FUNCTION_URL_AUTH_NONE);
        return;
    }
    report
        .fail(
            FUNCTION_URL_AUTH_NONE,
            r,
            format!("function {} has a public function URL (auth type NONE): {}", r.name, url.url),
        )
        .evidence("/config/url/auth_type")
        .action("lambda.set_function_url_auth_type", 1, json!({ "function": r.name, "auth_type": "AWS_IAM" }));
}

/// The allowed origins of a CORS configuration, as the collector writes it (`allow_origins`) or
/// as the API spells it (`AllowOrigins`).
fn allow_origins(cors: &Value) -> (Vec<&str>, &'static str) {
    for key in ["allow_origins", "AllowOrigins"] {
        if let Some(Value::Array(items)) = cors.get(key) {
            return (items.iter().filter_map(Value::as_str).collect(), key);
        }
    }
    (Vec::new(), "allow_origins")
}

fn url_cors(r: &Resource, url: &FunctionUrl, report: &mut Report) {
    let Some(cors) = &url.cors else {
        report.pass(FUNCTION_URL_CORS_WILDCARD);
        return;
    };
    let (origins, key) = allow_origins(cors);
    if !origins.iter().any(|o| o.trim() == "*") {
        report.pass(FUNCTION_URL_CORS_WILDCARD);
        return;
    }
    let credentials = cors.get("allow_credentials").or_else(|| cors.get("AllowCredentials")).and_then(Value::as_bool);
    let note = if credentials == Some(true) { " with credentials allowed" } else { "" };
    report
        .fail(
            FUNCTION_URL_CORS_WILDCARD,
            r,
            format!("function {}'s URL allows CORS requests from any origin (*){note}", r.name),
        )
        .evidence(&format!("/config/url/cors/{key}"));
}

/// A condition that really narrows who matches: not negated, not `IfExists`, not `Null`, and
/// with a value that is not a bare wildcard.
fn restricts(c: &Condition) -> bool {
    let op = c.base_operator();
    !c.if_exists() && !op.contains("Not") && op != "Null" && !c.values.is_empty() && c.values.iter().all(|v| v != "*")
}

/// The function URL auth types a statement is limited to: from a `lambda:FunctionUrlAuthType`
/// condition, or from the statement's own `FunctionUrlAuthType` key (how moto, the fake AWS,
/// stores `AddPermission --function-url-auth-type`).
fn url_auth_types(s: &Statement, raw: Option<&Value>) -> Vec<String> {
    let mut types: Vec<String> = s
        .conditions_on(URL_AUTH_KEY)
        .filter(|c| restricts(c))
        .flat_map(|c| c.values.iter().map(|v| v.to_ascii_uppercase()))
        .collect();
    if let Some(t) = raw.and_then(|s| s.get("FunctionUrlAuthType")).and_then(Value::as_str) {
        types.push(t.to_ascii_uppercase());
    }
    types
}

/// Why a statement granted to `*` is public, or `None` when a condition restricts it.
fn public_reason(s: &Statement, raw: Option<&Value>) -> Option<&'static str> {
    if RESTRICTING_KEYS.iter().any(|k| s.conditions_on(k).any(restricts)) {
        return None;
    }
    let auth = url_auth_types(s, raw);
    if auth.iter().any(|t| t == "NONE") {
        return Some("anyone on the internet through the function URL (FunctionUrlAuthType NONE)");
    }
    if !auth.is_empty() && auth.iter().all(|t| t == "AWS_IAM") {
        return None;
    }
    Some("any AWS account")
}

fn resource_policy(r: &Resource, f: &LambdaFunction, report: &mut Report) {
    let document = match &f.policy {
        None => {
            report.pass(RESOURCE_POLICY_PUBLIC);
            return;
        }
        // A policy the collector could not decode: nothing to judge.
        Some(Value::String(_)) => return,
        Some(d) => d,
    };
    let statements = iam::statements(document);
    let mut bad = Vec::new();
    for s in statements.iter().filter(|s| s.effect == Effect::Allow && s.grants_anyone()) {
        let raw = document.pointer(&s.pointer);
        if let Some(reason) = public_reason(s, raw) {
            bad.push((s, reason));
        }
    }
    if bad.is_empty() {
        report.pass(RESOURCE_POLICY_PUBLIC);
        return;
    }
    let described: Vec<String> = bad
        .iter()
        .map(|(s, reason)| {
            let actions = if s.actions.is_empty() { "NotAction".to_string() } else { s.actions.join(", ") };
            let sid = s.sid.as_deref().map(|sid| format!(" ({sid})")).unwrap_or_default();
            format!("statement {}{sid} allows {actions} to principal * for {reason}", s.pointer)
        })
        .collect();
    let finding = report.fail(
        RESOURCE_POLICY_PUBLIC,
        r,
        format!("function {}'s resource policy is public: {}", r.name, described.join("; ")),
    );
    for (s, _) in &bad {
        finding.evidence(&format!("/config/policy{}", s.pointer));
    }
    for (s, _) in &bad {
        if let Some(sid) = s.sid.as_deref().filter(|sid| !sid.is_empty()) {
            finding.action("lambda.remove_permission", 1, json!({ "function": r.name, "statement_id": sid }));
        }
    }
}

fn environment(r: &Resource, f: &LambdaFunction, report: &mut Report) {
    let secrets: Vec<(usize, String)> = f
        .environment
        .iter()
        .enumerate()
        .filter(|(_, v)| v.classification == EnvValueClass::Secret)
        .map(|(i, v)| (i, format!("{} ({})", v.name, v.reason)))
        .collect();
    if secrets.is_empty() {
        report.pass(ENV_PLAINTEXT_SECRET);
        return;
    }
    let names: Vec<&str> = secrets.iter().map(|(_, s)| s.as_str()).collect();
    let finding = report.fail(
        ENV_PLAINTEXT_SECRET,
        r,
        format!("function {} keeps secrets in plaintext environment variables: {}", r.name, names.join(", ")),
    );
    for (i, _) in &secrets {
        finding.evidence(&format!("/config/environment/{i}"));
    }
}

fn runtime(r: &Resource, f: &LambdaFunction, deprecated: &[String], report: &mut Report) {
    // Container images carry their own runtime: nothing to judge here.
    let Some(runtime) = f.runtime.as_deref().filter(|rt| !rt.is_empty()) else { return };
    if !deprecated.iter().any(|d| d.eq_ignore_ascii_case(runtime)) {
        report.pass(DEPRECATED_RUNTIME);
        return;
    }
    report
        .fail(DEPRECATED_RUNTIME, r, format!("function {} runs on the deprecated runtime {runtime}", r.name))
        .evidence("/config/runtime");
}

#[cfg(test)]
mod tests;
