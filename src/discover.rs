//! Finding pipelines without state (`terraform query`): the names of the
//! pipelines whose parts exist in the clients' account and region, read from
//! the three listings that carry a pipeline's name in a form that can be
//! filtered or parsed back: the KMS key's owner tag, the log groups under
//! [`Names::LOG_GROUP_ROOT`], the dashboards named with
//! [`Names::DASHBOARD_PREFIX`]. A pipeline is found while any of those parts
//! is left; one with only its topic, alarm or rules left is not (their names
//! end with the pipeline's name's suffixes, which no listing filters by).

use std::collections::{BTreeMap, BTreeSet};

use futures::FutureExt;

use crate::aws::log::logged;
use crate::aws::{AwsError, Clients};
use crate::components::{Component, Names};

/// The bound on a discovery's calls: each of its three listings reads at most
/// this many pages (100 tagged keys, 50 log groups, 1000 dashboards a page).
pub const MAX_PAGES_PER_LISTING: usize = 20;

/// The part a pipeline's name was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Clue {
    OwnerTaggedKey,
    LogGroup,
    Dashboard,
}

/// What a discovery found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Each pipeline's name, with the parts that named it.
    pub pipelines: BTreeMap<String, BTreeSet<Clue>>,
    /// The listings that had more pages than [`MAX_PAGES_PER_LISTING`].
    pub truncated: Vec<&'static str>,
}

/// Names read from one listing, and whether pages were left unread.
struct Listing {
    names: Vec<String>,
    truncated: bool,
}

/// The pipelines whose name starts with `name_prefix` (every one when empty),
/// from the three listings, sent at once.
pub async fn pipelines(clients: &Clients, name_prefix: &str) -> Result<Discovered, AwsError> {
    // Boxed, as the pipeline's steps are: a task-local scope around borrowed
    // futures otherwise defeats the proof that the listing future is Send.
    let (keys, groups, dashboards) = tokio::join!(
        logged(Component::Key, owner_tagged_keys(clients)).boxed(),
        logged(Component::LogGroup, log_groups(clients, name_prefix)).boxed(),
        logged(Component::Dashboard, dashboards(clients, name_prefix)).boxed(),
    );
    let mut discovered = Discovered::default();
    for (clue, operation, listing) in [
        (Clue::OwnerTaggedKey, "GetResources", keys?),
        (Clue::LogGroup, "DescribeLogGroups", groups?),
        (Clue::Dashboard, "ListDashboards", dashboards?),
    ] {
        if listing.truncated {
            discovered.truncated.push(operation);
        }
        for name in listing.names {
            if name.starts_with(name_prefix) {
                discovered.pipelines.entry(name).or_default().insert(clue);
            }
        }
    }
    Ok(discovered)
}

/// One page of a listing: the pipeline names it holds, and the token of the
/// next page (none after the last).
type Page = (Vec<String>, Option<String>);

/// Reads `fetch`'s pages until the last or [`MAX_PAGES_PER_LISTING`],
/// whichever comes first.
async fn bounded_listing<F, Fut>(mut fetch: F) -> Result<Listing, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page, AwsError>>,
{
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES_PER_LISTING {
        let (page_names, next) = fetch(token.take()).await?;
        names.extend(page_names);
        token = next;
        if token.is_none() {
            return Ok(Listing {
                names,
                truncated: false,
            });
        }
    }
    Ok(Listing {
        names,
        truncated: true,
    })
}

/// The pipelines named by the owner tag of KMS keys (the tagging API filters
/// by key, not by a value's prefix).
async fn owner_tagged_keys(clients: &Clients) -> Result<Listing, AwsError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let filter = TagFilter::builder().key(Names::KEY_OWNER_TAG).build();
    bounded_listing(|token| {
        let request = clients
            .tagging
            .get_resources()
            .resource_type_filters("kms:key")
            .tag_filters(filter.clone())
            .set_pagination_token(token);
        async move {
            let page = request
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(Component::Key, "GetResources", "kms:key", e))?;
            let names = page
                .resource_tag_mapping_list()
                .iter()
                .flat_map(|mapping| mapping.tags())
                .filter(|tag| tag.key() == Names::KEY_OWNER_TAG)
                .map(|tag| tag.value().to_owned())
                .collect();
            // The tagging API ends its pages with an empty token, not none.
            Ok((names, page.pagination_token.filter(|t| !t.is_empty())))
        }
    })
    .await
}

async fn log_groups(clients: &Clients, name_prefix: &str) -> Result<Listing, AwsError> {
    let prefix = format!("{}{name_prefix}", Names::LOG_GROUP_ROOT);
    bounded_listing(|token| {
        let request = clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(&prefix)
            .set_next_token(token);
        let prefix = prefix.clone();
        async move {
            let page = request.send().await.map_err(|e| {
                AwsError::from_sdk(Component::LogGroup, "DescribeLogGroups", prefix, e)
            })?;
            let names = page
                .log_groups()
                .iter()
                .filter_map(|group| group.log_group_name())
                .filter_map(Names::pipeline_of_log_group)
                .map(str::to_owned)
                .collect();
            Ok((names, page.next_token))
        }
    })
    .await
}

async fn dashboards(clients: &Clients, name_prefix: &str) -> Result<Listing, AwsError> {
    let prefix = format!("{}{name_prefix}", Names::DASHBOARD_PREFIX);
    bounded_listing(|token| {
        let request = clients
            .cloudwatch
            .list_dashboards()
            .dashboard_name_prefix(&prefix)
            .set_next_token(token);
        let prefix = prefix.clone();
        async move {
            let page = request.send().await.map_err(|e| {
                AwsError::from_sdk(Component::Dashboard, "ListDashboards", prefix, e)
            })?;
            let names = page
                .dashboard_entries()
                .iter()
                .filter_map(|entry| entry.dashboard_name())
                .filter_map(Names::pipeline_of_dashboard)
                .map(str::to_owned)
                .collect();
            Ok((names, page.next_token))
        }
    })
    .await
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
