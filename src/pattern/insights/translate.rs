//! The pipeline's own patterns translated into Logs Insights conditions.

use super::*;

// --- Translation of the pipeline's own patterns ---------------------------

pub(super) fn text(s: &str) -> Result<Text, QueryError> {
    Text::new(s)
}

pub(super) fn field(name: &'static str) -> FieldName {
    FieldName::constant(name)
}

pub(super) fn str_match(name: FieldName, p: &StrPattern) -> Result<Filter, QueryError> {
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
pub(super) fn from_filter_expr(e: &Expr) -> Result<Filter, QueryError> {
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
pub(super) const ARRAY_PARAMETERS: [&str; 1] = ["requestParameters.alarmNames"];

pub(super) fn from_matchers(path: &str, matchers: &[Matcher]) -> Result<Filter, QueryError> {
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
pub(super) fn from_event_pattern(p: &EventPattern, path: &str) -> Result<Filter, QueryError> {
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
pub(super) fn from_cloudtrail_rule(p: &EventPattern) -> Result<Filter, QueryError> {
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
