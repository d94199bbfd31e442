"""Projects per second of validation: pyshacl (hankekg.validate.run) against the fast path.

    .venv/bin/python bench/validate_speed.py [--build bench/.work/1000/hankekg.nt]
        [--copies 10] [--workers 1 2] [--reference-max 2000] [--repeat 2]

Graphs (made under bench/.work/validate/ from the 1,000-project build, if missing):

* ``1000-full``: the build as it is (with the per-word OCR-repair provenance);
* ``1000``: the build without the OCR-repair nodes (hk:ocrRepair and the five properties
  of each repair: the lead is removing them from the graph);
* ``1000-injected``: ``1000`` with a violation of every shape, structure and completeness:
  triples added to the build's own nodes (a second identifier, a second main implementer,
  a second currency, a URL as a string, …) and, beside them, every violating fixture of
  tests/fixtures/shapes/ and the complete project of tests/fixtures/shapes/completeness
  with each card field removed in turn (their IRIs moved under id/case<i>/);
* ``10000`` (``--copies 10``): ``1000`` ten times, each copy with its project codes renamed
  (S1xxxx → A1xxxx, B1xxxx, …, then S2xxxx, …) so that projects, roles, grants and outputs are new and
  organisations and target groups are shared, as in a real graph.

For each graph: the fast path from the N-Triples file (1 and 2 workers), and, up to
``--reference-max`` projects, pyshacl over an rdflib graph of the file, the rows of both
compared one by one. Wall and CPU seconds (this process and its children) are both
printed: the machine may be shared, and CPU seconds say what the work costs.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPAIR = re.compile(
    rb"<https://w3id\.org/hankekg/ontology#(?:ocrRepair|textBefore|textAfter|sourceLine|repairReason)> "
    rb"|<https://w3id\.org/hankekg/ontology#OcrRepair> \.\n$")
CODE = re.compile(rb"([Ss])1(\d{4})")


def trimmed(build: Path, dest: Path) -> Path:
    """The build without its OCR-repair nodes."""
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with build.open("rb") as src, dest.open("wb") as out:
            out.writelines(line for line in src if not REPAIR.search(line))
    return dest


ID = "https://w3id.org/hankekg/id/"
P = "https://w3id.org/hankekg/id/project/S10000"
EXTRA = f"""<{P}> <http://purl.org/dc/terms/identifier> "X1" .
<{P}/role/1326730-2/osatoteuttaja> <https://w3id.org/hankekg/ontology#roleConcept> <https://w3id.org/hankekg/ontology#MainImplementer> .
<{P}/grant/n-etela-pohjanmaan-ely-keskus/amount> <http://data.europa.eu/s66#currency> "USD" .
<{P}/grant/n-etela-pohjanmaan-ely-keskus/amount> <http://data.europa.eu/s66#value> "-5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<{P}/output/1> <https://schema.org/url> "http://example.org/x" .
<{P}/output/1> <https://w3id.org/hankekg/ontology#sizeMegabytes> "2.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<{P}> <http://data.europa.eu/s66#startDate> "2030-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
"""


def injected(base: Path, dest: Path) -> Path:
    """``base`` with a violation of every shape (see the module doc)."""
    if not dest.exists():
        from rdflib import Graph, URIRef
        from rdflib.namespace import RDF

        from hankekg.namespaces import EURIO

        fixtures = ROOT / "tests/fixtures/shapes"

        def moved(graph: Graph, case: str) -> bytes:
            out = Graph()
            for t in graph:
                out.add(tuple(URIRef(ID + case + "/" + str(x)[len(ID):])
                              if isinstance(x, URIRef) and str(x).startswith(ID) else x for x in t))
            return out.serialize(format="nt", encoding="utf-8")

        parts = [base.read_bytes(), EXTRA.encode()]
        for i, fixture in enumerate(sorted(fixtures.glob("*.bad*.ttl"))):
            parts.append(moved(Graph().parse(fixture), f"case{i}"))
        full = Graph().parse(fixtures / "completeness" / "full-project.ttl")
        project = next(full.subjects(RDF.type, EURIO.Project))
        for i, predicate in enumerate(sorted(set(full.predicates(project, None)))):
            without = Graph()
            for t in full:
                if not (t[0] == project and t[1] == predicate):
                    without.add(t)
            parts.append(moved(without, f"field{i}"))
        dest.write_bytes(b"".join(parts))
    return dest


def scaled(base: Path, copies: int, dest: Path) -> Path:
    """``copies`` copies of ``base`` with their project codes renamed (lines without a
    code, such as organisations, target groups and the ontology, once)."""
    if not dest.exists():
        letters = b"SABCDEFGHIJKLMNOPQRTUVWXYZ"
        if copies > 9 * len(letters):
            raise ValueError(f"at most {9 * len(letters)} copies")
        lines = base.read_bytes().splitlines(keepends=True)
        seen: set[bytes] = set()
        with dest.open("wb") as out:
            for k in range(copies):
                letter, digit = letters[k % 26:k % 26 + 1], str(1 + k // 26).encode()
                for line in lines:
                    new = CODE.sub(lambda m, letter=letter, digit=digit:
                                   (letter if m.group(1) == b"S" else letter.lower()) + digit + m.group(2), line)
                    if new is line or new == line:
                        if line in seen:
                            continue
                        seen.add(line)
                    out.write(new)
    return dest


class KeepLabels(dict):
    def get(self, key, default=None):
        from rdflib import BNode

        return self.setdefault(key, BNode(key))


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, repeat: int = 1):
    best = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), cpu()
        out = fn()
        wall, used = time.perf_counter() - t0, cpu() - c0
        if best is None or wall < best[0]:
            best = (wall, used, out)
    return best


def projects_in(path: Path) -> int:
    marker = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://data.europa.eu/s66#Project> .\n"
    with path.open("rb") as f:
        return sum(1 for line in f if line.endswith(marker))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "bench/.work/1000/hankekg.nt")
    parser.add_argument("--work", type=Path, default=ROOT / "bench/.work/validate")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--reference-max", type=int, default=2000,
                        help="run pyshacl on graphs of at most this many projects")
    parser.add_argument("--repeat", type=int, default=2, help="fast runs per setting (the best is shown)")
    parser.add_argument("--graphs", nargs="*", default=["1000-full", "1000", "1000-injected", "10000"])
    args = parser.parse_args(argv)

    from rdflib import Graph
    from rdflib.namespace import SH

    from hankekg.validate import fast, run
    from hankekg.validate.shapes import load_shapes

    shapes = load_shapes()
    reporting = {str(s) for s in shapes.subjects(SH.severity, None)}  # every shape that reports results

    if not args.build.exists():
        print(f"no build at {args.build}: run bench/run.py (or hankekg build) first", file=sys.stderr)
        return 2
    base = trimmed(args.build, args.work / "1000.nt")
    graphs = {"1000-full": args.build, "1000": base, "1000-injected": injected(base, args.work / "1000-injected.nt")}
    if args.copies > 1:
        graphs[str(1000 * args.copies)] = scaled(base, args.copies, args.work / f"{1000 * args.copies}.nt")
    print("| graph | triples | projects | engine | workers | wall s | CPU s | projects/s | rows | identical |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in args.graphs:
        path = graphs.get(name)
        if path is None:
            continue
        n = projects_in(path)
        with path.open("rb") as f:
            triples = sum(1 for _ in f)
        reference = None
        if n <= args.reference_max:
            def pyshacl_run(path=path):
                # blank nodes keep the file's labels (as the fast path reports them), not
                # fresh random ids: the same graph, and rows that can be compared
                g = Graph()
                g.parse(path, format="nt", bnode_context=KeepLabels())
                load_shapes()
                return run.validate(g, ontology_included=True)
            wall, used, reference = timed(pyshacl_run)
            fired = len(reporting & {r.shape for r in reference.rows})
            print(f"| {name} | {triples:,} | {n:,} | pyshacl (parse + validate) | 1 | {wall:.1f} | {used:.1f} "
                  f"| {n / wall:.0f} | {len(reference.rows)} | reference ({fired}/{len(reporting)} shapes fire) |",
                  flush=True)
        for workers in args.workers:
            wall, used, outcome = timed(lambda path=path, workers=workers: fast.validate(path, workers=workers),
                                        args.repeat)
            same = "—" if reference is None else str(
                list(outcome.rows) == sorted(reference.rows, key=run.row_key)
                and outcome.completeness == reference.completeness)
            print(f"| {name} | {triples:,} | {n:,} | fast (N-Triples file) | {workers} | {wall:.2f} | {used:.2f} "
                  f"| {n / wall:.0f} | {len(outcome.rows)} | {same} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
