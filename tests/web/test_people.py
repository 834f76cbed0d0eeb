"""Crews in the light: a curator enters technicians with their regions in the film form, a
person's page lists a technician's films (to whoever may see those films), the pitch page and
the kit name the crew, and the observatory counts crews by region."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Credit, Film, Role, Status
from tests.pdfpages import pictures, text_of
from tests.web.test_kit import Kit, kit  # noqa: F401  (the kit's bundle, shared)

Login = Callable[[str], int]


def add_films(engine: Engine, owner: int | None = None) -> tuple[int, int]:
    """Two films a gaffer worked on, in two regions (her name spelt two ways)."""
    glaces = Film(
        original_title="Les Glaces", match_key="glaces", year=2021, status=Status.accepted
    )
    glaces.owner_id = owner
    glaces.credits = [
        Credit(role=Role.director, name="Lou Bérubé", region_code="01"),
        Credit(role=Role.gaffer, name="Élise Gagnon", region_code="01"),
    ]
    quai = Film(original_title="Le Quai", match_key="quai", year=2023, status=Status.accepted)
    quai.credits = [
        Credit(role=Role.director, name="Ana Díaz"),
        Credit(role=Role.gaffer, name="ELISE GAGNON", region_code="11"),
        Credit(role=Role.camera_operator, name="Zoé Roy"),
    ]
    with Session(engine) as session:
        session.add_all([glaces, quai])
        session.commit()
        assert glaces.id is not None and quai.id is not None
        return glaces.id, quai.id


def edit_form(title: str, crew: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    return {
        "original_title": [title],
        "year": ["2023"],
        "directors": ["Ana Díaz"],
        "crew_role": [role for role, _, _ in crew],
        "crew_name": [name for _, name, _ in crew],
        "crew_region": [region for _, _, region in crew],
    }


def test_a_curator_enters_the_crew_and_a_person_page_lists_a_technicians_films(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    _glaces, quai = add_films(engine)
    login("curator")
    form = client.get(f"/catalogue/films/{quai}/modifier").get_data(as_text=True)
    # The crew section holds the film's technicians, each row with its role and region.
    assert 'name="crew_name" value="ELISE GAGNON"' in form
    assert re.search(r'<option value="gaffers" selected>Chef électricien</option>', form)
    assert '<option value="11" selected>11 Gaspésie' in form

    # A region the list does not offer is refused, naming the person; nothing is saved.
    bad = edit_form("Le Quai", [("gaffers", "Elise Gagnon", "11"), ("colorists", "Rémi Roy", "99")])
    page = client.post(f"/catalogue/films/{quai}/modifier", data=bad).get_data(as_text=True)
    assert "Choisissez la région de Rémi Roy dans la liste." in page
    crew = [
        ("gaffers", "Elise Gagnon", "11"),
        ("colorists", "Rémi Roy", "03"),
        ("camera_operators", "Zoé Roy", ""),
        ("", "", ""),  # the blank rows the form offers
    ]
    response = client.post(f"/catalogue/films/{quai}/modifier", data=edit_form("Le Quai", crew))
    assert response.status_code == 302
    with Session(engine) as session:
        saved = session.exec(select(Credit).where(Credit.film_id == quai)).all()
        assert {(c.role, c.name, c.region_code, c.person_key) for c in saved} == {
            (Role.director, "Ana Díaz", None, "ana diaz"),
            (Role.gaffer, "Elise Gagnon", "11", "elise gagnon"),
            (Role.colorist, "Rémi Roy", "03", "remi roy"),
            (Role.camera_operator, "Zoé Roy", None, "zoe roy"),
        }

    film_page = client.get(f"/catalogue/films/{quai}").get_data(as_text=True)
    assert '<a href="/personnes/elise-gagnon">Elise Gagnon</a> (Gaspésie' in film_page
    assert '<a href="/personnes/remi-roy">Rémi Roy</a> (Capitale-Nationale)' in film_page

    person = client.get("/personnes/elise-gagnon").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>(.*?)</tr>", person, re.S)
    shown = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in rows]
    assert [" ".join(r) for r in shown] == [
        "Le Quai 2023 Chef électricien Gaspésie–Îles-de-la-Madeleine",
        "Les Glaces 2021 Chef électricien Bas-Saint-Laurent",
    ]
    assert f'href="/catalogue/films/{quai}"' in person
    assert client.get("/personnes/nobody-here").status_code == 404


def test_a_person_page_shows_each_viewer_only_the_films_they_may_see(
    client: FlaskClient, engine: Engine, login: Login, make_user: Callable[..., int]
) -> None:
    owner = make_user("filmmaker")
    glaces, _quai = add_films(engine, owner=owner)
    assert client.get("/personnes/elise-gagnon").status_code == 302  # to the log-in page
    with client.session_transaction() as session:
        session["user_id"] = owner
    page = client.get("/personnes/elise-gagnon").get_data(as_text=True)
    assert "Les Glaces" in page and "Le Quai" not in page
    assert f'href="/soumissions/{glaces}"' in page
    login("filmmaker")  # another filmmaker: none of her films is theirs
    assert client.get("/personnes/elise-gagnon").status_code == 404
    login("broadcaster")  # nothing shared with this broadcaster
    assert client.get("/personnes/elise-gagnon").status_code == 404


def test_the_pitch_page_and_the_kit_name_the_crew_with_regions(
    client: FlaskClient,
    engine: Engine,
    kit: Kit,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    with Session(engine) as session:
        peat = session.exec(select(Film).where(Film.original_title == "Les tourbières")).one()
        peat.credits += [
            Credit(role=Role.gaffer, name="Élise Gagnon", region_code="01"),
            Credit(role=Role.sound_recordist, name="Karim Haddad", region_code="06", position=0),
            Credit(role=Role.sound_recordist, name="Zoé Roy", position=1),
        ]
        session.add(peat)
        session.commit()
    with client.session_transaction() as session:
        session["user_id"] = kit.curator_id
    pitch = client.get(f"/pitch/anthologies/{kit.bundle_id}").get_data(as_text=True)
    assert "<dt>Chef électricien</dt><dd>Élise Gagnon (Bas-Saint-Laurent)</dd>" in pitch
    assert "<dt>Prise de son</dt><dd>Karim Haddad (Montréal), Zoé Roy</dd>" in pitch
    assert "<dt>Montage</dt><dd>Paul Ouellet</dd>" in pitch

    pdf = client.get(f"/anthologies/{kit.bundle_id}/fiche.pdf").data
    pages = pictures(pdf, tmp_path, "kit-crew")
    assert len(pages) == 5  # still one page per film
    text = " ".join(text_of(pdf)[1].split())
    assert "Élise Gagnon (Bas-Saint-Laurent)" in text
    assert "Karim Haddad (Montréal), Zoé Roy" in text

    # The bundle's sheet carries the crew too: by role, each person with their region.
    sheet = client.get(f"/anthologies/{kit.bundle_id}/fiche.json").get_json()
    assert {"role": "gaffer", "name": "Élise Gagnon", "region_code": "01"} in sheet["films"][0][
        "crew"
    ]
    csv_sheet = client.get(f"/anthologies/{kit.bundle_id}/fiche.csv").get_data(as_text=True)
    assert "gaffer: Élise Gagnon (01)" in csv_sheet
    assert "sound_recordist: Karim Haddad (06); sound_recordist: Zoé Roy" in csv_sheet


def cells(html: str, region: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\">{re.escape(region)}</th>(.*?)</tr>", html, re.S)
    assert row, region
    return re.findall(r"<td[^>]*>(\d+)</td>", row.group(1))


def test_the_observatory_counts_crews_by_region(client: FlaskClient, engine: Engine) -> None:
    add_films(engine)
    html = client.get("/observatoire/").get_data(as_text=True)
    section = html[html.index('id="equipes"') :]
    # People, then credits by craft: direction, production, image, sound, post, design, cast.
    assert cells(section, "Bas-Saint-Laurent") == ["2", "1", "0", "1", "0", "0", "0", "0"]
    assert cells(section, "Gaspésie–Îles-de-la-Madeleine") == ["1", "0", "0", "1"] + ["0"] * 4
    assert cells(section, "Région non précisée") == ["2", "1", "0", "1"] + ["0"] * 4
    assert "Élise" not in section  # aggregates only: no name
