//! CloudTrail log files, read as a stream and folded into what each principal did.
//!
//! A log file is gzip-compressed JSON, `{"Records": [...]}`. It is decompressed and parsed one
//! record at a time (never a whole file, let alone a month, as a tree); from each record only
//! the identity, the time, the event source and name, the error code and the resource ARNs are
//! read. Request parameters and response elements — which can hold secrets — are skipped by
//! the parser without ever being kept.

use bbscan_model::{ActionUse, PrincipalUsage};
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;

/// At most this many resource ARNs are kept per action; more are only counted.
pub const RESOURCES_KEPT: usize = 20;
/// Distinct resources counted exactly up to this many per action.
const RESOURCES_COUNTED: usize = 10_000;
/// A log file that decompresses to more JSON than this is not read to the end (CloudTrail's
/// files hold a few MB; this is a damaged or hostile file).
pub const MAX_JSON_BYTES: u64 = 1 << 30;
/// Events dated up to this long after the collection began are on time (delivery, clocks).
const SKEW_TOLERANCE: i64 = 300;

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "eventTime")]
    event_time: Option<String>,
    #[serde(rename = "eventSource")]
    event_source: Option<String>,
    #[serde(rename = "eventName")]
    event_name: Option<String>,
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    #[serde(rename = "userIdentity")]
    user_identity: Option<Identity>,
    resources: Option<Vec<RecordResource>>,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "type")]
    kind: Option<String>,
    arn: Option<String>,
    #[serde(rename = "accountId")]
    account_id: Option<String>,
    #[serde(rename = "sessionContext")]
    session: Option<SessionContext>,
}

#[derive(Deserialize)]
struct SessionContext {
    #[serde(rename = "sessionIssuer")]
    issuer: Option<Issuer>,
}

#[derive(Deserialize)]
struct Issuer {
    arn: Option<String>,
}

#[derive(Deserialize)]
struct RecordResource {
    #[serde(rename = "ARN")]
    arn: Option<String>,
}

#[derive(Debug, Default, Clone)]
struct Use {
    first: i64,
    last: i64,
    count: u64,
    kept: BTreeSet<String>,
    seen: HashSet<u64>,
    saturated: bool,
    without_resource: u64,
}

impl Use {
    fn add(&mut self, t: i64, resources: &[String]) {
        if self.count == 0 || t < self.first {
            self.first = t;
        }
        if t > self.last {
            self.last = t;
        }
        self.count += 1;
        if resources.is_empty() {
            self.without_resource += 1;
        }
        for r in resources {
            if self.kept.len() < RESOURCES_KEPT {
                self.kept.insert(r.clone());
            }
            if self.seen.len() < RESOURCES_COUNTED {
                self.seen.insert(fnv(r));
            } else {
                self.saturated = true;
            }
        }
    }

    fn merge(&mut self, other: Use) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 || other.first < self.first {
            self.first = other.first;
        }
        self.last = self.last.max(other.last);
        self.count += other.count;
        self.without_resource += other.without_resource;
        for r in other.kept {
            if self.kept.len() < RESOURCES_KEPT {
                self.kept.insert(r);
            }
        }
        for h in other.seen {
            if self.seen.len() < RESOURCES_COUNTED {
                self.seen.insert(h);
            } else {
                self.saturated = true;
            }
        }
        self.saturated |= other.saturated;
    }

    fn finish(self, action: String) -> ActionUse {
        let total = self.seen.len().max(self.kept.len()) as u64;
        ActionUse {
            action,
            first: format_time(self.first),
            last: format_time(self.last),
            count: self.count,
            resources: self.kept.into_iter().collect(),
            // Saturated: at least this many (the exact number was not kept).
            resources_total: if self.saturated { total + 1 } else { total },
            without_resource: self.without_resource,
        }
    }
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// An S3 object's ARN as its bucket's objects, `arn:aws:s3:::bucket/*`: object keys are data
/// (they can name people), change with every deploy, and a policy grants them by prefix.
fn object_to_bucket(arn: String) -> String {
    match arn.split_once(":s3:::") {
        Some((head, path)) if path.contains('/') && head.starts_with("arn:") && head.matches(':').count() == 1 => {
            let bucket = path.split('/').next().unwrap_or_default();
            format!("{head}:s3:::{bucket}/*")
        }
        _ => arn,
    }
}

/// Counts what is read through it, and stops (end of input) one byte past the limit.
struct Capped<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read > self.limit {
            return Ok(0);
        }
        let room = usize::try_from(self.limit + 1 - self.read).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(&mut buf[..room])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// RFC 3339 of seconds since the epoch.
pub fn format_time(t: i64) -> String {
    bbscan_model::format_epoch(t)
}

#[derive(Debug, Default, Clone)]
struct Principal {
    events: u64,
    assumed: u64,
    last_assumed: Option<i64>,
    actions: HashMap<String, Use>,
    denied: HashMap<String, Use>,
    unmapped: HashMap<String, Use>,
}

/// Everything read so far: per principal, and for the coverage.
#[derive(Debug, Clone)]
pub struct Aggregator {
    account: String,
    partition: String,
    from: i64,
    to: i64,
    principals: HashMap<String, Principal>,
    mapping: HashMap<(String, String), Vec<String>>,
    pub events: u64,
    pub outside_window: u64,
    /// Events dated after the collection began (a clock is wrong): counted as use, at the
    /// collection's time.
    pub future: u64,
    pub malformed: u64,
    /// Bytes of JSON read (decompressed).
    pub bytes: u64,
    /// The most JSON one file may decompress to.
    pub max_json_bytes: u64,
    pub other_identities: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Aggregator {
    /// For this account's principals, counting events from `from` to `to` (epoch seconds,
    /// inclusive).
    pub fn new(account: &str, partition: &str, from: i64, to: i64) -> Aggregator {
        Aggregator {
            account: account.to_string(),
            partition: partition.to_string(),
            from,
            to,
            principals: HashMap::new(),
            mapping: HashMap::new(),
            events: 0,
            outside_window: 0,
            future: 0,
            malformed: 0,
            bytes: 0,
            max_json_bytes: MAX_JSON_BYTES,
            other_identities: 0,
            first: None,
            last: None,
        }
    }

    /// An empty aggregator with the same window, for one file read on its own.
    pub fn fresh(&self) -> Aggregator {
        let mut a = Aggregator::new(&self.account, &self.partition, self.from, self.to);
        a.max_json_bytes = self.max_json_bytes;
        a
    }

    /// Read one log file (decompressed JSON) into the aggregate. Returns how many records it
    /// held; an error names what is wrong with the file (records before it are kept).
    pub fn read_json(&mut self, reader: impl Read) -> Result<u64, String> {
        let limit = self.max_json_bytes;
        let mut counted = Capped { inner: reader, read: 0, limit };
        let before = self.events + self.outside_window + self.malformed;
        let result = {
            let mut de =
                serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(256 * 1024, &mut counted));
            serde::Deserializer::deserialize_map(&mut de, FileVisitor { agg: self })
                .map_err(|e| format!("not a CloudTrail log file: {e}"))
                .and_then(|()| de.end().map_err(|e| format!("trailing data after the log: {e}")))
        };
        self.bytes += counted.read;
        if counted.read > limit {
            return Err(format!("more than {limit} bytes of JSON: not a CloudTrail log file, not read to the end"));
        }
        result?;
        Ok(self.events + self.outside_window + self.malformed - before)
    }

    /// Read one gzip-compressed log file.
    pub fn read_gzip(&mut self, reader: impl Read) -> Result<u64, String> {
        self.read_json(flate2::read::MultiGzDecoder::new(reader)).map_err(|e| {
            if e.contains("corrupt") || e.contains("invalid gzip") || e.contains("unexpected end") {
                format!("not a complete gzip file: {e}")
            } else {
                e
            }
        })
    }

    fn record(&mut self, r: Record) {
        let Some(t) = r.event_time.as_deref().and_then(bbscan_model::epoch_seconds) else {
            self.malformed += 1;
            return;
        };
        if t < self.from {
            self.outside_window += 1;
            return;
        }
        let t = if t > self.to.saturating_add(SKEW_TOLERANCE) {
            self.future += 1;
            self.to
        } else {
            t.min(self.to)
        };
        let (Some(source), Some(name)) = (r.event_source.clone(), r.event_name.clone()) else {
            self.malformed += 1;
            return;
        };
        self.events += 1;
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        let resources: Vec<String> = r
            .resources
            .unwrap_or_default()
            .into_iter()
            .filter_map(|x| x.arn)
            .filter(|a| a.starts_with("arn:"))
            .map(object_to_bucket)
            .collect();
        let denied = r.error_code.as_deref().is_some_and(is_denied);
        // A role assumed — by anyone, services included — was used, whoever asked.
        if !denied && source.eq_ignore_ascii_case("sts.amazonaws.com") && name.starts_with("AssumeRole") {
            let role_prefix = format!("arn:{}:iam::{}:role/", self.partition, self.account);
            for role in resources.iter().filter(|a| a.starts_with(&role_prefix)) {
                let p = self.principals.entry(role.clone()).or_default();
                p.assumed += 1;
                p.last_assumed = Some(p.last_assumed.map_or(t, |l| l.max(t)));
            }
        }
        let Some(principal) = r.user_identity.and_then(|id| self.principal_of(id)) else {
            self.other_identities += 1;
            return;
        };
        let key = (source, name);
        let actions = match self.mapping.get(&key) {
            Some(a) => a.clone(),
            None => {
                let a = bbscan_iam::usage::actions_of(&key.0, &key.1);
                self.mapping.insert(key.clone(), a.clone());
                a
            }
        };
        let p = self.principals.entry(principal).or_default();
        p.events += 1;
        if actions.is_empty() {
            if !bbscan_iam::usage::is_free(&key.0, &key.1) {
                let prefix = key.0.split('.').next().unwrap_or_default();
                p.unmapped.entry(format!("{prefix}:{}", key.1)).or_default().add(t, &resources);
            }
            return;
        }
        let target = if denied { &mut p.denied } else { &mut p.actions };
        for a in actions {
            target.entry(a).or_default().add(t, &resources);
        }
    }

    /// The principal of this account an identity stands for: a role (its sessions), a user,
    /// the root user. Services, other accounts and federated identities are not principals here.
    fn principal_of(&self, id: Identity) -> Option<String> {
        if id.account_id.as_deref().is_some_and(|a| a != self.account) {
            return None;
        }
        match id.kind.as_deref()? {
            "AssumedRole" | "FederatedUser" => id.session?.issuer?.arn.filter(|a| a.starts_with("arn:")),
            "IAMUser" => id.arn.filter(|a| a.starts_with("arn:")),
            "Root" => Some(format!("arn:{}:iam::{}:root", self.partition, self.account)),
            _ => None,
        }
    }

    /// Fold another aggregate (one file's) in.
    pub fn merge(&mut self, other: Aggregator) {
        self.events += other.events;
        self.outside_window += other.outside_window;
        self.future += other.future;
        self.bytes += other.bytes;
        self.malformed += other.malformed;
        self.other_identities += other.other_identities;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (k, v) in other.mapping {
            self.mapping.entry(k).or_insert(v);
        }
        for (arn, p) in other.principals {
            let mine = self.principals.entry(arn).or_default();
            mine.events += p.events;
            mine.assumed += p.assumed;
            mine.last_assumed = match (mine.last_assumed, p.last_assumed) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for (target, from) in [(&mut mine.actions, p.actions), (&mut mine.denied, p.denied), (&mut mine.unmapped, p.unmapped)] {
                for (a, u) in from {
                    target.entry(a).or_default().merge(u);
                }
            }
        }
    }

    /// Each principal's usage, by principal ARN.
    pub fn finish(self) -> HashMap<String, PrincipalUsage> {
        let list = |m: HashMap<String, Use>| -> Vec<ActionUse> {
            let mut v: Vec<ActionUse> = m.into_iter().map(|(a, u)| u.finish(a)).collect();
            v.sort_by(|a, b| a.action.cmp(&b.action));
            v
        };
        self.principals
            .into_iter()
            .map(|(arn, p)| {
                (
                    arn,
                    PrincipalUsage {
                        actions: list(p.actions),
                        denied: list(p.denied),
                        unmapped: list(p.unmapped),
                        events: p.events,
                        assumed: p.assumed,
                        last_assumed: p.last_assumed.map(format_time),
                    },
                )
            })
            .collect()
    }
}

/// Error codes of calls IAM refused.
fn is_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "Client.UnauthorizedOperation"
    ) || code.ends_with(".UnauthorizedOperation")
}

struct FileVisitor<'a> {
    agg: &'a mut Aggregator,
}

impl<'de> Visitor<'de> for FileVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with a Records list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "Records" {
                map.next_value_seed(RecordsSeed { agg: self.agg })?;
                seen = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(serde::de::Error::custom("no Records list"));
        }
        Ok(())
    }
}

struct RecordsSeed<'a> {
    agg: &'a mut Aggregator,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // One record at a time, straight into the small struct: the fields not named there
        // (request parameters, response elements) are skipped by the parser, never held.
        while let Some(record) = seq.next_element::<Record>()? {
            self.agg.record(record);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DAY: i64 = 86_400;
    const T0: i64 = 1_780_000_000;

    fn record(t: i64, identity: serde_json::Value, source: &str, name: &str, error: Option<&str>, arns: &[&str]) -> serde_json::Value {
        let mut r = json!({
            "eventVersion": "1.09", "eventTime": format_time(t), "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "userIdentity": identity,
            "requestParameters": {"name": "/app/prod/DatabaseUrl", "withDecryption": true},
            "responseElements": {"parameter": {"value": "postgres://user:SECRET@db"}},
            "resources": arns.iter().map(|a| json!({"ARN": a, "type": "x"})).collect::<Vec<_>>(),
            "eventCategory": "Management", "readOnly": true
        });
        if let Some(e) = error {
            r["errorCode"] = json!(e);
        }
        r
    }

    fn role_session(role: &str) -> serde_json::Value {
        json!({"type": "AssumedRole", "principalId": "AROAX:s", "accountId": "123456789012",
               "arn": format!("arn:aws:sts::123456789012:assumed-role/{role}/s"),
               "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::123456789012:role/{role}"), "accountId": "123456789012"}}})
    }

    #[test]
    fn records_fold_into_principals_and_secrets_are_never_kept() {
        let mut agg = Aggregator::new("123456789012", "aws", T0, T0 + 30 * DAY);
        let p = "arn:aws:ssm:us-east-1:123456789012:parameter/app/prod/DatabaseUrl";
        let file = json!({"Records": [
            record(T0 + DAY, role_session("worker"), "ssm.amazonaws.com", "GetParameter", None, &[p]),
            record(T0 + 2 * DAY, role_session("worker"), "ssm.amazonaws.com", "GetParameter", None, &[p]),
            record(T0 + 3 * DAY, role_session("worker"), "s3.amazonaws.com", "PutBucketPolicy", Some("AccessDenied"), &[]),
            record(T0 + 3 * DAY, role_session("worker"), "s3.amazonaws.com", "ConjureBucket", None, &[]),
            record(T0 + 4 * DAY, json!({"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/ci", "accountId": "123456789012"}), "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", None, &[]),
            record(T0 + 4 * DAY, json!({"type": "Root", "accountId": "123456789012", "arn": "arn:aws:iam::123456789012:root"}), "signin.amazonaws.com", "ConsoleLogin", None, &[]),
            record(T0 + 4 * DAY, json!({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}), "sts.amazonaws.com", "AssumeRole", None, &["arn:aws:iam::123456789012:role/fn-role"]),
            record(T0 + 4 * DAY, role_session("worker"), "sts.amazonaws.com", "GetCallerIdentity", None, &[]),
            record(T0 - DAY, role_session("worker"), "ssm.amazonaws.com", "GetParameters", None, &[]),
            {"eventTime": "yesterday", "eventSource": "x", "eventName": "y"},
            {"eventTime": format_time(T0 + DAY), "unknownField": {"deep": [1, 2, {"x": null}]}}
        ]});
        let text = serde_json::to_vec(&file).unwrap();
        assert_eq!(agg.read_json(text.as_slice()), Ok(11));
        assert_eq!((agg.events, agg.outside_window, agg.malformed, agg.other_identities), (8, 1, 2, 1));
        let usage = agg.finish();
        let worker = &usage["arn:aws:iam::123456789012:role/worker"];
        assert_eq!(worker.events, 5);
        assert_eq!(worker.actions.len(), 1);
        assert_eq!(worker.actions[0].action, "ssm:GetParameter");
        assert_eq!(worker.actions[0].count, 2);
        assert_eq!(worker.actions[0].resources, vec![p]);
        assert_eq!(worker.actions[0].first, format_time(T0 + DAY));
        assert_eq!(worker.denied[0].action, "s3:PutBucketPolicy");
        assert_eq!(worker.unmapped[0].action, "s3:ConjureBucket");
        assert_eq!(usage["arn:aws:iam::123456789012:user/ci"].actions[0].action, "lambda:UpdateFunctionCode");
        assert_eq!(usage["arn:aws:iam::123456789012:root"].events, 1);
        // Lambda assumed the function's role: the role was used, though it made no call.
        let fn_role = &usage["arn:aws:iam::123456789012:role/fn-role"];
        assert_eq!((fn_role.assumed, fn_role.events), (1, 0));
        let all = format!("{usage:?}");
        assert!(!all.contains("SECRET") && !all.contains("withDecryption"), "request and response data never kept");
    }

    #[test]
    fn broken_files_are_errors_with_what_was_read_kept() {
        let mut agg = Aggregator::new("123456789012", "aws", T0, T0 + DAY);
        assert!(agg.read_json(&b"not json"[..]).unwrap_err().contains("not a CloudTrail log file"));
        assert!(agg.read_json(&b"{\"Nope\": []}"[..]).unwrap_err().contains("no Records"));
        assert!(agg.read_json(&b"{\"Records\": [42]}"[..]).is_err(), "a record that is not an object");
        // Truncated gzip.
        let file = serde_json::to_vec(&json!({"Records": [record(T0 + 1, role_session("r"), "ssm.amazonaws.com", "GetParameter", None, &[])]})).unwrap();
        let mut gz = Vec::new();
        {
            let mut enc = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::default());
            std::io::Write::write_all(&mut enc, &file).unwrap();
            enc.finish().unwrap();
        }
        let mut ok = agg.fresh();
        assert_eq!(ok.read_gzip(gz.as_slice()), Ok(1));
        let cut = &gz[..gz.len() / 2];
        assert!(agg.fresh().read_gzip(cut).is_err());
        // Merging keeps counts.
        agg.merge(ok);
        assert_eq!(agg.events, 1);
    }

    #[test]
    fn many_resources_are_capped_and_counted() {
        let mut agg = Aggregator::new("123456789012", "aws", T0, T0 + DAY);
        let records: Vec<serde_json::Value> = (0..50)
            .map(|i| {
                let table = format!("arn:aws:dynamodb:us-east-1:123456789012:table/t{i}");
                record(T0 + i, role_session("r"), "dynamodb.amazonaws.com", "DescribeTable", None, &[&table])
            })
            .collect();
        agg.read_json(serde_json::to_vec(&json!({"Records": records})).unwrap().as_slice()).unwrap();
        let u = &agg.finish()["arn:aws:iam::123456789012:role/r"].actions[0];
        assert_eq!((u.resources.len(), u.resources_total, u.count), (RESOURCES_KEPT, 50, 50));
    }

    #[test]
    fn a_file_that_inflates_without_end_is_cut_off() {
        // A gzip bomb: a small file of whitespace before the records.
        let mut gz = Vec::new();
        {
            let mut enc = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::best());
            std::io::Write::write_all(&mut enc, b"{\"Records\": [").unwrap();
            for _ in 0..64 {
                std::io::Write::write_all(&mut enc, &[b' '; 64 * 1024]).unwrap();
            }
            std::io::Write::write_all(&mut enc, b"]}").unwrap();
            enc.finish().unwrap();
        }
        assert!(gz.len() < 64 * 1024, "compressed to {}", gz.len());
        let mut agg = Aggregator::new("123456789012", "aws", T0, T0 + DAY);
        agg.max_json_bytes = 1024 * 1024;
        let err = agg.read_gzip(gz.as_slice()).unwrap_err();
        assert!(err.contains("more than 1048576 bytes"), "{err}");
        assert_eq!(agg.bytes, 1024 * 1024 + 1, "read one byte past the limit, no more");
        // Under the limit the same file is fine.
        let mut agg = Aggregator::new("123456789012", "aws", T0, T0 + DAY);
        assert_eq!(agg.read_gzip(gz.as_slice()), Ok(0));
        assert_eq!(agg.bytes, 64 * 64 * 1024 + 15);
    }

    #[test]
    fn events_from_a_wrong_clock_count_as_use_at_the_collection_time() {
        let mut agg = Aggregator::new("123456789012", "aws", T0, T0 + DAY);
        let records = vec![
            record(T0 + DAY + 60, role_session("r"), "sqs.amazonaws.com", "PurgeQueue", None, &[]),
            record(T0 + 3 * DAY, role_session("r"), "ssm.amazonaws.com", "GetParameter", None, &[]),
        ];
        agg.read_json(serde_json::to_vec(&json!({"Records": records})).unwrap().as_slice()).unwrap();
        assert_eq!((agg.events, agg.future, agg.outside_window), (2, 1, 0), "a minute late is on time; two days is a wrong clock");
        assert_eq!(agg.last, Some(T0 + DAY));
        let usage = agg.finish();
        let r = &usage["arn:aws:iam::123456789012:role/r"];
        assert_eq!(r.actions.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["sqs:PurgeQueue", "ssm:GetParameter"]);
        assert!(r.actions.iter().all(|a| a.last == format_time(T0 + DAY)));
    }

    #[test]
    fn object_keys_are_not_kept() {
        assert_eq!(object_to_bucket("arn:aws:s3:::assets/_next/static/a.js".into()), "arn:aws:s3:::assets/*");
        assert_eq!(object_to_bucket("arn:aws:s3:::users/alice@example.com/cv.pdf".into()), "arn:aws:s3:::users/*");
        assert_eq!(object_to_bucket("arn:aws:s3:::assets".into()), "arn:aws:s3:::assets");
        assert_eq!(object_to_bucket("arn:aws-cn:s3:::b/k".into()), "arn:aws-cn:s3:::b/*");
        assert_eq!(
            object_to_bucket("arn:aws:ssm:us-east-1:1:parameter/a/b".into()),
            "arn:aws:ssm:us-east-1:1:parameter/a/b"
        );
    }

    #[test]
    fn times_format() {
        assert_eq!(format_time(1_768_467_600), "2026-01-15T09:00:00Z");
        assert_eq!(bbscan_model::epoch_seconds(&format_time(T0)), Some(T0));
    }
}
