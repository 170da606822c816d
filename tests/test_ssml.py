"""Whatever text reaches the speech (a tampered "repeat" included), the SSML is well formed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from skill.dialog.ssml import to_ssml

ANY_CHARACTER = st.characters(codec=None, categories=None)  # surrogates and control characters too


@given(st.lists(st.lists(st.text(ANY_CHARACTER, max_size=40), max_size=4), max_size=4), st.booleans())
def test_ssml_is_always_well_formed(groups: list[list[str]], urgent_first: bool) -> None:
    root = ET.fromstring(to_ssml(groups, urgent_first=urgent_first))
    assert root.tag == "speak"


def test_markup_characters_are_spoken_as_text_and_forbidden_ones_dropped() -> None:
    ssml = to_ssml([["Knees & <hips>\x00\ud800\ufffe fine"]])
    assert "".join(ET.fromstring(ssml).itertext()) == "Knees & <hips> fine"


def test_tabs_and_line_breaks_are_kept() -> None:
    # Not printable, so they take the slow path, but XML allows them.
    ssml = to_ssml([["Left\tright\r\nnext \u00e9"]])
    assert "".join(ET.fromstring(ssml).itertext()) == "Left\tright\nnext \u00e9"
