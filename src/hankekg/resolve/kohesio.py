"""Recorded Kohesio matches: data/reference/kohesio.csv, written by ``hankekg link kohesio``.

Columns: ``code, item, label, score, method``. The build links each project to its
item; the file is data, so a match survives rebuilds and can be corrected by hand.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from hankekg.errors import ReferenceDataError
from hankekg.iris import PROJECT_CODE

COLUMNS = ("code", "item", "label", "score", "method")
_ITEM = re.compile(r"^https://linkedopendata\.eu/entity/Q[1-9][0-9]*$")


@dataclass(frozen=True)
class RecordedMatch:
    code: str
    item: str
    label: str
    score: float
    method: str


def read_matches(path: Path) -> list[RecordedMatch]:
    """Every row of a kohesio.csv; a malformed row is an error naming its line."""
    if not path.exists():
        return []
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ReferenceDataError(f"header must be {','.join(COLUMNS)}", path, 1)
    out = []
    for row in reader:
        if not PROJECT_CODE.match(row["code"] or "") or not _ITEM.match(row["item"] or ""):
            raise ReferenceDataError(f"not a project code and a Kohesio item IRI: {row}", path, reader.line_num)
        try:
            score = float(row["score"])
        except ValueError as err:
            raise ReferenceDataError(f"score is not a number: {row['score']!r}", path, reader.line_num) from err
        out.append(RecordedMatch(row["code"], row["item"], row["label"], score, row["method"]))
    return out


def load_matches(path: Path) -> dict[str, str]:
    """Project code → Kohesio item IRI."""
    return {m.code: m.item for m in read_matches(path)}


def write_matches(path: Path, matches: list[RecordedMatch]) -> None:
    """Write matches sorted by code (atomically)."""
    from hankekg.publish.files import write_text_atomic

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in sorted(matches, key=lambda m: m.code):
        writer.writerow((m.code, m.item, m.label, f"{m.score:.3f}", m.method))
    write_text_atomic(path, buf.getvalue())
