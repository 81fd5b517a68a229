//! Loading AWS configuration: the standard credential chain, regions, retries, timeouts and
//! a custom endpoint (for emulators and VPC endpoints).

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextMut, Output,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::SdkConfig;
use aws_types::region::Region;
use std::time::Duration;

/// How to reach AWS. Shared by every command that talks to it.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    pub profile: Option<String>,
    /// Regions to collect regional services from; empty: the config chain's region.
    pub regions: Vec<String>,
    /// Send every request here instead of the AWS endpoints (`--endpoint-url`).
    pub endpoint_url: Option<String>,
    /// Deadline for one attempt of one call.
    pub call_timeout: Duration,
    /// Attempts per call, including the first (adaptive retries).
    pub max_attempts: u32,
    /// A role to assume with the loaded credentials (a stage's `role_arn`).
    pub role: Option<RoleToAssume>,
}

/// An IAM role bbscan assumes, always with the session name [`SESSION_NAME`] (so CloudTrail
/// shows the scanner's reads as the scanner's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleToAssume {
    pub arn: String,
    pub external_id: Option<String>,
}

/// The session name of every role bbscan assumes.
pub const SESSION_NAME: &str = "bbscan";

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            profile: None,
            regions: Vec::new(),
            endpoint_url: None,
            call_timeout: Duration::from_secs(30),
            max_attempts: 5,
            role: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AwsConfigError {
    #[error(
        "no AWS region is configured: pass --region (e.g. --region us-east-1), set AWS_REGION, \
         or set a region in your AWS profile"
    )]
    NoRegion,
    #[error("--region {0:?} is not a region name (expected something like us-east-1)")]
    BadRegion(String),
    #[error("--endpoint-url {url:?} is not an http(s) URL")]
    BadEndpoint { url: String },
}

/// A loaded configuration: the base SDK config and the regions to collect.
#[derive(Debug, Clone)]
pub struct AwsSetup {
    base: SdkConfig,
    pub regions: Vec<String>,
    /// The custom endpoint in use, from the flag or `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
}

impl AwsSetup {
    pub async fn load(options: &AwsOptions) -> Result<AwsSetup, AwsConfigError> {
        for region in &options.regions {
            let valid = !region.is_empty()
                && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && region.contains('-');
            if !valid {
                return Err(AwsConfigError::BadRegion(region.clone()));
            }
        }
        if let Some(url) = &options.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(AwsConfigError::BadEndpoint { url: url.clone() });
        }
        let retry = RetryConfig::adaptive()
            .with_max_attempts(options.max_attempts.max(1))
            .with_initial_backoff(Duration::from_millis(200));
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(options.call_timeout)
            .operation_timeout(options.call_timeout * options.max_attempts.max(1) * 2)
            .connect_timeout(Duration::from_secs(5).min(options.call_timeout))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(first) = options.regions.first() {
            loader = loader.region(Region::new(first.clone()));
        }
        let mut base = loader.load().await;
        if let Some(role) = &options.role {
            base = assuming(&base, role).await;
        }
        let regions = if options.regions.is_empty() {
            match base.region() {
                Some(r) => vec![r.to_string()],
                None => return Err(AwsConfigError::NoRegion),
            }
        } else {
            let mut regions = options.regions.clone();
            regions.dedup();
            regions
        };
        let endpoint_url = base.endpoint_url().map(str::to_string);
        Ok(AwsSetup { base, regions, endpoint_url })
    }

    /// The same setup with the credentials of `role`, assumed with this setup's credentials
    /// (the role's temporary credentials are fetched on the first call, and refreshed).
    pub async fn assuming(&self, role: &RoleToAssume) -> AwsSetup {
        AwsSetup {
            base: assuming(&self.base, role).await,
            regions: self.regions.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    /// The SDK config for one region.
    pub fn in_region(&self, region: &str) -> SdkConfig {
        self.base.to_builder().region(Region::new(region.to_string())).build()
    }

    /// The region global services (IAM, CloudFront, STS, S3 Control) are called in.
    pub fn global_region(&self) -> String {
        self.regions.first().cloned().unwrap_or_else(|| "us-east-1".to_string())
    }

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let mut builder =
            aws_sdk_s3::config::Builder::from(&self.in_region(region)).force_path_style(self.endpoint_url.is_some());
        if self.endpoint_url.is_some() {
            builder = builder.interceptor(VersioningRootCompat);
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    }

    pub fn s3control(&self, account_id: &str) -> aws_sdk_s3control::Client {
        let mut builder = aws_sdk_s3control::config::Builder::from(&self.in_region(&self.global_region()));
        if let Some(url) = &self.endpoint_url
            && let Some(host) = literal_host(url)
        {
            builder = builder.interceptor(DropAccountPrefix { prefix: format!("{account_id}.{host}"), host });
        }
        aws_sdk_s3control::Client::from_conf(builder.build())
    }
}

async fn assuming(base: &SdkConfig, role: &RoleToAssume) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.arn.clone()).session_name(SESSION_NAME);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.clone());
    }
    let provider = builder.configure(base).build().await;
    base.to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build()
}

/// The host of an endpoint URL when it is an IP address or `localhost`, where the S3 Control
/// account-id host prefix (`123456789012.127.0.0.1`) cannot resolve.
fn literal_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => return v6.split_once(']').map(|(h, _)| format!("[{h}]")),
        None => authority.split(':').next()?,
    };
    (host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()).then(|| host.to_string())
}

/// S3 Control's endpoint rules put the account id in front of the host. Against an endpoint
/// given as an IP address that name cannot resolve, so drop the prefix before signing.
#[derive(Debug)]
struct DropAccountPrefix {
    prefix: String,
    host: String,
}

impl Intercept for DropAccountPrefix {
    fn name(&self) -> &'static str {
        "DropAccountPrefix"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().to_string();
        let fixed = uri.replacen(&format!("://{}", self.prefix), &format!("://{}", self.host), 1);
        if fixed != uri {
            request.set_uri(fixed)?;
        }
        Ok(())
    }
}

/// Some S3 emulators (moto 5.2.5 among them) answer `GetBucketVersioning` with the root element
/// `GetBucketVersioningResponse` instead of S3's `VersioningConfiguration`, which the SDK
/// rejects. Only installed for custom endpoints: read the two fields from such an answer.
#[derive(Debug)]
struct VersioningRootCompat;

impl Intercept for VersioningRootCompat {
    fn name(&self) -> &'static str {
        "VersioningRootCompat"
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(text) = context.response().and_then(|r| r.body().bytes()).and_then(|b| std::str::from_utf8(b).ok())
        else {
            return Ok(());
        };
        if !text.contains("<GetBucketVersioningResponse") || context.output_or_error().is_some_and(|r| r.is_ok()) {
            return Ok(());
        }
        let output = aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput::builder()
            .set_status(
                xml_element(text, "Status").map(|s| aws_sdk_s3::types::BucketVersioningStatus::from(s.as_str())),
            )
            .set_mfa_delete(
                xml_element(text, "MfaDelete").map(|s| aws_sdk_s3::types::MfaDeleteStatus::from(s.as_str())),
            )
            .build();
        if let Some(slot) = context.output_or_error_mut() {
            *slot = Ok(Output::erase(output));
        }
        Ok(())
    }
}

/// The text of the first `<name>…</name>` element.
fn xml_element(text: &str, name: &str) -> Option<String> {
    let start = text.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + text[start..].find(&format!("</{name}>"))?;
    Some(text[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_hosts() {
        assert_eq!(literal_host("http://127.0.0.1:4566").as_deref(), Some("127.0.0.1"));
        assert_eq!(literal_host("http://localhost:4566/").as_deref(), Some("localhost"));
        assert_eq!(literal_host("http://[::1]:4566").as_deref(), Some("[::1]"));
        assert_eq!(literal_host("https://s3-control.example.com"), None);
    }

    #[test]
    fn xml_elements() {
        let xml = "<GetBucketVersioningResponse><Status>Enabled</Status></GetBucketVersioningResponse>";
        assert_eq!(xml_element(xml, "Status").as_deref(), Some("Enabled"));
        assert_eq!(xml_element(xml, "MfaDelete"), None);
    }
}
