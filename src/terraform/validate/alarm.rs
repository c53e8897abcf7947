//! `alarm`: the CloudWatch alarm on the metric filter's metric.

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::terraform::desired::{Known, DEFAULTS};
use crate::terraform::diagnostics::nested;
use crate::terraform::state::AlarmBlock;

/// CloudWatch's limit on an alarm's whole evaluation range (period x periods).
pub const MAX_EVALUATION_SECONDS: i64 = 86_400;

fn alarm<'a>(input: &Input<'a>) -> Option<&'a AlarmBlock> {
    input.state.alarm.as_ref_option()
}

fn metric_text_problem(value: &str, namespace: bool) -> Option<String> {
    let n = value.chars().count();
    if n == 0 || n > 255 {
        return Some(format!("it is {n} characters; CloudWatch allows 1 to 255"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || ":*$".contains(*c))
    {
        return Some(format!(
            "character {c:?} is not allowed (printable ASCII without : * $)"
        ));
    }
    if namespace && value.starts_with("AWS/") {
        return Some("namespaces starting with AWS/ are reserved for AWS services".into());
    }
    None
}

/// `namespace` is true for the namespace, false for the metric name.
fn metric_text(input: &Input<'_>, findings: &mut Findings, namespace: bool) {
    let Some(alarm) = alarm(input) else {
        return;
    };
    let (field, value, summary, default) = if namespace {
        (
            "namespace",
            &alarm.namespace,
            "Invalid metric namespace",
            DEFAULTS.alarm.namespace,
        )
    } else {
        (
            "metric_name",
            &alarm.metric_name,
            "Invalid metric name",
            DEFAULTS.alarm.metric_name,
        )
    };
    if let Value::Value(text) = value {
        if let Some(problem) = metric_text_problem(text, namespace) {
            findings.error(
                nested("alarm", field),
                summary,
                format!("alarm.{field} = {}: {problem}. Use 1-255 printable ASCII characters without : * $ (default {default:?}).", shown(text)),
            );
        }
    }
}

pub(super) fn namespace(input: &Input<'_>, findings: &mut Findings) {
    metric_text(input, findings, true);
}

pub(super) fn metric_name(input: &Input<'_>, findings: &mut Findings) {
    metric_text(input, findings, false);
}

pub(super) fn period_seconds(input: &Input<'_>, findings: &mut Findings) {
    let Some(Value::Value(period)) = alarm(input).map(|a| a.period_seconds) else {
        return;
    };
    if !(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)) {
        let up = match period {
            ..10 => 10,
            10..=30 => 30,
            31..60 => 60,
            _ => period.saturating_add(59) / 60 * 60,
        };
        findings.error(
            nested("alarm", "period_seconds"),
            "Unsupported alarm period",
            format!("alarm.period_seconds = {period}: CloudWatch alarms accept 10, 30 or a multiple of 60. Use, for example, {up}."),
        );
    } else if period < 60 {
        findings.warning(
            nested("alarm", "period_seconds"),
            "Sub-minute alarm period on a one-minute metric",
            format!("alarm.period_seconds = {period}: metric filters publish standard-resolution metrics (one data point a minute), so most {period}-second periods hold no data and count as not breaching; the alarm may fire late or not at all. Use 60 unless you know the metric is high-resolution."),
        );
    }
}

pub(super) fn threshold(input: &Input<'_>, findings: &mut Findings) {
    let Some(Value::Value(threshold)) = alarm(input).map(|a| a.threshold) else {
        return;
    };
    if threshold < 1 {
        findings.error(
            nested("alarm", "threshold"),
            "Threshold below 1",
            format!("alarm.threshold = {threshold}: the alarm fires when the period's count of reads reaches the threshold, so below 1 it would always be in alarm. Use 1 (alert on every read) or more."),
        );
    } else if threshold > 1 && input.warns() {
        findings.warning(
            nested("alarm", "threshold"),
            "Single reads do not alert",
            format!("alarm.threshold = {threshold}: up to {} reads per period pass without an alarm, so a single unexpected read of a secret goes unnoticed. Use 1 unless that noise is intended.", threshold - 1),
        );
    }
}

pub(super) fn evaluation_periods(input: &Input<'_>, findings: &mut Findings) {
    let Some(alarm) = alarm(input) else {
        return;
    };
    let Value::Value(periods) = alarm.evaluation_periods else {
        return;
    };
    if periods < 1 {
        findings.error(
            nested("alarm", "evaluation_periods"),
            "Evaluation periods below 1",
            format!("alarm.evaluation_periods = {periods}: use 1 or more."),
        );
        return;
    }
    let Known::Known(p) = input.desired.alarm.period_seconds else {
        return;
    };
    if p > 0 && p.saturating_mul(periods) > MAX_EVALUATION_SECONDS {
        findings.error(
            nested("alarm", "evaluation_periods"),
            "Evaluation range over one day",
            format!("alarm.period_seconds = {p} x alarm.evaluation_periods = {periods} = {} seconds; CloudWatch evaluates at most {MAX_EVALUATION_SECONDS} seconds (one day). Use at most {} evaluation periods of {p} seconds, or a shorter period.", p.saturating_mul(periods), MAX_EVALUATION_SECONDS / p),
        );
    }
}
