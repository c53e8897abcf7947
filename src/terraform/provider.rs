//! The provider block: its schema, and the AWS clients built from it once per
//! provider process and shared by every resource operation.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{self, Value, ValueEmpty};
use tf_provider::{
    map, Action, Diagnostics, DynamicFunction, DynamicResource, ListResource, Provider,
};

use super::action::TestAlertAction;
use super::functions::{
    EventPatternFunction, EventPatternMatchesFunction, FilterPatternFunction,
    PatternMatchesFunction,
};
use super::list::PipelineList;
use super::plan::parse_duration;
use super::resource::PipelineResource;
use super::schema::provider_schema;
use super::state::{Str, StrMap};
use crate::aws::{AssumeRole, ClientSettings, Clients, Endpoints};
use crate::pipeline::Parallelism;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    #[serde(default)]
    pub region: Str,
    #[serde(default)]
    pub profile: Str,
    #[serde(default)]
    pub access_key: Str,
    #[serde(default)]
    pub secret_key: Str,
    #[serde(default)]
    pub s3_use_path_style: Value<bool>,
    #[serde(default)]
    pub skip_credentials_validation: Value<bool>,
    #[serde(default)]
    pub skip_requesting_account_id: Value<bool>,
    #[serde(default)]
    pub max_retries: Value<i64>,
    #[serde(default, with = "value::serde_as_vec")]
    pub assume_role: Value<AssumeRoleBlock>,
    #[serde(default, with = "value::serde_as_vec")]
    pub endpoints: Value<EndpointsBlock>,
    #[serde(default, with = "value::serde_as_vec")]
    pub default_tags: Value<DefaultTagsBlock>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AssumeRoleBlock {
    #[serde(default)]
    pub role_arn: Str,
    #[serde(default)]
    pub session_name: Str,
    #[serde(default)]
    pub external_id: Str,
    #[serde(default)]
    pub duration: Str,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EndpointsBlock {
    #[serde(default)]
    pub cloudtrail: Str,
    #[serde(default)]
    pub logs: Str,
    #[serde(default)]
    pub cloudwatch: Str,
    #[serde(default)]
    pub sns: Str,
    #[serde(default)]
    pub s3: Str,
    #[serde(default)]
    pub kms: Str,
    #[serde(default)]
    pub iam: Str,
    #[serde(default)]
    pub sts: Str,
    #[serde(default)]
    pub events: Str,
    #[serde(default)]
    pub resourcegroupstaggingapi: Str,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DefaultTagsBlock {
    #[serde(default)]
    pub tags: StrMap,
}

/// What every resource operation shares: the clients, once configured.
#[derive(Debug, Default)]
pub struct Shared {
    clients: RwLock<Option<Arc<Clients>>>,
    pub parallelism: RwLock<Parallelism>,
}

impl Shared {
    /// The clients, or an error for Terraform when the provider has not been
    /// configured yet.
    pub fn configured_clients(&self, diags: &mut Diagnostics) -> Option<Arc<Clients>> {
        let clients = self.clients();
        if clients.is_none() {
            diags.root_error_short("The secretmonitor provider is not configured");
        }
        clients
    }

    pub fn clients(&self) -> Option<Arc<Clients>> {
        self.clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[derive(Debug, Default, Clone)]
pub struct SecretMonitorProvider {
    shared: Arc<Shared>,
}

fn text(value: &Str) -> Option<String> {
    value.as_ref_option().cloned()
}

pub fn settings_from(config: &ProviderConfig) -> Result<ClientSettings, String> {
    let endpoints = config
        .endpoints
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    let assume_role = match config.assume_role.as_ref_option() {
        None => None,
        Some(block) => {
            let duration = match text(&block.duration) {
                None => None,
                Some(d) => Some(parse_duration(&d).ok_or_else(|| {
                    format!(
                        "assume_role.duration = {d:?}: write a duration such as \"1h\" or \"15m\""
                    )
                })?),
            };
            Some(AssumeRole {
                role_arn: text(&block.role_arn).unwrap_or_default(),
                session_name: text(&block.session_name),
                external_id: text(&block.external_id),
                duration,
            })
        }
    };
    let default_tags: BTreeMap<String, String> = config
        .default_tags
        .as_ref_option()
        .and_then(|d| d.tags.as_ref_option())
        .map(|tags| {
            tags.iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default();
    Ok(ClientSettings {
        region: text(&config.region),
        profile: text(&config.profile),
        access_key: text(&config.access_key),
        secret_key: text(&config.secret_key),
        assume_role,
        endpoints: Endpoints {
            cloudtrail: text(&endpoints.cloudtrail),
            logs: text(&endpoints.logs),
            cloudwatch: text(&endpoints.cloudwatch),
            sns: text(&endpoints.sns),
            s3: text(&endpoints.s3),
            kms: text(&endpoints.kms),
            iam: text(&endpoints.iam),
            sts: text(&endpoints.sts),
            events: text(&endpoints.events),
            tagging: text(&endpoints.resourcegroupstaggingapi),
        },
        s3_use_path_style: config
            .s3_use_path_style
            .as_ref_option()
            .copied()
            .unwrap_or(false),
        max_retries: config
            .max_retries
            .as_ref_option()
            .and_then(|r| u32::try_from(*r).ok()),
        skip_requesting_account_id: config
            .skip_requesting_account_id
            .as_ref_option()
            .copied()
            .unwrap_or(false),
        default_tags,
        max_parallel_calls: None,
    })
}

/// Steps run one at a time when this is 1 (the benchmark's baseline); unset
/// or 0 lets the dependency graph decide.
pub const PARALLELISM_ENV: &str = "SECRETMONITOR_MAX_PARALLEL_STEPS";

/// A count from the environment; unset, unreadable or 0 mean "no limit".
fn env_limit(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
}

#[async_trait]
impl Provider for SecretMonitorProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(provider_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        if let Err(message) = settings_from(&config) {
            diags.root_error("Invalid provider configuration", message);
        }
        if let Some(defaults) = config.default_tags.as_ref_option() {
            super::diagnostics::report(
                diags,
                super::validate::validate_tag_map(
                    super::diagnostics::nested("default_tags", "tags"),
                    &defaults.tags,
                ),
            );
        }
        if let Value::Value(retries) = config.max_retries {
            if retries < 0 {
                diags.root_error(
                    "Invalid max_retries",
                    format!("max_retries = {retries}: use 0 or more."),
                );
            }
        }
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let mut settings = match settings_from(&config) {
            Ok(settings) => settings,
            Err(message) => {
                diags.root_error("Invalid provider configuration", message);
                return None;
            }
        };
        settings.max_parallel_calls = env_limit(crate::aws::call_limit::MAX_PARALLEL_CALLS_ENV);
        match Clients::new(&settings).await {
            Ok(clients) => {
                *self
                    .shared
                    .clients
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(clients));
            }
            Err(err) => {
                diags.root_error("Cannot configure the AWS clients", err.to_string());
                return None;
            }
        }
        let parallelism = env_limit(PARALLELISM_ENV).unwrap_or(0);
        *self
            .shared
            .parallelism
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Parallelism(parallelism);
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(map! {
            "pipeline" => PipelineResource::new(self.shared.clone()),
        })
    }

    fn get_actions(&self, _diags: &mut Diagnostics) -> Option<HashMap<String, Box<dyn Action>>> {
        let test_alert: Box<dyn Action> = Box::new(TestAlertAction::new(self.shared.clone()));
        Some(HashMap::from([("test_alert".to_owned(), test_alert)]))
    }

    fn get_list_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn ListResource>>> {
        let pipelines: Box<dyn ListResource> = Box::new(PipelineList::new(self.shared.clone()));
        Some(HashMap::from([("pipeline".to_owned(), pipelines)]))
    }

    fn get_functions(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicFunction>>> {
        Some(map! {
            "filter_pattern" => FilterPatternFunction,
            "pattern_matches" => PatternMatchesFunction,
            "event_pattern" => EventPatternFunction,
            "event_pattern_matches" => EventPatternMatchesFunction,
        })
    }
}
