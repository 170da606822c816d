"""Shared storage fixtures: a real DynamoDB-compatible server on loopback, and a test clock.

The server is moto's server mode over HTTP (nothing in-process is patched): the store
talks to it exactly as it talks to DynamoDB. It is started once per test session on a
free loopback port and stopped at the end. Credentials are dummies set in the environment
for the session only; the shared AWS config files are pointed away so nothing real is read.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator

import pytest

DYNAMODB_REGION = "us-east-1"
DIARY_TABLE = "walking-check-diary-test"


class FakeClock:
    """Seconds since the epoch that a test moves by hand."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float) -> None:
        self.now += days * 86400


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def user_id() -> str:
    """A fresh Alexa-style user id, so tests sharing one table never see each other's data."""
    return f"amzn1.ask.account.TEST{uuid.uuid4().hex.upper()}"


@pytest.fixture(scope="session")
def aws_test_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    nowhere = tmp_path_factory.mktemp("aws") / "absent"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": DYNAMODB_REGION,
            "AWS_CONFIG_FILE": str(nowhere),
            "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
            "AWS_EC2_METADATA_DISABLED": "true",
        }.items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        yield


class LocalDynamoDB:
    """moto's DynamoDB over HTTP on 127.0.0.1, serving one request at a time.

    One at a time on purpose: moto's transactions copy table state without a lock, so its
    multi-threaded server can fail concurrent transactions with a 500, which DynamoDB itself
    never does. The clients stay concurrent (requests queue on the socket), and tables live
    in this process, so a server started again on the same port serves the same data.
    """

    def __init__(self, port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", port, app, threaded=False, request_handler=MotoRequestHandler)
        self.port: int = self._server.server_port
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def dynamodb_endpoint(aws_test_env: None) -> Iterator[str]:
    """URL of a running DynamoDB-compatible server holding the diary table."""
    server = LocalDynamoDB()
    try:
        endpoint = server.endpoint
        from skill.persistence.dynamodb import DynamoDBDiaryStore

        DynamoDBDiaryStore(DIARY_TABLE, region=DYNAMODB_REGION, endpoint_url=endpoint).create_table()
        yield endpoint
    finally:
        server.stop()
