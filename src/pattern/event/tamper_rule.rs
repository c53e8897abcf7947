//! The tamper rule's pattern: calls that would disable the pipeline itself.

use std::collections::BTreeMap;

use super::model::{exacts, EventPattern, Matcher, Node, CLOUDTRAIL_DETAIL_TYPE};
use crate::pattern::scope::dedup_sorted;

/// The pipeline's own parts, whose disabling [`tamper_pattern`] detects.
#[derive(Debug, Clone, Copy)]
pub struct TamperTargets<'a> {
    /// `None` when the pipeline uses an existing log group and creates no trail.
    pub trail: Option<TrailTarget<'a>>,
    pub log_group_name: &'a str,
    pub alarm_name: &'a str,
    pub topic_arn: &'a str,
    /// `None` when the user brought their own key.
    pub key: Option<KeyTarget<'a>>,
}

/// The pipeline's trail: calls may name it by name or by ARN.
#[derive(Debug, Clone, Copy)]
pub struct TrailTarget<'a> {
    pub name: &'a str,
    pub arn: &'a str,
}

/// The pipeline's KMS key: calls may name it by key ID, key ARN or alias
/// name (`alias/…`).
#[derive(Debug, Clone, Copy)]
pub struct KeyTarget<'a> {
    pub key_id: &'a str,
    pub arn: &'a str,
    pub alias: &'a str,
}

/// One service's attacks. The service is matched on the record's own
/// `eventSource` rather than the envelope's `source`: EventBridge derives the
/// latter from the former, and for CloudWatch (`monitoring.amazonaws.com`)
/// sources disagree on whether it reads `aws.monitoring` or `aws.cloudwatch`.
fn tamper_branch(
    event_source: &str,
    events: &[&str],
    parameter: &str,
    values: Vec<Matcher>,
) -> EventPattern {
    let mut events = events.to_vec();
    events.sort_unstable();
    EventPattern::new().with(
        "detail",
        EventPattern::new()
            .with("eventSource", exacts(&[event_source]))
            .with("eventName", exacts(&events))
            .with(
                "requestParameters",
                EventPattern::new().with(parameter, values),
            ),
    )
}

/// Attempts, successful or not, to stop, delete or silence the pipeline's
/// trail, log group (or its metric filter), alarm, topic (or a subscription
/// to it) and key, as "AWS API Call via CloudTrail" events.
pub fn tamper_pattern(targets: &TamperTargets) -> EventPattern {
    let mut branches = Vec::new();
    if let Some(trail) = targets.trail {
        let names = exacts(&dedup_sorted(&[trail.name, trail.arn]));
        branches.push(tamper_branch(
            "cloudtrail.amazonaws.com",
            &["StopLogging", "DeleteTrail", "UpdateTrail"],
            "name",
            names.clone(),
        ));
        branches.push(tamper_branch(
            "cloudtrail.amazonaws.com",
            &["PutEventSelectors"],
            "trailName",
            names,
        ));
    }
    branches.push(tamper_branch(
        "logs.amazonaws.com",
        &["DeleteMetricFilter", "DeleteLogGroup"],
        "logGroupName",
        exacts(&[targets.log_group_name]),
    ));
    // alarmNames is an array: a matcher list matches when any element does.
    branches.push(tamper_branch(
        "monitoring.amazonaws.com",
        &["DeleteAlarms", "DisableAlarmActions"],
        "alarmNames",
        exacts(&[targets.alarm_name]),
    ));
    branches.push(tamper_branch(
        "sns.amazonaws.com",
        &["DeleteTopic", "SetTopicAttributes"],
        "topicArn",
        exacts(&[targets.topic_arn]),
    ));
    // A subscription ARN is TOPIC_ARN:UUID; the colon keeps topic `x` from
    // covering topic `x-2`.
    branches.push(tamper_branch(
        "sns.amazonaws.com",
        &["Unsubscribe"],
        "subscriptionArn",
        vec![Matcher::Prefix(format!("{}:", targets.topic_arn))],
    ));
    if let Some(key) = targets.key {
        branches.push(tamper_branch(
            "kms.amazonaws.com",
            &["DisableKey", "ScheduleKeyDeletion"],
            "keyId",
            exacts(&dedup_sorted(&[key.key_id, key.arn, key.alias])),
        ));
    }
    // At least the four branches above are always present, so the $or is
    // always read as one; built directly since that cannot fail.
    EventPattern {
        fields: BTreeMap::from([(
            "detail-type".to_string(),
            Node::Matchers(exacts(&[CLOUDTRAIL_DETAIL_TYPE])),
        )]),
        any_of: branches,
    }
}
