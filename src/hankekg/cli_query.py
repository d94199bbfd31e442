"""The query commands of ``hankekg``: query, queries, sparql, push, serve.

``cli.py`` adds them with ``register(app)``. Exit codes: 0 done, 2 any error (a one-line message
on stderr, never a traceback).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hankekg.errors import HankekgError, QueryError

log = logging.getLogger(__name__)

out = Console()
err = Console(stderr=True)

EXIT_ERROR = 2
FORMATS = ("table", "csv", "tsv", "json")

EndpointOpt = Annotated[
    str | None,
    typer.Option("--endpoint", "-e", help="A SPARQL endpoint's query URL; credentials from "
                 "$HANKEKG_SPARQL_USER/$HANKEKG_SPARQL_PASSWORD or ~/.netrc. Default: the graph file."),
]
GraphOpt = Annotated[
    Path | None, typer.Option("--graph", "-g", help="A graph file to query (default dist/hankekg.ttl).")
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="table (readable), or csv, tsv, json (SPARQL 1.1 results).")
]
DefaultGraphOpt = Annotated[
    str | None,
    typer.Option("--default-graph", help="With --endpoint: query this named graph as the default graph "
                 "(e.g. the one `hankekg push` wrote, https://w3id.org/hankekg/graph/published)."),
]
TimeoutOpt = Annotated[float, typer.Option(help="Seconds to wait for an endpoint's answer.")]


def _fail(error: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise _fail(QueryError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}"))


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param takes NAME=VALUE, not {pair!r}")
        params[name.strip()] = value
    return params


def _short(term, namespaces) -> str:
    from rdflib import URIRef

    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            prefix, _, local = namespaces.compute_qname(str(term), generate=False)
            return f"{prefix}:{local}" if prefix else str(term)
        except (ValueError, KeyError):
            return str(term)
    return str(term)


def print_rows(rows, fmt: str, title: str | None = None) -> None:
    """Write ``rows`` to stdout as a rich table or a SPARQL 1.1 results format."""
    if fmt == "csv":
        sys.stdout.write(rows.to_csv())
    elif fmt == "tsv":
        sys.stdout.write(rows.to_tsv())
    elif fmt == "json":
        sys.stdout.write(rows.to_json(indent=1) + "\n")
    else:
        from rdflib import Graph

        from hankekg.namespaces import bind_prefixes

        graph = Graph()
        bind_prefixes(graph)
        table = Table(title=title, title_justify="left")
        for var in rows.variables:
            table.add_column(var, overflow="fold")
        for row in rows.rows:
            table.add_row(*(_short(t, graph.namespace_manager) for t in row))
        out.print(table, highlight=False)
        out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", style="dim")
    sys.stdout.flush()


def query(
    name: Annotated[str | None, typer.Argument(help="A catalogue query (see `hankekg queries`).")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter, NAME=VALUE; repeatable.")
    ] = None,
    endpoint: EndpointOpt = None,
    graph: GraphOpt = None,
    fmt: FormatOpt = "table",
    file: Annotated[
        Path | None, typer.Option("--file", help="Run this .rq file instead of a catalogue query.")
    ] = None,
    default_graph: DefaultGraphOpt = None,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Run a catalogue query (or any .rq file) on the built graph or a SPARQL endpoint.

    Parameters are typed and bound, never spliced into the query text. With --file, the file's
    #param: header types them as in the catalogue; in a file without a header a parameter given
    as <IRI> is an IRI and anything else a string.

    Examples:

    * `hankekg query projects-of-organisation --param business_id=2472908-2`
    * `hankekg query funding-by-funder --format csv > funding.csv`
    * `hankekg query funding-by-funder --endpoint http://127.0.0.1:7878/query`
    * `hankekg query --file my.rq --format json`
    """
    from hankekg.query import api

    _check_format(fmt)
    try:
        params = _parse_params(param or [])
        if file is not None:
            if name is not None:
                raise QueryError("give a query NAME or --file, not both")
            (text, bindings), title = api.load_file(file, params), str(file)
        elif name is None:
            raise QueryError("name a catalogue query (`hankekg queries` lists them) or give --file")
        else:
            from hankekg.query import catalogue

            q = catalogue.get(name)
            text, bindings, title = q.text, api.bind_params(q, params), f"{q.name}: {q.title_en}"
        port = api.open_port(endpoint, graph, timeout=timeout, default_graph=default_graph)
        rows = api.run(port, text, bindings)
    except HankekgError as error:
        raise _fail(error) from None
    print_rows(rows, fmt, title)


def queries(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List the query catalogue: names, titles in Finnish and English, parameters."""
    from hankekg.query import catalogue

    try:
        entries = catalogue.load_catalogue()
    except HankekgError as error:
        raise _fail(error) from None
    if fmt == "json":
        data = [
            {"name": q.name, "title_fi": q.title_fi, "title_en": q.title_en, "description": q.description,
             "params": [{"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                        for p in q.params]}
            for q in entries
        ]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if fmt != "table":
        raise _fail(QueryError(f"unknown format {fmt!r}: use table or json"))
    table = Table(title=f"query catalogue ({len(entries)})", title_justify="left", show_lines=True)
    for col in ("name", "otsikko / title", "parameters"):
        table.add_column(col, overflow="fold")
    for q in entries:
        params = "\n".join(
            f"{p.name}: {p.type}" + (f" = {p.default}" if p.default is not None else "") for p in q.params
        )
        table.add_row(f"[bold]{q.name}[/]", f"{q.title_fi}\n[dim]{q.title_en}[/]", params or "-")
    out.print(table, highlight=False)


def sparql(
    text: Annotated[str, typer.Argument(help="A SELECT or ASK query; '-' reads it from stdin.")],
    endpoint: EndpointOpt = None,
    graph: GraphOpt = None,
    fmt: FormatOpt = "table",
    default_graph: DefaultGraphOpt = None,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Run one SPARQL SELECT or ASK query.

    Examples:

    * `hankekg sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'`
    * `hankekg sparql 'ASK { ?p a <https://w3id.org/hankekg/ontology#Project> }' --format json`
    """
    from hankekg.query import api
    from hankekg.query.port import ask_json, query_form

    _check_format(fmt)
    if text == "-":
        text = sys.stdin.read()
    try:
        port = api.open_port(endpoint, graph, timeout=timeout, default_graph=default_graph)
        if query_form(text) == "ASK":
            answer = port.ask(text)
            sys.stdout.write((ask_json(answer) if fmt == "json" else str(answer).lower()) + "\n")
            return
        rows = api.run(port, text)
    except HankekgError as error:
        raise _fail(error) from None
    print_rows(rows, fmt)


def push(
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="The store's SPARQL query URL.")] = None,
    update: Annotated[str | None, typer.Option("--update", help="The store's SPARQL update URL.")] = None,
    store: Annotated[str | None, typer.Option("--store", help="The store's Graph Store Protocol URL.")] = (
        None
    ),
    server: Annotated[
        tuple[str, str] | None,
        typer.Option("--server", metavar="KIND BASE_URL",
                     help="Fill the three URLs for a known server: oxigraph, fuseki, virtuoso, qlever or "
                          "graphdb, and its base URL."),
    ] = None,
    dataset: Annotated[str, typer.Option(help="Fuseki dataset / GraphDB repository, with --server.")] = "ds",
    graph_iri: Annotated[str | None, typer.Option("--graph", help="The named graph to replace.")] = None,
    file: Annotated[Path, typer.Option("--file", help="The graph file to push.")] = Path("dist/hankekg.ttl"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer.")] = 300.0,
) -> None:
    """Load the built graph into a SPARQL 1.1 store, replacing one named graph atomically.

    Uploads to a temporary graph with the Graph Store Protocol, then swaps it in with
    `MOVE GRAPH`; on failure the temporary graph is dropped and the old graph stays.
    Server notes (Virtuoso's 10,000-row ResultSetMaxRows cap, QLever's limited updates, bulk
    loading with `oxigraph load`): see the docstring of hankekg/query/push.py.

    Examples:

    * `hankekg push --server oxigraph http://127.0.0.1:7878`
    * `hankekg push --server fuseki http://localhost:3030 --dataset hanke`
    * `hankekg push --endpoint URL/query --update URL/update --store URL/store --graph https://example.org/g`
    """
    from hankekg.query.push import DEFAULT_GRAPH_IRI, StoreUrls, server_urls
    from hankekg.query.push import push as run_push

    try:
        if server and all(server):
            urls = server_urls(server[0], server[1], dataset=dataset)
            urls = StoreUrls(endpoint or urls.query, update or urls.update, store or urls.store)
        elif endpoint and update and store:
            urls = StoreUrls(endpoint, update, store)
        else:
            raise QueryError("give --endpoint, --update and --store, or --server KIND BASE_URL")
        result = run_push(file, urls, graph_iri or DEFAULT_GRAPH_IRI, timeout=timeout)
    except HankekgError as error:
        raise _fail(error) from None
    out.print(
        f"pushed {file} → <{result.graph}>: {result.triples:,} triples (was {result.previous:,}), "
        f"{result.seconds:.1f} s", highlight=False, soft_wrap=True,
    )


def serve(
    graph: Annotated[Path, typer.Option("--graph", "-g", help="The graph file to serve.")] = Path(
        "dist/hankekg.ttl"
    ),
    port: Annotated[int | None, typer.Option(help="The port on 127.0.0.1 (default: a free one).")] = None,
) -> None:
    """Serve the graph read-only with a local Oxigraph SPARQL server on 127.0.0.1.

    Prints the query URL; updates are refused. Ctrl-C stops the server.

    Example: `hankekg serve`, then
    `hankekg query funding-by-funder --endpoint http://127.0.0.1:PORT/query`
    """
    from hankekg.link.oxigraph import OxigraphServer

    if not graph.is_file():
        raise _fail(QueryError("no such graph file (build it with `hankekg build`)", path=graph))
    server = OxigraphServer(graph, read_only=True, port=port)

    def _terminate(signum, frame):  # SIGTERM stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        try:
            server.start()
        except HankekgError as error:
            raise _fail(error) from None
        out.print(f"SPARQL endpoint (read-only): {server.query_url}", highlight=False, soft_wrap=True)
        out.print(f"serving {graph}; Ctrl-C stops", style="dim", soft_wrap=True)
        sys.stdout.flush()
        while server.running:
            time.sleep(0.2)
        raise _fail(QueryError(f"the Oxigraph server at {server.base_url} stopped by itself"))
    except KeyboardInterrupt:
        out.print("stopped")
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


def register(app: typer.Typer) -> None:
    """Add the query commands to ``app``."""
    app.command("query")(query)
    app.command("queries")(queries)
    app.command("sparql")(sparql)
    app.command("push")(push)
    app.command("serve")(serve)
