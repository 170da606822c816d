"""The shared rule module: Answers -> Assessment. Pure: no Alexa, Flask or storage imports.

The vocabulary (answer values, urgency levels, red-flag fields) loads at once; the pydantic models
and the engine load on first use, so a Lambda launch that asks nothing yet does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skill.rules.vocabulary import RED_FLAGS, UNLIMITED, Pattern, Reply, Urgency

if TYPE_CHECKING:
    from skill.rules.engine import assess, evaluate, result_speech
    from skill.rules.models import Answers, Assessment
    from skill.rules.speech import ResultSpeech, clinician_summary
    from skill.rules.table import RULES, Rule, pattern_of, rules_markdown

_LAZY = {
    "assess": "engine",
    "evaluate": "engine",
    "result_speech": "engine",
    "Answers": "models",
    "Assessment": "models",
    "ResultSpeech": "speech",
    "clinician_summary": "speech",
    "RULES": "table",
    "Rule": "table",
    "pattern_of": "table",
    "rules_markdown": "table",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "RED_FLAGS",
    "RULES",
    "UNLIMITED",
    "Answers",
    "Assessment",
    "Pattern",
    "Reply",
    "ResultSpeech",
    "Rule",
    "Urgency",
    "assess",
    "clinician_summary",
    "evaluate",
    "pattern_of",
    "result_speech",
    "rules_markdown",
]
