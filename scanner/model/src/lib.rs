//! The bbscan snapshot document.
//!
//! One definition of what the scanner writes and what policies read: the scanner serialises
//! these types to the snapshot JSON, the policy SDK deserialises the same types from the
//! resource documents it is handed. The crate has no dependency on the AWS SDK, tokio or
//! wasmtime, so it compiles for `wasm32-wasip2` as well as for the host.
//!
//! Conventions of the document:
//! - field names are `snake_case`; timestamps are RFC 3339 strings in UTC;
//! - IAM, S3 and Lambda policy documents are stored decoded, as JSON values;
//! - a field that AWS says is not configured is `null` (or absent);
//! - a field that could not be read is named in the resource's `unknown` list and in a
//!   snapshot-level [`Gap`]: "not configured" and "not assessed" are never confused.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub mod drift;
pub mod findings;
pub mod kinds;
pub mod organization;
mod resource_de;

pub use resource_de::top_level_keys;

pub use kinds::*;

/// The version of the snapshot document. Bump on any breaking change of its shape.
pub const SCHEMA_VERSION: u32 = 1;

/// Tag keys SST v3 puts on every taggable resource.
pub const SST_APP_TAG: &str = "sst:app";
pub const SST_STAGE_TAG: &str = "sst:stage";

/// A whole snapshot: what was collected, from where, and what could not be seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Version of this document's shape; see [`SCHEMA_VERSION`].
    pub schema_version: u32,
    pub metadata: Metadata,
    /// Every resource, sorted by kind then ARN.
    pub resources: Vec<Resource>,
    /// What could not be read. An empty list means everything was read.
    pub gaps: Vec<Gap>,
}

/// Where and when the snapshot was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Account id, from STS `GetCallerIdentity`.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, … (from the caller's ARN).
    pub partition: String,
    /// ARN of the identity that collected the snapshot.
    pub caller_arn: String,
    /// Regions whose regional services were collected.
    pub regions: Vec<String>,
    /// The SST app the stage filter applies to.
    pub app: String,
    /// The SST stage kept, or `null` for the whole account.
    pub stage: Option<String>,
    /// Stages seen in the account's `sst:stage` tags (for the app), sorted.
    pub stages_seen: Vec<String>,
    pub started_at: String,
    pub finished_at: String,
    pub bbscan_version: String,
    /// Number of AWS API requests made (attempts, including retries, are not counted twice).
    pub api_calls: u64,
    /// API calls per `service:Operation`.
    pub api_calls_by_operation: BTreeMap<String, u64>,
}

/// One AWS resource (or account-level settings object).
// Read by a hand-written `Deserialize` (`resource_de`): the derived one buffers every resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Resource {
    /// ARN, or an ARN-shaped identifier for account-level settings.
    pub arn: String,
    /// Short name: bucket name, role name, parameter name, distribution id, …
    pub name: String,
    /// Account id that owns the resource.
    pub account: String,
    /// Region, or `global` for IAM, CloudFront and account-level settings.
    pub region: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Configuration fields that could not be read (each has a matching snapshot gap).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// The kind and its configuration.
    #[serde(flatten)]
    pub config: ResourceConfig,
}

impl Resource {
    pub fn kind(&self) -> &'static str {
        self.config.kind()
    }

    /// The `sst:stage` tag, if any.
    pub fn stage(&self) -> Option<&str> {
        self.tags.get(SST_STAGE_TAG).map(String::as_str)
    }

    /// The `sst:app` tag, if any.
    pub fn app(&self) -> Option<&str> {
        self.tags.get(SST_APP_TAG).map(String::as_str)
    }

    /// Whether a configuration field could be read.
    pub fn is_known(&self, field: &str) -> bool {
        !self.unknown.iter().any(|f| f == field)
    }
}

/// Something bbscan could not see. A gap is never reported as "no resources".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// Service id, e.g. `s3`, `iam`, `cloudtrail`.
    pub service: String,
    /// The API operation, e.g. `GetBucketPolicy`.
    pub operation: String,
    /// The region the call was made in, or `global`.
    pub region: String,
    /// The resource the call was about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The configuration field left unknown on that resource, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: GapReason,
    /// The AWS error code, when AWS sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub message: String,
}

impl Gap {
    /// The resource kinds whose data the failed call would have given: the kinds a rule must
    /// not judge as if complete. Most calls feed the kinds of their own service (`kms` →
    /// `kms.key`); the rest are named here. A gap of an unknown service concerns no kind.
    pub fn kinds(&self) -> Vec<&'static str> {
        let named: &[&str] = match (self.service.as_str(), self.operation.as_str()) {
            ("s3control", _) => &["s3.account_public_access_block"],
            // The CloudTrail log files read from the trail's bucket give the usage.
            ("s3", "ListObjectsV2" | "GetObject") => &["cloudtrail.usage"],
            ("s3", _) => &["s3.bucket"],
            ("iam", "GetAccountPasswordPolicy" | "GetAccountSummary") => &["iam.account"],
            ("iam", "GenerateCredentialReport" | "GetCredentialReport") => &["iam.account", "iam.user"],
            ("iam", "GetAccountAuthorizationDetails") => &["iam.user", "iam.group", "iam.role", "iam.policy"],
            ("iam", "ListPolicyTags" | "GetPolicy" | "GetPolicyVersion") => &["iam.policy"],
            ("iam", "ListOpenIDConnectProviders" | "GetOpenIDConnectProvider") => &["iam.oidc_provider"],
            ("iam", _) => &["iam.user"],
            ("organizations", _) => &["organizations.account"],
            // Cost Explorer: the tags activated for cost allocation, kept on the account.
            ("ce", _) => &["iam.account"],
            ("cloudfront", "ListOriginAccessControls") => &["cloudfront.origin_access_control"],
            ("cloudfront", _) => &["cloudfront.distribution"],
            ("cloudtrail", _) => &["cloudtrail.trail"],
            // CloudWatch Logs deliveries carry CloudFront's standard logging v2.
            ("logs", op) if op.starts_with("DescribeDeliver") => &["cloudfront.distribution"],
            ("backup", "ListBackupVaults") => &["backup.vault"],
            ("backup", "ListTags") => &["backup.plan", "backup.vault"],
            ("backup", _) => &["backup.plan"],
            _ => {
                let prefix = format!("{}.", self.service);
                return kinds::KINDS.iter().copied().filter(|k| k.starts_with(&prefix)).collect();
            }
        };
        named.to_vec()
    }

    /// Whether the gap concerns a listing (resources of its kinds may be missing from the
    /// snapshot altogether), not one resource's field.
    pub fn is_listing(&self) -> bool {
        self.resource.is_none()
    }

    /// One line naming the gap, for messages: `cloudtrail:DescribeTrails in us-east-1 (access_denied)`.
    pub fn describe(&self) -> String {
        let mut text = format!("{}:{} in {}", self.service, self.operation, self.region);
        if let Some(resource) = &self.resource {
            text.push_str(&format!(" for {resource}"));
        }
        text.push_str(&format!(" ({})", self.reason.as_str()));
        text
    }
}

/// Why something could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The credentials may not call this operation.
    AccessDenied,
    /// The endpoint does not implement the operation (seen with emulators and some partitions).
    NotImplemented,
    /// Throttled beyond the retry budget.
    Throttled,
    /// The call or a page of it timed out.
    Timeout,
    /// The service answered with a server error.
    ServiceError,
    /// The answer could not be parsed.
    MalformedResponse,
    /// The request could not be sent (connection refused, DNS, TLS).
    Network,
    /// Any other error.
    Other,
}

impl GapReason {
    /// From the snake-case name ([`GapReason::as_str`]); anything else is [`GapReason::Other`].
    pub fn parse(s: &str) -> GapReason {
        serde_json::from_value(Value::String(s.to_string())).unwrap_or(GapReason::Other)
    }

    /// The snake-case name used in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::AccessDenied => "access_denied",
            GapReason::NotImplemented => "not_implemented",
            GapReason::Throttled => "throttled",
            GapReason::Timeout => "timeout",
            GapReason::ServiceError => "service_error",
            GapReason::MalformedResponse => "malformed_response",
            GapReason::Network => "network",
            GapReason::Other => "other",
        }
    }
}

/// A snapshot document that is not one bbscan can read.
#[derive(Debug)]
pub enum SnapshotError {
    Json(serde_json::Error),
    Version {
        found: u64,
    },
    /// `metadata.started_at` or `finished_at` is not an RFC 3339 time: every age a rule judges
    /// (keys, waivers, certificates) is counted from it, so a snapshot without it is refused
    /// rather than judged as of 1970.
    Time {
        field: &'static str,
        value: String,
    },
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Json(e) => write!(f, "not a bbscan snapshot: {e}"),
            SnapshotError::Version { found } => write!(
                f,
                "snapshot schema_version {found} is not supported (this bbscan reads version {SCHEMA_VERSION}); \
                 take a new snapshot with this bbscan"
            ),
            SnapshotError::Time { field, value } => write!(
                f,
                "the snapshot's metadata.{field} {value:?} is not an RFC 3339 time (like 2026-01-15T09:00:00Z): \
                 rules count ages from it. Take a new snapshot, or fix the field"
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl SnapshotError {
    /// What is wrong with a snapshot document that did not read into its types (`error`): its
    /// version, when it names one other than this bbscan's, else the shape error itself.
    pub fn explain(bytes: &[u8], error: serde_json::Error) -> SnapshotError {
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<Value>,
        }
        let version = serde_json::from_slice::<Version>(bytes).ok().and_then(|v| v.schema_version?.as_u64());
        match version {
            Some(found) if found != u64::from(SCHEMA_VERSION) => SnapshotError::Version { found },
            _ => SnapshotError::Json(error),
        }
    }
}

impl Metadata {
    /// Both collection times parse (every age a rule judges counts from `finished_at`).
    pub fn check_times(&self) -> Result<(), SnapshotError> {
        for (field, value) in [("started_at", &self.started_at), ("finished_at", &self.finished_at)] {
            if epoch_seconds(value).is_none() {
                return Err(SnapshotError::Time { field, value: value.clone() });
            }
        }
        Ok(())
    }
}

impl Snapshot {
    /// Parse a snapshot document, read straight into its types (no JSON tree of the whole
    /// file in between). A document of another version is named as such rather than as a shape
    /// error: when the shape does not read, the version is looked for (a skim over the text,
    /// taken only then: a good document is read once).
    pub fn from_json(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        let snapshot: Snapshot = serde_json::from_slice(bytes).map_err(|e| SnapshotError::explain(bytes, e))?;
        if snapshot.schema_version != SCHEMA_VERSION {
            return Err(SnapshotError::Version { found: u64::from(snapshot.schema_version) });
        }
        snapshot.check_times()?;
        Ok(snapshot)
    }

    /// When the snapshot was taken (`metadata.finished_at`), in seconds since the Unix epoch.
    pub fn taken_at(&self) -> Result<i64, SnapshotError> {
        epoch_seconds(&self.metadata.finished_at)
            .ok_or_else(|| SnapshotError::Time { field: "finished_at", value: self.metadata.finished_at.clone() })
    }

    /// Both collection times parse.
    pub fn check_times(&self) -> Result<(), SnapshotError> {
        self.metadata.check_times()
    }

    /// Resources of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources.iter().filter(move |r| r.kind() == kind)
    }

    /// The resource with this ARN.
    pub fn get(&self, arn: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.arn == arn)
    }

    /// Count of resources per kind, sorted by kind.
    pub fn counts_by_kind(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.resources {
            *counts.entry(r.kind()).or_insert(0) += 1;
        }
        counts
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time (`2026-01-15T09:00:00Z`, fractions and
/// `±hh:mm` offsets allowed); `None` for anything else.
pub fn epoch_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    let (y, m, d, hh, mm, ss) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month[(m - 1) as usize] || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &r[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) && r.as_bytes()[3] == b':' => {
            let (h, m) = (r[1..3].parse::<i64>().ok()?, r[4..6].parse::<i64>().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            (h * 3600 + m * 60) * if r.starts_with('-') { -1 } else { 1 }
        }
        _ => return None,
    };
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch (the inverse of [`epoch_seconds`]).
pub fn format_epoch(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_times_must_parse() {
        for t in [0, 1_768_467_600, 1_835_395_200, 1_835_481_599, -86_400] {
            assert_eq!(epoch_seconds(&format_epoch(t)), Some(t));
        }
        assert_eq!(epoch_seconds("2026-01-15T09:00:00Z"), Some(1_768_467_600));
        assert_eq!(epoch_seconds("2026-01-15T11:00:00.5+02:00"), Some(1_768_467_600));
        assert_eq!(epoch_seconds("2028-02-29T00:00:00Z"), Some(1_835_395_200));
        for bad in [
            "",
            "yesterday",
            "2026-01-15",
            "2027-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-15T09:00:00",
            "2026-01-15T09:00:00.Z",
            "+002026-01-15T09:00:00Z",
        ] {
            assert_eq!(epoch_seconds(bad), None, "{bad}");
        }
        let doc = |t: &str| {
            format!(
                r#"{{"schema_version":{SCHEMA_VERSION},"metadata":{{"account_id":"1","partition":"aws","caller_arn":"x","regions":[],"app":"a","stage":null,"stages_seen":[],"started_at":"2026-01-15T09:00:00Z","finished_at":"{t}","bbscan_version":"x","api_calls":0,"api_calls_by_operation":{{}}}},"resources":[],"gaps":[]}}"#
            )
        };
        assert!(Snapshot::from_json(doc("2026-01-15T09:00:05Z").as_bytes()).is_ok());
        let err = Snapshot::from_json(doc("15/01/2026").as_bytes()).unwrap_err();
        assert!(err.to_string().contains("metadata.finished_at \"15/01/2026\" is not an RFC 3339 time"), "{err}");
    }

    #[test]
    fn a_newer_schema_version_gets_a_clear_error() {
        let err = Snapshot::from_json(br#"{"schema_version": 99, "metadata": {}}"#).unwrap_err();
        assert!(err.to_string().contains("schema_version 99 is not supported"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_snapshot() {
        let err = Snapshot::from_json(b"[1,2").unwrap_err();
        assert!(err.to_string().starts_with("not a bbscan snapshot"), "{err}");
    }
}
