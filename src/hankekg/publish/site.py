"""A static, browsable linked-data site of the graph (dist/site/).

Static HTML that needs no server: it works from ``file://`` and from any static web
server. One page per project, organisation (funders included: an organisation page lists
the grants it disbursed), target group, output, region and source document (a project
card, a EURA2014 registry record), plus the index pages ``index.html`` (projects,
filterable by region, funder, target group and year, with an offline search box),
``organisations.html``, ``target-groups.html`` and ``regions.html``. The filters and the
search are a small vanilla script over a JSON index embedded in ``index.html``: no
``fetch()``, nothing from the network.

IRI → page mapping
------------------

Every resource minted under the data base (``hankekg build --base``, default
``https://w3id.org/hankekg/id/``) that has a page is served from the IRI's path below the
base, with a suffix per representation::

    <base>project/S21684                 site/project/S21684.html   .ttl   .jsonld
    <base>project/S21684/output/1        site/project/S21684/output/1.html   .ttl   .jsonld
    <base>organisation/2472908-2         site/organisation/2472908-2.html   .ttl   .jsonld
    <base>organisation/name/<slug>       site/organisation/name/<slug>.html   …
    <base>target-group/<slug>            site/target-group/<slug>.html   …
    <base>region/FI1D1                   site/region/FI1D1.html   …
    <base>source/card/S21684             site/source/card/S21684.html   …
    <base>source/eura2014/S21684         site/source/eura2014/S21684.html   …

Nodes that belong to one of these have no page of their own and are described on the
page (and in the .ttl/.jsonld) of their owner, with a fragment: a project's roles,
grants, amounts, identifier and source conflicts (``project/S21684/role/…`` →
``project/S21684.html#roles``), an organisation's business identifier, a card's OCR
repairs. The ``.ttl`` and ``.jsonld`` files hold the resource's description: its own
triples, those of the nodes it owns, and the labels (``skos:prefLabel``, ``rdfs:label``,
``dct:title``) of every resource they point to. A web server does content negotiation
by this rule (``Accept: text/turtle`` → ``.ttl``, ``application/ld+json`` → ``.jsonld``,
otherwise ``.html``); see ``server-config/README.md`` and ``server-config/nginx.conf``.

Every page carries ``<link rel="alternate">`` to its ``.ttl`` and ``.jsonld`` and a
schema.org description in ``<script type="application/ld+json">``. Links between pages
are relative. The same graph gives the same bytes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS

from hankekg.errors import IriError
from hankekg.iris import Minter, Parsed
from hankekg.namespaces import ADMS, BIBO, EURIO, HK, PREFIXES, bind_prefixes
from hankekg.pipeline import BuildResult
from hankekg.publish.dumps import turtle_bytes

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"

PAGE_KINDS = ("project", "organisation", "organisation-by-name", "target-group", "output", "region",
              "card", "registry-record")
"""Kinds of minted IRIs (:meth:`hankekg.iris.Minter.parse`) that get a page."""

OWNED_KINDS = {
    "role": ("project", "roles"),
    "grant": ("project", "funding"),
    "amount": ("project", "funding"),
    "project-identifier": ("project", "facts"),
    "conflict": ("project", "sources"),
    "practice": ("project", "prose"),
    "business-identifier": ("organisation", "facts"),
}
"""Kinds described on their owner's page: kind → (owner kind, fragment on its page)."""

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title)

ROLE_ORDER = {HK.MainImplementer: 0, HK.CoImplementer: 1, HK.SupportTransferee: 2}

PROSE = (
    (HK.goals, "Tavoitteet", "Goals"),
    (HK.background, "Tausta", "Background"),
    (HK.wayOfWorking, "Toimintatapa", "Way of working"),
    (HK.promisingPracticesText, "Lupaavat käytännöt", "Promising practices"),
    (HK.otherResults, "Muut tulokset", "Other results"),
    (HK.dissemination, "Levittäminen ja jatko", "Dissemination"),
    (HK.remarks, "Huomioita", "Remarks"),
)

FIELD_LABELS = {
    "name": ("Nimi", "Name"),
    "start": ("Alkupäivä", "Start"),
    "end": ("Loppupäivä", "End"),
    "funders": ("Rahoittajat", "Funders"),
    "funding_eur": ("Rahoitus", "Funding"),
    "implementers": ("Toteuttajat", "Implementers"),
    "target_groups": ("Kohderyhmät", "Target groups"),
    "background": ("Tausta", "Background"),
    "goals": ("Tavoitteet", "Goals"),
    "method": ("Toimintatapa", "Way of working"),
    "outputs": ("Tuotokset", "Outputs"),
    "practices": ("Lupaavat käytännöt", "Promising practices"),
    "results": ("Muut tulokset", "Other results"),
    "dissemination": ("Levittäminen", "Dissemination"),
    "notes": ("Huomioita", "Remarks"),
    "registry_link": ("EURA2014-linkki", "EURA2014 link"),
}
"""Finnish and English labels of the card fields the completeness shapes name."""

SOURCE_LABELS = {
    "card": ("Hankekortti", "Project card"),
    "registry-record": ("EURA2014-rekisteri", "EURA2014 registry"),
}

KOHESIO_PREFIX = "https://linkedopendata.eu/"
YSO_PREFIX = "http://www.yso.fi/onto/yso/"
NUTS_PREFIX = "http://data.europa.eu/nuts/"
WIKIDATA_PREFIX = "http://www.wikidata.org/"
URN_PREFIX = "https://urn.fi/"


@dataclass(frozen=True)
class SiteResult:
    """What :func:`write_site` wrote.

    Attributes:
        out: the site folder.
        pages: site paths (relative to ``out``) of every HTML page, sorted.
        counts: resource pages per kind, plus ``index`` for the index pages.
        files: every file written, HTML, Turtle, JSON-LD and assets together.
        seconds: how long writing took.
    """

    out: Path
    pages: tuple[str, ...]
    counts: dict[str, int]
    files: int
    seconds: float = field(compare=False, default=0.0)


@dataclass(frozen=True)
class Link:
    """A link to a page of the site (``path`` relative to the site root) or elsewhere (``url``)."""

    text: str
    path: str | None = None
    url: str | None = None
    note: str | None = None


def fold(text: str) -> str:
    """Case and accents folded, as the search box does it (ä → a, ö → o, Å → a)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def euros(value: Decimal | float | str | None) -> str:
    """Euros in Finnish style: ``368 136 €``, ``1 250,50 €``."""
    if value is None:
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", " ").replace(".", ",") + " €"


def finnish_date(value) -> str:
    """``2019-06-01`` → ``1.6.2019``; anything else as it is."""
    if isinstance(value, Literal):
        value = value.toPython()
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    return str(value) if value is not None else ""


def _owner(minter: Minter, parsed: Parsed) -> URIRef:
    """The resource whose page describes a node of an owned kind (:data:`OWNED_KINDS`)."""
    owner_kind = OWNED_KINDS[parsed.kind][0]
    if owner_kind == "project":
        return minter.project(parsed.keys[0])
    if owner_kind == "organisation":
        return minter.organisation(business_id=parsed.keys[0])
    return minter.card(parsed.keys[0])


class _Graph:
    """Look-ups over the built graph, with the reverse indexes the pages need."""

    def __init__(self, graph: Graph, minter: Minter):
        self.g = graph
        self.m = minter
        self.kind: dict[URIRef, Parsed] = {}
        for s in set(graph.subjects()) | {o for o in graph.objects() if isinstance(o, URIRef)}:
            if isinstance(s, URIRef) and str(s).startswith(minter.base):
                try:
                    self.kind[s] = minter.parse(str(s))
                except IriError:
                    pass
        self.owned: dict[URIRef, list[URIRef]] = defaultdict(list)
        for node, parsed in self.kind.items():
            if parsed.kind in OWNED_KINDS and (node, None, None) in graph:
                self.owned[self.owner(node, parsed)].append(node)

    def owner(self, node: URIRef, parsed: Parsed) -> URIRef:
        return _owner(self.m, parsed)

    def of_kind(self, *kinds: str) -> list[URIRef]:
        return sorted(n for n, p in self.kind.items() if p.kind in kinds and (n, None, None) in self.g)

    def page(self, node) -> str | None:
        """The site path of the page of ``node`` (with a fragment for owned nodes), or None."""
        parsed = self.kind.get(node)
        if parsed is None:
            return None
        if parsed.kind in PAGE_KINDS:
            return str(node)[len(self.m.base):] + ".html"
        if parsed.kind in OWNED_KINDS:
            owner = self.owner(node, parsed)
            return str(owner)[len(self.m.base):] + ".html#" + OWNED_KINDS[parsed.kind][1]
        return None

    def label(self, node) -> str:
        for predicate in LABEL_PREDICATES:
            values = list(self.g.objects(node, predicate))
            if values:
                fi = [v for v in values if isinstance(v, Literal) and v.language == "fi"]
                return str(min(fi or values))
        return str(node)

    def link(self, node, text: str | None = None, note: str | None = None) -> Link:
        path = self.page(node)
        text = text if text is not None else self.label(node)
        if path:
            return Link(text, path=path, note=note)
        return Link(text, url=str(node), note=note)

    def value(self, s, p):
        return self.g.value(s, p)

    def values(self, s, p) -> list:
        return sorted(self.g.objects(s, p))

    def text(self, s, p) -> str | None:
        v = self.g.value(s, p)
        return str(v) if v is not None else None


class _SiteWriter:
    """Collects what each page shows and renders it."""

    def __init__(self, result: BuildResult, graph: Graph, base: str):
        self.result = result
        self.m = Minter(base)
        self.q = _Graph(graph, self.m)
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html", "j2"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["euros"] = euros
        self.env.filters["fidate"] = finnish_date
        self.completeness = {c.project: c for c in result.validation.completeness}
        # The graph counts each card's repairs (hk:repairCount); the words are on the cards.
        self.repairs = {card.code: [{"line": r.line, "before": r.before, "after": r.after, "reason": r.reason}
                                    for r in card.repairs] for card in result.cards}
        self.files: dict[str, bytes] = {}
        self.pages: list[str] = []
        self.counts: dict[str, int] = defaultdict(int)

    # -- views -------------------------------------------------------------------------

    def sources(self, node, kind: str | None = None) -> list[Link]:
        """The sources ``node`` was derived from (``prov:wasDerivedFrom``), as links to their pages;
        only those of ``kind`` (``card``, ``registry-record``) when given."""
        out = []
        for src in self.q.values(node, PROV.wasDerivedFrom):
            parsed = self.q.kind.get(src)
            src_kind = parsed.kind if parsed else ""
            if kind is None or kind == src_kind:
                fi, en = SOURCE_LABELS.get(src_kind, ("Lähde", "Source"))
                out.append(self.q.link(src, f"{fi} / {en}"))
        return out

    def project_view(self, node: URIRef) -> dict:
        q, code = self.q, str(self.q.value(node, DCTERMS.identifier))
        card_src = self.sources(node, "card")
        registry_src = self.sources(node, "registry-record")
        official = registry_src or card_src

        funders = []
        for grant in q.values(node, EURIO.isFundedBy):
            funder = q.value(grant, EURIO.isDisbursedBy)
            amount = q.value(grant, EURIO.hasFundingAmount)
            value = q.value(amount, EURIO.value) if amount is not None else None
            funders.append({
                "funder": q.link(funder) if funder is not None else None,
                "funder_node": funder,
                "amount": value.toPython() if value is not None else None,
                "currency": q.text(amount, EURIO.currency) if amount is not None else None,
                "id": str(grant),
            })
        funders.sort(key=lambda f: (fold(f["funder"].text) if f["funder"] else "", f["id"]))
        amounts = [f["amount"] for f in funders if f["amount"] is not None]

        roles = []
        for role in q.values(node, EURIO.hasInvolvedParty):
            org = q.value(role, EURIO.isRoleOf)
            concept = q.value(role, HK.roleConcept)
            labels = {v.language: str(v) for v in q.values(role, EURIO.roleLabel)}
            roles.append({
                "org": q.link(org),
                "org_node": org,
                "role_fi": labels.get("fi", ""),
                "role_en": labels.get("en", ""),
                "order": ROLE_ORDER.get(concept, 9),
                "sources": self.sources(role),
            })
        roles.sort(key=lambda r: (r["order"], fold(r["org"].text), r["role_fi"]))

        main_tg = q.value(node, HK.mainTargetGroup)
        target_groups = [q.link(t, note="päätavoiteryhmä / main group" if t == main_tg else None)
                         for t in q.values(node, DCTERMS.audience)]
        target_groups.sort(key=lambda link: (link.note is None, fold(link.text)))

        outputs = [self.output_facts(o) for o in sorted(q.values(node, EURIO.hasResult),
                                                        key=lambda o: int(q.kind[o].keys[1]))]
        prose = [{"fi": fi, "en": en, "text": q.text(node, p)} for p, fi, en in PROSE if q.text(node, p)]

        conflicts = []
        for c in q.values(node, HK.hasConflict):
            conflicts.append({"field": q.text(c, HK.conflictField), "card": q.text(c, HK.cardValue),
                              "registry": q.text(c, HK.registryValue), "resolution": q.text(c, RDFS.comment)})
        scheme = q.value(node, EURIO.hasFundingScheme)
        scheme_text = None
        if scheme is not None:
            notation = q.text(scheme, SKOS.notation)
            scheme_text = (f"{notation} {q.label(scheme)}" if notation and not q.label(scheme).startswith(notation)
                           else q.label(scheme))
            axis = q.value(scheme, SKOS.broader)
            if axis is not None and (axis, SKOS.prefLabel, None) in q.g:
                scheme_text += f" ({q.label(axis)})"

        comp = self.completeness.get(str(node))
        completeness = None
        if comp:
            completeness = {
                "filled": len(comp.filled), "expected": comp.expected,
                "percent": round(100 * len(comp.filled) / comp.expected) if comp.expected else 0,
                "filled_fields": [self.field_label(f) for f in comp.filled],
                "missing_expected": [self.field_label(f) for f in comp.missing_expected],
                "missing_nice": [self.field_label(f) for f in comp.missing_nice],
            }
        region = q.value(node, DCTERMS.spatial)
        authority = q.value(node, HK.responsibleAuthority)
        start, end = q.value(node, EURIO.startDate), q.value(node, EURIO.endDate)
        return {
            "node": node, "iri": str(node), "code": code, "name": q.label(node),
            "status": q.text(node, HK.projectStatus),
            "start": start, "end": end,
            "region": q.link(region) if region is not None else None,
            "authority": q.link(authority) if authority is not None else None,
            "authority_node": authority,
            "scheme": scheme_text,
            "abstract": q.text(node, DCTERMS.abstract),
            "funders": funders,
            "funding_total": sum(amounts, Decimal(0)) if amounts else None,
            "roles": roles,
            "target_groups": target_groups,
            "target_group_text": q.text(node, HK.targetGroupText),
            "outputs": outputs,
            "prose": prose,
            "conflicts": conflicts,
            "sources": self.sources(node),
            "card_sources": card_src,
            "registry_sources": registry_src,
            "official_sources": official,
            "completeness": completeness,
            "links_out": self.links_out(node),
        }

    @staticmethod
    def field_label(name: str) -> str:
        fi, en = FIELD_LABELS.get(name, (name, name))
        return f"{fi} / {en}"

    def links_out(self, node) -> list[Link]:
        """Links to registries and vocabularies outside the site."""
        q, out = self.q, []
        for url in q.values(node, RDFS.seeAlso):
            if "eura2014" in str(url):
                out.append(Link("EURA2014-hankesivu / EURA2014 project page", url=str(url)))
            else:
                out.append(Link(str(url), url=str(url)))
        for url in (*q.values(node, OWL.sameAs), *q.values(node, SKOS.exactMatch),
                    *q.values(node, SKOS.closeMatch), *q.values(node, SKOS.broadMatch)):
            u = str(url)
            if u.startswith(KOHESIO_PREFIX):
                out.append(Link("Kohesio / EU Knowledge Graph", url=u))
            elif u.startswith(URN_PREFIX):
                out.append(Link(f"urn.fi: {u[len(URN_PREFIX):]}", url=u))
            elif u.startswith(WIKIDATA_PREFIX):
                out.append(Link(f"Wikidata {u.rsplit('/', 1)[-1]}", url=u))
            elif u.startswith(NUTS_PREFIX):
                out.append(Link(f"NUTS {u.rsplit('/', 1)[-1]}", url=u))
            elif u.startswith(YSO_PREFIX):
                kind = {SKOS.exactMatch: "sama / exact", SKOS.closeMatch: "lähes sama / close",
                        SKOS.broadMatch: "laajempi / broader"}
                how = next(k for p, k in kind.items() if (node, p, url) in q.g) if any(
                    (node, p, url) in q.g for p in kind) else ""
                out.append(Link(f"YSO {u.rsplit('/', 1)[-1]}", url=u, note=how))
            else:
                out.append(Link(u, url=u))
        for url in q.values(node, SDO.url):
            out.append(Link(f"Verkkosivu / Web page: {url}", url=str(url)))
        return out

    def output_facts(self, node) -> dict:
        q = self.q
        publisher = q.value(node, DCTERMS.publisher)
        size = q.value(node, HK.sizeMegabytes)
        url = q.value(node, SDO.url)
        return {
            "link": q.link(node), "title": q.label(node),
            "publisher": q.link(publisher) if publisher is not None else None,
            "year": q.text(node, DCTERMS.issued), "format": q.text(node, DCTERMS.format),
            "size": f"{size.toPython()} Mt".replace(".", ",") if size is not None else None,
            "url": str(url) if url is not None else None,
            "isbn": q.text(node, BIBO.isbn13),
        }

    def projects_of(self, predicate, obj) -> list[URIRef]:
        return sorted(s for s in self.q.g.subjects(predicate, obj) if (s, RDF.type, EURIO.Project) in self.q.g)

    def project_link(self, project) -> Link:
        code = self.q.text(project, DCTERMS.identifier) or ""
        return self.q.link(project, f"{code} {self.q.label(project)}".strip())

    def organisation_view(self, node: URIRef) -> dict:
        q = self.q
        roles = []
        for role in q.g.subjects(EURIO.isRoleOf, node):
            for project in q.g.subjects(EURIO.hasInvolvedParty, role):
                labels = {v.language: str(v) for v in q.values(role, EURIO.roleLabel)}
                roles.append({"project": self.project_link(project), "role_fi": labels.get("fi", ""),
                              "role_en": labels.get("en", ""), "sources": self.sources(role),
                              "code": q.text(project, DCTERMS.identifier) or ""})
        roles.sort(key=lambda r: (r["code"], r["role_fi"]))
        grants = []
        for grant in q.g.subjects(EURIO.isDisbursedBy, node):
            for project in q.g.subjects(EURIO.isFundedBy, grant):
                amount = q.value(grant, EURIO.hasFundingAmount)
                value = q.value(amount, EURIO.value) if amount is not None else None
                grants.append({"project": self.project_link(project),
                               "amount": value.toPython() if value is not None else None,
                               "code": q.text(project, DCTERMS.identifier) or ""})
        grants.sort(key=lambda g: g["code"])
        amounts = [g["amount"] for g in grants if g["amount"] is not None]
        ident = q.value(node, ADMS.identifier)
        region = q.value(node, DCTERMS.spatial)
        return {
            "node": node, "iri": str(node), "name": q.label(node),
            "alt_names": sorted(str(v) for v in q.values(node, SKOS.altLabel)),
            "business_id": q.text(ident, SKOS.notation) if ident is not None else None,
            "region": q.link(region) if region is not None else None,
            "roles": roles, "grants": grants,
            "grants_total": sum(amounts, Decimal(0)) if amounts else None,
            "authority_for": [self.project_link(p) for p in self.projects_of(HK.responsibleAuthority, node)],
            "outputs": [self.output_facts(o) for o in sorted(q.g.subjects(DCTERMS.publisher, node))],
            "links_out": self.links_out(node),
        }

    # -- schema.org ----------------------------------------------------------------------

    def schema_org(self, node, kind: str, view: dict) -> dict:
        """The schema.org description embedded in the page (``<script type="application/ld+json">``)."""
        if kind == "project":
            data = {"@context": "https://schema.org", "@type": "Project", "@id": view["iri"],
                    "name": view["name"], "identifier": view["code"]}
            if view["start"] is not None:
                data["startDate"] = str(view["start"])
            if view["end"] is not None:
                data["endDate"] = str(view["end"])
            if view["abstract"] or view["prose"]:
                data["description"] = view["abstract"] or view["prose"][0]["text"]
            same_as = [link.url for link in view["links_out"] if link.url]
            if same_as:
                data["sameAs"] = same_as
            funders, grants = [], []
            for f in view["funders"]:
                if f["funder"] is None:
                    continue
                org = self._schema_org_ref(f["funder_node"], f["funder"].text)
                funders.append(org)
                grant = {"@type": "MonetaryGrant", "@id": f["id"], "funder": org}
                if f["amount"] is not None:
                    grant["amount"] = {"@type": "MonetaryAmount", "value": float(f["amount"]),
                                       "currency": f["currency"] or "EUR"}
                grants.append(grant)
            if funders:
                data["funder"] = funders
                data["funding"] = grants
            members = [{"@type": "OrganizationRole", "roleName": r["role_fi"],
                        "member": self._schema_org_ref(r["org_node"], r["org"].text)} for r in view["roles"]]
            if members:
                data["member"] = members
            if view["authority"] is not None:
                data["sponsor"] = self._schema_org_ref(view["authority_node"], view["authority"].text)
            if view["region"] is not None:
                data["areaServed"] = {"@type": "AdministrativeArea", "name": view["region"].text}
            if view["target_groups"]:
                data["audience"] = [{"@type": "Audience", "audienceType": t.text} for t in view["target_groups"]]
            if view["outputs"]:
                data["subjectOf"] = [self._schema_output(o) for o in view["outputs"]]
            return data
        if kind in ("organisation", "organisation-by-name"):
            data = {"@context": "https://schema.org", "@type": "Organization", "@id": view["iri"],
                    "name": view["name"]}
            if view["business_id"]:
                data["identifier"] = {"@type": "PropertyValue", "propertyID": "Y-tunnus",
                                      "value": view["business_id"]}
                data["taxID"] = view["business_id"]
            if view["alt_names"]:
                data["alternateName"] = view["alt_names"]
            urls = [link.url for link in view["links_out"] if link.url]
            if urls:
                data["sameAs"] = urls
            return data
        if kind == "output":
            return {"@context": "https://schema.org", **self._schema_output(view), "@id": str(node)}
        if kind == "target-group":
            return {"@context": "https://schema.org", "@type": "DefinedTerm", "@id": str(node),
                    "name": view["name"], "inDefinedTermSet": str(HK.TargetGroupScheme),
                    "sameAs": [link.url for link in view["links_out"] if link.url]}
        if kind == "region":
            return {"@context": "https://schema.org", "@type": "AdministrativeArea", "@id": str(node),
                    "name": view["name"], "identifier": view["nuts"] or "",
                    "sameAs": [link.url for link in view["links_out"] if link.url]}
        data = {"@context": "https://schema.org", "@type": "CreativeWork", "@id": str(node), "name": view["name"]}
        if view.get("project") is not None:
            data["about"] = {"@type": "Project", "name": view["project"].text}
        return data

    def _schema_org_ref(self, node, name: str) -> dict:
        data = {"@type": "Organization", "name": name}
        if node is not None and str(node).startswith(self.m.base):
            data["@id"] = str(node)
            ident = self.q.value(node, ADMS.identifier)
            if ident is not None:
                data["identifier"] = self.q.text(ident, SKOS.notation)
        return data

    @staticmethod
    def _schema_output(o: dict) -> dict:
        data = {"@type": "CreativeWork", "name": o["title"]}
        if o["year"]:
            data["datePublished"] = o["year"]
        if o["publisher"] is not None:
            data["publisher"] = {"@type": "Organization", "name": o["publisher"].text}
        if o["url"]:
            data["url"] = o["url"]
        if o["isbn"]:
            data["isbn"] = o["isbn"]
        if o["format"]:
            data["encodingFormat"] = o["format"]
        return data

    # -- descriptions (.ttl, .jsonld) -----------------------------------------------------

    def description(self, node: URIRef) -> Graph:
        """The node's triples, those of the nodes it owns, and the labels of what they point to."""
        g = Graph()
        bind_prefixes(g)
        described = [node, *sorted(self.q.owned.get(node, []))]
        for s in described:
            for p, o in self.q.g.predicate_objects(s):
                g.add((s, p, o))
        inside = set(described)
        for o in {o for o in g.objects() if isinstance(o, URIRef) and o not in inside}:
            for p in LABEL_PREDICATES:
                for label in self.q.g.objects(o, p):
                    g.add((o, p, label))
        return g

    # -- writing ---------------------------------------------------------------------------

    def render(self, template: str, path: str, **context) -> None:
        depth = path.count("/")
        html = self.env.get_template(template).render(root="../" * depth, page=path, **context)
        self.files[path] = html.encode("utf-8")
        self.pages.append(path)

    def resource(self, node: URIRef, kind: str, template: str, view: dict) -> None:
        path = self.q.page(node)
        view["page"] = path
        stem = path[: -len(".html")]
        g = self.description(node)
        self.files[stem + ".ttl"] = turtle_bytes(g)
        self.files[stem + ".jsonld"] = jsonld_bytes(g)
        name = stem.rsplit("/", 1)[-1]
        self.render(template, path, view=view, kind=kind, title=view["name"],
                    alternates={"ttl": name + ".ttl", "jsonld": name + ".jsonld"},
                    schema=self.schema_org(node, kind, view))
        self.counts[kind] += 1

    def write_all(self) -> None:
        q = self.q
        projects = [self.project_view(p) for p in q.of_kind("project")]
        for view in projects:
            self.resource(view["node"], "project", "project.html", view)
        organisations = [self.organisation_view(o) for o in q.of_kind("organisation", "organisation-by-name")]
        for view in organisations:
            kind = q.kind[view["node"]].kind
            self.resource(view["node"], kind, "organisation.html", view)
        for node in q.of_kind("output"):
            view = self.output_facts(node)
            project = next(iter(sorted(q.g.subjects(EURIO.hasResult, node))), None)
            view.update(node=node, iri=str(node), name=view["title"],
                        project=self.project_link(project) if project is not None else None,
                        links_out=self.links_out(node))
            self.resource(node, "output", "output.html", view)
        target_groups = []
        for node in q.of_kind("target-group"):
            view = {"node": node, "iri": str(node), "name": q.label(node),
                    "projects": [self.project_link(p) for p in self.projects_of(DCTERMS.audience, node)],
                    "main_of": {str(p) for p in self.projects_of(HK.mainTargetGroup, node)},
                    "links_out": self.links_out(node)}
            target_groups.append(view)
            self.resource(node, "target-group", "target_group.html", view)
        regions = []
        for node in q.of_kind("region"):
            view = {"node": node, "iri": str(node), "name": q.label(node),
                    "other_names": sorted(str(v) for v in q.values(node, SKOS.prefLabel) if v.language != "fi"),
                    "nuts": q.text(node, SKOS.notation),
                    "projects": [self.project_link(p) for p in self.projects_of(DCTERMS.spatial, node)],
                    "organisations": sorted(
                        (q.link(o) for o in q.g.subjects(DCTERMS.spatial, node)
                         if (o, RDF.type, EURIO.Organisation) in q.g), key=lambda link: fold(link.text)),
                    "links_out": self.links_out(node)}
            regions.append(view)
            self.resource(node, "region", "region.html", view)
        for node in q.of_kind("card", "registry-record"):
            kind = q.kind[node].kind
            code = q.kind[node].keys[0]
            fi, en = SOURCE_LABELS[kind]
            repairs = self.repairs.get(code, []) if kind == "card" else []
            primary = q.value(node, PROV.hadPrimarySource)
            project = self.m.project(code)
            view = {"node": node, "iri": str(node), "name": f"{fi} / {en} {code}", "kind_fi": fi, "kind_en": en,
                    "file": q.text(node, DCTERMS.source), "creator": q.text(node, DCTERMS.creator),
                    "created": q.text(node, DCTERMS.created), "original": q.text(node, HK.originalText),
                    "repairs": repairs, "primary": str(primary) if primary is not None else None,
                    "project": self.project_link(project) if (project, None, None) in q.g else None,
                    "links_out": []}
            self.resource(node, kind, "source.html", view)

        self.indexes(projects, organisations, target_groups, regions)
        for name in sorted(os.listdir(TEMPLATES / "static")):
            self.files["assets/" + name] = (TEMPLATES / "static" / name).read_bytes()

    def indexes(self, projects, organisations, target_groups, regions) -> None:
        q = self.q
        rows, entries = [], []
        funders: dict[str, str] = {}
        years: set[int] = set()
        for view in projects:
            main = [r["org"] for r in view["roles"] if r["order"] == 0]
            project_years = []
            start, end = view["start"], view["end"]
            if start is not None:
                s = start.toPython().year
                e = end.toPython().year if end is not None else s
                project_years = list(range(s, max(s, e) + 1))
                years.update(project_years)
            funder_keys = []
            for f in view["funders"]:
                if f["funder"] is not None:
                    key = f["funder"].path or f["funder"].url
                    funders[key] = f["funder"].text
                    funder_keys.append(key)
            text = " ".join(filter(None, [view["code"], view["name"], *(p["text"] for p in view["prose"]
                                                                         if p["en"] == "Goals"),
                                          view["abstract"], *(r["org"].text for r in view["roles"]),
                                          *(t.text for t in view["target_groups"])]))
            rows.append({"view": view, "main": main})
            entries.append({
                "c": view["code"],
                "r": [view["region"].path] if view["region"] is not None and view["region"].path else [],
                "f": sorted(set(funder_keys)),
                "t": sorted({t.path for t in view["target_groups"] if t.path}),
                "y": project_years,
                "s": fold(text),
            })
        others = []
        for view in organisations:
            text = " ".join([view["name"], *view["alt_names"], view["business_id"] or ""])
            others.append({"k": "Organisaatio / Organisation", "n": view["name"],
                           "u": q.page(view["node"]), "s": fold(text)})
        for view in target_groups:
            others.append({"k": "Kohderyhmä / Target group", "n": view["name"], "u": q.page(view["node"]),
                           "s": fold(view["name"])})
        for view in regions:
            others.append({"k": "Alue / Region", "n": view["name"], "u": q.page(view["node"]),
                           "s": fold(" ".join([view["name"], *view["other_names"], view["nuts"] or ""]))})
        index_data = {"projects": entries, "others": others}
        options = {
            "regions": sorted(((v["name"], q.page(v["node"])) for v in regions), key=lambda x: fold(x[0])),
            "funders": sorted(((name, key) for key, name in funders.items()), key=lambda x: fold(x[0])),
            "target_groups": sorted(((v["name"], q.page(v["node"])) for v in target_groups),
                                    key=lambda x: fold(x[0])),
            "years": sorted(years),
        }
        self.render("index.html", "index.html", title="Hankkeet / Projects", rows=rows, options=options,
                    index_data=index_data, alternates=None, schema=None)
        org_rows = sorted(organisations, key=lambda v: (fold(v["name"]), str(v["node"])))
        self.render("organisations.html", "organisations.html", title="Organisaatiot / Organisations",
                    rows=org_rows, alternates=None, schema=None)
        self.render("target_groups.html", "target-groups.html", title="Kohderyhmät / Target groups",
                    rows=sorted(target_groups, key=lambda v: fold(v["name"])), alternates=None, schema=None)
        self.render("regions.html", "regions.html", title="Alueet / Regions",
                    rows=sorted(regions, key=lambda v: fold(v["name"])), alternates=None, schema=None)
        self.counts["index"] = 4


def jsonld_bytes(graph: Graph) -> bytes:
    """The graph as JSON-LD with hankekg's prefixes as context; byte-identical for identical triples."""
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    return (json.dumps(_sorted_json(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _sorted_json(value):
    """Lists sorted (RDF values are sets), recursively, so that the output does not depend on
    the order rdflib met the triples in."""
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _write_tree(files: dict[str, bytes], out: Path) -> None:
    """Write ``files`` into a fresh folder beside ``out`` and swap it in, so a crash leaves
    the previous site whole and no page of an earlier build stays behind."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for rel in sorted(files):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / "site")
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_site(result: BuildResult, graph: Graph, out: Path, base: str | None = None) -> SiteResult:
    """Write the static site of a build into ``out`` (replaced whole).

    Args:
        result: the build (completeness per project comes from its validation).
        graph: the built graph, the union of its named graphs.
        out: the site folder, e.g. ``dist/site``.
        base: the data base IRI the graph was minted under (default: hankekg's default).

    Returns:
        The pages written and their counts.
    """
    from hankekg.namespaces import DEFAULT_DATA_BASE

    started = time.perf_counter()
    writer = _SiteWriter(result, graph, base or DEFAULT_DATA_BASE)
    writer.write_all()
    _write_tree(writer.files, out)
    seconds = time.perf_counter() - started
    counts = dict(sorted(writer.counts.items()))
    log.info("site: %d pages, %d files in %s (%.1f s)", len(writer.pages), len(writer.files), out, seconds)
    return SiteResult(out, tuple(sorted(writer.pages)), counts, len(writer.files), seconds)


def page_path(iri: str, base: str | None = None) -> str | None:
    """The site path of the page describing ``iri`` (``project/S21684.html``), or None.

    Nodes owned by a resource (roles, grants, repairs …) map to their owner's page with a
    fragment. IRIs not minted by hankekg under ``base`` have no page.
    """
    from hankekg.namespaces import DEFAULT_DATA_BASE

    minter = Minter(base or DEFAULT_DATA_BASE)
    try:
        parsed = minter.parse(iri)
    except IriError:
        return None
    if parsed.kind in PAGE_KINDS:
        return iri[len(minter.base):] + ".html"
    if parsed.kind in OWNED_KINDS:
        owner = _owner(minter, parsed)
        return str(owner)[len(minter.base):] + ".html#" + OWNED_KINDS[parsed.kind][1]
    return None

