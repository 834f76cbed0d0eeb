"""The youth rule "all films within one age band": checked, packed and diagnosed alike."""

from __future__ import annotations

from curation import SlotRules, check_bundle, propose_bundles
from curation.rules import AGE_BAND, age_bands, common_age_band
from tests.curation.catalogs import film, one_group, same_vectors

YOUTH = SlotRules(slot_minutes=22, one_age_band=True)


def kid(id: int, low: int | None, high: int | None, minutes: float = 11) -> object:
    return film(id, minutes, audience="jeunesse", age_min=low, age_max=high)


def test_a_bundle_spanning_two_bands_breaks_the_rule_in_both_languages() -> None:
    preschool, older = kid(1, 3, 5), kid(2, 9, 12)
    (violation,) = check_bundle([preschool, older], YOUTH)  # type: ignore[list-item]
    assert violation.rule == AGE_BAND and violation.film_ids == (1, 2)
    assert "Film 1 (3–5)" in violation.message_fr and "tranche d'âge" in violation.message_fr
    assert "no age band" in violation.message_en
    # Off by default: the same films make a bundle under the ordinary rules.
    assert check_bundle([preschool, older], SlotRules(slot_minutes=22)) == []  # type: ignore[list-item]


def test_overlapping_ranges_share_a_band_and_a_film_without_ages_fits_none() -> None:
    assert check_bundle([kid(1, 6, 8), kid(2, 6, 10)], YOUTH) == []  # type: ignore[list-item]
    assert common_age_band([kid(1, 5, 8), kid(2, 3, 5)]) == (3, 5)  # type: ignore[list-item]
    assert age_bands(kid(3, 9, None)) == ((9, 12), (13, 17))  # type: ignore[arg-type]
    (violation,) = check_bundle([kid(1, 6, 8), kid(4, None, None)], YOUTH)  # type: ignore[list-item]
    assert violation.rule == AGE_BAND and "Film 4 (?)" in violation.message_fr


def test_proposals_under_the_rule_keep_each_bundle_in_one_band() -> None:
    films = [kid(1, 3, 5), kid(2, 9, 12), kid(3, 4, 5), kid(4, 10, 12)]
    films += [kid(5, None, None), kid(6, None, None)]
    proposal = propose_bundles(films, one_group(films), same_vectors(6), YOUTH)  # type: ignore[arg-type]
    assert sorted(sorted(b.film_ids) for b in proposal.bundles) == [[1, 3], [2, 4]]
    # The two films without ages could pair up but for the rule, which is named.
    assert [(u.film_id, u.reason) for u in proposal.unplaced] == [(5, AGE_BAND), (6, AGE_BAND)]
    assert "tranche d'âge" in proposal.unplaced[0].message_fr
    # Without the rule the same similar films pair up across bands.
    loose = propose_bundles(films, one_group(films), same_vectors(6), SlotRules(slot_minutes=22))  # type: ignore[arg-type]
    assert any(
        common_age_band([f for f in films if f.id in b.film_ids]) is None  # type: ignore[attr-defined, misc]
        for b in loose.bundles
    )
