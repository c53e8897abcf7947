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

use aws_sdk_eventbridge::types::{InputTransformer, Rule as ListedRule, RuleState, Tag, Target};

use super::alert_message::{input_paths, input_template};
use futures::{FutureExt, StreamExt, TryFutureExt, TryStreamExt};

use super::{
    always, Component, Ctx, Deleted, Named, Names, Observed, PartDef, PipelineError, PipelineSpec,
    Protection, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError, MAX_PAGES};
use crate::pattern::event::{
    read_alert_pattern, tamper_pattern, EventPattern, KeyTarget, TamperTargets, TrailTarget,
};
use crate::pattern::layout::ReadRules;

const C: Component = Component::EventRules;
const TARGETS: Component = Component::RuleTargets;

/// The topic target of each rule that notifies, and of the tamper rule.
const TARGET_ID: &str = "secretmonitor-topic";
/// The findings log group target of each rule that notifies.
const FINDINGS_TARGET: &str = "secretmonitor-findings";
/// The pipeline's bus, target of each caller rule.
const BUS_TARGET: &str = "secretmonitor-bus";
/// The targets the pipeline puts: only these are removed from a rule it
/// keeps.
const OUR_TARGETS: [&str; 3] = [TARGET_ID, FINDINGS_TARGET, BUS_TARGET];

/// How many rules are listed, put or deleted at once.
const CONCURRENCY: usize = 8;

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
fn is_read_rule(names: &Names, bus: Bus, name: &str) -> bool {
    match bus {
        Bus::Default => name == names.read_rule || names.plan.is_staged_rule('c', name),
        Bus::Pipeline => names.plan.is_staged_rule('s', name),
    }
}

/// The targets a read rule must have: a caller rule forwards to the
/// pipeline's bus; a rule that notifies publishes to the topic (with
/// `fast_alerts`) and writes the whole event to the findings log group
/// (when the alarm counts findings).
fn read_targets(
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
fn topic_target(
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
fn same_target(wanted: &Target, listed: &Target) -> bool {
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
fn in_place(
    state: Option<&RuleState>,
    want: &RuleState,
    targets: &[Target],
    wanted: &[Target],
) -> bool {
    state == Some(want)
        && wanted
            .iter()
            .all(|w| targets.iter().any(|t| same_target(w, t)))
}

/// One of the pipeline's rules as listed, with its targets.
#[derive(Debug, Clone)]
pub struct Listed {
    pub bus: Bus,
    pub rule: ListedRule,
    pub targets: Vec<Target>,
}

impl Listed {
    fn name(&self) -> &str {
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
    fn find(&self, bus: Bus, name: &str) -> Option<&Listed> {
        self.rules.iter().find(|l| l.bus == bus && l.name() == name)
    }

    fn reads(&self, names: &Names) -> impl Iterator<Item = &Listed> + '_ {
        let names = names.clone();
        self.rules
            .iter()
            .filter(move |l| is_read_rule(&names, l.bus, l.name()))
    }
}

/// The prefix every rule of the pipeline on the default bus starts with.
fn default_prefix(names: &Names) -> String {
    let staged = format!("{}-reads-", names.plan.trail);
    let prefix = common_prefix(&names.read_rule, &names.tamper_rule);
    common_prefix(prefix, &staged).to_owned()
}

/// The pipeline's rules on `bus` (one `ListRules` by name prefix, 100 a
/// page, every page); `None` when the bus does not exist.
async fn list_bus(ctx: &Ctx<'_>, bus: Bus) -> Result<Option<Vec<ListedRule>>, AwsError> {
    let names = ctx.names;
    let prefix = match bus {
        Bus::Default => default_prefix(names),
        Bus::Pipeline => format!("{}-reads-s-", names.plan.trail),
    };
    let ours = |name: &str| match bus {
        Bus::Default => name == names.tamper_rule || is_read_rule(names, bus, name),
        Bus::Pipeline => is_read_rule(names, bus, name),
    };
    let mut found: Vec<ListedRule> = Vec::new();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let page = ctx
            .clients
            .events
            .list_rules()
            // The names start with the pipeline's name; an empty prefix
            // (which the API rejects) cannot occur but would list every rule.
            .set_name_prefix((!prefix.is_empty()).then(|| prefix.clone()))
            .set_event_bus_name(bus.name(names))
            .limit(100)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "ListRules", &prefix, e))
            .found_if(&[codes::events::RESOURCE_NOT_FOUND])?;
        let Some(page) = page else {
            return Ok(None);
        };
        for rule in page.rules.unwrap_or_default() {
            let Some(name) = rule.name() else { continue };
            // Other pipelines' rules share the prefix, and a page boundary
            // that moves may list one rule twice.
            if ours(name) && !found.iter().any(|r| r.name() == Some(name)) {
                found.push(rule);
            }
        }
        next = page.next_token;
        if next.is_none() {
            return Ok(Some(found));
        }
    }
    Err(AwsError::new(
        C,
        "ListRules",
        &prefix,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

/// The rule's targets; `None` when the rule does not exist (any more).
async fn list_targets(
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

/// The pipeline's rules on the default bus and, when it may exist
/// ([`super::event_bus::may_exist`]), on its own bus, each with its
/// targets (listed `CONCURRENCY` at a time). A rule deleted between the
/// listings is left out. The buses are listed one after the other, so
/// that the pages of each come in order.
pub async fn list(ctx: &Ctx<'_>, recorded: &Observed) -> Result<Listing, AwsError> {
    let default = list_bus(ctx, Bus::Default).await;
    let pipeline = if super::event_bus::may_exist(ctx, recorded) {
        list_bus(ctx, Bus::Pipeline).await
    } else {
        Ok(None)
    };
    let default = default?.unwrap_or_default();
    let pipeline = pipeline?;
    let bus_exists = pipeline.is_some();
    let rules: Vec<(Bus, ListedRule)> = default
        .into_iter()
        .map(|r| (Bus::Default, r))
        .chain(
            pipeline
                .unwrap_or_default()
                .into_iter()
                .map(|r| (Bus::Pipeline, r)),
        )
        .collect();
    let listed: Vec<Option<Listed>> = futures::stream::iter(rules)
        .map(|(bus, rule)| async move {
            let name = rule.name().unwrap_or_default().to_owned();
            let targets = list_targets(ctx, bus, &name).await?;
            Ok::<_, AwsError>(targets.map(|targets| Listed { bus, rule, targets }))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(Listing {
        rules: listed.into_iter().flatten().collect(),
        bus_exists,
    })
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
    let listing = list(ctx, recorded).await?;
    observe(ctx.spec, ctx.names, topic_arn, &listing)
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
        let listing = list(ctx, &recorded).await?;
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
    let listing = list(ctx, &recorded).await?;
    let wanted = wanted_reads(ctx.spec, ctx.names);
    // Every wanted rule with the targets it must have and those it has.
    let mut work: Vec<(Bus, String, Vec<Target>, Vec<Target>)> = Vec::new();
    for rule in &wanted {
        let targets = read_targets(ctx.spec, ctx.names, rule, &topic)?;
        let has = listing
            .find(rule.bus, &rule.name)
            .map(|l| l.targets.clone())
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
    let ids = listed.targets.iter().map(|t| t.id().to_owned()).collect();
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
    action: impl Fn(Listed) -> F,
) -> Result<Deleted, AwsError>
where
    F: std::future::Future<Output = Result<(), AwsError>>,
{
    let recorded = rec.snapshot();
    let rules: Vec<Listed> = if super::event_bus::may_exist(ctx, &recorded) {
        list(ctx, &recorded).await?.rules
    } else {
        let known = |name: &str, ids: &[&str]| Listed {
            bus: Bus::Default,
            rule: ListedRule::builder().name(name).build(),
            targets: ids
                .iter()
                .filter_map(|id| Target::builder().id(*id).arn("-").build().ok())
                .collect(),
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
        on_ours(ctx, rec, move |l| async move {
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
        on_ours(ctx, rec, move |l| async move {
            let ids = l.targets.iter().map(|t| t.id().to_owned()).collect();
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
#[path = "event_rule_tests.rs"]
mod tests;
