"""Privacy and security: no personal data from registry pages in any output or log; endpoint
credentials never logged, written or shown; the local server is loopback-only and read-only;
data files are read as data (YAML safe_load, no pickle/eval/exec/shell) and curation paths
stay inside data/."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.robustness.helpers import SEED_PAGE, data_dir
from tests.servers import Reply, Script, serve
from tests.support import REPO, SEED, run_cli

PAGE = SEED_PAGE.read_text(encoding="utf-8")
SMALL = REPO / "tests" / "fixtures" / "kohesio" / "eu-kg-sample.ttl"

# Fake people; none of these strings may reach an output file or a log line.
NAMES = ["Matti Meikäläinen", "Maija Mehiläinen", "Pekka Puupää", "Liisa Lehtonen", "Kalle Kontakti",
         "Teija Testaaja", "Sanna Soittaja"]
POSITIONS = ["Projektipäällikkö", "Projektikoordinaattori", "Development manager", "Kehittämisasiantuntija"]
CONTACTS = f"""
Yhteyshenkilön nimi: {NAMES[0]}
Tehtävänimike: {POSITIONS[0]}
Sähköposti: matti.meikalainen@example.fi
Puhelinnumero: 040 123 4567

Yhteyshenkilö
{NAMES[1]}
{POSITIONS[1]}
maija.mehilainen(at)example.org
+358 50 765 4321

Contact person: {NAMES[2]}
Position: {POSITIONS[2]}
E-mail: pekka.puupaa@example.com
Phone: (09) 876 5432
Matkapuhelin: 0400 123 456
GSM: +358401234567
Faksi: 09-8765 4321
Nimike: {POSITIONS[3]}
"""
SUMMARY_CONTACTS = f"""
Lisätietoja antaa projektipäällikkö {NAMES[3]}, liisa.lehtonen@example.fi, p. 044 555 6666.
Yhteyshenkilönä toimii {NAMES[4]}.
Soita numeroon 050-1234567 tai 020 634 0000.
"""
PARTNER_CONTACT = f"ViaDia Mikkeli ry, 2551672-4\nYhteyshenkilö {NAMES[5]}\nPuhelin 050 987 6543, {NAMES[6]}"

EMAIL = re.compile(r"[\w.+-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?358|00358)[\s-]?\(?0?\)?\d{1,3}[\s-]?\d{3}[\s-]?\d{2,4}"  # +358 50 765 4321
    r"|\(0\d{1,3}\)\s?\d{3}[\s-]?\d{2,4}"                                         # (09) 876 5432
    r"|(?<![\w./=-])0\d{1,3}[\s-]\d{3,4}[\s-]?\d{3,4}(?![\w-])"                    # 040 123 4567, 09-8765 4321
    r"|(?<![\w./=-])0[45]\d{7,8}(?!\d)"                                           # 0401234567
)


def _page_with_contacts() -> str:
    page = PAGE.replace("WWW-osoite: http://www.xamk.fi", "WWW-osoite: http://www.xamk.fi" + CONTACTS)
    page = page.replace("ViaDia Mikkeli ry, 2551672-4", PARTNER_CONTACT)
    return page.replace("3 Suunnitelman mukainen tiivistelmä toteutuksesta\n",
                        "3 Suunnitelman mukainen tiivistelmä toteutuksesta\n" + SUMMARY_CONTACTS)


@pytest.fixture(scope="module")
def private_build(tmp_path_factory):
    """A full build (dumps, site, report) of the seed card and a page full of contact data, at -vv."""
    root = tmp_path_factory.mktemp("private")
    data = data_dir(root, cards={"S21684.txt": SEED.read_text(encoding="utf-8")},
                    pages={"S21684.txt": _page_with_contacts(), "S29990.html": "<html><body>" + "".join(
                        f"<p>{line}</p>" for line in _page_with_contacts().replace("S21684", "S29990").splitlines())
                        + "</body></html>"})
    out = root / "dist"
    proc = run_cli("-vv", "build", str(data), "--out", str(out))
    return out, proc


def test_the_fake_contacts_are_recognised_by_the_scanner():
    text = CONTACTS + SUMMARY_CONTACTS + PARTNER_CONTACT
    assert len(EMAIL.findall(text)) == 4
    assert len(PHONE.findall(text)) == 10, PHONE.findall(text)
    assert not PHONE.findall("Y-tunnus 2472908-2, 1.6.2019 — 31.12.2021, 368 136 €, 50100 Mikkeli, S21684")


def _outputs(out: Path):
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            yield path, data.decode("utf-8", errors="replace")


def test_the_build_succeeds(private_build):
    out, proc = private_build
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "site").is_dir() and (out / "report" / "index.html").is_file()
    problems = (out / "report" / "problems.csv").read_text(encoding="utf-8")
    assert "personal-data-dropped" in problems


def test_no_personal_data_in_any_output_file(private_build):
    out, _ = private_build
    scanned = 0
    for path, text in _outputs(out):
        scanned += 1
        assert not EMAIL.search(text), f"{path}: e-mail {EMAIL.search(text).group()!r}"
        assert not PHONE.search(text), f"{path}: phone number {PHONE.search(text).group()!r}"
        for word in NAMES + POSITIONS:
            assert word not in text, f"{path}: {word!r}"
    assert scanned > 50


def test_no_personal_data_in_the_log_even_at_debug_level(private_build):
    _, proc = private_build
    log = proc.stdout + proc.stderr
    assert "DEBUG" in log or "read " in log  # -vv did log
    assert not EMAIL.search(log) and not PHONE.search(log), (EMAIL.search(log), PHONE.search(log))
    for word in NAMES + POSITIONS:
        assert word not in log, word


def test_the_record_keeps_the_organisation_and_the_project(private_build):
    from hankekg.registry.parse import parse_registry_page

    record = parse_registry_page(_page_with_contacts(), "S21684.txt")
    assert record.applicant.business_id == "2472908-2"
    assert [p.business_id for p in record.partners] == ["2551672-4"]
    assert "Hankkeen tavoitteena" in record.summary
    assert sum(p.kind == "personal-data-dropped" for p in record.problems) >= 14


# --------------------------------------------------------------------------- credentials

SECRET = "Sal4-SANA-xyz"


def _answering(status: int):
    from tests.robustness.test_faults import _accept_post

    class _Ctx:
        def __enter__(self):
            self.cm = serve(Script(fallback=Reply(status, b"error page")))
            self.server = self.cm.__enter__()
            _accept_post(self.server)
            return self.server

        def __exit__(self, *exc):
            return self.cm.__exit__(*exc)

    return _Ctx()


def _ways(server, tmp_path):
    """(URL, environment) for credentials from the environment, from URL userinfo, from netrc."""
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login anna password {SECRET}\n", encoding="utf-8")
    netrc.chmod(0o600)
    base = server.url("/")[:-1]
    return {
        "env": (base, {"HANKEKG_SPARQL_USER": "anna", "HANKEKG_SPARQL_PASSWORD": SECRET}),
        "userinfo": (base.replace("http://", f"http://anna:{SECRET}@"), {}),
        "netrc": (base, {"NETRC": str(netrc)}),
    }


@pytest.mark.parametrize("status", [401, 500])
@pytest.mark.parametrize("way", ["env", "userinfo", "netrc"])
def test_credentials_are_sent_but_never_logged_or_shown(tmp_path, status, way):
    with _answering(status) as server:
        base, env = _ways(server, tmp_path)[way]
        env = {"HANKEKG_SPARQL_USER": "", "HANKEKG_SPARQL_PASSWORD": "", "NETRC": str(tmp_path / "none"), **env}
        query = run_cli("-vv", "query", "funding-by-funder", "--endpoint", base + "/query", env=env)
        push = run_cli("-vv", "push", "--server", "oxigraph", base, "--file", str(SMALL), "--timeout", "5",
                       env=env)
        sparql = run_cli("-vv", "sparql", "ASK {}", "--endpoint", base + "/query", env=env)
        sent = [r.headers.get("authorization", "") for r in server.requests]
    for proc in (query, push, sparql):
        assert proc.returncode == 2, proc.stdout + proc.stderr
        text = proc.stdout + proc.stderr
        assert f"HTTP {status}" in text and "Traceback" not in text
        assert SECRET not in text and "anna:" not in text
    assert sent and all(h.startswith("Basic ") for h in sent), sent


def test_credentials_are_never_written_to_dist_by_a_query_or_push(tmp_path):
    with _answering(401) as server:
        base = server.url("/")[:-1].replace("http://", f"http://anna:{SECRET}@")
        run_cli("query", "funding-by-funder", "--endpoint", base + "/query")
        run_cli("push", "--server", "oxigraph", base, "--file", str(SMALL))
    for path in (REPO / "dist").rglob("*") if (REPO / "dist").is_dir() else []:
        if path.is_file() and path.suffix != ".gz":
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path


def test_bug_build_endpoint_with_userinfo_writes_the_password_into_dist(tmp_path):
    """Regression: `hankekg build --endpoint http://user:pass@host/query` wrote the password into
    void.ttl and every dump (void:sparqlEndpoint kept the URL's userinfo)."""
    data = data_dir(tmp_path, pages={"S21684.txt": PAGE})
    out = tmp_path / "dist"
    proc = run_cli("build", str(data), "--out", str(out), "--endpoint", f"http://anna:{SECRET}@127.0.0.1:9/query")
    assert proc.returncode in (0, 2)
    leaked = [p.name for p, text in _outputs(out) if SECRET in text]
    assert not leaked, f"the password is in {leaked}"


# --------------------------------------------------------------------------- the local server


def test_serve_binds_loopback_only_and_refuses_updates(tmp_path):
    graph = tmp_path / "g.ttl"
    graph.write_text("<https://example.org/s> <https://example.org/p> \"o\" .\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "hankekg", "serve", "--graph", str(graph)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": "", "HOME": str(tmp_path)})
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://([\d.]+):(\d+)/query", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        host, port = match.group(1), int(match.group(2))
        assert host == "127.0.0.1"
        assert _listening_addresses(port) == {"127.0.0.1"}
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/query?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", timeout=10) as r:
            assert b"true" in r.read()
        for url, body, kind in ((base + "/update", b"DROP ALL", "application/sparql-update"),
                                (base + "/update", b'INSERT DATA { <a:s> <a:p> "x" }', "application/sparql-update"),
                                (base + "/store?default", b"<a:s> <a:p> <a:o> .", "text/turtle")):
            request = urllib.request.Request(url, data=body, headers={"Content-Type": kind}, method="POST")
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(request, timeout=10)
            assert info.value.code in (403, 404, 405), (url, info.value.code)
        with urllib.request.urlopen(base + "/query?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%7B%3Fs%20%3Fp%20%3Fo%7D",
                                    timeout=10) as r:
            assert b'"1"' in r.read() or b">1<" in r.read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0


def _listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in lines:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                if len(address) == 8:
                    found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("ipv6:" + address)
    return found


# --------------------------------------------------------------------------- data read as data


def test_yaml_with_a_python_object_tag_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = (f"- action: keep-word\n  card: S21684.txt\n  word: !!python/object/apply:os.system [\"touch {marker}\"]\n"
            "  reason: x\n")
    data = data_dir(tmp_path, cards={"S21684.txt": SEED.read_text(encoding="utf-8")}, curation={"evil.yaml": evil})
    proc = run_cli("build", str(data), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 2
    assert "evil.yaml" in proc.stderr and "not valid YAML" in " ".join(proc.stderr.split())
    assert not marker.exists()


@pytest.mark.parametrize("card", ["../../../etc/passwd", "/etc/passwd", "..", "cards/S21684.txt", "../S21684.txt"])
def test_curation_paths_cannot_escape_data(tmp_path, card):
    decision = f"- action: keep-word\n  card: '{card}'\n  word: Lintumaki\n  reason: test\n"
    data = data_dir(tmp_path, cards={"S21684.txt": SEED.read_text(encoding="utf-8")},
                    curation={"keep.yaml": decision})
    proc = run_cli("build", str(data), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 2
    assert "keep.yaml" in proc.stderr and "not a path" in " ".join(proc.stderr.split())


SRC = REPO / "src" / "hankekg"
PICKLE = re.compile(r"^\s*(?:import|from)\s+(?:c?pickle|marshal|shelve)\b|\b(?:pickle|marshal)\.loads?\s*\(")
FORBIDDEN = {
    "eval(": re.compile(r"(?<![\w.])eval\s*\("),
    "exec(": re.compile(r"(?<![\w.])exec\s*\("),
    "yaml.load without SafeLoader": re.compile(r"yaml\.(?:load|load_all|unsafe_load|full_load)\s*\((?![^)]*SafeLoader)"),
    "shell=True": re.compile(r"shell\s*=\s*True"),
    "os.system / os.popen": re.compile(r"\bos\.(?:system|popen)\s*\("),
}


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_no_unsafe_calls_in_src(what):
    found = _scan(FORBIDDEN[what])
    assert not found, "\n".join(found)


def _scan(pattern: re.Pattern) -> list[str]:
    return [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
            for path in sorted(SRC.rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if pattern.search(line.split("#")[0])]


def test_bug_no_pickle_in_src():
    """Regression: src/hankekg/cache.py cached parsed cards as pickles and loaded them back with
    pickle.load, so a cache file anyone can write would run code. It now caches JSON."""
    assert not _scan(PICKLE), "\n".join(_scan(PICKLE))


def test_the_source_scan_would_see_them():
    assert PICKLE.search("import pickle") and PICKLE.search("data = pickle.load(f)")
    for what, pattern in FORBIDDEN.items():
        sample = {"eval(": "x = eval(text)", "exec(": "exec(code)",
                  "yaml.load without SafeLoader": "yaml.load(f)", "shell=True": "run(cmd, shell=True)",
                  "os.system / os.popen": "os.system(cmd)"}[what]
        assert pattern.search(sample), what
    assert not FORBIDDEN["yaml.load without SafeLoader"].search("yaml.load(f, Loader=yaml.SafeLoader)")
    assert not FORBIDDEN["eval(" ].search("model.eval()")


def test_bug_contact_person_named_in_the_summary_reached_the_graph():
    """"Yhteyshenkilönä toimii <name>." in section 3 was kept in dct:abstract: contact lines were
    only dropped outside the summary unless they held an e-mail address or a phone number."""
    from hankekg.registry.parse import parse_registry_page

    record = parse_registry_page(_page_with_contacts(), "S21684.txt")
    assert NAMES[4] not in record.summary and NAMES[3] not in record.summary
    assert record.summary.startswith("Hankkeen tavoitteena")
