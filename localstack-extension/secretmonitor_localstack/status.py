"""`GET /_secretmonitor/status`: what this emulator was started with.

scripts/localstack.sh asks it before reusing a LocalStack that is already
running: one started without the pattern evaluator counts nothing in metric
filters, so the alarm path would never fire and every test of it would fail
for a reason nobody sees. A LocalStack without this route lacks the extension.
"""

from __future__ import annotations

import os

STATUS_PATH = "/_secretmonitor/status"


def status() -> dict:
    from . import cloudtrail_recorder, metric_filters

    command = os.environ.get(metric_filters.ENV_VAR, "").strip()
    return {
        "pattern_evaluator": command or None,
        "cloudtrail_delivery": cloudtrail_recorder.delivery_enabled(),
    }


def install() -> None:
    from localstack.http import Response, route
    from localstack.services.edge import ROUTER

    class StatusResource:
        @route(STATUS_PATH, methods=["GET"])
        def get(self, request):
            return Response.for_json(status())

    ROUTER.add(StatusResource())
