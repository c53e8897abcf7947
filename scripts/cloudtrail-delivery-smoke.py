#!/usr/bin/env python3
"""Smoke test of the CloudTrail delivery emulated by localstack-extension/.

Against a running LocalStack (scripts/localstack.sh start) it checks that API
calls become CloudTrail records with the caller's userIdentity (account root,
assumed role with a path, IAM user) and errorCode, that they reach a logging
trail's CloudWatch Logs group within a few seconds (honouring the trail's
event selectors), that EventBridge rules receive them by AWS's rule-state rules
(read-only events only with ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS),
that a stopped trail delivers nothing, that secret values never appear in a
record, and that metric filters count only their own log group's events.

    scripts/localstack.sh start
    .tools/localstack-venv/bin/python scripts/cloudtrail-delivery-smoke.py

Endpoint: $AWS_ENDPOINT_URL, default http://127.0.0.1:4566.

Metric filters: if the emulator reports a pattern evaluator
(GET /_secretmonitor/status), exact counts are expected; otherwise filters
with a pattern must count nothing. Either way a filter on another log group
must count nothing. Exits non-zero on the first failure.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Callable

import boto3
from botocore.exceptions import ClientError
from smoke_lib import ENDPOINT, REGION, check, client, emulator_status, on_cleanup, run_cleanups


SUFFIX = uuid.uuid4().hex[:8]
DELIVERY_BOUND = 5.0  # seconds a record may take to arrive
SILENCE_WAIT = 2.0  # seconds to wait before concluding nothing arrives
SECRET_VALUE = f"smoke-secret-value-{SUFFIX}"
# Asked of the emulator rather than assumed: with its evaluator filters count
# exactly, without it a filter with a pattern must count nothing.
WITH_EVALUATOR = bool(emulator_status().get("pattern_evaluator"))





def records(logs, group: str) -> list[dict]:
    out = []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
        out += [json.loads(e["message"]) for e in page["events"]]
    return out


def wait_for(fetch: Callable[[], list[dict]], pred: Callable[[dict], bool], what: str) -> dict:
    deadline = time.monotonic() + DELIVERY_BOUND
    started = time.monotonic()
    while True:
        found = [r for r in fetch() if pred(r)]
        if found:
            print(f"  ok: {what} (arrived within {time.monotonic() - started:.1f}s)")
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: nothing arrived within {DELIVERY_BOUND}s")
        time.sleep(0.2)


def stays_silent(fetch: Callable[[], list[dict]], pred: Callable[[dict], bool], what: str) -> None:
    time.sleep(SILENCE_WAIT)
    found = [r for r in fetch() if pred(r)]
    check(not found, f"{what} (nothing after {SILENCE_WAIT}s)")


def secret_id(r: dict) -> str | None:
    return (r.get("requestParameters") or {}).get("secretId")


class Queue:
    """An SQS queue receiving an EventBridge rule's events."""

    def __init__(self, sqs, url: str):
        self.sqs, self.url, self.seen = sqs, url, []

    def fetch(self) -> list[dict]:
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        for m in got.get("Messages", []):
            self.seen.append(json.loads(m["Body"]))
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return self.seen


def main() -> None:
    sts, logs, ct, sm = client("sts"), client("logs"), client("cloudtrail"), client("secretsmanager")
    s3, iam, sqs, events, cw = client("s3"), client("iam"), client("sqs"), client("events"), client("cloudwatch")
    account = sts.get_caller_identity()["Account"]
    print(f"LocalStack at {ENDPOINT}, account {account}, evaluator expected: {WITH_EVALUATOR}")

    print("trail")
    group = f"/smoke/cloudtrail-{SUFFIX}"
    logs.create_log_group(logGroupName=group)
    on_cleanup("log group", lambda: logs.delete_log_group(logGroupName=group))
    group_arn = next(
        g["arn"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] if g["logGroupName"] == group
    )
    other_group = f"/smoke/unrelated-{SUFFIX}"
    logs.create_log_group(logGroupName=other_group)
    on_cleanup("other log group", lambda: logs.delete_log_group(logGroupName=other_group))

    bucket = f"smoke-ct-{SUFFIX}"
    s3.create_bucket(Bucket=bucket)
    on_cleanup("bucket", lambda: s3.delete_bucket(Bucket=bucket))

    ct_role = f"smoke-ct-logs-{SUFFIX}"
    trust_ct = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    ct_role_arn = iam.create_role(RoleName=ct_role, AssumeRolePolicyDocument=json.dumps(trust_ct))["Role"]["Arn"]
    on_cleanup("cloudtrail role", lambda: iam.delete_role(RoleName=ct_role))

    # Metric filters: one on the trail's group, one on an unrelated group.
    namespace = f"Smoke/{SUFFIX}"
    pattern = '{ ($.eventSource = "secretsmanager.amazonaws.com") && ($.eventName = "GetSecretValue") }'
    for g, metric in ((group, "Reads"), (other_group, "UnrelatedReads")):
        logs.put_metric_filter(
            logGroupName=g, filterName=f"reads-{SUFFIX}", filterPattern=pattern,
            metricTransformations=[{"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}],
        )

    trail = f"smoke-ct-{SUFFIX}"
    trail_arn = ct.create_trail(
        Name=trail, S3BucketName=bucket, CloudWatchLogsLogGroupArn=group_arn, CloudWatchLogsRoleArn=ct_role_arn,
        IsMultiRegionTrail=True,
    )["TrailARN"]
    on_cleanup("trail", lambda: ct.delete_trail(Name=trail_arn))
    ct.start_logging(Name=trail)
    in_group = lambda: records(logs, group)  # noqa: E731
    wait_for(in_group, lambda r: r["eventName"] == "StartLogging", "StartLogging is logged by the trail it starts")

    print("eventbridge rules")
    queues = {}
    for state in ("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "ENABLED", "DISABLED"):
        name = f"smoke-ct-{state.lower().replace('_', '-')[:20]}-{SUFFIX}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        on_cleanup(f"queue {name}", lambda url=url: sqs.delete_queue(QueueUrl=url))
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(
            Name=name, State=state,
            EventPattern=json.dumps({
                "source": ["aws.secretsmanager"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventSource": ["secretsmanager.amazonaws.com"]},
            }),
        )
        on_cleanup(f"rule {name}", lambda name=name: events.delete_rule(Name=name))
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn}])
        on_cleanup(f"targets {name}", lambda name=name: events.remove_targets(Rule=name, Ids=["q"]))
        check(events.describe_rule(Name=name)["State"] == state, f"rule in state {state}")
        queues[state] = Queue(sqs, url)

    print("secret and callers")
    secret = f"smoke/ct-{SUFFIX}"
    secret_arn = sm.create_secret(Name=secret, SecretString=SECRET_VALUE)["ARN"]
    on_cleanup("secret", lambda: sm.delete_secret(SecretId=secret_arn, ForceDeleteWithoutRecovery=True))

    reader_role, path = f"smoke-reader-{SUFFIX}", "/smoke/apps/"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    reader_role_arn = iam.create_role(
        RoleName=reader_role, Path=path, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    on_cleanup("reader role", lambda: iam.delete_role(RoleName=reader_role))
    session = f"smoke-session-{SUFFIX}"
    creds = sts.assume_role(RoleArn=reader_role_arn, RoleSessionName=session)["Credentials"]
    as_role = client("secretsmanager", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])

    user = f"smoke-user-{SUFFIX}"
    iam.create_user(UserName=user)
    on_cleanup("user", lambda: iam.delete_user(UserName=user))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    on_cleanup("access key", lambda: iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"]))
    as_user = client("secretsmanager", key["AccessKeyId"], key["SecretAccessKey"])

    print("reads")
    t0 = time.monotonic()
    check(sm.get_secret_value(SecretId=secret)["SecretString"] == SECRET_VALUE, "GetSecretValue as the account root")
    as_role.get_secret_value(SecretId=secret_arn)
    check(True, "GetSecretValue by ARN as the assumed role")
    as_user.get_secret_value(SecretId=secret)
    check(True, "GetSecretValue as the IAM user")
    missing = f"smoke/missing-{SUFFIX}"
    try:
        sm.get_secret_value(SecretId=missing)
        raise AssertionError("GetSecretValue of a missing secret succeeded")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ResourceNotFoundException", "missing secret -> ResourceNotFoundException")

    print("records in the trail's log group")
    root_read = wait_for(
        in_group,
        lambda r: r["eventName"] == "GetSecretValue" and secret_id(r) == secret and r["userIdentity"]["type"] == "Root",
        "root's GetSecretValue",
    )
    print(f"  (first read delivered {time.monotonic() - t0:.2f}s after the call)")
    ui = root_read["userIdentity"]
    check(ui["arn"] == f"arn:aws:iam::{account}:root" and ui["accountId"] == account, "root userIdentity arn/accountId")
    check(root_read["eventSource"] == "secretsmanager.amazonaws.com" and root_read["awsRegion"] == REGION, "eventSource, awsRegion")
    check(root_read["readOnly"] is True and root_read["responseElements"] is None, "readOnly true, responseElements null")
    check(root_read["requestParameters"] == {"secretId": secret}, "requestParameters == {secretId: <as given>}")
    check(root_read["eventType"] == "AwsApiCall" and root_read["managementEvent"] is True
          and root_read["eventCategory"] == "Management" and root_read["recipientAccountId"] == account
          and root_read["eventVersion"] == "1.08", "eventType, managementEvent, eventCategory, recipientAccountId, eventVersion")
    check(bool(root_read["eventID"]) and bool(root_read["requestID"]) and "errorCode" not in root_read, "eventID, requestID, no errorCode")

    role_read = wait_for(in_group, lambda r: r["eventName"] == "GetSecretValue" and secret_id(r) == secret_arn,
                         "assumed role's GetSecretValue")
    ui = role_read["userIdentity"]
    check(ui["type"] == "AssumedRole", f"type AssumedRole (got {ui['type']})")
    check(ui["arn"] == f"arn:aws:sts::{account}:assumed-role/{reader_role}/{session}", f"assumed-role ARN ({ui['arn']})")
    check(ui["accessKeyId"] == creds["AccessKeyId"], "accessKeyId is the temporary key")
    issuer = ui["sessionContext"]["sessionIssuer"]
    check(issuer == {**issuer, "type": "Role", "arn": reader_role_arn, "userName": reader_role, "accountId": account},
          f"sessionIssuer is the role with its path ({issuer['arn']})")
    check(reader_role_arn == f"arn:aws:iam::{account}:role{path}{reader_role}", "role ARN has the path")
    check(ui["principalId"].endswith(f":{session}") and ui["principalId"].startswith(issuer["principalId"]),
          "principalId = roleId:session")

    user_read = wait_for(in_group, lambda r: r["eventName"] == "GetSecretValue" and r["userIdentity"]["type"] == "IAMUser",
                         "IAM user's GetSecretValue")
    ui = user_read["userIdentity"]
    check(ui["arn"] == f"arn:aws:iam::{account}:user/{user}" and ui["userName"] == user
          and ui["accessKeyId"] == key["AccessKeyId"], "IAM user identity")

    failed = wait_for(in_group, lambda r: secret_id(r) == missing, "failed GetSecretValue")
    check(failed.get("errorCode") == "ResourceNotFoundException" and bool(failed.get("errorMessage")),
          "errorCode ResourceNotFoundException, errorMessage")

    created = wait_for(in_group, lambda r: r["eventName"] == "CreateSecret", "CreateSecret (a write)")
    check(created["readOnly"] is False and created["requestParameters"]["name"] == secret, "CreateSecret readOnly false")
    check((created["responseElements"] or {}).get("arn") == secret_arn, "CreateSecret responseElements.arn")
    everything = json.dumps(in_group())
    check(SECRET_VALUE not in everything, "the secret's value appears in no record")
    check(all(r["eventName"] != "PutLogEvents" for r in in_group()), "delivery's own PutLogEvents is not recorded")

    print("regions")
    other_region = "eu-west-1"
    sm_eu = boto3.client("secretsmanager", endpoint_url=ENDPOINT, region_name=other_region)
    in_eu = f"smoke/in-{other_region}-{SUFFIX}"
    try:
        sm_eu.get_secret_value(SecretId=in_eu)
    except ClientError:
        pass
    eu = wait_for(in_group, lambda r: secret_id(r) == in_eu, f"multi-region trail logs a call in {other_region}")
    check(eu["awsRegion"] == other_region, f"awsRegion {other_region}")
    streams = {s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]}
    check(f"{account}_CloudTrail_{other_region}" in streams and f"{account}_CloudTrail_{REGION}" in streams,
          "one stream per region: ACCOUNT_CloudTrail_REGION")
    ct.update_trail(Name=trail, IsMultiRegionTrail=False)
    in_eu_single = f"smoke/in-{other_region}-single-{SUFFIX}"
    try:
        sm_eu.get_secret_value(SecretId=in_eu_single)
    except ClientError:
        pass
    stays_silent(in_group, lambda r: secret_id(r) == in_eu_single, f"single-region trail does not log {other_region}")
    ct.update_trail(Name=trail, IsMultiRegionTrail=True)

    print("eventbridge")
    read_event = wait_for(
        queues["ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"].fetch,
        lambda e: e["detail"]["eventName"] == "GetSecretValue" and e["detail"]["userIdentity"]["type"] == "AssumedRole",
        "rule ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS receives the assumed role's read",
    )
    check(read_event["source"] == "aws.secretsmanager" and read_event["detail-type"] == "AWS API Call via CloudTrail"
          and read_event["account"] == account and read_event["region"] == REGION, "event source, detail-type, account, region")
    check(read_event["detail"]["requestParameters"] == {"secretId": secret_arn}, "event detail is the record")
    wait_for(queues["ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"].fetch,
             lambda e: e["detail"]["eventName"] == "CreateSecret", "... and the write (CreateSecret)")
    wait_for(queues["ENABLED"].fetch, lambda e: e["detail"]["eventName"] == "CreateSecret",
             "rule ENABLED receives the write (CreateSecret)")
    check(not [e for e in queues["ENABLED"].fetch() if e["detail"]["readOnly"]], "rule ENABLED receives no read-only event")
    check(not queues["DISABLED"].fetch(), "rule DISABLED receives nothing")

    print("metric filters")
    time.sleep(1.0)  # PutMetricData happens within the delivery's PutLogEvents
    def metric_sum(metric: str) -> float:
        now = dt.datetime.now(dt.UTC)
        points = cw.get_metric_statistics(
            Namespace=namespace, MetricName=metric, StartTime=now - dt.timedelta(minutes=10),
            EndTime=now + dt.timedelta(minutes=1), Period=60, Statistics=["Sum"])["Datapoints"]
        return sum(p["Sum"] for p in points)
    reads = sum(1 for r in in_group() if r["eventName"] == "GetSecretValue")
    check(metric_sum("UnrelatedReads") == 0, "a filter on another log group counts nothing")
    if WITH_EVALUATOR:
        check(metric_sum("Reads") == reads, f"the trail group's filter counts its {reads} GetSecretValue records")
    else:
        check(metric_sum("Reads") == 0, "without an evaluator a filter with a pattern counts nothing")

    print("event selectors")
    ct.put_event_selectors(TrailName=trail, EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    marker = f"smoke/write-only-{SUFFIX}"
    try:
        sm.get_secret_value(SecretId=marker)
    except ClientError:
        pass
    sm.tag_resource(SecretId=secret, Tags=[{"Key": "smoke", "Value": SUFFIX}])
    wait_for(in_group, lambda r: r["eventName"] == "TagResource", "WriteOnly trail logs a write (TagResource)")
    stays_silent(in_group, lambda r: secret_id(r) == marker, "WriteOnly trail does not log a read")
    ct.put_event_selectors(TrailName=trail, EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}])

    print("stopped trail")
    ct.stop_logging(Name=trail)
    wait_for(in_group, lambda r: r["eventName"] == "StopLogging", "StopLogging is logged by the trail it stops")
    after = f"smoke/after-stop-{SUFFIX}"
    try:
        sm.get_secret_value(SecretId=after)
    except ClientError:
        pass
    sm.describe_secret(SecretId=secret)
    stays_silent(in_group, lambda r: secret_id(r) == after or r["eventName"] == "DescribeSecret",
                 "a stopped trail delivers nothing")
    wait_for(queues["ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"].fetch, lambda e: e["detail"]["eventName"] == "DescribeSecret",
             "EventBridge still receives events with no trail logging (as in AWS)")


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
    print(f"cloudtrail delivery smoke test passed ({time.monotonic() - started:.1f}s)")
