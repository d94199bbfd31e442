"""Validation in chunks of focus nodes, with pyshacl itself (experimental; not wired in).

pyshacl stays the engine, so the results are pyshacl's; what changes is the graph it
looks at. pyshacl's time grows with the graph, most of which (the provenance of every
OCR repair, the original card texts) no shape ever reads. So:

1. every focus node of every shape is found in the whole graph (``sh:targetClass``
   through ``rdf:type``/``rdfs:subClassOf*``, ``sh:targetNode``, ``sh:targetSubjectsOf``);
2. the focus nodes are cut into chunks (sorted, so the chunks do not depend on the
   order of the graph); for each chunk a small graph is made: from each focus node, the
   triples along the predicates the shapes can follow (every IRI in an ``sh:path``,
   ``sh:lessThan``/``sh:lessThanOrEquals``/``sh:equals``/``sh:disjoint``, the target
   predicates and ``rdf:type``), to a fixed point, plus every ``rdfs:subClassOf`` triple;
3. pyshacl validates each small graph whole, in a process pool, and keeps the results
   whose focus node is one of the chunk's (a node reached from the chunk carries its
   own closure with it, so its results there are its results in the whole graph; each
   focus node is kept in one chunk only); the results are merged and sorted as
   :mod:`hankekg.validate.run` sorts them.

This is exact for shapes that only look forward from a focus node: the core
constraints along predicate paths (sequence, alternative, zero-or-more … of IRIs), with
``sh:class`` through ``rdf:type``/``rdfs:subClassOf*``. Shapes using what it cannot
cut for (``sh:inversePath``, ``sh:targetObjectsOf``, ``sh:closed``, SPARQL constraints or
targets, ``sh:equals``-style comparisons over inverse paths, DASH/advanced targets) make
:func:`validate` fall back to one pyshacl run over the whole graph; ``cuttable`` says
which. tests/unit/test_fast_validate.py compares both engines result by result on a
graph with a violation of every shape.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ProcessPoolExecutor

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from hankekg.validate.run import ValidationOutcome, _completeness, _rows, completeness_fields, row_key
from hankekg.validate.shapes import load_shapes

log = logging.getLogger(__name__)

_PATH_PREDICATES = (SH.path, SH.lessThan, SH.lessThanOrEquals, SH.equals, SH.disjoint)
_UNSUPPORTED = (SH.inversePath, SH.targetObjectsOf, SH.closed, SH.sparql, SH.target, SH.select, SH.ask,
                SH.rule, SH.targetObjectsOf)

_WORKER: dict = {}


def cuttable(shapes: Graph) -> tuple[bool, str]:
    """Whether the shapes can be validated in chunks, and if not, why."""
    for p in _UNSUPPORTED:
        if (None, p, None) in shapes:
            return False, f"the shapes use {p.n3()}"
    for shape in shapes.subjects(RDF.type, RDFS.Class):
        if (shape, RDF.type, SH.NodeShape) in shapes or (shape, RDF.type, SH.PropertyShape) in shapes:
            return False, f"{shape.n3()} is a shape and a class (implicit class target)"
    return True, ""


def _path_iris(shapes: Graph, node) -> set[URIRef]:
    """Every predicate IRI in a SHACL path expression."""
    if isinstance(node, URIRef):
        return {node}
    out: set[URIRef] = set()
    if isinstance(node, BNode):
        if (node, RDF.first, None) in shapes:
            for item in Collection(shapes, node):
                out |= _path_iris(shapes, item)
            return out
        for p, o in shapes.predicate_objects(node):
            if p in (SH.alternativePath,):
                out |= _path_iris(shapes, o)
            elif p in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
                out |= _path_iris(shapes, o)
    return out


def relevant_predicates(shapes: Graph) -> frozenset[URIRef]:
    """The predicates along which a shape can look from a focus node."""
    out: set[URIRef] = {RDF.type}
    for p in _PATH_PREDICATES:
        for o in shapes.objects(None, p):
            out |= _path_iris(shapes, o)
    out |= {o for o in shapes.objects(None, SH.targetSubjectsOf) if isinstance(o, URIRef)}
    return frozenset(out)


def focus_nodes(data: Graph, shapes: Graph) -> list:
    """Every node some shape targets in ``data``, sorted."""
    nodes: set = set()
    subclass: dict = {}
    for s, o in data.subject_objects(RDFS.subClassOf):
        subclass.setdefault(o, set()).add(s)

    def subclasses(cls) -> set:
        seen, stack = {cls}, [cls]
        while stack:
            for sub in subclass.get(stack.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    stack.append(sub)
        return seen

    for cls in set(shapes.objects(None, SH.targetClass)):
        for c in subclasses(cls):
            nodes.update(data.subjects(RDF.type, c))
    nodes.update(shapes.objects(None, SH.targetNode))
    for p in set(shapes.objects(None, SH.targetSubjectsOf)):
        nodes.update(data.subjects(p, None))
    return sorted(nodes, key=lambda n: (isinstance(n, Literal), isinstance(n, BNode), str(n)))


def chunk_graph(data: Graph, nodes, relevant: frozenset[URIRef], subclass_triples) -> Graph:
    """The triples the shapes can reach from ``nodes``, and every subclass axiom."""
    g = Graph()
    for t in subclass_triples:
        g.add(t)
    seen = set(nodes)
    stack = list(nodes)
    while stack:
        s = stack.pop()
        if isinstance(s, Literal):
            continue
        for p, o in data.predicate_objects(s):
            if p in relevant:
                g.add((s, p, o))
                if not isinstance(o, Literal) and o not in seen:
                    seen.add(o)
                    stack.append(o)
    return g


def _validate_chunk(index: int):
    data, shapes = _WORKER["data"], _WORKER["shapes"]
    nodes = _WORKER["chunks"][index]
    g = chunk_graph(data, nodes, _WORKER["relevant"], _WORKER["subclass"])
    # Not pyshacl's focus_nodes: with it, pyshacl 0.40 skips the nested sh:qualifiedValueShape
    # on value nodes outside the list and reports a false project-main-implementer violation.
    # Every node of the small graph has its whole reachable closure in it, so its results
    # are those of the whole graph; only the chunk's own focus nodes are kept.
    _conforms, report, _ = pyshacl.validate(
        g, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True, advanced=True,
    )
    own = {str(n) for n in nodes}
    return [row for row in _rows(report, _WORKER["fields"]) if row.focus in own]


def validate(data: Graph, ontology_included: bool = True, workers: int = 1, chunk: int = 500,
             shapes: Graph | None = None) -> ValidationOutcome:
    """Validate ``data`` as :func:`hankekg.validate.run.validate` does, in chunks of focus nodes.

    ``report`` of the outcome is an empty graph (the rows are the result); use the
    reference engine when the SHACL report graph itself is wanted.
    """
    from hankekg.validate import run

    shapes = shapes if shapes is not None else load_shapes()
    if not ontology_included:
        data = run.with_ontology(data)
    ok, why = cuttable(shapes)
    if not ok:
        log.info("fast validation falls back to one pyshacl run: %s", why)
        return run.validate(data, ontology_included=True)
    nodes = focus_nodes(data, shapes)
    chunks = [nodes[i:i + chunk] for i in range(0, len(nodes), chunk)]
    fields = completeness_fields(shapes)
    _WORKER.update(data=data, shapes=shapes, chunks=chunks, relevant=relevant_predicates(shapes),
                   subclass=list(data.triples((None, RDFS.subClassOf, None))), fields=fields)
    try:
        if workers <= 1 or len(chunks) <= 1:
            parts = [_validate_chunk(i) for i in range(len(chunks))]
        else:
            import multiprocessing

            ctx = multiprocessing.get_context("fork")  # the workers inherit the graph
            with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
                parts = list(ex.map(_validate_chunk, range(len(chunks))))
    finally:
        _WORKER.clear()
    rows = tuple(sorted((row for part in parts for row in part), key=row_key))
    return ValidationOutcome(
        conforms=not any(r.severity == "Violation" for r in rows),
        rows=rows,
        completeness=_completeness(data, rows, fields),
        report=Graph(),
    )
