"""What the LocalStack smoke scripts share: the endpoint and its dummy
credentials, boto3 clients, one-line checks, a cleanup registry that undoes
what a run created (newest first, carrying on past failures), and what the
emulator says it runs with."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Callable

import boto3
from botocore.config import Config

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
REGION = "us-east-1"
# LocalStack accepts any credentials; "test" maps to account 000000000000.
os.environ.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)


def client(service: str, key: str = "test", secret: str = "test", token: str | None = None):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 2}),
    )


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)
    print(f"  ok: {what}")


cleanups: list[tuple[str, Callable[[], object]]] = []


def on_cleanup(what: str, fn: Callable[[], object]) -> None:
    cleanups.append((what, fn))


def run_cleanups() -> bool:
    ok = True
    for what, fn in reversed(cleanups):
        try:
            fn()
        except Exception as e:  # keep cleaning up the rest
            print(f"  cleanup failed: {what}: {e}", file=sys.stderr)
            ok = False
    cleanups.clear()
    return ok


def emulator_status() -> dict:
    """The extension's `GET /_secretmonitor/status`: whether the emulator judges
    filter patterns with the project's evaluator and delivers CloudTrail records."""
    with urllib.request.urlopen(f"{ENDPOINT}/_secretmonitor/status", timeout=5) as answer:
        return json.load(answer)
