//! The saved Logs Insights queries: their text (quoting and escaping), each
//! of the five against hand-made records, the evaluator's commands, and the
//! unauthorised-reads query against the metric filter and the oracle over
//! the real records of `../shared/reference-data/cloudtrail/`.

use serde_json::{json, Value};

use super::corpus::strings;
use super::oracle::{counts, reference_records};
use super::pattern_input;
use crate::pattern::insights::{
    saved_queries, saved_query_models, FieldName, Filter, Like, Order, Query, QueryError,
    QueryInput, Stats, Text, PLACEHOLDER, QUERY_NAME_MAX_LEN, QUERY_STRING_MAX_LEN,
};
use crate::pattern::layout::filter_layout;
use crate::pattern::{KeyTarget, PatternInput, ReadRulesTarget, TamperTargets, TrailTarget};

const UNAUTHORISED: usize = 0;
const OF_SECRET: usize = 1;
const BY_PRINCIPAL: usize = 2;
const TAMPER: usize = 3;
const DENIED: usize = 4;

const ACCOUNT: &str = "111122223333";
const ALARM: &str = "secretmonitor-prod-reads";
const GROUP: &str = "/secretmonitor/prod";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:secretmonitor-prod";

fn targets() -> TamperTargets<'static> {
    TamperTargets {
        trail: Some(TrailTarget {
            name: "secretmonitor-prod",
            arn: "arn:aws:cloudtrail:us-east-1:111122223333:trail/secretmonitor-prod",
        }),
        log_group_name: GROUP,
        alarm_name: ALARM,
        topic_arn: TOPIC,
        key: Some(KeyTarget {
            key_id: "1234abcd-12ab-34cd-56ef-1234567890ab",
            arn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            alias: "alias/secretmonitor-prod",
        }),
        read_rules: ReadRulesTarget {
            single: "prod-secret-reads",
            staged_prefix: "prod-reads-",
        },
    }
}

fn models(detection: PatternInput) -> Vec<Query> {
    saved_query_models(&QueryInput {
        pipeline_name: "prod",
        detection,
        tamper: targets(),
    })
    .expect("queries")
    .into_iter()
    .map(|(_, q)| q)
    .collect()
}

/// A Secrets Manager record of `event` on `secret_id` by `arn`; `None`
/// writes `requestParameters: null`.
fn read(event: &str, secret_id: Option<&str>, arn: &str) -> Value {
    json!({
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": event,
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "AssumedRole", "arn": arn, "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role",
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/dev"), "userName": "dev"}}},
        "requestParameters": secret_id.map(|s| json!({"secretId": s})),
        "eventID": "e-1",
    })
}

fn denied(mut record: Value, message: Option<&str>) -> Value {
    record["errorCode"] = json!("AccessDenied");
    if let Some(m) = message {
        record["errorMessage"] = json!(m);
    }
    record
}

const DEV: &str = "arn:aws:sts::111122223333:assumed-role/dev/alice";
const CI: &str = "arn:aws:sts::111122223333:assumed-role/ci/build-17";
const SSO_ROLE: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef";
const SSO_SESSION: &str =
    "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com";

fn sso_read(secret: &str) -> Value {
    let mut r = read("GetSecretValue", Some(secret), SSO_SESSION);
    r["userIdentity"]["sessionContext"]["sessionIssuer"] = json!({"type": "Role", "arn": SSO_ROLE,
        "userName": "AWSReservedSSO_Admin_0123456789abcdef"});
    r
}

fn kms_decrypt(secret_arn: &str) -> Value {
    json!({
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": "Decrypt",
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "AssumedRole", "arn": DEV, "accountId": ACCOUNT,
            "invokedBy": "secretsmanager.amazonaws.com"},
        "requestParameters": {"encryptionContext": {"SecretARN": secret_arn}},
    })
}

fn tamper(service: &str, event: &str, params: Value) -> Value {
    json!({
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": format!("{service}.amazonaws.com"),
        "eventName": event,
        "eventType": "AwsApiCall",
        "userIdentity": {"arn": DEV, "accountId": ACCOUNT},
        "requestParameters": params,
    })
}

#[test]
fn literals_field_names_and_regexes_are_quoted() {
    let cases: Vec<(Filter, &str)> = vec![
        (
            Filter::Eq(
                FieldName::new("requestParameters.secretId").unwrap(),
                Text::new(r#"we"ird\name"#).unwrap(),
            ),
            r#"requestParameters.secretId = "we\"ird\\name""#,
        ),
        (
            Filter::Like(
                FieldName::new("requestParameters.secretId").unwrap(),
                Like::Prefix(Text::new("prod/db.x+y=(1)").unwrap()),
            ),
            r"requestParameters.secretId like /^prod\/db\.x\+y=\(1\)/",
        ),
        (
            Filter::Like(
                FieldName::new("errorMessage").unwrap(),
                Like::Suffix(Text::new(":secret:a/b$c").unwrap()),
            ),
            r"errorMessage like /:secret:a\/b\$c$/",
        ),
        (
            Filter::Like(
                FieldName::new("errorMessage").unwrap(),
                Like::Contains(Text::new("on resource: team/x").unwrap()),
            ),
            r#"errorMessage like "on resource: team/x""#,
        ),
        (
            Filter::negate(Filter::IsPresent(FieldName::new("user-agent").unwrap())),
            "not ispresent(`user-agent`)",
        ),
        (
            Filter::IsPresent(FieldName::new("@aws.tag.a:b").unwrap()),
            "ispresent(@`aws.tag.a:b`)",
        ),
        (
            Filter::or(vec![
                Filter::Eq(
                    FieldName::new("eventName").unwrap(),
                    Text::new("A").unwrap(),
                ),
                Filter::Eq(
                    FieldName::new("eventName").unwrap(),
                    Text::new("B").unwrap(),
                ),
            ]),
            r#"eventName in ["A", "B"]"#,
        ),
        (
            Filter::and(vec![
                Filter::IsPresent(FieldName::new("a").unwrap()),
                Filter::or(vec![
                    Filter::IsPresent(FieldName::new("b").unwrap()),
                    Filter::IsPresent(FieldName::new("c").unwrap()),
                ]),
            ]),
            "ispresent(a) and (ispresent(b) or ispresent(c))",
        ),
    ];
    for (filter, text) in cases {
        assert_eq!(filter.to_string(), text);
    }
    assert!(matches!(
        Text::new("a\nb"),
        Err(QueryError::ControlCharacter(_))
    ));
    assert!(matches!(
        FieldName::new("a`b"),
        Err(QueryError::BadField(_))
    ));
}

#[test]
fn saved_queries_have_their_names_and_fit_the_limits() {
    let (s, a, e) = (
        strings(&["prod/*", "db-password"]),
        strings(&[ACCOUNT]),
        strings(&[]),
    );
    let queries = saved_queries(&QueryInput {
        pipeline_name: "prod",
        detection: pattern_input(&s, &a, &e, true),
        tamper: targets(),
    })
    .expect("queries");
    let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "secretmonitor/prod/unauthorised-reads",
            "secretmonitor/prod/reads-of-secret",
            "secretmonitor/prod/reads-by-principal",
            "secretmonitor/prod/tamper-attempts",
            "secretmonitor/prod/denied-attempts",
        ]
    );
    // What the plan lists offline is what is saved.
    assert_eq!(names, crate::pattern::insights::saved_query_names("prod"));
    for q in &queries {
        assert!(q.query_string.len() <= QUERY_STRING_MAX_LEN, "{}", q.name);
        assert!(
            q.query_string.starts_with("fields @timestamp, "),
            "{}",
            q.name
        );
        assert!(
            q.query_string
                .ends_with("| sort @timestamp desc\n| limit 1000"),
            "{}",
            q.query_string
        );
    }
    // The placeholder is only in the two queries the responder edits.
    let with: Vec<bool> = queries
        .iter()
        .map(|q| q.query_string.contains(PLACEHOLDER))
        .collect();
    assert_eq!(with, [false, true, true, false, false]);
    let unauthorised = &queries[UNAUTHORISED].query_string;
    assert!(
        unauthorised.contains(r"requestParameters.secretId like /^prod\//"),
        "{unauthorised}"
    );
    assert!(
        unauthorised.contains(r#"eventSource = "secretsmanager.amazonaws.com""#),
        "{unauthorised}"
    );

    let long = "p".repeat(QUERY_NAME_MAX_LEN);
    let err = saved_queries(&QueryInput {
        pipeline_name: &long,
        detection: pattern_input(&s, &a, &e, true),
        tamper: targets(),
    });
    assert!(
        matches!(err, Err(QueryError::NameTooLong { .. })),
        "{err:?}"
    );
}

#[test]
fn the_placeholder_is_plain_text_in_string_literals() {
    let (s, a, e) = (strings(&["prod/*"]), strings(&[]), strings(&[]));
    let queries = models(pattern_input(&s, &a, &e, true));
    for value in ["prod/db.password+1", SSO_ROLE, ACCOUNT] {
        for q in [&queries[OF_SECRET], &queries[BY_PRINCIPAL]] {
            let edited = q.with_placeholder(value).expect("edited");
            assert_eq!(edited.render(), q.render().replace(PLACEHOLDER, value));
        }
    }
}

/// One row of the table: a record and whether each of the five queries
/// keeps it (queries 2 and 3 with their placeholder edited).
struct Case {
    what: &'static str,
    record: Value,
    keeps: [bool; 5],
}

#[test]
fn each_query_keeps_the_records_it_is_for() {
    // Scope prod/* and db-password; dev may read; the SSO role's path in its
    // IAM ARN appears only in sessionIssuer.arn.
    let (s, a, e) = (
        strings(&["prod/*", "db-password"]),
        strings(&[&format!("arn:aws:iam::{ACCOUNT}:role/dev"), SSO_ROLE]),
        strings(&[]),
    );
    let queries = models(pattern_input(&s, &a, &e, false));
    let secret = queries[OF_SECRET]
        .with_placeholder("prod/db")
        .expect("secret");
    let principal = queries[BY_PRINCIPAL]
        .with_placeholder(&format!("arn:aws:iam::{ACCOUNT}:role/ci"))
        .expect("principal");
    let queries = [
        &queries[UNAUTHORISED],
        &secret,
        &principal,
        &queries[TAMPER],
        &queries[DENIED],
    ];
    let prod_db_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123";
    let ci = |secret: Option<&str>| {
        let mut r = read("GetSecretValue", secret, CI);
        r["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] =
            json!(format!("arn:aws:iam::{ACCOUNT}:role/ci"));
        r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] = json!("ci");
        r
    };
    #[rustfmt::skip]
    let cases = vec![
        Case { what: "ci reads prod/db", record: ci(Some("prod/db")), keeps: [true, true, true, false, false] },
        Case { what: "ci reads prod/db by ARN", record: ci(Some(prod_db_arn)), keeps: [true, true, true, false, false] },
        Case { what: "ci reads an unwatched secret", record: ci(Some("test/x")), keeps: [false, false, true, false, false] },
        Case { what: "dev (allowed) reads prod/db", record: read("GetSecretValue", Some("prod/db"), DEV), keeps: [false, true, false, false, false] },
        Case { what: "SSO role (allowed by its pathed ARN) reads prod/db", record: sso_read("prod/db"), keeps: [false, true, false, false, false] },
        Case { what: "ci denied on prod/db, null parameters", record: denied(ci(None), Some(&format!("User: {CI} is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db because no identity-based policy allows it"))), keeps: [false, true, true, false, true] },
        Case { what: "ci denied on test/x", record: denied(ci(Some("test/x")), None), keeps: [false, false, true, false, false] },
        Case { what: "ci denied on db-password", record: denied(ci(Some("db-password")), None), keeps: [false, false, true, false, true] },
        Case { what: "ci's batch denied as a whole", record: denied(read("BatchGetSecretValue", None, CI), None), keeps: [false, false, false, false, true] },
        // A successful batch is also logged as one GetSecretValue per secret
        // (the cases above); its own record names no secretId.
        Case { what: "ci's successful batch call", record: { let mut r = ci(None); r["eventName"] = json!("BatchGetSecretValue"); r["requestParameters"] = json!({"secretIdList": ["prod/db"]}); r }, keeps: [false, false, true, false, false] },
        Case { what: "ci's metadata read", record: { let mut r = ci(Some("prod/db")); r["eventName"] = json!("DescribeSecret"); r }, keeps: [false; 5] },
        Case { what: "the KMS Decrypt of a read", record: kms_decrypt(prod_db_arn), keeps: [false; 5] },
        Case { what: "StopLogging on the trail", record: tamper("cloudtrail", "StopLogging", json!({"name": "secretmonitor-prod"})), keeps: [false, false, false, true, false] },
        Case { what: "StopLogging on another trail", record: tamper("cloudtrail", "StopLogging", json!({"name": "other"})), keeps: [false; 5] },
        Case { what: "DeleteAlarms naming the alarm second", record: tamper("monitoring", "DeleteAlarms", json!({"alarmNames": ["x", ALARM]})), keeps: [false, false, false, true, false] },
        Case { what: "DeleteAlarms of others", record: tamper("monitoring", "DeleteAlarms", json!({"alarmNames": ["x", "secretmonitor-prod-reads-2"]})), keeps: [false; 5] },
        Case { what: "Unsubscribe from the topic", record: tamper("sns", "Unsubscribe", json!({"subscriptionArn": format!("{TOPIC}:0b1c")})), keeps: [false, false, false, true, false] },
        Case { what: "ScheduleKeyDeletion by alias", record: tamper("kms", "ScheduleKeyDeletion", json!({"keyId": "alias/secretmonitor-prod"})), keeps: [false, false, false, true, false] },
        Case { what: "DeleteLogGroup of the group", record: tamper("logs", "DeleteLogGroup", json!({"logGroupName": GROUP})), keeps: [false, false, false, true, false] },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let got: Vec<bool> = queries.iter().map(|q| q.keeps(&case.record)).collect();
        if got != case.keeps {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                case.what, case.keeps
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Query (3) by role name, by session ARN and by the SSO role's pathed ARN.
    let raw = models(pattern_input(&s, &a, &e, false));
    for (value, record) in [
        ("ci", ci(Some("x"))),
        (CI, ci(Some("x"))),
        (SSO_ROLE, sso_read("x")),
        ("AWSReservedSSO_Admin_0123456789abcdef", sso_read("x")),
    ] {
        let q = raw[BY_PRINCIPAL]
            .with_placeholder(value)
            .expect("principal");
        assert!(q.keeps(&record), "{value}");
        assert!(!q.keeps(&read("GetSecretValue", Some("x"), DEV)), "{value}");
    }
}

#[test]
fn rows_are_projected_sorted_limited_and_counted() {
    let mut a = read("GetSecretValue", Some("prod/a"), CI);
    a["eventTime"] = json!("2026-01-01T00:00:01Z");
    let mut b = read("GetSecretValue", Some("prod/b"), DEV);
    b["eventTime"] = json!("2026-01-01T00:00:03Z");
    let mut c = read("GetSecretValue", None, CI);
    c["eventTime"] = json!("2026-01-01T00:00:02Z");
    let records = [a, b, c];
    let f = |n: &str| FieldName::new(n).unwrap();
    let listing = Query {
        fields: vec![f("@timestamp"), f("requestParameters.secretId")],
        filter: Some(Filter::Eq(
            f("eventName"),
            Text::new("GetSecretValue").unwrap(),
        )),
        stats: None,
        sort: Some((f("@timestamp"), Order::Desc)),
        limit: Some(2),
    };
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        listing.run(&records),
        vec![
            vec![
                pair("@timestamp", "2026-01-01T00:00:03Z"),
                pair("requestParameters.secretId", "prod/b")
            ],
            // requestParameters is null: the field is left out of the row.
            vec![pair("@timestamp", "2026-01-01T00:00:02Z")],
        ]
    );
    let stats = Query {
        fields: vec![],
        filter: None,
        stats: Some(Stats {
            alias: f("reads"),
            by: vec![f("userIdentity.arn")],
        }),
        sort: Some((f("reads"), Order::Desc)),
        limit: None,
    };
    assert_eq!(
        stats.render(),
        "stats count(*) as reads by userIdentity.arn\n| sort reads desc"
    );
    assert_eq!(
        stats.run(&records),
        vec![
            vec![pair("userIdentity.arn", CI), pair("reads", "2")],
            vec![pair("userIdentity.arn", DEV), pair("reads", "1")],
        ]
    );
}

/// (name, secrets, allowed, events, alert_on_denied) over the real records:
/// prefixes and an ARN they read, an IAM user who reads them, the Identity
/// Center role by its IAM ARN with path, whole accounts, and the defaults.
type RefConfig = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    bool,
);
const REFERENCE_CONFIGS: [RefConfig; 5] = [
    ("everything", &[], &[], &[], true),
    (
        "prefix_and_arn_with_denied",
        &[
            "stratus-red-team-retrieve-secret-1*",
            "arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-3-i1OGGG",
        ],
        &["arn:aws:iam::903144391865:user/christophe"],
        &[],
        true,
    ),
    (
        "sso_role_allowed",
        &["stratus-red-team-retrieve-secret-3*"],
        &["arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6"],
        &[],
        true,
    ),
    (
        "account_allowed_batch_only",
        &["stratus*"],
        &["123837392027"],
        &["BatchGetSecretValue"],
        false,
    ),
    (
        "user_allowed_all_secrets",
        &[],
        &["arn:aws:iam::123837392027:user/bert-jan"],
        &["GetSecretValue", "BatchGetSecretValue", "DescribeSecret"],
        false,
    ),
];

#[test]
fn unauthorised_reads_equal_the_metric_filter_on_real_records() {
    let Some(records) = reference_records() else {
        return;
    };
    let kms = records
        .iter()
        .filter(|(_, _, r)| r["eventSource"] == "kms.amazonaws.com")
        .count();
    assert!(kms > 0, "related_kms.jsonl holds no KMS record");
    let mut failures = Vec::new();
    for (name, secrets, allowed, events, denied) in REFERENCE_CONFIGS {
        let (s, a, e) = (strings(secrets), strings(allowed), strings(events));
        let detection = pattern_input(&s, &a, &e, denied);
        // The filters the pipeline deploys: one pattern, or several when one
        // would pass the 1024-character limit.
        let layout = filter_layout(&detection).unwrap_or_else(|e| panic!("{name}: {e}"));
        let queries = models(detection);
        let all: Vec<Value> = records.iter().map(|(_, _, r)| r.clone()).collect();
        let rows = queries[UNAUTHORISED].run(&all);
        let mut matched = 0;
        for (at, line, record) in &records {
            let by_query = queries[UNAUTHORISED].keeps(record);
            let by_filter = layout.count(line) > 0;
            let by_oracle = counts(record, &s, &a, &e, denied);
            if (by_query, by_query) != (by_filter, by_oracle) {
                failures.push(format!(
                    "{name}: {at}: query {by_query}, filter {by_filter}, oracle {by_oracle}"
                ));
            }
            if record["eventSource"] == "kms.amazonaws.com" {
                // No read query may count the KMS side of a read.
                for (i, q) in queries.iter().enumerate().filter(|(i, _)| *i != TAMPER) {
                    // Edited with what the KMS records name: their secret
                    // (in the encryption context) and their caller.
                    let value = match i {
                        OF_SECRET => "stratus-red-team-retrieve-secret-1",
                        _ => "arn:aws:iam::123837392027:user/bert-jan",
                    };
                    let q = q.with_placeholder(value).expect("edited");
                    if q.keeps(record) {
                        failures.push(format!("{name}: {at}: KMS record kept by query {i}"));
                    }
                }
            }
            matched += usize::from(by_query);
        }
        assert_eq!(rows.len(), matched.min(1000), "{name}");
        println!(
            "{name}: {matched} of {} records, over {} filters",
            records.len(),
            layout.filters.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
