use super::World;
use crate::aws::fake_http::Answer;
use crate::components::topic;

#[tokio::test]
async fn create_with_attributes_falls_back_when_sns_refuses_them() {
    // (CreateTopic's error code, whether ensure falls back to a bare
    // CreateTopic and SetTopicAttributes)
    let cases = [
        // AWS, for a topic that exists with other attributes.
        ("InvalidParameter", true),
        // The same refusal as some emulators spell it.
        ("InvalidParameterException", true),
        ("AuthorizationError", false),
    ];
    for (code, falls_back) in cases {
        let world = World::new();
        let arn = world.names.topic_arn();
        world
            .fake
            .on(
                "CreateTopic",
                Answer::query_error(
                    code,
                    "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
                ),
            )
            .on(
                "CreateTopic",
                Answer::query("CreateTopic", &format!("<TopicArn>{arn}</TopicArn>")),
            )
            .on("SetTopicAttributes", Answer::query_done("SetTopicAttributes"));
        let recorder = world.recorded_key();
        let ensured = topic::ensure(&world.ctx(), &recorder).await;
        assert_eq!(ensured.is_ok(), falls_back, "{code}: {ensured:?}");
        let (creates, sets) = if falls_back { (2, 2) } else { (1, 0) };
        assert_eq!(world.fake.count("CreateTopic"), creates, "{code}");
        assert_eq!(world.fake.count("SetTopicAttributes"), sets, "{code}");
        let recorded = recorder.snapshot().topic_arn;
        assert_eq!(recorded, falls_back.then(|| arn.clone()), "{code}");
        if falls_back {
            let bare = &world.fake.calls()[1].body;
            assert!(!bare.contains("Attributes"), "the fallback is bare: {bare}");
        }
    }
}

#[tokio::test]
async fn find_reports_absence_only_for_sns_not_found() {
    // (GetTopicAttributes' error code, whether find answers "no topic")
    let cases = [("NotFound", true), ("AuthorizationError", false)];
    for (code, absent) in cases {
        let world = World::new();
        world.fake.on(
            "GetTopicAttributes",
            Answer::query_error(code, "Topic does not exist"),
        );
        let found = topic::find(&world.ctx(), &world.names.topic_arn()).await;
        assert_eq!(matches!(found, Ok(None)), absent, "{code}: {found:?}");
    }
}
