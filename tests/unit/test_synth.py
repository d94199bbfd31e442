"""The synthetic corpus generator: deterministic, parseable, and a small corpus builds and conforms."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import typer
from stdnum.fi import ytunnus
from typer.testing import CliRunner

from hankekg.cards.parse import parse_card
from hankekg.registry.parse import read_registry_page
from hankekg.synth import Generator, damage, generate
from hankekg.synth import ytunnus as make_ytunnus


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    generate(30, 5, tmp_path / "a")
    generate(30, 5, tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    generate(30, 6, tmp_path / "c")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_no_ae_or_oe_survives_on_cards(tmp_path):
    generate(20, 1, tmp_path)
    for card in (tmp_path / "cards").glob("*.txt"):
        text = card.read_text(encoding="utf-8")
        assert not set(text) & set("äöÄÖ"), card
    assert "ä" in (tmp_path / "registry" / "eura2014" / "S10000.txt").read_text(encoding="utf-8")


def test_damage_follows_the_confusion_table():
    import random

    rng = random.Random(0)
    seen = {damage("ä", rng) for _ in range(400)} | {damage("ö", rng) for _ in range(400)}
    assert seen <= {"a", "d", "é", "&", "o", "6", "dé"}
    assert {damage("ää", rng) for _ in range(400)} <= {"da", "dd", "éd", "aa"}
    assert damage("ÄÖ", rng) == "AO"


def test_business_ids_are_valid():
    for number in range(1000000, 1000200):
        assert ytunnus.is_valid(make_ytunnus(number))
    gen = Generator(200, 3)
    ids = [o.business_id for o in gen.orgs]
    assert len(set(ids)) == len(ids) and all(ytunnus.is_valid(i) for i in ids)
    assert len(gen.orgs) == 40  # about N/5: organisations recur


def test_cards_parse_without_errors_and_match_what_was_drawn():
    gen = Generator(300, 11)
    for i in range(300):
        project = gen.project(i)
        card = parse_card(gen.card_text(project), f"{project.code}.txt")
        assert [p for p in card.problems if p.severity == "error"] == []
        assert card.code == project.code
        assert (card.start, card.end) == (project.start, project.end)
        assert len(card.funders) == len(project.funders)
        assert [f.amount_eur for f in card.funders] == [a for _, a in project.funders]
        assert len(card.implementers) == len(project.implementers)
        assert len(card.outputs) == len(project.outputs)
        assert card.garbage  # the logos, reported
        assert card.links.registry.endswith(project.code)
        assert all(200 <= len(v) <= 800 for k, v in project.prose.items() if v and k != "practices")


def test_registry_pages_parse(tmp_path):
    generate(10, 2, tmp_path)
    record = read_registry_page(tmp_path / "registry" / "eura2014" / "S10004.txt")
    assert record.code == "S10004"
    assert record.applicant and ytunnus.is_valid(record.applicant.business_id)


@pytest.mark.slow
def test_small_corpus_builds_and_conforms(tmp_path):
    from hankekg.pipeline import build

    generate(20, 1, tmp_path)
    result = build(tmp_path)
    assert result.failures == []
    assert [p for p in result.problems if p.severity == "error"] == []
    assert result.validation.conforms
    assert len(result.projects) == 20


def test_cli(tmp_path):
    from hankekg.cli_synth import register

    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command, so that typer keeps `synth` as a subcommand
        pass

    result = CliRunner().invoke(app, ["synth", "--n", "5", "--seed", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "cards").glob("*.txt"))) == 5
    assert (tmp_path / "reference" / "organisations.csv").is_file()


def test_codes_go_on_past_ninety_thousand_as_erdf_codes():
    from hankekg.iris import PROJECT_CODE
    from hankekg.synth import MAX_PROJECTS, project_code

    assert [project_code(i) for i in (0, 89_999, 90_000, 179_999)] == ["S10000", "S99999", "A10000", "A99999"]
    codes = [project_code(i) for i in range(0, MAX_PROJECTS, 7)] + [project_code(MAX_PROJECTS - 1)]
    assert len(set(codes)) == len(codes)
    assert all(PROJECT_CODE.match(c) for c in codes)
    with pytest.raises(ValueError):
        Generator(MAX_PROJECTS + 1, 1)


def test_an_erdf_coded_card_reads_as_its_code(tmp_path, monkeypatch):
    # the 90,001st project is the first A-code: make it the first one generated
    from hankekg import synth

    monkeypatch.setattr(synth, "PER_LETTER", 1)
    generate(2, 1, tmp_path)
    names = sorted(p.name for p in (tmp_path / "cards").iterdir())
    assert names == ["A10000.txt", "S10000.txt"]
    card = parse_card((tmp_path / "cards" / "A10000.txt").read_text(encoding="utf-8"), "A10000.txt")
    assert card.code == "A10000"
    assert read_registry_page(tmp_path / "registry" / "eura2014" / "A10000.txt").code == "A10000"
