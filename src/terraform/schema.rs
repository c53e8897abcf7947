//! Schemas of the provider block and the `secretmonitor_pipeline` resource.
//! Their descriptions are the single source of the reference docs.

use std::collections::HashMap;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, IdentityAttribute,
    IdentitySchema, NestedBlock, Schema,
};

use AttributeConstraint::{Computed, Optional, OptionalComputed, Required};

use tf_provider::AttributePath;

use super::desired::{Defaults, DEFAULTS};
use super::state::PipelineState;
use crate::pattern::EVENT_PATTERN_API_MAX_LEN;

const D: Defaults = DEFAULTS;

/// How a description ends when the argument has a default.
fn default_is(value: impl std::fmt::Display) -> String {
    format!("Default `{value}`.")
}

/// The default watched events as HCL writes the list.
fn watched_events() -> String {
    let quoted: Vec<String> = D.watched_events.iter().map(|e| format!("{e:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn attr(attr_type: AttributeType, constraint: AttributeConstraint, description: &str) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

fn string(constraint: AttributeConstraint, description: &str) -> Attribute {
    attr(AttributeType::String, constraint, description)
}

fn number(constraint: AttributeConstraint, description: &str) -> Attribute {
    attr(AttributeType::Number, constraint, description)
}

fn boolean(constraint: AttributeConstraint, description: &str) -> Attribute {
    attr(AttributeType::Bool, constraint, description)
}

fn strings(constraint: AttributeConstraint, description: &str) -> Attribute {
    attr(
        AttributeType::List(Box::new(AttributeType::String)),
        constraint,
        description,
    )
}

fn string_map(constraint: AttributeConstraint, description: &str) -> Attribute {
    attr(
        AttributeType::Map(Box::new(AttributeType::String)),
        constraint,
        description,
    )
}

fn block(description: &str, attributes: Vec<(&str, Attribute)>) -> Block {
    Block {
        version: 1,
        attributes: attributes
            .into_iter()
            .map(|(name, a)| (name.to_owned(), a))
            .collect(),
        blocks: HashMap::new(),
        description: Description::markdown(description),
        deprecated: false,
    }
}

pub fn provider_schema() -> Schema {
    let mut root = block(
        "The secretmonitor provider builds AWS pipelines that alert when Secrets Manager secrets are read. \
         Its arguments follow the hashicorp/aws provider: region and credentials fall back to the usual AWS \
         environment variables and shared config files.",
        vec![
            ("region", string(Optional, "AWS region. Falls back to `AWS_REGION`/`AWS_DEFAULT_REGION` and the shared config.")),
            ("profile", string(Optional, "Named profile of the shared config and credentials files.")),
            ("access_key", Attribute { sensitive: true, ..string(Optional, "Static access key ID. Prefer the environment or a profile.") }),
            ("secret_key", Attribute { sensitive: true, ..string(Optional, "Static secret access key. Prefer the environment or a profile.") }),
            ("s3_use_path_style", boolean(Optional, "Use path-style S3 addressing (`http://host/bucket`). Needed by most emulators. Default `false`.")),
            ("skip_credentials_validation", boolean(Optional, "Do not check credentials when the provider is configured. The provider never calls AWS at configuration time, so this is accepted for compatibility. Default `false`.")),
            ("skip_requesting_account_id", boolean(Optional, "Accepted for compatibility with the aws provider. The pipeline's policies name its account, so the account ID is still looked up (once per provider process, with STS GetCallerIdentity) when a pipeline is created or refreshed. Default `false`.")),
            ("max_retries", number(Optional, "Maximum retries of a throttled or failed AWS call (the SDK's standard retry mode). Default `25`.")),
        ],
    );
    root.blocks.insert(
        "assume_role".to_owned(),
        NestedBlock::Optional(block(
            "Assume this IAM role (for example in a target account) for every AWS call.",
            vec![
                ("role_arn", string(Required, "ARN of the role to assume.")),
                (
                    "session_name",
                    string(
                        Optional,
                        "Session name. Default `terraform-provider-secretmonitor`.",
                    ),
                ),
                (
                    "external_id",
                    string(Optional, "External ID the role's trust policy requires."),
                ),
                (
                    "duration",
                    string(Optional, "Session duration such as `1h` or `15m`."),
                ),
            ],
        )),
    );
    root.blocks.insert(
        "endpoints".to_owned(),
        NestedBlock::Optional(block(
            "Per-service endpoint URLs, for emulators or VPC endpoints. The `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` environment variables are honoured as well.",
            ["cloudtrail", "logs", "cloudwatch", "sns", "s3", "kms", "iam", "sts", "events", "resourcegroupstaggingapi"]
                .into_iter()
                .map(|s| (s, string(Optional, "Endpoint URL of this service.")))
                .collect(),
        )),
    );
    root.blocks.insert(
        "default_tags".to_owned(),
        NestedBlock::Optional(block(
            "Tags applied to every AWS object the provider creates; a pipeline's own `tags` win on conflict.",
            vec![("tags", string_map(Optional, "Tags to apply."))],
        )),
    );
    Schema {
        version: 1,
        block: root,
    }
}

/// An argument whose change replaces the pipeline (Terraform's
/// `RequiresReplace`): the plan marks it, and its description says so.
pub struct Replaces {
    /// As written in HCL: `name`, `archive.bucket_name`.
    pub path: &'static str,
    /// Whether the argument differs between the prior and the planned state.
    pub changed: fn(&PipelineState, &PipelineState) -> bool,
}

/// Every argument whose change replaces the pipeline.
pub const REPLACES: &[Replaces] = &[
    Replaces {
        path: "name",
        changed: |prior, planned| prior.name != planned.name,
    },
    Replaces {
        path: "archive.bucket_name",
        changed: |prior, planned| {
            let bucket =
                |s: &PipelineState| s.archive.as_ref_option().map(|a| a.bucket_name.clone());
            bucket(prior) != bucket(planned)
        },
    },
    Replaces {
        path: "trail.create",
        changed: |prior, planned| {
            let creates = |s: &PipelineState| s.trail.as_ref_option().map(|t| t.create);
            creates(prior) != creates(planned)
        },
    },
];

const REPLACES_NOTE: &str = "Changing it replaces the pipeline.";

/// The paths of the arguments that changed and replace the pipeline.
pub fn replacing_changes(prior: &PipelineState, planned: &PipelineState) -> Vec<AttributePath> {
    REPLACES
        .iter()
        .filter(|r| (r.changed)(prior, planned))
        .map(|r| match r.path.split_once('.') {
            Some((block, name)) => AttributePath::new(block).attribute(name),
            None => AttributePath::new(r.path),
        })
        .collect()
}

/// The attribute at an HCL path (`name`, `archive.bucket_name`).
fn attribute_mut<'a>(root: &'a mut Block, path: &str) -> Option<&'a mut Attribute> {
    match path.split_once('.') {
        None => root.attributes.get_mut(path),
        Some((block, name)) => match root.blocks.get_mut(block)? {
            NestedBlock::Group(inner) => inner.attributes.get_mut(name),
            _ => None,
        },
    }
}

/// Appends [`REPLACES_NOTE`] to the description of each argument of [`REPLACES`].
fn note_replacements(root: &mut Block) {
    for r in REPLACES {
        if let Some(a) = attribute_mut(root, r.path) {
            a.description =
                Description::markdown(format!("{} {REPLACES_NOTE}", a.description.content));
        }
    }
}

pub fn pipeline_schema() -> Schema {
    let mut root = block(
        "A complete detection pipeline for reads of AWS Secrets Manager secrets: a KMS key, an encrypted S3 archive, \
         a CloudTrail trail, a CloudWatch Logs group with its delivery role, a metric filter, an alarm, an SNS \
         topic with its subscriptions, and EventBridge rules for per-event and tamper alerts. Every component carries the pipeline's name and tags.",
        vec![
            ("id", string(Computed, "The pipeline's name.")),
            ("name", string(Required, "Name of the pipeline and prefix of every component's name.")),
            ("secrets", strings(Optional, "Secrets to watch: names, name prefixes ending in `*`, or ARNs. Empty or unset watches every secret.")),
            ("allowed_principals", strings(Optional, "IAM role, user or account root ARNs (or 12-digit account IDs) whose reads never alert. A role is recognised whatever its session name.")),
            ("watched_events", strings(OptionalComputed, &format!("Secrets Manager operations that count as reads. {}", default_is(watched_events())))),
            ("alert_on_denied", boolean(OptionalComputed, &format!("Also alert on failed (`AccessDenied*`) attempts. {}", default_is(D.alert_on_denied)))),
            ("fast_alerts", boolean(OptionalComputed, &format!("Per-event alerts: an EventBridge rule with the metric filter's semantics (state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`) publishes one message per read to the topic, naming the principal, the secret, the source IP and links to the event, typically well before the alarm fires. {}", default_is(D.fast_alerts)))),
            ("tamper_alerts", boolean(OptionalComputed, &format!("Alert when the pipeline's own parts are attacked: StopLogging, DeleteTrail, UpdateTrail or PutEventSelectors on its trail; DeleteMetricFilter or DeleteLogGroup on its group; DeleteAlarms or DisableAlarmActions on its alarm; DeleteTopic, Unsubscribe or SetTopicAttributes on its topic; DisableKey or ScheduleKeyDeletion on its key; DisableRule on its read rules. The rules are created last and removed first, and apply re-sends a setting only when it differs, so creating, destroying or changing other parts raises no tamper alert; an apply that repairs a tampered part does, naming the deploying principal. {}", default_is(D.tamper_alerts)))),
            ("verify_on_apply", boolean(OptionalComputed, &format!("Push a clearly labelled test through both alert paths at the end of each apply that creates or changes the pipeline: the alarm is set to ALARM (reason: test notification) and back to OK, and, with `fast_alerts`, EventBridge's TestEventPattern checks the stored rule against a synthetic unauthorised read and a labelled test message is published to the topic. What AWS accepted is recorded in `last_verification`; a failure is a warning, not an apply error. Turn it on (from `false`) to verify at the next apply. {}", default_is(D.verify_on_apply)))),
            ("event_pattern_max_length", number(OptionalComputed, &format!("The account's Amazon EventBridge \"Event pattern size\" quota, in characters: the read rule's and the tamper rule's event patterns must fit it, and the plan refuses a configuration whose patterns do not (with how long they are). The quota is {} unless raised through Service Quotas; set this up to {EVENT_PATTERN_API_MAX_LEN} only if it was. Changing it updates the pipeline in place. {}", D.event_pattern_max_length, default_is(D.event_pattern_max_length)))),
            ("tags", string_map(Optional, "Tags for every component.")),
            ("tags_all", string_map(Computed, "The pipeline's tags merged over the provider's `default_tags`.")),
            ("account_id", string(Computed, "Account the pipeline lives in.")),
            ("region", string(Computed, "Region the pipeline lives in.")),
            ("trail_arn", string(Computed, "ARN of the CloudTrail trail.")),
            ("trail_logging", boolean(Computed, "Whether the trail is logging. A stopped trail shows as drift and is restarted by the next apply.")),
            ("log_group_name", string(Computed, "Name of the CloudWatch Logs group the trail delivers to.")),
            ("log_group_arn", string(Computed, "ARN of that log group.")),
            ("metric_filter_name", string(Computed, "Name of the metric filter on the trail's log group; with several, the stem of their names (`NAME-secret-access-XXXXXXXX`, named by content). Null when the alarm counts findings.")),
            ("filter_pattern", string(Computed, "The CloudWatch Logs filter pattern generated from `secrets`, `allowed_principals`, `watched_events` and `alert_on_denied`, when one metric filter holds them; null when the layout needs several (see `filter_patterns`).")),
            ("filter_patterns", strings(Computed, "Every metric filter pattern on the trail's log group, in layout order: one per chunk of `secrets`, each with the whole allow-list, all publishing the alarm's metric (docs/scale.md). Empty when the allow-list fits no filter and the alarm counts findings instead. A filter deleted or edited outside Terraform shows here.")),
            ("metric_filter_count", number(Computed, "How many metric filters the pipeline manages: those on the trail's log group, plus the one on the findings log group when the alarm counts findings. Known at plan, computed offline from the configuration.")),
            ("alarm_name", string(Computed, "Name of the CloudWatch alarm.")),
            ("alarm_arn", string(Computed, "ARN of the alarm (null when the alarm is missing).")),
            ("topic_arn", string(Computed, "ARN of the SNS topic alerts go to.")),
            ("subscriptions", attr(
                AttributeType::List(Box::new(AttributeType::Object(
                    [
                        ("endpoint", AttributeType::String),
                        ("protocol", AttributeType::String),
                        ("arn", AttributeType::String),
                        ("pending_confirmation", AttributeType::Bool),
                    ]
                    .into_iter()
                    .map(|(k, t)| (k.to_owned(), t))
                    .collect(),
                ))),
                Computed,
                "The topic's subscriptions. Email and HTTPS subscriptions stay `pending_confirmation` until their owner confirms them.",
            )),
            ("archive_bucket_name", string(Computed, "Name of the S3 archive bucket.")),
            ("archive_bucket_arn", string(Computed, "ARN of the S3 archive bucket.")),
            ("kms_key_arn", string(Computed, "ARN of the KMS key in use.")),
            ("delivery_role_arn", string(Computed, "ARN of the role CloudTrail uses to deliver to CloudWatch Logs.")),
            ("console_url", string(Computed, "The alarm in the CloudWatch console.")),
            ("read_rule_arn", string(Computed, "ARN of the EventBridge rule of per-event read alerts; with two stages, of the first caller rule (null when the pipeline has no per-event path).")),
            ("tamper_rule_arn", string(Computed, "ARN of the EventBridge rule of tamper alerts (null when `tamper_alerts` is off).")),
            ("last_verification", string_map(Computed, "The last `verify_on_apply` run: `time`, `alarm_path` and `event_path` (what AWS accepted, or `FAILED: ...`), and `ok`. Null until a verification has run.")),
            ("event_pattern", string(Computed, "The read rule's EventBridge event pattern, generated from the same inputs as `filter_pattern` with the same meaning, when one rule holds the per-event path; null with two stages (see `event_patterns`).")),
            ("event_patterns", strings(Computed, "Every read rule's event pattern, in layout order: the single rule, or the caller rules on the default bus followed by the scope rules on the pipeline's bus (docs/scale.md). Empty when the pipeline has no per-event path. A rule deleted or edited outside Terraform shows here.")),
            ("event_rule_count", number(Computed, "How many EventBridge rules the pipeline manages: its read rules (both stages) and the tamper rule. Known at plan, computed offline from the configuration.")),
            ("event_bus_arn", string(Computed, "ARN of the pipeline's own event bus, which holds the scope rules of a two-stage per-event path; null when one rule on the default bus suffices.")),
            ("query_definition_names", strings(Computed, "Names of the saved CloudWatch Logs Insights queries on the trail's log group (docs/queries.md), in the folder `secretmonitor/<name>/` of the console's saved queries. Known at plan, from `name` alone. A query over the 10 000-character limit of `PutQueryDefinition` (a very large allow-list) is left out with a warning at apply and still listed here.")),
            ("findings_log_group_arn", string(Computed, "ARN of the findings log group the notifying rules write to when the allow-list fits no metric filter; the alarm then counts findings (as best-effort as EventBridge delivery). Null otherwise.")),
            ("dashboard_name", string(Computed, "Name of the pipeline's CloudWatch dashboard (`secretmonitor-<name>`): the alarm, the reads it counts, the latest reads and findings, and calls against the pipeline's own parts (docs/dashboard.md). Known at plan; null while the dashboard does not exist.")),
            ("dashboard_url", string(Computed, "The dashboard in the CloudWatch console. Known at plan when the provider's region is.")),
            ("protections", attr(
                AttributeType::Map(Box::new(AttributeType::Bool)),
                Computed,
                "Protections that can be removed without deleting anything, each `true` while it holds: \
                 `trail_records_read_events` (event selectors still record read management events), \
                 `archive_blocks_public_access`, `archive_policy_in_place`, `topic_policy_in_place` (topic still \
                 encrypted, with our policy), `alarm_notifies_topic` (actions enabled, topic among them), `key_enabled` \
                 (created key only), `read_rule_alerts` and `tamper_rule_alerts` (every such rule in the state its events need, \
                 with its targets: the topic with the pipeline's message, the pipeline's bus, the findings log group; \
                 a caller rule's target is checked by the bus it forwards to), \
                 `findings_policy_in_place` (with findings only: the findings log group's resource policy still lets \
                 the pipeline's rules, and only them, write to it), `dashboard_in_place` (the dashboard still \
                 has the body the pipeline puts), `saved_queries_in_place` (every saved query in \
                 `query_definition_names` is there once, with its generated text, on the trail's log group, and no \
                 other definition is in its folder). A removed protection shows in the plan as this map changing back \
                 to `true`, and apply restores it.",
            )),
        ],
    );
    let blocks = [
        ("trail", block(
            "The CloudTrail trail.",
            vec![
                ("create", boolean(OptionalComputed, &format!("Create a trail. `false` reuses an existing trail's log group (`existing_log_group_name` required); no trail, archive or delivery role is created then. {}", default_is(D.trail.create)))),
                ("existing_log_group_name", string(Optional, "Log group of an existing trail, when `create = false`.")),
                ("multi_region", boolean(OptionalComputed, &format!("Record events of every region. {}", default_is(D.trail.multi_region)))),
                ("organization", boolean(OptionalComputed, &format!("Organization trail (management account only; needs `multi_region`). {}", default_is(D.trail.organization)))),
                ("log_file_validation", boolean(OptionalComputed, &format!("CloudTrail log file integrity validation. {}", default_is(D.trail.log_file_validation)))),
            ],
        )),
        ("log_group", block(
            "The CloudWatch Logs group.",
            vec![("retention_days", number(OptionalComputed, &format!("Retention in days. {}", default_is(D.log_group_retention_days))))],
        )),
        ("archive", block(
            "The S3 archive of the trail's log files.",
            vec![
                ("bucket_name", string(Optional, "Bucket name. Default `<name>-archive-<account>-<region>`.")),
                ("transition_to_glacier_after_days", number(OptionalComputed, &format!("Days before log files move to Glacier. {}", default_is(D.archive.transition_to_glacier_after_days)))),
                ("expire_after_days", number(OptionalComputed, &format!("Days before log files expire; `0` keeps them forever. Default `{}` (seven years).", D.archive.expire_after_days))),
                ("force_destroy", boolean(OptionalComputed, &format!("Delete the bucket with its contents on destroy. A non-empty archive is otherwise kept, with a warning. {}", default_is(D.archive.force_destroy)))),
            ],
        )),
        ("alarm", block(
            "The CloudWatch alarm on the filter's metric.",
            vec![
                ("namespace", string(OptionalComputed, &format!("Metric namespace. {}", default_is(D.alarm.namespace)))),
                ("metric_name", string(OptionalComputed, &format!("Metric name. {}", default_is(D.alarm.metric_name)))),
                ("threshold", number(OptionalComputed, &format!("Reads per period that raise the alarm. {}", default_is(D.alarm.threshold)))),
                ("period_seconds", number(OptionalComputed, &format!("Alarm period: 10, 30 or a multiple of 60. {}", default_is(D.alarm.period_seconds)))),
                ("evaluation_periods", number(OptionalComputed, &format!("Periods evaluated. {}", default_is(D.alarm.evaluation_periods)))),
            ],
        )),
        ("notification", block(
            "Where alerts go. At least one subscriber overall.",
            vec![
                ("emails", strings(Optional, "Email addresses (each must confirm the subscription).")),
                ("sqs_queue_arns", strings(Optional, "SQS queue ARNs (their queue policy must let the topic send).")),
                ("https_endpoints", strings(Optional, "HTTPS endpoints (each must confirm the subscription).")),
            ],
        )),
        ("kms", block(
            "The KMS key.",
            vec![
                ("key_arn", string(Optional, "Bring your own key (its policy must admit CloudTrail, CloudWatch Logs and CloudWatch). Unset: a key with rotation on is created.")),
                ("deletion_window_days", number(OptionalComputed, &format!("Waiting period before the created key is deleted after destroy, 7-30. {}", default_is(D.kms_deletion_window_days)))),
            ],
        )),
        ("timeouts", block(
            "Operation timeouts, such as `15m` or `1h`.",
            ["create", "update", "delete"]
                .into_iter()
                .map(|s| (s, string(Optional, &default_is(D.timeout_text))))
                .collect(),
        )),
    ];
    for (name, b) in blocks {
        root.blocks.insert(name.to_owned(), NestedBlock::Group(b));
    }
    note_replacements(&mut root);
    Schema {
        version: 1,
        block: root,
    }
}

/// The identity of `secretmonitor_pipeline`: a provider instance serves one
/// account and region (as hashicorp/aws does), so `import { identity = ... }`
/// needs the name alone.
pub fn pipeline_identity_schema() -> IdentitySchema {
    let attribute = |name: &str, required_for_import: bool, description: &str| IdentityAttribute {
        name: name.to_owned(),
        attr_type: AttributeType::String,
        required_for_import,
        optional_for_import: !required_for_import,
        description: description.to_owned(),
    };
    IdentitySchema {
        version: 0,
        attributes: vec![
            attribute("account_id", false, "Account the pipeline lives in. Default: the provider's account; another account is refused."),
            attribute("region", false, "Region the pipeline lives in. Default: the provider's region; another region is refused."),
            attribute("name", true, "The pipeline's name."),
        ],
    }
}

/// The `config` block of `list "secretmonitor_pipeline"`.
pub fn list_schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            &format!(
                "Pipelines in the provider's account and region, found by the names their parts carry (the KMS key's \
                 `secretmonitor:pipeline` tag, the log groups under `/secretmonitor/`, the `secretmonitor-` dashboards): \
                 a pipeline with only some parts left is listed too, its display name saying how many were found. \
                 The discovery makes at most {} paginated calls per listing API, then one read of each listed \
                 pipeline (as import does) up to the query's `limit`.",
                crate::discover::MAX_PAGES_PER_LISTING
            ),
            vec![(
                "name_prefix",
                string(Optional, "List only pipelines whose name starts with this."),
            )],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tf_provider::value::Value;

    use crate::terraform::state::{ArchiveBlock, TrailBlock};

    #[test]
    fn every_replacing_argument_exists_and_says_so() {
        let mut root = pipeline_schema().block;
        for r in REPLACES {
            let a = attribute_mut(&mut root, r.path);
            assert!(
                a.is_some_and(|a| a.description.content.ends_with(REPLACES_NOTE)),
                "{} is not an argument noting its replacement",
                r.path
            );
        }
        let noted = |b: &Block| {
            b.attributes
                .values()
                .filter(|a| a.description.content.contains(REPLACES_NOTE))
                .count()
        };
        let nested: usize = root
            .blocks
            .values()
            .map(|b| match b {
                NestedBlock::Group(inner) => noted(inner),
                _ => 0,
            })
            .sum();
        assert_eq!(
            noted(&root) + nested,
            REPLACES.len(),
            "prose outside REPLACES"
        );
    }

    #[test]
    fn changes_of_the_replacing_arguments_are_found() {
        let prior = PipelineState {
            name: Value::Value("prod".into()),
            trail: Value::Value(TrailBlock {
                create: Value::Value(true),
                ..Default::default()
            }),
            archive: Value::Value(ArchiveBlock::default()),
            ..Default::default()
        };
        assert!(replacing_changes(&prior, &prior).is_empty());
        type Edit = fn(&mut PipelineState);
        let cases: [(Edit, AttributePath); 3] = [
            (
                |s| s.name = Value::Value("prod-2".into()),
                AttributePath::new("name"),
            ),
            (
                |s| {
                    s.archive = Value::Value(ArchiveBlock {
                        bucket_name: Value::Value("other".into()),
                        ..Default::default()
                    })
                },
                AttributePath::new("archive").attribute("bucket_name"),
            ),
            (
                |s| {
                    s.trail = Value::Value(TrailBlock {
                        create: Value::Value(false),
                        ..Default::default()
                    })
                },
                AttributePath::new("trail").attribute("create"),
            ),
        ];
        for (edit, path) in cases {
            let mut planned = prior.clone();
            edit(&mut planned);
            assert_eq!(replacing_changes(&prior, &planned), vec![path]);
        }
    }
}
