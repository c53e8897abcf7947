use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

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
/// time is up: the policy's window, or `deadline` (the operation's `timeouts`),
/// whichever comes first. Then the last error is returned. The pause between
/// attempts is the one safe point to stop (no request is in flight), so no
/// sleep starts that would end past the deadline.
pub async fn retry_while<T, F, Fut>(
    policy: RetryPolicy,
    deadline: Instant,
    retryable: impl Fn(&AwsError) -> bool,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let give_up_at = deadline.min(Instant::now() + policy.give_up_after);
    let mut delay = policy.initial_delay;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if retryable(&err) && Instant::now() + delay < give_up_at => {
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

    /// A deadline that never matters.
    fn far_away() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

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
            far_away(),
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
            far_away(),
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
            far_away(),
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

    #[tokio::test(start_paused = true)]
    async fn no_sleep_starts_that_would_end_past_the_deadline() {
        // (seconds to the deadline, calls made: at 0, 0.5, 1.5, 3.5, 7.5, 15.5 s ...;
        // at most 16 within the policy's two minutes)
        let cases = [
            (0.0, 1),
            (0.4, 1),
            (0.6, 2),
            (3.0, 3),
            (8.0, 5),
            (1000.0, 16),
        ];
        for (seconds, expected) in cases {
            let calls = AtomicU32::new(0);
            let started = Instant::now();
            let deadline = started + Duration::from_secs_f64(seconds);
            let result: Result<(), _> = retry_while(
                RetryPolicy::PROPAGATION,
                deadline,
                |_| true,
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(propagation_error())
                },
            )
            .await;
            assert!(result.is_err(), "{seconds} s");
            assert_eq!(calls.load(Ordering::SeqCst), expected, "{seconds} s");
            assert!(
                Instant::now() <= deadline,
                "{seconds} s: slept {:?} past the deadline",
                Instant::now() - deadline
            );
        }
    }
}
