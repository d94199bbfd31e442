"""The dataset description (hankekg.publish.void) and the dump writers it feeds, on tiny graphs."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD
from tests.support import REPO

from hankekg.errors import HankekgError
from hankekg.namespaces import EURIO
from hankekg.publish.dumps import (
    gzip_bytes,
    jsonld_document,
    nt_term,
    ntriples_bytes,
    sorted_turtle_bytes,
    trig_bytes,
)
from hankekg.publish.void import Agent, FileInfo, Settings, describe, iso_time, statistics
from hankekg.rdf.mapping import DATA_GRAPH, LINKS_GRAPH

ID = "https://w3id.org/hankekg/id/"
DATASET = URIRef(ID + "dataset")
P1, P2 = URIRef(ID + "project/S21684"), URIRef(ID + "project/S21758")
SHAPES = REPO / "tests" / "fixtures" / "dcat-ap-min.ttl"
DUMPS = ["hankekg.ttl", "hankekg.ttl.gz"]
NOW = datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC)


def _graphs() -> dict[URIRef, Graph]:
    data = Graph()
    for p in (P1, P2):
        data.add((p, RDF.type, EURIO.Project))
    data.add((P1, DCTERMS.title, Literal("Hanke", lang="fi")))
    data.add((P1, DCTERMS.identifier, Literal("S21684")))
    data.add((P2, DCTERMS.identifier, Literal("S21758")))
    links = Graph()
    ls = URIRef(ID + "linkset/eura2014")
    links.add((ls, RDF.type, VOID.Linkset))
    links.add((ls, VOID.subjectsTarget, DATASET))
    links.add((ls, VOID.triples, Literal(2)))
    return {DATA_GRAPH: data, LINKS_GRAPH: links}


def _files() -> dict[str, FileInfo]:
    return {n: FileInfo(100 + i, "ab" * 32) for i, n in enumerate(DUMPS)}


def test_statistics_count_distinct_triples_subjects_objects_and_typed_entities():
    g = _graphs()
    stats = statistics([*g[DATA_GRAPH], *g[LINKS_GRAPH], (P1, DCTERMS.identifier, Literal("S21684", datatype=XSD.string))])
    assert stats.triples == 8  # the xsd:string copy is the same RDF triple
    assert stats.entities == 3  # two projects and the link set
    assert stats.classes == 2
    assert stats.distinct_subjects == 3
    assert stats.class_entities[str(EURIO.Project)] == 2
    assert stats.property_triples[str(RDF.type)] == 3
    assert stats.properties == len(stats.property_triples) == 5


def test_the_description_inside_the_dumps_has_no_build_time_sizes_or_checksums():
    core = describe(_graphs(), Settings(), DUMPS, data_graph=DATA_GRAPH)
    assert not list(core.objects(DATASET, DCTERMS.issued))
    assert not list(core.objects(DATASET, DCTERMS.modified))
    assert not list(core.subject_objects(DCAT.byteSize))
    assert (DATASET, VOID.triples, Literal(8)) in core
    assert (DATASET, VOID.subset, URIRef(ID + "linkset/eura2014")) in core
    assert (DATASET, VOID.exampleResource, P1) in core
    assert (DATASET, VOID.dataDump, URIRef("https://w3id.org/hankekg/dist/hankekg.ttl.gz")) in core


def test_void_ttl_adds_build_time_sizes_and_checksums():
    full = describe(_graphs(), Settings(), DUMPS, files=_files(), now=NOW, data_graph=DATA_GRAPH)
    assert full.value(DATASET, DCTERMS.modified) == Literal("2025-03-01T12:30:05Z", datatype=XSD.dateTime)
    sizes = sorted(int(o) for o in full.objects(None, DCAT.byteSize))
    assert sizes == [100, 101]


def test_licence_endpoint_publisher_and_download_base_are_configurable():
    settings = Settings(licence="http://creativecommons.org/publicdomain/zero/1.0/", endpoint="http://localhost:7878/query",
                        publisher=Agent("https://example.org/me", "Minä"), download_base="https://example.org/files/")
    g = describe(_graphs(), settings, DUMPS, data_graph=DATA_GRAPH)
    assert g.value(DATASET, DCTERMS.license) == URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://localhost:7878/query")
    assert g.value(DATASET, DCTERMS.publisher) == URIRef("https://example.org/me")
    assert (DATASET, VOID.dataDump, URIRef("https://example.org/files/hankekg.ttl")) in g
    default = describe(_graphs(), Settings(), DUMPS, data_graph=DATA_GRAPH)
    assert default.value(DATASET, VOID.sparqlEndpoint) is None
    assert default.value(DATASET, DCTERMS.license) == URIRef("http://creativecommons.org/licenses/by/4.0/")


def _shacl(graph: Graph) -> tuple[bool, set[str]]:
    conforms, report, _ = validate(graph, shacl_graph=Graph().parse(SHAPES), advanced=True)
    paths = {str(p) for p in report.objects(None, URIRef("http://www.w3.org/ns/shacl#resultPath"))}
    return conforms, paths


def test_void_ttl_conforms_to_the_minimal_dcat_ap_shapes():
    conforms, paths = _shacl(describe(_graphs(), Settings(), DUMPS, files=_files(), now=NOW, data_graph=DATA_GRAPH))
    assert conforms, paths


def test_a_description_without_sizes_and_dates_violates_the_dcat_ap_shapes():
    conforms, paths = _shacl(describe(_graphs(), Settings(), DUMPS, data_graph=DATA_GRAPH))
    assert not conforms
    assert {str(DCAT.byteSize), str(DCTERMS.issued)} <= paths


def test_iso_time_is_utc_to_the_second():
    assert iso_time(datetime(2025, 1, 31, 14, 0, 0, 999, tzinfo=UTC)) == "2025-01-31T14:00:00Z"


# --- the writers ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('a"b\\c', '"a\\"b\\\\c"'),
    ("line\nnext\r\t", '"line\\nnext\\r\\t"'),
    ("\x00\x07\x0b\x7f", '"\\u0000\\u0007\\u000B\\u007F"'),
    ("\b\f", '"\\b\\f"'),
    ("ääkkönen – ok", '"ääkkönen – ok"'),
])
def test_literals_get_canonical_n_triples_escaping(text, expected):
    assert nt_term(Literal(text)) == expected


def test_xsd_string_is_written_as_a_plain_literal_and_language_tags_lower_case():
    assert nt_term(Literal("x", datatype=XSD.string)) == '"x"'
    assert nt_term(Literal("x", lang="FI")) == '"x"@fi'


def test_blank_nodes_are_refused():
    from rdflib import BNode
    with pytest.raises(HankekgError, match="blank node"):
        nt_term(BNode())


def test_writers_do_not_depend_on_insertion_order():
    triples = [(P1, RDFS.label, Literal("b", lang="fi")), (P1, RDFS.label, Literal("a", lang="fi")),
               (P1, RDF.type, EURIO.Project), (P2, DCTERMS.identifier, Literal("2", datatype=XSD.integer)),
               (P1, DCTERMS.abstract, Literal('monta\nriviä "lainaus"'))]
    forward, backward = Graph(), Graph()
    for t in triples:
        forward.add(t)
    for t in reversed(triples):
        backward.add(t)
    assert sorted_turtle_bytes(forward) == sorted_turtle_bytes(backward)
    assert ntriples_bytes(forward) == ntriples_bytes(backward)
    assert jsonld_document(forward) == jsonld_document(backward)
    assert trig_bytes({DATA_GRAPH: forward}) == trig_bytes({DATA_GRAPH: backward})
    turtle = sorted_turtle_bytes(forward).decode()
    assert "\ta eurio:Project ;" in turtle  # one block per subject, predicates in order
    assert '"monta\\nriviä \\"lainaus\\""' in turtle  # canonical escapes
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), forward)


def test_gzip_output_has_no_time_or_name_and_round_trips():
    data = b"x" * 1000
    packed = gzip_bytes(data)
    assert packed == gzip_bytes(data)
    assert packed[4:8] == b"\0\0\0\0"  # MTIME
    assert not packed[3] & 0x08  # no FNAME
    assert gzip.decompress(packed) == data


def test_escaping_agrees_with_the_canonical_table_on_every_ascii_control_and_mark():
    # Every character below 0x80 plus some beyond, in random strings: the fast path (str.replace
    # and one regex) must give exactly the table of canonical escapes, character by character.
    import random

    from hankekg.publish.dumps import _ESCAPES, escape_string

    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x80)] + list("äöå€😀")
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert escape_string(text) == "".join(_ESCAPES.get(ord(ch), ch) for ch in text), repr(text)
