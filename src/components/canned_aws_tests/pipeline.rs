use std::time::Duration;

use serde_json::json;

use super::World;
use crate::aws::fake_http::Answer;
use crate::components::Observed;
use crate::pipeline::{self, Parallelism};

/// Everything a pipeline's destroy calls, answered as done, except DeleteTrail.
fn script_destroy(world: &World, delete_trail: Answer) {
    let bucket = &world.names.bucket;
    world
        .fake
        .on(
            "RemoveTargets",
            Answer::json(json!({ "FailedEntryCount": 0, "FailedEntries": [] })),
        )
        .on("DeleteRule", Answer::json(json!({})))
        .on("DeleteAlarms", Answer::cbor_done())
        .on("DeleteDashboards", Answer::cbor_done())
        .on(
            "DescribeMetricFilters",
            Answer::json(json!({ "metricFilters": [{ "filterName": world.names.metric_filter }] })),
        )
        .on("DeleteMetricFilter", Answer::json(json!({})))
        .on(
            "DescribeQueryDefinitions",
            Answer::json(json!({ "queryDefinitions": [] })),
        )
        .on(
            "ListSubscriptionsByTopic",
            Answer::query("ListSubscriptionsByTopic", "<Subscriptions/>"),
        )
        .on("DeleteTopic", Answer::query_done("DeleteTopic"))
        .on("DeleteTrail", delete_trail)
        .on("DeleteRolePolicy", Answer::query_done("DeleteRolePolicy"))
        .on("DeleteRole", Answer::query_done("DeleteRole"))
        .on("DeleteLogGroup", Answer::json(json!({})))
        .on(
            "ListObjectVersions",
            Answer::s3(&format!(
                "<ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Name>{bucket}</Name><IsTruncated>false</IsTruncated></ListVersionsResult>"
            )),
        )
        .on("DeleteBucket", Answer::raw(204, "application/xml", ""))
        .on("DeleteAlias", Answer::json(json!({})))
        .on(
            "ScheduleKeyDeletion",
            Answer::json(json!({ "KeyId": world.key_arn(), "KeyState": "PendingDeletion" })),
        );
}

#[tokio::test]
async fn a_trail_delete_refused_as_malformed_keeps_the_trail_tracked() {
    // (DeleteTrail's answer, whether the trail is forgotten)
    let cases = [
        (
            Answer::json_error("TrailNotFoundException", "Unknown trail"),
            true,
        ),
        (Answer::json(json!({})), true),
        (
            Answer::json_error("InvalidTrailNameException", "Trail name is not valid"),
            false,
        ),
    ];
    for (delete_trail, forgotten) in cases {
        let world = World::new();
        script_destroy(&world, delete_trail);
        let recorded = Observed {
            kms_key_arn: Some(world.key_arn()),
            archive_bucket_name: Some(world.names.bucket.clone()),
            log_group_name: Some(world.names.log_group.clone()),
            delivery_role_arn: Some(world.role_arn()),
            trail_arn: Some(world.names.trail_arn()),
            metric_filter_name: Some(world.names.metric_filter.clone()),
            alarm_arn: Some(world.names.alarm_arn()),
            topic_arn: Some(world.names.topic_arn()),
            ..Observed::default()
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
        let report = pipeline::delete(
            &world.clients,
            &world.spec,
            &world.names,
            &recorded,
            Parallelism(0),
            deadline,
        )
        .await;
        let operations = world.fake.operations();
        assert_eq!(
            report.observed.trail_arn.is_none(),
            forgotten,
            "{operations:?}"
        );
        if forgotten {
            assert!(report.errors.is_empty(), "{:?}", report.errors);
            assert!(report.observed.nothing_exists(), "{:?}", report.observed);
        } else {
            let codes: Vec<_> = report
                .errors
                .iter()
                .filter_map(|e| e.aws().map(|aws| aws.code.as_deref()))
                .collect();
            assert_eq!(codes, [Some("InvalidTrailNameException")]);
            // The parts held back are named too.
            assert!(
                report
                    .errors
                    .iter()
                    .any(|e| matches!(e, crate::pipeline::PipelineError::Blocked { .. })),
                "{:?}",
                report.errors
            );
            // What waits for the trail is not deleted while it may still deliver.
            for waits in [
                "DeleteRole",
                "DeleteLogGroup",
                "DeleteBucket",
                "ScheduleKeyDeletion",
            ] {
                assert_eq!(world.fake.count(waits), 0, "{waits}: {operations:?}");
            }
        }
    }
}
