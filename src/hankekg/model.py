"""Typed records that flow between the stages.

Every record is frozen. Values taken from a source document carry the 1-based line
number where they start in that document, so that every error, repair and unmapped
line in a report can point back to the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum


class Role(str, Enum):
    """The implementer roles of an ESF project, keyed by their Finnish term.

    The value is the correct Finnish word as written on a card; the ontology has one
    SKOS concept per member (see ``hankekg.namespaces.HK``).
    """

    MAIN_IMPLEMENTER = "päätoteuttaja"
    CO_IMPLEMENTER = "osatoteuttaja"
    SUPPORT_TRANSFEREE = "tuen siirronsaaja"


@dataclass(frozen=True)
class Funder:
    """One funder on a card with the realised public funding it gave, in euros."""

    name: str
    amount_eur: Decimal | None
    line: int


@dataclass(frozen=True)
class Implementer:
    """An organisation implementing a project in a role.

    ``role`` is None when the card gives a role word we do not know; the word itself
    is kept in ``role_text`` and the card carries a problem saying so.
    """

    name: str
    role: Role | None
    role_text: str | None
    line: int


@dataclass(frozen=True)
class TargetGroups:
    """The ``Varsinaiset kohderyhmät`` field: its full text and its parts.

    ``main`` is the group before "erityisesti" (especially); ``items`` are the groups
    named after it. When the text has no "erityisesti", ``main`` is None and every
    comma/"ja"-separated group is an item.
    """

    text: str
    main: str | None
    items: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Output:
    """One item of ``Tuotokset``: ``<title> (<publisher>, <year>) (<format> <size> Mt)``."""

    title: str
    publisher: str | None
    year: int | None
    format: str | None
    size_mb: Decimal | None
    url: str | None
    line: int


@dataclass(frozen=True)
class Links:
    """The hyperlinks listed at the end of a card.

    ``registry`` is the EURA2014 page of the project; ``other`` are the remaining
    links in reading order, duplicates removed (a removed duplicate is reported as a
    problem of kind ``duplicate-link``, never dropped silently).
    """

    registry: str | None
    other: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Repair:
    """One word the diacritic repair changed: where, from what, to what, and why."""

    line: int
    before: str
    after: str
    reason: str

    def __reduce__(self):  # pickled by value: dataclass's slots pickling costs ~10x more
        return Repair, (self.line, self.before, self.after, self.reason)


@dataclass(frozen=True, slots=True)
class SourceLine:
    """A non-empty line of a source document that did not become a field value.

    ``kind`` is ``"garbage"`` for text that OCR made of logos, ``"unmapped"`` for
    anything else the parser could not place.
    """

    line: int
    text: str
    kind: str

    def __reduce__(self):
        return SourceLine, (self.line, self.text, self.kind)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with an input that did not stop it from being read.

    ``severity`` is ``"error"`` (the input is faulty; the build exits 2) or
    ``"warning"`` (worth a look; the build goes on and still exits 0).
    """

    path: str
    line: int | None
    kind: str
    message: str
    severity: str = "error"

    def __reduce__(self):
        return Problem, (self.path, self.line, self.kind, self.message, self.severity)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Card:
    """A Sokra project card, parsed and (after the repair stage) with ä/ö restored.

    ``name_copies`` holds every copy of the project name the card has (the title
    line and the name field), as (line, text) read before repair: OCR damages each
    copy differently, so the repair stage uses all of them as evidence.

    Field names follow the JSON form of ``hankekg parse --format json`` (see
    docs in architecture.md). ``field_lines`` maps each field name to the
    (first, last) line of its value in the source text; ``original`` is the text
    exactly as read (after decoding), kept for the provenance graph.
    """

    source: str
    encoding: str
    code: str
    name: str | None
    name_copies: tuple[tuple[int, str], ...] = ()
    start: date | None = None
    end: date | None = None
    funders: tuple[Funder, ...] = ()
    implementers: tuple[Implementer, ...] = ()
    target_groups: TargetGroups | None = None
    background: str | None = None
    goals: str | None = None
    method: str | None = None
    outputs: tuple[Output, ...] = ()
    practices: str | None = None
    results: str | None = None
    dissemination: str | None = None
    notes: str | None = None
    links: Links = Links(None, ())
    compiled_by: str | None = None
    compiled_on: str | None = None
    repairs: tuple[Repair, ...] = ()
    unmapped: tuple[SourceLine, ...] = ()
    garbage: tuple[SourceLine, ...] = ()
    problems: tuple[Problem, ...] = ()
    field_lines: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, hash=False)
    original: str = field(default="", repr=False, compare=False)

    @property
    def funding_eur(self) -> Decimal | None:
        """Realised public funding over all funders, or None when no amount is known."""
        amounts = [f.amount_eur for f in self.funders if f.amount_eur is not None]
        return sum(amounts, Decimal(0)) if amounts else None


PROSE_FIELDS: tuple[str, ...] = (
    "background",
    "goals",
    "method",
    "practices",
    "results",
    "dissemination",
    "notes",
)
"""Card fields whose value is free prose."""


@dataclass(frozen=True)
class PriorityAxis:
    """A priority axis (toimintalinja) of the programme: ``5. Sosiaalinen osallisuus …``."""

    number: int
    label: str


@dataclass(frozen=True)
class SpecificObjective:
    """A specific objective (erityistavoite) of the programme: ``10.1. Työelämän …``."""

    code: str
    label: str


@dataclass(frozen=True)
class Applicant:
    """The applicant of a project as a registry page names it (no contact data, ever)."""

    name: str | None
    org_type: str | None
    business_id: str | None


@dataclass(frozen=True)
class Partner:
    """An organisation listed under a registry page's partner header.

    ``role`` is None when the line stands under no known header.
    """

    name: str
    business_id: str | None
    role: Role | None
    line: int


@dataclass(frozen=True)
class RegistryRecord:
    """A EURA2014 project page, parsed.

    Values are as the page writes them; dates are parsed, missing values are None.
    ``municipality`` is the applicant's post office (``Postitoimipaikka``). Contact
    people, e-mail addresses, phone numbers and street addresses never reach a record:
    the parser drops them and leaves a ``personal-data-dropped`` problem instead.
    ``field_lines`` maps each field name to the (first, last) line of its value.
    """

    source: str
    language: str
    code: str
    name: str | None
    priority_axis: PriorityAxis | None
    specific_objective: SpecificObjective | None
    start: date | None
    end: date | None
    status: str | None
    responsible_authority: str | None
    applicant: Applicant | None
    arrangement: str | None
    partners: tuple[Partner, ...]
    municipality: str | None
    www: str | None
    summary: str | None
    problems: tuple[Problem, ...] = ()
    field_lines: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, hash=False)
