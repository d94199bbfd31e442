"""Load the SHACL shapes and the ontology a graph is validated against.

Run pyshacl with both, and no inference::

    pyshacl.validate(data, shacl_graph=load_shapes(), ont_graph=load_ontology(),
                     inference="none", allow_warnings=True)

or, equivalently for these shapes, validate the union of ``data`` and ``load_ontology()``
(what a built graph, which carries the ontology in its own named graph, amounts to).

Why the ontology at all: with inference ``"none"`` pyshacl decides class membership
(``sh:targetClass``, ``sh:class``) by ``rdf:type/rdfs:subClassOf*`` in the data graph
alone. The mapping asserts every type the shapes look for, but subclass axioms must still
count: a node typed ``hk:TargetGroup`` only is a ``skos:Concept``, a
``hk:RealisedPublicFunding`` is an ``eurio:MonetaryAmount``. Given ``ont_graph``, pyshacl
copies the ontology's class and property axioms (not its individuals) into a copy of the
data graph, so the caller's graph is left alone; no shape depends on an individual of the
ontology (the programme levels are checked with ``sh:in``). RDFS inference is not used:
it would add triples (from domains and ranges) the shapes were not written for.

Do not type ontology individuals ``owl:NamedIndividual``: pyshacl's ``ont_graph`` then
deep-copies them, following every link ten levels deep without noticing cycles, which
turns milliseconds into seconds per validation.

Which results are which: structure shapes (``shapes/structure.ttl``) report
``sh:Violation``; completeness shapes (``shapes/completeness.ttl``) are in the
``sh:group`` :data:`COMPLETENESS_GROUP`, have ``sh:name`` set to a card field name and
report ``sh:Warning`` or ``sh:Info``.

The graphs returned are cached and shared: do not modify them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph, Namespace

from hankekg import paths
from hankekg.errors import ValidationError
from hankekg.namespaces import bind_prefixes

SHAPES = Namespace("https://w3id.org/hankekg/shapes#")
"""The namespace of every shape (``hk-shapes:``)."""

COMPLETENESS_GROUP = SHAPES.Completeness
"""The ``sh:PropertyGroup`` of the completeness shapes."""


def load_turtle_dir(folder: Path) -> Graph:
    """Parse every ``.ttl`` file under ``folder`` (recursively, in path order) into one graph.

    Raises:
        ValidationError: if the folder has no Turtle file or a file does not parse; the
            error carries the file and, where rdflib reports it, the line.
    """
    files = sorted(folder.rglob("*.ttl"))
    if not files:
        raise ValidationError("no .ttl file found", path=folder)
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("hk-shapes", SHAPES)
    for file in files:
        try:
            graph.parse(file, format="turtle")
        except SyntaxError as err:  # rdflib's Turtle parser raises BadSyntax, a SyntaxError
            line = getattr(err, "lines", None)
            raise ValidationError(
                f"not valid Turtle: {err}", path=file, line=line + 1 if isinstance(line, int) else None
            ) from err
    return graph


@cache
def load_shapes() -> Graph:
    """Every shape under ``shapes/``: structure and completeness."""
    return load_turtle_dir(paths.shapes_dir())


@cache
def load_ontology() -> Graph:
    """Everything under ``ontology/``: hankekg.ttl, programme.ttl and the reused-term declarations."""
    return load_turtle_dir(paths.ontology_dir())
