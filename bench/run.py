"""Benchmark the build on synthetic corpora and write bench/results.md.

    .venv/bin/python bench/run.py                       # N = 1,000 and 10,000 (make bench)
    .venv/bin/python bench/run.py --n 100000 --jobs command store floor --repeat 3
    .venv/bin/python bench/run.py --report-only --n 1000 10000 100000   # (make bench-100k)

For each N: a corpus is generated (``hankekg.synth``, seed 1) under bench/.work/ unless it
is there already, then each job of bench/stages.py runs in a fresh interpreter (so the
peak memory, ``ru_maxrss``, is that job's own) and its stage lines are collected into
bench/.work/N/results.jsonl. bench/results.md is written from every N measured in this
run: versions, command, machine, per-stage time and peak memory, the ratio to the naive
pipeline, and each target of issue 7 with "met" or "missed" and why.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
DEFAULT_JOBS = ["command", "build", "store", "floor", "server", "incremental", "naive"]
SEED = 1


def corpus(n: int, seed: int) -> Path:
    from hankekg.synth import generate

    folder = WORK / f"corpus-{n}-{seed}"
    stamp = folder / ".complete"
    if not stamp.exists():
        t = time.perf_counter()
        summary = generate(n, seed, folder)
        seconds = time.perf_counter() - t
        stamp.write_text(json.dumps({"seconds": round(seconds, 2), "bytes": summary.bytes_written,
                                     "organisations": summary.organisations}))
        print(f"generated {n} projects in {seconds:.1f} s → {folder}", flush=True)
    return folder


def run_job(job: str, data: Path, work: Path, extra: list[str], log, timeout: float | None = None) -> list[dict]:
    cmd = [sys.executable, str(ROOT / "bench" / "stages.py"), job, "--data", str(data), "--work", str(work),
           *extra]
    env = dict(os.environ, PYTHONHASHSEED="0")
    t = time.perf_counter()
    stopped = False
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
        stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as err:  # what it measured before the limit is kept
        stopped = True
        out = err.stdout or b""
        stdout = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
        stderr, code = "", 0
    wall = time.perf_counter() - t
    lines = []
    for raw in stdout.splitlines():
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    for line in lines:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")
        log.flush()  # an interrupted run keeps what it measured
        print(f"  {job:>8} {line['stage']:<55} {line['seconds']:>9.3f} s {line['maxrss_mb']:>8.0f} MB", flush=True)
    if stopped:
        line = {"job": job, "stage": f"STOPPED at the {timeout:.0f} s limit", "seconds": round(wall, 1),
                "maxrss_mb": 0, "note": "the stage after the last one above was still running"}
        log.write(json.dumps(line) + "\n")
        lines.append(line)
        print(f"  {job} stopped at the time limit ({timeout:.0f} s)", flush=True)
    if code != 0:
        tail = stderr.strip().splitlines()[-5:]
        lines.append({"job": job, "stage": "FAILED", "seconds": wall, "maxrss_mb": 0, "error": " | ".join(tail)})
        print(f"  {job} FAILED: {' | '.join(tail)}", flush=True)
    lines.append({"job": job, "stage": "(process wall time)", "seconds": round(wall, 3), "maxrss_mb": 0})
    return lines


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "memory_gib": round(mem, 1), "cpu": cpu,
            "python": platform.python_version(), "os": platform.platform()}


def versions() -> dict:
    out = {}
    for name in ("hankekg", "rdflib", "pyshacl", "pyoxigraph", "oxrdflib", "libvoikko"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        from hankekg.link.oxigraph import find_executable

        out["oxigraph CLI"] = subprocess.run([find_executable(), "--version"], capture_output=True,
                                             text=True).stdout.strip()
    except Exception as err:  # noqa: BLE001
        out["oxigraph CLI"] = f"not found ({err})"
    return out


# ----------------------------------------------------------------------------- the report

def _get(rows, job, stage):
    return next((r for r in rows if r["job"] == job and r["stage"] == stage), None)


def _sum(rows, job, stages):
    found = [_get(rows, job, s) for s in stages]
    return sum(r["seconds"] for r in found if r) if all(found) else None


def _peak(rows, job):
    values = [r["maxrss_mb"] for r in rows if r["job"] == job]
    return max(values) if values else None


def _fmt(x, unit="s"):
    if x is None:
        return "–"
    if unit == "s":
        return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"
    return f"{x:.0f} MB"


NAIVE_BUILD = ["read+parse+repair", "resolve/merge", "map (one rdflib Graph)", "validate (pyshacl, ont_graph)",
               "dump Turtle (rdflib)", "dump N-Triples (rdflib)"]
MARKERS = ("sizes", "validate-result", "store-size", "server-size", "parallel-identity", "incremental-identity")


def _command(rows):
    return next((r for r in rows if r["job"] == "command" and r["stage"].startswith("hankekg build")
                 and "--workers 1 " not in r["stage"]), None)


def report(results: dict[int, list[dict]], command: str, started: str) -> str:
    if "--report-only" in command:
        produced = (f"Written by `{command}` from the results of earlier runs (bench/.work/N/results.jsonl, "
                    f"the last of them ended {started} UTC).")
    else:
        produced = f"Produced by `{command}` on {started} (UTC)."
    out = ["# Benchmark results", "",
           f"{produced} Regenerate with `make bench` (N = 1,000 and "
           "10,000), then `make bench-100k` (adds N = 100,000).", ""]
    m = machine()
    out += ["## Machine and versions", "",
            f"- {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB memory, Python {m['python']}, {m['os']}"]
    out += [f"- {k} {v}" for k, v in versions().items()]
    out += ["", "Every job runs in a fresh interpreter; *peak* is `ru_maxrss` of that process at the end of "
            "the stage (it only grows, so within one job it includes the earlier stages; children such as "
            "`oxigraph load` are measured separately). The indented stage rows of `command` come from "
            "the command's own report/timings.json, and their peak is that of its main process by the "
            "end of the stage (worker processes are smaller; the command row gives the largest process). "
            "Corpus: `hankekg synth --n N --seed 1`.", ""]
    for n, rows in sorted(results.items()):
        out += [f"## N = {n:,}", ""]
        sizes = _get(rows, "build", "sizes")
        vres = _get(rows, "build", "validate-result")
        if sizes:
            out.append(f"Graph: {sizes['triples']:,} triples ({sizes['triples'] / n:.0f} per project); "
                       f"Turtle {sizes['ttl_bytes'] / 2**20:.1f} MiB, N-Triples {sizes['nt_bytes'] / 2**20:.1f} MiB.")
        if vres:
            out.append(f"Validation: {vres['results']:,} results, {vres['violations']} violations, "
                       f"conforms={vres['conforms']}.")
        out += ["", "| job | stage | time | peak memory | notes |", "|---|---|---:|---:|---|"]
        for r in rows:
            if r["stage"] in MARKERS or r["stage"].startswith("query "):
                continue
            notes = ", ".join(f"{k}={v}" for k, v in r.items()
                              if k not in ("job", "stage", "seconds", "maxrss_mb", "stage_peak_mb", "note"))
            mem = _fmt(r.get("stage_peak_mb") or r.get("child_maxrss_mb") or r["maxrss_mb"] or None, "mb")
            out.append(f"| {r['job']} | {r['stage']} | {_fmt(r['seconds'])} | {mem} | {notes} |")
        for r in rows:
            if r["stage"] in ("parallel-identity", "incremental-identity"):
                notes = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("job", "stage", "seconds", "maxrss_mb"))
                out.append(f"| {r['job']} | {r['stage']} | | | {notes} |")
        queries = [r for r in rows if r["stage"].startswith("query ")]
        if queries:
            out += ["", "Catalogue queries (parameters left out):", "",
                    "| query | oxigraph p50 | oxigraph p95 | rdflib p50 | ratio | rows | ",
                    "|---|---:|---:|---:|---:|---:|"]
            names = sorted({r["stage"][6:] for r in queries})
            for name in names:
                ox = next((r for r in queries if r["stage"] == f"query {name}" and r.get("engine") == "oxigraph"), {})
                rl = next((r for r in queries if r["stage"] == f"query {name}" and r.get("engine") == "rdflib"), {})
                ratio = (rl["p50"] / ox["p50"]) if ox.get("p50") and rl.get("p50") else None
                err = ox.get("error") or rl.get("error")
                rows_n = ox.get("rows", rl.get("rows"))
                out.append(f"| {name} | {_ms(ox.get('p50'))} | {_ms(ox.get('p95'))} | {_ms(rl.get('p50'))} | "
                           f"{f'{ratio:.0f}×' if ratio else '–'} | {rows_n if rows_n is not None else '–'}"
                           f"{' error: ' + err if err else ''} |")
        command = _command(rows)
        cur = command["seconds"] if command else None
        naive = _sum(rows, "naive", NAIVE_BUILD)
        stopped = next((r for r in rows if r["job"] == "naive" and r["stage"].startswith("STOPPED")), None)
        peak = command.get("child_maxrss_mb") if command else None
        if naive is None and stopped:  # a lower bound: the job ran that long without finishing
            naive_text = f"more than {_fmt(stopped['seconds'])} (stopped at the time limit)"
            ratio = f"more than {stopped['seconds'] / cur:.1f}×" if cur else "–"
        else:
            naive_text = _fmt(naive)
            ratio = f"{naive / cur:.1f}×" if cur and naive else "–"
        out += ["", f"Whole build (`hankekg build --no-site`, dumps and report included): {_fmt(cur)}, peak "
                f"{_fmt(peak, 'mb')}; naive pipeline (read, merge, map, pyshacl, Turtle and N-Triples only): "
                f"{naive_text}, peak {_fmt(_peak(rows, 'naive'), 'mb')}; naive/hankekg: {ratio}.", ""]
    return "\n".join(out) + "\n"


def _ms(x):
    return "–" if x is None else f"{x * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--jobs", nargs="+", default=DEFAULT_JOBS)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query on Oxigraph")
    parser.add_argument("--repeat-slow", type=int, default=3, help="runs of each query on rdflib")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rdflib-queries-up-to", type=int, default=1000,
                        help="run the catalogue on rdflib (the naive job) only up to this N: one pass took "
                             "226 s at 1,000 projects, and it grows faster than the graph")
    parser.add_argument("--identity-up-to", type=int, default=10000,
                        help="the command job also builds with 1 worker and compares the dumps only up to this N")
    parser.add_argument("--naive-limit", type=float, default=1800,
                        help="seconds the naive job may run (rdflib's Turtle writer took over 12 minutes at "
                             "10,000 projects); what it measured before is kept and the report says it stopped")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument("--append-notes", type=Path, default=ROOT / "bench" / "analysis.md",
                        help="a Markdown file appended to results.md (default: bench/analysis.md)")
    parser.add_argument("--replace-jobs", action="store_true",
                        help="keep the rows of the other jobs from an earlier run of this N and replace "
                             "only those of --jobs")
    parser.add_argument("--report-only", action="store_true",
                        help="write results.md from bench/.work/N/results.jsonl of an earlier run")
    args = parser.parse_args()
    if args.report_only:
        found = [n for n in args.n if (WORK / str(n) / "results.jsonl").exists()]
        for n in sorted(set(args.n) - set(found)):
            print(f"no results for N = {n} (bench/.work/{n}/results.jsonl): run make bench first", file=sys.stderr)
        if not found:
            return 1
        args.n = found
        results = {n: [json.loads(line) for line in open(WORK / str(n) / "results.jsonl", encoding="utf-8")]
                   for n in args.n}
        text = report(results, "python bench/run.py " + " ".join(sys.argv[1:]),
                      datetime.fromtimestamp(max((WORK / str(n) / "results.jsonl").stat().st_mtime for n in args.n),
                                             timezone.utc).strftime("%Y-%m-%d %H:%M"))
        if args.append_notes and args.append_notes.exists():
            text += "\n" + args.append_notes.read_text(encoding="utf-8")
        args.out.write_text(text, encoding="utf-8")
        print(f"written: {args.out}")
        return 0
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    results: dict[int, list[dict]] = {}
    for n in args.n:
        data = corpus(n, args.seed)
        work = WORK / str(n)
        work.mkdir(parents=True, exist_ok=True)
        rows: list[dict] = []
        log_path = work / "results.jsonl"
        if args.replace_jobs and log_path.exists():  # keep the other jobs' rows of an earlier run
            rows = [row for row in map(json.loads, log_path.read_text(encoding="utf-8").splitlines())
                    if row["job"] not in args.jobs]
            log_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        extra = ["--repeat", str(args.repeat), "--repeat-slow", str(args.repeat_slow),
                 "--workers", *map(str, args.workers),
                 "--rdflib-queries" if n <= args.rdflib_queries_up_to else "--no-rdflib-queries",
                 "--identity" if n <= args.identity_up_to else "--no-identity"]
        with open(log_path, "a" if args.replace_jobs else "w", encoding="utf-8") as log:
            for job in args.jobs:
                print(f"N={n}: {job}", flush=True)
                rows += run_job(job, data, work, extra, log, args.naive_limit if job == "naive" else None)
        results[n] = rows
        text = report(results, command, started)
        if args.append_notes and args.append_notes.exists():
            text += "\n" + args.append_notes.read_text(encoding="utf-8")
        args.out.write_text(text, encoding="utf-8")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
