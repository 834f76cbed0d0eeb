"""Export readiness and youth programmes on the pages: a film's markets, the catalog's
"ready for an English-language buyer" filter (the same judgement as catalog/readiness.py),
a bundle's blocking film, the youth programme by age band and the observatory's youth table."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog import versions
from catalog.models import (
    Bundle,
    BundleItem,
    Film,
    FilmVersion,
    PromoAsset,
    Proposal,
    Status,
)
from catalog.readiness import ENGLISH, film_readiness
from web.usecases import youth

Login = Callable[[str], int]
FAILING = {"passed": False, "errors": 3, "warnings": 0, "findings": []}
PASSING = {"passed": True, "errors": 0, "warnings": 1, "findings": []}


def add_film(session: Session, title: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "original_languages": ["fra"],
        "status": Status.accepted,
        "runtime_seconds": 11 * 60,
        "region_code": "11",
    }
    values.update(fields)
    film = Film(original_title=title, match_key=title, sort_title=title.lower(), **values)
    session.add(film)
    session.flush()
    assert film.id is not None
    return film.id


def add_version(session: Session, film_id: int, kind: str, language: str, qc: Any = None) -> None:
    session.add(
        FilmVersion(
            film_id=film_id,
            kind=kind,
            language=language,
            path=f"versions/{film_id}/{kind}.{language}",
            qc=qc or {},
        )
    )


def titles_listed(page: str) -> set[str]:
    films = page.split('id="films"', 1)[1]
    return {html.unescape(t) for t in re.findall(r'/catalogue/films/\d+">([^<]+)</a>', films)}


def test_markets_on_the_film_page_the_english_buyer_filter_and_the_bundle(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("curator")
    with Session(engine) as session:
        ids = {
            "Seul en français": add_film(session, "Seul en français"),
            "Sous-titres déclarés": add_film(
                session, "Sous-titres déclarés", subtitle_languages=["eng"], closed_captions=True
            ),
            "Fichier en échec": add_film(session, "Fichier en échec"),
            "Déclaré mais en échec": add_film(
                session, "Déclaré mais en échec", subtitle_languages=["eng"]
            ),
            "Doublé en anglais": add_film(session, "Doublé en anglais"),
            "English original": add_film(session, "English original", original_languages=["eng"]),
            "Sous-titres réussis": add_film(session, "Sous-titres réussis"),
        }
        add_version(session, ids["Fichier en échec"], "subtitles", "eng", FAILING)
        add_version(session, ids["Déclaré mais en échec"], "subtitles", "eng", FAILING)
        add_version(session, ids["Doublé en anglais"], "dub", "eng")
        add_version(session, ids["Sous-titres réussis"], "subtitles", "eng", PASSING)
        add_version(session, ids["Sous-titres réussis"], "described", "fra")
        session.commit()
        films = list(session.get(Film, i) for i in ids.values())
        attached = versions.versions_by_film(session, list(ids.values()))
        ready = {
            f.original_title
            for f in films
            if f and film_readiness(f, attached.get(f.id or 0, [])).ready_for(ENGLISH)
        }
    expected = {"Sous-titres déclarés", "Doublé en anglais", "English original"}
    expected.add("Sous-titres réussis")
    assert ready == expected

    # The catalog's filter, kept in the URL, lists the films the logic calls ready.
    page = client.get("/catalogue/?ready=eng").get_data(as_text=True)
    assert titles_listed(page) == expected
    assert re.search(r'name="ready" value="eng"\s+checked', page)
    assert len(titles_listed(client.get("/catalogue/").get_data(as_text=True))) == len(ids)

    # The film page says where it can go and why it cannot.
    failing = client.get(f"/catalogue/films/{ids['Fichier en échec']}").get_data(as_text=True)
    markets = failing.split('id="marches"', 1)[1].split("</section>", 1)[0]
    assert "Marché anglophone" in markets and "présent, contrôle en échec" in markets
    assert "3 erreurs au contrôle" in markets
    done = client.get(f"/catalogue/films/{ids['Sous-titres réussis']}").get_data(as_text=True)
    done_markets = done.split('id="marches"', 1)[1].split("</section>", 1)[0]
    assert done_markets.count("✓") == 3  # French (original), English (file), described video
    assert "à joindre : un fichier de sous-titres codés ou SME" in done_markets

    # A bundle: French for every film; English blocked by the failing film, and why.
    with Session(engine) as session:
        bundle = Bundle(facet="subject", slot_minutes=22, label="Essai des marchés")
        bundle.items = [
            BundleItem(film_id=ids["Sous-titres réussis"], position=0),  # type: ignore[call-arg]
            BundleItem(film_id=ids["Fichier en échec"], position=1),  # type: ignore[call-arg]
        ]
        session.add(bundle)
        session.commit()
        bundle_id = bundle.id
    editor = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    block = editor.split('class="markets bundle-markets"', 1)[1].split("</details>", 1)[0]
    assert "prête pour : Marché francophone" in html.unescape(block)
    english = block.split("Marché anglophone", 1)[1].split("</li>\n  \n", 1)[0]
    assert "1 film bloque" in english and "Fichier en échec" in english
    assert "Sous-titres réussis</a>" not in english


def test_youth_programme_by_age_band_with_teacher_guides(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    login("curator")
    with Session(engine) as session:
        small = add_film(
            session, "Les tout-petits", audience="jeunesse", audience_age_min=3, audience_age_max=5
        )
        add_film(session, "Primaire", audience="jeunesse", audience_age_min=6, audience_age_max=10)
        add_film(session, "Ados", audience="jeunesse", audience_age_min=13, audience_age_max=17)
        add_film(session, "Sans âge", audience="jeunesse")
        add_film(session, "Pour adultes", audience="adulte")
        add_film(
            session,
            "Refusé",
            audience="jeunesse",
            audience_age_min=6,
            audience_age_max=8,
            status=Status.declined,
        )
        session.add(
            PromoAsset(
                film_id=small, kind="teacher_guide", media_type="pdf", path="promo/guide.pdf"
            )
        )
        session.commit()

    def listed(url: str) -> list[str]:
        page = client.get(url).get_data(as_text=True)
        part = page.split('class="youth-films"', 1)[1].split("</ul>", 1)[0]
        return re.findall(r'/catalogue/films/\d+">([^<]+)</a>', part)

    assert listed("/catalogue/jeunesse?ages=6-8") == ["Primaire"]
    assert listed("/catalogue/jeunesse?ages=9-12") == ["Primaire"]
    assert listed("/catalogue/jeunesse?ages=3-5") == ["Les tout-petits"]
    assert listed("/catalogue/jeunesse") == ["Ados", "Les tout-petits", "Primaire", "Sans âge"]
    # An unknown band is no band: every youth film.
    assert len(listed("/catalogue/jeunesse?ages=1-99")) == 4
    page = client.get("/catalogue/jeunesse?ages=3-5").get_data(as_text=True)
    assert "3–5 ans" in page and "guide pédagogique" in page
    assert "pas de guide pédagogique" not in page.split('class="youth-films"', 1)[1]
    assert 'aria-current="page">3–5 ans' in page
    assert (
        client.get("/catalogue/jeunesse?ages=13-17")
        .get_data(as_text=True)
        .count("pas de guide pédagogique")
        == 1
    )


def test_the_observatory_counts_youth_films_by_region(client: FlaskClient, engine: Engine) -> None:
    with Session(engine) as session:
        kids = {"audience": "jeunesse"}
        add_film(session, "A", region_code="01", audience_age_min=3, audience_age_max=5, **kids)
        add_film(session, "B", region_code="01", audience_age_min=6, audience_age_max=10, **kids)
        add_film(session, "C", region_code="06", **kids)
        add_film(session, "D", region_code="06", status=Status.declined, **kids)
        add_film(session, "E", region_code="06", audience="general")
        session.commit()
        rows = youth.by_region(session)
    assert [(r.region_code, r.films, r.no_ages) for r in rows] == [("01", 2, 0), ("06", 1, 1)]
    assert rows[0].by_band == {(3, 5): 1, (6, 8): 1, (9, 12): 1, (13, 17): 0}
    page = client.get("/observatoire/").get_data(as_text=True)
    table = page.split('id="jeunesse"', 1)[1].split("</table>", 1)[0]
    assert "3 films jeunesse au catalogue" in table
    cells = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", table)
    counts = {name: re.findall(r">(\d+)</td>", rest) for name, rest in cells}
    assert counts == {
        "Bas-Saint-Laurent": ["2", "1", "1", "1", "0", "0", "0"],
        "Montréal": ["1", "0", "0", "0", "0", "1", "0"],
    }


def test_a_proposal_for_an_english_buyer_in_one_age_band(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    """The proposal form's two options reach the proposal: only films an English-language
    buyer can take now are bundled, and each bundle keeps to one age band."""
    login("curator")
    kids: dict[str, Any] = {"audience": "jeunesse", "synopsis_fr": "Un conte pour enfants."}
    with Session(engine) as session:
        small = {"audience_age_min": 3, "audience_age_max": 5}
        older = {"audience_age_min": 9, "audience_age_max": 12}
        ready = {
            add_film(session, "Petit ours", original_languages=["eng"], **small, **kids),
            add_film(session, "Petit loup", subtitle_languages=["eng"], **small, **kids),
            add_film(session, "Grand ours", original_languages=["eng"], **older, **kids),
            add_film(session, "Grand loup", original_languages=["eng"], **older, **kids),
        }
        french_only = add_film(session, "Petit renard", **small, **kids)
        failing = add_film(session, "Petit lièvre", **small, **kids)
        add_version(session, failing, "subtitles", "eng", FAILING)
        session.commit()
    form = {"facet": "subject", "slot": "22", "one_age_band": "1", "ready_for": "eng"}
    assert client.post("/atelier/", data=form).status_code == 302
    with Session(engine) as session:
        proposal = session.exec(select(Proposal)).one()
        assert proposal.rules["one_age_band"] is True and proposal.rules["ready_for"] == "eng"
        bundles = session.exec(select(Bundle).where(Bundle.proposal_id == proposal.id)).all()
        placed = [{item.film_id for item in b.items} for b in bundles]
        films = {f.id: f for f in session.exec(select(Film)).all()}
    assert set().union(*placed) == ready
    assert not {french_only, failing} & set().union(*placed)
    for ids in placed:
        assert len({films[i].audience_age_min for i in ids}) == 1  # 3–5 apart from 9–12
