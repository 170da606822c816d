"""ask-sdk-core handlers: a routing table from Alexa requests to ``Conversation`` moves.

Interceptors load the dialog state before each request and log request id, type, intent and
timing after it (never slot values or speech). The exception handler keeps every failure a spoken
reply rather than an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, LaunchRequest, Response, SessionEndedRequest
from ask_sdk_model.ui import SimpleCard

from skill.dialog import diary_talk
from skill.dialog.flow import Conversation, Reply
from skill.dialog.slots import minutes_from, slot_value
from skill.dialog.ssml import to_ssml
from skill.dialog.state import dump, load
from skill.locale import strings, supported

if TYPE_CHECKING:
    from skill.persistence import DiaryStore

logger = logging.getLogger("skill.dialog")

Move = Callable[[Conversation, Any], Reply]

# Intent name -> the conversation move it makes. The request is passed for slot reading.
INTENTS: dict[str, Move] = {
    "ForWhomIntent": lambda c, r: c.for_whom(slot_value(r, "person")),
    # "Start a check" mid-check starts over; with a person it is also a one-shot opening.
    "StartCheckIntent": lambda c, r: (
        c.for_whom(p) if (p := slot_value(r, "person")) or c.state.stage == "for_whom" else c.start_over()
    ),
    "AMAZON.YesIntent": lambda c, r: c.yes_no("yes"),
    "AMAZON.NoIntent": lambda c, r: c.yes_no("no"),
    "UnsureIntent": lambda c, r: c.unsure(),
    "WalkTimeIntent": lambda c, r: c.minutes(minutes_from(r)),
    "EmergencyIntent": lambda c, r: c.emergency(slot_value(r, "symptom")),
    "FaqIntent": lambda c, r: c.faq(slot_value(r, "topic")),
    "LogWalkIntent": lambda c, r: diary_talk.log(c, minutes_from(r)),
    "DiaryTrendIntent": lambda c, r: diary_talk.trend(c),
    "DeleteDataIntent": lambda c, r: diary_talk.request_delete(c),
    "AMAZON.HelpIntent": lambda c, r: c.help(),
    "AMAZON.RepeatIntent": lambda c, r: c.repeat(),
    "AMAZON.StartOverIntent": lambda c, r: c.start_over(),
    "AMAZON.PreviousIntent": lambda c, r: c.go_back(),
    "AMAZON.StopIntent": lambda c, r: c.stop(),
    "AMAZON.CancelIntent": lambda c, r: c.stop(),
    "AMAZON.NavigateHomeIntent": lambda c, r: c.stop(),
    "AMAZON.FallbackIntent": lambda c, r: c.fallback(),
}

_CONV = "conversation"
_STARTED = "started"


def _conversation(handler_input: HandlerInput) -> Conversation:
    conv = handler_input.attributes_manager.request_attributes[_CONV]
    assert isinstance(conv, Conversation)
    return conv


def _respond(handler_input: HandlerInput, conv: Conversation, reply: Reply) -> Response:
    rb = handler_input.response_builder
    rb.speak(to_ssml(reply.groups, urgent_first=reply.urgent_first))
    if reply.reprompt:
        rb.ask(to_ssml([[reply.reprompt]]))
    rb.set_should_end_session(reply.ends_session)
    if reply.card:
        rb.set_card(SimpleCard(title=reply.card[0], content=reply.card[1]))
    if handler_input.request_envelope.session is not None:  # out-of-session requests carry none
        handler_input.attributes_manager.session_attributes = {} if reply.ends_session else dump(conv.state)
    return rb.response


class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, LaunchRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        conv = _conversation(handler_input)
        return _respond(handler_input, conv, conv.launch())


class IntentHandler(AbstractRequestHandler):
    """Every intent, known or not: unknown ones get a spoken "didn't catch that" and the open prompt."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        conv = _conversation(handler_input)
        request = handler_input.request_envelope.request
        name = getattr(getattr(request, "intent", None), "name", None) or ""
        move = INTENTS.get(name)
        reply = move(conv, request) if move else conv.unexpected()
        return _respond(handler_input, conv, reply)


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, SessionEndedRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        # Alexa ignores any speech here; the diary was already written when the user agreed.
        return handler_input.response_builder.response


class OtherRequestHandler(AbstractRequestHandler):
    """Request types this skill does not use (display, audio, system events): an empty reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class LoadState(AbstractRequestInterceptor):
    def __init__(self, store: DiaryStore | None) -> None:
        self.store = store

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        request = envelope.request
        locale = supported(getattr(request, "locale", None) or "")
        session = envelope.session
        manager = handler_input.attributes_manager
        state, reset = load(manager.session_attributes if session is not None else None)
        if session is not None:
            # The SDK echoes whatever attributes came in; send back only the validated state.
            manager.session_attributes = dump(state)
        user = getattr(getattr(session, "user", None), "user_id", None) or getattr(
            getattr(getattr(envelope.context, "system", None), "user", None), "user_id", None
        )
        conv = Conversation(state, strings(locale), locale, user or "anonymous", self.store)
        attrs = handler_input.attributes_manager.request_attributes
        attrs[_CONV], attrs[_STARTED] = conv, time.perf_counter()
        if reset:
            logger.info("request %s: session state reset", getattr(request, "request_id", "?"))


class LogRequest(AbstractResponseInterceptor):
    """Request id, type, intent name and dialog time only: never slots, answers or speech.

    DEBUG, because each channel (Lambda, the web service) logs its own one INFO line per request.
    """

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        request = handler_input.request_envelope.request
        started = handler_input.attributes_manager.request_attributes.get(_STARTED)
        elapsed = time.perf_counter() - started if isinstance(started, float) else 0.0
        logger.debug(
            "request %s type=%s intent=%s %.1f ms",
            getattr(request, "request_id", "?"),
            getattr(request, "object_type", "?"),
            getattr(getattr(request, "intent", None), "name", "-"),
            elapsed * 1000,
        )


class SpeakOnError(AbstractExceptionHandler):
    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The type only: exception messages can quote the request (pydantic errors echo input values).
        logger.error("request failed: %s", type(exception).__name__)
        locale = supported(getattr(handler_input.request_envelope.request, "locale", None) or "")
        s = strings(locale)
        text = s.text("dialog.not_understood")
        reprompt = s.text("dialog.for_whom.reprompt")
        rb = handler_input.response_builder
        return rb.speak(to_ssml([[text, reprompt]])).ask(to_ssml([[reprompt]])).response
