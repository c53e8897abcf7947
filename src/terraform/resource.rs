//! `secretmonitor_pipeline`: Terraform's resource operations mapped onto the
//! pipeline's apply, observe and delete.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tf_provider::schema::IdentitySchema;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, RawValue, Resource};

use super::desired::configuration_of;
use super::diagnostics::{aws_error, pipeline_error, report, Severity};
use super::plan::{
    self, observed_of, planned, resolve_unknowns, spec_of, state_from, with_defaults,
};
use super::provider::Shared;
use super::schema::{pipeline_identity_schema, pipeline_schema};
use super::state::{string_list, NotificationBlock, PipelineIdentity, PipelineState, Str};
use super::validate::{validate, validate_merged_tags};
use crate::aws::Clients;
use crate::components::{trail, Observed, PipelineSpec, Recorder};
use crate::pipeline::{self, Parallelism};

pub struct PipelineResource {
    shared: Arc<Shared>,
}

impl PipelineResource {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn clients(&self, diags: &mut Diagnostics) -> Option<Arc<Clients>> {
        self.shared.configured_clients(diags)
    }

    fn parallelism(&self) -> Parallelism {
        *self
            .shared
            .parallelism
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn default_tags(&self) -> BTreeMap<String, String> {
        self.shared
            .clients()
            .map(|c| c.default_tags.clone())
            .unwrap_or_default()
    }

    /// The spec of a fully known state; at apply every value is known, so an
    /// unknown here is a bug worth reporting rather than guessing around.
    fn known_spec(&self, diags: &mut Diagnostics, state: &PipelineState) -> Option<PipelineSpec> {
        let findings = validate(state);
        let failed = findings.iter().any(|f| f.severity == Severity::Error);
        report(
            diags,
            findings
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .collect(),
        );
        if failed {
            return None;
        }
        match spec_of(state, &self.default_tags()) {
            Ok(spec) => Some(spec),
            Err(plan::Unknown(what)) => {
                diags.root_error(
                    "Value still unknown at apply",
                    format!("{what} is unknown; Terraform should have resolved it before apply"),
                );
                None
            }
        }
    }

    /// Plan-time checks: warnings were shown by ValidateResourceConfig
    /// already; the merged tag count needs the provider's default_tags, known
    /// only here.
    fn check_at_plan(&self, diags: &mut Diagnostics, config: &PipelineState) {
        let mut findings = validate(config);
        findings.retain(|f| f.severity == Severity::Error);
        findings.extend(validate_merged_tags(config, &self.default_tags()));
        report(diags, findings);
    }

    /// Create and update: bring AWS to `desired`, reporting whatever exists at
    /// the end, even when a step failed or time ran out.
    async fn converge(
        &self,
        diags: &mut Diagnostics,
        desired: PipelineState,
        prior: Option<&PipelineState>,
        timeout: Duration,
    ) -> Option<PipelineState> {
        let clients = self.clients(diags)?;
        let spec = self.known_spec(diags, &desired)?;
        let recorded = prior.map(observed_of).unwrap_or_default();
        let start = match pipeline::start(&clients, &spec, &recorded).await {
            Ok(start) => start,
            Err(err) => {
                aws_error(diags, &err);
                return prior.cloned();
            }
        };
        let creates_trail = spec.trail.create && recorded.trail_arn.is_none();
        let recorder = Recorder::new(recorded);
        let deadline = tokio::time::Instant::now() + timeout;
        let (errors, other_trails) = tokio::join!(
            pipeline::apply(
                &clients,
                &spec,
                &start,
                &recorder,
                self.parallelism(),
                deadline,
            ),
            async {
                // At apply, never at plan: a new pipeline plans offline.
                if creates_trail {
                    trail::other_management_trails(&clients, &start.names.trail).await
                } else {
                    Ok(Vec::new())
                }
            }
        );
        for err in &errors {
            pipeline_error(diags, err);
        }
        match other_trails {
            Ok(others) if !others.is_empty() => {
                diags.root_warning(
                    "Another trail already records these management events",
                    crate::terraform::diagnostics::second_trail_cost(&start.names.trail, &others),
                );
            }
            // The check only informs: a denied DescribeTrails is no failed
            // apply (the call and its error code are in the provider's log).
            Ok(_) | Err(_) => {}
        }
        let observed = recorder.snapshot();
        for skipped in &observed.skipped_queries {
            diags.root_warning("Saved query left out", skipped.clone());
        }
        if prior.is_none() && !errors.is_empty() && observed.nothing_exists() {
            return None;
        }
        let mut state = state_from(&desired, &spec, &observed);
        if errors.is_empty() && desired.verify_on_apply == Value::Value(true) {
            let verification = crate::verify::run(&clients, &spec, &start.names).await;
            if !verification.ok {
                diags.root_warning(
                    "Pipeline verification failed",
                    format!(
                        "verify_on_apply: a test notification was not accepted on every path: {}",
                        verification
                            .entries
                            .iter()
                            .map(|(k, v)| format!("{k}: {v}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                );
            }
            state.last_verification = Value::Value(
                verification
                    .entries
                    .into_iter()
                    .map(|(k, v)| (k, Value::Value(v)))
                    .collect(),
            );
        }
        resolve_unknowns(&mut state);
        Some(state)
    }
}

impl PipelineResource {
    /// Import by ID and by identity: the pipeline named `name` in the
    /// provider's account and region, read as the refresh after it reads it.
    pub(crate) async fn import_named(
        &self,
        diags: &mut Diagnostics,
        name: String,
    ) -> Option<(PipelineState, ValueEmpty)> {
        let clients = self.clients(diags)?;
        match import_state(&clients, &name).await {
            Ok(Imported::Found(state)) => Some((*state, ValueEmpty::Null)),
            Ok(Imported::Absent { account_id, region }) => {
                diags.root_error(
                    "Cannot import",
                    format!(
                        "no component of a pipeline named {name:?} exists in account {account_id} region {region}"
                    ),
                );
                None
            }
            Err(ImportError::Aws(err)) => {
                aws_error(diags, &err);
                None
            }
            Err(ImportError::Unknown(what)) => {
                diags.root_error_short(format!("cannot import {name:?}: {what} is unknown"));
                None
            }
        }
    }
}

/// What an import found.
pub(crate) enum Imported {
    Found(Box<PipelineState>),
    Absent { account_id: String, region: String },
}

pub(crate) enum ImportError {
    Aws(crate::aws::AwsError),
    Unknown(&'static str),
}

/// The state of the pipeline `name` as import gives it (and the listing's
/// full object): the defaults, with what AWS reports, the notification read
/// back from the topic's subscriptions and the tags merged as a plan would.
/// Also how many of its parts were found.
pub(crate) async fn import_census(
    clients: &Clients,
    name: &str,
) -> Result<(PipelineState, pipeline::Census), ImportError> {
    let config = PipelineState {
        name: Value::Value(name.to_owned()),
        ..Default::default()
    };
    let mut state = with_defaults(&config);
    state.id = Value::Value(name.to_owned());
    state.tags_all = plan::tags_all(&config, &clients.default_tags);
    let spec = spec_of(&state, &clients.default_tags)
        .map_err(|plan::Unknown(w)| ImportError::Unknown(w))?;
    let names = pipeline::names_for(clients, &spec)
        .await
        .map_err(ImportError::Aws)?;
    let census = pipeline::census(clients, &spec, &names, &Observed::default())
        .await
        .map_err(ImportError::Aws)?;
    state.notification = notification_of(&census.observed);
    let mut imported = state_from(&state, &spec, &census.observed);
    resolve_unknowns(&mut imported);
    Ok((imported, census))
}

async fn import_state(clients: &Clients, name: &str) -> Result<Imported, ImportError> {
    let (state, census) = import_census(clients, name).await?;
    if census.observed.nothing_exists() {
        return Ok(Imported::Absent {
            account_id: census.observed.account_id.unwrap_or_default(),
            region: census.observed.region.unwrap_or_default(),
        });
    }
    Ok(Imported::Found(Box::new(state)))
}

/// The `notification` block that subscribes what the topic has, so that the
/// configuration generated from an import keeps its subscribers.
fn notification_of(observed: &Observed) -> Value<NotificationBlock> {
    let endpoints = |protocol: &str| {
        let found: Vec<String> = observed
            .subscriptions
            .iter()
            .filter(|s| s.protocol == protocol)
            .map(|s| s.endpoint.clone())
            .collect();
        if found.is_empty() {
            Value::Null
        } else {
            string_list(&found)
        }
    };
    Value::Value(NotificationBlock {
        emails: endpoints("email"),
        sqs_queue_arns: endpoints("sqs"),
        https_endpoints: endpoints("https"),
    })
}

/// The account and region a configured provider serves.
struct Served<'a> {
    /// `None` when not asked for (the identity named no account).
    account_id: Option<&'a str>,
    region: &'a str,
}

impl Served<'_> {
    /// An identity's account and region must be the provider's, when given.
    fn admits(&self, account_id: &Str, region: &Str) -> Result<(), String> {
        let wanted_account = account_id.as_ref_option().map(String::as_str);
        let wanted_region = region.as_ref_option().map(String::as_str);
        let other_account = wanted_account.is_some() && wanted_account != self.account_id;
        let other_region = wanted_region.is_some_and(|r| r != self.region);
        if !other_account && !other_region {
            return Ok(());
        }
        Err(format!(
            "the identity names account {} region {}, but this provider configuration serves account {} region {}; \
             import through a provider configured for that account and region (a provider alias)",
            wanted_account.unwrap_or("(any)"),
            wanted_region.unwrap_or("(any)"),
            self.account_id.unwrap_or("(not asked)"),
            self.region,
        ))
    }
}

async fn logged_account(clients: &Clients) -> Result<String, crate::aws::AwsError> {
    crate::aws::log::logged(crate::components::Component::Identity, clients.account_id()).await
}

fn requires_replace(prior: &PipelineState, planned: &PipelineState) -> Vec<AttributePath> {
    super::schema::replacing_changes(prior, planned)
}

#[async_trait]
impl Resource for PipelineResource {
    type State<'a> = PipelineState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(pipeline_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        report(diags, validate(&config));
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let clients = self.clients(diags)?;
        let spec = match spec_of(&state, &self.default_tags()) {
            Ok(spec) => spec,
            Err(_) => return Some((state, private_state)),
        };
        let recorded = observed_of(&state);
        let names = match pipeline::names(&clients, &spec, &recorded).await {
            Ok(names) => names,
            Err(err) => {
                aws_error(diags, &err);
                return Some((state, private_state));
            }
        };
        match pipeline::observe(&clients, &spec, &names, &recorded).await {
            Ok(observed) if observed.nothing_exists() => None,
            Ok(observed) => {
                let mut refreshed = state_from(&state, &spec, &observed);
                resolve_unknowns(&mut refreshed);
                Some((refreshed, private_state))
            }
            Err(err) => {
                aws_error(diags, &err);
                Some((state, private_state))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        _proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        self.check_at_plan(diags, &config);
        let region = self.shared.clients().map(|c| c.region.clone());
        Some((
            planned(&config, None, &self.default_tags(), region.as_deref()),
            ValueEmpty::Null,
        ))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        self.check_at_plan(diags, &config);
        let region = self.shared.clients().map(|c| c.region.clone());
        let plan = planned(
            &config,
            Some(&prior),
            &self.default_tags(),
            region.as_deref(),
        );
        let replace = requires_replace(&prior, &plan);
        Some((plan, private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let timeout = plan::timeout(&planned_state.timeouts, |t| &t.create);
        self.converge(diags, planned_state, None, timeout)
            .await
            .map(|state| (state, private_state))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let timeout = plan::timeout(&planned_state.timeouts, |t| &t.update);
        let state = self
            .converge(diags, planned_state, Some(&prior), timeout)
            .await
            .unwrap_or(prior);
        Some((state, private_state))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let clients = self.clients(diags)?;
        let spec = match spec_of(&prior, &self.default_tags()) {
            Ok(spec) => spec,
            Err(plan::Unknown(what)) => {
                diags.root_error_short(format!("cannot destroy: {what} is unknown in the state"));
                return None;
            }
        };
        let recorded = observed_of(&prior);
        let names = match pipeline::names(&clients, &spec, &recorded).await {
            Ok(names) => names,
            Err(err) => {
                aws_error(diags, &err);
                return None;
            }
        };
        let timeout = plan::timeout(&prior.timeouts, |t| &t.delete);
        let deadline = tokio::time::Instant::now() + timeout;
        let report = pipeline::delete(
            &clients,
            &spec,
            &names,
            &recorded,
            self.parallelism(),
            deadline,
        )
        .await;
        for warning in report.warnings {
            diags.root_warning("Kept or left on purpose", warning);
        }
        for err in &report.errors {
            pipeline_error(diags, err);
        }
        Some(())
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        self.import_named(diags, id).await
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(pipeline_identity_schema())
    }

    fn identity<'a>(&self, diags: &mut Diagnostics, state: &Self::State<'a>) -> Option<RawValue> {
        RawValue::serialize(diags, &PipelineIdentity::of(state))
    }

    async fn import_identity<'a>(
        &self,
        diags: &mut Diagnostics,
        identity: RawValue,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let identity: PipelineIdentity = identity.deserialize(diags)?;
        let Value::Value(name) = identity.name else {
            diags.root_error_short("Cannot import: the identity's name is required");
            return None;
        };
        let clients = self.clients(diags)?;
        let region_served = identity
            .region
            .as_ref_option()
            .is_none_or(|region| *region == clients.region);
        let account = match identity.account_id.as_ref_option() {
            // Asked for only when the identity names one to compare, and
            // not when the region already differs.
            Some(_) if region_served => match logged_account(&clients).await {
                Ok(account) => Some(account),
                Err(err) => {
                    aws_error(diags, &err);
                    return None;
                }
            },
            _ => None,
        };
        let served = Served {
            account_id: account.as_deref(),
            region: &clients.region,
        };
        if let Err(message) = served.admits(&identity.account_id, &identity.region) {
            diags.root_error("Cannot import: another account or region", message);
            return None;
        }
        self.import_named(diags, name).await
    }

    fn generates_config(&self) -> bool {
        true
    }

    fn generate_config<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Self::State<'a>,
    ) -> Option<Self::State<'a>> {
        Some(configuration_of(&state))
    }
}
