"""Corrections to LocalStack behaviour that differs from AWS in ways our tests
would otherwise mistake for provider bugs (or miss provider bugs through).

Applied once at LocalStack start-up (see plugins.py), before any service is
loaded; `apply_all` also installs CloudTrail recording/delivery and the
metric filter replacement."""


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


def apply_all() -> None:
    replace_metric_filters_by_name()
    event_rules_honour_state()

    from . import cloudtrail_recorder, metric_filters, status

    # Filters count only their own group's events, judged by our evaluator.
    metric_filters.install()
    # Every recorded API call becomes a CloudTrail record, delivered to
    # logging trails' log groups and to EventBridge.
    cloudtrail_recorder.install()
    # What this emulator runs with, for scripts/localstack.sh to check.
    status.install()
