//! The discovery against canned AWS answers: grouping of the parts found by
//! pipeline, pagination, the bound on calls, the name prefix.

use serde_json::json;

use super::*;
use crate::aws::fake_http::{Answer, FakeAws};

fn clients(fake: &FakeAws) -> Clients {
    Clients::for_tests(fake.http_client(), "us-east-1")
}

fn tagged_keys(owners: &[&str], token: &str) -> Answer {
    let mappings: Vec<_> = owners
        .iter()
        .enumerate()
        .map(|(i, owner)| {
            json!({
                "ResourceARN": format!("arn:aws:kms:us-east-1:111122223333:key/{owner}-{i}"),
                "Tags": [
                    { "Key": "team", "Value": "security" },
                    { "Key": Names::KEY_OWNER_TAG, "Value": owner },
                ],
            })
        })
        .collect();
    Answer::json(json!({ "ResourceTagMappingList": mappings, "PaginationToken": token }))
}

fn log_groups(names: &[&str], token: Option<&str>) -> Answer {
    let groups: Vec<_> = names.iter().map(|n| json!({ "logGroupName": n })).collect();
    match token {
        Some(token) => Answer::json(json!({ "logGroups": groups, "nextToken": token })),
        None => Answer::json(json!({ "logGroups": groups })),
    }
}

fn set(clues: &[Clue]) -> BTreeSet<Clue> {
    clues.iter().copied().collect()
}

#[tokio::test]
async fn parts_are_grouped_by_pipeline_across_pages_and_listings() {
    let fake = FakeAws::new();
    fake.on("GetResources", tagged_keys(&["alpha"], "page-2"))
        .on("GetResources", tagged_keys(&["beta"], ""))
        .on(
            "DescribeLogGroups",
            log_groups(&["/secretmonitor/alpha/cloudtrail"], Some("next")),
        )
        .on(
            "DescribeLogGroups",
            log_groups(
                &[
                    "/secretmonitor/alpha/findings",
                    "/secretmonitor/gamma/cloudtrail",
                    "/secretmonitor/",
                ],
                None,
            ),
        )
        .on("ListDashboards", Answer::cbor_done());
    let found = pipelines(&clients(&fake), "").await.expect("discovery");
    let expected: BTreeMap<String, BTreeSet<Clue>> = [
        ("alpha", set(&[Clue::OwnerTaggedKey, Clue::LogGroup])),
        ("beta", set(&[Clue::OwnerTaggedKey])),
        ("gamma", set(&[Clue::LogGroup])),
    ]
    .into_iter()
    .map(|(name, clues)| (name.to_owned(), clues))
    .collect();
    assert_eq!(found.pipelines, expected);
    assert!(found.truncated.is_empty(), "{:?}", found.truncated);
    assert_eq!(fake.count("GetResources"), 2);
    assert_eq!(fake.count("DescribeLogGroups"), 2);
    assert_eq!(fake.count("ListDashboards"), 1);
    let second_page = fake
        .calls()
        .into_iter()
        .filter(|c| c.operation == "GetResources")
        .nth(1)
        .map(|c| c.body)
        .unwrap_or_default();
    assert!(second_page.contains("page-2"), "{second_page}");
}

/// Queues the answers of one case.
type Script = fn(&FakeAws);

#[tokio::test]
async fn every_listing_stops_at_the_page_bound() {
    // (answers, the operation whose pages never end)
    let cases: [(Script, &str); 2] = [
        (
            |fake| {
                fake.on("GetResources", tagged_keys(&["alpha"], "more"));
                fake.on("DescribeLogGroups", log_groups(&[], None));
            },
            "GetResources",
        ),
        (
            |fake| {
                fake.on("GetResources", tagged_keys(&[], ""));
                fake.on(
                    "DescribeLogGroups",
                    log_groups(&["/secretmonitor/alpha/cloudtrail"], Some("more")),
                );
            },
            "DescribeLogGroups",
        ),
    ];
    for (script, endless) in cases {
        let fake = FakeAws::new();
        script(&fake);
        fake.on("ListDashboards", Answer::cbor_done());
        let found = pipelines(&clients(&fake), "").await.expect("discovery");
        assert_eq!(fake.count(endless), MAX_PAGES_PER_LISTING, "{endless}");
        assert_eq!(found.truncated, vec![endless]);
        assert_eq!(
            found.pipelines.keys().collect::<Vec<_>>(),
            vec!["alpha"],
            "{endless}: the pages read still count"
        );
    }
}

#[tokio::test]
async fn the_name_prefix_filters_every_listing() {
    let fake = FakeAws::new();
    fake.on("GetResources", tagged_keys(&["alpha", "beta", "al"], ""))
        .on(
            "DescribeLogGroups",
            log_groups(&["/secretmonitor/alpine/cloudtrail"], None),
        )
        .on("ListDashboards", Answer::cbor_done());
    let found = pipelines(&clients(&fake), "al").await.expect("discovery");
    assert_eq!(
        found.pipelines.keys().collect::<Vec<_>>(),
        vec!["al", "alpha", "alpine"]
    );
    let bodies: Vec<(String, String)> = fake
        .calls()
        .into_iter()
        .map(|c| (c.operation, c.body))
        .collect();
    assert!(
        bodies
            .iter()
            .any(|(op, body)| op == "DescribeLogGroups" && body.contains("/secretmonitor/al")),
        "the log groups are listed by the prefixed root: {bodies:?}"
    );
}

#[tokio::test]
async fn a_failed_listing_names_its_call() {
    let fake = FakeAws::new();
    fake.on(
        "GetResources",
        Answer::json_error("AccessDeniedException", "not allowed"),
    )
    .on("DescribeLogGroups", log_groups(&[], None))
    .on("ListDashboards", Answer::cbor_done());
    let err = pipelines(&clients(&fake), "")
        .await
        .expect_err("denied listing");
    assert_eq!(err.operation, "GetResources");
    assert_eq!(err.code.as_deref(), Some("AccessDeniedException"));
}
