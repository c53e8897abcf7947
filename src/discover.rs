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

/// The pipelines named by the owner tag of KMS keys (the tagging API filters
/// by key, not by a value's prefix).
async fn owner_tagged_keys(clients: &Clients) -> Result<Listing, AwsError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let filter = TagFilter::builder().key(Names::KEY_OWNER_TAG).build();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES_PER_LISTING {
        let page = clients
            .tagging
            .get_resources()
            .resource_type_filters("kms:key")
            .tag_filters(filter.clone())
            .set_pagination_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(Component::Key, "GetResources", "kms:key", e))?;
        names.extend(
            page.resource_tag_mapping_list()
                .iter()
                .flat_map(|mapping| mapping.tags())
                .filter(|tag| tag.key() == Names::KEY_OWNER_TAG)
                .map(|tag| tag.value().to_owned()),
        );
        // The tagging API ends its pages with an empty token, not none.
        token = page.pagination_token.filter(|t| !t.is_empty());
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

async fn log_groups(clients: &Clients, name_prefix: &str) -> Result<Listing, AwsError> {
    let prefix = format!("{}{name_prefix}", Names::LOG_GROUP_ROOT);
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES_PER_LISTING {
        let page = clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(&prefix)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk(Component::LogGroup, "DescribeLogGroups", prefix.clone(), e)
            })?;
        names.extend(
            page.log_groups()
                .iter()
                .filter_map(|group| group.log_group_name())
                .filter_map(Names::pipeline_of_log_group)
                .map(str::to_owned),
        );
        token = page.next_token;
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

async fn dashboards(clients: &Clients, name_prefix: &str) -> Result<Listing, AwsError> {
    let prefix = format!("{}{name_prefix}", Names::DASHBOARD_PREFIX);
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES_PER_LISTING {
        let page = clients
            .cloudwatch
            .list_dashboards()
            .dashboard_name_prefix(&prefix)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk(Component::Dashboard, "ListDashboards", prefix.clone(), e)
            })?;
        names.extend(
            page.dashboard_entries()
                .iter()
                .filter_map(|entry| entry.dashboard_name())
                .filter_map(Names::pipeline_of_dashboard)
                .map(str::to_owned),
        );
        token = page.next_token;
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

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
