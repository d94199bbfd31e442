"""Faults: publishing killed part way, pushes to a triplestore that fails in every way (against a
real Oxigraph server on loopback, one of them killed mid-upload), and Ctrl-C during a fetch or a
build. Each leaves the previous state whole, says what went wrong, and the next run succeeds."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from tests.robustness.helpers import SEED_PAGE, data_dir, seed_card
from tests.servers import Reply, Script, serve
from tests.support import REPO, SEED, run_cli

from hankekg.errors import LinkError
from hankekg.link.fetch import RegistryFetcher
from hankekg.link.oxigraph import OxigraphServer, free_port
from hankekg.query.endpoint import SparqlEndpoint
from hankekg.query.push import DEFAULT_GRAPH_IRI, StoreUrls, push, server_urls

PAUSE_ENV = "HANKEKG_PUBLISH_PAUSE"
SMALL = REPO / "tests" / "fixtures" / "kohesio" / "eu-kg-sample.ttl"


def _cli_popen(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hankekg", *args], cwd=REPO,
                            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, proc: subprocess.Popen, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert proc.poll() is None, f"the process ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within {limit} s"
        time.sleep(0.02)


def _temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.tmp"))


def _manifest_intact(out: Path, manifest: dict) -> None:
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], f"{name} changed"


# --------------------------------------------------------------------------- atomic publish


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_publish_killed_part_way_leaves_the_previous_dumps_whole(tmp_path, signum):
    data = data_dir(tmp_path, cards={"S21684.txt": SEED.read_text(encoding="utf-8")},
                    pages={"S21684.txt": SEED_PAGE.read_text(encoding="utf-8")})
    out = tmp_path / "dist"
    assert run_cli("publish", str(data), "--out", str(out)).returncode == 0
    old = json.loads((out / "manifest.json").read_bytes())
    (data / "cards" / "S21684.txt").write_text(seed_card(**{"368 136": "400 000"}), encoding="utf-8")

    proc = _cli_popen("publish", str(data), "--out", str(out), env={PAUSE_ENV: "0.3"})
    try:
        _wait_for(lambda: len(_temps(out)) >= 2, proc, "temporary dump files")
        proc.send_signal(signum)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0

    _manifest_intact(out, old)  # every file of the previous publish, byte for byte
    Graph().parse(out / "hankekg.ttl")
    if signum == signal.SIGINT:  # Ctrl-C: the publish removes its own temporary files
        assert not _temps(out)

    again = run_cli("publish", str(data), "--out", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert not _temps(out), "the next publish removes what the killed one left"
    new = json.loads((out / "manifest.json").read_bytes())
    _manifest_intact(out, new)
    assert new["files"]["hankekg.ttl"]["sha256"] != old["files"]["hankekg.ttl"]["sha256"]
    assert "400000" in (out / "hankekg.ttl").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- push


@pytest.fixture
def oxigraph(tmp_path):
    """A real Oxigraph server on loopback over a store folder, holding the previous graph."""
    server = OxigraphServer(tmp_path / "store", read_only=False)
    server.start()
    try:
        push(SMALL, server_urls("oxigraph", server.base_url))
        yield server
    finally:
        server.stop()


def graphs(server) -> dict[str, int]:
    rows = SparqlEndpoint(server.query_url).select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {str(g): int(n) for g, n in rows}


PREVIOUS = {DEFAULT_GRAPH_IRI: 71}


def _push_cli(query: str, update: str, store: str, *extra: str, env: dict | None = None):
    return run_cli("push", "--endpoint", query, "--update", update, "--store", store, "--file", str(SEED_GRAPH),
                   *extra, env=env)


SEED_GRAPH = REPO / "tests" / "fixtures" / "kohesio" / "eu-kg-sample.ttl"


def test_push_to_a_server_that_is_down(oxigraph):
    real = server_urls("oxigraph", oxigraph.base_url)
    down = f"http://127.0.0.1:{free_port()}"
    proc = _push_cli(real.query, real.update, down + "/store")
    assert proc.returncode == 2 and "is unreachable" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("push", "--server", "oxigraph", down, "--file", str(SMALL))
    assert proc.returncode == 2 and "counting the current graph" in proc.stderr
    assert graphs(oxigraph) == PREVIOUS


def test_push_to_a_server_that_times_out(oxigraph):
    real = server_urls("oxigraph", oxigraph.base_url)
    with serve(Script(fallback=Reply(200, b"late", delay=10))) as slow:
        _accept_post(slow)
        started = time.monotonic()
        proc = _push_cli(real.query, real.update, slow.url("/store"), "--timeout", "1")
    assert time.monotonic() - started < 9
    assert proc.returncode == 2 and "did not answer within 1.0 s" in proc.stderr
    assert graphs(oxigraph) == PREVIOUS


@pytest.mark.parametrize("status, says", [(401, "HTTP 401 Unauthorized (credentials missing or refused)"),
                                          (500, "HTTP 500 Internal Server Error")])
def test_push_to_a_server_answering_an_error(oxigraph, status, says):
    real = server_urls("oxigraph", oxigraph.base_url)
    with serve(Script(fallback=Reply(status, b"nope"))) as bad:
        _accept_post(bad)
        proc = _push_cli(real.query, real.update, bad.url("/store"))
        assert [r.method for r in bad.requests] == ["PUT"]
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr
    assert graphs(oxigraph) == PREVIOUS  # untouched, and the temporary graph dropped


def test_push_whose_connection_drops_mid_upload(oxigraph, tmp_path):
    """A store that reads part of the upload and hangs up."""
    real = server_urls("oxigraph", oxigraph.base_url)
    big = _big_ntriples(tmp_path / "big.nt", 20_000)
    with _hang_up_after(64 * 1024) as url:
        with pytest.raises(LinkError, match="uploading to the graph store: .* is unreachable"):
            push(big, StoreUrls(real.query, real.update, url))
        proc = run_cli("push", "--endpoint", real.query, "--update", real.update, "--store", url, "--file", str(big))
    assert proc.returncode == 2 and "uploading to the graph store" in proc.stderr
    assert graphs(oxigraph) == PREVIOUS


def test_oxigraph_killed_mid_push_keeps_the_previous_graph(oxigraph, tmp_path):
    """The server process is SIGKILLed 0.3 s into a push that takes it some 5 s (30,000 triples in
    one transaction); restarted on the same store folder it holds the previous graph and nothing
    else, and the next push succeeds."""
    big = _big_ntriples(tmp_path / "big.nt", 30_000)
    urls = server_urls("oxigraph", oxigraph.base_url)
    killed = threading.Event()

    def kill_soon(request: httpx.Request) -> None:
        if request.method == "PUT":
            def kill() -> None:
                time.sleep(0.3)
                os.kill(oxigraph.pid, signal.SIGKILL)
                killed.set()
            threading.Thread(target=kill, daemon=True).start()

    with httpx.Client(timeout=60, event_hooks={"request": [kill_soon]}) as client, \
            pytest.raises(LinkError) as info:
        push(big, urls, client=client)
    assert killed.is_set(), info.value
    assert "uploading to the graph store" in str(info.value)  # killed while it took the upload in

    oxigraph.stop()
    restarted = OxigraphServer(oxigraph.location, read_only=False)
    restarted.start()
    try:
        assert graphs(restarted) == PREVIOUS
        result = push(_big_ntriples(tmp_path / "next.nt", 2_000), server_urls("oxigraph", restarted.base_url))
        assert (result.previous, result.triples) == (71, 2_000)
        assert graphs(restarted) == {DEFAULT_GRAPH_IRI: 2_000}
    finally:
        restarted.stop()


def _big_ntriples(path: Path, triples: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(triples):
            f.write(f'<https://example.org/s/{i}> <https://example.org/p> "arvo {i} – \\"lainattu\\" teksti"@fi .\n')
    return path


def _accept_post(server) -> None:
    """Let a tests.servers server answer POST and PUT as it answers GET (after reading the body)."""
    base = server._httpd.RequestHandlerClass

    class Handler(base):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.do_GET()

        do_PUT = do_POST

    server._httpd.RequestHandlerClass = Handler


class _hang_up_after:
    """A raw loopback server that reads ``limit`` bytes of each request, then closes the socket."""

    def __init__(self, limit: int):
        self.limit = limit
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.stop = False

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                got = 0
                while got < self.limit:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    got += len(chunk)
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> str:
        threading.Thread(target=self._serve, daemon=True).start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/store"

    def __exit__(self, *exc) -> None:
        self.stop = True
        self.sock.close()


# --------------------------------------------------------------------------- Ctrl-C


def _registry_html() -> bytes:
    page = SEED_PAGE.read_text(encoding="utf-8")
    return ("<html><body>" + "".join(f"<p>{line}</p>" for line in page.splitlines()) + "</body></html>").encode()


def test_ctrl_c_during_an_online_fetch_leaves_no_half_written_cache_entry(tmp_path):
    data = data_dir(tmp_path, cards={"S21684.txt": SEED.read_text(encoding="utf-8")})
    cache = data / "registry" / "eura2014"
    html = _registry_html()
    with serve(Script(fallback=Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}, delay=30))) as slow:
        proc = _cli_popen("link", "--data-dir", str(data), "--out", str(tmp_path / "dist"), "--online",
                          "--delay", "0", "--registry-url", slow.url("/projekti.php"))
        try:
            _wait_for(lambda: slow.requests, proc, "a request to the registry")
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode != 0
    assert list(cache.iterdir()) == [], "nothing, not even a temporary file, is left in the cache"

    with serve(Script(fallback=Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}))) as fast:
        again = run_cli("link", "--data-dir", str(data), "--out", str(tmp_path / "dist"), "--online",
                        "--delay", "0", "--registry-url", fast.url("/projekti.php"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert [p.name for p in cache.iterdir()] == ["S21684.html"]
    assert (cache / "S21684.html").read_bytes() == html


def test_ctrl_c_while_a_fetched_page_is_written_leaves_no_partial_file(tmp_path, monkeypatch):
    html = _registry_html()
    with serve(Script(fallback=Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}))) as server:
        fetcher = RegistryFetcher(tmp_path, base_url=server.url("/projekti.php"), online=True, delay=0)

        def interrupted(fd):
            raise KeyboardInterrupt

        with monkeypatch.context() as m:
            m.setattr(os, "fsync", interrupted)
            with pytest.raises(KeyboardInterrupt):
                fetcher.fetch("S21684")
        assert list(tmp_path.iterdir()) == []
        assert fetcher.fetch("S21684").status == "fetched"
        fetcher.close()
    assert (tmp_path / "S21684.html").read_bytes() == html


def _published(out: Path) -> dict:
    """Every published file of a dist/ folder and its bytes (not the lock, not the card cache)."""
    return {p: p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".publish.lock" and ".cache" not in p.relative_to(out).parts}


def test_ctrl_c_during_a_build_keeps_the_previous_dist_and_the_next_build_is_right(tmp_path):
    data = data_dir(tmp_path, cards={"S21684.txt": SEED.read_text(encoding="utf-8")})
    out = tmp_path / "dist"
    assert run_cli("build", str(data), "--out", str(out)).returncode == 0
    old = json.loads((out / "manifest.json").read_bytes())
    before = _published(out)
    (data / "cards" / "S21684.txt").write_text(seed_card(**{"368 136": "400 000"}), encoding="utf-8")
    proc = _cli_popen("build", str(data), "--out", str(out), env={PAUSE_ENV: "0.3"})
    try:
        _wait_for(lambda: _temps(out), proc, "a temporary file")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert not _temps(out)
    _manifest_intact(out, old)
    assert _published(out) == before, "an interrupted build changed dist/"
    # The card cache (dist/.cache, not published) may have gained the changed card, whole.
    for entry in (out / ".cache").rglob("*.json"):
        json.loads(entry.read_bytes())
    again = run_cli("build", str(data), "--out", str(out))
    assert again.returncode == 0
    assert "400000" in (out / "hankekg.ttl").read_text(encoding="utf-8")
    _manifest_intact(out, json.loads((out / "manifest.json").read_bytes()))
