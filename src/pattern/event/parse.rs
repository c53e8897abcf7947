//! Reading an event pattern from its JSON text, and the checks EventBridge
//! makes on a pattern's shape.

use serde_json::{Map, Value};

use super::eval::check_wildcard;
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
}
