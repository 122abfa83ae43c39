"""Shared test fixtures: the seed documents, loaded once per session; a knowledge base built
from them and an empty one, each served by one real Datasette for the whole session."""
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


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> Path:
    """kb.db built from the seed letters, as `kb build` does (today fixed at 2026-11-22, so
    commitment statuses do not drift)."""
    from support import seed_kb

    return seed_kb(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="session")
def seed_site(seed_db):
    from support import served

    with served(seed_db) as base:
        yield base


@pytest.fixture(scope="session")
def empty_site(tmp_path_factory):
    from support import empty_kb, served

    with served(empty_kb(tmp_path_factory.mktemp("empty"))) as base:
        yield base
