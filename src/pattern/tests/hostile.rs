//! No input can change the structure of a pattern: hostile values are either
//! rejected by validation or, at the AST level, escaped so that they parse
//! back as the very same literal.

use crate::pattern::{
    generate, parse, Expr, FilterPattern, PatternError, PatternInput, Selector, StrPattern,
    DEFAULT_EVENT_PATTERN_MAX_LEN,
};

const HOSTILE: &[&str] = &[
    r#"a" || $.eventName = "x"#,
    r#"a\" || $.eventName = \"x"#,
    r#"a\"#,
    r#"\\"#,
    r#"""#,
    r#"} || { $.x NOT EXISTS"#,
    r#") || ($.x NOT EXISTS"#,
    r#"x && $.y = 1"#,
    r#"%.*%"#,
    "line\u{2028}separator",
    "ünïcödé",
    "a*b",
];

#[test]
fn generator_rejects_hostile_values_in_every_list() {
    let mut more: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    more.extend([
        "prod/\" || \"*".to_string(),
        "prod/\n*".to_string(),
        "prod/\t".to_string(),
    ]);
    for v in &more {
        let one = vec![v.clone()];
        let as_secret = generate(&PatternInput {
            secrets: &one,
            allowed_principals: &[],
            watched_events: &[],
            alert_on_denied: true,
            event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
        });
        assert!(
            matches!(as_secret, Err(PatternError::InvalidSecret { .. })),
            "{v:?}: {as_secret:?}"
        );
        let role = vec![format!("arn:aws:iam::111122223333:role/{v}")];
        let as_principal = generate(&PatternInput {
            secrets: &[],
            allowed_principals: &role,
            watched_events: &[],
            alert_on_denied: true,
            event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
        });
        assert!(
            matches!(as_principal, Err(PatternError::InvalidPrincipal { .. })),
            "{v:?}: {as_principal:?}"
        );
        let ev = vec![format!("GetSecretValue{v}")];
        let as_event = generate(&PatternInput {
            secrets: &[],
            allowed_principals: &[],
            watched_events: &ev,
            alert_on_denied: true,
            event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
        });
        assert!(
            matches!(as_event, Err(PatternError::InvalidEvent { .. })),
            "{v:?}: {as_event:?}"
        );
    }
}

#[test]
fn ast_literals_are_escaped_and_round_trip() {
    let a = Selector::keys(&["a"]).unwrap();
    for v in HOSTILE {
        let lit = StrPattern::exact(v).unwrap();
        let fp = FilterPattern::new(Expr::and(vec![
            Expr::eq(&a, lit),
            Expr::NotExists(Selector::keys(&["x"]).unwrap()),
        ]));
        let text = fp.text();
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{v:?} -> {text}: {e}"));
        assert_eq!(parsed, fp.to_pattern(), "{v:?} -> {text}");
        let with = serde_json::json!({ "a": v }).to_string();
        let other = serde_json::json!({ "a": "other", "y": 1, "eventName": "x" }).to_string();
        assert!(fp.matches(&with), "{text} should match {with}");
        assert!(!fp.matches(&other), "{text} should not match {other}");
    }
}

#[test]
fn literals_that_would_read_as_wildcards_are_refused() {
    for v in ["*", "a*", "*a", "**"] {
        assert!(StrPattern::exact(v).is_err(), "{v:?}");
    }
    assert!(StrPattern::exact("control\u{7}").is_err());
    assert!(Selector::keys(&["a.b"]).is_err());
    assert!(Selector::keys(&["a b"]).is_err());
    assert!(Selector::keys(&[""]).is_err());
}
