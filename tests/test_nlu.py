"""The chat resolver understands what people really say, from the interaction models alone.

Example sentences live in ``nlu_examples.json`` (sentence -> intent and slot ids,
per locale where speech differs), so adding a phrasing needs no code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill.nlu import FALLBACK, Resolution, Resolver, normalize, words_to_number
from skill.nlu_models import LOCALES

EXAMPLES_FILE = Path(__file__).with_name("nlu_examples.json")
EXAMPLES: list[dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))["examples"]


def _cases() -> list[Any]:
    cases = []
    for locale in LOCALES:
        for ex in EXAMPLES:
            if locale in ex.get("locales", LOCALES):
                cases.append(pytest.param(locale, ex, id=f"{locale}:{ex['text'] or '<empty>'}"))
    return cases


def _slot_ids(res: Resolution) -> dict[str, str]:
    return {name: value for name in res.slots if (value := res.slot_id(name)) is not None}


@pytest.mark.parametrize(("locale", "example"), _cases())
def test_example_sentence(locale: str, example: dict[str, Any]) -> None:
    res = Resolver.from_locale(locale).resolve(example["text"])
    assert (res.request_type, res.intent, _slot_ids(res)) == (
        example.get("request_type", "IntentRequest"),
        example["intent"],
        example.get("slots", {}),
    ), f"matched sample: {res.sample!r}"


def test_examples_file_is_broad() -> None:
    assert len(EXAMPLES) >= 120
    texts = [normalize(ex["text"]) for ex in EXAMPLES]
    assert len(texts) == len(set(texts)), "duplicate example sentences"
    for ex in EXAMPLES:
        assert set(ex) <= {"text", "intent", "slots", "locales", "request_type"}, ex
        assert set(ex.get("locales", LOCALES)) <= set(LOCALES), ex


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_has_examples_in_every_locale(locale: str) -> None:
    resolver = Resolver.from_locale(locale)
    covered = {ex["intent"] for ex in EXAMPLES if locale in ex.get("locales", LOCALES)}
    assert set(resolver.intents) <= covered


@pytest.mark.parametrize("locale", LOCALES)
def test_examples_need_filler_tolerance_too(locale: str) -> None:
    # At least some examples must be outside the samples, or the tolerance is untested.
    resolver = Resolver.from_locale(locale)
    outside = [
        ex["text"]
        for ex in EXAMPLES
        if ex["intent"] != FALLBACK
        and locale in ex.get("locales", LOCALES)
        and ex["text"]
        and not resolver.matches(ex["text"])
    ]
    assert len(outside) >= 20


def test_custom_slot_is_shaped_like_alexa() -> None:
    res = Resolver.from_locale("en-US").resolve("for my mom")
    assert res.slots["person"] == {
        "name": "person",
        "value": "mom",
        "confirmationStatus": "NONE",
        "resolutions": {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{Resolver.from_locale('en-US').skill_id}.PersonType",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": "mother", "id": "mother"}}],
                }
            ]
        },
    }


def test_number_slot_is_digits_and_unfilled_slots_are_present() -> None:
    res = Resolver.from_locale("en-GB").resolve("about twenty five mins please")
    assert res.intent == "WalkTimeIntent"
    assert res.slots["minutes"] == {"name": "minutes", "value": "25", "confirmationStatus": "NONE"}
    assert (
        res.slots["unit"]["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"]["id"] == "minute"
    )
    # Alexa sends every declared slot; an unfilled one has no value.
    assert res.slots["amount"] == {"name": "amount", "confirmationStatus": "NONE"}


def test_longest_slot_value_wins() -> None:
    res = Resolver.from_locale("en-US").resolve("an hour and a half")
    assert res.slot_id("amount") == "90"


def test_resolution_is_deterministic() -> None:
    resolver = Resolver.from_locale("en-AU")
    first = [resolver.resolve(ex["text"]) for ex in EXAMPLES]
    again = [resolver.resolve(ex["text"]) for ex in EXAMPLES]
    assert first == again


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("15", 15),
        ("five", 5),
        ("twenty five", 25),
        ("a hundred", 100),
        ("one hundred and twenty", 120),
        ("two thousand", 2000),
        ("ninety nine", 99),
        ("minutes", None),
        ("", None),
    ],
)
def test_words_to_number(text: str, number: int | None) -> None:
    assert words_to_number(text) == number


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Um, ABOUT  ten?!", "um about ten"),
        ("I’m not sure", "i'm not sure"),
        ("A&E", "a and e"),
        ("my M. R. I.", "my mri"),
        ("an x-ray", "an x ray"),
        ("'yes'", "yes"),
    ],
)
def test_normalize(text: str, normal: str) -> None:
    assert normalize(text) == normal


def test_unknown_locale_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no interaction model"):
        Resolver.from_locale("fr-FR")


def test_import_is_light() -> None:
    # chat starts fast: importing the resolver loads no model and nothing outside the stdlib.
    code = (
        "import sys, skill.nlu; "
        "assert not skill.nlu._cached_resolver.cache_info().currsize; "
        "bad = [m for m in ('pydantic', 'ask_sdk_core', 'flask') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
