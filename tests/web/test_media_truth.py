"""Media truth: a demo's stand-in clip is never presented as the film, "avec média" counts
real files only, and QC compares a real file's duration with the film's declared runtime,
said in words in the page's language. Real ffmpeg on generated clips, real databases."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import media_tools
from catalog import vectors
from catalog.models import Film, MediaAsset, Status
from tests.clips import make_clip
from web.usecases import media

Login = Callable[[str], int]
MISMATCH_FR = "La durée du fichier (0:20) ne correspond pas à la durée déclarée (14:00)"
MISMATCH_EN = "The file's duration (0:20) does not match the declared runtime (14:00)"
# ffmpeg's analysis is the same on either database: the tests that run it use SQLite alone;
# those of the queries run on both.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 20-second file with picture and sound."""
    return make_clip(tmp_path_factory.mktemp("media-truth") / "twenty.mp4", 20, seed=5)


def add_film(engine: Engine, title: str, runtime: int | None) -> int:
    with Session(engine) as session:
        film = Film(
            original_title=title,
            match_key=title.casefold(),
            sort_title=title.casefold(),
            runtime_seconds=runtime,
            status=Status.accepted,
        )
        session.add(film)
        session.commit()
        assert film.id is not None
        return film.id


def root(app: Flask) -> Path:
    return Path(app.config["MEDIA_ROOT"])


def film_page(client: FlaskClient, film_id: int, lang: str = "fr") -> str:
    response = client.get(f"/catalogue/films/{film_id}", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def count_of(html: str) -> int:
    return int(html.split('<p class="count">', 1)[1].split(" ", 1)[0])


@sqlite_only
def test_a_twenty_second_file_for_a_fourteen_minute_film_fails_qc_in_words(
    app: Flask, engine: Engine, client: FlaskClient, login: Login, clip: Path
) -> None:
    film_id = add_film(engine, "Quatorze minutes", 14 * 60)
    asset_id = media.attach(engine, film_id, clip, root(app))
    media.analyse(engine, asset_id, root(app))
    with Session(engine) as session:
        asset = session.get(MediaAsset, asset_id)
        assert asset is not None and asset.qc is not None
        report = media_tools.QCReport.from_dict(asset.qc)
    assert report.check("duration").passed is False and "duration" in report.failures
    login("curator")
    french = film_page(client, film_id)
    assert MISMATCH_FR in french
    # QC and file facts in words, never the raw names or Python values.
    assert "Sonie intégrée :" in french and "Crête vraie :" in french
    assert "Sous-titres codés : non (facultatif)" in french
    assert "2 canaux" in french and "25 i/s" in french and "48\u202f000 Hz" in french
    assert "Résolution : 320 × 180 (attendu 1920 × 1080)" in french
    for raw in ("loudness :", "true_peak", "captions :", "False", "25.0", "frame_rate"):
        assert raw not in french, raw
    english = film_page(client, film_id, "en")
    assert MISMATCH_EN in english
    assert "Integrated loudness:" in english and "True peak:" in english
    assert "Closed captions: no (optional)" in english
    assert "2 channels" in english and "25 fps" in english and "48,000 Hz" in english
    assert "Status: " in english and "Status :" not in english
    assert "i/s" not in english and "canaux" not in english


@sqlite_only
def test_a_file_of_the_declared_runtime_passes_and_a_corrected_runtime_is_rechecked(
    app: Flask, engine: Engine, client: FlaskClient, login: Login, clip: Path
) -> None:
    film_id = add_film(engine, "Vingt secondes", 20)
    asset_id = media.attach(engine, film_id, clip, root(app))
    media.analyse(engine, asset_id, root(app))
    with Session(engine) as session:
        asset = session.get(MediaAsset, asset_id)
        assert asset is not None and asset.qc is not None
        assert media_tools.QCReport.from_dict(asset.qc).check("duration").passed is True
    login("curator")
    page = film_page(client, film_id)
    assert "Durée du fichier : 0:20 (déclarée 0:20)" in page and "ne correspond pas" not in page
    # A curator corrects the record to 14 minutes: the page says the file no longer fits.
    with Session(engine) as session:
        film = session.get(Film, film_id)
        assert film is not None
        film.runtime_seconds = 14 * 60
        session.add(film)
        session.commit()
    assert MISMATCH_FR in film_page(client, film_id)


@sqlite_only
def test_films_sharing_a_file_each_get_their_own_duration_verdict(
    app: Flask, engine: Engine, clip: Path
) -> None:
    fits = add_film(engine, "Juste", 25)
    too_long = add_film(engine, "Trop long", 14 * 60)
    first = media.attach(engine, fits, clip, root(app))
    second = media.attach(engine, too_long, clip, root(app))
    report = media.analyse_all(engine, root(app))
    assert report.assets == 2
    with Session(engine) as session:
        verdicts = {
            a.film_id: media_tools.QCReport.from_dict(a.qc or {}).check("duration").passed
            for a in session.exec(select(MediaAsset).where(MediaAsset.id.in_([first, second])))  # type: ignore[union-attr]
        }
    assert verdicts == {fits: True, too_long: False}


def stand_in_for(engine: Engine, film_id: int, app: Flask, clip: Path) -> int:
    """A stand-in asset analysed like the demo's (style profile, QC and all)."""
    asset_id = media.attach(engine, film_id, clip, root(app), stand_in=True)
    media.analyse(engine, asset_id, root(app))
    return asset_id


@sqlite_only
def test_a_stand_in_is_never_presented_as_the_film(
    app: Flask, engine: Engine, client: FlaskClient, login: Login, clip: Path
) -> None:
    film_id = add_film(engine, "Film sans fichier", 14 * 60)
    asset_id = stand_in_for(engine, film_id, app, clip)
    with Session(engine) as session:
        asset = session.get(MediaAsset, asset_id)
        assert asset is not None and asset.style and asset.qc and asset.style_vector
    login("curator")
    for lang, label, hidden in (
        (
            "fr",
            "Extrait de démonstration — pas le film",
            ("Profil de style", "Contrôle de livraison"),
        ),
        ("en", "Demo clip — not the film", ("Style profile", "Delivery check")),
    ):
        page = film_page(client, film_id, lang)
        assert label in page
        for words in (*hidden, "Sonie intégrée", "Integrated loudness", "ne correspond pas"):
            assert words not in page, (lang, words)
        descriptors = asset.style.get("descriptors", {}).get(lang, [])
        assert descriptors and not any(d in page for d in descriptors), descriptors


def add_asset(engine: Engine, film_id: int, *, stand_in: bool, style: dict[str, Any]) -> int:
    """An asset as analysis leaves it (style profile and vector), without running ffmpeg."""
    with Session(engine) as session:
        asset = MediaAsset(
            film_id=film_id,
            path="stand-ins/stand-in-00.mp4" if stand_in else f"originals/{film_id}.mp4",
            size_bytes=1000,
            sha256=("0" if stand_in else "1") * 64,
            probe={"container": "mov,mp4", "duration_s": 30.0},
            style=style,
            style_vector=np.ones(4, dtype=np.float32).tobytes(),
            is_stand_in=stand_in,
        )
        session.add(asset)
        session.commit()
        assert asset.id is not None
        return asset.id


STYLE = {
    "shot_count": 9,
    "average_shot_length_s": 3.3,
    "median_shot_length_s": 3.0,
    "cuts_per_minute": 18.0,
    "brightness_mean": 0.5,
    "contrast_mean": 0.2,
    "saturation_mean": 0.6,
    "black_and_white": False,
    "loudness_lufs": None,
    "descriptors": {"fr": ["montage rapide"], "en": ["fast cutting"]},
}


def test_style_grouping_never_takes_a_stand_in_for_the_films_style(engine: Engine) -> None:
    real = add_film(engine, "Vrai fichier", 20)
    standing_in = add_film(engine, "Remplacé", 12)
    add_asset(engine, real, stand_in=False, style=STYLE)
    add_asset(engine, standing_in, stand_in=True, style=STYLE)
    with Session(engine) as session:
        assert set(vectors.style_vectors(session)) == {real}


def test_avec_media_counts_real_files_only(
    app: Flask, engine: Engine, client: FlaskClient, login: Login, clip: Path
) -> None:
    real = add_film(engine, "Avec son fichier", 20)
    for number in range(3):
        film_id = add_film(engine, f"Remplacé {number}", 600)
        with Session(engine) as session:
            session.add(
                MediaAsset(
                    film_id=film_id,
                    path="stand-ins/stand-in-00.mp4",
                    size_bytes=1,
                    sha256="0" * 64,
                    probe={},
                    is_stand_in=True,
                )
            )
            session.commit()
    media.attach(engine, real, clip, root(app))
    login("curator")
    with_media = client.get("/catalogue/?media=1").get_data(as_text=True)
    assert count_of(with_media) == 1 and "Avec son fichier" in with_media
    assert "Remplacé" not in with_media
    without = client.get("/catalogue/?media=0").get_data(as_text=True)
    assert count_of(without) == 3 and "Avec son fichier" not in without


def test_a_films_real_file_wins_over_its_stand_in(
    engine: Engine, client: FlaskClient, login: Login
) -> None:
    film_id = add_film(engine, "Enfin versé", 20)
    add_asset(engine, film_id, stand_in=False, style=STYLE)
    add_asset(engine, film_id, stand_in=True, style=STYLE)  # added later, still not the film
    login("curator")
    page = film_page(client, film_id)
    assert "Extrait de démonstration" not in page
    assert "Profil de style" in page and "montage rapide" in page


def bundle_of(engine: Engine, film_ids: list[int]) -> int:
    from catalog.models import Bundle, BundleItem

    with Session(engine) as session:
        bundle = Bundle(facet="subject", slot_minutes=22, label="Deux films")
        # The relationship fills each item's bundle_id.
        bundle.items = [
            BundleItem(film_id=film_id, position=n)  # type: ignore[call-arg]
            for n, film_id in enumerate(film_ids)
        ]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return bundle.id


def test_a_playlist_says_which_entries_are_stand_ins(
    engine: Engine, client: FlaskClient, login: Login
) -> None:
    real = add_film(engine, "Avec son fichier", 20)
    standing_in = add_film(engine, "Remplacé", 600)
    real_asset = add_asset(engine, real, stand_in=False, style=STYLE)
    stand_in_asset = add_asset(engine, standing_in, stand_in=True, style=STYLE)
    with Session(engine) as session:
        for asset_id in (real_asset, stand_in_asset):
            asset = session.get(MediaAsset, asset_id)
            assert asset is not None
            asset.proxy_path = f"derived/{asset_id}/proxy.mp4"
            session.add(asset)
        session.commit()
    bundle_id = bundle_of(engine, [real, standing_in])
    login("curator")
    lines = client.get(f"/anthologies/{bundle_id}/fiche.m3u").get_data(as_text=True).splitlines()
    real_url = next(i for i, line in enumerate(lines) if f"/media/{real_asset}/proxy" in line)
    stand_in_url = next(
        i for i, line in enumerate(lines) if f"/media/{stand_in_asset}/proxy" in line
    )
    assert lines[stand_in_url - 1] == "# Extrait de démonstration — pas le film"
    assert lines[real_url - 1].startswith("#EXTINF:20,")


def test_a_trailer_cut_from_stand_ins_says_so(
    app: Flask, engine: Engine, client: FlaskClient, login: Login
) -> None:
    from catalog.models import Bundle

    real = add_film(engine, "Avec son fichier", 20)
    standing_in = add_film(engine, "Remplacé", 600)
    add_asset(engine, real, stand_in=False, style=STYLE)
    bundle_id = bundle_of(engine, [real, standing_in])
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        reel = root(app) / media.reel_name(bundle)
    reel.parent.mkdir(parents=True, exist_ok=True)
    reel.write_bytes(b"\0" * 64)  # the page only asks whether the reel exists
    login("curator")
    note = "Extraits de démonstration, pas les films"
    assert note not in html.unescape(client.get(f"/pitch/anthologies/{bundle_id}").get_data(True))
    add_asset(engine, standing_in, stand_in=True, style=STYLE)
    page = html.unescape(client.get(f"/pitch/anthologies/{bundle_id}").get_data(as_text=True))
    assert "Bande-annonce" in page and note in page


def test_inspect_checks_a_files_duration_against_a_runtime_in_words(clip: Path) -> None:
    from click.testing import CliRunner

    from web.cli import inspect

    fails = CliRunner().invoke(inspect, [str(clip), "--runtime", "14"])
    assert fails.exit_code == 0, fails.output
    assert f"  FAIL {MISMATCH_EN}" in fails.output
    assert "Closed captions: no (optional)" in fails.output and "True peak:" in fails.output
    fits = CliRunner().invoke(inspect, [str(clip), "--runtime", "0.33"])
    assert "  ok   File duration: 0:20 (declared 0:20)" in fits.output
