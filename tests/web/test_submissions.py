"""Filmmakers submit with one form, see only their own films, and read the curator's answer."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Film, MediaAsset, Status
from tests.components import require_component

Login = Callable[[str], int]

FORM = {
    "original_title": "La Traversée du fleuve",
    "title_en": "Crossing the River",
    "runtime": "12 min 30 s",
    "form": "documentary",
    "synopsis_fr": "Un passeur de Rimouski raconte l'hiver sur le fleuve.",
    "municipality": "Rimouski",
    "original_languages": "français",
    "subtitle_languages": "en",
    "audience": "famille",
    "directors": "Marie Côté; Paul Roy",
    "contact_email": "marie@example.org",
}


def test_a_filmmaker_submits_a_film(client: FlaskClient, engine: Engine, login: Login) -> None:
    owner = login("filmmaker")
    page = client.get("/soumissions/nouvelle")
    assert page.status_code == 200
    assert 'for="f-synopsis_en"' in page.get_data(as_text=True)  # every field has a label
    response = client.post("/soumissions/nouvelle", data=FORM)
    assert response.status_code == 302
    with Session(engine) as session:
        film = session.exec(select(Film)).one()
        assert film.owner_id == owner
        assert film.status == Status.submitted
        assert film.runtime_seconds == 750
        assert (film.municipality, film.region_code) == ("Rimouski", "01")
        assert film.original_languages == ["fra"]
        assert film.directors == ["Marie Côté", "Paul Roy"]
    listing = client.get("/soumissions/").get_data(as_text=True)
    assert "La Traversée du fleuve" in listing and "Soumis" in listing


def test_field_errors_are_shown_next_to_their_field(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    bad = FORM | {"runtime": "longtemps", "contact_email": "marie", "original_title": ""}
    response = client.post("/soumissions/nouvelle", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="e-runtime"' in html and "longtemps" in html
    assert 'id="e-contact_email"' in html
    assert 'id="e-original_title"' in html
    assert "3 erreur(s)" in html
    # What the filmmaker typed is kept.
    assert "Marie Côté; Paul Roy" in html


def test_a_filmmaker_cannot_open_another_filmmakers_submission(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    client.post("/soumissions/nouvelle", data=FORM)
    with Session(engine) as session:
        film_id = session.exec(select(Film.id)).one()
    assert client.get(f"/soumissions/{film_id}").status_code == 200
    login("filmmaker")  # someone else
    assert client.get(f"/soumissions/{film_id}").status_code == 404
    assert client.get(f"/soumissions/{film_id}/modifier").status_code == 404
    refused = client.post(f"/soumissions/{film_id}/modifier", data=FORM | {"runtime": "99"})
    assert refused.status_code == 404
    with Session(engine) as session:
        assert session.exec(select(Film.runtime_seconds)).one() == 750
    assert "La Traversée" not in client.get("/soumissions/").get_data(as_text=True)


def test_editing_keeps_the_values_and_updates_them(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    client.post("/soumissions/nouvelle", data=FORM)
    with Session(engine) as session:
        film_id = session.exec(select(Film.id)).one()
    form = client.get(f"/soumissions/{film_id}/modifier").get_data(as_text=True)
    assert 'value="00:12:30"' in form and "Marie Côté; Paul Roy" in form
    client.post(f"/soumissions/{film_id}/modifier", data=FORM | {"runtime": "14"})
    with Session(engine) as session:
        assert session.exec(select(Film.runtime_seconds)).one() == 14 * 60


def test_other_roles_cannot_submit(client: FlaskClient, login: Login) -> None:
    login("broadcaster")
    assert client.get("/soumissions/nouvelle").status_code == 403
    assert client.post("/soumissions/nouvelle", data=FORM).status_code == 403


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-second labelled clip made with the real ffmpeg."""
    import media_tools

    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    return media_tools.make_stand_in(
        tmp_path_factory.mktemp("clips") / "court métrage 'final'.mp4", "Essai", 2, 1
    )


def test_a_film_file_is_probed_filed_and_analysed(
    client: FlaskClient, engine: Engine, login: Login, short_clip: Path
) -> None:
    login("filmmaker")
    data = dict(FORM) | {"media": (short_clip.open("rb"), short_clip.name)}
    response = client.post("/soumissions/nouvelle", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with Session(engine) as session:
        asset = session.exec(select(MediaAsset)).one()
        assert asset.probe["video"]["width"] > 0
        # The analysis job ran (immediately, in tests): images, proxy, style, QC.
        assert asset.analysed_at is not None and asset.poster_path and asset.proxy_path
        assert asset.qc["spec"] == "ebu-r128"


def test_a_text_file_named_mp4_is_refused(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    fake = io.BytesIO(b"this is not a film\n" * 100)
    data = dict(FORM) | {"media": (fake, "film.mp4")}
    response = client.post("/soumissions/nouvelle", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="e-media"' in html and "pas une vidéo lisible" in html
    with Session(engine) as session:
        assert session.exec(select(Film)).first() is None  # nothing half-created
    assert not list((Path(client.application.instance_path) / "uploads").glob("*"))


def test_uploads_over_the_limit_are_refused(
    app: Flask, client: FlaskClient, login: Login, short_clip: Path
) -> None:
    app.config["UPLOAD_MAX_BYTES"] = 1000
    login("filmmaker")
    data = dict(FORM) | {"media": (short_clip.open("rb"), "film.mp4")}
    response = client.post("/soumissions/nouvelle", data=data, content_type="multipart/form-data")
    assert "dépasse la limite" in response.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 500
    again = dict(FORM) | {"media": (short_clip.open("rb"), "film.mp4")}
    too_big = client.post("/soumissions/nouvelle", data=again, content_type="multipart/form-data")
    assert too_big.status_code == 413


def test_a_screener_link_must_be_a_link(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    response = client.post("/soumissions/nouvelle", data=FORM | {"screener_url": "vimeo"})
    assert 'id="e-screener_url"' in response.get_data(as_text=True)
