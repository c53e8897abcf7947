//! The error codes the provider decides on, spelled as each service sends
//! them, one module per service. A code means what its service says it means
//! for the call that answered it: whether it counts as "does not exist" is
//! decided by each call site (see [`super::Absence`]), never by a global list.

/// CloudTrail (JSON 1.1: the code is the `__type` of the error).
pub mod cloudtrail {
    /// GetTrail, GetTrailStatus, GetEventSelectors and DeleteTrail of a trail
    /// that does not exist.
    pub const TRAIL_NOT_FOUND: &str = "TrailNotFoundException";
    pub const TRAIL_ALREADY_EXISTS: &str = "TrailAlreadyExistsException";
    pub const INVALID_CLOUD_WATCH_LOGS_ROLE_ARN: &str = "InvalidCloudWatchLogsRoleArnException";
    pub const INVALID_CLOUD_WATCH_LOGS_LOG_GROUP_ARN: &str =
        "InvalidCloudWatchLogsLogGroupArnException";
    pub const INSUFFICIENT_ENCRYPTION_POLICY: &str = "InsufficientEncryptionPolicyException";
    pub const INSUFFICIENT_S3_BUCKET_POLICY: &str = "InsufficientS3BucketPolicyException";
    pub const INSUFFICIENT_SNS_TOPIC_POLICY: &str = "InsufficientSnsTopicPolicyException";
}

/// CloudWatch Logs (JSON 1.1).
pub mod logs {
    pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";
    pub const RESOURCE_ALREADY_EXISTS: &str = "ResourceAlreadyExistsException";
    /// Also how CreateLogGroup says it cannot use the KMS key (yet).
    pub const ACCESS_DENIED: &str = "AccessDeniedException";
}

/// KMS (JSON 1.1).
pub mod kms {
    pub const NOT_FOUND: &str = "NotFoundException";
    pub const ALREADY_EXISTS: &str = "AlreadyExistsException";
    /// For instance ScheduleKeyDeletion of a key already pending deletion.
    pub const INVALID_STATE: &str = "KMSInvalidStateException";
}

/// EventBridge (JSON 1.1).
pub mod events {
    pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";
    pub const RESOURCE_ALREADY_EXISTS: &str = "ResourceAlreadyExistsException";
}

/// S3 (REST-XML: the `<Code>` of the error document).
pub mod s3 {
    pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
    pub const NO_SUCH_BUCKET_POLICY: &str = "NoSuchBucketPolicy";
    pub const NO_SUCH_PUBLIC_ACCESS_BLOCK_CONFIGURATION: &str =
        "NoSuchPublicAccessBlockConfiguration";
    pub const BUCKET_ALREADY_OWNED_BY_YOU: &str = "BucketAlreadyOwnedByYou";
}

/// IAM (awsQuery: the `<Code>` of the `ErrorResponse`).
pub mod iam {
    pub const NO_SUCH_ENTITY: &str = "NoSuchEntity";
}

/// SNS (awsQuery).
pub mod sns {
    pub const NOT_FOUND: &str = "NotFound";
    /// AWS's answer to CreateTopic with attributes for a topic that exists
    /// with others.
    pub const INVALID_PARAMETER: &str = "InvalidParameter";
    /// The same refusal as emulators spell it.
    pub const INVALID_PARAMETER_EXCEPTION: &str = "InvalidParameterException";
}

/// CloudWatch (Smithy RPC v2 CBOR in this SDK version).
pub mod cloudwatch {
    /// DeleteAlarms naming an alarm that does not exist.
    pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFound";
}
