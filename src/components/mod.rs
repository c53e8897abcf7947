//! One module per AWS component of the pipeline. Each offers
//! - `ensure`: make the component match the spec (create it, or repair drift),
//!   recording identifiers in [`Recorder`] the moment they exist;
//! - `observe`: read what exists, for refresh and drift detection;
//! - `delete`: remove it, treating "not found" as done.
//!
//! Each module also builds its own policy documents.
//!
//! `ensure` is idempotent, so create, update and the repair of a partial create
//! are one code path: desired state in, actions out.

pub mod alarm;
pub mod archive;
pub mod event_rule;
pub mod key;
pub mod log_group;
pub mod metric_filter;
pub mod topic;
pub mod trail;

#[cfg(test)]
mod canned_aws_tests;

use std::collections::BTreeMap;

use crate::aws::Component as Part;
use std::sync::Mutex;

use crate::aws::{AwsError, Clients, Component};

/// What the user asked for, with every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    pub name: String,
    pub secrets: Vec<String>,
    pub allowed_principals: Vec<String>,
    pub watched_events: Vec<String>,
    pub alert_on_denied: bool,
    /// The pipeline's tags merged over the provider's `default_tags`.
    pub tags: BTreeMap<String, String>,
    pub trail: TrailSpec,
    pub log_retention_days: i64,
    pub archive: ArchiveSpec,
    pub alarm: AlarmSpec,
    pub notification: NotificationSpec,
    pub kms: KmsSpec,
    /// The metric filter pattern generated from the lists above.
    pub filter_pattern: String,
    /// Per-event alerts through EventBridge, with the filter's semantics.
    pub fast_alerts: bool,
    /// Alerts on calls that attack the pipeline's own parts.
    pub tamper_alerts: bool,
}

impl PipelineSpec {
    /// A spec with every default, for tests.
    #[cfg(test)]
    pub fn example(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            secrets: vec![],
            allowed_principals: vec![],
            watched_events: vec![],
            alert_on_denied: true,
            tags: BTreeMap::new(),
            trail: TrailSpec {
                create: true,
                existing_log_group_name: None,
                multi_region: true,
                organization: false,
                log_file_validation: true,
            },
            log_retention_days: 365,
            archive: ArchiveSpec {
                bucket_name: None,
                transition_to_glacier_after_days: 90,
                expire_after_days: 2555,
                force_destroy: false,
            },
            alarm: AlarmSpec {
                namespace: "SecurityMetrics".into(),
                metric_name: "Secret is accessed".into(),
                threshold: 1,
                period_seconds: 60,
                evaluation_periods: 1,
            },
            notification: NotificationSpec::default(),
            kms: KmsSpec {
                key_arn: None,
                deletion_window_days: 30,
            },
            filter_pattern: String::new(),
            fast_alerts: true,
            tamper_alerts: true,
        }
    }

    /// What the metric filter and the read rule's event pattern are generated from.
    pub fn pattern_input(&self) -> crate::pattern::PatternInput<'_> {
        crate::pattern::PatternInput {
            secrets: &self.secrets,
            allowed_principals: &self.allowed_principals,
            watched_events: &self.watched_events,
            alert_on_denied: self.alert_on_denied,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrailSpec {
    pub create: bool,
    pub existing_log_group_name: Option<String>,
    pub multi_region: bool,
    pub organization: bool,
    pub log_file_validation: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveSpec {
    pub bucket_name: Option<String>,
    pub transition_to_glacier_after_days: i64,
    pub expire_after_days: i64,
    pub force_destroy: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub namespace: String,
    pub metric_name: String,
    pub threshold: i64,
    pub period_seconds: i64,
    pub evaluation_periods: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotificationSpec {
    pub emails: Vec<String>,
    pub sqs_queue_arns: Vec<String>,
    pub https_endpoints: Vec<String>,
}

impl NotificationSpec {
    /// Every (protocol, endpoint) pair the topic must have.
    pub fn endpoints(&self) -> Vec<(&'static str, String)> {
        let emails = self.emails.iter().map(|e| ("email", e.clone()));
        let queues = self.sqs_queue_arns.iter().map(|q| ("sqs", q.clone()));
        let hooks = self.https_endpoints.iter().map(|h| ("https", h.clone()));
        emails.chain(queues).chain(hooks).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KmsSpec {
    /// A customer key to use instead of creating one.
    pub key_arn: Option<String>,
    pub deletion_window_days: i64,
}

/// Names of every component, derived from the pipeline's name, account and
/// region so that any of them can be found again without state (import,
/// repair after a lost apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub account_id: String,
    pub region: String,
    pub key_alias: String,
    pub bucket: String,
    pub trail: String,
    pub log_group: String,
    pub delivery_role: String,
    pub metric_filter: String,
    pub alarm: String,
    pub topic: String,
    /// EventBridge rule of the per-event read alerts.
    pub read_rule: String,
    /// EventBridge rule of the tamper alerts.
    pub tamper_rule: String,
}

impl Names {
    pub fn derive(spec: &PipelineSpec, account_id: &str, region: &str) -> Self {
        let name = &spec.name;
        let log_group = match (&spec.trail.create, &spec.trail.existing_log_group_name) {
            (false, Some(existing)) => existing.clone(),
            _ => format!("/secretmonitor/{name}/cloudtrail"),
        };
        Self {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            key_alias: Self::key_alias_for(name),
            bucket: spec
                .archive
                .bucket_name
                .clone()
                .unwrap_or_else(|| default_bucket_name(name, account_id, region)),
            trail: name.clone(),
            log_group,
            delivery_role: truncate(&format!("{name}-cloudtrail-to-logs"), 64),
            metric_filter: format!("{name}-secret-access"),
            alarm: format!("{name}-secret-access"),
            topic: format!("{name}-alerts"),
            read_rule: truncate(&format!("{name}-secret-reads"), 64),
            tamper_rule: truncate(&format!("{name}-tamper"), 64),
        }
    }

    /// The one name that needs no account: the key is looked up by it while
    /// the account is.
    pub fn key_alias_for(pipeline: &str) -> String {
        format!("alias/secretmonitor/{pipeline}")
    }

    pub fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            self.region, self.account_id, self.trail
        )
    }

    pub fn log_group_arn(&self) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            self.region, self.account_id, self.log_group
        )
    }

    pub fn bucket_arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.bucket)
    }

    pub fn alarm_arn(&self) -> String {
        format!(
            "arn:aws:cloudwatch:{}:{}:alarm:{}",
            self.region, self.account_id, self.alarm
        )
    }

    pub fn rule_arn(&self, rule: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:rule/{rule}",
            self.region, self.account_id
        )
    }

    pub fn topic_arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account_id, self.topic
        )
    }

    pub fn account_root(&self) -> String {
        format!("arn:aws:iam::{}:root", self.account_id)
    }
}

/// S3 names are global, so the default carries account and region; it is
/// shortened (keeping the unique suffix) to S3's 63 characters.
pub fn default_bucket_name(name: &str, account_id: &str, region: &str) -> String {
    let suffix = format!("-archive-{account_id}-{region}");
    let room = 63usize.saturating_sub(suffix.len());
    let stem: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(room)
        .collect();
    format!("{}{suffix}", stem.trim_end_matches('-'))
}

fn truncate(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

/// Protections an attacker (or a well-meaning colleague) can remove without
/// deleting anything. Refresh checks each; the plan wants each `true`, so a
/// removed protection shows as drift naming it, and apply restores it.
pub mod protections {
    pub const TRAIL_RECORDS_READ_EVENTS: &str = "trail_records_read_events";
    pub const ARCHIVE_BLOCKS_PUBLIC_ACCESS: &str = "archive_blocks_public_access";
    pub const ARCHIVE_POLICY_IN_PLACE: &str = "archive_policy_in_place";
    pub const TOPIC_POLICY_IN_PLACE: &str = "topic_policy_in_place";
    pub const ALARM_NOTIFIES_TOPIC: &str = "alarm_notifies_topic";
    pub const KEY_ENABLED: &str = "key_enabled";
    pub const READ_RULE_ALERTS: &str = "read_rule_alerts";
    pub const TAMPER_RULE_ALERTS: &str = "tamper_rule_alerts";
}

/// The protections a pipeline with this spec must have, each with the
/// component whose `ensure` puts it in place.
pub fn expected_protections(spec: &PipelineSpec) -> Vec<(&'static str, Part)> {
    use protections::*;
    let mut expected = vec![
        (TOPIC_POLICY_IN_PLACE, Part::Topic),
        (ALARM_NOTIFIES_TOPIC, Part::Alarm),
    ];
    if spec.kms.key_arn.is_none() {
        expected.push((KEY_ENABLED, Part::Key));
    }
    if spec.fast_alerts {
        expected.push((READ_RULE_ALERTS, Part::RuleTargets));
    }
    if spec.tamper_alerts {
        expected.push((TAMPER_RULE_ALERTS, Part::RuleTargets));
    }
    if spec.trail.create {
        expected.extend([
            (TRAIL_RECORDS_READ_EVENTS, Part::Trail),
            (ARCHIVE_BLOCKS_PUBLIC_ACCESS, Part::Archive),
            (ARCHIVE_POLICY_IN_PLACE, Part::Archive),
        ]);
    }
    expected
}

/// One SNS subscription as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscription {
    pub protocol: String,
    pub endpoint: String,
    pub arn: String,
    pub pending_confirmation: bool,
}

/// What exists in AWS: identifiers recorded as components are created, and the
/// observed settings that drift detection compares with the spec.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub kms_key_arn: Option<String>,
    pub archive_bucket_name: Option<String>,
    pub archive_bucket_arn: Option<String>,
    pub log_group_name: Option<String>,
    pub log_group_arn: Option<String>,
    pub log_retention_days: Option<i64>,
    pub delivery_role_arn: Option<String>,
    pub trail_arn: Option<String>,
    pub trail_logging: Option<bool>,
    pub trail_multi_region: Option<bool>,
    pub trail_organization: Option<bool>,
    pub trail_log_file_validation: Option<bool>,
    pub metric_filter_name: Option<String>,
    pub filter_pattern: Option<String>,
    pub alarm_name: Option<String>,
    pub alarm_arn: Option<String>,
    pub alarm: Option<AlarmSpec>,
    pub topic_arn: Option<String>,
    pub subscriptions: Vec<Subscription>,
    pub read_rule_arn: Option<String>,
    /// The read rule's event pattern as AWS reports it.
    pub event_pattern: Option<String>,
    pub tamper_rule_arn: Option<String>,
    /// Each of [`expected_protections`] and whether it holds.
    pub protections: BTreeMap<String, bool>,
}

impl Observed {
    /// True when not one component of the pipeline exists any more.
    pub fn nothing_exists(&self) -> bool {
        self.kms_key_arn.is_none()
            && self.archive_bucket_name.is_none()
            && self.trail_arn.is_none()
            && self.metric_filter_name.is_none()
            && self.alarm_arn.is_none()
            && self.topic_arn.is_none()
            && self.delivery_role_arn.is_none()
            && self.read_rule_arn.is_none()
            && self.tamper_rule_arn.is_none()
    }
}

/// Shared, lock-protected record of what exists, written by each step the
/// moment its AWS call returns, so a failure part-way still reports everything
/// that was created.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Observed>);

impl Recorder {
    pub fn new(initial: Observed) -> Self {
        Self(Mutex::new(initial))
    }

    pub fn update(&self, change: impl FnOnce(&mut Observed)) {
        // A panic while holding the lock cannot leave the record half-written in a
        // way that matters more than losing it, so a poisoned lock is recovered.
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut guard);
    }

    pub fn get<T>(&self, read: impl FnOnce(&Observed) -> T) -> T {
        let guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        read(&guard)
    }

    pub fn snapshot(&self) -> Observed {
        self.get(Clone::clone)
    }

    /// The value a dependency recorded, or an error naming what is missing
    /// (only reachable if the engine ran a step before its dependency).
    pub fn require(
        &self,
        component: Component,
        what: &'static str,
        read: impl FnOnce(&Observed) -> Option<String>,
    ) -> Result<String, AwsError> {
        self.get(read).ok_or_else(|| {
            AwsError::new(
                component,
                "dependency",
                what,
                format!("{what} is not known yet"),
            )
        })
    }
}

/// Everything a component needs to do its work.
pub struct Ctx<'a> {
    pub clients: &'a Clients,
    pub spec: &'a PipelineSpec,
    pub names: &'a Names,
    /// When the operation's `timeouts` run out: a retry waiting for AWS to
    /// catch up gives up rather than sleep past it.
    pub deadline: tokio::time::Instant,
}

impl Ctx<'_> {
    pub fn tags(&self) -> impl Iterator<Item = (&String, &String)> {
        self.spec.tags.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bucket_names_fit_s3_rules() {
        let cases = [
            ("prod-secrets", "111122223333", "eu-west-1"),
            ("Prod_Secrets", "111122223333", "us-east-1"),
            (&"x".repeat(80), "111122223333", "ap-southeast-2"),
        ];
        for (name, account, region) in cases {
            let bucket = default_bucket_name(name, account, region);
            assert!(bucket.len() <= 63 && bucket.len() >= 3, "{bucket}");
            assert!(
                bucket.ends_with(&format!("-archive-{account}-{region}")),
                "{bucket}"
            );
            assert!(
                bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{bucket}"
            );
        }
    }
}

/// What a delete did. Some components are kept on purpose (audit data) and the
/// user is told so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Done,
    Kept { reason: String },
}
