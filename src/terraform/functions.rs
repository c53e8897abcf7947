//! Provider-defined functions, so module authors can assert detection
//! behaviour in their own `terraform test` files:
//! `provider::secretmonitor::filter_pattern(...)` and
//! `provider::secretmonitor::pattern_matches(pattern, event_json)`.

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

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

pub struct FilterPatternFunction;

#[derive(Debug, Deserialize)]
pub struct FilterPatternArgs {
    secrets: Vec<String>,
    allowed_principals: Vec<String>,
    watched_events: Vec<String>,
    alert_on_denied: bool,
}

#[async_trait]
impl Function for FilterPatternFunction {
    type Input<'a> = FilterPatternArgs;
    type Output<'a> = String;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<FunctionSchema> {
        Some(FunctionSchema {
            parameters: vec![
                param("secrets", strings(), "Secret names, prefixes ending in `*`, or ARNs; `[]` for every secret."),
                param("allowed_principals", strings(), "Role, user or root ARNs, or account IDs, whose reads never count."),
                param("watched_events", strings(), "Secrets Manager event names; `[]` for the default."),
                param("alert_on_denied", Type::Bool, "Count `AccessDenied*` attempts too."),
            ],
            return_type: Type::String,
            summary: "The metric filter pattern a pipeline with these settings uses".into(),
            description: Description::markdown("Returns exactly the `filter_pattern` that `secretmonitor_pipeline` would generate."),
            ..Default::default()
        })
    }

    async fn call<'a>(&self, diags: &mut Diagnostics, args: Self::Input<'a>) -> Option<String> {
        let input = PatternInput {
            secrets: &args.secrets,
            allowed_principals: &args.allowed_principals,
            watched_events: &args.watched_events,
            alert_on_denied: args.alert_on_denied,
        };
        match pattern::generate(&input) {
            Ok(p) => Some(p.text()),
            Err(err) => {
                diags.function_error(0, err.to_string());
                None
            }
        }
    }
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
        Some(FunctionSchema {
            parameters: vec![
                param("pattern", Type::String, "A CloudWatch Logs filter pattern."),
                param("event_json", Type::String, "A log event, such as a CloudTrail record encoded with `jsonencode`."),
            ],
            return_type: Type::Bool,
            summary: "Whether a CloudWatch Logs filter pattern matches a log event".into(),
            description: Description::markdown("Evaluated by the provider's own implementation of the filter pattern syntax (see docs/filter-patterns.md)."),
            ..Default::default()
        })
    }

    async fn call<'a>(&self, diags: &mut Diagnostics, args: Self::Input<'a>) -> Option<bool> {
        match pattern::parse(&args.pattern) {
            Ok(parsed) => Some(parsed.matches(&args.event_json)),
            Err(err) => {
                diags.function_error(0, err.to_string());
                None
            }
        }
    }
}
