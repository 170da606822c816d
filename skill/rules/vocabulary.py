"""The rule module's words: answer values, urgency levels, patterns and red-flag fields.

Free of pydantic so the dialog can use them on every turn without loading the models.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

UNLIMITED = "unlimited"
RED_FLAGS: tuple[str, ...] = ("saddle_numbness", "bladder_bowel", "legs_give_way", "worsening_weakness")


class Reply(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Urgency(IntEnum):
    """Ordered so that ``max()`` picks the most urgent level."""

    SELF_CARE = 0
    ROUTINE = 1
    SOON = 2
    URGENT = 3
    EMERGENCY = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Pattern(StrEnum):
    NEUROGENIC = "neurogenic"
    VASCULAR = "vascular"
    UNCLEAR = "unclear"
    NONE = "none"
