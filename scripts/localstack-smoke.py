#!/usr/bin/env python3
"""Smoke test of the LocalStack that scripts/localstack.sh runs.

Creates the resources the secretmonitor provider works with, exercises the
CloudTrail API (served by localstack-extension/) end to end, and cleans up.
Exits non-zero on the first failure.

    scripts/localstack.sh start
    .tools/localstack-venv/bin/python scripts/localstack-smoke.py

Endpoint: $AWS_ENDPOINT_URL, default http://127.0.0.1:4566.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable

from botocore.exceptions import ClientError
from smoke_lib import ENDPOINT, REGION, check, client, on_cleanup, run_cleanups


SUFFIX = uuid.uuid4().hex[:8]




def expect_error(code: str, fn: Callable[[], object], what: str) -> None:
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, f"{what} -> {code} (got {got})")
        return
    raise AssertionError(f"{what}: expected {code}, call succeeded")



def main() -> None:
    kms, s3, logs = client("kms"), client("s3"), client("logs")
    iam, sns, sqs, ct = client("iam"), client("sns"), client("sqs"), client("cloudtrail")
    sts = client("sts")
    account = sts.get_caller_identity()["Account"]
    print(f"LocalStack at {ENDPOINT}, account {account}")

    print("supporting resources")
    owner_tag = {"TagKey": "secretmonitor:pipeline", "TagValue": f"smoke-{SUFFIX}"}
    key = kms.create_key(Description=f"smoke {SUFFIX}", Tags=[owner_tag])["KeyMetadata"]
    key_id, key_arn = key["KeyId"], key["Arn"]
    on_cleanup("kms key", lambda: kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7))
    check(key_arn.startswith("arn:aws:kms:"), "KMS key created")
    tagged = client("resourcegroupstaggingapi").get_resources(
        ResourceTypeFilters=["kms:key"],
        TagFilters=[{"Key": owner_tag["TagKey"], "Values": [owner_tag["TagValue"]]}],
    )["ResourceTagMappingList"]
    check([m["ResourceARN"] for m in tagged] == [key_arn],
          "Tagging API GetResources lists the KMS key by its tag (and no other)")

    bucket = f"smoke-trail-{SUFFIX}"
    s3.create_bucket(Bucket=bucket)
    on_cleanup("s3 bucket", lambda: delete_bucket(s3, bucket))
    check(bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]], "S3 bucket created")

    group = f"/smoke/trail-{SUFFIX}"
    logs.create_log_group(logGroupName=group)
    on_cleanup("log group", lambda: logs.delete_log_group(logGroupName=group))
    group_arn = next(
        g["arn"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        if g["logGroupName"] == group
    )
    check(group_arn.endswith(":*"), "log group created")

    role = f"smoke-trail-{SUFFIX}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    }
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    on_cleanup("iam role", lambda: iam.delete_role(RoleName=role))
    check(":role/" in role_arn, "IAM role created")

    topic_arn = sns.create_topic(Name=f"smoke-{SUFFIX}")["TopicArn"]
    on_cleanup("sns topic", lambda: sns.delete_topic(TopicArn=topic_arn))
    check(topic_arn.startswith("arn:aws:sns:"), "SNS topic created")

    queue_url = sqs.create_queue(QueueName=f"smoke-{SUFFIX}")["QueueUrl"]
    on_cleanup("sqs queue", lambda: sqs.delete_queue(QueueUrl=queue_url))
    check(bool(queue_url), "SQS queue created")

    print("cloudtrail")
    name = f"smoke-trail-{SUFFIX}"
    other = f"smoke-other-{SUFFIX}"

    expect_error(
        "S3BucketDoesNotExistException",
        lambda: ct.create_trail(Name=name, S3BucketName=f"no-such-bucket-{SUFFIX}"),
        "CreateTrail with a missing bucket",
    )
    expect_error(
        "KmsKeyNotFoundException",
        lambda: ct.create_trail(Name=name, S3BucketName=bucket, KmsKeyId=str(uuid.uuid4())),
        "CreateTrail with a missing KMS key",
    )

    created = ct.create_trail(
        Name=name,
        S3BucketName=bucket,
        S3KeyPrefix="trail",
        KmsKeyId=key_id,  # AWS reports the ARN back whatever form is given
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role_arn,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        IsOrganizationTrail=False,
        TagsList=[{"Key": "owner", "Value": "smoke"}],
    )
    trail_arn = created["TrailARN"]
    on_cleanup("trail", lambda: delete_trail_if_exists(ct, trail_arn))
    check(trail_arn == f"arn:aws:cloudtrail:{REGION}:{account}:trail/{name}", "CreateTrail returns the ARN")
    check(created["KmsKeyId"] == key_arn, "CreateTrail reports KmsKeyId as the key ARN")
    check(created["IsMultiRegionTrail"] and created["LogFileValidationEnabled"], "multi-region, log validation")
    check(created["CloudWatchLogsLogGroupArn"] == group_arn, "log group ARN kept")
    check(created["CloudWatchLogsRoleArn"] == role_arn, "role ARN kept")

    ct.create_trail(Name=other, S3BucketName=bucket)
    on_cleanup("other trail", lambda: ct.delete_trail(Name=other))

    trail = ct.get_trail(Name=trail_arn)["Trail"]
    check(trail["Name"] == name and trail["S3KeyPrefix"] == "trail", "GetTrail by ARN")

    ct.start_logging(Name=trail_arn)
    check(ct.get_trail_status(Name=name)["IsLogging"] is True, "StartLogging by ARN -> IsLogging true")
    ct.stop_logging(Name=name)
    check(ct.get_trail_status(Name=trail_arn)["IsLogging"] is False, "StopLogging by name -> IsLogging false")
    expect_error(
        "TrailNotFoundException",
        lambda: ct.start_logging(Name=f"arn:aws:cloudtrail:{REGION}:{account}:trail/nope-{SUFFIX}"),
        "StartLogging of an unknown ARN",
    )

    listed = ct.describe_trails(trailNameList=[trail_arn])["trailList"]
    check([t["TrailARN"] for t in listed] == [trail_arn], "DescribeTrails(trailNameList=[ARN]) returns only it")
    listed = ct.describe_trails(trailNameList=[other])["trailList"]
    check([t["Name"] for t in listed] == [other], "DescribeTrails(trailNameList=[name]) returns only it")
    names = {t["Name"] for t in ct.describe_trails()["trailList"]}
    check({name, other} <= names, "DescribeTrails without a list returns all")

    default = ct.get_event_selectors(TrailName=name)
    check([(s["ReadWriteType"], s["IncludeManagementEvents"]) for s in default["EventSelectors"]] == [("All", True)]
          and not default.get("AdvancedEventSelectors"),
          "a trail never given selectors shows AWS's default (all management events)")
    selectors = [{
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bucket}/"]}],
    }]
    ct.put_event_selectors(TrailName=trail_arn, EventSelectors=selectors)
    got = ct.get_event_selectors(TrailName=name)
    check(got["EventSelectors"][0]["ReadWriteType"] == "All", "Put/GetEventSelectors")
    check(got["EventSelectors"][0]["DataResources"][0]["Type"] == "AWS::S3::Object", "data resources kept")
    check(ct.get_trail(Name=name)["Trail"]["HasCustomEventSelectors"] is True, "HasCustomEventSelectors")

    updated = ct.update_trail(Name=trail_arn, EnableLogFileValidation=False, S3KeyPrefix="changed")
    check(updated["LogFileValidationEnabled"] is False and updated["S3KeyPrefix"] == "changed", "UpdateTrail")
    trail = ct.get_trail(Name=name)["Trail"]
    check(trail["LogFileValidationEnabled"] is False and trail["KmsKeyId"] == key_arn, "UpdateTrail persisted")
    expect_error(
        "S3BucketDoesNotExistException",
        lambda: ct.update_trail(Name=name, S3BucketName=f"no-such-bucket-{SUFFIX}"),
        "UpdateTrail to a missing bucket",
    )

    ct.add_tags(ResourceId=trail_arn, TagsList=[{"Key": "env", "Value": "test"}])
    tags = ct.list_tags(ResourceIdList=[trail_arn])["ResourceTagList"][0]["TagsList"]
    check({t["Key"]: t["Value"] for t in tags} == {"owner": "smoke", "env": "test"}, "AddTags/ListTags")
    ct.remove_tags(ResourceId=trail_arn, TagsList=[{"Key": "owner", "Value": "smoke"}])
    tags = ct.list_tags(ResourceIdList=[trail_arn])["ResourceTagList"][0]["TagsList"]
    check([t["Key"] for t in tags] == ["env"], "RemoveTags")

    ct.delete_trail(Name=trail_arn)
    expect_error("TrailNotFoundException", lambda: ct.get_trail(Name=name), "GetTrail after DeleteTrail by ARN")
    expect_error("TrailNotFoundException", lambda: ct.delete_trail(Name=name), "DeleteTrail of a deleted trail")

    saved_queries(logs)


def saved_queries(logs) -> None:
    """PutQueryDefinition / DescribeQueryDefinitions / DeleteQueryDefinition,
    served by localstack-extension/ (query_definitions.py)."""
    print("saved Logs Insights queries")
    folder = f"secretmonitor/smoke-{SUFFIX}/"
    ids = []

    def forget(definition_id):
        try:
            logs.delete_query_definition(queryDefinitionId=definition_id)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise

    for q in ("a", "b", "c"):
        ids.append(logs.put_query_definition(name=f"{folder}{q}", queryString=f"fields @timestamp | limit {len(ids) + 1}",
                                             logGroupNames=["/smoke/group"])["queryDefinitionId"])
        on_cleanup(f"query {q}", lambda i=ids[-1]: forget(i))
    other = logs.put_query_definition(name=f"other-{SUFFIX}", queryString="fields @message")["queryDefinitionId"]
    on_cleanup("query other", lambda: forget(other))
    listed = logs.describe_query_definitions(queryDefinitionNamePrefix=folder)["queryDefinitions"]
    check(sorted(d["queryDefinitionId"] for d in listed) == sorted(ids), "DescribeQueryDefinitions by prefix")
    check(all(d["logGroupNames"] == ["/smoke/group"] for d in listed), "logGroupNames kept")
    first = logs.describe_query_definitions(queryDefinitionNamePrefix=folder, maxResults=2)
    rest = logs.describe_query_definitions(queryDefinitionNamePrefix=folder, nextToken=first["nextToken"])
    check(len(first["queryDefinitions"]) == 2 and len(rest["queryDefinitions"]) == 1 and "nextToken" not in rest,
          "DescribeQueryDefinitions pages with maxResults/nextToken")
    same = logs.put_query_definition(queryDefinitionId=ids[0], name=f"{folder}a", queryString="fields @message",
                                     logGroupNames=["/smoke/other"])["queryDefinitionId"]
    updated = [d for d in logs.describe_query_definitions(queryDefinitionNamePrefix=f"{folder}a")["queryDefinitions"]]
    check(same == ids[0] and len(updated) == 1 and updated[0]["queryString"] == "fields @message"
          and updated[0]["logGroupNames"] == ["/smoke/other"], "PutQueryDefinition by ID updates in place")
    expect_error("ResourceNotFoundException",
                 lambda: logs.put_query_definition(queryDefinitionId=str(uuid.uuid4()), name="x", queryString="x"),
                 "PutQueryDefinition with an unknown ID")
    check(logs.delete_query_definition(queryDefinitionId=ids[1])["success"] is True, "DeleteQueryDefinition")
    expect_error("ResourceNotFoundException", lambda: logs.delete_query_definition(queryDefinitionId=ids[1]),
                 "DeleteQueryDefinition of a deleted definition")
    left = logs.describe_query_definitions(queryDefinitionNamePrefix=folder)["queryDefinitions"]
    check(sorted(d["queryDefinitionId"] for d in left) == sorted([ids[0], ids[2]]), "deleted one is gone")


def delete_trail_if_exists(ct, name_or_arn: str) -> None:
    try:
        ct.delete_trail(Name=name_or_arn)
    except ClientError as e:
        if e.response["Error"]["Code"] != "TrailNotFoundException":
            raise


def delete_bucket(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for obj in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"], VersionId=obj["VersionId"])
    s3.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    started = time.monotonic()
    try:
        main()
    except Exception as e:
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        print("cleaning up")
        run_cleanups()
        sys.exit(1)
    print("cleaning up")
    if not run_cleanups():
        sys.exit(1)
    print(f"smoke test passed ({time.monotonic() - started:.1f}s)")
