"""SQLite diary store: the embedded default (``python -m skill chat``, the web service).

- Schema versioned with ``PRAGMA user_version``; ``_MIGRATIONS[i]`` takes version i to
  i + 1 inside one transaction, so a crash mid-migration leaves the old version intact.
- WAL journal: readers never wait for the writer, and a crash never damages committed rows.
- One connection per thread, kept between calls: opening one (path resolution, connect,
  pragmas) was a third of a diary request's time in the web service. No connection crosses a
  thread or a process (each is tagged with its process id), and one whose file was removed
  or replaced is closed and reopened, so writes never go to a file that is no longer there.
- Writes use ``BEGIN IMMEDIATE``, so two writers queue on the busy timeout instead of one
  failing half-way; the timeout is bounded (1.5 s by default) so a locked file turns into
  a ``StorageError`` well inside Alexa's 8-second budget.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from skill.persistence import (
    DEFAULT_TTL_DAYS,
    DiaryEntry,
    StorageError,
    _check_limit,
    _check_user,
)

SCHEMA_VERSION = 1
DEFAULT_BUSY_TIMEOUT = 1.5

_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: entries and consent. CHECKs keep out anything the interface would refuse.
    (
        """CREATE TABLE consent (
            user_id TEXT PRIMARY KEY,
            value INTEGER NOT NULL CHECK (value IN (0, 1)),
            expires_at REAL NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id TEXT NOT NULL,
            day TEXT NOT NULL,
            walk_minutes REAL CHECK (walk_minutes IS NULL OR walk_minutes >= 0),
            unlimited INTEGER NOT NULL DEFAULT 0 CHECK (unlimited IN (0, 1)),
            bend_relief TEXT CHECK (bend_relief IN ('yes', 'no', 'unsure')),
            stand_relief TEXT CHECK (stand_relief IN ('yes', 'no', 'unsure')),
            lean_easier TEXT CHECK (lean_easier IN ('yes', 'no', 'unsure')),
            urgency TEXT CHECK (urgency IN ('urgent', 'soon', 'routine', 'self_care')),
            source TEXT NOT NULL CHECK (source IN ('check', 'log')),
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )""",
        "CREATE INDEX entries_by_user ON entries (user_id, day, id)",
        "CREATE INDEX entries_by_expiry ON entries (expires_at)",
    ),
)
assert len(_MIGRATIONS) == SCHEMA_VERSION

_COLUMNS = "day, walk_minutes, unlimited, bend_relief, stand_relief, lean_easier, urgency, source"


def _classify(exc: BaseException) -> StorageError:
    """Map a sqlite3 error to a StorageError; sqlite messages name no data, but keep only the class."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StorageError("the diary database is locked", "locked")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StorageError("the diary database file is damaged", "corrupt")
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return StorageError("the diary database cannot be opened for writing", "unavailable")
    return StorageError(f"the diary database failed ({type(exc).__name__})", "failed")


class SQLiteDiaryStore:
    """Diary on one SQLite file. Safe to share between threads; processes may share the file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        ttl_days: int = DEFAULT_TTL_DAYS,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._ttl = ttl_days * 86400.0
        self._busy_timeout = busy_timeout
        self._clock = clock
        self._ready = False
        self._ready_lock = threading.Lock()
        self._local = threading.local()
        self._forked_away: list[sqlite3.Connection] = []

    # -- connections -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing is implicit.
        # mode=rw: never create a file here; _prepare creates it, private, with the schema.
        uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=rw"
        conn = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable with WAL, and quicker
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self) -> None:
        """Create the directory and file, switch to WAL and migrate; once per store."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            fresh = not self.path.exists()
            if fresh:
                # Health data: the directory and file are private to the user running the skill.
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            conn = self._open()
            try:
                # Read first, write only when needed: a store opened while another process
                # holds the write lock can still read the diary.
                if (
                    conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
                    and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
                ):
                    self._ready = True
                    return
                if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                    raise StorageError("the diary database cannot use write-ahead logging", "unavailable")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    version = conn.execute("PRAGMA user_version").fetchone()[0]
                    if version > SCHEMA_VERSION:
                        raise StorageError("the diary database is from a newer Walking Check", "config")
                    for step in _MIGRATIONS[version:]:
                        for statement in step:
                            conn.execute(statement)
                    if version < SCHEMA_VERSION:
                        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            finally:
                conn.close()
            self._ready = True

    def _thread_connection(self) -> sqlite3.Connection:
        """This thread's connection, reopened if the file under the path is not the one it has."""
        self._prepare()
        st = os.stat(self.path)
        identity = (os.getpid(), st.st_dev, st.st_ino)
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.identity[0] != identity[0]:
            # Inherited through fork: SQLite forbids using, even closing, it in the child.
            self._forked_away.append(conn)
            local.conn = conn = None
        elif conn is not None and local.identity != identity:
            self._drop_thread_connection()
            conn = None
        if conn is None:
            conn = self._open()
            local.conn, local.identity = conn, identity
        return conn

    def _drop_thread_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._thread_connection()
        except StorageError:
            raise
        except sqlite3.Error as exc:
            self._ready = False
            raise _classify(exc) from None
        except OSError as exc:
            self._ready = False
            raise StorageError(
                f"the diary database file cannot be created ({type(exc).__name__})", "unavailable"
            ) from None
        try:
            yield conn
        except StorageError:
            raise
        except sqlite3.Error as exc:
            # The file may have been replaced or damaged: check the schema, and reconnect, next time.
            self._ready = False
            self._drop_thread_connection()
            raise _classify(exc) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write transaction: all of it commits, or none of it does."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                if conn.in_transaction:  # never hand the next call a half-open transaction
                    self._drop_thread_connection()
                raise
            conn.execute("COMMIT")

    # -- the DiaryStore interface --------------------------------------------------------

    def add(self, user_id: str, entry: DiaryEntry) -> None:
        _check_user(user_id)
        now = self._clock()
        expires = now + self._ttl
        with self._write() as conn:
            # Purge expired rows of every user while we hold the write lock anyway (indexed).
            conn.execute("DELETE FROM entries WHERE expires_at <= ?", (now,))
            conn.execute("DELETE FROM consent WHERE expires_at <= ?", (now,))
            # Consent and insert in one statement pair inside one transaction: the entry is
            # written only if consent is True at this moment, and consent is kept alive.
            refreshed = conn.execute(
                "UPDATE consent SET expires_at = ? WHERE user_id = ? AND value = 1", (expires, user_id)
            ).rowcount
            if refreshed != 1:
                return
            conn.execute(
                f"INSERT INTO entries (user_id, {_COLUMNS}, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    entry.day.isoformat(),
                    entry.walk_minutes,
                    int(entry.unlimited),
                    entry.bend_relief,
                    entry.stand_relief,
                    entry.lean_easier,
                    entry.urgency,
                    entry.source,
                    now,
                    expires,
                ),
            )

    def entries(self, user_id: str, limit: int = 50) -> list[DiaryEntry]:
        _check_user(user_id)
        limit = _check_limit(limit)
        if limit == 0:
            return []
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE user_id = ? AND expires_at > ?"
                " ORDER BY day DESC, id DESC LIMIT ?",
                (user_id, self._clock(), limit),
            ).fetchall()
        try:
            return [_entry(row) for row in reversed(rows)]
        except (ValueError, TypeError):
            raise StorageError("the diary database holds an unreadable entry", "corrupt") from None

    def delete_user(self, user_id: str) -> None:
        _check_user(user_id)
        with self._write() as conn:
            conn.execute("DELETE FROM consent WHERE user_id = ?", (user_id,))
            conn.execute("DELETE FROM entries WHERE user_id = ?", (user_id,))

    def consent(self, user_id: str) -> bool | None:
        _check_user(user_id)
        with self._connection() as conn:
            row = conn.execute(
                "SELECT value FROM consent WHERE user_id = ? AND expires_at > ?", (user_id, self._clock())
            ).fetchone()
        return None if row is None else bool(row[0])

    def set_consent(self, user_id: str, value: bool) -> None:
        _check_user(user_id)
        expires = self._clock() + self._ttl
        with self._write() as conn:
            conn.execute(
                "INSERT INTO consent (user_id, value, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                (user_id, int(bool(value)), expires),
            )
            if not value:
                conn.execute("DELETE FROM entries WHERE user_id = ?", (user_id,))


def _entry(row: tuple[Any, ...]) -> DiaryEntry:
    day, minutes, unlimited, bend, stand, lean, urgency, source = row
    return DiaryEntry(
        day=dt.date.fromisoformat(day),
        walk_minutes=minutes,
        unlimited=bool(unlimited),
        bend_relief=bend,
        stand_relief=stand,
        lean_easier=lean,
        urgency=urgency,
        source=source,
    )
