"""Deterministic dumps of the graph: the same triples give the same bytes.

:func:`turtle_bytes` is rdflib's Turtle serialiser (used for small files such as the
SHACL report, which has blank nodes). The published dumps use the writers below instead,
which order everything by the canonical N-Triples form of each term, so the bytes depend
on the set of triples alone, never on insertion order, hash seeds or rdflib's ordering of
literals of different datatypes:

- :func:`ntriples_bytes`: one triple a line, lines sorted by code point (``LC_ALL=C sort``
  order), the canonical escaping of RDF 1.2 N-Triples / RDF Dataset Canonicalization
  (``\\b \\t \\n \\f \\r \\" \\\\`` as ECHAR, other control characters as ``\\u00XX``);
- :func:`sorted_turtle_bytes`: the sorted N-Triples written as Turtle by pyoxigraph
  (prefixes used, sorted; one block per subject, subjects, predicates and objects sorted);
- :func:`trig_bytes`: the same per named graph, graphs sorted by IRI;
- :func:`jsonld_bytes`: a JSON-LD document whose ``@context`` (:data:`CONTEXT`) is
  embedded inline, so a processor needs nothing from the network; the same context is
  published as ``context.jsonld`` for consumers. Nodes sorted by IRI, keys sorted, every
  literal written as an explicit value object (no native JSON numbers, whose round trip
  is not canonical).

The dump set (:func:`write_dumps`) is written as a stream: each dump goes straight into a
file (a :class:`DumpTarget`, in a publish the temporary files of
:mod:`hankekg.publish.run`), made from the graphs' sorted lines and from the N-Triples dump
already written, never held whole in memory; the ``.gz`` files are made by reading the
plain files back, in threads. :func:`dump_files` writes the same bytes into memory, for
small graphs and tests.

hankekg mints no blank nodes; the writers refuse one rather than give it an unstable label.
"""

from __future__ import annotations

import gzip
import heapq
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from hankekg.errors import HankekgError
from hankekg.namespaces import PREFIXES, bind_prefixes
from hankekg.publish.files import write_atomic

Term = URIRef | Literal
Triples = Graph | Iterable[tuple]
"""A graph, or any iterable of (subject, predicate, object)."""


def union(dataset: Dataset) -> Graph:
    """Every triple of every graph in ``dataset``, as one graph with hankekg's prefixes."""
    graph = Graph()
    bind_prefixes(graph)
    for ctx in dataset.graphs():
        for triple in ctx:
            graph.add(triple)
    return graph


def turtle_bytes(graph: Graph) -> bytes:
    """The graph as Turtle by rdflib's serialiser (blank nodes allowed)."""
    data = graph.serialize(format="turtle", encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def write_turtle(graph: Graph, path: Path) -> None:
    """Write ``graph`` as Turtle to ``path`` atomically."""
    write_atomic(path, turtle_bytes(graph))


# ---------------------------------------------------------------------------------------
# Canonical terms
# ---------------------------------------------------------------------------------------

_ECHAR = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]} | _ECHAR
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')


_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f]')
_RARE_ESCAPE = re.compile(r"[\x00-\x07\x0b\x0e-\x1f\x7f]")


def escape_string(text: str) -> str:
    """``text`` escaped for a quoted N-Triples / Turtle string (canonical form)."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    # str.replace runs in C; a translate table would go through Python per character.
    text = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t").replace("\b", "\\b").replace("\f", "\\f"))
    return _RARE_ESCAPE.sub(lambda m: _ESCAPES[ord(m.group())], text)


def nt_term(term: Term) -> str:
    """The canonical N-Triples form of an IRI or a literal.

    Raises:
        HankekgError: for a blank node (dumps have none) or an IRI with a character an
            IRI may not contain.
    """
    if isinstance(term, URIRef):
        if _IRI_FORBIDDEN.search(term):
            raise HankekgError(f"not a valid IRI for a dump: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = f'"{escape_string(str(term))}"'
        if term.language:
            return f"{text}@{term.language.lower()}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        raise HankekgError(f"blank node {term.n3()} in a dump: hankekg dumps mint IRIs for every node")
    raise HankekgError(f"not an RDF term: {term!r}")


@dataclass(frozen=True)
class _Triple:
    s: str
    p: str
    o: str
    subject: URIRef
    predicate: URIRef
    object: Term


def _sorted_triples(triples: Iterable[tuple]) -> list[_Triple]:
    """Triples deduplicated on their canonical form and sorted (subject, predicate, object).

    Deduplicating on the canonical form merges what rdflib keeps apart but RDF does not
    (``"a"`` and ``"a"^^xsd:string``), so every dump states each triple once.
    """
    seen: dict[tuple[str, str, str], _Triple] = {}
    for s, p, o in triples:
        key = (nt_term(s), nt_term(p), nt_term(o))
        if key not in seen:
            seen[key] = _Triple(*key, s, p, o)
    return [seen[k] for k in sorted(seen)]


def triple_count(graph: Triples) -> int:
    """The number of distinct triples of ``graph`` as the dumps count them."""
    return len(_sorted_triples(graph))


def ntriples_bytes(graph: Triples) -> bytes:
    """``graph`` as sorted canonical N-Triples, one triple a line."""
    lines = [f"{t.s} {t.p} {t.o} .\n" for t in _sorted_triples(graph)]
    return "".join(sorted(lines)).encode("utf-8")


# ---------------------------------------------------------------------------------------
# Prefixed names
# ---------------------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
"""A local name that is a valid Turtle PN_LOCAL and a harmless JSON-LD compact IRI suffix."""


class Prefixes:
    """Compacts IRIs with a prefix map; only prefixes actually used are declared.

    Args:
        prefixes: prefix → namespace IRI.
    """

    def __init__(self, prefixes: Mapping[str, str]):
        self.namespaces = sorted(((str(ns), p) for p, ns in prefixes.items()), key=lambda x: -len(x[0]))
        self.used: set[str] = set()
        self._cache: dict[str, tuple[str, str] | None] = {}

    def split(self, iri: str) -> tuple[str, str] | None:
        """(prefix, local name) of ``iri``, or None when no prefix gives a valid local name."""
        if iri not in self._cache:
            self._cache[iri] = next(((prefix, iri[len(ns):]) for ns, prefix in self.namespaces
                                     if iri.startswith(ns) and _LOCAL.match(iri[len(ns):])), None)
        return self._cache[iri]

    def compact(self, iri: str) -> str | None:
        """``prefix:local`` for ``iri`` (marking the prefix used), or None."""
        parts = self.split(iri)
        if parts is None:
            return None
        self.used.add(parts[0])
        return f"{parts[0]}:{parts[1]}"

    def declarations(self) -> str:
        """``@prefix`` lines of the prefixes used, sorted by prefix."""
        by_prefix = {p: ns for ns, p in self.namespaces}
        return "".join(f"@prefix {p}: <{by_prefix[p]}> .\n" for p in sorted(self.used))


def dump_prefixes(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """hankekg's prefixes (:data:`hankekg.namespaces.PREFIXES`) plus ``extra``."""
    return {p: str(ns) for p, ns in PREFIXES.items()} | dict(extra or {})


# ---------------------------------------------------------------------------------------
# Sorted lines, streamed
# ---------------------------------------------------------------------------------------

BLOCK_LINES = 8192
"""Lines joined into one write (about a megabyte of N-Triples)."""

LineSource = bytes | Callable[[], Iterable[bytes]]
"""One graph's sorted canonical N-Triples: its bytes, or a function giving its lines (each
with its newline) afresh on every call, such as :meth:`hankekg.rdf.sink.Graphs.lines`."""


def source_lines(source: LineSource) -> Iterator[bytes]:
    """The lines of a :data:`LineSource`, each with its newline, one at a time."""
    if isinstance(source, bytes):
        return iter(io.BytesIO(source))  # shares the bytes; yields line by line
    return iter(source())


def merge_lines(*sources: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of several sorted line iterators merged in order, each distinct line once."""
    last = None
    for line in heapq.merge(*sources):
        if line != last:
            yield line
            last = line


def line_blocks(lines: Iterable[bytes], size: int = BLOCK_LINES) -> Iterator[bytes]:
    """``lines`` joined ``size`` at a time (the last block may be shorter; no empty block)."""
    lines = iter(lines)
    while block := b"".join(itertools.islice(lines, size)):
        yield block


class ChunkReader(io.RawIOBase):
    """A readable binary stream over an iterator of byte chunks, for a parser that reads files."""

    def __init__(self, chunks: Iterable[bytes]):
        super().__init__()
        self._chunks = iter(chunks)
        self._view = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not len(self._view):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._view = memoryview(chunk)
        n = min(len(buffer), len(self._view))
        buffer[:n] = self._view[:n]
        self._view = self._view[n:]
        return n


def _parse_ntriples(nt: bytes | Path):
    """pyoxigraph's N-Triples parser over bytes or a file."""
    import pyoxigraph as ox

    if isinstance(nt, Path):
        return ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES)
    return ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)


# ---------------------------------------------------------------------------------------
# N-Triples, Turtle and TriG (written by pyoxigraph from sorted N-Triples)
# ---------------------------------------------------------------------------------------

class PrefixScan:
    """Which prefixes' namespaces occur in N-Triples read block by block.

    A prefix counts as used when some IRI starts with its namespace (``<`` + namespace
    occurs); blocks must end at line ends (an IRI never spans lines).
    """

    def __init__(self, prefixes: Mapping[str, str]):
        self.prefixes = {p: str(ns) for p, ns in sorted(prefixes.items())}
        self._missing = {p: f"<{ns}".encode() for p, ns in self.prefixes.items()}

    def scan(self, block: bytes) -> None:
        for prefix, needle in list(self._missing.items()):
            if needle in block:
                del self._missing[prefix]

    def used(self) -> dict[str, str]:
        """The prefixes seen so far, sorted by prefix."""
        return {p: ns for p, ns in self.prefixes.items() if p not in self._missing}


def used_prefixes(nt: bytes, prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes whose namespace some IRI of ``nt`` starts with, sorted by prefix."""
    scan = PrefixScan(prefixes)
    scan.scan(nt)
    return scan.used()


def stream_ntriples(lines: Iterable[bytes], out: BinaryIO, prefixes: Mapping[str, str]) -> dict[str, str]:
    """Write sorted canonical N-Triples lines to ``out`` a block at a time.

    Returns:
        The prefixes of ``prefixes`` the lines use (as :func:`used_prefixes`), for the
        Turtle and TriG written from the same triples.
    """
    scan = PrefixScan(prefixes)
    for block in line_blocks(lines):
        out.write(block)
        scan.scan(block)
    return scan.used()


def stream_turtle(nt: bytes | Path, out: BinaryIO, prefixes: Mapping[str, str]) -> None:
    """Sorted canonical N-Triples (bytes or a file) as Turtle into ``out``, by pyoxigraph's writer.

    pyoxigraph writes triples in the order it reads them, grouping a subject's consecutive
    triples (``;``) and a predicate's consecutive objects (``,``): from sorted lines, one block
    per subject, everything in canonical order, the same bytes for the same triples.

    Args:
        nt: the N-Triples.
        out: a binary writer.
        prefixes: the prefixes to declare (those the triples use, :func:`used_prefixes`).
    """
    import pyoxigraph as ox

    ox.serialize(_parse_ntriples(nt), out, format=ox.RdfFormat.TURTLE, prefixes=dict(prefixes))


def turtle_from_ntriples(nt: bytes, prefixes: Mapping[str, str] | None = None) -> bytes:
    """Sorted canonical N-Triples (:func:`ntriples_bytes`) as Turtle (see :func:`stream_turtle`);
    of ``prefixes`` (default :func:`dump_prefixes`) those used are declared."""
    buf = io.BytesIO()
    stream_turtle(nt, buf, used_prefixes(nt, prefixes or dump_prefixes()))
    return buf.getvalue()


def sorted_turtle_bytes(graph: Triples, prefixes: Mapping[str, str] | None = None) -> bytes:
    """``graph`` as Turtle grouped by subject, everything sorted; byte-identical for equal graphs.

    Args:
        graph: the triples (no blank nodes).
        prefixes: prefix → namespace (default :func:`dump_prefixes`); only those used are written.
    """
    return turtle_from_ntriples(ntriples_bytes(graph), prefixes)


def _nquads_blocks(graphs: Mapping[URIRef, LineSource]) -> Iterator[bytes]:
    """Each graph's lines as N-Quads blocks, graphs sorted by IRI, each graph read only when its
    turn comes. A canonical line ends in its only `` .\\n`` (a newline inside a literal is
    escaped), so the graph name goes in by one replace per block."""
    for name in sorted(graphs):
        suffix = f" <{name}> .\n".encode()
        for block in line_blocks(source_lines(graphs[name])):
            yield block.replace(b" .\n", suffix)


def stream_trig(graphs: Mapping[URIRef, LineSource], out: BinaryIO, prefixes: Mapping[str, str]) -> None:
    """Named graphs given as sorted N-Triples, as TriG into ``out``: graphs sorted by IRI, each
    written like :func:`stream_turtle`; empty graphs are left out.

    Args:
        graphs: graph IRI → its lines (:data:`LineSource`).
        out: a binary writer.
        prefixes: the prefixes to declare (those some graph uses).
    """
    import pyoxigraph as ox

    quads = ox.parse(ChunkReader(_nquads_blocks(graphs)), format=ox.RdfFormat.N_QUADS)
    ox.serialize(quads, out, format=ox.RdfFormat.TRIG, prefixes=dict(prefixes))


def trig_from_ntriples(graphs: Mapping[URIRef, bytes], prefixes: Mapping[str, str] | None = None) -> bytes:
    """Named graphs given as sorted N-Triples bytes, as TriG (see :func:`stream_trig`)."""
    scan = PrefixScan(prefixes or dump_prefixes())
    for data in graphs.values():
        scan.scan(data)
    buf = io.BytesIO()
    stream_trig(graphs, buf, scan.used())
    return buf.getvalue()


def trig_bytes(graphs: Mapping[URIRef, Triples], prefixes: Mapping[str, str] | None = None) -> bytes:
    """Named graphs as TriG (see :func:`stream_trig`)."""
    return trig_from_ntriples({name: ntriples_bytes(g) for name, g in graphs.items()}, prefixes)


# ---------------------------------------------------------------------------------------
# JSON-LD
# ---------------------------------------------------------------------------------------

TERMS: dict[str, str] = {
    # classes
    "Project": "http://data.europa.eu/s66#Project",
    "Organisation": "http://data.europa.eu/s66#Organisation",
    "OrganisationRole": "http://data.europa.eu/s66#OrganisationRole",
    "Grant": "http://data.europa.eu/s66#Grant",
    "MonetaryAmount": "http://data.europa.eu/s66#MonetaryAmount",
    "Concept": "http://www.w3.org/2004/02/skos/core#Concept",
    "Output": "https://w3id.org/hankekg/ontology#Output",
    # properties
    "identifier": "http://purl.org/dc/terms/identifier",
    "title": "http://purl.org/dc/terms/title",
    "label": "http://www.w3.org/2000/01/rdf-schema#label",
    "prefLabel": "http://www.w3.org/2004/02/skos/core#prefLabel",
    "altLabel": "http://www.w3.org/2004/02/skos/core#altLabel",
    "notation": "http://www.w3.org/2004/02/skos/core#notation",
    "startDate": "http://data.europa.eu/s66#startDate",
    "endDate": "http://data.europa.eu/s66#endDate",
    "hasInvolvedParty": "http://data.europa.eu/s66#hasInvolvedParty",
    "isRoleOf": "http://data.europa.eu/s66#isRoleOf",
    "roleLabel": "http://data.europa.eu/s66#roleLabel",
    "isFundedBy": "http://data.europa.eu/s66#isFundedBy",
    "isDisbursedBy": "http://data.europa.eu/s66#isDisbursedBy",
    "hasFundingAmount": "http://data.europa.eu/s66#hasFundingAmount",
    "value": "http://data.europa.eu/s66#value",
    "currency": "http://data.europa.eu/s66#currency",
    "audience": "http://purl.org/dc/terms/audience",
    "spatial": "http://purl.org/dc/terms/spatial",
    "hasResult": "http://data.europa.eu/s66#hasResult",
    "seeAlso": "http://www.w3.org/2000/01/rdf-schema#seeAlso",
    "wasDerivedFrom": "http://www.w3.org/ns/prov#wasDerivedFrom",
}
"""Plain-named terms of the JSON-LD context: simple aliases, no type coercion, so every
value in the dump stays an explicit value object and means the same with or without them."""


def jsonld_context(prefixes: Mapping[str, str] | None = None) -> dict:
    """The ``@context`` object: every prefix, then :data:`TERMS`."""
    return {**dict(sorted((prefixes or dump_prefixes()).items())), **TERMS}


_XSD_STRING = str(XSD.string)
_RDF_TYPE = str(RDF.type)


def _jsonld_value(term, pm: Prefixes):
    """A pyoxigraph term as a JSON-LD value: a node reference or an explicit value object."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"@id": pm.compact(term.value) or term.value}
    if term.language:
        return {"@language": term.language.lower(), "@value": term.value}
    datatype = term.datatype.value
    if datatype != _XSD_STRING:
        return {"@type": pm.compact(datatype) or datatype, "@value": term.value}
    return term.value


def jsonld_nodes(triples: Iterable, prefixes: Prefixes) -> Iterator[dict]:
    """One JSON-LD node object per subject of pyoxigraph ``triples`` read from sorted canonical
    N-Triples: a subject's triples are consecutive there, so each node is finished when the
    next subject starts, its values in canonical order, the nodes in the order of the lines.

    Raises:
        HankekgError: when the triples are not in sorted order (a subject met again later).
    """
    import pyoxigraph as ox

    aliases = {iri: term for term, iri in TERMS.items()}
    node: dict | None = None
    subject = last_head = None
    for t in triples:
        s = t.subject.value
        if s != subject:
            if node is not None:
                yield node
            # Sorted lines give strictly growing "<subject> " heads (no IRI holds '>' or ' ').
            head = f"<{s}> "
            if last_head is not None and head <= last_head:
                raise HankekgError(f"JSON-LD from unsorted N-Triples: {s} met again after {subject}")
            subject, last_head = s, head
            node = {"@id": prefixes.compact(s) or s}
        p, o = t.predicate.value, t.object
        if p == _RDF_TYPE and isinstance(o, ox.NamedNode):
            key, value = "@type", aliases.get(o.value) or prefixes.compact(o.value) or o.value
        else:
            key = aliases.get(p) or prefixes.compact(p) or p
            value = _jsonld_value(o, prefixes)
        if key in node:
            if not isinstance(node[key], list):
                node[key] = [node[key]]
            node[key].append(value)
        else:
            node[key] = value
    if node is not None:
        yield node


def jsonld_from_ntriples(nt: bytes, prefixes: Mapping[str, str] | None = None) -> dict:
    """Sorted canonical N-Triples (:func:`ntriples_bytes`) as a JSON-LD document with its
    context inline (see the module docstring), read by pyoxigraph's parser (see :func:`jsonld_nodes`)."""
    prefixes = prefixes or dump_prefixes()
    nodes = list(jsonld_nodes(_parse_ntriples(nt), Prefixes(prefixes)))
    return {"@context": jsonld_context(prefixes), "@graph": nodes}


def jsonld_document(graph: Triples, prefixes: Mapping[str, str] | None = None) -> dict:
    """``graph`` as a JSON-LD document with its context inline (see :func:`jsonld_from_ntriples`)."""
    return jsonld_from_ntriples(ntriples_bytes(graph), prefixes)


def json_bytes(data) -> bytes:
    """Deterministic JSON: keys sorted, UTF-8, one space indent, final newline."""
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _write_jsonld_nodes(context: dict, nodes: Iterable[dict], out: BinaryIO) -> None:
    """The JSON-LD document layout of :func:`jsonld_document_bytes`, written node by node."""
    out.write(f'{{"@context":{_compact_json(context)},\n"@graph":[\n'.encode())
    texts = (_compact_json(node) for node in nodes)
    separator = ""
    while batch := list(itertools.islice(texts, 1024)):
        out.write((separator + ",\n".join(batch)).encode("utf-8"))
        separator = ",\n"
    out.write(b"\n]}\n")


def jsonld_document_bytes(document: dict) -> bytes:
    """A JSON-LD document as deterministic JSON with one node of ``@graph`` a line.

    Keys sorted, UTF-8, final newline. Each node is written compact by the json module's C
    encoder (an indented document goes through its pure-Python encoder, ten times slower
    on a large graph), so the dump still diffs node by node.
    """
    buf = io.BytesIO()
    _write_jsonld_nodes(document["@context"], document["@graph"], buf)
    return buf.getvalue()


def stream_jsonld(nt: bytes | Path, out: BinaryIO, prefixes: Mapping[str, str]) -> None:
    """Sorted canonical N-Triples (bytes or a file) as the JSON-LD dump into ``out``, a node at a
    time: the bytes of :func:`jsonld_document_bytes` of :func:`jsonld_from_ntriples`.

    Args:
        nt: the N-Triples.
        out: a binary writer.
        prefixes: the prefix map (all of it goes into the context).
    """
    _write_jsonld_nodes(jsonld_context(prefixes), jsonld_nodes(_parse_ntriples(nt), Prefixes(prefixes)), out)


def jsonld_bytes(graph: Triples, prefixes: Mapping[str, str] | None = None) -> bytes:
    """:func:`jsonld_document` as deterministic JSON."""
    return jsonld_document_bytes(jsonld_document(graph, prefixes))


def context_bytes(prefixes: Mapping[str, str] | None = None) -> bytes:
    """``context.jsonld``: the context the JSON-LD dump embeds, for consumers to reference."""
    return json_bytes({"@context": jsonld_context(prefixes)})


# ---------------------------------------------------------------------------------------
# The dump set
# ---------------------------------------------------------------------------------------

GZIP_BLOCK = 1 << 20
"""Bytes read at a time when gzipping a written file."""


def _gzip_writer(out: BinaryIO) -> gzip.GzipFile:
    """A gzip stream into ``out`` with no name and no time in the header, level 6."""
    return gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6)


def gzip_stream(source: BinaryIO, out: BinaryIO) -> None:
    """Everything ``source`` reads, gzipped into ``out`` a block at a time (as :func:`gzip_bytes`:
    deflate's output does not depend on how its input is cut)."""
    with _gzip_writer(out) as packed:
        while block := source.read(GZIP_BLOCK):
            packed.write(block)


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzipped with no name and no time in the header, so equal data give equal bytes."""
    buf = io.BytesIO()
    with _gzip_writer(buf) as f:
        f.write(data)
    return buf.getvalue()


DUMP_NAME = "hankekg"
DUMP_FORMATS = ("ttl", "nt", "jsonld", "trig")
DUMP_FILES = tuple(f"{DUMP_NAME}.{fmt}{gz}" for fmt in DUMP_FORMATS for gz in ("", ".gz"))
"""The dump file names, each format followed by its ``.gz``."""
CONTEXT_FILE = "context.jsonld"


class DumpTarget(Protocol):
    """Where :func:`write_dumps` writes: files by name, each created once, readable once written.

    ``create`` may be called from several threads at once (the ``.gz`` files are made in threads).
    """

    def create(self, name: str) -> AbstractContextManager[BinaryIO]:
        """A binary writer for file ``name``; the file is written when the context ends without error."""
        ...

    def source(self, name: str) -> bytes | Path:
        """A written file to read back: its bytes, or the path of a file holding them."""
        ...


class MemoryTarget:
    """A :class:`DumpTarget` that keeps each file as bytes (``files``), for small graphs and tests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    @contextmanager
    def create(self, name: str) -> Iterator[BinaryIO]:
        buf = io.BytesIO()
        yield buf
        self.files[name] = buf.getvalue()

    def source(self, name: str) -> bytes | Path:
        return self.files[name]


def _gzip_file(target: DumpTarget, name: str) -> None:
    """``name.gz`` of the already written ``name`` of ``target``."""
    source = target.source(name)
    with target.create(name + ".gz") as out:
        if isinstance(source, Path):
            with open(source, "rb") as f:
                gzip_stream(f, out)
        else:
            gzip_stream(io.BytesIO(source), out)


def write_dumps(graphs: Mapping[URIRef, LineSource], target: DumpTarget,
                prefixes: Mapping[str, str] | None = None, *, gzip_workers: int = 2) -> tuple[str, ...]:
    """Write every dump into ``target``: hankekg.{nt,ttl,jsonld,trig}, each also ``.gz``, and context.jsonld.

    Nothing is held whole: the N-Triples dump is written from the graphs' lines merged in
    order; Turtle and JSON-LD are written from that file by pyoxigraph's parser, TriG from
    the graphs' lines one graph at a time; each ``.gz`` is made by reading its plain file
    back, in a thread (zlib lets go of the GIL), while the next dump is written.

    Args:
        graphs: the named graphs (graph IRI → sorted canonical N-Triples, :data:`LineSource`);
            Turtle, N-Triples and JSON-LD hold their union, TriG keeps them apart.
        target: where the files go.
        prefixes: the prefix map (default :func:`dump_prefixes`).
        gzip_workers: threads gzipping.

    Returns:
        The names written.
    """
    prefixes = prefixes or dump_prefixes()
    nt, ttl, jsonld, trig = (f"{DUMP_NAME}.{fmt}" for fmt in ("nt", "ttl", "jsonld", "trig"))
    with ThreadPoolExecutor(max_workers=gzip_workers) as pool:
        jobs: list[Future] = []
        try:
            with target.create(nt) as out:
                used = stream_ntriples(merge_lines(*(source_lines(g) for g in graphs.values())), out, prefixes)
            jobs.append(pool.submit(_gzip_file, target, nt))
            with target.create(ttl) as out:
                stream_turtle(target.source(nt), out, used)
            jobs.append(pool.submit(_gzip_file, target, ttl))
            with target.create(jsonld) as out:
                stream_jsonld(target.source(nt), out, prefixes)
            jobs.append(pool.submit(_gzip_file, target, jsonld))
            with target.create(trig) as out:
                stream_trig(graphs, out, used)
            jobs.append(pool.submit(_gzip_file, target, trig))
            with target.create(CONTEXT_FILE) as out:
                out.write(context_bytes(prefixes))
            for job in jobs:
                job.result()
        except BaseException:
            for job in jobs:
                job.cancel()  # the pool still waits for the ones running
            raise
    return (*DUMP_FILES, CONTEXT_FILE)


def dump_files(graphs: Mapping[URIRef, bytes | Triples],
               prefixes: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """Every dump, by file name, in memory: what :func:`write_dumps` writes.

    Args:
        graphs: the named graphs (graph IRI → sorted canonical N-Triples bytes, as
            :class:`hankekg.rdf.sink.Graphs` holds them, or any triples).
        prefixes: the prefix map (default :func:`dump_prefixes`).
    """
    target = MemoryTarget()
    write_dumps({name: g if isinstance(g, bytes) else ntriples_bytes(g) for name, g in graphs.items()},
                target, prefixes)
    plain = [f"{DUMP_NAME}.{fmt}" for fmt in DUMP_FORMATS]
    return {name: target.files[name] for name in [*plain, *(n + ".gz" for n in plain), CONTEXT_FILE]}
