"""A cache of read, parsed and repaired cards, for incremental builds.

Reading a card (decode, parse, the ä/ö repair with Voikko) is the one stage whose cost is
per card and independent of the others, so its result is kept: one JSON file per card
(:mod:`hankekg.cards.codec`, so reading an entry never runs code) under
``<folder>/cards/<key>.json`` where the key is the SHA-256 of

* the card file's bytes, the label it is read under and the curation's keep-words for it;
* a *salt*: hankekg's version, the bytes of the reference files the repair reads
  (proper-nouns.txt, lexicon.txt) and the source of the card-reading modules, so any change
  to the code or the reference data misses the cache instead of serving stale cards.

Entries are written atomically (temporary file, fsync, rename): a crash leaves either the
old entry or the new one. A card that fails to read is never cached (its error is
recomputed each time). :func:`read_cards` returns what
:func:`hankekg.pipeline.read_cards` returns (equal outcomes, each card packed as the
build keeps it); the cards it misses are read in one batch
(by the build's process pool), so a fully warm read does not open Voikko at all.

:func:`hankekg.pipeline.build` takes a ``cache_dir`` and uses this cache for the read
stage (``hankekg build --cache DIR``); the test checks that its graph and Turtle dump are
byte-identical to a clean build's.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hankekg import __version__
from hankekg.cards.codec import card_from_bytes, card_to_bytes
from hankekg.publish.files import write_atomic

log = logging.getLogger(__name__)

CACHE_DIR = ".hankekg-cache"
_CODE_MODULES = ("cards/read.py", "cards/parse.py", "cards/labels.py", "cards/repair.py", "cards/finnish.py",
                 "cards/pdf.py", "cards/codec.py", "model.py")
_REFERENCE_FILES = ("proper-nouns.txt", "lexicon.txt")


def salt(reference: Path) -> str:
    """What every key depends on besides the card: version, reference data, reading code."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for name in _CODE_MODULES:
        path = package / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    for name in _REFERENCE_FILES:
        path = reference / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    return h.hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0


class CardCache:
    """Cards by content key, under ``folder`` (e.g. ``data/.hankekg-cache``)."""

    def __init__(self, folder: Path, salt_value: str):
        self.folder = folder / "cards"
        self.salt = salt_value
        self.stats = CacheStats()

    def key(self, data: bytes, label: str, keep: frozenset[str]) -> str:
        h = hashlib.sha256(self.salt.encode())
        h.update(b"\0" + label.encode() + b"\0" + "\n".join(sorted(keep)).encode() + b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str):
        path = self._path(key)
        try:
            return card_from_bytes(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:  # a damaged entry is a miss, never an error
            log.warning("cache entry %s unreadable (%s); reading the card again", path, err)
            return None

    def put(self, key: str, card) -> None:
        write_atomic(self._path(key), card_to_bytes(card))


def read_cards(files: Iterable[Path], cache: CardCache, read_many: Callable[[list[Path]], list],
               data_dir: Path | None = None, curation=None, advance=None):
    """:func:`hankekg.pipeline.read_cards`, served from ``cache`` where it can be.

    Args:
        files: the card files, in build order.
        cache: the cache.
        read_many: reads the cards the cache misses, returning one
            :class:`~hankekg.pipeline.CardOutcome` per file in order (the build passes the
            process pool of :mod:`hankekg.cards.pool`).
        data_dir: the data folder (how cards name their source).
        curation: the curation (keep-words are part of each key).
        advance: called once per file, for progress.
    """
    from hankekg import pipeline
    from hankekg.resolve.curation import Curation

    curation = curation or Curation()
    files = list(files)
    found: dict[int, object] = {}
    keys: dict[int, str] = {}
    for i, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError:
            data = None
        if data is None:
            continue
        keys[i] = cache.key(data, pipeline._label(path, data_dir), curation.keep_for(path.name))
        card = cache.get(keys[i])
        if card is not None:
            found[i] = pipeline.CardOutcome(path, card).packed()
            if advance:
                advance(path)
    misses = [i for i in range(len(files)) if i not in found]
    cache.stats.hits += len(found)
    cache.stats.misses += len(misses)
    for i, outcome in zip(misses, read_many([files[i] for i in misses]), strict=True):
        found[i] = outcome
        if outcome.card is not None and i in keys:
            cache.put(keys[i], outcome.card)
        if advance:
            advance(files[i])
    return [found[i] for i in range(len(files))]


def build(data_dir: Path, cache_dir: Path | None = None, base: str | None = None):
    """:func:`hankekg.pipeline.build` with the card cache (default ``data_dir/.hankekg-cache``)."""
    from hankekg import pipeline
    from hankekg.namespaces import DEFAULT_DATA_BASE

    return pipeline.build(data_dir, base or DEFAULT_DATA_BASE, cache_dir=cache_dir or data_dir / CACHE_DIR)
