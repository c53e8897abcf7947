//! Test notifications through each alert path, for `verify_on_apply` (after
//! an apply, recorded in the state) and for the `secretmonitor_test_alert`
//! action (on demand, streamed as progress): a working pipeline seen in the
//! owner's inbox instead of trusted.
//!
//! - Alarm path: the alarm's SNS action must name a topic that exists, then
//!   SetAlarmState to ALARM (the reason is the label), wait for the alarm
//!   history to report the SNS action, then back to OK, always.
//! - Per-event path: a synthetic unauthorised read, chosen with the
//!   provider's own evaluator, is put to EventBridge's TestEventPattern so
//!   that AWS's engine confirms each stored rule pattern on its way fires on
//!   it; then a labelled test message in the per-event format is published
//!   to the topic and SNS's message ID recorded. (A real event cannot be
//!   injected: the rule only takes `aws.secretsmanager` events, a source
//!   PutEvents refuses.) The read is chosen from the configuration
//!   ([`notified_read`]) after an apply, or from the rules as stored in AWS
//!   ([`stored_route`]) when only the pipeline's name is known.
//!
//! Each path reports what it does through a [`Progress`] sink and ends in a
//! sentence for the record, or the failed AWS call and its error.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{HistoryItemType, StateValue};
use aws_smithy_types::date_time::{DateTime, Format};

use futures::FutureExt;

use crate::aws::{log, AwsError, Clients, Component};
use crate::components::event_rule::{wanted_reads, Bus, ReadRule};
use crate::components::{Named, Names, PipelineSpec};
use crate::pattern::event::{
    EventPattern, Matcher, Node, CLOUDTRAIL_DETAIL_TYPE, SECRETS_MANAGER_SOURCE,
};
use crate::pattern::{parse_secret, SecretScope, SECRETS_MANAGER_EVENT_SOURCE};

/// Who sent a test notification; its label says so, and that no secret was
/// read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    VerifyOnApply,
    TestAlertAction,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::VerifyOnApply => "TEST NOTIFICATION from verify_on_apply: no secret was read",
            Origin::TestAlertAction => {
                "TEST NOTIFICATION from the secretmonitor_test_alert action: no secret was read"
            }
        }
    }

    fn finished(self) -> &'static str {
        match self {
            Origin::VerifyOnApply => "verify_on_apply finished",
            Origin::TestAlertAction => "secretmonitor_test_alert finished",
        }
    }
}

/// One way an alert reaches the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertPath {
    /// The metric filter's alarm and its SNS action.
    Alarm,
    /// The EventBridge read rules that publish each read.
    Event,
}

impl AlertPath {
    pub const ALL: [AlertPath; 2] = [AlertPath::Alarm, AlertPath::Event];

    /// How a configuration names the path.
    pub fn keyword(self) -> &'static str {
        match self {
            AlertPath::Alarm => "alarm",
            AlertPath::Event => "event",
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|path| path.keyword() == keyword)
    }

    /// How a sentence names the path.
    pub fn title(self) -> &'static str {
        match self {
            AlertPath::Alarm => "alarm path",
            AlertPath::Event => "per-event path",
        }
    }

    fn component(self) -> Component {
        match self {
            AlertPath::Alarm => Component::Alarm,
            AlertPath::Event => Component::EventRules,
        }
    }
}

/// Where each step of a test is told, as it happens.
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// For callers that only want the outcome.
pub fn no_progress(_: String) {}

/// How long the alarm history is watched for the SNS action's result.
pub const ACTION_WAIT: Duration = Duration::from_secs(10);

/// The most a path may take, retries included: a verification must never
/// hold an apply that has already succeeded, nor an action its run.
pub const PATH_TIMEOUT: Duration = Duration::from_secs(60);

/// Granted to the alarm's reset beyond the path's deadline: a test must not
/// leave the alarm raised because it ran out of time.
const RESET_TIMEOUT: Duration = Duration::from_secs(15);

fn timed_out(within: Duration) -> String {
    format!("no answer within {} s", within.as_secs())
}

async fn until<T>(
    deadline: tokio::time::Instant,
    step: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout_at(deadline, step)
        .await
        .unwrap_or_else(|_| Err(timed_out(PATH_TIMEOUT)))
}

/// Keys of `last_verification`.
pub mod keys {
    pub const TIME: &str = "time";
    pub const ALARM_PATH: &str = "alarm_path";
    pub const EVENT_PATH: &str = "event_path";
    pub const OK: &str = "ok";
}

/// What the verification found: `last_verification`'s entries, and whether
/// every path was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: BTreeMap<String, String>,
    pub ok: bool,
}

fn now() -> String {
    DateTime::from(SystemTime::now())
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// `verify_on_apply`: both paths of a pipeline just applied, the read chosen
/// from its configuration. Nothing here fails the apply.
pub async fn run(clients: &Clients, spec: &PipelineSpec, names: &Names) -> Verification {
    let origin = Origin::VerifyOnApply;
    let progress: Progress = &no_progress;
    let alarm = test_path(
        AlertPath::Alarm,
        alarm_path(clients, &names.alarm, origin, progress),
    );
    let event = test_path(AlertPath::Event, async {
        if !spec.fast_alerts {
            return Ok("not verified: fast_alerts is off".to_owned());
        }
        let route = notified_read(spec, names)
            .ok_or("no synthetic read falls outside the allow-list; nothing can alert")?;
        event_path(clients, names, &spec.name, &route, origin, progress).await
    });
    let (alarm, event) = tokio::join!(alarm, event);
    let ok = alarm.is_ok() && event.is_ok();
    let text = |r: Result<String, String>| r.unwrap_or_else(|e| format!("FAILED: {e}"));
    let entries = BTreeMap::from([
        (keys::TIME.to_owned(), now()),
        (keys::ALARM_PATH.to_owned(), text(alarm)),
        (keys::EVENT_PATH.to_owned(), text(event)),
        (keys::OK.to_owned(), ok.to_string()),
    ]);
    Verification { entries, ok }
}

/// One path's test, logged under its component.
pub fn test_path<'a>(
    path: AlertPath,
    test: impl std::future::Future<Output = Result<String, String>> + Send + 'a,
) -> futures::future::BoxFuture<'a, Result<String, String>> {
    // Boxed: a task-local scope around borrowed futures otherwise defeats
    // the compiler's proof that the apply future is Send.
    log::logged(path.component(), test).boxed()
}

/// The alarm path of the alarm named `alarm`, within [`PATH_TIMEOUT`]; once
/// raised, the alarm is set back to OK whatever happened.
pub async fn alarm_path(
    clients: &Clients,
    alarm: &str,
    origin: Origin,
    progress: Progress<'_>,
) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + PATH_TIMEOUT;
    let topics = until(deadline, alarm_topics(clients, alarm)).await?;
    progress(format!("alarm {alarm} notifies {}", topics.join(", ")));
    let cw = &clients.cloudwatch;
    let started = DateTime::from(SystemTime::now() - Duration::from_secs(1));
    let raised = until(deadline, async {
        cw.set_alarm_state()
            .alarm_name(alarm)
            .state_value(StateValue::Alarm)
            .state_reason(origin.label())
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk(Component::Alarm, "SetAlarmState", alarm, e).to_string()
            })?;
        progress(format!("alarm {alarm} set to ALARM"));
        let action = wait_for_action(clients, alarm, started).await?;
        progress(format!("alarm {alarm}: {action}"));
        Ok(action)
    })
    .await;
    let reset = tokio::time::timeout(RESET_TIMEOUT, async {
        cw.set_alarm_state()
            .alarm_name(alarm)
            .state_value(StateValue::Ok)
            .state_reason(origin.finished())
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk(Component::Alarm, "SetAlarmState", alarm, e).to_string()
            })
    })
    .await
    .unwrap_or_else(|_| Err(timed_out(RESET_TIMEOUT)));
    if reset.is_ok() {
        progress(format!("alarm {alarm} back to OK"));
    }
    let action = raised?;
    reset.map_err(|e| format!("the alarm was left in ALARM: {e}"))?;
    Ok(format!(
        "CloudWatch accepted SetAlarmState ALARM and OK; {action}"
    ))
}

/// The topics the alarm's actions publish to, each checked to exist: an
/// alarm whose topic is gone notifies nobody, whatever its history says.
async fn alarm_topics(clients: &Clients, alarm: &str) -> Result<Vec<String>, String> {
    let described = clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(alarm)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(Component::Alarm, "DescribeAlarms", alarm, e).to_string()
        })?;
    let found = described
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(alarm))
        .ok_or_else(|| format!("DescribeAlarms: no alarm named {alarm}"))?;
    let topics: Vec<String> = found
        .alarm_actions()
        .iter()
        .filter(|action| action.starts_with("arn:aws:sns:"))
        .cloned()
        .collect();
    if topics.is_empty() {
        return Err(format!("alarm {alarm} has no SNS action"));
    }
    for topic in &topics {
        clients
            .sns
            .get_topic_attributes()
            .topic_arn(topic)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the topic of alarm {alarm}'s action: {}",
                    AwsError::from_sdk(Component::Topic, "GetTopicAttributes", topic, e)
                )
            })?;
    }
    Ok(topics)
}

/// The alarm history's report of the ALARM notification's SNS action.
async fn wait_for_action(
    clients: &Clients,
    alarm: &str,
    since: DateTime,
) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + ACTION_WAIT;
    loop {
        // No StartDate: LocalStack fails on it (naive vs aware datetimes);
        // the items are filtered by their timestamp here instead.
        let history = clients
            .cloudwatch
            .describe_alarm_history()
            .alarm_name(alarm)
            .history_item_type(HistoryItemType::Action)
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk(Component::Alarm, "DescribeAlarmHistory", alarm, e).to_string()
            })?;
        let recent = history.alarm_history_items().iter().find(|item| {
            // Some emulators ignore HistoryItemType; a state change is not the action.
            item.history_item_type() == Some(&HistoryItemType::Action)
                && item.timestamp().is_some_and(|t| t.secs() >= since.secs())
        });
        if let Some(item) = recent {
            let summary = item.history_summary().unwrap_or_default();
            return if summary.to_ascii_lowercase().contains("fail") {
                Err(format!("the alarm's SNS action failed: {summary}"))
            } else {
                Ok(format!("alarm history: {summary}"))
            };
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(format!(
                "the alarm history reported no action result within {} s (an emulator may not record one)",
                ACTION_WAIT.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The secret id every synthetic read asks for, or ends with.
const PROBE_SECRET: &str = "secretmonitor-verification";

/// A secret id inside the pipeline's scope.
fn secret_in_scope(spec: &PipelineSpec) -> String {
    match spec.secrets.iter().find_map(|s| parse_secret(s).ok()) {
        None => PROBE_SECRET.to_owned(),
        Some(SecretScope::Prefix(stem)) => format!("{stem}{PROBE_SECRET}"),
        Some(SecretScope::Name(name)) => name,
        Some(SecretScope::Arn { arn, .. }) => arn,
    }
}

/// A CloudTrail GetSecretValue event as EventBridge delivers it.
pub fn synthetic_read(names: &Names, principal_account: &str, secret: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": CLOUDTRAIL_DETAIL_TYPE,
        "source": SECRETS_MANAGER_SOURCE,
        "account": names.account_id,
        "time": now(),
        "region": names.region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "IAMUser",
                "arn": format!("arn:aws:iam::{principal_account}:user/secretmonitor-verification"),
                "accountId": principal_account,
            },
            "eventSource": SECRETS_MANAGER_EVENT_SOURCE,
            "eventName": "GetSecretValue",
            "awsRegion": names.region,
            "requestParameters": { "secretId": secret },
            "eventID": "00000000-0000-0000-0000-000000000000",
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": names.account_id,
        }
    })
}

/// A read the pipeline must alert on, chosen with the provider's evaluator;
/// `None` when the allow-list covers every candidate principal.
pub fn unauthorised_read(spec: &PipelineSpec, names: &Names) -> Option<serde_json::Value> {
    notified_read(spec, names).map(|route| route.event)
}

/// A synthetic read and the rules it passes on its way to the topic, in
/// order: the single rule; or, with two stages, the caller rule on the
/// default bus that forwards it and the scope rule on the pipeline's bus
/// that notifies.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub event: serde_json::Value,
    pub rules: Vec<ReadRule>,
}

/// The route of a read, chosen with the provider's evaluator over the
/// layout's patterns; `None` when no candidate reaches the topic.
pub fn notified_read(spec: &PipelineSpec, names: &Names) -> Option<Route> {
    first_route(
        names,
        wanted_reads(spec, names),
        &[secret_in_scope(spec)],
        spec.detection.rules.two_stage(),
    )
}

/// The route of a read through the read rules as AWS stores them (the
/// pipeline's configuration unknown: an action knows only its name), the
/// read's secret taken from the rules' own `secretId` conditions; `None`
/// when no candidate reaches the topic.
pub fn stored_route(names: &Names, stored: &[Named]) -> Option<Route> {
    let rules: Vec<ReadRule> = stored
        .iter()
        .filter_map(|rule| {
            let (bus, notifies) = if names.plan.is_staged_rule('s', &rule.name) {
                (Bus::Pipeline, true)
            } else if names.plan.is_staged_rule('c', &rule.name) {
                (Bus::Default, false)
            } else if rule.name == names.read_rule {
                (Bus::Default, true)
            } else {
                return None;
            };
            Some(ReadRule {
                name: rule.name.clone(),
                bus,
                pattern: rule.pattern.clone(),
                notifies,
            })
        })
        .collect();
    let two_stage = rules.iter().any(|rule| rule.bus == Bus::Pipeline);
    let mut secrets: Vec<String> = Vec::new();
    for rule in &rules {
        if let Ok(pattern) = EventPattern::parse(&rule.pattern) {
            secret_candidates(&pattern, &mut secrets);
        }
    }
    secrets.push(PROBE_SECRET.to_owned());
    first_route(names, rules, &secrets, two_stage)
}

/// Secret ids that satisfy the pattern's `secretId` conditions, in order.
fn secret_candidates(pattern: &EventPattern, out: &mut Vec<String>) {
    for (key, node) in pattern.fields() {
        match node {
            Node::Object(inner) => secret_candidates(inner, out),
            Node::Matchers(matchers) if key == "secretId" => {
                out.extend(matchers.iter().filter_map(|matcher| match matcher {
                    Matcher::Exact(serde_json::Value::String(id))
                    | Matcher::EqualsIgnoreCase(id) => Some(id.clone()),
                    Matcher::Prefix(stem) | Matcher::PrefixIgnoreCase(stem) => {
                        Some(format!("{stem}{PROBE_SECRET}"))
                    }
                    Matcher::Suffix(end) | Matcher::SuffixIgnoreCase(end) => {
                        Some(format!("{PROBE_SECRET}{end}"))
                    }
                    _ => None,
                }))
            }
            Node::Matchers(_) => {}
        }
    }
    for branch in pattern.any_of() {
        secret_candidates(branch, out);
    }
}

/// The first candidate read (principal accounts × `secrets`) that a rule
/// notifies on, and, with two stages, that a caller rule forwards.
fn first_route(
    names: &Names,
    rules: Vec<ReadRule>,
    secrets: &[String],
    two_stage: bool,
) -> Option<Route> {
    let rules: Vec<(ReadRule, EventPattern)> = rules
        .into_iter()
        .filter_map(|rule| {
            let pattern = EventPattern::parse(&rule.pattern).ok()?;
            Some((rule, pattern))
        })
        .collect();
    let first = |notifies: bool, event: &serde_json::Value| {
        rules
            .iter()
            .find(|(rule, pattern)| rule.notifies == notifies && pattern.matches(event))
            .map(|(rule, _)| rule.clone())
    };
    // The pipeline's own account first; another one if that account is allowed.
    let accounts = [names.account_id.as_str(), "999999999999", "888888888888"];
    secrets
        .iter()
        .flat_map(|secret| {
            accounts
                .iter()
                .map(move |account| synthetic_read(names, account, secret))
        })
        .find_map(|event| {
            let notifying = first(true, &event)?;
            let mut rules = Vec::new();
            if two_stage {
                rules.push(first(false, &event)?);
            }
            rules.push(notifying);
            Some(Route { event, rules })
        })
}

/// AWS's own verdict on the stored pattern of `rule` for `event`.
async fn stored_rule_matches(
    clients: &Clients,
    names: &Names,
    rule: &ReadRule,
    event: &serde_json::Value,
) -> Result<bool, String> {
    let name = rule.name.as_str();
    let described = clients
        .events
        .describe_rule()
        .name(name)
        .set_event_bus_name(rule.bus.name(names))
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(Component::EventRules, "DescribeRule", name, e).to_string()
        })?;
    let stored = described.event_pattern.unwrap_or_default();
    let tested = clients
        .events
        .test_event_pattern()
        .event_pattern(&stored)
        .event(event.to_string())
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(Component::EventRules, "TestEventPattern", name, e).to_string()
        })?;
    Ok(tested.result)
}

/// The per-event path of the pipeline `pipeline` along `route`, within
/// [`PATH_TIMEOUT`].
pub async fn event_path(
    clients: &Clients,
    names: &Names,
    pipeline: &str,
    route: &Route,
    origin: Origin,
    progress: Progress<'_>,
) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + PATH_TIMEOUT;
    until(
        deadline,
        event_path_steps(clients, names, pipeline, route, origin, progress),
    )
    .await
}

async fn event_path_steps(
    clients: &Clients,
    names: &Names,
    pipeline: &str,
    route: &Route,
    origin: Origin,
    progress: Progress<'_>,
) -> Result<String, String> {
    let event = &route.event;
    let principal = event["detail"]["userIdentity"]["arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let secret = event["detail"]["requestParameters"]["secretId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Each stage's stored rule, as AWS judges it: with two stages both the
    // caller rule that forwards the read and the scope rule that notifies.
    for rule in &route.rules {
        if !stored_rule_matches(clients, names, rule, event).await? {
            return Err(format!(
                "EventBridge says the stored pattern of rule {} does not match a read of {secret} by {principal}",
                rule.name
            ));
        }
        progress(format!(
            "rule {} matches a synthetic unauthorised read of {secret} by {principal} (TestEventPattern)",
            rule.name
        ));
    }
    let rules: Vec<&str> = route.rules.iter().map(|rule| rule.name.as_str()).collect();
    let notifying = route
        .rules
        .last()
        .map(|rule| rule.bus.rule_arn(names, &rule.name))
        .unwrap_or_default();
    let message = serde_json::json!({
        "alert": origin.label(),
        "pipeline": pipeline,
        "path": "per-event",
        "rule": notifying,
        "synthetic_principal": principal,
        "synthetic_secret": secret,
        "time": now(),
    });
    let topic = names.topic_arn();
    let published = clients
        .sns
        .publish()
        .topic_arn(&topic)
        .subject("secretmonitor: test notification")
        .message(message.to_string())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(Component::Topic, "Publish", &topic, e).to_string())?;
    let id = published.message_id.unwrap_or_default();
    progress(format!("SNS accepted message {id} for the per-event path"));
    Ok(format!(
        "EventBridge's TestEventPattern matched a synthetic read of {secret} by {principal} against the stored rule{} {}; SNS accepted the labelled test message {id}",
        if rules.len() == 1 { "" } else { "s" },
        rules.join(" then "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(secrets: &[&str], allowed: &[&str]) -> PipelineSpec {
        let mut spec = PipelineSpec {
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
            allowed_principals: allowed.iter().map(|s| s.to_string()).collect(),
            ..crate::terraform::desired::example_spec("p")
        };
        spec.detection = crate::terraform::plan::detection(&spec).expect("a layout");
        spec
    }

    #[test]
    fn the_synthetic_read_is_one_the_pipeline_alerts_on() {
        // (secrets, allowed principals, expected (reader's account, secret id))
        type Case<'a> = (&'a [&'a str], &'a [&'a str], Option<(&'a str, &'a str)>);
        let cases: [Case; 5] = [
            (
                &["prod/*"],
                &[],
                Some(("111122223333", "prod/secretmonitor-verification")),
            ),
            (
                &["db-password"],
                &["arn:aws:iam::111122223333:role/app"],
                Some(("111122223333", "db-password")),
            ),
            (
                &[],
                &["111122223333"],
                Some(("999999999999", "secretmonitor-verification")),
            ),
            (
                &["arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-Q1w2E3"],
                &["111122223333", "999999999999"],
                Some((
                    "888888888888",
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-Q1w2E3",
                )),
            ),
            (
                &["prod/*"],
                &["111122223333", "999999999999", "888888888888"],
                None,
            ),
        ];
        let names = Names::derive(&spec(&[], &[]), "111122223333", "us-east-1");
        for (secrets, allowed, expected) in cases {
            let spec = spec(secrets, allowed);
            let event = unauthorised_read(&spec, &names);
            let got = event.as_ref().map(|e| {
                (
                    e["detail"]["userIdentity"]["accountId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    e["detail"]["requestParameters"]["secretId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            });
            assert_eq!(
                got,
                expected.map(|(a, s)| (a.to_owned(), s.to_owned())),
                "{secrets:?} / {allowed:?}"
            );
            if let Some(event) = event {
                // The metric filter must count the same record: both paths are tested.
                let filter = crate::pattern::generate(&spec.pattern_input()).unwrap();
                assert!(filter.matches(&event["detail"].to_string()), "{secrets:?}");
            }
        }
    }

    /// With two stages the synthetic read is forwarded by a caller rule of
    /// the default bus and notified by a scope rule of the pipeline's bus;
    /// both are the rules verification asks AWS about.
    #[test]
    fn with_two_stages_the_read_passes_a_caller_rule_then_a_scope_rule() {
        let secrets: Vec<String> = (0..30).map(|i| format!("team-{i:02}/service/*")).collect();
        let allowed: Vec<String> = (0..30)
            .map(|i| format!("arn:aws:iam::111122223333:role/application-role-{i:02}"))
            .collect();
        let mut spec = PipelineSpec {
            secrets,
            allowed_principals: allowed,
            event_pattern_max_len: 2048,
            ..crate::terraform::desired::example_spec("p")
        };
        spec.detection = crate::terraform::plan::detection(&spec).expect("a layout");
        assert!(
            spec.detection.rules.two_stage(),
            "{:?}",
            spec.detection.rules
        );
        let names = Names::derive(&spec, "111122223333", "us-east-1");
        let Route { event, rules: path } =
            notified_read(&spec, &names).expect("a read that alerts");
        let stages: Vec<(crate::components::event_rule::Bus, bool)> =
            path.iter().map(|rule| (rule.bus, rule.notifies)).collect();
        use crate::components::event_rule::Bus;
        assert_eq!(stages, [(Bus::Default, false), (Bus::Pipeline, true)]);
        // The rules are the layout's: the names apply creates.
        assert_eq!(path[0].name, names.plan.staged_rule('c', &path[0].pattern));
        assert_eq!(path[1].name, names.plan.staged_rule('s', &path[1].pattern));
        assert_eq!(
            event["detail"]["requestParameters"]["secretId"],
            "team-00/service/secretmonitor-verification"
        );
    }

    /// With only the rules AWS stores (no configuration), the route found
    /// is the one the configuration gives: same rules, and a read that the
    /// stored patterns notify on.
    #[test]
    fn the_stored_rules_give_the_route_the_configuration_gives() {
        let many_secrets: Vec<String> = (0..30).map(|i| format!("team-{i:02}/service/*")).collect();
        let many_roles: Vec<String> = (0..30)
            .map(|i| format!("arn:aws:iam::111122223333:role/application-role-{i:02}"))
            .collect();
        let as_refs = |v: &[String]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (secrets, allowed principals, pattern length limit)
        let cases: [(Vec<String>, Vec<String>, usize); 5] = [
            (vec!["prod/*".into()], vec![], 2048),
            (
                vec!["db-password".into()],
                vec!["arn:aws:iam::111122223333:role/app".into()],
                2048,
            ),
            (vec![], vec!["111122223333".into()], 2048),
            (
                vec!["arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-Q1w2E3".into()],
                vec!["111122223333".into(), "999999999999".into()],
                2048,
            ),
            (as_refs(&many_secrets), as_refs(&many_roles), 2048),
        ];
        for (secrets, allowed, max_len) in cases {
            let mut spec = PipelineSpec {
                secrets: secrets.clone(),
                allowed_principals: allowed.clone(),
                event_pattern_max_len: max_len,
                ..crate::terraform::desired::example_spec("p")
            };
            spec.detection = crate::terraform::plan::detection(&spec).expect("a layout");
            let names = Names::derive(&spec, "111122223333", "us-east-1");
            let configured = notified_read(&spec, &names).expect("a read that alerts");
            let stored: Vec<Named> = wanted_reads(&spec, &names)
                .into_iter()
                .map(|rule| Named {
                    name: rule.name,
                    pattern: rule.pattern,
                })
                .collect();
            let found = stored_route(&names, &stored).expect("a route through the stored rules");
            assert_eq!(found.rules, configured.rules, "{secrets:?}");
            for rule in &found.rules {
                let pattern = EventPattern::parse(&rule.pattern).expect("a stored pattern");
                assert!(pattern.matches(&found.event), "{secrets:?}: {}", rule.name);
            }
        }
    }

    #[test]
    fn rules_that_are_not_the_pipelines_read_rules_give_no_route() {
        let spec = spec(&["prod/*"], &[]);
        let names = Names::derive(&spec, "111122223333", "us-east-1");
        let stranger = Named {
            name: format!("{}-other", names.read_rule),
            pattern: wanted_reads(&spec, &names)[0].pattern.clone(),
        };
        assert_eq!(stored_route(&names, &[stranger]), None);
    }
}
