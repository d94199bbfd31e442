"""Measure the ä/ö repair on the registry's clean Finnish summaries.

Every ä and ö of the summaries is damaged as the card OCR damages it (a seeded random
choice among the confusions of card-format.md), the text is repaired, and the words
are compared with the clean text. Prints, per run: damaged words, restored, undamaged
words wrongly changed, and the time per 1,000 words.

    .venv/bin/python bench/repair.py [--seeds 5] [--corpus] [--show 20]

``--corpus`` also gives the repairer, for each summary, the word counts of the other
summaries (leave one out), as a build would give it the registry pages.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hankekg.cards.repair import Repairer, measure

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
    totals = [0, 0, 0, 0, 0]
    for seed in range(args.seeds):
        repairer = Repairer()  # a fresh cache, so the timing is honest
        m = measure(repairer, texts, seed, leave_one_out_corpus=args.corpus)
        totals = [a + b for a, b in zip(totals, [m.damaged, m.restored, m.undamaged, m.changed, m.words])]
        print(
            f"seed {seed}: words {m.words}, damaged {m.damaged}, restored {m.restored} "
            f"({100 * m.restored_share:.2f} %), undamaged {m.undamaged}, wrongly changed "
            f"{m.changed} ({100 * m.changed_share:.3f} %), {1000 * m.seconds / m.words * 1000:.0f} ms "
            f"per 1,000 words"
        )
        for correct, bad, got in m.misses[: args.show]:
            print(f"    miss   {correct!r:28} damaged {bad!r:28} got {got!r}")
        for correct, got in m.spoiled[: args.show]:
            print(f"    spoilt {correct!r:28} became {got!r}")
    damaged, restored, undamaged, changed, words = totals
    print(
        f"all seeds: damaged {damaged}, restored {restored} ({100 * restored / damaged:.2f} %), "
        f"undamaged {undamaged}, wrongly changed {changed} ({100 * changed / undamaged:.3f} %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
