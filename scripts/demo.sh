#!/usr/bin/env bash
# `make demo`: apply examples/basic against LocalStack and print its outputs.
# LocalStack keeps running afterwards so you can look around; `make demo-destroy`
# tears the demo down and `make localstack-stop` stops LocalStack.
set -euo pipefail
KEEP_LOCALSTACK=1
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
state_dir="$ROOT/.tools/demo"
mkdir -p "$state_dir"
cp examples/basic/*.tf "$state_dir/"
tf() { "$TF" -chdir="$state_dir" "$@"; }
rm -rf "$state_dir/.terraform.lock.hcl"
tf init -input=false >/dev/null
if [ "${1:-}" = destroy ]; then
  tf destroy -input=false -auto-approve -var s3_use_path_style=true
  exit 0
fi
echo "==> terraform apply examples/basic (state in .tools/demo)"
tf apply -input=false -auto-approve -var s3_use_path_style=true
echo "==> outputs"
tf output
echo "LocalStack is still running: 'make demo-destroy' removes the demo, 'make localstack-stop' stops LocalStack."
