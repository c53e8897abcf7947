use std::future::Future;
use std::time::Duration;

use super::AwsError;

/// How long to keep retrying an error that AWS documents as transient while a
/// freshly created IAM role or key policy propagates.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub initial_delay: Duration,
    pub max_delay: Duration,
    pub give_up_after: Duration,
}

impl RetryPolicy {
    /// CloudTrail rejects a role or policy for a few seconds after IAM, KMS or S3
    /// accepted it; AWS advises retrying for up to two minutes.
    pub const PROPAGATION: RetryPolicy = RetryPolicy {
        initial_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(10),
        give_up_after: Duration::from_secs(120),
    };
}

/// Runs `call` until it succeeds, fails with an error `retryable` rejects, or
/// the policy's time is up (then the last error is returned).
pub async fn retry_while<T, F, Fut>(
    policy: RetryPolicy,
    retryable: impl Fn(&AwsError) -> bool,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let started = tokio::time::Instant::now();
    let mut delay = policy.initial_delay;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if retryable(&err) && started.elapsed() + delay < policy.give_up_after => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max_delay);
            }
            Err(err) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Component;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn propagation_error() -> AwsError {
        AwsError {
            code: Some("InvalidCloudWatchLogsRoleArnException".into()),
            ..AwsError::new(Component::Trail, "CreateTrail", "t", "role not ready")
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_success() {
        let calls = AtomicU32::new(0);
        let result = retry_while(
            RetryPolicy::PROPAGATION,
            |_| true,
            || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                    Err(propagation_error())
                } else {
                    Ok(7)
                }
            },
        )
        .await;
        assert_eq!(result.ok(), Some(7));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_policy_window() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry_while(
            RetryPolicy::PROPAGATION,
            |_| true,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(propagation_error())
            },
        )
        .await;
        assert!(result.is_err());
        let made = calls.load(Ordering::SeqCst);
        assert!((5..40).contains(&made), "made {made} calls");
    }

    #[tokio::test(start_paused = true)]
    async fn non_retryable_errors_return_at_once() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry_while(
            RetryPolicy::PROPAGATION,
            |_| false,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(propagation_error())
            },
        )
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
