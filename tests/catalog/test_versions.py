"""A film's versions as stored: one per kind and language (a second replaces the first), and
the film's languages once they are counted: what is declared plus what is attached."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import versions
from catalog.models import Film, FilmVersion


def test_attached_files_add_to_the_declared_languages() -> None:
    film = Film(
        id=1,
        original_title="Le quai",
        match_key="le quai",
        original_languages=["fra"],
        subtitle_languages=["spa"],
    )
    attached = [
        FilmVersion(film_id=1, kind="subtitles", language="eng", path="a.srt"),
        FilmVersion(film_id=1, kind="sdh", language="fra", path="b.srt"),
        FilmVersion(film_id=1, kind="subtitles", language="spa", path="c.srt"),
        FilmVersion(film_id=1, kind="dub", language="eng", path="d.wav"),
        FilmVersion(film_id=2, kind="described", language="fra", path="other film"),
    ]
    assert versions.languages_of(film, attached) == {
        "original": ["fra"],
        "subtitles": ["spa", "eng", "fra"],
        "captions": False,
        "sdh": True,
        "dubs": ["eng"],
        "described": False,
    }
    declared_only = versions.languages_of(film, [])
    assert declared_only["subtitles"] == ["spa"] and declared_only["dubs"] == []
    film.described_video = True
    captions = FilmVersion(film_id=1, kind="captions", language="eng", path="e.vtt")
    counted = versions.languages_of(film, [captions])
    assert counted["described"] and counted["captions"]
    assert counted["subtitles"] == ["spa", "eng"]


def test_one_version_per_kind_and_language(engine: Engine) -> None:
    with Session(engine) as session:
        film = Film(original_title="Le quai", match_key="le quai", original_languages=["fra"])
        other = Film(original_title="La rive", match_key="la rive")
        session.add_all([film, other])
        session.commit()
        film_id, other_id = film.id or 0, other.id or 0
        first, replaced = versions.put_version(
            session, film_id, "subtitles", "eng", path="v/1.srt", size_bytes=10
        )
        assert replaced is None
        versions.put_version(session, film_id, "dub", "eng", path="v/2.wav")
        versions.put_version(session, film_id, "captions", "fra", path="v/3.vtt")
        versions.put_version(session, other_id, "subtitles", "eng", path="v/4.srt")
        second, replaced = versions.put_version(
            session, film_id, "subtitles", "eng", path="v/5.srt", size_bytes=20
        )
        assert second.id == first.id and replaced is not None
        assert replaced.path == "v/1.srt" and second.path == "v/5.srt"
        mine = versions.versions_of(session, film_id)
        assert [(v.kind, v.language) for v in mine] == [
            ("subtitles", "eng"),
            ("captions", "fra"),
            ("dub", "eng"),
        ]
        by_film = versions.versions_by_film(session, [film_id, other_id])
        assert [v.path for v in by_film[other_id]] == ["v/4.srt"]
        assert [v.id for v in by_film[film_id]] == [v.id for v in mine]
        langs = versions.languages_by_film(session, [film])[film_id]
        assert langs["subtitles"] == ["eng", "fra"] and langs["captions"]
        gone = versions.remove_version(session, mine[2])
        assert gone.kind == "dub"
        assert versions.languages_by_film(session, [film])[film_id]["dubs"] == []
        with pytest.raises(ValueError):
            versions.put_version(session, film_id, "karaoke", "eng", path="v/6.srt")
