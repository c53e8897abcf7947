//! The examples of the AWS documentation ("Filter pattern syntax for metric
//! filters, subscription filters, and filter log events"), as
//! (pattern, log event, expected match). Where the documentation gives a
//! pattern without an event (numeric comparisons), the event is ours.

use crate::pattern::parse;

const JSON_EVENT: &str = r#"{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "111.111.111.111",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "ThisFlag": true
}"#;

const COMPOUND_EVENT: &str = r#"{
  "user": {"id": 1, "email": "John.Stiles@example.com"},
  "users": [
    {"id": 2, "email": "John.Doe@example.com"},
    {"id": 3, "email": "Jane.Doe@example.com"}
  ],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
}"#;

const L1: &str =
    r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#;
const L2: &str =
    r#"127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324"#;
const L3: &str =
    r#"127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355"#;
const L404: &str =
    r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;

#[rustfmt::skip]
const CASES: &[(&str, &str, bool)] = &[
    // JSON metric filter examples: all of these match the example event.
    (r#"{ $.eventType = "UpdateTrail" }"#, JSON_EVENT, true),
    (r#"{ $.sourceIPAddress != 123.123.* }"#, JSON_EVENT, true),
    (r#"{ $.arrayKey[0] = "value" }"#, JSON_EVENT, true),
    (r#"{ $.objectList[1].id = 2 }"#, JSON_EVENT, true),
    (r#"{ $.SomeObject IS NULL }"#, JSON_EVENT, true),
    (r#"{ $.SomeOtherObject NOT EXISTS }"#, JSON_EVENT, true),
    (r#"{ $.ThisFlag IS TRUE }"#, JSON_EVENT, true),
    // ... and the documented negative readings of the same examples.
    (r#"{ $.ThisFlag IS FALSE }"#, JSON_EVENT, false),
    (r#"{ $.sourceIPAddress != 111.111.* }"#, JSON_EVENT, false),
    (r#"{ $.eventType[0] = "UpdateTrail" }"#, JSON_EVENT, false), // not an array
    (r#"{ $.objectList[0].missing = 2 }"#, JSON_EVENT, false),    // no such property
    (r#"{ $.SomeOtherObject IS NULL }"#, JSON_EVENT, false),      // null only if present and null
    (r#"{ $.SomeObject NOT EXISTS }"#, JSON_EVENT, false),        // present (as null)
    // Wildcards: "*Event" matches PutEvent and GetEvent, "Event*" EventId and EventName,
    // "Ev*ent" only the literal string Ev*ent.
    (r#"{ $.e = *Event }"#, r#"{"e": "PutEvent"}"#, true),
    (r#"{ $.e = *Event }"#, r#"{"e": "GetEvent"}"#, true),
    (r#"{ $.e = Event* }"#, r#"{"e": "EventId"}"#, true),
    (r#"{ $.e = Event* }"#, r#"{"e": "EventName"}"#, true),
    (r#"{ $.e = Ev*ent }"#, r#"{"e": "Ev*ent"}"#, true),
    (r#"{ $.e = Ev*ent }"#, r#"{"e": "Event"}"#, false),
    (r#"{ $.e = "Ev*ent" }"#, r#"{"e": "EvXent"}"#, false),
    // OR in JSON filters.
    (r#"{$.foo = bar}"#, r#"{"foo": "bar"}"#, true),
    (r#"{$.foo = bar}"#, r#"{"foo": "baz"}"#, false),
    (r#"{$.foo = baz }"#, r#"{"foo": "baz"}"#, true),
    (r#"{$.foo = bar || $.foo = baz }"#, r#"{"foo": "bar"}"#, true),
    (r#"{$.foo = bar || $.foo = baz }"#, r#"{"foo": "baz"}"#, true),
    // Compound conditions.
    (r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#, COMPOUND_EVENT, true),
    (r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#, COMPOUND_EVENT, false),
    (r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#, COMPOUND_EVENT, true),
    (r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#, COMPOUND_EVENT, false),
    // Special considerations: a selector on an array matches neither = nor !=.
    (r#"{$.users = 1}"#, r#"{"users": [1, 2, 3]}"#, false),
    (r#"{$.users != 1}"#, r#"{"users": [1, 2, 3]}"#, false),
    // Numeric comparisons (documented patterns, our events).
    (r#"{ $.latency >= 500 }"#, r#"{"latency": 500}"#, true),
    (r#"{ $.latency >= 500 }"#, r#"{"latency": 499.9}"#, false),
    (r#"{ $.numbers[0] < 10e3 }"#, r#"{"numbers": [9999]}"#, true),
    (r#"{ $.numbers[0] < 10e3 }"#, r#"{"numbers": [10000]}"#, false),
    (r#"{ $.numbers[0] < 10e-3 }"#, r#"{"numbers": [0.001]}"#, true),
    (r#"{ $.processes[4].averageRuntime <= 55.5 }"#, r#"{"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}"#, true),
    (r#"{ $.errorCode = 400 }"#, r#"{"errorCode": 400}"#, true),
    (r#"{ $.errorCode != 500 }"#, r#"{"errorCode": 400}"#, true),
    (r#"{ $.errorCode != 500 }"#, r#"{"errorCode": 500}"#, false),
    (r#"{ $.latency > +1000 }"#, r#"{"latency": 1001}"#, true),
    // "Publishing numerical values": { $.latency = * } matches any latency value.
    (r#"{ $.latency = * }"#, r#"{"latency": 42}"#, true),
    (r#"{ $.latency = * }"#, r#"{"other": 42}"#, false),
    // A JSON pattern never matches a log event that is not JSON.
    (r#"{ $.eventType = "UpdateTrail" }"#, "eventType UpdateTrail", false),

    // Terms in unstructured log events.
    (r#""""#, "anything at all", true),
    (r#""ERROR""#, "[ERROR] A fatal exception has occurred", true),
    (r#""ERROR""#, "Exiting with ERRORCODE: -1", true),
    (r#""ERROR" - "Exiting""#, "[ERROR] A fatal exception has occurred", true),
    (r#""ERROR" - "Exiting""#, "Exiting with ERRORCODE: -1", false),
    ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", true),
    ("ERROR Exception", "[ERROR] Unhandled Exception", true),
    ("ERROR Exception", "[ERROR] Unhandled failure", false),
    (r#""ERROR" "Exception""#, "[ERROR] Unhandled Exception", true),
    (r#""Failed to process the request""#, "[WARN] Failed to process the request", true),
    (r#""Failed to process the request""#, "[ERROR] Unable to continue: Failed to process the request", true),
    (r#""Failed to process the request""#, "[ERROR] Failed to process request", false),
    ("Failed to process the request", "[ERROR] Failed to process the request", true),
    // OR pattern matching in text-based filters.
    ("ERROR", "ERROR WARN message", true),
    ("ERROR", "ERROR message", true),
    ("ERROR", "WARN message", false),
    ("?ERROR ?WARN", "ERROR WARN message", true),
    ("?ERROR ?WARN", "ERROR message", true),
    ("?ERROR ?WARN", "WARN message", true),
    ("?ERROR ?WARN", "INFO message", false),
    ("ERROR WARN", "ERROR WARN message", true),
    ("ERROR WARN", "ERROR message", false),
    ("ERROR WARN", "WARN message", false),
    ("ERROR -WARN", "ERROR WARN message", false),
    ("ERROR -WARN", "ERROR message", true),
    ("ERROR -WARN", "WARN message", false),
    // Metric filters are case sensitive.
    ("ERROR", "error message", false),

    // Space-delimited log events.
    ("[ip, user, username, timestamp, request, status_code, bytes]", L1, true),
    ("[ip, user, username, timestamp, request, status_code, bytes]", "too few fields", false),
    ("[..., status_code, bytes]", L2, true),
    ("[ip, user, ..., status_code, bytes]", L3, true),
    ("[ip, user, ...]", L1, true),
    ("[ip, user, username, timestamp, request, status_code, bytes > 1000]", L1, true),
    ("[ip, user, username, timestamp, request, status_code, bytes > 5000]", L1, false),
    ("[ip, user, username, timestamp, request, status_code, bytes > 5000]", L2, true),
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", L1, true),
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", L2, false),
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", L3, true),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", L1, false),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", L404, true),
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", L404, true),
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", L1, false),
    ("[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", L404, true),
    ("[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", L2, false),
    ("[..., request=*.html*, status_code=4*,]", L404, true),
    ("[..., request=*.html*, status_code=4*,]", L1, false),
    // OR pattern matching in space-delimited filters (w1 is the first word).
    ("[w1=ERROR, w2]", "ERROR WARN message", false),
    ("[w1=ERROR, w2]", "ERROR message", true),
    ("[w1=ERROR, w2]", "WARN message", false),
    ("[w1=ERROR || w1=WARN, w2]", "ERROR message", true),
    ("[w1=ERROR || w1=WARN, w2]", "WARN message", true),
    ("[w1=ERROR || w1=WARN, w2]", "ERROR WARN message", false),
];

#[test]
fn aws_documentation_examples() {
    let mut failures = Vec::new();
    for (pattern, event, expected) in CASES {
        match parse(pattern) {
            Ok(p) => {
                if p.matches(event) != *expected {
                    failures.push(format!("{pattern:?} on {event:?}: expected {expected}"));
                }
                // Display gives a pattern that parses back to the same thing.
                let again =
                    parse(&p.to_string()).unwrap_or_else(|e| panic!("{pattern:?} -> {p}: {e}"));
                assert_eq!(again, p, "{pattern:?} round trip via {p}");
            }
            Err(e) => failures.push(format!("{pattern:?}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
