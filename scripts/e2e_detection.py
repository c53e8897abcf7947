"""End-to-end detection test of the alarm path against LocalStack:
secret read -> CloudTrail record (emulated) -> CloudWatch Logs -> metric
filter (the project's evaluator) -> alarm -> SNS -> SQS.

Applies a copy of examples/basic (name e2e-detect, alarm period 10 s, alerts to
an SQS queue), then, for each case, makes one read and waits for the alarm's
ALARM notification on the queue (reads that must alert) or checks that none
comes (reads that must stay silent). Destroys the pipeline at the end and
checks that nothing is left behind.

Run with the LocalStack venv's Python; TF names the terraform binary;
AWS_ENDPOINT_URL the LocalStack (started with SECRETMONITOR_PATTERN_EVAL, as
scripts/lib.sh does). Prints `reads that must alert and did: N/N`,
`reads that must not and stayed silent: M/M` and the median detection
latency; exits non-zero on any miss.
"""
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


def main():
    started = time.monotonic()
    iam, sts, sqs, sm, cw = client("iam"), client("sts"), client("sqs"), client("secretsmanager"), client("cloudwatch")
    logs = client("logs")
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
    results = []  # (case, must_alert, ok, latency or None, detail)
    failures = []
    try:
        t = time.monotonic()
        code, out = ws.tf("apply")
        if code != 0:
            raise SystemExit(f"apply failed:\n{out[-3000:]}")
        outputs = ws.outputs()
        log(f"applied in {time.monotonic() - t:.1f}s; filter pattern: {outputs['filter_pattern']}")
        log(f"subscriptions: {outputs['subscriptions']}")
        alarm = cw.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
        if not alarm:
            raise SystemExit(f"alarm {ALARM_NAME} not found")
        a = alarm[0]
        log(f"alarm: period {a['Period']}s x {a['EvaluationPeriods']}, threshold {a['Threshold']}, "
            f"{a['ComparisonOperator']}, actions {a['AlarmActions']}, state {a['StateValue']}")
        if a["Period"] != PERIOD:
            failures.append(f"alarm period is {a['Period']}, not the {PERIOD} of the override")

        secrets = {}
        for name in ("prod/db-password", "staging/db-password"):
            try:
                secrets[name] = sm.create_secret(Name=name, SecretString="e2e-value")["ARN"]
            except sm.exceptions.ResourceExistsException:
                secrets[name] = sm.describe_secret(SecretId=name)["ARN"]

        def assumed(role, session):
            creds = sts.assume_role(RoleArn=roles[role], RoleSessionName=session)["Credentials"]
            return client("secretsmanager", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])

        # Credentials are obtained before the case starts, so the read is the only timed call.
        cases = [
            ("GetSecretValue prod/db-password as the account root", True,
             lambda: sm, lambda c: c.get_secret_value(SecretId="prod/db-password")),
            ("GetSecretValue prod/db-password as role other-app (not allowed)", True,
             lambda: assumed("other-app", "e2e-other"), lambda c: c.get_secret_value(SecretId="prod/db-password")),
            ("GetSecretValue prod/db-password by its ARN", True,
             lambda: sm, lambda c: c.get_secret_value(SecretId=secrets["prod/db-password"])),
            ("GetSecretValue prod/db-password as role app-prod (allowed)", False,
             lambda: assumed("app-prod", "e2e-app-session"), lambda c: c.get_secret_value(SecretId="prod/db-password")),
            ("GetSecretValue staging/db-password (out of scope)", False,
             lambda: sm, lambda c: c.get_secret_value(SecretId="staging/db-password")),
            ("DescribeSecret prod/db-password", False,
             lambda: sm, lambda c: c.describe_secret(SecretId="prod/db-password")),
        ]
        alerting_seen = 0
        for what, must_alert, make_client, read in cases:
            c = make_client()
            ok_how = ensure_ok(cw)
            drained = alerts.drain()
            if must_alert:
                offset = PHASE_OFFSETS[alerting_seen % len(PHASE_OFFSETS)]
                alerting_seen += 1
                time.sleep(offset)
                ok_how += f", read {offset:.1f}s later"
            before = time.time()
            read(c)
            deadline = before + (ALERT_WAIT if must_alert else SILENCE_WAIT)
            hit = None
            others = []
            while time.time() < deadline and hit is None:
                for sent, received, message in alerts.receive(wait=1):
                    if is_alarm(message):
                        hit = (sent, received, message)
                        break
                    others.append(message)
            note = f"[{ok_how}; drained {drained}]"
            if must_alert:
                if hit:
                    latency = hit[0] - before
                    results.append((what, True, True, latency))
                    log(f"  ok   {what}: ALARM on the queue after {latency:.1f}s "
                        f"(received after {hit[1] - before:.1f}s) {note}")
                else:
                    results.append((what, True, False, None))
                    log(f"  MISS {what}: no ALARM within {ALERT_WAIT:.0f}s; alarm state {alarm_state(cw)}; "
                        f"other messages: {others} {note}")
            else:
                if hit:
                    results.append((what, False, False, None))
                    log(f"  FALSE ALARM {what}: ALARM after {hit[0] - before:.1f}s: "
                        f"{hit[2].get('NewStateReason')} {note}")
                elif not delivered(logs, before, event_name(what)):
                    # Silence proves nothing if the read never reached the log group.
                    results.append((what, False, False, None))
                    log(f"  FAIL {what}: no ALARM, but its {event_name(what)} record never reached "
                        f"{outputs['log_group_name']} either {note}")
                else:
                    results.append((what, False, True, None))
                    log(f"  ok   {what}: record delivered to the log group, no ALARM within {SILENCE_WAIT:.0f}s "
                        f"(alarm {alarm_state(cw)}) {note}")
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
        for name in ("prod/db-password", "staging/db-password"):
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

    for f in failures:
        log(f"FAIL {f}")
    alerting = [r for r in results if r[1]]
    silent = [r for r in results if not r[1]]
    latencies = [r[3] for r in alerting if r[3] is not None]
    log(f"reads that must alert and did: {sum(r[2] for r in alerting)}/{len(alerting)}")
    log(f"reads that must not and stayed silent: {sum(r[2] for r in silent)}/{len(silent)}")
    median = f"{statistics.median(latencies):.1f} s" if latencies else "n/a"
    log(f"median detection latency (alarm path): {median}"
        + (f" (each: {', '.join(f'{x:.1f}' for x in latencies)})" if latencies else ""))
    log(f"total time {time.monotonic() - started:.0f}s")
    missed = any(not r[2] for r in results) or len(results) != 6
    sys.exit(1 if missed or failures else 0)


if __name__ == "__main__":
    main()
