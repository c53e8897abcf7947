//! The alert message each rule's target sends: a template EventBridge fills
//! from the event, so the message names who did what to which resource
//! instead of carrying the raw event.

use super::event_rule::Rule;

/// One field of a message template: fixed text, an event value, or text
/// with event values inside (a link).
enum Field {
    Literal(String),
    /// A path of the event, inserted by EventBridge as a JSON value (so quotes
    /// in attacker-chosen values such as the user agent stay escaped).
    Value(&'static str),
    /// Text with `<name>` placeholders at the given positions.
    Text(Vec<TextPart>),
}

enum TextPart {
    Literal(&'static str),
    Value(&'static str),
}

/// The input paths both messages use: placeholder name and event path.
const PATHS: &[(&str, &str)] = &[
    ("principal", "$.detail.userIdentity.arn"),
    ("principalType", "$.detail.userIdentity.type"),
    ("event", "$.detail.eventName"),
    ("service", "$.detail.eventSource"),
    ("errorCode", "$.detail.errorCode"),
    ("sourceIp", "$.detail.sourceIPAddress"),
    ("userAgent", "$.detail.userAgent"),
    ("region", "$.detail.awsRegion"),
    ("account", "$.detail.recipientAccountId"),
    ("time", "$.detail.eventTime"),
    ("eventId", "$.detail.eventID"),
    ("secret", "$.detail.requestParameters.secretId"),
    ("request", "$.detail.requestParameters"),
];

fn cloudtrail_link() -> Field {
    Field::Text(vec![
        TextPart::Literal("https://"),
        TextPart::Value("region"),
        TextPart::Literal(".console.aws.amazon.com/cloudtrailv2/home?region="),
        TextPart::Value("region"),
        TextPart::Literal("#/events/"),
        TextPart::Value("eventId"),
    ])
}

/// The message of `rule`: what a person needs to act without opening CloudTrail.
fn message(rule: Rule, pipeline: &str) -> Vec<(&'static str, Field)> {
    let headline = match rule {
        Rule::Reads => "Secret read outside the allow-list",
        Rule::Tamper => "Change to the secret-read detection pipeline itself",
    };
    let mut fields = vec![
        ("alert", Field::Literal(headline.to_owned())),
        ("pipeline", Field::Literal(pipeline.to_owned())),
        ("principal", Field::Value("principal")),
        ("principalType", Field::Value("principalType")),
        ("event", Field::Value("event")),
    ];
    match rule {
        Rule::Reads => fields.push(("secret", Field::Value("secret"))),
        Rule::Tamper => {
            fields.push(("service", Field::Value("service")));
            fields.push(("requestParameters", Field::Value("request")));
        }
    }
    fields.extend([
        ("errorCode", Field::Value("errorCode")),
        ("sourceIp", Field::Value("sourceIp")),
        ("userAgent", Field::Value("userAgent")),
        ("region", Field::Value("region")),
        ("account", Field::Value("account")),
        ("time", Field::Value("time")),
        ("eventId", Field::Value("eventId")),
        ("cloudtrailEvent", cloudtrail_link()),
    ]);
    if rule == Rule::Reads {
        fields.push((
            "secretConsole",
            Field::Text(vec![
                TextPart::Literal("https://"),
                TextPart::Value("region"),
                TextPart::Literal(".console.aws.amazon.com/secretsmanager/secret?name="),
                TextPart::Value("secret"),
                TextPart::Literal("&region="),
                TextPart::Value("region"),
            ]),
        ));
    }
    fields
}

/// Serialises a JSON string's content (without its quotes).
fn json_inner(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// The input template: a JSON object whose values are literals (escaped by
/// serde) or `<placeholder>`s, which EventBridge fills from the event. The
/// placeholders make it a template rather than JSON, so it is written field
/// by field from typed parts.
pub fn input_template(rule: Rule, pipeline: &str) -> String {
    let fields: Vec<String> = message(rule, pipeline)
        .into_iter()
        .map(|(key, field)| {
            let value = match field {
                Field::Literal(text) => serde_json::Value::String(text).to_string(),
                Field::Value(name) => format!("<{name}>"),
                Field::Text(parts) => {
                    let inner: String = parts
                        .iter()
                        .map(|part| match part {
                            TextPart::Literal(text) => json_inner(text),
                            TextPart::Value(name) => format!("<{name}>"),
                        })
                        .collect();
                    format!("\"{inner}\"")
                }
            };
            format!("{}:{value}", serde_json::Value::String(key.to_owned()))
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// The placeholders `rule`'s template uses, with their event paths.
pub fn input_paths(rule: Rule) -> Vec<(&'static str, &'static str)> {
    let template = input_template(rule, "");
    PATHS
        .iter()
        .filter(|(name, _)| template.contains(&format!("<{name}>")))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template with every placeholder replaced by a JSON value, as
    /// EventBridge does for placeholders outside quotes.
    fn filled(rule: Rule, pipeline: &str) -> serde_json::Value {
        let mut text = input_template(rule, pipeline);
        for (name, _) in input_paths(rule) {
            let inside_quotes = format!("<{name}>");
            // Inside a link the value is raw text; elsewhere a JSON string.
            text = text.replace(&format!(":{inside_quotes}"), &format!(":\"{name}-value\""));
            text = text.replace(&inside_quotes, &format!("{name}-value"));
        }
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rule:?}: {e}\n{text}"))
    }

    #[test]
    fn templates_become_json_with_every_field_a_person_needs() {
        let cases: [(Rule, &[&str]); 2] = [
            (
                Rule::Reads,
                &[
                    "principal",
                    "principalType",
                    "secret",
                    "event",
                    "errorCode",
                    "sourceIp",
                    "userAgent",
                    "region",
                    "account",
                    "time",
                    "eventId",
                    "cloudtrailEvent",
                    "secretConsole",
                ],
            ),
            (
                Rule::Tamper,
                &[
                    "principal",
                    "principalType",
                    "event",
                    "service",
                    "requestParameters",
                    "errorCode",
                    "sourceIp",
                    "region",
                    "account",
                    "time",
                    "eventId",
                    "cloudtrailEvent",
                ],
            ),
        ];
        for (rule, fields) in cases {
            let message = filled(rule, "prod \"quoted\" name");
            assert_eq!(message["pipeline"], "prod \"quoted\" name", "{rule:?}");
            for field in fields {
                assert!(message.get(*field).is_some(), "{rule:?} lacks {field}");
            }
        }
        let reads = filled(Rule::Reads, "p");
        assert_eq!(
            reads["secretConsole"],
            "https://region-value.console.aws.amazon.com/secretsmanager/secret?name=secret-value&region=region-value"
        );
    }

    #[test]
    fn every_placeholder_has_a_path_and_every_path_is_used() {
        for rule in Rule::BOTH {
            let template = input_template(rule, "p");
            let paths = input_paths(rule);
            let mut rest = template.as_str();
            while let Some(start) = rest.find('<') {
                let end = rest[start..]
                    .find('>')
                    .map(|e| start + e)
                    .unwrap_or(rest.len());
                let name = &rest[start + 1..end];
                assert!(
                    paths.iter().any(|(n, _)| *n == name),
                    "{rule:?}: <{name}> has no path"
                );
                rest = &rest[end..];
            }
            assert!(paths.len() <= 100, "EventBridge allows 100 input paths");
        }
    }
}
