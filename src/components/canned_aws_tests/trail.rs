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

#[tokio::test]
async fn another_trail_recording_management_events_is_reported_at_create() {
    let basic = |kind: &str, management: bool| json!({ "EventSelectors": [{ "ReadWriteType": kind, "IncludeManagementEvents": management }] });
    let advanced = |read_only: Option<&str>| {
        let mut fields = vec![json!({ "Field": "eventCategory", "Equals": ["Management"] })];
        if let Some(value) = read_only {
            fields.push(json!({ "Field": "readOnly", "Equals": [value] }));
        }
        json!({ "AdvancedEventSelectors": [{ "Name": "m", "FieldSelectors": fields }] })
    };
    let data_only = json!({ "AdvancedEventSelectors": [{ "Name": "d", "FieldSelectors": [
        { "Field": "eventCategory", "Equals": ["Data"] },
        { "Field": "resources.type", "Equals": ["AWS::S3::Object"] },
    ]}]});
    // (the other trail's selectors, whether it is logging, whether it is reported)
    let cases = [
        (basic("All", true), true, true),
        (basic("WriteOnly", true), true, true),
        (basic("ReadOnly", true), true, true),
        (basic("All", false), true, false),
        (basic("All", true), false, false),
        (advanced(None), true, true),
        (advanced(Some("false")), true, true),
        (data_only, true, false),
        // A trail never given selectors records every management event.
        (json!({}), true, true),
    ];
    for (selectors, is_logging, reported) in cases {
        let world = World::new();
        let other_arn = format!(
            "arn:aws:cloudtrail:eu-west-1:{}:trail/org-trail",
            super::ACCOUNT
        );
        world
            .fake
            .on(
                "DescribeTrails",
                Answer::json(json!({ "trailList": [
                    {
                        "Name": world.names.trail,
                        "TrailARN": world.names.trail_arn(),
                        "HomeRegion": super::REGION,
                    },
                    {
                        "Name": "org-trail",
                        "TrailARN": other_arn,
                        "HomeRegion": "eu-west-1",
                        "IsMultiRegionTrail": true,
                        "IsOrganizationTrail": true,
                        "CloudWatchLogsLogGroupArn":
                            format!("arn:aws:logs:eu-west-1:{}:log-group:org/trail:*", super::ACCOUNT),
                    },
                ]})),
            )
            .on("GetTrailStatus", Answer::json(json!({ "IsLogging": is_logging })))
            .on("GetEventSelectors", Answer::json(selectors.clone()));
        let found = trail::other_management_trails(&world.clients, &world.names.trail).await;
        let names: Vec<_> = found
            .as_ref()
            .map(|others| others.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_default();
        let what = format!("{selectors} logging={is_logging}");
        assert!(found.is_ok(), "{what}: {found:?}");
        assert_eq!(!names.is_empty(), reported, "{what}: {names:?}");
        assert!(
            names.iter().all(|n| n == "org-trail"),
            "{what}: own trail reported: {names:?}"
        );
        let calls = world.fake.calls();
        assert!(
            calls
                .iter()
                .filter(|c| c.operation == "GetTrailStatus" || c.operation == "GetEventSelectors")
                .all(|c| c.body.contains(&other_arn)),
            "{what}: only the other trail is checked: {calls:?}"
        );
        if reported {
            let others = found.unwrap_or_default();
            let message =
                crate::terraform::diagnostics::second_trail_cost(&world.names.trail, &others);
            for expected in [
                "org-trail",
                "organization trail",
                "org/trail",
                "$2.00 per 100,000",
                "create = false",
            ] {
                assert!(
                    message.contains(expected),
                    "{what}: {expected:?} missing from {message}"
                );
            }
        }
    }
}
