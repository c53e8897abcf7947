//! The SNS topic: KMS-encrypted, publishable only by this pipeline's alarm
//! and EventBridge rules.

use aws_sdk_sns::types::Tag;

use super::event_rule::Rule;
use futures::FutureExt;

use super::{
    always, seen, Component, Ctx, Deleted, Names, Observed, PartDef, PipelineError, PipelineSpec,
    Protection, Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError};
use crate::policy::{PolicyDocument, Principal, Statement};

const TOPIC: Component = Component::Topic;

/// The rules of this pipeline that publish to its topic.
pub fn publishing_rules(spec: &PipelineSpec, names: &Names) -> Vec<String> {
    Rule::BOTH
        .into_iter()
        .filter(|rule| rule.enabled(spec))
        .map(|rule| names.rule_arn(rule.name(names)))
        .collect()
}

pub fn topic_policy(spec: &PipelineSpec, names: &Names) -> PolicyDocument {
    let topic = names.topic_arn();
    let rules = publishing_rules(spec, names);
    let mut statements = vec![
        Statement::allow("AccountManagesTopic")
            .principal(Principal::Aws(names.account_root()))
            .actions(&[
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:AddPermission",
                "sns:RemovePermission",
                "sns:DeleteTopic",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
            ])
            .resources([topic.clone()]),
        Statement::allow("ThisPipelinesAlarmPublishes")
            .service("cloudwatch.amazonaws.com")
            .actions(&["sns:Publish"])
            .resources([topic.clone()])
            .condition("ArnEquals", "aws:SourceArn", names.alarm_arn())
            .condition(
                "StringEquals",
                "aws:SourceAccount",
                names.account_id.clone(),
            ),
    ];
    if !rules.is_empty() {
        statements.push(
            Statement::allow("ThisPipelinesRulesPublish")
                .service("events.amazonaws.com")
                .actions(&["sns:Publish"])
                .resources([topic])
                .condition_any("ArnEquals", "aws:SourceArn", rules),
        );
    }
    PolicyDocument::new(statements)
}

/// `None` when the topic is gone; otherwise whether it is still encrypted and
/// still carries our policy.
pub async fn find(ctx: &Ctx<'_>, arn: &str) -> Result<Option<bool>, AwsError> {
    let found = ctx
        .clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(TOPIC, "GetTopicAttributes", arn, e))
        .found_if(&[codes::sns::NOT_FOUND])?;
    Ok(found.map(|out| {
        let attributes = out.attributes.unwrap_or_default();
        let encrypted = attributes
            .get("KmsMasterKeyId")
            .is_some_and(|k| !k.is_empty());
        let policy = attributes
            .get("Policy")
            .is_some_and(|p| crate::policy::equivalent(p, &topic_policy(ctx.spec, ctx.names)));
        encrypted && policy
    }))
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let name = ctx.names.topic.as_str();
    let key_arn = rec.require(TOPIC, "KMS key ARN", |o| o.kms_key_arn.clone())?;
    // A topic recorded before is read first, so that an apply that changes
    // other parts sends no SetTopicAttributes (a tamper alert) for nothing.
    let recorded = rec.get(|o| o.topic_arn.clone());
    let sns = &ctx.clients.sns;
    let mut create = sns.create_topic().name(name);
    for (key, value) in ctx.tags() {
        create = create.tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| AwsError::new(TOPIC, "CreateTopic", name, e.to_string()))?,
        );
    }
    let wanted_policy = topic_policy(ctx.spec, ctx.names);
    if recorded.is_none() {
        // Most likely a new topic: created with its key and policy in one
        // call. SNS refuses this for a topic that exists with other
        // attributes; that one is repaired below.
        let with_attributes = create
            .clone()
            .attributes("KmsMasterKeyId", &key_arn)
            .attributes("Policy", wanted_policy.to_json())
            .send()
            .await;
        match with_attributes {
            Ok(out) => {
                let arn = out.topic_arn.unwrap_or_else(|| ctx.names.topic_arn());
                rec.update(|o| o.topic_arn = Some(arn));
                return Ok(());
            }
            Err(err) => {
                let err = AwsError::from_sdk(TOPIC, "CreateTopic", name, err);
                if !err.has_code(&[
                    codes::sns::INVALID_PARAMETER,
                    codes::sns::INVALID_PARAMETER_EXCEPTION,
                ]) {
                    return Err(err.into());
                }
            }
        }
    }
    // CreateTopic with a bare name is idempotent; attributes are set separately so
    // that an existing topic with drifted attributes is repaired, not rejected.
    let arn = create
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(TOPIC, "CreateTopic", name, e))?
        .topic_arn
        .unwrap_or_else(|| ctx.names.topic_arn());
    rec.update(|o| o.topic_arn = Some(arn.clone()));
    let (key_in_place, policy_in_place) = match recorded {
        Some(_) => match sns.get_topic_attributes().topic_arn(&arn).send().await {
            Ok(out) => {
                let attributes = out.attributes.unwrap_or_default();
                (
                    attributes.get("KmsMasterKeyId") == Some(&key_arn),
                    attributes
                        .get("Policy")
                        .is_some_and(|p| crate::policy::equivalent(p, &wanted_policy)),
                )
            }
            // Unreadable: set both, which is what create does anyway.
            Err(_) => (false, false),
        },
        None => (false, false),
    };
    let encryption = async {
        if key_in_place {
            return Ok(());
        }
        sns.set_topic_attributes()
            .topic_arn(&arn)
            .attribute_name("KmsMasterKeyId")
            .attribute_value(&key_arn)
            .send()
            .await
            .map(|_| ())
    };
    let policy = async {
        if policy_in_place {
            return Ok(());
        }
        sns.set_topic_attributes()
            .topic_arn(&arn)
            .attribute_name("Policy")
            .attribute_value(wanted_policy.to_json())
            .send()
            .await
            .map(|_| ())
    };
    let (encryption, policy) = tokio::join!(encryption, policy);
    encryption
        .map_err(|e| AwsError::from_sdk(TOPIC, "SetTopicAttributes(KmsMasterKeyId)", &arn, e))?;
    policy.map_err(|e| AwsError::from_sdk(TOPIC, "SetTopicAttributes(Policy)", &arn, e))?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    ctx.clients
        .sns
        .delete_topic()
        .topic_arn(arn)
        .send()
        .await
        .map_err(|err| AwsError::from_sdk(TOPIC, "DeleteTopic", arn, err))
        .gone_if(&[codes::sns::NOT_FOUND])
}

/// The topic needs the key; it is where the alarm and the rules send alerts.
pub const PART: PartDef = PartDef {
    id: Component::Topic,
    present: always,
    after: &[],
    after_usable: &[Component::Key],
    refers_to: &[],
    inside: None,
    protections: &[Protection::TopicPolicyInPlace],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, recorded| {
        async move {
            let arn = recorded_arn(ctx, recorded);
            let found = find(ctx, &arn).await?;
            Ok(seen(found.map(|policy_in_place| TopicObservation {
                arn,
                policy_in_place,
            })))
        }
        .boxed()
    }),
    delete: |ctx, rec| {
        async move {
            delete(ctx, &rec.get(|o| recorded_arn(ctx, o))).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| {
        o.topic_arn = None;
        o.subscriptions.clear();
    },
};

/// The topic's ARN as recorded, else as derived from its name.
pub fn recorded_arn(ctx: &Ctx<'_>, recorded: &Observed) -> String {
    recorded
        .topic_arn
        .clone()
        .unwrap_or_else(|| ctx.names.topic_arn())
}

/// What refresh learns of the topic.
struct TopicObservation {
    arn: String,
    /// Still encrypted, and still carrying our policy.
    policy_in_place: bool,
}

impl Seen for TopicObservation {
    fn record(&self, observed: &mut Observed) {
        observed.topic_arn = Some(self.arn.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::TopicPolicyInPlace, self.policy_in_place)]
    }
}
