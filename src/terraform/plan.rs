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
use crate::components::{Observed, PipelineSpec, PlanNames, Subscription};
use crate::pattern;
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
    let encoded: String = alarm_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{encoded}")
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
        &mut state.filter_pattern,
        &mut state.event_pattern,
        &mut state.id,
    ] {
        null_if_unknown(field);
    }
    for list in [&mut state.filter_patterns, &mut state.event_patterns] {
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
            plan_detection(&mut plan, spec);
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
            unknown_detection(&mut plan);
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
mod tests {
    use super::*;
    use crate::components::Named;
    use crate::terraform::state::NotificationBlock;
    use crate::terraform::state::{known_strings, string_list};

    fn config(name: &str) -> PipelineState {
        PipelineState {
            name: Value::Value(name.to_owned()),
            secrets: string_list(&["prod/*".to_owned()]),
            notification: Value::Value(NotificationBlock {
                sqs_queue_arns: string_list(&["arn:aws:sqs:us-east-1:000000000000:q".to_owned()]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The plan shows how many filters and rules the layout makes, offline,
    /// and which parts of the layout a pipeline has.
    #[test]
    fn the_plan_shows_the_layout_of_each_size() {
        let roles = |n: usize| -> Vec<String> {
            (0..n)
                .map(|i| {
                    format!("arn:aws:iam::111122223333:role/service-role/payments-api-{i:03}-prod")
                })
                .collect()
        };
        let prefixes: Vec<String> = [
            "payments", "identity", "search", "billing", "ledger", "mail",
        ]
        .iter()
        .map(|t| format!("{t}/*"))
        .collect();
        // (what, secrets, principals, filters, findings, read rules > 1, bus)
        type Case = (&'static str, Vec<String>, Vec<String>, usize, bool, bool);
        let cases: [Case; 3] = [
            (
                "one of each",
                vec!["prod/*".to_owned()],
                roles(1),
                1,
                false,
                false,
            ),
            (
                "six prefixes: two filters, one rule",
                prefixes,
                Vec::new(),
                2,
                false,
                false,
            ),
            (
                "500 principals: findings, two stages",
                vec!["prod/*".to_owned()],
                roles(500),
                0,
                true,
                true,
            ),
        ];
        for (what, secrets, principals, filters, findings, two_stage) in cases {
            let mut c = config("p");
            c.secrets = string_list(&secrets);
            c.allowed_principals = string_list(&principals);
            let plan = planned(&c, None, &BTreeMap::new(), Some("us-east-1"));
            let n = |v: &Value<i64>| v.as_ref_option().copied().unwrap_or(-1);
            let listed = |v: &super::super::state::StrList| known_strings(v).map(|l| l.len());
            assert_eq!(listed(&plan.filter_patterns), Some(filters), "{what}");
            assert_eq!(
                n(&plan.metric_filter_count),
                (filters + usize::from(findings)) as i64,
                "{what}"
            );
            let rules = listed(&plan.event_patterns).expect("known");
            assert_eq!(
                n(&plan.event_rule_count),
                rules as i64 + 1,
                "{what}: the tamper rule too"
            );
            assert_eq!(rules > 1, two_stage, "{what}");
            assert_eq!(plan.filter_pattern.is_value(), filters == 1, "{what}");
            assert_eq!(plan.event_pattern.is_value(), !two_stage, "{what}");
            assert_eq!(plan.metric_filter_name.is_null(), filters == 0, "{what}");
            // Assigned by AWS: unknown on create where the layout has the part.
            assert_eq!(plan.findings_log_group_arn.is_unknown(), findings, "{what}");
            assert_eq!(plan.event_bus_arn.is_unknown(), two_stage, "{what}");
        }
    }

    #[test]
    fn durations() {
        let cases = [
            ("15m", Some(900)),
            ("1h", Some(3600)),
            ("1h30m", Some(5400)),
            ("45s", Some(45)),
            ("", None),
            ("15", None),
            ("10d", None),
            ("m", None),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse_duration(text).map(|d| d.as_secs()), seconds, "{text}");
        }
    }

    #[test]
    fn defaults_fill_every_optional_setting() {
        let filled = with_defaults(&config("p"));
        let trail = filled.trail.as_ref_option().cloned().unwrap_or_default();
        assert_eq!(trail.create, Value::Value(true));
        assert_eq!(trail.multi_region, Value::Value(true));
        assert_eq!(trail.log_file_validation, Value::Value(true));
        let alarm = filled.alarm.as_ref_option().cloned().unwrap_or_default();
        assert_eq!(alarm.period_seconds, Value::Value(60));
        assert_eq!(alarm.namespace, Value::Value("SecurityMetrics".to_owned()));
        assert_eq!(
            filled
                .log_group
                .as_ref_option()
                .cloned()
                .unwrap_or_default()
                .retention_days,
            Value::Value(365)
        );
        assert_eq!(filled.alert_on_denied, Value::Value(true));
        assert_eq!(known_strings(&filled.watched_events).unwrap().len(), 2);
    }

    #[test]
    fn create_plan_knows_names_and_pattern_but_not_arns() {
        let plan = planned(&config("p"), None, &BTreeMap::new(), Some("eu-west-1"));
        assert_eq!(plan.alarm_name, Value::Value("p-secret-access".to_owned()));
        assert!(plan.filter_pattern.is_value());
        assert!(plan.trail_arn.is_unknown());
        assert!(plan.account_id.is_unknown());
        assert_eq!(plan.trail_logging, Value::Value(true));
        assert_eq!(plan.region, Value::Value("eu-west-1".to_owned()));
    }

    fn applied(config: &PipelineState) -> PipelineState {
        let spec = spec_of(config, &BTreeMap::new()).unwrap();
        let observed = Observed {
            account_id: Some("000000000000".into()),
            region: Some("us-east-1".into()),
            kms_key_arn: Some("arn:aws:kms:us-east-1:000000000000:key/k".into()),
            archive_bucket_name: Some("b".into()),
            archive_bucket_arn: Some("arn:aws:s3:::b".into()),
            log_group_name: Some(PlanNames::of(&spec).log_group),
            log_group_arn: Some("arn:aws:logs:us-east-1:000000000000:log-group:g".into()),
            log_retention_days: Some(365),
            delivery_role_arn: Some("arn:aws:iam::000000000000:role/r".into()),
            trail_arn: Some("arn:aws:cloudtrail:us-east-1:000000000000:trail/p".into()),
            trail_logging: Some(true),
            trail_multi_region: Some(true),
            trail_organization: Some(false),
            trail_log_file_validation: Some(true),
            metric_filter_name: Some("p-secret-access".into()),
            metric_filters: spec
                .detection
                .filters
                .iter()
                .map(|pattern| Named {
                    name: "p-secret-access".into(),
                    pattern: pattern.clone(),
                })
                .collect(),
            alarm_name: Some("p-secret-access".into()),
            alarm_arn: Some(
                "arn:aws:cloudwatch:us-east-1:000000000000:alarm:p-secret-access".into(),
            ),
            alarm: Some(spec.alarm.clone()),
            topic_arn: Some("arn:aws:sns:us-east-1:000000000000:p-alerts".into()),
            subscriptions: vec![Subscription {
                protocol: "sqs".into(),
                endpoint: "arn:aws:sqs:us-east-1:000000000000:q".into(),
                arn: "arn:sub".into(),
                pending_confirmation: false,
            }],
            protections: crate::components::expected_protections(&spec)
                .into_iter()
                .map(|(protection, _)| (protection.name().to_owned(), true))
                .collect(),
            read_rule_arn: Some("arn:aws:events:us-east-1:000000000000:rule/p-secret-reads".into()),
            // AWS's own formatting of the same pattern is normalised by the
            // finder (event_rule's tests), so an observation carries ours.
            read_rules: spec
                .detection
                .rules
                .notifying()
                .iter()
                .map(|pattern| Named {
                    name: "p-secret-reads".into(),
                    pattern: pattern.clone(),
                })
                .collect(),
            tamper_rule_arn: Some("arn:aws:events:us-east-1:000000000000:rule/p-tamper".into()),
            event_bus_arn: None,
            findings_log_group_arn: None,
            findings_filter: None,
        };
        let desired = planned(config, None, &BTreeMap::new(), Some("us-east-1"));
        state_from(&desired, &spec, &observed)
    }

    #[test]
    fn an_unchanged_pipeline_plans_no_change() {
        let prior = applied(&config("p"));
        let plan = planned(
            &config("p"),
            Some(&prior),
            &BTreeMap::new(),
            Some("us-east-1"),
        );
        assert_eq!(plan, prior);
    }

    /// Growing into two stages makes a caller rule the first read rule: its
    /// ARN is not known until apply, and the rest of the state stays.
    #[test]
    fn the_read_rule_arn_is_unknown_when_the_layout_changes_shape() {
        let prior = applied(&config("p"));
        let mut grown = config("p");
        grown.allowed_principals = string_list(
            &(0..30)
                .map(|i| {
                    format!("arn:aws:iam::111122223333:role/service-role/payments-api-{i:03}-prod")
                })
                .collect::<Vec<_>>(),
        );
        let plan = planned(&grown, Some(&prior), &BTreeMap::new(), Some("us-east-1"));
        assert!(plan.read_rule_arn.is_unknown(), "{:?}", plan.read_rule_arn);
        assert!(plan.event_bus_arn.is_unknown() && plan.findings_log_group_arn.is_unknown());
        assert_eq!(plan.topic_arn, prior.topic_arn);
        let same = planned(
            &config("p"),
            Some(&prior),
            &BTreeMap::new(),
            Some("us-east-1"),
        );
        assert_eq!(same.read_rule_arn, prior.read_rule_arn);
    }

    /// verify_on_apply verifies at applies that happen anyway; it never makes
    /// a plan by itself, or every plan would show a change.
    #[test]
    fn verification_runs_only_with_a_change() {
        let verifying = PipelineState {
            verify_on_apply: Value::Value(true),
            ..config("p")
        };
        let mut prior = applied(&verifying);
        prior.last_verification = Value::Value(BTreeMap::from([(
            "ok".to_owned(),
            Value::Value("true".to_owned()),
        )]));
        let unchanged = planned(
            &verifying,
            Some(&prior),
            &BTreeMap::new(),
            Some("us-east-1"),
        );
        assert_eq!(unchanged, prior, "no change planned while nothing changed");

        let changed_config = PipelineState {
            secrets: string_list(&["prod/*".to_owned(), "billing/*".to_owned()]),
            ..verifying.clone()
        };
        let changed = planned(
            &changed_config,
            Some(&prior),
            &BTreeMap::new(),
            Some("us-east-1"),
        );
        assert!(
            changed.last_verification.is_unknown(),
            "a change verifies again"
        );

        let turned_off = planned(
            &config("p"),
            Some(&prior),
            &BTreeMap::new(),
            Some("us-east-1"),
        );
        assert_eq!(
            turned_off.last_verification, prior.last_verification,
            "turning it off keeps the last result"
        );
        let never_verified = applied(&config("p"));
        let turned_on = planned(
            &verifying,
            Some(&never_verified),
            &BTreeMap::new(),
            Some("us-east-1"),
        );
        assert!(
            turned_on.last_verification.is_unknown(),
            "turning it on verifies at that apply"
        );
        assert!(planned(&config("p"), None, &BTreeMap::new(), None)
            .last_verification
            .is_null());
        assert!(planned(&verifying, None, &BTreeMap::new(), None)
            .last_verification
            .is_unknown());
    }

    /// Each drift, as refresh records it, must make the plan differ from the
    /// prior state, on the attribute that names it.
    #[test]
    fn drift_shows_in_the_plan() {
        type Drift = fn(&mut PipelineState);
        type Repaired = fn(&PipelineState) -> bool;
        let cases: [(&str, Drift, Repaired); 9] = [
            (
                "read rule deleted",
                |s| s.read_rule_arn = Value::Null,
                |p| p.read_rule_arn.is_unknown(),
            ),
            (
                "read rule pattern edited",
                |s| s.event_pattern = Value::Value(r#"{"source":["x"]}"#.into()),
                |p| p.event_pattern != Value::Value(r#"{"source":["x"]}"#.into()),
            ),
            (
                "trail stopped",
                |s| s.trail_logging = Value::Value(false),
                |p| p.trail_logging == Value::Value(true),
            ),
            (
                "alarm deleted",
                |s| s.alarm_arn = Value::Null,
                |p| p.alarm_arn.is_unknown(),
            ),
            (
                "filter edited",
                |s| s.filter_pattern = Value::Value("{ $.x = 1 }".into()),
                |p| p.filter_pattern != Value::Value("{ $.x = 1 }".into()),
            ),
            (
                "retention shortened",
                |s| {
                    if let Value::Value(g) = &mut s.log_group {
                        g.retention_days = Value::Value(30)
                    }
                },
                |p| p.log_group.as_ref_option().unwrap().retention_days == Value::Value(365),
            ),
            (
                "trail deleted",
                |s| s.trail_arn = Value::Null,
                |p| p.trail_arn.is_unknown(),
            ),
            (
                "subscription deleted",
                |s| s.subscriptions = Value::Value(vec![]),
                |p| p.subscriptions.is_unknown(),
            ),
            (
                "bucket policy deleted",
                |s| {
                    if let Value::Value(p) = &mut s.protections {
                        p.insert("archive_policy_in_place".into(), Value::Value(false));
                    }
                },
                |p| {
                    p.protections
                        .as_ref_option()
                        .and_then(|m| m.get("archive_policy_in_place").cloned())
                        == Some(Value::Value(true))
                },
            ),
        ];
        for (what, drift, repaired) in cases {
            let mut prior = applied(&config("p"));
            drift(&mut prior);
            let plan = planned(
                &config("p"),
                Some(&prior),
                &BTreeMap::new(),
                Some("us-east-1"),
            );
            assert_ne!(plan, prior, "{what} planned no change");
            assert!(
                repaired(&plan),
                "{what}: plan does not restore the attribute"
            );
        }
    }

    #[test]
    fn unknown_inputs_leave_the_pattern_unknown() {
        let mut config = config("p");
        config.secrets = Value::Unknown;
        let plan = planned(&config, None, &BTreeMap::new(), Some("us-east-1"));
        assert!(plan.filter_pattern.is_unknown());
        // So is every attribute of the layout: apply will know them.
        assert!(plan.filter_patterns.is_unknown() && plan.event_patterns.is_unknown());
        assert!(plan.metric_filter_count.is_unknown() && plan.event_rule_count.is_unknown());
    }
}
