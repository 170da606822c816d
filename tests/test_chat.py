"""``python -m skill chat`` through a pipe, and the walking diary by voice on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from skill.chat import Chat
from skill.persistence import DiaryEntry, open_store

FULL_CHECK = [
    "it's for me",
    "no",
    "no, not really",
    "oh, maybe a quarter of an hour",
    "yes it does",
    "I think so",
    "no",
    "I'm not sure",
    "no",
]


def chat(lines: list[str], db: Path, user: str = "ann") -> list[str]:
    r = subprocess.run(
        [sys.executable, "-m", "skill", "chat", "--db", str(db), "--user", user],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r.stdout.splitlines()


def test_a_whole_check_through_a_pipe(tmp_path: Path) -> None:
    out = chat(FULL_CHECK, tmp_path / "d.sqlite3")
    assert out[0].startswith("Welcome to Walking Check:")
    assert len(out) == 1 + len(FULL_CHECK)
    assert "how many minutes" in out[3]
    result = out[-1]
    assert result.startswith("Mention this at your next regular check-up.")  # 15 min, bend yes: S1 routine
    assert "a quarter of an hour" in result and "cannot give a diagnosis" in result


def test_two_sessions_remember_walking_time_then_delete(tmp_path: Path) -> None:
    db = tmp_path / "diary.sqlite3"
    first = chat([*FULL_CHECK, "no", "yes"], db)
    assert "diary" in first[-2] and first[-1].startswith("Done. I've saved it")
    second = chat(["how is my walking doing"], db)
    assert "a quarter of an hour" in second[0]  # welcome back with the last time
    assert "one entry" in second[1]
    third = chat(["delete my data", "yes"], db)
    assert "delete everything" in third[1] and "deleted" in third[2]
    assert open_store(str(db)).entries("amzn1.ask.account.ann") == []
    assert chat([], db)[0].startswith("Welcome to Walking Check:")


def test_consent_refused_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "diary.sqlite3"
    out = chat([*FULL_CHECK, "no", "no"], db)
    assert "won't keep anything" in out[-1]
    store = open_store(str(db))
    assert store.entries("amzn1.ask.account.ann") == []
    assert store.consent("amzn1.ask.account.ann") is False


def test_a_clear_decline_fills_distance_shorter(tmp_path: Path) -> None:
    db = tmp_path / "diary.sqlite3"
    store = open_store(str(db))
    user = "amzn1.ask.account.bob"
    today = dt.date.today()
    store.set_consent(user, True)
    store.add(user, DiaryEntry(day=today - dt.timedelta(days=21), walk_minutes=20, source="log"))
    store.add(user, DiaryEntry(day=today - dt.timedelta(days=2), walk_minutes=12, source="log"))
    c = Chat(user="bob", db=str(db))
    welcome = c.open()
    assert "twelve minutes" in welcome
    assert "gone down" in c.say("for me")
    prompts = [c.say(line) for line in ["no", "no", "twelve minutes", "yes", "yes", "no", "no"]]
    assert not any("got shorter" in p for p in prompts[:-1])  # the diary answered that question
    assert "Walking distance that keeps getting shorter" in prompts[-1]
    trend = Chat(user="bob", db=str(db)).say("how is my walking doing")
    assert "three weeks ago" in trend.lower() and "twenty minutes" in trend and "twelve minutes" in trend
    assert "shorter" in trend


def test_storage_failure_mid_check_still_gives_the_guidance(tmp_path: Path) -> None:
    broken = tmp_path / "a-directory-not-a-file"
    broken.mkdir()
    out = chat([*FULL_CHECK, "no"], broken)
    assert out[-2].startswith("Mention this at your next regular check-up.")
    assert "couldn't save" in out[-1]


def test_logging_no_limit_before_consent_keeps_the_unlimited_walk(tmp_path: Path) -> None:
    db = tmp_path / "diary.sqlite3"
    c = Chat(user="cy", db=str(db))
    assert "diary" in c.say("log my walk no limit")
    assert "no limit" in c.say("yes")
    [entry] = open_store(str(db)).entries("amzn1.ask.account.cy")
    assert entry.unlimited and entry.source == "log"
