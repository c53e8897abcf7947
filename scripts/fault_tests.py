"""Fault tests: for every mutating AWS call k of create, update and delete,
fail call k (through scripts/faultproxy.py) and check that
  1. Terraform's state records every component that exists (nothing orphaned;
     a partial create is kept, tainted),
  2. the next apply converges to the full pipeline with nothing left to plan,
  3. destroy then leaves nothing behind.
Also: 30% throttling over a whole apply, IAM propagation errors for 20 s, and
an apply killed half-way, each followed by a converging re-run.

Run by scripts/acceptance.sh with the LocalStack venv's Python; TF names the
terraform binary. Prints `fault points exercised and survived: N/N`.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import aws_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF = os.environ["TF"]
NAME = "flt-pipeline"
STATE_ATTRIBUTES = [
    "kms_key_arn", "archive_bucket_name", "log_group_name", "delivery_role_arn", "trail_arn",
    "metric_filter_name", "alarm_name", "topic_arn", "read_rule_arn", "tamper_rule_arn",
    "event_bus_arn", "findings_log_group_arn", "dashboard_name", "query_definition_names",
]


class Proxy:
    def __init__(self):
        self.dir = tempfile.mkdtemp()
        port_file = os.path.join(self.dir, "port")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts", "faultproxy.py"), "--port-file", port_file,
             "--upstream", os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")],
        )
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read():
                break
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{open(port_file).read()}"

    def configure(self, **config):
        request = urllib.request.Request(f"{self.url}/__fault/config", data=json.dumps(config).encode(), method="POST")
        urllib.request.urlopen(request).read()

    def stats(self):
        return json.loads(urllib.request.urlopen(f"{self.url}/__fault/stats").read())

    def close(self):
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Workspace:
    def __init__(self, proxy):
        self.dir = tempfile.mkdtemp()
        for f in os.listdir(os.path.join(ROOT, "examples", "basic")):
            if f.endswith(".tf"):
                shutil.copy(os.path.join(ROOT, "examples", "basic", f), self.dir)
        self.env = dict(os.environ, AWS_ENDPOINT_URL=proxy.url)
        self.env.pop("RUST_BACKTRACE", None)
        self.tf("init", "-input=false")

    def tf(self, *args, variables=(), timeout=600):
        cmd = [TF, f"-chdir={self.dir}", *args, "-no-color"]
        if args[0] in ("apply", "plan", "destroy"):
            cmd += ["-input=false", "-var", f"name={NAME}", "-var", "s3_use_path_style=true", *variables]
        if args[0] in ("apply", "destroy"):
            cmd.append("-auto-approve")
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout + result.stderr

    def recorded(self):
        code, out = self.tf("show", "-json")
        state = json.loads(out) if code == 0 and out.strip().startswith("{") else {}
        resources = state.get("values", {}).get("root_module", {}).get("resources", [])
        if not resources:
            return set(), False
        values = resources[0]["values"]
        tainted = resources[0].get("tainted", False)
        return {a for a in STATE_ATTRIBUTES if values.get(a)}, tainted

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# 30 allowed roles: more than a metric filter holds (the alarm counts findings)
# and more than one rule holds (two stages of rules, the pipeline's own bus).
SCALED = ["-var", "allowed_principals=" + json.dumps(
    [f"arn:aws:iam::000000000000:role/service-role/payments-api-{i:03d}-prod" for i in range(30)])]
# The calls only a pipeline at scale makes.
SCALE_ONLY = {"events:CreateEventBus", "events:DeleteEventBus", "logs:PutResourcePolicy",
              "logs:DeleteResourcePolicy"}

UPDATED = ["-var", "retention_days=30", "-var", 'secrets=["prod/*","payments/api-key"]',
           "-var", 'alert_queue_arns=["arn:aws:sqs:us-east-1:000000000000:flt-alerts"]']


def converge_and_clean(ws, proxy, variables, what):
    """The re-run after a fault: apply converges, the plan is empty, destroy
    leaves nothing. Returns a failure message or None."""
    proxy.configure()
    code, out = ws.tf("apply", variables=variables)
    if code != 0:
        return f"{what}: re-apply failed:\n{out[-2000:]}"
    code, out = ws.tf("plan", "-detailed-exitcode", variables=variables)
    if code != 0:
        return f"{what}: plan after re-apply not empty (exit {code}):\n{out[-2000:]}"
    code, out = ws.tf("destroy", variables=variables)
    if code != 0:
        return f"{what}: destroy failed:\n{out[-2000:]}"
    left = aws_check.leftovers(NAME)
    if left:
        return f"{what}: left behind after destroy: {left}"
    return None


def no_orphans(ws, what):
    recorded, _ = ws.recorded()
    existing = aws_check.inventory(NAME)
    orphans = existing - recorded
    if orphans:
        return f"{what}: exists in AWS but not in Terraform's state (orphaned): {sorted(orphans)}"
    return None


def mutating_calls(ws, proxy, before, action, variables):
    """The mutating calls an operation makes when nothing fails, each as
    (operation, occurrence): the n-th call of that operation. Concurrent steps
    reorder calls between runs; naming them keeps every call covered."""
    before()
    proxy.configure()
    code, out = ws.tf(action, variables=variables)
    if code != 0:
        raise SystemExit(f"clean {action} failed:\n{out}")
    seen = {}
    calls = []
    for name in proxy.stats()["mutating_operations"]:
        seen[name] = seen.get(name, 0) + 1
        calls.append((name, seen[name]))
    return calls


def fault_points(ws, proxy, operations, results, exercised, only=None):
    """Fails each mutating call of each operation in turn (only the calls
    named in `only`, when given) and checks the state, the re-run and the
    clean-up after it."""
    def clean():
        proxy.configure()
        ws.tf("destroy", variables=SCALED)

    for operation, (before, action, variables) in operations.items():
        calls = mutating_calls(ws, proxy, before, action, variables)
        clean()
        if only is not None:
            calls = [(name, n) for name, n in calls if name in only]
        print(f"    {operation}{' at scale' if only else ''}: {len(calls)} mutating calls to fail", flush=True)
        for name, occurrence in calls:
            before()
            proxy.configure(fail_operation=name, fail_occurrence=occurrence)
            code, out = ws.tf(action, variables=variables)
            injected = proxy.stats()["injected"]
            exercised.update(f"{operation} {op}" for op in injected)
            what = f"{operation}{' at scale' if only else ''}, fault at {name} #{occurrence}" + ("" if injected else " (not reached)")
            failure = None
            if not injected:
                failure = f"{what}: the call to fail was never made, so this fault point was not exercised"
            elif code == 0:
                failure = f"{what}: Terraform reported success despite the failed call"
            failure = failure or no_orphans(ws, what)
            if not failure:
                recorded, tainted = ws.recorded()
                if operation == "create" and recorded and not tainted:
                    failure = f"{what}: the partial pipeline is in state but not tainted"
            final_vars = variables if operation in ("update",) or only is not None else ()
            failure = failure or converge_and_clean(ws, proxy, final_vars, what)
            results.append((what, failure))
            print(f"    {'ok  ' if not failure else 'FAIL'} {what}", flush=True)
            if failure:
                print(failure, flush=True)


def main():
    proxy = Proxy()
    ws = Workspace(proxy)
    results = []
    exercised = set()
    try:
        def clean():
            proxy.configure()
            ws.tf("destroy")

        def applied():
            proxy.configure()
            code, out = ws.tf("apply")
            if code != 0:
                raise SystemExit(f"baseline apply failed:\n{out}")

        operations = {
            "create": (clean, "apply", ()),
            "update": (applied, "apply", UPDATED),
            "delete": (applied, "destroy", ()),
        }
        fault_points(ws, proxy, operations, results, exercised)

        # The parts only a pipeline at scale has (its own bus, staged rules,
        # findings): their own calls, failed on create, on the update that
        # brings them and on delete, so that no fault there orphans anything.
        def applied_at_scale():
            proxy.configure()
            code, out = ws.tf("apply", variables=SCALED)
            if code != 0:
                raise SystemExit(f"baseline apply at scale failed:\n{out}")

        fault_points(ws, proxy, {
            "create": (clean, "apply", SCALED),
            "update": (applied, "apply", SCALED),
            "delete": (applied_at_scale, "destroy", SCALED),
        }, results, exercised, only=SCALE_ONLY)

        # Whole-apply faults that must not fail the apply at all.
        for what, config in [
            ("30% of calls throttled", {"throttle_ratio": 0.3, "seed": 7}),
            ("IAM propagation errors for 20 s", {"iam_propagation_seconds": 20}),
        ]:
            clean()
            proxy.configure(**config)
            code, out = ws.tf("apply")
            stats = proxy.stats()
            failure = None if code == 0 else f"{what}: apply failed:\n{out[-2000:]}"
            failure = failure or converge_and_clean(ws, proxy, (), what)
            detail = f"{stats['throttled']} throttled" if "throttle" in what else "trail retried until accepted"
            results.append((what, failure))
            print(f"    {'ok  ' if not failure else 'FAIL'} {what} ({detail})", flush=True)
            if failure:
                print(failure, flush=True)

        # A create that cannot finish in time fails naming what is not done, and
        # the state stays truthful.
        clean()
        override = os.path.join(ws.dir, "timeouts_override.tf")
        with open(override, "w") as f:
            # At 700 ms per call the create's graph (5 round trips after the
            # key and account look-ups) needs about 3.5 s.
            f.write('resource "secretmonitor_pipeline" "this" {\n  timeouts {\n    create = "2s"\n  }\n}\n')
        proxy.configure(latency_ms=700)
        code, out = ws.tf("apply")
        os.remove(override)
        what = "create slower than timeouts.create"
        failure = None
        if code == 0:
            failure = f"{what}: apply succeeded although it could not finish in time"
        elif "timed out" not in out or "not started:" not in out:
            failure = f"{what}: the error does not say what timed out:\n{out[-2000:]}"
        failure = failure or no_orphans(ws, what)
        failure = failure or converge_and_clean(ws, proxy, (), what)
        results.append((what, failure))
        print(f"    {'ok  ' if not failure else 'FAIL'} {what}: failed naming the steps not started, state truthful", flush=True)
        if failure:
            print(failure, flush=True)

        # An apply killed half-way (the process dies; nothing is saved) must be repaired by a re-run.
        clean()
        proxy.configure(latency_ms=150)
        process = subprocess.Popen(
            [TF, f"-chdir={ws.dir}", "apply", "-no-color", "-input=false", "-auto-approve",
             "-var", f"name={NAME}", "-var", "s3_use_path_style=true"],
            env=ws.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        while proxy.stats()["mutating_calls"] < 4 and process.poll() is None:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        what = f"apply killed after {proxy.stats()['mutating_calls']} mutating calls"
        failure = converge_and_clean(ws, proxy, (), what)
        results.append((what, failure))
        print(f"    {'ok  ' if not failure else 'FAIL'} {what}, re-run adopted what existed", flush=True)
        if failure:
            print(failure, flush=True)

        # The one window no look-up by name covers: the key exists, its alias
        # does not (CreateKey takes no idempotency token). The alias call is
        # held until the apply is killed, so the window is hit every run.
        clean()
        proxy.configure(hold_operation="kms:CreateAlias")
        process = subprocess.Popen(
            [TF, f"-chdir={ws.dir}", "apply", "-no-color", "-input=false", "-auto-approve",
             "-var", f"name={NAME}", "-var", "s3_use_path_style=true"],
            env=ws.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        waited = time.monotonic() + 120
        while "kms:CreateAlias" not in proxy.stats()["mutating_operations"] and process.poll() is None \
                and time.monotonic() < waited:
            time.sleep(0.05)
        reached = "kms:CreateAlias" in proxy.stats()["mutating_operations"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        proxy.configure()
        what = "apply killed between CreateKey and CreateAlias"
        failure = None if reached else f"{what}: the apply never reached CreateAlias"
        failure = failure or converge_and_clean(ws, proxy, (), what)
        results.append((what, failure))
        print(f"    {'ok  ' if not failure else 'FAIL'} {what}, re-run adopted the unaliased key", flush=True)
        if failure:
            print(failure, flush=True)
    finally:
        proxy.configure()
        ws.tf("destroy")
        ws.close()
        proxy.close()

    # The operations faulted are part of the contract: a new component's calls
    # must show up here (and in the Rust coverage test) before this passes.
    expected_file = os.path.join(ROOT, "tests", "faults", "exercised-operations.txt")
    with open(expected_file) as f:
        expected = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    if exercised != expected:
        results.append(("exercised operations", f"faulted operations differ from {expected_file}: "
                         f"new {sorted(exercised - expected)}, missing {sorted(expected - exercised)}"))
        print(f"FAIL faulted operations differ from tests/faults/exercised-operations.txt:\n"
              f"  new: {sorted(exercised - expected)}\n  missing: {sorted(expected - exercised)}", flush=True)
    if os.environ.get("UPDATE_FAULT_OPERATIONS") == "1":
        with open(expected_file, "w") as f:
            f.write("# Mutating AWS operations the fault tests fail, by provider operation.\n")
            f.write("# Regenerate with UPDATE_FAULT_OPERATIONS=1 when a component changes.\n")
            f.write("".join(f"{op}\n" for op in sorted(exercised)))

    survived = sum(1 for _, f in results if f is None)
    print(f"fault points exercised and survived (no orphans, converged on re-apply): {survived}/{len(results)}")
    sys.exit(0 if survived == len(results) else 1)


if __name__ == "__main__":
    main()
