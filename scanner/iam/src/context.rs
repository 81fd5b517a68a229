//! The request context: what the analysis knows about each condition key of a request.
//!
//! A concrete request (a simulation, the differential test) knows every key: a key it does not
//! list is absent. An analysis of what a principal *could* do knows only some keys (who the
//! principal is, its tags, the resource's account) and must not guess the rest (source IP, MFA,
//! request tags): those are unknown, and a decision that depends on them is conditional.

use std::collections::BTreeMap;

/// Three-valued logic: a condition the analysis cannot decide is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// True or unknown: "can be true".
    pub fn possible(self) -> bool {
        self != Tri::False
    }
}

/// What is known about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// Present, with these values (one for a single-valued key).
    Values(Vec<String>),
    /// Not in the request.
    Absent,
    /// The analysis does not know.
    Unknown,
}

/// The request context keys, case-insensitive by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    keys: BTreeMap<String, KeyValue>,
    /// Key prefixes whose unlisted keys are absent, not unknown (`aws:principaltag/` once every
    /// tag of the principal is listed).
    complete_prefixes: Vec<String>,
    /// Whether a key neither listed nor under a complete prefix is absent (a concrete request)
    /// rather than unknown (an analysis).
    closed: bool,
}

impl Context {
    /// A concrete request: every key not set is absent.
    pub fn closed() -> Context {
        Context { closed: true, ..Context::default() }
    }

    /// An analysis: every key not set is unknown.
    pub fn open() -> Context {
        Context::default()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Set a key to one value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), KeyValue::Values(vec![value.into()]));
        self
    }

    /// Set a multivalued key (`aws:TagKeys`).
    pub fn set_many(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), KeyValue::Values(values));
        self
    }

    pub fn set_absent(&mut self, key: &str) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), KeyValue::Absent);
        self
    }

    pub fn set_unknown(&mut self, key: &str) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), KeyValue::Unknown);
        self
    }

    /// Every key starting with `prefix` that is not set is absent.
    pub fn complete(&mut self, prefix: &str) -> &mut Self {
        self.complete_prefixes.push(prefix.to_ascii_lowercase());
        self
    }

    /// Whether `key` was set (to values, absent or unknown) rather than left to the default.
    pub fn is_set(&self, key: &str) -> bool {
        self.keys.contains_key(&key.to_ascii_lowercase())
    }

    /// What is known about `key`.
    pub fn get(&self, key: &str) -> KeyValue {
        let key = key.to_ascii_lowercase();
        if let Some(v) = self.keys.get(&key) {
            return match v {
                KeyValue::Values(values) if values.is_empty() => KeyValue::Absent,
                other => other.clone(),
            };
        }
        if self.closed || self.complete_prefixes.iter().any(|p| key.starts_with(p.as_str())) {
            KeyValue::Absent
        } else {
            KeyValue::Unknown
        }
    }

    /// The single value of a key for a policy variable: `Some(Some(v))`, `Some(None)` when
    /// absent, `None` when unknown. A multivalued key has no single value: unknown.
    pub fn variable(&self, key: &str) -> Option<Option<String>> {
        match self.get(key) {
            KeyValue::Values(v) if v.len() == 1 => Some(Some(v[0].clone())),
            KeyValue::Values(_) | KeyValue::Unknown => None,
            KeyValue::Absent => Some(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_logic() {
        use Tri::*;
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(Unknown.not(), Unknown);
        assert!(Unknown.possible() && !False.possible());
    }

    #[test]
    fn open_and_closed_contexts() {
        let mut c = Context::open();
        c.set("aws:PrincipalTag/Team", "web").complete("aws:PrincipalTag/");
        assert_eq!(c.get("AWS:principaltag/team"), KeyValue::Values(vec!["web".into()]));
        assert_eq!(c.get("aws:PrincipalTag/other"), KeyValue::Absent);
        assert_eq!(c.get("aws:SourceIp"), KeyValue::Unknown);
        assert_eq!(c.variable("aws:SourceIp"), None);
        assert_eq!(c.variable("aws:PrincipalTag/other"), Some(None));
        let mut c = Context::closed();
        c.set_many("aws:TagKeys", vec![]);
        assert_eq!(c.get("aws:SourceIp"), KeyValue::Absent);
        assert_eq!(c.get("aws:TagKeys"), KeyValue::Absent);
    }
}
