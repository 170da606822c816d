"""skill.dialog.serializer reads what the SDK's own serializer reads, only faster."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import given
from hypothesis import strategies as st

from skill.dialog.serializer import SkillSerializer
from skill.envelopes import Session

OURS, SDK = SkillSerializer(), DefaultSerializer()


def _envelope_with_timestamp(timestamp: str) -> str:
    event: dict[str, Any] = Session("amzn1.ask.account.SERIAL").intent("AMAZON.YesIntent")
    event["request"]["timestamp"] = timestamp
    return json.dumps(event)


def _both(payload: str) -> tuple[RequestEnvelope, RequestEnvelope]:
    return (
        OURS.deserialize(payload=payload, obj_type=RequestEnvelope),
        SDK.deserialize(payload=payload, obj_type=RequestEnvelope),
    )


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["Z", "+00:00", "-05:00", "+05:30"]),
    st.booleans(),
)
def test_iso_timestamps_read_as_the_sdk_reads_them(moment: datetime, zone: str, fraction: bool) -> None:
    text = moment.replace(microsecond=moment.microsecond if fraction else 0).isoformat() + zone
    ours, sdk = _both(_envelope_with_timestamp(text))
    assert ours.request.timestamp == sdk.request.timestamp
    assert ours.request.timestamp.utcoffset() == sdk.request.timestamp.utcoffset()


@pytest.mark.parametrize("text", ["25 November 2026 23:30 UTC", "Wed, 25 Nov 2026 23:30:57 +0000"])
def test_other_timestamp_formats_still_go_to_dateutil(text: str) -> None:
    ours, sdk = _both(_envelope_with_timestamp(text))
    assert ours.request.timestamp == sdk.request.timestamp
    assert ours.request.timestamp.tzinfo is not None


def test_an_unreadable_timestamp_is_refused_as_before() -> None:
    with pytest.raises(SerializationException):
        OURS.deserialize(payload=_envelope_with_timestamp("not a time"), obj_type=RequestEnvelope)


def test_dates_stay_dates() -> None:
    reader = OURS._DefaultSerializer__deserialize_datetime  # type: ignore[attr-defined]
    assert reader("2026-11-25", date) == date(2026, 11, 25)
    assert reader("2026-11-25T01:02:03Z", datetime) == datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)
    assert reader("2026-11-25T01:02:03+01:00", datetime).utcoffset() == timedelta(hours=1)


def test_whole_envelopes_are_the_same_objects_after_a_round_trip() -> None:
    session = Session("amzn1.ask.account.SERIAL")
    for event in (session.launch(), session.intent("WalkTimeIntent"), session.intent("AMAZON.HelpIntent")):
        ours, sdk = _both(json.dumps(event))
        assert OURS.serialize(ours) == SDK.serialize(sdk)
        assert type(ours.request) is type(sdk.request)
