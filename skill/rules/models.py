"""The rule module's inputs and outputs (DESIGN.md, "Rule module contract")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from skill.rules.vocabulary import UNLIMITED, Reply

# Strict so that true/"10" are not silently read as minutes; NaN and infinity are not walking times.
Minutes = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]


class Answers(BaseModel):
    """What the user said. Every field is optional: missing (or null) means "not asked"."""

    # defer_build: the validator is built on first use, not at import (a launch needs none).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    saddle_numbness: Reply | None = None
    bladder_bowel: Reply | None = None
    legs_give_way: Reply | None = None
    worsening_weakness: Reply | None = None
    walk_minutes: Minutes | Literal["unlimited"] | None = None
    bend_relief: Reply | None = None
    stand_relief: Reply | None = None
    lean_easier: Reply | None = None
    distance_shorter: Reply | None = None
    foot_weakness: Reply | None = None
    treatment_not_helping: Reply | None = None

    def unanswered(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is None]

    @property
    def walk_limited(self) -> bool:
        """A finite walking time was given (zero included: "I can't walk at all")."""
        return self.walk_minutes is not None and self.walk_minutes != UNLIMITED


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    urgency: Literal["emergency", "urgent", "soon", "routine", "self_care"]
    pattern: Literal["neurogenic", "vascular", "unclear", "none"]
    reasons: list[str]
    speech: str
    clinician_summary: list[str]
    unanswered: list[str]
