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

For the two-stage layout (docs/scale.md) it also checks: caller rules on the
default bus forward to a custom "pipeline" bus exactly the reads of callers
outside their `anything-but` lists, keeping source, detail-type and detail;
rule states hold on that bus; a forwarded event goes no further than one hop;
a scope rule's CloudWatch Logs target writes each finding to a findings group
whose metric filter counts it; several filters publishing one metric count
per filter; and LocalStack's pattern engine gives AWS's verdicts on the
pattern forms the layout uses (anything-but prefix lists, exists:false, $or,
wildcards matching empty runs).

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


def queue(sqs, name: str) -> tuple["Queue", str]:
    """A new SQS queue (removed at cleanup) and its ARN."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    on_cleanup(f"queue {name}", lambda: sqs.delete_queue(QueueUrl=url))
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Queue(sqs, url), arn


def rule(events, name: str, pattern: dict, targets: list[dict], bus: str = "default",
         state: str = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") -> None:
    """An EventBridge rule with its targets on `bus`, removed at cleanup."""
    events.put_rule(Name=name, EventBusName=bus, State=state, EventPattern=json.dumps(pattern))
    on_cleanup(f"rule {name}", lambda: events.delete_rule(Name=name, EventBusName=bus))
    answer = events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    check(answer["FailedEntryCount"] == 0, f"rule {name} on bus {bus}: {len(targets)} target(s) accepted")
    on_cleanup(f"targets {name}",
               lambda: events.remove_targets(Rule=name, EventBusName=bus, Ids=[t["Id"] for t in targets]))


def metric_sum(cw, namespace: str, metric: str) -> float:
    now = dt.datetime.now(dt.UTC)
    points = cw.get_metric_statistics(
        Namespace=namespace, MetricName=metric, StartTime=now - dt.timedelta(minutes=10),
        EndTime=now + dt.timedelta(minutes=1), Period=60, Statistics=["Sum"])["Datapoints"]
    return sum(p["Sum"] for p in points)


def wait_for_sum(cw, namespace: str, metric: str, expected: float, what: str) -> None:
    """The metric's Sum reaches `expected` and stays there (a count that goes
    on past it is as wrong as one that stops short)."""
    deadline = time.monotonic() + DELIVERY_BOUND
    while metric_sum(cw, namespace, metric) < expected and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(SILENCE_WAIT)
    got = metric_sum(cw, namespace, metric)
    check(got == expected, f"{what}: Sum {got:g}, expected {expected:g}")


def try_read(reader, secret_id: str) -> None:
    try:
        reader.get_secret_value(SecretId=secret_id)
    except ClientError:
        pass  # a failed read is recorded too (errorCode), which is what some cases want


# Verdicts AWS gives for the pattern forms the two-stage layout uses (see
# pattern_engine_as_aws); each (pattern, detail, matches) is documented AWS
# behaviour: the event pattern pages, and the AWS-validated cases in
# ../shared/reference-data/eventbridge-patterns (e.g. content_anything_prefix_list*,
# content_anything_but_string_list*, content_exists_false*, or-exists*).
ROLE = "arn:aws:sts::000000000000:assumed-role/"
SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:"
CALLER_ROLES = {"userIdentity": {
    "type": ["AssumedRole"],
    "arn": [{"anything-but": {"prefix": [ROLE + "app-001/", ROLE + "service-role/x/app-002/"]}}],
    "sessionContext": {"sessionIssuer": {"userName": [{"prefix": "app-"}]}}}}
CALLER_USERS = {"userIdentity": {"type": ["IAMUser"], "arn": [{"anything-but": [
    "arn:aws:iam::000000000000:user/alice", "arn:aws:iam::000000000000:user/bob"]}]}}
CALLER_REST = {"$or": [{"userIdentity": {"type": [{"anything-but": ["AssumedRole", "IAMUser"]}]}},
                       {"userIdentity": {"type": [{"exists": False}]}}]}
SCOPE = {"eventName": ["GetSecretValue"], "errorCode": [{"exists": False}],
         "requestParameters": {"secretId": [
             {"prefix": "team-01/"}, {"wildcard": "*:secret:team-01/*"},
             "db-password", {"suffix": ":secret:db-password"}, {"wildcard": "*:secret:db-password-*"}]}}


def assumed(role: str, session: str = "s") -> dict:
    return {"userIdentity": {"type": "AssumedRole", "arn": f"{ROLE}{role}/{session}",
                             "sessionContext": {"sessionIssuer": {"userName": role.rsplit("/", 1)[-1]}}}}


PATTERN_CASES = [
    # anything-but with a prefix list: excluded only when the value starts with one of them
    (CALLER_ROLES, assumed("app-001"), False),
    (CALLER_ROLES, assumed("app-001x"), True),  # extends an allowed name: the "/" keeps it out
    (CALLER_ROLES, assumed("app-00"), True),  # shorter than the allowed prefix
    (CALLER_ROLES, assumed("app-003"), True),
    (CALLER_ROLES, {"userIdentity": {"type": "AssumedRole",
                                     "sessionContext": {"sessionIssuer": {"userName": "app-1"}}}}, False),  # no arn
    (CALLER_ROLES, assumed("other-001"), False),  # another name class: prefix on userName
    ({"state": [{"anything-but": {"prefix": ["init", "test"]}}]}, {"state": None}, True),
    ({"state": [{"anything-but": {"prefix": ["init", "test"]}}]}, {"state": "post-init"}, True),
    ({"state": [{"anything-but": {"prefix": ["init", "test"]}}]}, {"state": "testing"}, False),
    # anything-but with a list of strings: exact exclusions; a missing field never matches
    (CALLER_USERS, {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::000000000000:user/alice"}}, False),
    (CALLER_USERS, {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::000000000000:user/alicex"}}, True),
    (CALLER_USERS, {"userIdentity": {"type": "IAMUser"}}, False),
    # $or with exists:false
    (CALLER_REST, {"userIdentity": {"type": "Root", "arn": "arn:aws:iam::000000000000:root"}}, True),
    (CALLER_REST, {"userIdentity": {"type": "AssumedRole"}}, False),
    (CALLER_REST, {"userIdentity": {"arn": "x"}}, True),  # no type
    (CALLER_REST, {"eventName": "GetSecretValue"}, True),  # no userIdentity at all
    # scope: prefix, wildcard (zero or more characters), suffix, exact, exists:false
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": "team-01/db"}}, True),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": SECRET + "team-01/db-AbCdEf"}}, True),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": SECRET + "team-01/"}}, True),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": "team-012/db"}}, False),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": SECRET + "team-012/db-AbCdEf"}}, False),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": "db-password"}}, True),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": "db-password-old"}}, False),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": SECRET + "db-password"}}, True),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": SECRET + "db-password-AbCdEf"}}, True),
    (SCOPE, {"eventName": "GetSecretValue", "requestParameters": {"secretId": SECRET + "db-passwordx-AbCdEf"}}, False),
    (SCOPE, {"eventName": "GetSecretValue", "errorCode": "ResourceNotFoundException",
             "requestParameters": {"secretId": "db-password"}}, False),
    ({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/usr/lib/x"}, False),
    ({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/lib/"}, False),  # empty runs
    ({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/usr/bin/x"}, True),
]


def pattern_size_quota(events) -> None:
    """PutRule refuses a pattern over the Event pattern size quota (2,048
    characters by default) and takes one at it."""
    name = f"smoke-size-{SUFFIX}"
    def pattern_of(length: int) -> str:
        base = '{"source": ["aws.secretsmanager"], "detail": {"eventName": [""]}}'
        text = base.replace('[""]', '["' + "x" * (length - len(base)) + '"]')
        assert len(text) == length
        return text
    events.put_rule(Name=name, EventPattern=pattern_of(2048), State="DISABLED")
    on_cleanup(f"rule {name}", lambda: events.delete_rule(Name=name))
    try:
        events.put_rule(Name=name, EventPattern=pattern_of(2049), State="DISABLED")
        refused = None
    except ClientError as e:
        refused = e.response["Error"]["Code"]
    kept = json.loads(events.describe_rule(Name=name)["EventPattern"]) == json.loads(pattern_of(2048))
    check(refused is not None and kept, f"PutRule takes a 2,048-character pattern and refuses 2,049 ({refused}); the rule keeps the first")


def pattern_engine_as_aws(events) -> None:
    """LocalStack's pattern engine, through TestEventPattern (the same
    matches_event its rules use), gives AWS's verdict on each case."""
    wrong = []
    for pattern, detail, expected in PATTERN_CASES:
        event = {"id": "1", "account": "000000000000", "source": "aws.secretsmanager", "time": "2026-12-01T00:00:00Z",
                 "region": REGION, "detail-type": "AWS API Call via CloudTrail", "resources": [], "detail": detail}
        got = events.test_event_pattern(EventPattern=json.dumps({"detail": pattern}), Event=json.dumps(event))["Result"]
        if got != expected:
            wrong.append(f"{json.dumps(pattern)} on {json.dumps(detail)}: {got}, AWS {expected}")
    check(not wrong, f"pattern engine gives AWS's verdict on all {len(PATTERN_CASES)} cases"
          + (": wrong on\n    " + "\n    ".join(wrong) if wrong else ""))

def two_stage(ctx: dict) -> None:
    """The per-event path at scale: caller rules on the default bus forward
    reads by principals outside the allow-list to the pipeline's own bus,
    where scope rules notify (a queue here, the topic in the pipeline) and
    write findings to a log group whose metric filter counts them."""
    account, events, sqs, iam, sts, sm, logs, cw = (ctx[k] for k in
                                                    ("account", "events", "sqs", "iam", "sts", "sm", "logs", "cw"))
    print("two-stage eventbridge: caller rules -> pipeline bus -> scope rules")
    pipeline = f"smoke-{SUFFIX}"
    bus = f"{pipeline}-secret-reads"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    on_cleanup(f"bus {bus}", lambda: events.delete_event_bus(Name=bus))
    check(bus_arn == f"arn:aws:events:{REGION}:{account}:event-bus/{bus}", f"pipeline bus {bus_arn}")
    third = f"{pipeline}-third"
    third_arn = events.create_event_bus(Name=third)["EventBusArn"]
    on_cleanup(f"bus {third}", lambda: events.delete_event_bus(Name=third))

    # Callers: an allowed role, a role whose name extends it, an unknown role
    # (with a path), an allowed and an unknown user, and the account root.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    def role(name: str, path: str = "/"):
        arn = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        on_cleanup(f"role {name}", lambda: iam.delete_role(RoleName=name))
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="smoke")["Credentials"]
        return client("secretsmanager", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    def user(name: str):
        iam.create_user(UserName=name)
        on_cleanup(f"user {name}", lambda: iam.delete_user(UserName=name))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        on_cleanup(f"key of {name}", lambda: iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"]))
        return client("secretsmanager", key["AccessKeyId"], key["SecretAccessKey"])
    allowed_role = f"smoke-app-{SUFFIX}"
    readers = {
        "allowed role": role(allowed_role, "/service-role/"),
        "role extending the allowed name": role(allowed_role + "x"),
        "unknown role": role(f"smoke-other-{SUFFIX}", "/apps/"),
        "allowed user": user(f"smoke-alice-{SUFFIX}"),
        "unknown user": user(f"smoke-mallory-{SUFFIX}"),
        "root": sm,
    }
    allowed_user_arn = f"arn:aws:iam::{account}:user/smoke-alice-{SUFFIX}"

    # Caller rules, one per part, each forwarding to the pipeline bus; the
    # roles' rule forwards with a role (as AWS's console sets up), the others without.
    events_role = f"smoke-events-{SUFFIX}"
    trust_events = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    events_role_arn = iam.create_role(RoleName=events_role,
                                      AssumeRolePolicyDocument=json.dumps(trust_events))["Role"]["Arn"]
    on_cleanup("events role", lambda: iam.delete_role(RoleName=events_role))
    envelope = {"source": ["aws.secretsmanager"], "detail-type": ["AWS API Call via CloudTrail"]}
    sts_prefix = f"arn:aws:sts::{account}:assumed-role/"
    callers = {
        "roles": ({"userIdentity": {
            "type": ["AssumedRole"],
            "arn": [{"anything-but": {"prefix": [f"{sts_prefix}{allowed_role}/", f"{sts_prefix}smoke-none-{SUFFIX}/"]}}],
            "sessionContext": {"sessionIssuer": {"userName": [{"prefix": "smoke-"}]}}}},
            {"RoleArn": events_role_arn}),
        "users": ({"userIdentity": {"type": ["IAMUser"], "arn": [{"anything-but": [
            allowed_user_arn, f"arn:aws:iam::{account}:user/smoke-nobody-{SUFFIX}"]}]}}, {}),
        "rest": ({"$or": [{"userIdentity": {"type": [{"anything-but": ["AssumedRole", "IAMUser"]}]}},
                          {"userIdentity": {"type": [{"exists": False}]}}]}, {}),
    }
    for part, (detail, extra) in callers.items():
        rule(events, f"{pipeline}-callers-{part}", {**envelope, "detail": detail},
             [{"Id": "pipeline-bus", "Arn": bus_arn, **extra}])

    # The findings log group, with the resource policy AWS needs before
    # EventBridge may write to it, and the metric filter counting every finding.
    findings = f"/secretmonitor/{pipeline}/findings"
    logs.create_log_group(logGroupName=findings)
    on_cleanup("findings log group", lambda: logs.delete_log_group(logGroupName=findings))
    findings_arn = f"arn:aws:logs:{REGION}:{account}:log-group:{findings}"
    # Scoped to the group (resourceArn), as the pipeline puts it: not one of
    # the account's 10 policies, and with a revision each later write names.
    writers = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{findings_arn}:*"}]}
    revision = logs.put_resource_policy(policyDocument=json.dumps(writers), resourceArn=findings_arn)["revisionId"]
    listed = logs.describe_resource_policies(resourceArn=findings_arn, policyScope="RESOURCE")["resourcePolicies"]
    check([(p["policyScope"], p["resourceArn"], p["revisionId"]) for p in listed]
          == [("RESOURCE", findings_arn, revision)], "the findings group's resource policy, scoped to it, with a revision")
    check(not [p for p in logs.describe_resource_policies()["resourcePolicies"] if p.get("resourceArn")],
          "... not among the account-level policies")
    try:
        logs.put_resource_policy(policyDocument=json.dumps(writers), resourceArn=findings_arn)
        stale_refused = False
    except ClientError:
        stale_refused = True
    revision = logs.put_resource_policy(policyDocument=json.dumps(writers), resourceArn=findings_arn,
                                        expectedRevisionId=revision)["revisionId"]
    check(stale_refused, "rewriting it needs the revision it replaces (expectedRevisionId)")
    namespace = f"Smoke/{SUFFIX}"
    logs.put_metric_filter(logGroupName=findings, filterName=f"{pipeline}-findings",
                           filterPattern="{ $.detail.eventName = * }",
                           metricTransformations=[{"metricName": "Findings", "metricNamespace": namespace,
                                                   "metricValue": "1"}])

    # Scope rules on the pipeline bus: one notifying (through an input
    # transformer, as the pipeline's topic target does) and writing findings;
    # the same with state ENABLED; a looser ENABLED one that also takes writes;
    # one forwarding to a third bus (AWS: no second hop).
    stem = f"smoke/ts-{SUFFIX}/"
    scope = {**envelope, "detail": {
        "eventName": ["GetSecretValue"], "errorCode": [{"exists": False}],
        "requestParameters": {"secretId": [{"prefix": stem}, {"wildcard": f"*:secret:{stem}*"}]}}}
    notified, notified_arn = queue(sqs, f"{pipeline}-notify")
    raw, raw_arn = queue(sqs, f"{pipeline}-raw")
    transformer = {"InputPathsMap": {"principal": "$.detail.userIdentity.arn",
                                     "secret": "$.detail.requestParameters.secretId", "id": "$.detail.eventID"},
                   "InputTemplate": '{"principal": <principal>, "secret": <secret>, "eventID": <id>}'}
    rule(events, f"{pipeline}-scope-00", scope, [
        {"Id": "notify", "Arn": notified_arn, "InputTransformer": transformer},
        {"Id": "raw", "Arn": raw_arn},
        {"Id": "findings", "Arn": findings_arn}], bus=bus)
    enabled, enabled_arn = queue(sqs, f"{pipeline}-enabled")
    rule(events, f"{pipeline}-scope-enabled", scope, [{"Id": "q", "Arn": enabled_arn}], bus=bus, state="ENABLED")
    loose = {**envelope, "detail": {"requestParameters": {"secretId": [{"prefix": stem}]}}}
    writes, writes_arn = queue(sqs, f"{pipeline}-writes")
    rule(events, f"{pipeline}-scope-writes", loose, [{"Id": "q", "Arn": writes_arn}], bus=bus, state="ENABLED")
    rule(events, f"{pipeline}-scope-onward", loose, [{"Id": "third", "Arn": third_arn}], bus=bus)
    on_third, on_third_arn = queue(sqs, f"{pipeline}-third")
    rule(events, f"{pipeline}-third-all", {"source": ["aws.secretsmanager"]}, [{"Id": "q", "Arn": on_third_arn}],
         bus=third)
    # The third bus does receive from the default bus directly (one hop), so
    # silence there is the hop limit, not a broken bus or rule.
    direct = f"smoke/direct-{SUFFIX}"
    rule(events, f"{pipeline}-direct-to-third",
         {**envelope, "detail": {"requestParameters": {"secretId": [direct]}}}, [{"Id": "third", "Arn": third_arn}])

    secret_name = f"{stem}db"
    secret_arn = sm.create_secret(Name=secret_name, SecretString=SECRET_VALUE)["ARN"]
    on_cleanup("two-stage secret", lambda: sm.delete_secret(SecretId=secret_arn, ForceDeleteWithoutRecovery=True))
    outside = f"smoke/outside-{SUFFIX}"
    outside_arn = sm.create_secret(Name=outside, SecretString=SECRET_VALUE)["ARN"]
    on_cleanup("out-of-scope secret", lambda: sm.delete_secret(SecretId=outside_arn, ForceDeleteWithoutRecovery=True))

    # (reader, secret id, notified?) -- the verdicts of the layout's contract.
    reads = [
        ("allowed role", secret_name, False),
        ("allowed role", secret_arn, False),
        ("allowed user", secret_name, False),
        ("role extending the allowed name", secret_name, True),
        ("unknown role", secret_arn, True),
        ("unknown user", secret_name, True),
        ("root", secret_arn, True),
        ("unknown role", outside, False),  # forwarded, out of scope
        ("unknown user", f"{stem}missing", False),  # in scope but failed: errorCode exists
    ]
    for who, name, _ in reads:
        try_read(readers[who], name)
    sm.tag_resource(SecretId=secret_name, Tags=[{"Key": "smoke", "Value": SUFFIX}])  # a write, by root
    try_read(sm, direct)

    expected = sorted((who, name) for who, name, alert in reads if alert)
    deadline = time.monotonic() + DELIVERY_BOUND
    while len(raw.fetch()) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(SILENCE_WAIT)  # and nothing more comes
    raw.fetch()
    got = sorted((_caller_of(e["detail"], allowed_role, account), e["detail"]["requestParameters"]["secretId"])
                 for e in raw.seen)
    check(got == expected, f"exactly the unauthorised in-scope reads reach the scope rule, once each: {got}")
    for e in raw.seen:
        record = next((r for r in records(logs, ctx["group"]) if r["eventID"] == e["detail"]["eventID"]), None)
        check(record is not None and e["detail"] == record and e["source"] == "aws.secretsmanager"
              and e["detail-type"] == "AWS API Call via CloudTrail" and e["account"] == account,
              f"forwarded event keeps source, detail-type and the record as detail ({e['detail']['eventID'][:8]})")
    notified.fetch()
    check(sorted((_caller_of({"userIdentity": {"arn": m["principal"]}}, allowed_role, account), m["secret"])
                 for m in notified.seen) == expected
          and {m["eventID"] for m in notified.seen} == {e["detail"]["eventID"] for e in raw.seen},
          "the input transformer's message names each principal and secret")
    check(not enabled.fetch(), "an ENABLED scope rule on the pipeline bus receives no read-only event")
    wait_for(writes.fetch, lambda e: e["detail"]["eventName"] == "TagResource",
             "an ENABLED rule on the pipeline bus receives a forwarded write (TagResource)")
    check(all(not e["detail"]["readOnly"] for e in writes.fetch()), "... and no read-only event")
    wait_for(on_third.fetch, lambda e: e["detail"]["requestParameters"].get("secretId") == direct,
             "the third bus receives from the default bus (one hop)")
    check([e["detail"]["requestParameters"].get("secretId") for e in on_third.fetch()] == [direct],
          "nothing forwarded by the pipeline bus reaches the third bus (AWS: no second hop)")

    print("findings log group")
    finding_events = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=findings)["events"]]
    check(sorted(e["detail"]["eventID"] for e in finding_events) == sorted(e["detail"]["eventID"] for e in raw.seen),
          f"the scope rule wrote each of the {len(raw.seen)} findings to {findings} (the whole event)")
    if WITH_EVALUATOR:
        wait_for_sum(cw, namespace, "Findings", len(expected), "the findings filter counts each finding once")
    else:
        check(metric_sum(cw, namespace, "Findings") == 0, "without an evaluator the findings filter counts nothing")


def _reader_name(who: str, allowed_role: str) -> str:
    return {"allowed role": allowed_role, "role extending the allowed name": allowed_role + "x",
            "unknown role": f"smoke-other-{SUFFIX}", "allowed user": f"smoke-alice-{SUFFIX}",
            "unknown user": f"smoke-mallory-{SUFFIX}"}[who]


def _caller_of(detail: dict, allowed_role: str, account: str) -> str:
    """Which of two_stage's readers a record's userIdentity.arn names."""
    arn = detail["userIdentity"]["arn"]
    if arn == f"arn:aws:iam::{account}:root":
        return "root"
    name = arn.split("/")[1]  # user/NAME or assumed-role/NAME/SESSION
    for who in ("allowed role", "role extending the allowed name", "unknown role", "allowed user", "unknown user"):
        if _reader_name(who, allowed_role) == name:
            return who
    return arn


def filters_sharing_a_metric(ctx: dict) -> None:
    """Several metric filters on one log group publishing one metric (the
    layout's `<pipeline>-secret-access` and `<pipeline>-secret-access-<8 hex>`):
    each filter counts its own matches, so an event two filters match counts
    twice and disjoint filters count each event once."""
    logs, cw, sm, group = ctx["logs"], ctx["cw"], ctx["sm"], ctx["group"]
    print("metric filters sharing a metric")
    namespace, base = f"Smoke/{SUFFIX}", f"smoke-{SUFFIX}-secret-access"
    def read_of(prefix: str) -> str:
        return ('{ ($.eventName = "GetSecretValue") && ($.requestParameters.secretId = "' + prefix + '*") }')
    a, b = f"smoke/mf-{SUFFIX}/a", f"smoke/mf-{SUFFIX}/b"
    filters = [(base, read_of(a), "Disjoint"), (f"{base}-{uuid.uuid4().hex[:8]}", read_of(b), "Disjoint"),
               (f"{base}-{uuid.uuid4().hex[:8]}", read_of(a), "Overlap"),
               (f"{base}-{uuid.uuid4().hex[:8]}", read_of(f"smoke/mf-{SUFFIX}/"), "Overlap")]
    for name, pattern, metric in filters:
        logs.put_metric_filter(logGroupName=group, filterName=name, filterPattern=pattern, metricTransformations=[
            {"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}])
        on_cleanup(f"filter {name}", lambda name=name: logs.delete_metric_filter(logGroupName=group, filterName=name))
    listed = {f["filterName"] for f in logs.describe_metric_filters(logGroupName=group,
                                                                    filterNamePrefix=base)["metricFilters"]}
    check(listed == {f[0] for f in filters}, f"{len(filters)} filters on one group, found by name prefix")
    for name in (a + "1", b + "1", b + "2"):
        try_read(sm, name)
    wait_for(lambda: records(logs, group), lambda r: secret_id(r) == b + "2", "the three reads are in the group")
    if WITH_EVALUATOR:
        wait_for_sum(ctx["cw"], namespace, "Disjoint", 3, "two disjoint filters on one metric count each read once")
        wait_for_sum(ctx["cw"], namespace, "Overlap", 4,
                     "two filters matching the same read count it twice (1 read of a: 2, 2 of b: 2)")
    else:
        check(metric_sum(cw, namespace, "Disjoint") == 0, "without an evaluator the filters count nothing")
    # AWS deletes a group's filters with the group; a leftover check after
    # destroy relies on that.
    doomed = f"/smoke/doomed-{SUFFIX}"
    logs.create_log_group(logGroupName=doomed)
    doomed_arn = f"arn:aws:logs:{REGION}:{ctx['account']}:log-group:{doomed}"
    logs.put_metric_filter(logGroupName=doomed, filterName=f"{base}-doomed", filterPattern="", metricTransformations=[
        {"metricName": "Doomed", "metricNamespace": namespace, "metricValue": "1"}])
    logs.put_resource_policy(policyDocument='{"Version": "2012-10-17", "Statement": []}', resourceArn=doomed_arn)
    logs.delete_log_group(logGroupName=doomed)
    left = [f["filterName"] for page in logs.get_paginator("describe_metric_filters").paginate()
            for f in page["metricFilters"] if f["logGroupName"] == doomed]
    left += [p["resourceArn"] for p in logs.describe_resource_policies(resourceArn=doomed_arn,
                                                                      policyScope="RESOURCE")["resourcePolicies"]]
    check(not left, f"DeleteLogGroup deletes the group's metric filters and resource policy (left: {left})")


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

    ctx = {"account": account, "events": events, "sqs": sqs, "iam": iam, "sts": sts, "sm": sm, "logs": logs,
           "cw": cw, "group": group}
    filters_sharing_a_metric(ctx)
    two_stage(ctx)
    pattern_engine_as_aws(events)
    pattern_size_quota(events)

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
