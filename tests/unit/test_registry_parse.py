"""Parsing EURA2014 registry pages: every sample, pinned pages, privacy, errors and fuzzing.

The pinned values below were read off the sample pages in data/registry/eura2014/ by eye,
not copied from the parser's output.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hankekg.errors import InputError, RegistryError
from hankekg.model import Partner, Role
from hankekg.registry.html import html_to_text
from hankekg.registry.jsonform import KEYS, record_to_dict, record_to_json
from hankekg.registry.parse import contains_personal_data, parse_registry_page, read_registry_page

REPO = Path(__file__).parents[2]
SAMPLES = sorted((REPO / "data" / "registry" / "eura2014").glob("*.txt"))
FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"
PAGES = sorted(p for p in FIXTURES.iterdir() if p.suffix in {".txt", ".html"})
CO = Role.CO_IMPLEMENTER.value
ST = Role.SUPPORT_TRANSFEREE.value

# Invented contact data in the fixtures; none of it may reach a record, its JSON or its problems.
PERSONAL = (
    "Matti", "Meikäläinen", "meikalainen", "Maija", "Mehiläinen", "mehilainen", "Projektipäällikkö",
    "John", "Doe", "john.doe", "Project manager", "123 4567", "8765 4321", "765 4321", "5551234",
    "999 8888", "Testikatu", "Test Street", "example.org", "@", "Pekka", "Puupää",
)
# Independent of the parser's own patterns, on purpose.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\(at\)")
PHONE = re.compile(r"\+\s?358|\b0[1-9]\d{0,2}[\s-]\d{3}[\s-]?\d{3,4}\b|\b0[1-9]\d{7,9}\b|\(0\d{1,3}\)")


def sample(code: str) -> Path:
    return REPO / "data" / "registry" / "eura2014" / f"{code}.txt"


def pinned(code: str) -> dict:
    return record_to_dict(read_registry_page(sample(code)))


# --------------------------------------------------------------------------- every sample


def test_there_are_64_samples():
    assert len(SAMPLES) == 64


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses(path):
    record = read_registry_page(path)
    assert record.code == path.stem
    assert record.name
    assert record.start and record.end and record.start < record.end
    assert record.applicant and record.applicant.name and record.applicant.business_id
    assert record.priority_axis and record.specific_objective
    assert record.summary
    assert not [p for p in record.problems if p.severity == "error"]
    assert list(json.loads(record_to_json(record))) == list(KEYS)


@pytest.mark.parametrize("path", SAMPLES + PAGES, ids=lambda p: p.name)
def test_no_email_or_phone_in_any_record(path):
    text = record_to_json(read_registry_page(path))
    assert not EMAIL.search(text), EMAIL.search(text)
    assert not PHONE.search(text), PHONE.search(text)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_street_address_never_reaches_a_record(path):
    street = re.search(r"^(?:Jakeluosoite|Street): *(.+)$", path.read_text(encoding="utf-8"), re.M)
    assert street, "every sample has a street line"
    assert street[1].strip() not in record_to_json(read_registry_page(path))


# --------------------------------------------------------------------------- pinned pages


def test_s21684_seed_project():
    record = read_registry_page(sample("S21684"))
    assert record_to_dict(record) | {"summary": None} == {
        "code": "S21684",
        "name": "Hyvinvoiva asukas - yhteisöllisen asumisen kehittäminen Etelä-Savossa",
        "priority_axis": {"number": 5, "label": "Sosiaalinen osallisuus ja köyhyyden torjunta"},
        "specific_objective": {
            "code": "10.1",
            "label": "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
        },
        "start": "2019-06-01",
        "end": "2021-12-31",
        "status": "Toiminta päättynyt",
        "responsible_authority": "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus",
        "applicant": {
            "name": "Kaakkois-Suomen Ammattikorkeakoulu Oy",
            "org_type": "Ammattikorkeakoulu",
            "business_id": "2472908-2",
        },
        "arrangement": "Hakija siirtää osan haettavasta tuesta yhdelle tai useammalle taholle hankkeen "
                       "toteuttamista varten (tuen siirto)",
        "partners": [{"name": "ViaDia Mikkeli ry", "business_id": "2551672-4", "role": ST}],
        "municipality": "Mikkeli",
        "www": "http://www.xamk.fi",
        "summary": None,
        "language": "fi",
        "problems": [],
        "source": str(sample("S21684")),
    }
    assert record.partners == (Partner("ViaDia Mikkeli ry", "2551672-4", Role.SUPPORT_TRANSFEREE, 43),)
    assert record.summary.startswith("Hankkeen tavoitteena on ehkäistä syrjäytymistä")
    # paragraph break kept, lines within a paragraph kept, cut mid-word as on the page
    assert "osatavoitteiden avulla\n\n1.Vahvistetaan yhteisöllisyyttä" in record.summary
    assert "2.Vahvistetaan asukasosallisuutta.\n3.Kehitetään" in record.summary
    assert record.summary.endswith("5.Levitetään syntyneitä toimintamalleja alue")
    assert record.field_lines["code"] == (7, 7)
    assert record.field_lines["partners"] == (41, 43)


def test_s20220_sokra_with_an_empty_partner_header():
    got = pinned("S20220")
    assert got["name"] == "Sosiaalisen osallisuuden edistämisen koordinaatiohanke - Sokra"
    assert (got["start"], got["end"]) == ("2014-10-01", "2023-08-31")
    assert got["status"] == "Toiminta päättynyt"
    assert got["responsible_authority"] == "Sosiaali- ja terveysministeriö"
    assert got["applicant"] == {
        "name": "Terveyden ja hyvinvoinnin laitos", "org_type": "Valtion viranomainen",
        "business_id": "2229500-6",
    }
    assert got["arrangement"] is None
    assert got["partners"] == []
    assert got["municipality"] == "Helsinki"
    assert got["www"] == "http://www.thl.fi"
    assert got["summary"].startswith("Sosiaalisen osallisuuden edistämisen koordinaatiohankkeessa")
    assert got["summary"].endswith("2. Välittää ministeriöid")
    assert got["problems"] == []


def test_s21758_english_page():
    got = pinned("S21758")
    assert got["language"] == "en"
    assert got["name"] == "High five - More wellbeing through co-operation in Eastern Lapland"
    assert got["priority_axis"] == {"number": 5, "label": "Social inclusion and combating poverty"}
    assert got["specific_objective"] == {
        "code": "10.1",
        "label": "Improving the ability of those outside employment to work and function",
    }
    assert (got["start"], got["end"]) == ("2019-09-01", "2022-03-31")
    assert got["status"] == "Ended"
    assert got["responsible_authority"] == (
        "Centre for Economic Development, Transport and the Environment North Ostrobothnia")
    assert got["applicant"] == {
        "name": "Itä-Lapin kuntayhtymä", "org_type": "Joint municipal authority",
        "business_id": "1044651-6",
    }
    assert got["arrangement"] is None
    assert got["partners"] == []
    assert got["municipality"] == "Kemijärvi"
    assert got["www"] is None
    assert got["summary"].startswith("The aim of the project is to improve the wellbeing")
    assert "\n\nThe project aims at developing and piloting" in got["summary"]
    assert got["problems"] == []


def test_a70202_erdf_page_with_co_implementers_and_commas_in_names():
    got = pinned("A70202")
    assert got["name"] == "Kuutoskaupunkien avoimet innovaatioalustat kärkihanke"
    assert got["priority_axis"] == {
        "number": 2, "label": "Uusimman tiedon ja osaamisen tuottaminen ja hyödyntäminen"}
    assert got["specific_objective"]["code"] == "4.1"
    assert (got["start"], got["end"]) == ("2015-02-01", "2018-07-31")
    assert got["responsible_authority"] == "Uudenmaan liitto"
    assert got["applicant"] == {"name": "Oulun kaupunki", "org_type": "Kunta", "business_id": "0187690-1"}
    assert got["municipality"] == "Oulun kaupunki"
    assert got["arrangement"] == "Hakijoita on useampi kuin yksi (yhteishanke)"
    assert len(got["partners"]) == 11
    assert got["partners"][0] == {"name": "Forum Virium Helsinki Oy", "business_id": "2170029-2", "role": CO}
    assert got["partners"][6] == {
        "name": "Tampereen yliopisto, Tiedon, Tieteen, Teknologian ja Innovaatioiden tutkimuskeskus(TaSTI)",
        "business_id": "0155668-4", "role": CO,
    }
    assert got["partners"][-1] == {"name": "Helsingin kaupunki", "business_id": "0201256-6", "role": CO}


def test_a75790_erdf_page_with_no_partner_header():
    got = pinned("A75790")
    assert got["name"] == ("KymÄES 2.0 - Kymenlaakson älykkään erikoistumisen innovaatioekosysteemin "
                           "kiihdyttäminen")
    assert got["applicant"] == {"name": "Kymenlaakson liitto", "org_type": "Kuntayhtymä",
                                "business_id": "0206714-5"}
    assert got["municipality"] == "KOTKA"
    assert (got["start"], got["end"]) == ("2020-01-01", "2021-12-31")
    assert got["arrangement"] is None
    assert got["partners"] == []
    assert got["problems"] == []


def test_s20658_commas_in_names_and_a_partner_listed_twice():
    record = read_registry_page(sample("S20658"))
    assert record.name == "Tšetanes naal - koulutuspoluilla"
    assert record.applicant.name == "Diakonia-ammattikorkeakoulu Oy"
    assert [(p.name, p.business_id) for p in record.partners] == [
        ("Mikkelin kaupunki, Otavan opisto", "0165116-3"),
        ("Fintiko Romano Forum ry, Suomen Romanifoorumi", "2178217-9"),
        ("KRIS Etelä-Suomi ry", "1852336-0"),
        ("Tampereen kaupunki", "0211675-2"),
        ("Helsingin Diakonissalaitoksen säätiö sr./Vamos-palvelut", "0116480-8"),
        ("KRIS Etelä-Suomi ry", "1852336-0"),
        ("Helsingin kaupunki", "0201256-6"),
        ("Kirkkopalvelut ry, Seurakuntaopisto", "0215281-7"),
        ("Salon kaupunki", "0139533-1"),
    ]
    assert {p.role for p in record.partners} == {Role.CO_IMPLEMENTER}
    assert [(p.kind, p.severity) for p in record.problems] == [("duplicate-partner", "warning")]


def test_s22171_partner_name_with_a_comma_before_the_type():
    got = pinned("S22171")
    assert got["partners"] == [
        {"name": "Oulun Diakonissalaitoksen säätiö sr", "business_id": "0243004-7", "role": CO},
        {"name": "Diakonia-ammattikorkeakoulu Oy, Ammattikorkeakoulu", "business_id": "0115776-3",
         "role": CO},
        {"name": "Lapin ammattikorkeakoulu Oy", "business_id": "2528792-5", "role": CO},
    ]
    assert got["applicant"]["name"] == "Helsingin Diakonissalaitoksen säätiö sr"
    assert (got["start"], got["end"]) == ("2020-09-01", "2021-12-31")
    assert got["specific_objective"]["code"] == "9.1"


def test_s20548_empty_partner_header():
    record = read_registry_page(sample("S20548"))
    assert record.name == "Yritetään yhdessä"
    assert record.priority_axis.number == 4
    assert record.applicant.name == "Suomen Humanistinen Ammattikorkeakoulu Oy"
    assert record.applicant.business_id == "1474763-1"
    assert record.www == "http://www.humak.fi"
    assert record.partners == ()
    assert record.problems == ()


def test_s20237_no_partner_header():
    got = pinned("S20237")
    assert got["name"] == ("Sosiaalinen osallisuus ja työ- ja toimintakyvyn muutos (Solmu) - "
                           "koordinaatiohanke 2014-2022")
    assert got["status"] == "Toiminnassa"
    assert (got["start"], got["end"]) == ("2014-10-01", "2022-09-30")
    assert got["applicant"] == {"name": "Työterveyslaitos", "org_type": "Tutkimuslaitos",
                                "business_id": "0220266-9"}
    assert got["arrangement"] == "Vain yksi hakija"
    assert got["partners"] == []


def test_s20688_support_transferees_with_a_colon_in_a_name():
    got = pinned("S20688")
    assert got["name"] == "MOK - Maahanmuuttajien osallisuus Kainuussa"
    assert got["municipality"] == "KAJAANI"
    assert got["partners"] == [
        {"name": "Kainuun Liikunta ry.", "business_id": "0996337-2", "role": ST},
        {"name": "MLL:n Kainuun Piiri", "business_id": "0185582-8", "role": ST},
        {"name": "Kajaanin 4H-yhdistys ry.", "business_id": "0226661-1", "role": ST},
    ]
    assert got["summary"].startswith("TIIVISTELMÄ")


def test_s20930_partner_line_with_a_label_prefix():
    record = read_registry_page(sample("S20930"))
    assert record.partners[2] == Partner(
        "Vaasanseudun Mielenterveysseura ry – Vasanejdens förening för mental", "2683508-1",
        Role.CO_IMPLEMENTER, 45)
    assert [(p.line, p.kind) for p in record.problems] == [(45, "partner-name-label")]


def test_s22334_empty_website_and_a_late_start_day():
    record = read_registry_page(sample("S22334"))
    assert record.name == "Tsemppi – paluu työelämään"
    assert (record.start, record.end) == (date(2021, 2, 15), date(2023, 7, 31))
    assert record.www is None
    assert record.municipality == "Turku"
    assert record.applicant.org_type == "Muu järjestö tai yhdistys"
    assert record.problems == ()


# --------------------------------------------------------------------------- privacy


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_contact_data_never_reaches_a_record(path):
    record = read_registry_page(path)
    everything = record_to_json(record) + repr(record) + " ".join(map(str, record.problems))
    for text in PERSONAL:
        assert text not in everything, text


def test_contact_lines_leave_a_problem_each():
    record = read_registry_page(FIXTURES / "contact-fi.txt")
    dropped = [p.line for p in record.problems if p.kind == "personal-data-dropped"]
    # org phone, name, title, e-mail, contact phone, bare name after "Yhteyshenkilö",
    # an unlabelled contact line among the partners, two summary lines
    assert dropped == [31, 39, 41, 43, 45, 49, 57, 62, 63]
    assert len(record.partners) == 2
    assert {p.severity for p in record.problems} == {"warning"}
    assert record.partners[0].name == "Testikunta, Sivistystoimi"
    assert record.summary == ("Hankkeen tavoitteena on kokeilla jäsentäjää.\n\n"
                              "Toinen kappale alkaa tästä ja katkeaa kesk")


def test_english_contact_page():
    record = read_registry_page(FIXTURES / "contact-en.txt")
    assert record.language == "en"
    assert record.www == "https://www.example.com/en"
    assert record.partners == (
        Partner("Test Association, Finland", "2345678-9", Role.SUPPORT_TRANSFEREE, 47),)
    assert record.summary == "The project tests the parser."


@pytest.mark.parametrize(
    "line",
    ["Puhelin: 040 123 4567", "soita 0401234567", "tel. +358 40 123 4567", "+358-9-1234567",
     "(09) 123 4567", "09 1234 5678", "050-123 45 67", "matti.meikalainen@example.fi",
     "m.m(at)example.fi", "Yhteystiedot: etunimi.sukunimi@thl.fi"],
)
def test_personal_data_is_recognised(line):
    assert contains_personal_data(line)


@pytest.mark.parametrize(
    "line",
    ["Helsingin kaupunki, 0201256-6", "Y-tunnus: 0116480-8", "Postinumero: 00271",
     "Alkaa 1.10.2014 ja päättyy 31.8.2023", "vuosina 2014-2020 yhteensä 1 000 000 euroa",
     "noin 20 %:n tietämille", "Jakeluosoite: PL 30, 00271 Helsinki"],
)
def test_ordinary_lines_are_not_personal_data(line):
    assert not contains_personal_data(line)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    where=st.integers(min_value=0, max_value=80),
    local=st.from_regex(r"[a-z]{2,8}\.[a-z]{2,8}", fullmatch=True),
    phone=st.from_regex(r"0[45]0 [0-9]{3} [0-9]{4}", fullmatch=True),
    label=st.sampled_from(["Sähköposti", "Lisätietoja", "", "Yhteyshenkilö"]),
)
def test_inserted_contact_lines_never_leak(where, local, phone, label):
    lines = sample("S21684").read_text(encoding="utf-8").split("\n")
    email = f"{local}@example.fi"
    lines.insert(min(where, len(lines)), f"{label}: {email}, {phone}" if label else f"{email} {phone}")
    record = parse_registry_page("\n".join(lines), "S21684.txt")
    out = record_to_json(record)
    assert email not in out and local not in out and phone not in out
    assert record.code == "S21684"


# --------------------------------------------------------------------------- odd pages


def test_quirks_are_problems_not_errors():
    record = read_registry_page(FIXTURES / "quirks.txt")
    assert record.name is None
    assert record.priority_axis is None
    assert record.specific_objective.code == "10.1"
    assert (record.start, record.end) == (None, date(2021, 12, 31))
    assert record.applicant.name == "Kunta, jolla on pilkku"
    assert record.applicant.business_id is None
    assert record.www is None
    assert record.partners == (
        Partner("Irrallinen Oy", "1111111-1", None, 29),
        Partner("Yhdistys ilman tunnusta ry", None, Role.SUPPORT_TRANSFEREE, 33),
        Partner("Oikea ry", "2222222-2", Role.SUPPORT_TRANSFEREE, 34),
    )
    assert record.summary == "Tiivistelmä."
    assert [(p.line, p.kind) for p in record.problems] == [
        (7, "bad-priority-axis"), (11, "bad-date"), (15, "unknown-field"), (21, "bad-business-id"),
        (25, "bad-www"), (29, "partner-without-header"), (33, "partner-without-business-id"),
        (40, "unknown-section"),
    ]
    assert {p.severity for p in record.problems} == {"warning"}


def test_html_page_reads_like_the_text():
    record = read_registry_page(FIXTURES / "contact.html")
    assert record.code == "S99903"
    assert record.name == "HTML & testi"
    assert record.start == date(2019, 6, 1)
    assert record.www == "http://www.example.fi"
    assert [(p.name, p.business_id, p.role) for p in record.partners] == [
        ("Eka ry", "2345678-9", Role.SUPPORT_TRANSFEREE),
        ("Toka, Kolmas ry", "3456789-0", Role.SUPPORT_TRANSFEREE),
    ]
    assert record.summary == "Ensimmäinen kappale.\n\nToinen kappale\njatkuu."


def test_html_to_text_of_a_sample_round_trips():
    text = sample("S21684").read_text(encoding="utf-8")
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\n\n")) + "</body></html>"
    html = html.replace("\n", "<br>")
    a = record_to_dict(parse_registry_page(html_to_text(html), "x"))
    b = record_to_dict(parse_registry_page(text, "x"))
    assert a == b


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-16"])
def test_encodings(tmp_path, encoding):
    text = sample("S20688").read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "S20688.txt"
    path.write_bytes(text.encode(encoding))
    assert record_to_dict(read_registry_page(path)) | {"source": None} == pinned("S20688") | {"source": None}


def test_file_named_after_another_code(tmp_path):
    path = tmp_path / "S11111.txt"
    path.write_bytes(sample("S20548").read_bytes())
    record = read_registry_page(path)
    assert record.code == "S20548"
    assert [(p.kind, p.line) for p in record.problems] == [("code-mismatch", 7)]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"", 1),
        (b"   \n\n", 1),
        (b"\x00\x01\x02binary", 1),
        ("Hankkeen nimi: Ei koodia\n".encode(), None),
        ("Hankekoodi:\n".encode(), 1),
        ("\n\nHankekoodi: 21684\n".encode(), 3),
    ],
    ids=["empty", "blank", "binary", "no-code", "empty-code", "bad-code"],
)
def test_errors(tmp_path, content, line):
    path = tmp_path / "page.txt"
    path.write_bytes(content)
    with pytest.raises(RegistryError) as caught:
        read_registry_page(path)
    assert isinstance(caught.value, InputError)
    assert caught.value.path == str(path)
    assert caught.value.line == line


def test_missing_file(tmp_path):
    with pytest.raises(RegistryError):
        read_registry_page(tmp_path / "nope.txt")


_FRAGMENTS = [
    "Hankekoodi: S12345", "Project code: A00001", "Hankkeen nimi: x", "Toimintalinja: 5. x",
    "Erityistavoite: 10.1. y", "Suunnitelman mukainen toteutusaika: Alkaa 1.6.2019 ja päättyy 31.2.2021",
    "Osatoteuttajat", "Tuen siirronsaajat", "Nimi, 1234567-8", "Nimi, ", "3 Suunnitelman tiivistelmä",
    "4 Rahoitus", "WWW-osoite: ftp://x", "Y-tunnus: 12", "Yhteyshenkilö", ":", "Label:", "1 Hanke",
    "Planned completion time: Start 99.99.9999 and end", "Policy: ", "",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=40)), max_size=30))
def test_arbitrary_text_raises_only_registry_error(parts):
    text = "\n".join(parts)
    try:
        record = parse_registry_page(text, "fuzz")
    except RegistryError:
        return
    json.loads(record_to_json(record))
    assert not EMAIL.search(record_to_json(record))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_registry_error(data):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_bytes(data)
        try:
            read_registry_page(path)
        except RegistryError:
            pass
