"""Documentation of the hankekg ontology: dist/ontology/.

Files:

- ``ontology/index.html``: one static page, no scripts, no network: the ontology's
  metadata, then every class, object property, datatype property, concept scheme and
  concept (including the programme structure of programme.ttl) with its Finnish and
  English label and definition, super-classes and -properties, domain and range,
  alignments (``skos:*Match``, ``owl:equivalent*``) and, for classes, the properties
  whose domain or range they are;
- ``ontology/hankekg.ttl`` and ``ontology/hankekg.jsonld``: the ontology graph
  (ontology/hankekg.ttl and programme.ttl, as in the dumps' ontology graph) in the
  dumps' deterministic Turtle and JSON-LD.

Written by this module rather than pyLODE: pyLODE 3.4.1 (the newest on PyPI for Python
3.11) fails at import, and 3.3.4 runs offline but orders its embedded JSON-LD differently
on every run, takes the SKOS concept schemes for the ontology (their titles are merged
into the page header) and does not list concepts. The page is deterministic like the dumps.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from hankekg.namespaces import EURIO, HK_IRI, VANN
from hankekg.publish.dumps import Prefixes, dump_prefixes, jsonld_bytes, sorted_turtle_bytes

ONTOLOGY_DIR = "ontology"
ALIGNMENTS = (OWL.equivalentClass, OWL.equivalentProperty, SKOS.exactMatch, SKOS.closeMatch,
              SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, RDFS.seeAlso)
_OWN = "https://w3id.org/hankekg/"

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
h1 { margin-bottom: .2rem; } h1 + p.en { margin-top: 0; color: #555; font-size: 1.2rem; }
section.term { border-top: 1px solid #ddd; padding: .6rem 0; }
section.term h3 { margin: .2rem 0; } .en { color: #555; }
code { background: #f4f4f4; padding: 0 .2rem; } dl { display: grid; grid-template-columns: 11rem 1fr; gap: .15rem .8rem; }
dt { font-weight: 600; color: #444; } dd { margin: 0; } nav ul { columns: 3; } .kind { font-size: .8rem; color: #777; font-weight: normal; }
"""


def _text(graph: Graph, node: Node, predicates: Iterable[URIRef], lang: str) -> str | None:
    values = sorted(str(o) for p in predicates for o in graph.objects(node, p)
                    if isinstance(o, Literal) and o.language == lang)
    return values[0] if values else None


def _label(graph: Graph, node: Node, lang: str) -> str | None:
    return _text(graph, node, (RDFS.label, SKOS.prefLabel, DCTERMS.title), lang)


class _Page:
    def __init__(self, graph: Graph):
        self.g = graph
        self.pm = Prefixes(dump_prefixes())
        self.anchors: dict[URIRef, str] = {}

    def anchor(self, node: URIRef) -> str:
        if node not in self.anchors:
            iri = str(node)
            key = iri[len(HK_IRI):] if iri.startswith(HK_IRI) else re.sub(r"[^A-Za-z0-9]+", "-", iri[len(_OWN):]).strip("-")
            self.anchors[node] = key or "ontology"
        return self.anchors[node]

    def documented(self, node: Node) -> bool:
        return isinstance(node, URIRef) and str(node).startswith(_OWN) and (node, None, None) in self.g

    def ref(self, node: Node) -> str:
        if isinstance(node, Literal):
            lang = f' lang="{node.language}"' if node.language else ""
            return f"<span{lang}>{html.escape(str(node))}</span>"
        if self.documented(node):
            label = _label(self.g, node, "fi") or _label(self.g, node, "en") or str(node)
            return f'<a href="#{self.anchor(node)}">{html.escape(label)}</a>'
        name = self.pm.compact(str(node)) or str(node)
        return f'<a href="{html.escape(str(node), quote=True)}">{html.escape(name)}</a>'

    def row(self, title: str, nodes: Iterable[Node]) -> str:
        values = sorted(set(nodes), key=str)
        if not values:
            return ""
        return f"<dt>{title}</dt><dd>{', '.join(self.ref(v) for v in values)}</dd>"

    def term(self, node: URIRef, kind: str) -> str:
        g = self.g
        fi, en = _label(g, node, "fi"), _label(g, node, "en")
        heading = html.escape(fi or en or str(node))
        if fi and en:
            heading += f' <span class="en" lang="en">/ {html.escape(en)}</span>'
        parts = [f'<section class="term" id="{self.anchor(node)}">',
                 f'<h3>{heading} <span class="kind">{kind}</span></h3>',
                 f"<p><code>{html.escape(str(node))}</code></p>"]
        for lang in ("fi", "en"):
            text = _text(g, node, (SKOS.definition, DCTERMS.description), lang)
            if text:
                parts.append(f'<p lang="{lang}" class="{lang}">{html.escape(text)}</p>')
        rows = [
            self.row("tyyppi / type", (o for o in g.objects(node, RDF.type) if o not in (OWL.Class, OWL.ObjectProperty,
                                                                                     OWL.DatatypeProperty))),
            self.row("yläluokka / subclass of", g.objects(node, RDFS.subClassOf)),
            self.row("yläominaisuus / subproperty of", g.objects(node, RDFS.subPropertyOf)),
            self.row("määrittelyjoukko / domain", g.objects(node, RDFS.domain)),
            self.row("arvojoukko / range", g.objects(node, RDFS.range)),
            self.row("tunnus / notation", g.objects(node, SKOS.notation)),
            self.row("käsitejärjestelmä / in scheme", g.objects(node, SKOS.inScheme)),
            self.row("laajempi / broader", g.objects(node, SKOS.broader)),
            self.row("osa ohjelmaa / sub-scheme of", g.objects(node, EURIO.isSubSchemeOf)),
            self.row("yläkäsitteet / top concepts", g.objects(node, SKOS.hasTopConcept)),
            *(self.row(self.pm.compact(str(p)) or str(p), g.objects(node, p)) for p in ALIGNMENTS),
            self.row("ominaisuudet / domain of", g.subjects(RDFS.domain, node)),
            self.row("arvona / range of", g.subjects(RDFS.range, node)),
        ]
        rows = [r for r in rows if r]
        if rows:
            parts.append("<dl>" + "".join(rows) + "</dl>")
        parts.append("</section>")
        return "\n".join(parts)

    def render(self) -> str:
        g = self.g
        onto = next(iter(sorted(s for s in g.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))), None)
        groups = [
            ("classes", "Luokat / Classes", "luokka / class", OWL.Class),
            ("object-properties", "Objektiominaisuudet / Object properties", "objektiominaisuus / object property",
             OWL.ObjectProperty),
            ("datatype-properties", "Tietotyyppiominaisuudet / Datatype properties",
             "tietotyyppiominaisuus / datatype property", OWL.DatatypeProperty),
            ("annotation-properties", "Annotaatio-ominaisuudet / Annotation properties",
             "annotaatio-ominaisuus / annotation property", OWL.AnnotationProperty),
            ("concept-schemes", "Käsitejärjestelmät / Concept schemes", "käsitejärjestelmä / concept scheme",
             SKOS.ConceptScheme),
            ("concepts", "Käsitteet / Concepts", "käsite / concept", SKOS.Concept),
        ]
        title_fi = _label(g, onto, "fi") if onto else "hankekg"
        title_en = _label(g, onto, "en") if onto else None
        out = ['<!DOCTYPE html>', '<html lang="fi">', "<head>", '<meta charset="utf-8">',
               f"<title>{html.escape(title_fi or 'hankekg')}</title>",
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               '<link rel="alternate" type="text/turtle" href="hankekg.ttl">',
               '<link rel="alternate" type="application/ld+json" href="hankekg.jsonld">',
               f"<style>{_CSS}</style>", "</head>", "<body>", "<header>",
               f"<h1>{html.escape(title_fi or 'hankekg')}</h1>"]
        if title_en:
            out.append(f'<p class="en" lang="en">{html.escape(title_en)}</p>')
        if onto is not None:
            for lang in ("fi", "en"):
                text = _text(g, onto, (DCTERMS.description,), lang)
                if text:
                    out.append(f'<p lang="{lang}" class="{lang}">{html.escape(text)}</p>')
            out.append("<dl>" + "".join(r for r in (
                f"<dt>IRI</dt><dd><code>{html.escape(str(onto))}</code></dd>",
                self.row("versio / version", g.objects(onto, OWL.versionInfo)),
                self.row("lisenssi / licence", g.objects(onto, DCTERMS.license)),
                self.row("etuliite / prefix", g.objects(onto, VANN.preferredNamespacePrefix)),
                self.row("nimiavaruus / namespace", g.objects(onto, VANN.preferredNamespaceUri)),
            ) if r) + '<dt>lataa / download</dt><dd><a href="hankekg.ttl">Turtle</a>, '
                '<a href="hankekg.jsonld">JSON-LD</a></dd></dl>')
        out.append("</header>")
        sections, toc, done = [], [], set()
        for key, title, kind, cls in groups:
            members = sorted((s for s in g.subjects(RDF.type, cls)
                              if isinstance(s, URIRef) and s not in done and s != onto), key=str)
            if not members:
                continue
            done.update(members)
            toc.append(f'<li><a href="#{key}">{title}</a> ({len(members)})</li>')
            sections.append(f'<h2 id="{key}">{title}</h2>')
            sections.extend(self.term(m, kind) for m in members)
        out.append("<nav><ul>" + "".join(toc) + "</ul></nav>")
        out.extend(sections)
        out.append("</body>\n</html>\n")
        return "\n".join(out)


def ontology_html(graph: Graph) -> str:
    """The documentation page of the ontology ``graph`` (deterministic)."""
    return _Page(graph).render()


def ontology_files(graph: Graph) -> dict[str, bytes]:
    """dist/ontology/ by path relative to dist/: index.html, hankekg.ttl, hankekg.jsonld."""
    return {
        f"{ONTOLOGY_DIR}/index.html": ontology_html(graph).encode("utf-8"),
        f"{ONTOLOGY_DIR}/hankekg.ttl": sorted_turtle_bytes(graph),
        f"{ONTOLOGY_DIR}/hankekg.jsonld": jsonld_bytes(graph),
    }
