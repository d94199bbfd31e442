"""Dumps through pyoxigraph (experimental; not wired into the build).

* :func:`ntriples_bytes`: every triple once, one N-Triples line each, lines sorted by
  their bytes: the same bytes whatever order the triples were added in.
* :func:`turtle_bytes`: the sorted triples written as Turtle with hankekg's prefixes;
  pyoxigraph's serialiser groups consecutive triples of one subject, so the output
  is deterministic by construction (it does not rely on the store's internal order).
  It is not byte-identical to rdflib's Turtle (another layout) but holds the same triples.

Both take a pyoxigraph ``Store`` (its default graph and every named graph, as one
graph: the union the Turtle dump of the build holds) or an rdflib graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from hankekg.namespaces import bind_prefixes


def _store(source) -> ox.Store:
    if isinstance(source, ox.Store):
        return source
    store = ox.Store()
    data = source.serialize(format="nt", encoding="utf-8")
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def ntriples_bytes(source) -> bytes:
    """The union of the graphs as sorted, duplicate-free N-Triples."""
    store = _store(source)
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    lines = sorted(f"{t.subject} {t.predicate} {t.object} .\n".encode("utf-8") for t in triples)
    return b"".join(lines)


def prefixes() -> dict[str, str]:
    from rdflib import Graph

    g = Graph()
    bind_prefixes(g)
    return {p: str(ns) for p, ns in sorted(g.namespaces()) if p}


def turtle_bytes(source, nt: bytes | None = None) -> bytes:
    """The union of the graphs as Turtle, from the sorted N-Triples (given or computed)."""
    nt = nt if nt is not None else ntriples_bytes(source)
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes())
