"""Cold start: the interface and the trend code load no storage library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", ["skill.persistence", "skill.diary"])
def test_import_loads_neither_sqlite3_nor_boto3(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('sqlite3', '_sqlite3', 'boto3', 'botocore') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_open_store_imports_only_the_backend_it_needs() -> None:
    code = (
        "import sys\n"
        "from skill.persistence import open_store\n"
        "open_store('memory:')\n"
        "assert 'sqlite3' not in sys.modules and 'boto3' not in sys.modules\n"
        "open_store('sqlite:///unused.sqlite3')\n"
        "assert 'sqlite3' in sys.modules and 'boto3' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
