//! The CloudWatch Logs group the trail delivers to.

use futures::FutureExt;

use super::{
    always, seen, Component, Ctx, Deleted, Observed, PartDef, PipelineError, Recorder, Seen,
};
use crate::aws::{codes, retry_while, Absence, AwsError, RetryPolicy, MAX_PAGES};
use crate::engine::Usable;

const GROUP: Component = Component::LogGroup;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupObservation {
    pub name: String,
    pub arn: String,
    pub retention_days: Option<i64>,
}

pub async fn find(ctx: &Ctx<'_>, name: &str) -> Result<Option<LogGroupObservation>, AwsError> {
    find_as(ctx, GROUP, name).await
}

/// The group `name`, with errors naming `component` (the findings group is
/// found the same way).
pub(super) async fn find_as(
    ctx: &Ctx<'_>,
    component: Component,
    name: &str,
) -> Result<Option<LogGroupObservation>, AwsError> {
    // A prefix listing: other groups whose names extend this one may come
    // first, so pages are read until the name itself turns up.
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let listed = ctx
            .clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(component, "DescribeLogGroups", name, e))?;
        let found = listed
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name));
        if found.is_some() || listed.next_token.is_none() {
            return Ok(found.map(|g| observation(ctx, name, g)));
        }
        next = listed.next_token;
    }
    Err(AwsError::new(
        component,
        "DescribeLogGroups",
        name,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

fn observation(
    ctx: &Ctx<'_>,
    name: &str,
    g: &aws_sdk_cloudwatchlogs::types::LogGroup,
) -> LogGroupObservation {
    let names = ctx.names;
    LogGroupObservation {
        name: name.to_owned(),
        // `arn` ends in ":*"; the bare ARN is what policies and CloudTrail compare.
        arn: g
            .log_group_arn()
            .map(str::to_owned)
            .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned()))
            .unwrap_or_else(|| {
                format!(
                    "arn:aws:logs:{}:{}:log-group:{name}",
                    names.region, names.account_id
                )
            }),
        retention_days: g.retention_in_days().map(i64::from),
    }
}

/// Finds or creates the group; from then on it is `usable` by the trail and
/// the metric filter, while its retention is set.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder, usable: Usable) -> Result<(), PipelineError> {
    let name = ctx.names.log_group.as_str();
    let logs = &ctx.clients.logs;
    if !ctx.spec.trail.create {
        // Reusing another trail's group: it must exist, and it is not ours to change.
        let found = find(ctx, name).await?.ok_or_else(|| {
            AwsError::new(
                GROUP,
                "DescribeLogGroups",
                name,
                "trail.existing_log_group_name names a log group that does not exist",
            )
        })?;
        rec.update(|o| {
            o.log_group_name = Some(found.name);
            o.log_group_arn = Some(found.arn);
            o.log_retention_days = found.retention_days;
        });
        return Ok(());
    }
    let key_arn = rec.require(GROUP, "KMS key ARN", |o| o.kms_key_arn.clone())?;
    let create = || create_encrypted(ctx, GROUP, name, &key_arn);
    const EXISTS: &[&str] = &[codes::logs::RESOURCE_ALREADY_EXISTS];
    // A group the state knows is looked up first; one it does not know is
    // most likely new, so creating it first saves a round trip on create.
    let known = rec.get(|o| o.log_group_arn.is_some());
    let mut found = if known { find(ctx, name).await? } else { None };
    if found.is_none() {
        match create().await {
            Ok(()) => {}
            // Created since it was looked up: nothing to adopt. Not looked
            // up: it existed, and is adopted.
            Err(err) if err.has_code(EXISTS) => {
                if !known {
                    found = find(ctx, name).await?;
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    rec.update(|o| {
        o.log_group_name = Some(name.to_owned());
        o.log_group_arn = Some(ctx.names.log_group_arn());
    });
    usable.now();
    let retention = i32::try_from(ctx.spec.log_retention_days).unwrap_or(365);
    if found.as_ref().and_then(|f| f.retention_days) != Some(i64::from(retention)) {
        logs.put_retention_policy()
            .log_group_name(name)
            .retention_in_days(retention)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(GROUP, "PutRetentionPolicy", name, e))?;
    }
    rec.update(|o| o.log_retention_days = Some(i64::from(retention)));
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, name: &str) -> Result<(), AwsError> {
    ctx.clients
        .logs
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|err| AwsError::from_sdk(GROUP, "DeleteLogGroup", name, err))
        .gone_if(&[codes::logs::RESOURCE_NOT_FOUND])
}

/// The group needs the key; the trail and the metric filter need only that
/// the group exists, not its retention.
pub const PART: PartDef = PartDef {
    id: Component::LogGroup,
    present: always,
    after: &[],
    after_usable: &[Component::Key],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, usable| ensure(ctx, rec, usable).boxed(),
    find: Some(|ctx, _| async move { Ok(seen(find(ctx, &ctx.names.log_group).await?)) }.boxed()),
    delete: |ctx, _| {
        async move {
            // Another trail's group (trail.create = false) is not ours to delete.
            if !ctx.spec.trail.create {
                return Ok(Deleted::LeftAlone);
            }
            delete(ctx, &ctx.names.log_group).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| {
        o.log_group_name = None;
        o.log_group_arn = None;
    },
};

impl Seen for LogGroupObservation {
    fn record(&self, observed: &mut Observed) {
        observed.log_group_name = Some(self.name.clone());
        observed.log_group_arn = Some(self.arn.clone());
        observed.log_retention_days = self.retention_days;
    }
}

/// Creates the group `name`, encrypted with `key_arn` and tagged; errors name
/// `component` (the findings group is created the same way). The group
/// starts as soon as the key exists, and CloudWatch Logs may not see the key
/// policy that lets it use the key for a few seconds: that refusal is retried
/// until the deadline.
pub(super) async fn create_encrypted(
    ctx: &Ctx<'_>,
    component: Component,
    name: &str,
    key_arn: &str,
) -> Result<(), AwsError> {
    let key_policy_not_seen =
        |err: &AwsError| err.has_code(&[codes::logs::ACCESS_DENIED]) && err.message.contains("KMS");
    retry_while(
        RetryPolicy::PROPAGATION,
        ctx.deadline,
        key_policy_not_seen,
        || async {
            ctx.clients
                .logs
                .create_log_group()
                .log_group_name(name)
                .kms_key_id(key_arn)
                .set_tags(Some(ctx.spec.tags.clone().into_iter().collect()))
                .send()
                .await
                .map(|_| ())
                .map_err(|err| AwsError::from_sdk(component, "CreateLogGroup", name, err))
        },
    )
    .await
}
