"""Names resolve to one organisation per real organisation; reference files are checked."""

import pytest

from hankekg.errors import ReferenceDataError
from hankekg.paths import bundled_reference_dir
from hankekg.resolve.reference import load_organisations, load_target_group_links
from hankekg.resolve.resolver import Resolver


@pytest.fixture(scope="module")
def resolver():
    return Resolver(bundled_reference_dir())


def test_variants_and_ocr_damage_reach_one_organisation(resolver):
    plain = resolver.organisation("Kaakkois-Suomen ammattikorkeakoulu")
    assert (plain.name, plain.business_id) == ("Kaakkois-Suomen Ammattikorkeakoulu Oy", "2472908-2")
    assert resolver.organisation("Xamk") == plain
    assert resolver.organisation("Kaakkois-Suomen  Ammattikorkeakoulu Oy") == plain
    ely = "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"
    assert resolver.organisation("Etela-Savon ELY-keskus").name == ely
    assert resolver.organisation(ely).name == ely


def test_regions_from_municipalities(resolver):
    assert resolver.region_of("MIKKELI").nuts3 == "FI1D1"
    assert resolver.region_of("Kemijärvi").name_fi == "Lappi"
    assert resolver.region_of("Atlantis") is None


def test_unknown_organisation_keeps_its_name(resolver):
    ref = resolver.organisation("  Jokin   yhdistys ry ")
    assert (ref.name, ref.business_id, ref.known) == ("Jokin yhdistys ry", None, False)


def test_target_group_labels_and_verified_links(resolver):
    assert resolver.target_group_label("Maahanmuuttajaperheet ") == "maahanmuuttajaperheet"
    assert resolver.target_group_label("NEET-nuoret") == "NEET-nuoret"
    links = resolver.target_group_links("itsenaisesti asuvat nuoret")
    assert [(l.kind, l.yso) for l in links] == [("broad", "http://www.yso.fi/onto/yso/p11617")]
    assert resolver.target_group_links("sosiaalisesti heikossa asemassa olevat") == []


def test_malformed_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "target-groups.yaml"
    bad.write_text("- label: nuoret\n  exact: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_target_group_links(bad)
    assert str(bad) in str(info.value) and info.value.line is not None


HEADER = "name,variants,business_id,type,municipality,wikidata,source\n"


@pytest.mark.parametrize(
    "row, message, line",
    [
        ("A,,2472908-3,,,,\n", "not a valid business ID", 2),  # check digit wrong
        ("A,,123,,,,\n", "not a valid business ID", 2),
        (",x,,,,,\n", "no name", 2),
        ("A,,,,,Q0x,\n", "QID", 2),
        ("Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus,,,,,,\n", "quote", 2),
    ],
)
def test_bad_organisation_rows_name_the_line(tmp_path, row, message, line):
    path = tmp_path / "organisations.csv"
    path.write_text(HEADER + row, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message) as info:
        load_organisations(path)
    assert info.value.line == line


def test_business_ids_are_validated_and_formatted(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_text(HEADER + "A,,24729082,,,,\n", encoding="utf-8")
    (org,) = load_organisations(path)
    assert org.business_id == "2472908-2"


def test_target_group_entry_needs_one_verified_yso_concept(tmp_path):
    path = tmp_path / "target-groups.yaml"
    path.write_text("- label: nuoret\n  exact: p1\n  broad: p2\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="exactly one"):
        load_target_group_links(path)
    path.write_text("- label: nuoret\n  exact: Q5\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="YSO"):
        load_target_group_links(path)


def test_yaml_is_read_safely(tmp_path):
    path = tmp_path / "target-groups.yaml"
    path.write_text("- !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError):
        load_target_group_links(path)


# --- curation ------------------------------------------------------------------------------

from hankekg.resolve.curation import load_curation  # noqa: E402


@pytest.mark.parametrize(
    "text, message",
    [
        ("- action: merge\n  reason: x\n", "action must be one of"),
        ("- action: same-organisation\n  names: [A, B]\n", "needs a reason"),
        ("- action: same-organisation\n  names: [A]\n  reason: r\n", "two or more"),
        ("- action: business-id\n  name: A\n  business_id: 2472908-3\n  reason: r\n", "valid business_id"),
        ("- action: keep-word\n  card: ../x.txt\n  word: w\n  reason: r\n", "not a path"),
        ("- action: keep-word\n  card: sub/x.txt\n  word: w\n  reason: r\n", "not a path"),
    ],
)
def test_bad_curation_decisions_are_refused(tmp_path, text, message):
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message) as info:
        load_curation(tmp_path)
    assert "c.yaml" in str(info.value)


def test_curation_reaches_the_resolver(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "- action: same-organisation\n  names: [Uusi nimi ry, Vanha nimi ry]\n  reason: renamed\n"
        "- action: business-id\n  name: Vanha nimi ry\n  business_id: '2551672-4'\n  reason: register\n"
        "- action: same-organisation\n  names: [XAMK-keskus, Xamk]\n  reason: short name\n"
        "- action: keep-word\n  card: S1.txt\n  word: Lintumaki\n  reason: spelt so\n", encoding="utf-8")
    curation = load_curation(tmp_path)
    resolver = Resolver(bundled_reference_dir(), curation)
    old = resolver.organisation("vanha nimi ry")
    assert (old.name, old.business_id) == ("Uusi nimi ry", "2551672-4")
    # a name merged into a gazetteer organisation joins that organisation
    assert resolver.organisation("XAMK-keskus").business_id == "2472908-2"
    assert curation.keep_for("S1.txt") == frozenset({"Lintumaki"})
    assert curation.keep_for("S2.txt") == frozenset()
