"""`make bench`, part 2: `terraform plan` (refresh) of 1, 10 and 100 pipelines
in one state, through scripts/faultproxy.py with a fixed latency per AWS call.

For each N: apply N pipelines straight against LocalStack (timed: how long the
set-up takes), then `terraform plan -detailed-exitcode` REPEAT times through
the proxy, recording
  - the plan's wall time and Terraform's own CPU time (wait4 on terraform),
  - the provider's CPU time (user + system) and peak RSS, summed / maxed over
    every provider process the plan started, and its AWS calls.
The provider is measured by a wrapper that Terraform installs from a private
filesystem mirror (.tools/bench/mirror) in place of the binary: it runs the
real provider as its child and, when it exits, reads its rusage (wait4), so
nothing is sampled or missed. At the end everything is destroyed (timed).

  python bench_plan.py --proxy URL --upstream URL --out FILE [--counts 1,10,100]
                       [--latency-ms 50] [--repeat 3]

Needs TF (the terraform to use) in the environment, as the acceptance scripts.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# BENCH_PROVIDER: another build to measure (one with symbols, for perf).
PROVIDER = os.environ.get(
    "BENCH_PROVIDER", os.path.join(ROOT, "target", "release", "terraform-provider-secretmonitor"))
BENCH = os.path.join(ROOT, ".tools", "bench")

WRAPPER = r'''#!{python} -S
# Written by scripts/bench_plan.py: runs the real provider as a child and
# appends its rusage to $BENCH_PROVIDER_LOG when it exits.
import ctypes, json, os, signal, sys, time
REAL = {real!r}
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    os.execv(REAL, [REAL] + sys.argv[1:])
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, lambda s, f: os.kill(pid, s))
while True:
    try:
        _, status, usage = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
log = os.environ.get("BENCH_PROVIDER_LOG")
if log:
    record = {{"pid": pid, "wall_ms": (time.monotonic() - start) * 1000,
              "utime_ms": usage.ru_utime * 1000, "stime_ms": usage.ru_stime * 1000,
              "maxrss_kb": usage.ru_maxrss, "end": time.monotonic()}}
    with open(log, "a") as f:
        f.write(json.dumps(record) + "\n")
sys.exit(os.waitstatus_to_exitcode(status))
'''

MAIN_TF = '''terraform {
  required_providers {
    secretmonitor = { source = "secretmonitor/secretmonitor" }
  }
}

variable "n" { type = number }
variable "prefix" { type = string }

provider "secretmonitor" {
  region            = "us-east-1"
  s3_use_path_style = true
}

resource "secretmonitor_pipeline" "p" {
  count              = var.n
  name               = "${var.prefix}-${count.index}"
  secrets            = ["prod/*"]
  allowed_principals = ["arn:aws:iam::111122223333:role/app-prod"]
  tags               = { team = "security" }

  archive {
    force_destroy = true
  }
  notification {
    emails = ["secops@example.com"]
  }
  kms {
    deletion_window_days = 7
  }
}
'''


def log(msg):
    print(f"bench-plan: {msg}", file=sys.stderr, flush=True)


def version():
    text = open(os.path.join(ROOT, "Cargo.toml")).read()
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


class Proxy:
    def __init__(self, url):
        self.url = url

    def configure(self, **config):
        req = urllib.request.Request(f"{self.url}/__fault/config", data=json.dumps(config).encode(), method="POST")
        urllib.request.urlopen(req).read()

    def stats(self):
        return json.loads(urllib.request.urlopen(f"{self.url}/__fault/stats").read())


def setup_mirror():
    """A filesystem mirror whose provider is the rusage wrapper."""
    ver = version()
    pkg = os.path.join(BENCH, "mirror", "registry.terraform.io", "secretmonitor", "secretmonitor", ver, "linux_amd64")
    shutil.rmtree(os.path.join(BENCH, "mirror"), ignore_errors=True)
    os.makedirs(pkg)
    wrapper = os.path.join(pkg, f"terraform-provider-secretmonitor_v{ver}")
    with open(wrapper, "w") as f:
        f.write(WRAPPER.format(python=sys.executable, real=PROVIDER))
    os.chmod(wrapper, 0o755)
    rc = os.path.join(BENCH, "terraformrc")
    with open(rc, "w") as f:
        f.write(
            'provider_installation {\n'
            f'  filesystem_mirror {{\n    path    = "{os.path.join(BENCH, "mirror")}"\n'
            '    include = ["registry.terraform.io/secretmonitor/*"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/secretmonitor/*"]\n  }\n}\n'
        )
    return rc


def run(cmd, env, timeout=1800):
    """Runs cmd; returns (exit code, output, wall s, child CPU s)."""
    out = tempfile.TemporaryFile()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    return proc.returncode, out.read().decode(errors="replace"), wall, usage.ru_utime + usage.ru_stime


def provider_records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--counts", default="1,10,100")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--prefix", default=f"bp{os.getpid() % 10000}")
    args = parser.parse_args()
    tf = os.environ["TF"]
    counts = [int(c) for c in args.counts.split(",") if c]
    proxy = Proxy(args.proxy)

    rc = setup_mirror()
    work = os.path.join(BENCH, "plan")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(os.path.join(work, "main.tf"), "w") as f:
        f.write(MAIN_TF)
    provider_log = os.path.join(BENCH, "provider-rusage.jsonl")
    base = {k: v for k, v in os.environ.items() if k != "RUST_BACKTRACE"}
    base.update(TF_CLI_CONFIG_FILE=rc, TF_IN_AUTOMATION="1", BENCH_PROVIDER_LOG=provider_log,
                CHECKPOINT_DISABLE="1")
    direct = dict(base, AWS_ENDPOINT_URL=args.upstream)
    proxied = dict(base, AWS_ENDPOINT_URL=args.proxy)

    def tf_cmd(*a):
        return [tf, f"-chdir={work}", *a, "-no-color", "-input=false"]

    code, out, _, _ = run(tf_cmd("init"), direct)
    if code:
        sys.exit(f"terraform init failed:\n{out}")
    variables = lambda n: ["-var", f"n={n}", "-var", f"prefix={args.prefix}"]  # noqa: E731

    results = {"latency_ms": args.latency_ms, "repeat": args.repeat, "counts": [], "setup": []}
    created = 0
    try:
        for n in counts:
            if n > created:
                code, out, wall, cpu = run(tf_cmd("apply", "-auto-approve", *variables(n)), direct)
                if code:
                    log(out[-4000:])
                    raise SystemExit(f"apply of {n} pipelines failed")
                log(f"created pipelines {created}..{n - 1} in {wall:.1f}s (LocalStack, no added latency)")
                results["setup"].append({"from": created, "to": n, "wall_s": wall})
                created = n
            entry = {"n": n, "plans": []}
            for latency in (args.latency_ms, 0):
                for i in range(args.repeat):
                    proxy.configure(latency_ms=latency, tcp_nodelay=True)
                    if os.path.exists(provider_log):
                        os.remove(provider_log)
                    code, out, wall, tf_cpu = run(tf_cmd("plan", "-detailed-exitcode", *variables(n)), proxied)
                    if code not in (0, 2):
                        log(out[-4000:])
                        raise SystemExit(f"plan of {n} pipelines failed")
                    records = provider_records(provider_log)
                    stats = proxy.stats()
                    plan = {
                        "latency_ms": latency,
                        "wall_s": wall,
                        "exit": code,
                        "terraform_cpu_s": tf_cpu,
                        "provider_processes": len(records),
                        "provider_cpu_s": sum(r["utime_ms"] + r["stime_ms"] for r in records) / 1000,
                        "provider_peak_rss_kb": max((r["maxrss_kb"] for r in records), default=None),
                        "provider_wall_s": [r["wall_ms"] / 1000 for r in records],
                        "aws_calls": stats["calls"],
                    }
                    if code == 2:
                        plan["changes"] = [l for l in out.splitlines() if "will be" in l or "must be" in l][:5]
                    entry["plans"].append(plan)
                    log(f"plan of {n:>3} (latency {latency:>2} ms): {wall:6.2f}s wall, provider CPU "
                        f"{plan['provider_cpu_s']:.2f}s in {len(records)} processes, peak RSS "
                        f"{(plan['provider_peak_rss_kb'] or 0) / 1024:.1f} MB, {stats['calls']} AWS calls, exit {code}")
            for latency in (args.latency_ms, 0):
                plans = [p for p in entry["plans"] if p["latency_ms"] == latency]
                entry[f"latency_{latency}"] = {
                    "wall_s": statistics.median(p["wall_s"] for p in plans),
                    "provider_cpu_s": statistics.median(p["provider_cpu_s"] for p in plans),
                    "terraform_cpu_s": statistics.median(p["terraform_cpu_s"] for p in plans),
                    "provider_peak_rss_kb": max(p["provider_peak_rss_kb"] or 0 for p in plans),
                    "aws_calls": statistics.median(p["aws_calls"] for p in plans),
                }
            results["counts"].append(entry)
    finally:
        if created:
            code, out, wall, _ = run(tf_cmd("destroy", "-auto-approve", *variables(created)), direct)
            results["destroy"] = {"n": created, "wall_s": wall, "exit": code}
            log(f"destroyed {created} pipelines in {wall:.1f}s (exit {code})")
            if code:
                log(out[-4000:])
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
