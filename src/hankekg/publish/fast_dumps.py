"""Dumps through pyoxigraph (experimental; not wired into the build).

* :func:`ntriples_bytes`: every triple once, one N-Triples line each, lines sorted by
  their bytes: the same bytes whatever order the triples were added in.
  (pyoxigraph parses but does not serialise here: a Store canonicalises xsd:decimal
  lexical forms, "2030748.0" → "2030748", which would change the bytes.)
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


def ntriples_bytes(source) -> bytes:
    """The union of the graphs as sorted, duplicate-free N-Triples.

    From an rdflib graph the lines are rdflib's (byte-identical to sorting rdflib's
    N-Triples). From a pyoxigraph Store they are Oxigraph's, which differ in one way: a
    store keeps numbers by value, so ``"2030748.0"^^xsd:decimal`` comes back as
    ``"2030748"^^xsd:decimal`` (same value, other lexical form) — the reason the dumps
    must not round-trip through a store if their bytes are to stay as they are.
    """
    if isinstance(source, ox.Store):
        lines = {f"{q.subject} {q.predicate} {q.object} .\n".encode("utf-8") for q in source}
    else:
        text = source.serialize(format="nt", encoding="utf-8")
        lines = {line for line in text.splitlines(keepends=True) if line.strip()}
    return b"".join(sorted(lines))


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
