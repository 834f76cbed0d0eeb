"""A filmmaker's voluntary self-identification: an optional section of their own form, kept
only with consent, deleted when consent is withdrawn, and never seen anywhere a film is read
(its page, the curator's form, its history, the exports, the API)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from catalog.export import export_catalog
from catalog.models import Bundle, BundleItem, Film, FilmChange, SelfIdentification, Status
from tests.web.test_submission_form import read
from tests.web.test_submissions import FORM
from web.usecases import indicators as indicator_usecases

Login = Callable[[str], int]
# A nation no page of the app could say unless it leaked the answers.
MARKER = "Nation-témoin Q7Z"
ANSWERS = {
    "sid_consent": "yes",
    "sid_director_gender": "woman",
    "sid_first_film": "yes",
    "sid_indigenous": "yes",
    "sid_nation": MARKER,
}
# What the answers would be called if any of them leaked into a page, a file or a JSON.
LEAKS = (MARKER, "sid_", "director_gender", "first_film", "Auto-identification", "indigenous")


def as_user(client: FlaskClient, user_id: int) -> None:
    with client.session_transaction() as session:
        session["user_id"] = user_id


def kept(engine: Engine) -> list[SelfIdentification]:
    with Session(engine) as session:
        return list(session.exec(select(SelfIdentification)).all())


def film_id(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(Film.id)).one() or 0


def submit(client: FlaskClient, **extra: str) -> TestResponse:
    return client.post("/soumissions/nouvelle", data=FORM | extra, follow_redirects=True)


def test_the_section_says_why_and_nothing_is_required(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    page = read(client.get("/soumissions/nouvelle"))
    assert "Auto-identification volontaire" in page
    assert "mesurer si les programmes rejoignent les femmes" in page
    assert "aucun nombre inférieur à 5" in page and "retirer en tout temps" in page
    assert 'name="sid_consent"' in page and 'name="sid_consent" value="yes" checked' not in page
    # Not one of its fields is required.
    section = page[page.index('id="self-identification"') :]
    assert " required" not in section[: section.index("</fieldset>\n  <p")]
    # A film submitted without a word of it is a film like any other.
    assert "Merci!" in read(submit(client))
    assert kept(engine) == []


def test_answers_without_consent_are_not_kept(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    answers = {k: v for k, v in ANSWERS.items() if k != "sid_consent"}
    page = read(submit(client, **answers))
    assert "n'ont pas été enregistrées" in page and "consentement" in page
    assert kept(engine) == []
    with Session(engine) as session:
        assert session.exec(select(Film)).one().original_title == FORM["original_title"]
    # Consent with nothing answered keeps nothing either.
    submit(client, sid_consent="yes", original_title="Deuxième film")
    assert kept(engine) == []


def test_consented_answers_are_kept_apart_and_offered_back_to_their_filmmaker(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    owner = login("filmmaker")
    submit(client, **ANSWERS)
    [row] = kept(engine)
    assert (row.director_gender, row.first_film, row.indigenous) == ("woman", True, True)
    assert row.nation == MARKER and row.created_by == owner and row.consent_at is not None
    form = read(client.get(f"/soumissions/{row.film_id}/modifier"))
    assert 'name="sid_consent" value="yes" checked' in form
    assert 'name="sid_director_gender" value="woman" checked' in form
    assert 'name="sid_first_film" value="yes" checked' in form and MARKER in form
    # Changing an answer changes the row, not the film's history.
    client.post(
        f"/soumissions/{row.film_id}/modifier", data=FORM | ANSWERS | {"sid_first_film": "no"}
    )
    [row] = kept(engine)
    assert row.first_film is False
    # An answer outside the choices counts as no answer; an overlong nation is refused.
    client.post(
        f"/soumissions/{row.film_id}/modifier",
        data=FORM | ANSWERS | {"sid_director_gender": "<script>"},
    )
    assert kept(engine)[0].director_gender is None
    long = client.post(
        f"/soumissions/{row.film_id}/modifier", data=FORM | ANSWERS | {"sid_nation": "x" * 201}
    )
    assert long.status_code == 200 and 'id="e-sid_nation"' in read(long)
    assert kept(engine)[0].nation == MARKER


def test_unticking_consent_deletes_the_answers(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("filmmaker")
    submit(client, **ANSWERS)
    film = film_id(engine)
    without = {k: v for k, v in ANSWERS.items() if k != "sid_consent"}
    page = read(
        client.post(f"/soumissions/{film}/modifier", data=FORM | without, follow_redirects=True)
    )
    assert "sont effacées" in page
    assert kept(engine) == []
    form = read(client.get(f"/soumissions/{film}/modifier"))
    assert MARKER not in form and 'value="yes" checked' not in form


def test_the_filmmaker_withdraws_at_any_stage_and_no_one_else_can(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    owner = login("filmmaker")
    submit(client, **ANSWERS)
    film = film_id(engine)
    with Session(engine) as session:  # decided on: the form is closed, withdrawal is not
        row = session.get(Film, film)
        assert row is not None
        row.status = Status.accepted
        session.add(row)
        session.commit()
    detail = read(client.get(f"/soumissions/{film}"))
    assert "Retirer mes réponses" in detail and MARKER not in detail
    withdraw = f"/soumissions/{film}/auto-identification/retirer"
    login("filmmaker")  # another filmmaker
    assert client.post(withdraw).status_code == 404
    login("curator")
    assert client.post(withdraw).status_code == 403
    assert len(kept(engine)) == 1
    as_user(client, owner)
    assert "sont effacées" in read(client.post(withdraw, follow_redirects=True))
    assert kept(engine) == []
    assert "Retirer mes réponses" not in read(client.get(f"/soumissions/{film}"))


def test_the_answers_never_leak_where_a_film_is_read(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    owner = login("filmmaker")
    submit(client, **ANSWERS)
    film = film_id(engine)
    with Session(engine) as session:
        bundle = Bundle(facet="subject", slot_minutes=22, label="Essai")
        bundle.items = [BundleItem(film_id=film, position=0)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        bundle_id = bundle.id
    places: dict[str, str] = {}
    login("curator")
    places["film page"] = read(client.get(f"/catalogue/films/{film}"))
    places["curator's form"] = read(client.get(f"/catalogue/films/{film}/modifier"))
    places["catalog list"] = read(client.get("/catalogue/"))
    for name, url in [
        ("API film", f"/api/v1/films/{film}"),
        ("API films", "/api/v1/films"),
        ("API bundle", f"/api/v1/bundles/{bundle_id}"),
        ("bundle sheet json", f"/anthologies/{bundle_id}/fiche.json"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, name
        places[name] = json.dumps(response.get_json(), ensure_ascii=False)
    for fmt in ("csv", "xml"):
        response = client.get(f"/anthologies/{bundle_id}/fiche.{fmt}")
        assert response.status_code == 200
        places[f"bundle sheet {fmt}"] = response.get_data(as_text=True)
    with Session(engine) as session:
        for fmt in ("csv", "jsonl", "pbcore"):
            places[f"catalog export {fmt}"] = export_catalog(session, fmt)
        changes = session.exec(select(FilmChange).where(FilmChange.film_id == film)).all()
        places["history"] = json.dumps([c.changes for c in changes], ensure_ascii=False)
        assert changes  # the submission is in the history, without the answers
    # The admin opening the filmmaker's form does not see them either.
    login("admin")
    places["admin on the filmmaker's form"] = read(client.get(f"/soumissions/{film}/modifier"))
    places["admin on the submission"] = read(client.get(f"/soumissions/{film}"))
    for where, text in places.items():
        assert FORM["original_title"] in text, where  # the film is there, its answers not
        for leak in LEAKS:
            assert leak not in text, (where, leak)
    # The filmmaker's own page only says that answers are kept, and offers to withdraw them.
    as_user(client, owner)
    detail = read(client.get(f"/soumissions/{film}"))
    assert "Retirer mes réponses" in detail and MARKER not in detail
    assert len(kept(engine)) == 1


def test_the_section_in_english(client: FlaskClient, login: Login) -> None:
    login("filmmaker")
    client.post("/langue/en")
    page = read(client.get("/soumissions/nouvelle"))
    assert "Voluntary self-identification" in page
    assert "Why we ask: to measure whether programmes reach women" in page
    assert "I agree that these answers be kept for these statistics." in page
    assert "Prefer not to say" in page and "Non-binary person" in page
    assert "Auto-identification" not in page


def test_consented_answers_reach_the_indicators_with_the_configured_baseline(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    """Ten films of 2021 submitted with consent (5 by women, 5 by men) and one by a woman
    without consent: 5 women's films of 10, against the configured baseline, 2021."""
    login("filmmaker")
    for i in range(11):
        gender = "woman" if i % 2 else "man"
        consent = {"sid_consent": "yes"} if i < 10 else {}
        answers = {"sid_director_gender": "woman" if i == 10 else gender} | consent
        client.post(
            "/soumissions/nouvelle",
            data=FORM | {"original_title": f"Film {i}", "year": "2021"} | answers,
        )
    assert len(kept(engine)) == 10
    app.config["INDICATORS_BASELINE_YEAR"] = 2021
    with Session(engine) as session:
        result = indicator_usecases.yearly(session, app.config)
    assert result.baseline == 2021 and result.years == [2021]
    women = result.series["women_directors"].cells[0]
    assert (women.count, women.base, women.share, women.change) == (5, 10, 0.5, 0.0)
    # 11 films, none in an Indigenous language, 11 for a family audience: suppressed.
    assert result.series["indigenous_languages"].cells[0].suppressed
    app.config["INDICATORS_BASELINE_YEAR"] = "1999"
    with Session(engine) as session:
        assert (
            indicator_usecases.yearly(session, app.config).series["women_directors"].cells[0].change
            is None
        )
    app.config["INDICATORS_BASELINE_YEAR"] = "deux mille"
    with pytest.raises(ValueError):
        indicator_usecases.baseline_year(app.config)
