//! The one contract every part of the pipeline fulfils ([`PartDef`]): its
//! identity ([`Component`]), what it waits for, how it is ensured, found,
//! deleted and forgotten, and the protections it puts in place
//! ([`Protection`]). The pipeline's operations are loops over
//! [`super::PARTS`]; they know no part by name.

use std::fmt;

use futures::future::BoxFuture;

use super::{Ctx, Observed, PipelineSpec, Recorder};
use crate::aws::AwsError;
use crate::engine::Usable;

/// The parts of a pipeline. Used to label errors, engine steps and log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    Identity,
    Key,
    Archive,
    LogGroup,
    DeliveryRole,
    Trail,
    MetricFilter,
    Alarm,
    Topic,
    Subscriptions,
    EventRules,
    RuleTargets,
    EventBus,
    Findings,
    Dashboard,
    QueryDefinitions,
}

impl Component {
    pub const ALL: [Component; 16] = [
        Component::Identity,
        Component::Key,
        Component::Archive,
        Component::LogGroup,
        Component::DeliveryRole,
        Component::Trail,
        Component::MetricFilter,
        Component::Alarm,
        Component::Topic,
        Component::Subscriptions,
        Component::EventRules,
        Component::RuleTargets,
        Component::EventBus,
        Component::Findings,
        Component::Dashboard,
        Component::QueryDefinitions,
    ];

    pub const fn label(self) -> &'static str {
        match self {
            Component::Identity => "account identity",
            Component::Key => "KMS key",
            Component::Archive => "S3 archive bucket",
            Component::LogGroup => "CloudWatch Logs group",
            Component::DeliveryRole => "CloudTrail delivery role",
            Component::Trail => "CloudTrail trail",
            Component::MetricFilter => "metric filter",
            Component::Alarm => "CloudWatch alarm",
            Component::Topic => "SNS topic",
            Component::Subscriptions => "SNS subscriptions",
            Component::EventRules => "EventBridge rules",
            Component::RuleTargets => "EventBridge rule targets",
            Component::EventBus => "pipeline event bus",
            Component::Findings => "findings log group",
            Component::Dashboard => "CloudWatch dashboard",
            Component::QueryDefinitions => "saved Logs Insights queries",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Protections an attacker (or a well-meaning colleague) can remove without
/// deleting anything. Refresh checks each; the plan wants each `true`, so a
/// removed protection shows as drift naming it, and apply restores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protection {
    TrailRecordsReadEvents,
    ArchiveBlocksPublicAccess,
    ArchivePolicyInPlace,
    /// The topic is still encrypted with the key and still carries our policy.
    TopicPolicyInPlace,
    AlarmNotifiesTopic,
    KeyEnabled,
    ReadRuleAlerts,
    TamperRuleAlerts,
    /// The findings log group still carries the policy that lets only the
    /// pipeline's notifying rules write to it.
    FindingsPolicyInPlace,
    /// The dashboard still shows what the pipeline put there (its body is
    /// the one the spec gives).
    DashboardInPlace,
    /// Every saved query is there once, with the text and log group the
    /// spec gives it.
    SavedQueriesInPlace,
}

impl Protection {
    /// The key of the `protections` attribute.
    pub const fn name(self) -> &'static str {
        match self {
            Protection::TrailRecordsReadEvents => "trail_records_read_events",
            Protection::ArchiveBlocksPublicAccess => "archive_blocks_public_access",
            Protection::ArchivePolicyInPlace => "archive_policy_in_place",
            Protection::TopicPolicyInPlace => "topic_policy_in_place",
            Protection::AlarmNotifiesTopic => "alarm_notifies_topic",
            Protection::KeyEnabled => "key_enabled",
            Protection::ReadRuleAlerts => "read_rule_alerts",
            Protection::TamperRuleAlerts => "tamper_rule_alerts",
            Protection::FindingsPolicyInPlace => "findings_policy_in_place",
            Protection::DashboardInPlace => "dashboard_in_place",
            Protection::SavedQueriesInPlace => "saved_queries_in_place",
        }
    }

    /// Whether a pipeline with this spec must have it, given that the part
    /// putting it in place is present.
    pub fn required(self, spec: &PipelineSpec) -> bool {
        match self {
            // A customer's key is the customer's to enable or disable.
            Protection::KeyEnabled => spec.kms.key_arn.is_none(),
            // With findings the alarm counts what the read rules write.
            Protection::ReadRuleAlerts => spec.fast_alerts || spec.detection.findings,
            Protection::TamperRuleAlerts => spec.tamper_alerts,
            Protection::FindingsPolicyInPlace => spec.detection.findings,
            _ => true,
        }
    }
}

/// Makes the part match the spec (create it, or repair drift), recording
/// identifiers the moment they exist; says `Usable` as soon as the parts that
/// only use it may start. Idempotent: create, update and the repair of a
/// partial create are one code path.
pub type Ensure =
    for<'a> fn(&'a Ctx<'a>, &'a Recorder, Usable) -> BoxFuture<'a, Result<(), PipelineError>>;

/// Reads what exists, for refresh and drift detection, starting from what
/// the state recorded; `None` when the part does not exist.
pub type Find =
    for<'a> fn(&'a Ctx<'a>, &'a Observed) -> BoxFuture<'a, Result<Option<Box<dyn Seen>>, AwsError>>;

/// Removes the part; "not found" counts as done.
pub type Delete = for<'a> fn(&'a Ctx<'a>, &'a Recorder) -> BoxFuture<'a, Result<Deleted, AwsError>>;

/// What a finder saw of its part.
pub trait Seen: Send {
    /// Writes the identifiers and settings seen into the observation.
    fn record(&self, observed: &mut Observed);
    /// The protections this look-up can judge, and whether each holds.
    fn protections(&self) -> Vec<(Protection, bool)> {
        Vec::new()
    }
}

/// `found`, as the finders' common answer.
pub fn seen<T: Seen + 'static>(found: Option<T>) -> Option<Box<dyn Seen>> {
    found.map(|seen| Box::new(seen) as Box<dyn Seen>)
}

/// One part of the pipeline. Apply runs `ensure` once every part in `after`
/// and `refers_to` completed and every part in `after_usable` is usable.
/// Delete runs the apply graph reversed: a part goes once every part that
/// lists it in `after` or `after_usable` is gone. `refers_to` is not
/// reversed: it names parts this one only points at, and a pointer left
/// dangling for the moment harms nobody.
#[derive(Clone, Copy)]
pub struct PartDef {
    pub id: Component,
    /// Whether a pipeline with this spec has the part at all.
    pub present: fn(&PipelineSpec) -> bool,
    pub after: &'static [Component],
    pub after_usable: &'static [Component],
    pub refers_to: &'static [Component],
    /// The part this one exists inside: when that one is gone, so is this
    /// one, whatever its own look-up answered.
    pub inside: Option<Component>,
    /// The protections this part's `ensure` puts in place.
    pub protections: &'static [Protection],
    pub ensure: Ensure,
    /// `None` for a part observed with another (rule targets, with their rules).
    pub find: Option<Find>,
    pub delete: Delete,
    /// Clears what the observation records of the part, once deleted.
    pub forget: fn(&mut Observed),
}

impl PartDef {
    /// The parts whose completion apply waits for.
    pub fn waits_for(&self) -> Vec<Component> {
        self.after.iter().chain(self.refers_to).copied().collect()
    }

    /// Whether apply orders this part after `other` in a way delete must
    /// reverse.
    pub fn builds_on(&self, other: Component) -> bool {
        self.after.contains(&other) || self.after_usable.contains(&other)
    }
}

/// Every pipeline has the part.
pub fn always(_: &PipelineSpec) -> bool {
    true
}

/// Only a pipeline that creates its own trail has the part.
pub fn with_trail(spec: &PipelineSpec) -> bool {
    spec.trail.create
}

/// What a delete did. Some components are kept on purpose (audit data) and the
/// user is told so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Done,
    Kept {
        reason: String,
    },
    /// Not the pipeline's to delete (a customer's key, another trail's log
    /// group): left as it is, and still recorded.
    LeftAlone,
}

/// The pipeline operations whose errors name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Apply,
    Destroy,
}

impl Operation {
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Apply => "apply",
            Operation::Destroy => "destroy",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a pipeline operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PipelineError {
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The deadline passed with these parts not started.
    #[error("the {operation} timed out; not started: {}", labels(.not_started))]
    TimedOut {
        operation: Operation,
        not_started: Vec<Component>,
    },
    /// A part ran before a part it needs had recorded `what` (an ordering bug).
    #[error("{component}: {what} is not known yet")]
    DependencyMissing {
        component: Component,
        what: &'static str,
    },
    /// Parts never started because a part they wait for failed.
    #[error("the {operation} did not reach {}", labels(.not_started))]
    Blocked {
        operation: Operation,
        not_started: Vec<Component>,
    },
}

impl PipelineError {
    /// The AWS call that failed, when one did.
    pub fn aws(&self) -> Option<&AwsError> {
        match self {
            PipelineError::Aws(err) => Some(err),
            _ => None,
        }
    }
}

/// The parts' labels, listed for a person.
pub fn labels(parts: &[Component]) -> String {
    let labels: Vec<&str> = parts.iter().map(|part| part.label()).collect();
    labels.join(", ")
}
