"""Time reading, parsing and ä/ö repair of cards, and check that the output stays the same.

Reads every card of a data folder (``DIR/cards/*``, with ``DIR/reference/``) through
:func:`hankekg.pipeline.read_one` with one :class:`~hankekg.cards.repair.Repairer`, in
file-name order, and prints the time per card cold (the first 200 cards, while the
repairer's per-word caches fill) and steady (the last 300); the setup (opening Voikko,
reading the reference data, loading the word-frequency list) is timed apart. Each
card's lossless encoding (:mod:`hankekg.cards.codec`; an unreadable card as its
error) is one line of a JSON-lines file: ``--baseline`` writes it when the file does not exist, else compares
against it and exits 1 on any difference.

``--workers N`` instead reads all cards through the process pool
(:func:`hankekg.cards.pool.read_cards`) and prints its wall time and the CPU time
of this process and of the workers (on a busy machine the CPU times are the steadier
figure); the output is compared with the baseline the same way.

    .venv/bin/python bench/cards_speed.py --corpus /tmp/hk/h1corpus --baseline /tmp/hk/h1-baseline.jsonl
    .venv/bin/python bench/cards_speed.py --corpus /tmp/hk/h2corpus --workers 2 --baseline ...
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from hankekg import paths, pipeline
from hankekg.cards import codec
from hankekg.cards.repair import Repairer, zipf
from hankekg.errors import HankekgError

COLD = 200
"""Cards timed as the cold start."""
STEADY = 300
"""Cards (the last ones) timed as the steady state."""


def _line(path: Path, card, error: HankekgError | None) -> str:
    if error is not None:
        return json.dumps({"file": path.name, "error": str(error)}, ensure_ascii=False)
    return json.dumps({"file": path.name, "card": codec.card_to_bytes(card).decode("utf-8")},
                      ensure_ascii=False)


def read_serial(files: list[Path], reference: Path) -> tuple[list[str], list[float]]:
    """Each card's output line and the seconds it took, one repairer for all."""
    started = time.perf_counter()
    repairer = Repairer(reference)
    zipf("ja")  # loads the word-frequency list
    print(f"setup {time.perf_counter() - started:.2f} s")
    lines, seconds = [], []
    for path in files:
        started = time.perf_counter()
        try:
            card, error = pipeline.read_one(path, repairer), None
        except HankekgError as err:
            card, error = None, err
        seconds.append(time.perf_counter() - started)
        lines.append(_line(path, card, error))
    return lines, seconds


def read_pooled(files: list[Path], reference: Path, workers: int,
                chunk: int) -> tuple[list[str], float, float, float]:
    """Each card's output line through the process pool; the wall time, and the CPU
    time of this process and of the worker processes."""
    from hankekg.cards import pool

    started, own, children = time.perf_counter(), _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    outcomes = pool.read_cards(files, reference, workers=workers, chunk=chunk)
    wall = time.perf_counter() - started
    own = _cpu(resource.RUSAGE_SELF) - own
    children = _cpu(resource.RUSAGE_CHILDREN) - children
    return [_line(o.path, o.card, o.error) for o in outcomes], wall, own, children


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def compare(lines: list[str], baseline: Path) -> int:
    """Write the baseline, or count the lines that differ from it (missing ones included)."""
    if not baseline.exists():
        baseline.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        print(f"baseline written: {baseline} ({len(lines)} cards)")
        return 0
    expected = baseline.read_text(encoding="utf-8").splitlines()
    differ = [i for i in range(max(len(lines), len(expected)))
              if i >= len(lines) or i >= len(expected) or lines[i] != expected[i]]
    for i in differ[:5]:
        name = json.loads(lines[i] if i < len(lines) else expected[i])["file"]
        print(f"DIFFERS: {name}")
    print(f"baseline {baseline}: {len(differ)} of {len(expected)} cards differ")
    return len(differ)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="data folder with cards/ and reference/")
    parser.add_argument("--baseline", type=Path, help="JSON-lines output to write, or to compare with")
    parser.add_argument("--workers", type=int, help="read through the process pool with this many workers")
    parser.add_argument("--chunk", type=int, default=64, help="cards per pool task (with --workers)")
    args = parser.parse_args(argv)
    files = pipeline.card_files(args.corpus)
    if not files:
        parser.error(f"no cards under {args.corpus / 'cards'}")
    reference = paths.reference_dir(args.corpus)
    if args.workers:
        lines, wall, own, children = read_pooled(files, reference, args.workers, args.chunk)
        print(f"{len(files)} cards, {args.workers} workers, chunk {args.chunk}: {wall:.2f} s "
              f"({1000 * wall / len(files):.2f} ms per card); CPU {own:.2f} s here, "
              f"{children:.2f} s in workers")
    else:
        lines, seconds = read_serial(files, reference)
        cold, steady = seconds[:COLD], seconds[-STEADY:]
        print(f"{len(files)} cards: {sum(seconds):.2f} s; "
              f"cold {1000 * sum(cold) / len(cold):.2f} ms per card (first {len(cold)}), "
              f"steady {1000 * sum(steady) / len(steady):.2f} ms per card (last {len(steady)})")
    return 1 if args.baseline and compare(lines, args.baseline) else 0


if __name__ == "__main__":
    sys.exit(main())
