//! Amazon EventBridge event patterns: a typed model, its JSON form, a parser,
//! an evaluator, and the two patterns the pipeline needs.
//!
//! * [`read_alert_pattern`] is the EventBridge twin of the metric filter built
//!   by [`generate`](super::generate()): same configuration, same verdict on
//!   every CloudTrail record, applied to the EventBridge envelope
//!   (`source`, `detail-type`, `detail` = the CloudTrail record).
//! * [`tamper_pattern`] matches CloudTrail calls that disable the pipeline's
//!   own trail, log group, alarm, topic or key.
//!
//! The evaluator follows the AWS "Event patterns" and "Content filtering"
//! pages and the event-ruler README (the library EventBridge matches with).
//! Where they leave a behaviour open, `docs/filter-patterns.md` section 4 says
//! which interpretation was chosen.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::scope::{
    assumed_role_prefix, dedup_sorted, first_distinct, scoped_events, Principal, Scope,
    SecretScope, ACCESS_DENIED_PATTERN, BATCH_GET_SECRET_VALUE, SECRETS_MANAGER_EVENT_SOURCE,
};
use super::{check_len, PatternError, PatternInput};

/// EventBridge limit on the length of a rule's `EventPattern`, in characters.
pub const MAX_EVENT_PATTERN_LEN: usize = 4096;
/// `detail-type` of every CloudTrail record EventBridge delivers.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// EventBridge `source` of Secrets Manager's CloudTrail records.
pub const SECRETS_MANAGER_SOURCE: &str = "aws.secretsmanager";

/// The key EventBridge reads as "any of these branches".
const OR_KEY: &str = "$or";

/// An event pattern: a JSON object whose fields must all match (AND).
///
/// `any_of` is the object's `$or`: when non-empty, at least one branch must
/// also match the same object. EventBridge only reads `$or` as an OR when it
/// has at least two branches; [`EventPattern::with_any_of`] and
/// [`EventPattern::validate`] enforce that.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventPattern {
    fields: BTreeMap<String, Node>,
    any_of: Vec<EventPattern>,
}

/// The pattern under one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A nested pattern: the event value must be an object (or an array
    /// holding objects, one of which must match).
    Object(EventPattern),
    /// A matcher list: matches when any matcher matches (OR).
    Matchers(Vec<Matcher>),
}

/// One element of a matcher list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// A bare JSON scalar: string, number, boolean or null.
    Exact(Value),
    /// `{"prefix": "…"}`: strings only.
    Prefix(String),
    /// `{"suffix": "…"}`: strings only.
    Suffix(String),
    /// `{"wildcard": "…"}`: strings only; `*` is any run of characters,
    /// `\*` a literal star, `\\` a literal backslash.
    Wildcard(String),
    /// `{"exists": true|false}`.
    Exists(bool),
    /// `{"anything-but": …}`.
    AnythingBut(AnythingBut),
    /// `{"equals-ignore-case": "…"}`: strings only.
    EqualsIgnoreCase(String),
}

/// What an `anything-but` excludes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnythingBut {
    /// `"v"`, `5` or `["a", "b"]`: values (all strings or all numbers).
    Values(Vec<Value>),
    /// `{"prefix": "…"}`.
    Prefix(String),
    /// `{"suffix": "…"}`.
    Suffix(String),
    /// `{"wildcard": "…"}` or `{"wildcard": ["…", …]}`.
    Wildcard(Vec<String>),
}

/// Why a text is not an event pattern this module accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid event pattern at {path}: {reason}")]
pub struct EventPatternError {
    /// Where, e.g. `detail.userIdentity.arn[1]`; `(root)` for the whole pattern.
    pub path: String,
    pub reason: String,
}

fn err<T>(path: &str, reason: impl Into<String>) -> Result<T, EventPatternError> {
    Err(EventPatternError {
        path: if path.is_empty() {
            "(root)".to_string()
        } else {
            path.to_string()
        },
        reason: reason.into(),
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl From<EventPattern> for Node {
    fn from(p: EventPattern) -> Self {
        Node::Object(p)
    }
}

impl From<Vec<Matcher>> for Node {
    fn from(m: Vec<Matcher>) -> Self {
        Node::Matchers(m)
    }
}

impl Matcher {
    /// An exact string.
    pub fn exact(s: &str) -> Self {
        Matcher::Exact(Value::String(s.to_string()))
    }
}

impl EventPattern {
    /// The empty pattern; add fields with [`EventPattern::with`].
    pub fn new() -> Self {
        Self::default()
    }

    /// This pattern with `node` under `key` (replacing any earlier node for
    /// `key`: one JSON object cannot hold a key twice).
    pub fn with(mut self, key: &str, node: impl Into<Node>) -> Self {
        self.fields.insert(key.to_string(), node.into());
        self
    }

    /// This pattern with a `$or` of `branches`. EventBridge reads `$or` as a
    /// field name unless it has at least two branches, so fewer is an error.
    pub fn with_any_of(mut self, branches: Vec<EventPattern>) -> Result<Self, EventPatternError> {
        if branches.len() < 2 {
            return err(OR_KEY, "$or needs at least two branches");
        }
        self.any_of = branches;
        Ok(self)
    }

    /// The fields, in key order.
    pub fn fields(&self) -> &BTreeMap<String, Node> {
        &self.fields
    }

    /// The `$or` branches; empty when there is no `$or`.
    pub fn any_of(&self) -> &[EventPattern] {
        &self.any_of
    }

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

    /// Parse a pattern written with the operators of [`Matcher`]. Unknown or
    /// unsupported operators (`numeric`, `cidr`, nested `equals-ignore-case`),
    /// duplicate keys, empty lists and a `$or` of fewer than two branches are
    /// refused.
    pub fn parse(text: &str) -> Result<EventPattern, EventPatternError> {
        let StrictJson(value) = serde_json::from_str(text).map_err(|e| EventPatternError {
            path: "(root)".to_string(),
            reason: format!("not JSON: {e}"),
        })?;
        let Value::Object(obj) = value else {
            return err("", "an event pattern is a JSON object");
        };
        let p = Self::from_object(&obj, "")?;
        p.validate()?;
        Ok(p)
    }

    fn from_object(obj: &Map<String, Value>, path: &str) -> Result<Self, EventPatternError> {
        let mut p = EventPattern::new();
        for (key, value) in obj {
            let here = join(path, key);
            if key == OR_KEY {
                let Value::Array(items) = value else {
                    return err(&here, "$or takes an array of patterns");
                };
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{here}[{i}]");
                    let Value::Object(o) = item else {
                        return err(&at, "a $or branch is an object");
                    };
                    p.any_of.push(Self::from_object(o, &at)?);
                }
                continue;
            }
            let node = match value {
                Value::Object(o) => Node::Object(Self::from_object(o, &here)?),
                Value::Array(items) => Node::Matchers(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, m)| Matcher::from_value(m, &format!("{here}[{i}]")))
                        .collect::<Result<_, _>>()?,
                ),
                _ => {
                    return err(
                        &here,
                        "expected an array of matchers or a nested object, e.g. [\"value\"]",
                    )
                }
            };
            p.fields.insert(key.clone(), node);
        }
        Ok(p)
    }

    /// Check the constraints EventBridge puts on a pattern's shape: objects
    /// are not empty, matcher lists are not empty, `$or` has two branches or
    /// more, wildcards are well formed, `anything-but` lists are all strings or
    /// all numbers.
    pub fn validate(&self) -> Result<(), EventPatternError> {
        self.validate_at("")
    }

    fn validate_at(&self, path: &str) -> Result<(), EventPatternError> {
        if self.fields.is_empty() && self.any_of.is_empty() {
            return err(path, "an object must constrain at least one field");
        }
        if self.fields.contains_key(OR_KEY) {
            return err(&join(path, OR_KEY), "$or cannot be a field name");
        }
        if self.any_of.len() == 1 {
            return err(&join(path, OR_KEY), "$or needs at least two branches");
        }
        for (i, b) in self.any_of.iter().enumerate() {
            b.validate_at(&format!("{}[{i}]", join(path, OR_KEY)))?;
        }
        for (key, node) in &self.fields {
            let here = join(path, key);
            match node {
                Node::Object(p) => p.validate_at(&here)?,
                Node::Matchers(ms) => {
                    if ms.is_empty() {
                        return err(&here, "a matcher list cannot be empty");
                    }
                    for (i, m) in ms.iter().enumerate() {
                        m.validate(&format!("{here}[{i}]"))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Would EventBridge deliver `event` to a rule with this pattern?
    /// An event that is not a JSON object never matches.
    pub fn matches(&self, event: &Value) -> bool {
        match event {
            Value::Object(o) => self.matches_object(Some(o)),
            _ => false,
        }
    }

    /// `obj` is `None` where the event has no object at this path: then only
    /// `exists: false` (at any depth) can match.
    fn matches_object(&self, obj: Option<&Map<String, Value>>) -> bool {
        self.fields
            .iter()
            .all(|(k, node)| node.matches(obj.and_then(|o| o.get(k))))
            && (self.any_of.is_empty() || self.any_of.iter().any(|b| b.matches_object(obj)))
    }
}

impl Node {
    fn matches(&self, value: Option<&Value>) -> bool {
        match self {
            Node::Object(p) => {
                let mut objects = Vec::new();
                collect_objects(value, &mut objects);
                // Each array element is matched on its own ("array
                // consistency"): two fields never match from two elements.
                if objects.is_empty() {
                    p.matches_object(None)
                } else {
                    objects.into_iter().any(|o| p.matches_object(Some(o)))
                }
            }
            Node::Matchers(ms) => {
                let mut leaves = Vec::new();
                collect_leaves(value, &mut leaves);
                ms.iter().any(|m| m.matches(&leaves))
            }
        }
    }
}

/// Objects at a path; arrays are flattened ("crushed out", in event-ruler's words).
fn collect_objects<'a>(value: Option<&'a Value>, out: &mut Vec<&'a Map<String, Value>>) {
    match value {
        Some(Value::Object(o)) => out.push(o),
        Some(Value::Array(items)) => items.iter().for_each(|v| collect_objects(Some(v), out)),
        _ => {}
    }
}

/// Leaf values at a path: scalars (null included), arrays flattened. An
/// object is not a leaf, so a path holding an object has no value for a
/// matcher list: `exists: true` fails and `exists: false` holds there, as the
/// event-ruler README states.
fn collect_leaves<'a>(value: Option<&'a Value>, out: &mut Vec<&'a Value>) {
    match value {
        Some(Value::Array(items)) => items.iter().for_each(|v| collect_leaves(Some(v), out)),
        Some(Value::Object(_)) | None => {}
        Some(v) => out.push(v),
    }
}

/// JSON equality, numbers compared by value (`5` equals `5.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        _ => a == b,
    }
}

impl Matcher {
    fn from_value(v: &Value, path: &str) -> Result<Self, EventPatternError> {
        let o = match v {
            Value::Object(o) => o,
            Value::Array(_) => return err(path, "a matcher is a scalar or an operator object"),
            scalar => return Ok(Matcher::Exact(scalar.clone())),
        };
        let mut entries = o.iter();
        let (Some((op, arg)), None) = (entries.next(), entries.next()) else {
            return err(path, "an operator object has exactly one key");
        };
        let here = join(path, op);
        let string = |what: &str| -> Result<String, EventPatternError> {
            match arg {
                Value::String(s) => Ok(s.clone()),
                Value::Object(_) => err(
                    &here,
                    format!(
                        "{what} with a nested operator (e.g. equals-ignore-case) is not supported"
                    ),
                ),
                _ => err(&here, format!("{what} takes a string")),
            }
        };
        Ok(match op.as_str() {
            "prefix" => Matcher::Prefix(string("prefix")?),
            "suffix" => Matcher::Suffix(string("suffix")?),
            "wildcard" => Matcher::Wildcard(string("wildcard")?),
            "equals-ignore-case" => Matcher::EqualsIgnoreCase(string("equals-ignore-case")?),
            "exists" => match arg {
                Value::Bool(b) => Matcher::Exists(*b),
                _ => return err(&here, "exists takes true or false"),
            },
            "anything-but" => Matcher::AnythingBut(AnythingBut::from_value(arg, &here)?),
            "numeric" | "cidr" => {
                return err(
                    &here,
                    format!("operator {op:?} is not supported by this evaluator"),
                )
            }
            _ => return err(&here, format!("unknown operator {op:?}")),
        })
    }

    fn validate(&self, path: &str) -> Result<(), EventPatternError> {
        match self {
            Matcher::Exact(Value::Array(_) | Value::Object(_)) => {
                err(path, "an exact value is a scalar")
            }
            Matcher::Wildcard(p) => check_wildcard(p, &join(path, "wildcard")),
            Matcher::AnythingBut(a) => a.validate(&join(path, "anything-but")),
            _ => Ok(()),
        }
    }

    fn matches(&self, leaves: &[&Value]) -> bool {
        match self {
            Matcher::Exists(true) => !leaves.is_empty(),
            Matcher::Exists(false) => leaves.is_empty(),
            // "anything-but" needs a value to differ: it never matches a
            // missing field.
            Matcher::AnythingBut(a) => leaves.iter().any(|l| !a.excludes(l)),
            _ => leaves.iter().any(|l| self.matches_leaf(l)),
        }
    }

    fn matches_leaf(&self, leaf: &Value) -> bool {
        let text = leaf.as_str();
        match self {
            Matcher::Exact(v) => json_eq(v, leaf),
            Matcher::Prefix(p) => text.is_some_and(|t| t.starts_with(p.as_str())),
            Matcher::Suffix(p) => text.is_some_and(|t| t.ends_with(p.as_str())),
            Matcher::Wildcard(p) => text.is_some_and(|t| wildcard_match(p, t)),
            Matcher::EqualsIgnoreCase(p) => {
                text.is_some_and(|t| t.to_lowercase() == p.to_lowercase())
            }
            Matcher::Exists(_) | Matcher::AnythingBut(_) => false,
        }
    }
}

impl AnythingBut {
    fn from_value(v: &Value, path: &str) -> Result<Self, EventPatternError> {
        match v {
            Value::String(_) | Value::Number(_) => Ok(AnythingBut::Values(vec![v.clone()])),
            Value::Array(items) => Ok(AnythingBut::Values(items.clone())),
            Value::Object(o) => {
                let mut entries = o.iter();
                let (Some((op, arg)), None) = (entries.next(), entries.next()) else {
                    return err(path, "an anything-but operator object has exactly one key");
                };
                let here = join(path, op);
                let string = || match arg {
                    Value::String(s) => Ok(s.clone()),
                    _ => err(&here, format!("anything-but {op} takes a string")),
                };
                match op.as_str() {
                    "prefix" => Ok(AnythingBut::Prefix(string()?)),
                    "suffix" => Ok(AnythingBut::Suffix(string()?)),
                    "wildcard" => match arg {
                        Value::String(s) => Ok(AnythingBut::Wildcard(vec![s.clone()])),
                        Value::Array(items) => items
                            .iter()
                            .map(|i| match i {
                                Value::String(s) => Ok(s.clone()),
                                _ => err(&here, "anything-but wildcard takes strings"),
                            })
                            .collect::<Result<_, _>>()
                            .map(AnythingBut::Wildcard),
                        _ => err(
                            &here,
                            "anything-but wildcard takes a string or a list of strings",
                        ),
                    },
                    _ => err(&here, format!("anything-but {op:?} is not supported")),
                }
            }
            _ => err(
                path,
                "anything-but takes a string, a number, a list or an operator object",
            ),
        }
    }

    fn validate(&self, path: &str) -> Result<(), EventPatternError> {
        match self {
            AnythingBut::Values(vs) => {
                if vs.is_empty() {
                    return err(path, "anything-but needs at least one value");
                }
                if !(vs.iter().all(Value::is_string) || vs.iter().all(Value::is_number)) {
                    return err(path, "anything-but values are all strings or all numbers");
                }
                Ok(())
            }
            AnythingBut::Wildcard(ps) => {
                if ps.is_empty() {
                    return err(path, "anything-but wildcard needs at least one pattern");
                }
                ps.iter().try_for_each(|p| check_wildcard(p, path))
            }
            AnythingBut::Prefix(_) | AnythingBut::Suffix(_) => Ok(()),
        }
    }

    /// Does the inner matcher hold for `leaf`? `anything-but` is its
    /// complement over present values, so a non-string leaf (which no
    /// prefix/suffix/wildcard holds for) is never excluded by those forms.
    fn excludes(&self, leaf: &Value) -> bool {
        let text = leaf.as_str();
        match self {
            AnythingBut::Values(vs) => vs.iter().any(|v| json_eq(v, leaf)),
            AnythingBut::Prefix(p) => text.is_some_and(|t| t.starts_with(p.as_str())),
            AnythingBut::Suffix(p) => text.is_some_and(|t| t.ends_with(p.as_str())),
            AnythingBut::Wildcard(ps) => {
                text.is_some_and(|t| ps.iter().any(|p| wildcard_match(p, t)))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WildTok {
    Char(char),
    Star,
}

/// Tokens of a wildcard pattern. Lenient (an invalid escape reads as the
/// escaped character); [`check_wildcard`] is the strict form.
fn wildcard_tokens(p: &str) -> Vec<WildTok> {
    let mut out = Vec::new();
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => WildTok::Star,
            '\\' => WildTok::Char(chars.next().unwrap_or('\\')),
            c => WildTok::Char(c),
        });
    }
    out
}

/// event-ruler's rules: no two consecutive `*`, and a backslash escapes only
/// `*` or `\`.
fn check_wildcard(p: &str, path: &str) -> Result<(), EventPatternError> {
    let mut chars = p.chars().peekable();
    let mut prev_star = false;
    while let Some(c) = chars.next() {
        match c {
            '*' if prev_star => return err(path, format!("consecutive '*' in wildcard {p:?}")),
            '*' => prev_star = true,
            '\\' => {
                match chars.next() {
                    Some('*' | '\\') => {}
                    _ => {
                        return err(
                            path,
                            format!("in wildcard {p:?} a backslash escapes only '*' or '\\'"),
                        )
                    }
                }
                prev_star = false;
            }
            _ => prev_star = false,
        }
    }
    Ok(())
}

/// `*` matches any run of characters, including none (AWS's semantics;
/// LocalStack requires at least one character, see the docs).
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p = wildcard_tokens(pattern);
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Position of the last star and the text index it is trying to absorb up to.
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(WildTok::Star) => {
                backtrack = Some((pi, ti));
                pi += 1;
            }
            Some(WildTok::Char(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((star, absorbed)) => {
                    pi = star + 1;
                    ti = absorbed + 1;
                    backtrack = Some((star, absorbed + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|tok| *tok == WildTok::Star)
}

/// Escape a literal for use inside a wildcard. Validated inputs hold neither
/// `*` nor `\`; escaping anyway keeps the wildcard exact if that ever changes.
fn wildcard_literal(s: &str) -> String {
    s.replace('\\', "\\\\").replace('*', "\\*")
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
        }
    }
}

impl Serialize for AnythingBut {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AnythingBut::Values(vs) => vs.serialize(serializer),
            AnythingBut::Prefix(p) => Op("prefix", p).serialize(serializer),
            AnythingBut::Suffix(p) => Op("suffix", p).serialize(serializer),
            AnythingBut::Wildcard(ps) => Op("wildcard", ps).serialize(serializer),
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
struct StrictJson(Value);

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
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
        }
        Ok(Value::Object(out))
    }
}

// ---------------------------------------------------------------------------
// The secret-read pattern.

fn exacts<S: AsRef<str>>(values: &[S]) -> Vec<Matcher> {
    values.iter().map(|v| Matcher::exact(v.as_ref())).collect()
}

/// `requestParameters.secretId` values of the scope, mirroring the metric
/// filter's (docs/filter-patterns.md §1.4) entry by entry.
fn scope_matchers(scopes: &[SecretScope]) -> Vec<Matcher> {
    let mut out = Vec::new();
    for s in dedup_sorted(scopes) {
        match s {
            SecretScope::Prefix(stem) => {
                out.push(Matcher::Prefix(stem.clone()));
                out.push(Matcher::Wildcard(format!(
                    "*:secret:{}*",
                    wildcard_literal(&stem)
                )));
            }
            SecretScope::Name(name) => {
                out.push(Matcher::exact(&name));
                out.push(Matcher::Suffix(format!(":secret:{name}")));
                out.push(Matcher::Wildcard(format!(
                    "*:secret:{}-*",
                    wildcard_literal(&name)
                )));
            }
            SecretScope::Arn {
                arn,
                partial_arn,
                name,
            } => {
                out.push(Matcher::exact(&arn));
                out.push(Matcher::exact(&partial_arn));
                out.push(Matcher::exact(&name));
            }
        }
    }
    first_distinct(out)
}

fn internal(e: EventPatternError) -> PatternError {
    PatternError::Internal(e.to_string())
}

fn build_read_alert(scope: &Scope) -> Result<EventPattern, PatternError> {
    // Outcome: successes have no errorCode; denied attempts have AccessDenied*.
    let outcome = if scope.alert_on_denied {
        vec![
            Matcher::Exists(false),
            Matcher::Prefix(ACCESS_DENIED_PATTERN.to_string()),
        ]
    } else {
        vec![Matcher::Exists(false)]
    };
    let events = dedup_sorted(&scope.events);
    let mut detail =
        EventPattern::new().with("eventSource", exacts(&[SECRETS_MANAGER_EVENT_SOURCE]));

    if scope.secrets.is_empty() {
        detail = detail
            .with("errorCode", outcome)
            .with("eventName", exacts(&events));
    } else {
        // Batch calls are checked through their per-secret records, as in
        // the metric filter.
        let (batch, per_secret) = scoped_events(&events);
        let request = EventPattern::new().with("secretId", scope_matchers(&scope.secrets));
        if batch && scope.alert_on_denied {
            // Both branches constrain errorCode, which the enclosing object
            // can hold only once, so the outcome clause moves into each
            // branch. In the batch branch, outcome AND denied is just denied.
            let scoped = EventPattern::new()
                .with("errorCode", outcome)
                .with("eventName", exacts(&per_secret))
                .with("requestParameters", request);
            let denied_batch = EventPattern::new()
                .with(
                    "errorCode",
                    vec![Matcher::Prefix(ACCESS_DENIED_PATTERN.to_string())],
                )
                .with("eventName", exacts(&[BATCH_GET_SECRET_VALUE]));
            detail = detail
                .with_any_of(vec![scoped, denied_batch])
                .map_err(internal)?;
        } else {
            detail = detail
                .with("errorCode", outcome)
                .with("eventName", exacts(&per_secret))
                .with("requestParameters", request);
        }
    }

    // Allowed principals: "field absent OR none of the values". anything-but
    // never matches a missing field, hence the explicit exists:false.
    let mut arns = Vec::new();
    let mut accounts = Vec::new();
    for p in dedup_sorted(&scope.principals) {
        match p {
            Principal::Account(a) => accounts.push(a),
            Principal::UserOrRoot(a) => arns.push(wildcard_literal(&a)),
            Principal::Role(a) => {
                let prefix = assumed_role_prefix(&a)
                    .ok_or_else(|| PatternError::Internal(format!("role ARN {a}")))?;
                arns.push(format!("{}*", wildcard_literal(&prefix)));
            }
        }
    }
    let (arns, accounts) = (dedup_sorted(&arns), dedup_sorted(&accounts));
    let mut identity = EventPattern::new();
    if !arns.is_empty() {
        identity = identity.with(
            "arn",
            vec![
                Matcher::Exists(false),
                Matcher::AnythingBut(AnythingBut::Wildcard(arns)),
            ],
        );
    }
    if !accounts.is_empty() {
        identity = identity.with(
            "accountId",
            vec![
                Matcher::Exists(false),
                Matcher::AnythingBut(AnythingBut::Values(
                    accounts.into_iter().map(Value::String).collect(),
                )),
            ],
        );
    }
    if !identity.fields.is_empty() {
        detail = detail.with("userIdentity", identity);
    }

    let pattern = EventPattern::new()
        .with("source", exacts(&[SECRETS_MANAGER_SOURCE]))
        .with("detail-type", exacts(&[CLOUDTRAIL_DETAIL_TYPE]))
        .with("detail", detail);
    pattern.validate().map_err(internal)?;
    Ok(pattern)
}

/// The EventBridge pattern with the same verdict as the metric filter
/// [`generate`](super::generate()) builds from `input`, on the EventBridge
/// envelope of each CloudTrail record.
///
/// Errors as [`generate`](super::generate()), except that
/// [`PatternError::TooLong`] is about [`MAX_EVENT_PATTERN_LEN`].
pub fn read_alert_pattern(input: &PatternInput) -> Result<EventPattern, PatternError> {
    let pattern = build_read_alert(&Scope::of(input)?)?;
    check_len(pattern.len(), MAX_EVENT_PATTERN_LEN)?;
    Ok(pattern)
}

// ---------------------------------------------------------------------------
// The tamper pattern.

/// The pipeline's own parts, whose disabling [`tamper_pattern`] detects.
#[derive(Debug, Clone, Copy)]
pub struct TamperTargets<'a> {
    /// `None` when the pipeline uses an existing log group and creates no trail.
    pub trail: Option<TrailTarget<'a>>,
    pub log_group_name: &'a str,
    pub alarm_name: &'a str,
    pub topic_arn: &'a str,
    /// `None` when the user brought their own key.
    pub key: Option<KeyTarget<'a>>,
}

/// The pipeline's trail: calls may name it by name or by ARN.
#[derive(Debug, Clone, Copy)]
pub struct TrailTarget<'a> {
    pub name: &'a str,
    pub arn: &'a str,
}

/// The pipeline's KMS key: calls may name it by key ID, key ARN or alias
/// name (`alias/…`).
#[derive(Debug, Clone, Copy)]
pub struct KeyTarget<'a> {
    pub key_id: &'a str,
    pub arn: &'a str,
    pub alias: &'a str,
}

/// One service's attacks. The service is matched on the record's own
/// `eventSource` rather than the envelope's `source`: EventBridge derives the
/// latter from the former, and for CloudWatch (`monitoring.amazonaws.com`)
/// sources disagree on whether it reads `aws.monitoring` or `aws.cloudwatch`.
fn tamper_branch(
    event_source: &str,
    events: &[&str],
    parameter: &str,
    values: Vec<Matcher>,
) -> EventPattern {
    let mut events = events.to_vec();
    events.sort_unstable();
    EventPattern::new().with(
        "detail",
        EventPattern::new()
            .with("eventSource", exacts(&[event_source]))
            .with("eventName", exacts(&events))
            .with(
                "requestParameters",
                EventPattern::new().with(parameter, values),
            ),
    )
}

/// Attempts, successful or not, to stop, delete or silence the pipeline's
/// trail, log group (or its metric filter), alarm, topic (or a subscription
/// to it) and key, as "AWS API Call via CloudTrail" events.
pub fn tamper_pattern(targets: &TamperTargets) -> EventPattern {
    let mut branches = Vec::new();
    if let Some(trail) = targets.trail {
        let names = exacts(&dedup_sorted(&[trail.name, trail.arn]));
        branches.push(tamper_branch(
            "cloudtrail.amazonaws.com",
            &["StopLogging", "DeleteTrail", "UpdateTrail"],
            "name",
            names.clone(),
        ));
        branches.push(tamper_branch(
            "cloudtrail.amazonaws.com",
            &["PutEventSelectors"],
            "trailName",
            names,
        ));
    }
    branches.push(tamper_branch(
        "logs.amazonaws.com",
        &["DeleteMetricFilter", "DeleteLogGroup"],
        "logGroupName",
        exacts(&[targets.log_group_name]),
    ));
    // alarmNames is an array: a matcher list matches when any element does.
    branches.push(tamper_branch(
        "monitoring.amazonaws.com",
        &["DeleteAlarms", "DisableAlarmActions"],
        "alarmNames",
        exacts(&[targets.alarm_name]),
    ));
    branches.push(tamper_branch(
        "sns.amazonaws.com",
        &["DeleteTopic", "SetTopicAttributes"],
        "topicArn",
        exacts(&[targets.topic_arn]),
    ));
    // A subscription ARN is TOPIC_ARN:UUID; the colon keeps topic `x` from
    // covering topic `x-2`.
    branches.push(tamper_branch(
        "sns.amazonaws.com",
        &["Unsubscribe"],
        "subscriptionArn",
        vec![Matcher::Prefix(format!("{}:", targets.topic_arn))],
    ));
    if let Some(key) = targets.key {
        branches.push(tamper_branch(
            "kms.amazonaws.com",
            &["DisableKey", "ScheduleKeyDeletion"],
            "keyId",
            exacts(&dedup_sorted(&[key.key_id, key.arn, key.alias])),
        ));
    }
    // At least the four branches above are always present, so the $or is
    // always read as one; built directly since that cannot fail.
    EventPattern {
        fields: BTreeMap::from([(
            "detail-type".to_string(),
            Node::Matchers(exacts(&[CLOUDTRAIL_DETAIL_TYPE])),
        )]),
        any_of: branches,
    }
}
