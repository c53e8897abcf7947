//! The findings log group: when the allow-list does not fit a metric filter
//! (`spec.detection.findings`), the pipeline's notifying EventBridge rules
//! also write every match here, and a metric filter on the group publishes
//! the alarm's metric, one per finding. The alarm is then as best-effort as
//! EventBridge (docs/scale.md, "What each path depends on").
//!
//! Three things, put in place by one `ensure`: first the group, then its
//! policy and its filter (at once):
//! - the group, encrypted with the pipeline's key (the key policy lets
//!   CloudWatch Logs use it for this group's ARN, [`super::key::key_policy`];
//!   a customer's key must allow the same, as for the trail's group),
//!   tagged, with the pipeline's retention;
//! - its resource policy ([`writers_policy`]), which lets EventBridge write;
//! - the metric filter ([`findings_pattern`]), publishing the alarm's metric.
//!
//! The rules' CloudWatch Logs target (event_rule.rs) must carry no `RoleArn`
//! (EventBridge rejects one for this target type and uses the policy) and no
//! input transformer: the filter matches the whole event as EventBridge
//! writes it.
//!
//! Decisions:
//! - **A log-group-scoped resource policy.** CloudWatch Logs allows 10
//!   account-level resource policies per region, shared by every service
//!   that delivers logs (Route 53, EventBridge, vended logs): one per
//!   pipeline would use them up. PutResourcePolicy with `resourceArn`
//!   (supported by the SDK in use, aws-sdk-cloudwatchlogs 1.162) attaches the
//!   policy to this group alone, is not one of the account's 10, and goes
//!   with the group. Writing it needs the revision it replaces
//!   (`expectedRevisionId`), so `ensure` reads it first.
//! - **What the policy allows**, following the EventBridge guide
//!   ("CloudWatch Logs permissions": principals `events.amazonaws.com` and
//!   `delivery.logs.amazonaws.com`, `logs:CreateLogStream` and
//!   `logs:PutLogEvents` on `<group ARN>:*`) and AWS's sample that splits it
//!   in two (aws-samples/serverless-patterns, eventbridge-cloudwatch): the
//!   rule's `aws:SourceArn` is present on `PutLogEvents` only, so that
//!   statement alone carries the conditions (this account, and only this
//!   pipeline's notifying rules). The rules are named by content and change
//!   with the layout, so the condition names them by pattern (`ArnLike`:
//!   the single read rule, and the scope rules on the pipeline's bus): the
//!   policy stays the same across layouts, and a rule put in place before
//!   the old one goes may write at once. `CreateLogStream` only makes an
//!   empty stream in this group.
//! - **Deleted with the pipeline**, as the trail's log group is
//!   ([`super::log_group`]), not kept as the archive is: a finding is a copy
//!   of a CloudTrail record that the trail also delivered (to the archive,
//!   kept while it holds audit logs, or to the reused trail's own storage).
//!   The group holds no evidence found nowhere else, only the count.
//! - **Always a part, torn down when not wanted.** The pipeline runs only the
//!   parts whose `present` holds (src/pipeline.rs: apply, observe and
//!   delete all loop over `present(spec)`), so a part whose `present` turned
//!   false in an update would be neither ensured nor deleted: the group would
//!   be left behind, still recorded (the state's `findings_log_group_arn`
//!   then disagrees with a plan that wants it null), and a later destroy
//!   would not delete it either. So the part is always present, and when
//!   findings are not wanted `ensure`, `find` and `delete` act only on what
//!   the state recorded: nothing recorded, no AWS call at all.

use aws_sdk_cloudwatchlogs::types::{MetricFilter, PolicyScope};

use futures::FutureExt;

use super::{
    always, seen, Component, Ctx, Deleted, Named, Names, Observed, PartDef, PipelineError,
    Protection, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError, MAX_PAGES};
use crate::engine::Usable;
use crate::pattern::{
    AstError, Expr, FilterPattern, Selector, StrPattern, SECRETS_MANAGER_EVENT_SOURCE,
    SECRETS_MANAGER_SOURCE,
};
use crate::policy::{PolicyDocument, Statement};

const C: Component = Component::Findings;

/// Who writes findings: EventBridge, and the log delivery it uses for
/// CloudWatch Logs targets.
pub const WRITERS: [&str; 2] = ["events.amazonaws.com", "delivery.logs.amazonaws.com"];

/// The ARNs of the rules that may write findings: the single read rule on
/// the default bus, and the scope rules on the pipeline's bus (named
/// `<pipeline>-reads-s-<content>`, [`super::PlanNames::staged_rule`]).
pub fn writing_rules(names: &Names) -> [String; 2] {
    [
        names.rule_arn(&names.read_rule),
        names.bus_rule_arn(&format!("{}-reads-s-*", names.trail)),
    ]
}

/// Only the pipeline's notifying rules may write, and only to this group.
pub fn writers_policy(names: &Names) -> PolicyDocument {
    let streams = format!("{}:*", names.findings_log_group_arn());
    PolicyDocument::new(vec![
        Statement::allow("EventBridgeCreatesFindingsStreams")
            .services(WRITERS)
            .actions(&["logs:CreateLogStream"])
            .resources([streams.clone()]),
        Statement::allow("ThisPipelinesRulesWriteFindings")
            .services(WRITERS)
            .actions(&["logs:PutLogEvents"])
            .resources([streams])
            .condition(
                "StringEquals",
                "aws:SourceAccount",
                names.account_id.clone(),
            )
            .condition_any("ArnLike", "aws:SourceArn", writing_rules(names)),
    ])
}

/// The filter that counts findings. EventBridge writes each finding as the
/// whole event (`version`, `id`, `detail-type`, `source`, `account`, `time`,
/// `region`, `resources`, `detail`); only the notifying rules can write, and
/// they match only Secrets Manager calls, so the source is all there is to
/// test.
pub fn findings_pattern() -> Result<FilterPattern, AstError> {
    Ok(FilterPattern::new(Expr::and(vec![
        Expr::eq(
            &Selector::keys(&["source"])?,
            StrPattern::exact(SECRETS_MANAGER_SOURCE)?,
        ),
        Expr::eq(
            &Selector::keys(&["detail", "eventSource"])?,
            StrPattern::exact(SECRETS_MANAGER_EVENT_SOURCE)?,
        ),
    ])))
}

/// The filter the spec wants on the group.
pub fn wanted_filter(names: &Names, call: &'static str) -> Result<Named, AwsError> {
    let pattern = findings_pattern()
        .map_err(|e| AwsError::new(C, call, &names.findings_filter, e.to_string()))?;
    Ok(Named {
        name: names.findings_filter.clone(),
        pattern: pattern.text(),
    })
}

/// What refresh learns of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingsObservation {
    pub arn: String,
    pub retention_days: Option<i64>,
    pub filter: Option<Named>,
    pub policy_in_place: bool,
}

/// The group as listed: its bare ARN and retention.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    arn: String,
    retention_days: Option<i64>,
}

async fn find_group(ctx: &Ctx<'_>) -> Result<Option<Group>, AwsError> {
    let found = super::log_group::find_as(ctx, C, &ctx.names.findings_log_group).await?;
    Ok(found.map(|g| Group {
        arn: g.arn,
        retention_days: g.retention_days,
    }))
}

/// The group's filter of our name, as listed; `None` when it (or the group)
/// is missing.
async fn find_filter(ctx: &Ctx<'_>) -> Result<Option<MetricFilter>, AwsError> {
    let group = ctx.names.findings_log_group.as_str();
    let name = ctx.names.findings_filter.as_str();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let listed = ctx
            .clients
            .logs
            .describe_metric_filters()
            .log_group_name(group)
            .filter_name_prefix(name)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "DescribeMetricFilters", name, e))
            .found_if(&[codes::logs::RESOURCE_NOT_FOUND])?;
        let Some(listed) = listed else {
            return Ok(None);
        };
        // The prefix also lists filters whose names extend ours.
        if let Some(ours) = listed
            .metric_filters()
            .iter()
            .find(|f| f.filter_name() == Some(name))
        {
            return Ok(Some(ours.clone()));
        }
        if listed.next_token.is_none() {
            return Ok(None);
        }
        next = listed.next_token;
    }
    Err(AwsError::new(
        C,
        "DescribeMetricFilters",
        name,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

/// The filter as the state records it: its pattern normalised against the
/// wanted one, so AWS's layout of it is no drift.
fn as_named(filter: &MetricFilter, wanted: &Named) -> Named {
    Named {
        name: wanted.name.clone(),
        pattern: crate::pattern::as_observed(
            filter.filter_pattern().unwrap_or_default(),
            Some(&wanted.pattern),
            crate::pattern::filter::same_layout,
        ),
    }
}

/// The group's resource policy of our name: its document and revision;
/// `None` when there is none (or no group).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListedPolicy {
    document: String,
    revision: Option<String>,
}

async fn find_policy(ctx: &Ctx<'_>) -> Result<Option<ListedPolicy>, AwsError> {
    let arn = ctx.names.findings_log_group_arn();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let listed = ctx
            .clients
            .logs
            .describe_resource_policies()
            .resource_arn(&arn)
            .policy_scope(PolicyScope::Resource)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "DescribeResourcePolicies", &arn, e))
            .found_if(&[codes::logs::RESOURCE_NOT_FOUND])?;
        let Some(listed) = listed else {
            return Ok(None);
        };
        // A group has at most one resource-scoped policy, named by the
        // group's ARN alone (CloudWatch Logs takes no policy name with
        // `resourceArn`): whatever is listed for it is the one we manage.
        if let Some(ours) = listed.resource_policies().first() {
            return Ok(Some(ListedPolicy {
                document: ours.policy_document().unwrap_or_default().to_owned(),
                revision: ours.revision_id().map(str::to_owned),
            }));
        }
        if listed.next_token.is_none() {
            return Ok(None);
        }
        next = listed.next_token;
    }
    Err(AwsError::new(
        C,
        "DescribeResourcePolicies",
        &arn,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}

pub async fn find(ctx: &Ctx<'_>) -> Result<Option<FindingsObservation>, AwsError> {
    let Some(group) = find_group(ctx).await? else {
        return Ok(None);
    };
    let wanted = wanted_filter(ctx.names, "DescribeMetricFilters")?;
    let (filter, policy) = tokio::join!(find_filter(ctx), find_policy(ctx));
    let policy_in_place =
        policy?.is_some_and(|p| crate::policy::equivalent(&p.document, &writers_policy(ctx.names)));
    Ok(Some(FindingsObservation {
        arn: group.arn,
        retention_days: group.retention_days,
        filter: filter?.map(|f| as_named(&f, &wanted)),
        policy_in_place,
    }))
}

/// Finds or creates the group, encrypted with the pipeline's key, and sets
/// its retention; records its ARN as soon as it exists.
async fn ensure_group(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let name = ctx.names.findings_log_group.as_str();
    let logs = &ctx.clients.logs;
    let key_arn = rec.require(C, "KMS key ARN", |o| o.kms_key_arn.clone())?;
    let create = || super::log_group::create_encrypted(ctx, C, name, &key_arn);
    const EXISTS: &[&str] = &[codes::logs::RESOURCE_ALREADY_EXISTS];
    // A group the state knows is looked up first; one it does not know is
    // most likely new, so creating it first saves a round trip.
    let known = rec.get(|o| o.findings_log_group_arn.is_some());
    let mut found = if known { find_group(ctx).await? } else { None };
    if found.is_none() {
        match create().await {
            Ok(()) => {}
            Err(err) if err.has_code(EXISTS) => {
                if !known {
                    found = find_group(ctx).await?;
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    rec.update(|o| o.findings_log_group_arn = Some(ctx.names.findings_log_group_arn()));
    let retention = i32::try_from(ctx.spec.log_retention_days).unwrap_or(365);
    if found.as_ref().and_then(|f| f.retention_days) != Some(i64::from(retention)) {
        logs.put_retention_policy()
            .log_group_name(name)
            .retention_in_days(retention)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "PutRetentionPolicy", name, e))?;
    }
    Ok(())
}

/// Puts the writers' policy unless the group already carries it.
async fn ensure_policy(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let arn = ctx.names.findings_log_group_arn();
    let wanted = writers_policy(ctx.names);
    let existing = find_policy(ctx).await?;
    if existing
        .as_ref()
        .is_some_and(|p| crate::policy::equivalent(&p.document, &wanted))
    {
        return Ok(());
    }
    ctx.clients
        .logs
        .put_resource_policy()
        .policy_document(wanted.to_json())
        .resource_arn(&arn)
        // The revision replaced; none when the policy is new.
        .set_expected_revision_id(existing.and_then(|p| p.revision))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "PutResourcePolicy", &arn, e))?;
    Ok(())
}

/// Puts the filter unless it exists with our pattern and the alarm's metric;
/// records it once in place.
async fn ensure_filter(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), AwsError> {
    let wanted = wanted_filter(ctx.names, "PutMetricFilter")?;
    let alarm = &ctx.spec.alarm;
    let publishes_the_metric = |f: &MetricFilter| {
        matches!(f.metric_transformations(), [t] if t.metric_name() == alarm.metric_name
            && t.metric_namespace() == alarm.namespace
            && t.metric_value() == "1")
    };
    let existing = find_filter(ctx).await?;
    let in_place = existing
        .as_ref()
        .is_some_and(|f| as_named(f, &wanted) == wanted && publishes_the_metric(f));
    if !in_place {
        super::metric_filter::put_counting(ctx, C, &ctx.names.findings_log_group, &wanted).await?;
    }
    rec.update(|o| o.findings_filter = Some(wanted));
    Ok(())
}

/// Whether the state records any of the part.
fn recorded(observed: &Observed) -> bool {
    observed.findings_log_group_arn.is_some() || observed.findings_filter.is_some()
}

/// Makes the group, its policy and its filter match the spec; when findings
/// are not wanted, removes what the state recorded of them.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder, usable: Usable) -> Result<(), PipelineError> {
    if !ctx.spec.detection.findings {
        if rec.get(recorded) {
            delete(ctx).await?;
            rec.update(forget);
        }
        usable.now();
        return Ok(());
    }
    ensure_group(ctx, rec).await?;
    let (policy, filter) = tokio::join!(ensure_policy(ctx), ensure_filter(ctx, rec));
    policy?;
    filter?;
    usable.now();
    Ok(())
}

/// The filter, the policy, then the group; "not found" is done.
pub async fn delete(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let logs = &ctx.clients.logs;
    let group = ctx.names.findings_log_group.as_str();
    let filter = async {
        let name = ctx.names.findings_filter.as_str();
        logs.delete_metric_filter()
            .log_group_name(group)
            .filter_name(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "DeleteMetricFilter", name, e))
            .gone_if(&[codes::logs::RESOURCE_NOT_FOUND])
    };
    let policy = async {
        // A resource-scoped policy is deleted by the revision it has.
        let Some(existing) = find_policy(ctx).await? else {
            return Ok(());
        };
        let arn = ctx.names.findings_log_group_arn();
        logs.delete_resource_policy()
            .resource_arn(&arn)
            .set_expected_revision_id(existing.revision)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "DeleteResourcePolicy", &arn, e))
            .gone_if(&[codes::logs::RESOURCE_NOT_FOUND])
    };
    let (filter, policy) = tokio::join!(filter, policy);
    filter?;
    policy?;
    logs.delete_log_group()
        .log_group_name(group)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DeleteLogGroup", group, e))
        .gone_if(&[codes::logs::RESOURCE_NOT_FOUND])
}

fn forget(o: &mut Observed) {
    o.findings_log_group_arn = None;
    o.findings_filter = None;
}

/// The group needs the key; the read rules' targets wait for the whole part
/// (group, policy, filter) before they point at it.
pub const PART: PartDef = PartDef {
    id: Component::Findings,
    // Always: see the module's last decision.
    present: always,
    after: &[],
    after_usable: &[Component::Key],
    refers_to: &[],
    inside: None,
    protections: &[Protection::FindingsPolicyInPlace],
    ensure: |ctx, rec, usable| ensure(ctx, rec, usable).boxed(),
    find: Some(|ctx, recorded_state| {
        async move {
            if !ctx.spec.detection.findings && !recorded(recorded_state) {
                return Ok(None);
            }
            Ok(seen(find(ctx).await?))
        }
        .boxed()
    }),
    delete: |ctx, rec| {
        async move {
            if ctx.spec.detection.findings || rec.get(recorded) {
                delete(ctx).await?;
            }
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget,
};

impl Seen for FindingsObservation {
    fn record(&self, observed: &mut Observed) {
        observed.findings_log_group_arn = Some(self.arn.clone());
        observed.findings_filter = self.filter.clone();
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::FindingsPolicyInPlace, self.policy_in_place)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Principal;

    fn names() -> Names {
        let spec = crate::terraform::desired::example_spec("audit");
        Names::derive(&spec, "111122223333", "eu-west-1")
    }

    /// What EventBridge writes for a finding: the whole event.
    fn event(source: &str, event_source: &str) -> String {
        serde_json::json!({
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "AWS API Call via CloudTrail",
            "source": source,
            "account": "111122223333",
            "time": "2026-12-01T12:00:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": {
                "eventVersion": "1.08",
                "eventSource": event_source,
                "eventName": "GetSecretValue",
                "userIdentity": { "type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/i-1" },
                "requestParameters": { "secretId": "prod/db" }
            }
        })
        .to_string()
    }

    #[test]
    fn the_filter_counts_findings_and_nothing_else() {
        let text = findings_pattern().expect("typed pattern").text();
        // What AWS is sent parses as a filter pattern, and means what it says.
        let parsed = crate::pattern::parse(&text).expect("parses");
        // (the written event, whether it counts)
        let cases = [
            (
                event("aws.secretsmanager", "secretsmanager.amazonaws.com"),
                true,
            ),
            (event("aws.kms", "kms.amazonaws.com"), false),
            (event("aws.secretsmanager", "kms.amazonaws.com"), false),
            // A CloudTrail record (no EventBridge envelope) is no finding.
            (
                serde_json::json!({
                    "eventSource": "secretsmanager.amazonaws.com",
                    "eventName": "GetSecretValue"
                })
                .to_string(),
                false,
            ),
            ("not json".to_owned(), false),
        ];
        for (written, counts) in cases {
            assert_eq!(parsed.matches(&written), counts, "{text} on {written}");
        }
        assert!(text.len() <= crate::pattern::MAX_PATTERN_LEN);
    }

    /// Only the findings group, only stream creation and writing, only
    /// EventBridge and its log delivery, and writing only from this
    /// account's rules of this pipeline.
    #[test]
    fn the_writers_policy_is_least_privilege() {
        let names = names();
        let policy = writers_policy(&names);
        let group = "arn:aws:logs:eu-west-1:111122223333:log-group:/secretmonitor/audit/findings:*";
        let mut actions: Vec<&str> = Vec::new();
        for statement in &policy.statements {
            assert_eq!(statement.effect, crate::policy::Effect::Allow);
            assert_eq!(statement.resources, [group], "{}", statement.sid);
            let Some(Principal::Services(principals)) = &statement.principal else {
                panic!("{}: not a service principal", statement.sid);
            };
            assert_eq!(principals.services, WRITERS, "{}", statement.sid);
            assert!(
                statement.actions.iter().all(|a| !a.contains('*')),
                "{}",
                statement.sid
            );
            actions.extend(statement.actions.iter().map(String::as_str));
        }
        actions.sort_unstable();
        assert_eq!(actions, ["logs:CreateLogStream", "logs:PutLogEvents"]);
        let writes = policy
            .statements
            .iter()
            .find(|s| s.actions == ["logs:PutLogEvents"])
            .expect("a statement for PutLogEvents");
        assert_eq!(
            writes.conditions["StringEquals"]["aws:SourceAccount"],
            ["111122223333"]
        );
        assert_eq!(
            writes.conditions["ArnLike"]["aws:SourceArn"],
            [
                "arn:aws:events:eu-west-1:111122223333:rule/audit-secret-reads",
                "arn:aws:events:eu-west-1:111122223333:rule/audit-secret-reads/audit-reads-s-*",
            ]
        );
        // The condition covers every scope rule the layout can name, on the
        // pipeline's bus only.
        let scope_rule = names.bus_rule_arn(&names.plan.staged_rule('s', "{}"));
        let pattern = &writing_rules(&names)[1];
        let stem = pattern.trim_end_matches('*');
        assert!(scope_rule.starts_with(stem), "{scope_rule} vs {pattern}");
        let caller_rule = names.rule_arn(&names.plan.staged_rule('c', "{}"));
        assert!(!caller_rule.starts_with(stem), "{caller_rule}");
        // The document is what AWS is sent: equivalent to itself, and typed.
        assert!(crate::policy::equivalent(&policy.to_json(), &policy));
    }

    #[test]
    fn the_key_lets_cloudwatch_logs_encrypt_the_findings_group() {
        let names = names();
        let key = super::super::key::key_policy(&names);
        let logs = key
            .statements
            .iter()
            .find(|s| s.sid == "CloudWatchLogsEncryptsThisLogGroup")
            .expect("the logs statement");
        assert_eq!(
            logs.conditions["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"],
            [names.log_group_arn(), names.findings_log_group_arn()]
        );
    }
}
