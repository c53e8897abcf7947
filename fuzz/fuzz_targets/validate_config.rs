//! Arbitrary pipeline configurations through the validator and the pattern
//! generator. Properties:
//! - `validate` never panics, on a configuration or on its planned state
//!   (defaults written in, as the resource re-validates at apply), and every
//!   finding has a path, a summary and a detail;
//! - `generate` and `fitting_entries` never panic; a generated pattern parses
//!   with our own parser and is at most `MAX_PATTERN_LEN` characters;
//! - the validator is complete: a configuration it accepts, with every value
//!   known, always yields a pattern.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use secretmonitor::pattern::{self, MAX_PATTERN_LEN};
use secretmonitor::terraform::desired::Desired;
use secretmonitor::terraform::diagnostics::Severity;
use secretmonitor::terraform::plan;
use secretmonitor::terraform::state::{
    AlarmBlock, ArchiveBlock, KmsBlock, LogGroupBlock, NotificationBlock,
    PipelineState, StrList, StrMap, TimeoutsBlock, TrailBlock,
};
use secretmonitor::terraform::validate::validate;
use tf_provider::value::Value;

/// Terraform's three states of a value.
#[derive(Arbitrary, Debug)]
enum V<T> {
    Null,
    Unknown,
    Known(T),
}

impl<T> V<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        match self {
            V::Null => Value::Null,
            V::Unknown => Value::Unknown,
            V::Known(v) => Value::Value(f(v)),
        }
    }
}

fn same<T>(v: V<T>) -> Value<T> {
    v.map(|v| v)
}

fn list(v: V<Vec<V<String>>>) -> StrList {
    v.map(|items| items.into_iter().map(same).collect())
}

fn map(v: V<Vec<(String, V<String>)>>) -> StrMap {
    v.map(|items| items.into_iter().map(|(k, v)| (k, same(v))).collect())
}

#[derive(Arbitrary, Debug)]
struct Config {
    name: V<String>,
    secrets: V<Vec<V<String>>>,
    allowed_principals: V<Vec<V<String>>>,
    watched_events: V<Vec<V<String>>>,
    alert_on_denied: V<bool>,
    tags: V<Vec<(String, V<String>)>>,
    trail: V<(V<bool>, V<String>, V<bool>, V<bool>, V<bool>)>,
    retention_days: V<i64>,
    archive: V<(V<String>, V<i64>, V<i64>, V<bool>)>,
    alarm: V<(V<String>, V<String>, V<i64>, V<i64>, V<i64>)>,
    notification: V<(V<Vec<V<String>>>, V<Vec<V<String>>>, V<Vec<V<String>>>)>,
    kms: V<(V<String>, V<i64>)>,
    timeouts: V<(V<String>, V<String>, V<String>)>,
}

impl Config {
    fn state(self) -> PipelineState {
        PipelineState {
            name: same(self.name),
            secrets: list(self.secrets),
            allowed_principals: list(self.allowed_principals),
            watched_events: list(self.watched_events),
            alert_on_denied: same(self.alert_on_denied),
            tags: map(self.tags),
            trail: self.trail.map(|(c, g, m, o, l)| TrailBlock {
                create: same(c),
                existing_log_group_name: same(g),
                multi_region: same(m),
                organization: same(o),
                log_file_validation: same(l),
            }),
            log_group: Value::Value(LogGroupBlock {
                retention_days: same(self.retention_days),
            }),
            archive: self.archive.map(|(b, t, e, f)| ArchiveBlock {
                bucket_name: same(b),
                transition_to_glacier_after_days: same(t),
                expire_after_days: same(e),
                force_destroy: same(f),
            }),
            alarm: self.alarm.map(|(n, m, t, p, e)| AlarmBlock {
                namespace: same(n),
                metric_name: same(m),
                threshold: same(t),
                period_seconds: same(p),
                evaluation_periods: same(e),
            }),
            notification: self.notification.map(|(e, q, h)| NotificationBlock {
                emails: list(e),
                sqs_queue_arns: list(q),
                https_endpoints: list(h),
            }),
            kms: self.kms.map(|(k, d)| KmsBlock {
                key_arn: same(k),
                deletion_window_days: same(d),
            }),
            timeouts: self.timeouts.map(|(c, u, d)| TimeoutsBlock {
                create: same(c),
                update: same(u),
                delete: same(d),
            }),
            ..Default::default()
        }
    }
}

fuzz_target!(|config: Config| {
    let config = config.state();
    let findings = validate(&config);
    for f in &findings {
        assert!(
            !f.path.is_empty() && !f.summary.is_empty() && !f.detail.is_empty(),
            "{f:?}"
        );
    }
    let planned = plan::planned(&config, None, &BTreeMap::new(), Some("us-east-1"));
    let _ = validate(&planned);

    // The lists as the pipeline would use them, defaults applied: the same
    // value the validator measures the pattern of.
    let Some(lists) = Desired::of(&config).pattern_lists() else {
        return;
    };
    let input = lists.input();
    let generated = pattern::generate(&input);
    if let Ok(p) = &generated {
        let text = p.text();
        assert!(
            text.chars().count() <= MAX_PATTERN_LEN,
            "{} characters",
            text.len()
        );
        if let Err(err) = pattern::parse(&text) {
            panic!("generated pattern does not parse: {err:?}\n{text}");
        }
    }
    let _ = pattern::fitting_entries(&input);
    // Completeness: the validator accepted every list, so the generator must too.
    let list_error = findings.iter().any(|f| {
        f.severity == Severity::Error
            && matches!(
                f.path.first(),
                Some(secretmonitor::terraform::diagnostics::PathStep::Attribute(
                    "secrets" | "allowed_principals" | "watched_events"
                ))
            )
    });
    let lists_clean = [
        &config.secrets,
        &config.allowed_principals,
        &config.watched_events,
    ]
    .iter()
    .all(|l| match l {
        Value::Value(items) => items.iter().all(|i| i.is_value()),
        _ => true,
    });
    if !list_error && lists_clean {
        assert!(
            generated.is_ok(),
            "validator accepted {input:?} but generate failed: {generated:?}"
        );
    }
});
