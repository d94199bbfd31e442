"""Batch behaviour of `hankekg build`: one bad input never stops the others, the summary and
report/problems.csv list every problem with its file, and the exit code is the contract —
0 everything built and conforms, 1 the graph has SHACL violations, 2 some input failed."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from tests.robustness.helpers import SEED_PAGE, data_dir, seed_card
from tests.support import SEED, run_cli

DCT_ID = URIRef("http://purl.org/dc/terms/identifier")
PAGE = SEED_PAGE.read_text(encoding="utf-8")

# file → (content, what the summary must say about it)
BAD_CARDS = {
    "empty.txt": (b"", "empty file"),
    "binary.txt": (bytes(range(256)) * 8, "binary file"),
    "nocode.txt": (seed_card(S21684="hanke"), "no project code"),
    "backwards.txt": (seed_card(**{"S21684": "S29999", "1.6.2019 — 31.12.2021": "31.12.2021 — 1.6.2019"}),
                      "period runs backwards"),
    "baddate.txt": (seed_card(**{"S21684": "S29997", "1.6.2019": "31.6.2019"}), "invalid date"),
    "huge.txt": (b"x" * 1_000_001, "larger than a card can be"),
}
BAD_PAGES = {
    "S29980.txt": (b"", "empty file"),
    "S29981.txt": (PAGE.replace("Hankekoodi: S21684\n", ""), "no project code"),
    "S29982.txt": (PAGE.replace("Hankekoodi: S21684", "Hankekoodi: S2168"), "not a EURA2014 project code"),
    "S29983.html": (b"\x00\x01\x02" * 300, "binary file"),
}
GOOD_CARDS = {
    "S21684.txt": SEED.read_text(encoding="utf-8"),
    # an unknown label is a warning: the card builds, the label's lines are unmapped
    "S29998.txt": seed_card(**{"S21684": "S29998",
                               "Hankkeen tausta\n": "Hankkeen rahoitusmalli\n\nEi tietoa\n\nHankkeen tausta\n"}),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    cards = {**{n: c for n, (c, _) in BAD_CARDS.items()}, **GOOD_CARDS}
    pages = {**{n: c for n, (c, _) in BAD_PAGES.items()}, "S21684.txt": PAGE,
             "S20013.txt": (SEED_PAGE.parent / "S20013.txt").read_text(encoding="utf-8")}
    data = data_dir(root, cards=cards, pages=pages)
    out = root / "dist"
    return out, run_cli("build", str(data), "--out", str(out))


def test_bad_inputs_give_exit_code_2(batch):
    _, proc = batch
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_the_good_inputs_still_build(batch):
    out, _ = batch
    codes = {str(o) for o in Graph().parse(out / "hankekg.ttl").objects(None, DCT_ID)}
    assert {"S21684", "S29998", "S20013"} <= codes
    assert not codes & {"S29999", "S29997", "S29980", "S29981", "S29982", "S29983"}
    for name in ("hankekg.nt", "hankekg.jsonld", "hankekg.trig", "manifest.json", "report/index.html",
                 "site/index.html"):
        assert (out / name).is_file(), name


def test_the_summary_names_every_bad_input_with_what_is_wrong(batch):
    _, proc = batch
    text = " ".join((proc.stdout + proc.stderr).split())  # rich wraps long lines
    assert "2 built, 6 failed, of 8" in text and "2 read, 4 failed" in text
    for name, (_, why) in {**BAD_CARDS, **BAD_PAGES}.items():
        line = next((ln for ln in text.split(" error ") if name in ln), "")
        assert why in line, f"{name}: {why!r} not in the summary"
    assert "S29998.txt:" in text and "unknown label" in text


def test_problems_csv_lists_every_problem_with_file_and_line(batch):
    out, _ = batch
    rows = list(csv.DictReader((out / "report" / "problems.csv").open(encoding="utf-8")))
    files = " ".join(" ".join(r.values()) for r in rows)
    for name in {**BAD_CARDS, **BAD_PAGES}:
        assert name in files, f"{name} missing from problems.csv"
    line_of = {("backwards.txt", "10"), ("baddate.txt", "10"), ("S29982.txt", "7")}
    for name, line in line_of:
        assert any(name in " ".join(r.values()) and line in r.values() for r in rows), (name, line, rows)
    assert any("unknown-label" in " ".join(r.values()) for r in rows)


def test_exit_code_0_when_everything_builds_and_conforms(seed_data, tmp_path):
    proc = run_cli("build", str(seed_data), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conforms" in proc.stdout


def test_exit_code_1_when_the_graph_has_violations(tmp_path):
    """A registry page whose planned period runs backwards is read (a warning) and maps to
    eurio:startDate after eurio:endDate, which the structure shapes forbid."""
    page = PAGE.replace("Alkaa 1.6.2019 ja päättyy 31.12.2021", "Alkaa 31.12.2021 ja päättyy 1.6.2019")
    data = data_dir(tmp_path, pages={"S21684.txt": page})
    out = tmp_path / "dist"
    proc = run_cli("build", str(data), "--out", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = " ".join(proc.stdout.split())
    assert "1 violations" in text and "must not be after its eurio:endDate" in text
    assert (out / "hankekg.ttl").is_file()  # a graph with violations is still published, with its report
    assert "Violation" in (out / "report" / "results.csv").read_text(encoding="utf-8")
    # `hankekg validate` gives the same verdict on the graph, and 2 on a file that is no graph
    assert run_cli("validate", str(out / "hankekg.ttl")).returncode == 1
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> \"unterminated .\n", encoding="utf-8")
    proc = run_cli("validate", str(broken))
    assert proc.returncode == 2 and "broken.ttl" in proc.stderr and "Traceback" not in proc.stderr


def test_exit_code_2_wins_over_violations(tmp_path):
    page = PAGE.replace("Alkaa 1.6.2019 ja päättyy 31.12.2021", "Alkaa 31.12.2021 ja päättyy 1.6.2019")
    data = data_dir(tmp_path, cards={"empty.txt": b""}, pages={"S21684.txt": page})
    assert run_cli("build", str(data), "--out", str(tmp_path / "dist")).returncode == 2


def test_a_data_folder_without_inputs_is_not_an_error_but_says_so(tmp_path):
    data = data_dir(tmp_path)
    shutil.rmtree(data / "curation")
    proc = run_cli("build", str(data), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no cards in" in " ".join(proc.stderr.split())


def test_a_missing_data_folder_is_exit_2(tmp_path):
    proc = run_cli("build", str(tmp_path / "nowhere"), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 2 and "no such data folder" in proc.stderr
    assert not Path(tmp_path / "dist").exists()
