"""Logging in and out, CSRF on forms, and the language switch."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD


def test_login_with_the_right_password_only(
    client: FlaskClient, make_user: Callable[..., int]
) -> None:
    make_user("curator", email="ana@test.anthologie")
    wrong = client.post("/connexion", data={"email": "ana@test.anthologie", "password": "nope"})
    assert wrong.status_code == 401
    assert "incorrect" in wrong.get_data(as_text=True)
    unknown = client.post("/connexion", data={"email": "who@test.anthologie", "password": PASSWORD})
    assert unknown.status_code == 401
    right = client.post("/connexion", data={"email": "ANA@test.anthologie", "password": PASSWORD})
    assert right.status_code == 302
    assert client.get("/catalogue/").status_code == 200
    client.post("/deconnexion")
    assert client.get("/catalogue/").status_code == 302


def test_login_never_redirects_off_site(client: FlaskClient, make_user: Callable[..., int]) -> None:
    make_user("curator", email="ana@test.anthologie")
    response = client.post(
        "/connexion?next=//evil.example/x",
        data={"email": "ana@test.anthologie", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/catalogue/"


def test_forms_need_the_csrf_token(app: Flask, make_user: Callable[..., int]) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    make_user("curator", email="ana@test.anthologie")
    refused = client.post("/connexion", data={"email": "ana@test.anthologie", "password": PASSWORD})
    assert refused.status_code == 400
    page = client.get("/connexion").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    accepted = client.post(
        "/connexion",
        data={"email": "ana@test.anthologie", "password": PASSWORD, "csrf_token": token},
    )
    assert accepted.status_code == 302


def test_french_by_default_english_on_request(client: FlaskClient) -> None:
    french = client.get("/connexion").get_data(as_text=True)
    assert "Mot de passe" in french and 'lang="fr"' in french
    client.post("/langue/en", headers={"Referer": "http://localhost/connexion"})
    english = client.get("/connexion").get_data(as_text=True)
    assert "Password" in english and 'lang="en"' in english
