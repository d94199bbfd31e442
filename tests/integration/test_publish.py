"""Publishing the repository's data: three parsers agree on every dump, dumps are
byte-identical across publishes and processes, a killed publish leaves the old dumps whole,
and void.ttl's statistics match SPARQL counts over the dump.

Needs Debian's raptor2-utils (``rapper``) and the Python packages pyoxigraph and PyLD.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID
from tests.support import REPO

from hankekg.namespaces import HK_IRI
from hankekg.pipeline import build
from hankekg.publish.run import MANIFEST, PAUSE_ENV, PUBLISHED_GRAPHS, publish
from hankekg.publish.void import VOID_GRAPH
from hankekg.rdf.mapping import ONTOLOGY_GRAPH

DATA = REPO / "data"
DATASET = URIRef("https://w3id.org/hankekg/id/dataset")
FORMATS = {"ttl": "turtle", "nt": "ntriples", "jsonld": "json-ld", "trig": "trig"}
DUMPS = [f"hankekg.{fmt}{gz}" for fmt in FORMATS for gz in ("", ".gz")]
REGENERATE = "the dumps must not depend on the publish; nothing to regenerate, find what leaks in"
NOW = datetime(2025, 1, 1, tzinfo=UTC)

PUBLISH_SCRIPT = """
import sys
from pathlib import Path
from hankekg.pipeline import build
from hankekg.publish.run import publish
publish(build(Path(sys.argv[1])), Path(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def result():
    return build(DATA)


@pytest.fixture(scope="module")
def dist(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    publish(result, out, now=NOW)
    return out


def _bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _format(name: str) -> str:
    return name.removesuffix(".gz").rsplit(".", 1)[-1]


def _nt_lines(dist: Path) -> int:
    return (dist / "hankekg.nt").read_bytes().count(b"\n")


# --- three parsers --------------------------------------------------------------------

def _rdflib_count(path: Path, data: bytes) -> int:
    fmt = _format(path.name)
    if fmt == "trig":
        ds = Dataset()
        ds.parse(data=data, format="trig")
        return sum(len(g) for g in ds.graphs())
    return len(Graph().parse(data=data, format=FORMATS[fmt]))


OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
              "trig": ox.RdfFormat.TRIG}


def _oxigraph_count(path: Path, data: bytes) -> int:
    return sum(1 for _ in ox.parse(data, format=OX_FORMATS[_format(path.name)]))


def _third_count(path: Path, data: bytes, tmp_path: Path) -> int:
    """raptor's rapper for Turtle, N-Triples and TriG; PyLD (a JSON-LD processor) for JSON-LD."""
    fmt = _format(path.name)
    if fmt == "jsonld":
        quads = jsonld.to_rdf(json.loads(data), {"format": "application/n-quads"})
        return len(quads.splitlines())
    rapper = shutil.which("rapper")
    assert rapper, "rapper not found: install the Debian package raptor2-utils (Makefile DEBS)"
    plain = tmp_path / path.name.removesuffix(".gz")
    plain.write_bytes(data)
    syntax = {"ttl": "turtle", "nt": "ntriples", "trig": "trig"}[fmt]
    run = subprocess.run([rapper, "-i", syntax, "-c", str(plain)], check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return int(run.stderr.split("returned")[1].split()[0])


@pytest.mark.parametrize("name", DUMPS)
def test_every_dump_parses_in_three_parsers_with_the_same_triple_count(dist, name, tmp_path):
    path = dist / name
    data = _bytes(path)
    counts = {
        "rdflib": _rdflib_count(path, data),
        "oxigraph": _oxigraph_count(path, data),
        "rapper/pyld": _third_count(path, data, tmp_path),
    }
    expected = _nt_lines(dist)
    assert set(counts.values()) == {expected}, f"{name}: {counts}, N-Triples lines {expected}"


def _triples(data: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    """What Oxigraph reads, as triples (graph names dropped)."""
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)}


@pytest.mark.parametrize("name", ["hankekg.ttl", "hankekg.jsonld", "hankekg.trig"])
def test_every_dump_holds_the_same_triples_as_the_n_triples_dump(dist, name):
    reference = _triples((dist / "hankekg.nt").read_bytes(), ox.RdfFormat.N_TRIPLES)
    assert _triples((dist / name).read_bytes(), OX_FORMATS[_format(name)]) == reference


def test_pyld_reads_the_json_ld_dump_as_the_n_triples_dump(dist):
    """PyLD's own RDF (not just its count) equals the N-Triples dump: the inline context works."""
    quads = jsonld.to_rdf(json.loads((dist / "hankekg.jsonld").read_bytes()), {"format": "application/n-quads"})
    reference = _triples((dist / "hankekg.nt").read_bytes(), ox.RdfFormat.N_TRIPLES)
    assert _triples(quads.encode("utf-8"), ox.RdfFormat.N_QUADS) == reference


def test_the_dumps_hold_the_build_and_its_description(result, dist):
    ds = Dataset()
    ds.parse(dist / "hankekg.trig", format="trig")
    for name in PUBLISHED_GRAPHS:
        assert isomorphic(ds.graph(name), result.dataset.graph(name)), f"graph {name} differs from the build"
    description = ds.graph(VOID_GRAPH)
    assert (DATASET, RDF.type, VOID.Dataset) in description
    assert not list(description.objects(DATASET, URIRef("http://purl.org/dc/terms/modified")))


def test_the_published_context_is_the_one_the_json_ld_dump_embeds(dist):
    context = json.loads((dist / "context.jsonld").read_bytes())
    dump = json.loads((dist / "hankekg.jsonld").read_bytes())
    assert dump["@context"] == context["@context"]
    ids = [node["@id"] for node in dump["@graph"]]
    assert len(ids) == len(set(ids))


def test_gz_files_are_the_plain_dumps_gzipped(dist):
    for name in DUMPS:
        if name.endswith(".gz"):
            assert gzip.decompress((dist / name).read_bytes()) == (dist / name[:-3]).read_bytes()


def test_manifest_and_sha256sums_match_every_file(dist):
    manifest = json.loads((dist / MANIFEST).read_bytes())
    assert set(manifest["files"]) >= {*DUMPS, "context.jsonld", "void.ttl", "ontology/index.html",
                                      "ontology/hankekg.ttl", "ontology/hankekg.jsonld"}
    for name, entry in manifest["files"].items():
        data = (dist / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                         "media_type": entry["media_type"]}, name
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], check=False, cwd=dist, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


# --- byte-identical -------------------------------------------------------------------

def _deterministic(dist: Path) -> dict[str, bytes]:
    """Every published file that must not change between publishes of the same data."""
    manifest = json.loads((dist / MANIFEST).read_bytes())
    return {n: (dist / n).read_bytes() for n in manifest["files"] if n != "void.ttl"}


def test_publishing_twice_gives_identical_bytes(result, dist, tmp_path):
    publish(result, tmp_path, now=datetime(2030, 6, 1, tzinfo=UTC))
    first, second = _deterministic(dist), _deterministic(tmp_path)
    differ = sorted(n for n in first if first[n] != second.get(n))
    assert not differ, f"differ between two publishes of one build: {differ}; {REGENERATE}"
    assert (dist / "void.ttl").read_bytes() != (tmp_path / "void.ttl").read_bytes()  # the build time


@pytest.mark.slow
def test_builds_in_separate_processes_with_different_hash_seeds_give_identical_bytes(dist, tmp_path):
    runs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        runs.append((out, subprocess.Popen([sys.executable, "-c", PUBLISH_SCRIPT, str(DATA), str(out)],
                                           cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)))
    for out, proc in runs:
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr
    reference = _deterministic(dist)
    for out, _ in runs:
        got = _deterministic(out)
        differ = sorted(n for n in reference if reference[n] != got.get(n))
        assert not differ, f"{out.name}: {differ} differ from the in-process publish"


# --- atomic publish -------------------------------------------------------------------

def _temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.tmp"))


@pytest.mark.slow
def test_a_killed_publish_leaves_the_previous_dumps_whole(result, tmp_path):
    out = tmp_path / "dist"
    # The previous publish names an endpoint, so its dumps differ from the killed run's.
    publish(result, out, now=NOW, endpoint="http://localhost:7878/query")
    old_manifest = json.loads((out / MANIFEST).read_bytes())
    env = {**os.environ, PAUSE_ENV: "0.5"}
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH_SCRIPT, str(DATA), str(out)],
                            cwd=REPO, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while len(_temps(out)) < 3:
            assert proc.poll() is None, "the publish ended before it could be killed"
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    left = _temps(out)
    assert left and all(p.name.startswith(".") for p in left), left
    for name, entry in old_manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], f"{name} changed"
    for name in DUMPS:
        data = _bytes(out / name)
        assert _oxigraph_count(out / name, data) == _rdflib_count(out / name, data) > 4000, name
    assert not [p for p in out.iterdir() if p.name.startswith("hankekg") and p.name not in old_manifest["files"]]

    again = publish(result, out, now=NOW)
    assert not _temps(out), "the next publish must remove what the killed one left"
    manifest = json.loads((out / MANIFEST).read_bytes())
    assert manifest["files"]["hankekg.ttl"]["sha256"] != old_manifest["files"]["hankekg.ttl"]["sha256"]
    for f in again.files:
        assert hashlib.sha256((out / f.path).read_bytes()).hexdigest() == f.sha256


# --- void.ttl against SPARQL over the dump --------------------------------------------

def _one(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))[0].value)


def test_void_statistics_equal_sparql_counts_over_the_turtle_dump(dist):
    """Counted over hankekg.ttl without the dataset's description of itself (the subjects of
    graph/void: the dataset IRI, IRIs below it, the publisher), which the statistics exclude."""
    void = Graph().parse(dist / "void.ttl", format="turtle")
    store = ox.Store()
    store.load(path=dist / "hankekg.ttl", format=ox.RdfFormat.TURTLE)
    trig = ox.Store()
    trig.load(path=dist / "hankekg.trig", format=ox.RdfFormat.TRIG)
    described = {q.subject for q in trig.quads_for_pattern(None, None, None, ox.NamedNode(str(VOID_GRAPH)))}
    assert described, "no description graph in the TriG dump"
    values = " ".join(str(s) for s in described)
    scope = f"{{ ?s ?p ?o . FILTER NOT EXISTS {{ VALUES ?d {{ {values} }} FILTER(?s = ?d) }} }}"

    def stat(prop) -> int:
        return int(void.value(DATASET, prop))

    assert stat(VOID.triples) == _one(store, f"SELECT (COUNT(*) AS ?n) WHERE {scope}")
    assert stat(VOID.distinctSubjects) == _one(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {scope}")
    assert stat(VOID.distinctObjects) == _one(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {scope}")
    assert stat(VOID.properties) == _one(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {scope}")
    typed = scope.replace("?s ?p ?o", "?s a ?o")
    assert stat(VOID.entities) == _one(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {typed}")
    assert stat(VOID.classes) == _one(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {typed}")

    per_class = {str(r["c"].value): int(r["n"].value) for r in store.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {typed.replace('?o', '?c')} }} GROUP BY ?c")}
    described_classes = {str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
                         for p in void.objects(DATASET, VOID.classPartition)}
    assert described_classes == per_class
    per_property = {str(r["p"].value): int(r["n"].value) for r in store.query(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {scope} GROUP BY ?p")}
    described_properties = {str(void.value(p, VOID.property)): int(void.value(p, VOID.triples))
                            for p in void.objects(DATASET, VOID.propertyPartition)}
    assert described_properties == per_property


def test_void_ttl_names_every_dump_with_its_size_and_the_link_sets(dist):
    void = Graph().parse(dist / "void.ttl", format="turtle")
    dcat = "http://www.w3.org/ns/dcat#"
    sizes = {str(void.value(d, URIRef(dcat + "downloadURL"))).rsplit("/", 1)[-1]: int(void.value(d, URIRef(dcat + "byteSize")))
             for d in void.objects(DATASET, URIRef(dcat + "distribution"))}
    assert sizes == {n: (dist / n).stat().st_size for n in DUMPS}
    assert {str(u).rsplit("/", 1)[-1] for u in void.objects(DATASET, VOID.dataDump)} == set(DUMPS)
    assert set(void.objects(DATASET, VOID.subset)) == set(void.subjects(RDF.type, VOID.Linkset))
    assert URIRef("https://w3id.org/hankekg/id/project/S21684") in set(void.objects(DATASET, VOID.exampleResource))


# --- ontology documentation -----------------------------------------------------------

class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])


def test_ontology_documentation_lists_every_term_and_its_links_resolve(result, dist):
    page = (dist / "ontology" / "index.html").read_text(encoding="utf-8")
    links = _Links()
    links.feed(page)
    ontology = result.dataset.graph(ONTOLOGY_GRAPH)
    own = {str(s) for s in ontology.subjects() if str(s).startswith(HK_IRI) and len(str(s)) > len(HK_IRI)}
    missing = sorted(t for t in own if t[len(HK_IRI):] not in links.ids)
    assert not missing, f"terms without a section: {missing}"
    broken = sorted(h for h in links.hrefs if h.startswith("#") and h[1:] not in links.ids)
    assert not broken, f"internal links to nowhere: {broken}"
    for name in ("hankekg.ttl", "hankekg.jsonld"):
        assert f'href="{name}"' in page
    assert "tekstintunnistuksesta" in page and "project card" in page  # fi and en definitions
    published = Graph().parse(dist / "ontology" / "hankekg.ttl", format="turtle")
    assert isomorphic(published, ontology)
    assert isomorphic(Graph().parse(dist / "ontology" / "hankekg.jsonld", format="json-ld"), ontology)
