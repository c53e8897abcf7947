//! The read rules the layout wants: where each lives, what it matches and
//! which targets it must have.

use std::collections::BTreeSet;

use aws_sdk_eventbridge::types::{InputTransformer, RuleState, Target};

use super::{Rule, BUS_TARGET, FINDINGS_TARGET, TARGETS, TARGET_ID};
use crate::aws::AwsError;
use crate::components::alert_message::{input_paths, input_template};
use crate::components::{Names, PipelineSpec};
use crate::pattern::layout::ReadRules;

/// Where a rule lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bus {
    /// The account's default bus: the single rule, the caller rules, the
    /// tamper rule.
    Default,
    /// The pipeline's own bus: the scope rules.
    Pipeline,
}

impl Bus {
    pub const BOTH: [Bus; 2] = [Bus::Default, Bus::Pipeline];

    /// The `EventBusName` of the calls; `None` is the default bus.
    pub fn name(self, names: &Names) -> Option<String> {
        match self {
            Bus::Default => None,
            Bus::Pipeline => Some(names.event_bus.clone()),
        }
    }

    pub fn rule_arn(self, names: &Names, rule: &str) -> String {
        match self {
            Bus::Default => names.rule_arn(rule),
            Bus::Pipeline => names.bus_rule_arn(rule),
        }
    }
}

/// One read rule of the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRule {
    pub name: String,
    pub bus: Bus,
    pub pattern: String,
    /// It notifies (the single rule, a scope rule); else it forwards to the
    /// pipeline's bus (a caller rule).
    pub notifies: bool,
}

/// The read rules the spec wants, in layout order: the caller rules, then
/// the rules that notify.
pub fn wanted_reads(spec: &PipelineSpec, names: &Names) -> Vec<ReadRule> {
    let plan = &names.plan;
    match &spec.detection.rules {
        ReadRules::None => Vec::new(),
        ReadRules::Single(pattern) => vec![ReadRule {
            name: names.read_rule.clone(),
            bus: Bus::Default,
            pattern: pattern.clone(),
            notifies: true,
        }],
        ReadRules::TwoStage { callers, scopes } => {
            let callers = callers.iter().map(|pattern| ReadRule {
                name: plan.staged_rule('c', pattern),
                bus: Bus::Default,
                pattern: pattern.clone(),
                notifies: false,
            });
            let scopes = scopes.iter().map(|pattern| ReadRule {
                name: plan.staged_rule('s', pattern),
                bus: Bus::Pipeline,
                pattern: pattern.clone(),
                notifies: true,
            });
            callers.chain(scopes).collect()
        }
    }
}

/// Whether `name` on `bus` is one of the pipeline's read rules (of any
/// layout).
pub(super) fn is_read_rule(names: &Names, bus: Bus, name: &str) -> bool {
    match bus {
        Bus::Default => name == names.read_rule || names.plan.is_staged_rule('c', name),
        Bus::Pipeline => names.plan.is_staged_rule('s', name),
    }
}

/// The targets a read rule must have: a caller rule forwards to the
/// pipeline's bus; a rule that notifies publishes to the topic (with
/// `fast_alerts`) and writes the whole event to the findings log group
/// (when the alarm counts findings).
pub(super) fn read_targets(
    spec: &PipelineSpec,
    names: &Names,
    rule: &ReadRule,
    topic_arn: &str,
) -> Result<Vec<Target>, AwsError> {
    let built = |b: aws_sdk_eventbridge::types::builders::TargetBuilder| {
        b.build()
            .map_err(|e| AwsError::new(TARGETS, "PutTargets", &rule.name, e.to_string()))
    };
    if !rule.notifies {
        return Ok(vec![built(
            Target::builder().id(BUS_TARGET).arn(names.event_bus_arn()),
        )?]);
    }
    let mut targets = Vec::new();
    if spec.fast_alerts {
        targets.push(topic_target(
            Rule::Reads,
            &spec.name,
            topic_arn,
            &rule.name,
        )?);
    }
    if spec.detection.findings {
        targets.push(built(
            Target::builder()
                .id(FINDINGS_TARGET)
                .arn(names.findings_log_group_arn()),
        )?);
    }
    Ok(targets)
}

/// The topic target of `rule`, with its message.
pub(super) fn topic_target(
    rule: Rule,
    pipeline: &str,
    topic_arn: &str,
    name: &str,
) -> Result<Target, AwsError> {
    let mut transformer =
        InputTransformer::builder().input_template(input_template(rule, pipeline));
    for (placeholder, path) in input_paths(rule) {
        transformer = transformer.input_paths_map(placeholder, path);
    }
    Target::builder()
        .id(TARGET_ID)
        .arn(topic_arn)
        .input_transformer(
            transformer
                .build()
                .map_err(|e| AwsError::new(TARGETS, "PutTargets", name, e.to_string()))?,
        )
        .build()
        .map_err(|e| AwsError::new(TARGETS, "PutTargets", name, e.to_string()))
}

/// Whether `listed` holds `wanted`: same id, same ARN, same message (or
/// none where none is wanted).
pub(super) fn same_target(wanted: &Target, listed: &Target) -> bool {
    wanted.id() == listed.id()
        && wanted.arn() == listed.arn()
        && wanted
            .input_transformer()
            .map(InputTransformer::input_template)
            == listed
                .input_transformer()
                .map(InputTransformer::input_template)
}

/// Whether a rule in this state with these targets does its work.
pub(super) fn in_place(
    state: Option<&RuleState>,
    want: &RuleState,
    targets: &Targets,
    wanted: &[Target],
) -> bool {
    state == Some(want) && targets.hold(wanted)
}

/// What a listing knows of one rule's targets.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Not read: the caller needed the rules only.
    Unread,
    /// Every target, as `ListTargetsByRule` returns them.
    Listed(Vec<Target>),
    /// Which of the ARNs refresh asked `ListRuleNamesByTarget` about the rule
    /// targets. Refresh reads this way the rules whose wanted targets carry
    /// no message (the caller rules), so their number costs listings, not
    /// one call each.
    Arns(BTreeSet<String>),
}

impl Targets {
    /// Whether these hold every `wanted` target: the same id, ARN and
    /// message when every target was read; the same ARN when only ARNs
    /// were (a message wanted can then not be confirmed).
    pub fn hold(&self, wanted: &[Target]) -> bool {
        match self {
            Targets::Unread => false,
            Targets::Listed(listed) => wanted
                .iter()
                .all(|w| listed.iter().any(|t| same_target(w, t))),
            Targets::Arns(arns) => wanted
                .iter()
                .all(|w| w.input_transformer().is_none() && arns.contains(w.arn())),
        }
    }

    /// The targets as read; none unless every target was.
    pub fn listed(&self) -> &[Target] {
        match self {
            Targets::Listed(listed) => listed,
            Targets::Unread | Targets::Arns(_) => &[],
        }
    }
}
