"""The SPARQL catalogue (queries/*.rq): headers, parsing, typed binding, injection, and the rows
of every query pinned on a hand-built graph.

The fixture tests/fixtures/queries/catalogue.ttl is written by hand; its header comment
tabulates the five projects. Every expected row below was worked out from that table (the
comment above each says how), not copied from a run. Each pinned case runs twice on rdflib,
once with ``initBindings`` and once with the parameters as a ``VALUES`` block
(:func:`bind_values`), and the two must give identical rows; where pyoxigraph is installed the
``VALUES`` text also runs on Oxigraph and must give the same rows again.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD
from rdflib.plugins.sparql import prepareQuery
from tests.support import REPO

from hankekg import paths
from hankekg.errors import QueryError
from hankekg.query import catalogue
from hankekg.query.catalogue import (
    Param,
    bind_values,
    get,
    load_catalogue,
    parse_header,
    term_sparql,
    to_term,
    values_block,
)

QUERY_FILES = sorted(paths.queries_dir().glob("*.rq"))
FIXTURE = REPO / "tests" / "fixtures" / "queries" / "catalogue.ttl"

ID = "https://w3id.org/hankekg/id/"
PROG = "https://w3id.org/hankekg/programme/2014FI16M2OP001/"
YSO = "http://www.yso.fi/onto/yso/"

ISSUE_QUESTIONS = {
    "projects-by-target-group", "funding-by-funder", "funding-by-region", "projects-active",
    "organisations-in-several-projects", "co-implementation-network", "projects-of-organisation",
    "projects-by-programme", "outputs-by-publisher-year", "outputs-with-isbn", "projects-without-outputs",
    "search", "timeline-start-year", "median-funding-by-target-group", "target-group-cooccurrence",
    "source-conflicts", "completeness-gaps", "link-coverage", "projects-in-region-for-target-group",
}

# The fixture's nodes, as simple() writes them.
P1, P2, P3, P4, P5 = (f"id:project/S1000{n}" for n in range(1, 6))
O1, O2, O3 = "id:organisation/0165116-3", "id:organisation/2551672-4", "id:organisation/0115776-3"
O4, O5 = "id:organisation/name/paakaupunkiseudun-nuorisoyhdistys-ry", "id:organisation/0211675-2"
A = "id:organisation/name/etela-savon-elinkeino-liikenne-ja-ymparistokeskus"
F = "id:organisation/name/sosiaali-ja-terveysministerio"
O1N, O2N, O3N = "Mikkelin kaupunki", "ViaDia Mikkeli ry", "Diakonia-ammattikorkeakoulu Oy"
O4N, O5N = "Pääkaupunkiseudun Nuorisoyhdistys ry", "Tampereen kaupunki"
AN, FN = "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus", "Sosiaali- ja terveysministeriö"
N1, N2, N3, N4, N5 = "Nuorten Polku", "Työtä ja osallisuutta", "Kohtaamo", "Perheiden ääni", "Asumisen tuki"
G_N, G_I = "id:target-group/nuoret", "id:target-group/itsenaisesti-asuvat-nuoret"
G_M, G_MP = "id:target-group/maahanmuuttajat", "id:target-group/maahanmuuttajaperheet"
G_P = "id:target-group/pitkaaikaistyottomat"
GN_N, GN_I, GN_M, GN_MP, GN_P = ("nuoret", "itsenäisesti asuvat nuoret", "maahanmuuttajat",
                                 "maahanmuuttajaperheet", "pitkäaikaistyöttömät")
R_ES, R_U = "id:region/FI1D1", "id:region/FI1B1"
AXIS5, AXIS9 = "prog:axis/5", "prog:axis/9"
OBJ101, OBJ124 = "prog:objective/10.1", "prog:objective/12.4"
MAIN, CO, ST, FUNDER = "päätoteuttaja", "osatoteuttaja", "tuen siirronsaaja", "rahoittaja"
S1_DATES = (date(2018, 1, 1), date(2019, 12, 31))
S2_DATES = (date(2019, 6, 1), date(2021, 5, 31))
S3_DATES = (date(2019, 9, 1), date(2020, 12, 31))
S4_DATES = (date(2021, 3, 1), date(2022, 8, 31))
S5_DATES = (date(2016, 9, 1), date(2018, 2, 28))

INJECTION = 'x" } ; DROP ALL ; #'

PINNED: set[str] = set()
"""Names of the queries a test below pins; a test checks every query is in it."""


def pins(name: str):
    """Mark a test as pinning the rows of query ``name``."""
    PINNED.add(name)
    return lambda f: f


def simple(term) -> object:
    """A term as a comparable Python value: IRIs shortened, numbers, dates and booleans as such."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term).replace(ID, "id:").replace(PROG, "prog:")
    if isinstance(term, Literal) and term.datatype in (XSD.integer, XSD.decimal, XSD.date, XSD.boolean):
        return term.toPython()
    return str(term)


def oxigraph_rows(text: str) -> list[tuple] | None:
    """The rows of ``text`` on Oxigraph over the fixture, or None without pyoxigraph."""
    try:
        import pyoxigraph as ox
    except ImportError:
        return None
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    result = store.query(text)
    names = [v.value for v in result.variables]

    def term(t):
        if t is None:
            return None
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=URIRef(t.datatype.value))

    return [tuple(simple(term(s[n])) for n in names) for s in result]


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    g.parse(FIXTURE, format="turtle")
    return g


def run(graph: Graph, name: str, /, **values: str) -> list[tuple]:
    """Rows of query ``name`` with typed parameters, checked to agree both ways of binding."""
    query = get(name)
    bindings = query.bindings(values)
    by_init = [tuple(simple(t) for t in row) for row in graph.query(query.text, initBindings=bindings)]
    bound_text = bind_values(query.text, bindings)
    if bindings:
        by_values = [tuple(simple(t) for t in row) for row in graph.query(bound_text)]
        assert by_values == by_init, f"{name}: VALUES block and initBindings disagree"
    on_oxigraph = oxigraph_rows(bound_text)
    if on_oxigraph is not None:
        assert on_oxigraph == by_init, f"{name}: Oxigraph and rdflib disagree"
    return by_init


def body(text: str) -> str:
    """The query without its comment lines."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


# ---------------------------------------------------------------------------------------
# Every file: parses, has a complete header, uses its parameters properly
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.name for p in QUERY_FILES])
def test_query_parses(path: Path):
    prepareQuery(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.name for p in QUERY_FILES])
def test_query_header_is_complete(path: Path):
    text = path.read_text(encoding="utf-8")
    header = parse_header(text, path)
    assert header.title_fi.strip() and header.title_en.strip() and len(header.description) > 40
    assert header.title_fi != header.title_en
    for p in header.params:
        assert p.type in catalogue.TYPES and p.description


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.name for p in QUERY_FILES])
def test_query_uses_its_parameters_as_variables_never_assigned(path: Path):
    text = path.read_text(encoding="utf-8")
    query = body(text)
    for p in parse_header(text, path).params:
        assert re.search(rf"[?$]{p.name}\b", query), f"?{p.name} does not occur in the query"
        # BIND(… AS ?p) or (… AS ?p) would clash with a VALUES block binding ?p
        assert not re.search(rf"\bAS\s+[?$]{p.name}\b", query, re.IGNORECASE), f"?{p.name} is assigned"


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.name for p in QUERY_FILES])
def test_query_form_is_found_despite_the_comments(path: Path):
    # query_form() skips quoted text before comments, so an odd number of apostrophes in the
    # comments ("the project's name") would hide the SELECT from it and the stores refuse the query
    from hankekg.query.port import query_form

    assert query_form(path.read_text(encoding="utf-8")) == "SELECT"


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.name for p in QUERY_FILES])
def test_query_is_ordered_and_portable(path: Path):
    query = body(path.read_text(encoding="utf-8"))
    assert re.search(r"\bORDER\s+BY\b", query), "results must be deterministic"
    assert not re.search(r"\b(?:text|bif|ofn|fn|afn|apf|spif):", query), "store-specific function"


def test_catalogue_has_every_question_of_the_issue():
    names = [q.name for q in load_catalogue()]
    assert names == sorted(names)
    assert ISSUE_QUESTIONS <= set(names)


def test_every_query_is_pinned_on_the_fixture():
    assert {q.name for q in load_catalogue()} == PINNED


def test_get_unknown_query_names_the_known_ones():
    with pytest.raises(QueryError) as e:
        get("no-such-question")
    assert "no-such-question" in str(e.value) and "projects-by-target-group" in str(e.value)


def test_completeness_gaps_checks_what_the_completeness_shapes_expect():
    """One flag per shape of shapes/completeness.ttl, named as the shape and on its path."""
    shapes = Graph().parse(paths.shapes_dir() / "completeness.ttl")
    text = get("completeness-gaps").text
    names = []
    for shape in shapes.subjects(SH.path, None):
        name = str(shapes.value(shape, SH.name))
        names.append(name)
        path = shapes.value(shape, SH.path)
        steps = list(Collection(shapes, path)) if (path, None, None) in shapes else [path]
        path_pattern = "/".join(r"\w+:" + re.escape(re.split(r"[#/]", str(s))[-1]) for s in steps)
        assert f'"{name}, "' in text, name
        assert re.search(rf"\?project {path_pattern} \?v\d\d", text), (name, path_pattern)
    assert len(names) == 16 and "BIND(16 - ?missing" in text


# ---------------------------------------------------------------------------------------
# The header format
# ---------------------------------------------------------------------------------------

GOOD_HEADER = """#title-fi: Kohderyhmän hankkeet
#title-en: Projects for a target group
#description: Projects whose target groups include the given concept
#    or anything narrower.
#param: target_group iri = <https://w3id.org/hankekg/id/target-group/nuoret> | the target group
#param: year integer | a year; leave out for all years
#param: word string = "osallisuus" | a word

SELECT ?x WHERE { ?x ?target_group ?year ; ?p ?word }
"""


def test_parse_header_reads_titles_continuations_params_and_defaults():
    h = parse_header(GOOD_HEADER, "q.rq")
    assert (h.title_fi, h.title_en) == ("Kohderyhmän hankkeet", "Projects for a target group")
    assert h.description == "Projects whose target groups include the given concept or anything narrower."
    assert h.params == (
        Param("target_group", "iri", "https://w3id.org/hankekg/id/target-group/nuoret", "the target group"),
        Param("year", "integer", None, "a year; leave out for all years"),
        Param("word", "string", "osallisuus", "a word"),
    )


@pytest.mark.parametrize(("text", "line", "words"), [
    ("#title-en: T\n#description: D\n\nSELECT * WHERE {}", 2, "title-fi"),
    ("#title-fi: T\n#title-en: E\n#description: D\n#param: year integr | y\nSELECT * WHERE {}", 4, "integr"),
    ("#title-fi: T\n#title-en: E\n#description: D\n#param: year integer\n", 4, "NAME TYPE"),
    ("#title-fi: T\n#title-en: E\n#description: D\n#param: 2x string | y\n", 4, "variable name"),
    ("#title-fi: T\n#title-en: E\n#description: D\n#param: y year = 20 | y\n", 4, "a year"),
    ("#title-fi: T\n#title-en: E\n#description: D\n#param: y date | y\n#param: y date | z\n", 5, "twice"),
    ("#title-fi: T\n#title: E\n", 2, "unknown header key"),
    ("#title-fi: T\n#title-fi: U\n", 2, "twice"),
    ("#title-fi: T\n#not a key\n", 2, "neither"),
])
def test_parse_header_errors_name_file_and_line(text: str, line: int, words: str):
    with pytest.raises(QueryError) as e:
        parse_header(text, "queries/bad.rq")
    assert (e.value.path, e.value.line) == ("queries/bad.rq", line)
    assert words in str(e.value) and str(e.value).startswith(f"queries/bad.rq:{line}:")


def test_query_bindings_fill_defaults_and_reject_unknown_names():
    q = catalogue.Query("q", Path("q.rq"), "t", "t", "d", parse_header(GOOD_HEADER).params, GOOD_HEADER)
    assert q.bindings({"year": "2020"}) == {
        "target_group": URIRef("https://w3id.org/hankekg/id/target-group/nuoret"),
        "year": Literal(2020),
        "word": Literal("osallisuus"),
    }
    with pytest.raises(QueryError, match="no parameter 'yaer'.*target_group, year, word"):
        q.bindings({"yaer": "2020"})


# ---------------------------------------------------------------------------------------
# Typed values
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("type_", "value", "term"), [
    ("iri", "https://w3id.org/hankekg/id/project/S21684", URIRef(ID + "project/S21684")),
    ("iri", "<http://www.yso.fi/onto/yso/p11617>", URIRef(YSO + "p11617")),
    ("iri", "urn:isbn:978-952-344-388-4", URIRef("urn:isbn:978-952-344-388-4")),
    ("string", " Etelä-Savo ", Literal(" Etelä-Savo ")),
    ("integer", "2020", Literal(2020)),
    ("integer", "-3", Literal(-3)),
    ("decimal", "368136.50", Literal(Decimal("368136.50"))),
    ("date", "2020-02-29", Literal(date(2020, 2, 29))),
    ("year", "2019", Literal("2019", datatype=XSD.gYear)),
    ("boolean", "True", Literal(True)),
    ("boolean", "no", Literal(False)),
])
def test_to_term_gives_typed_terms(type_: str, value: str, term):
    got = to_term(Param("p", type_, None, "d"), value)
    assert got == term and type(got) is type(term)
    if isinstance(term, Literal):
        assert got.datatype == term.datatype


@pytest.mark.parametrize(("type_", "value"), [
    ("iri", "S21684"), ("iri", "ftp://x/y"), ("iri", "http://a b"), ("iri", "http://x/> } DROP ALL {"),
    ("iri", 'http://x/"y'), ("iri", "http://x/{y}"), ("iri", "http://x/a|b"), ("iri", "http://x/^"),
    ("iri", "http://x/`"), ("iri", "http://x/\\"), ("integer", "20.5"), ("integer", "kaksi"),
    ("decimal", "1,5"), ("decimal", "1e3"), ("date", "2020-02-30"), ("date", "1.2.2020"),
    ("year", "20"), ("year", "2020-01"), ("boolean", "maybe"),
])
def test_to_term_rejects_bad_values_naming_the_parameter(type_: str, value: str):
    with pytest.raises(QueryError, match=r"^parameter wanted: "):
        to_term(Param("wanted", type_, None, "d"), value)


# ---------------------------------------------------------------------------------------
# VALUES blocks and injection
# ---------------------------------------------------------------------------------------


def test_values_block_writes_each_term_once_escaped():
    block = values_block({"s": Literal('a"b\\c\nd\re'), "i": URIRef(ID + "x"),
                          "l": Literal("ääni", lang="fi"), "n": Literal(Decimal("1.5"))})
    assert block == ('VALUES (?s ?i ?l ?n) { ("a\\"b\\\\c\\nd\\re" <https://w3id.org/hankekg/id/x> "ääni"@fi '
                     '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>) }')
    assert values_block({}) == ""


@pytest.mark.parametrize("bad", [URIRef("http://x/> } ; DROP ALL ; <http://y"), URIRef("http://a b")])
def test_iri_terms_that_could_break_out_are_refused(bad: URIRef):
    with pytest.raises(QueryError):
        term_sparql(bad)


def test_only_iris_and_literals_can_be_bound():
    from rdflib import BNode, Variable
    for term in (BNode("b"), Variable("x")):
        with pytest.raises(QueryError):
            values_block({"x": term})
    with pytest.raises(QueryError):
        values_block({"not a name": Literal(1)})


@pytest.mark.parametrize("value", [
    INJECTION, 'a"b\\c\nd\re\tf\bg\fh', "} } }", '"""', "'''x'''", "#", "ääni", "\\u0022 } #",
    "\\U00000022\\", "\\\\u0022", "x\\", "\x01\x7f",
])
def test_bound_strings_come_back_unchanged(value: str):
    """Whatever the text, a bound string is one literal: the query returns it as it was given."""
    text = bind_values("SELECT ?s WHERE { }", {"s": Literal(value)})
    rows = [tuple(r) for r in Graph().query(text)]
    assert rows == [(Literal(value),)]
    try:
        import pyoxigraph as ox
    except ImportError:
        return
    assert [s["s"].value for s in ox.Store().query(text)] == [value]


def test_bind_values_goes_after_the_first_real_where_brace():
    text = ('# a comment: WHERE { not here\nPREFIX ex: <http://example.org/WHERE>\n'
            'SELECT ?s ("WHERE {" AS ?t) (\'where {\' AS ?u) where{ { SELECT ?s WHERE { ?s ?p ?o } } }')
    bound = bind_values(text, {"s": URIRef("http://example.org/a")})
    assert bound.startswith(text[:text.index("where{") + len("where{")] + "\n  VALUES (?s) {")
    assert bound.count("VALUES") == 1
    prepareQuery(bound)


def test_bind_values_without_where_is_an_error():
    with pytest.raises(QueryError, match="WHERE"):
        bind_values("DESCRIBE <http://example.org/a>", {"s": Literal(1)})
    assert bind_values("DESCRIBE <http://example.org/a>", {}) == "DESCRIBE <http://example.org/a>"


@pins("search")
def test_injection_is_a_string_that_matches_nothing(graph: Graph):
    # The whole text is one keyword literal; no project field contains it.
    assert run(graph, "search", keyword=INJECTION) == []
    bound = bind_values(get("search").text, get("search").bindings({"keyword": INJECTION}))
    assert 'VALUES (?keyword) { ("x\\" } ; DROP ALL ; #") }' in bound
    assert prepareQuery(bound).algebra.name == "SelectQuery"  # still one SELECT, nothing else


# ---------------------------------------------------------------------------------------
# Every query's rows on the fixture, worked out by hand from its header table
# ---------------------------------------------------------------------------------------


@pins("projects-by-target-group")
def test_projects_by_target_group(graph: Graph):
    # Columns: code name groupName funderName start end project group funder.
    # nuoret: named directly by S10001–S10003; itsenäisesti asuvat nuoret (skos:broader nuoret) by
    # S10001 and S10005. Funders: S10001 A; S10002 A and F (F's grant has no amount but counts);
    # S10003 F; S10005 A (responsible authority only). One row per project, group and funder.
    nuoret = [
        ("S10001", N1, GN_I, AN, *S1_DATES, P1, G_I, A),
        ("S10001", N1, GN_N, AN, *S1_DATES, P1, G_N, A),
        ("S10002", N2, GN_N, AN, *S2_DATES, P2, G_N, A),
        ("S10002", N2, GN_N, FN, *S2_DATES, P2, G_N, F),
        ("S10003", N3, GN_N, FN, *S3_DATES, P3, G_N, F),
        ("S10005", N5, GN_I, AN, *S5_DATES, P5, G_I, A),
    ]
    assert run(graph, "projects-by-target-group", target_group=ID + "target-group/nuoret") == nuoret
    # YSO nuoret p11617 is nuoret's exactMatch, so the same groups match through it.
    assert run(graph, "projects-by-target-group", target_group=YSO + "p11617") == nuoret
    # YSO maahanmuuttajat p6165: maahanmuuttajat (exactMatch; S10003, S10005) and
    # maahanmuuttajaperheet (broadMatch; S10004, funded by A and F).
    assert run(graph, "projects-by-target-group", target_group=YSO + "p6165") == [
        ("S10003", N3, GN_M, FN, *S3_DATES, P3, G_M, F),
        ("S10004", N4, GN_MP, AN, *S4_DATES, P4, G_MP, A),
        ("S10004", N4, GN_MP, FN, *S4_DATES, P4, G_MP, F),
        ("S10005", N5, GN_M, AN, *S5_DATES, P5, G_M, A),
    ]
    # nuoret in 2020: of the six rows only S10002 (2019–2021) and S10003 (2019–2020) run in 2020.
    assert run(graph, "projects-by-target-group", target_group=YSO + "p11617", year="2020") == [
        row for row in nuoret if row[0] in ("S10002", "S10003")]
    # A concept nothing narrower than, and a year no project runs in, give nothing.
    assert run(graph, "projects-by-target-group", target_group=YSO + "p2433") == []
    assert run(graph, "projects-by-target-group", year="2030") == []
    # Unbound: every project × its own groups × its funders: S10001 3×1, S10002 2×2, S10003 3×1,
    # S10004 2×2, S10005 2×1 = 16 rows.
    assert len(run(graph, "projects-by-target-group")) == 16


@pins("funding-by-funder")
def test_funding_by_funder(graph: Graph):
    # Columns: funderName projects projectsWithAmount realisedFunding funder.
    # A: grants on S10001, S10002, S10004 and responsible authority of S10005 → 4 projects;
    #    amounts 100000 + 250000 + 200000 = 550000 on 3 of them.
    # F: grants on S10002 (no amount), S10003, S10004; authority of S10003 → 3 projects;
    #    amounts 300000 + 100000 = 400000 on 2 of them.
    a = (AN, 4, 3, Decimal(550000), A)
    f = (FN, 3, 2, Decimal(400000), F)
    assert run(graph, "funding-by-funder") == [a, f]
    assert run(graph, "funding-by-funder", funder=ID + F[3:]) == [f]


@pins("funding-by-region")
def test_funding_by_region(graph: Graph):
    # Columns: regionName nuts projects projectsWithAmount realisedFunding region.
    # Etelä-Savo: S10001 100000 + S10002 250000 + S10004 (200000 + 100000) = 650000, 3 projects.
    # Uusimaa: S10003 300000. S10005 has no region; O1's own region is not a project's.
    es = ("Etelä-Savo", "FI1D1", 3, 3, Decimal(650000), R_ES)
    u = ("Uusimaa", "FI1B1", 1, 1, Decimal(300000), R_U)
    assert run(graph, "funding-by-region") == [es, u]
    assert run(graph, "funding-by-region", region=ID + "region/FI1B1") == [u]


@pins("projects-active")
def test_projects_active(graph: Graph):
    # Columns: code name start end regionName status project; ordered by start.
    s1 = ("S10001", N1, *S1_DATES, "Etelä-Savo", None, P1)
    s2 = ("S10002", N2, *S2_DATES, "Etelä-Savo", None, P2)
    s3 = ("S10003", N3, *S3_DATES, "Uusimaa", None, P3)
    s4 = ("S10004", N4, *S4_DATES, "Etelä-Savo", "Toiminta käynnissä", P4)
    s5 = ("S10005", N5, *S5_DATES, None, "Toiminta päättynyt", P5)
    assert run(graph, "projects-active") == [s5, s1, s2, s3, s4]
    # 2020: S10002 (2019-06 – 2021-05) and S10003 (2019-09 – 2020-12).
    assert run(graph, "projects-active", year="2020") == [s2, s3]
    # 2018: S10001 starts, S10005 ends (2018-02-28).
    assert run(graph, "projects-active", year="2018") == [s5, s1]
    # 2019-12-31 is S10001's last day; S10002 and S10003 are running.
    assert run(graph, "projects-active", date="2019-12-31") == [s1, s2, s3]
    # 2020-01-01: S10001 has ended.
    assert run(graph, "projects-active", date="2020-01-01") == [s2, s3]
    # Both: in 2021 and on 2021-04-01: S10002 (to 2021-05-31) and S10004 (from 2021-03-01).
    assert run(graph, "projects-active", year="2021", date="2021-04-01") == [s2, s4]
    assert run(graph, "projects-active", year="2015") == []


@pins("organisations-in-several-projects")
def test_organisations_in_several_projects(graph: Graph):
    # Columns: organisationName businessId projects code projectName role organisation project.
    # O1 in S10001, S10002, S10004; O2 in the same three (two roles in S10001); O3 in S10003 and
    # S10005; O4 (S10003 only) and O5 (S10002 only) are left out. 3 + 4 + 2 rows.
    o1 = [(O1N, "0165116-3", 3, "S10001", N1, MAIN, O1, P1), (O1N, "0165116-3", 3, "S10002", N2, MAIN, O1, P2),
          (O1N, "0165116-3", 3, "S10004", N4, ST, O1, P4)]
    o2 = [(O2N, "2551672-4", 3, "S10001", N1, CO, O2, P1), (O2N, "2551672-4", 3, "S10001", N1, ST, O2, P1),
          (O2N, "2551672-4", 3, "S10002", N2, CO, O2, P2), (O2N, "2551672-4", 3, "S10004", N4, MAIN, O2, P4)]
    o3 = [(O3N, "0115776-3", 2, "S10003", N3, MAIN, O3, P3), (O3N, "0115776-3", 2, "S10005", N5, MAIN, O3, P5)]
    assert run(graph, "organisations-in-several-projects") == o1 + o2 + o3
    assert run(graph, "organisations-in-several-projects", organisation=ID + O2[3:]) == o2
    assert run(graph, "organisations-in-several-projects", organisation=ID + O4[3:]) == []


@pins("co-implementation-network")
def test_co_implementation_network(graph: Graph):
    # Columns: organisationName1 organisationName2 sharedProjects organisation1 organisation2;
    # each pair ordered by IRI (…/0115776-3 < …/0165116-3 < …/0211675-2 < …/2551672-4 < …/name/…).
    # S10001 {O1, O2}; S10002 {O1, O2, O5}; S10003 {O3, O4}; S10004 {O1, O2}; S10005 {O3}.
    # O1–O2 share S10001, S10002, S10004 = 3; O1–O5, O5–O2 share S10002; O3–O4 share S10003.
    assert run(graph, "co-implementation-network") == [
        (O1N, O2N, 3, O1, O2),
        (O3N, O4N, 1, O3, O4),
        (O1N, O5N, 1, O1, O5),
        (O5N, O2N, 1, O5, O2),
    ]


@pins("projects-of-organisation")
def test_projects_of_organisation(graph: Graph):
    # Columns: organisationName businessId role code projectName start end organisation project.
    o1 = [(O1N, "0165116-3", MAIN, "S10001", N1, *S1_DATES, O1, P1),
          (O1N, "0165116-3", MAIN, "S10002", N2, *S2_DATES, O1, P2),
          (O1N, "0165116-3", ST, "S10004", N4, *S4_DATES, O1, P4)]
    assert run(graph, "projects-of-organisation", business_id="0165116-3") == o1
    assert run(graph, "projects-of-organisation", organisation=ID + O1[3:]) == o1
    # "viadia" in any case finds O2: S10001 as co-implementer and support transferee, S10002, S10004.
    assert run(graph, "projects-of-organisation", name="VIADIA") == [
        (O2N, "2551672-4", CO, "S10001", N1, *S1_DATES, O2, P1),
        (O2N, "2551672-4", ST, "S10001", N1, *S1_DATES, O2, P1),
        (O2N, "2551672-4", CO, "S10002", N2, *S2_DATES, O2, P2),
        (O2N, "2551672-4", MAIN, "S10004", N4, *S4_DATES, O2, P4),
    ]
    # "etela-savon ely" without ä matches A's alternative name "Etelä-Savon ELY-keskus"; A funds
    # S10001, S10002, S10004 and is the authority of S10005: four rows as rahoittaja.
    assert run(graph, "projects-of-organisation", name="etela-savon ely") == [
        (AN, None, FUNDER, "S10001", N1, *S1_DATES, A, P1),
        (AN, None, FUNDER, "S10002", N2, *S2_DATES, A, P2),
        (AN, None, FUNDER, "S10004", N4, *S4_DATES, A, P4),
        (AN, None, FUNDER, "S10005", N5, *S5_DATES, A, P5),
    ]
    # Business ID and a name that disagree: nothing.
    assert run(graph, "projects-of-organisation", business_id="0165116-3", name="viadia") == []
    # Unbound: all roles (3 + 3 + 2 + 2 + 1 = 11) and funder rows (A 4, F 3) = 18.
    assert len(run(graph, "projects-of-organisation")) == 18


@pins("projects-by-programme")
def test_projects_by_programme(graph: Graph):
    # Columns: axisNotation axisName objectiveNotation objectiveName projects projectsWithAmount
    # realisedFunding axis objective.
    # Axis 5 without objective: S10003 300000. Axis 5 / 10.1: S10001 100000 + S10002 250000 +
    # S10004 300000 = 650000. Axis 9 / 12.4: S10005, no amount.
    axis5 = "Sosiaalinen osallisuus ja köyhyyden torjunta"
    rows = [
        ("5", axis5, None, None, 1, 1, Decimal(300000), AXIS5, None),
        ("5", axis5, "10.1", "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
         3, 3, Decimal(650000), AXIS5, OBJ101),
        ("9", "REACT-EU:n ESR-toimenpiteet", "12.4", "Yritysten ja yrittäjien muutoskyvykkyyden lisääminen",
         1, 0, 0, AXIS9, OBJ124),
    ]
    assert run(graph, "projects-by-programme") == rows
    assert run(graph, "projects-by-programme", axis=PROG + "axis/5") == rows[:2]


@pins("outputs-by-publisher-year")
def test_outputs_by_publisher_year(graph: Graph):
    # Columns: publisherName issued title code output outputPublisher.
    # Six outputs; S10003's "Muistiinpanot" has neither publisher nor year and comes first.
    none = (None, None, "Muistiinpanot", "S10003", P3 + "/output/2", None)
    diak = [(O3N, "2020", "Kohtaamisen käsikirja", "S10003", P3 + "/output/1", O3),
            (O3N, "2020", "Loppuraportti", "S10002", P2 + "/output/1", O3)]
    mikkeli = [(O1N, "2019", "Nuorten opas", "S10001", P1 + "/output/1", O1),
               (O1N, "2019", "Toimintamalli", "S10001", P1 + "/output/2", O1)]
    viadia = [(O2N, "2021", "Podcast", "S10004", P4 + "/output/1", O2)]
    assert run(graph, "outputs-by-publisher-year") == [none, *diak, *mikkeli, *viadia]
    assert run(graph, "outputs-by-publisher-year", publisher=ID + O3[3:]) == diak
    assert run(graph, "outputs-by-publisher-year", year="2019") == mikkeli
    assert run(graph, "outputs-by-publisher-year", year="2020", publisher=ID + O1[3:]) == []


@pins("outputs-with-isbn")
def test_outputs_with_isbn(graph: Graph):
    # Columns: code title isbn urn publisherName issued output.
    # S10001/1 has ISBN and URN:ISBN; S10002/1 only a URN:NBN; S10003/1 only an ISBN.
    assert run(graph, "outputs-with-isbn") == [
        ("S10001", "Nuorten opas", "978-952-344-388-4", "https://urn.fi/URN:ISBN:978-952-344-388-4", O1N,
         "2019", P1 + "/output/1"),
        ("S10002", "Loppuraportti", None, "https://urn.fi/URN:NBN:fi:amk-2020123456", O3N, "2020",
         P2 + "/output/1"),
        ("S10003", "Kohtaamisen käsikirja", "978-952-00-1234-2", None, O3N, "2020", P3 + "/output/1"),
    ]


@pins("projects-without-outputs")
def test_projects_without_outputs(graph: Graph):
    # Columns: code name hasCard hasRegistryRecord project. Only S10005, known from the registry alone.
    assert run(graph, "projects-without-outputs") == [("S10005", N5, False, True, P5)]


@pins("search")
def test_search(graph: Graph):
    # Columns: code name field excerpt project.
    # "aani" (no ä) and "ÄÄNI" both fold to "aani": S10004's name "Perheiden ääni" and summary
    # "Maahanmuuttajaperheiden ÄÄNI kuuluviin".
    aani = [("S10004", N4, "name", "Perheiden ääni", P4),
            ("S10004", N4, "summary", "Maahanmuuttajaperheiden ÄÄNI kuuluviin", P4)]
    assert run(graph, "search", keyword="aani") == aani
    assert run(graph, "search", keyword="ÄÄNI") == aani
    # "kohtaamisen": S10003's goals (in capitals) and its output title.
    assert run(graph, "search", keyword="kohtaamisen") == [
        ("S10003", N3, "goals", "Kehittää KOHTAAMISEN malleja", P3),
        ("S10003", N3, "output", "Kohtaamisen käsikirja", P3),
    ]
    # "tyollistymis" (ö typed as o) is only in S10002's summary.
    assert run(graph, "search", keyword="tyollistymis") == [
        ("S10002", N2, "summary", "Pitkäaikaistyöttömien työllistymisen tukeminen", P2)]
    # Background text is not searched: "asunnottomuus" is only in S10001's background.
    assert run(graph, "search", keyword="asunnottomuus") == []
    # Unbound: every searched field: names 5, summaries 4 (S10001, S10002, S10004, S10005),
    # goals 3, methods 3, results 3, outputs 6 = 24.
    assert len(run(graph, "search")) == 24


@pins("timeline-start-year")
def test_timeline_start_year(graph: Graph):
    # Columns: startYear projects projectsWithAmount realisedFunding.
    # 2016 S10005 (no amount); 2018 S10001 100000; 2019 S10002 250000 + S10003 300000;
    # 2021 S10004 200000 + 100000.
    assert run(graph, "timeline-start-year") == [
        (2016, 1, 0, 0),
        (2018, 1, 1, Decimal(100000)),
        (2019, 2, 2, Decimal(550000)),
        (2021, 1, 1, Decimal(300000)),
    ]


@pins("median-funding-by-target-group")
def test_median_funding_by_target_group(graph: Graph):
    # Columns: targetGroupName projects medianFunding target_group.
    # Project totals: S10001 100000, S10002 250000, S10003 300000, S10004 300000; S10005 none.
    # itsenäisesti asuvat nuoret: S10001 (S10005 unfunded) → n = 1, median 100000.
    # maahanmuuttajaperheet: S10004 → 300000.  maahanmuuttajat: S10003 (S10005 unfunded) → 300000.
    # nuoret: 100000, 250000, 300000 → odd n = 3, the middle one: 250000.
    # pitkäaikaistyöttömät: 100000, 250000, 300000, 300000 → even n = 4, the mean of the 2nd and 3rd:
    #   (250000 + 300000) / 2 = 275000 (the tie at 300000 must not count twice).
    pitka = (GN_P, 4, Decimal(275000), G_P)
    assert run(graph, "median-funding-by-target-group") == [
        (GN_I, 1, Decimal(100000), G_I),
        (GN_MP, 1, Decimal(300000), G_MP),
        (GN_M, 1, Decimal(300000), G_M),
        (GN_N, 3, Decimal(250000), G_N),
        pitka,
    ]
    assert run(graph, "median-funding-by-target-group", target_group=ID + G_P[3:]) == [pitka]


def _median_graph() -> tuple[Graph, dict[str, list[Decimal]]]:
    """A graph whose target groups stress the bucketed ranking of median-funding-by-target-group.

    Returns the graph and, per target group IRI, the funding of each of its funded projects.
    """
    import random

    from rdflib.namespace import DCTERMS, RDF, SKOS

    eurio = "http://data.europa.eu/s66#"
    rng = random.Random(7)
    spread = [Decimal(rng.randint(10_000, 2_500_000)) for _ in range(101)] + [Decimal(50_000_000)]
    groups: dict[str, list[list[Decimal]]] = {
        "single": [[Decimal(5000)]],
        "all-equal": [[Decimal(120000)]] * 5,
        # many ties, the smallest value several times, an even count
        "ties": [[Decimal(rng.choice((100000, 100000, 150000, 150000, 150000, 200000, 400000)))] for _ in range(40)],
        # an odd count, spread out, with one far outlier that squeezes the rest into the low buckets
        "spread": [[v] for v in spread],
        # cents, projects with two grants (their sum counts), a project with no amount, even count
        "decimals": [[Decimal("1500.50")], [Decimal("1500.25"), Decimal("0.25")], [Decimal("99.99")],
                     [Decimal("250000.10")], [Decimal("1500.75")], [Decimal(7)], [], [Decimal("1500.50")]],
        "negative": [[Decimal(-100)], [Decimal(0)], [Decimal(300)]],
        # the middle in the lowest bucket, among copies of the smallest value
        "low-heavy": [[Decimal(10)], [Decimal(10)], [Decimal(10)], [Decimal(11)], [Decimal(1000)]],
    }
    g = Graph()
    expected: dict[str, list[Decimal]] = {}
    n = 0
    for name, projects in groups.items():
        group = URIRef(f"{ID}target-group/{name}")
        g.add((group, SKOS.prefLabel, Literal(name, lang="fi")))
        expected[str(group)] = []
        for amounts in projects:
            n += 1
            project = URIRef(f"{ID}project/M{n}")
            g.add((project, RDF.type, URIRef(eurio + "Project")))
            g.add((project, DCTERMS.audience, group))
            for k, eur in enumerate(amounts):
                grant, amount = URIRef(f"{project}/grant/{k}"), URIRef(f"{project}/grant/{k}/amount")
                g.add((project, URIRef(eurio + "isFundedBy"), grant))
                g.add((grant, URIRef(eurio + "hasFundingAmount"), amount))
                g.add((amount, URIRef(eurio + "value"), Literal(eur, datatype=XSD.decimal)))
            if amounts:
                expected[str(group)].append(sum(amounts))
    # a project in two groups counts in both
    both = URIRef(f"{ID}project/M1")
    g.add((both, DCTERMS.audience, URIRef(f"{ID}target-group/ties")))
    expected[f"{ID}target-group/ties"].append(Decimal(5000))
    return g, expected


def test_median_funding_equals_the_plain_median_on_many_projects():
    """The buckets only speed the ranking up: the medians are those of the sorted fundings."""
    g, fundings = _median_graph()
    want = {}
    for group, values in fundings.items():
        values = sorted(values)
        mid = len(values) // 2
        want[group] = (len(values), values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2)
    text = get("median-funding-by-target-group").text
    got = {str(r[3]): (int(r[1]), Decimal(str(r[2]))) for r in g.query(text)}
    assert got == want
    try:
        import pyoxigraph as ox
    except ImportError:
        return
    store = ox.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    on_oxigraph = {s["target_group"].value: (int(s["projects"].value), Decimal(s["medianFunding"].value))
                   for s in store.query(text)}
    assert on_oxigraph == want
    one = f"{ID}target-group/spread"
    bound = bind_values(text, {"target_group": URIRef(one)})
    assert [(int(s["projects"].value), Decimal(s["medianFunding"].value)) for s in store.query(bound)] == [want[one]]


@pins("target-group-cooccurrence")
def test_target_group_cooccurrence(graph: Graph):
    # Columns: targetGroupName1 targetGroupName2 projects targetGroup1 targetGroup2.
    # Pairs per project: S10001 {I,N},{I,P},{N,P}; S10002 {N,P}; S10003 {M,N},{M,P},{N,P};
    # S10004 {MP,P}; S10005 {I,M}. nuoret + pitkäaikaistyöttömät 3 times, the rest once.
    assert run(graph, "target-group-cooccurrence") == [
        (GN_N, GN_P, 3, G_N, G_P),
        (GN_I, GN_M, 1, G_I, G_M),
        (GN_I, GN_N, 1, G_I, G_N),
        (GN_I, GN_P, 1, G_I, G_P),
        (GN_MP, GN_P, 1, G_MP, G_P),
        (GN_M, GN_N, 1, G_M, G_N),
        (GN_M, GN_P, 1, G_M, G_P),
    ]


@pins("source-conflicts")
def test_source_conflicts(graph: Graph):
    # Columns: code name field cardValue registryValue resolution project conflict.
    s4 = ("S10004", N4, "role of Mikkelin kaupunki", "osatoteuttaja", "tuen siirronsaaja",
          "both kept, each with its source", P4, P4 + "/conflict/1")
    assert run(graph, "source-conflicts") == [
        ("S10002", N2, "end", "2021-05-31", "2021-06-30", "card kept", P2, P2 + "/conflict/1"),
        s4,
    ]
    assert run(graph, "source-conflicts", project=ID + P4[3:]) == [s4]
    assert run(graph, "source-conflicts", project=ID + P1[3:]) == []


@pins("completeness-gaps")
def test_completeness_gaps(graph: Graph):
    # Columns: code name missing filled missingFields project; 16 fields in all.
    # S10001 has all 16 (left out). S10005: no funders/funding, background, goals, method, outputs,
    # results, dissemination, practices, notes = 10. S10004: background, goals, method,
    # dissemination, practices, notes = 6. S10002: background, results, dissemination, practices,
    # notes = 5. S10003: dissemination, practices, notes, registry link = 4.
    s3 = ("S10003", N3, 4, 12, "dissemination, practices, notes, registry_link", P3)
    assert run(graph, "completeness-gaps") == [
        ("S10005", N5, 10, 6, ("funders, funding_eur, background, goals, method, outputs, results, "
                               "dissemination, practices, notes"), P5),
        ("S10004", N4, 6, 10, "background, goals, method, dissemination, practices, notes", P4),
        ("S10002", N2, 5, 11, "background, results, dissemination, practices, notes", P2),
        s3,
    ]
    assert run(graph, "completeness-gaps", project=ID + P3[3:]) == [s3]
    assert run(graph, "completeness-gaps", project=ID + P1[3:]) == []


@pins("link-coverage")
def test_link_coverage(graph: Graph):
    # Columns: code hasCard hasRegistryRecord hasKohesioItem kohesioItem outputs outputsWithIsbn project.
    # Cards: S10001–S10004; registry: all but S10003; Kohesio: S10001, S10004;
    # outputs 2/1/2/1/0, with ISBN 1/0/1/0/0 (S10002's URN:NBN is no ISBN).
    kg = "https://linkedopendata.eu/entity/"
    assert run(graph, "link-coverage") == [
        ("S10001", True, True, True, kg + "Q1000001", 2, 1, P1),
        ("S10002", True, True, False, None, 1, 0, P2),
        ("S10003", True, False, False, None, 2, 1, P3),
        ("S10004", True, True, True, kg + "Q1000004", 1, 0, P4),
        ("S10005", False, True, False, None, 0, 0, P5),
    ]


@pins("projects-in-region-for-target-group")
def test_projects_in_region_for_target_group(graph: Graph):
    # Columns: regionName nuts code name groupName start end region project group.
    es, u = ("Etelä-Savo", "FI1D1"), ("Uusimaa", "FI1B1")
    # Etelä-Savo (S10001, S10002, S10004) × nuoret: S10001 through both of its youth groups, S10002.
    assert run(graph, "projects-in-region-for-target-group", region=ID + "region/FI1D1",
               target_group=ID + "target-group/nuoret") == [
        (*es, "S10001", N1, GN_I, *S1_DATES, R_ES, P1, G_I),
        (*es, "S10001", N1, GN_N, *S1_DATES, R_ES, P1, G_N),
        (*es, "S10002", N2, GN_N, *S2_DATES, R_ES, P2, G_N),
    ]
    # YSO maahanmuuttajat: in Etelä-Savo S10004 (maahanmuuttajaperheet, broadMatch), in Uusimaa
    # S10003 (maahanmuuttajat, exactMatch); S10005 has no region.
    assert run(graph, "projects-in-region-for-target-group", region=ID + "region/FI1D1",
               target_group=YSO + "p6165") == [(*es, "S10004", N4, GN_MP, *S4_DATES, R_ES, P4, G_MP)]
    assert run(graph, "projects-in-region-for-target-group", target_group=YSO + "p6165") == [
        (*es, "S10004", N4, GN_MP, *S4_DATES, R_ES, P4, G_MP),
        (*u, "S10003", N3, GN_M, *S3_DATES, R_U, P3, G_M),
    ]
    # Uusimaa alone: S10003's three groups.
    assert [row[4] for row in run(graph, "projects-in-region-for-target-group",
                                  region=ID + "region/FI1B1")] == [GN_M, GN_N, GN_P]


# ---------------------------------------------------------------------------------------
# The real build: the seed card and the registry samples in data/
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_graph() -> Graph:
    from hankekg.pipeline import build
    from hankekg.publish.dumps import union

    return union(build(REPO / "data").dataset)


def real(graph: Graph, name: str, /, **values: str) -> list[dict]:
    query = get(name)
    bindings = query.bindings(values)
    rows = graph.query(query.text, initBindings=bindings)
    out = [{str(v): simple(r[v]) for v in rows.vars} for r in rows]
    if bindings:
        again = graph.query(bind_values(query.text, bindings))
        assert [{str(v): simple(r[v]) for v in again.vars} for r in again] == out
    return out


@pytest.mark.slow
def test_real_graph_answers_every_query(real_graph: Graph):
    for query in load_catalogue():
        real(real_graph, query.name)


@pytest.mark.slow
def test_real_funding_by_funder_and_region(real_graph: Graph):
    funders = {r["funderName"]: r for r in real(real_graph, "funding-by-funder")}
    ely = funders["Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"]
    assert ely["realisedFunding"] == Decimal(368136) and ely["projects"] > 1
    assert len(funders) > 1
    regions = {r["nuts"]: r for r in real(real_graph, "funding-by-region")}
    assert regions["FI1D1"]["regionName"] == "Etelä-Savo"
    assert regions["FI1D1"]["realisedFunding"] == Decimal(368136)
    assert len(regions) > 5 and sum(r["projects"] for r in regions.values()) <= 64


@pytest.mark.slow
def test_real_projects_active(real_graph: Graph):
    in_2020 = [r["code"] for r in real(real_graph, "projects-active", year="2020")]
    assert "S21684" in in_2020 and len(in_2020) > 5
    assert "S21684" in [r["code"] for r in real(real_graph, "projects-active", date="2019-06-01")]
    assert "S21684" not in [r["code"] for r in real(real_graph, "projects-active", date="2019-05-31")]


@pytest.mark.slow
def test_real_organisations_in_several_projects(real_graph: Graph):
    rows = real(real_graph, "organisations-in-several-projects")
    assert rows and all(r["projects"] > 1 for r in rows)
    viadia = {(r["code"], r["role"]) for r in rows if r["businessId"] == "2551672-4"}
    assert {("S21684", "osatoteuttaja"), ("S21684", "tuen siirronsaaja")} <= viadia


@pytest.mark.slow
def test_real_projects_of_organisation(real_graph: Graph):
    xamk = real(real_graph, "projects-of-organisation", business_id="2472908-2")
    assert ("S21684", "päätoteuttaja") in {(r["code"], r["role"]) for r in xamk}
    ely = real(real_graph, "projects-of-organisation", name="etela-savon elinkeino")
    assert ("S21684", "rahoittaja") in {(r["code"], r["role"]) for r in ely} and len(ely) > 5


@pytest.mark.slow
def test_real_projects_by_programme(real_graph: Graph):
    rows = real(real_graph, "projects-by-programme")
    row = next(r for r in rows if r["axisNotation"] == "5" and r["objectiveNotation"] == "10.1")
    assert row["projects"] > 30 and row["realisedFunding"] == Decimal(368136)
    assert sum(r["projects"] for r in rows) == 64


@pytest.mark.slow
def test_real_link_coverage(real_graph: Graph):
    rows = real(real_graph, "link-coverage")
    assert len(rows) == 64
    assert all(r["hasRegistryRecord"] for r in rows)
    seed = next(r for r in rows if r["code"] == "S21684")
    assert seed["hasCard"] and seed["outputs"] == 3 and seed["outputsWithIsbn"] == 1
