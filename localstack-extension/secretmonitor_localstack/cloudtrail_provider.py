"""CloudTrail control plane for LocalStack, served from moto's cloudtrail backend.

The shape follows LocalStack's own moto-backed providers (e.g. logs, acm): a
provider class whose `@handler` methods cover the operations needing more than
moto gives, everything else falling through to moto via `call_moto`.

Where this differs from plain moto, and why:
  * References to S3 buckets, SNS topics and KMS keys are checked against
    LocalStack's own S3/SNS/KMS state (moto would look into its own, unused
    S3/SNS backends and reject every bucket) and rejected with AWS's errors.
  * KmsKeyId is reported back as the key's ARN whatever form was given, as AWS
    does, so a client's state matches what it will read from real AWS.
  * StartLogging, StopLogging and DeleteTrail accept a trail ARN as well as a
    name (moto fails with an internal error, or silently deletes nothing), and
    DeleteTrail of an unknown trail is TrailNotFoundException, as in AWS.
  * DescribeTrails honours trailNameList (moto returns every trail).
  * HasCustomEventSelectors/HasInsightSelectors reflect the trail, and
    EventSelectors/AdvancedEventSelectors replace each other (moto hard-codes
    False and can keep both); a trail never given selectors answers
    GetEventSelectors with AWS's default (all read and write management
    events), where moto answered none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from localstack.aws.api import (
    CommonServiceException,
    RequestContext,
    ServiceRequest,
    ServiceResponse,
    handler,
)
from localstack.aws.skeleton import DispatchTable
from localstack.aws.spec import load_service
from localstack.services.moto import MotoFallbackDispatcher, call_moto, call_moto_with_request
from localstack.services.plugins import ServiceLifecycleHook
from localstack.state import StateVisitor
from localstack.utils.patch import patch
from moto.cloudtrail.models import CloudTrailBackend, Trail, cloudtrail_backends
from moto.core.exceptions import RESTError

from . import resources

SERVICE = "cloudtrail"


# --- moto patches ------------------------------------------------------------
# Applied when LocalStack first loads this provider (imports are lazy).


@patch(Trail.check_bucket_exists)
def _check_bucket_exists(fn, self: Trail) -> None:
    # Done by the provider against LocalStack's S3 (see _validate_references).
    pass


@patch(Trail.check_topic_exists)
def _check_topic_exists(fn, self: Trail) -> None:
    # Done by the provider against LocalStack's SNS (see _validate_references).
    pass


@patch(Trail.description)
def _trail_description(fn, self: Trail, *args, **kwargs) -> dict[str, Any]:
    desc = fn(self, *args, **kwargs)
    desc["HasCustomEventSelectors"] = bool(self.event_selectors or self.advanced_event_selectors)
    desc["HasInsightSelectors"] = bool(self.insight_selectors)
    return desc


@patch(Trail.get_event_selectors)
def _get_event_selectors(fn, self: Trail):
    # AWS: "trails created without specific event selectors will be configured
    # to log all read and write management events", and GetEventSelectors
    # shows that selector; moto answered none.
    basic, advanced = fn(self)
    if not basic and not advanced:
        basic = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                  "ExcludeManagementEventSources": []}]
    return basic, advanced


@patch(Trail.put_event_selectors)
def _put_event_selectors(fn, self: Trail, event_selectors, advanced_event_selectors) -> None:
    # AWS: a trail uses either basic or advanced selectors; putting one kind
    # replaces the other.
    self.event_selectors = event_selectors or []
    self.advanced_event_selectors = advanced_event_selectors or []


# --- helpers -------------------------------------------------------------------


def _error(code: str, message: str) -> CommonServiceException:
    # CloudTrail's modelled errors are all client faults with status 400.
    return CommonServiceException(code, message, status_code=400, sender_fault=True)


@contextmanager
def _moto_errors() -> Iterator[None]:
    """Report moto's errors as AWS errors when calling its backend directly.

    (`call_moto` does this itself; direct backend calls need it.)
    """
    try:
        yield
    except RESTError as e:
        raise CommonServiceException(e.error_type, e.message, status_code=e.code) from e


def _backend(context: RequestContext) -> CloudTrailBackend:
    return cloudtrail_backends[context.account_id][context.region]


def _get_trail(context: RequestContext, name_or_arn: str) -> Trail:
    with _moto_errors():
        return _backend(context).get_trail(name_or_arn)


def _validate_references(context: RequestContext, request: dict[str, Any]) -> None:
    """Check the bucket, topic and key a Create/UpdateTrail request names, like
    AWS does, and rewrite them to the form AWS reports back."""
    account, region = context.account_id, context.region

    bucket = request.get("S3BucketName")
    if bucket is not None and not resources.bucket_exists(account, region, bucket):
        raise _error("S3BucketDoesNotExistException", f"S3 bucket {bucket} does not exist!")

    topic = request.get("SnsTopicName")
    if topic:
        topic_arn = resources.sns_topic_arn(account, region, topic)
        if topic_arn is None:
            raise _error(
                "InsufficientSnsTopicPolicyException",
                "SNS Topic does not exist or the topic policy is incorrect!",
            )
        # moto derives the topic ARN from a name in the trail's own account
        # and region, which is where AWS requires the topic to be anyway.
        request["SnsTopicName"] = topic_arn.rsplit(":", 1)[1]

    key = request.get("KmsKeyId")
    if key:
        key_arn = resources.kms_key_arn(account, region, key)
        if key_arn is None:
            raise _error("KmsKeyNotFoundException", f"KMS key {key} does not exist.")
        request["KmsKeyId"] = key_arn


def _matches(trail: dict[str, Any], names: list[str], region: str) -> bool:
    # AWS: a name selects a trail of the current region, an ARN selects any.
    if trail.get("TrailARN") in names:
        return True
    return trail.get("Name") in names and trail.get("HomeRegion", region) == region


# --- provider ------------------------------------------------------------------


class CloudTrailProvider(ServiceLifecycleHook):
    """Handlers for the operations moto gets wrong; see the module docstring."""

    service = SERVICE

    def accept_state_visitor(self, visitor: StateVisitor) -> None:
        # Lets LocalStack reset (and persist, where enabled) the trails.
        visitor.visit(cloudtrail_backends)

    @handler("CreateTrail", expand=False)
    def create_trail(self, context: RequestContext, request: ServiceRequest) -> ServiceResponse:
        request = dict(request)
        _validate_references(context, request)
        return call_moto_with_request(context, request)

    @handler("UpdateTrail", expand=False)
    def update_trail(self, context: RequestContext, request: ServiceRequest) -> ServiceResponse:
        request = dict(request)
        _get_trail(context, request.get("Name") or "")  # unknown trail beats bad references
        _validate_references(context, request)
        return call_moto_with_request(context, request)

    @handler("DescribeTrails", expand=False)
    def describe_trails(self, context: RequestContext, request: ServiceRequest) -> ServiceResponse:
        response = call_moto(context)
        names = request.get("trailNameList")
        if names:
            response["trailList"] = [
                t for t in response.get("trailList", []) if _matches(t, names, context.region)
            ]
        return response

    @handler("StartLogging", expand=False)
    def start_logging(self, context: RequestContext, request: ServiceRequest) -> ServiceResponse:
        _get_trail(context, request.get("Name") or "").start_logging()
        return {}

    @handler("StopLogging", expand=False)
    def stop_logging(self, context: RequestContext, request: ServiceRequest) -> ServiceResponse:
        _get_trail(context, request.get("Name") or "").stop_logging()
        return {}

    @handler("DeleteTrail", expand=False)
    def delete_trail(self, context: RequestContext, request: ServiceRequest) -> ServiceResponse:
        trail = _get_trail(context, request.get("Name") or "")
        backend = _backend(context)
        backend.trails.pop(trail.trail_name, None)
        # moto keeps the tags of deleted trails; a new trail of the same name
        # must not inherit them.
        backend.tagging_service.delete_all_tags_for_resource(trail.arn)
        return {}


def _passthrough(context: RequestContext, request: ServiceRequest) -> ServiceResponse:
    return call_moto(context)


def dispatch_table(provider: CloudTrailProvider) -> DispatchTable:
    """The provider's handlers (falling back to moto if one raises
    NotImplementedError) plus moto for every other CloudTrail operation.

    LocalStack's own moto-backed providers get the full operation list from a
    generated API base class; LocalStack ships none for CloudTrail, so the
    remaining operations are taken from the service specification.
    """
    table = MotoFallbackDispatcher(provider)
    for operation in load_service(SERVICE).operation_names:
        table.setdefault(operation, _passthrough)
    return table
