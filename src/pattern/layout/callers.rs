//! Caller rules: the default bus's stage, partitioning every caller by
//! identity type, account and name class, each rule excluding only the
//! allowed principals of its own part.

use serde_json::Value;

use super::{CapacityError, LayoutError};
use crate::pattern::event::{
    AnythingBut, EventPattern, Matcher, CLOUDTRAIL_DETAIL_TYPE, SECRETS_MANAGER_SOURCE,
};
use crate::pattern::scope::{
    assumed_role_prefix, scoped_events, Principal, Scope, ACCESS_DENIED_PATTERN,
    BATCH_GET_SECRET_VALUE, SECRETS_MANAGER_EVENT_SOURCE,
};
use crate::pattern::PatternError;

/// Characters allowed in IAM role and user names, in byte order: every name
/// starts with one of them, so prefix classes built from it cover all names.
const IAM_NAME_ALPHABET: &str =
    "+,-.0123456789=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// The identity types callers are partitioned by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Role,
    User,
    Root,
}

impl Kind {
    fn identity_type(self) -> &'static str {
        match self {
            Kind::Role => "AssumedRole",
            Kind::User => "IAMUser",
            Kind::Root => "Root",
        }
    }
}

/// The allowed principals of one identity type in one account.
#[derive(Debug, Clone)]
struct Family {
    kind: Kind,
    account: String,
    /// (name the records carry, the `userIdentity.arn` value or prefix excluded)
    members: Vec<(String, String)>,
}

/// A set of names by their start: names beginning with a string, or one name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NameClass {
    StartsWith(String),
    Is(String),
}

impl NameClass {
    fn contains(&self, name: &str) -> bool {
        match self {
            NameClass::StartsWith(p) => name.starts_with(p.as_str()),
            NameClass::Is(n) => name == n,
        }
    }

    fn matcher(&self) -> Matcher {
        match self {
            NameClass::StartsWith(p) => Matcher::Prefix(p.clone()),
            NameClass::Is(n) => Matcher::exact(n),
        }
    }

    /// The classes that partition this one, one character further.
    fn split(&self) -> Vec<NameClass> {
        match self {
            NameClass::Is(_) => vec![self.clone()],
            NameClass::StartsWith(p) => std::iter::once(NameClass::Is(p.clone()))
                .chain(
                    IAM_NAME_ALPHABET
                        .chars()
                        .map(|c| NameClass::StartsWith(format!("{p}{c}"))),
                )
                .collect(),
        }
    }
}

fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

fn families(principals: &[Principal]) -> Result<(Vec<String>, Vec<Family>), PatternError> {
    let mut accounts: Vec<String> = principals
        .iter()
        .filter_map(|p| match p {
            Principal::Account(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    accounts.sort();
    accounts.dedup();
    let mut families: Vec<Family> = Vec::new();
    for p in principals {
        let (kind, arn) = match p {
            Principal::Account(_) => continue,
            Principal::Role(a) => (Kind::Role, a),
            Principal::UserOrRoot(a) if a.ends_with(":root") => (Kind::Root, a),
            Principal::UserOrRoot(a) => (Kind::User, a),
        };
        let internal = || PatternError::Internal(format!("principal ARN {arn}"));
        let account = account_of(arn).ok_or_else(internal)?.to_string();
        // An allowed account already allows all of its principals.
        if accounts.binary_search(&account).is_ok() {
            continue;
        }
        let member = match kind {
            Kind::Role => {
                let prefix = assumed_role_prefix(arn).ok_or_else(internal)?;
                let name = arn.rsplit('/').next().ok_or_else(internal)?.to_string();
                (name, prefix)
            }
            Kind::User => (
                arn.rsplit('/').next().ok_or_else(internal)?.to_string(),
                arn.clone(),
            ),
            Kind::Root => (String::new(), arn.clone()),
        };
        match families
            .iter_mut()
            .find(|f| f.kind == kind && f.account == account)
        {
            Some(f) => f.members.push(member),
            None => families.push(Family {
                kind,
                account,
                members: vec![member],
            }),
        }
    }
    for f in &mut families {
        f.members.sort();
        f.members.dedup_by(|a, b| a.1 == b.1);
    }
    families.sort_by(|a, b| (a.kind, &a.account).cmp(&(b.kind, &b.account)));
    Ok((accounts, families))
}

/// The envelope and event part every caller rule shares: the Secrets
/// Manager reads any scope rule could match.
fn caller_envelope(scope: &Scope) -> EventPattern {
    let events: Vec<String> = if scope.secrets.is_empty() {
        scope.events.clone()
    } else {
        let (batch, mut names) = scoped_events(&scope.events);
        if batch && scope.alert_on_denied {
            names.push(BATCH_GET_SECRET_VALUE.to_string());
        }
        names
    };
    let mut events = events;
    events.sort();
    events.dedup();
    let mut outcome = vec![Matcher::Exists(false)];
    if scope.alert_on_denied {
        outcome.push(Matcher::Prefix(ACCESS_DENIED_PATTERN.to_string()));
    }
    EventPattern::new()
        .with(
            "eventSource",
            vec![Matcher::exact(SECRETS_MANAGER_EVENT_SOURCE)],
        )
        .with(
            "eventName",
            events.iter().map(|e| Matcher::exact(e)).collect::<Vec<_>>(),
        )
        .with("errorCode", outcome)
}

fn wrap(detail: EventPattern) -> EventPattern {
    EventPattern::new()
        .with("source", vec![Matcher::exact(SECRETS_MANAGER_SOURCE)])
        .with("detail-type", vec![Matcher::exact(CLOUDTRAIL_DETAIL_TYPE)])
        .with("detail", detail)
}

/// `anything-but` a list of prefixes: AWS accepts the list form
/// (`../shared/reference-data/eventbridge-patterns`), and unlike a wildcard
/// it does not count against the 30 wildcard rules of the default bus.
fn anything_but_prefixes(prefixes: Vec<String>) -> AnythingBut {
    AnythingBut::Prefixes(prefixes)
}

/// `arn` absent, or none of the members' values.
fn excluding(kind: Kind, members: &[(String, String)]) -> Vec<Matcher> {
    let values: Vec<String> = members.iter().map(|(_, v)| v.clone()).collect();
    let but = match kind {
        Kind::Role => anything_but_prefixes(values),
        Kind::User | Kind::Root => {
            AnythingBut::Values(values.into_iter().map(Value::String).collect())
        }
    };
    vec![Matcher::Exists(false), Matcher::AnythingBut(but)]
}

/// The object holding the name a caller of `kind` carries, and its key.
fn with_name_field(identity: EventPattern, kind: Kind, matchers: Vec<Matcher>) -> EventPattern {
    match kind {
        Kind::Role => identity.with(
            "sessionContext",
            EventPattern::new().with(
                "sessionIssuer",
                EventPattern::new().with("userName", matchers),
            ),
        ),
        Kind::User | Kind::Root => identity.with("userName", matchers),
    }
}

fn family_rule(
    envelope: &EventPattern,
    family: &Family,
    classes: Option<&[NameClass]>,
    members: &[(String, String)],
) -> EventPattern {
    let mut identity = EventPattern::new()
        .with("type", vec![Matcher::exact(family.kind.identity_type())])
        .with("accountId", vec![Matcher::exact(&family.account)]);
    // A part holding no allowed principal forwards every caller in it.
    if !members.is_empty() {
        identity = identity.with("arn", excluding(family.kind, members));
    }
    if let Some(classes) = classes {
        identity = with_name_field(
            identity,
            family.kind,
            classes.iter().map(NameClass::matcher).collect(),
        );
    }
    wrap(envelope.clone().with("userIdentity", identity))
}

/// The rules of one family: one if its whole allow-list fits; otherwise
/// one per group of name classes, plus one for callers whose name is
/// missing or starts with no IAM name character (these forward
/// unconditionally: over-alerting on a shape CloudTrail does not write,
/// never missing).
fn family_rules(
    envelope: &EventPattern,
    family: &Family,
    max_len: usize,
) -> Result<Vec<EventPattern>, CapacityError> {
    let whole = family_rule(envelope, family, None, &family.members);
    if whole.len() <= max_len {
        return Ok(vec![whole]);
    }
    let members_of = |classes: &[NameClass]| -> Vec<(String, String)> {
        family
            .members
            .iter()
            .filter(|(name, _)| classes.iter().any(|c| c.contains(name)))
            .cloned()
            .collect()
    };
    let rule_for =
        |classes: &[NameClass]| family_rule(envelope, family, Some(classes), &members_of(classes));
    // Expand classes until each fits a rule on its own, then pack them in order.
    let mut pending: Vec<NameClass> = IAM_NAME_ALPHABET
        .chars()
        .rev()
        .map(|c| NameClass::StartsWith(c.to_string()))
        .collect();
    let mut rules = Vec::new();
    let mut current: Vec<NameClass> = Vec::new();
    while let Some(class) = pending.pop() {
        let alone = rule_for(std::slice::from_ref(&class));
        if alone.len() > max_len {
            let parts = class.split();
            if parts.len() == 1 {
                return Err(CapacityError::PartTooLong {
                    kind: "event pattern",
                    part: format!("the allowed principal named {class:?}"),
                    len: alone.len(),
                    max: max_len,
                    hint: "raise event_pattern_max_length if the account's quota allows",
                });
            }
            pending.extend(parts.into_iter().rev());
            continue;
        }
        let mut grown = current.clone();
        grown.push(class.clone());
        if rule_for(&grown).len() <= max_len {
            current = grown;
        } else {
            rules.push(rule_for(&current));
            current = vec![class];
        }
    }
    if !current.is_empty() {
        rules.push(rule_for(&current));
    }
    let first_chars: Vec<String> = IAM_NAME_ALPHABET.chars().map(String::from).collect();
    let rest = EventPattern::new()
        .with("type", vec![Matcher::exact(family.kind.identity_type())])
        .with("accountId", vec![Matcher::exact(&family.account)]);
    let rest = with_name_field(
        rest,
        family.kind,
        vec![
            Matcher::Exists(false),
            Matcher::AnythingBut(anything_but_prefixes(first_chars)),
        ],
    );
    rules.push(wrap(envelope.clone().with("userIdentity", rest)));
    Ok(rules)
}

/// Everyone no family rule covers and no allowed account holds.
fn catch_all(
    envelope: &EventPattern,
    accounts: &[String],
    families: &[Family],
) -> Result<EventPattern, PatternError> {
    let strings = |v: Vec<String>| v.into_iter().map(Value::String).collect::<Vec<_>>();
    let not_in = |values: Vec<String>| {
        vec![
            Matcher::Exists(false),
            Matcher::AnythingBut(AnythingBut::Values(strings(values))),
        ]
    };
    let mut kinds: Vec<Kind> = families.iter().map(|f| f.kind).collect();
    kinds.dedup();
    let mut branches = Vec::new();
    let mut other = EventPattern::new();
    if !kinds.is_empty() {
        other = other.with(
            "type",
            not_in(
                kinds
                    .iter()
                    .map(|k| k.identity_type().to_string())
                    .collect(),
            ),
        );
    }
    if !accounts.is_empty() {
        other = other.with("accountId", not_in(accounts.to_vec()));
    }
    branches.push(other);
    for kind in kinds {
        let mut excluded: Vec<String> = families
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.account.clone())
            .chain(accounts.iter().cloned())
            .collect();
        excluded.sort();
        excluded.dedup();
        branches.push(
            EventPattern::new()
                .with("type", vec![Matcher::exact(kind.identity_type())])
                .with("accountId", not_in(excluded)),
        );
    }
    let detail = match branches.len() {
        1 => {
            let only = branches.pop().expect("one branch");
            if only.fields().is_empty() {
                envelope.clone()
            } else {
                envelope.clone().with("userIdentity", only)
            }
        }
        _ => envelope.clone().with(
            "userIdentity",
            EventPattern::new()
                .with_any_of(branches)
                .map_err(|e| PatternError::Internal(e.to_string()))?,
        ),
    };
    Ok(wrap(detail))
}

pub(super) fn caller_rules(
    scope: &Scope,
    max_len: usize,
) -> Result<Vec<EventPattern>, LayoutError> {
    let (accounts, families) = families(&scope.principals)?;
    let envelope = caller_envelope(scope);
    let mut rules = Vec::new();
    for family in &families {
        rules.extend(family_rules(&envelope, family, max_len)?);
    }
    let rest = catch_all(&envelope, &accounts, &families)?;
    if rest.len() > max_len {
        return Err(CapacityError::PartTooLong {
            kind: "event pattern",
            part: format!(
                "the rule for callers outside the {} allowed accounts and the {} accounts with allowed principals",
                accounts.len(),
                families.len()
            ),
            len: rest.len(),
            max: max_len,
            hint: "allow fewer separate accounts",
        }
        .into());
    }
    rules.push(rest);
    for r in &rules {
        r.validate()
            .map_err(|e| PatternError::Internal(e.to_string()))?;
    }
    Ok(rules)
}
