"""Nothing lost: every non-empty line of every source document is accounted for.

A card line is in a field's value (``card.field_lines``), in the logo garbage, in the unmapped
list, or a structure line (header, title, label or URL, as :func:`segment` sorts them). A
registry page line is in a field (``record.field_lines``: fields, partner list, summary), named
by a problem (dropped personal data, unknown label or line, a section not read), or structure
(the EU banner, section headings, partner and contact headers, and the street address, postal
code and phone labels whose values are dropped on purpose).

Checked over every card and page in data/, the test fixtures, and the bad inputs of this section.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.robustness.helpers import SEED_PAGE, data_dir, seed_card
from tests.support import REPO, SEED, run_cli

from hankekg import paths, pipeline
from hankekg.cards.parse import parse_card, segment
from hankekg.cards.read import read_card
from hankekg.cards.repair import Repairer
from hankekg.errors import CardError
from hankekg.registry import parse as registry
from hankekg.registry.parse import read_registry_page

FIXTURES = REPO / "tests" / "fixtures"
CARDS = sorted((REPO / "data" / "cards").glob("*.txt")) + sorted((FIXTURES / "cards").rglob("*.txt"))
PAGES = sorted(p for folder in (REPO / "data" / "registry" / "eura2014", FIXTURES / "registry")
               for p in folder.glob("*") if p.suffix in pipeline.REGISTRY_SUFFIXES and p.name != "README.md")

_BODY, _LOGOS = SEED.read_text(encoding="utf-8").split("eN Osy,")
GENERATED_CARDS = {
    "every-field-twice": _BODY + _BODY[_BODY.index("Hankkeen nimi, S-numero"):] + "eN Osy," + _LOGOS,
    "unknown-labels": seed_card(**{
        "Hankkeen tausta\n": "Hankkeen rahoitusmalli\n\nEi tietoa saatavilla\nvielä\n\nHankkeen tausta\n",
        "Tavoitteet\n": "Yhteyshenkilön puhelinnumero\n\nKysy toimistolta\n\nTavoitteet\n"}),
    "stray-lines-before-title": seed_card(**{"\nS21684, Hyvinvoiva": "\nSivu 1/2\nLuonnos\n\nS21684, Hyvinvoiva"}),
    "truncated": _BODY[: _BODY.index("Toimintatapa") + 60],
    "no-logos": _BODY + "\n".join(_LOGOS.split("\n")[-5:]),
    "bad-urls": seed_card(**{"https://www.eura2014.fi/rrtiepa": "javascript:alert(1)\nhttps://www.eura2014.fi/rrtiepa"}),
}
GENERATED_PAGES = {
    "contacts-and-unknowns": SEED_PAGE.read_text(encoding="utf-8").replace(
        "Toiminnan tila: Toiminta päättynyt",
        "Toiminnan tila: Toiminta päättynyt\nRahoituspäätös: 12.3.2019\nIrrallinen rivi ilman nimiötä\n"
        "Yhteyshenkilö\nMaija Mehiläinen\nprojektipäällikkö\n\n2 Hakijan perustiedot").replace(
        "ViaDia Mikkeli ry, 2551672-4", "ViaDia Mikkeli ry, 2551672-4\nIlman Y-tunnusta ry") + (
        "\n4 Rahoitus\n\nEAKR 100 000 €\nValtio 20 000 €\n"),
}


def _nonempty(text: str) -> dict[int, str]:
    return {n: t for n, t in enumerate(text.split("\n"), start=1) if t.strip()}


def _card_accounting(card) -> dict[int, str]:
    """Line → where it went."""
    where: dict[int, str] = {}
    for n in segment(card.original, card.source).structure_lines():
        where[n] = "structure"
    for name, (first, last) in card.field_lines.items():
        for n in range(first, last + 1):
            where.setdefault(n, f"field {name}")
    for s in card.garbage:
        where.setdefault(s.line, "garbage")
    for s in card.unmapped:
        where.setdefault(s.line, "unmapped")
    return where


def _check_card(text: str, source: str) -> None:
    try:
        card = parse_card(text, source)
    except CardError:
        return  # refused whole, with its file and line: nothing is half-read
    where = _card_accounting(card)
    lost = {n: t for n, t in _nonempty(card.original).items() if n not in where}
    assert not lost, f"{source}: lines in no field, garbage, unmapped or structure: {lost}"
    # and the unmapped and garbage lists hold the lines' text as it is
    lines = card.original.split("\n")
    for s in card.unmapped + card.garbage:
        assert s.text == lines[s.line - 1].strip()


@pytest.mark.parametrize("path", CARDS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_line_of_every_card_file_is_accounted_for(path):
    try:
        text, _ = read_card(path)
    except CardError:
        return  # empty or binary: refused whole (test_bad_input)
    _check_card(text, path.name)


@pytest.mark.parametrize("name", sorted(GENERATED_CARDS))
def test_every_line_of_a_bad_card_is_accounted_for(name):
    _check_card(GENERATED_CARDS[name], f"{name}.txt")


def _page_accounting(record, text: str) -> dict[int, str]:
    where: dict[int, str] = {}
    for name, (first, last) in record.field_lines.items():
        for n in range(first, last + 1):
            where[n] = f"field {name}"
    for p in record.problems:
        if p.line:
            where.setdefault(p.line, f"problem {p.kind}")
    after = min((p.line for p in record.problems if p.kind == "unknown-section"), default=None)
    seen_value = False
    for n, raw in _nonempty(text).items():
        line = raw.strip()
        key = registry._key(line)
        label = registry._LABEL_LINE.match(line)
        if after is not None and n > after:
            where.setdefault(n, "after a section that is not read (its heading is a problem)")
        elif registry._HEADING.match(line) or key in registry._PARTNER_HEADERS or key in registry._CONTACT_HEADERS:
            where.setdefault(n, "structure")
        elif registry._BANNER.search(line) and not seen_value:
            where.setdefault(n, "banner")
        elif label and registry._key(label["label"]) in registry._LABELS:
            if registry._LABELS[registry._key(label["label"])][0].startswith("_"):
                where.setdefault(n, "address or phone: dropped on purpose")
            elif not (label["value"] or "").strip():
                where.setdefault(n, "label without a value")
        elif label and registry._CONTACT_LABEL.search(label["label"]) and not label["value"]:
            where.setdefault(n, "contact label without a value")
        seen_value |= n in where and where[n].startswith("field")
    return where


def _check_page(path: Path) -> None:
    record = read_registry_page(path)
    text = registry.normalise(path.read_text(encoding="utf-8"))
    if path.suffix == ".html":
        from hankekg.registry.html import html_to_text

        text = html_to_text(text)
    where = _page_accounting(record, text)
    lost = {n: t for n, t in _nonempty(text).items() if n not in where}
    assert not lost, f"{path.name}: lines in no field, problem or structure: {lost}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_line_of_every_registry_page_is_accounted_for(path):
    _check_page(path)


@pytest.mark.parametrize("name", sorted(GENERATED_PAGES))
def test_every_line_of_a_bad_registry_page_is_accounted_for(name, tmp_path):
    path = tmp_path / "S21684.txt"
    path.write_text(GENERATED_PAGES[name], encoding="utf-8")
    _check_page(path)


def test_the_report_lists_every_unmapped_and_garbage_line(tmp_path):
    """What the parser set aside reaches dist/report/unmapped.csv, line by line."""
    cards = {f"{n}.txt": t for n, t in GENERATED_CARDS.items() if n in ("unknown-labels", "stray-lines-before-title")}
    cards["unknown-labels.txt"] = cards["unknown-labels.txt"].replace("S21684", "S29998")
    data = data_dir(tmp_path, cards=cards)
    out = tmp_path / "dist"
    proc = run_cli("build", str(data), "--out", str(out))
    assert "unknown label 'Hankkeen rahoitusmalli'" in proc.stdout  # an error: exit 2, and built
    rows = list(csv.DictReader((out / "report" / "unmapped.csv").open(encoding="utf-8")))
    got = {(Path(r["file"]).name, int(r["line"]), r["text"]) for r in rows}
    repairer = Repairer(paths.reference_dir(data))
    for name in cards:
        card = pipeline.read_one(data / "cards" / name, repairer)
        expected = {(name, s.line, s.text) for s in card.unmapped + card.garbage}
        assert expected and expected <= got, (name, expected - got)
