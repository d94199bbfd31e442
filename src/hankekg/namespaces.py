"""Every namespace hankekg writes, in one place.

Our own vocabulary is a closed ``DefinedNamespace``: a misspelt term raises
``AttributeError`` at import time of the calling module's first use, and a test
checks that the terms here and the terms declared in ``ontology/hankekg.ttl`` are
the same set.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VOID,
    XSD,
    DefinedNamespace,
)

EURIO = Namespace("http://data.europa.eu/s66#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
YSO = Namespace("http://www.yso.fi/onto/yso/")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
VANN = Namespace("http://purl.org/vocab/vann/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SPDX = Namespace("http://spdx.org/rdf/terms#")

HK_IRI = "https://w3id.org/hankekg/ontology#"
PROGRAMME_BASE = "https://w3id.org/hankekg/programme/"
DEFAULT_DATA_BASE = "https://w3id.org/hankekg/id/"


class HK(DefinedNamespace):
    """The hankekg ontology: only what the reused vocabularies lack."""

    _NS = Namespace(HK_IRI)
    _fail = True

    # classes
    ProjectCard: URIRef
    RealisedPublicFunding: URIRef
    PromisingPractice: URIRef
    Output: URIRef
    OperationalProgramme: URIRef
    PriorityAxis: URIRef
    SpecificObjective: URIRef
    TargetGroup: URIRef
    ImplementerRole: URIRef
    RegistryRecord: URIRef
    SourceConflict: URIRef

    # concepts and concept schemes
    RoleScheme: URIRef
    MainImplementer: URIRef
    CoImplementer: URIRef
    SupportTransferee: URIRef
    TargetGroupScheme: URIRef
    ProgrammeScheme: URIRef
    RegionScheme: URIRef

    # properties
    roleConcept: URIRef
    background: URIRef
    goals: URIRef
    wayOfWorking: URIRef
    otherResults: URIRef
    dissemination: URIRef
    remarks: URIRef
    promisingPracticesText: URIRef
    hasPromisingPractice: URIRef
    mainTargetGroup: URIRef
    targetGroupText: URIRef
    sizeMegabytes: URIRef
    originalText: URIRef
    repairCount: URIRef
    responsibleAuthority: URIRef
    projectStatus: URIRef
    hasConflict: URIRef
    conflictField: URIRef
    cardValue: URIRef
    registryValue: URIRef


PREFIXES: dict[str, Namespace | str] = {
    "hk": HK_IRI,
    "eurio": EURIO,
    "dct": DCTERMS,
    "skos": SKOS,
    "org": ORG,
    "adms": ADMS,
    "prov": PROV,
    "schema": SDO,
    "fabio": FABIO,
    "bibo": BIBO,
    "frapo": FRAPO,
    "void": VOID,
    "dcat": DCAT,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "yso": YSO,
    "nuts": NUTS,
    "vann": VANN,
    "foaf": FOAF,
    "spdx": SPDX,
}
"""Prefixes bound in every graph hankekg writes."""


def bind_prefixes(graph) -> None:
    """Bind :data:`PREFIXES` on ``graph`` (an rdflib Graph or Dataset), replacing defaults."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, Namespace(str(ns)), override=True, replace=True)
