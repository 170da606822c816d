"""Numbers as words for speech ("about twenty minutes", "half an hour"), never as digits."""

from __future__ import annotations

import math

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0 to 999 in words; larger numbers are read as "more than nine hundred"."""
    if n < 0:
        raise ValueError("negative numbers are not spoken")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    return "more than nine hundred and ninety-nine"


_SPECIAL = {15: "a quarter of an hour", 30: "half an hour", 45: "three quarters of an hour", 60: "an hour"}


def minutes_words(minutes: float) -> str:
    """A walking time as a listener would say it: "five minutes", "half an hour", "about two hours"."""
    if minutes < 1:
        return "less than a minute"
    if minutes > 600:
        return "more than ten hours"
    whole = round(minutes)
    # "almost ten" keeps 9.99 on the right side of the ten-minute rule when spoken.
    about = "" if whole == minutes else "almost " if whole > minutes else "about "
    if whole in _SPECIAL:
        return about + _SPECIAL[whole]
    if whole < 60:
        return about + number_words(whole) + (" minute" if whole == 1 else " minutes")
    half_hours = round(minutes / 30)
    about = "" if half_hours * 30 == minutes else "about "
    hours, half = divmod(half_hours, 2)
    if hours == 1:
        return about + ("an hour and a half" if half else "an hour")
    return about + number_words(hours) + (" and a half" if half else "") + " hours"


_WORD_VALUES = {w: i for i, w in enumerate(_ONES)} | {w: 10 * i for i, w in enumerate(_TENS) if i >= 2}
_WORD_VALUES |= {"a": 1, "an": 1, "couple": 2, "few": 3, "dozen": 12}


def parse_number(text: str) -> float | None:
    """Digits or English number words ("twenty five", "a hundred and ten") as a number, else None."""
    text = text.strip().lower()
    try:
        number = float(text)
        return number if math.isfinite(number) else None
    except ValueError:
        pass
    words = [w for w in text.replace("-", " ").split() if w != "and"]
    if len(words) > 1 and words[0] in ("a", "an"):  # "a couple", "a hundred"
        words = words[1:]
    if not words:
        return None
    total, current = 0, 0
    for word in words:
        if word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
        else:
            return None
    return float(total + current)
