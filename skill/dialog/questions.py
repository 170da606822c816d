"""The check's questions in the order they are asked, as data.

Red flags come first (two yes/no questions, each covering two answers), then the three self-checks
(with the stand-still follow-up when bending does not clearly help), then the visit questions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from skill.rules import RED_FLAGS


def _always(answers: dict[str, Any]) -> bool:
    return True


# NamedTuple rather than a dataclass in skill/dialog: it is created about five times faster, and
# every module here is imported in each Lambda cold start.
class Question(NamedTuple):
    key: str
    fields: tuple[str, ...]
    kind: Literal["yes_no", "minutes"] = "yes_no"
    applies: Callable[[dict[str, Any]], bool] = _always

    @property
    def red_flag(self) -> bool:
        return any(f in RED_FLAGS for f in self.fields)


QUESTIONS: tuple[Question, ...] = (
    Question("red_flags_1", ("saddle_numbness", "bladder_bowel")),
    Question("red_flags_2", ("legs_give_way", "worsening_weakness")),
    Question("walk_minutes", ("walk_minutes",), kind="minutes"),
    Question("bend_relief", ("bend_relief",)),
    Question("stand_relief", ("stand_relief",), applies=lambda a: a.get("bend_relief") != "yes"),
    Question("lean_easier", ("lean_easier",)),
    Question("distance_shorter", ("distance_shorter",)),
    Question("foot_weakness", ("foot_weakness",)),
    Question("treatment_not_helping", ("treatment_not_helping",)),
)
BY_KEY = {q.key: q for q in QUESTIONS}


def next_question(answers: dict[str, Any], asked: list[str]) -> Question | None:
    """The first question not yet asked whose answers are not already known."""
    for q in QUESTIONS:
        if q.key in asked or not q.applies(answers):
            continue
        if all(answers.get(f) is not None for f in q.fields):
            continue
        return q
    return None
