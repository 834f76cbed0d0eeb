"""Where a film comes from, as the observatory counts it (its stages are tested in
tests/catalog/test_funnel.py; the page, open to everyone, in test_observatory_page.py)."""

from __future__ import annotations

from catalog import observatory

QUEBEC_OUTSIDE_MONTREAL = [f"{n:02d}" for n in range(1, 18) if n != 6]


def test_the_origins_are_quebec_regions_outside_montreal_montreal_outside_and_unknown() -> None:
    assert observatory.ORIGINS[0] == observatory.QUEBEC_OUTSIDE_MONTREAL  # the floor's own
    assert {observatory.origin(code) for code in QUEBEC_OUTSIDE_MONTREAL} == {
        "quebec_outside_montreal"
    }
    assert observatory.origin("06") == "montreal"
    assert observatory.origin("99") == "outside_quebec"
    assert observatory.origin(None) == observatory.origin("18") == "unknown"
    assert {observatory.origin(c) for c in [*QUEBEC_OUTSIDE_MONTREAL, "06", "99", None]} == set(
        observatory.ORIGINS
    )
