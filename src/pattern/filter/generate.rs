//! Generation of the metric filter pattern from the detection [`Scope`].
//!
//! The design decisions (what counts, what is excluded, and the trade-offs the
//! CloudWatch syntax and the 1024-character limit impose) are documented in
//! `docs/filter-patterns.md`, section "The generated pattern".

use super::ast::{AstError, Expr, FilterPattern, Selector, StrPattern};
use crate::pattern::scope::{
    assumed_role_prefix, dedup_sorted, message_needles, scoped_events, Principal, Scope,
    SecretScope, ACCESS_DENIED_PATTERN, BATCH_GET_SECRET_VALUE, ON_RESOURCE,
    SECRETS_MANAGER_EVENT_SOURCE,
};
use crate::pattern::{check_len, PatternError, PatternInput, MAX_PATTERN_LEN};

/// How many entries of each list fit a pattern's limit, the other lists
/// being kept whole: [`fitting_entries`] for the metric filter,
/// [`event_fitting_entries`](crate::pattern::event_fitting_entries) for
/// the read rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    /// Length of the pattern generated from the whole input.
    pub len: usize,
    /// Largest `n` such that the first `n` (distinct) secrets fit; 0 if not even one does.
    pub secrets: usize,
    /// Largest `n` such that the first `n` (distinct) principals fit.
    pub allowed_principals: usize,
    /// Largest `n` such that the first `n` (distinct) event names fit; 0 if not even one does.
    pub watched_events: usize,
}

fn sel(keys: &[&str]) -> Selector {
    Selector::keys(keys).expect("constant selector")
}

/// Literals come from validated input (no `*`, no control characters), so
/// these constructors cannot fail; the error is still propagated rather than
/// unwrapped so that a validation gap can never panic.
fn lit(r: Result<StrPattern, AstError>) -> Result<StrPattern, PatternError> {
    r.map_err(|e| PatternError::Internal(e.to_string()))
}

/// `selector NOT EXISTS || selector != v1 && selector != v2 ...`: true when
/// the selector is absent or differs from every value. The `NOT EXISTS` guard
/// is needed because CloudWatch's `!=` does not match a missing property.
fn none_of(selector: &Selector, values: Vec<StrPattern>) -> Expr {
    Expr::or(vec![
        Expr::NotExists(selector.clone()),
        Expr::and(values.into_iter().map(|v| Expr::ne(selector, v)).collect()),
    ])
}

fn any_of(selector: &Selector, values: Vec<StrPattern>) -> Expr {
    Expr::or(values.into_iter().map(|v| Expr::eq(selector, v)).collect())
}

pub(in crate::pattern) fn build(scope: &Scope) -> Result<FilterPattern, PatternError> {
    let event_source = sel(&["eventSource"]);
    let event_name = sel(&["eventName"]);
    let error_code = sel(&["errorCode"]);
    let secret_id = sel(&["requestParameters", "secretId"]);
    let denied = Expr::eq(&error_code, lit(StrPattern::prefix(ACCESS_DENIED_PATTERN))?);

    let mut clauses = vec![Expr::eq(
        &event_source,
        lit(StrPattern::exact(SECRETS_MANAGER_EVENT_SOURCE))?,
    )];

    // Outcome: successful calls have no errorCode at all.
    clauses.push(if scope.alert_on_denied {
        Expr::or(vec![Expr::NotExists(error_code.clone()), denied.clone()])
    } else {
        Expr::NotExists(error_code.clone())
    });

    // Canonical order, so that reordering the configuration does not change the text.
    let events = dedup_sorted(&scope.events);
    let event_eq = |names: &[String]| -> Result<Expr, PatternError> {
        Ok(any_of(
            &event_name,
            names
                .iter()
                .map(|n| lit(StrPattern::exact(n)))
                .collect::<Result<Vec<_>, _>>()?,
        ))
    };

    if scope.secrets.is_empty() {
        clauses.push(event_eq(&events)?);
    } else {
        let (batch, per_secret) = scoped_events(&events);
        let mut values = Vec::new();
        for s in dedup_sorted(&scope.secrets) {
            match s {
                SecretScope::Prefix(stem) => {
                    values.push(lit(StrPattern::prefix(&stem))?);
                    values.push(lit(StrPattern::contains(&format!(":secret:{stem}")))?);
                }
                SecretScope::Name(name) => {
                    values.push(lit(StrPattern::exact(&name))?);
                    // Partial ARN ...:secret:NAME
                    values.push(lit(StrPattern::suffix(&format!(":secret:{name}")))?);
                    // Full ARN ...:secret:NAME-XXXXXX (also any NAME-... secret; see docs)
                    values.push(lit(StrPattern::contains(&format!(":secret:{name}-")))?);
                }
                SecretScope::Arn {
                    arn,
                    partial_arn,
                    name,
                } => {
                    values.push(lit(StrPattern::exact(&arn))?);
                    values.push(lit(StrPattern::exact(&partial_arn))?);
                    values.push(lit(StrPattern::exact(&name))?);
                }
            }
        }
        let mut per_secret_match = vec![any_of(&secret_id, values)];
        if scope.alert_on_denied {
            // A denied call may be logged with `requestParameters: null`,
            // naming the secret only in its errorMessage. Count it when the
            // message names an in-scope secret, or names no resource at all
            // (the scope cannot be checked: over-alert rather than miss).
            let message = sel(&["errorMessage"]);
            let mut by_message = Vec::new();
            if scope.shared_branches {
                by_message.push(Expr::NotExists(message.clone()));
                by_message.push(Expr::ne(&message, lit(StrPattern::contains(ON_RESOURCE))?));
            }
            for needle in message_needles(&scope.secrets) {
                by_message.push(Expr::eq(&message, lit(StrPattern::contains(&needle))?));
            }
            per_secret_match.push(Expr::and(vec![
                Expr::NotExists(secret_id.clone()),
                denied.clone(),
                Expr::or(by_message),
            ]));
        }
        let mut scoped = vec![Expr::and(vec![
            event_eq(&per_secret)?,
            Expr::or(per_secret_match),
        ])];
        if batch && scope.alert_on_denied && scope.shared_branches {
            // A BatchGetSecretValue call denied as a whole produces no
            // per-secret records and its scope cannot be checked: count it.
            scoped.push(Expr::and(vec![
                Expr::eq(&event_name, lit(StrPattern::exact(BATCH_GET_SECRET_VALUE))?),
                denied.clone(),
            ]));
        }
        clauses.push(Expr::or(scoped));
    }

    // Allowed principals. IAM users and the root user are recognised by
    // `userIdentity.arn` (exact); roles by the assumed-role prefix of
    // `userIdentity.arn`; accounts by `userIdentity.accountId`.
    let mut arns = Vec::new();
    let mut accounts = Vec::new();
    for p in dedup_sorted(&scope.principals) {
        match p {
            Principal::Account(a) => accounts.push(lit(StrPattern::exact(&a))?),
            Principal::UserOrRoot(a) => arns.push(lit(StrPattern::exact(&a))?),
            Principal::Role(a) => {
                let prefix = assumed_role_prefix(&a)
                    .ok_or_else(|| PatternError::Internal(format!("role ARN {a}")))?;
                arns.push(lit(StrPattern::prefix(&prefix))?);
            }
        }
    }
    if !arns.is_empty() {
        clauses.push(none_of(&sel(&["userIdentity", "arn"]), arns));
    }
    if !accounts.is_empty() {
        clauses.push(none_of(&sel(&["userIdentity", "accountId"]), accounts));
    }

    Ok(FilterPattern::new(Expr::and(clauses)))
}

/// Generate the metric filter pattern for `input`.
pub fn generate(input: &PatternInput) -> Result<FilterPattern, PatternError> {
    let pattern = build(&Scope::of(input)?)?;
    check_len(pattern.len(), MAX_PATTERN_LEN)?;
    Ok(pattern)
}

/// How many entries of each list fit within [`MAX_PATTERN_LEN`].
///
/// For each list, the other two are kept whole and the list is cut to its
/// first `n` distinct entries (in the order given); the largest `n` whose
/// pattern fits is reported. Validation errors are returned as by
/// [`generate`]; [`PatternError::TooLong`] never is.
pub fn fitting_entries(input: &PatternInput) -> Result<Fit, PatternError> {
    fitting(input, MAX_PATTERN_LEN, |s| Ok(build(s)?.len()))
}

/// [`fitting_entries`] for any pattern built from the scope: `measure` is
/// its length, `max` its limit.
pub(in crate::pattern) fn fitting(
    input: &PatternInput,
    max: usize,
    measure: impl Fn(&Scope) -> Result<usize, PatternError>,
) -> Result<Fit, PatternError> {
    let full = Scope::of(input)?;
    let len = measure(&full)?;
    let fits = |s: &Scope| -> Result<bool, PatternError> { Ok(measure(s)? <= max) };
    let largest =
        |n_max: usize, min: usize, cut: &dyn Fn(usize) -> Scope| -> Result<usize, PatternError> {
            // Pattern length grows with n: walk down from the whole list.
            for n in (min..=n_max).rev() {
                if fits(&cut(n))? {
                    return Ok(n);
                }
            }
            Ok(0)
        };
    let with = |secrets: usize, principals: usize, events: usize| Scope {
        secrets: full.secrets[..secrets].to_vec(),
        principals: full.principals[..principals].to_vec(),
        events: full.events[..events].to_vec(),
        alert_on_denied: full.alert_on_denied,
        shared_branches: full.shared_branches,
    };
    let (ns, np, ne) = (full.secrets.len(), full.principals.len(), full.events.len());
    Ok(Fit {
        len,
        secrets: largest(ns, 1.min(ns), &|n| with(n, np, ne))?,
        allowed_principals: largest(np, 0, &|n| with(ns, n, ne))?,
        watched_events: largest(ne, 1, &|n| with(ns, np, n))?,
    })
}
