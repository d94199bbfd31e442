"""The triples that shapes can read, by subject, as N-Triples terms (for hankekg.validate.fast).

The fast validator cuts a graph into small graphs, one per chunk of focus nodes. This
module reads the graph once, from an rdflib ``Graph``, a ``pyoxigraph.Store`` (every
graph of it, as one union) or N-Triples (a file path or bytes), and keeps only what a
shape can read (see :func:`hankekg.validate.fast.relevant_predicates`): the triples whose
predicate is on some shape path or target, the ``rdf:type`` triples of classes some
shape asks about (a target class, an ``sh:class``, or a subclass of one), and every
``rdfs:subClassOf`` triple. No rdflib graph of the whole is built: terms are kept as
their N-Triples text, so a chunk's graph is the join of its subjects' lines.

It also marks as *unsafe* every subject with a term on which pyshacl (rdflib) and the
native engine could disagree, so that focus nodes whose closure reaches one are
validated by pyshacl itself (see the module docstring of hankekg.validate.fast):

* a literal other than a plain string, a string with a lower-case language tag, or one
  of the datatypes in :data:`_LEXICAL` in a form both engines read alike (e.g. an
  ill-formed ``"2020-02-30"^^xsd:date``, which rdflib compares as text; an integer
  ``"01"``, which rdflib normalises to ``"1"``; an explicit ``^^xsd:string``, which rdflib
  keeps apart from the plain literal and the native engine does not);
* an IRI the N-Triples grammar does not allow (rdflib accepts ``<p/1>`` or spaces);
* on a predicate compared by ``sh:minInclusive`` & co., a value that is not a number;
  on a predicate compared by ``sh:lessThan`` & co., anything but literals of one
  datatype (pyshacl raises TypeError comparing a date with a dateTime).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

RDF_TYPE = f"<{RDF.type}>"
SUBCLASS_OF = f"<{RDFS.subClassOf}>"

_IRI = re.compile(r'<[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\x00-\x20]*>')
_BNODE = re.compile(r"_:[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.)")
_LITERAL = re.compile(r'"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^' + _IRI.pattern + r")?")
_LANG_OK = re.compile(r"[a-z]+(?:-[a-z0-9]+)*")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ECHAR = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf"\'\\]))')
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = {i: f"\\u{i:04X}" for i in range(0x20)} | {0x7F: "\\u007F", 0x22: '\\"', 0x5C: "\\\\",
                                                     0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def _valid_date(text: str) -> bool:
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_INTEGER = re.compile(r"0|-?[1-9][0-9]*")
_GYEAR = re.compile(r"[1-9][0-9]{3}")
_LEXICAL = {
    str(XSD.date): lambda t: bool(_DATE.fullmatch(t)) and _valid_date(t),
    str(XSD.decimal): lambda t: bool(_DECIMAL.fullmatch(t)),
    str(XSD.integer): lambda t: bool(_INTEGER.fullmatch(t)),
    str(XSD.gYear): lambda t: bool(_GYEAR.fullmatch(t)),
    str(XSD.boolean): lambda t: t in ("true", "false"),
}
"""Datatypes both engines read alike, each with the lexical forms that are safe:
canonical, so that rdflib does not normalise them, and well-formed."""
_NUMERIC = {str(XSD.decimal), str(XSD.integer)}


def literal_parts(token: str) -> tuple[str, str | None, str | None]:
    """(escaped lexical form, language, datatype IRI) of an N-Triples literal."""
    q = token.rfind('"')
    suffix = token[q + 1:]
    if suffix.startswith("@"):
        return token[1:q], suffix[1:], None
    if suffix.startswith("^^<"):
        return token[1:q], None, suffix[3:-1]
    return token[1:q], None, None


def literal_kind(token: str) -> str | None:
    """The datatype (or ``@`` for a language-tagged string, ``""`` for a plain one) of a
    literal both engines read alike; None for any other literal."""
    lexical, lang, datatype = literal_parts(token)
    if lang is not None:
        return "@" if _LANG_OK.fullmatch(lang) else None
    if datatype is None:
        return ""
    check = _LEXICAL.get(datatype)
    return datatype if check is not None and check(lexical) else None


def unescape(text: str) -> str:
    """The string an escaped N-Triples lexical form (or IRI) stands for."""
    if "\\" not in text:
        return text
    return _ECHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if m.group(3) is None
                      else _ECHARS[m.group(3)], text)


def term_string(token: str) -> str:
    """``str()`` of the rdflib term of an IRI or blank-node token (a result's focus node)."""
    if token.startswith("_:"):
        return token[2:]
    return unescape(token[1:-1])


def _canonical_iri(token: str) -> str:
    """An IRI token with its \\u escapes decoded, so that one IRI has one key."""
    if "\\" not in token:
        return token
    return "<" + _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1]) + ">"


def token(term) -> str:
    """The N-Triples text of an rdflib term, as is (an invalid IRI stays invalid and is
    marked unsafe by :meth:`Index.add`; a literal keeps an explicit ``xsd:string``)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ESCAPE) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^<{term.datatype}>"
        return text
    return f"<{term}>"  # an rdflib Variable or the like: invalid on purpose


def _node_ok(tok: str) -> bool:
    return bool(_IRI.fullmatch(tok) if tok.startswith("<") else _BNODE.fullmatch(tok))


@dataclass
class Checks:
    """What the shapes need to know about the terms (built by hankekg.validate.fast)."""

    relevant: frozenset[str]  # predicate tokens (rdf:type and rdfs:subClassOf included)
    classes: frozenset[str]  # class tokens a shape asks about (targets, sh:class)
    target_predicates: frozenset[str]  # sh:targetSubjectsOf
    ranged: frozenset[str]  # predicates whose values sh:min/maxIn/Exclusive compare
    paired: frozenset[str]  # predicates whose values sh:lessThan & co. compare
    all_types: bool = False  # rdf:type is on a shape path: keep every rdf:type triple
    counted: frozenset[str] = frozenset()  # predicates only sh:minCount 0/1 reads (see add)


@dataclass
class Index:
    checks: Checks
    subclass: list[tuple[str, str]]  # (sub, super) tokens, every rdfs:subClassOf triple
    classes: dict[str, str]  # the classes whose rdf:type triples are kept (each token to itself)
    edges: dict[str, list[str]] = field(default_factory=dict)  # subject → [p, o, p, o, …]
    nodes: dict[str, str] = field(default_factory=dict)  # one string per IRI or blank node
    typed: dict[str, list[str]] = field(default_factory=dict)  # class → subjects
    subjects_of: dict[str, list[str]] = field(default_factory=dict)  # target predicate → subjects
    unsafe: dict[str, set[str]] = field(default_factory=dict)  # subject → the predicates why ("": itself)
    pair_kinds: dict[str, tuple[set, set]] = field(default_factory=dict)
    triples: int = 0

    def add(self, s: str, p: str, o: str, checked: bool = False) -> None:
        """Keep (s, p, o) if a shape can read it. ``checked``: the terms are known to be
        valid N-Triples (the fast N-Triples reader checked them).

        A predicate in ``checks.counted`` is read by nothing but ``sh:minCount`` 0 or 1 on
        a plain path (the completeness shapes on the card texts): whether a subject has
        one such triple is all that can matter, so one ``(s, p, "")`` stands for them all
        (neither the card texts nor the objects they point to are kept or followed).
        """
        checks = self.checks
        nodes = self.nodes
        if p == RDF_TYPE:
            cls = self.classes.get(o)
            if cls is not None:
                o = cls
                s = nodes.setdefault(s, s)
                self.typed.setdefault(o, []).append(s)
            elif not checks.all_types:
                return
        elif p in checks.counted:
            o = '""'
            checked = checked or _node_ok(s)
        elif p not in checks.relevant:
            return  # rdfs:subClassOf included: every chunk has every subclass axiom
        s = nodes.setdefault(s, s)
        edges = self.edges.get(s)
        if edges is None:
            edges = self.edges[s] = []
        elif o == '""' and any(edges[i] == p and edges[i + 1] == o for i in range(0, len(edges), 2)):
            return
        literal = o[0] == '"'
        if not literal:
            o = nodes.setdefault(o, o)
        edges.append(p)
        edges.append(o)
        self.triples += 1
        if p in checks.target_predicates:
            self.subjects_of.setdefault(p, []).append(s)
        if not checked and not (_node_ok(s) and _IRI.fullmatch(p)):
            self._mark(s, "")
        kind = None
        if literal:
            if o[-1] == '"':
                kind = ""  # a plain string, as most are
            else:
                kind = literal_kind(o) if checked or _LITERAL.fullmatch(o) else None
                if kind is None:
                    self._mark(s, p)
            if p in checks.ranged and kind not in _NUMERIC:
                self._mark(s, p)
        else:
            if not checked and not _node_ok(o):
                self._mark(s, p)
            if p in checks.ranged:
                self._mark(s, p)
        if p in checks.paired:
            kinds, preds = self.pair_kinds.setdefault(s, (set(), set()))
            kinds.add(kind)
            preds.add(p)

    def pairs(self, s: str) -> list[tuple[str, str]]:
        """The (predicate, object) pairs kept of subject ``s``."""
        e = self.edges.get(s, [])
        return list(zip(e[0::2], e[1::2], strict=True))

    def _mark(self, s: str, p: str) -> None:
        marks = self.unsafe.get(s)
        if marks is None:
            self.unsafe[s] = {p}
        else:
            marks.add(p)

    def finish(self) -> Index:
        # a pair comparison (sh:lessThan & co.) is safe between literals of one datatype
        # that both engines order alike: dates and numbers
        for s, (kinds, preds) in self.pair_kinds.items():
            if len(kinds) != 1 or not (kinds <= _ORDERED):
                for p in preds:
                    self._mark(s, p)
        self.pair_kinds = {}
        return self

    def subclass_lines(self) -> str:
        return "".join(f"{a} {SUBCLASS_OF} {b} .\n" for a, b in self.subclass)


_ORDERED = {str(XSD.date), str(XSD.decimal), str(XSD.integer), str(XSD.gYear)}


def _self_map(items: Iterable[str]) -> dict[str, str]:
    return {i: i for i in items}


def subclasses(pairs: Iterable[tuple[str, str]], classes: Iterable[str]) -> frozenset[str]:
    """``classes`` and every class that is rdfs:subClassOf* one of them."""
    down: dict[str, set[str]] = {}
    for sub, sup in pairs:
        down.setdefault(sup, set()).add(sub)
    seen = set(classes)
    stack = list(seen)
    while stack:
        for sub in down.get(stack.pop(), ()):
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return frozenset(seen)


# --- readers ------------------------------------------------------------------------------


def _graph_triples(graph: Graph, predicates: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    for p in predicates:
        pred = URIRef(p[1:-1])
        for s, _, o in graph.triples((None, pred, None)):
            yield token(s), p, token(o)


def from_graph(graph: Graph, checks: Checks, extra: Iterable[Graph] = ()) -> tuple[Index, dict]:
    """Index an rdflib graph (and ``extra`` graphs, e.g. the ontology); also the rdflib
    term of every subject, for the pyshacl route."""
    graphs = [graph, *extra]
    terms: dict[str, object] = {'""': Literal("")}  # "": what a counted predicate's objects become
    pairs = []
    for g in graphs:
        for s, _, o in g.triples((None, RDFS.subClassOf, None)):
            ts, to = token(s), token(o)
            terms[ts], terms[to] = s, o
            pairs.append((ts, to))
    index = Index(checks, list(dict.fromkeys(pairs)), _self_map(subclasses(pairs, checks.classes)))
    for g in graphs:
        for p in sorted(checks.relevant | {RDF_TYPE}):
            pred = URIRef(p[1:-1])
            for s, _, o in g.triples((None, pred, None)):
                ts, to = token(s), token(o)
                terms[ts], terms[to] = s, o
                index.add(ts, p, to)
    return index.finish(), terms


def from_store(store, checks: Checks, extra: Iterable[Graph] = ()) -> Index:
    """Index every graph of a pyoxigraph Store, as one union (and ``extra`` rdflib graphs)."""
    import pyoxigraph as ox

    def triples(p: str):
        pred = ox.NamedNode(p[1:-1])
        seen = set()
        for q in store.quads_for_pattern(None, pred, None, None):
            t = (str(q.subject), p, str(q.object))
            if t not in seen:  # one triple in two named graphs is one triple of the union
                seen.add(t)
                yield t
        for g in extra:
            yield from _graph_triples(g, [p])

    pairs = list(dict.fromkeys((s, o) for s, _, o in triples(SUBCLASS_OF)))
    index = Index(checks, pairs, _self_map(subclasses(pairs, checks.classes)))
    for p in sorted(checks.relevant | {RDF_TYPE, SUBCLASS_OF}):
        for s, _, o in triples(p):
            index.add(s, p, o)
    return index.finish()


class _KeepLabels(dict):
    """An rdflib bnode_context that keeps each blank node's label as its id."""

    def get(self, key, default=None):
        return self.setdefault(key, BNode(key))


def _parse_line(line: str) -> tuple[str, str, str] | None:
    """(subject, predicate, object) tokens of one N-Triples line, by rdflib's parser;
    None for a blank or comment line."""
    g = Graph()
    g.parse(data=line, format="nt", bnode_context=_KeepLabels())
    triples = list(g)
    if not triples:
        return None
    (s, p, o), = triples
    s_tok, o_tok = token(s), token(o)
    return (_canonical_iri(s_tok) if isinstance(s, URIRef) else s_tok, _canonical_iri(token(p)),
            _canonical_iri(o_tok) if isinstance(o, URIRef) else o_tok)


_IRI_B = rb'<[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\x00-\x20]*>'
_LINE = re.compile(
    rb"(" + _IRI_B + rb"|_:[A-Za-z0-9_][A-Za-z0-9_.-]*) (" + _IRI_B + rb") ("
    + _IRI_B + rb"|_:[A-Za-z0-9_][A-Za-z0-9_.-]*"
    + rb'|"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^' + _IRI_B + rb")?) \.\n")
"""A triple line in the form hankekg and oxigraph write: one space apart, no escape in an
IRI (a label's trailing dot aside, the terms are valid N-Triples when this matches)."""
_SUBCLASS_IRI = b"<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


def _subclass_lines(f, block: int = 1 << 24) -> Iterator[str]:
    """Every line of the binary file ``f`` with the subClassOf IRI in it (a substring
    search over blocks: much faster than reading line by line, and no mapping of the
    whole file into memory)."""
    tail = b""
    while True:
        data = f.read(block)
        if not data:
            break
        buffer = tail + data
        cut = buffer.rfind(b"\n") + 1
        buffer, tail = buffer[:cut], buffer[cut:]
        start = buffer.find(_SUBCLASS_IRI)
        while start != -1:
            begin = buffer.rfind(b"\n", 0, start) + 1
            end = buffer.find(b"\n", start)
            yield buffer[begin:end].decode("utf-8") + "\n"
            start = buffer.find(_SUBCLASS_IRI, end)
    if _SUBCLASS_IRI in tail:
        yield tail.decode("utf-8") + "\n"


def _open(source: bytes | str | Path):
    """A binary file object over N-Triples bytes or a file."""
    import io

    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source)
    return open(source, "rb")  # closed by the caller


def from_ntriples(source: bytes | str | Path, checks: Checks, extra: Iterable[Graph] = ()) -> tuple[Index, list]:
    """Index N-Triples (bytes, or the path of a file), streamed, and ``extra`` rdflib graphs.

    Also returns, in the order of the input, the (subject, object) tokens of every
    ``dct:identifier`` triple (for the completeness rows).

    Two passes: a regex finds the ``rdfs:subClassOf`` triples first (which ``rdf:type``
    triples to keep depends on them); if the full pass finds other ones (written in an
    unusual form), it is run again with those.
    """
    f = _open(source)
    try:
        pairs = []
        for line in _subclass_lines(f):
            try:
                parsed = _parse_line(line)
            except Exception:  # noqa: BLE001, S112 (the IRI inside a literal, or a bad line: the full pass decides)
                continue
            if parsed is not None and parsed[1] == SUBCLASS_OF:
                pairs.append((parsed[0], parsed[2]))
        extra = list(extra)
        pairs += [(s, o) for g in extra for s, _, o in _graph_triples(g, [SUBCLASS_OF])]
        while True:
            f.seek(0)
            index, identifiers, found = _read(f, checks, pairs, extra)
            if set(found) <= set(pairs):
                return index, identifiers
            pairs = list(dict.fromkeys(pairs + found))
    finally:
        f.close()


def _read(f, checks: Checks, pairs, extra):
    index = Index(checks, list(dict.fromkeys(pairs)), _self_map(subclasses(pairs, checks.classes)))
    wanted = {p: p for p in checks.relevant | {RDF_TYPE, SUBCLASS_OF}}  # each token once in memory
    ident = f"<{DCT_IDENTIFIER}>"
    lookup = {k.encode(): v for k, v in (wanted | {ident: ident}).items()}
    identifiers: list[tuple[str, str]] = []
    found: list[tuple[str, str]] = []
    add = index.add
    line_match = _LINE.fullmatch
    for raw in f:
        # the fast path: "<s> <p> o .\n"; a predicate no shape reads is skipped before
        # anything is decoded, a kept line is checked by one regex
        if raw.endswith(b"\r\n"):
            raw = raw[:-2] + b"\n"
        parts = raw.split(b" ", 2)
        checked = False
        if len(parts) == 3 and parts[0][:1] in (b"<", b"_") and b"\t" not in parts[0]:
            p = lookup.get(parts[1])
            if p is None:
                if parts[1][:1] == b"<" and parts[1][-1:] == b">" and b"\\" not in parts[1] and b"\t" not in parts[1]:
                    continue  # the common case: a predicate no shape reads
            else:
                m = line_match(raw)
                if m is not None:
                    s, o = m.group(1).decode("utf-8"), m.group(3).decode("utf-8")
                    checked = True
        if not checked:
            parsed = _parse_line(raw.decode("utf-8"))
            if parsed is None:
                continue
            s, p, o = parsed
            p = lookup.get(p.encode())
            if p is None:
                continue
        if p == ident:
            identifiers.append((index.nodes.setdefault(s, s), o))
            if p not in wanted:
                continue
        if p == SUBCLASS_OF:
            found.append((s, o))
        add(s, p, o, checked)
    for g in extra:
        for p in sorted(wanted):
            for s, _, o in _graph_triples(g, [p]):
                add(s, p, o)
        identifiers += [(s, o) for s, _, o in _graph_triples(g, [ident])]
    return index.finish(), identifiers, found


DCT_IDENTIFIER = "http://purl.org/dc/terms/identifier"
