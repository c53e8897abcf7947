//! The rule table: each rule once, with the argument it documents, the doc
//! line the reference pages print under that argument, and the check that
//! enforces it.

use super::{
    alarm, archive, event_pattern, kms, lists, log_group, name, notification, tags, timeouts,
    trail, Findings, Input,
};

/// One rule the validator enforces, as the docs show it next to its argument.
#[derive(Clone, Copy)]
pub struct Rule {
    /// The argument, as written in HCL: `name`, `alarm.period_seconds`, `notification`.
    pub path: &'static str,
    /// The doc line ("Checked at plan: ...").
    pub text: &'static str,
    /// Reports every violation of the rule in the input.
    pub check: fn(&Input<'_>, &mut Findings),
    /// Where the findings land when not at `path` or an argument under it:
    /// a rule of one argument can require another (`trail.create = false`
    /// requires `trail.existing_log_group_name`, and is reported there).
    pub reported_at: &'static [&'static str],
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("path", &self.path)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

const fn rule(
    path: &'static str,
    text: &'static str,
    check: fn(&Input<'_>, &mut Findings),
) -> Rule {
    Rule {
        path,
        text,
        check,
        reported_at: &[],
    }
}

const TIMEOUT_TEXT: &str = "A duration such as `90s`, `15m`, `1h` or `1h30m`.";

/// Every rule of [`super::validate`], by argument, in the order they run.
pub const RULES: &[Rule] = &[
    rule("name", "3 to 40 characters: lower-case letters, digits and single hyphens, starting and ending with a letter or digit, so that every derived name is valid (S3 bucket 3-63 lower-case, CloudTrail trail 3-128, IAM role 64, log group 512, alarm 255, SNS topic 256, KMS alias 256).", name::format),
    rule("name", "When the archive bucket takes its default name, `name` must not start with `sthree-` or `amzn-s3-demo-` (prefixes S3 reserves).", name::reserved_bucket_prefix),
    rule("secrets", "Each entry is a secret name (letters, digits and `/_+=.@-`, at most 512 characters), a prefix ending in a single trailing `*`, or a full Secrets Manager ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`) of a valid partition, region and 12-digit account. No duplicates, no null entries.", lists::secrets),
    rule("secrets", "The detection must fit its layout (docs/scale.md): `secrets` in chunks of metric filters of at most 1024 characters each (at most 50 filters, each with the whole allow-list), or else findings; with `fast_alerts` or findings, EventBridge rules of at most `event_pattern_max_length` characters, at most 100 caller rules on the default bus and 30 scope rules on the pipeline's bus. Over capacity, the error names the limit, how much is used and what to change. An allow-list no metric filter can hold plans with a warning: the alarm then counts the per-event path's findings.", lists::pattern_length),
    rule("allowed_principals", "Each entry is an IAM role ARN, IAM user ARN, account root ARN (`arn:aws:iam::ACCOUNT:root`) or a 12-digit account ID. STS assumed-role session ARNs (write the role's ARN), bare names (write the full ARN), wildcards (list the roles, or the account ID) and group ARNs are refused. No duplicates.", lists::allowed_principals),
    rule("watched_events", "Secrets Manager operations only (such as `GetSecretValue`, `BatchGetSecretValue`, `DescribeSecret`), spelled as in CloudTrail, without the `secretsmanager:` prefix. No duplicates. With `secrets` set, `ListSecrets`, `GetRandomPassword` and `CreateSecret` are refused: their records name no secret, so they could never match.", lists::watched_events),
    rule("event_pattern_max_length", "1 to 4096: EventBridge's \"Event pattern size\" quota is 2048 characters unless raised (Service Quotas), and 4096 at most. Above 2048 only for an account whose quota was raised: the plan measures the patterns against this value, and PutRule refuses a longer one than the account's quota.", event_pattern::max_length),
    rule("event_pattern_max_length", "With `tamper_alerts`, the tamper rule's pattern must fit too: it names the pipeline's parts, and is at most 2,000 characters with the longest `name` (40) and region, so the default 2,048 always fits it.", event_pattern::tamper_pattern_length),
    rule("tags", "At most 50 tags; keys 1-128 characters, values at most 256, of letters, digits, spaces and `_ . : / = + - @`; keys starting with `aws:` are reserved by AWS. The provider's `default_tags` are merged in, and the merged set must stay within 50 (checked at plan).", tags::tags),
    Rule {
        reported_at: &["trail.existing_log_group_name"],
        ..rule("trail.create", "`false` requires `trail.existing_log_group_name` and forbids the settings of the trail it does not create: `trail.multi_region`, `trail.organization`, `trail.log_file_validation` and every `archive` argument.", trail::create)
    },
    rule("trail.existing_log_group_name", "Required when `trail.create = false`, refused otherwise. A log group name: 1-512 letters, digits and `._/#-` (the name, not the ARN).", trail::existing_log_group_name),
    rule("trail.multi_region", "Must stay `true` when `trail.organization = true`. Not allowed with `trail.create = false`.", trail::multi_region),
    rule("trail.organization", "`true` needs `trail.multi_region = true`. Not allowed with `trail.create = false`.", trail::organization),
    rule("trail.log_file_validation", "Not allowed with `trail.create = false`.", trail::log_file_validation),
    rule("log_group.retention_days", "One of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.", log_group::retention_days),
    rule("archive.bucket_name", "S3 bucket name rules: 3-63 lower-case letters, digits, hyphens and periods, starting and ending with a letter or digit, no `..`, not an IP address, no `xn--`, `sthree-` or `amzn-s3-demo-` prefix, no `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3` suffix. Not allowed with `trail.create = false`.", archive::bucket_name),
    rule("archive.transition_to_glacier_after_days", "0 or more, and before `archive.expire_after_days` when that is not 0. Not allowed with `trail.create = false`.", archive::transition_to_glacier_after_days),
    rule("archive.expire_after_days", "0 (keep forever) or more than `archive.transition_to_glacier_after_days`. Not allowed with `trail.create = false`.", archive::expire_after_days),
    rule("archive.force_destroy", "Allowed, with a warning: `true` deletes the audit archive with its log files on destroy. Not allowed with `trail.create = false`.", archive::force_destroy),
    rule("alarm.namespace", "1-255 ASCII characters, without `:`, `*` or `$`, not starting with `AWS/` (reserved).", alarm::namespace),
    rule("alarm.metric_name", "1-255 ASCII characters, without `:`, `*` or `$`.", alarm::metric_name),
    rule("alarm.threshold", "1 or more. Above 1 is allowed with a warning: that many reads minus one per period pass without an alarm.", alarm::threshold),
    rule("alarm.period_seconds", "10, 30 or a multiple of 60; 10 and 30 warn, because metric filters publish one data point a minute.", alarm::period_seconds),
    rule("alarm.evaluation_periods", "1 or more, and `alarm.period_seconds` x `alarm.evaluation_periods` at most 86400 (one day).", alarm::evaluation_periods),
    rule("notification", "At least one subscriber across `emails`, `sqs_queue_arns` and `https_endpoints`.", notification::at_least_one_subscriber),
    rule("notification.emails", "Well-formed addresses (`local@domain.tld`), no duplicates. Allowed with a warning: each stays pending (and receives nothing) until its owner confirms the subscription.", notification::emails),
    rule("notification.sqs_queue_arns", "SQS queue ARNs (`arn:aws:sqs:REGION:ACCOUNT:QUEUE`, queue names of 1-80 letters, digits, `-` and `_`), not queue URLs; no FIFO (`.fifo`) queues, which only FIFO topics can feed. No duplicates.", notification::sqs_queue_arns),
    rule("notification.https_endpoints", "URLs starting with `https://` and naming a host. No duplicates. Allowed with a warning: each stays pending until the endpoint confirms the subscription.", notification::https_endpoints),
    rule("kms.key_arn", "A KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY_ID`, with a key ID or `mrk-` multi-Region ID) or alias ARN (`arn:aws:kms:REGION:ACCOUNT:alias/NAME`); not a bare key ID or alias name, and not an AWS managed key (`alias/aws/...`), whose policy CloudTrail cannot use.", kms::key_arn),
    rule("kms.deletion_window_days", "7 to 30. Has no effect with `kms.key_arn` (a warning says so): a key you bring is never deleted.", kms::deletion_window_days),
    rule("timeouts.create", TIMEOUT_TEXT, timeouts::create),
    rule("timeouts.update", TIMEOUT_TEXT, timeouts::update),
    rule("timeouts.delete", TIMEOUT_TEXT, timeouts::delete),
];

/// The rules of one argument, for the docs.
pub fn rules_for(path: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    RULES.iter().filter(move |r| r.path == path)
}
