"""Drive the real SkillBuilder with Alexa request envelopes, one turn at a time."""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.chat import speech_text
from skill.dialog import build_skill
from skill.envelopes import Session, slot
from skill.locale import strings

SERIALIZER = DefaultSerializer()


class Voice:
    def __init__(
        self, store: Any = None, locale: str = "en-US", user: str = "amzn1.ask.account.test"
    ) -> None:
        self.skill = build_skill(store=store)
        self.locale = locale
        self.user = user
        self.session = Session(user, locale)
        self.last: dict[str, Any] = {}
        self.turns = 0

    def send(self, envelope: dict[str, Any]) -> str:
        request = SERIALIZER.deserialize(json.dumps(envelope), RequestEnvelope)
        self.last = SERIALIZER.serialize(self.skill.invoke(request_envelope=request, context=None))
        self.turns += 1
        if self.session.absorb(self.last):
            self.session = Session(self.user, self.locale)
        return speech_text(self.last)

    def launch(self) -> str:
        return self.send(self.session.launch())

    def intent(self, name: str, **slots: Any) -> str:
        built = {}
        for key, value in slots.items():
            if isinstance(value, tuple):  # (spoken value, resolved id, slot type)
                built[key] = slot(key, value[0], value_id=value[1], slot_type=value[2])
            else:
                built[key] = slot(key, str(value))
        return self.send(self.session.intent(name, built))

    def yes(self) -> str:
        return self.intent("AMAZON.YesIntent")

    def no(self) -> str:
        return self.intent("AMAZON.NoIntent")

    def unsure(self) -> str:
        return self.intent("UnsureIntent")

    def minutes(self, n: float) -> str:
        return self.intent(
            "WalkTimeIntent", minutes=int(n) if n == int(n) else n, unit=("minutes", "minute", "TimeUnitType")
        )

    def amount(self, spoken: str, value_id: str) -> str:
        return self.intent("WalkTimeIntent", amount=(spoken, value_id, "WalkAmountType"))

    def for_whom(self, person: str) -> str:
        return self.intent("ForWhomIntent", person=(person, person, "PersonType"))

    def emergency(self, symptom: str) -> str:
        return self.intent("EmergencyIntent", symptom=(symptom, symptom, "EmergencySymptomType"))

    @property
    def state(self) -> dict[str, Any]:
        attrs: dict[str, Any] = self.last.get("sessionAttributes") or {}
        return attrs

    @property
    def ended(self) -> bool:
        return bool(self.last.get("response", {}).get("shouldEndSession"))

    @property
    def card(self) -> dict[str, Any] | None:
        card: dict[str, Any] | None = self.last.get("response", {}).get("card")
        return card

    @property
    def reprompt(self) -> str:
        rep = self.last.get("response", {}).get("reprompt") or {}
        return speech_text({"response": rep})


def urgency_of(speech: str, locale: str = "en-US", caregiver: bool = False) -> str | None:
    """Which urgency a result speech opens with."""
    s = strings(locale)
    for level in ("emergency", "urgent", "soon", "routine", "self_care"):
        if speech.startswith(s.text(f"result.urgency.{level}", caregiver=caregiver)):
            return level
    return None
