"""CloudTrail event recording: every API call LocalStack serves for a recorded
service becomes a CloudTrail record, built from what LocalStack's handler
chain knows about the call (parsed request, operation, response or error,
caller's access key).

Hooked into LocalStack's gateway (see `install`):
  * a request handler, appended to `handlers.serve_custom_service_request_handlers`
    (runs after the request is parsed, before the provider serves it), notes
    which trails deliver at the time of the call;
  * a response handler, appended to `handlers.run_custom_response_handlers`
    (runs after the provider answered or raised, once LocalStack has parsed the
    response/exception), builds the record and hands it to the delivery queue
    (`cloudtrail_delivery.py`). Recording never delays or fails the call.

Not recorded:
  * LocalStack-internal calls (one service calling another through
    `connect_to`, including this extension's own deliveries: no recursion);
  * operations CloudTrail logs as *data* events, not management events
    (`DATA_EVENTS`), since trails log management events only unless data event
    selectors say otherwise (not emulated);
  * services other than `RECORDED_SERVICES`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from typing import Any

LOG = logging.getLogger(__name__)

EVENT_VERSION = "1.08"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

# botocore service names (CloudWatch is "cloudwatch"; its eventSource is
# monitoring.amazonaws.com, from the endpoint prefix).
RECORDED_SERVICES = frozenset({"secretsmanager", "cloudtrail", "cloudwatch", "logs", "sns", "kms", "events"})

# Operations that CloudTrail records as data events (not logged by a trail's
# default, management-only selectors, and not sent to EventBridge as management
# events). PutLogEvents in particular is how records are delivered.
DATA_EVENTS = {
    "logs": {"PutLogEvents", "GetLogEvents", "FilterLogEvents", "GetLogRecord", "StartLiveTail", "GetLogObject"},
    "cloudwatch": {"PutMetricData", "GetMetricData", "GetMetricStatistics", "GetMetricWidgetImage", "ListMetrics"},
    "sns": {"Publish", "PublishBatch"},
    # PutEvents is a data event of an event bus in CloudTrail.
    "events": {"PutEvents", "PutPartnerEvents"},
}

# readOnly: CloudTrail marks reads true. Decided by operation name; KMS's
# cryptographic operations are reads in CloudTrail too.
READ_PREFIXES = ("Get", "Describe", "List", "Lookup", "BatchGet", "Head", "Filter", "Search", "Test", "Validate", "Select")
READ_OPERATIONS = {
    "kms": {
        "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom",
        "GenerateMac", "VerifyMac", "Sign", "Verify", "DeriveSharedSecret",
    },
}

_TRAILS_ATTR = "_secretmonitor_trails_before"

# When temporary credentials were issued, keyed by access key ID, seen on STS
# responses (LocalStack keeps only their expiry).
_session_created: dict[str, str] = {}


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or operation in READ_OPERATIONS.get(service, ())


def is_recorded(service: str, operation: str) -> bool:
    return service in RECORDED_SERVICES and operation not in DATA_EVENTS.get(service, ())


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- requestParameters / responseElements -----------------------------------------


def _camel(name: str) -> str:
    """SecretId -> secretId, ARN -> arn, KMSKeyId -> kmsKeyId (CloudTrail's style)."""
    upper = 0
    while upper < len(name) and name[upper].isupper():
        upper += 1
    if upper <= 1:
        return name[:1].lower() + name[1:]
    if upper == len(name):
        return name.lower()
    # the last capital of a run starts the next word
    return name[: upper - 1].lower() + name[upper - 1 :]


_OMIT = object()  # marks values CloudTrail leaves out (blobs, streams)


def render(value: Any, shape: Any) -> Any:
    """A request/response value as CloudTrail shows it: structure members in
    camelCase (map keys kept), sensitive values hidden, blobs left out,
    timestamps as ISO strings."""
    if value is None:
        return None
    if shape is not None and shape.metadata.get("sensitive"):
        return HIDDEN
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                continue
            rendered = render(item, member)
            if rendered is not _OMIT:
                out[_camel(key)] = rendered
        return out
    if type_name == "list" and isinstance(value, list | tuple):
        items = [render(v, shape.member) for v in value]
        return [v for v in items if v is not _OMIT]
    if type_name == "map" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            rendered = render(item, shape.value)
            if rendered is not _OMIT:
                out[str(key)] = rendered
        return out
    if isinstance(value, bytes | bytearray) or type_name == "blob":
        return _OMIT
    if isinstance(value, dt.datetime):
        return _iso(value)
    if hasattr(value, "read"):  # streaming body
        return _OMIT
    if isinstance(value, dict):
        return {str(k): render(v, None) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, None) for v in value]
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)



def _render_top(value: Any, shape: Any) -> dict | None:
    if not value or shape is None:
        return None
    rendered = render(value, shape)
    if isinstance(rendered, dict):
        rendered.pop("responseMetadata", None)
    return rendered or None


# --- userIdentity ------------------------------------------------------------------


def _access_key(context) -> str | None:
    from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

    try:
        return extract_access_key_id_from_auth_header(context.request.headers)
    except Exception:
        return None


def user_identity(context) -> dict[str, Any]:
    """userIdentity for the caller's credentials, resolved the way LocalStack's
    STS GetCallerIdentity does: temporary credentials from the STS store, then
    IAM users' access keys (CreateAccessKey) from the IAM store, else the
    account's root."""
    from localstack.services.iam.models import iam_stores
    from localstack.services.sts.models import sts_stores

    account = context.account_id
    region = context.region or "us-east-1"
    partition = getattr(context, "partition", None) or "aws"
    key = _access_key(context)

    if key:
        creds = sts_stores[account]["us-east-1"].credentials.get(key)
        if creds is not None and not creds.is_expired():
            return _temporary_identity(creds, key, partition)
        iam = iam_stores[account][region]
        user_name = iam.ACCESS_KEY_INDEX.get(key)
        entity = iam.USERS.get(user_name) if user_name else None
        if entity is not None:
            user = entity.user
            return {
                "type": "IAMUser",
                "principalId": user["UserId"],
                "arn": user["Arn"],
                "accountId": account,
                "accessKeyId": key,
                "userName": user["UserName"],
            }

    identity = {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:{partition}:iam::{account}:root",
        "accountId": account,
    }
    if key:
        identity["accessKeyId"] = key
    return identity


def _session_attributes(key: str) -> dict[str, str]:
    attributes = {"mfaAuthenticated": "false"}
    if created := _session_created.get(key):
        attributes = {"creationDate": created, **attributes}
    return attributes


def _temporary_identity(creds, key: str, partition: str) -> dict[str, Any]:
    from localstack.services.iam.models import iam_stores

    account = creds.account_id
    arn = creds.arn
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    if resource.startswith("assumed-role/"):
        _, role_name, _session = (resource.split("/", 2) + ["", ""])[:3]
        role_id = creds.user_id.split(":", 1)[0]
        role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
        # Roles are global (a cross-region attribute of the IAM store).
        entity = iam_stores[account]["us-east-1"].ROLES.get(role_name)
        if entity is not None:
            role_arn = entity.role["Arn"]  # includes the role's path
            role_id = entity.role["RoleId"]
        return {
            "type": "AssumedRole",
            "principalId": creds.user_id,
            "arn": arn,
            "accountId": account,
            "accessKeyId": key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": role_arn,
                    "accountId": account,
                    "userName": role_name,
                },
                "webIdFederationData": {},
                "attributes": _session_attributes(key),
            },
        }
    if resource.startswith("federated-user/"):
        return {
            "type": "FederatedUser",
            "principalId": creds.user_id,
            "arn": arn,
            "accountId": account,
            "accessKeyId": key,
            "sessionContext": {"sessionIssuer": {}, "webIdFederationData": {}, "attributes": _session_attributes(key)},
        }
    # GetSessionToken of the root (LocalStack issues these for root only).
    return {
        "type": "Root",
        "principalId": account,
        "arn": arn,
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {"sessionIssuer": {}, "webIdFederationData": {}, "attributes": _session_attributes(key)},
    }


# --- the record ----------------------------------------------------------------------


def build_record(context, response) -> dict[str, Any]:
    service_model = context.service
    service = service_model.service_name
    operation = context.operation
    endpoint_prefix = service_model.metadata.get("endpointPrefix") or service
    read_only = is_read_only(service, operation.name)
    started = context.get("_secretmonitor_started") or dt.datetime.now(dt.UTC)

    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(context),
        "eventTime": _iso(started),
        "eventSource": f"{endpoint_prefix}.amazonaws.com",
        "eventName": operation.name,
        "awsRegion": context.region,
        "sourceIPAddress": context.request.remote_addr or "127.0.0.1",
        "userAgent": context.request.headers.get("User-Agent", ""),
    }
    exception = context.service_exception
    if exception is not None:
        record["errorCode"] = getattr(exception, "code", None) or type(exception).__name__
        record["errorMessage"] = getattr(exception, "message", None) or str(exception)
    record["requestParameters"] = _render_top(context.service_request, operation.input_shape)
    if exception is None and not read_only:
        record["responseElements"] = _render_top(context.service_response, operation.output_shape)
    else:
        record["responseElements"] = None
    request_id = (
        response.headers.get("x-amzn-RequestId")
        or response.headers.get("x-amz-request-id")
        or context.request_id
        or str(uuid.uuid4())
    )
    record.update(
        {
            "requestID": str(request_id),
            "eventID": str(uuid.uuid4()),
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": context.account_id,
            "eventCategory": "Management",
        }
    )
    return record


# --- handler chain hooks ------------------------------------------------------------


def _recordable(context) -> bool:
    service = context.service
    operation = context.operation
    if service is None or operation is None or context.account_id is None:
        return False
    if context.is_internal_call:
        return False
    return is_recorded(service.service_name, operation.name)


def on_request(chain, context, response) -> None:
    """Request phase: when the call happens, which trails are logging."""
    try:
        if not _recordable(context):
            return
        from . import cloudtrail_delivery

        context._secretmonitor_started = dt.datetime.now(dt.UTC)
        setattr(context, _TRAILS_ATTR, cloudtrail_delivery.logging_trails(context.account_id))
    except Exception:
        LOG.exception("secretmonitor: CloudTrail recording (request phase) failed")


def delivery_enabled() -> bool:
    """SECRETMONITOR_CLOUDTRAIL_DELIVERY=0 turns delivery off: the benchmark
    measures the provider, and with N logging trails every API call becomes N
    deliveries, so the emulator's own work would grow with N x calls."""
    return os.environ.get("SECRETMONITOR_CLOUDTRAIL_DELIVERY", "1") != "0"


def on_response(chain, context, response) -> None:
    """Response phase: build the record and queue it for delivery."""
    try:
        _note_sts_credentials(context)
        if not _recordable(context) or not delivery_enabled():
            return
        from . import cloudtrail_delivery

        record = build_record(context, response)
        # Union of the trails logging before and after the call: StopLogging and
        # DeleteTrail are logged by the trail they stop, StartLogging by the
        # trail it starts.
        trails = {t.arn: t for t in context.get(_TRAILS_ATTR) or []}
        for trail in cloudtrail_delivery.logging_trails(context.account_id):
            trails.setdefault(trail.arn, trail)
        cloudtrail_delivery.submit(record, list(trails.values()))
    except Exception:
        LOG.exception("secretmonitor: CloudTrail recording failed")


def _note_sts_credentials(context) -> None:
    service, operation = context.service, context.operation
    if service is None or operation is None or service.service_name != "sts":
        return
    body = context.service_response
    creds = body.get("Credentials") if isinstance(body, dict) else None
    if creds and creds.get("AccessKeyId"):
        if len(_session_created) > 10000:
            _session_created.clear()
        _session_created[creds["AccessKeyId"]] = _iso(dt.datetime.now(dt.UTC))


_installed = False


def install() -> None:
    """Append the hooks to LocalStack's gateway handler chain (idempotent)."""
    global _installed
    if _installed:
        return
    from localstack.aws import handlers

    handlers.serve_custom_service_request_handlers.append(on_request)
    handlers.run_custom_response_handlers.append(on_response)
    _installed = True

