"""DynamoDB diary against a real DynamoDB-compatible HTTP server on loopback: table shape,
item layout, and what happens when the server goes away, hangs, or the table is missing."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from skill.persistence import DiaryEntry, StorageError, open_store
from skill.persistence.dynamodb import TABLE_DEFINITION, TTL_ATTRIBUTE, DynamoDBDiaryStore
from tests.conftest import DIARY_TABLE, DYNAMODB_REGION, FakeClock, LocalDynamoDB

DAY = dt.date(2025, 6, 1)


def walk(minutes: float) -> DiaryEntry:
    return DiaryEntry(day=DAY, walk_minutes=minutes, bend_relief="yes", urgency="routine")


def store_at(endpoint: str, table: str = DIARY_TABLE, **options: Any) -> DynamoDBDiaryStore:
    return DynamoDBDiaryStore(table, region=DYNAMODB_REGION, endpoint_url=endpoint, **options)


def test_spec_carries_table_region_endpoint_and_timeouts() -> None:
    store = open_store(
        "dynamodb://my-diary?region=eu-west-1&endpoint_url=http://127.0.0.1:9&ttl_days=30&read_timeout=0.5"
    )
    assert isinstance(store, DynamoDBDiaryStore)
    assert store.table == "my-diary"
    assert store._region == "eu-west-1"
    assert store._endpoint_url == "http://127.0.0.1:9"
    assert store._ttl == 30 * 86400
    assert store._config.read_timeout == 0.5
    assert store._client is None  # nothing is created until the first call


def test_table_matches_the_declared_shape(dynamodb_endpoint: str) -> None:
    client = store_at(dynamodb_endpoint).client()
    table = client.describe_table(TableName=DIARY_TABLE)["Table"]
    assert table["KeySchema"] == TABLE_DEFINITION["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        TABLE_DEFINITION["AttributeDefinitions"], key=str
    )
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = client.describe_time_to_live(TableName=DIARY_TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = client.describe_continuous_backups(TableName=DIARY_TABLE)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_one_item_per_entry_each_with_an_expiry(dynamodb_endpoint: str, user_id: str) -> None:
    clock = FakeClock()
    store = store_at(dynamodb_endpoint, clock=clock)
    store.set_consent(user_id, True)
    store.add(user_id, walk(10))
    store.add(user_id, walk(10))  # the same answers twice are two entries
    items = store.client().query(
        TableName=DIARY_TABLE,
        KeyConditionExpression="user_id = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
    )["Items"]
    keys = sorted(item["sk"]["S"] for item in items)
    assert keys[0] == "consent"
    assert [k.split("#")[:2] for k in keys[1:]] == [["entry", "2025-06-01"]] * 2
    assert keys[1] != keys[2]
    expected_expiry = clock.now + 400 * 86400
    for item in items:
        assert abs(float(item[TTL_ATTRIBUTE]["N"]) - expected_expiry) <= 1
        assert set(item) <= {
            "user_id", "sk", "consent", "expires_at", "day", "walk_minutes", "unlimited",
            "bend_relief", "stand_relief", "lean_easier", "urgency", "source", "created_at",
        }  # fmt: skip


def test_missing_table_is_a_storage_error(dynamodb_endpoint: str, user_id: str) -> None:
    store = store_at(dynamodb_endpoint, table="no-such-diary")
    with pytest.raises(StorageError) as err:
        store.consent(user_id)
    assert err.value.kind == "missing"
    with pytest.raises(StorageError):
        store.add(user_id, walk(1))
    assert user_id not in str(err.value)


def test_server_down_mid_use_fails_fast_and_loses_nothing(aws_test_env: None, user_id: str) -> None:
    # A second server of our own, so stopping it leaves the shared one alone. moto keeps
    # its tables in this process, so a server restarted on the same port sees the same
    # data, as a DynamoDB endpoint that comes back would.
    server = LocalDynamoDB()
    endpoint, port = server.endpoint, server.port
    table = "diary-outage"
    store = store_at(endpoint, table=table, connect_timeout=0.5, read_timeout=0.5, cooldown=0)
    store.create_table()
    store.set_consent(user_id, True)
    store.add(user_id, walk(1))
    store.add(user_id, walk(2))
    server.stop()
    try:
        for call in (lambda: store.add(user_id, walk(3)), lambda: store.entries(user_id)):
            started = time.monotonic()
            with pytest.raises(StorageError) as err:
                call()
            assert time.monotonic() - started < 3.0
            assert err.value.kind in ("unavailable", "timeout")
            assert user_id not in str(err.value)
    finally:
        server = LocalDynamoDB(port)
    try:
        assert store.entries(user_id) == [walk(1), walk(2)]
        store.add(user_id, walk(4))
        assert store.entries(user_id) == [walk(1), walk(2), walk(4)]
    finally:
        store.client().delete_table(TableName=table)
        server.stop()


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback server that accepts connections and never answers: a hung DynamoDB."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_hung_server_is_a_timeout_within_the_budget(
    aws_test_env: None, silent_endpoint: str, user_id: str
) -> None:
    store = store_at(silent_endpoint, read_timeout=0.4)
    started = time.monotonic()
    with pytest.raises(StorageError) as err:
        store.consent(user_id)
    elapsed = time.monotonic() - started
    assert err.value.kind == "timeout"
    # Two attempts of 0.4 s plus the retry back-off (at most 1 s), with room for a slow machine.
    assert elapsed < 3.0
    # The next calls of the same turn fail at once instead of waiting again.
    started = time.monotonic()
    for call in (lambda: store.add(user_id, walk(1)), lambda: store.entries(user_id)):
        with pytest.raises(StorageError) as err:
            call()
        assert err.value.kind == "unavailable"
    assert time.monotonic() - started < 0.2


def test_default_timeouts_fit_inside_alexas_eight_seconds() -> None:
    store = DynamoDBDiaryStore("t", region=DYNAMODB_REGION)
    config = store._config
    attempts = config.retries["max_attempts"]
    worst = attempts * (config.connect_timeout + config.read_timeout) + (attempts - 1) * 1.0
    assert worst <= 7.0
