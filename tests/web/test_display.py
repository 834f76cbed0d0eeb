"""No raw code on a page: languages, genres, forms, audiences, regions and bundle labels are
shown by their names in the interface's language, French or English."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from catalog.models import Audience, Bundle, BundleItem, Film, Form, Status
from web import database

Login = Callable[[str], int]

# Codes as the catalog stores them, which no page may show as text (attributes may hold them).
RAW = ("Documentaries", "International Movies", "unknown", "general", "fra", "zxx", "moe", "99")


@pytest.fixture
def bundle_id(app: Flask) -> int:
    """One accepted film of the Côte-Nord in Innu-aimun, French and without dialogue, with
    Netflix genres, in a bundle labelled in both languages."""
    with app.app_context(), Session(database.engine()) as session:
        film = Film(
            original_title="Nutshimit",
            match_key="nutshimit",
            runtime_seconds=22 * 60,
            form=Form.documentary,
            genres=["Documentaries", "International Movies"],
            original_languages=["moe", "fra", "zxx"],
            audience=Audience.general,
            countries=["Canada", "United States"],
            region_code="09",
            synopsis_fr="Une famille innue retourne dans le bois.",
            synopsis_en="An Innu family goes back to the woods.",
            status=Status.accepted,
        )
        abroad = Film(
            original_title="Elsewhere",
            match_key="elsewhere",
            runtime_seconds=60,
            region_code="99",
            status=Status.accepted,
        )
        session.add_all([film, abroad])
        session.flush()
        bundle = Bundle(
            facet="region",
            slot_minutes=22,
            label="Regards sur la Côte-Nord — Innus",
            label_en="Views of Côte-Nord — Innu",
            explanation="1 film : tous de la Côte-Nord.",
            explanation_en="1 film: all from Côte-Nord.",
        )
        assert film.id is not None
        assert abroad.id is not None
        bundle.items = [
            BundleItem(film_id=film.id, position=0),  # type: ignore[call-arg]
            BundleItem(film_id=abroad.id, position=1),  # type: ignore[call-arg]
        ]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return bundle.id


def pages(client: FlaskClient, bundle_id: int) -> dict[str, str]:
    listing = client.get("/catalogue/").get_data(as_text=True)
    film_id = listing.split('href="/catalogue/films/', 1)[1].split('"', 1)[0]
    paths = {
        "list": "/catalogue/",
        "film": f"/catalogue/films/{film_id}",
        "workbench": "/atelier/",
        "bundle": f"/atelier/anthologies/{bundle_id}",
        "pitch": f"/pitch/anthologies/{bundle_id}",
    }
    out = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = response.get_data(as_text=True)
    return out


def heading(page: str) -> str:
    return page.split("<h1>", 1)[1].split("</h1>", 1)[0]


def assert_no_raw_code(html: dict[str, str]) -> None:
    for name, page in html.items():
        text = re.sub(r"<script.*?</script>|<[^>]*>", " ", page, flags=re.S)
        for raw in RAW:
            assert not re.search(rf"(?<![\w-]){re.escape(raw)}(?![\w-])", text), (name, raw)


def test_french_pages_name_every_code_in_french(
    client: FlaskClient, bundle_id: int, login: Login
) -> None:
    login("curator")
    html = pages(client, bundle_id)
    assert_no_raw_code(html)
    film = html["film"]
    for name in ("innu-aimun, français, sans dialogue", "Documentaire", "Grand public"):
        assert name in film
    assert "Canada, États-Unis" in film and "Côte-Nord" in film
    assert "Documentary" not in film and "Cinéma international" in film
    assert "Côte-Nord" in html["list"]
    assert "Regards sur la Côte-Nord — Innus</a>" in html["workbench"]
    for page in ("bundle", "pitch"):
        assert heading(html[page]) == "Regards sur la Côte-Nord — Innus"
    assert "tous de la Côte-Nord" in html["workbench"] and "tous de la Côte-Nord" in html["pitch"]
    assert "Hors Québec" in html["pitch"] and "Outside Québec" not in html["pitch"]


def test_english_pages_name_every_code_in_english(
    client: FlaskClient, bundle_id: int, login: Login
) -> None:
    login("curator")
    client.post("/langue/en")
    html = pages(client, bundle_id)
    assert_no_raw_code(html)
    film = html["film"]
    for name in ("Innu-aimun, French, no dialogue", "Documentary", "General audience"):
        assert name in film
    assert "Canada, United States" in film and "Documentaire" not in film
    assert "Views of Côte-Nord — Innu</a>" in html["workbench"]
    for page in ("bundle", "pitch"):
        assert heading(html[page]) == "Views of Côte-Nord — Innu"
    assert "all from Côte-Nord" in html["pitch"]
    assert "Outside Québec" in html["pitch"] and "Hors Québec" not in html["pitch"]


def test_a_renamed_bundle_shows_the_curators_name_in_both_languages(
    client: FlaskClient, bundle_id: int, login: Login
) -> None:
    login("curator")
    edit = f"/atelier/anthologies/{bundle_id}/modifier"
    client.post(edit, data={"action": "rename", "label": "Les gens du bois"})
    client.post("/langue/en")
    assert heading(client.get(f"/pitch/anthologies/{bundle_id}").get_data(True)) == (
        "Les gens du bois"
    )
    client.post(
        edit, data={"action": "rename", "label": "Les gens du bois", "label_en": "Bush people"}
    )
    english = client.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True)
    client.post("/langue/fr")
    french = client.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True)
    assert heading(english) == "Bush people" and heading(french) == "Les gens du bois"
