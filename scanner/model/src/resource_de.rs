//! Reading a [`Resource`] without buffering it.
//!
//! The derived reader of a struct with a `#[serde(flatten)]` field collects the whole object
//! into serde's private buffer before it can read the flattened part; for a snapshot that is
//! every configuration built twice (a third of an audit's time and most of its memory on a
//! large account). Here the fields are read as they come: `kind` names the configuration's type,
//! and `config`, which follows it in every snapshot bbscan writes, is read straight into that
//! type. A `config` written before its `kind` is kept as a JSON value until the kind is known.

use crate::{Resource, ResourceConfig};
use serde::Deserialize;
use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Resource, D::Error> {
        deserializer.deserialize_map(ResourceVisitor)
    }
}

struct ResourceVisitor;

impl<'de> Visitor<'de> for ResourceVisitor {
    type Value = Resource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resource (an object with arn, name, account, region, kind and config)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Resource, A::Error> {
        let (mut arn, mut name, mut account, mut region) = (None, None, None, None);
        let mut tags: Option<BTreeMap<String, String>> = None;
        let mut unknown: Option<Vec<String>> = None;
        let mut kind: Option<String> = None;
        let mut config: Option<ResourceConfig> = None;
        let mut early_config: Option<serde_json::Value> = None;
        fn once<T, E: de::Error>(slot: &mut Option<T>, field: &'static str, value: T) -> Result<(), E> {
            if slot.is_some() {
                return Err(E::duplicate_field(field));
            }
            *slot = Some(value);
            Ok(())
        }
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Arn => once(&mut arn, "arn", map.next_value()?)?,
                Field::Name => once(&mut name, "name", map.next_value()?)?,
                Field::Account => once(&mut account, "account", map.next_value()?)?,
                Field::Region => once(&mut region, "region", map.next_value()?)?,
                Field::Tags => once(&mut tags, "tags", map.next_value()?)?,
                Field::Unknown => once(&mut unknown, "unknown", map.next_value()?)?,
                Field::Kind => once(&mut kind, "kind", map.next_value()?)?,
                Field::Config => {
                    if config.is_some() || early_config.is_some() {
                        return Err(de::Error::duplicate_field("config"));
                    }
                    match &kind {
                        Some(k) => config = Some(map.next_value_seed(ConfigOf { kind: k })?),
                        None => early_config = Some(map.next_value()?),
                    }
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        let config = match (config, early_config) {
            (Some(c), _) => c,
            (None, Some(value)) => ConfigOf { kind: &kind }.deserialize(value).map_err(de::Error::custom)?,
            (None, None) => return Err(de::Error::missing_field("config")),
        };
        Ok(Resource {
            arn: arn.ok_or_else(|| de::Error::missing_field("arn"))?,
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            account: account.ok_or_else(|| de::Error::missing_field("account"))?,
            region: region.ok_or_else(|| de::Error::missing_field("region"))?,
            tags: tags.unwrap_or_default(),
            unknown: unknown.unwrap_or_default(),
            config,
        })
    }
}

/// A resource's field, by its key; keys of no field are passed over.
enum Field {
    Arn,
    Name,
    Account,
    Region,
    Tags,
    Unknown,
    Kind,
    Config,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

struct FieldVisitor;

impl Visitor<'_> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resource field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
        Ok(match key {
            "arn" => Field::Arn,
            "name" => Field::Name,
            "account" => Field::Account,
            "region" => Field::Region,
            "tags" => Field::Tags,
            "unknown" => Field::Unknown,
            "kind" => Field::Kind,
            "config" => Field::Config,
            _ => Field::Other,
        })
    }
}

impl ResourceConfig {
    /// The configuration of `kind` from its JSON text (a snapshot resource's `config`), read
    /// straight into its type.
    pub fn from_json(kind: &str, text: &str) -> Result<ResourceConfig, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let config = ConfigOf { kind }.deserialize(&mut de)?;
        de.end()?;
        Ok(config)
    }
}

/// Reads a `config` value as the configuration of `kind`.
struct ConfigOf<'k> {
    kind: &'k str,
}

impl<'de> DeserializeSeed<'de> for ConfigOf<'_> {
    type Value = ResourceConfig;

    fn deserialize<D: Deserializer<'de>>(self, content: D) -> Result<ResourceConfig, D::Error> {
        // The enum's own (adjacently tagged) reader, handed the tag and then the content.
        ResourceConfig::deserialize(Tagged { kind: self.kind, content })
    }
}

/// `{"kind": KIND, "config": CONTENT}` as a deserializer, CONTENT read from the source as is.
struct Tagged<'k, D> {
    kind: &'k str,
    content: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tagged<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        visitor.visit_map(TaggedMap { kind: self.kind, content: Some(self.content), next: 0 })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct TaggedMap<'k, D> {
    kind: &'k str,
    content: Option<D>,
    /// 0: the tag is next, 1: the content, 2: done.
    next: u8,
}

impl<'de, D: Deserializer<'de>> MapAccess<'de> for TaggedMap<'_, D> {
    type Error = D::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, D::Error> {
        let key = match self.next {
            0 => "kind",
            1 => "config",
            _ => return Ok(None),
        };
        let key: StrDeserializer<'_, D::Error> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, D::Error> {
        self.next += 1;
        match self.next {
            1 => {
                let kind: StrDeserializer<'_, D::Error> = self.kind.into_deserializer();
                seed.deserialize(kind)
            }
            _ => match self.content.take() {
                Some(content) => seed.deserialize(content),
                None => Err(de::Error::custom("a resource's config was read twice")),
            },
        }
    }
}

/// The keys of a JSON document's top-level object (none for any other JSON value), read without
/// keeping the values: to tell which kind of document a file is before reading it into its type.
pub fn top_level_keys(bytes: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let keys = de.deserialize_any(Keys)?;
    de.end()?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Resource, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    const FIELDS: &str = r#""arn":"arn:aws:ssm:eu-west-1:111122223333:parameter/a","name":"/a","account":"111122223333","region":"eu-west-1""#;
    const CONFIG: &str =
        r#""config":{"parameter_type":"SecureString","key_id":null,"tier":"Standard","data_type":"text","version":3}"#;

    #[test]
    fn a_resource_reads_the_same_whatever_the_order_of_its_fields() {
        let kind_first =
            read(&format!(r#"{{{FIELDS},"tags":{{"sst:stage":"dev"}},"kind":"ssm.parameter",{CONFIG}}}"#)).unwrap();
        let config_first =
            read(&format!(r#"{{{CONFIG},"kind":"ssm.parameter",{FIELDS},"tags":{{"sst:stage":"dev"}}}}"#)).unwrap();
        assert_eq!(kind_first, config_first);
        assert_eq!(kind_first.kind(), "ssm.parameter");
        assert_eq!(kind_first.stage(), Some("dev"));
        assert!(
            matches!(&kind_first.config, ResourceConfig::SsmParameter(p) if p.version == 3 && p.parameter_type == "SecureString"),
            "{:?}",
            kind_first.config
        );
        // What it writes reads back as itself.
        let again = read(&serde_json::to_string(&kind_first).unwrap()).unwrap();
        assert_eq!(again, kind_first);
        // Keys of no field are passed over; tags and unknown may be left out.
        let extra = read(&format!(r#"{{{FIELDS},"kind":"ssm.parameter","note":[1,{{"x":2}}],{CONFIG}}}"#)).unwrap();
        assert!(extra.tags.is_empty() && extra.unknown.is_empty());
        assert_eq!(extra.config, kind_first.config);
    }

    #[test]
    fn the_config_alone_is_the_config_the_snapshot_writes() {
        let r = read(&format!(r#"{{{FIELDS},"kind":"ssm.parameter",{CONFIG}}}"#)).unwrap();
        let whole = serde_json::to_value(&r).unwrap();
        let alone: serde_json::Value = serde_json::from_str(&r.config.config_json()).unwrap();
        assert_eq!(alone, whole["config"]);
        assert_eq!(alone["version"], 3);
        // Read back alone, given its kind: the same configuration.
        let back = ResourceConfig::from_json("ssm.parameter", &r.config.config_json()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&r.config).unwrap());
        let refused = |kind: &str, text: &str| ResourceConfig::from_json(kind, text).unwrap_err().to_string();
        assert!(refused("ssm.nothing", "{}").contains("unknown variant `ssm.nothing`"));
        assert!(refused("ssm.parameter", &format!("{} {{}}", r.config.config_json())).contains("trailing characters"));
        assert!(refused("ssm.parameter", "[1]").contains("invalid type"));
        assert!(refused("ssm.parameter", r#"{"version": "three"}"#).contains("invalid type"));
    }

    #[test]
    fn the_top_level_keys_of_any_json_document() {
        assert_eq!(top_level_keys(br#"{"a": {"b": [1, 2]}, "c": null, "d": "x"}"#).unwrap(), ["a", "c", "d"]);
        for other in [&b"[1, {\"a\": 2}]"[..], b"3", b"-1.5", b"\"s\"", b"null", b"true"] {
            assert_eq!(top_level_keys(other).unwrap(), Vec::<String>::new());
        }
        for broken in [&b"{\"a\": }"[..], b"{} {}", b"", b"[1,"] {
            assert!(top_level_keys(broken).is_err());
        }
    }

    #[test]
    fn a_malformed_resource_says_what_is_wrong() {
        let cases = [
            (format!(r#"{{{FIELDS},{CONFIG}}}"#), "missing field `kind`"),
            (format!(r#"{{{FIELDS},"kind":"ssm.parameter"}}"#), "missing field `config`"),
            (
                format!(r#"{{"name":"/a","account":"1","region":"r","kind":"ssm.parameter",{CONFIG}}}"#),
                "missing field `arn`",
            ),
            (format!(r#"{{{FIELDS},"kind":"ssm.parameter",{CONFIG},{CONFIG}}}"#), "duplicate field `config`"),
            (format!(r#"{{{FIELDS},"arn":"x","kind":"ssm.parameter",{CONFIG}}}"#), "duplicate field `arn`"),
            (format!(r#"{{{FIELDS},"kind":"ssm.nope",{CONFIG}}}"#), "unknown variant `ssm.nope`"),
            (format!(r#"{{{CONFIG},{FIELDS},"kind":"ssm.nope"}}"#), "unknown variant `ssm.nope`"),
            (
                format!(r#"{{{FIELDS},"kind":"ssm.parameter","config":{{"parameter_type":7}}}}"#),
                "invalid type: integer `7`",
            ),
            (format!(r#"{{{FIELDS},"kind":3,{CONFIG}}}"#), "invalid type: integer `3`"),
            ("[]".to_string(), "invalid type: sequence"),
        ];
        for (text, want) in cases {
            let err = read(&text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
