"""Finnish text helpers for the ä/ö repair: tokens, OCR confusions, vowel harmony.

The OCR engine that read the Sokra cards had no ä or ö. What it wrote instead is
described in ``card-format.md`` ("What OCR did to the text"):

=======  ==========================
correct  became
=======  ==========================
ä        a, d, é, &
ö        o, d, é, 6, dé
ää       da, dd, éd, aa
Ä, Ö     A, O
=======  ==========================

This module turns a damaged word into the slots where a letter may have been lost
(:func:`slots`), enumerates the spellings they allow (:func:`candidates`), and holds
the small pieces of Finnish phonology the repair weighs them with. It also has
:func:`damage`, which applies the confusions to clean text, for measuring the repair.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

BACK_VOWELS = frozenset("aouAOU")
FRONT_VOWELS = frozenset("äöyÄÖY")

FORCED = frozenset("é&6É")
"""Characters Finnish words never contain: in a card's word they are OCR damage."""

_SINGLE: dict[str, tuple[str, ...]] = {
    "a": ("a", "ä"),
    "A": ("A", "Ä"),
    "o": ("o", "ö"),
    "O": ("O", "Ö"),
    "d": ("d", "ä", "ö"),
    "é": ("ä", "ö"),
    "É": ("Ä", "Ö"),
    "&": ("ä",),
    "6": ("ö",),
}
"""What each confusable character may stand for (itself first, when it can)."""

_UPPER_D = ("D", "Ä", "Ö")
"""An upper-case D stands for Ä or Ö only inside an all-capitals word."""

_PAIRS: dict[str, tuple[str, ...]] = {
    "dé": ("ö", "öö", "öä", "äö", "dä", "dö"),
    "éa": ("ä", "äa", "öa", "ää", "öä"),
}
"""Readings of two OCR characters that may be one letter: "dé" is ö (or two
damaged letters, or a real d and a damaged letter; never ää, which OCR made da,
dd, éd or aa), "éa" is ä (menetelméallinen) or a damaged letter and an a. The
first reading of a pair counts as one change, the others as two."""

CONFUSABLE = frozenset(_SINGLE) | {"D"}

_WORD_CHARS = r"[^\W\d_]"
WORD_RE = re.compile(rf"(?:{_WORD_CHARS}+|[&6])+(?::(?:{_WORD_CHARS}+|[&6])+)?")
"""A run of letters, '&' and '6' (both appear inside damaged words: sek&, ty6ta),
with the case ending of an abbreviation after a colon (ry:llä, EU:n). (Letters are
matched a run at a time, which is about twice as fast as one at a time.)"""

_URLISH = re.compile(r"(?:https?://|www\.|\S@\S|://)", re.IGNORECASE)
_CHUNK_RE = re.compile(r"\S+")


class Token(NamedTuple):
    """A word token of a text: its characters and its place."""

    start: int
    end: int
    text: str


def _may_have_url(text: str) -> bool:
    """False when :data:`_URLISH` cannot match: each of its forms needs "@", "://" or
    a w (only w and W match w, case ignored), and Finnish words have no w."""
    return "@" in text or "://" in text or "w" in text or "W" in text


def tokens(text: str) -> list[Token]:
    """The word tokens of a text that the repair may look at.

    Whitespace-separated chunks that look like URLs or e-mail addresses are skipped
    as a whole; within a chunk, runs of letters (with '&' and '6', which OCR leaves
    inside damaged words) are words, so hyphens, digits and punctuation separate
    them. Codes such as ``S21684`` are not words: a letter run touching a digit is
    skipped.

    Args:
        text: Any text.

    Returns:
        The tokens in text order.
    """
    # A word never spans whitespace, so the words of the whole text are those of its
    # chunks; only a text with a URL-like chunk needs its chunks.
    skipped = (
        [c.span() for c in _CHUNK_RE.finditer(text) if _URLISH.search(c.group())]
        if _may_have_url(text) and _URLISH.search(text)
        else ()
    )
    out: list[Token] = []
    size = len(text)
    for m in WORD_RE.finditer(text):
        start, end = m.span()
        word = m.group()
        if not (word[0].isalpha() or any(ch.isalpha() for ch in word)):
            continue  # no letter: & and 6 alone
        if (start and text[start - 1].isdigit()) or (end < size and text[end].isdigit()):
            continue
        if skipped and any(a <= start < b for a, b in skipped):
            continue
        out.append(Token(start, end, word))
    return out


def slots(word: str) -> list[tuple[str, tuple[str, ...]]]:
    """Split a word into (source text, possible readings) slots.

    Args:
        word: A word as OCR wrote it.

    Returns:
        One slot per character, or per two-character confusion such as "dé"; a
        character that cannot be damage has itself as its only reading.
    """
    upper_word = word.isupper() and len(word) > 1
    out: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair in _PAIRS:
            out.append((pair, _PAIRS[pair]))
            i += 2
            continue
        ch = word[i]
        if ch == "D" and upper_word:
            out.append((ch, _UPPER_D))
        else:
            out.append((ch, _SINGLE.get(ch, (ch,))))
        i += 1
    return out


def combinations(word: str) -> int:
    """How many spellings the slots of a word allow."""
    n = 1
    for _, readings in slots(word):
        n *= len(readings)
    return n


def candidates(word: str, limit: int = 4096) -> Iterator[tuple[str, int]]:
    """Enumerate the spellings a damaged word may stand for.

    A word whose slots allow at most ``limit`` spellings is enumerated whole. A
    longer one (a long compound with many a, o and d) is searched best-first by
    vowel harmony: first the spellings whose vowels never switch between back (a,
    o, u) and front (ä, ö, y), then those with one switch (one compound seam, as in
    yhteisö|managerointi), then two, and so on until ``limit`` spellings are out.
    A compound of n parts needs at most n - 1 switches, so its right spelling comes
    long before the cap, however many a, o and d the word has.

    Args:
        word: A word as OCR wrote it.
        limit: The most spellings to yield.

    Returns:
        An iterator of (spelling, number of changed letters), the unchanged word
        included when it has no forced character; no spelling twice. No spelling
        has a forced character: each of é, &, 6 and É stands only for a letter.
    """
    parts = slots(word)
    total = 1
    for _, readings in parts:
        total *= len(readings)
    if total <= limit:
        return iter(_every_spelling(parts))
    return _harmonic_spellings(parts, limit)


def _every_spelling(parts: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, int]]:
    """Every (spelling, changes) the slots allow, in the order of ``itertools.product``
    over the slots, each spelling once (with its first changes). Runs of slots with
    one reading are joined into one fixed piece, so that only the slots with a choice
    are multiplied out."""
    texts: list[tuple[str, ...]] = []
    costs: list[tuple[int, ...]] = []
    fixed: list[str] = []
    fixed_cost = 0
    for src, readings in parts:
        if len(readings) == 1:
            fixed.append(readings[0])
            fixed_cost += _change(src, readings, readings[0])
            continue
        if fixed:
            texts.append(("".join(fixed),))
            fixed = []
        texts.append(readings)
        costs.append(tuple(_change(src, readings, got) for got in readings))
    if fixed:
        texts.append(("".join(fixed),))
    spellings = ["".join(choice) for choice in itertools.product(*texts)]
    changes = [fixed_cost + sum(cost) for cost in itertools.product(*costs)]
    first: dict[str, int] = {}
    for text, n in zip(spellings, changes, strict=True):
        first.setdefault(text, n)  # two pair slots can spell a word twice (dé dé: ö öö, öö ö)
    return list(first.items())


def _harmonic_spellings(parts: list[tuple[str, tuple[str, ...]]], limit: int) -> Iterator[tuple[str, int]]:
    """The first ``limit`` distinct (spelling, changes) of :func:`_harmonic_choices`."""
    seen: set[str] = set()
    for choice in _harmonic_choices(parts):
        text = "".join(choice)
        if text in seen:
            continue
        seen.add(text)
        yield text, _changes(parts, choice)
        if len(seen) >= limit:
            return


def _changes(parts: list[tuple[str, tuple[str, ...]]], choice: Iterable[str]) -> int:
    """How many letters a spelling changes (see :func:`_change`)."""
    return sum(_change(src, readings, got) for (src, readings), got in zip(parts, choice, strict=True))


def _change(src: str, readings: tuple[str, ...], got: str) -> int:
    """How many letters reading a slot as ``got`` changes: "dé" read as ö is one
    change, and so is "dé" read as dä (the d is kept, é is ä); "dé" read as öö is two."""
    if got == src:
        return 0
    if src in _PAIRS and got != readings[0] and len(got) == len(src):
        return sum(1 for a, b in zip(src, got, strict=True) if a != b)
    return 1


MAX_SWITCHES = 6
"""The most back/front vowel switches a long word's spelling is searched with."""


def _vowel_class(ch: str) -> int:
    if ch in BACK_VOWELS:
        return 1
    if ch in FRONT_VOWELS:
        return 2
    return 0


def _harmonic_choices(parts: list[tuple[str, tuple[str, ...]]]) -> Iterator[tuple[str, ...]]:
    """Slot readings of a long word, fewest back/front vowel switches first."""
    options = [readings for _, readings in parts]

    def walk(i: int, state: int, switches: int, budget: int, chosen: list[str]) -> Iterator[tuple[str, ...]]:
        if i == len(options):
            if switches == budget:
                yield tuple(chosen)
            return
        for reading in options[i]:
            if reading in "dD" and not _d_possible(chosen, options, i):
                continue
            s, n = state, switches
            for ch in reading:
                cls = _vowel_class(ch)
                if cls:
                    if s and cls != s:
                        n += 1
                    s = cls
            if n > budget:
                continue
            chosen.append(reading)
            yield from walk(i + 1, s, n, budget, chosen)
            chosen.pop()

    for budget in range(MAX_SWITCHES + 1):
        yield from walk(0, 0, 0, budget, [])


_VOWELS = frozenset("aeiouyäöAEIOUYÄÖ")
_BEFORE_D = _VOWELS | frozenset("hlnrHLNR")


def _d_possible(chosen: list[str], options: list[tuple[str, ...]], i: int) -> bool:
    """Whether a d can be a real d here: in Finnish a d follows a vowel, h, l, n or r
    and is followed by a vowel (the next slot must allow one)."""
    before = chosen[-1][-1:] if chosen else ""
    if before and before not in _BEFORE_D:
        return False
    if i + 1 < len(options):
        return any(r[:1] in _VOWELS for r in options[i + 1])
    return False


_IMPOSSIBLE_D = re.compile(r"d(?![aeiouyäö])|(?<![aeiouyäöhlnr\W])d", re.IGNORECASE)


def strongly_damaged(word: str) -> bool:
    """Whether a word shows damage no Finnish word has: é, & or 6, or a d beside a
    consonant it never follows or precedes in Finnish (kehittdminen, tydpaja)."""
    return has_forced(word) or bool(_IMPOSSIBLE_D.search(word))


def has_forced(word: str) -> bool:
    """Whether a word has a character no Finnish word has (é, &, 6)."""
    return any(ch in FORCED for ch in word)


def could_be_damaged(word: str) -> bool:
    """Whether a word has any character that may stand for a lost ä or ö."""
    return any(ch in CONFUSABLE for ch in word)


def mixes_harmony(part: str) -> bool:
    """Whether a word part has both back (a, o, u) and front (ä, ö, y) vowels."""
    has_back = any(ch in BACK_VOWELS for ch in part)
    has_front = any(ch in FRONT_VOWELS for ch in part)
    return has_back and has_front


def split_structure(word: str, structure: str) -> list[str]:
    """Split a word into its compound parts after Voikko's STRUCTURE attribute.

    Args:
        word: The analysed word.
        structure: Voikko's STRUCTURE, e.g. ``=ppppp=pppp``: ``=`` starts a part,
            every other character stands for one character of the word.

    Returns:
        The parts; the whole word when the structure does not line up with it.
    """
    parts: list[str] = []
    current: list[str] = []
    i = 0
    for mark in structure:
        if mark == "=":
            if current:
                parts.append("".join(current))
                current = []
            continue
        if i >= len(word):
            return [word]
        current.append(word[i])
        i += 1
    if current:
        parts.append("".join(current))
    if i != len(word):
        return [word]
    return parts


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation of ``template`` (lower, Title or UPPER)."""
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


DAMAGE_A = ("a", "d", "é", "&")
DAMAGE_O = ("o", "d", "é", "6", "dé")
DAMAGE_AA = ("da", "dd", "éd", "aa")


def damage(text: str, rng: random.Random,
           weights: Mapping[str, Sequence[int]] | None = None) -> str:
    """Replace every ä and ö as the OCR did, choosing among its confusions at random.

    Args:
        text: Clean Finnish text.
        rng: The random generator (seed it for a repeatable result).
        weights: How often each confusion is chosen, per ``"ä"``, ``"ö"`` and ``"ää"``, in
            the order of DAMAGE_A, DAMAGE_O and DAMAGE_AA; uniform when not given.

    Returns:
        The text with no ä or ö left: ää becomes one of da, dd, éd, aa; ä one of
        a, d, é, &; ö one of o, d, é, 6, dé; Ä and Ö become A and O.
    """

    def pick(key: str, options: tuple[str, ...]) -> str:
        if weights is None:
            return rng.choice(options)
        return rng.choices(options, weights[key])[0]

    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text[i : i + 2] == "ää":
            out.append(pick("ää", DAMAGE_AA))
            i += 2
            continue
        if ch == "ä":
            out.append(pick("ä", DAMAGE_A))
        elif ch == "ö":
            out.append(pick("ö", DAMAGE_O))
        elif ch == "Ä":
            out.append("A")
        elif ch == "Ö":
            out.append("O")
        else:
            out.append(ch)
        i += 1
    return "".join(out)
