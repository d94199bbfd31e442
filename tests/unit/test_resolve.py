"""Names resolve to one organisation per real organisation; reference files are checked."""

import pytest

from hankekg.errors import ReferenceDataError
from hankekg.paths import bundled_reference_dir
from hankekg.resolve.reference import load_organisations, load_target_group_links
from hankekg.resolve.resolver import Resolver


@pytest.fixture(scope="module")
def resolver():
    return Resolver(bundled_reference_dir())


def test_alias_and_ocr_damage_reach_one_organisation(resolver):
    plain = resolver.organisation("Kaakkois-Suomen ammattikorkeakoulu")
    assert plain.business_id == "2472908-2"
    assert resolver.organisation("Xamk") == plain
    assert resolver.organisation("Kaakkois-Suomen  Ammattikorkeakoulu Oy") == plain
    assert resolver.organisation("Etela-Savon ELY-keskus").name == "Etelä-Savon ELY-keskus"


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
    bad = tmp_path / "organisations.yaml"
    bad.write_text("- name: A\n  business_id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_organisations(bad)
    assert str(bad) in str(info.value) and info.value.line is not None


@pytest.mark.parametrize(
    "text, message",
    [
        ("- name: A\n  business_id: 123\n", "not a business ID"),
        ("- aliases: [x]\n", "no name"),
        ("name: A\n", "list of mappings"),
    ],
)
def test_bad_organisation_entries(tmp_path, text, message):
    path = tmp_path / "organisations.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message):
        load_organisations(path)


def test_target_group_entry_needs_one_verified_yso_concept(tmp_path):
    path = tmp_path / "target-groups.yaml"
    path.write_text("- label: nuoret\n  exact: p1\n  broad: p2\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="exactly one"):
        load_target_group_links(path)
    path.write_text("- label: nuoret\n  exact: Q5\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="YSO"):
        load_target_group_links(path)


def test_yaml_is_read_safely(tmp_path):
    path = tmp_path / "organisations.yaml"
    path.write_text("- !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError):
        load_organisations(path)
