"""Resolve names on cards to entities: one organisation per real organisation, one
target-group concept per group.

Until a business ID is known an organisation is keyed by its normalised name
(case, white space and ä/ö folded); data/reference/organisations.yaml maps aliases
(e.g. "Xamk") and OCR-damaged forms to one organisation and gives business IDs taken
from public registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hankekg.resolve.reference import (
    KnownOrganisation,
    Region,
    TargetGroupLink,
    fold,
    load_organisations,
    load_regions,
    load_target_group_links,
)


@dataclass(frozen=True)
class OrganisationRef:
    """An organisation as the graph will name it: ``name`` is its preferred label."""

    name: str
    business_id: str | None
    known: bool
    municipality: str | None = None
    type: str | None = None
    wikidata: str | None = None


class Resolver:
    """Looks names up in the reference data of one data directory.

    Args:
        reference_dir: a folder holding organisations.csv, target-groups.yaml,
            regions.csv and municipalities.csv; a missing file means no reference
            data of that kind.
    """

    def __init__(self, reference_dir: Path):
        self.reference_dir = reference_dir
        self._orgs: dict[str, KnownOrganisation] = {}
        self.organisations = load_organisations(reference_dir / "organisations.csv")
        for org in self.organisations:
            for variant in (org.name, *org.variants):
                self._orgs[fold(variant)] = org
        self.regions, self._towns = load_regions(reference_dir)
        self._groups: dict[str, list[TargetGroupLink]] = {}
        for link in load_target_group_links(reference_dir / "target-groups.yaml"):
            self._groups.setdefault(fold(link.label), []).append(link)

    def organisation(self, name: str) -> OrganisationRef:
        """The organisation a name on a card stands for."""
        clean = normalise_space(name)
        known = self._orgs.get(fold(clean))
        if known:
            return OrganisationRef(known.name, known.business_id, True, known.municipality, known.type,
                                   known.wikidata)
        return OrganisationRef(clean, None, False)

    def known_by_business_id(self, business_id: str) -> KnownOrganisation | None:
        """The row of organisations.csv with this business ID, if any."""
        return next((o for o in self.organisations if o.business_id == business_id), None)

    def region_of(self, municipality: str | None) -> Region | None:
        """The region (maakunta) of a municipality, or None when unknown."""
        if not municipality:
            return None
        code = self._towns.get(fold(municipality))
        return self.regions.get(code) if code else None

    def target_group_label(self, text: str) -> str:
        """The preferred label of a target group: white space collapsed, a leading
        capital lowered (groups are common nouns; acronyms such as "NEET" stay)."""
        clean = normalise_space(text).rstrip(".,;")
        if len(clean) > 1 and clean[0].isupper() and clean[1].islower():
            clean = clean[0].lower() + clean[1:]
        return clean

    def target_group_links(self, label: str) -> list[TargetGroupLink]:
        """Verified YSO links of a target-group label (may be empty)."""
        return self._groups.get(fold(label), [])


def normalise_space(text: str) -> str:
    """Collapse runs of white space (including no-break spaces) to one space."""
    return re.sub(r"\s+", " ", text).strip()
