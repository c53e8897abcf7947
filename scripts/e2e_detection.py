"""End-to-end detection test against LocalStack, through both paths:

  alarm path:     secret read -> CloudTrail record (emulated) -> CloudWatch Logs
                  -> metric filter (the project's evaluator) -> alarm -> SNS -> SQS
  per-event path: secret read -> CloudTrail record (emulated) -> EventBridge
                  rule (LocalStack's pattern engine) -> input transformer -> SNS -> SQS

Applies a copy of examples/basic (name e2e-detect, alarm period 10 s, alerts to
an SQS queue), then, for each case, makes one read and waits for both the
alarm's ALARM notification and the per-event message naming the reader and
the secret (reads that must alert), or checks that neither comes (reads that
must stay silent). Then it attacks the pipeline's own parts (stops the trail,
disables the alarm's actions, ...) and waits for each tamper alert. Destroys
the pipeline at the end and checks that nothing is left behind.

Run with the LocalStack venv's Python; TF names the terraform binary;
AWS_ENDPOINT_URL the LocalStack (started with SECRETMONITOR_PATTERN_EVAL, as
scripts/lib.sh does). Prints `reads that must alert and did: N/N`,
`reads that must not and stayed silent: M/M`, `tamper actions alerted: K/K`
and the median detection latency of each path; exits non-zero on any miss.
The last per-event message is written to .tools/e2e-message.json.
"""
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(__file__))
import aws_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF = os.environ["TF"]
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
REGION = os.environ.get("AWS_REGION", "us-east-1")
NAME = "e2e-detect"
ALARM_NAME = f"{NAME}-secret-access"
QUEUE_NAME = "e2e-alerts"
PERIOD = 10
ALERT_WAIT = float(os.environ.get("E2E_ALERT_WAIT", "60"))   # seconds an alert may take
SILENCE_WAIT = float(os.environ.get("E2E_SILENCE_WAIT", "35"))  # seconds of silence that prove no alert
OK_WAIT = 60  # seconds to wait for the alarm to return to OK by itself
# LocalStack evaluates the alarm every PERIOD s at a fixed rate, and the alarm
# turns OK at one of those evaluations; a read made right after seeing OK would
# always wait a whole period. The alerting reads are therefore made at spread
# offsets after that, so the latencies sample the evaluation phase.
PHASE_OFFSETS = [0.0, PERIOD / 3, 2 * PERIOD / 3]


def client(service, key="test", secret="test", token=None):
    return boto3.client(
        service, endpoint_url=ENDPOINT, region_name=REGION,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 2}),
    )


def log(msg):
    print(msg, flush=True)


class Workspace:
    """A copy of examples/basic with the alarm period overridden."""

    def __init__(self, variables):
        self.dir = tempfile.mkdtemp(prefix="e2e-detect-")
        for f in os.listdir(os.path.join(ROOT, "examples", "basic")):
            if f.endswith(".tf"):
                shutil.copy(os.path.join(ROOT, "examples", "basic", f), self.dir)
        with open(os.path.join(self.dir, "alarm_override.tf"), "w") as f:
            f.write('resource "secretmonitor_pipeline" "this" {\n'
                    '  verify_on_apply = true\n'
                    f'  alarm {{\n    period_seconds = {PERIOD}\n  }}\n}}\n')
        with open(os.path.join(self.dir, "e2e.auto.tfvars.json"), "w") as f:
            json.dump(variables, f)
        self.env = dict(os.environ)
        self.env.pop("RUST_BACKTRACE", None)
        code, out = self.tf("init", "-input=false")
        if code != 0:
            raise SystemExit(f"terraform init failed:\n{out}")

    def tf(self, *args, timeout=600):
        cmd = [TF, f"-chdir={self.dir}", *args, "-no-color"]
        if args[0] in ("apply", "plan", "destroy"):
            cmd.append("-input=false")
        if args[0] in ("apply", "destroy"):
            cmd.append("-auto-approve")
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        out = result.stdout + result.stderr
        if result.returncode != 0 and args[0] != "init" and "does not match any of the checksums" in out:
            # The provider in the filesystem mirror was rebuilt since init
            # (.terraform/providers links to it): lock the new build and retry.
            log(f"    note: the provider package changed since init; re-initialising for {args[0]}")
            os.remove(os.path.join(self.dir, ".terraform.lock.hcl"))
            code, init_out = self.tf("init", "-input=false")
            if code != 0:
                return code, out + init_out
            result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
            out = result.stdout + result.stderr
        return result.returncode, out

    def outputs(self):
        code, out = self.tf("output", "-json")
        if code != 0:
            raise SystemExit(f"terraform output failed:\n{out}")
        return {k: v["value"] for k, v in json.loads(out).items()}

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Alerts:
    """The SQS queue subscribed to the pipeline's topic."""

    def __init__(self, sqs, url):
        self.sqs, self.url = sqs, url

    def receive(self, wait=1):
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                       AttributeNames=["SentTimestamp"])
        out = []
        for m in got.get("Messages", []):
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
            received = time.time()
            sent = int(m.get("Attributes", {}).get("SentTimestamp", 0)) / 1000 or received
            try:
                body = json.loads(m["Body"])
                message = json.loads(body["Message"]) if "Message" in body else body
            except (ValueError, TypeError, KeyError):
                message = {"unparsed": m["Body"]}
            out.append((sent, received, message))
        return out

    def drain(self):
        drained = 0
        while True:
            got = self.receive(wait=0)
            if not got:
                return drained
            drained += len(got)


def is_alarm(message):
    return message.get("AlarmName") == ALARM_NAME and message.get("NewStateValue") == "ALARM"


READ_ALERT = "Secret read outside the allow-list"
VERIFY_LABEL = "TEST NOTIFICATION from verify_on_apply: no secret was read"
TAMPER_ALERT = "Change to the secret-read detection pipeline itself"


def is_read_alert(message):
    return message.get("alert") == READ_ALERT and message.get("pipeline") == NAME


def is_tamper_alert(message):
    return message.get("alert") == TAMPER_ALERT and message.get("pipeline") == NAME


def alarm_state(cw):
    alarms = cw.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
    return alarms[0]["StateValue"] if alarms else None


def ensure_ok(cw):
    """Waits for the alarm to be OK by itself (the previous read's datapoint
    has left the window); forces it only if it stays elsewhere."""
    deadline = time.monotonic() + OK_WAIT
    while time.monotonic() < deadline:
        state = alarm_state(cw)
        if state == "OK":
            return "OK"
        time.sleep(1)
    state = alarm_state(cw)
    cw.set_alarm_state(AlarmName=ALARM_NAME, StateValue="OK", StateReason="e2e: reset before the next case")
    return f"forced OK (was {state} after {OK_WAIT}s)"


def event_name(what):
    return what.split()[0]


def delivered(logs, since, name):
    """Whether a record of `name` made at or after `since` is in the trail's log group."""
    kwargs = {"logGroupName": aws_check.log_group(NAME), "startTime": int((since - 1) * 1000)}
    for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
        for e in page["events"]:
            try:
                if json.loads(e["message"]).get("eventName") == name:
                    return True
            except ValueError:
                pass
    return False


class Case:
    """One read: who reads which secret, how, and whether it must alert."""

    def __init__(self, what, must_alert, make_client, read, principal=None, secret=None):
        self.what, self.must_alert = what, must_alert
        self.make_client, self.read = make_client, read
        self.principal, self.secret = principal, secret  # what the per-event message must name


def wait_for(alerts, before, seconds, wanted):
    """Collects messages until every predicate in `wanted` (name -> predicate)
    has matched once or time is up. Returns ({name: (sent, message)}, others)."""
    deadline = before + seconds
    hits, others = {}, []
    while time.time() < deadline and len(hits) < len(wanted):
        for sent, _received, message in alerts.receive(wait=1):
            for name, predicate in wanted.items():
                if name not in hits and predicate(message):
                    hits[name] = (sent, message)
                    break
            else:
                others.append(message)
    return hits, others


DASHBOARD_DATA = os.path.join(ROOT, ".tools", "e2e-dashboard-data.json")


def dashboard_data(cw, logs, alarm, log_group, since):
    """What the dashboard's metric and alarm widgets would show for the reads
    just made, as the emulator holds it: the alarm metric's sums per period,
    every GetSecretValue record in the trail's log group, and the alarm's
    state changes. scripts/dashboard_picture.py draws it (docs/dashboard.md)."""
    start = datetime.datetime.fromtimestamp(since - PERIOD, datetime.timezone.utc)
    end = datetime.datetime.now(datetime.timezone.utc)
    points = cw.get_metric_statistics(
        Namespace=alarm["Namespace"], MetricName=alarm["MetricName"], StartTime=start, EndTime=end,
        Period=PERIOD, Statistics=["Sum"])["Datapoints"]
    reads = []
    for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName=log_group, startTime=int(start.timestamp() * 1000),
            filterPattern='{ $.eventName = "GetSecretValue" }'):
        reads.extend(e["timestamp"] / 1000 for e in page["events"])
    # Filtered here: LocalStack fails on StartDate/EndDate (it compares naive
    # and aware datetimes).
    history = cw.describe_alarm_history(
        AlarmName=alarm["AlarmName"], HistoryItemType="StateUpdate", MaxRecords=100)["AlarmHistoryItems"]
    changes = []
    for item in (i for i in history if start <= i["Timestamp"] <= end):
        data = json.loads(item.get("HistoryData") or "{}")
        changes.append({"time": item["Timestamp"].timestamp(),
                        "state": data.get("newState", {}).get("stateValue")})
    with open(DASHBOARD_DATA, "w") as f:
        json.dump({
            "emulated": "LocalStack with the secretmonitor extension (scripts/e2e_detection.py)",
            "period_seconds": PERIOD, "start": start.timestamp(), "end": end.timestamp(),
            "threshold": alarm["Threshold"], "metric": f"{alarm['Namespace']}/{alarm['MetricName']}",
            "unauthorised": sorted(({"time": p["Timestamp"].timestamp(), "sum": p["Sum"]} for p in points),
                                   key=lambda p: p["time"]),
            "reads": sorted(reads),
            "alarm_changes": sorted((c for c in changes if c["state"]), key=lambda c: c["time"]),
        }, f, indent=1)
    log(f"  dashboard data: {len(points)} metric periods, {len(reads)} reads, {len(changes)} alarm changes "
        f"-> {os.path.relpath(DASHBOARD_DATA, ROOT)}")


def main():
    started = time.monotonic()
    iam, sts, sqs, sm, cw = client("iam"), client("sts"), client("sqs"), client("secretsmanager"), client("cloudwatch")
    logs, trail_api, events = client("logs"), client("cloudtrail"), client("events")
    account = sts.get_caller_identity()["Account"]
    topic_arn = f"arn:aws:sns:{REGION}:{account}:{NAME}-alerts"
    log(f"LocalStack at {ENDPOINT}, account {account}")

    # Roles: app-prod is allowed, other-app is not. Both trust the account.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    roles = {}
    for role in ("app-prod", "other-app"):
        try:
            roles[role] = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            roles[role] = iam.get_role(RoleName=role)["Role"]["Arn"]
    # An IAM user with its own access key: the recorder tells users by their key.
    try:
        iam.create_user(UserName="intruder")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    user_key = iam.create_access_key(UserName="intruder")["AccessKey"]
    user_arn = f"arn:aws:iam::{account}:user/intruder"

    # The alert queue, with the policy AWS requires for an SNS subscription.
    queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowPipelineTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    alerts = Alerts(sqs, queue_url)

    ws = Workspace({
        "name": NAME, "s3_use_path_style": True, "alert_queue_arns": [queue_arn], "alert_emails": [],
        "secrets": ["prod/*"], "allowed_principals": [roles["app-prod"]],
    })
    cases = []
    results = []  # (case, must_alert, ok, {path: latency})
    tamper_results = []  # (action, ok, latency)
    # Attacks on the pipeline's own parts, each of which must raise a tamper alert.
    tamper_actions = [
        ("PutEventSelectors", lambda: trail_api.put_event_selectors(
            TrailName=NAME, EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])),
        ("DisableAlarmActions", lambda: cw.disable_alarm_actions(AlarmNames=[ALARM_NAME])),
        ("DeleteMetricFilter", lambda: logs.delete_metric_filter(
            logGroupName=aws_check.log_group(NAME), filterName=f"{NAME}-secret-access")),
        ("DisableRule", lambda: events.disable_rule(Name=f"{NAME}-secret-reads")),
        ("StopLogging", lambda: trail_api.stop_logging(Name=NAME)),
    ]
    failures = []
    last_message = None
    try:
        t = time.monotonic()
        code, out = ws.tf("apply")
        if code != 0:
            raise SystemExit(f"apply failed:\n{out[-3000:]}")
        outputs = ws.outputs()
        log(f"applied in {time.monotonic() - t:.1f}s; filter pattern: {outputs['filter_pattern']}")
        log(f"subscriptions: {outputs['subscriptions']}")
        log(f"rules: {outputs.get('read_rule_arn')}, {outputs.get('tamper_rule_arn')}")
        # verify_on_apply: the apply pushed a labelled test through both paths.
        verification = outputs.get("last_verification") or {}
        log(f"last_verification: {json.dumps(verification, indent=1)}")
        hits, others = wait_for(alerts, time.time(), ALERT_WAIT, {
            "alarm": lambda m: is_alarm(m) and VERIFY_LABEL in m.get("NewStateReason", ""),
            "per-event": lambda m: m.get("alert") == VERIFY_LABEL and m.get("path") == "per-event",
        })
        verified = verification.get("ok") == "true" and len(hits) == 2
        log(f"verify_on_apply: last_verification ok={verification.get('ok')}; test notifications received: "
            f"{sorted(hits)} of ['alarm', 'per-event']" + ("" if verified else f"; other messages: {others}"))
        if not verified:
            failures.append("verify_on_apply: the test notifications did not arrive through both paths")
        alarm = cw.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
        if not alarm:
            raise SystemExit(f"alarm {ALARM_NAME} not found")
        a = alarm[0]
        log(f"alarm: period {a['Period']}s x {a['EvaluationPeriods']}, threshold {a['Threshold']}, "
            f"{a['ComparisonOperator']}, actions {a['AlarmActions']}, state {a['StateValue']}")
        if a["Period"] != PERIOD:
            failures.append(f"alarm period is {a['Period']}, not the {PERIOD} of the override")

        secrets = {}
        for name in ("prod/db-password", "prod/api-key", "staging/db-password"):
            try:
                secrets[name] = sm.create_secret(Name=name, SecretString="e2e-value")["ARN"]
            except sm.exceptions.ResourceExistsException:
                secrets[name] = sm.describe_secret(SecretId=name)["ARN"]

        def assumed(role, session):
            creds = sts.assume_role(RoleArn=roles[role], RoleSessionName=session)["Credentials"]
            return client("secretsmanager", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])

        def as_user():
            return client("secretsmanager", user_key["AccessKeyId"], user_key["SecretAccessKey"])

        def get(secret_id):
            return lambda c: c.get_secret_value(SecretId=secret_id)

        root_arn = f"arn:aws:iam::{account}:root"

        def session_arn(role, session):
            return f"arn:aws:sts::{account}:assumed-role/{role}/{session}"

        db_arn, api_arn = secrets["prod/db-password"], secrets["prod/api-key"]
        # Credentials are obtained before the case starts, so the read is the only timed call.
        cases = [
            Case("GetSecretValue prod/db-password as the account root", True,
                 lambda: sm, get("prod/db-password"), root_arn, "prod/db-password"),
            Case("GetSecretValue prod/db-password as role other-app (not allowed)", True,
                 lambda: assumed("other-app", "e2e-other"), get("prod/db-password"),
                 session_arn("other-app", "e2e-other"), "prod/db-password"),
            Case("GetSecretValue prod/db-password by its ARN", True,
                 lambda: sm, get(db_arn), root_arn, db_arn),
            Case("GetSecretValue prod/api-key as IAM user intruder", True,
                 as_user, get("prod/api-key"), user_arn, "prod/api-key"),
            Case("GetSecretValue prod/api-key by its ARN as role other-app", True,
                 lambda: assumed("other-app", "batch-job"), get(api_arn),
                 session_arn("other-app", "batch-job"), api_arn),
            Case("GetSecretValue prod/api-key as the account root", True,
                 lambda: sm, get("prod/api-key"), root_arn, "prod/api-key"),
            Case("GetSecretValue prod/db-password by its ARN as IAM user intruder", True,
                 as_user, get(db_arn), user_arn, db_arn),
            Case("GetSecretValue prod/db-password as role other-app, session named like the allowed role", True,
                 lambda: assumed("other-app", "app-prod"), get("prod/db-password"),
                 session_arn("other-app", "app-prod"), "prod/db-password"),
            Case("GetSecretValue prod/api-key as role other-app", True,
                 lambda: assumed("other-app", "e2e-third"), get("prod/api-key"),
                 session_arn("other-app", "e2e-third"), "prod/api-key"),
            Case("GetSecretValue prod/db-password as IAM user intruder", True,
                 as_user, get("prod/db-password"), user_arn, "prod/db-password"),
            Case("GetSecretValue prod/db-password as role app-prod (allowed)", False,
                 lambda: assumed("app-prod", "e2e-app-session"), get("prod/db-password")),
            Case("GetSecretValue prod/api-key by its ARN as role app-prod (allowed)", False,
                 lambda: assumed("app-prod", "another-session"), get(api_arn)),
            Case("GetSecretValue staging/db-password (out of scope)", False,
                 lambda: sm, get("staging/db-password")),
            Case("DescribeSecret prod/db-password", False,
                 lambda: sm, lambda c: c.describe_secret(SecretId="prod/db-password")),
        ]
        alerting_seen = 0
        reads_started = time.time()
        for case in cases:
            c = case.make_client()
            ok_how = ensure_ok(cw)
            drained = alerts.drain()
            if case.must_alert:
                offset = PHASE_OFFSETS[alerting_seen % len(PHASE_OFFSETS)]
                alerting_seen += 1
                time.sleep(offset)
                ok_how += f", read {offset:.1f}s later"
            before = time.time()
            case.read(c)
            wanted = {"alarm": is_alarm, "per-event": is_read_alert}
            hits, others = wait_for(alerts, before, ALERT_WAIT if case.must_alert else SILENCE_WAIT, wanted)
            note = f"[{ok_how}; drained {drained}]"
            latencies = {path: sent - before for path, (sent, _) in hits.items()}
            if case.must_alert:
                problems = [f"no {path} alert within {ALERT_WAIT:.0f}s" for path in wanted if path not in hits]
                if "per-event" in hits:
                    message = hits["per-event"][1]
                    last_message = message
                    for field, expected in (("principal", case.principal), ("secret", case.secret),
                                            ("event", "GetSecretValue")):
                        if message.get(field) != expected:
                            problems.append(f"per-event message names {field} {message.get(field)!r}, not {expected!r}")
                ok = not problems
                results.append((case.what, True, ok, latencies))
                timing = ", ".join(f"{path} after {latency:.1f}s" for path, latency in sorted(latencies.items()))
                if ok:
                    log(f"  ok   {case.what}: {timing} {note}")
                else:
                    log(f"  MISS {case.what}: {'; '.join(problems)} ({timing}); alarm state {alarm_state(cw)}; "
                        f"other messages: {others} {note}")
            else:
                if hits:
                    results.append((case.what, False, False, {}))
                    log(f"  FALSE ALARM {case.what}: {sorted(hits)} alerted: "
                        f"{[m for _, m in hits.values()]} {note}")
                elif not delivered(logs, before, event_name(case.what)):
                    # Silence proves nothing if the read never reached the log group.
                    results.append((case.what, False, False, {}))
                    log(f"  FAIL {case.what}: no alert, but its {event_name(case.what)} record never reached "
                        f"{outputs['log_group_name']} either {note}")
                else:
                    results.append((case.what, False, True, {}))
                    log(f"  ok   {case.what}: record delivered to the log group; neither path alerted within "
                        f"{SILENCE_WAIT:.0f}s (alarm {alarm_state(cw)}) {note}")

        try:
            dashboard_data(cw, logs, a, outputs["log_group_name"], reads_started)
        except Exception as e:  # the picture is documentation; detection was judged above
            log(f"  dashboard data not written: {e}")

        alerts.drain()
        for action, attack in tamper_actions:
            before = time.time()
            attack()
            hits, others = wait_for(alerts, before, ALERT_WAIT, {
                "tamper": lambda m, action=action: is_tamper_alert(m) and m.get("event") == action})
            if hits:
                latency = hits["tamper"][0] - before
                tamper_results.append((action, True, latency))
                log(f"  ok   {action} on the pipeline: tamper alert after {latency:.1f}s, naming "
                    f"{hits['tamper'][1].get('principal')}")
            else:
                tamper_results.append((action, False, None))
                log(f"  MISS {action} on the pipeline: no tamper alert within {ALERT_WAIT:.0f}s; others: {others}")
    finally:
        t = time.monotonic()
        code, out = ws.tf("destroy")
        if code != 0:
            failures.append(f"destroy failed (workspace kept in {ws.dir}):\n{out[-3000:]}")
        else:
            log(f"destroyed in {time.monotonic() - t:.1f}s")
            left = aws_check.leftovers(NAME)
            if left:
                failures.append(f"left behind after destroy: {left}")
            else:
                log("nothing left behind after destroy")
            ws.close()
        for name in ("prod/db-password", "prod/api-key", "staging/db-password"):
            try:
                sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
            except Exception:
                pass
        try:
            sqs.delete_queue(QueueUrl=queue_url)
        except Exception:
            pass
        for role in ("app-prod", "other-app"):
            try:
                iam.delete_role(RoleName=role)
            except Exception:
                pass
        try:
            iam.delete_access_key(UserName="intruder", AccessKeyId=user_key["AccessKeyId"])
            iam.delete_user(UserName="intruder")
        except Exception:
            pass

    if last_message is not None:
        with open(os.path.join(ROOT, ".tools", "e2e-message.json"), "w") as f:
            json.dump(last_message, f, indent=2)
    for f in failures:
        log(f"FAIL {f}")
    alerting = [r for r in results if r[1]]
    silent = [r for r in results if not r[1]]
    log(f"reads that must alert and did (both paths): {sum(r[2] for r in alerting)}/{len(alerting)}")
    log(f"reads that must not and stayed silent (both paths): {sum(r[2] for r in silent)}/{len(silent)}")
    log(f"tamper actions alerted: {sum(r[1] for r in tamper_results)}/{len(tamper_results)}")
    for path in ("alarm", "per-event"):
        latencies = [r[3][path] for r in alerting if path in r[3]]
        median = f"{statistics.median(latencies):.1f} s" if latencies else "n/a"
        log(f"median detection latency ({path} path, {len(latencies)} reads): {median}"
            + (f" (each: {', '.join(f'{x:.1f}' for x in latencies)})" if latencies else ""))
    log(f"total time {time.monotonic() - started:.0f}s")
    missed = (any(not r[2] for r in results) or len(results) != len(cases)
              or any(not r[1] for r in tamper_results) or len(tamper_results) != len(tamper_actions))
    sys.exit(1 if missed or failures else 0)


if __name__ == "__main__":
    main()
