"""The static site in a real headless browser: Debian's chromium driven by Playwright.

The site of a build of data/ is served over a loopback HTTP server (tests/servers.py) and
opened in chromium: the index loads, the region filter and the offline search narrow the
project list to what the registry pages say, a project page shows its funder,
implementers and outputs, no page logs an error, every internal link answers 200. Two
screenshots (the index and the S21684 page) are saved to ``$HANKEKG_ARTIFACTS/site/`` or,
by default, ``tests/artifacts/site/``, and their paths printed.

Playwright's own browser download is not used (the machine has no network): the test
needs the Debian package ``chromium`` at /usr/bin/chromium and fails, never skips, when it
is missing (``make test`` installs it).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tests.servers import Reply, Request, serve

from hankekg.pipeline import build
from hankekg.publish.dumps import union
from hankekg.publish.site import fold, write_site

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "application/javascript; charset=utf-8", ".ttl": "text/turtle; charset=utf-8",
         ".jsonld": "application/ld+json", ".json": "application/json"}


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("HANKEKG_ARTIFACTS", ROOT / "tests" / "artifacts")) / "site"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def static_files(root: Path):
    """A responder serving the files under ``root`` (``/`` is index.html), 404 otherwise."""
    root = root.resolve()

    def respond(request: Request) -> Reply:
        path = urllib.request.url2pathname(request.path.lstrip("/")) or "index.html"
        file = (root / path).resolve()
        if root not in file.parents or not file.is_file():
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        return Reply(200, file.read_bytes(), {"Content-Type": TYPES.get(file.suffix, "application/octet-stream")})

    return respond


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    result = build(DATA)
    out = tmp_path_factory.mktemp("dist") / "site"
    write_site(result, union(result.dataset), out)
    return out


@pytest.fixture(scope="module")
def server(site):
    with serve(static_files(site)) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM}: run `apt-get install chromium` "
                    "(make test installs it); the browser test needs it", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed in the virtual environment: pip install playwright",
                    pytrace=False)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """A page whose console errors, page errors and failed responses are collected."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.on("response", lambda r: self.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None)

    def visible_codes(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#projects tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.code)")

    def hrefs(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "a[href], link[href], script[src]", "els => els.map(e => e.href || e.src)")

    def close(self):
        self.page.close()


@pytest.fixture
def tab(browser):
    watched = Watched(browser)
    yield watched
    watched.close()


def expected_projects_in(region_name: str) -> set[str]:
    """Codes of the projects whose registry page's Postitoimipaikka (City/town on an English
    page) is in ``region_name``, worked out from data/ alone (reference/municipalities.csv
    and regions.csv)."""
    with open(DATA / "reference" / "regions.csv", encoding="utf-8") as f:
        codes = {row["code"] for row in csv.DictReader(f) if row["name_fi"] == region_name}
    with open(DATA / "reference" / "municipalities.csv", encoding="utf-8") as f:
        towns = {fold(row["municipality"]) for row in csv.DictReader(f) if row["region"] in codes}
    found = set()
    pages = sorted((DATA / "registry" / "eura2014").glob("*.txt"))
    assert len(pages) == 64
    for page in pages:
        text = page.read_text(encoding="utf-8")
        code = re.search(r"^(?:Hankekoodi|Project code):\s*(\S+)", text, re.MULTILINE).group(1)
        town = re.search(r"^(?:Postitoimipaikka|City/town):\s*(.*)$", text, re.MULTILINE)
        if town and fold(town.group(1).strip()) in towns:
            found.add(code)
    return found


def check_links(server, hrefs: list[str]) -> list[str]:
    """Every link to the server among ``hrefs`` that does not answer 200."""
    bad = []
    for url in sorted(set(hrefs)):
        if not url.startswith(server.base):
            continue
        url = url.split("#", 1)[0]
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
                if response.status != 200:
                    bad.append(f"{response.status} {url}")
        except urllib.error.HTTPError as err:
            bad.append(f"{err.code} {url}")
    return bad


def test_index_loads_filters_and_searches(server, tab):
    page = tab.page
    page.goto(server.url("/index.html"))
    assert page.title().startswith("Hankkeet / Projects")
    assert page.locator("h1").inner_text().startswith("Hankkeet")
    assert len(tab.visible_codes()) == 64
    assert "64 / 64" in page.locator("#count").inner_text()

    shot = artifacts_dir() / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the index: {shot}")

    expected = expected_projects_in("Etelä-Savo")
    assert "S21684" in expected and 1 < len(expected) < 64
    page.select_option("#f-region", label="Etelä-Savo")
    assert set(tab.visible_codes()) == expected
    assert f"{len(expected)} / 64" in page.locator("#count").inner_text()

    page.click("#f-reset")
    page.wait_for_function("document.querySelectorAll('#projects tbody tr:not([hidden])').length === 64")

    page.fill("#q", "yhteisollisen")
    visible = tab.visible_codes()
    assert "S21684" in visible and len(visible) < 64
    page.fill("#q", "S21684")
    assert tab.visible_codes() == ["S21684"]
    page.fill("#q", "")

    page.select_option("#f-funder", label="Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus")
    assert tab.visible_codes() == ["S21684"]
    page.select_option("#f-funder", value="")
    page.select_option("#f-year", value="2014")
    assert 0 < len(tab.visible_codes()) < 64 and "S21684" not in tab.visible_codes()

    assert not tab.errors, tab.errors
    assert not check_links(server, tab.hrefs())


def test_search_from_another_page_lands_filtered(server, tab):
    page = tab.page
    page.goto(server.url("/regions.html"))
    page.fill("#q-top", "Yhteisöllisen")
    page.press("#q-top", "Enter")
    page.wait_for_url(re.compile(r".*/index\.html\?q=.*"))
    visible = tab.visible_codes()
    assert "S21684" in visible and len(visible) < 64
    assert not tab.errors, tab.errors


def test_project_page_shows_funder_implementers_outputs(server, tab):
    page = tab.page
    page.goto(server.url("/index.html"))
    page.click("#p-S21684 td.code a")
    page.wait_for_url(re.compile(r".*/project/S21684\.html$"))
    funding = page.locator("#funding").inner_text()
    assert "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus" in funding
    assert "368 136 €" in funding
    roles = page.locator("#roles").inner_text()
    assert "Kaakkois-Suomen Ammattikorkeakoulu Oy" in roles and "päätoteuttaja" in roles
    assert "ViaDia Mikkeli ry" in roles and "osatoteuttaja" in roles and "tuen siirronsaaja" in roles
    outputs = page.locator("#outputs li")
    assert outputs.count() == 3
    assert "Yhteisömanagerin opas" in outputs.nth(0).inner_text()
    assert page.locator('a[href^="https://www.eura2014.fi/"]').count() >= 1

    shot = artifacts_dir() / "project-S21684.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the project page: {shot}")

    hrefs = tab.hrefs()
    page.click("#roles a >> text=Kaakkois-Suomen Ammattikorkeakoulu Oy")
    page.wait_for_url(re.compile(r".*/organisation/2472908-2\.html$"))
    assert "S21684" in page.locator("#roles").inner_text()
    hrefs += tab.hrefs()
    page.goto(server.url("/project/S21684/output/1.html"))
    assert "2021" in page.locator("main").inner_text()
    hrefs += tab.hrefs()

    assert not tab.errors, tab.errors
    assert not check_links(server, hrefs)


def test_every_index_page_links_resolve(server, tab):
    hrefs = []
    for path in ("/organisations.html", "/target-groups.html", "/regions.html", "/region/FI1D1.html",
                 "/source/card/S21684.html"):
        tab.page.goto(server.url(path))
        assert tab.page.locator("h1").count() == 1, path
        hrefs += tab.hrefs()
    assert not tab.errors, tab.errors
    bad = check_links(server, hrefs)
    assert not bad, bad[:10]
    assert all(urlsplit(r.target).path for r in server.requests)


def test_index_works_from_file_url(site, tab):
    page = tab.page
    page.goto((site / "index.html").as_uri())
    page.fill("#q", "yhteisollisen")
    assert "S21684" in tab.visible_codes()
    assert not tab.errors, tab.errors
