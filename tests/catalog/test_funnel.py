"""The funnel counts, per region, per group and in total, how many films (and how much
runtime) reach each stage from submission to interest, on SQLite and PostgreSQL; every
expected number below is counted by hand from the small catalog `world` builds."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import funnel, history, queries, sharing, users
from catalog.funnel import FunnelFilter, FunnelRow
from catalog.models import (
    Audience,
    Bundle,
    BundleItem,
    BundleStatus,
    Film,
    Form,
    ShareLink,
    Status,
    UserRole,
    Verdict,
    utcnow,
)
from tests.catalog.test_viewing_report import counted

MIN = 60  # the fixture's runtimes are whole minutes


@dataclass
class World:
    curator: int
    filmmaker: int


def _film(
    session: Session,
    title: str,
    region: str | None,
    minutes: int | None,
    *,
    status: Status = Status.accepted,
    owner: int | None = None,
    form: Form = Form.fiction,
    languages: tuple[str, ...] = ("fr",),
    year: int = 2020,
    audience: Audience = Audience.general,
) -> Film:
    film = Film(
        original_title=title,
        match_key=title.lower(),
        region_code=region,
        runtime_seconds=None if minutes is None else minutes * MIN,
        status=status,
        owner_id=owner,
        form=form,
        original_languages=list(languages),
        year=year,
        audience=audience,
    )
    session.add(film)
    session.flush()
    return film


def _submitted(session: Session, world: World, title: str, *args: object, **kw: object) -> Film:
    """As the submission form leaves a film: submitted, owned, its history begun."""
    kw.setdefault("owner", world.filmmaker)
    film = _film(session, title, *args, status=Status.submitted, **kw)  # type: ignore[arg-type]
    history.record_since(session, film, {}, world.filmmaker, "submission")
    return film


def _decide(session: Session, world: World, film: Film, status: Status) -> None:
    queries.set_status(session, film, status, None, user_id=world.curator)
    session.flush()


def _bundle(
    session: Session, films: list[Film], status: BundleStatus = BundleStatus.proposed
) -> int:
    bundle = Bundle(facet="subject", slot_minutes=60, label="B", status=status)
    bundle.items = [BundleItem(film_id=f.id or 0, position=i) for i, f in enumerate(films)]  # type: ignore[call-arg]
    session.add(bundle)
    session.flush()
    assert bundle.id is not None
    return bundle.id


def _share(session: Session, bundle_id: int, revoked: bool = False) -> int:
    share = ShareLink(
        bundle_id=bundle_id,
        recipient_name="Télé-Québec",
        expires_at=utcnow(),
        revoked_at=utcnow() if revoked else None,
    )
    session.add(share)
    session.flush()
    assert share.id is not None
    return share.id


@pytest.fixture
def world(engine: Engine) -> World:
    """Films in Montréal (06), Gaspésie (11), Bas-Saint-Laurent (01), outside Québec (99) and
    of unknown region; submitted, accepted, declined, archived and imported; bundles live and
    archived, shared or not, opened or not, with answers."""
    with Session(engine) as s:
        world = World(
            users.add_user(s, "c@x.test", "Curatrice", "h", UserRole.curator).id or 0,
            users.add_user(s, "f@x.test", "Cinéaste", "h", UserRole.filmmaker).id or 0,
        )
        # Montréal.
        m_sub_acc = _submitted(s, world, "M accepté", "06", 10)
        _decide(s, world, m_sub_acc, Status.accepted)
        # Submitted before the history was kept: only its owner tells.
        m_sub_dec = _film(s, "M refusé", "06", 20, status=Status.submitted, owner=world.filmmaker)
        _decide(s, world, m_sub_dec, Status.declined)
        m_imp = _film(s, "M importé", "06", 30, form=Form.documentary, languages=("en",), year=2018)
        _film(s, "M importé 2", "06", 40)
        _film(s, "M sans durée", "06", None)
        # Gaspésie.
        g_sub_acc = _submitted(s, world, "G accepté", "11", 12, year=2015)
        _decide(s, world, g_sub_acc, Status.accepted)
        # Its filmmaker's account gone: only the history tells it was submitted.
        _submitted(s, world, "G en attente", "11", 8, owner=None, audience=Audience.jeunesse)
        g_imp = _film(s, "G importé", "11", 25, form=Form.documentary)
        g_arch = _film(s, "G archivé", "11", 15)
        g_shared_arch = _film(s, "G partagé", "11", 11)
        # Bas-Saint-Laurent: accepted films, none proposed.
        b_sub_acc = _submitted(s, world, "B accepté", "01", 18, audience=Audience.jeunesse)
        _decide(s, world, b_sub_acc, Status.accepted)
        b_arch = _submitted(s, world, "B retiré", "01", 22, year=2015)
        _decide(s, world, b_arch, Status.accepted)
        _decide(s, world, b_arch, Status.archived)
        b_imp = _film(s, "B importé", "01", 7)
        # Outside Québec, and unknown.
        o1 = _film(s, "O un", "99", 50, languages=("en", "fr"))
        o2 = _film(s, "O deux", "99", 35, form=Form.documentary)
        u = _film(s, "Inconnu", None, 9)

        b1 = _bundle(s, [m_sub_acc, m_imp])  # shared, opened, interested as a whole
        s1 = _share(s, b1)
        sharing.record_event(s, b1, "opened", s1)
        sharing.answer(s, b1, Verdict.interested, "", share_id=s1)
        b2 = _bundle(s, [g_sub_acc], BundleStatus.locked)  # shared, never opened
        _share(s, b2)
        _bundle(s, [g_imp], BundleStatus.edited)  # proposed only
        _bundle(s, [g_arch, b_imp], BundleStatus.archived)  # an old proposal: not counted
        b5 = _bundle(s, [o1, o2, u])  # opened; o1 interested, o2 passed, the bundle passed
        s5 = _share(s, b5)
        sharing.record_event(s, b5, "opened", s5)
        sharing.answer(s, b5, Verdict.interested, "", film_id=o1.id, share_id=s5)
        sharing.answer(s, b5, Verdict.pass_, "", film_id=o2.id, share_id=s5)
        sharing.answer(s, b5, Verdict.pass_, "", share_id=s5)
        # Archived since, its link revoked and no opening recorded, but answered "maybe":
        # it was proposed, shared and opened all the same.
        b6 = _bundle(s, [g_shared_arch], BundleStatus.archived)
        s6 = _share(s, b6, revoked=True)
        sharing.answer(s, b6, Verdict.maybe, "", film_id=g_shared_arch.id, share_id=s6)
        s.commit()
    return world


def numbers(row: FunnelRow) -> dict[str, tuple[int, int]]:
    """Each stage's (films, runtime in minutes)."""
    return {s.stage: (s.films, s.runtime // MIN) for s in row.stages}


def rates(row: FunnelRow) -> dict[str, tuple[float | None, float | None]]:
    return {s.stage: (s.films_rate, s.runtime_rate) for s in row.stages}


def stages(*pairs: tuple[int, int]) -> dict[str, tuple[int, int]]:
    return dict(zip(funnel.STAGES, pairs, strict=True))


def observe(engine: Engine, filters: FunnelFilter | None = None) -> funnel.Funnel:
    with Session(engine) as session:
        return funnel.funnel(session, filters)


def test_each_region_counts_its_films_and_runtime_at_every_stage(
    engine: Engine, world: World
) -> None:
    with Session(engine) as session, counted(engine) as statements:
        seen = funnel.funnel(session)
    assert len(statements) == 2  # the regions' names, and one aggregate
    # submitted, accepted, catalog, proposed, shared, opened, interested
    assert numbers(seen.row("06")) == stages(
        (2, 30), (1, 10), (4, 80), (2, 40), (2, 40), (2, 40), (2, 40)
    )
    assert (seen.row("06").imported, seen.row("06").imported_runtime) == (3, 70 * MIN)
    assert numbers(seen.row("11")) == stages(
        (2, 20), (1, 12), (4, 63), (3, 48), (2, 23), (1, 11), (0, 0)
    )
    assert seen.row("11").imported == 3
    assert numbers(seen.row("01")) == stages(
        (2, 40), (2, 40), (2, 25), (0, 0), (0, 0), (0, 0), (0, 0)
    )
    assert (seen.row("01").imported, seen.row("01").imported_runtime) == (1, 7 * MIN)
    assert numbers(seen.row("99")) == stages(
        (0, 0), (0, 0), (2, 85), (2, 85), (2, 85), (2, 85), (1, 50)
    )
    assert numbers(seen.row("?")) == stages((0, 0), (0, 0), (1, 9), (1, 9), (1, 9), (1, 9), (0, 0))
    # Every region of the reference table has its row, at 0 when it has no film.
    assert numbers(seen.row("15")) == stages(*[(0, 0)] * 7)
    assert [r.key for r in seen.regions][-1] == "?"
    assert {"01", "06", "11", "17", "99"} <= {r.key for r in seen.regions}


def test_groups_are_montreal_the_other_quebec_regions_and_outside_or_unknown(
    engine: Engine, world: World
) -> None:
    seen = observe(engine)
    assert [g.key for g in seen.groups] == [
        "montreal",
        "quebec_outside_montreal",
        "outside_quebec_or_unknown",
    ]
    assert numbers(seen.row("montreal")) == numbers(seen.row("06"))
    assert numbers(seen.row("quebec_outside_montreal")) == stages(  # 11 and 01
        (4, 60), (3, 52), (6, 88), (3, 48), (2, 23), (1, 11), (0, 0)
    )
    assert seen.row("quebec_outside_montreal").imported == 4
    assert numbers(seen.row("outside_quebec_or_unknown")) == stages(  # 99 and unknown
        (0, 0), (0, 0), (3, 94), (3, 94), (3, 94), (3, 94), (1, 50)
    )
    assert numbers(seen.total) == stages(
        (6, 90), (4, 62), (13, 262), (8, 182), (7, 157), (6, 145), (3, 90)
    )
    assert (seen.total.imported, seen.total.imported_runtime) == (10, 222 * MIN)
    assert seen.row("15").group == "quebec_outside_montreal"
    assert seen.row("?").group == "outside_quebec_or_unknown"


def test_conversions_go_from_each_stage_to_the_next(engine: Engine, world: World) -> None:
    seen = observe(engine)
    assert rates(seen.total) == {
        "submitted": (None, None),
        "accepted": (4 / 6, 62 / 90),
        # Into the catalog: the accepted submissions still there (3 films, 40 min), not
        # the 10 imported films, out of the 4 accepted.
        "catalog": (3 / 4, 40 / 62),
        "proposed": (8 / 13, 182 / 262),
        "shared": (7 / 8, 157 / 182),
        "opened": (6 / 7, 145 / 157),
        "interested": (3 / 6, 90 / 145),
    }
    assert rates(seen.row("01")) == {
        "submitted": (None, None),
        "accepted": (1.0, 1.0),
        "catalog": (1 / 2, 18 / 40),  # the one archived since is no longer there
        "proposed": (0.0, 0.0),
        "shared": (None, None),  # nothing proposed: no rate, not 0
        "opened": (None, None),
        "interested": (None, None),
    }
    # Nothing submitted outside Québec: no rate into "accepted" nor into the catalog.
    assert rates(seen.row("99"))["accepted"] == (None, None)
    assert rates(seen.row("99"))["catalog"] == (None, None)
    assert rates(seen.row("99"))["interested"] == (1 / 2, 50 / 85)
    # Montréal's film of unknown runtime counts as a film and weighs nothing.
    assert rates(seen.row("06"))["proposed"] == (2 / 4, 40 / 80)


def test_a_region_accepted_but_never_proposed_stands_out(engine: Engine, world: World) -> None:
    seen = observe(engine)
    assert [r.key for r in seen.stalled] == ["01"]
    assert seen.row("01").stalled and seen.row("01").stalled_at == "proposed"
    assert {key: seen.row(key).stalled_at for key in ("06", "11", "99", "?", "15")} == {
        "06": None,  # reaches interest
        "11": "interested",
        "99": None,
        "?": "interested",
        "15": None,  # no film at all: nothing stops
    }
    assert not any(g.stalled for g in seen.groups) and not seen.total.stalled


def test_films_outside_quebec_or_of_unknown_region_never_flag_a_stalled_region() -> None:
    # Three films in the catalog, none proposed: where their films stop, said for every row.
    stages = tuple(
        funnel.StageCount(name, 3, 300) if name == "catalog" else funnel.StageCount(name, 0, 0)
        for name in funnel.STAGES
    )
    rows = {key: FunnelRow("region", key, stages) for key in ("01", "99", "?")}
    assert all(row.stalled_at == "proposed" for row in rows.values())
    assert rows["01"].stalled
    assert not rows["99"].stalled and not rows["?"].stalled


def test_the_filters_narrow_every_stage(engine: Engine, world: World) -> None:
    documentaries = observe(engine, FunnelFilter(form="documentary"))
    assert numbers(documentaries.row("06")) == stages((0, 0), (0, 0), *[(1, 30)] * 5)
    assert numbers(documentaries.row("11")) == stages(
        (0, 0), (0, 0), (1, 25), (1, 25), (0, 0), (0, 0), (0, 0)
    )
    assert documentaries.row("11").stalled_at == "shared"
    assert numbers(documentaries.row("99"))["interested"] == (0, 0)  # o2 passed
    assert numbers(documentaries.total)["catalog"] == (3, 90)

    english = observe(engine, FunnelFilter(language="en"))  # one of the film's languages
    assert numbers(english.total) == stages((0, 0), (0, 0), *[(2, 80)] * 5)
    assert numbers(english.row("99"))["catalog"] == (1, 50)

    youth = observe(engine, FunnelFilter(audience="jeunesse"))
    assert numbers(youth.row("11")) == stages((1, 8), *[(0, 0)] * 6)
    assert youth.row("11").stalled_at == "accepted"
    assert numbers(youth.row("01")) == stages((1, 18), (1, 18), (1, 18), *[(0, 0)] * 4)
    assert youth.row("01").stalled and rates(youth.row("01"))["catalog"] == (1.0, 1.0)
    assert youth.filters.audience == "jeunesse"

    of_2015 = observe(engine, FunnelFilter(year=2015))
    assert numbers(of_2015.row("11")) == stages(*[(1, 12)] * 5, (0, 0), (0, 0))
    assert of_2015.row("11").stalled_at == "opened"
    assert numbers(of_2015.row("01")) == stages((1, 22), (1, 22), *[(0, 0)] * 5)
    assert of_2015.row("01").stalled_at == "catalog" and not of_2015.row("01").stalled
    assert rates(of_2015.row("01"))["catalog"] == (0.0, 0.0)

    span = observe(engine, FunnelFilter(year_from=2015, year_to=2018))  # adds Montréal's 2018
    assert numbers(span.total)["catalog"] == (2, 42)
    assert numbers(span.row("06"))["interested"] == (1, 30)


def test_json_and_csv_carry_every_row_and_stage(engine: Engine, world: World) -> None:
    seen = observe(engine, FunnelFilter(form="fiction"))
    data = json.loads(json.dumps(seen.as_dict()))
    assert data["filters"]["form"] == "fiction"
    assert data["stages"] == list(funnel.STAGES)
    assert data["region_names"]["06"] == "Montréal"
    montreal = next(r for r in data["regions"] if r["key"] == "06")
    assert montreal["group"] == "montreal"
    assert montreal["stages"][1] == {
        "stage": "accepted",
        "films": 1,
        "runtime_seconds": 10 * MIN,
        "films_rate": 1 / 2,
        "runtime_rate": 10 / 30,
    }
    assert [r["key"] for r in data["regions"] if r["stalled"]] == ["01"]

    table = funnel.to_csv_rows(seen)
    text = io.StringIO()
    csv.writer(text).writerows(table)
    read = list(csv.DictReader(io.StringIO(text.getvalue())))
    rows = len(seen.regions) + len(seen.groups) + 1
    assert len(read) == rows * len(funnel.STAGES)
    line = next(r for r in read if r["key"] == "01" and r["stage"] == "proposed")
    assert (line["name"], line["films"], line["films_rate"]) == ("Bas-Saint-Laurent", "0", "0.0000")
    assert (line["stalled"], line["stalled_at"]) == ("1", "proposed")
    shared = next(r for r in read if r["key"] == "01" and r["stage"] == "shared")
    assert shared["films_rate"] == ""
