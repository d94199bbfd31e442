"""Reading card files: encodings, line ends, Unicode normalisation and what is not a card."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from hankekg.cards.read import read_card
from hankekg.errors import CardError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cards"
SEED = Path(__file__).parents[2] / "data" / "cards" / "S21684.txt"
BAD = json.loads((FIXTURES / "bad" / "expect.json").read_text(encoding="utf-8"))


def test_seed_is_utf8():
    text, encoding = read_card(SEED)
    assert encoding == "utf-8"
    assert text.startswith(" Koonnut Sosiaalisen")
    assert "368 136 €" in text


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("seed-cp1252.txt", "cp1252"),
        ("seed-latin1.txt", "latin-1"),
        ("seed-utf16.txt", "utf-16"),
        ("seed-utf8-bom.txt", "utf-8-sig"),
        ("seed-crlf.txt", "utf-8"),
    ],
)
def test_encodings_are_detected(name, encoding):
    text, found = read_card(FIXTURES / name)
    assert found == encoding
    assert "\r" not in text
    assert not text.startswith("\ufeff")
    assert "Etela-Savon ELY-keskus, 368 136" in text


def test_cp1252_and_crlf_give_the_seed_text():
    seed, _ = read_card(SEED)
    for name in ("seed-cp1252.txt", "seed-utf16.txt", "seed-utf8-bom.txt", "seed-crlf.txt"):
        assert read_card(FIXTURES / name)[0] == seed, name


def test_text_is_nfc(tmp_path):
    path = tmp_path / "nfd.txt"
    path.write_text(unicodedata.normalize("NFD", "S21684, Etelä-Savo\n"), encoding="utf-8")
    text, _ = read_card(path)
    assert text == "S21684, Etelä-Savo\n"


def test_old_mac_line_ends(tmp_path):
    path = tmp_path / "cr.txt"
    path.write_bytes(b"a\rb\r\nc\n")
    assert read_card(path)[0] == "a\nb\nc\n"


def test_c1_bytes_without_cp1252_meaning_fall_back_to_latin1(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes("Etelä-Savo ".encode("latin-1") * 20 + b"\x81")
    assert read_card(path)[1] == "latin-1"


@pytest.mark.parametrize("name", sorted(BAD.keys() & {p.name for p in (FIXTURES / "bad").iterdir()}
                                        - {"no-code.txt", "backwards.txt", "invalid-date.txt"}))
def test_bad_files_raise_with_file_and_line(name):
    path = FIXTURES / "bad" / name
    with pytest.raises(CardError) as caught:
        read_card(path)
    assert caught.value.message.startswith(BAD[name]["message"])
    assert caught.value.path == str(path)
    assert caught.value.line == BAD[name]["line"]
    assert str(path) in str(caught.value)
