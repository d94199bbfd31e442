"""The graphs of a build as canonical N-Triples lines, and what is made from them.

:class:`hankekg.rdf.mapping.ProjectMapper` writes every triple of a build into a
:class:`LineDataset`: one set of canonical N-Triples lines (:func:`hankekg.publish.dumps.nt_term`)
per named graph. A line costs a few microseconds and a hundred-odd bytes, where an
rdflib ``Dataset`` costs ~20 µs and about a kilobyte a triple. Duplicates (a region or
a target-group concept met by many projects) fold into one line as they are added.
Given a spill folder, a graph whose lines reach :data:`SPILL_CHARS` characters writes
them out as a sorted run and starts again, and its runs are merged into one sorted file
when it is finished: a build of 100,000 projects (8.8 million lines, 2 GB) never holds
more than a run of each graph.

:class:`Graphs` is the finished product: each named graph as *sorted* canonical N-Triples,
bytes in memory or a file. Sorting makes everything downstream deterministic whatever the
order the projects were mapped in: the dumps, the Oxigraph store (:meth:`Graphs.store`,
loaded in that order, on disk for a graph that is) and the rdflib ``Dataset`` that
small-data consumers (the site, tests) read (:meth:`Graphs.dataset`, made on first use).
"""

from __future__ import annotations

import heapq
import io
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from tempfile import TemporaryDirectory, mkdtemp

from rdflib import Dataset, URIRef

from hankekg.namespaces import bind_prefixes
from hankekg.publish.dumps import nt_term


def nt_line(triple: tuple) -> str:
    """One triple as a canonical N-Triples line (with its newline)."""
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n"


SPILL_CHARS = 100_000_000
"""Characters of lines a graph holds in memory before it writes them out as a sorted run
(when the dataset has a spill folder): about 150 MB with the strings' overhead. Counted in
characters, not lines: a card's original text is one line of several kilobytes."""


class LineGraph:
    """One named graph being built: a set of canonical N-Triples lines.

    Takes rdflib triples (``add``, ``in``) like the part of ``rdflib.Graph`` the mapper uses.
    With a spill folder, whenever the set holds ``limit`` characters of lines they are
    written out as one sorted run file and the set starts again; ``in`` then no longer sees
    the lines written out, so it refuses to answer.
    """

    __slots__ = ("identifier", "lines", "runs", "_spill", "_limit", "_chars")

    def __init__(self, identifier: URIRef, spill: Path | None = None, limit: int = SPILL_CHARS):
        self.identifier = identifier
        self.lines: set[str] = set()
        self.runs: list[Path] = []
        self._spill = spill
        self._limit = limit
        self._chars = 0

    def add(self, triple: tuple) -> None:
        line = nt_line(triple)
        lines = self.lines
        if line not in lines:
            lines.add(line)
            self._chars += len(line)
            if self._spill is not None and self._chars >= self._limit:
                self._write_run()

    def _write_run(self) -> None:
        path = self._spill / f"run-{id(self):x}-{len(self.runs):05d}.nt"
        with open(path, "wb") as out:
            out.writelines(line.encode("utf-8") for line in sorted(self.lines))
        self.runs.append(path)
        self.lines = set()
        self._chars = 0

    def __contains__(self, triple: tuple) -> bool:
        if self.runs:
            raise RuntimeError(f"graph {self.identifier} has spilled lines to disk: 'in' cannot see them")
        return nt_line(triple) in self.lines

    def __len__(self) -> int:
        if self.runs:
            raise RuntimeError(f"graph {self.identifier} has spilled lines to disk: its size is known when finished")
        return len(self.lines)

    def finish(self) -> bytes | Path:
        """The graph's sorted lines: bytes, or, when it spilled, the file they were merged into."""
        if not self.runs:
            data = "".join(sorted(self.lines)).encode("utf-8")
            self.lines = set()
            return data
        if self.lines:
            self._write_run()
        target = self._spill / f"graph-{id(self):x}.nt"
        files = [open(path, "rb") for path in self.runs]
        try:
            with open(target, "wb") as out:
                out.writelines(merge_sorted(files))
        finally:
            for f in files:
                f.close()
        for path in self.runs:
            path.unlink()
        self.runs = []
        return target


class LineDataset:
    """The named graphs of a build being written (``graph(identifier)`` as on an rdflib ``Dataset``).

    Args:
        spill: a temporary folder for sorted runs of lines: with it, no graph holds more than
            ``limit`` characters of lines in memory (a build of 100,000 projects has 8.8
            million lines, 2 GB), and the finished graphs are files in it. Without it
            everything stays in memory.
        limit: characters of lines a graph holds before writing a run (default
            :data:`SPILL_CHARS`).
    """

    def __init__(self, spill: TemporaryDirectory | None = None, limit: int | None = None) -> None:
        self._graphs: dict[URIRef, LineGraph] = {}
        self._workdir = spill
        self._spill = Path(spill.name) if spill is not None else None
        self._limit = limit or SPILL_CHARS

    def graph(self, identifier: URIRef) -> LineGraph:
        if identifier not in self._graphs:
            self._graphs[identifier] = LineGraph(identifier, self._spill, self._limit)
        return self._graphs[identifier]

    def finish(self) -> Graphs:
        """Sort each graph's lines (merging its runs, if any) and let go of the sets."""
        out = {name: self._graphs[name].finish() for name in sorted(self._graphs)}
        self._graphs.clear()
        return Graphs(out, self._workdir)


def merge_sorted(parts: Iterable[bytes | Iterable[bytes]]) -> Iterator[bytes]:
    """The lines of several sorted N-Triples documents (bytes, or iterables of lines such as
    binary files), merged in order, each line once."""
    last = None
    streams = [part.splitlines(keepends=True) if isinstance(part, (bytes, bytearray)) else part
               for part in parts]
    for line in heapq.merge(*streams):
        if line != last:
            yield line
            last = line


class Graphs:
    """The built named graphs: graph IRI → sorted canonical N-Triples.

    Args:
        ntriples: each named graph's triples, one canonical N-Triples line each, sorted:
            as bytes, or as the path of a file (a build that spilled to disk).

    Big consumers read the lines as they come (:meth:`lines`, :meth:`union_lines`,
    :meth:`write_union`, :meth:`store`); :attr:`ntriples` gives each graph as bytes,
    reading files into memory, for small data.
    """

    def __init__(self, ntriples: Mapping[URIRef, bytes | Path], workdir: TemporaryDirectory | None = None):
        self._parts: dict[URIRef, bytes | Path] = dict(sorted(ntriples.items()))
        self._workdir = workdir  # the spill folder the files are in: removed with this object

    @property
    def workdir(self) -> Path | None:
        """The folder the graph files are in (removed when this object goes), if any."""
        return Path(self._workdir.name) if self._workdir is not None else None

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

    @property
    def on_disk(self) -> bool:
        """Whether some graph is a file (the build spilled its lines to disk)."""
        return any(isinstance(part, Path) for part in self._parts.values())

    @property
    def names(self) -> list[URIRef]:
        return list(self._parts)

    @property
    def ntriples(self) -> dict[URIRef, bytes]:
        """Each graph's sorted N-Triples as bytes (files are read into memory)."""
        return {name: part if isinstance(part, bytes) else part.read_bytes() for name, part in self._parts.items()}

    def __len__(self) -> int:
        """The number of distinct triples of the union (what the dumps hold)."""
        return self.union_size

    @cached_property
    def union_size(self) -> int:
        return sum(1 for _ in self.union_lines())

    def lines(self, name: URIRef) -> Iterator[bytes]:
        """One graph's sorted lines (each with its newline); none for a graph not built."""
        part = self._parts.get(name, b"")
        if isinstance(part, bytes):
            return iter(io.BytesIO(part))  # line by line, without a list of every line
        return _file_lines(part)

    def union_lines(self) -> Iterator[bytes]:
        """Every triple of every graph once, sorted, line by line (what the N-Triples dump holds)."""
        return merge_sorted([self.lines(name) for name in self._parts])

    def union_ntriples(self) -> bytes:
        """Every triple of every graph once, sorted: the N-Triples dump."""
        return b"".join(self.union_lines())

    def write_union(self, path: Path) -> int:
        """Write :meth:`union_ntriples` into a file; returns the number of triples."""
        count = 0
        with open(path, "wb") as out:
            for line in self.union_lines():
                out.write(line)
                count += 1
        self.__dict__.setdefault("union_size", count)
        return count

    def nquads(self) -> Iterator[bytes]:
        """Each graph's lines as N-Quads, graph by graph, in graph order."""
        for name in self._parts:
            suffix = f" <{name}> .\n".encode()
            for line in self.lines(name):
                yield line[:-2] + suffix

    def store(self, path: Path | None = None):
        """A new pyoxigraph ``Store`` holding the union of the graphs in its default graph, as
        the shapes and the query catalogue see the graph (loaded in sorted order).

        Args:
            path: a folder for an on-disk store (RocksDB, memory-light for big graphs);
                None for an in-memory one, or, when the graphs are files (a big build),
                an on-disk one in :attr:`workdir`.
        """
        import pyoxigraph as ox

        if path is None and self.on_disk and self.workdir is not None:
            path = Path(mkdtemp(prefix="store-", dir=self.workdir))  # as big as the graph: not in memory
        store = ox.Store(str(path)) if path is not None else ox.Store()
        for part in self._parts.values():
            if isinstance(part, bytes):
                store.bulk_load(part, format=ox.RdfFormat.N_TRIPLES)
            else:
                store.bulk_load(path=str(part), format=ox.RdfFormat.N_TRIPLES)
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


def _file_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb", buffering=1 << 20) as f:
        yield from f
