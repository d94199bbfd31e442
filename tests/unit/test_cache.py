"""Incremental and parallel builds equal a clean build, dump for dump, byte for byte."""

from __future__ import annotations

import pytest

from hankekg import pipeline
from hankekg.cache import CACHE_DIR, build as cached_build
from hankekg.publish.dumps import dump_files
from hankekg.synth import generate


def _dump(result) -> tuple[bytes, bytes, bytes]:
    """The Turtle, N-Triples and TriG dumps as the build publishes them."""
    files = dump_files(result.graphs.ntriples)
    return files["hankekg.ttl"], files["hankekg.nt"], files["hankekg.trig"]


@pytest.mark.slow
def test_incremental_equals_clean(tmp_path):
    data = tmp_path / "corpus"
    generate(12, 9, data)
    clean = pipeline.build(data)
    cold = cached_build(data)
    assert cold.cache_stats.misses == 12 and cold.cache_stats.hits == 0
    assert cold.cards == clean.cards
    assert _dump(cold) == _dump(clean)
    assert (data / CACHE_DIR / "cards").is_dir()

    card = data / "cards" / "S10005.txt"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("Toteuttajat", "Toteuttajat", 1).replace(" ja ", " seka ", 1), encoding="utf-8")
    warm = cached_build(data)
    assert warm.cache_stats.hits == 11 and warm.cache_stats.misses == 1
    clean_after = pipeline.build(data)
    assert warm.cards == clean_after.cards
    assert _dump(warm) == _dump(clean_after)
    assert _dump(warm) != _dump(clean)


def test_damaged_entry_is_a_miss(tmp_path):
    data = tmp_path / "corpus"
    generate(2, 1, data)
    cached_build(data)
    for entry in (data / CACHE_DIR / "cards").rglob("*.json"):
        entry.write_bytes(b"not a cached card")
    again = cached_build(data)
    assert again.cache_stats.misses == 2
    assert again.cards == pipeline.build(data).cards


@pytest.mark.slow
def test_the_number_of_workers_does_not_change_the_output(tmp_path):
    data = tmp_path / "corpus"
    generate(150, 4, data)  # more cards than one chunk of the pool, so two workers share them
    one = pipeline.build(data, workers=1)
    two = pipeline.build(data, workers=2)
    assert one.cards == two.cards
    assert _dump(one) == _dump(two)
    assert one.validation.rows == two.validation.rows


def test_registry_pages_read_in_processes_are_the_same_records_in_the_same_order(tmp_path):
    data = tmp_path / "corpus"
    generate(40, 5, data)
    (data / "registry" / "eura2014" / "S99999.txt").write_bytes(b"\x00\x01 not a page")  # one that fails
    files = pipeline.registry_files(data)
    alone = pipeline.read_records(files, None, data)
    pooled = pipeline.read_records(files, None, data, workers=2, chunk=7)
    assert [o.path for o in pooled] == files
    assert [o.record for o in pooled] == [o.record for o in alone]
    assert [str(o.error) for o in pooled] == [str(o.error) for o in alone]
    assert sum(o.error is not None for o in pooled) == 1
