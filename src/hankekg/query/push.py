"""Load the built graph into a SPARQL 1.1 triplestore, replacing one named graph atomically.

The file is uploaded with the Graph Store HTTP Protocol (``PUT STORE?graph=TMP``, streamed from
disk) into a fresh temporary graph ``<TARGET>-tmp-<random>``, its triples are counted through the
query endpoint, and one SPARQL Update ``MOVE GRAPH <TMP> TO <TARGET>`` swaps it in. Readers see
the old graph or the new one, never half of one. On any failure the temporary graph is dropped
(``DROP SILENT GRAPH``) and the target is left as it was.

Credentials are found as for queries (:mod:`hankekg.query.endpoint`): ``user:password@`` in a URL,
``$HANKEKG_SPARQL_USER``/``$HANKEKG_SPARQL_PASSWORD``, or ``~/.netrc`` by host; HTTP Basic auth.

The servers :func:`server_urls` knows, and what differs between them:

* **Oxigraph** (``oxigraph serve``): ``BASE/query``, ``BASE/update``, ``BASE/store``. Tested
  (tests/integration/test_push.py). A PUT is one transaction held in memory; for graphs of
  millions of triples load offline instead, which is far faster:
  ``oxigraph load --location STORE_DIR --file dist/hankekg.ttl --graph IRI`` with the server
  stopped, then ``oxigraph serve --location STORE_DIR``.
* **Apache Jena Fuseki**: ``BASE/DATASET/query``, ``BASE/DATASET/update``, ``BASE/DATASET/data``
  (``--dataset``, default ``ds``). With TDB2 each update is a transaction, so the MOVE is atomic.
  For very large graphs use ``tdb2.tdbloader`` offline.
* **OpenLink Virtuoso**: ``BASE/sparql`` for queries and updates, ``BASE/sparql-graph-crud`` for
  the Graph Store Protocol (the ``SPARQL`` user needs the ``SPARQL_UPDATE`` role; with
  credentials use ``/sparql-auth`` and ``/sparql-graph-crud-auth``, which ask for HTTP Digest
  auth, not Basic). Virtuoso caps every result at ``ResultSetMaxRows`` rows (``[SPARQL]`` section
  of virtuoso.ini; 10,000 in many installations) and truncates silently: raise it above the
  largest catalogue answer. Bulk load with ``ld_dir()`` + ``rdf_loader_run()``.
* **QLever**: ``BASE`` for queries, updates and the store. QLever builds its index offline
  (``qlever index`` from the Turtle file); its SPARQL Update and Graph Store support are recent
  and limited (updates need an access token, are kept in memory on top of the index, and not
  every version has MOVE or GSP). Rebuilding the index from dist/hankekg.ttl is the reliable way;
  ``push`` is untested against QLever.
* **Ontotext GraphDB**: ``BASE/repositories/REPO`` (query), ``…/statements`` (update),
  ``…/rdf-graphs/service`` (GSP); ``--dataset`` names the repository. Bulk load with
  ``importrdf``.

All of these scale past one machine's memory (Virtuoso, QLever and GraphDB to billions of
triples), which the embedded store does not.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from hankekg.errors import LinkError
from hankekg.query.endpoint import USER_AGENT, find_credentials, split_userinfo

log = logging.getLogger(__name__)

#: The named graph ``push`` replaces unless told otherwise.
DEFAULT_GRAPH_IRI = "https://w3id.org/hankekg/graph/published"

SERVERS = ("oxigraph", "fuseki", "virtuoso", "qlever", "graphdb")

_CONTENT_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".xml": "application/rdf+xml",
}
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+")


@dataclass(frozen=True)
class StoreUrls:
    """The three URLs of a SPARQL 1.1 store (no credentials in them).

    Attributes:
        query: the query endpoint.
        update: the update endpoint.
        store: the Graph Store HTTP Protocol endpoint (graphs addressed with ``?graph=``).
    """

    query: str
    update: str
    store: str


@dataclass(frozen=True)
class PushResult:
    """What a push did.

    Attributes:
        graph: the target graph IRI.
        triples: the triples in the target graph afterwards.
        previous: the triples in it before.
        bytes: the size of the uploaded file.
        seconds: the time the push took.
    """

    graph: str
    triples: int
    previous: int
    bytes: int
    seconds: float


def server_urls(server: str, base: str, *, dataset: str = "ds") -> StoreUrls:
    """The query, update and store URLs of a known server kind at ``base``.

    Args:
        server: one of :data:`SERVERS`.
        base: the server's base URL, e.g. ``http://127.0.0.1:7878``.
        dataset: the Fuseki dataset or GraphDB repository name.

    Raises:
        LinkError: an unknown server kind.
    """
    base = base.rstrip("/")
    if server == "oxigraph":
        return StoreUrls(f"{base}/query", f"{base}/update", f"{base}/store")
    if server == "fuseki":
        return StoreUrls(f"{base}/{dataset}/query", f"{base}/{dataset}/update", f"{base}/{dataset}/data")
    if server == "virtuoso":
        return StoreUrls(f"{base}/sparql", f"{base}/sparql", f"{base}/sparql-graph-crud")
    if server == "qlever":
        return StoreUrls(base, base, base)
    if server == "graphdb":
        repo = f"{base}/repositories/{dataset}"
        return StoreUrls(repo, f"{repo}/statements", f"{repo}/rdf-graphs/service")
    raise LinkError(f"unknown server kind {server!r}: use one of {', '.join(SERVERS)}")


def check_iri(iri: str) -> str:
    """``iri`` if it is an absolute IRI that can go between ``<>`` in SPARQL, else LinkError."""
    if not _IRI.fullmatch(iri):
        raise LinkError(f"not an absolute IRI usable as a graph name: {iri!r}")
    return iri


class _Client:
    """httpx with per-URL credentials and messages that name the URL without them."""

    def __init__(self, timeout: float, client: httpx.Client | None):
        self._own = client is None
        self.http = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        self.timeout = timeout

    def close(self) -> None:
        if self._own:
            self.http.close()

    def request(self, method: str, url: str, what: str, **kwargs) -> httpx.Response:
        clean, in_url = split_userinfo(url)
        creds = in_url or find_credentials(clean)
        auth = httpx.BasicAuth(creds.user, creds.password) if creds else None
        try:
            response = self.http.request(method, clean, auth=auth, **kwargs)
        except httpx.TimeoutException:
            raise LinkError(f"{what}: {clean} did not answer within {self.timeout} s") from None
        except httpx.HTTPError as exc:
            raise LinkError(f"{what}: {clean} is unreachable: {type(exc).__name__}: {exc}") from None
        except OSError as exc:
            raise LinkError(f"{what}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 300:
            body = " ".join(response.text.split())[:300]
            hint = " (credentials missing or refused)" if response.status_code in (401, 403) else ""
            raise LinkError(
                f"{what}: {clean} answered HTTP {response.status_code} {response.reason_phrase}{hint}"
                + (f": {body}" if body else "")
            )
        return response

    def update(self, url: str, text: str, what: str) -> None:
        self.request("POST", url, what, content=text.encode("utf-8"),
                     headers={"Content-Type": "application/sparql-update"})

    def count(self, url: str, graph: str, what: str) -> int:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        response = self.request(
            "POST", url, what, content=query.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        )
        try:
            return int(response.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LinkError(f"{what}: {split_userinfo(url)[0]} answered no triple count: {exc}") from None


def push(
    file: Path,
    urls: StoreUrls,
    graph: str = DEFAULT_GRAPH_IRI,
    *,
    timeout: float = 300.0,
    client: httpx.Client | None = None,
) -> PushResult:
    """Replace the named graph ``graph`` in a store with the triples of ``file``.

    Args:
        file: a triples file (Turtle, N-Triples, RDF/XML), e.g. dist/hankekg.ttl.
        urls: the store's URLs (:func:`server_urls` fills them for known servers).
        graph: the target graph IRI.
        timeout: seconds to wait for each answer (the upload may take long on a big file).
        client: an httpx client to use (tests); default: a fresh one.

    Returns:
        What was pushed.

    Raises:
        LinkError: the file cannot be pushed, or a request failed; the target graph is then as
            before and the temporary graph has been dropped.
    """
    start = time.monotonic()
    file = Path(file)
    content_type = _CONTENT_TYPES.get(file.suffix.lower())
    if content_type is None:
        raise LinkError(
            f"cannot push a {file.suffix or 'suffix-less'} file: the Graph Store Protocol takes one "
            f"graph of triples ({', '.join(sorted(_CONTENT_TYPES))})", path=file,
        )
    if not file.is_file():
        raise LinkError("no such graph file (build it with `hankekg build`)", path=file)
    check_iri(graph)
    tmp = f"{graph}-tmp-{secrets.token_hex(8)}"
    size = file.stat().st_size
    http = _Client(timeout, client)
    try:
        previous = http.count(urls.query, graph, "counting the current graph")
        uploaded = False
        try:
            log.info("uploading %s (%d bytes) to %s as <%s>", file, size, split_userinfo(urls.store)[0], tmp)
            uploaded = True  # from the first byte on, a partial temp graph may exist
            with file.open("rb") as body:  # a file object: httpx streams it, with Content-Length
                http.request("PUT", urls.store, "uploading to the graph store", params={"graph": tmp},
                             content=body, headers={"Content-Type": content_type})
            loaded = http.count(urls.query, tmp, "counting the uploaded graph")
            if loaded == 0:  # an empty upload would wipe the target: refuse it
                raise LinkError(f"the store holds no triples after uploading {file}; the target was kept")
            http.update(urls.update, f"MOVE GRAPH <{tmp}> TO <{graph}>", "replacing the graph (MOVE)")
            uploaded = False
        finally:
            if uploaded:
                _drop(http, urls.update, tmp)
        triples = http.count(urls.query, graph, "counting the new graph")
    finally:
        http.close()
    seconds = time.monotonic() - start
    log.info("<%s>: %d triples (was %d), %.1f s", graph, triples, previous, seconds)
    return PushResult(graph, triples, previous, size, seconds)


def _drop(http: _Client, update_url: str, tmp: str) -> None:
    """Drop the temporary graph after a failure; a failure here is logged, not raised."""
    try:
        http.update(update_url, f"DROP SILENT GRAPH <{tmp}>", "dropping the temporary graph")
        log.info("dropped the temporary graph <%s>", tmp)
    except LinkError as exc:
        log.warning("could not drop the temporary graph <%s>: %s", tmp, exc)
