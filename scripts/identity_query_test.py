"""Resource identity and the list resource, on Terraform 1.14+ against LocalStack.

1. Applies pipeline idq-managed in one directory, and pipeline idq-unmanaged in
   another whose state then forgets it (`terraform state rm`): it is still in
   AWS, managed by no one.
2. `terraform query` lists both (and a list whose name_prefix matches neither
   lists nothing); `terraform query -generate-config-out` of the unmanaged one
   writes a resource and an import block, `terraform apply` imports it, and
   `terraform plan -detailed-exitcode` then finds no changes.
3. The managed one is forgotten by its directory and imported in another by
   `import { identity = { name = ... } }` with `terraform plan
   -generate-config-out`: the generated configuration holds no computed
   attribute, the apply imports, the next plan finds no changes, and a
   refresh keeps the identity in the state. An identity naming another
   account than the provider's is refused.
4. With its dashboard deleted behind Terraform's back, the managed one is
   still listed, its display name saying it is incomplete and what is missing.

Destroys everything it created, even on failure, then checks that no part of
either pipeline is left (an import by ID finds nothing). Prints one line per
check and exits non-zero on any failure.

Run with the LocalStack venv's Python: TF names Terraform (1.14 or later),
AWS_ENDPOINT_URL the LocalStack, TF_CLI_CONFIG_FILE the CLI configuration
whose filesystem mirror holds the provider (`make terraform-config`).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import boto3

TF = os.environ["TF"]
MANAGED = "idq-managed"
UNMANAGED = "idq-unmanaged"
REGION = "us-east-1"
ACCOUNT = "000000000000"  # LocalStack's, for the credentials "test"

PROVIDER = f"""terraform {{
  required_providers {{
    secretmonitor = {{
      source = "secretmonitor/secretmonitor"
    }}
  }}
}}

provider "secretmonitor" {{
  region            = "{REGION}"
  s3_use_path_style = true
}}
"""


def pipeline(name):
    return f"""resource "secretmonitor_pipeline" "this" {{
  name = "{name}"

  archive {{
    force_destroy = true
  }}

  notification {{
    emails = ["secops@example.com"]
  }}

  kms {{
    deletion_window_days = 7
  }}
}}
"""


failures = []
checks = []


def check(condition, what, detail=""):
    checks.append(what)
    if condition:
        print(f"ok: {what}", flush=True)
    else:
        print(f"FAIL: {what}", flush=True)
        if detail:
            print(detail, flush=True)
        failures.append(what)
    return condition


class Workspace:
    """A Terraform working directory of its own."""

    def __init__(self, label, files):
        self.dir = tempfile.mkdtemp(prefix=f"idq-{label}-")
        self.label = label
        for name, content in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(content)
        self.env = dict(os.environ, AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION,
                        AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                        TF_IN_AUTOMATION="1")
        result = self.tf("init", "-input=false")
        if result.returncode != 0:
            raise RuntimeError(f"{label}: terraform init failed\n{result.stdout}{result.stderr}")

    def tf(self, *args, timeout=300):
        return subprocess.run([TF, f"-chdir={self.dir}", *args, "-no-color"], env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def file(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def destroy(self):
        result = self.tf("destroy", "-auto-approve", "-input=false")
        if result.returncode != 0:
            print(f"  cleanup: destroy in {self.label} failed:\n{result.stdout}{result.stderr}",
                  file=sys.stderr)
        return result.returncode == 0


def output(result):
    return result.stdout + result.stderr


def names(hcl, name):
    """Whether generated HCL sets `name = "<name>"` (aligned as terraform fmt aligns)."""
    return re.search(rf'^\s*name\s*=\s*"{re.escape(name)}"\s*$', hcl, re.MULTILINE) is not None


def listed(result, list_name):
    """The display names of a `terraform query` output's lines of one list block."""
    prefix = f"list.secretmonitor_pipeline.{list_name} "
    return [line for line in result.stdout.splitlines() if line.startswith(prefix)]


def leftover(name):
    """Whether any part of pipeline `name` is left: an import by ID finds one."""
    probe = Workspace(f"probe-{name}", {
        "main.tf": PROVIDER + pipeline(name),
        "import.tf": f'import {{\n  to = secretmonitor_pipeline.this\n  id = "{name}"\n}}\n',
    })
    try:
        result = probe.tf("plan", "-input=false")
        if result.returncode != 0 and "Cannot import" in output(result):
            return False
        # Something is there: take it over and destroy it.
        print(f"  cleanup: parts of {name} were left; destroying them", file=sys.stderr)
        probe.tf("apply", "-auto-approve", "-input=false")
        probe.destroy()
        return True
    finally:
        shutil.rmtree(probe.dir, ignore_errors=True)


def main():
    workspaces = []

    def workspace(label, files):
        ws = Workspace(label, files)
        workspaces.append(ws)
        return ws

    try:
        # 1. One managed pipeline, one only AWS knows of.
        managed = workspace("managed", {"main.tf": PROVIDER + pipeline(MANAGED)})
        result = managed.tf("apply", "-auto-approve", "-input=false")
        if not check(result.returncode == 0, f"apply of {MANAGED}", output(result)):
            return
        unmanaged = workspace("unmanaged", {"main.tf": PROVIDER + pipeline(UNMANAGED)})
        result = unmanaged.tf("apply", "-auto-approve", "-input=false")
        if not check(result.returncode == 0, f"apply of {UNMANAGED}", output(result)):
            return
        result = unmanaged.tf("state", "rm", "secretmonitor_pipeline.this")
        check(result.returncode == 0, f"{UNMANAGED} forgotten by its state (state rm)", output(result))

        # 2. terraform query lists both; generated configuration imports one.
        query = workspace("query", {
            "main.tf": PROVIDER,
            "pipelines.tfquery.hcl": """list "secretmonitor_pipeline" "all" {
  provider         = secretmonitor
  include_resource = true

  config {
    name_prefix = "idq-"
  }
}

list "secretmonitor_pipeline" "none" {
  provider = secretmonitor

  config {
    name_prefix = "idq-nomatch-"
  }
}
""",
        })
        result = query.tf("query")
        lines = listed(result, "all")
        check(result.returncode == 0 and any(f"name={MANAGED}," in line for line in lines)
              and any(f"name={UNMANAGED}," in line for line in lines),
              f"terraform query lists {MANAGED} (managed) and {UNMANAGED} (unmanaged)", output(result))
        complete = [line for line in lines if "incomplete" not in line]
        check(len(complete) == len(lines) and len(lines) >= 2,
              "both are listed as complete pipelines (display name without 'incomplete')", output(result))
        check(result.returncode == 0 and not listed(result, "none"),
              "a list whose name_prefix matches neither lists nothing", output(result))

        adopt = workspace("adopt", {
            "main.tf": PROVIDER,
            "unmanaged.tfquery.hcl": f"""list "secretmonitor_pipeline" "found" {{
  provider         = secretmonitor
  include_resource = true

  config {{
    name_prefix = "{UNMANAGED}"
  }}
}}
""",
        })
        result = adopt.tf("query", "-generate-config-out=generated.tf")
        generated = adopt.file("generated.tf")
        check(result.returncode == 0 and "import {" in generated and names(generated, UNMANAGED)
              and 'resource "secretmonitor_pipeline"' in generated,
              "terraform query -generate-config-out writes a resource and an import block",
              output(result) + generated)
        result = adopt.tf("apply", "-auto-approve", "-input=false")
        check(result.returncode == 0 and "1 imported" in result.stdout,
              f"terraform apply of the generated configuration imports {UNMANAGED}", output(result))
        result = adopt.tf("plan", "-detailed-exitcode", "-input=false")
        check(result.returncode == 0,
              "the plan after the import finds no changes (-detailed-exitcode 0)", output(result))

        # 3. Import by identity, with the configuration generated by plan.
        result = managed.tf("state", "rm", "secretmonitor_pipeline.this")
        check(result.returncode == 0, f"{MANAGED} forgotten by its state (state rm)", output(result))
        elsewhere = workspace("elsewhere", {
            "main.tf": PROVIDER,
            "import.tf": f"""import {{
  to       = secretmonitor_pipeline.x
  identity = {{ name = "{MANAGED}", account_id = "111122223333" }}
}}
""",
        })
        result = elsewhere.tf("plan", "-generate-config-out=generated.tf", "-input=false")
        check(result.returncode != 0 and "another account or region" in output(result)
              and "111122223333" in output(result) and ACCOUNT in output(result),
              "an identity naming another account is refused, naming both accounts", output(result))
        importer = workspace("identity", {
            "main.tf": PROVIDER,
            "import.tf": f"""import {{
  to       = secretmonitor_pipeline.x
  identity = {{ name = "{MANAGED}" }}
}}
""",
        })
        result = importer.tf("plan", "-generate-config-out=generated.tf", "-input=false")
        generated = importer.file("generated.tf")
        check(result.returncode == 0 and names(generated, MANAGED)
              and 'resource "secretmonitor_pipeline" "x"' in generated,
              "terraform plan -generate-config-out writes the pipeline's configuration", output(result) + generated)
        check("account_id" not in generated and "alarm_arn" not in generated and "tags_all" not in generated,
              "the generated configuration holds no computed attribute", generated)
        result = importer.tf("apply", "-auto-approve", "-input=false")
        check(result.returncode == 0 and "1 imported" in result.stdout,
              f"terraform apply imports {MANAGED} by identity", output(result))
        result = importer.tf("plan", "-detailed-exitcode", "-input=false")
        check(result.returncode == 0,
              "the plan after the identity import finds no changes (-detailed-exitcode 0)", output(result))
        result = importer.tf("apply", "-refresh-only", "-auto-approve", "-input=false")
        check(result.returncode == 0, "a refresh succeeds", output(result))
        result = importer.tf("show", "-json")
        identity = None
        if result.returncode == 0:
            resources = json.loads(result.stdout).get("values", {}).get("root_module", {}).get("resources", [])
            identity = next((r.get("identity") for r in resources
                             if r.get("address") == "secretmonitor_pipeline.x"), None)
        check(identity == {"account_id": ACCOUNT, "region": REGION, "name": MANAGED},
              "the state keeps the identity after the refresh (show -json)", repr(identity))

        # 4. A pipeline with only some parts left is still listed, and says so.
        cloudwatch = boto3.client("cloudwatch", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
                                  region_name=REGION, aws_access_key_id="test",
                                  aws_secret_access_key="test")
        cloudwatch.delete_dashboards(DashboardNames=[f"secretmonitor-{MANAGED}"])
        result = query.tf("query")
        line = next((line for line in listed(result, "all") if f"name={MANAGED}," in line), "")
        check(result.returncode == 0 and "incomplete:" in line and "missing: CloudWatch dashboard" in line,
              f"with its dashboard deleted, {MANAGED} is listed as incomplete, naming the missing part",
              output(result))
    except Exception as e:  # a crash is a failure, and cleanup still runs
        check(False, f"the run completes without error: {e!r}")
    finally:
        destroyed = all([ws.destroy() for ws in reversed(workspaces)])
        left = [name for name in (MANAGED, UNMANAGED) if leftover(name)]
        check(destroyed and not left, "cleanup: every pipeline destroyed, no part left in AWS",
              f"left: {left}")
        for ws in workspaces:
            shutil.rmtree(ws.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
    passed = len(checks) - len(failures)
    print(f"identity and query: {passed}/{len(checks)} checks passed" + (f"; FAILED: {'; '.join(failures)}" if failures else ""))
    sys.exit(1 if failures else 0)
