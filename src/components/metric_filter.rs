//! The metric filter that turns matching CloudTrail records into a count.
//! Its pattern comes from [`crate::pattern`]; this module only stores it.

use aws_sdk_cloudwatchlogs::types::MetricTransformation;

use futures::FutureExt;

use super::{always, seen, Ctx, Deleted, Observed, PartDef, PipelineError, Recorder, Seen};
use crate::aws::{codes, Absence, AwsError, Component, MAX_PAGES};

const C: Component = Component::MetricFilter;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFilterObservation {
    pub name: String,
    pub pattern: String,
}

pub async fn find(
    ctx: &Ctx<'_>,
    log_group: &str,
    name: &str,
) -> Result<Option<MetricFilterObservation>, AwsError> {
    // A prefix listing: filters whose names extend this one may come first,
    // so pages are read until the name itself turns up.
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let listed = ctx
            .clients
            .logs
            .describe_metric_filters()
            .log_group_name(log_group)
            .filter_name_prefix(name)
            .set_next_token(next)
            .send()
            .await;
        // The log group itself is gone.
        let Some(listed) = listed
            .map_err(|e| AwsError::from_sdk(C, "DescribeMetricFilters", name, e))
            .found_if(&[codes::logs::RESOURCE_NOT_FOUND])?
        else {
            return Ok(None);
        };
        let found = listed
            .metric_filters()
            .iter()
            .find(|f| f.filter_name() == Some(name))
            .map(|f| MetricFilterObservation {
                name: name.to_owned(),
                pattern: crate::pattern::as_observed(
                    f.filter_pattern().unwrap_or_default(),
                    Some(&ctx.spec.filter_pattern),
                    crate::pattern::filter::same_layout,
                ),
            });
        if found.is_some() || listed.next_token.is_none() {
            return Ok(found);
        }
        next = listed.next_token;
    }
    Err(AwsError::new(
        C,
        "DescribeMetricFilters",
        name,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let name = ctx.names.metric_filter.as_str();
    let log_group = rec.require(C, "log group name", |o| o.log_group_name.clone())?;
    let alarm = &ctx.spec.alarm;
    let transformation = MetricTransformation::builder()
        .metric_name(&alarm.metric_name)
        .metric_namespace(&alarm.namespace)
        .metric_value("1")
        .build()
        .map_err(|e| AwsError::new(C, "PutMetricFilter", name, e.to_string()))?;
    ctx.clients
        .logs
        .put_metric_filter()
        .log_group_name(&log_group)
        .filter_name(name)
        .filter_pattern(&ctx.spec.filter_pattern)
        .metric_transformations(transformation)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "PutMetricFilter", name, e))?;
    rec.update(|o| {
        o.metric_filter_name = Some(name.to_owned());
        o.filter_pattern = Some(ctx.spec.filter_pattern.clone());
    });
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, log_group: &str, name: &str) -> Result<(), AwsError> {
    ctx.clients
        .logs
        .delete_metric_filter()
        .log_group_name(log_group)
        .filter_name(name)
        .send()
        .await
        .map_err(|err| AwsError::from_sdk(C, "DeleteMetricFilter", name, err))
        .gone_if(&[codes::logs::RESOURCE_NOT_FOUND])
}

/// The filter lives in the log group and needs only that it exists.
pub const PART: PartDef = PartDef {
    id: Component::MetricFilter,
    present: always,
    after: &[],
    after_usable: &[Component::LogGroup],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, _| {
        async move {
            let names = ctx.names;
            Ok(seen(
                find(ctx, &names.log_group, &names.metric_filter).await?,
            ))
        }
        .boxed()
    }),
    delete: |ctx, _| {
        async move {
            delete(ctx, &ctx.names.log_group, &ctx.names.metric_filter).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| {
        o.metric_filter_name = None;
        o.filter_pattern = None;
    },
};

impl Seen for MetricFilterObservation {
    fn record(&self, observed: &mut Observed) {
        observed.metric_filter_name = Some(self.name.clone());
        observed.filter_pattern = Some(self.pattern.clone());
    }
}
