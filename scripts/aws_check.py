"""Direct looks at (and tampering with) what a pipeline created in LocalStack,
for the acceptance tests: drift is made outside Terraform, and leftovers
after destroy are found here, not through the provider under test.

Usage: aws_check.py leftovers NAME [ACCOUNT]
       aws_check.py drift NAME SCENARIO
         (two-stage layout: caller-rule-deleted, caller-rule-targets-removed,
          scope-rule-pattern-edited,
          scope-rule-targets-removed, pipeline-bus-deleted, chunk-filter-deleted,
          findings-filter-deleted, findings-group-deleted)
         (saved queries: saved-query-deleted, saved-query-edited)
       aws_check.py keys NAME   (how many of its keys are not pending deletion)
       aws_check.py multi-account setup|teardown LOG_GROUP ACCOUNT...
"""
import json
import re
import os
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
REGION = os.environ.get("AWS_REGION", "us-east-1")


# LocalStack maps a 12-digit access key to that account.
ACCOUNT = None


def client(service):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=ACCOUNT or os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


DEPLOYER_ROLE = "secretmonitor-deployer"


def multi_account(action, log_group_name, accounts):
    """The fixtures of examples/multi-account: in each account a deployer role
    the base account may assume, and (members) the log group of their existing
    trail. Teardown removes them again."""
    global ACCOUNT
    base = client("sts").get_caller_identity()["Account"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{base}:root"}, "Action": "sts:AssumeRole"}]}
    for account in accounts:
        ACCOUNT = account
        iam, logs = client("iam"), client("logs")
        if action == "setup":
            try:
                iam.create_role(RoleName=DEPLOYER_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
            except iam.exceptions.EntityAlreadyExistsException:
                pass
            try:
                logs.create_log_group(logGroupName=log_group_name)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
        else:
            for call in (lambda: iam.delete_role(RoleName=DEPLOYER_ROLE),
                         lambda: logs.delete_log_group(logGroupName=log_group_name)):
                try:
                    call()
                except ClientError:
                    pass
    ACCOUNT = None


def every(service, operation, field, **params):
    """Every item of a listing, through all its pages (LocalStack pages at
    100 like AWS, and a long test run leaves more than that)."""
    pages = client(service).get_paginator(operation).paginate(**params)
    return [item for page in pages for item in page[field]]


def topic_arns(name):
    """The pipeline's alert topic, as a list (empty when it is gone)."""
    return [t["TopicArn"] for t in every("sns", "list_topics", "Topics") if t["TopicArn"].endswith(f":{name}-alerts")]


def pipeline_rules(name):
    """Which of the pipeline's two EventBridge rules exist."""
    ours = {f"{name}-secret-reads", f"{name}-tamper"}
    return {r["Name"] for r in every("events", "list_rules", "Rules", NamePrefix=f"{name}-")} & ours


def pipeline_bus(name):
    """The pipeline's own event bus, where the scope rules live (two-stage layout)."""
    return f"{name}-secret-reads"


def default_bus_rules(name):
    """Every rule on the default bus named after the pipeline: the read and
    tamper rules, and the caller rules of the two-stage layout."""
    return sorted(r["Name"] for r in every("events", "list_rules", "Rules", NamePrefix=f"{name}-"))


def bus_exists(name):
    try:
        client("events").describe_event_bus(Name=pipeline_bus(name))
        return True
    except ClientError:
        return False


def bus_rules(name):
    """The rules on the pipeline's bus (empty when the bus is gone)."""
    try:
        return sorted(r["Name"] for r in every("events", "list_rules", "Rules", EventBusName=pipeline_bus(name)))
    except ClientError:
        return []


def caller_rules(name):
    """The default bus's rules that forward to the pipeline's bus."""
    events = client("events")
    bus_arn_suffix = f":event-bus/{pipeline_bus(name)}"
    return [r for r in default_bus_rules(name)
            if any(t["Arn"].endswith(bus_arn_suffix) for t in events.list_targets_by_rule(Rule=r)["Targets"])]


def findings_group(name):
    return f"/secretmonitor/{name}/findings"


def pipeline_filters(name):
    """(group, filter) of every metric filter of the account and region named
    as the pipeline's: `NAME-secret-access`, `NAME-secret-access-*` (one per
    scope chunk) and `NAME-findings`, in whatever group holds them (a reused
    trail's group too)."""
    found = []
    for f in every("logs", "describe_metric_filters", "metricFilters"):
        n = f["filterName"]
        if n == f"{name}-findings" or n == f"{name}-secret-access" or n.startswith(f"{name}-secret-access-"):
            found.append((f["logGroupName"], n))
    return sorted(found)


def query_definitions(name):
    """Every saved Logs Insights query in the pipeline's folder
    `secretmonitor/NAME/` (query definitions have no tags; the folder is the
    pipeline's)."""
    logs, prefix, found, token = client("logs"), f"secretmonitor/{name}/", [], None
    while True:
        page = logs.describe_query_definitions(queryDefinitionNamePrefix=prefix, maxResults=1000,
                                               **({"nextToken": token} if token else {}))
        found += [d for d in page.get("queryDefinitions", []) if d.get("name", "").startswith(prefix)]
        token = page.get("nextToken")
        if not token:
            return sorted(found, key=lambda d: (d["name"], d["queryDefinitionId"]))


def archive_bucket(name):
    account = client("sts").get_caller_identity()["Account"]
    return f"{name}-archive-{account}-{REGION}"


def log_group(name):
    return f"/secretmonitor/{name}/cloudtrail"


def dashboard(name):
    return f"secretmonitor-{name}"


def dashboard_exists(name):
    try:
        client("cloudwatch").get_dashboard(DashboardName=dashboard(name))
        return True
    except ClientError:
        return False


def leftovers(name):
    """Everything named after the pipeline that still exists, except what the
    provider keeps on purpose (a key pending deletion, a non-empty archive)."""
    found = []
    try:
        client("cloudtrail").get_trail(Name=name)
        found.append(f"trail {name}")
    except ClientError:
        pass
    # The trail's group and the findings group.
    for g in every("logs", "describe_log_groups", "logGroups", logGroupNamePrefix=f"/secretmonitor/{name}/"):
        found.append(f"log group {g['logGroupName']}")
    for group, f in pipeline_filters(name):
        found.append(f"metric filter {f} (group {group})")
    # Account-level ones (a policy per pipeline would be one of the account's
    # 10) and those scoped to a group (which should go with their group).
    for scope in ("ACCOUNT", "RESOURCE"):
        for p in client("logs").describe_resource_policies(policyScope=scope).get("resourcePolicies", []):
            if f"/secretmonitor/{name}/" in p.get("policyDocument", "") + p.get("resourceArn", ""):
                found.append(f"logs resource policy {p.get('policyName') or p.get('resourceArn')} ({scope})")
    for d in query_definitions(name):
        found.append(f"saved query {d['name']} ({d['queryDefinitionId']})")
    for a in client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"]:
        found.append(f"alarm {a['AlarmName']}")
    for arn in topic_arns(name):
        found.append(f"topic {arn}")
    if dashboard_exists(name):
        found.append(f"dashboard {dashboard(name)}")
    for r in every("iam", "list_roles", "Roles"):
        if r["RoleName"].startswith(f"{name}-"):
            found.append(f"role {r['RoleName']}")
    s3 = client("s3")
    for b in s3.list_buckets()["Buckets"]:
        if b["Name"].startswith(f"{name}-archive-"):
            versions = s3.list_object_versions(Bucket=b["Name"], MaxKeys=1)
            if versions.get("Versions") or versions.get("DeleteMarkers"):
                continue  # kept on purpose: it holds audit logs
            found.append(f"empty bucket {b['Name']}")
    for rule in default_bus_rules(name):
        found.append(f"EventBridge rule {rule}")
    if bus_exists(name):
        found.append(f"event bus {pipeline_bus(name)}")
        for rule in bus_rules(name):
            found.append(f"EventBridge rule {rule} (bus {pipeline_bus(name)})")
    for alias in every("kms", "list_aliases", "Aliases"):
        if alias["AliasName"] == f"alias/secretmonitor/{name}":
            found.append(f"key alias {alias['AliasName']}")
    for arn in live_keys(name):
        found.append(f"key {arn}")
    return found


def live_keys(name):
    """The pipeline's keys not pending deletion: one, unless an apply made a duplicate."""
    kms = client("kms")
    arns = []
    for key in every("kms", "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if f"pipeline {name}:" in meta.get("Description", "") and meta["KeyState"] != "PendingDeletion":
            arns.append(meta["Arn"])
    return arns


def inventory(name):
    """Which components of the pipeline exist, as the attribute of the
    resource's state that records each."""
    found = set()
    try:
        client("cloudtrail").get_trail(Name=name)
        found.add("trail_arn")
    except ClientError:
        pass
    groups = client("logs").describe_log_groups(logGroupNamePrefix=log_group(name))["logGroups"]
    if groups:
        found.add("log_group_name")
    chunk = re.compile(re.escape(f"{name}-secret-access") + r"(-[0-9a-f]{8})?")
    if any(
        chunk.fullmatch(f["filterName"])
        for g in groups
        for f in client("logs").describe_metric_filters(logGroupName=g["logGroupName"])["metricFilters"]
    ):
        found.add("metric_filter_name")
    if client("logs").describe_log_groups(logGroupNamePrefix=findings_group(name))["logGroups"]:
        found.add("findings_log_group_arn")
    try:
        client("events").describe_event_bus(Name=pipeline_bus(name))
        found.add("event_bus_arn")
    except ClientError:
        pass
    if client("cloudwatch").describe_alarms(AlarmNames=[f"{name}-secret-access"])["MetricAlarms"]:
        found.add("alarm_name")
    if topic_arns(name):
        found.add("topic_arn")
    if dashboard_exists(name):
        found.add("dashboard_name")
    try:
        client("iam").get_role(RoleName=f"{name}-cloudtrail-to-logs")
        found.add("delivery_role_arn")
    except ClientError:
        pass
    if any(b["Name"] == archive_bucket(name) for b in client("s3").list_buckets()["Buckets"]):
        found.add("archive_bucket_name")
    rules = pipeline_rules(name)
    staged = re.compile(re.escape(f"{name}-reads-c-") + r"[0-9a-f]{8}")
    if f"{name}-secret-reads" in rules or any(staged.fullmatch(r) for r in default_bus_rules(name)):
        found.add("read_rule_arn")
    if f"{name}-tamper" in rules:
        found.add("tamper_rule_arn")
    if live_keys(name):
        found.add("kms_key_arn")
    if query_definitions(name):
        found.add("query_definition_names")
    return found


def drift(name, scenario):
    trail = client("cloudtrail")
    if scenario == "trail-stopped":
        trail.stop_logging(Name=name)
    elif scenario == "trail-deleted":
        trail.delete_trail(Name=name)
    elif scenario == "alarm-deleted":
        client("cloudwatch").delete_alarms(AlarmNames=[f"{name}-secret-access"])
    elif scenario == "filter-deleted":
        client("logs").delete_metric_filter(logGroupName=log_group(name), filterName=f"{name}-secret-access")
    elif scenario == "filter-edited":
        client("logs").put_metric_filter(
            logGroupName=log_group(name),
            filterName=f"{name}-secret-access",
            filterPattern='{ $.eventName = "NothingAtAll" }',
            metricTransformations=[{"metricName": "Secret is accessed", "metricNamespace": "SecurityMetrics", "metricValue": "1"}],
        )
    elif scenario == "retention-shortened":
        client("logs").put_retention_policy(logGroupName=log_group(name), retentionInDays=1)
    elif scenario == "subscription-deleted":
        sns = client("sns")
        for arn in topic_arns(name):
            for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
                if s["SubscriptionArn"] != "PendingConfirmation":
                    sns.unsubscribe(SubscriptionArn=s["SubscriptionArn"])
    elif scenario == "selectors-exclude-reads":
        trail.put_event_selectors(
            TrailName=name,
            EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
        )
    elif scenario == "alarm-actions-disabled":
        client("cloudwatch").disable_alarm_actions(AlarmNames=[f"{name}-secret-access"])
    elif scenario == "topic-policy-replaced":
        sns = client("sns")
        arn = topic_arns(name)[0]
        open_policy = {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "sns:*", "Resource": arn}],
        }
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(open_policy))
    elif scenario == "bucket-policy-deleted":
        client("s3").delete_bucket_policy(Bucket=archive_bucket(name))
    elif scenario == "public-access-block-disabled":
        client("s3").delete_public_access_block(Bucket=archive_bucket(name))
    elif scenario == "delivery-role-deleted":
        iam = client("iam")
        role = f"{name}-cloudtrail-to-logs"
        for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=policy)
        iam.delete_role(RoleName=role)
    elif scenario == "key-scheduled-for-deletion":
        client("kms").schedule_key_deletion(KeyId=f"alias/secretmonitor/{name}", PendingWindowInDays=7)
    elif scenario == "key-disabled":
        client("kms").disable_key(KeyId=f"alias/secretmonitor/{name}")
    elif scenario == "read-rule-disabled":
        client("events").disable_rule(Name=f"{name}-secret-reads")
    elif scenario == "read-rule-pattern-edited":
        events = client("events")
        rule = events.describe_rule(Name=f"{name}-secret-reads")
        events.put_rule(Name=f"{name}-secret-reads", State=rule["State"],
                        EventPattern=json.dumps({"source": ["aws.secretsmanager"], "detail": {"eventName": ["NothingAtAll"]}}))
    elif scenario == "read-rule-target-removed":
        events = client("events")
        targets = events.list_targets_by_rule(Rule=f"{name}-secret-reads")["Targets"]
        events.remove_targets(Rule=f"{name}-secret-reads", Ids=[t["Id"] for t in targets])
    elif scenario == "dashboard-deleted":
        client("cloudwatch").delete_dashboards(DashboardNames=[dashboard(name)])
    elif scenario == "dashboard-edited":
        # Someone keeps the dashboard and drops what it shows.
        cw = client("cloudwatch")
        body = json.loads(cw.get_dashboard(DashboardName=dashboard(name))["DashboardBody"])
        body["widgets"] = body["widgets"][:1]
        cw.put_dashboard(DashboardName=dashboard(name), DashboardBody=json.dumps(body))
    elif scenario == "tamper-rule-deleted":
        events = client("events")
        targets = events.list_targets_by_rule(Rule=f"{name}-tamper")["Targets"]
        if targets:
            events.remove_targets(Rule=f"{name}-tamper", Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=f"{name}-tamper")
    # The two-stage layout's parts. Each picks the first of its kind (sorted by
    # name), prints what it changed and fails if there is none to change, so a
    # scenario never passes by doing nothing.
    elif scenario == "caller-rule-deleted":
        events = client("events")
        rule = _first(caller_rules(name), "caller rule forwarding to the pipeline bus")
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        events.remove_targets(Rule=rule, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=rule)
        print(f"deleted caller rule {rule}")
    elif scenario == "caller-rule-targets-removed":
        # The last caller rule: refresh finds caller rules by the ARN they
        # target, not one by one, and must still see this one forward nowhere.
        events = client("events")
        rule = _first(caller_rules(name)[::-1], "caller rule forwarding to the pipeline bus")
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        events.remove_targets(Rule=rule, Ids=[t["Id"] for t in targets])
        print(f"removed the {len(targets)} target(s) of caller rule {rule}")
    elif scenario == "scope-rule-pattern-edited":
        events = client("events")
        rule = _first(bus_rules(name), f"rule on bus {pipeline_bus(name)}")
        current = events.describe_rule(Name=rule, EventBusName=pipeline_bus(name))
        events.put_rule(Name=rule, EventBusName=pipeline_bus(name), State=current["State"],
                        EventPattern=json.dumps({"source": ["aws.secretsmanager"], "detail": {"eventName": ["NothingAtAll"]}}))
        print(f"edited the pattern of scope rule {rule}")
    elif scenario == "scope-rule-targets-removed":
        events = client("events")
        rule = _first(bus_rules(name), f"rule on bus {pipeline_bus(name)}")
        targets = events.list_targets_by_rule(Rule=rule, EventBusName=pipeline_bus(name))["Targets"]
        _first([t["Id"] for t in targets], f"target of scope rule {rule}")
        events.remove_targets(Rule=rule, EventBusName=pipeline_bus(name), Ids=[t["Id"] for t in targets])
        print(f"removed the {len(targets)} target(s) of scope rule {rule}")
    elif scenario == "chunk-filter-deleted":
        group, f = _first([(g, f) for g, f in pipeline_filters(name) if f.startswith(f"{name}-secret-access-")],
                          f"metric filter {name}-secret-access-*")
        client("logs").delete_metric_filter(logGroupName=group, filterName=f)
        print(f"deleted metric filter {f} of {group}")
    elif scenario == "findings-filter-deleted":
        client("logs").delete_metric_filter(logGroupName=findings_group(name), filterName=f"{name}-findings")
        print(f"deleted metric filter {name}-findings of {findings_group(name)}")
    elif scenario == "pipeline-bus-deleted":
        # AWS deletes a bus only once its rules are gone, so they go first.
        events, bus = client("events"), pipeline_bus(name)
        if not bus_exists(name):
            raise SystemExit(f"drift: no event bus {bus} to change")
        rules = bus_rules(name)
        for rule in rules:
            targets = events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
            if targets:
                events.remove_targets(Rule=rule, EventBusName=bus, Ids=[t["Id"] for t in targets])
            events.delete_rule(Name=rule, EventBusName=bus)
        events.delete_event_bus(Name=bus)
        print(f"deleted event bus {bus} and its {len(rules)} rule(s)")
    elif scenario in ("saved-query-deleted", "saved-query-edited"):
        d = _first([(q["name"], q["queryDefinitionId"], q) for q in query_definitions(name)],
                   f"saved query secretmonitor/{name}/*")[2]
        logs = client("logs")
        if scenario == "saved-query-deleted":
            logs.delete_query_definition(queryDefinitionId=d["queryDefinitionId"])
            print(f"deleted saved query {d['name']}")
        else:
            logs.put_query_definition(queryDefinitionId=d["queryDefinitionId"], name=d["name"],
                                      logGroupNames=d.get("logGroupNames", []),
                                      queryString="fields @timestamp | limit 1")
            print(f"edited saved query {d['name']}")
    elif scenario == "findings-group-deleted":
        client("logs").delete_log_group(logGroupName=findings_group(name))
        print(f"deleted log group {findings_group(name)}")
    else:
        raise SystemExit(f"unknown drift scenario {scenario}")


def _first(items, what):
    if not items:
        raise SystemExit(f"drift: no {what} to change")
    return sorted(items)[0]


def archive(name, action):
    """Writes a log file into the archive, checks it is there, or empties and
    deletes it (the test's own clean-up of what destroy kept on purpose)."""
    s3 = client("s3")
    bucket = archive_bucket(name)
    if action == "write":
        s3.put_object(Bucket=bucket, Key="AWSLogs/000000000000/CloudTrail/us-east-1/log.json.gz", Body=b"{}")
    elif action == "exists":
        s3.head_bucket(Bucket=bucket)
    elif action == "purge":
        versions = s3.list_object_versions(Bucket=bucket)
        for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
        s3.delete_bucket(Bucket=bucket)


def other_trail(action, name):
    """Another logging trail of the account (S3 only), whose management events a
    pipeline's new trail would copy: apply must warn about the cost."""
    ct, s3 = client("cloudtrail"), client("s3")
    bucket = f"{name}-other-trail"
    if action == "create":
        s3.create_bucket(Bucket=bucket)
        ct.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=True)
        ct.start_logging(Name=name)
    elif action == "delete":
        ct.delete_trail(Name=name)
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)
    else:
        raise SystemExit(f"other-trail: unknown action {action}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "other-trail":
        other_trail(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "archive":
        archive(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) >= 5 and sys.argv[1] == "multi-account":
        multi_account(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    if len(sys.argv) >= 3 and sys.argv[1] == "leftovers":
        global ACCOUNT
        ACCOUNT = sys.argv[3] if len(sys.argv) > 3 else None
        found = leftovers(sys.argv[2])
        for f in found:
            print(f"left behind: {f}")
        sys.exit(1 if found else 0)
    if len(sys.argv) == 3 and sys.argv[1] == "keys":
        print(len(live_keys(sys.argv[2])))
        return
    if len(sys.argv) == 4 and sys.argv[1] == "drift":
        drift(sys.argv[2], sys.argv[3])
        return
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
