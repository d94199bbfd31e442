"""One node per real organisation, across every project of a build.

An organisation is keyed by its business ID (Y-tunnus) once one is known — from the
registry, from the gazetteer (data/reference/organisations.csv), or from a registry
record naming the very same name with a business ID — and by its normalised name until
then. Business IDs are checked with python-stdnum: an invalid one is a problem, never a
key. The preferred label is the gazetteer's name, else the registry's official name,
else the name on the cards; every other name becomes an alternative label.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from stdnum.fi import ytunnus

from hankekg.iris import Minter
from hankekg.model import Problem
from hankekg.resolve.merge import Party, Project, name_key
from hankekg.resolve.resolver import Resolver, normalise_space

_RANK = {"gazetteer": 0, "registry": 1, "card": 2}


@dataclass(frozen=True)
class Organisation:
    """An organisation as the graph states it."""

    key: str
    name: str
    alt_names: tuple[str, ...]
    business_id: str | None
    municipality: str | None
    type: str | None
    wikidata: str | None


class OrganisationIndex:
    """Collects every name a build meets and decides which node each one is."""

    def __init__(self, resolver: Resolver):
        self.resolver = resolver
        self._names: dict[str, Counter] = defaultdict(Counter)  # key -> (name, rank) counts
        self._bids: dict[str, str] = {}
        self._facts: dict[str, dict] = defaultdict(dict)
        self._bid_by_name: dict[str, set[str]] = defaultdict(set)
        self.problems: list[Problem] = []

    def learn(self, projects: Iterable[Project]) -> None:
        """First pass: remember which names the registry gives business IDs for, and report
        every invalid business ID. The same as :meth:`learn_registry` over the projects'
        registry parties, then :meth:`check` of each project."""
        for project in projects:
            self.check(project)
            self.learn_registry(project.parties)

    def learn_registry(self, parties: Iterable[Party]) -> None:
        """Remember the business ID the registry gives each name (other parties are skipped)."""
        for party in parties:
            if party.source.kind == "registry" and party.business_id and ytunnus.is_valid(party.business_id):
                self._bid_by_name[name_key(party.name)].add(ytunnus.format(party.business_id))

    def check(self, project: Project) -> None:
        """Report each invalid business ID of a project's parties (card and registry)."""
        for party in project.parties:
            self._valid(party.business_id, project, party.source.file)

    def _valid(self, bid: str | None, project: Project, file: str) -> str | None:
        if not bid:
            return None
        if ytunnus.is_valid(bid):
            return ytunnus.format(bid)
        self.problems.append(Problem(file, None, "invalid-business-id",
                                     f"{project.code}: {bid!r} is not a valid business ID (Y-tunnus)"))
        return None

    def key(self, name: str, business_id: str | None = None, source_kind: str = "card",
            municipality: str | None = None, org_type: str | None = None) -> str:
        """The node key for a name (and business ID) met in a source; records the name."""
        name = normalise_space(name)
        ref = self.resolver.organisation(name)
        bid = business_id if business_id and ytunnus.is_valid(business_id) else None
        bid = ytunnus.format(bid) if bid else ref.business_id
        if not bid:
            same = self._bid_by_name.get(name_key(name), set())
            if len(same) == 1:  # the registry names exactly this organisation with an ID
                bid = next(iter(same))
        known = self.resolver.known_by_business_id(bid) if bid else None
        if ref.known and not bid:
            key = Minter.org_key(ref.name)
        else:
            key = Minter.org_key(name if not bid else None, bid)
        self._names[key][(name, _RANK[source_kind])] += 1
        if ref.known or known:
            row_name = known.name if known else ref.name
            self._names[key][(row_name, _RANK["gazetteer"])] += 1
        facts = self._facts[key]
        facts.setdefault("business_id", bid)
        for k, v in (("municipality", municipality or ref.municipality or (known.municipality if known else None)),
                     ("type", org_type or ref.type or (known.type if known else None)),
                     ("wikidata", ref.wikidata or (known.wikidata if known else None))):
            if v and not facts.get(k):
                facts[k] = v
        return key

    def organisations(self) -> list[Organisation]:
        """Every organisation met, with its preferred and alternative labels, sorted by key."""
        out = []
        for key in sorted(self._names):
            counts = self._names[key]
            ranked = sorted(counts, key=lambda nr: (nr[1], -counts[nr], nr[0]))
            pref = ranked[0][0]
            alts = tuple(sorted({n for n, _ in counts} - {pref}))
            f = self._facts[key]
            out.append(Organisation(key, pref, alts, f.get("business_id"), f.get("municipality"),
                                    f.get("type"), f.get("wikidata")))
        return out
