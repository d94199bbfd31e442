"""The link stage: fetch missing registry pages, match projects to Kohesio, and measure
how well the graph is linked to the registries people already use."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from hankekg.cards.parse import parse_card
from hankekg.cards.read import read_card
from hankekg.errors import HankekgError
from hankekg.link.fetch import FetchResult, RegistryFetcher
from hankekg.link.kohesio import KohesioMatcher, MatchOutcome, ProjectFacts
from hankekg.model import Role
from hankekg.pipeline import card_files, registry_files
from hankekg.query.embedded import EmbeddedStore, as_port
from hankekg.resolve.kohesio import RecordedMatch, write_matches
from hankekg.resolve.merge import Project

log = logging.getLogger(__name__)


def registry_folder(data_dir: Path) -> Path:
    return data_dir / "registry" / "eura2014"


def codes_without_page(data_dir: Path) -> list[str]:
    """Project codes of the cards in ``data_dir`` that have no saved registry page."""
    have = {p.stem for p in registry_files(data_dir)}
    codes = set()
    for path in card_files(data_dir):
        try:
            text, encoding = read_card(path)
            codes.add(parse_card(text, path.name, encoding).code)
        except HankekgError as err:
            log.warning("%s", err)
    return sorted(codes - have)


def fetch_missing(data_dir: Path, online: bool, progress: Callable[[FetchResult], None] | None = None,
                  **fetcher_options) -> list[FetchResult]:
    """Fetch (online) or list (offline) the registry pages the cards lack.

    Fetched pages are saved as ``data/registry/eura2014/<CODE>.html``, where the build
    reads them. Without ``online`` nothing touches the network.
    """
    codes = codes_without_page(data_dir)
    with RegistryFetcher(registry_folder(data_dir), online=online, **fetcher_options) as fetcher:
        return fetcher.fetch_all(codes, progress)


def project_facts(project: Project) -> ProjectFacts | None:
    """What Kohesio matching knows of a project: its name, dates and main implementer."""
    if not project.name:
        return None
    names = tuple(dict.fromkeys(p.name for p in project.parties if p.role == Role.MAIN_IMPLEMENTER))
    return ProjectFacts(project.code, project.name, project.start, project.end, names)


def match_kohesio(projects: list[Project], matcher: KohesioMatcher, path: Path,
                  progress: Callable[[int, int, MatchOutcome], None] | None = None) -> list[MatchOutcome]:
    """Match every project to Kohesio and record the matches in ``path`` (kohesio.csv)."""
    facts = [f for f in (project_facts(p) for p in projects) if f is not None]
    outcomes = matcher.match_all(facts, progress)
    recorded = [RecordedMatch(o.code, o.match.item, o.match.label, o.match.score, o.match.method)
                for o in outcomes if o.match]
    write_matches(path, recorded)
    return outcomes


@dataclass(frozen=True)
class Coverage:
    """One row of the link coverage table."""

    what: str
    have: int
    total: int

    @property
    def share(self) -> float:
        return self.have / self.total if self.total else 0.0


_PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX adms:  <http://www.w3.org/ns/adms#>
PREFIX skos:  <http://www.w3.org/2004/02/skos/core#>
PREFIX owl:   <http://www.w3.org/2002/07/owl#>
PREFIX bibo:  <http://purl.org/ontology/bibo/>
PREFIX hk:    <https://w3id.org/hankekg/ontology#>
PREFIX org:   <http://www.w3.org/ns/org#>
PREFIX prov:  <http://www.w3.org/ns/prov#>
"""

_COVERAGE = {
    "projects with a registry record": (
        "?x a eurio:Project", "?x prov:wasDerivedFrom ?s . ?s a hk:RegistryRecord"),
    "projects with a Kohesio match": (
        "?x a eurio:Project", "?x owl:sameAs ?k . FILTER(STRSTARTS(STR(?k), 'https://linkedopendata.eu/'))"),
    "organisations with a business ID": ("?x a org:FormalOrganization", "?x adms:identifier ?i"),
    "target groups with a YSO match": (
        "?x a hk:TargetGroup",
        "?x skos:exactMatch|skos:closeMatch|skos:broadMatch ?y . "
        "FILTER(STRSTARTS(STR(?y), 'http://www.yso.fi/onto/yso/'))"),
    "outputs with an ISBN": ("?x a hk:Output", "?x bibo:isbn13 ?i"),
}


def coverage(graph: Graph | EmbeddedStore) -> list[Coverage]:
    """The link coverage table, counted by SPARQL over a built graph (all named graphs' union):
    an rdflib graph, or a query port over a store."""
    port = as_port(graph)
    rows = []
    for what, (kind, has) in _COVERAGE.items():
        q = (f"{_PREFIXES} SELECT (COUNT(DISTINCT ?x) AS ?total) (COUNT(DISTINCT ?y1) AS ?have) "
             f"WHERE {{ {kind} OPTIONAL {{ {has} BIND(?x AS ?y1) }} }}")
        row = port.select(q).to_dicts()[0]
        rows.append(Coverage(what, int(row["have"]), int(row["total"])))
    return rows


def coverage_csv(rows: list[Coverage]) -> str:
    lines = ["what,have,total,share"]
    lines += [f"{r.what},{r.have},{r.total},{r.share:.3f}" for r in rows]
    return "\n".join(lines) + "\n"
