"""The build report in dist/report/: everything a person should look at after a build.

Files (all UTF-8; CSV with a header row):

- ``validation.ttl``   the standard ``sh:ValidationReport`` of pyshacl
- ``results.csv``      one row per SHACL result: severity, focus, path, shape, field, message, value
- ``completeness.csv`` one row per project: code, filled, expected, missing expected / nice-to-have fields
- ``cards.csv``        every card: file, code, how it was read (encoding, or the PDF path and
  its confidence), repairs, unmapped lines, problems
- ``repairs.csv``      every OCR diacritic repair: file, line, before, after, reason
- ``unmapped.csv``     every source line that is not a field value: file, line, kind (garbage | unmapped), text
- ``problems.csv``     every input problem: file, line, severity, kind, message
- ``conflicts.csv``    values on which the card and the registry record disagree, and what the graph uses
- ``matches.csv``      every decision that a name on a card is an organisation of the registry record
- ``organisations.csv`` every organisation node: key, preferred name, other names, business ID
- ``coverage.csv``     link coverage: projects with a registry record or a Kohesio match, organisations
  with a business ID, target groups with a YSO match, outputs with an ISBN
- ``summary.json``     the counts of the terminal summary

(``hankekg build`` adds ``timings.json``: the seconds and peak memory of each stage.)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from hankekg.pipeline import BuildResult
from hankekg.publish.files import open_atomic, write_atomic, write_text_atomic

if TYPE_CHECKING:
    from hankekg.query.embedded import EmbeddedStore


def _csv(header: list[str], rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def summary(result: BuildResult, triples: int) -> dict:
    """The counts shown on the terminal and in summary.json."""
    rows = result.validation.rows
    comp = result.validation.completeness
    return {
        "cards_read": len(result.outcomes),
        "cards_built": len(result.cards),
        "cards_failed": sum(1 for o in result.outcomes if o.error),
        "registry_read": len(result.records),
        "registry_failed": sum(1 for o in result.records if o.error),
        "conflicts": sum(len(p.conflicts) for p in result.projects),
        "organisations": len(result.organisations),
        "links": dict(sorted(result.link_counts.items())),
        "problems": len(result.problems),
        "input_errors": len(result.failures) + sum(1 for p in result.problems if p.severity == "error"),
        "triples": triples,
        "projects": len(comp),
        "conforms": result.validation.conforms,
        "violations": sum(1 for r in rows if r.severity == "Violation"),
        "warnings": sum(1 for r in rows if r.severity == "Warning"),
        "infos": sum(1 for r in rows if r.severity == "Info"),
        "repairs": sum(o.repairs for o in result.outcomes),
        "unmapped_lines": sum(o.unmapped for o in result.outcomes),
        "garbage_lines": sum(o.garbage for o in result.outcomes),
        "fields_filled": sum(len(c.filled) for c in comp),
        "fields_expected": sum(c.expected for c in comp),
        "exit_code": result.exit_code,
    }


def write_report(result: BuildResult, folder: Path, graph: Graph | EmbeddedStore) -> dict:
    """Write the report files into ``folder``; returns the summary.

    Args:
        result: the build.
        folder: where the files go (created if missing).
        graph: the built graph (the union of its named graphs) or a query port over it, for
            the link coverage.
    """
    from hankekg.link.run import coverage, coverage_csv

    v = result.validation
    triples = result.graphs.union_size
    write_text_atomic(folder / "coverage.csv", coverage_csv(coverage(graph)))
    write_atomic(folder / "validation.ttl", v.report_turtle())
    write_text_atomic(
        folder / "results.csv",
        _csv(
            ["severity", "focus", "path", "shape", "field", "message", "value"],
            ((r.severity, r.focus, r.path or "", r.shape, r.field or "", r.message, r.value or "") for r in v.rows),
        ),
    )
    write_text_atomic(
        folder / "completeness.csv",
        _csv(
            ["code", "filled", "expected", "missing_expected", "missing_nice_to_have", "project"],
            (
                (c.identifier, len(c.filled), c.expected, " ".join(c.missing_expected),
                 " ".join(c.missing_nice), c.project)
                for c in v.completeness
            ),
        ),
    )
    write_text_atomic(
        folder / "cards.csv",
        _csv(["file", "code", "read_as", "repairs", "unmapped", "garbage", "problems"],
             ((o.source, o.code, o.encoding, o.repairs, o.unmapped, o.garbage, len(o.problems))
              for o in result.outcomes if o.has_card)),
    )
    # One pass over the cards (each unpacked in turn) writes both files as it goes: at
    # 100,000 cards they hold ten million rows.
    with open_atomic(folder / "repairs.csv") as repairs, open_atomic(folder / "unmapped.csv") as unmapped:
        rw, uw = csv.writer(repairs, lineterminator="\n"), csv.writer(unmapped, lineterminator="\n")
        rw.writerow(["file", "line", "before", "after", "reason"])
        uw.writerow(["file", "line", "kind", "text"])
        for c in result.cards:
            rw.writerows((c.source, r.line, r.before, r.after, r.reason) for r in c.repairs)
            uw.writerows((c.source, s.line, s.kind, s.text)
                         for s in sorted((*c.unmapped, *c.garbage), key=lambda s: s.line))
    problems = [
        (str(path), error.line or "", "error", type(error).__name__, error.message)
        for path, error in result.failures
    ] + [(p.path, p.line or "", p.severity, p.kind, p.message) for p in result.problems]
    write_text_atomic(folder / "problems.csv", _csv(["file", "line", "severity", "kind", "message"], problems))
    write_text_atomic(
        folder / "conflicts.csv",
        _csv(["code", "field", "card", "registry", "resolution"],
             ((c.code, c.field, c.card, c.registry, c.resolution) for p in result.projects for c in p.conflicts)),
    )
    write_text_atomic(
        folder / "matches.csv",
        _csv(["code", "card_name", "registry_name", "business_id", "score", "method", "accepted"],
             ((m.code, m.card_name, m.registry_name, m.business_id or "", m.score, m.method,
               "yes" if m.accepted else "no") for p in result.projects for m in p.matches)),
    )
    write_text_atomic(
        folder / "organisations.csv",
        _csv(["key", "name", "other_names", "business_id", "municipality"],
             ((o.key, o.name, " | ".join(o.alt_names), o.business_id or "", o.municipality or "")
              for o in result.organisations)),
    )
    data = summary(result, triples)
    write_text_atomic(folder / "summary.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return data
