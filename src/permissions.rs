//! What the identity that runs Terraform (the deployer) must be allowed: one
//! row per AWS operation the provider calls, with the IAM actions it needs.
//! Written once: `docs/permissions.md` and its policy are rendered from it,
//! and the acceptance run checks that every call the provider logged is a
//! row (scripts/permissions_check.py), so the page cannot fall behind.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::policy::{PolicyDocument, Statement};

/// One AWS operation the provider calls. `service` is the SDK's service name,
/// as the provider's log writes it (`service=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub service: &'static str,
    pub operation: &'static str,
    /// Every IAM action the call needs: often one of the same name, but a
    /// call with tags needs the service's tagging action too, an S3 call's
    /// action is often named otherwise, and a trail that delivers to CloudWatch
    /// Logs passes the delivery role.
    pub actions: &'static [&'static str],
    pub needed_for: &'static str,
}

const fn call(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
    needed_for: &'static str,
) -> Call {
    Call {
        service,
        operation,
        actions,
        needed_for,
    }
}

/// The role CloudTrail assumes to write to the log group (components::Names).
pub const DELIVERY_ROLE_PATTERN: &str = "arn:aws:iam::*:role/*-cloudtrail-to-logs";
const PASS_ROLE: &str = "iam:PassRole";

pub const CALLS: &[Call] = &[
    call(
        "STS",
        "GetCallerIdentity",
        &[],
        "the account of every ARN (needs no permission)",
    ),
    call(
        "CloudTrail",
        "CreateTrail",
        &["cloudtrail:CreateTrail", "cloudtrail:AddTags", PASS_ROLE],
        "the trail, with its tags and delivery role",
    ),
    call(
        "CloudTrail",
        "UpdateTrail",
        &["cloudtrail:UpdateTrail", PASS_ROLE],
        "repairing the trail's settings",
    ),
    call(
        "CloudTrail",
        "DeleteTrail",
        &["cloudtrail:DeleteTrail"],
        "destroy",
    ),
    call(
        "CloudTrail",
        "DescribeTrails",
        &["cloudtrail:DescribeTrails"],
        "finding the trail; the other-trail cost check",
    ),
    call(
        "CloudTrail",
        "GetTrail",
        &["cloudtrail:GetTrail"],
        "refresh",
    ),
    call(
        "CloudTrail",
        "GetTrailStatus",
        &["cloudtrail:GetTrailStatus"],
        "refresh (`trail_logging`)",
    ),
    call(
        "CloudTrail",
        "GetEventSelectors",
        &["cloudtrail:GetEventSelectors"],
        "refresh; the other-trail cost check",
    ),
    call(
        "CloudTrail",
        "PutEventSelectors",
        &["cloudtrail:PutEventSelectors"],
        "recording read events",
    ),
    call(
        "CloudTrail",
        "StartLogging",
        &["cloudtrail:StartLogging"],
        "create; repairing a stopped trail",
    ),
    call("S3", "CreateBucket", &["s3:CreateBucket"], "the archive"),
    call(
        "S3",
        "DeleteBucket",
        &["s3:DeleteBucket"],
        "destroy of an empty archive, or with `force_destroy`",
    ),
    call(
        "S3",
        "ListObjectVersions",
        &["s3:ListBucketVersions"],
        "destroy: is the archive empty",
    ),
    call(
        "S3",
        "DeleteObjects",
        &["s3:DeleteObject", "s3:DeleteObjectVersion"],
        "destroy with `force_destroy` only",
    ),
    call(
        "S3",
        "GetBucketPolicy",
        &["s3:GetBucketPolicy"],
        "refresh (`archive_policy_in_place`)",
    ),
    call(
        "S3",
        "PutBucketPolicy",
        &["s3:PutBucketPolicy"],
        "CloudTrail's write access, TLS only",
    ),
    call(
        "S3",
        "GetPublicAccessBlock",
        &["s3:GetBucketPublicAccessBlock"],
        "refresh",
    ),
    call(
        "S3",
        "PutPublicAccessBlock",
        &["s3:PutBucketPublicAccessBlock"],
        "blocking public access",
    ),
    call(
        "S3",
        "PutBucketEncryption",
        &["s3:PutEncryptionConfiguration"],
        "SSE-KMS with the pipeline's key",
    ),
    call(
        "S3",
        "PutBucketVersioning",
        &["s3:PutBucketVersioning"],
        "versioning",
    ),
    call(
        "S3",
        "PutBucketLifecycleConfiguration",
        &["s3:PutLifecycleConfiguration"],
        "Glacier transition and expiry",
    ),
    call("S3", "PutBucketTagging", &["s3:PutBucketTagging"], "tags"),
    call(
        "KMS",
        "CreateKey",
        &["kms:CreateKey", "kms:TagResource"],
        "the pipeline's key, with its owner tag",
    ),
    call(
        "KMS",
        "DescribeKey",
        &["kms:DescribeKey"],
        "finding the key through its alias",
    ),
    call(
        "KMS",
        "CreateAlias",
        &["kms:CreateAlias"],
        "the key's alias",
    ),
    call(
        "KMS",
        "UpdateAlias",
        &["kms:UpdateAlias"],
        "pointing the alias at the live key",
    ),
    call("KMS", "DeleteAlias", &["kms:DeleteAlias"], "destroy"),
    call(
        "KMS",
        "EnableKey",
        &["kms:EnableKey"],
        "repairing a disabled key",
    ),
    call(
        "KMS",
        "EnableKeyRotation",
        &["kms:EnableKeyRotation"],
        "yearly rotation",
    ),
    call(
        "KMS",
        "PutKeyPolicy",
        &["kms:PutKeyPolicy"],
        "the key policy (CloudTrail, CloudWatch Logs, SNS)",
    ),
    call(
        "KMS",
        "ScheduleKeyDeletion",
        &["kms:ScheduleKeyDeletion"],
        "destroy (30-day window)",
    ),
    call(
        "KMS",
        "CancelKeyDeletion",
        &["kms:CancelKeyDeletion"],
        "repairing a key scheduled for deletion",
    ),
    call(
        "Resource Groups Tagging API",
        "GetResources",
        &["tag:GetResources"],
        "finding a key whose alias was never made (a killed apply); `terraform query`: pipelines by their key's owner tag",
    ),
    call(
        "IAM",
        "CreateRole",
        &["iam:CreateRole", "iam:TagRole"],
        "CloudTrail's delivery role",
    ),
    call("IAM", "GetRole", &["iam:GetRole"], "finding the role"),
    call(
        "IAM",
        "UpdateAssumeRolePolicy",
        &["iam:UpdateAssumeRolePolicy"],
        "repairing the role's trust",
    ),
    call(
        "IAM",
        "PutRolePolicy",
        &["iam:PutRolePolicy"],
        "the role's write access to its log group",
    ),
    call(
        "IAM",
        "DeleteRolePolicy",
        &["iam:DeleteRolePolicy"],
        "destroy",
    ),
    call("IAM", "DeleteRole", &["iam:DeleteRole"], "destroy"),
    call(
        "CloudWatch Logs",
        "CreateLogGroup",
        &["logs:CreateLogGroup", "logs:TagResource"],
        "the trail's log group and the findings group",
    ),
    call(
        "CloudWatch Logs",
        "DescribeLogGroups",
        &["logs:DescribeLogGroups"],
        "finding the log groups; `terraform query`: pipelines by their log groups",
    ),
    call(
        "CloudWatch Logs",
        "PutRetentionPolicy",
        &["logs:PutRetentionPolicy"],
        "retention",
    ),
    call(
        "CloudWatch Logs",
        "DeleteLogGroup",
        &["logs:DeleteLogGroup"],
        "destroy",
    ),
    call(
        "CloudWatch Logs",
        "PutMetricFilter",
        &["logs:PutMetricFilter"],
        "the read-counting metric filters",
    ),
    call(
        "CloudWatch Logs",
        "DescribeMetricFilters",
        &["logs:DescribeMetricFilters"],
        "refresh",
    ),
    call(
        "CloudWatch Logs",
        "DeleteMetricFilter",
        &["logs:DeleteMetricFilter"],
        "destroy; filters no layout needs any more",
    ),
    call(
        "CloudWatch Logs",
        "PutResourcePolicy",
        &["logs:PutResourcePolicy"],
        "EventBridge's write access to the findings group",
    ),
    call(
        "CloudWatch Logs",
        "DescribeResourcePolicies",
        &["logs:DescribeResourcePolicies"],
        "refresh",
    ),
    call(
        "CloudWatch Logs",
        "DeleteResourcePolicy",
        &["logs:DeleteResourcePolicy"],
        "destroy",
    ),
    call(
        "CloudWatch Logs",
        "PutQueryDefinition",
        &["logs:PutQueryDefinition"],
        "the saved queries",
    ),
    call(
        "CloudWatch Logs",
        "DescribeQueryDefinitions",
        &["logs:DescribeQueryDefinitions"],
        "refresh",
    ),
    call(
        "CloudWatch Logs",
        "DeleteQueryDefinition",
        &["logs:DeleteQueryDefinition"],
        "destroy",
    ),
    call(
        "CloudWatch",
        "PutMetricAlarm",
        &["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
        "the alarm",
    ),
    call(
        "CloudWatch",
        "DescribeAlarms",
        &["cloudwatch:DescribeAlarms"],
        "refresh",
    ),
    call(
        "CloudWatch",
        "DeleteAlarms",
        &["cloudwatch:DeleteAlarms"],
        "destroy",
    ),
    call(
        "CloudWatch",
        "SetAlarmState",
        &["cloudwatch:SetAlarmState"],
        "`verify_on_apply` and the test-alert action",
    ),
    call(
        "CloudWatch",
        "DescribeAlarmHistory",
        &["cloudwatch:DescribeAlarmHistory"],
        "`verify_on_apply` and the test-alert action",
    ),
    call(
        "CloudWatch",
        "PutDashboard",
        &["cloudwatch:PutDashboard"],
        "the dashboard",
    ),
    call(
        "CloudWatch",
        "GetDashboard",
        &["cloudwatch:GetDashboard"],
        "refresh",
    ),
    call(
        "CloudWatch",
        "DeleteDashboards",
        &["cloudwatch:DeleteDashboards"],
        "destroy",
    ),
    call(
        "CloudWatch",
        "ListDashboards",
        &["cloudwatch:ListDashboards"],
        "`terraform query`: pipelines by their dashboard",
    ),
    call(
        "CloudWatch",
        "TagResource",
        &["cloudwatch:TagResource"],
        "the dashboard's tags",
    ),
    call(
        "SNS",
        "CreateTopic",
        &["sns:CreateTopic", "sns:TagResource"],
        "the topic",
    ),
    call(
        "SNS",
        "GetTopicAttributes",
        &["sns:GetTopicAttributes"],
        "refresh",
    ),
    call(
        "SNS",
        "SetTopicAttributes",
        &["sns:SetTopicAttributes"],
        "the topic policy and key",
    ),
    call("SNS", "DeleteTopic", &["sns:DeleteTopic"], "destroy"),
    call("SNS", "Subscribe", &["sns:Subscribe"], "the subscriptions"),
    call(
        "SNS",
        "Unsubscribe",
        &["sns:Unsubscribe"],
        "subscriptions removed from the configuration",
    ),
    call(
        "SNS",
        "ListSubscriptionsByTopic",
        &["sns:ListSubscriptionsByTopic"],
        "refresh",
    ),
    call(
        "SNS",
        "GetSubscriptionAttributes",
        &["sns:GetSubscriptionAttributes"],
        "refresh (pending confirmation)",
    ),
    call(
        "SNS",
        "Publish",
        &["sns:Publish"],
        "`verify_on_apply` and the test-alert action",
    ),
    call(
        "EventBridge",
        "CreateEventBus",
        &["events:CreateEventBus", "events:TagResource"],
        "the pipeline's bus, at scale",
    ),
    call(
        "EventBridge",
        "DescribeEventBus",
        &["events:DescribeEventBus"],
        "refresh",
    ),
    call(
        "EventBridge",
        "DeleteEventBus",
        &["events:DeleteEventBus"],
        "destroy",
    ),
    call(
        "EventBridge",
        "PutRule",
        &["events:PutRule", "events:TagResource"],
        "the read and tamper rules",
    ),
    call(
        "EventBridge",
        "DescribeRule",
        &["events:DescribeRule"],
        "refresh; the test-alert action",
    ),
    call(
        "EventBridge",
        "ListRules",
        &["events:ListRules"],
        "finding the pipeline's rules",
    ),
    call(
        "EventBridge",
        "DeleteRule",
        &["events:DeleteRule"],
        "destroy; rules no layout needs any more",
    ),
    call(
        "EventBridge",
        "PutTargets",
        &["events:PutTargets"],
        "the rules' targets",
    ),
    call(
        "EventBridge",
        "ListTargetsByRule",
        &["events:ListTargetsByRule"],
        "refresh (rules whose targets carry a message); apply and destroy",
    ),
    call(
        "EventBridge",
        "ListRuleNamesByTarget",
        &["events:ListRuleNamesByTarget"],
        "refresh (the caller rules, by the bus they forward to)",
    ),
    call(
        "EventBridge",
        "RemoveTargets",
        &["events:RemoveTargets"],
        "destroy",
    ),
    call(
        "EventBridge",
        "TestEventPattern",
        &["events:TestEventPattern"],
        "`verify_on_apply` and the test-alert action",
    ),
];

/// The row of a logged call, if the table has it.
pub fn row(service: &str, operation: &str) -> Option<&'static Call> {
    CALLS
        .iter()
        .find(|c| c.service == service && c.operation == operation)
}

/// The deployer's policy: each service's actions on any resource (the names
/// are the user's, so no narrower resource is known in advance), and
/// `iam:PassRole` only for the delivery role, only to CloudTrail.
pub fn deployer_policy() -> PolicyDocument {
    let mut by_prefix: std::collections::BTreeMap<&str, BTreeSet<&str>> = Default::default();
    for action in CALLS.iter().flat_map(|c| c.actions.iter().copied()) {
        if action == PASS_ROLE {
            continue;
        }
        let prefix = action.split(':').next().unwrap_or(action);
        by_prefix.entry(prefix).or_default().insert(action);
    }
    let mut statements: Vec<Statement> = by_prefix
        .into_iter()
        .map(|(prefix, actions)| {
            let actions: Vec<&str> = actions.into_iter().collect();
            Statement::allow(&format!("SecretMonitor{}", sid_word(prefix)))
                .actions(&actions)
                .resources(["*"])
        })
        .collect();
    statements.push(
        Statement::allow("SecretMonitorPassDeliveryRole")
            .actions(&[PASS_ROLE])
            .resources([DELIVERY_ROLE_PATTERN])
            .condition(
                "StringEquals",
                "iam:PassedToService",
                "cloudtrail.amazonaws.com",
            ),
    );
    PolicyDocument::new(statements)
}

fn sid_word(prefix: &str) -> String {
    let mut chars = prefix.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// docs/permissions.md
pub fn page() -> String {
    let mut out = String::new();
    out.push_str(
        "# Permissions the deployer needs\n\n\
         <!-- Rendered from src/permissions.rs by `make docs`; do not edit. -->\n\n\
         The identity that runs `terraform plan` and `apply` with this provider \
         (the deployer) makes the AWS calls below, and no other. The acceptance \
         run checks that every call the provider logged (`TF_LOG_PROVIDER=debug`) \
         is in this table (`scripts/permissions_check.py`).\n\n\
         A plan of a new pipeline makes no call at all; refresh, apply, destroy, \
         import, `terraform query` and the test-alert action make the ones named \
         in *Needed for*. Resources are `*` because every name comes from the \
         configuration; `iam:PassRole` is limited to the delivery role, passed to \
         CloudTrail only. Add the `kms:*` key actions your own key policy \
         requires when `kms.key_arn` brings your own key.\n\n\
         | Service | Call | IAM actions | Needed for |\n|---|---|---|---|\n",
    );
    for c in CALLS {
        let actions = if c.actions.is_empty() {
            "none".to_owned()
        } else {
            c.actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            c.service, c.operation, actions, c.needed_for
        );
    }
    let policy = serde_json::to_string_pretty(&deployer_policy()).unwrap_or_default();
    let _ = write!(
        out,
        "\n## The policy\n\nEvery action of the table, grouped by service:\n\n```json\n{policy}\n```\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_has_one_row_and_each_action_a_service_prefix() {
        let mut seen = BTreeSet::new();
        for c in CALLS {
            assert!(
                seen.insert((c.service, c.operation)),
                "{} {} listed twice",
                c.service,
                c.operation
            );
            for action in c.actions {
                let (prefix, name) = action.split_once(':').expect("service:Action");
                assert!(!prefix.is_empty() && name.chars().next().is_some_and(char::is_uppercase));
            }
        }
    }

    #[test]
    fn the_policy_holds_every_action_and_passes_only_the_delivery_role() {
        let policy = deployer_policy();
        let json = serde_json::to_value(&policy).expect("policy serialises");
        let statements = json["Statement"].as_array().expect("statements");
        let granted: BTreeSet<String> = statements
            .iter()
            .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        for action in CALLS.iter().flat_map(|c| c.actions.iter()) {
            assert!(granted.contains(*action), "{action} not granted");
        }
        let pass: Vec<_> = statements
            .iter()
            .filter(|s| s["Action"].to_string().contains(PASS_ROLE))
            .collect();
        assert_eq!(pass.len(), 1, "one PassRole statement");
        assert_eq!(
            pass[0]["Resource"],
            serde_json::json!([DELIVERY_ROLE_PATTERN])
        );
        assert!(pass[0]["Condition"]
            .to_string()
            .contains("cloudtrail.amazonaws.com"));
    }

    #[test]
    fn a_logged_call_is_found_and_a_stranger_is_not() {
        assert_eq!(
            row("CloudTrail", "CreateTrail").map(|c| c.actions.len()),
            Some(3)
        );
        assert!(row("CloudTrail", "CreateTrail2").is_none());
        assert!(row("S3", "CreateTrail").is_none());
    }

    #[test]
    fn docs_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/permissions.md");
        let rendered = page();
        if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &rendered).expect("write docs/permissions.md");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "docs/permissions.md is stale: run `make docs` and commit the result"
        );
    }
}
