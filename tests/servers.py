"""A real HTTP server on 127.0.0.1 for tests, run in a background thread.

The test decides every answer: :func:`serve` takes a *responder*, a function from the
:class:`Request` seen to the :class:`Reply` to give. :class:`Script` is a ready-made
responder that gives replies in order per request key. Every request is recorded, so a
test can count hits and read the headers a client sent::

    with serve(Script({"/page?id=1": [Reply(500), Reply(200, b"ok")]})) as server:
        httpx.get(server.url("/page?id=1"))
        assert len(server.requests) == 1

A reply can be slow (``delay``) or cut off mid-body (``drop``), to test timeouts and
broken connections. Only the loopback interface is used; the port is chosen by the OS.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """One request the server received.

    Attributes:
        method: ``GET``, ``HEAD``, …
        target: The path and query as sent, e.g. ``/projekti.php?projektikoodi=S20013``.
        headers: The request headers, names in lower case.
        at: ``time.monotonic()`` when the request line had been read.
    """

    method: str
    target: str
    headers: Mapping[str, str]
    at: float

    @property
    def path(self) -> str:
        """The path without the query."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        """The query parameters."""
        return parse_qs(urlsplit(self.target).query)


@dataclass(frozen=True)
class Reply:
    """What to answer.

    Attributes:
        status: The HTTP status code.
        body: The body bytes.
        headers: Extra headers; Content-Length is added unless given.
        delay: Seconds to wait before answering (cut short when the server stops).
        drop: Send the headers and half the body, then close the connection.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


Responder = Callable[[Request], Reply]


class Script:
    """A responder giving scripted replies per request key, in order; the last one repeats.

    The key is the request target (path and query) by default; pass ``key`` to match
    otherwise, e.g. ``key=lambda r: r.query["projektikoodi"][0]``. A request with no
    script gets ``fallback`` (a 404 unless given).
    """

    def __init__(
        self,
        replies: Mapping[str, Reply | Sequence[Reply]] | None = None,
        key: Callable[[Request], str] = lambda request: request.target,
        fallback: Reply = Reply(404, b"not found"),
    ):
        self._queues = {k: [v] if isinstance(v, Reply) else list(v) for k, v in (replies or {}).items()}
        self._key = key
        self._fallback = fallback
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            queue = self._queues.get(self._key(request))
            if not queue:
                return self._fallback
            return queue.pop(0) if len(queue) > 1 else queue[0]


class LocalServer:
    """A running server: its address and the requests it has seen (see :func:`serve`)."""

    def __init__(self, httpd: ThreadingHTTPServer, stopping: threading.Event):
        self._httpd = httpd
        self._stopping = stopping
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        host, port = httpd.server_address[:2]
        self.base = f"http://{host}:{port}"

    def url(self, target: str = "/") -> str:
        """The absolute URL of ``target`` (a path, optionally with a query) on this server."""
        return self.base + target

    @property
    def requests(self) -> list[Request]:
        """A copy of the requests seen so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def _record(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)


def _handler_class(server: LocalServer, responder: Responder, stopping: threading.Event) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            request = Request(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()
            )
            server._record(request)
            reply = responder(request)
            if reply.delay and stopping.wait(reply.delay):
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if not any(name.lower() == "content-length" for name in reply.headers):
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.drop:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("%s " + format, self.address_string(), *args)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that timed out and hung up makes the late reply fail; that is the test.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


@contextmanager
def serve(responder: Responder) -> Iterator[LocalServer]:
    """Run an HTTP server on 127.0.0.1 (a free port) answering through ``responder``.

    Yields:
        The running server. On exit it stops, and slow replies still waiting are dropped.
    """
    stopping = threading.Event()
    httpd = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server = LocalServer(httpd, stopping)
    httpd.RequestHandlerClass = _handler_class(server, responder, stopping)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
