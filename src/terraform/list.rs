//! `list "secretmonitor_pipeline"` for `terraform query`: the pipelines the
//! discovery finds in the provider's account and region, each read as import
//! reads it, with its identity and a display name that says when parts are
//! missing.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::Value;
use tf_provider::{
    AttributePath, Diagnostics, ListResource, ListResults, ListedResource, RawValue,
};

use super::diagnostics::aws_error;
use super::provider::Shared;
use super::resource::{import_census, ImportError};
use super::schema::list_schema;
use super::state::{PipelineIdentity, Str};
use super::validate::name::name_prefix_problem;
use crate::discover;
use crate::pipeline::Census;

/// The `config` block of the `list` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListConfig {
    #[serde(default)]
    pub name_prefix: Str,
}

pub struct PipelineList {
    shared: Arc<Shared>,
}

impl PipelineList {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

/// The pipeline's name, and how many parts were found (and which are
/// missing) when some are.
pub fn display_name(name: &str, census: &Census) -> String {
    if census.complete() {
        return name.to_owned();
    }
    let missing: Vec<&str> = census.missing.iter().map(|part| part.label()).collect();
    format!(
        "{name} (incomplete: {} of {} parts found; missing: {})",
        census.found,
        census.expected,
        missing.join(", ")
    )
}

/// The `config` block; without one, Terraform may send null.
fn list_config(diags: &mut Diagnostics, config: &RawValue) -> Option<ListConfig> {
    if config.is_null() {
        Some(ListConfig::default())
    } else {
        config.deserialize(diags)
    }
}

#[async_trait]
impl ListResource for PipelineList {
    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(list_schema())
    }

    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = list_config(diags, &config)?;
        if let Value::Value(prefix) = &config.name_prefix {
            if let Some(problem) = name_prefix_problem(prefix) {
                diags.error(
                    "Invalid name_prefix",
                    format!("name_prefix = {prefix:?} matches no pipeline: {problem}."),
                    AttributePath::new("name_prefix"),
                );
            }
        }
        Some(())
    }

    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        include_resource_object: bool,
        limit: i64,
        results: &ListResults,
    ) -> Option<()> {
        let config = list_config(diags, &config)?;
        let clients = self.shared.configured_clients(diags)?;
        let prefix = config
            .name_prefix
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        let discovered = match discover::pipelines(&clients, &prefix).await {
            Ok(discovered) => discovered,
            Err(err) => {
                aws_error(diags, &err);
                return None;
            }
        };
        if !discovered.truncated.is_empty() {
            diags.root_warning(
                "Listing cut short",
                format!(
                    "{} had more than {} pages; pipelines on the pages left unread are not listed (narrow the listing with name_prefix)",
                    discovered.truncated.join(", "),
                    discover::MAX_PAGES_PER_LISTING
                ),
            );
        }
        let limit = usize::try_from(limit).unwrap_or(0);
        let mut sent = 0;
        for name in discovered.pipelines.keys() {
            if limit > 0 && sent >= limit {
                break;
            }
            let (state, census) = match import_census(&clients, name).await {
                Ok(found) => found,
                Err(ImportError::Aws(err)) => {
                    aws_error(diags, &err);
                    return None;
                }
                Err(ImportError::Unknown(what)) => {
                    diags.root_error_short(format!("cannot read {name:?}: {what} is unknown"));
                    return None;
                }
            };
            // Gone between the discovery and the read.
            if census.observed.nothing_exists() {
                continue;
            }
            let mut item_diags = Diagnostics::default();
            let identity = RawValue::serialize(&mut item_diags, &PipelineIdentity::of(&state))?;
            let resource_object = if include_resource_object {
                Some(RawValue::serialize(&mut item_diags, &state)?)
            } else {
                None
            };
            let listed = ListedResource {
                identity,
                display_name: display_name(name, &census),
                resource_object,
                diagnostics: item_diags,
            };
            if !results.send(listed).await {
                // Terraform stopped reading.
                return Some(());
            }
            sent += 1;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::{Component, Observed};

    #[test]
    fn the_display_name_says_what_is_missing() {
        // (parts expected, parts missing, display name)
        let cases: [(usize, Vec<Component>, &str); 2] = [
            (12, vec![], "prod"),
            (
                12,
                vec![Component::Alarm, Component::Dashboard],
                "prod (incomplete: 10 of 12 parts found; missing: CloudWatch alarm, CloudWatch dashboard)",
            ),
        ];
        for (expected, missing, shown) in cases {
            let census = Census {
                observed: Observed::default(),
                found: expected - missing.len(),
                expected,
                missing,
            };
            assert_eq!(display_name("prod", &census), shown);
        }
    }
}
