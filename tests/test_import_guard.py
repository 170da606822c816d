"""Cold-start guard: what the Lambda handler and the rule module may import.

Each check runs in a fresh interpreter, so nothing imported by the test session hides a regression.
tests/test_deployment.py already asserts that importing the handler loads no boto3, botocore,
flask, sqlite3 or pytest (with the diary off and on); this file adds the web stack around Flask
and the layering of ``skill.rules`` (DESIGN.md: rules import nothing from Alexa, Flask or storage).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _loaded(setup: str, roots: tuple[str, ...], **env: str) -> list[str]:
    """Modules under ``roots`` present after running ``setup`` in a fresh interpreter."""
    code = textwrap.dedent(
        f"""
        import json, sys
        {setup}
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {roots!r} or m in {roots!r})))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_lambda_handler_loads_no_web_stack_or_storage() -> None:
    setup = f"sys.path.insert(0, {str(REPO / 'lambda')!r}); import lambda_function"
    roots = (
        "boto3",
        "botocore",
        "flask",
        "werkzeug",
        "granian",
        "flask_ask_sdk",
        "ask_sdk_webservice_support",
        "sqlite3",
        "_sqlite3",
        "skill.server",
        "skill.verification",
        "skill.packaging",
        "skill.persistence.sqlite",
        "skill.persistence.dynamodb",
    )
    assert _loaded(setup, roots) == []


def test_rules_load_no_alexa_web_or_storage_modules() -> None:
    roots = (
        "ask_sdk_core",
        "ask_sdk_model",
        "ask_sdk_runtime",
        "flask",
        "werkzeug",
        "boto3",
        "botocore",
        "sqlite3",
        "_sqlite3",
    )
    setup = "import skill.rules; from skill.rules import Answers, assess, result_speech, rules_markdown"
    assert _loaded(setup, roots) == []


def test_a_launch_on_lambda_does_not_load_pydantic_or_dateutil() -> None:
    """pydantic costs about a hundred milliseconds of cold start and a launch asks nothing to check
    yet. dateutil.parser (7 ms) is the SDK's timestamp parser, which skill.dialog.serializer
    replaces; the rest of dateutil comes with ask_sdk_model.services, for the anchor too."""
    setup = (
        f"sys.path.insert(0, {str(REPO / 'lambda')!r}); import lambda_function; "
        "from skill.envelopes import Session; "
        "r = lambda_function.lambda_handler(Session('amzn1.ask.account.x').launch(), None); "
        "assert 'Welcome' in r['response']['outputSpeech']['ssml']"
    )
    roots = ("pydantic", "pydantic_core", "dateutil.parser", "skill.rules.models", "skill.rules.engine")
    assert _loaded(setup, roots) == []
