#!/usr/bin/env bash
# Terraform against LocalStack: the `terraform test` suite, then a scripted
# lifecycle (apply, no-change plan, drift made outside Terraform detected and
# healed, destroy, nothing left behind).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap stop_localstack_if_ours EXIT
cd "$ROOT"
echo "==> Terraform: $("$TF" version | head -1) ($TF)"

echo "==> emulated CloudTrail delivery (scripts/cloudtrail-delivery-smoke.py)"
"$PY" scripts/cloudtrail-delivery-smoke.py >"$ROOT/.tools/delivery-smoke.txt" 2>&1 || { cat "$ROOT/.tools/delivery-smoke.txt"; echo "FAIL: CloudTrail delivery emulation"; exit 1; }
tail -1 "$ROOT/.tools/delivery-smoke.txt"

echo "==> terraform test (terraform-tests/ applies examples/basic and examples/per-event-alerts)"
rm -rf terraform-tests/.terraform terraform-tests/.terraform.lock.hcl
"$TF" -chdir=terraform-tests init -input=false -no-color >/dev/null
"$TF" -chdir=terraform-tests test -no-color
"$PY" scripts/aws_check.py leftovers tftest-basic
"$PY" scripts/aws_check.py leftovers tftest-per-event
echo "    nothing of tftest-basic or tftest-per-event left in LocalStack"

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

# Each drift made outside Terraform, and the attribute the plan must name.
scenarios=(
  trail-stopped:trail_logging trail-deleted:trail_arn selectors-exclude-reads:trail_records_read_events
  filter-deleted:metric_filter_name filter-edited:filter_pattern alarm-deleted:alarm_arn
  alarm-actions-disabled:alarm_notifies_topic subscription-deleted:subscriptions
  topic-policy-replaced:topic_policy_in_place retention-shortened:retention_days
  bucket-policy-deleted:archive_policy_in_place public-access-block-disabled:archive_blocks_public_access
  key-disabled:key_enabled key-scheduled-for-deletion:key_enabled delivery-role-deleted:delivery_role_arn
  read-rule-disabled:read_rule_alerts read-rule-target-removed:read_rule_alerts read-rule-pattern-edited:event_pattern
  tamper-rule-deleted:tamper_rule_arn
)
healed=0
for entry in "${scenarios[@]}"; do
  scenario="${entry%%:*}"; attribute="${entry#*:}"
  "$PY" scripts/aws_check.py drift "$name" "$scenario"
  code="$(plan_exit)"
  if [ "$code" != 2 ]; then
    cat "$work/plan.txt"; echo "FAIL: drift '$scenario' not reported by plan (exit $code)"; exit 1
  fi
  if ! grep -q "$attribute" "$work/plan.txt"; then
    cat "$work/plan.txt"; echo "FAIL: the plan for '$scenario' does not name $attribute"; exit 1
  fi
  tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; echo "FAIL: apply did not heal '$scenario'"; exit 1; }
  code="$(plan_exit)"
  if [ "$code" != 0 ]; then
    cat "$work/plan.txt"; echo "FAIL: '$scenario' still differs after apply (exit $code)"; exit 1
  fi
  echo "    drift '$scenario': plan names $attribute, apply healed it"
  healed=$((healed + 1))
done

echo "==> import: forget the pipeline, import it by name, converge"
tf state rm secretmonitor_pipeline.this >/dev/null
tf import -input=false "${tf_vars[@]}" secretmonitor_pipeline.this "$name" >"$work/import.txt" 2>&1 || { cat "$work/import.txt"; echo "FAIL: import"; exit 1; }
tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; echo "FAIL: apply after import"; exit 1; }
code="$(plan_exit)"
if [ "$code" != 0 ]; then cat "$work/plan.txt"; echo "FAIL: plan after import and apply is not empty (exit $code)"; exit 1; fi
echo "    imported by name and converged with no changes left"

echo "==> destroy keeps an archive holding logs, reports unconfirmed subscriptions, leaves nothing else"
"$PY" scripts/aws_check.py archive "$name" write
tf destroy -input=false -auto-approve "${tf_vars[@]}" >"$work/destroy.txt" 2>&1 || { cat "$work/destroy.txt"; exit 1; }
# Terraform wraps warning text: compare on one line.
tr '\n' ' ' <"$work/destroy.txt" | tr -s ' ' >"$work/destroy-flat.txt"
grep -q "holds audit logs and was kept" "$work/destroy-flat.txt" || { cat "$work/destroy.txt"; echo "FAIL: no warning naming the kept archive"; exit 1; }
grep -q "were never confirmed" "$work/destroy-flat.txt" || { cat "$work/destroy.txt"; echo "FAIL: unconfirmed email subscription not reported"; exit 1; }
"$PY" scripts/aws_check.py archive "$name" exists
"$PY" scripts/aws_check.py leftovers "$name"
"$PY" scripts/aws_check.py archive "$name" purge
echo "    non-empty archive kept with a warning; unconfirmed subscription reported; nothing else left"
rm -rf "$work"

echo "==> 20 pipelines in one configuration, -parallelism=20"
many="$(mktemp -d)"
cp tests/terraform/many-pipelines/main.tf "$many/"
"$TF" -chdir="$many" init -input=false -no-color >/dev/null
"$TF" -chdir="$many" apply -input=false -auto-approve -parallelism=20 -no-color >"$many/apply.txt" 2>&1 || { cat "$many/apply.txt"; exit 1; }
code=0; "$TF" -chdir="$many" plan -input=false -detailed-exitcode -parallelism=20 -no-color >"$many/plan.txt" 2>&1 || code=$?
if [ "$code" != 0 ]; then cat "$many/plan.txt"; echo "FAIL: plan of 20 pipelines not empty (exit $code)"; exit 1; fi
"$TF" -chdir="$many" destroy -input=false -auto-approve -parallelism=20 -no-color >"$many/destroy.txt" 2>&1 || { cat "$many/destroy.txt"; exit 1; }
for i in $(seq -w 0 19); do "$PY" scripts/aws_check.py leftovers "many-$i"; done
rm -rf "$many"
echo "    20 pipelines applied, planned clean and destroyed with nothing left"

if [ "${E2E_TESTS:-1}" = 1 ]; then
  echo "==> detection end to end through the alarm path (scripts/e2e_detection.py)"
  TF="$TF" "$PY" scripts/e2e_detection.py | tee "$ROOT/.tools/e2e-summary.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || exit 1
fi

if [ "${FAULT_TESTS:-1}" = 1 ]; then
  echo "==> fault injection (scripts/faultproxy.py between the provider and LocalStack)"
  TF="$TF" "$PY" scripts/fault_tests.py | tee "$ROOT/.tools/fault-summary.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || exit 1
fi
summary="$ROOT/.tools/test-summary.txt"
echo "drift scenarios detected and healed ($("$TF" version | head -1)): $healed/${#scenarios[@]}" | tee -a "$summary"
if [ "${FAULT_TESTS:-1}" = 1 ]; then tail -1 "$ROOT/.tools/fault-summary.txt" | tee -a "$summary"; fi
if [ "${E2E_TESTS:-1}" = 1 ]; then grep -E "^(reads|tamper|median)" "$ROOT/.tools/e2e-summary.txt" | tee -a "$summary"; fi
true
