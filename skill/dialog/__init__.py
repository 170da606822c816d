"""The voice dialog (placeholder until the dialog lands): ``build_skill`` is the one entry point
that Lambda, the web service and ``chat`` all use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

if TYPE_CHECKING:
    from skill.persistence import DiaryStore


class _Any(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        if is_request_type("SessionEndedRequest")(handler_input):
            return handler_input.response_builder.response
        return handler_input.response_builder.speak("Welcome to Walking Check.").ask("Is this for you?").response


def build_skill(store: DiaryStore | None = None, skill_id: str | None = None, **_: Any) -> CustomSkill:
    sb = SkillBuilder()
    sb.skill_id = skill_id
    sb.add_request_handler(_Any())
    return sb.create()
