//! The three lists the filter pattern is built from: `secrets`,
//! `allowed_principals` and `watched_events`, and the pattern's length.

use super::{known_at, shown, Findings, Input};
use crate::arn::Arn;
use crate::pattern::layout::{
    self, LayoutError, MAX_CALLER_RULES, MAX_METRIC_FILTERS, MAX_SCOPE_RULES,
};
use crate::pattern::{
    self, PatternError, PatternInput, EVENT_PATTERN_API_MAX_LEN, MAX_PATTERN_LEN,
};
use crate::terraform::desired::Known;
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::attr;
use crate::terraform::state::{known_strings, PipelineState, StrList};

/// Secrets Manager's API operations: the event names its CloudTrail records carry.
pub const SECRETS_MANAGER_OPERATIONS: &[&str] = &[
    "BatchGetSecretValue",
    "CancelRotateSecret",
    "CreateSecret",
    "DeleteResourcePolicy",
    "DeleteSecret",
    "DescribeSecret",
    "GetRandomPassword",
    "GetResourcePolicy",
    "GetSecretValue",
    "ListSecretVersionIds",
    "ListSecrets",
    "PutResourcePolicy",
    "PutSecretValue",
    "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions",
    "RestoreSecret",
    "RotateSecret",
    "StopReplicationToReplica",
    "TagResource",
    "UntagResource",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "ValidateResourcePolicy",
];

/// Operations whose records name no `secretId`: with `secrets` set they can never match.
const UNSCOPED_OPERATIONS: &[&str] = &["CreateSecret", "GetRandomPassword", "ListSecrets"];

/// One of the lists the pattern is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatternList {
    Secrets,
    AllowedPrincipals,
    WatchedEvents,
}

impl PatternList {
    const ALL: [Self; 3] = [Self::Secrets, Self::AllowedPrincipals, Self::WatchedEvents];

    fn field(self) -> &'static str {
        match self {
            Self::Secrets => "secrets",
            Self::AllowedPrincipals => "allowed_principals",
            Self::WatchedEvents => "watched_events",
        }
    }

    fn of(self, config: &PipelineState) -> &StrList {
        match self {
            Self::Secrets => &config.secrets,
            Self::AllowedPrincipals => &config.allowed_principals,
            Self::WatchedEvents => &config.watched_events,
        }
    }

    /// The checks every list shares, then the entry check of this one.
    fn check(self, config: &PipelineState, findings: &mut Findings) {
        let (field, list) = (self.field(), self.of(config));
        findings.null_entries(field, attr(field), list);
        match self {
            Self::Secrets => secret_entries(config, findings),
            Self::AllowedPrincipals => principal_entries(config, findings),
            Self::WatchedEvents => event_entries(config, findings),
        }
        findings.duplicates(field, attr(field), list);
    }
}

pub(super) fn secrets(input: &Input<'_>, findings: &mut Findings) {
    PatternList::Secrets.check(input.state, findings);
}

pub(super) fn allowed_principals(input: &Input<'_>, findings: &mut Findings) {
    PatternList::AllowedPrincipals.check(input.state, findings);
}

pub(super) fn watched_events(input: &Input<'_>, findings: &mut Findings) {
    PatternList::WatchedEvents.check(input.state, findings);
}

fn secret_entries(config: &PipelineState, findings: &mut Findings) {
    for (i, secret) in known_at(&config.secrets) {
        let problem = match pattern::parse_secret(&secret) {
            Err(PatternError::InvalidSecret { reason, .. }) => Some(reason),
            Err(other) => Some(other.to_string()),
            Ok(_) => None,
        };
        if let Some(reason) = problem {
            findings.error(
                super::item(attr("secrets"), i),
                "Invalid secret",
                format!(
                    "secrets[{i}] = {}: {reason}. Write a secret name (\"prod/db\"), a prefix ending in one \"*\" (\"prod/*\"), or a full Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX).",
                    shown(&secret)
                ),
            );
        }
    }
}

fn principal_entries(config: &PipelineState, findings: &mut Findings) {
    for (i, principal) in known_at(&config.allowed_principals) {
        if let Err(err) = pattern::parse_principal(&principal) {
            let reason = match err {
                PatternError::InvalidPrincipal { reason, .. } => reason,
                other => other.to_string(),
            };
            findings.error(
                super::item(attr("allowed_principals"), i),
                "Invalid allowed principal",
                principal_advice(i, &principal, &reason),
            );
        }
    }
}

fn event_entries(config: &PipelineState, findings: &mut Findings) {
    let secrets_set = known_strings(&config.secrets).is_some_and(|s| !s.is_empty());
    for (i, event) in known_at(&config.watched_events) {
        if SECRETS_MANAGER_OPERATIONS.contains(&event.as_str()) {
            if secrets_set && UNSCOPED_OPERATIONS.contains(&event.as_str()) {
                findings.error(
                    super::item(attr("watched_events"), i),
                    "Watched event can never match",
                    format!(
                        "watched_events[{i}] = {}: its CloudTrail records name no secret (no requestParameters.secretId), so with secrets set the pattern can never count it. Remove it, or empty secrets to watch every secret.",
                        shown(&event)
                    ),
                );
            }
            continue;
        }
        let bare = event
            .strip_prefix("secretsmanager:")
            .unwrap_or(&event)
            .trim();
        let hint = match SECRETS_MANAGER_OPERATIONS
            .iter()
            .find(|op| op.eq_ignore_ascii_case(bare))
        {
            Some(op) => format!(" Did you mean \"{op}\"?"),
            None => String::new(),
        };
        findings.error(
            super::item(attr("watched_events"), i),
            "Invalid watched event",
            format!(
                "watched_events[{i}] = {}: not a Secrets Manager operation.{hint} Allowed: Secrets Manager operations as CloudTrail names them ({}), without the secretsmanager: prefix.",
                shown(&event),
                SECRETS_MANAGER_OPERATIONS.join(", ")
            ),
        );
    }
}

/// The configuration, when every input is known, must fit the detection
/// layout (`pattern::layout`): metric filters, or findings, and EventBridge
/// rules, each within its AWS limit. When it does not, the error names the
/// limit, how much is used and what to change. Only valid lists are
/// measured: an invalid entry is reported by its own rule, and a layout of
/// it would mean nothing.
pub(super) fn pattern_length(input: &Input<'_>, findings: &mut Findings) {
    let config = input.state;
    let mut list_findings = Findings::default();
    for list in PatternList::ALL {
        list.check(config, &mut list_findings);
    }
    if !list_findings.is_empty() {
        return;
    }
    let Some(lists) = input.desired.pattern_lists() else {
        return;
    };
    let fast_alerts = !matches!(input.desired.fast_alerts, Known::Known(false));
    let input = lists.input();
    let (secrets, principals) = (input.secrets.len(), input.allowed_principals.len());
    match layout::detection(&input, fast_alerts) {
        Ok(detection) if detection.findings => {
            let why = match layout::filter_layout(&input) {
                Err(LayoutError::Capacity(capacity)) => capacity.to_string(),
                _ => "the metric filters cannot hold the configuration".to_owned(),
            };
            findings.warning(
                attr("allowed_principals"),
                "The alarm counts per-event findings",
                format!("secrets ({secrets} entries) and allowed_principals ({principals} entries) do not fit the metric filters of the trail's log group: {why}. The per-event rules write each unauthorised read to the pipeline's findings log group instead, and the alarm counts that group. The alarm is then as best-effort as EventBridge's delivery of CloudTrail events, not as durable as CloudTrail's delivery to CloudWatch Logs (docs/scale.md)."),
            );
        }
        Ok(_) => {}
        Err(LayoutError::Capacity(capacity)) => {
            // Denied alerts match each entry in errorMessage too, for denied
            // reads logged without a secret ID: say when that is what tips it.
            let successes_only = input.alert_on_denied
                && layout::detection(
                    &PatternInput {
                        alert_on_denied: false,
                        ..input
                    },
                    fast_alerts,
                )
                .is_ok();
            let denied_hint = if successes_only {
                " With alert_on_denied = false it fits: denied alerts add errorMessage clauses for each entry, for denied reads logged without a secret ID."
            } else {
                ""
            };
            findings.error(
                attr("secrets"),
                "Configuration over the pipeline's capacity",
                format!("secrets ({secrets} entries) and allowed_principals ({principals} entries) do not fit the detection layout: {capacity}. Limits: CloudWatch Logs filter patterns of {MAX_PATTERN_LEN} characters, at most {MAX_METRIC_FILTERS} filters; EventBridge patterns of event_pattern_max_length = {} characters (the account's \"Event pattern size\" quota: {} by default, at most {EVENT_PATTERN_API_MAX_LEN} once raised), at most {MAX_CALLER_RULES} caller rules on the default bus and {MAX_SCOPE_RULES} scope rules on the pipeline's bus (docs/scale.md).{denied_hint}", input.event_pattern_max_len, DEFAULTS.event_pattern_max_length),
            );
        }
        Err(LayoutError::Pattern(err)) => findings.error(
            attr("secrets"),
            "Cannot build the filter pattern",
            format!("{err}. Check secrets, allowed_principals and watched_events."),
        ),
    }
}

/// What to write instead of an allowed principal the pattern cannot use.
fn principal_advice(index: usize, value: &str, reason: &str) -> String {
    let entry = format!("allowed_principals[{index}] = {}", shown(value));
    const NO_WILDCARDS: &str = "wildcards are not supported. List each role or user ARN, or give the 12-digit account ID to allow every principal of an account.";
    if let Some(arn) = Arn::parse(value) {
        if arn.service == "sts" {
            if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                let role = rest.split('/').next().unwrap_or("ROLE");
                return format!(
                    "{entry}: this is an STS assumed-role session ARN, which names one session only. Write the role's ARN instead, \"arn:{}:iam::{}:role/{role}\" (add the role's path if it has one): every session of the role is then recognised.",
                    arn.partition, arn.account
                );
            }
            return format!(
                "{entry}: STS ARNs name sessions, not principals. Write the IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME or user/NAME)."
            );
        }
        if value.contains('*') {
            return format!("{entry}: {NO_WILDCARDS}");
        }
        if arn.service == "iam" && arn.resource.starts_with("group/") {
            return format!(
                "{entry}: IAM groups never appear in CloudTrail records. List the ARNs of the group's users instead (arn:aws:iam::{}:user/NAME).",
                arn.account
            );
        }
        return format!(
            "{entry}: {reason}. Allowed: an IAM role ARN (arn:aws:iam::111122223333:role/app), user ARN (arn:aws:iam::111122223333:user/name), account root ARN (arn:aws:iam::111122223333:root) or a 12-digit account ID."
        );
    }
    if value.contains('*') {
        return format!("{entry}: {NO_WILDCARDS}");
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return format!(
            "{entry}: account IDs are exactly 12 digits. Write it as a quoted string with its leading zeros (a number loses them)."
        );
    }
    format!(
        "{entry}: a bare name matches nothing in CloudTrail records. Write the full ARN: \"arn:aws:iam::ACCOUNT_ID:role/{value}\" for a role or \"arn:aws:iam::ACCOUNT_ID:user/{value}\" for a user (or a 12-digit account ID)."
    )
}
