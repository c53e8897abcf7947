//! The detection scope: the configuration both patterns are built from
//! (the metric filter in `filter/generate.rs`, the EventBridge read rule in
//! `event/read_rule.rs`), validated and de-duplicated once, so that the two
//! cannot read it differently.

use super::{PatternError, PatternInput};
use crate::arn::{is_account_id, is_partition, Arn};

/// Event source of every Secrets Manager CloudTrail record.
pub const SECRETS_MANAGER_EVENT_SOURCE: &str = "secretsmanager.amazonaws.com";
/// Events watched when `watched_events` is empty.
pub const DEFAULT_WATCHED_EVENTS: [&str; 2] = ["GetSecretValue", "BatchGetSecretValue"];
/// `errorCode` values that count as denied attempts (CloudTrail writes
/// `AccessDenied` or `AccessDeniedException`).
pub const ACCESS_DENIED_PATTERN: &str = "AccessDenied";

/// What precedes the resource in an authorisation error message ("User: ARN
/// is not authorized to perform: ACTION on resource: ID because ..."); the
/// resource is the secret ID as the caller passed it.
pub(super) const ON_RESOURCE: &str = "on resource: ";
/// What precedes the name in a secret ARN; names cannot contain `:`, and no
/// other ARN in an error message (the caller's IAM or STS ARN) holds it.
pub(super) const SECRET_ARN_MARKER: &str = ":secret:";

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

fn is_secret_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

fn is_iam_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c)
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
        if let Some(problem) = Arn::parse(value).and_then(|arn| arn.frame_problem()) {
            return Err(bad(&problem));
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

pub(super) fn dedup_sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// The validated, de-duplicated configuration of one pipeline's detection.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub(super) secrets: Vec<SecretScope>,
    pub(super) principals: Vec<Principal>,
    pub(super) events: Vec<String>,
    pub(super) alert_on_denied: bool,
    /// Whether this pattern also carries the branches that name no secret
    /// (a batch denied as a whole; a denied read whose secret cannot be
    /// determined). A pipeline laid out over several patterns puts them in
    /// one only, so that such a read counts once (`layout/chunks.rs`).
    pub(super) shared_branches: bool,
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

impl Scope {
    /// Validates every entry of `input`; the lists keep their first
    /// occurrences, in the order given.
    pub(super) fn of(input: &PatternInput) -> Result<Scope, PatternError> {
        let secrets = first_distinct(
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
        Ok(Scope {
            secrets,
            principals,
            events,
            alert_on_denied: input.alert_on_denied,
            shared_branches: true,
        })
    }
}

/// The texts that, found in the `errorMessage` of a denied call without a
/// secret ID, show the message names an in-scope secret: for each entry its
/// name (or stem) after `on resource: ` (read by name) and after `:secret:`
/// (read by ARN). A message has no word boundary a filter pattern can test,
/// so every entry is matched as a name prefix: a wider match than on
/// `secretId`, accepted because it only over-alerts (docs §1.4).
pub(super) fn message_needles(scopes: &[SecretScope]) -> Vec<String> {
    let mut needles = Vec::new();
    for s in dedup_sorted(scopes) {
        let stem = match s {
            SecretScope::Prefix(stem) => stem,
            SecretScope::Name(name) | SecretScope::Arn { name, .. } => name,
        };
        needles.push(format!("{ON_RESOURCE}{stem}"));
        needles.push(format!("{SECRET_ARN_MARKER}{stem}"));
    }
    let needles = first_distinct(needles);
    // A needle containing another one adds nothing to "contains any of".
    needles
        .iter()
        .filter(|n| !needles.iter().any(|m| m != *n && n.contains(m.as_str())))
        .cloned()
        .collect()
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
