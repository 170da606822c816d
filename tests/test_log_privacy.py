"""Nothing a user said or answered reaches a log record, at DEBUG, on either channel.

Whole conversations (every red flag yes and unsure, numbers, a caregiver, the FAQ, the diary on a
real SQLite file: log, trend, delete; a crash inside the dialog, a crash in the exception handler
itself, a storage failure) run through the SkillBuilder (as on Lambda) and through the Flask web
service. Every record from every logger is captured with its arguments applied, its exception text
and its stack, and searched for slot values, user ids, utterances, answers and the spoken replies.
Slot values carry unusual marker words so a leak cannot hide among ordinary words.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.chat import Chat, speech_text
from skill.dialog import build_skill
from skill.dialog.flow import Conversation
from skill.dialog.handlers import SpeakOnError
from skill.dialog.questions import BY_KEY
from skill.envelopes import Session, slot
from skill.persistence import open_store
from skill.server import create_app

LOGGERS = ["", "skill", "ask_sdk_core", "ask_sdk_runtime", "flask_ask_sdk", "werkzeug", "flask"]
USER = "amzn1.ask.account.PRIVACYMARKERUSER"
# Unusual words inside slot values: any of them in a log record is a leak.
MARKERS = ["zebra-marmalade", "quokka-trombone", "narwhal-kazoo", "seventeen", "PRIVACYMARKER"]
ANSWER_FIELDS = sorted({f for q in BY_KEY.values() for f in q.fields})
SERIALIZER = DefaultSerializer()


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.formatter_ = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.name, record.getMessage(), repr(record.args)]
        if record.exc_info:
            parts.append(self.formatter_.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        self.texts.append("\n".join(parts))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    disabled = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        logging.disable(disabled)


# -- channels ---------------------------------------------------------------------------------------

Send = Callable[[dict[str, Any]], dict[str, Any]]


def skill_channel(store: Any) -> Send:
    skill = build_skill(store=store)

    def send(envelope: dict[str, Any]) -> dict[str, Any]:
        request = SERIALIZER.deserialize(json.dumps(envelope), RequestEnvelope)
        out = SERIALIZER.serialize(skill.invoke(request_envelope=request, context=None))
        assert isinstance(out, dict)
        return out

    return send


def flask_channel(store: Any) -> Send:
    client = create_app(verify=False, store=store).test_client()

    def send(envelope: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/", data=json.dumps(envelope), content_type="application/json")
        out = response.get_json()
        assert isinstance(out, dict)
        return out

    return send


CHANNELS = {"skill": skill_channel, "flask": flask_channel}

# -- conversations ------------------------------------------------------------------------------------

Turn = tuple[str, dict[str, Any]]


def resolved(name: str, spoken: str, value_id: str, slot_type: str) -> dict[str, Any]:
    return slot(name, spoken, value_id=value_id, slot_type=slot_type)


ZEBRA = {"zebra": slot("zebra", "zebra-marmalade")}  # a slot no model declares, on every turn
YES: Turn = ("AMAZON.YesIntent", ZEBRA)
NO: Turn = ("AMAZON.NoIntent", ZEBRA)
UNSURE: Turn = ("UnsureIntent", ZEBRA)
MINUTES: Turn = ("WalkTimeIntent", {"minutes": slot("minutes", "seventeen"), **ZEBRA})
MOTHER: Turn = (
    "ForWhomIntent",
    {"person": resolved("person", "my quokka-trombone mother", "mother", "PersonType"), **ZEBRA},
)
LAUNCH: Turn = ("launch", {})


def emergency(symptom: str) -> Turn:
    spoken = f"narwhal-kazoo {symptom.replace('_', ' ')}"
    return ("EmergencyIntent", {"symptom": resolved("symptom", spoken, symptom, "EmergencySymptomType")})


def faq(topic: str) -> Turn:
    return ("FaqIntent", {"topic": resolved("topic", f"quokka-trombone {topic}", topic, "FaqTopicType")})


CONVERSATIONS: list[list[Turn]] = [
    # red flags: each question yes, and each unsure then the rest
    [LAUNCH, MOTHER, YES],
    [LAUNCH, MOTHER, NO, YES],
    [LAUNCH, YES, UNSURE, UNSURE, MINUTES, UNSURE, UNSURE, UNSURE, UNSURE, UNSURE, UNSURE, NO, YES],
    # a whole check with numbers, the FAQ mid-question, help, repeat, go back, then the diary
    [
        LAUNCH,
        YES,
        NO,
        faq("bending"),
        NO,
        MINUTES,
        ("AMAZON.HelpIntent", ZEBRA),
        YES,
        ("AMAZON.RepeatIntent", ZEBRA),
        ("AMAZON.PreviousIntent", ZEBRA),
        YES,
        YES,
        NO,
        NO,
        YES,
        NO,  # no repeat: asks diary consent
        YES,  # consent: saved
    ],
    *[[LAUNCH, YES, emergency(s)] for s in ("saddle_numbness", "bladder_bowel", "legs_give_way", "fall")],
    [faq(t) for t in ("mri", "injections", "keyhole", "always_stenosis", "zebra-marmalade")],
    [("LogWalkIntent", {"minutes": slot("minutes", "seventeen"), "unit": slot("unit", "minutes"), **ZEBRA})],
    [("DiaryTrendIntent", ZEBRA)],
    [("StartCheckIntent", {"person": resolved("person", "zebra-marmalade dad", "father", "PersonType")})],
    [("ZebraMarmaladeIntent", ZEBRA), ("AMAZON.FallbackIntent", ZEBRA), ("AMAZON.StopIntent", ZEBRA)],
    [("DeleteDataIntent", ZEBRA), YES],
]


def talk(send: Send, turns: list[Turn], user: str = USER) -> list[str]:
    session = Session(user)
    spoken = []
    for name, slots in turns:
        envelope = session.launch() if name == "launch" else session.intent(name, slots)
        out = send(envelope)
        spoken.append(speech_text(out))
        if session.absorb(out):
            session = Session(user)
    return spoken


# -- what must never be logged ----------------------------------------------------------------------


def _sentences(spoken: list[str]) -> set[str]:
    """Spoken sentences long enough to be unmistakable: they carry the answers' consequences."""
    return {s.strip() for text in spoken for s in re.split(r"(?<=[.?!])\s", text) if len(s.strip()) > 25}


def assert_nothing_private(capture: Capture, spoken: list[str], extra: Sequence[str] = ()) -> None:
    assert capture.texts, "nothing was logged: the capture is not working"
    forbidden = [*MARKERS, USER, *ANSWER_FIELDS, *_sentences(spoken), *extra]
    for text in capture.texts:
        for value in forbidden:
            assert value not in text, f"{value!r} in log record: {text[:300]!r}"
        assert not re.search(r"\b(yes|unsure)\b", text), f"an answer in a log record: {text[:300]!r}"
        assert "Traceback" not in text and '"request"' not in text, text[:300]


# -- the tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_conversations_log_nothing_private(channel: str, tmp_path: Path, captured: Capture) -> None:
    send = CHANNELS[channel](open_store(tmp_path / "diary.sqlite3"))
    spoken = [s for turns in CONVERSATIONS for s in talk(send, turns)]
    assert any("Logged" in s for s in spoken) and any("deleted" in s.lower() for s in spoken)
    assert_nothing_private(captured, spoken)
    # The log still tells an operator what happened.
    assert any("AMAZON.YesIntent" in t for t in captured.texts)


class _LeakyError(RuntimeError):
    """An exception whose message quotes the request, as pydantic or SDK errors can."""


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_crash_inside_the_dialog_logs_nothing_private(
    channel: str, tmp_path: Path, captured: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: Conversation, value: object) -> Any:
        raise _LeakyError(f"cannot use {value!r} for {self.user_id} zebra-marmalade")

    monkeypatch.setattr(Conversation, "minutes", boom)
    send = CHANNELS[channel](open_store(tmp_path / "diary.sqlite3"))
    spoken = talk(send, [LAUNCH, YES, NO, NO, MINUTES])
    assert "didn't catch" in spoken[-1] or "Sorry" in spoken[-1]
    assert any("_LeakyError" in t for t in captured.texts)  # the type is logged, not the message
    assert_nothing_private(captured, spoken)


def test_crash_in_the_exception_handler_is_a_500_that_logs_nothing_private(
    tmp_path: Path, captured: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: Conversation, value: object) -> Any:
        raise _LeakyError(f"cannot use {value!r} for {self.user_id}")

    def broken_handler(self: SpeakOnError, handler_input: Any, exception: Exception) -> Any:
        raise _LeakyError(f"handler failed on {handler_input.request_envelope.to_str()}")

    monkeypatch.setattr(Conversation, "minutes", boom)
    monkeypatch.setattr(SpeakOnError, "handle", broken_handler)
    client = create_app(verify=False, store=open_store(tmp_path / "diary.sqlite3")).test_client()
    session = Session(USER)
    session.attributes = {"v": 1, "stage": "question", "question": "walk_minutes"}
    response = client.post("/", data=json.dumps(session.intent(*MINUTES)), content_type="application/json")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert not any(m in body for m in MARKERS) and USER not in body
    assert_nothing_private(captured, [])


class _FailingStore:
    """Every call fails with a message quoting the user, as a careless backend might."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(user_id: str, *args: Any, **kwargs: Any) -> Any:
            raise OSError(f"{name} failed for {user_id} with {args!r}")

        return fail


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_storage_failure_logs_nothing_private(channel: str, captured: Capture) -> None:
    send = CHANNELS[channel](_FailingStore())
    spoken = [s for turns in CONVERSATIONS[3:] for s in talk(send, turns)]
    assert any("couldn't" in s for s in spoken)
    assert any("diary storage failed: OSError" in t for t in captured.texts)
    assert_nothing_private(captured, spoken)


def test_text_chat_logs_no_utterances(tmp_path: Path, captured: Capture) -> None:
    chat = Chat(user="PRIVACYMARKERCHAT", db=str(tmp_path / "diary.sqlite3"))
    lines = [
        "it's for my mother, zebra-marmalade",
        "no quokka-trombone",
        "narwhal-kazoo no",
        "about seventeen minutes",
        "why does bending forward help",
        "I can't control my bladder",
    ]
    spoken = [chat.open(), *(chat.say(line) for line in lines)]
    assert_nothing_private(captured, spoken, extra=[*lines, "PRIVACYMARKERCHAT"])


def test_the_capture_would_see_a_leak(captured: Capture) -> None:
    """The search above is only worth something if a leak at DEBUG, in any logger, is caught."""
    try:
        raise ValueError("slot value zebra-marmalade")
    except ValueError:
        logging.getLogger("ask_sdk_core.sample").debug("dispatch", exc_info=True)
    with pytest.raises(AssertionError, match="zebra-marmalade"):
        assert_nothing_private(captured, [])
