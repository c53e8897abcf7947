use aws_smithy_runtime_api::client::result::SdkError;
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

    pub fn from_sdk<E>(
        component: Component,
        operation: &'static str,
        resource: impl Into<String>,
        err: SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => not_an_aws_answer(&err),
        };
        Self {
            component,
            operation,
            resource: resource.into(),
            code,
            message,
        }
    }

    pub fn has_code(&self, wanted: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| wanted.contains(&code))
    }
}

/// What went wrong when AWS gave no error code: an answer that is not an AWS
/// API response (a wrong endpoint's web page, a proxy's error), or no answer
/// at all. One line, without the SDK's debug dump of the response.
fn not_an_aws_answer<E>(
    err: &SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String
where
    E: std::error::Error + 'static,
{
    let Some(raw) = err.raw_response() else {
        return causes(err);
    };
    let content_type = raw
        .headers()
        .get("content-type")
        .unwrap_or("no content type");
    let endpoint = match raw.extension::<super::endpoint::AnsweredBy>() {
        Some(super::endpoint::AnsweredBy(endpoint)) => format!("the endpoint {endpoint}"),
        None => "the endpoint".to_owned(),
    };
    format!(
        "{endpoint} answered HTTP {} {content_type}, not an AWS API response: check the provider's endpoints block and AWS_ENDPOINT_URL",
        raw.status().as_u16()
    )
}

/// `err` and each of its sources on one line ("dispatch failure: io error:
/// ... connection refused"); a source whose text is already there is skipped.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ").replace('\n', " ")
}

/// "Does not exist" as a value rather than an error: the one shape of absence
/// callers deal with, as terraform-provider-aws's finders return it. Each call
/// site names the codes by which its own call says so (from
/// [`super::codes`]): one call's "not found" is another's "malformed request".
pub trait Absence<T> {
    /// `Ok(None)` when AWS answered with one of `absent`.
    fn found_if(self, absent: &[&str]) -> Result<Option<T>, AwsError>;
    /// For deletes: a resource AWS says is gone (one of `absent`) counts as deleted.
    fn gone_if(self, absent: &[&str]) -> Result<(), AwsError>;
}

impl<T> Absence<T> for Result<T, AwsError> {
    fn found_if(self, absent: &[&str]) -> Result<Option<T>, AwsError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.has_code(absent) => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn gone_if(self, absent: &[&str]) -> Result<(), AwsError> {
        self.found_if(absent).map(|_| ())
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
    fn absence_is_only_what_the_call_site_names() {
        let absent = &[super::super::codes::cloudtrail::TRAIL_NOT_FOUND];
        // (result, found_if() when it succeeds, whether gone_if() succeeds)
        let cases = [
            (Ok::<u8, AwsError>(7), Some(Some(7)), true),
            (failed("TrailNotFoundException"), Some(None), true),
            // IAM's "not found", and CloudTrail's "malformed": not this call's absence.
            (failed("NoSuchEntity"), None, false),
            (failed("InvalidTrailNameException"), None, false),
            (failed("AccessDeniedException"), None, false),
        ];
        for (result, found, gone) in cases {
            assert_eq!(result.clone().found_if(absent).ok(), found, "{result:?}");
            assert_eq!(result.clone().gone_if(absent).is_ok(), gone, "{result:?}");
        }
    }

    #[test]
    fn causes_are_one_line_without_repeats() {
        #[derive(Debug, thiserror::Error)]
        #[error("dispatch failure")]
        struct Dispatch(#[source] Io);
        #[derive(Debug, thiserror::Error)]
        #[error("io error")]
        struct Io(#[source] Refused);
        #[derive(Debug, thiserror::Error)]
        #[error("connection refused\n(os error 111)")]
        struct Refused;
        assert_eq!(
            causes(&Dispatch(Io(Refused))),
            "dispatch failure: io error: connection refused (os error 111)"
        );
    }
}
