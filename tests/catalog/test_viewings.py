"""Plays against a link's view cap and the union of what a recipient watched, on SQLite and
PostgreSQL; the union's properties for any reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import viewings
from catalog.models import Bundle, BundleItem, Film, ShareLink, utcnow

seconds = st.floats(min_value=0, max_value=600, allow_nan=False)
ranges = st.lists(st.tuples(seconds, seconds).map(sorted), max_size=30)


def covers(merged: list[list[float]], t: float) -> bool:
    return any(a <= t <= b for a, b in merged)


@given(ranges)
def test_the_union_is_sorted_disjoint_and_covers_exactly_the_reports(
    reports: list[list[float]],
) -> None:
    merged = viewings.merge_ranges(reports)
    assert all(a < b for a, b in merged)
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))
    for a, b in reports:
        if b > a:
            assert covers(merged, a) and covers(merged, b) and covers(merged, (a + b) / 2)
    for a, _b in merged:  # no point covered that no report covered
        assert any(x <= a <= y for x, y in reports if y > x)
    assert viewings.covered_seconds(merged) <= sum(b - a for a, b in reports) + 1e-6


@given(ranges, ranges)
def test_merging_is_idempotent_and_order_free(
    first: list[list[float]], second: list[list[float]]
) -> None:
    both = viewings.merge_ranges([*first, *second])
    assert viewings.merge_ranges(both) == both
    assert viewings.merge_ranges([*second, *first]) == both
    assert viewings.merge_ranges([*viewings.merge_ranges(first), *second]) == both
    # Sending a report twice (a retried beacon) adds nothing.
    assert viewings.merge_ranges([*both, *first]) == both


@pytest.mark.parametrize(
    "raw",
    [
        "0-10",
        [[0, 10, 20]],
        [["0", "10"]],
        [[5, 2]],
        [[-1, 3]],
        [[0, float("nan")]],
        [[0, float("inf")]],
        [[True, 3]],
        [[0, 50]],  # past a 30-s clip
        [[0, 1]] * (viewings.MAX_RANGES + 1),
    ],
)
def test_a_bad_report_is_refused(raw: object) -> None:
    with pytest.raises(viewings.BadProgress):
        viewings.checked_ranges(raw, 30.0)


def test_a_report_just_past_the_end_is_clipped() -> None:
    assert viewings.checked_ranges([[0, 30.4], [2.5, 3]], 30.0) == [(0.0, 30.0), (2.5, 3.0)]


@pytest.fixture
def share(engine: Engine) -> ShareLink:
    with Session(engine) as session:
        film = Film(original_title="Le fleuve", match_key="le fleuve")
        session.add(film)
        session.flush()
        bundle = Bundle(facet="subject", slot_minutes=44, label="Rives")
        bundle.items = [BundleItem(film_id=film.id or 0, position=0)]  # type: ignore[call-arg]
        session.add(bundle)
        session.flush()
        row = ShareLink(
            bundle_id=bundle.id or 0,
            recipient_name="Julie",
            expires_at=utcnow() + timedelta(days=3),
            view_cap=2,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        session.expunge(row)
        return row


def film_of(engine: Engine, share: ShareLink) -> int:
    with Session(engine) as session:
        bundle = session.get(Bundle, share.bundle_id)
        assert bundle is not None
        return bundle.items[0].film_id


def test_plays_count_up_to_the_cap_then_are_refused(engine: Engine, share: ShareLink) -> None:
    film_id = film_of(engine, share)
    with Session(engine) as session:
        first = viewings.start_play(session, share, film_id, duration_seconds=30.0)
        session.commit()
        assert first.plays == 1 and first.first_played_at is not None
        viewings.start_play(session, share, film_id)
        session.commit()
        with pytest.raises(viewings.ViewCapReached) as refused:
            viewings.start_play(session, share, film_id)
        assert refused.value.cap == 2
        session.rollback()
        # The reel has its own count.
        reel = viewings.start_play(session, share, None)
        session.commit()
        assert reel.film_id is None and reel.plays == 1
    with Session(engine) as session:
        row = viewings.viewing_of(session, share.id or 0, film_id)
        assert row is not None and row.plays == 2 and row.duration_seconds == 30.0
        assert viewings.plays_left(share, row) == 0


def test_progress_keeps_the_union_of_played_ranges(engine: Engine, share: ShareLink) -> None:
    film_id = film_of(engine, share)
    with Session(engine) as session:
        with pytest.raises(viewings.NotPlaying):
            viewings.record_progress(session, share.id or 0, film_id, [[0, 5]])
        viewings.start_play(session, share, film_id, duration_seconds=30.0)
        viewings.record_progress(session, share.id or 0, film_id, [[0, 10]])
        viewings.record_progress(session, share.id or 0, film_id, [[0, 10], [20, 25]])
        # A replay of the start and a seek: nothing counted twice.
        row = viewings.record_progress(session, share.id or 0, film_id, [[5, 12], [24, 30.2]])
        session.commit()
        assert row.watched == [[0.0, 12.0], [20.0, 30.0]]
        assert row.watched_seconds == 22.0
        with pytest.raises(viewings.BadProgress):
            viewings.record_progress(session, share.id or 0, film_id, [[0, 90]])
