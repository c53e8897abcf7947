use super::World;
use crate::aws::fake_http::Answer;
use crate::components::{alarm, archive, log_group, topic, trail};

const NOT_AWS: &str =
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1></body></html>\n";

#[tokio::test]
async fn an_answer_that_is_not_from_aws_is_one_line_saying_what_to_check() {
    let world = World::new();
    let page = || Answer::raw(404, "text/html", NOT_AWS);
    // One operation of each protocol: JSON 1.1, awsQuery, REST-XML, RPC v2 CBOR.
    world
        .fake
        .on("DeleteTrail", page())
        .on("DescribeLogGroups", page())
        .on("DeleteTopic", page())
        .on("ListObjectVersions", page())
        .on("DeleteAlarms", page());
    let ctx = world.ctx();
    let names = &world.names;
    let failures = [
        ("DeleteTrail", trail::delete(&ctx, &names.trail).await.err()),
        (
            "DescribeLogGroups",
            log_group::find(&ctx, &names.log_group).await.err(),
        ),
        (
            "DeleteTopic",
            topic::delete(&ctx, &names.topic_arn()).await.err(),
        ),
        (
            "ListObjectVersions",
            archive::delete(&ctx, &names.bucket).await.err(),
        ),
        (
            "DeleteAlarms",
            alarm::delete(&ctx, &names.alarm).await.err(),
        ),
    ];
    for (operation, failure) in failures {
        let err = failure.unwrap_or_else(|| panic!("{operation} succeeded on an HTML page"));
        let text = err.to_string();
        assert_eq!(err.operation, operation, "{text}");
        assert_eq!(err.code, None, "{text}");
        assert!(!text.contains('\n'), "{operation}: not one line: {text}");
        for wanted in [
            "the endpoint http://aws.fake answered HTTP 404 text/html, not an AWS API response",
            "AWS_ENDPOINT_URL",
        ] {
            assert!(
                text.contains(wanted),
                "{operation}: no {wanted:?} in {text}"
            );
        }
        for dump in ["ServiceError", "unhandled", "Unhandled", "{"] {
            assert!(!text.contains(dump), "{operation}: {dump:?} in {text}");
        }
    }
}

#[tokio::test]
async fn an_aws_error_keeps_its_code_and_message() {
    let world = World::new();
    world.fake.on(
        "DeleteTrail",
        Answer::json_error("InvalidTrailNameException", "Trail name must not be empty"),
    );
    let err = trail::delete(&world.ctx(), &world.names.trail)
        .await
        .expect_err("an AWS error");
    assert_eq!(err.code.as_deref(), Some("InvalidTrailNameException"));
    assert_eq!(
        err.message,
        "InvalidTrailNameException: Trail name must not be empty"
    );
}
