"""Kohesio matching against a real Oxigraph server on 127.0.0.1, and the OxigraphServer manager.

Every server a test starts is stopped in a fixture's teardown, and the teardown checks that its
process is gone, so the suite never leaves one running.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from hankekg.errors import HankekgError, LinkError
from hankekg.link.kohesio import (
    ENTITY,
    KohesioCandidate,
    KohesioMatcher,
    ProjectFacts,
    score_candidate,
    search_terms,
    sparql_string_literal,
)
from hankekg.link.oxigraph import OxigraphServer, free_port
from tests.support import REPO

FIXTURE = REPO / "tests" / "fixtures" / "kohesio" / "eu-kg-sample.ttl"
REGISTRY = Path("/work/shared/registry/eura2014")
FIXTURE_TRIPLES = 71
SOKRA = ENTITY + "Q3757214"
S21684_ITEM = ENTITY + "Q99900001"  # a FIXTURE QID, not a real one
INJECTION = 'x" } ; DROP ALL ; #'


# -- helpers -------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _port_free(port: int) -> bool:
    """Nothing accepts connections on the port, and a server could bind it again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do; TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _count_triples(query_url: str) -> int:
    sparql = SPARQLWrapper(query_url)
    sparql.setReturnFormat(JSON)
    sparql.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(sparql.queryAndConvert()["results"]["bindings"][0]["n"]["value"])


def _update(update_url: str, update: str) -> int:
    """POST a SPARQL update; return the HTTP status."""
    data = urllib.parse.urlencode({"update": update}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(update_url, data=data), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _fi_date(text: str) -> date:
    day, month, year = (int(part) for part in text.split("."))
    return date(year, month, day)


def registry_facts(code: str, *card_forms: str) -> ProjectFacts:
    """Read name, planned dates and applicant off a EURA2014 registry page's text."""
    text = (REGISTRY / f"{code}.txt").read_text(encoding="utf-8")
    name = re.search(r"^Hankkeen nimi: (.+)$", text, re.M)[1].strip()
    dates = re.search(r"^Suunnitelman mukainen toteutusaika: Alkaa (\S+) ja päättyy (\S+)$", text, re.M)
    applicant = re.search(r"^Hakijan virallinen nimi: (.+)$", text, re.M)[1].strip()
    return ProjectFacts(
        code=code, name=name, start=_fi_date(dates[1]), end=_fi_date(dates[2]),
        beneficiaries=(applicant, *card_forms),
    )


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def servers() -> Iterator[list[OxigraphServer]]:
    """A list to put servers in; teardown stops each one and checks its process is gone."""
    started: list[OxigraphServer] = []
    yield started
    pids = [server.pid for server in started if server.pid is not None]
    for server in started:
        server.stop()
    assert not [pid for pid in pids if _pid_alive(pid)], "an Oxigraph process outlived its test"


@pytest.fixture(scope="module")
def kohesio() -> Iterator[OxigraphServer]:
    """A read-only Oxigraph server over the EU KG sample, shared by the module."""
    server = OxigraphServer(FIXTURE, read_only=True)
    try:
        server.start()
        yield server
    finally:
        pid = server.pid
        server.stop()
        assert pid is None or not _pid_alive(pid)


@pytest.fixture(scope="module")
def matcher(kohesio: OxigraphServer) -> KohesioMatcher:
    return KohesioMatcher(kohesio.query_url, timeout=10)


class _Handler(BaseHTTPRequestHandler):
    """Answers every request the way the server's ``mode`` says."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        mode = self.server.mode
        if mode == "slow":
            self.server.release.wait(10)
        if mode == "500":
            status, ctype, body = 500, "text/plain", b"internal error"
        elif mode == "html":
            status, ctype, body = 200, "text/html", b"<html><body>maintenance</body></html>"
        elif mode == "no-results":
            status, ctype, body = 200, "application/sparql-results+json", b'{"head": {"vars": []}}'
        else:  # "garbage", and "slow" once released
            status, ctype, body = 200, "application/sparql-results+json", b'{"head": {"vars": ["item"]}, "res'
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout test)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def bad_endpoint(request) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 that misbehaves as ``request.param`` says."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.mode = request.param
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- matching --------------------------------------------------------------------------------------


def test_sokra_registry_facts_match_its_kohesio_item(matcher):
    facts = registry_facts("S20220")
    assert facts.name == "Sosiaalisen osallisuuden edistämisen koordinaatiohanke - Sokra"
    assert facts.start == date(2014, 10, 1) and facts.end == date(2023, 8, 31)

    match = matcher.match(facts)

    assert match is not None
    assert match.code == "S20220"
    assert match.item == SOKRA
    assert match.method == "label+dates+beneficiary"
    assert match.label == "Sosiaalisen osallisuuden edistämisen koordinaatiohanke (Sokra)"
    assert match.score >= matcher.min_score
    # Kohesio's end (2022-09-30) is 11 months off the registry's: weak evidence, not a veto.
    assert any(line.startswith("end:") and "weak" in line for line in match.evidence)
    assert any(line.startswith("start:") and "equal" in line for line in match.evidence)


def test_s21684_matches_its_fixture_item_with_card_form_of_applicant(matcher):
    facts = registry_facts("S21684", "Kaakkois-Suomen ammattikorkeakoulu")

    outcome = matcher.assess(facts)

    assert outcome.matched, outcome.reason
    assert outcome.match.item == S21684_ITEM  # xsd:date values, en-dash label
    assert outcome.match.method == "label+dates+beneficiary"
    # The one-word-off decoy in Etelä-Karjala was considered and lost.
    assert ENTITY + "Q99900012" in {c.candidate.item for c in outcome.candidates}


def test_card_form_alone_is_enough_for_the_beneficiary(matcher):
    facts = registry_facts("S21684")
    card_form = ("Kaakkois-Suomen ammattikorkeakoulu",)
    facts = ProjectFacts(facts.code, facts.name, facts.start, facts.end, card_form)
    assert matcher.match(facts).item == S21684_ITEM


def test_non_finnish_and_non_project_items_are_never_candidates(matcher):
    items = {c.item for c in matcher.candidates(registry_facts("S20220"))}
    assert SOKRA in items
    assert ENTITY + "Q99900013" not in items  # same label, dates and beneficiary; another country
    assert ENTITY + "Q99900014" not in items  # same label; not a project


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(
            ProjectFacts("S20999", "Sosiaalisen osallisuuden edistämisen tutkimushanke", date(2020, 1, 1),
                         date(2022, 12, 31), ("Diakonia-ammattikorkeakoulu Oy",)),
            id="decoy-name-exactly-other-dates-other-beneficiary",
        ),
        pytest.param(
            ProjectFacts("S20997", "Sosiaalisen osallisuuden edistämisen arviointihanke", date(2016, 1, 1),
                         date(2018, 12, 31), ("Terveyden ja hyvinvoinnin laitos",)),
            id="decoy-dates-and-beneficiary-other-name",
        ),
        pytest.param(
            # A sibling of S21684 in another region: same implementer and dates, one word swapped.
            ProjectFacts("S20998", "Hyvinvoiva asukas - yhteisöllisen asumisen kehittäminen Etelä-Karjalassa",
                         date(2019, 6, 1), date(2021, 12, 31), ("Kaakkois-Suomen Ammattikorkeakoulu Oy",)),
            id="s21684-sibling-region-swapped",
        ),
    ],
)
def test_decoys_do_not_match(matcher, facts):
    outcome = matcher.assess(facts)
    assert outcome.match is None, outcome.reason
    assert outcome.reason.startswith(("too weak", "no similar label")), outcome.reason
    assert outcome.candidates  # the decoy was retrieved and scored, then refused


def test_no_decoy_is_ever_returned(matcher):
    projects = [
        registry_facts("S20220"),
        registry_facts("S21684", "Kaakkois-Suomen ammattikorkeakoulu"),
        ProjectFacts("S20220", "Sosiaalisen osallisuuden edistämisen koordinaatiohanke (Sokra)",
                     date(2014, 10, 1), date(2023, 8, 31), ("Terveyden ja hyvinvoinnin laitos",)),
        # Just the acronym: the non-Finnish and non-project copies carry the exact same facts.
        ProjectFacts("S20220", "Sokra", date(2014, 10, 1), date(2022, 9, 30),
                     ("Terveyden ja hyvinvoinnin laitos",)),
    ]
    items = {o.match.item for o in matcher.match_all(projects) if o.match}
    assert items == {SOKRA, S21684_ITEM}


def test_duplicate_items_are_ambiguous_not_a_match(matcher):
    facts = ProjectFacts("S29999", "Osallisuuden askelmerkit Pohjois-Karjalassa", date(2017, 1, 1),
                         date(2019, 12, 31), ("Pohjois-Karjalan sosiaaliturvayhdistys ry",))

    outcome = matcher.assess(facts)

    assert outcome.match is None
    assert outcome.reason.startswith("ambiguous")
    assert "Q99900021" in outcome.reason and "Q99900022" in outcome.reason
    assert matcher.match(facts) is None


def test_project_without_candidates_gets_a_reason(matcher):
    facts = ProjectFacts("S29998", "Merellinen kalastusmatkailu Ahvenanmaalla", date(2018, 1, 1), None, ())
    outcome = matcher.assess(facts)
    assert outcome.match is None and outcome.candidates == ()
    assert outcome.reason.startswith("no candidate")


def test_missing_dates_and_beneficiary_are_not_enough(matcher):
    """Label alone never links, however similar."""
    name = "Sosiaalisen osallisuuden edistämisen koordinaatiohanke - Sokra"
    outcome = matcher.assess(ProjectFacts("S20220", name))
    assert outcome.match is None
    assert outcome.reason.startswith("too weak")
    assert outcome.candidates[0].candidate.item == SOKRA


def test_injection_shaped_name_is_just_a_string(matcher, kohesio):
    before = _count_triples(kohesio.query_url)

    assert matcher.match(ProjectFacts("S00000", INJECTION)) is None
    # The raw text as a search term, bypassing the word split: still only a literal.
    assert matcher.select(matcher.build_query([INJECTION])) == []
    assert matcher.select(matcher.build_query(['")) } UNION { ?item ?p ?o } #'])) == []

    assert _count_triples(kohesio.query_url) == before == FIXTURE_TRIPLES


def test_injection_cannot_touch_a_writable_store(servers):
    server = OxigraphServer(FIXTURE, read_only=False)
    servers.append(server.start())
    matcher = KohesioMatcher(server.query_url, timeout=10)

    assert matcher.match(ProjectFacts("S00000", INJECTION, beneficiaries=(INJECTION,))) is None
    assert matcher.select(matcher.build_query([INJECTION, "\\", '"""', "'''"])) == []

    assert _count_triples(server.query_url) == FIXTURE_TRIPLES


@pytest.mark.parametrize(
    "text",
    ['a"b', "back\\slash", "ends with \\", '\\"', "\\u0022", "\\\\u0022 x", "line\nbreak\rtab\t",
     "'''", '"""', INJECTION, "äöå – “curly” ‘quotes’"],
)
def test_string_literal_round_trips_through_the_server(matcher, text):
    rows = matcher.select(f"SELECT ?s WHERE {{ VALUES ?s {{ {sparql_string_literal(text)} }} }}")
    assert [row["s"]["value"] for row in rows] == [text]


def test_name_with_quotes_and_backslashes_still_finds_words(matcher):
    facts = ProjectFacts("S20220", 'Koordinaatiohanke "Sokra" \\ edistämisen', date(2014, 10, 1))
    assert "sokra" in search_terms(facts.name)
    assert SOKRA in {c.item for c in matcher.candidates(facts)}


def test_match_all_reports_progress_in_order(matcher):
    projects = [registry_facts("S20220"), ProjectFacts("S29998", "Merellinen kalastusmatkailu Ahvenanmaalla")]
    seen = []

    outcomes = matcher.match_all(
        projects, progress=lambda done, total, outcome: seen.append((done, total, outcome.code))
    )

    assert [o.code for o in outcomes] == ["S20220", "S29998"]
    assert [o.matched for o in outcomes] == [True, False]
    assert seen == [(1, 2, "S20220"), (2, 2, "S29998")]


def test_score_accepts_datetime_and_date_forms():
    candidate = KohesioCandidate(SOKRA, ("Sokra",), date(2014, 10, 1), None, ())
    scored = score_candidate(ProjectFacts("S20220", "Sokra", date(2014, 10, 20)), candidate)
    assert scored.start == 0.6  # within a month: close, not equal
    assert scored.method == "label+dates"


# -- endpoint failures -------------------------------------------------------------------------------


def test_endpoint_down_raises_link_error_naming_it():
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(LinkError) as caught:
        KohesioMatcher(url, timeout=5).match(registry_facts("S20220"))
    assert url in str(caught.value)
    assert "unreachable" in str(caught.value)
    assert isinstance(caught.value, HankekgError)


@pytest.mark.parametrize(
    ("bad_endpoint", "expected"),
    [
        ("500", "EndPointInternalError"),
        ("garbage", "not SPARQL JSON"),
        ("html", "not SPARQL JSON"),
        ("no-results", "not SPARQL JSON"),
        ("slow", "did not answer within 0.5 s"),
    ],
    indirect=["bad_endpoint"],
)
def test_misbehaving_endpoint_raises_link_error(bad_endpoint, expected):
    with pytest.raises(LinkError) as caught:
        KohesioMatcher(bad_endpoint, timeout=0.5).match(registry_facts("S20220"))
    assert bad_endpoint in str(caught.value)
    assert expected in str(caught.value)


# -- OxigraphServer ------------------------------------------------------------------------------------


def test_server_answers_sparql_and_is_read_only(servers):
    server = OxigraphServer(FIXTURE)
    servers.append(server)
    with server:
        assert server.running and server.base_url.startswith("http://127.0.0.1:")
        assert server.query_url == server.base_url + "/query"
        assert server.update_url == server.base_url + "/update"
        assert server.store_url == server.base_url + "/store"
        assert _count_triples(server.query_url) == FIXTURE_TRIPLES

        assert _update(server.update_url, "DROP ALL") == 403

        assert _count_triples(server.query_url) == FIXTURE_TRIPLES
        port, pid = server.port, server.pid
    assert not server.running
    assert not _pid_alive(pid)
    assert _port_free(port)


def test_writable_server_accepts_updates(servers):
    server = OxigraphServer(FIXTURE, read_only=False)
    servers.append(server.start())
    status = _update(server.update_url, 'INSERT DATA { <urn:x:s> <urn:x:p> "o" }')
    assert status in (200, 204)
    assert _count_triples(server.query_url) == FIXTURE_TRIPLES + 1


def test_store_directory_with_load_on_a_requested_port(servers, tmp_path):
    port = free_port()
    server = OxigraphServer(tmp_path / "store", read_only=False, port=port)
    servers.append(server)
    server.load(FIXTURE)
    server.load(FIXTURE, graph="urn:x:copy")
    server.start()
    assert server.port == port
    assert _update(server.update_url, 'INSERT DATA { <urn:x:s> <urn:x:p> "o" }') in (200, 204)
    with pytest.raises(LinkError, match="while the Oxigraph server"):
        server.load(FIXTURE)
    server.stop()
    assert _port_free(port)

    # The store persists in place: serve it again, read-only.
    again = OxigraphServer(tmp_path / "store", read_only=True)
    servers.append(again)
    with again:
        assert _count_triples(again.query_url) == FIXTURE_TRIPLES + 1
        sparql = SPARQLWrapper(again.query_url)
        sparql.setReturnFormat(JSON)
        sparql.setQuery("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:x:copy> { ?s ?p ?o } }")
        assert sparql.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == str(FIXTURE_TRIPLES)


def test_temporary_store_is_removed_on_stop(servers):
    server = OxigraphServer(FIXTURE)
    servers.append(server.start())
    store = server.store_dir
    assert store is not None and store.is_dir()
    server.stop()
    server.stop()  # idempotent
    assert not store.exists()


def test_bad_locations_raise_link_error(tmp_path):
    with pytest.raises(LinkError, match="no such data file"):
        OxigraphServer(tmp_path / "missing.ttl").start()
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle .\n", encoding="utf-8")
    with pytest.raises(LinkError, match="oxigraph load failed"):
        OxigraphServer(broken).start()


def test_port_already_taken_raises_link_error(servers):
    first = OxigraphServer(FIXTURE)
    servers.append(first.start())
    second = OxigraphServer(FIXTURE, port=first.port, startup_timeout=10)
    servers.append(second)
    with pytest.raises(LinkError, match="did not start"):
        second.start()
    assert not second.running
    assert _count_triples(first.query_url) == FIXTURE_TRIPLES


def test_a_server_nobody_stops_is_stopped_when_collected():
    server = OxigraphServer(FIXTURE).start()
    pid = server.pid
    del server  # CPython collects at once; the finalizer stops the process
    assert not _pid_alive(pid)


def test_urls_before_start_raise_link_error():
    with pytest.raises(LinkError, match="has not been started"):
        OxigraphServer(FIXTURE).query_url
