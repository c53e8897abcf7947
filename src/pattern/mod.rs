//! Detection patterns: the CloudWatch Logs metric filter pattern and the
//! Amazon EventBridge event patterns of the pipeline, each with a parser and
//! an evaluator used to test them.
//!
//! This module is pure (no I/O).
//!
//! * [`generate()`] turns a [`PatternInput`] into a typed [`FilterPattern`]
//!   whose `Display` / [`FilterPattern::text`] is the metric filter pattern.
//! * [`fitting_entries`] tells how many entries of each list fit within
//!   [`MAX_PATTERN_LEN`].
//! * [`parse`] parses any CloudWatch Logs filter pattern into a [`Pattern`];
//!   [`Pattern::matches`] evaluates it against a log event.
//! * [`read_alert_pattern`] builds the EventBridge [`EventPattern`] with the
//!   same verdicts as [`generate()`]'s metric filter; [`tamper_pattern`] the
//!   one that catches attempts to disable the pipeline itself.
//!   [`EventPattern::parse`] and [`EventPattern::matches`] read and evaluate
//!   any event pattern built from the supported operators.
//! * [`insights::saved_queries`] writes the Logs Insights queries a
//!   responder investigates with, translated from the same patterns;
//!   [`insights::Query::run`] evaluates them.
//! * [`filter::same_layout`] and [`event::same_json`] tell whether a pattern
//!   AWS returns is the one the pipeline asked for.
//!
//! Layout: `filter/` (the metric filter pattern), `event/` (EventBridge
//! patterns) and `scope.rs`, the validated configuration both are built from.
//!
//! Semantics and design decisions: `docs/filter-patterns.md`.

/// What AWS returned for a pattern, or `wanted` when `same` says the two mean
/// the same: AWS may lay a pattern out anew, and only a real edit is drift.
/// Finders apply it once, where they read the pattern.
pub fn as_observed(observed: &str, wanted: Option<&str>, same: fn(&str, &str) -> bool) -> String {
    match wanted {
        Some(wanted) if same(observed, wanted) => wanted.to_owned(),
        _ => observed.to_owned(),
    }
}

pub mod event;
pub mod filter;
pub mod insights;
pub mod layout;
mod scope;

#[cfg(test)]
mod tests;

pub use event::{
    event_fitting_entries, read_alert_pattern, tamper_calls, tamper_pattern, AnythingBut,
    EventPattern, EventPatternError, KeyTarget, Matcher, Node, ReadRulesTarget, TamperCalls,
    TamperTargets, TrailTarget, CLOUDTRAIL_DETAIL_TYPE, DEFAULT_EVENT_PATTERN_MAX_LEN,
    EVENT_PATTERN_API_MAX_LEN, SECRETS_MANAGER_SOURCE,
};
pub use filter::ast::{
    AstError, CmpOp, Expr, Field, FieldCond, FilterPattern, Literal, Number, Pattern, Segment,
    Selector, StrPattern, Term, TermKind,
};
pub use filter::{fitting_entries, generate, parse, Fit, ParseError};
pub use scope::{
    parse_principal, parse_secret, Principal, SecretScope, DEFAULT_WATCHED_EVENTS,
    SECRETS_MANAGER_EVENT_SOURCE,
};

/// CloudWatch Logs limit on the length of a filter pattern, in characters.
pub const MAX_PATTERN_LEN: usize = 1024;

/// Configuration the detection pattern is generated from.
#[derive(Debug, Clone, Copy)]
pub struct PatternInput<'a> {
    /// Secret names, name prefixes ending in a single trailing `*`, or full
    /// Secrets Manager ARNs; empty = every secret.
    pub secrets: &'a [String],
    /// IAM role ARNs, IAM user ARNs, account root ARNs or 12-digit account IDs
    /// whose reads never count.
    pub allowed_principals: &'a [String],
    /// Secrets Manager event names; empty = [`DEFAULT_WATCHED_EVENTS`]
    /// (`GetSecretValue`, `BatchGetSecretValue`).
    pub watched_events: &'a [String],
    /// Also count failed attempts whose `errorCode` starts with `AccessDenied`.
    pub alert_on_denied: bool,
    /// The account's EventBridge "Event pattern size" quota, which
    /// [`read_alert_pattern`] must fit: [`DEFAULT_EVENT_PATTERN_MAX_LEN`]
    /// unless raised, at most [`EVENT_PATTERN_API_MAX_LEN`]. The metric filter
    /// ignores it.
    pub event_pattern_max_len: usize,
}

/// Why no pattern could be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The pattern would exceed its service's limit: [`MAX_PATTERN_LEN`] for
    /// the metric filter (use [`fitting_entries`] to tell the user how many
    /// entries fit), [`PatternInput::event_pattern_max_len`] for the
    /// EventBridge pattern.
    #[error("the generated pattern is {len} characters long, over the AWS limit of {max}")]
    TooLong { len: usize, max: usize },
    #[error("invalid secret {value:?}: {reason}")]
    InvalidSecret { value: String, reason: String },
    #[error("invalid allowed principal {value:?}: {reason}")]
    InvalidPrincipal { value: String, reason: String },
    #[error("invalid event name {value:?}: {reason}")]
    InvalidEvent { value: String, reason: String },
    /// A validation gap let through a value the AST refused; should not happen.
    #[error("internal error building the pattern: {0}")]
    Internal(String),
}

/// Refuses a pattern longer than its service accepts.
fn check_len(len: usize, max: usize) -> Result<(), PatternError> {
    if len > max {
        return Err(PatternError::TooLong { len, max });
    }
    Ok(())
}
