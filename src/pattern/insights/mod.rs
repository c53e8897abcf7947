//! Saved CloudWatch Logs Insights queries for investigating what the
//! pipeline's detection found (issue #15), and an evaluator of the subset of
//! Logs Insights they use, so that tests can check their rows offline.
//!
//! This module is pure (no I/O). Design and the placeholder convention:
//! `docs/queries.md`.
//!
//! * `query.rs`: [`Query`], a typed query (fields, [`Filter`] tree, sort,
//!   limit, optional `stats`); [`Query::render`] is the one place that writes
//!   Logs Insights text, quoting every user string.
//! * `eval.rs`: [`Query::run`] evaluates a query over CloudTrail records as
//!   the trail writes them to the log group.
//! * `translate.rs`: the metric filter's expression and the tamper rule's
//!   event pattern as Logs Insights conditions, so no scope or allow-list
//!   rule is written a second time here.
//! * `saved.rs`: [`saved_queries`], the five queries from the same
//!   [`PatternInput`] as the metric filters and the same [`TamperTargets`] as
//!   the tamper rule, and the dashboard's tables.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde_json::Value;

use super::event::{EventPattern, Matcher, Node, TamperTargets, CLOUDTRAIL_DETAIL_TYPE};
use super::filter::ast::{CmpOp, Expr, Literal, Segment, Selector, StrPattern};
use super::filter::generate::build as build_filter;
use super::scope::{
    scoped_events, Scope, ACCESS_DENIED_PATTERN, BATCH_GET_SECRET_VALUE,
    SECRETS_MANAGER_EVENT_SOURCE,
};
use super::{PatternError, PatternInput};

/// The value queries (2) and (3) carry where the responder puts the secret
/// or the principal: every occurrence is inside a double-quoted string
/// literal (never inside a `/regex/`), so it is replaced by plain text
/// search-and-replace with a secret name or an ARN, neither of which can
/// contain `"` or `\`.
pub const PLACEHOLDER: &str = "REPLACE-ME";
/// `PutQueryDefinition`: `queryString` is 1 to 10 000 characters.
pub const QUERY_STRING_MAX_LEN: usize = 10_000;
/// `PutQueryDefinition`: `name` is 1 to 255 characters.
pub const QUERY_NAME_MAX_LEN: usize = 255;
/// Rows each saved query returns; Logs Insights caps `limit` at 10 000 and a
/// responder reading more than this should narrow the time range instead.
pub const ROW_LIMIT: usize = 1000;

/// The prefix of every saved query's name: the console lists query
/// definitions as folders split at `/`, so one pipeline's queries sit in one
/// folder.
pub fn folder(pipeline_name: &str) -> String {
    format!("secretmonitor/{pipeline_name}/")
}

/// Why a query could not be built or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Pattern(#[from] PatternError),
    #[error("field name {0:?} contains a backtick, which Logs Insights cannot quote")]
    BadField(String),
    #[error("literal {0:?} contains a control character, which has no Logs Insights spelling")]
    ControlCharacter(String),
    /// The translation met a construct the generators do not emit today.
    #[error("cannot translate {0} into Logs Insights")]
    Unsupported(String),
    #[error("query {name:?} is {len} characters long, over the limit of {max}")]
    TooLong {
        name: String,
        len: usize,
        max: usize,
    },
    #[error("query name {name:?} is over the limit of {max} characters")]
    NameTooLong { name: String, max: usize },
}

mod eval;
mod query;
mod saved;
mod translate;

pub use query::*;
pub use saved::*;
use translate::*;
