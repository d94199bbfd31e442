"""Reference data: known organisations and target-group links, from data/reference/.

Files are YAML read with ``yaml.safe_load`` only. A malformed file raises
:class:`~hankekg.errors.ReferenceDataError` naming the file and line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from hankekg.errors import ReferenceDataError
from hankekg.iris import BUSINESS_ID

YSO_BASE = "http://www.yso.fi/onto/yso/"
_MATCH_KINDS = ("exact", "close", "broad")


def fold(text: str) -> str:
    """A matching key: lower case, accents and ä/ö folded to a/o, white space collapsed."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", ascii_text.lower()).strip()


@dataclass(frozen=True)
class KnownOrganisation:
    name: str
    business_id: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class TargetGroupLink:
    """A verified link from a target-group label to a YSO concept."""

    label: str
    kind: str  # exact | close | broad
    yso: str  # full IRI


def _load_list(path: Path) -> list[dict]:
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


def load_organisations(path: Path) -> list[KnownOrganisation]:
    """Read organisations.yaml (see the file's header for its format)."""
    if not path.exists():
        return []
    orgs = []
    for n, entry in enumerate(_load_list(path), start=1):
        name = entry.get("name")
        bid = entry.get("business_id")
        if not isinstance(name, str) or not name.strip():
            raise ReferenceDataError(f"entry {n} has no name", path)
        if bid is not None and not BUSINESS_ID.match(str(bid)):
            raise ReferenceDataError(f"entry {n} ({name}): not a business ID: {bid!r}", path)
        aliases = tuple(str(a) for a in entry.get("aliases") or ())
        orgs.append(KnownOrganisation(name.strip(), str(bid) if bid else None, aliases))
    return orgs


def load_target_group_links(path: Path) -> list[TargetGroupLink]:
    """Read target-groups.yaml (see the file's header for its format)."""
    if not path.exists():
        return []
    links = []
    for n, entry in enumerate(_load_list(path), start=1):
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
