"""Answers -> Assessment: urgency is the highest level any fired rule gives."""

from __future__ import annotations

from skill.locale import DEFAULT_LOCALE, strings
from skill.rules.models import Answers, Assessment
from skill.rules.speech import ResultSpeech, clinician_summary, compose
from skill.rules.table import fired_rules
from skill.rules.vocabulary import Pattern, Urgency


def evaluate(a: Answers) -> tuple[Urgency, Pattern, list[str]]:
    pattern, fired = fired_rules(a)
    # U0 always fires when nothing else does, so ``fired`` is never empty.
    return max(r.urgency for r in fired), pattern, [r.id for r in fired]


def result_speech(a: Answers, locale: str = DEFAULT_LOCALE, *, caregiver: bool = False) -> ResultSpeech:
    urgency, pattern, reasons = evaluate(a)
    return compose(strings(locale), a, urgency, pattern, reasons, caregiver=caregiver)


def assess(a: Answers, locale: str = DEFAULT_LOCALE, *, caregiver: bool = False) -> Assessment:
    s = strings(locale)
    urgency, pattern, reasons = evaluate(a)
    return Assessment(
        urgency=urgency.label,
        pattern=pattern.value,
        reasons=reasons,
        speech=compose(s, a, urgency, pattern, reasons, caregiver=caregiver).plain(),
        clinician_summary=clinician_summary(s, a),
        unanswered=a.unanswered(),
    )
