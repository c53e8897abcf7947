//! The pipeline's operations as dependency graphs of component steps:
//! apply (create, update and repair are one graph), observe (refresh) and
//! delete (the apply graph reversed).

use futures::FutureExt;

use crate::aws::log::logged;
use crate::aws::{AwsError, Clients, Component};
use crate::components::{
    alarm, archive, event_rule, key, log_group, metric_filter, topic, trail, Ctx, Deleted, Names,
    Observed, PipelineSpec, Recorder,
};
use crate::engine::{self, Step, Usable};

/// A step of the graph whose AWS calls are logged under its component.
fn step<'a>(
    id: Component,
    after: &[Component],
    work: futures::future::BoxFuture<'a, Result<(), AwsError>>,
) -> Step<'a, Component, AwsError> {
    Step::new(id, after, logged(id, work).boxed())
}

/// How many AWS steps may run at once. 0 means as many as the graph allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parallelism(pub usize);

/// The result of an operation: everything known to exist afterwards, whatever
/// happened, and the errors if something failed.
#[derive(Debug)]
pub struct Report {
    pub observed: Observed,
    pub errors: Vec<AwsError>,
    pub warnings: Vec<String>,
}

/// Looks up the account once (cached by the clients) and derives every name.
pub async fn names_for(clients: &Clients, spec: &PipelineSpec) -> Result<Names, AwsError> {
    let account = logged(Component::Identity, clients.account_id()).await?;
    Ok(Names::derive(spec, &account, &clients.region))
}

/// The key look-up apply starts with. Callers send it together with the
/// account look-up ([`names_for`]): every other step waits for the key.
pub async fn look_up_key(
    clients: &Clients,
    spec: &PipelineSpec,
    recorded: &Observed,
) -> Option<key::Lookup> {
    logged(Component::Key, key::Lookup::make(clients, spec, recorded)).await
}

/// Brings AWS to the spec: creates what is missing, repairs what drifted.
/// Identifiers land in `recorder` as each call returns. `key` is the key
/// look-up, made while the names were derived ([`key::Lookup::make`]).
///
/// The graph (`a -> b`: b waits for all of a; `a ~> b`: b waits until a is
/// usable, i.e. exists with its policy, not for its remaining settings):
///
/// ```text
/// key ~> archive, log group, topic, rules, trail
/// log group ~> metric filter, trail             delivery role, archive -> trail
/// topic -> subscriptions, alarm                 metric filter -> alarm
/// rules, topic, alarm, trail -> rule targets
/// ```
///
/// The rules get their targets last: until then they alert nobody, so the
/// pipeline's own set-up calls (PutEventSelectors on its trail, for one)
/// raise no tamper alert.
pub async fn apply(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    key: Option<key::Lookup>,
    recorder: &Recorder,
    parallelism: Parallelism,
    deadline: tokio::time::Instant,
) -> Vec<AwsError> {
    recorder.update(|o| {
        o.account_id = Some(names.account_id.clone());
        o.region = Some(names.region.clone());
    });
    let ctx = Ctx {
        clients,
        spec,
        names,
        deadline,
    };
    let ctx = &ctx;
    let (key_usable, key_signal) = Usable::new();
    let (group_usable, group_signal) = Usable::new();
    use Component::*;
    let mut steps: Vec<Step<'_, Component, AwsError>> = vec![
        step(
            Key,
            &[],
            key::ensure(ctx, recorder, key, key_usable).boxed(),
        )
        .signals_usable(key_signal),
        step(
            LogGroup,
            &[],
            log_group::ensure_group(ctx, recorder, group_usable).boxed(),
        )
        .after_usable(&[Key])
        .signals_usable(group_signal),
        step(
            MetricFilter,
            &[],
            metric_filter::ensure(ctx, recorder).boxed(),
        )
        .after_usable(&[LogGroup]),
        step(Topic, &[], topic::ensure_topic(ctx, recorder).boxed()).after_usable(&[Key]),
        step(
            Subscriptions,
            &[Topic],
            topic::ensure_subscriptions(ctx, recorder).boxed(),
        ),
        step(
            Alarm,
            &[Topic, MetricFilter],
            alarm::ensure(ctx, recorder).boxed(),
        ),
        step(EventRules, &[], event_rule::ensure(ctx, recorder).boxed()).after_usable(&[Key]),
        step(
            RuleTargets,
            &[EventRules, Topic, Alarm, Trail],
            event_rule::ensure_targets(ctx, recorder).boxed(),
        ),
    ];
    if spec.trail.create {
        steps.extend([
            step(Archive, &[], archive::ensure(ctx, recorder).boxed()).after_usable(&[Key]),
            step(
                DeliveryRole,
                &[],
                log_group::ensure_role(ctx, recorder).boxed(),
            ),
            step(
                Trail,
                &[Archive, DeliveryRole],
                trail::ensure(ctx, recorder).boxed(),
            )
            .after_usable(&[Key, LogGroup]),
        ]);
    }
    let outcome = engine::run_until(steps, parallelism.0, Some(deadline)).await;
    // A protection holds once the step that puts it in place has succeeded.
    let protections = crate::components::expected_protections(spec)
        .into_iter()
        .map(|(name, part)| (name.to_owned(), outcome.completed.contains(&part)))
        .collect();
    recorder.update(|o| o.protections = protections);
    errors_of(outcome, &spec.name, "apply")
}

/// The failures of an operation, plus one naming what never started when the
/// deadline passed.
fn errors_of(
    outcome: engine::Outcome<Component, AwsError>,
    pipeline: &str,
    operation: &'static str,
) -> Vec<AwsError> {
    let mut errors: Vec<AwsError> = outcome.failed.into_iter().map(|(_, err)| err).collect();
    if outcome.timed_out {
        let pending: Vec<&str> = outcome.not_started.iter().map(|c| c.label()).collect();
        errors.push(AwsError::new(
            Component::Identity,
            operation,
            pipeline,
            format!(
                "timed out: the {operation} did not finish in time; not started: {}. Everything that exists is recorded in the state; run it again, or raise the timeouts block's value",
                pending.join(", ")
            ),
        ));
    }
    errors
}

/// Reads every component at once: refresh costs the longest chain of lookups
/// (two round trips), not the sum of them.
pub async fn observe(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorded: &Observed,
) -> Result<Observed, AwsError> {
    use crate::components::protections::*;
    let ctx = Ctx {
        clients,
        spec,
        names,
        // Refresh retries nothing; should it ever, a retry's own window bounds it.
        deadline: tokio::time::Instant::now() + crate::aws::RetryPolicy::PROPAGATION.give_up_after,
    };
    let ctx = &ctx;
    let key_lookup = key::lookup_id(recorded, &spec.name);
    let topic_arn = recorded
        .topic_arn
        .clone()
        .unwrap_or_else(|| topic::topic_arn(names));
    // Each lookup is logged under the component it reads (boxed, as the
    // engine's steps are, to keep the refresh future provably Send).
    use Component as C;
    let key = logged(C::Key, key::find(clients, &key_lookup)).boxed();
    let group = logged(C::LogGroup, log_group::find(ctx, &names.log_group)).boxed();
    let filter = logged(
        C::MetricFilter,
        metric_filter::find(ctx, &names.log_group, &names.metric_filter),
    )
    .boxed();
    let alarm = logged(C::Alarm, alarm::find(ctx, &names.alarm, Some(&topic_arn))).boxed();
    let topic = logged(C::Topic, topic::find(ctx, &topic_arn)).boxed();
    let subscriptions = logged(
        C::Subscriptions,
        topic::list_subscriptions(ctx, &topic_arn, &recorded.subscriptions),
    )
    .boxed();
    let rules = logged(C::EventRules, event_rule::find_both(ctx, &topic_arn)).boxed();
    let trail_part = logged(C::Trail, async {
        if !spec.trail.create {
            return Ok::<_, AwsError>(TrailPart::default());
        }
        let (archive, role, trail, reads) = tokio::join!(
            archive::find(ctx, &names.bucket),
            log_group::find_role(ctx, &names.delivery_role),
            trail::find(ctx, &names.trail),
            trail::records_read_events(ctx, &names.trail)
        );
        let archive = archive?;
        Ok(TrailPart {
            bucket_exists: archive.is_some(),
            public_blocked: archive.is_some_and(|a| a.public_blocked),
            policy_in_place: archive.is_some_and(|a| a.policy_in_place),
            role_arn: role?,
            trail: trail?,
            records_reads: reads?,
        })
    })
    .boxed();
    let (key, group, filter, alarm, topic, subscriptions, trail_part, rules) = tokio::join!(
        key,
        group,
        filter,
        alarm,
        topic,
        subscriptions,
        trail_part,
        rules
    );
    let part = trail_part?;
    let [read_rule, tamper_rule] = rules?;
    let key = key?;
    let group = group?;
    let filter = filter?;
    let alarm = alarm?;
    let topic = topic?;
    let subscriptions = if topic.is_some() {
        subscriptions?
    } else {
        Vec::new()
    };

    let observed_protections = [
        (TOPIC_POLICY_IN_PLACE, topic == Some(true)),
        (
            ALARM_NOTIFIES_TOPIC,
            alarm.as_ref().is_some_and(|a| a.notifies_topic),
        ),
        (KEY_ENABLED, key.as_ref().is_some_and(|k| k.enabled)),
        (
            TRAIL_RECORDS_READ_EVENTS,
            part.trail.is_some() && part.records_reads,
        ),
        (ARCHIVE_BLOCKS_PUBLIC_ACCESS, part.public_blocked),
        (ARCHIVE_POLICY_IN_PLACE, part.policy_in_place),
        (
            READ_RULE_ALERTS,
            read_rule.as_ref().is_some_and(|r| r.alerting),
        ),
        (
            TAMPER_RULE_ALERTS,
            tamper_rule.as_ref().is_some_and(|r| r.alerting),
        ),
    ];
    let protections = crate::components::expected_protections(spec)
        .into_iter()
        .map(|(name, _)| {
            let holds = observed_protections
                .iter()
                .any(|(n, holds)| *n == name && *holds);
            (name.to_owned(), holds)
        })
        .collect();
    let trail = part.trail;
    Ok(Observed {
        account_id: Some(names.account_id.clone()),
        region: Some(names.region.clone()),
        kms_key_arn: key.as_ref().map(|k| k.arn.clone()),
        archive_bucket_name: part.bucket_exists.then(|| names.bucket.clone()),
        archive_bucket_arn: part.bucket_exists.then(|| names.bucket_arn()),
        log_group_name: group.as_ref().map(|g| g.name.clone()),
        log_group_arn: group.as_ref().map(|g| g.arn.clone()),
        log_retention_days: group.as_ref().and_then(|g| g.retention_days),
        delivery_role_arn: part.role_arn,
        trail_arn: trail.as_ref().map(|t| t.arn.clone()),
        trail_logging: trail.as_ref().map(|t| t.logging),
        trail_multi_region: trail.as_ref().map(|t| t.multi_region),
        trail_organization: trail.as_ref().map(|t| t.organization),
        trail_log_file_validation: trail.as_ref().map(|t| t.log_file_validation),
        metric_filter_name: filter.as_ref().map(|f| f.name.clone()),
        filter_pattern: filter.as_ref().map(|f| f.pattern.clone()),
        alarm_name: alarm.as_ref().map(|a| a.name.clone()),
        alarm_arn: alarm.as_ref().map(|a| a.arn.clone()),
        alarm: alarm.map(|a| a.settings),
        topic_arn: topic.is_some().then_some(topic_arn),
        subscriptions,
        read_rule_arn: read_rule.as_ref().map(|r| r.arn.clone()),
        event_pattern: read_rule.map(|r| r.pattern),
        tamper_rule_arn: tamper_rule.map(|r| r.arn),
        protections,
    })
}

/// What refresh learns about the trail and the parts only a trail needs.
#[derive(Default)]
struct TrailPart {
    bucket_exists: bool,
    public_blocked: bool,
    policy_in_place: bool,
    role_arn: Option<String>,
    trail: Option<trail::TrailObservation>,
    records_reads: bool,
}

/// Tears the pipeline down in reverse dependency order. "Not found" is done;
/// a non-empty archive is kept unless `force_destroy`; the key is scheduled
/// for deletion, never deleted.
pub async fn delete(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorded: &Observed,
    parallelism: Parallelism,
    deadline: tokio::time::Instant,
) -> Report {
    let ctx = Ctx {
        clients,
        spec,
        names,
        deadline,
    };
    let ctx = &ctx;
    let recorder = Recorder::new(recorded.clone());
    let recorder = &recorder;
    let warnings = std::sync::Mutex::new(Vec::new());
    let warnings_ref = &warnings;
    let topic_arn = recorded
        .topic_arn
        .clone()
        .unwrap_or_else(|| topic::topic_arn(names));
    use Component::*;
    let mut steps: Vec<Step<'_, Component, AwsError>> = vec![
        step(
            Alarm,
            &[EventRules],
            async move {
                alarm::delete(ctx, &names.alarm).await?;
                recorder.update(|o| {
                    o.alarm_arn = None;
                    o.alarm_name = None;
                    o.alarm = None;
                });
                Ok(())
            }
            .boxed(),
        ),
        step(
            MetricFilter,
            &[EventRules],
            async move {
                metric_filter::delete(ctx, &names.log_group, &names.metric_filter).await?;
                recorder.update(|o| {
                    o.metric_filter_name = None;
                    o.filter_pattern = None;
                });
                Ok(())
            }
            .boxed(),
        ),
        step(
            EventRules,
            &[],
            event_rule::remove_both(ctx, recorder).boxed(),
        ),
        step(
            Topic,
            &[Alarm, EventRules],
            async move {
                // AWS cannot delete a subscription nobody confirmed; deleting the
                // topic orphans it harmlessly, and the owner is told.
                let pending: Vec<String> =
                    topic::list_subscriptions(ctx, &topic_arn, &recorded.subscriptions)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| s.pending_confirmation)
                    .map(|s| format!("{} {}", s.protocol, s.endpoint))
                    .collect();
                if !pending.is_empty() {
                    warnings_ref.lock().unwrap_or_else(|p| p.into_inner()).push(format!(
                        "{} subscription(s) of topic {topic_arn} were never confirmed and cannot be deleted by AWS: {}. They lapse with the topic; nothing will be delivered to them.",
                        pending.len(),
                        pending.join(", ")
                    ));
                }
                topic::delete_topic(ctx, &topic_arn).await?;
                recorder.update(|o| {
                    o.topic_arn = None;
                    o.subscriptions.clear();
                });
                Ok(())
            }
            .boxed(),
        ),
    ];
    if spec.trail.create {
        steps.extend([
            step(
                Trail,
                &[EventRules],
                async move {
                    trail::delete(ctx, &names.trail).await?;
                    recorder.update(|o| {
                        o.trail_arn = None;
                        o.trail_logging = None;
                    });
                    Ok(())
                }
                .boxed(),
            ),
            step(
                DeliveryRole,
                &[Trail],
                async move {
                    log_group::delete_role(ctx, &names.delivery_role).await?;
                    recorder.update(|o| o.delivery_role_arn = None);
                    Ok(())
                }
                .boxed(),
            ),
            step(
                LogGroup,
                &[Trail, MetricFilter],
                async move {
                    log_group::delete_group(ctx, &names.log_group).await?;
                    recorder.update(|o| {
                        o.log_group_name = None;
                        o.log_group_arn = None;
                    });
                    Ok(())
                }
                .boxed(),
            ),
            step(
                Archive,
                &[Trail],
                async move {
                    match archive::delete(ctx, &names.bucket).await? {
                        Deleted::Done => recorder.update(|o| {
                            o.archive_bucket_name = None;
                            o.archive_bucket_arn = None;
                        }),
                        Deleted::Kept { reason } => {
                            warnings_ref
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push(reason);
                        }
                    }
                    Ok(())
                }
                .boxed(),
            ),
        ]);
    }
    let key_arn = recorded.kms_key_arn.clone();
    // Only a key the pipeline created (no kms.key_arn) is ours to retire.
    if spec.kms.key_arn.is_none() {
        if let Some(key_arn) = key_arn {
            steps.push(step(
                Key,
                &[Trail, LogGroup, Topic, Archive],
                async move {
                    key::delete(ctx, &key_arn).await?;
                    recorder.update(|o| o.kms_key_arn = None);
                    Ok(())
                }
                .boxed(),
            ));
        }
    }
    let outcome = engine::run_until(steps, parallelism.0, Some(deadline)).await;
    let errors = errors_of(outcome, &spec.name, "destroy");
    let warnings = warnings.into_inner().unwrap_or_else(|p| p.into_inner());
    Report {
        observed: recorder.snapshot(),
        errors,
        warnings,
    }
}

#[cfg(test)]
mod coverage {
    use super::*;

    /// The drift scenarios (scripts/acceptance.sh) and fault points
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
                ],
                &["create events:PutRule", "delete events:DeleteRule"],
            ),
            Component::RuleTargets => (
                &["read-rule-target-removed"],
                &["create events:PutTargets", "delete events:RemoveTargets"],
            ),
        }
    }

    #[test]
    fn every_component_has_drift_scenarios_and_fault_points() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let acceptance = std::fs::read_to_string(root.join("scripts/acceptance.sh"))
            .expect("scripts/acceptance.sh");
        let tamper = std::fs::read_to_string(root.join("scripts/aws_check.py"))
            .expect("scripts/aws_check.py");
        let exercised = std::fs::read_to_string(root.join("tests/faults/exercised-operations.txt"))
            .expect("tests/faults/exercised-operations.txt");
        let exercised: Vec<&str> = exercised.lines().map(str::trim).collect();
        for component in Component::ALL {
            let (scenarios, operations) = coverage(component);
            if component != Component::Identity {
                assert!(!scenarios.is_empty(), "{component} has no drift scenario");
                assert!(!operations.is_empty(), "{component} has no fault point");
            }
            for scenario in scenarios {
                assert!(
                    acceptance.contains(&format!("{scenario}:")),
                    "{component}: drift scenario {scenario} is not run by scripts/acceptance.sh"
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
