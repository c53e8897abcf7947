//! The typed model of an event pattern, and the builder the pipeline's
//! patterns are written with.

use std::collections::BTreeMap;

use serde_json::Value;

/// The default of the account quota "Event pattern size", in characters: a
/// longer `EventPattern` fails PutRule unless the quota was raised.
pub const DEFAULT_EVENT_PATTERN_MAX_LEN: usize = 2048;
/// The most the "Event pattern size" quota can be raised to: the API's limit
/// on a rule's `EventPattern`, in characters.
pub const EVENT_PATTERN_API_MAX_LEN: usize = 4096;
/// `detail-type` of every CloudTrail record EventBridge delivers.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// EventBridge `source` of Secrets Manager's CloudTrail records.
pub const SECRETS_MANAGER_SOURCE: &str = "aws.secretsmanager";

/// The key EventBridge reads as "any of these branches".
pub(super) const OR_KEY: &str = "$or";

/// An event pattern: a JSON object whose fields must all match (AND).
///
/// `any_of` is the object's `$or`: when non-empty, at least one branch must
/// also match the same object. EventBridge only reads `$or` as an OR when it
/// has at least two branches; [`EventPattern::with_any_of`] and
/// [`EventPattern::validate`] enforce that.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventPattern {
    pub(super) fields: BTreeMap<String, Node>,
    pub(super) any_of: Vec<EventPattern>,
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
    /// `{"prefix": {"equals-ignore-case": "…"}}`: strings only.
    PrefixIgnoreCase(String),
    /// `{"suffix": {"equals-ignore-case": "…"}}`: strings only.
    SuffixIgnoreCase(String),
}

/// What an `anything-but` excludes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnythingBut {
    /// `"v"`, `5` or `["a", "b"]`: values (all strings or all numbers).
    Values(Vec<Value>),
    /// `{"prefix": "…"}`; never empty (AWS: "Null prefix/suffix not allowed").
    Prefix(String),
    /// `{"suffix": "…"}`; never empty.
    Suffix(String),
    /// `{"prefix": ["…", …]}`: excludes a value with any of these prefixes.
    Prefixes(Vec<String>),
    /// `{"suffix": ["…", …]}`: excludes a value with any of these suffixes.
    Suffixes(Vec<String>),
    /// `{"wildcard": "…"}` or `{"wildcard": ["…", …]}`.
    Wildcard(Vec<String>),
    /// `{"equals-ignore-case": "…"}` or `{"equals-ignore-case": ["…", …]}`.
    EqualsIgnoreCase(Vec<String>),
}

/// Why a text is not an event pattern this module accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid event pattern at {path}: {reason}")]
pub struct EventPatternError {
    /// Where, e.g. `detail.userIdentity.arn[1]`; `(root)` for the whole pattern.
    pub path: String,
    pub reason: String,
}

pub(super) fn err<T>(path: &str, reason: impl Into<String>) -> Result<T, EventPatternError> {
    Err(EventPatternError {
        path: if path.is_empty() {
            "(root)".to_string()
        } else {
            path.to_string()
        },
        reason: reason.into(),
    })
}

pub(super) fn join(path: &str, key: &str) -> String {
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
}

/// Exact-string matchers, one per value.
pub(super) fn exacts<S: AsRef<str>>(values: &[S]) -> Vec<Matcher> {
    values.iter().map(|v| Matcher::exact(v.as_ref())).collect()
}
