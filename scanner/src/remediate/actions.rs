//! The catalogue's actions: for each, what it changes (worked out from the snapshot when a plan
//! is made), the exact write calls that make the change, and the calls that undo it from the
//! prior state. Every write to AWS bbscan can make is in this module's files.

mod cloudfront;
mod cloudtrail;
mod iam;
mod kms;
mod lambda;
mod logs;
pub mod narrow;
mod s3;
mod ssm;
mod tags;

use super::plan::{Change, Step};
use crate::aws::AwsSetup;
use bbscan_model::Resource;
use serde_json::Value;

/// A planned action: its changes, risks, and the resource as it will be after it.
#[derive(Debug)]
pub struct Prepared {
    pub changes: Vec<Change>,
    pub risks: Vec<String>,
    pub reversible: bool,
    pub after: Resource,
}

/// What an action may consult besides its target: when it is planned, the snapshot's other
/// resources (the usage window, managed policies) and what the user accepted; when apply
/// re-derives a step, the live resources the step reads besides its target.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub others: &'a [Resource],
    /// Plan least-privilege replacements even when the usage logs are incomplete.
    pub accept_partial_usage: bool,
    /// Re-deriving at apply: only what live state can show is checked again.
    pub at_apply: bool,
    /// The least a remediation keeps (retention, old versions).
    pub floors: narrow::Floors,
}

/// The other resources a step reads besides its target (by ARN), for apply to read them live.
pub fn consulted(step: &Step) -> Vec<(&'static str, String)> {
    match (step.action.as_str(), step.params.get("policy_arn").and_then(Value::as_str)) {
        ("iam.replace_with_least_privilege", Some(policy)) => vec![("iam.policy", policy.to_string())],
        _ => Vec::new(),
    }
}

/// Where writes go: clients made on demand from the loaded AWS configuration.
pub struct Writer<'a> {
    pub aws: &'a AwsSetup,
    pub account: String,
    /// The floors re-derived steps are held to (the same as when planning).
    pub floors: narrow::Floors,
}

impl Writer<'_> {
    pub fn config(&self, region: &str) -> aws_types::SdkConfig {
        let region = if region == "global" { self.aws.global_region() } else { region.to_string() };
        self.aws.in_region(&region)
    }
}

/// An error from a write call, with the operation that failed.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct WriteError {
    pub operation: &'static str,
    pub message: String,
}

/// Turn an SDK error into a [`WriteError`] naming the operation and AWS's message.
pub fn write_err<E>(
    operation: &'static str,
) -> impl FnOnce(aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>) -> WriteError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::fmt::Debug,
{
    move |e| {
        let message = match e.as_service_error() {
            Some(service) => {
                format!("{}: {}", service.code().unwrap_or("error"), service.message().unwrap_or("no message"))
            }
            None => format!("{e}"),
        };
        WriteError { operation, message }
    }
}

/// Steps run in this order of kinds (then by target): removals from a policy before additions
/// to it, so that pointers into the original stay valid.
pub fn order(kind: &str) -> u8 {
    match kind {
        "s3.remove_policy_statement" | "lambda.remove_permission" => 0,
        "s3.add_secure_transport_deny" => 2,
        _ => 1,
    }
}

/// The resource as a JSON document (`/config/...`, `/tags`).
pub fn document(r: &Resource) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

/// Refuse to plan a change of a field the snapshot could not read.
fn require_known(r: &Resource, field: &str) -> Result<(), String> {
    if r.is_known(field) {
        Ok(())
    } else {
        Err(format!(
            "{} of {} was not read when the snapshot was taken (see its gap): take a new snapshot with permission to read it",
            field, r.name
        ))
    }
}

/// Set fields (JSON pointers) of a resource; the changes and the resource after them.
fn edit(r: &Resource, edits: Vec<(String, Value)>) -> Result<(Vec<Change>, Resource), String> {
    let mut doc = document(r);
    let mut changes = Vec::new();
    for (field, new) in edits {
        let slot = doc.pointer_mut(&field).ok_or_else(|| format!("{} has no field {field}", r.name))?;
        changes.push(Change { field, current: slot.clone(), new: new.clone() });
        *slot = new;
    }
    let after: Resource =
        serde_json::from_value(doc).map_err(|e| format!("the change does not fit {}: {e}", r.kind()))?;
    Ok((changes, after))
}

fn param<'a>(params: &'a Value, name: &str) -> &'a str {
    params.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Check the action applies to this kind of resource, and that the params name it.
fn expect_target(r: &Resource, kind: &str, name_param: Option<(&Value, &str)>) -> Result<(), String> {
    if r.kind() != kind {
        return Err(format!("applies to {kind}, not to {} {}", r.kind(), r.name));
    }
    if let Some((params, key)) = name_param
        && param(params, key) != r.name
    {
        return Err(format!("parameter {key} is {:?}, but the finding's resource is {}", param(params, key), r.name));
    }
    Ok(())
}

/// Work out a proposed action's changes against `resource` (the state earlier steps leave).
pub fn prepare(kind: &str, resource: &Resource, params: &Value, inputs: Inputs<'_>) -> Result<Prepared, String> {
    narrow::check(kind, resource, params, inputs)?;
    if kind == "iam.replace_with_least_privilege" {
        return iam::prepare_replacement(resource, params, inputs);
    }
    match kind.split('.').next().unwrap_or_default() {
        "s3" => s3::prepare(kind, resource, params),
        "cloudfront" => cloudfront::prepare(kind, resource, params),
        "cloudtrail" => cloudtrail::prepare(kind, resource, params),
        "lambda" => lambda::prepare(kind, resource, params),
        "logs" => logs::prepare(kind, resource, params),
        "tags" => tags::prepare(kind, resource, params),
        "ssm" => ssm::prepare(kind, resource, params),
        "iam" => iam::prepare(kind, resource, params),
        "kms" => kms::prepare(kind, resource, params),
        _ => Err(format!("no implementation of {kind}")),
    }
}

/// The write calls a step makes, for `--dry-run` (one line each: operation and arguments).
pub fn calls(step: &Step) -> Vec<String> {
    let p = &step.params;
    let one = |s: String| vec![s];
    match step.action.as_str() {
        "s3.put_public_access_block" => one(format!(
            "s3:PutPublicAccessBlock Bucket={} BlockPublicAcls=true IgnorePublicAcls=true BlockPublicPolicy=true RestrictPublicBuckets=true",
            param(p, "bucket")
        )),
        "s3.put_account_public_access_block" => one(format!(
            "s3control:PutPublicAccessBlock AccountId={} (all four settings true)",
            step.target.split(':').nth(4).unwrap_or_default()
        )),
        "s3.put_default_encryption" => one(format!(
            "s3:PutBucketEncryption Bucket={} SSEAlgorithm={}",
            param(p, "bucket"),
            param(p, "sse_algorithm")
        )),
        "s3.enable_versioning" => one(format!("s3:PutBucketVersioning Bucket={} Status=Enabled", param(p, "bucket"))),
        "s3.put_noncurrent_version_expiration" | "s3.add_secure_transport_deny" | "s3.remove_policy_statement" => {
            let op = if step.action.ends_with("expiration") {
                "s3:PutBucketLifecycleConfiguration"
            } else {
                "s3:PutBucketPolicy (or DeleteBucketPolicy when no statement is left)"
            };
            one(format!("{op} Bucket={} with the value planned for {}", param(p, "bucket"), step.changes[0].field))
        }
        "cloudfront.set_viewer_protocol_policy" | "cloudfront.set_minimum_protocol_version" => vec![
            format!("cloudfront:GetDistributionConfig Id={}", param(p, "distribution_id")),
            format!(
                "cloudfront:UpdateDistribution Id={} IfMatch=<ETag> with the planned fields",
                param(p, "distribution_id")
            ),
        ],
        "cloudtrail.enable_log_file_validation" => {
            one(format!("cloudtrail:UpdateTrail Name={} EnableLogFileValidation=true", param(p, "trail")))
        }
        "cloudtrail.enable_multi_region" => {
            one(format!("cloudtrail:UpdateTrail Name={} IsMultiRegionTrail=true", param(p, "trail")))
        }
        "cloudtrail.start_logging" => one(format!("cloudtrail:StartLogging Name={}", param(p, "trail"))),
        "lambda.remove_permission" => one(format!(
            "lambda:RemovePermission FunctionName={} StatementId={}",
            param(p, "function"),
            param(p, "statement_id")
        )),
        "lambda.set_function_url_auth_type" => {
            one(format!("lambda:UpdateFunctionUrlConfig FunctionName={} AuthType=AWS_IAM", param(p, "function")))
        }
        "lambda.put_reserved_concurrency" => one(format!(
            "lambda:PutFunctionConcurrency FunctionName={} ReservedConcurrentExecutions={}",
            param(p, "function"),
            p["reserved_concurrency"]
        )),
        "logs.put_retention_policy" => one(format!(
            "logs:PutRetentionPolicy LogGroupName={} RetentionInDays={}",
            param(p, "log_group"),
            p["retention_in_days"]
        )),
        "tags.add_tags" => one(format!("tag {} {} with {}", step.kind, step.name, p["tags"])),
        "ssm.convert_to_secure_string" => vec![
            format!("ssm:GetParameter Name={} (the value stays in memory, never written anywhere)", param(p, "name")),
            format!("ssm:PutParameter Name={} Type=SecureString Overwrite=true Value=<the value>", param(p, "name")),
        ],
        "iam.restrict_github_oidc_trust" => one(format!(
            "iam:UpdateAssumeRolePolicy RoleName={} PolicyDocument=<planned trust policy>",
            param(p, "role")
        )),
        "iam.detach_policy" => one(format!(
            "iam:Detach{{User,Group,Role}}Policy {} PolicyArn={}",
            param(p, "principal_arn"),
            param(p, "policy_arn")
        )),
        "iam.replace_with_least_privilege" => {
            let (kind, name) = iam::principal_of(param(p, "principal_arn"));
            let put = if kind == "user" { "iam:PutUserPolicy UserName" } else { "iam:PutRolePolicy RoleName" };
            match p.get("policy_arn").and_then(Value::as_str) {
                Some(policy) => vec![
                    format!("{put}={name} PolicyName={} PolicyDocument=<the generated document>", iam::inline_name_for(policy)),
                    format!(
                        "iam:Detach{}Policy {}={name} PolicyArn={policy}",
                        if kind == "user" { "User" } else { "Role" },
                        if kind == "user" { "UserName" } else { "RoleName" }
                    ),
                ],
                None => one(format!(
                    "{put}={name} PolicyName={} PolicyDocument=<the generated document>",
                    param(p, "inline_policy")
                )),
            }
        }
        "kms.enable_key_rotation" => one(format!("kms:EnableKeyRotation KeyId={}", param(p, "key_id"))),
        other => one(format!("{other} (no description)")),
    }
}

/// Make the step's change. `before` is the live resource document read just before.
pub async fn write(w: &Writer<'_>, step: &Step, before: &Value) -> Result<(), WriteError> {
    match step.action.split('.').next().unwrap_or_default() {
        "s3" => s3::write(w, step, before).await,
        "cloudfront" => cloudfront::write(w, step, before).await,
        "cloudtrail" => cloudtrail::write(w, step, before).await,
        "lambda" => lambda::write(w, step, before).await,
        "logs" => logs::write(w, step, before).await,
        "tags" => tags::write(w, step, before).await,
        "ssm" => ssm::write(w, step, before).await,
        "iam" => iam::write(w, step, before).await,
        "kms" => kms::write(w, step, before).await,
        _ => Err(WriteError { operation: "apply", message: format!("no implementation of {}", step.action) }),
    }
}

/// Undo the step: put back the fields it changed as `prior` (the resource document read
/// before it was applied) had them.
pub async fn restore(w: &Writer<'_>, step: &Step, prior: &Value) -> Result<(), WriteError> {
    match step.action.split('.').next().unwrap_or_default() {
        "s3" => s3::restore(w, step, prior).await,
        "cloudfront" => cloudfront::restore(w, step, prior).await,
        "cloudtrail" => cloudtrail::restore(w, step, prior).await,
        "lambda" => lambda::restore(w, step, prior).await,
        "logs" => logs::restore(w, step, prior).await,
        "tags" => tags::restore(w, step, prior).await,
        "ssm" => ssm::restore(w, step, prior).await,
        "iam" => iam::restore(w, step, prior).await,
        "kms" => kms::restore(w, step, prior).await,
        _ => Err(WriteError { operation: "rollback", message: format!("no implementation of {}", step.action) }),
    }
}

/// A step whose undo is not possible.
fn not_reversible(step: &Step) -> WriteError {
    WriteError { operation: "rollback", message: format!("{} cannot be undone", step.action) }
}
