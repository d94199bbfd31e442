"""Bad input files: each is read to a card, or refused with a CardError/RegistryError naming the
file (and the line where there is one); names full of Turtle's special characters come out as
exact literals in every dump; URLs that are not http(s) never become IRIs."""

from __future__ import annotations

import codecs
import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.term import Node
from tests.robustness.helpers import SEED_PAGE, data_dir, seed_card
from tests.support import SEED, run_cli

from hankekg import paths, pipeline
from hankekg.cards.parse import parse_card, segment
from hankekg.cards.read import MAX_BYTES, read_card
from hankekg.cards.repair import Repairer
from hankekg.errors import CardError, RegistryError
from hankekg.registry.parse import read_registry_page

SEED_TEXT = SEED.read_text(encoding="utf-8")
PERIOD = "1.6.2019 — 31.12.2021"
FUNDER = "Etela-Savon ELY-keskus, 368 136 €"


def _card(tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    text, encoding = read_card(path)
    return parse_card(text, name, encoding)


def _refused(tmp_path: Path, name: str, content: bytes, match: str) -> CardError:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CardError, match=match) as info:
        read_card(path)
    assert info.value.path == str(path)
    return info.value


# --------------------------------------------------------------------------- unreadable files


def test_empty_file_is_refused_at_line_1(tmp_path):
    assert _refused(tmp_path, "empty.txt", b"", "empty file").line == 1
    assert _refused(tmp_path, "blank.txt", b" \n\n\t\n", "empty file").line == 1


def test_binary_files_are_refused(tmp_path):
    assert _refused(tmp_path, "nul.txt", b"GIF89a\x00\x01\x02", "binary file").line == 1
    noise = bytes((i * 7919) % 256 for i in range(4096)).replace(b"\x00", b"\x01")
    assert _refused(tmp_path, "noise.txt", noise, "binary file").line >= 1
    # A PNG saved with .txt: NUL bytes after the header.
    _refused(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "binary file")


def test_registry_page_that_is_empty_or_binary_is_refused(tmp_path):
    for name, content in (("S29990.txt", b""), ("S29991.txt", bytes(range(256)) * 4)):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(RegistryError, match="empty|binary") as info:
            read_registry_page(tmp_path / name)
        assert info.value.path == str(tmp_path / name)


@pytest.mark.parametrize("cut", ["Asukaslahtoiset kokeilut talo", "Etela-Savon ELY-keskus, 368",
                                 "Tehtiin aktiivisesti yhteistydtd Mikkelin kaupungin kanssa; kok"])
def test_truncated_mid_field_keeps_what_is_there(tmp_path, cut):
    text = SEED_TEXT[: SEED_TEXT.index(cut) + len(cut)]
    card = _card(tmp_path, "cut.txt", text)
    assert card.code == "S21684"
    last = max(last for _, last in card.field_lines.values())
    assert last == text.count("\n") + 1  # the cut line is read into the field it was in


def test_truncated_before_the_period_is_a_card_without_dates(tmp_path):
    card = _card(tmp_path, "cut.txt", SEED_TEXT[: SEED_TEXT.index("1.6.2019")])
    assert (card.code, card.start, card.end) == ("S21684", None, None)


# --------------------------------------------------------------------------- encodings


ACCENTED = seed_card(**{"yhteisollisen asumisen kehittdminen Eteld-Savossa":
                        "yhteisöllisen asumisen kehittäminen Etelä-Savossa"})


@pytest.mark.parametrize("encoding, data", [
    ("cp1252", ACCENTED.encode("cp1252")),
    ("latin-1", ACCENTED.replace("—", "-").replace("€", "EUR").encode("latin-1", "replace")),
    ("utf-16", ACCENTED.encode("utf-16")),  # with its BOM (little-endian here)
    ("utf-16", codecs.BOM_UTF16_BE + ACCENTED.encode("utf-16-be")),
    ("utf-8-sig", codecs.BOM_UTF8 + ACCENTED.encode("utf-8")),
    ("utf-8", ACCENTED.replace("\n", "\r\n").encode("utf-8")),
], ids=["cp1252", "latin-1", "utf-16-le-bom", "utf-16-be-bom", "utf-8-bom", "utf-8-crlf"])
def test_wrong_encodings_are_recognised(tmp_path, encoding, data):
    card = _card(tmp_path, "enc.txt", data)
    assert card.encoding == encoding
    assert card.name_copies[0][1] == "Hyvinvoiva asukas – yhteisöllisen asumisen kehittäminen Etelä-Savossa"
    assert (card.code, str(card.start), str(card.end)) == ("S21684", "2019-06-01", "2021-12-31")
    assert card.funders[0].amount_eur == 368136


def test_utf16_without_bom_is_refused_as_binary(tmp_path):
    _refused(tmp_path, "u16.txt", ACCENTED.encode("utf-16-le"), "binary file")


# --------------------------------------------------------------------------- size


def test_a_50_mb_card_is_refused_at_once_with_a_clear_message(tmp_path):
    """Design: source files over MAX_BYTES (1 MB) are refused unread (a card is ~5 kB).

    Before the limit a 50 MB card parsed in hours (quadratic join, fixed) and, once that was
    fixed, still built for over ten minutes and 12 GB of memory.
    """
    line = "Hankkeen tavoitteena oli vahvistaa asukkaiden osallisuutta ja yhteisollisyytta.\n"
    big = seed_card(**{"Huono-osaisuuden": line * (50_000_000 // len(line)) + "Huono-osaisuuden"})
    path = tmp_path / "S21684.txt"
    path.write_text(big, encoding="utf-8")
    assert path.stat().st_size > 50_000_000
    started = time.monotonic()
    with pytest.raises(CardError, match=r"file of 50\.\d MB is larger than a card can be \(limit 1 MB\)"):
        read_card(path)
    page = tmp_path / "S21684-page.txt"
    page.write_text(SEED_PAGE.read_text(encoding="utf-8") + line * (50_000_000 // len(line)), encoding="utf-8")
    with pytest.raises(RegistryError, match="larger than a registry page can be"):
        read_registry_page(page)
    assert time.monotonic() - started < 5
    proc = run_cli("parse", str(path))
    assert proc.returncode == 2 and "larger than a card can be" in proc.stderr and "Traceback" not in proc.stderr


def test_a_card_just_under_the_limit_parses_in_seconds(tmp_path):
    line = "Hankkeen tavoitteena oli vahvistaa asukkaiden osallisuutta ja yhteisollisyytta.\n"
    filler = line * ((MAX_BYTES - len(SEED_TEXT.encode()) - 1000) // len(line))
    started = time.monotonic()
    card = _card(tmp_path, "S21684.txt", seed_card(**{"Huono-osaisuuden": filler + "Huono-osaisuuden"}))
    assert time.monotonic() - started < 10
    assert len(card.background) > 0.9 * len(filler)


# --------------------------------------------------------------------------- odd content


def test_a_card_with_every_field_twice_keeps_the_first_and_reports_each_second(tmp_path):
    body, logos = SEED_TEXT.split("eN Osy,")
    fields = body[body.index("Hankkeen nimi, S-numero"):]
    second = fields.replace("368 136", "999 999").replace("Tehtiin aktiivisesti", "Toisen kerran")
    card = _card(tmp_path, "twice.txt", body + second + "eN Osy," + logos)
    assert card.funders[0].amount_eur == 368136 and card.notes.startswith("Tehtiin aktiivisesti")
    duplicates = [p for p in card.problems if p.kind == "duplicate-field"]
    assert len(duplicates) == 12, [p.message for p in duplicates]
    # Every line of the second copy is a label or unmapped: nothing of it is lost, nothing is used.
    labels = segment(card.original).structure_lines()
    start = body.count("\n") + 1
    second_copy = {n for n, t in enumerate((body + second).split("\n"), start=1) if n > start and t.strip()}
    assert second_copy - labels == {s.line for s in card.unmapped if s.line > start}


def test_duplicate_project_codes_in_two_cards_keep_the_first_and_report_the_second(tmp_path):
    data = data_dir(tmp_path, cards={"a.txt": SEED_TEXT, "b.txt": seed_card(**{"368 136": "1 000"})})
    result = pipeline.build(data)
    assert [p.card.funders[0].amount_eur for p in result.projects] == [368136]
    dup = [p for p in result.problems if p.kind == "duplicate-code"]
    assert len(dup) == 1 and dup[0].path == "cards/b.txt" and "cards/a.txt" in dup[0].message
    assert dup[0].line == 9


@pytest.mark.parametrize("code", ["S2168X", "S216845", "21684", "s21684", "SS1684"])
def test_a_malformed_project_code_is_an_error_with_its_line(tmp_path, code):
    with pytest.raises(CardError, match=r"no project code") as info:
        _card(tmp_path, "bad.txt", seed_card(S21684=code))
    assert info.value.line == 9


def test_bug_seven_digit_code_in_the_title_was_cut_to_six(tmp_path):
    """``S216845`` in the title was read as S21684 (the title pattern had no end), silently."""
    text = seed_card(**{"S21684, Hyvinvoiva": "S216845, Hyvinvoiva", "S21684 — Hyvinvoiva": "Hyvinvoiva"})
    with pytest.raises(CardError, match="no project code"):
        _card(tmp_path, "bad.txt", text)


def test_a_period_that_runs_backwards_is_an_error_with_its_line(tmp_path):
    with pytest.raises(CardError, match="period runs backwards") as info:
        _card(tmp_path, "back.txt", seed_card(**{PERIOD: "31.12.2021 — 1.6.2019"}))
    assert str(info.value).startswith("back.txt:10: ")


def test_an_impossible_date_is_an_error_with_its_line(tmp_path):
    with pytest.raises(CardError, match="invalid date") as info:
        _card(tmp_path, "date.txt", seed_card(**{PERIOD: "31.6.2019 — 31.12.2021"}))
    assert info.value.line == 10


@pytest.mark.parametrize("amount, value, approximate", [
    ("1.234.567,89 €", Decimal("1234567.89"), False),
    ("n. 300 000 €", Decimal(300000), True),
    ("noin 12 500 euroa", Decimal(12500), True),
    ("1 234 567,89 EUR", Decimal("1234567.89"), False),
    ("368 136 €", Decimal(368136), False),
])
def test_amounts_in_finnish_forms(tmp_path, amount, value, approximate):
    card = _card(tmp_path, "amount.txt", seed_card(**{FUNDER: f"Etela-Savon ELY-keskus, {amount}"}))
    assert [(f.name, f.amount_eur) for f in card.funders] == [("Etela-Savon ELY-keskus", value)]
    assert any(p.kind == "approximate-amount" for p in card.problems) is approximate


# --------------------------------------------------------------------------- literals and IRIs in the dumps

NAME = 'Kaiku "ääni" \\ <b>tausta</b> & \'yhteisö\' """ \\u0022 \\n tausta'
ORG = 'Yhdistys "Kaiku" ry <Oulu> \\ haara'
SUMMARY = 'Ensimmäinen rivi "lainaus" ja \\ kenoviiva.\n<script>alert(1)</script> """ \'\'\'\nKolmas rivi\t@fi .'
BAD_URLS = ["https://www.example.fi/raportti 2021.pdf", "javascript:alert(document.cookie)",
            "javascript://www.example.fi/%0aalert(1)", "www.example.fi/ilman skeemaa"]


@pytest.fixture(scope="module")
def odd_build(tmp_path_factory):
    """A data folder with a card and a registry page full of quotes, backslashes, angle brackets,
    newlines and bad URLs, built with `hankekg build` (dumps, site, report)."""
    root = tmp_path_factory.mktemp("odd")
    card = seed_card(**{
        "S21684": "S29990",
        "Hyvinvoiva asukas — yhteiséllisen asumisen kehittaminen Etela-Savossa,": NAME + ",",
        "ViaDia Mikkeli ry (osatoteuttaja)": ORG + " (osatoteuttaja)",
        "https://www.theseus.fi/bitstream/handle/10024/506656/URNISBN9789523443884.pdf?sequence=2&isAllowed=y":
            "\n".join(BAD_URLS),
    })
    page = SEED_PAGE.read_text(encoding="utf-8").replace("S21684", "S29990").replace(
        "Hankkeen nimi: Hyvinvoiva asukas - yhteisöllisen asumisen kehittäminen Etelä-Savossa", f"Hankkeen nimi: {NAME}"
    ).replace("WWW-osoite: http://www.xamk.fi", "WWW-osoite: javascript:alert(1)")
    head, _ = page.split("3 Suunnitelman mukainen tiivistelmä toteutuksesta")
    page = head + "3 Suunnitelman mukainen tiivistelmä toteutuksesta\n\n" + SUMMARY + "\n"
    data = data_dir(root, cards={"S29990.txt": card}, pages={"S29990.txt": page})
    out = root / "dist"
    proc = run_cli("build", str(data), "--out", str(out))
    expected = pipeline.read_one(data / "cards" / "S29990.txt", Repairer(paths.reference_dir(data)))
    return out, proc, expected


def _dump(out: Path, name: str) -> Dataset:
    ds = Dataset()
    fmt = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig"}[name.rsplit(".", 1)[1]]
    ds.parse(out / name, format=fmt)
    return ds


def _terms(ds: Dataset) -> set[Node]:
    return {t for quad in ds.quads((None, None, None, None)) for t in quad[:3]}


DUMPS = ["hankekg.ttl", "hankekg.nt", "hankekg.jsonld", "hankekg.trig"]


def test_odd_names_build(odd_build):
    _, proc, card = odd_build
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"' in card.name and "\\" in card.name and "<b>" in card.name, card.name
    assert any(i.name == ORG for i in card.implementers)


@pytest.mark.parametrize("dump", DUMPS)
def test_names_with_quotes_backslashes_angle_brackets_and_newlines_are_exact_literals(odd_build, dump):
    out, _, card = odd_build
    terms = _terms(_dump(out, dump))  # parses: the dump is never broken
    assert Literal(card.name, lang="fi") in terms
    assert Literal(NAME, lang="fi") in terms  # the registry's copy, as written
    assert Literal(ORG, lang="fi") in terms
    assert Literal(SUMMARY, lang="fi") in terms  # with its newlines and tab
    assert Literal(card.original) in terms  # the whole card text, as read


@pytest.mark.parametrize("dump", DUMPS)
def test_urls_with_spaces_or_javascript_never_become_iris(odd_build, dump):
    out, _, card = odd_build
    iris = {str(t) for t in _terms(_dump(out, dump)) if isinstance(t, URIRef)}
    assert not [i for i in iris if i.lower().startswith(("javascript:", "www.")) or any(c.isspace() for c in i)]
    assert not [i for i in iris if "alert" in i or "ilman" in i]
    bad = [p for p in card.problems if p.kind == "bad-url"]
    assert len(bad) == len(BAD_URLS), [p.message for p in card.problems]


def test_no_javascript_anywhere_in_the_site_or_report_as_a_link(odd_build):
    out, _, _ = odd_build
    for path in sorted((out / "site").rglob("*.html")) + sorted((out / "report").rglob("*.html")):
        text = path.read_text(encoding="utf-8").lower()
        assert 'href="javascript:' not in text and "href='javascript:" not in text, path
        assert "<script>alert(1)</script>" not in text, f"{path}: the summary's markup is not escaped"
