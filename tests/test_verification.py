"""Request verification without the network: a private CA chain, signed Alexa envelopes."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.verification import (
    FailClosed,
    MemorySeenIds,
    ReplayVerifier,
    SeenIds,
    SignatureVerifier,
    SkillIdVerifier,
    SqliteSeenIds,
    TimestampVerifier,
    VerificationException,
    build_verifiers,
    canonical_cert_chain_url,
)
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
_serializer = DefaultSerializer()


def _deserialize(body: bytes) -> RequestEnvelope:
    result = _serializer.deserialize(body.decode(), RequestEnvelope)
    assert isinstance(result, RequestEnvelope)
    return result


def _verify(verifier: Any, body: bytes, headers: dict[str, str]) -> None:
    verifier.verify(headers, body.decode(), _deserialize(body))


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def _verifier(
    pki: Pki, chain: bytes | None = None, root: Any = None
) -> tuple[SignatureVerifier, ChainFetcher]:
    fetcher = ChainFetcher({CERT_URL: chain if chain is not None else pki.chain_pem()})
    return SignatureVerifier(trust_roots=[root or pki.root], fetch=fetcher), fetcher


# --- the oscrypto import problem ------------------------------------------------------------


def test_web_service_imports_in_a_fresh_interpreter() -> None:
    code = textwrap.dedent(
        """
        import sys
        import skill.server
        import flask_ask_sdk.skill_adapter
        import ask_sdk_webservice_support.verifier
        assert sys.modules["certvalidator"].WALKING_CHECK_STAND_IN
        assert not [m for m in sys.modules if m.startswith("oscrypto")], "oscrypto was loaded"
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_library_request_verifier_fails_closed_with_the_stand_in(pki: Pki) -> None:
    from ask_sdk_webservice_support.verifier import RequestVerifier

    with pytest.raises(VerificationException):
        RequestVerifier()._validate_cert_chain(pki.chain_pem())


# --- certificate URL rules (Amazon's documented examples and more) --------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (CERT_URL, CERT_URL),
        (
            "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "HTTPS://s3.AmazonAWS.com/echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
    ],
)
def test_valid_cert_urls_are_canonicalised(url: str, expected: str) -> None:
    assert canonical_cert_chain_url(url) == expected


BAD_CERT_URLS = [
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://notamazon.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:8443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../evil/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../../echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/%2e%2e/evil/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api",
    "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1",
    "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
    "s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "",
]


@pytest.mark.parametrize("url", BAD_CERT_URLS)
def test_bad_cert_urls_are_refused(url: str) -> None:
    with pytest.raises(VerificationException):
        canonical_cert_chain_url(url)


@pytest.mark.parametrize("url", BAD_CERT_URLS[:9])
def test_bad_cert_url_is_never_fetched(pki: Pki, url: str) -> None:
    verifier, fetcher = _verifier(pki)
    body, headers = signed(pki, envelope(), url=url)
    with pytest.raises(VerificationException):
        _verify(verifier, body, headers)
    assert fetcher.calls == []


# --- signature and chain --------------------------------------------------------------------


def test_correct_signature_is_accepted_and_chain_cached(pki: Pki) -> None:
    verifier, fetcher = _verifier(pki)
    for _ in range(3):
        body, headers = signed(pki, envelope())
        _verify(verifier, body, headers)
    assert fetcher.calls == [CERT_URL]


def test_header_names_are_case_insensitive(pki: Pki) -> None:
    verifier, _ = _verifier(pki)
    body, headers = signed(pki, envelope())
    _verify(verifier, body, {k.lower(): v for k, v in headers.items()})


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_header_is_refused(pki: Pki, missing: str) -> None:
    verifier, _ = _verifier(pki)
    body, headers = signed(pki, envelope())
    del headers[missing]
    with pytest.raises(VerificationException, match="missing"):
        _verify(verifier, body, headers)


def test_legacy_sha1_signature_header_alone_is_refused(pki: Pki) -> None:
    verifier, _ = _verifier(pki)
    body, headers = signed(pki, envelope())
    headers["Signature"] = headers.pop("Signature-256")
    with pytest.raises(VerificationException):
        _verify(verifier, body, headers)


def test_signature_of_another_body_is_refused(pki: Pki) -> None:
    verifier, _ = _verifier(pki)
    _body, headers = signed(pki, envelope())
    other, _ = signed(pki, envelope())
    with pytest.raises(VerificationException, match="signature"):
        _verify(verifier, other, headers)


def test_body_changed_after_signing_is_refused(pki: Pki) -> None:
    verifier, _ = _verifier(pki)
    body, headers = signed(pki, envelope())
    tampered = body.replace(b"en-US", b"en-GB", 1)
    assert tampered != body
    with pytest.raises(VerificationException, match="signature"):
        _verify(verifier, tampered, headers)


@pytest.mark.parametrize("signature", ["not base64!", "", "AAAA"])
def test_malformed_signature_is_refused(pki: Pki, signature: str) -> None:
    verifier, _ = _verifier(pki)
    body, headers = signed(pki, envelope())
    headers["Signature-256"] = signature
    with pytest.raises(VerificationException):
        _verify(verifier, body, headers)


def _refused(pki: Pki, verifier_pki: Pki | None = None, match: str = "") -> None:
    trusted = verifier_pki or pki
    verifier = SignatureVerifier(trust_roots=[trusted.root], fetch=ChainFetcher({CERT_URL: pki.chain_pem()}))
    body, headers = signed(pki, envelope())
    with pytest.raises(VerificationException, match=match):
        _verify(verifier, body, headers)


def test_expired_certificate_is_refused() -> None:
    now = dt.datetime.now(dt.UTC)
    _refused(
        make_pki(not_before=now - dt.timedelta(days=60), not_after=now - dt.timedelta(minutes=1)),
        match="expired",
    )


def test_not_yet_valid_certificate_is_refused() -> None:
    now = dt.datetime.now(dt.UTC)
    _refused(
        make_pki(not_before=now + dt.timedelta(hours=1), not_after=now + dt.timedelta(days=60)), match="valid"
    )


def test_certificate_without_echo_api_san_is_refused() -> None:
    _refused(make_pki(sans=["example.com"]), match="echo-api.amazon.com")


def test_certificate_with_wildcard_san_only_is_refused() -> None:
    _refused(make_pki(sans=["*.amazon.com"]), match="echo-api.amazon.com")


def test_certificate_without_any_san_is_refused() -> None:
    _refused(make_pki(sans=[]), match="subject alternative names")


def test_certificate_without_digital_signature_usage_is_refused() -> None:
    _refused(make_pki(digital_signature=False), match="digital signatures")


def test_chain_to_an_untrusted_root_is_refused(pki: Pki) -> None:
    _refused(make_pki(root_name="Some Other Root"), verifier_pki=pki, match="trusted root")


def test_leaf_without_its_intermediate_is_refused(pki: Pki) -> None:
    from cryptography.hazmat.primitives import serialization

    verifier, _ = _verifier(pki, chain=pki.leaf.public_bytes(serialization.Encoding.PEM))
    body, headers = signed(pki, envelope())
    with pytest.raises(VerificationException, match="trusted root"):
        _verify(verifier, body, headers)


def test_garbage_chain_is_refused(pki: Pki) -> None:
    verifier, _ = _verifier(pki, chain=b"<html>not a certificate</html>")
    body, headers = signed(pki, envelope())
    with pytest.raises(VerificationException, match="PEM"):
        _verify(verifier, body, headers)


def test_failed_download_is_refused_and_not_cached(pki: Pki) -> None:
    fetcher = ChainFetcher({})
    verifier = SignatureVerifier(trust_roots=[pki.root], fetch=fetcher)
    body, headers = signed(pki, envelope())
    for _ in range(2):
        with pytest.raises(VerificationException):
            _verify(verifier, body, headers)
    assert len(fetcher.calls) == 2


def test_default_trust_roots_are_the_certifi_bundle(pki: Pki) -> None:
    # Our private root is not a public one, so the default verifier must refuse the chain.
    verifier = SignatureVerifier(fetch=ChainFetcher({CERT_URL: pki.chain_pem()}))
    body, headers = signed(pki, envelope())
    with pytest.raises(VerificationException, match="trusted root"):
        _verify(verifier, body, headers)


# --- timestamp (the library's own verifier), skill id, replay -------------------------------


@pytest.mark.parametrize(
    ("offset", "ok"), [(0, True), (-140, True), (140, True), (-151, False), (151, False)]
)
def test_timestamp_tolerance_is_150_seconds(offset: float, ok: bool) -> None:
    body = json.dumps(envelope(ts=timestamp(offset))).encode()
    verifier = build_verifiers(verify=True, skill_id=None)[0]
    assert isinstance(verifier, FailClosed) and isinstance(verifier.inner, TimestampVerifier)
    if ok:
        _verify(verifier, body, {})
    else:
        with pytest.raises(VerificationException):
            _verify(verifier, body, {})


def test_skill_id_verifier() -> None:
    verifier = SkillIdVerifier(SKILL_ID)
    _verify(verifier, json.dumps(envelope()).encode(), {})
    with pytest.raises(VerificationException, match="different skill"):
        _verify(verifier, json.dumps(envelope(application_id=OTHER_SKILL_ID)).encode(), {})
    mixed = envelope()
    mixed["session"]["application"]["applicationId"] = OTHER_SKILL_ID
    with pytest.raises(VerificationException):
        _verify(verifier, json.dumps(mixed).encode(), {})
    bare = envelope()
    del bare["session"], bare["context"]
    with pytest.raises(VerificationException):
        _verify(verifier, json.dumps(bare).encode(), {})


@pytest.fixture(params=["memory", "sqlite"])
def seen_ids(request: pytest.FixtureRequest, tmp_path: Path) -> SeenIds:
    return MemorySeenIds() if request.param == "memory" else SqliteSeenIds(tmp_path / "seen.sqlite3")


def test_replay_of_a_request_id_is_refused_until_the_window_passes(seen_ids: SeenIds) -> None:
    now = [1000.0]
    verifier = ReplayVerifier(seen_ids, clock=lambda: now[0])
    body = json.dumps(envelope(request_id="amzn1.echo-api.request.same")).encode()
    _verify(verifier, body, {})
    now[0] += 299
    with pytest.raises(VerificationException, match="already used"):
        _verify(verifier, body, {})
    now[0] += 302
    _verify(verifier, body, {})
    with pytest.raises(VerificationException, match="already used"):
        _verify(verifier, body, {})
    _verify(verifier, json.dumps(envelope(request_id="amzn1.echo-api.request.other")).encode(), {})


def test_replay_memory_is_bounded() -> None:
    seen = MemorySeenIds(max_entries=3)
    verifier = ReplayVerifier(seen, clock=lambda: 0.0)
    for i in range(10):
        _verify(verifier, json.dumps(envelope(request_id=f"id-{i}")).encode(), {})
    assert len(seen._seen) == 3


def test_expired_ids_are_purged_from_the_shared_file(tmp_path: Path) -> None:
    seen = SqliteSeenIds(tmp_path / "seen.sqlite3")
    total = SqliteSeenIds._PURGE_EVERY
    for i in range(total):
        assert seen.first_use(f"id-{i}", expires=float(i + 1), now=float(i))
    rows = sqlite3.connect(tmp_path / "seen.sqlite3").execute("SELECT COUNT(*) FROM seen").fetchone()[0]
    assert rows == 1  # the purge at the last insert kept only the unexpired id


def test_worker_processes_share_one_replay_memory(tmp_path: Path) -> None:
    """What one worker process of the web service has seen, another refuses."""
    path = tmp_path / "seen.sqlite3"
    code = textwrap.dedent(
        f"""
        import time
        from skill.verification import SqliteSeenIds
        seen = SqliteSeenIds({str(path)!r})
        print(seen.first_use("amzn1.echo-api.request.shared", time.time() + 300, time.time()))
        """
    )

    def other_process() -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
        )
        return result.stdout.strip()

    assert other_process() == "True"
    body = json.dumps(envelope(request_id="amzn1.echo-api.request.shared")).encode()
    with pytest.raises(VerificationException, match="already used"):
        _verify(ReplayVerifier(SqliteSeenIds(path)), body, {})
    assert other_process() == "False"
    _verify(ReplayVerifier(SqliteSeenIds(path)), json.dumps(envelope()).encode(), {})


def test_fail_closed_turns_errors_into_rejections() -> None:
    class Broken(SkillIdVerifier):
        def verify(self, *args: Any, **kwargs: Any) -> None:
            raise TypeError("boom")

    with pytest.raises(VerificationException, match="TypeError"):
        _verify(FailClosed(Broken(SKILL_ID)), json.dumps(envelope()).encode(), {})


def test_naive_timestamp_is_a_rejection_not_a_crash() -> None:
    body = json.dumps(envelope(ts="2030-01-01T00:00:00")).encode()
    with pytest.raises(VerificationException):
        _verify(build_verifiers(verify=True, skill_id=None)[0], body, {})


def test_verifier_chain_order_and_no_verify() -> None:
    chain = [v.inner for v in build_verifiers(verify=True, skill_id=SKILL_ID)]  # type: ignore[attr-defined]
    assert [type(v).__name__ for v in chain] == [
        "SkillIdVerifier",
        "TimestampVerifier",
        "SignatureVerifier",
        "ReplayVerifier",
    ]
    assert [type(v.inner).__name__ for v in build_verifiers(verify=False, skill_id=SKILL_ID)] == [  # type: ignore[attr-defined]
        "SkillIdVerifier"
    ]
    assert build_verifiers(verify=False, skill_id=None) == []


def test_cached_chain_is_downloaded_again_after_cache_seconds(pki: Pki) -> None:
    now = [0.0]
    fetcher = ChainFetcher({CERT_URL: pki.chain_pem()})
    verifier = SignatureVerifier(
        trust_roots=[pki.root], fetch=fetcher, cache_seconds=60, clock=lambda: now[0]
    )
    body, headers = signed(pki, envelope())
    _verify(verifier, body, headers)
    now[0] = 30
    _verify(verifier, body, headers)
    now[0] = 91
    _verify(verifier, body, headers)
    assert len(fetcher.calls) == 2


def test_cached_chain_that_expired_is_replaced_by_a_renewed_one(pki: Pki) -> None:
    short = make_pki(not_after=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    fetcher = ChainFetcher({CERT_URL: short.chain_pem()})
    verifier = SignatureVerifier(trust_roots=[pki.root], fetch=fetcher)
    _verify(verifier, *signed(short, envelope()))
    time.sleep(1.5)
    with pytest.raises(VerificationException, match="expired"):
        _verify(verifier, *signed(short, envelope()))
    fetcher.chains[CERT_URL] = pki.chain_pem()  # Amazon renewed the file at the same URL
    _verify(verifier, *signed(pki, envelope()))
    assert len(fetcher.calls) == 3
