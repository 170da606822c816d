"""Generated Alexa envelopes against the SkillBuilder and the web service.

Each example is one envelope, some well formed and many not: missing or wrongly typed fields,
unknown request types and intents, every intent of the en-US model with absurd slot values,
unknown locales, and session attributes that were tampered with or come from another version of
the skill. Every envelope goes through both channels:

- the SkillBuilder, after ``DefaultSerializer`` deserialisation (as Lambda does): the SDK may
  reject an envelope only with ``SerializationException``, otherwise the skill must answer with a
  valid Alexa response;
- the Flask app (``create_app(verify=False)``): a valid Alexa response with HTTP 200, or a clean
  4xx JSON error (always 4xx when the SDK rejected the envelope), never a 5xx.

At least ``MIN_ENVELOPES`` envelopes run per session; ``test_enough_envelopes_ran`` checks the
count. Runs are random on purpose (no derandomize), without an example database.
"""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import Request, RequestEnvelope
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from skill.dialog import build_skill
from skill.dialog.questions import BY_KEY
from skill.dialog.serializer import SkillSerializer
from skill.dialog.state import Stage
from skill.envelopes import APPLICATION_ID, Session
from skill.persistence import open_store
from skill.server import create_app

ROOT = Path(__file__).resolve().parent.parent
MODEL = json.loads((ROOT / "interaction_models" / "en-US.json").read_text(encoding="utf-8"))
LANGUAGE_MODEL = MODEL["interactionModel"]["languageModel"]
INTENT_SLOTS: dict[str, list[tuple[str, str]]] = {
    i["name"]: [(s["name"], s["type"]) for s in i.get("slots", [])] for i in LANGUAGE_MODEL["intents"]
}
SLOT_VALUES: dict[str, list[str]] = {
    t["name"]: [v["id"] if "id" in v else v["name"]["value"] for v in t["values"]]
    + [s for v in t["values"] for s in [v["name"]["value"], *v["name"].get("synonyms", [])]]
    for t in LANGUAGE_MODEL["types"]
}

T = TypeVar("T")
MIN_ENVELOPES = 10_000
BULK_EXAMPLES, BULK_BATCH = 1_000, 8  # seeded batches: cheap to make, most of the count
DRAWN_EXAMPLES = 2_000  # Hypothesis draws every choice: slower, but failures shrink
RUN: Counter[str] = Counter()

SERIALIZER = DefaultSerializer()
OURS = SkillSerializer()
SKILL = build_skill(store=open_store("memory:"))
APP = create_app(verify=False, store=open_store("memory:"))
CLIENT = APP.test_client()


def fuzz(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# -- values -----------------------------------------------------------------------------------------

WEIRD_STRINGS = [
    "",
    " ",
    "-5",
    "-0",
    "0",
    "9.99",
    "1e308",
    "1e309",
    "-1e-400",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1_000",
    "0x10",
    "12.5.5",
    "9" * 5000,
    "99999999999999999999999999",
    "twelve",
    "a hundred and ten",
    "twenty thousand thousand",
    "a",
    "and",
    "hundred",
    "½",
    "²",
    "١٢",
    "PT1H",
    "PT99999999999H",
    "PT0.5H30M",
    "P1D",
    "PT",
    "?",
    "zebra-marmalade",
    "<speak>",
    "</speak><audio src='https://example.com/x.mp3'/>",
    "&amp;&",
    "' OR 1=1 --",
    "\x00",
    "\ud800",
    "🚶\u200d♀️",
    "ǅ" * 300,
    "unlimited",
    "self",
    "hour",
    "minute",
]


# Every envelope is built from choices made by a ``Picker``: Hypothesis draws (shrinkable, but
# each draw costs time) or a seeded ``random.Random`` (fast, for bulk). Most absurd values come
# from prepared pools, one choice each.
NESTED: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    -(10**30),
    10**30,
    2**63,
    1e308,
    -1e308,
    5e-324,
    float("nan"),  # NaN and infinities travel as Python's JSON extensions
    float("inf"),
    float("-inf"),
    [],
    {},
    [None],
    [[[[[]]]]],
    {"a": {"b": {"c": {"d": [1, {"e": None}]}}}},
    {"value": "twelve", "id": 12},
    {"type": "IntentRequest"},
    {"name": "WalkTimeIntent", "slots": {}},
    ["yes", "no", "unsure"],
    list(range(50)),
    {str(i): i for i in range(50)},
    "x" * 10_000,
]
ABSURD_POOL = NESTED + WEIRD_STRINGS
REQUEST_TYPES = (
    ["LaunchRequest"] * 4
    + ["IntentRequest"] * 12
    + ["SessionEndedRequest"] * 2
    + sorted(Request.discriminator_value_class_map)
    + ["UnknownRequest", "", "intentrequest", "Alexa.Future.Thing", None, 7, {"x": 1}, ["IntentRequest"]]
)
LOCALES = (
    ["en-US"] * 6
    + ["en-GB", "en-AU", "en-IN", "en-CA"]
    + ["de-DE", "xx-XX", "", "en", "EN-us", "en_US", "en-US\n", None, 42, ["en-US"], {"en": "US"}, "\ud800"]
)
INTENT_NAMES = sorted(INTENT_SLOTS) * 3 + [
    "AMAZON.PauseIntent",
    "ZebraIntent",
    "",
    "amazon.yesintent",
    None,
    3,
    ["AMAZON.YesIntent"],
    {"a": 1},
]
SLOT_TEXT = WEIRD_STRINGS + sorted({v for vs in SLOT_VALUES.values() for v in vs})
GOOD_CODES = ["ER_SUCCESS_MATCH"] * 3 + ["ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT"]
EXTRA_SLOTS = [("duration", "AMAZON.DURATION"), ("zebra", "ZebraType"), ("person", "PersonType")]
SESSION_ENDED: list[dict[str, Any]] = [
    {"reason": "USER_INITIATED"},
    {"reason": "EXCEEDED_MAX_REPROMPTS"},
    {"reason": "ERROR", "error": {"type": "INVALID_RESPONSE", "message": "zebra-marmalade"}},
    {"reason": "?", "error": "x"},
    {},
]
USERS: list[Any] = ["amzn1.ask.account.fuzz", "amzn1.ask.account.other", "", None, 5, "\ud800", "u" * 2000]
ODD_ATTRIBUTES: list[Any] = [{}, None, {"v": 2}, {"v": 0, "stage": "question"}, {"zebra": "marmalade"}]
HUGE_LISTS: list[Any] = [["red_flags_1"] * 20_000, sorted(BY_KEY) * 50, [["x"] * 100] * 100]
STATE_SCALARS: list[Any] = [s.value for s in Stage] + sorted(BY_KEY) + [0, 1, 2, "1", "yes", "unsure", 12, -4]
ANSWER_FIELDS = sorted({f for q in BY_KEY.values() for f in q.fields} | {"zebra"})


class Picker(Protocol):
    def pick(self, pool: Sequence[T]) -> T: ...
    def below(self, n: int) -> int: ...
    def absurd(self) -> Any: ...


class DrawPicker:
    ABSURD = st.one_of(
        st.sampled_from(ABSURD_POOL),
        st.integers(),
        st.floats(),
        st.text(max_size=12),
        st.lists(st.sampled_from(ABSURD_POOL), max_size=3),
    )

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def pick(self, pool: Sequence[T]) -> T:
        return self.draw(st.sampled_from(pool))

    def below(self, n: int) -> int:
        return self.draw(st.integers(0, n - 1))

    def absurd(self) -> Any:
        return self.draw(self.ABSURD)


class RandomPicker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, pool: Sequence[T]) -> T:
        return self.rng.choice(pool)

    def below(self, n: int) -> int:
        return self.rng.randrange(n)

    def absurd(self) -> Any:
        r = self.rng
        return [
            lambda: r.choice(ABSURD_POOL),
            lambda: r.choice(ABSURD_POOL),
            lambda: r.randint(-(2**70), 2**70),
            lambda: r.uniform(-1e12, 1e12),
            lambda: "".join(chr(r.randrange(0x20, 0x3000)) for _ in range(r.randrange(12))),
            lambda: [r.choice(ABSURD_POOL) for _ in range(r.randrange(4))],
        ][r.randrange(6)]()


def slot_text(p: Picker, well_formed: bool) -> Any:
    return p.pick(SLOT_TEXT) if well_formed or p.below(3) else p.absurd()


def resolutions(p: Picker, slot_type: str, well_formed: bool) -> Any:
    shape = p.below(6)
    if shape < 3:
        return [
            {"resolutionsPerAuthority": [{"status": {"code": "ER_SUCCESS_MATCH"}, "values": []}]},
            {},
            None,
        ][shape]
    value_id = p.pick(SLOT_VALUES.get(slot_type) or ["x"]) if p.below(2) else slot_text(p, well_formed)
    return {
        "resolutionsPerAuthority": [
            {
                "authority": f"amzn1.er-authority.echo-sdk.{APPLICATION_ID}.{slot_type}",
                "status": {"code": p.pick(GOOD_CODES) if well_formed or p.below(4) else p.absurd()},
                "values": [{"value": {"name": p.pick(SLOT_TEXT), "id": value_id}}],
            }
        ]
    }


def slot(p: Picker, name: str, slot_type: str, *, well_formed: bool = False) -> Any:
    if not well_formed and p.below(10) == 0:
        return p.absurd()  # the whole slot object replaced
    body: dict[str, Any] = {"name": name, "confirmationStatus": "NONE", "source": "USER"}
    body["value"] = slot_text(p, well_formed)
    if p.below(2):
        body["resolutions"] = resolutions(p, slot_type, well_formed)
    return body


def intent(p: Picker) -> Any:
    name = p.pick(INTENT_NAMES)
    declared = INTENT_SLOTS.get(name, []) if isinstance(name, str) else []
    # Declared slots, plus ones no model declares (a newer model, or an invented one).
    candidates = declared + EXTRA_SLOTS
    chosen = {p.pick(candidates) for _ in range(p.below(4))}
    slots: Any = {n: slot(p, n, t) for n, t in sorted(chosen)}
    if p.below(10) == 0:
        slots = p.absurd()
    return {"name": name, "confirmationStatus": "NONE", "slots": slots}


def _real_states() -> list[dict[str, Any]]:
    """Session attributes the skill itself wrote, turn by turn, through whole conversations."""
    from tests.voice import Voice

    seen: list[dict[str, Any]] = []
    scripts: list[list[tuple[str, tuple[Any, ...]]]] = [
        [("launch", ()), ("for_whom", ("mother",)), ("no", ()), ("no", ()), ("minutes", (8,))]
        + [("yes", ())] * 3
        + [("unsure", ())] * 3
        + [("no", ()), ("no", ())],
        [("launch", ()), ("yes", ()), ("unsure", ()), ("yes", ())],
        [("launch", ()), ("yes", ()), ("no", ()), ("no", ()), ("amount", ("no limit", "unlimited"))]
        + [("no", ())] * 8,
        [("launch", ()), ("intent", ("LogWalkIntent",)), ("intent", ("DeleteDataIntent",))],
    ]
    for script in scripts:
        voice = Voice(store=open_store("memory:"))
        for move, args in script:
            getattr(voice, move)(*args)
            if voice.state:
                seen.append(json.loads(json.dumps(voice.state)))
    return seen


REAL_STATES = _real_states()
STATE_FIELDS = [*sorted(REAL_STATES[0]), "new_field", "answers_v2", "__class__"]


def state_value(p: Picker) -> Any:
    kind = p.below(4)
    return p.pick(STATE_SCALARS) if kind < 2 else p.pick(HUGE_LISTS) if kind == 2 else p.absurd()


def session_attributes(p: Picker) -> Any:
    """Dialog state as the skill wrote it, often bent: wrong types, other versions, huge lists."""
    kind = p.below(12)
    if kind == 9:
        return p.pick(ODD_ATTRIBUTES)
    if kind == 10:
        return {p.pick(STATE_FIELDS): p.absurd() for _ in range(p.below(4))}
    if kind == 11:
        return p.absurd()  # lists, strings, numbers: not a dict at all
    attrs = dict(p.pick(REAL_STATES))
    for _ in range(p.pick([0, 0, 1, 1, 2, 3])):
        key, action = p.pick(STATE_FIELDS), p.below(6)
        if action == 0:
            attrs.pop(key, None)  # an older version without the field
        elif action == 1:
            old = attrs.get("answers")
            answers = dict(old) if isinstance(old, dict) else {}
            answers[p.pick(ANSWER_FIELDS)] = state_value(p)
            attrs["answers"] = answers
        else:
            attrs[key] = state_value(p)
    return attrs


def request_body(p: Picker) -> dict[str, Any]:
    rtype = p.pick(REQUEST_TYPES)
    req: dict[str, Any] = {"type": rtype, "locale": p.pick(LOCALES)}
    if rtype == "IntentRequest" or p.below(10) == 0:
        req["intent"] = intent(p)
        req["dialogState"] = "COMPLETED"
    if rtype == "SessionEndedRequest":
        req.update(p.pick(SESSION_ENDED))
    return req


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    return out


def envelope(p: Picker) -> Any:
    if p.below(50) == 0:
        return p.absurd()  # not an envelope at all
    session = Session(p.pick(USERS), "en-US")
    session.new = bool(p.below(2))
    session.attributes = session_attributes(p)
    env: Any = session.envelope(request_body(p))
    # A few random cuts or replacements anywhere in the tree.
    mutations = p.pick([0, 0, 0, 1, 1, 2, 3])
    paths = [q for q in _paths(env) if len(q) < 8] if mutations else []
    for _ in range(mutations):
        path = p.pick(paths)
        parent = env
        try:
            for key in path[:-1]:
                # Copy on the way down: branches may be shared with prepared examples.
                child = dict(parent[key])
                parent[key] = child
                parent = child
            if p.below(2):
                del parent[path[-1]]
            else:
                parent[path[-1]] = p.absurd()
        except (KeyError, TypeError, ValueError):
            continue  # an earlier mutation removed or replaced this branch
    return env


@st.composite
def envelopes(draw: st.DrawFn) -> Any:
    return envelope(DrawPicker(draw))


# -- what a valid answer looks like ------------------------------------------------------------------


def assert_alexa_response(out: Any) -> None:
    assert isinstance(out, dict), out
    assert out.get("version") == "1.0"
    response = out.get("response")
    assert isinstance(response, dict)
    if "shouldEndSession" in response:
        assert isinstance(response["shouldEndSession"], bool)
    for key in ("outputSpeech", "reprompt"):
        speech = response.get(key)
        if key == "reprompt" and speech is not None:
            speech = speech.get("outputSpeech")
        if speech is None:
            continue
        assert speech.get("type") == "SSML"
        ssml = speech.get("ssml")
        assert isinstance(ssml, str) and ssml.startswith("<speak>") and ssml.endswith("</speak>")
        ET.fromstring(ssml)  # well formed: Alexa refuses broken SSML
    if response.get("outputSpeech") is not None:
        assert isinstance(response.get("shouldEndSession"), bool)
    attributes = out.get("sessionAttributes")
    assert attributes is None or isinstance(attributes, dict)


def run_skill(envelope: Any) -> bool:
    """The Lambda path; False when the SDK's deserialiser rejected the envelope."""
    RUN["envelopes"] += 1
    payload = json.dumps(envelope)
    try:
        request = SERIALIZER.deserialize(payload, RequestEnvelope)
    except SerializationException:
        RUN["rejected by the SDK"] += 1
        with pytest.raises(SerializationException):
            OURS.deserialize(payload, RequestEnvelope)
        return False
    # skill.dialog.serializer must read every envelope exactly as the SDK's serializer does.
    assert SERIALIZER.serialize(OURS.deserialize(payload, RequestEnvelope)) == SERIALIZER.serialize(request)
    if not isinstance(request, RequestEnvelope):  # JSON null, or a bare value: nothing to invoke
        RUN["rejected by the SDK"] += 1
        return False
    response = SKILL.invoke(request_envelope=request, context=None)
    out = SERIALIZER.serialize(response)
    assert_alexa_response(out)
    json.dumps(out, allow_nan=False)  # Alexa needs strict JSON back
    return True


def run_flask(envelope: Any, sdk_accepted: bool) -> None:
    body = json.dumps(envelope).encode("utf-8")
    response = CLIENT.post("/", data=body, content_type="application/json")
    assert response.status_code < 500, response.status_code
    assert response.is_json
    data = response.get_json()
    if response.status_code == 200:
        assert sdk_accepted, "the web service answered an envelope the SDK cannot read"
        assert_alexa_response(data)
        RUN["answered by Flask"] += 1
    else:
        assert 400 <= response.status_code < 500
        assert isinstance(data, dict) and set(data) == {"error", "message"}
        RUN["4xx from Flask"] += 1


# -- the properties -------------------------------------------------------------------------------


@fuzz(BULK_EXAMPLES)
@given(st.randoms(use_true_random=True))
def test_bulk_envelopes_through_both_channels(rng: random.Random) -> None:
    picker = RandomPicker(rng)
    for _ in range(BULK_BATCH):
        env = envelope(picker)
        try:
            run_flask(env, run_skill(env))
        except Exception:
            note(f"envelope: {env!r}"[:20_000])  # the seed alone does not show what failed
            raise


@fuzz(DRAWN_EXAMPLES)
@given(envelopes())
def test_drawn_envelopes_through_both_channels(env: Any) -> None:
    run_flask(env, run_skill(env))


@fuzz(300)
@given(st.sampled_from(sorted(INTENT_SLOTS)), st.data())
def test_every_model_intent_with_absurd_slots_mid_check(name: str, data: st.DataObject) -> None:
    """Well-formed envelopes, a question open, every intent of the model with absurd slot values."""
    session = Session("amzn1.ask.account.fuzz")
    session.attributes = {"v": 1, "stage": "question", "question": data.draw(st.sampled_from(sorted(BY_KEY)))}
    picker = DrawPicker(data.draw)
    env = session.intent(name, {n: slot(picker, n, t, well_formed=True) for n, t in INTENT_SLOTS[name]})
    assert run_skill(env)
    run_flask(env, True)


PROPERTIES = (
    test_bulk_envelopes_through_both_channels,
    test_drawn_envelopes_through_both_channels,
    test_every_model_intent_with_absurd_slots_mid_check,
)


def test_enough_envelopes_ran(request: pytest.FixtureRequest) -> None:
    """Runs last in this module (pytest keeps file order): the total across the properties above."""
    ran = {item.name for item in request.session.items if getattr(item, "module", None) is request.module}
    if not {f.__name__ for f in PROPERTIES} <= ran:
        pytest.skip("only part of the fuzz module was selected")
    print(dict(RUN))
    assert RUN["envelopes"] >= MIN_ENVELOPES, dict(RUN)
    # Most envelopes must reach the dialog, or the fuzz only tests the deserialiser.
    assert RUN["rejected by the SDK"] < RUN["envelopes"] / 2, dict(RUN)


# -- regressions found by the properties above ------------------------------------------------------


def _invoke(env: dict[str, Any]) -> dict[str, Any]:
    request = SERIALIZER.deserialize(json.dumps(env), RequestEnvelope)
    out = SERIALIZER.serialize(SKILL.invoke(request_envelope=request, context=None))
    assert isinstance(out, dict)
    return out


def test_tampered_attributes_are_not_echoed_back() -> None:
    """A SessionEndedRequest (no handler touches the state) once echoed a NaN: invalid JSON."""
    session = Session("amzn1.ask.account.fuzz")
    session.attributes = {**REAL_STATES[0], "pending_minutes": float("nan"), "zebra": "marmalade"}
    out = _invoke(session.ended())
    json.dumps(out, allow_nan=False)
    assert "zebra" not in out.get("sessionAttributes", {})


def test_out_of_session_request_gets_a_silent_answer(caplog: pytest.LogCaptureFixture) -> None:
    """AudioPlayer and other out-of-session requests carry no session: no speech, no error."""
    env = Session("amzn1.ask.account.fuzz").envelope({"type": "AudioPlayer.PlaybackStarted", "token": "t"})
    del env["session"]
    with caplog.at_level("ERROR"):
        out = _invoke(env)
    assert out["response"].get("outputSpeech") is None
    assert "sessionAttributes" not in out or out["sessionAttributes"] is None
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
