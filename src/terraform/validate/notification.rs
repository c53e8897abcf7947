//! `notification`: where alerts go, at least one subscriber overall.

use tf_provider::value::Value;

use super::{item, known_at, shown, Findings, Input};
use crate::arn::{email_problem, https_problem, sqs_problem};
use crate::terraform::diagnostics::nested;
use crate::terraform::state::{known_strings, NotificationBlock, StrList};

/// One of the notification block's subscriber lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subscribers {
    Emails,
    SqsQueueArns,
    HttpsEndpoints,
}

impl Subscribers {
    const ALL: [Self; 3] = [Self::Emails, Self::SqsQueueArns, Self::HttpsEndpoints];

    fn field(self) -> &'static str {
        match self {
            Self::Emails => "emails",
            Self::SqsQueueArns => "sqs_queue_arns",
            Self::HttpsEndpoints => "https_endpoints",
        }
    }

    /// The path as the diagnostics write it: `notification.emails`.
    fn path_text(self) -> &'static str {
        match self {
            Self::Emails => "notification.emails",
            Self::SqsQueueArns => "notification.sqs_queue_arns",
            Self::HttpsEndpoints => "notification.https_endpoints",
        }
    }

    fn of(self, notification: &NotificationBlock) -> &StrList {
        match self {
            Self::Emails => &notification.emails,
            Self::SqsQueueArns => &notification.sqs_queue_arns,
            Self::HttpsEndpoints => &notification.https_endpoints,
        }
    }

    fn problem(self, value: &str) -> Option<String> {
        match self {
            Self::Emails => email_problem(value).map(str::to_owned),
            Self::SqsQueueArns => sqs_problem(value),
            Self::HttpsEndpoints => https_problem(value),
        }
    }

    /// The summary of an invalid entry, and what to write instead.
    fn invalid(self) -> (&'static str, &'static str) {
        match self {
            Self::Emails => (
                "Invalid email address",
                "Write a plain address such as secops@example.com.",
            ),
            Self::SqsQueueArns => (
                "Invalid SQS queue ARN",
                "Write a standard queue's ARN, such as arn:aws:sqs:eu-west-1:111122223333:alerts.",
            ),
            Self::HttpsEndpoints => (
                "Invalid HTTPS endpoint",
                "Write an https:// URL such as https://alerts.example.com/sns.",
            ),
        }
    }

    /// What each entry is called while its subscription waits for
    /// confirmation; `None` for kinds that need none.
    fn pending_as(self) -> Option<&'static str> {
        match self {
            Self::Emails => Some("email address"),
            Self::SqsQueueArns => None,
            Self::HttpsEndpoints => Some("HTTPS endpoint"),
        }
    }

    fn check(self, input: &Input<'_>, findings: &mut Findings) {
        let Some(notification) = notification(input) else {
            return;
        };
        let (field, list) = (self.field(), self.of(&notification));
        let path = nested("notification", field);
        findings.null_entries(self.path_text(), path.clone(), list);
        let (summary, allowed) = self.invalid();
        for (i, value) in known_at(list) {
            if let Some(problem) = self.problem(&value) {
                findings.error(
                    item(path.clone(), i),
                    summary,
                    format!(
                        "notification.{field}[{i}] = {}: {problem}. {allowed}",
                        shown(&value)
                    ),
                );
            }
        }
        findings.duplicates(self.path_text(), path.clone(), list);
        let n = known_at(list).len();
        if let Some(what) = self.pending_as().filter(|_| n > 0 && input.warns()) {
            findings.warning(
                path,
                "Subscriptions wait for confirmation",
                format!("notification.{field}: each {what} ({n}) receives a confirmation request and gets no alert until it is confirmed; the subscriptions attribute shows pending_confirmation. Confirm them after apply, or use sqs_queue_arns for a subscription that works at once."),
            );
        }
    }
}

/// The notification block; an omitted block has no subscriber.
fn notification(input: &Input<'_>) -> Option<NotificationBlock> {
    match &input.state.notification {
        Value::Value(n) => Some(n.clone()),
        Value::Null => Some(NotificationBlock::default()),
        Value::Unknown => None,
    }
}

pub(super) fn at_least_one_subscriber(input: &Input<'_>, findings: &mut Findings) {
    let Some(notification) = notification(input) else {
        return;
    };
    let lists = Subscribers::ALL.map(|kind| (kind, kind.of(&notification)));
    let known: Option<Vec<Vec<String>>> = lists.iter().map(|(_, l)| known_strings(l)).collect();
    if known.is_some_and(|lists| lists.iter().all(Vec::is_empty)) {
        // Terraform locates attributes, not blocks: point at the first list
        // written empty, else at emails (Terraform then shows the block).
        let at = lists
            .iter()
            .find(|(_, l)| l.is_value())
            .map_or("emails", |(kind, _)| kind.field());
        findings.error(
            nested("notification", at),
            "No subscriber",
            "notification has no email, SQS queue or HTTPS endpoint, so alerts would go nowhere. Add at least one of notification.emails, notification.sqs_queue_arns or notification.https_endpoints.".to_owned(),
        );
    }
}

pub(super) fn emails(input: &Input<'_>, findings: &mut Findings) {
    Subscribers::Emails.check(input, findings);
}

pub(super) fn sqs_queue_arns(input: &Input<'_>, findings: &mut Findings) {
    Subscribers::SqsQueueArns.check(input, findings);
}

pub(super) fn https_endpoints(input: &Input<'_>, findings: &mut Findings) {
    Subscribers::HttpsEndpoints.check(input, findings);
}
