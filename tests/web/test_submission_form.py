"""The submission form's pickers and its resumable film upload: a municipality shows its
region as it is chosen, people already credited are suggested, languages are picked by name
and stored by code (or typed with ";" without a script), and a film file sent in pieces
resumes where it stopped, is probed by ffmpeg and belongs to the account that sent it."""

from __future__ import annotations

import html as htmllib
import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from catalog.models import Film, MediaAsset
from tests.components import require_component
from tests.web.test_submissions import FORM
from web.usecases import uploads

Login = Callable[[str], int]
UPLOADS = "/soumissions/televersements"


def read(response: TestResponse) -> str:
    """A page's text as a person reads it (no &#39; for an apostrophe)."""
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-second clip made with the real ffmpeg."""
    import media_tools

    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    return media_tools.make_stand_in(
        tmp_path_factory.mktemp("clips") / "Le passeur.mp4", "Essai", 3, 2
    )


def start(client: FlaskClient, name: str, size: int) -> dict[str, object]:
    response = client.post(UPLOADS, json={"name": name, "size": size})
    assert response.status_code == 201, read(response)
    return dict(response.get_json())


def send(client: FlaskClient, token: object, offset: int, piece: bytes) -> tuple[int, dict]:
    response = client.put(
        f"{UPLOADS}/{token}",
        data=piece,
        headers={"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"},
    )
    return response.status_code, response.get_json()


# -- pickers ---------------------------------------------------------------------------


def test_a_chosen_municipality_shows_its_region(client: FlaskClient, login: Login) -> None:
    assert client.get("/soumissions/region?municipality=Rimouski").status_code == 302  # log in
    login("filmmaker")
    found = read(client.get("/soumissions/region?municipality=Rimouski"))
    assert "Région : Bas-Saint-Laurent" in found and 'class="ok"' in found
    # Accents and case do not matter, a community of a First Nation resolves too.
    assert "Capitale-Nationale" in read(client.get("/soumissions/region?municipality=wendake"))
    typo = read(client.get("/soumissions/region?municipality=Rimousky"))
    assert "n'est pas au répertoire" in typo and "Rimouski" in typo and 'class="error"' in typo
    clash = read(client.get("/soumissions/region?municipality=Rimouski&region=06"))
    assert "Rimouski est dans la région Bas-Saint-Laurent, pas Montréal" in clash
    assert read(client.get("/soumissions/region?municipality=")).strip() == ""
    client.post("/langue/en")
    assert "Region: Bas-Saint-Laurent" in read(
        client.get("/soumissions/region?municipality=Rimouski")
    )


def test_municipalities_are_suggested_as_they_are_typed(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    options = read(client.get("/soumissions/municipalites?municipality=rimou"))
    assert '<option value="Rimouski" label="Rimouski — Bas-Saint-Laurent">' in options
    assert options.index('"Rimouski"') < options.index('"Saint-Narcisse-de-Rimouski"')
    # Namesakes in two regions are told apart by a qualifier the form reads back.
    louis = read(client.get("/soumissions/municipalites?municipality=saint-louis-de-g"))
    assert 'value="Saint-Louis-de-Gonzague (Montérégie)"' in louis
    response = client.post(
        "/soumissions/nouvelle",
        data=FORM | {"municipality": "Saint-Louis-de-Gonzague (Chaudière-Appalaches)"},
    )
    assert response.status_code == 302


def test_people_already_in_the_catalog_are_suggested(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    client.post("/soumissions/nouvelle", data=FORM)  # directors: Marie Côté; Paul Roy
    found = read(client.get("/soumissions/personnes?q=Côt"))
    assert '<option value="Marie Côté">' in found and "Paul Roy" not in found
    assert "Marie" in read(client.get("/soumissions/personnes?q=marie"))  # any case
    assert "<option" not in read(client.get("/soumissions/personnes?q=%25"))  # no wildcard
    assert "<option" not in read(client.get("/soumissions/personnes?q=M"))  # two letters at least
    page = read(client.get("/soumissions/nouvelle"))
    assert 'data-suggest="/soumissions/personnes"' in page


def test_languages_are_picked_by_name_and_stored_by_code(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    page = read(client.get("/soumissions/nouvelle"))
    assert '<option value="innu-aimun" data-value="moe">' in page
    assert '<option value="français" data-value="fra">' in page
    assert "(;)" not in page
    # The picker sends one value per chip; without a script, names with ";" between them.
    data = FORM | {
        "original_languages": ["fra", "moe"],
        "subtitle_languages": "anglais; Innu-aimun",
    }
    assert client.post("/soumissions/nouvelle", data=data).status_code == 302
    with Session(engine) as session:
        film = session.exec(select(Film)).one()
        assert film.original_languages == ["fra", "moe"]
        assert film.subtitle_languages == ["eng", "moe"]
        film_id = film.id
    # The edit form gives the chips their names back.
    edit = read(client.get(f"/soumissions/{film_id}/modifier"))
    assert 'value="fra; moe"' in edit and "innu-aimun" in edit
    client.post("/langue/en")
    english = read(client.get("/soumissions/nouvelle"))
    assert '<option value="French" data-value="fra">' in english


def test_a_wrong_value_in_a_list_is_shown_next_to_its_field(
    client: FlaskClient, login: Login
) -> None:
    login("filmmaker")
    data = FORM | {"original_languages": ["fra", "klingonais"], "municipality": "Rimousky"}
    html = read(client.post("/soumissions/nouvelle", data=data))
    assert 'id="e-original_languages"' in html and "klingonais" in html
    # Both values come back to the field, and the summary links to it.
    assert 'value="fra; klingonais"' in html and 'href="#f-original_languages"' in html
    assert 'id="e-municipality"' in html and "Vouliez-vous dire Rimouski?" in html


def test_the_form_is_grouped_in_sections(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    page = read(client.get("/soumissions/nouvelle"))
    legends = [part.split("</legend>")[0] for part in page.split("<legend>")[1:]]
    assert legends == [
        "Identification",
        "Description",
        "Langues et accessibilité",
        "Public",
        "Équipe",
        "Équipe technique",
        "Origine",
        "Diffusion",
        "Droits",
        "Contact",
        "Fichier",
        # Optional, last, and never part of the record (tests/web/test_self_identification.py).
        "Auto-identification volontaire",
        "Genre de la personne à la réalisation",
        "Est-ce le premier film de la personne à la réalisation?",
        "Réalisation autochtone, ou production d'une communauté autochtone?",
    ]
    assert 'type="date"' in page and 'id="region-live"' in page
    assert 'src="/static/film-form.js"' in page


# -- the film file, in pieces ----------------------------------------------------------


def test_an_upload_resumes_where_it_stopped_and_is_probed(
    client: FlaskClient, engine: Engine, login: Login, clip: Path
) -> None:
    login("filmmaker")
    data = clip.read_bytes()
    half = len(data) // 2
    upload = start(client, clip.name, len(data))
    token = upload["token"]
    assert upload["received"] == 0 and upload["complete"] is False
    # The connection breaks a quarter of the way through a piece meant to reach the half.
    broken = client.put(
        f"{UPLOADS}/{token}",
        input_stream=io.BytesIO(data[: half // 2]),
        headers={"Upload-Offset": "0", "Content-Type": "application/octet-stream"},
        environ_overrides={"CONTENT_LENGTH": str(half)},
    )
    assert broken.status_code == 400
    asked = client.get(f"{UPLOADS}/{token}").get_json()
    assert asked["received"] == half // 2 and asked["complete"] is False
    # A piece sent from the wrong place is refused with where to go on from.
    status, answer = send(client, token, 0, data[:100])
    assert status == 409 and answer["received"] == half // 2
    status, answer = send(client, token, half // 2, data[half // 2 : half])
    assert (status, answer["received"], answer["complete"]) == (200, half, False)
    status, answer = send(client, token, half, data[half:])
    assert (status, answer["received"], answer["complete"]) == (200, len(data), True)
    # The form names the upload; the film gets the file, byte for byte.
    assert (
        client.post("/soumissions/nouvelle", data=FORM | {"upload_token": token}).status_code == 302
    )
    with Session(engine) as session:
        asset = session.exec(select(MediaAsset)).one()
        assert asset.size_bytes == len(data)
    assert client.get(f"{UPLOADS}/{token}").status_code == 404  # filed, then cleared


def test_a_form_with_errors_keeps_the_uploaded_file(
    client: FlaskClient, engine: Engine, login: Login, clip: Path
) -> None:
    login("filmmaker")
    data = clip.read_bytes()
    token = start(client, "Le passeur.mp4", len(data))["token"]
    assert send(client, token, 0, data)[1]["complete"] is True
    bad = read(
        client.post(
            "/soumissions/nouvelle", data=FORM | {"upload_token": token, "runtime": "longtemps"}
        )
    )
    assert 'id="e-runtime"' in bad
    assert f'name="upload_token" value="{token}"' in bad
    assert "Fichier reçu et vérifié : Le passeur.mp4" in bad
    fixed = client.post("/soumissions/nouvelle", data=FORM | {"upload_token": token})
    assert fixed.status_code == 302
    with Session(engine) as session:
        assert session.exec(select(MediaAsset)).one()


def test_an_upload_over_the_limit_is_refused_in_words(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login("filmmaker")
    app.config["UPLOAD_MAX_BYTES"] = 2 * 2**20
    refused = client.post(UPLOADS, json={"name": "film.mp4", "size": 2 * 2**20 + 1})
    assert refused.status_code == 413
    assert refused.get_json()["error"] == "Le fichier dépasse la limite de 2 Mo."
    # Nor can pieces add more than was announced.
    token = start(client, "film.mp4", 1000)["token"]
    status, answer = send(client, token, 0, b"x" * 1001)
    assert status == 413 and "dépasse" in answer["error"]
    # A piece far over the script's piece size is refused before it is read.
    app.config["UPLOAD_CHUNK_BYTES"] = 100
    big = start(client, "film.mp4", 2**20)["token"]
    assert send(client, big, 0, b"x" * 2**17)[0] == 413
    assert client.get(f"{UPLOADS}/{big}").get_json()["received"] == 0
    client.post("/langue/en")
    english = client.post(UPLOADS, json={"name": "film.mp4", "size": 3 * 2**20})
    assert english.get_json()["error"] == "The file is over the 2 MB limit."


def test_a_file_that_is_no_video_is_refused_once_complete(
    client: FlaskClient, login: Login
) -> None:
    login("filmmaker")
    text = b"ceci n'est pas un film\n" * 50
    token = start(client, "film.mp4", len(text))["token"]
    status, answer = send(client, token, 0, text)
    assert status == 422 and "pas une vidéo lisible" in answer["error"]
    assert client.get(f"{UPLOADS}/{token}").status_code == 404  # deleted, not kept


def test_another_accounts_upload_cannot_be_seen_continued_or_filed(
    client: FlaskClient, engine: Engine, login: Login, clip: Path
) -> None:
    login("filmmaker")
    data = clip.read_bytes()
    token = start(client, clip.name, len(data))["token"]
    send(client, token, 0, data[:1000])
    login("filmmaker")  # someone else
    assert client.get(f"{UPLOADS}/{token}").status_code == 404
    assert send(client, token, 1000, data[1000:])[0] == 404
    form = client.post("/soumissions/nouvelle", data=FORM | {"upload_token": token})
    html = read(form)
    assert form.status_code == 200 and 'id="e-media"' in html
    assert "Cet envoi n'existe pas ou plus" in html
    with Session(engine) as session:
        assert session.exec(select(Film)).first() is None
    assert client.get(f"{UPLOADS}/../../secret_key").status_code == 404
    login("broadcaster")
    assert client.post(UPLOADS, json={"name": "f.mp4", "size": 10}).status_code == 403


def test_an_unfinished_upload_cannot_be_filed(
    client: FlaskClient, login: Login, clip: Path
) -> None:
    login("filmmaker")
    data = clip.read_bytes()
    token = start(client, clip.name, len(data))["token"]
    send(client, token, 0, data[:1000])
    html = read(client.post("/soumissions/nouvelle", data=FORM | {"upload_token": token}))
    assert "L'envoi du fichier n'est pas terminé" in html and 'id="e-media"' in html


def test_abandoned_uploads_are_swept(tmp_path: Path) -> None:
    folder = tmp_path / "resumable"
    old = uploads.start(folder, 1, "vieux.mp4", 100, 1000)
    fresh = uploads.start(folder, 1, "neuf.mp4", 100, 1000)
    assert uploads.sweep(folder, now=time.time() + 3600) == 0
    past = time.time() - 2 * uploads.MAX_AGE_S
    for path in folder.glob(f"{old.token}*"):
        os.utime(path, (past, past))
    assert uploads.sweep(folder) == 2  # its part and its description
    with pytest.raises(uploads.UploadRefused):
        uploads.status(folder, old.token, 1)
    assert uploads.status(folder, fresh.token, 1).received == 0


def test_pieces_need_the_csrf_header(app: Flask, client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(UPLOADS, json={"name": "f.mp4", "size": 10})
    assert refused.status_code == 400
    page = client.get("/soumissions/nouvelle").get_data(as_text=True)
    csrf = page.split('"X-CSRFToken": "')[1].split('"')[0]
    allowed = client.post(
        UPLOADS, json={"name": "f.mp4", "size": 10}, headers={"X-CSRFToken": csrf}
    )
    assert allowed.status_code == 201
    token = allowed.get_json()["token"]
    assert (
        client.put(f"{UPLOADS}/{token}", data=b"x", headers={"Upload-Offset": "0"}).status_code
        == 400
    )
