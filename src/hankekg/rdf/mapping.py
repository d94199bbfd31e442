"""Card → triples.

The data graph holds what the cards say about projects; the provenance graph holds
the cards themselves as ``hk:ProjectCard`` entities with their original OCR text and
every repair made to it. Every IRI comes from :class:`hankekg.iris.Minter`.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SDO, SKOS, XSD

from hankekg import iris
from hankekg.model import Card, Output, Role
from hankekg.namespaces import ADMS, EURIO, HK, bind_prefixes
from hankekg.resolve.resolver import Resolver, normalise_space

GRAPH_BASE = "https://w3id.org/hankekg/graph/"
DATA_GRAPH = URIRef(GRAPH_BASE + "data")
PROVENANCE_GRAPH = URIRef(GRAPH_BASE + "provenance")
ONTOLOGY_GRAPH = URIRef(GRAPH_BASE + "ontology")

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


def new_dataset() -> Dataset:
    """An empty dataset with hankekg's prefixes bound."""
    ds = Dataset()
    bind_prefixes(ds)
    return ds


def fi(text: str) -> Literal:
    return Literal(text, lang="fi")


class CardMapper:
    """Writes cards into the data and provenance graphs of one dataset.

    Args:
        dataset: where the triples go (graphs DATA_GRAPH and PROVENANCE_GRAPH).
        minter: mints every IRI.
        resolver: turns names into organisations and target-group concepts.
    """

    def __init__(self, dataset: Dataset, minter: iris.Minter, resolver: Resolver):
        self.minter = minter
        self.resolver = resolver
        self.data: Graph = dataset.graph(DATA_GRAPH)
        self.prov: Graph = dataset.graph(PROVENANCE_GRAPH)

    def add(self, card: Card) -> URIRef:
        """Map one card; returns the project IRI."""
        m, g, code = self.minter, self.data, card.code
        project = m.project(code)
        g.add((project, RDF.type, EURIO.Project))
        g.add((project, DCTERMS.identifier, Literal(code)))
        ident = m.project_identifier(code)
        g.add((project, ADMS.identifier, ident))
        g.add((ident, RDF.type, ADMS.Identifier))
        g.add((ident, SKOS.notation, Literal(code)))
        g.add((ident, ADMS.schemeAgency, Literal("EURA2014")))
        if card.name:
            g.add((project, DCTERMS.title, fi(card.name)))
            g.add((project, RDFS.label, fi(card.name)))
        if card.start:
            g.add((project, EURIO.startDate, Literal(card.start, datatype=XSD.date)))
        if card.end:
            g.add((project, EURIO.endDate, Literal(card.end, datatype=XSD.date)))
        g.add((project, EURIO.hasFundingScheme, iris.priority_axis(SOKRA_AXIS)))
        if card.links.registry:
            g.add((project, RDFS.seeAlso, URIRef(card.links.registry)))
        g.add((project, PROV.wasDerivedFrom, m.card(code)))

        self._implementers(card, project)
        self._funders(card, project)
        self._target_groups(card, project)
        self._prose(card, project)
        for n, output in enumerate(card.outputs, start=1):
            self._output(project, m.output(code, n), output)
        self._card_entity(card)
        return project

    def _organisation(self, name: str) -> tuple[URIRef, str]:
        """The organisation node for a name; returns its IRI and key."""
        ref = self.resolver.organisation(name)
        key = self.minter.org_key(ref.name, ref.business_id)
        org = self.minter.organisation(ref.name, ref.business_id)
        g = self.data
        g.add((org, RDF.type, ORG.FormalOrganization))
        g.add((org, RDF.type, EURIO.Organisation))
        g.add((org, SKOS.prefLabel, fi(ref.name)))
        written = normalise_space(name)
        if written != ref.name:
            g.add((org, SKOS.altLabel, fi(written)))
        if ref.business_id:
            ident = self.minter.business_identifier(ref.business_id)
            g.add((org, ADMS.identifier, ident))
            g.add((ident, RDF.type, ADMS.Identifier))
            g.add((ident, SKOS.notation, Literal(ref.business_id)))
            g.add((ident, ADMS.schemeAgency, Literal(YTUNNUS_AGENCY)))
        return org, key

    def _implementers(self, card: Card, project: URIRef) -> None:
        g = self.data
        for imp in card.implementers:
            if imp.role is None:
                continue  # reported by the parser as an unknown role; no concept to point to
            org, key = self._organisation(imp.name)
            role = self.minter.role(card.code, key, imp.role)
            g.add((project, EURIO.hasInvolvedParty, role))
            g.add((role, RDF.type, EURIO.OrganisationRole))
            g.add((role, EURIO.isRoleOf, org))
            g.add((role, EURIO.roleLabel, fi(imp.role.value)))
            g.add((role, EURIO.roleLabel, Literal(ROLE_LABELS_EN[imp.role], lang="en")))
            g.add((role, HK.roleConcept, ROLE_CONCEPTS[imp.role]))

    def _funders(self, card: Card, project: URIRef) -> None:
        g = self.data
        for funder in card.funders:
            org, key = self._organisation(funder.name)
            grant = self.minter.grant(card.code, key)
            g.add((project, EURIO.isFundedBy, grant))
            g.add((grant, RDF.type, EURIO.Grant))
            g.add((grant, EURIO.isDisbursedBy, org))
            if funder.amount_eur is not None:
                amount = self.minter.amount(card.code, key)
                g.add((grant, EURIO.hasFundingAmount, amount))
                g.add((amount, RDF.type, EURIO.MonetaryAmount))
                g.add((amount, RDF.type, HK.RealisedPublicFunding))
                g.add((amount, EURIO.value, decimal_literal(funder.amount_eur)))
                g.add((amount, EURIO.currency, Literal("EUR")))

    def _target_groups(self, card: Card, project: URIRef) -> None:
        tg = card.target_groups
        if tg is None:
            return
        g = self.data
        g.add((project, HK.targetGroupText, fi(tg.text)))
        if tg.main:
            g.add((project, HK.mainTargetGroup, self._concept(tg.main)))
        for item in (tg.main, *tg.items) if tg.main else tg.items:
            g.add((project, DCTERMS.audience, self._concept(item)))

    def _concept(self, text: str) -> URIRef:
        label = self.resolver.target_group_label(text)
        concept = self.minter.target_group(label)
        g = self.data
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, RDF.type, HK.TargetGroup))
        g.add((concept, SKOS.inScheme, HK.TargetGroupScheme))
        g.add((concept, SKOS.prefLabel, fi(label)))
        for link in self.resolver.target_group_links(label):
            predicate = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch, "broad": SKOS.broadMatch}
            g.add((concept, predicate[link.kind], URIRef(link.yso)))
        return concept

    def _prose(self, card: Card, project: URIRef) -> None:
        for field, predicate in PROSE_PROPERTIES.items():
            value = getattr(card, field)
            if value:
                self.data.add((project, predicate, fi(value)))

    def _output(self, project: URIRef, node: URIRef, output: Output) -> None:
        g = self.data
        g.add((project, EURIO.hasResult, node))
        g.add((node, RDF.type, HK.Output))
        g.add((node, DCTERMS.title, fi(output.title)))
        if output.publisher:
            org, _ = self._organisation(output.publisher)
            g.add((node, DCTERMS.publisher, org))
        if output.year:
            g.add((node, DCTERMS.issued, Literal(f"{output.year:04d}", datatype=XSD.gYear)))
        if output.format:
            g.add((node, DCTERMS.format, Literal(output.format)))
        if output.size_mb is not None:
            g.add((node, HK.sizeMegabytes, decimal_literal(output.size_mb)))
        if output.url:
            g.add((node, SDO.url, URIRef(output.url)))

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
        for n, repair in enumerate(card.repairs, start=1):
            node = m.repair(card.code, n)
            p.add((entity, HK.ocrRepair, node))
            p.add((node, RDF.type, HK.OcrRepair))
            p.add((node, HK.sourceLine, Literal(repair.line)))
            p.add((node, HK.textBefore, Literal(repair.before)))
            p.add((node, HK.textAfter, Literal(repair.after)))
            p.add((node, HK.repairReason, Literal(repair.reason)))


def decimal_literal(value: Decimal) -> Literal:
    """An xsd:decimal literal in canonical form (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)
