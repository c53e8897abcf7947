//! Generation of the detection pattern from the resource's configuration.
//!
//! The design decisions (what counts, what is excluded, and the trade-offs the
//! CloudWatch syntax and the 1024-character limit impose) are documented in
//! `docs/filter-patterns.md`, section "The generated pattern".

use super::ast::{Expr, FilterPattern, Selector, StrPattern};
use super::{PatternError, PatternInput, MAX_PATTERN_LEN};

/// Event source of every Secrets Manager CloudTrail record.
pub const SECRETS_MANAGER_EVENT_SOURCE: &str = "secretsmanager.amazonaws.com";
/// Events watched when `watched_events` is empty.
pub const DEFAULT_WATCHED_EVENTS: [&str; 2] = ["GetSecretValue", "BatchGetSecretValue"];
/// `errorCode` values that count as denied attempts (CloudTrail writes
/// `AccessDenied` or `AccessDeniedException`).
pub const ACCESS_DENIED_PATTERN: &str = "AccessDenied";

pub(super) const GET_SECRET_VALUE: &str = "GetSecretValue";
pub(super) const BATCH_GET_SECRET_VALUE: &str = "BatchGetSecretValue";

/// One validated entry of `secrets`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretScope {
    /// `prod/*`: every secret whose name starts with the stem (`prod/`).
    Prefix(String),
    /// `db-password`: the secret with exactly this name.
    Name(String),
    /// A full secret ARN.
    Arn {
        /// The full ARN as given, with its `-XXXXXX` suffix.
        arn: String,
        /// The ARN without the suffix (the "partial ARN" form callers may use).
        partial_arn: String,
        /// The secret's name.
        name: String,
    },
}

/// One validated entry of `allowed_principals`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Principal {
    /// 12-digit account ID: every principal of the account.
    Account(String),
    /// IAM role ARN: every session of the role.
    Role(String),
    /// IAM user ARN or account root ARN: matched against `userIdentity.arn`.
    UserOrRoot(String),
}

/// How many entries of each list fit in [`MAX_PATTERN_LEN`], the other lists
/// being kept whole. See [`fitting_entries`].
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

fn is_secret_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

fn is_iam_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c)
}

fn is_partition(p: &str) -> bool {
    p.starts_with("aws") && p.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

fn check_name(value: &str, name: &str) -> Result<(), PatternError> {
    let bad = |reason: &str| PatternError::InvalidSecret {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if name.is_empty() {
        return Err(bad("empty secret name"));
    }
    if name.chars().count() > 512 {
        return Err(bad("secret names are at most 512 characters"));
    }
    if let Some(c) = name.chars().find(|c| !is_secret_name_char(*c)) {
        return Err(bad(&format!(
            "character {c:?} is not allowed in a secret name (letters, digits and /_+=.@- only)"
        )));
    }
    Ok(())
}

/// Validate one entry of `secrets`.
pub fn parse_secret(value: &str) -> Result<SecretScope, PatternError> {
    let bad = |reason: &str| PatternError::InvalidSecret {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if let Some(rest) = value.strip_prefix("arn:") {
        // arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX
        let parts: Vec<&str> = rest.splitn(6, ':').collect();
        if parts.len() != 6 || parts[1] != "secretsmanager" || parts[4] != "secret" {
            return Err(bad(
                "expected arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX",
            ));
        }
        if !is_partition(parts[0]) {
            return Err(bad("invalid partition"));
        }
        let region = parts[2];
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad("invalid region"));
        }
        if !is_account_id(parts[3]) {
            return Err(bad("invalid account ID"));
        }
        let full = parts[5];
        if value.contains('*') {
            return Err(bad(
                "wildcards are only allowed at the end of a secret name",
            ));
        }
        let suffix_ok = full.len() > 7
            && full.as_bytes()[full.len() - 7] == b'-'
            && full[full.len() - 6..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric());
        if !suffix_ok {
            return Err(bad(
                "a secret ARN must be the full ARN, ending in '-' and the 6 characters Secrets Manager appends; give the secret's name instead if you do not know it",
            ));
        }
        let name = &full[..full.len() - 7];
        check_name(value, name)?;
        return Ok(SecretScope::Arn {
            arn: value.to_string(),
            partial_arn: value[..value.len() - 7].to_string(),
            name: name.to_string(),
        });
    }
    if let Some(stem) = value.strip_suffix('*') {
        if stem.is_empty() {
            return Err(bad(
                "'*' alone is not a prefix; leave the list empty to watch every secret",
            ));
        }
        if stem.contains('*') {
            return Err(bad("only one trailing '*' is allowed"));
        }
        check_name(value, stem)?;
        return Ok(SecretScope::Prefix(stem.to_string()));
    }
    check_name(value, value)?;
    Ok(SecretScope::Name(value.to_string()))
}

/// Validate one entry of `allowed_principals`.
pub fn parse_principal(value: &str) -> Result<Principal, PatternError> {
    let bad = |reason: &str| PatternError::InvalidPrincipal {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if is_account_id(value) {
        return Ok(Principal::Account(value.to_string()));
    }
    let Some(rest) = value.strip_prefix("arn:") else {
        return Err(bad(
            "expected an IAM role, user or root ARN, or a 12-digit account ID",
        ));
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    if parts.len() != 5 || !is_partition(parts[0]) {
        return Err(bad("malformed ARN"));
    }
    if parts[1] == "sts" {
        return Err(bad(
            "give the role's IAM ARN (arn:aws:iam::ACCOUNT:role/NAME), not an assumed-role session ARN",
        ));
    }
    if parts[1] != "iam" || !parts[2].is_empty() || !is_account_id(parts[3]) {
        return Err(bad("expected arn:PARTITION:iam::ACCOUNT:..."));
    }
    let resource = parts[4];
    if resource == "root" {
        return Ok(Principal::UserOrRoot(value.to_string()));
    }
    let (kind, path_name) = match resource.split_once('/') {
        Some(("role", p)) => ("role", p),
        Some(("user", p)) => ("user", p),
        _ => return Err(bad("only role/, user/ and root ARNs can be allowed")),
    };
    if path_name.contains('*') {
        return Err(bad("wildcards are not allowed in allowed principals"));
    }
    if let Some(c) = path_name.chars().find(|c| !is_iam_path_char(*c)) {
        return Err(bad(&format!(
            "character {c:?} is not allowed in an IAM {kind} path or name"
        )));
    }
    if path_name.split('/').any(str::is_empty) {
        return Err(bad("empty path segment or name"));
    }
    Ok(if kind == "role" {
        Principal::Role(value.to_string())
    } else {
        Principal::UserOrRoot(value.to_string())
    })
}

fn parse_event(value: &str) -> Result<String, PatternError> {
    if value.is_empty() || value.len() > 128 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(PatternError::InvalidEvent {
            value: value.to_string(),
            reason: "event names are letters and digits only, e.g. GetSecretValue".to_string(),
        });
    }
    Ok(value.to_string())
}

fn sel(keys: &[&str]) -> Selector {
    Selector::keys(keys).expect("constant selector")
}

/// Literals come from validated input (no `*`, no control characters), so
/// these constructors cannot fail; the error is still propagated rather than
/// unwrapped so that a validation gap can never panic.
fn lit(r: Result<StrPattern, super::ast::AstError>) -> Result<StrPattern, PatternError> {
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

/// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/` for an IAM role ARN: the
/// prefix of `userIdentity.arn` in every session of the role. Role names are
/// unique within an account whatever their path, and session names cannot
/// contain `/`, so this prefix identifies the role exactly.
pub(super) fn assumed_role_prefix(role_arn: &str) -> Option<String> {
    let rest = role_arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    Some(format!(
        "arn:{partition}:sts::{account}:assumed-role/{name}/"
    ))
}

fn any_of(selector: &Selector, values: Vec<StrPattern>) -> Expr {
    Expr::or(values.into_iter().map(|v| Expr::eq(selector, v)).collect())
}

pub(super) fn dedup_sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Validated, de-duplicated configuration.
pub(super) struct Plan {
    pub(super) scopes: Vec<SecretScope>,
    pub(super) principals: Vec<Principal>,
    pub(super) events: Vec<String>,
    pub(super) alert_on_denied: bool,
}

pub(super) fn first_distinct<T: PartialEq + Clone>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

pub(super) fn plan(input: &PatternInput) -> Result<Plan, PatternError> {
    let scopes = first_distinct(
        input
            .secrets
            .iter()
            .map(|s| parse_secret(s))
            .collect::<Result<Vec<_>, _>>()?,
    );
    let principals = first_distinct(
        input
            .allowed_principals
            .iter()
            .map(|s| parse_principal(s))
            .collect::<Result<Vec<_>, _>>()?,
    );
    let events = if input.watched_events.is_empty() {
        DEFAULT_WATCHED_EVENTS
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        first_distinct(
            input
                .watched_events
                .iter()
                .map(|s| parse_event(s))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    Ok(Plan {
        scopes,
        principals,
        events,
        alert_on_denied: input.alert_on_denied,
    })
}

/// Whether BatchGetSecretValue is watched, and the events whose records
/// carry `requestParameters.secretId` and so can be scoped. A batch call
/// names its secrets in an unbounded list (or by filters); Secrets Manager
/// also logs one GetSecretValue record per secret retrieved, carrying the
/// secretId, so watching batch calls means scoping those records.
pub(super) fn scoped_events(events: &[String]) -> (bool, Vec<String>) {
    let batch = events.iter().any(|e| e == BATCH_GET_SECRET_VALUE);
    let mut per_secret: Vec<String> = events
        .iter()
        .filter(|e| *e != BATCH_GET_SECRET_VALUE)
        .cloned()
        .collect();
    if batch && !per_secret.iter().any(|e| e == GET_SECRET_VALUE) {
        per_secret.push(GET_SECRET_VALUE.to_string());
        per_secret.sort();
    }
    (batch, per_secret)
}

fn build(plan: &Plan) -> Result<FilterPattern, PatternError> {
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
    clauses.push(if plan.alert_on_denied {
        Expr::or(vec![Expr::NotExists(error_code.clone()), denied.clone()])
    } else {
        Expr::NotExists(error_code.clone())
    });

    // Canonical order, so that reordering the configuration does not change the text.
    let events = dedup_sorted(&plan.events);
    let event_eq = |names: &[String]| -> Result<Expr, PatternError> {
        Ok(any_of(
            &event_name,
            names
                .iter()
                .map(|n| lit(StrPattern::exact(n)))
                .collect::<Result<Vec<_>, _>>()?,
        ))
    };

    if plan.scopes.is_empty() {
        clauses.push(event_eq(&events)?);
    } else {
        let (batch, per_secret) = scoped_events(&events);
        let mut values = Vec::new();
        for s in dedup_sorted(&plan.scopes) {
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
        let mut scoped = vec![Expr::and(vec![
            event_eq(&per_secret)?,
            any_of(&secret_id, values),
        ])];
        if batch && plan.alert_on_denied {
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
    for p in dedup_sorted(&plan.principals) {
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

/// Refuses a pattern longer than the service accepts.
pub(super) fn check_len(len: usize, max: usize) -> Result<(), PatternError> {
    if len > max {
        return Err(PatternError::TooLong { len, max });
    }
    Ok(())
}

/// Generate the metric filter pattern for `input`.
pub fn generate(input: &PatternInput) -> Result<FilterPattern, PatternError> {
    let pattern = build(&plan(input)?)?;
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
    let full = plan(input)?;
    let len = build(&full)?.len();
    let fits = |p: &Plan| -> Result<bool, PatternError> { Ok(build(p)?.len() <= MAX_PATTERN_LEN) };
    let largest =
        |n_max: usize, min: usize, cut: &dyn Fn(usize) -> Plan| -> Result<usize, PatternError> {
            // Pattern length grows with n: walk down from the whole list.
            for n in (min..=n_max).rev() {
                if fits(&cut(n))? {
                    return Ok(n);
                }
            }
            Ok(0)
        };
    let with = |scopes: usize, principals: usize, events: usize| Plan {
        scopes: full.scopes[..scopes].to_vec(),
        principals: full.principals[..principals].to_vec(),
        events: full.events[..events].to_vec(),
        alert_on_denied: full.alert_on_denied,
    };
    let (ns, np, ne) = (full.scopes.len(), full.principals.len(), full.events.len());
    Ok(Fit {
        len,
        secrets: largest(ns, 1.min(ns), &|n| with(n, np, ne))?,
        allowed_principals: largest(np, 0, &|n| with(ns, n, ne))?,
        watched_events: largest(ne, 1, &|n| with(ns, np, n))?,
    })
}
