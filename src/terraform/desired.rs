//! The desired configuration with its defaults applied.

use tf_provider::value::Value;

use super::state::{known_strings, PipelineState};
use crate::pattern::{PatternInput, DEFAULT_WATCHED_EVENTS};

/// The inputs of the filter pattern and the read rule's event pattern, as a
/// configuration gives them once its defaults are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternLists {
    pub secrets: Vec<String>,
    pub allowed_principals: Vec<String>,
    pub watched_events: Vec<String>,
    pub alert_on_denied: bool,
}

impl PatternLists {
    /// The lists of a configuration or planned state; `None` while any of
    /// them is unknown. Null entries are dropped (the validator reports them).
    pub fn of(state: &PipelineState) -> Option<Self> {
        let watched_events = match &state.watched_events {
            Value::Null => DEFAULT_WATCHED_EVENTS
                .iter()
                .map(|e| (*e).to_owned())
                .collect(),
            other => known_strings(other)?,
        };
        let alert_on_denied = match state.alert_on_denied {
            Value::Value(v) => v,
            Value::Null => true,
            Value::Unknown => return None,
        };
        Some(Self {
            secrets: known_strings(&state.secrets)?,
            allowed_principals: known_strings(&state.allowed_principals)?,
            watched_events,
            alert_on_denied,
        })
    }

    pub fn input(&self) -> PatternInput<'_> {
        PatternInput {
            secrets: &self.secrets,
            allowed_principals: &self.allowed_principals,
            watched_events: &self.watched_events,
            alert_on_denied: self.alert_on_denied,
        }
    }
}
