use super::World;
use crate::aws::fake_http::Answer;
use crate::components::{archive, Deleted};

/// ListObjectVersions' document for a bucket holding `keys` (one version each).
fn versions(bucket: &str, keys: &[&str]) -> Answer {
    let listed: String = keys
        .iter()
        .map(|key| {
            format!(
                "<Version><Key>{key}</Key><VersionId>v1-{key}</VersionId><IsLatest>true</IsLatest>\
                 <LastModified>2026-12-01T09:00:00.000Z</LastModified><ETag>\"etag\"</ETag>\
                 <Size>1024</Size><StorageClass>STANDARD</StorageClass></Version>"
            )
        })
        .collect();
    Answer::s3(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <Name>{bucket}</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>\
         <MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{listed}</ListVersionsResult>"
    ))
}

const LOG_FILE: &str = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/01/log.json.gz";

#[tokio::test]
async fn a_bucket_holding_audit_logs_is_kept_unless_force_destroy() {
    // (force_destroy, objects in the bucket, kept, DeleteObjects calls)
    let cases = [
        (false, vec![LOG_FILE], true, 0),
        (false, vec![], false, 0),
        (true, vec![LOG_FILE], false, 1),
    ];
    for (force_destroy, objects, kept, deletes) in cases {
        let mut world = World::new();
        world.spec.archive.force_destroy = force_destroy;
        let bucket = world.names.bucket.clone();
        world
            .fake
            .on("ListObjectVersions", versions(&bucket, &objects))
            .on("ListObjectVersions", versions(&bucket, &[]))
            .on(
                "DeleteObjects",
                Answer::s3(
                    "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></DeleteResult>",
                ),
            )
            .on("DeleteBucket", Answer::raw(204, "application/xml", ""));
        let deleted = archive::delete(&world.ctx(), &bucket).await;
        let case = format!("force_destroy {force_destroy}, {objects:?}");
        let deleted = deleted.unwrap_or_else(|err| panic!("{case}: {err}"));
        assert_eq!(matches!(deleted, Deleted::Kept { .. }), kept, "{case}");
        assert_eq!(world.fake.count("DeleteObjects"), deletes, "{case}");
        assert_eq!(
            world.fake.count("DeleteBucket"),
            usize::from(!kept),
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_bucket_already_gone_is_deleted_and_other_refusals_are_errors() {
    // (ListObjectVersions' status and code, whether delete is done)
    let cases = [(404, "NoSuchBucket", true), (403, "AccessDenied", false)];
    for (status, code, done) in cases {
        let world = World::new();
        world.fake.on(
            "ListObjectVersions",
            Answer::s3_error(status, code, "from the test"),
        );
        let deleted = archive::delete(&world.ctx(), &world.names.bucket).await;
        assert_eq!(
            matches!(deleted, Ok(Deleted::Done)),
            done,
            "{code}: {deleted:?}"
        );
    }
}
