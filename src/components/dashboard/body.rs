//! The dashboard's body, typed: the CloudWatch dashboard JSON (widgets of
//! type `metric`, `alarm`, `log` and `text`) as serde structures, built from
//! the spec and the names alone (and, for the tamper table, the key the
//! pipeline created), so no input can change the document's structure.

use serde::Serialize;

use super::query::{Condition, LogQuery};
use crate::components::event_rule::with_tamper_targets;
use crate::components::{Names, PipelineSpec};
use crate::pattern::layout::ReadRules;
use crate::pattern::{
    parse_secret, tamper_calls, Matcher, SecretScope, DEFAULT_WATCHED_EVENTS,
    SECRETS_MANAGER_EVENT_SOURCE,
};

/// The rows each table shows.
pub const TABLE_ROWS: u32 = 100;

/// A dashboard body (`DashboardBody` of PutDashboard).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub widgets: Vec<Widget>,
}

impl Dashboard {
    pub fn to_json(&self) -> String {
        // A document of strings, numbers, lists and maps always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One widget, placed on the dashboard's 24-column grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Widget {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    #[serde(flatten)]
    pub content: Content,
}

/// `"type"` and `"properties"` of a widget.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "properties", rename_all = "lowercase")]
pub enum Content {
    Metric(MetricWidget),
    Alarm(AlarmWidget),
    Log(LogWidget),
    Text(TextWidget),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricWidget {
    pub title: String,
    pub region: String,
    pub view: &'static str,
    pub stat: &'static str,
    pub period: i64,
    /// Each metric as `[namespace, name]`.
    pub metrics: Vec<[String; 2]>,
    pub annotations: Annotations,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annotations {
    pub horizontal: Vec<HorizontalAnnotation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HorizontalAnnotation {
    pub label: String,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmWidget {
    pub title: String,
    /// Alarm ARNs.
    pub alarms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogWidget {
    pub title: String,
    pub region: String,
    /// A Logs Insights query, `SOURCE` first.
    pub query: String,
    pub view: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextWidget {
    pub markdown: String,
}

/// The columns of the reads table: who read which secret, how, from where.
pub const READ_FIELDS: [&str; 9] = [
    "@timestamp",
    "userIdentity.arn",
    "userIdentity.type",
    "requestParameters.secretId",
    "eventName",
    "errorCode",
    "sourceIPAddress",
    "userAgent",
    "awsRegion",
];

/// The latest in-scope Secrets Manager reads on the trail's log group: the
/// watched events of Secrets Manager on the watched secrets, whoever the
/// caller (the allow-list is the alarm's business; a responder wants the
/// allowed reads around an alert too).
pub fn reads_query(spec: &PipelineSpec, names: &Names) -> LogQuery {
    let events: Vec<&str> = if spec.watched_events.is_empty() {
        DEFAULT_WATCHED_EVENTS.to_vec()
    } else {
        spec.watched_events.iter().map(String::as_str).collect()
    };
    let mut filter = vec![
        Condition::equals("eventSource", SECRETS_MANAGER_EVENT_SOURCE),
        Condition::one_of("eventName", &events),
    ];
    if let Some(scope) = secret_scope(&spec.secrets) {
        filter.push(scope);
    }
    LogQuery::latest(
        &names.log_group,
        &READ_FIELDS,
        Condition::All(filter),
        TABLE_ROWS,
    )
}

/// The secrets the pipeline watches, as a condition on the secret ID, read
/// as the patterns read them ([`parse_secret`]); `None` when every secret is
/// watched. An entry the validator refuses never reaches apply.
fn secret_scope(secrets: &[String]) -> Option<Condition> {
    const SECRET_ID: &str = "requestParameters.secretId";
    let mut any = Vec::new();
    for scope in secrets.iter().filter_map(|s| parse_secret(s).ok()) {
        any.push(match scope {
            SecretScope::Prefix(stem) if stem.is_empty() => return None,
            SecretScope::Prefix(stem) => Condition::StartsWith(SECRET_ID.to_owned(), stem),
            SecretScope::Name(name) => Condition::equals(SECRET_ID, &name),
            // Callers name a secret by ARN, partial ARN or name.
            SecretScope::Arn {
                arn,
                partial_arn,
                name,
            } => Condition::one_of(SECRET_ID, &[arn, partial_arn, name]),
        });
    }
    if any.is_empty() {
        return None;
    }
    // A batch read names its secrets in a list: every one is shown.
    any.push(Condition::equals("eventName", "BatchGetSecretValue"));
    Some(Condition::Any(any))
}

/// The findings the notifying rules wrote: EventBridge events, the CloudTrail
/// record in `detail`.
pub fn findings_query(names: &Names) -> LogQuery {
    let fields: Vec<String> = READ_FIELDS
        .iter()
        .map(|f| match f.strip_prefix('@') {
            Some(_) => (*f).to_owned(),
            None => format!("detail.{f}"),
        })
        .collect();
    LogQuery {
        log_groups: vec![names.findings_log_group.clone()],
        fields,
        filter: Some(Condition::Present("detail.eventName".to_owned())),
        sort_desc: Some("@timestamp".to_owned()),
        limit: TABLE_ROWS,
    }
}

/// Calls against the pipeline's own parts, on the trail's log group: the
/// tamper rule's calls and targets ([`tamper_calls`]), whether or not
/// `tamper_alerts` is on.
pub fn tamper_query(spec: &PipelineSpec, names: &Names, key_arn: Option<&str>) -> LogQuery {
    let calls = with_tamper_targets(spec, names, key_arn, tamper_calls);
    let mut fields = vec![
        "@timestamp".to_owned(),
        "eventSource".to_owned(),
        "eventName".to_owned(),
        "userIdentity.arn".to_owned(),
    ];
    let mut any = Vec::new();
    for call in &calls {
        let field = parameter_field(call.parameter);
        if !fields.contains(&field) {
            fields.push(field.clone());
        }
        let targets: Vec<Condition> = call
            .targets
            .iter()
            .filter_map(|m| target_condition(&field, m))
            .collect();
        let mut branch = vec![
            Condition::equals("eventSource", call.event_source),
            Condition::one_of("eventName", call.events),
        ];
        // Every target matcher the tamper rule uses has a condition; one
        // without would widen the branch to every such call, never drop it.
        if !targets.is_empty() {
            branch.push(Condition::Any(targets));
        }
        any.push(Condition::All(branch));
    }
    fields.extend(["errorCode", "sourceIPAddress"].map(str::to_owned));
    LogQuery {
        log_groups: vec![names.log_group.clone()],
        fields,
        filter: Some(Condition::Any(any)),
        sort_desc: Some("@timestamp".to_owned()),
        limit: TABLE_ROWS,
    }
}

/// Logs Insights flattens a list parameter into `name.0`, `name.1`, ...; the
/// tamper calls name one alarm at a time.
fn parameter_field(parameter: &str) -> String {
    match parameter {
        "alarmNames" => format!("requestParameters.{parameter}.0"),
        _ => format!("requestParameters.{parameter}"),
    }
}

fn target_condition(field: &str, matcher: &Matcher) -> Option<Condition> {
    match matcher {
        Matcher::Exact(value) => value.as_str().map(|v| Condition::equals(field, v)),
        Matcher::Prefix(prefix) => Some(Condition::StartsWith(field.to_owned(), prefix.clone())),
        _ => None,
    }
}

/// The whole dashboard. `key_arn` is the key the pipeline recorded.
pub fn dashboard(spec: &PipelineSpec, names: &Names, key_arn: Option<&str>) -> Dashboard {
    let region = names.region.clone();
    let at = |y: u32, x: u32, width: u32, height: u32, content: Content| Widget {
        x,
        y,
        width,
        height,
        content,
    };
    let mut widgets = vec![
        at(0, 0, 24, 4, Content::Text(links(spec, names))),
        at(
            4,
            0,
            16,
            6,
            Content::Metric(MetricWidget {
                title: "Reads of watched secrets by principals outside the allow-list".to_owned(),
                region: region.clone(),
                view: "timeSeries",
                stat: "Sum",
                period: spec.alarm.period_seconds,
                metrics: vec![[spec.alarm.namespace.clone(), spec.alarm.metric_name.clone()]],
                annotations: Annotations {
                    horizontal: vec![HorizontalAnnotation {
                        label: "Alarm threshold".to_owned(),
                        value: spec.alarm.threshold,
                    }],
                },
            }),
        ),
        at(
            4,
            16,
            8,
            6,
            Content::Alarm(AlarmWidget {
                title: "Alarm".to_owned(),
                alarms: vec![names.alarm_arn()],
            }),
        ),
        at(
            10,
            0,
            24,
            8,
            Content::Log(LogWidget {
                title: "Latest reads of watched secrets".to_owned(),
                region: region.clone(),
                query: reads_query(spec, names).render(),
                view: "table",
            }),
        ),
    ];
    let mut y = 18;
    if spec.detection.findings {
        widgets.push(at(
            y,
            0,
            24,
            6,
            Content::Log(LogWidget {
                title: "Latest findings (reads the alarm counts)".to_owned(),
                region: region.clone(),
                query: findings_query(names).render(),
                view: "table",
            }),
        ));
        y += 6;
    }
    widgets.push(at(
        y,
        0,
        24,
        6,
        Content::Log(LogWidget {
            title: "Calls against the pipeline's own parts".to_owned(),
            region,
            query: tamper_query(spec, names, key_arn).render(),
            view: "table",
        }),
    ));
    Dashboard { widgets }
}

/// Console links to the parts a responder opens next.
fn links(spec: &PipelineSpec, names: &Names) -> TextWidget {
    let region = &names.region;
    let console = format!("https://{region}.console.aws.amazon.com");
    let mut lines = vec![
        format!("# Secret reads: pipeline {}", spec.name),
        format!(
            "[Alarm {}]({})",
            names.alarm,
            super::alarm_url(region, &names.alarm)
        ),
    ];
    if spec.trail.create {
        lines.push(format!(
            "[Trail {}]({}/cloudtrailv2/home?region={region}#/trails/{})",
            names.trail,
            console,
            encoded(&names.trail_arn())
        ));
        lines.push(format!(
            "[Archive bucket {}](https://s3.console.aws.amazon.com/s3/buckets/{}?region={region})",
            names.bucket, names.bucket
        ));
    }
    let rules = |bus: &str, rule: &str| {
        format!(
            "{}/events/home?region={region}#/eventbus/{bus}/rules/{rule}",
            console
        )
    };
    match &spec.detection.rules {
        ReadRules::None => {}
        ReadRules::Single(_) => lines.push(format!(
            "[Read rule {}]({})",
            names.read_rule,
            rules("default", &names.read_rule)
        )),
        ReadRules::TwoStage { .. } => lines.push(format!(
            "[Read rules on the pipeline's bus {}]({}/events/home?region={region}#/eventbus/{})",
            names.event_bus, console, names.event_bus
        )),
    }
    if spec.tamper_alerts {
        lines.push(format!(
            "[Tamper rule {}]({})",
            names.tamper_rule,
            rules("default", &names.tamper_rule)
        ));
    }
    TextWidget {
        markdown: lines.join("\n\n"),
    }
}

/// `text` with everything but unreserved characters percent-encoded.
pub fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::pattern::layout::ReadRules;

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn parts(spec: &PipelineSpec) -> (Names, Value) {
        let names = Names::derive(spec, "111122223333", "us-east-1");
        let json = dashboard(spec, &names, Some(KEY)).to_json();
        (names, serde_json::from_str(&json).expect("valid JSON"))
    }

    fn types(body: &Value) -> Vec<&str> {
        body["widgets"]
            .as_array()
            .expect("widgets")
            .iter()
            .map(|w| w["type"].as_str().expect("type"))
            .collect()
    }

    fn queries(body: &Value) -> Vec<&str> {
        body["widgets"]
            .as_array()
            .expect("widgets")
            .iter()
            .filter_map(|w| w["properties"]["query"].as_str())
            .collect()
    }

    #[test]
    fn the_body_is_json_with_the_expected_widgets() {
        let spec = crate::terraform::desired::example_spec("audit");
        let (names, body) = parts(&spec);
        assert_eq!(types(&body), ["text", "metric", "alarm", "log", "log"]);
        let widgets = body["widgets"].as_array().unwrap();
        for w in widgets {
            let right = w["x"].as_u64().unwrap() + w["width"].as_u64().unwrap();
            assert!(right <= 24, "{w}");
        }
        let metric = &widgets[1]["properties"];
        assert_eq!(
            metric["metrics"][0],
            serde_json::json!([spec.alarm.namespace, spec.alarm.metric_name])
        );
        assert_eq!(
            metric["annotations"]["horizontal"][0]["value"],
            spec.alarm.threshold
        );
        assert_eq!(widgets[2]["properties"]["alarms"][0], names.alarm_arn());
        let markdown = widgets[0]["properties"]["markdown"].as_str().unwrap();
        for linked in [
            &names.alarm,
            &names.trail,
            &names.bucket,
            &names.tamper_rule,
        ] {
            assert!(markdown.contains(linked.as_str()), "{linked} in {markdown}");
        }
    }

    #[test]
    fn the_reads_table_queries_the_pipelines_log_group() {
        let mut spec = crate::terraform::desired::example_spec("audit");
        spec.secrets = vec!["prod/*".to_owned(), "db-password".to_owned()];
        let (names, body) = parts(&spec);
        let reads = queries(&body)[0];
        assert!(
            reads.starts_with(&format!(
                "SOURCE '{}' | fields @timestamp, userIdentity.arn",
                names.log_group
            )),
            "{reads}"
        );
        for column in READ_FIELDS {
            assert!(reads.contains(column), "{column} in {reads}");
        }
        assert!(
            reads.contains("eventSource = 'secretsmanager.amazonaws.com'"),
            "{reads}"
        );
        assert!(
            reads.contains("requestParameters.secretId like /^prod\\//"),
            "{reads}"
        );
        assert!(
            reads.contains("requestParameters.secretId = 'db-password'"),
            "{reads}"
        );
        assert!(
            reads.ends_with("| sort @timestamp desc | limit 100"),
            "{reads}"
        );
    }

    #[test]
    fn the_tamper_table_lists_every_call_the_tamper_rule_watches() {
        let spec = crate::terraform::desired::example_spec("audit");
        let (names, body) = parts(&spec);
        let tamper = *queries(&body).last().unwrap();
        assert!(tamper.starts_with(&format!("SOURCE '{}'", names.log_group)));
        let calls = with_tamper_targets(&spec, &names, Some(KEY), tamper_calls);
        assert!(calls.iter().any(|c| c.event_source == "kms.amazonaws.com"));
        for call in &calls {
            for event in call.events {
                assert!(
                    tamper.contains(&format!("'{event}'")),
                    "{event} in {tamper}"
                );
            }
        }
        assert!(tamper.contains(&format!(
            "requestParameters.alarmNames.0 = '{}'",
            names.alarm
        )));
        assert!(tamper.contains("1234abcd-12ab-34cd-56ef-1234567890ab"));
    }

    #[test]
    fn a_pipeline_with_findings_has_a_findings_table() {
        let mut spec = crate::terraform::desired::example_spec("audit");
        spec.detection.findings = true;
        spec.detection.rules = ReadRules::TwoStage {
            callers: vec!["{}".to_owned()],
            scopes: vec!["{}".to_owned()],
        };
        let (names, body) = parts(&spec);
        assert_eq!(
            types(&body),
            ["text", "metric", "alarm", "log", "log", "log"]
        );
        let findings = queries(&body)[1];
        assert!(
            findings.starts_with(&format!("SOURCE '{}'", names.findings_log_group)),
            "{findings}"
        );
        assert!(findings.contains("detail.userIdentity.arn"), "{findings}");
        let markdown = body["widgets"][0]["properties"]["markdown"]
            .as_str()
            .unwrap();
        assert!(markdown.contains(&names.event_bus), "{markdown}");
    }
}
