"""The line sink spills big graphs to disk in sorted runs, with the same result as in memory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from hankekg import pipeline
from hankekg.rdf import sink
from hankekg.rdf.sink import Graphs, LineDataset

G1, G2 = URIRef("http://example.org/g1"), URIRef("http://example.org/g2")

# Literals with characters from several UTF-8 lengths, so the byte order of the runs and
# the code-point order of the in-memory sort must agree.
TEXT = st.text(alphabet="aäzö–€\U0001F600 \"\\\n", max_size=4)
TRIPLE = st.tuples(st.integers(0, 30), st.integers(0, 3), TEXT)


def _triple(s: int, p: int, o: str) -> tuple:
    return URIRef(f"http://example.org/s{s}"), URIRef(f"http://example.org/p{p}"), Literal(o)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([G1, G2]), TRIPLE), max_size=300), st.integers(1, 400))
def test_spilled_graphs_equal_the_in_memory_ones(adds, limit):
    memory = LineDataset()
    work = TemporaryDirectory()
    spilled = LineDataset(work, limit=limit)
    for graph, triple in adds:
        memory.graph(graph).add(_triple(*triple))
        spilled.graph(graph).add(_triple(*triple))
    a, b = memory.finish(), spilled.finish()
    assert a.ntriples == b.ntriples
    assert b"".join(a.union_lines()) == b"".join(b.union_lines()) == a.union_ntriples()
    assert a.union_size == b.union_size
    # worked out from the input, not from the sink: the distinct triples of the union
    assert a.union_size == len({t for _, t in adds})


def test_a_spilled_graph_is_a_file_and_says_it_cannot_answer_in():
    work = TemporaryDirectory()
    first = len(sink.nt_line(_triple(1, 1, "a")))
    data = LineDataset(work, limit=first + 1)
    g = data.graph(G1)
    g.add(_triple(1, 1, "a"))
    assert _triple(1, 1, "a") in g  # nothing spilled yet
    g.add(_triple(1, 1, "a"))  # the same line again: not counted twice, still nothing spilled
    assert _triple(1, 1, "a") in g
    g.add(_triple(2, 1, "b"))  # the second line fills the set: a run is written
    with pytest.raises(RuntimeError, match="spilled"):
        _triple(1, 1, "a") in g  # noqa: B015 (the test is that it raises)
    graphs = data.finish()
    assert graphs.on_disk
    (path,) = [p for p in Path(work.name).iterdir()]
    assert path.name.startswith("graph-")  # the runs were merged and removed
    assert path.read_bytes().count(b"\n") == 2


def test_the_files_go_with_the_graphs():
    graphs = LineDataset(TemporaryDirectory(), limit=1)
    graphs.graph(G1).add(_triple(1, 1, "a"))
    finished = graphs.finish()
    folder = finished.workdir
    assert folder.is_dir()
    del finished, graphs
    import gc

    gc.collect()
    assert not folder.exists()


def test_an_on_disk_store_holds_the_union(tmp_path):
    work = TemporaryDirectory()
    data = LineDataset(work, limit=3)
    triples = [_triple(i % 5, i % 2, str(i % 7)) for i in range(40)]
    for i, t in enumerate(triples):
        data.graph(G1 if i % 2 else G2).add(t)
    graphs = data.finish()
    store = graphs.store()
    assert len(store) == len(set(triples))
    assert str(graphs.workdir) in str(next(graphs.workdir.glob("store-*")))


def _digest(graphs: Graphs) -> str:
    h = hashlib.sha256()
    for line in graphs.union_lines():
        h.update(line)
    return h.hexdigest()


def test_a_build_that_spills_is_the_build_that_does_not(tmp_path, monkeypatch):
    """The real data with a spill limit of 5,000 characters: the same graphs, problems and results."""
    data = Path(__file__).resolve().parents[2] / "data"
    whole = pipeline.build(data, cache_dir=tmp_path / "a")
    assert not whole.graphs.on_disk
    monkeypatch.setattr(sink, "SPILL_CHARS", 5000)
    spilled = pipeline.build(data, cache_dir=tmp_path / "b")
    assert spilled.graphs.on_disk
    assert spilled.graphs.ntriples == whole.graphs.ntriples
    assert _digest(spilled.graphs) == _digest(whole.graphs)
    assert spilled.validation.rows == whole.validation.rows
    assert spilled.link_counts == whole.link_counts
    assert [str(p) for p in spilled.problems] == [str(p) for p in whole.problems]
