"""Diary trend and spoken numbers: examples plus properties over many values."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.diary import (
    Trend,
    days_ago_in_words,
    minutes_in_words,
    number_in_words,
    summarise,
)
from skill.persistence import DiaryEntry

TODAY = dt.date(2025, 6, 30)


def on(days_ago: int, minutes: float | None = None, unlimited: bool = False) -> DiaryEntry:
    return DiaryEntry(day=TODAY - dt.timedelta(days=days_ago), walk_minutes=minutes, unlimited=unlimited)


# -- a small reader of the words, to check what they say ------------------------------

_SMALL = {w: i for i, w in enumerate(number_in_words(i) for i in range(20))}
_SMALL.update({number_in_words(t): t for t in range(20, 100, 10)})


def words_to_number(text: str) -> int:
    total, current = 0, 0
    for word in text.replace("-", " ").replace(" and ", " ").split():
        if word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = total + current * 1000, 0
        else:
            current += _SMALL[word]
    return total + current


_FRACTIONS = {"": 0.0, "and a quarter": 0.25, "and a half": 0.5, "and three quarter": 0.75}


def words_to_minutes(text: str) -> float:
    """Inverse of minutes_in_words for its own vocabulary (about and almost dropped)."""
    text = text.removeprefix("about ").removeprefix("almost ")
    fixed = {
        "no limit": math.inf,
        "less than a minute": 0.5,
        "a minute": 1,
        "a quarter of an hour": 15,
        "half an hour": 30,
        "three quarters of an hour": 45,
        "an hour": 60,
        "an hour and a quarter": 75,
        "an hour and a half": 90,
        "an hour and three quarters": 105,
    }
    if text in fixed:
        return fixed[text]
    if text.endswith(" minutes"):
        return words_to_number(text.removesuffix(" minutes"))
    match = re.fullmatch(r"(.+?) ?(|and a quarter|and a half|and three quarter) hours", text)
    assert match, text
    return (words_to_number(match[1]) + _FRACTIONS[match[2]]) * 60


# -- minutes_in_words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "less than a minute"),
        (0.5, "less than a minute"),
        (1, "a minute"),
        (12, "twelve minutes"),
        (20, "twenty minutes"),
        (19.7, "almost twenty minutes"),
        (15, "a quarter of an hour"),
        (30, "half an hour"),
        (29.6, "almost half an hour"),
        (45, "three quarters of an hour"),
        (60, "an hour"),
        (90, "an hour and a half"),
        (88, "about an hour and a half"),
        (150, "two and a half hours"),
        (125, "about two hours"),
        (720, "twelve hours"),
        (math.inf, "no limit"),
    ],
)
def test_minutes_in_words_examples(minutes: float, words: str) -> None:
    assert minutes_in_words(minutes) == words


@pytest.mark.parametrize("bad", [-1, math.nan, -math.inf])
def test_minutes_in_words_refuses_nonsense(bad: float) -> None:
    with pytest.raises(ValueError):
        minutes_in_words(bad)


minutes_values = st.floats(min_value=0, max_value=100_000, allow_nan=False)


@given(minutes_values)
def test_minutes_in_words_is_short_words_without_digits(minutes: float) -> None:
    words = minutes_in_words(minutes)
    assert words and not re.search(r"\d", words)
    assert len(words.split()) <= 8


@given(minutes_values)
def test_minutes_in_words_says_about_the_right_time(minutes: float) -> None:
    words = minutes_in_words(minutes)
    heard = words_to_minutes(words)
    if minutes < 1:
        assert words == "less than a minute"
    elif minutes < 59.5:
        assert abs(heard - minutes) <= 0.5
    elif minutes < 592.5:
        assert abs(heard - minutes) <= 7.5  # the nearest quarter of an hour
    else:
        assert abs(heard - minutes) <= 30
    if minutes >= 1:
        assert words.startswith(("about ", "almost ")) == (heard != minutes)
        # "almost" only when the spoken time is rounded up, so 9.99 is never heard as ten or more.
        assert not words.startswith("almost ") or heard > minutes


@given(minutes_values, minutes_values)
def test_minutes_in_words_never_says_less_for_more(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert words_to_minutes(minutes_in_words(low)) <= words_to_minutes(minutes_in_words(high))


@given(st.integers(min_value=0, max_value=999_999))
def test_number_in_words_reads_back(n: int) -> None:
    words = number_in_words(n)
    assert not re.search(r"\d", words)
    assert words_to_number(words) == n


def test_number_in_words_examples() -> None:
    assert number_in_words(21) == "twenty-one"
    assert number_in_words(105) == "one hundred and five"
    assert number_in_words(2005) == "two thousand and five"
    with pytest.raises(ValueError):
        number_in_words(-1)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0, "today"),
        (1, "yesterday"),
        (5, "five days ago"),
        (14, "two weeks ago"),
        (20, "about three weeks ago"),
        (42, "six weeks ago"),
        (75, "about two months ago"),
        (400, "about a year ago"),
    ],
)
def test_days_ago_in_words(days: int, words: str) -> None:
    assert days_ago_in_words(days) == words


@given(st.integers(min_value=-5, max_value=20_000))
def test_days_ago_in_words_has_no_digits(days: int) -> None:
    assert not re.search(r"\d", days_ago_in_words(days))


# -- summarise ---------------------------------------------------------------------


def test_empty_diary_has_no_trend() -> None:
    assert summarise([], TODAY) == Trend(0, None, None, None, None, None, None)
    assert summarise([on(3)], TODAY).count == 0  # an entry without a walking time


def test_a_clear_decline_is_worse() -> None:
    trend = summarise([on(42, 20), on(20, 15), on(1, 10)], TODAY)
    assert trend.count == 3
    assert (trend.earliest_minutes, trend.latest_minutes) == (20, 10)
    assert trend.earliest_day == TODAY - dt.timedelta(days=42)
    assert trend.latest_day == TODAY - dt.timedelta(days=1)
    assert (trend.days_ago, trend.weeks_ago) == (42, 6)
    assert trend.direction == "worse"
    assert trend.declined


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [
        (10, 20, "better"),
        (12, 10, "steady"),  # two minutes but under a quarter: everyday wobble
        (4, 2.5, "steady"),  # a large share but under two minutes
        (4, 1, "worse"),
        (10, 10, "steady"),
        (20, None, "better"),  # None here means "no limit"
        (None, 30, "worse"),
        (None, None, "steady"),
    ],
)
def test_direction_thresholds(before: float | None, after: float | None, direction: str) -> None:
    entries = [on(30, before, unlimited=before is None), on(0, after, unlimited=after is None)]
    assert summarise(entries, TODAY).direction == direction


def test_one_day_is_not_a_trend() -> None:
    trend = summarise([on(2, 20), on(2, 5)], TODAY)
    assert trend.count == 2 and trend.direction is None and trend.latest_minutes == 5


def test_window_leaves_out_old_and_future_entries() -> None:
    trend = summarise([on(200, 60), on(30, 20), on(0, 20), on(-3, 1)], TODAY)
    assert trend.count == 2 and trend.direction == "steady" and trend.days_ago == 30
    assert summarise([on(200, 60), on(0, 20)], TODAY, window_days=365).direction == "worse"


def test_unlimited_speaks_as_no_limit() -> None:
    trend = summarise([on(10, 15), on(0, unlimited=True)], TODAY)
    assert trend.latest_minutes == math.inf
    assert minutes_in_words(trend.latest_minutes) == "no limit"


walks = st.lists(
    st.tuples(st.integers(min_value=0, max_value=90), st.floats(min_value=0, max_value=600)),
    min_size=2,
    max_size=12,
    unique_by=lambda sample: sample[0],  # one walk a day, so "first" and "last" are clear
)


@given(walks)
def test_reversing_time_flips_the_direction(samples: list[tuple[int, float]]) -> None:
    forward = summarise([on(d, m) for d, m in samples], TODAY)
    span = max(d for d, _ in samples) + min(d for d, _ in samples)
    backward = summarise([on(span - d, m) for d, m in reversed(samples)], TODAY)
    flip = {"better": "worse", "worse": "better", "steady": "steady", None: None}
    assert backward.direction == flip[forward.direction]
    assert forward.count == backward.count == len(samples)
