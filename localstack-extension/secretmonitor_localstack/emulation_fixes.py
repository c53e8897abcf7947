"""Corrections to LocalStack behaviour that differs from AWS in ways our tests
would otherwise mistake for provider bugs (or miss provider bugs through).

Applied once at LocalStack start-up (see plugins.py)."""


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


def apply_all() -> None:
    replace_metric_filters_by_name()
