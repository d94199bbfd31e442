"""The build: cards → repaired records → RDF → validation → dist/.

Each step is a call into its stage. One bad card never stops the others: its error is
kept with the card's outcome and the build goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

from hankekg import paths
from hankekg.cards.parse import parse_card
from hankekg.cards.read import read_card
from hankekg.cards.repair import Repairer
from hankekg.errors import HankekgError
from hankekg.iris import Minter
from hankekg.model import Card, Problem
from hankekg.namespaces import DEFAULT_DATA_BASE
from hankekg.publish.dumps import union
from hankekg.rdf.mapping import ONTOLOGY_GRAPH, CardMapper, new_dataset
from hankekg.resolve.resolver import Resolver
from hankekg.validate.run import ValidationOutcome, validate

log = logging.getLogger(__name__)

CARD_SUFFIXES = (".txt",)

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


@dataclass
class BuildResult:
    outcomes: list[CardOutcome]
    dataset: Dataset
    validation: ValidationOutcome
    problems: list[Problem] = field(default_factory=list)

    @property
    def cards(self) -> list[Card]:
        return [o.card for o in self.outcomes if o.card is not None]

    @property
    def input_failed(self) -> bool:
        return any(o.error for o in self.outcomes) or any(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> int:
        """0 everything built and conforms, 2 some input failed, else 1 on violations."""
        if self.input_failed:
            return EXIT_INPUT
        return EXIT_OK if self.validation.conforms else EXIT_VIOLATIONS


def card_files(data_dir: Path) -> list[Path]:
    """The card files under ``data_dir/cards``, sorted by name."""
    folder = data_dir / "cards"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in CARD_SUFFIXES)


def read_one(path: Path, repairer: Repairer, label: str | None = None) -> Card:
    """Read, parse and repair one card file.

    Args:
        path: the card file.
        repairer: the diacritic repairer (built once per run).
        label: how the card names its source in records (default: the file name).

    Raises:
        CardError: when the file cannot be read or parsed.
    """
    text, encoding = read_card(path)
    card = parse_card(text, label or path.name, encoding)
    return repairer.repair_card(card)


def read_cards(
    files: Iterable[Path], repairer: Repairer, advance: Callable[[Path], None] | None = None
) -> list[CardOutcome]:
    """Read every card; a failing card is recorded with its error and the rest go on."""
    outcomes = []
    for path in files:
        try:
            outcomes.append(CardOutcome(path, read_one(path, repairer)))
        except HankekgError as err:
            log.warning("%s", err)
            outcomes.append(CardOutcome(path, None, err))
        if advance:
            advance(path)
    return outcomes


def build_graph(
    cards: Iterable[Card], resolver: Resolver, base: str = DEFAULT_DATA_BASE
) -> tuple[Dataset, list[Problem]]:
    """Map cards to a dataset (data, provenance and ontology graphs).

    A second card with a project code already seen is not mapped; it becomes a problem.
    """
    dataset = new_dataset()
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for name in PUBLISHED_ONTOLOGY:
        ontology.parse(paths.ontology_dir() / name, format="turtle")
    mapper = CardMapper(dataset, Minter(base), resolver)
    seen: dict[str, str] = {}
    problems = []
    for card in cards:
        if card.code in seen:
            problems.append(
                Problem(card.source, card.field_lines.get("name", (1, 1))[0], "duplicate-code",
                        f"project code {card.code} is already on {seen[card.code]}; this card was not mapped")
            )
            continue
        seen[card.code] = card.source
        mapper.add(card)
    return dataset, problems


def validation_graph(dataset: Dataset) -> Graph:
    """Everything the shapes look at: the union of the dataset's graphs."""
    return union(dataset)


def build(
    data_dir: Path,
    base: str = DEFAULT_DATA_BASE,
    advance: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Build the graph from a data directory (cards/, reference/) and validate it."""
    resolver = Resolver(paths.reference_dir(data_dir))
    repairer = Repairer(paths.reference_dir(data_dir))
    outcomes = read_cards(card_files(data_dir), repairer, advance)
    cards = [o.card for o in outcomes if o.card is not None]
    dataset, problems = build_graph(cards, resolver, base)
    for card in cards:
        problems.extend(card.problems)
    outcome = validate(validation_graph(dataset), ontology_included=True)
    return BuildResult(outcomes, dataset, outcome, problems)
