"""A card maps to exactly the triples of a hand-written golden graph."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from hankekg.iris import Minter
from hankekg.model import Card, Funder, Implementer, Links, Output, Repair, Role, TargetGroups
from hankekg.namespaces import HK
from hankekg.paths import bundled_reference_dir
from hankekg.pipeline import build_graph
from hankekg.rdf.mapping import DATA_GRAPH, LINKS_GRAPH, PROVENANCE_GRAPH, decimal_literal, isbn_in_url
from hankekg.resolve.merge import merge
from hankekg.resolve.resolver import Resolver

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "small-card.ttl"

CARD = Card(
    source="S10001.txt",
    encoding="utf-8",
    code="S10001",
    name="Pieni hanke",
    start=date(2020, 1, 1),
    end=date(2020, 12, 31),
    funders=(Funder("Testirahasto", Decimal("1234.50"), 5),),
    implementers=(Implementer("Kunta", Role.MAIN_IMPLEMENTER, "päätoteuttaja", 6),),
    target_groups=TargetGroups("Nuoret, erityisesti maahanmuuttajat", "Nuoret", ("maahanmuuttajat",), 7),
    goals="Lisätä osallisuutta",
    outputs=(Output("Opas", "Kunta", 2020, "pdf", Decimal("2.5"), "https://example.org/opas.pdf", 9),),
    links=Links("https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S10001", ()),
    repairs=(Repair(8, "Lisata", "Lisätä", "voikko"),),
    original="…",
)


def _map() -> tuple[Graph, Graph]:
    ds = _dataset()
    return ds.graph(DATA_GRAPH), ds.graph(PROVENANCE_GRAPH)


def _dataset():
    resolver = Resolver(bundled_reference_dir())
    graphs, problems, _, _ = build_graph([merge(CARD, None, resolver)], resolver, "http://example.org/kg/")
    ds = graphs.dataset
    assert problems == []
    return ds


def _dump(g: Graph) -> str:
    return "\n".join(sorted(line for line in g.serialize(format="nt").splitlines() if line))


def test_data_graph_matches_golden():
    data, _ = _map()
    expected = Graph().parse(GOLDEN, format="turtle")
    if not isomorphic(data, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(data), to_isomorphic(expected))
        raise AssertionError(
            f"mapping differs from {GOLDEN.name}\n-- only in mapping:\n{_dump(only_got)}\n"
            f"-- only in golden:\n{_dump(only_expected)}"
        )


def test_provenance_keeps_the_original_and_counts_the_repairs():
    _, prov = _map()
    card = Minter("http://example.org/kg/").card("S10001")
    assert str(prov.value(card, HK.originalText)) == "…"
    # The card above lists one repair (Lisata → Lisätä); the words themselves are in
    # report/repairs.csv, not in the graph.
    count = prov.value(card, HK.repairCount)
    assert (count.toPython(), count.datatype) == (1, XSD.nonNegativeInteger)


def test_links_graph_holds_the_outgoing_links_and_their_linksets():
    links = _dataset().graph(LINKS_GRAPH)
    project = URIRef("http://example.org/kg/project/S10001")
    assert (project, RDFS.seeAlso,
            URIRef("https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S10001")) in links
    # two YSO exact matches (nuoret, maahanmuuttajat) and one EURA2014 page
    counts = {str(ls).rsplit("/", 1)[1]: links.value(ls, VOID.triples).toPython()
              for ls in links.subjects(RDF.type, VOID.Linkset)}
    assert counts == {"eura2014": 1, "yso-exact": 2}


def test_isbn_is_read_from_theseus_links():
    url = "https://www.theseus.fi/bitstream/handle/10024/506656/URNISBN9789523443884.pdf?sequence=2"
    assert isbn_in_url(url) == "978-952-344-388-4"
    assert isbn_in_url("https://example.org/URNISBN9789523443885.pdf") is None  # check digit wrong
    assert isbn_in_url("https://example.org/opas.pdf") is None


def test_decimal_literal_is_canonical():
    # XSD 1.1 canonical mapping: a whole number has no decimal point.
    assert str(decimal_literal(Decimal("368136"))) == "368136"
    assert str(decimal_literal(Decimal("12.60"))) == "12.6"
    assert str(decimal_literal(Decimal("1E+3"))) == "1000"
