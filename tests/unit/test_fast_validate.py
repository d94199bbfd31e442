"""The fast validator (hankekg.validate.fast) agrees with pyshacl, result by result.

The reference is pyshacl over an rdflib graph of the same triples, run as
hankekg.validate.run.validate runs it (below, :class:`Reference`); nothing here is an
expected output copied from the program. A result is its severity, focus node, path,
source shape, message, value and completeness field; the completeness rows and
``conforms`` are compared too.

Compared on: every violating fixture of tests/fixtures/shapes/ (one per structure shape)
and their union; the complete project of the completeness tests with each field removed
in turn; a synthetic build with a violation of every shape, structure and completeness,
injected (the test checks that pyshacl reports every shape on it); literals rdflib and
RDF 1.1 read differently (which the fast path routes to pyshacl); through every input
form (rdflib Graph, N-Triples bytes and file, pyoxigraph Store), with 1 and 2 workers and
several chunk sizes.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from hankekg.namespaces import EURIO, HK
from hankekg.validate import fast, run
from hankekg.validate import index as ix
from hankekg.validate.shapes import COMPLETENESS_GROUP, load_shapes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shapes"
BAD = sorted(FIXTURES.glob("*.bad*.ttl"))
FULL_PROJECT = FIXTURES / "completeness" / "full-project.ttl"
FORMS = ("graph", "ntriples-bytes", "ntriples-file", "store")
ID = "https://w3id.org/hankekg/id/"
DCT = "http://purl.org/dc/terms/"


def _key(outcome):
    return [(r.severity, r.focus, r.path, r.shape, r.message, r.value, r.field) for r in outcome.rows]


class Reference:
    """pyshacl over the whole graph, as hankekg.validate.run.validate runs it (rows sorted
    with run.row_key, as run sorts them)."""

    def __init__(self, graph: Graph, ontology_included: bool):
        import pyshacl

        shapes = load_shapes()
        data = graph if ontology_included else run.with_ontology(graph)
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                        allow_infos=True, advanced=True)
        fields = run.completeness_fields(shapes)
        self.rows = tuple(sorted(run._rows(report, fields), key=run.row_key))
        self.conforms = not any(r.severity == "Violation" for r in self.rows)
        self.violations = [r for r in self.rows if r.severity == "Violation"]
        self.completeness = run._completeness(data, self.rows, fields)


class _KeepLabels(dict):
    def get(self, key, default=None):
        return self.setdefault(key, BNode(key))


def as_input(graph: Graph, form: str, tmp_path: Path):
    """``graph`` in an input form, and an rdflib graph of exactly the triples that form
    holds (what the reference validates)."""
    if form == "graph":
        return graph, graph
    nt = graph.serialize(format="nt", encoding="utf-8")
    if form == "store":
        store = ox.Store()
        store.extend(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
        # the store's own triples (RDF 1.1: "a"^^xsd:string is "a")
        nt = ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES)
        data = store
    elif form == "ntriples-file":
        path = tmp_path / "graph.nt"
        path.write_bytes(nt)
        data = path
    else:
        data = nt
    return data, Graph().parse(data=nt, format="nt", bnode_context=_KeepLabels())


def _agree(graph: Graph, tmp_path: Path, forms=("graph",), workers=(1,), chunks=(3,),
           ontology_included: bool = False) -> Reference:
    ref = None
    for form in forms:
        data, same = as_input(graph, form, tmp_path)
        ref = Reference(same, ontology_included=ontology_included)
        for w in workers:
            for chunk in chunks:
                got = fast.validate(data, ontology_included=ontology_included, chunk=chunk, workers=w)
                where = f"{form}, {w} workers, chunk {chunk}"
                assert _key(got) == _key(ref), where
                assert got.conforms == ref.conforms, where
                if form == "graph" or ontology_included:
                    assert got.completeness == ref.completeness, where
                else:
                    _same_completeness(got.completeness, ref.completeness, same, where)
    return ref


def _same_completeness(got, ref, graph: Graph, where: str) -> None:
    """The completeness rows, except which identifier a project with several shows: when
    run.validate copies the graph to add the ontology, that is the first in rdflib's set
    order (arbitrary), where the fast path shows the first in input order."""
    assert len(got) == len(ref), where
    for g, r in zip(got, ref, strict=True):
        idents = {str(o) for o in graph.objects(URIRef(r.project), URIRef(DCT + "identifier"))}
        if len(idents) > 1:
            assert g.identifier in idents, where
            g = dataclasses.replace(g, identifier=r.identifier)
        assert g == r, where


def _renamed(graph: Graph, prefix: str) -> Graph:
    """``graph`` with every hankekg entity IRI moved under ``prefix`` (so that fixtures
    about the same project can sit side by side)."""
    def move(t):
        if isinstance(t, URIRef) and str(t).startswith(ID):
            return URIRef(ID + prefix + str(t)[len(ID):])
        return t
    out = Graph()
    for s, p, o in graph:
        out.add((move(s), p, move(o)))
    return out


def structure_shapes() -> set[str]:
    shapes = load_shapes()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf)
    targeted = {s for t in targets for s in shapes.subjects(t, None)}
    properties = {p for s in targeted for p in shapes.objects(s, SH.property)}
    return {str(s) for s in targeted | properties if (s, SH.group, COMPLETENESS_GROUP) not in shapes}


def completeness_shapes() -> set[str]:
    return {str(s) for s in load_shapes().subjects(SH.group, COMPLETENESS_GROUP)}


# --- fixtures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", BAD, ids=[p.name for p in BAD])
def test_each_violating_fixture(fixture, tmp_path):
    ref = _agree(Graph().parse(fixture), tmp_path, forms=("graph", "ntriples-bytes"))
    assert not ref.conforms


def test_union_of_every_violating_fixture(tmp_path):
    graph = Graph()
    for fixture in BAD:
        graph.parse(fixture)
    _agree(graph, tmp_path, forms=FORMS, workers=(1, 2), chunks=(1, 3, 1000))


def test_every_structure_shape_is_violated_by_some_fixture():
    fired = set()
    for fixture in BAD:
        fired |= {r.shape for r in Reference(Graph().parse(fixture), ontology_included=False).rows}
    assert structure_shapes() <= fired, sorted(structure_shapes() - fired)


def test_completeness_with_each_field_removed(tmp_path):
    full = Graph().parse(FULL_PROJECT)
    project = next(full.subjects(RDF.type, EURIO.Project))
    for predicate in sorted(set(full.predicates(project, None))):
        graph = Graph()
        for t in full:
            if not (t[0] == project and t[1] == predicate):
                graph.add(t)
        _agree(graph, tmp_path)


# --- a build with a violation of every shape ----------------------------------------------------


@pytest.fixture(scope="module")
def build_graph(tmp_path_factory) -> Graph:
    from hankekg.pipeline import build
    from hankekg.publish.dumps import union
    from hankekg.synth import generate

    folder = tmp_path_factory.mktemp("synth")
    generate(12, 4, folder)
    return union(build(folder).dataset)


def _injected(build_graph: Graph) -> Graph:
    """The build, with violations injected into its own nodes, every violating fixture
    (renamed, beside it) and the full project with each card field removed (renamed)."""
    graph = Graph()
    for t in build_graph:
        graph.add(t)
    projects = sorted(graph.subjects(RDF.type, EURIO.Project))
    roles = sorted(graph.subjects(RDF.type, EURIO.OrganisationRole))
    amounts = sorted(graph.subjects(RDF.type, EURIO.MonetaryAmount))
    outputs = sorted(graph.subjects(RDF.type, HK.Output))
    # in the build's own nodes, shared and unshared alike: a second identifier, a start
    # after the end, a second main implementer, a negative amount in dollars, an output
    # with a string URL, a role without a label, two backgrounds (one an IRI)
    graph.add((projects[0], URIRef(DCT + "identifier"), Literal("X1")))
    graph.set((projects[1], EURIO.startDate, Literal("2030-01-01", datatype=XSD.date)))
    graph.add((roles[0], HK.roleConcept, HK.MainImplementer))
    graph.add((roles[1], HK.roleConcept, HK.MainImplementer))
    graph.set((amounts[0], EURIO.value, Literal("-5", datatype=XSD.decimal)))
    graph.set((amounts[0], EURIO.currency, Literal("USD")))
    graph.add((outputs[0], URIRef("https://schema.org/url"), Literal("http://example.org/x")))
    graph.remove((roles[2], EURIO.roleLabel, None))
    graph.add((projects[2], HK.background, URIRef(ID + "background/2")))
    graph.add((projects[2], HK.background, Literal("Toinen tausta.", lang="fi")))
    for i, fixture in enumerate(BAD):
        graph += _renamed(Graph().parse(fixture), f"bad{i}/")
    full = Graph().parse(FULL_PROJECT)
    project = next(full.subjects(RDF.type, EURIO.Project))
    for i, predicate in enumerate(sorted(set(full.predicates(project, None)))):
        without = Graph()
        for t in full:
            if not (t[0] == project and t[1] == predicate):
                without.add(t)
        graph += _renamed(without, f"field{i}/")
    return graph


@pytest.mark.slow
def test_every_shape_injected_into_a_build(build_graph, tmp_path):
    graph = _injected(build_graph)
    ref = _agree(graph, tmp_path, forms=FORMS, workers=(1, 2), chunks=(7, 5000), ontology_included=True)
    fired = {r.shape for r in ref.rows}
    assert structure_shapes() <= fired, sorted(structure_shapes() - fired)
    assert completeness_shapes() <= fired, sorted(completeness_shapes() - fired)


def test_both_readers_of_the_native_report(build_graph, tmp_path):
    """The native report read directly and through pyshacl-turbo's public API (rdflib):
    both give pyshacl's rows."""
    import pyshacl_turbo

    assert pyshacl_turbo.__version__ in fast.DIRECT_REPORT_VERSIONS, "check the direct reader on this version"
    graph = _injected(build_graph)
    ref = Reference(graph, ontology_included=True)
    for direct in (True, False):
        got = fast.validate(graph, ontology_included=True, chunk=50, direct_report=direct)
        assert _key(got) == _key(ref), direct
        assert got.completeness == ref.completeness, direct


def test_the_build_is_validated_natively(build_graph):
    """A graph hankekg builds has no term the fast path sends to pyshacl."""
    index, _ = ix.from_graph(build_graph, fast._checks(load_shapes()))
    assert not index.unsafe
    assert index.triples > 0


# --- literals rdflib reads otherwise than RDF 1.1 -----------------------------------------------

ODD = """
@base <https://w3id.org/hankekg/id/> .
@prefix hk:     <https://w3id.org/hankekg/ontology#> .
@prefix eurio:  <http://data.europa.eu/s66#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix adms:   <http://www.w3.org/ns/adms#> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .

<p/1> a eurio:Project ; dct:identifier "S00001"^^xsd:string ; dct:title "Nimi"@FI ; prov:wasDerivedFrom <s/1> ;
  eurio:startDate "2020-01-01Z"^^xsd:date ; eurio:endDate "2019-12-31"^^xsd:date .
<p/2> a eurio:Project ; dct:identifier 21684 ; dct:title "Nimi"@fi-FI , "Namn"@sv , "Nimi2"@FI-fi ; prov:wasDerivedFrom "s" ;
  eurio:startDate "2020-01-01"^^xsd:date ; eurio:endDate "2020-01-01"^^xsd:date .
<p/3> a eurio:Project ; dct:identifier "s00003" , "S00003"@fi ; dct:title "Nimi"@fi , "Nimi"@fi-fi ; prov:wasDerivedFrom _:src ;
  eurio:startDate "2020-02-30"^^xsd:date ; eurio:endDate "2020-03-01"^^xsd:date .
<p/4> a eurio:Project ; dct:identifier "S00004" ; dct:title "Nimi\\n\\"lainaus\\" \\\\ \\u00e4"@fi ; prov:wasDerivedFrom <s/4> ;
  eurio:startDate "2020-01-01T00:00:00"^^xsd:dateTime ; eurio:endDate "2019-12-31T00:00:00"^^xsd:dateTime .
<p/5> a eurio:Project ; dct:identifier " S00005" ; dct:title "Nimi"^^rdf:langString ; prov:wasDerivedFrom <s/5> ;
  eurio:startDate "2020-01-01"^^xsd:date ; eurio:endDate "2020-01-01+02:00"^^xsd:date ;
  eurio:hasInvolvedParty <r/5a> , <r/5b> , "lit" ; eurio:isFundedBy <g/5> , _:g5 ;
  dct:audience <tg/1> , <tg/2> , "kohderyhmä"@fi ; hk:mainTargetGroup <tg/1> , <tg/2> ;
  eurio:hasResult <o/1> , <o/2> , <o/3> ;
  eurio:hasFundingScheme <https://w3id.org/hankekg/programme/2014FI16M2OP001/axis/5> ,
      <https://w3id.org/hankekg/programme/none> , "axis 5" .
<p/7> a eurio:Project ; dct:identifier "S00007" ; dct:title "Nimi"@fi ; prov:wasDerivedFrom <s/7> ;
  eurio:startDate "2020-01-01"^^xsd:date , "2020-01-02"^^xsd:date ; eurio:endDate "2020-01-01"^^xsd:date ;
  eurio:hasInvolvedParty <r/7a> ; hk:background "x"@fi , "y"@fi , <b/7> .
<r/5a> a eurio:OrganisationRole ; eurio:isRoleOf <org/1> ; hk:roleConcept hk:MainImplementer ; eurio:roleLabel "päätoteuttaja"@FI .
<r/5b> a eurio:OrganisationRole ; eurio:isRoleOf <org/2> , <org/3> ; hk:roleConcept hk:MainImplementer , hk:CoImplementer ;
  eurio:roleLabel "x"@fi-FI .
<r/7a> a eurio:OrganisationRole ; eurio:isRoleOf <org/9> ; hk:roleConcept hk:SupportTransferee ; eurio:roleLabel "x"@fi , "y"@fi .
<org/1> a org:FormalOrganization ; skos:prefLabel "A"@fi ;
  adms:identifier [ skos:notation "1234567-8"^^xsd:string ] , [ skos:notation 12345678 ] , [ skos:notation <urn:1234567-8> ] .
<org/2> a eurio:Organisation ; skos:prefLabel "A"@fi ; adms:identifier <id/2> .
<id/2> skos:notation "１２３４５６７-8" , "1234567-8"@fi .
<org/3> a org:FormalOrganization ; skos:prefLabel "A" , "B"@fi .
<g/5> a eurio:Grant ; eurio:isDisbursedBy <org/1> , <org/2> ; eurio:hasFundingAmount <a/1> , <a/2> .
_:g5 a eurio:Grant ; eurio:isDisbursedBy <org/2> ; eurio:hasFundingAmount <a/3> .
<a/1> a hk:RealisedPublicFunding ; eurio:value "01.50"^^xsd:decimal ; eurio:currency "EUR"^^xsd:string .
<a/2> a eurio:MonetaryAmount ; eurio:value "-0"^^xsd:decimal , "abc"^^xsd:decimal ; eurio:currency "EUR"@en , "eur" .
<a/3> a eurio:MonetaryAmount ; eurio:value "1e3"^^xsd:double ; eurio:currency <urn:EUR> .
<a/5> a eurio:MonetaryAmount ; eurio:value "+5.0"^^xsd:decimal ; eurio:currency "EUR" .
<a/6> a eurio:MonetaryAmount ; eurio:value "0005"^^xsd:integer ; eurio:currency "EUR" .
<a/7> a eurio:MonetaryAmount ; eurio:value "5"^^xsd:integer , "5" ; eurio:currency "EUR" .
<tg/1> a hk:TargetGroup ; skos:inScheme hk:TargetGroupScheme , hk:Other ; skos:prefLabel "a"@fi , "b"@en , "c"@EN .
<tg/2> a skos:Concept ; skos:prefLabel "a"@fi .
<o/1> a hk:Output ; dct:title "T"@fi , "U"@sv ; dct:issued "2020"^^xsd:gYear , "2020-01"^^xsd:gYear ;
  hk:sizeMegabytes "1.0"^^xsd:decimal , "-1"^^xsd:decimal ; schema:url "http://x"^^xsd:anyURI ; dct:publisher <org/1> .
<o/2> a hk:Output ; dct:title "T" ; dct:issued "20200"^^xsd:gYear ; hk:sizeMegabytes "1e2"^^xsd:decimal ;
  schema:url <http://x/y%20z> ; dct:publisher <tg/1> .
<o/3> a hk:Output ; dct:issued "2020"^^xsd:integer ; hk:sizeMegabytes "  2.50  "^^xsd:decimal ; schema:url _:u ;
  dct:publisher "Org" .
<o/4> a hk:Output ; dct:title "T"@fi ; hk:sizeMegabytes "-0"^^xsd:decimal ; dct:issued "-0044"^^xsd:gYear .
<o/5> a hk:Output ; dct:title "T"@fi ; hk:sizeMegabytes "INF"^^xsd:double ; dct:issued "2020Z"^^xsd:gYear .
_:o7 a hk:Output ; dct:title "T"@fi ; hk:sizeMegabytes ".5"^^xsd:decimal , "x" ; dct:issued "02020"^^xsd:gYear .
"""


def test_odd_literals(tmp_path):
    graph = Graph().parse(data=ODD, format="turtle")
    # p/5's "Nimi"^^rdf:langString is no literal N-Triples can carry: rdflib form only
    ref = _agree(graph, tmp_path, forms=("graph",), workers=(1, 2), chunks=(1, 4, 100))
    assert not ref.conforms
    del_langstring = Graph()
    for t in graph:
        if not (isinstance(t[2], Literal) and t[2].datatype == RDF.langString):
            del_langstring.add(t)
    _agree(del_langstring, tmp_path, forms=FORMS, workers=(1, 2), chunks=(4,))


def test_the_odd_literals_need_pyshacl(tmp_path, monkeypatch):
    """Without the routing of unsafe terms to pyshacl, the native engine's results differ
    from pyshacl's on these literals (so the routing is needed, and the comparison can fail)."""
    graph = Graph().parse(data=ODD, format="turtle")
    ref = Reference(graph, ontology_included=False)
    monkeypatch.setattr(ix, "literal_kind", lambda token: "")  # every literal safe
    monkeypatch.setattr(ix.Index, "finish", lambda self: self)  # and every comparison
    got = fast.validate(graph, ontology_included=False, chunk=4)
    assert _key(got) != _key(ref)


def test_where_pyshacl_raises_so_does_the_fast_path():
    """pyshacl cannot order an ill-formed xsd:date (rdflib has no value for it: TypeError);
    the fast path sends such a project to pyshacl, so it raises too instead of reporting
    something else."""
    graph = Graph().parse(FULL_PROJECT)
    project = next(graph.subjects(RDF.type, EURIO.Project))
    graph.set((project, EURIO.startDate, Literal("2020-1-1", datatype=XSD.date)))
    graph.set((project, EURIO.endDate, Literal("2019-12-31", datatype=XSD.date)))
    with pytest.raises(TypeError):
        Reference(graph, ontology_included=False)
    with pytest.raises(TypeError):
        fast.validate(graph, ontology_included=False)


# --- shapes the native engine is not trusted with ---------------------------------------------


def test_shapes_are_cuttable_and_native():
    assert fast.cuttable(load_shapes()) == (True, "")
    assert fast.native_ok(load_shapes()) == (True, "")


def test_an_untested_shacl_term_sends_every_chunk_to_pyshacl(tmp_path, monkeypatch):
    shapes = Graph()
    shapes += load_shapes()
    shape = URIRef("https://w3id.org/hankekg/shapes#project-identifier")
    shapes.add((shape, SH.minLength, Literal(7)))  # every identifier is too short now
    ok, why = fast.native_ok(shapes)
    assert not ok and "minLength" in why
    calls = []
    real = fast._run
    monkeypatch.setattr(fast, "_run", lambda task: calls.append(task[0]) or real(task))
    graph = Graph().parse(FULL_PROJECT)
    got = fast.validate(graph, ontology_included=False, shapes=shapes)
    assert calls and set(calls) == {"pyshacl"}
    assert any(r.shape == str(shape) for r in got.rows)


def test_shapes_that_cannot_be_cut_get_one_pyshacl_run(tmp_path):
    shapes = Graph()
    shapes += load_shapes()
    shape = URIRef("https://w3id.org/hankekg/shapes#OutputShape")
    shapes.add((shape, SH.closed, Literal(True)))  # sh:closed reads every predicate of an output
    assert not fast.cuttable(shapes)[0]
    graph = Graph().parse(FULL_PROJECT)
    got = fast.validate(graph, ontology_included=False, shapes=shapes)
    assert any(r.shape == str(shape) for r in got.rows)  # an output has dct:format and rdf:type: not closed
    import pyshacl

    data = run.with_ontology(graph)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                    allow_infos=True, advanced=True)
    assert list(got.rows) == sorted(run._rows(report, run.completeness_fields(shapes)), key=run.row_key)


def test_rejects_other_inputs():
    with pytest.raises(TypeError):
        fast.validate(42)


def test_ntriples_in_unusual_forms(tmp_path):
    """Tabs, comments, escapes in IRIs, CRLF line ends: read as rdflib reads them."""
    graph = Graph().parse(FULL_PROJECT)
    nt = graph.serialize(format="nt", encoding="utf-8").decode()
    lines = nt.splitlines()
    odd = []
    for i, line in enumerate(lines):
        if i % 5 == 0:
            line = line.replace(" ", "\t", 1)
        elif i % 5 == 1:
            line = line + " # a comment"
        elif i % 5 == 2:
            line = re.sub(r"<https://w3id\.org/hankekg/id/", r"<https://w3id.org/hankekg/id\\u002F", line)
        odd.append(line)
    data = ("# a graph\r\n\r\n" + "\r\n".join(odd) + "\r\n").encode()
    ref = Reference(Graph().parse(data=data, format="nt"), ontology_included=False)
    got = fast.validate(data, ontology_included=False)
    assert _key(got) == _key(ref)
    assert got.completeness == ref.completeness


def test_the_fast_outcome_carries_a_shacl_report_of_its_rows():
    # The build writes report/validation.ttl from the outcome: it must state every row.
    from rdflib.namespace import RDF, SH

    graph = Graph()
    for path in sorted(FIXTURES.glob("*.bad*.ttl")):
        graph.parse(path, format="turtle")
    outcome = fast.validate(graph, ontology_included=False)
    report = outcome.report
    assert outcome.rows
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    assert len(results) == len(outcome.rows)
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms).toPython() == outcome.conforms
    stated = sorted((str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage))) for r in results)
    assert stated == sorted((row.focus, row.message) for row in outcome.rows)


def test_the_fast_outcome_writes_its_report_as_turtle_that_states_every_row():
    # report/validation.ttl is written by pyoxigraph from the rows: parsed back, it is the
    # report graph made from the same rows (blank nodes aside).
    from rdflib.compare import isomorphic
    from rdflib.namespace import RDF, SH

    graph = Graph()
    for path in sorted(FIXTURES.glob("*.bad*.ttl")):
        graph.parse(path, format="turtle")
    outcome = fast.validate(graph, ontology_included=False)
    assert outcome.engine_report is None and outcome.rows
    parsed = Graph().parse(data=outcome.report_turtle(), format="turtle")
    assert isomorphic(parsed, outcome.report)
    assert len(list(parsed.subjects(RDF.type, SH.ValidationResult))) == len(outcome.rows)
