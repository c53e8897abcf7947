//! Plan logic, pure: defaults, the desired state, and the mapping between the
//! Terraform state and the pipeline's spec and observations.
//!
//! Drift works through the state: refresh writes what AWS reports (a stopped
//! trail, a deleted alarm, a changed pattern or retention), planning writes
//! what the configuration wants, and Terraform shows the difference.

use std::collections::BTreeMap;
use std::time::Duration;

use tf_provider::value::Value;

use super::state::{
    opt, string_list, PipelineState, Planned, Role, SubscriptionValue, TimeoutsBlock, COMPUTED,
};
use crate::components::{dashboard, Observed, PipelineSpec, PlanNames, Subscription};
use crate::pattern;
use crate::pattern::insights::saved_query_names;
use crate::pattern::layout::{Detection, LayoutError, ReadRules};

pub use super::desired::{spec_of, tags_all, with_defaults, Unknown, DEFAULTS};

pub const DEFAULT_TIMEOUT: Duration = DEFAULTS.timeout;

/// The metric filters and read rules the spec's lists lay out.
pub fn detection(spec: &PipelineSpec) -> Result<Detection, LayoutError> {
    pattern::layout::detection(&spec.pattern_input(), spec.fast_alerts)
}

/// Parses a Terraform-style duration: `90s`, `15m`, `1h`, `1h30m`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
    }
    if !digits.is_empty() || total == 0 {
        return None;
    }
    Some(Duration::from_secs(total))
}

pub fn timeout(
    timeouts: &Value<TimeoutsBlock>,
    pick: fn(&TimeoutsBlock) -> &Value<String>,
) -> Duration {
    timeouts
        .as_ref_option()
        .and_then(|t| pick(t).as_ref_option().cloned())
        .and_then(|t| parse_duration(&t))
        .unwrap_or(DEFAULT_TIMEOUT)
}

pub fn console_url(region: &str, alarm_name: &str) -> String {
    crate::components::dashboard::alarm_url(region, alarm_name)
}

/// What Terraform should record after an apply or a refresh: the defaulted
/// configuration, with observed settings where AWS reports them (so drift
/// shows), and every computed attribute from the observation.
pub fn state_from(
    desired: &PipelineState,
    spec: &PipelineSpec,
    observed: &Observed,
) -> PipelineState {
    let mut state = desired.clone();
    state.id = Value::Value(spec.name.clone());
    if let (Value::Value(group), Some(days)) = (&mut state.log_group, observed.log_retention_days) {
        group.retention_days = Value::Value(days);
    }
    if let (Value::Value(trail), true) = (&mut state.trail, observed.trail_arn.is_some()) {
        if let Some(v) = observed.trail_multi_region {
            trail.multi_region = Value::Value(v);
        }
        if let Some(v) = observed.trail_organization {
            trail.organization = Value::Value(v);
        }
        if let Some(v) = observed.trail_log_file_validation {
            trail.log_file_validation = Value::Value(v);
        }
    }
    if let (Value::Value(alarm), Some(seen)) = (&mut state.alarm, &observed.alarm) {
        alarm.namespace = Value::Value(seen.namespace.clone());
        alarm.metric_name = Value::Value(seen.metric_name.clone());
        alarm.threshold = Value::Value(seen.threshold);
        alarm.period_seconds = Value::Value(seen.period_seconds);
        alarm.evaluation_periods = Value::Value(seen.evaluation_periods);
    }
    for row in COMPUTED {
        *(row.state_mut)(&mut state) = opt((row.observed)(observed).clone());
    }
    state.trail_logging = if spec.trail.create {
        observed
            .trail_logging
            .map_or(Value::Value(false), Value::Value)
    } else {
        Value::Null
    };
    state.subscriptions = Value::Value(subscriptions_value(&observed.subscriptions));
    // Already normalised by the finders.
    let filters: Vec<String> = observed
        .metric_filters
        .iter()
        .map(|f| f.pattern.clone())
        .collect();
    let rules: Vec<String> = observed
        .read_rules
        .iter()
        .map(|r| r.pattern.clone())
        .collect();
    state.filter_pattern = one_of(&filters);
    state.event_pattern = one_of(&rules);
    state.filter_patterns = string_list(&filters);
    state.event_patterns = string_list(&rules);
    state.metric_filter_count = Value::Value(count(
        filters.len() + usize::from(observed.findings_filter.is_some()),
    ));
    state.event_rule_count = Value::Value(count(
        rules.len() + usize::from(observed.tamper_rule_arn.is_some()),
    ));
    state.query_definition_names = string_list(&saved_query_names(&spec.name));
    state.protections = Value::Value(
        observed
            .protections
            .iter()
            .map(|(k, v)| (k.clone(), Value::Value(*v)))
            .collect(),
    );
    state.console_url = match &observed.region {
        Some(region) if observed.alarm_name.is_some() => {
            Value::Value(console_url(region, &PlanNames::of(spec).alarm))
        }
        _ => Value::Null,
    };
    state.dashboard_url = match (&observed.region, &observed.dashboard_name) {
        (Some(region), Some(name)) => Value::Value(dashboard::url(region, name)),
        _ => Value::Null,
    };
    state
}

pub fn subscriptions_value(subscriptions: &[Subscription]) -> Vec<SubscriptionValue> {
    subscriptions
        .iter()
        .map(|s| SubscriptionValue {
            endpoint: Value::Value(s.endpoint.clone()),
            protocol: Value::Value(s.protocol.clone()),
            arn: Value::Value(s.arn.clone()),
            pending_confirmation: Value::Value(s.pending_confirmation),
        })
        .collect()
}

/// The pattern of a set that has one member; null for none or several
/// (the list attributes show those).
fn one_of(patterns: &[String]) -> Value<String> {
    match patterns {
        [one] => Value::Value(one.clone()),
        _ => Value::Null,
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The detection attributes as the layout of the configuration gives them,
/// offline; unknown when no layout can be made (the validator says why).
fn plan_detection(plan: &mut PipelineState, spec: &PipelineSpec) {
    match detection(spec) {
        Ok(d) => {
            let rules: Vec<String> = d
                .rules
                .callers()
                .iter()
                .chain(d.rules.notifying())
                .cloned()
                .collect();
            // With findings no filter is on the trail's group.
            if d.filters.is_empty() {
                plan.metric_filter_name = Value::Null;
            }
            plan.filter_pattern = one_of(&d.filters);
            plan.event_pattern = one_of(&rules);
            plan.metric_filter_count =
                Value::Value(count(d.filters.len() + usize::from(d.findings)));
            plan.event_rule_count =
                Value::Value(count(rules.len() + usize::from(spec.tamper_alerts)));
            plan.filter_patterns = string_list(&d.filters);
            plan.event_patterns = string_list(&rules);
        }
        Err(_) => unknown_detection(plan),
    }
}

/// The name of the read rule `read_rule_arn` records: the single rule, or
/// the first caller rule of two stages.
fn first_read_rule(spec: &PipelineSpec) -> Option<String> {
    let names = PlanNames::of(spec);
    match &spec.detection.rules {
        ReadRules::None => None,
        ReadRules::Single(_) => Some(names.read_rule),
        ReadRules::TwoStage { callers, .. } => callers.first().map(|p| names.staged_rule('c', p)),
    }
}

/// The detection attributes while the layout cannot be known (an unknown
/// value in the lists, or lists the validator refuses).
fn unknown_detection(plan: &mut PipelineState) {
    plan.metric_filter_name = Value::Unknown;
    plan.filter_pattern = Value::Unknown;
    plan.filter_patterns = Value::Unknown;
    plan.metric_filter_count = Value::Unknown;
    plan.event_pattern = Value::Unknown;
    plan.event_patterns = Value::Unknown;
    plan.event_rule_count = Value::Unknown;
}

/// The identifiers a state records, as the pipeline's observation.
pub fn observed_of(state: &PipelineState) -> Observed {
    let mut observed = Observed {
        // Refresh reads these subscriptions' attributes while it lists the topic.
        subscriptions: state
            .subscriptions
            .as_ref_option()
            .map(|list| list.iter().filter_map(subscription_of).collect())
            .unwrap_or_default(),
        ..Observed::default()
    };
    for row in COMPUTED.iter().filter(|row| row.role != Role::Setting) {
        *(row.observed_mut)(&mut observed) = (row.state)(state).as_ref_option().cloned();
    }
    observed
}

fn subscription_of(value: &SubscriptionValue) -> Option<Subscription> {
    Some(Subscription {
        protocol: value.protocol.as_ref_option()?.clone(),
        endpoint: value.endpoint.as_ref_option()?.clone(),
        arn: value.arn.as_ref_option()?.clone(),
        pending_confirmation: value
            .pending_confirmation
            .as_ref_option()
            .copied()
            .unwrap_or(true),
    })
}

/// Replaces every unknown computed value by null: after apply Terraform
/// accepts no unknowns, and a component that failed to appear has no value.
pub fn resolve_unknowns(state: &mut PipelineState) {
    let null_if_unknown = |field: &mut Value<String>| {
        if field.is_unknown() {
            *field = Value::Null;
        }
    };
    for row in COMPUTED {
        null_if_unknown((row.state_mut)(state));
    }
    for field in [
        &mut state.console_url,
        &mut state.dashboard_url,
        &mut state.filter_pattern,
        &mut state.event_pattern,
        &mut state.id,
    ] {
        null_if_unknown(field);
    }
    for list in [
        &mut state.filter_patterns,
        &mut state.event_patterns,
        &mut state.query_definition_names,
    ] {
        if list.is_unknown() {
            *list = Value::Value(Vec::new());
        }
    }
    for n in [&mut state.metric_filter_count, &mut state.event_rule_count] {
        if n.is_unknown() {
            *n = Value::Value(0);
        }
    }
    if state.trail_logging.is_unknown() {
        state.trail_logging = Value::Null;
    }
    if state.subscriptions.is_unknown() {
        state.subscriptions = Value::Value(Vec::new());
    }
    if state.last_verification.is_unknown() {
        state.last_verification = Value::Null;
    }
    if state.protections.is_unknown() {
        state.protections = Value::Value(BTreeMap::new());
    }
}

/// The planned state: defaults, tags, and each computed attribute at the value
/// the apply will give it (known where it can be derived without AWS, prior
/// where nothing changes it, unknown otherwise).
pub fn planned(
    config: &PipelineState,
    prior: Option<&PipelineState>,
    default_tags: &BTreeMap<String, String>,
    region: Option<&str>,
) -> PipelineState {
    let mut plan = with_defaults(config);
    plan.id = config.name.clone();
    plan.tags_all = tags_all(config, default_tags);
    let spec = spec_of(config, default_tags).ok();
    let region = region
        .map(str::to_owned)
        .or_else(|| prior.and_then(|p| p.region.as_ref_option().cloned()));
    plan.region = opt(region.clone());

    // Known from the configuration alone.
    match &spec {
        Some(spec) => {
            let names = PlanNames::of(spec);
            plan.log_group_name = Value::Value(names.log_group.clone());
            plan.metric_filter_name = Value::Value(names.metric_filter.clone());
            plan.alarm_name = Value::Value(names.alarm.clone());
            plan.dashboard_name = Value::Value(names.dashboard.clone());
            plan.dashboard_url = region.as_deref().map_or(Value::Unknown, |r| {
                Value::Value(dashboard::url(r, &names.dashboard))
            });
            plan_detection(&mut plan, spec);
            plan.query_definition_names = string_list(&saved_query_names(&spec.name));
            plan.trail_logging = if spec.trail.create {
                Value::Value(true)
            } else {
                Value::Null
            };
            plan.console_url = region.as_deref().map_or(Value::Unknown, |r| {
                Value::Value(console_url(r, &names.alarm))
            });
            if let Some(key) = &spec.kms.key_arn {
                plan.kms_key_arn = Value::Value(key.clone());
            }
            plan.protections = Value::Value(
                crate::components::expected_protections(spec)
                    .into_iter()
                    .map(|(protection, _)| (protection.name().to_owned(), Value::Value(true)))
                    .collect(),
            );
        }
        None => {
            plan.log_group_name = Value::Unknown;
            plan.alarm_name = Value::Unknown;
            plan.dashboard_name = Value::Unknown;
            plan.dashboard_url = Value::Unknown;
            unknown_detection(&mut plan);
            plan.query_definition_names = Value::Unknown;
            plan.trail_logging = Value::Unknown;
            plan.console_url = Value::Unknown;
            plan.protections = Value::Unknown;
        }
    }

    let verifies = matches!(plan.verify_on_apply, Value::Value(true) | Value::Unknown);
    // What AWS assigned stays; a part that is needed but missing (all of
    // them on create) becomes unknown; a part not needed is null.
    let keep = |field: fn(&PipelineState) -> &Value<String>, needed: bool| match prior.map(field) {
        _ if !needed => Value::Null,
        Some(assigned) if assigned.is_value() => assigned.clone(),
        _ => Value::Unknown,
    };
    for row in COMPUTED {
        if let Planned::Assigned(needs) = row.planned {
            let needed = spec.as_ref().is_none_or(needs);
            *(row.state_mut)(&mut plan) = keep(row.state, needed);
        }
    }
    // `read_rule_arn` is the first read rule's: another rule once the layout
    // changes shape (one rule to two stages, or another first caller rule).
    if let (Some(spec), Value::Value(arn)) = (&spec, &plan.read_rule_arn) {
        let first = first_read_rule(spec);
        if first.is_none_or(|name| !arn.ends_with(&format!("/{name}"))) {
            plan.read_rule_arn = Value::Unknown;
        }
    }
    let Some(prior) = prior else {
        // Create: everything else AWS assigns is unknown.
        plan.last_verification = if verifies {
            Value::Unknown
        } else {
            Value::Null
        };
        plan.account_id = Value::Unknown;
        if plan.kms_key_arn.is_null() {
            plan.kms_key_arn = Value::Unknown;
        }
        plan.subscriptions = Value::Unknown;
        return plan;
    };

    // Update: also unknown is whatever the change may touch.
    plan.account_id = prior.account_id.clone();
    if plan.kms_key_arn.is_null() || spec.as_ref().is_some_and(|s| s.kms.key_arn.is_none()) {
        plan.kms_key_arn = keep(|p| &p.kms_key_arn, true);
    }
    plan.subscriptions = prior.subscriptions.clone();
    let wanted_subscriptions = spec.as_ref().map(|s| {
        let mut endpoints: Vec<(String, String)> = s
            .notification
            .endpoints()
            .into_iter()
            .map(|(p, e)| (p.to_owned(), e))
            .collect();
        endpoints.sort();
        endpoints
    });
    let have_subscriptions = prior.subscriptions.as_ref_option().map(|subs| {
        let mut endpoints: Vec<(String, String)> = subs
            .iter()
            .map(|s| {
                (
                    s.protocol.as_ref_option().cloned().unwrap_or_default(),
                    s.endpoint.as_ref_option().cloned().unwrap_or_default(),
                )
            })
            .collect();
        endpoints.sort();
        endpoints
    });
    if wanted_subscriptions != have_subscriptions {
        plan.subscriptions = Value::Unknown;
    }
    plan.last_verification = prior.last_verification.clone();
    // An update is coming: ARNs and subscription states may change during it,
    // and a verification runs if asked for.
    if &plan != prior {
        plan.subscriptions = Value::Unknown;
        if verifies {
            plan.last_verification = Value::Unknown;
        }
    }
    plan
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
