"""The build's one-pass merge and map over packed cards gives what the two passes give."""

from __future__ import annotations

import re
import shutil
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from hankekg import paths, pipeline
from hankekg.cards.pool import read_cards as read_pooled
from hankekg.resolve.curation import load_curation
from hankekg.resolve.kohesio import load_matches
from hankekg.resolve.resolver import Resolver
from hankekg.synth import generate

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A synthetic corpus with what the one-pass build must get right besides the common case:
    a second card with a code already seen, a card without a registry page, and registry
    pages with an invalid business ID (for the applicant, and for a partner a card names)."""
    folder = tmp_path_factory.mktemp("corpus")
    generate(24, 4, folder)
    cards, registry = folder / "cards", folder / "registry" / "eura2014"
    shutil.copy(cards / "S10003.txt", cards / "S10003-copy.txt")
    (registry / "S10007.txt").unlink()
    for name in ("S10001.txt", "S10012.txt"):
        page = registry / name
        text = page.read_text(encoding="utf-8")
        first = text.index("Y-tunnus: ") + len("Y-tunnus: ")
        page.write_text(text[:first] + "1234567-8" + text[first + 9:], encoding="utf-8")
    # a partner's business ID: the first page that names one (", 1234567-8" ending a line)
    for page in sorted(registry.iterdir()):
        text = page.read_text(encoding="utf-8")
        found = re.search(r"^(.+, )\d{7}-\d$", text, re.MULTILINE)
        if found and page.name not in ("S10001.txt", "S10012.txt"):
            page.write_text(text[:found.start()] + found.group(1) + "7654321-0" + text[found.end():],
                            encoding="utf-8")
            (folder / "partner-page").write_text(page.stem)
            break
    return folder


def _sources(data: Path):
    reference = paths.reference_dir(data)
    curation = load_curation(data / "curation")
    outcomes = read_pooled(pipeline.card_files(data), reference, data, curation, workers=1)
    records = [o.record for o in pipeline.read_records(pipeline.registry_files(data), data_dir=data)
               if o.record is not None]
    return outcomes, records, Resolver(reference, curation), load_matches(reference / "kohesio.csv")


@pytest.mark.parametrize("which", ["corpus", "real"])
def test_one_pass_equals_merge_then_map(which, corpus, tmp_path):
    data = corpus if which == "corpus" else DATA
    outcomes, records, resolver, kohesio = _sources(data)
    assert all(o._packed is not None for o in outcomes if o.has_card)  # the pool packs every card

    two_pass_problems: list = []
    projects = pipeline.merge_projects([o.card for o in outcomes if o.has_card], records, resolver,
                                       two_pass_problems)
    graphs, org_problems, organisations, links = pipeline.build_graph(projects, resolver, kohesio=kohesio)
    two_pass_problems += org_problems

    one_pass_problems: list = []
    graphs1, org_problems1, organisations1, links1, projects1 = pipeline.map_sources(
        outcomes, records, resolver, one_pass_problems, kohesio=kohesio, spill=tmp_path)
    one_pass_problems += org_problems1

    assert graphs1.ntriples == graphs.ntriples
    assert one_pass_problems == two_pass_problems
    assert organisations1 == organisations
    assert links1 == links
    assert projects1 == [pipeline.text_free(p) for p in projects]
    if which == "corpus":
        kinds = [p.kind for p in two_pass_problems]
        assert kinds.count("duplicate-code") == 1
        invalid = [p.message for p in two_pass_problems if p.kind == "invalid-business-id"]
        assert any("S10001" in m and "1234567-8" in m for m in invalid)
        partner_page = (corpus / "partner-page").read_text()
        assert any(partner_page in m and "7654321-0" in m for m in invalid)
        assert "S10007" in {p.code for p in projects1 if p.record is None}


def test_text_free_keeps_the_facts_and_drops_the_texts(corpus):
    outcomes, _, resolver, _ = _sources(corpus)
    card = outcomes[0].card
    assert card.original and card.background and card.repairs
    slim = pipeline.text_free(pipeline.merge_projects([card], [], resolver, [])[0]).card
    assert (slim.code, slim.name, slim.start, slim.end, slim.funders, slim.implementers, slim.target_groups,
            slim.outputs, slim.links) == (card.code, card.name, card.start, card.end, card.funders,
                                           card.implementers, card.target_groups, card.outputs, card.links)
    assert (slim.original, slim.background, slim.repairs, slim.unmapped, slim.garbage) == ("", None, (), (), ())


def test_a_packed_outcome_gives_back_its_card_and_its_counts(corpus):
    reference = paths.reference_dir(corpus)
    plain = pipeline.read_cards(pipeline.card_files(corpus)[:3], pipeline.Repairer(reference), data_dir=corpus)
    for outcome in plain:
        packed = outcome.packed()
        assert packed._card is None and packed._packed
        assert packed.card == outcome.card and packed.card is not packed.card  # a fresh copy each time
        assert packed == outcome
        card = outcome.card
        assert (packed.code, packed.source, packed.encoding, packed.problems) == (
            card.code, card.source, card.encoding, card.problems)
        assert (packed.repairs, packed.unmapped, packed.garbage) == (
            len(card.repairs), len(card.unmapped), len(card.garbage))
        again = ForkingPickler.loads(ForkingPickler.dumps(packed))  # as it comes back from a pool process
        assert again == outcome and again._packed == packed._packed
    cards = pipeline.Cards([o.packed() for o in plain])
    assert len(cards) == 3 and list(cards) == [o.card for o in plain] and cards[1] == plain[1].card
    assert cards == [o.card for o in plain]


def test_a_failed_card_has_no_card_to_pack(tmp_path):
    bad = tmp_path / "S1.txt"
    bad.write_bytes(b"\x00" * 10)
    (outcome,) = pipeline.read_cards([bad], pipeline.Repairer(paths.reference_dir(DATA)))
    assert outcome.error is not None and not outcome.has_card
    assert outcome.packed() is outcome and outcome.card is None
    assert len(pipeline.Cards([outcome])) == 0
