"""Curators judge submissions: scores from 1 to 5 and private notes that every curator sees
and no filmmaker or broadcaster does, and an inbox counted in the navigation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Credit, Film, Review, Role, Status, utcnow

HTMX = {"HX-Request": "true"}


@pytest.fixture
def person(make_user: Callable[..., int]) -> Callable[[str, str], int]:
    """An account of `role` shown as `name`; returns its id."""
    return lambda role, name: make_user(role, name=name)


def act_as(client: FlaskClient, user_id: int, lang: str = "fr") -> None:
    with client.session_transaction() as session:
        session["user_id"] = user_id
        session["lang"] = lang


def submit(
    engine: Engine, title: str, owner_id: int | None = None, *, days_ago: int = 0, **fields: object
) -> int:
    """A film as the submission form leaves it: status submitted, its filmmaker as owner."""
    with Session(engine) as session:
        film = Film(
            original_title=title,
            match_key=title.lower(),
            status=Status.submitted,
            owner_id=owner_id,
            runtime_seconds=750,
            region_code="01",
            created_at=utcnow() - timedelta(days=days_ago),
            **fields,
        )
        film.credits = [Credit(role=Role.director, position=0, name=f"Réal. {title}")]  # type: ignore[call-arg]
        session.add(film)
        session.commit()
        assert film.id is not None
        return film.id


def judge(client: FlaskClient, film_id: int, score: object, note: str = "", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/catalogue/films/{film_id}/jugement",
        data={"score": score, "note": note},
        headers=headers,
    )


def text_of(html: str) -> str:
    """The page's words, without tags or repeated blanks."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_two_curators_see_each_others_scores_and_their_average(
    client: FlaskClient, engine: Engine, person: Callable[[str, str], int]
) -> None:
    film_id = submit(engine, "Le passeur")
    ana, bruno = person("curator", "Ana Lavoie"), person("curator", "Bruno Tremblay")

    act_as(client, ana)
    saved = judge(client, film_id, 4, "Belle lumière sur le fleuve.")
    assert saved.status_code == 302 and saved.location.endswith(f"/films/{film_id}#jugement")
    act_as(client, bruno)
    partial = judge(client, film_id, "2", "Trop long pour une case de 22 min.", **HTMX)
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and html.lstrip().startswith('<section id="jugement"')
    assert "HX-Request" in partial.headers["Vary"]

    for curator, other_note in ((ana, "Trop long pour une case"), (bruno, "Belle lumière")):
        act_as(client, curator)
        page = text_of(client.get(f"/catalogue/films/{film_id}").get_data(as_text=True))
        assert "Ana Lavoie" in page and "Bruno Tremblay" in page
        assert "4/5" in page and "2/5" in page and other_note in page
        assert "Moyenne : 3,0 / 5" in page and "2 notes" in page

    act_as(client, ana, "en")
    english = text_of(client.get(f"/catalogue/films/{film_id}/jugement").get_data(as_text=True))
    assert "Average: 3.0 / 5" in english and "2 scores" in english


def test_a_curator_has_one_score_per_film_and_can_change_it(
    client: FlaskClient, engine: Engine, person: Callable[[str, str], int]
) -> None:
    film_id, other_id = submit(engine, "Le passeur"), submit(engine, "La traversée")
    ana = person("curator", "Ana Lavoie")
    act_as(client, ana)
    judge(client, film_id, 3, "À revoir.")
    judge(client, other_id, 1)
    changed = judge(client, film_id, 5, "Revu : excellent.", **HTMX).get_data(as_text=True)
    with Session(engine) as session:
        rows = session.exec(select(Review).where(Review.film_id == film_id)).all()
        assert [(r.user_id, r.score, r.note) for r in rows] == [(ana, 5, "Revu : excellent.")]
        assert len(session.exec(select(Review)).all()) == 2
    assert "5/5" in changed and "3/5" not in changed and "1 note" in text_of(changed)
    assert 'value="5" required checked' in changed  # the form shows the score now kept


@pytest.mark.parametrize("score", ["0", "6", "", "quatre", "4.5", "-1"])
def test_a_score_outside_1_to_5_is_refused_in_french(
    client: FlaskClient, engine: Engine, login: Callable[[str], int], score: str
) -> None:
    film_id = submit(engine, "Le passeur")
    login("curator")
    partial = judge(client, film_id, score, "Ma note gardée", **HTMX)
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200  # htmx swaps it in: the error shows beside the field
    assert "Choisissez une note de 1 à 5." in html and "Ma note gardée" in html
    page = judge(client, film_id, score, "Ma note gardée")
    assert page.status_code == 422 and "Choisissez une note de 1 à 5." in page.get_data(True)
    with Session(engine) as session:
        assert session.exec(select(Review)).all() == []


def test_a_note_too_long_is_refused_and_errors_follow_the_language(
    client: FlaskClient, engine: Engine, person: Callable[[str, str], int]
) -> None:
    film_id = submit(engine, "Le passeur")
    act_as(client, person("curator", "Ana Lavoie"))
    long_note = judge(client, film_id, 4, "x" * 4001, **HTMX).get_data(as_text=True)
    assert "Vos notes dépassent 4000 caractères" in long_note
    assert judge(client, film_id, 4, "x" * 4000).status_code == 302
    act_as(client, person("curator", "Bruno Tremblay"), "en")
    english = judge(client, film_id, 9, **HTMX).get_data(as_text=True)
    assert "Choose a score from 1 to 5." in english and "Choisissez" not in english


def test_filmmakers_and_broadcasters_cannot_judge_nor_read_the_notes(
    client: FlaskClient, engine: Engine, person: Callable[[str, str], int]
) -> None:
    owner = person("filmmaker", "Marie Côté")
    film_id = submit(engine, "Le passeur", owner)
    act_as(client, person("curator", "Ana Lavoie"))
    judge(client, film_id, 2, "Note secrète du jury")

    for outsider in (owner, person("broadcaster", "Télé-Québec")):
        act_as(client, outsider)
        assert judge(client, film_id, 5, "je me note moi-même").status_code == 403
        assert judge(client, film_id, 5, **HTMX).status_code == 403
        assert client.get(f"/catalogue/films/{film_id}/jugement").status_code == 403
        assert client.get("/soumissions/boite").status_code == 403
        assert client.get(f"/catalogue/films/{film_id}").status_code == 403
    with Session(engine) as session:
        assert [r.score for r in session.exec(select(Review)).all()] == [2]

    act_as(client, owner)
    own_page = client.get(f"/soumissions/{film_id}")
    assert own_page.status_code == 200
    html = own_page.get_data(as_text=True)
    assert "Le passeur" in html
    assert "Note secrète" not in html and "Ana Lavoie" not in html and "2/5" not in html
    assert "Boîte de réception" not in html and "jugement" not in html.lower()
    listing = client.get("/soumissions/").get_data(as_text=True)
    assert "Note secrète" not in listing and "2/5" not in listing
    api = client.get(f"/api/v1/films/{film_id}")
    assert api.status_code == 200
    body = api.get_data(as_text=True)
    assert "Note secrète" not in body and "Ana Lavoie" not in body
    assert not {"score", "scores", "reviews", "note", "notes"} & set(api.get_json())


def test_the_inbox_lists_new_submissions_and_the_nav_counts_them(
    client: FlaskClient, engine: Engine, person: Callable[[str, str], int]
) -> None:
    older = submit(engine, "Vieille soumission", days_ago=3)
    newest = submit(engine, "Toute nouvelle", days_ago=0)
    middle = submit(engine, "Entre les deux", days_ago=1)
    with Session(engine) as session:
        session.add(Film(original_title="Déjà accepté", match_key="x", status=Status.accepted))
        session.commit()
    ana, bruno = person("curator", "Ana Lavoie"), person("curator", "Bruno Tremblay")
    act_as(client, bruno)
    judge(client, middle, 5)
    act_as(client, ana)
    judge(client, middle, 2)
    judge(client, older, 4)

    page = client.get("/soumissions/boite").get_data(as_text=True)
    assert re.search(r'class="badge">3<', page)
    assert "Boîte de réception : 3 soumissions en attente" in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    titles = re.findall(r'<td class="title"><a [^>]*>(.*?)</a>', page)
    assert titles == ["Toute nouvelle", "Entre les deux", "Vieille soumission"]
    cells = [text_of(row) for row in rows[1:]]
    assert "Réal. Toute nouvelle" in cells[0] and "12:30" in cells[0] and "pas encore" in cells[0]
    assert "3,5" in cells[1] and "(2 notes)" in cells[1] and "2/5" in cells[1]
    assert "4,0" in cells[2] and "(1 note)" in cells[2] and "4/5" in cells[2]
    assert "Déjà accepté" not in page
    assert f"/catalogue/films/{newest}#jugement" in page

    decided = client.post(
        f"/catalogue/films/{newest}/decision", data={"decision": "accepted", "message": "Bravo!"}
    )
    assert decided.status_code == 302
    after = client.get("/soumissions/boite").get_data(as_text=True)
    assert re.search(r'class="badge">2<', after) and "Toute nouvelle" not in after
    with Session(engine) as session:
        film = session.get(Film, newest)
        assert film is not None and film.curator_message == "Bravo!"

    # Every curator page carries the badge; nobody else's does.
    assert re.search(r'class="badge">2<', client.get(f"/catalogue/films/{older}").get_data(True))
    act_as(client, person("filmmaker", "Marie Côté"))
    assert "badge" not in client.get("/soumissions/").get_data(as_text=True)


def test_no_badge_when_nothing_waits(client: FlaskClient, login: Callable[[str], int]) -> None:
    login("curator")
    page = client.get("/soumissions/boite").get_data(as_text=True)
    assert "Boîte de réception" in page and 'class="badge"' not in page
    assert "Aucune soumission n'attend de décision." in page


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test does."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_inbox_costs_the_same_queries_for_3_or_30_submissions(
    client: FlaskClient,
    engine: Engine,
    person: Callable[[str, str], int],
    statements: list[str],
) -> None:
    act_as(client, person("curator", "Ana Lavoie"))
    counts = []
    for added in (3, 27):
        for n in range(added):
            film_id = submit(engine, f"Film {added}-{n}")
        statements.clear()
        page = client.get("/soumissions/boite").get_data(as_text=True)
        assert page.count("#jugement") == len(counts) * 27 + 3
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # The nav's badge on any curator page: one COUNT of the submitted films.
    statements.clear()
    assert client.get(f"/catalogue/films/{film_id}").status_code == 200
    assert sum("count(" in s.lower() and "film.status" in s.lower() for s in statements) == 1


def test_judging_needs_the_csrf_token(
    app: Flask, client: FlaskClient, engine: Engine, person: Callable[[str, str], int]
) -> None:
    film_id = submit(engine, "Le passeur")
    act_as(client, person("curator", "Ana Lavoie"))
    app.config["WTF_CSRF_ENABLED"] = True
    assert judge(client, film_id, 4).status_code == 400
    page = client.get(f"/catalogue/films/{film_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    answer = client.post(
        f"/catalogue/films/{film_id}/jugement", data={"score": 4, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 302


def test_saves_at_the_same_moment_still_leave_one_score_per_curator(
    engine: Engine, person: Callable[[str, str], int]
) -> None:
    """Two tabs of one curator (or a double click) saving at once: one row, never an error."""
    from concurrent.futures import ThreadPoolExecutor

    from web.usecases import judging as judging_usecase

    film_id = submit(engine, "Le passeur")
    ana = person("curator", "Ana Lavoie")

    def save(score: int) -> int:
        with Session(engine) as session:
            return len(judging_usecase.judge(session, film_id, ana, score, f"essai {score}").scores)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(save, [1, 2, 3, 4, 5, 1, 2, 3])) == {1}
    with Session(engine) as session:
        rows = session.exec(select(Review)).all()
        assert len(rows) == 1 and rows[0].note == f"essai {rows[0].score}"


def test_judging_a_film_that_does_not_exist_is_a_404(
    client: FlaskClient, login: Callable[[str], int]
) -> None:
    login("curator")
    assert judge(client, 999_999, 4).status_code == 404
    assert client.get("/catalogue/films/999999/jugement").status_code == 404


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_inbox_and_the_judging_panel_speak_one_language(
    client: FlaskClient, engine: Engine, person: Callable[[str, str], int], lang: str
) -> None:
    from tests.web.test_one_language import leaks

    film_id = submit(engine, "Le passeur")
    submit(engine, "Neige de mars")
    ana, bruno = person("curator", "Ana Lavoie"), person("curator", "Bruno Tremblay")
    notes = ["Belle lumière sur le fleuve.", "Trop long pour une case."]
    act_as(client, bruno)
    judge(client, film_id, 2, notes[1], **HTMX)
    act_as(client, ana, lang)
    data = ["Le passeur", "Neige de mars", "Ana Lavoie", "Bruno Tremblay", *notes]
    data += ["Réal. Le passeur", "Réal. Neige de mars"]
    pages = {
        "/soumissions/boite": client.get("/soumissions/boite").get_data(as_text=True),
        "saved": judge(client, film_id, 4, notes[0], **HTMX).get_data(as_text=True),
        "refused": judge(client, film_id, 0, **HTMX).get_data(as_text=True),
        "too long": judge(client, film_id, 3, "x" * 5000).get_data(as_text=True),
    }
    found = [leak for url, html in pages.items() for leak in leaks(url, html, data, lang)]
    assert [str(leak) for leak in found] == []
