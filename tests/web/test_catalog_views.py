"""The catalog pages: full page, htmx partial, filters, film page."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.conftest import SAMPLES
from web import services

Login = Callable[[str], int]


def test_the_catalog_lists_films_with_what_they_lack(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("curator")
    services.import_catalog(engine, SAMPLES / "catalog.csv")
    response = client.get("/catalogue/?incomplete=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="films"' in html
    assert "manque : durée" in html
    assert "HX-Request" in response.vary


def test_htmx_gets_only_the_partial(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    services.import_catalog(engine, SAMPLES / "catalog.csv")
    response = client.get("/catalogue/?region=99", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="films">')
    assert "<html" not in html
    restore = client.get(
        "/catalogue/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.get_data(as_text=True)


def test_filters_narrow_the_list(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    services.import_catalog(engine, SAMPLES / "catalog.csv")
    everything = client.get("/catalogue/").get_data(as_text=True)
    one_region = client.get("/catalogue/?region=01").get_data(as_text=True)

    def count(html: str) -> int:
        return int(html.split('<p class="count">', 1)[1].split(" ", 1)[0])

    assert 0 < count(one_region) < count(everything)


def test_film_page_and_missing_film(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    services.import_catalog(engine, SAMPLES / "catalog.csv")
    listing = client.get("/catalogue/").get_data(as_text=True)
    link = listing.split('href="/catalogue/films/', 1)[1].split('"', 1)[0]
    page = client.get(f"/catalogue/films/{link}")
    assert page.status_code == 200
    assert "<h1>" in page.get_data(as_text=True)
    assert client.get("/catalogue/films/999999").status_code == 404


def test_root_sends_each_role_home(client: FlaskClient, login: Login) -> None:
    assert client.get("/").headers["Location"].endswith("/connexion")
    login("curator")
    assert client.get("/").headers["Location"].endswith("/catalogue/")
    login("filmmaker")
    assert client.get("/").headers["Location"].endswith("/soumissions/")
    login("broadcaster")
    assert client.get("/").headers["Location"].endswith("/pitch/")


def test_the_catalog_is_for_curators(client: FlaskClient, login: Login) -> None:
    assert client.get("/catalogue/").status_code == 302  # to the log-in page
    login("filmmaker")
    assert client.get("/catalogue/").status_code == 403
    assert client.get("/catalogue/films/1").status_code == 403
    login("broadcaster")
    assert client.get("/catalogue/").status_code == 403
    login("admin")
    assert client.get("/catalogue/").status_code == 200


def test_a_curator_accepts_a_submission_with_a_message(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    client.post("/soumissions/nouvelle", data={"original_title": "Aube", "runtime": "8"})
    login("curator")
    from sqlmodel import Session, select

    from catalog.models import Film

    with Session(engine) as session:
        film_id = session.exec(select(Film.id)).one()
    response = client.post(
        f"/catalogue/films/{film_id}/decision",
        data={"decision": "accepted", "message": "Bienvenue dans le catalogue."},
    )
    assert response.status_code == 302
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None
        assert (film.status.value, film.curator_message) == (
            "accepted",
            "Bienvenue dans le catalogue.",
        )
    assert (
        client.post(f"/catalogue/films/{film_id}/decision", data={"decision": "x"}).status_code
        == 400
    )


def test_a_filmmaker_cannot_decide(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    assert (
        client.post("/catalogue/films/1/decision", data={"decision": "accepted"}).status_code == 403
    )


def test_browser_import_reports_rows_like_the_cli(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    import io

    login("curator")
    data = {
        "file": (io.BytesIO(b"Titre,runtime\nAube,7\nNuit,demain\n"), "festival.csv"),
        "map": "title=Titre",
        "skip_invalid": "1",
    }
    response = client.post("/catalogue/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 new" in page
    assert "<td>3</td><td>runtime</td>" in page
    partial = client.get(response.headers["Location"], headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<section id="job"')


def test_browser_import_refuses_other_files(client: FlaskClient, login: Login) -> None:
    import io

    login("curator")
    data = {"file": (io.BytesIO(b"\x89PNG..."), "poster.png")}
    response = client.post("/catalogue/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
