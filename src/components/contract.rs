//! What every part of the pipeline is: its identity ([`Component`]) and the
//! protections it reports ([`Protection`]).

use std::fmt;

use super::PipelineSpec;

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
}

impl Component {
    pub const ALL: [Component; 12] = [
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
        }
    }

    /// Whether a pipeline with this spec must have it, given that the part
    /// putting it in place is present.
    pub fn required(self, spec: &PipelineSpec) -> bool {
        match self {
            // A customer's key is the customer's to enable or disable.
            Protection::KeyEnabled => spec.kms.key_arn.is_none(),
            Protection::ReadRuleAlerts => spec.fast_alerts,
            Protection::TamperRuleAlerts => spec.tamper_alerts,
            _ => true,
        }
    }
}
