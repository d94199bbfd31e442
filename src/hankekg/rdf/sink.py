"""The graphs of a build as canonical N-Triples lines, and what is made from them.

:class:`hankekg.rdf.mapping.ProjectMapper` writes every triple of a build into a
:class:`LineDataset`: one set of canonical N-Triples lines (:func:`hankekg.publish.dumps.nt_term`)
per named graph. A line costs a few microseconds and a hundred-odd bytes, where an
rdflib ``Dataset`` costs ~20 µs and about a kilobyte a triple, so a build of 100,000
projects fits in memory and time. Duplicates (a region or a target-group concept met
by many projects) fold into one line as they are added.

:class:`Graphs` is the finished product: each named graph as *sorted* canonical N-Triples
bytes. Sorting makes everything downstream deterministic whatever the order the
projects were mapped in: the dumps, the Oxigraph store (:meth:`Graphs.store`, loaded in
that order) and the rdflib ``Dataset`` that small-data consumers (the site, tests) read
(:meth:`Graphs.dataset`, made on first use).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property

from rdflib import Dataset, URIRef

from hankekg.namespaces import bind_prefixes
from hankekg.publish.dumps import nt_term


def nt_line(triple: tuple) -> str:
    """One triple as a canonical N-Triples line (with its newline)."""
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n"


class LineGraph:
    """One named graph being built: a set of canonical N-Triples lines.

    Takes rdflib triples (``add``, ``in``) like the part of ``rdflib.Graph`` the mapper uses.
    """

    __slots__ = ("identifier", "lines")

    def __init__(self, identifier: URIRef):
        self.identifier = identifier
        self.lines: set[str] = set()

    def add(self, triple: tuple) -> None:
        self.lines.add(nt_line(triple))

    def __contains__(self, triple: tuple) -> bool:
        return nt_line(triple) in self.lines

    def __len__(self) -> int:
        return len(self.lines)


class LineDataset:
    """The named graphs of a build being written (``graph(identifier)`` as on an rdflib ``Dataset``)."""

    def __init__(self) -> None:
        self._graphs: dict[URIRef, LineGraph] = {}

    def graph(self, identifier: URIRef) -> LineGraph:
        if identifier not in self._graphs:
            self._graphs[identifier] = LineGraph(identifier)
        return self._graphs[identifier]

    def finish(self) -> Graphs:
        """Sort each graph's lines into bytes and let go of the sets."""
        out = {}
        for name in sorted(self._graphs):
            graph = self._graphs[name]
            out[name] = "".join(sorted(graph.lines)).encode("utf-8")
            graph.lines = set()
        self._graphs.clear()
        return Graphs(out)


def merge_sorted(parts: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of several sorted N-Triples documents, merged in order, each line once."""
    last = None
    for line in heapq.merge(*(part.splitlines(keepends=True) for part in parts)):
        if line != last:
            yield line
            last = line


class Graphs:
    """The built named graphs: graph IRI → sorted canonical N-Triples bytes.

    Args:
        ntriples: each named graph's triples, one canonical N-Triples line each, sorted.
    """

    def __init__(self, ntriples: Mapping[URIRef, bytes]):
        self.ntriples: dict[URIRef, bytes] = dict(sorted(ntriples.items()))

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> Graphs:
        """The named graphs of an rdflib ``Dataset`` (its default graph left out when empty)."""
        lines = LineDataset()
        for graph in dataset.graphs():
            if len(graph):
                target = lines.graph(graph.identifier)
                for triple in graph:
                    target.add(triple)
        return lines.finish()

    def __len__(self) -> int:
        """The number of distinct triples of the union (what the dumps hold)."""
        return self.union_size

    @cached_property
    def union_size(self) -> int:
        return sum(1 for _ in merge_sorted(self.ntriples.values()))

    def lines(self, name: URIRef) -> Iterator[bytes]:
        """One graph's sorted lines (each with its newline); none for a graph not built."""
        data = self.ntriples.get(name, b"")
        return iter(data.splitlines(keepends=True))

    def union_lines(self) -> Iterator[bytes]:
        """Every triple of every graph once, sorted, line by line (what the N-Triples dump holds)."""
        return merge_sorted(self.ntriples.values())

    def union_ntriples(self) -> bytes:
        """Every triple of every graph once, sorted: the N-Triples dump."""
        return b"".join(merge_sorted(self.ntriples.values()))

    def nquads(self) -> Iterator[bytes]:
        """Each graph's lines as N-Quads, graph by graph, in graph order."""
        for name, data in self.ntriples.items():
            suffix = f" <{name}> .\n".encode()
            for line in data.splitlines():
                yield line[:-2] + suffix

    def store(self):
        """A new in-memory pyoxigraph ``Store`` holding the union of the graphs in its default
        graph, as the shapes and the query catalogue see the graph (loaded in sorted order)."""
        import pyoxigraph as ox

        store = ox.Store()
        for data in self.ntriples.values():
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        return store

    @cached_property
    def dataset(self) -> Dataset:
        """The graphs as an rdflib ``Dataset`` with hankekg's prefixes, parsed on first use.

        rdflib holds about a kilobyte a triple: fine for the few hundred real projects, not
        for 100,000 synthetic ones, so the scale path never asks for it.
        """
        ds = Dataset()
        bind_prefixes(ds)
        for name, data in self.ntriples.items():
            ds.graph(name).parse(data=data, format="nt")
        return ds
