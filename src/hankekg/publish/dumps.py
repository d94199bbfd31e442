"""Deterministic dumps of the graph: the same triples give the same bytes.

rdflib's Turtle serialiser orders subjects, predicates and objects; hankekg mints no
blank nodes, so the order depends on the triples alone.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from hankekg.namespaces import bind_prefixes
from hankekg.publish.files import write_atomic


def union(dataset: Dataset) -> Graph:
    """Every triple of every graph in ``dataset``, as one graph with hankekg's prefixes."""
    graph = Graph()
    bind_prefixes(graph)
    for ctx in dataset.graphs():
        for triple in ctx:
            graph.add(triple)
    return graph


def turtle_bytes(graph: Graph) -> bytes:
    """The graph as Turtle; byte-identical for identical triples."""
    data = graph.serialize(format="turtle", encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def write_turtle(graph: Graph, path: Path) -> None:
    """Write ``graph`` as Turtle to ``path`` atomically."""
    write_atomic(path, turtle_bytes(graph))
