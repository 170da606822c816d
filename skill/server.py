"""Walking Check as a web service: flask-ask-sdk's SkillAdapter on ``POST /``, ``GET /health``.

Request verification (signature, certificate chain, timestamp, skill id, replay) is described in
SECURITY.md and implemented in ``skill.verification``. Logs carry request ids, request types,
intent names, status codes and timings only: never bodies, slot values, utterances or exception
messages (which could quote them).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

# skill.verification must be imported before flask_ask_sdk: it registers the certvalidator
# stand-in that lets ask_sdk_webservice_support import on OpenSSL >= 3.0.10 (see that module).
from skill.verification import SeenIds, SqliteSeenIds, VerificationException, build_verifiers

# isort: split
from ask_sdk_model import IntentRequest, RequestEnvelope
from ask_sdk_runtime.exceptions import DispatchException
from flask import Flask, Response, jsonify, request
from flask_ask_sdk.skill_adapter import (
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

from skill.dialog.serializer import SkillSerializer

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill
    from ask_sdk_webservice_support.verifier import AbstractVerifier

__all__ = ["create_app", "default_workers", "serve"]

log = logging.getLogger(__name__)

# Alexa request envelopes are a few kilobytes; anything far larger is not from Alexa.
MAX_BODY_BYTES = 256 * 1024
# A valid Alexa response that says nothing: for request types the dialog has no handler for.
EMPTY_ALEXA_RESPONSE: dict[str, Any] = {"version": "1.0", "response": {}}


class _DeserializeOnce(SkillSerializer):
    """Hands the SDK's web-service handler the envelope ``_inspect`` already built for this body.

    flask-ask-sdk deserializes the body itself; doing it twice per request was the largest single
    cost of the web service. ``remember`` stores one envelope per thread, and the next
    ``deserialize`` of the same body on that thread takes it (once), so nothing is ever reused
    across requests.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = threading.local()

    def remember(self, payload: str) -> Any:
        envelope = super().deserialize(payload=payload, obj_type=RequestEnvelope)
        self._pending.entry = (payload, envelope)
        return envelope

    def deserialize(self, payload: str | None, obj_type: Any) -> Any:
        entry = getattr(self._pending, "entry", None)
        self._pending.entry = None
        if entry is not None and obj_type is RequestEnvelope and entry[0] == payload:
            return entry[1]
        return super().deserialize(payload=payload, obj_type=obj_type)


_serializer = _DeserializeOnce()


class _RequestInfo(NamedTuple):
    request_id: str
    request_type: str
    intent: str


class _NoExceptionDetails(logging.Filter):
    """Reduces logged exceptions to their class name.

    flask-ask-sdk logs verification and dispatch failures with ``exc_info``, and Flask logs
    unhandled errors the same way; tracebacks and messages may quote request content. Only
    ``VerificationException`` messages are kept: ours name the failed check and nothing else.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            detail = f": {exc}" if isinstance(exc, VerificationException) else ""
            record.msg = f"{record.getMessage()} [{type(exc).__name__}{detail}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


_NO_EXCEPTION_DETAILS = _NoExceptionDetails()


# Alexa's ids and intent names are printable ASCII; anything else is dropped before logging.
_UNSAFE_IN_LOG = re.compile(r"[^!-~]")


def _safe_token(value: object, limit: int = 120) -> str:
    """Ids and intent names are attacker-controlled before verification: no log injection."""
    text = value if isinstance(value, str) else "-"
    return _UNSAFE_IN_LOG.sub("", text[: limit * 4])[:limit] or "-"


def _reject(description: str) -> NoReturn:
    raise BadRequest(description=description)


def _inspect(body: bytes) -> _RequestInfo:
    """Refuse anything that is not an Alexa request envelope, before the SDK sees it.

    The SDK would turn these into HTTP 500 and log messages that quote the body.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        _reject("The request body must be UTF-8 JSON.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        _reject("The request body is not valid JSON.")
    if not isinstance(data, dict):
        _reject("The request body must be a JSON object.")
    inner = data.get("request")
    if not isinstance(inner, dict) or not isinstance(inner.get("type"), str):
        _reject("The field request.type is missing.")
    try:
        envelope = _serializer.remember(text)
    except Exception:
        # Unknown request types and wrongly typed fields both end here.
        _reject("The request is not an Alexa request envelope this skill understands.")
    if not isinstance(envelope, RequestEnvelope) or envelope.request is None:
        _reject("The request is not an Alexa request envelope this skill understands.")
    req = envelope.request
    intent = req.intent.name if isinstance(req, IntentRequest) and req.intent is not None else "-"
    return _RequestInfo(_safe_token(req.request_id), _safe_token(inner.get("type")), _safe_token(intent))


def _error_response(exc: HTTPException) -> WerkzeugResponse:
    response = exc.get_response()
    name = (exc.name or "error").lower().replace(" ", "_")
    response.set_data(json.dumps({"error": name, "message": exc.description}))
    response.mimetype = "application/json"
    return response


def create_app(
    skill: CustomSkill | None = None,
    *,
    verify: bool = True,
    skill_id: str | None = None,
    store: Any = None,
    signature_verifier: AbstractVerifier | None = None,
    seen_ids: SeenIds | None = None,
) -> Flask:
    """Build the Flask app.

    ``skill`` defaults to ``skill.dialog.build_skill(store=store, skill_id=skill_id)``.
    ``skill_id`` defaults to the ``SKILL_ID`` environment variable; when set, requests for any
    other skill get HTTP 400. ``verify`` turns signature, timestamp and replay checks on (never
    turn it off outside local testing). ``signature_verifier`` replaces the default
    ``SignatureVerifier`` (certifi roots, network fetch), for tests with a private CA.
    ``seen_ids`` is the replay memory, shared when several worker processes serve.
    """
    if skill_id is None:
        skill_id = os.environ.get("SKILL_ID", "").strip() or None
    if skill is None:
        from skill.dialog import build_skill

        skill = build_skill(store=store, skill_id=skill_id)
    # A long-running service loads and builds the rule models now, not during some user's first
    # result; on Lambda they stay lazy, for cold start (see skill/rules/__init__.py).
    from skill.rules import Answers, assess

    assess(Answers())

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # The SDK's own RequestVerifier needs certvalidator/oscrypto; build_verifiers supplies the
    # equivalent checks (and reuses its TimestampVerifier), so the built-in ones stay off.
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
    app.logger.addFilter(_NO_EXCEPTION_DETAILS)  # one shared instance: addFilter de-duplicates
    skill.serializer = _serializer  # the SDK handler then reuses the envelope _inspect built
    verifiers = build_verifiers(
        verify=verify, skill_id=skill_id, signature_verifier=signature_verifier, seen_ids=seen_ids
    )
    adapter = SkillAdapter(skill=skill, skill_id=skill_id, verifiers=verifiers, app=app)
    if not verify:
        log.warning("request signature and timestamp verification is OFF: local testing only")

    @app.post("/")
    def alexa() -> Response:
        started = time.perf_counter()
        info = _RequestInfo("-", "-", "-")
        status = 500
        try:
            info = _inspect(request.get_data(cache=True))
            try:
                response: Response = adapter.dispatch_request()
            except InternalServerError as exc:
                # flask-ask-sdk reports "no handler for this request" as a 500; Alexa gets a
                # valid, silent response instead.
                if not isinstance(exc.__context__, DispatchException):
                    raise
                log.warning("no handler for request id=%s type=%s", info.request_id, info.request_type)
                response = jsonify(EMPTY_ALEXA_RESPONSE)
            status = response.status_code
            return response
        except HTTPException as exc:
            status = exc.code or 500
            raise
        finally:
            log.info(
                "alexa request id=%s type=%s intent=%s status=%d ms=%.1f",
                info.request_id,
                info.request_type,
                info.intent,
                status,
                (time.perf_counter() - started) * 1000,
            )

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> WerkzeugResponse:
        return _error_response(exc)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> tuple[Response, int]:
        log.error("unexpected error on %s %s [%s]", request.method, request.path, type(exc).__name__)
        return jsonify(error="internal_error", message="The request could not be processed."), 500

    return app


def _open_store(db: str | None) -> Any:
    try:
        from skill.persistence import open_store
    except ImportError:
        if db:
            log.warning("diary storage is not available in this build; --db is ignored")
        return None
    return open_store(db)


def store_is_shared(store: Any) -> bool:
    """Whether worker processes see each other's diary writes (not so for ``memory:``)."""
    from skill.persistence import MemoryDiaryStore

    return not isinstance(store, MemoryDiaryStore)


def default_workers() -> int:
    """One worker process per core: Python code in one process runs on one core at a time."""
    return os.cpu_count() or 1


def serve(
    host: str,
    port: int,
    verify: bool,
    db: str | None,
    workers: int | None = None,
    *,
    signature_verifier: AbstractVerifier | None = None,
) -> None:
    """Run the web service until stopped (``python -m skill serve``).

    Granian runs ``workers`` processes (default ``default_workers()``), each serving the Flask app
    from two Python threads (a request waiting on DynamoDB or a SQLite lock does not hold up
    the worker), with HTTP/1.1 keep-alive handled in Granian's Rust core and no access log (the
    service logs one line per request itself). It needs about 1 ms of CPU per request where
    gunicorn needed 1.7 to 1.9 (docs/architecture.md). Each worker builds its own app and diary
    store after the fork. The in-memory diary cannot be shared between processes, so ``memory:``
    runs one worker. With verification on, the workers share one replay memory in a scratch
    SQLite file. Put the service behind a TLS-terminating reverse proxy: Alexa only calls HTTPS
    endpoints.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = _open_store(db)  # a bad --db fails here, before any worker starts
    count = max(1, workers if workers is not None else default_workers())
    if count > 1 and store is not None and not store_is_shared(store):
        log.warning("the in-memory diary lives in one process: serving with one worker")
        count = 1
    skill_id = os.environ.get("SKILL_ID", "").strip() or None
    with tempfile.TemporaryDirectory(prefix="walking-check-replay-") as scratch:
        seen_ids = SqliteSeenIds(Path(scratch) / "seen.sqlite3") if verify and count > 1 else None

        def load_app(target: str) -> Flask:  # runs in each worker process, after the fork
            return create_app(
                verify=verify,
                skill_id=skill_id,
                store=_open_store(db),
                signature_verifier=signature_verifier,
                seen_ids=seen_ids,
            )

        server = Granian(
            target="walking-check",  # a label: load_app builds the app
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            http=HTTPModes.http1,
            websockets=False,
            workers=count,
            # Two threads: a request waiting on storage does not hold up its worker. Every component
            # a request touches is thread-safe; four threads cost 10 to 20% more CPU per request
            # on the two-core bench, for waits that two already overlap.
            blocking_threads=2,
            log_access=False,
            respawn_failed_workers=True,
            # A stop signal that arrives while a worker is still starting can leave that worker
            # running; after five seconds it is killed (SQLite rolls back any open write).
            workers_kill_timeout=5,
        )
        log.info(
            "Walking Check listening on http://%s:%d with %d worker(s) (verification %s, skill id %s)",
            host,
            port,
            count,
            "on" if verify else "OFF",
            "checked" if skill_id else "not checked",
        )
        server.serve(target_loader=load_app)
