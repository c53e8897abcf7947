//! The alarm path: the alarm's topic checked, the alarm raised with the
//! label as its reason, its SNS action awaited in the history, then OK again.

use super::*;

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
