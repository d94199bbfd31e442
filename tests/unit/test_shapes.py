"""Every shape fires on a minimal violating graph and on nothing else.

Fixtures are in tests/fixtures/shapes/, named ``<shape>.ok[.<case>].ttl`` (must raise no
sh:Violation) and ``<shape>.bad[.<case>].ttl`` (must raise results from ``hk-shapes:<shape>``
and from no other structure shape), where ``<shape>`` is the local name of the shape's IRI.
Each structure shape needs at least one of each. Completeness shapes are tested on
tests/fixtures/shapes/completeness/full-project.ttl, removing one field at a time.

Validation runs as the validate stage runs it (see hankekg.validate.shapes): all shapes,
the ontology merged into the data (as hankekg.validate.run does), no inference, warnings allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from hankekg import paths
from hankekg.errors import ValidationError
from hankekg.namespaces import EURIO, HK
from hankekg.validate.run import with_ontology
from hankekg.validate.shapes import COMPLETENESS_GROUP, SHAPES, load_ontology, load_shapes, load_turtle_dir

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shapes"
FIXTURE_FILES = sorted(FIXTURES.glob("*.ttl"))
FULL_PROJECT = FIXTURES / "completeness" / "full-project.ttl"

COMPLETENESS_WARNINGS = {
    "name", "start", "end", "funders", "funding_eur", "implementers", "target_groups",
    "background", "goals", "method", "outputs", "results", "dissemination",
}
COMPLETENESS_INFOS = {"practices", "notes", "registry_link"}


@dataclass(frozen=True)
class Result:
    shape: URIRef
    severity: URIRef
    focus: str
    message: str

    def __str__(self) -> str:
        shape, severity = self.shape.removeprefix(str(SHAPES)), self.severity.removeprefix(str(SH))
        return f"{shape} [{severity}] on {self.focus}: {self.message}"


def validate(data: Graph) -> list[Result]:
    _, report, _ = pyshacl.validate(
        with_ontology(data),
        shacl_graph=load_shapes(),
        inference="none",
        allow_warnings=True,
    )
    return sorted(
        (
            Result(
                report.value(r, SH.sourceShape),
                report.value(r, SH.resultSeverity),
                str(report.value(r, SH.focusNode)),
                str(report.value(r, SH.resultMessage)),
            )
            for r in report.subjects(RDF.type, SH.ValidationResult)
        ),
        key=str,
    )


def is_completeness(shape: URIRef) -> bool:
    return (shape, SH.group, COMPLETENESS_GROUP) in load_shapes()


def severity_of(shape: URIRef) -> URIRef:
    return load_shapes().value(shape, SH.severity) or SH.Violation


def structure_shapes() -> set[URIRef]:
    """Shapes that report results: targeted shapes and the property shapes of targeted node shapes."""
    g = load_shapes()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = {s for t in targets for s in g.subjects(t, None)}
    properties = {p for s in targeted for p in g.objects(s, SH.property)}
    return {s for s in targeted | properties if isinstance(s, URIRef) and not is_completeness(s)}


def completeness_shapes() -> list[URIRef]:
    g = load_shapes()
    return sorted(s for s in g.subjects(SH.group, COMPLETENESS_GROUP) if isinstance(s, URIRef))


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def show(results: list[Result]) -> str:
    return "\n".join(f"  {r}" for r in results) or "  (no results)"


# --- structure shapes: one conforming and one violating fixture each -----------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture(path: Path):
    shape_name, kind = path.name.split(".")[:2]
    shape = SHAPES[shape_name]
    assert kind in {"ok", "bad"}, (
        f"{path.name}: name it <shape>.ok[.<case>].ttl or <shape>.bad[.<case>].ttl"
    )
    assert shape in structure_shapes(), f"{path.name}: no structure shape hk-shapes:{shape_name}"
    results = validate(parse(path))
    if kind == "ok":
        violations = [r for r in results if r.severity == SH.Violation]
        assert not violations, f"{path.name} should conform but raised:\n{show(violations)}"
    else:
        structure = [r for r in results if not is_completeness(r.shape)]
        assert structure, f"{path.name} should violate hk-shapes:{shape_name} but raised nothing"
        assert {r.shape for r in structure} == {shape}, (
            f"{path.name} should violate hk-shapes:{shape_name} only, but raised:\n{show(structure)}"
        )
        assert all(r.severity == severity_of(shape) == SH.Violation for r in structure), show(structure)


@pytest.mark.parametrize(
    "shape", sorted(structure_shapes()), ids=[s.removeprefix(str(SHAPES)) for s in sorted(structure_shapes())]
)
def test_every_structure_shape_has_fixtures(shape: URIRef):
    name = shape.removeprefix(str(SHAPES))
    kinds = {p.name.split(".")[1] for p in FIXTURE_FILES if p.name.split(".")[0] == name}
    missing = {"ok", "bad"} - kinds
    wanted = "|".join(sorted(missing))
    assert not missing, f"hk-shapes:{name} lacks tests/fixtures/shapes/{name}.<{wanted}>.ttl"


def test_every_shape_is_named_and_explained():
    """Every shape has an IRI, an sh:name and an sh:message (no anonymous shapes)."""
    g = load_shapes()
    shape_refs = (SH.property, SH.node, SH.qualifiedValueShape, SH.sparql)
    shapes = (
        set(g.subjects(RDF.type, SH.NodeShape))
        | set(g.subjects(RDF.type, SH.PropertyShape))
        | set(g.subjects(SH.path, None))
        | {o for p in shape_refs for o in g.objects(None, p)}
    )
    anonymous = sorted(str(s) for s in shapes if not isinstance(s, URIRef))
    assert not anonymous, f"shapes without an IRI: {anonymous}"
    unexplained = sorted(
        s.removeprefix(str(SHAPES))
        for s in shapes
        if g.value(s, SH.name) is None or g.value(s, SH.message) is None
    )
    assert not unexplained, f"shapes without sh:name or sh:message: {unexplained}"
    outside = sorted(str(s) for s in shapes if not s.startswith(str(SHAPES)))
    assert not outside, f"shapes outside {SHAPES}: {outside}"


def test_role_concepts_are_the_role_scheme():
    """The sh:in list of role-concept is exactly the concepts of hk:RoleScheme."""
    shapes, ontology = load_shapes(), load_ontology()
    allowed = set(Collection(shapes, shapes.value(SHAPES["role-concept"], SH["in"])))
    scheme = set(ontology.subjects(URIRef("http://www.w3.org/2004/02/skos/core#inScheme"), HK.RoleScheme))
    assert allowed == scheme == {HK.MainImplementer, HK.CoImplementer, HK.SupportTransferee}


def test_every_programme_level_is_a_funding_scheme_under_the_programme():
    """project-funding-scheme asks for an eurio:FundingScheme; programme.ttl's levels are
    typed so, and each reaches the programme through eurio:isSubSchemeOf."""
    shapes = load_shapes()
    assert shapes.value(SHAPES["project-funding-scheme"], SH["class"]) == EURIO.FundingScheme
    programme = Graph().parse(paths.ontology_dir() / "programme.ttl", format="turtle")
    top = URIRef("https://w3id.org/hankekg/programme/2014FI16M2OP001")
    levels = set(programme.subjects(RDF.type, EURIO.FundingScheme))
    assert len(levels) == 3
    for level in levels:
        assert top in set(programme.transitive_objects(level, EURIO.isSubSchemeOf)), level


# --- the loaders ---------------------------------------------------------------------------


def test_loaders_read_every_file_once_and_cache():
    assert load_shapes() is load_shapes()
    assert load_ontology() is load_ontology()
    ontology = Graph()
    for path in sorted(paths.ontology_dir().rglob("*.ttl")):
        ontology.parse(path, format="turtle")
    assert len(load_ontology()) == len(ontology)
    assert (SHAPES.ProjectShape, RDF.type, SH.NodeShape) in load_shapes()
    assert (COMPLETENESS_GROUP, RDF.type, SH.PropertyGroup) in load_shapes()


def test_a_broken_file_is_reported_with_its_line(tmp_path: Path):
    (tmp_path / "good.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (tmp_path / "broken.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n\n<urn:a> <urn:b> .\n")
    with pytest.raises(ValidationError) as caught:
        load_turtle_dir(tmp_path)
    assert caught.value.path == str(tmp_path / "broken.ttl")
    assert caught.value.line == 3


def test_an_empty_folder_is_an_error(tmp_path: Path):
    with pytest.raises(ValidationError):
        load_turtle_dir(tmp_path)


# --- completeness shapes ------------------------------------------------------------------


def test_completeness_fields_are_the_card_fields():
    g = load_shapes()
    names = {str(g.value(s, SH.name)) for s in completeness_shapes()}
    assert names == COMPLETENESS_WARNINGS | COMPLETENESS_INFOS
    for shape in completeness_shapes():
        name = str(g.value(shape, SH.name))
        assert shape == SHAPES[f"completeness-{name}"], f"{shape} should be named completeness-{name}"
        assert g.value(shape, SH.name) == Literal(name), f"{shape}: sh:name must be the plain {name!r}"
        expected = SH.Warning if name in COMPLETENESS_WARNINGS else SH.Info
        assert severity_of(shape) == expected, f"{shape} should have severity {expected}"


def test_full_project_is_complete_and_conforms():
    results = validate(parse(FULL_PROJECT))
    assert not results, f"{FULL_PROJECT.name} should raise nothing, but raised:\n{show(results)}"


def _steps(shape: URIRef) -> list[URIRef]:
    g = load_shapes()
    path = g.value(shape, SH.path)
    return [path] if isinstance(path, URIRef) else list(Collection(g, path))


@pytest.mark.parametrize(
    "shape", completeness_shapes(), ids=[s.removeprefix(str(SHAPES)) for s in completeness_shapes()]
)
def test_missing_field_is_reported_by_its_completeness_shape(shape: URIRef):
    """Removing a field's last predicate fires its shape, and those whose path goes through it.

    (No funders means no funding amount either.)
    """
    predicate = _steps(shape)[-1]
    data = parse(FULL_PROJECT)
    data.remove((None, predicate, None))
    expected = sorted((s, severity_of(s)) for s in completeness_shapes() if predicate in _steps(s))
    completeness = [r for r in validate(data) if is_completeness(r.shape)]
    assert sorted((r.shape, r.severity) for r in completeness) == expected, show(completeness)
    assert {r.focus for r in completeness} == {"https://w3id.org/hankekg/id/project/S21684"}


def test_missing_background_is_a_warning():
    data = parse(FULL_PROJECT)
    data.remove((None, HK.background, None))
    results = validate(data)
    assert [(r.shape, r.severity) for r in results] == [(SHAPES["completeness-background"], SH.Warning)]


def test_missing_practices_is_info():
    data = parse(FULL_PROJECT)
    data.remove((None, HK.promisingPracticesText, None))
    results = validate(data)
    assert [(r.shape, r.severity) for r in results] == [(SHAPES["completeness-practices"], SH.Info)]


def test_completeness_results_do_not_break_conformance():
    data = parse(FULL_PROJECT)
    data.remove((None, HK.background, None))
    conforms, _, _ = pyshacl.validate(
        with_ontology(data), shacl_graph=load_shapes(), inference="none", allow_warnings=True
    )
    assert conforms
