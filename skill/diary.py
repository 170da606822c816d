"""Walking diary trend, in the plain terms the skill speaks. Pure: no storage, no Alexa.

``summarise(entries, today)`` compares the earliest and the latest walking time in the
window, the same two numbers the skill says out loud ("Six weeks ago it was about twenty
minutes; your latest was about ten"), so the direction never contradicts what was heard.
A change counts only when it is both at least a quarter of the longer time and at least
two minutes, so everyday wobble ("twelve, then ten") stays "steady". A "worse" trend is
the clear decline that answers ``distance_shorter`` for the next check.

The words for minutes and days live in ``skill.locale.numbers``; they are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from skill.locale.numbers import days_ago_in_words, minutes_in_words, number_in_words

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


__all__ = ["Trend", "days_ago_in_words", "minutes_in_words", "number_in_words", "summarise"]
