"""End-to-end detection at scale against LocalStack: one pipeline with 500
allowed principals and 200 secret scopes (the issue's "Done when";
docs/scale.md), through both paths:

  per-event path: read -> CloudTrail record (emulated) -> caller rules on the
                  default bus -> the pipeline's bus -> scope rules -> SNS -> SQS
  alarm path:     the same scope rules -> findings log group -> metric filter
                  (or, when the allow-list fits them, the metric filters on the
                  trail's group) -> the pipeline's metric -> alarm -> SNS -> SQS

It writes its own Terraform configuration (name e2e-scale, fast_alerts, a 10 s
alarm period, alerts to an SQS queue it creates), creates in LocalStack the
roles and users it reads with and the secrets it reads, plans (printing the
plan's metric_filter_count and event_rule_count) and applies. Then:

  1. reads that must stay silent: allowed roles (first, middle and last of the
     list), an allowed IAM user and an allowed Identity Center role, each of
     an in-scope secret by name and by ARN, and an out-of-scope read; neither
     path may report any (no per-event message, the pipeline's metric does
     not move, the alarm does not fire), and their records must have been
     delivered (silence proves nothing otherwise);
  2. reads that must alert: a role whose name extends an allowed one, an
     unknown role and an unknown user, each reading the first, middle and
     last scope entries, by name and by ARN; each must produce exactly one
     per-event message naming the principal and the secret, the metric's Sum
     over the phase must equal the number of these reads exactly (each
     counted once), and the alarm must reach ALARM and notify the queue.

Rather than waiting for ALARM per read (a period each), the alarm path is
judged by the metric the alarm watches (read from the alarm's own
configuration) and one ALARM notification for the phase.

Then drift on the layout's new parts (plan exits 2 naming the attribute,
apply heals, plan exits 0), destroy, and aws_check's leftovers check.

Run with the LocalStack venv's Python; TF names the terraform binary;
AWS_ENDPOINT_URL the LocalStack (started by scripts/localstack.sh, which sets
SECRETMONITOR_PATTERN_EVAL). Prints
`scale: reads that must alert and did (both paths): N/N`,
`scale: reads that must not and stayed silent (both paths): M/M` and
`plan shows metric_filter_count = X, event_rule_count = Y`; exits non-zero on
any failure.
"""
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(__file__))
import aws_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF = os.environ["TF"]
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
REGION = os.environ.get("AWS_REGION", "us-east-1")
# As the Makefile: every AWS call goes to LocalStack with its dummy account
# (the provider under test reads these too).
for key, value in (("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"), ("AWS_ACCESS_KEY_ID", "test"),
                   ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_REGION", "us-east-1")):
    os.environ.setdefault(key, value)
# As scripts/lib.sh: the machine may point TF_CLI_CONFIG_FILE elsewhere; the
# tests need the mirror holding the freshly built provider.
os.environ["TF_CLI_CONFIG_FILE"] = os.environ.get("SECRETMONITOR_TF_CLI_CONFIG",
                                                  os.path.join(ROOT, ".tools", "terraformrc"))
NAME = "e2e-scale"
ALARM_NAME = f"{NAME}-secret-access"
QUEUE_NAME = f"{NAME}-alerts"
PERIOD = 10
ACCOUNT = "000000000000"  # LocalStack's
OTHER_ACCOUNT = "111122223333"
ALERT_WAIT = float(os.environ.get("E2E_ALERT_WAIT", "60"))  # seconds every alert of a phase may take
SILENCE_WAIT = float(os.environ.get("E2E_SILENCE_WAIT", "25"))  # seconds of silence that prove no alert
READ_ALERT = "Secret read outside the allow-list"
SECRET_VALUE = "e2e-scale-value"


def client(service, key="test", secret="test", token=None):
    return boto3.client(
        service, endpoint_url=ENDPOINT, region_name=REGION,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 3}),
    )


def log(msg):
    print(msg, flush=True)


# --- the configuration ------------------------------------------------------------------

SERVICES = ["analytics", "billing", "checkout", "delivery", "email", "fraud", "gateway", "hr", "inventory",
            "jobs", "kyc", "ledger", "mobile", "notify", "orders", "payments-api", "quotes", "reports",
            "search", "tax", "users", "vault", "web", "xfer", "yield", "zeta"]
PERMISSION_SETS = ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "Billing", "DataScientist",
                   "SecurityAudit", "SupportUser", "NetworkAdmin", "DatabaseAdmin", "ViewOnlyAccess"]
FIRST_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
               "ken", "lena", "mike", "nina", "oscar", "peggy", "quinn", "rita", "sam", "trent"]
SSO_PATH = "/aws-reserved/sso.amazonaws.com/us-east-1/"


def role_arn(account, path_and_name):
    return f"arn:aws:iam::{account}:role/{path_and_name}"


def configuration(rng, real_secret_arns):
    """The 500 principals and 200 scope entries, and the entries and
    principals the reads use. Deterministic (seeded) apart from the ARNs
    LocalStack gave the secrets that are read."""
    roles = [f"app-{i:03d}" for i in range(190)]
    roles += [f"service-role/{SERVICES[i % len(SERVICES)]}-{i:03d}-prod" for i in range(190)]
    sso = [f"aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_{PERMISSION_SETS[i % 10]}_{rng.getrandbits(64):016x}"
           for i in range(20)]
    users = [f"{FIRST_NAMES[i % 20]}.{chr(ord('a') + i // 20)}" for i in range(40)]
    others = [f"ci/deployer-{i:02d}" if i % 2 else f"{SERVICES[i % len(SERVICES)]}-reader-{i:02d}"
              for i in range(58)]
    middle = roles[190 + 41]  # service-role/payments-api-041-prod: a role with a path
    first, last = "app-001", roles[-1]
    principals = ([role_arn(ACCOUNT, r) for r in roles + sso] + [f"arn:aws:iam::{ACCOUNT}:user/{u}" for u in users]
                  + [role_arn(OTHER_ACCOUNT, r) for r in others] + ["222233334444", "333344445555"])
    rng.shuffle(principals)
    # The three allowed roles the reads use go first, in the middle and last.
    for arn in (role_arn(ACCOUNT, first), role_arn(ACCOUNT, middle), role_arn(ACCOUNT, last)):
        principals.remove(arn)
    principals.insert(0, role_arn(ACCOUNT, first))
    principals.insert(len(principals) // 2, role_arn(ACCOUNT, middle))
    principals.append(role_arn(ACCOUNT, last))
    assert len(principals) == 500 and len(set(principals)) == 500

    # 60 prefixes, 70 names, 70 full ARNs (69 made up, one of a real secret).
    prefixes = [f"team-{i:02d}/*" for i in range(60)]
    names = [f"{SERVICES[i % len(SERVICES)]}-config-{i:03d}" for i in range(70)]
    arns = [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db/{SERVICES[i % len(SERVICES)]}-{i:02d}-password-"
            + "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6))
            for i in range(69)]
    first_entry, middle_entry, last_entry = "team-00/*", "billing-config-001", real_secret_arns["zeta/vault-root-token"]
    secrets = [e for e in prefixes + names + arns if e not in (first_entry, middle_entry)]
    rng.shuffle(secrets)
    # The entries the reads use: first a prefix, in the middle a name, last a full ARN.
    secrets.insert(0, first_entry)
    secrets.insert(100, middle_entry)
    secrets.append(last_entry)
    assert len(secrets) == 200 and len(set(secrets)) == 200
    return {
        "principals": principals, "secrets": secrets,
        "allowed_roles": {"first": first, "middle": middle, "last": last},
        "allowed_sso": sso[3], "allowed_user": users[7],
    }


# The configuration the layout's unit test proves exact, on every chunk
# boundary (src/pattern/tests/layout.rs, the_end_to_end_configuration_...).
PROVEN = os.path.join(ROOT, "tests", "scale", "e2e-500x200.json")


def check_proven(config, real_arn):
    """Refuses to run on another configuration than the proven one: the same
    lists, the read secret's ARN aside (LocalStack's suffix, of the same
    length as the placeholder, so the chunks are the same)."""
    with open(PROVEN) as f:
        proven = json.load(f)
    placeholder = real_arn[:-6] + "XXXXXX"
    secrets = [placeholder if s == real_arn else s for s in config["secrets"]]
    if secrets != proven["secrets"] or config["principals"] != proven["principals"]:
        raise SystemExit(f"the configuration differs from {PROVEN}, which the layout test proves exact; "
                         "regenerate that file from configuration() and rerun cargo test")


# --- terraform --------------------------------------------------------------------------

MAIN_TF = """
terraform {
  required_providers {
    secretmonitor = { source = "secretmonitor/secretmonitor" }
  }
}

provider "secretmonitor" {
  region            = "%(region)s"
  s3_use_path_style = true
}

variable "secrets" { type = list(string) }
variable "allowed_principals" { type = list(string) }
variable "queue_arn" { type = string }

resource "secretmonitor_pipeline" "this" {
  name               = "%(name)s"
  secrets            = var.secrets
  allowed_principals = var.allowed_principals
  fast_alerts        = true

  notification {
    emails         = []
    sqs_queue_arns = [var.queue_arn]
  }

  alarm {
    period_seconds = %(period)d
  }

  archive {
    force_destroy = true
  }

  kms {
    deletion_window_days = 7
  }
}

output "metric_filter_count" { value = secretmonitor_pipeline.this.metric_filter_count }
output "event_rule_count" { value = secretmonitor_pipeline.this.event_rule_count }
output "filter_patterns" { value = secretmonitor_pipeline.this.filter_patterns }
output "event_patterns" { value = secretmonitor_pipeline.this.event_patterns }
output "event_bus_arn" { value = secretmonitor_pipeline.this.event_bus_arn }
output "findings_log_group_arn" { value = secretmonitor_pipeline.this.findings_log_group_arn }
output "read_rule_arn" { value = secretmonitor_pipeline.this.read_rule_arn }
output "log_group_name" { value = secretmonitor_pipeline.this.log_group_name }
"""


class Workspace:
    def __init__(self, variables):
        self.dir = tempfile.mkdtemp(prefix="e2e-scale-")
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(MAIN_TF % {"region": REGION, "name": NAME, "period": PERIOD})
        with open(os.path.join(self.dir, "e2e.auto.tfvars.json"), "w") as f:
            json.dump(variables, f)
        self.env = dict(os.environ)
        self.env.pop("RUST_BACKTRACE", None)
        code, out = self.tf("init", "-input=false")
        if code != 0:
            raise SystemExit(f"terraform init failed:\n{out}")

    def tf(self, *args, timeout=600):
        # Flags before positional arguments (a plan file): Terraform stops
        # reading flags at the first one.
        flags = ["-no-color"] + [a for a in args[1:] if a.startswith("-")]
        if args[0] in ("apply", "plan", "destroy"):
            flags.append("-input=false")
        if args[0] in ("apply", "destroy"):
            flags.append("-auto-approve")
        cmd = [TF, f"-chdir={self.dir}", args[0], *flags, *[a for a in args[1:] if not a.startswith("-")]]
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout + result.stderr

    def state(self):
        """The resource's attributes in the state (root outputs are not
        written by an apply that failed; the resource's state is)."""
        code, out = self.tf("show", "-json")
        if code != 0:
            raise SystemExit(f"terraform show failed:\n{out[-3000:]}")
        resources = (json.loads(out).get("values") or {}).get("root_module", {}).get("resources", [])
        found = [r for r in resources if r["type"] == "secretmonitor_pipeline"]
        return found[0]["values"] if found else None

    def planned(self):
        """The resource's planned values (plan -out, show -json)."""
        code, out = self.tf("plan", "-out=plan.bin")
        if code != 0:
            raise SystemExit(f"plan failed:\n{out[-3000:]}")
        code, shown = self.tf("show", "-json", "plan.bin")
        if code != 0:
            raise SystemExit(f"terraform show failed:\n{shown[-3000:]}")
        changes = json.loads(shown)["resource_changes"]
        return next(c["change"]["after"] for c in changes if c["type"] == "secretmonitor_pipeline")

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def changed_attributes(plan_text):
    """The attribute names a plan shows as changing (`~ name = ...`, `+ name`, `- name`)."""
    return sorted(set(re.findall(r"^\s*[~+-] (\w+)\s*(?:=|\{|\[)", plan_text, re.M)))


# --- alerts and the metric --------------------------------------------------------------


class Alerts:
    """The SQS queue subscribed to the pipeline's topic."""

    def __init__(self, sqs, url):
        self.sqs, self.url = sqs, url

    def receive(self, wait=1):
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
        out = []
        for m in got.get("Messages", []):
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
            try:
                body = json.loads(m["Body"])
                out.append(json.loads(body["Message"]) if "Message" in body else body)
            except (ValueError, TypeError, KeyError):
                out.append({"unparsed": m["Body"]})
        return out

    def collect(self, seconds, done=lambda messages: False):
        """Messages for `seconds`, or until done(messages)."""
        deadline, messages = time.monotonic() + seconds, []
        while time.monotonic() < deadline and not done(messages):
            messages += self.receive(wait=1)
        return messages


def is_read_alert(m):
    return m.get("alert") == READ_ALERT and m.get("pipeline") == NAME


def is_alarm(m):
    """An ALARM notification of the pipeline's alarm, not verify_on_apply's labelled test."""
    return (m.get("AlarmName") == ALARM_NAME and m.get("NewStateValue") == "ALARM"
            and "TEST NOTIFICATION" not in m.get("NewStateReason", ""))


class Metric:
    """The metric(s) the alarm watches, read from the alarm itself: one
    metric, or the metric stats of a metric-math alarm (summed: the layout's
    filters all publish one metric, so a sum of several is the same count)."""

    def __init__(self, cw, alarm):
        self.cw = cw
        if alarm.get("MetricName"):
            self.stats = [(alarm["Namespace"], alarm["MetricName"], alarm.get("Dimensions") or [])]
        else:
            self.stats = [(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
                           m["MetricStat"]["Metric"].get("Dimensions") or [])
                          for m in alarm.get("Metrics") or [] if "MetricStat" in m]
        if not self.stats:
            raise SystemExit(f"alarm {ALARM_NAME} watches no metric: {alarm}")
        self.since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=15)

    def describe(self):
        return ", ".join(f"{ns}/{name}" for ns, name, _ in self.stats)

    def total(self):
        """The Sum since this script started (a fixed window start, so two
        totals subtract to what happened in between)."""
        total = 0.0
        for namespace, name, dimensions in self.stats:
            points = self.cw.get_metric_statistics(
                Namespace=namespace, MetricName=name, Dimensions=dimensions, StartTime=self.since,
                EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), Period=60, Statistics=["Sum"])
            total += sum(p["Sum"] for p in points["Datapoints"])
        return total


def delivered(logs, group, since, event_ids_wanted):
    """How many of the wanted (principal, secret id) reads made since `since`
    are in the trail's log group."""
    found = set()
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=int((since - 1) * 1000)):
        for e in page["events"]:
            try:
                r = json.loads(e["message"])
            except ValueError:
                continue
            if r.get("eventName") == "GetSecretValue":
                found.add((r["userIdentity"].get("arn"), (r.get("requestParameters") or {}).get("secretId")))
    return {w for w in event_ids_wanted if w in found}


# --- the run ----------------------------------------------------------------------------


def main():
    started = time.monotonic()
    rng = random.Random(20261201)
    iam, sts, sqs, sm, cw, logs = (client(s) for s in ("iam", "sts", "sqs", "secretsmanager", "cloudwatch", "logs"))
    failures, made = [], {"roles": [], "users": [], "secrets": [], "queue": None}
    log(f"LocalStack at {ENDPOINT}, account {ACCOUNT}")
    counts = {"alerting_ok": 0, "alerting_total": 0, "silent_ok": 0, "silent_total": 0}
    try:
        run(rng, iam, sts, sqs, sm, cw, logs, made, failures, counts)
    except SystemExit as e:  # a step that cannot go on; the summary still prints
        failures.append(str(e))
    finally:
        cleanup(made, iam, sm, sqs)
    for f in failures:
        log(f"FAIL {f}")
    log(f"scale: reads that must alert and did (both paths): {counts['alerting_ok']}/{counts['alerting_total']}")
    log(f"scale: reads that must not and stayed silent (both paths): {counts['silent_ok']}/{counts['silent_total']}")
    log(f"total time {time.monotonic() - started:.0f}s")
    ok = (not failures and counts["alerting_total"] and counts["alerting_ok"] == counts["alerting_total"]
          and counts["silent_ok"] == counts["silent_total"])
    sys.exit(0 if ok else 1)


def run(rng, iam, sts, sqs, sm, cw, logs, made, failures, counts):
    """Everything between creating the fixtures and removing them."""
    # Secrets that are read: the first entry's (a prefix), the middle entry
    # (a name), the last entry (a full ARN, so LocalStack's ARN goes into the
    # configuration), and one out of scope.
    secret_arns = {}
    for name in ("team-00/orders-db", "billing-config-001", "zeta/vault-root-token", "unwatched/db-password"):
        try:
            secret_arns[name] = sm.create_secret(Name=name, SecretString=SECRET_VALUE)["ARN"]
        except sm.exceptions.ResourceExistsException:
            secret_arns[name] = sm.describe_secret(SecretId=name)["ARN"]
        made["secrets"].append(name)
    config = configuration(rng, secret_arns)
    check_proven(config, secret_arns["zeta/vault-root-token"])
    log(f"configuration: {len(config['principals'])} allowed principals, {len(config['secrets'])} secrets entries; "
        f"first principal {config['principals'][0]}, last {config['principals'][-1]}; "
        f"first entry {config['secrets'][0]}, middle {config['secrets'][100]}, last {config['secrets'][-1]}")

    # The readers: roles assumed (the recorder derives AssumedRole identities
    # from AssumeRole credentials), users with their own access keys.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}

    def make_role(path_and_name):
        path, _, role = path_and_name.rpartition("/")
        path = f"/{path}/" if path else "/"
        try:
            arn = iam.create_role(RoleName=role, Path=path, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            arn = iam.get_role(RoleName=role)["Role"]["Arn"]
        made["roles"].append(role)
        return arn, role

    def as_role(path_and_name, session):
        arn, role = make_role(path_and_name)
        creds = sts.assume_role(RoleArn=arn, RoleSessionName=session)["Credentials"]
        reader = client("secretsmanager", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        return reader, f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"

    def as_user(user):
        try:
            iam.create_user(UserName=user)
        except iam.exceptions.EntityAlreadyExistsException:
            pass
        key = iam.create_access_key(UserName=user)["AccessKey"]
        made["users"].append((user, key["AccessKeyId"]))
        return client("secretsmanager", key["AccessKeyId"], key["SecretAccessKey"]), f"arn:aws:iam::{ACCOUNT}:user/{user}"

    roles = config["allowed_roles"]
    allowed = {
        "first allowed role (app-001)": as_role(roles["first"], "e2e-first"),
        f"middle allowed role ({roles['middle']})": as_role(roles["middle"], "e2e-middle"),
        f"last allowed role ({roles['last']})": as_role(roles["last"], "e2e-last"),
        f"allowed user {config['allowed_user']}": as_user(config["allowed_user"]),
        "allowed Identity Center role": as_role(config["allowed_sso"], "alice@example.com"),
    }
    intruders = {
        "role app-001x (extends the allowed app-001)": as_role("app-001x", "e2e-extends"),
        "unknown role": as_role("intruder/unknown-reader", "e2e-unknown"),
        "unknown user mallory": as_user("mallory"),
    }
    entries = {  # scope entry -> (secret name, secret ARN) read
        "first entry team-00/*": ("team-00/orders-db", secret_arns["team-00/orders-db"]),
        "middle entry billing-config-001": ("billing-config-001", secret_arns["billing-config-001"]),
        "last entry (a full ARN)": ("zeta/vault-root-token", secret_arns["zeta/vault-root-token"]),
    }

    queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    made["queue"] = queue_url
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{NAME}-alerts"
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "AllowPipelineTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]})})
    alerts = Alerts(sqs, queue_url)

    ws = Workspace({"secrets": config["secrets"], "allowed_principals": config["principals"], "queue_arn": queue_arn})
    try:
        t = time.monotonic()
        planned = ws.planned()
        log(f"plan shows metric_filter_count = {planned.get('metric_filter_count')}, "
            f"event_rule_count = {planned.get('event_rule_count')} ({time.monotonic() - t:.1f}s)")
        for attr in ("metric_filter_count", "event_rule_count"):
            if not isinstance(planned.get(attr), (int, float)):
                failures.append(f"plan: {attr} is not known at plan ({planned.get(attr)!r})")
        t = time.monotonic()
        code, out = ws.tf("apply", "plan.bin")
        applied = code == 0
        if not applied:
            # Still judge detection if the pipeline got built (an apply can
            # fail on what the provider reports after building it): the run
            # fails anyway, and the reads say whether the deployed layout works.
            errors = [block for block in out.split("Error: ")[1:]]
            failures.append("apply failed: " + " | ".join(" ".join(e.split())[:400] for e in errors))
            log(f"FAIL apply (exit {code}); judging detection on what it built, drift skipped")
        outputs = ws.state()
        if outputs is None:
            raise SystemExit(f"nothing in the state after apply:\n{out[-4000:]}")
        log(f"applied in {time.monotonic() - t:.1f}s; event bus {outputs['event_bus_arn']}, "
            f"findings {outputs['findings_log_group_arn']}, {len(outputs['filter_patterns'] or [])} filter pattern(s), "
            f"{len(outputs['event_patterns'] or [])} event pattern(s)")
        check_deployed(outputs, planned, failures)
        if applied:
            code, out = ws.tf("plan", "-detailed-exitcode")
            if code != 0:
                failures.append(f"plan after apply is not empty (exit {code}): {changed_attributes(out)}")

        alarm = cw.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"]
        if not alarm:
            raise SystemExit(f"alarm {ALARM_NAME} not found")
        alarm = alarm[0]
        metric = Metric(cw, alarm)
        log(f"alarm: {metric.describe()}, period {alarm.get('Period')}s x {alarm.get('EvaluationPeriods')}, "
            f"threshold {alarm.get('Threshold')}, state {alarm['StateValue']}")
        time.sleep(2)
        drained = alerts.collect(3)
        log(f"drained {len(drained)} message(s) left from the apply")

        # Phase 1: reads that must stay silent on both paths.
        log("reads that must stay silent:")
        before_total, phase_start = metric.total(), time.time()
        silent_reads = []  # (what, reader, principal, secret id)
        for who, (reader, principal) in allowed.items():
            for (entry, (name, arn)), how in ((list(entries.items())[0], "name"), (list(entries.items())[-1], "ARN")):
                silent_reads.append((f"{who} reads the {entry} by {how}", reader, principal, name if how == "name" else arn))
        unknown_reader, unknown_principal = intruders["unknown role"]
        silent_reads.append(("unknown role reads unwatched/db-password (out of scope)", unknown_reader,
                             unknown_principal, "unwatched/db-password"))
        for what, reader, principal, secret_id in silent_reads:
            reader.get_secret_value(SecretId=secret_id)
        messages = alerts.collect(SILENCE_WAIT)
        spoke = [m for m in messages if is_read_alert(m)]
        alarmed = [m for m in messages if is_alarm(m)]
        counted = metric.total() - before_total
        arrived = delivered(logs, outputs["log_group_name"], phase_start,
                            {(p, s) for _, _, p, s in silent_reads})
        for what, _, principal, secret_id in silent_reads:
            counts["silent_total"] += 1
            problems = [f"per-event message {m}" for m in spoke
                        if m.get("principal") == principal and m.get("secret") == secret_id]
            if (principal, secret_id) not in arrived:
                problems.append("its record never reached the trail's log group, so silence proves nothing")
            if counted:
                problems.append(f"the metric counted {counted:g} during the silent phase")
            if alarmed:
                problems.append("the alarm fired during the silent phase")
            if problems:
                log(f"  FAIL {what}: {'; '.join(problems)}")
            else:
                counts["silent_ok"] += 1
                log(f"  ok   {what}")
        strays = [m for m in spoke if not any(m.get("principal") == p and m.get("secret") == s
                                               for _, _, p, s in silent_reads)]
        if strays:
            failures.append(f"per-event messages no read of the silent phase explains: {strays}")

        # Phase 2: reads that must alert, each exactly once on each path.
        log("reads that must alert:")
        before_total = metric.total()
        alerting_reads = []
        for who, (reader, principal) in intruders.items():
            for entry, (name, arn) in entries.items():
                for how, secret_id in (("name", name), ("ARN", arn)):
                    alerting_reads.append((f"{who} reads the {entry} by {how}", reader, principal, secret_id))
        for what, reader, principal, secret_id in alerting_reads:
            reader.get_secret_value(SecretId=secret_id)

        def all_in(messages):
            return (sum(1 for m in messages if is_read_alert(m)) >= len(alerting_reads)
                    and any(is_alarm(m) for m in messages))
        messages = alerts.collect(ALERT_WAIT, all_in)
        messages += alerts.collect(SILENCE_WAIT / 2)  # and nothing more than once
        spoke = [m for m in messages if is_read_alert(m)]
        deadline = time.monotonic() + 30
        while metric.total() - before_total < len(alerting_reads) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(3)
        counted = metric.total() - before_total
        alarm_notified = any(is_alarm(m) for m in messages)
        state = cw.describe_alarms(AlarmNames=[ALARM_NAME])["MetricAlarms"][0]["StateValue"]
        metric_ok = counted == len(alerting_reads)
        log(f"  alarm path: the metric counted {counted:g} for {len(alerting_reads)} reads; alarm "
            f"{'notified ALARM' if alarm_notified else 'sent no ALARM notification'} (state now {state})")
        for what, _, principal, secret_id in alerting_reads:
            counts["alerting_total"] += 1
            mine = [m for m in spoke if m.get("principal") == principal and m.get("secret") == secret_id]
            problems = []
            if len(mine) != 1:
                problems.append(f"{len(mine)} per-event messages naming {principal} and {secret_id}, not 1")
            elif mine[0].get("event") != "GetSecretValue":
                problems.append(f"the message names event {mine[0].get('event')!r}")
            if not metric_ok:
                problems.append(f"the metric counted {counted:g} for {len(alerting_reads)} alerting reads")
            if not alarm_notified:
                problems.append("no ALARM notification")
            if problems:
                log(f"  MISS {what}: {'; '.join(problems)}")
            else:
                counts["alerting_ok"] += 1
                log(f"  ok   {what}")
        strays = [m for m in spoke if not any(m.get("principal") == p and m.get("secret") == s
                                               for _, _, p, s in alerting_reads)]
        if strays:
            failures.append(f"per-event messages no alerting read explains: {strays}")

        if applied:
            drift_phase(ws, outputs, failures)
    finally:
        t = time.monotonic()
        code, out = ws.tf("destroy", timeout=900)
        if code != 0:
            failures.append(f"destroy failed (workspace kept in {ws.dir}):\n{out[-3000:]}")
        else:
            log(f"destroyed in {time.monotonic() - t:.1f}s")
            left = aws_check.leftovers(NAME)
            if left:
                failures.append(f"left behind after destroy: {left}")
            else:
                log(f"aws_check leftovers {NAME}: nothing left behind")
            ws.close()


def check_deployed(outputs, planned, failures):
    """What exists in LocalStack is what the plan said: as many rules and
    filters, and each stored pattern on a rule or filter."""
    events = client("events")
    callers = aws_check.caller_rules(NAME)
    scopes = aws_check.bus_rules(NAME)
    default_rules = aws_check.default_bus_rules(NAME)
    filters = aws_check.pipeline_filters(NAME)
    log(f"deployed: {len(callers)} caller rules (of {len(default_rules)} rules named {NAME}-* on the default bus), "
        f"{len(scopes)} scope rules on {aws_check.pipeline_bus(NAME)}, metric filters {[f for _, f in filters]}")
    if planned.get("event_rule_count") != len(default_rules) + len(scopes):
        failures.append(f"event_rule_count {planned.get('event_rule_count')} at plan, but "
                        f"{len(default_rules)} + {len(scopes)} rules exist")
    if planned.get("metric_filter_count") != len(filters):
        failures.append(f"metric_filter_count {planned.get('metric_filter_count')} at plan, but {len(filters)} filters exist")
    stored = []
    for rule in callers:
        stored.append(json.loads(events.describe_rule(Name=rule)["EventPattern"]))
    for rule in scopes:
        stored.append(json.loads(events.describe_rule(Name=rule, EventBusName=aws_check.pipeline_bus(NAME))["EventPattern"]))
    wanted = [json.loads(p) for p in outputs["event_patterns"] or []]
    if sorted(json.dumps(p, sort_keys=True) for p in wanted) != sorted(json.dumps(p, sort_keys=True) for p in stored):
        failures.append(f"event_patterns ({len(wanted)}) are not the patterns of the {len(stored)} read rules")
    for rule in callers:
        if events.describe_rule(Name=rule)["State"] != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
            failures.append(f"caller rule {rule} is not ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        if "wildcard" in events.describe_rule(Name=rule)["EventPattern"]:
            failures.append(f"caller rule {rule} uses a wildcard (the default bus allows 30 such rules in all)")


# Drift on the layout's new parts: the scenario (scripts/aws_check.py drift)
# and the attribute the plan must name.
DRIFT = [
    ("caller-rule-deleted", "event_patterns"),
    ("caller-rule-targets-removed", "read_rule_alerts"),
    ("scope-rule-pattern-edited", "event_patterns"),
    ("scope-rule-targets-removed", "read_rule_alerts"),
    ("pipeline-bus-deleted", "event_bus_arn"),
    ("findings-filter-deleted", "metric_filter_count"),
    ("findings-group-deleted", "findings_log_group_arn"),
]


def drift_phase(ws, outputs, failures):
    scenarios = list(DRIFT)
    if len(outputs["filter_patterns"] or []) > 1:
        scenarios.append(("chunk-filter-deleted", "filter_patterns"))
    healed = 0
    for scenario, attribute in scenarios:
        t = time.monotonic()
        result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "aws_check.py"), "drift", NAME, scenario],
                                capture_output=True, text=True)
        if result.returncode != 0:
            failures.append(f"drift {scenario}: {result.stdout}{result.stderr}")
            continue
        code, out = ws.tf("plan", "-detailed-exitcode")
        named = changed_attributes(out)
        if code != 2 or attribute not in out:
            failures.append(f"drift {scenario} ({result.stdout.strip()}): plan exit {code}, "
                            f"changing {named}, not naming {attribute}")
            if code == 1:
                log(out[-2000:])
        code, out = ws.tf("apply")
        if code != 0:
            failures.append(f"drift {scenario}: apply failed:\n{out[-2000:]}")
            continue
        code, out = ws.tf("plan", "-detailed-exitcode")
        if code != 0:
            failures.append(f"drift {scenario}: still differs after apply (exit {code}): {changed_attributes(out)}")
            continue
        healed += 1
        log(f"  drift {scenario} ({result.stdout.strip()}): plan named {attribute} {named}, apply healed it "
            f"({time.monotonic() - t:.0f}s)")
    log(f"scale: drift scenarios healed: {healed}/{len(scenarios)}")


def cleanup(made, iam, sm, sqs):
    for name in made["secrets"]:
        try:
            sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except ClientError:
            pass
    for user, _ in made["users"]:
        try:
            # Every key, also one an interrupted earlier run left.
            for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
                iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
            iam.delete_user(UserName=user)
        except ClientError:
            pass
    for role in made["roles"]:
        try:
            iam.delete_role(RoleName=role)
        except ClientError:
            pass
    if made["queue"]:
        try:
            sqs.delete_queue(QueueUrl=made["queue"])
        except ClientError:
            pass


if __name__ == "__main__":
    main()
