//! The layout at scale: 500 allowed principals and 200 scope entries laid
//! out over many filters and rules must give, on every probe record, the
//! verdict of the single unbounded pattern (the contract of
//! docs/filter-patterns.md section 1), and notify exactly once per counted
//! read. Every scope entry and every allowed principal is probed, so every
//! chunk boundary and every caller part is crossed.

use serde_json::{json, Value};

use crate::pattern::event::read_rule::build_read_alert;
use crate::pattern::filter::generate::build as build_filter;
use crate::pattern::layout::scope_groups;
use crate::pattern::layout::{
    event_layout, filter_layout, CapacityError, EventLayout, LayoutError, MAX_CALLER_RULES,
    MAX_METRIC_FILTERS, MAX_SCOPE_RULES,
};
use crate::pattern::scope::{parse_secret, Scope};
use crate::pattern::{PatternInput, DEFAULT_EVENT_PATTERN_MAX_LEN};

const MAIN: &str = "111122223333";
const OTHER: &str = "444455556666";
const ALLOWED_ACCOUNTS: [&str; 3] = ["777788889999", "222233334444", "555566667777"];

const WORDS: [&str; 16] = [
    "payments",
    "billing",
    "orders",
    "search",
    "Auth",
    "ledger",
    "catalog",
    "inventory",
    "shipping",
    "notify",
    "reports",
    "etl",
    "ci",
    "deploy",
    "0ps",
    "_batch",
];

/// 500 allowed principals of every kind, with realistic lengths.
fn principals() -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..380 {
        let word = WORDS[i % WORDS.len()];
        let path = ["", "service-role/", "app/team-a/", "ci/"][i % 4];
        out.push(format!(
            "arn:aws:iam::{MAIN}:role/{path}{word}-api-{i:03}-prod"
        ));
    }
    for i in 0..20 {
        out.push(format!(
            "arn:aws:iam::{MAIN}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Set{i:02}_{:016x}",
            0x0123_4567_89ab_cdefu64.wrapping_mul(i as u64 + 1)
        ));
    }
    for i in 0..50 {
        out.push(format!(
            "arn:aws:iam::{OTHER}:role/{}-worker-{i:02}",
            WORDS[i % 16]
        ));
    }
    for i in 0..40 {
        out.push(format!("arn:aws:iam::{MAIN}:user/ci/deploy-bot-{i:02}"));
    }
    out.push(format!("arn:aws:iam::{MAIN}:root"));
    out.push(format!("arn:aws:iam::{OTHER}:root"));
    out.extend(ALLOWED_ACCOUNTS.iter().map(|a| a.to_string()));
    // Covered by an allowed account: dropped by normalisation.
    for i in 0..5 {
        out.push(format!(
            "arn:aws:iam::{}:role/covered-{i}",
            ALLOWED_ACCOUNTS[0]
        ));
    }
    assert_eq!(out.len(), 500);
    out
}

/// 200 scope entries: prefixes, exact names (some overlapping), full ARNs,
/// and a few entries another entry covers.
fn secrets() -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..60 {
        out.push(format!("prod/team-{i:02}/*"));
    }
    for i in 0..64 {
        out.push(format!(
            "{}-db-password-{i:02}",
            WORDS[i % 16].to_lowercase()
        ));
    }
    // `db-password` and `db-password-old` overlap on the full-ARN form.
    out.push("db-password".to_string());
    out.push("db-password-old".to_string());
    out.push("db-password-old-2".to_string());
    out.push("dbx".to_string());
    for i in 0..66 {
        out.push(format!(
            "arn:aws:secretsmanager:us-east-1:{MAIN}:secret:billing/key-{i:02}-Ab{:04}",
            i * 7
        ));
    }
    // Covered by `prod/team-01/*` and by the name `db-password`.
    out.push("prod/team-01/db".to_string());
    out.push(format!(
        "arn:aws:secretsmanager:us-east-1:{MAIN}:secret:db-password-Qw12Er"
    ));
    for i in 0..4 {
        out.push(format!("staging/app-{i}"));
    }
    assert_eq!(out.len(), 200);
    out
}

fn input<'a>(
    secrets: &'a [String],
    allowed: &'a [String],
    events: &'a [String],
) -> PatternInput<'a> {
    PatternInput {
        secrets,
        allowed_principals: allowed,
        watched_events: events,
        alert_on_denied: true,
        event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
    }
}

/// `userIdentity` of a session of role `name` (IAM `path`) in `account`.
fn role_identity(account: &str, path: &str, name: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEEXAMPLE:s1",
        "arn": format!("arn:aws:sts::{account}:assumed-role/{name}/session-1"),
        "accountId": account,
        "sessionContext": {"sessionIssuer": {
            "type": "Role", "principalId": "AROAEXAMPLEEXAMPLE",
            "arn": format!("arn:aws:iam::{account}:role/{path}{name}"),
            "accountId": account, "userName": name,
        }},
    })
}

fn user_identity(account: &str, path: &str, name: &str) -> Value {
    json!({
        "type": "IAMUser", "principalId": "AIDAEXAMPLE",
        "arn": format!("arn:aws:iam::{account}:user/{path}{name}"),
        "accountId": account, "userName": name,
    })
}

/// The identities of an allowed principal given as configured.
fn identity_of(principal: &str) -> Value {
    if !principal.starts_with("arn:") {
        return role_identity(principal, "", "any-role");
    }
    let account = principal.split(':').nth(4).expect("account");
    let resource = principal.split(':').nth(5).expect("resource");
    if resource == "root" {
        return json!({"type": "Root", "arn": principal, "accountId": account, "principalId": account});
    }
    let (kind, path_name) = resource.split_once('/').expect("kind/path");
    let (path, name) = match path_name.rsplit_once('/') {
        Some((p, n)) => (format!("{p}/"), n),
        None => (String::new(), path_name),
    };
    match kind {
        "role" => role_identity(account, &path, name),
        _ => user_identity(account, &path, name),
    }
}

/// Callers to probe: every allowed principal, a name extending each, a name
/// one character short of each, and callers nobody allowed.
fn callers(allowed: &[String]) -> Vec<Value> {
    let mut out: Vec<Value> = allowed.iter().map(|p| identity_of(p)).collect();
    for p in allowed
        .iter()
        .filter(|p| p.contains(":role/") || p.contains(":user/"))
    {
        let mut extended = identity_of(p);
        let mut short = identity_of(p);
        for (v, f) in [(&mut extended, 0), (&mut short, 1)] {
            let name = v["userName"]
                .as_str()
                .or(v["sessionContext"]["sessionIssuer"]["userName"].as_str())
                .expect("name")
                .to_string();
            let renamed = if f == 0 {
                format!("{name}-x")
            } else {
                name[..name.len() - 1].to_string()
            };
            let account = v["accountId"].as_str().expect("account").to_string();
            *v = if v["type"] == "AssumedRole" {
                role_identity(&account, "", &renamed)
            } else {
                user_identity(&account, "", &renamed)
            };
        }
        out.push(extended);
        out.push(short);
    }
    out.extend([
        role_identity(MAIN, "", "intruder"),
        role_identity("999999999999", "", "payments-api-000-prod"),
        user_identity(MAIN, "", "mallory"),
        json!({"type": "Root", "arn": "arn:aws:iam::999999999999:root", "accountId": "999999999999"}),
        json!({"type": "AWSService", "invokedBy": "ecs.amazonaws.com"}),
        json!({"type": "FederatedUser", "arn": format!("arn:aws:sts::{MAIN}:federated-user/bob"), "accountId": MAIN}),
        json!({"accountId": ALLOWED_ACCOUNTS[1], "type": "AssumedRole",
               "arn": format!("arn:aws:sts::{}:assumed-role/x/y", ALLOWED_ACCOUNTS[1])}),
    ]);
    out
}

/// `secretId` values to probe: each entry by name, partial ARN and full ARN,
/// and a neighbour just outside it.
fn secret_ids(secrets: &[String]) -> Vec<String> {
    let arn = |name: &str| format!("arn:aws:secretsmanager:us-east-1:{MAIN}:secret:{name}");
    let mut out = Vec::new();
    for s in secrets {
        if let Some(stem) = s.strip_suffix('*') {
            out.extend([
                format!("{stem}x"),
                arn(&format!("{stem}x-AbCdEf")),
                stem.to_string(),
            ]);
            out.push(format!("{}~", &stem[..stem.len() - 1]));
        } else if s.starts_with("arn:") {
            let partial = &s[..s.len() - 7];
            let name = partial.rsplit(":secret:").next().expect("name");
            out.extend([s.clone(), partial.to_string(), name.to_string()]);
            out.push(format!("{partial}-ZzZzZz"));
        } else {
            out.extend([s.clone(), arn(s), arn(&format!("{s}-AbCdEf"))]);
            out.push(format!("{s}x"));
        }
    }
    out.push("unrelated/secret".to_string());
    out
}

fn record(identity: &Value, event: &str, secret_id: Option<&str>, denied: bool) -> Value {
    let mut r = json!({
        "eventVersion": "1.09", "eventSource": "secretsmanager.amazonaws.com",
        "eventName": event, "awsRegion": "us-east-1", "eventID": "e",
        "eventTime": "2026-12-01T00:00:00Z", "recipientAccountId": MAIN,
        "userIdentity": identity,
        "requestParameters": secret_id.map(|s| json!({"secretId": s})),
    });
    if denied {
        r["errorCode"] = json!("AccessDenied");
    }
    r
}

/// A denied read logged with `requestParameters: null`: the secret is named
/// only in `errorMessage`, if at all.
fn denied_without_id(identity: &Value, message: Option<String>) -> Value {
    let mut r = record(identity, "GetSecretValue", None, true);
    if let Some(m) = message {
        r["errorMessage"] = json!(m);
    }
    r
}

fn message_naming(identity: &Value, secret_id: &str) -> String {
    let arn = identity["arn"]
        .as_str()
        .unwrap_or("arn:aws:sts::000000000000:assumed-role/x/y");
    format!(
        "User: {arn} is not authorized to perform: secretsmanager:GetSecretValue on resource: {secret_id} because no identity-based policy allows the secretsmanager:GetSecretValue action"
    )
}

fn envelope(detail: &Value) -> Value {
    json!({"version": "0", "detail-type": "AWS API Call via CloudTrail",
           "source": "aws.secretsmanager", "account": MAIN, "region": "us-east-1",
           "resources": [], "detail": detail})
}

/// Every probe record: all callers against a few secrets, all secrets against
/// a few callers, denied and batch variants.
fn probes(secrets: &[String], allowed: &[String]) -> Vec<Value> {
    let ids = secret_ids(secrets);
    let callers = callers(allowed);
    let few_ids = [
        &ids[0],
        &ids[ids.len() / 2],
        &ids[ids.len() - 2],
        &ids[ids.len() - 1],
    ];
    let few_callers = [
        &callers[0],
        &callers[allowed.len() / 2],
        &callers[allowed.len() - 5],
        &callers[callers.len() - 6],
        &callers[callers.len() - 3],
    ];
    let mut out = Vec::new();
    for c in &callers {
        for id in few_ids {
            out.push(record(c, "GetSecretValue", Some(id), false));
        }
        out.push(record(c, "GetSecretValue", Some(few_ids[1]), true));
        out.push(record(c, "BatchGetSecretValue", None, true));
        out.push(denied_without_id(c, Some(message_naming(c, few_ids[2]))));
        out.push(denied_without_id(c, None));
    }
    for c in few_callers {
        for id in &ids {
            out.push(record(c, "GetSecretValue", Some(id), false));
            out.push(denied_without_id(c, Some(message_naming(c, id))));
        }
        out.push(denied_without_id(c, Some("Access denied".to_string())));
        out.push(record(c, "BatchGetSecretValue", None, false));
        out.push(record(c, "DescribeSecret", Some(&ids[0]), false));
    }
    out
}

#[test]
fn five_hundred_principals_and_two_hundred_scopes_notify_exactly_once() {
    assert_exact_at_scale(&secrets(), &principals());
}

/// The configuration the end-to-end suite deploys in LocalStack
/// (scripts/e2e_scale.py writes it, and checks at each run that it still
/// deploys this one; the one full ARN it reads carries LocalStack's suffix
/// there, of the same length, so the chunks are the same).
#[test]
fn the_end_to_end_configuration_notifies_exactly_once() {
    let config: Value = serde_json::from_str(include_str!("../../../tests/scale/e2e-500x200.json"))
        .expect("tests/scale/e2e-500x200.json");
    let list = |key: &str| -> Vec<String> {
        config[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is a list"))
            .iter()
            .map(|v| v.as_str().expect("a string").to_owned())
            .collect()
    };
    let (secrets, principals) = (list("secrets"), list("principals"));
    assert_eq!((secrets.len(), principals.len()), (200, 500));
    assert_exact_at_scale(&secrets, &principals);
}

/// At both quotas: every rule within its limit and parsed back as itself, no
/// wildcard on the default bus, and on every probe (every scope entry and
/// allowed principal, and their neighbours) the notifications are exactly
/// the unbounded pattern's verdict, which the unbounded filter shares.
fn assert_exact_at_scale(secrets: &[String], allowed: &[String]) {
    let events = Vec::new();
    let input = input(secrets, allowed, &events);
    let scope = Scope::of(&input).expect("valid");
    let contract = build_read_alert(&scope).expect("unbounded pattern");
    let filter_contract = build_filter(&scope).expect("unbounded filter");
    for max_len in [2048, 4096] {
        let input = PatternInput {
            event_pattern_max_len: max_len,
            ..input
        };
        let layout = event_layout(&input).expect("fits");
        let EventLayout::TwoStage { callers, scopes } = &layout else {
            panic!("500 principals cannot fit one rule");
        };
        assert!(callers.len() <= MAX_CALLER_RULES && scopes.len() <= MAX_SCOPE_RULES);
        // The default bus allows 30 rules with a wildcard, shared by the account.
        for c in callers {
            assert!(!c.to_json().contains("wildcard"), "{}", c.to_json());
        }
        for p in layout.patterns() {
            assert!(p.len() <= max_len, "{} > {max_len}", p.len());
            assert_eq!(
                crate::pattern::EventPattern::parse(&p.to_json()).as_ref(),
                Ok(p)
            );
        }
        eprintln!(
            "layout at {max_len}: {} caller rules, {} scope rules, longest {}",
            callers.len(),
            scopes.len(),
            layout.patterns().iter().map(|p| p.len()).max().unwrap_or(0)
        );
        let (mut counted, mut silent) = (0, 0);
        for r in probes(secrets, allowed) {
            let event = envelope(&r);
            let expected = contract.matches(&event);
            assert_eq!(
                filter_contract.matches(&r.to_string()),
                expected,
                "the two unbounded patterns disagree on {r}"
            );
            assert_eq!(
                layout.notifications(&event),
                usize::from(expected),
                "at {max_len}, expected {expected} for {r}"
            );
            if expected {
                counted += 1
            } else {
                silent += 1
            }
        }
        assert!(
            counted > 1000 && silent > 1000,
            "{counted} counted, {silent} silent"
        );
        eprintln!("layout at {max_len}: {counted} probes notify once, {silent} stay silent");
    }
}

#[test]
fn the_metric_path_reports_its_capacity_instead_of_refusing_bare() {
    let (secrets, allowed, events) = (secrets(), principals(), Vec::new());
    match filter_layout(&input(&secrets, &allowed, &events)) {
        Err(LayoutError::Capacity(CapacityError::PartTooLong { len, max, .. })) => {
            assert!(len > max && max == 1024, "{len} {max}")
        }
        other => panic!("500 principals cannot share one filter: {other:?}"),
    }
}

#[test]
fn forty_scopes_with_a_short_allow_list_fit_the_metric_path_exactly() {
    // The first 40 entries, all prefixes. More need more filters than the
    // metric path may use; that is checked below.
    let secrets = secrets()[..40].to_vec();
    let allowed: Vec<String> = principals()[..3].to_vec();
    let events = Vec::new();
    let input = input(&secrets, &allowed, &events);
    let layout = filter_layout(&input).expect("fits");
    assert!(layout.filters.len() > 1 && layout.filters.len() <= MAX_METRIC_FILTERS);
    assert!(layout.filters.iter().all(|f| f.len() <= 1024));
    let contract = build_filter(&Scope::of(&input).expect("valid")).expect("unbounded");
    let mut checked = 0;
    for r in probes(&secrets, &principals()) {
        let text = r.to_string();
        assert_eq!(
            layout.count(&text),
            usize::from(contract.matches(&text)),
            "{text}"
        );
        checked += 1;
    }
    eprintln!(
        "metric path: {} filters for 40 scope entries and 3 principals, {checked} records",
        layout.filters.len()
    );
}

#[test]
fn the_metric_path_reports_which_limit_a_large_scope_hits() {
    let allowed: Vec<String> = principals()[..3].to_vec();
    let events = Vec::new();
    // 100 entries: more filters than the pipeline may use.
    let hundred = secrets()[..100].to_vec();
    match filter_layout(&input(&hundred, &allowed, &events)) {
        Err(LayoutError::Capacity(CapacityError::TooManyPatterns { needed, max, .. })) => {
            eprintln!("metric path: 100 scope entries and 3 principals need {needed} filters");
            assert!(needed > max && max == MAX_METRIC_FILTERS)
        }
        other => panic!("expected too many filters: {other:?}"),
    }
    // All 200: three overlapping names must share a filter and do not fit one.
    match filter_layout(&input(&secrets(), &allowed, &events)) {
        Err(LayoutError::Capacity(e @ CapacityError::PartTooLong { .. })) => {
            let text = e.to_string();
            assert!(
                text.contains("db-password-old") && text.contains("1024"),
                "{text}"
            );
        }
        other => panic!("expected an indivisible part too long: {other:?}"),
    }
}

#[test]
fn small_configurations_keep_one_rule() {
    let (secrets, allowed, events) = (
        vec!["prod/*".to_string()],
        vec![format!("arn:aws:iam::{MAIN}:role/app")],
        Vec::new(),
    );
    let input = input(&secrets, &allowed, &events);
    assert!(matches!(event_layout(&input), Ok(EventLayout::Single(_))));
    assert_eq!(filter_layout(&input).expect("fits").filters.len(), 1);
}

#[test]
fn the_layout_does_not_depend_on_input_order() {
    let (mut secrets, mut allowed, events) = (secrets(), principals(), Vec::new());
    let a = event_layout(&input(&secrets, &allowed, &events)).expect("fits");
    secrets.reverse();
    allowed.reverse();
    let b = event_layout(&input(&secrets, &allowed, &events)).expect("fits");
    let json = |l: &EventLayout| l.patterns().iter().map(|p| p.to_json()).collect::<Vec<_>>();
    assert_eq!(json(&a), json(&b));
}

#[test]
fn overlapping_entries_share_a_group_and_covered_ones_go() {
    let arn = |name: &str| format!("arn:aws:secretsmanager:us-east-1:{MAIN}:secret:{name}");
    // (configured entries, the groups expected, each as its entries)
    let cases: Vec<(Vec<String>, Vec<Vec<&str>>)> = vec![
        // A name's full-ARN form also matches `NAME-…` secrets.
        (
            vec!["db-password".into(), "db-password-old".into(), "dbx".into()],
            vec![vec!["db-password", "db-password-old"], vec!["dbx"]],
        ),
        // A prefix covers the names and ARNs under it.
        (
            vec![
                "prod/*".into(),
                "prod/db".into(),
                arn("prod/api-AbCdEf"),
                "prod-x".into(),
            ],
            vec![vec!["prod-x"], vec!["prod/*"]],
        ),
        // A name covers its own full ARN; a prefix and a longer prefix.
        (
            vec![
                arn("billing-AbCdEf"),
                "billing".into(),
                "a/*".into(),
                "a/b/*".into(),
            ],
            vec![vec!["a/*"], vec!["billing"]],
        ),
        // Disjoint names each stand alone.
        (vec!["x".into(), "y".into()], vec![vec!["x"], vec!["y"]]),
    ];
    for (entries, expected) in cases {
        let parsed: Vec<_> = entries
            .iter()
            .map(|e| parse_secret(e).expect("valid"))
            .collect();
        let expected: Vec<Vec<_>> = expected
            .iter()
            .map(|g| g.iter().map(|e| parse_secret(e).expect("valid")).collect())
            .collect();
        assert_eq!(scope_groups(&parsed), expected, "{entries:?}");
    }
}
