"""The package-level API: ``hankekg.query(name, **params)`` runs a catalogue query."""

from pathlib import Path

from rdflib import Literal

import hankekg

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "queries" / "catalogue.ttl"


def test_package_query_runs_a_catalogue_query_with_typed_parameters():
    everything = hankekg.query("funding-by-funder", graph=FIXTURE)
    assert everything.rows, "the fixture graph has funded projects"
    funders = {row["funder"] for row in everything.to_dicts()}
    one = next(iter(sorted(funders)))
    only = hankekg.query("funding-by-funder", graph=FIXTURE, funder=str(one))
    assert {row["funder"] for row in only.to_dicts()} == {one}


def test_a_hostile_string_parameter_matches_nothing():
    rows = hankekg.query("search", graph=FIXTURE, keyword='x" } ; DROP ALL ; #')
    assert rows.rows == ()
    assert hankekg.query("search", graph=FIXTURE, keyword="zzz-not-there").rows == ()
    assert Literal  # rdflib is importable beside the lazy API
