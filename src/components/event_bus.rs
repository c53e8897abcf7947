//! The pipeline's own event bus, which holds the scope rules of a two-stage
//! per-event path (docs/scale.md): the caller rules on the default bus
//! forward to it what their allow-list leaves.
//!
//! The part is present in every pipeline so that its `find` and `delete`
//! run whatever the layout: a pipeline that goes back to one rule still has
//! a bus to remove. Its `ensure` only creates; the bus of a layout that no
//! longer needs it is removed by the rule targets' `ensure` ([`remove`]),
//! since EventBridge deletes a bus only once its rules are gone ("All rules
//! associated with this event bus need to be deleted", DeleteEventBus), and
//! those go only after the new rules alert (make before break).
//!
//! When neither the layout nor the state says there is a bus, `find` and
//! `delete` make no call: a pipeline of one rule that never had a bus
//! costs nothing more.

use aws_sdk_eventbridge::types::Tag;
use futures::FutureExt;

use super::{
    always, seen, Component, Ctx, Deleted, Observed, PartDef, PipelineError, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError};

const C: Component = Component::EventBus;

/// Whether the bus may exist: the layout wants it, or the state recorded it.
pub fn may_exist(ctx: &Ctx<'_>, recorded: &Observed) -> bool {
    ctx.spec.detection.rules.two_stage() || recorded.event_bus_arn.is_some()
}

/// What refresh learns: the bus's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusObservation {
    pub arn: String,
}

impl Seen for BusObservation {
    fn record(&self, observed: &mut Observed) {
        observed.event_bus_arn = Some(self.arn.clone());
    }
}

pub async fn find(ctx: &Ctx<'_>, recorded: &Observed) -> Result<Option<BusObservation>, AwsError> {
    if !may_exist(ctx, recorded) {
        return Ok(None);
    }
    let name = &ctx.names.event_bus;
    let described = ctx
        .clients
        .events
        .describe_event_bus()
        .name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DescribeEventBus", name, e))
        .found_if(&[codes::events::RESOURCE_NOT_FOUND])?;
    Ok(described.map(|out| BusObservation {
        arn: out.arn.unwrap_or_else(|| ctx.names.event_bus_arn()),
    }))
}

/// Creates the bus a two-stage layout needs, with the pipeline's tags; a
/// bus that exists already is adopted as it is (its tags are not
/// rewritten). A layout of one rule creates nothing here: see [`remove`].
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    if !ctx.spec.detection.rules.two_stage() {
        return Ok(());
    }
    let name = &ctx.names.event_bus;
    let mut create = ctx.clients.events.create_event_bus().name(name);
    for (key, value) in ctx.tags() {
        create = create.tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| AwsError::new(C, "CreateEventBus", name, e.to_string()))?,
        );
    }
    let created = create
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "CreateEventBus", name, e))
        .found_if(&[codes::events::RESOURCE_ALREADY_EXISTS])?;
    let arn = created
        .and_then(|out| out.event_bus_arn)
        .unwrap_or_else(|| ctx.names.event_bus_arn());
    rec.update(|o| o.event_bus_arn = Some(arn));
    Ok(())
}

/// Deletes the bus ("not found" is done). Its rules must be gone first.
pub async fn delete_bus(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let name = &ctx.names.event_bus;
    ctx.clients
        .events
        .delete_event_bus()
        .name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DeleteEventBus", name, e))
        .gone_if(&[codes::events::RESOURCE_NOT_FOUND])
}

/// The bus of a layout that no longer has two stages, once its rules are
/// gone: called by the rule targets' `ensure` after it deleted them.
pub async fn remove(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), AwsError> {
    delete_bus(ctx).await?;
    rec.update(|o| o.event_bus_arn = None);
    Ok(())
}

/// The bus waits for nothing; the rules wait for it (the scope rules live
/// on it, the caller rules target it), so delete, reversed, removes it
/// after them.
pub const PART: PartDef = PartDef {
    id: Component::EventBus,
    present: always,
    after: &[],
    after_usable: &[],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, recorded| async move { Ok(seen(find(ctx, recorded).await?)) }.boxed()),
    delete: |ctx, rec| {
        async move {
            let recorded = rec.snapshot();
            if may_exist(ctx, &recorded) {
                delete_bus(ctx).await?;
            }
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| o.event_bus_arn = None,
};
