"""Pushing a graph into a real Oxigraph server: atomic replace, and failures that leave it intact.

Every server a test starts is stopped in a fixture's teardown.
"""

from __future__ import annotations

import logging

import pytest
import typer
from rdflib import Graph
from tests.integration.test_endpoint import SECRET, accept_post, built_graph
from tests.servers import Reply, Script, serve
from tests.support import REPO
from typer.testing import CliRunner

from hankekg.errors import LinkError
from hankekg.link.oxigraph import OxigraphServer
from hankekg.query.endpoint import SparqlEndpoint
from hankekg.query.push import DEFAULT_GRAPH_IRI, StoreUrls, push, server_urls

SMALL = REPO / "tests" / "fixtures" / "kohesio" / "eu-kg-sample.ttl"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = built_graph(tmp_path_factory.mktemp("built"))
    return path, len(Graph().parse(path))


@pytest.fixture
def oxigraph(tmp_path):
    server = OxigraphServer(tmp_path / "db", read_only=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        assert not server.running


def graphs(server) -> dict[str, int]:
    """Named graph → triple count."""
    rows = SparqlEndpoint(server.query_url).select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {str(g): int(n) for g, n in rows}


@pytest.fixture
def cli():
    from hankekg.cli_query import register

    app = typer.Typer()
    register(app)
    return lambda *args: CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_push_twice_replaces(oxigraph, built):
    path, triples = built
    urls = server_urls("oxigraph", oxigraph.base_url)
    first = push(path, urls)
    assert (first.graph, first.triples, first.previous) == (DEFAULT_GRAPH_IRI, triples, 0)
    second = push(path, urls)
    assert (second.triples, second.previous) == (triples, triples)  # replaced, not appended
    assert graphs(oxigraph) == {DEFAULT_GRAPH_IRI: triples}  # and no temporary graph left


def test_push_a_smaller_graph_replaces_the_bigger(oxigraph, built):
    urls = server_urls("oxigraph", oxigraph.base_url)
    push(built[0], urls)
    small = len(Graph().parse(SMALL))
    assert push(SMALL, urls).triples == small
    assert graphs(oxigraph) == {DEFAULT_GRAPH_IRI: small}


def test_push_another_graph_leaves_the_first(oxigraph, built):
    urls = server_urls("oxigraph", oxigraph.base_url)
    push(built[0], urls)
    push(SMALL, urls, "https://example.org/graph/other")
    assert graphs(oxigraph) == {DEFAULT_GRAPH_IRI: built[1], "https://example.org/graph/other": 71}


def test_failed_upload_leaves_the_graph_intact(oxigraph, built, cli):
    path, triples = built
    real = server_urls("oxigraph", oxigraph.base_url)
    push(path, real)
    with serve(Script(fallback=Reply(500, b"store on fire"))) as gsp:
        accept_post(gsp)
        broken = StoreUrls(real.query, real.update, gsp.url("/store"))
        with pytest.raises(LinkError, match=r"uploading to the graph store: .* HTTP 500.*store on fire"):
            push(SMALL, broken)
        assert gsp.requests[0].method == "PUT"
        assert gsp.requests[0].query["graph"][0].startswith(DEFAULT_GRAPH_IRI + "-tmp-")
        result = cli("push", "--endpoint", real.query, "--update", real.update, "--store", gsp.url("/store"),
                     "--file", str(SMALL))
    assert result.exit_code == 2, result.output
    assert "HTTP 500" in result.output and "Traceback" not in result.output
    assert graphs(oxigraph) == {DEFAULT_GRAPH_IRI: triples}  # untouched, no temp graph left


def test_store_down_mid_way(oxigraph, built):
    path, triples = built
    urls = server_urls("oxigraph", oxigraph.base_url)
    push(path, urls)
    with serve(Script(fallback=Reply(200, b"x" * 100, drop=True))) as gsp:  # cuts the connection
        accept_post(gsp)
        with pytest.raises(LinkError):
            push(SMALL, StoreUrls(urls.query, urls.update, gsp.url("/store")), timeout=5)
    assert graphs(oxigraph) == {DEFAULT_GRAPH_IRI: triples}


def test_push_to_a_read_only_server_fails_cleanly(built, tmp_path):
    with OxigraphServer(built[0], read_only=True) as server:
        with pytest.raises(LinkError, match="HTTP 403"):
            push(built[0], server_urls("oxigraph", server.base_url))


def test_push_credentials_never_shown(caplog, monkeypatch):
    monkeypatch.setenv("HANKEKG_SPARQL_USER", "anna")
    monkeypatch.setenv("HANKEKG_SPARQL_PASSWORD", SECRET)
    caplog.set_level(logging.DEBUG)
    with serve(Script(fallback=Reply(401, b"who are you"))) as server:
        accept_post(server)
        with pytest.raises(LinkError) as info:
            push(SMALL, server_urls("oxigraph", server.url("/").replace("http://", f"http://bob:{SECRET}@")))
        assert server.requests[0].headers["authorization"].startswith("Basic ")
    assert "HTTP 401" in str(info.value) and "credentials" in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in caplog.text


def test_push_refuses_a_dataset_file(tmp_path):
    trig = tmp_path / "g.trig"
    trig.write_text("", encoding="utf-8")
    with pytest.raises(LinkError, match="one graph of triples"):
        push(trig, server_urls("oxigraph", "http://127.0.0.1:1"))


def test_cli_push_with_server(oxigraph, built, cli):
    result = cli("push", "--server", "oxigraph", oxigraph.base_url, "--file", str(built[0]))
    assert result.exit_code == 0, result.output
    assert f"{built[1]:,} triples" in result.output
    assert graphs(oxigraph) == {DEFAULT_GRAPH_IRI: built[1]}
