"""The pitch room: who may open a bundle, private links, answers, activity and media streams."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Answer, Bundle, BundleItem, Film, MediaAsset, PitchEvent, utcnow
from tests.conftest import SAMPLES
from web.usecases import cataloguing

Login = Callable[[str], int]


@pytest.fixture
def bundle_id(app: Flask, engine: Engine) -> int:
    """A bundle of three demo films, the first with a preview file on disk."""
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    media_root = Path(app.config["MEDIA_ROOT"])
    (media_root / "previews").mkdir(parents=True)
    (media_root / "previews" / "a.mp4").write_bytes(bytes(range(256)) * 40)
    with Session(engine) as session:
        films = session.exec(
            select(Film).where(Film.runtime_seconds != None).order_by(Film.id).limit(3)  # noqa: E711
        ).all()
        bundle = Bundle(facet="subject", slot_minutes=44, label="Regards croisés")
        bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(films)]  # type: ignore[call-arg]
        session.add(bundle)
        session.add(
            MediaAsset(
                film_id=films[0].id,  # type: ignore[arg-type]
                path="originals/a.webm",
                size_bytes=1,
                sha256="0" * 64,
                preview_path="previews/a.mp4",
            )
        )
        session.commit()
        assert bundle.id is not None
        return bundle.id


def share(client: FlaskClient, bundle_id: int, **form: str) -> str:
    page = client.post(f"/pitch/anthologies/{bundle_id}/partages", data=form)
    html = page.get_data(as_text=True)
    return html.split('id="created-link"', 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]


def test_a_private_link_opens_without_an_account(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    link = share(client, bundle_id, recipient_name="Julie, Télé-Québec")
    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Regards croisés" in html and "Déroulé de la case" in html
    assert "proximité" not in html and "Régions du Québec hors Montréal" not in html
    answer = anonymous.post(
        f"/pitch/anthologies/{bundle_id}/reponse",
        data={"verdict": "interested", "comment": "Pour l'automne"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert 'id="answer-bundle"' in answer.get_data(as_text=True)
    with Session(engine) as session:
        given = session.exec(select(Answer)).one()
        assert (given.verdict.value, given.comment) == ("interested", "Pour l'automne")
        assert session.exec(select(PitchEvent.kind)).all() == ["opened"]
    activity = client.get(f"/pitch/anthologies/{bundle_id}/partages").get_data(as_text=True)
    assert "Julie, Télé-Québec" in activity and "Pour l&#39;automne" in activity


def test_a_revoked_or_expired_link_is_refused(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    link = share(client, bundle_id, recipient_name="Julie")
    with Session(engine) as session:
        from catalog.models import ShareLink

        share_row = session.exec(select(ShareLink)).one()
        share_id = share_row.id
    viewer = app.test_client()
    assert viewer.get(link).status_code == 200
    client.post(f"/pitch/partages/{share_id}/revoquer")
    assert viewer.get(link).status_code == 410
    # The session the link opened loses the bundle too, and is told why.
    page = viewer.get(f"/pitch/anthologies/{bundle_id}")
    assert page.status_code == 410 and "Ce lien a été retiré" in page.get_data(as_text=True)
    refused = viewer.post(f"/pitch/anthologies/{bundle_id}/reponse", data={"verdict": "pass"})
    assert refused.status_code == 404
    second = share(client, bundle_id, recipient_name="Marc")
    with Session(engine) as session:
        from catalog.models import ShareLink

        newest = session.exec(select(ShareLink).where(ShareLink.recipient_name == "Marc")).one()
        newest.expires_at = utcnow() - timedelta(minutes=1)
        session.add(newest)
        session.commit()
    assert app.test_client().get(second).status_code == 410


def test_a_forged_link_is_refused(app: Flask, bundle_id: int) -> None:
    client = app.test_client()
    assert client.get("/pitch/lien/eyJzaGFyZSI6MX0.forged").status_code == 404
    assert client.get(f"/pitch/anthologies/{bundle_id}").status_code == 404


def test_a_broadcaster_sees_only_what_was_shared_with_them(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, make_user: Callable[..., int]
) -> None:
    broadcaster = make_user("broadcaster")
    login("curator")
    share(client, bundle_id, broadcaster_id=str(broadcaster), recipient_name="")
    other = app.test_client()
    stranger = make_user("broadcaster")
    with other.session_transaction() as session:
        session["user_id"] = stranger
    assert other.get(f"/pitch/anthologies/{bundle_id}").status_code == 404
    assert "Regards croisés" not in other.get("/pitch/").get_data(as_text=True)
    invited = app.test_client()
    with invited.session_transaction() as session:
        session["user_id"] = broadcaster
    assert "Regards croisés" in invited.get("/pitch/").get_data(as_text=True)
    assert invited.get(f"/pitch/anthologies/{bundle_id}").status_code == 200
    assert (
        invited.post(
            f"/pitch/anthologies/{bundle_id}/reponse", data={"verdict": "pass"}
        ).status_code
        == 200
    )


def test_clean_previews_stream_with_range_only_to_curators(
    app: Flask,
    client: FlaskClient,
    bundle_id: int,
    login: Login,
    engine: Engine,
    make_user: Callable[..., int],
) -> None:
    with Session(engine) as session:
        asset_id = session.exec(select(MediaAsset.id)).one()
    url = f"/media/{asset_id}/preview"
    assert app.test_client().get(url).status_code == 404
    login("curator")
    link = share(client, bundle_id, recipient_name="Julie")
    viewer = app.test_client()
    viewer.get(link)
    # A link holder plays their watermarked copy through a ticket (tests/web/test_playback.py),
    # never the clean preview.
    assert viewer.get(url).status_code == 404
    partial = client.get(url, headers={"Range": "bytes=100-199"})
    assert partial.status_code == 206
    assert partial.data == (bytes(range(256)) * 40)[100:200]
    assert partial.headers["Content-Range"] == f"bytes 100-199/{256 * 40}"
    filmmaker = app.test_client()  # one who does not own the film
    with filmmaker.session_transaction() as session:
        session["user_id"] = make_user("filmmaker")
    assert filmmaker.get(url).status_code == 404


def test_only_curators_share(client: FlaskClient, bundle_id: int, login: Login) -> None:
    login("broadcaster")
    assert client.get(f"/pitch/anthologies/{bundle_id}/partages").status_code == 403
    login("filmmaker")
    assert client.post(f"/pitch/anthologies/{bundle_id}/partages", data={}).status_code == 403


@pytest.mark.parametrize("fmt", ["pdf", "csv", "json", "m3u", "edl", "xml"])
def test_pitch_sheets_in_every_format(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine, fmt: str
) -> None:
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        bundle.pitch_text = "Trois regards <sur> le fleuve & ses rives"
        session.add(bundle)
        session.commit()
        titles = [session.get(Film, i.film_id).display_title for i in bundle.items]  # type: ignore[union-attr]
    assert app.test_client().get(f"/anthologies/{bundle_id}/fiche.{fmt}").status_code == 404
    login("curator")
    response = client.get(f"/anthologies/{bundle_id}/fiche.{fmt}")
    assert response.status_code == 200
    data = response.data
    if fmt == "pdf":
        assert data.startswith(b"%PDF-") and len(data) > 1500
        from pypdf import PdfReader

        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        assert "Regards croisés" in text
        assert "Trois regards <sur> le fleuve & ses rives" in text
        assert all(title.split()[0] in text for title in titles)
    elif fmt == "json":
        parsed = response.get_json()
        assert [f["title"] for f in parsed["films"]] == titles
        assert parsed["pitch_text"].startswith("Trois regards")
    elif fmt == "csv":
        text = data.decode()
        assert text.splitlines()[0].startswith("position,title")
        assert titles[0] in text
    elif fmt == "m3u":
        text = data.decode()
        assert text.startswith("#EXTM3U") and text.count("#EXTINF") == 3
    elif fmt == "edl":
        lines = data.decode().splitlines()
        assert lines[0] == "TITLE: Regards croisés"
        events = [line for line in lines if line[:3].isdigit()]
        assert len(events) == 3 and events[0].split()[-2] == "01:00:00:00"
    else:
        import xml.etree.ElementTree as ET

        root = ET.fromstring(data)
        assert len(root) == 3
        assert data.count(b"Is Part Of") == 3


def test_a_reloaded_pitch_follows_edits_and_keeps_answers_to_their_viewer(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login
) -> None:
    """The pitch's cards are kept rendered between views: never past an edit of the bundle
    or of one of its films, and never with another viewer's answers."""
    login("curator")
    first, second = app.test_client(), app.test_client()
    first.get(share(client, bundle_id, recipient_name="Julie"))
    second.get(share(client, bundle_id, recipient_name="Marc"))
    path = f"/pitch/anthologies/{bundle_id}"
    first.post(f"{path}/reponse", data={"verdict": "pass", "comment": "Pas pour nous"})
    assert "Pas pour nous" in first.get(path).get_data(as_text=True)
    assert "Pas pour nous" not in second.get(path).get_data(as_text=True)
    # The curator renames the bundle, drops a film and retitles another.
    edit = f"/atelier/anthologies/{bundle_id}/modifier"
    client.post(edit, data={"action": "rename", "label": "Regards de l'Est"})
    html = second.get(path).get_data(as_text=True)
    titles = html.split('<ul class="films"', 1)[1].count("<h2>")
    assert "Regards de l&#39;Est" in html and titles == 3
    with app.app_context():
        from web import database

        db = database.session()
        bundle = db.get(Bundle, bundle_id)
        assert bundle is not None
        dropped, kept = bundle.items[0].film_id, bundle.items[1].film_id
        film = db.get(Film, kept)
        assert film is not None
        film.title_fr = "Le Titre corrigé"
        db.add(film)
        db.commit()
    client.post(edit, data={"action": "remove", "film_id": str(dropped)})
    html = second.get(path).get_data(as_text=True)
    assert html.split('<ul class="films"', 1)[1].count("<h2>") == 2
    assert "Le Titre corrigé" in html and f'value="{dropped}"' not in html


def test_the_activity_names_films_by_their_titles(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    viewer = app.test_client()
    viewer.get(share(client, bundle_id, recipient_name="Julie"))
    with Session(engine) as session:
        film = session.exec(
            select(Film).join(BundleItem).where(BundleItem.bundle_id == bundle_id).limit(1)
        ).one()
        film_id, title = film.id, film.display_title
    path = f"/pitch/anthologies/{bundle_id}"
    viewer.post(f"{path}/reponse", data={"verdict": "maybe", "film_id": str(film_id)})
    activity = client.get(f"{path}/partages").get_data(as_text=True)
    answers = html.unescape(activity.split("<h3>", 2)[1])
    assert f"({title})" in answers and f"film {film_id}" not in answers
