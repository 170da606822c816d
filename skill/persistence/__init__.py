"""Walking diary storage (placeholder until the persistence layer lands)."""

from typing import Any

DiaryStore = Any
