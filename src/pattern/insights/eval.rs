//! The evaluator of the Logs Insights subset the queries use.

use super::*;

impl Query {
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
pub(super) fn lookup<'v>(field: &FieldName, record: &'v Value) -> Option<&'v Value> {
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
pub(super) fn text_of(field: &FieldName, record: &Value) -> Option<String> {
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

pub(super) fn is_present(field: &FieldName, record: &Value) -> bool {
    match field.0.as_str() {
        "@timestamp" | "@message" => true,
        _ => lookup(field, record).is_some(),
    }
}

pub(super) fn eval(f: &Filter, record: &Value) -> bool {
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
