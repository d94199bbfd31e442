"""The query port: Rows and the W3C result formats, the embedded engines, the fake, the API, the CLI.

The W3C formats are pinned byte for byte against the specifications:
https://www.w3.org/TR/sparql11-results-csv-tsv/ and https://www.w3.org/TR/sparql11-results-json/.
"""

from __future__ import annotations

import json
import sys
import types
from decimal import Decimal

import pytest
import typer
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from typer.testing import CliRunner

from hankekg.errors import QueryError
from hankekg.query import api
from hankekg.query.embedded import EmbeddedStore, available_engines
from hankekg.query.endpoint import Credentials, SparqlEndpoint, split_userinfo
from hankekg.query.fake import FakeQueryPort
from hankekg.query.port import QueryPort, Rows, comparison_key, normalise_term, query_form

EX = Namespace("https://example.org/")
INJECTION = 'x" } ; DROP ALL ; #'
ENGINES = available_engines()

TTL = """
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:p1 a ex:Project ; ex:name "Sokra"@fi ; ex:code "S21684" ; ex:funding "1500.50"^^xsd:decimal ;
      ex:start "2017-01-01"^^xsd:date ; ex:funder ex:stm .
ex:p2 a ex:Project ; ex:name "Toinen hanke"@fi ; ex:code "S20013" ; ex:funding 200 ;
      ex:funder ex:stm .
ex:p3 a ex:Project ; ex:code "S99999" .
ex:stm ex:label "STM" .
"""

BY_CODE = """PREFIX ex: <https://example.org/>
SELECT ?project ?name WHERE { ?project ex:code ?code . OPTIONAL { ?project ex:name ?name } }
ORDER BY ?project"""


# -- a stand-in for hankekg.query.catalogue while it is not there ----------------------------------


def _stub_catalogue() -> types.ModuleType:
    """The catalogue interface, minimally: typed terms and a trailing VALUES block."""
    mod = types.ModuleType("hankekg.query.catalogue")

    def to_term(param, value):
        if isinstance(value, (URIRef, Literal)):
            return value
        if param.type == "iri":
            return URIRef(str(value))
        if param.type == "integer":
            try:
                return Literal(int(value))
            except ValueError:
                raise QueryError(f"{param.name}: not an integer: {value!r}") from None
        return Literal(str(value))

    def values_block(bindings):
        names = " ".join(f"?{k}" for k in bindings)
        terms = " ".join(t.n3() for t in bindings.values())
        return f"VALUES ({names}) {{ ({terms}) }}"

    def bind_values(text, bindings):
        return f"{text}\n{values_block(bindings)}\n" if bindings else text

    demo = types.SimpleNamespace(
        name="demo-by-code", title_fi="Hankkeet koodilla", title_en="Projects by code",
        description="The project with a code.",
        params=(types.SimpleNamespace(name="code", type="string", default=None, description="project code"),
                types.SimpleNamespace(name="limit_to", type="integer", default="5", description="unused")),
        text="PREFIX ex: <https://example.org/>\nSELECT ?project WHERE { ?project ex:code ?code }",
    )

    def get(name):
        if name != demo.name:
            raise QueryError(f"no query named {name!r}")
        return demo

    mod.to_term, mod.values_block, mod.bind_values = to_term, values_block, bind_values
    mod.get, mod.load_catalogue = get, lambda: [demo]
    return mod


@pytest.fixture
def catalogue(monkeypatch):
    """The demo catalogue: the real binding functions if the module exists, a stub otherwise."""
    stub = _stub_catalogue()
    try:
        from hankekg.query import catalogue as real
    except ImportError:
        monkeypatch.setitem(sys.modules, "hankekg.query.catalogue", stub)
        import hankekg.query

        monkeypatch.setattr(hankekg.query, "catalogue", stub, raising=False)
        return stub
    monkeypatch.setattr(real, "get", stub.get)
    monkeypatch.setattr(real, "load_catalogue", stub.load_catalogue)
    return real


@pytest.fixture
def graph() -> Graph:
    g = Graph()
    g.parse(data=TTL, format="turtle")
    return g


@pytest.fixture(params=ENGINES)
def store(request, graph, catalogue) -> EmbeddedStore:
    return EmbeddedStore(graph, request.param)


# -- Rows and the W3C formats ---------------------------------------------------------------------


SAMPLE = Rows.of(
    ["x", "label", "n"],
    [
        [URIRef("https://example.org/a"), Literal("Sokra, \"ESF\"\nrivi", lang="fi"), Literal(3)],
        [BNode("b0"), Literal("tab\there", datatype=XSD.string), None],
        [None, Literal("plain"), Literal("1.50", datatype=XSD.decimal)],
    ],
)


def test_csv_is_the_w3c_format():
    # Header without '?', CRLF line ends, terms as plain strings (no datatype, no language),
    # blank nodes as _:label, unbound as empty, fields with , " or a line break quoted.
    assert SAMPLE.to_csv() == (
        "x,label,n\r\n"
        'https://example.org/a,"Sokra, ""ESF""\nrivi",3\r\n'
        "_:b0,tab\there,\r\n"
        ",plain,1.50\r\n"
    )


def test_tsv_is_the_w3c_format():
    # Header with '?', terms in SPARQL syntax, tab/newline/quote escaped inside literals.
    assert SAMPLE.to_tsv() == (
        "?x\t?label\t?n\n"
        '<https://example.org/a>\t"Sokra, \\"ESF\\"\\nrivi"@fi\t"3"^^<http://www.w3.org/2001/XMLSchema#integer>\n'
        '_:b0\t"tab\\there"\t\n'
        '\t"plain"\t"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>\n'
    )


def test_json_is_the_w3c_format():
    assert json.loads(SAMPLE.to_json()) == {
        "head": {"vars": ["x", "label", "n"]},
        "results": {"bindings": [
            {"x": {"type": "uri", "value": "https://example.org/a"},
             "label": {"type": "literal", "value": 'Sokra, "ESF"\nrivi', "xml:lang": "fi"},
             "n": {"type": "literal", "value": "3", "datatype": str(XSD.integer)}},
            {"x": {"type": "bnode", "value": "b0"}, "label": {"type": "literal", "value": "tab\there"}},
            {"label": {"type": "literal", "value": "plain"},
             "n": {"type": "literal", "value": "1.50", "datatype": str(XSD.decimal)}},
        ]},
    }


def test_json_round_trip():
    assert Rows.from_json(json.loads(SAMPLE.to_json())) == SAMPLE


def test_from_json_rejects_other_things():
    with pytest.raises(ValueError):
        Rows.from_json({"boolean": True})


def test_to_dicts_leaves_out_unbound():
    assert SAMPLE.to_dicts()[2] == {"label": Literal("plain"), "n": Literal("1.50", datatype=XSD.decimal)}


def test_rows_must_match_variables():
    with pytest.raises(ValueError):
        Rows(("a", "b"), ((Literal(1),),))


def test_to_dataframe():
    import pandas
    frame = SAMPLE.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["x", "label", "n"]
    assert frame["x"][0] == "https://example.org/a"
    assert frame["n"][0] == 3


def test_to_dataframe_without_pandas_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas → ImportError
    with pytest.raises(QueryError, match=r"hankekg\[pandas\]"):
        SAMPLE.to_dataframe()


def test_xsd_string_is_a_simple_literal():
    assert normalise_term(Literal("a", datatype=XSD.string)) == Literal("a")
    assert comparison_key(Literal("1.50", datatype=XSD.decimal)) == comparison_key(
        Literal("1.5", datatype=XSD.decimal))
    assert comparison_key(Literal("2", datatype=XSD.decimal)) == comparison_key(Literal(2))
    assert comparison_key(Literal("a")) != comparison_key(Literal("a", lang="fi"))


@pytest.mark.parametrize("text,form", [
    ("SELECT * { ?s ?p ?o }", "SELECT"),
    ("PREFIX a: <http://x/#select>\n# ASK in a comment\nask { ?s ?p 'SELECT' }", "ASK"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    # an apostrophe in a comment opens no string: the SELECT after it is still seen
    ("# the project's cards\n# and the card's links\nSELECT ?s { ?s ?p ?o }", "SELECT"),
    ("# don't\nDESCRIBE <http://x/a'b>", "DESCRIBE"),
    # a keyword inside a long string or a comment is not the form
    ("# SELECT\nASK { ?s ?p \"\"\"a \"SELECT\" b\nCONSTRUCT\"\"\" }", "ASK"),
    ("ASK { ?s ?p '''it's\nDESCRIBE''' }", "ASK"),
])
def test_query_form(text, form):
    assert query_form(text) == form


def test_an_update_is_not_a_query():
    with pytest.raises(QueryError, match="not a SPARQL query"):
        query_form("DROP ALL")


# -- the embedded engines -------------------------------------------------------------------------


def test_engines_implement_the_port(store):
    assert isinstance(store, QueryPort)
    assert len(store) == 14


def test_select_unbound(store):
    rows = store.select(BY_CODE)
    assert rows.variables == ("project", "name")
    assert rows.rows == (
        (EX.p1, Literal("Sokra", lang="fi")),
        (EX.p2, Literal("Toinen hanke", lang="fi")),
        (EX.p3, None),
    )


def test_select_bound(store):
    rows = store.select(BY_CODE, {"code": Literal("S20013")})
    assert rows.rows == ((EX.p2, Literal("Toinen hanke", lang="fi")),)


def test_plain_strings_come_back_simple(store):
    rows = store.select("PREFIX ex: <https://example.org/> SELECT ?c { ex:p1 ex:code ?c }")
    assert rows.rows == ((Literal("S21684"),),)
    assert rows.rows[0][0].datatype is None


def test_typed_values_come_back_typed(store):
    rows = store.select("PREFIX ex: <https://example.org/> "
                        "SELECT ?f ?d { ex:p1 ex:funding ?f ; ex:start ?d }")
    (funding, start), = rows.rows
    # Oxigraph keeps decimals in canonical form ("1500.5"), rdflib keeps the lexical form: same value.
    assert funding.datatype == XSD.decimal and funding.toPython() == Decimal("1500.50")
    assert start.datatype == XSD.date and str(start) == "2017-01-01"


def test_ask(store):
    q = "PREFIX ex: <https://example.org/> ASK WHERE { ?p ex:code ?code }"
    assert store.ask(q, {"code": Literal("S21684")}) is True
    assert store.ask(q, {"code": Literal("S00000")}) is False


def test_injection_is_a_literal_that_matches_nothing(store, graph):
    # The value goes in as a typed term, so the quote, the brace and DROP ALL are just characters.
    before = len(store)
    assert store.select(BY_CODE, {"code": Literal(INJECTION)}).rows == ()
    assert store.select(BY_CODE, {"code": Literal(INJECTION)}).variables == ("project", "name")
    assert len(store) == before == 14
    assert store.select(BY_CODE).rows  # the data is all there


def test_engines_agree(graph, catalogue):
    assert len(ENGINES) == 2, "pyoxigraph (a dependency) is not installed"
    q = """PREFIX ex: <https://example.org/>
    SELECT ?funder (COUNT(?p) AS ?n) (SUM(?f) AS ?total) WHERE { ?p ex:funder ?funder ; ex:funding ?f }
    GROUP BY ?funder"""
    a, b = (EmbeddedStore(graph, e).select(q) for e in ENGINES)
    assert a.comparable() == b.comparable()
    assert a.comparable() == [(("iri", str(EX.stm)), ("number", 1.0 * 2), ("number", 1700.5))]


def test_bad_query_is_a_query_error(store):
    with pytest.raises(QueryError, match="the query failed"):
        store.select("SELECT ?s WHERE { ?s ?p }")


def test_wrong_form(store):
    with pytest.raises(QueryError, match="not a SELECT query"):
        store.select("ASK { ?s ?p ?o }")


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_file(tmp_path, engine):
    with pytest.raises(QueryError, match="no such graph file"):
        EmbeddedStore(tmp_path / "nope.ttl", engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_unreadable_file(tmp_path, engine):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(QueryError, match="cannot read graph") as info:
        EmbeddedStore(bad, engine)
    assert info.value.path == str(bad)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_dataset_file_is_queried_as_the_union(tmp_path, engine):
    trig = tmp_path / "g.trig"
    trig.write_text(
        "@prefix ex: <https://example.org/> .\n"
        "ex:g1 { ex:a ex:p ex:b . }\nex:g2 { ex:c ex:p ex:d . ex:a ex:p ex:b . }\nex:e ex:p ex:f .\n",
        encoding="utf-8",
    )
    rows = EmbeddedStore(trig, engine).select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert rows.rows == ((EX.a,), (EX.c,), (EX.e,))


@pytest.mark.parametrize("engine", ENGINES)
def test_an_rdflib_dataset(engine):
    ds = Dataset()
    ds.graph(EX.g1).add((EX.a, EX.p, EX.b))
    ds.add((EX.c, EX.p, EX.d))
    rows = EmbeddedStore(ds, engine).select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert rows.rows == ((EX.a,), (EX.c,))


# -- the endpoint adapter's credential handling (no network) -------------------------------------


def test_userinfo_is_taken_out_of_the_url():
    clean, creds = split_userinfo("https://anna:s%40lasana@sparql.example.org:8890/sparql?x=1")
    assert clean == "https://sparql.example.org:8890/sparql?x=1"
    assert creds == Credentials("anna", "s@lasana")
    assert "s@lasana" not in repr(creds)


def test_credentials_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HANKEKG_SPARQL_USER", "anna")
    monkeypatch.setenv("HANKEKG_SPARQL_PASSWORD", "salasana")
    endpoint = SparqlEndpoint("https://sparql.example.org/sparql")
    assert endpoint.has_credentials
    assert "salasana" not in repr(endpoint)


def test_credentials_from_netrc(monkeypatch, tmp_path):
    monkeypatch.delenv("HANKEKG_SPARQL_USER", raising=False)
    rc = tmp_path / "netrc"
    rc.write_text("machine sparql.example.org login anna password salasana\n", encoding="utf-8")
    rc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(rc))
    assert SparqlEndpoint("https://sparql.example.org/sparql").has_credentials
    assert not SparqlEndpoint("https://other.example.org/sparql").has_credentials


def test_not_an_http_url():
    with pytest.raises(QueryError, match="not an http"):
        SparqlEndpoint("ftp://example.org/sparql")


# -- the fake -------------------------------------------------------------------------------------


def test_fake_answers_and_records():
    rows = Rows.of(["n"], [[Literal(1)]])
    fake = FakeQueryPort({"SELECT ?n {}": rows, "ASK {}": True})
    assert fake.select("SELECT ?n {}", {"n": Literal(1)}) is rows
    assert fake.ask("ASK {}") is True
    assert fake.select("SELECT ?other {}").rows == ()
    assert [c.kind for c in fake.calls] == ["select", "ask", "select"]
    assert fake.calls[0].bindings == {"n": Literal(1)}


def test_fake_by_catalogue_name(catalogue):
    rows = Rows.of(["project"], [[EX.p1]])
    fake = FakeQueryPort({"demo-by-code": rows})
    assert fake.select(catalogue.get("demo-by-code").text) is rows
    assert fake.calls[0].name == "demo-by-code"


def test_fake_can_fail():
    fake = FakeQueryPort({"SELECT ?n {}": QueryError("SPARQL endpoint x is unreachable")})
    with pytest.raises(QueryError, match="unreachable"):
        fake.select("SELECT ?n {}")


# -- the API --------------------------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch, catalogue) -> FakeQueryPort:
    port = FakeQueryPort({"demo-by-code": Rows.of(["project"], [[EX.p1]])})
    monkeypatch.setattr(api, "open_port", lambda *a, **k: port)
    return port


def test_api_binds_typed_params(fake):
    rows = api.query("demo-by-code", code="S21684")
    assert rows.rows == ((EX.p1,),)
    # the default of limit_to fills in, typed by the catalogue
    assert fake.calls[0].bindings == {"code": Literal("S21684"), "limit_to": Literal(5)}


def test_api_dash_is_underscore(fake):
    api.query("demo-by-code", **{"limit-to": 7})
    assert fake.calls[0].bindings["limit_to"] == Literal(7)


def test_api_unknown_param_lists_the_valid_ones(fake):
    with pytest.raises(QueryError, match=r"no parameter 'colour'.*code \(string\), limit_to \(integer\)"):
        api.query("demo-by-code", colour="red")


def test_api_bad_value(fake):
    with pytest.raises(QueryError, match="not an integer"):
        api.query("demo-by-code", limit_to="many")


def test_api_on_a_graph(graph, catalogue):
    rows = api.query("demo-by-code", graph=graph, code="S20013")
    assert rows.rows == ((EX.p2,),)


def test_api_injection_on_the_default_graph(tmp_path, monkeypatch, graph, catalogue):
    dist = tmp_path / "dist"
    dist.mkdir()
    graph.serialize(dist / "hankekg.ttl", format="turtle")
    monkeypatch.chdir(tmp_path)
    assert api.query("demo-by-code", code=INJECTION).rows == ()
    assert len(api.query("demo-by-code", code="S21684")) == 1
    assert len(Graph().parse(dist / "hankekg.ttl")) == 14


def test_api_without_a_built_graph(tmp_path, monkeypatch, catalogue):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(QueryError, match="hankekg build"):
        api.query("demo-by-code")


def test_api_endpoint_and_graph_exclude_each_other(graph):
    with pytest.raises(QueryError, match="not both"):
        api.open_port("http://127.0.0.1:1/query", graph)


def test_adhoc_bindings():
    assert api.adhoc_bindings({"p": "<https://example.org/p1>", "c": "S1"}) == {
        "p": EX.p1, "c": Literal("S1")}
    with pytest.raises(QueryError, match="not an IRI"):
        api.adhoc_bindings({"p": "<https://example.org/> } DROP ALL {>"})


# -- the CLI --------------------------------------------------------------------------------------


@pytest.fixture
def cli():
    from hankekg.cli_query import register

    app = typer.Typer()
    register(app)

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})

    return invoke


def test_cli_query_formats(cli, fake):
    result = cli("query", "demo-by-code", "--param", "code=S21684", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"project\r\nhttps://example.org/p1\r\n"  # .stdout folds CRLF
    assert fake.calls[0].bindings["code"] == Literal("S21684")
    result = cli("query", "demo-by-code", "-f", "json")
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert bindings == [{"project": {"type": "uri", "value": str(EX.p1)}}]
    result = cli("query", "demo-by-code")
    assert result.exit_code == 0
    assert "https://example.org/p1" in result.stdout and "1 row" in result.stdout


def test_cli_query_errors_exit_2_without_traceback(cli, fake):
    for args in (["query", "demo-by-code", "-p", "colour=red"], ["query", "nope"], ["query"],
                 ["query", "demo-by-code", "-p", "code"], ["query", "demo-by-code", "-f", "xml"]):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.output and "Traceback" not in result.output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_cli_query_endpoint_failure(cli, monkeypatch, catalogue):
    port = FakeQueryPort({"demo-by-code": QueryError("SPARQL endpoint http://x/query is unreachable")})
    monkeypatch.setattr(api, "open_port", lambda *a, **k: port)
    result = cli("query", "demo-by-code", "--endpoint", "http://x/query")
    assert result.exit_code == 2
    assert "unreachable" in result.output


def test_cli_query_file(cli, tmp_path, graph, catalogue):
    g = tmp_path / "g.ttl"
    graph.serialize(g, format="turtle")
    rq = tmp_path / "my.rq"
    rq.write_text(BY_CODE, encoding="utf-8")
    result = cli("query", "--file", str(rq), "--graph", str(g), "-p", "code=S21684", "-f", "tsv")
    assert result.exit_code == 0, result.output
    assert result.stdout == '?project\t?name\n<https://example.org/p1>\t"Sokra"@fi\n'


def test_cli_sparql(cli, tmp_path, graph):
    g = tmp_path / "g.ttl"
    graph.serialize(g, format="turtle")
    result = cli("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--graph", str(g), "-f", "csv")
    assert result.stdout_bytes == b"n\r\n14\r\n"
    result = cli("sparql", "ASK { ?s ?p ?o }", "--graph", str(g), "-f", "json")
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}
    result = cli("sparql", "DROP ALL", "--graph", str(g))
    assert result.exit_code == 2 and "not a SPARQL query" in result.output


def test_cli_queries(cli, catalogue):
    result = cli("queries")
    assert result.exit_code == 0, result.output
    assert "demo-by-code" in result.stdout and "Hankkeet koodilla" in result.stdout
    assert "limit_to: integer = 5" in result.stdout
    listed = json.loads(cli("queries", "-f", "json").stdout)
    assert listed[0]["params"][0] == {"name": "code", "type": "string", "default": None,
                                      "description": "project code"}


def test_cli_push_needs_urls(cli, tmp_path):
    result = cli("push", "--file", str(tmp_path / "g.ttl"))
    assert result.exit_code == 2 and "--server" in result.output
    result = cli("push", "--server", "blazegraph", "http://127.0.0.1:1")
    assert result.exit_code == 2 and "unknown server kind" in result.output


def test_cli_serve_without_graph(cli, tmp_path):
    result = cli("serve", "--graph", str(tmp_path / "none.ttl"))
    assert result.exit_code == 2 and "no such graph file" in result.output


def test_server_urls():
    from hankekg.query.push import server_urls

    assert server_urls("oxigraph", "http://h:7878/").store == "http://h:7878/store"
    assert server_urls("fuseki", "http://h:3030", dataset="kg").update == "http://h:3030/kg/update"
    v = server_urls("virtuoso", "http://h:8890")
    assert (v.query, v.update, v.store) == ("http://h:8890/sparql", "http://h:8890/sparql",
                                            "http://h:8890/sparql-graph-crud")
    assert server_urls("graphdb", "http://h:7200", dataset="r").store == (
        "http://h:7200/repositories/r/rdf-graphs/service")


def test_graph_iri_is_checked():
    from hankekg.errors import LinkError
    from hankekg.query.push import check_iri

    assert check_iri("https://w3id.org/hankekg/graph/published")
    with pytest.raises(LinkError):
        check_iri("https://x/> } ; DROP ALL ; <https://y")


@pytest.fixture(autouse=True)
def _no_cached_stores():
    api._stores.clear()
    yield
    api._stores.clear()


