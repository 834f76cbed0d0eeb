"""The viewing report's figures, read from real openings, viewings and answers, on SQLite
and PostgreSQL, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import sharing, users
from catalog.models import (
    Bundle,
    BundleItem,
    Film,
    PitchEvent,
    ShareLink,
    UserRole,
    Verdict,
    Viewing,
    utcnow,
)
from catalog.viewing_report import viewing_report

T0 = utcnow().replace(microsecond=0) - timedelta(days=2)


def make_bundle(
    session: Session, n_films: int = 3, titles: Sequence[str] = ()
) -> tuple[int, list[int]]:
    """A bundle "Regards croisés" of films (titled `titles`, else "Film 0"…), flushed; its id
    and its films' ids in order. The web and browser tests of the report use it too."""
    named = list(titles) or [f"Film {i}" for i in range(n_films)]
    films = [
        Film(original_title=t, match_key=t, runtime_seconds=600 + 60 * i)
        for i, t in enumerate(named)
    ]
    session.add_all(films)
    session.flush()
    bundle = Bundle(facet="subject", slot_minutes=44, label="Regards croisés")
    bundle.items = [BundleItem(film_id=f.id or 0, position=i) for i, f in enumerate(films)]  # type: ignore[call-arg]
    session.add(bundle)
    session.flush()
    assert bundle.id is not None
    return bundle.id, [f.id for f in films if f.id is not None]


def add_viewing(
    session: Session,
    share_id: int,
    bundle_id: int,
    film_id: int | None,
    plays: int,
    watched: float = 0.0,
    length: float | None = None,
) -> None:
    """What the player reports of one recipient and film (catalog/viewings.py writes these
    rows from the player; the report only reads them)."""
    session.add(
        Viewing(
            share_id=share_id,
            bundle_id=bundle_id,
            film_id=film_id,
            plays=plays,
            watched=[[0.0, watched]] if watched else [],
            watched_seconds=watched,
            duration_seconds=length,
            first_played_at=utcnow(),
            last_seen_at=utcnow(),
        )
    )


def make_share(session: Session, bundle_id: int, name: str, **fields: Any) -> int:
    share = ShareLink(
        bundle_id=bundle_id, recipient_name=name, expires_at=T0 + timedelta(days=30), **fields
    )
    share.created_at = T0 + timedelta(minutes=len(name))  # a stable order: shorter first
    session.add(share)
    session.flush()
    assert share.id is not None
    return share.id


def opened(session: Session, bundle_id: int, share_id: int | None, minutes: int, **kw: Any) -> None:
    session.add(
        PitchEvent(
            bundle_id=bundle_id,
            share_id=share_id,
            kind="opened",
            created_at=T0 + timedelta(minutes=minutes),
            **kw,
        )
    )


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_each_recipient_has_their_own_openings_plays_and_answers(engine: Engine) -> None:
    with Session(engine) as session:
        bundle_id, (a, b, c) = make_bundle(session)
        ana = make_share(session, bundle_id, "Ana")
        bruno = make_share(session, bundle_id, "Bruno")
        carla = make_share(session, bundle_id, "Carla1")
        opened(session, bundle_id, ana, 10)
        opened(session, bundle_id, ana, 600)
        opened(session, bundle_id, bruno, 20)
        session.add(
            Viewing(
                share_id=ana,
                bundle_id=bundle_id,
                film_id=a,
                plays=3,
                watched=[[0.0, 30.0], [40.0, 45.0]],
                watched_seconds=35.0,
                duration_seconds=70.0,
                first_played_at=T0 + timedelta(minutes=11),
                last_seen_at=T0 + timedelta(minutes=700),
            )
        )
        session.add(
            Viewing(
                share_id=bruno,
                bundle_id=bundle_id,
                film_id=b,
                plays=1,
                watched=[[0.0, 200.0]],
                watched_seconds=200.0,
                duration_seconds=100.0,  # more than the preview: never over 100 %
                first_played_at=T0 + timedelta(minutes=21),
                last_seen_at=T0 + timedelta(minutes=25),
            )
        )
        first = sharing.answer(session, bundle_id, Verdict.maybe, "", share_id=ana)
        first.created_at = T0 + timedelta(minutes=12)
        later = sharing.answer(
            session, bundle_id, Verdict.interested, "Pour l'automne", share_id=ana
        )
        later.created_at = T0 + timedelta(minutes=13)
        on_film = sharing.answer(
            session, bundle_id, Verdict.pass_, "Trop long", film_id=c, share_id=ana
        )
        on_film.created_at = T0 + timedelta(minutes=14)
        # A curator previewing the page is no recipient.
        curator = users.add_user(session, "c@x.test", "C", "h", UserRole.curator)
        opened(session, bundle_id, None, 5, user_id=curator.id)
        session.commit()

        report = viewing_report(session, bundle_id, [a, b, c])

    assert [r.share.recipient_name for r in report.recipients] == ["Ana", "Bruno", "Carla1"]
    ana_r, bruno_r, carla_r = report.recipients
    assert ana_r.openings == 2
    assert ana_r.first_opened_at == T0 + timedelta(minutes=10)
    assert ana_r.last_opened_at == T0 + timedelta(minutes=600)
    assert ana_r.film(a).plays == 3 and ana_r.film(a).watched_seconds == 35.0
    assert ana_r.film(a).watched_share == 0.5
    assert ana_r.film(b).plays == 0 and ana_r.film(b).watched_share is None
    assert ana_r.last_seen_at == T0 + timedelta(minutes=700)
    assert ana_r.bundle_answer is not None
    assert (ana_r.bundle_answer.verdict, ana_r.bundle_answer.comment) == (
        Verdict.interested,
        "Pour l'automne",
    )
    assert ana_r.film(c).verdict == Verdict.pass_ and ana_r.film(c).comment == "Trop long"
    assert ana_r.film(a).verdict is None
    assert bruno_r.film(b).watched_share == 1.0 and bruno_r.plays == 1
    assert bruno_r.last_seen_at == T0 + timedelta(minutes=25)
    assert (
        carla_r.share.id == carla
        and not carla_r.opened
        and carla_r.last_seen_at is None
        and carla_r.plays == 0
    )
    assert [r.share.recipient_name for r in report.never_opened] == ["Carla1"]
    assert [r.share.recipient_name for r in report.opened_unanswered] == ["Bruno"]
    assert not report.reel_played


def test_a_broadcaster_account_and_plays_before_viewings_count_for_their_link(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        bundle_id, (a, b) = make_bundle(session, 2)
        account = users.add_user(session, "b@x.test", "Diffuseur", "h", UserRole.broadcaster)
        dora = make_share(session, bundle_id, "Dora", broadcaster_id=account.id)
        # From the inbox: no link in the session, the account's id on each event.
        opened(session, bundle_id, None, 30, user_id=account.id)
        for kind, film in (("played_preview", b), ("played_preview", b), ("played_reel", None)):
            session.add(
                PitchEvent(
                    bundle_id=bundle_id,
                    user_id=account.id,
                    kind=kind,
                    film_id=film,
                    created_at=T0 + timedelta(minutes=31),
                )
            )
        sharing.answer(session, bundle_id, Verdict.maybe, "", film_id=a, user_id=account.id)
        session.commit()

        report = viewing_report(session, bundle_id, [a, b])

    (dora_r,) = report.recipients
    assert dora_r.share.id == dora and dora_r.opened and dora_r.answered
    assert dora_r.film(b).plays == 2 and dora_r.film(None).plays == 1
    assert dora_r.film(b).watched_share is None  # no player report: how much is unknown
    assert report.reel_played
    assert report.never_opened == [] and report.opened_unanswered == []


def test_the_report_takes_the_same_few_queries_for_one_recipient_or_twenty(
    engine: Engine,
) -> None:
    sizes = []
    for recipients in (1, 20):
        with Session(engine) as session:
            bundle_id, films = make_bundle(session, 5)
            for i in range(recipients):
                share_id = make_share(session, bundle_id, f"R{i}")
                opened(session, bundle_id, share_id, i)
                for film in films:
                    add_viewing(session, share_id, bundle_id, film, plays=1)
                    sharing.answer(session, bundle_id, Verdict.maybe, "", film, share_id=share_id)
            session.commit()
            with counted(engine) as statements:
                report = viewing_report(session, bundle_id, films)
                assert all(r.plays == 5 and r.answered for r in report.recipients)
            sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 4
