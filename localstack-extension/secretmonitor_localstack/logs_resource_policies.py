"""CloudWatch Logs resource policies scoped to one log group.

AWS's PutResourcePolicy takes a `resourceArn` (a log group's ARN) for a
policy attached to that group alone: it is not one of the account's 10
account-level policies, a group has at most one, and it carries a revision
(`revisionId`) that every later put or delete must name
(`expectedRevisionId`: "Required when resourceArn is provided to prevent
concurrent modifications. Use null when creating a resource policy for the
first time", API reference). DescribeResourcePolicies lists it with
`policyScope` RESOURCE and its `resourceArn` when asked for that scope or
that ARN; without a scope it lists the account-level ones (scope ACCOUNT).

LocalStack's free edition hands these calls to moto, which ignores
`resourceArn` and `expectedRevisionId`: the policy became an account-level
one, without a revision, and outlived its group. This module serves the
resource-scoped calls itself and leaves account-level ones to moto.

Emulator choices where AWS documents no answer (README.md lists them):
  * a wrong or missing `expectedRevisionId` answers InvalidParameterException;
  * a policy is deleted with its log group (DeleteLogGroup);
  * a `policyName` given beside `resourceArn` is stored and returned as given
    (whether AWS accepts both is not documented; Terraform's AWS provider and
    Pulumi send exactly one of them).
"""

from __future__ import annotations

import threading
import time
import uuid

# (account, region, log group ARN) -> the policy as DescribeResourcePolicies shows it
_policies: dict[tuple[str, str, str], dict] = {}
_lock = threading.Lock()


def _group_name(resource_arn: str) -> str | None:
    """The log group an ARN names (`...:log-group:NAME`, optionally `:*`)."""
    parts = resource_arn.split(":", 6)
    if len(parts) < 7 or parts[2] != "logs" or not parts[5] == "log-group":
        return None
    name = parts[6]
    return name[:-2] if name.endswith(":*") else name


def _key(context, resource_arn: str) -> tuple[str, str, str]:
    """The policy's key: the group's ARN without a trailing `:*` (both name the group)."""
    arn = resource_arn[:-2] if resource_arn.endswith(":*") else resource_arn
    return (context.account_id, context.region, arn)


def forget_group(account_id: str, region: str, group_name: str) -> None:
    """DeleteLogGroup: the group's policy goes with it."""
    with _lock:
        for key in [k for k in _policies if k[0] == account_id and k[1] == region]:
            if _group_name(key[2]) == group_name:
                del _policies[key]


def _errors():
    from localstack.aws.api.logs import InvalidParameterException, ResourceNotFoundException

    return InvalidParameterException, ResourceNotFoundException


def put_resource_policy(self, context, policy_name=None, policy_document=None, resource_arn=None,
                        expected_revision_id=None, **kwargs):
    from localstack.services.logs.models import get_moto_logs_backend
    from localstack.services.moto import call_moto

    if not resource_arn:
        return call_moto(context)
    invalid, not_found = _errors()
    group = _group_name(resource_arn)
    if group is None:
        raise invalid(f"resourceArn {resource_arn} is not a log group ARN")
    if group not in get_moto_logs_backend(context.account_id, context.region).groups:
        raise not_found("The specified log group does not exist.")
    key = _key(context, resource_arn)
    with _lock:
        current = _policies.get(key)
        if current is None and expected_revision_id is not None:
            raise invalid(f"No resource policy for {resource_arn}: expectedRevisionId must be null to create one")
        if current is not None and expected_revision_id != current["revisionId"]:
            raise invalid(
                f"expectedRevisionId {expected_revision_id!r} is not the revision of the resource policy of "
                f"{resource_arn} ({current['revisionId']})"
            )
        policy = {
            "policyDocument": policy_document,
            "lastUpdatedTime": int(time.time() * 1000),
            "policyScope": "RESOURCE",
            "resourceArn": resource_arn,
            "revisionId": uuid.uuid4().hex,
        }
        if policy_name:
            policy["policyName"] = policy_name
        _policies[key] = policy
    return {"resourcePolicy": dict(policy), "revisionId": policy["revisionId"]}


def describe_resource_policies(self, context, next_token=None, limit=None, resource_arn=None, policy_scope=None,
                               **kwargs):
    from localstack.services.moto import call_moto

    if resource_arn or policy_scope == "RESOURCE":
        with _lock:
            found = [
                dict(p)
                for (account, region, arn), p in sorted(_policies.items())
                if account == context.account_id and region == context.region
                and (not resource_arn or arn == _key(context, resource_arn)[2])
            ]
        return {"resourcePolicies": found}
    response = call_moto(context)
    for p in response.get("resourcePolicies") or []:
        p.setdefault("policyScope", "ACCOUNT")
    return response


def delete_resource_policy(self, context, policy_name=None, resource_arn=None, expected_revision_id=None, **kwargs):
    from localstack.services.moto import call_moto

    if not resource_arn:
        return call_moto(context)
    invalid, not_found = _errors()
    key = _key(context, resource_arn)
    with _lock:
        current = _policies.get(key)
        if current is None:
            raise not_found(f"No resource policy for {resource_arn}")
        if expected_revision_id != current["revisionId"]:
            raise invalid(
                f"expectedRevisionId {expected_revision_id!r} is not the revision of the resource policy of "
                f"{resource_arn} ({current['revisionId']})"
            )
        del _policies[key]
    return {}


def install() -> None:
    """Serve the three calls on LocalStack's logs provider (before it loads)."""
    from localstack.services.logs.provider import LogsProvider

    if getattr(LogsProvider.put_resource_policy, "_secretmonitor", False):
        return
    for fn in (put_resource_policy, describe_resource_policies, delete_resource_policy):
        fn._secretmonitor = True
        setattr(LogsProvider, fn.__name__, fn)
