//! Which endpoint answered a call, so that an error that is not an AWS
//! answer can name the server that gave it.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// The scheme and host a response came from, noted on the response by
/// [`NoteEndpoint`] so that an error can say which endpoint answered.
#[derive(Debug, Clone)]
pub struct AnsweredBy(pub String);

impl Storable for AnsweredBy {
    type Storer = StoreReplace<Self>;
}

/// Notes on each response the endpoint its request went to: scheme and host
/// only, never a path, a query or a header.
#[derive(Debug)]
pub struct NoteEndpoint;

impl Intercept for NoteEndpoint {
    fn name(&self) -> &'static str {
        "NoteEndpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let endpoint = scheme_and_host(context.request().uri()).to_owned();
        cfg.interceptor_state().store_put(AnsweredBy(endpoint));
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(endpoint) = cfg.load::<AnsweredBy>() {
            context.response_mut().add_extension(endpoint.clone());
        }
        Ok(())
    }
}

/// `https://logs.eu-west-1.amazonaws.com` of `https://logs.eu-west-1.amazonaws.com/path?query`.
fn scheme_and_host(uri: &str) -> &str {
    let host_start = uri.find("://").map_or(0, |scheme_end| scheme_end + 3);
    let host_end = uri[host_start..]
        .find(['/', '?'])
        .map_or(uri.len(), |end| host_start + end);
    &uri[..host_end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_noted_is_scheme_and_host() {
        let cases = [
            (
                "https://logs.eu-west-1.amazonaws.com/",
                "https://logs.eu-west-1.amazonaws.com",
            ),
            (
                "http://localhost:4566/bucket?versions",
                "http://localhost:4566",
            ),
            ("http://localhost:4566?Action=x", "http://localhost:4566"),
            ("http://aws.fake", "http://aws.fake"),
        ];
        for (uri, endpoint) in cases {
            assert_eq!(scheme_and_host(uri), endpoint, "{uri}");
        }
    }
}
