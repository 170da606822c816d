"""AWS Lambda entry point for Walking Check.

The skill is built once, at import, so the work happens in Lambda's init phase and every warm
invocation only dispatches. Logs carry request ids, request types, intent names and timings:
never slot values, utterances or answers.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from ask_sdk_model.request_envelope import RequestEnvelope

from skill.dialog import build_skill

if TYPE_CHECKING:
    from skill.persistence import DiaryStore

log = logging.getLogger("walking_check.lambda")
# The Lambda runtime sets AWS_LAMBDA_LOG_LEVEL from the function's LoggingConfig.
log.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper())


class ForeignSkillRequest(Exception):
    """A request for another skill's application id.

    Raised, not answered: Lambda records an error (visible in the Errors metric) and the caller
    gets no dialog response. Only a direct invocation can get here, because the Alexa trigger's
    permission is restricted to our skill id.
    """


def _open_store() -> DiaryStore | None:
    table = os.environ.get("DIARY_TABLE", "").strip()
    if not table or os.environ.get("DIARY_ENABLED", "true").strip().lower() == "false":
        return None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    try:
        # Imported here: boto3 is loaded only when DynamoDB is configured.
        from skill.persistence import open_store

        spec = f"dynamodb://{quote(table, safe='')}?region={quote(region, safe='')}"
        retention = os.environ.get("DIARY_RETENTION_DAYS", "").strip()
        if retention:
            spec += f"&ttl_days={quote(retention, safe='')}"
        store: DiaryStore = open_store(spec)
        # Create the DynamoDB client in the init phase: with provisioned concurrency that happens
        # before anyone is waiting; on a plain cold start the first request pays the same either way.
        warm = getattr(store, "client", None)
        if callable(warm):
            warm()
        return store
    except Exception as exc:
        # The check still works without the diary; the message holds configuration, not user data.
        log.error("diary storage unavailable, running without it: %s: %s", type(exc).__name__, exc)
        return None


_init_started = time.perf_counter()
SKILL_ID = os.environ.get("SKILL_ID", "").strip() or None
SKILL = build_skill(store=_open_store(), skill_id=SKILL_ID)
log.info("skill built in %.1f ms", (time.perf_counter() - _init_started) * 1000)


def _describe(event: dict[str, Any]) -> tuple[str, str, str]:
    request = event.get("request") or {}
    intent = (request.get("intent") or {}).get("name") or "-"
    return str(request.get("requestId", "-")), str(request.get("type", "-")), str(intent)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    request_id, request_type, intent = _describe(event)
    lambda_request_id = getattr(context, "aws_request_id", "-")
    application_id = (((event.get("context") or {}).get("System") or {}).get("application") or {}).get(
        "applicationId"
    )
    if SKILL_ID is not None and application_id != SKILL_ID:
        log.warning(
            "rejected request %s (lambda %s): application id is not SKILL_ID", request_id, lambda_request_id
        )
        raise ForeignSkillRequest("request is for another skill")

    envelope = SKILL.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    # The SDK checks the skill id again here and raises on a mismatch.
    response = SKILL.invoke(request_envelope=envelope, context=context)
    result = cast(dict[str, Any], SKILL.serializer.serialize(response))
    log.info(
        "request %s (lambda %s) %s %s handled in %.1f ms",
        request_id,
        lambda_request_id,
        request_type,
        intent,
        (time.perf_counter() - started) * 1000,
    )
    return result
