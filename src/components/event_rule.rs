//! The two EventBridge rules that turn single CloudTrail events into alerts
//! on the pipeline's topic, without waiting for log delivery and an alarm
//! period:
//! - the read rule (`fast_alerts`): the metric filter's semantics as an event
//!   pattern, in state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`, since
//!   secret reads are read-only management events that plain `ENABLED`
//!   rules never see;
//! - the tamper rule (`tamper_alerts`): calls that stop, delete or blind the
//!   pipeline's own parts.
//!
//! Both target the topic through an input transformer, so the message names
//! who did what to which resource instead of carrying the raw event.

use aws_sdk_eventbridge::types::{InputTransformer, Rule as ListedRule, RuleState, Tag, Target};

use super::alert_message::{input_paths, input_template};
use futures::{FutureExt, TryFutureExt};

use super::{
    always, Component, Ctx, Deleted, Named, Names, Observed, PartDef, PipelineError, PipelineSpec,
    Protection, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError};
use crate::pattern::event::{
    read_alert_pattern, tamper_pattern, EventPattern, KeyTarget, TamperTargets, TrailTarget,
};

const C: Component = Component::EventRules;
const TARGETS: Component = Component::RuleTargets;

/// The one target of each rule.
const TARGET_ID: &str = "secretmonitor-topic";

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
    fn state(self) -> RuleState {
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
            let pattern = tamper_pattern(&TamperTargets {
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
            });
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

/// What refresh learns about one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleObservation {
    pub arn: String,
    pub pattern: String,
    /// In the state its events need, targeting the topic with our message.
    pub alerting: bool,
}

/// Both rules, read in one round trip: one `ListRules` by the names' common
/// prefix (instead of a `DescribeRule` each) while each rule's targets are
/// listed. `None` for a rule that does not exist.
pub async fn find_both(
    ctx: &Ctx<'_>,
    topic_arn: &str,
) -> Result<[Option<RuleObservation>; 2], AwsError> {
    let [reads, tamper] = Rule::BOTH;
    let (listed, reads_targets, tamper_targets) = tokio::join!(
        list_rules(ctx),
        list_targets(ctx, reads),
        list_targets(ctx, tamper)
    );
    let listed = listed?;
    let read_pattern = ctx
        .spec
        .fast_alerts
        .then(|| read_alert_pattern(&ctx.spec.pattern_input()).ok())
        .flatten()
        .map(|p| p.to_json());
    let wanted = Wanted {
        names: ctx.names,
        pipeline: &ctx.spec.name,
        topic_arn,
        read_pattern: read_pattern.as_deref(),
    };
    Ok([
        wanted.observe(reads, &listed, reads_targets)?,
        wanted.observe(tamper, &listed, tamper_targets)?,
    ])
}

/// What a rule must look like to alert: the pipeline's names, the topic its
/// target must publish to, and the read rule's generated pattern (`None` with
/// `fast_alerts` off), against which the listed pattern is normalised.
struct Wanted<'a> {
    names: &'a Names,
    pipeline: &'a str,
    topic_arn: &'a str,
    read_pattern: Option<&'a str>,
}

impl Wanted<'_> {
    /// `rule` as `ListRules` and `ListTargetsByRule` answered: `None` when it
    /// is not listed, or was deleted before its targets were listed (then
    /// `targets` is `None`). A targets error counts only for a listed rule.
    fn observe(
        &self,
        rule: Rule,
        listed: &[ListedRule],
        targets: Result<Option<Vec<Target>>, AwsError>,
    ) -> Result<Option<RuleObservation>, AwsError> {
        let name = rule.name(self.names);
        let Some(described) = listed.iter().find(|r| r.name() == Some(name)) else {
            return Ok(None);
        };
        let Some(targets) = targets? else {
            return Ok(None);
        };
        let template = input_template(rule, self.pipeline);
        let targets_topic = targets.iter().any(|t| {
            t.arn() == self.topic_arn
                && t.input_transformer()
                    .is_some_and(|i| i.input_template() == template)
        });
        Ok(Some(RuleObservation {
            arn: described
                .arn()
                .map_or_else(|| self.names.rule_arn(name), str::to_owned),
            pattern: match rule {
                Rule::Reads => crate::pattern::as_observed(
                    described.event_pattern().unwrap_or_default(),
                    self.read_pattern,
                    crate::pattern::event::same_json,
                ),
                Rule::Tamper => described.event_pattern().unwrap_or_default().to_owned(),
            },
            alerting: described.state() == Some(&rule.state()) && targets_topic,
        }))
    }
}

/// The pipeline's rules among those whose names start with both names' common
/// prefix, which also lists the rules of any pipeline whose name extends this
/// one's (more pages then, rarely).
async fn list_rules(ctx: &Ctx<'_>) -> Result<Vec<ListedRule>, AwsError> {
    let names = Rule::BOTH.map(|rule| rule.name(ctx.names));
    let prefix = common_prefix(names[0], names[1]);
    let ours = |r: &ListedRule| names.iter().any(|name| r.name() == Some(*name));
    let mut found: Vec<ListedRule> = Vec::new();
    let mut next = None;
    loop {
        let page = ctx
            .clients
            .events
            .list_rules()
            // Both names start with the pipeline's name; an empty prefix
            // (which the API rejects) cannot occur but would list every rule.
            .set_name_prefix((!prefix.is_empty()).then(|| prefix.to_owned()))
            .limit(100)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "ListRules", prefix, e))?;
        next = page.next_token;
        found.extend(page.rules.unwrap_or_default().into_iter().filter(ours));
        // Done once every name is found, counted by name: a page boundary
        // that moves between pages may list one rule twice.
        let complete = names
            .iter()
            .all(|name| found.iter().any(|r| r.name() == Some(*name)));
        if next.is_none() || complete {
            return Ok(found);
        }
    }
}

/// The rule's targets; `None` when the rule does not exist.
async fn list_targets(ctx: &Ctx<'_>, rule: Rule) -> Result<Option<Vec<Target>>, AwsError> {
    let name = rule.name(ctx.names);
    let listed = ctx
        .clients
        .events
        .list_targets_by_rule()
        .rule(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "ListTargetsByRule", name, e))
        .found_if(&[codes::events::RESOURCE_NOT_FOUND])?;
    Ok(listed.map(|out| out.targets.unwrap_or_default()))
}

/// The longest prefix `a` and `b` share, cut at a character boundary.
fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let shared = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((at, _), _)| at);
    &a[..shared]
}

/// Puts each enabled rule in place, without its target, and removes each
/// disabled one, so that turning `fast_alerts` or `tamper_alerts` off is an
/// ordinary update. A rule without a target alerts nobody: the pipeline's own
/// set-up calls that follow raise no alert.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), AwsError> {
    let key = rec.get(|o| o.kms_key_arn.clone());
    let results = futures::future::join_all(Rule::BOTH.map(|rule| {
        let key = key.as_deref();
        async move {
            if rule.enabled(ctx.spec) {
                put_rule(ctx, rec, rule, key).await
            } else {
                remove(ctx, rec, rule).await
            }
        }
    }))
    .await;
    results.into_iter().collect()
}

/// Points each enabled rule at the topic: from then on it alerts. Comes last,
/// after everything whose set-up the tamper rule would report.
pub async fn ensure_targets(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let topic = rec.require(TARGETS, "topic ARN", |o| o.topic_arn.clone())?;
    let results = futures::future::join_all(
        Rule::BOTH
            .into_iter()
            .filter(|rule| rule.enabled(ctx.spec))
            .map(|rule| put_target(ctx, rule, &topic)),
    )
    .await;
    Ok(results.into_iter().collect::<Result<(), AwsError>>()?)
}

fn record(rec: &Recorder, rule: Rule, arn: Option<String>, pattern: Option<String>) {
    rec.update(|o| match rule {
        Rule::Reads => {
            o.read_rule_arn = arn;
            o.read_rules = pattern
                .map(|pattern| Named {
                    name: String::new(),
                    pattern,
                })
                .into_iter()
                .collect();
        }
        Rule::Tamper => o.tamper_rule_arn = arn,
    });
}

async fn put_rule(
    ctx: &Ctx<'_>,
    rec: &Recorder,
    rule: Rule,
    key_arn: Option<&str>,
) -> Result<(), AwsError> {
    let name = rule.name(ctx.names);
    let events = &ctx.clients.events;
    let pattern = pattern(rule, ctx.spec, ctx.names, key_arn)?.to_json();
    let mut put_rule = events
        .put_rule()
        .name(name)
        .description(rule.description())
        .event_pattern(&pattern)
        .state(rule.state());
    for (key, value) in ctx.tags() {
        put_rule = put_rule.tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| AwsError::new(C, "PutRule", name, e.to_string()))?,
        );
    }
    let arn = put_rule
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "PutRule", name, e))?
        .rule_arn
        .unwrap_or_else(|| ctx.names.rule_arn(name));
    // Recorded before the target exists: a failure later leaves a rule that
    // delete must still find.
    record(rec, rule, Some(arn), Some(pattern));
    Ok(())
}

async fn put_target(ctx: &Ctx<'_>, rule: Rule, topic: &str) -> Result<(), AwsError> {
    let name = rule.name(ctx.names);
    let mut transformer =
        InputTransformer::builder().input_template(input_template(rule, &ctx.spec.name));
    for (placeholder, path) in input_paths(rule) {
        transformer = transformer.input_paths_map(placeholder, path);
    }
    let target = Target::builder()
        .id(TARGET_ID)
        .arn(topic)
        .input_transformer(
            transformer
                .build()
                .map_err(|e| AwsError::new(TARGETS, "PutTargets", name, e.to_string()))?,
        )
        .build()
        .map_err(|e| AwsError::new(TARGETS, "PutTargets", name, e.to_string()))?;
    let out = ctx
        .clients
        .events
        .put_targets()
        .rule(name)
        .targets(target)
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
                failed
                    .error_message()
                    .unwrap_or("the topic target was refused")
            ),
        ));
    }
    Ok(())
}

/// [`delete`]s the rule and forgets it once it is gone.
async fn remove(ctx: &Ctx<'_>, rec: &Recorder, rule: Rule) -> Result<(), AwsError> {
    delete(ctx, rule).await?;
    record(rec, rule, None, None);
    Ok(())
}

/// Removes the rule's target, then the rule (EventBridge refuses to delete a
/// rule that still has targets). "Not found" is done.
async fn delete(ctx: &Ctx<'_>, rule: Rule) -> Result<(), AwsError> {
    remove_target(ctx, rule).await?;
    delete_rule(ctx, rule).await
}

async fn remove_target(ctx: &Ctx<'_>, rule: Rule) -> Result<(), AwsError> {
    let name = rule.name(ctx.names);
    ctx.clients
        .events
        .remove_targets()
        .rule(name)
        .ids(TARGET_ID)
        .force(false)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(TARGETS, "RemoveTargets", name, e))
        .gone_if(&[codes::events::RESOURCE_NOT_FOUND])
}

async fn delete_rule(ctx: &Ctx<'_>, rule: Rule) -> Result<(), AwsError> {
    let name = rule.name(ctx.names);
    ctx.clients
        .events
        .delete_rule()
        .name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DeleteRule", name, e))
        .gone_if(&[codes::events::RESOURCE_NOT_FOUND])
}

/// Both rules at once: `action` on each, every failure reported (the first).
async fn on_both<F>(action: impl Fn(Rule) -> F) -> Result<Deleted, AwsError>
where
    F: std::future::Future<Output = Result<(), AwsError>>,
{
    let results = futures::future::join_all(Rule::BOTH.map(action)).await;
    results.into_iter().collect::<Result<(), AwsError>>()?;
    Ok(Deleted::Done)
}

/// The rules are put in place early, without targets, once the key (whose
/// ARN the tamper pattern names) is usable.
pub const PART: PartDef = PartDef {
    id: Component::EventRules,
    present: always,
    after: &[],
    after_usable: &[Component::Key],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).err_into().boxed(),
    find: Some(|ctx, recorded| {
        async move {
            let topic = super::topic::recorded_arn(ctx, recorded);
            let [reads, tamper] = find_both(ctx, &topic).await?;
            Ok(Some(Box::new(BothRules { reads, tamper }) as Box<dyn Seen>))
        }
        .boxed()
    }),
    delete: |ctx, _| on_both(|rule| delete_rule(ctx, rule)).boxed(),
    forget: |o| {
        o.read_rule_arn = None;
        o.read_rules.clear();
        o.tamper_rule_arn = None;
    },
};

/// The rules get their targets last, after everything the tamper pattern
/// watches, so the pipeline's own set-up raises no alert; delete, reversed,
/// removes them first, so its own teardown raises none either.
pub const TARGETS_PART: PartDef = PartDef {
    id: Component::RuleTargets,
    present: always,
    after: &[
        Component::EventRules,
        Component::Topic,
        Component::Alarm,
        Component::Trail,
        Component::MetricFilter,
        Component::LogGroup,
        Component::Key,
    ],
    after_usable: &[],
    refers_to: &[],
    inside: None,
    protections: &[Protection::ReadRuleAlerts, Protection::TamperRuleAlerts],
    ensure: |ctx, rec, _| ensure_targets(ctx, rec).boxed(),
    // Read with the rules: a rule alerts only with its target.
    find: None,
    delete: |ctx, _| on_both(|rule| remove_target(ctx, rule)).boxed(),
    forget: |_| {},
};

/// What refresh learns of both rules.
struct BothRules {
    reads: Option<RuleObservation>,
    tamper: Option<RuleObservation>,
}

impl Seen for BothRules {
    fn record(&self, observed: &mut Observed) {
        observed.read_rule_arn = self.reads.as_ref().map(|r| r.arn.clone());
        observed.read_rules = self
            .reads
            .iter()
            .map(|r| Named {
                name: String::new(),
                pattern: r.pattern.clone(),
            })
            .collect();
        observed.tamper_rule_arn = self.tamper.as_ref().map(|r| r.arn.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        let alerting = |rule: &Option<RuleObservation>| rule.as_ref().is_some_and(|r| r.alerting);
        vec![
            (Protection::ReadRuleAlerts, alerting(&self.reads)),
            (Protection::TamperRuleAlerts, alerting(&self.tamper)),
        ]
    }
}

#[cfg(test)]
#[path = "event_rule_tests.rs"]
mod tests;
