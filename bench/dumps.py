"""Benchmark of the publish stage: the dump writers, the dataset description, a whole publish.

Usage::

    .venv/bin/python bench/dumps.py [--data data] [-n 5]

Builds the graph of DATA once, then times each step N times and prints the median.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from hankekg.pipeline import build
from hankekg.publish.dumps import dump_files
from hankekg.publish.ontology_docs import ontology_files
from hankekg.publish.run import PUBLISHED_GRAPHS, publish
from hankekg.publish.void import Settings, describe
from hankekg.rdf.mapping import ONTOLOGY_GRAPH


def _median(fn, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    result = build(args.data)
    graphs = {g: result.dataset.graph(g) for g in PUBLISHED_GRAPHS}
    triples = sum(len(g) for g in graphs.values())
    names = [f"hankekg.{f}" for f in ("ttl", "nt", "jsonld", "trig")]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("dump_files (4 formats + gzip)", _median(lambda: dump_files(graphs), args.n)),
            ("describe (VoID/DCAT)", _median(lambda: describe(graphs, Settings(), names), args.n)),
            ("ontology_files", _median(lambda: ontology_files(graphs[ONTOLOGY_GRAPH]), args.n)),
            ("publish (everything, fsync)", _median(lambda: publish(result, Path(tmp)), args.n)),
        ]
    print(f"{len(result.projects)} projects, {triples} triples; median of {args.n} runs")
    for name, seconds in rows:
        print(f"  {name:32s} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
