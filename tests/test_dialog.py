"""Whole conversations through the real SkillBuilder with Alexa request envelopes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.dialog.handlers import INTENTS
from skill.dialog.questions import BY_KEY
from skill.rules import RED_FLAGS, Answers, assess
from tests.vignettes import public_vignettes
from tests.voice import Voice, urgency_of

RED_PAIRS = {
    "red_flags_1": ("saddle_numbness", "bladder_bowel"),
    "red_flags_2": ("legs_give_way", "worsening_weakness"),
}


def answer_by_voice(v: Voice, answers: dict[str, Any]) -> str:
    """Answer whatever the skill asks from ``answers``, as a user would; returns the final speech.

    A red-flag question covers two answers: yes if either is yes, else not sure if either is, else no.
    A question with no answer given gets "no" for red flags (changes no rule) and "I'm not sure" otherwise.
    """
    speech = v.launch()
    speech = v.for_whom("self")
    while v.state.get("stage") == "question":
        key = v.state["question"]
        if key in RED_PAIRS:
            values = [answers.get(f) for f in RED_PAIRS[key]]
            value = "yes" if "yes" in values else "unsure" if "unsure" in values else "no"
        else:
            value = answers.get(key, "unsure")
        if key == "walk_minutes" and value not in ("unsure", None):
            speech = v.amount("no limit", "unlimited") if value == "unlimited" else v.minutes(value)
        else:
            speech = {"yes": v.yes, "no": v.no, "unsure": v.unsure}[value or "unsure"]()
    return speech


@pytest.mark.parametrize("case", public_vignettes())
def test_public_vignette_by_voice(case: dict[str, Any]) -> None:
    v = Voice()
    speech = answer_by_voice(v, case["answers"])
    assert urgency_of(speech) == case["expect"]["urgency"], speech
    assert v.turns <= 12
    assert v.card is not None and v.card["title"] == "Walking Check"


voice_answers = st.fixed_dictionaries(
    {},
    optional={
        **{f: st.sampled_from(["yes", "no", "unsure"]) for f in Answers.model_fields if f != "walk_minutes"},
        "walk_minutes": st.sampled_from([0, 3, 9, 10, 15, 25, 45, 90, "unlimited"]),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(voice_answers)
def test_voice_result_matches_the_rule_module(answers: dict[str, Any]) -> None:
    v = Voice()
    speech = answer_by_voice(v, answers)
    heard = Answers.model_validate(v.state["answers"])
    assert urgency_of(speech) == assess(heard).urgency
    # Red flags as the voice collects them (pairs) never give a lower urgency than the answers given.
    if any(answers.get(f) == "yes" for f in RED_FLAGS):
        assert urgency_of(speech) == "emergency"
        assert speech.startswith("Go to a hospital emergency department now")
    assert v.turns <= 12


def test_full_check_turns_and_no_repeated_question() -> None:
    v = Voice()
    v.launch()
    asked = []
    v.for_whom("self")
    for step in (v.no, v.no, lambda: v.minutes(20), v.no, v.yes, v.yes, v.no, v.no, v.no):
        asked.append(v.state.get("question"))
        step()
    assert len(set(asked)) == len(asked)
    assert v.state["stage"] == "result"
    assert v.turns == 11
    assert urgency_of(v.last["response"]["outputSpeech"]["ssml"].replace("<speak>", "").split(">", 1)[1]) in (
        "soon",
    )


def test_red_flag_yes_ends_the_questions_with_emergency_first() -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    speech = v.yes()
    assert speech.startswith("Go to a hospital emergency department now, or use your phone to call 911")
    ssml = v.last["response"]["outputSpeech"]["ssml"]
    assert ssml.startswith("<speak>Go to a hospital")  # not slowed, nothing before it
    assert "Keep walking" not in speech and "walking exercise" not in speech
    assert v.state["stage"] == "emergency"


@pytest.mark.parametrize("stage_steps", range(0, 12))
@pytest.mark.parametrize(
    "symptom", ["bladder_bowel", "legs_give_way", "saddle_numbness", "worsening_weakness"]
)
def test_emergency_interrupt_wins_from_every_state(stage_steps: int, symptom: str) -> None:
    v = Voice()
    v.launch()
    steps = [
        lambda: v.for_whom("mother"),
        v.no,
        v.no,
        lambda: v.minutes(12),
        v.no,
        v.yes,
        v.yes,
        v.no,
        v.no,
        v.no,
        v.no,
    ]
    for step in steps[:stage_steps]:
        step()
    speech = v.emergency(symptom)
    assert urgency_of(speech, caregiver=v.state.get("caregiver", False)) == "emergency", speech
    assert "911" in speech.split(".")[0]


@pytest.mark.parametrize("symptom", ["fall", "chest_pain"])
def test_other_emergencies_tell_them_to_call(symptom: str) -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    speech = v.emergency(symptom)
    assert speech.startswith("Use your phone to call 911 now")
    assert "I'll call" not in speech


def test_caregiver_wording_everywhere() -> None:
    v = Voice()
    v.launch()
    prompts = [v.for_whom("mother")]
    for step in (v.no, v.no, lambda: v.minutes(8), v.no, v.yes, v.no, v.no, v.no, v.no):
        prompts.append(step())
    questions = [p for p in prompts[:-1]]
    for q in questions:
        assert " they " in f" {q} " or " their " in f" {q} ", q
        assert "Do you " not in q and " your " not in q.replace("your mother", ""), q
    assert prompts[-1].startswith("Book them a visit")


def test_one_shot_for_my_mother_skips_the_who_question() -> None:
    v = Voice()
    speech = v.intent("StartCheckIntent", person=("my mother", "mother", "PersonType"))
    assert "your mother" in speech and "cannot diagnose" in speech.replace("can't", "cannot")
    assert v.state["question"] == "red_flags_1" and v.state["caregiver"] is True


@pytest.mark.parametrize(
    ("spoken", "value_id", "expected"),
    [
        ("a quarter of an hour", "15", 15),
        ("half an hour", "30", 30),
        ("no limit", "unlimited", "unlimited"),
        ("can't walk at all", "0", 0),
    ],
)
def test_walking_time_phrases(spoken: str, value_id: str, expected: Any) -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    v.no()
    v.no()
    v.amount(spoken, value_id)
    assert v.state["answers"]["walk_minutes"] == expected
    assert v.state["question"] == "bend_relief"


@pytest.mark.parametrize("raw", ["twenty", "20", "7"])
def test_minutes_as_words_or_digits(raw: str) -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    v.no()
    v.no()
    v.intent("WalkTimeIntent", minutes=raw)
    assert v.state["answers"]["walk_minutes"] in (20, 7)


@pytest.mark.parametrize("raw", ["-5", "?", "a lot", "99999999", "nan"])
def test_absurd_minutes_are_asked_again(raw: str) -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    v.no()
    v.no()
    speech = v.intent("WalkTimeIntent", minutes=raw)
    assert v.state["question"] == "walk_minutes" and "walk_minutes" not in v.state["answers"]
    assert "minutes" in speech


def test_stand_still_follow_up_only_when_bending_does_not_help() -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    v.no()
    v.no()
    v.minutes(15)
    v.no()
    assert v.state["question"] == "stand_relief"
    v.intent("AMAZON.PreviousIntent")
    v.yes()
    assert v.state["question"] == "lean_easier"


def test_go_back_repeat_help_start_over() -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    v.no()
    assert v.state["question"] == "red_flags_2"
    speech = v.intent("AMAZON.PreviousIntent")
    assert v.state["question"] == "red_flags_1" and "saddle_numbness" not in v.state["answers"]
    assert "bottom" in speech
    again = v.intent("AMAZON.RepeatIntent")
    assert "bottom" in again
    helped = v.intent("AMAZON.HelpIntent")
    assert "yes, no, or I'm not sure" in helped
    v.no()
    v.no()
    v.intent("AMAZON.StartOverIntent")
    assert v.state["question"] == "red_flags_1" and v.state["answers"] == {}


def test_reprompts_rephrase_and_list_answers() -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    for key in ("red_flags_1", "red_flags_2", "walk_minutes"):
        assert v.state["question"] == key
        question = v.last["response"]["outputSpeech"]["ssml"]
        assert v.reprompt not in question
        assert "I'm not sure" in v.reprompt
        (v.minutes(30) if key == "walk_minutes" else v.no())
    assert BY_KEY["walk_minutes"].kind == "minutes"


def test_faq_mid_check_resumes_where_it_was() -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    v.no()
    speech = v.intent("FaqIntent", topic=("bending forward", "bending", "FaqTopicType"))
    assert "hallway" in speech and speech.rstrip().endswith("getting worse?")
    assert v.state["question"] == "red_flags_2"


def test_stop_ends_and_says_goodbye() -> None:
    v = Voice()
    v.launch()
    speech = v.intent("AMAZON.StopIntent")
    assert "Goodbye" in speech and v.ended


def test_tampered_session_attributes_start_afresh() -> None:
    v = Voice()
    v.launch()
    v.session.attributes = {"v": 99, "stage": "nonsense", "answers": {"walk_minutes": -4}}
    speech = v.yes()
    assert speech
    assert v.last["response"]["outputSpeech"]["type"] == "SSML"


STAGE_SETUPS = {
    "for_whom": [],
    "question": ["for"],
    "walk": ["for", "no", "no"],
    "result": ["for", "no", "no", "m", "yes", "yes", "no", "no", "no"],
    "emergency": ["for", "yes"],
}


@pytest.mark.parametrize("stage", list(STAGE_SETUPS))
@pytest.mark.parametrize("intent", [*INTENTS, "SomeUnknownIntent", "AMAZON.PauseIntent"])
def test_every_state_and_intent_gets_a_spoken_reply(
    stage: str, intent: str, caplog: pytest.LogCaptureFixture
) -> None:
    v = Voice()
    v.launch()
    moves = {"for": lambda: v.for_whom("self"), "no": v.no, "yes": v.yes, "m": lambda: v.minutes(20)}
    for step in STAGE_SETUPS[stage]:
        moves[step]()
    with caplog.at_level(logging.ERROR):
        speech = v.intent(intent)
    assert speech.strip()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_session_ended_request_gets_an_empty_response() -> None:
    v = Voice()
    v.launch()
    v.send(v.session.ended())
    assert "outputSpeech" not in (v.last.get("response") or {}) or not v.last["response"].get("outputSpeech")


def test_not_sure_after_the_result_means_no_repeat() -> None:
    v = Voice()
    v.launch()
    v.for_whom("self")
    for step in (v.no, v.no, lambda: v.minutes(20), v.yes, v.no, v.no, v.no, v.no):
        step()
    assert v.state["stage"] == "result"
    speech = v.unsure()
    assert "Goodbye" in speech and v.ended  # no diary configured: nothing more to ask


def test_not_sure_about_deleting_keeps_the_diary() -> None:
    from skill.persistence import open_store

    store = open_store("memory:")
    v = Voice(store=store)
    v.intent("DeleteDataIntent")
    assert v.state["stage"] == "delete_confirm"
    assert "kept it" in v.unsure()
