use serde_json::json;

use super::World;
use crate::aws::fake_http::Answer;
use crate::components::metric_filter;

/// A DescribeMetricFilters page listing these filters, with a token when more follow.
fn page(world: &World, names: &[&str], next: Option<&str>) -> Answer {
    page_with_pattern(world, names, next, "{ $.eventName = \"GetSecretValue\" }")
}

fn page_with_pattern(world: &World, names: &[&str], next: Option<&str>, pattern: &str) -> Answer {
    let filters: Vec<_> = names
        .iter()
        .map(|name| {
            json!({
                "filterName": name,
                "filterPattern": pattern,
                "logGroupName": world.names.log_group,
                "metricTransformations": [{
                    "metricName": "Secret is accessed",
                    "metricNamespace": "SecurityMetrics",
                    "metricValue": "1",
                }],
                "creationTime": 1_764_579_600_000_i64,
            })
        })
        .collect();
    let mut body = json!({ "metricFilters": filters });
    if let Some(next) = next {
        body["nextToken"] = json!(next);
    }
    Answer::json(body)
}

#[tokio::test]
async fn find_stops_at_the_page_that_lists_the_filter_and_knows_a_missing_group() {
    // (DescribeMetricFilters' answer, what find says, calls made)
    let world = World::new();
    let name = world.names.metric_filter.clone();
    let cases = [
        (page(&world, &[&name], Some("page-2")), Some(true), 1),
        (page(&world, &[], None), Some(false), 1),
        (
            Answer::json_error(
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ),
            Some(false),
            1,
        ),
        (
            Answer::json_error("InvalidParameterException", "from the test"),
            None,
            1,
        ),
    ];
    for (answer, found, calls) in cases {
        let world = World::new();
        world.fake.on("DescribeMetricFilters", answer);
        let result = metric_filter::find(&world.ctx(), &world.names.log_group, &name).await;
        assert_eq!(
            result.as_ref().ok().map(Option::is_some),
            found,
            "{result:?}"
        );
        assert_eq!(world.fake.count("DescribeMetricFilters"), calls);
    }
}

#[tokio::test]
async fn find_reads_every_page_of_the_prefix_listing() {
    let world = World::new();
    let name = world.names.metric_filter.clone();
    let longer = format!("{name}-copy");
    world
        .fake
        .on(
            "DescribeMetricFilters",
            page(&world, &[&longer], Some("page-2")),
        )
        .on("DescribeMetricFilters", page(&world, &[&name], None));
    let found = metric_filter::find(&world.ctx(), &world.names.log_group, &name).await;
    let found = found.expect("listed").expect("on the second page");
    assert_eq!(found.name, name);
    assert_eq!(found.pattern, "{ $.eventName = \"GetSecretValue\" }");
    let calls = world.fake.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[1].body.contains("page-2"), "{:?}", calls[1].body);
}

#[tokio::test]
async fn find_records_a_pattern_laid_out_anew_as_the_generated_one_and_an_edit_as_it_is() {
    let world = World::new();
    let generated = world.spec.filter_pattern.clone();
    assert!(
        generated.contains(' '),
        "the case needs white space to move"
    );
    let spread = generated.replace(' ', "  ");
    let edited = generated.replace("GetSecretValue", "DescribeSecret");
    assert_ne!(edited, generated);
    // (what CloudWatch Logs returns, what find records)
    let cases = [
        (generated.clone(), generated.clone()),
        (spread, generated.clone()),
        (edited.clone(), edited),
    ];
    for (listed, recorded) in cases {
        let world = World::new();
        let name = world.names.metric_filter.clone();
        world.fake.on(
            "DescribeMetricFilters",
            page_with_pattern(&world, &[&name], None, &listed),
        );
        let found = metric_filter::find(&world.ctx(), &world.names.log_group, &name).await;
        let found = found.expect("answered").expect("listed");
        assert_eq!(found.pattern, recorded, "{listed}");
    }
}
