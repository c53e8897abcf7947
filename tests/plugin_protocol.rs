//! The built provider driven over the Terraform plugin protocol (tfplugin6 over
//! gRPC with mutual TLS), the way Terraform drives it: handshake, schema,
//! validation, configuration, plan, shutdown. No AWS call is made: every
//! endpoint points at a closed port.

mod support;

use std::time::Duration;

use support::msgpack::{config_object, Val};
use support::plugin_client::tfplugin6::schema::nested_block::NestingMode;
use support::plugin_client::tfplugin6::schema::{Attribute, Block};
use support::plugin_client::{
    describe, errors, path_string, value_of, ClientIdentity, Connect, PluginClient,
};
use support::provider::{offline_provider_config, schemas, Schemas, PIPELINE};

async fn start() -> PluginClient {
    PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn attribute<'a>(block: &'a Block, name: &str) -> &'a Attribute {
    block
        .attributes
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no attribute {name}"))
}

fn nested<'a>(block: &'a Block, name: &str) -> (&'a Block, NestingMode, i64) {
    let nested = block
        .block_types
        .iter()
        .find(|b| b.type_name == name)
        .unwrap_or_else(|| panic!("no block {name}"));
    (
        nested.block.as_ref().expect("nested block schema"),
        NestingMode::try_from(nested.nesting).expect("known nesting mode"),
        nested.max_items,
    )
}

fn type_json(attribute: &Attribute) -> serde_json::Value {
    serde_json::from_slice(&attribute.r#type).expect("attribute type is JSON")
}

fn good_pipeline_settings() -> Val {
    Val::map([
        ("name", Val::str("grpc-test")),
        ("secrets", Val::strs(&["prod/*"])),
        (
            "allowed_principals",
            Val::strs(&["arn:aws:iam::111122223333:role/app-prod"]),
        ),
        (
            "notification",
            Val::map([("emails", Val::strs(&["secops@example.com"]))]),
        ),
    ])
}

#[tokio::test]
async fn handshake_then_schema_of_provider_and_pipeline() {
    let mut client = start().await;
    let handshake = client.handshake.clone();
    assert_eq!(handshake.core_version, 1, "go-plugin core protocol");
    assert_eq!(handshake.protocol_version, 6, "tfplugin6");
    assert_eq!(handshake.network, "tcp");
    assert!(handshake.address.starts_with("127.0.0.1:"), "{handshake:?}");
    assert_eq!(handshake.protocol, "grpc");
    assert_eq!(
        handshake.server_cert.first(),
        Some(&0x30),
        "DER certificate"
    );

    let Schemas { provider, pipeline } = schemas(&mut client).await;

    let region = attribute(&provider, "region");
    assert!(region.optional && !region.required && !region.computed);
    for block in ["endpoints", "assume_role"] {
        let (_, mode, max_items) = nested(&provider, block);
        assert_eq!((mode, max_items), (NestingMode::List, 1), "{block}");
    }
    let (endpoints, _, _) = nested(&provider, "endpoints");
    for service in [
        "cloudtrail",
        "logs",
        "cloudwatch",
        "sns",
        "s3",
        "kms",
        "iam",
        "sts",
    ] {
        assert!(
            attribute(endpoints, service).optional,
            "endpoints.{service}"
        );
    }
    let (assume_role, _, _) = nested(&provider, "assume_role");
    assert!(attribute(assume_role, "role_arn").required);

    let name = attribute(&pipeline, "name");
    assert!(name.required && !name.optional && !name.computed);
    assert_eq!(type_json(name), serde_json::json!("string"));
    let filter_pattern = attribute(&pipeline, "filter_pattern");
    assert!(filter_pattern.computed && !filter_pattern.optional && !filter_pattern.required);
    assert_eq!(
        type_json(attribute(&pipeline, "allowed_principals")),
        serde_json::json!(["list", "string"])
    );
    assert!(attribute(&pipeline, "trail_arn").computed);
    for block in [
        "trail",
        "log_group",
        "archive",
        "alarm",
        "notification",
        "kms",
        "timeouts",
    ] {
        let (_, mode, _) = nested(&pipeline, block);
        assert_eq!(mode, NestingMode::Group, "{block}");
    }
    let (notification, _, _) = nested(&pipeline, "notification");
    assert!(attribute(notification, "emails").optional);
}

#[tokio::test]
async fn validate_resource_config_points_at_the_bad_attributes() {
    let mut client = start().await;
    let Schemas { pipeline, .. } = schemas(&mut client).await;

    let good = config_object(&pipeline, &good_pipeline_settings()).unwrap();
    let diagnostics = client
        .validate_resource_config(PIPELINE, &good)
        .await
        .expect("ValidateResourceConfig");
    assert!(
        errors(&diagnostics).is_empty(),
        "{}",
        describe(&diagnostics)
    );

    let bad = config_object(
        &pipeline,
        &Val::map([
            ("name", Val::str("Bad_Name")),
            ("allowed_principals", Val::strs(&["not-an-arn"])),
        ]),
    )
    .unwrap();
    let diagnostics = client
        .validate_resource_config(PIPELINE, &bad)
        .await
        .expect("ValidateResourceConfig");
    let paths: Vec<String> = errors(&diagnostics).into_iter().map(path_string).collect();
    for expected in ["name", "allowed_principals[0]"] {
        assert!(
            paths.iter().any(|p| p == expected),
            "no error at {expected}:\n{}",
            describe(&diagnostics)
        );
    }
}

#[tokio::test]
async fn plan_of_a_new_pipeline_makes_no_aws_call() {
    let mut client = start().await;
    let Schemas { provider, pipeline } = schemas(&mut client).await;

    let provider_config = offline_provider_config(&provider);
    let diagnostics = client
        .validate_provider_config(&provider_config)
        .await
        .expect("ValidateProviderConfig");
    assert!(
        errors(&diagnostics).is_empty(),
        "{}",
        describe(&diagnostics)
    );
    let diagnostics = client
        .configure_provider(&provider_config)
        .await
        .expect("ConfigureProvider");
    assert!(
        errors(&diagnostics).is_empty(),
        "{}",
        describe(&diagnostics)
    );

    // A create: no prior state; the proposed state is the configuration
    // (computed attributes null), as Terraform proposes it.
    let config = config_object(&pipeline, &good_pipeline_settings()).unwrap();
    let response = client
        .plan_resource_change(PIPELINE, &Val::Null, &config, &config, Vec::new())
        .await
        .expect("PlanResourceChange");
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{}\n{}",
        describe(&response.diagnostics),
        client.output()
    );
    let planned = value_of(response.planned_state.as_ref()).expect("planned state");

    assert_eq!(planned.get("name"), Some(&Val::str("grpc-test")));
    let pattern = planned
        .get("filter_pattern")
        .and_then(Val::as_str)
        .unwrap_or_else(|| panic!("filter_pattern is not a known string: {planned:?}"));
    assert!(
        pattern.contains("secretsmanager.amazonaws.com"),
        "{pattern}"
    );
    assert!(pattern.contains("prod/"), "{pattern}");
    // The trail does not exist yet: its ARN is only known after apply.
    assert_eq!(planned.get("trail_arn"), Some(&Val::Unknown), "{planned:?}");
}

#[tokio::test]
async fn stop_provider_ends_the_process() {
    let mut client = start().await;
    let error = client.stop_provider().await.expect("StopProvider");
    assert_eq!(error, "");
    let status = client
        .wait_exit(Duration::from_secs(15))
        .await
        .unwrap_or_else(|| panic!("still running after StopProvider\n{}", client.output()));
    assert!(status.success(), "{status:?}\n{}", client.output());
}

#[tokio::test]
async fn dropping_the_client_kills_the_provider() {
    let client = start().await;
    let proc_entry = format!("/proc/{}", client.pid());
    assert!(std::path::Path::new(&proc_entry).exists());
    drop(client);
    // Killed and reaped: the process table has no entry left.
    assert!(!std::path::Path::new(&proc_entry).exists());
}

#[tokio::test]
async fn a_client_certificate_other_than_the_announced_one_is_refused() {
    let trusted = ClientIdentity::generate();
    let stranger = ClientIdentity::generate();
    let refused = match PluginClient::start_presenting(&trusted, &stranger).await {
        Err(_) => true,
        Ok(mut client) => client.get_provider_schema().await.is_err(),
    };
    assert!(
        refused,
        "the provider served a client it was not told to trust"
    );
}

#[tokio::test]
async fn a_client_connecting_as_terraform_does_is_served() {
    // TCP_NODELAY, as Go sets it: the benchmark's connection.
    let terraform_like = Connect { nodelay: true };
    let mut client = PluginClient::start_with(&ClientIdentity::generate(), terraform_like)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let Schemas { pipeline, .. } = schemas(&mut client).await;
    assert!(attribute(&pipeline, "name").required);
    let times = client.start_times;
    assert!(times.handshake_after <= times.connected_after, "{times:?}");
}

#[tokio::test]
async fn an_rpc_of_protocol_6_10_the_provider_does_not_serve_answers_unimplemented() {
    // Ephemeral resources: Terraform asks only for types the schema lists,
    // and this provider lists none; a stray call must get gRPC's answer for
    // "not here", not a hang or a crash.
    let mut client = start().await;
    let status = client
        .validate_ephemeral_resource_config("secretmonitor_pipeline")
        .await
        .expect_err("ephemeral resources are not served");
    assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
    // The provider still serves after it.
    let Schemas { pipeline, .. } = schemas(&mut client).await;
    assert!(attribute(&pipeline, "name").required);
}
