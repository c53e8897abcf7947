//! Parser: malformed patterns are rejected, and behaviour at the edges of
//! the syntax is as documented in docs/filter-patterns.md.

use crate::pattern::{parse, Expr, Pattern};

#[rustfmt::skip]
const MALFORMED: &[&str] = &[
    "{ $.a = }",                 // missing value
    "{ $.a = \"x\" ",            // missing closing brace
    "{ a = 1 }",                 // selector without $
    "{ $.a }",                   // missing operator
    "{ $.a = \"x\" && }",        // dangling &&
    "{ $.a = \"x\" || }",        // dangling ||
    "{ ($.a = 1 }",              // unbalanced (
    "{ $.a = 1) }",              // unbalanced )
    "{ $.a > abc }",             // numeric operator with a non-number
    "{ $.a < \"5\" }",           // numeric operator with a string
    "{ $.a IS MAYBE }",          // bad IS
    "{ $.a NOT THERE }",         // bad NOT
    "{ $.a EXISTS }",            // undocumented EXISTS
    "{ $.a = \"unterminated }",  // unterminated string
    "{ $. = 1 }",                // empty property
    "{ $.a[x] = 1 }",            // non-numeric index
    "{ $.a[1 = 1 }",             // unclosed index
    "{ $[0] = 1 }",              // index must follow a property
    "{ $ = 1 }",                 // bare root
    "{}",                        // empty JSON pattern
    "{ $.a = 1 $.b = 2 }",       // missing && / ||
    "{ $.a = **x }",             // doubled wildcard
    "{ $.a == 1 }",              // == is not an operator
    "{ $.a = %ab+% }",           // regex not supported
    "%ERROR%",                   // regex not supported
    "foo.bar",                   // unquoted term with punctuation
    "ERROR -",                   // dangling exclusion
    "?",                         // dangling OR
    "\"unterminated",            // unterminated quoted term
    "[a, b = ]",                 // condition without value
    "[a, c = 1 && zz = 2]",      // condition on an undeclared field
    "[a, b",                     // missing ]
    "[]",                        // empty space-delimited pattern
    "[a, = 1]",                  // condition without field name
];

#[test]
fn malformed_patterns_are_rejected() {
    let accepted: Vec<_> = MALFORMED
        .iter()
        .filter_map(|p| parse(p).ok().map(|ok| format!("{p:?} parsed as {ok:?}")))
        .collect();
    assert!(accepted.is_empty(), "{}", accepted.join("\n"));
}

#[test]
fn parse_error_reports_a_position() {
    let e = parse("{ $.a = 1 && $.b ?? 2 }").unwrap_err();
    assert!(e.position >= 13, "{e}");
    assert!(e.to_string().contains("character"));
}

#[test]
fn empty_and_blank_patterns_match_everything() {
    for p in ["", "   ", "\"\""] {
        assert_eq!(parse(p).unwrap(), Pattern::MatchAll, "{p:?}");
        assert!(parse(p).unwrap().matches("whatever"));
    }
}

#[test]
fn ne_does_not_match_a_missing_property() {
    // CloudWatch behaviour (see docs): `!=` needs the property to exist.
    let p = parse(r#"{ $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }"#).unwrap();
    assert!(!p.matches(r#"{"userIdentity": {"accountId": "anonymous"}}"#));
    assert!(p.matches(r#"{"userIdentity": {"invokedBy": "s3.amazonaws.com"}}"#));
    let guarded = parse(
        r#"{ $.userIdentity.invokedBy NOT EXISTS || $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }"#,
    )
    .unwrap();
    assert!(guarded.matches(r#"{"userIdentity": {"accountId": "anonymous"}}"#));
}

#[test]
fn comparisons_on_null_objects_and_type_mismatches() {
    let ev = r#"{"n": null, "o": {"a": 1}, "s": "abc", "num": "42", "b": false}"#;
    let cases = [
        (r#"{ $.n = "*" }"#, false),
        (r#"{ $.n != "x" }"#, false),
        (r#"{ $.o = "*" }"#, false),
        (r#"{ $.o != "x" }"#, false),
        (r#"{ $.s = 5 }"#, false),
        (r#"{ $.s != 5 }"#, false),
        (r#"{ $.num = 42 }"#, true), // numeric string compared as a number
        (r#"{ $.num > 41.5 }"#, true),
        (r#"{ $.num = "4*" }"#, true),
        (r#"{ $.b IS FALSE }"#, true),
        (r#"{ $.b = "false" }"#, true),
        (r#"{ $.s = "*" }"#, true),
        (r#"{ $.s = "*b*" }"#, true),
        (r#"{ $.s = "ABC" }"#, false), // case-sensitive
        (r#"{ $.s.x NOT EXISTS }"#, true),
    ];
    for (p, want) in cases {
        assert_eq!(parse(p).unwrap().matches(ev), want, "{p}");
    }
}

#[test]
fn non_object_log_events_never_match_json_patterns() {
    let p = parse(r#"{ $.a NOT EXISTS }"#).unwrap();
    assert!(!p.matches("not json"));
    assert!(!p.matches("[1, 2]"));
    assert!(p.matches("{}"));
}

#[test]
fn and_binds_tighter_than_or() {
    let p = parse("{ $.a = 1 || $.b = 1 && $.c = 1 }").unwrap();
    let Pattern::Json(Expr::Or(items)) = &p else {
        panic!("{p:?}")
    };
    assert_eq!(items.len(), 2);
    assert!(matches!(items[1], Expr::And(_)));
    assert!(p.matches(r#"{"a": 1}"#));
    assert!(!p.matches(r#"{"b": 1}"#));
}

#[test]
fn whitespace_is_optional_around_operators() {
    let p = parse(r#"{$.a="x"&&($.b!=2||$.c>=3)}"#).unwrap();
    assert!(p.matches(r#"{"a": "x", "b": 1}"#));
    assert!(!p.matches(r#"{"a": "x", "b": 2, "c": 1}"#));
}

#[test]
fn quoted_strings_accept_escapes() {
    let p = parse(r#"{ $.a = "say \"hi\" \\o/" }"#).unwrap();
    assert!(p.matches(r#"{"a": "say \"hi\" \\o/"}"#));
}
