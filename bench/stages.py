"""One benchmark job in its own process: prints one JSON line per stage measured.

    python bench/stages.py JOB --data DIR --work DIR [--repeat R] [--workers W ...]

Jobs (each run by bench/run.py in a fresh interpreter, so that ``ru_maxrss`` is the peak
of that job alone):

* ``command``: the whole ``hankekg build DATA --out WORK/dist --no-site --no-cache`` as a
  user runs it (read, merge, map, validate, dumps, report), timed from outside, with the
  peak memory of that process; then the same command with 1 worker and the dumps of the
  two compared byte for byte (output identical whatever the number of workers).
* ``build``: the same build in this process, stage by stage (``BuildResult.timings``),
  then each dump writer alone next to pyoxigraph serialising the same graph from a Store;
  writes WORK/hankekg.nt for the jobs below.
* ``naive``: one rdflib Dataset → one rdflib Graph, pyshacl over it with ``ont_graph``,
  rdflib's serialisers, and the catalogue on rdflib SPARQL. Read and merge are the same
  code (in one process).
* ``store``: load WORK/hankekg.nt into an embedded pyoxigraph Store, then every
  catalogue query (queries/*.rq, parameters left out) REPEAT times: p50/p95.
* ``server``: start ``oxigraph serve`` on an empty store and push WORK/hankekg.nt
  (hankekg.query.push: PUT to a temporary graph, MOVE).
* ``floor``: ``oxigraph load`` of WORK/hankekg.nt into an empty store.
* ``incremental``: a copy of the corpus built with the card cache, one card changed,
  rebuilt (timed), and the dumps compared with a clean build of the changed corpus.

Each stage line: ``{"job", "stage", "seconds", "maxrss_mb", ...}``; ``maxrss_mb`` is the
peak resident memory of the job's process up to the end of that stage (it only grows,
so the last line of a job is the job's peak). Children (``hankekg``, ``oxigraph``) are
measured with ``RUSAGE_CHILDREN``.
"""

from __future__ import annotations

import argparse
import json
import os
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


EXIT_CODES: list[int] = []
"""The exit code of each ``hankekg`` run, in order (0 conforms, 1 violations, 2 some input
failed: all three are finished builds; the rows say which)."""


def _hankekg(*args: str) -> float:
    cmd = [sys.executable, "-m", "hankekg", *args]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 1, 2):  # 1: violations, 2: some input failed; both still build
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    EXIT_CODES.append(proc.returncode)
    return seconds


def _same_dumps(a: Path, b: Path) -> bool:
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in ("hankekg.nt", "hankekg.ttl", "hankekg.trig"))


def job_command(rec: Recorder, data: Path, work: Path, args) -> None:
    workers = max(args.workers)
    seconds = _hankekg("build", str(data), "--out", str(work / "dist"), "--no-site", "--no-cache",
                       "--workers", str(workers))
    rec.emit(f"hankekg build --no-site --no-cache --workers {workers} (whole command)", seconds,
             child_maxrss_mb=_rss_mb(resource.RUSAGE_CHILDREN), exit_code=EXIT_CODES[-1])
    timings = json.loads((work / "dist" / "report" / "timings.json").read_text(encoding="utf-8"))
    for stage, stage_seconds in timings["seconds"].items():
        rec.emit(f"  {stage}", stage_seconds, stage_peak_mb=timings["peak_mb"].get(stage),
                 note="from report/timings.json of the command; stage_peak_mb: its main process by the stage's end")
    if args.identity and workers > 1:
        seconds = _hankekg("build", str(data), "--out", str(work / "dist-1"), "--no-site", "--no-cache",
                           "--workers", "1")
        rec.emit("hankekg build --no-site --no-cache --workers 1 (whole command)", seconds,
                 child_maxrss_mb=_rss_mb(resource.RUSAGE_CHILDREN))
        rec.emit("parallel-identity", 0.0, identical=_same_dumps(work / "dist", work / "dist-1"))


def job_build(rec: Recorder, data: Path, work: Path, args) -> None:
    import pyoxigraph as ox

    from hankekg import pipeline
    from hankekg.publish.dumps import dump_prefixes, stream_ntriples, stream_turtle
    from hankekg.publish.run import publish

    t = time.perf_counter()
    result = pipeline.build(data, workers=max(args.workers))
    rec.emit("build (pipeline.build)", time.perf_counter() - t)
    for stage, seconds in result.timings.items():
        rec.emit(f"  {stage}", seconds, stage_peak_mb=round(result.peaks_mb.get(stage, 0.0), 1),
                 note="stage_peak_mb: this process's peak by the stage's end; maxrss_mb: the whole build's")
    v = result.validation
    rec.emit("validate-result", 0.0, results=len(v.rows), violations=len(v.violations), conforms=v.conforms,
             triples=result.graphs.union_size, projects=len(result.projects), graphs_on_disk=result.graphs.on_disk)
    rec.time("publish (dumps ttl/nt/jsonld/trig + gz, void, manifest)", lambda: publish(result, work / "dist"))
    nt, ttl = work / "hankekg.nt", work / "hankekg.ttl"
    used: dict[str, str] = {}

    def ntriples() -> None:
        with open(nt, "wb") as out:
            used.update(stream_ntriples(result.graphs.union_lines(), out, dump_prefixes()))

    rec.time("dump N-Triples (merge of the sorted graphs, to a file)", ntriples)

    def turtle() -> None:
        with open(ttl, "wb") as out:
            stream_turtle(nt, out, used)

    rec.time("dump Turtle (pyoxigraph from the sorted N-Triples, to a file)", turtle)
    store = rec.time("load embedded store (Graphs.store)", result.graphs.store)
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        rec.time("pyoxigraph alone: Store.dump Turtle (to a file)", lambda: store.dump(
            Path(scratch) / "alone.ttl", format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph()))
        rec.time("pyoxigraph alone: Store.dump N-Triples (to a file)", lambda: store.dump(
            Path(scratch) / "alone.nt", format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
    rec.emit("sizes", 0.0, ttl_bytes=ttl.stat().st_size, nt_bytes=nt.stat().st_size,
             triples=result.graphs.union_size)


def job_naive(rec: Recorder, data: Path, work: Path, args) -> None:
    """The naive pipeline: one rdflib Graph, pyshacl over it with ont_graph, rdflib serialisers."""
    import pyshacl
    from rdflib import Graph

    from hankekg import paths
    from hankekg.iris import Minter
    from hankekg.pipeline import PUBLISHED_ONTOLOGY
    from hankekg.rdf.mapping import ONTOLOGY_GRAPH, ProjectMapper, new_dataset
    from hankekg.resolve.kohesio import load_matches
    from hankekg.resolve.organisations import OrganisationIndex
    from hankekg.validate.shapes import load_ontology, load_shapes

    reference, resolver, _cards, _records, projects = _read_and_merge(rec, data, work)

    def map_one_graph():
        dataset = new_dataset()
        for name in PUBLISHED_ONTOLOGY:
            dataset.graph(ONTOLOGY_GRAPH).parse(paths.ontology_dir() / name, format="turtle")
        index = OrganisationIndex(resolver)
        index.learn(projects)
        mapper = ProjectMapper(dataset, Minter(), resolver, index, load_matches(reference / "kohesio.csv"))
        for project in projects:
            mapper.add(project)
        mapper.finish()
        g = Graph()
        for s, p, o, _c in dataset.quads((None, None, None, None)):
            g.add((s, p, o))
        return g

    graph = rec.time("map (one rdflib Graph)", map_one_graph)
    rec.time("validate (pyshacl, ont_graph)", lambda: pyshacl.validate(
        graph, shacl_graph=load_shapes(), ont_graph=load_ontology(), inference="none",
        allow_warnings=True, allow_infos=True, advanced=True))
    rec.time("dump Turtle (rdflib)", lambda: graph.serialize(format="turtle", encoding="utf-8"))
    rec.time("dump N-Triples (rdflib)", lambda: graph.serialize(format="nt", encoding="utf-8"))
    if args.rdflib_queries:
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
            except Exception as err:  # noqa: BLE001 — a failing query is recorded and the run goes on
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


def _ntriples(work: Path) -> Path:
    """The N-Triples the build job wrote, else the command job's dump (the same triples)."""
    own = work / "hankekg.nt"
    return own if own.exists() else work / "dist" / "hankekg.nt"


def job_store(rec: Recorder, data: Path, work: Path, args) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    rec.time("load embedded store (pyoxigraph, in memory)",
             lambda: store.bulk_load(path=str(_ntriples(work)), format=ox.RdfFormat.N_TRIPLES))
    rec.emit("store-size", 0.0, quads=len(store))
    _queries(rec, "oxigraph", lambda q: list(store.query(q)), args.repeat)


def _oxigraph() -> str:
    from hankekg.link.oxigraph import find_executable

    return find_executable()


def job_floor(rec: Recorder, data: Path, work: Path, args) -> None:
    with tempfile.TemporaryDirectory(dir=work) as store:
        cmd = [_oxigraph(), "load", "--location", store, "--file", str(_ntriples(work))]
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
                _ntriples(work), urls, "https://w3id.org/hankekg/graph/bench", timeout=3600))
            rec.emit("server-size", 0.0, triples=result.triples)
        finally:
            server.stop()


def job_incremental(rec: Recorder, data: Path, work: Path, args) -> None:
    import shutil

    copy = work / "inc-data"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(data, copy)
    out, clean = work / "inc-dist", work / "inc-clean"
    cache = work / "inc-cache"
    shutil.rmtree(cache, ignore_errors=True)
    common = ["--no-site", "--workers", str(max(args.workers))]
    rec.emit("cold build with the card cache (whole command)",
             _hankekg("build", str(copy), "--out", str(out), "--cache", str(cache), *common))
    card = sorted((copy / "cards").glob("*.txt"))[len(list((copy / "cards").glob("*.txt"))) // 2]
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace(" ja ", " sekä ", 1), encoding="utf-8")
    rec.emit(f"one card changed ({card.name}), rebuilt with the cache (whole command)",
             _hankekg("build", str(copy), "--out", str(out), "--cache", str(cache), *common))
    _hankekg("build", str(copy), "--out", str(clean), "--no-cache", *common)
    rec.emit("incremental-identity", 0.0, identical_to_clean=_same_dumps(out, clean))


JOBS = {
    "command": job_command,
    "build": job_build,
    "naive": job_naive,
    "store": job_store,
    "floor": job_floor,
    "server": job_server,
    "incremental": job_incremental,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one benchmark job; JSON lines on stdout.")
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--repeat-slow", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--rdflib-queries", action=argparse.BooleanOptionalAction, default=True,
                        help="naive job: also run the catalogue on rdflib")
    parser.add_argument("--identity", action=argparse.BooleanOptionalAction, default=True,
                        help="command job: also build with 1 worker and compare the dumps")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    JOBS[args.job](Recorder(args.job), args.data, args.work, args)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
