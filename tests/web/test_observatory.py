"""The observatory counts each stage's films by region, form, language and year (the page,
open to everyone, is tested in test_observatory_page.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog import observatory
from catalog.models import Answer, Bundle, BundleItem, Film, ShareLink, Verdict, utcnow
from tests.conftest import SAMPLES
from web.usecases import cataloguing

Login = Callable[[str], int]
QUEBEC_OUTSIDE_MONTREAL = [f"{n:02d}" for n in range(1, 18) if n != 6]


def by_region(engine: Engine) -> dict[str | None, tuple[int, int]]:
    """Accepted films and their runtime per region code, counted in plain SQL."""
    with engine.connect() as db:
        rows = db.execute(
            text(
                "SELECT region_code, count(*), sum(coalesce(runtime_seconds, 0)) FROM film "
                "WHERE status = 'accepted' GROUP BY region_code"
            )
        ).all()
    return {code: (int(n), int(seconds)) for code, n, seconds in rows}


def percent(share: float, lang: str = "fr") -> str:
    number = f"{100 * share:.1f}"
    return number.replace(".", ",") + " %" if lang == "fr" else number + "%"


def test_each_stage_is_counted(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        gaspesie = session.exec(select(Film).where(Film.region_code == "11")).all()
        montreal = session.exec(select(Film).where(Film.region_code == "06")).first()
        assert gaspesie and montreal
        bundle = Bundle(facet="region", slot_minutes=22, label="Gaspésie")
        bundle.items = [
            BundleItem(film_id=f.id, position=i) for i, f in enumerate([*gaspesie, montreal])
        ]  # type: ignore[call-arg]
        session.add(bundle)
        session.flush()
        session.add(ShareLink(bundle_id=bundle.id, recipient_name="x", expires_at=utcnow()))  # type: ignore[arg-type]
        session.add(Answer(bundle_id=bundle.id, film_id=gaspesie[0].id, verdict=Verdict.interested))  # type: ignore[arg-type]
        session.commit()
        stats = observatory.observe(session)
    counted = by_region(engine)
    assert stats["catalog"].films == sum(n for n, _ in counted.values())
    assert stats["bundles"].films == stats["shared"].films == len(gaspesie) + 1
    interest = {s.key: s.films for s in stats["interested"].by["region"]}
    assert interest == {"11": 1}
    split = {s.key: s.share_films for s in stats["bundles"].by["origin"]}
    assert split["montreal"] == 1 / (len(gaspesie) + 1)
    assert split["quebec_outside_montreal"] == len(gaspesie) / (len(gaspesie) + 1)
    assert split["outside_quebec"] == split["unknown"] == 0.0  # shown at 0, not left out
    assert sum(s.films for s in stats["catalog"].by["region"]) == stats["catalog"].films


def test_the_origins_are_quebec_regions_outside_montreal_montreal_outside_and_unknown(
    engine: Engine,
) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    counted = by_region(engine)
    with Session(engine) as session:
        origins = {s.key: s for s in observatory.observe(session)["catalog"].by["origin"]}
    assert list(origins) == list(observatory.ORIGINS)
    regional = [counted[c] for c in QUEBEC_OUTSIDE_MONTREAL if c in counted]
    assert origins["quebec_outside_montreal"].films == sum(n for n, _ in regional)
    assert origins["quebec_outside_montreal"].runtime == sum(s for _, s in regional)
    assert origins["montreal"].films == counted.get("06", (0, 0))[0]
    assert origins["outside_quebec"].films == counted.get("99", (0, 0))[0]
    assert origins["unknown"].films == counted.get(None, (0, 0))[0]
    # The sample catalog holds all four, so the test says something about each.
    assert all(origins[key].films > 0 for key in ("quebec_outside_montreal", "montreal"))
    assert origins["outside_quebec"].films > 0
