"""The SPARQL catalogue: the ``.rq`` files of queries/, their headers, and typed parameters.

Every file is plain SPARQL 1.1 that begins with a header of comment lines::

    #title-fi: Kohderyhmän hankkeet
    #title-en: Projects for a target group
    #description: Projects whose target groups include the given concept or anything
    #    narrower, with funder and period.
    #param: target_group iri | the target-group concept (our IRI or a YSO IRI)
    #param: year integer | a year; leave out for all years

- ``#title-fi:``, ``#title-en:`` and ``#description:`` are required, once each.
- ``#param: NAME TYPE [= DEFAULT] | DESCRIPTION``, once per parameter. ``NAME`` is the SPARQL
  variable ``?NAME`` of the query; ``TYPE`` is one of :data:`TYPES`; ``DEFAULT`` is written as
  the value would be given on the command line (an IRI may be in ``<…>``, a string in
  ``"…"``) and is checked against the type.
- A line ``#`` followed by whitespace and text continues the value of the line above it.
- The header ends at the first line that is not a comment.

A parameter left unbound means "all": every query is written so that it answers without
any parameter, and binding one only restricts the answer. Parameters are bound as RDF
terms, never as text: :func:`to_term` turns a value into a typed term (or raises
:class:`~hankekg.errors.QueryError` naming the parameter), and the terms reach the store
either as rdflib ``initBindings`` or as a ``VALUES`` block (:func:`bind_values`) for a store
reached over HTTP. Both give the same answers because the queries follow two rules: a
parameter variable is used at the top level of the outermost ``WHERE`` (in a triple pattern
or a ``FILTER`` there) or is projected by every sub-select that uses it, and it is never the
target of a ``BIND`` or ``AS``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from hankekg import paths
from hankekg.errors import QueryError

log = logging.getLogger(__name__)

TYPES = ("iri", "string", "integer", "decimal", "date", "year", "boolean")
"""The parameter types a header may name."""

HEADER_KEYS = ("title-fi", "title-en", "description", "param")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HEADER_LINE = re.compile(r"#([a-z-]+):\s?(.*)\Z")
_CONTINUATION = re.compile(r"#\s+(\S.*)\Z")
_PARAM = re.compile(
    r"(?P<name>\S+)\s+(?P<type>\S+)(?:\s*=\s*(?P<default>.*?))?\s*\|\s*(?P<description>.*)\Z")
# Absolute http(s) or urn IRI without the characters SPARQL's IRIREF forbids, nor the control
# characters RFC 3987 forbids (DEL and C1 pass IRIREF but Oxigraph rightly refuses them).
_IRI = re.compile(r"(?:https?://[^\x00-\x20\x7f-\x9f<>\"{}|\\^`]+"
                  r"|urn:[A-Za-z0-9][A-Za-z0-9-]*:[^\x00-\x20\x7f-\x9f<>\"{}|\\^`]+)\Z",
                  re.IGNORECASE)
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f<>\"{}|\\^`]")
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_YEAR = re.compile(r"[0-9]{4}\Z")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class Param:
    """One parameter of a query.

    Attributes:
        name: the SPARQL variable (without ``?``) the parameter binds.
        type: one of :data:`TYPES`.
        default: the value bound when none is given, as text :func:`to_term` accepts; None
            leaves the variable unbound, which means "all".
        description: what the parameter is, for ``hankekg queries``.
    """

    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class Header:
    """What the header of an ``.rq`` file says."""

    title_fi: str
    title_en: str
    description: str
    params: tuple[Param, ...]


@dataclass(frozen=True)
class Query:
    """One query of the catalogue.

    Attributes:
        name: the file stem, e.g. ``projects-by-target-group``.
        path: the ``.rq`` file.
        title_fi: the title in Finnish.
        title_en: the title in English.
        description: what the query answers.
        params: its parameters, in header order.
        text: the whole file, header included (the header is SPARQL comments).
    """

    name: str
    path: Path
    title_fi: str
    title_en: str
    description: str
    params: tuple[Param, ...]
    text: str

    def param(self, name: str) -> Param:
        """The parameter called ``name``; raises QueryError naming the known ones."""
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise QueryError(f"query {self.name} has no parameter {name!r} (parameters: {known})", self.path)

    def bindings(self, values: Mapping[str, str] | None = None) -> dict[str, Node]:
        """Typed terms for the given parameter values, defaults filled in.

        Args:
            values: parameter name → value as text (as typed on the command line).

        Returns:
            variable name → RDF term, for ``initBindings`` or :func:`bind_values`; a parameter
            with neither a value nor a default is left out (unbound, "all").

        Raises:
            QueryError: an unknown parameter, or a value that is not of its parameter's type.
        """
        values = dict(values or {})
        out: dict[str, Node] = {}
        for name in values:
            self.param(name)
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is not None:
                out[p.name] = to_term(p, value)
        return out


def parse_header(text: str, path: str | Path = "<query>") -> Header:
    """Read the header of an ``.rq`` file (see the module docstring for the format).

    Args:
        text: the whole file.
        path: named in errors.

    Raises:
        QueryError: with the file and line of the first problem.
    """
    values: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    params: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    last_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.startswith("#"):
            break
        last_line = number
        m = _HEADER_LINE.match(line)
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key not in HEADER_KEYS:
                raise QueryError(f"unknown header key {key!r}; expected one of {', '.join(HEADER_KEYS)}",
                                 path, number)
            current = [value]
            if key == "param":
                params.append((number, current))
            elif key in values:
                raise QueryError(f"#{key}: given twice (first on line {lines[key]})", path, number)
            else:
                values[key], lines[key] = current, number
            continue
        c = _CONTINUATION.match(line)
        if c and current is not None:
            current.append(c.group(1).strip())
            continue
        raise QueryError(f"header line is neither '#key: value' nor a continuation: {line!r}", path, number)
    for key in ("title-fi", "title-en", "description"):
        if not values.get(key) or not " ".join(values[key]).strip():
            raise QueryError(f"the header has no #{key}:", path, last_line or 1)
    seen: set[str] = set()
    out: list[Param] = []
    for number, parts in params:
        p = _parse_param(" ".join(parts), path, number)
        if p.name in seen:
            raise QueryError(f"parameter {p.name!r} declared twice", path, number)
        seen.add(p.name)
        out.append(p)
    return Header(
        title_fi=" ".join(values["title-fi"]),
        title_en=" ".join(values["title-en"]),
        description=" ".join(values["description"]),
        params=tuple(out),
    )


def _parse_param(spec: str, path: str | Path, line: int) -> Param:
    m = _PARAM.match(spec)
    if not m:
        raise QueryError(f"#param: expects 'NAME TYPE [= DEFAULT] | description', got {spec!r}", path, line)
    name, type_, default, description = m.group("name", "type", "default", "description")
    if not _NAME.match(name):
        raise QueryError(f"parameter name {name!r} is not a SPARQL variable name", path, line)
    if type_ not in TYPES:
        raise QueryError(f"parameter {name}: unknown type {type_!r}; expected one of {', '.join(TYPES)}",
                         path, line)
    if not description.strip():
        raise QueryError(f"parameter {name} has no description", path, line)
    if default is not None:
        default = default.strip()
        quoted = len(default) >= 2 and default[0] == default[-1] == '"'
        if quoted or (type_ == "iri" and default.startswith("<") and default.endswith(">")):
            default = default[1:-1]
        param = Param(name, type_, default, description.strip())
        try:
            to_term(param, default)
        except QueryError as e:
            raise QueryError(f"default of {e.message}", path, line) from None
        return param
    return Param(name, type_, None, description.strip())


def load_query(path: Path) -> Query:
    """Read one ``.rq`` file and its header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryError(f"cannot read query: {e}", path) from None
    header = parse_header(text, path)
    return Query(path.stem, path, header.title_fi, header.title_en, header.description, header.params, text)


def load_catalogue(folder: Path | None = None) -> list[Query]:
    """Every ``.rq`` file of ``folder`` (default: the bundled queries/), sorted by name."""
    folder = folder if folder is not None else paths.queries_dir()
    queries = [load_query(p) for p in sorted(folder.glob("*.rq"))]
    log.debug("loaded %d queries from %s", len(queries), folder)
    return sorted(queries, key=lambda q: q.name)


def get(name: str, folder: Path | None = None) -> Query:
    """The query called ``name`` (a file stem); raises QueryError listing the known names."""
    queries = load_catalogue(folder)
    for q in queries:
        if q.name == name:
            return q
    known = ", ".join(q.name for q in queries)
    raise QueryError(f"no query called {name!r}; known queries: {known}")


def to_term(param: Param, value: str) -> Node:
    """The RDF term for ``value`` as a ``param.type``.

    ``iri`` → URIRef (absolute http(s) or urn, no spaces or ``<>"{}|\\^```), ``string`` → plain
    literal, ``integer`` → xsd:integer, ``decimal`` → xsd:decimal, ``date`` → xsd:date (ISO
    ``YYYY-MM-DD``), ``year`` → xsd:gYear (``YYYY``, the datatype of ``dct:issued``),
    ``boolean`` → xsd:boolean (true/false, yes/no, 1/0).

    Raises:
        QueryError: naming the parameter, when the value is not of its type.
    """
    text = value.strip() if param.type != "string" else value

    def bad(expected: str) -> QueryError:
        return QueryError(f"parameter {param.name}: {value!r} is not {expected}")

    if param.type == "iri":
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if not _IRI.match(text) or not _valid_iri(text):
            raise bad("an absolute http(s) or urn IRI without spaces or <>\"{}|\\^`")
        return URIRef(text)
    if param.type == "string":
        return Literal(text)
    if param.type == "integer":
        if not _INTEGER.match(text):
            raise bad("an integer")
        return Literal(int(text), datatype=XSD.integer)
    if param.type == "decimal":
        if not _DECIMAL.match(text):
            raise bad("a decimal number like 1250.50")
        try:
            return Literal(Decimal(text), datatype=XSD.decimal)
        except InvalidOperation:
            raise bad("a decimal number like 1250.50") from None
    if param.type == "date":
        if not _DATE.match(text):
            raise bad("a date YYYY-MM-DD")
        try:
            return Literal(date.fromisoformat(text), datatype=XSD.date)
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
    if param.type == "year":
        if not _YEAR.match(text):
            raise bad("a year YYYY")
        return Literal(text, datatype=XSD.gYear)
    if param.type == "boolean":
        if text.lower() not in _BOOLEANS:
            raise bad("a boolean (true or false)")
        return Literal(_BOOLEANS[text.lower()], datatype=XSD.boolean)
    raise QueryError(f"parameter {param.name}: unknown type {param.type!r}")


def _valid_iri(text: str) -> bool:
    """Whether ``text`` is an IRI by RFC 3987 (host, port, percent-encoding), as Oxigraph checks it.

    The regex alone let ``http://[`` or ``http://a/%zz`` through: rdflib bound them, Oxigraph
    refused the query, so the two engines answered differently.
    """
    import pyoxigraph

    try:
        pyoxigraph.NamedNode(text)
    except ValueError:
        return False
    return True


def term_sparql(term: Node) -> str:
    """``term`` written as SPARQL: ``<iri>`` or a quoted, escaped literal.

    Only IRIs and literals are accepted; an IRI is checked for the characters SPARQL forbids in
    ``<…>``, and a literal's text is escaped (backslash, quote, line breaks), so whatever the
    text, the result is exactly one RDF term.

    Raises:
        QueryError: a term of another kind, or an IRI that cannot be written.
    """
    if isinstance(term, URIRef):
        if _IRI_FORBIDDEN.search(str(term)) or not str(term):
            raise QueryError(f"{str(term)!r} cannot be written as a SPARQL IRI")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], str(term))
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype and term.datatype != XSD.string:
            return f'"{text}"^^{term_sparql(URIRef(term.datatype))}'
        return f'"{text}"'
    raise QueryError(f"only IRIs and literals can be bound, not {type(term).__name__} {term!r}")


_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
    # rdflib expands \uXXXX anywhere in the query text before parsing, which would read the
    # escaped backslash of a value's "\u0022" as an escaped quote: the u after a backslash is
    # written as a code point escape of its own, which every parser reads back as a plain u.
    "\\u": "\\\\\\U00000075", "\\U": "\\\\\\U00000055",
}
_ESCAPE = re.compile(r'\\[uU]|[\\"\n\r\t\b\f]')


def values_block(bindings: Mapping[str, Node]) -> str:
    """A SPARQL ``VALUES`` block with one row binding each variable; "" when there is none.

    >>> values_block({"year": Literal(2020)})
    'VALUES (?year) { ("2020"^^<http://www.w3.org/2001/XMLSchema#integer>) }'
    """
    if not bindings:
        return ""
    for name in bindings:
        if not _NAME.match(name):
            raise QueryError(f"{name!r} is not a SPARQL variable name")
    names = " ".join(f"?{n}" for n in bindings)
    row = " ".join(term_sparql(t) for t in bindings.values())
    return f"VALUES ({names}) {{ ({row}) }}"


def bind_values(query_text: str, bindings: Mapping[str, Node]) -> str:
    """``query_text`` with a ``VALUES`` block for ``bindings`` right after its first ``WHERE {``.

    The first ``WHERE {`` outside comments, strings and IRIs is the outermost query's
    (sub-selects come later in the text), so the block joins the whole top-level group,
    which is what rdflib's ``initBindings`` does for the variables the queries use there.
    This is no text splicing: the block is built by :func:`values_block` from validated RDF
    terms (IRIs checked, literals escaped), never from raw input, and a value cannot end
    the block or the query.

    Raises:
        QueryError: the query has no ``WHERE {``.
    """
    block = values_block(bindings)
    if not block:
        return query_text
    at = _outer_where_brace(query_text)
    if at is None:
        raise QueryError("cannot bind parameters: the query has no 'WHERE {'")
    return f"{query_text[:at + 1]}\n  {block}\n{query_text[at + 1:]}"


_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'      # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'               # strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"                           # comments
    r"|<[^<>\"{}|^`\\\x00-\x20]*>",       # IRIs
    re.DOTALL,
)
_WHERE = re.compile(r"(?<![A-Za-z0-9_?$:])WHERE\s*\{", re.IGNORECASE)


def _outer_where_brace(text: str) -> int | None:
    """Index of the ``{`` of the first ``WHERE {`` that is not in a comment, string or IRI."""
    pos = 0
    while pos < len(text):
        skip = _SKIP.search(text, pos)
        where = _WHERE.search(text, pos)
        if where is None:
            return None
        if skip is None or where.start() < skip.start():
            return where.end() - 1
        pos = skip.end() if skip.end() > skip.start() else skip.start() + 1
    return None
