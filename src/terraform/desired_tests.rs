//! The desired configuration's tests: defaults written once and read back,
//! generated configuration, and the spec read from it.

use super::*;
use crate::terraform::state::NotificationBlock;

#[test]
fn the_configuration_of_a_state_writes_only_what_differs_from_the_defaults() {
    let named = |name: &str| PipelineState {
        name: Value::Value(name.to_owned()),
        ..Default::default()
    };
    // (configuration, what configuration_of its defaulted state writes:
    // the configuration itself, each argument being at no default)
    let cases: Vec<PipelineState> = vec![
        named("defaults-only"),
        PipelineState {
            fast_alerts: Value::Value(!DEFAULTS.fast_alerts),
            secrets: string_list(&["prod/*".to_owned()]),
            log_group: Value::Value(LogGroupBlock {
                retention_days: Value::Value(7),
            }),
            notification: Value::Value(NotificationBlock {
                emails: string_list(&["secops@example.com".to_owned()]),
                ..Default::default()
            }),
            kms: Value::Value(KmsBlock {
                deletion_window_days: Value::Value(7),
                ..Default::default()
            }),
            ..named("some-settings")
        },
        PipelineState {
            alarm: Value::Value(AlarmBlock {
                threshold: Value::Value(5),
                ..Default::default()
            }),
            trail: Value::Value(TrailBlock {
                create: Value::Value(false),
                existing_log_group_name: Value::Value("/org/trail".to_owned()),
                ..Default::default()
            }),
            ..named("existing-trail")
        },
    ];
    for config in cases {
        let mut state = with_defaults(&config);
        // Computed-only attributes are never written.
        state.id = config.name.clone();
        state.account_id = Value::Value("111122223333".to_owned());
        state.region = Value::Value("us-east-1".to_owned());
        state.tags_all = Value::Value(BTreeMap::new());
        state.alarm_arn = Value::Value("arn:aws:cloudwatch:...".to_owned());
        assert_eq!(configuration_of(&state), config, "{:?}", config.name);
    }
}

#[test]
fn unknown_values_name_themselves() {
    type Edit = fn(&mut PipelineState);
    let cases: [(Edit, &str); 4] = [
        (|c| c.secrets = Value::Unknown, "secrets"),
        (
            |c| c.tags = Value::Value([("k".to_owned(), Value::Unknown)].into()),
            "tags",
        ),
        (
            |c| {
                c.alarm = Value::Value(AlarmBlock {
                    period_seconds: Value::Unknown,
                    ..Default::default()
                })
            },
            "alarm.period_seconds",
        ),
        (|c| c.fast_alerts = Value::Unknown, "fast_alerts"),
    ];
    for (edit, what) in cases {
        let mut config = PipelineState {
            name: Value::Value("prod".into()),
            ..Default::default()
        };
        edit(&mut config);
        assert_eq!(spec_of(&config, &BTreeMap::new()), Err(Unknown(what)));
    }
}

/// The pipeline's own tags win over the provider's; null values are empty.
#[test]
fn tags_merge_over_default_tags() {
    let config = PipelineState {
        name: Value::Value("prod".into()),
        tags: Value::Value(
            [
                ("team".to_owned(), Value::Value("sec".to_owned())),
                ("note".to_owned(), Value::Null),
            ]
            .into(),
        ),
        ..Default::default()
    };
    let provider: BTreeMap<String, String> = [
        ("team".to_owned(), "ops".to_owned()),
        ("env".to_owned(), "prod".to_owned()),
    ]
    .into();
    let spec = spec_of(&config, &provider).map(|s| s.tags);
    let expected: BTreeMap<String, String> = [
        ("env".to_owned(), "prod".to_owned()),
        ("note".to_owned(), String::new()),
        ("team".to_owned(), "sec".to_owned()),
    ]
    .into();
    assert_eq!(spec, Ok(expected));
}
