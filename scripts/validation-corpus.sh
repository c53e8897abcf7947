#!/usr/bin/env bash
# The validator's corpus through the real Terraform CLI (scripts/validation_corpus.py):
# every invalid configuration must fail `terraform plan` at its attribute, every
# valid one must plan, with every AWS endpoint at a closed port. Needs the
# provider built and .tools/terraformrc (`make build terraform-config`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export TF_CLI_CONFIG_FILE="$ROOT/.tools/terraformrc"
# Terraform shows a backtrace-free diagnostic only if the provider is not asked for one.
unset RUST_BACKTRACE
TF="$("$ROOT/scripts/terraform.sh")"
echo "==> validation corpus: $("$TF" version | head -1) ($TF)"
exec python3 "$ROOT/scripts/validation_corpus.py" --terraform "$TF" --cases "$ROOT/validation-tests" "$@"
