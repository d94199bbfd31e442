"""Test support: the repository's own data and a way to run the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "cards" / "S21684.txt"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m hankekg ARGS`` in a fresh process; output captured as text."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "hankekg", *args],
        cwd=cwd or REPO, env=full_env, capture_output=True, text=True, timeout=600,
    )
