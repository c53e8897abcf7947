//! `verify_on_apply`: after an apply, push a clearly labelled test through
//! each alert path and record what AWS accepted, so the owner sees a working
//! pipeline in the state (and in their inbox) instead of trusting it.
//!
//! - Alarm path: SetAlarmState to ALARM (the reason says it is a test), wait
//!   for the alarm history to report the SNS action, then back to OK.
//! - Per-event path: a synthetic unauthorised read, chosen with the
//!   provider's own evaluator, is put to EventBridge's TestEventPattern so
//!   that AWS's engine confirms the stored rule pattern fires on it; then a
//!   labelled test message in the per-event format is published to the topic
//!   and SNS's message ID recorded. (A real event cannot be injected: the
//!   rule only takes `aws.secretsmanager` events, a source PutEvents refuses.)
//!
//! Nothing here fails the apply: what did not work is recorded and reported
//! as a warning.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{HistoryItemType, StateValue};
use aws_smithy_types::date_time::{DateTime, Format};

use futures::FutureExt;

use crate::aws::{log, AwsError, Clients, Component};
use crate::components::event_rule::{wanted_reads, ReadRule};
use crate::components::{Names, PipelineSpec};
use crate::pattern::event::{EventPattern, CLOUDTRAIL_DETAIL_TYPE, SECRETS_MANAGER_SOURCE};
use crate::pattern::{parse_secret, SecretScope, SECRETS_MANAGER_EVENT_SOURCE};

/// The label every test notification carries.
pub const TEST_LABEL: &str = "TEST NOTIFICATION from verify_on_apply: no secret was read";

/// How long the alarm history is watched for the SNS action's result.
const ACTION_WAIT: Duration = Duration::from_secs(10);

/// The most a path may take, retries included: a verification must never
/// hold an apply that has already succeeded.
const PATH_TIMEOUT: Duration = Duration::from_secs(60);

async fn bounded(
    path: impl std::future::Future<Output = Result<String, String>>,
) -> Result<String, String> {
    tokio::time::timeout(PATH_TIMEOUT, path)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", PATH_TIMEOUT.as_secs())))
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

pub async fn run(clients: &Clients, spec: &PipelineSpec, names: &Names) -> Verification {
    // Boxed: a task-local scope around borrowed futures otherwise defeats
    // the compiler's proof that the apply future is Send.
    let alarm = log::logged(Component::Alarm, bounded(alarm_path(clients, names))).boxed();
    let event = log::logged(
        Component::EventRules,
        bounded(event_path(clients, spec, names)),
    )
    .boxed();
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

async fn alarm_path(clients: &Clients, names: &Names) -> Result<String, String> {
    let cw = &clients.cloudwatch;
    let alarm = names.alarm.as_str();
    let started = DateTime::from(SystemTime::now() - Duration::from_secs(1));
    cw.set_alarm_state()
        .alarm_name(alarm)
        .state_value(StateValue::Alarm)
        .state_reason(TEST_LABEL)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(Component::Alarm, "SetAlarmState", alarm, e).to_string())?;
    let action = wait_for_action(clients, alarm, started).await;
    // Back to OK whatever happened: a test must not leave the alarm raised.
    let reset = cw
        .set_alarm_state()
        .alarm_name(alarm)
        .state_value(StateValue::Ok)
        .state_reason("verify_on_apply finished")
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(Component::Alarm, "SetAlarmState", alarm, e).to_string());
    let action = action?;
    reset?;
    Ok(format!(
        "CloudWatch accepted SetAlarmState ALARM and OK; {action}"
    ))
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

/// A secret id inside the pipeline's scope.
fn secret_in_scope(spec: &PipelineSpec) -> String {
    let probe = "secretmonitor-verification";
    match spec.secrets.iter().find_map(|s| parse_secret(s).ok()) {
        None => probe.to_owned(),
        Some(SecretScope::Prefix(stem)) => format!("{stem}{probe}"),
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
    notified_read(spec, names).map(|(event, _)| event)
}

/// A synthetic read and the rules it passes on its way to the topic, in
/// order: the single rule; or, with two stages, the caller rule on the
/// default bus that forwards it and the scope rule on the pipeline's bus
/// that notifies. Chosen with the provider's evaluator over the layout's
/// patterns; `None` when no candidate reaches the topic.
pub fn notified_read(
    spec: &PipelineSpec,
    names: &Names,
) -> Option<(serde_json::Value, Vec<ReadRule>)> {
    let rules: Vec<(ReadRule, EventPattern)> = wanted_reads(spec, names)
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
    let secret = secret_in_scope(spec);
    // The pipeline's own account first; another one if that account is allowed.
    [names.account_id.as_str(), "999999999999", "888888888888"]
        .into_iter()
        .map(|account| synthetic_read(names, account, &secret))
        .find_map(|event| {
            let notifying = first(true, &event)?;
            let mut path = Vec::new();
            if spec.detection.rules.two_stage() {
                path.push(first(false, &event)?);
            }
            path.push(notifying);
            Some((event, path))
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

async fn event_path(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
) -> Result<String, String> {
    if !spec.fast_alerts {
        return Ok("not verified: fast_alerts is off".to_owned());
    }
    let (event, path) = notified_read(spec, names)
        .ok_or("no synthetic read falls outside the allow-list; nothing can alert")?;
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
    for rule in &path {
        if !stored_rule_matches(clients, names, rule, &event).await? {
            return Err(format!(
                "EventBridge says the stored pattern of rule {} does not match a read of {secret} by {principal}",
                rule.name
            ));
        }
    }
    let rules: Vec<&str> = path.iter().map(|rule| rule.name.as_str()).collect();
    let notifying = path
        .last()
        .map(|rule| rule.bus.rule_arn(names, &rule.name))
        .unwrap_or_default();
    let message = serde_json::json!({
        "alert": TEST_LABEL,
        "pipeline": spec.name,
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
    Ok(format!(
        "EventBridge's TestEventPattern matched a synthetic read of {secret} by {principal} against the stored rule{} {}; SNS accepted the labelled test message {}",
        if rules.len() == 1 { "" } else { "s" },
        rules.join(" then "),
        published.message_id.unwrap_or_default()
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
        let (event, path) = notified_read(&spec, &names).expect("a read that alerts");
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
}
