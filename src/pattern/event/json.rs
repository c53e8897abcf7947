//! The JSON form of an event pattern: the text given to `PutRule`, and the
//! strict reading of a hand-written pattern's JSON.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::model::{AnythingBut, EventPattern, Matcher, Node, OR_KEY};

impl EventPattern {
    /// The compact JSON text, as given to `PutRule`. Keys are in byte order,
    /// with `$or` last in each object, so equal patterns give equal text.
    pub fn to_json(&self) -> String {
        // Serialising into a String only fails when a map key is not a
        // string or a Serialize impl reports an error; every key here is a
        // String and the impls below never error.
        serde_json::to_string(self).expect("an event pattern always serialises")
    }

    /// The pattern as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("an event pattern always serialises")
    }

    /// Length of [`EventPattern::to_json`] in characters (what the 4096 limit counts).
    pub fn len(&self) -> usize {
        self.to_json().chars().count()
    }

    /// Never true: the JSON text always has braces.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl Serialize for EventPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let extra = usize::from(!self.any_of.is_empty());
        let mut map = serializer.serialize_map(Some(self.fields.len() + extra))?;
        for (k, node) in &self.fields {
            map.serialize_entry(k, node)?;
        }
        if !self.any_of.is_empty() {
            map.serialize_entry(OR_KEY, &self.any_of)?;
        }
        map.end()
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Object(p) => p.serialize(serializer),
            Node::Matchers(ms) => ms.serialize(serializer),
        }
    }
}

/// `{"key": value}`.
struct Op<'a, T: Serialize>(&'a str, T);

impl<T: Serialize> Serialize for Op<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &self.1)?;
        map.end()
    }
}

impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Matcher::Exact(v) => v.serialize(serializer),
            Matcher::Prefix(p) => Op("prefix", p).serialize(serializer),
            Matcher::Suffix(p) => Op("suffix", p).serialize(serializer),
            Matcher::Wildcard(p) => Op("wildcard", p).serialize(serializer),
            Matcher::Exists(b) => Op("exists", b).serialize(serializer),
            Matcher::EqualsIgnoreCase(p) => Op("equals-ignore-case", p).serialize(serializer),
            Matcher::AnythingBut(a) => Op("anything-but", a).serialize(serializer),
            Matcher::PrefixIgnoreCase(p) => {
                Op("prefix", Op("equals-ignore-case", p)).serialize(serializer)
            }
            Matcher::SuffixIgnoreCase(p) => {
                Op("suffix", Op("equals-ignore-case", p)).serialize(serializer)
            }
        }
    }
}

impl Serialize for AnythingBut {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AnythingBut::Values(vs) => vs.serialize(serializer),
            AnythingBut::Prefix(p) => Op("prefix", p).serialize(serializer),
            AnythingBut::Suffix(p) => Op("suffix", p).serialize(serializer),
            AnythingBut::Prefixes(ps) => Op("prefix", ps).serialize(serializer),
            AnythingBut::Suffixes(ps) => Op("suffix", ps).serialize(serializer),
            AnythingBut::Wildcard(ps) => Op("wildcard", ps).serialize(serializer),
            AnythingBut::EqualsIgnoreCase(ps) => Op("equals-ignore-case", ps).serialize(serializer),
        }
    }
}

impl fmt::Display for EventPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// A JSON value read with duplicate object keys refused: `serde_json::Value`
/// would keep the last one silently, changing what a hand-written pattern means.
pub(super) struct StrictJson(pub(super) Value);

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictJson(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictJson(v) = map.next_value()?;
            if out.insert(key.clone(), v).is_some() {
                // AWS accepts a repeated key, but how it reads one is not
                // documented: refusing beats guessing a verdict.
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?}: a repeated key is not supported by this evaluator"
                )));
            }
        }
        Ok(Value::Object(out))
    }
}

/// Whether two event patterns are the same JSON value (EventBridge may return
/// a pattern with its keys reordered or re-spaced); texts that are not JSON
/// are compared as they are.
pub fn same_json(observed: &str, wanted: &str) -> bool {
    match (
        serde_json::from_str::<Value>(observed),
        serde_json::from_str::<Value>(wanted),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => observed == wanted,
    }
}
