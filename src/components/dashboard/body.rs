//! The dashboard's body, typed: the CloudWatch dashboard JSON (widgets of
//! type `metric`, `alarm`, `log` and `text`) as serde structures, built from
//! the spec and the names alone (and, for the tamper table, the key the
//! pipeline created), so no input can change the document's structure.

use serde::Serialize;

use crate::components::event_rule::with_tamper_targets;
use crate::components::{Names, PipelineSpec};
use crate::pattern::insights::{self, QueryError};
use crate::pattern::layout::ReadRules;

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

/// The three tables' queries, from the saved queries' module: the reads
/// table is every watched read of an in-scope secret (the metric filter's
/// scope, whoever the caller: a responder wants the allowed reads around an
/// alert too), the tamper table the tamper rule's pattern, whether or not
/// `tamper_alerts` is on.
struct Tables {
    reads: String,
    findings: Option<String>,
    tamper: String,
}

fn tables(spec: &PipelineSpec, names: &Names, key_arn: Option<&str>) -> Result<Tables, QueryError> {
    let reads = insights::in_scope_reads(&spec.pattern_input())?;
    let tamper = with_tamper_targets(spec, names, key_arn, insights::tamper_attempts)?;
    Ok(Tables {
        reads: reads.render_over(&[&names.log_group]),
        findings: spec
            .detection
            .findings
            .then(|| insights::findings().render_over(&[&names.findings_log_group])),
        tamper: tamper.render_over(&[&names.log_group]),
    })
}

/// The whole dashboard. `key_arn` is the key the pipeline recorded. An
/// error is a scope the validator lets through and Logs Insights cannot
/// spell; apply reports it.
pub fn dashboard(
    spec: &PipelineSpec,
    names: &Names,
    key_arn: Option<&str>,
) -> Result<Dashboard, QueryError> {
    let tables = tables(spec, names, key_arn)?;
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
                query: tables.reads,
                view: "table",
            }),
        ),
    ];
    let mut y = 18;
    if let Some(findings) = tables.findings {
        widgets.push(at(
            y,
            0,
            24,
            6,
            Content::Log(LogWidget {
                title: "Latest findings (reads the alarm counts)".to_owned(),
                region: region.clone(),
                query: findings,
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
            query: tables.tamper,
            view: "table",
        }),
    ));
    Ok(Dashboard { widgets })
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
        let json = dashboard(spec, &names, Some(KEY))
            .expect("a valid spec has a dashboard")
            .to_json();
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
    fn the_tables_are_the_saved_queries_over_the_pipelines_log_groups() {
        let mut spec = crate::terraform::desired::example_spec("audit");
        spec.secrets = vec!["prod/*".to_owned(), "db-password".to_owned()];
        let (names, body) = parts(&spec);
        let tables = queries(&body);
        let reads = insights::in_scope_reads(&spec.pattern_input()).expect("reads");
        assert_eq!(
            tables[0],
            format!("SOURCE '{}'\n| {}", names.log_group, reads.render())
        );
        for column in [
            "@timestamp",
            "userIdentity.arn",
            "userIdentity.type",
            "requestParameters.secretId",
            "eventName",
            "errorCode",
            "sourceIPAddress",
            "userAgent",
            "awsRegion",
        ] {
            assert!(tables[0].contains(column), "{column} in {}", tables[0]);
        }
        // The allow-list is the alarm's business, not the table's.
        spec.allowed_principals = vec!["arn:aws:iam::111122223333:role/app".to_owned()];
        let (_, allowed) = parts(&spec);
        assert_eq!(queries(&allowed)[0], tables[0]);
        let tamper = with_tamper_targets(&spec, &names, Some(KEY), insights::tamper_attempts)
            .expect("tamper");
        assert_eq!(
            *tables.last().unwrap(),
            format!("SOURCE '{}'\n| {}", names.log_group, tamper.render())
        );
        assert!(tables
            .last()
            .unwrap()
            .contains("1234abcd-12ab-34cd-56ef-1234567890ab"));
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
