"""The embedded query port: a graph in this process, queried with rdflib or with pyoxigraph.

Two engines answer the same queries with the same rows (bench/queries.py checks it on the whole
catalogue; bench/results-queries.md has the numbers):

* ``"rdflib"``: rdflib's in-memory graph; parameters go in through ``initBindings``.
* ``"oxigraph"``: an in-memory pyoxigraph ``Store``; parameters go in as a ``VALUES`` block built
  from the typed terms (:func:`hankekg.query.catalogue.bind_values`).

Named graphs do not matter to the catalogue: a dataset (TriG, N-Quads) is loaded as the union of
its graphs, into one default graph.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Literal as Lit

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.util import guess_format

from hankekg.errors import QueryError
from hankekg.query.port import Rows, Term, query_form

log = logging.getLogger(__name__)

Engine = Lit["rdflib", "oxigraph"]

#: The engine used when none is named: the faster one, as both give identical rows on the
#: catalogue (bench/results-queries.md). Falls back to rdflib if pyoxigraph is not installed.
DEFAULT_ENGINE: Engine = "oxigraph"

_QUAD_FORMATS = {"trig", "nquads", "trix", "json-ld"}


def available_engines() -> tuple[Engine, ...]:
    """The engines that can run here (``oxigraph`` needs the pyoxigraph package)."""
    try:
        import pyoxigraph  # noqa: F401
    except ImportError:
        return ("rdflib",)
    return ("rdflib", "oxigraph")


def _bind_values(query: str, bindings: Mapping[str, Term]) -> str:
    from hankekg.query.catalogue import bind_values

    return bind_values(query, dict(bindings))


class EmbeddedStore:
    """A graph loaded into this process, answering SELECT and ASK queries.

    Args:
        source: an RDF file (any format rdflib or Oxigraph reads; guessed from the suffix), or an
            rdflib ``Graph``/``Dataset`` (a dataset is queried as the union of its graphs).
        engine: ``"rdflib"`` or ``"oxigraph"``; default :data:`DEFAULT_ENGINE`.

    Raises:
        QueryError: the file is missing or cannot be parsed, or the engine is unknown.
    """

    def __init__(self, source: Path | str | Graph, engine: Engine | None = None):
        if engine is None:
            engine = DEFAULT_ENGINE if DEFAULT_ENGINE in available_engines() else "rdflib"
        if engine not in ("rdflib", "oxigraph"):
            raise QueryError(f"unknown embedded engine {engine!r}: use rdflib or oxigraph")
        if engine not in available_engines():
            raise QueryError("the oxigraph engine needs pyoxigraph: pip install pyoxigraph")
        self.engine: Engine = engine
        self.source = source if isinstance(source, Graph) else Path(source)
        self._graph: Graph | None = None
        self._store = None
        if engine == "rdflib":
            self._graph = self._load_rdflib(source)
        else:
            self._store = self._load_oxigraph(source)

    @classmethod
    def of_store(cls, store) -> EmbeddedStore:
        """Query a pyoxigraph ``Store`` that is already loaded (its default graph)."""
        port = cls.__new__(cls)
        port.engine, port.source, port._graph, port._store = "oxigraph", store, None, store
        return port

    def __repr__(self) -> str:
        where = self.source if isinstance(self.source, Path) else type(self.source).__name__
        return f"EmbeddedStore({str(where)!r}, engine={self.engine!r}, {len(self)} triples)"

    def __len__(self) -> int:
        if self._graph is not None:
            return len(self._graph)
        return len(self._store)

    # -- loading ---------------------------------------------------------------------------------

    @staticmethod
    def _check_file(source: Path | str) -> Path:
        path = Path(source)
        if not path.is_file():
            raise QueryError("no such graph file (build it with `hankekg build`)", path=path)
        return path

    @classmethod
    def _load_rdflib(cls, source: Path | str | Graph) -> Graph:
        if isinstance(source, Graph):
            if not source.context_aware:
                return source
            union = Graph()  # a Dataset or ConjunctiveGraph: the union of its graphs
            for ctx in source.graphs() if isinstance(source, Dataset) else source.contexts():
                for triple in ctx:
                    union.add(triple)
            return union
        path = cls._check_file(source)
        fmt = guess_format(str(path)) or "turtle"
        try:
            if fmt in _QUAD_FORMATS:
                ds = Dataset()
                ds.parse(path, format=fmt)
                return cls._load_rdflib(ds)
            graph = Graph()
            graph.parse(path, format=fmt)
        except Exception as exc:  # rdflib's parsers raise many types; keep the whole message
            raise QueryError(f"cannot read graph: {exc}", path=path) from exc
        return graph

    @classmethod
    def _load_oxigraph(cls, source: Path | str | Graph):
        import pyoxigraph as ox

        store = ox.Store()
        if isinstance(source, Graph):
            graph = cls._load_rdflib(source)
            data = graph.serialize(format="nt", encoding="utf-8")
            store.bulk_load(data, ox.RdfFormat.N_TRIPLES)
            return store
        path = cls._check_file(source)
        try:
            fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
            if fmt.supports_datasets:  # load every graph into the default graph: the union
                quads = ox.parse(path=str(path), format=fmt)
                store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
            else:
                store.bulk_load(path=str(path), format=fmt)
        except (SyntaxError, OSError, ValueError) as exc:
            raise QueryError(f"cannot read graph: {exc}", path=path) from exc
        return store

    # -- the port --------------------------------------------------------------------------------

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Rows:
        """Run a SELECT query; see :class:`~hankekg.query.port.QueryPort`."""
        if query_form(query) != "SELECT":
            raise QueryError(f"not a SELECT query (a {query_form(query)} query)")
        if self._graph is not None:
            result = self._rdflib(query, bindings)
            return Rows.of([str(v) for v in result.vars or ()], result)
        return self._oxigraph_select(query, bindings)

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query; see :class:`~hankekg.query.port.QueryPort`."""
        if query_form(query) != "ASK":
            raise QueryError(f"not an ASK query (a {query_form(query)} query)")
        if self._graph is not None:
            return bool(self._rdflib(query, bindings).askAnswer)
        return bool(self._oxigraph(query, bindings))

    def _rdflib(self, query: str, bindings: Mapping[str, Term] | None):
        init = {k: v for k, v in (bindings or {}).items()}
        try:
            return self._graph.query(query, initBindings=init)
        except Exception as exc:  # pyparsing's ParseException, or anything from evaluation
            raise QueryError(f"the query failed in rdflib: {type(exc).__name__}: {exc}") from exc

    def _oxigraph(self, query: str, bindings: Mapping[str, Term] | None):
        text = _bind_values(query, bindings) if bindings else query
        try:
            return self._store.query(text)
        except (SyntaxError, OSError, ValueError, TypeError) as exc:
            raise QueryError(f"the query failed in Oxigraph: {type(exc).__name__}: {exc}") from exc

    def _oxigraph_select(self, query: str, bindings: Mapping[str, Term] | None) -> Rows:
        solutions = self._oxigraph(query, bindings)
        variables = [v.value for v in solutions.variables]
        try:
            rows = [tuple(from_oxigraph(solution[v]) for v in variables) for solution in solutions]
        except (OSError, ValueError, TypeError) as exc:  # evaluation is lazy: errors come here
            raise QueryError(f"the query failed in Oxigraph: {type(exc).__name__}: {exc}") from exc
        return Rows.of(variables, rows)


def from_oxigraph(term) -> Term | None:
    """A pyoxigraph term as the rdflib term the port returns (simple literals without xsd:string)."""
    if term is None:
        return None
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        # normalize=False: keep the store's lexical form (rdflib would otherwise rewrite it).
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise QueryError(f"an answer holds a term hankekg cannot represent: {term!r}")


def as_port(source: EmbeddedStore | Graph) -> EmbeddedStore:
    """A query port over ``source``: an :class:`EmbeddedStore` as it is, an rdflib graph
    loaded into the default engine."""
    return source if isinstance(source, EmbeddedStore) else EmbeddedStore(source)
