"""CloudTrail event delivery: records built by `cloudtrail_recorder.py` go to

  * the CloudWatch Logs group of every trail of the caller's account that is
    logging and has CloudWatchLogsLogGroupArn set, if the trail's event
    selectors take the event and the trail covers the event's region (its home
    region, or every region if it is multi-region). One log event per record
    (the record's JSON), in stream `<account>_CloudTrail_<event region>`,
    created on first use, timestamp = eventTime; and
  * EventBridge's default event bus of the recipient account in the event's
    region, as source `aws.<service>`, detail-type
    "AWS API Call via CloudTrail", detail = the record. As in AWS this does not
    depend on any trail. Which rules receive it is decided by the rule-state
    fix in `emulation_fixes.py` (read-only events only reach rules in state
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS).

Delivery runs on one background thread fed by a queue, so the API call that
produced the record is never delayed by it and the gateway is never re-entered
from inside a request. The worker drains what is queued, waits at most
BATCH_WINDOW for more, and delivers: records reach their destinations well
within a second. Its own calls (PutLogEvents, CreateLogStream, PutEvents) are
LocalStack-internal calls, which the recorder does not record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

LOG = logging.getLogger(__name__)

BATCH_WINDOW = 0.05  # seconds the worker waits for more records before delivering
DETAIL_TYPE = "AWS API Call via CloudTrail"


@dataclass(frozen=True)
class TrailTarget:
    """What delivery needs to know of a trail, captured when the call happens."""

    arn: str
    account_id: str
    home_region: str
    multi_region: bool
    log_group_arn: str
    event_selectors: list[dict[str, Any]] = field(default_factory=list, hash=False, compare=False)
    advanced_event_selectors: list[dict[str, Any]] = field(default_factory=list, hash=False, compare=False)

    def covers(self, record: dict[str, Any]) -> bool:
        if record.get("recipientAccountId") != self.account_id:
            return False
        if not self.multi_region and record.get("awsRegion") != self.home_region:
            return False
        return selectors_take(self.event_selectors, self.advanced_event_selectors, record)


def logging_trails(account_id: str) -> list[TrailTarget]:
    """The account's trails that are logging to a CloudWatch Logs group."""
    from moto.cloudtrail.models import cloudtrail_backends

    account_backends = dict.get(cloudtrail_backends, account_id)  # no lazy creation
    if not account_backends:
        return []
    targets = []
    for backend in list(dict.values(account_backends)):
        for trail in list(backend.trails.values()):
            if not (trail.status.is_logging and trail.cw_log_group_arn):
                continue
            targets.append(
                TrailTarget(
                    arn=trail.arn,
                    account_id=trail.account_id,
                    home_region=trail.region_name,
                    multi_region=bool(trail.is_multi_region),
                    log_group_arn=trail.cw_log_group_arn,
                    event_selectors=list(trail.event_selectors or []),
                    advanced_event_selectors=list(trail.advanced_event_selectors or []),
                )
            )
    return targets


# --- event selectors --------------------------------------------------------------


def selectors_take(basic: list[dict], advanced: list[dict], record: dict[str, Any]) -> bool:
    """Whether a trail with these selectors logs this management event.

    No selectors: all management events (AWS's default). Basic selectors:
    ReadWriteType (ReadOnly/WriteOnly/All), IncludeManagementEvents (default
    true), ExcludeManagementEventSources. Advanced selectors: every field
    selector of one selector must hold (Equals, NotEquals, StartsWith,
    NotStartsWith, EndsWith, NotEndsWith on eventCategory, readOnly,
    eventSource, eventName, eventType, userIdentity.arn, ...).
    """
    if advanced:
        return any(_advanced_takes(s, record) for s in advanced)
    if not basic:
        return True
    return any(_basic_takes(s, record) for s in basic)


def _basic_takes(selector: dict, record: dict[str, Any]) -> bool:
    if not selector.get("IncludeManagementEvents", True):
        return False
    if record.get("eventSource") in (selector.get("ExcludeManagementEventSources") or []):
        return False
    rw = selector.get("ReadWriteType", "All")
    read_only = bool(record.get("readOnly"))
    return rw == "All" or (rw == "ReadOnly" and read_only) or (rw == "WriteOnly" and not read_only)


def _field_value(record: dict[str, Any], name: str) -> list[str]:
    if name == "readOnly":
        return ["true" if record.get("readOnly") else "false"]
    if name.startswith("resources."):
        key = name.split(".", 1)[1]
        return [str(r.get(key)) for r in record.get("resources") or [] if r.get(key) is not None]
    value: Any = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return [] if value is None else [str(value)]


def _advanced_takes(selector: dict, record: dict[str, Any]) -> bool:
    for fs in selector.get("FieldSelectors") or []:
        values = _field_value(record, fs.get("Field", ""))

        def any_value(test) -> bool:
            return any(test(v) for v in values)

        if (eq := fs.get("Equals")) and not any_value(lambda v: v in eq):
            return False
        if (sw := fs.get("StartsWith")) and not any_value(lambda v: any(v.startswith(p) for p in sw)):
            return False
        if (ew := fs.get("EndsWith")) and not any_value(lambda v: any(v.endswith(p) for p in ew)):
            return False
        if (ne := fs.get("NotEquals")) and any_value(lambda v: v in ne):
            return False
        if (nsw := fs.get("NotStartsWith")) and any_value(lambda v: any(v.startswith(p) for p in nsw)):
            return False
        if (new := fs.get("NotEndsWith")) and any_value(lambda v: any(v.endswith(p) for p in new)):
            return False
    return True


# --- the worker -------------------------------------------------------------------


_queue: queue.Queue[tuple[dict[str, Any], list[TrailTarget]]] = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def submit(record: dict[str, Any], trails: list[TrailTarget]) -> None:
    """Queue a record for delivery (called on the request's thread)."""
    _ensure_worker()
    _queue.put((record, [t for t in trails if t.covers(record)]))


def _ensure_worker() -> None:
    global _worker
    if _worker is not None and _worker.is_alive():
        return
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="secretmonitor-cloudtrail-delivery", daemon=True)
            _worker.start()


def _run() -> None:
    while True:
        batch = [_queue.get()]
        deadline = time.monotonic() + BATCH_WINDOW
        while len(batch) < 500:
            remaining = deadline - time.monotonic()
            try:
                batch.append(_queue.get(timeout=max(remaining, 0)) if remaining > 0 else _queue.get_nowait())
            except queue.Empty:
                break
        try:
            deliver(batch)
        except Exception:
            LOG.exception("secretmonitor: CloudTrail delivery failed")


_last_warning: dict[str, float] = {}


def _warn(key: str, message: str, *args) -> None:
    """A delivery failure, logged at most once a minute per destination (a
    trail whose log group was deleted fails for every record)."""
    now = time.monotonic()
    if now - _last_warning.get(key, -1e9) >= 60:
        _last_warning[key] = now
        LOG.warning(message, *args)
    else:
        LOG.debug(message, *args)


def deliver(batch: list[tuple[dict[str, Any], list[TrailTarget]]]) -> None:
    from localstack.utils.bootstrap import is_api_enabled

    # Log groups: one PutLogEvents per (group, stream), chronological.
    per_stream: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record, trails in batch:
        for log_group_arn in {t.log_group_arn for t in trails}:
            stream = f"{record['recipientAccountId']}_CloudTrail_{record['awsRegion']}"
            per_stream.setdefault((log_group_arn, stream), []).append(record)
    if per_stream and is_api_enabled("logs"):
        for (log_group_arn, stream), records in per_stream.items():
            try:
                _put_log_events(log_group_arn, stream, records)
            except Exception as e:
                _warn(log_group_arn, "secretmonitor: CloudTrail delivery to %s failed: %s", log_group_arn, e)

    if is_api_enabled("events"):
        per_bus: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for record, _ in batch:
            per_bus.setdefault((record["recipientAccountId"], record["awsRegion"]), []).append(record)
        for (account, region), records in per_bus.items():
            if not _default_bus_has_rules(account, region):
                continue  # nobody would see the events (and LocalStack logs each one)
            for start in range(0, len(records), 10):  # PutEvents takes at most 10 entries
                try:
                    _put_events(account, region, records[start : start + 10])
                except Exception as e:
                    _warn("events", "secretmonitor: CloudTrail delivery to EventBridge failed: %s", e)


def _parse_log_group_arn(arn: str) -> tuple[str, str, str]:
    """(region, account, group name) of arn:aws:logs:R:A:log-group:NAME[:*]."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[5] != "log-group":
        raise ValueError(f"not a log group ARN: {arn}")
    name = ":".join(parts[6:])
    if name.endswith(":*"):
        name = name[:-2]
    return parts[3], parts[4], name


def _event_time(record: dict[str, Any]) -> dt.datetime:
    return dt.datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _event_millis(record: dict[str, Any]) -> int:
    return int(_event_time(record).timestamp() * 1000)


def _put_log_events(log_group_arn: str, stream: str, records: list[dict[str, Any]]) -> None:
    from localstack.aws.connect import connect_to

    region, account, group = _parse_log_group_arn(log_group_arn)
    logs = connect_to(aws_access_key_id=account, region_name=region).logs
    events = sorted(
        ({"timestamp": _event_millis(r), "message": json.dumps(r, separators=(",", ":"))} for r in records),
        key=lambda e: e["timestamp"],
    )
    try:
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    except logs.exceptions.ResourceNotFoundException:
        # First delivery to this group: create the stream (a missing group is
        # AWS's delivery failure too; that raises again and is logged).
        try:
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def _default_bus_has_rules(account: str, region: str) -> bool:
    try:
        from localstack.services.events.models import events_stores

        bus = events_stores[account][region].event_buses.get("default")
        return bool(bus is not None and bus.rules)
    except Exception:
        return True  # unknown: deliver


def _event_source(record: dict[str, Any]) -> str:
    service = record["eventSource"].removesuffix(".amazonaws.com")
    return "aws." + ("cloudwatch" if service == "monitoring" else service)


def _put_events(account: str, region: str, records: list[dict[str, Any]]) -> None:
    from localstack.aws.connect import connect_to

    events = connect_to(aws_access_key_id=account, region_name=region).events
    events.put_events(
        Entries=[
            {
                "Source": _event_source(record),
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(record),
                "Time": _event_time(record),
                "Resources": [],
                "EventBusName": "default",
            }
            for record in records
        ]
    )

