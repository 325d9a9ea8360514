"""Neighbouring counties (the organisation file): either side may list a pair, unknown ones are
refused at start, and the shipped default knows every powiat of lubelskie's neighbours."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.organisation import load_organisation


def test_the_shipped_counties_all_have_neighbours_and_each_pair_goes_both_ways():
    org = load_organisation(None)
    for county in org.counties:
        near = org.neighbours_of(county.id)
        assert near, county.id
        assert all(county.id in org.neighbours_of(other) for other in near)
    assert org.neighbours_of("lublin") == {"lubelski", "swidnicki"}  # a city county: its ring and one more
    assert org.neighbours_of("zamosc") == {"zamojski"}
    assert "lublin" not in org.neighbours_of("zamojski")
    assert org.neighbours_of("nowhere") == frozenset()


def test_a_pair_listed_on_one_side_counts_both_ways():
    org = load_organisation(None)
    data = org.model_dump(mode="json")
    data["counties"] = [
        {"id": "a", "name": "A", "neighbours": ["b"]},
        {"id": "b", "name": "B"},
        {"id": "c", "name": "C"},
    ]
    two_sided = type(org).model_validate(data)
    assert two_sided.neighbours_of("b") == {"a"} and two_sided.neighbours_of("c") == frozenset()


@pytest.mark.parametrize(
    ("neighbours", "message"),
    [(["nowhere"], "unknown neighbour nowhere"), (["a"], "a is listed as its own neighbour")],
)
def test_a_wrong_neighbour_is_refused_with_its_name(neighbours, message):
    org = load_organisation(None)
    data = org.model_dump(mode="json")
    data["counties"] = [{"id": "a", "name": "A", "neighbours": neighbours}, {"id": "b", "name": "B"}]
    with pytest.raises(ValidationError, match=message):
        type(org).model_validate(data)
