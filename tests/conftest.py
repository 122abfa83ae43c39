"""Shared test fixtures: the seed documents, loaded once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed"


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    """Seed documents by their three-digit prefix ('000' ... '004')."""
    return {p.name[:3]: p for p in sorted(SEED.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_docs(seed_paths):
    from extract.pipeline import load_document

    return {k: load_document(p) for k, p in seed_paths.items()}
