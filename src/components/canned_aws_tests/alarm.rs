use super::World;
use crate::aws::fake_http::Answer;
use crate::components::alarm;

#[tokio::test]
async fn delete_counts_only_cloudwatch_resource_not_found_as_gone() {
    // (DeleteAlarms' answer, whether the alarm counts as deleted)
    let cases = [
        (Answer::cbor_done(), true),
        (
            Answer::cbor_error("ResourceNotFound", "Alarm not found"),
            true,
        ),
        // Other services' "not found" is not CloudWatch's.
        (
            Answer::cbor_error("ResourceNotFoundException", "from the test"),
            false,
        ),
        (
            Answer::cbor_error("InvalidParameterValue", "from the test"),
            false,
        ),
    ];
    for (answer, gone) in cases {
        let world = World::new();
        world.fake.on("DeleteAlarms", answer);
        let deleted = alarm::delete(&world.ctx(), &world.names.alarm).await;
        assert_eq!(deleted.is_ok(), gone, "{deleted:?}");
    }
}
