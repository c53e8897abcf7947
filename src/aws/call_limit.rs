//! At most N AWS calls in flight across every client of a provider, whatever
//! the engine and the components ask for. Off unless set: it exists for the
//! benchmark's baseline (`SECRETMONITOR_MAX_PARALLEL_CALLS=1`, the same engine
//! forced to make one call at a time) and as a brake for accounts with tight
//! API rate limits.

use std::sync::Arc;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::sync::Semaphore;

/// Names the limit in the provider's environment; unset or 0 means none.
pub const MAX_PARALLEL_CALLS_ENV: &str = "SECRETMONITOR_MAX_PARALLEL_CALLS";

/// `inner`, letting at most `limit` (at least 1) requests (each attempt of a call) through
/// at once. A request waits for a permit before it is sent, so time spent
/// waiting is not charged to the connect or read timeouts.
pub fn limited(inner: SharedHttpClient, limit: usize) -> SharedHttpClient {
    SharedHttpClient::new(CallLimit {
        inner,
        permits: Arc::new(Semaphore::new(limit.max(1))),
    })
}

#[derive(Debug)]
struct CallLimit {
    inner: SharedHttpClient,
    permits: Arc<Semaphore>,
}

impl HttpClient for CallLimit {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            inner: self.inner.http_connector(settings, components),
            permits: self.permits.clone(),
        })
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    permits: Arc<Semaphore>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let permits = self.permits.clone();
        HttpConnectorFuture::new(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .map_err(|closed| ConnectorError::other(Box::new(closed), None))?;
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_types::body::SdkBody;

    /// Counts how many calls are in flight at once; each takes 10 ms.
    #[derive(Debug, Default, Clone)]
    struct Slow {
        in_flight: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
    }

    impl HttpConnector for Slow {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            let in_flight = self.in_flight.clone();
            let most = self.most.clone();
            HttpConnectorFuture::new(async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(HttpResponse::new(
                    200.try_into().expect("status"),
                    SdkBody::empty(),
                ))
            })
        }
    }

    async fn most_in_flight(limit: Option<usize>) -> usize {
        let slow = Slow::default();
        let most = slow.most.clone();
        let inner = SharedHttpConnector::new(slow);
        let connector = match limit {
            Some(limit) => SharedHttpConnector::new(LimitedConnector {
                inner,
                permits: Arc::new(Semaphore::new(limit)),
            }),
            None => inner,
        };
        let calls = (0..6).map(|_| connector.call(HttpRequest::empty()));
        for result in futures::future::join_all(calls).await {
            result.expect("call");
        }
        most.load(Ordering::SeqCst)
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_caps_calls_in_flight() {
        for (limit, expected) in [(None, 6), (Some(1), 1), (Some(2), 2)] {
            assert_eq!(most_in_flight(limit).await, expected, "limit {limit:?}");
        }
    }
}
