//! The pipeline's operations as dependency graphs of component steps:
//! apply (create, update and repair are one graph), observe (refresh) and
//! delete (the apply graph reversed).

use futures::FutureExt;

use crate::aws::{AwsError, Clients, Component};
use crate::components::{
    alarm, archive, key, log_group, metric_filter, topic, trail, Ctx, Deleted, Names, Observed,
    PipelineSpec, Recorder,
};
use crate::engine::{self, Step};

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
    let account = clients.account_id().await?;
    Ok(Names::derive(spec, &account, &clients.region))
}

/// Brings AWS to the spec: creates what is missing, repairs what drifted.
/// Identifiers land in `recorder` as each call returns.
pub async fn apply(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorder: &Recorder,
    parallelism: Parallelism,
) -> Vec<AwsError> {
    recorder.update(|o| {
        o.account_id = Some(names.account_id.clone());
        o.region = Some(names.region.clone());
    });
    let ctx = Ctx {
        clients,
        spec,
        names,
    };
    let ctx = &ctx;
    use Component::*;
    let mut steps: Vec<Step<'_, Component, AwsError>> = vec![
        Step::new(Key, &[], key::ensure(ctx, recorder).boxed()),
        Step::new(
            LogGroup,
            &[Key],
            log_group::ensure_group(ctx, recorder).boxed(),
        ),
        Step::new(
            MetricFilter,
            &[LogGroup],
            metric_filter::ensure(ctx, recorder).boxed(),
        ),
        Step::new(Topic, &[Key], topic::ensure_topic(ctx, recorder).boxed()),
        Step::new(
            Subscriptions,
            &[Topic],
            topic::ensure_subscriptions(ctx, recorder).boxed(),
        ),
        Step::new(
            Alarm,
            &[Topic, MetricFilter],
            alarm::ensure(ctx, recorder).boxed(),
        ),
    ];
    if spec.trail.create {
        steps.extend([
            Step::new(Archive, &[Key], archive::ensure(ctx, recorder).boxed()),
            Step::new(
                DeliveryRole,
                &[],
                log_group::ensure_role(ctx, recorder).boxed(),
            ),
            Step::new(
                Trail,
                &[Key, Archive, LogGroup, DeliveryRole],
                trail::ensure(ctx, recorder).boxed(),
            ),
        ]);
    }
    let outcome = engine::run(steps, parallelism.0).await;
    outcome.failed.into_iter().map(|(_, err)| err).collect()
}

/// Reads every component at once: refresh costs the longest single lookup, not
/// the sum of them.
pub async fn observe(
    clients: &Clients,
    spec: &PipelineSpec,
    names: &Names,
    recorded: &Observed,
) -> Result<Observed, AwsError> {
    let ctx = Ctx {
        clients,
        spec,
        names,
    };
    let ctx = &ctx;
    let key_lookup = recorded
        .kms_key_arn
        .clone()
        .unwrap_or_else(|| names.key_alias.clone());
    let topic_arn = recorded
        .topic_arn
        .clone()
        .unwrap_or_else(|| topic::topic_arn(names));
    let key = key::find(ctx, &key_lookup);
    let group = log_group::find(ctx, &names.log_group);
    let filter = metric_filter::find(ctx, &names.log_group, &names.metric_filter);
    let alarm = alarm::find(ctx, &names.alarm, Some(&topic_arn));
    let topic_exists = topic::exists(ctx, &topic_arn);
    let subscriptions = topic::list_subscriptions(ctx, &topic_arn);
    let trail_part = async {
        if spec.trail.create {
            let (bucket, role, trail) = tokio::join!(
                archive::exists(ctx, &names.bucket),
                log_group::find_role(ctx, &names.delivery_role),
                trail::find(ctx, &names.trail)
            );
            Ok::<_, AwsError>((bucket?, role?, trail?))
        } else {
            Ok((false, None, None))
        }
    };
    let (key, group, filter, alarm, topic_exists, subscriptions, trail_part) = tokio::join!(
        key,
        group,
        filter,
        alarm,
        topic_exists,
        subscriptions,
        trail_part
    );
    let (bucket_exists, role_arn, trail) = trail_part?;
    let key = key?;
    let group = group?;
    let filter = filter?;
    let alarm = alarm?;
    let topic_exists = topic_exists?;
    let subscriptions = if topic_exists {
        subscriptions?
    } else {
        Vec::new()
    };

    Ok(Observed {
        account_id: Some(names.account_id.clone()),
        region: Some(names.region.clone()),
        kms_key_created: recorded.kms_key_created && spec.kms.key_arn.is_none(),
        kms_key_arn: key.as_ref().map(|k| k.arn.clone()),
        archive_bucket_name: bucket_exists.then(|| names.bucket.clone()),
        archive_bucket_arn: bucket_exists.then(|| names.bucket_arn()),
        log_group_name: group.as_ref().map(|g| g.name.clone()),
        log_group_arn: group.as_ref().map(|g| g.arn.clone()),
        log_retention_days: group.as_ref().and_then(|g| g.retention_days),
        delivery_role_arn: role_arn,
        trail_arn: trail.as_ref().map(|t| t.arn.clone()),
        trail_logging: trail.as_ref().map(|t| t.logging),
        trail_multi_region: trail.as_ref().map(|t| t.multi_region),
        trail_organization: trail.as_ref().map(|t| t.organization),
        trail_log_file_validation: trail.as_ref().map(|t| t.log_file_validation),
        metric_filter_name: filter.as_ref().map(|f| f.name.clone()),
        filter_pattern: filter.as_ref().map(|f| f.pattern.clone()),
        alarm_name: alarm.as_ref().map(|a| a.name.clone()),
        alarm_arn: alarm
            .as_ref()
            .filter(|a| a.notifies_topic)
            .map(|a| a.arn.clone()),
        alarm: alarm.map(|a| a.settings),
        topic_arn: topic_exists.then_some(topic_arn),
        subscriptions,
    })
    .map(|mut observed| {
        if !observed.kms_key_created && spec.kms.key_arn.is_none() && observed.kms_key_arn.is_some()
        {
            // Found by our alias: it is ours.
            observed.kms_key_created = true;
        }
        observed
    })
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
) -> Report {
    let ctx = Ctx {
        clients,
        spec,
        names,
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
        Step::new(
            Alarm,
            &[],
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
        Step::new(
            MetricFilter,
            &[],
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
        Step::new(
            Topic,
            &[Alarm],
            async move {
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
            Step::new(
                Trail,
                &[],
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
            Step::new(
                DeliveryRole,
                &[Trail],
                async move {
                    log_group::delete_role(ctx, &names.delivery_role).await?;
                    recorder.update(|o| o.delivery_role_arn = None);
                    Ok(())
                }
                .boxed(),
            ),
            Step::new(
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
            Step::new(
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
    if recorded.kms_key_created && spec.kms.key_arn.is_none() {
        if let Some(key_arn) = key_arn {
            steps.push(Step::new(
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
    let outcome = engine::run(steps, parallelism.0).await;
    let errors = outcome.failed.into_iter().map(|(_, err)| err).collect();
    let warnings = warnings.into_inner().unwrap_or_else(|p| p.into_inner());
    Report {
        observed: recorder.snapshot(),
        errors,
        warnings,
    }
}
