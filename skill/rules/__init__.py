"""The shared rule module: Answers -> Assessment. Pure: no Alexa, Flask or storage imports."""

from skill.rules.engine import assess, evaluate, result_speech
from skill.rules.models import RED_FLAGS, UNLIMITED, Answers, Assessment, Pattern, Reply, Urgency
from skill.rules.speech import ResultSpeech, clinician_summary
from skill.rules.table import RULES, Rule, pattern_of, rules_markdown

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
