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
