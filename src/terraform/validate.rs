//! Plan-time validation of a pipeline's configuration. No AWS call: every
//! check works on the configuration alone, and unknown values are skipped
//! here and checked again at apply.

use tf_provider::value::Value;

use super::diagnostics::{attr, item, nested, Finding};
use super::state::{known_strings, PipelineState, StrList};
use crate::pattern::{self, PatternError, PatternInput};

/// The longest name for which every derived AWS name stays within its limit
/// (IAM role names are 64 characters and get a 19-character suffix).
pub const MAX_NAME_LEN: usize = 40;

const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub fn validate(config: &PipelineState) -> Vec<Finding> {
    let mut findings = Vec::new();
    check_name(config, &mut findings);
    check_lists(config, &mut findings);
    check_blocks(config, &mut findings);
    findings
}

fn check_name(config: &PipelineState, findings: &mut Vec<Finding>) {
    let Value::Value(name) = &config.name else {
        return;
    };
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if name.len() < 3
        || name.len() > MAX_NAME_LEN
        || !valid_chars
        || name.starts_with('-')
        || name.ends_with('-')
        || name.contains("--")
    {
        findings.push(Finding::error(
            attr("name"),
            "Invalid pipeline name",
            format!(
                "name = {name:?}: use 3 to {MAX_NAME_LEN} lower-case letters, digits and single hyphens, \
                 starting and ending with a letter or digit (for example \"prod-secrets\"). The name prefixes \
                 every component, and S3 bucket and IAM role names allow nothing more."
            ),
        ));
    }
}

fn strings_at(list: &StrList) -> Vec<(usize, String)> {
    match list {
        Value::Value(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref_option().map(|s| (i, s.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_lists(config: &PipelineState, findings: &mut Vec<Finding>) {
    for (i, secret) in strings_at(&config.secrets) {
        if let Err(err) = pattern::parse_secret(&secret) {
            findings.push(Finding::error(
                item(attr("secrets"), i),
                "Invalid secret",
                format!("{err}. Write a secret name (\"prod/db\"), a prefix ending in one \"*\" (\"prod/*\"), or a Secrets Manager ARN."),
            ));
        }
    }
    for (i, principal) in strings_at(&config.allowed_principals) {
        if let Err(err) = pattern::parse_principal(&principal) {
            findings.push(Finding::error(
                item(attr("allowed_principals"), i),
                "Invalid allowed principal",
                format!("{err}. Write an IAM role ARN (arn:aws:iam::111122223333:role/app), an IAM user ARN, an account root ARN or a 12-digit account ID; for an assumed-role session, allow its role ARN."),
            ));
        }
    }
    for (field, list) in [
        ("secrets", &config.secrets),
        ("allowed_principals", &config.allowed_principals),
        ("watched_events", &config.watched_events),
    ] {
        let entries = strings_at(list);
        for (i, value) in &entries {
            if entries.iter().any(|(j, other)| j < i && other == value) {
                findings.push(Finding::error(
                    item(attr(field), *i),
                    "Duplicate entry",
                    format!("{value:?} appears more than once in {field}; remove the repeat."),
                ));
            }
        }
    }
    // The pattern, when every input is known, must fit CloudWatch's limit.
    let (Some(secrets), Some(principals)) = (
        known_strings(&config.secrets),
        known_strings(&config.allowed_principals),
    ) else {
        return;
    };
    let events = match &config.watched_events {
        Value::Null => pattern::DEFAULT_WATCHED_EVENTS
            .iter()
            .map(|e| (*e).to_owned())
            .collect(),
        other => match known_strings(other) {
            Some(events) => events,
            None => return,
        },
    };
    let alert_on_denied = match config.alert_on_denied {
        Value::Value(v) => v,
        Value::Null => true,
        Value::Unknown => return,
    };
    let input = PatternInput {
        secrets: &secrets,
        allowed_principals: &principals,
        watched_events: &events,
        alert_on_denied,
    };
    match pattern::generate(&input) {
        Ok(_) => {}
        Err(PatternError::TooLong { len, max }) => {
            let fit = pattern::fitting_entries(&input).ok();
            let advice = fit.map_or_else(String::new, |fit| {
                format!(
                    " With the other lists as they are, {} of {} secrets fit, or {} of {} allowed principals.",
                    fit.secrets, secrets.len(), fit.allowed_principals, principals.len()
                )
            });
            findings.push(Finding::error(
                attr("secrets"),
                "Filter pattern too long",
                format!("The generated filter pattern would be {len} characters; CloudWatch Logs accepts at most {max}.{advice} Use name prefixes (\"prod/*\") to cover several secrets at once, or split the pipeline."),
            ));
        }
        Err(PatternError::InvalidEvent { value, reason }) => findings.push(Finding::error(
            attr("watched_events"),
            "Invalid watched event",
            format!("{value:?}: {reason}. Use Secrets Manager operations such as GetSecretValue or BatchGetSecretValue."),
        )),
        // Invalid secrets and principals were reported entry by entry above.
        Err(_) => {}
    }
}

fn check_blocks(config: &PipelineState, findings: &mut Vec<Finding>) {
    let Some(trail) = config.trail.as_ref_option() else {
        return;
    };
    let creates = !matches!(trail.create, Value::Value(false));
    if !creates && trail.existing_log_group_name.is_null() {
        findings.push(Finding::error(
            nested("trail", "existing_log_group_name"),
            "Missing existing log group",
            "trail.create = false reuses an existing trail's log group: set trail.existing_log_group_name to its name.",
        ));
    }
    if matches!(trail.organization, Value::Value(true))
        && matches!(trail.multi_region, Value::Value(false))
    {
        findings.push(Finding::error(
            nested("trail", "organization"),
            "Organization trails are multi-region",
            "trail.organization = true needs trail.multi_region = true.",
        ));
    }
    if let Some(Value::Value(days)) = config.log_group.as_ref_option().map(|g| &g.retention_days) {
        if !RETENTION_DAYS.contains(days) {
            findings.push(Finding::error(
                nested("log_group", "retention_days"),
                "Unsupported retention",
                format!(
                    "retention_days = {days}: CloudWatch Logs accepts one of {RETENTION_DAYS:?}."
                ),
            ));
        }
    }
    if let Some(alarm) = config.alarm.as_ref_option() {
        if let Value::Value(period) = alarm.period_seconds {
            if !(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)) {
                findings.push(Finding::error(
                    nested("alarm", "period_seconds"),
                    "Unsupported alarm period",
                    format!(
                        "period_seconds = {period}: CloudWatch accepts 10, 30 or a multiple of 60."
                    ),
                ));
            }
        }
        if let Value::Value(threshold) = alarm.threshold {
            if threshold < 1 {
                findings.push(Finding::error(
                    nested("alarm", "threshold"),
                    "Threshold below 1",
                    format!("threshold = {threshold}: use 1 or more."),
                ));
            }
        }
        if let Value::Value(periods) = alarm.evaluation_periods {
            if periods < 1 {
                findings.push(Finding::error(
                    nested("alarm", "evaluation_periods"),
                    "Evaluation periods below 1",
                    format!("evaluation_periods = {periods}: use 1 or more."),
                ));
            }
        }
    }
    if let Some(kms) = config.kms.as_ref_option() {
        if let Value::Value(days) = kms.deletion_window_days {
            if !(7..=30).contains(&days) {
                findings.push(Finding::error(
                    nested("kms", "deletion_window_days"),
                    "Invalid deletion window",
                    format!("deletion_window_days = {days}: KMS accepts 7 to 30 days."),
                ));
            }
        }
    }
    if let Some(notification) = config.notification.as_ref_option() {
        let lists = [
            &notification.emails,
            &notification.sqs_queue_arns,
            &notification.https_endpoints,
        ];
        let all_known = lists.iter().all(|l| known_strings(l).is_some());
        let count: usize = lists
            .iter()
            .filter_map(|l| known_strings(l))
            .map(|l| l.len())
            .sum();
        if all_known && count == 0 {
            findings.push(Finding::error(
                attr("notification"),
                "No subscriber",
                "Alerts need somewhere to go: add at least one of notification.emails, notification.sqs_queue_arns or notification.https_endpoints.",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::state::{string_list, NotificationBlock, TrailBlock};

    fn base() -> PipelineState {
        PipelineState {
            name: Value::Value("prod-secrets".into()),
            notification: Value::Value(NotificationBlock {
                emails: string_list(&["secops@example.com".into()]),
                ..Default::default()
            }),
            trail: Value::Value(TrailBlock::default()),
            ..Default::default()
        }
    }

    #[test]
    fn a_plain_config_is_valid() {
        assert_eq!(validate(&base()), vec![]);
    }

    #[test]
    fn bad_inputs_are_rejected_at_their_path() {
        type Edit = fn(&mut PipelineState);
        let cases: [(&str, Edit, &str); 6] = [
            (
                "upper-case name",
                |c| c.name = Value::Value("Prod".into()),
                "Invalid pipeline name",
            ),
            (
                "bad principal",
                |c| c.allowed_principals = string_list(&["app-role".into()]),
                "Invalid allowed principal",
            ),
            (
                "duplicate secret",
                |c| c.secrets = string_list(&["a".into(), "a".into()]),
                "Duplicate entry",
            ),
            (
                "no subscriber",
                |c| c.notification = Value::Value(NotificationBlock::default()),
                "No subscriber",
            ),
            (
                "reuse without group",
                |c| {
                    c.trail = Value::Value(TrailBlock {
                        create: Value::Value(false),
                        ..Default::default()
                    })
                },
                "Missing existing log group",
            ),
            (
                "too many secrets",
                |c| {
                    c.secrets = string_list(
                        &(0..200)
                            .map(|i| format!("team-{i}/secret-{i}"))
                            .collect::<Vec<_>>(),
                    )
                },
                "Filter pattern too long",
            ),
        ];
        for (what, edit, summary) in cases {
            let mut config = base();
            edit(&mut config);
            let findings = validate(&config);
            assert!(
                findings.iter().any(|f| f.summary == summary),
                "{what}: {findings:?}"
            );
        }
    }

    #[test]
    fn unknown_values_are_left_for_apply() {
        let mut config = base();
        config.secrets = Value::Unknown;
        config.name = Value::Unknown;
        assert_eq!(validate(&config), vec![]);
    }
}
