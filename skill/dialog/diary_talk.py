"""The walking diary in conversation: consent, saving a check, logging a walk, trend, deletion.

A storage failure never breaks a check: every call to the store is guarded, the advice has already
been spoken, and the user hears that the diary could not be saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from skill.dialog.state import Stage
from skill.locale.numbers import minutes_in_words

if TYPE_CHECKING:
    from skill.dialog.flow import Conversation, Reply
    from skill.persistence import DiaryEntry, DiaryStore

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _guarded(conv: Conversation, action: Callable[[DiaryStore], T]) -> tuple[bool, T | None]:
    """Run a store call; (True, result) on success, (False, None) when there is no store or it failed."""
    if conv.store is None:
        return False, None
    try:
        return True, action(conv.store)
    except Exception as exc:  # any backend fault, not only StorageError: the check must go on
        logger.warning("diary storage failed: %s", type(exc).__name__)
        return False, None


def _entries(conv: Conversation) -> list[DiaryEntry]:
    ok, found = _guarded(conv, lambda st: st.entries(conv.user_id) if st.consent(conv.user_id) else [])
    return found or [] if ok else []


def _words(minutes: float | None) -> str:
    return minutes_in_words(float("inf") if minutes is None else minutes)


def last_minutes(conv: Conversation) -> str | None:
    """The last walking time in words, to welcome a returning user."""
    walks = [e for e in _entries(conv) if e.minutes is not None]
    return _words(walks[-1].minutes) if walks else None


def walking_declined(conv: Conversation) -> bool:
    from skill.diary import summarise

    entries = _entries(conv)
    return bool(entries) and summarise(entries, conv.today).declined


def card_lines(conv: Conversation) -> list[str]:
    from skill.diary import days_ago_in_words

    recent = [e for e in _entries(conv) if e.minutes is not None][-5:]
    if not recent:
        return []
    lines = ["", conv.s.text("dialog.card_diary")]
    lines += [
        f"{e.day.isoformat()}: {_words(e.minutes)} ({days_ago_in_words((conv.today - e.day).days)})"
        for e in recent
    ]
    return lines


def _entry_from_check(conv: Conversation) -> DiaryEntry:
    from skill.persistence import DiaryEntry
    from skill.rules import evaluate

    a = conv.state.checked_answers()
    urgency, _, _ = evaluate(a)
    minutes = a.walk_minutes
    return DiaryEntry(
        day=conv.today,
        walk_minutes=minutes if isinstance(minutes, float) else None,
        unlimited=minutes == "unlimited",
        bend_relief=a.bend_relief.value if a.bend_relief else None,
        stand_relief=a.stand_relief.value if a.stand_relief else None,
        lean_easier=a.lean_easier.value if a.lean_easier else None,
        urgency=urgency.label,  # type: ignore[arg-type]  # emergencies never reach the diary
        source="check",
    )


def _goodbye(conv: Conversation, lines: list[str]) -> Reply:
    from skill.dialog.flow import Reply

    conv.state.stage = Stage.IDLE
    return Reply([lines, [conv.t("dialog.goodbye")]])


def after_result(conv: Conversation) -> Reply:
    """ "No, don't repeat it": save the check if the user agreed before, or ask once; then goodbye."""
    from skill.dialog.flow import Reply

    if conv.state.stage is Stage.EMERGENCY or conv.store is None or conv.state.result_saved:
        return conv.stop()
    ok, consent = _guarded(conv, lambda st: st.consent(conv.user_id))
    if not ok:
        return _goodbye(conv, [conv.t("dialog.diary.save_failed")])
    if consent is None:
        conv.state.stage = Stage.DIARY_CONSENT
        return Reply([[conv.t("dialog.diary.consent_question")]], conv.t("dialog.diary.consent_reprompt"))
    if not consent:
        return conv.stop()
    return _goodbye(conv, [_save_check(conv, auto=True)])


def _save_check(conv: Conversation, *, auto: bool) -> str:
    ok, _ = _guarded(conv, lambda st: st.add(conv.user_id, _entry_from_check(conv)))
    conv.state.result_saved = ok
    if not ok:
        return conv.t("dialog.diary.save_failed")
    return conv.t("dialog.diary.saved_auto" if auto else "dialog.diary.saved")


def consent(conv: Conversation, agreed: bool) -> Reply:
    ok, _ = _guarded(conv, lambda st: st.set_consent(conv.user_id, agreed))
    if not agreed:
        return _goodbye(conv, [conv.t("dialog.diary.not_saved_declined")])
    if not ok:
        return _goodbye(conv, [conv.t("dialog.diary.save_failed")])
    if conv.state.pending_minutes is not None:
        return log(conv, conv.state.pending_minutes)
    return _goodbye(conv, [_save_check(conv, auto=False)])


def log(conv: Conversation, value: float | str | None) -> Reply:
    """ "Log my walk, twelve minutes" at any time (asks for the minutes, or for consent, if needed)."""
    from skill.dialog.flow import Reply
    from skill.persistence import DiaryEntry

    if conv.store is None:
        return Reply([[conv.t("dialog.diary.off")]])
    if value is None:
        conv.state.stage = Stage.LOG_MINUTES
        return Reply([[conv.t("dialog.diary.log_question")]], conv.t("dialog.diary.log_reprompt"))
    minutes = None if value == "unlimited" else float(value)
    ok, consent_given = _guarded(conv, lambda st: st.consent(conv.user_id))
    if ok and consent_given is None:
        conv.state.stage = Stage.DIARY_CONSENT
        conv.state.pending_minutes = "unlimited" if minutes is None else minutes
        return Reply([[conv.t("dialog.diary.consent_question")]], conv.t("dialog.diary.consent_reprompt"))
    if ok and consent_given is False:
        return _goodbye(conv, [conv.t("dialog.diary.no_consent")])
    entry = DiaryEntry(day=conv.today, walk_minutes=minutes, unlimited=minutes is None, source="log")
    saved, _ = _guarded(conv, lambda st: st.add(conv.user_id, entry))
    conv.state.pending_minutes = None
    if not (ok and saved):
        return _goodbye(conv, [conv.t("dialog.diary.save_failed")])
    return _goodbye(conv, [conv.t("dialog.diary.logged", minutes=_words(minutes))])


def trend(conv: Conversation) -> Reply:
    """ "How is my walking doing?": the first and the latest time in plain words."""
    from skill.dialog.flow import Reply
    from skill.diary import days_ago_in_words, summarise

    if conv.store is None:
        return Reply([[conv.t("dialog.diary.off")]])
    ok, entries = _guarded(conv, lambda st: st.entries(conv.user_id))
    if not ok:
        return _goodbye(conv, [conv.t("dialog.diary.read_failed")])
    summary = summarise(entries or [], conv.today)
    if summary.count == 0:
        return _goodbye(conv, [conv.t("dialog.diary.empty")])
    if summary.direction is None:
        return _goodbye(conv, [conv.t("dialog.diary.trend_one", minutes=_words(summary.latest_minutes))])
    ago = days_ago_in_words(summary.days_ago or 0)
    first = _words(summary.earliest_minutes).removeprefix("about ")
    last = _words(summary.latest_minutes).removeprefix("about ")
    line = conv.t("dialog.diary.trend", ago=ago[:1].upper() + ago[1:], first=first, last=last)
    return _goodbye(conv, [line, conv.t(f"dialog.diary.trend_{summary.direction}")])


def request_delete(conv: Conversation) -> Reply:
    from skill.dialog.flow import Reply

    if conv.store is None:
        return Reply([[conv.t("dialog.diary.off")]])
    conv.state.stage = Stage.DELETE_CONFIRM
    return Reply([[conv.t("dialog.diary.delete_confirm")]], conv.t("dialog.diary.delete_reprompt"))


def delete(conv: Conversation, confirmed: bool) -> Reply:
    if not confirmed:
        return _goodbye(conv, [conv.t("dialog.diary.delete_kept")])
    ok, _ = _guarded(conv, lambda st: st.delete_user(conv.user_id))
    return _goodbye(conv, [conv.t("dialog.diary.deleted" if ok else "dialog.diary.delete_failed")])
