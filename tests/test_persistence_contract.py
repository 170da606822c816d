"""The DiaryStore contract, run unchanged against every backend on real storage:
SQLite on a real file, DynamoDB on a real HTTP server, and the in-memory store."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest

from skill.persistence import DiaryEntry, DiaryStore, StorageError, open_store
from tests.conftest import DIARY_TABLE, DYNAMODB_REGION, FakeClock

StoreFactory = Callable[..., DiaryStore]

DAY = dt.date(2025, 6, 1)


@pytest.fixture(params=["sqlite", "dynamodb", "memory"])
def make_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> StoreFactory:
    """make_store(clock=..., ttl_days=...) -> a store; stores made in one test share their data."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("diary") / "diary.sqlite3"
        spec = f"sqlite:///{path}"
    elif request.param == "dynamodb":
        endpoint = request.getfixturevalue("dynamodb_endpoint")
        spec = f"dynamodb://{DIARY_TABLE}?region={DYNAMODB_REGION}&endpoint_url={endpoint}"
    else:
        spec = "memory:"
    shared: list[DiaryStore] = []

    def make(clock: FakeClock | None = None, ttl_days: int | None = None) -> DiaryStore:
        if spec == "memory:" and shared:
            return shared[0]  # one process-local store stands in for "the same storage"
        store = open_store(spec, clock=clock, ttl_days=ttl_days)
        shared.append(store)
        return store

    return make


def entry(minutes: float | None = 10, day: dt.date = DAY, **fields: object) -> DiaryEntry:
    return DiaryEntry(day=day, walk_minutes=minutes, **fields)  # type: ignore[arg-type]


def test_is_a_diary_store(make_store: StoreFactory) -> None:
    assert isinstance(make_store(), DiaryStore)


def test_round_trip_keeps_every_field(make_store: StoreFactory, user_id: str) -> None:
    store = make_store()
    store.set_consent(user_id, True)
    saved = [
        entry(12.5, bend_relief="yes", stand_relief="no", lean_easier="unsure", urgency="soon"),
        entry(None, day=DAY + dt.timedelta(days=1), unlimited=True, urgency="self_care", source="log"),
        entry(0, day=DAY + dt.timedelta(days=2), urgency="urgent"),
        entry(None, day=DAY + dt.timedelta(days=3)),
        entry(100_000, day=DAY + dt.timedelta(days=4), source="log"),
    ]
    for item in saved:
        store.add(user_id, item)
    assert store.entries(user_id) == saved
    assert store.consent(user_id) is True


def test_oldest_first_by_day_then_by_order_added(make_store: StoreFactory, user_id: str) -> None:
    store = make_store()
    store.set_consent(user_id, True)
    later, earlier_a, earlier_b = entry(5, DAY + dt.timedelta(days=7)), entry(6), entry(7)
    for item in (later, earlier_a, earlier_b):
        store.add(user_id, item)
    assert store.entries(user_id) == [earlier_a, earlier_b, later]


def test_limit_keeps_the_newest(make_store: StoreFactory, user_id: str) -> None:
    store = make_store()
    store.set_consent(user_id, True)
    saved = [entry(i, DAY + dt.timedelta(days=i)) for i in range(7)]
    for item in saved:
        store.add(user_id, item)
    assert store.entries(user_id, limit=3) == saved[-3:]
    assert store.entries(user_id, limit=0) == []
    assert store.entries(user_id, limit=50) == saved


@pytest.mark.parametrize("answer", [None, False])
def test_without_consent_nothing_is_stored(
    make_store: StoreFactory, user_id: str, answer: bool | None
) -> None:
    store = make_store()
    if answer is not None:
        store.set_consent(user_id, answer)
    store.add(user_id, entry())
    assert store.entries(user_id) == []
    assert store.consent(user_id) is answer


def test_withdrawing_consent_erases_the_diary(make_store: StoreFactory, user_id: str) -> None:
    store = make_store()
    store.set_consent(user_id, True)
    store.add(user_id, entry())
    store.set_consent(user_id, False)
    assert store.entries(user_id) == []
    assert store.consent(user_id) is False
    store.add(user_id, entry())
    assert store.entries(user_id) == []


def test_delete_user_removes_everything_and_only_that_user(make_store: StoreFactory, user_id: str) -> None:
    store = make_store()
    other = user_id + "-other"
    for who in (user_id, other):
        store.set_consent(who, True)
        store.add(who, entry())
    store.delete_user(user_id)
    assert store.entries(user_id) == []
    assert store.consent(user_id) is None
    assert store.entries(other) == [entry()]
    assert store.consent(other) is True
    store.add(user_id, entry())  # consent is gone with the data
    assert store.entries(user_id) == []
    store.delete_user(user_id)  # deleting nothing is fine


def test_data_survives_a_new_store_object(make_store: StoreFactory, user_id: str) -> None:
    first = make_store()
    first.set_consent(user_id, True)
    first.add(user_id, entry(21))
    assert make_store().entries(user_id) == [entry(21)]


def test_entries_and_consent_expire(make_store: StoreFactory, user_id: str) -> None:
    clock = FakeClock()
    store = make_store(clock=clock, ttl_days=30)
    store.set_consent(user_id, True)
    store.add(user_id, entry(10))
    clock.advance(20)
    store.add(user_id, entry(11, DAY + dt.timedelta(days=20)))  # also keeps consent alive
    clock.advance(15)
    assert store.entries(user_id) == [entry(11, DAY + dt.timedelta(days=20))]
    assert store.consent(user_id) is True
    clock.advance(16)
    assert store.entries(user_id) == []
    assert store.consent(user_id) is None
    store.add(user_id, entry(12))  # expired consent is no consent
    assert store.entries(user_id) == []


def test_eight_threads_writing_for_one_user_lose_nothing(make_store: StoreFactory, user_id: str) -> None:
    store = make_store()
    store.set_consent(user_id, True)
    per_thread, threads = 8, 8
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        start.wait()
        try:
            for i in range(per_thread):
                store.add(user_id, entry(n * 100 + i))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not failures
    got = sorted(e.walk_minutes or 0 for e in store.entries(user_id, limit=1000))
    assert got == sorted(float(n * 100 + i) for n in range(threads) for i in range(per_thread))


@pytest.mark.parametrize("odd", ["ü-ñ-✓", 'quote\'s "x"; DROP TABLE entries;--', "a" * 1024, "#consent"])
def test_any_user_id_string_is_just_a_key(make_store: StoreFactory, odd: str) -> None:
    store = make_store()
    store.set_consent(odd, True)
    store.add(odd, entry(3))
    assert store.entries(odd) == [entry(3)]
    store.delete_user(odd)
    assert store.consent(odd) is None


@pytest.mark.parametrize("bad", ["", "a" * 1025])
def test_bad_user_id_is_a_storage_error(make_store: StoreFactory, bad: str) -> None:
    with pytest.raises(StorageError):
        make_store().consent(bad)
