"""The Python API: run a catalogue query by name, on the built graph or on an endpoint.

::

    import hankekg
    rows = hankekg.query("projects-by-target-group", target_group="...")
    rows.to_dataframe()

Parameters are converted to typed RDF terms by the catalogue (:func:`catalogue.to_term`) and bound
through the query port, never spliced into the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from hankekg.errors import QueryError
from hankekg.query.embedded import EmbeddedStore, Engine
from hankekg.query.port import QueryPort, Rows, Term, query_form

log = logging.getLogger(__name__)

#: The graph queried when neither an endpoint nor a graph is given (relative to the working
#: directory, where `hankekg build` writes it).
DEFAULT_GRAPH = Path("dist/hankekg.ttl")

_CACHE_SIZE = 2
_stores: dict[tuple, EmbeddedStore] = {}


def open_port(
    endpoint: str | None = None,
    graph: Path | str | Graph | None = None,
    *,
    engine: Engine | None = None,
    timeout: float = 60.0,
    default_graph: str | None = None,
) -> QueryPort:
    """The query port for an endpoint URL, a graph (file or rdflib Graph), or the default graph.

    An embedded store made from a file is kept (keyed by path, size and modification time), so
    repeated API calls do not reload the graph.

    Raises:
        QueryError: both an endpoint and a graph were given, or the graph cannot be read.
    """
    if endpoint is not None and graph is not None:
        raise QueryError("give an endpoint or a graph, not both")
    if endpoint is not None:
        from hankekg.query.endpoint import SparqlEndpoint

        return SparqlEndpoint(endpoint, timeout=timeout, default_graph=default_graph)
    if isinstance(graph, Graph):
        return EmbeddedStore(graph, engine)
    path = Path(graph) if graph is not None else DEFAULT_GRAPH
    try:
        stat = path.stat()
    except OSError:
        hint = " (build it with `hankekg build`, or give --graph/--endpoint)" if graph is None else ""
        raise QueryError(f"no such graph file{hint}", path=path) from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, engine)
    store = _stores.get(key)
    if store is None:
        store = EmbeddedStore(path, engine)
        while len(_stores) >= _CACHE_SIZE:
            _stores.pop(next(iter(_stores)))
        _stores[key] = store
    return store


def _param_name(given: str, valid: Mapping[str, Any]) -> str | None:
    for candidate in (given, given.replace("-", "_")):
        if candidate in valid:
            return candidate
    return None


def bind_params(query, params: Mapping[str, Any]) -> dict[str, Term]:
    """The typed terms for a catalogue query's parameters; defaults fill those not given.

    Args:
        query: a :class:`~hankekg.query.catalogue.Query`.
        params: parameter name (``-`` may stand for ``_``) → value (a string as typed on the
            command line, or a Python value: int, Decimal, date, bool, or an rdflib term).

    Raises:
        QueryError: an unknown parameter (the message lists the valid ones), or a value that does
            not fit the parameter's type.
    """
    from hankekg.query import catalogue

    declared = {p.name: p for p in query.params}
    unknown = [k for k in params if _param_name(k, declared) is None]
    if unknown:
        valid = ", ".join(f"{p.name} ({p.type})" for p in query.params) or "none"
        raise QueryError(
            f"query {query.name!r} has no parameter {', '.join(map(repr, unknown))}; valid: {valid}"
        )
    values = {_param_name(k, declared): v for k, v in params.items()}
    bindings: dict[str, Term] = {}
    for name, param in declared.items():
        value = values.get(name, param.default)
        if value is None:
            continue
        bindings[name] = catalogue.to_term(param, as_text(value))
    return bindings


def as_text(value: Any) -> str:
    """A Python value as the text :func:`catalogue.to_term` reads (as typed on a command line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # str, int, Decimal, float, and rdflib terms (an IRI, a literal's lexical form)


def run(port: QueryPort, text: str, bindings: Mapping[str, Term] | None = None) -> Rows:
    """Run a SELECT or ASK query on ``port``; an ASK answer is one row with ``?answer``."""
    form = query_form(text)
    if form == "SELECT":
        return port.select(text, bindings)
    if form == "ASK":
        return Rows.of(["answer"], [[Literal(port.ask(text, bindings))]])
    raise QueryError(f"only SELECT and ASK queries can be run, not {form}")


def query(
    name: str,
    *,
    endpoint: str | None = None,
    graph: Path | str | Graph | None = None,
    **params: Any,
) -> Rows:
    """Run the catalogue query ``name`` and return its rows.

    Args:
        name: a catalogue query name (``hankekg queries`` lists them).
        endpoint: a SPARQL endpoint's query URL; default: the embedded store.
        graph: a graph file or an rdflib Graph; default ``dist/hankekg.ttl``.
        **params: the query's parameters, e.g. ``target_group="..."``.

    Raises:
        QueryError: an unknown query or parameter, a bad value, or the query failed.
    """
    from hankekg.query import catalogue

    q = catalogue.get(name)
    bindings = bind_params(q, params)
    return run(open_port(endpoint, graph), q.text, bindings)


_HEADER = re.compile(r"#(title-fi|title-en|description|param):")


def load_file(path: Path, params: Mapping[str, str]) -> tuple[str, dict[str, Term]]:
    """The text of a query file and its bindings.

    A file with a catalogue header (``#param:`` lines) has typed parameters, checked as for the
    catalogue; a bare file takes :func:`adhoc_bindings`.

    Raises:
        QueryError: the file cannot be read, its header is malformed, or a value is bad.
    """
    from hankekg.query import catalogue

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read the query: {exc}", path=path) from None
    if _HEADER.match(text.lstrip()):
        q = catalogue.load_query(Path(path))
        return q.text, bind_params(q, params)
    return text, adhoc_bindings(params)


def adhoc_bindings(params: Mapping[str, str]) -> dict[str, Term]:
    """Bindings for a query file without declared parameters: ``<iri>`` → IRI, else a string."""
    bindings: dict[str, Term] = {}
    for name, value in params.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"not a SPARQL variable name: {name!r}")
        if value.startswith("<") and value.endswith(">"):
            iri = value[1:-1]
            if not iri or re.search(r'[\s<>"{}|^`\\]', iri):
                raise QueryError(f"parameter {name}: not an IRI: {value!r}")
            bindings[name] = URIRef(iri)
        else:
            bindings[name] = Literal(value)
    return bindings
