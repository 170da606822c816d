"""Deployment: the SAM template, the Lambda zip and the ASK skill package.

The zip is tested the way Lambda runs it: unpacked into an empty directory and imported by a
fresh interpreter that sees only that directory and the standard library.
"""

from __future__ import annotations

import json
import marshal
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill import packaging
from skill.packaging import BuildResult, PackagingError

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "template.yaml"
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-8888-7777-6666-000000000000"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:walking-check-WalkingCheckFunction-AbC123"
# A value that must never reach the logs.
SLOT_SENTINEL = "4242"
EXAMPLE_PHRASES = [
    "Alexa, open walking check",
    "Alexa, ask walking check for my mother",
    "Alexa, ask walking check how is my walking doing",
]


# --- template.yaml ---------------------------------------------------------------------------


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, !If ...) as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return loaded


def _cfn_lint() -> str:
    local = Path(sys.executable).parent / "cfn-lint"
    found = str(local) if local.exists() else shutil.which("cfn-lint")
    if not found:
        pytest.fail("cfn-lint is not installed (it is a dev dependency)")
    return found


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run(
        [_cfn_lint(), str(TEMPLATE)], capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_function_runtime_matches_the_zip(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    fn = template["Resources"]["WalkingCheckFunction"]
    assert fn["Type"] == "AWS::Serverless::Function"
    props = fn["Properties"]
    assert props["Runtime"] == "python3.11"
    assert props["Architectures"] == ["x86_64"]
    assert props["Handler"] == "lambda_function.lambda_handler"
    assert props["CodeUri"] == "build/lambda.zip"
    # Alexa gives up after 8 seconds.
    assert 3 <= props["Timeout"] < 8
    assert props["MemorySize"] >= 256


def test_alexa_trigger_is_restricted_to_the_skill_id(template: dict[str, Any]) -> None:
    events = template["Resources"]["WalkingCheckFunction"]["Properties"]["Events"]
    assert [e["Type"] for e in events.values()] == ["AlexaSkill"]
    (event,) = events.values()
    assert event["Properties"]["SkillId"] == {"Ref": "SkillId"}
    param = template["Parameters"]["SkillId"]
    assert "Default" not in param  # a deployer must name the skill
    assert re.fullmatch(param["AllowedPattern"], SKILL_ID)
    assert not re.fullmatch(param["AllowedPattern"], "*")


def test_environment(template: dict[str, Any]) -> None:
    env = template["Resources"]["WalkingCheckFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SKILL_ID"] == {"Ref": "SkillId"}
    assert env["DIARY_ENABLED"] == {"Ref": "DiaryEnabled"}
    assert env["DIARY_TABLE"] == {"Fn::If": ["DiaryOn", {"Ref": "DiaryTable"}, ""]}
    assert env["DIARY_RETENTION_DAYS"] == {"Ref": "DiaryRetentionDays"}


def test_diary_table_settings(template: dict[str, Any]) -> None:
    table = template["Resources"]["DiaryTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["Condition"] == "DiaryOn"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["KeySchema"] == [
        {"AttributeName": "user_id", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == {
        "user_id": "S",
        "sk": "S",
    }


def test_table_matches_the_dynamodb_store(template: dict[str, Any]) -> None:
    dynamodb = pytest.importorskip("skill.persistence.dynamodb")
    props = template["Resources"]["DiaryTable"]["Properties"]
    for key in ("KeySchema", "AttributeDefinitions", "BillingMode"):
        assert props[key] == dynamodb.TABLE_DEFINITION[key], key
    assert props["TimeToLiveSpecification"]["AttributeName"] == dynamodb.TTL_ATTRIBUTE


def test_policy_is_scoped_to_the_table_and_switched_by_diary_enabled(template: dict[str, Any]) -> None:
    assert template["Parameters"]["DiaryEnabled"]["AllowedValues"] == ["true", "false"]
    assert template["Conditions"]["DiaryOn"] == {"Fn::Equals": [{"Ref": "DiaryEnabled"}, "true"]}
    policies = template["Resources"]["WalkingCheckFunction"]["Properties"]["Policies"]
    assert len(policies) == 1
    condition, granted, otherwise = policies[0]["Fn::If"]
    assert condition == "DiaryOn"
    assert otherwise == {"Ref": "AWS::NoValue"}
    statements = granted["Statement"]
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == {"Fn::GetAtt": ["DiaryTable", "Arn"]}
        for action in statement["Action"]:
            assert action.startswith("dynamodb:")
            assert "*" not in action
            assert action.split(":")[1] not in {"DeleteTable", "CreateTable", "UpdateTable", "Scan"}


def test_logs_and_outputs(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    group = resources["WalkingCheckLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    logging_config = resources["WalkingCheckFunction"]["Properties"]["LoggingConfig"]
    assert logging_config["LogGroup"] == {"Ref": "WalkingCheckLogGroup"}
    outputs = template["Outputs"]
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": ["WalkingCheckFunction", "Arn"]}
    assert outputs["DiaryTableName"]["Value"] == {"Ref": "DiaryTable"}


# --- lambda_function import path --------------------------------------------------------------

_HEAVY = ("boto3", "botocore", "flask", "sqlite3", "_sqlite3", "pytest")


def _import_handler(**env: str) -> tuple[list[str], str]:
    """Import lambda_function in a fresh interpreter; the heavy modules it loaded, and its logs."""
    code = textwrap.dedent(
        f"""
        import json, logging, sys
        logging.basicConfig(level=logging.INFO)
        sys.path.insert(0, {str(REPO / "lambda")!r})
        import lambda_function
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {_HEAVY!r})
        print(json.dumps(heavy))
        """
    )
    base = {"PATH": "/usr/bin:/bin", "SKILL_ID": SKILL_ID, "AWS_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**base, **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    heavy: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return heavy, result.stderr


def test_importing_the_handler_loads_no_heavy_modules() -> None:
    heavy, _ = _import_handler()
    assert heavy == []


def test_diary_switched_off_loads_no_heavy_modules() -> None:
    heavy, _ = _import_handler(DIARY_TABLE="WalkingCheckDiary", DIARY_ENABLED="false")
    assert heavy == []


def test_diary_table_opens_the_dynamodb_store_at_init() -> None:
    # Creating the client needs no network or credentials, only a region.
    heavy, logs = _import_handler(DIARY_TABLE="WalkingCheckDiary", DIARY_ENABLED="true")
    assert "boto3" in heavy
    assert "diary storage unavailable" not in logs


# --- the zip, as Lambda runs it -------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return packaging.build(tmp_path_factory.mktemp("build"), lambda_arn=LAMBDA_ARN)


@pytest.fixture(scope="module")
def unpacked(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("task")  # Lambda unpacks into /var/task
    with zipfile.ZipFile(built.zip_path) as zf:
        zf.extractall(target)
    return target


def test_zip_contents(built: BuildResult, record_property: Any) -> None:
    record_property("lambda_zip_bytes", built.zip_bytes)
    print(f"\n{built.zip_path.name}: {built.zip_bytes} bytes, {built.unzipped_bytes} unzipped")
    with zipfile.ZipFile(built.zip_path) as zf:
        names = zf.namelist()
        infos = zf.infolist()
    assert "lambda_function.py" in names
    assert "skill/__init__.py" in names
    assert "skill/dialog/__init__.py" in names
    assert any(n.startswith("ask_sdk_core/") for n in names)
    assert any(n.startswith("pydantic_core/") and n.endswith(".so") for n in names)
    for forbidden in (
        "tests/",
        "flask/",
        "flask_ask_sdk/",
        "boto3/",
        "botocore/",
        "pytest/",
        "_pytest/",
        "moto/",
    ):
        assert not any(n.startswith(forbidden) for n in names), forbidden
    # Bytecode (see packaging.add_bytecode): our modules keep their source with an unchecked-hash
    # .pyc in __pycache__; dependencies ship as module.pyc in place of module.py.
    pycs = [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
    assert "skill/rules/__pycache__/models.cpython-311.pyc" in pycs
    assert "pydantic/main.pyc" in pycs and "pydantic/main.py" not in names
    with zipfile.ZipFile(built.zip_path) as zf:
        for n in pycs:
            if packaging.own_code(n) or n.startswith("__pycache__/lambda_function."):
                assert re.fullmatch(r"(.+/)?__pycache__/\w+\.cpython-311\.pyc", n), n
                assert re.sub(r"__pycache__/(\w+)\.cpython-311\.pyc$", r"\1.py", n) in names, n
            else:
                assert "__pycache__" not in n and n[:-1] not in names, n
            assert int.from_bytes(zf.read(n)[4:8], "little") == 0b01, n  # hash-based, unchecked
        # Compiled without column ranges (-X no_debug_ranges), with line numbers.
        code = marshal.loads(zf.read("pydantic/main.pyc")[16:])
        assert {column for _, _, column, _ in code.co_positions()} == {None}
        assert any(line for _, _, line in code.co_lines())
    assert not [n for n in names if n.endswith(".py") and not packaging.own_code(n)]
    assert "skill/server.py" not in names
    assert "skill/packaging.py" not in names
    locale_data = sorted((REPO / "skill" / "locale").glob("*.json"))
    for path in locale_data:
        assert f"skill/locale/{path.name}" in names
    # Deterministic: sorted names, one timestamp.
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {packaging.ZIP_DATE}
    assert built.zip_bytes < packaging.LAMBDA_ZIP_LIMIT


def test_dependencies_come_from_metadata_not_dev_tools(built: BuildResult) -> None:
    names = {re.split("==", d)[0].lower().replace("_", "-") for d in built.distributions}
    assert {"ask-sdk-core", "ask-sdk-model", "ask-sdk-runtime", "pydantic", "pydantic-core"} <= names
    assert {"python-dateutil", "six"} <= names
    # ask-sdk-core's requests (and its own dependencies) is never imported on Lambda.
    assert not names & {"requests", "urllib3", "certifi", "idna", "charset-normalizer"}
    assert not names & {
        "boto3",
        "botocore",
        "flask",
        "pytest",
        "ruff",
        "mypy",
        "cfn-lint",
        "moto",
        "hypothesis",
    }


def test_zip_is_reproducible(built: BuildResult, tmp_path: Path) -> None:
    again = packaging.build(tmp_path, lambda_arn=LAMBDA_ARN)
    assert again.zip_path.read_bytes() == built.zip_path.read_bytes()


def _envelope(request: dict[str, Any], application_id: str = SKILL_ID, new: bool = True) -> dict[str, Any]:
    """A request envelope shaped exactly as Alexa sends it to a Lambda endpoint."""
    user = {
        "userId": "amzn1.ask.account.AGF7EUF4RNORLHSZDNU7KR7W75A2GRGQDEPKVW4J3QV4OWNJ4DEBAVK4PSL7CXSTVRT3K5MAPQVMW4FIXEBAUK6CDNU4JBKNXMA5GQMOAT4TVTXTSEGLZGMGSGPTOTMSXLDGEFAM"
    }
    application = {"applicationId": application_id}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": "amzn1.echo-api.session.6d3b3d3c-5b1f-4a61-9f6b-0d2c7b1e8a11",
            "application": application,
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {
                    "deviceId": "amzn1.ask.device.AEDVJ6BYZP5JVUU7PRA2T5ZNFVBQ7C2CN3OPOQRVW7N5BQFZ3AGUQ",
                    "supportedInterfaces": {},
                },
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
            }
        },
        "request": request,
    }


LAUNCH = _envelope(
    {
        "type": "LaunchRequest",
        "requestId": "amzn1.echo-api.request.0f6e1a39-9c2b-4e0f-8d52-3b1e0f9a6c77",
        "locale": "en-US",
        "timestamp": "2026-11-25T22:30:00Z",
        "shouldLinkResultBeReturned": False,
    }
)

WALK_TIME = _envelope(
    {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.4c1d2e3f-aaaa-4bbb-8ccc-123456789abc",
        "locale": "en-US",
        "timestamp": "2026-11-25T22:30:05Z",
        "dialogState": "STARTED",
        "intent": {
            "name": "WalkTimeIntent",
            "confirmationStatus": "NONE",
            "slots": {
                "minutes": {
                    "name": "minutes",
                    "value": SLOT_SENTINEL,
                    "confirmationStatus": "NONE",
                    "source": "USER",
                    "slotValue": {"type": "Simple", "value": SLOT_SENTINEL},
                }
            },
        },
    },
    new=False,
)

# "Alexa, ask walking check for my mother": a one-shot, so a new session starting with an intent.
ONE_SHOT = _envelope(
    {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b",
        "locale": "en-US",
        "timestamp": "2026-11-25T22:31:00Z",
        "dialogState": "STARTED",
        "intent": {
            "name": "ForWhomIntent",
            "confirmationStatus": "NONE",
            "slots": {
                "person": {
                    "name": "person",
                    "value": "mother",
                    "confirmationStatus": "NONE",
                    "source": "USER",
                    "resolutions": {
                        "resolutionsPerAuthority": [
                            {
                                "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.PersonType",
                                "status": {"code": "ER_SUCCESS_MATCH"},
                                "values": [{"value": {"name": "mother", "id": "mother"}}],
                            }
                        ]
                    },
                }
            },
        },
    }
)

FOREIGN = _envelope(
    {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.77777777-0000-4000-8000-000000000000",
        "locale": "en-US",
        "timestamp": "2026-11-25T22:30:10Z",
        "intent": {"name": "AMAZON.HelpIntent", "confirmationStatus": "NONE"},
    },
    application_id=OTHER_SKILL_ID,
    new=False,
)

# Runs inside the fresh interpreter: the Lambda runtime's logging set-up, then the handler.
_RUNNER = textwrap.dedent(
    """
    import json, logging, sys
    task = sys.argv[1]
    sys.path.insert(0, task)
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    assert not any("site-packages" in p for p in sys.path), sys.path
    import lambda_function, skill
    assert skill.__file__.startswith(task), skill.__file__

    class Context:
        aws_request_id = "5a4a0c43-1b1f-4f3d-9a5e-6f0f4a1f2b3c"
        function_name = "walking-check"

    out = {"heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "flask", "sqlite3"))}
    for name, event in json.loads(sys.stdin.read()).items():
        try:
            out[name] = {"response": lambda_function.lambda_handler(event, Context())}
        except Exception as exc:
            out[name] = {"error": type(exc).__name__}
    print(json.dumps(out))
    """
)


def _run_from_zip(task: Path, events: dict[str, Any], **env: str) -> tuple[dict[str, Any], str]:
    base_env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "AWS_REGION": "us-east-1"}
    result = subprocess.run(
        # -I: no user site, no PYTHON* variables, no script directory; -S: no site-packages.
        [sys.executable, "-I", "-S", "-c", _RUNNER, str(task)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        cwd=task,
        env={**base_env, **env},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out, result.stderr


def _speech(response_envelope: dict[str, Any]) -> str:
    output = response_envelope["response"]["outputSpeech"]
    return str(output.get("ssml") or output.get("text") or "")


def test_zip_alone_answers_a_launch_request_and_rejects_other_skills(unpacked: Path) -> None:
    events = {"launch": LAUNCH, "one_shot": ONE_SHOT, "walk": WALK_TIME, "foreign": FOREIGN}
    out, logs = _run_from_zip(unpacked, events, SKILL_ID=SKILL_ID)
    assert out["heavy"] == []
    launch = out["launch"]["response"]
    assert launch["version"] == "1.0"
    assert _speech(launch).strip()
    assert launch["response"].get("shouldEndSession") in (False, None)
    assert _speech(out["one_shot"]["response"]).strip()
    # Another skill's request gets no dialog response: the handler raises and Lambda reports an error.
    assert out["foreign"] == {"error": "ForeignSkillRequest"}
    # Request ids and intent names are logged; slot values never are.
    assert LAUNCH["request"]["requestId"] in logs
    assert "WalkTimeIntent" in logs
    assert SLOT_SENTINEL not in logs


def _recorded_check() -> dict[str, Any]:
    """Every turn of a whole check, recorded through the skill in this process (each envelope
    carries the session attributes the previous answer returned)."""
    from ask_sdk_model import RequestEnvelope

    from skill.dialog import build_skill
    from skill.envelopes import APPLICATION_ID, Session, slot

    skill = build_skill(store=None, skill_id=APPLICATION_ID)
    session = Session("amzn1.ask.account.ZIPCHECK")
    turns = [("AMAZON.NoIntent", None)] * 2 + [("WalkTimeIntent", {"minutes": slot("minutes", "8")})]
    turns += [("AMAZON.YesIntent", None)] * 2 + [("AMAZON.NoIntent", None)] * 3
    events = {"0-launch": session.launch()}
    events["1-for-whom"] = session.intent(
        "ForWhomIntent", {"person": slot("person", "self", value_id="self", slot_type="PersonType")}
    )
    for i, (name, slots) in enumerate(turns, start=2):
        previous = events[sorted(events)[-1]]
        envelope = skill.serializer.deserialize(payload=json.dumps(previous), obj_type=RequestEnvelope)
        session.absorb(skill.serializer.serialize(skill.invoke(request_envelope=envelope, context=None)))
        events[f"{i}-{name}"] = session.intent(name, slots)
    return events


def test_zip_alone_runs_a_whole_check_to_its_result(unpacked: Path) -> None:
    """The result turn loads the rule module's pydantic models, which a launch never does."""
    from skill.envelopes import APPLICATION_ID

    events = _recorded_check()
    out, _ = _run_from_zip(unpacked, events, SKILL_ID=APPLICATION_ID)
    answers = [out[name]["response"] for name in sorted(events)]
    result = answers[-1]
    assert "card" in result["response"], _speech(result)
    assert "ten minutes" in _speech(result)  # F2: walking less than ten minutes
    assert all(_speech(a).strip() for a in answers)


def _model_slot_values() -> dict[str, tuple[str, str]]:
    """Slot type -> (spoken value, id): the first value of each custom type, a number for the rest."""
    model = json.loads((REPO / "interaction_models" / "en-US.json").read_text(encoding="utf-8"))
    values = {"AMAZON.NUMBER": ("8", "8")}
    for slot_type in model["interactionModel"]["languageModel"]["types"]:
        first = slot_type["values"][0]
        values[slot_type["name"]] = (first["name"]["value"], first.get("id") or first["name"]["value"])
    return values


def test_zip_alone_answers_every_intent_at_every_step_of_a_check(unpacked: Path) -> None:
    """The packaging leaves out what Lambda never imports (packaging.NEVER_IMPORTED, UNUSED_FILES):
    any handler reaching for it would fail here, and SpeakOnError would log 'request failed'."""
    from skill.envelopes import APPLICATION_ID, Session, slot

    model = json.loads((REPO / "interaction_models" / "en-US.json").read_text(encoding="utf-8"))
    intents = model["interactionModel"]["languageModel"]["intents"]
    values = _model_slot_values()
    events: dict[str, Any] = {}
    for step, recorded in sorted(_recorded_check().items()):
        session = Session("amzn1.ask.account.EVERYINTENT")
        session.attributes = recorded["session"]["attributes"]
        session.new = recorded["session"]["new"]
        for intent in intents:
            slots = {}
            for s in intent.get("slots", []):
                value, value_id = values[s["type"]]
                slots[s["name"]] = slot(s["name"], value, value_id=value_id, slot_type=s["type"])
            events[f"{step} {intent['name']}"] = session.intent(intent["name"], slots)
        events[f"{step} ended"] = session.ended()
    assert len(events) > 150
    out, logs = _run_from_zip(unpacked, events, SKILL_ID=APPLICATION_ID)
    assert "request failed" not in logs
    assert not [name for name in events if "error" in out[name]]
    spoken = [name for name in events if not name.endswith("ended")]
    assert all(_speech(out[name]["response"]).strip() for name in spoken)


def test_zip_leaves_out_what_lambda_never_imports(built: BuildResult) -> None:
    with zipfile.ZipFile(built.zip_path) as zf:
        names = zf.namelist()
    for prefix in (
        "requests/",
        "urllib3/",
        "certifi/",
        "idna/",
        "charset_normalizer/",
        *packaging.UNUSED_FILES,
    ):
        assert not any(n.startswith(prefix) for n in names), prefix
    # The rest of those packages stays.
    assert "pydantic/main.pyc" in names and "dateutil/tz/tz.pyc" in names


def test_zip_alone_works_when_diary_storage_cannot_be_set_up(unpacked: Path) -> None:
    # boto3 is not in the zip (the Lambda runtime provides it), so here the DynamoDB store cannot
    # start: the check must still answer.
    out, _ = _run_from_zip(unpacked, {"launch": LAUNCH}, SKILL_ID=SKILL_ID, DIARY_TABLE="WalkingCheckDiary")
    assert _speech(out["launch"]["response"]).strip()


def test_diary_disabled_keeps_dynamodb_out(unpacked: Path) -> None:
    out, _ = _run_from_zip(
        unpacked,
        {"launch": LAUNCH},
        SKILL_ID=SKILL_ID,
        DIARY_TABLE="WalkingCheckDiary",
        DIARY_ENABLED="false",
    )
    assert out["heavy"] == []
    assert _speech(out["launch"]["response"]).strip()


# --- the ASK skill package ------------------------------------------------------------------


def test_skill_manifest(built: BuildResult) -> None:
    manifest = json.loads((built.skill_package / "skill.json").read_text(encoding="utf-8"))["manifest"]
    locales = manifest["publishingInformation"]["locales"]
    assert set(locales) == {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}
    for info in locales.values():
        assert info["name"] == "Walking Check"
        assert "not a substitute for professional medical advice" in info["description"]
        assert info["examplePhrases"] == EXAMPLE_PHRASES
        assert len(info["summary"]) <= 160
        assert "save" not in info["description"].lower().split()
    privacy = manifest["privacyAndCompliance"]
    assert privacy["isChildDirected"] is False
    assert privacy["allowsPurchases"] is False
    assert privacy["containsAds"] is False
    assert privacy["isExportCompliant"] is True
    assert set(privacy["locales"]) == set(locales)
    for urls in privacy["locales"].values():
        assert urls["privacyPolicyUrl"].startswith("https://")
        assert urls["termsOfUseUrl"].startswith("https://")
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == LAMBDA_ARN
    assert "${" not in json.dumps(manifest)
    resources = json.loads((built.skill_package.parent / "ask-resources.json").read_text(encoding="utf-8"))
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"


def test_manifest_without_arn_has_no_endpoint(tmp_path: Path) -> None:
    repo = packaging.Path(packaging.__file__).resolve().parent.parent
    _, warnings = packaging.build_skill_package(
        tmp_path / "skill-package",
        repo,
        lambda_arn=None,
        privacy_url="https://a.example/p",
        terms_url="https://a.example/t",
    )
    manifest = json.loads((tmp_path / "skill-package" / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert "endpoint" not in manifest["apis"]["custom"]
    assert any("WALKING_CHECK_LAMBDA_ARN" in w for w in warnings)
    assert manifest["privacyAndCompliance"]["locales"]["en-GB"]["privacyPolicyUrl"] == "https://a.example/p"


def test_interaction_models_are_copied(built: BuildResult) -> None:
    for locale in packaging.LOCALES:
        source = REPO / "interaction_models" / f"{locale}.json"
        copied = built.skill_package / "interactionModels" / "custom" / f"{locale}.json"
        if source.exists():
            assert copied.read_bytes() == source.read_bytes()
            assert locale in built.interaction_models
        else:
            assert not copied.exists()


_NUMBER_WORDS = set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred and a".split()
)


def _slot_values(model: dict[str, Any], slot_type: str) -> set[str] | None:
    if slot_type == "AMAZON.NUMBER":
        return None
    for t in model.get("types", []):
        if t["name"] == slot_type:
            words: set[str] = set()
            for value in t["values"]:
                words.add(value["name"]["value"].lower())
                words.update(s.lower() for s in value["name"].get("synonyms", []))
            return words
    return None  # a built-in type: any value


def _matches(sample: str, spoken: str, intent: dict[str, Any], model: dict[str, Any]) -> bool:
    slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
    names: list[str] = []

    def hole(m: re.Match[str]) -> str:
        names.append(m[1])
        return "(.+?)"

    pattern = re.sub(r"\\\{(\w+)\\\}", hole, re.escape(sample.lower()))
    found = re.fullmatch(pattern, spoken)
    if not found:
        return False
    for name, value in zip(names, found.groups(), strict=True):
        slot_type = slot_types.get(name, "")
        if slot_type == "AMAZON.NUMBER":
            if not all(w.isdigit() or w in _NUMBER_WORDS for w in value.replace("-", " ").split()):
                return False
            continue
        allowed = _slot_values(model, slot_type)
        if allowed is not None and value not in allowed:
            return False
    return True


@pytest.mark.parametrize("locale", packaging.LOCALES)
def test_example_phrases_work_as_written(locale: str) -> None:
    path = REPO / "interaction_models" / f"{locale}.json"
    if not path.exists():
        pytest.skip(f"interaction_models/{locale}.json not written yet")
    model = json.loads(path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    assert model["invocationName"] == "walking check"
    for phrase in EXAMPLE_PHRASES:
        spoken = phrase.lower().removeprefix("alexa, ")
        if spoken == "open walking check":
            continue  # a launch phrase: no intent needed
        tail = spoken.removeprefix("ask walking check ")
        assert any(
            _matches(sample, tail, intent, model)
            for intent in model["intents"]
            for sample in intent.get("samples", [])
        ), f"{locale}: no sample matches {phrase!r}"


# --- refusing the wrong build machine -------------------------------------------------------


def test_refuses_to_build_for_another_architecture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packaging.platform, "machine", lambda: "aarch64")
    with pytest.raises(PackagingError, match="x86_64"):
        packaging.check_target()


def test_glibc_tags() -> None:
    assert packaging._glibc_ok(["cp311-cp311-manylinux2014_x86_64"])
    assert packaging._glibc_ok(["cp311-cp311-manylinux_2_28_x86_64", "cp311-cp311-manylinux_2_17_x86_64"])
    assert packaging._glibc_ok(["py3-none-any"])
    assert not packaging._glibc_ok(["cp311-abi3-manylinux_2_34_x86_64"])
    assert not packaging._glibc_ok(["cp311-cp311-linux_x86_64"])
    assert not packaging._glibc_ok(["cp311-cp311-manylinux2014_aarch64"])
