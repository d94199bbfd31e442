"""The ``hankekg`` command: one subcommand per stage, each a thin call into it.

Exit codes are a contract: 0 everything built and conforms, 1 the graph has SHACL
violations, 2 an input or a command failed.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hankekg import __version__
from hankekg.errors import HankekgError
from hankekg.namespaces import DEFAULT_DATA_BASE

PROBLEMS_SHOWN = 50
"""Problems the build lists on the terminal; report/problems.csv has them all."""

app = typer.Typer(
    name="hankekg",
    help=(
        "Build a linked-data knowledge graph of ESF social-inclusion projects in Finland "
        "from Sokra project cards.\n\n"
        "Start with `hankekg build` (reads data/cards/*.txt, writes dist/hankekg.ttl and "
        "dist/report/), look at one card with `hankekg parse data/cards/S21684.txt`, and "
        "check any graph with `hankekg validate dist/hankekg.ttl`.\n\n"
        "Exit codes: 0 built and conforms, 1 SHACL violations, 2 input or command failed."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)
out = Console()
err = Console(stderr=True)

EXIT_ERROR = 2


def _version(value: bool) -> None:
    if value:
        out.print(f"hankekg {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv: debug).")] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Options for every command."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=err, show_path=False)], force=True
    )


def _fail(error: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {error}")
    return typer.Exit(EXIT_ERROR)


@app.command()
def build(
    data_dir: Annotated[Path, typer.Argument(help="Folder with cards/, registry/, reference/, curation/.")] = Path(
        "data"),
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where the graph, site and report go.")] = Path("dist"),
    base: Annotated[str, typer.Option(help="Base IRI of the data (projects, organisations, …).")] = DEFAULT_DATA_BASE,
    endpoint: Annotated[
        str | None, typer.Option(help="A public SPARQL endpoint to name in the dataset description.")
    ] = None,
    site: Annotated[bool, typer.Option(help="Write the browsable site into OUT/site/.")] = True,
    cache: Annotated[
        Path | None, typer.Option(help="Keep each card's parsed and repaired form in this folder and "
                                       "reuse it while the card is unchanged (faster rebuilds). "
                                       "Default: OUT/.cache.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Read every card afresh; keep no cache.")] = False,
    workers: Annotated[
        int, typer.Option(min=0, help="Processes reading cards (the output is the same for any number); "
                                      "0: one per core, at most 4.")
    ] = 0,
) -> None:
    """Build everything: read and repair every card in DATA_DIR/cards, read the registry
    pages in DATA_DIR/registry/eura2014, merge them, map to RDF, validate against shapes/,
    and publish into OUT: the dumps (hankekg.ttl, .nt, .jsonld, .trig, gzipped, with a
    manifest), void.ttl, ontology/ documentation, site/ and report/ (index.html and CSVs).

    One bad input never stops the others; every problem is listed at the end and in
    OUT/report/problems.csv.

    Examples:

    * `hankekg build` (data/ → dist/)
    * `hankekg build ~/kortit --out /tmp/kg --base https://example.org/kg/`
    * `hankekg build synth --no-site --workers 2` (a large corpus: no page per resource)

    Rebuilds are incremental where it pays: a card whose bytes, reading code and reference
    data are unchanged is taken from the cache (OUT/.cache) instead of being read and
    repaired again.
    """
    from hankekg.pipeline import default_workers

    cache_dir = None if no_cache else (cache or out_dir / ".cache")
    _build_and_publish(data_dir, out_dir, base, endpoint, site, cache_dir, workers or default_workers())


@app.command()
def publish(
    data_dir: Annotated[Path, typer.Argument(help="Folder with cards/, registry/, reference/, curation/.")] = Path(
        "data"),
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where the dumps, site and report go.")] = Path("dist"),
    base: Annotated[str, typer.Option(help="Base IRI of the data.")] = DEFAULT_DATA_BASE,
    endpoint: Annotated[
        str | None, typer.Option(help="A public SPARQL endpoint to name in the dataset description.")
    ] = None,
) -> None:
    """Publish: the same as `hankekg build` (the graph is rebuilt from DATA_DIR, which takes
    seconds), writing the deterministic dumps, the dataset description, the ontology
    documentation, the site and the report. Each file is written atomically: a crash
    mid-publish leaves the previous files whole.
    """
    from hankekg.pipeline import default_workers

    _build_and_publish(data_dir, out_dir, base, endpoint, True, out_dir / ".cache", default_workers())


def _build_and_publish(data_dir: Path, out_dir: Path, base: str, endpoint: str | None, site: bool,
                       cache: Path | None = None, workers: int = 1) -> None:
    from hankekg import pipeline
    from hankekg.publish.dumps import union
    from hankekg.publish.html_report import write_html_report
    from hankekg.publish.report import write_report
    from hankekg.publish.run import publish as publish_files
    from hankekg.publish.site import write_site
    from hankekg.query.embedded import EmbeddedStore

    if not data_dir.is_dir():
        raise _fail(HankekgError("no such data folder", data_dir))
    files = pipeline.input_files(data_dir)
    if not files:
        err.print(f"[yellow]no cards in {data_dir / 'cards'} (*.txt) and no registry pages in "
                  f"{data_dir / 'registry' / 'eura2014'}[/]")
    try:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"), console=err, transient=True,
        ) as progress:
            task = progress.add_task("reading sources", total=len(files), current="")
            result = pipeline.build(
                data_dir, base, advance=lambda p: progress.update(task, advance=1, current=p.name),
                cache_dir=cache, workers=workers,
            )
            clock = time.perf_counter()

            def lap(stage: str) -> None:
                nonlocal clock
                now = time.perf_counter()
                result.timings[stage] = now - clock
                result.peaks_mb[stage] = pipeline._peak_mb()
                clock = now

            progress.update(task, description="publishing", current="dumps")
            publish_files(result, out_dir, base=base, endpoint=endpoint)
            lap("dumps")
            progress.update(task, current="report")
            port = EmbeddedStore.of_store(result.graphs.store())
            summary = write_report(result, out_dir / "report", port)
            if site:
                progress.update(task, current="site")
                write_site(result, union(result.dataset), out_dir / "site", base)
                lap("site")
            write_html_report(result, port, out_dir / "report", site_href="../site/index.html" if site else None)
            lap("report")
            _write_timings(result, out_dir / "report" / "timings.json")
    except HankekgError as error:
        raise _fail(error) from error
    _print_summary(result, summary, out_dir)
    raise typer.Exit(result.exit_code)


def _write_timings(result, path: Path) -> None:
    """report/timings.json: seconds and peak memory (MB, this process) by the end of each stage."""
    import json

    from hankekg.publish.files import write_text_atomic

    data = {"seconds": {k: round(v, 3) for k, v in result.timings.items()},
            "peak_mb": {k: round(v, 1) for k, v in result.peaks_mb.items()}}
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def _print_summary(result, s: dict, out_dir: Path) -> None:
    table = Table(title="hankekg build", show_header=False, box=None, pad_edge=False)
    table.add_row("cards", f"{s['cards_built']} built, {s['cards_failed']} failed, of {s['cards_read']}")
    if result.cache_stats is not None:
        table.add_row("card cache", f"{result.cache_stats.hits} reused, {result.cache_stats.misses} read afresh")
    table.add_row("registry pages", f"{s['registry_read'] - s['registry_failed']} read, "
                  f"{s['registry_failed']} failed")
    table.add_row("organisations", f"{s['organisations']} (report/organisations.csv)")
    table.add_row("conflicts", f"{s['conflicts']} card/registry disagreements (report/conflicts.csv)")
    table.add_row("graph", f"{s['triples']:,} triples, {s['projects']} projects → {out_dir / 'hankekg.ttl'}")
    verdict = "[green]conforms[/]" if s["conforms"] else f"[red]{s['violations']} violations[/]"
    table.add_row("shapes", f"{verdict}; {s['warnings']} warnings, {s['infos']} infos")
    if s["fields_expected"]:
        share = 100 * s["fields_filled"] / s["fields_expected"]
        table.add_row("completeness", f"{s['fields_filled']}/{s['fields_expected']} card fields filled ({share:.0f} %)")
    table.add_row("OCR repairs", f"{s['repairs']} words (report/repairs.csv)")
    table.add_row("set aside", f"{s['garbage_lines']} logo lines, {s['unmapped_lines']} unmapped lines (report/unmapped.csv)")
    table.add_row("links", ", ".join(f"{k} {v}" for k, v in s["links"].items()) + " (report/coverage.csv)")
    table.add_row("published", f"{out_dir}/hankekg.{{ttl,nt,jsonld,trig}}(.gz), void.ttl, ontology/, site/")
    table.add_row("report", str(out_dir / "report" / "index.html"))
    if result.timings:
        table.add_row("time", f"{sum(result.timings.values()):.1f} s: " + ", ".join(
            f"{stage} {seconds:.1f} s" for stage, seconds in result.timings.items()))
    out.print(table)
    failures = result.failures
    if failures or result.problems:
        total = len(failures) + len(result.problems)
        out.print(f"\n[bold]problems[/] ({total}):")
        lines = [f"  [red]error[/]   {error}" for _, error in failures]
        # errors first: a long list of warnings must not hide them
        for p in sorted(result.problems, key=lambda p: p.severity != "error"):
            if len(lines) >= PROBLEMS_SHOWN:
                break
            colour = "red" if p.severity == "error" else "yellow"
            lines.append(f"  [{colour}]{p.severity:<7}[/] {p}")
        for line in lines[:PROBLEMS_SHOWN]:
            out.print(line, highlight=False)
        if total > PROBLEMS_SHOWN:
            out.print(f"  … and {total - PROBLEMS_SHOWN} more: every one is in {out_dir / 'report' / 'problems.csv'}",
                      highlight=False)
    for row in result.validation.violations[:20]:
        out.print(f"  [red]violation[/] {row.focus} {row.path or ''}: {row.message}", highlight=False)


@app.command()
def parse(
    card: Annotated[Path, typer.Argument(help="A card file: OCR text (.txt) or the card's PDF.", exists=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json (the documented JSON form) or text.")] = "text",
    data_dir: Annotated[Path, typer.Option(help="Data folder whose reference/ the repair uses.")] = Path("data"),
    raw: Annotated[bool, typer.Option(help="Skip the ä/ö repair: show the card as OCR left it.")] = False,
) -> None:
    """Show what the parser extracted from one card, with repairs and unmapped lines.

    `--format json` prints the JSON form documented in README.md (keys code, name,
    start, end, funders, funding_eur, implementers, target_groups, …).

    Examples:

    * `hankekg parse data/cards/S21684.txt`
    * `hankekg parse data/cards/S21684.txt --format json | jq .outputs`
    * `hankekg parse data/cards/S21684.txt --raw` (as OCR left it, no repair)
    * `hankekg parse kortti.pdf` (a born-digital PDF by its table; a scan through Tesseract OCR)
    """
    from hankekg import paths
    from hankekg.cards.jsonform import card_to_dict, card_to_json
    from hankekg.cards.parse import parse_card
    from hankekg.cards.read import read_card
    from hankekg.cards.repair import Repairer

    if fmt not in ("json", "text"):
        raise _fail(HankekgError(f"unknown format {fmt!r}: use json or text"))
    try:
        if raw and card.suffix.lower() == ".pdf":
            from hankekg.cards.pdf import parse_pdf_card

            parsed = parse_pdf_card(card)
        elif raw:
            text, encoding = read_card(card)
            parsed = parse_card(text, card.name, encoding)
        else:
            from hankekg.pipeline import read_one

            parsed = read_one(card, Repairer(paths.reference_dir(data_dir)))
    except (HankekgError, OSError) as error:
        raise _fail(error if isinstance(error, HankekgError) else HankekgError(error.strerror, card)) from error
    if fmt == "json":
        sys.stdout.write(card_to_json(parsed) + "\n")
    else:
        _print_card(card_to_dict(parsed))
    if any(p.severity == "error" for p in parsed.problems):
        raise typer.Exit(EXIT_ERROR)


def _print_card(d: dict) -> None:
    table = Table(show_header=False, box=None)
    for key, value in d.items():
        if key in ("repairs", "unmapped", "garbage", "problems"):
            continue
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False, indent=1)
        table.add_row(f"[bold]{key}[/]", "" if value is None else str(value))
    out.print(table)
    out.print(f"\n[bold]repairs[/] ({len(d['repairs'])}): " + ", ".join(
        f"{r['before']}→{r['after']} (l.{r['line']})" for r in d["repairs"]), highlight=False)
    for key in ("garbage", "unmapped"):
        out.print(f"[bold]{key}[/] ({len(d[key])} lines): " + " | ".join(
            f"{x['line']}: {x['text']}" for x in d[key]), highlight=False)
    for p in d["problems"]:
        out.print(f"[yellow]{p['severity']}[/] line {p['line']}: {p['message']}", highlight=False)


@app.command()
def validate(
    graph: Annotated[Path, typer.Argument(help="A graph file (Turtle, N-Triples, TriG, JSON-LD…).")] = Path(
        "dist/hankekg.ttl"
    ),
    report: Annotated[
        Path | None, typer.Option(help="Write the sh:ValidationReport here as Turtle.")
    ] = None,
) -> None:
    """Validate a graph against shapes/ with pyshacl.

    Prints per project how many card fields are filled out of those expected, then
    every violation. Exit 0 conforms (warnings and infos allowed), 1 violations,
    2 the graph could not be read.

    Examples:

    * `hankekg validate` (dist/hankekg.ttl)
    * `hankekg validate other.ttl --report other-report.ttl`
    """
    from rdflib import Dataset
    from rdflib.util import guess_format

    from hankekg.publish.dumps import union
    from hankekg.publish.files import write_atomic
    from hankekg.validate.run import validate as run_validation

    if not graph.is_file():
        raise _fail(HankekgError("no such graph file", graph))
    try:
        ds = Dataset()
        ds.parse(graph, format=guess_format(str(graph)) or "turtle")
        outcome = run_validation(union(ds))
    except HankekgError as error:
        raise _fail(error) from error
    except Exception as error:  # a parser error from rdflib: say which file
        raise _fail(HankekgError(f"cannot read graph: {error}", graph)) from error
    table = Table(title="completeness (card fields filled / expected)")
    for col in ("project", "filled", "missing (expected)", "missing (nice to have)"):
        table.add_column(col)
    for c in outcome.completeness:
        table.add_row(c.identifier, f"{len(c.filled)}/{c.expected}", ", ".join(c.missing_expected),
                      ", ".join(c.missing_nice))
    out.print(table)
    for row in outcome.violations:
        out.print(f"[red]violation[/] {row.focus} {row.path or ''}: {row.message}", highlight=False)
    counts = {s: sum(1 for r in outcome.rows if r.severity == s) for s in ("Violation", "Warning", "Info")}
    verdict = "[green]conforms[/]" if outcome.conforms else "[red]does not conform[/]"
    out.print(f"{verdict}: {counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos")
    if report:
        write_atomic(report, outcome.report_turtle())
        out.print(f"report: {report}")
    raise typer.Exit(0 if outcome.conforms else 1)


registry_app = typer.Typer(help="Work with EURA2014 registry pages.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")


@registry_app.command("parse")
def registry_parse(
    page: Annotated[Path, typer.Argument(help="A saved EURA2014 project page (.txt text or .html).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json (the documented JSON form) or text.")] = "text",
) -> None:
    """Show what a EURA2014 project page holds: code, name, priority axis, specific objective,
    planned period, status, responsible authority, applicant, partners, municipality,
    website and summary. Contact people are dropped while the page is read.

    Examples:

    * `hankekg registry parse data/registry/eura2014/S21684.txt`
    * `hankekg registry parse saved-page.html --format json`
    """
    from hankekg.registry.jsonform import record_to_dict, record_to_json
    from hankekg.registry.parse import read_registry_page

    if fmt not in ("json", "text"):
        raise _fail(HankekgError(f"unknown format {fmt!r}: use json or text"))
    try:
        record = read_registry_page(page)
    except HankekgError as error:
        raise _fail(error) from error
    if fmt == "json":
        sys.stdout.write(record_to_json(record) + "\n")
        return
    table = Table(show_header=False, box=None)
    for key, value in record_to_dict(record).items():
        if key == "problems":
            continue
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        table.add_row(f"[bold]{key}[/]", "" if value is None else str(value))
    out.print(table)
    for p in record.problems:
        out.print(f"[yellow]{p.severity}[/] line {p.line}: {p.message}", highlight=False)


link_app = typer.Typer(
    help="Link projects to the registries: EURA2014 pages and Kohesio. Without a subcommand: "
    "fetch missing registry pages (with --online) and print the link coverage table.",
    invoke_without_command=True,
)
app.add_typer(link_app, name="link")


@link_app.callback()
def link(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Option(help="The data folder.")] = Path("data"),
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where report/coverage.csv goes.")] = Path("dist"),
    online: Annotated[bool, typer.Option(help="Fetch missing EURA2014 pages from the live registry "
                                              "(politely: one request a second, cached).")] = False,
    delay: Annotated[float, typer.Option(help="Seconds between requests with --online.")] = 1.0,
    registry_url: Annotated[str, typer.Option(help="The registry's project page address.")] =
        "https://www.eura2014.fi/rrtiepa/projekti.php",
) -> None:
    """Fetch the registry pages the cards lack (only with --online; nothing touches the
    network without it), then print and write the link coverage table: projects with a
    registry record and with a Kohesio match, organisations with a business ID, target
    groups with a YSO match, outputs with an ISBN.

    Examples:

    * `hankekg link` (offline: coverage, and which pages are missing)
    * `hankekg link --online` (fetch missing pages into data/registry/eura2014/)
    * `hankekg link kohesio` (match projects to Kohesio items)
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"data_dir": data_dir, "out_dir": out_dir}
        return
    from hankekg import pipeline
    from hankekg.link.run import coverage, coverage_csv, fetch_missing
    from hankekg.publish.files import write_text_atomic
    from hankekg.query.embedded import EmbeddedStore

    try:
        results = fetch_missing(data_dir, online, delay=delay, base_url=registry_url)
        for r in results:
            colour = "green" if r.ok else "yellow" if r.status == "offline-missing" else "red"
            out.print(f"[{colour}]{r.status:<15}[/] {r.code} {r.message}", highlight=False)
        result = pipeline.build(data_dir)
        rows = coverage(EmbeddedStore.of_store(result.graphs.store()))
        write_text_atomic(out_dir / "report" / "coverage.csv", coverage_csv(rows))
    except HankekgError as error:
        raise _fail(error) from error
    _print_coverage(rows)
    out.print(f"written: {out_dir / 'report' / 'coverage.csv'}")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(EXIT_ERROR)


def _print_coverage(rows) -> None:
    table = Table(title="link coverage")
    for col in ("", "have", "of", "share"):
        table.add_column(col, justify="left" if not col else "right")
    for r in rows:
        table.add_row(r.what, str(r.have), str(r.total), f"{100 * r.share:.0f} %")
    out.print(table)


@link_app.command("kohesio")
def link_kohesio(
    ctx: typer.Context,
    endpoint: Annotated[str, typer.Option(help="SPARQL endpoint of the EU Knowledge Graph.")] =
        "https://query.linkedopendata.eu/sparql",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer.")] = 30.0,
) -> None:
    """Match every project to its Kohesio item (EU Knowledge Graph) by name, dates and
    beneficiary, and record the matches in data/reference/kohesio.csv, which every build
    turns into owl:sameAs links. A wrong match is worse than a missed one: only a clear
    winner is recorded; every decision is printed.
    """
    from hankekg import pipeline
    from hankekg.link.kohesio import KohesioMatcher
    from hankekg.link.run import match_kohesio
    from hankekg.paths import reference_dir

    data_dir = ctx.obj["data_dir"]
    try:
        result = pipeline.build(data_dir)
        target = reference_dir(data_dir) / "kohesio.csv"
        outcomes = match_kohesio(result.projects, KohesioMatcher(endpoint, timeout=timeout), target)
    except HankekgError as error:
        raise _fail(error) from error
    for o in outcomes:
        if o.match:
            out.print(f"[green]match[/]    {o.code} → {o.match.item} ({o.match.score:.2f}, {o.match.method})",
                      highlight=False)
        else:
            out.print(f"[yellow]no match[/] {o.code}: {o.reason}", highlight=False)
    matched = sum(1 for o in outcomes if o.match)
    out.print(f"{matched} of {len(outcomes)} projects matched; written: {target}")


def _register_stage_commands() -> None:
    """Commands that live beside their stage (query, queries, sparql, push, serve, synth)."""
    from hankekg.cli_query import register as register_query
    from hankekg.cli_synth import register as register_synth

    register_query(app)
    register_synth(app)


_register_stage_commands()


def main() -> None:
    """Entry point of the ``hankekg`` console script."""
    app()
