"""Dialog state carried in Alexa session attributes between turns.

Session attributes come back from the device untouched in theory, but a tampered, truncated or
older-version copy must never crash a turn: ``load`` falls back to a fresh state instead.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skill.rules import Answers
from skill.rules.models import Minutes

logger = logging.getLogger(__name__)


class Stage(StrEnum):
    FOR_WHOM = "for_whom"  # who is the check for?
    QUESTION = "question"  # a check question is open (``question`` says which)
    RESULT = "result"  # advice given; "hear it again?" is open
    EMERGENCY = "emergency"  # emergency guidance given
    DIARY_CONSENT = "diary_consent"  # "shall I keep your walking time?" is open
    LOG_MINUTES = "log_minutes"  # "how many minutes did you walk?" is open
    DELETE_CONFIRM = "delete_confirm"  # "delete everything?" is open
    IDLE = "idle"  # nothing open: a one-shot diary request, or after a diary action


class DialogState(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    v: Literal[1] = 1
    stage: Stage = Stage.FOR_WHOM
    question: str | None = None
    caregiver: bool = False
    person: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)  # questions answered, in order, for "go back"
    last_speech: list[list[str]] = Field(default_factory=list)  # sentence groups, for "repeat"
    last_reprompt: str = ""
    # A logged walk waiting for diary consent; finite, or the response would not be valid JSON.
    # A logged walk waiting for diary consent: minutes or "unlimited" ("log my walk, no limit").
    pending_minutes: Minutes | Literal["unlimited"] | None = None
    result_saved: bool = False

    def checked_answers(self) -> Answers:
        return Answers.model_validate(self.answers)


def load(attributes: dict[str, Any] | None) -> tuple[DialogState, bool]:
    """The state from session attributes, and whether it had to be reset because it was unusable."""
    if not attributes:
        return DialogState(), False
    try:
        state = DialogState.model_validate(attributes)
        state.checked_answers()  # answers must satisfy the rule contract too
        return state, False
    except (ValidationError, ValueError, TypeError):
        logger.warning("session attributes unusable; starting afresh")
        return DialogState(), True


def dump(state: DialogState) -> dict[str, Any]:
    return state.model_dump(mode="json")
