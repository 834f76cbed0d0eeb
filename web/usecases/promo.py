"""A film's promotional assets: receive one (a making-of or interview clip, a still, a set
photo, a teacher's guide or press PDF), check what it really is, file it under MEDIA_ROOT,
make what a browser shows of it; give a recipient their watermarked copy; put a bundle's press
kit in one archive.

What a file is comes from reading it, never from its name: clips and pictures are probed by
ffmpeg (media_tools, argument lists and a timeout), PDFs by their header and trailer and, when
pypdf is installed, by reading their pages. A file must be of the type its kind asks for (a
still is a picture, a making-of a video, a teacher's guide a PDF).

Files: originals by content hash under `promo/<sha[:2]>/`, what is made of them under
`promo/derived/<sha256>/` (a clip's browser-playable copy and poster frame, a picture's display
copy and thumbnail), a recipient's watermarked copies under `watermarks/<share_id>/promo-<id>.*`
beside their watermarked previews. Every file is written under a temporary name and renamed.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import media_tools
from catalog import promo as catalog_promo
from catalog import sharing
from catalog.models import Bundle, Film, PromoAsset, ShareLink
from web import jobs
from web.display import bundle_label, bundle_pitch
from web.pickers import language_options
from web.usecases.playback import FOLDER, NoMedia, share_text, watermarked_promo
from web.usecases.uploads import UploadRefused

KINDS = catalog_promo.KINDS
# Pictures and PDFs are small; a clip may be as large as PROMO_MAX_BYTES allows.
DOCUMENT_MAX_BYTES = 64 * 1024**2
TITLE_MAX_CHARS = 200
_LANGUAGE = re.compile(r"^[a-z]{3}$")
_COPY_BLOCK = 1024 * 1024
_PICTURE_CODECS = {"mjpeg": ".jpg", "png": ".png", "webp": ".webp", "bmp": ".bmp", "tiff": ".tif"}
_VIDEO_CONTAINERS = (("mp4", ".mp4"), ("matroska", ".mkv"), ("avi", ".avi"), ("mpegts", ".ts"))
DISPLAY_PX = 1600
THUMB_PX = 480


def kind_labels() -> dict[str, str]:
    """Each kind named in the page's language."""
    return {
        "making_of": _("Making-of"),
        "interview": _("Entrevue"),
        "set_visit": _("Visite de tournage"),
        "trailer": _("Bande-annonce"),
        "still": _("Photo du film"),
        "set_photo": _("Photo de tournage"),
        "teacher_guide": _("Guide pédagogique"),
        "press": _("Document de presse"),
    }


@dataclass(frozen=True)
class Panel:
    """What a film's page shows of its promotional assets, and its form's choices."""

    assets: list[PromoAsset]
    kinds: dict[str, str]
    languages: list[tuple[str, str]]


# French and English first in the form's list: most assets speak one of them.
_FIRST_LANGUAGES = ("fra", "eng")


def panel(session: Session, film_id: int, lang: str) -> Panel:
    options = language_options(lang)
    first = [o for code in _FIRST_LANGUAGES for o in options if o[0] == code]
    rest = [o for o in options if o[0] not in _FIRST_LANGUAGES]
    return Panel(catalog_promo.of_film(session, film_id), kind_labels(), first + rest)


# -- receiving and checking a file ---------------------------------------------------------


def incoming(root: Path) -> Path:
    """Where files wait while they are checked (under MEDIA_ROOT: renamed into place)."""
    return root / "promo" / ".incoming"


def receive(stream: IO[bytes], root: Path, limit: int) -> Path:
    """Copy `stream` to a temporary file under MEDIA_ROOT; refused (too_large, empty) past
    `limit` bytes or when nothing came, with nothing left behind."""
    folder = incoming(root)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    path = Path(name)
    try:
        written = 0
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(_COPY_BLOCK):
                written += len(block)
                if written > limit:
                    raise UploadRefused("too_large", limit=limit)
                out.write(block)
        if written == 0:
            raise UploadRefused("empty")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class Checked:
    media_type: str  # video, image, pdf
    suffix: str  # the file's name ending, from what it is
    probe: dict[str, Any]
    sha256: str
    size_bytes: int


def check_pdf(path: Path) -> dict[str, Any]:
    """A PDF's facts ({"pages": n} when pypdf reads it); UploadRefused("unreadable") when it
    does not start with a PDF header and end with a trailer, or pypdf cannot read it."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, path.stat().st_size - 2048))
        tail = handle.read()
    if b"%PDF-" not in head or b"%%EOF" not in tail:
        raise UploadRefused("unreadable", problem="not a PDF (no PDF header or trailer)")
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pypdf is optional: the header and trailer were checked
        return {"pages": None}
    try:
        pages = len(PdfReader(path).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise UploadRefused("unreadable", problem=f"PDF cannot be read ({error})") from None
    if pages == 0:
        raise UploadRefused("unreadable", problem="PDF without pages")
    return {"pages": pages}


def is_picture(info: media_tools.MediaInfo) -> bool:
    """One frame and no sound: a still picture, whatever its container says."""
    return info.video is not None and not info.audio and (info.frame_count or 0) <= 1


def check(path: Path, kind: str) -> Checked:
    """What `path` is, refused (wrong_type, unreadable) unless it is what `kind` asks for."""
    expected = KINDS[kind]
    size = path.stat().st_size
    if expected == "pdf":
        facts = check_pdf(path)
        return Checked("pdf", ".pdf", facts, media_tools.sha256_of(path), size)
    try:
        info = media_tools.probe(path)
    except media_tools.MediaError as error:
        if expected == "image" or not path.read_bytes()[:1024].lstrip().startswith(b"%PDF-"):
            raise UploadRefused("unreadable", problem=error.problem) from None
        raise UploadRefused("wrong_type", expected=expected, found="pdf") from None
    found = "image" if is_picture(info) else "video" if info.has_video else "audio"
    if found != expected:
        raise UploadRefused("wrong_type", expected=expected, found=found)
    if found == "image":
        suffix = _PICTURE_CODECS.get(info.video.codec if info.video else "", ".img")
    else:
        suffix = next((s for name, s in _VIDEO_CONTAINERS if name in info.container), ".video")
    facts = info.to_dict()
    facts.pop("path", None)
    return Checked(found, suffix, facts, info.sha256, size)


def limit_for(kind: str, clip_limit: int) -> int:
    """The most bytes a file of this kind may have."""
    return clip_limit if KINDS.get(kind) == "video" else min(clip_limit, DOCUMENT_MAX_BYTES)


def _relative(path: Path, root: Path) -> str:
    return str(Path(path).resolve().relative_to(root.resolve()))


def attach(
    engine: Engine,
    film_id: int,
    source: Path,
    root: Path,
    *,
    kind: str,
    language: str,
    title: str,
    original_name: str,
    user_id: int | None,
) -> PromoAsset:
    """File the received `source` (moved, never copied) as one of the film's assets.

    Refused (UploadRefused: kind, language, wrong_type, unreadable) with `source` deleted. A
    picture's display copy and thumbnail are made at once; a clip's playable copy by
    `derive`, which the caller queues (`queue_derive`).
    """
    try:
        if kind not in KINDS:
            raise UploadRefused("kind")
        language = language.strip().lower()
        if language and not _LANGUAGE.match(language):
            raise UploadRefused("language")
        checked = check(source, kind)
        target = root / "promo" / checked.sha256[:2] / f"{checked.sha256}{checked.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    finally:
        source.unlink(missing_ok=True)
    with Session(engine) as session:
        asset = catalog_promo.add(
            session,
            PromoAsset(
                film_id=film_id,
                kind=kind,
                language=language,
                title=" ".join(title.split())[:TITLE_MAX_CHARS],
                media_type=checked.media_type,
                path=_relative(target, root),
                original_name=Path(original_name.replace("\\", "/")).name[:200],
                size_bytes=checked.size_bytes,
                sha256=checked.sha256,
                probe=checked.probe,
                uploaded_by=user_id,
            ),
        )
        session.commit()
        session.refresh(asset)
        session.expunge(asset)
    if asset.media_type == "image" and asset.id is not None:
        derive(engine, asset.id, root)
    return asset


def derive(engine: Engine, promo_id: int, root: Path) -> None:
    """What a browser shows of the asset: a clip's H.264/AAC copy (the whole clip, as a
    film's proxy) and its poster frame; a picture's display copy and thumbnail. Shared by
    every asset of the same content; a PDF has none."""
    with Session(engine) as session:
        asset = session.get(PromoAsset, promo_id)
        if asset is None or asset.media_type == "pdf":
            return
        twin = session.exec(
            select(PromoAsset).where(
                PromoAsset.sha256 == asset.sha256,
                col(PromoAsset.preview_path).is_not(None),
                PromoAsset.id != promo_id,
            )
        ).first()
        src, media_type, sha = root / asset.path, asset.media_type, asset.sha256
        found = (twin.preview_path, twin.thumbnail_path) if twin else None
    if found is None:
        out = root / "promo" / "derived" / sha
        if media_type == "video":
            preview = media_tools.make_proxy(src, out / "preview.mp4")
            thumb = media_tools.make_poster(preview, out / "thumb.jpg", width=640).path
        else:
            preview = media_tools.extract_frame(
                src, out / "display.jpg", 0, width=DISPLAY_PX, height=DISPLAY_PX
            )
            thumb = media_tools.extract_frame(
                src, out / "thumb.jpg", 0, width=THUMB_PX, height=THUMB_PX
            )
        found = (_relative(preview, root), _relative(thumb, root))
    with Session(engine) as session:
        asset = session.get(PromoAsset, promo_id)
        if asset is None:
            return
        asset.preview_path, asset.thumbnail_path = found
        session.add(asset)
        session.commit()


def queue_derive(engine: Engine, promo_id: int) -> int:
    return jobs.submit(engine, "promo", {"promo_id": promo_id})


@jobs.handler("promo")
def promo_job(context: jobs.JobContext) -> dict[str, Any]:
    promo_id = int(context.params["promo_id"])
    derive(context.engine, promo_id, Path(context.app.config["MEDIA_ROOT"]))
    return {"promo_id": promo_id}


def delete(engine: Engine, promo_id: int, root: Path) -> None:
    """The asset, its files no other asset shares, and every recipient's copy of it."""
    with Session(engine) as session:
        asset = session.get(PromoAsset, promo_id)
        if asset is None:
            return
        unused = catalog_promo.remove(session, asset)
        session.commit()
    for relative in unused:
        (root / relative).unlink(missing_ok=True)
    for copy in (root / FOLDER).glob(f"*/promo-{promo_id}.*"):
        copy.unlink(missing_ok=True)


def move(engine: Engine, promo_id: int, offset: int) -> None:
    with Session(engine) as session:
        asset = session.get(PromoAsset, promo_id)
        if asset is not None:
            catalog_promo.move(session, asset, offset)
            session.commit()


# -- a recipient's copies ------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """A file to send: its path, type, and for a document the name it downloads under."""

    path: Path
    mimetype: str
    download_name: str | None = None


def _download_name(asset: PromoAsset) -> str:
    stem = slug(asset.title or asset.original_name or asset.kind) or asset.kind
    return f"{stem}.pdf"


def clean_file(root: Path, asset: PromoAsset, part: str) -> Served:
    """A curator's or the film's filmmaker's file: "preview" (a clip's playable copy, a
    picture's display copy), "thumb", or "original"; NoMedia when it is not there."""
    relative = {
        "preview": asset.preview_path,
        "thumb": asset.thumbnail_path,
        "original": asset.path,
    }.get(part)
    if asset.media_type == "pdf" and part == "preview":
        relative = asset.path
    if not relative or not (root / relative).is_file():
        raise NoMedia(f"promo {asset.id} {part}")
    if part == "thumb" or (part == "preview" and asset.media_type == "image"):
        return Served(root / relative, "image/jpeg")
    if asset.media_type == "pdf":
        return Served(root / relative, "application/pdf", _download_name(asset))
    if part == "preview":
        return Served(root / relative, "video/mp4")
    return Served(root / relative, "application/octet-stream", Path(relative).name)


def for_share(root: Path, session: Session, share: ShareLink, promo_id: int) -> Served:
    """The recipient's copy of one of their bundle's films' assets: a clip or a picture with
    their name burned in (made once, then kept), a PDF as it is. NoMedia when the asset is
    not of the bundle's films or is not ready."""
    bundle = session.get(Bundle, share.bundle_id)
    asset = session.get(PromoAsset, promo_id)
    if bundle is None or asset is None or sharing.outside_bundle(bundle, asset.film_id):
        raise NoMedia(f"promo {promo_id} is not in bundle {share.bundle_id}")
    if asset.media_type == "pdf":
        return clean_file(root, asset, "preview")
    path = watermarked_promo(root, share, asset)
    return Served(path, "video/mp4" if asset.media_type == "video" else "image/jpeg")


# -- the press kit -------------------------------------------------------------------------


def slug(text: str, limit: int = 48) -> str:
    """ "Les marées de Kamouraska" → "les-marees-de-kamouraska" (a file name anywhere)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:limit].strip("-")


def _credits(film: Film) -> str:
    lines = [f"{c.role.value.replace('_', ' ')}: {c.name}" for c in film.credits]
    return "\n".join(lines) + "\n" if lines else ""


def clock(seconds: float | None) -> str:
    """4:05 for 245 s; a dash when unknown."""
    if not seconds:
        return "—"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class PressKit:
    path: Path  # the archive, for the caller to send and delete
    files: int
    clips_left_out: int


def press_kit(
    session: Session,
    bundle: Bundle,
    root: Path,
    *,
    kit_pdf: bytes,
    lang: str,
    share: ShareLink | None,
) -> PressKit:
    """The bundle's press kit as one zip: its pitch text in French and English, the pitch kit
    PDF, and per film its synopses, credits, poster, stills and set photos, teacher's guides
    and press PDFs. A recipient's pictures carry their name (`share`). Clips stay out (they
    play in the pitch room); README.txt lists them.

    Written to a temporary file under MEDIA_ROOT, complete before the caller sees it.
    """
    films = sharing.films_of_bundle(session, bundle)
    ids = [f.id for f in films if f.id is not None]
    promos = catalog_promo.of_films(session, ids)
    media = sharing.media_of_films(session, ids)
    labels = kind_labels()
    folder = root / "promo" / ".presskits"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".presskit-", suffix=".zip")
    os.close(fd)
    path = Path(name)
    left_out: list[str] = []
    files = 0
    top = slug(bundle_label(bundle, lang)) or f"anthologie-{bundle.id}"
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:

            def add_text(arcname: str, text: str) -> None:
                nonlocal files
                if text.strip():
                    archive.writestr(f"{top}/{arcname}", text.strip() + "\n")
                    files += 1

            def add_file(arcname: str, source: Path) -> None:
                nonlocal files
                if source.is_file():
                    archive.write(source, f"{top}/{arcname}", zipfile.ZIP_STORED)
                    files += 1

            for code in ("fr", "en"):
                text, written_in = bundle_pitch(bundle, code)
                if written_in == code:
                    add_text(f"pitch-{code}.txt", f"{bundle_label(bundle, code)}\n\n{text}")
            archive.writestr(f"{top}/kit-{lang}.pdf", kit_pdf, zipfile.ZIP_STORED)
            files += 1
            for number, film in enumerate(films, start=1):
                here = f"{number:02d}-{slug(film.display_title) or film.id}"
                add_text(f"{here}/synopsis-fr.txt", film.synopsis_fr or "")
                add_text(f"{here}/synopsis-en.txt", film.synopsis_en or "")
                add_text(f"{here}/credits.txt", _credits(film))
                asset = media.get(film.id or 0)
                if asset is not None and asset.poster_path and not asset.is_stand_in:
                    add_file(f"{here}/poster.jpg", root / asset.poster_path)
                for place, item in enumerate(promos.get(film.id or 0, []), start=1):
                    stem = f"{here}/{place:02d}-{item.kind}-{slug(item.title) or item.id}"
                    if item.media_type == "video":
                        duration = clock(item.probe.get("duration_s"))
                        left_out.append(
                            f"{film.display_title} — {labels.get(item.kind, item.kind)}"
                            f" « {item.title or item.original_name} » ({duration})"
                        )
                        continue
                    try:
                        if share is not None and item.id is not None:
                            served = for_share(root, session, share, item.id)
                        else:
                            served = clean_file(root, item, "preview")
                    except (NoMedia, media_tools.MediaError):
                        continue
                    add_file(f"{stem}{'.pdf' if item.media_type == 'pdf' else '.jpg'}", served.path)
            archive.writestr(f"{top}/README.txt", _readme(bundle, lang, share, left_out))
            files += 1
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return PressKit(path, files, len(left_out))


def _readme(bundle: Bundle, lang: str, share: ShareLink | None, left_out: list[str]) -> str:
    with force_locale(lang):
        lines = [
            _("Dossier de presse — %(label)s", label=bundle_label(bundle, lang)),
            "",
            _(
                "Dans ce dossier : le texte de présentation (français et anglais), la trousse "
                "de présentation en PDF et, par film, son synopsis, son générique, son affiche, "
                "ses photos, ses guides pédagogiques et ses documents de presse."
            ),
        ]
        if share is not None:
            who = share_text(share)
            lines += ["", _("Les photos portent le nom de leur destinataire : %(who)s.", who=who)]
        if left_out:
            lines += [
                "",
                _(
                    "Les extraits vidéo ne sont pas dans l'archive (trop lourds) : "
                    "regardez-les dans la salle de visionnement."
                ),
            ]
            lines += [f"- {line}" for line in left_out]
    return "\n".join(lines) + "\n"
