"""One benchmark job in its own process: prints one JSON line per stage measured.

    python bench/stages.py JOB --data DIR --work DIR [--repeat R]

Jobs (each run by bench/run.py in a fresh interpreter, so that ``ru_maxrss`` is the peak
of that job alone):

* ``current``: the build as hankekg does it now (pipeline.py's stages, called one by
  one): read+parse+repair, resolve/merge, map, union, validate (pyshacl), dumps
  (Turtle as ``hankekg build`` writes it, sorted N-Triples); writes WORK/hankekg.ttl
  and WORK/hankekg.nt.
* ``naive``: one rdflib Graph (the projects mapped into a plain dataset and flattened
  is what the current build does; the naive build maps and validates the same way but
  with pyshacl's ``ont_graph`` route and rdflib's serialisers, and answers the
  catalogue with rdflib SPARQL). Read and merge are the same code as ``current``.
* ``store``: load WORK/hankekg.nt into an embedded pyoxigraph Store, then every
  catalogue query (queries/*.rq, parameters left out) REPEAT times: p50/p95.
* ``rdflib-queries``: the same queries on rdflib's in-memory Graph.
* ``server``: start ``oxigraph serve`` on an empty store and push WORK/hankekg.nt
  (hankekg.query.push: PUT to a temporary graph, MOVE).
* ``floor``: ``oxigraph load`` of WORK/hankekg.nt into an empty store.
* ``fast``: the experimental fast paths (validate/fast.py, publish/fast_dumps.py, the
  process pool of cards) against the same inputs.

Each stage line: ``{"job", "stage", "seconds", "maxrss_mb", ...}``; ``maxrss_mb`` is the
peak resident memory of the job's process up to the end of that stage (it only grows,
so the last line of a job is the job's peak). Children (oxigraph) are measured with
``RUSAGE_CHILDREN``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


class Recorder:
    def __init__(self, job: str):
        self.job = job

    def emit(self, stage: str, seconds: float, **extra) -> None:
        line = {"job": self.job, "stage": stage, "seconds": round(seconds, 4), "maxrss_mb": _rss_mb()}
        line.update(extra)
        print(json.dumps(line, ensure_ascii=False), flush=True)

    def time(self, stage: str, fn, **extra):
        t = time.perf_counter()
        value = fn()
        self.emit(stage, time.perf_counter() - t, **extra)
        return value


def _read_and_merge(rec: Recorder, data: Path, work: Path):
    from hankekg import paths, pipeline
    from hankekg.cards.repair import Repairer
    from hankekg.resolve.curation import load_curation
    from hankekg.resolve.resolver import Resolver

    reference = paths.reference_dir(data)
    t = time.perf_counter()
    curation = load_curation(data / "curation")
    resolver = Resolver(reference, curation)
    repairer = Repairer(reference)
    outcomes = pipeline.read_cards(pipeline.card_files(data), repairer, None, data, curation)
    records = pipeline.read_records(pipeline.registry_files(data), None, data)
    cards = [o.card for o in outcomes if o.card is not None]
    good = [o.record for o in records if o.record is not None]
    rec.emit("read+parse+repair", time.perf_counter() - t, cards=len(cards), records=len(good),
             failures=sum(1 for o in (*outcomes, *records) if o.error))
    problems: list = []
    projects = rec.time("resolve/merge", lambda: pipeline.merge_projects(cards, good, resolver, problems))
    return reference, resolver, cards, good, projects


def job_current(rec: Recorder, data: Path, work: Path, args) -> None:
    from hankekg import pipeline
    from hankekg.publish.dumps import turtle_bytes, union
    from hankekg.resolve.kohesio import load_matches
    from hankekg.validate.run import validate

    reference, resolver, cards, records, projects = _read_and_merge(rec, data, work)
    with open(work / "read.pkl", "wb") as f:  # for the fast job: the same cards, not re-read
        pickle.dump((cards, records), f, protocol=pickle.HIGHEST_PROTOCOL)
    dataset, *_ = rec.time("map", lambda: pipeline.build_graph(
        projects, resolver, kohesio=load_matches(reference / "kohesio.csv")))
    graph = rec.time("union", lambda: union(dataset), )
    outcome = rec.time("validate (pyshacl)", lambda: validate(graph, ontology_included=True))
    rec.emit("validate-result", 0.0, results=len(outcome.rows), violations=len(outcome.violations),
             conforms=outcome.conforms, triples=len(graph))
    from hankekg.publish import dumps

    if hasattr(dumps, "sorted_turtle_bytes"):  # the build's own deterministic dumps (publish stage)
        data_ttl = rec.time("dump Turtle (publish.dumps.sorted_turtle_bytes)", lambda: dumps.sorted_turtle_bytes(graph))
        data_nt = rec.time("dump N-Triples (publish.dumps.ntriples_bytes)", lambda: dumps.ntriples_bytes(graph))
    else:
        data_ttl = rec.time("dump Turtle (rdflib)", lambda: turtle_bytes(graph))

        def nt() -> bytes:
            text = graph.serialize(format="nt", encoding="utf-8")
            return b"".join(sorted({line for line in text.splitlines(keepends=True) if line.strip()}))

        data_nt = rec.time("dump N-Triples (rdflib, sorted)", nt)
    (work / "hankekg.ttl").write_bytes(data_ttl)
    (work / "hankekg.nt").write_bytes(data_nt)
    rec.emit("sizes", 0.0, ttl_bytes=len(data_ttl), nt_bytes=len(data_nt), triples=len(graph))


def job_naive(rec: Recorder, data: Path, work: Path, args) -> None:
    """The naive pipeline: one rdflib Graph, pyshacl over it with ont_graph, rdflib serialisers."""
    import pyshacl
    from rdflib import Graph

    from hankekg import pipeline
    from hankekg.resolve.kohesio import load_matches
    from hankekg.validate.shapes import load_ontology, load_shapes

    reference, resolver, cards, records, projects = _read_and_merge(rec, data, work)

    def map_one_graph():
        dataset, *_ = pipeline.build_graph(projects, resolver, kohesio=load_matches(reference / "kohesio.csv"))
        g = Graph()
        for s, p, o, _c in dataset.quads((None, None, None, None)):
            g.add((s, p, o))
        return g

    graph = rec.time("map (one rdflib Graph)", map_one_graph)
    conforms, report, _ = rec.time("validate (pyshacl, ont_graph)", lambda: pyshacl.validate(
        graph, shacl_graph=load_shapes(), ont_graph=load_ontology(), inference="none",
        allow_warnings=True, allow_infos=True, advanced=True))
    rec.time("dump Turtle (rdflib)", lambda: graph.serialize(format="turtle", encoding="utf-8"))
    rec.time("dump N-Triples (rdflib)", lambda: graph.serialize(format="nt", encoding="utf-8"))
    _queries(rec, "rdflib", lambda q: list(graph.query(q)), args.repeat_slow)


def _catalogue() -> list[tuple[str, str]]:
    folder = ROOT / "queries"
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


def _queries(rec: Recorder, engine: str, run, repeat: int) -> None:
    for name, text in _catalogue():
        times, rows, error = [], None, None
        for _ in range(repeat):
            t = time.perf_counter()
            try:
                rows = len(run(text))
            except Exception as err:  # a query another engineer is still writing: record and go on
                error = f"{type(err).__name__}: {err}"[:200]
                break
            times.append(time.perf_counter() - t)
        extra = {"engine": engine, "rows": rows, "runs": len(times)}
        if times:
            ordered = sorted(times)
            extra["p50"] = round(statistics.median(ordered), 5)
            extra["p95"] = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 5)
        if error:
            extra["error"] = error
        rec.emit(f"query {name}", sum(times), **extra)


def job_store(rec: Recorder, data: Path, work: Path, args) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    rec.time("load embedded store (pyoxigraph, in memory)",
             lambda: store.bulk_load(path=str(work / "hankekg.nt"), format=ox.RdfFormat.N_TRIPLES))
    rec.emit("store-size", 0.0, quads=len(store))
    _queries(rec, "oxigraph", lambda q: list(store.query(q)), args.repeat)


def job_rdflib_queries(rec: Recorder, data: Path, work: Path, args) -> None:
    from rdflib import Graph

    graph = Graph()
    rec.time("load rdflib Graph (N-Triples)", lambda: graph.parse(work / "hankekg.nt", format="nt"))
    _queries(rec, "rdflib", lambda q: list(graph.query(q)), args.repeat_slow)


def _oxigraph() -> str:
    from hankekg.link.oxigraph import find_executable

    return find_executable()


def job_floor(rec: Recorder, data: Path, work: Path, args) -> None:
    with tempfile.TemporaryDirectory(dir=work) as store:
        cmd = [_oxigraph(), "load", "--location", store, "--file", str(work / "hankekg.nt")]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        seconds = time.perf_counter() - t
    rec.emit("oxigraph load (floor)", seconds, child_maxrss_mb=_rss_mb(resource.RUSAGE_CHILDREN))


def job_server(rec: Recorder, data: Path, work: Path, args) -> None:
    from hankekg.link.oxigraph import OxigraphServer
    from hankekg.query.push import push, server_urls

    with tempfile.TemporaryDirectory(dir=work) as store:
        server = OxigraphServer(Path(store), read_only=False)
        server.start()
        try:
            urls = server_urls("oxigraph", server.base_url)
            result = rec.time("push to Oxigraph server (GSP PUT + MOVE)", lambda: push(
                work / "hankekg.nt", urls, "https://w3id.org/hankekg/graph/bench", timeout=3600))
            rec.emit("server-size", 0.0, triples=result.triples)
        finally:
            server.stop()


def job_fast(rec: Recorder, data: Path, work: Path, args) -> None:
    """The experimental fast paths, each against the same input as the current stage."""
    from hankekg import pipeline
    from hankekg.cards.repair import Repairer
    from hankekg.paths import reference_dir
    from hankekg.publish import fast_dumps
    from hankekg.resolve.curation import load_curation

    reference = reference_dir(data)
    files = pipeline.card_files(data)
    for workers in args.workers:
        from hankekg.cards import pool

        outcomes = rec.time(f"read+parse+repair (pool, {workers} workers)",
                            lambda: pool.read_cards(files, reference, data, load_curation(data / "curation"),
                                                    workers=workers))
    with open(work / "read.pkl", "rb") as f:
        cards, _records = pickle.load(f)
    same = [o.card for o in outcomes if o.card] == cards
    rec.emit("pool-identity", 0.0, identical_to_current=same)
    del outcomes

    import pyoxigraph as ox

    store = ox.Store()
    rec.time("load N-Triples (pyoxigraph, for dumps)",
             lambda: store.bulk_load(path=str(work / "hankekg.nt"), format=ox.RdfFormat.N_TRIPLES))
    nt = (work / "hankekg.nt").read_bytes()
    ttl = rec.time("dump Turtle (fast_dumps: pyoxigraph from the sorted N-Triples)",
                   lambda: fast_dumps.turtle_bytes(None, nt=nt))
    rec.emit("turtle-determinism", 0.0, identical_on_rerun=ttl == fast_dumps.turtle_bytes(None, nt=nt))
    rec.time("pyoxigraph serialise Turtle alone", lambda: store.dump(format=ox.RdfFormat.TURTLE,
                                                                      from_graph=ox.DefaultGraph()))
    del store

    from hankekg.validate import fast as fast_validate
    from rdflib import Graph

    graph = Graph()
    graph.parse(work / "hankekg.nt", format="nt")
    for workers in args.workers:
        outcome = rec.time(f"validate (fast, per project, {workers} workers)",
                           lambda: fast_validate.validate(graph, workers=workers))
        rec.emit("fast-validate-result", 0.0, results=len(outcome.rows), conforms=outcome.conforms)


JOBS = {
    "current": job_current,
    "naive": job_naive,
    "store": job_store,
    "rdflib-queries": job_rdflib_queries,
    "floor": job_floor,
    "server": job_server,
    "fast": job_fast,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one benchmark job; JSON lines on stdout.")
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--repeat-slow", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    JOBS[args.job](Recorder(args.job), args.data, args.work, args)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
