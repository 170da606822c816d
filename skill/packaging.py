"""``python -m skill package``: the Lambda zip and the ASK skill package, under ``build/``.

``build/lambda.zip`` holds ``lambda_function.py`` at its root, the ``skill`` package (runtime code
and locale data only) and the runtime dependencies, copied file by file from the distributions
installed in the running environment: the exact versions the tests ran against, no network. The
dependency list is the closure of this project's own requirements read from installed metadata,
less what Lambda never imports (``NEVER_IMPORTED``, ``UNUSED_FILES``; tests/test_deployment.py
sends every intent at every step of a check to the unpacked zip to keep that true).

boto3 and botocore are left out on purpose: the python3.11 Lambda runtime ships them (kept patched
by AWS), they are about 25 MB unzipped, and they would slow every cold start for the few DynamoDB
calls the diary makes.

Everything ships compiled (``add_bytecode``): the dependencies as bytecode only, Walking Check's
own modules with their source beside the bytecode, so its tracebacks stay readable.

The compiled dependency (pydantic-core) only runs where it was built for, so the build refuses to
run anywhere but CPython 3.11 on x86_64 Linux with manylinux wheels old enough for Amazon Linux 2
(glibc 2.26), which is exactly the Lambda python3.11 x86_64 target in ``template.yaml``.

``build/`` is also an ASK CLI v2 project: ``ask-resources.json`` and ``skill-package/`` (the
manifest filled from ``skill_package/skill.json`` and one interaction model per locale).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT = "walking-check"
# Extras whose code runs on Lambda. None: the "dynamodb" extra is boto3, which the runtime
# provides, and the ASK SDK DynamoDB adapter, which the diary store does not use.
RUNTIME_EXTRAS: tuple[str, ...] = ()
# Provided by the Lambda python3.11 runtime; not followed when computing the closure.
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
# Required by a dependency but never imported on Lambda, so not followed either. ask-sdk-core needs
# requests only for ``ask_sdk_core.api_client.DefaultApiClient`` (calls to Alexa's service APIs,
# which Walking Check makes none of); with it go urllib3, certifi, idna and charset-normalizer,
# 0.8 MB of zip. It also means botocore on Lambda uses the runtime's own urllib3, not a copy of
# ours that would shadow it.
NEVER_IMPORTED = frozenset({"requests"})
# Files inside shipped distributions that nothing on Lambda imports or reads (prefixes).
UNUSED_FILES = (
    "pydantic/v1/",  # pydantic 1 compatibility copy, for code still written against pydantic 1
    "pydantic/mypy.py",  # a mypy plugin
    "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz",  # only dateutil.tz.gettz's fallback reads it
)
# Modules of the skill package that only the web service or the build use.
NOT_ON_LAMBDA = frozenset({"server.py", "verification.py", "packaging.py"})
SKILL_SUFFIXES = frozenset({".py", ".json", ".typed"})
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
# Amazon Linux 2 (the python3.11 runtime) has glibc 2.26.
TARGET_GLIBC = (2, 26)
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
# Zip entries get one fixed timestamp so the same inputs give the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

ENV_LAMBDA_ARN = "WALKING_CHECK_LAMBDA_ARN"
ENV_PRIVACY_URL = "WALKING_CHECK_PRIVACY_URL"
ENV_TERMS_URL = "WALKING_CHECK_TERMS_URL"
PLACEHOLDER_PRIVACY_URL = "https://example.com/walking-check/privacy"
PLACEHOLDER_TERMS_URL = "https://example.com/walking-check/terms"


class PackagingError(Exception):
    """The build cannot produce a package Lambda would run; the message says why."""


@dataclass(frozen=True)
class BuildResult:
    zip_path: Path
    zip_bytes: int
    unzipped_bytes: int
    skill_package: Path
    distributions: tuple[str, ...]
    interaction_models: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        lines = [
            f"{self.zip_path}: {self.zip_bytes / 1e6:.1f} MB ({self.unzipped_bytes / 1e6:.1f} MB unzipped)",
            f"  dependencies: {', '.join(self.distributions)}",
            f"{self.skill_package}: interaction models {', '.join(self.interaction_models) or 'none'}",
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_target() -> None:
    """Refuse to build on anything but the Lambda target (CPython 3.11, x86_64 Linux)."""
    here = f"{sys.implementation.name} {sys.version_info[0]}.{sys.version_info[1]} {sys.platform} {platform.machine()}"
    if (
        sys.implementation.name != "cpython"
        or sys.version_info[:2] != (3, 11)
        or sys.platform != "linux"
        or platform.machine() != "x86_64"
    ):
        raise PackagingError(
            f"the Lambda zip must be built with CPython 3.11 on x86_64 Linux (the python3.11 x86_64 "
            f"runtime); this is {here}. Build on such a machine or in a python:3.11 linux/amd64 container."
        )


def _glibc_ok(tags: list[str]) -> bool:
    """True if one of a wheel's platform tags runs on the Lambda runtime's glibc."""
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    for tag in tags:
        plat = tag.rsplit("-", 1)[-1]
        if plat == "any":
            return True
        match = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", plat)
        if match and (int(match[1]), int(match[2])) <= TARGET_GLIBC:
            return True
        base = plat.removesuffix("_x86_64")
        if base in legacy and plat.endswith("_x86_64") and legacy[base] <= TARGET_GLIBC:
            return True
    return False


def _check_wheel(dist: metadata.Distribution) -> None:
    wheel = dist.read_text("WHEEL") or ""
    if "Root-Is-Purelib: true" in wheel:
        return
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    if not _glibc_ok(tags):
        raise PackagingError(
            f"{dist.metadata['Name']} {dist.version} is installed from a wheel tagged {tags or 'unknown'}, "
            f"which may not run on Lambda's Amazon Linux 2 (glibc 2.26); install a manylinux2014 x86_64 wheel"
        )


def runtime_distributions(
    root: str = PROJECT, root_extras: tuple[str, ...] = RUNTIME_EXTRAS
) -> list[metadata.Distribution]:
    """The installed distributions Lambda needs: this project's requirements (plus RUNTIME_EXTRAS),
    followed transitively through installed metadata, minus what the runtime provides
    and what is never imported there (NEVER_IMPORTED).

    ``root`` names another installed distribution to take the closure of (``bench`` packages a
    bare ask-sdk-core skill this way); the root itself is never in the result."""
    # packaging comes with every development environment (pip, pytest); the zip does not need it.
    from packaging.requirements import Requirement

    try:
        project = metadata.distribution(root)
    except metadata.PackageNotFoundError as exc:
        raise PackagingError(f"{root} is not installed in this environment (run make test first)") from exc

    root = _normalize(root)
    found: dict[str, metadata.Distribution] = {root: project}
    queue: list[tuple[str, frozenset[str]]] = [(root, frozenset(root_extras))]
    seen = set(queue)
    while queue:
        name, extras = queue.pop()
        for line in found[name].requires or []:
            req = Requirement(line)
            key = _normalize(req.name)
            # Markers are evaluated for this interpreter, which is the Lambda target (check_target).
            wanted = any(req.marker.evaluate({"extra": e}) for e in extras or {""}) if req.marker else True
            if not wanted or key in PROVIDED_BY_RUNTIME or key in NEVER_IMPORTED:
                continue
            if key not in found:
                try:
                    found[key] = metadata.distribution(req.name)
                except metadata.PackageNotFoundError as exc:
                    raise PackagingError(f"{req.name} (needed by {name}) is not installed") from exc
            item = (key, frozenset(req.extras))
            if item not in seen:
                seen.add(item)
                queue.append(item)
    del found[root]  # the skill package itself is copied from the source tree
    return [found[k] for k in sorted(found)]


def _dist_files(dist: metadata.Distribution) -> dict[str, Path]:
    """Archive name -> installed file, for one distribution, without bytecode or scripts."""
    site = Path(str(dist.locate_file(""))).resolve()
    files: dict[str, Path] = {}
    for rel in dist.files or []:
        parts = rel.parts
        if ".." in parts or "__pycache__" in parts or rel.suffix == ".pyc":
            continue
        if rel.as_posix().startswith(UNUSED_FILES):
            continue
        # RECORD lists bytecode we do not ship; INSTALLER and friends describe this machine.
        if parts[0].endswith(".dist-info") and parts[-1] in {
            "RECORD",
            "INSTALLER",
            "REQUESTED",
            "direct_url.json",
        }:
            continue
        path = (site / rel).resolve()
        if path.is_file():
            files[rel.as_posix()] = path
    if not files:
        raise PackagingError(f"{dist.metadata['Name']} has no installed file list (RECORD)")
    return files


def _skill_files(repo: Path) -> dict[str, Path]:
    package = repo / "skill"
    files: dict[str, Path] = {}
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(repo)
        # Code and data only: stray files in a working tree (databases, editor backups) stay out.
        if (
            not path.is_file()
            or path.suffix not in SKILL_SUFFIXES
            or {"__pycache__", "tests"} & set(rel.parts)
        ):
            continue
        if rel.parent == Path("skill") and rel.name in NOT_ON_LAMBDA:
            continue
        files[rel.as_posix()] = path
    return files


def _write_zip(target: Path, files: dict[str, Path]) -> int:
    """Deterministic zip: sorted entries, one timestamp, fixed permissions. Returns unzipped size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".zip.tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for name in sorted(files):
                data = files[name].read_bytes()
                total += len(data)
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, so the mode below is honoured
                info.external_attr = 0o100644 << 16
                zf.writestr(info, data, compresslevel=9)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return total


def add_distributions(files: dict[str, Path], dists: list[metadata.Distribution]) -> tuple[str, ...]:
    """Add the installed files of ``dists`` to ``files`` (archive name -> path); their pins."""
    names = []
    for dist in dists:
        _check_wheel(dist)
        names.append(f"{dist.metadata['Name']}=={dist.version}")
        for name, path in _dist_files(dist).items():
            if name in files and files[name].read_bytes() != path.read_bytes():
                raise PackagingError(f"{name} is installed by two distributions with different contents")
            files[name] = path
    return tuple(names)


# Runs in a fresh interpreter with a fixed hash seed: the bytes of a .pyc depend on the order of
# frozenset constants (string hashing) and on reference counts, both set by the compiling process.
_COMPILE = """
import json, py_compile, sys
for name, source, target in json.load(sys.stdin):
    try:
        py_compile.compile(source, cfile=target, dfile=name, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:
        pass  # not importable on this Python anyway (pip skips these too)
"""


def own_code(name: str) -> bool:
    """Walking Check's own modules, which keep their source in the zip."""
    return name == "lambda_function.py" or name.startswith("skill/")


def add_bytecode(
    files: dict[str, Path], workdir: Path, keep_source: Callable[[str], bool] = own_code
) -> None:
    """Compile every module in ``files`` to bytecode.

    /var/task is read-only, so without bytecode every cold start compiles ask_sdk_model, pydantic
    and the skill from source. Modules for which ``keep_source`` is true get
    ``__pycache__/*.cpython-311.pyc`` beside their source; the dependencies ship as bytecode only
    (``module.pyc`` in place of ``module.py``, which Python imports directly), a quarter less zip
    to download and unpack on a cold start. UNCHECKED_HASH: a source is never stat'ed or hashed at
    import (the zip's fixed timestamps would defeat timestamp checks), and every build is the same.
    ``-X no_debug_ranges`` leaves out the column ranges Python 3.11 keeps for every instruction
    (what draws ``^^^^`` under a traceback line): a tenth of the zip, and less to unmarshal on a
    cold start. Line numbers stay, and Walking Check's logs carry exception types only anyway.
    """
    import importlib.util
    import subprocess

    jobs = []
    for name in sorted(files):
        if name.endswith(".py"):
            compiled = importlib.util.cache_from_source(name) if keep_source(name) else name + "c"
            jobs.append((name, str(files[name]), str(workdir / compiled), compiled))
    env = {"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "")}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-X", "no_debug_ranges", "-c", _COMPILE],
        input=json.dumps([job[:3] for job in jobs]),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise PackagingError(f"compiling bytecode failed: {result.stderr.strip().splitlines()[-1:]}")
    for name, _, target, compiled in jobs:
        if os.path.exists(target):
            files[compiled] = Path(target)
            if not keep_source(name):
                del files[name]


def build_zip(zip_path: Path, repo: Path) -> tuple[int, int, tuple[str, ...]]:
    check_target()
    handler = repo / "lambda" / "lambda_function.py"
    if not handler.is_file():
        raise PackagingError(f"{handler} not found: package from a checkout of the repository")
    files: dict[str, Path] = {"lambda_function.py": handler, **_skill_files(repo)}
    names = add_distributions(files, runtime_distributions())
    with tempfile.TemporaryDirectory() as workdir:
        add_bytecode(files, Path(workdir))
        unzipped = _write_zip(zip_path, files)
    size = zip_path.stat().st_size
    if size > LAMBDA_ZIP_LIMIT or unzipped > LAMBDA_UNZIPPED_LIMIT:
        raise PackagingError(f"{zip_path} is {size} bytes ({unzipped} unzipped): over Lambda's limits")
    return size, unzipped, names


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("${" + key + "}", replacement)
    return value


def build_skill_package(
    target: Path,
    repo: Path,
    *,
    lambda_arn: str | None,
    privacy_url: str,
    terms_url: str,
) -> tuple[tuple[str, ...], list[str]]:
    """Write ``target/skill.json`` and ``target/interactionModels/custom/<locale>.json``."""
    warnings: list[str] = []
    manifest = json.loads((repo / "skill_package" / "skill.json").read_text(encoding="utf-8"))
    manifest = _fill(manifest, {"PRIVACY_POLICY_URL": privacy_url, "TERMS_OF_USE_URL": terms_url})
    custom = manifest["manifest"]["apis"]["custom"]
    if lambda_arn:
        custom["endpoint"]["uri"] = lambda_arn
    else:
        # A skill is created before its Lambda exists (the trigger needs the skill id), so the first
        # package has no endpoint; rebuild with the function ARN once `sam deploy` printed it.
        del custom["endpoint"]
        warnings.append(
            f"no endpoint in skill.json: set {ENV_LAMBDA_ARN} to the FunctionArn output and rebuild"
        )
    if {privacy_url, terms_url} & {PLACEHOLDER_PRIVACY_URL, PLACEHOLDER_TERMS_URL}:
        warnings.append(
            f"placeholder privacy/terms URLs: set {ENV_PRIVACY_URL} and {ENV_TERMS_URL} before submitting"
        )

    if target.exists():
        shutil.rmtree(target)
    models_dir = target / "interactionModels" / "custom"
    models_dir.mkdir(parents=True)
    (target / "skill.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )

    copied = []
    for locale in LOCALES:
        source = repo / "interaction_models" / f"{locale}.json"
        if source.is_file():
            shutil.copyfile(source, models_dir / source.name)
            copied.append(locale)
        else:
            warnings.append(f"no interaction model for {locale} in interaction_models/")
    return tuple(copied), warnings


def _ask_resources(out_dir: Path) -> None:
    """``build/`` as an ASK CLI v2 project: `ask deploy` there updates manifest and models only
    (no skillInfrastructure: the Lambda is deployed by SAM)."""
    resources = {
        "askcliResourcesVersion": "2020-03-31",
        "profiles": {"default": {"skillMetadata": {"src": "./skill-package"}}},
    }
    (out_dir / "ask-resources.json").write_text(json.dumps(resources, indent=2) + "\n", encoding="utf-8")


def build(
    out_dir: Path = Path("build"),
    *,
    lambda_arn: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> BuildResult:
    """Build ``out_dir/lambda.zip`` and ``out_dir/skill-package/`` (see the module docstring).

    Unset arguments come from WALKING_CHECK_LAMBDA_ARN, WALKING_CHECK_PRIVACY_URL and
    WALKING_CHECK_TERMS_URL. Raises PackagingError with a one-line reason.
    """
    repo = Path(__file__).resolve().parent.parent
    out_dir = Path(out_dir)
    size, unzipped, dists = build_zip(out_dir / "lambda.zip", repo)
    models, warnings = build_skill_package(
        out_dir / "skill-package",
        repo,
        lambda_arn=lambda_arn or os.environ.get(ENV_LAMBDA_ARN) or None,
        privacy_url=privacy_url or os.environ.get(ENV_PRIVACY_URL) or PLACEHOLDER_PRIVACY_URL,
        terms_url=terms_url or os.environ.get(ENV_TERMS_URL) or PLACEHOLDER_TERMS_URL,
    )
    _ask_resources(out_dir)
    return BuildResult(
        zip_path=out_dir / "lambda.zip",
        zip_bytes=size,
        unzipped_bytes=unzipped,
        skill_package=out_dir / "skill-package",
        distributions=dists,
        interaction_models=models,
        warnings=tuple(warnings),
    )
