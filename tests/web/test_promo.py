"""A film's promotional assets: filed by a curator or the film's filmmaker after reading what
each file is (never its name), shown in the pitch room through the recipient's own media
tickets (clips and stills with their name burned in), listed in the kit, and gathered in the
bundle's press kit archive."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import media_tools
from catalog.models import Bundle, BundleItem, Credit, Film, PromoAsset, Role, ShareLink, utcnow
from tests.pdfpages import text_of
from tests.promofiles import PromoFiles, attach_all, promo_files
from web.access import link_token
from web.usecases import playback

Login = Callable[[str], int]
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> PromoFiles:
    return promo_files(tmp_path_factory.mktemp("promo"))


def add_film(
    engine: Engine, title: str = "Les marées de Kamouraska", owner: int | None = None
) -> int:
    with Session(engine) as session:
        film = Film(
            original_title=title,
            match_key=title.lower(),
            owner_id=owner,
            synopsis_fr="Un village au bord du fleuve.",
            synopsis_en="A village by the river.",
            credits=[
                Credit(role=Role.director, name="Léa Pelletier"),
                Credit(role=Role.sound_recordist, name="Samuel Ouellet", position=1),
            ],
        )
        session.add(film)
        session.commit()
        return film.id or 0


def send(client: FlaskClient, film_id: int, kind: str, data: bytes, name: str, **form: str) -> Any:
    fields = {"kind": kind, "language": "fra", "title": name, **form}
    fields["file"] = (io.BytesIO(data), name)  # type: ignore[assignment]
    return client.post(
        f"/catalogue/films/{film_id}/promotion",
        data=fields,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def assets(engine: Engine, film_id: int) -> list[PromoAsset]:
    with Session(engine) as session:
        found = session.exec(
            select(PromoAsset).where(PromoAsset.film_id == film_id).order_by(PromoAsset.position)
        ).all()
        session.expunge_all()
        return list(found)


def test_a_curator_files_clips_stills_and_guides_checked_by_what_they_are(
    app: Flask, engine: Engine, client: FlaskClient, login: Login, files: PromoFiles
) -> None:
    login("curator")
    film = add_film(engine)
    root = Path(app.config["MEDIA_ROOT"])
    clip, still, guide = files.clip.read_bytes(), files.still.read_bytes(), files.guide.read_bytes()

    page = send(client, film, "making_of", clip, "au-tournage.mp4")
    assert "Document versé : au-tournage.mp4." in page.get_data(as_text=True)
    # A picture named like a PDF is a picture: filed as one, under the name its content gives.
    send(client, film, "still", still, "photo.pdf", language="")
    send(client, film, "teacher_guide", guide, "guide.pdf")
    made = assets(engine, film)
    assert [(a.kind, a.media_type, a.language) for a in made] == [
        ("making_of", "video", "fra"),
        ("still", "image", ""),
        ("teacher_guide", "pdf", "fra"),
    ]
    making_of, photo, pdf = made
    assert photo.path.endswith(".png") and pdf.probe["pages"] == 1
    # The clip has a browser-playable copy (H.264 + AAC) and a poster frame; the picture a
    # display copy and a thumbnail; the PDF none.
    playable = media_tools.probe(root / (making_of.preview_path or ""))
    assert playable.video is not None and playable.video.codec == "h264"
    assert playable.audio[0].codec == "aac"
    assert (playable.duration_s or 0) == pytest.approx(4.0, abs=0.3)
    assert media_tools.probe(root / (photo.thumbnail_path or "")).video is not None
    assert making_of.thumbnail_path and photo.preview_path and pdf.preview_path is None

    # What a file is, not what it is called, decides: each refusal says why, files nothing
    # and leaves nothing behind.
    refusals = [
        ("teacher_guide", still, "guide.pdf", "ne peut pas être lu"),
        ("still", clip, "still.jpg", "demande une image ; ce fichier est une vidéo"),
        ("making_of", still, "clip.mp4", "demande une vidéo ; ce fichier est une image"),
        ("making_of", b"hello, not a clip\n" * 20, "clip.mp4", "ne peut pas être lu"),
        ("press", guide[:200], "press.pdf", "ne peut pas être lu"),
        ("interview", clip, "x.mp4", "ISO 639-3"),
    ]
    for kind, data, name, why in refusals:
        form = {"language": "french"} if kind == "interview" else {}
        text = html.unescape(send(client, film, kind, data, name, **form).get_data(as_text=True))
        assert why in text, (kind, name)
    app.config["PROMO_MAX_BYTES"] = len(clip) - 1
    assert "dépasse la limite" in send(client, film, "trailer", clip, "t.mp4").get_data(
        as_text=True
    )
    assert len(assets(engine, film)) == 3
    assert not [p for p in (root / "promo" / ".incoming").iterdir()]

    # The film's page lists them in order; the guide moves up, the still goes.
    page = client.get(f"/catalogue/films/{film}").get_data(as_text=True)
    listed = page.split('class="promo-list"')[1]
    assert listed.index("au-tournage.mp4") < listed.index("photo.pdf") < listed.index("guide.pdf")
    client.post(f"/catalogue/films/{film}/promotion/{pdf.id}/deplacer", data={"direction": "up"})
    assert [a.kind for a in assets(engine, film)] == ["making_of", "teacher_guide", "still"]
    client.post(f"/catalogue/films/{film}/promotion/{photo.id}/supprimer")
    assert [a.kind for a in assets(engine, film)] == ["making_of", "teacher_guide"]
    assert not (root / photo.path).exists() and not (root / (photo.thumbnail_path or "")).exists()
    assert client.get(f"/media/promo/{making_of.id}/preview").mimetype == "video/mp4"
    assert client.get(f"/media/promo/{pdf.id}/preview").mimetype == "application/pdf"


@sqlite_only
def test_only_the_films_own_filmmaker_or_a_curator_files_or_gets_the_clean_files(
    app: Flask, engine: Engine, make_user: Callable[..., int], files: PromoFiles
) -> None:
    owner, other, broadcaster = (make_user(r) for r in ("filmmaker", "filmmaker", "broadcaster"))
    film = add_film(engine, owner=owner)
    ids = attach_all(app, film, files)

    def as_user(user_id: int) -> FlaskClient:
        browser = app.test_client()
        with browser.session_transaction() as session:
            session["user_id"] = user_id
        return browser

    guide = files.guide.read_bytes()
    for user, expected in ((other, 404), (broadcaster, 403)):
        browser = as_user(user)
        answer = browser.post(
            f"/catalogue/films/{film}/promotion",
            data={"kind": "press", "file": (io.BytesIO(guide), "p.pdf")},
            content_type="multipart/form-data",
        )
        assert answer.status_code == expected
        removal = browser.post(f"/catalogue/films/{film}/promotion/{ids['still']}/supprimer")
        assert removal.status_code == expected
        assert browser.get(f"/media/promo/{ids['making_of']}/preview").status_code == 404
    mine = as_user(owner)
    sent = send(mine, film, "press", guide, "press.pdf")
    # Back on their film's page, which lists the film's assets with the new one last.
    page = sent.get_data(as_text=True)
    assert sent.request.path == f"/soumissions/{film}" and "Ajouter un document" in page
    listed = page.split('class="promo-list"')[1]
    assert listed.index("Au tournage à Kamouraska") < listed.index("press.pdf")
    assert len(assets(engine, film)) == 4
    assert mine.get(f"/media/promo/{ids['making_of']}/original").status_code == 200
    assert app.test_client().get(f"/media/promo/{ids['still']}/thumb").status_code == 404


def shared_bundle(app: Flask, engine: Engine, files: PromoFiles) -> tuple[int, int, dict[str, int]]:
    """A bundle of one film with a making-of, a still and a teacher's guide, shared with
    Julie Tremblay of Télé-Québec (French); (bundle id, share id, asset ids)."""
    film = add_film(engine)
    ids = attach_all(app, film, files)
    with Session(engine) as session:
        bundle = Bundle(
            facet="subject",
            slot_minutes=30,
            label="Le fleuve",
            label_en="The River",
            pitch_text="Des films du fleuve.",
            pitch_text_en="Films of the river.",
        )
        bundle.items = [BundleItem(film_id=film, position=0)]  # type: ignore[call-arg]
        session.add(bundle)
        session.flush()
        share = ShareLink(
            bundle_id=bundle.id or 0,
            recipient_name="Julie Tremblay",
            recipient_organisation="Télé-Québec",
            recipient_language="fr",
            expires_at=utcnow() + timedelta(days=7),
        )
        session.add(share)
        session.commit()
        return bundle.id or 0, share.id or 0, ids


def holder(app: Flask, share_id: int) -> FlaskClient:
    browser = app.test_client()
    with app.test_request_context():
        token = link_token(share_id)
    assert browser.get(f"/pitch/lien/{token}").status_code == 200
    return browser


def tickets(page: str) -> list[str]:
    import re

    return [
        u.removeprefix("http://localhost")
        for u in re.findall(r'"(http://localhost/media/t/[^"]+)"', page)
    ]


@sqlite_only
def test_a_recipient_gets_their_own_watermarked_copies_by_ticket_and_a_press_kit(
    app: Flask, engine: Engine, client: FlaskClient, login: Login, files: PromoFiles
) -> None:
    root = Path(app.config["MEDIA_ROOT"])
    bundle_id, share_id, ids = shared_bundle(app, engine, files)
    julie = holder(app, share_id)
    page = julie.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Autour du film" in page and "Making-of" in page and "Guide pédagogique" in page
    # Every asset is reached through a ticket; no clean file and no path under MEDIA_ROOT.
    links = tickets(page)
    assert len(links) == 3
    assert "/preview" not in page.split("Autour du film")[1]
    assert "promo/" not in page.replace("/media/promo/", ""), "no path under MEDIA_ROOT"
    assert julie.get(f"/media/promo/{ids['making_of']}/preview").status_code == 404
    assert julie.get(f"/media/promo/{ids['still']}/preview").status_code == 404
    assert julie.get(f"/media/promo/{ids['still']}/thumb").status_code == 200

    with Session(engine) as session:
        clean = {k: session.get(PromoAsset, i) for k, i in ids.items()}
    # The share's watermarking job makes Julie's copies of the clip and the still ahead of time.
    done = playback.make_watermarks(engine, root, share_id)
    mine = {
        f"watermarks/{share_id}/promo-{ids[k]}{s}"
        for k, s in (("making_of", ".mp4"), ("still", ".jpg"))
    }
    assert mine <= set(done["made"])
    outside = app.test_client()  # a ticket needs no session
    served = {}
    for url in links:
        answer = outside.get(url)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-store"
        served[answer.mimetype] = answer.get_data()
    video, picture = served["video/mp4"], served["image/jpeg"]
    # Julie's copies are not the clean files: her name is burned in, and they are kept for her.
    assert video != (root / (clean["making_of"].preview_path or "")).read_bytes()
    assert picture != (root / (clean["still"].preview_path or "")).read_bytes()
    kept = root / "watermarks" / str(share_id)
    assert (kept / f"promo-{ids['making_of']}.mp4").read_bytes() == video
    assert media_tools.probe(kept / f"promo-{ids['making_of']}.mp4").duration_s == pytest.approx(
        4.0, abs=0.3
    )
    assert served["application/pdf"] == files.guide.read_bytes()

    # A ticket for another film's asset, or after the link is revoked, streams nothing.
    other = add_film(engine, "Ailleurs")
    stray = attach_all(app, other, files)["still"]
    from web.tickets import ticket_url

    with app.test_request_context():
        forged = ticket_url(share_id, stray, promo=True).removeprefix("http://localhost")
    assert outside.get(forged).status_code == 404

    # The press kit: texts, kit, synopses, credits, Julie's photo and the guide; the clip is
    # left out and README.txt says so.
    answer = julie.get(f"/anthologies/{bundle_id}/dossier-de-presse.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    names = archive.namelist()
    assert all(n.startswith("le-fleuve/") for n in names)
    film_dir = "le-fleuve/01-les-marees-de-kamouraska/"
    expected = {
        "le-fleuve/README.txt",
        "le-fleuve/pitch-fr.txt",
        "le-fleuve/pitch-en.txt",
        "le-fleuve/kit-fr.pdf",
        film_dir + "synopsis-fr.txt",
        film_dir + "synopsis-en.txt",
        film_dir + "credits.txt",
        film_dir + "02-still-la-greve-au-petit-matin.jpg",
        film_dir + "03-teacher_guide-guide-de-l-enseignant.pdf",
    }
    assert set(names) == expected
    assert archive.read(film_dir + "02-still-la-greve-au-petit-matin.jpg") == picture
    assert "sound recordist: Samuel Ouellet" in archive.read(film_dir + "credits.txt").decode()
    assert archive.read("le-fleuve/pitch-en.txt").decode() == "The River\n\nFilms of the river.\n"
    readme = archive.read("le-fleuve/README.txt").decode()
    assert "Julie Tremblay · Télé-Québec" in readme
    assert "Au tournage à Kamouraska » (0:04)" in readme and "ne sont pas dans l'archive" in readme
    kit = archive.read("le-fleuve/kit-fr.pdf")
    text = " ".join(text_of(kit))
    assert (
        "Autour du film" in text
        and "Making-of · français · Au tournage à Kamouraska · 0:04" in text
    )
    assert len(answer.get_data()) < 2 * 2**20
    assert not list((root / "promo" / ".presskits").iterdir()), "the archive is not kept"

    # A curator's press kit carries the clean photo.
    login("curator")
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/anthologies/{bundle_id}/dossier-de-presse.zip").get_data())
    )
    assert (
        archive.read(film_dir + "02-still-la-greve-au-petit-matin.jpg")
        == (root / (clean["still"].preview_path or "")).read_bytes()
    )

    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        assert share is not None
        share.revoked_at = utcnow()
        session.add(share)
        session.commit()
    assert outside.get(links[0]).status_code == 410
