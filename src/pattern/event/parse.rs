//! Reading an event pattern from its JSON text, and the checks EventBridge
//! makes on a pattern's shape.

use serde_json::{Map, Value};

use super::eval::{check_wildcard, wildcard_states};
use super::json::StrictJson;
use super::model::{
    err, join, AnythingBut, EventPattern, EventPatternError, Matcher, Node, OR_KEY,
};

impl EventPattern {
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
        check_complexity(&p)?;
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
        if path.is_empty() {
            self.check_dotted_paths(&mut Vec::new(), "")?;
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
}

impl EventPattern {
    /// EventBridge reads a dotted key `"a.b"` as the nested path `a` → `b`,
    /// so `{"a.b": …, "a": {"b": …}}` names one field twice. How AWS combines
    /// the two is not documented: refuse it. `seen` holds the paths of this
    /// AND group; each `$or` branch starts from a copy (branches are
    /// alternatives, not repeats).
    fn check_dotted_paths(
        &self,
        seen: &mut Vec<(String, bool)>,
        prefix: &str,
    ) -> Result<(), EventPatternError> {
        for (key, node) in &self.fields {
            let here = join(prefix, key);
            let is_object = matches!(node, Node::Object(_));
            let clash = seen.iter().any(|(p, obj)| {
                (p == &here && !(is_object && *obj))
                    || (!obj && here.starts_with(&format!("{p}.")))
                    || (!is_object && p.starts_with(&format!("{here}.")))
            });
            if clash && (key.contains('.') || seen.iter().any(|(p, _)| p.contains('.'))) {
                return err(
                    &here,
                    "this dotted key names a field another key of the pattern also names; \
                     that is not supported by this evaluator",
                );
            }
            seen.push((here.clone(), is_object));
            if let Node::Object(p) = node {
                p.check_dotted_paths(seen, &here)?;
            }
        }
        for b in &self.any_of {
            b.check_dotted_paths(&mut seen.clone(), prefix)?;
        }
        Ok(())
    }
}

impl Matcher {
    fn from_value(v: &Value, path: &str) -> Result<Self, EventPatternError> {
        let o = match v {
            Value::Object(o) => o,
            Value::Array(_) => return err(path, "a matcher is a scalar or an operator object"),
            scalar => return Ok(Matcher::Exact(scalar.clone())),
        };
        let (op, arg) = single_entry(o, path, "an operator object has exactly one key")?;
        let here = join(path, op);
        Ok(match op {
            "prefix" | "suffix" => match (op, string_or_ignore_case(arg, &here, op)?) {
                ("prefix", (s, false)) => Matcher::Prefix(s),
                ("prefix", (s, true)) => Matcher::PrefixIgnoreCase(s),
                (_, (s, false)) => Matcher::Suffix(s),
                (_, (s, true)) => Matcher::SuffixIgnoreCase(s),
            },
            "wildcard" => Matcher::Wildcard(plain_string(arg, &here, op)?),
            "equals-ignore-case" => Matcher::EqualsIgnoreCase(plain_string(arg, &here, op)?),
            "exists" => match arg {
                Value::Bool(b) => Matcher::Exists(*b),
                _ => return err(&here, "exists takes true or false"),
            },
            "anything-but" => Matcher::AnythingBut(AnythingBut::from_value(arg, &here)?),
            "numeric" => return err(&here, "numeric matching is not supported by this evaluator"),
            "cidr" => return err(&here, "cidr matching is not supported by this evaluator"),
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
}

/// The one `(operator, argument)` entry of an operator object.
fn single_entry<'a>(
    o: &'a Map<String, Value>,
    path: &str,
    what: &str,
) -> Result<(&'a str, &'a Value), EventPatternError> {
    let mut entries = o.iter();
    match (entries.next(), entries.next()) {
        (Some((op, arg)), None) => Ok((op.as_str(), arg)),
        _ => err(path, what),
    }
}

/// The string argument of `op`; AWS refuses any other JSON type.
fn plain_string(arg: &Value, path: &str, op: &str) -> Result<String, EventPatternError> {
    match arg {
        Value::String(s) => Ok(s.clone()),
        _ => err(path, format!("{op} takes a string")),
    }
}

/// `"…"` or `{"equals-ignore-case": "…"}` (the second flag): the argument of
/// a top-level prefix or suffix.
fn string_or_ignore_case(
    arg: &Value,
    path: &str,
    op: &str,
) -> Result<(String, bool), EventPatternError> {
    match arg {
        Value::String(s) => Ok((s.clone(), false)),
        Value::Object(o) => {
            let (inner, value) = single_entry(o, path, "an operator object has exactly one key")?;
            if inner != "equals-ignore-case" {
                return err(
                    path,
                    format!("{op} with a nested {inner:?} is not supported by this evaluator"),
                );
            }
            let here = join(path, inner);
            plain_string(value, &here, &format!("{op} equals-ignore-case")).map(|s| (s, true))
        }
        _ => err(path, format!("{op} takes a string")),
    }
}

/// A string or a list of strings, as AWS accepts after `anything-but`'s
/// `prefix`, `suffix`, `wildcard` and `equals-ignore-case`; the flag tells
/// whether it was a list.
fn strings(arg: &Value, path: &str, op: &str) -> Result<(Vec<String>, bool), EventPatternError> {
    let what = || format!("anything-but {op} takes a string or a list of strings");
    match arg {
        Value::String(s) => Ok((vec![s.clone()], false)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                _ => err(&format!("{path}[{i}]"), what()),
            })
            .collect::<Result<_, _>>()
            .map(|v| (v, true)),
        _ => err(path, what()),
    }
}

impl AnythingBut {
    fn from_value(v: &Value, path: &str) -> Result<Self, EventPatternError> {
        match v {
            Value::String(_) | Value::Number(_) => Ok(AnythingBut::Values(vec![v.clone()])),
            Value::Array(items) => Ok(AnythingBut::Values(items.clone())),
            Value::Object(o) => {
                let (op, arg) = single_entry(
                    o,
                    path,
                    "an anything-but operator object has exactly one key",
                )?;
                let here = join(path, op);
                if !matches!(op, "prefix" | "suffix" | "wildcard" | "equals-ignore-case") {
                    return err(
                        &here,
                        format!("anything-but {op:?} is not supported by this evaluator"),
                    );
                }
                let (list, is_list) = strings(arg, &here, op)?;
                Ok(match (op, is_list) {
                    ("prefix", false) => AnythingBut::Prefix(list.concat()),
                    ("suffix", false) => AnythingBut::Suffix(list.concat()),
                    ("prefix", true) => AnythingBut::Prefixes(list),
                    ("suffix", true) => AnythingBut::Suffixes(list),
                    ("wildcard", _) => AnythingBut::Wildcard(list),
                    _ => AnythingBut::EqualsIgnoreCase(list),
                })
            }
            _ => err(
                path,
                "anything-but takes a string, a number, a list or an operator object",
            ),
        }
    }

    fn validate(&self, path: &str) -> Result<(), EventPatternError> {
        // AWS refuses an empty anything-but prefix or suffix ("Null
        // prefix/suffix not allowed"), though a bare empty prefix is fine.
        let no_empty = |ps: &[String], op: &str| -> Result<(), EventPatternError> {
            let here = join(path, op);
            if ps.is_empty() {
                return err(&here, format!("anything-but {op} needs at least one value"));
            }
            match ps.iter().position(String::is_empty) {
                Some(_) => err(&here, format!("anything-but {op} cannot be empty")),
                None => Ok(()),
            }
        };
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
            AnythingBut::Prefix(p) => no_empty(std::slice::from_ref(p), "prefix"),
            AnythingBut::Suffix(p) => no_empty(std::slice::from_ref(p), "suffix"),
            AnythingBut::Prefixes(ps) => no_empty(ps, "prefix"),
            AnythingBut::Suffixes(ps) => no_empty(ps, "suffix"),
            AnythingBut::EqualsIgnoreCase(ps) => {
                if ps.is_empty() {
                    return err(
                        &join(path, "equals-ignore-case"),
                        "anything-but equals-ignore-case needs at least one value",
                    );
                }
                Ok(())
            }
        }
    }
}

/// AWS refuses a rule whose wildcards could keep too many matching states
/// alive at once ("Rule is too complex - try using fewer wildcard characters
/// or fewer repeating character sequences after a wildcard character";
/// event-ruler's `MachineComplexityEvaluator`). Its exact measure depends on
/// how event-ruler lays out its byte machine; the stand-in here is, per
/// wildcard, the most states its automaton can hold at once. AWS's reference
/// cases put the limit between 8 (accepted) and 13 (refused) on this scale.
/// Several wildcards on one field add up in AWS's measure, but summing them
/// here would refuse the generated read pattern for two secret entries, which
/// AWS is not known to refuse: that sum is left unchecked (see the docs).
fn check_complexity(p: &EventPattern) -> Result<(), EventPatternError> {
    let mut per_path: std::collections::BTreeMap<String, usize> = Default::default();
    collect_wildcards(p, "", &mut per_path);
    match per_path.into_iter().find(|(_, n)| *n > MAX_WILDCARD_STATES) {
        Some((path, n)) => err(
            &path,
            format!(
                "a wildcard on this field could hold {n} matching states at once; \
                 AWS refuses such a rule as too complex (this evaluator allows at most \
                 {MAX_WILDCARD_STATES}): use fewer wildcard characters or fewer repeating \
                 character sequences after a wildcard character"
            ),
        ),
        None => Ok(()),
    }
}

/// See [`check_complexity`].
const MAX_WILDCARD_STATES: usize = 10;

fn collect_wildcards(
    p: &EventPattern,
    prefix: &str,
    out: &mut std::collections::BTreeMap<String, usize>,
) {
    for (key, node) in &p.fields {
        let here = join(prefix, key);
        match node {
            Node::Object(inner) => collect_wildcards(inner, &here, out),
            Node::Matchers(ms) => {
                for m in ms {
                    let ws: &[String] = match m {
                        Matcher::Wildcard(w) => std::slice::from_ref(w),
                        Matcher::AnythingBut(AnythingBut::Wildcard(ws)) => ws,
                        _ => &[],
                    };
                    if let Some(n) = ws.iter().map(|w| wildcard_states(w)).max() {
                        let worst = out.entry(here.clone()).or_default();
                        *worst = (*worst).max(n);
                    }
                }
            }
        }
    }
    for b in &p.any_of {
        collect_wildcards(b, prefix, out);
    }
}
