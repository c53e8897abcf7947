//! Test notifications through each alert path, for `verify_on_apply` (after
//! an apply, recorded in the state) and for the `secretmonitor_test_alert`
//! action (on demand, streamed as progress): a working pipeline seen in the
//! owner's inbox instead of trusted.
//!
//! - Alarm path: the alarm's SNS action must name a topic that exists, then
//!   SetAlarmState to ALARM (the reason is the label), wait for the alarm
//!   history to report the SNS action, then back to OK, always.
//! - Per-event path: a synthetic unauthorised read, chosen with the
//!   provider's own evaluator, is put to EventBridge's TestEventPattern so
//!   that AWS's engine confirms each stored rule pattern on its way fires on
//!   it; then a labelled test message in the per-event format is published
//!   to the topic and SNS's message ID recorded. (A real event cannot be
//!   injected: the rule only takes `aws.secretsmanager` events, a source
//!   PutEvents refuses.) The read is chosen from the configuration
//!   ([`notified_read`]) after an apply, or from the rules as stored in AWS
//!   ([`stored_route`]) when only the pipeline's name is known.
//!
//! Each path reports what it does through a [`Progress`] sink and ends in a
//! sentence for the record, or the failed AWS call and its error.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{HistoryItemType, StateValue};
use aws_smithy_types::date_time::{DateTime, Format};

use futures::FutureExt;

use crate::aws::{log, AwsError, Clients, Component};
use crate::components::event_rule::{wanted_reads, Bus, ReadRule};
use crate::components::{Named, Names, PipelineSpec};
use crate::pattern::event::{
    EventPattern, Matcher, Node, CLOUDTRAIL_DETAIL_TYPE, SECRETS_MANAGER_SOURCE,
};
use crate::pattern::{parse_secret, SecretScope, SECRETS_MANAGER_EVENT_SOURCE};

mod alarm;
mod event;

pub use alarm::alarm_path;
pub use event::{event_path, notified_read, stored_route, unauthorised_read};
/// Who sent a test notification; its label says so, and that no secret was
/// read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    VerifyOnApply,
    TestAlertAction,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::VerifyOnApply => "TEST NOTIFICATION from verify_on_apply: no secret was read",
            Origin::TestAlertAction => {
                "TEST NOTIFICATION from the secretmonitor_test_alert action: no secret was read"
            }
        }
    }

    fn finished(self) -> &'static str {
        match self {
            Origin::VerifyOnApply => "verify_on_apply finished",
            Origin::TestAlertAction => "secretmonitor_test_alert finished",
        }
    }
}

/// One way an alert reaches the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertPath {
    /// The metric filter's alarm and its SNS action.
    Alarm,
    /// The EventBridge read rules that publish each read.
    Event,
}

impl AlertPath {
    pub const ALL: [AlertPath; 2] = [AlertPath::Alarm, AlertPath::Event];

    /// How a configuration names the path.
    pub fn keyword(self) -> &'static str {
        match self {
            AlertPath::Alarm => "alarm",
            AlertPath::Event => "event",
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|path| path.keyword() == keyword)
    }

    /// How a sentence names the path.
    pub fn title(self) -> &'static str {
        match self {
            AlertPath::Alarm => "alarm path",
            AlertPath::Event => "per-event path",
        }
    }

    fn component(self) -> Component {
        match self {
            AlertPath::Alarm => Component::Alarm,
            AlertPath::Event => Component::EventRules,
        }
    }
}

/// Where each step of a test is told, as it happens.
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// For callers that only want the outcome.
pub fn no_progress(_: String) {}

/// How long the alarm history is watched for the SNS action's result.
pub const ACTION_WAIT: Duration = Duration::from_secs(10);

/// The most a path may take, retries included: a verification must never
/// hold an apply that has already succeeded, nor an action its run.
pub const PATH_TIMEOUT: Duration = Duration::from_secs(60);

/// Granted to the alarm's reset beyond the path's deadline: a test must not
/// leave the alarm raised because it ran out of time.
const RESET_TIMEOUT: Duration = Duration::from_secs(15);

fn timed_out(within: Duration) -> String {
    format!("no answer within {} s", within.as_secs())
}

async fn until<T>(
    deadline: tokio::time::Instant,
    step: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout_at(deadline, step)
        .await
        .unwrap_or_else(|_| Err(timed_out(PATH_TIMEOUT)))
}

/// Keys of `last_verification`.
pub mod keys {
    pub const TIME: &str = "time";
    pub const ALARM_PATH: &str = "alarm_path";
    pub const EVENT_PATH: &str = "event_path";
    pub const OK: &str = "ok";
}

/// What the verification found: `last_verification`'s entries, and whether
/// every path was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: BTreeMap<String, String>,
    pub ok: bool,
}

fn now() -> String {
    DateTime::from(SystemTime::now())
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// `verify_on_apply`: both paths of a pipeline just applied, the read chosen
/// from its configuration. Nothing here fails the apply.
pub async fn run(clients: &Clients, spec: &PipelineSpec, names: &Names) -> Verification {
    let origin = Origin::VerifyOnApply;
    let progress: Progress = &no_progress;
    let alarm = test_path(
        AlertPath::Alarm,
        alarm_path(clients, &names.alarm, origin, progress),
    );
    let event = test_path(AlertPath::Event, async {
        if !spec.fast_alerts {
            return Ok("not verified: fast_alerts is off".to_owned());
        }
        let route = notified_read(spec, names)
            .ok_or("no synthetic read falls outside the allow-list; nothing can alert")?;
        event_path(clients, names, &spec.name, &route, origin, progress).await
    });
    let (alarm, event) = tokio::join!(alarm, event);
    let ok = alarm.is_ok() && event.is_ok();
    let text = |r: Result<String, String>| r.unwrap_or_else(|e| format!("FAILED: {e}"));
    let entries = BTreeMap::from([
        (keys::TIME.to_owned(), now()),
        (keys::ALARM_PATH.to_owned(), text(alarm)),
        (keys::EVENT_PATH.to_owned(), text(event)),
        (keys::OK.to_owned(), ok.to_string()),
    ]);
    Verification { entries, ok }
}

/// One path's test, logged under its component.
pub fn test_path<'a>(
    path: AlertPath,
    test: impl std::future::Future<Output = Result<String, String>> + Send + 'a,
) -> futures::future::BoxFuture<'a, Result<String, String>> {
    // Boxed: a task-local scope around borrowed futures otherwise defeats
    // the compiler's proof that the apply future is Send.
    log::logged(path.component(), test).boxed()
}
