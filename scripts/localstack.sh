#!/usr/bin/env bash
# Runs LocalStack for the acceptance tests without Docker: localstack-core from
# PyPI in a private venv, plus our extension (localstack-extension/) that
# serves CloudTrail, which LocalStack's free edition lacks.
#
#   scripts/localstack.sh install   create/refresh .tools/localstack-venv
#   scripts/localstack.sh start     start (or reuse) LocalStack on 127.0.0.1:4566
#   scripts/localstack.sh stop      stop the LocalStack this script started
#   scripts/localstack.sh status    say what is running
#   scripts/localstack.sh check [URL]  fail unless the LocalStack answering (at
#                                   URL, default ours) runs our extension with
#                                   the pattern evaluator
#
# Every path that starts LocalStack (make localstack, make demo, make test,
# make bench) comes through `start`, so every emulator judges metric filters
# with the project's evaluator; one already running is reused only if it
# does too.
#
# Everything lives under .tools/ (git-ignored). Only 127.0.0.1 is listened on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/localstack-venv"
EXTENSION="$ROOT/localstack-extension"
HOST="127.0.0.1"
PORT="${LOCALSTACK_PORT:-4566}"
# An instance on another port (the benchmark's) keeps its own files.
INSTANCE="localstack"
[ "$PORT" = 4566 ] || INSTANCE="localstack-$PORT"
STATE="$TOOLS/$INSTANCE"           # LocalStack's data/tmp dirs
LOG="$TOOLS/$INSTANCE.log"
PIDFILE="$TOOLS/$INSTANCE.pid"

LOCALSTACK_VERSION="2026.3.0"
# Newer releases of some dependencies (cbor2, pyOpenSSL) break this
# LocalStack; resolving as of its release date keeps the install reproducible.
EXCLUDE_NEWER="2026-03-24"

ENDPOINT="http://$HOST:$PORT"
HEALTH_URL="$ENDPOINT/_localstack/health"
START_TIMEOUT="${LOCALSTACK_START_TIMEOUT:-120}"
SERVICES="s3,kms,logs,cloudwatch,sns,sqs,iam,sts,secretsmanager,events,cloudtrail,resourcegroupstaggingapi"
# The emulator's metric filters are judged by the project's own filter pattern
# evaluator (localstack-extension/secretmonitor_localstack/metric_filters.py).
# Without it they count nothing and the alarm path never fires.
PATTERN_EVAL="${SECRETMONITOR_PATTERN_EVAL:-$ROOT/target/release/secretmonitor-pattern-eval}"

log() { echo "localstack.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- install ---------------------------------------------------------------

# LocalStack 2026.3.0 uses Python 3.13's warnings.deprecated (in one module,
# localstack/utils/tagging.py), so 3.13+ is preferred; 3.12 works with the
# small shim install_py312_shim puts into the venv.
find_python() {
    local candidate
    if [[ -n "${LOCALSTACK_PYTHON:-}" ]]; then
        echo "$LOCALSTACK_PYTHON"; return 0
    fi
    # A pyenv shim named python3.12 can exist yet refuse to run, so probe each.
    for candidate in "$(command -v python3.13 || true)" \
                     "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python \
                     "$(command -v python3.12 || true)" \
                     "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python; do
        [[ -n "$candidate" && -x "$candidate" ]] || continue
        if "$candidate" -c 'import sys; sys.exit(not (3, 12) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    return 1
}

install_py312_shim() {
    local site
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    if "$VENV/bin/python" -c 'import warnings, sys; sys.exit(hasattr(warnings, "deprecated"))'; then
        # .pth lines starting with "import" run at interpreter start-up.
        echo 'import warnings, typing_extensions; warnings.deprecated = getattr(warnings, "deprecated", None) or typing_extensions.deprecated' \
            >"$site/zz_localstack_py312_compat.pth"
    fi
}

# Hash of everything that ends up in the installed extension; a change means
# the venv's copy is stale and must be reinstalled.
extension_hash() {
    (cd "$EXTENSION" && find . -type f \( -name '*.py' -o -name 'pyproject.toml' \) \
        -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

# The "runtime" extra brings what the server itself needs (moto-ext, hypercorn, ...);
# the bare package is only the CLI.
LOCALSTACK_REQUIREMENT="localstack-core[runtime]==$LOCALSTACK_VERSION"

core_stamp() { echo "$LOCALSTACK_REQUIREMENT exclude-newer=$EXCLUDE_NEWER"; }

cmd_install() {
    local py uv="$VENV/bin/uv"
    mkdir -p "$TOOLS"

    if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.core-stamp" 2>/dev/null)" != "$(core_stamp)" ]]; then
        py="$(find_python)" || die "Python 3.13 or 3.12 not found (LocalStack $LOCALSTACK_VERSION needs one): put python3.13 or python3.12 on PATH, install it under ~/.pyenv/versions/, or set LOCALSTACK_PYTHON"
        log "installing LocalStack $LOCALSTACK_VERSION into .tools/localstack-venv (python: $py) ..."
        rm -rf "$VENV"
        "$py" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet uv
        "$uv" pip install --quiet --python "$VENV/bin/python" --exclude-newer "$EXCLUDE_NEWER" \
            "$LOCALSTACK_REQUIREMENT"
        install_py312_shim
        "$VENV/bin/python" -c 'import localstack.runtime.main, localstack.aws.components, moto, boto3' \
            || die "LocalStack installed but does not import; see the errors above"
        core_stamp >"$VENV/.core-stamp"
        rm -f "$VENV/.extension-stamp"
    fi

    local want
    want="$(extension_hash)"
    if [[ "$(cat "$VENV/.extension-stamp" 2>/dev/null)" != "$want" ]]; then
        log "installing localstack-extension into .tools/localstack-venv ..."
        "$uv" pip install --quiet --python "$VENV/bin/python" --exclude-newer "$EXCLUDE_NEWER" \
            --reinstall-package secretmonitor-localstack "$EXTENSION"
        echo "$want" >"$VENV/.extension-stamp"
        if our_pid >/dev/null; then
            log "note: the running LocalStack still has the old extension; run '$0 stop' and '$0 start'"
        fi
    fi
}

# --- start / stop ----------------------------------------------------------

healthy() { curl -fsS --max-time 2 "$HEALTH_URL" >/dev/null 2>&1; }

# Prints the pid from the pid file if that process is alive and is still our
# LocalStack (guards against a stale file whose pid was reused).
our_pid() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(cat "$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'localstack.runtime.main' || return 1
    echo "$pid"
}

wait_healthy() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    until healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "LocalStack (pid $pid) exited during start-up; last lines of $LOG:"
            tail -n 40 "$LOG" >&2 || true
            rm -f "$PIDFILE"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            log "LocalStack not healthy after ${START_TIMEOUT}s; last lines of $LOG:"
            tail -n 40 "$LOG" >&2 || true
            cmd_stop
            return 1
        fi
        sleep 1
    done
}

# Fails unless the LocalStack answering at $ENDPOINT runs our extension with
# a pattern evaluator: reusing one without it would make every alarm-path
# check fail (or, worse, a demo look fine while its alarm can never fire).
cmd_check() {
    local endpoint="${1:-$ENDPOINT}" status evaluator delivery
    status="$(curl -fsS --max-time 5 "$endpoint/_secretmonitor/status" 2>/dev/null)" ||
        die "the LocalStack at $endpoint does not serve /_secretmonitor/status, so it runs without this project's extension (no CloudTrail, metric filters that count everything): stop it and run 'make localstack'"
    evaluator="$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("pattern_evaluator") or "")' <<<"$status")"
    delivery="$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("cloudtrail_delivery"))' <<<"$status")"
    [[ -n "$evaluator" ]] ||
        die "the LocalStack at $endpoint was started without SECRETMONITOR_PATTERN_EVAL: its metric filters count nothing, so the alarm path would never fire. Stop it ('$0 stop', or end the process that started it) and run 'make localstack'"
    if [[ "$evaluator" != "$PATTERN_EVAL" ]]; then
        log "note: the running LocalStack judges filter patterns with '$evaluator', not '$PATTERN_EVAL'"
    fi
    if [[ "$delivery" != "True" ]]; then
        log "note: the running LocalStack does not deliver CloudTrail records (SECRETMONITOR_CLOUDTRAIL_DELIVERY=0): detection tests will see no events"
    fi
}

cmd_start() {
    local pid
    if pid="$(our_pid)"; then
        if ! healthy; then
            log "LocalStack (pid $pid) is starting; waiting ..."
            wait_healthy "$pid"
        fi
        cmd_check
        log "LocalStack running (pid $pid) at $ENDPOINT"
        return 0
    fi
    if healthy; then
        cmd_check
        log "using the LocalStack already answering at $ENDPOINT (not started by this script)"
        return 0
    fi
    local evaluator_binary
    read -r evaluator_binary _ <<<"$PATTERN_EVAL"
    [[ -x "$evaluator_binary" ]] ||
        die "the filter pattern evaluator $evaluator_binary is not built: run 'make build' first ('make localstack' does)"

    # LocalStack does not fail when its port is taken: it reports "Ready." and
    # never answers, so catch that here.
    if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
        die "something that is not a healthy LocalStack already listens on $HOST:$PORT"
    fi

    cmd_install
    mkdir -p "$STATE"
    local started=$SECONDS
    log "starting LocalStack on $ENDPOINT (log: .tools/$INSTANCE.log) ..."
    # setsid: own process group, so stop can end LocalStack and its children
    # (and only them) and the caller's Ctrl-C does not.
    (
        cd "$STATE"
        export GATEWAY_LISTEN="$HOST:$PORT"
        # The default (twisted) server ignores the host part of GATEWAY_LISTEN
        # and binds 0.0.0.0; hypercorn binds exactly what it is given.
        export GATEWAY_SERVER=hypercorn
        # URLs LocalStack hands out (queue URLs, S3 locations) must work
        # offline: localhost.localstack.cloud, the default, needs public DNS.
        export LOCALSTACK_HOST="$HOST:$PORT"
        export SQS_ENDPOINT_STRATEGY=path
        export SERVICES="$SERVICES"
        export SECRETMONITOR_PATTERN_EVAL="$PATTERN_EVAL"
        # The embedded DNS server would bind port 53 on all interfaces.
        export DNS_ADDRESS=0
        export PERSISTENCE=0
        export EAGER_SERVICE_LOADING=0
        export SKIP_SSL_CERT_DOWNLOAD=1
        export DISABLE_EVENTS=1
        export LOCALSTACK_CLI=0
        export FILESYSTEM_ROOT="$STATE/filesystem"
        # Also where S3 keeps object data; LocalStack logs a harmless
        # "TMPDIR is deprecated" warning about it.
        export TMPDIR="$STATE/tmp"
        mkdir -p "$TMPDIR" "$FILESYSTEM_ROOT"
        exec setsid "$VENV/bin/python" -m localstack.runtime.main </dev/null >"$LOG" 2>&1
    ) &
    pid=$!
    disown "$pid" 2>/dev/null || true  # it outlives this script; no job notices
    echo "$pid" >"$PIDFILE"
    wait_healthy "$pid" || exit 1
    log "LocalStack ready at $ENDPOINT (pid $pid, $((SECONDS - started))s)"
}

cmd_stop() {
    local pid
    if ! pid="$(our_pid)"; then
        rm -f "$PIDFILE"
        log "no LocalStack started by this script is running"
        return 0
    fi
    log "stopping LocalStack (pid $pid) ..."
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20)) killed=""
    while kill -0 "$pid" 2>/dev/null; do
        if [[ -z "$killed" ]] && ((SECONDS >= deadline)); then
            log "still running after 20s; killing"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            killed=1
        fi
        sleep 0.5
    done
    rm -f "$PIDFILE"
    log "stopped"
}

cmd_status() {
    local pid
    if pid="$(our_pid)"; then
        if healthy; then
            echo "running (pid $pid, started by this script) at $ENDPOINT"
        else
            echo "starting or unhealthy (pid $pid, started by this script); log: $LOG"
        fi
    elif healthy; then
        echo "running at $ENDPOINT (not started by this script)"
    else
        echo "not running"
        return 3
    fi
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    check) cmd_check "${2:-}" ;;
    *) echo "usage: $0 install|start|stop|status|check" >&2; exit 2 ;;
esac
