#!/usr/bin/env python3
"""The plan-time validator's corpus, judged by the real Terraform CLI.

validation-tests/invalid/*.tf: one configuration each, with header comments
    # path: alarm.period_seconds          (the attribute the error must name)
    # expect: Unsupported alarm period    (fragments of summary + detail; all must appear)
`terraform plan` must exit 1 with an error diagnostic that has every fragment and
points at the path: its range must be in main.tf, on the line of that attribute
(or, for an attribute the case leaves out, its block), inside the right block;
for a list element (`secrets[1]`) or map key (`tags["k"]`) the detail names it too.

validation-tests/valid/*.tf: `terraform plan -detailed-exitcode` must exit 0 or 2
with no error diagnostic.

validation-tests/apply/*.tf: invalid values that are unknown at plan (computed by
terraform_data): the plan passes, and `terraform apply` must exit 1 with the
diagnostic, as for invalid/, before any AWS call (only local terraform_data is
created; the state is dropped after each case).

Every plan runs with the AWS endpoints at a closed port, so any AWS call fails:
the runs prove validation and planning make none. Each case is judged alone:
a few working directories are initialised once and main.tf is swapped per case.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

PROVIDERS_TF = """terraform {
  required_providers {
    secretmonitor = { source = "secretmonitor/secretmonitor" }
  }
}

provider "secretmonitor" {
  region = "us-east-1"
}
"""


def parse_case(path):
    expected_path, fragments = None, []
    with open(path) as f:
        text = f.read()
    for line in text.splitlines():
        m = re.match(r"#\s*path:\s*(.+?)\s*$", line)
        if m:
            expected_path = m.group(1)
        m = re.match(r"#\s*expect:\s*(.+?)\s*$", line)
        if m:
            fragments.append(m.group(1))
    return text, expected_path, fragments


def parse_path(path):
    """`notification.emails[0]` -> (["notification", "emails"], ("index", 0))."""
    m = re.match(r'^([a-z_.]+)(?:\[(\d+)\]|\["(.*)"\])?$', path)
    if not m:
        raise ValueError(f"cannot parse path {path!r}")
    attrs = m.group(1).split(".")
    if m.group(2) is not None:
        return attrs, ("index", int(m.group(2)))
    if m.group(3) is not None:
        return attrs, ("key", m.group(3))
    return attrs, None


OPENER = re.compile(r'^\s*(resource\s+"[^"]+"\s+"[^"]+"|[A-Za-z_]+)\s*(=\s*)?\{\s*$')


def strip_strings(line):
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)


def enclosing(lines, index):
    """Index of the line opening the block (or map) that contains line `index`."""
    depth = 0
    for i in range(index - 1, -1, -1):
        code = strip_strings(lines[i].split("#", 1)[0])
        depth += code.count("}") - code.count("{")
        if depth < 0:
            return i
    return None


def opener_name(line):
    m = OPENER.match(line)
    if not m:
        return None
    name = m.group(1)
    return "resource" if name.startswith("resource") else name


def path_problem(diag, expected, lines):
    """None when the diagnostic points at `expected` in main.tf, else why not."""
    rng = diag.get("range")
    if not rng:
        return "the diagnostic has no source range (no attribute path)"
    if os.path.basename(rng.get("filename", "")) != "main.tf":
        return f"range in {rng.get('filename')}"
    line_no = rng["start"]["line"]
    idx = line_no - 1
    line = lines[idx]
    attrs, selector = parse_path(expected)
    blocks, last = attrs[:-1], attrs[-1]
    # Where the attribute would be: is it written at all inside its block?
    written = any(re.match(rf"^\s*{re.escape(last)}\s*(=|\{{)", l) for l in lines)
    if selector and selector[0] == "key":
        if selector[1] not in line:
            return f"line {line_no} ({line.strip()!r}) does not hold key {selector[1]!r}"
        opener = enclosing(lines, idx)
        if opener is None or opener_name(lines[opener]) != last:
            return f"line {line_no} is not inside {last} = {{...}}"
        idx = opener
    elif written:
        if not re.match(rf"^\s*{re.escape(last)}\s*(=|\{{)", line):
            return f"line {line_no} ({line.strip()!r}) is not the {last} argument"
    else:
        # Left out of the case: Terraform points at the block it belongs in.
        if not blocks or opener_name(line) != blocks[-1]:
            return f"line {line_no} ({line.strip()!r}) is not the {'.'.join(blocks) or 'resource'} block"
        blocks = blocks[:-1]
    for block in reversed(blocks):
        opener = enclosing(lines, idx)
        if opener is None or opener_name(lines[opener]) != block:
            return f"line {line_no} is not inside the {block} block"
        idx = opener
    opener = enclosing(lines, idx)
    if opener is None or not lines[opener].lstrip().startswith('resource "secretmonitor_pipeline"'):
        return f"line {line_no} is not directly in the secretmonitor_pipeline resource"
    if selector:
        named = ".".join(attrs) + (f"[{selector[1]}]" if selector[0] == "index" else "")
        if named not in diag.get("detail", ""):
            return f"the detail does not name {named}"
    return None


def run_plan(tf, workdir, timeout, apply=False):
    if apply:
        cmd = [tf, f"-chdir={workdir}", "apply", "-input=false", "-no-color", "-lock=false",
               "-json", "-auto-approve"]
    else:
        cmd = [tf, f"-chdir={workdir}", "plan", "-input=false", "-no-color", "-lock=false",
               "-json", "-detailed-exitcode"]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, [], f"timed out after {timeout}s (an AWS call to the closed port?)", timeout
    diags = []
    for raw in proc.stdout.splitlines():
        try:
            msg = json.loads(raw)
        except ValueError:
            continue
        if msg.get("type") == "diagnostic":
            diags.append(msg["diagnostic"])
    return proc.returncode, diags, proc.stderr, time.monotonic() - start


def judge(kind, case, tf, workdir, timeout):
    text, expected, fragments = parse_case(case)
    with open(os.path.join(workdir, "main.tf"), "w") as f:
        f.write(text)
    code, diags, stderr, seconds = run_plan(tf, workdir, timeout, apply=kind == "apply")
    for leftover in ("terraform.tfstate", "terraform.tfstate.backup"):
        if os.path.exists(os.path.join(workdir, leftover)):
            os.remove(os.path.join(workdir, leftover))
    errors = [d for d in diags if d.get("severity") == "error"]
    name = os.path.basename(case)
    if code is None:
        return False, f"{name}: {stderr}", seconds
    if kind == "valid":
        if code in (0, 2) and not errors:
            return True, name, seconds
        shown = "; ".join(f"{d['summary']}: {d.get('detail', '')}" for d in errors) or stderr.strip()
        return False, f"{name}: plan exited {code}: {shown}", seconds
    if not expected or not fragments:
        return False, f"{name}: no '# path:' or '# expect:' header", seconds
    if code != 1:
        verb = "apply" if kind == "apply" else "plan"
        return False, f"{name}: {verb} exited {code}, expected 1", seconds
    lines = text.splitlines()
    reasons = []
    for d in errors:
        body = f"{d.get('summary', '')}\n{d.get('detail', '')}"
        missing = [frag for frag in fragments if frag not in body]
        if missing:
            reasons.append(f"{d.get('summary')!r} lacks {missing}")
            continue
        problem = path_problem(d, expected, lines)
        if problem is None:
            return True, name, seconds
        reasons.append(f"{d.get('summary')!r}: {problem}")
    shown = "\n      ".join(reasons) or stderr.strip()
    return False, f"{name}: no error at {expected} with {fragments}:\n      {shown}", seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--terraform", required=True)
    ap.add_argument("--cases", default="validation-tests")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=60, help="seconds per plan")
    ap.add_argument("--only", help="run only cases whose file name contains this")
    args = ap.parse_args()
    for var, value in {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "TF_IN_AUTOMATION": "1",
    }.items():
        os.environ[var] = value
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL_") or var in ("RUST_BACKTRACE", "AWS_PROFILE", "TF_LOG"):
            del os.environ[var]

    cases = []
    for kind in ("invalid", "apply", "valid"):
        folder = os.path.join(args.cases, kind)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".tf") and (not args.only or args.only in name):
                cases.append((kind, os.path.join(folder, name)))

    started = time.monotonic()
    base = tempfile.mkdtemp(prefix="validation-corpus-")
    try:
        template = os.path.join(base, "template")
        os.makedirs(template)
        with open(os.path.join(template, "providers.tf"), "w") as f:
            f.write(PROVIDERS_TF)
        init = subprocess.run([args.terraform, f"-chdir={template}", "init", "-input=false", "-no-color"],
                              capture_output=True, text=True)
        if init.returncode != 0:
            print(init.stdout + init.stderr, file=sys.stderr)
            print("error: terraform init failed (run `make build terraform-config` first)", file=sys.stderr)
            return 1
        jobs = max(1, args.jobs)
        workdirs = []
        for k in range(jobs):
            w = os.path.join(base, f"w{k}")
            shutil.copytree(template, w, symlinks=True)
            workdirs.append(w)
        print(f"==> {len(cases)} configurations, {jobs} at a time, AWS endpoints at {os.environ['AWS_ENDPOINT_URL']} (closed)")
        results = {"invalid": [0, 0], "apply": [0, 0], "valid": [0, 0]}
        failures = []
        slowest = 0.0

        def worker(k):
            nonlocal slowest
            for i in range(k, len(cases), jobs):
                kind, case = cases[i]
                ok, message, seconds = judge(kind, case, args.terraform, workdirs[k], args.timeout)
                slowest = max(slowest, seconds)
                results[kind][1] += 1
                if ok:
                    results[kind][0] += 1
                else:
                    failures.append(f"  FAIL {kind}/{message}")
                    print(failures[-1], flush=True)

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            list(pool.map(worker, range(jobs)))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(f"==> corpus run took {elapsed:.1f}s (slowest plan {slowest:.1f}s)")
    print(f"invalid configurations rejected with the right path: {results['invalid'][0]}/{results['invalid'][1]}")
    if results["apply"][1]:
        print(f"values unknown at plan rejected at apply, before any AWS call: {results['apply'][0]}/{results['apply'][1]}")
    print(f"valid configurations planned offline: {results['valid'][0]}/{results['valid'][1]}")
    return 1 if failures or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
