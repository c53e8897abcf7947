#!/usr/bin/env bash
# `make bench`: performance figures of the built provider against LocalStack,
# every AWS call through scripts/faultproxy.py with BENCH_LATENCY_MS (50) added.
#   1. benches/pipeline.rs (cargo bench, plugin protocol over gRPC): start-up,
#      memory, create/refresh/update/destroy with the concurrent engine and
#      with SECRETMONITOR_MAX_PARALLEL_CALLS=1 and with
#      SECRETMONITOR_MAX_PARALLEL_STEPS=1;
#   2. scripts/bench_plan.py: `terraform plan` of BENCH_COUNTS (1,10,100)
#      pipelines in one state;
#   3. scripts/bench_report.py: the table, each figure next to its target
#      (met / not met: nothing here fails on a figure), and the plot.
# Results in .tools/bench/; BENCH_UPDATE_DOCS=1 also copies the plot to docs/.
#
# The emulator is a LocalStack of its own on 127.0.0.1:$BENCH_LOCALSTACK_PORT
# (4567), started (and stopped) here with CloudTrail delivery emulation off:
# with N logging trails every API call would become N deliveries judged by N
# metric filters, and the plans of N pipelines would measure the emulator.
# BENCH_ENDPOINT_URL instead points the bench at an emulator as it is.
set -euo pipefail
if [ -n "${BENCH_ENDPOINT_URL:-}" ]; then
  export AWS_ENDPOINT_URL="$BENCH_ENDPOINT_URL"
else
  export LOCALSTACK_PORT="${BENCH_LOCALSTACK_PORT:-4567}"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$LOCALSTACK_PORT"
  export SECRETMONITOR_CLOUDTRAIL_DELIVERY=0
  KEEP_LOCALSTACK=0
fi
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
OUT="$ROOT/.tools/bench"
mkdir -p "$OUT"
LATENCY="${BENCH_LATENCY_MS:-50}"
UPSTREAM="$AWS_ENDPOINT_URL"

proxy_dir="$(mktemp -d)"
"$PY" scripts/faultproxy.py --port-file "$proxy_dir/port" --upstream "$UPSTREAM" &
proxy_pid=$!
cleanup() {
  kill "$proxy_pid" 2>/dev/null || true
  wait "$proxy_pid" 2>/dev/null || true
  rm -rf "$proxy_dir"
  stop_localstack_if_ours
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$proxy_dir/port" ] && break; sleep 0.05; done
PROXY="http://127.0.0.1:$(cat "$proxy_dir/port")"
echo "==> fault proxy at $PROXY in front of $UPSTREAM, ${LATENCY} ms per AWS call"
started=$SECONDS

echo "==> provider over the plugin protocol (cargo bench --bench pipeline)"
BENCH_PROXY="$PROXY" BENCH_LATENCY_MS="$LATENCY" BENCH_OUT="$OUT/provider.json" \
  cargo bench --locked --bench pipeline

echo "==> terraform plan of ${BENCH_COUNTS:-1,10,100} pipelines ($("$TF" version 2>/dev/null | head -1))"
TF="$TF" "$PY" scripts/bench_plan.py --proxy "$PROXY" --upstream "$UPSTREAM" \
  --out "$OUT/plan.json" --counts "${BENCH_COUNTS:-1,10,100}" --latency-ms "$LATENCY" \
  --repeat "${BENCH_PLAN_REPEAT:-3}"

echo "==> results ($((SECONDS - started)) s; JSON in .tools/bench/)"
"$PY" scripts/bench_report.py "$OUT/provider.json" "$OUT/plan.json" \
  --markdown "$OUT/table.md" --svg "$OUT/plan-scaling.svg"
if [ "${BENCH_UPDATE_DOCS:-0}" = 1 ]; then
  cp "$OUT/plan-scaling.svg" docs/performance-plan-scaling.svg
  echo "    copied the plot to docs/performance-plan-scaling.svg"
fi
