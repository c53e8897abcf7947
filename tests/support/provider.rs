//! What every driver of the provider needs first: the provider's and the
//! pipeline's schemas, and a provider configuration.

use super::msgpack::{config_object, Val};
use super::plugin_client::tfplugin6::schema::Block;
use super::plugin_client::{describe, errors, PluginClient};

pub const PIPELINE: &str = "secretmonitor_pipeline";
/// Nothing listens on the discard port: any AWS call would fail at once.
pub const CLOSED_ENDPOINT: &str = "http://127.0.0.1:9";

/// The schema blocks a configuration is built against.
pub struct Schemas {
    pub provider: Block,
    pub pipeline: Block,
}

/// The provider and pipeline schemas, straight from the provider.
pub async fn schemas(client: &mut PluginClient) -> Schemas {
    let response = client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{}",
        describe(&response.diagnostics)
    );
    let provider = response
        .provider
        .and_then(|s| s.block)
        .expect("provider schema");
    let pipeline = response
        .resource_schemas
        .get(PIPELINE)
        .and_then(|s| s.block.clone())
        .expect("pipeline schema");
    Schemas { provider, pipeline }
}

/// A provider configuration with static credentials and every endpoint the
/// schema lists pointed at a closed port.
pub fn offline_provider_config(provider: &Block) -> Val {
    let endpoints = provider
        .block_types
        .iter()
        .find(|b| b.type_name == "endpoints")
        .and_then(|b| b.block.as_ref())
        .expect("the provider schema has an endpoints block");
    let every_endpoint = Val::map(
        endpoints
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), Val::str(CLOSED_ENDPOINT))),
    );
    let settings = Val::map([
        ("region", Val::str("us-east-1")),
        ("access_key", Val::str("test")),
        ("secret_key", Val::str("test")),
        ("endpoints", Val::List(vec![every_endpoint])),
    ]);
    config_object(provider, &settings).expect("provider config")
}
