"""A film's versions through its page: a subtitle file or an audio track attached by a curator
or the film's own filmmaker, read and QC'd at once (a file that does not parse is refused,
named by its line), kept as WebVTT for the players, and counted in the film's languages for
the bundle rules; a pitch's recipient gets the tracks through tickets only."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import media_tools
from catalog.models import (
    Bundle,
    BundleItem,
    Film,
    FilmVersion,
    MediaAsset,
    ShareLink,
    Status,
    utcnow,
)
from media_tools.runner import run
from media_tools.subtitles import read_subtitles, to_srt
from tests.clips import make_clip
from tests.pdfpages import text_of
from web.access import link_token

Login = Callable[[str], int]
SUBTITLES = Path(__file__).resolve().parents[1] / "data" / "subtitles"


def add_film(engine: Engine, title: str, languages: list[str], owner_id: int | None = None) -> int:
    with Session(engine) as session:
        film = Film(
            original_title=title,
            match_key=title.lower(),
            original_languages=languages,
            runtime_seconds=11 * 60,
            region_code="01",
            directors=[f"Cinéaste de {title}"],
            status=Status.accepted,
            owner_id=owner_id,
        )
        session.add(film)
        session.commit()
        return film.id or 0


def add_bundle(engine: Engine, film_ids: list[int]) -> int:
    with Session(engine) as session:
        bundle = Bundle(facet="subject", slot_minutes=22, label="Deux rives")
        bundle.items = [BundleItem(film_id=f, position=i) for i, f in enumerate(film_ids)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        return bundle.id or 0


def attach(
    client: FlaskClient, film_id: int, path: Path, kind: str, language: str, name: str = ""
) -> str:
    """Send the file through the film page's form; the page the answer leads to."""
    with open(path, "rb") as handle:
        answer = client.post(
            f"/films/{film_id}/versions",
            data={"kind": kind, "language": language, "file": (handle, name or path.name)},
            content_type="multipart/form-data",
        )
    assert answer.status_code == 303, answer.status_code
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def english_srt(tmp_path: Path) -> Path:
    """The clean English WebVTT written as SRT."""
    path = tmp_path / "the_river_en.srt"
    path.write_text(to_srt(read_subtitles(SUBTITLES / "clean_en.vtt").cues), encoding="utf-8")
    return path


def stored(engine: Engine, film_id: int) -> list[FilmVersion]:
    with Session(engine) as session:
        return list(session.exec(select(FilmVersion).where(FilmVersion.film_id == film_id)))


def test_english_subtitles_give_the_bundle_a_common_language(
    app: Flask, client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    french = add_film(engine, "Le quai", ["fra"])
    english = add_film(engine, "The Wharf", ["eng"])
    bundle_id = add_bundle(engine, [french, english])
    login("curator")
    before = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Aucune langue commune" in before
    page = attach(client, french, english_srt(tmp_path), "subtitles", "eng")
    assert "Version ajoutée : Sous-titres, anglais." in page
    section = page.split('id="versions"', 1)[1].split("</section>", 1)[0]
    assert "the_river_en.srt" in section and "Contrôle : conforme" in section
    api = client.get(f"/api/v1/bundles/{bundle_id}").get_json()
    assert [f["shown_in"] for f in api["films"]] == [["fra", "eng"], ["eng"]]
    after = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Aucune langue commune" not in after
    assert "Toutes les règles sont respectées." in after
    (version,) = stored(engine, french)
    root = Path(app.config["MEDIA_ROOT"])
    assert (root / version.path).read_bytes() == english_srt(tmp_path).read_bytes()
    assert version.vtt_path and (root / version.vtt_path).read_text().startswith("WEBVTT")
    assert version.qc["passed"] and version.qc["cues"] == 7
    # Another English file replaces this one; the old file goes.
    replaced = attach(client, french, SUBTITLES / "clean_en.vtt", "subtitles", "eng")
    assert "Version remplacée : Sous-titres, anglais." in replaced
    (newer,) = stored(engine, french)
    assert newer.id == version.id and newer.format == "vtt"
    assert not (root / version.path).exists() and (root / newer.path).is_file()
    version = newer
    # The film page's player offers the track, served as WebVTT to the curator.
    track = client.get(f"/films/{french}/versions/{version.id}/piste.vtt")
    assert track.status_code == 200 and track.mimetype == "text/vtt"
    assert track.get_data(as_text=True).startswith("WEBVTT")
    # Removed: the files go, and the bundle has no common language again.
    client.post(f"/films/{french}/versions/{version.id}/retirer")
    assert not (root / version.path).exists() and stored(engine, french) == []
    again = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Aucune langue commune" in again


def test_a_subtitle_file_that_does_not_parse_is_refused_with_its_line(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id = add_film(engine, "Le quai", ["fra"])
    login("curator")
    page = attach(client, film_id, SUBTITLES / "missing_arrow.srt", "subtitles", "eng")
    assert "Fichier de sous-titres refusé : ligne 12, ligne de temps sans flèche --&gt;." in page
    garbage = attach(client, film_id, SUBTITLES / "garbage.srt", "subtitles", "eng")
    assert "ligne 23" in garbage
    assert stored(engine, film_id) == []
    assert not list((Path(app.config["MEDIA_ROOT"]) / "versions").rglob("*.*"))
    refused = attach(client, film_id, SUBTITLES / "clean_fr.srt", "subtitles", "zzzz")
    assert "« zzzz » n&#39;est pas une langue connue." in refused


def test_subtitles_are_checked_against_the_films_analysed_file(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    """An 8-second film with sound: the 28-second French file runs past its end, and the
    stretch of sound before the first cue is compared (the film's silence map)."""
    film_id = add_film(engine, "Le quai", ["fra"])
    root = Path(app.config["MEDIA_ROOT"])
    clip = make_clip(root / "originals" / "quai.mp4", 8.0, seed=2)
    with Session(engine) as session:
        session.add(
            MediaAsset(
                film_id=film_id,
                path="originals/quai.mp4",
                size_bytes=clip.stat().st_size,
                sha256="b" * 64,
                probe=media_tools.probe(clip).to_dict(),
                analysed_at=utcnow(),
            )
        )
        session.commit()
    login("curator")
    attach(client, film_id, SUBTITLES / "clean_fr.srt", "subtitles", "fra")
    (version,) = stored(engine, film_id)
    qc = version.qc
    assert qc["against_film"] and qc["silence_map"]
    assert 7.5 < qc["film_duration_s"] < 8.5
    late = [f for f in qc["findings"] if f["code"] == "after_end"]
    assert late and not qc["passed"]
    page = client.get(f"/films/{film_id}/versions/{version.id}/controle").get_data(as_text=True)
    assert "sous-titre après la fin du film" in page and f"Ligne {late[0]['line']}" in page
    assert "passages sonores comparés aux sous-titres" in page
    # The film has no audience on its record: the adult limits apply, and the page says so
    # rather than calling it an adult programme.
    assert qc["audience_set"] is False and qc["rules"]["max_cps"] == 17.0
    assert "public non précisé (limites pour adultes) : 2 lignes" in page
    assert "public Adulte" not in page


def test_the_qc_page_counts_each_fault_and_names_its_line_and_time(
    client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id = add_film(engine, "Le quai", ["fra"])
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None
        film.audience = "jeunesse"  # type: ignore[assignment]
        session.add(film)
        session.commit()
    login("curator")
    attach(client, film_id, SUBTITLES / "fast.srt", "sdh", "fra")
    (version,) = stored(engine, film_id)
    assert version.qc["rules"]["max_cps"] == 13.0  # a children's programme reads slower
    reading = [f for f in version.qc["findings"] if f["code"] == "reading_speed"]
    assert reading, version.qc["findings"]
    page = client.get(f"/films/{film_id}/versions/{version.id}/controle").get_data(as_text=True)
    assert "Non conforme" in page
    counts = page.split('class="qc-counts"', 1)[1].split("</ul>", 1)[0]
    assert re.search(rf'<span class="count">{len(reading)}</span> vitesse de lecture', counts)
    first = reading[0]
    assert f"Ligne {first['line']}" in page
    assert "limite 13 caractères/s" in page and "public Jeunesse : 2 lignes" in page
    client.post("/langue/en")
    text = client.get(f"/films/{film_id}/versions/{version.id}/controle").get_data(as_text=True)
    assert "Not compliant" in text and "audience: Youth — at most 2 lines" in text
    assert f"Line {first['line']}" in text and "reading speed too high" in text


def remux(source: Path, target: Path, *options: str) -> Path:
    args = [media_tools.ffmpeg_exe(), "-v", "error", "-i", str(source), *options, str(target)]
    run(args, timeout=60, subject=source, what="test remux")
    return target


def test_an_audio_version_must_hold_sound(
    client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    film_id = add_film(engine, "Le quai", ["fra"])
    login("curator")
    clip = make_clip(tmp_path / "dub.mp4", 2.0, seed=3)
    sound = remux(clip, tmp_path / "dub_es.m4a", "-vn", "-c:a", "copy")
    page = attach(client, film_id, sound, "dub", "spa")
    assert "Version ajoutée : Version doublée, espagnol." in page
    (version,) = stored(engine, film_id)
    assert version.qc["codec"] == "aac" and version.qc["channels"] == 2
    assert version.duration_seconds and 1.5 < version.duration_seconds < 2.5
    silent = remux(clip, tmp_path / "silent.mp4", "-an", "-c:v", "copy")
    refused = attach(client, film_id, silent, "described", "fra")
    assert "n&#39;a pas de piste sonore" in refused
    assert [v.kind for v in stored(engine, film_id)] == ["dub"]


def test_only_curators_and_the_films_own_filmmaker_attach(
    app: Flask,
    client: FlaskClient,
    engine: Engine,
    make_user: Callable[..., int],
    tmp_path: Path,
) -> None:
    owner = make_user("filmmaker")
    other = make_user("filmmaker")
    film_id = add_film(engine, "Le quai", ["fra"], owner_id=owner)
    with client.session_transaction() as session:
        session["user_id"] = owner
    page = attach(client, film_id, SUBTITLES / "clean_fr.srt", "subtitles", "fra")
    assert "Version ajoutée : Sous-titres, français." in page and 'id="versions"' in page
    (version,) = stored(engine, film_id)
    assert client.get(f"/films/{film_id}/versions/{version.id}/controle").status_code == 200
    with client.session_transaction() as session:
        session["user_id"] = other
    for url in (
        f"/films/{film_id}/versions/{version.id}/controle",
        f"/films/{film_id}/versions/{version.id}/piste.vtt",
    ):
        assert client.get(url).status_code == 404
    with open(SUBTITLES / "clean_en.vtt", "rb") as handle:
        answer = client.post(
            f"/films/{film_id}/versions",
            data={"kind": "subtitles", "language": "eng", "file": (handle, "en.vtt")},
        )
    assert answer.status_code == 404
    assert client.post(f"/films/{film_id}/versions/{version.id}/retirer").status_code == 404
    with client.session_transaction() as session:
        session["user_id"] = make_user("broadcaster")
    assert client.get(f"/films/{film_id}/versions/{version.id}/controle").status_code == 403
    assert len(stored(engine, film_id)) == 1
    # A form without its CSRF token is refused.
    app.config["WTF_CSRF_ENABLED"] = True
    with client.session_transaction() as session:
        session["user_id"] = owner
    with open(SUBTITLES / "clean_en.vtt", "rb") as handle:
        answer = client.post(
            f"/films/{film_id}/versions",
            data={"kind": "subtitles", "language": "eng", "file": (handle, "en.vtt")},
        )
    assert answer.status_code == 400
    assert len(stored(engine, film_id)) == 1


def test_a_recipient_gets_the_tracks_through_tickets_while_the_link_is_open(
    app: Flask, client: FlaskClient, engine: Engine, login: Login
) -> None:
    film_id = add_film(engine, "Le quai", ["fra"])
    outside = add_film(engine, "Ailleurs", ["fra"])
    bundle_id = add_bundle(engine, [film_id])
    login("curator")
    attach(client, film_id, SUBTITLES / "clean_fr.srt", "subtitles", "fra")
    attach(client, film_id, SUBTITLES / "clean_en.vtt", "captions", "eng")
    attach(client, outside, SUBTITLES / "clean_fr.srt", "subtitles", "fra")
    # The kit names the attached languages (the film declares French only).
    kit = " ".join(text_of(client.get(f"/anthologies/{bundle_id}/fiche.pdf").data))
    assert "SOUS-TITRES DISPONIBLES français, anglais" in kit
    curator = client.post(f"/pitch/anthologies/{bundle_id}/pistes", data={"film_id": film_id})
    assert [(t["srclang"], t["kind"]) for t in curator.json["tracks"]] == [  # type: ignore[index]
        ("fr", "subtitles"),
        ("en", "captions"),
    ]
    with Session(engine) as session:
        share = ShareLink(
            bundle_id=bundle_id,
            recipient_name="Lou",
            recipient_organisation="Télé-Québec",
            expires_at=utcnow() + timedelta(days=7),
        )
        session.add(share)
        session.commit()
        share_id = share.id or 0
    browser = app.test_client()
    with app.test_request_context():
        token = link_token(share_id)
    assert browser.get(f"/pitch/lien/{token}").status_code == 200
    tracks = browser.post(f"/pitch/anthologies/{bundle_id}/pistes", data={"film_id": film_id})
    urls = [t["src"] for t in tracks.json["tracks"]]  # type: ignore[index]
    assert len(urls) == 2 and all(u.startswith("/media/v/") for u in urls)
    assert "versions/" not in " ".join(urls)
    answer = app.test_client().get(urls[0])  # no session needed, as a media ticket
    assert answer.status_code == 200 and answer.get_data(as_text=True).startswith("WEBVTT")
    assert "Regarde, le soleil se lève" in answer.get_data(as_text=True)
    # The session routes stay closed to the recipient, and a film outside the bundle too.
    (version,) = stored(engine, film_id)[:1]
    assert browser.get(f"/films/{film_id}/versions/{version.id}/piste.vtt").status_code != 200
    refused = browser.post(f"/pitch/anthologies/{bundle_id}/pistes", data={"film_id": outside})
    assert refused.status_code == 404
    with Session(engine) as session:
        share_row = session.get(ShareLink, share_id)
        assert share_row is not None
        share_row.revoked_at = utcnow()
        session.add(share_row)
        session.commit()
    assert app.test_client().get(urls[0]).status_code == 410
