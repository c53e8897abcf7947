use std::time::Duration;

use serde_json::json;

use super::World;
use crate::aws::fake_http::Answer;
use crate::components::trail;

/// GetTrail's answer for a trail with these delivery settings.
fn got_trail(world: &World, bucket: &str) -> Answer {
    Answer::json(json!({
        "Trail": {
            "Name": world.names.trail,
            "TrailARN": world.names.trail_arn(),
            "S3BucketName": bucket,
            "IncludeGlobalServiceEvents": true,
            "IsMultiRegionTrail": true,
            "IsOrganizationTrail": false,
            "LogFileValidationEnabled": true,
            "CloudWatchLogsLogGroupArn": format!("{}:*", world.names.log_group_arn()),
            "CloudWatchLogsRoleArn": world.role_arn(),
            "KmsKeyId": world.key_arn(),
            "HomeRegion": super::REGION,
        }
    }))
}

fn logging() -> Answer {
    Answer::json(json!({ "IsLogging": true }))
}

fn records_reads_and_writes(world: &World) -> Answer {
    Answer::json(json!({
        "TrailARN": world.names.trail_arn(),
        "EventSelectors": [{ "ReadWriteType": "All", "IncludeManagementEvents": true }],
    }))
}

#[tokio::test]
async fn create_adopts_a_trail_that_already_exists() {
    // (the existing trail's bucket, whether UpdateTrail must repair it)
    let cases = [("wrong-bucket", true), ("", false)];
    for (bucket, repaired) in cases {
        let world = World::new();
        let bucket = if bucket.is_empty() {
            world.names.bucket.clone()
        } else {
            bucket.to_owned()
        };
        world
            .fake
            .on(
                "CreateTrail",
                Answer::json_error("TrailAlreadyExistsException", "Trail audit already exists"),
            )
            .on("GetTrail", got_trail(&world, &bucket))
            .on("GetTrailStatus", logging())
            .on("GetEventSelectors", records_reads_and_writes(&world))
            .on(
                "UpdateTrail",
                Answer::json(
                    json!({ "Name": world.names.trail, "TrailARN": world.names.trail_arn() }),
                ),
            );
        let recorder = world.recorded_for_trail();
        let ensured = trail::ensure(&world.ctx(), &recorder).await;
        assert!(ensured.is_ok(), "{bucket}: {ensured:?}");
        assert_eq!(world.fake.count("CreateTrail"), 1, "{bucket}");
        assert_eq!(
            world.fake.count("UpdateTrail"),
            usize::from(repaired),
            "{bucket}: {:?}",
            world.fake.operations()
        );
        // Already logging and recording reads: nothing else to send.
        assert_eq!(world.fake.count("StartLogging"), 0);
        assert_eq!(world.fake.count("PutEventSelectors"), 0);
        let observed = recorder.snapshot();
        assert_eq!(observed.trail_arn, Some(world.names.trail_arn()));
        assert_eq!(observed.trail_logging, Some(true));
    }
}

#[tokio::test]
async fn delete_counts_only_trail_not_found_as_gone() {
    // (DeleteTrail's error code, whether the trail counts as deleted)
    let cases = [
        ("TrailNotFoundException", true),
        // A malformed name or ARN says nothing about whether the trail exists.
        ("InvalidTrailNameException", false),
        ("CloudTrailARNInvalidException", false),
        ("ResourceNotFoundException", false),
    ];
    for (code, gone) in cases {
        let world = World::new();
        world
            .fake
            .on("DeleteTrail", Answer::json_error(code, "from the test"));
        let deleted = trail::delete(&world.ctx(), &world.names.trail).await;
        assert_eq!(deleted.is_ok(), gone, "{code}: {deleted:?}");
        if let Err(err) = deleted {
            assert_eq!(err.code.as_deref(), Some(code));
        }
    }
}

#[tokio::test]
async fn find_reports_absence_only_for_trail_not_found() {
    // (GetTrail's error code, whether find answers "no trail")
    let cases = [
        ("TrailNotFoundException", true),
        ("InvalidTrailNameException", false),
        ("NotFoundException", false),
    ];
    for (code, absent) in cases {
        let world = World::new();
        world
            .fake
            .on("GetTrail", Answer::json_error(code, "from the test"))
            .on("GetTrailStatus", Answer::json_error(code, "from the test"));
        let found = trail::find(&world.ctx(), &world.names.trail).await;
        assert_eq!(matches!(found, Ok(None)), absent, "{code}: {found:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_propagation_retry_stops_at_the_deadline() {
    let world = World::new();
    world.fake.on(
        "CreateTrail",
        Answer::json_error(
            "InvalidCloudWatchLogsRoleArnException",
            "Access denied. Verify in IAM that the role has adequate permissions.",
        ),
    );
    let started = tokio::time::Instant::now();
    let deadline = started + Duration::from_secs(5);
    let recorder = world.recorded_for_trail();
    let ensured = trail::ensure(&world.ctx_until(deadline), &recorder).await;
    let err = ensured.expect_err("the role never propagates");
    assert_eq!(
        err.aws().and_then(|e| e.code.as_deref()),
        Some("InvalidCloudWatchLogsRoleArnException")
    );
    assert!(
        tokio::time::Instant::now() <= deadline,
        "retried {:?} past a 5 s deadline",
        tokio::time::Instant::now() - deadline
    );
    assert!(world.fake.count("CreateTrail") > 1, "it did retry");
}
