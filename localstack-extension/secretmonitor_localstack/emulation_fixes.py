"""Corrections to LocalStack behaviour that differs from AWS in ways our tests
would otherwise mistake for provider bugs (or miss provider bugs through).

Applied once at LocalStack start-up (see plugins.py), before any service is
loaded; `apply_all` also installs CloudTrail recording/delivery and the
metric filter replacement."""

import logging
import re
import threading

LOG = logging.getLogger(__name__)


def replace_metric_filters_by_name() -> None:
    """AWS PutMetricFilter replaces a filter of the same name in the same log
    group; the bundled moto appends a second one, so an edited filter would
    hide behind the original in DescribeMetricFilters."""
    from moto.logs.metric_filters import MetricFilters

    if getattr(MetricFilters.add_filter, "_secretmonitor_fixed", False):
        return
    original = MetricFilters.add_filter

    def add_filter(self, filter_name, filter_pattern, log_group_name, metric_transformations):
        self.metric_filters = [
            f
            for f in self.metric_filters
            if not (f["filterName"] == filter_name and f["logGroupName"] == log_group_name)
        ]
        original(self, filter_name, filter_pattern, log_group_name, metric_transformations)

    add_filter._secretmonitor_fixed = True
    MetricFilters.add_filter = add_filter


def log_group_deletion_takes_its_filters() -> None:
    """AWS DeleteLogGroup deletes the group's metric filters (and its
    resource-scoped policy, logs_resource_policies) with it; the bundled moto
    kept the filters (DescribeMetricFilters still listed them, and a
    group created again under the same name would count with them), so a
    check for leftovers after destroy would blame the provider for them."""
    from moto.logs.models import LogsBackend

    if getattr(LogsBackend.delete_log_group, "_secretmonitor_fixed", False):
        return
    original = LogsBackend.delete_log_group

    def delete_log_group(self, log_group_name: str) -> None:
        from . import logs_resource_policies

        original(self, log_group_name)
        self.filters.metric_filters = [
            f for f in self.filters.metric_filters if f.get("logGroupName") != log_group_name
        ]
        # A resource policy scoped to the group goes with it too.
        logs_resource_policies.forget_group(self.account_id, self.region_name, log_group_name)

    delete_log_group._secretmonitor_fixed = True
    LogsBackend.delete_log_group = delete_log_group


CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def rule_receives(state: str | None, event: dict) -> bool:
    """Whether an EventBridge rule in this state is offered this event (AWS):
    DISABLED rules get nothing; CloudTrail's read-only management events
    ("AWS API Call via CloudTrail" with detail.readOnly true) reach only rules
    in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS; every other event
    reaches ENABLED rules and ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    rules alike."""
    state = state or "ENABLED"
    if state == "DISABLED":
        return False
    detail = event.get("detail")
    if (
        event.get("detail-type") == CLOUDTRAIL_DETAIL_TYPE
        and str(event.get("source", "")).startswith("aws.")
        and isinstance(detail, dict)
        and detail.get("readOnly") is True
    ):
        return state == ALL_MANAGEMENT_EVENTS
    return True


def event_rules_honour_state() -> None:
    """LocalStack's EventBridge offers every event to every rule of the bus,
    whatever the rule's State (DISABLED ones included) and knows nothing of
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS beyond storing it. Filter
    the rules as AWS does (see rule_receives) before LocalStack matches them."""
    from localstack.services.events.provider import EventsProvider

    if getattr(EventsProvider._process_rules_async, "_secretmonitor_fixed", False):
        return
    original = EventsProvider._process_rules_async

    def _process_rules_async(self, params: dict) -> None:
        event = params.get("event_formatted") or {}
        rules = [r for r in params.get("rules") or [] if rule_receives(getattr(r, "state", None), event)]
        return original(self, {**params, "rules": rules})

    _process_rules_async._secretmonitor_fixed = True
    EventsProvider._process_rules_async = _process_rules_async


# --- event bus to event bus -----------------------------------------------------------

# Per thread: whether the PutEvents request being served came from another
# bus's rule (request thread), and whether the rules being run are those of an
# event that did (the worker thread LocalStack starts for them).
_hop = threading.local()
FROM_A_BUS = "secretmonitor_received_from_a_bus"


def _is_bus_arn(arn: str) -> bool:
    return str(arn).startswith("arn:") and ":event-bus/" in str(arn)


def forwarded_events_one_hop() -> None:
    """AWS ("Sending and receiving events between event buses in the same
    account and Region"; the cross-account page says the same): an event a
    bus received from another bus is matched against the receiving bus's
    rules and sent to their targets, but never on to a third event bus.
    LocalStack forwards it again, so a rule on the pipeline's bus that
    targets another bus would work in the emulator and do nothing in AWS.

    How a forwarded event is told apart: LocalStack's event-bus target calls
    PutEvents through its internal client on behalf of the `events` service
    principal, with the forwarding rule as source ARN. `_process_entry` (which
    sees that request) marks its thread; the worker thread it starts for the
    event's rules gets the mark in its parameters; and the event-bus target
    sender, which runs in that worker thread, skips the event. Other targets
    (SNS, SQS, CloudWatch Logs, ...) still receive it."""
    from localstack.services.events import provider as events_provider
    from localstack.services.events.target import EventsTargetSender

    provider_class = events_provider.EventsProvider
    if getattr(provider_class._process_entry, "_secretmonitor_fixed", False):
        return
    original_process_entry = provider_class._process_entry
    original_start = events_provider.start_worker_thread
    original_rules = provider_class._process_rules_async
    original_send = EventsTargetSender.process_event

    def _process_entry(self, entry, processed_entries, failed_entry_count, context):
        params = getattr(context, "internal_request_params", None) or {}
        _hop.request_from_a_rule = params.get("service_principal") == "events" and ":rule/" in str(
            params.get("source_arn") or ""
        )
        try:
            return original_process_entry(self, entry, processed_entries, failed_entry_count, context)
        finally:
            _hop.request_from_a_rule = False

    def start_worker_thread(method, params=None, name=None):
        if getattr(_hop, "request_from_a_rule", False) and isinstance(params, dict):
            params = {**params, FROM_A_BUS: True}
        return original_start(method, params=params, name=name)

    def _process_rules_async(self, params: dict) -> None:
        _hop.forwarded = bool(params.get(FROM_A_BUS))
        try:
            return original_rules(self, params)
        finally:
            _hop.forwarded = False

    def process_event(self, event, trace_header):
        if getattr(_hop, "forwarded", False) and _is_bus_arn(self.arn):
            LOG.info(
                "secretmonitor: event %s came from another event bus; not forwarded again to %s (AWS: one hop)",
                event.get("id") if isinstance(event, dict) else None,
                self.arn,
            )
            return None
        return original_send(self, event, trace_header)

    for fn in (_process_entry, _process_rules_async, process_event):
        fn._secretmonitor_fixed = True
    provider_class._process_entry = _process_entry
    provider_class._process_rules_async = _process_rules_async
    events_provider.start_worker_thread = start_worker_thread
    EventsTargetSender.process_event = process_event


# --- event pattern wildcards -----------------------------------------------------------


def wildcard_regex(pattern: str) -> str:
    """AWS's `wildcard` as a regular expression: `*` matches any run of
    characters, including an empty one; `\\*` is a literal star and `\\\\` a
    literal backslash (event-ruler). Other characters are literal."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else re.escape(c))
        i += 1
    return "".join(out)


def event_pattern_wildcards_as_aws() -> None:
    """LocalStack's `wildcard` (plain and inside `anything-but`) turns each
    `*` into `.+`, so a `*` needs at least one character, and it knows no
    escapes. AWS's `*` matches zero or more characters (the pattern
    `*:secret:prod/*` matches `arn:...:secret:prod/`). Replace the matcher."""
    from localstack.services.events.event_rule_engine import EventRuleEngine

    if getattr(EventRuleEngine._evaluate_wildcard, "_secretmonitor_fixed", False):
        return

    def _evaluate_wildcard(condition, value) -> bool:
        return isinstance(value, str) and re.fullmatch(wildcard_regex(condition), value, re.DOTALL) is not None

    _evaluate_wildcard._secretmonitor_fixed = True
    EventRuleEngine._evaluate_wildcard = staticmethod(_evaluate_wildcard)


# --- event pattern size ----------------------------------------------------------------

PATTERN_MAX_ENV = "SECRETMONITOR_EVENT_PATTERN_MAX_LEN"
DEFAULT_PATTERN_MAX = 2048  # EventBridge quota "Event pattern size", default
API_PATTERN_MAX = 4096  # Rule.EventPattern's length constraint in the API


def event_pattern_size_quota() -> None:
    """AWS refuses a PutRule whose EventPattern is longer than the account's
    "Event pattern size" quota (2,048 characters unless raised, 4,096 at
    most); LocalStack takes any length, so a layout whose rules outgrow the
    quota would deploy here and fail in AWS. The quota is
    $SECRETMONITOR_EVENT_PATTERN_MAX_LEN (default 2048, capped at 4096).
    AWS's error code for the quota is not documented (a 400); the emulator
    answers LimitExceededException, ValidationException past 4096."""
    import os

    from localstack.aws.api.events import LimitExceededException
    from localstack.services.events.models import ValidationException
    from localstack.services.events.provider import EventsProvider

    if getattr(EventsProvider.put_rule, "_secretmonitor_fixed", False):
        return
    original = EventsProvider.put_rule

    def put_rule(self, context, name, schedule_expression=None, event_pattern=None, *args, **kwargs):
        if event_pattern is not None:
            try:
                quota = min(int(os.environ.get(PATTERN_MAX_ENV, DEFAULT_PATTERN_MAX)), API_PATTERN_MAX)
            except ValueError:
                quota = DEFAULT_PATTERN_MAX
            if len(event_pattern) > API_PATTERN_MAX:
                raise ValidationException(
                    "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {API_PATTERN_MAX}"
                )
            if len(event_pattern) > quota:
                raise LimitExceededException(
                    f"Event pattern is {len(event_pattern)} characters, over the account's Event pattern size "
                    f"quota of {quota} (emulated by secretmonitor-localstack)"
                )
        return original(self, context, name, schedule_expression, event_pattern, *args, **kwargs)

    put_rule._secretmonitor_fixed = True
    EventsProvider.put_rule = put_rule


def kms_keys_in_tagging_api() -> None:
    """The Resource Groups Tagging API's GetResources lists KMS keys with
    their tags in AWS; LocalStack answers it from moto, whose KMS backend is
    empty because LocalStack serves KMS itself, so no key was ever listed.
    Moto's KMS section of GetResources is pointed at LocalStack's KMS store
    (keys and their tags); its tag filters and paging are unchanged."""
    from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

    if getattr(ResourceGroupsTaggingAPIBackend, "_secretmonitor_kms", False):
        return

    class LocalStackKeys:
        """The two calls moto's GetResources makes of its KMS backend."""

        def __init__(self, account_id: str, region: str):
            from localstack.services.kms.models import kms_stores

            self._store = kms_stores[account_id][region]

        def list_keys(self):
            from types import SimpleNamespace

            return [
                SimpleNamespace(id=key.metadata["KeyId"], arn=key.metadata["Arn"])
                for key in list(self._store.keys.values())
            ]

        def list_resource_tags(self, key_id: str) -> dict:
            key = self._store.keys.get(key_id)
            if key is None:
                return {"Tags": []}
            tags = self._store.tags.get_tags(key.metadata["Arn"])
            return {"Tags": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}

    ResourceGroupsTaggingAPIBackend.kms_backend = property(
        lambda self: LocalStackKeys(self.account_id, self.region_name)
    )
    ResourceGroupsTaggingAPIBackend._secretmonitor_kms = True


def dashboards_not_found_as_aws() -> None:
    """AWS answers GetDashboard and DeleteDashboards naming a dashboard that
    does not exist with DashboardNotFoundError (code ResourceNotFound), and
    DeleteDashboards then deletes none of those named; LocalStack answered
    GetDashboard with InvalidParameterValue (which means a malformed request,
    not absence) and DeleteDashboards with success."""
    from localstack.aws.api.cloudwatch import DashboardNotFoundError
    from localstack.services.cloudwatch.provider_v2 import CloudwatchProvider

    if getattr(CloudwatchProvider.get_dashboard, "_secretmonitor_fixed", False):
        return
    original_get = CloudwatchProvider.get_dashboard
    original_delete = CloudwatchProvider.delete_dashboards

    def get_dashboard(self, context, dashboard_name, **kwargs):
        store = self.get_store(context.account_id, context.region)
        if dashboard_name not in store.dashboards:
            raise DashboardNotFoundError(f"Dashboard {dashboard_name} does not exist")
        return original_get(self, context, dashboard_name, **kwargs)

    def delete_dashboards(self, context, dashboard_names, **kwargs):
        store = self.get_store(context.account_id, context.region)
        missing = [name for name in dashboard_names if name not in store.dashboards]
        if missing:
            raise DashboardNotFoundError(f"The specified dashboard does not exist. [{', '.join(missing)}]")
        return original_delete(self, context, dashboard_names, **kwargs)

    get_dashboard._secretmonitor_fixed = True
    CloudwatchProvider.get_dashboard = get_dashboard
    CloudwatchProvider.delete_dashboards = delete_dashboards


def apply_all() -> None:
    replace_metric_filters_by_name()
    log_group_deletion_takes_its_filters()
    event_rules_honour_state()
    forwarded_events_one_hop()
    event_pattern_wildcards_as_aws()
    event_pattern_size_quota()
    kms_keys_in_tagging_api()
    dashboards_not_found_as_aws()

    from . import cloudtrail_recorder, logs_resource_policies, metric_filters, query_definitions, status

    # Resource policies scoped to one log group (resourceArn), with revisions.
    logs_resource_policies.install()
    # Saved Logs Insights queries (moto has no handler: HTTP 501).
    query_definitions.install()

    # Filters count only their own group's events, judged by our evaluator.
    metric_filters.install()
    # Every recorded API call becomes a CloudTrail record, delivered to
    # logging trails' log groups and to EventBridge.
    cloudtrail_recorder.install()
    # What this emulator runs with, for scripts/localstack.sh to check.
    status.install()
