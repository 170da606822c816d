"""The rule table as data: each rule carries its id, condition, urgency and source.

The conditions read the answers and the derived pattern only; ``engine.assess`` applies them.
Order matters for ``S0`` and ``U0``, which fire only when nothing before them did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skill.rules.models import Answers
from skill.rules.vocabulary import RED_FLAGS, UNLIMITED, Pattern, Reply, Urgency


@dataclass(frozen=True)
class Facts:
    answers: Answers
    pattern: Pattern
    fired: Sequence[str]  # ids of the rules that fired before this one


@dataclass(frozen=True)
class Rule:
    id: str
    when: str  # the condition in plain words, for clinicians reviewing the table
    urgency: Urgency
    source: str
    condition: Callable[[Facts], bool]


def _any_red_flag(value: Reply) -> Callable[[Facts], bool]:
    return lambda f: any(getattr(f.answers, name) is value for name in RED_FLAGS)


def _is_yes(field: str) -> Callable[[Facts], bool]:
    return lambda f: getattr(f.answers, field) is Reply.YES


def _walk_under_ten(f: Facts) -> bool:
    m = f.answers.walk_minutes
    return isinstance(m, float) and m < 10


def _walking_clue(f: Facts) -> bool:
    a = f.answers
    return a.walk_limited or a.bend_relief is Reply.YES or a.lean_easier is Reply.YES


RULES: tuple[Rule, ...] = (
    Rule(
        "RF1",
        "`saddle_numbness`, `bladder_bowel`, `legs_give_way` or `worsening_weakness` is yes",
        Urgency.EMERGENCY,
        "Article §5 and FAQ (when to hurry): possible cauda equina syndrome",
        _any_red_flag(Reply.YES),
    ),
    Rule(
        "RF2",
        "any of those four red flags is unsure",
        Urgency.URGENT,
        "Cautious reading of article §5",
        _any_red_flag(Reply.UNSURE),
    ),
    Rule(
        "N1",
        "`foot_weakness` is yes",
        Urgency.URGENT,
        "Article §4 visit question 3; §5 (strength declining)",
        _is_yes("foot_weakness"),
    ),
    Rule(
        "F1",
        "`distance_shorter` is yes",
        Urgency.SOON,
        'Article FAQ "When should I hurry to seek medical evaluation"',
        _is_yes("distance_shorter"),
    ),
    Rule(
        "F2",
        "`walk_minutes` is less than 10",
        Urgency.SOON,
        "Article §3: function in daily life weighs more than imaging",
        _walk_under_ten,
    ),
    Rule(
        "V1",
        "pattern is vascular",
        Urgency.SOON,
        "Article §2 and FAQ: peripheral arterial disease (vascular claudication)",
        lambda f: f.pattern is Pattern.VASCULAR,
    ),
    Rule(
        "T1",
        "`treatment_not_helping` is yes",
        Urgency.SOON,
        "Article §4 and closing point 3",
        _is_yes("treatment_not_helping"),
    ),
    Rule(
        "S1",
        "any walking limit or posture clue: a finite `walk_minutes`, `bend_relief` yes or `lean_easier` yes",
        Urgency.ROUTINE,
        "Article §2: neurogenic claudication and the three self-checks",
        _walking_clue,
    ),
    Rule(
        "S0",
        "nothing above fired and `walk_minutes` is unlimited",
        Urgency.SELF_CARE,
        "Article closing: keep observing how long you can walk",
        lambda f: not f.fired and f.answers.walk_minutes == UNLIMITED,
    ),
    Rule(
        "U0",
        "nothing answered that decides anything (no rule above fired); the speech says the answers "
        "were not enough to tell",
        Urgency.ROUTINE,
        "Cautious default: an unclear picture is still worth raising at a check-up",
        lambda f: not f.fired,
    ),
)


def pattern_of(a: Answers) -> Pattern:
    """DESIGN.md "Pattern": posture relief points to nerves, relief by standing still to blood flow."""
    if a.walk_minutes == UNLIMITED and Reply.YES not in (a.bend_relief, a.lean_easier):
        return Pattern.NONE
    if a.bend_relief is Reply.YES or (a.lean_easier is Reply.YES and a.bend_relief is not Reply.NO):
        return Pattern.NEUROGENIC
    if a.bend_relief is Reply.NO and a.stand_relief is Reply.YES:
        return Pattern.VASCULAR
    return Pattern.UNCLEAR


def fired_rules(a: Answers) -> tuple[Pattern, list[Rule]]:
    pattern = pattern_of(a)
    fired: list[Rule] = []
    for rule in RULES:
        if rule.condition(Facts(a, pattern, [r.id for r in fired])):
            fired.append(rule)
    return pattern, fired


def rules_markdown() -> str:
    lines = ["| id | when | urgency | source |", "|---|---|---|---|"]
    lines += [f"| {r.id} | {r.when} | {r.urgency.label} | {r.source} |" for r in RULES]
    return "\n".join(lines) + "\n"
