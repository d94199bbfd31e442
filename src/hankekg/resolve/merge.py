"""Merge a card and a registry record of the same project into one :class:`Project`.

Who is authoritative for what:

- the **registry** for official names (of the project and of organisations), business
  IDs, priority axis, specific objective, responsible authority and the planned period;
- the **card** for realised funding, target groups, outputs and the prose fields.

Where the two disagree both values are kept: the graph uses the authoritative one (or,
for roles, both, each with its source) and the disagreement becomes a
:class:`Conflict` in the report. Card implementers are reconciled with the registry's
applicant and partners of the same project by name: exact (case, white space, ä/ö and
legal form folded), through the gazetteer, or by conservative fuzzy matching — every
decision a :class:`NameMatch` in the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from hankekg.model import Card, RegistryRecord, Role
from hankekg.resolve.reference import fold
from hankekg.resolve.resolver import Resolver, normalise_space

FUZZY_ACCEPT = 92.0
"""Lowest rapidfuzz token-sort ratio (0–100) at which two names in one project are taken
for the same organisation; a wrong merge is worse than a missed one."""

FUZZY_MARGIN = 5.0
"""How far the best candidate must lead the next one for a fuzzy match to stand."""

_LEGAL_FORMS = re.compile(r"\b(oy|oyj|ab|ry|rf|sr|r\.y\.|ky|tmi|osk|ltd)\b\.?", re.IGNORECASE)


@dataclass(frozen=True)
class SourceRef:
    """A source document: ``kind`` is ``card`` or ``registry``."""

    kind: str
    code: str
    file: str


@dataclass(frozen=True)
class Party:
    """An organisation a source names in a role in a project."""

    name: str
    business_id: str | None
    role: Role
    source: SourceRef
    municipality: str | None = None


@dataclass(frozen=True)
class Conflict:
    """Two sources disagree on a value of one project."""

    code: str
    field: str
    card: str
    registry: str
    resolution: str


@dataclass(frozen=True)
class NameMatch:
    """A decision that a name on the card is (or is not) an organisation of the registry record."""

    code: str
    card_name: str
    registry_name: str
    business_id: str | None
    score: float
    method: str
    accepted: bool


@dataclass(frozen=True)
class Project:
    """One project, from its card, its registry record, or both."""

    code: str
    card: Card | None
    record: RegistryRecord | None
    name: str | None
    start: date | None
    end: date | None
    parties: tuple[Party, ...]
    conflicts: tuple[Conflict, ...] = ()
    matches: tuple[NameMatch, ...] = ()

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        out = []
        if self.card:
            out.append(SourceRef("card", self.code, self.card.source))
        if self.record:
            out.append(SourceRef("registry", self.code, self.record.source))
        return tuple(out)

    @property
    def municipality(self) -> str | None:
        """The seat of the applicant (registry) or of the main implementer (gazetteer)."""
        if self.record and self.record.municipality:
            return self.record.municipality
        for party in self.parties:
            if party.role == Role.MAIN_IMPLEMENTER and party.municipality:
                return party.municipality
        return None


def name_key(name: str) -> str:
    """A comparison key of an organisation name: folded, legal form and punctuation dropped."""
    key = _LEGAL_FORMS.sub(" ", fold(name))
    return normalise_space(re.sub(r"[^\w\s-]", " ", key))


def _same_text(a: str, b: str) -> bool:
    """Equal but for case, white space, ä/ö and the kind of dash."""
    return fold(re.sub(r"\s*[-–—]\s*", " - ", a)) == fold(re.sub(r"\s*[-–—]\s*", " - ", b))


def merge(card: Card | None, record: RegistryRecord | None, resolver: Resolver) -> Project:
    """Merge the card and the registry record of one project (either may be None)."""
    if card is None and record is None:
        raise ValueError("nothing to merge")
    code = record.code if record else card.code
    conflicts: list[Conflict] = []

    name = _pick(code, "name", card.name if card else None, record.name if record else None,
                 conflicts, _same_text)
    start = _pick(code, "start", card.start if card else None, record.start if record else None, conflicts)
    end = _pick(code, "end", card.end if card else None, record.end if record else None, conflicts)

    registry = registry_parties(record, resolver) if record else []
    card_parties, matches = _card_parties(card, registry, resolver) if card else ([], [])
    parties = registry + _reconcile_roles(code, card_parties, registry, conflicts)
    return Project(code, card, record, name, start, end, tuple(parties), tuple(conflicts), tuple(matches))


def _pick(code, field, card_value, registry_value, conflicts, same=None):
    """The registry's value where it has one, else the card's; a disagreement is a conflict."""
    if card_value is not None and registry_value is not None:
        equal = same(card_value, registry_value) if same else card_value == registry_value
        if not equal:
            conflicts.append(Conflict(code, field, str(card_value), str(registry_value), "registry value used"))
        return registry_value
    return registry_value if registry_value is not None else card_value


def registry_parties(record: RegistryRecord, resolver: Resolver) -> list[Party]:
    """The parties a registry record names (applicant first), as :func:`merge` gives them."""
    source = SourceRef("registry", record.code, record.source)
    parties = []
    if record.applicant and record.applicant.name:
        parties.append(Party(normalise_space(record.applicant.name), record.applicant.business_id,
                             Role.MAIN_IMPLEMENTER, source, record.municipality))
    for partner in record.partners:
        if partner.role is not None:
            parties.append(Party(normalise_space(partner.name), partner.business_id, partner.role, source))
    return parties


def _card_parties(card: Card, registry: list[Party], resolver: Resolver) -> tuple[list[Party], list[NameMatch]]:
    source = SourceRef("card", card.code, card.source)
    parties, matches = [], []
    for imp in card.implementers:
        if imp.role is None:
            continue  # the parser reported the unknown role word
        name = normalise_space(imp.name)
        ref = resolver.organisation(name)
        bid, municipality = ref.business_id, ref.municipality
        found = _match(card.code, name, registry, resolver)
        if found:
            matches.append(found)
            if found.accepted:
                bid = found.business_id or bid
        parties.append(Party(name, bid, imp.role, source, municipality))
    return parties, matches


def _match(code: str, name: str, registry: list[Party], resolver: Resolver) -> NameMatch | None:
    """Find the registry organisation a card name stands for, within one project."""
    if not registry:
        return None
    canonical = resolver.organisation(name).name
    scored = []
    for party in {p.name: p for p in registry}.values():
        if name_key(party.name) == name_key(name):
            return NameMatch(code, name, party.name, party.business_id, 100.0, "same-name", True)
        if resolver.organisation(party.name).name == canonical and resolver.organisation(name).known:
            return NameMatch(code, name, party.name, party.business_id, 100.0, "gazetteer", True)
        scored.append((fuzz.token_sort_ratio(name_key(name), name_key(party.name)), party))
    scored.sort(key=lambda sp: (-sp[0], sp[1].name))
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    accepted = best_score >= FUZZY_ACCEPT and best_score - runner_up >= FUZZY_MARGIN
    if best_score < FUZZY_ACCEPT - 20:
        return None  # nothing close: not worth a line in the report
    return NameMatch(code, name, best.name, best.business_id, round(best_score, 1), "fuzzy", accepted)


def _reconcile_roles(code: str, card_parties: list[Party], registry_parties: list[Party],
                     conflicts: list[Conflict]) -> list[Party]:
    """Card parties to add beside the registry's; role disagreements become conflicts.

    A card party that is the same organisation in the same role as a registry party
    adds nothing new (the role node gets the card as a second source when mapped). A
    different role is kept beside the registry's and listed. The card may not name a
    second main implementer where the registry has one: that claim stays in the report.
    """
    by_bid = {p.business_id: p for p in registry_parties if p.business_id}
    registry_main = next((p for p in registry_parties if p.role == Role.MAIN_IMPLEMENTER), None)
    out = []
    for party in card_parties:
        twin = by_bid.get(party.business_id) if party.business_id else None
        if twin and twin.role != party.role:
            conflicts.append(Conflict(code, f"role of {twin.name}", party.role.value, twin.role.value,
                                      "both kept, each with its source"))
        if party.role == Role.MAIN_IMPLEMENTER and registry_main and twin is not registry_main:
            conflicts.append(Conflict(code, "main implementer", party.name, registry_main.name,
                                      "registry value used"))
            continue
        out.append(party)
    return out
