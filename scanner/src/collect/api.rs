//! Every AWS call collection makes goes through [`Api`]: it bounds concurrency, counts calls,
//! and turns errors into either "not configured" (an answer) or a recorded [`Gap`].
//!
//! The [`Op`] enum is the code's own list of the read-only API actions bbscan calls; the
//! scanner-role IAM policy is generated from it.

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use bbscan_model::{Gap, GapReason};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;

macro_rules! ops {
    ($($variant:ident => $service:literal, $action:literal, absent: [$($absent:literal),*];)*) => {
        /// A read-only AWS API operation that collection calls.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Op { $($variant),* }

        impl Op {
            /// Every operation, for the scanner-role policy.
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];

            /// The IAM service prefix (`s3`, `iam`, `cloudfront`, …).
            pub fn service(self) -> &'static str {
                match self { $(Op::$variant => $service),* }
            }

            /// The API action name (`GetBucketPolicy`).
            pub fn action(self) -> &'static str {
                match self { $(Op::$variant => $action),* }
            }

            /// Error codes that mean "this is not configured" rather than "could not read".
            fn absent_codes(self) -> &'static [&'static str] {
                match self { $(Op::$variant => &[$($absent),*]),* }
            }
        }
    };
}

ops! {
    StsGetCallerIdentity => "sts", "GetCallerIdentity", absent: [];
    // IAM
    IamGetAccountPasswordPolicy => "iam", "GetAccountPasswordPolicy", absent: ["NoSuchEntity"];
    IamGetAccountSummary => "iam", "GetAccountSummary", absent: [];
    IamGenerateCredentialReport => "iam", "GenerateCredentialReport", absent: [];
    IamGetCredentialReport => "iam", "GetCredentialReport", absent: [];
    IamGetAccountAuthorizationDetails => "iam", "GetAccountAuthorizationDetails", absent: [];
    IamListPolicyTags => "iam", "ListPolicyTags", absent: [];
    IamGetLoginProfile => "iam", "GetLoginProfile", absent: ["NoSuchEntity"];
    IamListMfaDevices => "iam", "ListMFADevices", absent: [];
    IamListAccessKeys => "iam", "ListAccessKeys", absent: [];
    IamGetAccessKeyLastUsed => "iam", "GetAccessKeyLastUsed", absent: [];
    IamListOpenIdConnectProviders => "iam", "ListOpenIDConnectProviders", absent: [];
    IamGetOpenIdConnectProvider => "iam", "GetOpenIDConnectProvider", absent: [];
    IamGetPolicy => "iam", "GetPolicy", absent: ["NoSuchEntity"];
    IamGetPolicyVersion => "iam", "GetPolicyVersion", absent: ["NoSuchEntity"];
    // Organizations (the account's place and the control policies that apply to it)
    OrganizationsDescribeOrganization => "organizations", "DescribeOrganization", absent: ["AWSOrganizationsNotInUseException"];
    OrganizationsListAccounts => "organizations", "ListAccounts", absent: [];
    OrganizationsListRoots => "organizations", "ListRoots", absent: [];
    OrganizationsListParents => "organizations", "ListParents", absent: [];
    OrganizationsListPoliciesForTarget => "organizations", "ListPoliciesForTarget", absent: [];
    OrganizationsDescribePolicy => "organizations", "DescribePolicy", absent: [];
    // Cost Explorer (Billing): which tags are activated for cost allocation
    CeListCostAllocationTags => "ce", "ListCostAllocationTags", absent: [];
    // S3
    S3ListBuckets => "s3", "ListBuckets", absent: [];
    S3GetBucketLocation => "s3", "GetBucketLocation", absent: [];
    S3GetBucketTagging => "s3", "GetBucketTagging", absent: ["NoSuchTagSet", "NoSuchTagSetError"];
    S3GetBucketPublicAccessBlock => "s3", "GetPublicAccessBlock", absent: ["NoSuchPublicAccessBlockConfiguration"];
    S3GetBucketPolicy => "s3", "GetBucketPolicy", absent: ["NoSuchBucketPolicy"];
    S3GetBucketPolicyStatus => "s3", "GetBucketPolicyStatus", absent: ["NoSuchBucketPolicy"];
    S3GetBucketAcl => "s3", "GetBucketAcl", absent: [];
    S3GetBucketOwnershipControls => "s3", "GetBucketOwnershipControls", absent: ["OwnershipControlsNotFoundError"];
    S3GetEncryptionConfiguration => "s3", "GetBucketEncryption", absent: ["ServerSideEncryptionConfigurationNotFoundError"];
    S3GetBucketVersioning => "s3", "GetBucketVersioning", absent: [];
    S3GetLifecycleConfiguration => "s3", "GetBucketLifecycleConfiguration", absent: ["NoSuchLifecycleConfiguration"];
    S3GetBucketLogging => "s3", "GetBucketLogging", absent: [];
    S3GetBucketObjectLockConfiguration => "s3", "GetObjectLockConfiguration", absent: ["ObjectLockConfigurationNotFoundError"];
    S3ControlGetPublicAccessBlock => "s3control", "GetPublicAccessBlock", absent: ["NoSuchPublicAccessBlockConfiguration"];
    // CloudTrail log files in the trail's bucket (usage): listed by date, fetched one by one.
    S3ListObjectsV2 => "s3", "ListObjectsV2", absent: [];
    S3GetObject => "s3", "GetObject", absent: [];
    // CloudFront
    CloudFrontListDistributions => "cloudfront", "ListDistributions", absent: [];
    CloudFrontGetDistribution => "cloudfront", "GetDistribution", absent: [];
    CloudFrontListTagsForResource => "cloudfront", "ListTagsForResource", absent: [];
    CloudFrontListOriginAccessControls => "cloudfront", "ListOriginAccessControls", absent: [];
    // SSM
    SsmDescribeParameters => "ssm", "DescribeParameters", absent: [];
    SsmListTagsForResource => "ssm", "ListTagsForResource", absent: [];
    // CloudTrail
    CloudTrailDescribeTrails => "cloudtrail", "DescribeTrails", absent: [];
    CloudTrailGetTrailStatus => "cloudtrail", "GetTrailStatus", absent: [];
    CloudTrailGetEventSelectors => "cloudtrail", "GetEventSelectors", absent: [];
    CloudTrailListTags => "cloudtrail", "ListTags", absent: [];
    // Lambda
    LambdaListFunctions => "lambda", "ListFunctions", absent: [];
    LambdaGetFunction => "lambda", "GetFunction", absent: [];
    LambdaGetPolicy => "lambda", "GetPolicy", absent: ["ResourceNotFoundException"];
    LambdaGetFunctionUrlConfig => "lambda", "GetFunctionUrlConfig", absent: ["ResourceNotFoundException"];
    // CloudWatch Logs and alarms
    LogsDescribeLogGroups => "logs", "DescribeLogGroups", absent: [];
    LogsListTagsForResource => "logs", "ListTagsForResource", absent: [];
    // CloudWatch Logs deliveries: CloudFront's standard logging v2, read in us-east-1
    LogsDescribeDeliverySources => "logs", "DescribeDeliverySources", absent: [];
    LogsDescribeDeliveries => "logs", "DescribeDeliveries", absent: [];
    LogsDescribeDeliveryDestinations => "logs", "DescribeDeliveryDestinations", absent: [];
    CloudWatchDescribeAlarms => "cloudwatch", "DescribeAlarms", absent: [];
    CloudWatchListTagsForResource => "cloudwatch", "ListTagsForResource", absent: [];
    // KMS
    KmsListKeys => "kms", "ListKeys", absent: [];
    KmsDescribeKey => "kms", "DescribeKey", absent: [];
    KmsGetKeyRotationStatus => "kms", "GetKeyRotationStatus", absent: [];
    KmsListAliases => "kms", "ListAliases", absent: [];
    KmsListResourceTags => "kms", "ListResourceTags", absent: [];
    KmsGetKeyPolicy => "kms", "GetKeyPolicy", absent: [];
    // ACM
    AcmListCertificates => "acm", "ListCertificates", absent: [];
    AcmDescribeCertificate => "acm", "DescribeCertificate", absent: [];
    AcmListTagsForCertificate => "acm", "ListTagsForCertificate", absent: [];
    // Backup
    BackupListBackupPlans => "backup", "ListBackupPlans", absent: [];
    BackupGetBackupPlan => "backup", "GetBackupPlan", absent: [];
    BackupListBackupSelections => "backup", "ListBackupSelections", absent: [];
    BackupListBackupVaults => "backup", "ListBackupVaults", absent: [];
    BackupListTags => "backup", "ListTags", absent: [];
}

impl Op {
    /// The IAM action that authorises the call (`s3:GetBucketPolicy`). Mostly
    /// `service:Operation`; S3 names some actions differently from their operations.
    pub fn iam_action(self) -> String {
        let special = match self {
            Op::S3ListBuckets => Some("s3:ListAllMyBuckets"),
            Op::S3GetBucketPublicAccessBlock => Some("s3:GetBucketPublicAccessBlock"),
            Op::S3GetEncryptionConfiguration => Some("s3:GetEncryptionConfiguration"),
            Op::S3GetLifecycleConfiguration => Some("s3:GetLifecycleConfiguration"),
            Op::S3GetBucketObjectLockConfiguration => Some("s3:GetBucketObjectLockConfiguration"),
            Op::S3GetBucketPolicyStatus => Some("s3:GetBucketPolicyStatus"),
            Op::S3ControlGetPublicAccessBlock => Some("s3:GetAccountPublicAccessBlock"),
            Op::S3ListObjectsV2 => Some("s3:ListBucket"),
            _ => None,
        };
        special.map_or_else(|| format!("{}:{}", self.service(), self.action()), str::to_string)
    }

    /// `service:Operation`, as gaps and call counts name it.
    pub fn operation_name(self) -> String {
        format!("{}:{}", self.service(), self.action())
    }
}

/// Where a call was made and what it was about, for the gap it may become.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub region: &'a str,
    pub resource: Option<&'a str>,
    /// The configuration field the call fills in, if it is about one field of a resource.
    pub field: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub fn region(region: &'a str) -> Self {
        Target { region, resource: None, field: None }
    }
    pub fn resource(region: &'a str, resource: &'a str) -> Self {
        Target { region, resource: Some(resource), field: None }
    }
    pub fn field(region: &'a str, resource: &'a str, field: &'a str) -> Self {
        Target { region, resource: Some(resource), field: Some(field) }
    }
}

/// The result of one read.
#[derive(Debug)]
pub enum Read<T> {
    /// AWS answered.
    Found(T),
    /// AWS said it is not configured (e.g. `NoSuchBucketPolicy`).
    Absent,
    /// It could not be read; the gap is already recorded.
    Unknown,
}

impl<T> Read<T> {
    pub fn found(self) -> Option<T> {
        match self {
            Read::Found(v) => Some(v),
            _ => None,
        }
    }

    /// The value, or `None` when it is not configured or could not be read; in the last case
    /// `field` is added to the resource's `unknown` list (its gap is already recorded).
    pub fn or_note(self, field: &str, unknown: &mut Vec<String>) -> Option<T> {
        match self {
            Read::Found(v) => Some(v),
            Read::Absent => None,
            Read::Unknown => {
                unknown.push(field.to_string());
                None
            }
        }
    }
}

/// Call counting, concurrency bound and gap recording for one collection run.
pub struct Api {
    permits: Semaphore,
    /// A bound shared with other accounts' collections (`--organization`).
    global: Option<std::sync::Arc<Semaphore>>,
    calls: Mutex<BTreeMap<Op, u64>>,
    total: AtomicU64,
    gaps: Mutex<Vec<Gap>>,
}

impl Api {
    pub fn new(concurrency: usize) -> Self {
        Api {
            permits: Semaphore::new(concurrency.max(1)),
            global: None,
            calls: Mutex::new(BTreeMap::new()),
            total: AtomicU64::new(0),
            gaps: Mutex::new(Vec::new()),
        }
    }

    /// Also bounded by `global`, shared with other collections.
    pub fn with_global(mut self, global: Option<std::sync::Arc<Semaphore>>) -> Self {
        self.global = global;
        self
    }

    async fn permits(&self) -> (Option<tokio::sync::SemaphorePermit<'_>>, Option<tokio::sync::SemaphorePermit<'_>>) {
        // The semaphores are never closed, so acquiring cannot fail.
        let own = self.permits.acquire().await.ok();
        let global = match &self.global {
            Some(g) => g.acquire().await.ok(),
            None => None,
        };
        (own, global)
    }

    /// Make one call (or fetch one page) under the concurrency bound.
    pub async fn call<T, E, F>(&self, op: Op, target: Target<'_>, request: F) -> Read<T>
    where
        F: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let result = {
            let _permits = self.permits().await;
            self.count(op);
            request.await
        };
        match result {
            Ok(value) => Read::Found(value),
            Err(err) => self.failed(op, target, &err),
        }
    }

    /// Every page of a paginated listing. A page that fails records a gap; the items read
    /// before it are kept (the gap says the list is incomplete).
    pub async fn pages<P, E, S, I, Item>(
        &self,
        op: Op,
        target: Target<'_>,
        mut stream: S,
        mut items: I,
    ) -> Read<Vec<Item>>
    where
        S: PageStream<P, E>,
        I: FnMut(P) -> Vec<Item>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut all = Vec::new();
        loop {
            let page = {
                let _permits = self.permits().await;
                self.count(op);
                stream.next_page().await
            };
            match page {
                None => {
                    // The stream ended without another request; don't count it.
                    self.uncount(op);
                    return Read::Found(all);
                }
                Some(Ok(page)) => all.extend(items(page)),
                Some(Err(err)) => {
                    let _ = self.failed::<()>(op, target, &err);
                    return if all.is_empty() { Read::Unknown } else { Read::Found(all) };
                }
            }
        }
    }

    fn count(&self, op: Op) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(op).or_insert(0) += 1;
        }
    }

    fn uncount(&self, op: Op) {
        self.total.fetch_sub(1, Ordering::Relaxed);
        if let Ok(mut calls) = self.calls.lock()
            && let Some(n) = calls.get_mut(&op)
        {
            *n -= 1;
            if *n == 0 {
                calls.remove(&op);
            }
        }
    }

    fn failed<T>(
        &self,
        op: Op,
        target: Target<'_>,
        err: &SdkError<impl ProvideErrorMetadata + std::error::Error + Send + Sync + 'static, HttpResponse>,
    ) -> Read<T> {
        let classified = classify(err);
        if let Some(code) = &classified.code
            && op.absent_codes().contains(&code.as_str())
        {
            return Read::Absent;
        }
        self.record_gap(Gap {
            service: op.service().to_string(),
            operation: op.action().to_string(),
            region: target.region.to_string(),
            resource: target.resource.map(str::to_string),
            field: target.field.map(str::to_string),
            reason: classified.reason,
            error_code: classified.code,
            message: classified.message,
        });
        Read::Unknown
    }

    /// Record a gap found outside a call (e.g. a document that would not decode).
    pub fn record_gap(&self, gap: Gap) {
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.push(gap);
        }
    }

    pub fn total_calls(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn calls_by_operation(&self) -> BTreeMap<String, u64> {
        self.calls
            .lock()
            .map(|calls| calls.iter().map(|(op, n)| (op.operation_name(), *n)).collect())
            .unwrap_or_default()
    }

    pub fn take_gaps(&self) -> Vec<Gap> {
        let mut gaps = self.gaps.lock().map(|mut g| std::mem::take(&mut *g)).unwrap_or_default();
        gaps.sort();
        gaps.dedup();
        gaps
    }
}

/// The SDK's paginator streams, behind one trait so [`Api::pages`] can drive any of them.
pub trait PageStream<P, E> {
    fn next_page(&mut self) -> impl std::future::Future<Output = Option<Result<P, SdkError<E, HttpResponse>>>> + Send;
}

impl<P: Send, E: Send> PageStream<P, E>
    for aws_smithy_async::future::pagination_stream::PaginationStream<Result<P, SdkError<E, HttpResponse>>>
{
    fn next_page(&mut self) -> impl std::future::Future<Output = Option<Result<P, SdkError<E, HttpResponse>>>> + Send {
        self.next()
    }
}

struct Classified {
    reason: GapReason,
    code: Option<String>,
    message: String,
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "UnauthorizedException",
    "AllAccessDisabled",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
];
const NOT_IMPLEMENTED: &[&str] = &["NotImplemented", "InvalidAction", "UnknownOperationException", "UnknownOperation"];

fn classify<E>(err: &SdkError<E, HttpResponse>) -> Classified
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = ctx.err().code().map(str::to_string);
            let message = match ctx.err().message() {
                Some(m) => m.to_string(),
                // An error with a success status is an answer that did not parse: say why.
                None if status < 300 => error_chain(err),
                None => format!("HTTP {status}"),
            };
            let reason = match code.as_deref() {
                Some(c) if ACCESS_DENIED.contains(&c) => GapReason::AccessDenied,
                Some(c) if THROTTLED.contains(&c) => GapReason::Throttled,
                Some(c) if NOT_IMPLEMENTED.contains(&c) => GapReason::NotImplemented,
                // A success status with an error means the answer did not parse.
                _ if status < 300 => GapReason::MalformedResponse,
                _ if status == 501 => GapReason::NotImplemented,
                _ if status == 403 => GapReason::AccessDenied,
                _ if status == 429 => GapReason::Throttled,
                _ if status >= 500 => GapReason::ServiceError,
                // An endpoint that does not know the route answers 404 without an error code.
                None if status == 404 => GapReason::NotImplemented,
                _ => GapReason::Other,
            };
            Classified { reason, code, message }
        }
        SdkError::TimeoutError(_) => {
            Classified { reason: GapReason::Timeout, code: None, message: "the call timed out".to_string() }
        }
        SdkError::DispatchFailure(failure) => Classified {
            reason: if failure.is_timeout() { GapReason::Timeout } else { GapReason::Network },
            code: None,
            message: error_chain(err),
        },
        SdkError::ResponseError(_) => {
            Classified { reason: GapReason::MalformedResponse, code: None, message: error_chain(err) }
        }
        _ => Classified { reason: GapReason::Other, code: None, message: error_chain(err) },
    }
}

/// The whole source chain of an error on one line.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_a_read() {
        for op in Op::ALL {
            let action = op.action();
            assert!(
                ["Get", "List", "Describe"].iter().any(|p| action.starts_with(p))
                    || action == "GenerateCredentialReport",
                "{action} is not a read-only action"
            );
        }
    }

    #[test]
    fn actions_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for op in Op::ALL {
            assert!(seen.insert(op.operation_name()), "{} listed twice", op.operation_name());
        }
    }

    #[test]
    fn every_operation_names_the_kinds_a_gap_in_it_leaves_incomplete() {
        // Policies are told which gaps concern their kinds: a call bbscan makes must map to the
        // kinds it feeds, or its failure would reach no rule. (STS only says who is calling.)
        for op in Op::ALL.iter().filter(|op| op.service() != "sts") {
            let gap = Gap {
                service: op.service().into(),
                operation: op.action().into(),
                region: "us-east-1".into(),
                resource: None,
                field: None,
                reason: GapReason::AccessDenied,
                error_code: None,
                message: String::new(),
            };
            let kinds = gap.kinds();
            assert!(!kinds.is_empty(), "{} concerns no kind", op.operation_name());
            for kind in kinds {
                assert!(bbscan_model::KINDS.contains(&kind), "{}: {kind} is no kind", op.operation_name());
            }
        }
        let trail_logs = Gap { service: "s3".into(), operation: "GetObject".into(), ..gap_of("s3") };
        assert_eq!(trail_logs.kinds(), ["cloudtrail.usage"]);
        assert_eq!(gap_of("kms").kinds(), ["kms.key"]);
        assert_eq!(gap_of("s3control").kinds(), ["s3.account_public_access_block"]);
        assert!(gap_of("ec2").kinds().is_empty());
    }

    fn gap_of(service: &str) -> Gap {
        Gap {
            service: service.into(),
            operation: "ListThings".into(),
            region: "global".into(),
            resource: None,
            field: None,
            reason: GapReason::Other,
            error_code: None,
            message: String::new(),
        }
    }
}
