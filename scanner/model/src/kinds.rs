//! The configuration of each resource kind, as the controls need it.
//!
//! Field names follow the AWS API's meaning in `snake_case`. `Option` means AWS may say
//! "not configured"; the snapshot writes that as `null`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// The kind of a resource, with its configuration. Serialised as `"kind": "s3.bucket"`
/// beside `"config": {…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(tag = "kind", content = "config")]
pub enum ResourceConfig {
    #[serde(rename = "iam.account")]
    IamAccount(IamAccount),
    #[serde(rename = "iam.user")]
    IamUser(IamUser),
    #[serde(rename = "iam.group")]
    IamGroup(IamGroup),
    #[serde(rename = "iam.role")]
    IamRole(IamRole),
    #[serde(rename = "iam.policy")]
    IamPolicy(IamPolicy),
    #[serde(rename = "iam.oidc_provider")]
    IamOidcProvider(IamOidcProvider),
    #[serde(rename = "organizations.account")]
    OrganizationsAccount(Box<OrganizationsAccount>),
    #[serde(rename = "s3.account_public_access_block")]
    S3AccountPublicAccessBlock(S3AccountPublicAccessBlock),
    #[serde(rename = "s3.bucket")]
    S3Bucket(Box<S3Bucket>),
    #[serde(rename = "cloudfront.distribution")]
    CloudFrontDistribution(Box<CloudFrontDistribution>),
    #[serde(rename = "cloudfront.origin_access_control")]
    CloudFrontOriginAccessControl(CloudFrontOriginAccessControl),
    #[serde(rename = "ssm.parameter")]
    SsmParameter(SsmParameter),
    #[serde(rename = "cloudtrail.trail")]
    CloudTrailTrail(Box<CloudTrailTrail>),
    #[serde(rename = "cloudtrail.usage")]
    CloudTrailUsage(Box<UsageCoverage>),
    #[serde(rename = "lambda.function")]
    LambdaFunction(Box<LambdaFunction>),
    #[serde(rename = "logs.log_group")]
    LogGroup(LogGroup),
    #[serde(rename = "cloudwatch.alarm")]
    CloudWatchAlarm(CloudWatchAlarm),
    #[serde(rename = "kms.key")]
    KmsKey(KmsKey),
    #[serde(rename = "acm.certificate")]
    AcmCertificate(AcmCertificate),
    #[serde(rename = "backup.plan")]
    BackupPlan(BackupPlan),
    #[serde(rename = "backup.vault")]
    BackupVault(BackupVault),
}

/// Every kind name, in the order of [`ResourceConfig`].
pub const KINDS: &[&str] = &[
    "iam.account",
    "iam.user",
    "iam.group",
    "iam.role",
    "iam.policy",
    "iam.oidc_provider",
    "organizations.account",
    "s3.account_public_access_block",
    "s3.bucket",
    "cloudfront.distribution",
    "cloudfront.origin_access_control",
    "ssm.parameter",
    "cloudtrail.trail",
    "cloudtrail.usage",
    "lambda.function",
    "logs.log_group",
    "cloudwatch.alarm",
    "kms.key",
    "acm.certificate",
    "backup.plan",
    "backup.vault",
];

impl ResourceConfig {
    /// The configuration alone as JSON text (the snapshot's `config`, without the kind beside
    /// it), written straight from the types.
    pub fn config_json(&self) -> String {
        // Written adjacently tagged, `{"kind":"…","config":…}`: kinds are plain ASCII names, so
        // the configuration is what lies between that prefix and the closing brace.
        let whole = serde_json::to_string(self).unwrap_or_default();
        let prefix = format!("{{\"kind\":\"{}\",\"config\":", self.kind());
        match whole.strip_prefix(prefix.as_str()).and_then(|rest| rest.strip_suffix('}')) {
            Some(config) => config.to_string(),
            // Not reached with serde's adjacent tagging; the slow, certain way otherwise.
            None => serde_json::to_value(self)
                .ok()
                .and_then(|mut v| v.get_mut("config").map(std::mem::take))
                .unwrap_or_default()
                .to_string(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ResourceConfig::IamAccount(_) => "iam.account",
            ResourceConfig::IamUser(_) => "iam.user",
            ResourceConfig::IamGroup(_) => "iam.group",
            ResourceConfig::IamRole(_) => "iam.role",
            ResourceConfig::IamPolicy(_) => "iam.policy",
            ResourceConfig::IamOidcProvider(_) => "iam.oidc_provider",
            ResourceConfig::OrganizationsAccount(_) => "organizations.account",
            ResourceConfig::S3AccountPublicAccessBlock(_) => "s3.account_public_access_block",
            ResourceConfig::S3Bucket(_) => "s3.bucket",
            ResourceConfig::CloudFrontDistribution(_) => "cloudfront.distribution",
            ResourceConfig::CloudFrontOriginAccessControl(_) => "cloudfront.origin_access_control",
            ResourceConfig::SsmParameter(_) => "ssm.parameter",
            ResourceConfig::CloudTrailTrail(_) => "cloudtrail.trail",
            ResourceConfig::CloudTrailUsage(_) => "cloudtrail.usage",
            ResourceConfig::LambdaFunction(_) => "lambda.function",
            ResourceConfig::LogGroup(_) => "logs.log_group",
            ResourceConfig::CloudWatchAlarm(_) => "cloudwatch.alarm",
            ResourceConfig::KmsKey(_) => "kms.key",
            ResourceConfig::AcmCertificate(_) => "acm.certificate",
            ResourceConfig::BackupPlan(_) => "backup.plan",
            ResourceConfig::BackupVault(_) => "backup.vault",
        }
    }

    /// Kinds whose settings govern every stage of the account: a `--stage` snapshot always
    /// keeps them, whatever their tags.
    pub fn is_account_wide(&self) -> bool {
        matches!(
            self,
            ResourceConfig::IamAccount(_)
                | ResourceConfig::IamUser(_)
                | ResourceConfig::IamGroup(_)
                | ResourceConfig::IamPolicy(_)
                | ResourceConfig::IamOidcProvider(_)
                | ResourceConfig::OrganizationsAccount(_)
                | ResourceConfig::S3AccountPublicAccessBlock(_)
                | ResourceConfig::CloudTrailTrail(_)
                | ResourceConfig::CloudTrailUsage(_)
        )
    }
}

// ---------------------------------------------------------------- IAM

/// Account-level IAM settings: password policy, account summary, the root user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct IamAccount {
    /// `null`: the account has no password policy (AWS defaults apply).
    pub password_policy: Option<PasswordPolicy>,
    /// `GetAccountSummary`'s map, as AWS sent it (`AccountMFAEnabled`, `AccountAccessKeysPresent`, …).
    pub summary: BTreeMap<String, i64>,
    /// From the summary: whether the root user has MFA.
    pub root_mfa_enabled: Option<bool>,
    /// From the summary: whether the root user has access keys.
    pub root_access_keys_present: Option<bool>,
    /// When the credential report was generated.
    pub credential_report_generated_at: Option<String>,
    /// The credential report's `<root_account>` row, column → value.
    pub root_credential_report: Option<BTreeMap<String, String>>,
    /// What the root user did in the usage window (CloudTrail); `null`: not collected.
    pub root_usage: Option<PrincipalUsage>,
    /// The user-defined tag keys activated for cost allocation (Billing → Cost allocation tags;
    /// Cost Explorer `ListCostAllocationTags`, status `Active`), sorted: the tags that split the
    /// bill. `null`: not read (listed in `unknown` when the call failed).
    pub cost_allocation_tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct PasswordPolicy {
    pub minimum_password_length: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub expire_passwords: bool,
    pub max_password_age: Option<i32>,
    pub password_reuse_prevention: Option<i32>,
    pub hard_expiry: Option<bool>,
}

/// An inline policy, its document decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct InlinePolicy {
    pub name: String,
    pub document: Value,
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct IamUser {
    pub user_id: String,
    pub path: String,
    pub create_date: Option<String>,
    pub password_last_used: Option<String>,
    /// `null`: no console password.
    pub login_profile: Option<LoginProfile>,
    pub mfa_devices: Vec<MfaDevice>,
    pub access_keys: Vec<AccessKey>,
    pub groups: Vec<String>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub permissions_boundary: Option<String>,
    /// This user's credential-report row, column → value.
    pub credential_report: Option<BTreeMap<String, String>>,
    /// What the user did in the usage window (CloudTrail); `null`: usage was not collected.
    pub usage: Option<PrincipalUsage>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct LoginProfile {
    pub create_date: Option<String>,
    pub password_reset_required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct MfaDevice {
    pub serial_number: String,
    pub enable_date: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct AccessKey {
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub create_date: Option<String>,
    pub last_used_date: Option<String>,
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct IamGroup {
    pub group_id: String,
    pub path: String,
    pub create_date: Option<String>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct IamRole {
    pub role_id: String,
    pub path: String,
    pub create_date: Option<String>,
    pub description: Option<String>,
    pub max_session_duration: Option<i32>,
    /// The assume-role (trust) policy, decoded.
    pub trust_policy: Value,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub permissions_boundary: Option<String>,
    /// `null`: AWS has no record of the role being used.
    pub last_used: Option<RoleLastUsed>,
    /// ARNs of the instance profiles holding the role (what EC2 instances launch with).
    pub instance_profiles: Vec<String>,
    /// What the role's sessions did in the usage window (CloudTrail); `null`: not collected.
    pub usage: Option<PrincipalUsage>,
}

/// What a principal did in the usage window, from the account's CloudTrail log files. Only the
/// event's identity, time, source, name, error code and resource ARNs are ever read: never
/// request parameters or response elements.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct PrincipalUsage {
    /// IAM actions its calls needed and that succeeded, sorted by action.
    pub actions: Vec<ActionUse>,
    /// Calls refused with AccessDenied or UnauthorizedOperation: attempts, not use.
    pub denied: Vec<ActionUse>,
    /// Calls whose event maps to no IAM action the catalogue knows (`service:EventName`).
    pub unmapped: Vec<ActionUse>,
    /// Every event attributed to the principal, whatever it mapped to.
    pub events: u64,
    /// Times the role was assumed (by a principal or a service, such as Lambda starting a
    /// function with it): a role only services use shows its use here.
    pub assumed: u64,
    /// When it was last assumed.
    pub last_assumed: Option<String>,
}

/// One action's use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct ActionUse {
    /// `s3:GetObject` (or `service:EventName` when unmapped).
    pub action: String,
    pub first: String,
    pub last: String,
    pub count: u64,
    /// Resource ARNs the calls named, sorted, at most 20.
    pub resources: Vec<String>,
    /// How many distinct resource ARNs there were in all (more than `resources` holds when capped).
    pub resources_total: u64,
    /// Calls that named no resource.
    pub without_resource: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct RoleLastUsed {
    pub date: Option<String>,
    pub region: Option<String>,
}

/// A managed policy: every customer-managed policy, and each AWS-managed policy that a user,
/// group or role of the snapshot has attached or as its permissions boundary (read once each).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct IamPolicy {
    /// An AWS-managed policy (`arn:aws:iam::aws:policy/…`): AWS writes and updates it.
    pub aws_managed: bool,
    pub policy_id: Option<String>,
    pub path: String,
    pub description: Option<String>,
    pub default_version_id: Option<String>,
    pub attachment_count: Option<i32>,
    pub is_attachable: bool,
    pub create_date: Option<String>,
    pub update_date: Option<String>,
    /// The default version's document, decoded.
    pub document: Value,
    /// The other versions of a customer-managed policy (AWS keeps up to five): whoever may call
    /// `iam:SetDefaultPolicyVersion` can switch to any of them. Not read for AWS-managed policies.
    pub other_versions: Vec<PolicyVersion>,
}

/// A non-default version of a managed policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct PolicyVersion {
    pub version_id: String,
    pub create_date: Option<String>,
    pub document: Value,
}

// ---------------------------------------------------------------- Organizations

/// Where the account sits in AWS Organizations, and the control policies that apply to it:
/// one resource per snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct OrganizationsAccount {
    /// `null`: the account is not in an organisation (no SCP or RCP applies).
    pub organization: Option<Organization>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct Organization {
    pub id: String,
    pub arn: String,
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING` (which has no control policies).
    pub feature_set: Option<String>,
    /// From the root down to the account: the root, each organisational unit, the account.
    pub path: Vec<OrganizationNode>,
    /// Whether service control policies are enabled on the root.
    pub scp_enabled: Option<bool>,
    /// Whether resource control policies are enabled on the root.
    pub rcp_enabled: Option<bool>,
}

/// A node on the way from the root to the account, with the policies attached to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct OrganizationNode {
    /// `r-…`, `ou-…`, or the account id.
    pub id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.
    pub kind: String,
    pub name: Option<String>,
    pub service_control_policies: Vec<ControlPolicy>,
    pub resource_control_policies: Vec<ControlPolicy>,
}

/// A service or resource control policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct ControlPolicy {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub aws_managed: bool,
    pub document: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct IamOidcProvider {
    /// Issuer URL without scheme, as IAM stores it (`token.actions.githubusercontent.com`).
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub create_date: Option<String>,
}

// ---------------------------------------------------------------- S3

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all_on(&self) -> bool {
        self.block_public_acls && self.ignore_public_acls && self.block_public_policy && self.restrict_public_buckets
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct S3AccountPublicAccessBlock {
    /// `null`: no account-level block is configured.
    pub configuration: Option<PublicAccessBlock>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct S3Bucket {
    pub creation_date: Option<String>,
    /// `null`: no bucket-level public access block.
    pub public_access_block: Option<PublicAccessBlock>,
    /// The bucket policy, decoded; `null`: no policy.
    pub policy: Option<Value>,
    /// S3's own verdict (`GetBucketPolicyStatus`); `null` when there is no policy.
    pub policy_is_public: Option<bool>,
    pub acl: Option<BucketAcl>,
    /// `BucketOwnerEnforced`, `BucketOwnerPreferred`, `ObjectWriter`; `null`: not configured.
    pub object_ownership: Option<String>,
    /// Default encryption rules; `null`: none configured.
    pub encryption: Option<Vec<EncryptionRule>>,
    pub versioning: Versioning,
    /// `null`: no lifecycle configuration.
    pub lifecycle_rules: Option<Vec<LifecycleRule>>,
    /// `null`: server access logging off.
    pub logging: Option<BucketLogging>,
    /// `null`: object lock not configured.
    pub object_lock: Option<ObjectLock>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct BucketAcl {
    pub owner_id: Option<String>,
    pub grants: Vec<AclGrant>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct AclGrant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    pub grantee_id: Option<String>,
    /// For groups: `http://acs.amazonaws.com/groups/global/AllUsers`, …
    pub grantee_uri: Option<String>,
    pub permission: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct EncryptionRule {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: String,
    pub kms_master_key_id: Option<String>,
    pub bucket_key_enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct Versioning {
    /// `Enabled`, `Suspended`; `null`: never enabled.
    pub status: Option<String>,
    /// `Enabled`, `Disabled`; `null`: never configured.
    pub mfa_delete: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct LifecycleRule {
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// The rule's filter (prefix, tags), as AWS sent it.
    pub filter: Option<Value>,
    pub expiration_days: Option<i32>,
    pub noncurrent_version_expiration_days: Option<i32>,
    pub abort_incomplete_multipart_upload_days: Option<i32>,
    pub transitions: Vec<LifecycleTransition>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct LifecycleTransition {
    pub days: Option<i32>,
    pub storage_class: Option<String>,
    /// Whether it applies to noncurrent versions.
    pub noncurrent: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct BucketLogging {
    pub target_bucket: String,
    pub target_prefix: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct ObjectLock {
    pub enabled: bool,
    /// `GOVERNANCE` or `COMPLIANCE`.
    pub default_retention_mode: Option<String>,
    pub default_retention_days: Option<i32>,
    pub default_retention_years: Option<i32>,
}

// ---------------------------------------------------------------- CloudFront

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct CloudFrontDistribution {
    pub domain_name: String,
    pub status: Option<String>,
    pub enabled: bool,
    pub comment: Option<String>,
    pub aliases: Vec<String>,
    pub price_class: Option<String>,
    pub http_version: Option<String>,
    pub default_root_object: Option<String>,
    pub viewer_certificate: ViewerCertificate,
    /// Every cache behaviour: the default first (`path_pattern` `null`), then the ordered ones
    /// in precedence order.
    pub cache_behaviors: Vec<CacheBehavior>,
    pub origins: Vec<Origin>,
    /// `null`: standard access logging (legacy, to an S3 bucket) off.
    pub logging: Option<DistributionLogging>,
    /// Standard logging v2: the resources CloudWatch Logs delivers the distribution's access logs
    /// to (an S3 bucket ARN, a log group ARN, a Firehose stream ARN), sorted. Empty: no delivery
    /// (listed in `unknown` when the deliveries could not be read).
    pub access_log_destinations: Vec<String>,
    /// WAF web ACL ARN or id; `null`: none.
    pub web_acl_id: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct ViewerCertificate {
    pub cloudfront_default_certificate: bool,
    pub acm_certificate_arn: Option<String>,
    pub iam_certificate_id: Option<String>,
    /// `sni-only`, `vip`, `static-ip`.
    pub ssl_support_method: Option<String>,
    /// `TLSv1`, `TLSv1_2016`, `TLSv1.1_2016`, `TLSv1.2_2018`, `TLSv1.2_2019`, `TLSv1.2_2021`, …
    pub minimum_protocol_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct CacheBehavior {
    /// `null` for the default cache behaviour.
    pub path_pattern: Option<String>,
    pub target_origin_id: String,
    /// `allow-all`, `redirect-to-https`, `https-only`.
    pub viewer_protocol_policy: String,
    pub allowed_methods: Vec<String>,
    pub cache_policy_id: Option<String>,
    pub origin_request_policy_id: Option<String>,
    pub response_headers_policy_id: Option<String>,
    pub field_level_encryption_id: Option<String>,
    /// ARNs of Lambda@Edge functions and CloudFront Functions associated.
    pub function_associations: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    /// An S3 bucket REST endpoint (`S3OriginConfig`, or an OAC of type s3).
    S3,
    /// An S3 static website endpoint (a custom origin that serves a bucket over HTTP).
    S3Website,
    /// A Lambda function URL (`*.lambda-url.<region>.on.aws`).
    LambdaFunctionUrl,
    /// Any other custom origin.
    #[default]
    Custom,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct Origin {
    pub id: String,
    pub domain_name: String,
    pub origin_path: Option<String>,
    pub kind: OriginKind,
    /// For S3 origins: the bucket name, derived from the domain.
    pub bucket: Option<String>,
    pub origin_access_control_id: Option<String>,
    /// `origin-access-identity/cloudfront/<id>`; `null` or empty: none.
    pub origin_access_identity: Option<String>,
    /// For custom origins: `http-only`, `match-viewer`, `https-only`.
    pub origin_protocol_policy: Option<String>,
    /// For custom origins: `SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2`.
    pub origin_ssl_protocols: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct DistributionLogging {
    pub bucket: String,
    pub prefix: String,
    pub include_cookies: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct CloudFrontOriginAccessControl {
    pub id: String,
    pub description: Option<String>,
    /// `s3`, `mediastore`, `lambda`, `mediapackagev2`.
    pub origin_type: String,
    pub signing_protocol: String,
    /// `always`, `never`, `no-override`.
    pub signing_behavior: String,
}

// ---------------------------------------------------------------- SSM

/// A Parameter Store parameter: metadata only, never its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct SsmParameter {
    /// `String`, `StringList` or `SecureString`.
    pub parameter_type: String,
    pub key_id: Option<String>,
    /// `Standard`, `Advanced`, `Intelligent-Tiering`.
    pub tier: Option<String>,
    pub data_type: Option<String>,
    pub version: i64,
    pub last_modified_date: Option<String>,
    pub last_modified_user: Option<String>,
    pub description: Option<String>,
}

// ---------------------------------------------------------------- CloudTrail

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct CloudTrailTrail {
    pub home_region: Option<String>,
    pub is_multi_region_trail: bool,
    pub is_organization_trail: bool,
    pub include_global_service_events: bool,
    pub log_file_validation_enabled: bool,
    pub kms_key_id: Option<String>,
    pub s3_bucket_name: Option<String>,
    pub s3_key_prefix: Option<String>,
    pub sns_topic_arn: Option<String>,
    pub cloud_watch_logs_log_group_arn: Option<String>,
    pub cloud_watch_logs_role_arn: Option<String>,
    pub has_custom_event_selectors: bool,
    pub has_insight_selectors: bool,
    /// `GetTrailStatus`.
    pub status: Option<TrailStatus>,
    /// `GetEventSelectors`: classic selectors, as AWS sent them.
    pub event_selectors: Vec<Value>,
    pub advanced_event_selectors: Vec<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct TrailStatus {
    pub is_logging: bool,
    pub latest_delivery_error: Option<String>,
    pub latest_delivery_time: Option<String>,
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
    pub start_logging_time: Option<String>,
    pub stop_logging_time: Option<String>,
}

/// What the usage collection read, and what it could not: one resource per snapshot
/// (`bbscan snapshot --usage-days N`). A rule never calls an action unused when the logs that
/// would show it were not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct UsageCoverage {
    /// Where the log files came from: `s3` (the trail's bucket) or `directory` (--usage-from).
    pub source: String,
    /// The trail whose files were read.
    pub trail_arn: Option<String>,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    /// The window asked for (UTC days, inclusive).
    pub window_from: String,
    pub window_to: String,
    /// The earliest and latest event read.
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    /// The first day of the window with a log file: the trail's logs begin here (it was
    /// created, started or its files kept only since then). No log at all: none.
    pub covered_from: Option<String>,
    /// Days from `covered_from` to the end of the window that have log files (the collection's
    /// own day counts only when its files have arrived).
    pub days_covered: u32,
    /// Days after `covered_from` for which no log file of any region was found: holes.
    pub missing_days: Vec<String>,
    pub regions: Vec<String>,
    pub files_read: u64,
    /// Files that could not be read or parsed (at most 50 listed), and how many in all.
    pub unreadable: Vec<UnreadableLog>,
    pub unreadable_total: u64,
    pub events: u64,
    /// Bytes of JSON read (after decompression).
    pub bytes: u64,
    /// Events before the window (late delivery, old files) or without a readable time, skipped.
    pub outside_window: u64,
    /// Events dated after the collection began — a clock is wrong: counted as use (at the
    /// collection's time), never as evidence of disuse.
    pub future_events: u64,
    /// Whether the trail records every region, and was logging when the snapshot was taken.
    pub multi_region: Option<bool>,
    /// Whether every region the account was collected in is recorded (a multi-region trail, or
    /// a single-region trail in the only region collected, with global service events).
    pub all_regions_recorded: Option<bool>,
    pub logging: Option<bool>,
    /// Whether read-only and write management events are recorded.
    pub management_reads: Option<bool>,
    pub management_writes: Option<bool>,
    /// Event sources whose management events the trail leaves out
    /// (`kms.amazonaws.com`, `rdsdata.amazonaws.com`).
    pub excluded_sources: Vec<String>,
    /// When not empty: the only event sources whose management events the trail records.
    pub only_sources: Vec<String>,
    /// Data-event resource types the trail records for every resource of the type
    /// (`AWS::S3::Object`, `AWS::Lambda::Function`, …). A selector limited to some buckets or
    /// functions is not counted: the use of the others would not show.
    pub data_events: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct UnreadableLog {
    pub key: String,
    pub reason: String,
}

// ---------------------------------------------------------------- Lambda

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct LambdaFunction {
    pub runtime: Option<String>,
    pub architectures: Vec<String>,
    pub package_type: Option<String>,
    pub handler: Option<String>,
    pub timeout: Option<i32>,
    pub memory_size: Option<i32>,
    pub role: Option<String>,
    pub kms_key_arn: Option<String>,
    /// `Active` or `PassThrough`.
    pub tracing_mode: Option<String>,
    /// `null`: no reserved concurrency (the function scales into the account's pool).
    pub reserved_concurrency: Option<i32>,
    pub dead_letter_target: Option<String>,
    pub vpc: Option<LambdaVpc>,
    pub layers: Vec<String>,
    pub last_modified: Option<String>,
    /// The log group the function writes to (its logging config, or `/aws/lambda/<name>`).
    pub log_group: String,
    /// Environment variable names with a classification of their values; values are dropped.
    pub environment: Vec<EnvVar>,
    /// The resource-based policy, decoded; `null`: none.
    pub policy: Option<Value>,
    /// `null`: no function URL.
    pub url: Option<FunctionUrl>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct LambdaVpc {
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

/// An environment variable's name and what its value looked like. The value is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
pub struct EnvVar {
    pub name: String,
    pub classification: EnvValueClass,
    /// Why it was classified so (which pattern matched), never the value.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnvValueClass {
    /// The value looks like a credential, key, token or password.
    Secret,
    /// The value points at a secret store (an SSM parameter name or ARN, a Secrets Manager ARN).
    Reference,
    /// Nothing secret-looking.
    Plain,
    /// Empty.
    Empty,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct FunctionUrl {
    pub url: String,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// CORS configuration as AWS sent it; `null`: none.
    pub cors: Option<Value>,
    pub invoke_mode: Option<String>,
}

// ---------------------------------------------------------------- CloudWatch Logs and alarms

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct LogGroup {
    /// `null`: logs never expire.
    pub retention_in_days: Option<i32>,
    pub kms_key_id: Option<String>,
    pub stored_bytes: Option<i64>,
    pub creation_time: Option<String>,
    pub log_group_class: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct CloudWatchAlarm {
    pub namespace: Option<String>,
    pub metric_name: Option<String>,
    pub statistic: Option<String>,
    pub dimensions: BTreeMap<String, String>,
    pub period: Option<i32>,
    pub evaluation_periods: Option<i32>,
    pub threshold: Option<f64>,
    pub comparison_operator: Option<String>,
    pub treat_missing_data: Option<String>,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub state_value: Option<String>,
}

// ---------------------------------------------------------------- KMS, ACM, Backup

/// A customer-managed KMS key (AWS-managed keys are not collected).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct KmsKey {
    pub key_id: String,
    /// `CUSTOMER` (the account's own key) or `AWS` (a key an AWS service created and manages,
    /// `alias/aws/s3` …: rotated by AWS every year, neither taggable nor editable).
    pub key_manager: Option<String>,
    pub description: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub key_state: Option<String>,
    pub key_usage: Option<String>,
    pub key_spec: Option<String>,
    pub origin: Option<String>,
    pub multi_region: Option<bool>,
    pub creation_date: Option<String>,
    pub deletion_date: Option<String>,
    /// `null` when rotation does not apply (asymmetric, imported, or not enabled keys).
    pub rotation_enabled: Option<bool>,
    pub rotation_period_in_days: Option<i32>,
    pub aliases: Vec<String>,
    /// The key policy (`GetKeyPolicy`, policy `default`), decoded.
    pub policy: Option<Value>,
}

impl KmsKey {
    /// Whether an AWS service manages the key (`key_manager` is `AWS`).
    pub fn aws_managed(&self) -> bool {
        self.key_manager.as_deref() == Some("AWS")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct AcmCertificate {
    pub domain_name: Option<String>,
    /// Sorted.
    pub subject_alternative_names: Vec<String>,
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, …
    pub status: Option<String>,
    /// `AMAZON_ISSUED`, `IMPORTED`, `PRIVATE`.
    pub certificate_type: Option<String>,
    pub key_algorithm: Option<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub in_use_by: Vec<String>,
    pub renewal_eligibility: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct BackupPlan {
    pub plan_id: String,
    pub version_id: Option<String>,
    pub creation_date: Option<String>,
    pub last_execution_date: Option<String>,
    pub rules: Vec<BackupRule>,
    /// Resource selections (`ListBackupSelections`), as AWS sent them.
    pub selections: Vec<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct BackupRule {
    pub name: String,
    pub target_vault: String,
    pub schedule_expression: Option<String>,
    pub delete_after_days: Option<i64>,
    pub move_to_cold_storage_after_days: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(default)]
pub struct BackupVault {
    pub creation_date: Option<String>,
    pub encryption_key_arn: Option<String>,
    pub number_of_recovery_points: i64,
    pub locked: Option<bool>,
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
}
