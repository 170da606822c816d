"""The diary's storage failing in the middle of a conversation, through the real SkillBuilder.

A locked SQLite file (another connection holds an exclusive transaction) and a DynamoDB endpoint
that goes away mid-conversation: the check still speaks its full guidance, says the diary could
not be saved, and once the fault clears every entry saved before is still there.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.locale import strings
from skill.persistence import DiaryEntry, DiaryStore, open_store
from tests.voice import Voice, urgency_of

TODAY = dt.date.today()
S = strings("en-US")
SAVE_FAILED = S.text("dialog.diary.save_failed")
NOT_DIAGNOSIS = "can't diagnose"


def _seed(store: DiaryStore, user: str) -> list[DiaryEntry]:
    """Consent and two logged walks (steady, so no question is skipped), as a returning user has."""
    store.set_consent(user, True)
    entries = [
        DiaryEntry(day=TODAY - dt.timedelta(days=9), walk_minutes=12, source="log"),
        DiaryEntry(day=TODAY - dt.timedelta(days=2), walk_minutes=12, source="log"),
    ]
    for entry in entries:
        store.add(user, entry)
    assert store.entries(user) == entries
    return entries


def _check_up_to_the_last_answer(voice: Voice) -> None:
    """Launch and answer everything but the last visit question: a routine, neurogenic pattern."""
    welcome = voice.launch()
    assert "twelve minutes" in welcome  # the diary was readable before the fault
    voice.for_whom("self")
    voice.no()
    voice.no()
    voice.minutes(20)
    voice.yes()  # bending helps
    voice.yes()  # leaning helps
    voice.no()  # distance not shorter
    voice.no()  # no foot weakness


def _assert_full_guidance(result: str, voice: Voice) -> None:
    assert urgency_of(result) == "routine", result
    assert "hallway" in result  # the neurogenic points are all there
    assert result.endswith(S.text("dialog.result_closing")) or "repeat" in result.lower()
    assert not voice.ended  # "hear it again?" is open
    assert voice.card is not None


# -- SQLite: the file is locked by another writer ----------------------------------------------------


@pytest.fixture
def sqlite_store(tmp_path: Path) -> tuple[DiaryStore, Path]:
    path = tmp_path / "diary.sqlite3"
    return open_store(f"sqlite:///{path}"), path


def _hold_exclusive(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_locked_sqlite_still_gives_the_guidance_and_loses_nothing(
    sqlite_store: tuple[DiaryStore, Path],
) -> None:
    store, path = sqlite_store
    user = f"amzn1.ask.account.LOCK{uuid.uuid4().hex}"
    before = _seed(store, user)
    voice = Voice(store=store, user=user)
    _check_up_to_the_last_answer(voice)
    holder = _hold_exclusive(path)  # the fault starts mid-conversation
    try:
        result = voice.no()
        _assert_full_guidance(result, voice)
        started = time.monotonic()
        goodbye = voice.no()  # "no, don't repeat it": the check would be saved now
        assert time.monotonic() - started < 3.0  # the busy timeout is short, Alexa waits 8 s
        assert SAVE_FAILED in goodbye
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.entries(user) == before  # nothing lost, nothing half-written
    # After the fault, the diary works again for the next check.
    again = Voice(store=store, user=user)
    _check_up_to_the_last_answer(again)
    again.no()
    assert SAVE_FAILED not in again.no()
    assert len(store.entries(user)) == len(before) + 1


def test_locked_sqlite_while_logging_a_walk(sqlite_store: tuple[DiaryStore, Path]) -> None:
    store, path = sqlite_store
    user = f"amzn1.ask.account.LOG{uuid.uuid4().hex}"
    before = _seed(store, user)
    holder = _hold_exclusive(path)
    try:
        voice = Voice(store=store, user=user)
        reply = voice.intent("LogWalkIntent", minutes=15, unit=("minutes", "minute", "TimeUnitType"))
        assert SAVE_FAILED in reply
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.entries(user) == before


# -- DynamoDB: the endpoint goes away mid-conversation ------------------------------------------------


class _Moto:
    """moto's DynamoDB over HTTP on a fixed loopback port, stoppable and restartable.

    Tables live in this process, so a server started again on the same port serves the same data.
    """

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, self.port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{self.port}"

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()


@pytest.fixture
def moto(aws_test_env: None) -> Iterator[_Moto]:
    server = _Moto()
    try:
        yield server
    finally:
        server.stop()


def _dynamodb_spec(endpoint: str, table: str) -> str:
    # Short timeouts: a stopped endpoint is refused at once, but a hang must not last seconds.
    return f"dynamodb://{table}?region=us-east-1&endpoint_url={endpoint}&connect_timeout=0.5&read_timeout=0.5"


def test_dynamodb_stopping_mid_conversation_still_gives_the_guidance(moto: _Moto) -> None:
    from skill.persistence.dynamodb import DynamoDBDiaryStore

    table = f"walking-check-faults-{uuid.uuid4().hex[:8]}"
    DynamoDBDiaryStore(table, region="us-east-1", endpoint_url=moto.endpoint).create_table()
    spec = _dynamodb_spec(moto.endpoint, table)
    user = f"amzn1.ask.account.DDB{uuid.uuid4().hex}"
    before = _seed(open_store(spec), user)

    voice = Voice(store=open_store(spec), user=user)
    _check_up_to_the_last_answer(voice)
    moto.stop()  # the fault starts mid-conversation
    started = time.monotonic()
    result = voice.no()
    _assert_full_guidance(result, voice)
    goodbye = voice.no()
    assert SAVE_FAILED in goodbye
    assert time.monotonic() - started < 5.0

    moto.restart()
    assert open_store(spec).entries(user) == before  # a fresh store: no cooldown from the fault
