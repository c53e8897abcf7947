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
use super::event::EventPattern;
use super::filter::generate::build as build_filter;
use super::scope::Scope;
use super::{FilterPattern, PatternError, PatternInput, MAX_PATTERN_LEN};

mod callers;
mod chunks;

use callers::caller_rules;
use chunks::chunk_scope;
#[cfg(test)]
pub(in crate::pattern) use chunks::scope_groups;

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

/// The limit the layout ran into, with what it used and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// One indivisible part (a group of overlapping scope entries, the whole
    /// allow-list of the metric path, one principal) is over the pattern limit.
    #[error("{part}: its {kind} would be {len} characters, over the limit of {max}; {hint}")]
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
    let chunks = chunk_scope(&scope, "metric filter pattern", MAX_PATTERN_LEN, "each filter repeats the whole allow-list beside its entries: allow whole accounts where you can, or list fewer principals", |s| {
        Ok(build_filter(s)?.len())
    })?;
    at_most(chunks.len(), MAX_METRIC_FILTERS, "metric filters", "use prefixes instead of single secrets, or fewer principals (each filter repeats the whole allow-list)")?;
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
        chunk_scope(
            &without_principals,
            "event pattern",
            max_len,
            "raise event_pattern_max_length if the account's quota allows, or watch fewer events",
            |s| Ok(build_read_alert(s)?.len()),
        )?
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
    at_most(scopes.len(), MAX_SCOPE_RULES, "scope rules on the pipeline's event bus", "use prefixes instead of single secrets, or raise event_pattern_max_length if the account's quota allows")?;
    let callers = caller_rules(&scope, max_len)?;
    at_most(callers.len(), MAX_CALLER_RULES, "caller rules on the default event bus", "allow whole accounts where you can, or raise event_pattern_max_length if the account's quota allows")?;
    Ok(EventLayout::TwoStage { callers, scopes })
}

/// Refuses a layout that needs more than `max` patterns of a `kind`.
fn at_most(
    needed: usize,
    max: usize,
    kind: &'static str,
    hint: &'static str,
) -> Result<(), CapacityError> {
    if needed > max {
        return Err(CapacityError::TooManyPatterns {
            kind,
            needed,
            max,
            hint,
        });
    }
    Ok(())
}

/// Everything a pipeline deploys to detect reads, as text AWS takes: the
/// metric path (filters on the trail's log group, or the per-event path's
/// findings) and the per-event rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The metric filter patterns on the trail's log group, in layout order;
    /// empty when the alarm counts findings instead.
    pub filters: Vec<String>,
    /// The allow-list does not fit a metric filter (or the scope needs more
    /// filters than the layout may use): the notifying rules also write
    /// every match to the pipeline's findings log group, and the alarm counts
    /// that group. The alarm is then as best-effort as EventBridge.
    pub findings: bool,
    pub rules: ReadRules,
}

/// The per-event rules, as event pattern JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReadRules {
    /// No per-event path: `fast_alerts` is off and the metric filters hold
    /// everything.
    #[default]
    None,
    /// One rule on the default bus, which notifies.
    Single(String),
    /// Caller rules on the default bus forward to the pipeline's bus, whose
    /// scope rules notify.
    TwoStage {
        callers: Vec<String>,
        scopes: Vec<String>,
    },
}

impl ReadRules {
    /// The rules that notify (and write findings): the single rule or the
    /// scope rules.
    pub fn notifying(&self) -> &[String] {
        match self {
            ReadRules::None => &[],
            ReadRules::Single(p) => std::slice::from_ref(p),
            ReadRules::TwoStage { scopes, .. } => scopes,
        }
    }

    /// The caller rules (two stages only).
    pub fn callers(&self) -> &[String] {
        match self {
            ReadRules::TwoStage { callers, .. } => callers,
            _ => &[],
        }
    }

    /// How many rules, both stages.
    pub fn count(&self) -> usize {
        self.callers().len() + self.notifying().len()
    }

    pub fn two_stage(&self) -> bool {
        matches!(self, ReadRules::TwoStage { .. })
    }
}

impl Detection {
    /// Nothing to deploy: what a spec whose lists are invalid carries (the
    /// validator reports why).
    pub fn empty() -> Self {
        Self {
            filters: Vec::new(),
            findings: false,
            rules: ReadRules::None,
        }
    }
}

/// The detection of `input`: metric filters when the allow-list fits them,
/// findings otherwise; the per-event rules when `fast_alerts` is on or
/// findings need them. Errors when neither path can hold the configuration.
pub fn detection(input: &PatternInput, fast_alerts: bool) -> Result<Detection, LayoutError> {
    let (filters, findings) = match filter_layout(input) {
        Ok(layout) => (
            layout.filters.iter().map(FilterPattern::text).collect(),
            false,
        ),
        Err(LayoutError::Capacity(_)) => (Vec::new(), true),
        Err(err) => return Err(err),
    };
    let rules = if fast_alerts || findings {
        match event_layout(input)? {
            EventLayout::Single(p) => ReadRules::Single(p.to_json()),
            EventLayout::TwoStage { callers, scopes } => ReadRules::TwoStage {
                callers: callers.iter().map(EventPattern::to_json).collect(),
                scopes: scopes.iter().map(EventPattern::to_json).collect(),
            },
        }
    } else {
        ReadRules::None
    };
    Ok(Detection {
        filters,
        findings,
        rules,
    })
}
