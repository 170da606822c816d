"""Build the ASK interaction models from one source.

``interaction_models/src/base.json`` holds what every English locale shares;
``interaction_models/src/<locale>.json`` replaces macros and adds samples or
synonyms where a locale really speaks differently ("mum", "A and E", "trolley").
Templates are expanded here so the committed models list plain Alexa samples:

- ``(a|b|)`` is a choice; an empty choice makes the part optional;
- ``<name>`` expands a macro (a list of templates, which may use other macros);
- ``{slot}`` is left alone for Alexa.

Run ``python -m skill.nlu_models`` to rewrite ``interaction_models/*.json`` and
``python -m skill.nlu_models --check`` to fail when they are stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

LOCALES: tuple[str, ...] = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
MODELS_DIR = Path(__file__).resolve().parent.parent / "interaction_models"
SRC_DIR = MODELS_DIR / "src"

# Built-in intents that must be present; Alexa supplies their core samples.
REQUIRED_BUILTINS: tuple[str, ...] = (
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.HelpIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.StartOverIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
)

Json = dict[str, Any]


class ModelSourceError(ValueError):
    """The source files would produce a model Alexa rejects (or one we must not ship)."""


def _parse(template: str, pos: int, macros: dict[str, list[str]], depth: int) -> tuple[list[str], int]:
    """Expand ``template[pos:]`` up to an unmatched ``)`` or ``|``; return choices and the stop index."""
    if depth > 20:
        raise ModelSourceError(f"macros nest too deeply in {template!r}")
    out = [""]
    text_start = pos
    while pos < len(template):
        ch = template[pos]
        if ch in ")|":
            break
        if ch == "(":
            literal = template[text_start:pos]
            out = [o + literal for o in out]
            choices: list[str] = []
            pos += 1
            while True:
                alt, pos = _parse(template, pos, macros, depth)
                choices.extend(alt)
                if pos >= len(template):
                    raise ModelSourceError(f"unclosed '(' in {template!r}")
                if template[pos] == ")":
                    pos += 1
                    break
                pos += 1  # skip '|'
            out = [o + c for o in out for c in choices]
            text_start = pos
        elif ch == "<":
            end = template.find(">", pos)
            if end < 0:
                raise ModelSourceError(f"unclosed '<' in {template!r}")
            name = template[pos + 1 : end]
            if name not in macros:
                raise ModelSourceError(f"unknown macro <{name}> in {template!r}")
            literal = template[text_start:pos]
            expanded = [e for m in macros[name] for e in expand(m, macros, depth + 1)]
            out = [o + literal + e for o in out for e in expanded]
            pos = end + 1
            text_start = pos
        else:
            pos += 1
    literal = template[text_start:pos]
    return [o + literal for o in out], pos


def _tidy(text: str) -> str:
    return " ".join(text.split())


def expand(template: str, macros: dict[str, list[str]], depth: int = 0) -> list[str]:
    """All phrasings of one template, in source order, without duplicates or empty ones."""
    result, pos = _parse(template, 0, macros, depth)
    if pos != len(template):
        raise ModelSourceError(f"unbalanced ')' or '|' in {template!r}")
    return _unique(_tidy(r) for r in result if r.strip())


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = sample_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def sample_key(sample: str) -> str:
    """How Alexa compares samples: case and spacing do not matter."""
    return " ".join(sample.lower().split())


def _load(path: Path) -> Json:
    with path.open(encoding="utf-8") as fh:
        data: Json = json.load(fh)
    return data


def build_model(locale: str, src_dir: Path = SRC_DIR) -> Json:
    """The ASK CLI interaction model for one locale."""
    if locale not in LOCALES:
        raise ModelSourceError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")
    base = _load(src_dir / "base.json")
    extra_path = src_dir / f"{locale}.json"
    extra = _load(extra_path) if extra_path.exists() else {}
    macros: dict[str, list[str]] = {**base.get("macros", {}), **extra.get("macros", {})}
    extra_samples: dict[str, list[str]] = extra.get("samples", {})
    extra_synonyms: dict[str, dict[str, list[str]]] = extra.get("synonyms", {})

    intents: list[Json] = []
    owner: dict[str, str] = {}  # sample key -> intent, to refuse cross-intent duplicates

    def add_intent(name: str, templates: Sequence[str], slots: list[Json] | None) -> None:
        samples = _unique(s for t in [*templates, *extra_samples.get(name, [])] for s in expand(t, macros))
        for s in samples:
            key = sample_key(s)
            if key in owner:
                raise ModelSourceError(f"{locale}: sample {s!r} is in both {owner[key]} and {name}")
            owner[key] = name
        intent: Json = {"name": name}
        if slots:
            intent["slots"] = [{"name": sl["name"], "type": sl["type"]} for sl in slots]
        intent["samples"] = samples
        intents.append(intent)

    for spec in base["intents"]:
        add_intent(spec["name"], spec["samples"], spec.get("slots"))
    for name, templates in base["builtins"].items():
        add_intent(name, templates, None)
    unknown = set(extra_samples) - {i["name"] for i in intents}
    if unknown:
        raise ModelSourceError(f"{locale}: samples for unknown intents {sorted(unknown)}")

    types: list[Json] = []
    for spec in base["types"]:
        additions = extra_synonyms.get(spec["name"], {})
        ids = {v["id"] for v in spec["values"]}
        if set(additions) - ids:
            raise ModelSourceError(
                f"{locale}: synonyms for unknown {spec['name']} ids {set(additions) - ids}"
            )
        claimed: dict[str, str] = {}  # phrase -> value id: one phrase must mean one thing
        values: list[Json] = []
        for v in spec["values"]:
            phrases = [v["name"]]
            phrases += [
                e for s in [*v.get("synonyms", []), *additions.get(v["id"], [])] for e in expand(s, macros)
            ]
            phrases = _unique(phrases)
            for p in phrases:
                key = sample_key(p)
                if claimed.get(key, v["id"]) != v["id"]:
                    raise ModelSourceError(
                        f"{locale}: {spec['name']} {p!r} is in {claimed[key]} and {v['id']}"
                    )
                claimed[key] = v["id"]
            values.append({"id": v["id"], "name": {"value": phrases[0], "synonyms": phrases[1:]}})
        types.append({"name": spec["name"], "values": values})
    unknown_types = set(extra_synonyms) - {t["name"] for t in types}
    if unknown_types:
        raise ModelSourceError(f"{locale}: synonyms for unknown slot types {sorted(unknown_types)}")

    return {
        "interactionModel": {
            "languageModel": {"invocationName": base["invocationName"], "intents": intents, "types": types}
        }
    }


def render(model: Json) -> str:
    """The committed file's exact text."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def model_path(locale: str, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{locale}.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.nlu_models", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed models are out of date")
    args = parser.parse_args(argv)
    stale: list[str] = []
    try:
        built = {loc: render(build_model(loc)) for loc in LOCALES}
    except (ModelSourceError, OSError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for loc, text in built.items():
        path = model_path(loc)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python -m skill.nlu_models", file=sys.stderr)
        return 1
    counts = ", ".join(
        f"{loc} {sum(len(i['samples']) for i in json.loads(t)['interactionModel']['languageModel']['intents'])}"
        for loc, t in built.items()
    )
    print(f"{'checked' if args.check else 'wrote'} {len(built)} models (samples: {counts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
