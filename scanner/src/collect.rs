//! Collection: read the account through the AWS APIs into a [`Snapshot`].
//!
//! Read-only by construction: every call goes through [`api::Api::call`] with an [`api::Op`],
//! and every `Op` is a `Get`, `List` or `Describe` action (a unit test holds that line).
//! Failures become gaps; collection goes on.

mod acm;
pub mod api;
mod backup;
mod cloudfront;
mod cloudtrail;
mod cloudwatch;
mod convert;
mod env_values;
mod iam;
mod kms;
mod lambda;
mod logs;
mod organizations;
mod s3;
mod ssm;
pub mod trail_logs;
pub mod usage;

pub(crate) use convert::now_rfc3339;
pub use env_values::classify_env_value;

use crate::aws::AwsSetup;
use crate::scope::{Scope, ScopeError};
use api::{Api, Op, Read, Target};
use bbscan_model::{Metadata, Resource, ResourceConfig, SCHEMA_VERSION, Snapshot};
use std::time::Instant;

/// What to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub app: String,
    pub stage: Option<String>,
    /// Most AWS calls in flight at once.
    pub concurrency: usize,
    /// What principals did, from CloudTrail log files.
    pub usage: usage::UsageOptions,
    /// The credentials must belong to this account (`[stages.NAME] account`, or the account
    /// `--organization` assumed a role in), checked before any other call.
    pub expected_account: Option<ExpectedAccount>,
    /// A bound on calls in flight shared with other accounts' collections (`--organization`).
    pub global_permits: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "could not establish who the AWS credentials belong to (sts:GetCallerIdentity failed: {message}). \
         Check that credentials are configured: run `aws sts get-caller-identity`, pass --profile, \
         or log in with `aws sso login`"
    )]
    Identity { message: String },
    #[error(
        "the AWS credentials belong to account {actual} ({caller}), not account {}: nothing was read. {}",
        expected.account, expected.hint
    )]
    WrongAccount { expected: ExpectedAccount, actual: String, caller: String },
    #[error(transparent)]
    Scope(#[from] ScopeError),
}

/// The account a collection must land in, and what to tell the user when it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedAccount {
    pub account: String,
    /// Why that account, and what to do (one sentence or two).
    pub hint: String,
}

/// Something that wants to hear how collection is going (a terminal progress display).
pub trait Progress: Sync {
    fn service_done(&self, service: &str, region: &str, resources: usize, seconds: f64);
}

/// Shared state of one collection run.
pub(crate) struct Ctx<'a> {
    pub api: Api,
    pub aws: &'a AwsSetup,
    pub account: String,
    pub partition: String,
    pub scope: Scope,
    progress: &'a dyn Progress,
}

impl Ctx<'_> {
    /// A new resource owned by this account.
    pub fn resource(
        &self,
        arn: String,
        name: String,
        region: &str,
        tags: std::collections::BTreeMap<String, String>,
        config: ResourceConfig,
    ) -> Resource {
        Resource {
            arn,
            name,
            account: self.account.clone(),
            region: region.to_string(),
            tags,
            unknown: Vec::new(),
            config,
        }
    }

    /// Like `timed`, for work that makes at most one resource.
    async fn timed_one<F, T>(&self, service: &str, region: &str, work: F) -> Option<T>
    where
        F: std::future::Future<Output = Option<T>>,
    {
        let start = Instant::now();
        let found = work.await;
        self.progress.service_done(service, region, usize::from(found.is_some()), start.elapsed().as_secs_f64());
        found
    }

    async fn timed<F>(&self, service: &str, region: &str, work: F) -> Vec<Resource>
    where
        F: std::future::Future<Output = Vec<Resource>>,
    {
        let start = Instant::now();
        let resources = work.await;
        self.progress.service_done(service, region, resources.len(), start.elapsed().as_secs_f64());
        resources
    }
}

/// Take a snapshot of the account the credentials belong to.
pub async fn collect(
    aws: &AwsSetup,
    options: &CollectOptions,
    progress: &dyn Progress,
) -> Result<Snapshot, CollectError> {
    let started_at = convert::now_rfc3339();
    let api = Api::new(options.concurrency).with_global(options.global_permits.clone());
    let global = aws.global_region();
    let caller = identity(&api, aws).await?;
    let account = caller.account.clone();
    let caller_arn = caller.arn.clone();
    let partition = caller.partition.clone();
    if let Some(expected) = &options.expected_account
        && expected.account != account
    {
        return Err(CollectError::WrongAccount { expected: expected.clone(), actual: account, caller: caller_arn });
    }

    let ctx = Ctx {
        api,
        aws,
        account: account.clone(),
        partition: partition.clone(),
        scope: Scope::new(&options.app, options.stage.as_deref()),
        progress,
    };

    let global_work = async {
        let (iam, organizations, s3, cloudfront) = futures::join!(
            ctx.timed("iam", "global", iam::collect(&ctx)),
            ctx.timed("organizations", "global", organizations::collect(&ctx)),
            ctx.timed("s3", "global", s3::collect(&ctx)),
            ctx.timed("cloudfront", "global", cloudfront::collect(&ctx)),
        );
        [iam, organizations, s3, cloudfront].concat()
    };
    let regional_work = futures::future::join_all(aws.regions.iter().map(|region| {
        let ctx = &ctx;
        async move {
            let (ssm, trails, lambda, logs, alarms, kms, acm, backup) = futures::join!(
                ctx.timed("ssm", region, ssm::collect(ctx, region)),
                ctx.timed("cloudtrail", region, cloudtrail::collect(ctx, region)),
                ctx.timed("lambda", region, lambda::collect(ctx, region)),
                ctx.timed("logs", region, logs::collect(ctx, region)),
                ctx.timed("cloudwatch", region, cloudwatch::collect(ctx, region)),
                ctx.timed("kms", region, kms::collect(ctx, region)),
                ctx.timed("acm", region, acm::collect(ctx, region)),
                ctx.timed("backup", region, backup::collect(ctx, region)),
            );
            [ssm, trails, lambda, logs, alarms, kms, acm, backup].concat()
        }
    }));
    let (global_resources, regional) = futures::join!(global_work, regional_work);
    let mut resources = global_resources;
    resources.extend(regional.into_iter().flatten());
    // A multi-region trail shows up in every region; keep one copy.
    resources.sort_by(|a, b| (a.kind(), &a.arn).cmp(&(b.kind(), &b.arn)));
    resources.dedup_by(|a, b| a.kind() == b.kind() && a.arn == b.arn);
    // What the principals did: the trail (and its bucket) are known now.
    let now = bbscan_model::epoch_seconds(&started_at).unwrap_or(0);
    if let Some(found) =
        ctx.timed_one("cloudtrail logs", &global, usage::collect(&ctx, &resources, &options.usage, now)).await
    {
        usage::attach(&mut resources, &found.principals, &format!("arn:{partition}:iam::{account}:root"));
        resources.push(found.coverage);
        resources.sort_by(|a, b| (a.kind(), &a.arn).cmp(&(b.kind(), &b.arn)));
    }

    let stages_seen = ctx.scope.stages_seen();
    let resources = ctx.scope.keep(resources)?;
    let finished_at = convert::now_rfc3339();
    Ok(Snapshot {
        schema_version: SCHEMA_VERSION,
        metadata: Metadata {
            account_id: account,
            partition,
            caller_arn,
            regions: aws.regions.clone(),
            app: options.app.clone(),
            stage: options.stage.clone(),
            stages_seen,
            started_at,
            finished_at,
            bbscan_version: env!("CARGO_PKG_VERSION").to_string(),
            api_calls: ctx.api.total_calls(),
            api_calls_by_operation: ctx.api.calls_by_operation(),
        },
        resources,
        gaps: ctx.api.take_gaps(),
    })
}

/// Who the credentials belong to.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: String,
    pub arn: String,
    /// `aws`, `aws-cn`, `aws-us-gov` (from the ARN).
    pub partition: String,
}

/// `sts:GetCallerIdentity` through `api` (counted, like every call).
async fn identity(api: &Api, aws: &AwsSetup) -> Result<Caller, CollectError> {
    let sts = aws_sdk_sts::Client::new(&aws.in_region(&aws.global_region()));
    let global = aws.global_region();
    match api.call(Op::StsGetCallerIdentity, Target::region(&global), sts.get_caller_identity().send()).await {
        Read::Found(identity) => {
            let arn = identity.arn().unwrap_or_default().to_string();
            let partition = arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws").to_string();
            Ok(Caller { account: identity.account().unwrap_or_default().to_string(), arn, partition })
        }
        _ => {
            let message = api
                .take_gaps()
                .into_iter()
                .next()
                .map(|g| match g.error_code {
                    Some(code) => format!("{code}: {}", g.message),
                    None => g.message,
                })
                .unwrap_or_else(|| "no answer".to_string());
            Err(CollectError::Identity { message })
        }
    }
}

/// Who the credentials of `aws` belong to.
pub async fn caller_identity(aws: &AwsSetup) -> Result<Caller, CollectError> {
    identity(&Api::new(1), aws).await
}

/// Replace `snapshot`'s view of its place in the organisation (`organizations.account`: path,
/// SCPs and RCPs) with what `reader` — the management or a delegated administrator account —
/// reads about that account, when it can read all of it. A member account usually may not read
/// its own control policies; the organisation's reader may.
pub async fn organization_view_from(reader: &AwsSetup, account: &str, partition: &str, snapshot: &mut Snapshot) {
    let ctx = Ctx {
        api: Api::new(4),
        aws: reader,
        account: account.to_string(),
        partition: partition.to_string(),
        scope: Scope::new("", None),
        progress: &Silent,
    };
    let found = organizations::collect(&ctx).await;
    let gaps = ctx.api.take_gaps();
    let complete = gaps.is_empty() && found.iter().all(|r| r.unknown.is_empty() && r.account == account);
    if !complete || found.is_empty() {
        return;
    }
    snapshot.resources.retain(|r| r.kind() != "organizations.account");
    snapshot.gaps.retain(|g| g.service != "organizations");
    snapshot.resources.extend(found);
    snapshot.resources.sort_by(|a, b| (a.kind(), &a.arn).cmp(&(b.kind(), &b.arn)));
}

struct Silent;

impl Progress for Silent {
    fn service_done(&self, _: &str, _: &str, _: usize, _: f64) {}
}

/// Read one resource again exactly as collection reads it (the same read-only calls and
/// conversions), so remediation can compare the live state with a plan field by field. Reads
/// the service that holds the resource (one bucket directly) and keeps that ARN. `None` when it
/// no longer exists; the gaps say what could not be read.
pub async fn read_again(
    aws: &AwsSetup,
    account: &str,
    partition: &str,
    kind: &str,
    arn: &str,
    name: &str,
    region: &str,
) -> (Option<Resource>, Vec<bbscan_model::Gap>) {
    let ctx = Ctx {
        api: Api::new(8),
        aws,
        account: account.to_string(),
        partition: partition.to_string(),
        scope: Scope::new("", None),
        progress: &Silent,
    };
    let service = kind.split('.').next().unwrap_or_default();
    let found: Vec<Resource> = match (kind, service) {
        ("s3.bucket", _) => s3::bucket_again(&ctx, name, region).await.into_iter().collect(),
        ("s3.account_public_access_block", _) => s3::account_again(&ctx).await.into_iter().collect(),
        (_, "iam") => iam::collect(&ctx).await,
        (_, "organizations") => organizations::collect(&ctx).await,
        (_, "cloudfront") => cloudfront::collect(&ctx).await,
        (_, "ssm") => ssm::collect(&ctx, region).await,
        (_, "cloudtrail") => cloudtrail::collect(&ctx, region).await,
        (_, "lambda") => lambda::collect(&ctx, region).await,
        (_, "logs") => logs::collect(&ctx, region).await,
        (_, "cloudwatch") => cloudwatch::collect(&ctx, region).await,
        (_, "kms") => kms::collect(&ctx, region).await,
        (_, "acm") => acm::collect(&ctx, region).await,
        (_, "backup") => backup::collect(&ctx, region).await,
        _ => Vec::new(),
    };
    let resource = found.into_iter().find(|r| r.arn == arn && r.kind() == kind);
    (resource, ctx.api.take_gaps())
}
