use serde_json::json;

use super::World;
use crate::aws::fake_http::Answer;
use crate::components::{key, Ctx, Observed, Recorder};
use crate::engine::Usable;

fn described(arn: &str, state: &str) -> Answer {
    let id = arn.rsplit('/').next().unwrap_or(arn);
    Answer::json(json!({ "KeyMetadata": {
        "KeyId": id,
        "Arn": arn,
        "KeyState": state,
        "Enabled": state == "Enabled",
        "AWSAccountId": super::ACCOUNT,
    }}))
}

/// The key's ensure as apply runs it: after the look-up sent with the
/// account's.
async fn ensure_after_lookup(
    world: &World,
    recorded: Observed,
) -> (Result<(), crate::aws::AwsError>, Recorder) {
    let lookup = key::Lookup::start(&world.clients, &world.spec, &recorded).await;
    let recorder = Recorder::new(recorded);
    let (usable, _signal) = Usable::new();
    let ctx = Ctx {
        key_lookup: lookup.as_ref(),
        ..world.ctx()
    };
    let ensured = key::ensure(&ctx, &recorder, usable).await;
    (ensured, recorder)
}

#[tokio::test]
async fn a_recorded_key_pending_deletion_is_rescued_and_a_retired_one_replaced() {
    // (looked up by the recorded ARN, whether the pending key is rescued)
    let cases = [(true, true), (false, false)];
    for (by_recorded_arn, rescued) in cases {
        let world = World::new();
        let pending = world.key_arn();
        let new_key = format!(
            "arn:aws:kms:{}:{}:key/0000aaaa-00aa-00aa-00aa-000000000000",
            super::REGION,
            super::ACCOUNT
        );
        world
            .fake
            .on("DescribeKey", described(&pending, "PendingDeletion"))
            // The alias went with the retired key.
            .on(
                "DescribeKey",
                Answer::json_error("NotFoundException", "Alias is not found."),
            )
            // Looked up beside the alias; no key is tagged without one here.
            .on(
                "GetResources",
                Answer::json(json!({ "ResourceTagMappingList": [], "PaginationToken": "" })),
            )
            .on(
                "CancelKeyDeletion",
                Answer::json(json!({ "KeyId": pending })),
            )
            .on("EnableKey", Answer::json(json!({})))
            .on("PutKeyPolicy", Answer::json(json!({})))
            .on("CreateKey", described(&new_key, "Enabled"))
            .on("CreateAlias", Answer::json(json!({})))
            .on("EnableKeyRotation", Answer::json(json!({})));
        let recorded = Observed {
            kms_key_arn: by_recorded_arn.then(|| pending.clone()),
            ..Observed::default()
        };
        let (ensured, recorder) = ensure_after_lookup(&world, recorded).await;
        assert!(ensured.is_ok(), "{by_recorded_arn}: {ensured:?}");
        let (cancels, creates, kept) = if rescued {
            (1, 0, pending.clone())
        } else {
            (0, 1, new_key.clone())
        };
        let operations = world.fake.operations();
        assert_eq!(
            world.fake.count("CancelKeyDeletion"),
            cancels,
            "{operations:?}"
        );
        assert_eq!(world.fake.count("EnableKey"), cancels, "{operations:?}");
        assert_eq!(world.fake.count("CreateKey"), creates, "{operations:?}");
        assert_eq!(world.fake.count("CreateAlias"), 1, "{operations:?}");
        assert_eq!(recorder.snapshot().kms_key_arn, Some(kept));
    }
}

#[tokio::test]
async fn delete_is_done_for_a_key_already_gone_or_pending_deletion() {
    // (ScheduleKeyDeletion's error code, whether delete counts as done)
    let cases = [
        ("NotFoundException", true),
        ("KMSInvalidStateException", true),
        ("ResourceNotFoundException", false),
        ("AccessDeniedException", false),
    ];
    for (code, done) in cases {
        let world = World::new();
        world
            .fake
            .on(
                "DeleteAlias",
                Answer::json_error("NotFoundException", "Alias is not found."),
            )
            .on(
                "ScheduleKeyDeletion",
                Answer::json_error(code, "from the test"),
            );
        let deleted = key::delete(&world.ctx(), &world.key_arn()).await;
        assert_eq!(deleted.is_ok(), done, "{code}: {deleted:?}");
    }
}

#[tokio::test]
async fn a_key_whose_alias_was_never_made_is_found_by_its_owner_tag() {
    // (state of the key tagged with the pipeline's name, if any; whether it is adopted)
    let cases = [
        (None, false),
        (Some("Enabled"), true),
        (Some("Disabled"), true),
        (Some("PendingDeletion"), false),
    ];
    for (tagged_state, adopted) in cases {
        let world = World::new();
        let orphan = world.key_arn();
        let new_key = format!(
            "arn:aws:kms:{}:{}:key/0000bbbb-00bb-00bb-00bb-000000000000",
            super::REGION,
            super::ACCOUNT
        );
        let tagged: Vec<_> = tagged_state
            .map(|_| json!({ "ResourceARN": orphan, "Tags": [] }))
            .into_iter()
            .collect();
        world
            .fake
            .on(
                "DescribeKey",
                Answer::json_error("NotFoundException", "Alias is not found."),
            )
            .on(
                "DescribeKey",
                described(&orphan, tagged_state.unwrap_or("Enabled")),
            )
            .on(
                "GetResources",
                Answer::json(json!({ "ResourceTagMappingList": tagged, "PaginationToken": "" })),
            )
            .on("EnableKey", Answer::json(json!({})))
            .on("PutKeyPolicy", Answer::json(json!({})))
            .on("CreateKey", described(&new_key, "Enabled"))
            .on("CreateAlias", Answer::json(json!({})))
            .on("EnableKeyRotation", Answer::json(json!({})));
        let recorded = Observed::default();
        let (ensured, recorder) = ensure_after_lookup(&world, recorded).await;
        let calls = world.fake.calls();
        let operations = world.fake.operations();
        assert!(ensured.is_ok(), "{tagged_state:?}: {ensured:?}");
        let lookups = calls.iter().filter(|c| c.operation == "GetResources");
        assert!(
            lookups.clone().count() == 1
                && lookups
                    .clone()
                    .all(|c| c.body.contains("secretmonitor:pipeline")
                        && c.body.contains("kms:key")
                        && c.body.contains(&world.spec.name)),
            "{tagged_state:?}: one tag look-up of this pipeline's keys: {calls:?}"
        );
        assert_eq!(
            world.fake.count("CreateKey"),
            usize::from(!adopted),
            "{tagged_state:?}: {operations:?}"
        );
        assert_eq!(
            world.fake.count("CreateAlias"),
            1,
            "{tagged_state:?}: {operations:?}"
        );
        let enables = usize::from(tagged_state == Some("Disabled"));
        assert_eq!(
            world.fake.count("EnableKey"),
            enables,
            "{tagged_state:?}: {operations:?}"
        );
        let kept = if adopted { orphan } else { new_key };
        assert_eq!(
            recorder.snapshot().kms_key_arn,
            Some(kept),
            "{tagged_state:?}"
        );
        if !adopted {
            let create = calls.iter().find(|c| c.operation == "CreateKey");
            assert!(
                create.is_some_and(|c| c.body.contains("secretmonitor:pipeline")),
                "{tagged_state:?}: a new key carries its owner tag: {create:?}"
            );
        }
    }
}
