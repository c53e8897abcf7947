//! The event rules' pure parts: which rules and targets a layout wants,
//! the listing prefix, and what refresh makes of a listing.

use super::listing::{common_prefix, default_prefix};
use super::wanted::is_read_rule;
use super::*;
use crate::pattern::layout::ReadRules;
use aws_sdk_eventbridge::types::InputTransformer;

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

pub(super) const CALLER_A: &str =
    r#"{"detail":{"userIdentity":{"type":["AssumedRole"]}},"source":["aws.secretsmanager"]}"#;
pub(super) const CALLER_B: &str =
    r#"{"detail":{"userIdentity":{"type":["IAMUser"]}},"source":["aws.secretsmanager"]}"#;
pub(super) const SCOPE: &str =
    r#"{"detail":{"eventName":["GetSecretValue"]},"source":["aws.secretsmanager"]}"#;
const SINGLE: &str = r#"{"detail":{"eventName":["GetSecretValue","BatchGetSecretValue"]},"source":["aws.secretsmanager"]}"#;

fn two_stage() -> ReadRules {
    ReadRules::TwoStage {
        callers: vec![CALLER_A.to_owned(), CALLER_B.to_owned()],
        scopes: vec![SCOPE.to_owned()],
    }
}

fn spec_with(rules: ReadRules, fast_alerts: bool, findings: bool) -> PipelineSpec {
    let mut spec = crate::terraform::desired::example_spec("prod");
    spec.detection.rules = rules;
    spec.detection.findings = findings;
    spec.fast_alerts = fast_alerts;
    spec
}

fn names_of(spec: &PipelineSpec) -> Names {
    Names::derive(spec, ACCOUNT, REGION)
}

#[test]
fn the_rules_are_listed_by_the_prefix_all_their_names_share() {
    let cases = [
        ("prod-secret-reads", "prod-tamper", "prod-"),
        ("same", "same", "same"),
        ("ab", "abc", "ab"),
        ("abc", "ab", "ab"),
    ];
    for (a, b, prefix) in cases {
        assert_eq!(common_prefix(a, b), prefix, "{a} / {b}");
    }
    let names = names_of(&crate::terraform::desired::example_spec("prod"));
    assert_eq!(default_prefix(&names), "prod-");
}

#[test]
fn each_layout_wants_its_rules_in_layout_order_on_their_bus() {
    // (layout, expected (stage or the single name, bus, notifies))
    let single = ReadRules::Single(SINGLE.to_owned());
    type Expected = Vec<(Option<char>, Bus, bool)>;
    let cases: [(ReadRules, Expected); 3] = [
        (ReadRules::None, vec![]),
        (single, vec![(None, Bus::Default, true)]),
        (
            two_stage(),
            vec![
                (Some('c'), Bus::Default, false),
                (Some('c'), Bus::Default, false),
                (Some('s'), Bus::Pipeline, true),
            ],
        ),
    ];
    for (rules, expected) in cases {
        let spec = spec_with(rules.clone(), true, false);
        let names = names_of(&spec);
        let wanted = wanted_reads(&spec, &names);
        assert_eq!(wanted.len(), expected.len(), "{rules:?}");
        let patterns: Vec<&String> = rules.callers().iter().chain(rules.notifying()).collect();
        for ((rule, (stage, bus, notifies)), pattern) in wanted.iter().zip(&expected).zip(patterns)
        {
            let name = match stage {
                None => names.read_rule.clone(),
                Some(stage) => names.plan.staged_rule(*stage, pattern),
            };
            assert_eq!(rule.name, name);
            assert_eq!((rule.bus, rule.notifies), (*bus, *notifies), "{name}");
            assert_eq!(&rule.pattern, pattern);
            assert!(is_read_rule(&names, rule.bus, &rule.name), "{name}");
            // A rule of the other bus is not ours there.
            let other = if rule.bus == Bus::Default {
                Bus::Pipeline
            } else {
                Bus::Default
            };
            assert!(!is_read_rule(&names, other, &rule.name), "{name}");
        }
    }
}

#[test]
fn a_notifying_rule_targets_the_topic_iff_fast_alerts_and_the_findings_group_iff_findings() {
    // (fast_alerts, findings, the target ids of a notifying rule)
    let cases: [(bool, bool, &[&str]); 4] = [
        (true, false, &[TARGET_ID]),
        (true, true, &[TARGET_ID, FINDINGS_TARGET]),
        (false, true, &[FINDINGS_TARGET]),
        (false, false, &[]),
    ];
    for (fast_alerts, findings, ids) in cases {
        let spec = spec_with(two_stage(), fast_alerts, findings);
        let names = names_of(&spec);
        let topic = names.topic_arn();
        for rule in wanted_reads(&spec, &names) {
            let targets = read_targets(&spec, &names, &rule, &topic).expect("builds");
            let got: Vec<&str> = targets.iter().map(Target::id).collect();
            if rule.notifies {
                assert_eq!(got, ids, "fast_alerts {fast_alerts}, findings {findings}");
                for target in &targets {
                    match target.id() {
                        TARGET_ID => {
                            assert_eq!(target.arn(), topic);
                            assert!(target.input_transformer().is_some());
                        }
                        _ => {
                            // The whole event is written: no transformer.
                            assert_eq!(target.arn(), names.findings_log_group_arn());
                            assert!(target.input_transformer().is_none());
                        }
                    }
                }
            } else {
                // A caller rule forwards, whatever the notifying rules do.
                assert_eq!(got, [BUS_TARGET]);
                assert_eq!(targets[0].arn(), names.event_bus_arn());
                assert!(targets[0].role_arn().is_none());
            }
        }
    }
}

/// A rule as ListRules lists it.
pub(super) fn listed_rule(
    names: &Names,
    bus: Bus,
    name: &str,
    pattern: &str,
    state: RuleState,
) -> ListedRule {
    ListedRule::builder()
        .name(name)
        .arn(bus.rule_arn(names, name))
        .state(state)
        .event_pattern(pattern)
        .build()
}

/// The targets of a listed rule, as read whole.
fn whole(listed: &mut Listed) -> &mut Vec<Target> {
    match &mut listed.targets {
        Targets::Listed(targets) => targets,
        other => panic!("targets read whole, not {other:?}"),
    }
}

/// Everything each wanted rule must have, as listed.
fn in_place_listing(spec: &PipelineSpec, names: &Names) -> Listing {
    let topic = names.topic_arn();
    let rules = wanted_reads(spec, names)
        .into_iter()
        .map(|rule| Listed {
            bus: rule.bus,
            rule: listed_rule(
                names,
                rule.bus,
                &rule.name,
                &rule.pattern,
                Rule::Reads.state(),
            ),
            targets: Targets::Listed(read_targets(spec, names, &rule, &topic).expect("builds")),
        })
        .collect();
    Listing {
        rules,
        bus_exists: spec.detection.rules.two_stage(),
    }
}

#[test]
fn read_rules_alert_only_when_every_wanted_rule_is_in_its_state_with_its_targets() {
    let spec = spec_with(two_stage(), true, true);
    let owned = names_of(&spec);
    let names = &owned;
    let topic = names.topic_arn();
    let edit = |change: &dyn Fn(&mut Listing)| {
        let mut listing = in_place_listing(&spec, names);
        change(&mut listing);
        observe(&spec, names, &topic, &listing)
            .expect("judged")
            .reads_alerting
    };
    let caller = |l: &mut Listing| {
        l.rules
            .iter()
            .position(|r| r.bus == Bus::Default)
            .unwrap_or(0)
    };
    let scope = |l: &mut Listing| {
        l.rules
            .iter()
            .position(|r| r.bus == Bus::Pipeline)
            .unwrap_or(0)
    };
    type Change<'a> = Box<dyn Fn(&mut Listing) + 'a>;
    let cases: Vec<(&str, Change, bool)> = vec![
        ("in place", Box::new(|_| {}), true),
        (
            "caller rule deleted",
            Box::new(move |l| {
                let at = caller(l);
                l.rules.remove(at);
            }),
            false,
        ),
        (
            "scope rule disabled",
            Box::new(move |l| {
                let at = scope(l);
                let r = &l.rules[at].rule;
                l.rules[at].rule = listed_rule(
                    names,
                    Bus::Pipeline,
                    r.name().unwrap_or_default(),
                    r.event_pattern().unwrap_or_default(),
                    RuleState::Disabled,
                );
            }),
            false,
        ),
        (
            "plain ENABLED sees no read-only events",
            Box::new(move |l| {
                let at = caller(l);
                let r = &l.rules[at].rule;
                l.rules[at].rule = listed_rule(
                    names,
                    Bus::Default,
                    r.name().unwrap_or_default(),
                    r.event_pattern().unwrap_or_default(),
                    RuleState::Enabled,
                );
            }),
            false,
        ),
        (
            "caller forwards nowhere",
            Box::new(move |l| {
                let at = caller(l);
                whole(&mut l.rules[at]).clear();
            }),
            false,
        ),
        (
            "caller found targeting the bus by ARN (refresh)",
            Box::new(move |l| {
                let at = caller(l);
                l.rules[at].targets = Targets::Arns([names.event_bus_arn()].into());
            }),
            true,
        ),
        (
            "caller found by ARN targeting something else",
            Box::new(move |l| {
                let at = caller(l);
                l.rules[at].targets =
                    Targets::Arns(["arn:aws:sqs:us-east-1:1:q".to_owned()].into());
            }),
            false,
        ),
        (
            "a message wanted, only ARNs known",
            Box::new(move |l| {
                let at = scope(l);
                let arns = whole(&mut l.rules[at])
                    .iter()
                    .map(|t| t.arn().to_owned())
                    .collect();
                l.rules[at].targets = Targets::Arns(arns);
            }),
            false,
        ),
        (
            "targets not read",
            Box::new(move |l| {
                let at = caller(l);
                l.rules[at].targets = Targets::Unread;
            }),
            false,
        ),
        (
            "findings target removed",
            Box::new(move |l| {
                let at = scope(l);
                whole(&mut l.rules[at]).retain(|t| t.id() != FINDINGS_TARGET);
            }),
            false,
        ),
        (
            "message edited",
            Box::new(move |l| {
                let at = scope(l);
                for t in whole(&mut l.rules[at]) {
                    if t.id() == TARGET_ID {
                        *t = Target::builder()
                            .id(TARGET_ID)
                            .arn(t.arn())
                            .input_transformer(
                                InputTransformer::builder()
                                    .input_template("{}")
                                    .build()
                                    .expect("template set"),
                            )
                            .build()
                            .expect("id and arn set");
                    }
                }
            }),
            false,
        ),
        (
            "a stranger's extra target",
            Box::new(move |l| {
                let at = scope(l);
                whole(&mut l.rules[at]).push(
                    Target::builder()
                        .id("theirs")
                        .arn("arn:aws:sqs:us-east-1:111122223333:q")
                        .build()
                        .expect("id and arn set"),
                );
            }),
            true,
        ),
    ];
    for (case, change, alerting) in cases {
        assert_eq!(edit(&*change), alerting, "{case}");
    }
    // No per-event path: nothing alerts (the protection is not required then).
    let none = spec_with(ReadRules::None, false, false);
    let listing = Listing::default();
    let seen = observe(&none, &names_of(&none), &topic, &listing).expect("judged");
    assert!(!seen.reads_alerting && seen.reads.is_empty() && seen.read_rule_arn.is_none());
}

#[test]
fn refresh_records_the_rules_in_layout_order_then_stale_ones_with_patterns_normalised() {
    let spec = spec_with(two_stage(), true, false);
    let names = names_of(&spec);
    let topic = names.topic_arn();
    let mut listing = in_place_listing(&spec, &names);
    // AWS lists by name, and formats patterns its own way.
    listing.rules.reverse();
    let reformatted =
        r#"{"source": ["aws.secretsmanager"], "detail": {"eventName": ["GetSecretValue"]}}"#;
    for l in &mut listing.rules {
        if l.bus == Bus::Pipeline {
            l.rule = listed_rule(
                &names,
                Bus::Pipeline,
                l.name(),
                reformatted,
                Rule::Reads.state(),
            );
        }
    }
    // The single rule of an earlier layout, and a caller rule of another one.
    let old_caller = names.plan.staged_rule('c', SINGLE);
    for name in [names.read_rule.clone(), old_caller.clone()] {
        listing.rules.push(Listed {
            bus: Bus::Default,
            rule: listed_rule(&names, Bus::Default, &name, SINGLE, Rule::Reads.state()),
            targets: Targets::Unread,
        });
    }
    let seen = observe(&spec, &names, &topic, &listing).expect("judged");
    let wanted = wanted_reads(&spec, &names);
    let mut expected: Vec<Named> = wanted
        .iter()
        .map(|w| Named {
            name: w.name.clone(),
            pattern: w.pattern.clone(),
        })
        .collect();
    let mut stale = vec![names.read_rule.clone(), old_caller];
    stale.sort();
    expected.extend(stale.into_iter().map(|name| Named {
        name,
        pattern: SINGLE.to_owned(),
    }));
    assert_eq!(seen.reads, expected);
    assert_eq!(
        seen.read_rule_arn,
        Some(names.rule_arn(&wanted[0].name)),
        "the first caller rule"
    );
    // Stale rules do not make the wanted ones alert less.
    assert!(seen.reads_alerting);
    // An edited pattern is recorded as listed.
    let edited = r#"{"source":["aws.secretsmanager"]}"#;
    let at = listing
        .rules
        .iter()
        .position(|l| l.bus == Bus::Pipeline)
        .expect("a scope rule");
    let name = listing.rules[at].name().to_owned();
    listing.rules[at].rule = listed_rule(&names, Bus::Pipeline, &name, edited, Rule::Reads.state());
    let seen = observe(&spec, &names, &topic, &listing).expect("judged");
    assert!(seen
        .reads
        .iter()
        .any(|r| r.name == name && r.pattern == edited));
}

#[test]
fn the_tamper_rule_alerts_only_in_its_state_with_our_message() {
    let spec = spec_with(ReadRules::Single(SINGLE.to_owned()), true, false);
    let names = names_of(&spec);
    let topic = names.topic_arn();
    let ours = topic_target(Rule::Tamper, "prod", &topic, &names.tamper_rule).expect("builds");
    let reads = topic_target(Rule::Reads, "prod", &topic, &names.tamper_rule).expect("builds");
    // (state, targets, alerting)
    let cases = [
        (RuleState::Enabled, vec![ours.clone()], true),
        (RuleState::Disabled, vec![ours.clone()], false),
        (RuleState::Enabled, vec![], false),
        (RuleState::Enabled, vec![reads], false),
    ];
    for (state, targets, alerting) in cases {
        let listing = Listing {
            rules: vec![Listed {
                bus: Bus::Default,
                rule: listed_rule(
                    &names,
                    Bus::Default,
                    &names.tamper_rule,
                    "{}",
                    state.clone(),
                ),
                targets: Targets::Listed(targets),
            }],
            bus_exists: false,
        };
        let seen = observe(&spec, &names, &topic, &listing).expect("judged");
        let tamper = seen.tamper.expect("listed");
        assert_eq!(tamper.alerting, alerting, "{state:?}");
        assert_eq!(tamper.arn, names.rule_arn(&names.tamper_rule));
        // The tamper rule is no read rule.
        assert!(seen.reads.is_empty());
    }
}
