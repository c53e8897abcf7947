//! What exists of the pipeline's rules: one listing per bus, each rule with
//! its targets, judged against what the layout wants.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eventbridge::types::{Rule as ListedRule, Target};
use futures::{StreamExt, TryStreamExt};

use super::wanted::{
    in_place, is_read_rule, read_targets, topic_target, wanted_reads, Bus, Targets,
};
use super::{Rule, C, CONCURRENCY};
use crate::aws::{all_pages, codes, Absence, AwsError};
use crate::components::{Ctx, Named, Names, Observed, PipelineSpec};

/// One of the pipeline's rules as listed, with its targets.
#[derive(Debug, Clone)]
pub struct Listed {
    pub bus: Bus,
    pub rule: ListedRule,
    pub targets: Targets,
}

impl Listed {
    pub(super) fn name(&self) -> &str {
        self.rule.name().unwrap_or_default()
    }
}

/// What the listing of the pipeline's rules found.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The pipeline's read rules on both buses, and the tamper rule.
    pub rules: Vec<Listed>,
    /// Whether the pipeline's bus exists (`false` when it was not listed).
    pub bus_exists: bool,
}

impl Listing {
    pub(super) fn find(&self, bus: Bus, name: &str) -> Option<&Listed> {
        self.rules.iter().find(|l| l.bus == bus && l.name() == name)
    }

    pub(super) fn reads(&self, names: &Names) -> impl Iterator<Item = &Listed> + '_ {
        let names = names.clone();
        self.rules
            .iter()
            .filter(move |l| is_read_rule(&names, l.bus, l.name()))
    }
}

/// The prefix every rule of the pipeline on the default bus starts with.
pub(super) fn default_prefix(names: &Names) -> String {
    let staged = format!("{}-reads-", names.plan.trail);
    let prefix = common_prefix(&names.read_rule, &names.tamper_rule);
    common_prefix(prefix, &staged).to_owned()
}

/// The pipeline's rules on `bus` (one `ListRules` by name prefix, 100 a
/// page, every page); `None` when the bus does not exist.
pub(super) async fn list_bus(ctx: &Ctx<'_>, bus: Bus) -> Result<Option<Vec<ListedRule>>, AwsError> {
    let names = ctx.names;
    let prefix = match bus {
        Bus::Default => default_prefix(names),
        Bus::Pipeline => names.plan.staged_prefix('s'),
    };
    let ours = |name: &str| match bus {
        Bus::Default => name == names.tamper_rule || is_read_rule(names, bus, name),
        Bus::Pipeline => is_read_rule(names, bus, name),
    };
    let listed = all_pages(C, "ListRules", &prefix, |token| {
        let request = ctx
            .clients
            .events
            .list_rules()
            // The names start with the pipeline's name; an empty prefix
            // (which the API rejects) cannot occur but would list every rule.
            .set_name_prefix((!prefix.is_empty()).then(|| prefix.clone()))
            .set_event_bus_name(bus.name(names))
            .limit(100)
            .set_next_token(token);
        async {
            let page = request
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(C, "ListRules", &prefix, e))
                .found_if(&[codes::events::RESOURCE_NOT_FOUND])?;
            Ok(page.map(|page| (page.rules.unwrap_or_default(), page.next_token)))
        }
    })
    .await?;
    Ok(listed.map(|rules| {
        let mut found: Vec<ListedRule> = Vec::new();
        for rule in rules {
            let Some(name) = rule.name() else { continue };
            // Other pipelines' rules share the prefix, and a page boundary
            // that moves may list one rule twice.
            if ours(name) && !found.iter().any(|r| r.name() == Some(name)) {
                found.push(rule);
            }
        }
        found
    }))
}

/// The rule's targets; `None` when the rule does not exist (any more).
pub(super) async fn list_targets(
    ctx: &Ctx<'_>,
    bus: Bus,
    name: &str,
) -> Result<Option<Vec<Target>>, AwsError> {
    let listed = ctx
        .clients
        .events
        .list_targets_by_rule()
        .rule(name)
        .set_event_bus_name(bus.name(ctx.names))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "ListTargetsByRule", name, e))
        .found_if(&[codes::events::RESOURCE_NOT_FOUND])?;
    Ok(listed.map(|out| out.targets.unwrap_or_default()))
}

/// The names of the rules on `bus` that target `arn` (100 a page, every
/// page); none when the bus does not exist.
async fn rules_targeting(ctx: &Ctx<'_>, bus: Bus, arn: &str) -> Result<Vec<String>, AwsError> {
    let listed = all_pages(C, "ListRuleNamesByTarget", arn, |token| {
        let request = ctx
            .clients
            .events
            .list_rule_names_by_target()
            .target_arn(arn)
            .set_event_bus_name(bus.name(ctx.names))
            .limit(100)
            .set_next_token(token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(C, "ListRuleNamesByTarget", arn, e))
                .found_if(&[codes::events::RESOURCE_NOT_FOUND])?;
            Ok(page.map(|page| (page.rule_names.unwrap_or_default(), page.next_token)))
        }
    })
    .await?;
    Ok(listed.unwrap_or_default())
}

/// How much of each rule's targets a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The rules only: putting rules and deleting them need no targets.
    Rules,
    /// Every target of every rule, one `ListTargetsByRule` each: what
    /// `PutTargets` and `RemoveTargets` are decided from.
    Targets,
}

/// The pipeline's rules on the default bus and its own bus, both listed at
/// once; `None` for the pipeline's bus when it does not exist or cannot
/// ([`crate::components::event_bus::may_exist`]).
async fn list_buses(
    ctx: &Ctx<'_>,
    recorded: &Observed,
) -> Result<(Vec<ListedRule>, Option<Vec<ListedRule>>), AwsError> {
    let pipeline = async {
        if crate::components::event_bus::may_exist(ctx, recorded) {
            list_bus(ctx, Bus::Pipeline).await
        } else {
            Ok(None)
        }
    };
    let (default, pipeline) = tokio::join!(list_bus(ctx, Bus::Default), pipeline);
    Ok((default?.unwrap_or_default(), pipeline?))
}

fn on_buses(
    default: Vec<ListedRule>,
    pipeline: Option<Vec<ListedRule>>,
) -> impl Iterator<Item = (Bus, ListedRule)> {
    default
        .into_iter()
        .map(|r| (Bus::Default, r))
        .chain(pipeline.into_iter().flatten().map(|r| (Bus::Pipeline, r)))
}

/// The pipeline's rules on both buses, each with its targets when
/// `reading` asks for them (listed `CONCURRENCY` at a time). A rule deleted
/// between the listings is left out.
pub async fn list(
    ctx: &Ctx<'_>,
    recorded: &Observed,
    reading: Reading,
) -> Result<Listing, AwsError> {
    if reading == Reading::Targets {
        return list_with_targets_of(ctx, recorded, &[]).await;
    }
    let (default, pipeline) = list_buses(ctx, recorded).await?;
    let bus_exists = pipeline.is_some();
    let rules = on_buses(default, pipeline)
        .map(|(bus, rule)| Listed {
            bus,
            rule,
            targets: Targets::Unread,
        })
        .collect();
    Ok(Listing { rules, bus_exists })
}

/// Every rule with all its targets ([`Reading::Targets`]); the targets of the
/// `early` rules (the ones the layout wants, whose names are known) are read
/// beside the listing of the rules, so putting targets waits one round
/// trip, not two. Only the rules the listing finds beyond them (those the
/// layout no longer has) have their targets read after it.
pub async fn list_with_targets_of(
    ctx: &Ctx<'_>,
    recorded: &Observed,
    early: &[(Bus, String)],
) -> Result<Listing, AwsError> {
    let read_early = futures::stream::iter(early.iter().cloned())
        .map(|(bus, name)| async move {
            let targets = list_targets(ctx, bus, &name).await?;
            Ok::<_, AwsError>(((bus, name), targets))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<_>>();
    let (buses, read_early) = tokio::join!(list_buses(ctx, recorded), read_early);
    let ((default, pipeline), read_early) = (buses?, read_early?);
    let read_early: BTreeMap<(Bus, String), Option<Vec<Target>>> = read_early.into_iter().collect();
    let bus_exists = pipeline.is_some();
    let listed: Vec<Option<Listed>> = futures::stream::iter(on_buses(default, pipeline))
        .map(|(bus, rule)| {
            let name = rule.name().unwrap_or_default().to_owned();
            let known = read_early.get(&(bus, name.clone())).cloned();
            async move {
                let targets = match known {
                    Some(targets) => targets,
                    None => list_targets(ctx, bus, &name).await?,
                };
                Ok::<_, AwsError>(targets.map(|targets| Listed {
                    bus,
                    rule,
                    targets: Targets::Listed(targets),
                }))
            }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(Listing {
        rules: listed.into_iter().flatten().collect(),
        bus_exists,
    })
}

/// How many targets refresh reads at once. Every EventBridge API but
/// PutEvents is limited to 50 requests a second by default ("All other API
/// requests", EventBridge quotas), and a refresh makes fewer than that: its
/// full reads are of the rules that notify (at most the 30 wildcard rules
/// the pipeline's bus allows) and the tamper rule, beside two `ListRules`
/// and one `ListRuleNamesByTarget` per forwarding target.
const REFRESH_READS: usize = 16;

/// The listing refresh judges, in two rounds at most: the rules of both
/// buses, the targets of every rule whose wanted targets carry a message
/// (the rules that notify, the tamper rule) read whole, and the rules
/// that only forward (the caller rules) found by `ListRuleNamesByTarget`
/// on the ARN they target, all at once. The names are known from the
/// layout, so no call waits for the listing of the rules. A rule the
/// layout no longer has is listed without its targets.
pub async fn list_for_refresh(
    ctx: &Ctx<'_>,
    recorded: &Observed,
    topic_arn: &str,
) -> Result<Listing, AwsError> {
    let (spec, names) = (ctx.spec, ctx.names);
    let mut whole: Vec<(Bus, String)> = vec![(Bus::Default, names.tamper_rule.clone())];
    let mut by_arn: BTreeMap<(Bus, String), BTreeSet<String>> = BTreeMap::new();
    for rule in wanted_reads(spec, names) {
        let targets = read_targets(spec, names, &rule, topic_arn)?;
        if targets.iter().all(|t| t.input_transformer().is_none()) {
            for t in &targets {
                by_arn
                    .entry((rule.bus, t.arn().to_owned()))
                    .or_default()
                    .insert(rule.name.clone());
            }
        } else {
            whole.push((rule.bus, rule.name));
        }
    }
    let read_whole = futures::stream::iter(whole)
        .map(|(bus, name)| async move {
            let targets = list_targets(ctx, bus, &name).await?;
            Ok::<_, AwsError>(((bus, name), targets))
        })
        .buffer_unordered(REFRESH_READS)
        .try_collect::<Vec<_>>();
    let read_by_arn = futures::future::try_join_all(by_arn.keys().map(|(bus, arn)| async move {
        let rules = rules_targeting(ctx, *bus, arn).await?;
        Ok::<_, AwsError>((*bus, arn.clone(), rules))
    }));
    let (buses, whole, found) = tokio::join!(list_buses(ctx, recorded), read_whole, read_by_arn);
    let ((default, pipeline), whole, found) = (buses?, whole?, found?);
    let whole: BTreeMap<(Bus, String), Option<Vec<Target>>> = whole.into_iter().collect();
    let mut targeting: BTreeMap<(Bus, String), BTreeSet<String>> = BTreeMap::new();
    for (bus, arn, rules) in found {
        for rule in rules {
            targeting
                .entry((bus, rule))
                .or_default()
                .insert(arn.clone());
        }
    }
    let bus_exists = pipeline.is_some();
    let rules = on_buses(default, pipeline)
        .filter_map(|(bus, rule)| {
            let key = (bus, rule.name().unwrap_or_default().to_owned());
            let targets = match whole.get(&key) {
                // Deleted between the listings: left out, as `list` does.
                Some(None) => return None,
                Some(Some(targets)) => Targets::Listed(targets.clone()),
                None if by_arn
                    .iter()
                    .any(|((on, _), rules)| *on == bus && rules.contains(&key.1)) =>
                {
                    Targets::Arns(targeting.remove(&key).unwrap_or_default())
                }
                None => Targets::Unread,
            };
            Some(Listed { bus, rule, targets })
        })
        .collect();
    Ok(Listing { rules, bus_exists })
}

/// What refresh learns of the pipeline's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesObservation {
    /// The read rules as listed, in layout order, then those the layout no
    /// longer has; each pattern normalised against the one wanted under its
    /// name.
    pub reads: Vec<Named>,
    pub read_rule_arn: Option<String>,
    /// Every wanted read rule exists in its state with its targets.
    pub reads_alerting: bool,
    pub tamper: Option<RuleObservation>,
}

/// What refresh learns about the tamper rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleObservation {
    pub arn: String,
    pub pattern: String,
    /// In the state its events need, targeting the topic with our message.
    pub alerting: bool,
}

/// Judges a listing against the spec: what [`RulesObservation`] says.
pub fn observe(
    spec: &PipelineSpec,
    names: &Names,
    topic_arn: &str,
    listing: &Listing,
) -> Result<RulesObservation, AwsError> {
    let wanted = wanted_reads(spec, names);
    let read_state = Rule::Reads.state();
    let mut reads_alerting = !wanted.is_empty();
    for rule in &wanted {
        let targets = read_targets(spec, names, rule, topic_arn)?;
        let holds = listing
            .find(rule.bus, &rule.name)
            .is_some_and(|l| in_place(l.rule.state(), &read_state, &l.targets, &targets));
        reads_alerting &= holds;
    }
    let rank = |l: &Listed| {
        wanted
            .iter()
            .position(|w| w.bus == l.bus && w.name == l.name())
            .unwrap_or(usize::MAX)
    };
    let mut reads: Vec<&Listed> = listing.reads(names).collect();
    reads.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.bus.cmp(&b.bus))
            .then_with(|| a.name().cmp(b.name()))
    });
    let read_rule_arn = reads.first().map(|l| {
        l.rule
            .arn()
            .map_or_else(|| l.bus.rule_arn(names, l.name()), str::to_owned)
    });
    let reads = reads
        .into_iter()
        .map(|l| {
            let want = wanted.iter().find(|w| w.bus == l.bus && w.name == l.name());
            Named {
                name: l.name().to_owned(),
                pattern: crate::pattern::as_observed(
                    l.rule.event_pattern().unwrap_or_default(),
                    want.map(|w| w.pattern.as_str()),
                    crate::pattern::event::same_json,
                ),
            }
        })
        .collect();
    let tamper = match listing.find(Bus::Default, &names.tamper_rule) {
        None => None,
        Some(l) => {
            let target = topic_target(Rule::Tamper, &spec.name, topic_arn, &names.tamper_rule)?;
            Some(RuleObservation {
                arn: l
                    .rule
                    .arn()
                    .map_or_else(|| names.rule_arn(&names.tamper_rule), str::to_owned),
                pattern: l.rule.event_pattern().unwrap_or_default().to_owned(),
                alerting: in_place(
                    l.rule.state(),
                    &Rule::Tamper.state(),
                    &l.targets,
                    std::slice::from_ref(&target),
                ),
            })
        }
    };
    Ok(RulesObservation {
        reads,
        read_rule_arn,
        reads_alerting,
        tamper,
    })
}

pub async fn find(
    ctx: &Ctx<'_>,
    recorded: &Observed,
    topic_arn: &str,
) -> Result<RulesObservation, AwsError> {
    let listing = list_for_refresh(ctx, recorded, topic_arn).await?;
    observe(ctx.spec, ctx.names, topic_arn, &listing)
}

/// The longest prefix `a` and `b` share, cut at a character boundary.
pub(super) fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let shared = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((at, _), _)| at);
    &a[..shared]
}
