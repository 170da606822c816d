"""The SDK's serializer, with two costs of every request taken out.

``DefaultSerializer`` parses every date with dateutil, which it imports on the first request:
about 8 ms of every Lambda cold start and some 80 µs of every request. Alexa sends ISO 8601
timestamps such as ``2026-11-25T23:30:57Z``, which ``datetime.fromisoformat`` reads to the same
aware datetime; anything it cannot read still goes to dateutil, so nothing accepted before is
refused now.

It also resolves each model class name (``"ask_sdk_model.session.Session"``) once, where the SDK
calls ``__import__`` for every object of every request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer


class SkillSerializer(DefaultSerializer):
    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, Any] = {}

    # DefaultSerializer calls its private ``__deserialize_datetime``, whose mangled name this is.
    def _DefaultSerializer__deserialize_datetime(self, payload: str, obj_type: Any) -> Any:
        try:
            parsed = datetime.fromisoformat(payload)
        except (TypeError, ValueError):
            return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)  # type: ignore[misc]
        return parsed.date() if obj_type is date else parsed

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        found = self._classes.get(class_name)
        if found is None:
            found = super()._DefaultSerializer__load_class_from_name(class_name)  # type: ignore[misc]
            self._classes[class_name] = found
        return found
