//! Whether EventBridge delivers an event to a rule with a given pattern, and
//! the wildcard syntax its `wildcard` matchers use.
//!
//! The evaluator follows the AWS "Event patterns" and "Content filtering"
//! pages and the event-ruler README (the library EventBridge matches with).
//! Where they leave a behaviour open, `docs/filter-patterns.md` section 4 says
//! which interpretation was chosen.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::model::{err, AnythingBut, EventPattern, EventPatternError, Matcher, Node};

impl EventPattern {
    /// Would EventBridge deliver `event` to a rule with this pattern?
    /// An event that is not a JSON object never matches.
    pub fn matches(&self, event: &Value) -> bool {
        match event {
            Value::Object(o) => {
                let tree = Tree::of_object(o);
                Shape::of(self).matches_object(Some(&tree))
            }
            _ => false,
        }
    }
}

// EventBridge (event-ruler) flattens both the event and the pattern into
// dotted paths: `{"a.b": 1}` and `{"a": {"b": 1}}` are the same field, on
// either side. Both are therefore re-read with keys split at every `.` before
// matching, which keeps the per-array-element matching below ("array
// consistency") working on the nested form.

/// An event value with its object keys split at `.`.
#[derive(Debug, Clone)]
enum Tree<'a> {
    Leaf(&'a Value),
    Object(BTreeMap<&'a str, Tree<'a>>),
    Array(Vec<Tree<'a>>),
    /// Several values at one path that are not array elements (`{"a.b": 1,
    /// "a": {"b": 2}}`): each is present, and each goes with any element
    /// of an array chosen elsewhere.
    Both(Vec<Tree<'a>>),
}

impl<'a> Tree<'a> {
    fn of(v: &'a Value) -> Tree<'a> {
        match v {
            Value::Object(o) => Tree::Object(Tree::of_object(o)),
            Value::Array(items) => Tree::Array(items.iter().map(Tree::of).collect()),
            leaf => Tree::Leaf(leaf),
        }
    }

    fn of_object(o: &'a Map<String, Value>) -> BTreeMap<&'a str, Tree<'a>> {
        let mut out = BTreeMap::new();
        for (k, v) in o {
            insert(
                &mut out,
                k.split('.').collect::<Vec<_>>().as_slice(),
                Tree::of(v),
            );
        }
        out
    }
}

fn insert<'a>(map: &mut BTreeMap<&'a str, Tree<'a>>, path: &[&'a str], value: Tree<'a>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let value = if rest.is_empty() {
        value
    } else {
        let mut inner = BTreeMap::new();
        insert(&mut inner, rest, value);
        Tree::Object(inner)
    };
    match map.remove(first) {
        None => {
            map.insert(first, value);
        }
        Some(old) => {
            map.insert(first, merge(old, value));
        }
    }
}

fn merge<'a>(a: Tree<'a>, b: Tree<'a>) -> Tree<'a> {
    match (a, b) {
        (Tree::Object(mut x), Tree::Object(y)) => {
            for (k, v) in y {
                insert(&mut x, &[k], v);
            }
            Tree::Object(x)
        }
        (Tree::Both(mut xs), Tree::Both(ys)) => {
            xs.extend(ys);
            Tree::Both(xs)
        }
        (Tree::Both(mut xs), y) | (y, Tree::Both(mut xs)) => {
            xs.push(y);
            Tree::Both(xs)
        }
        (x, y) => Tree::Both(vec![x, y]),
    }
}

/// A pattern with its keys split at `.` and the resulting objects merged.
/// Fields are a list, not a map: a path given twice (refused by
/// [`EventPattern::validate`], possible through the builder) must hold twice.
struct Shape<'p> {
    fields: Vec<(&'p str, ShapeNode<'p>)>,
    any_of: Vec<Shape<'p>>,
}

enum ShapeNode<'p> {
    Object(Shape<'p>),
    Matchers(&'p [Matcher]),
}

impl<'p> Shape<'p> {
    fn of(p: &'p EventPattern) -> Shape<'p> {
        let mut shape = Shape {
            fields: Vec::new(),
            any_of: p.any_of.iter().map(Shape::of).collect(),
        };
        for (key, node) in &p.fields {
            let node = match node {
                Node::Object(inner) => ShapeNode::Object(Shape::of(inner)),
                Node::Matchers(ms) => ShapeNode::Matchers(ms),
            };
            shape.add(&key.split('.').collect::<Vec<_>>(), node);
        }
        shape
    }

    fn add(&mut self, path: &[&'p str], node: ShapeNode<'p>) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let node = if rest.is_empty() {
            node
        } else {
            let mut inner = Shape {
                fields: Vec::new(),
                any_of: Vec::new(),
            };
            inner.add(rest, node);
            ShapeNode::Object(inner)
        };
        // Two objects at one path are one object: their fields must hold in
        // the same array element.
        let existing = self
            .fields
            .iter_mut()
            .find(|(k, n)| k == first && matches!(n, ShapeNode::Object(_)));
        match (existing, node) {
            (Some((_, ShapeNode::Object(old))), ShapeNode::Object(new)) => {
                for (k, n) in new.fields {
                    old.add(&[k], n);
                }
                old.any_of.extend(new.any_of);
            }
            (_, node) => self.fields.push((first, node)),
        }
    }

    /// `obj` is `None` where the event has no object at this path: then only
    /// `exists: false` (at any depth) can match.
    fn matches_object(&self, obj: Option<&BTreeMap<&str, Tree>>) -> bool {
        self.fields
            .iter()
            .all(|(k, node)| node.matches(obj.and_then(|o| o.get(k))))
            && (self.any_of.is_empty() || self.any_of.iter().any(|b| b.matches_object(obj)))
    }
}

impl ShapeNode<'_> {
    fn matches(&self, value: Option<&Tree>) -> bool {
        match self {
            ShapeNode::Object(p) => {
                // Each array element is matched on its own ("array
                // consistency"): two fields never match from two elements.
                let objects = objects(value);
                if objects.is_empty() {
                    p.matches_object(None)
                } else {
                    objects.iter().any(|o| p.matches_object(Some(o)))
                }
            }
            ShapeNode::Matchers(ms) => {
                let mut leaves = Vec::new();
                collect_leaves(value, &mut leaves);
                ms.iter().any(|m| m.matches(&leaves))
            }
        }
    }
}

/// The objects a nested pattern can be matched against at a path: one per
/// array element (arrays are "crushed out", in event-ruler's words); values
/// joined by [`Tree::Both`] are merged into each choice.
fn objects<'a>(value: Option<&Tree<'a>>) -> Vec<BTreeMap<&'a str, Tree<'a>>> {
    match value {
        Some(Tree::Object(o)) => vec![o.clone()],
        Some(Tree::Array(items)) => items.iter().flat_map(|v| objects(Some(v))).collect(),
        Some(Tree::Both(parts)) => {
            let mut acc: Option<Vec<BTreeMap<&str, Tree>>> = None;
            for part in parts {
                let choices = objects(Some(part));
                if choices.is_empty() {
                    continue;
                }
                acc = Some(match acc {
                    None => choices,
                    Some(prev) => prev
                        .iter()
                        .flat_map(|a| {
                            choices.iter().map(move |c| {
                                match merge(Tree::Object(a.clone()), Tree::Object(c.clone())) {
                                    Tree::Object(m) => m,
                                    _ => BTreeMap::new(),
                                }
                            })
                        })
                        .collect(),
                });
            }
            acc.unwrap_or_default()
        }
        Some(Tree::Leaf(_)) | None => Vec::new(),
    }
}

/// Leaf values at a path: scalars (null included), arrays flattened. An
/// object is not a leaf, so a path holding an object has no value for a
/// matcher list: `exists: true` fails and `exists: false` holds there, as the
/// event-ruler README states.
fn collect_leaves<'a>(value: Option<&Tree<'a>>, out: &mut Vec<&'a Value>) {
    match value {
        Some(Tree::Array(items) | Tree::Both(items)) => {
            items.iter().for_each(|v| collect_leaves(Some(v), out))
        }
        Some(Tree::Object(_)) | None => {}
        Some(Tree::Leaf(v)) => out.push(v),
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

fn lower(s: &str) -> String {
    s.to_lowercase()
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
        let Some(t) = leaf.as_str() else {
            // Every operator but an exact value matches strings only.
            return matches!(self, Matcher::Exact(v) if json_eq(v, leaf));
        };
        match self {
            Matcher::Exact(v) => json_eq(v, leaf),
            Matcher::Prefix(p) => t.starts_with(p.as_str()),
            Matcher::Suffix(p) => t.ends_with(p.as_str()),
            Matcher::Wildcard(p) => wildcard_match(p, t),
            Matcher::EqualsIgnoreCase(p) => lower(t) == lower(p),
            Matcher::PrefixIgnoreCase(p) => lower(t).starts_with(&lower(p)),
            Matcher::SuffixIgnoreCase(p) => lower(t).ends_with(&lower(p)),
            Matcher::Exists(_) | Matcher::AnythingBut(_) => false,
        }
    }
}

impl AnythingBut {
    /// Does the inner matcher hold for `leaf`? `anything-but` is its
    /// complement over present values, so a non-string leaf (which no
    /// prefix/suffix/wildcard holds for) is never excluded by those forms.
    fn excludes(&self, leaf: &Value) -> bool {
        if let AnythingBut::Values(vs) = self {
            return vs.iter().any(|v| json_eq(v, leaf));
        }
        let Some(t) = leaf.as_str() else {
            return false;
        };
        match self {
            AnythingBut::Values(_) => false,
            AnythingBut::Prefix(p) => t.starts_with(p.as_str()),
            AnythingBut::Suffix(p) => t.ends_with(p.as_str()),
            AnythingBut::Prefixes(ps) => ps.iter().any(|p| t.starts_with(p.as_str())),
            AnythingBut::Suffixes(ps) => ps.iter().any(|p| t.ends_with(p.as_str())),
            AnythingBut::Wildcard(ps) => ps.iter().any(|p| wildcard_match(p, t)),
            AnythingBut::EqualsIgnoreCase(ps) => ps.iter().any(|p| lower(p) == lower(t)),
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

/// The most states the automaton of wildcard `pattern` can be in at once,
/// over every input (positions in the pattern, a `*` also reaching the
/// position after it). The measure of `check_complexity` in `parse.rs`.
pub(super) fn wildcard_states(pattern: &str) -> usize {
    let toks = wildcard_tokens(pattern);
    let close = |mut set: BTreeSet<usize>| {
        let mut i = 0;
        while i < toks.len() {
            if set.contains(&i) && toks[i] == WildTok::Star {
                set.insert(i + 1);
            }
            i += 1;
        }
        set
    };
    // One representative for every character the pattern does not name.
    let mut alphabet: Vec<Option<char>> = vec![None];
    for t in &toks {
        if let WildTok::Char(c) = t {
            if !alphabet.contains(&Some(*c)) {
                alphabet.push(Some(*c));
            }
        }
    }
    let start = close(BTreeSet::from([0]));
    let mut best = start.len();
    let mut seen = BTreeSet::from([start.clone()]);
    let mut todo = vec![start];
    // Each set is visited once; patterns are at most 4096 characters, and a
    // pattern with enough stars to make this large is refused anyway.
    while let Some(set) = todo.pop() {
        if best > 64 {
            break;
        }
        for c in &alphabet {
            let next: BTreeSet<usize> = set
                .iter()
                .filter_map(|&i| match (toks.get(i), c) {
                    (Some(WildTok::Star), _) => Some(i),
                    (Some(WildTok::Char(x)), Some(y)) if x == y => Some(i + 1),
                    _ => None,
                })
                .collect();
            if next.is_empty() {
                continue;
            }
            let next = close(next);
            best = best.max(next.len());
            if seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    best
}
