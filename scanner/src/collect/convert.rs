//! Small conversions from SDK shapes to the snapshot's: timestamps, tags, policy documents.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::Value;
use std::collections::BTreeMap;

/// An SDK timestamp as RFC 3339 in UTC.
pub fn ts(t: &DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_else(|_| t.secs().to_string())
}

pub fn opt_ts(t: Option<&DateTime>) -> Option<String> {
    t.map(ts)
}

/// Epoch milliseconds (CloudWatch Logs) as RFC 3339.
pub fn millis_ts(millis: i64) -> String {
    ts(&DateTime::from_millis(millis))
}

pub fn now_rfc3339() -> String {
    ts(&DateTime::from(std::time::SystemTime::now()))
}

/// Collect key/value pairs into the snapshot's tag map.
pub fn tags<I, K, V>(pairs: I) -> BTreeMap<String, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

/// Decode a policy document. IAM returns documents URL-encoded; S3 and Lambda return plain
/// JSON. Either way the snapshot stores parsed JSON.
pub fn policy_document(raw: &str) -> Result<Value, String> {
    let text = if raw.trim_start().starts_with('{') {
        std::borrow::Cow::Borrowed(raw)
    } else {
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|e| format!("policy document is not valid URL-encoded UTF-8: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("policy document is not JSON: {e}"))
}

/// `Some(v)` unless the string is empty: AWS often sends "" for "not set".
pub fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_documents_are_url_decoded() {
        let raw = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(policy_document(raw).unwrap()["Version"], "2012-10-17");
    }

    #[test]
    fn plain_json_documents_are_parsed_as_they_are() {
        let raw = r#"{"Statement":[{"Effect":"Allow","Resource":"arn:aws:s3:::a%20b/*"}]}"#;
        assert_eq!(policy_document(raw).unwrap()["Statement"][0]["Resource"], "arn:aws:s3:::a%20b/*");
    }

    #[test]
    fn a_broken_document_is_an_error_not_a_panic() {
        assert!(policy_document("%7Bnot json").is_err());
        assert!(policy_document("%FF%FE").is_err());
    }
}
