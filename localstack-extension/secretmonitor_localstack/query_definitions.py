"""CloudWatch Logs saved queries: PutQueryDefinition, DescribeQueryDefinitions
and DeleteQueryDefinition.

The pinned LocalStack hands these to moto, which has no handler for them: all
three answered HTTP 501. This module serves them, per account and region, as
the API reference describes them:
  * PutQueryDefinition without `queryDefinitionId` creates a definition with a
    new ID (names are not unique: a second put of the same name is a second
    definition); with an ID it replaces that definition, and an unknown ID
    answers ResourceNotFoundException. The answer is `{"queryDefinitionId"}`.
  * DescribeQueryDefinitions lists them, filtered by
    `queryDefinitionNamePrefix`, `maxResults` (1 to 1000, default 1000) per
    page, continued with `nextToken`.
  * DeleteQueryDefinition answers `{"success": true}`, or
    ResourceNotFoundException for an unknown ID.

Emulator choices where AWS documents no answer (README.md lists them):
  * the listing is ordered by name, then ID; `nextToken` is the offset;
  * `logGroupNames` are stored as given, unchecked (AWS does not require the
    groups to exist either);
  * `queryLanguage` defaults to `CWLI`; `parameters` (not in LocalStack's API
    spec) are not stored.
"""

from __future__ import annotations

import threading
import time
import uuid

# (account, region) -> {queryDefinitionId: definition as Describe shows it}
_definitions: dict[tuple[str, str], dict[str, dict]] = {}
_lock = threading.Lock()

MAX_RESULTS = 1000


def _errors():
    from localstack.aws.api.logs import InvalidParameterException, ResourceNotFoundException

    return InvalidParameterException, ResourceNotFoundException


def _scope(context) -> dict[str, dict]:
    return _definitions.setdefault((context.account_id, context.region), {})


def put_query_definition(self, context, name=None, query_string=None, query_language=None,
                         query_definition_id=None, log_group_names=None, client_token=None, **kwargs):
    invalid, not_found = _errors()
    if not name or not 1 <= len(name) <= 255:
        raise invalid("name must be 1 to 255 characters")
    if not query_string or not 1 <= len(query_string) <= 10000:
        raise invalid("queryString must be 1 to 10000 characters")
    with _lock:
        scope = _scope(context)
        if query_definition_id and query_definition_id not in scope:
            raise not_found(f"Query definition {query_definition_id} does not exist")
        definition_id = query_definition_id or str(uuid.uuid4())
        scope[definition_id] = {
            "queryDefinitionId": definition_id,
            "name": name,
            "queryString": query_string,
            "logGroupNames": list(log_group_names or []),
            "lastModified": int(time.time() * 1000),
            "queryLanguage": query_language or "CWLI",
        }
    return {"queryDefinitionId": definition_id}


def describe_query_definitions(self, context, query_language=None, query_definition_name_prefix=None,
                               max_results=None, next_token=None, **kwargs):
    invalid, _ = _errors()
    limit = MAX_RESULTS if max_results is None else int(max_results)
    if not 1 <= limit <= MAX_RESULTS:
        raise invalid(f"maxResults must be 1 to {MAX_RESULTS}")
    try:
        start = int(next_token) if next_token else 0
    except ValueError:
        raise invalid(f"nextToken {next_token!r} is not valid") from None
    prefix = query_definition_name_prefix or ""
    with _lock:
        found = sorted(
            (dict(d, logGroupNames=list(d["logGroupNames"])) for d in _scope(context).values()
             if d["name"].startswith(prefix) and (not query_language or d["queryLanguage"] == query_language)),
            key=lambda d: (d["name"], d["queryDefinitionId"]),
        )
    page = found[start:start + limit]
    response = {"queryDefinitions": page}
    if start + limit < len(found):
        response["nextToken"] = str(start + limit)
    return response


def delete_query_definition(self, context, query_definition_id=None, **kwargs):
    _, not_found = _errors()
    with _lock:
        scope = _scope(context)
        if query_definition_id not in scope:
            raise not_found(f"Query definition {query_definition_id} does not exist")
        del scope[query_definition_id]
    return {"success": True}


def install() -> None:
    """Serve the three calls on LocalStack's logs provider (before it loads)."""
    from localstack.services.logs.provider import LogsProvider

    if getattr(LogsProvider.put_query_definition, "_secretmonitor", False):
        return
    for fn in (put_query_definition, describe_query_definitions, delete_query_definition):
        fn._secretmonitor = True
        setattr(LogsProvider, fn.__name__, fn)
