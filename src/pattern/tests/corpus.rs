//! The CloudTrail corpus: realistic records, each labelled with whether the
//! pattern generated for each configuration below must count it.

use crate::pattern::{generate, FilterPattern, PatternInput, DEFAULT_EVENT_PATTERN_MAX_LEN};

pub(super) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A pipeline configuration under test.
pub(super) struct Config {
    pub(super) name: &'static str,
    /// This configuration's column of a record's [`Verdicts`].
    pub(super) verdict: fn(&Verdicts) -> bool,
    pub(super) secrets: &'static [&'static str],
    pub(super) allowed: &'static [&'static str],
    pub(super) events: &'static [&'static str],
    pub(super) alert_on_denied: bool,
}

/// The configurations every record of `CASES` is judged under.
pub(super) const CONFIGS: [Config; 5] = [
    // The typical configuration.
    Config {
        name: "typical",
        verdict: |v| v.typical,
        secrets: &["prod/*"],
        allowed: &["arn:aws:iam::111122223333:role/app"],
        events: &[],
        alert_on_denied: true,
    },
    Config {
        name: "typical_no_denied",
        verdict: |v| v.typical_no_denied,
        secrets: &["prod/*"],
        allowed: &["arn:aws:iam::111122223333:role/app"],
        events: &["GetSecretValue", "BatchGetSecretValue"],
        alert_on_denied: false,
    },
    // Exact name + full ARN; roles with paths (one Identity Center), user, root
    // and account allowed.
    Config {
        name: "exact",
        verdict: |v| v.exact,
        secrets: &[
            "db-password",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/api-key-Q1w2E3",
        ],
        allowed: &[
            "arn:aws:iam::111122223333:role/service/app-runner",
            "arn:aws:iam::111122223333:user/ci-bot",
            "arn:aws:iam::111122223333:root",
            "444455556666",
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef",
        ],
        events: &[],
        // Successes only: with denied attempts (and their errorMessage
        // clauses, docs §1.4) two exact secrets and five principals exceed
        // the 1024-character limit.
        alert_on_denied: false,
    },
    // Every secret, nobody allowed, successes only.
    Config {
        name: "everything",
        verdict: |v| v.everything,
        secrets: &[],
        allowed: &[],
        events: &[],
        alert_on_denied: false,
    },
    // Only reads from outside the account, GetSecretValue only.
    Config {
        name: "cross_account_only",
        verdict: |v| v.cross_account_only,
        secrets: &["prod/*"],
        allowed: &["111122223333"],
        events: &["GetSecretValue"],
        alert_on_denied: true,
    },
];

/// Whether a record counts under each configuration of `CONFIGS`, by name,
/// so that reordering the configurations cannot shift a column.
pub(super) struct Verdicts {
    pub(super) typical: bool,
    pub(super) typical_no_denied: bool,
    pub(super) exact: bool,
    pub(super) everything: bool,
    pub(super) cross_account_only: bool,
}

pub(super) struct Case {
    pub(super) file: &'static str,
    pub(super) json: &'static str,
    pub(super) expect: Verdicts,
}

macro_rules! case {
    ($name:literal, $($config:ident: $counts:literal),+ $(,)?) => {
        Case {
            file: $name,
            json: include_str!(concat!("../../../tests/corpus/cloudtrail/", $name, ".json")),
            expect: Verdicts { $($config: $counts),+ },
        }
    };
}

#[rustfmt::skip]
pub(super) const CASES: &[Case] = &[
    case!("iam_user_get_prod_db_by_name", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // IAM user reads an in-scope secret by name
    case!("assumed_role_app_get_prod_db", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // allowed role (instance session)
    case!("assumed_role_app_other_session_full_arn", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // allowed role, other session name, full ARN
    case!("assumed_role_app_prod_lookalike", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // role app-prod must not be allowed by role app
    case!("assumed_role_same_name_other_account", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: true), // role named app in another account
    case!("assumed_role_with_path_db_password", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // allowed role with a path
    case!("assumed_role_path_lookalike_db_password", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // role whose name starts with the allowed role's name
    case!("federated_user_db_password_partial_arn", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // GetFederationToken session of an allowed user is not allowed
    case!("iam_user_ci_bot_db_password_full_arn", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // allowed IAM user
    case!("iam_user_ci_bot_lookalike", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // user ci-bot-2 is not ci-bot
    case!("root_console_get_prod_db", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // root user (console) reads in-scope secret
    case!("root_get_db_password_full_arn", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // allowed root
    case!("awsservice_get_prod_db", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: true), // AWS service principal: cannot be allow-listed, counts
    case!("assumed_role_app_invoked_by_cloudformation", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // allowed role acting through CloudFormation
    case!("assumed_role_deployer_invoked_by_cloudformation", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // unknown role acting through CloudFormation still counts
    case!("cross_account_trusted_db_password_arn", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // principal of an allowed account
    case!("cross_account_unknown_user_prod_arn", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: true), // external user reads in-scope secret
    case!("prefix_collision_prod_other_by_name", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // prod-other/x is not under prod/
    case!("prefix_collision_prod_other_by_arn", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // prod-other/x by ARN
    case!("db_password_old_by_name", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // different secret sharing a prefix, by name
    case!("db_password_old_by_full_arn", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // documented over-alert: full ARN of db-password-old matches exact name db-password
    case!("db_password_by_name", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // exact name
    case!("db_password_by_partial_arn", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // exact name, partial ARN
    case!("db_password_by_full_arn", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // exact name, full ARN
    case!("billing_api_key_by_name", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // secret configured by ARN, read by name
    case!("billing_api_key_by_partial_arn", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // secret configured by ARN, read by partial ARN
    case!("billing_api_key_by_full_arn", typical: false, typical_no_denied: false, exact: true, everything: true, cross_account_only: false), // secret configured by ARN, read by that ARN
    case!("billing_api_key_other_account_arn", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // same name in another account is another secret
    case!("denied_access_denied_prod_db", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied attempt, AccessDenied
    case!("denied_access_denied_exception_prod_db", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied attempt, AccessDeniedException
    case!("denied_cross_account_prod_db", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: true), // denied external attempt
    case!("denied_canary_role_db_password", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied attempt on exact-name secret (the exact config counts successes only)
    case!("denied_allowed_role_prod_db", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // allowed principals never count, denied or not
    case!("error_resource_not_found_prod", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // other error codes do not count
    case!("error_decryption_failure_prod_db", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // DecryptionFailure does not count
    case!("error_throttling_prod_db", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // throttled call does not count
    case!("ssm_get_parameter_prod", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // Parameter Store read
    case!("ssm_get_parameter_secretsmanager_reference", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // Parameter Store reference call itself (Secrets Manager logs its own record)
    case!("fake_kms_get_secret_value", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // same eventName from another service
    case!("describe_secret_prod_db", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // DescribeSecret is not watched
    case!("list_secrets", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // ListSecrets is not watched
    case!("batch_get_secret_value_prod_list", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // batch call itself: scoped configs rely on its per-secret records
    case!("batch_get_secret_value_per_secret_get_prod_api_key", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // per-secret GetSecretValue record of a batch call
    case!("batch_get_secret_value_filters", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // batch call by filters
    case!("batch_get_secret_value_denied", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied batch call: scope unknowable, counted (documented over-alert)
    case!("batch_get_secret_value_denied_allowed_role", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied batch call by allowed role
    case!("dev_db_by_alice", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // out-of-scope secret
    case!("sso_admin_role_prod_api_key", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // IAM Identity Center role session
    case!("put_secret_value_prod_db", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // writes are not watched
    case!("denied_null_params_prod_db_by_name", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied, requestParameters null: errorMessage names an in-scope secret by name
    case!("denied_null_params_prod_db_full_arn", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: true), // denied, requestParameters null: errorMessage names an in-scope secret by full ARN (explicit deny)
    case!("denied_null_params_dev_db_out_of_scope", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied, requestParameters null: errorMessage names an out-of-scope secret
    case!("denied_null_params_dev_db_arn_caller_session_prod", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // out-of-scope secret by ARN; the caller's session is called prod, which must not read as prod/
    case!("denied_null_params_no_resource_in_message", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // denied, no secret ID and no resource in the message: scope unknowable, counted
    case!("denied_null_params_no_error_message", typical: true, typical_no_denied: false, exact: false, everything: false, cross_account_only: true), // denied, no secret ID and no errorMessage at all: counted
    case!("denied_null_params_allowed_role_prod_db", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // allowed principals never count, whatever the message
    case!("denied_null_params_allowed_role_no_message", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // allowed principal, scope unknowable: still not counted
    case!("sso_admin_role_db_password_allowed_by_path", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // Identity Center role allowed by its IAM ARN with path
    case!("sso_admin_role_prod_db_not_allowed", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // Identity Center role not allowed reads an in-scope secret by full ARN
    case!("batch_mixed_list_prod_and_dev", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // successful batch of an in-scope and an out-of-scope secret: not counted itself
    case!("batch_mixed_per_secret_get_prod_db", typical: true, typical_no_denied: true, exact: false, everything: true, cross_account_only: false), // its per-secret record of the in-scope secret
    case!("batch_mixed_per_secret_get_dev_db", typical: false, typical_no_denied: false, exact: false, everything: true, cross_account_only: false), // its per-secret record of the out-of-scope secret
    case!("kms_decrypt_invoked_by_secretsmanager", typical: false, typical_no_denied: false, exact: false, everything: false, cross_account_only: false), // KMS Decrypt made by Secrets Manager on a caller's behalf: another event source
];

/// The configuration called `name`.
pub(super) fn config(name: &str) -> &'static Config {
    CONFIGS
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no configuration {name:?}"))
}

/// Judges every record under every configuration with the matcher
/// `matcher_for(config)` returns, and fails listing every verdict that differs
/// from the table.
pub(super) fn assert_verdicts<M: Fn(&Case) -> bool>(matcher_for: impl Fn(&Config) -> M) {
    let mut failures = Vec::new();
    for config in &CONFIGS {
        let matches = matcher_for(config);
        for case in CASES {
            let (expected, got) = ((config.verdict)(&case.expect), matches(case));
            if got != expected {
                failures.push(format!(
                    "{}: {} expected {expected} got {got}",
                    config.name, case.file
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong verdicts:\n{}\n",
        failures.len(),
        failures.join("\n")
    );
}

fn pattern_for(c: &Config) -> FilterPattern {
    let secrets = strings(c.secrets);
    let allowed = strings(c.allowed);
    let events = strings(c.events);
    generate(&PatternInput {
        secrets: &secrets,
        allowed_principals: &allowed,
        watched_events: &events,
        alert_on_denied: c.alert_on_denied,
        event_pattern_max_len: DEFAULT_EVENT_PATTERN_MAX_LEN,
    })
    .unwrap_or_else(|e| panic!("config {}: {e}", c.name))
}

#[test]
fn corpus_records_are_valid_cloudtrail_json() {
    for case in CASES {
        let v: serde_json::Value =
            serde_json::from_str(case.json).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        for key in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "eventID",
            "recipientAccountId",
        ] {
            assert!(v.get(key).is_some(), "{} lacks {key}", case.file);
        }
    }
}

#[test]
fn every_record_gets_the_expected_verdict_under_every_config() {
    assert_verdicts(|config| {
        let generated = pattern_for(config);
        // Evaluate through the text too: what CloudWatch receives is the text.
        let reparsed = crate::pattern::parse(&generated.text()).expect("generated pattern parses");
        assert_eq!(
            reparsed,
            generated.to_pattern(),
            "round trip of {}",
            config.name
        );
        move |case: &Case| {
            let got = generated.matches(case.json);
            assert_eq!(got, reparsed.matches(case.json));
            got
        }
    });
}

#[test]
fn corpus_covers_both_verdicts_for_every_config() {
    for config in &CONFIGS {
        let counted = CASES.iter().filter(|c| (config.verdict)(&c.expect)).count();
        assert!(counted > 0 && counted < CASES.len(), "{}", config.name);
    }
}

#[test]
fn every_corpus_file_is_in_the_table() {
    // The table reads the records with include_str!; make sure no file in the
    // directory was forgotten (and none is listed twice).
    let here = std::path::Path::new(file!());
    let root = here.ancestors().nth(4).expect("repository root");
    let root = if root.is_absolute() {
        root.to_path_buf()
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(root)
    };
    let dir = root.join("tests/corpus/cloudtrail");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.file.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk);
}
