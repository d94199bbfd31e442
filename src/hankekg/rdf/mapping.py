"""Project → triples.

Four named graphs (the Turtle dump holds their union):

- **data**: projects, organisations and their roles, grants and amounts, target
  groups, outputs, regions, programme structure met in the registry;
- **provenance**: the sources (``hk:ProjectCard`` with its original OCR text and how many
  words the repair changed, ``hk:RegistryRecord``), which node came from which source, and every
  disagreement between sources (``hk:SourceConflict``);
- **links**: outgoing links (EURA2014 pages, YSO, urn.fi, Kohesio), each set described
  as a ``void:Linkset``;
- **ontology**: ontology/hankekg.ttl and programme.ttl.

Every IRI comes from :class:`hankekg.iris.Minter`; no blank nodes are made, so dumps are
deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, VOID, XSD
from stdnum import isbn as stdnum_isbn

from hankekg import iris
from hankekg.model import Card, Output, RegistryRecord, Role
from hankekg.namespaces import ADMS, BIBO, EURIO, HK, NUTS, bind_prefixes
from hankekg.resolve.merge import Party, Project
from hankekg.resolve.organisations import Organisation, OrganisationIndex
from hankekg.resolve.resolver import Resolver
from hankekg.rdf.sink import LineDataset, LineGraph

GRAPH_BASE = "https://w3id.org/hankekg/graph/"
DATA_GRAPH = URIRef(GRAPH_BASE + "data")
PROVENANCE_GRAPH = URIRef(GRAPH_BASE + "provenance")
LINKS_GRAPH = URIRef(GRAPH_BASE + "links")
ONTOLOGY_GRAPH = URIRef(GRAPH_BASE + "ontology")

EURA2014_PAGE = "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi="
URN_ISBN = "https://urn.fi/URN:ISBN:"

ROLE_CONCEPTS = {
    Role.MAIN_IMPLEMENTER: HK.MainImplementer,
    Role.CO_IMPLEMENTER: HK.CoImplementer,
    Role.SUPPORT_TRANSFEREE: HK.SupportTransferee,
}
ROLE_LABELS_EN = {
    Role.MAIN_IMPLEMENTER: "main implementer",
    Role.CO_IMPLEMENTER: "co-implementer",
    Role.SUPPORT_TRANSFEREE: "support transferee",
}
PROSE_PROPERTIES = {
    "background": HK.background,
    "goals": HK.goals,
    "method": HK.wayOfWorking,
    "results": HK.otherResults,
    "dissemination": HK.dissemination,
    "notes": HK.remarks,
    "practices": HK.promisingPracticesText,
}
SOKRA_AXIS = 5
"""Every Sokra card is a project of priority axis 5 (social inclusion)."""

YTUNNUS_AGENCY = "Patentti- ja rekisterihallitus / Verohallinto (Y-tunnus)"
_ISBN_IN_URL = re.compile(r"URN[:_]?ISBN[:_]?((?:97[89])?[0-9][0-9-]{8,15}[0-9Xx])", re.IGNORECASE)

LINKSETS = {
    "eura2014": (RDFS.seeAlso, "https://www.eura2014.fi/", "EURA2014 project pages"),
    "yso-exact": (SKOS.exactMatch, "http://www.yso.fi/onto/yso/", "YSO concepts, exact matches"),
    "yso-close": (SKOS.closeMatch, "http://www.yso.fi/onto/yso/", "YSO concepts, close matches"),
    "yso-broad": (SKOS.broadMatch, "http://www.yso.fi/onto/yso/", "YSO concepts, broader matches"),
    "wikidata": (OWL.sameAs, "http://www.wikidata.org/", "Wikidata items of organisations"),
    "urn-isbn": (OWL.sameAs, "https://urn.fi/", "publications by URN:ISBN"),
    "kohesio": (OWL.sameAs, "https://linkedopendata.eu/", "Kohesio / EU Knowledge Graph items"),
    "nuts": (SKOS.exactMatch, "http://data.europa.eu/nuts/", "NUTS-3 regions"),
}


def new_dataset() -> Dataset:
    """An empty dataset with hankekg's prefixes bound."""
    ds = Dataset()
    bind_prefixes(ds)
    return ds


def fi(text: str) -> Literal:
    return Literal(text, lang="fi")


def isbn_in_url(url: str | None) -> str | None:
    """The ISBN a link carries (Theseus handles: ``…/URNISBN9789523443884.pdf``), hyphenated,
    or None when there is none or it does not validate."""
    if not url:
        return None
    m = _ISBN_IN_URL.search(url)
    if not m:
        return None
    digits = m.group(1).replace("-", "")
    return stdnum_isbn.format(digits) if stdnum_isbn.is_valid(digits) else None


class ProjectMapper:
    """Writes merged projects into the graphs of one dataset.

    Args:
        dataset: where the triples go.
        minter: mints every IRI.
        resolver: reference data (target-group links, regions).
        organisations: decides which organisation node each name is.
        kohesio: project code → Kohesio item IRI, for the matches recorded so far.
    """

    def __init__(self, dataset: Dataset | LineDataset, minter: iris.Minter, resolver: Resolver,
                 organisations: OrganisationIndex, kohesio: dict[str, str] | None = None):
        self.minter = minter
        self.resolver = resolver
        self.orgs = organisations
        self.kohesio = kohesio or {}
        self.data: Graph | LineGraph = dataset.graph(DATA_GRAPH)
        self.prov: Graph | LineGraph = dataset.graph(PROVENANCE_GRAPH)
        self.links: Graph | LineGraph = dataset.graph(LINKS_GRAPH)
        self.link_counts: Counter = Counter()
        self._links_made: set[tuple] = set()

    def add(self, project: Project) -> URIRef:
        """Map one project; returns its IRI. Organisations are written by :meth:`finish`."""
        m, g, code = self.minter, self.data, project.code
        node = m.project(code)
        g.add((node, RDF.type, EURIO.Project))
        g.add((node, DCTERMS.identifier, Literal(code)))
        ident = m.project_identifier(code)
        g.add((node, ADMS.identifier, ident))
        g.add((ident, RDF.type, ADMS.Identifier))
        g.add((ident, SKOS.notation, Literal(code)))
        g.add((ident, ADMS.schemeAgency, Literal("EURA2014")))
        if project.name:
            g.add((node, DCTERMS.title, fi(project.name)))
            g.add((node, RDFS.label, fi(project.name)))
        if project.start:
            g.add((node, EURIO.startDate, Literal(project.start, datatype=XSD.date)))
        if project.end:
            g.add((node, EURIO.endDate, Literal(project.end, datatype=XSD.date)))
        g.add((node, EURIO.hasFundingScheme, self._scheme(project.record)))
        self._region(node, project.municipality)
        self._registry_link(node, project)
        for source in self._sources(project):
            self.prov.add((node, PROV.wasDerivedFrom, source))
        for party in project.parties:
            self._party(node, code, party)
        if project.record:
            self._registry_facts(node, project.record)
        if project.card:
            self._card_facts(node, code, project.card)
        for n, conflict in enumerate(project.conflicts, start=1):
            c = m.conflict(code, n)
            p = self.prov
            p.add((node, HK.hasConflict, c))
            p.add((c, RDF.type, HK.SourceConflict))
            p.add((c, HK.conflictField, Literal(conflict.field)))
            p.add((c, HK.cardValue, Literal(conflict.card)))
            p.add((c, HK.registryValue, Literal(conflict.registry)))
            p.add((c, RDFS.comment, Literal(conflict.resolution, lang="en")))
            for source in self._sources(project):
                p.add((c, PROV.wasDerivedFrom, source))
        if code in self.kohesio:
            self._link("kohesio", node, OWL.sameAs, URIRef(self.kohesio[code]))
        return node

    def _sources(self, project: Project) -> list[URIRef]:
        out = []
        if project.card:
            out.append(self.minter.card(project.code))
        if project.record:
            out.append(self.minter.registry_record(project.code))
        return out

    def _source(self, kind: str, code: str) -> URIRef:
        return self.minter.card(code) if kind == "card" else self.minter.registry_record(code)

    def _org(self, name: str, business_id: str | None = None, kind: str = "card",
             municipality: str | None = None, org_type: str | None = None) -> tuple[URIRef, str]:
        key = self.orgs.key(name, business_id, kind, municipality, org_type)
        return self._org_iri(key), key

    def _org_iri(self, key: str) -> URIRef:
        return self.minter.organisation_by_key(key)

    def _party(self, node: URIRef, code: str, party: Party) -> None:
        org, key = self._org(party.name, party.business_id, party.source.kind, party.municipality)
        role = self.minter.role(code, key, party.role)
        g = self.data
        g.add((node, EURIO.hasInvolvedParty, role))
        g.add((role, RDF.type, EURIO.OrganisationRole))
        g.add((role, EURIO.isRoleOf, org))
        g.add((role, EURIO.roleLabel, fi(party.role.value)))
        g.add((role, EURIO.roleLabel, Literal(ROLE_LABELS_EN[party.role], lang="en")))
        g.add((role, HK.roleConcept, ROLE_CONCEPTS[party.role]))
        self.prov.add((role, PROV.wasDerivedFrom, self._source(party.source.kind, code)))

    def _scheme(self, record: RegistryRecord | None) -> URIRef:
        """The most specific funding scheme known: the registry's objective, else the axis."""
        axis_number = record.priority_axis.number if record and record.priority_axis else SOKRA_AXIS
        axis = iris.priority_axis(axis_number)
        g = self.data
        if record and record.priority_axis and axis_number != SOKRA_AXIS:
            lang = record.language
            g.add((axis, RDF.type, HK.PriorityAxis))
            g.add((axis, RDF.type, EURIO.FundingScheme))
            g.add((axis, RDF.type, SKOS.Concept))
            g.add((axis, SKOS.notation, Literal(str(axis_number))))
            g.add((axis, SKOS.prefLabel, Literal(record.priority_axis.label, lang=lang)))
            g.add((axis, EURIO.isSubSchemeOf, iris.programme()))
            g.add((axis, SKOS.broader, iris.programme()))
            g.add((axis, SKOS.inScheme, HK.ProgrammeScheme))
        if not (record and record.specific_objective):
            return axis
        so = record.specific_objective
        objective = iris.specific_objective(so.code)
        if objective != iris.specific_objective("10.1"):  # 10.1 is declared in programme.ttl
            g.add((objective, RDF.type, HK.SpecificObjective))
            g.add((objective, RDF.type, EURIO.FundingScheme))
            g.add((objective, RDF.type, SKOS.Concept))
            g.add((objective, SKOS.notation, Literal(so.code)))
            g.add((objective, SKOS.prefLabel, Literal(so.label, lang=record.language)))
            g.add((objective, EURIO.isSubSchemeOf, axis))
            g.add((objective, SKOS.broader, axis))
            g.add((objective, SKOS.inScheme, HK.ProgrammeScheme))
        return objective

    def _region(self, subject: URIRef, municipality: str | None) -> None:
        region = self.resolver.region_of(municipality)
        if region is None:
            return
        node = self.minter.region(region.nuts3)
        g = self.data
        g.add((subject, DCTERMS.spatial, node))
        g.add((node, RDF.type, DCTERMS.Location))
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.inScheme, HK.RegionScheme))
        g.add((node, SKOS.prefLabel, fi(region.name_fi)))
        g.add((node, SKOS.prefLabel, Literal(region.name_sv, lang="sv")))
        g.add((node, SKOS.notation, Literal(region.nuts3)))
        self._link("nuts", node, SKOS.exactMatch, URIRef(f"{NUTS}{region.nuts3}"))

    def _registry_link(self, node: URIRef, project: Project) -> None:
        url = project.card.links.registry if project.card and project.card.links.registry else None
        if project.record:
            url = EURA2014_PAGE + project.code
            self.prov.add((self.minter.registry_record(project.code), PROV.hadPrimarySource, URIRef(url)))
        if url:
            self._link("eura2014", node, RDFS.seeAlso, URIRef(url))
            self.prov.add((node, PROV.hadPrimarySource, URIRef(url)))

    def _registry_facts(self, node: URIRef, record: RegistryRecord) -> None:
        g, lang = self.data, record.language
        if record.status:
            g.add((node, HK.projectStatus, Literal(record.status, lang=lang)))
        if record.summary:
            g.add((node, DCTERMS.abstract, Literal(record.summary, lang=lang)))
        if record.responsible_authority:
            org, _ = self._org(record.responsible_authority, None, "registry")
            g.add((node, HK.responsibleAuthority, org))
        if record.www and record.applicant and record.applicant.name:
            org, _ = self._org(record.applicant.name, record.applicant.business_id, "registry")
            g.add((org, SDO.url, URIRef(record.www)))
        p, src = self.prov, self.minter.registry_record(record.code)
        p.add((src, RDF.type, HK.RegistryRecord))
        p.add((src, RDF.type, PROV.Entity))
        p.add((src, DCTERMS.identifier, Literal(record.code)))
        p.add((src, DCTERMS.source, Literal(record.source)))

    def _card_facts(self, node: URIRef, code: str, card: Card) -> None:
        g = self.data
        for funder in card.funders:
            org, key = self._org(funder.name)
            grant = self.minter.grant(code, key)
            g.add((node, EURIO.isFundedBy, grant))
            g.add((grant, RDF.type, EURIO.Grant))
            g.add((grant, EURIO.isDisbursedBy, org))
            if funder.amount_eur is not None:
                amount = self.minter.amount(code, key)
                g.add((grant, EURIO.hasFundingAmount, amount))
                g.add((amount, RDF.type, EURIO.MonetaryAmount))
                g.add((amount, RDF.type, HK.RealisedPublicFunding))
                g.add((amount, EURIO.value, decimal_literal(funder.amount_eur)))
                g.add((amount, EURIO.currency, Literal("EUR")))
        tg = card.target_groups
        if tg is not None:
            g.add((node, HK.targetGroupText, fi(tg.text)))
            if tg.main:
                g.add((node, HK.mainTargetGroup, self._concept(tg.main)))
            for item in (tg.main, *tg.items) if tg.main else tg.items:
                g.add((node, DCTERMS.audience, self._concept(item)))
        for field, predicate in PROSE_PROPERTIES.items():
            value = getattr(card, field)
            if value:
                g.add((node, predicate, fi(value)))
        for n, output in enumerate(card.outputs, start=1):
            self._output(node, self.minter.output(code, n), output)
        self._card_entity(card)

    def _concept(self, text: str) -> URIRef:
        label = self.resolver.target_group_label(text)
        concept = self.minter.target_group(label)
        g = self.data
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, RDF.type, HK.TargetGroup))
        g.add((concept, SKOS.inScheme, HK.TargetGroupScheme))
        g.add((concept, SKOS.prefLabel, fi(label)))
        predicate = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch, "broad": SKOS.broadMatch}
        for link in self.resolver.target_group_links(label):
            self._link("yso-" + link.kind, concept, predicate[link.kind], URIRef(link.yso))
        return concept

    def _output(self, project: URIRef, node: URIRef, output: Output) -> None:
        g = self.data
        g.add((project, EURIO.hasResult, node))
        g.add((node, RDF.type, HK.Output))
        g.add((node, DCTERMS.title, fi(output.title)))
        if output.publisher:
            org, _ = self._org(output.publisher)
            g.add((node, DCTERMS.publisher, org))
        if output.year:
            g.add((node, DCTERMS.issued, Literal(f"{output.year:04d}", datatype=XSD.gYear)))
        if output.format:
            g.add((node, DCTERMS.format, Literal(output.format)))
        if output.size_mb is not None:
            g.add((node, HK.sizeMegabytes, decimal_literal(output.size_mb)))
        if output.url:
            g.add((node, SDO.url, URIRef(output.url)))
            isbn = isbn_in_url(output.url)
            if isbn:
                g.add((node, BIBO.isbn13, Literal(isbn)))
                self._link("urn-isbn", node, OWL.sameAs, URIRef(URN_ISBN + isbn))

    def _card_entity(self, card: Card) -> None:
        m, p = self.minter, self.prov
        entity = m.card(card.code)
        p.add((entity, RDF.type, HK.ProjectCard))
        p.add((entity, RDF.type, PROV.Entity))
        p.add((entity, DCTERMS.identifier, Literal(card.code)))
        p.add((entity, DCTERMS.source, Literal(card.source)))
        if card.compiled_by:
            p.add((entity, DCTERMS.creator, Literal(card.compiled_by)))
        if card.compiled_on:
            p.add((entity, DCTERMS.created, Literal(card.compiled_on, datatype=XSD.gYearMonth)))
        if card.original:
            p.add((entity, HK.originalText, Literal(card.original)))
        p.add((entity, HK.repairCount, Literal(len(card.repairs), datatype=XSD.nonNegativeInteger)))

    def _link(self, linkset: str, subject: URIRef, predicate: URIRef, target: URIRef) -> None:
        link = (subject, predicate, target)
        if link not in self._links_made:  # the graph may have spilled to disk: keep our own set
            self._links_made.add(link)
            self.links.add(link)
            self.link_counts[linkset] += 1

    def finish(self) -> list[Organisation]:
        """Write every organisation met and describe the link sets; returns the organisations."""
        g = self.data
        orgs = self.orgs.organisations()
        for org in orgs:
            node = self._org_iri(org.key)
            g.add((node, RDF.type, ORG.FormalOrganization))
            g.add((node, RDF.type, EURIO.Organisation))
            g.add((node, SKOS.prefLabel, fi(org.name)))
            for alt in org.alt_names:
                g.add((node, SKOS.altLabel, fi(alt)))
            if org.business_id:
                ident = self.minter.business_identifier(org.business_id)
                g.add((node, ADMS.identifier, ident))
                g.add((ident, RDF.type, ADMS.Identifier))
                g.add((ident, SKOS.notation, Literal(org.business_id)))
                g.add((ident, ADMS.schemeAgency, Literal(YTUNNUS_AGENCY)))
            if org.wikidata:
                self._link("wikidata", node, OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{org.wikidata}"))
            self._region(node, org.municipality)
        self._linksets()
        return orgs

    def _linksets(self) -> None:
        dataset = self.minter.dataset()
        for name, count in sorted(self.link_counts.items()):
            predicate, target, title = LINKSETS[name]
            ls = self.minter.linkset(name)
            self.links.add((ls, RDF.type, VOID.Linkset))
            self.links.add((ls, DCTERMS.title, Literal(title, lang="en")))
            self.links.add((ls, VOID.subjectsTarget, dataset))
            self.links.add((ls, VOID.objectsTarget, URIRef(target)))
            self.links.add((ls, VOID.linkPredicate, predicate))
            self.links.add((ls, VOID.triples, Literal(count)))


def decimal_literal(value: Decimal) -> Literal:
    """An xsd:decimal literal in its XSD 1.1 canonical form: no exponent, no trailing zeros,
    and no decimal point for a whole number ("368136", "12.6"). Oxigraph stores decimals
    in that form, so the literal comes back from a store byte for byte."""
    text = format(value.normalize(), "f")
    return Literal(text, datatype=XSD.decimal)
