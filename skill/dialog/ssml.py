"""SSML for older listeners: short sentences, a slightly slower rate, pauses between points.

The emergency group is never slowed or preceded by anything.
"""

from __future__ import annotations

SLOW = "90%"
PAUSE = '<break time="600ms"/>'


def escape(text: str) -> str:
    """``xml.sax.saxutils.escape`` without its import cost (it pulls in urllib.request and ssl)."""
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
