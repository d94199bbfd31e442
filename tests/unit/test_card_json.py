"""The JSON form of a card: key order, types, and the seed's values."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hankekg.cards.jsonform import KEYS, card_to_dict, card_to_json, number
from hankekg.cards.parse import parse_card
from hankekg.cards.read import read_card
from hankekg.errors import CardError
from hankekg.model import Card, Funder, Implementer, Links, Problem, Repair, SourceLine

SEED = Path(__file__).parents[2] / "data" / "cards" / "S21684.txt"


@pytest.fixture(scope="module")
def seed_form() -> dict:
    text, encoding = read_card(SEED)
    return json.loads(card_to_json(parse_card(text, "data/cards/S21684.txt", encoding)))


def test_keys_in_order(seed_form):
    assert tuple(seed_form) == KEYS


def test_seed_values(seed_form):
    assert seed_form["code"] == "S21684"
    assert (seed_form["start"], seed_form["end"]) == ("2019-06-01", "2021-12-31")
    assert seed_form["funders"] == [{"name": "Etela-Savon ELY-keskus", "amount_eur": 368136}]
    assert seed_form["funding_eur"] == 368136 and isinstance(seed_form["funding_eur"], int)
    assert [i["role"] for i in seed_form["implementers"]] == ["päätoteuttaja", "osatoteuttaja"]
    assert seed_form["target_groups"]["items"][0] == "maahanmuuttajaperheet"
    assert seed_form["outputs"][0]["size_mb"] == 12.6
    assert seed_form["outputs"][2] == {"title": "Partti", "publisher": "Xamk", "year": 2021, "format": None,
                                       "size_mb": None, "url": None}
    assert seed_form["practices"] is None
    assert seed_form["links"]["registry"].endswith("projektikoodi=S21684")
    assert seed_form["compiled_on"] == "2022-11"
    assert seed_form["repairs"] == [] and seed_form["unmapped"] == []
    assert seed_form["garbage"][0] == {"line": 73, "text": "eN Osy,"}
    assert seed_form["problems"][0]["kind"] == "duplicate-link"
    assert seed_form["source"] == "data/cards/S21684.txt" and seed_form["encoding"] == "utf-8"


def test_json_keeps_finnish_letters():
    assert "päätoteuttaja" in card_to_json(parse_card(SEED.read_text(encoding="utf-8"), "s.txt"))


@pytest.mark.parametrize(("value", "expected"), [(Decimal("368136"), 368136), (Decimal("368136.00"), 368136),
                                                 (Decimal("12.6"), 12.6), (None, None)])
def test_number(value, expected):
    got = number(value)
    assert got == expected and type(got) is type(expected)


def test_empty_card():
    form = card_to_dict(Card(source="x", encoding="utf-8", code="S00001", name=None))
    assert form["funders"] == [] and form["funding_eur"] is None and form["target_groups"] is None
    assert form["links"] == {"registry": None, "other": []}
    assert form["start"] is None


def test_every_record_kind_is_written():
    card = Card(
        source="x", encoding="cp1252", code="S00001", name="N", start=date(2020, 1, 1),
        funders=(Funder("F", Decimal("1.5"), 3), Funder("G", None, 4)),
        implementers=(Implementer("O", None, "hallinnoija", 5),),
        links=Links("https://r", ("https://a",)),
        repairs=(Repair(7, "Etela", "Etelä", "voikko"),),
        unmapped=(SourceLine(8, "u", "unmapped"),), garbage=(SourceLine(9, "g", "garbage"),),
        problems=(Problem("x", 8, "unknown-label", "m"),),
    )
    form = card_to_dict(card)
    assert form["funders"] == [{"name": "F", "amount_eur": 1.5}, {"name": "G", "amount_eur": None}]
    assert form["funding_eur"] == 1.5
    assert form["implementers"] == [{"name": "O", "role": None, "role_text": "hallinnoija"}]
    assert form["repairs"] == [{"line": 7, "before": "Etela", "after": "Etelä", "reason": "voikko"}]
    assert form["unmapped"] == [{"line": 8, "text": "u"}] and form["garbage"] == [{"line": 9, "text": "g"}]
    assert form["problems"] == [{"line": 8, "kind": "unknown-label", "severity": "error", "message": "m"}]
    assert form["start"] == "2020-01-01"


def test_cache_codec_round_trips_every_fixture_card():
    """The cache's JSON form of a card reads back equal, field lines and original text included."""
    from hankekg.cards.codec import card_from_bytes, card_to_bytes
    from hankekg.cards.parse import parse_card
    from hankekg.cards.read import read_card

    paths = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "cards").glob("*.txt"))
    assert paths
    for path in paths:
        try:
            text, encoding = read_card(path)
            card = parse_card(text, path.name, encoding)
        except CardError:
            continue
        back = card_from_bytes(card_to_bytes(card))
        assert back == card and back.field_lines == card.field_lines and back.original == card.original


def test_cache_codec_refuses_what_is_not_a_card():
    from hankekg.cards.codec import card_from_bytes

    for data in (b"", b"[1, 2]", b'{"$": "os.system"}', b'{"$": "Funder", "name": "x"}', b"\xff"):
        with pytest.raises(ValueError):
            card_from_bytes(data)
