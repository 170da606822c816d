"""Dialog state carried in Alexa session attributes between turns.

Session attributes come back from the device untouched in theory, but a tampered, truncated or
older-version copy must never crash a turn: ``load`` falls back to a fresh state instead.

A plain dataclass checked by hand rather than a pydantic model: every turn loads it, and keeping
pydantic off the launch path saves about a hundred milliseconds of Lambda cold start. The answers
themselves are still checked against the rule module's ``Answers`` whenever there are any.
"""

from __future__ import annotations

import inspect
import logging
import math
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from skill.dialog.questions import BY_KEY
from skill.rules import UNLIMITED

if TYPE_CHECKING:
    from skill.rules import Answers

logger = logging.getLogger(__name__)

VERSION = 1


class Stage(StrEnum):
    FOR_WHOM = "for_whom"  # who is the check for?
    QUESTION = "question"  # a check question is open (``question`` says which)
    RESULT = "result"  # advice given; "hear it again?" is open
    EMERGENCY = "emergency"  # emergency guidance given
    DIARY_CONSENT = "diary_consent"  # "shall I keep your walking time?" is open
    LOG_MINUTES = "log_minutes"  # "how many minutes did you walk?" is open
    DELETE_CONFIRM = "delete_confirm"  # "delete everything?" is open
    IDLE = "idle"  # nothing open: a one-shot diary request, or after a diary action


class DialogState:
    """Where the conversation is. A plain class, not a dataclass: see Question in questions.py."""

    def __init__(
        self,
        v: int = VERSION,
        stage: Stage = Stage.FOR_WHOM,
        question: str | None = None,  # the open question's key while stage is QUESTION
        caregiver: bool = False,
        person: str | None = None,
        answers: dict[str, Any] | None = None,
        history: list[str] | None = None,  # questions answered, in order, for "go back"
        last_speech: list[list[str]] | None = None,  # sentence groups, for "repeat"
        last_reprompt: str = "",
        # A logged walk waiting for diary consent: minutes or "unlimited" ("log my walk, no limit").
        pending_minutes: float | str | None = None,
        result_saved: bool = False,
    ) -> None:
        self.v = v
        self.stage = stage
        self.question = question
        self.caregiver = caregiver
        self.person = person
        self.answers: dict[str, Any] = {} if answers is None else answers
        self.history: list[str] = [] if history is None else history
        self.last_speech: list[list[str]] = [] if last_speech is None else last_speech
        self.last_reprompt = last_reprompt
        self.pending_minutes = pending_minutes
        self.result_saved = result_saved

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DialogState) and dump(self) == dump(other)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"DialogState(stage={self.stage.value!r}, question={self.question!r})"  # no answers: privacy

    def checked_answers(self) -> Answers:
        from skill.rules import Answers

        return Answers.model_validate(self.answers)


_FIELDS = tuple(inspect.signature(DialogState).parameters)


class _Unusable(ValueError):
    pass


def _require(ok: bool) -> None:
    if not ok:
        raise _Unusable


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _minutes_ok(value: object) -> bool:
    if value is None or value == UNLIMITED:
        return True
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    )


def _parse(attributes: dict[str, Any]) -> DialogState:
    data = {k: v for k, v in attributes.items() if k in _FIELDS}  # unknown keys are ignored
    state = DialogState(**data)
    _require(state.v == VERSION and isinstance(state.stage, str) and state.stage in set(Stage))
    state.stage = Stage(state.stage)
    _require(state.question is None or (isinstance(state.question, str) and state.question in BY_KEY))
    _require(isinstance(state.caregiver, bool) and isinstance(state.result_saved, bool))
    _require(state.person is None or isinstance(state.person, str))
    _require(isinstance(state.answers, dict) and _is_str_list(state.history))
    _require(all(key in BY_KEY for key in state.history))
    _require(isinstance(state.last_speech, list) and all(_is_str_list(g) for g in state.last_speech))
    _require(isinstance(state.last_reprompt, str) and _minutes_ok(state.pending_minutes))
    if state.answers:
        state.checked_answers()  # answers must satisfy the rule contract too
    return state


def load(attributes: dict[str, Any] | None) -> tuple[DialogState, bool]:
    """The state from session attributes, and whether it had to be reset because it was unusable."""
    if not attributes:
        return DialogState(), False
    try:
        return _parse(attributes), False
    except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
        logger.warning("session attributes unusable; starting afresh")
        return DialogState(), True


def dump(state: DialogState) -> dict[str, Any]:
    # Plain copies by hand: dataclasses.asdict deep-copies every value, a fifth of a web request.
    data = {name: getattr(state, name) for name in _FIELDS}
    data.update(
        stage=state.stage.value,
        answers=dict(state.answers),
        history=list(state.history),
        last_speech=[list(group) for group in state.last_speech],
    )
    return data
