"""Walking diary trend, in the plain terms the skill speaks. Pure: no storage, no Alexa.

``summarise(entries, today)`` compares the earliest and the latest walking time in the
window, the same two numbers the skill says out loud ("Six weeks ago it was about twenty
minutes; your latest was about ten"), so the direction never contradicts what was heard.
A change counts only when it is both at least a quarter of the longer time and at least
two minutes, so everyday wobble ("twelve, then ten") stays "steady". A "worse" trend is
the clear decline that answers ``distance_shorter`` for the next check.

``minutes_in_words`` and ``days_ago_in_words`` give short English with numbers as words,
for every English locale the skill speaks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

Direction = Literal["better", "worse", "steady"]

DEFAULT_WINDOW_DAYS = 91  # about three months: long enough to see a change, short enough to matter
CHANGE_FRACTION = 0.25
CHANGE_MINUTES = 2.0


class _Walk(Protocol):
    """What ``summarise`` reads from a diary entry (``skill.persistence.DiaryEntry`` fits)."""

    @property
    def day(self) -> dt.date: ...

    @property
    def minutes(self) -> float | None: ...


@dataclass(frozen=True)
class Trend:
    """What the dialog needs to speak a trend. Minutes use ``math.inf`` for "no limit"."""

    count: int
    """Entries with a walking time in the window."""
    latest_minutes: float | None
    latest_day: dt.date | None
    earliest_minutes: float | None
    earliest_day: dt.date | None
    days_ago: int | None
    """Days from the earliest entry in the window to today."""
    direction: Direction | None
    """None when there are not two entries on different days to compare."""

    @property
    def weeks_ago(self) -> int | None:
        return None if self.days_ago is None else round(self.days_ago / 7)

    @property
    def declined(self) -> bool:
        """A clear decline: fills ``distance_shorter`` with yes for the next check."""
        return self.direction == "worse"


def _direction(before: float, after: float) -> Direction:
    if before == after:
        return "steady"
    if math.isinf(before) or math.isinf(after):
        return "worse" if math.isinf(before) else "better"
    change = after - before
    # Measured against the larger time, so "ten to twenty" and "twenty to ten" weigh the same.
    if abs(change) >= CHANGE_MINUTES and abs(change) >= CHANGE_FRACTION * max(before, after):
        return "better" if change > 0 else "worse"
    return "steady"


def summarise(entries: Iterable[_Walk], today: dt.date, *, window_days: int = DEFAULT_WINDOW_DAYS) -> Trend:
    """Trend of walking time over the last ``window_days`` days up to ``today``."""
    start = today - dt.timedelta(days=window_days)
    walks: list[tuple[dt.date, int, float]] = []
    for order, entry in enumerate(entries):
        minutes = entry.minutes
        if minutes is not None and start <= entry.day <= today:
            walks.append((entry.day, order, minutes))
    if not walks:
        return Trend(0, None, None, None, None, None, None)
    walks.sort()  # by day, then by the order given (stores return oldest first)
    first_day, _, first = walks[0]
    last_day, _, last = walks[-1]
    direction = _direction(first, last) if first_day != last_day else None
    return Trend(
        count=len(walks),
        latest_minutes=last,
        latest_day=last_day,
        earliest_minutes=first,
        earliest_day=first_day,
        days_ago=(today - first_day).days,
        direction=direction,
    )


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_in_words(n: int) -> str:
    """0 <= n < 1,000,000 in English words: 21 -> "twenty-one", 105 -> "one hundred and five"."""
    if not 0 <= n < 1_000_000:
        raise ValueError("number out of range for words")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number_in_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = f"{number_in_words(thousands)} thousand"
    if not rest:
        return head
    return head + (" and " if rest < 100 else " ") + number_in_words(rest)


_QUARTERS = {15: "a quarter of an hour", 30: "half an hour", 45: "three quarters of an hour"}
_HOUR_PARTS = ("", " and a quarter", " and a half", " and three quarters")


def minutes_in_words(minutes: float) -> str:
    """Speakable walking time: "about twenty minutes", "half an hour", "no limit".

    Under an hour: whole minutes (15, 30 and 45 said as parts of an hour). From an hour:
    to the nearest quarter hour, and from ten hours to the nearest hour. "about" marks any
    rounding, so the words never claim more precision than the number had.
    """
    if math.isnan(minutes) or minutes < 0:
        raise ValueError("minutes must be a number >= 0")
    if math.isinf(minutes):
        return "no limit"
    if minutes < 1:
        return "less than a minute"
    if minutes < 59.5:
        whole = math.floor(minutes + 0.5)
        about = "about " if whole != minutes else ""
        if whole in _QUARTERS:
            return about + _QUARTERS[whole]
        return about + ("a minute" if whole == 1 else f"{number_in_words(whole)} minutes")
    hours = minutes / 60
    step = 4 if hours < 9.875 else 1  # quarters of an hour, then whole hours
    rounded = math.floor(hours * step + 0.5) / step
    if rounded >= 999_999:
        return "more than a hundred thousand hours"
    about = "about " if rounded * 60 != minutes else ""
    whole = math.floor(rounded)
    quarter = round((rounded - whole) * 4)
    if whole == 1:
        return f"{about}an hour{_HOUR_PARTS[quarter]}"
    # "two and a half hours", "two and three quarter hours"
    return f"{about}{number_in_words(whole)}{_HOUR_PARTS[quarter].removesuffix('s')} hours"


def days_ago_in_words(days: int) -> str:
    """ "today", "yesterday", "five days ago", "three weeks ago", "about two months ago"."""
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{number_in_words(days)} days ago"
    if days < 60:
        weeks = round(days / 7)
        return f"{'' if days % 7 == 0 else 'about '}{number_in_words(weeks)} weeks ago"
    if days < 335:
        return f"about {number_in_words(round(days / 30.44))} months ago"
    years = round(days / 365.25)
    return "about a year ago" if years == 1 else f"about {number_in_words(min(years, 999))} years ago"
