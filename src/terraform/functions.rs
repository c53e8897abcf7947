//! Provider-defined functions, so module authors can assert detection
//! behaviour in their own `terraform test` files:
//! `provider::secretmonitor::filter_pattern(...)` and
//! `provider::secretmonitor::pattern_matches(pattern, event_json)`, and their
//! EventBridge counterparts `event_pattern(...)` and
//! `event_pattern_matches(pattern, event_json)`.

use async_trait::async_trait;
use serde::Deserialize;
use tf_provider::schema::{Description, FunctionSchema, Parameter, Type};
use tf_provider::{Diagnostics, Function};

use crate::pattern::{self, PatternInput};

fn param(name: &str, param_type: Type, description: &str) -> Parameter {
    Parameter {
        name: name.into(),
        param_type,
        description: Description::markdown(description),
        ..Default::default()
    }
}

fn schema(
    parameters: Vec<Parameter>,
    return_type: Type,
    summary: &str,
    description: &str,
) -> Option<FunctionSchema> {
    Some(FunctionSchema {
        parameters,
        return_type,
        summary: summary.into(),
        description: Description::markdown(description),
        ..Default::default()
    })
}

/// The value, or `None` with the error reported against argument `argument`.
fn reported<T, E: std::fmt::Display>(
    diags: &mut Diagnostics,
    argument: i64,
    result: Result<T, E>,
) -> Option<T> {
    result
        .map_err(|err| diags.function_error(argument, err.to_string()))
        .ok()
}

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

/// The settings both pattern functions take, in the resource's terms.
fn pattern_parameters() -> Vec<Parameter> {
    vec![
        param(
            "secrets",
            strings(),
            "Secret names, prefixes ending in `*`, or ARNs; `[]` for every secret.",
        ),
        param(
            "allowed_principals",
            strings(),
            "Role, user or root ARNs, or account IDs, whose reads never count.",
        ),
        param(
            "watched_events",
            strings(),
            "Secrets Manager event names; `[]` for the default.",
        ),
        param(
            "alert_on_denied",
            Type::Bool,
            "Count `AccessDenied*` attempts too.",
        ),
    ]
}

pub struct FilterPatternFunction;

#[derive(Debug, Deserialize)]
pub struct FilterPatternArgs {
    secrets: Vec<String>,
    allowed_principals: Vec<String>,
    watched_events: Vec<String>,
    alert_on_denied: bool,
}

impl FilterPatternArgs {
    fn input(&self) -> PatternInput<'_> {
        PatternInput {
            secrets: &self.secrets,
            allowed_principals: &self.allowed_principals,
            watched_events: &self.watched_events,
            alert_on_denied: self.alert_on_denied,
            // Terraform functions take no optional arguments (only a
            // variadic last one): the default quota, which a function
            // cannot know was raised, is the one that holds everywhere.
            event_pattern_max_len: pattern::DEFAULT_EVENT_PATTERN_MAX_LEN,
        }
    }
}

#[async_trait]
impl Function for FilterPatternFunction {
    type Input<'a> = FilterPatternArgs;
    type Output<'a> = String;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<FunctionSchema> {
        schema(
            pattern_parameters(),
            Type::String,
            "The metric filter pattern a pipeline with these settings uses",
            "Returns exactly the `filter_pattern` that `secretmonitor_pipeline` would generate.",
        )
    }

    async fn call<'a>(&self, diags: &mut Diagnostics, args: Self::Input<'a>) -> Option<String> {
        reported(diags, 0, pattern::generate(&args.input())).map(|p| p.text())
    }
}

/// The texts of a `*_matches` function: which pattern language it
/// evaluates, on which events. Both take `(pattern, event_json)` and return
/// a bool.
struct Matching {
    pattern: &'static str,
    event_json: &'static str,
    summary: &'static str,
    description: &'static str,
}

const FILTER_PATTERN_MATCHING: Matching = Matching {
    pattern: "A CloudWatch Logs filter pattern.",
    event_json: "A log event, such as a CloudTrail record encoded with `jsonencode`.",
    summary: "Whether a CloudWatch Logs filter pattern matches a log event",
    description: "Evaluated by the provider's own implementation of the filter pattern syntax (see docs/filter-patterns.md).",
};

const EVENT_PATTERN_MATCHING: Matching = Matching {
    pattern: "An EventBridge event pattern.",
    event_json: "An event, such as an \"AWS API Call via CloudTrail\" event encoded with `jsonencode`.",
    summary: "Whether an EventBridge event pattern matches an event",
    description: "Evaluated by the provider's own implementation of EventBridge content filtering (see docs/filter-patterns.md).",
};

fn matches_schema(matching: &Matching) -> Option<FunctionSchema> {
    schema(
        vec![
            param("pattern", Type::String, matching.pattern),
            param("event_json", Type::String, matching.event_json),
        ],
        Type::Bool,
        matching.summary,
        matching.description,
    )
}

pub struct PatternMatchesFunction;

#[derive(Debug, Deserialize)]
pub struct PatternMatchesArgs {
    pattern: String,
    event_json: String,
}

#[async_trait]
impl Function for PatternMatchesFunction {
    type Input<'a> = PatternMatchesArgs;
    type Output<'a> = bool;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<FunctionSchema> {
        matches_schema(&FILTER_PATTERN_MATCHING)
    }

    async fn call<'a>(&self, diags: &mut Diagnostics, args: Self::Input<'a>) -> Option<bool> {
        reported(diags, 0, pattern::parse(&args.pattern)).map(|p| p.matches(&args.event_json))
    }
}

pub struct EventPatternFunction;

#[async_trait]
impl Function for EventPatternFunction {
    type Input<'a> = FilterPatternArgs;
    type Output<'a> = String;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<FunctionSchema> {
        schema(
            pattern_parameters(),
            Type::String,
            "The EventBridge event pattern of a pipeline's per-event read alerts",
            "Returns exactly the `event_pattern` that `secretmonitor_pipeline` would generate with `fast_alerts` on: the metric filter's meaning, applied to CloudTrail events as EventBridge delivers them. The pattern must fit the default `event_pattern_max_length` (2048, EventBridge's default \"Event pattern size\" quota): a longer one is an error, even where the account's quota was raised.",
        )
    }

    async fn call<'a>(&self, diags: &mut Diagnostics, args: Self::Input<'a>) -> Option<String> {
        reported(diags, 0, pattern::event::read_alert_pattern(&args.input())).map(|p| p.to_json())
    }
}

pub struct EventPatternMatchesFunction;

#[async_trait]
impl Function for EventPatternMatchesFunction {
    type Input<'a> = PatternMatchesArgs;
    type Output<'a> = bool;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<FunctionSchema> {
        matches_schema(&EVENT_PATTERN_MATCHING)
    }

    async fn call<'a>(&self, diags: &mut Diagnostics, args: Self::Input<'a>) -> Option<bool> {
        let pattern = reported(diags, 0, pattern::event::EventPattern::parse(&args.pattern))?;
        let event = serde_json::from_str::<serde_json::Value>(&args.event_json)
            .map_err(|err| format!("event_json is not JSON: {err}"));
        reported(diags, 1, event).map(|event| pattern.matches(&event))
    }
}
