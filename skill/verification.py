"""Verification of requests that Alexa posts to the web service (see SECURITY.md).

Why this module exists: flask-ask-sdk 1.0.0 and ask-sdk-webservice-support 1.3.3 import
``ask_sdk_webservice_support.verifier``, which imports ``certvalidator`` at module level; that
imports oscrypto 1.3.0, which raises "Error detecting the version of libcrypto" at import time on
any OpenSSL with a two-digit patch number (3.0.10 and later; wbond/oscrypto issues 75 and 78, fixed
on master but never released). So the web service could not even be imported.

The fix, without touching any installed file:

1. Before ``ask_sdk_webservice_support`` is imported, a tiny fail-closed stand-in for
   ``certvalidator`` is registered in ``sys.modules`` (``_register_certvalidator_stand_in``). The only
   user of certvalidator is the library's ``RequestVerifier``, which this project never uses; with
   the stand-in, calling it anyway rejects every request instead of accepting one.
2. ``SignatureVerifier`` below does what ``RequestVerifier`` does, with the ``cryptography``
   package only: certificate URL rules, chain fetch with a cache, chain validation to a trusted
   root (certifi by default), validity dates, the ``echo-api.amazon.com`` SAN, and the RSA
   SHA-256 signature over the raw body.
3. The library's own ``TimestampVerifier`` (150 s) is reused as is.

Every verifier raises ``VerificationException``, which flask-ask-sdk turns into HTTP 400 before any
handler runs. Messages name the check that failed and never contain request content.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import logging
import posixpath
import sqlite3
import ssl
import sys
import threading
import time
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


class _StandInValidationError(Exception):
    pass


class _StandInPathError(Exception):
    pass


class _RefusingCertificateValidator:
    """Stands in for ``certvalidator.CertificateValidator``: refuses every chain."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise _StandInValidationError(
            "certvalidator is not loaded in Walking Check; use skill.verification.SignatureVerifier"
        )


def _register_certvalidator_stand_in() -> None:
    """Register the fail-closed ``certvalidator`` stand-in unless the real one is already loaded.

    Done unconditionally (not only after a failed import) so every machine runs the same code and
    oscrypto never loads a system libcrypto through cffi just to be thrown away.
    """
    if "certvalidator" in sys.modules:
        return
    package = types.ModuleType("certvalidator", "Walking Check stand-in: refuses all validation.")
    errors = types.ModuleType("certvalidator.errors")
    errors.ValidationError = _StandInValidationError  # type: ignore[attr-defined]
    errors.PathError = _StandInPathError  # type: ignore[attr-defined]
    package.CertificateValidator = _RefusingCertificateValidator  # type: ignore[attr-defined]
    package.errors = errors  # type: ignore[attr-defined]
    package.WALKING_CHECK_STAND_IN = True  # type: ignore[attr-defined]
    sys.modules["certvalidator"] = package
    sys.modules["certvalidator.errors"] = errors


_register_certvalidator_stand_in()

# These imports must follow the stand-in registration above.
import certifi  # noqa: E402
from ask_sdk_model import RequestEnvelope  # noqa: E402
from ask_sdk_webservice_support.verifier import (  # noqa: E402
    AbstractVerifier,
    TimestampVerifier,
    VerificationException,
)
from ask_sdk_webservice_support.verifier_constants import (  # noqa: E402
    ALEXA_SKILL_EVENT_LIST,
    MAX_NORMAL_REQUEST_TOLERANCE_IN_MILLIS,
    MAX_SKILL_EVENT_TOLERANCE_IN_MILLIS,
)
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15  # noqa: E402
from cryptography.hazmat.primitives.hashes import SHA256  # noqa: E402
from cryptography.x509.oid import ExtensionOID  # noqa: E402
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError  # noqa: E402

__all__ = [
    "ALEXA_SIGNING_DOMAIN",
    "FailClosed",
    "ReplayVerifier",
    "SignatureVerifier",
    "SkillIdVerifier",
    "TimestampVerifier",
    "VerificationException",
    "build_verifiers",
    "canonical_cert_chain_url",
    "fetch_cert_chain",
]

log = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PORT = 443
CERT_URL_PATH_PREFIX = "/echo.api/"
ALEXA_SIGNING_DOMAIN = "echo-api.amazon.com"
FETCH_TIMEOUT_SECONDS = 5.0
MAX_CHAIN_BYTES = 64 * 1024
MIN_RSA_BITS = 2048

Fetcher = Callable[[str], bytes]


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """Case-insensitive header lookup for werkzeug headers and plain dicts alike."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == lowered), None)
    return None if value is None else str(value).strip()


def canonical_cert_chain_url(url: str) -> str:
    """Check Amazon's rules for ``SignatureCertChainUrl`` and return the URL to fetch.

    Rules: scheme https and host s3.amazonaws.com (both case-insensitive), port 443 if given, and
    a path that still starts with ``/echo.api/`` (case-sensitive) after resolving ``.`` and ``..``.
    Anything Amazon never sends (credentials, query, fragment, percent-escapes, backslashes) is
    refused too, so what gets fetched is exactly what was checked.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise VerificationException("certificate URL is malformed") from exc
    if parts.scheme.lower() != "https":
        raise VerificationException("certificate URL must use https")
    if (parts.hostname or "").lower() != CERT_URL_HOST or parts.username or parts.password:
        raise VerificationException("certificate URL host must be s3.amazonaws.com")
    if port is not None and port != CERT_URL_PORT:
        raise VerificationException("certificate URL port must be 443")
    if parts.query or parts.fragment or "%" in parts.path or "\\" in parts.path:
        raise VerificationException("certificate URL has an unexpected form")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationException("certificate URL path must start with /echo.api/")
    return f"https://{CERT_URL_HOST}{path}"


def fetch_cert_chain(url: str) -> bytes:
    """Download a PEM chain from an already canonical Amazon URL (no redirects, size-capped)."""
    parts = urlsplit(url)
    context = ssl.create_default_context(cafile=certifi.where())
    conn = http.client.HTTPSConnection(
        parts.hostname or CERT_URL_HOST, CERT_URL_PORT, timeout=FETCH_TIMEOUT_SECONDS, context=context
    )
    try:
        conn.request("GET", parts.path, headers={"User-Agent": "walking-check"})
        response = conn.getresponse()
        if response.status != 200:
            raise VerificationException(f"certificate chain download failed: HTTP {response.status}")
        data = response.read(MAX_CHAIN_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise VerificationException("certificate chain download failed") from exc
    finally:
        conn.close()
    if len(data) > MAX_CHAIN_BYTES:
        raise VerificationException("certificate chain is too large")
    return data


@cache
def _certifi_roots() -> tuple[x509.Certificate, ...]:
    with warnings.catch_warnings():
        # One root in the bundle has a non-positive serial; cryptography warns but loads it.
        warnings.simplefilter("ignore")
        return tuple(x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes()))


class SignatureVerifier(AbstractVerifier):
    """Checks ``Signature-256`` over the raw body with Amazon's signing certificate chain.

    The legacy ``Signature`` header (RSA/SHA-1) is deliberately not accepted: Alexa sends
    ``Signature-256`` with every request and SHA-1 signatures are no longer trustworthy.

    ``trust_roots`` defaults to the certifi bundle; ``fetch`` defaults to ``fetch_cert_chain``.
    Validated chains are cached by canonical URL (bounded, LRU, ``cache_seconds``) with the dates
    between which every certificate of the validated path is valid; each request checks those
    dates, and a cached chain outside them is downloaded and validated again once.
    """

    def __init__(
        self,
        *,
        trust_roots: Iterable[x509.Certificate] | None = None,
        fetch: Fetcher | None = None,
        cache_size: int = 16,
        cache_seconds: float = 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        roots = list(trust_roots) if trust_roots is not None else list(_certifi_roots())
        if not roots:
            raise ValueError("at least one trusted root certificate is needed")
        self._store = Store(roots)
        self._fetch = fetch or fetch_cert_chain
        self._cache: OrderedDict[str, tuple[float, list[x509.Certificate], tuple[datetime, datetime]]] = (
            OrderedDict()
        )
        self._cache_size = cache_size
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: RequestEnvelope,
    ) -> None:
        cert_url = _header(headers, CERT_URL_HEADER)
        signature_b64 = _header(headers, SIGNATURE_HEADER)
        if not cert_url or not signature_b64:
            raise VerificationException("signature headers are missing")
        url = canonical_cert_chain_url(cert_url)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise VerificationException("signature is not valid base64") from exc
        leaf = self._signing_certificate(url)
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
            raise VerificationException("signing certificate key must be RSA of at least 2048 bits")
        try:
            key.verify(signature, serialized_request_env.encode("utf-8"), PKCS1v15(), SHA256())
        except InvalidSignature as exc:
            raise VerificationException("request signature does not match the body") from exc

    def _signing_certificate(self, url: str) -> x509.Certificate:
        cached = self._cached(url)
        if cached is not None:
            chain, (valid_from, valid_until) = cached
            # Validated before against the same roots: only time can change the answer, so the
            # dates of the validated path are all there is to check (a full path validation was
            # two thirds of a request's CPU).
            if valid_from <= datetime.now(UTC) <= valid_until:
                return chain[0]
            # Perhaps renewed in place at the same URL: forget it and download once more.
            with self._lock:
                self._cache.pop(url, None)
        try:
            chain = x509.load_pem_x509_certificates(self._fetch(url))
        except ValueError as exc:
            raise VerificationException("certificate chain is not valid PEM") from exc
        window = self._validate_chain(chain)
        with self._lock:
            self._cache[url] = (self._clock(), chain, window)
            self._cache.move_to_end(url)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return chain[0]

    def _cached(self, url: str) -> tuple[list[x509.Certificate], tuple[datetime, datetime]] | None:
        with self._lock:
            entry = self._cache.get(url)
            if entry is None:
                return None
            if self._clock() - entry[0] > self._cache_seconds:
                del self._cache[url]
                return None
            self._cache.move_to_end(url)
            return entry[1], entry[2]

    def _validate_chain(self, chain: Sequence[x509.Certificate]) -> tuple[datetime, datetime]:
        """Validate ``chain`` now; return when every certificate of the validated path is valid."""
        leaf, intermediates = chain[0], list(chain[1:])
        now = datetime.now(UTC)
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise VerificationException("signing certificate is expired or not yet valid")
        try:
            san = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        except x509.ExtensionNotFound as exc:
            raise VerificationException("signing certificate has no subject alternative names") from exc
        if not isinstance(san, x509.SubjectAlternativeName) or ALEXA_SIGNING_DOMAIN not in (
            san.get_values_for_type(x509.DNSName)
        ):
            raise VerificationException(f"signing certificate is not for {ALEXA_SIGNING_DOMAIN}")
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage = None
        if usage is None or not usage.digital_signature:
            raise VerificationException("signing certificate is not for digital signatures")
        # Web PKI path validation: signatures up to a trusted root, every certificate's dates,
        # CA constraints, and the server name (exact SAN match was required above).
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(x509.DNSName(ALEXA_SIGNING_DOMAIN))
        )
        try:
            path = verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            raise VerificationException("certificate chain does not lead to a trusted root") from exc
        return max(c.not_valid_before_utc for c in path), min(c.not_valid_after_utc for c in path)


class SkillIdVerifier(AbstractVerifier):
    """Rejects requests addressed to any skill id other than ours (context and session alike)."""

    def __init__(self, skill_id: str) -> None:
        self._skill_id = skill_id

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: RequestEnvelope,
    ) -> None:
        env = deserialized_request_env
        ids: list[str | None] = []
        system = env.context.system if env.context is not None else None
        if system is not None and system.application is not None:
            ids.append(system.application.application_id)
        if env.session is not None and env.session.application is not None:
            ids.append(env.session.application.application_id)
        if not ids or any(found != self._skill_id for found in ids):
            raise VerificationException("request is for a different skill")


class SeenIds(Protocol):
    def first_use(self, request_id: str, expires: float, now: float) -> bool:
        """Record ``request_id`` until ``expires``; False if it is already recorded and unexpired."""
        ...


class MemorySeenIds:
    """Request ids seen by this process (one web-service process, or tests)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_use(self, request_id: str, expires: float, now: float) -> bool:
        with self._lock:
            known = self._seen.get(request_id)
            if known is not None and known > now:
                return False
            self._seen[request_id] = expires
            self._seen.move_to_end(request_id)
            # Oldest first; a long-lived skill-event entry may shield younger expired ones until
            # the size cap, which is harmless.
            while self._seen:
                oldest_id, oldest_expiry = next(iter(self._seen.items()))
                if oldest_expiry > now and len(self._seen) <= self._max_entries:
                    break
                del self._seen[oldest_id]
            return True


class SqliteSeenIds:
    """Request ids seen by any worker process of one server, kept in a small SQLite file.

    Times are wall-clock seconds, which all processes share. Each thread opens its own connection
    on first use, so the object may be created before the server forks its workers. The file is
    scratch space: WAL without fsync, since losing it in a crash only reopens replays for the
    timestamp window, which ``TimestampVerifier`` still bounds.
    """

    _PURGE_EVERY = 1000  # inserts per connection between deletions of expired ids

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=5, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, expires REAL NOT NULL)")
            self._local.conn, self._local.inserts = conn, 0
        return conn

    def first_use(self, request_id: str, expires: float, now: float) -> bool:
        conn = self._connection()
        # Inserts a new id, or renews an expired one; a live one changes nothing.
        changed = conn.execute(
            "INSERT INTO seen (id, expires) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET expires = excluded.expires WHERE seen.expires <= ?",
            (request_id, expires, now),
        ).rowcount
        self._local.inserts += 1
        if self._local.inserts % self._PURGE_EVERY == 0:
            conn.execute("DELETE FROM seen WHERE expires <= ?", (now,))
        return bool(changed)


class ReplayVerifier(AbstractVerifier):
    """Accepts each request id once while its timestamp could still pass ``TimestampVerifier``.

    A request is acceptable for at most twice the timestamp tolerance (it may arrive up to the
    tolerance early or late), so ids are remembered that long. ``seen`` defaults to this process's
    memory; a server with several worker processes passes one ``SqliteSeenIds`` shared by all.
    Across separate hosts a replay is bounded by the timestamp check alone.
    """

    def __init__(self, seen: SeenIds | None = None, *, clock: Callable[[], float] | None = None) -> None:
        self._seen: SeenIds = seen if seen is not None else MemorySeenIds()
        # Worker processes share the wall clock; one process can use the monotonic clock.
        self._clock = clock or (time.monotonic if seen is None else time.time)

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: RequestEnvelope,
    ) -> None:
        request = deserialized_request_env.request
        request_id = request.request_id if request is not None else None
        if not request_id:
            raise VerificationException("request id is missing")
        tolerance_ms = (
            MAX_SKILL_EVENT_TOLERANCE_IN_MILLIS
            if request is not None and request.object_type in ALEXA_SKILL_EVENT_LIST
            else MAX_NORMAL_REQUEST_TOLERANCE_IN_MILLIS
        )
        now = self._clock()
        if not self._seen.first_use(request_id, now + 2 * tolerance_ms / 1000, now):
            raise VerificationException("request id was already used")


class FailClosed(AbstractVerifier):
    """Turns any unexpected error inside a verifier into a rejection instead of an HTTP 500."""

    def __init__(self, inner: AbstractVerifier) -> None:
        self.inner = inner

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: RequestEnvelope,
    ) -> None:
        try:
            self.inner.verify(headers, serialized_request_env, deserialized_request_env)  # type: ignore[arg-type]
        except VerificationException:
            raise
        except Exception as exc:
            raise VerificationException(
                f"{type(self.inner).__name__} could not check the request ({type(exc).__name__})"
            ) from exc


def build_verifiers(
    *,
    verify: bool,
    skill_id: str | None,
    signature_verifier: AbstractVerifier | None = None,
    seen_ids: SeenIds | None = None,
) -> list[AbstractVerifier]:
    """The verifier chain, cheapest first: skill id, timestamp, signature, replay.

    With ``verify`` off (local testing only) the skill id check still applies when one is set.
    ``seen_ids`` is the replay memory (default: this process's).
    """
    chain: list[AbstractVerifier] = []
    if skill_id:
        chain.append(SkillIdVerifier(skill_id))
    if verify:
        chain.append(TimestampVerifier())
        chain.append(signature_verifier if signature_verifier is not None else SignatureVerifier())
        chain.append(ReplayVerifier(seen_ids))
    return [FailClosed(v) for v in chain]
