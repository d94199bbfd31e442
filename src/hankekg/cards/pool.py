"""Read, parse and repair cards in a process pool (the build reads its cards through it).

The output is :func:`hankekg.pipeline.read_cards`'s, in the same order, whatever the
number of workers: each process has its own :class:`~hankekg.cards.repair.Repairer`
(its caches hold pure functions of a word, and the evidence of a card is that card's
own text), cards are handed out in contiguous chunks and the chunks' results are put
back in input order.

This process is one of the ``workers``: it reads chunks from the end of the list
while ``workers - 1`` helper processes read them from the front. ``workers=1`` runs in
this process alone. Every card comes back packed
(:meth:`hankekg.pipeline.CardOutcome.packed`, ~5 KB), which is what the build keeps, and
what crosses the process boundary cheaply.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from hankekg.resolve.curation import Curation

_STATE: dict = {}

_QUEUED = 2
"""Chunks each helper has in hand (one being read, one waiting), so that it never
waits for this process to hand it the next one."""


def _init(reference: Path, data_dir: Path | None, curation: Curation | None) -> None:
    from hankekg.cards.repair import Repairer

    _STATE["repairer"] = Repairer(reference)
    _STATE["data_dir"] = data_dir
    _STATE["curation"] = curation


def _chunk(files: list[Path]):
    from hankekg import pipeline

    outcomes = pipeline.read_cards(files, _STATE["repairer"], None, _STATE["data_dir"], _STATE["curation"])
    return [outcome.packed() for outcome in outcomes]


def read_cards(files, reference: Path, data_dir: Path | None = None, curation: Curation | None = None,
               workers: int = 2, chunk: int = 64):
    """:func:`hankekg.pipeline.read_cards` over ``workers`` processes; same outcomes, same order,
    each card packed (:meth:`hankekg.pipeline.CardOutcome.packed`: the build holds them all)."""
    from hankekg.cards.repair import zipf

    files = list(files)
    _init(reference, data_dir, curation)
    if workers <= 1 or len(files) <= chunk:
        return _chunk(files)
    # Load the word-frequency list before the helpers start: where they are forked
    # (Linux) they inherit it instead of each loading it again (over a second).
    zipf("ja")
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    results: list[list | None] = [None] * len(chunks)
    helpers = workers - 1
    front, back = 0, len(chunks)  # the helpers take chunks[front], this process chunks[back - 1]
    with ProcessPoolExecutor(helpers, initializer=_init, initargs=(reference, data_dir, curation)) as ex:
        pending: dict[Future, int] = {}
        while front < back:
            while len(pending) < _QUEUED * helpers and front < back:
                pending[ex.submit(_chunk, chunks[front])] = front
                front += 1
            if front < back:
                back -= 1
                results[back] = _chunk(chunks[back])
            for future in [f for f in pending if f.done()]:
                results[pending.pop(future)] = future.result()
        for future, index in pending.items():
            results[index] = future.result()
    return [outcome for part in results for outcome in part]
