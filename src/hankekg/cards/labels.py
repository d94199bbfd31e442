"""The fixed vocabulary of a Sokra card, and fuzzy matching of OCR-damaged text against it.

OCR had no ``ä`` or ``ö``: it wrote them as a, d, é, &, 6, o or dé. Matching therefore
happens on a *folded* form (lower case, ä/ö/é/& → a/o, punctuation dropped) with
rapidfuzz's normalised Indel ratio, so the remaining damage costs a few points only.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from hankekg.model import Role

FIELD_LABELS: dict[str, str] = {
    "name": "Hankkeen nimi, S-numero ja toteutusaika",
    "funders": "Rahoittaja ja toteutunut julkinen rahoitus",
    "implementers": "Toteuttajat",
    "target_groups": "Varsinaiset kohderyhmät",
    "background": "Hankkeen tausta",
    "goals": "Tavoitteet",
    "method": "Toimintatapa",
    "outputs": "Tuotokset",
    "practices": "Lupaavat osallisuuden käytännöt ja palaset",
    "results": "Muut tulokset ja vaikutukset",
    "dissemination": "Levittäminen ja juurrutus",
    "notes": "Erityishuomioita, kehittämistyön ongelmia",
}
"""Card field (its name in the JSON form) → the correct Finnish label on the card."""

MONTHS: tuple[str, ...] = (
    "tammikuu",
    "helmikuu",
    "maaliskuu",
    "huhtikuu",
    "toukokuu",
    "kesäkuu",
    "heinäkuu",
    "elokuu",
    "syyskuu",
    "lokakuu",
    "marraskuu",
    "joulukuu",
)
"""Finnish month names, January first."""

LABEL_SCORE = 85.0
"""Least fold-ratio for a line (or joined lines) to count as a known label."""

PART_SCORE = 78.0
"""Least fold-ratio of the first/last line of a multi-line label against the label's ends."""

ROLE_SCORE = 88.0
"""Least fold-ratio for a role word; ``toteuttaja`` alone (87) must stay unknown."""

MONTH_SCORE = 80.0

_FOLD = str.maketrans({"ä": "a", "å": "a", "ö": "o", "é": "a", "&": "a", "6": "o"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Fold text for fuzzy comparison: lower case, OCR's ä/ö stand-ins to a/o, ASCII, no punctuation."""
    lowered = text.lower().translate(_FOLD)
    if lowered.isascii():  # NFKD and the ASCII filter would leave it as it is
        ascii_text = lowered
    else:
        ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub(" ", ascii_text).strip()


_FOLDED_LABELS = {name: fold(label) for name, label in FIELD_LABELS.items()}
_LABEL_NAMES = tuple(_FOLDED_LABELS)
_LABEL_TEXTS = tuple(_FOLDED_LABELS.values())
_FOLDED_MONTHS = tuple(fold(m) for m in MONTHS)
def _fold_role(text: str) -> str:
    # No role word has a "d", so a "d" in one is OCR's stand-in for ä/ö (pddtoteuttaja).
    return fold(text).replace("d", "a")


_FOLDED_ROLES = {_fold_role(r.value): r for r in Role}


def join_parts(parts: Sequence[str]) -> str:
    """Join wrapped pieces of text with one space, mending words hyphenated at a line end.

    ``"kehitté-"`` + ``"mistydn"`` gives ``"kehittémistydn"``; a hyphen before a capital or
    a digit is kept without a space (``"Etelä-"`` + ``"Savon"``), and before a
    coordinating word the hyphen ends a compound part (``"sosiaali-"`` + ``"ja"``).
    """
    if len(parts) == 1:
        return " ".join(parts[0].split())
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if not out:
            out = part
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            first_word = part.split()[0].lower()
            if first_word in {"ja", "tai", "sekä", "seka", "eli", "ynnä"}:
                out = f"{out} {part}"
            elif part[0].islower():
                out = out[:-1] + part
            else:
                out = out + part
        else:
            out = f"{out} {part}"
    return " ".join(out.split())


@dataclass(frozen=True)
class LabelMatch:
    """A known label found in one or more lines: the field it names and how well it matched."""

    field: str
    score: float
    parts: int


def match_label(parts: Sequence[str]) -> LabelMatch | None:
    """Match consecutive non-blank lines, joined, against the known labels.

    A label split over several lines must match as a whole, and its first and last
    lines must match the label's beginning and end: this keeps a line of prose that
    happens to precede a label from being swallowed into it.

    Returns:
        the best match, or None when no label scores at least :data:`LABEL_SCORE`.
    """
    return _match_label(tuple(parts))


@functools.lru_cache(maxsize=4096)
def _match_label(parts: tuple[str, ...]) -> LabelMatch | None:
    """:func:`match_label`, cached: every card repeats the labels' own lines."""
    joined = fold(join_parts(parts))
    if not joined:
        return None
    # The labels scoring at least LABEL_SCORE, in one call; then in label order.
    scored = process.extract(joined, _LABEL_TEXTS, scorer=fuzz.ratio, score_cutoff=LABEL_SCORE, limit=None)
    best: LabelMatch | None = None
    for label, score, index in sorted(scored, key=lambda hit: hit[2]):
        if best is not None and score <= best.score:
            continue
        if len(parts) > 1 and not _ends_match(parts, label):
            continue
        best = LabelMatch(_LABEL_NAMES[index], score, len(parts))
    return best


def _ends_match(parts: Sequence[str], label: str) -> bool:
    first, last = fold(parts[0]), fold(parts[-1])
    if not first or not last or len(first) >= len(label) or len(last) >= len(label):
        return False
    return (
        fuzz.ratio(first, label[: len(first)]) >= PART_SCORE
        and fuzz.ratio(last, label[-len(last):]) >= PART_SCORE
    )


def match_role(text: str) -> Role | None:
    """The :class:`Role` an OCR-damaged role word stands for, or None if it is no known role."""
    folded = _fold_role(text)
    scored = [(fuzz.ratio(folded, key), role) for key, role in _FOLDED_ROLES.items()]
    score, role = max(scored, key=lambda pair: pair[0])
    return role if score >= ROLE_SCORE else None


def match_month(word: str) -> int | None:
    """The month number (1–12) of an OCR-damaged Finnish month name, or None."""
    folded = fold(word)
    if not folded:
        return None
    scored = [(fuzz.ratio(folded, m), i) for i, m in enumerate(_FOLDED_MONTHS, start=1)]
    score, month = max(scored, key=lambda pair: pair[0])
    return month if score >= MONTH_SCORE else None
