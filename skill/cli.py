"""``python -m skill``: chat, assess, rules, serve, package.

Heavy modules are imported inside each command so ``assess`` and ``rules`` start fast and a missing
optional dependency only affects the command that needs it. Bad input never shows a traceback: one
line on stderr naming the problem, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from skill.locale import DEFAULT_LOCALE, LOCALES

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """A user-facing problem with the input; the message is printed as is."""


def _validation_message(exc: Exception) -> str:
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("constrained-", "literal[")))
    if err["type"] == "extra_forbidden":
        return f"unknown field {where!r}"
    if err["type"] == "model_type":
        return "expected a JSON object of answers"
    if where.startswith("walk_minutes"):
        return 'walk_minutes: expected a number of minutes, 0 or more, or "unlimited"'
    return f"{where}: {err['msg'].lower()}"


def _parse_answers(text: str) -> object:
    from pydantic import ValidationError

    from skill.rules import Answers

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise BadInput("expected a JSON object of answers")
    try:
        return Answers.model_validate(data)
    except ValidationError as exc:
        raise BadInput(_validation_message(exc)) from None


def cmd_assess(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from skill.rules import Answers, assess

    text = stdin.read()
    if args.jsonl:
        answers = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    answers.append(_parse_answers(line))
                except BadInput as exc:
                    raise BadInput(f"line {number}: {exc}") from None
    else:
        if not text.strip():
            raise BadInput("no input: give one JSON object of answers on stdin")
        answers = [_parse_answers(text)]
    for a in answers:
        assert isinstance(a, Answers)
        stdout.write(assess(a, args.locale).model_dump_json() + "\n")
    return 0


def cmd_rules(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from skill.rules import rules_markdown

    stdout.write(rules_markdown())
    return 0


def cmd_chat(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from skill.chat import run_chat
    from skill.persistence import StorageError

    try:
        code: int = run_chat(stdin, stdout, locale=args.locale, user=args.user, db=args.db)
    except StorageError as exc:
        raise BadInput(f"diary storage: {exc}") from None
    return code


def cmd_serve(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from skill.persistence import StorageError
    from skill.server import serve

    try:
        serve(host=args.host, port=args.port, verify=not args.no_verify, db=args.db, workers=args.workers)
    except (StorageError, OSError) as exc:
        raise BadInput(f"cannot serve: {exc}") from None
    return 0


def cmd_package(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from skill.packaging import PackagingError, build

    try:
        result = build(Path(args.out))
    except PackagingError as exc:
        raise BadInput(str(exc)) from None
    stdout.write(result.summary() + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m skill", description="Walking Check")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")

    def locale_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--locale", default=DEFAULT_LOCALE, choices=LOCALES, help="speech locale")

    def db_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", help="diary storage: a SQLite file path (default: under your data directory)")

    sp = sub.add_parser("chat", help="talk to the skill in text")
    locale_arg(sp)
    db_arg(sp)
    sp.add_argument("--user", default="local-user", help="the user id the diary is kept under")
    sp.set_defaults(func=cmd_chat)

    sp = sub.add_parser("assess", help="Answers JSON on stdin -> Assessment JSON on stdout")
    locale_arg(sp)
    sp.add_argument("--jsonl", action="store_true", help="one Answers object per line")
    sp.set_defaults(func=cmd_assess)

    sp = sub.add_parser("rules", help="print the rule table as Markdown")
    sp.set_defaults(func=cmd_rules)

    sp = sub.add_parser("serve", help="run the Alexa web service")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=5000)
    sp.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: one per CPU core; --db memory: always uses one)",
    )
    sp.add_argument(
        "--no-verify", action="store_true", help="turn off request signature checks (local testing)"
    )
    db_arg(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("package", help="build build/lambda.zip and build/skill-package/")
    sp.add_argument("--out", default="build")
    sp.set_defaults(func=cmd_package)
    return p


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args, stdin or sys.stdin, stdout or sys.stdout)
        return code
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
