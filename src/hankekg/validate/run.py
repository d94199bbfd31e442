"""Validate a graph against shapes/ and turn the SHACL report into rows.

pyshacl is the reference engine. Results are data: one :class:`ResultRow` per
``sh:ValidationResult``, and per project the completeness fields filled out of the
fields expected (the shapes in the ``Completeness`` group name their card field in
``sh:name``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from functools import cached_property

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from hankekg.namespaces import EURIO
from hankekg.validate.shapes import COMPLETENESS_GROUP, load_ontology, load_shapes

log = logging.getLogger(__name__)

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True, order=True)
class ResultRow:
    """One SHACL validation result, in plain values."""

    severity: str
    focus: str
    path: str | None
    shape: str
    message: str
    value: str | None
    field: str | None  # the card field of a completeness shape, else None


def row_key(row: ResultRow) -> tuple:
    """Sort key of a result row: field by field, a missing path or value first (plain
    tuple order would raise TypeError comparing None with a string)."""
    return tuple((v is not None, v if v is not None else "") for v in astuple(row))


@dataclass(frozen=True)
class Completeness:
    """How much of a card a project has: fields filled out of those expected."""

    project: str
    identifier: str
    filled: tuple[str, ...]
    missing_expected: tuple[str, ...]  # sh:Warning: a user expects them
    missing_nice: tuple[str, ...]  # sh:Info: nice to have

    @property
    def expected(self) -> int:
        return len(self.filled) + len(self.missing_expected) + len(self.missing_nice)


@dataclass(frozen=True)
class ValidationOutcome:
    """What validation found.

    Attributes:
        conforms: no ``sh:Violation``.
        rows: every result, sorted by :func:`row_key`.
        completeness: per project, the fields filled and missing.
        engine_report: pyshacl's own ``sh:ValidationReport`` when pyshacl made the rows;
            None when they came from rows (the fast validator): :attr:`report` and
            :meth:`report_turtle` then state the rows.
    """

    conforms: bool
    rows: tuple[ResultRow, ...]
    completeness: tuple[Completeness, ...]
    engine_report: Graph | None = None

    @cached_property
    def report(self) -> Graph:
        """The ``sh:ValidationReport`` as an rdflib graph (made from the rows on first use)."""
        return self.engine_report if self.engine_report is not None else report_graph(self.conforms, self.rows)

    def report_turtle(self) -> bytes:
        """The report as Turtle (report/validation.ttl)."""
        if self.engine_report is not None:
            return self.engine_report.serialize(format="turtle", encoding="utf-8")
        return report_turtle(self.conforms, self.rows)

    @property
    def violations(self) -> tuple[ResultRow, ...]:
        return tuple(r for r in self.rows if r.severity == "Violation")


def completeness_fields(shapes: Graph) -> dict[URIRef, tuple[str, str]]:
    """Completeness shape → (card field, severity name), from the shapes graph."""
    fields = {}
    for shape in shapes.subjects(SH.group, COMPLETENESS_GROUP):
        name = shapes.value(shape, SH.name)
        severity = shapes.value(shape, SH.severity, default=SH.Violation)
        fields[shape] = (str(name), SEVERITIES[severity])
    return fields


def with_ontology(data: Graph) -> Graph:
    """A copy of ``data`` with everything under ontology/ added, as the shapes expect."""
    merged = Graph()
    for triple in data:
        merged.add(triple)
    for triple in load_ontology():
        merged.add(triple)
    return merged


def validate(data: Graph, ontology_included: bool = False) -> ValidationOutcome:
    """Validate ``data`` with pyshacl against every shape in shapes/.

    The shapes need the ontology beside the data (subclass axioms, the programme
    individuals). A graph built by hankekg carries it in its ontology graph; for any
    other graph pass ``ontology_included=False`` and a copy of ``data`` with the
    ontology added is validated. (pyshacl's ``ont_graph`` would copy the ontology's
    axioms but not its individuals, such as the programme of programme.ttl.)
    """
    shapes = load_shapes()
    if not ontology_included:
        data = with_ontology(data)
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        advanced=True,
    )
    fields = completeness_fields(shapes)
    rows = tuple(sorted(_rows(report, fields), key=row_key))
    log.info("validated: %d results, conforms=%s", len(rows), conforms)
    return ValidationOutcome(
        conforms=not any(r.severity == "Violation" for r in rows),
        rows=rows,
        completeness=_completeness(data, rows, fields),
        engine_report=report,
    )


def _rows(report: Graph, fields: dict[URIRef, tuple[str, str]]):
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        yield ResultRow(
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation"),
            focus=str(report.value(result, SH.focusNode)),
            path=_n3(path) if path is not None else None,
            shape=str(shape),
            message=str(message) if message is not None else "",
            value=_n3(value) if value is not None else None,
            field=fields.get(shape, (None,))[0],
        )


_IRI_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")


def report_triples(conforms: bool, rows: tuple[ResultRow, ...]) -> Iterator[tuple]:
    """The triples of a ``sh:ValidationReport`` stating ``rows``, for an engine that gives rows.

    Every result is a node of its own (``_:r1`` …, in row order) with its severity, focus
    node (an IRI, or a blank node of that label), source shape, message, and — where the row has them — path and value. A path or
    shape is written as an IRI when it is one; a path of several steps or a nested shape
    (a blank node in shapes/) is left out, as is a value's datatype: ``sh:value`` is an IRI
    when the row's value reads as one, else a plain literal of its text (results.csv has
    the same rows). The report node's triples come first, then each result's.
    """
    report = BNode("report")
    yield report, RDF.type, SH.ValidationReport
    yield report, SH.conforms, Literal(conforms)
    for n in range(1, len(rows) + 1):
        yield report, SH.result, BNode(f"r{n}")
    severities = {name: iri for iri, name in SEVERITIES.items()}
    for n, row in enumerate(rows, start=1):
        result = BNode(f"r{n}")
        yield result, RDF.type, SH.ValidationResult
        yield result, SH.resultSeverity, severities[row.severity]
        # a focus node that is no IRI was a blank node of the data (hankekg's graphs have none)
        yield result, SH.focusNode, URIRef(row.focus) if _IRI_LIKE.match(row.focus) else BNode(row.focus)
        yield result, SH.resultMessage, Literal(row.message)
        if _IRI_LIKE.match(row.shape):
            yield result, SH.sourceShape, URIRef(row.shape)
        if row.path is not None and _IRI_LIKE.match(row.path):
            yield result, SH.resultPath, URIRef(row.path)
        if row.value is not None:
            yield result, SH.value, URIRef(row.value) if _IRI_LIKE.match(row.value) else Literal(row.value)


def report_graph(conforms: bool, rows: tuple[ResultRow, ...]) -> Graph:
    """:func:`report_triples` as an rdflib graph."""
    g = Graph()
    g.bind("sh", SH)
    for triple in report_triples(conforms, rows):
        g.add(triple)
    return g


def report_turtle(conforms: bool, rows: tuple[ResultRow, ...]) -> bytes:
    """:func:`report_triples` as Turtle, written by pyoxigraph (rdflib's Turtle writer takes
    minutes for the ~800,000 triples of 100,000 results)."""
    import pyoxigraph as ox

    from hankekg.publish.dumps import nt_term

    def term(t) -> str:
        return f"_:{t}" if isinstance(t, BNode) else nt_term(t)

    lines = "".join(f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in report_triples(conforms, rows))
    # lenient: a focus node or value need not be an absolute IRI (a row states what it was given)
    quads = ox.parse(lines.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return ox.serialize(quads, format=ox.RdfFormat.TURTLE,
                        prefixes={"sh": str(SH), "rdf": str(RDF)})


def _n3(term) -> str:
    if isinstance(term, (URIRef, Literal)):
        return str(term)
    return term.n3()


def _completeness(data: Graph, rows, fields) -> tuple[Completeness, ...]:
    missing: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.field:
            missing.setdefault(row.focus, {})[row.field] = row.severity
    out = []
    all_fields = sorted({f for f, _ in fields.values()})
    for project in sorted(data.subjects(RDF.type, EURIO.Project)):
        gone = missing.get(str(project), {})
        ident = data.value(project, URIRef("http://purl.org/dc/terms/identifier"))
        out.append(
            Completeness(
                project=str(project),
                identifier=str(ident) if ident else str(project),
                filled=tuple(f for f in all_fields if f not in gone),
                missing_expected=tuple(sorted(f for f, s in gone.items() if s == "Warning")),
                missing_nice=tuple(sorted(f for f, s in gone.items() if s != "Warning")),
            )
        )
    return tuple(out)
