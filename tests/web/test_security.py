"""What an attack on a running instance found, each closed: off-site redirects, the session
cookie, request sizes, security headers, a link holder's writes and odd input that gave 500s."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Answer, Bundle, BundleItem, Film, PitchEvent
from tests.conftest import PASSWORD
from web.usecases import cataloguing

Login = Callable[[str], int]


@pytest.fixture
def bundle_id(engine: Engine, tmp_path: Path) -> int:
    """A bundle of two accepted films, and a third film that is in no bundle."""
    films = tmp_path / "films.csv"
    films.write_text(
        "original_title,year,runtime,directors,region,status\n"
        + "".join(f"Film {i},2020,10 min,Réal {i},01,accepted\n" for i in range(3)),
        encoding="utf-8",
    )
    cataloguing.import_catalog(engine, films)
    with Session(engine) as session:
        ids = session.exec(select(Film.id).order_by(Film.id)).all()
        bundle = Bundle(facet="subject", slot_minutes=22, label="Trois rivières")
        bundle.items = [BundleItem(film_id=i, position=n) for n, i in enumerate(ids[:2])]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return bundle.id


def outside_film(engine: Engine, bundle_id: int) -> int:
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        inside = {item.film_id for item in bundle.items}
        ids = session.exec(select(Film.id)).all()
        return next(i for i in ids if i not in inside and i is not None)


def link_holder(app: Flask, client: FlaskClient, bundle_id: int) -> FlaskClient:
    """An anonymous browser that opened a private link to the bundle."""
    page = client.post(f"/pitch/anthologies/{bundle_id}/partages", data={"recipient_name": "Léa"})
    text = page.get_data(as_text=True)
    link = text.split('id="created-link"', 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]
    holder = app.test_client()
    assert holder.get(link).status_code == 200
    return holder


# -- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/x",  # a tab, which browsers drop: "//evil.example/x"
        "/%0a/evil.example/x",
        "/%5Cevil.example/x",  # a backslash, which browsers read as a slash
        "//evil.example/x",
        "https://evil.example/x",
        "javascript:alert(1)",
    ],
)
def test_login_never_sends_the_browser_off_site(
    client: FlaskClient, make_user: Callable[..., int], target: str
) -> None:
    make_user("curator", email="ana@test.anthologie")
    response = client.post(
        f"/connexion?next={target}", data={"email": "ana@test.anthologie", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/catalogue/"


def test_login_still_returns_to_the_page_asked_for(
    client: FlaskClient, make_user: Callable[..., int]
) -> None:
    make_user("curator", email="ana@test.anthologie")
    response = client.post(
        "/connexion?next=/atelier/%3Fslot%3D44",
        data={"email": "ana@test.anthologie", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/atelier/?slot=44"


@pytest.mark.parametrize(
    ("referer", "expected"),
    [
        ("http://localhost/catalogue/?page=2", "/catalogue/?page=2"),
        ("http://localhost//evil.example/x", "/"),
        ("http://localhost/\t/evil.example", "/"),  # a raw tab, which URL parsers drop
        ("https://evil.example/", "/"),
    ],
)
def test_the_language_switch_stays_on_this_site(
    client: FlaskClient, referer: str, expected: str
) -> None:
    response = client.post("/langue/en", headers={"Referer": referer})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == expected, location
    assert "evil" not in location


# -- the session cookie --------------------------------------------------------------------


def test_the_session_cookie_is_lax_http_only_and_lives_twelve_hours(
    client: FlaskClient, make_user: Callable[..., int]
) -> None:
    make_user("curator", email="ana@test.anthologie")
    response = client.post(
        "/connexion", data={"email": "ana@test.anthologie", "password": PASSWORD}
    )
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    attributes = {part.split("=")[0].strip().lower(): part for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].split("=")[1].strip() == "Lax"
    expires = parsedate_to_datetime(attributes["expires"].split("=", 1)[1])
    left = expires - datetime.now(UTC)
    assert timedelta(hours=11) < left <= timedelta(hours=12, minutes=1)


# -- request sizes -------------------------------------------------------------------------


def test_an_anonymous_body_is_refused_before_it_is_read(client: FlaskClient) -> None:
    response = client.post(
        "/connexion",
        data={"email": "a@b.c", "password": "x" * (200 * 1024)},
    )
    assert response.status_code == 413
    assert "trop" in response.get_data(as_text=True).lower()


def test_a_signed_in_form_without_a_file_is_kept_small(client: FlaskClient, login: Login) -> None:
    login("curator")
    response = client.post("/atelier/", data={"notes": "x" * (3 * 1024**2)})
    assert response.status_code == 413


def test_the_upload_limit_follows_the_configured_film_size(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    from web.security import body_limit

    app.config["UPLOAD_MAX_BYTES"] = 10 * 1024**2
    limit = body_limit(app.config, "submissions.new", signed_in=True)
    assert limit == 10 * 1024**2 + 2**20
    assert body_limit(app.config, "catalog.film_list", signed_in=False) < 100 * 1024
    app.config["UPLOAD_MAX_BYTES"] = 4 * 1024**2
    login("filmmaker")
    too_big = client.post(
        "/soumissions/nouvelle",
        data={"title_fr": "x", "padding": "y" * (6 * 1024**2)},
    )
    assert too_big.status_code == 413


# -- headers -------------------------------------------------------------------------------


def test_every_page_carries_the_security_headers(client: FlaskClient, login: Login) -> None:
    login("curator")
    for url in ("/connexion", "/catalogue/"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/catalogue/").headers["Cache-Control"] == "no-store"


def test_a_private_link_page_is_not_cached(
    app: Flask, client: FlaskClient, login: Login, bundle_id: int
) -> None:
    login("curator")
    holder = link_holder(app, client, bundle_id)
    page = holder.get(f"/pitch/anthologies/{bundle_id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"


# -- what a link holder may write ------------------------------------------------------------


def test_a_link_holder_cannot_store_a_huge_comment(
    app: Flask, client: FlaskClient, login: Login, bundle_id: int, engine: Engine
) -> None:
    login("curator")
    holder = link_holder(app, client, bundle_id)
    url = f"/pitch/anthologies/{bundle_id}/reponse"
    refused = holder.post(url, data={"verdict": "interested", "comment": "x" * 4001})
    assert refused.status_code == 400
    accepted = holder.post(url, data={"verdict": "interested", "comment": "x" * 4000})
    assert accepted.status_code == 200
    with Session(engine) as session:
        assert [len(a.comment or "") for a in session.exec(select(Answer)).all()] == [4000]


def test_a_link_holder_records_plays_only_for_the_bundles_films(
    app: Flask, client: FlaskClient, login: Login, bundle_id: int, engine: Engine
) -> None:
    login("curator")
    holder = link_holder(app, client, bundle_id)
    url = f"/pitch/anthologies/{bundle_id}/evenement"
    stranger = outside_film(engine, bundle_id)
    assert holder.post(url, data={"kind": "played_preview", "film_id": stranger}).status_code == 404
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        member = bundle.items[0].film_id
    assert holder.post(url, data={"kind": "played_preview", "film_id": member}).status_code == 204
    with Session(engine) as session:
        played = session.exec(
            select(PitchEvent.film_id).where(PitchEvent.kind == "played_preview")
        ).all()
    assert played == [member]


# -- odd input -----------------------------------------------------------------------------


@pytest.mark.parametrize("film_id", [[1], {"id": 1}, "1", True, 1.5])
def test_the_api_answers_400_to_a_film_id_that_is_not_a_number(
    client: FlaskClient,
    login: Login,
    make_user: Callable[..., int],
    bundle_id: int,
    film_id: object,
) -> None:
    login("broadcaster")
    # A broadcaster sees the bundle only once it is shared with them: share it by account.
    with client.session_transaction() as session:
        broadcaster = session["user_id"]
    curator = make_user("curator")
    with client.session_transaction() as session:
        session["user_id"] = curator
    client.post(f"/pitch/anthologies/{bundle_id}/partages", data={"broadcaster_id": broadcaster})
    with client.session_transaction() as session:
        session["user_id"] = broadcaster
    response = client.post(
        f"/api/v1/bundles/{bundle_id}/answers",
        data=json.dumps({"verdict": "interested", "film_id": film_id}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "film_id" in response.get_json()["error"]


@pytest.mark.parametrize("rules", [[1, 2], "44"])
def test_the_api_answers_400_to_rules_that_are_not_an_object(
    client: FlaskClient, login: Login, rules: object
) -> None:
    login("curator")
    response = client.post(
        "/api/v1/proposals",
        data=json.dumps({"facet": "subject", "rules": rules}),
        content_type="application/json",
    )
    assert response.status_code == 400


def test_a_page_number_past_any_database_shows_the_last_page(
    client: FlaskClient, login: Login, bundle_id: int
) -> None:
    login("curator")
    response = client.get("/catalogue/?page=" + "9" * 20)
    assert response.status_code == 200
    assert "Film 2" in response.get_data(as_text=True)


def test_a_nul_byte_is_refused_with_a_400_not_a_500(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    response = client.post("/soumissions/nouvelle", data={"title_fr": "Nuit\x00blanche"})
    assert response.status_code == 400
    login("curator")
    assert client.get("/catalogue/?q=a%00b").status_code == 400


# -- sessions and log-in attempts ------------------------------------------------------------


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    return client.post("/connexion", data={"email": email, "password": password}).status_code


def test_a_cookie_copied_before_log_out_no_longer_works(
    app: Flask, client: FlaskClient, make_user: Callable[..., int]
) -> None:
    make_user("curator", email="ana@test.anthologie")
    assert log_in(client, "ana@test.anthologie") == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/catalogue/").status_code == 200
    client.post("/deconnexion")
    assert thief.get("/catalogue/").status_code == 302
    # Logging in again makes a new session that works.
    assert log_in(client, "ana@test.anthologie") == 302
    assert client.get("/catalogue/").status_code == 200


def test_a_password_change_or_deactivation_ends_earlier_sessions(
    app: Flask, client: FlaskClient, make_user: Callable[..., int], engine: Engine
) -> None:
    from catalog import users
    from web.auth import hash_password

    user_id = make_user("curator", email="ana@test.anthologie")
    assert log_in(client, "ana@test.anthologie") == 302
    with Session(engine) as session:
        user = users.get_user(session, user_id)
        assert user is not None
        users.set_password(session, user, hash_password("a new passphrase"))
        session.commit()
    assert client.get("/catalogue/").status_code == 302
    assert log_in(client, "ana@test.anthologie", "a new passphrase") == 302
    assert client.get("/catalogue/").status_code == 200
    with Session(engine) as session:
        user = users.get_user(session, user_id)
        assert user is not None
        users.set_active(session, user, False)
        session.commit()
    assert client.get("/catalogue/").status_code == 302


def test_an_account_locks_after_five_wrong_passwords(
    client: FlaskClient, make_user: Callable[..., int], engine: Engine
) -> None:
    from catalog.models import LoginFailures

    make_user("curator", email="ana@test.anthologie")
    statuses = [log_in(client, "ana@test.anthologie", f"guess {i}") for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    refused = client.post("/connexion", data={"email": "ana@test.anthologie", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    assert client.get("/catalogue/").status_code == 302
    # When the lock ends, the right password works again.
    with Session(engine) as session:
        row = session.get(LoginFailures, "account:ana@test.anthologie")
        assert row is not None and row.locked_until is not None
        row.locked_until = row.first_at - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert log_in(client, "ana@test.anthologie") == 302


def test_one_address_trying_many_accounts_is_locked_out(
    client: FlaskClient, make_user: Callable[..., int]
) -> None:
    make_user("curator", email="ana@test.anthologie")
    statuses = [log_in(client, f"who{i}@test.anthologie", "guess") for i in range(30)]
    assert statuses[:29] == [401] * 29 and statuses[29] == 429
    # Even an account never tried before cannot log in from that address for now.
    assert log_in(client, "ana@test.anthologie") == 429


# -- files written for people ----------------------------------------------------------------


def test_pitch_sheets_carry_no_formula_and_no_injected_playlist_line(
    client: FlaskClient, login: Login, engine: Engine, tmp_path: Path
) -> None:
    films = tmp_path / "hostile.csv"
    films.write_text(
        "original_title,year,runtime,directors,region,status\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",2020,10 min,Réal A,01,accepted\n'
        '"Titre\n#EXTINF:0,piège\nhttp://evil.example/x.mp4",2021,12 min,Réal B,09,accepted\n',
        encoding="utf-8",
    )
    cataloguing.import_catalog(engine, films)
    with Session(engine) as session:
        ids = session.exec(select(Film.id).order_by(Film.id)).all()
        bundle = Bundle(facet="subject", slot_minutes=22, label="Nuit\nTITLE: faux")
        bundle.items = [BundleItem(film_id=i, position=n) for n, i in enumerate(ids)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        bundle_id = bundle.id
    login("curator")
    sheet = client.get(f"/anthologies/{bundle_id}/fiche.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(sheet)) for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    playlist = client.get(f"/anthologies/{bundle_id}/fiche.m3u").get_data(as_text=True)
    lines = playlist.splitlines()
    assert [line for line in lines if line.startswith("#EXTINF")] == [
        line for line in lines if "EXTINF" in line
    ]
    assert len([line for line in lines if line.startswith("#EXTINF")]) == 2
    assert not [line for line in lines if line.startswith("http://evil")]
    assert lines[1] == "#PLAYLIST:Nuit TITLE: faux"
    decisions = client.get(f"/anthologies/{bundle_id}/fiche.edl").get_data(as_text=True)
    assert [line for line in decisions.splitlines() if line.startswith("TITLE:")] == [
        "TITLE: Nuit TITLE: faux"
    ]
    assert "* FROM CLIP NAME: Titre #EXTINF:0,piège http://evil.example/x.mp4" in decisions


def test_behind_a_proxy_failed_log_ins_count_per_client_address(
    app: Flask, make_user: Callable[..., int]
) -> None:
    from web.security import init_app

    make_user("curator", email="ana@test.anthologie")
    app.config["PROXY_HOPS"] = 1
    init_app(app)  # as create_app does when the setting is given
    client = app.test_client()

    def attempt(i: int, address: str) -> int:
        return client.post(
            "/connexion",
            data={"email": f"who{i}@test.anthologie", "password": "guess"},
            headers={"X-Forwarded-For": address},
        ).status_code

    assert [attempt(i, "203.0.113.7") for i in range(30)][-1] == 429
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert attempt(99, "198.51.100.4") == 401
