//! Reading a policy's settings (the `[policies.<name>]` table of `bbscan.toml`, as JSON) with
//! defaults and errors that name the key. Use the same functions in `validate_settings` and
//! `evaluate`, so a bad value is refused before any evaluation.

use serde_json::Value;

fn wrong(key: &str, what: &str) -> String {
    format!("setting {key:?} must be {what}")
}

/// A list of strings; `default` when the key is absent.
pub fn strings(settings: &Value, key: &str, default: &[&str]) -> Result<Vec<String>, String> {
    match settings.get(key) {
        None => Ok(default.iter().map(|s| s.to_string()).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| wrong(key, "a list of strings")))
            .collect(),
        Some(_) => Err(wrong(key, "a list of strings")),
    }
}

/// A whole number in `min..=max`; `default` when the key is absent.
pub fn integer(settings: &Value, key: &str, default: i64, min: i64, max: i64) -> Result<i64, String> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_i64()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| wrong(key, &format!("a whole number from {min} to {max}"))),
    }
}

/// A boolean; `default` when the key is absent.
pub fn boolean(settings: &Value, key: &str, default: bool) -> Result<bool, String> {
    match settings.get(key) {
        None => Ok(default),
        Some(v) => v.as_bool().ok_or_else(|| wrong(key, "true or false")),
    }
}

/// A string; `default` when the key is absent.
pub fn string(settings: &Value, key: &str, default: &str) -> Result<String, String> {
    match settings.get(key) {
        None => Ok(default.to_string()),
        Some(v) => v.as_str().map(str::to_string).ok_or_else(|| wrong(key, "a string")),
    }
}

/// Refuse keys the policy does not know, so a typo is an error rather than silently ignored.
pub fn only_keys(settings: &Value, known: &[&str]) -> Result<(), String> {
    match settings {
        Value::Object(map) => match map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) if known.is_empty() => Err(format!("unknown setting {k:?}: this policy has no settings")),
            Some(k) => Err(format!("unknown setting {k:?}; the settings are: {}", known.join(", "))),
            None => Ok(()),
        },
        _ => Err("settings must be a table".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_values_and_errors() {
        let s = json!({"days": 30, "names": ["a"], "on": false, "bad": "x"});
        assert_eq!(integer(&s, "days", 90, 1, 365), Ok(30));
        assert_eq!(integer(&s, "missing", 90, 1, 365), Ok(90));
        assert!(integer(&s, "days", 90, 31, 365).unwrap_err().contains("\"days\""));
        assert_eq!(strings(&s, "names", &["z"]), Ok(vec!["a".to_string()]));
        assert_eq!(strings(&s, "other", &["z"]), Ok(vec!["z".to_string()]));
        assert!(strings(&s, "bad", &[]).is_err());
        assert_eq!(boolean(&s, "on", true), Ok(false));
        assert!(only_keys(&s, &["days", "names", "on"]).unwrap_err().contains("\"bad\""));
        assert!(only_keys(&json!({}), &[]).is_ok());
    }
}
