"""Cards as PDFs (issue 8): the seed's facts, restored, drawn into a born-digital card PDF
and into a scan of it, read back through hankekg.cards.pdf. Every PDF is made here, at
test time, by tests/pdf_fixtures.py."""

from __future__ import annotations

import difflib
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests import pdf_fixtures as fx

from hankekg import paths
from hankekg.cards.pdf import OCR, TEXT_LAYER, card_from_pdf, ocr_unavailable, parse_pdf_card, read_pdf_card
from hankekg.cards.repair import Repairer
from hankekg.errors import CardError
from hankekg.model import PROSE_FIELDS, Role

SIMILARITY_FLOOR = 0.97


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf-cards")


@pytest.fixture(scope="module")
def born(folder) -> Path:
    return fx.make_card_pdf(folder / "S21684.pdf")


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    return Repairer(paths.bundled_reference_dir())


@pytest.fixture(scope="module")
def born_card(born):
    return parse_pdf_card(born)


def _assert_seed_facts(card) -> None:
    """The facts every reading of the seed card must give: code, period, funder, implementers."""
    assert card.code == "S21684"
    assert (card.start, card.end) == (date(2019, 6, 1), date(2021, 12, 31))
    assert [(f.name, f.amount_eur) for f in card.funders] == [("Etelä-Savon ELY-keskus", Decimal(368136))]
    assert [(i.name, i.role) for i in card.implementers] == [
        ("Kaakkois-Suomen ammattikorkeakoulu", Role.MAIN_IMPLEMENTER),
        ("ViaDia Mikkeli ry", Role.CO_IMPLEMENTER),
    ]


# --------------------------------------------------------------------------- born-digital


def test_born_digital_read_from_the_text_layer(born):
    pdf = read_pdf_card(born)
    assert pdf.path_used == TEXT_LAYER
    assert pdf.confidence == 1.0
    assert pdf.problems == ()
    assert pdf.text.splitlines()[-3:] == [fx.REGISTRY_URL, fx.THESEUS_URL, fx.XAMK_URL]


def test_born_digital_links_are_placed_by_position(born):
    links = read_pdf_card(born).links
    assert [(link.url, link.field, link.output, link.page) for link in links] == [
        (fx.REGISTRY_URL, "name", None, 1),
        (fx.THESEUS_URL, "outputs", 0, 1),
        (fx.XAMK_URL, "outputs", 1, 1),
    ]
    assert links[0].text == fx.REGISTRY_NOTE
    # The first output's link wraps over two lines: its two annotations are one link.
    assert links[1].text == fx.OUTPUTS[0]
    assert links[2].text == fx.OUTPUTS[1]
    assert all(link.bbox[0] < link.bbox[2] and link.bbox[1] < link.bbox[3] for link in links)


def test_born_digital_gives_exactly_the_seed_facts(born_card):
    card = born_card
    _assert_seed_facts(card)
    assert card.name == "Hyvinvoiva asukas – yhteisöllisen asumisen kehittäminen Etelä-Savossa"
    assert card.funding_eur == Decimal(368136)
    assert card.target_groups.main == "Asuinalueilla pilotteihin ja asukasaktiivivalmennukseen osallistuvat"
    assert card.target_groups.items == (
        "maahanmuuttajaperheet", "itsenäisesti asuvat nuoret", "sosiaalisesti heikossa asemassa olevat")
    assert [(o.title, o.publisher, o.year, o.format, o.size_mb, o.url) for o in card.outputs] == [
        ("Alueiden yhteisöllisyyttä rakentamassa – Yhteisömanagerin opas", "Xamk", 2021, "pdf",
         Decimal("12.6"), fx.THESEUS_URL),
        ("Lintumäki", "Nuorisotyö", 2019, "pdf", Decimal(4), fx.XAMK_URL),
        ("Partti", "Xamk", 2021, None, None, None),
    ]
    assert card.links.registry == fx.REGISTRY_URL
    assert card.links.other == (fx.THESEUS_URL, fx.XAMK_URL)
    assert card.compiled_on == "2022-11"
    assert card.compiled_by.startswith("Sosiaalisen osallisuuden edistämisen koordinaatiohanke")
    assert card.practices is None
    assert card.encoding.startswith(f"pdf/{TEXT_LAYER}, confidence ")
    assert card.problems == ()


@pytest.mark.parametrize("field", sorted(fx.PROSE))
def test_born_digital_prose_is_the_restored_text(born_card, field):
    assert getattr(born_card, field) == fx.PROSE[field]


def test_repair_leaves_the_born_digital_card_alone(born_card, repairer):
    repaired = repairer.repair_card(born_card)
    assert repaired.repairs == ()
    assert repaired == born_card


def test_links_go_to_the_output_they_sit_on_not_by_order(folder):
    """Links on the 2nd and 3rd outputs only: by order they would land on the 1st and 2nd."""
    rows = tuple(replace(row, links=((fx.OUTPUTS[1], fx.XAMK_URL), (fx.OUTPUTS[2], fx.THESEUS_URL)))
                 if row.label == "Tuotokset" else row for row in fx.SEED.rows)
    path = fx.make_card_pdf(folder / "links-skip-first.pdf", replace(fx.SEED, rows=rows))
    pdf = read_pdf_card(path)
    assert [(link.url, link.output) for link in pdf.links if link.field == "outputs"] == [
        (fx.XAMK_URL, 1), (fx.THESEUS_URL, 2)]
    card = card_from_pdf(pdf, path.name)
    assert [o.url for o in card.outputs] == [None, fx.XAMK_URL, fx.THESEUS_URL]
    assert card.source == path.name


# --------------------------------------------------------------------------- scanned


@pytest.fixture(scope="module")
def scanned(born, folder) -> Path:
    reason = ocr_unavailable()
    if reason:
        pytest.fail(f"the scanned-card test needs OCR: {reason}", pytrace=False)
    return fx.make_scanned_pdf(born, folder / "S21684-scan.pdf", dpi=300, angle=0.5)


def _word_similarity(expected: dict[str, str], card) -> tuple[float, dict[str, float]]:
    """Word-level similarity (difflib ratio over word lists) of all prose fields, and per field."""
    per_field, matched, total = {}, 0, 0
    for name in PROSE_FIELDS:
        source = (expected.get(name) or "").split()
        read = (getattr(card, name) or "").split()
        if not source and not read:
            continue
        matcher = difflib.SequenceMatcher(a=source, b=read, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        per_field[name] = matcher.ratio()
        matched += 2 * same
        total += len(source) + len(read)
    return (matched / total if total else 1.0), per_field


@pytest.mark.slow
def test_scanned_card_by_ocr(scanned, repairer, capsys):
    started = time.perf_counter()
    pdf = read_pdf_card(scanned)
    seconds = time.perf_counter() - started
    assert pdf.path_used == OCR
    card = repairer.repair_card(card_from_pdf(pdf, scanned.name))
    similarity, per_field = _word_similarity(fx.PROSE, card)
    with capsys.disabled():
        print(f"\n[scanned card] OCR {seconds:.1f} s, Tesseract confidence {pdf.confidence:.3f}, "
              f"prose word similarity {similarity:.4f} "
              f"({', '.join(f'{k} {v:.3f}' for k, v in per_field.items())})")
    _assert_seed_facts(card)
    assert card.encoding.startswith(f"pdf/{OCR}, confidence ")
    assert pdf.confidence >= 0.8
    assert similarity >= SIMILARITY_FLOOR, f"prose words only {similarity:.1%} identical"
    assert seconds < 60


def test_text_layer_without_diacritics_is_read_and_flagged(folder):
    """A born-digital PDF of OCR'd text (no page image): the text layer is all there is."""
    path = fx.make_card_pdf(folder / "no-diacritics.pdf", fx.without_diacritics())
    pdf = read_pdf_card(path)
    assert pdf.path_used == TEXT_LAYER
    assert [p.kind for p in pdf.problems] == ["text-layer-without-diacritics"]
    card = card_from_pdf(pdf)
    assert card.code == "S21684"
    assert card.outputs[1].title == "Lintumaki" and card.outputs[1].url == fx.XAMK_URL


@pytest.mark.slow
def test_scan_whose_text_layer_lost_diacritics_is_read_by_ocr(scanned, folder):
    path = fx.make_layered_scan(scanned, folder / "layered.pdf", fx.without_diacritics())
    pdf = read_pdf_card(path)
    assert pdf.path_used == OCR
    assert "text-layer-replaced" in [p.kind for p in pdf.problems]
    card = card_from_pdf(pdf)
    _assert_seed_facts(card)
    assert card.background == fx.PROSE["background"]


# --------------------------------------------------------------------------- faulty files


@pytest.mark.parametrize("make, message", [
    (lambda born, d: fx.make_encrypted_pdf(born, d / "encrypted.pdf"), "encrypted"),
    (lambda born, d: fx.make_truncated_pdf(born, d / "truncated.pdf"), "corrupt"),
    (lambda born, d: fx.make_not_a_pdf(d / "text.pdf"), "not a PDF"),
    (lambda born, d: fx.make_paragraph_pdf(d / "paragraph.pdf"), "no table"),
], ids=["encrypted", "truncated", "not-a-pdf", "no-table"])
def test_faulty_pdf_gives_a_card_error_naming_the_file(born, folder, make, message):
    path = make(born, folder)
    with pytest.raises(CardError) as caught:
        read_pdf_card(path)
    assert message in str(caught.value)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


def test_a_batch_goes_on_past_faulty_pdfs(born, folder):
    """Each file fails or parses on its own, as the pipeline reads a folder of cards."""
    files = [fx.make_encrypted_pdf(born, folder / "a-encrypted.pdf"),
             fx.make_truncated_pdf(born, folder / "b-truncated.pdf"),
             born,
             fx.make_paragraph_pdf(folder / "c-paragraph.pdf")]
    outcomes = {}
    for path in files:
        try:
            outcomes[path.name] = parse_pdf_card(path).code
        except CardError as err:
            outcomes[path.name] = f"error: {err.path}"
    assert outcomes == {
        "a-encrypted.pdf": f"error: {folder / 'a-encrypted.pdf'}",
        "b-truncated.pdf": f"error: {folder / 'b-truncated.pdf'}",
        born.name: "S21684",
        "c-paragraph.pdf": f"error: {folder / 'c-paragraph.pdf'}",
    }


def test_build_takes_pdf_cards_beside_text_cards_and_goes_on_after_a_bad_one(tmp_path):
    """A folder of cards: the seed as text, a born-digital PDF of another project, and an
    encrypted PDF. The two good cards build; the bad one is named; the exit code is 2."""
    import csv
    import shutil

    from rdflib import Graph, URIRef

    from tests.pdf_fixtures import SEED as SHEET
    from tests.pdf_fixtures import make_card_pdf, make_encrypted_pdf
    from tests.support import REPO, run_cli

    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "reference", data / "reference")
    (data / "cards").mkdir(parents=True)
    shutil.copy(REPO / "data" / "cards" / "S21684.txt", data / "cards" / "S21684.txt")
    other = replace(SHEET, title=SHEET.title.replace("S21684", "S29990"),
                    rows=tuple(replace(r, value=r.value.replace("S21684", "S29990")) for r in SHEET.rows))
    pdf = make_card_pdf(tmp_path / "S29990.pdf", other)
    shutil.copy(pdf, data / "cards" / "S29990.pdf")
    make_encrypted_pdf(pdf, data / "cards" / "locked.pdf")
    out = tmp_path / "dist"
    proc = run_cli("build", str(data), "--out", str(out), "--no-site")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "locked.pdf" in proc.stdout + proc.stderr
    built = Graph().parse(out / "hankekg.nt", format="nt")
    codes = {str(o) for o in built.objects(None, URIRef("http://purl.org/dc/terms/identifier"))}
    assert {"S21684", "S29990"} <= codes
    rows = {r["file"]: r for r in csv.DictReader((out / "report" / "cards.csv").open(encoding="utf-8"))}
    assert rows["cards/S29990.pdf"]["read_as"].startswith("pdf/text-layer, confidence ")
    assert rows["cards/S21684.txt"]["read_as"] == "utf-8"
