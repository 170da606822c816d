"""The rule module against the contract's rule table: vignettes, an independent oracle, invariants."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.locale import LOCALES, strings
from skill.rules import RED_FLAGS, RULES, Answers, Reply, assess, evaluate, rules_markdown
from tests.vignettes import public_vignettes

REPLY_FIELDS = [f for f in Answers.model_fields if f != "walk_minutes"]
LEVELS = ["self_care", "routine", "soon", "urgent", "emergency"]

replies = st.sampled_from([None, "yes", "no", "unsure"])
minutes = st.one_of(
    st.none(),
    st.just("unlimited"),
    st.sampled_from([0, 0.5, 9, 9.99, 10, 10.01, 15, 30, 600]),
    st.floats(min_value=0, max_value=10_000, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=10_000),
)
answers_dicts = st.fixed_dictionaries(
    {}, optional={**{f: replies for f in REPLY_FIELDS}, "walk_minutes": minutes}
)


def oracle(a: dict[str, Any]) -> tuple[str, str, list[str]]:
    """DESIGN.md's rule table, written out a second time in the plainest possible way."""
    get = a.get
    wm = get("walk_minutes")
    finite = wm is not None and wm != "unlimited"
    if wm == "unlimited" and get("bend_relief") != "yes" and get("lean_easier") != "yes":
        pattern = "none"
    elif get("bend_relief") == "yes" or (get("lean_easier") == "yes" and get("bend_relief") != "no"):
        pattern = "neurogenic"
    elif get("bend_relief") == "no" and get("stand_relief") == "yes":
        pattern = "vascular"
    else:
        pattern = "unclear"
    fired = []
    if any(get(f) == "yes" for f in RED_FLAGS):
        fired.append(("RF1", "emergency"))
    if any(get(f) == "unsure" for f in RED_FLAGS):
        fired.append(("RF2", "urgent"))
    if get("foot_weakness") == "yes":
        fired.append(("N1", "urgent"))
    if get("distance_shorter") == "yes":
        fired.append(("F1", "soon"))
    if finite and wm < 10:
        fired.append(("F2", "soon"))
    if pattern == "vascular":
        fired.append(("V1", "soon"))
    if get("treatment_not_helping") == "yes":
        fired.append(("T1", "soon"))
    if finite or get("bend_relief") == "yes" or get("lean_easier") == "yes":
        fired.append(("S1", "routine"))
    if not fired and wm == "unlimited":
        fired.append(("S0", "self_care"))
    if not fired:
        fired.append(("U0", "routine"))
    urgency = max((u for _, u in fired), key=LEVELS.index)
    return urgency, pattern, [r for r, _ in fired]


@pytest.mark.parametrize("case", public_vignettes())
def test_public_vignette(case: dict[str, Any]) -> None:
    result = assess(Answers.model_validate(case["answers"]))
    assert (result.urgency, result.pattern) == (case["expect"]["urgency"], case["expect"]["pattern"])


@settings(max_examples=3000)
@given(answers_dicts)
def test_matches_the_rule_table(a: dict[str, Any]) -> None:
    result = assess(Answers.model_validate(a))
    assert (result.urgency, result.pattern, result.reasons) == oracle(a)
    assert result.unanswered == [f for f in Answers.model_fields if f not in a or a[f] is None]


@given(answers_dicts, st.sampled_from(RED_FLAGS))
def test_any_red_flag_yes_is_an_emergency(a: dict[str, Any], flag: str) -> None:
    assert assess(Answers.model_validate({**a, flag: "yes"})).urgency == "emergency"


@given(answers_dicts, st.sampled_from(RED_FLAGS))
def test_an_unsure_red_flag_is_never_below_urgent(a: dict[str, Any], flag: str) -> None:
    urgency = assess(Answers.model_validate({**a, flag: "unsure"})).urgency
    assert LEVELS.index(urgency) >= LEVELS.index("urgent")


@given(answers_dicts, st.sampled_from(REPLY_FIELDS))
def test_adding_a_yes_never_lowers_the_urgency(a: dict[str, Any], field: str) -> None:
    """A question not yet answered (or answered unsure) that becomes yes can only raise urgency."""
    if a.get(field) not in (None, "unsure"):
        a = {**a, field: None}
    before, _, _ = evaluate(Answers.model_validate(a))
    after, _, _ = evaluate(Answers.model_validate({**a, field: "yes"}))
    assert after >= before


def test_changing_bend_relief_from_no_to_yes_can_lower_urgency() -> None:
    """Documented property of the contract: relief from bending turns a vascular pattern (V1, soon)
    into a neurogenic one (S1, routine). Kept visible so a change to the table is a deliberate one."""
    base = {"walk_minutes": 30, "bend_relief": "no", "stand_relief": "yes"}
    assert assess(Answers.model_validate(base)).urgency == "soon"
    assert assess(Answers.model_validate({**base, "bend_relief": "yes"})).urgency == "routine"


@pytest.mark.parametrize(
    ("walk", "expected"),
    [(0, "soon"), (9, "soon"), (9.99, "soon"), (10, "routine"), (10.0, "routine"), (45, "routine")],
)
def test_ten_minute_boundary(walk: float, expected: str) -> None:
    assert assess(Answers(walk_minutes=walk)).urgency == expected


def test_unlimited_walking_with_nothing_else_is_self_care() -> None:
    result = assess(Answers(walk_minutes="unlimited"))
    assert (result.urgency, result.pattern, result.reasons) == ("self_care", "none", ["S0"])


def test_nothing_decisive_says_so() -> None:
    result = assess(Answers(distance_shorter=Reply.NO))
    assert result.reasons == ["U0"]
    assert "not enough to tell" in result.speech


@pytest.mark.parametrize(
    "bad",
    [
        {"walk_minutes": -1},
        {"walk_minutes": "10"},
        {"walk_minutes": True},
        {"walk_minutes": float("nan")},
        {"walk_minutes": float("inf")},
        {"walk_minutes": "forever"},
        {"bend_relief": "maybe"},
        {"bend_relief": True},
        {"colour": "blue"},
    ],
)
def test_wrong_values_and_unknown_fields_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Answers.model_validate(bad)


def test_every_rule_cites_a_source_and_the_table_lists_them_all() -> None:
    table = rules_markdown()
    assert [r.id for r in RULES] == ["RF1", "RF2", "N1", "F1", "F2", "V1", "T1", "S1", "S0", "U0"]
    for rule in RULES:
        assert rule.source.strip()
        assert re.search(
            rf"^\| {rule.id} \|.*\| {rule.urgency.label} \| {re.escape(rule.source)} \|$", table, re.M
        )


# Speech ---------------------------------------------------------------------------------------------

REASSURING = re.compile(r"nothing (in these answers )?needs|nothing to worry|no need|don't worry|fine", re.I)
DIGITS = re.compile(r"\d+")


@settings(max_examples=1500)
@given(answers_dicts, st.sampled_from(LOCALES), st.booleans())
def test_speech_opens_with_its_urgency_sentence(a: dict[str, Any], locale: str, caregiver: bool) -> None:
    s = strings(locale)
    result = assess(Answers.model_validate(a), locale, caregiver=caregiver)
    first = s.text(f"result.urgency.{result.urgency}", caregiver=caregiver)
    assert result.speech.startswith(first)
    if result.urgency == "emergency":
        first_sentence = result.speech.split(". ")[0]
        assert s.emergency_number in first_sentence
        assert "emergency" in first_sentence.lower() or "A and E" in first_sentence
    red_flag = any(a.get(f) in ("yes", "unsure") for f in RED_FLAGS)
    if red_flag:
        assert not REASSURING.search(result.speech)
    # Numbers as words: the only digits spoken are the emergency number.
    assert set(DIGITS.findall(result.speech)) <= {s.emergency_number}
    # "diagnosis" only to say the skill cannot give one.
    assert result.speech.count("diagnosis") == result.speech.count("cannot give a diagnosis") == 1


@pytest.mark.parametrize(
    ("locale", "number"),
    [("en-US", "911"), ("en-GB", "999"), ("en-CA", "911"), ("en-AU", "000"), ("en-IN", "112")],
)
def test_emergency_uses_the_locale_number(locale: str, number: str) -> None:
    speech = assess(Answers(saddle_numbness=Reply.YES), locale).speech
    assert f"call {number}" in speech.split(". ")[0]


def test_neurogenic_speech_carries_the_articles_points() -> None:
    speech = assess(Answers(walk_minutes=20, bend_relief=Reply.YES)).speech
    for point in ("hallway", "map", "ground", "walking exercise"):
        assert point in speech


def test_emergency_speech_holds_no_exercise_advice() -> None:
    speech = assess(Answers(legs_give_way=Reply.YES, walk_minutes=20, bend_relief=Reply.YES)).speech
    assert "walking exercise" not in speech and "Keep walking" not in speech
    assert "Do not drive" in speech


def test_sentences_are_short() -> None:
    for a in (
        {},
        {"saddle_numbness": "yes"},
        {"walk_minutes": 5, "bend_relief": "yes", "foot_weakness": "yes"},
    ):
        for sentence in re.split(r"(?<=[.?!])\s+", assess(Answers.model_validate(a)).speech):
            assert len(sentence.split()) <= 25, sentence
