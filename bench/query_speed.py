"""Time every catalogue query on a large graph in the embedded Oxigraph store (and optionally rdflib).

Loads an RDF file (N-Triples by default, e.g. the 10,000-project graph) into an in-memory
``pyoxigraph.Store`` with ``bulk_load``, runs every query of the catalogue (queries/*.rq, read with
:mod:`hankekg.query.catalogue`) with its parameters left out, as ``hankekg query NAME`` runs it
by default (defaults bound through the ``VALUES`` block of ``bind_values``, the others unbound),
R times after one warm-up, and prints per query the p50 and p95 of:

* ``list``: ``list(store.query(text))``, the time a Python caller waits for the rows;
* ``engine`` (``--split``): the same query wrapped as ``SELECT (COUNT(*) AS ?n) WHERE { { … } }``:
  the same patterns, sort included, with a single row out, so no result term is decoded and no
  Python object made per row. What is left of ``list`` after taking this away (``to Python``) is
  roughly the cost of handing the rows to Python, which grows with the row count. It is an
  estimate: the store may plan the wrapped query a little differently (``to Python`` is shown
  as 0 when the wrapped query is the slower one).

``--compare DIR`` also runs the queries of the same name in DIR (e.g. a copy of the catalogue
before a change), times them too, and checks that both give the same rows, in the same order and
as sorted multisets. ``--rdflib`` times rdflib's in-memory ``Graph`` on the same file and query
(slow on a large graph: use a 1,000-project graph for the ratio).

Usage::

    .venv/bin/python bench/query_speed.py /tmp/hk/g10k.nt [-r 10] [--split] [--only search]
        [--compare /tmp/hk/queries-before] [--rdflib [--rdflib-repeat 3]] [--out report.md]

Exit status 1 when ``--compare`` finds a query whose rows differ, or ``--target`` is given and a
query misses it.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from hankekg.query import catalogue
from queries import percentile  # bench/queries.py, beside this file


def default_text(query: catalogue.Query) -> str:
    """The query as the catalogue runs it with no parameter given (defaults bound, others unbound)."""
    return catalogue.bind_values(query.text, query.bindings())


def timed(fn, repeat: int, budget: float | None = None) -> list[float]:
    """``fn()`` ``repeat`` times after one warm-up; the times in ms.

    With a ``budget`` (seconds), a slow query runs fewer times (at least once more after the
    warm-up): as many as fit in the budget at the warm-up's pace.
    """
    t0 = time.perf_counter()
    fn()
    warm = time.perf_counter() - t0
    if budget is not None and warm > 0:
        repeat = max(1, min(repeat, int(budget / warm)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return times


_SELECT = re.compile(r"^\s*SELECT\b", re.IGNORECASE | re.MULTILINE)


def count_text(text: str) -> str:
    """``text`` as a sub-select whose rows are only counted (the prologue kept in front)."""
    at = _SELECT.search(text)
    if at is None:
        raise ValueError("no SELECT at the start of a line")
    return f"{text[:at.start()]}SELECT (COUNT(*) AS ?n) WHERE {{\n{{\n{text[at.start():]}\n}}\n}}"


def answer(engine, text: str) -> list:
    """All the rows of ``text`` from a pyoxigraph Store or an rdflib Graph, as the engine gives them."""
    return list(engine.query(text))


def ox_rows(store: ox.Store, text: str) -> list[tuple[str, ...]]:
    """The rows as tuples of N-Triples terms ("" for unbound), in the store's order."""
    result = store.query(text)
    names = [v.value for v in result.variables]
    return [tuple("" if s[n] is None else str(s[n]) for n in names) for s in result]


def load_store(graph: Path) -> tuple[ox.Store, float]:
    t0 = time.perf_counter()
    store = ox.Store()
    fmt = ox.RdfFormat.from_extension(graph.suffix.lstrip(".")) or ox.RdfFormat.N_TRIPLES
    store.bulk_load(path=str(graph), format=fmt)
    return store, 1000 * (time.perf_counter() - t0)


def load_rdflib(graph: Path):
    from rdflib import Graph
    from rdflib.util import guess_format

    t0 = time.perf_counter()
    g = Graph()
    g.parse(graph, format=guess_format(str(graph)) or "nt")
    return g, 1000 * (time.perf_counter() - t0)


def fmt_ms(v: float | None) -> str:
    return "–" if v is None else (f"{v:.1f}" if v < 1000 else f"{v:,.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graph", type=Path, help="the graph file (N-Triples, Turtle, …)")
    parser.add_argument("-r", "--repeat", type=int, default=10, help="timed runs per query (default 10)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="only this query (repeatable)")
    parser.add_argument("--queries", type=Path, default=None, help="catalogue folder (default: queries/)")
    parser.add_argument("--compare", type=Path, default=None, metavar="DIR",
                        help="also run the queries of DIR and check they give the same rows")
    parser.add_argument("--split", action="store_true",
                        help="also time the engine alone (results serialised in Rust)")
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's in-memory Graph")
    parser.add_argument("--rdflib-repeat", type=int, default=3, help="timed rdflib runs per query (default 3)")
    parser.add_argument("--budget", type=float, default=None, metavar="S",
                        help="at most about S seconds of timed runs per query and engine (fewer runs for a "
                             "slow query, at least one)")
    parser.add_argument("--target", type=float, default=None, metavar="MS",
                        help="fail when a query's Oxigraph p50 is above MS")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if not args.graph.is_file():
        print(f"no graph at {args.graph}", file=sys.stderr)
        return 2

    queries = catalogue.load_catalogue(args.queries)
    if args.only:
        unknown = set(args.only) - {q.name for q in queries}
        if unknown:
            print(f"unknown queries: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        queries = [q for q in queries if q.name in args.only]
    old = {q.name: q for q in catalogue.load_catalogue(args.compare)} if args.compare else {}

    store, load_ms = load_store(args.graph)
    print(f"loaded {len(store):,} triples from {args.graph} into pyoxigraph in {load_ms:,.0f} ms", file=sys.stderr)
    rdf = None
    if args.rdflib:
        rdf, rdf_ms = load_rdflib(args.graph)
        print(f"loaded {len(rdf):,} triples into rdflib in {rdf_ms:,.0f} ms", file=sys.stderr)

    cols = ["query", "rows", "p50", "p95"]
    if args.split:
        cols += ["engine p50", "to Python"]
    if old:
        cols += ["before p50", "speed-up", "same rows"]
    if rdf is not None:
        cols += ["rdflib p50", "rdflib/oxigraph"]
    lines = [
        (f"Graph: `{args.graph}` ({len(store):,} triples), pyoxigraph {ox.__version__} in-memory Store; "
         f"{args.repeat} runs per query after one warm-up, parameters left out; times in ms. "
         f"Python {platform.python_version()}, {platform.machine()}."),
        "",
        "| " + " | ".join(cols) + " |",
        "|---|" + "---:|" * (len(cols) - 1),
    ]
    print("\n".join(lines[:-2]))
    print(f"{'query':38} {'rows':>8} {'p50':>9} {'p95':>9}", end="")
    print(f" {'engine':>9} {'toPy':>7}" if args.split else "", end="")
    print(f" {'before':>9} {'x':>6} same" if old else "", end="")
    print(f" {'rdflib':>9} {'ratio':>6}" if rdf is not None else "")
    failed = False
    total = total_old = 0.0
    for q in queries:
        text = default_text(q)
        times = timed(partial(answer, store, text), args.repeat, args.budget)
        p50, p95 = statistics.median(times), percentile(times, 95)
        total += p50
        rows = ox_rows(store, text)
        cells = [q.name, f"{len(rows):,}", fmt_ms(p50), fmt_ms(p95)]
        out = f"{q.name:38} {len(rows):>8,} {fmt_ms(p50):>9} {fmt_ms(p95):>9}"
        if args.split:
            counted = count_text(text)
            eng = statistics.median(timed(partial(answer, store, counted), args.repeat, args.budget))
            cells += [fmt_ms(eng), fmt_ms(max(p50 - eng, 0.0))]
            out += f" {fmt_ms(eng):>9} {fmt_ms(max(p50 - eng, 0.0)):>7}"
        if old:
            if q.name in old:
                old_text = default_text(old[q.name])
                old_p50 = statistics.median(timed(partial(answer, store, old_text), args.repeat, args.budget))
                total_old += old_p50
                old_rows = ox_rows(store, old_text)
                if old_rows == rows:
                    same = "yes"
                elif sorted(old_rows) == sorted(rows):
                    same = "same set, other order"
                else:
                    same = f"**NO** ({len(old_rows):,} rows before)"
                    failed = True
                cells += [fmt_ms(old_p50), f"{old_p50 / p50:.1f}×", same]
                out += f" {fmt_ms(old_p50):>9} {old_p50 / p50:>5.1f}x {same}"
            else:
                cells += ["–", "–", "new"]
                out += f" {'–':>9} {'–':>6} new"
        if rdf is not None:
            r50 = statistics.median(timed(partial(answer, rdf, text), args.rdflib_repeat, args.budget))
            cells += [fmt_ms(r50), f"{r50 / p50:.0f}×"]
            out += f" {fmt_ms(r50):>9} {r50 / p50:>5.0f}x"
        if args.target is not None and p50 > args.target:
            failed = True
            out += "  > target"
        print(out, flush=True)
        lines.append("| " + " | ".join(cells) + " |")
    summary = f"Sum of p50: {total:,.0f} ms" + (f" (before: {total_old:,.0f} ms)" if old else "") + "."
    lines += ["", summary]
    print(summary)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"written: {args.out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
