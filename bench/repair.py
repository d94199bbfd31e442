"""Measure the ä/ö repair on the registry's clean Finnish summaries.

Every ä and ö of the summaries is damaged as the card OCR damages it (a seeded random
choice among the confusions of card-format.md), the text is repaired, and the words
are compared with the clean text. Prints, per seed and over all seeds: all damaged
words and how many were restored; the restorable ones (whose clean form the repair's
spell checker accepts: Voikko, case-folded, with data/reference/proper-nouns.txt and
lexicon.txt) and how many were restored; the excluded ones by name, with counts;
undamaged words wrongly changed; the time per 1,000 words.

    .venv/bin/python bench/repair.py [--seeds 5] [--corpus] [--show 20]

``--corpus`` also gives the repairer, for each summary, the word counts of the other
summaries (leave one out), as a build would give it the registry pages.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hankekg.cards.repair import Measurement, Repairer, measure

HEADING = "3 Suunnitelman mukainen tiivistelmä toteutuksesta"
ROOT = Path(__file__).resolve().parent.parent


def registry_dirs() -> list[Path]:
    """Where registry pages may be: the data folder, then the shared folder beside the repo."""
    return [
        ROOT / "data" / "registry" / "eura2014",
        ROOT.parent / "shared" / "registry" / "eura2014",
        Path("/work/shared/registry/eura2014"),
    ]


def summaries() -> list[str]:
    """The Finnish summaries of the registry pages, last (cut-off) word dropped."""
    for folder in registry_dirs():
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        texts = []
        for path in files:
            text = path.read_text(encoding="utf-8")
            if HEADING not in text:
                continue  # the English page
            body = text.split(HEADING, 1)[1].strip()
            body = body.rsplit(None, 1)[0] if not body.endswith((".", "!", "?")) else body
            texts.append(body)
        if texts:
            return texts
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--corpus", action="store_true")
    parser.add_argument("--show", type=int, default=20)
    args = parser.parse_args()
    texts = summaries()
    if not texts:
        print("no registry summaries found in", *registry_dirs(), file=sys.stderr)
        return 1
    started = time.perf_counter()
    repairer = Repairer()
    print(f"{len(texts)} summaries; Repairer() took {time.perf_counter() - started:.2f} s")
    total = Measurement()
    for seed in range(args.seeds):
        repairer = Repairer()  # a fresh cache, so the timing is honest
        m = measure(repairer, texts, seed, leave_one_out_corpus=args.corpus)
        print(f"seed {seed}:")
        print("  " + m.report().replace("\n", "\n  "))
        for correct, bad, got in m.restorable_misses[: args.show]:
            print(f"    miss   {correct!r:28} damaged {bad!r:28} got {got!r}")
        for correct, got in m.spoiled[: args.show]:
            print(f"    spoilt {correct!r:28} became {got!r}")
        for name in _COUNTS:
            setattr(total, name, getattr(total, name) + getattr(m, name))
        total.unrestorable.update(m.unrestorable)
        total.misses += m.misses
        total.spoiled += m.spoiled
    print(f"all {args.seeds} seeds:")
    print("  " + total.report().replace("\n", "\n  "))
    return 0


_COUNTS = (
    "words", "damaged", "restored", "restorable", "restorable_restored", "undamaged", "changed", "seconds",
)


if __name__ == "__main__":
    sys.exit(main())
