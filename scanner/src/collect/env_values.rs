//! Classify a Lambda environment variable's value at collection time, then drop the value.
//!
//! The classification looks at the name and the value's shape. Only the class and the name of
//! the pattern that matched reach the snapshot; the value never leaves this function.

use bbscan_model::EnvValueClass;

/// Names that say "this is a credential".
const SECRET_NAME_PARTS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CLIENT_SECRET",
    "CREDENTIAL",
    "AUTH_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "DATABASE_URL",
    "DB_URL",
    "CONNECTION_STRING",
    "DSN",
    "WEBHOOK",
];

/// Names that are secret-sounding but conventionally hold identifiers, not credentials.
const PLAIN_NAME_PARTS: &[&str] = &["CLIENT_ID", "ACCOUNT_ID", "KEY_ID", "TOKEN_URL", "_ARN", "_NAME", "_REGION"];

/// Prefixes of well-known credential formats.
const SECRET_PREFIXES: &[(&str, &str)] = &[
    ("AKIA", "aws-access-key-id"),
    ("ASIA", "aws-access-key-id"),
    ("sk-", "openai-style-key"),
    ("sk_live_", "stripe-key"),
    ("rk_live_", "stripe-key"),
    ("ghp_", "github-token"),
    ("gho_", "github-token"),
    ("ghs_", "github-token"),
    ("ghu_", "github-token"),
    ("github_pat_", "github-token"),
    ("xoxb-", "slack-token"),
    ("xoxp-", "slack-token"),
    ("AIza", "google-api-key"),
    ("-----BEGIN", "pem-private-key"),
    ("eyJ", "jwt"),
];

/// Classify one variable. Returns the class and the reason (a pattern name, never the value).
pub fn classify_env_value(name: &str, value: &str) -> (EnvValueClass, &'static str) {
    let value = value.trim();
    if value.is_empty() {
        return (EnvValueClass::Empty, "empty");
    }
    if is_reference(value) {
        return (EnvValueClass::Reference, "secret-store-reference");
    }
    for (prefix, reason) in SECRET_PREFIXES {
        if value.starts_with(prefix) && value.len() >= prefix.len() + 8 {
            return (EnvValueClass::Secret, reason);
        }
    }
    if has_url_credentials(value) {
        return (EnvValueClass::Secret, "url-with-password");
    }
    // SST links resources into `SST_RESOURCE_<Name>` as JSON; a linked secret carries a value.
    if value.starts_with('{')
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(value)
        && map.get("type").and_then(|t| t.as_str()).is_some_and(|t| t.ends_with("Secret"))
        && map.contains_key("value")
    {
        return (EnvValueClass::Secret, "sst-linked-secret");
    }
    let upper = name.to_ascii_uppercase();
    let plain_name = PLAIN_NAME_PARTS.iter().any(|p| upper.contains(p));
    let secret_name = !plain_name && SECRET_NAME_PARTS.iter().any(|p| upper.contains(p));
    if secret_name && !looks_like_plain_setting(value) {
        return (EnvValueClass::Secret, "secret-name");
    }
    if !plain_name && looks_random(value) {
        return (EnvValueClass::Secret, "high-entropy-value");
    }
    (EnvValueClass::Plain, "no-secret-pattern")
}

/// An SSM parameter name or ARN, or a Secrets Manager ARN: where a secret should live.
fn is_reference(value: &str) -> bool {
    value.starts_with("arn:aws:ssm:")
        || value.starts_with("arn:aws:secretsmanager:")
        || value.starts_with("arn:aws-cn:ssm:")
        || value.starts_with("arn:aws-us-gov:ssm:")
        || value.starts_with("{{resolve:")
        || (value.starts_with('/') && value.len() > 1 && !value.contains(' ') && !value.contains("://"))
}

/// `scheme://user:password@host` (a database URL with its password).
fn has_url_credentials(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.split_once(':').is_some_and(|(_, pw)| !pw.is_empty()),
        None => false,
    }
}

/// Booleans, numbers, short words, URLs without credentials: settings, not secrets.
fn looks_like_plain_setting(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null")
        || value.parse::<f64>().is_ok()
        || value.len() < 8
        || value.starts_with("http://")
        || value.starts_with("https://")
}

/// A long token-like string with mixed character classes and high entropy.
fn looks_random(value: &str) -> bool {
    if value.len() < 24 || value.len() > 4096 || value.contains(char::is_whitespace) {
        return false;
    }
    if value.starts_with("http://") || value.starts_with("https://") || value.starts_with("arn:") {
        return false;
    }
    let token_chars = value.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_-.".contains(c));
    let classes = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    token_chars && classes >= 2 && shannon_entropy(value) >= 3.5
}

fn shannon_entropy(value: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in value.bytes() {
        counts[b as usize] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnvValueClass::*;

    #[test]
    fn secrets_by_shape() {
        assert_eq!(classify_env_value("X", "AKIAIOSFODNN7EXAMPLE").0, Secret);
        assert_eq!(classify_env_value("OPENAI", "sk-proj-abcdefghijklmnop").0, Secret);
        assert_eq!(classify_env_value("DB", "postgres://bb:hunter2@db.example.com/app").0, Secret);
        assert_eq!(classify_env_value("SESSION", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg").0, Secret);
        assert_eq!(
            classify_env_value("SST_RESOURCE_DatabaseUrl", r#"{"type":"sst.sst.Secret","value":"x"}"#).0,
            Secret
        );
    }

    #[test]
    fn secrets_by_name() {
        assert_eq!(classify_env_value("BETTER_AUTH_SECRET", "correct horse battery staple").0, Secret);
        assert_eq!(classify_env_value("STRIPE_API_KEY", "notsoobvious").0, Secret);
    }

    #[test]
    fn references_and_plain_settings() {
        assert_eq!(classify_env_value("DATABASE_URL_PARAM", "/brainbytes/production/DatabaseUrl").0, Reference);
        assert_eq!(classify_env_value("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x").0, Reference);
        assert_eq!(classify_env_value("NODE_ENV", "production").0, Plain);
        assert_eq!(classify_env_value("GITHUB_CLIENT_ID", "Iv1.8a61f9b3a7aba766").0, Plain);
        assert_eq!(classify_env_value("TOKEN_TTL", "3600").0, Plain);
        assert_eq!(classify_env_value("API_URL", "https://brainbytes.redentor.dev").0, Plain);
        assert_eq!(classify_env_value("SST_RESOURCE_App", r#"{"name":"brainbytes","stage":"production"}"#).0, Plain);
        assert_eq!(classify_env_value("EMPTY", "").0, Empty);
    }

    #[test]
    fn the_reason_never_contains_the_value() {
        let (_, reason) = classify_env_value("X", "sk-verysecretvalue123");
        assert!(!reason.contains("verysecret"));
    }
}
