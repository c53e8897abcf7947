//! The validator's table-driven tests; the same invalid inputs run through
//! the real Terraform CLI in `validation-tests/invalid/` (`make validation`).

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::*;
use crate::arn::{bucket_problem, log_group_problem};
use crate::components::Names;
use crate::terraform::diagnostics::{path_text, Severity};
use crate::terraform::plan;
use crate::terraform::state::{
    string_list, AlarmBlock, ArchiveBlock, KmsBlock, LogGroupBlock, NotificationBlock,
    TimeoutsBlock, TrailBlock,
};

fn base() -> PipelineState {
    PipelineState {
        name: Value::Value("prod-secrets".into()),
        notification: Value::Value(NotificationBlock {
            sqs_queue_arns: string_list(&["arn:aws:sqs:us-east-1:111122223333:alerts".into()]),
            ..Default::default()
        }),
        trail: Value::Value(TrailBlock::default()),
        ..Default::default()
    }
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

fn list(items: &[&str]) -> StrList {
    string_list(&items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
}

fn s(v: &str) -> Value<String> {
    Value::Value(v.to_owned())
}

fn trail(edit: fn(&mut TrailBlock)) -> Value<TrailBlock> {
    let mut t = TrailBlock::default();
    edit(&mut t);
    Value::Value(t)
}

fn alarm(edit: fn(&mut AlarmBlock)) -> Value<AlarmBlock> {
    let mut a = AlarmBlock::default();
    edit(&mut a);
    Value::Value(a)
}

fn archive(edit: fn(&mut ArchiveBlock)) -> Value<ArchiveBlock> {
    let mut a = ArchiveBlock::default();
    edit(&mut a);
    Value::Value(a)
}

fn notify(edit: fn(&mut NotificationBlock)) -> Value<NotificationBlock> {
    let mut n = NotificationBlock::default();
    edit(&mut n);
    Value::Value(n)
}

fn kms(edit: fn(&mut KmsBlock)) -> Value<KmsBlock> {
    let mut k = KmsBlock::default();
    edit(&mut k);
    Value::Value(k)
}

#[test]
fn a_plain_config_is_valid() {
    assert_eq!(validate(&base()), vec![]);
}

type Edit = fn(&mut PipelineState);

/// (what, edit, expected path, summary, fragment of the detail)
fn invalid_cases() -> Vec<(&'static str, Edit, &'static str, &'static str, &'static str)> {
    vec![
        (
            "upper-case name",
            |c| c.name = s("Prod"),
            "name",
            "Invalid pipeline name",
            "\"Prod\"",
        ),
        (
            "long name",
            |c| c.name = s(&"a".repeat(41)),
            "name",
            "Invalid pipeline name",
            "41 characters",
        ),
        (
            "double hyphen",
            |c| c.name = s("a--b"),
            "name",
            "Invalid pipeline name",
            "adjacent hyphens",
        ),
        (
            "reserved bucket prefix",
            |c| c.name = s("sthree-x"),
            "name",
            "Invalid pipeline name",
            "sthree-",
        ),
        (
            "bad principal",
            |c| c.allowed_principals = list(&["app-role"]),
            "allowed_principals[0]",
            "Invalid allowed principal",
            "arn:aws:iam::ACCOUNT_ID:role/app-role",
        ),
        (
            "session ARN",
            |c| c.allowed_principals = list(&["arn:aws:sts::111122223333:assumed-role/app/i-123"]),
            "allowed_principals[0]",
            "Invalid allowed principal",
            "arn:aws:iam::111122223333:role/app",
        ),
        (
            "wildcard principal",
            |c| c.allowed_principals = list(&["arn:aws:iam::111122223333:role/app-*"]),
            "allowed_principals[0]",
            "Invalid allowed principal",
            "wildcards",
        ),
        (
            "short account",
            |c| c.allowed_principals = list(&["11122223333"]),
            "allowed_principals[0]",
            "Invalid allowed principal",
            "12 digits",
        ),
        (
            "duplicate secret",
            |c| c.secrets = list(&["a", "a"]),
            "secrets[1]",
            "Duplicate entry",
            "repeats secrets[0]",
        ),
        (
            "bad secret region",
            |c| c.secrets = list(&["arn:aws:secretsmanager:useast1:111122223333:secret:db-AbCdEf"]),
            "secrets[0]",
            "Invalid secret",
            "not a region",
        ),
        (
            "double star",
            |c| c.secrets = list(&["prod/**"]),
            "secrets[0]",
            "Invalid secret",
            "trailing",
        ),
        (
            "null secret",
            |c| c.secrets = Value::Value(vec![Value::Null]),
            "secrets[0]",
            "Null list entry",
            "null",
        ),
        (
            "not an operation",
            |c| c.watched_events = list(&["GetParameter"]),
            "watched_events[0]",
            "Invalid watched event",
            "not a Secrets Manager operation",
        ),
        (
            "iam action",
            |c| c.watched_events = list(&["secretsmanager:GetSecretValue"]),
            "watched_events[0]",
            "Invalid watched event",
            "Did you mean \"GetSecretValue\"",
        ),
        (
            "unscoped event",
            |c| {
                c.secrets = list(&["prod/*"]);
                c.watched_events = list(&["ListSecrets"])
            },
            "watched_events[0]",
            "Watched event can never match",
            "name no secret",
        ),
        (
            "no subscriber",
            |c| c.notification = Value::Value(NotificationBlock::default()),
            "notification.emails",
            "No subscriber",
            "at least one",
        ),
        (
            "reuse without group",
            |c| c.trail = trail(|t| t.create = Value::Value(false)),
            "trail.existing_log_group_name",
            "Missing existing log group",
            "trail.create = false",
        ),
        (
            "group without reuse",
            |c| c.trail = trail(|t| t.existing_log_group_name = s("g")),
            "trail.existing_log_group_name",
            "Existing log group without trail.create = false",
            "create = false",
        ),
        (
            "trail setting without trail",
            |c| {
                c.trail = trail(|t| {
                    t.create = Value::Value(false);
                    t.existing_log_group_name = s("g");
                    t.multi_region = Value::Value(true)
                })
            },
            "trail.multi_region",
            "Setting of a trail that is not created",
            "trail.create = false",
        ),
        (
            "archive without trail",
            |c| {
                c.trail = trail(|t| {
                    t.create = Value::Value(false);
                    t.existing_log_group_name = s("g")
                });
                c.archive = archive(|a| a.expire_after_days = Value::Value(30))
            },
            "archive.expire_after_days",
            "Archive setting without a trail",
            "trail.create = false",
        ),
        (
            "organization single-region",
            |c| {
                c.trail = trail(|t| {
                    t.organization = Value::Value(true);
                    t.multi_region = Value::Value(false)
                })
            },
            "trail.organization",
            "Organization trails are multi-region",
            "multi_region = true",
        ),
        (
            "log group arn",
            |c| {
                c.trail = trail(|t| {
                    t.create = Value::Value(false);
                    t.existing_log_group_name =
                        s("arn:aws:logs:us-east-1:111122223333:log-group:trail-logs:*")
                })
            },
            "trail.existing_log_group_name",
            "Invalid log group name",
            "\"trail-logs\"",
        ),
        (
            "retention",
            |c| {
                c.log_group = Value::Value(LogGroupBlock {
                    retention_days: Value::Value(100),
                })
            },
            "log_group.retention_days",
            "Unsupported retention",
            "for example 90",
        ),
        (
            "period",
            |c| c.alarm = alarm(|a| a.period_seconds = Value::Value(45)),
            "alarm.period_seconds",
            "Unsupported alarm period",
            "10, 30 or a multiple of 60",
        ),
        (
            "threshold",
            |c| c.alarm = alarm(|a| a.threshold = Value::Value(0)),
            "alarm.threshold",
            "Threshold below 1",
            "threshold = 0",
        ),
        (
            "evaluation periods",
            |c| c.alarm = alarm(|a| a.evaluation_periods = Value::Value(0)),
            "alarm.evaluation_periods",
            "Evaluation periods below 1",
            "1 or more",
        ),
        (
            "evaluation range",
            |c| {
                c.alarm = alarm(|a| {
                    a.period_seconds = Value::Value(3600);
                    a.evaluation_periods = Value::Value(25)
                })
            },
            "alarm.evaluation_periods",
            "Evaluation range over one day",
            "at most 24",
        ),
        (
            "namespace",
            |c| c.alarm = alarm(|a| a.namespace = s("AWS/Logs")),
            "alarm.namespace",
            "Invalid metric namespace",
            "reserved",
        ),
        (
            "metric name",
            |c| c.alarm = alarm(|a| a.metric_name = s("reads:*")),
            "alarm.metric_name",
            "Invalid metric name",
            "':'",
        ),
        (
            "glacier after expiry",
            |c| {
                c.archive = archive(|a| {
                    a.transition_to_glacier_after_days = Value::Value(400);
                    a.expire_after_days = Value::Value(365)
                })
            },
            "archive.transition_to_glacier_after_days",
            "Glacier transition after expiry",
            "not before",
        ),
        (
            "expiry before default transition",
            |c| c.archive = archive(|a| a.expire_after_days = Value::Value(30)),
            "archive.expire_after_days",
            "Glacier transition after expiry",
            "= 90",
        ),
        (
            "bucket dots",
            |c| c.archive = archive(|a| a.bucket_name = s("my..bucket")),
            "archive.bucket_name",
            "Invalid bucket name",
            "adjacent periods",
        ),
        (
            "bucket ip",
            |c| c.archive = archive(|a| a.bucket_name = s("192.168.5.4")),
            "archive.bucket_name",
            "Invalid bucket name",
            "IP address",
        ),
        (
            "bucket upper",
            |c| c.archive = archive(|a| a.bucket_name = s("My-Bucket")),
            "archive.bucket_name",
            "Invalid bucket name",
            "'M'",
        ),
        (
            "kms bare id",
            |c| c.kms = kms(|k| k.key_arn = s("1234abcd-12ab-34cd-56ef-1234567890ab")),
            "kms.key_arn",
            "Invalid KMS key ARN",
            "key/1234abcd",
        ),
        (
            "kms managed",
            |c| c.kms = kms(|k| k.key_arn = s("arn:aws:kms:us-east-1:111122223333:alias/aws/s3")),
            "kms.key_arn",
            "Invalid KMS key ARN",
            "AWS managed",
        ),
        (
            "kms window",
            |c| c.kms = kms(|k| k.deletion_window_days = Value::Value(5)),
            "kms.deletion_window_days",
            "Invalid deletion window",
            "7 to 30",
        ),
        (
            "email",
            |c| c.notification = notify(|n| n.emails = list(&["secops.example.com"])),
            "notification.emails[0]",
            "Invalid email address",
            "no @",
        ),
        (
            "sqs url",
            |c| {
                c.notification = notify(|n| {
                    n.sqs_queue_arns =
                        list(&["https://sqs.eu-west-1.amazonaws.com/111122223333/alerts"])
                })
            },
            "notification.sqs_queue_arns[0]",
            "Invalid SQS queue ARN",
            "arn:aws:sqs:eu-west-1:111122223333:alerts",
        ),
        (
            "sqs fifo",
            |c| {
                c.notification = notify(|n| {
                    n.sqs_queue_arns = list(&["arn:aws:sqs:eu-west-1:111122223333:alerts.fifo"])
                })
            },
            "notification.sqs_queue_arns[0]",
            "Invalid SQS queue ARN",
            "FIFO",
        ),
        (
            "http",
            |c| {
                c.notification =
                    notify(|n| n.https_endpoints = list(&["http://alerts.example.com"]))
            },
            "notification.https_endpoints[0]",
            "Invalid HTTPS endpoint",
            "https://",
        ),
        (
            "duplicate queue",
            |c| {
                c.notification = notify(|n| {
                    n.sqs_queue_arns = list(&[
                        "arn:aws:sqs:eu-west-1:111122223333:a",
                        "arn:aws:sqs:eu-west-1:111122223333:a",
                    ])
                })
            },
            "notification.sqs_queue_arns[1]",
            "Duplicate entry",
            "repeats",
        ),
        (
            "aws tag",
            |c| c.tags = Value::Value([("aws:team".to_owned(), s("x"))].into()),
            "tags[\"aws:team\"]",
            "Reserved tag key",
            "aws:",
        ),
        (
            "long tag value",
            |c| c.tags = Value::Value([("team".to_owned(), s(&"x".repeat(257)))].into()),
            "tags[\"team\"]",
            "Invalid tag value",
            "257 characters",
        ),
        (
            "too many tags",
            |c| c.tags = Value::Value((0..51).map(|i| (format!("k{i}"), s("v"))).collect()),
            "tags",
            "Too many tags",
            "51 tags",
        ),
        (
            "timeout",
            |c| {
                c.timeouts = Value::Value(TimeoutsBlock {
                    create: s("10d"),
                    ..Default::default()
                })
            },
            "timeouts.create",
            "Invalid timeout",
            "\"10d\"",
        ),
        (
            "too many secrets",
            |c| {
                c.secrets = string_list(
                    &(0..1000)
                        .map(|i| format!("team-{i}/secret-{i}"))
                        .collect::<Vec<_>>(),
                )
            },
            "secrets",
            "Configuration over the pipeline's capacity",
            "scope rules",
        ),
        (
            "event pattern limit over the API's",
            |c| c.event_pattern_max_length = Value::Value(5000),
            "event_pattern_max_length",
            "Invalid event pattern length limit",
            "= 5000",
        ),
        (
            "event pattern limit 0",
            |c| c.event_pattern_max_length = Value::Value(0),
            "event_pattern_max_length",
            "Invalid event pattern length limit",
            "Use 1 to 4096",
        ),
        (
            "event pattern over a lowered limit",
            |c| {
                c.event_pattern_max_length = Value::Value(300);
                c.tamper_alerts = Value::Value(false);
                c.secrets = list(&["prod/db", "prod/api"]);
            },
            "secrets",
            "Configuration over the pipeline's capacity",
            "event_pattern_max_length = 300",
        ),
        (
            "tamper pattern over a lowered limit",
            |c| c.event_pattern_max_length = Value::Value(1000),
            "event_pattern_max_length",
            "Tamper pattern too long",
            "tamper_alerts = false",
        ),
    ]
}

#[test]
fn bad_inputs_are_rejected_at_their_path() {
    for (what, edit, path, summary, fragment) in invalid_cases() {
        let mut config = base();
        edit(&mut config);
        let findings = validate(&config);
        let errors = errors(&findings);
        assert!(
            errors.iter().any(|f| f.summary == summary
                && path_text(&f.path) == path
                && f.detail.contains(fragment)),
            "{what}: expected {path}: {summary} ({fragment}), got {errors:#?}"
        );
    }
}

#[test]
fn every_finding_has_a_documented_rule_and_every_rule_an_argument() {
    let schema = crate::terraform::schema::pipeline_schema();
    for r in RULES {
        let found = match r.path.split_once('.') {
            None => {
                schema.block.attributes.contains_key(r.path)
                    || schema.block.blocks.contains_key(r.path)
            }
            Some((b, a)) => schema.block.blocks.get(b).is_some_and(|nb| match nb {
                tf_provider::schema::NestedBlock::Group(inner) => inner.attributes.contains_key(a),
                _ => false,
            }),
        };
        assert!(found, "rule for unknown argument {}", r.path);
    }
    for (what, edit, _, _, _) in invalid_cases() {
        let mut config = base();
        edit(&mut config);
        for f in validate(&config) {
            let argument: String = f
                .path
                .iter()
                .filter_map(|s| match s {
                    PathStep::Attribute(a) => Some(*a),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(".");
            assert!(
                rules_for(&argument).next().is_some(),
                "{what}: no rule documents {argument}"
            );
        }
    }
}

#[test]
fn risky_inputs_warn() {
    let cases: [(Edit, &str); 4] = [
        (
            |c| c.notification = notify(|n| n.emails = list(&["a@example.com"])),
            "notification.emails",
        ),
        (
            |c| c.alarm = alarm(|a| a.threshold = Value::Value(3)),
            "alarm.threshold",
        ),
        (
            |c| c.archive = archive(|a| a.force_destroy = Value::Value(true)),
            "archive.force_destroy",
        ),
        (
            |c| {
                c.kms = kms(|k| {
                    k.key_arn = s("arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef");
                    k.deletion_window_days = Value::Value(7)
                })
            },
            "kms.deletion_window_days",
        ),
    ];
    for (edit, path) in cases {
        let mut config = base();
        edit(&mut config);
        let findings = validate(&config);
        assert!(errors(&findings).is_empty(), "{path}: {findings:?}");
        assert!(
            findings
                .iter()
                .any(|f| f.severity == Severity::Warning && path_text(&f.path) == path),
            "{path}: {findings:?}"
        );
    }
}

#[test]
fn good_inputs_pass() {
    let mut config = base();
    config.secrets = list(&[
        "prod/*",
        "db-password",
        "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:db-AbCdEf",
    ]);
    config.allowed_principals = list(&[
        "arn:aws:iam::111122223333:role/path/app",
        "arn:aws:iam::111122223333:user/ci",
        "arn:aws:iam::111122223333:root",
        "444455556666",
    ]);
    config.watched_events = list(&["GetSecretValue", "DescribeSecret"]);
    // Denied reads without a secret ID cost a branch per entry: with them,
    // these lists are over the metric filter's 1,024 characters.
    config.alert_on_denied = Value::Value(false);
    config.tags = Value::Value([("team".to_owned(), s("security: a/b+c=d@e"))].into());
    config.alarm = alarm(|a| {
        a.period_seconds = Value::Value(300);
        a.evaluation_periods = Value::Value(288);
        a.threshold = Value::Value(1);
    });
    config.archive = archive(|a| {
        a.bucket_name = s("my.audit-bucket-1");
        a.transition_to_glacier_after_days = Value::Value(0);
        a.expire_after_days = Value::Value(0);
    });
    config.kms = kms(|k| k.key_arn = s("arn:aws:kms:eu-west-1:111122223333:alias/team/key"));
    config.notification = notify(|n| {
        n.sqs_queue_arns = list(&["arn:aws:sqs:eu-west-1:111122223333:alerts_1"]);
        n.https_endpoints = list(&["https://user:pw@hooks.example.com:8443/sns?x=1"]);
    });
    config.timeouts = Value::Value(TimeoutsBlock {
        create: s("1h30m"),
        ..Default::default()
    });
    let findings = validate(&config);
    assert!(errors(&findings).is_empty(), "{findings:#?}");
}

#[test]
fn unknown_values_are_left_for_apply() {
    let mut config = base();
    config.secrets = Value::Unknown;
    config.name = Value::Unknown;
    config.watched_events = Value::Value(vec![Value::Unknown]);
    config.alarm = alarm(|a| {
        a.period_seconds = Value::Unknown;
        a.evaluation_periods = Value::Value(1000);
    });
    config.notification = notify(|n| n.sqs_queue_arns = Value::Unknown);
    config.trail = trail(|t| t.create = Value::Unknown);
    assert_eq!(validate(&config), vec![]);
}

/// At apply the resource validates the planned state, defaults written in:
/// a valid reuse-an-existing-trail configuration must still pass.
#[test]
fn planned_states_with_defaults_pass() {
    let mut config = base();
    config.trail = trail(|t| {
        t.create = Value::Value(false);
        t.existing_log_group_name = s("org-trail-logs");
    });
    assert!(validate(&config).is_empty());
    let mut planned = plan::planned(&config, None, &BTreeMap::new(), Some("us-east-1"));
    assert!(validate(&planned).is_empty(), "{:?}", validate(&planned));
    // But a non-default trail setting unknown at plan is caught at apply.
    if let Value::Value(t) = &mut planned.trail {
        t.multi_region = Value::Value(false);
    }
    assert_eq!(errors(&validate(&planned)).len(), 1);
}

#[test]
fn merged_tags_count_default_tags() {
    let mut config = base();
    config.tags = Value::Value((0..30).map(|i| (format!("k{i}"), s("v"))).collect());
    let defaults: BTreeMap<String, String> =
        (0..25).map(|i| (format!("d{i}"), "v".to_owned())).collect();
    let findings = validate_merged_tags(&config, &defaults);
    assert!(findings[0].detail.contains("55"), "{findings:?}");
    assert!(validate_merged_tags(&config, &BTreeMap::new()).is_empty());
}

/// A name of MAX_NAME_LEN keeps every derived AWS name within its limit.
#[test]
fn longest_name_derives_valid_names() {
    let name = format!("{}-{}", "a".repeat(20), "b".repeat(MAX_NAME_LEN - 21));
    assert_eq!(name.len(), MAX_NAME_LEN);
    let mut config = base();
    config.name = s(&name);
    assert!(validate(&config).is_empty());
    let spec = crate::terraform::desired::example_spec(&name);
    let names = Names::derive(&spec, "111122223333", "ap-southeast-2");
    assert!(bucket_problem(&names.bucket).is_none(), "{}", names.bucket);
    assert!((3..=128).contains(&names.trail.len()));
    assert!(names.delivery_role.len() <= 64);
    assert!(
        names.delivery_role.ends_with("-cloudtrail-to-logs"),
        "not truncated"
    );
    assert!(names.log_group.len() <= 512);
    assert!(log_group_problem(&names.log_group).is_none());
    assert!(names.alarm.len() <= 255 && names.metric_filter.len() <= 512);
    assert!(names.topic.len() <= 256);
    assert!(names.key_alias.len() <= 256);
    for rule in [&names.read_rule, &names.tamper_rule] {
        // EventBridge: 1-64 of letters, digits, `.`, `-` and `_`; not truncated.
        assert!(rule.len() <= 64, "{rule}");
        assert!(rule.starts_with(&name), "{rule} was truncated");
    }
}

/// Terraform numbers can be huge: no arithmetic may overflow (found by fuzzing).
#[test]
fn extreme_numbers_do_not_panic() {
    for n in [
        i64::MIN,
        i64::MIN + 1,
        -1,
        0,
        59,
        61,
        i64::MAX - 1,
        i64::MAX,
    ] {
        let mut config = base();
        config.log_group = Value::Value(LogGroupBlock {
            retention_days: Value::Value(n),
        });
        config.alarm = alarm(|a| {
            a.period_seconds = Value::Value(i64::MAX);
            a.evaluation_periods = Value::Value(i64::MAX);
            a.threshold = Value::Value(i64::MIN);
        });
        config.archive = archive(|a| {
            a.transition_to_glacier_after_days = Value::Value(i64::MAX);
            a.expire_after_days = Value::Value(i64::MIN);
        });
        config.kms = Value::Value(KmsBlock {
            deletion_window_days: Value::Value(n),
            ..Default::default()
        });
        assert!(!validate(&config).is_empty());
        config.alarm = Value::Value(AlarmBlock {
            period_seconds: Value::Value(n),
            ..Default::default()
        });
        let _ = validate(&config);
    }
}

fn with_limit(config: &PipelineState, limit: i64) -> PipelineState {
    PipelineState {
        event_pattern_max_length: Value::Value(limit),
        ..config.clone()
    }
}

fn findings_named<'a>(findings: &'a [Finding], summary: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.summary == summary).collect()
}

/// Over its limit, the read rule's pattern is reported with its capacity:
/// which quota, how long the pattern is, how many entries fit, what to raise.
/// Over the layout's capacity, the error names the limit that binds, how
/// much the configuration needs and what to change; under it, the same
/// lists plan.
#[test]
fn a_configuration_over_capacity_names_the_limit_the_need_and_the_fix() {
    // (what, edit, fragments of the error)
    type Case = (
        &'static str,
        fn(&mut PipelineState),
        &'static [&'static str],
    );
    let cases: [Case; 2] = [
        (
            "too many scope rules",
            |c| {
                c.secrets = string_list(
                    &(0..1000)
                        .map(|i| format!("team-{i}/secret-{i}"))
                        .collect::<Vec<_>>(),
                )
            },
            &[
                "scope rules on the pipeline's event bus",
                "over the 30 this pipeline may use",
                "raise event_pattern_max_length",
                "secrets (1000 entries)",
            ],
        ),
        (
            "one scope entry over a lowered limit",
            |c| {
                c.event_pattern_max_length = Value::Value(300);
                c.tamper_alerts = Value::Value(false);
                c.secrets = list(&["prod/db", "prod/api"]);
            },
            &["event_pattern_max_length = 300", "over the limit of 300"],
        ),
    ];
    for (what, edit, fragments) in cases {
        let mut config = base();
        edit(&mut config);
        let findings = validate(&config);
        let [f] = findings_named(&findings, "Configuration over the pipeline's capacity")[..]
        else {
            panic!("{what}: {findings:#?}")
        };
        assert_eq!(path_text(&f.path), "secrets", "{what}");
        for fragment in fragments {
            assert!(
                f.detail.contains(fragment),
                "{what}: {fragment:?} not in {}",
                f.detail
            );
        }
    }
}

/// Hundreds of principals fit no metric filter: the plan accepts them, and
/// warns that the alarm then counts the per-event path's findings.
#[test]
fn an_allow_list_too_long_for_a_filter_plans_with_a_findings_warning() {
    let principals = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                format!("arn:aws:iam::111122223333:role/service-role/payments-api-{i:03}-prod")
            })
            .collect()
    };
    for (n, warned) in [(3, false), (500, true)] {
        let mut config = base();
        config.allowed_principals = string_list(&principals(n));
        let findings = validate(&config);
        assert!(errors(&findings).is_empty(), "{n}: {findings:#?}");
        let warnings = findings_named(&findings, "The alarm counts per-event findings");
        assert_eq!(warnings.len(), usize::from(warned), "{n}: {findings:#?}");
        if let [w] = warnings[..] {
            assert_eq!(path_text(&w.path), "allowed_principals");
            assert!(
                w.detail.contains("as best-effort as EventBridge"),
                "{}",
                w.detail
            );
            assert!(
                w.detail.contains("cannot split the allow-list"),
                "{}",
                w.detail
            );
        }
    }
}

/// The metric filter (1024) binds first today: for every form of entry, the
/// longest lists whose filter fits give an event pattern within the default
/// quota. The day an event pattern form costs more, this says the corpus can
/// hold a case of the default limit (which it cannot today).
#[test]
fn within_the_filter_limit_the_event_pattern_fits_the_default_quota() {
    type Form = fn(usize) -> String;
    // (list, entry form)
    let forms: [(&str, Form); 7] = [
        ("secrets", |i| {
            format!("team-{i}/service/database-credentials")
        }),
        ("secrets", |i| format!("t{i}")),
        ("secrets", |i| format!("team-{i}/*")),
        ("secrets", |i| {
            format!("arn:aws:secretsmanager:ap-southeast-5:111122223333:secret:team-{i}/db-AbCdEf")
        }),
        ("allowed_principals", |i| {
            format!("arn:aws:iam::111122223333:role/path/app-{i}")
        }),
        ("allowed_principals", |i| {
            format!("arn:aws:iam::111122223333:user/u{i}")
        }),
        ("allowed_principals", |i| {
            format!("{:012}", 111_122_223_333_u64 + i as u64)
        }),
    ];
    for (field, form) in forms {
        for denied in [true, false] {
            let mut longest = 0;
            for n in 1.. {
                let entries: Vec<String> = (0..n).map(form).collect();
                let mut lists = crate::terraform::desired::PatternLists {
                    secrets: Vec::new(),
                    allowed_principals: Vec::new(),
                    watched_events: Vec::new(),
                    alert_on_denied: denied,
                    event_pattern_max_len: usize::MAX,
                };
                match field {
                    "secrets" => lists.secrets = entries,
                    _ => lists.allowed_principals = entries,
                }
                if crate::pattern::generate(&lists.input()).is_err() {
                    break;
                }
                let len = crate::pattern::read_alert_pattern(&lists.input()).map(|p| p.len());
                longest = longest.max(len.unwrap());
            }
            assert!(
                (1..=crate::pattern::DEFAULT_EVENT_PATTERN_MAX_LEN).contains(&longest),
                "{field} ({}): {longest}",
                form(0)
            );
        }
    }
}

/// The tamper rule's pattern is measured in the longest region: the longest
/// name's fits the default quota, and a lower limit is reported with the
/// length it must reach.
#[test]
fn tamper_pattern_fits_the_default_and_a_lower_limit_says_how_much() {
    let name = format!("{}-{}", "a".repeat(20), "b".repeat(MAX_NAME_LEN - 21));
    let mut config = base();
    config.name = s(&name);
    let tamper = |c: &PipelineState| {
        validate(c)
            .into_iter()
            .filter(|f| f.summary == "Tamper pattern too long")
            .collect::<Vec<_>>()
    };
    assert!(tamper(&config).is_empty());
    let [f] = &tamper(&with_limit(&config, 1))[..] else {
        panic!("{:#?}", validate(&with_limit(&config, 1)))
    };
    assert_eq!(path_text(&f.path), "event_pattern_max_length");
    let len: i64 = f
        .detail
        .split("is up to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no length in {}", f.detail));
    // What the rule's doc line promises, within the default quota.
    assert!(len <= 2000, "{len}");
    assert!(tamper(&with_limit(&config, len)).is_empty());
    assert_eq!(tamper(&with_limit(&config, len - 1)).len(), 1);
    config.tamper_alerts = Value::Value(false);
    assert!(tamper(&with_limit(&config, 1)).is_empty());
}

/// The arguments named by the `# path:` headers of the Terraform corpus
/// (`validation-tests/invalid` and `apply`), without list index or map key.
fn corpus_paths() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("validation-tests");
    let mut paths = Vec::new();
    for folder in ["invalid", "apply"] {
        let entries = std::fs::read_dir(root.join(folder)).expect("validation-tests folder");
        for entry in entries {
            let path = entry.expect("corpus entry").path();
            if path.extension().is_none_or(|e| e != "tf") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("corpus case");
            for line in text.lines() {
                if let Some(at) = line.strip_prefix("# path:") {
                    let at = at.trim();
                    let argument = at.split('[').next().unwrap_or(at).to_owned();
                    paths.push((argument, path.display().to_string()));
                }
            }
        }
    }
    paths
}

/// Links the two layers of invalid cases: each rule is exercised through
/// the real Terraform CLI by at least one corpus file reported at its path.
#[test]
fn every_rule_has_a_terraform_corpus_case() {
    let paths = corpus_paths();
    assert!(paths.len() > 100, "corpus not found: {paths:?}");
    for rule in RULES {
        let covers = |argument: &str| {
            argument == rule.path
                || argument
                    .strip_prefix(rule.path)
                    .is_some_and(|rest| rest.starts_with('.'))
                || rule.reported_at.contains(&argument)
        };
        assert!(
            paths.iter().any(|(argument, _)| covers(argument)),
            "no validation-tests/invalid/*.tf case has `# path: {}` (rule: {})",
            rule.path,
            rule.text
        );
    }
    // And every header names an argument some rule reports at.
    for (argument, file) in &paths {
        assert!(
            RULES.iter().any(|r| r.path == argument.as_str()
                || r.reported_at.contains(&argument.as_str())
                || argument.starts_with(&format!("{}.", r.path))),
            "{file}: `# path: {argument}` names no rule's argument"
        );
    }
}
