//! The pipeline's operations, each a loop over [`PARTS`] (the one list of
//! parts, each with the same contract, [`PartDef`]): apply runs every part's
//! `ensure` as a dependency graph, observe runs every finder at once, and
//! delete runs every part's `delete` over the apply graph reversed.

use std::sync::Mutex;

use futures::future::BoxFuture;
use futures::FutureExt;

use crate::aws::log::logged;
use crate::aws::{AwsError, Clients};
use crate::components::{
    expected_protections, key, present, Component, Ctx, Deleted, Names, Observed, PartDef,
    PipelineSpec, Recorder, Seen,
};
pub use crate::components::{Operation, PipelineError};
use crate::engine::{self, FailurePolicy, Step, Usable};

/// A step of the graph whose AWS calls are logged under its component.
fn step<'a>(
    id: Component,
    after: &[Component],
    work: BoxFuture<'a, Result<(), PipelineError>>,
) -> Step<'a, Component, PipelineError> {
    Step::new(id, after, logged(id, work).boxed())
}

/// How many AWS steps may run at once. 0 means as many as the graph allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parallelism(pub usize);

/// The result of a delete: everything known to exist afterwards, whatever
/// happened, the errors if something failed, and what was kept on purpose.
#[derive(Debug)]
pub struct Report {
    pub observed: Observed,
    pub errors: Vec<PipelineError>,
    pub warnings: Vec<String>,
}

/// Asks STS for the account (once: the clients cache it) and derives every name.
pub async fn names_for(clients: &Clients, spec: &PipelineSpec) -> Result<Names, AwsError> {
    let account = logged(Component::Identity, clients.account_id()).await?;
    Ok(Names::derive(spec, &account, &clients.region))
}

/// Every name, from the account and region the state recorded (refresh and
/// destroy then need no identity call), else from STS.
pub async fn names(
    clients: &Clients,
    spec: &PipelineSpec,
    recorded: &Observed,
) -> Result<Names, AwsError> {
    match (&recorded.account_id, &recorded.region) {
        (Some(account), Some(region)) => Ok(Names::derive(spec, account, region)),
        _ => names_for(clients, spec).await,
    }
}

/// What apply starts from: every name, and the key, looked up while the
/// account is, since every other step waits for the key.
pub struct Start {
    pub names: Names,
    key: Option<key::Lookup>,
}

/// The names and the key look-up, sent together.
pub async fn start(
    clients: &Clients,
    spec: &PipelineSpec,
    recorded: &Observed,
) -> Result<Start, AwsError> {
    let (names, key) = tokio::join!(
        names(clients, spec, recorded),
        // Boxed: a task-local scope around borrowed futures otherwise
        // defeats the compiler's proof that the apply future is Send.
        logged(Component::Key, key::Lookup::start(clients, spec, recorded)).boxed()
    );
    Ok(Start { names: names?, key })
}

/// Brings AWS to the spec: creates what is missing, repairs what drifted.
/// Identifiers land in `recorder` as each call returns.
///
/// The graph is the parts' `after`, `refers_to` (b waits for all of a) and
/// `after_usable` (b waits until a is usable, i.e. exists with its policy):
///
/// ```text
/// key ~> archive, log group, topic, rules, trail
/// log group ~> metric filter, trail             delivery role, archive -> trail
/// topic -> subscriptions, alarm                 metric filter -> alarm
/// rules, topic, alarm, trail, filter, group, key -> rule targets
/// ```
///
/// After the first failure no new step starts: the rest would build on a
/// half-made pipeline.
pub async fn apply(
    clients: &Clients,
    spec: &PipelineSpec,
    start: &Start,
    recorder: &Recorder,
    parallelism: Parallelism,
    deadline: tokio::time::Instant,
) -> Vec<PipelineError> {
    let names = &start.names;
    recorder.update(|o| {
        o.account_id = Some(names.account_id.clone());
        o.region = Some(names.region.clone());
    });
    let ctx = Ctx {
        key_lookup: start.key.as_ref(),
        ..Ctx::new(clients, spec, names, deadline)
    };
    let steps = present(spec)
        .map(|part| {
            let (usable, signal) = Usable::new();
            step(
                part.id,
                &part.waits_for(),
                (part.ensure)(&ctx, recorder, usable),
            )
            .after_usable(part.after_usable)
            .signals_usable(signal)
        })
        .collect();
    let operation = Operation::Apply;
    let outcome = run(steps, parallelism, deadline, operation).await;
    // A protection holds once the step that puts it in place has succeeded.
    let protections = expected_protections(spec)
        .into_iter()
        .map(|(protection, part)| {
            let holds = outcome.completed.contains(&part);
            (protection.name().to_owned(), holds)
        })
        .collect();
    recorder.update(|o| o.protections = protections);
    errors_of(outcome, operation)
}

/// What a failure stops: apply stops everything, delete only what must come
/// after the failed part.
fn failure_policy(operation: Operation) -> FailurePolicy {
    match operation {
        Operation::Apply => FailurePolicy::StopAll,
        Operation::Destroy => FailurePolicy::BlockDependents,
    }
}

async fn run<'a>(
    steps: Vec<Step<'a, Component, PipelineError>>,
    parallelism: Parallelism,
    deadline: tokio::time::Instant,
    operation: Operation,
) -> engine::Outcome<Component, PipelineError> {
    let policy = failure_policy(operation);
    engine::run_until(steps, parallelism.0, Some(deadline), policy).await
}

/// The failures of an operation, plus one naming what never started: when
/// the deadline passed, or, for a delete, because what they wait for failed.
fn errors_of(
    outcome: engine::Outcome<Component, PipelineError>,
    operation: Operation,
) -> Vec<PipelineError> {
    let mut errors: Vec<PipelineError> = outcome.failed.into_iter().map(|(_, err)| err).collect();
    let mut not_started = outcome.not_started;
    not_started.sort();
    if outcome.timed_out {
        errors.push(PipelineError::TimedOut {
            operation,
            not_started,
        });
    } else if !not_started.is_empty() && failure_policy(operation) == FailurePolicy::BlockDependents
    {
        errors.push(PipelineError::Blocked {
            operation,
            not_started,
        });
    }
    errors
}

/// Reads every part at once: refresh costs the longest chain of lookups
/// (two round trips), not the sum of them.
pub async fn observe(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorded: &Observed,
) -> Result<Observed, AwsError> {
    Ok(census(clients, spec, names, recorded).await?.observed)
}

/// What a read of a pipeline found: the observation, and how many of the
/// parts its spec has (those a read can find) exist.
#[derive(Debug)]
pub struct Census {
    pub observed: Observed,
    pub found: usize,
    pub expected: usize,
    /// The parts not found, in the order of the parts' list.
    pub missing: Vec<Component>,
}

impl Census {
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Whether the spec's layout builds a part. The findings log group and the
/// pipeline's bus are present in every pipeline, so that their `find` and
/// `delete` run whatever the layout, but only some layouts build them.
fn built(part: &PartDef, spec: &PipelineSpec) -> bool {
    match part.id {
        Component::Findings => spec.detection.findings,
        Component::EventBus => spec.detection.rules.two_stage(),
        _ => true,
    }
}

/// [`observe`], counting the parts found.
pub async fn census(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorded: &Observed,
) -> Result<Census, AwsError> {
    // Refresh retries nothing; should it ever, a retry's own window bounds it.
    let deadline = tokio::time::Instant::now() + crate::aws::RetryPolicy::PROPAGATION.give_up_after;
    let ctx = &Ctx::new(clients, spec, names, deadline);
    let parts: Vec<&PartDef> = present(spec).filter(|part| part.find.is_some()).collect();
    // Each lookup is logged under the part it reads (boxed, as the engine's
    // steps are, to keep the refresh future provably Send).
    let lookups = parts.iter().filter_map(|part| {
        let find = part.find?;
        Some(logged(part.id, find(ctx, recorded)).boxed())
    });
    let found = futures::future::join_all(lookups).await;
    let absent: Vec<Component> = parts
        .iter()
        .zip(&found)
        .filter(|(_, found)| matches!(found, Ok(None)))
        .map(|(part, _)| part.id)
        .collect();
    let mut seen: Vec<Box<dyn Seen>> = Vec::new();
    let mut missing = Vec::new();
    for (part, found) in parts.iter().zip(found) {
        if part.inside.is_some_and(|home| absent.contains(&home)) {
            missing.extend(built(part, spec).then_some(part.id));
            continue;
        }
        let found = found?;
        if found.is_none() && built(part, spec) {
            missing.push(part.id);
        }
        seen.extend(found);
    }
    let mut observed = Observed {
        account_id: Some(names.account_id.clone()),
        region: Some(names.region.clone()),
        ..Observed::default()
    };
    for part in &seen {
        part.record(&mut observed);
    }
    let holding: Vec<_> = seen.iter().flat_map(|part| part.protections()).collect();
    observed.protections = expected_protections(spec)
        .into_iter()
        .map(|(protection, _)| {
            let holds = holding.contains(&(protection, true));
            (protection.name().to_owned(), holds)
        })
        .collect();
    let expected = parts.iter().filter(|part| built(part, spec)).count();
    Ok(Census {
        observed,
        found: expected - missing.len(),
        expected,
        missing,
    })
}

/// Tears the pipeline down over the apply graph reversed: a part goes once
/// every part that builds on it is gone. "Not found" is done; a failure
/// stops only the parts that must wait for the failed one, and the errors
/// name them. A non-empty archive is kept unless `force_destroy`; the key
/// is scheduled for deletion, never deleted.
pub async fn delete(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorded: &Observed,
    parallelism: Parallelism,
    deadline: tokio::time::Instant,
) -> Report {
    let ctx = &Ctx::new(clients, spec, names, deadline);
    let recorder = &Recorder::new(recorded.clone());
    let kept = Mutex::new(Vec::new());
    let warnings = &kept;
    let parts: Vec<&'static PartDef> = present(spec).collect();
    let steps = parts
        .iter()
        .map(|&part| {
            let builders: Vec<Component> = parts
                .iter()
                .filter(|other| other.builds_on(part.id))
                .map(|other| other.id)
                .collect();
            let work = async move {
                match (part.delete)(ctx, recorder).await? {
                    Deleted::Done => recorder.update(part.forget),
                    Deleted::Kept { reason } => warnings
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(reason),
                    Deleted::LeftAlone => {}
                }
                Ok(())
            };
            step(part.id, &builders, work.boxed())
        })
        .collect();
    let outcome = run(steps, parallelism, deadline, Operation::Destroy).await;
    Report {
        observed: recorder.snapshot(),
        errors: errors_of(outcome, Operation::Destroy),
        warnings: kept.into_inner().unwrap_or_else(|p| p.into_inner()),
    }
}

#[cfg(test)]
mod delete_holds_back_only_dependents {
    use std::time::Duration;

    use super::*;
    use crate::aws::fake_http::{Answer, FakeAws};

    const NOT_CLOUDWATCH: &str = "<html><body><h1>404 Not Found</h1></body></html>";

    /// Every delete call answered as done, except those in `failing`.
    fn aws(failing: &[&str]) -> FakeAws {
        let fake = FakeAws::new();
        let done = [
            (
                "RemoveTargets",
                Answer::json(serde_json::json!({ "FailedEntryCount": 0 })),
            ),
            ("DeleteRule", Answer::json(serde_json::json!({}))),
            ("DeleteTrail", Answer::json(serde_json::json!({}))),
            ("DeleteDashboards", Answer::cbor_done()),
            (
                "DescribeMetricFilters",
                Answer::json(
                    serde_json::json!({ "metricFilters": [{ "filterName": "audit-secret-access" }] }),
                ),
            ),
            ("DeleteMetricFilter", Answer::json(serde_json::json!({}))),
            (
                "DescribeQueryDefinitions",
                Answer::json(serde_json::json!({ "queryDefinitions": [] })),
            ),
            ("DeleteLogGroup", Answer::json(serde_json::json!({}))),
            ("DeleteAlias", Answer::json(serde_json::json!({}))),
            ("ScheduleKeyDeletion", Answer::json(serde_json::json!({}))),
            ("DeleteRolePolicy", Answer::query_done("DeleteRolePolicy")),
            ("DeleteRole", Answer::query_done("DeleteRole")),
            ("DeleteTopic", Answer::query_done("DeleteTopic")),
            (
                "ListSubscriptionsByTopic",
                Answer::query("ListSubscriptionsByTopic", "<Subscriptions/>"),
            ),
            (
                "ListObjectVersions",
                Answer::s3_error(404, "NoSuchBucket", "The specified bucket does not exist"),
            ),
        ];
        // The fake gives queued answers in order: a failing call gets only its failure.
        for (operation, answer) in done.into_iter().filter(|(op, _)| !failing.contains(op)) {
            fake.on(operation, answer);
        }
        for operation in failing {
            // The issue's endpoint: not CloudWatch (or whichever service), an HTML page.
            fake.on(operation, Answer::raw(404, "text/html", NOT_CLOUDWATCH));
        }
        fake
    }

    /// The issue: destroy failed at DeleteAlarms and, because no new step
    /// started after a failure, left the log group, topic, delivery role,
    /// bucket and key behind although none of them waits for the alarm.
    #[tokio::test]
    async fn a_failed_delete_holds_back_only_the_parts_that_must_wait_for_it() {
        use Component::*;
        // (calls that fail, parts left recorded, parts never started)
        type Case<'a> = (&'a [&'a str], &'a [Component], &'a [Component]);
        // DeleteAlarms fails in each case: the fake speaks no CloudWatch CBOR.
        let cases: [Case; 2] = [
            (&["DeleteAlarms"], &[Alarm], &[]),
            (
                &["DeleteAlarms", "DeleteTrail"],
                &[Alarm, Trail, Archive, DeliveryRole, LogGroup, Key],
                &[Key, Archive, LogGroup, DeliveryRole],
            ),
        ];
        for (failing, left, not_started) in cases {
            let fake = aws(failing);
            let clients = Clients::for_tests(fake.http_client(), "us-east-1");
            let spec = crate::terraform::desired::example_spec("audit");
            let names = Names::derive(&spec, "111122223333", "us-east-1");
            let recorded = Observed {
                kms_key_arn: Some("arn:aws:kms:us-east-1:111122223333:key/k".into()),
                archive_bucket_name: Some(names.bucket.clone()),
                log_group_name: Some(names.log_group.clone()),
                delivery_role_arn: Some("arn:aws:iam::111122223333:role/r".into()),
                trail_arn: Some(names.trail_arn()),
                metric_filter_name: Some(names.metric_filter.clone()),
                alarm_arn: Some(names.alarm_arn()),
                topic_arn: Some(names.topic_arn()),
                read_rule_arn: Some(names.rule_arn(&names.read_rule)),
                tamper_rule_arn: Some(names.rule_arn(&names.tamper_rule)),
                ..Observed::default()
            };
            let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
            let report = delete(&clients, &spec, &names, &recorded, Parallelism(0), deadline).await;
            let what = format!("{failing:?}");
            // Each failure is reported, and so is what it held back.
            let failed: Vec<&str> = report
                .errors
                .iter()
                .filter_map(|e| e.aws().map(|aws| aws.operation))
                .collect();
            let mut expected_failed = failing.to_vec();
            expected_failed.sort_unstable();
            let mut failed_sorted = failed.clone();
            failed_sorted.sort_unstable();
            assert_eq!(failed_sorted, expected_failed, "{what}");
            let blocked: Vec<Component> = report
                .errors
                .iter()
                .filter_map(|e| match e {
                    PipelineError::Blocked { not_started, .. } => Some(not_started.clone()),
                    _ => None,
                })
                .flatten()
                .collect();
            let mut expected_blocked = not_started.to_vec();
            expected_blocked.sort();
            assert_eq!(blocked, expected_blocked, "{what}");
            // Everything not held back was deleted, and forgotten.
            let still = |part: Component| match part {
                Key => report.observed.kms_key_arn.is_some(),
                Archive => report.observed.archive_bucket_name.is_some(),
                LogGroup => report.observed.log_group_name.is_some(),
                DeliveryRole => report.observed.delivery_role_arn.is_some(),
                Trail => report.observed.trail_arn.is_some(),
                MetricFilter => report.observed.metric_filter_name.is_some(),
                Alarm => report.observed.alarm_arn.is_some(),
                Topic => report.observed.topic_arn.is_some(),
                EventRules => report.observed.read_rule_arn.is_some(),
                _ => false,
            };
            for part in [
                Key,
                Archive,
                LogGroup,
                DeliveryRole,
                Trail,
                MetricFilter,
                Alarm,
                Topic,
                EventRules,
            ] {
                assert_eq!(still(part), left.contains(&part), "{what}: {part}");
            }
            // Nothing held back was even tried.
            let operations = fake.operations();
            for (part, call) in [
                (Key, "ScheduleKeyDeletion"),
                (LogGroup, "DeleteLogGroup"),
                (DeliveryRole, "DeleteRole"),
                (Archive, "ListObjectVersions"),
            ] {
                let called = operations.iter().any(|op| op == call);
                assert_eq!(called, !not_started.contains(&part), "{what}: {call}");
            }
        }
    }
}

#[cfg(test)]
mod coverage {
    use super::*;
    use crate::components::PARTS;

    /// The drift scenarios (scripts/acceptance.sh, scripts/e2e_scale.py) and fault points
    /// (tests/faults/exercised-operations.txt, written by scripts/fault_tests.py)
    /// that cover each component. The match has no wildcard: a new component
    /// does not compile here until it has a row, and the row's scenarios and
    /// operations must exist in those files.
    fn coverage(component: Component) -> (&'static [&'static str], &'static [&'static str]) {
        match component {
            // The account lookup creates nothing.
            Component::Identity => (&[], &[]),
            Component::Key => (
                &["key-disabled", "key-scheduled-for-deletion"],
                &["create kms:CreateKey", "delete kms:ScheduleKeyDeletion"],
            ),
            Component::Archive => (
                &["bucket-policy-deleted", "public-access-block-disabled"],
                &["create s3:PUT", "delete s3:DELETE"],
            ),
            Component::LogGroup => (
                &["retention-shortened"],
                &["create logs:CreateLogGroup", "delete logs:DeleteLogGroup"],
            ),
            Component::DeliveryRole => (
                &["delivery-role-deleted"],
                &["create iam:CreateRole", "delete iam:DeleteRole"],
            ),
            Component::Trail => (
                &["trail-stopped", "trail-deleted", "selectors-exclude-reads"],
                &[
                    "create cloudtrail:CreateTrail",
                    "delete cloudtrail:DeleteTrail",
                ],
            ),
            Component::MetricFilter => (
                &["filter-deleted", "filter-edited"],
                &[
                    "create logs:PutMetricFilter",
                    "delete logs:DeleteMetricFilter",
                ],
            ),
            Component::Alarm => (
                &["alarm-deleted", "alarm-actions-disabled"],
                &[
                    "create monitoring:PutMetricAlarm",
                    "delete monitoring:DeleteAlarms",
                ],
            ),
            Component::Topic => (
                &["topic-policy-replaced"],
                &["create sns:CreateTopic", "delete sns:DeleteTopic"],
            ),
            Component::Subscriptions => (
                &["subscription-deleted"],
                &["create sns:Subscribe", "update sns:Subscribe"],
            ),
            Component::EventRules => (
                &[
                    "read-rule-disabled",
                    "read-rule-pattern-edited",
                    "tamper-rule-deleted",
                    "caller-rule-deleted",
                    "scope-rule-pattern-edited",
                ],
                &["create events:PutRule", "delete events:DeleteRule"],
            ),
            Component::RuleTargets => (
                &["read-rule-target-removed", "scope-rule-targets-removed"],
                &["create events:PutTargets", "delete events:RemoveTargets"],
            ),
            Component::EventBus => (
                &["pipeline-bus-deleted"],
                &[
                    "create events:CreateEventBus",
                    "delete events:DeleteEventBus",
                ],
            ),
            Component::Findings => (
                &["findings-group-deleted", "findings-filter-deleted"],
                &[
                    "create logs:PutResourcePolicy",
                    "delete logs:DeleteResourcePolicy",
                ],
            ),
            Component::Dashboard => (
                &["dashboard-deleted", "dashboard-edited"],
                &[
                    "create monitoring:PutDashboard",
                    "delete monitoring:DeleteDashboards",
                ],
            ),
            Component::QueryDefinitions => (
                &["saved-query-deleted", "saved-query-edited"],
                &[
                    "create logs:PutQueryDefinition",
                    "delete logs:DeleteQueryDefinition",
                ],
            ),
        }
    }

    #[test]
    fn every_component_has_drift_scenarios_and_fault_points() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let acceptance = std::fs::read_to_string(root.join("scripts/acceptance.sh"))
            .expect("scripts/acceptance.sh");
        // The parts only a pipeline at scale has drift in the scale suite.
        let at_scale = std::fs::read_to_string(root.join("scripts/e2e_scale.py"))
            .expect("scripts/e2e_scale.py");
        let tamper = std::fs::read_to_string(root.join("scripts/aws_check.py"))
            .expect("scripts/aws_check.py");
        let exercised = std::fs::read_to_string(root.join("tests/faults/exercised-operations.txt"))
            .expect("tests/faults/exercised-operations.txt");
        let exercised: Vec<&str> = exercised.lines().map(str::trim).collect();
        // Every part of the list, and the account look-up, which is none.
        let parts: Vec<Component> = PARTS.iter().map(|part| part.id).collect();
        assert!(Component::ALL
            .iter()
            .all(|c| parts.contains(c) || *c == Component::Identity));
        for component in Component::ALL {
            let (scenarios, operations) = coverage(component);
            if component != Component::Identity {
                assert!(!scenarios.is_empty(), "{component} has no drift scenario");
                assert!(!operations.is_empty(), "{component} has no fault point");
            }
            for scenario in scenarios {
                assert!(
                    acceptance.contains(&format!("{scenario}:"))
                        || at_scale.contains(&format!("(\"{scenario}\",")),
                    "{component}: drift scenario {scenario} is run neither by scripts/acceptance.sh nor by scripts/e2e_scale.py"
                );
                assert!(
                    tamper.contains(&format!("\"{scenario}\"")),
                    "{component}: scripts/aws_check.py cannot make drift {scenario}"
                );
            }
            for operation in operations {
                assert!(
                    exercised.contains(operation),
                    "{component}: no fault is injected into {operation}"
                );
            }
        }
    }
}
