//! The planner: defaults, the desired state and the mapping between state,
//! spec and observation.

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
        // The saved queries' names come from the name alone, whatever the layout.
        assert_eq!(
            known_strings(&plan.query_definition_names),
            Some(crate::pattern::insights::saved_query_names("p")),
            "{what}"
        );
    }
}

#[test]
fn query_definition_names_are_planned_offline_and_unknown_with_an_unknown_name() {
    // (the name, the names planned)
    let cases: [(Value<String>, Option<Vec<String>>); 2] = [
        (
            Value::Value("audit".into()),
            Some(
                [
                    "unauthorised-reads",
                    "reads-of-secret",
                    "reads-by-principal",
                    "tamper-attempts",
                    "denied-attempts",
                ]
                .iter()
                .map(|q| format!("secretmonitor/audit/{q}"))
                .collect(),
            ),
        ),
        (Value::Unknown, None),
    ];
    for (name, names) in cases {
        let mut c = config("audit");
        c.name = name.clone();
        let plan = planned(&c, None, &BTreeMap::new(), Some("us-east-1"));
        assert_eq!(
            known_strings(&plan.query_definition_names),
            names,
            "{name:?}"
        );
        assert_eq!(
            plan.query_definition_names.is_unknown(),
            names.is_none(),
            "{name:?}"
        );
    }
    // What apply records is what was planned: no change after apply.
    let c = config("audit");
    let plan = planned(&c, None, &BTreeMap::new(), Some("us-east-1"));
    assert_eq!(
        applied(&c).query_definition_names,
        plan.query_definition_names
    );
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
    assert_eq!(
        plan.dashboard_name,
        Value::Value("secretmonitor-p".to_owned())
    );
    assert_eq!(
        plan.dashboard_url,
        Value::Value(
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/secretmonitor-p"
                .to_owned()
        )
    );
    // Without a region the address waits for apply; the name does not.
    let offline = planned(&config("p"), None, &BTreeMap::new(), None);
    assert!(offline.dashboard_url.is_unknown());
    assert!(offline.dashboard_name.is_value());
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
        alarm_arn: Some("arn:aws:cloudwatch:us-east-1:000000000000:alarm:p-secret-access".into()),
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
        dashboard_name: Some(PlanNames::of(&spec).dashboard),
        skipped_queries: Vec::new(),
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

/// Terraform takes an unknown identity only on create: an update's plan
/// keeps the account and region of the state, whether or not the provider
/// knows its region, and whatever changes.
#[test]
fn an_update_plans_a_known_identity() {
    let prior = applied(&config("p"));
    let mut changed = config("p");
    changed.fast_alerts = Value::Value(false);
    for region in [Some("us-east-1"), None] {
        let plan = planned(&changed, Some(&prior), &BTreeMap::new(), region);
        let identity = crate::terraform::state::PipelineIdentity::of(&plan);
        assert_eq!(identity.account_id, Value::Value("000000000000".into()));
        assert_eq!(identity.region, Value::Value("us-east-1".into()));
        assert_eq!(identity.name, Value::Value("p".into()));
    }
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
    let cases: [(&str, Drift, Repaired); 11] = [
        (
            "dashboard deleted",
            |s| {
                s.dashboard_name = Value::Null;
                s.dashboard_url = Value::Null;
                if let Value::Value(p) = &mut s.protections {
                    p.insert("dashboard_in_place".into(), Value::Value(false));
                }
            },
            |p| {
                p.dashboard_name == Value::Value("secretmonitor-p".into())
                    && p.dashboard_url.is_value()
            },
        ),
        (
            "dashboard edited",
            |s| {
                if let Value::Value(p) = &mut s.protections {
                    p.insert("dashboard_in_place".into(), Value::Value(false));
                }
            },
            |p| {
                p.protections
                    .as_ref_option()
                    .and_then(|m| m.get("dashboard_in_place").cloned())
                    == Some(Value::Value(true))
            },
        ),
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
