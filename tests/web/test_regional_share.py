"""Every page, export and API answer names what its regional share counts, by runtime and by
films: Québec's regions outside Montréal, or also outside Québec when the rules say so."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Bundle, BundleItem, Film, Proposal
from web.usecases import cataloguing

Login = Callable[[str], int]

# Three films that fill a 44-minute slot: 30 min from the Gaspésie, 7 from Montréal, 6 from
# outside Québec. By default 30 of 43 min (70 %) and 1 film of 3 (33 %) count.
HEADER = "external_id,original_title,year,runtime,form,original_languages,audience,region,directors"
ROWS = f"""{HEADER},status
t-1,Les pêcheurs de Rivière-au-Renard,2019,30,documentary,fra,general,11,Réalisatrice Un,accepted
t-2,Plateau,2020,7,fiction,fra,general,06,Réalisateur Deux,accepted
t-3,Far Away,2018,6,fiction,fra,general,99,Director Three,accepted
"""


@pytest.fixture
def bundle_id(engine: Engine, tmp_path: Path) -> int:
    path = tmp_path / "three.csv"
    path.write_text(ROWS, encoding="utf-8")
    cataloguing.import_catalog(engine, path)
    with Session(engine) as session:
        films = session.exec(select(Film).order_by(Film.external_id)).all()  # type: ignore[arg-type]
        bundle = Bundle(facet="subject", slot_minutes=44, label="Trois regards")
        bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(films)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return bundle.id


def count_outside_quebec(engine: Engine, bundle_id: int) -> None:
    """Make the bundle's proposal count films from outside Québec (the explicit setting)."""
    with Session(engine) as session:
        proposal = Proposal(facet="subject", slot_minutes=44, rules={"outside_quebec_counts": True})
        session.add(proposal)
        session.flush()
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        bundle.proposal_id = proposal.id
        session.add(bundle)
        session.commit()


def test_the_editor_names_what_the_meter_counts_by_runtime_and_by_films(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    login("curator")
    page = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert '<p class="scope">Régions du Québec hors Montréal</p>' in page
    assert "Durée <strong>70 %</strong> (plancher 50 %)" in page
    assert "Films <strong>1 sur 3</strong> (33 %)" in page
    assert 'aria-label="Part de la durée venue des régions du Québec hors Montréal"' in page
    assert "Toutes les règles sont respectées." in page
    cards = client.get("/atelier/").get_data(as_text=True)
    assert "Films <strong>1 sur 3</strong> (33 %)" in cards

    client.post("/langue/en")
    english = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert '<p class="scope">Québec regions outside Montréal</p>' in english
    assert "Films <strong>1 of 3</strong> (33%)" in english

    count_outside_quebec(engine, bundle_id)
    counting = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert '<p class="scope">Québec regions outside Montréal or outside Québec</p>' in counting
    assert "Running time <strong>84%</strong> (floor 50%)" in counting
    assert "Films <strong>2 of 3</strong> (67%)" in counting


def test_a_bundle_short_of_the_floor_says_what_it_counts(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        gaspesie = next(i for i in bundle.items if i.position == 0)
        session.delete(gaspesie)  # 13 min left, none of it from Québec's regions
        session.commit()
    login("curator")
    page = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Durée <strong>0 %</strong>" in page and "Films <strong>0 sur 2</strong>" in page
    assert (
        "0 % de la durée (0 film sur 2) vient des régions du Québec hors Montréal ; "
        "il en faut au moins 50 %"
    ) in page


def test_the_api_names_both_shares(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    login("curator")
    data = client.get(f"/api/v1/bundles/{bundle_id}").get_json()
    assert data["regional_share"] == data["regional_runtime_share"] == round(30 / 43, 4)
    assert data["regional_film_share"] == round(1 / 3, 4) and data["regional_films"] == 1
    assert data["regional_scope"]["label"] == "Québec regions outside Montréal"
    assert "99" not in data["regional_scope"]["region_codes"]
    count_outside_quebec(engine, bundle_id)
    data = client.get(f"/api/v1/bundles/{bundle_id}").get_json()
    assert data["regional_film_share"] == round(2 / 3, 4)
    assert data["regional_scope"]["label"].endswith("or outside Québec")
    assert data["regional_scope"]["region_codes"][-1] == "99"


def test_the_exports_name_the_measure(client: FlaskClient, login: Login, bundle_id: int) -> None:
    login("curator")
    sheet = client.get(f"/anthologies/{bundle_id}/fiche.json").get_json()
    assert sheet["regional"]["scope_fr"] == "régions du Québec hors Montréal"
    assert sheet["regional"]["runtime_share"] == round(30 / 43, 4)
    assert sheet["regional"]["film_share"] == round(1 / 3, 4)
    assert [f["counts_toward_regional_floor"] for f in sheet["films"]] == [True, False, False]
    table = client.get(f"/anthologies/{bundle_id}/fiche.csv").get_data(as_text=True)
    header, first, second, _ = table.splitlines()
    assert "counts_toward_regional_floor" in header.split(",")
    assert ",yes," in first and ",no," in second

    from pypdf import PdfReader

    pdf = client.get(f"/anthologies/{bundle_id}/fiche.pdf").data
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Régions du Québec hors Montréal : 70 % de la durée, 1 film sur 3 (33 %)" in text


def test_the_pitch_page_says_what_its_region_chart_counts(
    client: FlaskClient, login: Login, bundle_id: int
) -> None:
    login("curator")
    html = " ".join(client.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True).split())
    # The regions outside Montréal, apart from Montréal and from outside Québec (not regional).
    assert (
        '<strong>Autres régions du Québec</strong> <span class="value">30 min · 1 film · 70 %'
    ) in html
    assert '<strong>Montréal</strong> <span class="value">7 min · 1 film · 16 %' in html
    assert '<strong>Hors Québec</strong> <span class="value">6 min · 1 film · 14 %' in html
    # Each region of the chart named, with its runtime, films and share as text.
    assert (
        '<span class="name">Gaspésie–Îles-de-la-Madeleine</span>'
        ' <span class="value">30 min · 1 film · 70 %</span>'
    ) in html
    client.post("/langue/en")
    english = " ".join(client.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True).split())
    assert (
        '<strong>Other Québec regions</strong> <span class="value">30 min · 1 film · 70%'
    ) in english


@pytest.mark.parametrize(("kept", "exempt"), [("t-2", True), ("t-3", False)])
def test_a_one_region_bundle_says_it_has_no_floor_but_foreign_films_get_none(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int, kept: str, exempt: bool
) -> None:
    with Session(engine) as session:
        keep = session.exec(select(Film.id).where(Film.external_id == kept)).one()
        items = session.exec(select(BundleItem).where(BundleItem.bundle_id == bundle_id)).all()
        for item in items:
            if item.film_id != keep:
                session.delete(item)
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        bundle.facet = "region"
        session.add(bundle)
        session.commit()
    login("curator")
    page = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert ("sans plancher : anthologie d'une seule région" in page) is exempt
    assert ("(plancher 50 %)" in page) is not exempt
    assert ("vient des régions du Québec hors Montréal" in page) is not exempt


@pytest.mark.parametrize("ticked", [False, True])
def test_the_proposal_form_counts_films_from_outside_quebec_only_when_asked(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int, ticked: bool
) -> None:
    with Session(engine) as session:  # free the three films for the proposal
        session.delete(session.get(Bundle, bundle_id))
        session.commit()
    login("curator")
    form = {"facet": "subject", "slot": "44"} | ({"outside_quebec_counts": "1"} if ticked else {})
    assert client.post("/atelier/", data=form).status_code == 302
    with Session(engine) as session:
        proposal = session.exec(select(Proposal)).one()
        assert proposal.rules["outside_quebec_counts"] is ticked
        (bundle,) = session.exec(select(Bundle).where(Bundle.proposal_id == proposal.id)).all()
    page = client.get(f"/atelier/anthologies/{bundle.id}").get_data(as_text=True)
    assert ("Régions du Québec hors Montréal ou hors Québec</p>" in page) is ticked
    assert ("Films <strong>2 sur 3</strong>" in page) is ticked


def test_the_pitch_chart_names_an_unknown_region(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    with Session(engine) as session:
        film = session.exec(select(Film).where(Film.external_id == "t-3")).one()
        film.region_code = None
        session.add(film)
        session.commit()
    login("curator")
    html = client.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True)
    assert '<span class="name">Région inconnue</span>' in html
    assert "<strong>Région inconnue</strong>" in html
    assert "<strong>Autres régions du Québec</strong>" in html
