"""The indicators count by hand-made films, year by year, and never give a count under 5:
not the count itself, not its complement in the base, not a lone year a total would give back.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pycountry
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import indicators
from catalog.indicators import (
    INDIGENOUS_LANGUAGES,
    QUEBEC_INDIGENOUS_LANGUAGES,
    Cell,
    Facts,
    compute,
)
from catalog.models import Audience, Film, SelfIdentification, Status


def films(n: int, year: int | None, **fields: object) -> list[Facts]:
    return [Facts(year, **fields) for _ in range(n)]  # type: ignore[arg-type]


def cell(result: indicators.Indicators, name: str, year: int | None) -> Cell:
    series = result.series[name]
    return series.cells[result.years.index(year)]


# -- small cells ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("women", "men", "shown"),
    [(5, 5, True), (4, 5, False), (5, 4, False), (0, 12, False), (12, 0, False), (6, 7, True)],
)
def test_a_count_or_its_complement_under_5_is_suppressed(women: int, men: int, shown: bool) -> None:
    facts = films(women, 2020, director_gender="woman") + films(men, 2020, director_gender="man")
    result = compute(facts)
    found = cell(result, "women_directors", 2020)
    if shown:
        assert (found.count, found.base) == (women, women + men)
        assert found.share == pytest.approx(women / (women + men))
        assert found.change == 0.0  # the only year is the baseline
    else:
        assert found.suppressed and not found.empty
        assert (found.count, found.base, found.share, found.change) == (None, None, None, None)
    # The total is the same single year: suppressed alike.
    assert result.series["women_directors"].total.suppressed is not shown


def test_a_base_under_5_is_suppressed_and_an_empty_year_has_no_numbers() -> None:
    four = cell(compute(films(4, 2020, first_film=True)), "first_films", 2020)
    assert four.suppressed and (four.count, four.base, four.share) == (None, None, None)
    # Five films, all first films: the complement is 0, so nothing shows either.
    assert cell(compute(films(5, 2020, first_film=True)), "first_films", 2020).suppressed
    ten = films(5, 2020, first_film=True) + films(5, 2020, first_film=False)
    assert cell(compute(ten), "first_films", 2020).count == 5
    # Nobody answered: empty, no numbers, not "suppressed".
    nobody = cell(compute(films(7, 2020)), "first_films", 2020)
    assert nobody.empty and not nobody.suppressed and nobody.count is None and nobody.base is None


def test_a_lone_suppressed_year_beside_a_shown_total_takes_another_year_with_it() -> None:
    """2020: 5 women of 12; 2021: 4 of 10; 2022: 6 of 12 (1 non-binary), 2 who prefer not to
    say. By hand: total 15 women of 34, shown; 2021 is under 5, and alone it would be
    15 − 5 − 6 = 4: the smallest other year, 2020 (5), is suppressed with it."""
    facts = (
        films(5, 2020, director_gender="woman")
        + films(7, 2020, director_gender="man")
        + films(4, 2021, director_gender="woman")
        + films(6, 2021, director_gender="man")
        + films(6, 2022, director_gender="woman")
        + films(5, 2022, director_gender="man")
        + films(1, 2022, director_gender="non_binary")
        + films(2, 2022, director_gender="prefer_not")
    )
    result = compute(facts)
    series = result.series["women_directors"]
    assert result.years == [2020, 2021, 2022]
    assert [c.count for c in series.cells] == [None, None, 6]
    assert [c.base for c in series.cells] == [None, None, 12]  # "prefer not to say" is out
    assert series.cells[2].share == pytest.approx(6 / 12)
    assert (series.total.count, series.total.base) == (15, 34)
    assert series.total.share == pytest.approx(15 / 34)
    # What the shown numbers leave: 2020 and 2021 together, never one of them.
    assert series.total.count - 6 == 9 and series.total.base - 12 == 22


def test_two_suppressed_years_need_no_companion() -> None:
    facts = films(5, 2020, first_film=True) + films(5, 2020, first_film=False)
    one_more = facts + films(1, 2021, first_film=False)
    # Total 5 of 11, complement 6: shown; 2021 (0 of 1) alone would be given back.
    assert [c.count for c in compute(one_more).series["first_films"].cells] == [None, None]
    two_more = facts + films(2, 2021, first_film=True) + films(1, 2022, first_film=True)
    series = compute(two_more).series["first_films"]
    # Total 8 of 13, complement 5: shown; two years under 5 cannot be told apart.
    assert [c.count for c in series.cells] == [5, None, None]
    assert (series.total.count, series.total.base) == (8, 13)


# -- the indicators, by hand ------------------------------------------------------------


def hand_made() -> list[Facts]:
    """2019: 11 films; 2020: 15; 2021: 12; 3 films with no year (French, no audience)."""
    return (
        films(5, 2019, first_film=True, languages=("moe", "fra"), audience="jeunesse")
        + films(1, 2019, first_film=False, languages=("iku",), audience="general")
        + films(5, 2019, first_film=False, languages=("fra",), audience="adulte")
        + films(5, 2020, first_film=True, languages=("fra",), audience="jeunesse")
        + films(2, 2020, first_film=False, languages=("eng",), audience="jeunesse")
        + films(8, 2020, first_film=False, languages=("fra",), audience="famille")
        + films(6, 2021, first_film=True, languages=("atj",), audience="jeunesse")
        + films(5, 2021, first_film=False, languages=("fra",), audience="jeunesse")
        + films(1, 2021, languages=(), audience="jeunesse")
        + films(3, None, languages=("fra",))
    )


def test_each_indicator_per_year_against_the_baseline() -> None:
    result = compute(hand_made(), baseline=2019)
    assert result.years == [2019, 2020, 2021, None] and result.baseline == 2019
    # First films: 5 of 11, 5 of 15, 6 of 11 (one film did not answer); none without a year.
    first = result.series["first_films"]
    assert [(c.count, c.base) for c in first.cells] == [(5, 11), (5, 15), (6, 11), (None, None)]
    assert first.cells[3].empty
    assert [c.share for c in first.cells[:3]] == pytest.approx([5 / 11, 1 / 3, 6 / 11])
    assert first.cells[0].change == 0.0
    assert first.cells[1].change == pytest.approx(1 / 3 - 5 / 11)
    assert first.cells[2].change == pytest.approx(1 / 11)
    assert (first.total.count, first.total.base) == (16, 37)
    # Indigenous languages: 6 of 11 (Innu-aimun, Inuktitut), 0 of 15, 6 of 11 (Atikamekw; one
    # film names no language), 0 of 3: the two zeros are suppressed, so none goes with them.
    languages = result.series["indigenous_languages"]
    assert [(c.count, c.base) for c in languages.cells] == [
        (6, 11),
        (None, None),
        (6, 11),
        (None, None),
    ]
    assert languages.cells[1].suppressed and languages.cells[3].suppressed
    assert languages.cells[2].change == 0.0 and languages.cells[1].change is None
    assert (languages.total.count, languages.total.base) == (12, 40)
    # Youth: 5 of 11, 7 of 15, 12 of 12 (complement 0: suppressed), none without audience.
    # The total (24 of 38) is shown and 2021 alone is suppressed: 2019 (5) goes with it.
    youth = result.series["youth"]
    assert [(c.count, c.base) for c in youth.cells] == [
        (None, None),
        (7, 15),
        (None, None),
        (None, None),
    ]
    assert [c.suppressed for c in youth.cells] == [True, False, True, False]
    assert youth.cells[3].empty
    assert (youth.total.count, youth.total.base) == (24, 38)
    # The baseline year is suppressed: no change can be given.
    assert youth.cells[1].change is None
    # Nobody answered the other two questions: every cell empty, the total too.
    for name in ("women_directors", "indigenous_productions"):
        assert all(c.empty for c in result.series[name].cells)
        assert result.series[name].total.empty


def test_the_baseline_defaults_to_the_first_year() -> None:
    assert compute(hand_made()).baseline == 2019
    later = compute(hand_made(), baseline=2020)
    assert later.series["first_films"].cells[0].change == pytest.approx(5 / 11 - 1 / 3)
    assert compute(hand_made(), baseline=1990).series["first_films"].cells[0].change is None


# -- the Indigenous languages -----------------------------------------------------------


def test_indigenous_language_codes_are_iso_639_3_and_cover_the_eleven_nations() -> None:
    for code in INDIGENOUS_LANGUAGES:
        assert pycountry.languages.get(alpha_3=code) is not None, code
    source = Path(indicators.__file__).parent / "data" / "quebec_indigenous_communities.csv"
    with source.open(encoding="utf-8") as handle:
        nations = {row["nation"] for row in csv.DictReader(handle)}
    assert len(nations) == 11
    assert nations == set(QUEBEC_INDIGENOUS_LANGUAGES.values())
    # French and English never count.
    assert not {"fra", "eng", "fcs"} & INDIGENOUS_LANGUAGES


def test_the_catalog_reads_languages_as_the_indicator_codes() -> None:
    from catalog.fields import parse_language

    for name, code in [("innu-aimun", "moe"), ("inuktitut", "iku"), ("cri", "cre")]:
        assert parse_language(name) == code and code in INDIGENOUS_LANGUAGES
    assert parse_language("atikamekw") in INDIGENOUS_LANGUAGES
    assert parse_language("mohawk") in INDIGENOUS_LANGUAGES


# -- from the database -------------------------------------------------------------------


def test_the_database_is_read_in_one_pass_with_self_identification(engine: Engine) -> None:
    """Twelve films of 2022, ten with self-identification: 5 women and 5 men; 5 Indigenous
    productions of 10; 2 declined films that a status filter leaves out."""
    with Session(engine) as session:
        for i in range(12):
            film = Film(
                original_title=f"Film {i}",
                match_key=f"k{i}",
                year=2022,
                original_languages=["moe"] if i < 5 else ["fra"],
                audience=Audience.jeunesse if i < 6 else Audience.general,
                status=Status.declined if i >= 10 else Status.accepted,
                created_at=datetime(2024, 3, 1, tzinfo=UTC),
            )
            session.add(film)
            session.flush()
            if i < 10:
                session.add(
                    SelfIdentification(
                        film_id=film.id or 0,
                        director_gender="woman" if i % 2 else "man",
                        indigenous=i < 5,
                        nation="Pessamit" if i < 5 else None,
                        consent_at=datetime(2024, 3, 1, tzinfo=UTC),
                    )
                )
        session.commit()
        result = indicators.indicators(session)
        assert result.years == [2022]
        women = result.series["women_directors"].cells[0]
        assert (women.count, women.base, women.share) == (5, 10, 0.5)
        indigenous = result.series["indigenous_productions"].cells[0]
        assert (indigenous.count, indigenous.base) == (5, 10)
        # Five films in Innu-aimun of 12: complement 7, shown.
        assert result.series["indigenous_languages"].cells[0].count == 5
        youth = result.series["youth"].cells[0]
        assert (youth.count, youth.base) == (6, 12)
        # Accepted only: 10 films; 5 in Innu-aimun, 5 not; 6 for youth, so 4 not: suppressed.
        accepted = indicators.indicators(session, statuses=[Status.accepted])
        assert accepted.series["indigenous_languages"].cells[0].base == 10
        assert accepted.series["youth"].cells[0].suppressed
        # By the year the record was made.
        submitted = indicators.indicators(session, period="submission")
        assert submitted.years == [2024] and submitted.period == "submission"


def test_rows_name_each_cell_and_give_no_number_for_a_suppressed_one() -> None:
    found = indicators.rows(compute(hand_made(), baseline=2019))
    assert len(found) == len(indicators.INDICATORS) * 5  # 4 years and the total
    by_key = {(r["indicator"], r["year"]): r for r in found}
    assert by_key[("first_films", 2020)] == {
        "indicator": "first_films",
        "source": "self_identification",
        "year": 2020,
        "state": "shown",
        "count": 5,
        "base": 15,
        "share": 0.3333,
        "change": -0.1212,  # 1/3 − 5/11
    }
    youth_2019 = by_key[("youth", 2019)]
    assert youth_2019["state"] == "suppressed" and youth_2019["source"] == "catalog"
    assert (youth_2019["count"], youth_2019["base"], youth_2019["share"]) == (None, None, None)
    assert by_key[("youth", "unknown")]["state"] == "empty"
    assert by_key[("youth", "all")]["count"] == 24
    # No row anywhere holds a count or a base under 5.
    numbers = [r[k] for r in found for k in ("count", "base") if r[k] is not None]
    assert numbers and min(numbers) >= 5  # type: ignore[type-var]
