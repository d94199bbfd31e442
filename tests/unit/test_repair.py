"""Tests of the ä/ö repair (hankekg.cards.repair)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hankekg.cards import finnish
from hankekg.cards.repair import Repairer, load_lexicon, load_names, measure
from hankekg.errors import ReferenceDataError
from hankekg.model import Card, Funder, Implementer, Output, Repair, Role, TargetGroups

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "cards" / "S21684.txt"
HEADING = "3 Suunnitelman mukainen tiivistelmä toteutuksesta"


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    return Repairer()


# Expected values are the Finnish words, worked out by reading, not program output.
SEED_WORDS = [
    ("edistamisen", "edistämisen"),
    ("kehittdminen", "kehittäminen"),
    ("yhteisollisen", "yhteisöllisen"),
    ("yhteiséllisen", "yhteisöllisen"),
    ("yhteisollisyytta", "yhteisöllisyyttä"),
    ("yhteisdéllisyytta", "yhteisöllisyyttä"),
    ("tydpajatyona", "työpajatyönä"),
    ("hyddynnetddn", "hyödynnetään"),
    ("kehittamistyon", "kehittämistyön"),
    ("sek&", "sekä"),
    ("seka", "sekä"),
    ("paatyttya", "päätyttyä"),
    ("lisédntyminen", "lisääntyminen"),
    ("lisdantyi", "lisääntyi"),
    ("itsendisesti", "itsenäisesti"),
    ("Nuorisotyd", "Nuorisotyö"),
    ("Lintumaki", "Lintumäki"),
    ("Yhteisémanagerin", "Yhteisömanagerin"),
    ("syrjaytymista", "syrjäytymistä"),
    ("paatoteuttaja", "päätoteuttaja"),
    ("ymparille", "ympärille"),
    ("ympérille", "ympärille"),
    ("loytamiseksi", "löytämiseksi"),
    ("léytamiseksi", "löytämiseksi"),
    ("taloyhtidissa", "taloyhtiöissä"),
    ("asuinymparistdjen", "asuinympäristöjen"),
    ("yhteistydtd", "yhteistyötä"),
    ("osallisuusty6ta", "osallisuustyötä"),
    ("osallisuusty6", "osallisuustyö"),
    ("yksindisyyden", "yksinäisyyden"),
    ("kaytannot", "käytännöt"),
    ("kohderyhmat", "kohderyhmät"),
    ("Ehkaista", "Ehkäistä"),
    ("asukasviihtyvyyttd", "asukasviihtyvyyttä"),
    ("kehittda", "kehittää"),
    ("kehittdmisté", "kehittämistä"),
    ("menetelmia", "menetelmiä"),
    ("levittaa", "levittää"),
    ("niita", "niitä"),
    ("Asukaslahtoiset", "Asukaslähtöiset"),
    ("teematyona", "teematyönä"),
    ("sisalléllinen", "sisällöllinen"),
    ("menetelméallinen", "menetelmällinen"),
    ("yhteisdllinen", "yhteisöllinen"),
    ("yhteistyéverkostot", "yhteistyöverkostot"),
    ("kestavasta", "kestävästä"),
    ("elamantavasta", "elämäntavasta"),
    ("Levittdminen", "Levittäminen"),
    ("Etela", "Etelä"),
    ("ETELA", "ETELÄ"),
    ("vahan", "vähän"),
]


@pytest.mark.parametrize(("damaged", "correct"), SEED_WORDS)
def test_seed_words_are_restored(repairer: Repairer, damaged: str, correct: str) -> None:
    got = repairer.repair_word(damaged)
    assert got is not None and got[0] == correct


@pytest.mark.parametrize(
    "word",
    ["huolestuttavaa", "asukas", "kulttuuri", "analyysi", "asukasviihtyvyys", "saa", "toiminnan",
     "Mikkelin", "osallisuutta", "tiedon", "Xamk", "pdf", "ViaDia", "ELY", "ry"],
)
def test_correct_words_stay(repairer: Repairer, word: str) -> None:
    assert repairer.repair_word(word) is None


def test_case_is_kept(repairer: Repairer) -> None:
    text, repairs = repairer.repair_text("ETELA-SAVO ja Eteld-Savossa", 1)
    assert text == "ETELÄ-SAVO ja Etelä-Savossa"
    assert [r.after for r in repairs] == ["ETELÄ", "Etelä"]


def test_hyphens_digits_urls_and_spacing_are_kept(repairer: Repairer) -> None:
    text = (
        "Etela-Savon ELY-keskus, 368 136 €;  asukasviihtyvyyttd ja -osallisuutta\t(pdf 12,6 Mt)\n"
        "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684 S21684 — 1.6.2019"
    )
    got, repairs = repairer.repair_text(text, 15)
    assert got == (
        "Etelä-Savon ELY-keskus, 368 136 €;  asukasviihtyvyyttä ja -osallisuutta\t(pdf 12,6 Mt)\n"
        "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684 S21684 — 1.6.2019"
    )
    assert repairs == [
        Repair(15, "Etela", "Etelä", repairs[0].reason),
        Repair(15, "asukasviihtyvyyttd", "asukasviihtyvyyttä", "voikko"),
    ]


def test_word_broken_over_lines_is_repaired_as_one(repairer: Repairer) -> None:
    got, repairs = repairer.repair_text("Erityishuomioita, kehitté-\n\nmistydn ongelmia", 65)
    assert got == "Erityishuomioita, kehittä-\n\nmistyön ongelmia"
    assert [(r.line, r.before, r.after) for r in repairs] == [
        (65, "kehitté", "kehittä"),
        (67, "mistydn", "mistyön"),
    ]


def test_abbreviation_ending(repairer: Repairer) -> None:
    assert repairer.repair_text("Balanssi ry:llé", 1)[0] == "Balanssi ry:llä"


SEED_LINES = {
    3: "S21684, Hyvinvoiva asukas — yhteisöllisen asumisen kehittäminen Etelä-Savossa",
    15: "Etelä-Savon ELY-keskus, 368 136 €",
    19: "Kaakkois-Suomen ammattikorkeakoulu (päätoteuttaja), ViaDia Mikkeli ry (osatoteuttaja)",
    21: "Varsinaiset kohderyhmät",
    24: "maahanmuuttajaperheet, itsenäisesti asuvat nuoret ja sosiaalisesti heikossa asemassa",
    30: "Huono-osaisuuden ja yksinäisyyden lisääntyminen Etelä-Savossa ollut huolestuttavaa",
    34: "Ehkäistä syrjäytymistä ja asuinalueiden eriarvoistumista; vahvistaa yhteisöllisyyttä,",
    40: "Asukaslähtöiset kokeilut taloyhtiöissä ja asuinalueilla työpajatyönä tai teematyönä;",
    41: "sisällöllinen ja menetelmällinen valmennus asukkaiden löytämiseksi, kohtaamiseksi,",
    47: "12,6 Mt); Lintumäki, (Nuorisotyö, 2019) (pdf 4 Mt); Partti (Xamk, 2021)",
    50: "käytännöt ja palaset",
    62: "jatkavat toimintaa hankkeen päätyttyä; tapahtumien ja toimintojen ympärille syntyneet",
    69: "Tehtiin aktiivisesti yhteistyötä Mikkelin kaupungin kanssa; kokeiluja ja tuloksia",
    71: "hyödynnetään Mikkelin kaupungin osallisuusstrategian suunnitelmissa",
    100: "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684",
}


def test_seed_card_lines(repairer: Repairer) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for number, expected in SEED_LINES.items():
        got, repairs = repairer.repair_text(lines[number - 1], number)
        assert got == expected
        assert all(r.line == number for r in repairs)
        assert len(repairs) == sum(1 for a, b in zip(got.split(), lines[number - 1].split()) if a != b)


def test_every_repair_is_listed(repairer: Repairer) -> None:
    original = SEED.read_text(encoding="utf-8")
    got, repairs = repairer.repair_text(original, 1)
    replayed = original.splitlines()
    for r in repairs:
        assert r.before in replayed[r.line - 1]
    before = [t.text for t in finnish.tokens(original)]
    after = [t.text for t in finnish.tokens(got)]
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [(r.before, r.after) for r in repairs]


def _seed_card() -> Card:
    original = SEED.read_text(encoding="utf-8") if SEED.is_file() else ""
    return Card(
        source="S21684.txt",
        encoding="utf-8",
        code="S21684",
        name="Hyvinvoiva asukas — yhteiséllisen asumisen kehittaminen Etela-Savossa",
        name_copies=(
            (3, "Hyvinvoiva asukas — yhteisollisen asumisen kehittdminen Eteld-Savossa"),
            (9, "Hyvinvoiva asukas — yhteiséllisen asumisen kehittaminen Etela-Savossa"),
        ),
        funders=(Funder("Etela-Savon ELY-keskus", None, 15),),
        implementers=(
            Implementer("Kaakkois-Suomen ammattikorkeakoulu", None, "paatoteuttaja", 19),
            Implementer("ViaDia Mikkeli ry", Role.CO_IMPLEMENTER, "osatoteuttaja", 19),
        ),
        target_groups=TargetGroups(
            "Asuinalueilla pilotteihin ja asukasaktiivivalmennukseen osallistuvat, erityisesti "
            "maahanmuuttajaperheet, itsendisesti asuvat nuoret ja sosiaalisesti heikossa asemassa olevat",
            "Asuinalueilla pilotteihin ja asukasaktiivivalmennukseen osallistuvat",
            ("maahanmuuttajaperheet", "itsendisesti asuvat nuoret", "sosiaalisesti heikossa asemassa olevat"),
            23,
        ),
        background="Huono-osaisuuden ja yksindisyyden lisédntyminen Etelé-Savossa ollut huolestuttavaa",
        outputs=(
            Output("Alueiden yhteisdéllisyytta rakentamassa - Yhteisémanagerin opas", "Xamk", 2021,
                   "pdf", None, None, 46),
            Output("Lintumaki", "Nuorisotyd", 2019, "pdf", None, None, 47),
        ),
        notes="Tehtiin aktiivisesti yhteistydtd Mikkelin kaupungin kanssa; kokeiluja ja tuloksia "
        "hyddynnetddn Mikkelin kaupungin osallisuusstrategian suunnitelmissa",
        compiled_by="Sosiaalisen osallisuuden edistamisen koordinaatiohanke",
        field_lines={
            "name": (9, 10), "funders": (15, 15), "implementers": (19, 19), "target_groups": (23, 26),
            "background": (30, 30), "outputs": (46, 47), "notes": (69, 71), "compiled_by": (1, 1),
        },
        original=original,
    )


def test_repair_card(repairer: Repairer) -> None:
    card = _seed_card()
    fixed = repairer.repair_card(card)
    assert fixed is not card
    assert fixed.name == "Hyvinvoiva asukas — yhteisöllisen asumisen kehittäminen Etelä-Savossa"
    assert fixed.compiled_by == "Sosiaalisen osallisuuden edistämisen koordinaatiohanke"
    assert fixed.funders[0].name == "Etelä-Savon ELY-keskus"
    assert fixed.implementers[0].role_text == "päätoteuttaja"
    assert fixed.implementers[0].role is Role.MAIN_IMPLEMENTER
    assert fixed.target_groups is not None
    assert "itsenäisesti asuvat nuoret" in fixed.target_groups.text
    assert fixed.target_groups.items[1] == "itsenäisesti asuvat nuoret"
    assert fixed.background == (
        "Huono-osaisuuden ja yksinäisyyden lisääntyminen Etelä-Savossa ollut huolestuttavaa"
    )
    assert fixed.outputs[0].title == "Alueiden yhteisöllisyyttä rakentamassa - Yhteisömanagerin opas"
    assert fixed.outputs[1].title == "Lintumäki"
    assert fixed.outputs[1].publisher == "Nuorisotyö"
    assert fixed.notes is not None and fixed.notes.startswith("Tehtiin aktiivisesti yhteistyötä")
    assert "hyödynnetään" in fixed.notes
    where = {(r.before, r.after): r.line for r in fixed.repairs}
    assert where[("yhteiséllisen", "yhteisöllisen")] == 9
    assert where[("kehittaminen", "kehittäminen")] == 9
    assert where[("edistamisen", "edistämisen")] == 1
    assert where[("Lintumaki", "Lintumäki")] == 47
    assert where[("Nuorisotyd", "Nuorisotyö")] == 47
    assert where[("yhteistydtd", "yhteistyötä")] == 69
    assert where[("hyddynnetddn", "hyödynnetään")] == 71
    assert where[("lisédntyminen", "lisääntyminen")] == 30
    assert where[("itsendisesti", "itsenäisesti")] == 24
    # each damaged word of the text values is listed exactly once
    assert sum(1 for r in fixed.repairs if r.before == "itsendisesti") == 1


def test_name_copies_narrow_the_reading(repairer: Repairer) -> None:
    card = Card(
        source="x.txt", encoding="utf-8", code="S20000", name="Vahan parempi arki",
        name_copies=((3, "Vdhan parempi arki"), (9, "Vahan parempi arki")),
        original="\n\nS20000, Vdhan parempi arki\n\n\n\n\n\nS20000 — Vahan parempi arki, 1.1.2020\n",
    )
    fixed = repairer.repair_card(card)
    assert fixed.name == "Vähän parempi arki"
    assert fixed.repairs == (Repair(9, "Vahan", "Vähän", fixed.repairs[0].reason),)


CORRECT_SENTENCES = [
    "Hankkeen tavoitteena on ehkäistä syrjäytymistä ja asuinalueiden eriarvoisuuden lisääntymistä.",
    "Asukkaat saavat tukea arjen haasteisiin ja kulttuuri on tärkeä osa toimintaa.",
    "Analyysi tehdään yhdessä asukkaiden kanssa, ja tulokset julkaistaan verkossa.",
    "Nuoret osallistuvat työpajoihin, joissa opitaan uusia taitoja ja saadaan kokemuksia.",
    "Toiminta jatkuu hankkeen päätyttyä osana kaupungin palveluja Mikkelissä ja Savonlinnassa.",
    "Asukasviihtyvyys parani ja yhteisöllisyys vahvistui; saa nähdä, miten malli leviää.",
    "Maahanmuuttajaperheet ja itsenäisesti asuvat nuoret ovat hankkeen kohderyhmiä.",
    "Kaakkois-Suomen ammattikorkeakoulu toteuttaa hanketta yhdessä ViaDia Mikkeli ry:n kanssa.",
]


@pytest.mark.parametrize("sentence", CORRECT_SENTENCES)
def test_correct_sentences_stay(repairer: Repairer, sentence: str) -> None:
    got, repairs = repairer.repair_text(sentence, 1)
    assert got == sentence
    assert repairs == []


PROPERTY_WORDS = [
    "päätoteuttaja", "yhteisöllisyyttä", "kehittäminen", "työpajatyönä", "hyödynnetään",
    "sekä", "käytännöt", "yksinäisyyden", "lisääntyminen", "syrjäytymistä", "Etelä-Savossa",
    "asukasviihtyvyyttä", "työllistymistä", "hyvinvointiä", "ympäristöjen", "Jyväskylässä",
    "elämänhallinta", "näiden", "vähän", "työ", "yö", "pää", "jäsenten", "mielenterveyskuntoutujien",
]

def _accepted(repairer: Repairer, word: str, text: str) -> bool:
    """Whether the spell checker accepts a repaired word, or the hyphenated word of
    ``text`` it is a part of (ylä-ä is repaired as one word)."""
    if repairer.accepts(word):
        return True
    wholes = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)+", text)
    return any(word in whole.split("-") and repairer.accepts(whole) for whole in wholes)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(PROPERTY_WORDS), st.integers(0, 10**6))
def test_never_into_a_rejected_word(repairer: Repairer, word: str, seed: int) -> None:
    damaged = finnish.damage(word, random.Random(seed))
    got, repairs = repairer.repair_text(damaged, 1)
    for r in repairs:
        assert _accepted(repairer, r.after, got)
    assert len(got.split("-")) == len(damaged.split("-"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="adeiklmnoprstuvyé&6- ,.\n", max_size=40))
def test_any_text_keeps_its_shape(repairer: Repairer, text: str) -> None:
    got, repairs = repairer.repair_text(text, 1)
    for r in repairs:
        assert _accepted(repairer, r.after, got)
    strip = lambda s: [c for c in s if c in " ,.\n-"]  # noqa: E731
    assert strip(got) == strip(text)


# ---------------------------------------------------------------- measurement


def _summaries() -> list[str]:
    for folder in (
        ROOT / "data" / "registry" / "eura2014",
        ROOT.parent / "shared" / "registry" / "eura2014",
        Path("/work/shared/registry/eura2014"),
    ):
        texts = []
        for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            text = path.read_text(encoding="utf-8")
            if HEADING in text:
                body = text.split(HEADING, 1)[1].strip()
                texts.append(body if body.endswith((".", "!", "?")) else body.rsplit(None, 1)[0])
        if texts:
            return texts
    return []


@pytest.fixture(scope="module")
def measured(repairer: Repairer):
    texts = _summaries()
    assert texts, "no registry summaries to measure on (data/registry/eura2014/)"
    # The repair uses no corpus here; with one, measure(..., leave_one_out_corpus=True)
    # keeps each summary from seeing its own clean text.
    m = measure(Repairer(), texts, seed=20240601)
    print("\n" + m.report())
    for correct, bad, got in m.restorable_misses:
        print(f"  miss {correct!r} (damaged {bad!r}) got {got!r}")
    return m


def test_measure_regression_floor(measured) -> None:
    """All damaged words, the ones the spell checker cannot accept included."""
    assert measured.damaged > 1000
    assert measured.restored_share >= 0.985, measured.report() + f"\n{measured.misses}"
    assert measured.changed_share < 0.001, measured.report() + f"\n{measured.spoiled}"


def test_measure_requirement_floor(measured) -> None:
    """The requirement, on the damaged words whose clean form is standard Finnish (the
    spell checker the repair is bound by accepts it); the others are listed by name."""
    assert measured.restorable > 1000
    assert measured.damaged - measured.restorable == sum(measured.unrestorable.values())
    assert measured.restorable_share >= 0.995, measured.report() + f"\n{measured.restorable_misses}"
    assert measured.changed_share < 0.001, measured.report() + f"\n{measured.spoiled}"


def test_unrestorable_words_are_typos_dialect_or_unknown_names(measured) -> None:
    """The excluded words are the source's own typos, dialect and a surname: never a
    standard Finnish word (a word here would mean a gap in the spell checker)."""
    assert set(measured.unrestorable) <= {
        "miähet", "Meijän", "Työterapinen", "osatyökyisten", "Kerättären",
    }, measured.report()


# ---------------------------------------------------------------- spell checker


@pytest.mark.parametrize(
    ("damaged", "correct"),
    [
        ("EL&manhallinnan", "ELämänhallinnan"),
        ("ELdmanhallinnan", "ELämänhallinnan"),
        ("yhteisdmanagerointia", "yhteisömanagerointia"),
        ("yhteis6manageroinnin", "yhteisömanageroinnin"),
        ("tydéhdénkuntoutumisen", "työhönkuntoutumisen"),
        ("tyoh6nkuntoutumisen", "työhönkuntoutumisen"),
        ("Otanmakeen", "Otanmäkeen"),
        ("Otanmden", "Otanmäen"),
        ("Vah&nkyrdén", "Vähänkyrön"),
        ("Vdéyrinkaupungin", "Vöyrinkaupungin"),
        ("Voyrin", "Vöyrin"),
        ("Grdna", "Gröna"),
        ("Pitkéaikaisasunnottomuuden", "Pitkäaikaisasunnottomuuden"),
        (
            "pitkdaikaistydéttdémyydenvdhentémistoimenpiteiss&",
            "pitkäaikaistyöttömyydenvähentämistoimenpiteissä",
        ),
    ],
)
def test_user_dictionary_case_and_long_words(repairer: Repairer, damaged: str, correct: str) -> None:
    got = repairer.repair_word(damaged)
    assert got is not None and got[0] == correct


@pytest.mark.parametrize("word", ["monitoimijaisessa", "yhteismanagerointia", "Gången", "ELY-keskus"])
def test_user_dictionary_words_stay(repairer: Repairer, word: str) -> None:
    assert repairer.repair_text(word, 1) == (word, [])


def test_spell_checker(repairer: Repairer) -> None:
    assert repairer.accepts("ELämänhallinnan")  # odd capitals: checked lower-case
    assert repairer.accepts("Höyhtyässä")  # an inferred case form of a listed name
    assert repairer.accepts("Kaukajärvellä")  # the name's last part inflects as järvi
    assert repairer.accepts("Vöyrinkaupungin")  # genitive of a name + a Voikko word
    assert not repairer.accepts("Vöyrinkaupungn")
    assert not repairer.accepts("helsinki")  # a lower-case word is not capitalised
    assert not repairer.accepts("miähet")  # dialect
    assert not repairer.accepts("osatyökyisten")  # a typo of osatyökykyisten


def test_long_word_search_keeps_the_right_spelling() -> None:
    damaged = "pitkdaikaistydéttdémyydenvdhentémistoimenpiteiss&"
    assert finnish.combinations(damaged) > 4096
    got = [text for text, _ in finnish.candidates(damaged, 16384)]
    assert "pitkäaikaistyöttömyydenvähentämistoimenpiteissä" in got
    assert len(got) == len(set(got)) <= 16384


def test_changes_count_letters() -> None:
    changes = dict(finnish.candidates("sydén"))
    assert changes["syön"] == changes["sydän"] == 1
    assert changes["syöön"] == 2
    assert dict(finnish.candidates("Pitkéa"))["Pitkäa"] == 1


def test_reference_file_formats(tmp_path: Path) -> None:
    names = tmp_path / "proper-nouns.txt"
    names.write_text(
        "# names\nVähäkyrö | Vähänkyrön Vähässäkyrössä  # both parts\nGröna Gången\n", "utf-8"
    )
    assert load_names(names) == {
        "Vähäkyrö": ("Vähänkyrön", "Vähässäkyrössä"),
        "Gröna Gången": (),
    }
    names.write_text("Vähäkyrö | Vähän kyrön | x\n", "utf-8")
    with pytest.raises(ReferenceDataError):
        load_names(names)
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("# forms\nmanagerointi\n\nmanageroinnin  # genitive\n", "utf-8")
    assert load_lexicon(lexicon) == ("managerointi", "manageroinnin")
    lexicon.write_text("two words\n", "utf-8")
    with pytest.raises(ReferenceDataError):
        load_lexicon(lexicon)
    assert load_lexicon(tmp_path / "none.txt") == ()


def test_bundled_lexicon_is_only_words_voikko_lacks(repairer: Repairer) -> None:
    import libvoikko

    voikko = libvoikko.Voikko("fi")
    assert "yhteisömanageroinnin" in repairer.lexicon
    assert [w for w in repairer.lexicon if voikko.spell(w)] == []
