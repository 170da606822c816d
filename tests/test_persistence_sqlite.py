"""SQLite diary on real files: schema, purge, processes, locks, damage, file placement."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from skill.persistence import DiaryEntry, StorageError, default_sqlite_path, open_store
from skill.persistence.sqlite import SCHEMA_VERSION, SQLiteDiaryStore
from tests.conftest import FakeClock

USER = "amzn1.ask.account.SQLITETEST"
DAY = dt.date(2025, 6, 1)
REPO = Path(__file__).resolve().parents[1]


def walk(minutes: float = 10) -> DiaryEntry:
    return DiaryEntry(day=DAY, walk_minutes=minutes, source="log")


def filled(path: Path, count: int = 3) -> SQLiteDiaryStore:
    store = SQLiteDiaryStore(path)
    store.set_consent(USER, True)
    for i in range(count):
        store.add(USER, walk(i))
    return store


def test_specs_name_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    filled(path, 1)
    for spec in (str(path), f"sqlite:///{path}", path):
        store = open_store(spec)
        assert isinstance(store, SQLiteDiaryStore)
        assert store.entries(USER) == [walk(0)]


@pytest.mark.parametrize(
    "spec", ["sqlite://relative.db", "ftp://x", "dynamodb://", "  ", "memory:?ttl_days=x"]
)
def test_bad_specs_are_config_errors(spec: str) -> None:
    with pytest.raises(StorageError) as err:
        open_store(spec)
    assert err.value.kind == "config"


def test_default_path_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "walking-check" / "diary.sqlite3"
    assert default_sqlite_path() == expected
    store = open_store(None)
    assert not expected.exists()  # opening touches nothing
    store.set_consent(USER, True)
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_sqlite_path() == Path.home() / ".local" / "share" / "walking-check" / "diary.sqlite3"


def test_schema_version_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    filled(path, 1)
    filled(path, 1)  # a second store on a migrated file changes nothing
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 2
    conn.close()


def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    filled(path, 1)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError):
        SQLiteDiaryStore(path).entries(USER)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 1
    conn.close()


def test_expired_rows_are_purged_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    clock = FakeClock()
    store = SQLiteDiaryStore(path, ttl_days=10, clock=clock)
    for who in (USER, USER + "2"):
        store.set_consent(who, True)
        store.add(who, walk(1))
    clock.advance(11)
    store.set_consent(USER, True)
    store.add(USER, walk(2))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 1  # both old rows gone
    assert conn.execute("SELECT count(*) FROM consent").fetchone()[0] == 1
    conn.close()


def test_several_processes_writing_for_one_user_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    SQLiteDiaryStore(path).set_consent(USER, True)
    writer = textwrap.dedent(
        """
        import datetime, sys, time
        from skill.persistence import DiaryEntry, open_store
        path, user, worker, count, start = sys.argv[1:]
        store = open_store(path)
        time.sleep(max(0.0, float(start) - time.time()))  # start together
        for i in range(int(count)):
            store.add(user, DiaryEntry(day=datetime.date(2025, 6, 1), walk_minutes=int(worker) * 1000 + i))
        """
    )
    processes, count = 4, 30
    start = time.time() + 1.0
    children = [
        subprocess.Popen(
            [sys.executable, "-c", writer, str(path), USER, str(n), str(count), str(start)],
            cwd=REPO,
            stderr=subprocess.PIPE,
        )
        for n in range(processes)
    ]
    for child in children:
        _, err = child.communicate(timeout=60)
        assert child.returncode == 0, err.decode()
    got = sorted(e.walk_minutes or 0 for e in SQLiteDiaryStore(path).entries(USER, limit=1000))
    assert got == sorted(float(n * 1000 + i) for n in range(processes) for i in range(count))


def test_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    """A store used before a fork (a web server that loads its app first) works in the child,
    which never touches the parent's connection, and the parent's connection keeps working."""
    store = SQLiteDiaryStore(tmp_path / "d.sqlite3")
    store.set_consent(USER, True)
    inherited = store._local.conn
    pid = os.fork()
    if pid == 0:  # the child: exit status says whether it worked
        ok = False
        try:
            store.add(USER, DiaryEntry(day=dt.date(2025, 6, 2), walk_minutes=7))
            ok = store._local.conn is not inherited and store._forked_away == [inherited]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.add(USER, DiaryEntry(day=dt.date(2025, 6, 3), walk_minutes=9))
    assert store._local.conn is inherited
    assert [e.walk_minutes for e in store.entries(USER)] == [7.0, 9.0]


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO consent (user_id, value, expires_at) VALUES ('holder', 1, 1e12)")
    return holder


def test_locked_database_fails_fast_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    filled(path, 3)
    store = SQLiteDiaryStore(path, busy_timeout=0.3)
    holder = _hold_write_lock(path)
    try:
        started = time.monotonic()
        with pytest.raises(StorageError) as err:
            store.add(USER, walk(99))
        assert time.monotonic() - started < 1.5
        assert err.value.kind == "locked"
        assert USER not in str(err.value)
        assert store.entries(USER) == [walk(0), walk(1), walk(2)]  # readers are not blocked (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.add(USER, walk(3))
    assert store.entries(USER) == [walk(0), walk(1), walk(2), walk(3)]


def test_default_busy_timeout_is_within_two_seconds(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    store = filled(path, 1)
    holder = _hold_write_lock(path)
    try:
        started = time.monotonic()
        with pytest.raises(StorageError):
            store.set_consent(USER, False)
        assert time.monotonic() - started <= 2.0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.entries(USER) == [walk(0)]  # the failed withdrawal erased nothing half-way


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    junk = b"this is not a walking diary\n" * 200
    path.write_bytes(junk)
    store = open_store(path)
    for call in (lambda: store.entries(USER), lambda: store.add(USER, walk()), lambda: store.consent(USER)):
        with pytest.raises(StorageError) as err:
            call()
        assert err.value.kind == "corrupt"
    assert path.read_bytes() == junk


def test_damaged_pages_are_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    store = filled(path, 200)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page : 3 * page] = b"\xa5" * (2 * page)  # scribble over the pages after the header
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError) as err:
        SQLiteDiaryStore(path).entries(USER)
    assert err.value.kind == "corrupt"
    del store


def test_unwritable_location_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    store = open_store(blocker / "diary.sqlite3")
    started = time.monotonic()
    with pytest.raises(StorageError) as err:
        store.set_consent(USER, True)
    assert err.value.kind == "unavailable"
    assert time.monotonic() - started < 2.0


def test_a_removed_file_is_recreated_on_the_next_call(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    store = filled(path, 1)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert not os.path.exists(path)
    with pytest.raises(StorageError):
        store.entries(USER)  # the schema is gone: an error, then a fresh start
    assert store.entries(USER) == []
