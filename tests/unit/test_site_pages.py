"""The static site and the HTML report, over a build of data/ and over small hand-made graphs."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from hankekg.errors import IriError
from hankekg.iris import Minter
from hankekg.namespaces import DEFAULT_DATA_BASE, EURIO
from hankekg.pipeline import BuildResult, build
from hankekg.publish.dumps import union
from hankekg.publish.html_report import write_html_report
from hankekg.publish.report import write_report
from hankekg.publish.site import euros, fold, page_path, write_site
from hankekg.rdf.sink import Graphs
from hankekg.validate.run import ValidationOutcome

DATA = Path(__file__).resolve().parents[2] / "data"
M = Minter()
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                 "track", "wbr"}


@pytest.fixture(scope="module")
def built():
    result = build(DATA)
    return result, union(result.dataset)


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    result, graph = built
    out = tmp_path_factory.mktemp("dist") / "site"
    return write_site(result, graph, out, DEFAULT_DATA_BASE)


class _Page(HTMLParser):
    """Links, ids, JSON-LD blocks and tag balance of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.alternates: dict[str, str] = {}
        self.ids: set[str] = set()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts: list[tuple[str, str]] = []
        self._script_type: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"duplicate id {a['id']}")
            self.ids.add(a["id"])
        for name in ("href", "src"):
            if a.get(name):
                self.links.append(a[name])
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates[a["type"]] = a["href"]
        if tag == "script":
            self._script_type = a.get("type", "text/javascript")
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "script":
            self._script_type = None

    def handle_data(self, data):
        if self._script_type is not None:
            self.scripts.append((self._script_type, data))
        else:
            self.text.append(data)


def parse_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def page_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(parse_page(path).text))


def internal(href: str) -> bool:
    return not (href.startswith(("#", "data:", "mailto:")) or "://" in href)


# -- the page set -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["project", "organisation", "organisation-by-name", "target-group",
                                  "output", "region", "card", "registry-record"])
def test_one_page_per_resource(built, site, kind):
    _, graph = built
    nodes = set()
    for s in set(graph.subjects()):
        try:
            if M.parse(str(s)).kind == kind:
                nodes.add(s)
        except IriError:
            pass  # not minted by hankekg (ontology terms, programme)
    assert nodes, f"the build has no {kind}"
    for node in nodes:
        path = page_path(str(node))
        assert path == str(node)[len(DEFAULT_DATA_BASE):] + ".html"
        assert (site.out / path).is_file(), f"no page for {node}"
        stem = path[: -len(".html")]
        assert (site.out / (stem + ".ttl")).is_file() and (site.out / (stem + ".jsonld")).is_file()
    assert site.counts[kind] == len(nodes)


def test_counts_for_the_64_project_build(site):
    assert site.counts["project"] == 64
    assert site.counts["index"] == 4
    assert len(site.pages) == sum(site.counts.values())
    for index in ("index.html", "organisations.html", "target-groups.html", "regions.html"):
        assert (site.out / index).is_file()


def test_funders_have_pages_that_list_their_grants(built, site):
    _, graph = built
    funders = set(graph.objects(None, EURIO.isDisbursedBy))
    assert funders
    for funder in funders:
        text = page_text(site.out / page_path(str(funder)))
        assert "Myönnetty rahoitus / Grants disbursed" in text
        assert "S21684" in text and "368 136 €" in text


def test_page_path_of_owned_nodes_points_into_the_owner_page():
    assert page_path(DEFAULT_DATA_BASE + "project/S21684/role/2472908-2/paatoteuttaja") == \
        "project/S21684.html#roles"
    assert page_path(DEFAULT_DATA_BASE + "project/S21684/grant/n-x/amount") == "project/S21684.html#funding"
    assert page_path(DEFAULT_DATA_BASE + "organisation/2472908-2/id/ytunnus") == \
        "organisation/2472908-2.html#facts"
    assert page_path("https://w3id.org/hankekg/programme/2014FI16M2OP001") is None
    assert page_path("https://example.org/x") is None


# -- the project page of the seed card ----------------------------------------------------------

def test_s21684_page_shows_funder_amount_implementers_outputs(site):
    path = site.out / "project" / "S21684.html"
    text = page_text(path)
    assert "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus" in text
    assert "368 136 €" in text
    assert re.search(r"Kaakkois-Suomen Ammattikorkeakoulu Oy päätoteuttaja", text)
    assert re.search(r"ViaDia Mikkeli ry osatoteuttaja", text)
    assert re.search(r"ViaDia Mikkeli ry tuen siirronsaaja", text)
    for title in ("Alueiden yhteisöllisyyttä rakentamassa – Yhteisömanagerin opas", "Lintumäki", "Partti"):
        assert title in text
    assert "15/16" in text  # completeness
    assert "Hankekortti / Project card" in text and "EURA2014-rekisteri / EURA2014 registry" in text
    page = parse_page(path)
    assert "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684" in page.links
    assert "../organisation/2472908-2.html" in page.links
    assert "../project/S21684/output/1.html" in page.links
    assert "../source/card/S21684.html" in page.links


def test_s21684_schema_org_json_ld(site):
    page = parse_page(site.out / "project" / "S21684.html")
    blocks = [json.loads(text) for kind, text in page.scripts if kind == "application/ld+json"]
    assert len(blocks) == 1
    data = blocks[0]
    assert data["@type"] == "Project"
    assert data["identifier"] == "S21684"
    assert data["startDate"] == "2019-06-01" and data["endDate"] == "2021-12-31"
    assert data["funder"][0]["@type"] == "Organization"
    assert data["funder"][0]["name"].startswith("Etelä-Savon")
    grant = data["funding"][0]
    assert grant["@type"] == "MonetaryGrant"
    assert grant["amount"] == {"@type": "MonetaryAmount", "value": 368136.0, "currency": "EUR"}
    assert {m["member"]["name"] for m in data["member"]} == {"Kaakkois-Suomen Ammattikorkeakoulu Oy",
                                                             "ViaDia Mikkeli ry"}


def test_organisation_json_ld(site):
    page = parse_page(site.out / "organisation" / "2472908-2.html")
    data = json.loads(next(text for kind, text in page.scripts if kind == "application/ld+json"))
    assert data["@type"] == "Organization"
    assert data["identifier"]["value"] == "2472908-2"
    assert data["name"] == "Kaakkois-Suomen Ammattikorkeakoulu Oy"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser uses ConjunctiveGraph
def test_alternates_exist_and_parse(site):
    for rel in site.pages:
        page = parse_page(site.out / rel)
        if not page.alternates:
            assert rel.count("/") == 0, f"{rel} has no alternates"
            continue
        base = (site.out / rel).parent
        ttl = Graph().parse(base / page.alternates["text/turtle"], format="turtle")
        jsonld = Graph().parse(base / page.alternates["application/ld+json"], format="json-ld")
        assert len(ttl) == len(jsonld) > 0, rel
        subject = URIRef(DEFAULT_DATA_BASE + rel[: -len(".html")])
        assert (subject, None, None) in ttl, f"{rel}: the .ttl does not describe {subject}"


def test_s21684_description_holds_roles_and_labels(site):
    g = Graph().parse(site.out / "project" / "S21684.ttl", format="turtle")
    role = URIRef(DEFAULT_DATA_BASE + "project/S21684/role/2472908-2/paatoteuttaja")
    assert (role, EURIO.isRoleOf, URIRef(DEFAULT_DATA_BASE + "organisation/2472908-2")) in g
    assert (URIRef(DEFAULT_DATA_BASE + "organisation/2472908-2"), SKOS.prefLabel,
            Literal("Kaakkois-Suomen Ammattikorkeakoulu Oy", lang="fi")) in g


# -- links and markup ----------------------------------------------------------------------------

def test_every_internal_link_resolves(site):
    broken = []
    pages = {rel: parse_page(site.out / rel) for rel in site.pages}
    for rel, page in pages.items():
        assert not page.errors, f"{rel}: {page.errors[:3]}"
        assert not page.stack or page.stack == [], f"{rel}: unclosed {page.stack}"
        for href in page.links:
            if not internal(href):
                continue
            parts = urlsplit(href)
            target = ((site.out / rel).parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.out.resolve() not in target.parents:
                broken.append(f"{rel} → {href}")
            elif parts.fragment and target.suffix == ".html":
                target_rel = target.relative_to(site.out.resolve()).as_posix()
                if parts.fragment not in pages[target_rel].ids:
                    broken.append(f"{rel} → {href} (no such id)")
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:5]}"


def test_no_page_is_orphaned(site):
    linked = {"index.html"}
    for rel in site.pages:
        for href in parse_page(site.out / rel).links:
            if internal(href):
                target = ((site.out / rel).parent / urlsplit(href).path).resolve()
                linked.add(target.relative_to(site.out.resolve()).as_posix())
    orphans = sorted(set(site.pages) - linked)
    assert not orphans, orphans[:5]


def test_pages_are_finnish_and_self_contained(site):
    for rel in site.pages:
        html = (site.out / rel).read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>\n<html lang=\"fi\">"), rel
        assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(css|js)"', html), f"{rel} loads from the network"
        assert "<h1" in html, rel


def test_index_embeds_the_filter_data(site):
    page = parse_page(site.out / "index.html")
    data = json.loads(next(text for kind, text in page.scripts if kind == "application/json"))
    assert len(data["projects"]) == 64
    entry = next(p for p in data["projects"] if p["c"] == "S21684")
    assert "yhteisollisen" in entry["s"]
    assert entry["r"] == ["region/FI1D1.html"]
    assert 2020 in entry["y"]
    assert entry["f"] and entry["t"]


def test_site_is_deterministic(built, site, tmp_path):
    result, graph = built
    again = write_site(result, graph, tmp_path / "site")
    for rel in sorted(p.relative_to(site.out).as_posix() for p in site.out.rglob("*") if p.is_file()):
        assert (again.out / rel).read_bytes() == (site.out / rel).read_bytes(), rel


def test_rewrite_drops_stale_pages(built, tmp_path):
    result, graph = built
    out = tmp_path / "site"
    (out / "project").mkdir(parents=True)
    (out / "project" / "S99999.html").write_text("stale")
    write_site(result, graph, out)
    assert not (out / "project" / "S99999.html").exists()
    assert (out / "project" / "S21684.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folders left behind"


# -- escaping, on a hand-made graph ----------------------------------------------------------------

NASTY = 'Hanke <script>alert("x")</script> & "Co" <b>'


def _tiny(tmp_path: Path):
    ds = Dataset()
    g = ds.graph(URIRef("https://w3id.org/hankekg/graph/data"))
    project = M.project("S00001")
    org = M.organisation(name="Yhdistys <&> ry")
    role = URIRef(str(project) + "/role/n-yhdistys-ry/paatoteuttaja")
    g.add((project, RDF.type, EURIO.Project))
    g.add((project, DCTERMS.identifier, Literal("S00001")))
    g.add((project, DCTERMS.title, Literal(NASTY, lang="fi")))
    g.add((project, RDFS.label, Literal(NASTY, lang="fi")))
    g.add((project, EURIO.startDate, Literal("2020-01-01", datatype=XSD_DATE)))
    g.add((project, EURIO.hasInvolvedParty, role))
    g.add((role, EURIO.isRoleOf, org))
    g.add((role, EURIO.roleLabel, Literal("päätoteuttaja", lang="fi")))
    g.add((org, RDF.type, EURIO.Organisation))
    g.add((org, SKOS.prefLabel, Literal("Yhdistys <&> ry", lang="fi")))
    result = BuildResult([], Graphs.from_dataset(ds), ValidationOutcome(True, (), (), Graph()))
    return write_site(result, union(ds), tmp_path / "site")


def test_names_are_escaped(tmp_path):
    site = _tiny(tmp_path)
    for rel in ("project/S00001.html", "index.html", "organisation/name/yhdistys-ry.html",
                "organisations.html"):
        html = (site.out / rel).read_text(encoding="utf-8")
        assert "<script>alert" not in html, rel
        assert "<b>" not in html and "Yhdistys <&>" not in html, rel
        page = parse_page(site.out / rel)
        assert not page.errors, (rel, page.errors)
    text = page_text(site.out / "project" / "S00001.html")
    assert NASTY in text
    html = (site.out / "project" / "S00001.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Co&#34;" in html
    page = parse_page(site.out / "project" / "S00001.html")
    data = json.loads(next(text for kind, text in page.scripts if kind == "application/ld+json"))
    assert data["name"] == NASTY


# -- helpers ---------------------------------------------------------------------------------------

def test_euros_and_fold():
    assert euros(368136) == "368 136 €"
    assert euros("1250.5") == "1 250,50 €"
    assert euros(None) == ""
    assert fold("Yhteisöllisen ÄÖÅ") == "yhteisollisen aoa"


# -- the HTML report -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    result, graph = built
    out = tmp_path_factory.mktemp("dist") / "report"
    write_report(result, out, graph)
    return write_html_report(result, graph, out)


def test_report_page(report):
    html = report.read_text(encoding="utf-8")
    page = parse_page(report)
    assert not page.errors, page.errors[:3]
    text = page_text(report)
    assert "kunnossa / conforms" in text
    assert html.count("<svg") == 4 and "<?xml" not in html
    assert "S21684" in text and "15/16" in text
    assert "role of ViaDia Mikkeli ry" in text
    for href in page.links:
        if internal(href):
            assert (report.parent / href).is_file(), href
    assert 'href="repairs.csv"' in html and 'href="coverage.csv"' in html
    assert "projects with a registry record" in text


def test_report_is_deterministic(built, report, tmp_path):
    result, graph = built
    again = write_html_report(result, graph, tmp_path)
    assert again.read_bytes() == report.read_bytes()


def test_report_page_shows_at_most_row_limit_rows_and_says_so(built, tmp_path, monkeypatch):
    from hankekg.publish import html_report

    result, graph = built
    repairs = sum(len(c.repairs) for c in result.cards)  # the seed card's 51 repairs
    assert repairs > 3
    monkeypatch.setattr(html_report, "ROW_LIMIT", 3)
    page = write_html_report(result, graph, tmp_path)
    text = page_text(page)
    assert f"OCR-korjaukset / OCR repairs ({repairs})" in text
    assert f"Showing the first 3 of {repairs}" in text
    section = page.read_text(encoding="utf-8").split('id="repairs"')[1].split("</section>")[0]
    assert section.count("<tr><td") == 3
