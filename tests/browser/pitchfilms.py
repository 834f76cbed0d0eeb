"""Films with real previews and poster frames (made by ffmpeg), in a bundle: what the pitch
room's browser tests share before they share it with someone."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlmodel import Session

import media_tools
from catalog.models import Bundle, BundleItem, Film, MediaAsset
from tests.clips import make_clip
from web import database

RIVER_FILMS = (
    ("Les marées de Kamouraska", "Léa Pelletier", 780),
    ("La côte en hiver", "Marc Gagnon", 660),
)


def bundle_with_previews(
    app: Flask, films: tuple[tuple[str, str, int], ...] = RIVER_FILMS
) -> tuple[int, list[int]]:
    """« Le fleuve » (The River), 30 min, of `films` (title, director, runtime) from
    Bas-Saint-Laurent, each with an 8-s preview and its poster frame; the bundle's and the
    films' ids."""
    root = Path(app.config["MEDIA_ROOT"])
    folders = []
    for seed in range(1, len(films) + 1):
        folder = root / "derived" / f"clip{seed}"
        preview = make_clip(folder / "preview.mp4", 8.0, seed=seed, size=(640, 360))
        media_tools.make_poster(preview, folder / "poster.jpg")
        folders.append(folder)
    with app.app_context(), Session(database.engine()) as session:
        made = [
            Film(
                original_title=title,
                match_key=title.lower(),
                directors=[director],
                runtime_seconds=runtime,
                region_code="01",
                synopsis_fr="Un village au bord du fleuve.",
                synopsis_en="A village by the river.",
            )
            for title, director, runtime in films
        ]
        session.add_all(made)
        session.flush()
        for film, folder in zip(made, folders, strict=True):
            session.add(
                MediaAsset(
                    film_id=film.id or 0,
                    path=f"originals/{folder.name}.mp4",
                    size_bytes=1,
                    sha256=folder.name.ljust(64, "0"),
                    preview_path=str((folder / "preview.mp4").relative_to(root)),
                    poster_path=str((folder / "poster.jpg").relative_to(root)),
                )
            )
        bundle = Bundle(facet="subject", slot_minutes=30, label="Le fleuve", label_en="The River")
        bundle.items = [BundleItem(film_id=f.id or 0, position=i) for i, f in enumerate(made)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        return bundle.id or 0, [f.id or 0 for f in made]
