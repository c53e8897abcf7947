//! The event-pattern operators added to match AWS's verdicts (the
//! EventBridge reference suite, `tests/eventbridge_reference.rs`): anything-but
//! with lists, equals-ignore-case forms, dotted keys, and the patterns AWS
//! refuses. Independent of the reference data, so they run everywhere.

use crate::pattern::EventPattern;

#[rustfmt::skip]
const VERDICTS: &[(&str, &str, &str, bool)] = &[
    // (what, pattern, event, matches)
    ("anything-but prefix list, other", r#"{"a":[{"anything-but":{"prefix":["init","test"]}}]}"#, r#"{"a":"post-init"}"#, true),
    ("anything-but prefix list, excluded", r#"{"a":[{"anything-but":{"prefix":["init","post"]}}]}"#, r#"{"a":"post-init"}"#, false),
    ("anything-but prefix list, number", r#"{"a":[{"anything-but":{"prefix":["init"]}}]}"#, r#"{"a":12}"#, true),
    ("anything-but prefix list, null", r#"{"a":[{"anything-but":{"prefix":["init"]}}]}"#, r#"{"a":null}"#, true),
    ("anything-but prefix list, missing", r#"{"a":[{"anything-but":{"prefix":["init"]}}]}"#, r#"{}"#, false),
    ("anything-but suffix list, other", r#"{"a":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}"#, r#"{"a":"f.txt.bak"}"#, true),
    ("anything-but suffix list, excluded", r#"{"a":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}"#, r#"{"a":"f.jpg"}"#, false),
    ("anything-but equals-ignore-case", r#"{"a":[{"anything-but":{"equals-ignore-case":"init"}}]}"#, r#"{"a":"INIT"}"#, false),
    ("anything-but equals-ignore-case, other", r#"{"a":[{"anything-but":{"equals-ignore-case":"init"}}]}"#, r#"{"a":"pending"}"#, true),
    ("anything-but equals-ignore-case list", r#"{"a":[{"anything-but":{"equals-ignore-case":["x","stopped"]}}]}"#, r#"{"a":"Stopped"}"#, false),
    ("anything-but equals-ignore-case, null", r#"{"a":[{"anything-but":{"equals-ignore-case":["x"]}}]}"#, r#"{"a":null}"#, true),
    ("anything-but wildcard empty excludes only \"\"", r#"{"a":[{"anything-but":{"wildcard":""}}]}"#, r#"{"a":"x"}"#, true),
    ("prefix equals-ignore-case", r#"{"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}"#, r#"{"a":"eVeNtBridge"}"#, true),
    ("prefix equals-ignore-case, other", r#"{"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}"#, r#"{"a":"Event"}"#, false),
    ("suffix equals-ignore-case", r#"{"a":[{"suffix":{"equals-ignore-case":".png"}}]}"#, r#"{"a":"x.PNG"}"#, true),
    ("suffix equals-ignore-case, other", r#"{"a":[{"suffix":{"equals-ignore-case":".png"}}]}"#, r#"{"a":"x.jpg"}"#, false),
    ("suffix equals-ignore-case, number", r#"{"a":[{"suffix":{"equals-ignore-case":"5"}}]}"#, r#"{"a":5}"#, false),
    ("dotted pattern key", r#"{"d":{"s.t":["r"]}}"#, r#"{"d":{"s":{"t":"r"}}}"#, true),
    ("dotted event key", r#"{"d":{"s":{"t":["r"]}}}"#, r#"{"d":{"s.t":"r"}}"#, true),
    ("dotted on both sides", r#"{"d.s":{"t":["r"]}}"#, r#"{"d":{"s.t":"r"}}"#, true),
    ("dotted pattern key one level too deep", r#"{"d":{"s.t":{"t":["r"]}}}"#, r#"{"d":{"s":{"t":"r"}}}"#, false),
    ("dotted event key one level too deep", r#"{"d":{"s":{"t":["r"]}}}"#, r#"{"d":{"s.t":{"t":"r"}}}"#, false),
    ("dotted event key merged with the nested one", r#"{"s":{"t":["r"],"u":["v"]}}"#, r#"{"s":{"u":"v"},"s.t":"r"}"#, true),
    ("dotted event key beside an array", r#"{"s":{"t":["r"],"u":["v"]}}"#, r#"{"s":[{"u":"x"},{"u":"v"}],"s.t":"r"}"#, true),
    ("dotted pattern keys keep array consistency", r#"{"e.f":["Anna"],"e.l":["Doe"]}"#, r#"{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}"#, false),
    ("dotted pattern keys, one element", r#"{"e.f":["Anna"],"e.l":["Smith"]}"#, r#"{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}"#, true),
    ("two values at one dotted path", r#"{"a":{"b":["2"]}}"#, r#"{"a.b":"1","a":{"b":"2"}}"#, true),
];

#[test]
fn new_operator_verdicts() {
    super::event::assert_pattern_verdicts(VERDICTS);
}

#[test]
fn list_forms_serialise_as_written() {
    #[rustfmt::skip]
    let same: &[&str] = &[
        r#"{"a":[{"anything-but":{"prefix":["x","y"]}}]}"#,
        r#"{"a":[{"anything-but":{"suffix":["x"]}}]}"#,
        r#"{"a":[{"anything-but":{"prefix":"x"}}]}"#,
        r#"{"a":[{"anything-but":{"equals-ignore-case":["x","Y"]}}]}"#,
        r#"{"a":[{"prefix":{"equals-ignore-case":"x"}},{"suffix":{"equals-ignore-case":"y"}}]}"#,
        r#"{"a":{"c":["y"]},"a.b":["x"]}"#,
    ];
    for text in same {
        let p = EventPattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&p.to_json(), text);
    }
}

#[test]
fn patterns_aws_refuses_or_this_evaluator_does_not_support() {
    #[rustfmt::skip]
    let bad: &[(&str, &str)] = &[
        (r#"{"a":[{"anything-but":{"prefix":""}}]}"#, "cannot be empty"),
        (r#"{"a":[{"anything-but":{"suffix":""}}]}"#, "cannot be empty"),
        (r#"{"a":[{"anything-but":{"prefix":["x",""]}}]}"#, "cannot be empty"),
        (r#"{"a":[{"anything-but":{"prefix":[]}}]}"#, "at least one value"),
        (r#"{"a":[{"anything-but":{"suffix":[null,"x"]}}]}"#, "list of strings"),
        (r#"{"a":[{"anything-but":{"prefix":{"equals-ignore-case":"x"}}}]}"#, "list of strings"),
        (r#"{"a":[{"anything-but":{"equals-ignore-case":123}}]}"#, "list of strings"),
        (r#"{"a":[{"anything-but":{"equals-ignore-case":[]}}]}"#, "at least one value"),
        (r#"{"a":[{"anything-but":{"cidr":"10.0.0.0/8"}}]}"#, "not supported by this evaluator"),
        (r#"{"a":[{"equals-ignore-case":["x"]}]}"#, "takes a string"),
        (r#"{"a":[{"equals-ignore-case":{"prefix":"x"}}]}"#, "takes a string"),
        (r#"{"a":[{"prefix":["x"]}]}"#, "takes a string"),
        (r#"{"a":[{"prefix":{"equals-ignore-case":5}}]}"#, "takes a string"),
        (r#"{"a":[{"prefix":{"wildcard":"x"}}]}"#, "not supported by this evaluator"),
        (r#"{"a":[{"wildcard":["x"]}]}"#, "takes a string"),
        (r#"{"a":[{"numeric":[">",0]}]}"#, "numeric matching is not supported by this evaluator"),
        (r#"{"a":[{"cidr":"10.0.0.0/24"}]}"#, "cidr matching is not supported by this evaluator"),
        (r#"{"a":["x"],"a":["y"]}"#, "not supported by this evaluator"),
        (r#"{"a.b":["x"],"a":{"b":["y"]}}"#, "not supported by this evaluator"),
        (r#"{"a":{"b.c":["x"]},"a.b":{"c":["y"]}}"#, "not supported by this evaluator"),
        (r#"{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}"#, "too complex"),
        (r#"{"a":[{"wildcard":"*:*:*:*:event-bus/*"}]}"#, "too complex"),
        (r#"{"a":[{"anything-but":{"wildcard":["x","a*b*c*d*e*f"]}}]}"#, "too complex"),
        (r#"{"$or":[{"a":["1"]},{"b":[{"wildcard":"*:*:*:*:*:x"}]}]}"#, "too complex"),
    ];
    for (text, reason) in bad {
        match EventPattern::parse(text) {
            Ok(p) => panic!("{text:?} parsed as {p:?}"),
            Err(e) => assert!(e.to_string().contains(reason), "{text:?}: {e}"),
        }
    }
    // What AWS accepts stays accepted: a repeating wildcard, two wildcards
    // on one field, a dotted key beside an unrelated nested one, $or branches
    // naming the same dotted path.
    #[rustfmt::skip]
    let good: &[&str] = &[
        r#"{"a":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}"#,
        r#"{"a":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}"#,
        r#"{"a":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}"#,
        r#"{"a":[{"wildcard":"*:secret:prod/*"},{"wildcard":"*:secret:payments/api-key-*"}]}"#,
        r#"{"a.b":["x"],"a":{"c":["y"]}}"#,
        r#"{"$or":[{"a.b":["x"]},{"a":{"b":["y"]}}]}"#,
        r#"{"a":[{"prefix":""}],"b":[{"suffix":""}],"c":[{"equals-ignore-case":""}]}"#,
    ];
    for text in good {
        assert!(
            EventPattern::parse(text).is_ok(),
            "{text}: {:?}",
            EventPattern::parse(text)
        );
    }
}
