"""Read, parse and repair cards in a process pool (the build reads its cards through it).

The output is :func:`hankekg.pipeline.read_cards`'s, in the same order, whatever the
number of workers: each worker opens its own :class:`~hankekg.cards.repair.Repairer`
(its caches hold pure functions of a word, and the evidence of a card is that card's
own text), cards are handed out in contiguous chunks and results come back in input
order. ``workers=1`` runs in this process.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from hankekg.resolve.curation import Curation

_STATE: dict = {}


def _init(reference: Path, data_dir: Path | None, curation: Curation | None) -> None:
    from hankekg.cards.repair import Repairer

    _STATE["repairer"] = Repairer(reference)
    _STATE["data_dir"] = data_dir
    _STATE["curation"] = curation


def _chunk(files: list[Path]):
    from hankekg import pipeline

    return pipeline.read_cards(files, _STATE["repairer"], None, _STATE["data_dir"], _STATE["curation"])


def read_cards(files, reference: Path, data_dir: Path | None = None, curation: Curation | None = None,
               workers: int = 2, chunk: int = 64):
    """:func:`hankekg.pipeline.read_cards` over ``workers`` processes; same outcomes, same order."""
    files = list(files)
    if workers <= 1 or len(files) <= chunk:
        _init(reference, data_dir, curation)
        return _chunk(files)
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(reference, data_dir, curation)) as ex:
        return [outcome for part in ex.map(_chunk, chunks) for outcome in part]
