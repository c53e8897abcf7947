use serde_json::{json, Value};

use super::World;
use crate::aws::fake_http::Answer;
use crate::components::query_definitions::{self, Listed};
use crate::components::{Observed, Recorder};
use crate::pattern::insights::SavedQuery;

/// A listed definition as DescribeQueryDefinitions writes it.
fn definition(l: &Listed) -> Value {
    json!({
        "queryDefinitionId": l.id,
        "name": l.name,
        "queryString": l.query_string,
        "logGroupNames": l.log_group_names,
        "lastModified": 1_764_579_600_000_i64,
        "queryLanguage": "CWLI",
    })
}

fn page(listed: &[Listed], next: Option<&str>) -> Answer {
    let mut body = json!({ "queryDefinitions": listed.iter().map(definition).collect::<Vec<_>>() });
    if let Some(next) = next {
        body["nextToken"] = json!(next);
    }
    Answer::json(body)
}

fn wanted(world: &World) -> Vec<SavedQuery> {
    let wanted = query_definitions::wanted(&world.ctx(), Some(&world.key_arn()));
    assert!(wanted.skipped.is_empty(), "{:?}", wanted.skipped);
    assert_eq!(wanted.queries.len(), 5);
    wanted.queries
}

/// The wanted queries as saved in place, with IDs `q0`..`q4`.
fn in_place(world: &World) -> Vec<Listed> {
    wanted(world)
        .into_iter()
        .enumerate()
        .map(|(i, q)| Listed {
            id: format!("q{i}"),
            name: q.name,
            query_string: q.query_string,
            log_group_names: vec![world.names.log_group.clone()],
        })
        .collect()
}

fn recorded(world: &World) -> Recorder {
    Recorder::new(Observed {
        kms_key_arn: Some(world.key_arn()),
        log_group_name: Some(world.names.log_group.clone()),
        ..Observed::default()
    })
}

fn bodies(world: &World, operation: &str) -> Vec<Value> {
    world
        .fake
        .calls()
        .into_iter()
        .filter(|c| c.operation == operation)
        .map(|c| serde_json::from_str(&c.body).expect("a JSON body"))
        .collect()
}

/// What is listed, the IDs put over (`None`: created), the IDs deleted.
type EnsureCase = (
    &'static str,
    Vec<Listed>,
    Vec<Option<&'static str>>,
    Vec<&'static str>,
);
/// A listing page and its `nextToken`.
type Page = (Vec<Listed>, Option<&'static str>);

#[tokio::test]
async fn ensure_puts_what_is_missing_or_differs_and_deletes_what_is_not_wanted() {
    let base = World::new();
    let good = in_place(&base);
    let folder = crate::pattern::insights::folder(&base.spec.name);
    let edited = |i: usize| Listed {
        query_string: "fields @timestamp | limit 1".into(),
        ..good[i].clone()
    };
    let moved = |i: usize| Listed {
        log_group_names: vec!["/elsewhere".into()],
        ..good[i].clone()
    };
    let extra = Listed {
        id: "extra".into(),
        name: format!("{folder}old-query"),
        ..good[0].clone()
    };
    let duplicate = Listed {
        id: "dup".into(),
        ..good[1].clone()
    };
    let with = |changes: &[(usize, Listed)], more: &[Listed]| {
        let mut listed = good.clone();
        for (i, l) in changes {
            listed[*i] = l.clone();
        }
        listed.extend_from_slice(more);
        listed
    };
    let cases: Vec<EnsureCase> = vec![
        ("nothing", vec![], vec![None; 5], vec![]),
        ("all in place", good.clone(), vec![], vec![]),
        (
            "one edited",
            with(&[(2, edited(2))], &[]),
            vec![Some("q2")],
            vec![],
        ),
        (
            "one on another group",
            with(&[(4, moved(4))], &[]),
            vec![Some("q4")],
            vec![],
        ),
        ("one missing", good[1..].to_vec(), vec![None], vec![]),
        ("an extra one", with(&[], &[extra]), vec![], vec!["extra"]),
        (
            "a duplicate",
            with(&[], std::slice::from_ref(&duplicate)),
            vec![],
            vec!["dup"],
        ),
        (
            "an edited duplicate listed first",
            {
                let mut l = vec![Listed {
                    id: "dup".into(),
                    ..edited(1)
                }];
                l.extend(good.clone());
                l
            },
            vec![],
            vec!["dup"],
        ),
    ];
    for (what, listed, put_ids, deleted) in cases {
        let world = World::new();
        world
            .fake
            .on("DescribeQueryDefinitions", page(&listed, None))
            .on(
                "PutQueryDefinition",
                Answer::json(json!({ "queryDefinitionId": "new" })),
            )
            .on(
                "DeleteQueryDefinition",
                Answer::json(json!({ "success": true })),
            );
        let rec = recorded(&world);
        query_definitions::ensure(&world.ctx(), &rec)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let describes = bodies(&world, "DescribeQueryDefinitions");
        assert_eq!(
            describes[0]["queryDefinitionNamePrefix"],
            json!(folder),
            "{what}"
        );
        let puts = bodies(&world, "PutQueryDefinition");
        let mut ids: Vec<Option<&str>> = puts
            .iter()
            .map(|p| p.get("queryDefinitionId").and_then(Value::as_str))
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, put_ids, "{what}");
        for p in &puts {
            // Always sent: a definition without groups would query none.
            assert_eq!(p["logGroupNames"], json!([world.names.log_group]), "{what}");
            let name = p["name"].as_str().expect("a name");
            let q = good.iter().find(|g| g.name == name).expect("wanted");
            assert_eq!(p["queryString"], json!(q.query_string), "{what}");
        }
        let mut gone: Vec<String> = bodies(&world, "DeleteQueryDefinition")
            .iter()
            .map(|d| {
                d["queryDefinitionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        gone.sort_unstable();
        assert_eq!(gone, deleted, "{what}");
        // Puts first, so a responder never finds a query gone.
        let operations = world.fake.operations();
        let last_put = operations.iter().rposition(|o| o == "PutQueryDefinition");
        let first_delete = operations.iter().position(|o| o == "DeleteQueryDefinition");
        if let (Some(p), Some(d)) = (last_put, first_delete) {
            assert!(p < d, "{what}: {operations:?}");
        }
        assert!(rec.snapshot().skipped_queries.is_empty(), "{what}");
    }
}

#[tokio::test]
async fn a_definition_deleted_since_it_was_listed_is_created_anew() {
    let world = World::new();
    let mut listed = in_place(&world);
    listed[0].query_string = "edited".into();
    world
        .fake
        .on("DescribeQueryDefinitions", page(&listed, None))
        .on(
            "PutQueryDefinition",
            Answer::json_error("ResourceNotFoundException", "no such definition"),
        )
        .on(
            "PutQueryDefinition",
            Answer::json(json!({ "queryDefinitionId": "new" })),
        );
    query_definitions::ensure(&world.ctx(), &recorded(&world))
        .await
        .expect("ensured");
    let puts = bodies(&world, "PutQueryDefinition");
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[0]["queryDefinitionId"], json!("q0"));
    assert!(puts[1].get("queryDefinitionId").is_none());
}

#[tokio::test]
async fn find_reads_every_page_and_judges_the_protection() {
    let base = World::new();
    let good = in_place(&base);
    let mut edited = good.clone();
    edited[3].query_string = "fields @timestamp".into();
    // (pages listed, whether the queries are in place)
    let cases: Vec<(Vec<Page>, bool)> = vec![
        (
            vec![(good[..2].to_vec(), Some("t2")), (good[2..].to_vec(), None)],
            true,
        ),
        // A page boundary that repeats a definition is no duplicate.
        (
            vec![(good[..3].to_vec(), Some("t2")), (good[2..].to_vec(), None)],
            true,
        ),
        (vec![(good[..4].to_vec(), None)], false),
        (vec![(edited, None)], false),
        (vec![(vec![], None)], false),
    ];
    for (pages, holds) in cases {
        let world = World::new();
        for (listed, next) in &pages {
            world
                .fake
                .on("DescribeQueryDefinitions", page(listed, *next));
        }
        let observed = recorded(&world).snapshot();
        let found = query_definitions::find(&world.ctx(), &observed)
            .await
            .expect("listed");
        assert_eq!(found.in_place, holds, "{pages:?}");
        let describes = bodies(&world, "DescribeQueryDefinitions");
        assert_eq!(describes.len(), pages.len());
        if pages.len() > 1 {
            assert_eq!(describes[1]["nextToken"], json!("t2"));
        }
    }
}

#[tokio::test]
async fn delete_removes_every_definition_in_the_folder_and_none_is_done() {
    let base = World::new();
    let good = in_place(&base);
    // (what is listed, the deletes made)
    let cases: Vec<(Vec<Listed>, usize)> = vec![(vec![], 0), (good.clone(), 5)];
    for (listed, deletes) in cases {
        let world = World::new();
        world
            .fake
            .on("DescribeQueryDefinitions", page(&listed, None))
            .on(
                "DeleteQueryDefinition",
                Answer::json_error("ResourceNotFoundException", "already gone"),
            );
        query_definitions::delete(&world.ctx())
            .await
            .expect("deleted");
        assert_eq!(world.fake.count("DeleteQueryDefinition"), deletes);
    }
}

#[tokio::test]
async fn a_query_over_the_limit_is_skipped_with_a_warning() {
    let mut spec = crate::terraform::desired::example_spec("audit");
    // Enough allowed roles that the read queries pass 10 000 characters.
    spec.allowed_principals = (0..400)
        .map(|i| format!("arn:aws:iam::111122223333:role/service-role/payments-api-{i:03}-prod"))
        .collect();
    let world = World::with_spec(spec);
    let wanted = query_definitions::wanted(&world.ctx(), Some(&world.key_arn()));
    assert!(!wanted.skipped.is_empty());
    assert!(
        wanted.skipped.iter().all(|s| s.contains("10000")),
        "{:?}",
        wanted.skipped
    );
    assert_eq!(wanted.queries.len() + wanted.skipped.len(), 5);
    world
        .fake
        .on("DescribeQueryDefinitions", page(&[], None))
        .on(
            "PutQueryDefinition",
            Answer::json(json!({ "queryDefinitionId": "new" })),
        );
    let rec = recorded(&world);
    query_definitions::ensure(&world.ctx(), &rec)
        .await
        .expect("ensured");
    assert_eq!(world.fake.count("PutQueryDefinition"), wanted.queries.len());
    assert_eq!(rec.snapshot().skipped_queries, wanted.skipped);
}
