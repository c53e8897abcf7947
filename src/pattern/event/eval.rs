//! Whether EventBridge delivers an event to a rule with a given pattern, and
//! the wildcard syntax its `wildcard` matchers use.
//!
//! The evaluator follows the AWS "Event patterns" and "Content filtering"
//! pages and the event-ruler README (the library EventBridge matches with).
//! Where they leave a behaviour open, `docs/filter-patterns.md` section 4 says
//! which interpretation was chosen.

use serde_json::{Map, Value};

use super::model::{err, AnythingBut, EventPattern, EventPatternError, Matcher, Node};

impl EventPattern {
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
pub(super) fn check_wildcard(p: &str, path: &str) -> Result<(), EventPatternError> {
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
pub(super) fn wildcard_literal(s: &str) -> String {
    s.replace('\\', "\\\\").replace('*', "\\*")
}
