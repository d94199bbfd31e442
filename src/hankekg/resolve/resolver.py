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
    TargetGroupLink,
    fold,
    load_organisations,
    load_target_group_links,
)


@dataclass(frozen=True)
class OrganisationRef:
    """An organisation as the graph will name it."""

    name: str
    business_id: str | None
    known: bool


class Resolver:
    """Looks names up in the reference data of one data directory.

    Args:
        reference_dir: a folder holding organisations.yaml and target-groups.yaml;
            a missing file means no reference data of that kind.
    """

    def __init__(self, reference_dir: Path):
        self.reference_dir = reference_dir
        self._orgs: dict[str, KnownOrganisation] = {}
        for org in load_organisations(reference_dir / "organisations.yaml"):
            for alias in (org.name, *org.aliases):
                self._orgs[fold(alias)] = org
        self._groups: dict[str, list[TargetGroupLink]] = {}
        for link in load_target_group_links(reference_dir / "target-groups.yaml"):
            self._groups.setdefault(fold(link.label), []).append(link)

    def organisation(self, name: str) -> OrganisationRef:
        """The organisation a name on a card stands for."""
        clean = normalise_space(name)
        known = self._orgs.get(fold(clean))
        if known:
            return OrganisationRef(known.name, known.business_id, True)
        return OrganisationRef(clean, None, False)

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
