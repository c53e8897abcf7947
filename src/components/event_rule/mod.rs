//! The EventBridge rules that turn single CloudTrail events into alerts on
//! the pipeline's topic, without waiting for log delivery and an alarm
//! period:
//! - the read rules (`spec.detection.rules`, docs/scale.md): one rule on the
//!   default bus when the layout fits one pattern (`names.read_rule`, as
//!   before), or two stages: caller rules on the default bus that forward
//!   what their allow-list leaves to the pipeline's own bus
//!   ([`super::event_bus`]), and scope rules there that notify. Every read
//!   rule is in state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`, since
//!   secret reads are read-only management events that plain `ENABLED`
//!   rules never see (on the default or a custom bus alike);
//! - the tamper rule (`tamper_alerts`): calls that stop, delete or blind the
//!   pipeline's own parts.
//!
//! The rules that notify target the topic through an input transformer
//! (when `fast_alerts`), so the message names who did what to which
//! resource, and the findings log group with the whole event (when the
//! alarm counts findings).
//!
//! The read rules are a set, named by content: an update puts the new rules
//! first (without targets), then their targets, and only then deletes the
//! rules the layout no longer has, so a read is never missed in between.
//!
//! **No role on the bus target.** The PutTargets and Target references ask
//! for a `RoleArn` on an event bus target only for a bus in another account
//! that granted access through an organization; the caller rules target a
//! bus in the same account and region, and carry none. AWS recommends a
//! role for bus targets (the user guide's bus-to-bus procedure creates one);
//! should delivery need it, it is a role trusted by `events.amazonaws.com`
//! with `events:PutEvents` on the pipeline's bus alone.

use aws_sdk_eventbridge::types::{Rule as ListedRule, RuleState, Tag, Target};

use futures::{FutureExt, StreamExt, TryFutureExt, TryStreamExt};

use super::{
    always, Component, Ctx, Deleted, Named, Names, Observed, PartDef, PipelineError, PipelineSpec,
    Protection, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError};
use crate::pattern::event::{
    read_alert_pattern, tamper_pattern, EventPattern, KeyTarget, ReadRulesTarget, TamperTargets,
    TrailTarget,
};

mod listing;
mod wanted;

pub use listing::{
    find, list, list_for_refresh, observe, Listed, Listing, Reading, RuleObservation,
    RulesObservation,
};
use wanted::{read_targets, same_target, topic_target};
pub use wanted::{wanted_reads, Bus, ReadRule, Targets};

pub(super) const C: Component = Component::EventRules;
pub(super) const TARGETS: Component = Component::RuleTargets;

/// The topic target of each rule that notifies, and of the tamper rule.
pub(super) const TARGET_ID: &str = "secretmonitor-topic";
/// The findings log group target of each rule that notifies.
pub(super) const FINDINGS_TARGET: &str = "secretmonitor-findings";
/// The pipeline's bus, target of each caller rule.
pub(super) const BUS_TARGET: &str = "secretmonitor-bus";
/// The targets the pipeline puts: only these are removed from a rule it
/// keeps.
const OUR_TARGETS: [&str; 3] = [TARGET_ID, FINDINGS_TARGET, BUS_TARGET];

/// How many rules are listed, put or deleted at once.
pub(super) const CONCURRENCY: usize = 8;

/// Which of the two rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Reads,
    Tamper,
}

impl Rule {
    pub const BOTH: [Rule; 2] = [Rule::Reads, Rule::Tamper];

    pub fn name(self, names: &Names) -> &str {
        match self {
            Rule::Reads => &names.read_rule,
            Rule::Tamper => &names.tamper_rule,
        }
    }

    pub fn enabled(self, spec: &PipelineSpec) -> bool {
        match self {
            Rule::Reads => spec.fast_alerts,
            Rule::Tamper => spec.tamper_alerts,
        }
    }

    /// Read-only management events (every secret read) reach only rules in
    /// this state; the tamper rule's calls are all writes.
    pub(super) fn state(self) -> RuleState {
        match self {
            Rule::Reads => RuleState::EnabledWithAllCloudtrailManagementEvents,
            Rule::Tamper => RuleState::Enabled,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Rule::Reads => "secretmonitor: reads of watched secrets outside the allow-list",
            Rule::Tamper => "secretmonitor: calls that stop, delete or blind this pipeline",
        }
    }
}

/// The event pattern `rule` must carry for this spec.
pub fn pattern(
    rule: Rule,
    spec: &PipelineSpec,
    names: &Names,
    key_arn: Option<&str>,
) -> Result<EventPattern, AwsError> {
    match rule {
        Rule::Reads => read_alert_pattern(&spec.pattern_input())
            .map_err(|e| AwsError::new(C, "PutRule", &names.read_rule, e.to_string())),
        Rule::Tamper => {
            let pattern = with_tamper_targets(spec, names, key_arn, tamper_pattern);
            // The plan measured it with a stand-in region; this is the
            // real one, refused here rather than by PutRule.
            let (len, max) = (pattern.len(), spec.event_pattern_max_len);
            if len > max {
                return Err(AwsError::new(
                    C,
                    "PutRule",
                    &names.tamper_rule,
                    format!("the tamper rule's event pattern is {len} characters long, over event_pattern_max_length = {max} (the account's EventBridge \"Event pattern size\" quota). Raise event_pattern_max_length if the quota allows, or set tamper_alerts = false."),
                ));
            }
            Ok(pattern)
        }
    }
}

/// The pipeline's parts the tamper rule watches, handed to `use_targets`:
/// the trail when the pipeline creates it, and the key only when the
/// pipeline created it (`key_arn`, as recorded). The dashboard's tamper
/// table reads the same targets.
pub fn with_tamper_targets<T>(
    spec: &PipelineSpec,
    names: &Names,
    key_arn: Option<&str>,
    use_targets: impl FnOnce(&TamperTargets<'_>) -> T,
) -> T {
    let trail_arn = names.trail_arn();
    let topic_arn = names.topic_arn();
    // Only a key the pipeline created is its own to watch.
    let key = match (&spec.kms.key_arn, key_arn) {
        (None, Some(arn)) => Some(arn),
        _ => None,
    };
    let key_id = key
        .and_then(|arn| arn.rsplit('/').next())
        .unwrap_or_default();
    let staged = names.plan.staged_rules_prefix();
    use_targets(&TamperTargets {
        read_rules: ReadRulesTarget {
            single: &names.read_rule,
            staged_prefix: &staged,
        },
        trail: spec.trail.create.then_some(TrailTarget {
            name: &names.trail,
            arn: &trail_arn,
        }),
        log_group_name: &names.log_group,
        alarm_name: &names.alarm,
        topic_arn: &topic_arn,
        key: key.map(|arn| KeyTarget {
            key_id,
            arn,
            alias: &names.key_alias,
        }),
    })
}

/// Records the read rules known to exist: the wanted ones, then `left`
/// (rules not yet deleted), so a failure part-way still names them.
fn record_reads(rec: &Recorder, names: &Names, wanted: &[ReadRule], left: &[(Bus, String)]) {
    let mut reads: Vec<Named> = wanted
        .iter()
        .map(|w| Named {
            name: w.name.clone(),
            pattern: w.pattern.clone(),
        })
        .collect();
    let first = wanted
        .first()
        .map(|w| w.bus.rule_arn(names, &w.name))
        .or_else(|| left.first().map(|(bus, name)| bus.rule_arn(names, name)));
    for (_, name) in left {
        if !reads.iter().any(|r| &r.name == name) {
            reads.push(Named {
                name: name.clone(),
                pattern: String::new(),
            });
        }
    }
    rec.update(|o| {
        o.read_rule_arn = first;
        o.read_rules = reads;
    });
}

/// Puts the tamper rule in place (or removes it when `tamper_alerts` is
/// off), and every wanted read rule that is missing or differs, all
/// without targets: a rule without a target alerts nobody, so the
/// pipeline's own set-up calls that follow raise no alert. Rules the layout
/// no longer has stay until the new ones alert ([`ensure_targets`]).
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), AwsError> {
    let key = rec.get(|o| o.kms_key_arn.clone());
    let recorded = rec.snapshot();
    let tamper = async {
        if Rule::Tamper.enabled(ctx.spec) {
            put_tamper(ctx, rec, key.as_deref()).await
        } else {
            remove_tamper(ctx, rec).await
        }
    };
    let reads = async {
        let wanted = wanted_reads(ctx.spec, ctx.names);
        let listing = list(ctx, &recorded, Reading::Rules).await?;
        let state = Rule::Reads.state();
        let to_put: Vec<ReadRule> = wanted
            .iter()
            .filter(|w| {
                listing.find(w.bus, &w.name).is_none_or(|l| {
                    l.rule.state() != Some(&state)
                        || !crate::pattern::event::same_json(
                            l.rule.event_pattern().unwrap_or_default(),
                            &w.pattern,
                        )
                })
            })
            .cloned()
            .collect();
        futures::stream::iter(to_put)
            .map(|rule| async move { put_read(ctx, &rule).await })
            .buffer_unordered(CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        let left: Vec<(Bus, String)> = listing
            .reads(ctx.names)
            .map(|l| (l.bus, l.name().to_owned()))
            .collect();
        record_reads(rec, ctx.names, &wanted, &left);
        Ok(())
    };
    let (tamper, reads) = tokio::join!(tamper, reads);
    tamper.and(reads)
}

/// Points every rule at its targets, then deletes the read rules the layout
/// no longer has (their targets first), then the pipeline's bus when the
/// layout no longer has two stages. Comes last, after everything whose
/// set-up the tamper rule would report.
pub async fn ensure_targets(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let topic = rec.require(TARGETS, "topic ARN", |o| o.topic_arn.clone())?;
    let rules = &ctx.spec.detection.rules;
    if rules.two_stage() {
        rec.require(TARGETS, "event bus ARN", |o| o.event_bus_arn.clone())?;
    }
    let recorded = rec.snapshot();
    let wanted = wanted_reads(ctx.spec, ctx.names);
    let early: Vec<(Bus, String)> = wanted
        .iter()
        .map(|w| (w.bus, w.name.clone()))
        .chain([(Bus::Default, ctx.names.tamper_rule.clone())])
        .collect();
    let listing = listing::list_with_targets_of(ctx, &recorded, &early).await?;
    // Every wanted rule with the targets it must have and those it has.
    let mut work: Vec<(Bus, String, Vec<Target>, Vec<Target>)> = Vec::new();
    for rule in &wanted {
        let targets = read_targets(ctx.spec, ctx.names, rule, &topic)?;
        let has = listing
            .find(rule.bus, &rule.name)
            .map(|l| l.targets.listed().to_vec())
            .unwrap_or_default();
        work.push((rule.bus, rule.name.clone(), targets, has));
    }
    if Rule::Tamper.enabled(ctx.spec) {
        let name = ctx.names.tamper_rule.clone();
        let target = topic_target(Rule::Tamper, &ctx.spec.name, &topic, &name)?;
        // Put unconditionally, as before: the tamper rule was just put.
        work.push((Bus::Default, name, vec![target], Vec::new()));
    }
    futures::stream::iter(work)
        .map(
            |(bus, name, want, has)| async move { set_targets(ctx, bus, &name, &want, &has).await },
        )
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    // Make before break: only now do the rules the layout dropped go.
    // Owned items: a stream of borrowed ones trips the compiler's lifetime
    // inference inside the boxed future.
    let stale: Vec<Listed> = listing
        .reads(ctx.names)
        .filter(|l| !wanted.iter().any(|w| w.bus == l.bus && w.name == l.name()))
        .cloned()
        .collect();
    futures::stream::iter(stale)
        .map(|l| async move { delete_listed(ctx, &l).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    record_reads(rec, ctx.names, &wanted, &[]);
    if !rules.two_stage() && listing.bus_exists {
        super::event_bus::remove(ctx, rec).await?;
    }
    Ok(())
}

/// Puts the wanted targets a rule lacks and removes those of ours it
/// should no longer have (a topic target once `fast_alerts` is off, a
/// findings target once the alarm counts the metric filters again).
async fn set_targets(
    ctx: &Ctx<'_>,
    bus: Bus,
    name: &str,
    want: &[Target],
    has: &[Target],
) -> Result<(), AwsError> {
    let missing: Vec<Target> = want
        .iter()
        .filter(|w| !has.iter().any(|h| same_target(w, h)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let out = ctx
            .clients
            .events
            .put_targets()
            .rule(name)
            .set_event_bus_name(bus.name(ctx.names))
            .set_targets(Some(missing))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(TARGETS, "PutTargets", name, e))?;
        if let Some(failed) = out.failed_entries().first() {
            return Err(AwsError::new(
                TARGETS,
                "PutTargets",
                name,
                format!(
                    "{}: {}",
                    failed.error_code().unwrap_or("failed"),
                    failed.error_message().unwrap_or("the target was refused")
                ),
            ));
        }
    }
    let unwanted: Vec<String> = has
        .iter()
        .map(Target::id)
        .filter(|id| OUR_TARGETS.contains(id) && !want.iter().any(|w| w.id() == *id))
        .map(str::to_owned)
        .collect();
    if !unwanted.is_empty() {
        remove_targets(ctx, bus, name, unwanted).await?;
    }
    Ok(())
}

async fn put_read(ctx: &Ctx<'_>, rule: &ReadRule) -> Result<(), AwsError> {
    let description = match (rule.bus, rule.notifies) {
        (Bus::Default, true) => Rule::Reads.description(),
        (Bus::Default, false) => {
            "secretmonitor: reads by callers outside this part of the allow-list, forwarded to the pipeline's bus"
        }
        (Bus::Pipeline, _) => {
            "secretmonitor: forwarded reads of watched secrets in this part of the scope"
        }
    };
    put_rule(
        ctx,
        rule.bus,
        &rule.name,
        description,
        &rule.pattern,
        Rule::Reads.state(),
    )
    .await
    .map(|_| ())
}

async fn put_tamper(ctx: &Ctx<'_>, rec: &Recorder, key_arn: Option<&str>) -> Result<(), AwsError> {
    let name = &ctx.names.tamper_rule;
    let pattern = pattern(Rule::Tamper, ctx.spec, ctx.names, key_arn)?.to_json();
    let arn = put_rule(
        ctx,
        Bus::Default,
        name,
        Rule::Tamper.description(),
        &pattern,
        Rule::Tamper.state(),
    )
    .await?;
    // Recorded before the target exists: a failure later leaves a rule that
    // delete must still find.
    rec.update(|o| o.tamper_rule_arn = Some(arn));
    Ok(())
}

async fn remove_tamper(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), AwsError> {
    let name = &ctx.names.tamper_rule;
    remove_targets(ctx, Bus::Default, name, vec![TARGET_ID.to_owned()]).await?;
    delete_rule(ctx, Bus::Default, name).await?;
    rec.update(|o| o.tamper_rule_arn = None);
    Ok(())
}

/// PutRule, with the pipeline's tags; the rule's ARN.
async fn put_rule(
    ctx: &Ctx<'_>,
    bus: Bus,
    name: &str,
    description: &str,
    pattern: &str,
    state: RuleState,
) -> Result<String, AwsError> {
    let mut put_rule = ctx
        .clients
        .events
        .put_rule()
        .name(name)
        .set_event_bus_name(bus.name(ctx.names))
        .description(description)
        .event_pattern(pattern)
        .state(state);
    for (key, value) in ctx.tags() {
        put_rule = put_rule.tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| AwsError::new(C, "PutRule", name, e.to_string()))?,
        );
    }
    Ok(put_rule
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "PutRule", name, e))?
        .rule_arn
        .unwrap_or_else(|| bus.rule_arn(ctx.names, name)))
}

/// Removes the targets `ids` of a rule; "not found" is done.
async fn remove_targets(
    ctx: &Ctx<'_>,
    bus: Bus,
    name: &str,
    ids: Vec<String>,
) -> Result<(), AwsError> {
    if ids.is_empty() {
        return Ok(());
    }
    ctx.clients
        .events
        .remove_targets()
        .rule(name)
        .set_event_bus_name(bus.name(ctx.names))
        .set_ids(Some(ids))
        .force(false)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(TARGETS, "RemoveTargets", name, e))
        .gone_if(&[codes::events::RESOURCE_NOT_FOUND])
}

async fn delete_rule(ctx: &Ctx<'_>, bus: Bus, name: &str) -> Result<(), AwsError> {
    ctx.clients
        .events
        .delete_rule()
        .name(name)
        .set_event_bus_name(bus.name(ctx.names))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DeleteRule", name, e))
        .gone_if(&[codes::events::RESOURCE_NOT_FOUND])
}

/// A listed rule's targets (EventBridge refuses to delete a rule that has
/// any), then the rule.
async fn delete_listed(ctx: &Ctx<'_>, listed: &Listed) -> Result<(), AwsError> {
    let ids = listed
        .targets
        .listed()
        .iter()
        .map(|t| t.id().to_owned())
        .collect();
    remove_targets(ctx, listed.bus, listed.name(), ids).await?;
    delete_rule(ctx, listed.bus, listed.name()).await
}

/// The rules delete looks at: every rule of the pipeline on both buses
/// when staged rules may exist (the layout has two stages, or the state
/// records a bus, which outlives its rules); else the two rules of fixed
/// name, as before, without a listing.
async fn on_ours<F>(
    ctx: &Ctx<'_>,
    rec: &Recorder,
    reading: Reading,
    action: impl Fn(Listed) -> F,
) -> Result<Deleted, AwsError>
where
    F: std::future::Future<Output = Result<(), AwsError>>,
{
    let recorded = rec.snapshot();
    let rules: Vec<Listed> = if super::event_bus::may_exist(ctx, &recorded) {
        list(ctx, &recorded, reading).await?.rules
    } else {
        let known = |name: &str, ids: &[&str]| Listed {
            bus: Bus::Default,
            rule: ListedRule::builder().name(name).build(),
            targets: Targets::Listed(
                ids.iter()
                    .filter_map(|id| Target::builder().id(*id).arn("-").build().ok())
                    .collect(),
            ),
        };
        let read_ids: &[&str] = if ctx.spec.detection.findings {
            &[TARGET_ID, FINDINGS_TARGET]
        } else {
            &[TARGET_ID]
        };
        vec![
            known(&ctx.names.read_rule, read_ids),
            known(&ctx.names.tamper_rule, &[TARGET_ID]),
        ]
    };
    futures::stream::iter(rules)
        .map(action)
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(Deleted::Done)
}

/// The rules are put in place early, without targets, once the key (whose
/// ARN the tamper pattern names) is usable and the pipeline's bus (where
/// the scope rules live) exists; delete, reversed, removes them before the
/// bus.
pub const PART: PartDef = PartDef {
    id: Component::EventRules,
    present: always,
    after: &[Component::EventBus],
    after_usable: &[Component::Key],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).err_into().boxed(),
    find: Some(|ctx, recorded| {
        async move {
            let topic = super::topic::recorded_arn(ctx, recorded);
            Ok(Some(
                Box::new(find(ctx, recorded, &topic).await?) as Box<dyn Seen>
            ))
        }
        .boxed()
    }),
    delete: |ctx, rec| {
        // The targets went first (`TARGETS_PART`): only the rules are needed.
        on_ours(ctx, rec, Reading::Rules, move |l| async move {
            delete_rule(ctx, l.bus, l.name()).await
        })
        .boxed()
    },
    forget: |o| {
        o.read_rule_arn = None;
        o.read_rules.clear();
        o.tamper_rule_arn = None;
    },
};

/// The rules get their targets last, after everything the tamper pattern
/// watches (and the findings log group, with its resource policy), so the
/// pipeline's own set-up raises no alert; delete, reversed, removes them
/// first, so its own teardown raises none either.
pub const TARGETS_PART: PartDef = PartDef {
    id: Component::RuleTargets,
    present: always,
    after: &[
        Component::EventRules,
        Component::EventBus,
        Component::Topic,
        Component::Alarm,
        Component::Trail,
        Component::MetricFilter,
        Component::LogGroup,
        Component::Key,
        Component::Findings,
    ],
    after_usable: &[],
    refers_to: &[],
    inside: None,
    protections: &[Protection::ReadRuleAlerts, Protection::TamperRuleAlerts],
    ensure: |ctx, rec, _| ensure_targets(ctx, rec).boxed(),
    // Read with the rules: a rule alerts only with its targets.
    find: None,
    delete: |ctx, rec| {
        on_ours(ctx, rec, Reading::Targets, move |l| async move {
            let ids = l
                .targets
                .listed()
                .iter()
                .map(|t| t.id().to_owned())
                .collect();
            remove_targets(ctx, l.bus, l.name(), ids).await
        })
        .boxed()
    },
    forget: |_| {},
};

impl Seen for RulesObservation {
    fn record(&self, observed: &mut Observed) {
        observed.read_rule_arn = self.read_rule_arn.clone();
        observed.read_rules = self.reads.clone();
        observed.tamper_rule_arn = self.tamper.as_ref().map(|r| r.arn.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![
            (Protection::ReadRuleAlerts, self.reads_alerting),
            (
                Protection::TamperRuleAlerts,
                self.tamper.as_ref().is_some_and(|r| r.alerting),
            ),
        ]
    }
}

#[cfg(test)]
mod tests;
