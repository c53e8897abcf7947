use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::components::Component;

/// An AWS call that failed, with enough context for an operator to act on it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{component}: {operation} on {resource} failed: {message}")]
pub struct AwsError {
    pub component: Component,
    pub operation: &'static str,
    pub resource: String,
    /// The AWS error code, when AWS answered with one.
    pub code: Option<String>,
    pub message: String,
}

/// Error codes by which the services we use say "this does not exist".
/// Finders turn them into `Ok(None)` so callers deal with one shape of absence.
const NOT_FOUND_CODES: &[&str] = &[
    "NotFoundException",
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchLifecycleConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NotFound",
    "TrailNotFoundException",
    "CloudTrailARNInvalidException",
    "InvalidTrailNameException",
    "ResourceNotFound",
];

impl AwsError {
    pub fn new(
        component: Component,
        operation: &'static str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            component,
            operation,
            resource: resource.into(),
            code: None,
            message: message.into(),
        }
    }

    pub fn from_sdk<E, R>(
        component: Component,
        operation: &'static str,
        resource: impl Into<String>,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => DisplayErrorContext(&err).to_string(),
        };
        Self {
            component,
            operation,
            resource: resource.into(),
            code,
            message,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| NOT_FOUND_CODES.contains(&code))
    }

    pub fn has_code(&self, wanted: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| wanted.contains(&code))
    }
}

/// "Does not exist" as a value rather than an error: the one shape of absence
/// callers deal with, as terraform-provider-aws's finders return it.
pub trait Absence<T> {
    /// `Ok(None)` when AWS said the resource does not exist.
    fn found(self) -> Result<Option<T>, AwsError>;
    /// For deletes: a resource that is already gone counts as deleted.
    fn or_gone(self) -> Result<(), AwsError>;
}

impl<T> Absence<T> for Result<T, AwsError> {
    fn found(self) -> Result<Option<T>, AwsError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn or_gone(self) -> Result<(), AwsError> {
        self.found().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(code: &str) -> Result<u8, AwsError> {
        let mut err = AwsError::new(Component::Trail, "GetTrail", "t", "failed");
        err.code = Some(code.to_owned());
        Err(err)
    }

    #[test]
    fn absence_is_a_value_and_every_other_failure_stays_an_error() {
        // (result, found() when it succeeds, whether or_gone() succeeds)
        let cases = [
            (Ok::<u8, AwsError>(7), Some(Some(7)), true),
            (failed("TrailNotFoundException"), Some(None), true),
            (failed("NoSuchEntity"), Some(None), true),
            (failed("AccessDeniedException"), None, false),
        ];
        for (result, found, gone) in cases {
            assert_eq!(result.clone().found().ok(), found, "{result:?}");
            assert_eq!(result.clone().or_gone().is_ok(), gone, "{result:?}");
        }
    }
}
