"""Metric filters that count what AWS would count.

LocalStack's free edition (`LogsProvider.put_log_events`) runs every metric
filter of the account and region over every PutLogEvents batch, whatever log
group the filter belongs to, with a matcher that matches everything. So one
event anywhere bumps every filter's metric. This module replaces that:

  * a filter sees only the events put to its own log group;
  * filter patterns are judged by the project's evaluator (src/pattern, the
    same code the cargo tests run), reached through the command line in
    $SECRETMONITOR_PATTERN_EVAL (e.g. "/path/target/release/
    secretmonitor-pattern-eval", built by `cargo build --release`), kept
    running as one subprocess, used under a lock;
  * the data point carries the log event's timestamp; metricValue may be a
    number or a `$.field` of a JSON event; dimensions `$.field` likewise;
    defaultValue is published for a batch in which nothing matched.

Without $SECRETMONITOR_PATTERN_EVAL, metric filters with a non-empty pattern
count nothing (a warning is logged once per pattern): counting everything
would make alarms prove nothing. An empty pattern matches every event (AWS).

The same evaluator also serves LocalStack's other pattern users when it is
configured: FilterLogEvents' filterPattern and subscription filters (by
replacing `get_pattern_matcher`, LocalStack's documented plug point).

Evaluator protocol (one JSON object per line, UTF-8, answers in order):
  stdin:  {"pattern": "<filter pattern>", "event": "<log event message>"}
  stdout: {"matches": true|false}   or   {"error": "<why the pattern is invalid>"}
An error counts as no match (logged once per pattern).
"""

from __future__ import annotations

import json
import logging
import os
import select
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

ENV_VAR = "SECRETMONITOR_PATTERN_EVAL"
CHUNK = 200  # requests written before reading answers (keeps both pipes far from full)
READ_TIMEOUT = 10.0  # seconds to wait for an answer before giving up on the evaluator

_warned: set[str] = set()


def _warn_once(key: str, message: str, *args) -> None:
    if key not in _warned:
        _warned.add(key)
        LOG.warning(message, *args)


class PatternEvaluator:
    """The project's pattern evaluator as a long-running subprocess."""

    def __init__(self, command: list[str]):
        self.command = command
        self._proc: subprocess.Popen | None = None
        self._buffer = b""
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._buffer = b""
            self._proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, bufsize=0
            )
        return self._proc

    def _stop(self) -> None:
        if self._proc is not None:
            try:
                self._proc.kill()
                self._proc.wait(timeout=2)
            except Exception:
                pass
        self._proc = None
        self._buffer = b""

    def _read_line(self, proc: subprocess.Popen) -> bytes:
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + READ_TIMEOUT
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("pattern evaluator did not answer")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("pattern evaluator exited")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _round_trip(self, requests: list[bytes]) -> list[dict[str, Any]]:
        proc = self._start()
        proc.stdin.write(b"".join(requests))
        proc.stdin.flush()
        return [json.loads(self._read_line(proc)) for _ in requests]

    def evaluate(self, pattern: str, messages: list[str]) -> list[bool | None]:
        """For each message: True/False, or None if the evaluator could not say."""
        answers: list[bool | None] = []
        with self._lock:
            for start in range(0, len(messages), CHUNK):
                requests = [
                    (json.dumps({"pattern": pattern, "event": m}) + "\n").encode()
                    for m in messages[start : start + CHUNK]
                ]
                for attempt in (1, 2):
                    try:
                        replies = self._round_trip(requests)
                        break
                    except Exception as e:
                        self._stop()
                        if attempt == 2:
                            LOG.error("secretmonitor: pattern evaluator %s failed: %s", self.command, e)
                            replies = [{"error": str(e)}] * len(requests)
                for reply in replies:
                    if "matches" in reply:
                        answers.append(bool(reply["matches"]))
                    else:
                        _warn_once(
                            "error:" + pattern,
                            "secretmonitor: pattern evaluator rejected filter pattern %r: %s",
                            pattern,
                            reply.get("error"),
                        )
                        answers.append(None)
        return answers


_evaluator: PatternEvaluator | None = None
_evaluator_lock = threading.Lock()


def evaluator() -> PatternEvaluator | None:
    global _evaluator
    command = os.environ.get(ENV_VAR, "").strip()
    if not command:
        return None
    with _evaluator_lock:
        if _evaluator is None:
            _evaluator = PatternEvaluator(shlex.split(command))
        return _evaluator


def matches(pattern: str, messages: list[str]) -> list[bool]:
    """Which messages the pattern matches; never 'all' by default."""
    if not pattern.strip():
        return [True] * len(messages)  # AWS: the empty pattern matches everything
    ev = evaluator()
    if ev is None:
        _warn_once(
            "unset:" + pattern,
            "secretmonitor: %s is not set; metric filter pattern %r counts nothing",
            ENV_VAR,
            pattern,
        )
        return [False] * len(messages)
    return [bool(a) for a in ev.evaluate(pattern, messages)]


# --- metric data ----------------------------------------------------------------------


def _json_field(message: str, selector: str) -> Any:
    """Value of a simple `$.a.b` selector in a JSON message, else None."""
    if not selector.startswith("$."):
        return None
    try:
        value: Any = json.loads(message)
    except ValueError:
        return None
    for part in selector[2:].split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _datum(tf: dict[str, Any], message: str, timestamp_ms: int) -> dict[str, Any] | None:
    import datetime as dt

    raw = tf.get("metricValue") or "1"
    value = _number(raw)
    if value is None:
        value = _number(_json_field(message, raw))
    if value is None:
        return None
    datum: dict[str, Any] = {
        "MetricName": tf["metricName"],
        "Value": value,
        "Timestamp": dt.datetime.fromtimestamp(timestamp_ms / 1000, dt.UTC),
    }
    dimensions = []
    for name, selector in (tf.get("dimensions") or {}).items():
        dim = _json_field(message, selector)
        if dim is None:
            return None  # AWS: an event without the dimension's field emits nothing
        dimensions.append({"Name": name, "Value": str(dim)})
    if dimensions:
        datum["Dimensions"] = dimensions
    if tf.get("unit"):
        datum["Unit"] = tf["unit"]
    return datum


def apply_metric_filters(account_id: str, region: str, log_group_name: str, log_events: list[dict]) -> None:
    """Publish the metric data of the group's metric filters for these events."""
    import datetime as dt

    from localstack.aws.connect import connect_to
    from localstack.services.logs.models import get_moto_logs_backend

    backend = get_moto_logs_backend(account_id, region)
    filters = [f for f in list(backend.filters.metric_filters) if f.get("logGroupName") == log_group_name]
    if not filters or not log_events:
        return
    messages = [str(e.get("message", "")) for e in log_events]
    timestamps = [int(e.get("timestamp") or time.time() * 1000) for e in log_events]
    cloudwatch = connect_to(aws_access_key_id=account_id, region_name=region).cloudwatch
    for metric_filter in filters:
        hits = matches(metric_filter.get("filterPattern") or "", messages)
        for tf in metric_filter.get("metricTransformations") or []:
            data = [
                d
                for hit, message, ts in zip(hits, messages, timestamps, strict=True)
                if hit and (d := _datum(tf, message, ts)) is not None
            ]
            if not any(hits) and _number(tf.get("defaultValue")) is not None:
                data = [
                    {
                        "MetricName": tf["metricName"],
                        "Value": _number(tf["defaultValue"]),
                        "Timestamp": dt.datetime.now(dt.UTC),
                    }
                ]
            for start in range(0, len(data), 1000):
                try:
                    cloudwatch.put_metric_data(Namespace=tf["metricNamespace"], MetricData=data[start : start + 1000])
                except Exception as e:
                    LOG.warning(
                        "secretmonitor: metric filter %s: PutMetricData failed: %s", metric_filter.get("filterName"), e
                    )


# --- patches ----------------------------------------------------------------------------


def _put_log_events(self, context, log_group_name, log_stream_name, log_events, sequence_token=None, entity=None, **kwargs):
    """LogsProvider.put_log_events: store the events (moto), then run the
    group's own metric filters over the ones that were accepted."""
    from localstack.services.moto import call_moto
    from localstack.utils.bootstrap import is_api_enabled

    response = call_moto(context)
    if is_api_enabled("cloudwatch"):
        accepted = _accepted(log_events, response.get("rejectedLogEventsInfo") or {})
        try:
            apply_metric_filters(context.account_id, context.region, log_group_name, accepted)
        except Exception:
            LOG.exception("secretmonitor: metric filter evaluation failed")
    return response


def _accepted(log_events: list[dict], rejected: dict[str, int]) -> list[dict]:
    low = max(rejected.get("tooOldLogEventEndIndex", -1), rejected.get("expiredLogEventEndIndex", -1))
    high = rejected.get("tooNewLogEventStartIndex", len(log_events))
    return log_events[low + 1 : high]


def _get_pattern_matcher(pattern: str) -> Callable[[str, Any], bool]:
    def match(_pattern: str, log_event: Any) -> bool:
        message = log_event.get("message") if isinstance(log_event, dict) else getattr(log_event, "message", "")
        return matches(_pattern, [str(message or "")])[0]

    return match


def install() -> None:
    """Patch LocalStack's logs provider (idempotent; before the provider loads)."""
    from localstack.services.logs import provider as logs_provider

    if getattr(logs_provider.LogsProvider.put_log_events, "_secretmonitor", False):
        return
    _put_log_events._secretmonitor = True
    _put_log_events.__name__ = "put_log_events"
    logs_provider.LogsProvider.put_log_events = _put_log_events
    if evaluator() is not None:
        logs_provider.get_pattern_matcher = _get_pattern_matcher
        LOG.info("secretmonitor: filter patterns evaluated by %s", os.environ[ENV_VAR])
    else:
        LOG.warning(
            "secretmonitor: %s is not set: metric filters with a pattern count nothing, "
            "FilterLogEvents/subscription patterns keep LocalStack's match-everything behaviour",
            ENV_VAR,
        )
