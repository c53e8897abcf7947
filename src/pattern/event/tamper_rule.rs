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
    pub read_rules: ReadRulesTarget<'a>,
}

/// The pipeline's read rules, which `DisableRule` would blind: the single
/// rule by its name, the staged rules of both stages by the prefix their
/// names start with (one prefix, not one per stage: the tamper pattern must
/// fit the default quota with the longest name). Only `DisableRule` is watched: the pipeline's own updates
/// put, retarget and delete read rules (a new layout's rules go in, the
/// old ones out), but never disable one.
#[derive(Debug, Clone, Copy)]
pub struct ReadRulesTarget<'a> {
    pub single: &'a str,
    pub staged_prefix: &'a str,
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

/// One service's calls the tamper rule watches, and the request parameter
/// naming the part of the pipeline they attack: the one list the rule's
/// pattern and the dashboard's tamper table are both built from.
#[derive(Debug, Clone, PartialEq)]
pub struct TamperCalls {
    /// The record's `eventSource` (`cloudtrail.amazonaws.com`).
    pub event_source: &'static str,
    /// The calls' `eventName`s, sorted.
    pub events: &'static [&'static str],
    /// The key of `requestParameters` that names the part attacked.
    pub parameter: &'static str,
    /// What that parameter holds when the call is against the pipeline.
    pub targets: Vec<Matcher>,
}

/// One service's attacks. The service is matched on the record's own
/// `eventSource` rather than the envelope's `source`: EventBridge derives the
/// latter from the former, and for CloudWatch (`monitoring.amazonaws.com`)
/// sources disagree on whether it reads `aws.monitoring` or `aws.cloudwatch`.
fn tamper_branch(calls: &TamperCalls) -> EventPattern {
    EventPattern::new().with(
        "detail",
        EventPattern::new()
            .with("eventSource", exacts(&[calls.event_source]))
            .with("eventName", exacts(calls.events))
            .with(
                "requestParameters",
                EventPattern::new().with(calls.parameter, calls.targets.clone()),
            ),
    )
}

/// Attempts, successful or not, to stop, delete or silence the pipeline's
/// trail, log group (or its metric filter), alarm, topic (or a subscription
/// to it) and key: each service's calls and the parameter naming the part.
pub fn tamper_calls(targets: &TamperTargets) -> Vec<TamperCalls> {
    let mut calls = Vec::new();
    if let Some(trail) = targets.trail {
        let names = exacts(&dedup_sorted(&[trail.name, trail.arn]));
        calls.push(TamperCalls {
            event_source: "cloudtrail.amazonaws.com",
            events: &["DeleteTrail", "StopLogging", "UpdateTrail"],
            parameter: "name",
            targets: names.clone(),
        });
        calls.push(TamperCalls {
            event_source: "cloudtrail.amazonaws.com",
            events: &["PutEventSelectors"],
            parameter: "trailName",
            targets: names,
        });
    }
    calls.push(TamperCalls {
        event_source: "logs.amazonaws.com",
        events: &["DeleteLogGroup", "DeleteMetricFilter"],
        parameter: "logGroupName",
        targets: exacts(&[targets.log_group_name]),
    });
    // alarmNames is an array: a matcher list matches when any element does.
    calls.push(TamperCalls {
        event_source: "monitoring.amazonaws.com",
        events: &["DeleteAlarms", "DisableAlarmActions"],
        parameter: "alarmNames",
        targets: exacts(&[targets.alarm_name]),
    });
    calls.push(TamperCalls {
        event_source: "sns.amazonaws.com",
        events: &["DeleteTopic", "SetTopicAttributes"],
        parameter: "topicArn",
        targets: exacts(&[targets.topic_arn]),
    });
    // A subscription ARN is TOPIC_ARN:UUID; the colon keeps topic `x` from
    // covering topic `x-2`.
    calls.push(TamperCalls {
        event_source: "sns.amazonaws.com",
        events: &["Unsubscribe"],
        parameter: "subscriptionArn",
        targets: vec![Matcher::Prefix(format!("{}:", targets.topic_arn))],
    });
    let mut rules = exacts(&[targets.read_rules.single]);
    rules.push(Matcher::Prefix(targets.read_rules.staged_prefix.to_owned()));
    calls.push(TamperCalls {
        event_source: "events.amazonaws.com",
        events: &["DisableRule"],
        parameter: "name",
        targets: rules,
    });
    if let Some(key) = targets.key {
        calls.push(TamperCalls {
            event_source: "kms.amazonaws.com",
            events: &["DisableKey", "ScheduleKeyDeletion"],
            parameter: "keyId",
            targets: exacts(&dedup_sorted(&[key.key_id, key.arn, key.alias])),
        });
    }
    calls
}

/// Attempts, successful or not, to stop, delete or silence the pipeline's
/// parts ([`tamper_calls`]), as "AWS API Call via CloudTrail" events.
pub fn tamper_pattern(targets: &TamperTargets) -> EventPattern {
    let branches = tamper_calls(targets).iter().map(tamper_branch).collect();
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
