"""``python -m skill chat``: talk to the skill in text.

Each line is resolved to an intent and slots from ``interaction_models/`` (as Alexa's speech
understanding would), wrapped in a real Alexa request envelope and run through the same
SkillBuilder as on Lambda; the spoken reply is printed without its SSML. When the skill ends the
session, the next line starts a new one, as "Alexa, ask walking check ..." would.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, TextIO

from skill.envelopes import Session

_TAGS = re.compile(r"<[^>]+>")


def speech_text(response: dict[str, Any]) -> str:
    ssml = (response.get("response", {}).get("outputSpeech") or {}).get("ssml", "")
    return html.unescape(re.sub(r"\s+", " ", _TAGS.sub(" ", ssml))).strip()


class Chat:
    """A text session with the skill; usable from tests as well as the terminal."""

    def __init__(self, locale: str = "en-US", user: str = "local-user", db: str | None = None) -> None:
        from ask_sdk_core.serialize import DefaultSerializer

        from skill.dialog import build_skill
        from skill.nlu import Resolver
        from skill.persistence import open_store

        self.locale = locale
        self.user_id = f"amzn1.ask.account.{user}"
        self.skill = build_skill(store=open_store(db))
        self.resolver = Resolver.from_locale(locale)
        self.serializer = DefaultSerializer()
        self.session: Session | None = None

    def _run(self, envelope: dict[str, Any]) -> dict[str, Any]:
        from ask_sdk_model import RequestEnvelope

        request = self.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
        response = self.skill.invoke(request_envelope=request, context=None)
        out = self.serializer.serialize(response)
        assert isinstance(out, dict)
        return out

    def _send(self, make: str, *args: Any) -> str:
        if self.session is None:
            self.session = Session(self.user_id, self.locale)
        response = self._run(getattr(self.session, make)(*args))
        if self.session.absorb(response):
            self.session = None
        return speech_text(response)

    def open(self) -> str:
        self.session = None
        return self._send("launch")

    def say(self, text: str) -> str:
        resolution = self.resolver.resolve(text)
        if resolution.request_type == "LaunchRequest":
            return self.open()
        return self._send("intent", resolution.intent, resolution.slots)

    def close(self) -> None:
        if self.session is not None:
            self._send("ended")

    @property
    def open_session(self) -> bool:
        return self.session is not None


def run_chat(stdin: TextIO, stdout: TextIO, *, locale: str, user: str, db: str | None) -> int:
    chat = Chat(locale, user, db)
    interactive = stdin.isatty()
    print(chat.open(), file=stdout, flush=True)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        print(chat.say(line.strip()) or "(the skill ended the session)", file=stdout, flush=True)
    chat.close()
    return 0
