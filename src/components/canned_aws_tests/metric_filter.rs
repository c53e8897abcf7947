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

/// A spec whose scope needs several metric filters: 30 prefixes of long names.
fn chunked_world() -> World {
    let mut spec = crate::terraform::desired::example_spec("audit");
    spec.secrets = (0..30)
        .map(|i| format!("team-{i:02}/service-with-a-long-name/*"))
        .collect();
    spec.detection = crate::terraform::plan::detection(&spec).expect("fits the layout");
    assert!(
        spec.detection.filters.len() > 2,
        "the case needs several filters"
    );
    World::with_spec(spec)
}

#[tokio::test]
async fn find_reads_the_whole_listing_and_knows_a_missing_group() {
    // (DescribeMetricFilters' answers, how many filters find reports, calls made)
    let world = World::new();
    let stem = world.names.metric_filter.clone();
    let ours_too = format!("{stem}-0123abcd");
    let cases: Vec<(Vec<Answer>, Option<Option<usize>>, usize)> = vec![
        (
            vec![
                page(&world, &[&stem], Some("page-2")),
                page(&world, &[&ours_too], None),
            ],
            Some(Some(2)),
            2,
        ),
        (vec![page(&world, &[], None)], Some(None), 1),
        (
            vec![Answer::json_error(
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            )],
            Some(None),
            1,
        ),
        (
            vec![Answer::json_error(
                "InvalidParameterException",
                "from the test",
            )],
            None,
            1,
        ),
    ];
    for (answers, found, calls) in cases {
        let world = World::new();
        for answer in answers {
            world.fake.on("DescribeMetricFilters", answer);
        }
        let result = metric_filter::find(&world.ctx(), &world.names.log_group).await;
        assert_eq!(
            result
                .as_ref()
                .ok()
                .map(|o| o.as_ref().map(|o| o.filters.len())),
            found,
            "{result:?}"
        );
        assert_eq!(world.fake.count("DescribeMetricFilters"), calls);
    }
}

#[tokio::test]
async fn find_keeps_only_this_pipelines_filters() {
    // The prefix listing also returns filters of pipelines whose names
    // extend this one's, and names that merely start like a content ID.
    let world = World::new();
    let stem = world.names.metric_filter.clone();
    let listed = [
        stem.clone(),
        format!("{stem}-copy"),
        format!("{stem}-0123abcd"),
        format!("{stem}-0123abcde"),
        format!("{stem}-0123ABCD"),
        format!("{stem}-x-0123abcd"),
    ];
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    world
        .fake
        .on("DescribeMetricFilters", page(&world, &listed, None));
    let found = metric_filter::find(&world.ctx(), &world.names.log_group).await;
    let found = found.expect("listed").expect("some are ours");
    let names: Vec<&str> = found.filters.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, [stem.as_str(), &format!("{stem}-0123abcd")]);
}

#[tokio::test]
async fn find_records_a_pattern_laid_out_anew_as_the_generated_one_and_an_edit_as_it_is() {
    let world = World::new();
    let generated = world.spec.detection.filters[0].clone();
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
        let found = metric_filter::find(&world.ctx(), &world.names.log_group).await;
        let found = found.expect("answered").expect("listed");
        assert_eq!(found.filters[0].pattern, recorded, "{listed}");
    }
}

/// A listing of `filters` as (name, pattern).
fn listing(world: &World, filters: &[(String, String)]) -> Answer {
    let filters: Vec<_> = filters
        .iter()
        .map(|(name, pattern)| {
            json!({
                "filterName": name,
                "filterPattern": pattern,
                "logGroupName": world.names.log_group,
                "metricTransformations": [],
            })
        })
        .collect();
    Answer::json(json!({ "metricFilters": filters }))
}

#[tokio::test]
async fn ensure_puts_what_is_missing_or_changed_before_it_deletes_what_the_layout_dropped() {
    let world = chunked_world();
    let wanted: Vec<(String, String)> = metric_filter::wanted(&world.ctx())
        .into_iter()
        .map(|f| (f.name, f.pattern))
        .collect();
    let stale = (
        format!("{}-00000000", world.names.metric_filter),
        "{ $.x = 1 }".to_owned(),
    );
    let edited = (wanted[1].0.clone(), "{ $.edited = 1 }".to_owned());
    // Listed: the first wanted filter as it should be, the second edited,
    // the rest missing, and one the layout no longer has.
    let listed = vec![wanted[0].clone(), edited, stale.clone()];
    world
        .fake
        .on("DescribeMetricFilters", listing(&world, &listed))
        .on("PutMetricFilter", Answer::empty())
        .on("DeleteMetricFilter", Answer::empty());
    let rec = super::Recorder::new(crate::components::Observed {
        log_group_name: Some(world.names.log_group.clone()),
        ..Default::default()
    });
    metric_filter::ensure(&world.ctx(), &rec)
        .await
        .expect("ensured");
    let calls = world.fake.calls();
    let puts: Vec<usize> = (0..calls.len())
        .filter(|i| calls[*i].operation == "PutMetricFilter")
        .collect();
    let deletes: Vec<usize> = (0..calls.len())
        .filter(|i| calls[*i].operation == "DeleteMetricFilter")
        .collect();
    assert_eq!(
        puts.len(),
        wanted.len() - 1,
        "every filter but the one in place"
    );
    assert!(!calls
        .iter()
        .any(|c| c.operation == "PutMetricFilter"
            && c.body.contains(&format!("\"{}\"", wanted[0].0))));
    assert_eq!(deletes.len(), 1);
    assert!(calls[deletes[0]].body.contains(&stale.0));
    assert!(
        puts.iter().all(|p| *p < deletes[0]),
        "a filter was deleted before the new ones were in: {:?}",
        world.fake.operations()
    );
    let recorded = rec.snapshot();
    let recorded: Vec<(String, String)> = recorded
        .metric_filters
        .into_iter()
        .map(|f| (f.name, f.pattern))
        .collect();
    assert_eq!(recorded, wanted);
}

#[tokio::test]
async fn several_filters_are_named_by_content_and_one_keeps_the_pipelines_name() {
    let one = World::new();
    let wanted = metric_filter::wanted(&one.ctx());
    assert_eq!(wanted.len(), 1);
    assert_eq!(wanted[0].name, one.names.metric_filter);

    let world = chunked_world();
    let wanted = metric_filter::wanted(&world.ctx());
    for filter in &wanted {
        assert!(
            world.names.plan.is_metric_filter(&filter.name),
            "{}",
            filter.name
        );
        assert_ne!(filter.name, world.names.metric_filter);
    }
    let mut names: Vec<&str> = wanted.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), wanted.len(), "two chunks share a name");
}
