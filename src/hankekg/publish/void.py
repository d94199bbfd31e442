"""The dataset description: VoID and DCAT (``void.ttl``, and a copy inside the dumps).

One node, the dataset IRI of :meth:`hankekg.iris.Minter.dataset`, is at once a
``void:Dataset`` and a ``dcat:Dataset``: titles and descriptions (fi, en), publisher,
licence, sources, statistics, partitions per class and per property, vocabularies,
example resources, the link sets of the links graph as ``void:subset``, one
``dcat:Distribution`` and ``void:dataDump`` per dump file, and ``void:sparqlEndpoint``
when one is configured.

What the statistics count: the distinct triples of the union of the data, provenance,
links and ontology graphs, i.e. the dataset without its own description (the graph
:data:`VOID_GRAPH`), which would otherwise have to count itself. ``void:entities`` is the
number of distinct subjects that have an ``rdf:type``; ``void:classes`` the number of
distinct objects of ``rdf:type``; each ``void:classPartition`` gives the distinct
instances of one class, each ``void:propertyPartition`` the triples of one predicate.

Two copies are written, made by the same function:

- the copy inside the dumps (:data:`VOID_GRAPH` in TriG, and in the union of the others)
  carries nothing that changes from one publish of the same data to the next, and nothing
  that depends on the dumps' own bytes: no ``dct:issued``/``dct:modified``, no
  ``dcat:byteSize``, no checksum;
- ``void.ttl`` adds the build time (``dct:issued`` and ``dct:modified``, both the time of
  this publish) and, per distribution, ``dcat:byteSize`` and an ``spdx:checksum``
  (SHA-256) of the file.

Download IRIs are absolute: file names resolved against a download base (default
:data:`DEFAULT_DOWNLOAD_BASE`, ``https://w3id.org/hankekg/dist/``, which mirrors the
layout of dist/; configurable), since N-Triples has no relative IRIs and the dumps must not
depend on where they are read from.

IRIs made here (all below the dataset IRI, from stable keys): ``dataset/class/<prefix>-<local>``,
``dataset/property/<prefix>-<local>``, ``dataset/distribution/<file>``,
``dataset/distribution/<file>/checksum``, ``dataset/source/cards``,
``dataset/source/eura2014``; the default publisher is ``<base>agent/hankekg``.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import blake2b
from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from hankekg.errors import HankekgError
from hankekg.iris import Minter
from hankekg.namespaces import DEFAULT_DATA_BASE, EURIO, HK
from hankekg.publish.dumps import (
    LineSource,
    Prefixes,
    dump_prefixes,
    merge_lines,
    nt_term,
    ntriples_bytes,
    source_lines,
)
from hankekg.rdf.mapping import GRAPH_BASE, LINKS_GRAPH

log = logging.getLogger(__name__)

VOID_GRAPH = URIRef(GRAPH_BASE + "void")
"""The named graph of the dataset description inside the dumps."""

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
CC_BY_4 = "http://creativecommons.org/licenses/by/4.0/"
DEFAULT_DOWNLOAD_BASE = "https://w3id.org/hankekg/dist/"
EURA2014_SITE = "https://www.eura2014.fi/rrtiepa/"

VOID_PREFIXES = {"foaf": str(FOAF), "spdx": str(SPDX)}
"""Prefixes the description needs besides :data:`hankekg.namespaces.PREFIXES`."""


@dataclass(frozen=True)
class MediaType:
    """How one dump format is described: IANA media type and EU file-type authority code."""

    media_type: str
    file_type: str

    @property
    def iana(self) -> URIRef:
        return URIRef(IANA + self.media_type)


FORMATS = {
    "ttl": MediaType("text/turtle", "RDF_TURTLE"),
    "nt": MediaType("application/n-triples", "RDF_N_TRIPLES"),
    "jsonld": MediaType("application/ld+json", "JSON_LD"),
    "trig": MediaType("application/trig", "RDF_TRIG"),
}
GZIP = MediaType("application/gzip", "GZIP")


def media_type(name: str) -> str:
    """The media type of a published file by its name (``application/gzip`` for ``.gz``)."""
    if name.endswith(".gz"):
        return GZIP.media_type
    suffix = name.rsplit(".", 1)[-1]
    if suffix in FORMATS:
        return FORMATS[suffix].media_type
    return {"json": "application/json", "html": "text/html", "txt": "text/plain"}.get(
        suffix, "application/octet-stream")


@dataclass(frozen=True)
class Agent:
    """The publisher: an IRI and a name (foaf:name), optionally a homepage."""

    iri: str
    name: str
    homepage: str | None = None


@dataclass(frozen=True)
class FileInfo:
    """Size and SHA-256 of one published file."""

    size: int
    sha256: str


@dataclass(frozen=True)
class Settings:
    """What the description says that the data does not.

    Args:
        base: the data base IRI (as given to :class:`~hankekg.iris.Minter`).
        download_base: where the files of dist/ can be downloaded; must end in ``/``.
        endpoint: a SPARQL endpoint serving the dataset, if any.
        licence: the licence IRI.
        publisher: the publishing agent; default an agent for the hankekg project itself.
    """

    base: str = DEFAULT_DATA_BASE
    download_base: str = DEFAULT_DOWNLOAD_BASE
    endpoint: str | None = None
    licence: str = CC_BY_4
    publisher: Agent | None = None

    def agent(self) -> Agent:
        return self.publisher or Agent(self.base + "agent/hankekg", "hankekg")


@dataclass(frozen=True)
class Statistics:
    """Counts over the dataset (see the module docstring for what each counts)."""

    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    class_entities: dict[str, int] = field(default_factory=dict)
    property_triples: dict[str, int] = field(default_factory=dict)


def statistics(triples: Iterable[tuple] | bytes) -> Statistics:
    """Count ``triples`` (rdflib triples, or sorted canonical N-Triples bytes); duplicates,
    also by canonical form, are counted once (see :func:`statistics_of_lines`)."""
    nt = triples if isinstance(triples, bytes) else ntriples_bytes(triples)
    return statistics_of_lines(io.BytesIO(nt))


def statistics_of_lines(lines: Iterable[bytes]) -> Statistics:
    """Count sorted canonical N-Triples lines (with or without their newlines), read once.

    Sorted lines keep each subject's triples together, so subjects, typed entities and the
    instances of each class are counted as the lines go by; only the distinct objects are
    kept in a set, each object of 16 bytes or more by its 128-bit BLAKE2b digest (a
    collision is beyond reach: about 10^-26 for ten million objects), so the set stays a few
    dozen bytes an object however long the literals. A line equal to the one before is
    counted once.

    Raises:
        HankekgError: when the lines are not sorted.
    """
    objects: set[bytes] = set()
    per_property: Counter = Counter()
    per_class: Counter = Counter()
    rdf_type = nt_term(RDF.type).encode()
    count = subjects = entities = 0
    last = subject = None
    typed = False
    for line in lines:
        if not line.endswith(b"\n"):
            line += b"\n"
        if line == last or line == b"\n":
            continue
        if last is not None and line < last:
            raise HankekgError(f"statistics need sorted N-Triples: {line[:80]!r} after {last[:80]!r}")
        last = line
        count += 1
        s, p, o = line.split(b" ", 2)
        o = o[:-3]  # the " .\n" that ends the line
        if s != subject:
            subject, typed = s, False
            subjects += 1
        objects.add(o if len(o) < 16 else blake2b(o, digest_size=16).digest())
        per_property[p] += 1
        if p == rdf_type and o.startswith(b"<"):
            per_class[o] += 1  # each (subject, class) line is met once
            if not typed:
                typed = True
                entities += 1

    def iri(term: bytes) -> str:
        return term[1:-1].decode("utf-8")

    return Statistics(
        triples=count, entities=entities, classes=len(per_class), properties=len(per_property),
        distinct_subjects=subjects, distinct_objects=len(objects),
        class_entities=dict(sorted((iri(c), n) for c, n in per_class.items())),
        property_triples=dict(sorted((iri(p), n) for p, n in per_property.items())),
    )


def _lines(nt: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return io.BytesIO(nt) if isinstance(nt, bytes) else nt


def _type_tail(cls: URIRef) -> bytes:
    return f" {nt_term(RDF.type)} {nt_term(cls)} .".encode()


def subjects_of_type(nt: bytes | Iterable[bytes], cls: URIRef) -> list[URIRef]:
    """The subjects typed ``cls`` in sorted canonical N-Triples (bytes or lines), sorted."""
    tail = _type_tail(cls)
    return sorted(URIRef(line.split(b" ", 1)[0][1:-1].decode("utf-8"))
                  for line in _lines(nt) if line.rstrip(b"\n").endswith(tail) and line.startswith(b"<"))


EXAMPLE_CLASSES = (EURIO.Project, EURIO.Organisation, HK.TargetGroup, HK.Output)
SEED_PROJECT = "S21684"


def example_resources(data: Graph | bytes | Iterable[bytes], minter: Minter) -> list[URIRef]:
    """A few typical resources: project S21684 (else the first project), and the first
    organisation, target group and output by IRI (from a graph, or sorted N-Triples as bytes
    or lines, read once)."""
    nt = ntriples_bytes(data) if isinstance(data, Graph) else data
    marker = f" {nt_term(RDF.type)} <".encode()
    tails = {_type_tail(cls): cls for cls in EXAMPLE_CLASSES}
    first: dict[URIRef, str] = {}
    seed = str(minter.project(SEED_PROJECT))
    seed_found = False
    for line in _lines(nt):
        if marker not in line or not line.startswith(b"<"):
            continue
        line = line.rstrip(b"\n")
        cls = next((c for tail, c in tails.items() if line.endswith(tail)), None)
        if cls is None:
            continue
        subject = line.split(b" ", 1)[0][1:-1].decode("utf-8")
        if cls == EURIO.Project and subject == seed:
            seed_found = True
        if cls not in first or subject < first[cls]:
            first[cls] = subject
    if seed_found:
        first[EURIO.Project] = seed
    return [URIRef(first[cls]) for cls in EXAMPLE_CLASSES if cls in first]


def iso_time(moment: datetime) -> str:
    """``moment`` as an xsd:dateTime lexical form in UTC, to the second (``2025-01-31T12:00:00Z``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(iri: str, prefixes: Prefixes) -> str:
    """A path segment naming a class or property: ``prefix-local``, else the IRI percent-encoded."""
    parts = prefixes.split(iri)
    return f"{parts[0]}-{parts[1]}" if parts else quote(iri, safe="")


def vocabulary(iri: str, namespaces: Iterable[str]) -> str:
    """The namespace ``iri`` belongs to: the longest known namespace, else up to its last ``#`` or ``/``."""
    known = [ns for ns in namespaces if iri.startswith(ns)]
    if known:
        return max(known, key=len)
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


@dataclass(frozen=True)
class Survey:
    """What the description says about the graphs' contents, read from them once.

    Attributes:
        stats: :func:`statistics` of the union of the graphs.
        examples: :func:`example_resources`.
        linksets: the link sets of the links graph (subjects typed ``void:Linkset``), sorted.
        linkset_lines: the links graph's triples about those link sets, as N-Triples.
    """

    stats: Statistics
    examples: list[URIRef]
    linksets: list[URIRef]
    linkset_lines: bytes


def survey_graphs(
    graphs: Mapping[URIRef, Graph | LineSource],
    minter: Minter,
    *,
    data_graph: URIRef | None = None,
    stats: Statistics | None = None,
) -> Survey:
    """Read what :func:`describe` needs from ``graphs``, streaming their lines.

    Args:
        graphs: the graphs described, by IRI: rdflib graphs, sorted canonical N-Triples
            bytes, or functions giving their lines (:data:`hankekg.publish.dumps.LineSource`).
        minter: the IRIs of the build (for the seed project of the examples).
        data_graph: the graph to take example resources from (default: the union).
        stats: the statistics of the union, when already counted.
    """
    sources = {name: ntriples_bytes(g) if isinstance(g, Graph) else g for name, g in graphs.items()}

    def union() -> Iterable[bytes]:
        return merge_lines(*(source_lines(src) for src in sources.values()))

    if stats is None:
        stats = statistics_of_lines(union())
    if data_graph is not None and data_graph in sources:
        examples = example_resources(source_lines(sources[data_graph]), minter)
    elif data_graph is not None:
        examples = []
    else:
        examples = example_resources(union(), minter)
    linksets: list[URIRef] = []
    about = b""
    if LINKS_GRAPH in sources:
        linksets = subjects_of_type(source_lines(sources[LINKS_GRAPH]), VOID.Linkset)
        heads = {f"<{s}> ".encode() for s in linksets}
        about = b"".join(line if line.endswith(b"\n") else line + b"\n"
                         for line in source_lines(sources[LINKS_GRAPH]) if line[:line.find(b" ") + 1] in heads)
    return Survey(stats=stats, examples=examples, linksets=linksets, linkset_lines=about)


def describe(
    graphs: Mapping[URIRef, Graph | LineSource],
    settings: Settings,
    dump_names: Iterable[str],
    *,
    sources: Mapping[str, int] | None = None,
    files: Mapping[str, FileInfo] | None = None,
    now: datetime | None = None,
    data_graph: URIRef | None = None,
    stats: Statistics | None = None,
    survey: Survey | None = None,
) -> Graph:
    """The dataset description of ``graphs``.

    Args:
        graphs: the graphs described (data, provenance, links, ontology), by IRI: rdflib
            graphs, sorted canonical N-Triples bytes, or functions giving their lines.
        settings: base, download base, endpoint, licence, publisher.
        dump_names: the dump file names, one distribution each.
        sources: how many cards and registry pages were read (``{"cards": n, "eura2014": m}``).
        files: size and checksum per dump file; given only for ``void.ttl`` (see the module docstring).
        now: the build time (dct:issued, dct:modified); given only for ``void.ttl``.
        data_graph: the graph to take example resources from (default: all of ``graphs``).
        stats: :func:`statistics` of the union of ``graphs``, when already counted.
        survey: :func:`survey_graphs` of ``graphs``, when already read (``graphs``,
            ``data_graph`` and ``stats`` are then not looked at).
    """
    minter = Minter(settings.base)
    ds = minter.dataset()
    prefixes = dump_prefixes(VOID_PREFIXES)
    pm = Prefixes(prefixes)
    g = Graph()

    def add(s, p, o):
        g.add((s, p, o))

    def sub(*parts: str) -> URIRef:
        return URIRef(str(ds) + "/" + "/".join(parts))

    survey = survey or survey_graphs(graphs, minter, data_graph=data_graph, stats=stats)
    stats = survey.stats

    add(ds, RDF.type, VOID.Dataset)
    add(ds, RDF.type, DCAT.Dataset)
    add(ds, DCTERMS.title, Literal("hankekg – sosiaalisen osallisuuden ESR-hankkeet Suomessa 2014–2020", lang="fi"))
    add(ds, DCTERMS.title, Literal("hankekg – ESF social-inclusion projects in Finland 2014–2020", lang="en"))
    add(ds, DCTERMS.description, Literal(
        "Linkitetty tietoverkko Euroopan sosiaalirahaston sosiaalisen osallisuuden hankkeista "
        "(Kestävää kasvua ja työtä 2014–2020, toimintalinja 5): hankkeet, toteuttajat ja roolit, "
        "rahoittajat ja toteutunut julkinen rahoitus, kohderyhmät ja tuotokset, koottuna Sokran "
        "hankekorteista ja EURA2014-rekisterin hankesivuilta, kunkin tiedon lähde kirjattuna.", lang="fi"))
    add(ds, DCTERMS.description, Literal(
        "A linked-data graph of the European Social Fund's social-inclusion projects in Finland "
        "('Sustainable growth and jobs 2014–2020', priority axis 5): projects, implementers and their "
        "roles, funders and realised public funding, target groups and outputs, built from Sokra's "
        "project cards and the project pages of the EURA2014 registry, with the source of each fact.",
        lang="en"))
    add(ds, DCTERMS.language, URIRef(LANGUAGE + "FIN"))
    add(ds, DCTERMS.license, URIRef(settings.licence))
    add(ds, VOID.uriSpace, Literal(settings.base))

    agent = settings.agent()
    publisher = URIRef(agent.iri)
    add(ds, DCTERMS.publisher, publisher)
    add(publisher, RDF.type, FOAF.Agent)
    add(publisher, FOAF.name, Literal(agent.name))
    if agent.homepage:
        add(publisher, FOAF.homepage, URIRef(agent.homepage))

    counts = sources or {}
    cards, registry = sub("source", "cards"), sub("source", "eura2014")
    add(ds, DCTERMS.source, cards)
    add(cards, RDF.type, DCAT.Dataset)
    add(cards, DCTERMS.title, Literal("Sokran hankekortit", lang="fi"))
    add(cards, DCTERMS.title, Literal("Sokra project cards", lang="en"))
    add(cards, DCTERMS.description, Literal(
        "Sosiaalisen osallisuuden edistämisen koordinaatiohankkeen (Sokra, THL) laatimat hankekortit "
        f"tekstintunnistettuina; tähän julkaisuun luettu {counts.get('cards', 0)} korttia.", lang="fi"))
    add(cards, DCTERMS.description, Literal(
        "Project cards compiled by Sokra, THL's national coordination project for social inclusion, as "
        f"OCR text; {counts.get('cards', 0)} cards were read for this release.", lang="en"))
    add(ds, DCTERMS.source, registry)
    add(registry, RDF.type, DCAT.Dataset)
    add(registry, DCTERMS.title, Literal("EURA2014-rekisterin hankesivut", lang="fi"))
    add(registry, DCTERMS.title, Literal("EURA2014 registry project pages", lang="en"))
    add(registry, DCTERMS.description, Literal(
        "Rakennerahastojen EURA2014-järjestelmän julkiset hankesivut; tähän julkaisuun luettu "
        f"{counts.get('eura2014', 0)} sivua.", lang="fi"))
    add(registry, DCTERMS.description, Literal(
        "The public project pages of the structural funds' EURA2014 system; "
        f"{counts.get('eura2014', 0)} pages were read for this release.", lang="en"))
    add(registry, DCAT.landingPage, URIRef(EURA2014_SITE))

    add(ds, VOID.triples, Literal(stats.triples))
    add(ds, VOID.entities, Literal(stats.entities))
    add(ds, VOID.classes, Literal(stats.classes))
    add(ds, VOID.properties, Literal(stats.properties))
    add(ds, VOID.distinctSubjects, Literal(stats.distinct_subjects))
    add(ds, VOID.distinctObjects, Literal(stats.distinct_objects))
    for cls, n in stats.class_entities.items():
        part = sub("class", _key(cls, pm))
        add(ds, VOID.classPartition, part)
        add(part, VOID["class"], URIRef(cls))
        add(part, VOID.entities, Literal(n))
    for prop, n in stats.property_triples.items():
        part = sub("property", _key(prop, pm))
        add(ds, VOID.propertyPartition, part)
        add(part, VOID.property, URIRef(prop))
        add(part, VOID.triples, Literal(n))
    namespaces = sorted(set(prefixes.values()))
    for ns in sorted({vocabulary(t, namespaces) for t in [*stats.class_entities, *stats.property_triples]}):
        add(ds, VOID.vocabulary, URIRef(ns))

    for example in survey.examples:
        add(ds, VOID.exampleResource, example)
    for linkset in survey.linksets:
        add(ds, VOID.subset, linkset)
    if settings.endpoint:
        add(ds, VOID.sparqlEndpoint, URIRef(settings.endpoint))

    for name in sorted(dump_names):
        url = URIRef(settings.download_base + name)
        dist = sub("distribution", name)
        inner = name.removesuffix(".gz")
        fmt = FORMATS[inner.rsplit(".", 1)[-1]]
        add(ds, VOID.dataDump, url)
        add(ds, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCTERMS.title, Literal(name))
        add(dist, DCAT.downloadURL, url)
        add(dist, DCAT.accessURL, url)
        add(dist, DCAT.mediaType, fmt.iana)
        add(dist, DCTERMS.format, URIRef(FILE_TYPE + fmt.file_type))
        add(dist, DCTERMS.license, URIRef(settings.licence))
        if name.endswith(".gz"):
            add(dist, DCAT.compressFormat, GZIP.iana)
        info = (files or {}).get(name)
        if info is not None:
            add(dist, DCAT.byteSize, Literal(str(info.size), datatype=XSD.nonNegativeInteger))
            checksum = URIRef(str(dist) + "/checksum")
            add(dist, SPDX.checksum, checksum)
            add(checksum, RDF.type, SPDX.Checksum)
            add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
            add(checksum, SPDX.checksumValue, Literal(info.sha256, datatype=XSD.hexBinary))
    if now is not None:
        stamp = Literal(iso_time(now), datatype=XSD.dateTime)
        add(ds, DCTERMS.issued, stamp)
        add(ds, DCTERMS.modified, stamp)
    if survey.linkset_lines and (files is not None or now is not None):
        # void.ttl stands alone: it repeats the link set descriptions of the links graph.
        for triple in Graph().parse(data=survey.linkset_lines, format="nt"):
            add(*triple)
    log.debug("dataset description: %d triples", len(g))
    return g

