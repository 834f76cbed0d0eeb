"""The catalog pages: full page, htmx partial, filters, film page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.conftest import SAMPLES
from web.usecases import cataloguing

Login = Callable[[str], int]


def test_the_catalog_lists_films_with_what_they_lack(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("curator")
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    response = client.get("/catalogue/?incomplete=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="films"' in html
    assert "manque : durée" in html
    assert "HX-Request" in response.vary


def test_htmx_gets_only_the_partial(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
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
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    everything = client.get("/catalogue/").get_data(as_text=True)
    one_region = client.get("/catalogue/?region=01").get_data(as_text=True)

    def count(html: str) -> int:
        return int(html.split('<p class="count">', 1)[1].split(" ", 1)[0])

    assert 0 < count(one_region) < count(everything)


def test_film_page_and_missing_film(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
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
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    # The report in the page's language: counts, the field's name and the problem in French.
    assert "1 nouveau film" in page
    assert re.search(r">3</td><td[^>]*>Durée</td>", page)
    assert "« demain » n'est pas une durée" in page
    partial = client.get(response.headers["Location"], headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<section id="job"')


def test_browser_import_shows_the_warnings_of_rows_it_imported(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    import io

    login("curator")
    csv_text = "title,municipality,region\nJoutel,Joutel,10\nAube,Pakua Shipu,09\n"
    data = {"file": (io.BytesIO(csv_text.encode()), "nord.csv")}
    response = client.post("/catalogue/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "2 nouveaux films" in page and "1 avertissement" in page
    assert re.search(r'<table class="warnings[ "]', page)
    assert not re.search(r'<table class="errors[ "]', page)
    assert re.search(r">2</td><td[^>]*>Municipalité</td><td[^>]*>Joutel</td>", page)
    assert "gardé tel qu'écrit, avec la région 10 donnée" in page
    assert "Avertissements : ces lignes sont importées telles qu" in page
    english = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    english_page = html.unescape(english.get_data(as_text=True))
    assert "Warnings: these rows are imported as written" in english_page
    assert "2 new films" in english_page
    assert "kept as written, with the given region 10" in english_page


def test_browser_import_refuses_other_files(client: FlaskClient, login: Login) -> None:
    import io

    login("curator")
    data = {"file": (io.BytesIO(b"\x89PNG..."), "poster.png")}
    response = client.post("/catalogue/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400


def count_of(html: str) -> int:
    return int(html.split('<p class="count">', 1)[1].split(" ", 1)[0])


def test_every_catalog_filter_narrows_the_list(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    login("curator")
    everything = count_of(client.get("/catalogue/").get_data(as_text=True))
    for query in (
        "form=documentary",
        "genre=Documentaries",
        "language=français",
        "audience=jeunesse",
        "min=20&max=30",
        "year_from=2019&year_to=2020",
        "media=0",
    ):
        narrowed = count_of(client.get(f"/catalogue/?{query}").get_data(as_text=True))
        assert 0 < narrowed < everything or (query == "media=0" and narrowed == everything), query
    assert count_of(client.get("/catalogue/?media=1").get_data(as_text=True)) == 0
    short = client.get("/catalogue/?min=20&max=30").get_data(as_text=True)
    assert "0:19:" not in short and "0:31:" not in short


def test_film_page_shows_media_facts_and_similar_films(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    from sqlmodel import Session, select

    from catalog import vectors
    from catalog.models import Film, MediaAsset
    from curation.testing import FakeEmbedder
    from web.usecases.curating import embedding_text

    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    embedder = FakeEmbedder()
    with Session(engine) as session:
        films = session.exec(select(Film).order_by(Film.id).limit(40)).all()
        matrix = embedder.encode([embedding_text(f) for f in films])
        vectors.save_vectors(
            session,
            "text",
            "test-model/64",
            [(f.id, "h", matrix[i]) for i, f in enumerate(films)],  # type: ignore[misc]
        )
        session.add(
            MediaAsset(
                film_id=films[0].id,  # type: ignore[arg-type]
                path="originals/x.webm",
                size_bytes=1293041,
                sha256="0" * 64,
                probe={
                    "container": "matroska,webm",
                    "duration_s": 30.0,
                    "audio": [],
                    "subtitles": [],
                },
                style={
                    "shot_count": 4,
                    "average_shot_length_s": 7.5,
                    "median_shot_length_s": 5.9,
                    "cuts_per_minute": 6.0,
                    "brightness_mean": 0.4,
                    "contrast_mean": 0.2,
                    "saturation_mean": 0.3,
                    "black_and_white": False,
                    "loudness_lufs": -23.3,
                    "true_peak_dbtp": -2.7,
                    "palette": [{"hex": "#aabbcc", "share": 0.5}],
                    "descriptors": {"fr": ["montage mesuré"], "en": ["measured cutting"]},
                },
            )
        )
        session.commit()
        first_id = films[0].id
    app.config["EMBEDDING_MODEL"] = "test-model"
    login("curator")
    html = client.get(f"/catalogue/films/{first_id}").get_data(as_text=True)
    assert "Extrait de démonstration" not in html
    assert "montage mesuré" in html and "#aabbcc" in html and "-23,3 LUFS" in html
    assert "Films semblables" in html


def test_title_search_ignores_case_and_accents(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    login("curator")
    html = client.get("/catalogue/?q=À LA POURSUITE").get_data(as_text=True)
    assert "A la poursuite de la paix" in html
    assert count_of(html) < 5


def count_of_films(html: str) -> int:
    return int(html.split('<p class="count">', 1)[1].split(" ", 1)[0])


def test_every_write_to_films_credits_or_media_moves_the_catalog_version(
    engine: Engine,
) -> None:
    from sqlmodel import Session, select

    from catalog import queries
    from catalog.models import Credit, Film, MediaAsset, Role

    def version() -> int:
        with Session(engine) as session:
            return queries.catalog_version(session)

    seen = [version()]

    def moved() -> bool:
        seen.append(version())
        return seen[-1] != seen[-2]

    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")  # Core bulk writes
    assert moved()
    with Session(engine) as session:
        film = session.exec(select(Film).limit(1)).one()
        film.year = 1999
        session.add(film)
        session.commit()
        assert moved()
        session.add(Credit(film_id=film.id or 0, role=Role.director, name="Quelqu'un"))
        session.commit()
        assert moved()
        asset = MediaAsset(film_id=film.id or 0, path="a.mp4", size_bytes=1, sha256="x")
        session.add(asset)
        session.commit()
        assert moved()
        session.delete(asset)
        session.commit()
        assert moved()
        session.exec(select(Film).limit(5)).all()  # reading moves nothing
        assert not moved()


def test_the_film_list_is_served_again_until_the_catalog_changes(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    from sqlmodel import Session, col, select

    from catalog.models import Film
    from web import fragments

    login("curator")
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with app.app_context():
        cache = fragments.cache()
    first = client.get("/catalogue/?q=poursuite").get_data(as_text=True)
    misses = cache.misses
    again = client.get("/catalogue/?q=poursuite").get_data(as_text=True)
    assert cache.misses == misses and cache.hits >= 1
    assert again == first and "A la poursuite de la paix" in first
    # A rename, written outside the web app: the next list shows it.
    with Session(engine) as session:
        film = session.exec(select(Film).where(col(Film.sort_title).startswith("a la pour"))).one()
        film.title_fr = "À la poursuite du renard"
        session.add(film)
        session.commit()
    after = client.get("/catalogue/?q=poursuite").get_data(as_text=True)
    assert "À la poursuite du renard" in after and cache.misses == misses + 1
    # Another language is another fragment.
    client.post("/langue/en")
    english = client.get("/catalogue/?q=poursuite").get_data(as_text=True)
    assert "<th>Title</th>" in english and "À la poursuite du renard" in english
    assert "<th>Titre</th>" not in english


def test_the_cache_can_be_turned_off(app: Flask, client: FlaskClient, login: Login) -> None:
    from web import fragments

    with app.app_context():
        app.extensions["anthologie.fragments"] = fragments.FragmentCache(0)
        cache = fragments.cache()
    login("curator")
    client.get("/catalogue/")
    client.get("/catalogue/")
    assert cache.hits == 0 and cache.misses == 2 and len(cache) == 0


def test_an_accepted_film_is_embedded_at_once_and_found_by_meaning(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    from markupsafe import escape
    from sqlmodel import Session, select

    from catalog import vectors
    from catalog.models import Film, Job, JobStatus, Status
    from tests.web import quebec
    from web.usecases import curating

    app.config["EMBED_NEW_FILMS"] = True
    cataloguing.import_catalog(engine, quebec.quebec_subset(tmp_path), quebec.column_map())
    embedder = curating.configured_embedder(app.config)
    with Session(engine) as session:
        films = {f.external_id: f for f in session.exec(select(Film)).all()}
        snow, wrestling = films["qc-0035"], films["qc-0037"]
        assert snow.id is not None and wrestling.id is not None
        for film in (snow, wrestling):
            film.status = Status.submitted
        session.commit()
        others = [f.id for f in films.values() if f.id not in (snow.id, wrestling.id)]
    curating.embed_catalog(engine, embedder, film_ids=others)
    login("curator")
    client.post(f"/catalogue/films/{wrestling.id}/decision", data={"decision": "declined"})
    client.post(f"/catalogue/films/{snow.id}/decision", data={"decision": "accepted"})
    with Session(engine) as session:
        [embedding] = session.exec(select(Job).where(Job.kind == "embed-films")).all()
        stored = vectors.stored_hashes(session, curating.TEXT_FACET, embedder.model_id)
    assert embedding.params["film_ids"] == [snow.id]  # only the accepted film
    assert embedding.status == JobStatus.done and embedding.result == {"embedded": 1}
    assert snow.id in stored and wrestling.id not in stored
    page = client.get(f"/catalogue/films/{snow.id}").get_data(as_text=True)
    assert "Films semblables" in page
    # An English search finds the French film by its subject, on the catalog page.
    found = client.get("/catalogue/?q=snow removal in the city at night&mode=sens")
    rows = found.get_data(as_text=True).split("<tbody", 1)[1]
    found_films = [f for f in films.values() if f.id in stored]
    order = {f.id: rows.index(str(escape(f.display_title))) for f in found_films}
    assert order[snow.id] < min(order[i] for i in others)


def test_searches_embed_a_query_and_suggestions_a_synopsis(engine: Engine) -> None:
    """What a person types is a query; a new film's synopsis is embedded like the stored
    films' texts, so its neighbours are the films it will sit among once accepted."""
    from curation.testing import FakeEmbedder
    from web.usecases import curating

    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    fake = FakeEmbedder()
    curating.embed_catalog(engine, fake)
    stored = fake.calls
    assert curating.search(engine, fake, "la mer et les pêcheurs")
    assert (fake.calls, fake.query_calls) == (stored, 1)
    assert curating.suggest_tags(engine, fake, "Un pêcheur de crevettes sur le fleuve.")
    assert (fake.calls, fake.query_calls) == (stored + 1, 1)
