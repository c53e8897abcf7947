//! Amazon EventBridge event patterns: a typed model (`model.rs`), its JSON
//! form (`json.rs`), a parser (`parse.rs`), an evaluator (`eval.rs`), and the
//! two patterns the pipeline needs (`read_rule.rs`, `tamper_rule.rs`).
//!
//! * [`read_alert_pattern`] is the EventBridge twin of the metric filter built
//!   by [`generate`](super::generate()): same configuration, same verdict on
//!   every CloudTrail record, applied to the EventBridge envelope
//!   (`source`, `detail-type`, `detail` = the CloudTrail record).
//! * [`tamper_pattern`] matches CloudTrail calls that disable the pipeline's
//!   own trail, log group, alarm, topic or key.
//!
//! Where the AWS documentation leaves the evaluator's behaviour open,
//! `docs/filter-patterns.md` section 4 says which interpretation was chosen.

mod eval;
mod json;
mod model;
mod parse;
pub(crate) mod read_rule;
mod tamper_rule;

pub use json::same_json;
pub use model::{
    AnythingBut, EventPattern, EventPatternError, Matcher, Node, CLOUDTRAIL_DETAIL_TYPE,
    DEFAULT_EVENT_PATTERN_MAX_LEN, EVENT_PATTERN_API_MAX_LEN, SECRETS_MANAGER_SOURCE,
};
pub use read_rule::{event_fitting_entries, read_alert_pattern};
pub use tamper_rule::{
    tamper_calls, tamper_pattern, KeyTarget, ReadRulesTarget, TamperCalls, TamperTargets,
    TrailTarget,
};
