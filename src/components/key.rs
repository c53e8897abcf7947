//! The KMS key that encrypts the trail's logs, the log group and the topic.

use aws_sdk_kms::types::{KeyState, Tag};

use futures::{FutureExt, TryFutureExt};

use super::{
    always, seen, Component, Ctx, Deleted, Names, Observed, PartDef, PipelineSpec, Protection,
    Recorder, Seen,
};
use crate::aws::{codes, Absence, AwsError, Clients};
use crate::engine::Usable;
use crate::policy::{PolicyDocument, Statement};

const C: Component = Component::Key;

/// Least privilege for the services that use the key (EventBridge only for
/// this pipeline's two rules), plus the account's
/// own administration (without it the key would become unmanageable).
pub fn key_policy(names: &Names) -> PolicyDocument {
    let trail_arn = names.trail_arn();
    let account = &names.account_id;
    PolicyDocument::new(vec![
        Statement::allow("AccountAdministers")
            .principal(crate::policy::Principal::Aws(names.account_root()))
            .actions(&["kms:*"])
            .resources(["*"]),
        Statement::allow("CloudTrailEncryptsThisTrailsLogs")
            .service("cloudtrail.amazonaws.com")
            .actions(&["kms:GenerateDataKey*"])
            .resources(["*"])
            .condition("StringEquals", "aws:SourceArn", trail_arn.clone())
            .condition(
                "StringLike",
                "kms:EncryptionContext:aws:cloudtrail:arn",
                format!("arn:aws:cloudtrail:*:{account}:trail/*"),
            ),
        Statement::allow("CloudTrailDescribesKey")
            .service("cloudtrail.amazonaws.com")
            .actions(&["kms:DescribeKey"])
            .resources(["*"])
            .condition("StringEquals", "aws:SourceArn", trail_arn),
        // The trail's group, and the findings group (always named, so that
        // turning findings on or off does not rewrite the key policy).
        Statement::allow("CloudWatchLogsEncryptsThisLogGroup")
            .service(format!("logs.{}.amazonaws.com", names.region))
            .actions(&[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ])
            .resources(["*"])
            .condition_any(
                "ArnEquals",
                "kms:EncryptionContext:aws:logs:arn",
                [names.log_group_arn(), names.findings_log_group_arn()],
            ),
        // Without this an alarm's notification to the encrypted topic is silently dropped.
        Statement::allow("CloudWatchAlarmsPublishToEncryptedTopic")
            .service("cloudwatch.amazonaws.com")
            .actions(&["kms:Decrypt", "kms:GenerateDataKey*"])
            .resources(["*"])
            .condition("StringEquals", "aws:SourceAccount", account.clone()),
        Statement::allow("ThisPipelinesRulesPublishToEncryptedTopic")
            .service("events.amazonaws.com")
            .actions(&["kms:Decrypt", "kms:GenerateDataKey*"])
            .resources(["*"])
            .condition_any(
                "ArnEquals",
                "aws:SourceArn",
                [
                    names.rule_arn(&names.read_rule),
                    names.rule_arn(&names.tamper_rule),
                ],
            ),
    ])
}

/// What refresh needs to know about the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyObservation {
    pub arn: String,
    pub enabled: bool,
    /// Scheduled for deletion but still recoverable: by us on destroy, or by
    /// someone silencing the pipeline (then apply cancels it).
    pub pending_deletion: bool,
}

/// The key look-up apply starts with, sent with the account look-up, since
/// everything else waits for the key.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The ARN the state recorded, else the alias.
    key_id: String,
    found: Result<Option<KeyObservation>, AwsError>,
    /// Whether `found` came through the alias: false for a recorded ARN and
    /// for a key found by its owner tag, whose alias is still to be made.
    through_alias: bool,
}

/// What the key is looked up by: the ARN the state recorded, else the alias.
pub fn lookup_id(recorded: &Observed, pipeline: &str) -> String {
    recorded
        .kms_key_arn
        .clone()
        .unwrap_or_else(|| Names::key_alias_for(pipeline))
}

impl Lookup {
    /// `None` for a customer-managed key: it is only used, never looked up.
    pub async fn start(
        clients: &Clients,
        spec: &PipelineSpec,
        recorded: &Observed,
    ) -> Option<Self> {
        if spec.kms.key_arn.is_some() {
            return None;
        }
        let key_id = lookup_id(recorded, &spec.name);
        let by_alias = recorded.kms_key_arn.is_none();
        let (found, through_alias) = if by_alias {
            // Both look-ups at once: a create finds no alias, and would
            // otherwise wait one more round trip for the tagged key.
            let (aliased, unaliased) =
                tokio::join!(find(clients, &key_id), find_unaliased(clients, &spec.name));
            match aliased {
                Ok(None) => (unaliased, false),
                // The tagged key is not needed then, nor its look-up's error.
                aliased => (aliased, true),
            }
        } else {
            (find(clients, &key_id).await, false)
        };
        Some(Self {
            key_id,
            found,
            through_alias,
        })
    }
}

/// The key an earlier apply created but died before aliasing: the one tagged
/// with this pipeline's name that is neither aliased nor pending deletion.
/// Without this look-up a re-run would create a second key and orphan the
/// first (CreateKey takes no idempotency token).
pub async fn find_unaliased(
    clients: &Clients,
    pipeline: &str,
) -> Result<Option<KeyObservation>, AwsError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let filter = TagFilter::builder()
        .key(Names::KEY_OWNER_TAG)
        .values(pipeline)
        .build();
    let mut arns = Vec::new();
    let mut pages = clients
        .tagging
        .get_resources()
        .resource_type_filters("kms:key")
        .tag_filters(filter)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk(C, "GetResources", pipeline, e))?;
        arns.extend(
            page.resource_tag_mapping_list
                .unwrap_or_default()
                .into_iter()
                .filter_map(|mapping| mapping.resource_arn),
        );
    }
    // Oldest crash first, so that two re-runs adopt the same key.
    arns.sort();
    for arn in arns {
        if let Some(key) = find(clients, &arn).await? {
            if !key.pending_deletion {
                return Ok(Some(key));
            }
        }
    }
    Ok(None)
}

/// Finds a key by ARN or alias.
pub async fn find(clients: &Clients, key_id: &str) -> Result<Option<KeyObservation>, AwsError> {
    let described = clients
        .kms
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DescribeKey", key_id, e))
        .found_if(&[codes::kms::NOT_FOUND])?;
    let Some(metadata) = described.and_then(|out| out.key_metadata) else {
        return Ok(None);
    };
    let state = metadata.key_state;
    Ok(metadata.arn.map(|arn| KeyObservation {
        arn,
        enabled: matches!(state, Some(KeyState::Enabled) | None),
        pending_deletion: matches!(
            state,
            Some(KeyState::PendingDeletion) | Some(KeyState::PendingReplicaDeletion)
        ),
    }))
}

/// Finds or creates the key and puts its policy in place; from then on it is
/// `usable` by the parts it encrypts, while its alias and rotation are set.
pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder, usable: Usable) -> Result<(), AwsError> {
    let lookup = match ctx.key_lookup {
        Some(prefetched) => Some(prefetched.clone()),
        None => Lookup::start(ctx.clients, ctx.spec, &rec.snapshot()).await,
    };
    let Some(Lookup {
        key_id: lookup,
        found,
        through_alias,
    }) = lookup
    else {
        // A customer-managed key is the customer's to configure; we only use it.
        rec.update(|o| o.kms_key_arn = ctx.spec.kms.key_arn.clone());
        return Ok(());
    };
    let policy = key_policy(ctx.names).to_json();
    let kms = &ctx.clients.kms;
    let by_alias = lookup == ctx.names.key_alias;
    // By alias, a key pending deletion is the one a previous destroy retired;
    // by the recorded ARN it is this pipeline's key, and is rescued.
    let found = found?.filter(|k| !k.pending_deletion || !by_alias);
    let (arn, created) = match found {
        Some(existing) => {
            rec.update(|o| {
                o.kms_key_arn = Some(existing.arn.clone());
            });
            if existing.pending_deletion {
                kms.cancel_key_deletion()
                    .key_id(&existing.arn)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(C, "CancelKeyDeletion", &existing.arn, e))?;
            }
            if !existing.enabled {
                kms.enable_key()
                    .key_id(&existing.arn)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(C, "EnableKey", &existing.arn, e))?;
            }
            kms.put_key_policy()
                .key_id(&existing.arn)
                .policy_name("default")
                .policy(&policy)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(C, "PutKeyPolicy", &existing.arn, e))?;
            (existing.arn, false)
        }
        None => {
            let mut create = kms
                .create_key()
                .description(format!(
                    "secretmonitor pipeline {}: encrypts its CloudTrail logs, log group and alert topic",
                    ctx.spec.name
                ))
                .policy(&policy);
            let owner = (Names::KEY_OWNER_TAG, ctx.spec.name.as_str());
            let user_tags = ctx
                .tags()
                .filter(|(key, _)| key.as_str() != Names::KEY_OWNER_TAG)
                .map(|(key, value)| (key.as_str(), value.as_str()));
            for (key, value) in user_tags.chain(std::iter::once(owner)) {
                let tag = Tag::builder()
                    .tag_key(key)
                    .tag_value(value)
                    .build()
                    .map_err(|e| AwsError::new(C, "CreateKey", key, e.to_string()))?;
                create = create.tags(tag);
            }
            let created = create
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(C, "CreateKey", &ctx.names.key_alias, e))?;
            let arn = created.key_metadata.and_then(|m| m.arn).ok_or_else(|| {
                AwsError::new(C, "CreateKey", &ctx.names.key_alias, "no key ARN returned")
            })?;
            rec.update(|o| {
                o.kms_key_arn = Some(arn.clone());
            });
            (arn, true)
        }
    };
    usable.now();
    // Found through the alias: it points here already. Just created, or found
    // by its owner tag: it cannot.
    let alias_points_here = if created || (by_alias && !through_alias) {
        Some(false)
    } else if through_alias {
        Some(true)
    } else {
        None
    };
    let (alias, rotation) = tokio::join!(
        ensure_alias(ctx, &arn, alias_points_here),
        kms.enable_key_rotation().key_id(&arn).send()
    );
    alias?;
    rotation.map_err(|e| AwsError::from_sdk(C, "EnableKeyRotation", &arn, e))?;
    Ok(())
}

/// `points_here`: what the caller already knows of the alias (`None`: ask).
async fn ensure_alias(ctx: &Ctx<'_>, arn: &str, points_here: Option<bool>) -> Result<(), AwsError> {
    let alias = &ctx.names.key_alias;
    let points_here = match points_here {
        Some(known) => known,
        None => find(ctx.clients, alias)
            .await?
            .is_some_and(|k| k.arn == arn && !k.pending_deletion),
    };
    if points_here {
        return Ok(());
    }
    // The bare key ID: AWS accepts an ARN here too, but emulators resolve only IDs.
    let key_id = arn.rsplit('/').next().unwrap_or(arn);
    let created = ctx
        .clients
        .kms
        .create_alias()
        .alias_name(alias)
        .target_key_id(key_id)
        .send()
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(err) => {
            let err = AwsError::from_sdk(C, "CreateAlias", alias, err);
            if !err.has_code(&[codes::kms::ALREADY_EXISTS]) {
                return Err(err);
            }
            ctx.clients
                .kms
                .update_alias()
                .alias_name(alias)
                .target_key_id(key_id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(C, "UpdateAlias", alias, e))
        }
    }
}

/// Keys are never deleted outright: deletion is scheduled with the configured
/// window so that logs encrypted with the key stay readable meanwhile.
pub async fn delete(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    let kms = &ctx.clients.kms;
    let window = i32::try_from(ctx.spec.kms.deletion_window_days).unwrap_or(30);
    let (alias, schedule) = tokio::join!(
        kms.delete_alias().alias_name(&ctx.names.key_alias).send(),
        kms.schedule_key_deletion()
            .key_id(arn)
            .pending_window_in_days(window)
            .send()
    );
    alias
        .map_err(|e| AwsError::from_sdk(C, "DeleteAlias", &ctx.names.key_alias, e))
        .gone_if(&[codes::kms::NOT_FOUND])?;
    match schedule
        .map_err(|e| AwsError::from_sdk(C, "ScheduleKeyDeletion", arn, e))
        .gone_if(&[codes::kms::NOT_FOUND])
    {
        // Already pending deletion is the state we want.
        Err(err) if err.has_code(&[codes::kms::INVALID_STATE]) => Ok(()),
        done => done,
    }
}

/// The key comes first: everything it encrypts waits until it is usable.
pub const PART: PartDef = PartDef {
    id: Component::Key,
    present: always,
    after: &[],
    after_usable: &[],
    refers_to: &[],
    inside: None,
    protections: &[Protection::KeyEnabled],
    ensure: |ctx, rec, usable| ensure(ctx, rec, usable).err_into().boxed(),
    find: Some(|ctx, recorded| {
        async move {
            let found = find(ctx.clients, &lookup_id(recorded, &ctx.spec.name)).await?;
            Ok(seen(found))
        }
        .boxed()
    }),
    delete: |ctx, rec| {
        async move {
            // Only a key the pipeline created (no kms.key_arn) is ours to retire.
            if ctx.spec.kms.key_arn.is_some() {
                return Ok(Deleted::LeftAlone);
            }
            if let Some(arn) = rec.get(|o| o.kms_key_arn.clone()) {
                delete(ctx, &arn).await?;
            }
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| o.kms_key_arn = None,
};

impl Seen for KeyObservation {
    fn record(&self, observed: &mut Observed) {
        observed.kms_key_arn = Some(self.arn.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::KeyEnabled, self.enabled)]
    }
}
