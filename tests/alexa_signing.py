"""Test helpers: a private CA -> intermediate -> leaf chain shaped like Amazon's, Alexa request
envelopes, and signing them the way Alexa does (RSA PKCS#1 v1.5 over SHA-256 of the raw body)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
OTHER_SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-00000000beef"
ALEXA_DOMAIN = "echo-api.amazon.com"


@cache
def _key(slot: str) -> rsa.RSAPrivateKey:
    # Key generation is the slow part; reuse one key per role across tests.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ca_cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
) -> x509.Certificate:
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    """A root, an intermediate and a signing (leaf) certificate."""

    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey = field(repr=False)

    def chain_pem(self) -> bytes:
        """What Amazon serves at the certificate URL: leaf first, then the intermediate."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.leaf, self.intermediate))

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def make_pki(
    *,
    root_name: str = "Walking Check Test Root",
    sans: Iterable[str] = (ALEXA_DOMAIN,),
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    digital_signature: bool = True,
) -> Pki:
    root_key, inter_key, leaf_key = _key(root_name + "/root"), _key(root_name + "/inter"), _key("leaf")
    root = _ca_cert(root_name, root_key, None, root_key)
    inter = _ca_cert(root_name + " Intermediate", inter_key, root, root_key)
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(ALEXA_DOMAIN))
        .issuer_name(inter.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
    )
    san_list = list(sans)
    if san_list:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in san_list]), critical=False
        )
    leaf = builder.sign(inter_key, hashes.SHA256())
    return Pki(root=root, intermediate=inter, leaf=leaf, leaf_key=leaf_key)


def timestamp(offset_seconds: float = 0.0) -> str:
    moment = _now() + dt.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request_type: str = "LaunchRequest",
    *,
    application_id: str = SKILL_ID,
    ts: str | None = None,
    request_id: str | None = None,
    intent: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A request envelope with the shape and ids Alexa sends."""
    user = {"userId": "amzn1.ask.account.TESTUSER"}
    request: dict[str, Any] = {
        "type": request_type,
        "requestId": request_id or f"amzn1.echo-api.request.{uuid.uuid4()}",
        "locale": "en-US",
        "timestamp": ts or timestamp(),
    }
    if request_type == "LaunchRequest":
        request["shouldLinkResultBeReturned"] = False
    if request_type == "SessionEndedRequest":
        request["reason"] = "USER_INITIATED"
    if intent is not None:
        request["dialogState"] = "STARTED"
        request["intent"] = intent
    return {
        "version": "1.0",
        "session": {
            "new": request_type == "LaunchRequest",
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": {"applicationId": application_id},
            "attributes": {},
            "user": user,
        },
        "context": {
            "System": {
                "application": {"applicationId": application_id},
                "user": user,
                "device": {
                    "deviceId": "amzn1.ask.device.TESTDEVICE",
                    "supportedInterfaces": {},
                },
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "test-token",
            },
            "Viewport": {"experiences": [], "shape": "RECTANGLE"},
        },
        "request": request,
    }


def signed(pki: Pki, env: dict[str, Any], *, url: str = CERT_URL) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers Alexa would send with it."""
    body = json.dumps(env).encode()
    return body, {
        "Content-Type": "application/json",
        "SignatureCertChainUrl": url,
        "Signature-256": pki.sign(body),
    }


class ChainFetcher:
    """Serves PEM chains by URL instead of the network, and counts downloads."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        try:
            return self.chains[url]
        except KeyError:
            from skill.verification import VerificationException

            raise VerificationException("certificate chain download failed: HTTP 404") from None
