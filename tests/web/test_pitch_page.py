"""The buyer's pitch page: the running order against the slot with its values, where the films
come from with theirs, stand-in images said to be so, no score of the engine, each text in the
recipient's language, and a page that says why a link does not open."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import sharing
from catalog.models import Bundle, BundleItem, Film, MediaAsset, Proposal, ShareLink, utcnow
from web.access import link_token
from web.usecases.pitching import origins, running_order

MONTREAL_FR = "Des tours qui tombent et des voisins qui restent."
MONTREAL_EN = "Towers fall and neighbours stay."
NORTH_FR = "Un passeur raconte l'hiver sur le fleuve."
ABROAD_EN = "A ferry crossing, told from the other shore."


@dataclass(frozen=True)
class Pitch:
    bundle_id: int
    films: tuple[int, int, int]
    share_id: int
    curator_id: int


@pytest.fixture
def pitch(app: Flask, engine: Engine, make_user: Callable[..., int]) -> Pitch:
    """Three films (Montréal 13 min, Côte-Nord 20 min, outside Québec 8 min) in a 44-minute
    slot with 30 s interstitials, the first with a stand-in image; shared by a curator."""
    curator = make_user("curator", name="Anne Programmation")
    root = Path(app.config["MEDIA_ROOT"])
    (root / "posters").mkdir(parents=True, exist_ok=True)
    (root / "posters" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 poster")
    with Session(engine) as session:
        films = [
            Film(
                original_title="Les Tours",
                match_key="les tours",
                runtime_seconds=13 * 60,
                region_code="06",
                synopsis_fr=MONTREAL_FR,
                synopsis_en=MONTREAL_EN,
                original_languages=["fra"],
                subtitle_languages=["eng"],
            ),
            Film(
                original_title="Le passeur",
                match_key="le passeur",
                runtime_seconds=20 * 60,
                region_code="09",
                synopsis_fr=NORTH_FR,
            ),
            Film(
                original_title="Other Shore",
                match_key="other shore",
                runtime_seconds=8 * 60,
                region_code="99",
                synopsis_en=ABROAD_EN,
            ),
        ]
        proposal = Proposal(facet="subject", slot_minutes=44, rules={"interstitial_seconds": 30})
        session.add_all([*films, proposal])
        session.flush()
        bundle = Bundle(
            proposal_id=proposal.id,
            facet="subject",
            slot_minutes=44,
            label="Traversées",
            label_en="Crossings",
            explanation="3 films : tous des documentaires ; proximité moyenne 0,80.",
            explanation_en="3 films: all documentaries; mean closeness 0.80.",
            pitch_text="Trois traversées, d'une rive à l'autre.",
        )
        bundle.items = [
            BundleItem(film_id=f.id, position=i)  # type: ignore[call-arg]
            for i, f in enumerate(films)
        ]
        session.add(bundle)
        session.add(
            MediaAsset(
                film_id=films[0].id,  # type: ignore[arg-type]
                path="originals/a.webm",
                size_bytes=1,
                sha256="0" * 64,
                poster_path="posters/a.jpg",
                is_stand_in=True,
            )
        )
        session.flush()
        assert bundle.id is not None
        share = sharing.share_bundle(
            session, bundle.id, "Julie", utcnow() + timedelta(days=7), created_by=curator
        )
        session.commit()
        assert share.id is not None
        ids = tuple(f.id or 0 for f in films)
        return Pitch(bundle.id, (ids[0], ids[1], ids[2]), share.id, curator)


def link(app: Flask, share_id: int) -> str:
    with app.test_request_context():
        return f"/pitch/lien/{link_token(share_id)}"


def set_share(engine: Engine, share_id: int, **values: object) -> None:
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        assert share is not None
        for name, value in values.items():
            setattr(share, name, value)
        session.add(share)
        session.commit()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def section(html: str, css_class: str) -> str:
    return html.split(f'class="{css_class}"', 1)[1].split("</section>", 1)[0]


def test_the_timeline_lays_the_films_and_breaks_on_the_slot(app: Flask, pitch: Pitch) -> None:
    html = app.test_client().get(link(app, pitch.share_id)).get_data(as_text=True)
    track = section(html, "timeline").split('class="track"', 1)[1].split("</div>", 1)[0]
    segments = re.findall(r'class="seg seg-(\w+)[^"]*"[^>]*data-seconds="(\d+)"', track)
    kinds = [kind for kind, _ in segments]
    assert kinds == ["interstitial", "film"] * 3 + ["free"]
    seconds = [int(s) for _, s in segments]
    assert sum(seconds) == 44 * 60
    films = [int(s) for kind, s in segments if kind == "film"]
    assert films == [13 * 60, 20 * 60, 8 * 60] and sum(films) == 41 * 60
    # Its values written out: the legend under the bar says the same numbers in words.
    legend = section(html, "timeline").split('class="legend"', 1)[1]
    assert [int(s) for s in re.findall(r'data-seconds="(\d+)"', legend)] == seconds
    words = text_of(section(html, "timeline"))
    assert "41 min de films et 1 min 30 s d'interstitiels sur une case de 44 min" in words
    assert "il reste 1 min 30 s" in words
    assert "0:30 –13:30" in words and "1. Les Tours" in words and "20 min" in words


def test_a_bundle_past_its_slot_says_by_how_much(app: Flask, engine: Engine, pitch: Pitch) -> None:
    with Session(engine) as session:
        bundle = session.get(Bundle, pitch.bundle_id)
        assert bundle is not None
        bundle.slot_minutes = 30
        session.add(bundle)
        session.commit()
    html = app.test_client().get(link(app, pitch.share_id)).get_data(as_text=True)
    assert "la case est dépassée de 12 min 30 s" in text_of(html)
    assert 'class="seg seg-over"' in html


def test_the_regions_are_listed_with_their_values(app: Flask, pitch: Pitch) -> None:
    html = app.test_client().get(link(app, pitch.share_id)).get_data(as_text=True)
    origins = text_of(section(html, "origins"))
    assert "Montréal 13 min · 1 film · 32 %" in origins
    assert "Autres régions du Québec 20 min · 1 film · 49 %" in origins
    assert "Hors Québec 8 min · 1 film · 20 %" in origins
    rows = text_of(section(html, "origins").split('class="bar-list">', 1)[1])
    assert rows.split()[0] == "Montréal"  # Montréal first, then the regions, then abroad
    assert rows.index("Côte-Nord 20 min · 1 film · 49 %") < rows.index("Hors Québec 8 min")
    assert "films de 2 régions du Québec" in text_of(html)


def test_a_stand_in_image_is_labelled_and_no_number_runs_under_it(app: Flask, pitch: Pitch) -> None:
    html = app.test_client().get(link(app, pitch.share_id)).get_data(as_text=True)
    films = html.split('<ul class="films"', 1)[1]
    cards = films.split('<li class="film-card">')[1:]
    assert len(cards) == 3
    assert "Image provisoire" in cards[0] and "/poster" in cards[0]
    assert "Image provisoire" not in cards[1] and "Pas d'image pour ce film" in text_of(cards[1])
    assert "<ol" not in films.split("</ul>", 1)[0]


@pytest.mark.parametrize("who", ["link", "curator"])
def test_no_score_of_the_engine_reaches_the_page(
    app: Flask, client: FlaskClient, pitch: Pitch, who: str
) -> None:
    if who == "link":
        viewer = app.test_client()
        html = viewer.get(link(app, pitch.share_id)).get_data(as_text=True)
    else:
        with client.session_transaction() as session:
            session["user_id"] = pitch.curator_id
        html = client.get(f"/pitch/anthologies/{pitch.bundle_id}").get_data(as_text=True)
    words = text_of(html)
    for internal in ("proximité", "0,80", "cohésion", "plancher", "hors Montréal"):
        assert internal not in words
    assert "3 films : tous des documentaires." in words
    assert ("Aperçu" in words) is (who == "curator")
    assert ('id="answer-bundle"' in html) is (who == "link")
    shown = html if who == "link" else html.split('<article class="pitch">', 1)[1]
    assert "/atelier" not in shown and "/partages" not in shown and "/catalogue" not in shown


def test_a_recipient_reads_the_page_in_their_language_until_they_switch(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    set_share(engine, pitch.share_id, recipient_language="en")
    viewer = app.test_client()
    html = viewer.get(link(app, pitch.share_id), headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    words = text_of(html)
    assert '<html lang="en">' in html and "Crossings" in words
    assert MONTREAL_EN in words and MONTREAL_FR not in words
    assert ABROAD_EN in words
    assert NORTH_FR in words and "(in French)" in words  # told only in French, said so
    assert "3 films: all documentaries." in words and "closeness" not in words
    assert "Placeholder image" in words and "Running order" in words
    # Reloading the bundle's page keeps the recipient's language…
    page = f"/pitch/anthologies/{pitch.bundle_id}"
    assert '<html lang="en">' in viewer.get(page).get_data(as_text=True)
    # …until they pick French with the header's switch.
    viewer.post("/langue/fr", headers={"Referer": page})
    html = viewer.get(page).get_data(as_text=True)
    assert '<html lang="fr">' in html and MONTREAL_FR in text_of(html)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_mistyped_link_gets_a_page_of_the_site(app: Flask, pitch: Pitch, lang: str) -> None:
    good = link(app, pitch.share_id)
    for bad in (good[:-3] + "xyz", "/pitch/lien/eyJzaGFyZSI6MX0.forged"):
        page = app.test_client().get(bad, headers={"Accept-Language": lang})
        html = page.get_data(as_text=True)
        assert page.status_code == 404
        assert f'<html lang="{lang}">' in html and 'class="site"' in html
        assert "Not Found" not in html
        expected = {"fr": "Ce lien ne mène à aucune anthologie", "en": "leads to no anthology"}
        assert expected[lang] in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_expired_or_revoked_link_says_so_and_whom_to_ask(
    app: Flask, engine: Engine, pitch: Pitch, lang: str
) -> None:
    """In the recipient's language, whatever the browser asks for."""
    url = link(app, pitch.share_id)
    headers = {"Accept-Language": "en" if lang == "fr" else "fr"}
    expired = utcnow() - timedelta(days=1)
    set_share(engine, pitch.share_id, expires_at=expired, recipient_language=lang)
    page = app.test_client().get(url, headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    said = {"fr": "Ce lien a expiré", "en": "This link has expired"}
    assert said[lang] in html and "Anne Programmation" in html and "mailto:" in html
    set_share(engine, pitch.share_id, expires_at=utcnow() + timedelta(days=1), revoked_at=utcnow())
    page = app.test_client().get(url, headers=headers)
    said = {"fr": "Ce lien a été retiré", "en": "This link has been withdrawn"}
    assert page.status_code == 410 and said[lang] in page.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_link_whose_window_is_not_open_says_when_it_opens(
    app: Flask, engine: Engine, pitch: Pitch, lang: str
) -> None:
    opens = (utcnow() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    set_share(engine, pitch.share_id, starts_at=opens, recipient_language=lang)
    page = app.test_client().get(link(app, pitch.share_id))
    html = text_of(page.get_data(as_text=True))
    assert page.status_code == 403
    said = {"fr": "La présentation s'ouvrira le", "en": "The presentation opens on"}
    assert said[lang] in html and str(opens.year) in html and str(opens.day) in html
    assert "Traversées" not in html and "Les Tours" not in html


def film(runtime: int | None, region: str | None) -> Film:
    return Film(original_title="F", match_key="f", runtime_seconds=runtime, region_code=region)


def test_the_running_order_without_breaks_and_with_a_film_of_unknown_runtime() -> None:
    timeline = running_order([film(600, "06"), film(None, "01"), film(900, "99")], 1800)
    assert [s.kind for s in timeline.segments] == ["film", "film", "film", "free"]
    assert [s.start for s in timeline.segments] == [0, 600, 600, 1500]
    assert (timeline.runtime, timeline.free, timeline.over) == (1500, 300, 0)
    full = running_order([film(1800, "06")], 1800)
    assert [s.kind for s in full.segments] == ["film"] and full.free == full.over == 0
    over = running_order([film(1000, "06"), film(1000, "01")], 1800, interstitial=30)
    assert (over.used, over.over, over.scale) == (2060, 260, 2060)
    assert over.segments[-1].kind == "over" and over.segments[-1].start == 1800
    assert round(sum(over.share(s) for s in over.segments if s.kind != "over")) == 100


def test_the_origins_name_montreal_the_regions_outside_quebec_and_the_unknown() -> None:
    found = origins([film(600, "09"), film(300, None), film(600, "06"), film(900, "09")])
    assert [(r.code, r.area, r.seconds, r.films) for r in found.regions] == [
        ("06", "montreal", 600, 1),
        ("09", "regions", 1500, 2),
        (None, "unknown", 300, 1),
    ]
    assert [(a.area, a.seconds, a.films) for a in found.areas] == [
        ("montreal", 600, 1),
        ("regions", 1500, 2),
        ("unknown", 300, 1),
    ]
    assert found.quebec_regions == 2
    assert round(sum(r.of_runtime for r in found.regions), 6) == 1


def test_an_english_pitch_text_reaches_english_readers_and_only_them(
    app: Flask, engine: Engine, pitch: Pitch
) -> None:
    with Session(engine) as session:
        bundle = session.get(Bundle, pitch.bundle_id)
        assert bundle is not None
        bundle.pitch_text_en = "Three crossings, from one shore to the other."
        session.add(bundle)
        session.commit()
    set_share(engine, pitch.share_id, recipient_language="en")
    words = text_of(app.test_client().get(link(app, pitch.share_id)).get_data(as_text=True))
    assert "Three crossings, from one shore to the other." in words
    assert "Trois traversées" not in words
    assert "Three crossings, from one shore to the other. (in French)" not in words
    set_share(engine, pitch.share_id, recipient_language="fr")
    words = text_of(app.test_client().get(link(app, pitch.share_id)).get_data(as_text=True))
    assert "Trois traversées, d'une rive à l'autre." in words and "Three crossings" not in words
