"""What the skill says next, given the dialog state and what the user just said.

Free of Alexa types so the whole conversation logic can be read (and tested) in one place; the
handlers in ``handlers.py`` only translate Alexa requests into calls on ``Conversation``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from skill.dialog import diary_talk
from skill.dialog.questions import BY_KEY, Question, next_question
from skill.dialog.state import DialogState, Stage
from skill.locale import Strings
from skill.rules import RED_FLAGS, Urgency

if TYPE_CHECKING:
    from skill.persistence import DiaryStore
    from skill.rules import Answers

YES, NO, UNSURE = "yes", "no", "unsure"


class Reply(NamedTuple):  # not a dataclass: see Question in questions.py
    groups: list[list[str]]
    reprompt: str | None = None  # None ends the session
    urgent_first: bool = False
    card: tuple[str, str] | None = None

    @property
    def ends_session(self) -> bool:
        return self.reprompt is None


class Conversation:
    """One turn of the dialog: the state it starts from, the locale's strings and the diary."""

    def __init__(
        self,
        state: DialogState,
        s: Strings,
        locale: str,
        user_id: str,
        store: DiaryStore | None = None,
        today: date | None = None,
    ) -> None:
        self.state = state
        self.s = s
        self.locale = locale
        self.user_id = user_id
        self.store = store
        self.today = today or date.today()

    # -- helpers -------------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return self.s.text(key, caregiver=self.state.caregiver, **values)

    def _say(self, groups: list[list[str]], reprompt: str | None, **kw: Any) -> Reply:
        reply = Reply([g for g in groups if g], reprompt, **kw)
        self.state.last_speech = reply.groups
        self.state.last_reprompt = reprompt or ""
        return reply

    def _question(self) -> Question | None:
        return BY_KEY.get(self.state.question or "")

    def _ask(self, q: Question, before: list[list[str]] | None = None) -> Reply:
        self.state.stage, self.state.question = Stage.QUESTION, q.key
        groups = list(before or [])
        if q.key == "red_flags_1" and not self.state.history:
            groups.append([self.t("dialog.safety_intro")])
        groups.append([self.t(f"dialog.questions.{q.key}.question")])
        return self._say(groups, self.t(f"dialog.questions.{q.key}.reprompt"))

    def _reask(self, lead: str) -> Reply:
        """The open prompt again, after a short lead-in ("Sorry, I didn't catch that.")."""
        reprompt = self.state.last_reprompt or self.t("dialog.for_whom.reprompt")
        return Reply([[lead, reprompt]], reprompt)

    def _continue(self, before: list[list[str]] | None = None) -> Reply:
        q = next_question(self.state.answers, self.state.history)
        return self._ask(q, before) if q else self._result(before)

    # -- opening -------------------------------------------------------------------------------

    def launch(self) -> Reply:
        self.state = DialogState()
        last = diary_talk.last_minutes(self)
        welcome = self.t("dialog.welcome_back", minutes=last) if last else self.t("dialog.welcome")
        return self._say(
            [[welcome], [self.t("dialog.for_whom.question")]], self.t("dialog.for_whom.reprompt")
        )

    def start_check(self, person: str | None) -> Reply:
        """A one-shot start ("ask walking check for my mother"): no need to ask who it is for."""
        if person is None:
            return self.launch()
        self.state = DialogState()
        self._set_person(person)
        name = self.s.raw("persons").get(person, self.s.raw("persons")["someone"])
        return self._begin([[self.t("dialog.one_shot_intro", person=name)]])

    def for_whom(self, person: str | None) -> Reply:
        if self.state.stage is not Stage.FOR_WHOM:
            return self.start_check(person) if person else self.unexpected()
        if not self.state.last_speech:  # a one-shot request: the welcome was never spoken
            return self.start_check(person or "self")
        self._set_person(person or "self")
        return self._begin([[self.t("dialog.for_whom_done")]])

    def _set_person(self, person: str) -> None:
        self.state.caregiver = person != "self"
        self.state.person = None if person == "self" else person

    def _begin(self, before: list[list[str]]) -> Reply:
        if diary_talk.walking_declined(self):
            self.state.answers["distance_shorter"] = YES
            before = [*before, [self.t("dialog.declined_note")]]
        return self._continue(before)

    # -- answers -------------------------------------------------------------------------------

    def yes_no(self, reply: str) -> Reply:
        stage = self.state.stage
        if stage is Stage.FOR_WHOM:
            # "Is this for you, or someone you care for?" "Yes." Most people mean themselves.
            return self.for_whom("self") if reply == YES else self._reask(self.t("dialog.not_understood"))
        if stage is Stage.QUESTION:
            q = self._question()
            if q is None or q.kind != "yes_no":
                return self._reask(self.t("dialog.need_minutes"))
            return self._record(q, reply)
        if stage in (Stage.RESULT, Stage.EMERGENCY):
            if reply == YES:
                return self.repeat()
            return diary_talk.after_result(self)
        if stage is Stage.DIARY_CONSENT:
            return diary_talk.consent(self, reply == YES)
        if stage is Stage.DELETE_CONFIRM:
            return diary_talk.delete(self, reply == YES)
        return self.unexpected()

    def minutes(self, value: float | str | None) -> Reply:
        stage, q = self.state.stage, self._question()
        if stage in (Stage.LOG_MINUTES, Stage.IDLE):  # "how many minutes did you walk?"
            return diary_talk.log(self, value)
        if stage is not Stage.QUESTION or q is None:
            return self.unexpected()
        if q.kind != "minutes":
            return self._reask(self.t("dialog.need_yes_no"))
        if value is None:
            return self._reask(self.t("dialog.not_understood"))
        return self._record(q, value)

    def unsure(self) -> Reply:
        q = self._question()
        if self.state.stage is Stage.QUESTION and q is not None:
            return self._record(q, UNSURE)
        if self.state.stage in (Stage.RESULT, Stage.EMERGENCY, Stage.DELETE_CONFIRM):
            # "Hear it again?" / "Delete everything?": not sure means leave things as they are.
            return self.yes_no(NO)
        return self.unexpected()

    def _record(self, q: Question, value: float | str) -> Reply:
        if q.kind == "yes_no" or value != UNSURE:
            for f in q.fields:
                self.state.answers[f] = value
        self.state.history.append(q.key)
        if q.red_flag and value == YES:
            return self._result()
        return self._continue()

    # -- results -------------------------------------------------------------------------------

    def _result(self, before: list[list[str]] | None = None) -> Reply:
        from skill.rules import evaluate, result_speech

        answers = self.state.checked_answers()
        urgency, _, _ = evaluate(answers)
        speech = result_speech(answers, self.locale, caregiver=self.state.caregiver)
        emergency = urgency is Urgency.EMERGENCY
        closing = [speech.closing[0], self.t("dialog.result_closing")]
        groups = [*speech.groups()[:-1], closing]
        if before and not emergency:  # nothing may precede the emergency sentence
            groups = [*before, *groups]
        self.state.stage = Stage.EMERGENCY if emergency else Stage.RESULT
        self.state.question = None
        card = self._card(answers, speech.plain())
        reply = self._say(groups, self.t("dialog.result_reprompt"), urgent_first=emergency, card=card)
        self.state.result_saved = False
        return reply

    def _card(self, answers: Answers, advice: str) -> tuple[str, str]:
        from skill.rules import clinician_summary

        lines = [advice.split(". ")[0].rstrip(".") + ".", "", *clinician_summary(self.s, answers)]
        lines += diary_talk.card_lines(self)
        lines += ["", self.s.text("result.not_diagnosis")]
        return self.s.text("dialog.card_title"), "\n".join(lines)

    def emergency(self, symptom: str | None) -> Reply:
        """A red flag or another emergency reported at any point wins over whatever was going on."""
        if symptom in RED_FLAGS:
            self.state.answers[symptom] = YES
            return self._result()
        self.state.stage, self.state.question = Stage.EMERGENCY, None
        groups = [[self.t("dialog.emergency_other"), self.t("dialog.emergency_other_reason")]]
        return self._say(groups, self.t("dialog.emergency_reprompt"), urgent_first=True)

    # -- anywhere ------------------------------------------------------------------------------

    def repeat(self) -> Reply:
        if not self.state.last_speech:
            return self.launch()
        urgent = self.state.stage is Stage.EMERGENCY
        return Reply(self.state.last_speech, self.state.last_reprompt or None, urgent_first=urgent)

    def help(self) -> Reply:
        if self.state.stage in (Stage.RESULT, Stage.EMERGENCY):
            return Reply([[self.t("dialog.help_result")]], self.t("dialog.emergency_reprompt"))
        reprompt = self.state.last_reprompt or self.t("dialog.for_whom.reprompt")
        return Reply([[self.t("dialog.help")], [reprompt]], reprompt)

    def go_back(self) -> Reply:
        if self.state.stage in (Stage.RESULT, Stage.QUESTION) and self.state.history:
            key = self.state.history.pop()
            for f in BY_KEY[key].fields:
                self.state.answers.pop(f, None)
            return self._ask(BY_KEY[key], [[self.t("dialog.go_back")]])
        if self.state.stage is Stage.EMERGENCY:
            return self.repeat()
        return self._reask(self.t("dialog.go_back_first"))

    def start_over(self) -> Reply:
        if self.state.stage is Stage.FOR_WHOM:
            return self.launch()
        caregiver, person = self.state.caregiver, self.state.person
        self.state = DialogState(caregiver=caregiver, person=person)
        return self._begin([[self.t("dialog.start_over")]])

    def stop(self) -> Reply:
        if self.state.stage is Stage.EMERGENCY:
            return Reply([[self.t("dialog.goodbye_emergency")]], urgent_first=True)
        return Reply([[self.t("dialog.goodbye")]])

    def fallback(self) -> Reply:
        return self._reask(self.t("dialog.not_understood"))

    def unexpected(self) -> Reply:
        if self.state.stage is Stage.QUESTION and (q := self._question()) is not None:
            lead = self.t("dialog.need_minutes" if q.kind == "minutes" else "dialog.need_yes_no")
            return self._reask(lead)
        return self._reask(self.t("dialog.not_understood"))

    def faq(self, topic: str | None) -> Reply:
        answer = (
            self.t(f"dialog.faq.{topic}")
            if topic in self.s.raw("dialog.faq")
            else self.t("dialog.faq_unknown")
        )
        if self.state.stage is Stage.QUESTION and (q := self._question()) is not None:
            back = [self.t("dialog.faq_back"), self.t(f"dialog.questions.{q.key}.question")]
            return self._say([[answer], back], self.t(f"dialog.questions.{q.key}.reprompt"))
        reprompt = self.state.last_reprompt or self.t("dialog.diary.anything_else")
        return Reply([[answer], [reprompt]], reprompt)
