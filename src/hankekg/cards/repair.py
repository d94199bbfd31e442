"""Restore the ä and ö that OCR lost from a Sokra card, where the evidence allows.

The evidence, strongest first:

1. a character Finnish never uses (é, &, 6) marks a word as damaged;
2. the spell checker: a repair must be a word it accepts, and a damaged word it
   rejects is repaired when exactly one best reading is accepted. The spell checker
   is Voikko with a user dictionary: the gazetteer ``data/reference/proper-nouns.txt``
   (names, their listed and inferred inflected forms, and compounds of a name's
   genitive with a Voikko word: Vöyrinkaupungin) and the domain lexicon
   ``data/reference/lexicon.txt`` (yhteisömanagerointi); the user dictionary wins
   over Voikko. A word with odd capitals (ELämänhallinnan) is checked in its
   lower-case and first-capital forms too, and keeps its own case;
3. vowel harmony: a compound part does not mix a, o, u with ä, ö, y, so of the
   accepted readings the harmonic one wins;
4. the gazetteer: a capitalised word that can be read as a listed name is that name
   (Lintumaki is the place Lintumäki, although Voikko accepts both);
5. the other copies of the project name on the card: each is damaged differently,
   and only a reading all copies allow is kept;
6. the rest of the same document: a word that OCR left as another valid word
   (vahan for vähän) is read as the front-vowel word when that word, or its
   base form, was restored with certainty elsewhere in the text;
7. a corpus of clean Finnish (e.g. the registry's project summaries), when given:
   of two valid readings the one the corpus uses, by a clear margin, wins.

When the evidence does not decide, the word is left as it is. Every change is
reported as a :class:`~hankekg.model.Repair`.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libvoikko

from hankekg.cards import finnish
from hankekg.errors import ReferenceDataError
from hankekg.model import PROSE_FIELDS, Card, Implementer, Repair, Role, TargetGroups
from hankekg.paths import reference_dir

log = logging.getLogger(__name__)

GAZETTEER_FILE = "proper-nouns.txt"
LEXICON_FILE = "lexicon.txt"
MAX_CANDIDATES = 65536
"""At most this many spellings of one word are checked (Voikko checks about 150,000
words a second, so this costs at most half a second per distinct word, once). A word
allowing more is searched best-first by vowel harmony (:func:`finnish.candidates`), so
the spellings left out are those with the most back/front switches; the log says so."""

CORPUS_MARGIN = 3
"""A corpus reading must be this many times as frequent as its rival to win."""

FREQUENCY_MARGIN = 0.5
"""Of two readings, one wins on word frequency alone when its Zipf value is this
much higher (about three times as frequent in general Finnish)."""

FREQUENCY_SWITCH = 1.0
"""A word valid as OCR left it is changed on word frequency alone only when the
other reading's Zipf value is this much higher (ten times as frequent): vahan ->
vähän and naiden -> näiden, but saa stays saa (sää is rarer) and jaa stays jaa."""

_UNSEEN = object()
"""A word the spell-check cache has not seen (None is a cached rejection)."""

_HYPHEN_BREAK = re.compile(r"-[ \t]*\n\s*")
_WORD_IN_LINE = re.compile(r"(?:[^\W\d_]|[&6])+")
_WORD_CHAR = re.compile(r"[^\W\d_]|[&6]")


@dataclass(frozen=True)
class Reading:
    """An accepted spelling of a damaged word."""

    text: str
    changes: int
    harmonic: bool
    gazetteer: bool
    bases: frozenset[str]
    parts: int = 1
    freq: float = 0.0


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What the repair makes of a word on its own (cached per word)."""

    decision: tuple[str, str] | None
    """(repaired word, reason), or None when the word stays as it is."""
    rivals: tuple[Reading, tuple[Reading, ...]] | None
    """For a word that is valid as written and that nothing stronger decided: the word's
    own reading and the harmonic readings the evidence of its document may choose."""
    certain: tuple[str, frozenset[str]] | None
    """For a word repaired with certainty (it has a forced character, or the spell
    checker rejects it): the repair in lower case and its base forms, the evidence
    the word gives for the doubtful ones."""


@dataclass
class Evidence:
    """Words of one document restored with certainty, for the doubtful ones."""

    forms: Counter[str] = field(default_factory=Counter)
    bases: Counter[str] = field(default_factory=Counter)
    keep: frozenset[str] = frozenset()
    """Words a person has said must stay as written (data/curation/, ``keep-word``)."""


class Repairer:
    """Restores lost ä and ö in card text.

    Construct once (it opens Voikko and reads the gazetteer) and reuse: the spell
    checks and word decisions are cached.

    Args:
        reference: The folder with ``proper-nouns.txt`` and ``lexicon.txt``; the
            bundled ``data/reference/`` by default.
        corpus: Clean Finnish texts whose word frequencies decide between two valid
            readings (optional).
        voikko: An open ``libvoikko.Voikko("fi")`` handle to share (optional).
    """

    def __init__(
        self,
        reference: Path | None = None,
        corpus: Iterable[str] = (),
        voikko: libvoikko.Voikko | None = None,
    ) -> None:
        self._voikko = voikko if voikko is not None else libvoikko.Voikko("fi")
        folder = reference or reference_dir()
        self._spell: dict[str, bool] = {}
        self._accepts: dict[str, str | None] = {}
        self.names = load_names(folder / GAZETTEER_FILE)
        self.gazetteer = tuple(self.names)
        self.lexicon = frozenset(w.lower() for w in load_lexicon(folder / LEXICON_FILE))
        self._gazetteer_lower: dict[str, str] = {}
        """Lower-case word -> the gazetteer name it is a form of."""
        self._genitives: set[str] = set()
        self._starts: set[str] = set()
        self._heads: list[tuple[str, str, str]] = []
        """(name, lower-case head, lower-case last word) of names Voikko does not know
        whose last part is a Finnish word: Otanmäki is otan + mäki, so Otanmäkeen is
        otan + a form of mäki."""
        self._analyses: dict[str, tuple[dict[str, str], ...]] = {}
        self._index_names()
        self._head_starts = tuple(head for _, head, _ in self._heads)
        self._readings: dict[str, tuple[Reading, ...]] = {}
        self._verdicts: dict[str, _Verdict] = {}
        self.corpus: Counter[str] = Counter()
        for text in corpus:
            self.add_corpus(text)

    # ----------------------------------------------------------------- evidence

    def add_corpus(self, text: str) -> None:
        """Count the words of a clean Finnish text as evidence for doubtful readings."""
        for token in finnish.tokens(text):
            self.corpus[token.text.lower()] += 1
        self._verdicts.clear()

    def use_corpus(self, counts: Counter[str]) -> None:
        """Replace the corpus word counts (lower-case word -> count)."""
        self.corpus = Counter(counts)
        self._verdicts.clear()

    def spell(self, word: str) -> bool:
        """Whether Voikko accepts a word as it is written (cached)."""
        ok = self._spell.get(word)
        if ok is None:
            ok = bool(self._voikko.spell(word))
            self._spell[word] = ok
        return ok

    def accepts(self, word: str) -> bool:
        """Whether the repair's spell checker accepts a word.

        The spell checker is Voikko, with case folded for a word of odd capitals,
        and the user dictionary of ``data/reference/``: gazetteer names and their
        forms, and the domain lexicon. A repair is never a word it rejects.
        """
        return self._checked(word) is not None

    def _checked(self, word: str) -> str | None:
        """How the spell checker accepts a word: "voikko:<form Voikko accepts>",
        "gazetteer:<name>" or "lexicon"; None when it rejects the word."""
        got = self._accepts.get(word, _UNSEEN)
        if got is not _UNSEEN:
            return got
        got = None
        lower = word.lower()
        name = self._name_of(word)
        if name is not None:
            got = "gazetteer:" + name
        elif lower in self.lexicon:
            got = "lexicon"
        else:
            for form in _case_forms(word):
                if self.spell(form):
                    got = "voikko:" + form
                    break
        self._accepts[word] = got
        return got

    def _index_names(self) -> None:
        for name, forms in self.names.items():
            for form in (name, *forms):
                self._gazetteer_lower[form.lower()] = name
                if form.lower().endswith("n") and form is not name:
                    self._genitives.add(form.lower())
            words = name.split()
            if len(words) > 1:  # Gröna Gången: each word is the name's word
                for w in words:
                    self._gazetteer_lower.setdefault(w.lower(), name)
                continue
            self._starts.add(name.lower()[:3])
            if "-" in name or self.spell(name):
                continue  # Voikko inflects it
            lower = name.lower()
            head = next(
                (
                    (lower[:i], lower[i:])
                    for i in range(2, len(lower) - 3)
                    if self.spell(lower[i:])
                    and any(
                        a.get("BASEFORM", "").lower() == lower[i:] and a.get("CLASS") == "nimisana"
                        for a in self._analyse(lower[i:])
                    )
                ),
                None,
            )
            if head is not None:
                self._heads.append((name, *head))
                continue
            for form in _inferred_forms(name):
                self._gazetteer_lower.setdefault(form.lower(), name)
                if form.endswith("n"):
                    self._genitives.add(form.lower())

    def _name_of(self, word: str) -> str | None:
        """The gazetteer name a word is a form of (or a compound of its genitive)."""
        lower = word.lower()
        name = self._gazetteer_lower.get(lower)
        if name is not None:
            return name
        if lower.startswith(self._head_starts):  # one test for all the heads first
            for name, head, last in self._heads:
                if lower.startswith(head) and len(lower) > len(head) + 1:
                    rest = lower[len(head) :]
                    if self.spell(rest) and any(
                        a.get("BASEFORM", "").lower() == last for a in self._analyse(rest)
                    ):
                        return name
        if word[:1].isupper() and len(word) > 6:
            return self._name_compound(word)
        return None

    def _name_compound(self, word: str) -> str | None:
        """The name of a compound of a gazetteer name's genitive and a word the spell
        checker knows: Vöyrinkaupungin is Vöyrin + kaupungin."""
        lower = word.lower()
        if lower[:3] not in self._starts:
            return None
        for i in range(4, len(lower) - 2):
            if lower[i - 1] != "n":
                continue
            prefix, rest = lower[:i], lower[i:]
            name = self._gazetteer_lower.get(prefix) if prefix in self._genitives else None
            if name is None:
                title = prefix[:1].upper() + prefix[1:]
                name = next(
                    (self._gazetteer_lower[a["BASEFORM"].lower()]
                     for a in (self._analyse(title) if self.spell(title) else ())
                     if a.get("SIJAMUOTO") == "omanto"
                     and a.get("BASEFORM", "").lower() in self._gazetteer_lower),
                    None,
                )
            if name is None:
                name = next(
                    (n for n, head, last in self._heads
                     if prefix.startswith(head) and any(
                         a.get("SIJAMUOTO") == "omanto" and a.get("BASEFORM", "").lower() == last
                         for a in self._analyse(prefix[len(head):]))),
                    None,
                )
            if name is not None and (rest in self.lexicon or self.spell(rest)):
                return name
        return None

    def _analyse(self, word: str) -> tuple[dict[str, str], ...]:
        got = self._analyses.get(word)
        if got is None:
            got = tuple(dict(a) for a in self._voikko.analyze(word))
            self._analyses[word] = got
        return got

    def _in_gazetteer(self, word: str, bases: Iterable[str]) -> bool:
        if self._name_of(word) is not None:
            return True
        return any(base.lower() in self._gazetteer_lower for base in bases)

    def parts(self, word: str) -> int:
        """The fewest compound parts any of Voikko's analyses splits a word into."""
        counts = [a.get("STRUCTURE", "=").count("=") for a in self._analyse(word)]
        return max(min(counts), 1) if counts else 1

    def harmonic(self, word: str) -> bool:
        """Whether no compound part of a word (after Voikko) mixes back and front vowels."""
        analyses = self._analyse(word)
        if not analyses:
            return not any(finnish.mixes_harmony(p) for p in re.split(r"[-\s]", word) if p)
        for analysis in analyses:
            structure = analysis.get("STRUCTURE", "")
            parts = finnish.split_structure(word, structure) if structure else [word]
            pieces = [p for part in parts for p in part.split("-") if p]
            if not any(finnish.mixes_harmony(p) for p in pieces):
                return True
        return False

    def readings(self, word: str) -> tuple[Reading, ...]:
        """The accepted spellings a word may stand for, the word itself included.

        Args:
            word: A word token as OCR wrote it.

        Returns:
            Every spelling the OCR confusions allow that Voikko or the gazetteer
            accepts, with what the repair weighs it by.
        """
        cached = self._readings.get(word)
        if cached is not None:
            return cached
        total = finnish.combinations(word)
        if total > MAX_CANDIDATES:
            log.debug("%s allows %d spellings; only %d are checked", word, total, MAX_CANDIDATES)
        found: list[Reading] = []
        checked = self._accepts
        for text, changes in finnish.candidates(word, MAX_CANDIDATES):
            how = checked.get(text, _UNSEEN)
            if how is _UNSEEN:
                how = self._checked(text)
            if how is None:
                continue
            if how.startswith("voikko:"):
                form = how.split(":", 1)[1]
                bases = frozenset(
                    a["BASEFORM"].lower() for a in self._analyse(form) if a.get("BASEFORM")
                )
                found.append(
                    Reading(
                        text=text,
                        changes=changes,
                        harmonic=self.harmonic(form),
                        gazetteer=self._in_gazetteer(form, bases),
                        bases=bases,
                        parts=self.parts(form),
                        freq=zipf(form),
                    )
                )
                continue
            # The user dictionary: spelt right by definition, so harmonic.
            name = how.split(":", 1)[1] if how.startswith("gazetteer:") else None
            found.append(
                Reading(
                    text=text,
                    changes=changes,
                    harmonic=True,
                    gazetteer=name is not None,
                    bases=frozenset({(name or text).lower()}),
                    parts=1,
                    freq=zipf(text),
                )
            )
        result = tuple(found)
        self._readings[word] = result
        return result

    # ----------------------------------------------------------------- deciding

    def repair_word(self, word: str) -> tuple[str, str] | None:
        """Repair one word on its own evidence.

        Args:
            word: A word token as OCR wrote it.

        Returns:
            (repaired word, reason) or None when the word stays as it is.
        """
        return self._verdict(word).decision

    def _verdict(self, word: str) -> _Verdict:
        """What to make of a word on its own (cached until the corpus changes)."""
        verdict = self._verdicts.get(word)
        if verdict is None:
            readings = self.readings(word)
            decision, rivals = self._decide(word, readings)
            certain = None
            if decision is not None and (finnish.has_forced(word) or not self.accepts(word)):
                repaired = decision[0]
                bases = next((r.bases for r in readings if r.text == repaired), frozenset())
                certain = (repaired.lower(), bases)
            verdict = self._verdicts[word] = _Verdict(decision, rivals, certain)
        return verdict

    def _decide(
        self, word: str, readings: tuple[Reading, ...]
    ) -> tuple[tuple[str, str] | None, tuple[Reading, tuple[Reading, ...]] | None]:
        """The decision on a word without the evidence of its document, and the rivals
        that evidence may still choose among (see :attr:`_Verdict.rivals`)."""
        if not finnish.could_be_damaged(word) or not readings:
            return None, None
        original = next((r for r in readings if r.text == word), None)
        others = [r for r in readings if r.text != word]
        if not others:
            return None, None
        named = [r for r in others if r.gazetteer]
        if named and (word[:1].isupper() or original is None):
            if original is not None and original.gazetteer:
                return None, None
            picked = self._best(named)
            return ((picked[0].text, "gazetteer") if picked else None), None
        if original is None:
            picked = self._best(others)
            if picked is None:
                return None, None
            best, reason = picked
            if reason == "voikko" and best.harmonic and not all(r.harmonic for r in others):
                reason = "vowel-harmony"
            return (best.text, reason), None
        # The word is valid as it stands: only strong evidence changes it.
        if not original.harmonic:
            harmonic = [r for r in others if r.harmonic]
            picked = self._best(harmonic) if harmonic else None
            if picked is not None:
                return (picked[0].text, "vowel-harmony"), None
        others = [r for r in others if r.harmonic]
        if not others:
            return None, None
        # The evidence of the document, when there is some, comes first: _decide_in
        # weighs it on these rivals before this decision.
        rivals = (original, tuple(others))
        if self.corpus:
            rival = self.corpus[word.lower()]
            scored = sorted((self.corpus[r.text.lower()] for r in others), reverse=True)
            best_count = scored[0]
            runner_up = scored[1] if len(scored) > 1 else 0
            if best_count > 0 and best_count >= CORPUS_MARGIN * max(rival, 1) and best_count > runner_up:
                best = next(r for r in others if self.corpus[r.text.lower()] == best_count)
                return (best.text, "corpus"), rivals
            if rival > 0:
                return None, rivals
        likeliest = max(others, key=lambda r: r.freq)
        if likeliest.freq - original.freq >= FREQUENCY_SWITCH and all(
            r is likeliest or likeliest.freq - r.freq >= FREQUENCY_MARGIN for r in others
        ):
            return (likeliest.text, "frequency"), rivals
        return None, rivals

    def _best(self, readings: list[Reading]) -> tuple[Reading, str] | None:
        """The reading to choose among accepted ones, and why; None on a tie.

        Harmonic readings go first; then the clean corpus decides when it tells
        them apart clearly, then general Finnish word frequency, then the reading
        with the fewest compound parts, the fewest changed letters and the fewest ö.
        """
        if not readings:
            return None
        pool = [r for r in readings if r.harmonic] or readings
        if len(pool) == 1:
            return pool[0], "voikko"
        if self.corpus:
            counts = sorted(((self.corpus[r.text.lower()], r.text) for r in pool), reverse=True)
            if counts[0][0] > 0 and counts[0][0] >= CORPUS_MARGIN * max(counts[1][0], 1):
                return next(r for r in pool if r.text == counts[0][1]), "corpus"
        ranked = sorted(pool, key=lambda r: -r.freq)
        if ranked[0].freq - ranked[1].freq >= FREQUENCY_MARGIN:
            return ranked[0], "frequency"
        key = [(r.parts, r.changes, r.text.lower().count("ö")) for r in pool]
        fewest = min(key)
        best = {r.text for r, k in zip(pool, key, strict=True) if k == fewest}
        if len(best) != 1:
            return None
        text = best.pop()
        return next(r for r in pool if r.text == text), "voikko"

    # ----------------------------------------------------------------- text

    def evidence(self, texts: Iterable[str]) -> Evidence:
        """Collect the words of a document that are repaired with certainty.

        Args:
            texts: The text values of one document.

        Returns:
            The restored forms and their base forms, for deciding doubtful words.
        """
        return self._evidence(finnish.tokens(text) for text in texts)

    def _evidence(self, token_lists: Iterable[list[finnish.Token]]) -> Evidence:
        """:meth:`evidence` from the word tokens of each text."""
        verdicts = self._verdicts
        found: list[tuple[str, frozenset[str]]] = []
        for toks in token_lists:
            for tok in toks:
                certain = (verdicts.get(tok.text) or self._verdict(tok.text)).certain
                if certain is not None:
                    found.append(certain)
        return Evidence(
            Counter(form for form, _ in found),
            Counter(itertools.chain.from_iterable(bases for _, bases in found)),
        )

    def _decide_in(self, word: str, evidence: Evidence | None) -> tuple[str, str] | None:
        """The decision on a word of a document, its evidence weighed (when given)."""
        if evidence is not None and word in evidence.keep:
            return None
        verdict = self._verdicts.get(word) or self._verdict(word)
        if verdict.decision is not None or evidence is None or verdict.rivals is None:
            return verdict.decision
        original, rivals = verdict.rivals
        seen = [r for r in rivals if _seen(r, evidence)]
        if seen and not _seen(original, evidence):
            picked = self._best(seen)
            if picked is not None:
                return picked[0].text, "context"
        return None

    def _repair_spans(
        self, text: str, evidence: Evidence | None, toks: list[finnish.Token]
    ) -> tuple[str, list[tuple[int, str, str, str]]]:
        """Repair the words of a text, given its tokens; return it and (offset, before,
        after, reason)."""
        changes: list[tuple[int, int, str, str, str]] = []
        size = len(toks)
        i = 0
        while i < size:
            tok = toks[i]
            if i + 1 < size and text[tok.end] == "-":  # a broken word or a compound?
                taken = self._repair_hyphenated(text, toks, i, evidence, changes)
                if taken:
                    i += taken
                    continue
            decided = self._decide_in(tok.text, evidence)
            if decided is not None:
                changes.append((tok.start, tok.end, tok.text, decided[0], decided[1]))
            i += 1
        out: list[str] = []
        last = 0
        for start, end, _, after, _ in changes:
            out.append(text[last:start])
            out.append(after)
            last = end
        out.append(text[last:])
        return "".join(out), [(s, b, a, r) for s, _, b, a, r in changes]

    def _repair_hyphenated(
        self,
        text: str,
        toks: list[finnish.Token],
        i: int,
        evidence: Evidence | None,
        changes: list[tuple[int, int, str, str, str]],
    ) -> int:
        """Repair the word broken over lines, or the hyphenated compound, that starts
        at token ``i`` (followed by a hyphen); add its changes and return how many
        tokens it took, or 0 when it is neither."""
        tok, nxt = toks[i], toks[i + 1]
        if nxt.text[:1].islower() and _HYPHEN_BREAK.fullmatch(text[tok.end : nxt.start]):
            joined = self._repair_broken(tok.text, nxt.text, evidence)
            if joined is not None:
                (first, second), reason = joined
                if first != tok.text:
                    changes.append((tok.start, tok.end, tok.text, first, reason))
                if second != nxt.text:
                    changes.append((nxt.start, nxt.end, nxt.text, second, reason))
                return 2
        group = [tok]
        while i + len(group) < len(toks) and text[group[-1].end : toks[i + len(group)].start] == "-":
            group.append(toks[i + len(group)])
        if len(group) == 1:
            return 0
        changes.extend(self._repair_compound(text, group, evidence))
        return len(group)

    def _repair_compound(
        self, text: str, group: list[finnish.Token], evidence: Evidence | None
    ) -> list[tuple[int, int, str, str, str]]:
        """Repair a hyphenated compound (Etela-Savon) as a whole, else part by part."""
        whole = text[group[0].start : group[-1].end]
        if finnish.combinations(whole) <= MAX_CANDIDATES:
            decided = self._decide_in(whole, evidence)
            if decided is not None:
                after = decided[0].split("-")
                if len(after) == len(group):
                    return [
                        (tok.start, tok.end, tok.text, new, decided[1])
                        for tok, new in zip(group, after, strict=True)
                        if new != tok.text
                    ]
            elif not finnish.has_forced(whole) and self.accepts(whole):
                return []
        out = []
        for tok in group:
            decided = self._decide_in(tok.text, evidence)
            if decided is not None:
                out.append((tok.start, tok.end, tok.text, decided[0], decided[1]))
        return out

    def _repair_broken(
        self, first: str, second: str, evidence: Evidence | None
    ) -> tuple[tuple[str, str], str] | None:
        """Repair a word hyphenated over a line break as one word, keeping the break."""
        joined = first + second
        if not self.readings(joined):
            return None
        decided = self._decide_in(joined, evidence)
        if decided is None:
            return (first, second), "voikko"
        repaired, reason = decided
        seconds = _spellings(second)
        for head, _ in finnish.candidates(first, MAX_CANDIDATES):
            if repaired.startswith(head) and repaired[len(head) :] in seconds:
                return (head, repaired[len(head) :]), reason
        return None

    def repair_text(
        self, text: str, line: int, evidence: Evidence | None = None
    ) -> tuple[str, list[Repair]]:
        """Repair every word of a text, keeping everything between words exactly.

        Args:
            text: The text as OCR wrote it (may span lines).
            line: The 1-based line of the text's first character in its document.
            evidence: Words restored with certainty elsewhere in the document;
                collected from ``text`` itself when not given.

        Returns:
            The repaired text and one Repair per changed word, with its line.
        """
        toks = finnish.tokens(text)
        if evidence is None:
            evidence = self._evidence([toks])
        repaired, changes = self._repair_spans(text, evidence, toks)
        repairs = [
            Repair(line + text.count("\n", 0, offset), before, after, reason)
            for offset, before, after, reason in changes
        ]
        return repaired, repairs

    # ----------------------------------------------------------------- cards

    def repair_card(self, card: Card, keep: frozenset[str] = frozenset()) -> Card:
        """Return the card with ä/ö restored in every text value and each repair listed.

        Args:
            card: A parsed card, as OCR left its text.
            keep: Words (as OCR wrote them) to leave alone on this card: human
                decisions that a repair was wrong.

        Returns:
            A new Card; ``repairs`` holds the card's earlier repairs and one per
            changed word, with the line of ``card.original`` the word is on.
        """
        return _CardRepair(self, card, keep).run()


class _CardRepair:
    """The repair of one card: its evidence, its lines and the repairs found.

    The word tokens of each text are found once per card.
    """

    def __init__(self, repairer: Repairer, card: Card, keep: frozenset[str] = frozenset()) -> None:
        self.r = repairer
        self.card = card
        self.lines = card.original.splitlines()
        self._line_starts = list(itertools.accumulate(
            (len(line) for line in card.original.splitlines(keepends=True)), initial=0))
        self._tokens: dict[str, list[finnish.Token]] = {}
        self.repairs: list[Repair] = []
        self.evidence = repairer._evidence(self._tokens_of(text) for text in self._texts())
        self.evidence.keep = keep

    def _tokens_of(self, text: str) -> list[finnish.Token]:
        """The word tokens of a text of the card."""
        toks = self._tokens.get(text)
        if toks is None:
            toks = self._tokens[text] = finnish.tokens(text)
        return toks

    def _texts(self) -> list[str]:
        c = self.card
        texts: list[str | None] = [c.name, c.compiled_by]
        texts += [t for _, t in c.name_copies]
        texts += [f.name for f in c.funders]
        texts += [i.name for i in c.implementers] + [i.role_text for i in c.implementers]
        if c.target_groups is not None:
            texts.append(c.target_groups.text)
        texts += [getattr(c, name) for name in PROSE_FIELDS]
        texts += [o.title for o in c.outputs] + [o.publisher for o in c.outputs]
        return [t for t in texts if t]

    def _line_with(self, word: str, first: int, last: int) -> int:
        """The first of lines ``first``..``last`` (1-based, within the card) that has
        ``word`` among its words as ``_WORD_IN_LINE.findall`` finds them (where it
        occurs with no letter, & or 6 on either side); 0 when none has."""
        if not _WORD_IN_LINE.fullmatch(word):
            return 0
        text, starts, size = self.card.original, self._line_starts, len(word)
        end = starts[last]
        at = text.find(word, starts[first - 1], end)
        while at >= 0:
            if not (at and _WORD_CHAR.match(text, at - 1)) and not _WORD_CHAR.match(text, at + size):
                return bisect.bisect_right(starts, at)
            at = text.find(word, at + 1, end)
        return 0

    def _span(self, key: str, line: int | None = None) -> tuple[int, int]:
        span = self.card.field_lines.get(key)
        if span is None:
            first = line or 1
            return first, first + 3
        if line is not None and span[0] <= line <= span[1]:
            return line, span[1]
        return span

    def _locate(self, word: str, span: tuple[int, int]) -> int:
        first, last = span
        low, high = max(first, 1), min(last, len(self.lines))
        if low <= high:
            for piece in (word, *word.split("-")):
                number = self._line_with(piece, low, high) if piece else 0
                if number:
                    return number
        return first

    def text(self, value: str | None, span: tuple[int, int]) -> str | None:
        if not value:
            return value
        repaired, changes = self.r._repair_spans(value, self.evidence, self._tokens_of(value))
        for _, before, after, reason in changes:
            self.repairs.append(Repair(self._locate(before, span), before, after, reason))
        return repaired

    def name(self) -> str | None:
        """The project name, read with every copy of it on the card as evidence."""
        c = self.card
        if not c.name:
            return c.name
        others = [text for _, text in c.name_copies if text != c.name]
        spans = [self._span("name")] + [(ln, ln + 2) for ln, _ in c.name_copies]
        toks = self._tokens_of(c.name)
        partner_tokens = [self._tokens_of(o) for o in others]
        out: list[str] = []
        last = 0
        for tok in toks:
            partners = [p for p in (_align(self.r, tok.text, pt) for pt in partner_tokens) if p]
            decided = self._name_word(tok.text, partners)
            out.append(c.name[last : tok.start])
            if decided is None:
                out.append(tok.text)
            else:
                after, reason = decided
                out.append(after)
                line = next(
                    (n for n in (self._locate(tok.text, s) for s in spans) if n and self._has(n, tok.text)),
                    spans[0][0],
                )
                self.repairs.append(Repair(line, tok.text, after, reason))
            last = tok.end
        out.append(c.name[last:])
        return "".join(out)

    def _has(self, number: int, word: str) -> bool:
        if not 1 <= number <= len(self.lines):
            return False
        return self._line_with(word, number, number) == number

    def _name_word(self, word: str, partners: list[str]) -> tuple[str, str] | None:
        alone = self.r._decide_in(word, self.evidence)
        if not partners:
            return alone
        allowed = {r.text.lower() for r in self.r.readings(word)}
        for partner in partners:
            allowed &= {r.text.lower() for r in self.r.readings(partner)}
        if not allowed:
            return alone
        if alone is not None and alone[0].lower() in allowed:
            return alone
        readings = tuple(r for r in self.r.readings(word) if r.text.lower() in allowed)
        if len(readings) == 1:
            only = readings[0].text
            return None if only == word else (only, "name-copies")
        if alone is None and any(r.text == word for r in readings):
            return None
        picked = self.r._best([r for r in readings if r.text != word])
        return (picked[0].text, "name-copies") if picked else None

    def run(self) -> Card:
        c = self.card
        name = self.name()
        compiled_by = self.text(c.compiled_by, self._span("compiled_by", 1))
        funders = tuple(
            dataclasses.replace(f, name=self.text(f.name, self._span("funders", f.line)))
            for f in c.funders
        )
        implementers = tuple(self._implementer(i) for i in c.implementers)
        target_groups = self._target_groups(c.target_groups)
        prose = {
            name_: self.text(getattr(c, name_), self._span(name_)) for name_ in PROSE_FIELDS
        }
        outputs = tuple(
            dataclasses.replace(
                o,
                title=self.text(o.title, self._span("outputs", o.line)),
                publisher=self.text(o.publisher, self._span("outputs", o.line)),
            )
            for o in c.outputs
        )
        log.debug("%s: %d repairs", c.source, len(self.repairs))
        return dataclasses.replace(
            c,
            name=name,
            compiled_by=compiled_by,
            funders=funders,
            implementers=implementers,
            target_groups=target_groups,
            outputs=outputs,
            repairs=c.repairs + tuple(self.repairs),
            **prose,
        )

    def _implementer(self, imp: Implementer) -> Implementer:
        span = self._span("implementers", imp.line)
        name = self.text(imp.name, span)
        role_text = self.text(imp.role_text, span)
        role = imp.role
        if role is None and role_text:
            role = next((r for r in Role if r.value == role_text.strip().lower()), None)
        return dataclasses.replace(imp, name=name, role=role, role_text=role_text)

    def _target_groups(self, tg: TargetGroups | None) -> TargetGroups | None:
        if tg is None:
            return None
        span = self._span("target_groups", tg.line)
        text = self.text(tg.text, span)
        # main and items repeat words of text: repair them without listing twice.
        saved = len(self.repairs)
        main = self.text(tg.main, span)
        items = tuple(self.text(item, span) or item for item in tg.items)
        del self.repairs[saved:]
        return dataclasses.replace(tg, text=text or tg.text, main=main, items=items)


@functools.lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """The Zipf frequency of a word form in general Finnish (0 when unknown).

    Uses the ``wordfreq`` package's Finnish list; without it every word is 0 and
    frequency decides nothing.
    """
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - depends on the environment
        if not _WARNED:
            log.warning("wordfreq is not installed: the repair cannot weigh word frequency")
            _WARNED.append(True)
        return 0.0
    return float(zipf_frequency(word, "fi"))


_WARNED: list[bool] = []


def _seen(reading: Reading, evidence: Evidence) -> bool:
    if evidence.forms[reading.text.lower()]:
        return True
    return any(evidence.bases[b] for b in reading.bases)


def _align(repairer: Repairer, word: str, others: list[finnish.Token]) -> str | None:
    """The word of another name copy at the same place, if one can be told."""
    lower = word.lower()
    for tok in others:
        if tok.text.lower() == lower:
            return tok.text
    mine = _spellings(lower)
    for tok in others:
        if not mine.isdisjoint(_spellings(tok.text.lower())):
            return tok.text
    return None


@functools.lru_cache(maxsize=1024)
def _spellings(word: str) -> frozenset[str]:
    """The spellings a word may stand for (:func:`finnish.candidates`), as a set."""
    return frozenset(text for text, _ in finnish.candidates(word, MAX_CANDIDATES))


def _hyphen_wholes(text: str, toks: list[finnish.Token]) -> list[str]:
    """For each token, the hyphenated word it is part of (Ylä-Savon for Ylä), or itself."""
    wholes: list[str] = []
    i = 0
    while i < len(toks):
        j = i
        while j + 1 < len(toks) and text[toks[j].end : toks[j + 1].start] == "-":
            j += 1
        whole = text[toks[i].start : toks[j].end]
        wholes.extend([whole] * (j - i + 1))
        i = j + 1
    return wholes


def load_gazetteer(path: Path) -> tuple[str, ...]:
    """Read a gazetteer's names (see :func:`load_names`), without their forms."""
    return tuple(load_names(path))


def load_names(path: Path) -> dict[str, tuple[str, ...]]:
    """Read a gazetteer: one correct name a line, optionally followed by ``|`` and
    inflected forms of it separated by spaces (``Vähäkyrö | Vähänkyrön``); ``#``
    comments and blank lines skipped.

    Args:
        path: The file (``data/reference/proper-nouns.txt``).

    Returns:
        name -> its listed forms; empty when the file does not exist.

    Raises:
        ReferenceDataError: A line is not a name (digits, tabs, several ``|``, or a
            listed form that is not one word).
    """
    if not path.is_file():
        log.warning("no gazetteer at %s", path)
        return {}
    names: dict[str, tuple[str, ...]] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if any(ch.isdigit() for ch in entry) or "\t" in entry or entry.count("|") > 1:
            raise ReferenceDataError(f"not a name: {entry!r}", path, number)
        name, _, rest = (part.strip() for part in entry.partition("|"))
        forms = tuple(rest.split())
        if not name or any(not _is_word(f) for f in forms):
            raise ReferenceDataError(f"not a name with its forms: {entry!r}", path, number)
        names[name] = names.get(name, ()) + forms
    return names


def load_lexicon(path: Path) -> tuple[str, ...]:
    """Read the domain lexicon: one correctly spelt Finnish word form a line, ``#``
    comments and blank lines skipped.

    Args:
        path: The file (``data/reference/lexicon.txt``).

    Returns:
        The word forms; none when the file does not exist.

    Raises:
        ReferenceDataError: A line is not a single word.
    """
    if not path.is_file():
        log.info("no lexicon at %s", path)
        return ()
    words: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if not _is_word(entry):
            raise ReferenceDataError(f"not a word form: {entry!r}", path, number)
        words.append(entry)
    return tuple(words)


def _is_word(text: str) -> bool:
    return bool(text) and all(ch.isalpha() or ch == "-" for ch in text) and text[:1].isalpha()


def _case_forms(word: str) -> tuple[str, ...]:
    """The forms Voikko checks a word in: as written, and for a word of odd capitals
    (ELämänhallinnan) also lower-case and with a first capital only."""
    if word.islower() or word.isupper() or word == word[:1].upper() + word[1:].lower():
        return (word,)
    return (word, word.lower(), word[:1].upper() + word[1:].lower())


_CASE_ENDINGS = ("n", "ssa", "sta", "lla", "lta", "lle", "na", "ksi")


def _inferred_forms(name: str) -> tuple[str, ...]:
    """Common case forms of a one-word name Voikko does not know, ending in a vowel:
    genitive, the locative cases, essive, translative, illative and (after one
    vowel) partitive, with the a or ä its vowels ask for (Höyhtyä -> Höyhtyän,
    Höyhtyässä, Höyhtyään). A name ending in a consonant, or whose stem changes,
    lists its forms in the gazetteer."""
    if not name or name[-1].lower() not in "aeiouyäö":
        return ()
    vowels = [ch for ch in name.lower() if ch in "aouäöy"]
    front = not vowels or vowels[-1] in "äöy"
    endings = [e.replace("a", "ä") if front else e for e in _CASE_ENDINGS]
    endings.append(name[-1].lower() + "n")
    if len(name) > 1 and name[-2].lower() not in "aeiouyäö":
        endings.append("ä" if front else "a")
    return tuple(name + e for e in endings)


@dataclass
class Measurement:
    """How the repair did on clean text damaged as the OCR damages it (word level).

    A damaged word is *restorable* when its clean form is one the repair's spell
    checker accepts (:meth:`Repairer.accepts`: Voikko, case-folded, with the
    gazetteer and the lexicon). The others (typos and dialect of the source text,
    names no list has) cannot be restored under the rule that a repair is never a
    word the spell checker rejects; they are counted in ``damaged`` and listed by
    name in ``unrestorable``, never left out silently.
    """

    words: int = 0
    damaged: int = 0
    restored: int = 0
    restorable: int = 0
    restorable_restored: int = 0
    undamaged: int = 0
    changed: int = 0
    seconds: float = 0.0
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    """(correct, damaged, repaired) of each damaged word not restored exactly."""
    spoiled: list[tuple[str, str]] = field(default_factory=list)
    """(correct, repaired) of each undamaged word the repair changed."""
    unrestorable: Counter[str] = field(default_factory=Counter)
    """Clean forms of the damaged words the spell checker rejects -> times damaged."""

    @property
    def restored_share(self) -> float:
        """Share of all damaged words restored exactly."""
        return self.restored / self.damaged if self.damaged else 1.0

    @property
    def restorable_share(self) -> float:
        """Share of restorable damaged words restored exactly."""
        return self.restorable_restored / self.restorable if self.restorable else 1.0

    @property
    def restorable_misses(self) -> list[tuple[str, str, str]]:
        """The misses whose correct form the spell checker accepts."""
        return [m for m in self.misses if m[0] not in self.unrestorable]

    def report(self) -> str:
        """The figures as lines of text, the excluded words listed by name."""
        excluded = ", ".join(f"{w} ×{n}" for w, n in sorted(self.unrestorable.items()))
        per_k = 1000 * 1000 * self.seconds / self.words if self.words else 0.0
        return "\n".join(
            [
                f"words {self.words}; {per_k:.0f} ms per 1,000 words",
                f"all damaged words: {self.restored} of {self.damaged} restored "
                f"({100 * self.restored_share:.2f} %)",
                f"restorable damaged words: {self.restorable_restored} of {self.restorable} "
                f"restored ({100 * self.restorable_share:.2f} %)",
                f"not restorable (the spell checker rejects the clean form): "
                f"{self.damaged - self.restorable}: {excluded or '-'}",
                f"undamaged words wrongly changed: {self.changed} of {self.undamaged} "
                f"({100 * self.changed_share:.3f} %)",
            ]
        )

    @property
    def changed_share(self) -> float:
        """Share of undamaged words the repair changed."""
        return self.changed / self.undamaged if self.undamaged else 0.0


def measure(
    repairer: Repairer, texts: list[str], seed: int, leave_one_out_corpus: bool = False
) -> Measurement:
    """Damage clean texts with the OCR confusions, repair them, and count words.

    Args:
        repairer: The repairer to measure.
        texts: Clean Finnish texts, one per document (each is repaired as one text).
        seed: Seed of the random choice among the confusions.
        leave_one_out_corpus: Give the repairer, for each text, the word counts of
            all the other texts as its corpus (never of the text itself).

    Returns:
        The counts; ``misses`` and ``spoiled`` list the words that went wrong,
        ``unrestorable`` the damaged words whose clean form the spell checker rejects.
    """
    import random
    import time

    rng = random.Random(seed)
    result = Measurement()
    total: Counter[str] = Counter()
    per_text: list[Counter[str]] = []
    if leave_one_out_corpus:
        for text in texts:
            counts = Counter(t.text.lower() for t in finnish.tokens(text))
            per_text.append(counts)
            total.update(counts)
    for index, text in enumerate(texts):
        if leave_one_out_corpus:
            repairer.use_corpus(total - per_text[index])
        toks = finnish.tokens(text)
        pieces: list[str] = []
        damaged_words: list[str] = []
        last = 0
        for tok in toks:
            pieces.append(finnish.damage(text[last : tok.start], rng))
            damaged_words.append(finnish.damage(tok.text, rng))
            pieces.append(damaged_words[-1])
            last = tok.end
        pieces.append(finnish.damage(text[last:], rng))
        damaged = "".join(pieces)
        started = time.perf_counter()
        repaired, _ = repairer.repair_text(damaged, 1)
        result.seconds += time.perf_counter() - started
        got = [t.text for t in finnish.tokens(repaired)]
        if len(got) != len(toks):
            raise ValueError(f"text {index}: {len(toks)} words became {len(got)}")
        wholes = _hyphen_wholes(text, toks)
        for tok, whole, bad, after in zip(toks, wholes, damaged_words, got, strict=True):
            result.words += 1
            if bad != tok.text:
                result.damaged += 1
                ok = after == tok.text
                if repairer.accepts(tok.text) or repairer.accepts(whole):
                    result.restorable += 1
                    result.restorable_restored += ok
                else:
                    result.unrestorable[tok.text] += 1
                if ok:
                    result.restored += 1
                else:
                    result.misses.append((tok.text, bad, after))
            else:
                result.undamaged += 1
                if after != tok.text:
                    result.changed += 1
                    result.spoiled.append((tok.text, after))
    if leave_one_out_corpus:
        repairer.use_corpus(Counter())
    return result
