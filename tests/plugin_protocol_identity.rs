//! The provider's resource identity, generated configuration and list
//! resource over the plugin protocol (tfplugin6 6.10), as Terraform 1.15
//! drives them. No AWS call succeeds: every endpoint points at a closed port.

mod support;

use support::msgpack::{config_object, Val};
use support::plugin_client::tfplugin6::schema::Block;
use support::plugin_client::{describe, errors, value_of, PluginClient};
use support::provider::{offline_provider_config, schemas, Schemas, PIPELINE};

/// A provider configured against closed endpoints, with the pipeline's
/// schema. It gives up on the first refused connection (`max_retries = 0`)
/// rather than after the default 25 retries with backoff.
async fn configured() -> (PluginClient, Block) {
    let mut client = PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let Schemas { provider, pipeline } = schemas(&mut client).await;
    let mut config = offline_provider_config(&provider);
    if let Val::Map(settings) = &mut config {
        settings.insert("max_retries".to_owned(), Val::Int(0));
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
    (client, pipeline)
}

fn list_config_block(
    response: &support::plugin_client::tfplugin6::get_provider_schema::Response,
) -> Block {
    response
        .list_resource_schemas
        .get(PIPELINE)
        .and_then(|s| s.block.clone())
        .expect("list resource schema of secretmonitor_pipeline")
}

#[tokio::test]
async fn the_identity_schema_names_account_region_and_name() {
    let mut client = PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let response = client
        .get_resource_identity_schemas()
        .await
        .expect("GetResourceIdentitySchemas");
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{}",
        describe(&response.diagnostics)
    );
    let schema = response
        .identity_schemas
        .get(PIPELINE)
        .expect("identity schema of secretmonitor_pipeline");
    assert_eq!(schema.version, 0);
    let attributes: Vec<(&str, String, bool, bool)> = schema
        .identity_attributes
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                String::from_utf8_lossy(&a.r#type).into_owned(),
                a.required_for_import,
                a.optional_for_import,
            )
        })
        .collect();
    // (name, type, required_for_import, optional_for_import)
    let expected = [
        ("account_id", "\"string\"".to_owned(), false, true),
        ("region", "\"string\"".to_owned(), false, true),
        ("name", "\"string\"".to_owned(), true, false),
    ];
    assert_eq!(attributes, expected);
    assert!(
        schema
            .identity_attributes
            .iter()
            .all(|a| !a.description.is_empty()),
        "every identity attribute is described"
    );
}

#[tokio::test]
async fn the_provider_schema_has_the_list_resource_and_generates_configuration() {
    let mut client = PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let response = client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    let config = list_config_block(&response);
    let prefix = config
        .attributes
        .iter()
        .find(|a| a.name == "name_prefix")
        .expect("name_prefix in the list config");
    assert!(prefix.optional && !prefix.required && !prefix.computed);
    let capabilities = response.server_capabilities.expect("server capabilities");
    assert!(capabilities.generate_resource_config, "{capabilities:?}");
}

#[tokio::test]
async fn the_plan_of_a_new_pipeline_carries_its_identity() {
    let (mut client, pipeline) = configured().await;
    let settings = Val::map([
        ("name", Val::str("grpc-identity")),
        (
            "notification",
            Val::map([("emails", Val::strs(&["secops@example.com"]))]),
        ),
    ]);
    let config = config_object(&pipeline, &settings).expect("config");
    let response = client
        .plan_resource_change(PIPELINE, &Val::Null, &config, &config, Vec::new())
        .await
        .expect("PlanResourceChange");
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{}",
        describe(&response.diagnostics)
    );
    let identity = response
        .planned_identity
        .and_then(|i| i.identity_data)
        .expect("planned identity");
    let identity = value_of(Some(&identity)).expect("identity value");
    assert_eq!(identity.get("name"), Some(&Val::str("grpc-identity")));
    assert_eq!(identity.get("region"), Some(&Val::str("us-east-1")));
    // The account is known after apply only (STS is not asked at plan).
    assert_eq!(identity.get("account_id"), Some(&Val::Unknown));
}

#[tokio::test]
async fn an_identity_of_version_0_passes_through_and_another_is_refused() {
    let mut client = PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stored = r#"{"account_id":"111122223333","region":"us-east-1","name":"prod"}"#;
    let response = client
        .upgrade_resource_identity(PIPELINE, 0, stored)
        .await
        .expect("UpgradeResourceIdentity");
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{}",
        describe(&response.diagnostics)
    );
    let upgraded = response
        .upgraded_identity
        .and_then(|i| i.identity_data)
        .expect("upgraded identity");
    assert_eq!(upgraded.json, stored.as_bytes());

    let response = client
        .upgrade_resource_identity(PIPELINE, 1, stored)
        .await
        .expect("UpgradeResourceIdentity");
    let refused = errors(&response.diagnostics);
    assert!(
        refused
            .iter()
            .any(|d| d.summary.contains("identity version")),
        "{}",
        describe(&response.diagnostics)
    );
}

#[tokio::test]
async fn import_by_an_identity_of_another_account_or_region_is_refused() {
    let (mut client, _) = configured().await;
    // (identity, what the error must name)
    let cases = [
        (
            Val::map([
                ("name", Val::str("prod")),
                ("region", Val::str("eu-west-1")),
            ]),
            vec!["eu-west-1", "us-east-1"],
        ),
        (
            Val::map([
                ("name", Val::str("prod")),
                ("region", Val::str("eu-west-1")),
                ("account_id", Val::str("444455556666")),
            ]),
            vec!["444455556666", "eu-west-1", "us-east-1"],
        ),
    ];
    for (identity, named) in cases {
        let identity = Val::map(
            ["account_id", "region", "name"]
                .into_iter()
                .map(|k| (k, identity.get(k).cloned().unwrap_or(Val::Null))),
        );
        let response = client
            .import_resource_identity(PIPELINE, &identity)
            .await
            .expect("ImportResourceState");
        let refused = errors(&response.diagnostics);
        let text = describe(&response.diagnostics);
        assert!(
            refused
                .iter()
                .any(|d| d.summary.contains("another account or region")),
            "{identity:?}: {text}"
        );
        for name in named {
            assert!(text.contains(name), "{identity:?} names {name}: {text}");
        }
        assert!(response.imported_resources.is_empty(), "{identity:?}");
    }
}

#[tokio::test]
async fn generated_configuration_has_no_computed_attribute_and_no_default() {
    let (mut client, pipeline) = configured().await;
    let state = config_object(
        &pipeline,
        &Val::map([
            ("id", Val::str("prod")),
            ("name", Val::str("prod")),
            ("account_id", Val::str("111122223333")),
            ("region", Val::str("us-east-1")),
            (
                "alarm_arn",
                Val::str("arn:aws:cloudwatch:us-east-1:111122223333:alarm:prod-secret-access"),
            ),
            ("tags_all", Val::map([])),
            // At its default, and not.
            ("alert_on_denied", Val::Bool(true)),
            ("fast_alerts", Val::Bool(false)),
            ("log_group", Val::map([("retention_days", Val::Int(365))])),
            ("archive", Val::map([("force_destroy", Val::Bool(true))])),
            (
                "notification",
                Val::map([("emails", Val::strs(&["secops@example.com"]))]),
            ),
        ]),
    )
    .expect("state");
    let response = client
        .generate_resource_config(PIPELINE, &state)
        .await
        .expect("GenerateResourceConfig");
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{}",
        describe(&response.diagnostics)
    );
    let config = value_of(response.config.as_ref()).expect("generated config");
    let computed: Vec<&str> = pipeline
        .attributes
        .iter()
        .filter(|a| a.computed && !a.optional)
        .map(|a| a.name.as_str())
        .collect();
    assert!(computed.contains(&"account_id"), "{computed:?}");
    for name in computed {
        assert_eq!(
            config.get(name),
            Some(&Val::Null),
            "computed {name}: {config:?}"
        );
    }
    // (attribute or block, what the configuration writes)
    let expected = [
        ("name", Val::str("prod")),
        ("alert_on_denied", Val::Null),
        ("fast_alerts", Val::Bool(false)),
        ("log_group", Val::Null),
    ];
    for (name, value) in expected {
        assert_eq!(config.get(name), Some(&value), "{name}: {config:?}");
    }
    let archive = config.get("archive").expect("archive block");
    assert_eq!(archive.get("force_destroy"), Some(&Val::Bool(true)));
    assert_eq!(archive.get("expire_after_days"), Some(&Val::Null));
    let notification = config.get("notification").expect("notification block");
    assert_eq!(
        notification.get("emails"),
        Some(&Val::strs(&["secops@example.com"]))
    );
}

#[tokio::test]
async fn the_list_config_is_validated() {
    let mut client = PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let response = client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    let block = list_config_block(&response);
    // (name_prefix, accepted)
    let cases = [
        (Val::Null, true),
        (Val::str("prod-"), true),
        (Val::str("Prod_"), false),
        (Val::str("-prod"), false),
    ];
    for (prefix, accepted) in cases {
        let config = config_object(&block, &Val::map([("name_prefix", prefix.clone())]))
            .expect("list config");
        let diagnostics = client
            .validate_list_resource_config(PIPELINE, &config)
            .await
            .expect("ValidateListResourceConfig");
        assert_eq!(
            errors(&diagnostics).is_empty(),
            accepted,
            "{prefix:?}: {}",
            describe(&diagnostics)
        );
    }
}

#[tokio::test]
async fn a_listing_against_unreachable_aws_ends_with_an_error() {
    let (mut client, _) = configured().await;
    let response = client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    let config = config_object(&list_config_block(&response), &Val::Null).expect("list config");
    let events = client
        .list_resource(PIPELINE, &config, true, 100)
        .await
        .expect("ListResource stream");
    let last = events.last().expect("at least one event");
    assert!(
        events.iter().all(|e| e.display_name.is_empty()),
        "nothing listed: {events:?}"
    );
    let failed = errors(&last.diagnostic);
    assert!(!failed.is_empty(), "{events:?}");
    assert!(
        describe(&last.diagnostic).contains("GetResources")
            || describe(&last.diagnostic).contains("DescribeLogGroups")
            || describe(&last.diagnostic).contains("ListDashboards"),
        "the error names a listing call: {}",
        describe(&last.diagnostic)
    );
}
