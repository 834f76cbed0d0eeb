"""Real promotional files for tests: a making-of clip (ffmpeg), a still picture taken from it
and a one-page teacher's guide PDF (reportlab), and a film's assets filed from them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

import media_tools
from tests.clips import make_clip
from web import database
from web.usecases import promo


@dataclass(frozen=True)
class PromoFiles:
    clip: Path
    still: Path
    guide: Path


def guide_pdf(title: str = "Guide pédagogique") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, title)
    page.drawString(72, 700, "Activités pour la classe, 10-12 ans.")
    page.showPage()
    page.save()
    return buffer.getvalue()


def promo_files(folder: Path, seconds: float = 4.0) -> PromoFiles:
    folder.mkdir(parents=True, exist_ok=True)
    clip = make_clip(folder / "making-of.mp4", seconds, seed=7, size=(640, 360))
    still = media_tools.extract_frame(clip, folder / "still.png", 1.0, width=640, height=360)
    guide = folder / "guide.pdf"
    guide.write_bytes(guide_pdf())
    return PromoFiles(clip, still, guide)


def attach_all(app: Flask, film_id: int, files: PromoFiles) -> dict[str, int]:
    """The film's making-of (French), still and teacher's guide (French), filed as an upload
    would be (the clip's playable copy made at once); kind → asset id."""
    root = Path(app.config["MEDIA_ROOT"])
    made = {}
    with app.app_context():
        engine = database.engine()
        for kind, source, language, title in (
            ("making_of", files.clip, "fra", "Au tournage à Kamouraska"),
            ("still", files.still, "", "La grève au petit matin"),
            ("teacher_guide", files.guide, "fra", "Guide de l'enseignant"),
        ):
            with open(source, "rb") as stream:
                received = promo.receive(stream, root, 2**30)
            asset = promo.attach(
                engine,
                film_id,
                received,
                root,
                kind=kind,
                language=language,
                title=title,
                original_name=source.name,
                user_id=None,
            )
            assert asset.id is not None
            if asset.media_type == "video":
                promo.derive(engine, asset.id, root)
            made[kind] = asset.id
    return made
