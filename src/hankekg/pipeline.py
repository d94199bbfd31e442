"""The build: cards and registry pages → records → merged projects → RDF → validation.

Each step is a call into its stage. One bad input never stops the others: its error is
kept with its outcome and the build goes on.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from tempfile import TemporaryDirectory, gettempdir

from rdflib import Dataset, Graph

from hankekg import paths
from hankekg.cards.codec import card_from_bytes, card_to_bytes
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
from hankekg.resolve.merge import Project, merge, registry_parties
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


class CardOutcome:
    """What became of one card file: a card, or the error that stopped it.

    A build keeps its cards *packed* (:meth:`packed`: the lossless JSON of
    :mod:`hankekg.cards.codec`, compressed: ~5 KB a card where the objects take ~30 KB,
    so 100,000 cards fit in memory); ``card`` then unpacks a fresh copy on each access.
    What the report counts is at hand without unpacking: ``code``, ``source``,
    ``encoding``, ``problems`` and the numbers of ``repairs``, ``unmapped`` and
    ``garbage`` lines.
    """

    __slots__ = ("path", "error", "code", "source", "encoding", "problems", "repairs", "unmapped",
                 "garbage", "_card", "_packed")

    def __init__(self, path: Path, card: Card | None, error: HankekgError | None = None):
        self.path = path
        self.error = error
        self._card = card
        self._packed: bytes | None = None
        self.code = card.code if card is not None else None
        self.source = card.source if card is not None else None
        self.encoding = card.encoding if card is not None else None
        self.problems: tuple[Problem, ...] = card.problems if card is not None else ()
        self.repairs = len(card.repairs) if card is not None else 0
        self.unmapped = len(card.unmapped) if card is not None else 0
        self.garbage = len(card.garbage) if card is not None else 0

    @property
    def has_card(self) -> bool:
        return self._card is not None or self._packed is not None

    @property
    def card(self) -> Card | None:
        """The card (unpacked anew on each access when packed), or None when it failed."""
        if self._packed is not None:
            return card_from_bytes(zlib.decompress(self._packed))
        return self._card

    def packed(self) -> CardOutcome:
        """The same outcome holding its card packed (itself when there is no card)."""
        if self._card is None:
            return self
        out = CardOutcome(self.path, self._card, self.error)
        out._packed = zlib.compress(card_to_bytes(self._card), 1)
        out._card = None
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CardOutcome):
            return NotImplemented
        return (self.path, self.card, self.error) == (other.path, other.card, other.error)

    __hash__ = None  # type: ignore[assignment]  # compared by value, like the dataclass it was

    def __repr__(self) -> str:
        what = f"error={self.error!r}" if self.error else f"code={self.code!r}"
        return f"CardOutcome({str(self.path)!r}, {what}{', packed' if self._packed else ''})"

    def __getstate__(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state) -> None:
        for name, value in state.items():
            setattr(self, name, value)


class Cards(Sequence):
    """The cards of a build's outcomes, in order, each unpacked when it is reached."""

    def __init__(self, outcomes: list[CardOutcome]):
        self._outcomes = [o for o in outcomes if o.has_card]

    def __len__(self) -> int:
        return len(self._outcomes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [o.card for o in self._outcomes[index]]
        return self._outcomes[index].card

    def __iter__(self) -> Iterator[Card]:
        for outcome in self._outcomes:
            yield outcome.card

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Cards, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class RecordOutcome:
    """What became of one registry page: a record, or the error that stopped it."""

    path: Path
    record: RegistryRecord | None
    error: HankekgError | None = None


@dataclass
class BuildResult:
    """What a build made.

    Attributes:
        outcomes: one per card file, in file order (cards packed: see :class:`CardOutcome`).
        graphs: the named graphs.
        validation: the SHACL results and completeness.
        problems: every input problem found.
        records: one per registry page, in file order.
        projects: one per project code, merged from its card and record; the cards in
            them are :func:`text_free` (the whole cards are in :attr:`cards`).
        organisations: every organisation node.
        link_counts: links made per link set.
        cache_stats: hits and misses of the card cache, when one was used.
        timings: seconds per stage.
        peaks_mb: the peak resident memory of this process (MB) by the end of each stage
            (it only grows; worker processes are not in it).
    """

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
    peaks_mb: dict[str, float] = field(default_factory=dict)  # peak memory of this process by each stage's end

    @property
    def dataset(self) -> Dataset:
        """The graphs as an rdflib ``Dataset`` (parsed on first use: for small data)."""
        return self.graphs.dataset

    @property
    def cards(self) -> Cards:
        """Every card read, in file order (a sequence that unpacks each card as it is reached:
        iterate it rather than holding a list of 100,000 cards)."""
        return Cards(self.outcomes)

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


def _duplicate(item, first, what: str) -> Problem:
    return Problem(item.source, item.field_lines.get("name", (1, 1))[0], "duplicate-code",
                   f"project code {item.code} is already on {first.source}; this {what} was not used")


def _unique(items, what: str, problems: list[Problem]) -> dict:
    """Items by project code; a second item with a code already seen becomes a problem."""
    by_code: dict = {}
    for item in items:
        if item.code in by_code:
            problems.append(_duplicate(item, by_code[item.code], what))
            continue
        by_code[item.code] = item
    return by_code


def _unique_cards(outcomes: Iterable[CardOutcome], problems: list[Problem]) -> dict[str, CardOutcome]:
    """:func:`_unique` over the cards of outcomes, unpacking only a duplicate's card."""
    by_code: dict[str, CardOutcome] = {}
    for outcome in outcomes:
        if not outcome.has_card:
            continue
        if outcome.code in by_code:
            problems.append(_duplicate(outcome.card, by_code[outcome.code], "card"))
            continue
        by_code[outcome.code] = outcome
    return by_code


def merge_projects(cards: Iterable[Card], records: Iterable[RegistryRecord], resolver: Resolver,
                   problems: list[Problem]) -> list[Project]:
    """One :class:`Project` per project code, from its card, its registry record, or both."""
    by_card = _unique(cards, "card", problems)
    by_record = _unique(records, "registry page", problems)
    return [merge(by_card.get(code), by_record.get(code), resolver)
            for code in sorted(by_card.keys() | by_record.keys())]


def _mapper(resolver: Resolver, base: str, kohesio: dict[str, str] | None,
            spill: Path | None) -> tuple[LineDataset, OrganisationIndex, ProjectMapper]:
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
    return dataset, index, ProjectMapper(dataset, Minter(base), resolver, index, kohesio)


def build_graph(
    projects: list[Project], resolver: Resolver, base: str = DEFAULT_DATA_BASE,
    kohesio: dict[str, str] | None = None, spill: Path | None = None,
) -> tuple[Graphs, list[Problem], list[Organisation], dict[str, int]]:
    """Map projects to the named graphs (data, provenance, links and ontology).

    With ``spill`` (a folder), a graph of more than :data:`hankekg.rdf.sink.SPILL_CHARS`
    characters of N-Triples is written out in sorted runs under a temporary folder in it
    and finished as a file there, so memory stays bounded whatever the number of projects;
    the result is the same.
    """
    dataset, index, mapper = _mapper(resolver, base, kohesio, spill)
    index.learn(projects)
    for project in projects:
        mapper.add(project)
    organisations = mapper.finish()
    return dataset.finish(), index.problems, organisations, dict(mapper.link_counts)


def text_free(project: Project) -> Project:
    """The project with its card's texts left out (prose, original text, repairs and
    unmapped lines; the facts stay): what a build keeps of each project once mapped."""
    if project.card is None:
        return project
    card = replace(project.card, original="", background=None, goals=None, method=None, practices=None,
                   results=None, dissemination=None, notes=None, name_copies=(), repairs=(), unmapped=(),
                   garbage=(), field_lines={})
    return replace(project, card=card)


def map_sources(
    outcomes: list[CardOutcome], records: list[RegistryRecord], resolver: Resolver, problems: list[Problem],
    base: str = DEFAULT_DATA_BASE, kohesio: dict[str, str] | None = None, spill: Path | None = None,
) -> tuple[Graphs, list[Problem], list[Organisation], dict[str, int], list[Project]]:
    """:func:`merge_projects` and :func:`build_graph` in one pass, one project at a time.

    Each card is unpacked, merged with its record, mapped and let go, so the build never
    holds more than one whole card; the projects returned are :func:`text_free`. The
    graphs, problems and organisations are those of ``build_graph(merge_projects(...))``:
    the organisation index learns the registry's business IDs from the records before the
    first project is mapped, and checks each project's business IDs in code order as
    :meth:`~hankekg.resolve.organisations.OrganisationIndex.learn` does.
    """
    by_card = _unique_cards(outcomes, problems)
    by_record = _unique(records, "registry page", problems)
    dataset, index, mapper = _mapper(resolver, base, kohesio, spill)
    for code in sorted(by_record):
        index.learn_registry(registry_parties(by_record[code], resolver))
    projects = []
    for code in sorted(by_card.keys() | by_record.keys()):
        outcome = by_card.get(code)
        project = merge(outcome.card if outcome else None, by_record.get(code), resolver)
        index.check(project)
        mapper.add(project)
        projects.append(text_free(project))
    organisations = mapper.finish()
    return dataset.finish(), index.problems, organisations, dict(mapper.link_counts), projects


def input_files(data_dir: Path) -> list[Path]:
    """Every source document a build of ``data_dir`` reads."""
    return card_files(data_dir) + registry_files(data_dir)


def default_workers() -> int:
    """Processes for reading cards: one per core, at most four (Voikko is per process)."""
    return max(1, min(4, os.cpu_count() or 1))


def _give_back_memory() -> None:
    """Return the heap memory freed so far to the OS (glibc's ``malloc_trim``; elsewhere
    nothing). Mapping frees gigabytes of line strings at 100,000 projects, which glibc
    otherwise keeps for the process while validation allocates anew."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
    except OSError:
        trim = None
    if trim is not None:
        trim(0)


def _peak_mb() -> float:
    """This process's peak resident memory so far, in MB (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


class _Stopwatch:
    """Seconds per build stage, in the order the stages ran, and the peak memory so far."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self.peak_mb[stage] = _peak_mb()
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
    good_records = [o.record for o in records if o.record is not None]
    problems: list[Problem] = []
    graphs, org_problems, organisations, link_counts, projects = map_sources(
        outcomes, good_records, resolver, problems, base, load_matches(reference / "kohesio.csv"),
        spill=cache_dir if cache_dir is not None else Path(gettempdir()))
    clock.lap("merge and map")
    _give_back_memory()
    problems.extend(org_problems)
    for card_outcome in outcomes:
        problems.extend(card_outcome.problems)
    for record in good_records:
        problems.extend(record.problems)
    if graphs.on_disk:  # a big build: the validator reads the union from a file
        union = graphs.workdir / "union.nt"
        graphs.write_union(union)
        outcome = validate(union, ontology_included=True, workers=workers)
        union.unlink()
    else:
        outcome = validate(graphs.union_ntriples(), ontology_included=True, workers=workers)
    clock.lap("validate")
    return BuildResult(outcomes, graphs, outcome, problems, records, projects, organisations, link_counts,
                       cache_stats, clock.seconds, clock.peak_mb)
