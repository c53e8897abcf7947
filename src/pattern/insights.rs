//! Saved CloudWatch Logs Insights queries for investigating what the
//! pipeline's detection found (issue #15), and an evaluator of the subset of
//! Logs Insights they use, so that tests can check their rows offline.
//!
//! This module is pure (no I/O). Design and the placeholder convention:
//! `docs/queries.md`.
//!
//! * [`Query`] is a typed query (fields, [`Filter`] tree, sort, limit,
//!   optional `stats`); [`Query::render`] is the one place that writes Logs
//!   Insights text, quoting every user string.
//! * [`saved_queries`] builds the five queries from the same [`PatternInput`]
//!   as the metric filters and the same [`TamperTargets`] as the tamper rule.
//!   The read queries are *translated* from the metric filter's own
//!   expression ([`filter::generate::build`]) and the tamper query from the
//!   tamper rule's event pattern, so no scope or allow-list rule is written a
//!   second time here.
//! * [`Query::run`] evaluates a query over CloudTrail records as the trail
//!   writes them to the log group.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde_json::Value;

use super::event::{EventPattern, Matcher, Node, TamperTargets, CLOUDTRAIL_DETAIL_TYPE};
use super::filter::ast::{CmpOp, Expr, Literal, Segment, Selector, StrPattern};
use super::filter::generate::build as build_filter;
use super::scope::{
    scoped_events, Scope, ACCESS_DENIED_PATTERN, BATCH_GET_SECRET_VALUE,
    SECRETS_MANAGER_EVENT_SOURCE,
};
use super::{PatternError, PatternInput};

/// The value queries (2) and (3) carry where the responder puts the secret
/// or the principal: every occurrence is inside a double-quoted string
/// literal (never inside a `/regex/`), so it is replaced by plain text
/// search-and-replace with a secret name or an ARN, neither of which can
/// contain `"` or `\`.
pub const PLACEHOLDER: &str = "REPLACE-ME";
/// `PutQueryDefinition`: `queryString` is 1 to 10 000 characters.
pub const QUERY_STRING_MAX_LEN: usize = 10_000;
/// `PutQueryDefinition`: `name` is 1 to 255 characters.
pub const QUERY_NAME_MAX_LEN: usize = 255;
/// Rows each saved query returns; Logs Insights caps `limit` at 10 000 and a
/// responder reading more than this should narrow the time range instead.
pub const ROW_LIMIT: usize = 1000;

/// The prefix of every saved query's name: the console lists query
/// definitions as folders split at `/`, so one pipeline's queries sit in one
/// folder.
pub fn folder(pipeline_name: &str) -> String {
    format!("secretmonitor/{pipeline_name}/")
}

/// Why a query could not be built or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Pattern(#[from] PatternError),
    #[error("field name {0:?} contains a backtick, which Logs Insights cannot quote")]
    BadField(String),
    #[error("literal {0:?} contains a control character, which has no Logs Insights spelling")]
    ControlCharacter(String),
    /// The translation met a construct the generators do not emit today.
    #[error("cannot translate {0} into Logs Insights")]
    Unsupported(String),
    #[error("query {name:?} is {len} characters long, over the limit of {max}")]
    TooLong {
        name: String,
        len: usize,
        max: usize,
    },
    #[error("query name {name:?} is over the limit of {max} characters")]
    NameTooLong { name: String, max: usize },
}

/// A field as Logs Insights names it: the JSON path joined with `.`
/// (nested objects and array indexes alike, as its JSON discovery flattens
/// them), or a system field such as `@timestamp`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldName(String);

impl FieldName {
    pub fn new(name: &str) -> Result<Self, QueryError> {
        if name.is_empty() || name.contains('`') {
            return Err(QueryError::BadField(name.to_string()));
        }
        Ok(FieldName(name.to_string()))
    }

    fn constant(name: &'static str) -> Self {
        FieldName(name.to_string())
    }

    fn of_selector(sel: &Selector) -> Result<Self, QueryError> {
        let parts: Vec<String> = sel
            .segments()
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.clone(),
                Segment::Index(i) => i.to_string(),
            })
            .collect();
        FieldName::new(&parts.join("."))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldName {
    // Logs Insights accepts letters, digits, `@` and `.` bare; anything else
    // needs backticks, with a leading `@` kept outside them (AWS: "Fields
    // that contain special characters").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bare = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        let (at, rest) = match self.0.strip_prefix('@') {
            Some(rest) => ("@", rest),
            None => ("", self.0.as_str()),
        };
        if bare(rest) {
            write!(f, "{at}{rest}")
        } else {
            write!(f, "{at}`{rest}`")
        }
    }
}

/// A string literal; refuses what has no spelling inside quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn new(s: &str) -> Result<Self, QueryError> {
        if s.chars().any(char::is_control) {
            return Err(QueryError::ControlCharacter(s.to_string()));
        }
        Ok(Text(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            if c == '"' || c == '\\' {
                f.write_char('\\')?;
            }
            f.write_char(c)?;
        }
        f.write_char('"')
    }
}

/// What `like` tests. Only literal text is ever embedded, so the evaluator
/// needs no regular-expression engine and a user string can never become
/// regex syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Like {
    /// `like "text"`: the value contains the text.
    Contains(Text),
    /// `like /^text/`: the value starts with the text.
    Prefix(Text),
    /// `like /text$/`: the value ends with the text.
    Suffix(Text),
}

/// Writes `s` as regex text matching itself: RE2 metacharacters get a
/// backslash, and so does `/`, which would otherwise end the literal.
fn write_regex_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

impl fmt::Display for Like {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Like::Contains(t) => write!(f, "{t}"),
            Like::Prefix(t) => {
                f.write_str("/^")?;
                write_regex_literal(f, t.as_str())?;
                f.write_char('/')
            }
            Like::Suffix(t) => {
                f.write_char('/')?;
                write_regex_literal(f, t.as_str())?;
                f.write_str("$/")
            }
        }
    }
}

/// A `filter` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Eq(FieldName, Text),
    Like(FieldName, Like),
    In(FieldName, Vec<Text>),
    IsPresent(FieldName),
    Not(Box<Filter>),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

impl Filter {
    pub fn negate(f: Filter) -> Filter {
        Filter::Not(Box::new(f))
    }

    fn join(items: Vec<Filter>, and: bool) -> Filter {
        let mut flat: Vec<Filter> = Vec::with_capacity(items.len());
        for f in items {
            let parts = match f {
                Filter::And(v) if and => v,
                Filter::Or(v) if !and => v,
                f => vec![f],
            };
            // `x != a && x != b` translates to a repeated `ispresent(x)`.
            for part in parts {
                if !flat.contains(&part) {
                    flat.push(part);
                }
            }
        }
        match (flat.len(), and) {
            (1, _) => flat.swap_remove(0),
            (_, true) => Filter::And(flat),
            (_, false) => Filter::Or(flat),
        }
    }
    pub fn and(items: Vec<Filter>) -> Filter {
        Self::join(items, true)
    }
    /// A disjunction; equalities on one field become one `in [..]`.
    pub fn or(items: Vec<Filter>) -> Filter {
        let joined = Self::join(items, false);
        let Filter::Or(items) = &joined else {
            return joined;
        };
        let mut field = None;
        let mut values = Vec::new();
        for item in items {
            match item {
                Filter::Eq(f, v) if field.is_none_or(|g| g == f) => {
                    field = Some(f);
                    values.push(v.clone());
                }
                _ => return joined,
            }
        }
        match field {
            Some(f) => Filter::In(f.clone(), values),
            None => joined,
        }
    }

    fn is_compound(&self) -> bool {
        matches!(self, Filter::And(_) | Filter::Or(_))
    }
}

impl fmt::Display for Filter {
    // Every compound operand is parenthesised: the Logs Insights pages do not
    // state the precedence of `and`, `or` and `not`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |f: &mut fmt::Formatter<'_>, items: &[Filter], op: &str| -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                if item.is_compound() {
                    write!(f, "({item})")?;
                } else {
                    write!(f, "{item}")?;
                }
            }
            Ok(())
        };
        match self {
            Filter::Eq(field, v) => write!(f, "{field} = {v}"),
            Filter::Like(field, l) => write!(f, "{field} like {l}"),
            Filter::In(field, vs) => {
                write!(f, "{field} in [")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char(']')
            }
            Filter::IsPresent(field) => write!(f, "ispresent({field})"),
            Filter::Not(inner) => match inner.as_ref() {
                Filter::IsPresent(_) => write!(f, "not {inner}"),
                _ => write!(f, "not ({inner})"),
            },
            Filter::And(items) => joined(f, items, "and"),
            Filter::Or(items) => joined(f, items, "or"),
        }
    }
}

/// `stats count(*) as <alias> by <fields>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub alias: FieldName,
    pub by: Vec<FieldName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// One Logs Insights query, in the order its commands are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub fields: Vec<FieldName>,
    pub filter: Option<Filter>,
    pub stats: Option<Stats>,
    pub sort: Option<(FieldName, Order)>,
    pub limit: Option<usize>,
}

/// A query definition to save: `PutQueryDefinition`'s `name` and
/// `queryString`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedQuery {
    pub name: String,
    pub query_string: String,
}

/// One result row: the projected fields the record has, in query order
/// (Logs Insights omits a field the event lacks).
pub type Row = Vec<(String, String)>;

impl Query {
    /// The query over `log_groups`, as a dashboard's `log` widget takes it:
    /// `SOURCE` commands first (a saved query names its groups apart).
    pub fn render_over(&self, log_groups: &[&str]) -> String {
        // Single-quoted, as the dashboard body reference writes SOURCE; a log
        // group name has no quote or backslash, escaped all the same.
        let sources: Vec<String> = log_groups
            .iter()
            .map(|group| {
                let escaped = group.replace('\\', "\\\\").replace('\'', "\\'");
                format!("SOURCE '{escaped}'")
            })
            .collect();
        format!("{}\n| {}", sources.join("\n| "), self.render())
    }

    /// The query text. The only writer of Logs Insights syntax.
    pub fn render(&self) -> String {
        let mut commands = Vec::new();
        if !self.fields.is_empty() {
            let names: Vec<String> = self.fields.iter().map(ToString::to_string).collect();
            commands.push(format!("fields {}", names.join(", ")));
        }
        if let Some(filter) = &self.filter {
            commands.push(format!("filter {filter}"));
        }
        if let Some(stats) = &self.stats {
            let mut s = format!("stats count(*) as {}", stats.alias);
            if !stats.by.is_empty() {
                let by: Vec<String> = stats.by.iter().map(ToString::to_string).collect();
                let _ = write!(s, " by {}", by.join(", "));
            }
            commands.push(s);
        }
        if let Some((field, order)) = &self.sort {
            let order = match order {
                Order::Asc => "asc",
                Order::Desc => "desc",
            };
            commands.push(format!("sort {field} {order}"));
        }
        if let Some(n) = self.limit {
            commands.push(format!("limit {n}"));
        }
        commands.join("\n| ")
    }

    /// The query with every `PLACEHOLDER` literal replaced by `value`: what
    /// the responder's edit of the saved text means.
    pub fn with_placeholder(&self, value: &str) -> Result<Query, QueryError> {
        fn text(t: &Text, value: &str) -> Result<Text, QueryError> {
            Text::new(&t.as_str().replace(PLACEHOLDER, value))
        }
        fn walk(f: &Filter, value: &str) -> Result<Filter, QueryError> {
            Ok(match f {
                Filter::Eq(n, t) => Filter::Eq(n.clone(), text(t, value)?),
                Filter::Like(n, l) => Filter::Like(
                    n.clone(),
                    match l {
                        Like::Contains(t) => Like::Contains(text(t, value)?),
                        Like::Prefix(t) => Like::Prefix(text(t, value)?),
                        Like::Suffix(t) => Like::Suffix(text(t, value)?),
                    },
                ),
                Filter::In(n, ts) => Filter::In(
                    n.clone(),
                    ts.iter()
                        .map(|t| text(t, value))
                        .collect::<Result<_, _>>()?,
                ),
                Filter::IsPresent(n) => Filter::IsPresent(n.clone()),
                Filter::Not(inner) => Filter::negate(walk(inner, value)?),
                Filter::And(v) => {
                    Filter::And(v.iter().map(|f| walk(f, value)).collect::<Result<_, _>>()?)
                }
                Filter::Or(v) => {
                    Filter::Or(v.iter().map(|f| walk(f, value)).collect::<Result<_, _>>()?)
                }
            })
        }
        Ok(Query {
            filter: self.filter.as_ref().map(|f| walk(f, value)).transpose()?,
            ..self.clone()
        })
    }

    /// The rows Logs Insights would return for these CloudTrail records
    /// (one log event each, as the trail writes them).
    ///
    /// `@timestamp` is the record's `eventTime` (the trail stamps each log
    /// event with it, give or take delivery) and `@message` the record as
    /// compact JSON. Sorting compares values as text, which orders
    /// `eventTime`s correctly; a row without the sort field goes last.
    pub fn run(&self, records: &[Value]) -> Vec<Row> {
        let matched: Vec<&Value> = records
            .iter()
            .filter(|r| self.filter.as_ref().is_none_or(|f| eval(f, r)))
            .collect();
        let mut rows: Vec<Row> = match &self.stats {
            None => matched
                .iter()
                .map(|r| {
                    self.fields
                        .iter()
                        .filter_map(|f| text_of(f, r).map(|v| (f.0.clone(), v)))
                        .collect()
                })
                .collect(),
            Some(stats) => {
                let mut groups: BTreeMap<Vec<Option<String>>, usize> = BTreeMap::new();
                for r in &matched {
                    let key = stats.by.iter().map(|f| text_of(f, r)).collect();
                    *groups.entry(key).or_default() += 1;
                }
                groups
                    .into_iter()
                    .map(|(key, n)| {
                        let mut row: Row = stats
                            .by
                            .iter()
                            .zip(key)
                            .filter_map(|(f, v)| v.map(|v| (f.0.clone(), v)))
                            .collect();
                        row.push((stats.alias.0.clone(), n.to_string()));
                        row
                    })
                    .collect()
            }
        };
        if let Some((field, order)) = &self.sort {
            let numeric = self.stats.as_ref().is_some_and(|s| &s.alias == field);
            let get = |row: &Row| {
                row.iter()
                    .find(|(n, _)| n == &field.0)
                    .map(|(_, v)| v.clone())
            };
            rows.sort_by(|a, b| match (get(a), get(b)) {
                (Some(x), Some(y)) => {
                    let o = if numeric {
                        x.parse::<usize>()
                            .unwrap_or(0)
                            .cmp(&y.parse::<usize>().unwrap_or(0))
                    } else {
                        x.cmp(&y)
                    };
                    match order {
                        Order::Asc => o,
                        Order::Desc => o.reverse(),
                    }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            });
        }
        if let Some(n) = self.limit {
            rows.truncate(n);
        }
        rows
    }

    /// Does this query's filter keep `record`?
    pub fn keeps(&self, record: &Value) -> bool {
        self.filter.as_ref().is_none_or(|f| eval(f, record))
    }
}

/// The value at a flattened field name; `None` when absent.
fn lookup<'v>(field: &FieldName, record: &'v Value) -> Option<&'v Value> {
    let mut cur = record;
    for part in field.0.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// A field's value as text, as a result row or a comparison sees it.
/// Objects and arrays are not values (Logs Insights flattens them into
/// their leaves); null is, as the filter evaluator treats it, a present
/// property that equals no string.
fn text_of(field: &FieldName, record: &Value) -> Option<String> {
    match field.0.as_str() {
        "@timestamp" => return record["eventTime"].as_str().map(str::to_string),
        "@message" => return Some(record.to_string()),
        _ => {}
    }
    match lookup(field, record)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn is_present(field: &FieldName, record: &Value) -> bool {
    match field.0.as_str() {
        "@timestamp" | "@message" => true,
        _ => lookup(field, record).is_some(),
    }
}

fn eval(f: &Filter, record: &Value) -> bool {
    // A comparison on an absent field is false, whichever operator: the
    // translation guards every negation with `ispresent`, as the metric
    // filter's `!=` is false on a missing property.
    let with = |field: &FieldName, test: &dyn Fn(&str) -> bool| {
        text_of(field, record).is_some_and(|v| test(&v))
    };
    match f {
        Filter::Eq(field, t) => with(field, &|v| v == t.as_str()),
        Filter::In(field, ts) => with(field, &|v| ts.iter().any(|t| t.as_str() == v)),
        Filter::Like(field, like) => with(field, &|v| match like {
            Like::Contains(t) => v.contains(t.as_str()),
            Like::Prefix(t) => v.starts_with(t.as_str()),
            Like::Suffix(t) => v.ends_with(t.as_str()),
        }),
        Filter::IsPresent(field) => is_present(field, record),
        Filter::Not(inner) => !eval(inner, record),
        Filter::And(v) => v.iter().all(|f| eval(f, record)),
        Filter::Or(v) => v.iter().any(|f| eval(f, record)),
    }
}

// --- Translation of the pipeline's own patterns ---------------------------

fn text(s: &str) -> Result<Text, QueryError> {
    Text::new(s)
}

fn field(name: &'static str) -> FieldName {
    FieldName::constant(name)
}

fn str_match(name: FieldName, p: &StrPattern) -> Result<Filter, QueryError> {
    let lit = text(p.literal())?;
    Ok(match (p.leading_wildcard(), p.trailing_wildcard()) {
        (false, false) => Filter::Eq(name, lit),
        (false, true) => Filter::Like(name, Like::Prefix(lit)),
        (true, false) => Filter::Like(name, Like::Suffix(lit)),
        (true, true) => Filter::Like(name, Like::Contains(lit)),
    })
}

/// The metric filter's expression as a Logs Insights condition with the
/// same verdict on every CloudTrail record (the test
/// `unauthorised_reads_equal_the_metric_filter_on_real_records` checks it).
fn from_filter_expr(e: &Expr) -> Result<Filter, QueryError> {
    Ok(match e {
        Expr::Cmp {
            selector,
            op,
            value: Literal::Str(p),
        } => {
            let name = FieldName::of_selector(selector)?;
            match op {
                CmpOp::Eq => str_match(name, p)?,
                // CloudWatch's `!=` is false on a missing property; say so
                // rather than rely on how Logs Insights compares a null.
                CmpOp::Ne => Filter::and(vec![
                    Filter::IsPresent(name.clone()),
                    Filter::negate(str_match(name, p)?),
                ]),
                op => return Err(QueryError::Unsupported(format!("the operator {op}"))),
            }
        }
        Expr::NotExists(selector) => {
            Filter::negate(Filter::IsPresent(FieldName::of_selector(selector)?))
        }
        Expr::And(v) => Filter::and(v.iter().map(from_filter_expr).collect::<Result<_, _>>()?),
        Expr::Or(v) => Filter::or(v.iter().map(from_filter_expr).collect::<Result<_, _>>()?),
        other => return Err(QueryError::Unsupported(format!("the filter term {other}"))),
    })
}

/// Request parameters that CloudTrail logs as JSON arrays. Logs Insights
/// names array elements `param.0`, `param.1`, ..., so "any element equals"
/// has no field to test; the quoted value is looked for in `@message`
/// instead (bounded by the event source and name beside it).
const ARRAY_PARAMETERS: [&str; 1] = ["requestParameters.alarmNames"];

fn from_matchers(path: &str, matchers: &[Matcher]) -> Result<Filter, QueryError> {
    let name = FieldName::new(path)?;
    let array = ARRAY_PARAMETERS.contains(&path);
    let items = matchers
        .iter()
        .map(|m| match m {
            Matcher::Exact(Value::String(s)) if array => Ok(Filter::Like(
                field("@message"),
                Like::Contains(text(&Value::String(s.clone()).to_string())?),
            )),
            Matcher::Exact(Value::String(s)) => Ok(Filter::Eq(name.clone(), text(s)?)),
            Matcher::Prefix(s) if !array => Ok(Filter::Like(name.clone(), Like::Prefix(text(s)?))),
            other => Err(QueryError::Unsupported(format!(
                "the matcher {other:?} on {path}"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if items.is_empty() {
        return Err(QueryError::Unsupported(format!(
            "an empty matcher list on {path}"
        )));
    }
    Ok(Filter::or(items))
}

/// An event pattern over the CloudTrail record (`detail`), `path` being the
/// dotted prefix of its fields.
fn from_event_pattern(p: &EventPattern, path: &str) -> Result<Filter, QueryError> {
    let mut clauses = Vec::new();
    for (key, node) in p.fields() {
        let full = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        clauses.push(match node {
            Node::Object(inner) => from_event_pattern(inner, &full)?,
            Node::Matchers(m) => from_matchers(&full, m)?,
        });
    }
    if !p.any_of().is_empty() {
        clauses.push(Filter::or(
            p.any_of()
                .iter()
                .map(|b| from_event_pattern(b, path))
                .collect::<Result<_, _>>()?,
        ));
    }
    if clauses.is_empty() {
        return Err(QueryError::Unsupported("an empty event pattern".into()));
    }
    Ok(Filter::and(clauses))
}

/// An EventBridge pattern on "AWS API Call via CloudTrail" events, as a
/// condition on the records in the trail's log group: `detail` is the
/// record itself, and that detail-type is the records whose `eventType` is
/// `AwsApiCall`.
fn from_cloudtrail_rule(p: &EventPattern) -> Result<Filter, QueryError> {
    let mut clauses = Vec::new();
    for (key, node) in p.fields() {
        match (key.as_str(), node) {
            ("detail", Node::Object(detail)) => clauses.push(from_event_pattern(detail, "")?),
            ("detail-type", Node::Matchers(m))
                if m == &[Matcher::Exact(Value::String(CLOUDTRAIL_DETAIL_TYPE.into()))] =>
            {
                clauses.push(Filter::Eq(field("eventType"), text("AwsApiCall")?));
            }
            _ => {
                return Err(QueryError::Unsupported(format!(
                    "the envelope field {key:?}"
                )))
            }
        }
    }
    // Each `$or` branch is itself a whole pattern on the envelope.
    if !p.any_of().is_empty() {
        clauses.push(Filter::or(
            p.any_of()
                .iter()
                .map(from_cloudtrail_rule)
                .collect::<Result<_, _>>()?,
        ));
    }
    if clauses.is_empty() {
        return Err(QueryError::Unsupported("an empty event pattern".into()));
    }
    Ok(Filter::and(clauses))
}

// --- The five saved queries ------------------------------------------------

/// What the saved queries are generated from: the same lists as the metric
/// filters and the same targets as the tamper rule.
#[derive(Debug, Clone, Copy)]
pub struct QueryInput<'a> {
    pub pipeline_name: &'a str,
    pub detection: PatternInput<'a>,
    pub tamper: TamperTargets<'a>,
}

/// Columns of the read queries: who (and what kind of principal), what,
/// from where, and the outcome; `sessionIssuer.arn` because an assumed
/// role's path (Identity Center's `aws-reserved/sso.amazonaws.com/...`)
/// appears nowhere else.
const READ_FIELDS: [&str; 13] = [
    "@timestamp",
    "eventName",
    "requestParameters.secretId",
    "userIdentity.arn",
    "userIdentity.type",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "userIdentity.accountId",
    "sourceIPAddress",
    "userAgent",
    "awsRegion",
    "errorCode",
    "errorMessage",
    "eventID",
];

/// Tamper calls name their target in differing parameters, hence `@message`.
const TAMPER_FIELDS: [&str; 8] = [
    "@timestamp",
    "eventSource",
    "eventName",
    "userIdentity.arn",
    "sourceIPAddress",
    "errorCode",
    "eventID",
    "@message",
];

fn listing(fields: &[&'static str], filter: Filter) -> Query {
    Query {
        fields: fields.iter().map(|f| field(f)).collect(),
        filter: Some(filter),
        stats: None,
        sort: Some((field("@timestamp"), Order::Desc)),
        limit: Some(ROW_LIMIT),
    }
}

/// Secrets Manager records of the watched reads, whatever the secret: the
/// watched events, and `GetSecretValue` when batches are watched (a batch is
/// logged as one `GetSecretValue` per secret).
fn watched_reads(scope: &Scope) -> Result<Filter, QueryError> {
    let (batch, mut events) = scoped_events(&scope.events);
    if batch {
        events.push(BATCH_GET_SECRET_VALUE.to_string());
    }
    Ok(Filter::and(vec![
        Filter::Eq(field("eventSource"), text(SECRETS_MANAGER_EVENT_SOURCE)?),
        Filter::or(
            events
                .iter()
                .map(|e| Ok(Filter::Eq(field("eventName"), text(e)?)))
                .collect::<Result<_, QueryError>>()?,
        ),
    ]))
}

/// Every watched read of an in-scope secret, allowed callers and denied
/// attempts included: the metric filter's expression with no allow-list and
/// `alert_on_denied` on, so the scope is read exactly as the alarm reads it.
/// The dashboard's reads table: the reads an alert stands among.
pub fn in_scope_reads(detection: &PatternInput) -> Result<Query, QueryError> {
    let everyone = PatternInput {
        allowed_principals: &[],
        alert_on_denied: true,
        ..*detection
    };
    let filter = from_filter_expr(build_filter(&Scope::of(&everyone)?)?.expr())?;
    Ok(listing(&READ_FIELDS, filter))
}

/// The tamper rule's pattern over the trail's log group.
pub fn tamper_attempts(tamper: &TamperTargets) -> Result<Query, QueryError> {
    let filter = from_cloudtrail_rule(&super::tamper_pattern(tamper))?;
    Ok(listing(&TAMPER_FIELDS, filter))
}

/// The findings log group holds the EventBridge events the notifying rules
/// wrote, each CloudTrail record under `detail`: the read columns, there.
pub fn findings() -> Query {
    let under_detail = |f: &'static str| match f.strip_prefix('@') {
        Some(_) => field(f),
        None => FieldName(format!("detail.{f}")),
    };
    Query {
        fields: READ_FIELDS.iter().map(|f| under_detail(f)).collect(),
        filter: Some(Filter::IsPresent(field("detail.eventName"))),
        stats: None,
        sort: Some((field("@timestamp"), Order::Desc)),
        limit: Some(ROW_LIMIT),
    }
}

/// The five queries as typed models, in the order of issue #15.
pub fn saved_query_models(input: &QueryInput) -> Result<Vec<(String, Query)>, QueryError> {
    let scope = Scope::of(&input.detection)?;
    let folder = folder(input.pipeline_name);

    // (1) What the alarm counts: the metric filter's own expression, built
    // unsplit (a query has no 1024-character limit).
    let unauthorised = from_filter_expr(build_filter(&scope)?.expr())?;

    // (2) Every read of one secret, by anyone and with any outcome. The
    // secret is matched as an ID, inside an ARN, or inside the message of a
    // call logged without parameters; `like` on a string keeps the
    // placeholder out of any regex (over-matching names that extend it, which
    // the secretId column shows).
    let secret_id = field("requestParameters.secretId");
    let of_secret = Filter::and(vec![
        watched_reads(&scope)?,
        Filter::or(vec![
            Filter::Eq(secret_id.clone(), text(PLACEHOLDER)?),
            Filter::Like(
                secret_id.clone(),
                Like::Contains(text(&format!(":secret:{PLACEHOLDER}"))?),
            ),
            Filter::and(vec![
                Filter::negate(Filter::IsPresent(secret_id)),
                Filter::Like(field("errorMessage"), Like::Contains(text(PLACEHOLDER)?)),
            ]),
        ]),
    ]);

    // (3) Every read by one principal, any secret: a compromised caller's
    // reads outside the watched scope matter too. A role is found by its IAM
    // ARN with path (sessionIssuer.arn) or its name, a user by ARN or name.
    let by_principal = Filter::and(vec![
        watched_reads(&scope)?,
        Filter::or(
            [
                "userIdentity.arn",
                "userIdentity.sessionContext.sessionIssuer.arn",
                "userIdentity.sessionContext.sessionIssuer.userName",
                "userIdentity.userName",
                "userIdentity.accountId",
            ]
            .iter()
            .map(|f| Ok(Filter::Eq(field(f), text(PLACEHOLDER)?)))
            .collect::<Result<_, QueryError>>()?,
        ),
    ]);

    // (5) What the alarm would count with alert_on_denied on, denied only.
    let denied_scope = Scope {
        alert_on_denied: true,
        ..scope.clone()
    };
    let denied = Filter::and(vec![
        from_filter_expr(build_filter(&denied_scope)?.expr())?,
        Filter::Like(
            field("errorCode"),
            Like::Prefix(text(ACCESS_DENIED_PATTERN)?),
        ),
    ]);

    Ok(vec![
        (
            format!("{folder}{}", QUERY_NAMES[0]),
            listing(&READ_FIELDS, unauthorised),
        ),
        (
            format!("{folder}{}", QUERY_NAMES[1]),
            listing(&READ_FIELDS, of_secret),
        ),
        (
            format!("{folder}{}", QUERY_NAMES[2]),
            listing(&READ_FIELDS, by_principal),
        ),
        (
            format!("{folder}{}", QUERY_NAMES[3]),
            tamper_attempts(&input.tamper)?,
        ),
        (
            format!("{folder}{}", QUERY_NAMES[4]),
            listing(&READ_FIELDS, denied),
        ),
    ])
}

/// The five query definitions, each within `PutQueryDefinition`'s limits.
pub fn saved_queries(input: &QueryInput) -> Result<Vec<SavedQuery>, QueryError> {
    saved_query_models(input)?
        .into_iter()
        .map(|(name, query)| within_limits(name, &query))
        .collect()
}

/// `query` as saved under `name`, refused when either is over
/// `PutQueryDefinition`'s limits: one query at a time, so a caller can skip
/// only the one that does not fit.
pub fn within_limits(name: String, query: &Query) -> Result<SavedQuery, QueryError> {
    if name.chars().count() > QUERY_NAME_MAX_LEN {
        return Err(QueryError::NameTooLong {
            name,
            max: QUERY_NAME_MAX_LEN,
        });
    }
    let query_string = query.render();
    let len = query_string.chars().count();
    if len > QUERY_STRING_MAX_LEN {
        return Err(QueryError::TooLong {
            name,
            len,
            max: QUERY_STRING_MAX_LEN,
        });
    }
    Ok(SavedQuery { name, query_string })
}

/// The last part of each saved query's name, in the order of
/// [`saved_query_models`]: the names depend on the pipeline's name alone, so
/// a plan knows them offline.
pub const QUERY_NAMES: [&str; 5] = [
    "unauthorised-reads",
    "reads-of-secret",
    "reads-by-principal",
    "tamper-attempts",
    "denied-attempts",
];

/// The five names under the pipeline's folder.
pub fn saved_query_names(pipeline_name: &str) -> Vec<String> {
    let folder = folder(pipeline_name);
    QUERY_NAMES.iter().map(|q| format!("{folder}{q}")).collect()
}
