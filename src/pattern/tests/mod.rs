//! Tests of the pattern module. The CloudTrail corpus lives in
//! `tests/corpus/cloudtrail/` at the repository root.

mod aws_examples;
mod comparison;
mod corpus;
mod event;
mod event_operators;
mod generation;
mod hostile;
mod insights;
mod layout;
mod oracle;
mod parser;

/// The input the patterns are generated from, at the default event pattern
/// size quota.
fn pattern_input<'a>(
    secrets: &'a [String],
    allowed: &'a [String],
    events: &'a [String],
    denied: bool,
) -> crate::pattern::PatternInput<'a> {
    crate::pattern::PatternInput {
        secrets,
        allowed_principals: allowed,
        watched_events: events,
        alert_on_denied: denied,
        event_pattern_max_len: crate::pattern::DEFAULT_EVENT_PATTERN_MAX_LEN,
    }
}
