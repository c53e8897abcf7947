//! Comparing a pattern AWS returns with the one the pipeline wants: filter
//! patterns up to layout, event patterns as JSON values.

use crate::pattern::event::same_json;
use crate::pattern::filter::same_layout;

#[test]
fn filter_pattern_comparison_ignores_layout_not_content() {
    let cases = [
        ("{ $.a = \"x\" }", "{$.a=\"x\"}", true),
        ("{ $.a = \"x y\" }", "{ $.a = \"xy\" }", false),
        ("{ $.a = \"x\" }", "{ $.a = \"z\" }", false),
    ];
    for (a, b, same) in cases {
        assert_eq!(same_layout(a, b), same, "{a} vs {b}");
    }
}

#[test]
fn event_patterns_compare_by_meaning() {
    let cases = [
        (
            r#"{"a":["x"],"b":["y"]}"#,
            r#"{"b": ["y"], "a": ["x"]}"#,
            true,
        ),
        (r#"{"a":["x"]}"#, r#"{"a":["z"]}"#, false),
        ("not json", "not json", true),
    ];
    for (observed, wanted, same) in cases {
        assert_eq!(same_json(observed, wanted), same, "{observed} vs {wanted}");
    }
}
