//! The read rule's pattern: the EventBridge twin of the metric filter, built
//! from the same detection [`Scope`].

use serde_json::Value;

use super::eval::wildcard_literal;
use super::model::{
    exacts, AnythingBut, EventPattern, EventPatternError, Matcher, CLOUDTRAIL_DETAIL_TYPE,
    SECRETS_MANAGER_SOURCE,
};
use crate::pattern::filter::generate::fitting;
use crate::pattern::scope::{
    assumed_role_prefix, dedup_sorted, first_distinct, message_needles, scoped_events, Principal,
    Scope, SecretScope, ACCESS_DENIED_PATTERN, BATCH_GET_SECRET_VALUE, ON_RESOURCE,
    SECRETS_MANAGER_EVENT_SOURCE,
};
use crate::pattern::{check_len, Fit, PatternError, PatternInput};

/// `requestParameters.secretId` values of the scope, mirroring the metric
/// filter's (docs/filter-patterns.md §1.4) entry by entry.
fn scope_matchers(scopes: &[SecretScope]) -> Vec<Matcher> {
    let mut out = Vec::new();
    for s in dedup_sorted(scopes) {
        match s {
            SecretScope::Prefix(stem) => {
                out.push(Matcher::Prefix(stem.clone()));
                out.push(Matcher::Wildcard(format!(
                    "*:secret:{}*",
                    wildcard_literal(&stem)
                )));
            }
            SecretScope::Name(name) => {
                out.push(Matcher::exact(&name));
                out.push(Matcher::Suffix(format!(":secret:{name}")));
                out.push(Matcher::Wildcard(format!(
                    "*:secret:{}-*",
                    wildcard_literal(&name)
                )));
            }
            SecretScope::Arn {
                arn,
                partial_arn,
                name,
            } => {
                out.push(Matcher::exact(&arn));
                out.push(Matcher::exact(&partial_arn));
                out.push(Matcher::exact(&name));
            }
        }
    }
    first_distinct(out)
}

/// `errorMessage` values of a denied call without a secret ID that count,
/// mirroring the metric filter: no message, a message naming no resource
/// (anything-but never matches a missing field, hence the exists:false), or
/// one naming an in-scope secret.
fn message_matchers(scopes: &[SecretScope], shared_branches: bool) -> Vec<Matcher> {
    let mut out = Vec::new();
    if shared_branches {
        out.push(Matcher::Exists(false));
        out.push(Matcher::AnythingBut(AnythingBut::Wildcard(vec![format!(
            "*{}*",
            wildcard_literal(ON_RESOURCE)
        )])));
    }
    for needle in message_needles(scopes) {
        out.push(Matcher::Wildcard(format!(
            "*{}*",
            wildcard_literal(&needle)
        )));
    }
    out
}

fn internal(e: EventPatternError) -> PatternError {
    PatternError::Internal(e.to_string())
}

pub(in crate::pattern) fn build_read_alert(scope: &Scope) -> Result<EventPattern, PatternError> {
    // Outcome: successes have no errorCode; denied attempts have AccessDenied*.
    let outcome = if scope.alert_on_denied {
        vec![
            Matcher::Exists(false),
            Matcher::Prefix(ACCESS_DENIED_PATTERN.to_string()),
        ]
    } else {
        vec![Matcher::Exists(false)]
    };
    let events = dedup_sorted(&scope.events);
    let mut detail =
        EventPattern::new().with("eventSource", exacts(&[SECRETS_MANAGER_EVENT_SOURCE]));

    if scope.secrets.is_empty() {
        detail = detail
            .with("errorCode", outcome)
            .with("eventName", exacts(&events));
    } else {
        // Batch calls are checked through their per-secret records, as in
        // the metric filter.
        let (batch, per_secret) = scoped_events(&events);
        let request = EventPattern::new().with("secretId", scope_matchers(&scope.secrets));
        let scoped = EventPattern::new()
            .with("errorCode", outcome)
            .with("eventName", exacts(&per_secret))
            .with("requestParameters", request);
        if scope.alert_on_denied {
            // Each branch constrains errorCode, which the enclosing object
            // can hold only once, so the outcome clause moves into each
            // branch; in the other branches, outcome AND denied is denied.
            let denied = || vec![Matcher::Prefix(ACCESS_DENIED_PATTERN.to_string())];
            // A denied call logged with `requestParameters: null` names its
            // secret only in errorMessage (docs §1.4).
            let without_id = EventPattern::new()
                .with("errorCode", denied())
                .with(
                    "errorMessage",
                    message_matchers(&scope.secrets, scope.shared_branches),
                )
                .with("eventName", exacts(&per_secret))
                .with(
                    "requestParameters",
                    EventPattern::new().with("secretId", vec![Matcher::Exists(false)]),
                );
            let mut branches = vec![scoped, without_id];
            if batch && scope.shared_branches {
                branches.push(
                    EventPattern::new()
                        .with("errorCode", denied())
                        .with("eventName", exacts(&[BATCH_GET_SECRET_VALUE])),
                );
            }
            detail = detail.with_any_of(branches).map_err(internal)?;
        } else {
            for (key, node) in scoped.fields {
                detail = detail.with(&key, node);
            }
        }
    }

    // Allowed principals: "field absent OR none of the values". anything-but
    // never matches a missing field, hence the explicit exists:false.
    let mut arns = Vec::new();
    let mut accounts = Vec::new();
    for p in dedup_sorted(&scope.principals) {
        match p {
            Principal::Account(a) => accounts.push(a),
            Principal::UserOrRoot(a) => arns.push(wildcard_literal(&a)),
            Principal::Role(a) => {
                let prefix = assumed_role_prefix(&a)
                    .ok_or_else(|| PatternError::Internal(format!("role ARN {a}")))?;
                arns.push(format!("{}*", wildcard_literal(&prefix)));
            }
        }
    }
    let (arns, accounts) = (dedup_sorted(&arns), dedup_sorted(&accounts));
    let mut identity = EventPattern::new();
    if !arns.is_empty() {
        identity = identity.with(
            "arn",
            vec![
                Matcher::Exists(false),
                Matcher::AnythingBut(AnythingBut::Wildcard(arns)),
            ],
        );
    }
    if !accounts.is_empty() {
        identity = identity.with(
            "accountId",
            vec![
                Matcher::Exists(false),
                Matcher::AnythingBut(AnythingBut::Values(
                    accounts.into_iter().map(Value::String).collect(),
                )),
            ],
        );
    }
    if !identity.fields.is_empty() {
        detail = detail.with("userIdentity", identity);
    }

    let pattern = EventPattern::new()
        .with("source", exacts(&[SECRETS_MANAGER_SOURCE]))
        .with("detail-type", exacts(&[CLOUDTRAIL_DETAIL_TYPE]))
        .with("detail", detail);
    pattern.validate().map_err(internal)?;
    Ok(pattern)
}

/// The EventBridge pattern with the same verdict as the metric filter
/// [`generate`](crate::pattern::generate()) builds from `input`, on the EventBridge
/// envelope of each CloudTrail record.
///
/// Errors as [`generate`](crate::pattern::generate()), except that
/// [`PatternError::TooLong`] is about `input.event_pattern_max_len`, the
/// account's "Event pattern size" quota.
pub fn read_alert_pattern(input: &PatternInput) -> Result<EventPattern, PatternError> {
    let pattern = build_read_alert(&Scope::of(input)?)?;
    check_len(pattern.len(), input.event_pattern_max_len)?;
    Ok(pattern)
}

/// How many entries of each list fit the read rule's limit
/// (`input.event_pattern_max_len`), the other lists kept whole: as
/// [`fitting_entries`](crate::pattern::fitting_entries) for the metric filter.
pub fn event_fitting_entries(input: &PatternInput) -> Result<Fit, PatternError> {
    fitting(input, input.event_pattern_max_len, |s| {
        Ok(build_read_alert(s)?.len())
    })
}
