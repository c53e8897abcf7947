# Shared by the acceptance and demo scripts: Terraform, LocalStack and the
# Python used for direct checks. Source it; it sets TF, PY and a trap that
# stops LocalStack on exit if this run started it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The machine may point TF_CLI_CONFIG_FILE elsewhere; the tests need the mirror.
export TF_CLI_CONFIG_FILE="${SECRETMONITOR_TF_CLI_CONFIG:-$ROOT/.tools/terraformrc}"
# Terraform shows a backtrace-free diagnostic only if the provider is not asked for one.
unset RUST_BACKTRACE
TF="$("$ROOT/scripts/terraform.sh")"
health_url="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}/_localstack/health"
# The emulator judges metric filters with the project's own evaluator
# (localstack-extension/secretmonitor_localstack/metric_filters.py).
export SECRETMONITOR_PATTERN_EVAL="$ROOT/target/release/secretmonitor-pattern-eval"
STARTED_LOCALSTACK=0
if ! curl -fsS --max-time 2 "$health_url" >/dev/null 2>&1; then
  "$ROOT/scripts/localstack.sh" start
  STARTED_LOCALSTACK=1
else
  echo "==> using the LocalStack already running at ${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
  "$ROOT/scripts/localstack.sh" install >/dev/null
fi
PY="$ROOT/.tools/localstack-venv/bin/python"
stop_localstack_if_ours() {
  if [ "$STARTED_LOCALSTACK" = 1 ] && [ "${KEEP_LOCALSTACK:-0}" != 1 ]; then
    "$ROOT/scripts/localstack.sh" stop
  fi
}
