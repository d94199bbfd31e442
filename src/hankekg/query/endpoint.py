"""The SPARQL endpoint query port: any SPARQL 1.1 server, through SPARQLWrapper.

Queries go by POST and ask for JSON results; parameters are bound with a ``VALUES`` block built
from typed terms (:func:`hankekg.query.catalogue.bind_values`), never spliced as text.

Credentials, first found wins: the ``user``/``password`` arguments, a ``user:password@`` in the
URL (taken out of it before use), ``$HANKEKG_SPARQL_USER``/``$HANKEKG_SPARQL_PASSWORD``, then the
``~/.netrc`` entry for the endpoint's host (``$NETRC`` names another file). They are sent with
HTTP Basic auth and never appear in a message or a log line.

Connection errors and 5xx answers are retried with exponential backoff; a timeout is not (a
slow query stays slow). Every failure is a :class:`~hankekg.errors.QueryError` naming the
endpoint.
"""

from __future__ import annotations

import http.client
import json
import logging
import netrc
import os
import time
import urllib.error
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from SPARQLWrapper import JSON, POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from hankekg import __version__
from hankekg.errors import QueryError
from hankekg.query.port import Rows, Term, query_form

log = logging.getLogger(__name__)

USER_ENV = "HANKEKG_SPARQL_USER"
PASSWORD_ENV = "HANKEKG_SPARQL_PASSWORD"
USER_AGENT = f"hankekg/{__version__} (ESF project knowledge graph; SPARQLWrapper)"


@dataclass(frozen=True, repr=False)
class Credentials:
    """A user name and password for HTTP Basic auth; the password never shows in ``repr``."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=***)"


def split_userinfo(url: str) -> tuple[str, Credentials | None]:
    """Take ``user:password@`` out of ``url``; return the clean URL and the credentials in it."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    return clean, Credentials(user, password)


def find_credentials(url: str, user: str | None = None, password: str | None = None) -> Credentials | None:
    """The credentials for ``url`` (already without userinfo): arguments, environment, netrc."""
    if user is not None:
        return Credentials(user, password or "")
    env_user = os.environ.get(USER_ENV)
    if env_user:
        return Credentials(env_user, os.environ.get(PASSWORD_ENV, ""))
    host = urllib.parse.urlsplit(url).hostname
    if not host:
        return None
    try:
        entry = netrc.netrc(os.environ.get("NETRC")).authenticators(host)
    except FileNotFoundError:
        return None
    except (netrc.NetrcParseError, OSError) as exc:
        # The parse error quotes the file's line, which may hold a password: say only where.
        where = getattr(exc, "filename", None) or os.environ.get("NETRC") or "~/.netrc"
        log.warning("ignoring %s: it cannot be read (line %s)", where, getattr(exc, "lineno", "?"))
        return None
    if entry is None:
        return None
    login, _, secret = entry
    return Credentials(login or "", secret or "")


class SparqlEndpoint:
    """A remote SPARQL 1.1 query endpoint.

    Args:
        url: the query URL, e.g. ``http://127.0.0.1:7878/query``.
        timeout: seconds to wait for each answer.
        retries: how many times to retry after a connection error or a 5xx answer.
        backoff: seconds before the first retry; doubled for each next one.
        user: user name (else from the URL, the environment or netrc).
        password: password for ``user``.
        default_graph: a named graph to query as the default graph (``default-graph-uri``),
            e.g. the graph ``hankekg push`` wrote; default: the store's own default graph.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        retries: int = 2,
        backoff: float = 0.5,
        user: str | None = None,
        password: str | None = None,
        default_graph: str | None = None,
    ):
        clean, in_url = split_userinfo(url)
        if urllib.parse.urlsplit(clean).scheme not in ("http", "https"):
            raise QueryError(f"not an http(s) SPARQL endpoint URL: {clean}")
        self.url = clean
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.default_graph = default_graph
        if user is not None or in_url is None:
            self._credentials = find_credentials(clean, user, password)
        else:
            self._credentials = in_url

    def __repr__(self) -> str:
        auth = ", with credentials" if self._credentials else ""
        return f"SparqlEndpoint({self.url!r}{auth})"

    @property
    def has_credentials(self) -> bool:
        """Whether requests carry credentials."""
        return self._credentials is not None

    # -- the port --------------------------------------------------------------------------------

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Rows:
        """Run a SELECT query; see :class:`~hankekg.query.port.QueryPort`."""
        if query_form(query) != "SELECT":
            raise QueryError(f"not a SELECT query (a {query_form(query)} query)")
        data = self._run(query, bindings)
        try:
            return Rows.from_json(data)
        except ValueError as exc:
            raise QueryError(f"SPARQL endpoint {self.url} answered {exc}") from exc

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query; see :class:`~hankekg.query.port.QueryPort`."""
        if query_form(query) != "ASK":
            raise QueryError(f"not an ASK query (a {query_form(query)} query)")
        data = self._run(query, bindings)
        answer = data.get("boolean") if isinstance(data, dict) else None
        if not isinstance(answer, bool):
            raise QueryError(f"SPARQL endpoint {self.url} answered an ASK query without a boolean")
        return answer

    # -- transport -------------------------------------------------------------------------------

    def _wrapper(self, text: str) -> SPARQLWrapper:
        sparql = SPARQLWrapper(self.url, agent=USER_AGENT)
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)  # application/sparql-query: no form-encoding limits
        sparql.setReturnFormat(JSON)
        sparql.setQuery(text)
        # SPARQLWrapper guesses the form with a regex that a header comment can fool (it took
        # "#description:" for DESCRIBE and asked for */*); ours skips comments, IRIs and strings.
        sparql.queryType = query_form(text)
        if self.default_graph:
            sparql.addDefaultGraph(self.default_graph)
        # setTimeout() truncates to whole seconds (0.5 would become "no timeout"); keep the float.
        sparql.timeout = self.timeout
        if self._credentials is not None:
            sparql.setCredentials(self._credentials.user, self._credentials.password)
        return sparql

    def _run(self, query: str, bindings: Mapping[str, Term] | None) -> dict:
        if bindings:
            from hankekg.query.catalogue import bind_values

            query = bind_values(query, dict(bindings))
        attempt = 0
        while True:
            try:
                body = self._once(query)
                break
            except _Retryable as exc:
                if attempt >= self.retries:
                    raise QueryError(f"{exc.message} (gave up after {attempt + 1} attempts)") from None
                delay = self.backoff * 2**attempt
                attempt += 1
                log.info("%s; retry %d of %d in %.1f s", exc.message, attempt, self.retries, delay)
                time.sleep(delay)
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise QueryError(
                f"SPARQL endpoint {self.url} answered something that is not SPARQL JSON results: {exc}"
            ) from None

    def _once(self, query: str) -> bytes:
        where = f"SPARQL endpoint {self.url}"
        sparql = self._wrapper(query)
        log.debug("POST %s (%d characters)", self.url, len(query))
        # `from None` everywhere: the chained exceptions hold the request, headers included.
        try:
            result = sparql.query()
            return result.response.read()
        except Unauthorized:
            hint = "the credentials were refused" if self._credentials else (
                f"it needs credentials (${USER_ENV}/${PASSWORD_ENV} or ~/.netrc)")
            raise QueryError(f"{where} answered HTTP 401 Unauthorized: {hint}") from None
        except QueryBadFormed as exc:
            raise QueryError(f"{where} rejected the query as malformed (HTTP 400): {_detail(exc)}") from None
        except EndPointNotFound:
            raise QueryError(f"{where} answered HTTP 404 Not Found: is the URL right?") from None
        except EndPointInternalError as exc:
            raise _Retryable(f"{where} answered HTTP 500 Internal Server Error: {_detail(exc)}") from None
        except SPARQLWrapperException as exc:
            raise QueryError(f"{where} refused the query: {type(exc).__name__}: {_detail(exc)}") from None
        except urllib.error.HTTPError as exc:
            message = f"{where} answered HTTP {exc.code} {exc.reason}"
            if exc.code >= 500:
                raise _Retryable(message) from None
            raise QueryError(message) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise QueryError(f"{where} did not answer within {self.timeout} s") from None
            raise _Retryable(f"{where} is unreachable: {reason}") from None
        except TimeoutError:
            raise QueryError(f"{where} did not answer within {self.timeout} s") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise _Retryable(f"{where} broke the connection: {type(exc).__name__}: {exc}") from None
        except OSError as exc:
            raise QueryError(f"{where} failed: {type(exc).__name__}: {exc}") from None


class _Retryable(Exception):
    """A failure worth another attempt (connection refused or broken, a 5xx answer)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _detail(exc: Exception) -> str:
    """The useful part of a SPARQLWrapper error: the server's answer, on one line, bounded."""
    text = str(exc).strip()
    marker = "Response:"
    if marker in text:
        text = text.split(marker, 1)[1].strip()
        if text.startswith(("b'", 'b"')):
            text = text[2:-1]
        text = text.replace("\\n", " ")
    text = " ".join(text.split())
    return text[:500] + ("…" if len(text) > 500 else "") if text else type(exc).__name__
