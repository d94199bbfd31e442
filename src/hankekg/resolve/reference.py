"""Reference data from data/reference/: known organisations, regions, target-group links.

CSV files have a header row; YAML files are read with ``yaml.safe_load`` only. A malformed file raises
:class:`~hankekg.errors.ReferenceDataError` naming the file and line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml
from stdnum.fi import ytunnus

from hankekg.errors import ReferenceDataError

YSO_BASE = "http://www.yso.fi/onto/yso/"
_MATCH_KINDS = ("exact", "close", "broad")


def fold(text: str) -> str:
    """A matching key: lower case, accents and ä/ö folded to a/o, white space collapsed."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", ascii_text.lower()).strip()


@dataclass(frozen=True)
class KnownOrganisation:
    """A row of organisations.csv."""

    name: str
    variants: tuple[str, ...]
    business_id: str | None
    type: str | None
    municipality: str | None
    wikidata: str | None
    line: int


@dataclass(frozen=True)
class Region:
    """A region (maakunta) of regions.csv."""

    code: str
    name_fi: str
    name_sv: str
    nuts3: str


@dataclass(frozen=True)
class TargetGroupLink:
    """A verified link from a target-group label to a YSO concept."""

    label: str
    kind: str  # exact | close | broad
    yso: str  # full IRI


def load_yaml_list(path: Path) -> list[dict]:
    """A YAML file holding a list of mappings (``yaml.safe_load`` only); errors name file and line."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ReferenceDataError(f"not valid YAML: {err}", path, mark.line + 1 if mark else None) from err
    except (OSError, UnicodeDecodeError) as err:
        raise ReferenceDataError(f"cannot read: {err}", path) from err
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ReferenceDataError("expected a list of mappings", path)
    return data


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header, as (line, row); checks the header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ReferenceDataError(f"cannot read: {err}", path) from err
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise ReferenceDataError(f"header lacks column(s): {', '.join(missing)}", path, 1)
    rows = []
    for row in reader:
        if None in row:
            raise ReferenceDataError("more fields than the header has (quote values with commas)",
                                     path, reader.line_num)
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def load_organisations(path: Path) -> list[KnownOrganisation]:
    """Read organisations.csv (columns: name, variants, business_id, type, municipality,
    wikidata, source). Business IDs are checked with python-stdnum: an invalid one is an
    error naming the line, never a key."""
    if not path.exists():
        return []
    orgs = []
    for line, row in _read_csv(path, ("name", "variants", "business_id")):
        if not row["name"]:
            raise ReferenceDataError("row has no name", path, line)
        bid = row.get("business_id") or None
        if bid and not ytunnus.is_valid(bid):
            raise ReferenceDataError(f"{row['name']}: not a valid business ID (Y-tunnus): {bid!r}", path, line)
        qid = row.get("wikidata") or None
        if qid and not re.fullmatch(r"Q[1-9][0-9]*", qid):
            raise ReferenceDataError(f"{row['name']}: not a Wikidata QID: {qid!r}", path, line)
        orgs.append(KnownOrganisation(
            name=row["name"],
            variants=tuple(v.strip() for v in row["variants"].split("|") if v.strip()),
            business_id=ytunnus.format(bid) if bid else None,
            type=row.get("type") or None,
            municipality=row.get("municipality") or None,
            wikidata=qid,
            line=line,
        ))
    return orgs


def load_regions(folder: Path) -> tuple[dict[str, Region], dict[str, str]]:
    """regions.csv and municipalities.csv: regions by code, and municipality (folded) → region code."""
    regions: dict[str, Region] = {}
    path = folder / "regions.csv"
    if path.exists():
        for line, row in _read_csv(path, ("code", "name_fi", "name_sv", "nuts3")):
            if not re.fullmatch(r"[0-9]{2}", row["code"]) or not re.fullmatch(r"FI[0-9A-Z]{3}", row["nuts3"]):
                raise ReferenceDataError(f"bad region code or NUTS-3 code: {row}", path, line)
            regions[row["code"]] = Region(row["code"], row["name_fi"], row["name_sv"], row["nuts3"])
    towns: dict[str, str] = {}
    path = folder / "municipalities.csv"
    if path.exists():
        for line, row in _read_csv(path, ("municipality", "region")):
            if row["region"] not in regions:
                raise ReferenceDataError(f"unknown region code {row['region']!r}", path, line)
            towns[fold(row["municipality"])] = row["region"]
    return regions, towns


def load_target_group_links(path: Path) -> list[TargetGroupLink]:
    """Read target-groups.yaml (see the file's header for its format)."""
    if not path.exists():
        return []
    links = []
    for n, entry in enumerate(load_yaml_list(path), start=1):
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ReferenceDataError(f"entry {n} has no label", path)
        found = [k for k in _MATCH_KINDS if k in entry]
        if len(found) != 1:
            raise ReferenceDataError(f"entry {n} ({label}): give exactly one of {', '.join(_MATCH_KINDS)}", path)
        yso = str(entry[found[0]])
        if not re.fullmatch(r"p[0-9]+", yso):
            raise ReferenceDataError(f"entry {n} ({label}): not a YSO concept number: {yso!r}", path)
        links.append(TargetGroupLink(label.strip(), found[0], YSO_BASE + yso))
    return links
