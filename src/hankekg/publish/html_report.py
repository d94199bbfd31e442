"""The build at a glance: dist/report/index.html, beside the CSV files of :mod:`report`.

One self-contained page (no external resources, no script): the validation result, a
completeness matrix (projects × card fields, coloured filled / missing-expected /
missing-nice; the fields are the ``sh:name`` of the completeness shapes, in their
``sh:order``), the OCR repairs, unmapped and logo lines, source conflicts, organisation
name matches, link coverage, input problems, and four charts drawn with matplotlib as
inline SVG (funding per funder and per region, projects per target group, projects per
start year). The SVGs are deterministic: a fixed ``svg.hashsalt``, no date in the
metadata, text kept as text.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDFS, SH, SKOS

from hankekg.pipeline import BuildResult
from hankekg.publish.files import write_text_atomic
from hankekg.publish.report import summary
from hankekg.publish.site import FIELD_LABELS, TEMPLATES, euros, fold

if TYPE_CHECKING:
    from hankekg.query.embedded import EmbeddedStore

log = logging.getLogger(__name__)

ROW_LIMIT = 1000
"""The most rows a table of the page shows; the CSV files beside it have them all (a corpus of
10,000 synthetic cards has ~900,000 repairs)."""

CSV_FILES = (
    ("results.csv", "SHACL-tulokset", "SHACL results"),
    ("completeness.csv", "Täyttöaste", "Completeness"),
    ("repairs.csv", "OCR-korjaukset", "OCR repairs"),
    ("unmapped.csv", "Sijoittamattomat rivit", "Unmapped lines"),
    ("problems.csv", "Syötteen ongelmat", "Input problems"),
    ("conflicts.csv", "Lähteiden erot", "Source conflicts"),
    ("matches.csv", "Nimien yhdistäminen", "Name matches"),
    ("organisations.csv", "Organisaatiot", "Organisations"),
    ("coverage.csv", "Linkitys", "Link coverage"),
    ("summary.json", "Yhteenveto", "Summary"),
    ("validation.ttl", "SHACL-raportti", "SHACL report"),
)

SVG_SALT = "hankekg"
BAR_COLOUR = "#0b5cad"


def completeness_columns() -> list[tuple[str, str]]:
    """(field, severity) of every completeness shape, in ``sh:order``."""
    from hankekg.validate.run import completeness_fields
    from hankekg.validate.shapes import load_shapes

    shapes = load_shapes()
    fields = completeness_fields(shapes)
    order = {shape: int(shapes.value(shape, SH.order) or 0) for shape in fields}
    return [fields[s] for s in sorted(fields, key=lambda s: (order[s], fields[s][0]))]


def _bar_svg(labels: list[str], values: list[float], title: str, xlabel: str, chart_id: str,
             money: bool = False) -> Markup:
    """A horizontal bar chart as an inline ``<svg>`` element with ids prefixed by ``chart_id``."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none", "font.family": "DejaVu Sans",
                     "font.size": 9}):
        height = max(1.6, 0.32 * max(len(labels), 1) + 1.0)
        fig = Figure(figsize=(7.5, height))
        ax = fig.add_subplot()
        if labels:
            positions = list(range(len(labels)))[::-1]
            ax.barh(positions, values, color=BAR_COLOUR)
            ax.set_yticks(positions, [_short(label) for label in labels])
            for y, v in zip(positions, values):
                ax.text(v, y, " " + (euros(v) if money else f"{v:g}"), va="center", fontsize=8)
            ax.set_xlim(0, max(values) * 1.25 if max(values) > 0 else 1)
        else:
            ax.text(0.5, 0.5, "ei tietoa / no data", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_xlabel(xlabel)
        if not money:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if money:
            ax.xaxis.set_major_formatter(lambda v, _pos: euros(round(v)).replace(" €", ""))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return Markup(_inline(buf.getvalue(), chart_id, title))


def _short(label: str, width: int = 42) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _inline(svg: str, prefix: str, title: str) -> str:
    """An SVG document as an element for HTML: no prolog, ids unique on the page, a title."""
    svg = svg[svg.index("<svg"):]
    ids = re.findall(r'id="([^"]+)"', svg)
    for ident in sorted(set(ids), key=len, reverse=True):
        new = f"{prefix}-{ident}"
        svg = svg.replace(f'id="{ident}"', f'id="{new}"').replace(f"#{ident})", f"#{new})") \
            .replace(f'href="#{ident}"', f'href="#{new}"')
    svg = re.sub(r'<svg ', '<svg role="img" aria-labelledby="' + prefix + '-title" ', svg, count=1)
    head_end = svg.index(">") + 1
    escaped = title.replace("&", "&amp;").replace("<", "&lt;")
    return svg[:head_end] + f'<title id="{prefix}-title">{escaped}</title>' + svg[head_end:]


_CHART_PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_FUNDING = _CHART_PREFIXES + """
SELECT ?project ?grant ?funder ?value ?region WHERE {
  ?project a eurio:Project ; eurio:isFundedBy ?grant .
  ?grant eurio:isDisbursedBy ?funder ; eurio:hasFundingAmount/eurio:value ?value .
  OPTIONAL { ?project dct:spatial ?region }
}"""
_GROUPS = _CHART_PREFIXES + "SELECT DISTINCT ?project ?group WHERE { ?project a eurio:Project ; dct:audience ?group }"
_STARTS = _CHART_PREFIXES + "SELECT ?project ?start WHERE { ?project a eurio:Project ; eurio:startDate ?start }"
_LABELS = _CHART_PREFIXES + """
SELECT ?node ?p ?label WHERE {
  VALUES ?p { skos:prefLabel dct:title rdfs:label }
  ?node ?p ?label . FILTER(lang(?label) IN ("fi", ""))
  FILTER EXISTS { { ?x eurio:isDisbursedBy ?node } UNION { ?x dct:spatial ?node } UNION { ?x dct:audience ?node } }
}"""


def chart_data(graph: Graph | EmbeddedStore) -> dict[str, list[tuple[str, float]]]:
    """What the charts show, counted by SPARQL over the built graph (an rdflib graph or a query
    port over a store), each sorted largest first.

    Funding is counted once per grant; a project's total goes to its region. A node is named by
    its first Finnish or plain label of skos:prefLabel, dct:title, rdfs:label (in that order).
    """
    from hankekg.query.embedded import as_port

    port = as_port(graph)
    names: dict = {}
    for row in port.select(_LABELS).to_dicts():
        names.setdefault(row["node"], {}).setdefault(row["p"], []).append(str(row["label"]))
    order = (SKOS.prefLabel, DCTERMS.title, RDFS.label)

    def label(node) -> str:
        found = names.get(node, {})
        for p in order:
            if p in found:
                return min(found[p])
        return str(node)

    per_funder: dict[str, Decimal] = defaultdict(Decimal)
    per_region: dict[str, Decimal] = defaultdict(Decimal)
    per_group: Counter = Counter()
    per_year: Counter = Counter()
    seen_grants = set()
    totals: dict = defaultdict(Decimal)
    regions: dict = {}
    for row in port.select(_FUNDING).to_dicts():
        if row["grant"] in seen_grants:
            continue
        seen_grants.add(row["grant"])
        value = Decimal(str(row["value"]))
        per_funder[label(row["funder"])] += value
        totals[row["project"]] += value
        if "region" in row:
            regions[row["project"]] = row["region"]
    for project, total in totals.items():
        if total and project in regions:
            per_region[label(regions[project])] += total
    for row in port.select(_GROUPS).to_dicts():
        per_group[label(row["group"])] += 1
    starts = {}
    for row in port.select(_STARTS).to_dicts():
        starts.setdefault(row["project"], str(row["start"])[:4])
    for year in starts.values():
        per_year[year] += 1

    def ranked(counts) -> list[tuple[str, float]]:
        return sorted(((k, float(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], fold(kv[0])))

    return {
        "funder": ranked(per_funder),
        "region": ranked(per_region),
        "target_group": ranked(per_group),
        "year": sorted(((k, float(v)) for k, v in per_year.items()), key=lambda kv: kv[0]),
    }


def charts(graph: Graph | EmbeddedStore) -> list[Markup]:
    """The four charts as inline SVG."""
    data = chart_data(graph)
    specs = (
        ("funder", "Toteutunut julkinen rahoitus rahoittajittain / Funding per funder", "€", True),
        ("region", "Toteutunut julkinen rahoitus maakunnittain / Funding per region", "€", True),
        ("target_group", "Hankkeita kohderyhmittäin / Projects per target group",
         "hankkeita / projects", False),
        ("year", "Hankkeita alkamisvuoden mukaan / Projects by start year", "hankkeita / projects", False),
    )
    out = []
    for key, title, xlabel, money in specs:
        rows = data[key]
        out.append(_bar_svg([k for k, _ in rows], [v for _, v in rows], title, xlabel, f"chart-{key}", money))
    return out


def write_html_report(result: BuildResult, graph: Graph | EmbeddedStore, out: Path,
                      site_href: str | None = None) -> Path:
    """Write ``out/index.html``, the report page, beside the report files.

    Args:
        result: the build.
        graph: the built graph (the union of its named graphs), or a query port over it.
        out: the report folder, e.g. ``dist/report`` (created if missing).
        site_href: a link to the browsable site from the report (e.g. ``../site/index.html``),
            or None for no link.

    Returns:
        The path of the page.
    """
    from hankekg.link.run import coverage

    v = result.validation
    columns = completeness_columns()
    matrix = []
    for c in itertools.islice(v.completeness, ROW_LIMIT):
        cells = []
        for name, _severity in columns:
            if name in c.filled:
                cells.append(("filled", "✓", "täytetty / filled"))
            elif name in c.missing_expected:
                cells.append(("missing", "✗", "puuttuu / missing (expected)"))
            elif name in c.missing_nice:
                cells.append(("nice", "–", "puuttuu, ei välttämätön / missing (nice to have)"))
            else:
                cells.append(("na", "", ""))
        matrix.append({"code": c.identifier, "project": c.project, "filled": len(c.filled),
                       "expected": c.expected, "cells": cells})
    grouped = Counter((r.severity, r.field or "", r.message) for r in v.rows if r.severity != "Violation")
    result_groups = sorted(((sev, fld, msg, n) for (sev, fld, msg), n in grouped.items()),
                           key=lambda t: (t[0] != "Warning", -t[3], t[1], t[2]))
    cards = result.cards
    problems = [(str(path), error.line or "", "error", type(error).__name__, error.message)
                for path, error in result.failures]
    problems += [(p.path, p.line or "", p.severity, p.kind, p.message) for p in result.problems]
    repairs = ((c.source, r.line, r.before, r.after, r.reason) for c in cards for r in c.repairs)
    unmapped = ((c.source, s.line, s.kind, s.text) for c in cards
                for s in sorted((*c.unmapped, *c.garbage), key=lambda s: s.line))
    conflicts = [c for p in result.projects for c in p.conflicts]
    matches = [m for p in result.projects for m in p.matches]
    totals = {"matrix": len(v.completeness), "repairs": sum(o.repairs for o in result.outcomes),
              "unmapped": sum(o.unmapped + o.garbage for o in result.outcomes), "conflicts": len(conflicts),
              "matches": len(matches), "problems": len(problems)}
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["euros"] = euros
    html = env.get_template("report.html").render(
        s=summary(result, result.graphs.union_size),
        violations=v.violations,
        result_groups=result_groups,
        severities=Counter(r.severity for r in v.rows),
        columns=[(name, FIELD_LABELS.get(name, (name, name)), sev) for name, sev in columns],
        matrix=matrix,
        repairs=list(itertools.islice(repairs, ROW_LIMIT)),
        unmapped=list(itertools.islice(unmapped, ROW_LIMIT)),
        conflicts=conflicts[:ROW_LIMIT],
        matches=matches[:ROW_LIMIT],
        totals=totals,
        coverage=coverage(graph),
        problems=problems[:ROW_LIMIT],
        charts=charts(graph),
        csv_files=CSV_FILES,
        site_href=site_href,
    )
    path = out / "index.html"
    write_text_atomic(path, html)
    log.info("report page: %s", path)
    return path

