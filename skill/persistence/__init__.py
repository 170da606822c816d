"""Walking diary storage: one small interface, three backends.

The diary keeps, with the user's spoken consent, each check's walking minutes and
posture answers so the skill can speak a trend ("how is my walking doing?").

What is stored, and what never is:

- ``DiaryEntry`` has no field for the red-flag questions (saddle numbness, bladder
  or bowel, legs giving way, worsening weakness), so they cannot be stored, and it
  refuses ``urgency="emergency"`` because that level is only reached through a
  red-flag "yes". Build no entry for an emergency result.
- ``add`` stores nothing unless the user has consented (``consent(user) is True``);
  withdrawing consent (``set_consent(user, False)``) erases the diary and keeps only
  the refusal, so the skill does not ask again at every check.
- Every entry, and the consent record, expires ``ttl_days`` (400 by default) after
  it was written; expired entries are never returned and are purged.

Backends, chosen by ``open_store(spec)``:

- ``None``: SQLite at ``$XDG_DATA_HOME/walking-check/diary.sqlite3``
  (``~/.local/share/...`` when unset): the embedded default.
- ``/path/to/file`` or ``sqlite:///path/to/file``: SQLite (``sqlite.py``).
- ``dynamodb://TABLE?region=eu-west-1&endpoint_url=http://...``: DynamoDB
  (``dynamodb.py``), production on Lambda.
- ``memory:``: in-process, for tests and demos.

A spec may carry ``ttl_days=N`` as a query parameter. Backends are imported only
inside ``open_store``: importing this package must not load ``sqlite3`` or ``boto3``
(Lambda cold start). Every failure surfaces as ``StorageError``, whose message never
contains user data, so callers can always say "the diary could not be saved" and
carry on with the check.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "DEFAULT_TTL_DAYS",
    "MAX_ENTRIES",
    "DiaryEntry",
    "DiaryStore",
    "StorageError",
    "default_sqlite_path",
    "open_store",
]

Reply = Literal["yes", "no", "unsure"]
Urgency = Literal["urgent", "soon", "routine", "self_care"]
Source = Literal["check", "log"]

DEFAULT_TTL_DAYS = 400
MAX_ENTRIES = 1000
"""Upper bound for ``entries(limit=...)``; bounds the work of one request."""

_REPLIES = frozenset({"yes", "no", "unsure"})
_URGENCIES = frozenset({"urgent", "soon", "routine", "self_care"})
_SOURCES = frozenset({"check", "log"})
_MAX_MINUTES = 100_000.0


class StorageError(Exception):
    """Any diary storage failure: locked, missing, corrupt, timed out, unreachable.

    ``kind`` is one of ``"config"``, ``"locked"``, ``"corrupt"``, ``"timeout"``,
    ``"unavailable"``, ``"missing"``, ``"failed"``. Messages name the problem only,
    never a user id or an answer, so they are safe to log.
    """

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class DiaryEntry:
    """One diary line: a finished check (``source="check"``) or a logged walk (``"log"``).

    ``walk_minutes`` is the comfortable walking time; "no limit" is ``walk_minutes=None``
    with ``unlimited=True`` (a flag rather than ``inf`` so every backend stores plain,
    portable values). ``walk_minutes=None`` with ``unlimited=False`` means not answered.
    ``day`` is the calendar day of the walk or check.
    """

    day: _dt.date
    walk_minutes: float | None = None
    unlimited: bool = False
    bend_relief: Reply | None = None
    stand_relief: Reply | None = None
    lean_easier: Reply | None = None
    urgency: Urgency | None = None
    source: Source = "check"

    def __post_init__(self) -> None:
        # A datetime is a date too; keep only the day so equality and storage agree.
        if isinstance(self.day, _dt.datetime):
            object.__setattr__(self, "day", self.day.date())
        elif not isinstance(self.day, _dt.date):
            raise ValueError("day must be a date")
        if self.walk_minutes is not None:
            if isinstance(self.walk_minutes, bool) or not isinstance(self.walk_minutes, int | float):
                raise ValueError("walk_minutes must be a number")
            minutes = float(self.walk_minutes)
            if not math.isfinite(minutes) or not 0 <= minutes <= _MAX_MINUTES:
                raise ValueError("walk_minutes must be a finite number of minutes >= 0")
            object.__setattr__(self, "walk_minutes", minutes)
            if self.unlimited:
                raise ValueError("walk_minutes must be None when unlimited is True")
        for name in ("bend_relief", "stand_relief", "lean_easier"):
            if getattr(self, name) not in (None, *_REPLIES):
                raise ValueError(f"{name} must be yes, no or unsure")
        # Compared as a plain string: callers may pass any level the rules produce.
        if str(self.urgency) == "emergency":
            raise ValueError("an emergency result is not kept in the diary")
        if self.urgency is not None and self.urgency not in _URGENCIES:
            raise ValueError("urgency is not a known level")
        if self.source not in _SOURCES:
            raise ValueError("source must be check or log")

    @property
    def minutes(self) -> float | None:
        """Walking time as one number: ``math.inf`` for no limit, None when not answered."""
        return math.inf if self.unlimited else self.walk_minutes


@runtime_checkable
class DiaryStore(Protocol):
    """What the dialog needs from diary storage. Every method raises only ``StorageError``."""

    def add(self, user_id: str, entry: DiaryEntry) -> None:
        """Store ``entry`` if the user consented; otherwise store nothing."""

    def entries(self, user_id: str, limit: int = 50) -> list[DiaryEntry]:
        """The newest ``limit`` unexpired entries, returned oldest first."""
        ...

    def delete_user(self, user_id: str) -> None:
        """Erase everything kept for the user, consent included."""

    def consent(self, user_id: str) -> bool | None:
        """True or False as the user last said, None when never asked (or expired)."""
        ...

    def set_consent(self, user_id: str, value: bool) -> None:
        """Record consent; False also erases the user's entries."""


def default_sqlite_path() -> Path:
    """``$XDG_DATA_HOME/walking-check/diary.sqlite3``, or under ``~/.local/share``."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "walking-check" / "diary.sqlite3"


def _ttl_from(query: dict[str, list[str]], ttl_days: int | None) -> int:
    if ttl_days is None and "ttl_days" in query:
        try:
            ttl_days = int(query["ttl_days"][-1])
        except ValueError:
            raise StorageError("ttl_days in the diary store spec must be a whole number", "config") from None
    ttl = DEFAULT_TTL_DAYS if ttl_days is None else ttl_days
    if ttl < 1:
        raise StorageError("ttl_days must be at least 1", "config")
    return ttl


def _float_param(query: dict[str, list[str]], name: str) -> float | None:
    if name not in query:
        return None
    try:
        value = float(query[name][-1])
    except ValueError:
        raise StorageError(f"{name} in the diary store spec must be a number", "config") from None
    if not math.isfinite(value) or value <= 0:
        raise StorageError(f"{name} in the diary store spec must be positive", "config")
    return value


def open_store(
    spec: str | os.PathLike[str] | None = None,
    *,
    ttl_days: int | None = None,
    clock: Callable[[], float] | None = None,
) -> DiaryStore:
    """Open the diary store named by ``spec`` (see the module docstring).

    Opening touches neither the file nor the network: the first call that needs the
    store does, so a broken store cannot stop the skill from starting. A malformed
    spec raises ``StorageError`` (kind ``"config"``). ``clock`` (seconds since the
    epoch) exists for tests of expiry.
    """
    now = clock or time.time
    if spec is None:
        from skill.persistence.sqlite import SQLiteDiaryStore

        return SQLiteDiaryStore(default_sqlite_path(), ttl_days=_ttl_from({}, ttl_days), clock=now)
    text = os.fspath(spec).strip()
    if not text:
        raise StorageError("the diary store spec is empty", "config")
    if text in ("memory:", "memory://") or text.startswith("memory:?") or text.startswith("memory://?"):
        query = parse_qs(text.partition("?")[2])
        return MemoryDiaryStore(ttl_days=_ttl_from(query, ttl_days), clock=now)
    if text.startswith("dynamodb://"):
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        table = unquote(parts.netloc)
        if not table:
            raise StorageError("the DynamoDB store spec names no table", "config")
        from skill.persistence.dynamodb import DynamoDBDiaryStore

        return DynamoDBDiaryStore(
            table,
            region=query.get("region", [None])[-1],
            endpoint_url=query.get("endpoint_url", [None])[-1],
            ttl_days=_ttl_from(query, ttl_days),
            connect_timeout=_float_param(query, "connect_timeout"),
            read_timeout=_float_param(query, "read_timeout"),
            clock=now,
        )
    if text.startswith("sqlite:"):
        if not text.startswith("sqlite:///"):
            raise StorageError("a SQLite store spec looks like sqlite:///path/to/diary.sqlite3", "config")
        path_part, _, query_text = text[len("sqlite://") :].partition("?")
        from skill.persistence.sqlite import SQLiteDiaryStore

        return SQLiteDiaryStore(
            Path(unquote(path_part)), ttl_days=_ttl_from(parse_qs(query_text), ttl_days), clock=now
        )
    if "://" in text:
        raise StorageError(
            "unknown diary store scheme (use a path, sqlite:///, dynamodb:// or memory:)", "config"
        )
    from skill.persistence.sqlite import SQLiteDiaryStore

    return SQLiteDiaryStore(Path(text).expanduser(), ttl_days=_ttl_from({}, ttl_days), clock=now)


class MemoryDiaryStore:
    """In-process store with the same behaviour as the real ones; nothing survives the process."""

    def __init__(self, *, ttl_days: int = DEFAULT_TTL_DAYS, clock: Callable[[], float] = time.time) -> None:
        self._ttl = ttl_days * 86400.0
        self._clock = clock
        self._lock = threading.Lock()
        self._consent: dict[str, tuple[bool, float]] = {}
        self._entries: dict[str, list[tuple[_dt.date, int, float, DiaryEntry]]] = {}
        self._seq = 0

    def _live_consent(self, user_id: str, now: float) -> bool | None:
        record = self._consent.get(user_id)
        if record is None or record[1] <= now:
            return None
        return record[0]

    def add(self, user_id: str, entry: DiaryEntry) -> None:
        _check_user(user_id)
        with self._lock:
            now = self._clock()
            if self._live_consent(user_id, now) is not True:
                return
            self._consent[user_id] = (True, now + self._ttl)
            self._seq += 1
            self._entries.setdefault(user_id, []).append((entry.day, self._seq, now + self._ttl, entry))

    def entries(self, user_id: str, limit: int = 50) -> list[DiaryEntry]:
        _check_user(user_id)
        limit = _check_limit(limit)
        with self._lock:
            now = self._clock()
            kept = sorted(row for row in self._entries.get(user_id, []) if row[2] > now)
            self._entries[user_id] = kept  # purge the expired
            return [row[3] for row in kept[len(kept) - limit :]] if limit else []

    def delete_user(self, user_id: str) -> None:
        _check_user(user_id)
        with self._lock:
            self._consent.pop(user_id, None)
            self._entries.pop(user_id, None)

    def consent(self, user_id: str) -> bool | None:
        _check_user(user_id)
        with self._lock:
            return self._live_consent(user_id, self._clock())

    def set_consent(self, user_id: str, value: bool) -> None:
        _check_user(user_id)
        with self._lock:
            self._consent[user_id] = (bool(value), self._clock() + self._ttl)
            if not value:
                self._entries.pop(user_id, None)


def _check_limit(limit: int) -> int:
    """Clamp ``limit`` to ``0..MAX_ENTRIES``; shared by every backend."""
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise StorageError("limit must be a whole number", "config")
    return max(0, min(limit, MAX_ENTRIES))


def _check_user(user_id: str) -> str:
    if not isinstance(user_id, str) or not user_id or len(user_id) > 1024:
        raise StorageError("user id must be a non-empty string of at most 1024 characters", "config")
    return user_id
