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

hankekg mints no blank nodes; the writers refuse one rather than give it an unstable label.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

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
# Turtle and TriG, written by pyoxigraph from sorted N-Triples
# ---------------------------------------------------------------------------------------

def used_prefixes(nt: bytes, prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes whose namespace some IRI of ``nt`` starts with, sorted by prefix."""
    return {p: str(ns) for p, ns in sorted(prefixes.items()) if f"<{ns}".encode() in nt}


def turtle_from_ntriples(nt: bytes, prefixes: Mapping[str, str] | None = None) -> bytes:
    """Sorted canonical N-Triples (:func:`ntriples_bytes`) as Turtle, by pyoxigraph's writer.

    pyoxigraph writes triples in the order it reads them, grouping a subject's consecutive
    triples (``;``) and a predicate's consecutive objects (``,``): from sorted lines, one block
    per subject, everything in canonical order, the same bytes for the same triples.
    """
    import pyoxigraph as ox

    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE,
                        prefixes=used_prefixes(nt, prefixes or dump_prefixes()))


def sorted_turtle_bytes(graph: Triples, prefixes: Mapping[str, str] | None = None) -> bytes:
    """``graph`` as Turtle grouped by subject, everything sorted; byte-identical for equal graphs.

    Args:
        graph: the triples (no blank nodes).
        prefixes: prefix → namespace (default :func:`dump_prefixes`); only those used are written.
    """
    return turtle_from_ntriples(ntriples_bytes(graph), prefixes)


def trig_from_ntriples(graphs: Mapping[URIRef, bytes], prefixes: Mapping[str, str] | None = None) -> bytes:
    """Named graphs given as sorted N-Triples, as TriG: graphs sorted by IRI, each written like
    :func:`turtle_from_ntriples`; empty graphs are left out."""
    import pyoxigraph as ox

    names = sorted(name for name, data in graphs.items() if data)

    def quads():
        for name in names:
            node = ox.NamedNode(str(name))
            for t in ox.parse(graphs[name], format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(t.subject, t.predicate, t.object, node)

    used: dict[str, str] = {}
    for name in names:
        used |= used_prefixes(graphs[name], prefixes or dump_prefixes())
    return ox.serialize(quads(), format=ox.RdfFormat.TRIG, prefixes=dict(sorted(used.items())))


def trig_bytes(graphs: Mapping[URIRef, Triples], prefixes: Mapping[str, str] | None = None) -> bytes:
    """Named graphs as TriG (see :func:`trig_from_ntriples`)."""
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


def jsonld_from_ntriples(nt: bytes, prefixes: Mapping[str, str] | None = None) -> dict:
    """Sorted canonical N-Triples (:func:`ntriples_bytes`) as a JSON-LD document with its
    context inline (see the module docstring), read by pyoxigraph's parser.

    The lines are in (subject, predicate, object) order, so each node's values come in
    canonical order and the nodes in order of their IRIs.
    """
    import pyoxigraph as ox

    prefixes = prefixes or dump_prefixes()
    pm = Prefixes(prefixes)
    aliases = {iri: term for term, iri in TERMS.items()}
    nodes: dict[str, dict] = {}
    for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
        s = t.subject.value
        node = nodes.get(s)
        if node is None:
            node = nodes[s] = {"@id": pm.compact(s) or s}
        p, o = t.predicate.value, t.object
        if p == _RDF_TYPE and isinstance(o, ox.NamedNode):
            key, value = "@type", aliases.get(o.value) or pm.compact(o.value) or o.value
        else:
            key = aliases.get(p) or pm.compact(p) or p
            value = _jsonld_value(o, pm)
        if key in node:
            if not isinstance(node[key], list):
                node[key] = [node[key]]
            node[key].append(value)
        else:
            node[key] = value
    return {"@context": jsonld_context(prefixes), "@graph": list(nodes.values())}


def jsonld_document(graph: Triples, prefixes: Mapping[str, str] | None = None) -> dict:
    """``graph`` as a JSON-LD document with its context inline (see :func:`jsonld_from_ntriples`)."""
    return jsonld_from_ntriples(ntriples_bytes(graph), prefixes)


def json_bytes(data) -> bytes:
    """Deterministic JSON: keys sorted, UTF-8, one space indent, final newline."""
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def jsonld_document_bytes(document: dict) -> bytes:
    """A JSON-LD document as deterministic JSON with one node of ``@graph`` a line.

    Keys sorted, UTF-8, final newline. Each node is written compact by the json module's C
    encoder (an indented document goes through its pure-Python encoder, ten times slower
    on a large graph), so the dump still diffs node by node.
    """
    def compact(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    head = compact(document["@context"])
    nodes = ",\n".join(compact(node) for node in document["@graph"])
    return f'{{"@context":{head},\n"@graph":[\n{nodes}\n]}}\n'.encode("utf-8")


def jsonld_bytes(graph: Triples, prefixes: Mapping[str, str] | None = None) -> bytes:
    """:func:`jsonld_document` as deterministic JSON."""
    return jsonld_document_bytes(jsonld_document(graph, prefixes))


def context_bytes(prefixes: Mapping[str, str] | None = None) -> bytes:
    """``context.jsonld``: the context the JSON-LD dump embeds, for consumers to reference."""
    return json_bytes({"@context": jsonld_context(prefixes)})


# ---------------------------------------------------------------------------------------
# The dump set
# ---------------------------------------------------------------------------------------

def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzipped with no name and no time in the header, so equal data give equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as f:
        f.write(data)
    return buf.getvalue()


DUMP_NAME = "hankekg"
DUMP_FORMATS = ("ttl", "nt", "jsonld", "trig")
CONTEXT_FILE = "context.jsonld"


def dump_files(graphs: Mapping[URIRef, bytes | Triples],
               prefixes: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """Every dump, by file name: hankekg.{ttl,nt,jsonld,trig}, each also ``.gz``, and context.jsonld.

    Args:
        graphs: the named graphs (graph IRI → sorted canonical N-Triples bytes, as
            :class:`hankekg.rdf.sink.Graphs` holds them, or any triples); Turtle, N-Triples
            and JSON-LD hold their union, TriG keeps them apart.
        prefixes: the prefix map (default :func:`dump_prefixes`).
    """
    from hankekg.rdf.sink import merge_sorted

    prefixes = prefixes or dump_prefixes()
    nts = {name: g if isinstance(g, bytes) else ntriples_bytes(g) for name, g in graphs.items()}
    nt = b"".join(merge_sorted(nts.values()))
    plain = {
        f"{DUMP_NAME}.ttl": turtle_from_ntriples(nt, prefixes),
        f"{DUMP_NAME}.nt": nt,
        f"{DUMP_NAME}.jsonld": jsonld_document_bytes(jsonld_from_ntriples(nt, prefixes)),
        f"{DUMP_NAME}.trig": trig_from_ntriples(nts, prefixes),
    }
    files = dict(plain)
    with ThreadPoolExecutor(max_workers=2) as pool:  # zlib lets go of the GIL
        for name, packed in zip(plain, pool.map(gzip_bytes, plain.values()), strict=True):
            files[name + ".gz"] = packed
    files[CONTEXT_FILE] = context_bytes(prefixes)
    return files
