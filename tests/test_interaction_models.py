"""The committed interaction models follow Alexa's rules and the intent and slot contract.

The rules are those the ASK build and certification enforce (invocation name,
sample utterance characters, uniqueness, slot declarations), checked here so a
broken model fails in CI rather than in the developer console.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from skill.nlu import Resolver
from skill.nlu_models import (
    LOCALES,
    REQUIRED_BUILTINS,
    ModelSourceError,
    build_model,
    expand,
    model_path,
    render,
    sample_key,
)

# docs/architecture.md, "Interaction model contract": intent -> slot -> type.
CONTRACT_INTENTS: dict[str, dict[str, str]] = {
    "ForWhomIntent": {"person": "PersonType"},
    "StartCheckIntent": {"person": "PersonType"},
    "UnsureIntent": {},
    "WalkTimeIntent": {"minutes": "AMAZON.NUMBER", "unit": "TimeUnitType", "amount": "WalkAmountType"},
    "EmergencyIntent": {"symptom": "EmergencySymptomType"},
    "FaqIntent": {"topic": "FaqTopicType"},
    "LogWalkIntent": {"minutes": "AMAZON.NUMBER", "unit": "TimeUnitType", "amount": "WalkAmountType"},
    "DiaryTrendIntent": {},
    "DeleteDataIntent": {},
}
CONTRACT_IDS: dict[str, set[str]] = {
    "PersonType": {"self", "mother", "father", "wife", "husband", "partner", "parent", "friend", "someone"},
    "TimeUnitType": {"minute", "hour"},
    "WalkAmountType": {"0", "5", "15", "30", "45", "60", "90", "unlimited"},
    "EmergencySymptomType": {
        "saddle_numbness",
        "bladder_bowel",
        "legs_give_way",
        "worsening_weakness",
        "fall",
        "chest_pain",
        "other",
    },
    "FaqTopicType": {"bending", "mri", "injections", "keyhole", "always_stenosis"},
}
# Intents whose samples Alexa supplies and that take none (or only its own).
NO_SAMPLE_BUILTINS = {"AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent"}
# Launch phrases, wake words and words Alexa reserves; none may be in an invocation name.
FORBIDDEN_INVOCATION_WORDS = {
    "alexa", "amazon", "echo", "computer", "ziggy", "skill", "app", "ask", "begin", "launch",
    "load", "open", "play", "resume", "run", "start", "tell", "use", "enable", "talk", "can",
    "by", "from", "in", "using", "with", "to", "about", "for", "that", "this", "if", "and", "whether",
}  # fmt: skip
TWO_WORD_ARTICLES = {"the", "a", "an", "for", "to", "of"}
MAX_SAMPLE_CHARS = 200
MAX_SLOT_VALUE_CHARS = 140
# Letters, spaces, possessive/contraction apostrophes, abbreviation periods ("E. R."), {slots}.
SAMPLE_RE = re.compile(
    r"^(?:[A-Za-z]+(?:'[A-Za-z]+)?|[A-Za-z]\.|\{[A-Za-z_]+\})(?: (?:[A-Za-z]+(?:'[A-Za-z]+)?|[A-Za-z]\.|\{[A-Za-z_]+\}))*$"
)
VALUE_RE = re.compile(
    r"^(?:[A-Za-z]+(?:'[A-Za-z]+)?|[A-Za-z]\.)(?: (?:[A-Za-z]+(?:'[A-Za-z]+)?|[A-Za-z]\.))*$"
)
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z_]*$")
SLOT_REF_RE = re.compile(r"\{([^}]*)\}")


@cache
def _committed(locale: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(model_path(locale).read_text(encoding="utf-8"))
    return data


def _lm(locale: str) -> dict[str, Any]:
    lm: dict[str, Any] = _committed(locale)["interactionModel"]["languageModel"]
    return lm


def _intents(locale: str) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in _lm(locale)["intents"]}


def _types(locale: str) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in _lm(locale).get("types", [])}


locales = pytest.mark.parametrize("locale", LOCALES)


@locales
def test_committed_model_is_the_generators_output(locale: str) -> None:
    # Edit interaction_models/src/ and run `python -m skill.nlu_models`, never the JSON by hand.
    assert model_path(locale).read_text(encoding="utf-8") == render(build_model(locale))


def test_no_stray_model_files() -> None:
    models_dir = model_path("en-US").parent
    assert sorted(p.name for p in models_dir.glob("*.json")) == sorted(f"{loc}.json" for loc in LOCALES)


@locales
def test_shape(locale: str) -> None:
    data = _committed(locale)
    assert set(data) == {"interactionModel"}
    assert set(data["interactionModel"]) == {"languageModel"}
    lm = _lm(locale)
    assert set(lm) == {"invocationName", "intents", "types"}
    for intent in lm["intents"]:
        assert set(intent) <= {"name", "slots", "samples"}
        assert isinstance(intent["samples"], list)
        for slot in intent.get("slots", []):
            assert set(slot) == {"name", "type"}
    for t in lm["types"]:
        assert set(t) == {"name", "values"}
        for v in t["values"]:
            assert set(v) == {"id", "name"} and set(v["name"]) <= {"value", "synonyms"}


@locales
def test_invocation_name(locale: str) -> None:
    name = _lm(locale)["invocationName"]
    assert name == "walking check"
    assert re.fullmatch(r"[a-z][a-z' .]*[a-z.]", name), "lower-case letters, spaces, apostrophes, periods"
    assert 2 <= len(name) <= 50
    words = name.split()
    assert len(words) >= 2, "one-word invocation names need brand proof"
    assert not FORBIDDEN_INVOCATION_WORDS & set(words)
    if len(words) == 2:
        assert not TWO_WORD_ARTICLES & set(words)


@locales
def test_intents_follow_the_contract(locale: str) -> None:
    intents = _intents(locale)
    assert set(intents) == set(CONTRACT_INTENTS) | set(REQUIRED_BUILTINS)
    for name, slots in CONTRACT_INTENTS.items():
        assert {s["name"]: s["type"] for s in intents[name].get("slots", [])} == slots, name
    for name in REQUIRED_BUILTINS:
        assert not intents[name].get("slots"), name
    for name in intents:
        assert name.startswith("AMAZON.") or NAME_RE.match(name), name


@locales
def test_slot_types_follow_the_contract(locale: str) -> None:
    types = _types(locale)
    assert set(types) == set(CONTRACT_IDS)
    for name, ids in CONTRACT_IDS.items():
        got = [v["id"] for v in types[name]["values"]]
        assert len(got) == len(set(got)), f"{name}: duplicate ids"
        assert set(got) == ids, name


@locales
def test_slot_values(locale: str) -> None:
    for t in _types(locale).values():
        assert NAME_RE.match(t["name"]) and not t["name"].startswith("AMAZON"), t["name"]
        phrases = Counter()
        for v in t["values"]:
            for phrase in [v["name"]["value"], *v["name"].get("synonyms", [])]:
                assert VALUE_RE.match(phrase), f"{t['name']}: {phrase!r}"
                assert len(phrase) <= MAX_SLOT_VALUE_CHARS
                phrases[sample_key(phrase)] += 1
        clashes = [p for p, n in phrases.items() if n > 1]
        assert not clashes, f"{t['name']}: one phrase, two values: {clashes}"


@locales
def test_sample_text(locale: str) -> None:
    bad = []
    for intent in _lm(locale)["intents"]:
        for sample in intent["samples"]:
            if not SAMPLE_RE.match(sample) or len(sample) > MAX_SAMPLE_CHARS:
                bad.append((intent["name"], sample))
    assert not bad, "samples: letters, spaces, apostrophes, abbreviation periods, {slot}; no digits"


@locales
def test_sample_slots_are_declared_used_once_and_exist(locale: str) -> None:
    types = _types(locale)
    for intent in _lm(locale)["intents"]:
        declared = {s["name"]: s["type"] for s in intent.get("slots", [])}
        used: set[str] = set()
        for sample in intent["samples"]:
            refs = SLOT_REF_RE.findall(sample)
            assert len(refs) == len(set(refs)), f"slot twice in {sample!r}"
            assert set(refs) <= set(declared), f"{intent['name']}: undeclared slot in {sample!r}"
            used.update(refs)
        assert used == set(declared), (
            f"{intent['name']}: declared slots never sampled: {set(declared) - used}"
        )
        for slot_type in declared.values():
            assert slot_type.startswith("AMAZON.") or slot_type in types, slot_type


@locales
def test_samples_unique_within_and_across_intents(locale: str) -> None:
    owners: dict[str, str] = {}
    for intent in _lm(locale)["intents"]:
        keys = [sample_key(s) for s in intent["samples"]]
        assert len(keys) == len(set(keys)), f"{intent['name']}: duplicate samples"
        for key in keys:
            assert key not in owners, f"{key!r} in {owners.get(key)} and {intent['name']}"
            owners[key] = intent["name"]


@locales
def test_every_custom_intent_has_broad_samples(locale: str) -> None:
    intents = _intents(locale)
    for name in CONTRACT_INTENTS:
        assert len(intents[name]["samples"]) >= 30, name
    for name in REQUIRED_BUILTINS:
        if name in NO_SAMPLE_BUILTINS:
            assert intents[name]["samples"] == [], name
    total = sum(len(i["samples"]) for i in intents.values())
    assert total < 5000
    assert len(model_path(locale).read_bytes()) < 500_000


@locales
def test_literal_samples_are_not_taken_by_another_intents_slot(locale: str) -> None:
    # A slot-only sample ("{amount}") whose values include "not at all" would steal NoIntent's
    # sample: Alexa flags that as a conflict, and the dialog would get the wrong intent.
    resolver = Resolver.from_locale(locale)
    clashes = []
    for intent in _lm(locale)["intents"]:
        for sample in intent["samples"]:
            if "{" in sample:
                continue
            others = {r.intent for r in resolver.matches(sample)} - {intent["name"]}
            if others:
                clashes.append((intent["name"], sample, sorted(others)))
    assert not clashes


@locales
def test_required_phrases(locale: str) -> None:
    # The phrases the design and the dialog rely on, each reaching the right intent.
    must = {
        "AMAZON.YesIntent": ["yes it does", "i think so", "yes please"],
        "AMAZON.NoIntent": ["no not really", "not at all"],
        "EmergencyIntent": ["i can't hold my water", "i can't control my bladder", "i wet myself",
                            "my legs just gave out", "my legs gave way", "i fell and can't get up",
                            "i fell", "chest pain", "numb down below", "i can't feel my bottom"],
        "FaqIntent": ["why does bending forward help", "my mri looks bad do i need surgery",
                      "do injections work", "is keyhole surgery better", "is it always stenosis"],
        "ForWhomIntent": ["it's for me", "for my mother", "i'm asking for my husband"],
        "StartCheckIntent": ["start a check", "check my walking"],
        "UnsureIntent": ["i'm not sure", "i don't know", "maybe", "sometimes", "hard to say"],
        "LogWalkIntent": ["log my walk twelve minutes"],
        "DiaryTrendIntent": ["how is my walking doing"],
        "DeleteDataIntent": ["delete my data"],
    }  # fmt: skip
    resolver = Resolver.from_locale(locale)
    for intent, phrases in must.items():
        for phrase in phrases:
            found = resolver.matches(phrase)
            assert found and found[0].intent == intent, (phrase, found[:1])


EMERGENCY_NUMBER = {
    "en-US": "nine one one",
    "en-CA": "nine one one",
    "en-GB": "nine nine nine",
    "en-AU": "triple zero",
    "en-IN": "one one two",
}


@locales
def test_locale_words(locale: str) -> None:
    samples = {sample_key(s) for i in _lm(locale)["intents"] for s in i["samples"]}
    assert f"call {EMERGENCY_NUMBER[locale]}" in samples
    mother = next(v for v in _types(locale)["PersonType"]["values"] if v["id"] == "mother")
    words = {sample_key(s) for s in [mother["name"]["value"], *mother["name"]["synonyms"]]}
    if locale in ("en-GB", "en-AU", "en-IN", "en-CA"):
        assert "mum" in words
    if locale in ("en-US", "en-CA"):
        assert "mom" in words
    if locale in ("en-GB", "en-AU", "en-IN"):
        assert any("trolley" in s for s in samples)
        assert any("physio" in s for s in samples)
    if locale == "en-GB":
        assert any("a. and e." in s for s in samples)
        symptoms = _types(locale)["EmergencySymptomType"]["values"]
        assert any("loo" in s.split() for v in symptoms for s in v["name"]["synonyms"])
    if locale == "en-US":
        assert not any({"trolley", "loo", "mum"} & set(s.split()) for s in samples)


def test_template_expansion() -> None:
    macros = {"who": ["I", "my <rel>"], "rel": ["mum", "dad"]}
    assert expand("(yes|) <who> (can|) walk {minutes}", macros) == [
        "yes I can walk {minutes}",
        "yes I walk {minutes}",
        "yes my mum can walk {minutes}",
        "yes my mum walk {minutes}",
        "yes my dad can walk {minutes}",
        "yes my dad walk {minutes}",
        "I can walk {minutes}",
        "I walk {minutes}",
        "my mum can walk {minutes}",
        "my mum walk {minutes}",
        "my dad can walk {minutes}",
        "my dad walk {minutes}",
    ]
    for broken in ("(a|b", "a)b", "<nope>", "<who"):
        with pytest.raises(ModelSourceError):
            expand(broken, macros)


def test_generator_refuses_cross_intent_duplicates(tmp_path: Path) -> None:
    src = model_path("en-US").parent / "src"
    base = json.loads((src / "base.json").read_text(encoding="utf-8"))
    base["intents"][0]["samples"].append("delete my data")
    (tmp_path / "base.json").write_text(json.dumps(base), encoding="utf-8")
    with pytest.raises(ModelSourceError, match="delete my data"):
        build_model("en-US", tmp_path)
