"""The fast paths of reading, parsing and repairing a card against their plain definitions.

Tokens, spellings, the binary-file check, label matching, splitting outside
parentheses and the line a repair is on are computed in ways faster than their
definitions (one scan of a whole text, slots multiplied out at once, characters
counted once, all labels scored in one call, str.find); these tests hold them to
the definitions, written out here the simple way.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from hankekg.cards import finnish, labels, parse, read
from hankekg.cards.repair import _WORD_IN_LINE, Repairer, _CardRepair
from hankekg.errors import CardError
from hankekg.model import Card

# Letters, OCR's stand-ins, digits (6 among them), the colon of EU:n, hyphens, the
# pieces of URLs and e-mail addresses, a superscript digit and assorted space.
TEXT = st.text(alphabet="aäoödDéÉ&6 1²_-:.@/hwWtps\n\tSEU", max_size=60)


def _tokens_by_definition(text: str) -> list[tuple[int, int, str]]:
    """Chunk by chunk: skip URL-like chunks, then letter runs not touching a digit."""
    out = []
    for chunk in re.finditer(r"\S+", text):
        if finnish._URLISH.search(chunk.group()):
            continue
        for m in finnish.WORD_RE.finditer(chunk.group()):
            start, end = chunk.start() + m.start(), chunk.start() + m.end()
            before = text[start - 1] if start > 0 else ""
            after = text[end] if end < len(text) else ""
            if any(ch.isalpha() for ch in m.group()) and not before.isdigit() and not after.isdigit():
                out.append((start, end, m.group()))
    return out


@settings(max_examples=500, deadline=None)
@given(TEXT)
@example("katso WWW.SOKRA.FI, EU:n ty6ta")
@example("HTTPS://X.FI")
@example("katso www.thl.fi")
@example("posti: a@b.fi, x@ y, s://t ja sek& 2014-2020 S21684")
def test_tokens_follow_their_definition(text: str) -> None:
    assert [tuple(t) for t in finnish.tokens(text)] == _tokens_by_definition(text)


def test_word_pattern_is_a_run_of_letters_and_stand_ins() -> None:
    letters = r"[^\W\d_]"
    one_at_a_time = re.compile(rf"(?:{letters}|[&6])+(?::(?:{letters}|[&6])+)?")
    text = "ty6ta sek& EU:n ry:llä a:b:c 2abc abc2 ²x x_y &6& Etelä-Savo"
    assert ([m.span() for m in finnish.WORD_RE.finditer(text)]
            == [m.span() for m in one_at_a_time.finditer(text)])


def _spellings_by_definition(word: str) -> list[tuple[str, int]]:
    parts = finnish.slots(word)
    first: dict[str, int] = {}
    for choice in itertools.product(*(readings for _, readings in parts)):
        first.setdefault("".join(choice), finnish._changes(parts, choice))
    return list(first.items())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAoOdDéÉ&6kyt", max_size=9))
def test_candidates_are_every_spelling_once_in_product_order(word: str) -> None:
    got = list(finnish.candidates(word, 4096))
    assert got == _spellings_by_definition(word)
    assert not any(finnish.has_forced(text) for text, _ in got)


def test_spelled_twice_keeps_the_first_changes() -> None:
    got = list(finnish.candidates("dédé"))
    assert [t for t, _ in got] == list(dict.fromkeys(t for t, _ in got))
    assert got == _spellings_by_definition("dédé")


def _binary_by_definition(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return False
    control = sum(1 for c in text if unicodedata.category(c) in {"Cc", "Cs", "Co", "Cn"}
                  and c not in "\n\r\t\f") + text.count("\ufffd")
    textual = sum(1 for c in chars if c.isalnum() or c in read._COMMON_PUNCT)
    return control / len(text) > read._CONTROL_SHARE or textual / len(chars) < read._TEXT_SHARE


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcäö 12.,\n\t\f\x00\x01\x7f\ufffd\u0378\ue000§¤", min_size=1, max_size=80))
def test_binary_check_follows_its_definition(text: str) -> None:
    try:
        read._check_text(text, Path("card.txt"))
        refused = False
    except CardError:
        refused = True
    assert refused == _binary_by_definition(text)


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    return Repairer()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="aäd6&é -:\n\x0b\u2028x1", max_size=40), st.sampled_from(["a", "ad", "d6", "xa", "a:a", "é"]))
def test_line_of_a_word_follows_its_definition(repairer: Repairer, original: str, word: str) -> None:
    repair = _CardRepair(repairer, Card(source="x", encoding="utf-8", code="S12345", name=None, original=original))
    lines = original.splitlines()
    for first in range(1, len(lines) + 1):
        for last in range(first, len(lines) + 1):
            expected = next((n for n in range(first, last + 1) if word in _WORD_IN_LINE.findall(lines[n - 1])), 0)
            assert repair._line_with(word, first, last) == expected


def _label_by_definition(parts: list[str]) -> tuple[str, float, int] | None:
    """Every label scored in turn; the first of the best that also fits the lines' ends."""
    joined = labels.fold(labels.join_parts(parts))
    if not joined:
        return None
    best = None
    for name, label in labels._FOLDED_LABELS.items():
        score = fuzz.ratio(joined, label)
        if score < labels.LABEL_SCORE or (best is not None and score <= best[1]):
            continue
        if len(parts) > 1 and not labels._ends_match(parts, label):
            continue
        best = (name, score, len(parts))
    return best


def _damaged_label(draw) -> list[str]:
    label = draw(st.sampled_from(sorted(labels.FIELD_LABELS.values())))
    chars = list(label)
    for _ in range(draw(st.integers(0, 6))):
        chars[draw(st.integers(0, len(chars) - 1))] = draw(st.sampled_from("aodé&6 -,x"))
    text = "".join(chars)
    cut = draw(st.integers(0, len(text)))
    return draw(st.sampled_from([[text], [text[:cut], text[cut:]], [text[:cut], text[cut:], "ja muuta"]]))


@settings(max_examples=500, deadline=None)
@given(st.composite(_damaged_label)())
def test_label_match_follows_its_definition(parts: list[str]) -> None:
    found = labels.match_label(parts)
    assert (found and (found.field, found.score, found.parts)) == (_label_by_definition(parts) or None)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab();, ", max_size=30), st.sampled_from(";,"))
def test_split_outside_parentheses_follows_its_definition(text: str, separator: str) -> None:
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth = max(depth + {"(": 1, ")": -1}.get(char, 0), 0)
        if char == separator and depth == 0:
            pieces.append((start, text[start:i]))
            start = i + 1
    pieces.append((start, text[start:]))
    assert parse._split_top(text, separator) == [(s, p) for s, p in pieces if p.strip()]
