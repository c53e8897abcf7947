//! `secretmonitor_pipeline`: Terraform's resource operations mapped onto the
//! pipeline's apply, observe and delete.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::diagnostics::{aws_error, pipeline_error, report, Severity};
use super::plan::{
    self, observed_of, planned, resolve_unknowns, spec_of, state_from, with_defaults,
};
use super::provider::Shared;
use super::schema::pipeline_schema;
use super::state::PipelineState;
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
        let clients = self.shared.clients();
        if clients.is_none() {
            diags.root_error_short("The secretmonitor provider is not configured");
        }
        clients
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
        let config = PipelineState {
            name: Value::Value(id.clone()),
            ..Default::default()
        };
        let mut state = with_defaults(&config);
        state.id = Value::Value(id.clone());
        // The read that follows an import fills in everything that exists.
        let clients = self.clients(diags)?;
        let spec = spec_of(&state, &self.default_tags()).ok()?;
        let names = match pipeline::names_for(&clients, &spec).await {
            Ok(names) => names,
            Err(err) => {
                aws_error(diags, &err);
                return None;
            }
        };
        match pipeline::observe(&clients, &spec, &names, &Observed::default()).await {
            Ok(observed) if observed.nothing_exists() => {
                diags.root_error(
                    "Cannot import",
                    format!(
                        "no component of a pipeline named {id:?} exists in account {} region {}",
                        names.account_id, names.region
                    ),
                );
                None
            }
            Ok(observed) => {
                let mut imported = state_from(&state, &spec, &observed);
                resolve_unknowns(&mut imported);
                Some((imported, ValueEmpty::Null))
            }
            Err(err) => {
                aws_error(diags, &err);
                None
            }
        }
    }
}
