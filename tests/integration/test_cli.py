"""The command line as a user meets it: --help teaches, parse prints the documented JSON."""

import json

from tests.support import SEED, run_cli

DOCUMENTED_KEYS = [
    "code", "name", "start", "end", "funders", "funding_eur", "implementers", "target_groups",
    "background", "goals", "method", "outputs", "practices", "results", "dissemination", "notes",
    "links", "compiled_by", "compiled_on", "repairs", "unmapped", "garbage", "problems", "source", "encoding",
]


def test_parse_json_has_the_documented_keys_and_repairs():
    proc = run_cli("parse", str(SEED), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    card = json.loads(proc.stdout)
    assert list(card) == DOCUMENTED_KEYS
    assert card["code"] == "S21684"
    assert card["start"] == "2019-06-01" and card["end"] == "2021-12-31"
    assert card["funders"] == [{"name": "Etelä-Savon ELY-keskus", "amount_eur": 368136}]
    assert card["implementers"][0]["role"] == "päätoteuttaja"
    assert {"line", "before", "after", "reason"} <= set(card["repairs"][0])
    assert any(r["before"] == "tydpajatyona" and r["after"] == "työpajatyönä" for r in card["repairs"])
    assert any(g["text"] == "SOKRA" for g in card["garbage"])


def test_parse_raw_keeps_the_ocr_text():
    proc = run_cli("parse", str(SEED), "--format", "json", "--raw")
    card = json.loads(proc.stdout)
    assert card["funders"][0]["name"] == "Etela-Savon ELY-keskus"
    assert card["repairs"] == []


def test_parse_of_a_bad_file_names_it(tmp_path):
    bad = tmp_path / "tyhja.txt"
    bad.write_bytes(b"")
    proc = run_cli("parse", str(bad))
    assert proc.returncode == 2
    assert "tyhja.txt" in proc.stderr and "empty" in proc.stderr


def test_help_lists_the_commands_and_exit_codes():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for word in ("build", "parse", "validate", "Exit codes"):
        assert word in proc.stdout


def test_build_of_a_missing_folder_is_an_error(tmp_path):
    proc = run_cli("build", str(tmp_path / "nothing"), "--out", str(tmp_path / "dist"))
    assert proc.returncode == 2
    assert "nothing" in proc.stderr


def test_build_lists_the_first_fifty_problems_and_says_where_the_rest_are(tmp_path):
    # 53 files that are not cards: 53 errors, of which the terminal shows 50
    cards = tmp_path / "data" / "cards"
    cards.mkdir(parents=True)
    for n in range(53):
        (cards / f"junk-{n:02d}.txt").write_text("this is not a project card\n" * 3, encoding="utf-8")
    out = tmp_path / "dist"
    proc = run_cli("build", str(tmp_path / "data"), "--out", str(out), "--no-site", "--no-cache")
    assert proc.returncode == 2, proc.stderr
    text = proc.stdout + proc.stderr
    assert "problems (53):" in text
    shown = [line for line in text.splitlines() if line.startswith("  error")]
    assert len(shown) == 50
    assert "… and 3 more" in text and "problems.csv" in text
    rows = (out / "report" / "problems.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 53
