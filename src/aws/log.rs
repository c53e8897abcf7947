//! Provider logging in Terraform's convention: with `TF_LOG_PROVIDER` (or
//! `TF_LOG`) at `debug` or `trace`, one JSON line per AWS call goes to stderr
//! in the shape go-plugin's hclog reads (`@level`, `@message`, fields), so it
//! shows in Terraform's log with the component and operation as fields.
//!
//! Only the service, operation, component, HTTP status, AWS error code and
//! duration are ever written: never a request, a header or a credential.

use std::io::Write;
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

tokio::task_local! {
    /// The pipeline component whose step is running, set by the engine.
    pub static COMPONENT: &'static str;
}

/// `work`, with its AWS calls logged under `component`.
pub fn logged<F: std::future::Future>(
    component: super::Component,
    work: F,
) -> tokio::task::futures::TaskLocalFuture<&'static str, F> {
    COMPONENT.scope(component.label(), work)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        match text.trim().to_ascii_lowercase().as_str() {
            "trace" | "json" => Some(Level::Trace),
            "debug" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// The threshold Terraform's variables ask for: `TF_LOG_PROVIDER` wins over
/// `TF_LOG`; unset or unknown means no logging.
pub fn threshold_from(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> Option<Level> {
    tf_log_provider
        .filter(|v| !v.trim().is_empty())
        .or(tf_log)
        .and_then(Level::parse)
}

fn threshold() -> Option<Level> {
    static THRESHOLD: std::sync::OnceLock<Option<Level>> = std::sync::OnceLock::new();
    *THRESHOLD.get_or_init(|| {
        threshold_from(
            std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
            std::env::var("TF_LOG").ok().as_deref(),
        )
    })
}

/// One log line as hclog reads it.
pub fn line(level: Level, message: &str, fields: &[(&str, String)]) -> String {
    let mut object = serde_json::Map::new();
    object.insert("@level".into(), level.name().into());
    object.insert("@message".into(), message.into());
    object.insert("@module".into(), "secretmonitor".into());
    if let Some(timestamp) = timestamp(std::time::SystemTime::now()) {
        object.insert("@timestamp".into(), timestamp.into());
    }
    for (key, value) in fields {
        object.insert((*key).into(), value.clone().into());
    }
    serde_json::Value::Object(object).to_string()
}

/// hclog parses `@timestamp` only with exactly six fractional digits; any
/// other form makes it log the whole line as unparsed text.
fn timestamp(now: std::time::SystemTime) -> Option<String> {
    let since_epoch = now.duration_since(std::time::UNIX_EPOCH).ok()?;
    let seconds = i64::try_from(since_epoch.as_secs()).ok()?;
    let whole = aws_smithy_types::DateTime::from_secs(seconds)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .ok()?;
    let micros = since_epoch.subsec_micros();
    Some(format!("{}.{micros:06}Z", whole.strip_suffix('Z')?))
}

/// Whether a line at `level` is written at all.
fn enabled(level: Level) -> bool {
    threshold().is_some_and(|t| level >= t)
}

pub fn emit(level: Level, message: &str, fields: &[(&str, String)]) {
    if enabled(level) {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{}", line(level, message, fields));
    }
}

/// When the call started, kept in the call's own config bag.
#[derive(Debug, Clone)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// Logs every AWS call of a client as it finishes.
#[derive(Debug, Default)]
pub struct LogCalls;

impl Intercept for LogCalls {
    fn name(&self) -> &'static str {
        "secretmonitor-log-calls"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if threshold().is_some() {
            cfg.interceptor_state().store_put(Started(Instant::now()));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let failed = matches!(context.output_or_error(), Some(Err(_)));
        let level = if failed { Level::Warn } else { Level::Debug };
        // Nothing is built for a line the threshold would drop.
        if !enabled(level) {
            return Ok(());
        }
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_owned(), m.name().to_owned()))
            .unwrap_or_default();
        // Every call of apply, refresh, destroy and verification runs in a
        // component's scope; anything else is the provider's own.
        let component = COMPONENT.try_with(|c| *c).unwrap_or("provider");
        let mut fields = vec![
            ("component", component.to_owned()),
            ("service", service),
            ("operation", operation),
        ];
        if let Some(started) = cfg.load::<Started>() {
            fields.push(("duration_ms", started.0.elapsed().as_millis().to_string()));
        }
        if let Some(response) = context.response() {
            fields.push(("status", response.status().as_u16().to_string()));
        }
        if failed {
            // JSON protocols name the error in a header; the others only in
            // the body, which is never logged.
            let code = context
                .response()
                .and_then(|r| r.headers().get("x-amzn-errortype"))
                .map(|t| t.split(':').next().unwrap_or(t).to_owned());
            fields.push((
                "error_code",
                code.unwrap_or_else(|| "see status".to_owned()),
            ));
        }
        emit(level, "AWS call", &fields);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_variables_choose_the_threshold() {
        let cases = [
            (None, None, None),
            (None, Some("debug"), Some(Level::Debug)),
            (Some("trace"), Some("error"), Some(Level::Trace)),
            (Some(""), Some("INFO"), Some(Level::Info)),
            (Some("off"), Some("debug"), None),
            (None, Some("json"), Some(Level::Trace)),
        ];
        for (provider, all, expected) in cases {
            assert_eq!(
                threshold_from(provider, all),
                expected,
                "{provider:?} {all:?}"
            );
        }
    }

    #[test]
    fn timestamps_have_the_six_fractional_digits_hclog_needs() {
        use std::time::{Duration, UNIX_EPOCH};
        let cases = [
            (
                Duration::new(1_795_973_153, 390_050_000),
                "2026-11-29T17:25:53.390050Z",
            ),
            (
                Duration::new(1_795_973_153, 0),
                "2026-11-29T17:25:53.000000Z",
            ),
            (Duration::new(0, 1_000), "1970-01-01T00:00:00.000001Z"),
        ];
        for (since_epoch, expected) in cases {
            assert_eq!(
                timestamp(UNIX_EPOCH + since_epoch).as_deref(),
                Some(expected)
            );
        }
    }

    #[test]
    fn lines_are_hclog_json_with_the_fields() {
        let text = line(
            Level::Debug,
            "AWS call",
            &[
                ("component", "CloudTrail trail".into()),
                ("operation", "CreateTrail".into()),
            ],
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["@level"], "debug");
        assert_eq!(parsed["@message"], "AWS call");
        assert_eq!(parsed["component"], "CloudTrail trail");
        assert_eq!(parsed["operation"], "CreateTrail");
    }
}
