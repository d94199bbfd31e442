"""Benchmark the embedded query engines (rdflib, pyoxigraph) on the whole query catalogue.

Loads the built graph (default dist/hankekg.ttl; run `hankekg build` first) into each engine,
runs every catalogue query N times with its default parameters, and prints, per query and
engine, the median and 95th-percentile time. It also checks that both engines give the same
rows (compared as sorted, value-normalised terms: a decimal "1500.50" from rdflib equals the
canonical "1500.5" from Oxigraph; a simple literal equals an xsd:string one).

Usage::

    .venv/bin/python bench/queries.py [--graph dist/hankekg.ttl] [-n 20] [--out bench/results-queries.md]

For a large graph (thousands of projects), bench/query_speed.py times Oxigraph alone, splits the
engine from the row conversion, and checks an edited catalogue against an old one.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

from hankekg.query import catalogue
from hankekg.query.embedded import EmbeddedStore, available_engines
from hankekg.query.port import Rows


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(graph: Path, n: int) -> tuple[str, bool]:
    """Run the benchmark; return the Markdown report and whether the engines agree everywhere."""
    engines = available_engines()
    stores: dict[str, EmbeddedStore] = {}
    load_ms: dict[str, float] = {}
    for engine in engines:
        t0 = time.perf_counter()
        stores[engine] = EmbeddedStore(graph, engine)
        load_ms[engine] = 1000 * (time.perf_counter() - t0)
    queries = catalogue.load_catalogue()
    lines = [
        "# Embedded query engines on the catalogue",
        "",
        f"Graph: `{graph}` ({len(stores[engines[0]]):,} triples). {n} runs per query after one warm-up; "
        f"times in ms. Python {platform.python_version()}, {platform.machine()}.",
        "Regenerate: `.venv/bin/python bench/queries.py` (after `hankekg build`).",
        "",
        "Load: " + ", ".join(f"{e} {load_ms[e]:.0f} ms" for e in engines) + ".",
        "",
        "| query | rows | " + " | ".join(f"{e} p50 | {e} p95" for e in engines)
        + " | same rows | same terms |",
        "|---|---:|" + "---:|---:|" * len(engines) + "---|---|",
    ]
    totals = {e: 0.0 for e in engines}
    all_same = True
    notes: list[str] = []
    for q in queries:
        bindings = q.bindings()
        answers: dict[str, Rows] = {}
        timings: dict[str, list[float]] = {}
        for engine, store in stores.items():
            answers[engine] = store.select(q.text, bindings)  # warm-up, and the answer compared
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                store.select(q.text, bindings)
                times.append(1000 * (time.perf_counter() - t0))
            timings[engine] = times
            totals[engine] += statistics.median(times)
        first = answers[engines[0]]
        same = all(a.variables == first.variables and a.comparable() == first.comparable()
                   for a in answers.values())
        same_terms = all(sorted(map(repr, a.rows)) == sorted(map(repr, first.rows)) for a in answers.values())
        all_same &= same
        if not same:
            notes.append(f"- **{q.name}**: the engines differ: "
                         + "; ".join(f"{e}: {len(a)} rows" for e, a in answers.items()))
        cells = " | ".join(
            f"{statistics.median(timings[e]):.1f} | {percentile(timings[e], 95):.1f}" for e in engines
        )
        lines.append(f"| {q.name} | {len(first)} | {cells} | {'yes' if same else '**no**'} | "
                     f"{'yes' if same_terms else 'lexical forms differ'} |")
    sums = " | ".join(f"**{totals[e]:.1f}** | " for e in engines)
    lines.append(f"| **sum of medians** | | {sums} | | |")
    lines += [
        "",
        "\"same rows\": equal as sorted rows of value-normalised terms. \"lexical forms differ\": the "
        "same values written differently, e.g. a decimal SUM is `\"368136.0\"^^xsd:decimal` from "
        "rdflib and the canonical `\"368136\"^^xsd:decimal` from Oxigraph.",
        *notes,
        "",
    ]
    if len(engines) == 2:
        fast = min(engines, key=totals.get)
        slow = max(engines, key=totals.get)
        lines.append(
            f"{fast} is {totals[slow] / totals[fast]:.1f}× faster than {slow} over the catalogue "
            f"(sum of medians); rows {'identical on every query' if all_same else 'NOT identical'}."
        )
    return "\n".join(lines) + "\n", all_same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=Path("dist/hankekg.ttl"))
    parser.add_argument("-n", type=int, default=20, help="runs per query and engine")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results-queries.md"))
    args = parser.parse_args(argv)
    if not args.graph.is_file():
        print(f"no graph at {args.graph}: run `hankekg build` first", file=sys.stderr)
        return 2
    report, same = run(args.graph, args.n)
    print(report)
    args.out.write_text(report, encoding="utf-8")
    print(f"written: {args.out}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
