"""Turns fired rules into what the skill says, in the order safety needs.

The urgency sentence always comes first; for an emergency nothing reassuring follows it (no pattern
explanation about exercise, no "watch for" advice), only the reason, how to travel, what to tell the
staff, and the disclaimer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skill.locale import Strings
from skill.locale.numbers import minutes_in_words
from skill.rules.models import Answers
from skill.rules.vocabulary import UNLIMITED, Pattern, Reply, Urgency

# Answers worth saying aloud to the doctor; plain "no" answers go only to the card.
_SPOKEN_VALUES = (Reply.YES, Reply.UNSURE)


@dataclass
class ResultSpeech:
    """Sentence groups; the dialog puts pauses between groups and keeps the first one unslowed."""

    urgency: list[str]
    explanation: list[str] = field(default_factory=list)
    tell: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)

    def groups(self) -> list[list[str]]:
        return [g for g in (self.urgency, self.explanation, self.tell, self.closing) if g]

    def plain(self) -> str:
        return " ".join(s for g in self.groups() for s in g)


def summary_line(s: Strings, name: str, value: object) -> str:
    if name == "walk_minutes":
        if value == UNLIMITED:
            return s.text("summary.walk_minutes.unlimited")
        assert isinstance(value, float | int)
        if value == 0:
            return s.text("summary.walk_minutes.zero")
        return s.text("summary.walk_minutes.limited", minutes=minutes_in_words(value))
    assert isinstance(value, Reply)
    return s.text(f"summary.{name}.{value.value}")


def clinician_summary(s: Strings, a: Answers) -> list[str]:
    return [summary_line(s, name, v) for name in type(a).model_fields if (v := getattr(a, name)) is not None]


def _spoken_points(s: Strings, a: Answers) -> list[str]:
    points = []
    for name in type(a).model_fields:
        value = getattr(a, name)
        if value is None or (isinstance(value, Reply) and value not in _SPOKEN_VALUES):
            continue
        points.append(summary_line(s, name, value))
    return points


def compose(
    s: Strings, a: Answers, urgency: Urgency, pattern: Pattern, reasons: list[str], *, caregiver: bool = False
) -> ResultSpeech:
    def t(key: str) -> str:
        return s.text(key, caregiver=caregiver)

    out = ResultSpeech(urgency=[t(f"result.urgency.{urgency.label}")])
    if urgency is Urgency.EMERGENCY:
        out.urgency += [t("result.emergency_reason"), t("result.emergency_transport")]
    else:
        out.explanation += [t(f"result.reasons.{r}") for r in reasons if r in s.raw("result.reasons")]
        out.explanation += s.lines(f"result.pattern.{pattern.value}")
        if urgency <= Urgency.ROUTINE:
            out.explanation.append(t("result.watch_for"))
    points = _spoken_points(s, a)
    if points:
        intro = "result.tell_intro_emergency" if urgency is Urgency.EMERGENCY else "result.tell_intro"
        out.tell = [t(intro), *points]
    out.closing = [t("result.not_diagnosis"), t("result.closing")]
    return out
