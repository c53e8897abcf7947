#!/usr/bin/env bash
# `make install` must let `terraform init` find the provider with only a
# required_providers block, offline, and record it in .terraform.lock.hcl.
# Runs against a throw-away HOME so the user's plugin directory is untouched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TF="$("$ROOT/scripts/terraform.sh")"
home="$(mktemp -d)"; work="$(mktemp -d)"
trap 'rm -rf "$home" "$work"' EXIT
HOME="$home" "$ROOT/scripts/release.sh" install >/dev/null
cat > "$work/main.tf" <<'HCL'
terraform {
  required_providers {
    secretmonitor = {
      source = "secretmonitor/secretmonitor"
    }
  }
}
HCL
# No CLI configuration: Terraform's implied local mirror (~/.terraform.d/plugins) only.
HOME="$home" env -u TF_CLI_CONFIG_FILE "$TF" -chdir="$work" init -input=false -no-color >"$work/init.txt" 2>&1 || { cat "$work/init.txt"; exit 1; }
grep -q 'provider "registry.terraform.io/secretmonitor/secretmonitor"' "$work/.terraform.lock.hcl" || { cat "$work/init.txt"; echo "FAIL: not in the lock file"; exit 1; }
echo "    terraform init found the installed provider offline and locked it ($(grep -m1 'version' "$work/.terraform.lock.hcl" | tr -d ' '))"
