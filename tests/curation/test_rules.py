"""The bundle rules: each break is named, each setting is honoured."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from curation import CurationFilm, SlotRules, check_bundle
from curation.rules import bundle_language
from tests.curation.catalogs import film

DEFAULT = SlotRules()


def broken(
    films: Sequence[CurationFilm], rules: SlotRules = DEFAULT, facet: str = "subject"
) -> set[str]:
    return {v.rule for v in check_bundle(films, rules, facet)}


def test_a_good_bundle_breaks_nothing() -> None:
    assert check_bundle([film(1, 20), film(2, 22)], SlotRules()) == []


@pytest.mark.parametrize(
    ("minutes", "ok"),
    [((20, 20), False), ((20, 21), True), ((22, 22), True), ((22, 22.02), False)],
)
def test_runtime_must_fall_in_the_window_bounds_included(
    minutes: tuple[float, float], ok: bool
) -> None:
    films = [film(1, minutes[0]), film(2, minutes[1])]
    assert ("runtime_window" not in broken(films)) is ok


def test_the_interstitial_allowance_counts_against_the_window() -> None:
    films = [film(1, 21.75), film(2, 22)]  # 43:45 of content
    assert broken(films) == set()
    assert broken(films, SlotRules(interstitial_seconds=10)) == {"runtime_window"}


def test_default_windows_and_a_custom_one() -> None:
    assert SlotRules(slot_minutes=44).window == (41 * 60, 44 * 60)
    assert SlotRules(slot_minutes=22).window == (20 * 60, 22 * 60)
    assert SlotRules(slot_minutes=52).window == (49 * 60, 52 * 60)
    assert SlotRules(slot_minutes=90).window == (85 * 60, 90 * 60)
    assert SlotRules(slot_minutes=30).window == (28 * 60, 30 * 60)
    assert SlotRules(window_seconds=(100, 200)).window == (100, 200)


def test_film_count_bounds() -> None:
    assert broken([film(1, 42)]) == {"film_count"}
    assert broken([film(1, 42)], SlotRules(min_films=1)) == set()
    many = [film(i, 6) for i in range(7)]
    assert broken(many) == {"film_count"}


def test_regional_floor_counts_runtime_and_unknown_region_is_not_regional() -> None:
    montreal = film(1, 22, region_code="06")
    unknown = film(2, 22, region_code=None)
    gaspesie = film(3, 21, region_code="11")
    assert broken([montreal, gaspesie]) == {"regional_floor"}  # 21 of 43 min
    assert broken([unknown, gaspesie]) == {"regional_floor"}
    assert broken([film(4, 21, region_code="06"), film(5, 22)]) == set()  # exactly over half
    assert broken([montreal, gaspesie], SlotRules(regional_floor=0.4)) == set()


def test_only_quebec_regions_outside_montreal_count_by_default() -> None:
    rules = SlotRules()
    counted = {code for code in [f"{n:02d}" for n in range(1, 18)] + ["99", "42", "", None]}
    counted = {c for c in counted if rules.is_regional(film(1, region_code=c))}
    assert counted == {f"{n:02d}" for n in range(1, 18)} - {"06"}
    assert rules.regional_codes == tuple(sorted(counted))
    assert rules.regional_scope("fr") == "régions du Québec hors Montréal"
    assert rules.regional_scope("en") == "Québec regions outside Montréal"


def test_a_film_from_outside_quebec_does_not_count_unless_told_to() -> None:
    films = [film(1, 22, region_code="99"), film(2, 22, region_code="06")]
    (violation,) = check_bundle(films, SlotRules())
    assert violation.rule == "regional_floor" and violation.film_ids == (1, 2)
    assert violation.message_fr == (
        "0 % de la durée (0 film sur 2) vient des régions du Québec hors Montréal ; "
        "il en faut au moins 50 %"
    )
    assert "Québec regions outside Montréal" in violation.message_en
    counting = SlotRules(outside_quebec_counts=True)
    assert broken(films, counting) == set()
    assert counting.regional_codes[-1] == "99"
    assert counting.regional_scope("fr") == "régions du Québec hors Montréal ou hors Québec"
    assert counting.regional_scope("en") == "Québec regions outside Montréal or outside Québec"
    # The toggle's name is in the message of a bundle that still falls short.
    short = [film(1, 10, region_code="99"), film(2, 32, region_code="06")]
    (violation,) = check_bundle(short, counting)
    assert (
        "24 % de la durée (1 film sur 2) vient des régions du Québec hors Montréal ou hors "
        "Québec" in violation.message_fr
    )


def test_a_film_of_unknown_region_never_counts() -> None:
    for rules in (SlotRules(), SlotRules(outside_quebec_counts=True)):
        unknown = [film(1, 22, region_code=None), film(2, 21, region_code="")]
        assert not any(rules.is_regional(f) for f in unknown)
        assert broken(unknown, rules) == {"regional_floor"}
        assert broken(unknown, rules, "region") == {"regional_floor"}


def test_a_region_facet_bundle_may_be_all_one_region() -> None:
    films = [film(1, 22, region_code="06"), film(2, 22, region_code="06")]
    assert broken(films, facet="subject") == {"regional_floor"}
    assert broken(films, facet="region") == set()
    assert broken(films, SlotRules(region_facet_exempt=False), "region") == {"regional_floor"}
    mixed = [film(1, 22, region_code="06"), film(2, 21, region_code="13")]
    assert broken(mixed, facet="region") == {"regional_floor"}
    # "Outside Québec" is no region of Québec: a bundle of foreign films is not exempt.
    foreign = [film(1, 22, region_code="99"), film(2, 22, region_code="99")]
    assert broken(foreign, facet="region") == {"regional_floor"}


def test_min_regions_asks_for_a_theme_seen_from_several_regions() -> None:
    rules = SlotRules(min_regions=2)
    assert broken([film(1, 22), film(2, 22)], rules) == {"min_regions"}
    assert broken([film(1, 22), film(2, 22, region_code="01")], rules) == set()


def test_one_film_per_director_ignoring_case_and_accents() -> None:
    films = [film(1, 22, directors=("Denis Côté",)), film(2, 22, directors=("denis cote ",))]
    violations = check_bundle(films, SlotRules())
    assert [v.rule for v in violations] == ["one_film_per_director"]
    assert violations[0].film_ids == (1, 2)
    assert "Denis Côté" in violations[0].message_fr
    assert broken(films, SlotRules(one_film_per_director=False)) == set()


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        ("jeunesse", "famille", True),
        ("jeunesse", "general", False),
        ("jeunesse", "adulte", False),
        ("jeunesse", None, False),
        ("famille", "general", True),
        ("famille", "adulte", False),
        ("famille", None, False),
        ("general", "adulte", True),
        ("general", None, True),
        ("adulte", None, True),
        ("adulte", "adulte", True),
    ],
)
def test_audience_matrix(a: str | None, b: str | None, ok: bool) -> None:
    films = [film(1, 22, audience=a), film(2, 22, audience=b)]
    assert ("audience" not in broken(films)) is ok


def test_one_language_or_subtitles_in_it() -> None:
    fra = film(1, 22, languages=("fra",))
    eng = film(2, 22, languages=("eng",))
    eng_with_fr_subtitles = film(3, 22, languages=("eng",), subtitle_languages=("fra",))
    assert broken([fra, eng]) == {"language"}
    assert broken([fra, eng_with_fr_subtitles]) == set()
    assert bundle_language([fra, eng_with_fr_subtitles], SlotRules()) == "fra"
    assert broken([fra, eng], SlotRules(common_language=False)) == set()


def test_unknown_languages_fit_unless_the_rules_demand_them() -> None:
    films = [film(1, 22, languages=("iku",)), film(2, 22, languages=())]
    assert broken(films) == set()
    assert broken(films, SlotRules(unknown_language_ok=False)) == {"language"}


def test_films_without_runtime_and_duplicates_are_named() -> None:
    assert {"no_runtime", "runtime_window"} <= broken([film(1, None), film(2, 22)])
    assert "duplicate_film" in broken([film(1, 22), film(1, 22)])


def test_every_break_is_reported_at_once_in_both_languages() -> None:
    films = [
        film(1, 30, region_code="06", audience="jeunesse", directors=("A",)),
        film(2, 30, region_code="06", audience="adulte", directors=("A",), languages=("eng",)),
    ]
    violations = check_bundle(films, SlotRules())
    assert {v.rule for v in violations} == {
        "runtime_window",
        "regional_floor",
        "one_film_per_director",
        "audience",
        "language",
    }
    assert all(v.message_en and v.message_fr and v.film_ids for v in violations)


def test_rules_refuse_impossible_settings() -> None:
    with pytest.raises(ValueError):
        SlotRules(min_films=3, max_films=2)
    with pytest.raises(ValueError):
        SlotRules(regional_floor=1.5)
    with pytest.raises(ValueError):
        SlotRules(window_seconds=(100, 50))
