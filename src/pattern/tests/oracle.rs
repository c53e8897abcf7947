//! A contract oracle: docs/filter-patterns.md section 1 written directly as
//! Rust over the JSON record, without the generators or their scope types,
//! so that a mistake in the patterns cannot hide behind the same mistake in
//! the test. It judges the hand-labelled corpus and the real CloudTrail
//! records of `../shared/reference-data/cloudtrail/`.

use std::path::Path;

use serde_json::{json, Value};

use super::corpus::{strings, CASES, CONFIGS};
use crate::pattern::{generate, read_alert_pattern, PatternInput, DEFAULT_EVENT_PATTERN_MAX_LEN};

const DEFAULT_EVENTS: [&str; 2] = ["GetSecretValue", "BatchGetSecretValue"];
const BATCH: &str = "BatchGetSecretValue";

/// One `secrets` entry, as §1.4 reads it.
enum Entry<'a> {
    Prefix(&'a str),
    Name(&'a str),
    Arn {
        arn: &'a str,
        partial: &'a str,
        name: &'a str,
    },
}

fn entry(s: &str) -> Entry<'_> {
    if s.starts_with("arn:") {
        // ...:secret:NAME-XXXXXX; the generators refuse anything else.
        let partial = &s[..s.len().saturating_sub(7)];
        let name = partial.split(":secret:").nth(1).unwrap_or(partial);
        Entry::Arn {
            arn: s,
            partial,
            name,
        }
    } else if let Some(stem) = s.strip_suffix('*') {
        Entry::Prefix(stem)
    } else {
        Entry::Name(s)
    }
}

/// The name part of a secret ARN (`...:secret:NAME[-XXXXXX]`), if `id` is one.
fn arn_name(id: &str) -> Option<&str> {
    id.split_once(":secret:").map(|(_, name)| name)
}

/// §1.4: does a `requestParameters.secretId` value name a secret of `e`?
fn secret_id_in_scope(e: &Entry, id: &str) -> bool {
    match *e {
        Entry::Prefix(stem) => {
            id.starts_with(stem) || arn_name(id).is_some_and(|n| n.starts_with(stem))
        }
        // The full-ARN form cannot check the 6-character suffix: any
        // NAME-... ARN matches (the documented over-alert).
        Entry::Name(name) => {
            id == name
                || arn_name(id).is_some_and(|n| {
                    n == name || n.strip_prefix(name).is_some_and(|r| r.starts_with('-'))
                })
        }
        Entry::Arn { arn, partial, name } => id == arn || id == partial || id == name,
    }
}

/// §1.4, denied calls without a secret ID: the resource of the message
/// ("... on resource: ID because ..."), or `None` when it names none.
fn message_resource(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("on resource: ")?;
    Some(rest.split(' ').next().unwrap_or(rest))
}

/// Every entry is recognised in a message by its name (or stem) as a prefix
/// of the resource, read by name or by ARN.
fn message_in_scope(e: &Entry, resource: &str) -> bool {
    let stem = match *e {
        Entry::Prefix(stem) => stem,
        Entry::Name(name) | Entry::Arn { name, .. } => name,
    };
    resource.starts_with(stem) || arn_name(resource).is_some_and(|n| n.starts_with(stem))
}

/// §1.5: is the record's caller one of `allowed`?
fn allowed_caller(record: &Value, allowed: &[String]) -> bool {
    let identity = &record["userIdentity"];
    let arn = identity["arn"].as_str();
    let account = identity["accountId"].as_str();
    allowed.iter().any(|p| {
        if p.len() == 12 && p.chars().all(|c| c.is_ascii_digit()) {
            return account == Some(p.as_str());
        }
        // arn:PARTITION:iam::ACCOUNT:role/PATH/NAME: every session of NAME.
        let role = p.split_once(":role/").and_then(|(head, path)| {
            let (partition, acct) = head.strip_prefix("arn:")?.split_once(":iam::")?;
            let name = path.rsplit('/').next()?;
            Some(format!("arn:{partition}:sts::{acct}:assumed-role/{name}/"))
        });
        match role {
            Some(prefix) => arn.is_some_and(|a| a.starts_with(&prefix)),
            None => arn == Some(p.as_str()),
        }
    })
}

/// Would the pipeline configured with these lists count `record`?
pub(crate) fn counts(
    record: &Value,
    secrets: &[String],
    allowed: &[String],
    events: &[String],
    alert_on_denied: bool,
) -> bool {
    if record["eventSource"].as_str() != Some("secretsmanager.amazonaws.com") {
        return false;
    }
    // §1.2: a success has no errorCode key at all; of the errors only
    // AccessDenied* counts, and only when asked for.
    let denied = match record.get("errorCode") {
        None => false,
        Some(code)
            if alert_on_denied && code.as_str().is_some_and(|c| c.starts_with("AccessDenied")) =>
        {
            true
        }
        Some(_) => return false,
    };
    let watched: Vec<&str> = if events.is_empty() {
        DEFAULT_EVENTS.to_vec()
    } else {
        events.iter().map(String::as_str).collect()
    };
    let Some(name) = record["eventName"].as_str() else {
        return false;
    };
    let in_scope = if secrets.is_empty() {
        watched.contains(&name)
    } else if name == BATCH {
        // §1.3: judged through its per-secret records, except when denied
        // as a whole (no per-secret records exist then).
        watched.contains(&BATCH) && denied
    } else if watched.contains(&name) || (name == "GetSecretValue" && watched.contains(&BATCH)) {
        let entries: Vec<Entry> = secrets.iter().map(|s| entry(s)).collect();
        match record["requestParameters"]
            .as_object()
            .and_then(|p| p.get("secretId"))
        {
            Some(id) => id
                .as_str()
                .is_some_and(|id| entries.iter().any(|e| secret_id_in_scope(e, id))),
            // No secret ID (`requestParameters: null`): a denied call is
            // judged by its message; when that names no resource the scope
            // cannot be checked and the call counts (over-alert, not miss).
            None => {
                denied
                    && match record.get("errorMessage") {
                        None => true,
                        Some(m) => m.as_str().is_some_and(|m| match message_resource(m) {
                            None => true,
                            Some(r) => entries.iter().any(|e| message_in_scope(e, r)),
                        }),
                    }
            }
        }
    } else {
        false
    };
    in_scope && !allowed_caller(record, allowed)
}

fn oracle_for(
    secrets: &[&str],
    allowed: &[&str],
    events: &[&str],
    denied: bool,
) -> impl Fn(&Value) -> bool {
    let (s, a, e) = (strings(secrets), strings(allowed), strings(events));
    move |record| counts(record, &s, &a, &e, denied)
}

#[test]
fn the_oracle_agrees_with_every_hand_labelled_verdict() {
    let mut failures = Vec::new();
    for config in &CONFIGS {
        let oracle = oracle_for(
            config.secrets,
            config.allowed,
            config.events,
            config.alert_on_denied,
        );
        for case in CASES {
            let record: Value = serde_json::from_str(case.json).expect("corpus record is JSON");
            let (expected, got) = ((config.verdict)(&case.expect), oracle(&record));
            if expected != got {
                failures.push(format!(
                    "{}: {} expected {expected} got {got}",
                    config.name, case.file
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Message forms the corpus configurations cannot show (their only names
/// and ARNs are read with successes only): each entry kind against each way
/// a message names a secret, judged by the oracle and by both patterns.
#[test]
fn message_forms_agree_with_the_oracle_and_both_patterns() {
    // Two scopes, as one with the ARN entry would not fit the filter limit.
    let by_name = strings(&["db-password", "team/*"]);
    let by_arn =
        strings(&["arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3"]);
    let caller = "User: arn:aws:sts::111122223333:assumed-role/dev/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: ";
    let because =
        " because no identity-based policy allows the secretsmanager:GetSecretValue action";
    let arn = |account: &str, name: &str| {
        format!("arn:aws:secretsmanager:us-east-1:{account}:secret:{name}")
    };
    // (resource and what follows it, counted under by_name, under by_arn)
    #[rustfmt::skip]
    let cases: Vec<(String, bool, bool)> = vec![
        (format!("db-password{because}"), true, false),
        ("db-password with an explicit deny in an identity-based policy".into(), true, false),
        ("db-password".into(), true, false), // the older form, without a reason
        (format!("{}{because}", arn("111122223333", "db-password-AbC123")), true, false),
        (format!("{}{because}", arn("111122223333", "db-password")), true, false),
        (format!("db-password2{because}"), true, false), // documented over-alert
        (format!("{}{because}", arn("111122223333", "other/db-password-AbC123")), false, false),
        (format!("password{because}"), false, false),
        (format!("team/x{because}"), true, false),
        (format!("team-x{because}"), false, false),
        (format!("billing/api-key{because}"), false, true),
        (format!("{} with an explicit deny in a service control policy", arn("111122223333", "billing/api-key-Q1w2E3")), false, true),
        (format!("{}{because}", arn("111122223333", "billing/api-key")), false, true),
        // Matched by its name in a message, in any account (documented over-alert).
        (format!("{}{because}", arn("444455556666", "billing/api-key-Zz9Yy8")), false, true),
        (format!("billing/other{because}"), false, false),
    ];
    let none: Vec<String> = Vec::new();
    for secrets in [&by_name, &by_arn] {
        let input = PatternInput {
            secrets,
            allowed_principals: &none,
            watched_events: &none,
            alert_on_denied: true,
            event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
        };
        let filter = generate(&input).expect("filter pattern");
        let event = read_alert_pattern(&input).expect("event pattern");
        for (resource, under_name, under_arn) in &cases {
            let expected = if secrets == &by_name {
                *under_name
            } else {
                *under_arn
            };
            let record = json!({
                "eventSource": "secretsmanager.amazonaws.com",
                "eventName": "GetSecretValue",
                "errorCode": "AccessDeniedException",
                "errorMessage": format!("{caller}{resource}"),
                "requestParameters": null,
                "userIdentity": {"arn": "arn:aws:sts::111122223333:assumed-role/dev/alice", "accountId": "111122223333"},
            });
            let envelope = json!({"source": "aws.secretsmanager", "detail-type": "AWS API Call via CloudTrail", "detail": record});
            let verdicts = (
                counts(&record, secrets, &none, &none, true),
                filter.matches(&record.to_string()),
                event.matches(&envelope),
            );
            assert_eq!(
                verdicts,
                (expected, expected, expected),
                "{secrets:?}: {resource}"
            );
        }
    }
}

/// The EventBridge envelope of a record, built as a rule sees it; `None`
/// for an event source that is not `SERVICE.amazonaws.com`.
fn envelope(record: &Value) -> Option<Value> {
    let service = record["eventSource"]
        .as_str()?
        .strip_suffix(".amazonaws.com")?;
    Some(json!({
        "version": "0",
        "id": record["eventID"],
        "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{service}"),
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }))
}

/// (name, secrets, allowed, events, alert_on_denied).
type RefConfig = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

/// Configurations of (secrets, allowed, events, alert_on_denied) built from
/// the real records: a prefix and a full ARN they read, an IAM user who reads
/// them, and the Identity Center role by its IAM ARN with path.
const REFERENCE_CONFIGS: [RefConfig; 2] = [
    // With denied attempts, a prefix this long and a full ARN exceed the
    // filter limit: successes only.
    (
        "reference_prefix_and_arn",
        &[
            "stratus-red-team-retrieve-secret-1*",
            "arn:aws:secretsmanager:us-east-1:123837392027:secret:stratus-red-team-retrieve-secret-3-i1OGGG",
        ],
        &["arn:aws:iam::903144391865:user/christophe"],
        &[],
        false,
    ),
    (
        "reference_sso_role",
        &["stratus-red-team-retrieve-secret-3*"],
        &["arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6"],
        &[],
        true,
    ),
];

/// The real CloudTrail records of `../shared/reference-data/cloudtrail`
/// (read there, never copied): (`file:line`, the line, the record); `None`,
/// said aloud, where the directory is absent.
pub(super) fn reference_records() -> Option<Vec<(String, String, Value)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference-data/cloudtrail");
    if !dir.is_dir() {
        println!("reference records not run: {} is absent", dir.display());
        return None;
    }
    let mut records = Vec::new();
    for file in ["records.jsonl", "related_kms.jsonl"] {
        let path = dir.join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let record: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", i + 1));
            records.push((format!("{file}:{}", i + 1), line.to_string(), record));
        }
    }
    Some(records)
}

#[test]
fn real_records_get_the_oracle_verdict_from_both_patterns() {
    let Some(records) = reference_records() else {
        return;
    };
    let mut configs: Vec<RefConfig> = CONFIGS
        .iter()
        .map(|c| (c.name, c.secrets, c.allowed, c.events, c.alert_on_denied))
        .collect();
    configs.extend(REFERENCE_CONFIGS);
    let (mut checked, mut failures) = (0, Vec::new());
    for (name, secrets, allowed, events, denied) in &configs {
        let (s, a, e) = (strings(secrets), strings(allowed), strings(events));
        let input = PatternInput {
            secrets: &s,
            allowed_principals: &a,
            watched_events: &e,
            alert_on_denied: *denied,
            event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
        };
        let filter = generate(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        let event = read_alert_pattern(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut counted = 0;
        for (at, line, record) in &records {
            let expected = counts(record, &s, &a, &e, *denied);
            let by_filter = filter.matches(line);
            let by_event = envelope(record).is_some_and(|env| event.matches(&env));
            if (by_filter, by_event) != (expected, expected) {
                failures.push(format!(
                    "{name}: {at}: oracle {expected}, filter {by_filter}, event {by_event}"
                ));
            }
            counted += usize::from(expected);
            checked += 1;
        }
        println!("{name}: {counted} of {} records counted", records.len());
    }
    println!(
        "reference records: {} records x {} configurations = {checked} verdicts checked, {} disagreements",
        records.len(),
        configs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
