"""Numbers as words for speech ("about twenty minutes", "half an hour"), never as digits, and
number words back to numbers for what users say ("twenty five")."""

from __future__ import annotations

import math

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
        # "almost ten" keeps 9.99 on the right side of the ten-minute rule when spoken.
        about = "" if whole == minutes else "almost " if whole > minutes else "about "
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


# Words a number can be said with; the text resolver builds its number pattern from these too.
NUMBER_WORDS: dict[str, int] = (
    {w: i for i, w in enumerate(_ONES)}
    | {w: 10 * i for i, w in enumerate(_TENS) if i >= 2}
    | {"nought": 0, "fourty": 40}
)
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000}
_WORD_VALUES = NUMBER_WORDS | {"a": 1, "an": 1}


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
