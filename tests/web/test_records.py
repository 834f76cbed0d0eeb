"""Curators edit any film's record with the filmmaker's form, several films at once from the
list, and read who changed what on the film's page; every change is kept in FilmChange."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.models import Film, FilmChange, Status
from tests.conftest import SAMPLES
from web.usecases import cataloguing

Login = Callable[[str], int]

SUBMISSION = {
    "original_title": "La Traversée du fleuve",
    "title_en": "Crossing the River",
    "runtime": "12 min 30 s",
    "synopsis_fr": "Un passeur de Rimouski raconte l'hiver sur le fleuve.",
    "synopsis_en": "A ferryman from Rimouski tells of winter on the river.",
    "municipality": "Rimouski",
    "directors": "Marie Côté",
}


def _submitted(client: FlaskClient, engine: Engine, login: Login) -> tuple[int, int]:
    """A film submitted by a new filmmaker: (film id, filmmaker id)."""
    owner = login("filmmaker")
    assert client.post("/soumissions/nouvelle", data=SUBMISSION).status_code == 302
    with Session(engine) as session:
        film_id = session.exec(select(Film.id)).one()
    assert film_id is not None
    return film_id, owner


def _form(client: FlaskClient, film_id: int) -> dict[str, str]:
    """The curator's form as the page fills it: every input, select and textarea."""
    html = client.get(f"/catalogue/films/{film_id}/modifier").get_data(as_text=True)
    values: dict[str, str] = {}
    for name, value in re.findall(r'<input id="f-(\w+)" name="\w+" value="([^"]*)"', html):
        values[name] = value
    for name, body in re.findall(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', html):
        values[name] = body
    for name, body in re.findall(r'<select id="f-(\w+)".*?>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen.group(1) if chosen else ""
    return {name: markup.unescape(value) for name, value in values.items()}


def _changes(engine: Engine, film_id: int) -> list[FilmChange]:
    with Session(engine) as session:
        statement = select(FilmChange).where(FilmChange.film_id == film_id)
        return list(session.exec(statement.order_by(col(FilmChange.id))).all())


def test_a_curator_edits_any_film_with_the_filmmakers_form(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id, _owner = _submitted(client, engine, login)
    curator = login("curator")
    # Accepted: its filmmaker can no longer edit it, a curator still can.
    client.post(f"/catalogue/films/{film_id}/decision", data={"decision": "accepted"})
    page = client.get(f"/catalogue/films/{film_id}/modifier")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # The filmmaker's own form, filled with the record; no file field for the curator.
    assert 'for="f-synopsis_long_en"' in html and 'for="f-rights_notes"' in html
    assert 'value="La Traversée du fleuve"' in html
    assert 'name="media"' not in html
    # A way back to the record without saving.
    assert f'<a href="/catalogue/films/{film_id}">Retour à la fiche sans enregistrer</a>' in html
    values = _form(client, film_id)
    assert values["runtime"] == "00:12:30" and values["region"] == "01"
    response = client.post(
        f"/catalogue/films/{film_id}/modifier",
        data=values | {"runtime": "14 min", "subjects": "hiver; fleuve", "audience": "famille"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/catalogue/films/{film_id}#main")
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None
        assert (film.runtime_seconds, film.subjects) == (840, ["hiver", "fleuve"])
        assert film.audience is not None and film.audience.value == "famille"
        # Untouched fields are kept as they were.
        assert film.directors == ["Marie Côté"] and film.status == Status.accepted
    edit = _changes(engine, film_id)[-1]
    assert (edit.kind, edit.user_id) == ("edit", curator)
    assert edit.changes == {
        "runtime": [750, 840],
        "subjects": [[], ["hiver", "fleuve"]],
        "audience": [None, "famille"],
    }
    film_page = client.get(f"/catalogue/films/{film_id}").get_data(as_text=True)
    assert "Modifications enregistrées." in film_page
    assert "Durée : 12 min 30 s → 14 min" in film_page
    assert "Public : — → Famille" in film_page
    assert "Curator Test (curator" in film_page  # who, by name and e-mail


def test_a_filmmaker_edits_only_their_own_films(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id, owner = _submitted(client, engine, login)
    assert (
        client.post(f"/soumissions/{film_id}/modifier", data=SUBMISSION | {"runtime": "13 min"})
        .headers["Location"]
        .endswith(f"/soumissions/{film_id}")
    )
    login("filmmaker")  # another filmmaker
    assert client.get(f"/catalogue/films/{film_id}/modifier").status_code == 403
    refused = client.post(
        f"/catalogue/films/{film_id}/modifier", data=SUBMISSION | {"runtime": "99 min"}
    )
    assert refused.status_code == 403
    assert client.post(f"/soumissions/{film_id}/modifier", data=SUBMISSION).status_code == 404
    assert (
        client.post("/catalogue/lot", data={"film_id": film_id, "region": "03"}).status_code == 403
    )
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None and (film.runtime_seconds, film.region_code) == (780, "01")
    kinds = [(c.kind, c.user_id) for c in _changes(engine, film_id)]
    assert kinds == [("submission", owner), ("edit", owner)]


def test_a_broadcaster_may_neither_edit_nor_bulk_edit(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id, _owner = _submitted(client, engine, login)
    login("broadcaster")
    assert client.get(f"/catalogue/films/{film_id}/modifier").status_code == 403
    assert client.post(f"/catalogue/films/{film_id}/modifier", data=SUBMISSION).status_code == 403
    assert (
        client.post("/catalogue/lot", data={"film_id": film_id, "subject": "x"}).status_code == 403
    )
    assert [c.kind for c in _changes(engine, film_id)] == ["submission"]


def test_an_invalid_value_is_named_in_french_and_nothing_is_saved(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id, _owner = _submitted(client, engine, login)
    login("curator")
    values = _form(client, film_id)
    response = client.post(
        f"/catalogue/films/{film_id}/modifier",
        data=values | {"runtime": "douze minutes", "year": "1700", "title_fr": "Nouveau titre"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le formulaire contient 2 erreur(s)" in html
    runtime_error = re.search(r'<p class="error" id="e-runtime">([^<]*)</p>', html)
    year_error = re.search(r'<p class="error" id="e-year">([^<]*)</p>', html)
    assert runtime_error and year_error
    assert "douze minutes" in runtime_error.group(1)
    assert re.search(r'id="f-runtime"[^>]*aria-invalid="true"', html)
    # What the curator typed stays in the form.
    assert 'value="Nouveau titre"' in html
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None and (film.runtime_seconds, film.title_fr) == (750, None)
    assert [c.kind for c in _changes(engine, film_id)] == ["submission"]


def _netflix_and_telefilm(engine: Engine) -> tuple[list[int], list[int]]:
    """Ids of films from outside Québec without a municipality (Netflix), and of Telefilm
    films placed in Montréal, from the sample catalog."""
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        foreign = session.exec(
            select(Film.id)
            .where(col(Film.external_id).startswith("netflix-"), Film.region_code == "99")
            .order_by(col(Film.id))
            .limit(6)
        ).all()
        montreal = session.exec(
            select(Film.id)
            .where(col(Film.external_id).startswith("telefilm-"), Film.municipality == "Montréal")
            .order_by(col(Film.id))
            .limit(2)
        ).all()
    return [i for i in foreign if i], [i for i in montreal if i]


def test_a_bulk_edit_sets_a_region_and_adds_a_subject_to_every_checked_film(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    curator = login("curator")
    films, _montreal = _netflix_and_telefilm(engine)
    listing = client.get("/catalogue/").get_data(as_text=True)
    assert 'form="bulk"' in listing and "data-select-all" in listing
    assert 'id="bulk"' in listing and 'name="csrf_token"' in listing
    response = client.post(
        "/catalogue/lot",
        data={
            "film_id": [str(i) for i in films],
            "region": "09",
            "subject": "Fleuve",
            "next": "/catalogue/?region=99",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/catalogue/?region=99"
    with Session(engine) as session:
        changed = session.exec(select(Film).where(col(Film.id).in_(films))).all()
        assert {f.region_code for f in changed} == {"09"}
        assert all(f.subjects[-1:] == ["Fleuve"] for f in changed)
    for film_id in films:
        (change,) = _changes(engine, film_id)
        assert (change.kind, change.user_id) == ("bulk", curator)
        assert change.changes["region"] == ["99", "09"]
        assert change.changes["subjects"][1][-1] == "Fleuve"
    page = client.get(f"/catalogue/films/{films[0]}").get_data(as_text=True)
    assert "6 films modifiés (Région, Sujet ajouté)." in page
    assert (
        "Modification groupée" in page and "Région administrative : Hors Québec → Côte-Nord" in page
    )
    # Again: nothing left to change, and nothing recorded.
    again = client.post(
        "/catalogue/lot", data={"film_id": [str(i) for i in films], "subject": "Fleuve"}
    )
    assert again.status_code == 302
    assert "Aucun changement : les 6 films cochés avaient déjà ces valeurs." in client.get(
        "/catalogue/"
    ).get_data(as_text=True)
    assert all(len(_changes(engine, i)) == 1 for i in films)


def test_a_bulk_edit_is_all_or_nothing(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    films, montreal = _netflix_and_telefilm(engine)

    def refused(data: dict[str, object]) -> str:
        response = client.post("/catalogue/lot", data=data)
        assert response.status_code == 422
        html = markup.unescape(response.get_data(as_text=True))
        assert "Rien n'a été modifié." in html
        return html

    # A region that contradicts one film's municipality: no film changes, the film is named.
    html = refused({"film_id": [str(i) for i in films + montreal[:1]], "region": "09"})
    assert "contredit la municipalité" in html and "Montréal, 06" in html
    # A film that is gone, an unknown language, nothing checked, nothing chosen.
    refused({"film_id": [str(i) for i in films] + ["999999"], "subject": "Fleuve"})
    html = refused({"film_id": [str(i) for i in films], "original_language": "klingonais"})
    assert "Langue originale : « klingonais » n'est pas une langue connue" in html
    assert "Cochez au moins un film" in refused({"region": "09"})
    assert "Choisissez au moins une valeur" in refused({"film_id": [str(films[0])]})
    with Session(engine) as session:
        regions = session.exec(select(Film.region_code).where(col(Film.id).in_(films))).all()
        assert set(regions) == {"99"}
        assert session.exec(select(FilmChange)).all() == []


def test_htmx_bulk_edits_answer_in_place(client: FlaskClient, engine: Engine, login: Login) -> None:
    login("curator")
    films, _montreal = _netflix_and_telefilm(engine)
    headers = {"HX-Request": "true"}
    problem = client.post("/catalogue/lot", data={"region": "09"}, headers=headers)
    # An htmx answer the page swaps in beside the form: the checked films stay checked.
    assert problem.status_code == 200 and 'role="alert"' in problem.get_data(as_text=True)
    done = client.post(
        "/catalogue/lot", data={"film_id": [str(films[0])], "form": "documentary"}, headers=headers
    )
    assert done.status_code == 200 and done.headers["HX-Refresh"] == "true"
    assert "1 film modifié (Forme)." in done.get_data(as_text=True)


def test_decisions_and_submissions_are_in_the_history(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id, owner = _submitted(client, engine, login)
    curator = login("curator")
    client.post(
        f"/catalogue/films/{film_id}/decision",
        data={"decision": "declined", "message": "Hors de notre mandat."},
    )
    submission, decision = _changes(engine, film_id)
    assert (submission.kind, submission.user_id) == ("submission", owner)
    assert submission.changes["original_title"] == [None, "La Traversée du fleuve"]
    assert submission.changes["runtime"] == [None, 750]
    assert (decision.kind, decision.user_id) == ("decision", curator)
    assert decision.changes == {
        "status": ["submitted", "declined"],
        "curator_message": [None, "Hors de notre mandat."],
    }
    page = client.get(f"/catalogue/films/{film_id}").get_data(as_text=True)
    assert "Statut : Soumis → Refusé" in page and "Soumission" in page


def test_the_film_page_shows_every_field_grouped_and_what_is_missing(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("curator")
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        # "ROUTE 66": a French title, no year, runtime, synopsis or director.
        telefilm = session.exec(select(Film).where(Film.external_id == "telefilm-016e7e0cb5")).one()
        quebec = session.exec(
            select(Film)
            .where(
                col(Film.external_id).startswith("qc-"),
                col(Film.title_en).is_not(None),
                col(Film.synopsis_en).is_not(None),
                col(Film.synopsis_fr).is_not(None),
            )
            .limit(1)
        ).one()
    html = client.get(f"/catalogue/films/{telefilm.id}").get_data(as_text=True)
    for group in (
        "Identification",
        "Description",
        "Langues et accessibilité",
        "Public",
        "Équipe",
        "Origine",
        "Diffusion",
        "Droits",
        "Contact",
    ):
        assert f"<h2>{group}</h2>" in html
    # What the record says, then what it leaves empty, listed in words: nothing is hidden.
    said = re.findall(r"<dt[^>]*>([^<]*)</dt>", html)
    assert {"Titre original", "Forme", "Langues originales", "Maison de production"} <= set(said)
    unsaid = " ".join(re.findall(r'<p class="unsaid">([^<]*)</p>', html))
    for label in ("Étiquettes de style", "Vidéodescription", "Âge minimum", "Territoires"):
        assert label in unsaid
    assert "Non renseigné : Titre anglais." in html
    assert "Cette fiche ne dit pas : durée, synopsis, année" in html
    assert f'href="/catalogue/films/{telefilm.id}/modifier#f-runtime">Compléter la fiche' in html
    assert '<dt class="missing">Durée</dt>' in html and "à compléter" in html
    assert "Aucune modification de la fiche" in html
    # In English: labels in English, the English title and synopsis first.
    assert client.post("/langue/en").status_code == 302
    english = client.get(f"/catalogue/films/{quebec.id}").get_data(as_text=True)
    assert f"<h1>{markup.escape(quebec.title_en or '')}</h1>" in english
    assert "<h2>Languages and accessibility</h2>" in english
    assert ">Short synopsis (English)</dt>" in english
    record = english[english.index('class="record"') :]
    assert record.index('<p lang="en">') < record.index('<p lang="fr">')


def test_a_curator_undoes_one_change_and_a_later_edit_wins(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    curator = login("curator")
    films, _montreal = _netflix_and_telefilm(engine)
    first, second = films[:2]
    client.post(
        "/catalogue/lot", data={"film_id": [first, second], "region": "09", "subject": "Fleuve"}
    )
    # Then the first film's region is edited again, by its own form.
    values = _form(client, first)
    client.post(f"/catalogue/films/{first}/modifier", data=values | {"region": "11"})
    (bulk_first,) = [c for c in _changes(engine, first) if c.kind == "bulk"]
    (bulk_second,) = _changes(engine, second)
    page = client.get(f"/catalogue/films/{second}").get_data(as_text=True)
    undo_url = f"/catalogue/films/{second}/historique/{bulk_second.id}/annuler"
    assert f'action="{undo_url}"' in page and "Annuler ce changement" in page

    assert client.post(undo_url).status_code == 302
    undone = client.post(f"/catalogue/films/{first}/historique/{bulk_first.id}/annuler")
    assert undone.headers["Location"].endswith(f"/catalogue/films/{first}#historique")
    with Session(engine) as session:
        back = session.get(Film, second)
        kept = session.get(Film, first)
        assert back is not None and kept is not None
        assert (back.region_code, back.subjects) == ("99", [])
        # The later edit of the region wins; the subject the bulk edit added goes.
        assert (kept.region_code, kept.subjects) == ("11", [])
    revert = _changes(engine, first)[-1]
    assert (revert.kind, revert.user_id) == ("revert", curator)
    assert revert.changes == {"subjects": [["Fleuve"], []]}
    page = client.get(f"/catalogue/films/{first}").get_data(as_text=True)
    assert "Changement annulé : Sujets." in page
    assert "Laissés tels quels, modifiés depuis : Région administrative." in page
    assert "— Changement annulé —" in page
    # Another film's change, an unknown one, a submission: refused.
    assert (
        client.post(f"/catalogue/films/{first}/historique/{bulk_second.id}/annuler").status_code
        == 404
    )
    assert client.post(f"/catalogue/films/{first}/historique/999999/annuler").status_code == 404
    login("broadcaster")
    assert client.post(undo_url).status_code == 403


def test_a_submission_is_not_undone(client: FlaskClient, engine: Engine, login: Login) -> None:
    film_id, _owner = _submitted(client, engine, login)
    login("curator")
    (submission,) = _changes(engine, film_id)
    page = client.get(f"/catalogue/films/{film_id}").get_data(as_text=True)
    assert "/annuler" not in page
    refused = client.post(f"/catalogue/films/{film_id}/historique/{submission.id}/annuler")
    assert refused.status_code == 400
    assert len(_changes(engine, film_id)) == 1


def test_edits_without_the_forms_csrf_token_are_refused(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id, _owner = _submitted(client, engine, login)
    login("curator")
    app.config["WTF_CSRF_ENABLED"] = True
    forged = [
        ("/catalogue/lot", {"film_id": str(film_id), "region": "09"}),
        (f"/catalogue/films/{film_id}/modifier", SUBMISSION | {"runtime": "99 min"}),
        (f"/catalogue/films/{film_id}/decision", {"decision": "accepted"}),
    ]
    for url, data in forged:
        assert client.post(url, data=data).status_code == 400
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None
        assert (film.region_code, film.runtime_seconds, film.status) == (
            "01",
            750,
            Status.submitted,
        )
    assert [c.kind for c in _changes(engine, film_id)] == ["submission"]
