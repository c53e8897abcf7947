//! The typed Logs Insights query and its one renderer.

use super::*;

/// A field as Logs Insights names it: the JSON path joined with `.`
/// (nested objects and array indexes alike, as its JSON discovery flattens
/// them), or a system field such as `@timestamp`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldName(pub(super) String);

impl FieldName {
    pub fn new(name: &str) -> Result<Self, QueryError> {
        if name.is_empty() || name.contains('`') {
            return Err(QueryError::BadField(name.to_string()));
        }
        Ok(FieldName(name.to_string()))
    }

    pub(super) fn constant(name: &'static str) -> Self {
        FieldName(name.to_string())
    }

    pub(super) fn of_selector(sel: &Selector) -> Result<Self, QueryError> {
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
pub(super) fn write_regex_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
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
}
