"""SSML for older listeners: short sentences, a slightly slower rate, pauses between points.

The emergency group is never slowed or preceded by anything.
"""

from __future__ import annotations

import functools
import re

SLOW = "90%"
PAUSE = '<break time="600ms"/>'


@functools.cache
def _not_xml() -> re.Pattern[str]:
    # Characters XML 1.0 does not allow (control characters, lone surrogates, U+FFFE/U+FFFF).
    # Our own strings have none, but a tampered "repeat" text could; compiled on first use (a
    # millisecond: a cold start's launch never needs it).
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """``xml.sax.saxutils.escape`` without its import cost (it pulls in urllib.request and ssl),
    and without characters that would make the SSML ill-formed: Alexa refuses the whole reply."""
    if not (text.isascii() and text.isprintable()):  # printable ASCII has none to drop
        text = _not_xml().sub("", text)
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _sentences(group: list[str]) -> str:
    return " ".join(escape(s) for s in group)


def to_ssml(groups: list[list[str]], *, urgent_first: bool = False) -> str:
    parts = []
    for i, group in enumerate(groups):
        text = _sentences(group)
        parts.append(text if urgent_first and i == 0 else f'<prosody rate="{SLOW}">{text}</prosody>')
    return "<speak>" + PAUSE.join(parts) + "</speak>"


def plain(groups: list[list[str]]) -> str:
    return " ".join(s for g in groups for s in g)
