"""The query port: one interface, three implementations (embedded store, SPARQL endpoint, fake).

Every implementation answers a SELECT with :class:`Rows` and an ASK with a ``bool``, and takes
parameters as already-typed RDF terms (``bindings``), never as text to splice into the query.
The terms in :class:`Rows` are rdflib terms, normalised so that every implementation gives equal
rows for equal answers (see :func:`normalise_term`).

:class:`Rows` writes the W3C SPARQL 1.1 result formats: CSV and TSV
(https://www.w3.org/TR/sparql11-results-csv-tsv/) and JSON
(https://www.w3.org/TR/sparql11-results-json/).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Identifier

from hankekg.errors import QueryError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

#: An RDF term as the port passes it around.
Term = Identifier

_NUMERIC = {
    XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.long, XSD.int, XSD.short, XSD.byte,
    XSD.nonNegativeInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger,
    XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte,
}


def normalise_term(term: Any) -> Term | None:
    """The term as every port implementation returns it.

    RDF 1.1 makes a simple literal and an ``xsd:string`` literal the same term, but rdflib does
    not (``Literal("a") != Literal("a", datatype=XSD.string)``), and stores differ in which one
    they give back; the port always gives the simple form. ``rdf:langString`` is likewise dropped
    in favour of the language tag.
    """
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.language:
            return Literal(str(term), lang=term.language)
        if term.datatype in (None, XSD.string, RDF.langString):
            return Literal(str(term))
    return term


def comparison_key(term: Term | None) -> tuple:
    """A key under which two answers from different stores are equal if they mean the same.

    Numbers compare by value (``"1.50"^^xsd:decimal`` from one store equals ``"1.5"`` from another;
    integer-valued decimals equal integers, as SPARQL aggregates may type them differently), and
    blank nodes compare equal to each other (their labels are local to one answer).
    """
    term = normalise_term(term)
    if term is None:
        return ("unbound",)
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, URIRef):
        return ("iri", str(term))
    assert isinstance(term, Literal)
    if term.datatype in _NUMERIC:
        try:
            value = Decimal(str(term))
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite():
            # Round away float noise (a double AVG vs a decimal one) but keep real differences.
            return ("number", round(float(value), 9))
    return ("literal", str(term), term.language or "", str(term.datatype or ""))


@dataclass(frozen=True)
class Rows:
    """The answer to a SELECT query: variable names and rows of terms (``None`` where unbound).

    Attributes:
        variables: the projected variable names, without ``?``.
        rows: one tuple per solution, its terms in the order of ``variables``.
    """

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.variables):
                raise ValueError(f"a row has {len(row)} terms for {len(self.variables)} variables")

    @classmethod
    def of(cls, variables: list[str] | tuple[str, ...], rows: Any) -> Rows:
        """Build rows from any iterables of terms, normalising every term."""
        return cls(
            tuple(str(v) for v in variables),
            tuple(tuple(normalise_term(t) for t in row) for row in rows),
        )

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def column(self, variable: str) -> list[Term | None]:
        """Every row's term for ``variable``."""
        index = self.variables.index(variable)
        return [row[index] for row in self.rows]

    def to_dicts(self) -> list[dict[str, Term]]:
        """One dict per row, variable → term; unbound variables are left out."""
        return [
            {var: term for var, term in zip(self.variables, row) if term is not None} for row in self.rows
        ]

    def to_python(self) -> list[dict[str, Any]]:
        """One dict per row with Python values: ``str`` for IRIs, ``Literal.toPython()`` else."""
        return [
            {var: (str(t) if isinstance(t, (URIRef, BNode)) else t.toPython()) if t is not None else None
             for var, t in zip(self.variables, row)}
            for row in self.rows
        ]

    def comparable(self) -> list[tuple]:
        """The rows as sorted :func:`comparison_key` tuples, to compare answers from two stores."""
        return sorted(tuple(comparison_key(t) for t in row) for row in self.rows)

    # -- W3C result formats ----------------------------------------------------------------------

    def to_csv(self) -> str:
        """SPARQL 1.1 CSV results: a header of names, CRLF line ends, terms as plain strings."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(self.variables)
        for row in self.rows:
            writer.writerow([_csv_value(t) for t in row])
        return buffer.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 TSV results: a header of ``?names``, terms in SPARQL/Turtle syntax."""
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join(_tsv_value(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def to_json_dict(self) -> dict[str, Any]:
        """SPARQL 1.1 JSON results as a dict."""
        return {
            "head": {"vars": list(self.variables)},
            "results": {
                "bindings": [
                    {var: term_to_json(t) for var, t in zip(self.variables, row) if t is not None}
                    for row in self.rows
                ]
            },
        }

    def to_json(self, indent: int | None = None) -> str:
        """SPARQL 1.1 JSON results (``application/sparql-results+json``)."""
        return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=indent)

    def to_dataframe(self) -> pandas.DataFrame:
        """A pandas DataFrame, one column per variable, Python values (``None`` where unbound).

        Raises:
            QueryError: pandas is not installed (it is the optional extra ``hankekg[pandas]``).
        """
        try:
            import pandas
        except ImportError as exc:
            raise QueryError(
                "to_dataframe() needs pandas, which is optional: pip install 'hankekg[pandas]'"
            ) from exc
        return pandas.DataFrame(self.to_python(), columns=list(self.variables))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rows:
        """Read SPARQL 1.1 JSON results (a parsed dict) of a SELECT query.

        Raises:
            ValueError: ``data`` is not SELECT results in that format.
        """
        try:
            variables = tuple(data["head"]["vars"])
            bindings = data["results"]["bindings"]
            rows = tuple(
                tuple(normalise_term(term_from_json(b[v])) if v in b else None for v in variables)
                for b in bindings
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not SPARQL JSON SELECT results: missing or malformed {exc}") from exc
        return cls(variables, rows)


def ask_json(answer: bool) -> str:
    """SPARQL 1.1 JSON results of an ASK query."""
    return json.dumps({"head": {}, "boolean": answer})


def term_to_json(term: Term) -> dict[str, str]:
    """One RDF term in SPARQL 1.1 JSON results form."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and term.datatype != XSD.string:
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"not an RDF term: {term!r}")


def term_from_json(value: Mapping[str, str]) -> Term:
    """One RDF term from its SPARQL 1.1 JSON results form (``typed-literal`` accepted, SPARQL 1.0)."""
    kind = value["type"]
    text = value["value"]
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        lang = value.get("xml:lang")
        if lang:
            return Literal(text, lang=lang)
        datatype = value.get("datatype")
        return Literal(text, datatype=URIRef(datatype) if datatype else None)
    raise KeyError(f"term type {kind!r}")


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


_TSV_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TSV_ESCAPE_RE = re.compile(r'[\\"\n\r\t]')


def _tsv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    quoted = '"' + _TSV_ESCAPE_RE.sub(lambda m: _TSV_ESCAPES[m.group()], str(term)) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if term.datatype and term.datatype != XSD.string:
        return f"{quoted}^^<{term.datatype}>"
    return quoted


@runtime_checkable
class QueryPort(Protocol):
    """Something that answers SPARQL 1.1 SELECT and ASK queries.

    ``bindings`` maps variable names (without ``?``) to RDF terms; an implementation binds them
    through its query API (rdflib ``initBindings``) or a ``VALUES`` block built from the terms,
    never by editing the query text. Errors are :class:`~hankekg.errors.QueryError`.
    """

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Rows:
        """Run a SELECT query."""
        ...

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query."""
        ...


# One left-to-right scan over what may hide a keyword or a '#': long strings, strings, IRIs
# and comments, whichever starts first (so an apostrophe in a comment does not open a string).
_NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>\s"{}|^`\\]*>'
    r"|#[^\n]*"
)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(query: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the form of a SPARQL query.

    Raises:
        QueryError: no query form keyword was found (an update, or not SPARQL at all).
    """
    stripped = _NOT_CODE.sub(" ", query)
    match = _FORM.search(stripped)
    if not match:
        raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")
    return match.group(1).upper()
