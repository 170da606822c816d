"""Reading slot values the way Alexa sends them: entity-resolution ids first, raw words second."""

from __future__ import annotations

import functools
import re
from typing import Any

from ask_sdk_model import IntentRequest

from skill.locale.numbers import parse_number
from skill.rules import UNLIMITED

# Above a day of walking, a number is a mishearing rather than an answer.
MAX_MINUTES = 24 * 60


@functools.cache
def _iso_duration() -> re.Pattern[str]:
    # Compiled on first use, not at import: half a millisecond of every Lambda cold start.
    return re.compile(r"^P(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+)S)?)$")


def slot_value(request: Any, name: str) -> str | None:
    """The canonical id of a custom slot value if Alexa resolved it, else the raw value, else None."""
    if not isinstance(request, IntentRequest) or request.intent is None or not request.intent.slots:
        return None
    slot = request.intent.slots.get(name)
    if slot is None:
        return None
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        # Compared by value: importing the SDK's StatusCode enum costs cold-start time.
        if getattr(status, "value", None) == "ER_SUCCESS_MATCH" and authority.values:
            value_id = authority.values[0].value.id or authority.values[0].value.name
            if isinstance(value_id, str) and value_id:
                return value_id
    value = slot.value
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _duration_minutes(text: str) -> float | None:
    m = _iso_duration().match(text.upper())
    if not m or not any(m.groups()):
        return None
    return float(m["h"] or 0) * 60 + float(m["m"] or 0) + float(m["s"] or 0) / 60


def minutes_from(request: Any) -> float | str | None:
    """A walking time from WalkTimeIntent / LogWalkIntent slots: minutes, "unlimited", or None."""
    amount = slot_value(request, "amount")
    if amount == UNLIMITED:
        return UNLIMITED
    if amount is not None and (value := parse_number(amount)) is not None:
        return value if 0 <= value <= MAX_MINUTES else None
    duration = slot_value(request, "duration")
    value = _duration_minutes(duration) if duration else None
    if value is None and (raw := slot_value(request, "minutes")) is not None:
        value = parse_number(raw)
        if value is not None and slot_value(request, "unit") == "hour":
            value *= 60
    if value is None or not 0 <= value <= MAX_MINUTES:
        return None
    return value
