//! Generation: exact text of the typical configuration, structure, limits.

use crate::pattern::{
    fitting_entries, generate, parse, PatternError, PatternInput, DEFAULT_EVENT_PATTERN_MAX_LEN,
    MAX_PATTERN_LEN,
};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn gen(
    secrets: &[&str],
    allowed: &[&str],
    events: &[&str],
    denied: bool,
) -> Result<String, PatternError> {
    let (a, b, c) = (s(secrets), s(allowed), s(events));
    generate(&PatternInput {
        secrets: &a,
        allowed_principals: &b,
        watched_events: &c,
        alert_on_denied: denied,
        event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
    })
    .map(|p| p.text())
}

pub(super) const TYPICAL: &str = concat!(
    r#"{ $.eventSource = "secretsmanager.amazonaws.com""#,
    r#" && ($.errorCode NOT EXISTS || $.errorCode = "AccessDenied*")"#,
    r#" && (($.eventName = "GetSecretValue""#,
    r#" && ($.requestParameters.secretId = "prod/*" || $.requestParameters.secretId = "*:secret:prod/*""#,
    r#" || ($.requestParameters.secretId NOT EXISTS && $.errorCode = "AccessDenied*""#,
    r#" && ($.errorMessage NOT EXISTS || $.errorMessage != "*on resource: *""#,
    r#" || $.errorMessage = "*on resource: prod/*" || $.errorMessage = "*:secret:prod/*"))))"#,
    r#" || ($.eventName = "BatchGetSecretValue" && $.errorCode = "AccessDenied*"))"#,
    r#" && ($.userIdentity.arn NOT EXISTS"#,
    r#" || $.userIdentity.arn != "arn:aws:sts::111122223333:assumed-role/app/*") }"#,
);

#[test]
fn typical_configuration_text() {
    let t = gen(
        &["prod/*"],
        &["arn:aws:iam::111122223333:role/app"],
        &[],
        true,
    )
    .unwrap();
    assert_eq!(t, TYPICAL);
    assert_eq!(t.len(), 656);
}

#[test]
fn successes_only_when_denied_alerts_are_off() {
    let t = gen(&["prod/*"], &[], &[], false).unwrap();
    assert_eq!(
        t,
        r#"{ $.eventSource = "secretsmanager.amazonaws.com" && $.errorCode NOT EXISTS && $.eventName = "GetSecretValue" && ($.requestParameters.secretId = "prod/*" || $.requestParameters.secretId = "*:secret:prod/*") }"#
    );
}

#[test]
fn unscoped_watches_the_events_themselves() {
    let t = gen(&[], &[], &[], false).unwrap();
    assert_eq!(
        t,
        r#"{ $.eventSource = "secretsmanager.amazonaws.com" && $.errorCode NOT EXISTS && ($.eventName = "BatchGetSecretValue" || $.eventName = "GetSecretValue") }"#
    );
}

#[test]
fn exact_name_and_arn_forms() {
    let t = gen(
        &[
            "db-password",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3",
        ],
        &[],
        &["GetSecretValue"],
        false,
    )
    .unwrap();
    for v in [
        r#"$.requestParameters.secretId = "db-password""#,
        r#"$.requestParameters.secretId = "*:secret:db-password""#,
        r#"$.requestParameters.secretId = "*:secret:db-password-*""#,
        r#"$.requestParameters.secretId = "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3""#,
        r#"$.requestParameters.secretId = "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key""#,
        r#"$.requestParameters.secretId = "billing/api-key""#,
    ] {
        assert!(t.contains(v), "{v} not in {t}");
    }
}

#[test]
fn batch_only_under_scope_still_watches_per_secret_records() {
    let t = gen(&["prod/*"], &[], &["BatchGetSecretValue"], false).unwrap();
    assert!(t.contains(r#"$.eventName = "GetSecretValue""#), "{t}");
    let p = parse(&t).unwrap();
    assert!(p.matches(
        r#"{"eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue", "requestParameters": {"secretId": "prod/x"}}"#
    ));
}

#[test]
fn all_principal_kinds_are_excluded_with_not_exists_guards() {
    let t = gen(
        &[],
        &[
            "arn:aws:iam::111122223333:role/a",
            "arn:aws:iam::111122223333:user/u",
            "arn:aws:iam::111122223333:root",
            "444455556666",
        ],
        &[],
        false,
    )
    .unwrap();
    assert_eq!(
        t,
        concat!(
            r#"{ $.eventSource = "secretsmanager.amazonaws.com" && $.errorCode NOT EXISTS"#,
            r#" && ($.eventName = "BatchGetSecretValue" || $.eventName = "GetSecretValue")"#,
            r#" && ($.userIdentity.arn NOT EXISTS || ($.userIdentity.arn != "arn:aws:sts::111122223333:assumed-role/a/*""#,
            r#" && $.userIdentity.arn != "arn:aws:iam::111122223333:root""#,
            r#" && $.userIdentity.arn != "arn:aws:iam::111122223333:user/u"))"#,
            r#" && ($.userIdentity.accountId NOT EXISTS || $.userIdentity.accountId != "444455556666") }"#,
        )
    );
}

#[test]
fn role_with_path_is_matched_by_name_in_its_account() {
    let t = gen(
        &[],
        &["arn:aws-us-gov:iam::111122223333:role/service/team/app-runner"],
        &[],
        false,
    )
    .unwrap();
    assert!(
        t.contains(
            r#"$.userIdentity.arn != "arn:aws-us-gov:sts::111122223333:assumed-role/app-runner/*""#
        ),
        "{t}"
    );
}

#[test]
fn output_does_not_depend_on_input_order_or_duplicates() {
    let a = gen(
        &["b/*", "a", "a"],
        &[
            "111122223333",
            "arn:aws:iam::1:role/x"
                .replace("1:", "111122223333:")
                .as_str(),
        ],
        &["GetSecretValue", "BatchGetSecretValue"],
        true,
    )
    .unwrap();
    let b = gen(
        &["a", "b/*"],
        &[
            "arn:aws:iam::111122223333:role/x",
            "111122223333",
            "111122223333",
        ],
        &["BatchGetSecretValue", "GetSecretValue", "GetSecretValue"],
        true,
    )
    .unwrap();
    assert_eq!(a, b);
}

#[test]
fn empty_event_list_means_default_events() {
    assert_eq!(
        gen(&["x"], &[], &[], true).unwrap(),
        gen(
            &["x"],
            &[],
            &["GetSecretValue", "BatchGetSecretValue"],
            true
        )
        .unwrap()
    );
}

#[test]
fn too_long_and_fitting_entries() {
    let secrets: Vec<String> = (0..40)
        .map(|i| format!("team-{i:02}/service/credentials"))
        .collect();
    let allowed = s(&["arn:aws:iam::111122223333:role/app"]);
    let input = PatternInput {
        secrets: &secrets,
        allowed_principals: &allowed,
        watched_events: &[],
        alert_on_denied: true,
        event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
    };
    let err = generate(&input).unwrap_err();
    let PatternError::TooLong { len, max } = err else {
        panic!("{err:?}")
    };
    assert_eq!(max, MAX_PATTERN_LEN);
    assert!(len > MAX_PATTERN_LEN);
    assert!(err.to_string().contains("1024"));

    let fit = fitting_entries(&input).unwrap();
    assert_eq!(fit.len, len);
    assert!(fit.secrets > 0 && fit.secrets < secrets.len(), "{fit:?}");
    assert_eq!(
        fit.allowed_principals, 0,
        "even no principal leaves 40 secrets too long"
    );
    assert_eq!(fit.watched_events, 0);
    // n fits, n + 1 does not.
    let ok = PatternInput {
        secrets: &secrets[..fit.secrets],
        ..input
    };
    assert!(generate(&ok).unwrap().len() <= MAX_PATTERN_LEN);
    let over = PatternInput {
        secrets: &secrets[..fit.secrets + 1],
        ..input
    };
    assert!(matches!(generate(&over), Err(PatternError::TooLong { .. })));
}

#[test]
fn fitting_entries_of_a_pattern_that_fits() {
    let secrets = s(&["prod/*"]);
    let allowed = s(&["arn:aws:iam::111122223333:role/app"]);
    let input = PatternInput {
        secrets: &secrets,
        allowed_principals: &allowed,
        watched_events: &[],
        alert_on_denied: true,
        event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
    };
    let fit = fitting_entries(&input).unwrap();
    assert_eq!(
        (
            fit.len,
            fit.secrets,
            fit.allowed_principals,
            fit.watched_events
        ),
        (656, 1, 1, 2)
    );
}

#[test]
fn many_principals_report_how_many_fit() {
    let allowed: Vec<String> = (0..30)
        .map(|i| format!("arn:aws:iam::111122223333:role/application-role-{i:02}"))
        .collect();
    let secrets = s(&["prod/*"]);
    let input = PatternInput {
        secrets: &secrets,
        allowed_principals: &allowed,
        watched_events: &[],
        alert_on_denied: true,
        event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
    };
    assert!(matches!(
        generate(&input),
        Err(PatternError::TooLong { .. })
    ));
    let fit = fitting_entries(&input).unwrap();
    assert!(
        fit.allowed_principals > 0 && fit.allowed_principals < 30,
        "{fit:?}"
    );
    let ok = PatternInput {
        allowed_principals: &allowed[..fit.allowed_principals],
        ..input
    };
    assert!(generate(&ok).is_ok());
    assert_eq!(fit.secrets, 0);
}

#[test]
fn invalid_inputs_are_rejected() {
    let bad_secrets: &[&str] = &[
        "",
        "*",
        "prod/**",
        "pr*od",
        "*prod",
        "has space",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-password", // partial ARN
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*",
        "arn:aws:ssm:us-east-1:111122223333:parameter/x",
        "arn:aws:secretsmanager:us-east-1:1111:secret:x-AbC123",
    ];
    for v in bad_secrets {
        assert!(
            matches!(
                gen(&[v], &[], &[], true),
                Err(PatternError::InvalidSecret { .. })
            ),
            "{v:?}"
        );
    }
    let bad_principals: &[&str] = &[
        "",
        "app",
        "11112222333",
        "1111222233334",
        "arn:aws:sts::111122223333:assumed-role/app/session",
        "arn:aws:iam::111122223333:role/app*",
        "arn:aws:iam::111122223333:role/",
        "arn:aws:iam::111122223333:role//app",
        "arn:aws:iam::111122223333:group/admins",
        "arn:aws:iam:us-east-1:111122223333:role/app",
        "arn:aws:iam::111122223333:role/app name",
    ];
    for v in bad_principals {
        assert!(
            matches!(
                gen(&[], &[v], &[], true),
                Err(PatternError::InvalidPrincipal { .. })
            ),
            "{v:?}"
        );
    }
    for v in [
        "",
        "Get Secret",
        "GetSecret*",
        "secretsmanager:GetSecretValue",
    ] {
        assert!(
            matches!(
                gen(&[], &[], &[v], true),
                Err(PatternError::InvalidEvent { .. })
            ),
            "{v:?}"
        );
    }
}

#[test]
fn corpus_configs_lengths_leave_headroom() {
    // Every corpus configuration fits; the lengths are those of
    // docs/filter-patterns.md §1.7.
    let expected = [
        ("typical", 656),
        ("typical_no_denied", 314),
        ("exact", EXACT_LEN),
        ("everything", 151),
        ("cross_account_only", 558),
    ];
    for (name, len) in expected {
        let c = super::corpus::config(name);
        let t = gen(c.secrets, c.allowed, c.events, c.alert_on_denied).unwrap();
        assert_eq!(t.len(), len, "{name}: {t}");
        assert!(t.len() <= MAX_PATTERN_LEN);
    }
}

const EXACT_LEN: usize = 977;

#[test]
fn denied_calls_without_a_secret_id_are_judged_by_their_message() {
    // The errorMessage clauses exist only with alert_on_denied and a scope.
    for (secrets, denied, has) in [
        (&["prod/*"][..], true, true),
        (&["prod/*"][..], false, false),
        (&[][..], true, false),
    ] {
        let t = gen(secrets, &[], &[], denied).unwrap();
        assert_eq!(t.contains("$.errorMessage"), has, "{t}");
    }
    // Each entry adds its name after "on resource: " and after ":secret:";
    // a needle holding another one adds nothing.
    let t = gen(
        &["prod/*", "prod/db", "db-password"],
        &[],
        &["GetSecretValue"],
        true,
    )
    .unwrap();
    for (needle, present) in [
        (r#"$.errorMessage = "*on resource: prod/*""#, true),
        (r#"$.errorMessage = "*:secret:prod/*""#, true),
        (r#"$.errorMessage = "*on resource: db-password*""#, true),
        (r#"$.errorMessage = "*:secret:db-password*""#, true),
        (r#"$.errorMessage = "*on resource: prod/db*""#, false),
        (r#"$.errorMessage = "*:secret:prod/db*""#, false),
    ] {
        assert_eq!(t.contains(needle), present, "{needle} in {t}");
    }
}
