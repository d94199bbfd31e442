"""The build: cards and registry pages → records → merged projects → RDF → validation.

Each step is a call into its stage. One bad input never stops the others: its error is
kept with its outcome and the build goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from tempfile import TemporaryDirectory, gettempdir

from rdflib import Dataset, Graph

from hankekg import paths
from hankekg.cards.parse import parse_card
from hankekg.cards.read import read_card
from hankekg.cards.repair import Repairer
from hankekg.errors import HankekgError
from hankekg.iris import Minter
from hankekg.model import Card, Problem, RegistryRecord
from hankekg.namespaces import DEFAULT_DATA_BASE
from hankekg.rdf.mapping import ONTOLOGY_GRAPH, ProjectMapper
from hankekg.rdf.sink import Graphs, LineDataset
from hankekg.registry.parse import read_registry_page
from hankekg.resolve.curation import Curation, load_curation
from hankekg.resolve.kohesio import load_matches
from hankekg.resolve.merge import Project, merge
from hankekg.resolve.organisations import Organisation, OrganisationIndex
from hankekg.resolve.resolver import Resolver
from hankekg.validate.fast import validate
from hankekg.validate.run import ValidationOutcome

log = logging.getLogger(__name__)

CARD_SUFFIXES = (".txt", ".pdf")
REGISTRY_SUFFIXES = (".txt", ".html", ".htm")

PUBLISHED_ONTOLOGY = ("hankekg.ttl", "programme.ttl")
"""The files of ontology/ that go into the graph; vocabularies.ttl only declares
reused terms for the offline checks and is not published."""

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2


@dataclass(frozen=True)
class CardOutcome:
    """What became of one card file: a card, or the error that stopped it."""

    path: Path
    card: Card | None
    error: HankekgError | None = None


@dataclass(frozen=True)
class RecordOutcome:
    """What became of one registry page: a record, or the error that stopped it."""

    path: Path
    record: RegistryRecord | None
    error: HankekgError | None = None


@dataclass
class BuildResult:
    outcomes: list[CardOutcome]
    graphs: Graphs
    validation: ValidationOutcome
    problems: list[Problem] = field(default_factory=list)
    records: list[RecordOutcome] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    link_counts: dict[str, int] = field(default_factory=dict)
    cache_stats: object | None = None  # hankekg.cache.CacheStats when a card cache was used
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    @property
    def dataset(self) -> Dataset:
        """The graphs as an rdflib ``Dataset`` (parsed on first use: for small data)."""
        return self.graphs.dataset

    @property
    def cards(self) -> list[Card]:
        return [o.card for o in self.outcomes if o.card is not None]

    @property
    def failures(self) -> list[tuple[Path, HankekgError]]:
        """Every input that could not be read at all."""
        return [(o.path, o.error) for o in (*self.outcomes, *self.records) if o.error]

    @property
    def input_failed(self) -> bool:
        return bool(self.failures) or any(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> int:
        """0 everything built and conforms, 2 some input failed, else 1 on violations."""
        if self.input_failed:
            return EXIT_INPUT
        return EXIT_OK if self.validation.conforms else EXIT_VIOLATIONS


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes
                  and not p.name.startswith("."))


def card_files(data_dir: Path) -> list[Path]:
    """The card files under ``data_dir/cards``, sorted by name."""
    return _files(data_dir / "cards", CARD_SUFFIXES)


def registry_files(data_dir: Path) -> list[Path]:
    """The saved registry pages under ``data_dir/registry/eura2014``, sorted by name."""
    return _files(data_dir / "registry" / "eura2014", REGISTRY_SUFFIXES)


def _label(path: Path, data_dir: Path | None) -> str:
    """How records name their source: the path below the data folder."""
    if data_dir is not None:
        try:
            return path.resolve().relative_to(data_dir.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def read_one(path: Path, repairer: Repairer, label: str | None = None,
             keep: frozenset[str] = frozenset()) -> Card:
    """Read, parse and repair one card file.

    Args:
        path: the card file.
        repairer: the diacritic repairer (built once per run).
        label: how the card names its source in records (default: the file name).
        keep: words the repair must leave as written (data/curation/ ``keep-word``).

    Raises:
        CardError: when the file cannot be read or parsed.
    """
    if path.suffix.lower() == ".pdf":
        from hankekg.cards.pdf import card_from_pdf, read_pdf_card  # pdfplumber only when needed

        card = card_from_pdf(read_pdf_card(path), label or path.name)
    else:
        text, encoding = read_card(path)
        card = parse_card(text, label or path.name, encoding)
    return repairer.repair_card(card, keep)


def read_cards(
    files: Iterable[Path], repairer: Repairer, advance: Callable[[Path], None] | None = None,
    data_dir: Path | None = None, curation: Curation | None = None,
) -> list[CardOutcome]:
    """Read every card; a failing card is recorded with its error and the rest go on."""
    outcomes = []
    curation = curation or Curation()
    for path in files:
        try:
            card = read_one(path, repairer, _label(path, data_dir), curation.keep_for(path.name))
            outcomes.append(CardOutcome(path, card))
        except HankekgError as err:
            log.warning("%s", err)
            outcomes.append(CardOutcome(path, None, err))
        if advance:
            advance(path)
    return outcomes


def _read_record(path: Path, data_dir: Path | None) -> RecordOutcome:
    try:
        record = read_registry_page(path)
        return RecordOutcome(path, replace(record, source=_label(path, data_dir), field_lines=record.field_lines))
    except HankekgError as err:
        log.warning("%s", err)
        return RecordOutcome(path, None, err)


def _read_record_chunk(files: list[Path], data_dir: Path | None) -> list[RecordOutcome]:
    return [_read_record(path, data_dir) for path in files]


def read_records(
    files: Iterable[Path], advance: Callable[[Path], None] | None = None, data_dir: Path | None = None,
    workers: int = 1, chunk: int = 256,
) -> list[RecordOutcome]:
    """Read every registry page; a failing page is recorded with its error and the rest go on.

    With ``workers`` > 1 and more than ``chunk`` pages, chunks of pages are read in that many
    processes; the outcomes are the same, in the same order.
    """
    files = list(files)
    if workers <= 1 or len(files) <= chunk:
        outcomes = []
        for path in files:
            outcomes.append(_read_record(path, data_dir))
            if advance:
                advance(path)
        return outcomes
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    outcomes = []
    with ProcessPoolExecutor(workers) as ex:
        chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
        for part in ex.map(partial(_read_record_chunk, data_dir=data_dir), chunks):
            for outcome in part:
                outcomes.append(outcome)
                if advance:
                    advance(outcome.path)
    return outcomes


def _unique(items, what: str, problems: list[Problem]) -> dict:
    """Items by project code; a second item with a code already seen becomes a problem."""
    by_code: dict = {}
    for item in items:
        if item.code in by_code:
            problems.append(Problem(item.source, item.field_lines.get("name", (1, 1))[0], "duplicate-code",
                                    f"project code {item.code} is already on {by_code[item.code].source}; "
                                    f"this {what} was not used"))
            continue
        by_code[item.code] = item
    return by_code


def merge_projects(cards: Iterable[Card], records: Iterable[RegistryRecord], resolver: Resolver,
                   problems: list[Problem]) -> list[Project]:
    """One :class:`Project` per project code, from its card, its registry record, or both."""
    by_card = _unique(cards, "card", problems)
    by_record = _unique(records, "registry page", problems)
    return [merge(by_card.get(code), by_record.get(code), resolver)
            for code in sorted(by_card.keys() | by_record.keys())]


def build_graph(
    projects: list[Project], resolver: Resolver, base: str = DEFAULT_DATA_BASE,
    kohesio: dict[str, str] | None = None, spill: Path | None = None,
) -> tuple[Graphs, list[Problem], list[Organisation], dict[str, int]]:
    """Map projects to the named graphs (data, provenance, links and ontology).

    With ``spill`` (a folder), a graph of more than :data:`hankekg.rdf.sink.SPILL_LINES`
    triples is written out in sorted runs under a temporary folder in it and finished as a
    file there, so memory stays bounded whatever the number of projects; the result is
    the same.
    """
    workdir = None
    if spill is not None:
        spill.mkdir(parents=True, exist_ok=True)
        workdir = TemporaryDirectory(prefix="hankekg-graph-", dir=spill)
    dataset = LineDataset(workdir)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for name in PUBLISHED_ONTOLOGY:
        for triple in Graph().parse(paths.ontology_dir() / name, format="turtle"):
            ontology.add(triple)
    index = OrganisationIndex(resolver)
    index.learn(projects)
    mapper = ProjectMapper(dataset, Minter(base), resolver, index, kohesio)
    for project in projects:
        mapper.add(project)
    organisations = mapper.finish()
    return dataset.finish(), index.problems, organisations, dict(mapper.link_counts)


def input_files(data_dir: Path) -> list[Path]:
    """Every source document a build of ``data_dir`` reads."""
    return card_files(data_dir) + registry_files(data_dir)


def default_workers() -> int:
    """Processes for reading cards: one per core, at most four (Voikko is per process)."""
    return max(1, min(4, os.cpu_count() or 1))


class _Stopwatch:
    """Seconds per build stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


def build(
    data_dir: Path,
    base: str = DEFAULT_DATA_BASE,
    advance: Callable[[Path], None] | None = None,
    cache_dir: Path | None = None,
    workers: int = 1,
) -> BuildResult:
    """Build the graph from a data directory (cards/, registry/, reference/) and validate it.

    Args:
        data_dir: the data folder.
        base: the base IRI of the data.
        advance: called after each source file, for progress.
        cache_dir: keep each card's read, parsed and repaired form here
            (:mod:`hankekg.cache`) and reuse it while the card, the reading code and the
            reference data are unchanged; None reads every card afresh.
        workers: processes reading cards (:mod:`hankekg.cards.pool`); the result is the
            same for any number.

    The seconds each stage took are in ``BuildResult.timings``.
    """
    from hankekg.cards.pool import read_cards as read_pooled

    clock = _Stopwatch()
    reference = paths.reference_dir(data_dir)
    curation = load_curation(data_dir / "curation")
    resolver = Resolver(reference, curation)

    def read_many(files: list[Path]) -> list[CardOutcome]:
        return read_pooled(files, reference, data_dir, curation, workers=workers)

    cache_stats = None
    if cache_dir is None:
        outcomes = read_many(card_files(data_dir))
        if advance:
            for o in outcomes:
                advance(o.path)
    else:
        from hankekg.cache import CardCache, salt
        from hankekg.cache import read_cards as read_cached

        card_cache = CardCache(cache_dir, salt(reference))
        outcomes = read_cached(card_files(data_dir), card_cache, read_many, data_dir, curation, advance)
        cache_stats = card_cache.stats
    clock.lap("read cards")
    records = read_records(registry_files(data_dir), advance, data_dir, workers)
    clock.lap("read registry")
    cards = [o.card for o in outcomes if o.card is not None]
    good_records = [o.record for o in records if o.record is not None]
    problems: list[Problem] = []
    projects = merge_projects(cards, good_records, resolver, problems)
    clock.lap("merge")
    graphs, org_problems, organisations, link_counts = build_graph(
        projects, resolver, base, load_matches(reference / "kohesio.csv"),
        spill=cache_dir if cache_dir is not None else Path(gettempdir()))
    clock.lap("map")
    problems.extend(org_problems)
    for item in (*cards, *good_records):
        problems.extend(item.problems)
    if graphs.on_disk:  # a big build: the validator reads the union from a file
        union = graphs.workdir / "union.nt"
        graphs.write_union(union)
        outcome = validate(union, ontology_included=True, workers=workers)
        union.unlink()
    else:
        outcome = validate(graphs.union_ntriples(), ontology_included=True, workers=workers)
    clock.lap("validate")
    return BuildResult(outcomes, graphs, outcome, problems, records, projects, organisations, link_counts,
                       cache_stats, clock.seconds)
