//! The metric filters that turn matching CloudTrail records into a count: a
//! set on the trail's log group, one per scope chunk of the layout
//! (`pattern::layout`), all publishing the alarm's metric. Their patterns
//! come from [`crate::pattern`]; this module only stores them.
//!
//! An update never opens a gap: a changed chunk is a filter with a new name
//! (filters are named by content, [`super::PlanNames::metric_filter_at`]),
//! put in place before the filters the layout no longer has are deleted. In
//! between a read may be counted twice, never missed.

use aws_sdk_cloudwatchlogs::types::MetricTransformation;

use futures::{FutureExt, StreamExt, TryStreamExt};

use super::{
    always, seen, Ctx, Deleted, Named, Names, Observed, PartDef, PipelineError, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError, Component, MAX_PAGES};

const C: Component = Component::MetricFilter;

/// How many filters are put or deleted at once: CloudWatch Logs allows a few
/// control-plane calls a second, and retries respect the deadline anyway.
const CONCURRENCY: usize = 4;

/// The filters the spec wants on the trail's log group, in layout order.
pub fn wanted(ctx: &Ctx<'_>) -> Vec<Named> {
    let patterns = &ctx.spec.detection.filters;
    patterns
        .iter()
        .map(|pattern| Named {
            name: ctx.names.plan.metric_filter_at(patterns.len(), pattern),
            pattern: pattern.clone(),
        })
        .collect()
}

/// What refresh learns: the pipeline's filters on the group, in layout order,
/// then those the layout no longer has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFilterObservation {
    pub stem: String,
    pub filters: Vec<Named>,
}

/// The pipeline's filters on `log_group` as listed (one prefix listing, every
/// page), each pattern normalised against the one wanted under its name;
/// `None` when the log group itself is gone.
pub async fn list(
    ctx: &Ctx<'_>,
    log_group: &str,
    wanted: &[Named],
) -> Result<Option<Vec<Named>>, AwsError> {
    let stem = ctx.names.metric_filter.as_str();
    let mut ours: Vec<Named> = Vec::new();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let listed = ctx
            .clients
            .logs
            .describe_metric_filters()
            .log_group_name(log_group)
            .filter_name_prefix(stem)
            .set_next_token(next)
            .send()
            .await;
        let Some(listed) = listed
            .map_err(|e| AwsError::from_sdk(C, "DescribeMetricFilters", stem, e))
            .found_if(&[codes::logs::RESOURCE_NOT_FOUND])?
        else {
            return Ok(None);
        };
        for filter in listed.metric_filters() {
            let Some(name) = filter.filter_name() else {
                continue;
            };
            // The prefix also lists other pipelines' filters whose names
            // extend this one's, and a page boundary may repeat one.
            if !ctx.names.plan.is_metric_filter(name) || ours.iter().any(|f| f.name == name) {
                continue;
            }
            let want = wanted.iter().find(|w| w.name == name);
            ours.push(Named {
                name: name.to_owned(),
                pattern: crate::pattern::as_observed(
                    filter.filter_pattern().unwrap_or_default(),
                    want.map(|w| w.pattern.as_str()),
                    crate::pattern::filter::same_layout,
                ),
            });
        }
        if listed.next_token.is_none() {
            return Ok(Some(in_layout_order(ours, wanted)));
        }
        next = listed.next_token;
    }
    Err(AwsError::new(
        C,
        "DescribeMetricFilters",
        stem,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

/// `found` in the order of `wanted`, then the rest by name: so the state's
/// list reads like the plan's, and only a real difference shows.
fn in_layout_order(mut found: Vec<Named>, wanted: &[Named]) -> Vec<Named> {
    let rank = |f: &Named| {
        wanted
            .iter()
            .position(|w| w.name == f.name)
            .unwrap_or(usize::MAX)
    };
    found.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
    found
}

pub async fn find(
    ctx: &Ctx<'_>,
    log_group: &str,
) -> Result<Option<MetricFilterObservation>, AwsError> {
    let wanted = wanted(ctx);
    let filters = list(ctx, log_group, &wanted).await?.unwrap_or_default();
    Ok((!filters.is_empty()).then(|| MetricFilterObservation {
        stem: ctx.names.metric_filter.clone(),
        filters,
    }))
}

/// Puts every wanted filter that is missing or differs, then deletes the
/// pipeline's filters the layout no longer has.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let log_group = rec.require(C, "log group name", |o| o.log_group_name.clone())?;
    let wanted = wanted(ctx);
    let existing = list(ctx, &log_group, &wanted).await?.unwrap_or_default();
    // Owned items: a stream of borrowed ones trips the compiler's lifetime
    // inference inside the boxed future.
    let to_put: Vec<Named> = wanted
        .iter()
        .filter(|w| !existing.contains(w))
        .cloned()
        .collect();
    let group = log_group.as_str();
    futures::stream::iter(to_put)
        .map(|filter| async move { put_counting(ctx, C, group, &filter).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    record(rec, ctx.names, &wanted, &existing);
    let stale: Vec<String> = existing
        .iter()
        .filter(|e| !wanted.iter().any(|w| w.name == e.name))
        .map(|e| e.name.clone())
        .collect();
    futures::stream::iter(stale)
        .map(|name| async move { delete(ctx, group, &name).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    record(rec, ctx.names, &wanted, &[]);
    Ok(())
}

/// What exists once the wanted filters are in: those, and `left` (filters
/// not yet deleted), so a failure part-way still names them.
fn record(rec: &Recorder, names: &Names, wanted: &[Named], left: &[Named]) {
    let mut filters = wanted.to_vec();
    filters.extend(
        left.iter()
            .filter(|l| !wanted.iter().any(|w| w.name == l.name))
            .cloned(),
    );
    rec.update(|o| {
        o.metric_filter_name = (!filters.is_empty()).then(|| names.metric_filter.clone());
        o.metric_filters = filters;
    });
}

/// Puts `filter` on `log_group`, publishing 1 to the alarm's metric for each
/// matching event; errors name `component` (the findings group's filter
/// is put the same way).
pub(super) async fn put_counting(
    ctx: &Ctx<'_>,
    component: Component,
    log_group: &str,
    filter: &Named,
) -> Result<(), AwsError> {
    let name = filter.name.as_str();
    let alarm = &ctx.spec.alarm;
    let transformation = MetricTransformation::builder()
        .metric_name(&alarm.metric_name)
        .metric_namespace(&alarm.namespace)
        .metric_value("1")
        .build()
        .map_err(|e| AwsError::new(component, "PutMetricFilter", name, e.to_string()))?;
    ctx.clients
        .logs
        .put_metric_filter()
        .log_group_name(log_group)
        .filter_name(name)
        .filter_pattern(&filter.pattern)
        .metric_transformations(transformation)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(component, "PutMetricFilter", name, e))?;
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

/// Every filter of the pipeline on the group, as listed.
async fn delete_all(ctx: &Ctx<'_>, log_group: &str) -> Result<(), AwsError> {
    let Some(filters) = list(ctx, log_group, &[]).await? else {
        return Ok(());
    };
    futures::stream::iter(filters)
        .map(|filter| async move { delete(ctx, log_group, &filter.name).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// The filters live in the log group and need only that it exists.
pub const PART: PartDef = PartDef {
    id: Component::MetricFilter,
    present: always,
    after: &[],
    after_usable: &[Component::LogGroup],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, _| async move { Ok(seen(find(ctx, &ctx.names.log_group).await?)) }.boxed()),
    delete: |ctx, _| {
        async move {
            delete_all(ctx, &ctx.names.log_group).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| {
        o.metric_filter_name = None;
        o.metric_filters.clear();
    },
};

impl Seen for MetricFilterObservation {
    fn record(&self, observed: &mut Observed) {
        observed.metric_filter_name = Some(self.stem.clone());
        observed.metric_filters = self.filters.clone();
    }
}
