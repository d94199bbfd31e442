"""The seed card, read, parsed and repaired, gives exactly the facts a careful reader
restores (card-format.md, "Facts of the seed card"). The expected texts (here and in
tests/support.py, SEED_PROSE) were written by reading the OCR text and restoring each ä
and ö by hand."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hankekg import paths
from hankekg.cards.repair import Repairer
from hankekg.model import Role
from hankekg.pipeline import read_one
from tests.support import SEED_PROSE

SEED = Path(__file__).resolve().parents[2] / "data" / "cards" / "S21684.txt"


@pytest.fixture(scope="module")
def card():
    return read_one(SEED, Repairer(paths.bundled_reference_dir()))


def test_code_name_period(card):
    assert card.code == "S21684"
    assert card.name == "Hyvinvoiva asukas – yhteisöllisen asumisen kehittäminen Etelä-Savossa"
    assert (card.start, card.end) == (date(2019, 6, 1), date(2021, 12, 31))


def test_funder_and_amount(card):
    assert [(f.name, f.amount_eur) for f in card.funders] == [("Etelä-Savon ELY-keskus", Decimal("368136"))]
    assert card.funding_eur == Decimal("368136")


def test_implementers_and_roles(card):
    assert [(i.name, i.role) for i in card.implementers] == [
        ("Kaakkois-Suomen ammattikorkeakoulu", Role.MAIN_IMPLEMENTER),
        ("ViaDia Mikkeli ry", Role.CO_IMPLEMENTER),
    ]


def test_target_groups(card):
    tg = card.target_groups
    assert tg.main == "Asuinalueilla pilotteihin ja asukasaktiivivalmennukseen osallistuvat"
    assert tg.items == (
        "maahanmuuttajaperheet",
        "itsenäisesti asuvat nuoret",
        "sosiaalisesti heikossa asemassa olevat",
    )


def test_outputs(card):
    got = [(o.title, o.publisher, o.year, o.format, o.size_mb) for o in card.outputs]
    assert got == [
        ("Alueiden yhteisöllisyyttä rakentamassa – Yhteisömanagerin opas", "Xamk", 2021, "pdf", Decimal("12.6")),
        ("Lintumäki", "Nuorisotyö", 2019, "pdf", Decimal("4")),
        ("Partti", "Xamk", 2021, None, None),
    ]


def test_links(card):
    assert card.links.registry == "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684"
    assert "URNISBN9789523443884" in card.outputs[0].url
    assert card.outputs[1].url.startswith("https://www.xamk.fi/wp-content/uploads/2019/07/")
    assert card.outputs[2].url is None  # the Xamk link is listed twice; Partti has no file


def test_compiled(card):
    assert card.compiled_on == "2022-11"
    assert card.compiled_by.startswith("Sosiaalisen osallisuuden edistämisen koordinaatiohanke")


PROSE = SEED_PROSE


@pytest.mark.parametrize("field", sorted(PROSE))
def test_prose_restored(card, field):
    assert getattr(card, field) == PROSE[field]


def test_practices_empty(card):
    assert card.practices is None


def test_repairs_listed(card):
    """At least 20 distinct restored words, each listed with the line it stands on."""
    afters = {r.after for r in card.repairs}
    expected = {
        "kehittäminen", "yhteisöllisyyttä", "työpajatyönä", "hyödynnetään", "sekä", "päätyttyä",
        "Etelä-Savossa", "yksinäisyyden", "lisääntyminen", "syrjäytymistä", "Ehkäistä", "kehittää",
        "menetelmiä", "levittää", "niitä", "Asukaslähtöiset", "taloyhtiöissä", "löytämiseksi",
        "levittäminen", "osallisuustyö", "kestävästä", "elämäntavasta", "lisääntyi", "ympärille",
        "osallisuustyötä", "yhteistyötä", "edistämisen", "itsenäisesti", "Lintumäki", "Nuorisotyö",
    }
    # A repair may be listed by its hyphenated whole ("Etelä-Savossa") or by its part ("Etelä").
    found = {w for w in expected if w in afters or any(w.startswith(a) and "-" in w for a in afters)}
    assert len(found) >= 20 and expected - found == set(), f"not listed as repaired: {expected - found}"
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for r in card.repairs:
        assert r.before in lines[r.line - 1], f"repair {r} does not point at its line"
