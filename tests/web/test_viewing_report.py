"""The curators' viewing report: what each recipient opened, played and answered, the lists
of those to remind, the reminders (with a real SMTP server and without one) and the CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import viewings
from catalog.models import ShareLink, utcnow
from tests.catalog.test_viewing_report import make_bundle
from tests.mailserver import Inbox, body, mail_server  # noqa: F401  (the fixture)
from web.access import link_token

Login = Callable[[str], int]


@pytest.fixture
def bundle(engine: Engine) -> tuple[int, list[int]]:
    """A bundle of two films (the bundle's id, the films' ids in its order)."""
    with Session(engine) as session:
        made = make_bundle(session, titles=("Les grands vents", "Rivière-aux-Rats"))
        session.commit()
        return made


def add_share(engine: Engine, bundle_id: int, name: str, email: str = "", **fields: object) -> int:
    with Session(engine) as session:
        share = ShareLink(
            bundle_id=bundle_id,
            recipient_name=name,
            recipient_email=email,
            expires_at=utcnow() + timedelta(days=14),
        )
        for key, value in fields.items():
            setattr(share, key, value)
        session.add(share)
        session.commit()
        assert share.id is not None
        return share.id


def link(app: Flask, share_id: int) -> str:
    with app.test_request_context():
        return f"http://localhost/pitch/lien/{link_token(share_id)}"


def open_and_answer(app: Flask, bundle_id: int, share_id: int, **answer: str) -> FlaskClient:
    """The recipient opens their link (a fresh browser) and, if given, answers."""
    viewer = app.test_client()
    assert viewer.get(link(app, share_id)).status_code == 200
    if answer:
        given = viewer.post(f"/pitch/anthologies/{bundle_id}/reponse", data=answer)
        assert given.status_code == 200
    return viewer


def played(
    engine: Engine,
    bundle_id: int,
    share_id: int,
    film_id: int,
    plays: int,
    watched: float,
    length: float,
) -> None:
    """The player's reports, through catalog.viewings: `plays` plays of a `length`-second
    preview, then the first `watched` seconds reported in two overlapping ranges (seen once)."""
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        assert share is not None
        for _ in range(plays):
            viewings.start_play(session, share, film_id, duration_seconds=length)
        half = watched * 0.6
        viewings.record_progress(session, share_id, film_id, [[0.0, half], [half / 2, watched]])
        session.commit()


def section(page: str, element_id: str) -> str:
    """The text of the element with this id, up to the next element of the same kind."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = page[tag + 1 : start].split()[0]
    return page[start : page.index(f"</{name}>", start)]


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_report_says_who_opened_played_and_answered(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, bundle: tuple[int, list[int]]
) -> None:
    bundle_id, (first, second) = bundle
    ana = add_share(
        engine, bundle_id, "Ana Tremblay", "ana@tele.test", recipient_organisation="Télé-Nord"
    )
    bruno = add_share(engine, bundle_id, "Bruno", "bruno@tele.test")
    carla = add_share(engine, bundle_id, "Carla", "carla@tele.test")
    open_and_answer(app, bundle_id, ana, verdict="interested", comment="Pour l'automne")
    viewer = open_and_answer(app, bundle_id, ana)  # a second opening, from another browser
    viewer.post(
        f"/pitch/anthologies/{bundle_id}/reponse",
        data={"verdict": "pass", "comment": "Trop long", "film_id": str(second)},
    )
    open_and_answer(app, bundle_id, bruno)
    played(engine, bundle_id, ana, first, plays=2, watched=35.0, length=70.0)
    played(engine, bundle_id, bruno, second, plays=1, watched=30.0, length=120.0)

    login("curator")
    page = client.get(f"/pitch/anthologies/{bundle_id}/rapport")
    assert page.status_code == 200
    body_html = page.get_data(as_text=True)
    ana_row = text(section(body_html, f"destinataire-{ana}"))
    assert "Ana Tremblay" in ana_row and "Télé-Nord" in ana_row
    assert "2 fois" in ana_row  # opened twice
    assert "2 lectures" in ana_row and "0:35 vues sur 1:10 (50 %)" in ana_row
    assert "Intéressé « Pour l'automne »" in ana_row and "On passe « Trop long »" in ana_row
    assert "On passe" in ana_row and "Trop long" in ana_row
    bruno_row = text(section(body_html, f"destinataire-{bruno}"))
    assert "1 lecture" in bruno_row and "0:30 vues sur 2:00 (25 %)" in bruno_row
    assert "pas de réponse" in bruno_row
    carla_row = text(section(body_html, f"destinataire-{carla}"))
    assert "jamais" in carla_row and "pas lu" in carla_row
    never = text(section(body_html, "jamais-ouvert"))
    unanswered = text(section(body_html, "sans-reponse"))
    assert "Carla" in never and "Bruno" not in never and "Ana" not in never
    assert "Bruno" in unanswered and "Carla" not in unanswered and "Ana" not in unanswered
    assert "1 a répondu" in text(body_html) and "2 ont ouvert la page" in text(body_html)


def test_the_csv_has_a_row_per_recipient_and_film_with_safe_cells(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, bundle: tuple[int, list[int]]
) -> None:
    bundle_id, (first, _second) = bundle
    ana = add_share(engine, bundle_id, '=HYPERLINK("http://x.test")', "ana@tele.test")
    add_share(engine, bundle_id, "Bruno, « Radio-Est »")
    open_and_answer(app, bundle_id, ana, verdict="maybe", comment='-2+3 "à voir"\nsur deux lignes')
    played(engine, bundle_id, ana, first, plays=3, watched=45.0, length=60.0)
    login("curator")
    response = client.get(f"/pitch/anthologies/{bundle_id}/rapport.csv")
    assert response.status_code == 200
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2 * 3  # two recipients × (the bundle + two films)
    ana_rows = [r for r in rows if r["email"] == "ana@tele.test"]
    assert ana_rows[0]["recipient"] == '\'=HYPERLINK("http://x.test")'
    bundle_row, first_row, second_row = ana_rows
    assert bundle_row["film"] == "(bundle)" and bundle_row["verdict"] == "maybe"
    assert bundle_row["comment"] == '\'-2+3 "à voir"\nsur deux lignes'
    assert (
        bundle_row["plays"] == "3"
        and bundle_row["openings"] == "1"
        and bundle_row["link"] == "live"
    )
    assert (first_row["film_id"], first_row["film_position"]) == (str(first), "1")
    assert (first_row["plays"], first_row["watched_seconds"], first_row["preview_seconds"]) == (
        "3",
        "45",
        "60",
    )
    assert first_row["watched_percent"] == "75" and first_row["film"] == "Les grands vents"
    assert second_row["plays"] == "0" and second_row["watched_percent"] == ""
    assert first_row["first_opened_at"][:4] == str(utcnow().year)
    bruno_rows = [r for r in rows if r["recipient"] == "Bruno, « Radio-Est »"]
    assert len(bruno_rows) == 3 and all(r["first_opened_at"] == "" for r in bruno_rows)


@pytest.mark.parametrize(
    "path",
    ["/pitch/anthologies/{id}/rapport", "/pitch/anthologies/{id}/rapport.csv"],
)
def test_only_curators_read_the_report(
    app: Flask,
    client: FlaskClient,
    engine: Engine,
    login: Login,
    bundle: tuple[int, list[int]],
    path: str,
) -> None:
    bundle_id, _films = bundle
    share_id = add_share(engine, bundle_id, "Ana", "ana@tele.test")
    url = path.format(id=bundle_id)
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    # A recipient holding the link has the pitch, not the report.
    holder = open_and_answer(app, bundle_id, share_id)
    assert holder.get(url).status_code == 302
    for role in ("broadcaster", "filmmaker"):
        login(role)
        assert client.get(url).status_code == 403
    login("admin")
    assert client.get(url).status_code == 200
    login("curator")
    assert client.get(url).status_code == 200
    assert client.get(path.format(id=bundle_id + 999)).status_code == 404


def test_only_curators_remind(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, bundle: tuple[int, list[int]]
) -> None:
    bundle_id, _films = bundle
    share_id = add_share(engine, bundle_id, "Ana", "ana@tele.test")
    url = f"/pitch/anthologies/{bundle_id}/rapport/relancer"
    holder = open_and_answer(app, bundle_id, share_id)
    assert holder.post(url, data={"share_id": share_id}).status_code == 302
    for role in ("broadcaster", "filmmaker"):
        login(role)
        assert client.post(url, data={"share_id": share_id}).status_code == 403
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        assert share is not None and share.reminded_at is None
    login("curator")
    assert client.post(url, data={"share_id": 999_999}).status_code == 400
    assert client.post(url, data={"group": "everyone"}).status_code == 400


def test_without_a_mail_server_a_reminder_gives_the_link_to_send_by_hand(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, bundle: tuple[int, list[int]]
) -> None:
    bundle_id, _films = bundle
    ana = add_share(engine, bundle_id, "Ana", "ana@tele.test")
    login("curator")
    page = client.get(f"/pitch/anthologies/{bundle_id}/rapport").get_data(as_text=True)
    assert "Aucun serveur de courriel n'est configuré" in text(page)
    answer = client.post(f"/pitch/anthologies/{bundle_id}/rapport/relancer", data={"share_id": ana})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    reminders = text(section(page, "relances"))
    assert "envoyez le lien à la main à Ana" in reminders
    assert f'value="{link(app, ana)}"' in page
    with Session(engine) as session:
        share = session.get(ShareLink, ana)
        assert share is not None and share.reminded_at is not None
    assert "relancé·e le" in text(section(page, "jamais-ouvert"))
    # Shown once: the next visit no longer repeats it.
    assert 'id="relances"' not in client.get(f"/pitch/anthologies/{bundle_id}/rapport").get_data(
        as_text=True
    )


def test_reminders_reach_the_mail_server_and_a_refusal_is_said(
    app: Flask,
    client: FlaskClient,
    engine: Engine,
    login: Login,
    bundle: tuple[int, list[int]],
    mail_server: Inbox,  # noqa: F811
) -> None:
    app.config.update(mail_server.config)
    mail_server.refused.add("nobody@tele.test")
    bundle_id, _films = bundle
    ana = add_share(engine, bundle_id, "Ana", "ana@tele.test")
    bruno = add_share(engine, bundle_id, "Bruno", "bruno@tele.test", recipient_language="en")
    nobody = add_share(engine, bundle_id, "Personne", "nobody@tele.test")
    no_address = add_share(engine, bundle_id, "Sans adresse")
    expired = add_share(
        engine, bundle_id, "Expirée", "old@tele.test", expires_at=utcnow() - timedelta(days=1)
    )
    answered = add_share(engine, bundle_id, "Déjà répondu", "done@tele.test")
    open_and_answer(app, bundle_id, answered, verdict="interested", comment="")
    login("curator")
    page = client.get(f"/pitch/anthologies/{bundle_id}/rapport").get_data(as_text=True)
    never = section(page, "jamais-ouvert")
    assert "Relancer tous (4)" in never  # the expired link is listed, not reminded
    assert f'name="share_id" value="{expired}"' not in never
    answer = client.post(
        f"/pitch/anthologies/{bundle_id}/rapport/relancer", data={"group": "never_opened"}
    )
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    reminders = text(section(page, "relances"))

    [to_ana] = mail_server.to("ana@tele.test")
    [to_bruno] = mail_server.to("bruno@tele.test")
    assert link(app, ana) in body(to_ana, "plain") and "Rappel" in str(to_ana["Subject"])
    assert link(app, bruno) in body(to_bruno, "plain") and to_bruno["Content-Language"] == "en"
    assert mail_server.to("nobody@tele.test") == [] and mail_server.to("old@tele.test") == []
    assert len(mail_server.messages) == 2
    assert "Relance envoyée à Ana (ana@tele.test)" in reminders
    assert (
        "La relance de Personne n'est pas partie" in reminders and "nobody@tele.test" in reminders
    )
    assert "Pas d'adresse courriel pour Sans adresse" in reminders
    assert f'value="{link(app, no_address)}"' in page
    assert "Expirée n'a pas été relancé·e" in reminders
    with Session(engine) as session:
        reminded = {
            s.recipient_name: s.reminded_at is not None
            for s in (session.get(ShareLink, i) for i in (ana, bruno, nobody, no_address, expired))
            if s is not None
        }
    assert reminded == {
        "Ana": True,
        "Bruno": True,
        "Personne": False,
        "Sans adresse": True,
        "Expirée": False,
    }


def test_the_share_page_and_the_workbench_lead_to_the_report(
    client: FlaskClient, login: Login, bundle: tuple[int, list[int]]
) -> None:
    bundle_id, _films = bundle
    login("curator")
    target = f'href="/pitch/anthologies/{bundle_id}/rapport"'
    assert target in client.get(f"/pitch/anthologies/{bundle_id}/partages").get_data(as_text=True)
    assert target in client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)


def test_a_reminder_needs_the_forms_csrf_token(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, bundle: tuple[int, list[int]]
) -> None:
    bundle_id, _films = bundle
    ana = add_share(engine, bundle_id, "Ana", "ana@tele.test")
    login("curator")
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/pitch/anthologies/{bundle_id}/rapport/relancer"
    assert client.post(url, data={"share_id": ana}).status_code == 400
    with Session(engine) as session:
        share = session.get(ShareLink, ana)
        assert share is not None and share.reminded_at is None
    page = client.get(f"/pitch/anthologies/{bundle_id}/rapport").get_data(as_text=True)
    token = section(page, f"suivi-{ana}").split('name="csrf_token" value="', 1)[1].split('"')[0]
    assert client.post(url, data={"share_id": ana, "csrf_token": token}).status_code == 302
