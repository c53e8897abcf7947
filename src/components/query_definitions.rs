//! The saved Logs Insights queries (issue #15, `docs/queries.md`): the five
//! definitions of [`insights::saved_query_models`], saved under the
//! pipeline's folder `secretmonitor/<name>/` and pointed at the trail's log
//! group (the one the metric filters watch; with `trail.create = false`, the
//! existing one).
//!
//! Decisions:
//! - **Found by their folder.** Query definitions have no tags and their
//!   names are not unique in AWS (`PutQueryDefinition` without an ID always
//!   creates another), so one `DescribeQueryDefinitions` by name prefix is
//!   the whole truth: a wanted name is updated through the ID it is listed
//!   with, a second definition of the same name is deleted, and so is any
//!   definition under the folder the spec no longer wants. The folder is the
//!   pipeline's to manage, as the metric filter names are.
//! - **Same sources as the detection.** The queries are built from
//!   [`PipelineSpec::pattern_input`] (as the metric filters are) and from
//!   [`super::event_rule::with_tamper_targets`] (as the tamper rule is), with the
//!   key the state records.
//! - **A query that does not fit is skipped, not fatal.** A very large
//!   allow-list can make a query longer than `PutQueryDefinition` accepts
//!   (10 000 characters). The detection does not depend on the queries, so
//!   apply leaves that one out (deleting any stale definition of its name)
//!   and warns, through [`Observed::skipped_queries`].
//! - **Drift is a protection**, `saved_queries_in_place`: refresh compares
//!   the listing with what apply would put, so a definition deleted,
//!   duplicated or edited outside Terraform shows in the plan and apply
//!   heals it. The names are the computed `query_definition_names`, known
//!   offline.

use futures::{FutureExt, StreamExt, TryStreamExt};

use super::{seen, Ctx, Deleted, Observed, PartDef, PipelineError, Protection, Recorder, Seen};
use crate::aws::{codes, Absence, AwsError, Component, MAX_PAGES};
use crate::pattern::insights::{self, QueryInput, SavedQuery};

const C: Component = Component::QueryDefinitions;

/// How many definitions are put or deleted at once: CloudWatch Logs allows a
/// few control-plane calls a second.
const CONCURRENCY: usize = 4;

/// `DescribeQueryDefinitions` answers at most 1000 per page.
const PAGE_SIZE: i32 = 1000;

/// A query definition as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub name: String,
    pub query_string: String,
    pub log_group_names: Vec<String>,
}

/// The queries the spec wants, and why any was left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wanted {
    pub queries: Vec<SavedQuery>,
    pub skipped: Vec<String>,
}

/// What to do to bring the listing to the wanted queries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actions {
    /// Each query to put, with the ID of the definition it replaces.
    pub put: Vec<(Option<String>, SavedQuery)>,
    /// IDs of definitions to delete: unwanted names and duplicates.
    pub delete: Vec<String>,
}

impl Actions {
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.delete.is_empty()
    }
}

/// The five queries for this spec, with `key_arn` the key the state records
/// (the tamper query watches a key the pipeline created).
pub fn wanted(ctx: &Ctx<'_>, key_arn: Option<&str>) -> Wanted {
    let models = super::event_rule::with_tamper_targets(ctx.spec, ctx.names, key_arn, |tamper| {
        insights::saved_query_models(&QueryInput {
            pipeline_name: &ctx.spec.name,
            detection: ctx.spec.pattern_input(),
            tamper: *tamper,
        })
    });
    let models = match models {
        Ok(models) => models,
        // The detection was built from the same input, so this is a
        // construct the translation lacks: no query is worth a failed apply.
        Err(err) => {
            return Wanted {
                queries: Vec::new(),
                skipped: vec![format!("no saved query was deployed: {err}")],
            }
        }
    };
    let mut wanted = Wanted::default();
    for (name, query) in models {
        match insights::within_limits(name, &query) {
            Ok(saved) => wanted.queries.push(saved),
            Err(err) => wanted.skipped.push(format!("not deployed: {err}")),
        }
    }
    wanted
}

/// What brings `listed` to `wanted` on `log_group`: a wanted query listed
/// as it should be is kept (the first such, if several); one listed
/// otherwise is put over its first listing; every other listing goes.
pub fn actions(wanted: &[SavedQuery], log_group: &str, listed: &[Listed]) -> Actions {
    let in_place = |l: &Listed, w: &SavedQuery| {
        l.query_string == w.query_string && l.log_group_names == [log_group]
    };
    let mut actions = Actions::default();
    let mut kept: Vec<&str> = Vec::new();
    for w in wanted {
        let same_name: Vec<&Listed> = listed.iter().filter(|l| l.name == w.name).collect();
        match same_name.iter().find(|l| in_place(l, w)) {
            Some(l) => kept.push(&l.id),
            None => {
                let replaced = same_name.first().map(|l| l.id.as_str());
                kept.extend(replaced);
                actions.put.push((replaced.map(str::to_owned), w.clone()));
            }
        }
    }
    actions.delete = listed
        .iter()
        .filter(|l| !kept.contains(&l.id.as_str()))
        .map(|l| l.id.clone())
        .collect();
    actions
}

/// Every definition under the pipeline's folder, each once.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<Listed>, AwsError> {
    let prefix = insights::folder(&ctx.spec.name);
    let mut found: Vec<Listed> = Vec::new();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let listed = ctx
            .clients
            .logs
            .describe_query_definitions()
            .query_definition_name_prefix(&prefix)
            .max_results(PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "DescribeQueryDefinitions", &prefix, e))?;
        for d in listed.query_definitions() {
            let (Some(id), Some(name)) = (d.query_definition_id(), d.name()) else {
                continue;
            };
            // A page boundary may repeat one, and the prefix is matched by
            // AWS, not by us: checked again.
            if !name.starts_with(&prefix) || found.iter().any(|f| f.id == id) {
                continue;
            }
            let mut log_group_names = d.log_group_names().to_vec();
            log_group_names.sort();
            found.push(Listed {
                id: id.to_owned(),
                name: name.to_owned(),
                query_string: d.query_string().unwrap_or_default().to_owned(),
                log_group_names,
            });
        }
        match listed.next_token {
            Some(token) if !token.is_empty() => next = Some(token),
            _ => return Ok(found),
        }
    }
    Err(AwsError::new(
        C,
        "DescribeQueryDefinitions",
        &prefix,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

/// Puts `query` on `log_group`, over `id` when given; a definition deleted
/// since it was listed is created anew.
async fn put(
    ctx: &Ctx<'_>,
    log_group: &str,
    id: Option<String>,
    query: &SavedQuery,
) -> Result<(), AwsError> {
    let send = |id: Option<String>| {
        ctx.clients
            .logs
            .put_query_definition()
            .name(&query.name)
            .set_query_definition_id(id)
            .log_group_names(log_group)
            .query_string(&query.query_string)
            .send()
    };
    let replacing = id.is_some();
    match send(id).await {
        Ok(_) => Ok(()),
        Err(err) => {
            let err = AwsError::from_sdk(C, "PutQueryDefinition", &query.name, err);
            if replacing && err.has_code(&[codes::logs::RESOURCE_NOT_FOUND]) {
                send(None)
                    .await
                    .map(|_| ())
                    .map_err(|e| AwsError::from_sdk(C, "PutQueryDefinition", &query.name, e))
            } else {
                Err(err)
            }
        }
    }
}

async fn delete_one(ctx: &Ctx<'_>, id: &str) -> Result<(), AwsError> {
    ctx.clients
        .logs
        .delete_query_definition()
        .query_definition_id(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk(C, "DeleteQueryDefinition", id, e))
        .gone_if(&[codes::logs::RESOURCE_NOT_FOUND])
}

async fn delete_ids(ctx: &Ctx<'_>, ids: Vec<String>) -> Result<(), AwsError> {
    futures::stream::iter(ids)
        .map(|id| async move { delete_one(ctx, &id).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Puts what is missing or differs, then deletes what is not wanted, so a
/// responder never finds a query gone in between.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let log_group = rec.require(C, "log group name", |o| o.log_group_name.clone())?;
    let key = rec.get(|o| o.kms_key_arn.clone());
    let wanted = wanted(ctx, key.as_deref());
    let listed = list(ctx).await?;
    let Actions {
        put: to_put,
        delete,
    } = actions(&wanted.queries, &log_group, &listed);
    let group = log_group.as_str();
    futures::stream::iter(to_put)
        .map(|(id, query)| async move { put(ctx, group, id, &query).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    delete_ids(ctx, delete).await?;
    rec.update(|o| o.skipped_queries = wanted.skipped);
    Ok(())
}

/// What refresh learns: whether the listing is what apply would leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryObservation {
    pub in_place: bool,
}

pub async fn find(ctx: &Ctx<'_>, recorded: &Observed) -> Result<QueryObservation, AwsError> {
    let wanted = wanted(ctx, recorded.kms_key_arn.as_deref());
    let log_group = recorded
        .log_group_name
        .as_deref()
        .unwrap_or(&ctx.names.log_group);
    let listed = list(ctx).await?;
    Ok(QueryObservation {
        in_place: actions(&wanted.queries, log_group, &listed).is_empty(),
    })
}

/// Every definition under the folder; none is done.
pub async fn delete(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let ids = list(ctx).await?.into_iter().map(|l| l.id).collect();
    delete_ids(ctx, ids).await
}

/// The queries name the trail's log group and the key, so they wait for
/// both, as the metric filters wait for the group.
pub const PART: PartDef = PartDef {
    id: Component::QueryDefinitions,
    present: super::always,
    after: &[],
    after_usable: &[Component::Key, Component::LogGroup],
    refers_to: &[],
    inside: None,
    protections: &[Protection::SavedQueriesInPlace],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, recorded| async move { Ok(seen(Some(find(ctx, recorded).await?))) }.boxed()),
    delete: |ctx, _| {
        async move {
            delete(ctx).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| o.skipped_queries.clear(),
};

impl Seen for QueryObservation {
    fn record(&self, _observed: &mut Observed) {}

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::SavedQueriesInPlace, self.in_place)]
    }
}
