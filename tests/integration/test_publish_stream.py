"""The streamed publish: dumps written straight to their files equal what an independent,
in-memory route makes of the same build, sizes and checksums are those of the bytes on disk,
publish reads the graphs only as lines, and a failure part way leaves the previous files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from tests.support import REPO

from hankekg.errors import HankekgError
from hankekg.iris import Minter
from hankekg.pipeline import build
from hankekg.publish import run
from hankekg.publish.dumps import (
    GZIP_BLOCK,
    Prefixes,
    dump_prefixes,
    gzip_bytes,
    gzip_stream,
    jsonld_nodes,
)
from hankekg.publish.run import MANIFEST, PUBLISHED_GRAPHS, SHA256SUMS, publish
from hankekg.publish.void import (
    VOID_GRAPH,
    VOID_PREFIXES,
    Settings,
    describe,
    statistics,
    statistics_of_lines,
)
from hankekg.rdf.mapping import DATA_GRAPH

DATA = REPO / "data"
NOW = datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
DATASET = "https://w3id.org/hankekg/id/dataset"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"


@pytest.fixture(scope="module")
def result():
    return build(DATA)


@pytest.fixture(scope="module")
def dist(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stream")
    publish(result, out, now=NOW)
    return out


def _description(result) -> Graph:
    """The description the dumps carry (graph/void), made here by describe() from rdflib graphs."""
    graphs = {name: result.dataset.graph(name) for name in PUBLISHED_GRAPHS}
    sources = {"cards": len(result.outcomes), "eura2014": len(result.records)}
    names = [f"hankekg.{fmt}{gz}" for fmt in ("ttl", "nt", "jsonld", "trig") for gz in ("", ".gz")]
    return describe(graphs, Settings(), names, sources=sources, data_graph=DATA_GRAPH)


def _expected_ntriples(result) -> bytes:
    """The N-Triples dump by another route: rdflib's parse of the build, re-read by pyoxigraph,
    every triple written alone by pyoxigraph's canonical N-Triples writer, lines sorted, once each."""
    lines = set()
    graphs = [result.dataset.graph(name) for name in PUBLISHED_GRAPHS] + [_description(result)]
    for graph in graphs:
        data = graph.serialize(format="nt", encoding="utf-8")
        for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
            lines.add(ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES))
    return b"".join(sorted(lines))


def test_the_streamed_n_triples_dump_equals_an_independent_canonical_serialisation(result, dist):
    expected = _expected_ntriples(result)
    assert expected.count(b"\n") > 4000
    assert (dist / "hankekg.nt").read_bytes() == expected


def test_the_streamed_turtle_dump_equals_pyoxigraphs_turtle_of_the_sorted_triples(result, dist):
    expected_nt = _expected_ntriples(result)
    prefixes = {p: ns for p, ns in sorted(dump_prefixes(VOID_PREFIXES).items()) if f"<{ns}".encode() in expected_nt}
    expected = ox.serialize(ox.parse(expected_nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                            prefixes=prefixes)
    turtle = (dist / "hankekg.ttl").read_bytes()
    assert turtle == expected
    union = Graph()
    for name in PUBLISHED_GRAPHS:
        union += result.dataset.graph(name)
    union += _description(result)
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), union)


def test_the_streamed_trig_and_json_ld_hold_the_build_graph_by_graph(result, dist):
    ds = Dataset()
    ds.parse(dist / "hankekg.trig", format="trig")
    for name in PUBLISHED_GRAPHS:
        assert isomorphic(ds.graph(name), result.dataset.graph(name)), name
    assert isomorphic(ds.graph(VOID_GRAPH), _description(result))
    nt = {ox.Triple(q.subject, q.predicate, q.object)
          for q in ox.parse((dist / "hankekg.nt").read_bytes(), format=ox.RdfFormat.N_TRIPLES)}
    jsonld = {ox.Triple(q.subject, q.predicate, q.object)
              for q in ox.parse((dist / "hankekg.jsonld").read_bytes(), format=ox.RdfFormat.JSON_LD)}
    assert jsonld == nt


def test_sizes_and_checksums_are_those_of_the_bytes_on_disk(result, dist, tmp_path):
    manifest = json.loads((dist / MANIFEST).read_bytes())
    sums = {}
    for line in (dist / SHA256SUMS).read_text(encoding="ascii").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    on_disk = {}
    for name in manifest["files"]:
        data = (dist / name).read_bytes()
        on_disk[name] = (len(data), hashlib.sha256(data).hexdigest())
    assert {n: (e["bytes"], e["sha256"]) for n, e in manifest["files"].items()} == on_disk
    assert sums == {n: digest for n, (_, digest) in on_disk.items()}
    assert len(on_disk) == 13  # 8 dumps, context.jsonld, void.ttl, ontology/ (3)

    void = Graph().parse(dist / "void.ttl", format="turtle")
    described = {}
    for dist_node in void.objects(URIRef(DATASET), URIRef(DCAT + "distribution")):
        name = str(void.value(dist_node, URIRef(DCAT + "downloadURL"))).rsplit("/", 1)[-1]
        checksum = void.value(dist_node, URIRef(SPDX + "checksum"))
        described[name] = (int(void.value(dist_node, URIRef(DCAT + "byteSize"))),
                           str(void.value(checksum, URIRef(SPDX + "checksumValue"))))
    assert described == {n: on_disk[n] for n in described} and len(described) == 8

    again = publish(result, tmp_path, now=NOW)
    assert {f.path: (f.size, f.sha256) for f in again.files} == on_disk
    for name in described:
        if name.endswith(".gz"):
            assert gzip.decompress((tmp_path / name).read_bytes()) == (tmp_path / name[:-3]).read_bytes()


class _LinesOnly:
    """A build's graphs offering nothing but their lines, as a file-backed sink would."""

    def __init__(self, graphs):
        self._graphs = graphs
        self.calls = 0

    def lines(self, name):
        self.calls += 1
        return self._graphs.lines(name)

    def union_lines(self):
        self.calls += 1
        return self._graphs.union_lines()

    def __getattr__(self, name):
        raise AssertionError(f"publish asked the graphs for {name!r}: only lines() and union_lines() may be used")


def test_publish_reads_the_graphs_only_as_lines_and_gives_the_same_bytes(result, dist, tmp_path):
    graphs = _LinesOnly(result.graphs)
    lean = SimpleNamespace(graphs=graphs, outcomes=result.outcomes, records=result.records)
    publish(lean, tmp_path, now=NOW)
    assert graphs.calls > 0
    names = json.loads((dist / MANIFEST).read_bytes())["files"]
    for name in [*names, MANIFEST, SHA256SUMS]:
        assert (tmp_path / name).read_bytes() == (dist / name).read_bytes(), name


def test_a_publish_failing_after_the_dumps_leaves_the_previous_files_and_no_temporary_file(result, tmp_path,
                                                                                           monkeypatch):
    out = tmp_path / "dist"
    publish(result, out, now=NOW, endpoint="http://localhost:7878/query")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(graph):
        assert list(out.rglob(".hankekg.nt.publish-*.tmp")), "the dumps are written before the ontology docs"
        raise OSError("disk full")

    monkeypatch.setattr(run, "ontology_files", broken)
    with pytest.raises(OSError, match="disk full"):
        publish(result, out, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# --- the streaming pieces ---------------------------------------------------------------

def test_gzip_in_blocks_gives_the_bytes_of_gzip_in_one_piece():
    rng = random.Random(3)
    words = [bytes(rng.choice(b"abcdefghij \n\"<>") for _ in range(rng.randint(1, 12))) for _ in range(500)]
    data = b" ".join(rng.choice(words) for _ in range(GZIP_BLOCK // 3))
    assert len(data) > 2 * GZIP_BLOCK
    out = io.BytesIO()
    gzip_stream(io.BytesIO(data), out)
    assert out.getvalue() == gzip_bytes(data)


def test_statistics_of_lines_equal_statistics_of_the_bytes_and_refuse_unsorted_lines(result):
    union = b"".join(result.graphs.union_lines())
    assert statistics_of_lines(iter(io.BytesIO(union))) == statistics(union)
    assert statistics_of_lines(union.splitlines()) == statistics(union)  # without newlines
    lines = union.splitlines(keepends=True)
    lines[10], lines[20] = lines[20], lines[10]
    with pytest.raises(HankekgError, match="sorted"):
        statistics_of_lines(lines)


def test_json_ld_nodes_refuse_a_subject_met_again():
    nt = (b'<http://example.org/a> <http://example.org/p> "1" .\n'
          b'<http://example.org/b> <http://example.org/p> "2" .\n'
          b'<http://example.org/a> <http://example.org/q> "3" .\n')
    with pytest.raises(HankekgError, match="unsorted"):
        list(jsonld_nodes(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), Prefixes(dump_prefixes())))


def test_the_dataset_iri_is_the_one_described(result):
    assert str(Minter().dataset()) == DATASET
