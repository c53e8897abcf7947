//! The pipeline's bus and the read rules on both buses against canned
//! EventBridge answers: creation and adoption of the bus, listings over two
//! buses and several pages, and the order of an update between layouts
//! (new rules alert before the old ones go; the bus goes after its rules).

use serde_json::{json, Value};

use super::{World, ACCOUNT, REGION};
use crate::aws::fake_http::{Answer, Call};
use crate::components::alert_message::input_template;
use crate::components::event_rule::{self, Rule};
use crate::components::{event_bus, Observed, Recorder};
use crate::pattern::layout::ReadRules;

const CALLER_A: &str =
    r#"{"detail":{"userIdentity":{"type":["AssumedRole"]}},"source":["aws.secretsmanager"]}"#;
const CALLER_B: &str =
    r#"{"detail":{"userIdentity":{"type":["IAMUser"]}},"source":["aws.secretsmanager"]}"#;
const SCOPE: &str =
    r#"{"detail":{"eventName":["GetSecretValue"]},"source":["aws.secretsmanager"]}"#;
const SINGLE: &str = r#"{"detail":{"eventName":["GetSecretValue","BatchGetSecretValue"]},"source":["aws.secretsmanager"]}"#;
const READ_STATE: &str = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

fn two_stage() -> ReadRules {
    ReadRules::TwoStage {
        callers: vec![CALLER_A.to_owned(), CALLER_B.to_owned()],
        scopes: vec![SCOPE.to_owned()],
    }
}

fn world(rules: ReadRules, fast_alerts: bool, findings: bool) -> World {
    let mut spec = crate::terraform::desired::example_spec("audit");
    spec.detection.rules = rules;
    spec.detection.findings = findings;
    spec.fast_alerts = fast_alerts;
    spec.tags.insert("team".to_owned(), "security".to_owned());
    World::with_spec(spec)
}

fn bus_arn(world: &World) -> String {
    world.names.event_bus_arn()
}

/// A ListRules page of `(name, pattern)` rules on `bus` (`None`: default).
fn rules_page(
    world: &World,
    bus: Option<&str>,
    rules: &[(&str, &str)],
    next: Option<&str>,
) -> Answer {
    let rules: Vec<Value> = rules
        .iter()
        .map(|(name, pattern)| {
            let arn = match bus {
                None => world.names.rule_arn(name),
                Some(_) => world.names.bus_rule_arn(name),
            };
            json!({
                "Name": name,
                "Arn": arn,
                "EventPattern": pattern,
                "State": READ_STATE,
                "EventBusName": bus.unwrap_or("default"),
            })
        })
        .collect();
    let mut body = json!({ "Rules": rules });
    if let Some(next) = next {
        body["NextToken"] = json!(next);
    }
    Answer::json(body)
}

/// What the body of a call on the pipeline's bus contains.
fn on_the_pipeline_bus(world: &World) -> String {
    format!("\"EventBusName\":\"{}\"", world.names.event_bus)
}

/// A ListRuleNamesByTarget page naming `rules`.
fn rule_names(rules: &[&str]) -> Answer {
    Answer::json(json!({ "RuleNames": rules }))
}

fn targets(targets: Vec<Value>) -> Answer {
    Answer::json(json!({ "Targets": targets }))
}

fn topic_target(world: &World, rule: Rule) -> Value {
    json!({
        "Id": "secretmonitor-topic",
        "Arn": world.names.topic_arn(),
        "InputTransformer": { "InputTemplate": input_template(rule, &world.spec.name) },
    })
}

fn bus_target(world: &World) -> Value {
    json!({ "Id": "secretmonitor-bus", "Arn": bus_arn(world) })
}

fn findings_target(world: &World) -> Value {
    json!({ "Id": "secretmonitor-findings", "Arn": world.names.findings_log_group_arn() })
}

fn body(call: &Call) -> Value {
    serde_json::from_str(&call.body).unwrap_or(Value::Null)
}

/// The calls of `operation` naming `rule` (by `Rule` or `Name`), as
/// positions in the call log.
fn positions(calls: &[Call], operation: &str, rule: &str) -> Vec<usize> {
    calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.operation == operation)
        .filter(|(_, c)| {
            let b = body(c);
            b["Rule"] == rule || b["Name"] == rule
        })
        .map(|(at, _)| at)
        .collect()
}

fn staged(world: &World, stage: char, pattern: &str) -> String {
    world.names.plan.staged_rule(stage, pattern)
}

#[tokio::test]
async fn the_bus_is_created_with_tags_adopted_when_it_exists_and_left_out_of_one_rule() {
    // (layout, CreateEventBus' answer, recorded ARN, CreateEventBus calls)
    let world_for_arn = world(two_stage(), true, false);
    let created = format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/created-arn");
    let cases: Vec<(ReadRules, Option<Answer>, Option<String>, usize)> = vec![
        (
            two_stage(),
            Some(Answer::json(json!({ "EventBusArn": created }))),
            Some(created.clone()),
            1,
        ),
        (
            two_stage(),
            Some(Answer::json_error(
                crate::aws::codes::events::RESOURCE_ALREADY_EXISTS,
                "Event bus audit-secret-reads already exists.",
            )),
            Some(bus_arn(&world_for_arn)),
            1,
        ),
        (ReadRules::Single(SINGLE.to_owned()), None, None, 0),
    ];
    for (rules, answer, recorded, calls) in cases {
        let world = world(rules, true, false);
        if let Some(answer) = answer {
            world.fake.on("CreateEventBus", answer);
        }
        let rec = Recorder::default();
        event_bus::ensure(&world.ctx(), &rec)
            .await
            .expect("ensured");
        assert_eq!(rec.get(|o| o.event_bus_arn.clone()), recorded);
        assert_eq!(world.fake.count("CreateEventBus"), calls);
        if calls > 0 {
            let sent = body(&world.fake.calls()[0]);
            assert_eq!(sent["Name"], world.names.event_bus);
            assert!(
                sent["Tags"]
                    .as_array()
                    .is_some_and(|t| t.len() == world.spec.tags.len()),
                "{sent}"
            );
        }
    }
    // Any other refusal is an error naming the call.
    let world = world(two_stage(), true, false);
    world.fake.on(
        "CreateEventBus",
        Answer::json_error("LimitExceededException", "too many buses"),
    );
    let err = event_bus::ensure(&world.ctx(), &Recorder::default())
        .await
        .expect_err("refused");
    assert_eq!(err.aws().map(|e| e.operation), Some("CreateEventBus"));
}

#[tokio::test]
async fn the_bus_is_looked_up_and_deleted_only_where_it_may_exist() {
    // (layout, recorded bus, the answer, found, calls)
    let cases: Vec<(ReadRules, bool, Answer, bool, usize)> = vec![
        (
            two_stage(),
            false,
            Answer::json(json!({ "Name": "audit-secret-reads", "Arn": "arn:x" })),
            true,
            1,
        ),
        (
            two_stage(),
            true,
            Answer::json_error(
                "ResourceNotFoundException",
                "Event bus audit-secret-reads does not exist.",
            ),
            false,
            1,
        ),
        // Back to one rule, the bus still recorded: looked up, to be removed.
        (
            ReadRules::Single(SINGLE.to_owned()),
            true,
            Answer::json(json!({ "Name": "audit-secret-reads", "Arn": "arn:x" })),
            true,
            1,
        ),
        // One rule, no bus in the state: no call at all.
        (
            ReadRules::Single(SINGLE.to_owned()),
            false,
            Answer::json(json!({})),
            false,
            0,
        ),
    ];
    for (rules, recorded_bus, answer, found, calls) in cases {
        let world = world(rules.clone(), true, false);
        world.fake.on("DescribeEventBus", answer);
        let recorded = Observed {
            event_bus_arn: recorded_bus.then(|| bus_arn(&world)),
            ..Observed::default()
        };
        let seen = event_bus::find(&world.ctx(), &recorded)
            .await
            .expect("looked up");
        assert_eq!(seen.is_some(), found, "{rules:?} {recorded_bus}");
        if found {
            assert_eq!(seen.map(|s| s.arn), Some("arn:x".to_owned()));
        }
        assert_eq!(world.fake.count("DescribeEventBus"), calls);

        // Delete: "not found" is done; nothing to delete makes no call.
        let world = World::with_spec(world.spec.clone());
        world.fake.on(
            "DeleteEventBus",
            Answer::json_error("ResourceNotFoundException", "gone"),
        );
        let rec = Recorder::new(recorded.clone());
        let deleted = (event_bus::PART.delete)(&world.ctx(), &rec).await;
        assert!(deleted.is_ok(), "{deleted:?}");
        assert_eq!(world.fake.count("DeleteEventBus"), calls);
    }
}

#[tokio::test]
async fn find_lists_both_buses_page_by_page_and_keeps_only_the_pipelines_rules() {
    let world = world(two_stage(), true, true);
    let (a, b, s) = (
        staged(&world, 'c', CALLER_A),
        staged(&world, 'c', CALLER_B),
        staged(&world, 's', SCOPE),
    );
    // Another pipeline whose name extends this one's shares the prefix.
    let stranger = "audit-eu-secret-reads";
    let tamper = world.names.tamper_rule.clone();
    world
        .fake
        .on(
            "ListRules",
            rules_page(
                &world,
                None,
                &[(&b, CALLER_B), (stranger, SINGLE)],
                Some("page-2"),
            ),
        )
        .on(
            "ListRules",
            rules_page(&world, None, &[(&a, CALLER_A), (&tamper, "{}")], None),
        )
        .on_if(
            "ListRules",
            &on_the_pipeline_bus(&world),
            rules_page(&world, Some(&world.names.event_bus), &[(&s, SCOPE)], None),
        )
        // Every rule read whole lists every target it could want.
        .on(
            "ListTargetsByRule",
            targets(vec![
                bus_target(&world),
                topic_target(&world, Rule::Reads),
                findings_target(&world),
            ]),
        )
        .on("ListRuleNamesByTarget", rule_names(&[&a, &b]));
    let recorded = Observed {
        event_bus_arn: Some(bus_arn(&world)),
        ..Observed::default()
    };
    let seen = event_rule::find(&world.ctx(), &recorded, &world.names.topic_arn())
        .await
        .expect("found");
    let names: Vec<&str> = seen.reads.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, [a.as_str(), b.as_str(), s.as_str()], "layout order");
    assert_eq!(seen.read_rule_arn, Some(world.names.rule_arn(&a)));
    assert!(seen.reads_alerting);
    assert!(seen.tamper.is_some());
    // The default bus in two pages, the second asked with the token, and
    // the pipeline's bus beside it; limit 100.
    let calls = world.fake.calls();
    let listings: Vec<Value> = calls
        .iter()
        .filter(|c| c.operation == "ListRules")
        .map(body)
        .collect();
    assert_eq!(listings.len(), 3);
    let (on_default, on_pipeline): (Vec<&Value>, Vec<&Value>) = listings
        .iter()
        .partition(|l| l.get("EventBusName").is_none());
    assert_eq!(on_default.len(), 2);
    assert_eq!(on_default[0]["NamePrefix"], "audit-");
    assert_eq!(on_default[0]["Limit"], 100);
    assert_eq!(on_default[1]["NextToken"], "page-2");
    assert_eq!(on_pipeline[0]["EventBusName"], world.names.event_bus);
    assert_eq!(on_pipeline[0]["NamePrefix"], "audit-reads-s-");
    // Read whole: the rules whose targets carry a message (the scope rule,
    // on its bus, and the tamper rule). The caller rules are found by the
    // one ARN they target, in one listing.
    assert_eq!(world.fake.count("ListTargetsByRule"), 2);
    let scope_targets = positions(&calls, "ListTargetsByRule", &s);
    assert_eq!(scope_targets.len(), 1);
    assert_eq!(
        body(&calls[scope_targets[0]])["EventBusName"],
        world.names.event_bus
    );
    assert_eq!(positions(&calls, "ListTargetsByRule", &tamper).len(), 1);
    let by_target: Vec<Value> = calls
        .iter()
        .filter(|c| c.operation == "ListRuleNamesByTarget")
        .map(body)
        .collect();
    assert_eq!(by_target.len(), 1);
    assert_eq!(by_target[0]["TargetArn"], bus_arn(&world));
    assert!(by_target[0].get("EventBusName").is_none());
    assert!(positions(&calls, "ListTargetsByRule", stranger).is_empty());
}

#[tokio::test]
async fn a_missing_findings_target_or_a_scope_rule_on_the_wrong_bus_stops_the_rules_alerting() {
    // (findings, where the scope rule is listed, alerting)
    let cases = [
        (true, true, false),
        (false, true, true),
        (false, false, false),
    ];
    for (findings, on_pipeline_bus, alerting) in cases {
        let world = world(two_stage(), true, findings);
        let (a, b, s) = (
            staged(&world, 'c', CALLER_A),
            staged(&world, 'c', CALLER_B),
            staged(&world, 's', SCOPE),
        );
        let mut default = vec![(a.as_str(), CALLER_A), (b.as_str(), CALLER_B)];
        let mut pipeline = vec![];
        if on_pipeline_bus {
            pipeline.push((s.as_str(), SCOPE));
        } else {
            default.push((s.as_str(), SCOPE));
        }
        world
            .fake
            .on("ListRules", rules_page(&world, None, &default, None))
            .on_if(
                "ListRules",
                &on_the_pipeline_bus(&world),
                rules_page(&world, Some(&world.names.event_bus), &pipeline, None),
            )
            .on(
                "ListTargetsByRule",
                targets(vec![bus_target(&world), topic_target(&world, Rule::Reads)]),
            )
            .on("ListRuleNamesByTarget", rule_names(&[&a, &b]));
        let recorded = Observed::default();
        let seen = event_rule::find(&world.ctx(), &recorded, &world.names.topic_arn())
            .await
            .expect("found");
        assert_eq!(
            seen.reads_alerting, alerting,
            "findings {findings}, on bus {on_pipeline_bus}"
        );
    }
}

#[tokio::test]
async fn ensure_puts_only_missing_or_changed_rules_each_on_its_bus_without_targets() {
    let world = world(two_stage(), true, false);
    let (a, b, s) = (
        staged(&world, 'c', CALLER_A),
        staged(&world, 'c', CALLER_B),
        staged(&world, 's', SCOPE),
    );
    // Caller A is in place; caller B has an edited pattern; the scope rule
    // is missing. The old single rule stays for now.
    let single = world.names.read_rule.clone();
    world
        .fake
        .on(
            "ListRules",
            rules_page(
                &world,
                None,
                &[(&a, CALLER_A), (&b, SCOPE), (&single, SINGLE)],
                None,
            ),
        )
        .on_if(
            "ListRules",
            &on_the_pipeline_bus(&world),
            rules_page(&world, Some(&world.names.event_bus), &[], None),
        )
        .on("ListTargetsByRule", targets(vec![]))
        .on("PutRule", Answer::json(json!({ "RuleArn": "arn:put" })));
    let rec = Recorder::new(Observed {
        kms_key_arn: Some(world.key_arn()),
        event_bus_arn: Some(bus_arn(&world)),
        ..Observed::default()
    });
    event_rule::ensure(&world.ctx(), &rec)
        .await
        .expect("ensured");
    let calls = world.fake.calls();
    let put: Vec<Value> = calls
        .iter()
        .filter(|c| c.operation == "PutRule")
        .map(body)
        .collect();
    let put_names: Vec<&str> = put.iter().filter_map(|p| p["Name"].as_str()).collect();
    assert!(put_names.contains(&b.as_str()) && put_names.contains(&s.as_str()));
    assert!(!put_names.contains(&a.as_str()), "in place: not put again");
    assert!(put_names.contains(&world.names.tamper_rule.as_str()));
    for p in &put {
        let name = p["Name"].as_str().unwrap_or_default();
        if name == s {
            assert_eq!(p["EventBusName"], world.names.event_bus);
        } else {
            assert!(p.get("EventBusName").is_none(), "{p}");
        }
        if name != world.names.tamper_rule {
            assert_eq!(p["State"], READ_STATE, "{name}");
        }
    }
    assert_eq!(world.fake.count("PutTargets"), 0);
    assert_eq!(world.fake.count("DeleteRule"), 0, "make before break");
    // The state names the new rules, and the old one not yet deleted.
    let recorded: Vec<String> = rec.get(|o| o.read_rules.iter().map(|r| r.name.clone()).collect());
    assert_eq!(recorded, [a.clone(), b, s, single]);
    assert_eq!(
        rec.get(|o| o.read_rule_arn.clone()),
        Some(world.names.rule_arn(&a))
    );
}

/// What `ensure_targets` starts from after the rules and the bus ensured.
fn recorded_for_targets(world: &World, bus: bool) -> Recorder {
    Recorder::new(Observed {
        topic_arn: Some(world.names.topic_arn()),
        event_bus_arn: bus.then(|| bus_arn(world)),
        ..Observed::default()
    })
}

fn done(world: &World) {
    world
        .fake
        .on(
            "PutTargets",
            Answer::json(json!({ "FailedEntryCount": 0, "FailedEntries": [] })),
        )
        .on(
            "RemoveTargets",
            Answer::json(json!({ "FailedEntryCount": 0, "FailedEntries": [] })),
        )
        .on("DeleteRule", Answer::json(json!({})))
        .on("DeleteEventBus", Answer::json(json!({})));
}

#[tokio::test]
async fn from_one_rule_to_two_stages_the_old_rule_goes_only_once_the_new_ones_alert() {
    let world = world(two_stage(), true, false);
    let (a, b, s) = (
        staged(&world, 'c', CALLER_A),
        staged(&world, 'c', CALLER_B),
        staged(&world, 's', SCOPE),
    );
    let single = world.names.read_rule.clone();
    let tamper = world.names.tamper_rule.clone();
    world
        .fake
        .on(
            "ListRules",
            rules_page(
                &world,
                None,
                &[
                    (&a, CALLER_A),
                    (&b, CALLER_B),
                    (&single, SINGLE),
                    (&tamper, "{}"),
                ],
                None,
            ),
        )
        .on_if(
            "ListRules",
            &on_the_pipeline_bus(&world),
            rules_page(&world, Some(&world.names.event_bus), &[(&s, SCOPE)], None),
        )
        // Every rule has the old rule's topic target (the new ones none of
        // their own yet).
        .on(
            "ListTargetsByRule",
            targets(vec![topic_target(&world, Rule::Reads)]),
        );
    done(&world);
    let rec = recorded_for_targets(&world, true);
    event_rule::ensure_targets(&world.ctx(), &rec)
        .await
        .expect("ensured");
    let calls = world.fake.calls();
    let last_put = calls
        .iter()
        .rposition(|c| c.operation == "PutTargets")
        .expect("targets put");
    // Each caller forwards to the bus; the scope rule already notifies.
    for caller in [&a, &b] {
        let at = positions(&calls, "PutTargets", caller);
        assert_eq!(at.len(), 1, "{caller}");
        let sent = body(&calls[at[0]]);
        assert_eq!(sent["Targets"][0]["Arn"], bus_arn(&world));
        assert!(sent["Targets"][0].get("RoleArn").is_none());
        // The topic target it does not want goes.
        assert_eq!(positions(&calls, "RemoveTargets", caller).len(), 1);
    }
    assert!(positions(&calls, "PutTargets", &s).is_empty());
    // The old rule: its target, then the rule, both after every new target.
    let removed = positions(&calls, "RemoveTargets", &single);
    let deleted = positions(&calls, "DeleteRule", &single);
    assert_eq!((removed.len(), deleted.len()), (1, 1));
    assert!(
        last_put < removed[0] && removed[0] < deleted[0],
        "{:?}",
        world.fake.operations()
    );
    assert_eq!(world.fake.count("DeleteRule"), 1);
    assert_eq!(world.fake.count("DeleteEventBus"), 0);
    let recorded: Vec<String> = rec.get(|o| o.read_rules.iter().map(|r| r.name.clone()).collect());
    assert_eq!(recorded, [a, b, s]);
}

#[tokio::test]
async fn from_two_stages_to_one_rule_the_staged_rules_go_then_the_bus() {
    let world = world(ReadRules::Single(SINGLE.to_owned()), true, true);
    let (a, b, s) = (
        staged(&world, 'c', CALLER_A),
        staged(&world, 'c', CALLER_B),
        staged(&world, 's', SCOPE),
    );
    let single = world.names.read_rule.clone();
    world
        .fake
        .on(
            "ListRules",
            rules_page(
                &world,
                None,
                &[(&a, CALLER_A), (&b, CALLER_B), (&single, SINGLE)],
                None,
            ),
        )
        .on_if(
            "ListRules",
            &on_the_pipeline_bus(&world),
            rules_page(&world, Some(&world.names.event_bus), &[(&s, SCOPE)], None),
        )
        .on("ListTargetsByRule", targets(vec![bus_target(&world)]));
    done(&world);
    let rec = recorded_for_targets(&world, true);
    event_rule::ensure_targets(&world.ctx(), &rec)
        .await
        .expect("ensured");
    let calls = world.fake.calls();
    // The single rule gets the topic and the findings group.
    let put = positions(&calls, "PutTargets", &single);
    assert_eq!(put.len(), 1);
    let sent = body(&calls[put[0]]);
    let ids: Vec<&str> = sent["Targets"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["Id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["secretmonitor-topic", "secretmonitor-findings"]);
    let bus_deleted = positions(&calls, "DeleteEventBus", &world.names.event_bus);
    assert_eq!(bus_deleted.len(), 1);
    for stale in [&a, &b, &s] {
        let removed = positions(&calls, "RemoveTargets", stale);
        let deleted = positions(&calls, "DeleteRule", stale);
        assert_eq!((removed.len(), deleted.len()), (1, 1), "{stale}");
        assert!(put[0] < removed[0] && removed[0] < deleted[0], "{stale}");
        assert!(deleted[0] < bus_deleted[0], "{stale} before the bus");
    }
    // The scope rule is deleted on its bus.
    let scope_deleted = positions(&calls, "DeleteRule", &s)[0];
    assert_eq!(
        body(&calls[scope_deleted])["EventBusName"],
        world.names.event_bus
    );
    assert_eq!(rec.get(|o| o.event_bus_arn.clone()), None);
    let recorded: Vec<String> = rec.get(|o| o.read_rules.iter().map(|r| r.name.clone()).collect());
    assert_eq!(recorded, [single]);
}

#[tokio::test]
async fn topic_targets_only_with_fast_alerts_and_findings_targets_only_with_findings() {
    // (fast_alerts, findings, the ids the scope rule is given)
    let cases: [(bool, bool, &[&str]); 3] = [
        (true, false, &["secretmonitor-topic"]),
        (false, true, &["secretmonitor-findings"]),
        (
            true,
            true,
            &["secretmonitor-topic", "secretmonitor-findings"],
        ),
    ];
    for (fast_alerts, findings, ids) in cases {
        let mut world = world(two_stage(), fast_alerts, findings);
        world.spec.tamper_alerts = false;
        let s = staged(&world, 's', SCOPE);
        world
            .fake
            .on("ListRules", rules_page(&world, None, &[], None))
            .on_if(
                "ListRules",
                &on_the_pipeline_bus(&world),
                rules_page(&world, Some(&world.names.event_bus), &[(&s, SCOPE)], None),
            )
            .on("ListTargetsByRule", targets(vec![]));
        done(&world);
        let rec = recorded_for_targets(&world, true);
        event_rule::ensure_targets(&world.ctx(), &rec)
            .await
            .expect("ensured");
        let calls = world.fake.calls();
        let put = positions(&calls, "PutTargets", &s);
        assert_eq!(put.len(), 1);
        let sent = body(&calls[put[0]]);
        let got: Vec<&str> = sent["Targets"]
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["Id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(got, ids, "fast_alerts {fast_alerts}, findings {findings}");
        assert_eq!(sent["EventBusName"], world.names.event_bus);
    }
}
