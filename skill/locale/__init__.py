"""Every spoken string, per locale, as data.

``en.json`` holds the shared English text; ``en-US.json``, ``en-GB.json`` ... override only what
differs (emergency number, words such as "A and E" or "physio"). A value is either a string or a
``{"self": ..., "caregiver": ...}`` pair, picked by who the check is for; ``{placeholders}`` are
filled from the locale's ``words`` (emergency number, "physical therapy" or "physiotherapy" ...).
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
LOCALES: tuple[str, ...] = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
DEFAULT_LOCALE = "en-US"


class UnknownLocale(ValueError):
    pass


def _read(name: str) -> dict[str, Any]:
    # A plain file read: importlib.resources costs ~8 ms of Lambda cold start (tempfile, shutil).
    with open(os.path.join(_HERE, f"{name}.json"), encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def supported(locale: str) -> str:
    """The locale to speak: an exact match, else the default (Alexa may send locales we lack)."""
    return locale if locale in LOCALES else DEFAULT_LOCALE


@cache
def strings(locale: str) -> Strings:
    if locale not in LOCALES:
        raise UnknownLocale(f"unknown locale {locale!r}; choose one of {', '.join(LOCALES)}")
    return Strings(_merge(_read(locale.split("-")[0]), _read(locale)))


class Strings:
    """Look-ups by dotted key, e.g. ``s.text("urgency.emergency", caregiver=True)``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.words: dict[str, str] = data["words"]
        self.emergency_number = self.words["number"]

    def raw(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            node = node[part]
        return node

    def text(self, key: str, *, caregiver: bool = False, **values: object) -> str:
        node = self.raw(key)
        if isinstance(node, dict):
            node = node["caregiver" if caregiver else "self"]
        if not isinstance(node, str):
            raise TypeError(f"locale key {key!r} is not a sentence")
        return node.format_map({**self.words, **values}) if "{" in node else node

    def lines(self, key: str, **values: object) -> list[str]:
        return [line.format_map({**self.words, **values}) for line in self.raw(key)]
