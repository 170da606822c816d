"""Alexa request envelopes, shaped exactly as Alexa sends them, for ``chat`` and the tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

APPLICATION_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


class Session:
    """One Alexa session: carries the session id, user and attributes between requests."""

    def __init__(self, user_id: str, locale: str = "en-US", application_id: str = APPLICATION_ID) -> None:
        self.id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        self.user_id = user_id
        self.locale = locale
        self.application_id = application_id
        self.attributes: dict[str, Any] = {}
        self.new = True

    def envelope(self, request: dict[str, Any]) -> dict[str, Any]:
        body = {
            "version": "1.0",
            "session": {
                "new": self.new,
                "sessionId": self.id,
                "application": {"applicationId": self.application_id},
                "attributes": self.attributes,
                "user": {"userId": self.user_id},
            },
            "context": {
                "System": {
                    "application": {"applicationId": self.application_id},
                    "user": {"userId": self.user_id},
                    "device": {"deviceId": "amzn1.ask.device.chat", "supportedInterfaces": {}},
                    "apiEndpoint": "https://api.amazonalexa.com",
                }
            },
            "request": {
                "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
                "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "locale": self.locale,
                **request,
            },
        }
        self.new = False
        return body

    def launch(self) -> dict[str, Any]:
        return self.envelope({"type": "LaunchRequest"})

    def intent(self, name: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
        intent = {"name": name, "confirmationStatus": "NONE", "slots": slots or {}}
        return self.envelope({"type": "IntentRequest", "dialogState": "COMPLETED", "intent": intent})

    def ended(self, reason: str = "USER_INITIATED") -> dict[str, Any]:
        return self.envelope({"type": "SessionEndedRequest", "reason": reason})

    def absorb(self, response: dict[str, Any]) -> bool:
        """Take the session attributes from a response; True if the skill ended the session."""
        self.attributes = response.get("sessionAttributes") or {}
        return bool(response.get("response", {}).get("shouldEndSession", True))


def slot(name: str, value: str, *, value_id: str | None = None, slot_type: str = "") -> dict[str, Any]:
    """A slot as Alexa sends it; custom types carry an entity-resolution match."""
    out: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE", "source": "USER"}
    if value_id is not None:
        out["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{APPLICATION_ID}.{slot_type}",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": value_id}}],
                }
            ]
        }
    return out
