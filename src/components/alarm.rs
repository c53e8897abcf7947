//! The CloudWatch alarm on the filter's metric, notifying the topic.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic, Tag};

use futures::FutureExt;

use super::{
    always, seen, AlarmSpec, Ctx, Deleted, Observed, PartDef, PipelineError, Protection, Recorder,
    Seen,
};
use crate::aws::{codes, Absence, AwsError, Component};

const C: Component = Component::Alarm;

#[derive(Debug, Clone, PartialEq)]
pub struct AlarmObservation {
    pub name: String,
    pub arn: String,
    pub settings: AlarmSpec,
    /// False when the alarm exists but would not notify the pipeline's topic.
    pub notifies_topic: bool,
}

pub async fn find(
    ctx: &Ctx<'_>,
    name: &str,
    topic_arn: Option<&str>,
) -> Result<Option<AlarmObservation>, AwsError> {
    let listed = ctx
        .clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DescribeAlarms", name, e))?;
    Ok(listed
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(name))
        .map(|a| AlarmObservation {
            name: name.to_owned(),
            arn: a
                .alarm_arn()
                .map(str::to_owned)
                .unwrap_or_else(|| ctx.names.alarm_arn()),
            settings: AlarmSpec {
                namespace: a.namespace().unwrap_or_default().to_owned(),
                metric_name: a.metric_name().unwrap_or_default().to_owned(),
                threshold: a.threshold().unwrap_or_default().round() as i64,
                period_seconds: i64::from(a.period().unwrap_or_default()),
                evaluation_periods: i64::from(a.evaluation_periods().unwrap_or_default()),
            },
            notifies_topic: a.actions_enabled().unwrap_or(false)
                && topic_arn.is_some_and(|t| a.alarm_actions().iter().any(|x| x == t)),
        }))
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let name = ctx.names.alarm.as_str();
    let topic_arn = rec.require(C, "topic ARN", |o| o.topic_arn.clone())?;
    let spec = &ctx.spec.alarm;
    let int = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    let mut put = ctx
        .clients
        .cloudwatch
        .put_metric_alarm()
        .alarm_name(name)
        .alarm_description(format!(
            "A Secrets Manager secret watched by secretmonitor pipeline {} was read by a principal outside its allow-list",
            ctx.spec.name
        ))
        .namespace(&spec.namespace)
        .metric_name(&spec.metric_name)
        .statistic(Statistic::Sum)
        .period(int(spec.period_seconds))
        .evaluation_periods(int(spec.evaluation_periods))
        .threshold(spec.threshold as f64)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        // No reads is the normal case, not "insufficient data".
        .treat_missing_data("notBreaching")
        .actions_enabled(true)
        .alarm_actions(&topic_arn);
    for (key, value) in ctx.tags() {
        put = put.tags(Tag::builder().key(key).value(value).build());
    }
    put.send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "PutMetricAlarm", name, e))?;
    rec.update(|o| {
        o.alarm_name = Some(name.to_owned());
        o.alarm_arn = Some(ctx.names.alarm_arn());
        o.alarm = Some(spec.clone());
    });
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, name: &str) -> Result<(), AwsError> {
    ctx.clients
        .cloudwatch
        .delete_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|err| AwsError::from_sdk(C, "DeleteAlarms", name, err))
        .gone_if(&[codes::cloudwatch::RESOURCE_NOT_FOUND])
}

/// The alarm notifies the topic and counts the filter's metric. It only
/// points at them: delete need not wait for it, so a failed alarm delete
/// leaves everything else free to go.
pub const PART: PartDef = PartDef {
    id: Component::Alarm,
    present: always,
    after: &[],
    after_usable: &[],
    refers_to: &[Component::Topic, Component::MetricFilter],
    inside: None,
    protections: &[Protection::AlarmNotifiesTopic],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, recorded| {
        async move {
            let topic = recorded
                .topic_arn
                .clone()
                .unwrap_or_else(|| ctx.names.topic_arn());
            Ok(seen(find(ctx, &ctx.names.alarm, Some(&topic)).await?))
        }
        .boxed()
    }),
    delete: |ctx, _| {
        async move {
            delete(ctx, &ctx.names.alarm).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| {
        o.alarm_arn = None;
        o.alarm_name = None;
        o.alarm = None;
    },
};

impl Seen for AlarmObservation {
    fn record(&self, observed: &mut Observed) {
        observed.alarm_name = Some(self.name.clone());
        observed.alarm_arn = Some(self.arn.clone());
        observed.alarm = Some(self.settings.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::AlarmNotifiesTopic, self.notifies_topic)]
    }
}
