"""Fast validation: pyshacl's results, from a native SHACL engine run on small graphs.

:func:`validate` returns the :class:`~hankekg.validate.run.ValidationOutcome` that
:func:`hankekg.validate.run.validate` (pyshacl over the whole graph, the reference)
returns, row for row, in a small fraction of the time and memory (1,000 projects: pyshacl
13–80 s, this about 1 s; bench/validate_speed.py). It takes the graph as an rdflib
``Graph``, a ``pyoxigraph.Store`` (the union of its graphs) or N-Triples (bytes or the
path of a file: the union of the data, provenance and links graphs plus the ontology),
and never builds an rdflib graph of the whole.

How, and why the results are pyshacl's:

1. **Only what shapes read** (:mod:`hankekg.validate.index`). A triple can change a result
   only if its predicate is on a shape path (every IRI in an ``sh:path``, and the
   ``sh:lessThan``/``sh:lessThanOrEquals``/``sh:equals``/``sh:disjoint`` predicates), is a
   ``sh:targetSubjectsOf`` predicate, is ``rdfs:subClassOf``, or is ``rdf:type`` with a
   class that is, or is a subclass of, a class some shape asks about (``sh:targetClass``,
   ``sh:class``): nothing else reaches a focus node, a value node or a class test. The
   rest (the provenance of OCR repairs, labels) is dropped while reading. A predicate
   that only ``sh:minCount`` 0/1 reads, on a plain path and nowhere else (the completeness
   shapes on the card texts), is kept as one ``(s, p, "")``: such a shape only asks whether
   there is a value, and reports none.
2. **Chunks of focus nodes.** Every focus node (targets through
   ``rdf:type/rdfs:subClassOf*``, ``sh:targetNode``, ``sh:targetSubjectsOf``) is owned by
   one chunk (sorted, so ``project/S1…`` and its roles, grants and outputs fall together).
   A chunk's graph has every kept triple of its focus nodes, every ``rdfs:subClassOf``
   triple, and, of each node reached from them, the triples a shape can read beyond a
   focus node (:func:`beyond_focus_predicates`: ``rdf:type`` for ``sh:class``, the paths
   of shapes applied to value nodes, the later steps of sequence paths), followed on. The
   shapes only look forward from a focus node (:func:`cuttable`), so what they read of a
   chunk's own focus node is in its graph, and its results there are its results in the
   whole graph; only the results of the chunk's own focus nodes are kept.
3. **The engine.** Each chunk graph goes, as N-Triples text, to pyshacl-turbo's native
   (Rust) engine, told to evaluate the chunk's own focus nodes only (``focus_nodes``; not
   for a blank node, which it cannot be told: such a chunk is evaluated whole, then
   filtered). Its report is pyshacl's: same results, messages, paths and values (the
   tests compare every shape). Where the two could differ, the focus node goes to
   pyshacl itself, on the same small graph (step 2's argument again): a focus node whose
   graph has a term marked *unsafe* by :mod:`hankekg.validate.index`, on a triple the
   shapes read from it (a literal rdflib reads otherwise than RDF 1.1: an ill-formed
   ``xsd:date``, which rdflib compares as text or not at all; a non-canonical number, which
   rdflib normalises; an explicit ``^^xsd:string``, which rdflib keeps apart from a plain
   literal; an upper-case language tag; an invalid IRI; a non-number under
   ``sh:minInclusive`` & co.; mixed datatypes under ``sh:lessThan`` & co.). Where pyshacl
   raises on such a term, so does this. A graph hankekg builds has none of them, so in
   practice every chunk is native. If the shapes use a SHACL term outside
   :data:`NATIVE_TESTED` (those the agreement tests cover), every chunk goes to pyshacl;
   if they use what chunks cannot cut for (:func:`cuttable`), one pyshacl run over the
   whole graph is made.
4. Chunks are small (``chunk``: the native engine's time per focus node grows with the
   size of the graph it is given) and run in a process pool (``workers``); the native
   report is read directly (:data:`DIRECT_REPORT_VERSIONS`), the rows are merged and
   sorted with :func:`~hankekg.validate.run.row_key`, and the completeness rows come from
   :func:`hankekg.validate.run._completeness` on the projects and their identifiers.

pyshacl's own ``focus_nodes`` is not used on the pyshacl route: with it, pyshacl 0.40
skips the nested ``sh:qualifiedValueShape`` on value nodes outside the list and reports a
false project-main-implementer violation; its small graph is validated whole. (The
native engine's ``focus_nodes`` has no such fault: it gives the whole-graph results on
every fixture, one focus node at a time.)

One difference in kind, not in result: when a project has several ``dct:identifier``
values, the completeness row shows the first one of the input (file order; a Store's
order), where run.validate with ``ontology_included=False`` shows the first in the order
of rdflib's set of triples it copies, which is arbitrary (for an rdflib input the copy's
order is reproduced).

tests/unit/test_fast_validate.py compares this with pyshacl, result by result, on a
violation of every shape (structure and completeness) injected into a build, on every
fixture, on odd literals, through every input form, with 1 and 2 workers and several
chunk sizes; tests/unit/test_validate_index.py tests the reading.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from hankekg.namespaces import EURIO
from hankekg.validate import index as ix
from hankekg.validate.run import (
    SEVERITIES,
    ResultRow,
    ValidationOutcome,
    _completeness,
    _rows,
    completeness_fields,
    row_key,
)
from hankekg.validate.shapes import load_ontology, load_shapes

__all__ = ["DIRECT_REPORT_VERSIONS", "NATIVE_TESTED", "beyond_focus_predicates", "cuttable", "native_ok",
           "relevant_predicates", "row_key", "validate"]

log = logging.getLogger(__name__)

_PAIR = (SH.lessThan, SH.lessThanOrEquals, SH.equals, SH.disjoint)
_RANGE = (SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive)
_PATH_PREDICATES = (SH.path, *_PAIR)
_UNSUPPORTED = (SH.inversePath, SH.targetObjectsOf, SH.closed, SH.sparql, SH.target, SH.select, SH.ask,
                SH.rule)

NATIVE_TESTED = frozenset({
    SH.NodeShape, SH.PropertyShape, SH.PropertyGroup, SH.Violation, SH.Warning, SH.Info, SH.IRI,
    SH.targetClass, SH.targetSubjectsOf, SH.property, SH.path,
    SH.name, SH.description, SH.message, SH.severity, SH.group, SH.order,
    SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH["class"], SH.pattern, SH["in"],
    SH.hasValue, SH.uniqueLang, SH.languageIn, SH.minInclusive, SH.lessThanOrEquals,
    SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
})
"""The SHACL terms whose native results the agreement tests compare with pyshacl's. A
shapes graph with any other SHACL term (say sh:flags or sh:minLength) is validated by
pyshacl in every chunk until a test covers it (add the term here with a fixture)."""

_WORKER: dict = {}


# --- what the shapes read ------------------------------------------------------------------


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
            if p in (SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
                out |= _path_iris(shapes, o)
    return out


def _value_predicates(shapes: Graph, path) -> set[URIRef] | None:
    """The predicates whose objects are the value nodes of ``path`` (None when a value
    node can be other than such an object, e.g. the focus node itself through
    sh:zeroOrMorePath)."""
    if isinstance(path, URIRef):
        return {path}
    if isinstance(path, BNode) and (path, RDF.first, None) in shapes:
        items = list(Collection(shapes, path))
        return _value_predicates(shapes, items[-1]) if items else None
    if isinstance(path, BNode):
        alternatives = shapes.value(path, SH.alternativePath)
        if alternatives is not None and len(set(shapes.predicates(path))) == 1:
            out: set[URIRef] = set()
            for item in Collection(shapes, alternatives):
                sub = _value_predicates(shapes, item)
                if sub is None:
                    return None
                out |= sub
            return out
    return None


def relevant_predicates(shapes: Graph) -> frozenset[URIRef]:
    """The predicates along which a shape can look from a focus node."""
    out: set[URIRef] = {RDF.type}
    for p in _PATH_PREDICATES:
        for o in shapes.objects(None, p):
            out |= _path_iris(shapes, o)
    out |= {o for o in shapes.objects(None, SH.targetSubjectsOf) if isinstance(o, URIRef)}
    return frozenset(out)


def native_ok(shapes: Graph) -> tuple[bool, str]:
    """Whether the native engine's results on these shapes are known to be pyshacl's."""
    for s, p, o in shapes:
        for term in (p, o):
            if isinstance(term, URIRef) and term.startswith(str(SH)) and term not in NATIVE_TESTED:
                return False, f"the shapes use {term.n3()}, which no agreement test covers"
    for p in (*_RANGE, *_PAIR):
        for shape in shapes.subjects(p, None):
            if _value_predicates(shapes, shapes.value(shape, SH.path)) is None:
                return False, f"{shape.n3()} compares values along a path the checks cannot follow"
    return True, ""


_COUNT_ONLY = frozenset({
    RDF.type, SH.path, SH.minCount, SH.targetClass, SH.name, SH.description, SH.message, SH.severity,
    SH.group, SH.order, RDFS.label, RDFS.comment,
})


def _counted_predicates(shapes: Graph) -> set[URIRef]:
    """Predicates that only sh:minCount 0 or 1 reads: each is the plain sh:path of shapes
    that have no constraint but that (and are no sh:property, sh:node, … of another
    shape), and is in no other path, comparison or target."""
    elsewhere: dict[URIRef, int] = {}
    for o in shapes.objects(None, SH.path):
        for p in _path_iris(shapes, o):
            elsewhere[p] = elsewhere.get(p, 0) + 1
    for p in _PAIR:
        for o in shapes.objects(None, p):
            for q in _path_iris(shapes, o):
                elsewhere[q] = elsewhere.get(q, 0) + 1
    for o in shapes.objects(None, SH.targetSubjectsOf):
        elsewhere[o] = elsewhere.get(o, 0) + 1
    counted: dict[URIRef, int] = {}
    for shape, path in shapes.subject_objects(SH.path):
        if not isinstance(path, URIRef) or not isinstance(shape, URIRef):
            continue
        if set(shapes.subjects(None, shape)):  # referred to: sh:property, sh:node, …
            continue
        if not set(shapes.predicates(shape)) <= _COUNT_ONLY:
            continue
        if any(int(n) > 1 for n in shapes.objects(shape, SH.minCount)):
            continue
        counted[path] = counted.get(path, 0) + 1
    return {p for p, n in counted.items() if elsewhere.get(p) == n}


def _checks(shapes: Graph) -> ix.Checks:
    ranged: set[URIRef] = set()
    paired: set[URIRef] = set()
    for p in _RANGE:
        for shape in shapes.subjects(p, None):
            ranged |= _value_predicates(shapes, shapes.value(shape, SH.path)) or set()
    for p in _PAIR:
        for shape, other in shapes.subject_objects(p):
            paired |= _value_predicates(shapes, shapes.value(shape, SH.path)) or set()
            paired |= _path_iris(shapes, other)
    classes = set(shapes.objects(None, SH.targetClass)) | set(shapes.objects(None, SH["class"]))
    on_paths = {p for o in shapes.objects(None, SH.path) for p in _path_iris(shapes, o)}
    return ix.Checks(
        relevant=frozenset(ix.token(p) for p in relevant_predicates(shapes)) - {ix.RDF_TYPE},
        classes=frozenset(ix.token(c) for c in classes if isinstance(c, URIRef)),
        target_predicates=frozenset(ix.token(p) for p in shapes.objects(None, SH.targetSubjectsOf)
                                    if isinstance(p, URIRef)),
        ranged=frozenset(ix.token(p) for p in ranged),
        paired=frozenset(ix.token(p) for p in paired),
        all_types=RDF.type in on_paths,
        counted=frozenset(ix.token(p) for p in _counted_predicates(shapes)),
    )


def _focus_nodes(index: ix.Index, shapes: Graph) -> list[str]:
    nodes: set[str] = set()
    pairs = index.subclass
    for cls in set(shapes.objects(None, SH.targetClass)):
        for c in ix.subclasses(pairs, [ix.token(cls)]):
            nodes.update(index.typed.get(c, ()))
    nodes.update(ix.token(n) for n in shapes.objects(None, SH.targetNode) if not isinstance(n, Literal))
    for p in set(shapes.objects(None, SH.targetSubjectsOf)):
        nodes.update(index.subjects_of.get(ix.token(p), ()))
    return sorted(nodes)


# --- chunks ---------------------------------------------------------------------------------


def _nested_shapes(shapes: Graph) -> set:
    """Shapes applied to value nodes (sh:node, sh:qualifiedValueShape, sh:not, sh:and,
    sh:or, sh:xone), with their property shapes and what they nest in turn."""
    todo = list(shapes.objects(None, SH.node)) + list(shapes.objects(None, SH.qualifiedValueShape)) \
        + list(shapes.objects(None, SH["not"]))
    for p in (SH["and"], SH["or"], SH.xone):
        for lst in shapes.objects(None, p):
            todo += list(Collection(shapes, lst))
    seen: set = set()
    while todo:
        shape = todo.pop()
        if shape in seen:
            continue
        seen.add(shape)
        todo += list(shapes.objects(shape, SH.property))
    return seen


def _later_steps(shapes: Graph, path) -> set[URIRef]:
    """The IRIs of ``path`` that can be followed from a node other than the focus node."""
    if isinstance(path, URIRef) or path is None:
        return set()
    if (path, RDF.first, None) in shapes:
        items = list(Collection(shapes, path))
        out = _later_steps(shapes, items[0]) if items else set()
        for item in items[1:]:
            out |= _path_iris(shapes, item)
        return out
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return set().union(*(_later_steps(shapes, i) for i in Collection(shapes, alternatives)))
    zero_or_one = shapes.value(path, SH.zeroOrOnePath)
    if zero_or_one is not None:
        return _later_steps(shapes, zero_or_one)
    return _path_iris(shapes, path)  # one or more, zero or more: any step may be a later one


def beyond_focus_predicates(shapes: Graph) -> frozenset[URIRef]:
    """The predicates a shape can read at a node other than the focus node: rdf:type
    (sh:class), the paths of shapes applied to value nodes, and the later steps of every
    path. Of a node reached from a chunk's focus nodes, only these triples are kept."""
    out: set[URIRef] = {RDF.type}
    nested = _nested_shapes(shapes)
    for shape, path in shapes.subject_objects(SH.path):
        out |= _later_steps(shapes, path)
        if shape in nested:
            out |= _path_iris(shapes, path)
            for p in _PAIR:
                for other in shapes.objects(shape, p):
                    out |= _path_iris(shapes, other)
    return frozenset(out)


def _closure(index: ix.Index, roots: Iterable[str], follow_types: bool,
             beyond: frozenset[str]) -> tuple[list[tuple[str, str, str]], bool]:
    """What a shape can read from ``roots``: every kept triple of a root, and of the nodes
    reached from it, the triples along ``beyond``; and whether a term among them is unsafe."""
    edges, unsafe = index.edges, index.unsafe
    root_set = set(roots)
    seen = set(root_set)
    stack = list(root_set)
    out: list[tuple[str, str, str]] = []
    bad = False
    while stack:
        s = stack.pop()
        is_root = s in root_set
        marks = unsafe.get(s)
        if marks is not None and (is_root or "" in marks or not marks.isdisjoint(beyond)):
            bad = True
        e = edges.get(s, ())
        for i in range(0, len(e), 2):
            p, o = e[i], e[i + 1]
            if not is_root and p not in beyond:
                continue
            out.append((s, p, o))
            if o[0] != '"' and o not in seen and (follow_types or p != ix.RDF_TYPE):
                seen.add(o)
                stack.append(o)
    return out, bad


def _nt(triples: list[tuple[str, str, str]], head: str) -> str:
    return head + "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def _tasks(index: ix.Index, nodes: list[str], chunk: int, native: bool, follow_types: bool,
           beyond: frozenset[str], terms: dict | None) -> Iterator[tuple]:
    """(engine, graph payload, owned focus strings, focus IRIs or None) per chunk; a chunk
    whose closure is unsafe is split into its safe focus nodes (native) and its unsafe
    ones (pyshacl)."""
    subclass_nt = "".join(f"{a} {ix.SUBCLASS_OF} {b} .\n" for a, b in index.subclass
                          if ix._node_ok(a) and ix._node_ok(b))

    def native_task(roots, triples):
        owned = {ix.term_string(n) for n in roots}
        # the engine evaluates only the chunk's own focus nodes (IRIs only: a blank node
        # cannot be named to it, so a chunk with one is evaluated whole, then filtered)
        focus = None if any(n.startswith("_:") for n in roots) else sorted(owned)
        return "native", _nt(triples, subclass_nt), owned, focus

    for start in range(0, len(nodes), chunk):
        roots = nodes[start:start + chunk]
        triples, bad = _closure(index, roots, follow_types, beyond)
        if native and not bad:
            yield native_task(roots, triples)
            continue
        if native:
            safe = [n for n in roots if not _closure(index, [n], follow_types, beyond)[1]]
            if safe:
                yield native_task(safe, _closure(index, safe, follow_types, beyond)[0])
            roots = [n for n in roots if n not in set(safe)]
            triples, _ = _closure(index, roots, follow_types, beyond)
        sub = [(a, ix.SUBCLASS_OF, b) for a, b in index.subclass]
        if terms is not None:  # an rdflib input: its own terms, whatever rdflib's parser would make of them
            graph = Graph()
            for s, p, o in triples + sub:
                graph.add((terms[s], URIRef(p[1:-1]), terms[o]))
            yield "pyshacl", graph, {ix.term_string(n) for n in roots}, None
        else:
            yield "pyshacl", _nt(triples + sub, ""), {ix.term_string(n) for n in roots}, None


def _native_program():
    program = _WORKER.get("program")
    if program is None:
        import pyshacl_turbo

        program = _WORKER["program"] = pyshacl_turbo.compile_shapes(_WORKER["shapes"], advanced=True)
    return program


DIRECT_REPORT_VERSIONS = frozenset({"0.6.5"})
"""pyshacl-turbo versions whose native report :func:`_native_rows` reads directly (its
Python wrapper decodes the report into an rdflib graph, ~40% of a chunk's time). For
any other version, the public API is used; test_fast_validate.py compares both readers."""

_SH_RESULT = str(SH.ValidationResult)
_RDF_TYPE = str(RDF.type)
_FIELDS = {str(SH.focusNode): "focus", str(SH.resultPath): "path", str(SH.sourceShape): "shape",
           str(SH.value): "value", str(SH.resultMessage): "message", str(SH.resultSeverity): "severity"}
_SEVERITY = {str(k): v for k, v in SEVERITIES.items()}


class _Undecided(Exception):
    """The direct reader met a report it does not read as the public API would."""


def _string(term, blank_prefix: str) -> str:
    """str() of the rdflib term the public API would make (or _n3 with prefix "_:"):
    blank nodes keep their labels (shapes' and data's alike), literals their lexical form."""
    import pyoxigraph as ox

    if isinstance(term, ox.BlankNode):
        return blank_prefix + term.value
    return term.value


def _native_rows(payload: str, focus, fields) -> list:
    import pyoxigraph as ox

    native = _native_program()._native
    out = native.validate(payload, "nt", None, False, 100, 15, False, True, True, False, list(focus or ()), [], [])
    report = out[1]
    if not isinstance(report, str):
        raise _Undecided
    results: dict[str, dict[str, list]] = {}
    typed: set[str] = set()
    for q in ox.parse(report.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False):
        p = q.predicate.value
        if p == _RDF_TYPE and q.object.value == _SH_RESULT:
            typed.add(str(q.subject))
        elif p in _FIELDS:
            results.setdefault(str(q.subject), {}).setdefault(_FIELDS[p], []).append(q.object)
    rows = []
    for node in typed:
        props = results.get(node, {})
        if any(len(v) > 1 for v in props.values()) or "focus" not in props or "shape" not in props:
            raise _Undecided  # rdflib's report.value would pick one of several
        shape_term = props["shape"][0]
        shape = _string(shape_term, "")
        key = BNode(shape) if isinstance(shape_term, ox.BlankNode) else URIRef(shape)
        path = props.get("path", [None])[0]
        value = props.get("value", [None])[0]
        message = props.get("message", [None])[0]
        severity = props.get("severity", [None])[0]
        rows.append(ResultRow(
            severity=_SEVERITY.get(severity.value, "Violation") if isinstance(severity, ox.NamedNode) else "Violation",
            focus=_string(props["focus"][0], ""),
            path=_string(path, "_:") if path is not None else None,
            shape=shape,
            message=message.value if message is not None else "",
            value=_string(value, "_:") if value is not None else None,
            field=fields.get(key, (None,))[0],
        ))
    return rows


def _run(task: tuple) -> list:
    engine, payload, owned, focus = task
    fields = _WORKER["fields"]
    if engine == "native":
        import pyshacl_turbo
        from pyshacl_turbo import Input

        if _WORKER.get("direct", True) and pyshacl_turbo.__version__ in DIRECT_REPORT_VERSIONS:
            try:
                return [row for row in _native_rows(payload, focus, fields) if row.focus in owned]
            except _Undecided:
                pass
        _, report, _ = _native_program().validate(Input(payload, "nt", None, {}), allow_warnings=True,
                                                   allow_infos=True, focus_nodes=focus)
    else:
        graph = payload
        if isinstance(payload, str):
            graph = Graph()
            graph.parse(data=payload, format="nt", bnode_context=ix._KeepLabels())
        _, report, _ = pyshacl.validate(graph, shacl_graph=_WORKER["shapes"], inference="none",
                                        allow_warnings=True, allow_infos=True, advanced=True)
    return [row for row in _rows(report, fields) if row.focus in owned]


def _noop() -> None:
    return None


def _pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` processes, forked now (before the input is read, so that
    they do not carry the index; after the shapes are loaded and compiled, so that they
    inherit them: the blank nodes of the shapes' paths, reported as sh:resultPath, keep
    the ids the reference reports)."""
    if workers <= 1:
        return None
    ex = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    for f in [ex.submit(_noop) for _ in range(workers)]:  # with fork, all workers start at the first submit
        f.result()
    return ex


def _pool_map(tasks: Iterator[tuple], ex: ProcessPoolExecutor | None, workers: int) -> Iterator[list]:
    """Run tasks in the pool, a few in flight at a time (the chunk graphs are made
    lazily, so memory stays at a few chunks); in this process without one."""
    if ex is None:
        for task in tasks:
            yield _run(task)
        return
    pending = []
    for task in tasks:
        pending.append(ex.submit(_run, task))
        if len(pending) >= 2 * workers:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


# --- inputs ---------------------------------------------------------------------------------


_DCT_IDENTIFIER = URIRef(ix.DCT_IDENTIFIER)


def _is_store(data) -> bool:
    try:
        import pyoxigraph
    except ImportError:  # pragma: no cover
        return False
    return isinstance(data, pyoxigraph.Store)


def _term(tok: str):
    if tok.startswith("_:"):
        return BNode(tok[2:])
    return URIRef(ix.term_string(tok))


class _Projects:
    """What run._completeness reads of a graph, and nothing else: the eurio:Project
    subjects, and the first dct:identifier of each (rdflib's Graph.value gives the
    first added, which for a parsed file is the first in the file)."""

    def __init__(self, projects: list, first: dict):
        self._projects, self._first = projects, first

    def subjects(self, predicate, obj):
        assert (predicate, obj) == (RDF.type, EURIO.Project), (predicate, obj)
        return iter(self._projects)

    def value(self, subject, predicate):
        assert predicate == _DCT_IDENTIFIER, predicate
        return self._first.get(subject)


def _project_graph(index: ix.Index, identifiers: list[tuple[str, str]]):
    """The eurio:Project typings and their dct:identifier triples, in input order: what
    run._completeness reads (terms made as rdflib's N-Triples parser makes them)."""
    projects = list(dict.fromkeys(index.typed.get(ix.token(EURIO.Project), ())))
    wanted = set(projects)
    pairs = [(s, o) for s, o in identifiers if s in wanted]
    if all(o[:1] == '"' and o.endswith('"') and "\\" not in o for _, o in pairs):
        first: dict = {}
        for s, o in pairs:  # plain literals, as the build writes them
            first.setdefault(_term(s), Literal(o[1:-1]))
        return _Projects([_term(p) for p in projects], first)
    g = Graph()  # anything else as rdflib's parser reads it, in input order
    for p in projects:
        g.add((_term(p), RDF.type, EURIO.Project))
    g.parse(data="".join(f"{s} <{_DCT_IDENTIFIER}> {o} .\n" for s, o in pairs), format="nt",
            bnode_context=ix._KeepLabels())
    return g


def _graph_project_graph(data: Graph, extra: list[Graph]) -> Graph:
    """As _project_graph, for an rdflib input. Which identifier run._completeness shows
    for a project with several is the first in the graph it reads: ``data`` itself, or
    (ontology not included) run.with_ontology's copy, made in ``for t in data`` order."""
    g = Graph()
    projects = [p for d in (data, *extra) for p in d.subjects(RDF.type, EURIO.Project)]
    several = any(len(list(d.objects(p, _DCT_IDENTIFIER))) > 1 for d in (data, *extra) for p in projects)
    if extra and several:
        wanted = set(projects)
        for d in (data, *extra):
            for t in d:
                if t[0] in wanted and (t[1] == _DCT_IDENTIFIER or t[1:] == (RDF.type, EURIO.Project)):
                    g.add(t)
        return g
    for d in (data, *extra):
        for p in d.subjects(RDF.type, EURIO.Project):
            g.add((p, RDF.type, EURIO.Project))
            for o in d.objects(p, _DCT_IDENTIFIER):
                g.add((p, _DCT_IDENTIFIER, o))
    return g


def _store_identifiers(store) -> list[tuple[str, str]]:
    import pyoxigraph as ox

    return [(str(q.subject), str(q.object))
            for q in store.quads_for_pattern(None, ox.NamedNode(ix.DCT_IDENTIFIER), None, None)]


def _whole_graph(data, extra: list[Graph]) -> Graph:
    """An rdflib graph of everything (only for shapes that cannot be cut)."""
    g = Graph()
    if isinstance(data, Graph):
        for t in data:
            g.add(t)
    elif _is_store(data):
        import pyoxigraph as ox

        g.parse(data=ox.serialize((q.triple for q in data), format=ox.RdfFormat.N_TRIPLES), format="nt")
    elif isinstance(data, (bytes, bytearray)):
        g.parse(data=bytes(data), format="nt")
    else:
        g.parse(source=str(data), format="nt")
    for e in extra:
        for t in e:
            g.add(t)
    return g


# --- the validator --------------------------------------------------------------------------


def validate(data: Graph | bytes | str | Path, ontology_included: bool = True, workers: int = 1,
             chunk: int = 300, shapes: Graph | None = None, native: bool = True,
             direct_report: bool = True) -> ValidationOutcome:
    """Validate ``data`` against the shapes: the outcome of
    :func:`hankekg.validate.run.validate` (pyshacl over the whole graph), row for row.

    Args:
        data: an rdflib ``Graph``; a ``pyoxigraph.Store`` (every graph in it, as one
            union); or N-Triples, as ``bytes`` or the path (``str``/``Path``) of a file.
        ontology_included: whether ``data`` carries the ontology (a built graph does); if
            not, everything under ontology/ is added, as run.validate does.
        workers: processes validating chunks at once (1: in this process).
        chunk: focus nodes per chunk (about 8 per project in a built graph). The native
            engine's time per focus node grows with the graph it is given (10,000 projects
            in one graph: 40 s; in chunks of 250 focus nodes: 4 s), so chunks are small.
        shapes: the shapes graph (default: every shape under shapes/).
        native: use the native engine where it is known to agree (False: pyshacl in every
            chunk; for comparisons).
        direct_report: read the native engine's report directly (see
            :data:`DIRECT_REPORT_VERSIONS`; False: through pyshacl-turbo's public API).

    ``report`` of the outcome is an empty graph (the rows are the result); use
    run.validate when the SHACL report graph itself is wanted.
    """
    shapes = shapes if shapes is not None else load_shapes()
    extra = [] if ontology_included else [load_ontology()]
    fields = completeness_fields(shapes)
    ok, why = cuttable(shapes)
    if not ok:  # one pyshacl run over everything, as run.validate makes it (with these shapes)
        log.info("fast validation falls back to one pyshacl run: %s", why)
        whole = _whole_graph(data, extra)
        _, report, _ = pyshacl.validate(whole, shacl_graph=shapes, inference="none", allow_warnings=True,
                                        allow_infos=True, advanced=True)
        rows = tuple(sorted(_rows(report, fields), key=row_key))
        return ValidationOutcome(conforms=not any(r.severity == "Violation" for r in rows), rows=rows,
                                 completeness=_completeness(whole, rows, fields), engine_report=report)
    if native:
        native, why = native_ok(shapes)
        if not native:
            log.info("fast validation uses pyshacl in every chunk: %s", why)
    checks = _checks(shapes)
    _WORKER.update(shapes=shapes, fields=fields, direct=direct_report)
    _WORKER.pop("program", None)
    if native:
        _native_program()  # compiled before the fork, once
    ex = _pool(workers)
    try:
        terms = None
        if isinstance(data, Graph):
            index, terms = ix.from_graph(data, checks, extra)
            projects = _graph_project_graph(data, extra)
        elif _is_store(data):
            index = ix.from_store(data, checks, extra)
            projects = _project_graph(index, _store_identifiers(data) + [
                (ix.token(s), ix.token(o)) for e in extra for s, o in e.subject_objects(_DCT_IDENTIFIER)])
        elif isinstance(data, (bytes, bytearray, str, Path)):
            index, identifiers = ix.from_ntriples(data, checks, extra)
            projects = _project_graph(index, identifiers)
        else:
            raise TypeError(f"cannot validate {type(data).__name__}: give an rdflib Graph, a pyoxigraph Store, "
                            "N-Triples bytes or the path of an N-Triples file")
        nodes = _focus_nodes(index, shapes)
        log.info("fast validation: %d triples kept, %d focus nodes, %d unsafe subjects",
                 index.triples, len(nodes), len(index.unsafe))
        beyond = frozenset(ix.token(p) for p in beyond_focus_predicates(shapes))
        tasks = _tasks(index, nodes, max(1, chunk), native, checks.all_types, beyond, terms)
        rows = tuple(sorted((row for part in _pool_map(tasks, ex, workers) for row in part), key=row_key))
    finally:
        if ex is not None:
            ex.shutdown(cancel_futures=True)
        _WORKER.clear()
    conforms = not any(r.severity == "Violation" for r in rows)
    return ValidationOutcome(
        conforms=conforms,
        rows=rows,
        completeness=_completeness(projects, rows, fields),
    )
