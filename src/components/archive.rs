//! The S3 bucket that archives the trail's log files: private, TLS-only,
//! SSE-KMS, versioned, with a lifecycle, writable only by this trail.

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, Delete, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, ObjectIdentifier,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, Transition,
    TransitionStorageClass, VersioningConfiguration,
};

use futures::FutureExt;

use super::{
    seen, with_trail, Ctx, Deleted, Names, Observed, PartDef, PipelineError, Protection, Recorder,
    Seen,
};
use crate::aws::{codes, Absence, AwsError, Component};
use crate::policy::{PolicyDocument, Principal, Statement, Wildcard};

const C: Component = Component::Archive;

pub fn bucket_policy(names: &Names) -> PolicyDocument {
    let bucket_arn = names.bucket_arn();
    let trail_arn = names.trail_arn();
    PolicyDocument::new(vec![
        Statement::allow("CloudTrailChecksBucketAcl")
            .service("cloudtrail.amazonaws.com")
            .actions(&["s3:GetBucketAcl"])
            .resources([bucket_arn.clone()])
            .condition("StringEquals", "aws:SourceArn", trail_arn.clone()),
        Statement::allow("CloudTrailWritesThisTrailsLogs")
            .service("cloudtrail.amazonaws.com")
            .actions(&["s3:PutObject"])
            .resources([format!("{bucket_arn}/AWSLogs/{}/*", names.account_id)])
            .condition("StringEquals", "aws:SourceArn", trail_arn)
            .condition("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"),
        Statement::deny("DenyInsecureTransport")
            .principal(Principal::Everyone(Wildcard::Star))
            .actions(&["s3:*"])
            .resources([bucket_arn.clone(), format!("{bucket_arn}/*")])
            .condition("Bool", "aws:SecureTransport", "false"),
    ])
}

fn build_err<'a>(
    op: &'static str,
    bucket: &'a str,
) -> impl FnOnce(aws_sdk_s3::error::BuildError) -> AwsError + 'a {
    move |e| AwsError::new(C, op, bucket, e.to_string())
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let bucket = ctx.names.bucket.as_str();
    let key_arn = rec.require(C, "KMS key ARN", |o| o.kms_key_arn.clone())?;
    let s3 = &ctx.clients.s3;
    // No look-up first: CreateBucket on a bucket we own is answered as such.
    {
        let mut create = s3.create_bucket().bucket(bucket);
        // us-east-1 is the one region that rejects an explicit location constraint.
        if ctx.names.region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(ctx.names.region.as_str()))
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => {}
            Err(err) => {
                let err = AwsError::from_sdk(C, "CreateBucket", bucket, err);
                if !err.has_code(&[codes::s3::BUCKET_ALREADY_OWNED_BY_YOU]) {
                    return Err(err.into());
                }
            }
        }
    }
    rec.update(|o| {
        o.archive_bucket_name = Some(bucket.to_owned());
        o.archive_bucket_arn = Some(ctx.names.bucket_arn());
    });

    let public_access = s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send();
    let encryption = s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::AwsKms)
                                .kms_master_key_id(&key_arn)
                                .build()
                                .map_err(build_err("PutBucketEncryption", bucket))?,
                        )
                        .bucket_key_enabled(true)
                        .build(),
                )
                .build()
                .map_err(build_err("PutBucketEncryption", bucket))?,
        )
        .send();
    let versioning = s3
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send();
    let lifecycle = s3
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(lifecycle(ctx, bucket)?)
        .send();
    let policy = s3
        .put_bucket_policy()
        .bucket(bucket)
        .policy(bucket_policy(ctx.names).to_json())
        .send();
    // S3 rejects an empty tag set; an untagged pipeline leaves tagging alone.
    let tags = if ctx.spec.tags.is_empty() {
        None
    } else {
        let mut tagging = Tagging::builder();
        for (key, value) in ctx.tags() {
            tagging = tagging.tag_set(
                Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .map_err(build_err("PutBucketTagging", bucket))?,
            );
        }
        Some(
            s3.put_bucket_tagging()
                .bucket(bucket)
                .tagging(
                    tagging
                        .build()
                        .map_err(build_err("PutBucketTagging", bucket))?,
                )
                .send(),
        )
    };
    let tags = async move {
        match tags {
            Some(put) => put.await.map(|_| ()),
            None => Ok(()),
        }
    };

    // The settings are independent of one another: one round trip, not six.
    let (public_access, encryption, versioning, lifecycle, policy, tags) = tokio::join!(
        public_access,
        encryption,
        versioning,
        lifecycle,
        policy,
        tags
    );
    public_access.map_err(|e| AwsError::from_sdk(C, "PutPublicAccessBlock", bucket, e))?;
    encryption.map_err(|e| AwsError::from_sdk(C, "PutBucketEncryption", bucket, e))?;
    versioning.map_err(|e| AwsError::from_sdk(C, "PutBucketVersioning", bucket, e))?;
    lifecycle.map_err(|e| AwsError::from_sdk(C, "PutBucketLifecycleConfiguration", bucket, e))?;
    policy.map_err(|e| AwsError::from_sdk(C, "PutBucketPolicy", bucket, e))?;
    tags.map_err(|e| AwsError::from_sdk(C, "PutBucketTagging", bucket, e))?;
    Ok(())
}

fn lifecycle(ctx: &Ctx<'_>, bucket: &str) -> Result<BucketLifecycleConfiguration, AwsError> {
    let archive = &ctx.spec.archive;
    let days = |d: i64| i32::try_from(d).unwrap_or(i32::MAX);
    let mut rule = LifecycleRule::builder()
        .id("secretmonitor-archive")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .transitions(
            Transition::builder()
                .days(days(archive.transition_to_glacier_after_days))
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        );
    if archive.expire_after_days > 0 {
        rule = rule
            .expiration(
                LifecycleExpiration::builder()
                    .days(days(archive.expire_after_days))
                    .build(),
            )
            .noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(days(archive.expire_after_days))
                    .build(),
            );
    }
    BucketLifecycleConfiguration::builder()
        .rules(
            rule.build()
                .map_err(build_err("PutBucketLifecycleConfiguration", bucket))?,
        )
        .build()
        .map_err(build_err("PutBucketLifecycleConfiguration", bucket))
}

/// What refresh learns of the archive: whether all public access is blocked
/// and our bucket policy is in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveObservation {
    pub public_blocked: bool,
    pub policy_in_place: bool,
}

/// `None` when the bucket is gone. No HeadBucket: both reads already say
/// NoSuchBucket then, and refresh makes one call fewer per pipeline.
pub async fn find(ctx: &Ctx<'_>, bucket: &str) -> Result<Option<ArchiveObservation>, AwsError> {
    let s3 = &ctx.clients.s3;
    let (block, policy) = tokio::join!(
        s3.get_public_access_block().bucket(bucket).send(),
        s3.get_bucket_policy().bucket(bucket).send()
    );
    let block = block.map_err(|e| AwsError::from_sdk(C, "GetPublicAccessBlock", bucket, e));
    let policy = policy.map_err(|e| AwsError::from_sdk(C, "GetBucketPolicy", bucket, e));
    let bucket_gone =
        |err: Option<&AwsError>| err.is_some_and(|e| e.has_code(&[codes::s3::NO_SUCH_BUCKET]));
    if bucket_gone(block.as_ref().err()) || bucket_gone(policy.as_ref().err()) {
        return Ok(None);
    }
    // Absent settings (NoSuchPublicAccessBlockConfiguration, NoSuchBucketPolicy) are drift.
    let public_blocked = block
        .found_if(&[codes::s3::NO_SUCH_PUBLIC_ACCESS_BLOCK_CONFIGURATION])?
        .and_then(|out| out.public_access_block_configuration)
        .is_some_and(|c| {
            c.block_public_acls == Some(true)
                && c.ignore_public_acls == Some(true)
                && c.block_public_policy == Some(true)
                && c.restrict_public_buckets == Some(true)
        });
    let policy_in_place = policy
        .found_if(&[codes::s3::NO_SUCH_BUCKET_POLICY])?
        .and_then(|out| out.policy)
        .is_some_and(|p| crate::policy::equivalent(&p, &bucket_policy(ctx.names)));
    Ok(Some(ArchiveObservation {
        public_blocked,
        policy_in_place,
    }))
}

/// Audit logs are evidence: a bucket that holds any is kept unless the user
/// set `force_destroy`.
pub async fn delete(ctx: &Ctx<'_>, bucket: &str) -> Result<Deleted, AwsError> {
    let s3 = &ctx.clients.s3;
    loop {
        let listed = s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "ListObjectVersions", bucket, e))
            .found_if(&[codes::s3::NO_SUCH_BUCKET])?;
        let Some(listed) = listed else {
            return Ok(Deleted::Done);
        };
        let mut objects = Vec::new();
        for v in listed.versions() {
            objects.push((
                v.key().unwrap_or_default().to_owned(),
                v.version_id().map(str::to_owned),
            ));
        }
        for m in listed.delete_markers() {
            objects.push((
                m.key().unwrap_or_default().to_owned(),
                m.version_id().map(str::to_owned),
            ));
        }
        if objects.is_empty() {
            break;
        }
        if !ctx.spec.archive.force_destroy {
            return Ok(Deleted::Kept {
                reason: format!(
                    "the archive bucket {bucket} holds audit logs and was kept; set archive.force_destroy = true to delete it with its contents"
                ),
            });
        }
        let mut delete = Delete::builder().quiet(true);
        for (key, version) in objects {
            delete = delete.objects(
                ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version)
                    .build()
                    .map_err(build_err("DeleteObjects", bucket))?,
            );
        }
        s3.delete_objects()
            .bucket(bucket)
            .delete(delete.build().map_err(build_err("DeleteObjects", bucket))?)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(C, "DeleteObjects", bucket, e))?;
    }
    s3.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(C, "DeleteBucket", bucket, e))
        .gone_if(&[codes::s3::NO_SUCH_BUCKET])?;
    Ok(Deleted::Done)
}

/// The archive needs the key; the trail needs the archive with its policy.
pub const PART: PartDef = PartDef {
    id: Component::Archive,
    present: with_trail,
    after: &[],
    after_usable: &[Component::Key],
    refers_to: &[],
    inside: None,
    protections: &[
        Protection::ArchiveBlocksPublicAccess,
        Protection::ArchivePolicyInPlace,
    ],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, _| {
        async move {
            let found = find(ctx, &ctx.names.bucket).await?;
            Ok(seen(found.map(|settings| SeenArchive {
                bucket: ctx.names.bucket.clone(),
                arn: ctx.names.bucket_arn(),
                settings,
            })))
        }
        .boxed()
    }),
    delete: |ctx, _| delete(ctx, &ctx.names.bucket).boxed(),
    forget: |o| {
        o.archive_bucket_name = None;
        o.archive_bucket_arn = None;
    },
};

/// The bucket refresh found, with its settings.
struct SeenArchive {
    bucket: String,
    arn: String,
    settings: ArchiveObservation,
}

impl Seen for SeenArchive {
    fn record(&self, observed: &mut Observed) {
        observed.archive_bucket_name = Some(self.bucket.clone());
        observed.archive_bucket_arn = Some(self.arn.clone());
    }

    fn protections(&self) -> Vec<(Protection, bool)> {
        vec![
            (
                Protection::ArchiveBlocksPublicAccess,
                self.settings.public_blocked,
            ),
            (
                Protection::ArchivePolicyInPlace,
                self.settings.policy_in_place,
            ),
        ]
    }
}
