"""Parsing card text into a Card: the seed, variants made from it, bad input, arbitrary text."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hankekg.cards.jsonform import card_to_dict
from hankekg.cards.labels import FIELD_LABELS, join_parts, match_label, match_month, match_role
from hankekg.cards.parse import dash_normalise, looks_like_junk, parse_card, segment
from hankekg.cards.read import read_card
from hankekg.errors import CardError
from hankekg.model import PROSE_FIELDS, Card, Role

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cards"
SEED = Path(__file__).parents[2] / "data" / "cards" / "S21684.txt"
CARDS = sorted(FIXTURES.glob("*.txt"))
BAD = json.loads((FIXTURES / "bad" / "expect.json").read_text(encoding="utf-8"))
THESEUS = "https://www.theseus.fi/bitstream/handle/10024/506656/URNISBN9789523443884.pdf?sequence=2&isAllowed=y"
XAMK = "https://www.xamk.fi/wp-content/uploads/2019/07/rinnakkaistallenne_hyvinvoiva_asukas_on_yhteison.pdf"


def parse_file(path: Path) -> Card:
    text, encoding = read_card(path)
    return parse_card(text, str(path), encoding)


@pytest.fixture(scope="module")
def seed() -> Card:
    return parse_file(SEED)


# --------------------------------------------------------------------------- the seed


def test_seed_identity(seed):
    assert seed.code == "S21684"
    assert seed.name == "Hyvinvoiva asukas – yhteiséllisen asumisen kehittaminen Etela-Savossa"
    assert seed.name_copies == (
        (3, "Hyvinvoiva asukas – yhteisollisen asumisen kehittdminen Eteld-Savossa"),
        (9, "Hyvinvoiva asukas – yhteiséllisen asumisen kehittaminen Etela-Savossa"),
    )
    assert (seed.start, seed.end) == (date(2019, 6, 1), date(2021, 12, 31))
    assert seed.compiled_by == "Sosiaalisen osallisuuden edistamisen koordinaatiohanke — Sokra"
    assert seed.compiled_on == "2022-11"
    assert seed.encoding == "utf-8"


def test_seed_funding(seed):
    [funder] = seed.funders
    assert (funder.name, funder.amount_eur, funder.line) == ("Etela-Savon ELY-keskus", Decimal(368136), 15)
    assert seed.funding_eur == Decimal(368136)


def test_seed_implementers(seed):
    assert [(i.name, i.role, i.role_text) for i in seed.implementers] == [
        ("Kaakkois-Suomen ammattikorkeakoulu", Role.MAIN_IMPLEMENTER, "paatoteuttaja"),
        ("ViaDia Mikkeli ry", Role.CO_IMPLEMENTER, "osatoteuttaja"),
    ]


def test_seed_target_groups(seed):
    groups = seed.target_groups
    assert groups.main == "Asuinalueilla pilotteihin ja asukasaktiivivalmennukseen osallistuvat"
    assert groups.items == (
        "maahanmuuttajaperheet",
        "itsendisesti asuvat nuoret",
        "sosiaalisesti heikossa asemassa olevat",
    )
    assert groups.line == 23


def test_seed_outputs_and_links(seed):
    assert [(o.title, o.publisher, o.year, o.format, o.size_mb, o.url) for o in seed.outputs] == [
        ("Alueiden yhteisdéllisyytta rakentamassa – Yhteisémanagerin opas", "Xamk", 2021, "pdf",
         Decimal("12.6"), THESEUS),
        ("Lintumaki", "Nuorisotyd", 2019, "pdf", Decimal(4), XAMK),
        ("Partti", "Xamk", 2021, None, None, None),
    ]
    assert seed.links.registry == "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684"
    assert seed.links.other == (THESEUS, XAMK)
    assert [(p.kind, p.line, p.severity) for p in seed.problems] == [("duplicate-link", 103, "warning")]


def test_seed_prose(seed):
    for name in PROSE_FIELDS:
        value = getattr(seed, name)
        assert (value is None) if name == "practices" else value, name
    assert seed.goals.startswith("Ehkaista syrjaytymista")
    assert "asukasviihtyvyyttd ja -osallisuutta;" in seed.goals
    assert seed.notes.endswith("kokeiluja ja tuloksia hyddynnetddn Mikkelin kaupungin osallisuusstrategian "
                               "suunnitelmissa")


def test_seed_garbage(seed):
    assert [g.line for g in seed.garbage] == [73, 74, 76, 77, 78, 79, 81, 82, 83, 85, 87, 88, 90, 92, 93, 94, 96]
    assert seed.garbage[0].text == "eN Osy,"
    assert seed.garbage[-1].text == "201 4—2020 Euroopan sosiaalirahasto"
    assert {g.kind for g in seed.garbage} == {"garbage"}
    assert seed.unmapped == ()


def test_seed_field_lines(seed):
    assert seed.field_lines["name"] == (9, 10)
    assert seed.field_lines["target_groups"] == (23, 26)
    assert seed.field_lines["notes"] == (69, 71)
    assert seed.field_lines["links"] == (100, 103)
    assert "practices" not in seed.field_lines


# --------------------------------------------------------------------------- variants


@pytest.mark.parametrize("path", CARDS, ids=[p.name for p in CARDS])
def test_fixture_parses_as_expected(path):
    expected = json.loads(path.with_suffix(".expect.json").read_text(encoding="utf-8"))
    got = card_to_dict(parse_file(path))
    for key, value in expected.items():
        if key == "problems":
            assert [{k: p[k] for k in ("line", "kind", "severity")} for p in got["problems"]] == value
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("path", [SEED, *CARDS], ids=["S21684.txt", *(p.name for p in CARDS)])
def test_every_line_is_accounted_for(path):
    """No non-blank line is dropped silently, and none is used twice."""
    text, encoding = read_card(path)
    card = parse_card(text, str(path), encoding)
    layout = segment(text)
    places: dict[int, list[str]] = {}
    for name, (first, last) in card.field_lines.items():
        if name in {"compiled_by", "compiled_on", "links"}:
            continue
        for number in range(first, last + 1):
            places.setdefault(number, []).append(name)
    for kept in (*card.garbage, *card.unmapped):
        places.setdefault(kept.line, []).append(kept.kind)
    for number in layout.structure_lines():
        places.setdefault(number, []).append("structure")
    lines = text.split("\n")
    nonblank = {n for n, line in enumerate(lines, start=1) if line.strip()}
    assert nonblank - places.keys() == set(), "lines dropped"
    assert {n: p for n, p in places.items() if len(p) > 1 and n in nonblank} == {}, "lines used twice"


def test_unknown_label_problem_names_file_and_line():
    path = FIXTURES / "unknown-label.txt"
    card = parse_file(path)
    [problem] = [p for p in card.problems if p.kind == "unknown-label"]
    assert (problem.path, problem.line, problem.severity) == (str(path), 21, "error")
    assert "Kustannusarvio" in problem.message
    assert str(problem).startswith(f"{path}:21: ")
    assert [i.name for i in card.implementers] == ["Kaakkois-Suomen ammattikorkeakoulu", "ViaDia Mikkeli ry"]


def test_every_problem_has_path_and_line():
    for path in [SEED, *CARDS]:
        for problem in parse_file(path).problems:
            assert problem.path == str(path) and problem.line, problem


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", ["no-code.txt", "backwards.txt", "invalid-date.txt"])
def test_bad_card_raises_with_file_and_line(name):
    path = FIXTURES / "bad" / name
    text, encoding = read_card(path)
    with pytest.raises(CardError) as caught:
        parse_card(text, str(path), encoding)
    assert caught.value.message.startswith(BAD[name]["message"])
    assert (caught.value.path, caught.value.line) == (str(path), BAD[name]["line"])


def test_no_code_at_all_points_at_line_1():
    with pytest.raises(CardError) as caught:
        parse_card("just some text\n", "x.txt")
    assert (caught.value.path, caught.value.line) == ("x.txt", 1)


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (["Erityishuomioita, kehitté-", "mistydn ongelmia"], "Erityishuomioita, kehittémistydn ongelmia"),
        (["asukasviihtyvyyttd ja", "-osallisuutta"], "asukasviihtyvyyttd ja -osallisuutta"),
        (["Etela-", "Savon ELY-keskus"], "Etela-Savon ELY-keskus"),
        (["sosiaali-", "ja terveysala"], "sosiaali- ja terveysala"),
        (["a  b", "  c "], "a b c"),
    ],
)
def test_join_parts(parts, joined):
    assert join_parts(parts) == joined


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        (["Hankkeen nimi, S-numero ja", "toteutusaika"], "name"),
        (["Varsinaiset kohderyhmat"], "target_groups"),
        (["Levitté-", "minen ja juurrutus"], "dissemination"),
        (["Lupaavat osallisuuden", "kaytannot ja", "palaset"], "practices"),
        (["Erityishuomioita, kehitté-", "mistydn ongelmia"], "notes"),
        (["ja", "Tavoitteet"], None),
        (["Tavoitteena on"], None),
        (["olevat"], None),
    ],
)
def test_match_label(parts, field):
    found = match_label(parts)
    assert (found.field if found else None) == field


@pytest.mark.parametrize(
    ("word", "role"),
    [("paatoteuttaja", Role.MAIN_IMPLEMENTER), ("péatoteuttaja", Role.MAIN_IMPLEMENTER),
     ("osatoteuttaja", Role.CO_IMPLEMENTER), ("tuen siirronsaaja", Role.SUPPORT_TRANSFEREE),
     ("toteuttaja", None), ("hallinnoija", None)],
)
def test_match_role(word, role):
    assert match_role(word) is role


@pytest.mark.parametrize(
    ("word", "month"),
    [("tammikuu", 1), ("helmikuu", 2), ("maaliskuu", 3), ("huhtikuu", 4), ("toukokuu", 5), ("kesakuu", 6),
     ("kesdkuu", 6), ("heinakuu", 7), ("heinékuu", 7), ("elokuu", 8), ("syyskuu", 9), ("lokakuu", 10),
     ("marraskuu", 11), ("joulukuu", 12), ("kuukausi", None)],
)
def test_match_month(word, month):
    assert match_month(word) == month


def test_header_month_forms():
    card = parse_card("Koonnut Sokra, heinakuu 2021\n\nS12345, Nimi\n", "h.txt")
    assert (card.compiled_by, card.compiled_on, card.name) == ("Sokra", "2021-07", "Nimi")


@pytest.mark.parametrize(
    "line",
    ["eN Osy,", "SOKRA", "thl Diak", "E U : I-ta- Euroopan unioni", "201 4—2020 Euroopan sosiaalirahasto",
     "* *", "’ o", "\\V'v ) ) OO"],
)
def test_logo_lines_are_junk(line):
    assert looks_like_junk(line)


@pytest.mark.parametrize(
    "line",
    ["hyddynnetddn Mikkelin kaupungin osallisuusstrategian suunnitelmissa", "olevat", "2019–2021",
     "yhteistyéverkostot (mm. asukasaktiivi-toimijaverkosto); THL:n kanssa"],
)
def test_prose_is_not_junk(line):
    assert not looks_like_junk(line)


def test_dash_normalise():
    assert dash_normalise("A — b - c – d-e") == "A – b – c – d-e"


def _card(**fields: str) -> str:
    """A minimal card text: a name field, then the given fields (by JSON name) with their labels."""
    blocks = ["Hankkeen nimi, S-numero ja toteutusaika",
              "S12345 — Testi, 1.1.2020 — 31.12.2020 (hanke RR-tietopalvelussa)"]
    for name, value in fields.items():
        blocks += [FIELD_LABELS[name], value]
    return "\n\n".join(blocks) + "\n"


def test_funders_joined_by_ja_and_narrow_spaces():
    card = parse_card(_card(funders="A-keskus, 1\u202f000 € ja B-keskus, 2 500,50 €"), "f.txt")
    assert [(f.name, f.amount_eur) for f in card.funders] == [("A-keskus", Decimal(1000)),
                                                              ("B-keskus", Decimal("2500.50"))]
    assert card_to_dict(card)["funding_eur"] == 3500.5


def test_approximate_amount_is_a_warning():
    card = parse_card(_card(funders="A-keskus, n. 300 000 €"), "f.txt")
    assert card.funders[0].amount_eur == Decimal(300000)
    assert [(p.kind, p.severity, p.line) for p in card.problems] == [("approximate-amount", "warning", 7)]


def test_implementer_without_role():
    card = parse_card(_card(implementers="Xamk (paatoteuttaja), Mikkelin kaupunki"), "i.txt")
    assert [(i.name, i.role) for i in card.implementers] == [("Xamk", Role.MAIN_IMPLEMENTER),
                                                              ("Mikkelin kaupunki", None)]
    assert [p.kind for p in card.problems] == ["missing-role"]


def test_output_size_in_kilobytes_and_links_to_first_outputs():
    text = _card(outputs="A (pdf 500 kt); B (X, 2020); C (Y, 2021) (pdf 1 Mt)")
    text += "\nhttps://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S12345\nhttps://a.fi/1\n"
    card = parse_card(text, "o.txt")
    assert [(o.title, o.format, o.size_mb, o.url) for o in card.outputs] == [
        ("A", "pdf", Decimal("0.5"), "https://a.fi/1"), ("B", None, None, None), ("C", "pdf", Decimal(1), None)]


def test_wrapped_prose_starting_with_a_capital_is_not_a_label():
    text = _card(goals="Vahvistaa osallisuutta ja\n\nMikkelin kaupungin\n\nyhteistyota")
    card = parse_card(text, "p.txt")
    assert card.goals == "Vahvistaa osallisuutta ja Mikkelin kaupungin yhteistyota"
    assert card.problems == ()


def test_registry_link_of_another_project_is_a_warning():
    text = _card() + "\nhttps://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S99999\n"
    card = parse_card(text, "r.txt")
    assert [p.kind for p in card.problems] == ["registry-code-mismatch"]


def test_title_and_name_field_codes_differ():
    card = parse_card("S11111, Nimi\n\n" + _card(), "c.txt")
    assert card.code == "S12345"
    assert [(p.kind, p.line) for p in card.problems] == [("code-mismatch", 1)]


# --------------------------------------------------------------------------- arbitrary text


_card_alphabet = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzäöéAS0123456789 ,.;:()—–-€\n\t&6"))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_card_error(text):
    try:
        parse_card(text, "h.txt")
    except CardError as exc:
        assert exc.path == "h.txt"


@settings(max_examples=300, deadline=None)
@given(st.text(_card_alphabet, max_size=400))
def test_card_like_text_raises_only_card_error(text):
    try:
        parse_card(_card() + text, "h.txt")
    except CardError as exc:
        assert exc.path == "h.txt" and exc.line


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 103), max_size=12), st.data())
def test_seed_with_lines_blanked_raises_only_card_error(drop, data):
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for index in drop:
        lines[index] = data.draw(st.sampled_from(["", "Tavoitteet", "X", "(pdf", "https://x y"]))
    try:
        card = parse_card("\n".join(lines), "h.txt")
    except CardError:
        return
    assert card.code


@pytest.mark.parametrize("word", ["pddtoteuttaja", "pdatoteuttaja", "péatoteuttaja", "paatoteuttaja"])
def test_role_word_with_d_for_ae_is_recognised(word):
    """Regression: "pddtoteuttaja" (ää → dd, from the confusion table) scored below the
    threshold and became an unknown role."""
    from hankekg.cards.labels import match_role

    assert match_role(word) == Role.MAIN_IMPLEMENTER
