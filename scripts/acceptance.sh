#!/usr/bin/env bash
# Terraform against LocalStack: the `terraform test` suite, then a scripted
# lifecycle (apply, no-change plan, drift made outside Terraform detected and
# healed, destroy, nothing left behind).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap stop_localstack_if_ours EXIT
cd "$ROOT"
echo "==> Terraform: $("$TF" version | head -1) ($TF)"

echo "==> terraform test (terraform-tests/ applies examples/basic)"
rm -rf terraform-tests/.terraform terraform-tests/.terraform.lock.hcl
"$TF" -chdir=terraform-tests init -input=false -no-color >/dev/null
"$TF" -chdir=terraform-tests test -no-color
"$PY" scripts/aws_check.py leftovers tftest-basic
echo "    nothing of tftest-basic left in LocalStack"

name="acc-drift"
work="$(mktemp -d)"
cp examples/basic/*.tf "$work/"
tf() { "$TF" -chdir="$work" "$@" -no-color; }
tf_vars=(-var "name=$name" -var "s3_use_path_style=true" -var "alert_queue_arns=[\"arn:aws:sqs:us-east-1:000000000000:$name\"]")

plan_exit() {
  local code=0
  tf plan -input=false -detailed-exitcode "${tf_vars[@]}" >"$work/plan.txt" 2>&1 || code=$?
  echo "$code"
}

echo "==> lifecycle: apply, plan shows no changes"
rm -f "$work/.terraform.lock.hcl"; tf init -input=false >/dev/null
tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; exit 1; }
code="$(plan_exit)"
if [ "$code" != 0 ]; then cat "$work/plan.txt"; echo "FAIL: plan after apply is not empty (exit $code)"; exit 1; fi

scenarios=(trail-stopped alarm-deleted filter-edited filter-deleted retention-shortened subscription-deleted trail-deleted)
healed=0
for scenario in "${scenarios[@]}"; do
  "$PY" scripts/aws_check.py drift "$name" "$scenario"
  code="$(plan_exit)"
  if [ "$code" != 2 ]; then
    cat "$work/plan.txt"; echo "FAIL: drift '$scenario' not reported by plan (exit $code)"; exit 1
  fi
  tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; echo "FAIL: apply did not heal '$scenario'"; exit 1; }
  code="$(plan_exit)"
  if [ "$code" != 0 ]; then
    cat "$work/plan.txt"; echo "FAIL: '$scenario' still differs after apply (exit $code)"; exit 1
  fi
  echo "    drift '$scenario': detected by plan, healed by apply"
  healed=$((healed + 1))
done

echo "==> import: forget the pipeline, import it by name, converge"
tf state rm secretmonitor_pipeline.this >/dev/null
tf import -input=false "${tf_vars[@]}" secretmonitor_pipeline.this "$name" >"$work/import.txt" 2>&1 || { cat "$work/import.txt"; echo "FAIL: import"; exit 1; }
tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; echo "FAIL: apply after import"; exit 1; }
code="$(plan_exit)"
if [ "$code" != 0 ]; then cat "$work/plan.txt"; echo "FAIL: plan after import and apply is not empty (exit $code)"; exit 1; fi
echo "    imported by name and converged with no changes left"

echo "==> destroy leaves nothing behind"
tf destroy -input=false -auto-approve "${tf_vars[@]}" >"$work/destroy.txt" 2>&1 || { cat "$work/destroy.txt"; exit 1; }
"$PY" scripts/aws_check.py leftovers "$name"
rm -rf "$work"
echo "drift scenarios detected and healed: $healed/${#scenarios[@]}"
