//! The findings log group against canned answers: create on nothing, no
//! writes when everything is in place, a missing or altered policy seen and
//! replaced by its revision, "not found" as done on delete, and the parts
//! torn down when findings are no longer wanted.

use serde_json::{json, Value};

use super::{World, ACCOUNT, REGION};
use crate::aws::fake_http::Answer;
use crate::components::{findings, Named, Observed, Protection, Recorder};
use crate::engine::Usable;

/// A pipeline whose alarm counts findings.
fn world() -> World {
    let mut spec = crate::terraform::desired::example_spec("audit");
    spec.detection.findings = true;
    World::with_spec(spec)
}

fn group(world: &World, retention: i64) -> Answer {
    let arn = world.names.findings_log_group_arn();
    Answer::json(json!({ "logGroups": [{
        "logGroupName": world.names.findings_log_group,
        "arn": format!("{arn}:*"),
        "logGroupArn": arn,
        "retentionInDays": retention,
        "kmsKeyId": world.key_arn(),
    }]}))
}

fn no_group() -> Answer {
    Answer::json(json!({ "logGroups": [] }))
}

fn filter(world: &World, pattern: &str) -> Answer {
    Answer::json(json!({ "metricFilters": [{
        "filterName": world.names.findings_filter,
        "logGroupName": world.names.findings_log_group,
        "filterPattern": pattern,
        "metricTransformations": [{
            "metricName": world.spec.alarm.metric_name,
            "metricNamespace": world.spec.alarm.namespace,
            "metricValue": "1",
        }],
    }]}))
}

fn no_filter() -> Answer {
    Answer::json(json!({ "metricFilters": [] }))
}

fn wanted_pattern() -> String {
    findings::findings_pattern().expect("typed").text()
}

/// The group's resource policies: ours with `document`, at revision `r1`.
fn policy(world: &World, document: &str) -> Answer {
    Answer::json(json!({ "resourcePolicies": [{
        "policyName": "AWS-assigned",
        "policyDocument": document,
        "policyScope": "RESOURCE",
        "resourceArn": world.names.findings_log_group_arn(),
        "revisionId": "r1",
    }]}))
}

fn no_policy() -> Answer {
    Answer::json(json!({ "resourcePolicies": [] }))
}

fn not_found() -> Answer {
    Answer::json_error(
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
}

fn ours(world: &World) -> String {
    findings::writers_policy(&world.names).to_json()
}

fn body(world: &World, operation: &str) -> Value {
    let call = world
        .fake
        .calls()
        .into_iter()
        .find(|c| c.operation == operation)
        .unwrap_or_else(|| panic!("no {operation} call"));
    serde_json::from_str(&call.body).expect("a JSON request")
}

fn recorded(world: &World) -> Recorder {
    Recorder::new(Observed {
        kms_key_arn: Some(world.key_arn()),
        findings_log_group_arn: Some(world.names.findings_log_group_arn()),
        findings_filter: Some(Named {
            name: world.names.findings_filter.clone(),
            pattern: wanted_pattern(),
        }),
        ..Observed::default()
    })
}

#[tokio::test]
async fn ensure_on_nothing_creates_the_encrypted_group_its_policy_and_its_filter() {
    let world = world();
    world
        .fake
        .on("CreateLogGroup", Answer::json(json!({})))
        .on("PutRetentionPolicy", Answer::json(json!({})))
        .on("DescribeResourcePolicies", no_policy())
        .on(
            "PutResourcePolicy",
            Answer::json(json!({ "revisionId": "r1" })),
        )
        .on("DescribeMetricFilters", no_filter())
        .on("PutMetricFilter", Answer::json(json!({})));
    let recorder = world.recorded_key();
    let (usable, _signal) = Usable::new();
    let ensured = findings::ensure(&world.ctx(), &recorder, usable).await;
    assert!(ensured.is_ok(), "{ensured:?}");
    // Not known to the state: created first, never looked up.
    assert_eq!(world.fake.count("DescribeLogGroups"), 0);
    let create = body(&world, "CreateLogGroup");
    assert_eq!(create["logGroupName"], "/secretmonitor/audit/findings");
    assert_eq!(create["kmsKeyId"], world.key_arn());
    for (key, value) in &world.spec.tags {
        assert_eq!(create["tags"][key], json!(value), "tag {key}");
    }
    let retention = body(&world, "PutRetentionPolicy");
    assert_eq!(retention["retentionInDays"], world.spec.log_retention_days);
    let put = body(&world, "PutResourcePolicy");
    assert_eq!(put["resourceArn"], world.names.findings_log_group_arn());
    // With `resourceArn`, the group names the policy: no name is sent.
    assert!(put.get("policyName").is_none(), "{put}");
    assert!(put.get("expectedRevisionId").is_none(), "{put}");
    let document = put["policyDocument"].as_str().expect("a document");
    assert!(crate::policy::equivalent(
        document,
        &findings::writers_policy(&world.names)
    ));
    let filter = body(&world, "PutMetricFilter");
    assert_eq!(filter["logGroupName"], "/secretmonitor/audit/findings");
    assert_eq!(filter["filterName"], world.names.findings_filter);
    assert_eq!(filter["filterPattern"], wanted_pattern());
    assert_eq!(
        filter["metricTransformations"][0]["metricName"],
        world.spec.alarm.metric_name
    );
    assert_eq!(filter["metricTransformations"][0]["metricValue"], "1");
    let observed = recorder.snapshot();
    assert_eq!(
        observed.findings_log_group_arn,
        Some(format!(
            "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/secretmonitor/audit/findings"
        ))
    );
    assert_eq!(
        observed.findings_filter.map(|f| f.pattern),
        Some(wanted_pattern())
    );
}

/// Each case: what is in place (retention, policy, filter pattern) and the
/// writes ensure must make; none when everything is in place.
#[tokio::test]
async fn ensure_writes_only_what_differs() {
    let world = world();
    let ours = ours(&world);
    let widened = ours.replace("logs:PutLogEvents", "logs:*");
    let retention = world.spec.log_retention_days;
    type Case<'a> = (
        &'a str,
        i64,
        Option<&'a str>,
        Option<&'a str>,
        &'a [&'a str],
    );
    let pattern = wanted_pattern();
    let cases: [Case; 5] = [
        ("all in place", retention, Some(&ours), Some(&pattern), &[]),
        (
            "retention shortened",
            1,
            Some(&ours),
            Some(&pattern),
            &["PutRetentionPolicy"],
        ),
        (
            "policy widened",
            retention,
            Some(&widened),
            Some(&pattern),
            &["PutResourcePolicy"],
        ),
        (
            "policy deleted",
            retention,
            None,
            Some(&pattern),
            &["PutResourcePolicy"],
        ),
        (
            "filter deleted",
            retention,
            Some(&ours),
            None,
            &["PutMetricFilter"],
        ),
    ];
    const WRITES: [&str; 5] = [
        "CreateLogGroup",
        "PutRetentionPolicy",
        "PutResourcePolicy",
        "PutMetricFilter",
        "DeleteLogGroup",
    ];
    for (case, retention, document, pattern, writes) in cases {
        let world = self::world();
        world
            .fake
            .on("DescribeLogGroups", group(&world, retention))
            .on(
                "DescribeResourcePolicies",
                document.map_or_else(no_policy, |d| policy(&world, d)),
            )
            .on(
                "DescribeMetricFilters",
                pattern.map_or_else(no_filter, |p| filter(&world, p)),
            )
            .on("PutRetentionPolicy", Answer::json(json!({})))
            .on(
                "PutResourcePolicy",
                Answer::json(json!({ "revisionId": "r2" })),
            )
            .on("PutMetricFilter", Answer::json(json!({})));
        let recorder = recorded(&world);
        let (usable, _signal) = Usable::new();
        let ensured = findings::ensure(&world.ctx(), &recorder, usable).await;
        assert!(ensured.is_ok(), "{case}: {ensured:?}");
        for write in WRITES {
            assert_eq!(
                world.fake.count(write),
                usize::from(writes.contains(&write)),
                "{case}: {write}"
            );
        }
        if writes.contains(&"PutResourcePolicy") {
            // A policy replaced names the revision it replaces.
            let put = body(&world, "PutResourcePolicy");
            assert_eq!(
                put.get("expectedRevisionId").cloned(),
                document.map(|_| json!("r1")),
                "{case}"
            );
        }
    }
}

/// (what DescribeResourcePolicies answers, whether the protection holds)
#[tokio::test]
async fn find_reports_whether_the_policy_is_in_place() {
    let world = world();
    let ours = ours(&world);
    let cases = [
        ("in place", policy(&world, &ours), true),
        ("missing", no_policy(), false),
        (
            "altered",
            policy(&world, &ours.replace("111122223333", "444455556666")),
            false,
        ),
    ];
    for (case, answer, holds) in cases {
        let world = self::world();
        world
            .fake
            .on("DescribeLogGroups", group(&world, 365))
            .on("DescribeMetricFilters", filter(&world, &wanted_pattern()))
            .on("DescribeResourcePolicies", answer);
        let found = findings::find(&world.ctx()).await;
        let found = found.expect("answered").expect("the group exists");
        assert_eq!(found.policy_in_place, holds, "{case}");
        let seen: &dyn crate::components::Seen = &found;
        assert_eq!(
            seen.protections(),
            [(Protection::FindingsPolicyInPlace, holds)],
            "{case}"
        );
        let mut observed = Observed::default();
        seen.record(&mut observed);
        assert_eq!(
            observed.findings_log_group_arn,
            Some(world.names.findings_log_group_arn())
        );
        assert_eq!(
            observed.findings_filter.map(|f| f.pattern),
            Some(wanted_pattern()),
            "{case}"
        );
    }
}

#[tokio::test]
async fn find_without_the_group_is_none() {
    let world = world();
    world.fake.on("DescribeLogGroups", no_group());
    let found = findings::find(&world.ctx()).await;
    assert!(matches!(found, Ok(None)), "{found:?}");
    assert_eq!(world.fake.operations(), ["DescribeLogGroups"]);
}

/// Everything already gone, or the group gone under the policy: done.
#[tokio::test]
async fn delete_counts_not_found_as_done() {
    let world = world();
    world
        .fake
        .on("DeleteMetricFilter", not_found())
        .on("DescribeResourcePolicies", not_found())
        .on("DeleteLogGroup", not_found());
    let deleted = (findings::PART.delete)(&world.ctx(), &recorded(&world)).await;
    assert!(
        matches!(deleted, Ok(crate::components::Deleted::Done)),
        "{deleted:?}"
    );
    assert_eq!(world.fake.count("DeleteResourcePolicy"), 0);
    assert_eq!(world.fake.count("DeleteLogGroup"), 1);
}

#[tokio::test]
async fn delete_removes_the_policy_by_its_revision_then_the_group() {
    let world = world();
    world
        .fake
        .on("DeleteMetricFilter", Answer::json(json!({})))
        .on("DescribeResourcePolicies", policy(&world, &ours(&world)))
        .on("DeleteResourcePolicy", Answer::json(json!({})))
        .on("DeleteLogGroup", Answer::json(json!({})));
    let deleted = findings::delete(&world.ctx()).await;
    assert!(deleted.is_ok(), "{deleted:?}");
    let revoke = body(&world, "DeleteResourcePolicy");
    assert_eq!(revoke["expectedRevisionId"], "r1");
    assert_eq!(revoke["resourceArn"], world.names.findings_log_group_arn());
    let operations = world.fake.operations();
    assert_eq!(
        operations.last().map(String::as_str),
        Some("DeleteLogGroup")
    );
}

/// An update that makes the allow-list fit a filter again: the parts the
/// state recorded go, and are forgotten; a pipeline that never had them
/// makes no call at all (the fake answers nothing).
#[tokio::test]
async fn findings_no_longer_wanted_are_torn_down() {
    let world = World::new();
    assert!(!world.spec.detection.findings);
    let (usable, _signal) = Usable::new();
    let never_had = world.recorded_key();
    findings::ensure(&world.ctx(), &never_had, usable)
        .await
        .expect("nothing to do");
    let found = (findings::PART.find.expect("a finder"))(&world.ctx(), &Observed::default()).await;
    assert!(matches!(found, Ok(None)));
    let deleted = (findings::PART.delete)(&world.ctx(), &never_had).await;
    assert!(
        matches!(deleted, Ok(crate::components::Deleted::Done)),
        "{deleted:?}"
    );
    assert!(
        world.fake.calls().is_empty(),
        "{:?}",
        world.fake.operations()
    );

    world
        .fake
        .on("DeleteMetricFilter", Answer::json(json!({})))
        .on("DescribeResourcePolicies", policy(&world, &ours(&world)))
        .on("DeleteResourcePolicy", Answer::json(json!({})))
        .on("DeleteLogGroup", Answer::json(json!({})));
    let had = recorded(&world);
    let (usable, _signal) = Usable::new();
    findings::ensure(&world.ctx(), &had, usable)
        .await
        .expect("torn down");
    assert_eq!(world.fake.count("DeleteLogGroup"), 1);
    let observed = had.snapshot();
    assert_eq!(observed.findings_log_group_arn, None);
    assert_eq!(observed.findings_filter, None);
    assert_eq!(observed.kms_key_arn, Some(world.key_arn()));
}
