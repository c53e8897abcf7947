//! The CloudTrail trail: multi-region, global service events, log file
//! validation, KMS-encrypted, delivering to the archive and the log group,
//! recording read and write management events, and started.

use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType, Tag};

use futures::FutureExt;

use super::{
    seen, with_trail, Ctx, Deleted, Observed, PartDef, PipelineError, Protection, Recorder, Seen,
};
use crate::aws::{codes, retry_while, Absence, AwsError, Clients, Component, RetryPolicy};

const C: Component = Component::Trail;

/// CloudTrail's answers while a new role, key policy or bucket policy is still
/// propagating; AWS says they pass within minutes.
const PROPAGATION_ERRORS: &[&str] = &[
    codes::cloudtrail::INVALID_CLOUD_WATCH_LOGS_ROLE_ARN,
    codes::cloudtrail::INVALID_CLOUD_WATCH_LOGS_LOG_GROUP_ARN,
    codes::cloudtrail::INSUFFICIENT_ENCRYPTION_POLICY,
    codes::cloudtrail::INSUFFICIENT_S3_BUCKET_POLICY,
    codes::cloudtrail::INSUFFICIENT_SNS_TOPIC_POLICY,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailObservation {
    pub arn: String,
    pub logging: bool,
    pub multi_region: bool,
    pub organization: bool,
    pub log_file_validation: bool,
    /// Where it delivers and with which key, as GetTrail reports them.
    pub bucket: Option<String>,
    pub log_group_arn: Option<String>,
    pub role_arn: Option<String>,
    pub kms_key: Option<String>,
    pub global_service_events: bool,
}

/// The settings CreateTrail and UpdateTrail both take (their builders are
/// distinct types), so the two calls cannot drift apart.
macro_rules! with_settings {
    ($builder:expr, $name:expr, $wanted:expr, $spec:expr) => {
        $builder
            .name($name)
            .s3_bucket_name($wanted.bucket)
            .include_global_service_events(true)
            .is_multi_region_trail($spec.multi_region)
            .is_organization_trail($spec.organization)
            .enable_log_file_validation($spec.log_file_validation)
            .cloud_watch_logs_log_group_arn($wanted.log_group_arn)
            .cloud_watch_logs_role_arn($wanted.role_arn)
            .kms_key_id($wanted.kms_key)
    };
}

/// What `ensure` wants CreateTrail or UpdateTrail to set.
struct WantedTrail<'a> {
    bucket: &'a str,
    log_group_arn: &'a str,
    role_arn: &'a str,
    kms_key: &'a str,
}

impl TrailObservation {
    /// Whether UpdateTrail would change nothing. Skipping it keeps an apply
    /// that touches other parts from raising the pipeline's own tamper alert.
    fn already(&self, wanted: &WantedTrail<'_>, spec: &super::TrailSpec) -> bool {
        self.bucket.as_deref() == Some(wanted.bucket)
            && self.log_group_arn.as_deref() == Some(wanted.log_group_arn)
            && self.role_arn.as_deref() == Some(wanted.role_arn)
            && self.kms_key.as_deref() == Some(wanted.kms_key)
            && self.global_service_events
            && self.multi_region == spec.multi_region
            && self.organization == spec.organization
            && self.log_file_validation == spec.log_file_validation
    }
}

/// Looks the trail up by name with GetTrail (DescribeTrails is not filtered by
/// name in every implementation) and asks for its logging status.
pub async fn find(ctx: &Ctx<'_>, name: &str) -> Result<Option<TrailObservation>, AwsError> {
    // Both need only the name: one round trip, not two.
    let (trail, status) = tokio::join!(
        ctx.clients.cloudtrail.get_trail().name(name).send(),
        ctx.clients.cloudtrail.get_trail_status().name(name).send()
    );
    let trail = trail
        .map_err(|e| AwsError::from_sdk(C, "GetTrail", name, e))
        .found_if(&[codes::cloudtrail::TRAIL_NOT_FOUND])?;
    let Some(trail) = trail.and_then(|out| out.trail) else {
        return Ok(None);
    };
    let status = status.map_err(|e| AwsError::from_sdk(C, "GetTrailStatus", name, e))?;
    Ok(Some(TrailObservation {
        arn: trail.trail_arn.unwrap_or_else(|| ctx.names.trail_arn()),
        logging: status.is_logging.unwrap_or(false),
        multi_region: trail.is_multi_region_trail.unwrap_or(false),
        organization: trail.is_organization_trail.unwrap_or(false),
        log_file_validation: trail.log_file_validation_enabled.unwrap_or(false),
        bucket: trail.s3_bucket_name,
        log_group_arn: trail.cloud_watch_logs_log_group_arn,
        role_arn: trail.cloud_watch_logs_role_arn,
        kms_key: trail.kms_key_id,
        global_service_events: trail.include_global_service_events.unwrap_or(false),
    }))
}

/// Which management events a trail's selectors record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ManagementEvents {
    pub reads: bool,
    pub writes: bool,
}

impl ManagementEvents {
    /// Basic and advanced selectors are both understood; a selector that
    /// records management events of both kinds counts for both.
    pub fn of(selectors: &GetEventSelectorsOutput) -> Self {
        if selectors.event_selectors().is_empty() && selectors.advanced_event_selectors().is_empty()
        {
            // "Trails created without specific event selectors will be
            // configured to log all read and write management events" (AWS).
            return Self {
                reads: true,
                writes: true,
            };
        }
        let mut recorded = Self::default();
        for s in selectors.event_selectors() {
            if !s.include_management_events().unwrap_or(true) {
                continue;
            }
            let kind = s.read_write_type();
            recorded.reads |= !matches!(kind, Some(ReadWriteType::WriteOnly));
            recorded.writes |= !matches!(kind, Some(ReadWriteType::ReadOnly));
        }
        for s in selectors.advanced_event_selectors() {
            let fields = s.field_selectors();
            let equals = |field: &str, value: &str| {
                fields
                    .iter()
                    .any(|f| f.field() == field && f.equals().iter().any(|v| v == value))
            };
            if !equals("eventCategory", "Management") {
                continue;
            }
            recorded.reads |= !equals("readOnly", "false");
            recorded.writes |= !equals("readOnly", "true");
        }
        recorded
    }

    pub fn any(self) -> bool {
        self.reads || self.writes
    }
}

async fn management_events(
    clients: &Clients,
    trail: &str,
) -> Result<Option<ManagementEvents>, AwsError> {
    let selectors = clients
        .cloudtrail
        .get_event_selectors()
        .trail_name(trail)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "GetEventSelectors", trail, e))
        .found_if(&[codes::cloudtrail::TRAIL_NOT_FOUND])?;
    Ok(selectors.as_ref().map(ManagementEvents::of))
}

/// Whether the trail still records read management events: the reads we
/// alert on.
pub async fn records_read_events(ctx: &Ctx<'_>, name: &str) -> Result<bool, AwsError> {
    Ok(management_events(ctx.clients, name)
        .await?
        .is_some_and(|recorded| recorded.reads))
}

/// Another trail that records this region's management events, so that a
/// trail this pipeline creates is a further, billed copy of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherTrail {
    pub name: String,
    pub home_region: Option<String>,
    pub organization: bool,
    /// Its CloudWatch Logs group, which `trail.create = false` can reuse.
    pub log_group_name: Option<String>,
}

/// The account's logging trails, other than `own_trail` of this region, that
/// record management events here: its own trails and the multi-region and
/// organization trails homed elsewhere (DescribeTrails' shadow trails).
pub async fn other_management_trails(
    clients: &Clients,
    own_trail: &str,
) -> Result<Vec<OtherTrail>, AwsError> {
    let described = clients
        .cloudtrail
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DescribeTrails", own_trail, e))?;
    let others = described
        .trail_list
        .unwrap_or_default()
        .into_iter()
        .filter(|t| {
            let own = t.name.as_deref() == Some(own_trail)
                && t.home_region.as_deref() == Some(clients.region.as_str());
            !own && t.trail_arn.is_some()
        });
    let checks = others.map(|trail| async move {
        let arn = trail.trail_arn.clone().unwrap_or_default();
        let (status, recorded) = tokio::join!(
            clients.cloudtrail.get_trail_status().name(&arn).send(),
            management_events(clients, &arn)
        );
        let logging = status
            .map_err(|e| AwsError::from_sdk(C, "GetTrailStatus", &arn, e))?
            .is_logging
            .unwrap_or(false);
        let recorded = recorded?.unwrap_or_default();
        Ok::<_, AwsError>((logging && recorded.any()).then(|| {
            OtherTrail {
                name: trail.name.unwrap_or(arn.clone()),
                home_region: trail.home_region,
                organization: trail.is_organization_trail.unwrap_or(false),
                log_group_name: trail
                    .cloud_watch_logs_log_group_arn
                    .as_deref()
                    .and_then(crate::arn::log_group_name)
                    .map(str::to_owned),
            }
        }))
    });
    let found = futures::future::try_join_all(checks).await?;
    Ok(found.into_iter().flatten().collect())
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let name = ctx.names.trail.as_str();
    let key_arn = rec.require(C, "KMS key ARN", |o| o.kms_key_arn.clone())?;
    let role_arn = rec.require(C, "delivery role ARN", |o| o.delivery_role_arn.clone())?;
    let log_group_arn = rec.require(C, "log group ARN", |o| o.log_group_arn.clone())?;
    // CloudTrail wants the log group ARN in its ":*" form.
    let log_group_arn = format!("{}:*", log_group_arn.trim_end_matches(":*"));
    let bucket = rec.require(C, "archive bucket", |o| o.archive_bucket_name.clone())?;
    let trail = &ctx.spec.trail;
    let cloudtrail = &ctx.clients.cloudtrail;
    let wanted = WantedTrail {
        bucket: &bucket,
        log_group_arn: &log_group_arn,
        role_arn: &role_arn,
        kms_key: &key_arn,
    };
    // Both lookups need only the name: one round trip.
    let look_up = || async {
        let (existing, records_reads) =
            tokio::join!(find(ctx, name), records_read_events(ctx, name));
        let existing = existing?;
        let records_reads = existing.is_some() && records_reads?;
        Ok::<_, AwsError>((existing, records_reads))
    };
    // A trail the state knows is looked up first; one it does not know is
    // most likely new, so it is created straight away and looked up only if
    // it turns out to exist (then it is adopted, as a looked-up one would be).
    let known = rec.get(|o| o.trail_arn.is_some());
    let (mut existing, mut records_reads) = if known {
        look_up().await?
    } else {
        (None, false)
    };
    let arn = match put(ctx, &wanted, existing.as_ref()).await {
        Err(err) if !known && err.has_code(&[codes::cloudtrail::TRAIL_ALREADY_EXISTS]) => {
            (existing, records_reads) = look_up().await?;
            put(ctx, &wanted, existing.as_ref()).await?
        }
        put => put?,
    };
    rec.update(|o| {
        o.trail_arn = Some(arn.clone());
        o.trail_logging = Some(existing.as_ref().is_some_and(|t| t.logging));
        o.trail_multi_region = Some(trail.multi_region);
        o.trail_organization = Some(trail.organization);
        o.trail_log_file_validation = Some(trail.log_file_validation);
    });

    // Read events are what we watch: a trail that records only writes sees
    // nothing. Selectors and StartLogging are independent: sent together.
    let selectors = async {
        if records_reads {
            return Ok(());
        }
        cloudtrail
            .put_event_selectors()
            .trail_name(name)
            .event_selectors(
                EventSelector::builder()
                    .read_write_type(ReadWriteType::All)
                    .include_management_events(true)
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
    };
    let already_logging = existing.as_ref().is_some_and(|t| t.logging);
    let start = async {
        if already_logging {
            return Ok(());
        }
        cloudtrail
            .start_logging()
            .name(name)
            .send()
            .await
            .map(|_| ())
    };
    let (selectors, start) = tokio::join!(selectors, start);
    selectors.map_err(|e| AwsError::from_sdk(C, "PutEventSelectors", name, e))?;
    start.map_err(|e| AwsError::from_sdk(C, "StartLogging", name, e))?;
    rec.update(|o| o.trail_logging = Some(true));
    Ok(())
}

/// Creates the trail, or updates it when `existing` differs from `wanted`.
async fn put(
    ctx: &Ctx<'_>,
    wanted: &WantedTrail<'_>,
    existing: Option<&TrailObservation>,
) -> Result<String, AwsError> {
    let name = ctx.names.trail.as_str();
    let trail = &ctx.spec.trail;
    let cloudtrail = &ctx.clients.cloudtrail;
    if let Some(unchanged) = existing.filter(|t| t.already(wanted, trail)) {
        return Ok(unchanged.arn.clone());
    }
    let arn = retry_while(
        RetryPolicy::PROPAGATION,
        ctx.deadline,
        |err| err.has_code(PROPAGATION_ERRORS),
        || async {
            if existing.is_some() {
                let updated = with_settings!(cloudtrail.update_trail(), name, wanted, trail)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(C, "UpdateTrail", name, e))?;
                Ok(updated.trail_arn)
            } else {
                let mut create = with_settings!(cloudtrail.create_trail(), name, wanted, trail);
                for (key, value) in ctx.tags() {
                    create =
                        create.tags_list(
                            Tag::builder().key(key).value(value).build().map_err(|e| {
                                AwsError::new(C, "CreateTrail", name, e.to_string())
                            })?,
                        );
                }
                let created = create
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(C, "CreateTrail", name, e))?;
                Ok(created.trail_arn)
            }
        },
    )
    .await?;
    Ok(arn.unwrap_or_else(|| ctx.names.trail_arn()))
}

pub async fn delete(ctx: &Ctx<'_>, name: &str) -> Result<(), AwsError> {
    ctx.clients
        .cloudtrail
        .delete_trail()
        .name(name)
        .send()
        .await
        .map_err(|err| AwsError::from_sdk(C, "DeleteTrail", name, err))
        .gone_if(&[codes::cloudtrail::TRAIL_NOT_FOUND])
}

/// The trail delivers into the archive (whose policy CloudTrail checks on
/// creation) through the role, encrypted with the key, to the log group.
pub const PART: PartDef = PartDef {
    id: Component::Trail,
    present: with_trail,
    after: &[Component::Archive, Component::DeliveryRole],
    after_usable: &[Component::Key, Component::LogGroup],
    refers_to: &[],
    inside: None,
    protections: &[Protection::TrailRecordsReadEvents],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, _| {
        async move {
            let name = &ctx.names.trail;
            let (trail, records_reads) =
                tokio::join!(find(ctx, name), records_read_events(ctx, name));
            let trail = trail?;
            let records_reads = records_reads?;
            Ok(seen(trail.map(|trail| SeenTrail {
                trail,
                records_reads,
            })))
        }
        .boxed()
    }),
    delete: |ctx, _| {
        async move {
            delete(ctx, &ctx.names.trail).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| {
        o.trail_arn = None;
        o.trail_logging = None;
    },
};

/// The trail refresh found, and whether it still records read events.
struct SeenTrail {
    trail: TrailObservation,
    records_reads: bool,
}

impl Seen for SeenTrail {
    fn record(&self, observed: &mut Observed) {
        let trail = &self.trail;
        observed.trail_arn = Some(trail.arn.clone());
        observed.trail_logging = Some(trail.logging);
        observed.trail_multi_region = Some(trail.multi_region);
        observed.trail_organization = Some(trail.organization);
        observed.trail_log_file_validation = Some(trail.log_file_validation);
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![(Protection::TrailRecordsReadEvents, self.records_reads)]
    }
}
