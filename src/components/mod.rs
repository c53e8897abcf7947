//! One module per part of the pipeline, each exporting the same contract,
//! `pub const PART: PartDef` (see [`PartDef`]), listed once in [`PARTS`]:
//! - `ensure`: make the part match the spec (create it, or repair drift),
//!   recording identifiers in [`Recorder`] the moment they exist;
//! - `find`: read what exists, for refresh and drift detection;
//! - `delete`: remove it, treating "not found" as done; `forget`: clear what
//!   the observation holds of it.
//!
//! Each module also builds its own policy documents.
//!
//! `ensure` is idempotent, so create, update and the repair of a partial create
//! are one code path: desired state in, actions out.

pub mod alarm;
pub mod alert_message;
pub mod archive;
mod contract;
pub mod dashboard;
pub mod delivery_role;
pub mod event_bus;
pub mod event_rule;
pub mod findings;
pub mod key;
pub mod log_group;
pub mod metric_filter;
mod names;
pub mod query_definitions;
pub mod subscriptions;
pub mod topic;
pub mod trail;

#[cfg(test)]
mod canned_aws_tests;

use std::collections::BTreeMap;
use std::sync::Mutex;

pub use contract::{
    always, labels, seen, with_trail, Component, Delete, Deleted, Ensure, Find, Operation, PartDef,
    PipelineError, Protection, Seen,
};
pub use names::{default_bucket_name, Names, PlanNames};

use crate::aws::Clients;

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
    /// The metric filters and read rules generated from the lists above
    /// (`pattern::layout`).
    pub detection: crate::pattern::layout::Detection,
    /// Per-event alerts through EventBridge, with the filter's semantics.
    pub fast_alerts: bool,
    /// Alerts on calls that attack the pipeline's own parts.
    pub tamper_alerts: bool,
    /// The account's EventBridge "Event pattern size" quota: both rules'
    /// patterns must fit it.
    pub event_pattern_max_len: usize,
}

impl PipelineSpec {
    /// What the metric filter and the read rule's event pattern are generated from.
    pub fn pattern_input(&self) -> crate::pattern::PatternInput<'_> {
        crate::pattern::PatternInput {
            secrets: &self.secrets,
            allowed_principals: &self.allowed_principals,
            watched_events: &self.watched_events,
            alert_on_denied: self.alert_on_denied,
            event_pattern_max_len: self.event_pattern_max_len,
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

/// Every part of the pipeline: the one list apply, observe and delete loop
/// over. Errors and observations are reported in this order.
pub const PARTS: &[PartDef] = &[
    key::PART,
    archive::PART,
    log_group::PART,
    delivery_role::PART,
    trail::PART,
    metric_filter::PART,
    findings::PART,
    alarm::PART,
    topic::PART,
    subscriptions::PART,
    event_bus::PART,
    event_rule::PART,
    event_rule::TARGETS_PART,
    dashboard::PART,
    query_definitions::PART,
];

/// The parts a pipeline with this spec has.
pub fn present(spec: &PipelineSpec) -> impl Iterator<Item = &'static PartDef> + '_ {
    PARTS.iter().filter(move |part| (part.present)(spec))
}

/// The protections a pipeline with this spec must have, each with the
/// component whose `ensure` puts it in place.
pub fn expected_protections(spec: &PipelineSpec) -> Vec<(Protection, Component)> {
    present(spec)
        .flat_map(|part| {
            part.protections
                .iter()
                .filter(|protection| protection.required(spec))
                .map(|protection| (*protection, part.id))
        })
        .collect()
}

/// A part of a set (a metric filter, a read rule) as AWS reports it: its
/// name and pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Named {
    pub name: String,
    pub pattern: String,
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
/// observed settings that drift detection compares with the spec. How each
/// maps onto the Terraform state (and `nothing_exists`) is the table
/// `terraform::state::COMPUTED`.
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
    /// Set while any of the pipeline's metric filters exists on the trail's
    /// log group.
    pub metric_filter_name: Option<String>,
    /// Every metric filter of the pipeline on the trail's log group, in
    /// layout order, then any the layout no longer has.
    pub metric_filters: Vec<Named>,
    pub alarm_name: Option<String>,
    pub alarm_arn: Option<String>,
    pub alarm: Option<AlarmSpec>,
    pub topic_arn: Option<String>,
    pub subscriptions: Vec<Subscription>,
    pub read_rule_arn: Option<String>,
    /// Every read rule (caller rules, then the rules that notify), in layout
    /// order, then any the layout no longer has.
    pub read_rules: Vec<Named>,
    /// The pipeline's own bus (two-stage per-event path).
    pub event_bus_arn: Option<String>,
    /// The findings log group (when the alarm counts findings).
    pub findings_log_group_arn: Option<String>,
    /// The metric filter on the findings log group, as AWS reports it.
    pub findings_filter: Option<Named>,
    pub tamper_rule_arn: Option<String>,
    /// The pipeline's CloudWatch dashboard, while it exists.
    pub dashboard_name: Option<String>,
    /// Why a saved query was left out (over `PutQueryDefinition`'s limits):
    /// apply warns with each.
    pub skipped_queries: Vec<String>,
    /// Each of [`expected_protections`] and whether it holds.
    pub protections: BTreeMap<String, bool>,
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
    ) -> Result<String, PipelineError> {
        self.get(read)
            .ok_or(PipelineError::DependencyMissing { component, what })
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
    /// The key as apply looked it up while it asked for the account; `None`
    /// elsewhere, and then the key's `ensure` looks it up itself.
    pub key_lookup: Option<&'a key::Lookup>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        clients: &'a Clients,
        spec: &'a PipelineSpec,
        names: &'a Names,
        deadline: tokio::time::Instant,
    ) -> Self {
        Self {
            clients,
            spec,
            names,
            deadline,
            key_lookup: None,
        }
    }

    pub fn tags(&self) -> impl Iterator<Item = (&String, &String)> {
        self.spec.tags.iter()
    }
}
