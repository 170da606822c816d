"""``python -m skill assess`` and ``rules`` as a user runs them: a real subprocess, stdin and stdout."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.vignettes import PUBLIC


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_assess_one_object() -> None:
    r = run("assess", stdin='{"walk_minutes": 5, "bend_relief": "yes"}')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"urgency", "pattern", "reasons", "speech", "clinician_summary", "unanswered"}
    assert (out["urgency"], out["pattern"]) == ("soon", "neurogenic")


@pytest.mark.skipif(not PUBLIC.exists(), reason="public vignettes folder absent")
def test_assess_jsonl_matches_every_public_vignette() -> None:
    cases = json.loads(PUBLIC.read_text())
    r = run("assess", "--jsonl", stdin="".join(json.dumps(c["answers"]) + "\n" for c in cases))
    assert r.returncode == 0, r.stderr
    outs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(o["urgency"], o["pattern"]) for o in outs] == [
        (c["expect"]["urgency"], c["expect"]["pattern"]) for c in cases
    ]


def test_assess_locale_picks_the_emergency_number() -> None:
    r = run("assess", "--locale", "en-GB", stdin='{"bladder_bowel": "yes"}')
    assert "999" in json.loads(r.stdout)["speech"].split(".")[0]


@pytest.mark.parametrize(
    ("stdin", "args", "needle"),
    [
        ("not json", (), "not valid JSON"),
        ("[1, 2]", (), "JSON object"),
        ('"yes"', (), "JSON object"),
        ('{"walk_minutes": -3}', (), "walk_minutes"),
        ('{"walk_minutes": "ten"}', (), "walk_minutes"),
        ('{"bend_relief": "perhaps"}', (), "bend_relief"),
        ('{"favourite_colour": "blue"}', (), "favourite_colour"),
        ("", (), "no input"),
        ('{}\n{"lean_easier": 1}\n', ("--jsonl",), "line 2"),
        ("{}", ("--locale", "fr-FR"), "invalid choice"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_two(stdin: str, args: tuple[str, ...], needle: str) -> None:
    r = run("assess", *args, stdin=stdin)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


def test_rules_prints_the_table_with_sources() -> None:
    r = run("rules")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "| id | when | urgency | source |"
    assert len(lines) == 2 + 10
    assert all(line.count("|") >= 5 and not line.rstrip("| ").endswith("|") for line in lines[2:])
