"""hankekg.validate.index: what the fast validator keeps of a graph, from every input form.

The agreement with pyshacl is tested in test_fast_validate.py; here, that the readers
agree with each other and with rdflib on what the triples are, and that the safety checks
mark what they say they mark.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from hankekg.namespaces import EURIO, HK
from hankekg.validate import fast
from hankekg.validate import index as ix
from hankekg.validate.shapes import load_ontology, load_shapes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shapes"
FULL_PROJECT = FIXTURES / "completeness" / "full-project.ttl"


def checks():
    return fast._checks(load_shapes())


def _as_sets(index: ix.Index):
    return ({s: sorted(set(index.pairs(s))) for s in index.edges},
            {c: sorted(set(v)) for c, v in index.typed.items()},
            sorted(set(index.subclass)), sorted(index.unsafe))


def test_every_input_form_keeps_the_same_triples(tmp_path):
    graph = Graph()
    for f in sorted(FIXTURES.glob("*.ttl")):
        graph.parse(f)
    nt = graph.serialize(format="nt", encoding="utf-8")
    (tmp_path / "g.nt").write_bytes(nt)
    store = ox.Store()
    store.extend(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
    from_graph, _ = ix.from_graph(graph, checks(), [load_ontology()])
    from_bytes, _ = ix.from_ntriples(nt, checks(), [load_ontology()])
    from_file, _ = ix.from_ntriples(tmp_path / "g.nt", checks(), [load_ontology()])
    from_store = ix.from_store(store, checks(), [load_ontology()])
    expected = _as_sets(from_graph)
    assert expected[0] and expected[1] and expected[2]
    assert _as_sets(from_bytes) == expected
    assert _as_sets(from_file) == expected
    assert _as_sets(from_store) == expected


def test_only_what_shapes_read_is_kept():
    graph = Graph().parse(FULL_PROJECT)
    index, _ = ix.from_graph(graph, checks())
    kept = {p for s in index.edges for p, _ in index.pairs(s)}
    relevant = {ix.token(p) for p in fast.relevant_predicates(load_shapes())}
    assert kept <= relevant
    assert ix.token(URIRef("http://www.w3.org/2000/01/rdf-schema#label")) not in kept  # no shape reads it
    project = ix.token(next(graph.subjects(RDF.type, EURIO.Project)))
    # a card text is read by completeness-background alone (sh:minCount 1): one "" stands for it
    assert (ix.token(HK.background), '""') in index.pairs(project)
    assert not any(o == ix.token(Literal("Tausta.", lang="fi")) for _, o in index.pairs(project))


def test_the_types_kept_are_those_shapes_ask_about():
    graph = Graph().parse(FULL_PROJECT)
    thing = URIRef("https://w3id.org/hankekg/id/thing")
    graph.add((thing, RDF.type, URIRef("http://example.org/Unasked")))
    graph.add((thing, RDF.type, HK.RealisedPublicFunding))  # a subclass of eurio:MonetaryAmount
    index, _ = ix.from_graph(graph, checks(), [load_ontology()])
    assert (ix.RDF_TYPE, ix.token(HK.RealisedPublicFunding)) in index.pairs(ix.token(thing))
    assert (ix.RDF_TYPE, "<http://example.org/Unasked>") not in index.pairs(ix.token(thing))


D = "^^<http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(("token", "safe"), [
    ('"S21684"', True),
    ('"nimi"@fi', True),
    ('"nimi"@fi-fi', True),
    ('"nimi"@FI', False),
    ('"S21684"' + D + 'string>', False),
    ('"2020-01-31"' + D + 'date>', True),
    ('"2020-02-30"' + D + 'date>', False),
    ('"2020-1-1"' + D + 'date>', False),
    ('"2020-01-01Z"' + D + 'date>', False),
    ('"368136.0"' + D + 'decimal>', True),
    ('"01.5"' + D + 'decimal>', False),
    ('"abc"' + D + 'decimal>', False),
    ('"5"' + D + 'integer>', True),
    ('"05"' + D + 'integer>', False),
    ('"-0"' + D + 'integer>', False),
    ('"2017"' + D + 'gYear>', True),
    ('"02017"' + D + 'gYear>', False),
    ('"1e3"' + D + 'double>', False),
    ('"x"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>', False),
])
def test_literal_safety(token, safe):
    assert (ix.literal_kind(token) is not None) is safe


def test_rdflib_keeps_every_safe_literal_as_written():
    """The point of the whitelist: rdflib reads a safe literal with the very lexical form
    the native engine reads (it normalises "01.5" to "1.5", "2020-01-01Z" to "2020-01-01")."""
    rng = random.Random(7)
    samples = ['"true"' + D + 'boolean>', '"false"' + D + 'boolean>']
    for _ in range(3000):
        whole = rng.choice(["0", str(rng.randint(1, 10 ** rng.randint(1, 12)))])
        sign = rng.choice(["", "-"])
        frac = rng.choice(["", "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6)))])
        year = rng.randint(1000, 9999)
        samples += [f'"{sign}{whole}{frac}"{D}decimal>', f'"{sign}{whole}"{D}integer>', f'"{year}"{D}gYear>',
                    f'"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 31):02d}"{D}date>']
    safe = [t for t in samples if ix.literal_kind(t) is not None]
    assert len(safe) > 10000
    text = "".join(f"<http://a/{i}> <http://p/q> {t} .\n" for i, t in enumerate(safe))
    read = {int(str(s).rsplit("/", 1)[1]): str(o) for s, _, o in Graph().parse(data=text, format="nt")}
    assert [read[i] for i in range(len(safe))] == [ix.literal_parts(t)[0] for t in safe]


def test_unsafe_terms_mark_their_subject():
    s = URIRef("https://w3id.org/hankekg/id/project/S1")
    g = Graph()
    g.add((s, RDF.type, EURIO.Project))
    g.add((s, EURIO.startDate, Literal("2020-01-01", datatype=XSD.date)))
    index, _ = ix.from_graph(g, checks())
    assert not index.unsafe
    g.add((s, EURIO.endDate, Literal("2020-01-01T00:00:00", datatype=XSD.dateTime)))  # compared with a date
    index, _ = ix.from_graph(g, checks())
    assert set(index.unsafe) == {ix.token(s)}
    g = Graph()
    g.add((URIRef("https://w3id.org/hankekg/id/amount"), EURIO.value, Literal("5")))  # under sh:minInclusive
    index, _ = ix.from_graph(g, checks())
    assert set(index.unsafe) == {"<https://w3id.org/hankekg/id/amount>"}
    g = Graph()
    g.add((URIRef("p/1"), EURIO.hasResult, BNode("b")))  # a relative IRI
    index, _ = ix.from_graph(g, checks())
    assert set(index.unsafe) == {"<p/1>"}


def test_unescape_and_term_strings():
    assert ix.term_string("<http://x/\\u00e4>") == "http://x/ä"
    assert ix.term_string("_:b1") == "b1"
    assert ix.unescape('a\\n\\"b\\" \\\\ \\u00e4\\U0001F600') == 'a\n"b" \\ ä\U0001F600'
    text = 'x\n"y" \\ \t\x01'
    assert Graph().parse(data=f"<http://a/b> <http://p/q> {ix.token(Literal(text))} .\n",
                         format="nt").value(URIRef("http://a/b"), URIRef("http://p/q")) == Literal(text)
