"""The web service end to end: signed Alexa requests through the real Flask app and server."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient

from skill.server import create_app
from skill.verification import SignatureVerifier
from tests.alexa_signing import (
    CERT_URL,
    OTHER_SKILL_ID,
    SKILL_ID,
    ChainFetcher,
    Pki,
    envelope,
    make_pki,
    signed,
    timestamp,
)

REPO = Path(__file__).resolve().parent.parent
SECRET = "my-private-answer-7731"


class Spy:
    """A skill whose handlers count how often dialog work was done."""

    def __init__(self) -> None:
        self.calls = 0
        spy = self

        class Launch(AbstractRequestHandler):
            def can_handle(self, handler_input: HandlerInput) -> bool:
                return bool(is_request_type("LaunchRequest")(handler_input))

            def handle(self, handler_input: HandlerInput) -> Response:
                spy.calls += 1
                return (
                    handler_input.response_builder.speak("Welcome to Walking Check.").ask("Ready?").response
                )

        class Walk(AbstractRequestHandler):
            def can_handle(self, handler_input: HandlerInput) -> bool:
                return bool(is_intent_name("WalkTimeIntent")(handler_input))

            def handle(self, handler_input: HandlerInput) -> Response:
                spy.calls += 1
                return handler_input.response_builder.speak("Thanks.").response

        class Broken(AbstractRequestHandler):
            def can_handle(self, handler_input: HandlerInput) -> bool:
                return bool(is_intent_name("AMAZON.HelpIntent")(handler_input))

            def handle(self, handler_input: HandlerInput) -> Response:
                spy.calls += 1
                raise ValueError(f"cannot handle {SECRET}")

        builder = SkillBuilder()
        for handler in (Launch(), Walk(), Broken()):
            builder.add_request_handler(handler)
        self.skill: CustomSkill = builder.create()


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def spy() -> Spy:
    return Spy()


@pytest.fixture(autouse=True)
def _no_skill_id_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKILL_ID", raising=False)


def _app(pki: Pki, spy: Spy, *, skill_id: str | None = SKILL_ID, verify: bool = True) -> Flask:
    verifier = SignatureVerifier(trust_roots=[pki.root], fetch=ChainFetcher({CERT_URL: pki.chain_pem()}))
    return create_app(spy.skill, verify=verify, skill_id=skill_id, signature_verifier=verifier)


@pytest.fixture
def client(pki: Pki, spy: Spy) -> FlaskClient:
    return _app(pki, spy).test_client()


def _post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/", data=body, headers=headers)


def _assert_rejected(response: Any, spy: Spy) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    assert response.is_json
    assert set(response.get_json()) == {"error", "message"}
    assert spy.calls == 0, "the dialog ran for a rejected request"


# --- accepted ---------------------------------------------------------------------------------


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_signed_launch_request_is_answered(client: FlaskClient, pki: Pki, spy: Spy) -> None:
    response = _post(client, *signed(pki, envelope()))
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["version"] == "1.0"
    assert "Welcome to Walking Check." in payload["response"]["outputSpeech"]["ssml"]
    assert payload["response"]["reprompt"]["outputSpeech"]["type"] == "SSML"
    assert spy.calls == 1


def test_request_type_without_handler_gets_a_valid_silent_response(
    client: FlaskClient, pki: Pki, spy: Spy
) -> None:
    response = _post(client, *signed(pki, envelope("SessionEndedRequest")))
    assert response.status_code == 200
    assert response.get_json() == {"version": "1.0", "response": {}}


def test_default_skill_comes_from_build_skill() -> None:
    app = create_app(verify=False, skill_id=SKILL_ID)
    response = app.test_client().post("/", json=envelope())
    assert response.status_code == 200
    assert response.get_json()["response"]["outputSpeech"]["ssml"]


# --- rejected before any dialog work ----------------------------------------------------------


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256", "both"])
def test_missing_signature_headers(client: FlaskClient, pki: Pki, spy: Spy, missing: str) -> None:
    body, headers = signed(pki, envelope())
    for name in ("SignatureCertChainUrl", "Signature-256") if missing == "both" else (missing,):
        del headers[name]
    _assert_rejected(_post(client, body, headers), spy)


def test_wrong_signature(client: FlaskClient, pki: Pki, spy: Spy) -> None:
    body, headers = signed(pki, envelope())
    _, other_headers = signed(pki, envelope())
    headers["Signature-256"] = other_headers["Signature-256"]
    _assert_rejected(_post(client, body, headers), spy)


def test_body_changed_after_signing(client: FlaskClient, pki: Pki, spy: Spy) -> None:
    body, headers = signed(pki, envelope())
    _assert_rejected(_post(client, body.replace(b"en-US", b"en-GB"), headers), spy)


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
        "https://evil.example/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com:8443/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/other.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/../evil/echo-api-cert-test.pem",
    ],
)
def test_cert_url_not_amazons(pki: Pki, spy: Spy, url: str) -> None:
    # The fetcher serves the good chain at the bad URL too: only the URL rule can reject it.
    fetcher = ChainFetcher({CERT_URL: pki.chain_pem(), url: pki.chain_pem()})
    verifier = SignatureVerifier(trust_roots=[pki.root], fetch=fetcher)
    client = create_app(spy.skill, skill_id=SKILL_ID, signature_verifier=verifier).test_client()
    _assert_rejected(_post(client, *signed(pki, envelope(), url=url)), spy)
    assert fetcher.calls == []


@pytest.mark.parametrize(
    "bad_pki",
    [
        pytest.param({"not_after": "past"}, id="expired"),
        pytest.param({"sans": ["www.example.com"]}, id="no-echo-api-san"),
        pytest.param({"root_name": "Untrusted Root"}, id="untrusted-root"),
    ],
)
def test_bad_certificate(pki: Pki, spy: Spy, bad_pki: dict[str, Any]) -> None:
    import datetime as dt

    if bad_pki.get("not_after") == "past":
        now = dt.datetime.now(dt.UTC)
        bad_pki = {"not_before": now - dt.timedelta(days=30), "not_after": now - dt.timedelta(seconds=5)}
    signer = make_pki(**bad_pki)
    verifier = SignatureVerifier(trust_roots=[pki.root], fetch=ChainFetcher({CERT_URL: signer.chain_pem()}))
    client = create_app(spy.skill, skill_id=SKILL_ID, signature_verifier=verifier).test_client()
    _assert_rejected(_post(client, *signed(signer, envelope())), spy)


@pytest.mark.parametrize("offset", [-151, -3600, 151, 3600])
def test_timestamp_outside_150_seconds(client: FlaskClient, pki: Pki, spy: Spy, offset: int) -> None:
    _assert_rejected(_post(client, *signed(pki, envelope(ts=timestamp(offset)))), spy)


def test_timestamp_just_inside_the_window_is_accepted(client: FlaskClient, pki: Pki, spy: Spy) -> None:
    assert _post(client, *signed(pki, envelope(ts=timestamp(-120)))).status_code == 200


def test_other_skills_request(client: FlaskClient, pki: Pki, spy: Spy) -> None:
    _assert_rejected(_post(client, *signed(pki, envelope(application_id=OTHER_SKILL_ID))), spy)


def test_skill_id_from_environment(pki: Pki, spy: Spy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILL_ID", SKILL_ID)
    client = _app(pki, spy, skill_id=None).test_client()
    _assert_rejected(_post(client, *signed(pki, envelope(application_id=OTHER_SKILL_ID))), spy)
    assert _post(client, *signed(pki, envelope())).status_code == 200


def test_skill_id_applies_even_without_signature_checks(pki: Pki, spy: Spy) -> None:
    client = _app(pki, spy, verify=False).test_client()
    _assert_rejected(client.post("/", json=envelope(application_id=OTHER_SKILL_ID)), spy)


def test_replayed_request_is_refused(client: FlaskClient, pki: Pki, spy: Spy) -> None:
    body, headers = signed(pki, envelope())
    assert _post(client, body, headers).status_code == 200
    assert spy.calls == 1
    second = _post(client, body, headers)
    assert second.status_code == 400
    assert spy.calls == 1


def test_unsigned_request_with_verification_on(client: FlaskClient, spy: Spy) -> None:
    _assert_rejected(client.post("/", json=envelope()), spy)


# --- bad input never becomes a 5xx or a traceback ---------------------------------------------


BAD_BODIES = {
    "malformed-json": b'{"version": "1.0", "request": {',
    "not-utf8": b'{"request": "\xff\xfe"}',
    "array": b"[1, 2, 3]",
    "string": b'"LaunchRequest"',
    "number": b"42",
    "empty": b"",
    "no-request": b'{"version": "1.0"}',
    "request-not-object": b'{"version": "1.0", "request": "LaunchRequest"}',
    "type-not-string": b'{"version": "1.0", "request": {"type": 7}}',
    "unknown-type": json.dumps(envelope("Walking.Check.Unknown")).encode(),
    "timestamp-number": json.dumps(
        envelope() | {"request": {"type": "LaunchRequest", "timestamp": 5}}
    ).encode(),
    "timestamp-garbage": json.dumps(envelope(ts="yesterday")).encode(),
    "context-list": json.dumps(envelope() | {"context": [1]}).encode(),
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("verify", [True, False], ids=["verify", "no-verify"])
@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_bad_input_is_a_clean_4xx(pki: Pki, spy: Spy, name: str, verify: bool) -> None:
    client = _app(pki, spy, verify=verify, skill_id=None).test_client()
    response = client.post("/", data=BAD_BODIES[name], headers={"Content-Type": "application/json"})
    _assert_rejected(response, spy)
    assert "Traceback" not in response.get_data(as_text=True)


def test_body_too_large(client: FlaskClient, spy: Spy) -> None:
    response = client.post("/", data=b" " * (300 * 1024), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    _assert_rejected(response, spy)


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/", 405), ("PUT", "/", 405), ("GET", "/x", 404)]
)
def test_other_routes_and_methods(client: FlaskClient, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.is_json


def test_dialog_crash_is_a_json_500_that_leaks_nothing(
    pki: Pki, spy: Spy, caplog: pytest.LogCaptureFixture
) -> None:
    client = _app(pki, spy).test_client()
    intent = {"name": "AMAZON.HelpIntent", "confirmationStatus": "NONE", "slots": {}}
    with caplog.at_level(logging.DEBUG):
        response = _post(client, *signed(pki, envelope("IntentRequest", intent=intent)))
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"
    text = response.get_data(as_text=True) + caplog.text
    assert SECRET not in text
    assert "Traceback" not in text
    assert all(r.exc_info is None for r in caplog.records)


def test_logs_carry_ids_and_intent_names_but_no_slot_values(
    pki: Pki, spy: Spy, caplog: pytest.LogCaptureFixture
) -> None:
    client = _app(pki, spy).test_client()
    intent = {
        "name": "WalkTimeIntent",
        "confirmationStatus": "NONE",
        "slots": {"minutes": {"name": "minutes", "value": SECRET, "confirmationStatus": "NONE"}},
    }
    env = envelope("IntentRequest", intent=intent, request_id="amzn1.echo-api.request.log-test")
    with caplog.at_level(logging.DEBUG):
        ok = _post(client, *signed(pki, env))
        tampered_body, headers = signed(pki, envelope("IntentRequest", intent=intent))
        bad = _post(client, tampered_body.replace(b"en-US", b"en-GB"), headers)
    assert (ok.status_code, bad.status_code) == (200, 400)
    assert "amzn1.echo-api.request.log-test" in caplog.text
    assert "WalkTimeIntent" in caplog.text
    assert "request signature does not match the body" in caplog.text
    assert SECRET not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


# --- the real server on loopback ----------------------------------------------------------------


def _http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serving(tmp_path: Path, serve_call: str, setup: str = "") -> Iterator[tuple[str, Path]]:
    """``python -m skill serve``'s ``serve()`` in a subprocess: Granian and its workers, as run in
    production. Yields the base URL and the server's log file (each line tagged with its pid)."""
    port = _free_port()
    code = (
        "import logging\n"
        "logging.basicConfig(level=logging.INFO, format='%(process)d %(levelname)s %(name)s: %(message)s')\n"
        + textwrap.dedent(setup)
        + f"\nfrom skill.server import serve\nserve('127.0.0.1', {port}, {serve_call})\n"
    )
    env = os.environ | {"XDG_DATA_HOME": str(tmp_path), "SKILL_ID": SKILL_ID}
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert _http(f"{base}/health") == (200, {"status": "ok"})
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0, log.read_text()


_SIGNED_SERVER_SETUP = """
from pathlib import Path
from cryptography import x509
from skill.verification import SignatureVerifier
from tests.alexa_signing import CERT_URL, ChainFetcher
verifier = SignatureVerifier(
    trust_roots=[x509.load_pem_x509_certificate(Path({root!r}).read_bytes())],
    fetch=ChainFetcher({{CERT_URL: Path({chain!r}).read_bytes()}}),
)
"""


@contextlib.contextmanager
def _signed_server(pki: Pki, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The web service with two worker processes, trusting the test CA."""
    root, chain = tmp_path / "root.pem", tmp_path / "chain.pem"
    root.write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(pki.chain_pem())
    setup = _SIGNED_SERVER_SETUP.format(root=str(root), chain=str(chain))
    db = str(tmp_path / "diary.sqlite3")
    with _serving(tmp_path, f"True, {db!r}, workers=2, signature_verifier=verifier", setup) as served:
        yield served
    assert "with 2 worker(s)" in served[1].read_text()


@pytest.fixture
def live(pki: Pki, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with _signed_server(pki, tmp_path) as served:
        yield served


def test_real_server_on_loopback(live: tuple[str, Path], pki: Pki) -> None:
    base, _ = live
    assert _http(f"{base}/health") == (200, {"status": "ok"})
    status, payload = _http(f"{base}/", *signed(pki, envelope()))
    assert status == 200 and "Welcome" in payload["response"]["outputSpeech"]["ssml"]
    body, headers = signed(pki, envelope())
    status, payload = _http(f"{base}/", body.replace(b"en-US", b"en-GB"), headers)
    assert status == 400 and payload["error"] == "bad_request"
    status, _ = _http(f"{base}/", b"{not json", {"Content-Type": "application/json"})
    assert status == 400


def test_a_replay_is_refused_by_every_worker(pki: Pki, tmp_path: Path) -> None:
    """Replays on new connections until both worker processes have refused one."""

    def refusing_pids(log: Path) -> set[str]:
        return {line.split()[0] for line in log.read_text().splitlines() if "id was already used" in line}

    body, headers = signed(pki, envelope())
    with _signed_server(pki, tmp_path) as (base, log):
        assert _http(f"{base}/", body, headers)[0] == 200
        for _ in range(200):
            status, payload = _http(f"{base}/", body, headers)
            assert (status, payload["error"]) == (400, "bad_request")
            if len(refusing_pids(log)) == 2:
                break
        assert len(refusing_pids(log)) == 2
        assert _http(f"{base}/", *signed(pki, envelope()))[0] == 200


@pytest.mark.parametrize("verify", [False, True], ids=["no-verify", "verify"])
def test_serve_in_a_subprocess(tmp_path: Path, verify: bool) -> None:
    db = str(tmp_path / "diary.sqlite3")
    with _serving(tmp_path, f"{verify}, {db!r}") as (base, log):
        intent = {
            "name": "WalkTimeIntent",
            "confirmationStatus": "NONE",
            "slots": {"minutes": {"name": "minutes", "value": SECRET, "confirmationStatus": "NONE"}},
        }
        body = json.dumps(envelope("IntentRequest", intent=intent)).encode()
        status, _ = _http(f"{base}/", body, {"Content-Type": "application/json"})
        assert status == (400 if verify else 200)
        other = json.dumps(envelope(application_id=OTHER_SKILL_ID)).encode()
        assert _http(f"{base}/", other, {"Content-Type": "application/json"})[0] == 400
    log_text = log.read_text()
    assert "listening on http://127.0.0.1" in log_text
    assert SECRET not in log_text
    assert "Traceback" not in log_text


def test_a_stop_while_workers_start_still_stops(tmp_path: Path) -> None:
    """Stopped as soon as the first worker answers, before the other may have started."""
    for _ in range(3):
        started = time.monotonic()
        with _serving(tmp_path, f"False, {str(tmp_path / 'diary.sqlite3')!r}, workers=2"):
            pass  # _serving terminates the server and asserts a clean exit within 30 s
        assert time.monotonic() - started < 25


def test_concurrent_conversations_in_one_worker_do_not_mix(tmp_path: Path) -> None:
    """Eight people at once through one worker's threads: each result speaks that person's own
    walking time, so nothing per request (the parsed envelope, the state) crosses threads."""
    from concurrent.futures import ThreadPoolExecutor

    from skill.envelopes import Session, slot
    from skill.locale.numbers import number_in_words

    def check(minutes: int, base: str) -> str:
        session = Session(f"amzn1.ask.account.PARALLEL{minutes}", application_id=SKILL_ID)
        person = {"person": slot("person", "self", value_id="self", slot_type="PersonType")}
        turns = [session.launch, lambda: session.intent("ForWhomIntent", person)]
        turns += [lambda: session.intent("AMAZON.NoIntent")] * 2
        turns += [lambda: session.intent("WalkTimeIntent", {"minutes": slot("minutes", str(minutes))})]
        turns += [lambda: session.intent("AMAZON.YesIntent")] * 2 + [
            lambda: session.intent("AMAZON.NoIntent")
        ] * 3
        payload: dict[str, Any] = {}
        for make in turns:
            status, payload = _http(
                f"{base}/", json.dumps(make()).encode(), {"Content-Type": "application/json"}
            )
            assert status == 200
            session.absorb(payload)
        assert "card" in payload["response"]
        return str(payload["response"]["outputSpeech"]["ssml"])

    db = str(tmp_path / "diary.sqlite3")
    minutes = [2, 3, 4, 5, 6, 7, 8, 9]
    with _serving(tmp_path, f"False, {db!r}, workers=1") as (base, _), ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda m: check(m, base), minutes))
    for m, speech in zip(minutes, results, strict=True):
        assert f"walk {number_in_words(m)} minutes" in speech, (m, speech)


def test_the_in_memory_diary_is_served_by_one_process(tmp_path: Path) -> None:
    with _serving(tmp_path, "False, 'memory:', workers=3") as (base, log):
        assert _http(f"{base}/health")[0] == 200
    assert "with 1 worker(s)" in log.read_text()


def test_each_request_body_is_deserialized_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The envelope checked before dispatch is the one the SDK dispatches: one parse per request."""
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    from skill.envelopes import Session

    parses: list[int] = []
    real = DefaultSerializer.deserialize

    def counting(self: DefaultSerializer, payload: str | None, obj_type: object) -> object:
        if obj_type is RequestEnvelope:
            parses.append(1)
        return real(self, payload, obj_type)

    monkeypatch.setattr(DefaultSerializer, "deserialize", counting)
    client = create_app(verify=False).test_client()
    session = Session("amzn1.ask.account.once")
    for body in (session.launch(), session.intent("AMAZON.HelpIntent")):
        response = client.post("/", json=body)
        assert response.status_code == 200
        assert response.get_json()["response"]["outputSpeech"]["type"] == "SSML"
    assert len(parses) == 2
