//! The desired configuration: every default written once, in [`DEFAULTS`],
//! applied once, by [`with_defaults`]; [`Desired`] is the result as typed,
//! partly known data (no null left), from which validation, the spec and
//! the pattern's inputs are read.

use std::collections::BTreeMap;
use std::time::Duration;

use tf_provider::value::Value;

use super::plan::detection;
use super::state::{
    known_strings, string_list, AlarmBlock, ArchiveBlock, KmsBlock, LogGroupBlock, PipelineState,
    StrList, StrMap, TrailBlock,
};
use crate::components::{
    AlarmSpec, ArchiveSpec, KmsSpec, NotificationSpec, PipelineSpec, TrailSpec,
};
use crate::pattern::layout::Detection;
use crate::pattern::{PatternInput, DEFAULT_EVENT_PATTERN_MAX_LEN, DEFAULT_WATCHED_EVENTS};

/// The defaults of the `trail` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailDefaults {
    pub create: bool,
    pub multi_region: bool,
    pub organization: bool,
    pub log_file_validation: bool,
}

/// The defaults of the `archive` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveDefaults {
    pub transition_to_glacier_after_days: i64,
    pub expire_after_days: i64,
    pub force_destroy: bool,
}

/// The defaults of the `alarm` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlarmDefaults {
    pub namespace: &'static str,
    pub metric_name: &'static str,
    pub threshold: i64,
    pub period_seconds: i64,
    pub evaluation_periods: i64,
}

/// Every default of `secretmonitor_pipeline`'s arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    pub watched_events: &'static [&'static str],
    pub alert_on_denied: bool,
    pub fast_alerts: bool,
    pub tamper_alerts: bool,
    pub verify_on_apply: bool,
    /// EventBridge's default "Event pattern size" quota.
    pub event_pattern_max_length: i64,
    pub trail: TrailDefaults,
    pub log_group_retention_days: i64,
    pub archive: ArchiveDefaults,
    pub alarm: AlarmDefaults,
    pub kms_deletion_window_days: i64,
    /// Each of `timeouts.create`, `update` and `delete`, as the schema writes it.
    pub timeout_text: &'static str,
    pub timeout: Duration,
}

/// The only place a default is written: the plan, the spec, the validator
/// and the schema descriptions all read it.
pub const DEFAULTS: Defaults = Defaults {
    watched_events: &DEFAULT_WATCHED_EVENTS,
    alert_on_denied: true,
    fast_alerts: true,
    tamper_alerts: true,
    verify_on_apply: false,
    event_pattern_max_length: DEFAULT_EVENT_PATTERN_MAX_LEN as i64,
    trail: TrailDefaults {
        create: true,
        multi_region: true,
        organization: false,
        log_file_validation: true,
    },
    log_group_retention_days: 365,
    archive: ArchiveDefaults {
        transition_to_glacier_after_days: 90,
        expire_after_days: 2555,
        force_destroy: false,
    },
    alarm: AlarmDefaults {
        namespace: "SecurityMetrics",
        metric_name: "Secret is accessed",
        threshold: 1,
        period_seconds: 60,
        evaluation_periods: 1,
    },
    kms_deletion_window_days: 30,
    timeout_text: "15m",
    timeout: Duration::from_secs(15 * 60),
};

fn or<T>(value: &Value<T>, default: T) -> Value<T>
where
    T: Clone,
{
    match value {
        Value::Null => Value::Value(default),
        other => other.clone(),
    }
}

fn block<T: Default + Clone>(value: &Value<T>) -> T {
    value.as_ref_option().cloned().unwrap_or_default()
}

fn default_watched_events() -> StrList {
    let events: Vec<String> = DEFAULTS
        .watched_events
        .iter()
        .map(|e| (*e).to_owned())
        .collect();
    string_list(&events)
}

/// The configuration with every default written in, so that the plan shows
/// the settings in force.
pub fn with_defaults(config: &PipelineState) -> PipelineState {
    let d = DEFAULTS;
    let trail = block(&config.trail);
    let log_group = block(&config.log_group);
    let archive = block(&config.archive);
    let alarm = block(&config.alarm);
    let kms = block(&config.kms);
    PipelineState {
        watched_events: match &config.watched_events {
            Value::Null => default_watched_events(),
            other => other.clone(),
        },
        alert_on_denied: or(&config.alert_on_denied, d.alert_on_denied),
        fast_alerts: or(&config.fast_alerts, d.fast_alerts),
        tamper_alerts: or(&config.tamper_alerts, d.tamper_alerts),
        verify_on_apply: or(&config.verify_on_apply, d.verify_on_apply),
        event_pattern_max_length: or(&config.event_pattern_max_length, d.event_pattern_max_length),
        trail: Value::Value(TrailBlock {
            create: or(&trail.create, d.trail.create),
            existing_log_group_name: trail.existing_log_group_name.clone(),
            multi_region: or(&trail.multi_region, d.trail.multi_region),
            organization: or(&trail.organization, d.trail.organization),
            log_file_validation: or(&trail.log_file_validation, d.trail.log_file_validation),
        }),
        log_group: Value::Value(LogGroupBlock {
            retention_days: or(&log_group.retention_days, d.log_group_retention_days),
        }),
        archive: Value::Value(ArchiveBlock {
            bucket_name: archive.bucket_name.clone(),
            transition_to_glacier_after_days: or(
                &archive.transition_to_glacier_after_days,
                d.archive.transition_to_glacier_after_days,
            ),
            expire_after_days: or(&archive.expire_after_days, d.archive.expire_after_days),
            force_destroy: or(&archive.force_destroy, d.archive.force_destroy),
        }),
        alarm: Value::Value(AlarmBlock {
            namespace: or(&alarm.namespace, d.alarm.namespace.to_owned()),
            metric_name: or(&alarm.metric_name, d.alarm.metric_name.to_owned()),
            threshold: or(&alarm.threshold, d.alarm.threshold),
            period_seconds: or(&alarm.period_seconds, d.alarm.period_seconds),
            evaluation_periods: or(&alarm.evaluation_periods, d.alarm.evaluation_periods),
        }),
        notification: Value::Value(block(&config.notification)),
        kms: Value::Value(KmsBlock {
            key_arn: kms.key_arn.clone(),
            deletion_window_days: or(&kms.deletion_window_days, d.kms_deletion_window_days),
        }),
        timeouts: Value::Value(block(&config.timeouts)),
        ..config.clone()
    }
}

/// The arguments a configuration writes to arrive at `state`'s settings:
/// no computed attribute, and no setting at its default (each block left out
/// when all of its settings are), so that [`with_defaults`] of the result
/// gives `state`'s settings back. What `-generate-config-out` writes.
pub fn configuration_of(state: &PipelineState) -> PipelineState {
    let d = with_defaults(&PipelineState::default());
    let trail = block(&state.trail);
    let log_group = block(&state.log_group);
    let archive = block(&state.archive);
    let alarm = block(&state.alarm);
    let kms = block(&state.kms);
    let (dt, dl, da, dal, dk) = (
        block(&d.trail),
        block(&d.log_group),
        block(&d.archive),
        block(&d.alarm),
        block(&d.kms),
    );
    PipelineState {
        name: state.name.clone(),
        secrets: state.secrets.clone(),
        allowed_principals: state.allowed_principals.clone(),
        watched_events: unless_default(&state.watched_events, &d.watched_events),
        alert_on_denied: unless_default(&state.alert_on_denied, &d.alert_on_denied),
        fast_alerts: unless_default(&state.fast_alerts, &d.fast_alerts),
        tamper_alerts: unless_default(&state.tamper_alerts, &d.tamper_alerts),
        verify_on_apply: unless_default(&state.verify_on_apply, &d.verify_on_apply),
        event_pattern_max_length: unless_default(
            &state.event_pattern_max_length,
            &d.event_pattern_max_length,
        ),
        tags: state.tags.clone(),
        trail: unless_empty(TrailBlock {
            create: unless_default(&trail.create, &dt.create),
            existing_log_group_name: trail.existing_log_group_name.clone(),
            multi_region: unless_default(&trail.multi_region, &dt.multi_region),
            organization: unless_default(&trail.organization, &dt.organization),
            log_file_validation: unless_default(
                &trail.log_file_validation,
                &dt.log_file_validation,
            ),
        }),
        log_group: unless_empty(LogGroupBlock {
            retention_days: unless_default(&log_group.retention_days, &dl.retention_days),
        }),
        archive: unless_empty(ArchiveBlock {
            bucket_name: archive.bucket_name.clone(),
            transition_to_glacier_after_days: unless_default(
                &archive.transition_to_glacier_after_days,
                &da.transition_to_glacier_after_days,
            ),
            expire_after_days: unless_default(&archive.expire_after_days, &da.expire_after_days),
            force_destroy: unless_default(&archive.force_destroy, &da.force_destroy),
        }),
        alarm: unless_empty(AlarmBlock {
            namespace: unless_default(&alarm.namespace, &dal.namespace),
            metric_name: unless_default(&alarm.metric_name, &dal.metric_name),
            threshold: unless_default(&alarm.threshold, &dal.threshold),
            period_seconds: unless_default(&alarm.period_seconds, &dal.period_seconds),
            evaluation_periods: unless_default(&alarm.evaluation_periods, &dal.evaluation_periods),
        }),
        notification: unless_empty(block(&state.notification)),
        kms: unless_empty(KmsBlock {
            key_arn: kms.key_arn.clone(),
            deletion_window_days: unless_default(
                &kms.deletion_window_days,
                &dk.deletion_window_days,
            ),
        }),
        timeouts: unless_empty(block(&state.timeouts)),
        ..PipelineState::default()
    }
}

fn unless_default<T: Clone + PartialEq>(value: &Value<T>, default: &Value<T>) -> Value<T> {
    if value == default {
        Value::Null
    } else {
        value.clone()
    }
}

/// A block none of whose settings is written is left out.
fn unless_empty<T: Default + PartialEq>(settings: T) -> Value<T> {
    if settings == T::default() {
        Value::Null
    } else {
        Value::Value(settings)
    }
}

/// The pipeline's tags over the provider's default tags; unknown if any tag is.
pub fn tags_all(config: &PipelineState, default_tags: &BTreeMap<String, String>) -> StrMap {
    let mut merged: BTreeMap<String, Value<String>> = default_tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
        .collect();
    match &config.tags {
        Value::Unknown => return Value::Unknown,
        Value::Null => {}
        Value::Value(tags) => {
            for (k, v) in tags {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Value(merged)
}

/// A required value of a defaulted state was unknown: which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown(pub &'static str);

/// A value of the desired configuration: known, or unknown until apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    Known(T),
    Unknown,
}

impl<T> Known<T> {
    /// The value, or which argument is still unknown.
    pub fn get(self, what: &'static str) -> Result<T, Unknown> {
        match self {
            Known::Known(v) => Ok(v),
            Known::Unknown => Err(Unknown(what)),
        }
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Known::Known(v) => Some(v),
            Known::Unknown => None,
        }
    }
}

/// A defaulted setting of [`with_defaults`]'s result, which leaves none of
/// them null: only an unknown is left to tell apart.
fn set<T: Clone>(value: &Value<T>) -> Known<T> {
    match value {
        Value::Value(v) => Known::Known(v.clone()),
        Value::Null | Value::Unknown => Known::Unknown,
    }
}

/// A setting without a default: unset stays `None`.
fn optional<T: Clone>(value: &Value<T>) -> Known<Option<T>> {
    match value {
        Value::Value(v) => Known::Known(Some(v.clone())),
        Value::Null => Known::Known(None),
        Value::Unknown => Known::Unknown,
    }
}

fn list(value: &StrList) -> Known<Vec<String>> {
    known_strings(value).map_or(Known::Unknown, Known::Known)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredTrail {
    pub create: Known<bool>,
    pub existing_log_group_name: Known<Option<String>>,
    pub multi_region: Known<bool>,
    pub organization: Known<bool>,
    pub log_file_validation: Known<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredArchive {
    pub bucket_name: Known<Option<String>>,
    pub transition_to_glacier_after_days: Known<i64>,
    pub expire_after_days: Known<i64>,
    pub force_destroy: Known<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredAlarm {
    pub namespace: Known<String>,
    pub metric_name: Known<String>,
    pub threshold: Known<i64>,
    pub period_seconds: Known<i64>,
    pub evaluation_periods: Known<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredNotification {
    pub emails: Known<Vec<String>>,
    pub sqs_queue_arns: Known<Vec<String>>,
    pub https_endpoints: Known<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredKms {
    pub key_arn: Known<Option<String>>,
    pub deletion_window_days: Known<i64>,
}

/// The configuration as the pipeline will be built, defaults applied; a
/// value computed by another resource stays unknown until apply. Null
/// entries of a list are left out (the validator reports them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub name: Known<Option<String>>,
    pub secrets: Known<Vec<String>>,
    pub allowed_principals: Known<Vec<String>>,
    pub watched_events: Known<Vec<String>>,
    pub alert_on_denied: Known<bool>,
    /// The pipeline's own tags, before the provider's `default_tags`.
    pub tags: Known<BTreeMap<String, String>>,
    pub trail: DesiredTrail,
    pub log_retention_days: Known<i64>,
    pub archive: DesiredArchive,
    pub alarm: DesiredAlarm,
    pub notification: DesiredNotification,
    pub kms: DesiredKms,
    pub fast_alerts: Known<bool>,
    pub tamper_alerts: Known<bool>,
    pub event_pattern_max_length: Known<i64>,
}

impl Desired {
    /// A configuration or planned state, defaults applied.
    pub fn of(state: &PipelineState) -> Self {
        let state = with_defaults(state);
        let trail = block(&state.trail);
        let archive = block(&state.archive);
        let alarm = block(&state.alarm);
        let notification = block(&state.notification);
        let kms = block(&state.kms);
        // A null tag value is an empty one, as AWS stores it.
        let tags = match &state.tags {
            Value::Value(tags) => tags
                .iter()
                .map(|(k, v)| match v {
                    Value::Value(v) => Some((k.clone(), v.clone())),
                    Value::Null => Some((k.clone(), String::new())),
                    Value::Unknown => None,
                })
                .collect::<Option<BTreeMap<_, _>>>(),
            Value::Null => Some(BTreeMap::new()),
            Value::Unknown => None,
        };
        Desired {
            name: optional(&state.name),
            secrets: list(&state.secrets),
            allowed_principals: list(&state.allowed_principals),
            watched_events: list(&state.watched_events),
            alert_on_denied: set(&state.alert_on_denied),
            tags: tags.map_or(Known::Unknown, Known::Known),
            trail: DesiredTrail {
                create: set(&trail.create),
                existing_log_group_name: optional(&trail.existing_log_group_name),
                multi_region: set(&trail.multi_region),
                organization: set(&trail.organization),
                log_file_validation: set(&trail.log_file_validation),
            },
            log_retention_days: set(&block(&state.log_group).retention_days),
            archive: DesiredArchive {
                bucket_name: optional(&archive.bucket_name),
                transition_to_glacier_after_days: set(&archive.transition_to_glacier_after_days),
                expire_after_days: set(&archive.expire_after_days),
                force_destroy: set(&archive.force_destroy),
            },
            alarm: DesiredAlarm {
                namespace: set(&alarm.namespace),
                metric_name: set(&alarm.metric_name),
                threshold: set(&alarm.threshold),
                period_seconds: set(&alarm.period_seconds),
                evaluation_periods: set(&alarm.evaluation_periods),
            },
            notification: DesiredNotification {
                emails: list(&notification.emails),
                sqs_queue_arns: list(&notification.sqs_queue_arns),
                https_endpoints: list(&notification.https_endpoints),
            },
            kms: DesiredKms {
                key_arn: optional(&kms.key_arn),
                deletion_window_days: set(&kms.deletion_window_days),
            },
            fast_alerts: set(&state.fast_alerts),
            tamper_alerts: set(&state.tamper_alerts),
            event_pattern_max_length: set(&state.event_pattern_max_length),
        }
    }

    /// The inputs of both patterns; `None` while any is unknown.
    pub fn pattern_lists(&self) -> Option<PatternLists> {
        Some(PatternLists {
            secrets: self.secrets.known()?.clone(),
            allowed_principals: self.allowed_principals.known()?.clone(),
            watched_events: self.watched_events.known()?.clone(),
            alert_on_denied: *self.alert_on_denied.known()?,
            event_pattern_max_len: pattern_max_len(*self.event_pattern_max_length.known()?),
        })
    }

    /// The spec to build, with the provider's `default_tags` merged under
    /// the pipeline's tags; or which value is still unknown. Pattern errors
    /// surface from [`detection`] (the validator reports them).
    pub fn spec(self, default_tags: &BTreeMap<String, String>) -> Result<PipelineSpec, Unknown> {
        let mut tags = default_tags.clone();
        tags.extend(self.tags.get("tags")?);
        let mut spec = PipelineSpec {
            name: self.name.get("name")?.unwrap_or_default(),
            secrets: self.secrets.get("secrets")?,
            allowed_principals: self.allowed_principals.get("allowed_principals")?,
            watched_events: self.watched_events.get("watched_events")?,
            alert_on_denied: self.alert_on_denied.get("alert_on_denied")?,
            tags,
            trail: TrailSpec {
                create: self.trail.create.get("trail.create")?,
                existing_log_group_name: self
                    .trail
                    .existing_log_group_name
                    .get("trail.existing_log_group_name")?,
                multi_region: self.trail.multi_region.get("trail.multi_region")?,
                organization: self.trail.organization.get("trail.organization")?,
                log_file_validation: self
                    .trail
                    .log_file_validation
                    .get("trail.log_file_validation")?,
            },
            log_retention_days: self.log_retention_days.get("log_group.retention_days")?,
            archive: ArchiveSpec {
                bucket_name: self.archive.bucket_name.get("archive.bucket_name")?,
                transition_to_glacier_after_days: self
                    .archive
                    .transition_to_glacier_after_days
                    .get("archive.transition_to_glacier_after_days")?,
                expire_after_days: self
                    .archive
                    .expire_after_days
                    .get("archive.expire_after_days")?,
                force_destroy: self.archive.force_destroy.get("archive.force_destroy")?,
            },
            alarm: AlarmSpec {
                namespace: self.alarm.namespace.get("alarm.namespace")?,
                metric_name: self.alarm.metric_name.get("alarm.metric_name")?,
                threshold: self.alarm.threshold.get("alarm.threshold")?,
                period_seconds: self.alarm.period_seconds.get("alarm.period_seconds")?,
                evaluation_periods: self
                    .alarm
                    .evaluation_periods
                    .get("alarm.evaluation_periods")?,
            },
            notification: NotificationSpec {
                emails: self.notification.emails.get("notification.emails")?,
                sqs_queue_arns: self
                    .notification
                    .sqs_queue_arns
                    .get("notification.sqs_queue_arns")?,
                https_endpoints: self
                    .notification
                    .https_endpoints
                    .get("notification.https_endpoints")?,
            },
            kms: KmsSpec {
                key_arn: self.kms.key_arn.get("kms.key_arn")?,
                deletion_window_days: self
                    .kms
                    .deletion_window_days
                    .get("kms.deletion_window_days")?,
            },
            detection: Detection::empty(),
            fast_alerts: self.fast_alerts.get("fast_alerts")?,
            tamper_alerts: self.tamper_alerts.get("tamper_alerts")?,
            event_pattern_max_len: pattern_max_len(
                self.event_pattern_max_length
                    .get("event_pattern_max_length")?,
            ),
        };
        // The layout is only as valid as its inputs; the validator reports why not.
        spec.detection = detection(&spec).unwrap_or_else(|_| Detection::empty());
        Ok(spec)
    }
}

/// `event_pattern_max_length` as the pattern's limit. The validator refuses
/// values out of 1..=4096; should one get this far, a negative one fits no
/// pattern, so nothing longer than the quota is ever sent.
fn pattern_max_len(length: i64) -> usize {
    usize::try_from(length).unwrap_or(0)
}

/// The spec of a state (defaults applied), or which input is still unknown.
pub fn spec_of(
    state: &PipelineState,
    default_tags: &BTreeMap<String, String>,
) -> Result<PipelineSpec, Unknown> {
    Desired::of(state).spec(default_tags)
}

/// A spec with every default, for tests: what a configuration naming only
/// `name` builds.
#[cfg(test)]
pub fn example_spec(name: &str) -> PipelineSpec {
    let config = PipelineState {
        name: Value::Value(name.to_owned()),
        ..Default::default()
    };
    match spec_of(&config, &BTreeMap::new()) {
        Ok(spec) => spec,
        Err(Unknown(what)) => unreachable!("{what} is unknown in a configuration of constants"),
    }
}

/// The inputs of the filter pattern and the read rule's event pattern, as a
/// configuration gives them once its defaults are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternLists {
    pub secrets: Vec<String>,
    pub allowed_principals: Vec<String>,
    pub watched_events: Vec<String>,
    pub alert_on_denied: bool,
    pub event_pattern_max_len: usize,
}

impl PatternLists {
    /// The lists of a configuration or planned state; `None` while any of
    /// them is unknown.
    pub fn of(state: &PipelineState) -> Option<Self> {
        Desired::of(state).pattern_lists()
    }

    pub fn input(&self) -> PatternInput<'_> {
        PatternInput {
            secrets: &self.secrets,
            allowed_principals: &self.allowed_principals,
            watched_events: &self.watched_events,
            alert_on_denied: self.alert_on_denied,
            event_pattern_max_len: self.event_pattern_max_len,
        }
    }
}

#[cfg(test)]
#[path = "desired_tests.rs"]
mod tests;
