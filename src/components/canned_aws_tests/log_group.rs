use std::time::Duration;

use serde_json::json;

use super::World;
use crate::aws::fake_http::Answer;
use crate::components::log_group;
use crate::engine::Usable;

/// A DescribeLogGroups page listing these groups, with a token when more follow.
fn page(world: &World, names: &[&str], next: Option<&str>) -> Answer {
    let groups: Vec<_> = names
        .iter()
        .map(|name| {
            let arn = format!(
                "arn:aws:logs:{}:{}:log-group:{name}",
                super::REGION,
                super::ACCOUNT
            );
            json!({
                "logGroupName": name,
                "arn": format!("{arn}:*"),
                "logGroupArn": arn,
                "retentionInDays": world.spec.log_retention_days,
                "creationTime": 1_764_579_600_000_i64,
            })
        })
        .collect();
    let mut body = json!({ "logGroups": groups });
    if let Some(next) = next {
        body["nextToken"] = json!(next);
    }
    Answer::json(body)
}

#[tokio::test]
async fn find_stops_at_the_page_that_lists_the_group() {
    let world = World::new();
    let name = world.names.log_group.clone();
    world
        .fake
        .on("DescribeLogGroups", page(&world, &[&name], Some("page-2")));
    let found = log_group::find(&world.ctx(), &name).await;
    assert!(matches!(found, Ok(Some(_))), "{found:?}");
    assert_eq!(world.fake.count("DescribeLogGroups"), 1);
}

#[tokio::test]
async fn create_adopts_a_group_that_already_exists() {
    // (the existing group's retention, whether PutRetentionPolicy must set it)
    let cases = [(365, false), (30, true)];
    for (retention, set) in cases {
        let world = World::new();
        let name = world.names.log_group.clone();
        let mut listed = page(&world, &[&name], None);
        if retention != world.spec.log_retention_days {
            listed = Answer::json(json!({ "logGroups": [{
                "logGroupName": name,
                "logGroupArn": world.names.log_group_arn(),
                "retentionInDays": retention,
            }]}));
        }
        world
            .fake
            .on(
                "CreateLogGroup",
                Answer::json_error(
                    "ResourceAlreadyExistsException",
                    "The specified log group already exists",
                ),
            )
            .on("DescribeLogGroups", listed)
            .on("PutRetentionPolicy", Answer::json(json!({})));
        let recorder = world.recorded_key();
        let (usable, _signal) = Usable::new();
        let ensured = log_group::ensure(&world.ctx(), &recorder, usable).await;
        assert!(ensured.is_ok(), "{retention}: {ensured:?}");
        assert_eq!(world.fake.count("CreateLogGroup"), 1);
        assert_eq!(world.fake.count("DescribeLogGroups"), 1, "looked up once");
        assert_eq!(world.fake.count("PutRetentionPolicy"), usize::from(set));
        let observed = recorder.snapshot();
        assert_eq!(observed.log_group_name, Some(name));
        assert_eq!(observed.log_group_arn, Some(world.names.log_group_arn()));
        assert_eq!(observed.log_retention_days, Some(365));
    }
}

#[tokio::test]
async fn find_reads_every_page_of_the_prefix_listing() {
    let world = World::new();
    let name = world.names.log_group.clone();
    let longer = format!("{name}-old");
    world
        .fake
        .on(
            "DescribeLogGroups",
            page(&world, &[&longer], Some("page-2")),
        )
        .on("DescribeLogGroups", page(&world, &[&name], None));
    let found = log_group::find(&world.ctx(), &name).await;
    let found = found.expect("listed").expect("on the second page");
    assert_eq!(found.name, name);
    assert_eq!(found.arn, world.names.log_group_arn());
    let calls = world.fake.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].body.contains("page-2"), "{:?}", calls[1].body);
}

#[tokio::test(start_paused = true)]
async fn the_key_policy_retry_stops_at_the_deadline() {
    let world = World::new();
    world.fake.on(
        "CreateLogGroup",
        Answer::json_error(
            "AccessDeniedException",
            "The specified KMS key does not exist or is not allowed to be used",
        ),
    );
    let started = tokio::time::Instant::now();
    let deadline = started + Duration::from_secs(5);
    let (usable, _signal) = Usable::new();
    let recorder = world.recorded_key();
    let ensured = log_group::ensure(&world.ctx_until(deadline), &recorder, usable).await;
    let err = ensured.expect_err("CloudWatch Logs never sees the key policy");
    assert_eq!(
        err.aws().and_then(|e| e.code.as_deref()),
        Some("AccessDeniedException")
    );
    assert!(
        tokio::time::Instant::now() <= deadline,
        "retried {:?} past a 5 s deadline",
        tokio::time::Instant::now() - deadline
    );
    assert!(world.fake.count("CreateLogGroup") > 1, "it did retry");
}
