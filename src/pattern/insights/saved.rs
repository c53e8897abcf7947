//! The five saved queries and the dashboard's tables.

use super::*;

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
pub(super) const READ_FIELDS: [&str; 13] = [
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
pub(super) const TAMPER_FIELDS: [&str; 8] = [
    "@timestamp",
    "eventSource",
    "eventName",
    "userIdentity.arn",
    "sourceIPAddress",
    "errorCode",
    "eventID",
    "@message",
];

pub(super) fn listing(fields: &[&'static str], filter: Filter) -> Query {
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
pub(super) fn watched_reads(scope: &Scope) -> Result<Filter, QueryError> {
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
    let filter = from_cloudtrail_rule(&crate::pattern::tamper_pattern(tamper))?;
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
