"""The `secretmonitor_test_alert` action against LocalStack, driven by a
Terraform that has actions (1.14+; the acceptance run's 1.15 pass).

Applies the example of docs/actions/test_alert.md (a pipeline whose
`action_trigger` runs the action after create and update), its notification
sent to an SQS queue, with a second action limited to `paths = ["alarm"]`:

1. the apply that creates the pipeline runs the triggered action (its
   progress lines are in Terraform's output);
2. `terraform apply -invoke=action.secretmonitor_test_alert.prod` exits 0 and
   the queue receives both labelled test messages: the alarm's ALARM
   notification (the test label as its reason) and the per-event message;
3. the alarm-only action sends the alarm's notification and no per-event one;
4. with the SNS topic deleted behind Terraform's back, `-invoke` exits
   non-zero and names both failed paths (and, before that, an action naming
   no existing pipeline fails with "No such pipeline").

Destroys the pipeline and deletes the queue at the end, even on failure.
Prints one line per check; exits non-zero when one fails. Run with the
LocalStack venv's Python; TF names the terraform binary, AWS_ENDPOINT_URL the
LocalStack; TF_CLI_CONFIG_FILE defaults to .tools/terraformrc (the provider's
filesystem mirror, `make terraform-config`).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF = os.environ["TF"]
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
REGION = os.environ.get("AWS_REGION", "us-east-1")
NAME = "action-test"
ALARM = f"{NAME}-secret-access"
QUEUE_NAME = f"{NAME}-alerts"
LABEL = "TEST NOTIFICATION from the secretmonitor_test_alert action: no secret was read"
MESSAGE_WAIT = 30  # seconds a test message may take to reach the queue
SILENCE_WAIT = 8   # seconds without a per-event message that show none was sent
DOC_PAGE = os.path.join(ROOT, "docs", "actions", "test_alert.md")


def client(service):
    return boto3.client(
        service, endpoint_url=ENDPOINT, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 2}),
    )


def documented_example():
    """The page's example, the configuration this suite applies."""
    with open(DOC_PAGE) as page:
        found = re.search(r"## Example\n\n```hcl\n(.*?)```", page.read(), re.S)
    if not found:
        raise SystemExit(f"no ```hcl example under '## Example' in {DOC_PAGE}")
    return found.group(1)


def configuration(queue_arn):
    example = documented_example()
    for documented, tested in [
        ('"prod-secrets"', json.dumps(NAME)),
        ('emails = ["secops@example.com"]', f"sqs_queue_arns = [{json.dumps(queue_arn)}]"),
    ]:
        if documented not in example:
            raise SystemExit(f"the documented example no longer has {documented}; update scripts/action_test.py")
        example = example.replace(documented, tested)
    provider = (
        'terraform {\n  required_providers {\n    secretmonitor = {\n'
        '      source = "secretmonitor/secretmonitor"\n    }\n  }\n}\n\n'
        f'provider "secretmonitor" {{\n  region            = "{REGION}"\n  s3_use_path_style = true\n}}\n\n'
    )
    # Emulated CloudTrail delivery can fill the archive; the test owns it.
    override = 'resource "secretmonitor_pipeline" "prod" {\n  archive {\n    force_destroy = true\n  }\n}\n'
    alarm_only = (
        'action "secretmonitor_test_alert" "alarm_only" {\n  config {\n'
        '    name   = secretmonitor_pipeline.prod.name\n'
        f'    region = "{REGION}"\n'
        '    paths  = ["alarm"]\n  }\n}\n'
    )
    missing = 'action "secretmonitor_test_alert" "missing" {\n  config {\n    name = "no-such-pipeline"\n  }\n}\n'
    return {"main.tf": provider + example, "test_override.tf": override, "alarm_only.tf": alarm_only,
            "missing.tf": missing}


class Workspace:
    def __init__(self, files):
        self.dir = tempfile.mkdtemp(prefix="action-test-")
        for name, content in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(content)
        self.env = dict(os.environ)
        self.env.setdefault("TF_CLI_CONFIG_FILE", os.path.join(ROOT, ".tools", "terraformrc"))
        self.env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                        AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION, TF_IN_AUTOMATION="1")

    def tf(self, *args, timeout=240):
        result = subprocess.run([TF, f"-chdir={self.dir}", *args, "-no-color"], env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout + result.stderr

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Queue:
    """The SQS queue subscribed to the pipeline's topic."""

    def __init__(self, sqs, url):
        self.sqs, self.url = sqs, url

    def messages(self, wait):
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

    def collect(self, until, seconds):
        """Messages received within `seconds`, or until `until(messages)` holds."""
        received = []
        deadline = time.time() + seconds
        while time.time() < deadline and not until(received):
            received += self.messages(wait=min(5, max(1, int(deadline - time.time()))))
        return received

    def drain(self):
        while self.messages(wait=1):
            pass


def alarm_test(message):
    return (message.get("AlarmName") == ALARM and message.get("NewStateValue") == "ALARM"
            and message.get("NewStateReason") == LABEL)


def event_test(message):
    return message.get("path") == "per-event" and message.get("alert") == LABEL and message.get("pipeline") == NAME


def both(messages):
    return any(map(alarm_test, messages)) and any(map(event_test, messages))


def excerpt(out, lines=25):
    return "\n".join(out.strip().splitlines()[-lines:])


FAILURES = []
CHECKS = []


def main():
    failures = FAILURES

    def check(ok, what, out=""):
        CHECKS.append(what)
        print(f"{'ok' if ok else 'FAIL'}: {what}", flush=True)
        if not ok:
            failures.append(what)
            if out:
                print(excerpt(out), flush=True)
        return ok

    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
    }]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    queue = Queue(sqs, queue_url)
    ws = Workspace(configuration(queue_arn))
    try:
        code, out = ws.tf("init", "-input=false")
        if not check(code == 0, "terraform init", out):
            return

        # 1. The create runs the triggered action.
        code, out = ws.tf("apply", "-auto-approve", "-input=false")
        triggered = "Action started: action.secretmonitor_test_alert.prod (triggered by secretmonitor_pipeline.prod)"
        check(code == 0 and triggered in out and f"alarm {ALARM} set to ALARM" in out
              and "for the per-event path" in out and "Action complete:" in out,
              "the apply that creates the pipeline runs the triggered action (its progress in the output)", out)
        if code != 0:
            return
        queue.drain()

        # 2. On demand: both labelled messages reach the subscriber.
        code, out = ws.tf("apply", "-invoke=action.secretmonitor_test_alert.prod", "-auto-approve", "-input=false")
        check(code == 0 and "(triggered by CLI)" in out,
              "terraform apply -invoke=action.secretmonitor_test_alert.prod exits 0", out)
        received = queue.collect(both, MESSAGE_WAIT)
        check(any(map(alarm_test, received)),
              "the queue receives the alarm's ALARM notification with the test label as its reason",
              json.dumps(received, indent=1))
        check(any(map(event_test, received)),
              "the queue receives the labelled per-event test message", json.dumps(received, indent=1))
        queue.drain()

        # 3. paths = ["alarm"]: the alarm's notification only.
        code, out = ws.tf("apply", "-invoke=action.secretmonitor_test_alert.alarm_only", "-auto-approve",
                          "-input=false")
        check(code == 0 and f"alarm {ALARM} back to OK" in out and "for the per-event path" not in out
              and "on the per-event path" not in out,
              "the alarm-only action exits 0 and tests the alarm path alone", out)
        received = queue.collect(lambda got: any(map(alarm_test, got)), MESSAGE_WAIT)
        received += queue.collect(lambda got: any(map(event_test, got)), SILENCE_WAIT)
        check(any(map(alarm_test, received)) and not any(map(event_test, received)),
              "the alarm-only action sends the alarm's notification and no per-event message",
              json.dumps(received, indent=1))

        # A name with no pipeline: a clear error, nothing tested.
        code, out = ws.tf("apply", "-invoke=action.secretmonitor_test_alert.missing", "-auto-approve",
                          "-input=false")
        check(code != 0 and "No such pipeline" in out and "set to ALARM" not in out,
              "an action naming no existing pipeline exits non-zero with 'No such pipeline'", out)

        # 4. The topic gone: both paths fail, each named.
        account = client("sts").get_caller_identity()["Account"]
        client("sns").delete_topic(TopicArn=f"arn:aws:sns:{REGION}:{account}:{NAME}-alerts")
        code, out = ws.tf("apply", "-invoke=action.secretmonitor_test_alert.prod", "-auto-approve", "-input=false")
        flat = " ".join(out.split())
        check(code != 0 and "Test alert failed on the alarm path" in flat
              and "Test alert failed on the per-event path" in flat and "NotFound" in flat,
              "with the topic deleted, -invoke exits non-zero and names both failed paths", out)
    finally:
        code, out = ws.tf("destroy", "-auto-approve", "-input=false")
        check(code == 0, "terraform destroy", out)
        sqs.delete_queue(QueueUrl=queue_url)
        ws.close()
        passed = len(CHECKS) - len(failures)
        print(f"test-alert action: {passed}/{len(CHECKS)} checks passed", flush=True)


if __name__ == "__main__":
    main()
    sys.exit(1 if FAILURES else 0)
