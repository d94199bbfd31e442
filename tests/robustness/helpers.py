"""Helpers of the robustness section: cards and data folders made from the seed card."""

from __future__ import annotations

from pathlib import Path

from tests.support import REPO, SEED

REGISTRY = REPO / "data" / "registry" / "eura2014"
SEED_PAGE = REGISTRY / "S21684.txt"


def seed_card(**replace: str) -> str:
    """The seed card's text with each ``old=new`` pair of ``replace`` applied (keys are literal text).

    Pass pairs as a dict: ``seed_card(**{"S21684": "S29999"})``.
    """
    text = SEED.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, f"{old!r} is not in the seed card"
        text = text.replace(old, new)
    return text


def data_dir(root: Path, cards: dict[str, str | bytes] | None = None,
             pages: dict[str, str | bytes] | None = None, curation: dict[str, str] | None = None) -> Path:
    """A data folder under ``root`` with these cards, registry pages and curation files.

    The bundled reference data is used (the folder has no reference/ of its own).
    """
    data = root / "data"
    for sub, files in (("cards", cards), ("registry/eura2014", pages), ("curation", curation)):
        folder = data / sub
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in (files or {}).items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
    return data
