"""The JSON API: the same roles as the pages, JSON errors, and an OpenAPI description that
covers every route."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Bundle, BundleItem, Film
from tests.conftest import SAMPLES
from web.usecases import cataloguing

Login = Callable[[str], int]


def test_anonymous_and_wrong_roles_get_json_errors(client: FlaskClient, login: Login) -> None:
    anonymous = client.get("/api/v1/films")
    assert anonymous.status_code == 401
    assert anonymous.get_json()["status"] == 401
    login("broadcaster")
    forbidden = client.get("/api/v1/films")
    assert forbidden.status_code == 403 and "error" in forbidden.get_json()


def test_films_and_one_film(client: FlaskClient, engine: Engine, login: Login) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    login("curator")
    page = client.get("/api/v1/films?region=01&per_page=5").get_json()
    assert page["total"] > 0 and len(page["films"]) <= 5
    assert all(f["region"] == "01" for f in page["films"])
    one = client.get(f"/api/v1/films/{page['films'][0]['id']}").get_json()
    assert one["original_title"] == page["films"][0]["original_title"]
    assert "runtime" in one["lacks"]  # Telefilm records say no runtime


def test_a_filmmaker_reads_only_their_own_film(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    login("filmmaker")
    assert client.get("/api/v1/films/1").status_code == 404


def test_proposals_take_json_and_check_their_rules(client: FlaskClient, login: Login) -> None:
    login("curator")
    assert client.post("/api/v1/proposals", data={"facet": "subject"}).status_code == 415
    bad = client.post("/api/v1/proposals", json={"facet": "colour"})
    assert bad.status_code == 400 and "facet" in bad.get_json()["error"]
    worse = client.post("/api/v1/proposals", json={"slot": 44, "rules": {"regional_floor": 3}})
    assert worse.status_code == 400 and "regional_floor" in worse.get_json()["error"]


def test_a_bundle_and_its_answers(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, make_user: Callable[..., int]
) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        films = session.exec(select(Film).where(Film.runtime_seconds != None).limit(2)).all()  # noqa: E711
        bundle = Bundle(facet="subject", slot_minutes=22, label="Essai")
        bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(films)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        bundle_id = bundle.id
        film_ids = [f.id for f in films]
    broadcaster = make_user("broadcaster")
    login("curator")
    client.post(
        f"/pitch/anthologies/{bundle_id}/partages",
        data={"broadcaster_id": str(broadcaster), "recipient_name": ""},
    )
    data = client.get(f"/api/v1/bundles/{bundle_id}").get_json()
    assert [f["id"] for f in data["films"]] == film_ids
    assert "rule_violations" in data and data["window_seconds"] == [1200, 1320]
    viewer = app.test_client()
    with viewer.session_transaction() as session:
        session["user_id"] = broadcaster
    given = viewer.post(f"/api/v1/bundles/{bundle_id}/answers", json={"verdict": "maybe"})
    assert given.status_code == 201
    wrong = viewer.post(f"/api/v1/bundles/{bundle_id}/answers", json={"verdict": "yes!"})
    assert wrong.status_code == 400
    answers = client.get(f"/api/v1/bundles/{bundle_id}/answers").get_json()["answers"]
    assert [a["verdict"] for a in answers] == ["maybe"]


def test_openapi_describes_every_route(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            served |= {(path, m) for m in rule.methods or () if m in ("GET", "POST")}
    assert served == described
