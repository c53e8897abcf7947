//! The detection of one pipeline laid out over as many metric filters and
//! EventBridge rules as its configuration needs, each within its AWS limit,
//! with the same verdict as the single pattern of `filter/generate.rs` and
//! `event/read_rule.rs` would give if it had no length limit.
//!
//! The design and its limits are in `docs/scale.md`. In short:
//!
//! * **Scope chunks.** The secret scope is normalised (entries another entry
//!   covers are dropped) and cut into chunks whose matches are disjoint: an
//!   entry's matches all lie in the lexical range of secret names it can
//!   match (its *hull*), and a chunk ends only where no earlier hull reaches
//!   past the next entry's start. So a read matches one chunk at most, and a
//!   chunk's pattern is never asked to hold two entries that overlap.
//! * **Metric path.** One filter per scope chunk, each with the whole
//!   allow-list, all publishing the same metric: the alarm's `Sum` counts each
//!   unauthorised read once. The allow-list is not split (a filter cannot
//!   subtract), so the metric path holds as many principals as fit beside
//!   the smallest chunk.
//! * **Per-event path, two stages.** Rules on the default bus partition the
//!   callers (by identity type, account and first letters of the name); each
//!   excludes only the allowed principals of its own part and forwards the
//!   rest to the pipeline's own bus. Rules there match the scope chunks and
//!   notify. Parts and chunks are disjoint, so an unauthorised read makes
//!   exactly one notification. Caller rules use no `wildcard` (the default
//!   bus allows 30 such rules per account and region, shared with everything
//!   else there); the scope rules on the pipeline's bus do, within its own 30.

use serde_json::Value;

use super::event::read_rule::build_read_alert;
use super::event::{
    AnythingBut, EventPattern, Matcher, CLOUDTRAIL_DETAIL_TYPE, SECRETS_MANAGER_SOURCE,
};
use super::filter::generate::build as build_filter;
use super::scope::{
    assumed_role_prefix, scoped_events, Principal, Scope, SecretScope, ACCESS_DENIED_PATTERN,
    BATCH_GET_SECRET_VALUE, SECRETS_MANAGER_EVENT_SOURCE,
};
use super::{FilterPattern, PatternError, PatternInput, MAX_PATTERN_LEN};

/// CloudWatch Logs allows 100 metric filters per log group; the layout uses
/// at most half, so that an update can put every new filter in place before
/// the old ones go.
pub const MAX_METRIC_FILTERS: usize = 50;
/// EventBridge allows 300 rules per bus (100 in some regions), shared with
/// every other rule on the default bus; the caller stage keeps to a share
/// that leaves room for a full replacement during an update.
pub const MAX_CALLER_RULES: usize = 100;
/// Rules that use `wildcard` are capped at 30 per bus (not adjustable); the
/// scope stage lives on the pipeline's own bus, so all 30 are its own.
pub const MAX_SCOPE_RULES: usize = 30;

/// Characters allowed in IAM role and user names, in byte order: every name
/// starts with one of them, so prefix classes built from it cover all names.
const IAM_NAME_ALPHABET: &str =
    "+,-.0123456789=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// The limit the layout ran into, with what it used and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// One indivisible part (a group of overlapping scope entries, the whole
    /// allow-list of the metric path, one principal) is over the pattern limit.
    #[error("{part} needs a {kind} of {len} characters, over the limit of {max}; {hint}")]
    PartTooLong {
        kind: &'static str,
        part: String,
        len: usize,
        max: usize,
        hint: &'static str,
    },
    /// More patterns than the layout may use.
    #[error(
        "the configuration needs {needed} {kind}, over the {max} this pipeline may use; {hint}"
    )]
    TooManyPatterns {
        kind: &'static str,
        needed: usize,
        max: usize,
        hint: &'static str,
    },
}

/// Why no layout could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error(transparent)]
    Pattern(#[from] PatternError),
    #[error(transparent)]
    Capacity(#[from] CapacityError),
}

/// The metric path: filters on the trail's log group, all publishing the
/// pipeline's metric.
#[derive(Debug, Clone)]
pub struct FilterLayout {
    pub filters: Vec<FilterPattern>,
}

impl FilterLayout {
    /// How many filters count `log_event`: what the alarm's `Sum` adds for it.
    pub fn count(&self, log_event: &str) -> usize {
        self.filters.iter().filter(|f| f.matches(log_event)).count()
    }
}

/// The per-event path.
#[derive(Debug, Clone)]
pub enum EventLayout {
    /// Everything fits one rule on the default bus, which notifies directly.
    Single(EventPattern),
    /// Caller rules on the default bus forward to the pipeline's bus, whose
    /// scope rules notify.
    TwoStage {
        callers: Vec<EventPattern>,
        scopes: Vec<EventPattern>,
    },
}

impl EventLayout {
    /// How many notifications `event` causes: each caller rule that matches
    /// forwards one copy, and each scope rule that matches a copy notifies.
    pub fn notifications(&self, event: &Value) -> usize {
        match self {
            EventLayout::Single(p) => usize::from(p.matches(event)),
            EventLayout::TwoStage { callers, scopes } => {
                let forwarded = callers.iter().filter(|p| p.matches(event)).count();
                forwarded * scopes.iter().filter(|p| p.matches(event)).count()
            }
        }
    }

    /// Every rule, caller rules first.
    pub fn patterns(&self) -> Vec<&EventPattern> {
        match self {
            EventLayout::Single(p) => vec![p],
            EventLayout::TwoStage { callers, scopes } => callers.iter().chain(scopes).collect(),
        }
    }
}

/// The metric filters for `input`, each at most [`MAX_PATTERN_LEN`].
pub fn filter_layout(input: &PatternInput) -> Result<FilterLayout, LayoutError> {
    let scope = Scope::of(input)?;
    let fits =
        |s: &Scope| -> Result<bool, PatternError> { Ok(build_filter(s)?.len() <= MAX_PATTERN_LEN) };
    if fits(&scope)? {
        return Ok(FilterLayout {
            filters: vec![build_filter(&scope)?],
        });
    }
    if scope.secrets.is_empty() {
        let len = build_filter(&scope)?.len();
        return Err(CapacityError::PartTooLong {
            kind: "metric filter pattern",
            part: format!("the allow-list of {} principals", scope.principals.len()),
            len,
            max: MAX_PATTERN_LEN,
            hint: "a metric filter cannot split the allow-list; allow whole accounts where you can, or list fewer principals",
        }
        .into());
    }
    let chunks = chunk_scope(&scope, "metric filter pattern", MAX_PATTERN_LEN, |s| {
        Ok(build_filter(s)?.len())
    })?;
    if chunks.len() > MAX_METRIC_FILTERS {
        return Err(CapacityError::TooManyPatterns {
            kind: "metric filters",
            needed: chunks.len(),
            max: MAX_METRIC_FILTERS,
            hint: "use prefixes instead of single secrets, or fewer principals (each filter repeats the whole allow-list)",
        }
        .into());
    }
    let filters = chunks
        .iter()
        .map(build_filter)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FilterLayout { filters })
}

/// The EventBridge rules for `input`, each at most
/// `input.event_pattern_max_len` characters.
pub fn event_layout(input: &PatternInput) -> Result<EventLayout, LayoutError> {
    let max_len = input.event_pattern_max_len;
    let scope = Scope::of(input)?;
    let single = build_read_alert(&scope)?;
    if single.len() <= max_len {
        return Ok(EventLayout::Single(single));
    }
    let without_principals = Scope {
        principals: Vec::new(),
        ..scope.clone()
    };
    let scopes = if scope.secrets.is_empty() {
        vec![build_read_alert(&without_principals)?]
    } else {
        chunk_scope(&without_principals, "event pattern", max_len, |s| {
            Ok(build_read_alert(s)?.len())
        })?
        .iter()
        .map(build_read_alert)
        .collect::<Result<Vec<_>, _>>()?
    };
    if let Some(p) = scopes.iter().find(|p| p.len() > max_len) {
        return Err(CapacityError::PartTooLong {
            kind: "event pattern",
            part: "the watched events and outcome alone".to_string(),
            len: p.len(),
            max: max_len,
            hint: "watch fewer event names",
        }
        .into());
    }
    if scopes.len() > MAX_SCOPE_RULES {
        return Err(CapacityError::TooManyPatterns {
            kind: "scope rules on the pipeline's event bus",
            needed: scopes.len(),
            max: MAX_SCOPE_RULES,
            hint: "use prefixes instead of single secrets, or raise event_pattern_max_length if the account's quota allows",
        }
        .into());
    }
    let callers = caller_rules(&scope, max_len)?;
    if callers.len() > MAX_CALLER_RULES {
        return Err(CapacityError::TooManyPatterns {
            kind: "caller rules on the default event bus",
            needed: callers.len(),
            max: MAX_CALLER_RULES,
            hint: "allow whole accounts where you can, or raise event_pattern_max_length if the account's quota allows",
        }
        .into());
    }
    Ok(EventLayout::TwoStage { callers, scopes })
}

// ---------------------------------------------------------------------------
// Scope chunks

/// `a` matches everything `b` matches (in every form a read can name it).
fn covers(a: &SecretScope, b: &SecretScope) -> bool {
    let name_of = |s: &SecretScope| match s {
        SecretScope::Prefix(stem) => stem.clone(),
        SecretScope::Name(n) => n.clone(),
        SecretScope::Arn { name, .. } => name.clone(),
    };
    match (a, b) {
        (SecretScope::Prefix(stem), other) => a != other && name_of(other).starts_with(stem),
        (SecretScope::Name(n), SecretScope::Arn { name, .. }) => n == name,
        _ => false,
    }
}

/// The lexical range `[start, end)` holding every secret name (with its
/// random suffix, for full ARNs) that `s` can match. Every entry is a name
/// prefix in the `errorMessage` of a denied read without a secret ID
/// (docs/filter-patterns.md section 1.4), so a name's range is that of the
/// prefix it is.
fn hull(s: &SecretScope) -> (String, String) {
    // U+10FFFF sorts after every character a secret name may hold.
    const TOP: char = '\u{10FFFF}';
    let stem = match s {
        SecretScope::Prefix(stem) => stem,
        SecretScope::Name(n) | SecretScope::Arn { name: n, .. } => n,
    };
    (stem.clone(), format!("{stem}{TOP}"))
}

/// Normalised scope entries in groups that must stay together (their hulls
/// overlap), in hull order.
pub(in crate::pattern) fn scope_groups(secrets: &[SecretScope]) -> Vec<Vec<SecretScope>> {
    let mut kept: Vec<SecretScope> = secrets
        .iter()
        .filter(|b| !secrets.iter().any(|a| covers(a, b)))
        .cloned()
        .collect();
    kept.sort_by(|a, b| hull(a).cmp(&hull(b)).then_with(|| a.cmp(b)));
    kept.dedup();
    let mut groups: Vec<Vec<SecretScope>> = Vec::new();
    let mut reach = String::new();
    for s in kept {
        let (start, end) = hull(&s);
        match groups.last_mut() {
            Some(group) if start < reach => group.push(s),
            _ => groups.push(vec![s]),
        }
        if end > reach {
            reach = end;
        }
    }
    groups
}

/// Sub-scopes of `scope`, one per chunk, packed greedily in hull order.
/// Only the first chunk carries the branches that name no secret, so that
/// a read matching one of them counts once.
fn chunk_scope(
    scope: &Scope,
    kind: &'static str,
    max: usize,
    measure: impl Fn(&Scope) -> Result<usize, PatternError>,
) -> Result<Vec<Scope>, LayoutError> {
    let fits = |s: &Scope| -> Result<bool, PatternError> { Ok(measure(s)? <= max) };
    let with = |secrets: Vec<SecretScope>, first: bool| Scope {
        secrets,
        shared_branches: first,
        ..scope.clone()
    };
    let mut chunks: Vec<Vec<SecretScope>> = Vec::new();
    for group in scope_groups(&scope.secrets) {
        if let Some(last) = chunks.last() {
            let mut grown = last.clone();
            grown.extend(group.iter().cloned());
            if fits(&with(grown.clone(), chunks.len() == 1))? {
                *chunks.last_mut().expect("checked above") = grown;
                continue;
            }
        }
        if !fits(&with(group.clone(), chunks.is_empty()))? {
            let part = group
                .iter()
                .map(describe_secret)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(CapacityError::PartTooLong {
                kind,
                part: format!(
                    "the scope entries {{{part}}}, which overlap and must share one pattern,"
                ),
                len: measure(&with(group.clone(), chunks.is_empty()))?,
                max,
                hint: "replace overlapping entries by one prefix, or list fewer principals",
            }
            .into());
        }
        chunks.push(group);
    }
    Ok(chunks
        .into_iter()
        .enumerate()
        .map(|(i, secrets)| with(secrets, i == 0))
        .collect())
}

fn describe_secret(s: &SecretScope) -> String {
    match s {
        SecretScope::Prefix(stem) => format!("{stem}*"),
        SecretScope::Name(n) => n.clone(),
        SecretScope::Arn { arn, .. } => arn.clone(),
    }
}

// ---------------------------------------------------------------------------
// Caller rules

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

fn caller_rules(scope: &Scope, max_len: usize) -> Result<Vec<EventPattern>, LayoutError> {
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
