"""`hankekg build` end to end on the repository's data/: the graph it writes answers the
interop profile (vocabularies.md) for the seed's project, conforms to the shapes, uses
only declared terms, and is byte-identical when built twice."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib import namespace as ns
from rdflib.namespace import RDF, SH
from tests.support import REPO, SEED, run_cli

from hankekg import paths

PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX dct:   <http://purl.org/dc/terms/>
PREFIX skos:  <http://www.w3.org/2004/02/skos/core#>
PREFIX adms:  <http://www.w3.org/ns/adms#>
PREFIX prov:  <http://www.w3.org/ns/prov#>
PREFIX rdfs:  <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:   <http://www.w3.org/2001/XMLSchema#>
"""

# One ASK per line of the interop profile, with the seed's values where the card gives them.
PROFILE = {
    "project": '?project a eurio:Project ; dct:identifier "S21684" ; dct:title ?name . FILTER(lang(?name) = "fi")',
    "dates": '?project dct:identifier "S21684" ; eurio:startDate "2019-06-01"^^xsd:date ; '
             'eurio:endDate "2021-12-31"^^xsd:date .',
    "main implementer": '?project dct:identifier "S21684" ; eurio:hasInvolvedParty ?role . '
                        '?role a eurio:OrganisationRole ; eurio:isRoleOf ?org ; '
                        'eurio:roleLabel "päätoteuttaja"@fi, "main implementer"@en . '
                        '?org skos:prefLabel "Kaakkois-Suomen Ammattikorkeakoulu Oy"@fi ; '
                        'skos:altLabel "Kaakkois-Suomen ammattikorkeakoulu"@fi .',
    "co-implementer": '?project dct:identifier "S21684" ; eurio:hasInvolvedParty ?role . '
                      '?role eurio:isRoleOf ?org ; eurio:roleLabel "osatoteuttaja"@fi . '
                      '?org skos:prefLabel "ViaDia Mikkeli ry"@fi .',
    "business id": '?project dct:identifier "S21684" ; eurio:hasInvolvedParty/eurio:isRoleOf ?org . '
                   '?org adms:identifier [ skos:notation "2472908-2" ] .',
    "funding": '?project dct:identifier "S21684" ; eurio:isFundedBy ?grant . '
               '?grant eurio:isDisbursedBy ?funder ; eurio:hasFundingAmount ?amount . '
               '?funder skos:prefLabel "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"@fi ; '
               'skos:altLabel "Etelä-Savon ELY-keskus"@fi . '
               '?amount eurio:value ?eur ; eurio:currency "EUR" . '
               'FILTER(datatype(?eur) = xsd:decimal && ?eur = 368136)',
    "target groups": '?project dct:identifier "S21684" ; dct:audience ?group . ?group a skos:Concept ; '
                     'skos:prefLabel "maahanmuuttajaperheet"@fi .',
    "outputs": '?project dct:identifier "S21684" ; eurio:hasResult ?output . '
               '?output dct:title "Lintumäki"@fi ; dct:issued "2019"^^xsd:gYear .',
    "registry link": '?project dct:identifier "S21684" ; '
                     'rdfs:seeAlso <https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684> .',
    "provenance": '?project dct:identifier "S21684" ; prov:wasDerivedFrom ?source .',
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("dist")
    proc = run_cli("build", str(REPO / "data"), "--out", str(out))
    return out, proc


@pytest.fixture(scope="module")
def graph(built) -> Graph:
    out, _ = built
    return Graph().parse(out / "hankekg.ttl", format="turtle")


def test_build_succeeds_and_conforms(built):
    out, proc = built
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conforms" in proc.stdout
    for name in ("validation.ttl", "completeness.csv", "repairs.csv", "unmapped.csv", "problems.csv",
                 "conflicts.csv", "results.csv", "summary.json"):
        assert (out / "report" / name).is_file(), name
    report = Graph().parse(out / "report" / "validation.ttl", format="turtle")
    results = sum(1 for _ in csv.DictReader((out / "report" / "results.csv").open(encoding="utf-8")))
    assert len(list(report.subjects(RDF.type, SH.ValidationResult))) == results > 0


@pytest.mark.parametrize("line", sorted(PROFILE))
def test_interop_profile(graph, line):
    assert graph.query(PREFIXES + "ASK { " + PROFILE[line] + " }").askAnswer, line


def test_exactly_three_outputs_and_four_target_groups(graph):
    q = PREFIXES + """SELECT (COUNT(DISTINCT ?o) AS ?outputs) (COUNT(DISTINCT ?g) AS ?groups) WHERE {
        ?p dct:identifier "S21684" ; eurio:hasResult ?o ; dct:audience ?g }"""
    row = next(iter(graph.query(q)))
    assert (int(row.outputs), int(row.groups)) == (3, 4)


def test_original_text_kept_in_provenance(graph, seed_text):
    q = PREFIXES + """PREFIX hk: <https://w3id.org/hankekg/ontology#>
        SELECT ?text WHERE { ?card a hk:ProjectCard ; dct:identifier "S21684" ; hk:originalText ?text }"""
    texts = [str(r.text) for r in graph.query(q)]
    assert texts == [seed_text.lstrip("\ufeff").replace("\r\n", "\n")] or texts == [seed_text]


def _declared_terms() -> set[URIRef]:
    onto = Graph()
    for ttl in sorted(paths.ontology_dir().rglob("*.ttl")):
        onto.parse(ttl, format="turtle")
    return set(onto.subjects())


BUILTIN = (str(ns.RDF), str(ns.RDFS), str(ns.OWL), str(ns.XSD))


def test_every_term_is_declared(graph):
    declared = _declared_terms()
    used = set(graph.predicates()) | set(graph.objects(None, ns.RDF.type))
    undeclared = sorted(t for t in used if not str(t).startswith(BUILTIN) and t not in declared)
    assert undeclared == [], "terms used in the graph but declared nowhere in ontology/:\n" + "\n".join(undeclared)


def test_rebuild_is_byte_identical(built, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    proc = run_cli("build", str(REPO / "data"), "--out", str(again), env={"PYTHONHASHSEED": "12345"})
    assert proc.returncode == 0, proc.stderr
    first, second = (out / "hankekg.ttl").read_bytes(), (again / "hankekg.ttl").read_bytes()
    assert first == second, "dist/hankekg.ttl differs between two builds of the same data"


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory) -> tuple[Path, object]:
    """A data folder with the seed and five faulty cards."""
    data = tmp_path_factory.mktemp("data")
    cards = data / "cards"
    cards.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    shutil.copy(SEED, cards / "S21684.txt")
    (cards / "empty.txt").write_bytes(b"")
    (cards / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (cards / "nocode.txt").write_text(seed.replace("S21684", "hanke"), encoding="utf-8")
    (cards / "backwards.txt").write_text(
        seed.replace("S21684", "S29999").replace("1.6.2019 — 31.12.2021", "31.12.2021 — 1.6.2019"), encoding="utf-8"
    )
    unknown = seed.replace("S21684", "S29998").replace(
        "Hankkeen tausta\n", "Hankkeen yhteyshenkilon puhelinnumero\n\nEi tietoa saatavilla\n\nHankkeen tausta\n"
    )
    (cards / "unknown-label.txt").write_text(unknown, encoding="utf-8")
    out = data / "dist"
    return out, run_cli("build", str(data), "--out", str(out))


def test_bad_cards_are_named_and_the_rest_build(bad_batch):
    out, proc = bad_batch
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = proc.stdout + proc.stderr
    assert "empty.txt" in text and "empty" in text
    assert "binary.txt" in text
    assert "nocode.txt" in text and "code" in text
    assert "backwards.txt:" in text and "backwards" in text
    assert "unknown-label.txt:" in text and "yhteyshenkilon" in text.lower()
    built = Graph().parse(out / "hankekg.ttl", format="turtle")
    codes = {str(o) for o in built.objects(None, URIRef("http://purl.org/dc/terms/identifier"))}
    assert {"S21684", "S29998"} <= codes and "S29999" not in codes
    problems = (out / "report" / "problems.csv").read_text(encoding="utf-8")
    for name in ("empty.txt", "binary.txt", "nocode.txt", "backwards.txt", "unknown-label.txt"):
        assert name in problems


def test_a_cached_rebuild_reuses_cards_and_gives_the_same_bytes(tmp_path):
    cache = tmp_path / "cache"
    first = run_cli("build", str(REPO / "data"), "--out", str(tmp_path / "a"), "--no-site", "--cache", str(cache))
    assert first.returncode == 0, first.stderr
    assert "0 reused, 1 read afresh" in first.stdout
    second = run_cli("build", str(REPO / "data"), "--out", str(tmp_path / "b"), "--no-site", "--cache", str(cache))
    assert second.returncode == 0, second.stderr
    assert "1 reused, 0 read afresh" in second.stdout
    for name in ("hankekg.ttl", "hankekg.nt", "hankekg.trig", "hankekg.jsonld"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_build_writes_the_seconds_and_memory_of_each_stage(built):
    import json

    out, _ = built
    data = json.loads((out / "report" / "timings.json").read_text(encoding="utf-8"))
    stages = ["read cards", "read registry", "merge and map", "validate", "dumps", "site", "report"]  # with the site
    assert list(data["seconds"]) == stages and list(data["peak_mb"]) == stages
    assert all(v >= 0 for v in data["seconds"].values())
    peaks = list(data["peak_mb"].values())
    assert peaks == sorted(peaks) and peaks[0] > 10  # a peak only grows; a Python process is over 10 MB
