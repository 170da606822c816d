"""Typed text -> (intent, slots), from the same ``interaction_models/*.json`` Alexa uses.

``python -m skill chat`` has no speech recogniser, so this stands in for Alexa's
language understanding: a line matches an intent only through that intent's
sample utterances and the slot values and synonyms of the model, so what works
in ``chat`` is what the model really covers. On top of exact matching it does
what Alexa's statistical model does for free and older speakers need: case,
punctuation and spacing do not matter, polite filler ("um", "oh", "please",
"thank you") is ignored, hedges before a number ("about", "maybe") are ignored,
and number words become digits, as Alexa sends AMAZON.NUMBER.

Slots come back shaped like the ``slots`` object of an Alexa IntentRequest,
including entity resolution for custom slot types, so the same handlers read
them. Stdlib only; the model is loaded and each sample compiled on first use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skill.locale.numbers import NUMBER_WORDS, SCALES, parse_number

MODELS_DIR = Path(__file__).resolve().parent.parent / "interaction_models"
FALLBACK = "AMAZON.FallbackIntent"
DEFAULT_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

# What Alexa's built-in intents understand without any sample in the model.
_BUILTIN_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "yup", "yes please", "sure", "okay", "ok"),
    "AMAZON.NoIntent": ("no", "nope", "nah", "no thanks", "no thank you"),
    "AMAZON.HelpIntent": ("help", "help me", "can you help me", "help please"),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say that again", "again", "repeat please"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again", "begin again"),
    "AMAZON.PreviousIntent": ("go back", "back", "previous", "go back please"),
    "AMAZON.StopIntent": ("stop", "off", "shut up", "be quiet", "stop please", "that's enough"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "cancel that"),
    "AMAZON.NavigateHomeIntent": ("go home", "home", "main menu", "exit skill"),
}

# Said around an answer without changing it; tried only when the whole line matches nothing.
_LEADING_FILLER = (
    "alexa",
    "um",
    "umm",
    "uh",
    "uhm",
    "er",
    "erm",
    "ehm",
    "hmm",
    "hm",
    "mm",
    "oh no",
    "oh",
    "ah",
    "aah",
    "well",
    "so",
    "now",
    "right",
    "ok so",
    "okay so",
    "oh dear",
    "oh well",
    "let me think",
    "let me see",
    "let's see",
    "you know",
    "like",
    "sorry",
    "please",
    "dear",
    "and",
    "but",
    "then",
)
_TRAILING_FILLER = (
    "please",
    "thanks",
    "thank you",
    "thank you very much",
    "thanks very much",
    "thank you dear",
    "thanks dear",
    "dear",
    "love",
    "then",
    "i think",
    "i guess",
    "i suppose",
    "i reckon",
    "you know",
    "or so",
    "or something",
    "or thereabouts",
    "more or less",
    "roughly",
    "alexa",
    "really",
    "to be honest",
    "honestly",
    "sorry",
)
# Vague words that do not change the value; dropped anywhere as a last resort.
_HEDGES = frozenset(
    "about around roughly maybe probably perhaps approximately say like only just "
    "possibly actually honestly really nearly almost".split()
)
_HEDGE_PHRASES = ("i'd say", "i would say", "i think", "i guess", "i suppose", "i reckon", "give or take")

# One-shot invocation words, so "ask walking check for my mother" works in chat too.
_LAUNCH_WORDS = ("ask", "tell", "open", "start", "launch", "begin", "run", "use", "load", "talk to", "play")
_INVOCATION_CONNECTORS = ("to", "and", "if", "whether", "that")

_NUMBER_WORD = "|".join(sorted([*NUMBER_WORDS, *SCALES], key=len, reverse=True))
# Digits, or number words ("twenty five", "a hundred and twenty"); "a"/"and" only inside.
_NUMBER_RE = rf"(?:\d+|(?:a\s)?(?:{_NUMBER_WORD})(?:\s(?:and\s)?(?:{_NUMBER_WORD}))*)(?![a-z'])"
_SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WORD_RE = re.compile(r"[a-z0-9']+")


def normalize(text: str) -> str:
    """Lower case, words only: what both samples and typed lines are compared as.

    Periods and hyphens go ("M. R. I.", "x-ray"), "&" is read as "and" ("A&E"), and
    runs of single letters are joined so "m r i" and "MRI" are the same word.
    """
    text = text.lower().replace("’", "'").replace("‘", "'").replace("&", " and ")
    text = re.sub(r"[^a-z0-9'{}_ ]+", " ", text)
    words = [w.strip("'") for w in text.split()]
    out: list[str] = []
    run: list[str] = []
    for w in [*(w for w in words if w), ""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if w:
            out.append(w)
    return " ".join(out)


def words_to_number(text: str) -> int | None:
    """ "twenty five" -> 25, "a hundred and ten" -> 110, "15" -> 15; None if it is not a number."""
    number = parse_number(text)
    return None if number is None or number < 0 or number != int(number) else int(number)


@dataclass(frozen=True)
class Resolution:
    """What Alexa would send for a line: the intent and its ``slots`` object.

    ``request_type`` is ``"LaunchRequest"`` (and ``intent`` empty) when the line only
    opens the skill ("open walking check"). ``sample`` is the matched sample, for tests.
    """

    intent: str
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)
    request_type: str = "IntentRequest"
    sample: str | None = None

    def slot_id(self, name: str) -> str | None:
        """Canonical id of a custom slot (or the raw value of a built-in one), as handlers read it."""
        slot = self.slots.get(name) or {}
        for authority in slot.get("resolutions", {}).get("resolutionsPerAuthority", []):
            if authority.get("status", {}).get("code") == "ER_SUCCESS_MATCH" and authority.get("values"):
                return str(authority["values"][0]["value"]["id"])
        value = slot.get("value")
        return None if value is None else str(value)


@dataclass(frozen=True)
class _SlotType:
    name: str
    pattern: str  # regex alternation for one slot occurrence
    values: dict[str, tuple[str, str]]  # normalized phrase -> (id, canonical name)


@dataclass
class _Sample:
    intent: str
    text: str  # the sample as written in the model
    order: int
    literal_words: frozenset[str]
    literal_chars: int
    slot_names: tuple[str, ...]
    template: str  # normalized sample with {slot} markers
    _regex: re.Pattern[str] | None = None

    def regex(self, types: dict[str, _SlotType], slot_types: dict[str, str]) -> re.Pattern[str]:
        if self._regex is None:
            parts: list[str] = []
            pos = 0
            for m in _SLOT_RE.finditer(self.template):
                parts.append(re.escape(self.template[pos : m.start()]))
                name = m.group(1)
                parts.append(f"(?P<{name}>{types[slot_types[name]].pattern})")
                pos = m.end()
            parts.append(re.escape(self.template[pos:]))
            self._regex = re.compile("".join(parts))
        return self._regex


class Resolver:
    """Resolve typed lines against one locale's interaction model."""

    def __init__(self, model: dict[str, Any], skill_id: str = DEFAULT_SKILL_ID) -> None:
        lm = model["interactionModel"]["languageModel"] if "interactionModel" in model else model
        self.invocation_name: str = normalize(lm["invocationName"])
        self.skill_id = skill_id
        self._types: dict[str, _SlotType] = {"AMAZON.NUMBER": _SlotType("AMAZON.NUMBER", _NUMBER_RE, {})}
        for t in lm.get("types", []):
            self._types[t["name"]] = _custom_type(t)
        self._slot_types: dict[str, dict[str, str]] = {}
        self._samples: list[_Sample] = []
        self._intent_order: dict[str, int] = {}
        seen: set[str] = set()
        for idx, intent in enumerate(lm["intents"]):
            name = intent["name"]
            self._intent_order[name] = idx
            self._slot_types[name] = {s["name"]: s["type"] for s in intent.get("slots", [])}
            for text in intent.get("samples", []):
                self._add(name, text, seen)
        # Alexa's own samples for built-ins come last, and never override the model.
        for name, texts in _BUILTIN_SAMPLES.items():
            if name in self._intent_order:
                for text in texts:
                    self._add(name, text, seen)

    def _add(self, intent: str, text: str, seen: set[str]) -> None:
        template = normalize(text)
        if template in seen:
            return
        seen.add(template)
        literal = _SLOT_RE.sub(" ", template)
        slot_names = tuple(_SLOT_RE.findall(template))
        unknown = [s for s in slot_names if s not in self._slot_types[intent]]
        if unknown:
            raise ValueError(f"{intent}: sample {text!r} uses undeclared slot(s) {unknown}")
        self._samples.append(
            _Sample(
                intent=intent,
                text=text,
                order=len(self._samples),
                literal_words=frozenset(literal.split()),
                literal_chars=len(literal.replace(" ", "")),
                slot_names=slot_names,
                template=template,
            )
        )

    @classmethod
    def from_locale(cls, locale: str, models_dir: Path | None = None) -> Resolver:
        """The resolver for ``interaction_models/<locale>.json`` (cached per file)."""
        return _cached_resolver(str((models_dir or MODELS_DIR) / f"{locale}.json"))

    @property
    def intents(self) -> list[str]:
        return list(self._intent_order)

    def resolve(self, text: str) -> Resolution:
        """The intent and slots Alexa would send for ``text``; Fallback when nothing fits."""
        line = normalize(text)
        line, launched = self._strip_invocation(line)
        if launched and not line:
            return Resolution(intent="", request_type="LaunchRequest")
        for candidate in _variants(line):
            found = self._best(candidate)
            if found is not None:
                return found
        return Resolution(intent=FALLBACK)

    def matches(self, text: str) -> list[Resolution]:
        """Every sample that matches ``text`` exactly (after normalizing), best first."""
        return self._all(normalize(text))

    def _strip_invocation(self, line: str) -> tuple[str, bool]:
        words = line
        if words.startswith("alexa "):
            words = words[len("alexa ") :]
        for launch in _LAUNCH_WORDS:
            prefix = f"{launch} {self.invocation_name}"
            if words == prefix or words.startswith(prefix + " "):
                rest = words[len(prefix) :].strip()
                for connector in _INVOCATION_CONNECTORS:
                    if rest.startswith(connector + " "):
                        rest = rest[len(connector) + 1 :]
                        break
                return rest, True
        if words == self.invocation_name:
            return "", True
        return line, False

    def _all(self, line: str) -> list[Resolution]:
        if not line:
            return []
        words = set(line.split())
        scored: list[tuple[tuple[int, int, int, int], Resolution]] = []
        for sample in self._samples:
            if not sample.literal_words <= words:
                continue
            slot_types = self._slot_types[sample.intent]
            m = sample.regex(self._types, slot_types).fullmatch(line)
            if m is None:
                continue
            slots = self._slots(sample.intent, m)
            if slots is None:
                continue
            # More literal words means a more specific sample; then model order decides.
            key = (
                -sample.literal_chars,
                len(sample.slot_names),
                self._intent_order[sample.intent],
                sample.order,
            )
            scored.append((key, Resolution(intent=sample.intent, slots=slots, sample=sample.text)))
        scored.sort(key=lambda kv: kv[0])
        return [r for _, r in scored]

    def _best(self, line: str) -> Resolution | None:
        found = self._all(line)
        return found[0] if found else None

    def _slots(self, intent: str, m: re.Match[str]) -> dict[str, dict[str, Any]] | None:
        out: dict[str, dict[str, Any]] = {}
        for name, type_name in self._slot_types[intent].items():
            slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
            spoken = m.groupdict().get(name)
            if spoken is not None:
                if type_name == "AMAZON.NUMBER":
                    number = words_to_number(spoken)
                    if number is None:
                        return None
                    slot["value"] = str(number)
                else:
                    value_id, value_name = self._types[type_name].values[spoken]
                    slot["value"] = spoken
                    slot["resolutions"] = {
                        "resolutionsPerAuthority": [
                            {
                                "authority": f"amzn1.er-authority.echo-sdk.{self.skill_id}.{type_name}",
                                "status": {"code": "ER_SUCCESS_MATCH"},
                                "values": [{"value": {"name": value_name, "id": value_id}}],
                            }
                        ]
                    }
            out[name] = slot
        return out


def _custom_type(spec: dict[str, Any]) -> _SlotType:
    values: dict[str, tuple[str, str]] = {}
    for v in spec.get("values", []):
        canonical = v["name"]["value"]
        for phrase in [canonical, *v["name"].get("synonyms", [])]:
            # First value wins, as the model test forbids one phrase in two values anyway.
            values.setdefault(normalize(phrase), (str(v.get("id") or canonical), canonical))
    # Longest phrase first so "an hour and a half" is not read as "an hour".
    alternation = "|".join(re.escape(p) for p in sorted(values, key=lambda p: (-len(p), p)))
    return _SlotType(spec["name"], f"(?:{alternation})" if alternation else "(?!)", values)


def _strip_phrases(line: str, phrases: tuple[str, ...], leading: bool) -> str:
    changed = True
    while changed and line:
        changed = False
        for p in sorted(phrases, key=len, reverse=True):
            if leading and (line == p or line.startswith(p + " ")):
                line = line[len(p) :].strip()
                changed = True
            elif not leading and (line == p or line.endswith(" " + p)):
                line = line[: len(line) - len(p)].strip()
                changed = True
    return line


def _variants(line: str) -> list[str]:
    """The line as typed, then without filler, then without hedges too."""
    out = [line]
    bare = _strip_phrases(_strip_phrases(line, _LEADING_FILLER, True), _TRAILING_FILLER, False)
    out.append(bare)
    hedged = bare
    for phrase in _HEDGE_PHRASES:
        hedged = re.sub(rf"(?:^| ){re.escape(phrase)}(?= |$)", " ", hedged)
    hedged = " ".join(w for w in hedged.split() if w not in _HEDGES)
    hedged = _strip_phrases(_strip_phrases(hedged, _LEADING_FILLER, True), _TRAILING_FILLER, False)
    out.append(hedged)
    return [v for i, v in enumerate(out) if v and v not in out[:i]]


@cache
def _cached_resolver(path: str) -> Resolver:
    try:
        with open(path, encoding="utf-8") as fh:
            model = json.load(fh)
    except FileNotFoundError:
        raise ValueError(f"no interaction model at {path}") from None
    return Resolver(model)
