//! The dashboard against canned CloudWatch answers (Smithy RPC v2 CBOR):
//! created on nothing, left alone when its body is the pipeline's (however
//! CloudWatch spaces it), put again when edited, and a missing one deleted
//! as done.

use serde_json::Value;

use super::World;
use crate::aws::fake_http::{Answer, Call};
use crate::components::{dashboard, Observed, Protection, Recorder, Seen};

fn world() -> World {
    let mut spec = crate::terraform::desired::example_spec("audit");
    spec.tags.insert("team".to_owned(), "security".to_owned());
    World::with_spec(spec)
}

fn not_found() -> Answer {
    Answer::cbor_error_shaped(
        "DashboardNotFoundError",
        "ResourceNotFound",
        "Dashboard does not exist",
    )
}

fn got(world: &World, body: &str) -> Answer {
    Answer::cbor_texts(&[
        ("DashboardArn", &world.names.dashboard_arn()),
        ("DashboardBody", body),
        ("DashboardName", &world.names.dashboard),
    ])
}

/// The recorder after the key's step: the tamper table names the key.
fn recorded(world: &World) -> Recorder {
    world.recorded_key()
}

fn wanted(world: &World) -> String {
    dashboard::wanted_body(&world.ctx(), Some(&world.key_arn())).expect("a valid spec's body")
}

/// The body a PutDashboard call carried: the JSON text inside its CBOR.
fn put_body(call: &Call) -> Value {
    let start = call.body.find("{\"widgets\"").expect("a dashboard body");
    serde_json::Deserializer::from_str(&call.body[start..])
        .into_iter::<Value>()
        .next()
        .expect("one JSON value")
        .expect("valid JSON")
}

fn puts(world: &World) -> Vec<Call> {
    world
        .fake
        .calls()
        .into_iter()
        .filter(|c| c.operation == "PutDashboard")
        .collect()
}

#[tokio::test]
async fn creates_a_missing_dashboard_and_tags_it() {
    let world = world();
    world.fake.on("GetDashboard", not_found());
    world.fake.on("PutDashboard", Answer::cbor_done());
    world.fake.on("TagResource", Answer::cbor_done());
    let rec = recorded(&world);
    dashboard::ensure(&world.ctx(), &rec).await.unwrap();
    let puts = puts(&world);
    assert_eq!(puts.len(), 1);
    assert!(puts[0].body.contains(&world.names.dashboard));
    let body = put_body(&puts[0]);
    assert_eq!(
        body,
        serde_json::from_str::<Value>(&wanted(&world)).unwrap()
    );
    assert!(body.to_string().contains(&world.names.log_group));
    assert_eq!(
        rec.get(|o| o.dashboard_name.clone()),
        Some(world.names.dashboard.clone())
    );
    let tagged = world
        .fake
        .calls()
        .into_iter()
        .find(|c| c.operation == "TagResource")
        .expect("TagResource");
    assert!(tagged.body.contains(&world.names.dashboard_arn()));
    assert!(tagged.body.contains("security"));
}

#[tokio::test]
async fn an_equal_body_is_not_put_again() {
    let world = world();
    // CloudWatch may hand the body back spaced otherwise: same JSON.
    let value: Value = serde_json::from_str(&wanted(&world)).unwrap();
    let respaced = serde_json::to_string_pretty(&value).unwrap();
    world.fake.on("GetDashboard", got(&world, &respaced));
    world.fake.on("TagResource", Answer::cbor_done());
    let rec = recorded(&world);
    dashboard::ensure(&world.ctx(), &rec).await.unwrap();
    assert_eq!(world.fake.count("PutDashboard"), 0);
    assert_eq!(
        rec.get(|o| o.dashboard_name.clone()),
        Some(world.names.dashboard.clone())
    );
}

#[tokio::test]
async fn an_edited_body_is_put_back() {
    let world = world();
    let mut value: Value = serde_json::from_str(&wanted(&world)).unwrap();
    // Someone removed the tamper table.
    value["widgets"].as_array_mut().unwrap().pop();
    world
        .fake
        .on("GetDashboard", got(&world, &value.to_string()));
    world.fake.on("PutDashboard", Answer::cbor_done());
    world.fake.on("TagResource", Answer::cbor_done());
    dashboard::ensure(&world.ctx(), &recorded(&world))
        .await
        .unwrap();
    let puts = puts(&world);
    assert_eq!(puts.len(), 1);
    assert_eq!(
        put_body(&puts[0]),
        serde_json::from_str::<Value>(&wanted(&world)).unwrap()
    );
}

#[tokio::test]
async fn find_reports_missing_edited_and_in_place() {
    let world = world();
    let recorded = Observed {
        kms_key_arn: Some(world.key_arn()),
        ..Observed::default()
    };
    world.fake.on("GetDashboard", not_found());
    assert_eq!(
        dashboard::find(&world.ctx(), &recorded).await.unwrap(),
        None
    );

    for (body, in_place) in [
        (wanted(&world), true),
        ("{\"widgets\":[]}".to_owned(), false),
    ] {
        let world = self::world();
        world.fake.on("GetDashboard", got(&world, &body));
        let seen = dashboard::find(&world.ctx(), &recorded)
            .await
            .unwrap()
            .expect("found");
        assert_eq!(
            seen.protections(),
            vec![(Protection::DashboardInPlace, in_place)]
        );
        let mut observed = Observed::default();
        seen.record(&mut observed);
        assert_eq!(observed.dashboard_name, Some(world.names.dashboard.clone()));
    }
}

#[tokio::test]
async fn delete_counts_a_missing_dashboard_as_done() {
    // (DeleteDashboards' answer, whether the dashboard counts as deleted)
    let cases = [
        (Answer::cbor_done(), true),
        (not_found(), true),
        (
            Answer::cbor_error("InvalidParameterValue", "from the test"),
            false,
        ),
    ];
    for (answer, gone) in cases {
        let world = world();
        world.fake.on("DeleteDashboards", answer);
        let deleted = dashboard::delete(&world.ctx()).await;
        assert_eq!(deleted.is_ok(), gone, "{deleted:?}");
        assert_eq!(world.fake.count("DeleteDashboards"), 1);
    }
}

#[tokio::test]
async fn a_failed_put_is_the_dashboards_error() {
    let world = world();
    world.fake.on("GetDashboard", not_found());
    world.fake.on(
        "PutDashboard",
        Answer::cbor_error_shaped(
            "DashboardInvalidInputError",
            "InvalidParameterInput",
            "bad body",
        ),
    );
    let rec = recorded(&world);
    let err = dashboard::ensure(&world.ctx(), &rec).await.unwrap_err();
    assert_eq!(err.aws().map(|e| e.operation), Some("PutDashboard"));
    assert_eq!(rec.get(|o| o.dashboard_name.clone()), None);
}
