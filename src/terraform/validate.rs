//! Plan-time validation of a pipeline's configuration. No AWS call: every
//! check works on the configuration alone, and unknown values are skipped
//! here and checked again at apply (the resource re-runs [`validate`] on the
//! planned state before any AWS call).
//!
//! Every finding carries the attribute path (so Terraform shows file and
//! line), what was given, what is allowed and how to fix it. [`RULES`] lists
//! the same rules as data; the reference docs print them next to each
//! argument.

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::diagnostics::{attr, item, key, nested, Finding, PathStep};
use super::plan;
use super::state::{known_strings, PipelineState, StrList, StrMap};
use crate::pattern::{self, PatternError, PatternInput};

/// The longest name for which every derived AWS name stays within its limit
/// (IAM role names are 64 characters and get a 19-character suffix).
pub const MAX_NAME_LEN: usize = 40;

/// The values CloudWatch Logs accepts for a log group's retention.
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// AWS's limits on tags, the same for every component of the pipeline.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_LEN: usize = 128;
pub const MAX_TAG_VALUE_LEN: usize = 256;

/// CloudWatch's limit on an alarm's whole evaluation range (period x periods).
pub const MAX_EVALUATION_SECONDS: i64 = 86_400;

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

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// One rule the validator enforces, as the docs show it next to its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The argument, as written in HCL: `name`, `alarm.period_seconds`, `notification`.
    pub path: &'static str,
    pub text: &'static str,
}

const fn rule(path: &'static str, text: &'static str) -> Rule {
    Rule { path, text }
}

/// Every rule of [`validate`], by argument.
pub const RULES: &[Rule] = &[
    rule("name", "3 to 40 characters: lower-case letters, digits and single hyphens, starting and ending with a letter or digit, so that every derived name is valid (S3 bucket 3-63 lower-case, CloudTrail trail 3-128, IAM role 64, log group 512, alarm 255, SNS topic 256, KMS alias 256)."),
    rule("name", "When the archive bucket takes its default name, `name` must not start with `sthree-` or `amzn-s3-demo-` (prefixes S3 reserves)."),
    rule("secrets", "Each entry is a secret name (letters, digits and `/_+=.@-`, at most 512 characters), a prefix ending in a single trailing `*`, or a full Secrets Manager ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`) of a valid partition, region and 12-digit account. No duplicates, no null entries."),
    rule("secrets", "The generated filter pattern must fit CloudWatch Logs' 1024 characters; when it does not, the error says how many secrets (or allowed principals) fit."),
    rule("allowed_principals", "Each entry is an IAM role ARN, IAM user ARN, account root ARN (`arn:aws:iam::ACCOUNT:root`) or a 12-digit account ID. STS assumed-role session ARNs (write the role's ARN), bare names (write the full ARN), wildcards (list the roles, or the account ID) and group ARNs are refused. No duplicates."),
    rule("watched_events", "Secrets Manager operations only (such as `GetSecretValue`, `BatchGetSecretValue`, `DescribeSecret`), spelled as in CloudTrail, without the `secretsmanager:` prefix. No duplicates. With `secrets` set, `ListSecrets`, `GetRandomPassword` and `CreateSecret` are refused: their records name no secret, so they could never match."),
    rule("tags", "At most 50 tags; keys 1-128 characters, values at most 256, of letters, digits, spaces and `_ . : / = + - @`; keys starting with `aws:` are reserved by AWS. The provider's `default_tags` are merged in, and the merged set must stay within 50 (checked at plan)."),
    rule("trail.create", "`false` requires `trail.existing_log_group_name` and forbids the settings of the trail it does not create: `trail.multi_region`, `trail.organization`, `trail.log_file_validation` and every `archive` argument."),
    rule("trail.existing_log_group_name", "Required when `trail.create = false`, refused otherwise. A log group name: 1-512 letters, digits and `._/#-` (the name, not the ARN)."),
    rule("trail.multi_region", "Must stay `true` when `trail.organization = true`. Not allowed with `trail.create = false`."),
    rule("trail.organization", "`true` needs `trail.multi_region = true`. Not allowed with `trail.create = false`."),
    rule("trail.log_file_validation", "Not allowed with `trail.create = false`."),
    rule("log_group.retention_days", "One of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."),
    rule("archive.bucket_name", "S3 bucket name rules: 3-63 lower-case letters, digits, hyphens and periods, starting and ending with a letter or digit, no `..`, not an IP address, no `xn--`, `sthree-` or `amzn-s3-demo-` prefix, no `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3` suffix. Not allowed with `trail.create = false`."),
    rule("archive.transition_to_glacier_after_days", "0 or more, and before `archive.expire_after_days` when that is not 0. Not allowed with `trail.create = false`."),
    rule("archive.expire_after_days", "0 (keep forever) or more than `archive.transition_to_glacier_after_days`. Not allowed with `trail.create = false`."),
    rule("archive.force_destroy", "Allowed, with a warning: `true` deletes the audit archive with its log files on destroy. Not allowed with `trail.create = false`."),
    rule("alarm.namespace", "1-255 ASCII characters, without `:`, `*` or `$`, not starting with `AWS/` (reserved)."),
    rule("alarm.metric_name", "1-255 ASCII characters, without `:`, `*` or `$`."),
    rule("alarm.threshold", "1 or more. Above 1 is allowed with a warning: that many reads minus one per period pass without an alarm."),
    rule("alarm.period_seconds", "10, 30 or a multiple of 60; 10 and 30 warn, because metric filters publish one data point a minute."),
    rule("alarm.evaluation_periods", "1 or more, and `alarm.period_seconds` x `alarm.evaluation_periods` at most 86400 (one day)."),
    rule("notification", "At least one subscriber across `emails`, `sqs_queue_arns` and `https_endpoints`."),
    rule("notification.emails", "Well-formed addresses (`local@domain.tld`), no duplicates. Allowed with a warning: each stays pending (and receives nothing) until its owner confirms the subscription."),
    rule("notification.sqs_queue_arns", "SQS queue ARNs (`arn:aws:sqs:REGION:ACCOUNT:QUEUE`, queue names of 1-80 letters, digits, `-` and `_`), not queue URLs; no FIFO (`.fifo`) queues, which only FIFO topics can feed. No duplicates."),
    rule("notification.https_endpoints", "URLs starting with `https://` and naming a host. No duplicates. Allowed with a warning: each stays pending until the endpoint confirms the subscription."),
    rule("kms.key_arn", "A KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY_ID`, with a key ID or `mrk-` multi-Region ID) or alias ARN (`arn:aws:kms:REGION:ACCOUNT:alias/NAME`); not a bare key ID or alias name, and not an AWS managed key (`alias/aws/...`), whose policy CloudTrail cannot use."),
    rule("kms.deletion_window_days", "7 to 30. Has no effect with `kms.key_arn` (a warning says so): a key you bring is never deleted."),
    rule("timeouts.create", "A duration such as `90s`, `15m`, `1h` or `1h30m`."),
    rule("timeouts.update", "A duration such as `90s`, `15m`, `1h` or `1h30m`."),
    rule("timeouts.delete", "A duration such as `90s`, `15m`, `1h` or `1h30m`."),
];

/// The rules of one argument, for the docs.
pub fn rules_for(path: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    RULES.iter().filter(move |r| r.path == path)
}

/// Validates a configuration (or, at apply, the planned state: then the
/// defaults are written in, and only settings that differ from them count as
/// set where a setting is forbidden).
pub fn validate(config: &PipelineState) -> Vec<Finding> {
    let mut v = Validator {
        findings: Vec::new(),
        // Computed-only attributes are null in a configuration; the planned
        // state carries `id` (the name).
        defaults_applied: !config.id.is_null(),
    };
    v.name(config);
    let lists_ok = v.lists(config);
    if lists_ok {
        v.pattern_length(config);
    }
    v.tags(attr("tags"), &config.tags);
    v.trail(config);
    v.log_group(config);
    v.archive(config);
    v.alarm(config);
    v.notification(config);
    v.kms(config);
    v.timeouts(config);
    v.findings
}

/// The checks that need the provider's `default_tags`: the merged tag count.
pub fn validate_merged_tags(
    config: &PipelineState,
    default_tags: &BTreeMap<String, String>,
) -> Vec<Finding> {
    let Value::Value(tags) = &config.tags else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = default_tags.keys().collect();
    keys.extend(tags.keys().filter(|k| !default_tags.contains_key(*k)));
    if keys.len() > MAX_TAGS && tags.len() <= MAX_TAGS {
        return vec![Finding::error(
            attr("tags"),
            "Too many tags",
            format!(
                "tags has {} tags and the provider's default_tags {}; merged, every component would carry {}. AWS allows at most {MAX_TAGS} tags per resource: remove {} of them (here or in default_tags).",
                tags.len(),
                default_tags.len(),
                keys.len(),
                keys.len() - MAX_TAGS
            ),
        )];
    }
    Vec::new()
}

/// Checks a tag map (such as the provider's `default_tags.tags`) at `path`.
pub fn validate_tag_map(path: Vec<PathStep>, tags: &StrMap) -> Vec<Finding> {
    let mut v = Validator {
        findings: Vec::new(),
        defaults_applied: false,
    };
    v.tags(path, tags);
    v.findings
}

struct Validator {
    findings: Vec<Finding>,
    defaults_applied: bool,
}

/// A value as the diagnostic shows it: quoted, shortened when long.
fn shown(value: &str) -> String {
    const MAX: usize = 120;
    if value.chars().count() > MAX {
        let cut: String = value.chars().take(MAX).collect();
        format!(
            "\"{}...\" ({} characters)",
            cut.escape_debug(),
            value.chars().count()
        )
    } else {
        format!("{value:?}")
    }
}

fn strings_at(list: &StrList) -> Vec<(usize, Value<String>)> {
    match list {
        Value::Value(items) => items.iter().cloned().enumerate().collect(),
        _ => Vec::new(),
    }
}

fn known_at(list: &StrList) -> Vec<(usize, String)> {
    strings_at(list)
        .into_iter()
        .filter_map(|(i, v)| v.as_ref_option().map(|s| (i, s.clone())))
        .collect()
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `us-east-1`, `us-gov-west-1`, `ap-southeast-2`, `cn-north-1`, `eu-central-2`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The parts of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split_arn(s: &str) -> Option<Arn<'_>> {
    let rest = s.strip_prefix("arn:")?;
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    if parts.len() != 5 {
        return None;
    }
    Some(Arn {
        partition: parts[0],
        service: parts[1],
        region: parts[2],
        account: parts[3],
        resource: parts[4],
    })
}

/// What is wrong with an ARN's partition, region and account, if anything.
fn arn_frame_problem(arn: &Arn<'_>) -> Option<String> {
    if !PARTITIONS.contains(&arn.partition) {
        return Some(format!(
            "{:?} is not an AWS partition (aws, aws-cn, aws-us-gov, ...)",
            arn.partition
        ));
    }
    if !is_region(arn.region) {
        return Some(format!(
            "{:?} is not a region (such as us-east-1)",
            arn.region
        ));
    }
    if !is_account_id(arn.account) {
        return Some(format!("{:?} is not a 12-digit account ID", arn.account));
    }
    None
}

fn email_problem(email: &str) -> Option<&'static str> {
    if email.starts_with("mailto:") {
        return Some("drop the mailto: prefix");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains white space");
    }
    if email.len() > 254 {
        return Some("addresses are at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some("it has no @");
    };
    if domain.contains('@') {
        return Some("it has more than one @");
    }
    if local.is_empty() || local.len() > 64 {
        return Some("the part before @ must be 1 to 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("the part before @ has a misplaced period");
    }
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
    {
        return Some("the part before @ has a character mail systems refuse");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Some("the domain has no top-level domain (such as .com)");
    }
    if labels.iter().any(|l| {
        l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }) {
        return Some("the domain is not a valid host name");
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || !(tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--")) {
        return Some("the top-level domain is not valid");
    }
    None
}

fn https_problem(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        if url.to_ascii_lowercase().starts_with("http://") {
            return Some("plain http:// is not allowed: alerts are delivered over HTTPS only; serve the endpoint over TLS and write https://".into());
        }
        if url.to_ascii_lowercase().starts_with("https://") {
            return Some("write the scheme in lower case: https://".into());
        }
        return Some("it must start with https://".into());
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains white space; percent-encode it".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Some("it names no host".into());
    }
    if url.len() > 2048 {
        return Some("URLs are at most 2048 characters".into());
    }
    None
}

fn sqs_problem(value: &str) -> Option<String> {
    if let Some(rest) = value
        .strip_prefix("https://sqs.")
        .or_else(|| value.strip_prefix("https://"))
    {
        // A queue URL: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.
        let parts: Vec<&str> = rest.split('/').collect();
        let region = parts[0].split('.').next().unwrap_or("REGION");
        if parts.len() == 3 {
            return Some(format!(
                "that is a queue URL; write the queue's ARN: arn:aws:sqs:{region}:{}:{}",
                parts[1], parts[2]
            ));
        }
        return Some(
            "that is a URL; write the queue's ARN, arn:aws:sqs:REGION:ACCOUNT:QUEUE".into(),
        );
    }
    let Some(arn) = split_arn(value) else {
        return Some("expected arn:aws:sqs:REGION:ACCOUNT:QUEUE".into());
    };
    if arn.service != "sqs" {
        return Some(format!(
            "that is an ARN of {:?}, not of an SQS queue (arn:aws:sqs:REGION:ACCOUNT:QUEUE)",
            arn.service
        ));
    }
    if let Some(problem) = arn_frame_problem(&arn) {
        return Some(problem);
    }
    if arn.resource.ends_with(".fifo") {
        return Some("FIFO queues can only subscribe to FIFO topics and the pipeline's topic is a standard one; use a standard queue".into());
    }
    if arn.resource.is_empty()
        || arn.resource.len() > 80
        || !arn
            .resource
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Some(format!(
            "queue name {:?}: 1 to 80 letters, digits, hyphens and underscores",
            arn.resource
        ));
    }
    None
}

fn is_key_id(id: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(mrk) = id.strip_prefix("mrk-") {
        return hex(mrk, 32);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| hex(g, n))
}

fn kms_problem(value: &str) -> Option<String> {
    if is_key_id(value) {
        return Some(format!(
            "that is a bare key ID; write the key's ARN, arn:aws:kms:REGION:ACCOUNT:key/{value}"
        ));
    }
    if let Some(alias) = value.strip_prefix("alias/") {
        return Some(format!(
            "that is an alias name; write the alias ARN, arn:aws:kms:REGION:ACCOUNT:alias/{alias}"
        ));
    }
    let Some(arn) = split_arn(value) else {
        return Some("expected arn:aws:kms:REGION:ACCOUNT:key/KEY_ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME".into());
    };
    if arn.service != "kms" {
        return Some(format!(
            "that is an ARN of {:?}, not of a KMS key or alias",
            arn.service
        ));
    }
    if let Some(problem) = arn_frame_problem(&arn) {
        return Some(problem);
    }
    if let Some(id) = arn.resource.strip_prefix("key/") {
        if !is_key_id(id) {
            return Some(format!(
                "{id:?} is not a key ID (a UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab, or mrk- and 32 hex digits)"
            ));
        }
        return None;
    }
    if let Some(name) = arn.resource.strip_prefix("alias/") {
        if name.starts_with("aws/") {
            return Some("that is an AWS managed key, whose policy cannot admit CloudTrail; create a customer managed key or leave key_arn unset".into());
        }
        if name.is_empty()
            || name.len() > 250
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
        {
            return Some(format!(
                "alias name {name:?}: 1 to 250 letters, digits and /_-"
            ));
        }
        return None;
    }
    Some("the resource must be key/KEY_ID or alias/NAME".into())
}

fn log_group_problem(name: &str) -> Option<String> {
    if name.starts_with("arn:") {
        let bare = name
            .split(":log-group:")
            .nth(1)
            .map(|n| n.trim_end_matches(":*"))
            .unwrap_or("NAME");
        return Some(format!(
            "that is an ARN; write the log group's name: {bare:?}"
        ));
    }
    if name.is_empty() || name.len() > 512 {
        return Some("log group names are 1 to 512 characters".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._/#-".contains(*c)))
    {
        return Some(format!(
            "character {c:?} is not allowed (letters, digits and ._/#- only)"
        ));
    }
    None
}

fn bucket_problem(name: &str) -> Option<String> {
    let n = name.len();
    if !(3..=63).contains(&n) {
        return Some(format!("it is {n} characters; S3 allows 3 to 63"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Some(format!(
            "character {c:?} is not allowed (lower-case letters, digits, hyphens and periods only)"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("it must start and end with a letter or digit".into());
    }
    if name.contains("..") {
        return Some("it contains two adjacent periods".into());
    }
    let octets: Vec<&str> = name.split('.').collect();
    if octets.len() == 4
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some("it is formatted as an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Some(format!("the prefix {prefix:?} is reserved by S3"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!("the suffix {suffix:?} is reserved by S3"));
        }
    }
    None
}

fn metric_text_problem(value: &str, namespace: bool) -> Option<String> {
    let n = value.chars().count();
    if n == 0 || n > 255 {
        return Some(format!("it is {n} characters; CloudWatch allows 1 to 255"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || ":*$".contains(*c))
    {
        return Some(format!(
            "character {c:?} is not allowed (printable ASCII without : * $)"
        ));
    }
    if namespace && value.starts_with("AWS/") {
        return Some("namespaces starting with AWS/ are reserved for AWS services".into());
    }
    None
}

/// What to write instead of an allowed principal the pattern cannot use.
fn principal_advice(index: usize, value: &str, reason: &str) -> String {
    let entry = format!("allowed_principals[{index}] = {}", shown(value));
    if let Some(arn) = split_arn(value) {
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
            return format!(
                "{entry}: wildcards are not supported. List each role or user ARN, or give the 12-digit account ID to allow every principal of an account."
            );
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
        return format!(
            "{entry}: wildcards are not supported. List each role or user ARN, or give the 12-digit account ID to allow every principal of an account."
        );
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

impl Validator {
    fn error(&mut self, path: Vec<PathStep>, summary: &str, detail: String) {
        self.findings.push(Finding::error(path, summary, detail));
    }

    fn warning(&mut self, path: Vec<PathStep>, summary: &str, detail: String) {
        self.findings.push(Finding::warning(path, summary, detail));
    }

    /// A setting the configuration does not allow here: any set value in a
    /// configuration, a value other than the default in a planned state.
    fn is_set<T: PartialEq>(&self, value: &Value<T>, default: Option<T>) -> bool {
        match value {
            Value::Value(v) => !self.defaults_applied || default.is_none_or(|d| *v != d),
            _ => false,
        }
    }

    fn name(&mut self, config: &PipelineState) {
        let Value::Value(name) = &config.name else {
            return;
        };
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let problem = if name.len() < 3 || name.len() > MAX_NAME_LEN {
            Some(format!("it is {} characters", name.chars().count()))
        } else if !valid_chars {
            let c = name
                .chars()
                .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
                .unwrap_or('?');
            Some(format!("character {c:?} is not allowed"))
        } else if name.starts_with('-') || name.ends_with('-') {
            Some("it starts or ends with a hyphen".to_owned())
        } else if name.contains("--") {
            Some("it contains two adjacent hyphens".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            let suggestion: String = name
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("-")
                .chars()
                .take(MAX_NAME_LEN)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned();
            let hint = if suggestion.len() >= 3 && suggestion != *name {
                format!(" For example \"{suggestion}\".")
            } else {
                " For example \"prod-secrets\".".to_owned()
            };
            self.error(
                attr("name"),
                "Invalid pipeline name",
                format!(
                    "name = {}: {problem}. Use 3 to {MAX_NAME_LEN} lower-case letters, digits and single hyphens, \
                     starting and ending with a letter or digit: the name prefixes every component, and S3 bucket, \
                     CloudTrail trail and IAM role names allow nothing more.{hint}",
                    shown(name)
                ),
            );
            return;
        }
        let default_bucket = config
            .archive
            .as_ref_option()
            .is_none_or(|a| a.bucket_name.is_null());
        let creates_trail = !config
            .trail
            .as_ref_option()
            .is_some_and(|t| matches!(t.create, Value::Value(false)));
        if default_bucket && creates_trail {
            for prefix in ["sthree-", "amzn-s3-demo-"] {
                if name.starts_with(prefix) {
                    self.error(
                        attr("name"),
                        "Invalid pipeline name",
                        format!(
                            "name = {}: the archive bucket's default name starts with the name, and S3 reserves the prefix {prefix:?}. Choose another name, or set archive.bucket_name.",
                            shown(name)
                        ),
                    );
                }
            }
        }
    }

    fn null_entries(&mut self, field: &'static str, list: &StrList) {
        for (i, v) in strings_at(list) {
            if v.is_null() {
                self.error(
                    item(attr(field), i),
                    "Null list entry",
                    format!("{field}[{i}] is null: every entry needs a value. Remove it, or give the value."),
                );
            }
        }
    }

    fn duplicates(&mut self, field: &'static str, path: Vec<PathStep>, list: &StrList) -> bool {
        let entries = known_at(list);
        let mut found = false;
        for (i, value) in &entries {
            if let Some((first, _)) = entries.iter().find(|(j, other)| j < i && other == value) {
                found = true;
                self.error(
                    item(path.clone(), *i),
                    "Duplicate entry",
                    format!(
                        "{field}[{i}] = {} repeats {field}[{first}]. Each entry may appear once: remove the repeat.",
                        shown(value)
                    ),
                );
            }
        }
        found
    }

    /// Entry-level checks of the three lists the pattern is built from;
    /// true when they are all valid (or unknown).
    fn lists(&mut self, config: &PipelineState) -> bool {
        let before = self.findings.len();
        for field in ["secrets", "allowed_principals", "watched_events"] {
            let list = match field {
                "secrets" => &config.secrets,
                "allowed_principals" => &config.allowed_principals,
                _ => &config.watched_events,
            };
            self.null_entries(field, list);
        }
        for (i, secret) in known_at(&config.secrets) {
            let problem = match pattern::parse_secret(&secret) {
                Err(PatternError::InvalidSecret { reason, .. }) => Some(reason),
                Err(other) => Some(other.to_string()),
                Ok(pattern::SecretScope::Arn { .. }) => {
                    split_arn(&secret).and_then(|arn| arn_frame_problem(&arn))
                }
                Ok(_) => None,
            };
            if let Some(reason) = problem {
                self.error(
                    item(attr("secrets"), i),
                    "Invalid secret",
                    format!(
                        "secrets[{i}] = {}: {reason}. Write a secret name (\"prod/db\"), a prefix ending in one \"*\" (\"prod/*\"), or a full Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX).",
                        shown(&secret)
                    ),
                );
            }
        }
        for (i, principal) in known_at(&config.allowed_principals) {
            if let Err(err) = pattern::parse_principal(&principal) {
                let reason = match err {
                    PatternError::InvalidPrincipal { reason, .. } => reason,
                    other => other.to_string(),
                };
                self.error(
                    item(attr("allowed_principals"), i),
                    "Invalid allowed principal",
                    principal_advice(i, &principal, &reason),
                );
            }
        }
        let secrets_set = known_strings(&config.secrets).is_some_and(|s| !s.is_empty());
        for (i, event) in known_at(&config.watched_events) {
            if SECRETS_MANAGER_OPERATIONS.contains(&event.as_str()) {
                if secrets_set && UNSCOPED_OPERATIONS.contains(&event.as_str()) {
                    self.error(
                        item(attr("watched_events"), i),
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
            self.error(
                item(attr("watched_events"), i),
                "Invalid watched event",
                format!(
                    "watched_events[{i}] = {}: not a Secrets Manager operation.{hint} Allowed: Secrets Manager operations as CloudTrail names them ({}), without the secretsmanager: prefix.",
                    shown(&event),
                    SECRETS_MANAGER_OPERATIONS.join(", ")
                ),
            );
        }
        let mut ok = self.findings.len() == before;
        for (field, list) in [
            ("secrets", &config.secrets),
            ("allowed_principals", &config.allowed_principals),
            ("watched_events", &config.watched_events),
        ] {
            ok &= !self.duplicates(field, attr(field), list);
        }
        ok
    }

    /// The pattern, when every input is known, must fit CloudWatch's limit.
    fn pattern_length(&mut self, config: &PipelineState) {
        let (Some(secrets), Some(principals)) = (
            known_strings(&config.secrets),
            known_strings(&config.allowed_principals),
        ) else {
            return;
        };
        let events = match &config.watched_events {
            Value::Null => pattern::DEFAULT_WATCHED_EVENTS
                .iter()
                .map(|e| (*e).to_owned())
                .collect(),
            other => match known_strings(other) {
                Some(events) => events,
                None => return,
            },
        };
        let alert_on_denied = match config.alert_on_denied {
            Value::Value(v) => v,
            Value::Null => true,
            Value::Unknown => return,
        };
        let input = PatternInput {
            secrets: &secrets,
            allowed_principals: &principals,
            watched_events: &events,
            alert_on_denied,
        };
        let fast_alerts = !matches!(config.fast_alerts, Value::Value(false));
        match pattern::generate(&input) {
            Ok(_) if fast_alerts => {
                // The event pattern is longer text for the same lists; its
                // limit (4096) is reached later than the filter's, but can be.
                if let Err(PatternError::TooLong { len, max }) =
                    pattern::event::read_alert_pattern(&input)
                {
                    self.error(
                        attr("secrets"),
                        "Event pattern too long",
                        format!("secrets ({} entries) and allowed_principals ({} entries) generate an EventBridge event pattern of {len} characters; EventBridge accepts at most {max}. Use name prefixes (\"prod/*\") to cover several secrets at once, allow account IDs instead of single roles, split the pipeline, or set fast_alerts = false.", secrets.len(), principals.len()),
                    );
                }
            }
            Ok(_) => {}
            Err(PatternError::TooLong { len, max }) => {
                let fit = pattern::fitting_entries(&input).ok();
                let advice = fit.map_or_else(String::new, |fit| {
                    format!(
                        " With the other lists as they are, {} of {} secrets fit, or {} of {} allowed principals.",
                        fit.secrets, secrets.len(), fit.allowed_principals, principals.len()
                    )
                });
                self.error(
                    attr("secrets"),
                    "Filter pattern too long",
                    format!("secrets ({} entries) and allowed_principals ({} entries) generate a filter pattern of {len} characters; CloudWatch Logs accepts at most {max}.{advice} Use name prefixes (\"prod/*\") to cover several secrets at once, allow account IDs instead of single roles, or split the pipeline.", secrets.len(), principals.len()),
                );
            }
            Err(err) => self.error(
                attr("secrets"),
                "Cannot build the filter pattern",
                format!("{err}. Check secrets, allowed_principals and watched_events."),
            ),
        }
    }

    fn tags(&mut self, path: Vec<PathStep>, tags: &StrMap) {
        let Value::Value(tags) = tags else {
            return;
        };
        let where_ = super::diagnostics::path_text(&path);
        if tags.len() > MAX_TAGS {
            self.error(
                path.clone(),
                "Too many tags",
                format!(
                    "{where_} has {} tags; AWS allows at most {MAX_TAGS} per resource, and the provider's default_tags are merged in on top. Remove {} of them.",
                    tags.len(),
                    tags.len() - MAX_TAGS
                ),
            );
        }
        let tag_char = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
        for (k, v) in tags {
            let at = key(path.clone(), k);
            let len = k.chars().count();
            if len == 0 || len > MAX_TAG_KEY_LEN {
                self.error(
                    at.clone(),
                    "Invalid tag key",
                    format!("{where_} key {} is {len} characters; AWS allows 1 to {MAX_TAG_KEY_LEN}. Shorten it.", shown(k)),
                );
            }
            if k.to_ascii_lowercase().starts_with("aws:") {
                self.error(
                    at.clone(),
                    "Reserved tag key",
                    format!("{where_} key {}: keys starting with \"aws:\" are reserved for AWS. Rename it (for example without the prefix).", shown(k)),
                );
            } else if let Some(c) = k.chars().find(|c| !tag_char(*c)) {
                self.error(
                    at.clone(),
                    "Invalid tag key",
                    format!("{where_} key {}: character {c:?} is not allowed. Tag keys take letters, digits, spaces and _ . : / = + - @ only.", shown(k)),
                );
            }
            if let Value::Value(v) = v {
                let len = v.chars().count();
                if len > MAX_TAG_VALUE_LEN {
                    self.error(
                        at.clone(),
                        "Invalid tag value",
                        format!("{where_}[{k:?}] is {len} characters; AWS allows at most {MAX_TAG_VALUE_LEN}. Shorten it."),
                    );
                } else if let Some(c) = v.chars().find(|c| !tag_char(*c)) {
                    self.error(
                        at,
                        "Invalid tag value",
                        format!("{where_}[{k:?}] = {}: character {c:?} is not allowed. Tag values take letters, digits, spaces and _ . : / = + - @ only.", shown(v)),
                    );
                }
            }
        }
    }

    fn trail(&mut self, config: &PipelineState) {
        let Some(trail) = config.trail.as_ref_option() else {
            return;
        };
        match trail.create {
            Value::Value(false) => {
                if trail.existing_log_group_name.is_null() {
                    self.error(
                        nested("trail", "existing_log_group_name"),
                        "Missing existing log group",
                        "trail.create = false reuses an existing trail's log group, and none is given. Set trail.existing_log_group_name to that log group's name, or remove create = false to let the pipeline create its own trail.".to_owned(),
                    );
                }
                let forbidden = [
                    ("multi_region", self.is_set(&trail.multi_region, Some(true))),
                    (
                        "organization",
                        self.is_set(&trail.organization, Some(false)),
                    ),
                    (
                        "log_file_validation",
                        self.is_set(&trail.log_file_validation, Some(true)),
                    ),
                ];
                for (field, set) in forbidden {
                    if set {
                        self.error(
                            nested("trail", field),
                            "Setting of a trail that is not created",
                            format!("trail.{field} is set, but trail.create = false: no trail is created, so the setting would be ignored. Remove trail.{field} (configure it on the existing trail), or remove create = false."),
                        );
                    }
                }
            }
            Value::Value(true) | Value::Null => {
                if trail.existing_log_group_name.is_value() {
                    self.error(
                        nested("trail", "existing_log_group_name"),
                        "Existing log group without trail.create = false",
                        "trail.existing_log_group_name is only used with trail.create = false; the pipeline creates its own trail and log group otherwise. Set trail.create = false to reuse an existing trail's log group, or remove existing_log_group_name.".to_owned(),
                    );
                }
            }
            Value::Unknown => {}
        }
        if let Value::Value(group) = &trail.existing_log_group_name {
            if let Some(problem) = log_group_problem(group) {
                self.error(
                    nested("trail", "existing_log_group_name"),
                    "Invalid log group name",
                    format!("trail.existing_log_group_name = {}: {problem}. Give the name of the log group the existing trail delivers to.", shown(group)),
                );
            }
        }
        if matches!(trail.organization, Value::Value(true))
            && matches!(trail.multi_region, Value::Value(false))
        {
            self.error(
                nested("trail", "organization"),
                "Organization trails are multi-region",
                "trail.organization = true with trail.multi_region = false: CloudTrail requires organization trails to record every region. Set multi_region = true (or remove it: true is the default), or set organization = false.".to_owned(),
            );
        }
    }

    fn log_group(&mut self, config: &PipelineState) {
        let Some(Value::Value(days)) = config.log_group.as_ref_option().map(|g| &g.retention_days)
        else {
            return;
        };
        if !RETENTION_DAYS.contains(days) {
            let nearest = RETENTION_DAYS
                .iter()
                .min_by_key(|d| (i128::from(**d) - i128::from(*days)).unsigned_abs())
                .copied()
                .unwrap_or(365);
            self.error(
                nested("log_group", "retention_days"),
                "Unsupported retention",
                format!("log_group.retention_days = {days}: CloudWatch Logs accepts only {RETENTION_DAYS:?}. Use one of them, for example {nearest}."),
            );
        }
    }

    fn archive(&mut self, config: &PipelineState) {
        let Some(archive) = config.archive.as_ref_option() else {
            return;
        };
        let reuses_trail = config
            .trail
            .as_ref_option()
            .is_some_and(|t| matches!(t.create, Value::Value(false)));
        if reuses_trail {
            let forbidden = [
                ("bucket_name", self.is_set(&archive.bucket_name, None)),
                (
                    "transition_to_glacier_after_days",
                    self.is_set(
                        &archive.transition_to_glacier_after_days,
                        Some(plan::DEFAULT_GLACIER_DAYS),
                    ),
                ),
                (
                    "expire_after_days",
                    self.is_set(&archive.expire_after_days, Some(plan::DEFAULT_EXPIRE_DAYS)),
                ),
                (
                    "force_destroy",
                    self.is_set(&archive.force_destroy, Some(false)),
                ),
            ];
            for (field, set) in forbidden {
                if set {
                    self.error(
                        nested("archive", field),
                        "Archive setting without a trail",
                        format!("archive.{field} is set, but trail.create = false: the archive belongs to the trail the pipeline creates, so no bucket is created and the setting would be ignored. Remove the archive block, or remove trail.create = false."),
                    );
                }
            }
            return;
        }
        if let Value::Value(bucket) = &archive.bucket_name {
            if let Some(problem) = bucket_problem(bucket) {
                self.error(
                    nested("archive", "bucket_name"),
                    "Invalid bucket name",
                    format!("archive.bucket_name = {}: {problem}. S3 bucket names are 3-63 lower-case letters, digits, hyphens and periods, starting and ending with a letter or digit; or remove bucket_name to use the default <name>-archive-<account>-<region>.", shown(bucket)),
                );
            }
        }
        let transition = archive
            .transition_to_glacier_after_days
            .as_ref_option()
            .copied();
        let expire = archive.expire_after_days.as_ref_option().copied();
        if let Some(t) = transition {
            if t < 0 {
                self.error(
                    nested("archive", "transition_to_glacier_after_days"),
                    "Negative transition",
                    format!("archive.transition_to_glacier_after_days = {t}: use 0 (move at once) or more days."),
                );
            }
        }
        if let Some(e) = expire {
            if e < 0 {
                self.error(
                    nested("archive", "expire_after_days"),
                    "Negative expiry",
                    format!("archive.expire_after_days = {e}: use 0 (keep forever) or a number of days."),
                );
            }
        }
        // With defaults where unset (at plan both may be unset).
        let t = transition.or(archive
            .transition_to_glacier_after_days
            .is_null()
            .then_some(plan::DEFAULT_GLACIER_DAYS));
        let e = expire.or(archive
            .expire_after_days
            .is_null()
            .then_some(plan::DEFAULT_EXPIRE_DAYS));
        if let (Some(t), Some(e)) = (t, e) {
            if t >= 0 && e > 0 && t >= e {
                let path = if archive.transition_to_glacier_after_days.is_value() {
                    nested("archive", "transition_to_glacier_after_days")
                } else {
                    nested("archive", "expire_after_days")
                };
                self.error(
                    path,
                    "Glacier transition after expiry",
                    format!("archive.transition_to_glacier_after_days = {t} is not before archive.expire_after_days = {e}: S3 refuses a lifecycle that moves log files to Glacier on or after the day it deletes them. Make the transition earlier than the expiry, or set expire_after_days = 0 to keep log files forever."),
                );
            }
        }
        if matches!(archive.force_destroy, Value::Value(true)) && !self.defaults_applied {
            self.warning(
                nested("archive", "force_destroy"),
                "Audit archive deleted on destroy",
                "archive.force_destroy = true: terraform destroy deletes the archive bucket with every CloudTrail log file in it, the audit record of who read which secret. Keep it false for a production pipeline (a non-empty archive is then kept, with a warning).".to_owned(),
            );
        }
    }

    fn alarm(&mut self, config: &PipelineState) {
        let Some(alarm) = config.alarm.as_ref_option() else {
            return;
        };
        for (field, value, namespace) in [
            ("namespace", &alarm.namespace, true),
            ("metric_name", &alarm.metric_name, false),
        ] {
            if let Value::Value(text) = value {
                if let Some(problem) = metric_text_problem(text, namespace) {
                    self.error(
                        nested("alarm", field),
                        if namespace { "Invalid metric namespace" } else { "Invalid metric name" },
                        format!("alarm.{field} = {}: {problem}. Use 1-255 printable ASCII characters without : * $ (default {:?}).", shown(text), if namespace { plan::DEFAULT_NAMESPACE } else { plan::DEFAULT_METRIC_NAME }),
                    );
                }
            }
        }
        let period = alarm.period_seconds.as_ref_option().copied();
        if let Some(period) = period {
            if !(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)) {
                let up = if period < 60 {
                    if period < 10 {
                        10
                    } else if period <= 30 {
                        30
                    } else {
                        60
                    }
                } else {
                    period.saturating_add(59) / 60 * 60
                };
                self.error(
                    nested("alarm", "period_seconds"),
                    "Unsupported alarm period",
                    format!("alarm.period_seconds = {period}: CloudWatch alarms accept 10, 30 or a multiple of 60. Use, for example, {up}."),
                );
            } else if period < 60 {
                self.warning(
                    nested("alarm", "period_seconds"),
                    "Sub-minute alarm period on a one-minute metric",
                    format!("alarm.period_seconds = {period}: metric filters publish standard-resolution metrics (one data point a minute), so most {period}-second periods hold no data and count as not breaching; the alarm may fire late or not at all. Use 60 unless you know the metric is high-resolution."),
                );
            }
        }
        if let Value::Value(threshold) = alarm.threshold {
            if threshold < 1 {
                self.error(
                    nested("alarm", "threshold"),
                    "Threshold below 1",
                    format!("alarm.threshold = {threshold}: the alarm fires when the period's count of reads reaches the threshold, so below 1 it would always be in alarm. Use 1 (alert on every read) or more."),
                );
            } else if threshold > 1 && !self.defaults_applied {
                self.warning(
                    nested("alarm", "threshold"),
                    "Single reads do not alert",
                    format!("alarm.threshold = {threshold}: up to {} reads per period pass without an alarm, so a single unexpected read of a secret goes unnoticed. Use 1 unless that noise is intended.", threshold - 1),
                );
            }
        }
        let periods = alarm.evaluation_periods.as_ref_option().copied();
        if let Some(periods) = periods {
            if periods < 1 {
                self.error(
                    nested("alarm", "evaluation_periods"),
                    "Evaluation periods below 1",
                    format!("alarm.evaluation_periods = {periods}: use 1 or more."),
                );
            } else {
                let p = period.unwrap_or(60);
                if alarm.period_seconds.is_unknown() {
                    return;
                }
                if p > 0 && p.saturating_mul(periods) > MAX_EVALUATION_SECONDS {
                    self.error(
                        nested("alarm", "evaluation_periods"),
                        "Evaluation range over one day",
                        format!("alarm.period_seconds = {p} x alarm.evaluation_periods = {periods} = {} seconds; CloudWatch evaluates at most {MAX_EVALUATION_SECONDS} seconds (one day). Use at most {} evaluation periods of {p} seconds, or a shorter period.", p.saturating_mul(periods), MAX_EVALUATION_SECONDS / p),
                    );
                }
            }
        }
    }

    fn notification(&mut self, config: &PipelineState) {
        let notification = match &config.notification {
            Value::Value(n) => n.clone(),
            Value::Null => Default::default(),
            Value::Unknown => return,
        };
        let lists: [(&'static str, &StrList); 3] = [
            ("emails", &notification.emails),
            ("sqs_queue_arns", &notification.sqs_queue_arns),
            ("https_endpoints", &notification.https_endpoints),
        ];
        let all_known = lists.iter().all(|(_, l)| known_strings(l).is_some());
        let count: usize = lists
            .iter()
            .filter_map(|(_, l)| known_strings(l))
            .map(|l| l.len())
            .sum();
        if all_known && count == 0 {
            // Terraform locates attributes, not blocks: point at the first list
            // written empty, else at emails (Terraform then shows the block).
            let at = lists
                .iter()
                .find(|(_, l)| l.is_value())
                .map_or("emails", |(field, _)| *field);
            self.error(
                nested("notification", at),
                "No subscriber",
                "notification has no email, SQS queue or HTTPS endpoint, so alerts would go nowhere. Add at least one of notification.emails, notification.sqs_queue_arns or notification.https_endpoints.".to_owned(),
            );
        }
        for (field, list) in lists {
            for (i, v) in strings_at(list) {
                if v.is_null() {
                    self.error(
                        item(nested("notification", field), i),
                        "Null list entry",
                        format!("notification.{field}[{i}] is null: every entry needs a value. Remove it, or give the value."),
                    );
                }
            }
            let problem_of: fn(&str) -> Option<String> = match field {
                "emails" => |e| email_problem(e).map(str::to_owned),
                "sqs_queue_arns" => sqs_problem,
                _ => https_problem,
            };
            let (summary, allowed) = match field {
                "emails" => ("Invalid email address", "Write a plain address such as secops@example.com."),
                "sqs_queue_arns" => ("Invalid SQS queue ARN", "Write a standard queue's ARN, such as arn:aws:sqs:eu-west-1:111122223333:alerts."),
                _ => ("Invalid HTTPS endpoint", "Write an https:// URL such as https://alerts.example.com/sns."),
            };
            for (i, value) in known_at(list) {
                if let Some(problem) = problem_of(&value) {
                    self.error(
                        item(nested("notification", field), i),
                        summary,
                        format!(
                            "notification.{field}[{i}] = {}: {problem}. {allowed}",
                            shown(&value)
                        ),
                    );
                }
            }
            self.duplicates(
                match field {
                    "emails" => "notification.emails",
                    "sqs_queue_arns" => "notification.sqs_queue_arns",
                    _ => "notification.https_endpoints",
                },
                nested("notification", field),
                list,
            );
        }
        if self.defaults_applied {
            return;
        }
        for (field, what) in [
            ("emails", "email address"),
            ("https_endpoints", "HTTPS endpoint"),
        ] {
            let list = if field == "emails" {
                &notification.emails
            } else {
                &notification.https_endpoints
            };
            let n = known_at(list).len();
            if n > 0 {
                self.warning(
                    nested("notification", field),
                    "Subscriptions wait for confirmation",
                    format!("notification.{field}: each {what} ({n}) receives a confirmation request and gets no alert until it is confirmed; the subscriptions attribute shows pending_confirmation. Confirm them after apply, or use sqs_queue_arns for a subscription that works at once."),
                );
            }
        }
    }

    fn kms(&mut self, config: &PipelineState) {
        let Some(kms) = config.kms.as_ref_option() else {
            return;
        };
        if let Value::Value(key) = &kms.key_arn {
            if let Some(problem) = kms_problem(key) {
                self.error(
                    nested("kms", "key_arn"),
                    "Invalid KMS key ARN",
                    format!("kms.key_arn = {}: {problem}. Allowed: a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID) or an alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME); or remove key_arn to let the pipeline create its key.", shown(key)),
                );
            }
        }
        if let Value::Value(days) = kms.deletion_window_days {
            if !(7..=30).contains(&days) {
                self.error(
                    nested("kms", "deletion_window_days"),
                    "Invalid deletion window",
                    format!("kms.deletion_window_days = {days}: KMS accepts 7 to 30 days. Use a value in that range (30 is the default)."),
                );
            } else if kms.key_arn.is_value() && !self.defaults_applied {
                self.warning(
                    nested("kms", "deletion_window_days"),
                    "Deletion window of a key you bring",
                    format!("kms.deletion_window_days = {days} has no effect with kms.key_arn: the pipeline never deletes a key it did not create. Remove it."),
                );
            }
        }
    }

    fn timeouts(&mut self, config: &PipelineState) {
        let Some(timeouts) = config.timeouts.as_ref_option() else {
            return;
        };
        for (field, value) in [
            ("create", &timeouts.create),
            ("update", &timeouts.update),
            ("delete", &timeouts.delete),
        ] {
            if let Value::Value(text) = value {
                if plan::parse_duration(text).is_none() {
                    self.error(
                        nested("timeouts", field),
                        "Invalid timeout",
                        format!("timeouts.{field} = {}: not a duration. Write a number with s, m or h, such as \"90s\", \"15m\", \"1h\" or \"1h30m\" (default 15m).", shown(text)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::{Names, PipelineSpec};
    use crate::terraform::diagnostics::{path_text, Severity};
    use crate::terraform::state::{
        string_list, AlarmBlock, ArchiveBlock, KmsBlock, LogGroupBlock, NotificationBlock,
        TimeoutsBlock, TrailBlock,
    };

    fn base() -> PipelineState {
        PipelineState {
            name: Value::Value("prod-secrets".into()),
            notification: Value::Value(NotificationBlock {
                sqs_queue_arns: string_list(&["arn:aws:sqs:us-east-1:111122223333:alerts".into()]),
                ..Default::default()
            }),
            trail: Value::Value(TrailBlock::default()),
            ..Default::default()
        }
    }

    fn errors(findings: &[Finding]) -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect()
    }

    fn list(items: &[&str]) -> StrList {
        string_list(&items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    fn s(v: &str) -> Value<String> {
        Value::Value(v.to_owned())
    }

    fn trail(edit: fn(&mut TrailBlock)) -> Value<TrailBlock> {
        let mut t = TrailBlock::default();
        edit(&mut t);
        Value::Value(t)
    }

    fn alarm(edit: fn(&mut AlarmBlock)) -> Value<AlarmBlock> {
        let mut a = AlarmBlock::default();
        edit(&mut a);
        Value::Value(a)
    }

    fn archive(edit: fn(&mut ArchiveBlock)) -> Value<ArchiveBlock> {
        let mut a = ArchiveBlock::default();
        edit(&mut a);
        Value::Value(a)
    }

    fn notify(edit: fn(&mut NotificationBlock)) -> Value<NotificationBlock> {
        let mut n = NotificationBlock::default();
        edit(&mut n);
        Value::Value(n)
    }

    fn kms(edit: fn(&mut KmsBlock)) -> Value<KmsBlock> {
        let mut k = KmsBlock::default();
        edit(&mut k);
        Value::Value(k)
    }

    #[test]
    fn a_plain_config_is_valid() {
        assert_eq!(validate(&base()), vec![]);
    }

    type Edit = fn(&mut PipelineState);

    /// (what, edit, expected path, summary, fragment of the detail)
    fn invalid_cases() -> Vec<(&'static str, Edit, &'static str, &'static str, &'static str)> {
        vec![
            (
                "upper-case name",
                |c| c.name = s("Prod"),
                "name",
                "Invalid pipeline name",
                "\"Prod\"",
            ),
            (
                "long name",
                |c| c.name = s(&"a".repeat(41)),
                "name",
                "Invalid pipeline name",
                "41 characters",
            ),
            (
                "double hyphen",
                |c| c.name = s("a--b"),
                "name",
                "Invalid pipeline name",
                "adjacent hyphens",
            ),
            (
                "reserved bucket prefix",
                |c| c.name = s("sthree-x"),
                "name",
                "Invalid pipeline name",
                "sthree-",
            ),
            (
                "bad principal",
                |c| c.allowed_principals = list(&["app-role"]),
                "allowed_principals[0]",
                "Invalid allowed principal",
                "arn:aws:iam::ACCOUNT_ID:role/app-role",
            ),
            (
                "session ARN",
                |c| {
                    c.allowed_principals =
                        list(&["arn:aws:sts::111122223333:assumed-role/app/i-123"])
                },
                "allowed_principals[0]",
                "Invalid allowed principal",
                "arn:aws:iam::111122223333:role/app",
            ),
            (
                "wildcard principal",
                |c| c.allowed_principals = list(&["arn:aws:iam::111122223333:role/app-*"]),
                "allowed_principals[0]",
                "Invalid allowed principal",
                "wildcards",
            ),
            (
                "short account",
                |c| c.allowed_principals = list(&["11122223333"]),
                "allowed_principals[0]",
                "Invalid allowed principal",
                "12 digits",
            ),
            (
                "duplicate secret",
                |c| c.secrets = list(&["a", "a"]),
                "secrets[1]",
                "Duplicate entry",
                "repeats secrets[0]",
            ),
            (
                "bad secret region",
                |c| {
                    c.secrets =
                        list(&["arn:aws:secretsmanager:useast1:111122223333:secret:db-AbCdEf"])
                },
                "secrets[0]",
                "Invalid secret",
                "not a region",
            ),
            (
                "double star",
                |c| c.secrets = list(&["prod/**"]),
                "secrets[0]",
                "Invalid secret",
                "trailing",
            ),
            (
                "null secret",
                |c| c.secrets = Value::Value(vec![Value::Null]),
                "secrets[0]",
                "Null list entry",
                "null",
            ),
            (
                "not an operation",
                |c| c.watched_events = list(&["GetParameter"]),
                "watched_events[0]",
                "Invalid watched event",
                "not a Secrets Manager operation",
            ),
            (
                "iam action",
                |c| c.watched_events = list(&["secretsmanager:GetSecretValue"]),
                "watched_events[0]",
                "Invalid watched event",
                "Did you mean \"GetSecretValue\"",
            ),
            (
                "unscoped event",
                |c| {
                    c.secrets = list(&["prod/*"]);
                    c.watched_events = list(&["ListSecrets"])
                },
                "watched_events[0]",
                "Watched event can never match",
                "name no secret",
            ),
            (
                "no subscriber",
                |c| c.notification = Value::Value(NotificationBlock::default()),
                "notification.emails",
                "No subscriber",
                "at least one",
            ),
            (
                "reuse without group",
                |c| c.trail = trail(|t| t.create = Value::Value(false)),
                "trail.existing_log_group_name",
                "Missing existing log group",
                "trail.create = false",
            ),
            (
                "group without reuse",
                |c| c.trail = trail(|t| t.existing_log_group_name = s("g")),
                "trail.existing_log_group_name",
                "Existing log group without trail.create = false",
                "create = false",
            ),
            (
                "trail setting without trail",
                |c| {
                    c.trail = trail(|t| {
                        t.create = Value::Value(false);
                        t.existing_log_group_name = s("g");
                        t.multi_region = Value::Value(true)
                    })
                },
                "trail.multi_region",
                "Setting of a trail that is not created",
                "trail.create = false",
            ),
            (
                "archive without trail",
                |c| {
                    c.trail = trail(|t| {
                        t.create = Value::Value(false);
                        t.existing_log_group_name = s("g")
                    });
                    c.archive = archive(|a| a.expire_after_days = Value::Value(30))
                },
                "archive.expire_after_days",
                "Archive setting without a trail",
                "trail.create = false",
            ),
            (
                "organization single-region",
                |c| {
                    c.trail = trail(|t| {
                        t.organization = Value::Value(true);
                        t.multi_region = Value::Value(false)
                    })
                },
                "trail.organization",
                "Organization trails are multi-region",
                "multi_region = true",
            ),
            (
                "log group arn",
                |c| {
                    c.trail = trail(|t| {
                        t.create = Value::Value(false);
                        t.existing_log_group_name =
                            s("arn:aws:logs:us-east-1:111122223333:log-group:trail-logs:*")
                    })
                },
                "trail.existing_log_group_name",
                "Invalid log group name",
                "\"trail-logs\"",
            ),
            (
                "retention",
                |c| {
                    c.log_group = Value::Value(LogGroupBlock {
                        retention_days: Value::Value(100),
                    })
                },
                "log_group.retention_days",
                "Unsupported retention",
                "for example 90",
            ),
            (
                "period",
                |c| c.alarm = alarm(|a| a.period_seconds = Value::Value(45)),
                "alarm.period_seconds",
                "Unsupported alarm period",
                "10, 30 or a multiple of 60",
            ),
            (
                "threshold",
                |c| c.alarm = alarm(|a| a.threshold = Value::Value(0)),
                "alarm.threshold",
                "Threshold below 1",
                "threshold = 0",
            ),
            (
                "evaluation periods",
                |c| c.alarm = alarm(|a| a.evaluation_periods = Value::Value(0)),
                "alarm.evaluation_periods",
                "Evaluation periods below 1",
                "1 or more",
            ),
            (
                "evaluation range",
                |c| {
                    c.alarm = alarm(|a| {
                        a.period_seconds = Value::Value(3600);
                        a.evaluation_periods = Value::Value(25)
                    })
                },
                "alarm.evaluation_periods",
                "Evaluation range over one day",
                "at most 24",
            ),
            (
                "namespace",
                |c| c.alarm = alarm(|a| a.namespace = s("AWS/Logs")),
                "alarm.namespace",
                "Invalid metric namespace",
                "reserved",
            ),
            (
                "metric name",
                |c| c.alarm = alarm(|a| a.metric_name = s("reads:*")),
                "alarm.metric_name",
                "Invalid metric name",
                "':'",
            ),
            (
                "glacier after expiry",
                |c| {
                    c.archive = archive(|a| {
                        a.transition_to_glacier_after_days = Value::Value(400);
                        a.expire_after_days = Value::Value(365)
                    })
                },
                "archive.transition_to_glacier_after_days",
                "Glacier transition after expiry",
                "not before",
            ),
            (
                "expiry before default transition",
                |c| c.archive = archive(|a| a.expire_after_days = Value::Value(30)),
                "archive.expire_after_days",
                "Glacier transition after expiry",
                "= 90",
            ),
            (
                "bucket dots",
                |c| c.archive = archive(|a| a.bucket_name = s("my..bucket")),
                "archive.bucket_name",
                "Invalid bucket name",
                "adjacent periods",
            ),
            (
                "bucket ip",
                |c| c.archive = archive(|a| a.bucket_name = s("192.168.5.4")),
                "archive.bucket_name",
                "Invalid bucket name",
                "IP address",
            ),
            (
                "bucket upper",
                |c| c.archive = archive(|a| a.bucket_name = s("My-Bucket")),
                "archive.bucket_name",
                "Invalid bucket name",
                "'M'",
            ),
            (
                "kms bare id",
                |c| c.kms = kms(|k| k.key_arn = s("1234abcd-12ab-34cd-56ef-1234567890ab")),
                "kms.key_arn",
                "Invalid KMS key ARN",
                "key/1234abcd",
            ),
            (
                "kms managed",
                |c| {
                    c.kms =
                        kms(|k| k.key_arn = s("arn:aws:kms:us-east-1:111122223333:alias/aws/s3"))
                },
                "kms.key_arn",
                "Invalid KMS key ARN",
                "AWS managed",
            ),
            (
                "kms window",
                |c| c.kms = kms(|k| k.deletion_window_days = Value::Value(5)),
                "kms.deletion_window_days",
                "Invalid deletion window",
                "7 to 30",
            ),
            (
                "email",
                |c| c.notification = notify(|n| n.emails = list(&["secops.example.com"])),
                "notification.emails[0]",
                "Invalid email address",
                "no @",
            ),
            (
                "sqs url",
                |c| {
                    c.notification = notify(|n| {
                        n.sqs_queue_arns =
                            list(&["https://sqs.eu-west-1.amazonaws.com/111122223333/alerts"])
                    })
                },
                "notification.sqs_queue_arns[0]",
                "Invalid SQS queue ARN",
                "arn:aws:sqs:eu-west-1:111122223333:alerts",
            ),
            (
                "sqs fifo",
                |c| {
                    c.notification = notify(|n| {
                        n.sqs_queue_arns = list(&["arn:aws:sqs:eu-west-1:111122223333:alerts.fifo"])
                    })
                },
                "notification.sqs_queue_arns[0]",
                "Invalid SQS queue ARN",
                "FIFO",
            ),
            (
                "http",
                |c| {
                    c.notification =
                        notify(|n| n.https_endpoints = list(&["http://alerts.example.com"]))
                },
                "notification.https_endpoints[0]",
                "Invalid HTTPS endpoint",
                "https://",
            ),
            (
                "duplicate queue",
                |c| {
                    c.notification = notify(|n| {
                        n.sqs_queue_arns = list(&[
                            "arn:aws:sqs:eu-west-1:111122223333:a",
                            "arn:aws:sqs:eu-west-1:111122223333:a",
                        ])
                    })
                },
                "notification.sqs_queue_arns[1]",
                "Duplicate entry",
                "repeats",
            ),
            (
                "aws tag",
                |c| c.tags = Value::Value([("aws:team".to_owned(), s("x"))].into()),
                "tags[\"aws:team\"]",
                "Reserved tag key",
                "aws:",
            ),
            (
                "long tag value",
                |c| c.tags = Value::Value([("team".to_owned(), s(&"x".repeat(257)))].into()),
                "tags[\"team\"]",
                "Invalid tag value",
                "257 characters",
            ),
            (
                "too many tags",
                |c| c.tags = Value::Value((0..51).map(|i| (format!("k{i}"), s("v"))).collect()),
                "tags",
                "Too many tags",
                "51 tags",
            ),
            (
                "timeout",
                |c| {
                    c.timeouts = Value::Value(TimeoutsBlock {
                        create: s("10d"),
                        ..Default::default()
                    })
                },
                "timeouts.create",
                "Invalid timeout",
                "\"10d\"",
            ),
            (
                "too many secrets",
                |c| {
                    c.secrets = string_list(
                        &(0..200)
                            .map(|i| format!("team-{i}/secret-{i}"))
                            .collect::<Vec<_>>(),
                    )
                },
                "secrets",
                "Filter pattern too long",
                "secrets fit",
            ),
        ]
    }

    #[test]
    fn bad_inputs_are_rejected_at_their_path() {
        for (what, edit, path, summary, fragment) in invalid_cases() {
            let mut config = base();
            edit(&mut config);
            let findings = validate(&config);
            let errors = errors(&findings);
            assert!(
                errors.iter().any(|f| f.summary == summary
                    && path_text(&f.path) == path
                    && f.detail.contains(fragment)),
                "{what}: expected {path}: {summary} ({fragment}), got {errors:#?}"
            );
        }
    }

    #[test]
    fn every_finding_has_a_documented_rule_and_every_rule_an_argument() {
        let schema = crate::terraform::schema::pipeline_schema();
        for r in RULES {
            let found = match r.path.split_once('.') {
                None => {
                    schema.block.attributes.contains_key(r.path)
                        || schema.block.blocks.contains_key(r.path)
                }
                Some((b, a)) => schema.block.blocks.get(b).is_some_and(|nb| match nb {
                    tf_provider::schema::NestedBlock::Group(inner) => {
                        inner.attributes.contains_key(a)
                    }
                    _ => false,
                }),
            };
            assert!(found, "rule for unknown argument {}", r.path);
        }
        for (what, edit, _, _, _) in invalid_cases() {
            let mut config = base();
            edit(&mut config);
            for f in validate(&config) {
                let argument: String = f
                    .path
                    .iter()
                    .filter_map(|s| match s {
                        PathStep::Attribute(a) => Some(*a),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                assert!(
                    rules_for(&argument).next().is_some(),
                    "{what}: no rule documents {argument}"
                );
            }
        }
    }

    #[test]
    fn risky_inputs_warn() {
        let cases: [(Edit, &str); 4] = [
            (
                |c| c.notification = notify(|n| n.emails = list(&["a@example.com"])),
                "notification.emails",
            ),
            (
                |c| c.alarm = alarm(|a| a.threshold = Value::Value(3)),
                "alarm.threshold",
            ),
            (
                |c| c.archive = archive(|a| a.force_destroy = Value::Value(true)),
                "archive.force_destroy",
            ),
            (
                |c| {
                    c.kms = kms(|k| {
                        k.key_arn = s("arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef");
                        k.deletion_window_days = Value::Value(7)
                    })
                },
                "kms.deletion_window_days",
            ),
        ];
        for (edit, path) in cases {
            let mut config = base();
            edit(&mut config);
            let findings = validate(&config);
            assert!(errors(&findings).is_empty(), "{path}: {findings:?}");
            assert!(
                findings
                    .iter()
                    .any(|f| f.severity == Severity::Warning && path_text(&f.path) == path),
                "{path}: {findings:?}"
            );
        }
    }

    #[test]
    fn good_inputs_pass() {
        let mut config = base();
        config.secrets = list(&[
            "prod/*",
            "db-password",
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:db-AbCdEf",
        ]);
        config.allowed_principals = list(&[
            "arn:aws:iam::111122223333:role/path/app",
            "arn:aws:iam::111122223333:user/ci",
            "arn:aws:iam::111122223333:root",
            "444455556666",
        ]);
        config.watched_events = list(&["GetSecretValue", "DescribeSecret"]);
        config.tags = Value::Value([("team".to_owned(), s("security: a/b+c=d@e"))].into());
        config.alarm = alarm(|a| {
            a.period_seconds = Value::Value(300);
            a.evaluation_periods = Value::Value(288);
            a.threshold = Value::Value(1);
        });
        config.archive = archive(|a| {
            a.bucket_name = s("my.audit-bucket-1");
            a.transition_to_glacier_after_days = Value::Value(0);
            a.expire_after_days = Value::Value(0);
        });
        config.kms = kms(|k| k.key_arn = s("arn:aws:kms:eu-west-1:111122223333:alias/team/key"));
        config.notification = notify(|n| {
            n.sqs_queue_arns = list(&["arn:aws:sqs:eu-west-1:111122223333:alerts_1"]);
            n.https_endpoints = list(&["https://user:pw@hooks.example.com:8443/sns?x=1"]);
        });
        config.timeouts = Value::Value(TimeoutsBlock {
            create: s("1h30m"),
            ..Default::default()
        });
        let findings = validate(&config);
        assert!(errors(&findings).is_empty(), "{findings:#?}");
    }

    #[test]
    fn unknown_values_are_left_for_apply() {
        let mut config = base();
        config.secrets = Value::Unknown;
        config.name = Value::Unknown;
        config.watched_events = Value::Value(vec![Value::Unknown]);
        config.alarm = alarm(|a| {
            a.period_seconds = Value::Unknown;
            a.evaluation_periods = Value::Value(1000);
        });
        config.notification = notify(|n| n.sqs_queue_arns = Value::Unknown);
        config.trail = trail(|t| t.create = Value::Unknown);
        assert_eq!(validate(&config), vec![]);
    }

    /// At apply the resource validates the planned state, defaults written in:
    /// a valid reuse-an-existing-trail configuration must still pass.
    #[test]
    fn planned_states_with_defaults_pass() {
        let mut config = base();
        config.trail = trail(|t| {
            t.create = Value::Value(false);
            t.existing_log_group_name = s("org-trail-logs");
        });
        assert!(validate(&config).is_empty());
        let mut planned = plan::planned(&config, None, &BTreeMap::new(), Some("us-east-1"));
        assert!(validate(&planned).is_empty(), "{:?}", validate(&planned));
        // But a non-default trail setting unknown at plan is caught at apply.
        if let Value::Value(t) = &mut planned.trail {
            t.multi_region = Value::Value(false);
        }
        assert_eq!(errors(&validate(&planned)).len(), 1);
    }

    #[test]
    fn merged_tags_count_default_tags() {
        let mut config = base();
        config.tags = Value::Value((0..30).map(|i| (format!("k{i}"), s("v"))).collect());
        let defaults: BTreeMap<String, String> =
            (0..25).map(|i| (format!("d{i}"), "v".to_owned())).collect();
        let findings = validate_merged_tags(&config, &defaults);
        assert!(findings[0].detail.contains("55"), "{findings:?}");
        assert!(validate_merged_tags(&config, &BTreeMap::new()).is_empty());
    }

    /// A name of MAX_NAME_LEN keeps every derived AWS name within its limit.
    #[test]
    fn longest_name_derives_valid_names() {
        let name = format!("{}-{}", "a".repeat(20), "b".repeat(MAX_NAME_LEN - 21));
        assert_eq!(name.len(), MAX_NAME_LEN);
        let mut config = base();
        config.name = s(&name);
        assert!(validate(&config).is_empty());
        let spec = PipelineSpec::example(&name);
        let names = Names::derive(&spec, "111122223333", "ap-southeast-2");
        assert!(bucket_problem(&names.bucket).is_none(), "{}", names.bucket);
        assert!((3..=128).contains(&names.trail.len()));
        assert!(names.delivery_role.len() <= 64);
        assert!(
            names.delivery_role.ends_with("-cloudtrail-to-logs"),
            "not truncated"
        );
        assert!(names.log_group.len() <= 512);
        assert!(log_group_problem(&names.log_group).is_none());
        assert!(names.alarm.len() <= 255 && names.metric_filter.len() <= 512);
        assert!(names.topic.len() <= 256);
        assert!(names.key_alias.len() <= 256);
        for rule in [&names.read_rule, &names.tamper_rule] {
            // EventBridge: 1-64 of letters, digits, `.`, `-` and `_`; not truncated.
            assert!(rule.len() <= 64, "{rule}");
            assert!(rule.starts_with(&name), "{rule} was truncated");
        }
    }

    /// Terraform numbers can be huge: no arithmetic may overflow (found by fuzzing).
    #[test]
    fn extreme_numbers_do_not_panic() {
        for n in [
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            59,
            61,
            i64::MAX - 1,
            i64::MAX,
        ] {
            let mut config = base();
            config.log_group = Value::Value(LogGroupBlock {
                retention_days: Value::Value(n),
            });
            config.alarm = alarm(|a| {
                a.period_seconds = Value::Value(i64::MAX);
                a.evaluation_periods = Value::Value(i64::MAX);
                a.threshold = Value::Value(i64::MIN);
            });
            config.archive = archive(|a| {
                a.transition_to_glacier_after_days = Value::Value(i64::MAX);
                a.expire_after_days = Value::Value(i64::MIN);
            });
            config.kms = Value::Value(KmsBlock {
                deletion_window_days: Value::Value(n),
                ..Default::default()
            });
            assert!(!validate(&config).is_empty());
            config.alarm = Value::Value(AlarmBlock {
                period_seconds: Value::Value(n),
                ..Default::default()
            });
            let _ = validate(&config);
        }
    }

    #[test]
    fn helpers() {
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["us-east", "useast1", "US-EAST-1", "us--1", "u-east-1"] {
            assert!(!is_region(bad), "{bad}");
        }
        for ok in ["a@b.co", "first.last+tag@mail.example.org"] {
            assert_eq!(email_problem(ok), None, "{ok}");
        }
        for bad in [
            "a@b",
            "a@@b.com",
            "a b@c.com",
            ".a@b.com",
            "a@-b.com",
            "mailto:a@b.com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
        assert!(https_problem("https://").is_some());
        assert!(https_problem("HTTPS://x.com").is_some());
        assert!(kms_problem("arn:aws:kms:us-east-1:111122223333:key/not-a-key").is_some());
        assert!(kms_problem(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        .is_none());
    }
}
