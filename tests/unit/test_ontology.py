"""Integrity of ontology/ and shapes/: rules as SPARQL queries that must return no rows.

The files are loaded into a dataset with two named graphs, <urn:hankekg:ontology> (every
file under ontology/) and <urn:hankekg:shapes> (every file under shapes/). Each rule's
failure lists every offending term, not only the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from hankekg import iris, paths
from hankekg.namespaces import HK, HK_IRI, PREFIXES, PROGRAMME_BASE
from hankekg.validate.shapes import SHAPES

ONTOLOGY = URIRef("urn:hankekg:ontology")
SHAPES_GRAPH = URIRef("urn:hankekg:shapes")
ONTOLOGY_IRI = URIRef("https://w3id.org/hankekg/ontology")
VANN = "http://purl.org/vocab/vann/"

ONTOLOGY_FILES = sorted(paths.ontology_dir().rglob("*.ttl"))
SHAPES_FILES = sorted(paths.shapes_dir().rglob("*.ttl"))

KNOWN_NAMESPACES = tuple({str(ns) for ns in PREFIXES.values()} | {VANN, str(SHAPES), PROGRAMME_BASE})
"""Every IRI in ontology/ and shapes/ is under one of these, or one of KNOWN_IRIS."""

KNOWN_IRIS = {ONTOLOGY_IRI, URIRef("http://creativecommons.org/licenses/by/4.0/")}

PREFIX = """
PREFIX hk:    <https://w3id.org/hankekg/ontology#>
PREFIX rdf:   <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:  <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:   <http://www.w3.org/2002/07/owl#>
PREFIX skos:  <http://www.w3.org/2004/02/skos/core#>
PREFIX dct:   <http://purl.org/dc/terms/>
PREFIX sh:    <http://www.w3.org/ns/shacl#>
"""

RULES: dict[str, str] = {
    # Every hk: term has a Finnish and an English label and definition, and points at the ontology.
    "hk term without a Finnish label": """
        SELECT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a ?kind . FILTER(STRSTARTS(STR(?term), STR(hk:)))
          FILTER NOT EXISTS { ?term rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "fi")) }
        } }""",
    "hk term without an English label": """
        SELECT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a ?kind . FILTER(STRSTARTS(STR(?term), STR(hk:)))
          FILTER NOT EXISTS { ?term rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }
        } }""",
    "hk term without an English definition": """
        SELECT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a ?kind . FILTER(STRSTARTS(STR(?term), STR(hk:)))
          FILTER NOT EXISTS { ?term skos:definition|rdfs:comment ?d FILTER(LANGMATCHES(LANG(?d), "en")) }
        } }""",
    "hk term without a Finnish definition": """
        SELECT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a ?kind . FILTER(STRSTARTS(STR(?term), STR(hk:)))
          FILTER NOT EXISTS { ?term skos:definition|rdfs:comment ?d FILTER(LANGMATCHES(LANG(?d), "fi")) }
        } }""",
    "hk term not rdfs:isDefinedBy the ontology": """
        SELECT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a ?kind . FILTER(STRSTARTS(STR(?term), STR(hk:)))
          FILTER NOT EXISTS { ?term rdfs:isDefinedBy <https://w3id.org/hankekg/ontology> }
        } }""",
    "two hk terms with the same label": """
        SELECT ?term ?other ?label WHERE { GRAPH <urn:hankekg:ontology> {
          ?term rdfs:label ?label . ?other rdfs:label ?label .
          FILTER(STRSTARTS(STR(?term), STR(hk:)) && STRSTARTS(STR(?other), STR(hk:)))
          FILTER(STR(?term) < STR(?other))
        } }""",
    # Every term reused from another vocabulary is declared with the vocabulary it comes from.
    "declared term without its vocabulary (rdfs:isDefinedBy a prefix of the term)": """
        SELECT DISTINCT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a ?kind . FILTER(isIRI(?term) && ?kind != owl:Ontology)
          FILTER(!STRSTARTS(STR(?term), "https://w3id.org/hankekg/programme/"))
          FILTER NOT EXISTS {
            ?term rdfs:isDefinedBy ?vocabulary FILTER(STRSTARTS(STR(?term), STR(?vocabulary)))
          }
        } }""",
    # Everything the ontology mentions is declared in it (vocabularies.ttl holds the reused terms).
    "term used in ontology/ but not declared there": """
        SELECT DISTINCT ?term WHERE {
          GRAPH <urn:hankekg:ontology> {
            { ?term ?p ?o } UNION { ?s ?term ?o }
            UNION { ?s ?p ?term FILTER(?p NOT IN (rdfs:isDefinedBy, dct:license)) }
          }
          FILTER(isIRI(?term))
          FILTER NOT EXISTS { GRAPH <urn:hankekg:ontology> { ?term a ?kind } }
        }""",
    # Every class, property, datatype and value the shapes use is declared in ontology/.
    "term used in shapes/ but not declared in ontology/": """
        SELECT DISTINCT ?term ?use ?shape WHERE {
          GRAPH <urn:hankekg:shapes> {
            {
              VALUES ?use { sh:targetClass sh:targetSubjectsOf sh:targetObjectsOf sh:class sh:datatype
                            sh:hasValue sh:equals sh:disjoint sh:lessThan sh:lessThanOrEquals }
              ?shape ?use ?term .
            } UNION {
              ?shape sh:path ?path .
              ?path (rdf:first|rdf:rest|sh:inversePath|sh:alternativePath|sh:zeroOrMorePath
                     |sh:oneOrMorePath|sh:zeroOrOnePath)* ?term .
              BIND(sh:path AS ?use)
            } UNION {
              ?shape sh:in/rdf:rest*/rdf:first ?term .
              BIND(sh:in AS ?use)
            }
          }
          FILTER(isIRI(?term) && ?term != rdf:nil)
          FILTER NOT EXISTS { GRAPH <urn:hankekg:ontology> { ?term a ?kind } }
        }""",
    # SKOS: every concept of the ontology is in a scheme.
    "concept in no scheme": """
        SELECT ?term WHERE { GRAPH <urn:hankekg:ontology> {
          ?term a skos:Concept . FILTER NOT EXISTS { ?term skos:inScheme ?scheme }
        } }""",
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    for name, files in ((ONTOLOGY, ONTOLOGY_FILES), (SHAPES_GRAPH, SHAPES_FILES)):
        graph = ds.graph(name)
        for path in files:
            graph.parse(path, format="turtle")
    return ds


ALL_FILES = ONTOLOGY_FILES + SHAPES_FILES


@pytest.mark.parametrize("path", ALL_FILES, ids=[f"{p.parent.name}/{p.name}" for p in ALL_FILES])
def test_parses(path: Path):
    assert len(Graph().parse(path, format="turtle")) > 0


def test_the_expected_files_are_there():
    assert {p.name for p in ONTOLOGY_FILES} >= {"hankekg.ttl", "programme.ttl", "vocabularies.ttl"}
    assert {p.name for p in SHAPES_FILES} >= {"structure.ttl", "completeness.ttl"}


@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.parametrize("rule", RULES, ids=list(RULES))
def test_rule(dataset: Dataset, rule: str):
    rows = list(dataset.query(PREFIX + RULES[rule]))
    names = dataset.namespace_manager
    offenders = "\n".join(
        "  " + "  ".join(names.normalizeUri(v) if isinstance(v, URIRef) else repr(v) for v in row)
        for row in rows
    )
    assert not rows, f"{rule}: {len(rows)} offending row(s):\n{offenders}"


def test_hk_terms_are_those_of_namespaces_py():
    """namespaces.HK and the hk: terms declared in hankekg.ttl are the same set."""
    graph = Graph().parse(paths.ontology_dir() / "hankekg.ttl", format="turtle")
    declared = {str(s) for s in graph.subjects(RDF.type, None) if str(s).startswith(HK_IRI)}
    in_code = {HK_IRI + name for name in HK.__annotations__}
    only_code = sorted(t.removeprefix(HK_IRI) for t in in_code - declared)
    only_ontology = sorted(t.removeprefix(HK_IRI) for t in declared - in_code)
    assert not only_code, f"in namespaces.HK but not declared in ontology/hankekg.ttl: {only_code}"
    assert not only_ontology, f"declared in ontology/hankekg.ttl but not in namespaces.HK: {only_ontology}"


def test_every_hk_iri_used_is_a_term(dataset: Dataset):
    """No hk: IRI anywhere in ontology/ or shapes/ outside namespaces.HK (catches typos in objects)."""
    in_code = {HK_IRI + name for name in HK.__annotations__}
    used = {
        str(t) for q in dataset.quads() for t in q[:3] if isinstance(t, URIRef) and str(t).startswith(HK_IRI)
    }
    assert not sorted(used - in_code), f"hk: IRIs that are not terms: {sorted(used - in_code)}"


def test_no_iri_outside_the_known_namespaces(dataset: Dataset):
    offenders = sorted(
        {
            f"{t} (in {g})"
            for s, p, o, g in dataset.quads()
            for t in (s, p, o)
            if isinstance(t, URIRef) and t not in KNOWN_IRIS and not str(t).startswith(KNOWN_NAMESPACES)
        }
    )
    assert not offenders, "IRIs outside the known namespaces:\n" + "\n".join(offenders)


def test_ontology_header():
    graph = Graph().parse(paths.ontology_dir() / "hankekg.ttl", format="turtle")
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    titles = {t.language for t in graph.objects(ONTOLOGY_IRI, DCTERMS.title)}
    assert titles == {"fi", "en"}
    assert graph.value(ONTOLOGY_IRI, DCTERMS.description) is not None
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("http://creativecommons.org/licenses/by/4.0/")
    assert graph.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespacePrefix")) == Literal("hk")
    assert graph.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri")) == Literal(HK_IRI)


def test_programme_individuals_are_the_minted_iris():
    """programme.ttl describes exactly the IRIs hankekg.iris mints for the programme levels."""
    graph = Graph().parse(paths.ontology_dir() / "programme.ttl", format="turtle")
    described = {s for s in graph.subjects(RDF.type, None)}
    assert described == {iris.programme(), iris.priority_axis(5), iris.specific_objective("10.1")}
    assert (iris.priority_axis(5), RDF.type, HK.PriorityAxis) in graph
    assert (iris.specific_objective("10.1"), RDF.type, HK.SpecificObjective) in graph
    assert (iris.programme(), RDF.type, HK.OperationalProgramme) in graph
