"""RegistryFetcher against a real HTTP server on 127.0.0.1, serving the sample registry pages.

Waits go to a fake clock, except in the one test that checks the spacing of requests
with the real one; timeouts are 0.2 s. Nothing leaves the loopback interface.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import httpx
import pytest

from hankekg.errors import HankekgError, InputError
from hankekg.link import fetch as fetch_module
from hankekg.link.fetch import FetchResult, RegistryFetcher
from tests.servers import Reply, Request, Script, serve

REPO = Path(__file__).resolve().parents[2]
SAMPLES = next(
    (d for d in (REPO / "data" / "registry" / "eura2014", Path("/work/shared/registry/eura2014"))
     if any(d.glob("*.txt"))),
    REPO / "data" / "registry" / "eura2014",
)
PAGE_PATH = "/rrtiepa/projekti.php"
CODE = "S20013"  # its text has ä and ö: "Kunnolla töihin", "Sovatek säätiö"
OTHER = "S20197"


def sample_text(code: str) -> str:
    return (SAMPLES / f"{code}.txt").read_text(encoding="utf-8")


def page(code: str, encoding: str = "utf-8", meta: str | None = None) -> bytes:
    """The sample text of ``code`` wrapped in HTML, encoded; ``meta`` is a meta charset to declare."""
    head = f'<meta charset="{meta}">' if meta else ""
    doc = (f"<!DOCTYPE html><html><head>{head}<title>Projekti {code}</title></head>"
           f"<body><pre>{html.escape(sample_text(code))}</pre></body></html>")
    return doc.encode(encoding)


def ok(code: str, **kwargs) -> Reply:
    return Reply(200, page(code), {"Content-Type": "text/html; charset=utf-8"}, **kwargs)


def by_code(request: Request) -> str:
    return request.query.get("projektikoodi", [""])[0]


class FakeTime:
    """A monotonic clock that only moves when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RaisingTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the network was used: {request.url}")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """A proxy from the environment must not see (or swallow) the loopback requests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_fetcher(tmp_path, fake_time):
    """A factory of online fetchers on a server, with fast settings; each is closed after the test."""
    made = []

    def make(server, **kwargs) -> RegistryFetcher:
        settings = dict(cache_dir=tmp_path / "cache", base_url=server.url(PAGE_PATH), online=True,
                        delay=0.0, timeout=0.2, retries=2, sleep=fake_time.sleep, clock=fake_time.clock)
        fetcher = RegistryFetcher(**{**settings, **kwargs})
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def cache_files(fetcher: RegistryFetcher) -> list[str]:
    """Every name in the cache folder, temporary files included."""
    return sorted(p.name for p in fetcher.cache_dir.iterdir()) if fetcher.cache_dir.exists() else []


def test_samples_present():
    assert (SAMPLES / f"{CODE}.txt").is_file(), f"no sample pages in {SAMPLES}"


def test_page_url_puts_the_code_in_projektikoodi(tmp_path):
    fetcher = RegistryFetcher(tmp_path)
    assert fetcher.page_url(CODE) == f"https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi={CODE}"


@pytest.mark.parametrize("code", ["s20013", "S2001", "S200133", "../S20013", "S20013.html", ""])
def test_a_bad_code_is_an_input_error(tmp_path, code):
    fetcher = RegistryFetcher(tmp_path, online=True, client=httpx.Client(transport=RaisingTransport()))
    with pytest.raises(InputError):
        fetcher.page_url(code)
    with pytest.raises(InputError):
        fetcher.fetch(code)
    with pytest.raises(InputError):
        fetcher.fetch_all([OTHER, code])  # checked before anything is fetched


def test_fetched_once_then_served_from_cache(make_fetcher):
    with serve(Script({CODE: ok(CODE)}, key=by_code)) as server:
        fetcher = make_fetcher(server)
        first = fetcher.fetch(CODE)
        assert first.status == "fetched", first.message
        assert first.path == fetcher.cache_dir / f"{CODE}.html"
        assert first.path.read_bytes() == page(CODE)
        assert [(r.path, by_code(r)) for r in server.requests] == [(PAGE_PATH, CODE)]

        second = fetcher.fetch(CODE)
        assert second == FetchResult(CODE, "cached", first.path, second.message)
        assert len(server.requests) == 1


def test_offline_never_touches_the_network(tmp_path, monkeypatch):
    def no_client(*args, **kwargs):
        raise AssertionError("an HTTP client was made offline")

    given = httpx.Client(transport=RaisingTransport())
    monkeypatch.setattr(fetch_module.httpx, "Client", no_client)
    (tmp_path / f"{OTHER}.html").write_text("<html>S20197</html>", encoding="utf-8")
    fetcher = RegistryFetcher(tmp_path, client=given)

    results = fetcher.fetch_all([CODE, OTHER])

    assert [(r.code, r.status, r.path) for r in results] == [
        (CODE, "offline-missing", None), (OTHER, "cached", tmp_path / f"{OTHER}.html")]
    assert not (tmp_path / f"{CODE}.html").exists()


def test_online_makes_its_own_client_with_the_user_agent(tmp_path):
    with serve(Script({CODE: ok(CODE)}, key=by_code)) as server:
        with RegistryFetcher(tmp_path, base_url=server.url(PAGE_PATH), online=True, delay=0, timeout=2) as fetcher:
            assert fetcher.fetch(CODE).status == "fetched"
        (request,) = server.requests
    assert request.headers["user-agent"] == fetch_module.DEFAULT_USER_AGENT
    assert request.headers["user-agent"].startswith("hankekg/")
    assert "https://w3id.org/hankekg" in request.headers["user-agent"]


def test_the_user_agent_is_sent_through_a_given_client_too(make_fetcher):
    with serve(Script({CODE: ok(CODE)}, key=by_code)) as server, httpx.Client() as client:
        fetcher = make_fetcher(server, client=client, user_agent="hankekg-test/1 (+mailto:x@example.org)")
        assert fetcher.fetch(CODE).status == "fetched"
        assert server.requests[0].headers["user-agent"] == "hankekg-test/1 (+mailto:x@example.org)"


def test_a_slow_page_is_retried_then_failed(make_fetcher, fake_time):
    with serve(Script({CODE: ok(CODE, delay=2.0)}, key=by_code)) as server:
        fetcher = make_fetcher(server, retries=2, backoff=1.0)
        started = time.monotonic()
        result = fetcher.fetch(CODE)
        elapsed = time.monotonic() - started
        assert len(server.requests) == 3
    assert result.status == "failed" and result.path is None
    assert CODE in result.message and server.url(PAGE_PATH) in result.message
    assert "gave up after 3 attempts" in result.message and "timed out" in result.message
    assert fake_time.sleeps == [1.0, 2.0]  # exponential backoff
    assert elapsed < 1.5  # three 0.2 s timeouts, not three 2 s waits
    assert cache_files(fetcher) == []


def test_a_500_then_a_200_succeeds_after_a_retry(make_fetcher, fake_time):
    script = Script({CODE: [Reply(500, b"oops"), ok(CODE)]}, key=by_code)
    with serve(script) as server:
        result = make_fetcher(server).fetch(CODE)
        assert len(server.requests) == 2
    assert result.status == "fetched", result.message
    assert fake_time.sleeps == [2.0]


def test_5xx_every_time_fails_after_the_last_retry(make_fetcher, fake_time):
    with serve(Script({CODE: Reply(503, b"busy")}, key=by_code)) as server:
        result = make_fetcher(server, retries=3).fetch(CODE)
        assert len(server.requests) == 4
    assert result.status == "failed"
    assert "HTTP 503" in result.message and "gave up after 4 attempts" in result.message
    assert fake_time.sleeps == [2.0, 4.0, 8.0]


def test_429_waits_as_long_as_retry_after_says(make_fetcher, fake_time):
    script = Script({CODE: [Reply(429, headers={"Retry-After": "7"}), ok(CODE)]}, key=by_code)
    with serve(script) as server:
        result = make_fetcher(server).fetch(CODE)
        assert len(server.requests) == 2
    assert result.status == "fetched", result.message
    assert fake_time.sleeps == [7.0]


def test_a_huge_retry_after_is_capped(make_fetcher, fake_time):
    script = Script({CODE: [Reply(429, headers={"Retry-After": "86400"}), ok(CODE)]}, key=by_code)
    with serve(script) as server:
        result = make_fetcher(server, max_retry_after=30.0).fetch(CODE)
    assert result.status == "fetched", result.message
    assert fake_time.sleeps == [30.0]


def test_a_404_fails_without_a_retry(make_fetcher, fake_time):
    with serve(Script({CODE: Reply(404, b"no such project")}, key=by_code)) as server:
        fetcher = make_fetcher(server)
        result = fetcher.fetch(CODE)
        assert len(server.requests) == 1
    assert result.status == "failed"
    assert "HTTP 404" in result.message and "not retried" in result.message
    assert server.url(PAGE_PATH) in result.message
    assert fake_time.sleeps == []
    assert cache_files(fetcher) == []


@pytest.mark.parametrize("body, why", [
    (page(OTHER), "does not appear"),  # another project's page
    (b"<html><body>Istunto on vanhentunut.</body></html>", "does not appear"),
    (b"", "empty"),
    (b"  \n", "empty"),
    ("<html>S20013 törkeä</html>".encode("utf-16-le"), "not decodable as utf-8"),
], ids=["other-project", "no-code", "empty", "blank", "undecodable"])
def test_a_malformed_page_fails_and_is_not_cached(make_fetcher, body, why):
    with serve(Script({CODE: Reply(200, body, {"Content-Type": "text/html"})}, key=by_code)) as server:
        fetcher = make_fetcher(server)
        result = fetcher.fetch(CODE)
        assert len(server.requests) == 1
    assert result.status == "failed"
    assert "malformed page" in result.message and why in result.message
    assert cache_files(fetcher) == []


def test_a_connection_dropped_mid_page_is_retried(make_fetcher, fake_time):
    script = Script({CODE: [ok(CODE, drop=True), ok(CODE)]}, key=by_code)
    with serve(script) as server:
        result = make_fetcher(server).fetch(CODE)
        assert len(server.requests) == 2
    assert result.status == "fetched", result.message
    assert result.path.read_bytes() == page(CODE)


def test_a_connection_dropped_every_time_fails_cleanly(make_fetcher):
    with serve(Script({CODE: ok(CODE, drop=True)}, key=by_code)) as server:
        fetcher = make_fetcher(server, retries=1)
        result = fetcher.fetch(CODE)
        assert len(server.requests) == 2
    assert result.status == "failed"
    assert "gave up after 2 attempts" in result.message and "connection failed" in result.message
    assert cache_files(fetcher) == []


def test_a_refused_connection_fails_cleanly(make_fetcher):
    with serve(Script()) as server:
        pass  # the port is free again: nothing listens on it now
    fetcher = make_fetcher(server, retries=1)
    result = fetcher.fetch(CODE)
    assert result.status == "failed" and "connection failed" in result.message


@pytest.mark.parametrize("content_type, meta", [
    ("text/html; charset=windows-1252", None),
    ("text/html; charset=ISO-8859-1", None),
    ("text/html", "iso-8859-1"),
], ids=["header-cp1252", "header-latin1", "meta-latin1"])
def test_a_cp1252_page_is_stored_as_utf8(make_fetcher, content_type, meta):
    body = page(CODE, "cp1252", meta)
    assert "ö".encode("utf-8") not in body
    with serve(Script({CODE: Reply(200, body, {"Content-Type": content_type})}, key=by_code)) as server:
        result = make_fetcher(server).fetch(CODE)
    assert result.status == "fetched", result.message
    stored = result.path.read_text(encoding="utf-8")  # fails if not UTF-8
    assert "Hankkeen nimi: Kunnolla töihin" in stored
    assert "Sovatek säätiö" in stored
    assert "Ã" not in stored  # no double encoding
    if meta:
        assert '<meta charset="utf-8">' in stored


def test_a_page_without_a_charset_is_read_as_utf8(make_fetcher):
    with serve(Script({CODE: Reply(200, page(CODE), {"Content-Type": "text/html"})}, key=by_code)) as server:
        result = make_fetcher(server).fetch(CODE)
    assert result.status == "fetched", result.message
    assert "Kunnolla töihin" in result.path.read_text(encoding="utf-8")


def test_an_interrupted_cache_write_leaves_no_partial_file(make_fetcher, monkeypatch):
    def crash(src, dst):
        raise OSError(28, "No space left on device")

    # The real write_atomic runs up to the rename: the temporary file exists, full, then fails.
    monkeypatch.setattr("hankekg.publish.files.os.replace", crash)
    with serve(Script({CODE: ok(CODE)}, key=by_code)) as server:
        fetcher = make_fetcher(server)
        with pytest.raises(HankekgError, match="cannot write the cached page of S20013"):
            fetcher.fetch(CODE)
    assert cache_files(fetcher) == []


def test_an_interrupt_while_writing_is_not_swallowed(make_fetcher, monkeypatch):
    def interrupted(path, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch_module, "write_atomic", interrupted)
    with serve(Script({CODE: ok(CODE)}, key=by_code)) as server:
        fetcher = make_fetcher(server)
        with pytest.raises(KeyboardInterrupt):
            fetcher.fetch(CODE)
    assert cache_files(fetcher) == []


def test_fetch_all_goes_on_after_failures(make_fetcher, tmp_path):
    codes = ["S20220", CODE, "S20237", OTHER]
    script = Script({CODE: Reply(404), OTHER: ok(OTHER), "S20237": ok("S20237")}, key=by_code)
    seen: list[FetchResult] = []
    with serve(script) as server:
        fetcher = make_fetcher(server)
        (fetcher.cache_dir).mkdir()
        (fetcher.cache_dir / "S20220.html").write_text("<html>S20220</html>", encoding="utf-8")
        results = fetcher.fetch_all(codes, progress=seen.append)
        assert [by_code(r) for r in server.requests] == [CODE, "S20237", OTHER]
    assert [(r.code, r.status) for r in results] == [
        ("S20220", "cached"), (CODE, "failed"), ("S20237", "fetched"), (OTHER, "fetched")]
    assert seen == results


def test_requests_and_retries_wait_for_the_delay(make_fetcher, fake_time):
    script = Script({CODE: [Reply(500), ok(CODE)], OTHER: ok(OTHER)}, key=by_code)
    with serve(script) as server:
        fetcher = make_fetcher(server, delay=5.0, backoff=1.0)
        fetcher.fetch_all([CODE, OTHER])
        assert len(server.requests) == 3
    # 1 s of backoff, topped up to the 5 s delay; then 5 s before the next project.
    assert fake_time.sleeps == [1.0, 4.0, 5.0]


def test_requests_are_spaced_on_the_real_clock(tmp_path):
    codes = [CODE, OTHER, "S20220"]
    with serve(Script({c: ok(c) for c in codes}, key=by_code)) as server:
        with RegistryFetcher(tmp_path, base_url=server.url(PAGE_PATH), online=True, delay=0.2, timeout=2) as fetcher:
            results = fetcher.fetch_all(codes)
        times = [r.at for r in server.requests]
    assert [r.status for r in results] == ["fetched"] * 3
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert all(gap >= 0.19 for gap in gaps), gaps
