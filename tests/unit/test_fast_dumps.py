"""pyoxigraph dumps: sorted N-Triples byte-identical to rdflib's sorted N-Triples, Turtle
deterministic and holding the same triples; the pool of cards gives the same cards."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from hankekg.publish import fast_dumps


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from hankekg.pipeline import build
    from hankekg.publish.dumps import union
    from hankekg.synth import generate

    data = tmp_path_factory.mktemp("corpus")
    generate(8, 3, data)
    return data, build(data), union(build(data).dataset)


def _rdflib_sorted_nt(graph: Graph) -> bytes:
    text = graph.serialize(format="nt", encoding="utf-8")
    return b"".join(sorted({line for line in text.splitlines(keepends=True) if line.strip()}))


def test_ntriples_identical_to_rdflib_sorted(built):
    _, _, graph = built
    assert fast_dumps.ntriples_bytes(graph) == _rdflib_sorted_nt(graph)


def test_turtle_deterministic_and_same_triples(built):
    _, _, graph = built
    ttl = fast_dumps.turtle_bytes(graph)
    assert ttl == fast_dumps.turtle_bytes(graph)
    shuffled = Graph()
    for t in sorted(graph, reverse=True):
        shuffled.add(t)
    assert fast_dumps.turtle_bytes(shuffled) == ttl
    assert isomorphic(Graph().parse(data=ttl, format="turtle"), graph)


def test_card_pool_identical_whatever_the_workers(built):
    from hankekg import paths, pipeline
    from hankekg.cards import pool

    data, result, _ = built
    files = pipeline.card_files(data)
    ref = paths.reference_dir(data)
    one = pool.read_cards(files, ref, data, workers=1)
    two = pool.read_cards(files, ref, data, workers=2, chunk=3)
    assert [o.card for o in one] == [o.card for o in two] == result.cards
