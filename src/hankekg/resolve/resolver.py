"""Resolve names on cards to entities: one organisation per real organisation, one
target-group concept per group.

Until a business ID is known an organisation is keyed by its normalised name
(case, white space and ä/ö folded); data/reference/organisations.yaml maps aliases
(e.g. "Xamk") and OCR-damaged forms to one organisation and gives business IDs taken
from public registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from hankekg.resolve.curation import Curation
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

    def __init__(self, reference_dir: Path, curation: Curation | None = None):
        self.reference_dir = reference_dir
        self.organisations = _curated(load_organisations(reference_dir / "organisations.csv"),
                                      curation or Curation())
        self._orgs: dict[str, KnownOrganisation] = {}
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


def _curated(orgs: list[KnownOrganisation], curation: Curation) -> list[KnownOrganisation]:
    """The gazetteer with the human decisions of data/curation/ applied on top."""
    orgs = list(orgs)

    def find(name: str) -> int | None:
        key = fold(name)
        return next((i for i, o in enumerate(orgs) if key in {fold(v) for v in (o.name, *o.variants)}), None)

    for names in curation.same:
        hit = next((i for i in map(find, names) if i is not None), None)
        if hit is None:
            orgs.append(KnownOrganisation(names[0], names[1:], None, None, None, None, 0))
        else:
            org = orgs[hit]
            extra = tuple(n for n in names if fold(n) not in {fold(v) for v in (org.name, *org.variants)})
            orgs[hit] = replace(org, variants=org.variants + extra)
    for name, bid in curation.business_ids:
        hit = find(name)
        if hit is None:
            orgs.append(KnownOrganisation(name, (), bid, None, None, None, 0))
        else:
            orgs[hit] = replace(orgs[hit], business_id=bid)
    return orgs


def normalise_space(text: str) -> str:
    """Collapse runs of white space (including no-break spaces) to one space."""
    return re.sub(r"\s+", " ", text).strip()
