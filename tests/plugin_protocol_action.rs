//! The `secretmonitor_test_alert` action over the plugin protocol, the way
//! Terraform 1.14+ drives it: its schema in GetProviderSchema, then
//! ValidateActionConfig, PlanAction and InvokeAction's stream. No AWS call
//! succeeds: every endpoint points at a closed port, so these tests cover the
//! protocol and the checks made before AWS (scripts/action_test.py runs the
//! action against LocalStack).

mod support;

use support::msgpack::{config_object, Val};
use support::plugin_client::tfplugin6::schema::Block;
use support::plugin_client::{describe, errors, path_string, PluginClient};
use support::provider::{offline_provider_config, schemas};

const ACTION: &str = "secretmonitor_test_alert";

async fn start() -> PluginClient {
    PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn action_block(client: &mut PluginClient) -> Block {
    let response = client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    response
        .action_schemas
        .get(ACTION)
        .and_then(|s| s.schema.as_ref())
        .and_then(|s| s.block.clone())
        .unwrap_or_else(|| panic!("no schema for {ACTION}"))
}

/// A provider configured offline, and the action's block. No retries: the
/// default 25, with backoff, would keep a refused call going for minutes.
async fn configured() -> (PluginClient, Block) {
    let mut client = start().await;
    let provider = schemas(&mut client).await.provider;
    let mut config = offline_provider_config(&provider);
    match &mut config {
        Val::Map(settings) => {
            settings.insert("max_retries".to_owned(), Val::Int(0));
        }
        other => panic!("the provider config is an object: {other:?}"),
    }
    let diagnostics = client
        .configure_provider(&config)
        .await
        .expect("ConfigureProvider");
    assert!(
        errors(&diagnostics).is_empty(),
        "{}",
        describe(&diagnostics)
    );
    let block = action_block(&mut client).await;
    (client, block)
}

/// (summary, attribute path) of each error.
fn error_sites(
    diagnostics: &[support::plugin_client::tfplugin6::Diagnostic],
) -> Vec<(String, String)> {
    errors(diagnostics)
        .into_iter()
        .map(|d| (d.summary.clone(), path_string(d)))
        .collect()
}

#[tokio::test]
async fn the_schema_lists_the_action_and_its_config() {
    let mut client = start().await;
    let block = action_block(&mut client).await;
    // (attribute, required, type as JSON)
    let expected = [
        ("account_id", false, serde_json::json!("string")),
        ("name", true, serde_json::json!("string")),
        ("paths", false, serde_json::json!(["list", "string"])),
        ("region", false, serde_json::json!("string")),
    ];
    let mut found: Vec<(String, bool, serde_json::Value)> = block
        .attributes
        .iter()
        .map(|a| {
            let kind = serde_json::from_slice(&a.r#type).expect("attribute type is JSON");
            assert!(!a.computed, "{} is computed", a.name);
            assert!(!a.description.is_empty(), "{} has no description", a.name);
            (a.name.clone(), a.required, kind)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<(String, bool, serde_json::Value)> = expected
        .into_iter()
        .map(|(n, r, t)| (n.to_owned(), r, t))
        .collect();
    assert_eq!(found, expected);
    assert!(block.block_types.is_empty(), "{:?}", block.block_types);
}

#[tokio::test]
async fn validate_action_config_reports_each_bad_value_at_its_attribute() {
    let mut client = start().await;
    let block = action_block(&mut client).await;
    // (settings, (summary, path) of each error)
    let cases: Vec<(Val, Vec<(&str, &str)>)> = vec![
        (Val::map([("name", Val::str("prod"))]), vec![]),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("paths", Val::strs(&["alarm", "event"])),
                ("region", Val::str("us-east-1")),
                ("account_id", Val::str("111122223333")),
            ]),
            vec![],
        ),
        (
            // Unknown until apply: nothing to judge yet.
            Val::map([("name", Val::Unknown), ("paths", Val::Unknown)]),
            vec![],
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("paths", Val::strs(&["alarm", "sms"])),
            ]),
            vec![("Unknown alert path", "paths[1]")],
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("paths", Val::strs(&["event", "event"])),
            ]),
            vec![("Alert path listed twice", "paths[1]")],
        ),
        (
            Val::map([("name", Val::str("prod")), ("paths", Val::strs(&[]))]),
            vec![("No alert path to test", "paths")],
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("account_id", Val::str("12345")),
            ]),
            vec![("Invalid account ID", "account_id")],
        ),
    ];
    for (settings, expected) in cases {
        let config = config_object(&block, &settings).expect("action config");
        let diagnostics = client
            .validate_action_config(ACTION, &config)
            .await
            .expect("ValidateActionConfig");
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(s, p)| (s.to_owned(), p.to_owned()))
            .collect();
        assert_eq!(
            error_sites(&diagnostics),
            expected,
            "{settings:?}: {}",
            describe(&diagnostics)
        );
    }
}

#[tokio::test]
async fn plan_action_holds_the_action_to_the_providers_region() {
    let (mut client, block) = configured().await;
    // (settings, (summary, path) of each error, text the detail must hold)
    type Case<'a> = (Val, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (Val::map([("name", Val::str("prod"))]), vec![], ""),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("region", Val::str("us-east-1")),
            ]),
            vec![],
            "",
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("region", Val::str("eu-west-1")),
            ]),
            vec![("Pipeline in another region", "region")],
            "configured for region \"us-east-1\"",
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("paths", Val::strs(&["alarms"])),
            ]),
            vec![("Unknown alert path", "paths[0]")],
            "write one of \"alarm\", \"event\"",
        ),
    ];
    for (settings, expected, detail) in cases {
        let config = config_object(&block, &settings).expect("action config");
        let diagnostics = client
            .plan_action(ACTION, &config)
            .await
            .expect("PlanAction");
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(s, p)| (s.to_owned(), p.to_owned()))
            .collect();
        assert_eq!(
            error_sites(&diagnostics),
            expected,
            "{settings:?}: {}",
            describe(&diagnostics)
        );
        assert!(
            errors(&diagnostics)
                .iter()
                .all(|d| d.detail.contains(detail)),
            "{settings:?}: {}",
            describe(&diagnostics)
        );
    }
}

#[tokio::test]
async fn invoke_action_completes_with_the_error_when_aws_cannot_be_reached() {
    let (mut client, block) = configured().await;
    // (settings, summary of the one error, text its detail must hold)
    let cases: Vec<(Val, &str, &str)> = vec![
        (
            // The pipeline is looked up by name: STS is asked for the account.
            Val::map([("name", Val::str("prod"))]),
            "account identity: GetCallerIdentity failed",
            "",
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("region", Val::str("eu-west-1")),
            ]),
            "Pipeline in another region",
            "configured for region \"us-east-1\"",
        ),
    ];
    for (settings, summary, detail) in cases {
        let config = config_object(&block, &settings).expect("action config");
        let (progress, completed) = client
            .invoke_action(ACTION, &config)
            .await
            .expect("InvokeAction");
        let diagnostics = completed.expect("the stream ends with a Completed event");
        assert_eq!(progress, Vec::<String>::new(), "nothing was tested");
        let found: Vec<&str> = errors(&diagnostics)
            .iter()
            .map(|d| d.summary.as_str())
            .collect();
        assert_eq!(found, [summary], "{settings:?}: {}", describe(&diagnostics));
        assert!(
            diagnostics[0].detail.contains(detail),
            "{}",
            describe(&diagnostics)
        );
    }
}

#[tokio::test]
async fn an_unknown_action_is_an_error_not_a_crash() {
    let (mut client, block) = configured().await;
    let config = config_object(&block, &Val::map([("name", Val::str("prod"))])).expect("config");
    let (progress, completed) = client
        .invoke_action("secretmonitor_no_such_action", &config)
        .await
        .expect("InvokeAction");
    assert!(progress.is_empty());
    let diagnostics = completed.expect("a Completed event");
    assert_eq!(
        error_sites(&diagnostics),
        [(
            "Could not find action `secretmonitor_no_such_action` in provider".to_owned(),
            String::new()
        )],
        "{}",
        describe(&diagnostics)
    );
}
