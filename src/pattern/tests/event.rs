//! EventBridge event patterns: parity of the read-alert pattern with the
//! metric filter over the CloudTrail corpus, the evaluator's semantics, the
//! parser, the tamper pattern and the length limit.

use serde_json::{json, Value};

use super::corpus::{assert_verdicts, config, strings, Case, Config, CASES, CONFIGS};
use super::pattern_input;
use crate::pattern::{
    generate, read_alert_pattern, tamper_pattern, AnythingBut, EventPattern, KeyTarget, Matcher,
    Node, PatternError, PatternInput, ReadRulesTarget, TamperTargets, TrailTarget,
    DEFAULT_EVENT_PATTERN_MAX_LEN, EVENT_PATTERN_API_MAX_LEN,
};

fn pattern_for(c: &Config) -> EventPattern {
    let (secrets, allowed, events) = (strings(c.secrets), strings(c.allowed), strings(c.events));
    read_alert_pattern(&pattern_input(
        &secrets,
        &allowed,
        &events,
        c.alert_on_denied,
    ))
    .unwrap_or_else(|e| panic!("config {}: {e}", c.name))
}

/// The EventBridge envelope of a CloudTrail record, as a rule sees it.
fn envelope(record: &str) -> Value {
    let detail: Value = serde_json::from_str(record).expect("corpus record is JSON");
    let event_source = detail["eventSource"].as_str().expect("eventSource");
    let service = event_source
        .strip_suffix(".amazonaws.com")
        .expect("eventSource ends in .amazonaws.com");
    json!({
        "version": "0",
        "id": detail["eventID"],
        "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{service}"),
        "account": detail["recipientAccountId"],
        "time": detail["eventTime"],
        "region": detail["awsRegion"],
        "resources": [],
        "detail": detail,
    })
}

#[test]
fn corpus_verdicts_equal_the_metric_filter_under_every_config() {
    assert_verdicts(|config| {
        let pattern = pattern_for(config);
        let reparsed = EventPattern::parse(&pattern.to_json())
            .unwrap_or_else(|e| panic!("{}: {e}", config.name));
        assert_eq!(reparsed, pattern, "round trip of {}", config.name);
        let (secrets, allowed, events) = (
            strings(config.secrets),
            strings(config.allowed),
            strings(config.events),
        );
        let filter = generate(&pattern_input(
            &secrets,
            &allowed,
            &events,
            config.alert_on_denied,
        ))
        .expect("metric filter");
        let name = config.name;
        move |case: &Case| {
            let event = envelope(case.json);
            let got = pattern.matches(&event);
            assert_eq!(
                got,
                filter.matches(case.json),
                "{name}: {} differs from the metric filter",
                case.file
            );
            assert_eq!(got, reparsed.matches(&event));
            got
        }
    });
}

#[test]
fn a_record_under_another_source_or_detail_type_never_matches() {
    let pattern = pattern_for(config("everything"));
    let mut event = envelope(CASES[0].json);
    assert!(pattern.matches(&event));
    event["source"] = json!("aws.kms");
    assert!(!pattern.matches(&event));
    event["source"] = json!("aws.secretsmanager");
    event["detail-type"] = json!("AWS Service Event via CloudTrail");
    assert!(!pattern.matches(&event));
    // The record itself, without its envelope, is not an EventBridge event.
    let bare: Value = serde_json::from_str(CASES[0].json).unwrap();
    assert!(!pattern.matches(&bare));
}

const TYPICAL_JSON: &str = concat!(
    r#"{"detail":{"eventSource":["secretsmanager.amazonaws.com"],"#,
    r#""userIdentity":{"arn":[{"exists":false},{"anything-but":{"wildcard":["arn:aws:sts::111122223333:assumed-role/app/*"]}}]},"#,
    r#""$or":[{"errorCode":[{"exists":false},{"prefix":"AccessDenied"}],"eventName":["GetSecretValue"],"#,
    r#""requestParameters":{"secretId":[{"prefix":"prod/"},{"wildcard":"*:secret:prod/*"}]}},"#,
    r#"{"errorCode":[{"prefix":"AccessDenied"}],"#,
    r#""errorMessage":[{"exists":false},{"anything-but":{"wildcard":["*on resource: *"]}},"#,
    r#"{"wildcard":"*on resource: prod/*"},{"wildcard":"*:secret:prod/*"}],"#,
    r#""eventName":["GetSecretValue"],"requestParameters":{"secretId":[{"exists":false}]}},"#,
    r#"{"errorCode":[{"prefix":"AccessDenied"}],"eventName":["BatchGetSecretValue"]}]},"#,
    r#""detail-type":["AWS API Call via CloudTrail"],"source":["aws.secretsmanager"]}"#,
);

#[test]
fn typical_configuration_json() {
    let p = pattern_for(config("typical"));
    assert_eq!(p.to_json(), TYPICAL_JSON);
    assert_eq!(p.len(), TYPICAL_JSON.len());
    assert_eq!(
        p.to_value(),
        serde_json::from_str::<Value>(TYPICAL_JSON).unwrap()
    );
    assert_eq!(p.to_string(), TYPICAL_JSON);
}

#[test]
fn shapes_without_the_denied_batch_branch() {
    let s = |v: &[&str]| strings(v);
    let gen = |secrets: &[&str], allowed: &[&str], events: &[&str], denied: bool| {
        let (a, b, c) = (s(secrets), s(allowed), s(events));
        read_alert_pattern(&pattern_input(&a, &b, &c, denied))
            .unwrap()
            .to_json()
    };
    const HEAD: &str = r#"{"detail":{"errorCode":[{"exists":false}],"#;
    const TAIL: &str =
        r#"},"detail-type":["AWS API Call via CloudTrail"],"source":["aws.secretsmanager"]}"#;
    // Successes only: no $or, the outcome sits in `detail` itself.
    assert_eq!(
        gen(&["prod/*"], &[], &[], false),
        [
            HEAD,
            r#""eventName":["GetSecretValue"],"eventSource":["secretsmanager.amazonaws.com"],"#,
            r#""requestParameters":{"secretId":[{"prefix":"prod/"},{"wildcard":"*:secret:prod/*"}]}"#,
            TAIL
        ]
        .concat()
    );
    // Unscoped: the events themselves, batch included.
    assert_eq!(
        gen(&[], &[], &[], false),
        [
            HEAD,
            r#""eventName":["BatchGetSecretValue","GetSecretValue"],"eventSource":["secretsmanager.amazonaws.com"]"#,
            TAIL
        ]
        .concat()
    );
    // Denied attempts counted, BatchGetSecretValue not watched: a $or of the
    // scoped branch and the branch of denied calls without a secret ID only.
    let t = gen(&["prod/*"], &[], &["GetSecretValue"], true);
    assert!(
        t.contains("$or")
            && t.contains(r#""errorCode":[{"exists":false},{"prefix":"AccessDenied"}]"#)
            && t.contains(r#""requestParameters":{"secretId":[{"exists":false}]}"#)
            && !t.contains("BatchGetSecretValue"),
        "{t}"
    );
    // Exact name, full ARN, every kind of principal.
    let exact = pattern_for(config("exact")).to_json();
    for part in [
        r#""secretId":["db-password",{"suffix":":secret:db-password"},{"wildcard":"*:secret:db-password-*"},"arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3","arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key","billing/api-key"]"#,
        r#""userIdentity":{"accountId":[{"exists":false},{"anything-but":["444455556666"]}],"arn":[{"exists":false},{"anything-but":{"wildcard":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/ci-bot","arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/*","arn:aws:sts::111122223333:assumed-role/app-runner/*"]}}]}"#,
    ] {
        assert!(exact.contains(part), "{exact}\nlacks\n{part}");
    }
}

#[test]
fn reordering_the_configuration_does_not_change_the_json() {
    let s = |v: &[&str]| strings(v);
    let (a1, b1, c1) = (
        s(&[
            "db-password",
            "prod/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3",
        ]),
        s(&[
            "444455556666",
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:iam::111122223333:user/ci-bot",
            "111122223333",
        ]),
        s(&["GetSecretValue", "BatchGetSecretValue", "DescribeSecret"]),
    );
    let (a2, b2, c2) = (
        s(&[
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3",
            "prod/*",
            "db-password",
            "prod/*",
        ]),
        s(&[
            "111122223333",
            "arn:aws:iam::111122223333:user/ci-bot",
            "arn:aws:iam::111122223333:role/app",
            "444455556666",
            "111122223333",
        ]),
        s(&[
            "DescribeSecret",
            "BatchGetSecretValue",
            "GetSecretValue",
            "DescribeSecret",
        ]),
    );
    let one = read_alert_pattern(&pattern_input(&a1, &b1, &c1, true)).unwrap();
    let two = read_alert_pattern(&pattern_input(&a2, &b2, &c2, true)).unwrap();
    assert_eq!(one, two);
    assert_eq!(one.to_json(), two.to_json());
    // The same name given as a name entry and inside an ARN entry is emitted once.
    let (a3, none) = (
        s(&[
            "billing/api-key",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3",
        ]),
        Vec::new(),
    );
    let t = read_alert_pattern(&pattern_input(&a3, &none, &none, false))
        .unwrap()
        .to_json();
    assert_eq!(t.matches(r#""billing/api-key""#).count(), 1, "{t}");
}

/// The limit is the input's (the account's "Event pattern size" quota), and
/// every corpus configuration fits the default quota.
#[test]
fn the_length_limit_is_the_inputs() {
    let secrets: Vec<String> = (0..60)
        .map(|i| format!("team-{i:02}/service/credentials"))
        .collect();
    let allowed = strings(&["arn:aws:iam::111122223333:role/app"]);
    let with = |n: usize, max: usize| {
        read_alert_pattern(&PatternInput {
            event_pattern_max_len: max,
            ..pattern_input(&secrets[..n], &allowed, &[], true)
        })
    };
    let len_of = |n: usize| with(n, usize::MAX).map(|p| p.len()).unwrap();
    // The fewest secrets whose pattern is over the default quota: it must
    // still be within the API's maximum for the cases below to mean anything.
    let over = (1..=60)
        .find(|&n| len_of(n) > DEFAULT_EVENT_PATTERN_MAX_LEN)
        .expect("60 secrets are over the default quota");
    let at_over = len_of(over);
    assert!(
        (DEFAULT_EVENT_PATTERN_MAX_LEN + 1..=EVENT_PATTERN_API_MAX_LEN).contains(&at_over),
        "{at_over}"
    );
    // (secrets, limit, Err(TooLong) of that length, or Ok)
    let cases = [
        (over, DEFAULT_EVENT_PATTERN_MAX_LEN, Some(at_over)),
        (over, EVENT_PATTERN_API_MAX_LEN, None),
        (over, at_over, None),
        (over, at_over - 1, Some(at_over)),
        (60, EVENT_PATTERN_API_MAX_LEN, Some(len_of(60))),
        (1, DEFAULT_EVENT_PATTERN_MAX_LEN, None),
    ];
    for (n, max, too_long) in cases {
        match (with(n, max), too_long) {
            (Ok(p), None) => assert!(p.len() <= max),
            (Err(err @ PatternError::TooLong { .. }), Some(len)) => {
                assert_eq!(err, PatternError::TooLong { len, max });
                assert!(err.to_string().contains(&max.to_string()), "{err}");
            }
            (other, _) => panic!("{n} secrets, limit {max}: {other:?}"),
        }
    }
    for c in &CONFIGS {
        assert!(pattern_for(c).len() <= DEFAULT_EVENT_PATTERN_MAX_LEN);
    }
}

#[test]
fn invalid_configuration_is_refused_as_by_the_metric_filter() {
    let s = |v: &[&str]| strings(v);
    let none: Vec<String> = Vec::new();
    assert!(matches!(
        read_alert_pattern(&pattern_input(&s(&["prod/*x*"]), &none, &none, true)),
        Err(PatternError::InvalidSecret { .. })
    ));
    assert!(matches!(
        read_alert_pattern(&pattern_input(
            &none,
            &s(&["arn:aws:iam::111122223333:role/a*"]),
            &none,
            true
        )),
        Err(PatternError::InvalidPrincipal { .. })
    ));
    assert!(matches!(
        read_alert_pattern(&pattern_input(&none, &none, &s(&["Get\"Secret"]), true)),
        Err(PatternError::InvalidEvent { .. })
    ));
}

// ---------------------------------------------------------------------------
// The evaluator.

#[rustfmt::skip]
const SEMANTICS: &[(&str, &str, &str, bool)] = &[
    // (what, pattern, event, matches)
    ("exists:false, missing", r#"{"a":[{"exists":false}]}"#, r#"{}"#, true),
    ("exists:false, null is present", r#"{"a":[{"exists":false}]}"#, r#"{"a":null}"#, false),
    ("exists:false, present", r#"{"a":[{"exists":false}]}"#, r#"{"a":"x"}"#, false),
    ("exists:false, object is not a leaf", r#"{"a":[{"exists":false}]}"#, r#"{"a":{"b":1}}"#, true),
    ("exists:false, empty array", r#"{"a":[{"exists":false}]}"#, r#"{"a":[]}"#, true),
    ("exists:false, parent missing", r#"{"p":{"a":[{"exists":false}]}}"#, r#"{}"#, true),
    ("exists:false, parent a string", r#"{"p":{"a":[{"exists":false}]}}"#, r#"{"p":"s"}"#, true),
    ("exists:true, null", r#"{"a":[{"exists":true}]}"#, r#"{"a":null}"#, true),
    ("exists:true, missing", r#"{"a":[{"exists":true}]}"#, r#"{}"#, false),
    ("exists:true, object", r#"{"a":[{"exists":true}]}"#, r#"{"a":{"b":1}}"#, false),
    ("exists:true, false is a value", r#"{"a":[{"exists":true}]}"#, r#"{"a":false}"#, true),
    ("anything-but, missing", r#"{"a":[{"anything-but":["x"]}]}"#, r#"{}"#, false),
    ("anything-but, parent missing", r#"{"p":{"a":[{"anything-but":["x"]}]}}"#, r#"{}"#, false),
    ("anything-but, other value", r#"{"a":[{"anything-but":["x"]}]}"#, r#"{"a":"y"}"#, true),
    ("anything-but, excluded value", r#"{"a":[{"anything-but":["x","y"]}]}"#, r#"{"a":"y"}"#, false),
    ("anything-but single string", r#"{"a":[{"anything-but":"x"}]}"#, r#"{"a":"x"}"#, false),
    ("anything-but, null is not x", r#"{"a":[{"anything-but":["x"]}]}"#, r#"{"a":null}"#, true),
    ("anything-but numbers", r#"{"a":[{"anything-but":[1,2]}]}"#, r#"{"a":2.0}"#, false),
    ("anything-but numbers, other", r#"{"a":[{"anything-but":[1,2]}]}"#, r#"{"a":3}"#, true),
    ("anything-but prefix", r#"{"a":[{"anything-but":{"prefix":"us-"}}]}"#, r#"{"a":"us-east-1"}"#, false),
    ("anything-but prefix, other", r#"{"a":[{"anything-but":{"prefix":"us-"}}]}"#, r#"{"a":"eu-west-1"}"#, true),
    ("anything-but suffix", r#"{"a":[{"anything-but":{"suffix":".png"}}]}"#, r#"{"a":"x.png"}"#, false),
    ("anything-but wildcard list", r#"{"a":[{"anything-but":{"wildcard":["*/lib/*","x"]}}]}"#, r#"{"a":"/usr/lib/z"}"#, false),
    ("anything-but wildcard list, exact entry", r#"{"a":[{"anything-but":{"wildcard":["*/lib/*","x"]}}]}"#, r#"{"a":"x"}"#, false),
    ("anything-but wildcard list, other", r#"{"a":[{"anything-but":{"wildcard":["*/lib/*","x"]}}]}"#, r#"{"a":"xy"}"#, true),
    ("exists:false OR anything-but, missing", r#"{"a":[{"exists":false},{"anything-but":["x"]}]}"#, r#"{}"#, true),
    ("exists:false OR anything-but, excluded", r#"{"a":[{"exists":false},{"anything-but":["x"]}]}"#, r#"{"a":"x"}"#, false),
    ("array of scalars, one matches", r#"{"a":["b"]}"#, r#"{"a":["a","b"]}"#, true),
    ("array of scalars, none matches", r#"{"a":["c"]}"#, r#"{"a":["a","b"]}"#, false),
    ("array of arrays is flattened", r#"{"a":["b"]}"#, r#"{"a":[["a"],["b"]]}"#, true),
    ("anything-but on array, one differs", r#"{"a":[{"anything-but":["a"]}]}"#, r#"{"a":["a","b"]}"#, true),
    ("anything-but on array, all excluded", r#"{"a":[{"anything-but":["a"]}]}"#, r#"{"a":["a"]}"#, false),
    ("array of objects, one element matches", r#"{"e":{"f":["Anna"],"l":["Smith"]}}"#, r#"{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}"#, true),
    ("array of objects, fields from two elements", r#"{"e":{"f":["Anna"],"l":["Doe"]}}"#, r#"{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}"#, false),
    ("object node against a scalar", r#"{"a":{"b":["1"]}}"#, r#"{"a":"1"}"#, false),
    ("matcher list against an object", r#"{"a":["1"]}"#, r#"{"a":{"b":"1"}}"#, false),
    ("wildcard in the middle", r#"{"a":[{"wildcard":"a*c"}]}"#, r#"{"a":"abbc"}"#, true),
    ("wildcard matches zero characters (AWS)", r#"{"a":[{"wildcard":"a*c"}]}"#, r#"{"a":"ac"}"#, true),
    ("wildcard, wrong end", r#"{"a":[{"wildcard":"a*c"}]}"#, r#"{"a":"abcd"}"#, false),
    ("wildcard at both ends", r#"{"a":[{"wildcard":"*:secret:*"}]}"#, r#"{"a":"arn:aws:x:secret:y"}"#, true),
    ("wildcard, backtracking", r#"{"a":[{"wildcard":"*ab*abc"}]}"#, r#"{"a":"xabyababc"}"#, true),
    ("wildcard, escaped star", r#"{"a":[{"wildcard":"a\\*"}]}"#, r#"{"a":"a*"}"#, true),
    ("wildcard, escaped star is literal", r#"{"a":[{"wildcard":"a\\*"}]}"#, r#"{"a":"ab"}"#, false),
    ("wildcard, escaped backslash", r#"{"a":[{"wildcard":"a\\\\*"}]}"#, r#"{"a":"a\\b"}"#, true),
    ("wildcard only matches strings", r#"{"a":[{"wildcard":"*"}]}"#, r#"{"a":5}"#, false),
    ("prefix", r#"{"a":[{"prefix":"Access"}]}"#, r#"{"a":"AccessDenied"}"#, true),
    ("prefix only matches strings", r#"{"a":[{"prefix":"5"}]}"#, r#"{"a":55}"#, false),
    ("suffix", r#"{"a":[{"suffix":".png"}]}"#, r#"{"a":"x.PNG"}"#, false),
    ("equals-ignore-case", r#"{"a":[{"equals-ignore-case":"EventB"}]}"#, r#"{"a":"eventb"}"#, true),
    ("equals-ignore-case is not a prefix", r#"{"a":[{"equals-ignore-case":"EventB"}]}"#, r#"{"a":"eventbridge"}"#, false),
    ("number equals number", r#"{"a":[5]}"#, r#"{"a":5.0}"#, true),
    ("number is not a string", r#"{"a":[5]}"#, r#"{"a":"5"}"#, false),
    ("string is not a number", r#"{"a":["5"]}"#, r#"{"a":5}"#, false),
    ("negative and exponent", r#"{"a":[-300]}"#, r#"{"a":-3e2}"#, true),
    ("boolean", r#"{"a":[true]}"#, r#"{"a":true}"#, true),
    ("boolean is not a string", r#"{"a":[true]}"#, r#"{"a":"true"}"#, false),
    ("null matches null", r#"{"a":[null]}"#, r#"{"a":null}"#, true),
    ("null does not match missing", r#"{"a":[null]}"#, r#"{}"#, false),
    ("empty string", r#"{"a":[""]}"#, r#"{"a":""}"#, true),
    ("AND of fields", r#"{"a":["1"],"b":["2"]}"#, r#"{"a":"1","b":"3"}"#, false),
    ("$or, one branch", r#"{"a":["1"],"$or":[{"b":["2"]},{"c":["3"]}]}"#, r#"{"a":"1","c":"3"}"#, true),
    ("$or, no branch", r#"{"a":["1"],"$or":[{"b":["2"]},{"c":["3"]}]}"#, r#"{"a":"1"}"#, false),
    ("$or does not replace the other fields", r#"{"a":["1"],"$or":[{"b":["2"]},{"c":["3"]}]}"#, r#"{"b":"2"}"#, false),
    ("$or nested under a missing object", r#"{"d":{"$or":[{"x":[{"exists":false}]},{"y":["1"]}]}}"#, r#"{}"#, true),
    ("$or branches with an AND inside", r#"{"$or":[{"a":["1"],"b":["2"]},{"c":["3"]}]}"#, r#"{"a":"1","b":"9"}"#, false),
    ("nested $or", r#"{"$or":[{"a":["1"],"$or":[{"b":["2"]},{"c":["3"]}]},{"d":["4"]}]}"#, r#"{"a":"1","c":"3"}"#, true),
    ("extra event fields are ignored", r#"{"a":["1"]}"#, r#"{"a":"1","z":{"deep":[1,2]}}"#, true),
];

/// Checks a table of (what, pattern, event, whether it matches): each
/// pattern parses, round-trips, and gives the expected verdict; every
/// failure is reported, not just the first.
pub(super) fn assert_pattern_verdicts(table: &[(&str, &str, &str, bool)]) {
    let mut failures = Vec::new();
    for (what, pattern, event, expected) in table {
        let p = EventPattern::parse(pattern).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(EventPattern::parse(&p.to_json()).as_ref(), Ok(&p), "{what}");
        let event: Value = serde_json::from_str(event).unwrap_or_else(|e| panic!("{what}: {e}"));
        if p.matches(&event) != *expected {
            failures.push(format!("{what}: expected {expected}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn evaluator_semantics() {
    assert_pattern_verdicts(SEMANTICS);
}

#[test]
fn an_event_that_is_not_an_object_never_matches() {
    let p = EventPattern::parse(r#"{"a":[{"exists":false}]}"#).unwrap();
    for e in [json!([]), json!("a"), json!(null), json!(1)] {
        assert!(!p.matches(&e), "{e}");
    }
    assert!(p.matches(&json!({})));
}

#[test]
fn built_patterns_serialise_as_written() {
    let p = EventPattern::new()
        .with(
            "b",
            vec![
                Matcher::exact("x"),
                Matcher::Exact(json!(5)),
                Matcher::Exact(Value::Null),
            ],
        )
        .with(
            "a",
            EventPattern::new().with(
                "c",
                vec![
                    Matcher::AnythingBut(AnythingBut::Values(vec![json!("y")])),
                    Matcher::AnythingBut(AnythingBut::Prefix("p".into())),
                    Matcher::AnythingBut(AnythingBut::Suffix("s".into())),
                    Matcher::AnythingBut(AnythingBut::Wildcard(vec!["w*".into()])),
                    Matcher::EqualsIgnoreCase("E".into()),
                    Matcher::Suffix("z".into()),
                ],
            ),
        )
        .with_any_of(vec![
            EventPattern::new().with("d", vec![Matcher::Exists(true)]),
            EventPattern::new().with("e", vec![Matcher::Wildcard("*".into())]),
        ])
        .unwrap();
    let text = r#"{"a":{"c":[{"anything-but":["y"]},{"anything-but":{"prefix":"p"}},{"anything-but":{"suffix":"s"}},{"anything-but":{"wildcard":["w*"]}},{"equals-ignore-case":"E"},{"suffix":"z"}]},"b":["x",5,null],"$or":[{"d":[{"exists":true}]},{"e":[{"wildcard":"*"}]}]}"#;
    assert_eq!(p.to_json(), text);
    assert_eq!(EventPattern::parse(text), Ok(p.clone()));
    assert!(matches!(p.fields().get("a"), Some(Node::Object(_))));
    assert_eq!(p.any_of().len(), 2);
    assert!(EventPattern::new()
        .with_any_of(vec![EventPattern::new()])
        .is_err());
    // A single anything-but value or wildcard is read as a one-element list.
    assert_eq!(
        EventPattern::parse(r#"{"a":[{"anything-but":"x"},{"anything-but":{"wildcard":"w*"}}]}"#)
            .unwrap()
            .to_json(),
        r#"{"a":[{"anything-but":["x"]},{"anything-but":{"wildcard":["w*"]}}]}"#
    );
}

#[test]
fn parse_rejects_malformed_patterns() {
    #[rustfmt::skip]
    let bad: &[(&str, &str)] = &[
        ("", "not JSON"),
        ("{", "not JSON"),
        ("[]", "a JSON object"),
        (r#""a""#, "a JSON object"),
        ("{}", "at least one field"),
        (r#"{"a":{}}"#, "at least one field"),
        (r#"{"a":"x"}"#, "array of matchers"),
        (r#"{"a":5}"#, "array of matchers"),
        (r#"{"a":[]}"#, "cannot be empty"),
        (r#"{"a":[["x"]]}"#, "scalar or an operator"),
        (r#"{"a":["x"],"a":["y"]}"#, "duplicate key"),
        (r#"{"a":{"b":["x"],"b":["y"]}}"#, "duplicate key"),
        (r#"{"a":[{}]}"#, "exactly one key"),
        (r#"{"a":[{"prefix":"x","suffix":"y"}]}"#, "exactly one key"),
        (r#"{"a":[{"prefix":5}]}"#, "takes a string"),
        (r#"{"a":[{"prefix":{"wildcard":"x"}}]}"#, "not supported"),
        (r#"{"a":[{"suffix":null}]}"#, "takes a string"),
        (r#"{"a":[{"exists":"true"}]}"#, "true or false"),
        (r#"{"a":[{"numeric":[">",0]}]}"#, "not supported"),
        (r#"{"a":[{"cidr":"10.0.0.0/8"}]}"#, "not supported"),
        (r#"{"a":[{"contains":"x"}]}"#, "unknown operator"),
        (r#"{"a":[{"anything-but":[]}]}"#, "at least one value"),
        (r#"{"a":[{"anything-but":["x",1]}]}"#, "all strings or all numbers"),
        (r#"{"a":[{"anything-but":true}]}"#, "anything-but takes"),
        (r#"{"a":[{"anything-but":null}]}"#, "anything-but takes"),
        (r#"{"a":[{"anything-but":{"numeric":[">",1]}}]}"#, "not supported"),
        (r#"{"a":[{"anything-but":{"prefix":1}}]}"#, "takes a string"),
        (r#"{"a":[{"anything-but":{"wildcard":[]}}]}"#, "at least one pattern"),
        (r#"{"a":[{"anything-but":{"wildcard":[1]}}]}"#, "list of strings"),
        (r#"{"a":[{"anything-but":{"prefix":"a","suffix":"b"}}]}"#, "exactly one key"),
        (r#"{"a":[{"wildcard":"a**b"}]}"#, "consecutive"),
        (r#"{"a":[{"wildcard":"a\\b"}]}"#, "backslash"),
        (r#"{"a":[{"wildcard":"a\\"}]}"#, "backslash"),
        (r#"{"$or":[{"a":["1"]}]}"#, "at least two branches"),
        (r#"{"$or":[]}"#, "at least one field"),
        (r#"{"$or":{"a":["1"]}}"#, "array of patterns"),
        (r#"{"$or":[{"a":["1"]},"b"]}"#, "branch is an object"),
        (r#"{"$or":[{"a":["1"]},{}]}"#, "at least one field"),
    ];
    for (text, reason) in bad {
        match EventPattern::parse(text) {
            Ok(p) => panic!("{text:?} parsed as {p:?}"),
            Err(e) => assert!(e.to_string().contains(reason), "{text:?}: {e}"),
        }
    }
    let e = EventPattern::parse(r#"{"detail":{"userIdentity":{"arn":[{"exists":false},{"anything-but":{"wildcard":"a**"}}]}}}"#).unwrap_err();
    assert_eq!(e.path, "detail.userIdentity.arn[1].anything-but");
}

// ---------------------------------------------------------------------------
// The tamper pattern.

const TRAIL: &str = "secretmonitor-prod";
const TRAIL_ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/secretmonitor-prod";
const GROUP: &str = "/secretmonitor/prod";
const ALARM: &str = "secretmonitor-prod-reads";
const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:x-alerts";
const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALIAS: &str = "alias/secretmonitor-prod";
const READ_RULE: &str = "prod-secret-reads";
const STAGED_RULES: &str = "prod-reads-";

fn full_targets() -> TamperTargets<'static> {
    TamperTargets {
        trail: Some(TrailTarget {
            name: TRAIL,
            arn: TRAIL_ARN,
        }),
        log_group_name: GROUP,
        alarm_name: ALARM,
        topic_arn: TOPIC,
        key: Some(KeyTarget {
            key_id: KEY_ID,
            arn: KEY_ARN,
            alias: ALIAS,
        }),
        read_rules: ReadRulesTarget {
            single: READ_RULE,
            staged_prefix: STAGED_RULES,
        },
    }
}

/// A CloudTrail-delivered event of `service` (`cloudtrail`, `logs`, ...).
fn call(service: &str, event_name: &str, params: Value) -> Value {
    json!({
        "version": "0",
        "id": "6f8b2b8c-0000-4000-8000-000000000000",
        "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{service}"),
        "account": "111122223333",
        "time": "2024-06-11T09:41:27Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/mallory", "accountId": "111122223333"},
            "eventSource": format!("{service}.amazonaws.com"),
            "eventName": event_name,
            "awsRegion": "us-east-1",
            "requestParameters": params,
            "responseElements": null,
            "eventType": "AwsApiCall",
        }
    })
}

#[rustfmt::skip]
fn tamper_cases() -> Vec<(&'static str, Value, bool)> {
    const OTHER_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/other";
    const OTHER_TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:x-alerts-2";
    vec![
        ("StopLogging by name", call("cloudtrail", "StopLogging", json!({"name": TRAIL})), true),
        ("StopLogging by ARN", call("cloudtrail", "StopLogging", json!({"name": TRAIL_ARN})), true),
        ("DeleteTrail", call("cloudtrail", "DeleteTrail", json!({"name": TRAIL})), true),
        ("UpdateTrail", call("cloudtrail", "UpdateTrail", json!({"name": TRAIL_ARN, "s3BucketName": "elsewhere"})), true),
        ("PutEventSelectors", call("cloudtrail", "PutEventSelectors", json!({"trailName": TRAIL, "eventSelectors": []})), true),
        ("PutEventSelectors by ARN", call("cloudtrail", "PutEventSelectors", json!({"trailName": TRAIL_ARN})), true),
        ("StopLogging, another trail", call("cloudtrail", "StopLogging", json!({"name": OTHER_TRAIL})), false),
        ("DeleteTrail, another trail name", call("cloudtrail", "DeleteTrail", json!({"name": "other"})), false),
        ("PutEventSelectors, another trail", call("cloudtrail", "PutEventSelectors", json!({"trailName": "other"})), false),
        ("StartLogging is harmless", call("cloudtrail", "StartLogging", json!({"name": TRAIL})), false),
        ("DescribeTrails is harmless", call("cloudtrail", "DescribeTrails", json!({"trailNameList": [TRAIL]})), false),
        ("DeleteMetricFilter", call("logs", "DeleteMetricFilter", json!({"logGroupName": GROUP, "filterName": "reads"})), true),
        ("DeleteLogGroup", call("logs", "DeleteLogGroup", json!({"logGroupName": GROUP})), true),
        ("DeleteLogGroup, another group", call("logs", "DeleteLogGroup", json!({"logGroupName": "/secretmonitor/prod-2"})), false),
        ("PutRetentionPolicy is not listed", call("logs", "PutRetentionPolicy", json!({"logGroupName": GROUP, "retentionInDays": 1})), false),
        ("DeleteAlarms, among others", call("monitoring", "DeleteAlarms", json!({"alarmNames": ["unrelated", ALARM]})), true),
        ("DeleteAlarms, only others", call("monitoring", "DeleteAlarms", json!({"alarmNames": ["unrelated", "secretmonitor-prod-reads-2"]})), false),
        ("DisableAlarmActions", call("monitoring", "DisableAlarmActions", json!({"alarmNames": [ALARM]})), true),
        ("DisableAlarmActions, another alarm", call("monitoring", "DisableAlarmActions", json!({"alarmNames": ["unrelated"]})), false),
        ("EnableAlarmActions is harmless", call("monitoring", "EnableAlarmActions", json!({"alarmNames": [ALARM]})), false),
        ("DeleteTopic", call("sns", "DeleteTopic", json!({"topicArn": TOPIC})), true),
        ("SetTopicAttributes", call("sns", "SetTopicAttributes", json!({"topicArn": TOPIC, "attributeName": "Policy"})), true),
        ("DeleteTopic, another topic", call("sns", "DeleteTopic", json!({"topicArn": OTHER_TOPIC})), false),
        ("GetTopicAttributes is harmless", call("sns", "GetTopicAttributes", json!({"topicArn": TOPIC})), false),
        ("Unsubscribe", call("sns", "Unsubscribe", json!({"subscriptionArn": format!("{TOPIC}:0b4d1f5e-1111-4222-8333-444455556666")})), true),
        ("Unsubscribe from a topic sharing the prefix", call("sns", "Unsubscribe", json!({"subscriptionArn": format!("{OTHER_TOPIC}:0b4d1f5e-1111-4222-8333-444455556666")})), false),
        ("DisableKey by ID", call("kms", "DisableKey", json!({"keyId": KEY_ID})), true),
        ("DisableKey by ARN", call("kms", "DisableKey", json!({"keyId": KEY_ARN})), true),
        ("DisableKey by alias", call("kms", "DisableKey", json!({"keyId": ALIAS})), true),
        ("ScheduleKeyDeletion", call("kms", "ScheduleKeyDeletion", json!({"keyId": KEY_ARN, "pendingWindowInDays": 7})), true),
        ("ScheduleKeyDeletion, another key", call("kms", "ScheduleKeyDeletion", json!({"keyId": "ffffffff-12ab-34cd-56ef-1234567890ab"})), false),
        ("EnableKey is harmless", call("kms", "EnableKey", json!({"keyId": KEY_ID})), false),
        ("DisableRule, the single read rule", call("events", "DisableRule", json!({"name": READ_RULE})), true),
        ("DisableRule, a caller rule", call("events", "DisableRule", json!({"name": "prod-reads-c-0a1b2c3d"})), true),
        ("DisableRule, a scope rule on its bus", call("events", "DisableRule", json!({"name": "prod-reads-s-0a1b2c3d", "eventBusName": "prod-secret-reads"})), true),
        ("DisableRule, another pipeline's rule", call("events", "DisableRule", json!({"name": "prod-2-secret-reads"})), false),
        ("DisableRule, a name extending the single rule", call("events", "DisableRule", json!({"name": "prod-secret-reads-2"})), false),
        ("EnableRule is harmless", call("events", "EnableRule", json!({"name": READ_RULE})), false),
        ("DeleteRule is the pipeline's own update", call("events", "DeleteRule", json!({"name": "prod-reads-c-0a1b2c3d"})), false),
        ("right call and name, wrong service", call("sns", "DeleteLogGroup", json!({"logGroupName": GROUP})), false),
        ("no request parameters", call("logs", "DeleteLogGroup", Value::Null), false),
    ]
}

#[test]
fn tamper_pattern_catches_attacks_on_the_pipeline_only() {
    let p = tamper_pattern(&full_targets());
    assert_eq!(EventPattern::parse(&p.to_json()), Ok(p.clone()));
    let mut failures = Vec::new();
    for (what, event, expected) in tamper_cases() {
        if p.matches(&event) != expected {
            failures.push(format!("{what}: expected {expected}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tamper_pattern_counts_failed_attempts_and_needs_the_cloudtrail_detail_type() {
    let p = tamper_pattern(&full_targets());
    let mut denied = call("kms", "ScheduleKeyDeletion", json!({"keyId": KEY_ID}));
    denied["detail"]["errorCode"] = json!("AccessDenied");
    assert!(p.matches(&denied));
    let mut other_type = call("logs", "DeleteLogGroup", json!({"logGroupName": GROUP}));
    other_type["detail-type"] = json!("AWS Service Event via CloudTrail");
    assert!(!p.matches(&other_type));
}

#[test]
fn tamper_pattern_without_trail_or_key() {
    let targets = TamperTargets {
        trail: None,
        key: None,
        ..full_targets()
    };
    let p = tamper_pattern(&targets);
    assert_eq!(EventPattern::parse(&p.to_json()), Ok(p.clone()));
    let text = p.to_json();
    assert!(
        !text.contains("cloudtrail.amazonaws.com") && !text.contains("kms.amazonaws.com"),
        "{text}"
    );
    assert_eq!(p.any_of().len(), 5);
    for (what, event, expected) in tamper_cases() {
        let service = event["source"].as_str().unwrap();
        let expected = expected && service != "aws.cloudtrail" && service != "aws.kms";
        assert_eq!(p.matches(&event), expected, "{what}");
    }
}

#[test]
fn tamper_pattern_json() {
    let p = tamper_pattern(&full_targets());
    let expected = json!({
        "detail-type": ["AWS API Call via CloudTrail"],
        "$or": [
            {"detail": {"eventSource": ["cloudtrail.amazonaws.com"], "eventName": ["DeleteTrail", "StopLogging", "UpdateTrail"], "requestParameters": {"name": [TRAIL_ARN, TRAIL]}}},
            {"detail": {"eventSource": ["cloudtrail.amazonaws.com"], "eventName": ["PutEventSelectors"], "requestParameters": {"trailName": [TRAIL_ARN, TRAIL]}}},
            {"detail": {"eventSource": ["logs.amazonaws.com"], "eventName": ["DeleteLogGroup", "DeleteMetricFilter"], "requestParameters": {"logGroupName": [GROUP]}}},
            {"detail": {"eventSource": ["monitoring.amazonaws.com"], "eventName": ["DeleteAlarms", "DisableAlarmActions"], "requestParameters": {"alarmNames": [ALARM]}}},
            {"detail": {"eventSource": ["sns.amazonaws.com"], "eventName": ["DeleteTopic", "SetTopicAttributes"], "requestParameters": {"topicArn": [TOPIC]}}},
            {"detail": {"eventSource": ["sns.amazonaws.com"], "eventName": ["Unsubscribe"], "requestParameters": {"subscriptionArn": [{"prefix": format!("{TOPIC}:")}]}}},
            {"detail": {"eventSource": ["events.amazonaws.com"], "eventName": ["DisableRule"], "requestParameters": {"name": [READ_RULE, {"prefix": STAGED_RULES}]}}},
            {"detail": {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"], "requestParameters": {"keyId": [KEY_ID, ALIAS, KEY_ARN]}}},
        ]
    });
    assert_eq!(p.to_value(), expected);
    assert!(p.len() <= DEFAULT_EVENT_PATTERN_MAX_LEN);
}
