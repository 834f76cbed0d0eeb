"""The PDF pitch kit: rendered to pictures with poppler's pdftoppm and read back with pypdf, as a
buyer would print and read it."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Bundle, BundleItem, Credit, Film, MediaAsset, Role, ShareLink, utcnow
from tests.components import require_component
from tests.pdfpages import pictures, text_of
from web.access import link_token
from web.usecases.kit import STILL_PX


@dataclass(frozen=True)
class Kit:
    bundle_id: int
    curator_id: int
    share_id: int


def still(path: Path, hue: int) -> None:
    """A 1920 × 1080 frame: a coloured sky, a field and a sun; noise so it does not compress
    to nothing (a real poster frame does not)."""
    rng = np.random.default_rng(hue)
    sky = np.zeros((1080, 1920, 3), dtype=np.uint8)
    sky[..., hue % 3] = 200
    sky[600:, :, (hue + 1) % 3] = 170
    sky = np.clip(sky.astype(int) + rng.integers(-25, 25, sky.shape), 0, 255).astype(np.uint8)
    picture = Image.fromarray(sky)
    ImageDraw.Draw(picture).ellipse((1300, 150, 1600, 450), fill=(250, 220, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path)


def film(title: str, **fields: object) -> Film:
    return Film(match_key=title.lower(), original_title=title, **fields)  # type: ignore[arg-type]


@pytest.fixture
def kit(app: Flask, engine: Engine, make_user: Callable[..., int]) -> Kit:
    """Three films: one with its own poster frame and every field a buyer reads, one with a
    stand-in picture and nothing about its rights, one with no picture and only French text.
    Shared by a named curator with Julie Tremblay of Télé-Québec, who reads English."""
    curator = make_user("curator", email="marie@anthologie.test", name="Marie Gagnon")
    media = Path(app.config["MEDIA_ROOT"])
    still(media / "films" / "1" / "poster.png", 0)
    still(media / "films" / "2" / "poster.png", 2)
    peat = film(
        "Les tourbières",
        title_en="The Peat Bogs",
        year=2019,
        runtime_seconds=13 * 60,
        region_code="01",
        municipality="Rivière-du-Loup",
        original_languages=["fra"],
        subtitle_languages=["eng", "fra"],
        synopsis_fr="Une récolteuse de tourbe filmée comme une chorégraphie.",
        synopsis_en="A peat harvester filmed as a choreography of machines and workers.",
        festival_selections=["Festival du nouveau cinéma 2019", "Hot Docs 2020"],
        awards=["Prix du public, Rendez-vous Québec Cinéma 2020"],
        rights_territories=["Canada", "FR"],
        rights_window_start=date(2026, 1, 1),
        rights_window_end=date(2028, 12, 31),
        rights_exclusive=False,
        rights_notes="Télévision linéaire et vidéo sur demande.",
    )
    peat.credits = [
        Credit(role=Role.director, name="Anne Lévesque"),
        Credit(role=Role.producer, name="Les Films du Fleuve"),
        Credit(role=Role.editor, name="Paul Ouellet"),
    ]
    hides = film(
        "Nous & <eux>",
        year=2022,
        runtime_seconds=9 * 60,
        region_code="06",
        original_languages=["fra", "eng"],
        synopsis_fr="Deux chasseurs dans une cache, trois jours à attendre.",
        synopsis_en="Two hunters in a hide, waiting for three days.",
    )
    hides.credits = [Credit(role=Role.director, name="Léa Côté")]
    winter = film(
        "Hiver",
        year=2021,
        runtime_seconds=21 * 60 + 20,
        region_code="99",
        synopsis_fr="Un village sous la neige raconte son hiver, de novembre à avril.",
    )
    winter.credits = [Credit(role=Role.director, name="Jean Roy")]
    with Session(engine) as session:
        session.add_all([peat, hides, winter])
        session.flush()
        bundle = Bundle(
            facet="subject",
            slot_minutes=44,
            label="Territoires habités",
            label_en="Inhabited Lands",
            pitch_text=(
                "Trois films sur des gens et leurs paysages <du Bas-Saint-Laurent> & d'ailleurs."
            ),
            explanation="3 films : paysages et travail; proximité moyenne 0,16",
            scores={"cohesion": 0.16},
        )
        bundle.items = [
            BundleItem(film_id=f.id, position=i)  # type: ignore[arg-type]
            for i, f in enumerate([peat, hides, winter])
        ]
        session.add(bundle)
        for number, (item, stand_in) in enumerate([(peat, False), (hides, True)], start=1):
            session.add(
                MediaAsset(
                    film_id=item.id,  # type: ignore[arg-type]
                    path=f"films/{number}/original.mp4",
                    size_bytes=1,
                    sha256=str(number) * 64,
                    poster_path=f"films/{number}/poster.png",
                    is_stand_in=stand_in,
                )
            )
        session.flush()
        share = ShareLink(
            bundle_id=bundle.id,  # type: ignore[arg-type]
            recipient_name="Julie Tremblay",
            recipient_email="julie@telequebec.test",
            recipient_organisation="Télé-Québec",
            recipient_language="en",
            created_by=curator,
            expires_at=utcnow() + timedelta(days=14),
        )
        session.add(share)
        session.commit()
        assert bundle.id is not None and share.id is not None
        return Kit(bundle.id, curator, share.id)


def coloured(page: np.ndarray) -> float:
    """The share of a page's pixels in strong colour (a still), not ink on paper: the text is
    navy, grey, black and one accent, which stay under this saturation."""
    spread = page.max(axis=2) - page.min(axis=2)
    return float((spread > 120).mean())


def ink(area: np.ndarray) -> float:
    """The share of an area's pixels that are dark: text, rules, pictures."""
    return float((area.mean(axis=2) < 160).mean())


def test_the_kit_has_a_cover_a_page_per_film_and_a_contact_page(
    client: FlaskClient, kit: Kit, tmp_path: Path
) -> None:
    with client.session_transaction() as session:
        session["user_id"] = kit.curator_id
    response = client.get(f"/anthologies/{kit.bundle_id}/fiche.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    if b"DejaVu" not in pdf:  # the PDF core fonts have no œ, no Indigenous languages' letters
        require_component("the DejaVu fonts", "install fonts-dejavu-core for the pitch kit")
    pages = pictures(pdf, tmp_path, "kit-fr")
    assert len(pages) == 1 + 3 + 1
    for page in pages:  # not blank: ink above the footer, more than a line or two of it
        assert ink(page[: int(page.shape[0] * 0.9)]) > 0.004
    cover, peat, hides, winter, contact = pages
    assert coloured(cover) > 0.05  # the films' stills
    assert coloured(peat) > 0.15 and coloured(hides) > 0.15
    assert coloured(winter) < 0.005 and coloured(contact) < 0.005  # no picture, no grey box

    text = text_of(pdf)
    whole = " ".join(text)
    assert "Territoires habités" in text[0] and "Trois films sur des gens" in text[0]
    assert "<du Bas-Saint-Laurent> & d'ailleurs" in text[0]
    assert "3 films" in text[0] and "43 min 20 s au total, pour une case de 44 min" in text[0]
    assert "Bas-Saint-Laurent (13 min)" in text[0] and "Hors Québec (21 min 20 s)" in text[0]
    assert "Les tourbières" in text[1] and "Nous & <eux>" in text[2] and "Hiver" in text[3]
    assert "Anne Lévesque" in text[1] and "Les Films du Fleuve" in text[1]
    assert "Rivière-du-Loup, Bas-Saint-Laurent" in text[1]
    assert "Hot Docs 2020" in text[1] and "Prix du public" in text[1]
    assert "Une récolteuse de tourbe" in text[1] and "A peat harvester" not in whole
    assert "anglais, français" in text[1]  # subtitles, in words
    assert "du 1er janvier 2026 au 31 décembre 2028" in text[1] and "Non exclusifs" in text[1]
    assert "Image provisoire" in text[2] and "Image provisoire" not in text[1]
    assert text[2].count("À confirmer") == 3  # territories, window, exclusivity
    assert "Marie Gagnon" in text[4] and "marie@anthologie.test" in text[4]
    assert "Page 5 sur 5" in text[4] and "ANTHOLOGIE" in text[4]
    assert "Préparé pour" not in whole  # a curator's own download is for no one in particular
    for internal in ("proximité", "Proximité", "cohésion", "cohesion", "0,16"):
        assert internal not in whole

    # Stills are scaled down for print, not embedded at their 1920 px.
    reader = PdfReader(io.BytesIO(pdf))
    widths = [image.image.width for page in reader.pages for image in page.images]
    assert widths and max(widths) <= STILL_PX
    assert len(pdf) < 700_000, len(pdf)


def test_a_recipient_gets_the_kit_in_their_language_prepared_for_them(
    app: Flask, kit: Kit, tmp_path: Path
) -> None:
    buyer = app.test_client()  # French pages; the link says she reads English
    with app.test_request_context():
        token = link_token(kit.share_id)
    assert buyer.get(f"/pitch/lien/{token}").status_code == 200
    pdf = buyer.get(f"/anthologies/{kit.bundle_id}/fiche.pdf").data
    pages = pictures(pdf, tmp_path, "kit-en")
    assert len(pages) == 5
    text = text_of(pdf)
    whole = " ".join(text)
    assert "PITCH KIT Inhabited Lands" in text[0]
    assert "& d'ailleurs. (in French)" in text[0]  # the curator's pitch, said to be French
    assert "PREPARED FOR Julie Tremblay Télé-Québec" in text[0]
    assert "Prepared for Julie Tremblay, Télé-Québec on" in text[4]
    assert "The Peat Bogs" in text[1] and "Original title: Les tourbières" in text[1]
    assert "A peat harvester filmed as a choreography" in text[1]
    assert "Une récolteuse" not in whole
    assert "Un village sous la neige" in text[3] and "(in French)" in text[3]
    assert "Outside Québec" in text[3] and "To be confirmed" in text[2]
    assert "Stand-in image" in text[2]
    assert "Marie Gagnon" in text[4] and "Page 5 of 5" in text[4]
    for internal in ("proximité", "closeness", "cohesion", "0,16", "0.16"):
        assert internal not in whole


def test_the_kit_names_the_configured_contact_for_a_broadcaster_account(
    app: Flask, client: FlaskClient, kit: Kit, make_user: Callable[..., int], engine: Engine
) -> None:
    app.config.update(CONTACT_NAME="Bureau des ventes", CONTACT_EMAIL="ventes@anthologie.test")
    broadcaster = make_user("broadcaster")
    with Session(engine) as session:
        session.add(
            ShareLink(
                bundle_id=kit.bundle_id,
                recipient_name="Radio-Canada",
                broadcaster_id=broadcaster,
                expires_at=utcnow() + timedelta(days=3),
            )
        )
        session.commit()
    with client.session_transaction() as session:
        session["user_id"] = broadcaster
    text = text_of(client.get(f"/anthologies/{kit.bundle_id}/fiche.pdf").data)
    assert "PRÉPARÉ POUR Radio-Canada" in text[0]
    assert "Bureau des ventes" in text[-1] and "ventes@anthologie.test" in text[-1]


def test_a_long_record_stays_on_its_page_with_its_still(
    client: FlaskClient, kit: Kit, engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session:
        peat = session.exec(select(Film).where(Film.original_title == "Les tourbières")).one()
        peat.synopsis_long_fr = "Les machines avancent sur la tourbe. " * 40 + "Fin du synopsis."
        peat.credits += [
            Credit(role=Role.cast, name=f"Interprète {n}", position=n) for n in range(30)
        ]
        session.add(peat)
        session.commit()
    with client.session_transaction() as session:
        session["user_id"] = kit.curator_id
    pdf = client.get(f"/anthologies/{kit.bundle_id}/fiche.pdf").data
    pages = pictures(pdf, tmp_path, "kit-long")
    assert len(pages) == 5  # still a page per film
    text = text_of(pdf)
    assert "Fin du synopsis." in text[1] and "Interprète 7 et 22 autres" in text[1]
    assert "Interprète 8" not in text[1]
    assert coloured(pages[1]) > 0.05  # its still, smaller, still there


def test_the_pitch_page_offers_its_recipient_the_kit(app: Flask, kit: Kit) -> None:
    buyer = app.test_client()
    with app.test_request_context():
        token = link_token(kit.share_id)
    page = buyer.get(f"/pitch/lien/{token}").get_data(as_text=True)
    href = f'href="/anthologies/{kit.bundle_id}/fiche.pdf"'
    assert href in page and "Download the pitch kit (PDF)" in page  # she reads English
    kit_pdf = buyer.get(f"/anthologies/{kit.bundle_id}/fiche.pdf")
    assert kit_pdf.status_code == 200 and kit_pdf.data.startswith(b"%PDF-")
    assert "Page 1 of 5" in text_of(kit_pdf.data)[0]
