"""The shared public vignettes, read from the product's shared folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "vignettes" / "public.json"


def public_vignettes() -> list[Any]:
    """Parametrisation for every public vignette; a clear skip only if the shared folder is absent."""
    if not PUBLIC.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"public vignettes not found at {PUBLIC}"))]
    return [pytest.param(case, id=case["id"]) for case in json.loads(PUBLIC.read_text())]
