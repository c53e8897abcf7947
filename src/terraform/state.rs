//! The resource's Terraform state, typed. Field names are the schema's
//! attribute names; `Value` carries Terraform's known / null / unknown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;

use crate::components::{Observed, PipelineSpec};

pub type Str = Value<String>;
pub type StrList = Value<Vec<Value<String>>>;
pub type StrMap = Value<BTreeMap<String, Value<String>>>;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PipelineState {
    #[serde(default)]
    pub id: Str,
    #[serde(default)]
    pub name: Str,
    #[serde(default)]
    pub secrets: StrList,
    #[serde(default)]
    pub allowed_principals: StrList,
    #[serde(default)]
    pub watched_events: StrList,
    #[serde(default)]
    pub alert_on_denied: Value<bool>,
    #[serde(default)]
    pub fast_alerts: Value<bool>,
    #[serde(default)]
    pub tamper_alerts: Value<bool>,
    #[serde(default)]
    pub verify_on_apply: Value<bool>,
    #[serde(default)]
    pub event_pattern_max_length: Value<i64>,
    #[serde(default)]
    pub tags: StrMap,
    #[serde(default)]
    pub tags_all: StrMap,

    #[serde(default)]
    pub trail: Value<TrailBlock>,
    #[serde(default)]
    pub log_group: Value<LogGroupBlock>,
    #[serde(default)]
    pub archive: Value<ArchiveBlock>,
    #[serde(default)]
    pub alarm: Value<AlarmBlock>,
    #[serde(default)]
    pub notification: Value<NotificationBlock>,
    #[serde(default)]
    pub kms: Value<KmsBlock>,
    #[serde(default)]
    pub timeouts: Value<TimeoutsBlock>,

    #[serde(default)]
    pub account_id: Str,
    #[serde(default)]
    pub region: Str,
    #[serde(default)]
    pub trail_arn: Str,
    #[serde(default)]
    pub trail_logging: Value<bool>,
    #[serde(default)]
    pub log_group_name: Str,
    #[serde(default)]
    pub log_group_arn: Str,
    #[serde(default)]
    pub metric_filter_name: Str,
    #[serde(default)]
    pub filter_pattern: Str,
    #[serde(default)]
    pub filter_patterns: StrList,
    #[serde(default)]
    pub metric_filter_count: Value<i64>,
    #[serde(default)]
    pub alarm_name: Str,
    #[serde(default)]
    pub alarm_arn: Str,
    #[serde(default)]
    pub topic_arn: Str,
    #[serde(default)]
    pub subscriptions: Value<Vec<SubscriptionValue>>,
    #[serde(default)]
    pub archive_bucket_name: Str,
    #[serde(default)]
    pub archive_bucket_arn: Str,
    #[serde(default)]
    pub kms_key_arn: Str,
    #[serde(default)]
    pub delivery_role_arn: Str,
    #[serde(default)]
    pub console_url: Str,
    #[serde(default)]
    pub read_rule_arn: Str,
    #[serde(default)]
    pub tamper_rule_arn: Str,
    #[serde(default)]
    pub event_pattern: Str,
    #[serde(default)]
    pub event_patterns: StrList,
    #[serde(default)]
    pub event_rule_count: Value<i64>,
    #[serde(default)]
    pub event_bus_arn: Str,
    #[serde(default)]
    pub findings_log_group_arn: Str,
    #[serde(default)]
    pub dashboard_name: Str,
    #[serde(default)]
    pub dashboard_url: Str,
    pub query_definition_names: StrList,
    #[serde(default)]
    pub last_verification: StrMap,
    #[serde(default)]
    pub protections: Value<BTreeMap<String, Value<bool>>>,
}

/// The resource's identity (schema in `schema::pipeline_identity_schema`):
/// what finds the pipeline again in AWS without its state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PipelineIdentity {
    #[serde(default)]
    pub account_id: Str,
    #[serde(default)]
    pub region: Str,
    #[serde(default)]
    pub name: Str,
}

impl PipelineIdentity {
    pub fn of(state: &PipelineState) -> Self {
        Self {
            account_id: state.account_id.clone(),
            region: state.region.clone(),
            name: state.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TrailBlock {
    #[serde(default)]
    pub create: Value<bool>,
    #[serde(default)]
    pub existing_log_group_name: Str,
    #[serde(default)]
    pub multi_region: Value<bool>,
    #[serde(default)]
    pub organization: Value<bool>,
    #[serde(default)]
    pub log_file_validation: Value<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LogGroupBlock {
    #[serde(default)]
    pub retention_days: Value<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArchiveBlock {
    #[serde(default)]
    pub bucket_name: Str,
    #[serde(default)]
    pub transition_to_glacier_after_days: Value<i64>,
    #[serde(default)]
    pub expire_after_days: Value<i64>,
    #[serde(default)]
    pub force_destroy: Value<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlarmBlock {
    #[serde(default)]
    pub namespace: Str,
    #[serde(default)]
    pub metric_name: Str,
    #[serde(default)]
    pub threshold: Value<i64>,
    #[serde(default)]
    pub period_seconds: Value<i64>,
    #[serde(default)]
    pub evaluation_periods: Value<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NotificationBlock {
    #[serde(default)]
    pub emails: StrList,
    #[serde(default)]
    pub sqs_queue_arns: StrList,
    #[serde(default)]
    pub https_endpoints: StrList,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KmsBlock {
    #[serde(default)]
    pub key_arn: Str,
    #[serde(default)]
    pub deletion_window_days: Value<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeoutsBlock {
    #[serde(default)]
    pub create: Str,
    #[serde(default)]
    pub update: Str,
    #[serde(default)]
    pub delete: Str,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct SubscriptionValue {
    pub endpoint: Str,
    pub protocol: Str,
    pub arn: Str,
    pub pending_confirmation: Value<bool>,
}

/// Known strings of a list; `None` when the list or an element is unknown.
pub fn known_strings(list: &StrList) -> Option<Vec<String>> {
    match list {
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
        Value::Value(items) => items
            .iter()
            .map(|item| match item {
                Value::Value(s) => Some(Some(s.clone())),
                Value::Null => Some(None),
                Value::Unknown => None,
            })
            .collect::<Option<Vec<Option<String>>>>()
            .map(|items| items.into_iter().flatten().collect()),
    }
}

pub fn string_list(items: &[String]) -> StrList {
    Value::Value(items.iter().cloned().map(Value::Value).collect())
}

pub fn opt(value: Option<String>) -> Str {
    value.map_or(Value::Null, Value::Value)
}

/// What a computed attribute records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A setting AWS reports (drift shows through it); apply and refresh
    /// write it, nothing reads it back.
    Setting,
    /// An identifier the state hands back to the next operation, so that it
    /// finds what exists without looking for it.
    Identifier,
    /// An identifier of a part the pipeline owns: while one of these is
    /// recorded, something of the pipeline exists.
    Existence,
}

/// How the plan sets a computed attribute.
#[derive(Debug, Clone, Copy)]
pub enum Planned {
    /// Assigned by AWS: the prior value stays while a pipeline with this spec
    /// needs the part (or the spec is unknown), it is unknown while the part
    /// does not exist yet, and null when the part is not needed.
    Assigned(fn(&PipelineSpec) -> bool),
    /// Known from the configuration alone; the planner derives it.
    Derived,
    /// Planned by hand: the account, the region, the key (a customer's ARN
    /// is known at plan).
    ByHand,
}

/// One computed string attribute: its place in the state and in the
/// observation, what it records and how the plan sets it. `state_from`,
/// `observed_of`, `resolve_unknowns`, the planner and
/// [`Observed::nothing_exists`] all read [`COMPUTED`], so a new ARN is one row.
pub struct Computed {
    pub attr: &'static str,
    pub state: fn(&PipelineState) -> &Str,
    pub state_mut: fn(&mut PipelineState) -> &mut Str,
    pub observed: fn(&Observed) -> &Option<String>,
    pub observed_mut: fn(&mut Observed) -> &mut Option<String>,
    pub role: Role,
    pub planned: Planned,
}

/// A row of [`COMPUTED`] for the attribute named the same in the state and
/// in the observation.
macro_rules! computed {
    ($attr:ident, $role:expr, $planned:expr) => {
        Computed {
            attr: stringify!($attr),
            state: |s| &s.$attr,
            state_mut: |s| &mut s.$attr,
            observed: |o| &o.$attr,
            observed_mut: |o| &mut o.$attr,
            role: $role,
            planned: $planned,
        }
    };
}

fn always(_: &PipelineSpec) -> bool {
    true
}

fn with_trail(spec: &PipelineSpec) -> bool {
    spec.trail.create
}

/// Every computed string attribute taken from the observation.
pub const COMPUTED: &[Computed] = &[
    computed!(account_id, Role::Identifier, Planned::ByHand),
    computed!(region, Role::Identifier, Planned::ByHand),
    computed!(kms_key_arn, Role::Existence, Planned::ByHand),
    computed!(
        archive_bucket_name,
        Role::Existence,
        Planned::Assigned(with_trail)
    ),
    computed!(
        archive_bucket_arn,
        Role::Identifier,
        Planned::Assigned(with_trail)
    ),
    computed!(log_group_name, Role::Identifier, Planned::Derived),
    computed!(log_group_arn, Role::Identifier, Planned::Assigned(always)),
    computed!(
        delivery_role_arn,
        Role::Existence,
        Planned::Assigned(with_trail)
    ),
    computed!(trail_arn, Role::Existence, Planned::Assigned(with_trail)),
    computed!(metric_filter_name, Role::Existence, Planned::Derived),
    computed!(alarm_name, Role::Identifier, Planned::Derived),
    computed!(alarm_arn, Role::Existence, Planned::Assigned(always)),
    computed!(topic_arn, Role::Existence, Planned::Assigned(always)),
    computed!(
        read_rule_arn,
        Role::Existence,
        // With findings the rules are there even with `fast_alerts` off.
        Planned::Assigned(|spec| spec.detection.rules.count() > 0)
    ),
    computed!(
        tamper_rule_arn,
        Role::Existence,
        Planned::Assigned(|spec| spec.tamper_alerts)
    ),
    computed!(
        event_bus_arn,
        Role::Existence,
        Planned::Assigned(|spec| spec.detection.rules.two_stage())
    ),
    computed!(
        findings_log_group_arn,
        Role::Existence,
        Planned::Assigned(|spec| spec.detection.findings)
    ),
    computed!(dashboard_name, Role::Existence, Planned::Derived),
];

impl Observed {
    /// True when not one component of the pipeline exists any more.
    pub fn nothing_exists(&self) -> bool {
        COMPUTED
            .iter()
            .filter(|row| row.role == Role::Existence)
            .all(|row| (row.observed)(self).is_none())
    }
}
