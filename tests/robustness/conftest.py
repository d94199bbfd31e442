"""Fixtures of the robustness section."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.robustness.helpers import SEED_PAGE, data_dir
from tests.support import SEED


@pytest.fixture
def seed_data(tmp_path) -> Path:
    """A data folder with the seed card and its registry page."""
    data = data_dir(tmp_path)
    shutil.copy(SEED, data / "cards" / SEED.name)
    shutil.copy(SEED_PAGE, data / "registry" / "eura2014" / SEED_PAGE.name)
    return data
