"""The voice dialog. ``build_skill`` is the one entry point that Lambda, the web service and
``chat`` all use, so every channel runs the same handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from skill.dialog.serializer import SkillSerializer

if TYPE_CHECKING:
    from skill.persistence import DiaryStore


def build_skill(store: DiaryStore | None = None, skill_id: str | None = None) -> CustomSkill:
    from skill.dialog import handlers as h

    sb = SkillBuilder()
    sb.skill_id = skill_id  # type: ignore[assignment]  # the SDK rejects requests for any other skill id
    for handler in (h.LaunchHandler(), h.IntentHandler(), h.SessionEndedHandler(), h.OtherRequestHandler()):
        sb.add_request_handler(handler)
    sb.add_global_request_interceptor(h.LoadState(store))
    sb.add_global_response_interceptor(h.LogRequest())
    sb.add_exception_handler(h.SpeakOnError())
    skill = sb.create()
    skill.serializer = SkillSerializer()
    return skill
