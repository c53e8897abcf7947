//! The evaluator of filter patterns: whether CloudWatch Logs considers that a
//! log event matches a [`Pattern`].
//!
//! The semantics, and every point where the AWS documentation left a choice
//! open, are described in `docs/filter-patterns.md`.

use serde_json::Value;

use super::ast::{
    CmpOp, Expr, Field, FieldCond, Literal, Pattern, Segment, Selector, Term, TermKind,
};
use super::lex::parse_number;

impl Pattern {
    /// Does CloudWatch Logs consider that `log_event` matches this pattern?
    pub fn matches(&self, log_event: &str) -> bool {
        match self {
            Pattern::MatchAll => true,
            Pattern::Json(e) => matches_json_expr(e, log_event),
            Pattern::Terms(terms) => matches_terms(terms, log_event),
            Pattern::Delimited(fields) => matches_delimited(fields, log_event),
        }
    }
}

/// Evaluate a JSON expression against a log event; a log event that is not a
/// JSON object never matches.
pub(crate) fn matches_json_expr(e: &Expr, log_event: &str) -> bool {
    match serde_json::from_str::<Value>(log_event.trim()) {
        Ok(v @ Value::Object(_)) => eval(e, &v),
        _ => false,
    }
}

fn resolve<'v>(sel: &Selector, root: &'v Value) -> Option<&'v Value> {
    let mut cur = root;
    for s in sel.segments() {
        cur = match (s, cur) {
            (Segment::Key(k), Value::Object(m)) => m.get(k)?,
            (Segment::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Text of a scalar ("value node") for string comparison; `None` for null,
/// objects and arrays, on which `=` and `!=` never match.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s.trim()),
        _ => None,
    }
}

fn compare(op: CmpOp, lit: &Literal, v: Option<&Value>) -> bool {
    let Some(v) = v else {
        // A missing property matches no comparison, not even `!=`.
        return false;
    };
    match lit {
        Literal::Str(p) => match scalar_text(v) {
            Some(t) => match op {
                CmpOp::Eq => p.matches(&t),
                CmpOp::Ne => !p.matches(&t),
                _ => false,
            },
            None => false,
        },
        Literal::Num(n) => match scalar_number(v) {
            Some(x) => match op {
                CmpOp::Eq => x == n.value,
                CmpOp::Ne => x != n.value,
                CmpOp::Lt => x < n.value,
                CmpOp::Gt => x > n.value,
                CmpOp::Le => x <= n.value,
                CmpOp::Ge => x >= n.value,
            },
            None => false,
        },
    }
}

fn eval(e: &Expr, root: &Value) -> bool {
    match e {
        Expr::Cmp {
            selector,
            op,
            value,
        } => compare(*op, value, resolve(selector, root)),
        Expr::IsTrue(s) => resolve(s, root) == Some(&Value::Bool(true)),
        Expr::IsFalse(s) => resolve(s, root) == Some(&Value::Bool(false)),
        Expr::IsNull(s) => resolve(s, root) == Some(&Value::Null),
        Expr::NotExists(s) => resolve(s, root).is_none(),
        Expr::And(v) => v.iter().all(|e| eval(e, root)),
        Expr::Or(v) => v.iter().any(|e| eval(e, root)),
    }
}

fn matches_terms(terms: &[Term], text: &str) -> bool {
    let mut any_optional = false;
    let mut optional_hit = false;
    for t in terms {
        let hit = text.contains(t.text.as_str());
        match t.kind {
            TermKind::Required if !hit => return false,
            TermKind::Excluded if hit => return false,
            TermKind::Optional => {
                any_optional = true;
                optional_hit |= hit;
            }
            _ => {}
        }
    }
    !any_optional || optional_hit
}

/// Split a log line into space-delimited fields; `[...]` and `"..."` groups
/// are single fields, without their brackets or quotes.
pub(crate) fn split_fields(line: &str) -> Vec<String> {
    let c: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_whitespace() {
            i += 1;
            continue;
        }
        let close = match c[i] {
            '[' => Some(']'),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(close) = close {
            let s = i + 1;
            let mut j = s;
            while j < c.len() && c[j] != close {
                j += 1;
            }
            out.push(c[s..j.min(c.len())].iter().collect());
            i = j + 1;
        } else {
            let s = i;
            while i < c.len() && !c[i].is_whitespace() {
                i += 1;
            }
            out.push(c[s..i].iter().collect());
        }
    }
    out
}

fn matches_delimited(fields: &[Field], line: &str) -> bool {
    let values = split_fields(line);
    let mut binding: Vec<(&str, &str)> = Vec::new();
    align(fields, &values, &mut binding, fields)
}

/// Try every way of matching the slots to the log fields (ellipses absorb
/// zero or more fields) and evaluate the conditions on each complete binding.
fn align<'a>(
    slots: &'a [Field],
    values: &'a [String],
    binding: &mut Vec<(&'a str, &'a str)>,
    all: &'a [Field],
) -> bool {
    match slots.split_first() {
        None => {
            values.is_empty()
                && all.iter().all(|f| match f {
                    Field::Named { cond: Some(c), .. } => eval_cond(c, binding),
                    _ => true,
                })
        }
        Some((Field::Ellipsis, rest)) => {
            (0..=values.len()).any(|skip| align(rest, &values[skip..], binding, all))
        }
        Some((Field::Named { name, .. }, rest)) => {
            let Some((v, vs)) = values.split_first() else {
                return false;
            };
            binding.push((name.as_str(), v.as_str()));
            let ok = align(rest, vs, binding, all);
            binding.pop();
            ok
        }
    }
}

fn eval_cond(c: &FieldCond, binding: &[(&str, &str)]) -> bool {
    match c {
        FieldCond::Cmp { field, op, value } => {
            let v = binding
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| Value::String((*v).to_string()));
            compare(*op, value, v.as_ref())
        }
        FieldCond::And(v) => v.iter().all(|c| eval_cond(c, binding)),
        FieldCond::Or(v) => v.iter().any(|c| eval_cond(c, binding)),
    }
}
