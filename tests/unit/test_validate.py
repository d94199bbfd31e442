"""Validation output is data: result rows, completeness per project, and exit codes."""

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from hankekg.namespaces import HK
from hankekg.validate.run import validate
from tests.support import run_cli
from hankekg.publish.dumps import union
from tests.unit.test_mapping import _dataset  # maps a small hand-made card

PROJECT = URIRef("http://example.org/kg/project/S10001")


@pytest.fixture(scope="module")
def small_graph() -> Graph:
    return union(_dataset())


def test_small_card_conforms_and_reports_missing_fields(small_graph):
    outcome = validate(small_graph)
    assert outcome.conforms, outcome.violations
    (c,) = outcome.completeness
    assert c.identifier == "S10001"
    # The hand-made card fills title, dates, funder, amount, implementers, target groups,
    # goals, outputs and the registry link; it leaves these empty:
    assert set(c.missing_expected) == {"background", "method", "results", "dissemination"}
    assert set(c.missing_nice) == {"practices", "notes"}
    assert c.expected == len(c.filled) + 6


def test_a_violation_is_a_row_naming_its_shape(small_graph):
    g = Graph()
    for t in small_graph:
        g.add(t)
    g.remove((PROJECT, DCTERMS.identifier, None))
    g.add((PROJECT, DCTERMS.identifier, Literal("X1")))
    outcome = validate(g)
    assert not outcome.conforms
    shapes = {r.shape.rsplit("#", 1)[-1] for r in outcome.violations}
    assert any("identifier" in s for s in shapes), shapes
    assert all(r.focus == str(PROJECT) for r in outcome.violations)


def test_validate_command_exit_codes(small_graph, tmp_path: Path):
    good = tmp_path / "good.ttl"
    small_graph.serialize(good, format="turtle")
    assert run_cli("validate", str(good)).returncode == 0

    bad = tmp_path / "bad.ttl"
    g = Graph()
    for t in small_graph:
        g.add(t)
    g.add((PROJECT, HK.background, Literal("toinen", lang="fi")))
    g.add((PROJECT, HK.background, Literal("kolmas", lang="fi")))
    g.remove((PROJECT, DCTERMS.title, None))
    g.add((PROJECT, DCTERMS.title, Literal("A", lang="fi")))
    g.add((PROJECT, DCTERMS.title, Literal("B", lang="fi")))
    g.serialize(bad, format="turtle")
    proc = run_cli("validate", str(bad), "--report", str(tmp_path / "report.ttl"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "violation" in proc.stdout
    report = Graph().parse(tmp_path / "report.ttl", format="turtle")
    assert len(report) > 0

    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .\n", encoding="utf-8")
    proc = run_cli("validate", str(broken))
    assert proc.returncode == 2
    assert "broken.ttl" in proc.stderr

    assert run_cli("validate", str(tmp_path / "missing.ttl")).returncode == 2


def test_results_differing_only_in_a_missing_value_sort_without_error():
    """Regression: sorting result rows raised TypeError when two rows differed only where
    one has no value (a title without a language tag gives such results)."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "shapes" / "project-title.bad.no-language.ttl"
    outcome = validate(Graph().parse(fixture, format="turtle"))
    assert not outcome.conforms
    assert any(r.shape.endswith("project-title") for r in outcome.violations)
