//! The pipeline's CloudWatch dashboard: what a responder opens first. Its
//! body ([`body::dashboard`]) is typed data computed from the spec and the
//! names (and the key the pipeline created, which the tamper table names),
//! so it is ensured early; it only points at the alarm and the log groups.
//!
//! `ensure` reads the dashboard and puts it only when it is missing or its
//! body differs; `find` reports it and whether its body is the pipeline's
//! ([`Protection::DashboardInPlace`]), so an edit shows as drift; `delete`
//! treats a missing dashboard as done. Dashboards take their tags by
//! TagResource on the dashboard's ARN (PutDashboard has no tags).

pub mod body;

use aws_sdk_cloudwatch::types::Tag;
use futures::FutureExt;

use super::{
    always, seen, Component, Ctx, Deleted, Observed, PartDef, PipelineError, Protection, Recorder,
    Seen,
};
use crate::aws::{codes, Absence, AwsError};
use crate::pattern::event::same_json;

const C: Component = Component::Dashboard;

/// The dashboard's console address.
pub fn url(region: &str, name: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{}",
        body::encoded(name)
    )
}

/// The alarm's console address.
pub fn alarm_url(region: &str, alarm: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{}",
        body::encoded(alarm)
    )
}

/// The body the pipeline puts, as JSON.
pub fn wanted_body(ctx: &Ctx<'_>, key_arn: Option<&str>) -> Result<String, AwsError> {
    body::dashboard(ctx.spec, ctx.names, key_arn)
        .map(|dashboard| dashboard.to_json())
        .map_err(|e| {
            AwsError::new(
                C,
                "PutDashboard",
                &ctx.names.dashboard,
                format!("the dashboard's queries cannot be written: {e}"),
            )
        })
}

/// What refresh learns: the dashboard exists, and whether its body is the
/// pipeline's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardObservation {
    pub name: String,
    pub in_place: bool,
}

impl Seen for DashboardObservation {
    fn record(&self, observed: &mut Observed) {
        observed.dashboard_name = Some(self.name.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::DashboardInPlace, self.in_place)]
    }
}

/// The dashboard's body as CloudWatch holds it; `None` when there is no
/// dashboard of that name.
pub async fn get_body(ctx: &Ctx<'_>) -> Result<Option<String>, AwsError> {
    let name = &ctx.names.dashboard;
    let got = ctx
        .clients
        .cloudwatch
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "GetDashboard", name, e))
        .found_if(&[codes::cloudwatch::RESOURCE_NOT_FOUND])?;
    Ok(got.map(|out| out.dashboard_body.unwrap_or_default()))
}

pub async fn find(
    ctx: &Ctx<'_>,
    recorded: &Observed,
) -> Result<Option<DashboardObservation>, AwsError> {
    let wanted = wanted_body(ctx, recorded.kms_key_arn.as_deref())?;
    Ok(get_body(ctx).await?.map(|body| DashboardObservation {
        name: ctx.names.dashboard.clone(),
        in_place: same_json(&body, &wanted),
    }))
}

/// Puts the dashboard when it is missing or edited, then tags it.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let name = &ctx.names.dashboard;
    let key_arn = rec.get(|o| o.kms_key_arn.clone());
    let wanted = wanted_body(ctx, key_arn.as_deref())?;
    let current = get_body(ctx).await?;
    if current.is_none_or(|body| !same_json(&body, &wanted)) {
        ctx.clients
            .cloudwatch
            .put_dashboard()
            .dashboard_name(name)
            .dashboard_body(&wanted)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "PutDashboard", name, e))?;
    }
    rec.update(|o| o.dashboard_name = Some(name.clone()));
    let tags: Vec<Tag> = ctx
        .tags()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect();
    if !tags.is_empty() {
        ctx.clients
            .cloudwatch
            .tag_resource()
            .resource_arn(ctx.names.dashboard_arn())
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "TagResource", name, e))?;
    }
    Ok(())
}

/// Deletes the dashboard; a missing one is done.
pub async fn delete(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let name = &ctx.names.dashboard;
    ctx.clients
        .cloudwatch
        .delete_dashboards()
        .dashboard_names(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DeleteDashboards", name, e))
        .gone_if(&[codes::cloudwatch::RESOURCE_NOT_FOUND])
}

/// The dashboard only points at the alarm and the log groups, by name: it
/// waits for the key alone (the tamper table names the key the pipeline
/// created), and nothing waits for it.
pub const PART: PartDef = PartDef {
    id: Component::Dashboard,
    present: always,
    after: &[],
    after_usable: &[],
    refers_to: &[Component::Key],
    inside: None,
    protections: &[Protection::DashboardInPlace],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, recorded| async move { Ok(seen(find(ctx, recorded).await?)) }.boxed()),
    delete: |ctx, _| {
        async move {
            delete(ctx).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| o.dashboard_name = None,
};
