"""Issue 3 end to end: cards and registry pages become one graph in which every real
organisation is one node, disagreements are kept and listed, and projects link out."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, SKOS

from hankekg.link.oxigraph import OxigraphServer
from hankekg.namespaces import EURIO, HK
from tests.support import REPO, run_cli

ID = "https://w3id.org/hankekg/id/"
XAMK = URIRef(ID + "organisation/2472908-2")
S21684 = URIRef(ID + "project/S21684")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = run_cli("build", str(REPO / "data"), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def graph(dist) -> Graph:
    return Graph().parse(dist / "hankekg.ttl", format="turtle")


def test_every_registry_sample_is_a_project(graph):
    codes = {p.stem for p in (REPO / "data" / "registry" / "eura2014").glob("*.txt")}
    assert len(codes) == 64
    built = {str(o) for s in graph.subjects(None, EURIO.Project) for o in graph.objects(s, URIRef(
        "http://purl.org/dc/terms/identifier"))}
    assert codes <= built


def test_xamk_is_one_node_reached_from_card_and_registry(graph):
    roles = [r for r in graph.objects(S21684, EURIO.hasInvolvedParty) if graph.value(r, EURIO.isRoleOf) == XAMK]
    assert len(roles) == 1, "one main-implementer role, shared by both sources"
    (role,) = roles
    assert graph.value(role, HK.roleConcept) == HK.MainImplementer
    assert set(graph.objects(role, PROV.wasDerivedFrom)) == {
        URIRef(ID + "source/card/S21684"), URIRef(ID + "source/eura2014/S21684")}
    notation = graph.value(graph.value(XAMK, URIRef("http://www.w3.org/ns/adms#identifier")), SKOS.notation)
    assert notation == Literal("2472908-2")
    assert graph.value(XAMK, SKOS.prefLabel) == Literal("Kaakkois-Suomen Ammattikorkeakoulu Oy", lang="fi")
    assert Literal("Kaakkois-Suomen ammattikorkeakoulu", lang="fi") in set(graph.objects(XAMK, SKOS.altLabel))
    # the card's output publisher "Xamk" is the same organisation
    publishers = {graph.value(o, URIRef("http://purl.org/dc/terms/publisher")) for o in graph.objects(
        S21684, EURIO.hasResult)}
    assert XAMK in publishers


def test_viadia_role_conflict_is_kept_and_reported(graph, dist):
    viadia = URIRef(ID + "organisation/2551672-4")
    concepts = {graph.value(r, HK.roleConcept) for r in graph.objects(S21684, EURIO.hasInvolvedParty)
                if graph.value(r, EURIO.isRoleOf) == viadia}
    assert concepts == {HK.CoImplementer, HK.SupportTransferee}
    rows = list(csv.DictReader((dist / "report" / "conflicts.csv").open(encoding="utf-8")))
    assert {(r["code"], r["field"], r["card"], r["registry"]) for r in rows} >= {
        ("S21684", "role of ViaDia Mikkeli ry", "osatoteuttaja", "tuen siirronsaaja")}
    conflicts = list(graph.objects(S21684, HK.hasConflict))
    assert any(str(graph.value(c, HK.registryValue)) == "tuen siirronsaaja" for c in conflicts)


def test_ely_centres_meet_at_one_node_each(graph):
    q = """PREFIX eurio: <http://data.europa.eu/s66#>
           PREFIX hk: <https://w3id.org/hankekg/ontology#>
           SELECT DISTINCT ?ely WHERE {
             { ?p hk:responsibleAuthority ?ely } UNION { ?p eurio:isFundedBy/eurio:isDisbursedBy ?ely }
             ?ely <http://www.w3.org/2004/02/skos/core#prefLabel> ?name
             FILTER(CONTAINS(STR(?name), "elinkeino-, liikenne- ja ympäristökeskus")) }"""
    elys = {str(r.ely) for r in graph.query(q)}
    # Etelä-Savo, Häme, Keski-Suomi and Pohjois-Pohjanmaa (the English page names the last)
    assert len(elys) == 4, elys
    funder = graph.value(graph.value(S21684, EURIO.isFundedBy), EURIO.isDisbursedBy)
    assert funder == graph.value(S21684, HK.responsibleAuthority)
    s21758 = URIRef(ID + "project/S21758")  # the English page: "… North Ostrobothnia"
    assert "Pohjois-Pohjanmaan" in str(graph.value(graph.value(s21758, HK.responsibleAuthority), SKOS.prefLabel))


def test_regions_follow_from_municipalities(graph):
    region = graph.value(S21684, URIRef("http://purl.org/dc/terms/spatial"))
    assert (region, SKOS.exactMatch, URIRef("http://data.europa.eu/nuts/code/FI1D1")) in graph


def test_publication_isbn_links_to_urn_fi(graph):
    outputs = list(graph.objects(S21684, EURIO.hasResult))
    isbns = {str(graph.value(o, URIRef("http://purl.org/ontology/bibo/isbn13"))) for o in outputs} - {"None"}
    assert isbns == {"978-952-344-388-4"}
    assert any((o, OWL.sameAs, URIRef("https://urn.fi/URN:ISBN:978-952-344-388-4")) in graph for o in outputs)


def test_linksets_describe_every_kind_of_link(graph):
    q = """PREFIX void: <http://rdfs.org/ns/void#>
           SELECT ?ls ?p ?n WHERE { ?ls a void:Linkset ; void:linkPredicate ?p ; void:triples ?n }"""
    found = {str(r.ls).rsplit("/", 1)[1]: int(r.n) for r in graph.query(q)}
    assert found["eura2014"] == 64 and found["urn-isbn"] == 1 and found["kohesio"] == 1
    assert (URIRef(ID + "project/S20220"), OWL.sameAs, URIRef("https://linkedopendata.eu/entity/Q3757214")) in graph


EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"(?:\+358|\(0\d{1,2}\))[\s-]?\d|\b0\d{1,2}[\s-]\d{3}[\s-]?\d{3,4}\b|\b04\d[\s-]?\d{7}\b")


def test_no_personal_data_in_any_output(dist):
    for path in sorted(dist.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not EMAIL.search(text), f"{path}: e-mail address {EMAIL.search(text).group()}"
            assert not PHONE.search(text), f"{path}: phone number {PHONE.search(text).group()}"


def test_link_prints_and_writes_coverage(tmp_path):
    proc = run_cli("link", "--data-dir", str(REPO / "data"), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "projects with a registry record" in proc.stdout and "outputs with an ISBN" in proc.stdout
    rows = {r["what"]: r for r in csv.DictReader((tmp_path / "report" / "coverage.csv").open(encoding="utf-8"))}
    assert rows["projects with a registry record"]["have"] == "64"
    assert rows["outputs with an ISBN"]["have"] == "1" and rows["outputs with an ISBN"]["total"] == "3"


def test_link_offline_touches_no_network_and_lists_missing_pages(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "reference", data / "reference")
    (data / "cards").mkdir(parents=True)
    shutil.copy(REPO / "data" / "cards" / "S21684.txt", data / "cards")
    proc = run_cli("link", "--data-dir", str(data), "--out", str(tmp_path / "dist"),
                   "--registry-url", "http://127.0.0.1:9/projekti.php")
    assert proc.returncode == 0, proc.stderr
    assert "offline-missing" in proc.stdout and "S21684" in proc.stdout


def test_registry_parse_command_prints_the_json_form():
    proc = run_cli("registry", "parse", str(REPO / "data" / "registry" / "eura2014" / "S21684.txt"), "--format",
                   "json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["applicant"] == {"name": "Kaakkois-Suomen Ammattikorkeakoulu Oy", "org_type": "Ammattikorkeakoulu",
                                   "business_id": "2472908-2"}
    assert record["partners"] == [{"name": "ViaDia Mikkeli ry", "business_id": "2551672-4",
                                   "role": "tuen siirronsaaja"}]


def test_link_kohesio_records_matches_that_the_build_uses(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("kohesio.csv"))
    fixture = REPO / "tests" / "fixtures" / "kohesio" / "eu-kg-sample.ttl"
    with OxigraphServer(fixture) as server:
        proc = run_cli("link", "--data-dir", str(data), "kohesio", "--endpoint", server.query_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["code"]: r["item"] for r in csv.DictReader((data / "reference" / "kohesio.csv").open(encoding="utf-8"))}
    assert rows["S20220"] == "https://linkedopendata.eu/entity/Q3757214"
    out = tmp_path / "dist"
    assert run_cli("build", str(data), "--out", str(out)).returncode == 0
    built = Graph().parse(out / "hankekg.ttl", format="turtle")
    assert (URIRef(ID + "project/S20220"), OWL.sameAs, URIRef("https://linkedopendata.eu/entity/Q3757214")) in built


def test_curation_decisions_apply_on_every_build(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    (data / "curation" / "decisions.yaml").write_text(
        "- action: keep-word\n  card: S21684.txt\n  word: Lintumaki\n  reason: test\n"
        "- action: same-organisation\n  names: [Nuorisotyö, Kaakkois-Suomen Ammattikorkeakoulu Oy]\n"
        "  reason: test that a merge reaches the graph\n", encoding="utf-8")
    out = tmp_path / "dist"
    assert run_cli("build", str(data), "--out", str(out)).returncode == 0
    built = Graph().parse(out / "hankekg.ttl", format="turtle")
    titles = {str(built.value(o, URIRef("http://purl.org/dc/terms/title"))) for o in built.objects(
        S21684, EURIO.hasResult)}
    assert "Lintumaki" in titles and "Lintumäki" not in titles
    publishers = {built.value(o, URIRef("http://purl.org/dc/terms/publisher")) for o in built.objects(
        S21684, EURIO.hasResult)}
    assert publishers == {XAMK}


def test_curation_paths_cannot_leave_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    (data / "curation" / "bad.yaml").write_text(
        "- action: keep-word\n  card: ../../etc/passwd\n  word: x\n  reason: an escape attempt\n", encoding="utf-8")
    proc = run_cli("build", str(data), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "not a path" in proc.stderr


def test_link_online_fetches_the_missing_page_from_a_local_registry(tmp_path):
    from tests.servers import Reply, serve

    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "reference", data / "reference")
    (data / "cards").mkdir(parents=True)
    shutil.copy(REPO / "data" / "cards" / "S21684.txt", data / "cards")
    page = (REPO / "data" / "registry" / "eura2014" / "S21684.txt").read_text(encoding="utf-8")
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in page.splitlines()) + "</body></html>"

    def responder(request):
        return Reply(200, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})

    with serve(responder) as server:
        proc = run_cli("link", "--data-dir", str(data), "--out", str(tmp_path / "dist"), "--online",
                       "--delay", "0", "--registry-url", server.url("/projekti.php"))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert [r.query.get("projektikoodi") for r in server.requests] in ([["S21684"]], ["S21684"])
    saved = data / "registry" / "eura2014" / "S21684.html"
    assert saved.is_file() and "Kaakkois-Suomen Ammattikorkeakoulu Oy" in saved.read_text(encoding="utf-8")
    rows = {r["what"]: r for r in csv.DictReader((tmp_path / "dist" / "report" / "coverage.csv").open())}
    assert rows["projects with a registry record"]["have"] == "1"
