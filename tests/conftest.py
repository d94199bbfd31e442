"""Shared fixtures."""

import pytest

from tests.support import SEED


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed card's text exactly as on disk."""
    return SEED.read_text(encoding="utf-8")
