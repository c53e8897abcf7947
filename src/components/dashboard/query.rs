//! CloudWatch Logs Insights queries, typed: a [`LogQuery`] (source, fields,
//! filter, sort, limit) rendered by one function, [`LogQuery::render`], with
//! every value quoted by it. The dashboard's tables are built with them; a
//! saved query (`PutQueryDefinition`) can reuse them as they are.

use std::fmt::Write as _;

/// One condition of a `filter` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `field = 'value'`
    Equals(String, String),
    /// `field in ['a', 'b']`
    In(String, Vec<String>),
    /// `field like /^prefix/`: the field starts with the text.
    StartsWith(String, String),
    /// `ispresent(field)`
    Present(String),
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
}

impl Condition {
    pub fn equals(field: &str, value: &str) -> Self {
        Condition::Equals(field.to_owned(), value.to_owned())
    }

    /// `field` is one of `values` (one value is an equality).
    pub fn one_of<S: AsRef<str>>(field: &str, values: &[S]) -> Self {
        match values {
            [one] => Condition::equals(field, one.as_ref()),
            _ => Condition::In(
                field.to_owned(),
                values.iter().map(|v| v.as_ref().to_owned()).collect(),
            ),
        }
    }

    fn render(&self, out: &mut String, nested: bool) {
        match self {
            Condition::Equals(field, value) => {
                let _ = write!(out, "{field} = {}", quoted(value));
            }
            Condition::In(field, values) => {
                let values: Vec<String> = values.iter().map(|v| quoted(v)).collect();
                let _ = write!(out, "{field} in [{}]", values.join(", "));
            }
            Condition::StartsWith(field, prefix) => {
                let _ = write!(out, "{field} like /^{}/", regex_escaped(prefix));
            }
            Condition::Present(field) => {
                let _ = write!(out, "ispresent({field})");
            }
            Condition::All(parts) => join(out, parts, " and ", nested),
            Condition::Any(parts) => join(out, parts, " or ", nested),
        }
    }
}

/// `parts` joined by `separator`, bracketed when nested; callers never
/// pass none (an empty `All` or `Any` has no text of its own).
fn join(out: &mut String, parts: &[Condition], separator: &str, nested: bool) {
    let bracket = nested && parts.len() > 1;
    if bracket {
        out.push('(');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        part.render(out, true);
    }
    if bracket {
        out.push(')');
    }
}

/// A Logs Insights string literal: single-quoted, with `\` and `'` escaped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `text` as a regular expression matching itself, between `/`s.
fn regex_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A query over log groups: `SOURCE … | fields … | filter … | sort … desc |
/// limit …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub log_groups: Vec<String>,
    /// The columns, in order.
    pub fields: Vec<String>,
    pub filter: Option<Condition>,
    /// Sorted by this field, newest (largest) first.
    pub sort_desc: Option<String>,
    pub limit: u32,
}

impl LogQuery {
    /// The latest `limit` records of `log_group` that `filter` keeps, newest
    /// first, with these columns.
    pub fn latest(log_group: &str, fields: &[&str], filter: Condition, limit: u32) -> Self {
        Self {
            log_groups: vec![log_group.to_owned()],
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            filter: Some(filter),
            sort_desc: Some("@timestamp".to_owned()),
            limit,
        }
    }

    /// The query as the dashboard's `log` widget (and the console) take it.
    pub fn render(&self) -> String {
        let sources: Vec<String> = self.log_groups.iter().map(|g| quoted(g)).collect();
        let mut out = format!("SOURCE {}", sources.join(" | SOURCE "));
        if !self.fields.is_empty() {
            let _ = write!(out, " | fields {}", self.fields.join(", "));
        }
        if let Some(filter) = &self.filter {
            out.push_str(" | filter ");
            filter.render(&mut out, false);
        }
        if let Some(field) = &self.sort_desc {
            let _ = write!(out, " | sort {field} desc");
        }
        let _ = write!(out, " | limit {}", self.limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_renders_each_command_once_with_values_quoted() {
        let query = LogQuery::latest(
            "/secretmonitor/audit/cloudtrail",
            &["@timestamp", "eventName"],
            Condition::All(vec![
                Condition::equals("eventSource", "secretsmanager.amazonaws.com"),
                Condition::one_of("eventName", &["GetSecretValue", "BatchGetSecretValue"]),
                Condition::Any(vec![
                    Condition::equals("requestParameters.secretId", "it's"),
                    Condition::StartsWith("requestParameters.secretId".into(), "prod/a.b".into()),
                ]),
            ]),
            100,
        );
        assert_eq!(
            query.render(),
            "SOURCE '/secretmonitor/audit/cloudtrail' | fields @timestamp, eventName \
             | filter eventSource = 'secretsmanager.amazonaws.com' \
             and eventName in ['GetSecretValue', 'BatchGetSecretValue'] \
             and (requestParameters.secretId = 'it\\'s' or requestParameters.secretId like /^prod\\/a\\.b/) \
             | sort @timestamp desc | limit 100"
        );
    }
}
