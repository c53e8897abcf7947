//! `secretmonitor_test_alert`: a labelled test notification through a
//! pipeline's alert paths, on demand (`terraform apply -invoke`) or after
//! the pipeline's create and update (`action_trigger`). The pipeline is
//! found by its name alone, as an import finds it; the AWS work is
//! [`crate::verify`]'s, shared with `verify_on_apply`.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::Value;
use tf_provider::{Action, ActionProgress, Diagnostics, RawValue};

use super::diagnostics::{attr, aws_error, item, report, Finding};
use super::plan::{spec_of, with_defaults};
use super::provider::Shared;
use super::state::{PipelineState, Str, StrList};
use crate::aws::Clients;
use crate::components::{Names, Observed};
use crate::pipeline;
use crate::verify::{self, AlertPath, Origin};

/// The action's `config` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestAlertConfig {
    #[serde(default)]
    pub name: Str,
    #[serde(default)]
    pub region: Str,
    #[serde(default)]
    pub account_id: Str,
    #[serde(default)]
    pub paths: StrList,
}

/// One check of the configuration, and its line on the action's page.
pub struct ActionRule {
    /// The argument, as written in HCL.
    pub path: &'static str,
    /// The doc line ("Checked at plan: ...").
    pub text: &'static str,
    check: fn(&TestAlertConfig, &mut Vec<Finding>),
}

/// Every check of ValidateActionConfig, in the order they run; the action's
/// page lists each under its argument.
pub const ACTION_RULES: &[ActionRule] = &[
    ActionRule {
        path: "paths",
        text: "Each entry is `alarm` (the alarm and its SNS action) or `event` (the per-event rules and the topic), at most once; an empty list tests nothing and is refused.",
        check: paths_are_known,
    },
    ActionRule {
        path: "account_id",
        text: "A 12-digit account ID.",
        check: account_id_format,
    },
];

fn paths_are_known(config: &TestAlertConfig, findings: &mut Vec<Finding>) {
    let Value::Value(paths) = &config.paths else {
        return;
    };
    if paths.is_empty() {
        findings.push(Finding::error(
            attr("paths"),
            "No alert path to test",
            "paths = []: name at least one of \"alarm\" and \"event\", or leave paths out to test both.",
        ));
    }
    let mut seen = Vec::new();
    for (index, entry) in paths.iter().enumerate() {
        let Value::Value(keyword) = entry else {
            continue;
        };
        match AlertPath::from_keyword(keyword) {
            None => findings.push(Finding::error(
                item(attr("paths"), index),
                "Unknown alert path",
                format!(
                    "paths[{index}] = {keyword:?}: write one of {}.",
                    keywords().join(", ")
                ),
            )),
            Some(path) if seen.contains(&path) => findings.push(Finding::error(
                item(attr("paths"), index),
                "Alert path listed twice",
                format!("paths[{index}] = {keyword:?} is already listed."),
            )),
            Some(path) => seen.push(path),
        }
    }
}

fn account_id_format(config: &TestAlertConfig, findings: &mut Vec<Finding>) {
    let Value::Value(account) = &config.account_id else {
        return;
    };
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        findings.push(Finding::error(
            attr("account_id"),
            "Invalid account ID",
            format!("account_id = {account:?}: write the 12-digit account ID."),
        ));
    }
}

fn keywords() -> Vec<String> {
    AlertPath::ALL
        .iter()
        .map(|path| format!("{:?}", path.keyword()))
        .collect()
}

/// What ValidateActionConfig reports.
pub fn validate(config: &TestAlertConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in ACTION_RULES {
        (rule.check)(config, &mut findings);
    }
    findings
}

/// The paths to test, in [`AlertPath::ALL`]'s order: those listed, or all
/// when `paths` is left out.
pub fn selected_paths(config: &TestAlertConfig) -> Vec<AlertPath> {
    match &config.paths {
        Value::Value(listed) => AlertPath::ALL
            .into_iter()
            .filter(|path| {
                listed
                    .iter()
                    .any(|entry| entry.as_ref_option().map(String::as_str) == Some(path.keyword()))
            })
            .collect(),
        _ => AlertPath::ALL.to_vec(),
    }
}

fn attribute(
    attr_type: AttributeType,
    constraint: AttributeConstraint,
    description: &str,
) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

pub fn test_alert_schema() -> Schema {
    let attributes = [
        (
            "name",
            attribute(
                AttributeType::String,
                AttributeConstraint::Required,
                "The `name` of the `secretmonitor_pipeline` to test, in the provider's account and region. The pipeline is found by this name alone, as `terraform import` finds it.",
            ),
        ),
        (
            "region",
            attribute(
                AttributeType::String,
                AttributeConstraint::Optional,
                "The pipeline's region, as a safeguard: when set it must be the provider's region (a provider instance serves one account and region; use an aliased provider for another).",
            ),
        ),
        (
            "account_id",
            attribute(
                AttributeType::String,
                AttributeConstraint::Optional,
                "The pipeline's account, as a safeguard: when set it must be the account the provider's credentials belong to.",
            ),
        ),
        (
            "paths",
            attribute(
                AttributeType::List(Box::new(AttributeType::String)),
                AttributeConstraint::Optional,
                "The alert paths to test: `alarm` sets the alarm to ALARM (the reason is the test label), watches its SNS action and sets it back to OK; `event` has EventBridge's TestEventPattern confirm that the stored read rules fire on a synthetic unauthorised read and publishes a labelled message in the per-event format to the topic. Default both.",
            ),
        ),
    ];
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes: attributes
                .into_iter()
                .map(|(name, a)| (name.to_owned(), a))
                .collect(),
            blocks: Default::default(),
            description: Description::markdown(
                "Sends a clearly labelled test notification (\"TEST NOTIFICATION from the secretmonitor_test_alert action: no secret was read\") through each alert path of a pipeline, the way `verify_on_apply` does after an apply, and reports each step as it happens. It fails, naming the path, when AWS did not accept a step. No secret is read.",
            ),
            deprecated: false,
        },
    }
}

pub struct TestAlertAction {
    shared: Arc<Shared>,
}

impl TestAlertAction {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn clients(&self, diags: &mut Diagnostics) -> Option<Arc<Clients>> {
        self.shared.configured_clients(diags)
    }

    /// The configuration, checked against the configured provider: its
    /// region and account are the only ones it can test.
    async fn checked(
        &self,
        diags: &mut Diagnostics,
        config: &RawValue,
    ) -> Option<(TestAlertConfig, Arc<Clients>)> {
        let config: TestAlertConfig = config.deserialize(diags)?;
        let findings = validate(&config);
        let failed = !findings.is_empty();
        report(diags, findings);
        if failed {
            return None;
        }
        let clients = self.clients(diags)?;
        if let Value::Value(region) = &config.region {
            if *region != clients.region {
                report(
                    diags,
                    vec![Finding::error(
                        attr("region"),
                        "Pipeline in another region",
                        format!(
                            "region = {region:?}, but this provider is configured for region {:?}: give the action a provider configured for {region:?} (`provider = secretmonitor.<alias>`).",
                            clients.region
                        ),
                    )],
                );
                return None;
            }
        }
        if let Value::Value(account) = &config.account_id {
            let own = match clients.account_id().await {
                Ok(own) => own,
                Err(err) => {
                    aws_error(diags, &err);
                    return None;
                }
            };
            if *account != own {
                report(
                    diags,
                    vec![Finding::error(
                        attr("account_id"),
                        "Pipeline in another account",
                        format!(
                            "account_id = {account:?}, but this provider's credentials are for account {own:?}: give the action a provider configured for {account:?} (`provider = secretmonitor.<alias>`)."
                        ),
                    )],
                );
                return None;
            }
        }
        Some((config, clients))
    }

    /// The pipeline's names and what of it exists, from its name alone.
    async fn locate(
        &self,
        diags: &mut Diagnostics,
        clients: &Clients,
        name: &str,
    ) -> Option<(Names, Observed)> {
        let spec = spec_of(
            &with_defaults(&PipelineState {
                name: Value::Value(name.to_owned()),
                ..Default::default()
            }),
            &Default::default(),
        )
        .ok()?;
        let names = match pipeline::names_for(clients, &spec).await {
            Ok(names) => names,
            Err(err) => {
                aws_error(diags, &err);
                return None;
            }
        };
        match pipeline::observe(clients, &spec, &names, &Observed::default()).await {
            Ok(observed) if observed.nothing_exists() => {
                diags.root_error(
                    "No such pipeline",
                    format!(
                        "no component of a pipeline named {name:?} exists in account {} region {}",
                        names.account_id, names.region
                    ),
                );
                None
            }
            Ok(observed) => Some((names, observed)),
            Err(err) => {
                aws_error(diags, &err);
                None
            }
        }
    }
}

/// One path's test of a located pipeline.
async fn test(
    clients: &Clients,
    name: &str,
    names: &Names,
    observed: &Observed,
    path: AlertPath,
    progress: verify::Progress<'_>,
) -> Result<String, String> {
    let origin = Origin::TestAlertAction;
    match path {
        AlertPath::Alarm => verify::alarm_path(clients, &names.alarm, origin, progress).await,
        AlertPath::Event => {
            if observed.read_rules.is_empty() {
                return Err(format!(
                    "the pipeline has no per-event read rule (fast_alerts is off, or the rules are gone); test the alarm path alone with paths = [{:?}]",
                    AlertPath::Alarm.keyword()
                ));
            }
            let route = verify::stored_route(names, &observed.read_rules).ok_or(
                "no synthetic read passes the stored read rules: the allow-list covers every candidate principal",
            )?;
            verify::event_path(clients, names, name, &route, origin, progress).await
        }
    }
}

#[async_trait]
impl Action for TestAlertAction {
    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(test_alert_schema())
    }

    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config: TestAlertConfig = config.deserialize(diags)?;
        report(diags, validate(&config));
        Some(())
    }

    async fn plan(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        self.checked(diags, &config).await.map(|_| ())
    }

    async fn invoke(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        progress: &ActionProgress,
    ) -> Option<()> {
        let (config, clients) = self.checked(diags, &config).await?;
        let Value::Value(name) = &config.name else {
            report(
                diags,
                vec![Finding::error(
                    attr("name"),
                    "Pipeline name unknown",
                    "name must be known when the action runs.",
                )],
            );
            return None;
        };
        let name = name.clone();
        // Bounded like each path: a provider whose AWS calls go unanswered
        // retries for minutes.
        let located =
            tokio::time::timeout(verify::PATH_TIMEOUT, self.locate(diags, &clients, &name)).await;
        let Ok(located) = located else {
            diags.root_error(
                "No answer from AWS",
                format!(
                    "looking up the pipeline {name:?} (STS, then each part) took longer than {} s",
                    verify::PATH_TIMEOUT.as_secs()
                ),
            );
            return None;
        };
        let (names, observed) = located?;
        let paths = selected_paths(&config);
        // The paths run one after the other so their progress reads in order;
        // the sink is synchronous, so messages go through a channel to
        // Terraform while the test runs.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let work = async move {
            let sink = move |message: String| {
                // The receiver lives until every path is done.
                _ = tx.send(message);
            };
            let mut outcomes = Vec::new();
            for path in paths {
                let outcome =
                    verify::test_path(path, test(&clients, &name, &names, &observed, path, &sink))
                        .await;
                outcomes.push((path, outcome));
            }
            outcomes
        };
        let forward = async {
            while let Some(message) = rx.recv().await {
                progress.report(message).await;
            }
        };
        let (outcomes, ()) = tokio::join!(work, forward);
        for (path, outcome) in outcomes {
            match outcome {
                Ok(done) => progress.report(format!("{}: {done}", path.title())).await,
                Err(failure) => diags.root_error(
                    format!("Test alert failed on the {}", path.title()),
                    failure,
                ),
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(paths: Option<&[&str]>, account_id: Option<&str>) -> TestAlertConfig {
        TestAlertConfig {
            name: Value::Value("prod".to_owned()),
            paths: match paths {
                None => Value::Null,
                Some(paths) => {
                    Value::Value(paths.iter().map(|p| Value::Value(p.to_string())).collect())
                }
            },
            account_id: account_id.map_or(Value::Null, |a| Value::Value(a.to_owned())),
            ..Default::default()
        }
    }

    #[test]
    fn the_configuration_selects_paths_or_says_what_is_wrong() {
        // (paths, account_id, paths tested, (summary, path) of each error)
        type Case<'a> = (
            Option<&'a [&'a str]>,
            Option<&'a str>,
            &'a [AlertPath],
            &'a [(&'a str, &'a str)],
        );
        let cases: [Case; 8] = [
            (None, None, &[AlertPath::Alarm, AlertPath::Event], &[]),
            (Some(&["alarm"]), None, &[AlertPath::Alarm], &[]),
            (Some(&["event"]), None, &[AlertPath::Event], &[]),
            (
                Some(&["event", "alarm"]),
                Some("111122223333"),
                &[AlertPath::Alarm, AlertPath::Event],
                &[],
            ),
            (
                Some(&["alarm", "email"]),
                None,
                &[AlertPath::Alarm],
                &[("Unknown alert path", "paths[1]")],
            ),
            (
                Some(&["alarm", "alarm"]),
                None,
                &[AlertPath::Alarm],
                &[("Alert path listed twice", "paths[1]")],
            ),
            (Some(&[]), None, &[], &[("No alert path to test", "paths")]),
            (
                None,
                Some("1111"),
                &[AlertPath::Alarm, AlertPath::Event],
                &[("Invalid account ID", "account_id")],
            ),
        ];
        for (paths, account, selected, errors) in cases {
            let config = config(paths, account);
            assert_eq!(selected_paths(&config), selected, "{paths:?}");
            let found: Vec<(String, String)> = validate(&config)
                .into_iter()
                .map(|f| (f.summary, super::super::diagnostics::path_text(&f.path)))
                .collect();
            let expected: Vec<(String, String)> = errors
                .iter()
                .map(|(s, p)| (s.to_string(), p.to_string()))
                .collect();
            assert_eq!(found, expected, "{paths:?} / {account:?}");
        }
    }

    #[test]
    fn every_rule_is_about_an_argument_of_the_schema() {
        let schema = test_alert_schema();
        for rule in ACTION_RULES {
            assert!(
                schema.block.attributes.contains_key(rule.path),
                "{}",
                rule.path
            );
        }
    }

    #[test]
    fn the_paths_rule_names_every_keyword() {
        let text = ACTION_RULES
            .iter()
            .find(|rule| rule.path == "paths")
            .map(|rule| rule.text)
            .unwrap_or_default();
        for path in AlertPath::ALL {
            assert!(text.contains(&format!("`{}`", path.keyword())), "{path:?}");
        }
    }
}
