"""A bundle's pitch kit: the print-ready A4 PDF a buyer gets (a cover, one page per film, a
contact page), in the reader's language and without any of the engine's internal scores.

The caller sets the language (flask_babel's force_locale) and passes it as `lang` too: the
interface's strings follow the locale, the catalog's words (regions, languages) follow `lang`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session
from werkzeug.security import safe_join

from catalog import promo as catalog_promo
from catalog import sharing, users, versions
from catalog.models import Bundle, Film, MediaAsset, PromoAsset, ShareLink
from web.display import (
    bundle_label,
    bundle_pitch,
    colon,
    country_name,
    film_title,
    language_name,
    minutes,
    percent,
    region_label,
)
from web.usecases.bundles import Regional, regional_of
from web.usecases.people import crew_of
from web.usecases.promo import clock, kind_labels

# The app's navy (web/static/style.css), a muted accent, and greys for secondary text.
NAVY = "#17324d"
ACCENT = "#b5562b"
GREY = "#5d6670"
RULE = "#c9d1d9"

# Stills are embedded as JPEG at most this many pixels wide: sharp in print at the size they
# are shown (17 cm wide at about 180 dpi), and a kit of ten films stays near a megabyte.
STILL_PX = 1200
COVER_STILL_PX = 640
JPEG_QUALITY = 80
# The cover's foot, naming whom the kit was prepared for.
BAND_HEIGHT = 30 * 2.834645669  # 30 mm in points


@dataclass(frozen=True)
class Contact:
    """Whom a buyer writes to about the bundle."""

    name: str
    email: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class Recipient:
    """Whom the kit was prepared for (a private link's recipient)."""

    name: str
    organisation: str = ""


@dataclass(frozen=True)
class Still:
    """A film's picture for print: JPEG bytes, its size in pixels, and whether it is only a
    stand-in (an image from elsewhere, until the film's own media arrive)."""

    jpeg: bytes
    width: int
    height: int
    stand_in: bool


def pitch_kit(
    session: Session,
    bundle: Bundle,
    *,
    lang: str,
    media_root: Path,
    contact: Contact,
    recipient: Recipient | None = None,
    today: date | None = None,
) -> bytes:
    """The bundle's pitch kit as PDF bytes."""
    return _kit_of(session, bundle, lang, media_root, contact, recipient, today).build()


def _kit_of(
    session: Session,
    bundle: Bundle,
    lang: str,
    media_root: Path,
    contact: Contact,
    recipient: Recipient | None,
    today: date | None,
) -> _Kit:
    films = sharing.films_of_bundle(session, bundle)
    media = sharing.media_of_films(session, [f.id for f in films if f.id is not None])
    pictures: dict[int | None, Path] = {}
    stand_ins: set[int | None] = set()
    for film in films:
        asset = media.get(film.id or 0)
        path = picture_of(asset, media_root)
        if asset is not None and path is not None:
            pictures[film.id] = path
            if asset.is_stand_in:
                stand_ins.add(film.id)
    regional = regional_of(bundle, films)
    when = today or date.today()
    made = _Kit(bundle, films, pictures, stand_ins, regional, lang, contact, recipient, when)
    made.promos = catalog_promo.of_films(session, [f.id for f in films if f.id is not None])
    made.languages = versions.languages_by_film(session, films)
    return made


def contact_for(session: Session, share: ShareLink | None, fallback: Contact) -> Contact:
    """The curator who made this share, while their account is active; else `fallback`."""
    creator = users.get_user(session, share.created_by) if share and share.created_by else None
    if creator is None or not creator.active:
        return fallback
    return Contact(creator.display_name, creator.email, creator.organisation)


def share_of_broadcaster(session: Session, user_id: int, bundle_id: int) -> ShareLink | None:
    """The newest live share of this bundle addressed to this broadcaster account."""
    for share, bundle in sharing.shares_for_broadcaster(session, user_id):
        if bundle.id == bundle_id:
            return share
    return None


def picture_of(asset: MediaAsset | None, media_root: Path) -> Path | None:
    """The film's poster frame (else its first thumbnail) on disk, if it has one."""
    if asset is None:
        return None
    for relative in (asset.poster_path, *asset.thumbnail_paths):
        if not relative:
            continue
        found = safe_join(str(media_root), relative)
        if found is not None and Path(found).is_file():
            return Path(found)
    return None


def load_still(path: Path, max_px: int, stand_in: bool, ratio: float | None = None) -> Still | None:
    """The picture scaled down to `max_px` wide (cropped to `ratio` when given) as JPEG;
    None when it cannot be read as an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            picture = opened.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    if ratio is not None:
        width, height = picture.size
        if width / height > ratio:
            keep = round(height * ratio)
            left = (width - keep) // 2
            picture = picture.crop((left, 0, left + keep, height))
        else:
            keep = round(width / ratio)
            top = (height - keep) // 2
            picture = picture.crop((0, top, width, top + keep))
    picture.thumbnail((max_px, max_px * 4))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Still(buffer.getvalue(), picture.width, picture.height, stand_in)


def long_date(day: date, lang: str) -> str:
    """ "1er décembre 2026" / "December 1, 2026"."""
    text = str(format_date(day, "long", locale=lang))
    return "1er" + text[1:] if lang == "fr" and day.day == 1 else text


def synopsis_in(film: Film, lang: str) -> tuple[str, str | None]:
    """The film's synopsis in `lang` (the long one when written), else in the other language
    with the note saying which; ("", None) when it has none."""
    french = film.synopsis_long_fr or film.synopsis_fr
    english = film.synopsis_long_en or film.synopsis_en
    own, other = (english, french) if lang == "en" else (french, english)
    if own:
        return own, None
    if other:
        return other, _("(en anglais)") if lang != "en" else _("(en français)")
    return "", None


def regions_with_minutes(films: Sequence[Film], lang: str) -> list[tuple[str, int]]:
    """(region, seconds) for each region the films come from, the longest first."""
    seconds: dict[str, int] = {}
    for film in films:
        name = region_label(film.region_code, lang)
        seconds[name] = seconds.get(name, 0) + (film.runtime_seconds or 0)
    return sorted(seconds.items(), key=lambda item: (-item[1], item[0]))


def regional_line(regional: Regional, lang: str) -> str:
    """ "Régions du Québec hors Montréal : 62 % de la durée, 3 films sur 5 (60 %)"."""
    share = regional.share
    scope = regional.scope(lang)
    films = ngettext(
        "%(num)s film sur %(total)s",
        "%(num)s films sur %(total)s",
        share.films,
        total=share.total_films,
    )
    runtime, film_share = (
        percent(round(100 * p), lang) for p in (share.of_runtime, share.of_films)
    )
    return _(
        "%(scope)s : %(runtime)s de la durée, %(films)s (%(film_share)s)",
        scope=scope[:1].upper() + scope[1:],
        runtime=runtime,
        films=films,
        film_share=film_share,
    )


def _listed(values: Iterable[str], name: Callable[[str], str] = str) -> str:
    return ", ".join(dict.fromkeys(name(v) for v in values if v))


def rights_facts(film: Film, lang: str) -> list[tuple[str, str]]:
    """The film's rights as (label, text); "À confirmer" for what the record does not say."""
    unknown = _("À confirmer")
    territories = _listed(film.rights_territories, lambda t: country_name(t, lang))
    start, end = film.rights_window_start, film.rights_window_end
    if start and end:
        window = _(
            "du %(start)s au %(end)s",
            start=long_date(start, lang),
            end=long_date(end, lang),
        )
    elif start:
        window = _("à partir du %(start)s", start=long_date(start, lang))
    elif end:
        window = _("jusqu'au %(end)s", end=long_date(end, lang))
    else:
        window = unknown
    exclusive = {True: _("Exclusifs"), False: _("Non exclusifs"), None: unknown}
    facts = [
        (_("Territoires"), territories or unknown),
        (_("Fenêtre"), window),
        (_("Exclusivité"), exclusive[film.rights_exclusive]),
    ]
    if film.rights_notes:
        facts.append((_("Notes"), film.rights_notes))
    return facts


def film_facts(
    film: Film, lang: str, languages: versions.FilmLanguages | None = None
) -> list[tuple[str, str]]:
    """What a buyer reads beside the synopsis: credits, origin, year, runtime, languages
    (`languages`: the declared ones plus the attached versions', catalog.versions)."""
    subtitled = languages["subtitles"] if languages else film.subtitle_languages
    dubbed = languages["dubs"] if languages else []
    # The whole crew by role, each person with their region when known.
    facts = [(line.label, line.text()) for line in crew_of(film, lang)]
    place = region_label(film.region_code, lang)
    if film.municipality:
        place = f"{film.municipality}, {place}"
    facts += [
        (_("Région"), place),
        (_("Année"), str(film.year) if film.year else ""),
        (_("Durée"), minutes(film.runtime_seconds) if film.runtime_seconds else ""),
        (
            _("Langues originales"),
            _listed(film.original_languages, lambda c: language_name(c, lang)),
        ),
        (
            _("Sous-titres disponibles"),
            _listed(subtitled, lambda c: language_name(c, lang)),
        ),
        (_("Versions doublées"), _listed(dubbed, lambda c: language_name(c, lang))),
    ]
    return [(label, text) for label, text in facts if text]


class _Kit:
    """One kit being laid out: styles, the story of flowables, and the page furniture."""

    def __init__(
        self,
        bundle: Bundle,
        films: list[Film],
        pictures: dict[int | None, Path],
        stand_ins: set[int | None],
        regional: Regional,
        lang: str,
        contact: Contact,
        recipient: Recipient | None,
        today: date,
    ) -> None:
        from reportlab.lib.units import mm

        self.bundle = bundle
        self.films = films
        self.pictures = pictures
        self.regional = regional
        self.lang = lang
        self.stand_ins = stand_ins
        self.contact = contact
        self.recipient = recipient
        self.today = today
        self.promos: dict[int, list[PromoAsset]] = {}  # each film's promotional assets
        self.languages: dict[int, versions.FilmLanguages] = {}  # declared plus attached
        self.title = bundle_label(bundle, lang)
        self.margin = 18 * mm
        self._styles()

    # -- layout ----------------------------------------------------------------------------

    def _styles(self) -> None:
        from reportlab.lib.colors import HexColor
        from reportlab.lib.styles import ParagraphStyle

        regular, bold, serif_bold = fonts()
        self.regular, self.bold = regular, bold
        navy, grey = HexColor(NAVY), HexColor(GREY)
        self.s_brand = ParagraphStyle(
            "brand", fontName=bold, fontSize=9, leading=12, textColor=HexColor(ACCENT)
        )
        self.s_title = ParagraphStyle(
            "title", fontName=serif_bold, fontSize=26, leading=31, textColor=navy, spaceAfter=6
        )
        self.s_film = ParagraphStyle(
            "film", fontName=serif_bold, fontSize=20, leading=24, textColor=navy
        )
        self.s_original = ParagraphStyle(
            "original", fontName=regular, fontSize=10.5, leading=14, textColor=grey
        )
        self.s_lead = ParagraphStyle("lead", fontName=regular, fontSize=12, leading=17)
        self.s_body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14.5)
        self.s_small = ParagraphStyle(
            "small", fontName=regular, fontSize=8.5, leading=11.5, textColor=grey
        )
        self.s_label = ParagraphStyle(
            "label", fontName=bold, fontSize=7.5, leading=10, textColor=grey
        )
        self.s_fact = ParagraphStyle("fact", fontName=regular, fontSize=9, leading=12)
        self.s_heading = ParagraphStyle(
            "heading",
            fontName=bold,
            fontSize=11,
            leading=14,
            textColor=navy,
            spaceBefore=10,
            spaceAfter=4,
        )
        self.s_caption = ParagraphStyle(
            "caption", fontName=bold, fontSize=8.5, leading=11, textColor=HexColor(ACCENT)
        )

    def p(self, text: str, style: Any) -> Any:
        """A paragraph of plain text: Paragraph reads markup, so the text is escaped."""
        from reportlab.platypus import Paragraph

        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def build(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import PageBreak, SimpleDocTemplate

        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=self.title,
            author="Anthologie",
            subject=_("Dossier de présentation"),
            leftMargin=self.margin,
            rightMargin=self.margin,
            topMargin=self.margin,
            bottomMargin=self.margin + 8,
        )
        # The frame pads its content by 6 points on each side.
        self.frame = (document.width - 12, document.height - 12)
        cover_height = self.frame[1] - BAND_HEIGHT - 6 * mm
        story: list[Any] = [self._fit(self.cover(), cover_height), PageBreak()]
        for number, film in enumerate(self.films, start=1):
            story += [self._fit(self._film_page_that_fits(number, film)), PageBreak()]
        story.append(self._fit(self.contact_page()))
        document.build(story, onFirstPage=self._cover_band, canvasmaker=self._canvas())
        return buffer.getvalue()

    def _fit(self, flowables: list[Any], height: float | None = None) -> Any:
        """One page's content, shrunk if a long text would push it onto a second page: the
        kit keeps its shape (cover, a page per film, contact)."""
        from reportlab.platypus import KeepInFrame

        width, frame_height = self.frame
        return KeepInFrame(width, height or frame_height, flowables, mode="shrink")

    def _cover_band(self, canvas: Any, _document: Any) -> None:
        """The cover's foot: whom the kit was prepared for (or the brand), and the date."""
        from reportlab.lib.colors import HexColor, white
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm

        left, right = self.margin + 6, A4[0] - self.margin - 6
        bottom = self.margin + 8 + 4 * mm
        canvas.saveState()
        canvas.setFillColor(HexColor(NAVY))
        canvas.rect(left, bottom, right - left, BAND_HEIGHT, stroke=0, fill=1)
        pad = 7 * mm
        top = bottom + BAND_HEIGHT - pad - 8
        if self.recipient is not None:
            label = _("Préparé pour").upper()
            lines = [self.recipient.name, self.recipient.organisation]
        else:
            label, lines = "ANTHOLOGIE", [_("Dossier de présentation"), ""]
        when = long_date(self.today, self.lang)
        room = right - left - 2 * pad - canvas.stringWidth(when, self.regular, 10) - 10 * mm
        canvas.setFillColor(HexColor("#e9b08f"))
        canvas.setFont(self.bold, 8)
        canvas.drawString(left + pad, top, label)
        canvas.setFillColor(white)
        canvas.setFont(self.bold, 15)
        canvas.drawString(left + pad, top - 20, _clip(lines[0], self.bold, 15, room))
        if lines[1]:
            canvas.setFont(self.regular, 11)
            canvas.drawString(left + pad, top - 36, _clip(lines[1], self.regular, 11, room))
        canvas.setFont(self.regular, 10)
        canvas.drawRightString(right - pad, top - 20, when)
        canvas.restoreState()

    def _canvas(self) -> Any:
        """A canvas that writes each page's footer once it knows how many pages there are."""
        from reportlab.lib.colors import HexColor
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen.canvas import Canvas

        margin, regular, bold = self.margin + 6, self.regular, self.bold
        left = f"{self.title}"
        page_of = _("Page %(page)s sur %(total)s", page="{page}", total="{total}")

        class KitCanvas(Canvas):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._pages: list[dict[str, Any]] = []

            def showPage(self) -> None:
                self._pages.append(dict(self.__dict__))
                self._startPage()

            def save(self) -> None:
                total = len(self._pages)
                for number, state in enumerate(self._pages, start=1):
                    self.__dict__.update(state)
                    width = A4[0]
                    y = margin - 4
                    self.setStrokeColor(HexColor(RULE))
                    self.setLineWidth(0.5)
                    self.line(margin, y + 10, width - margin, y + 10)
                    self.setFillColor(HexColor(NAVY))
                    self.setFont(bold, 8)
                    self.drawString(margin, y, "ANTHOLOGIE")
                    brand_width = self.stringWidth("ANTHOLOGIE  ", bold, 8)
                    self.setFillColor(HexColor(GREY))
                    self.setFont(regular, 8)
                    room = width - 2 * margin - brand_width - 80
                    self.drawString(margin + brand_width, y, _clip(left, regular, 8, room))
                    self.drawRightString(
                        width - margin, y, page_of.format(page=number, total=total)
                    )
                    super().showPage()
                super().save()

        return KitCanvas

    # -- the cover -------------------------------------------------------------------------

    def cover(self) -> list[Any]:
        from reportlab.lib.units import mm
        from reportlab.platypus import Spacer

        bundle, films, lang = self.bundle, self.films, self.lang
        total = sum(f.runtime_seconds or 0 for f in films)
        story: list[Any] = [
            self.p(_("Dossier de présentation").upper(), self.s_brand),
            Spacer(1, 4 * mm),
            self.p(self.title, self.s_title),
        ]
        pitch, pitch_lang = bundle_pitch(bundle, lang)
        if pitch:
            story += [self.p(pitch, self.s_lead)]
            if lang != pitch_lang:  # no English one written: the French, said as such
                story.append(self.p(_("(en français)"), self.s_small))
        story.append(Spacer(1, 6 * mm))
        grid = self._still_grid()
        if grid:
            story += [*grid, Spacer(1, 6 * mm)]
        count = ngettext("%(num)s film", "%(num)s films", len(films))
        runtime = _(
            "%(total)s au total, pour une case de %(slot)s min",
            total=minutes(total),
            slot=bundle.slot_minutes,
        )
        regions = " · ".join(
            f"{name} ({minutes(seconds)})" for name, seconds in regions_with_minutes(films, lang)
        )
        story.append(
            self._facts_table(
                [
                    (_("Films"), count),
                    (_("Durée"), runtime),
                    (_("Provenance"), regions or "—"),
                    (_("Part régionale"), regional_line(self.regional, lang)),
                ],
                label_width=32 * mm,
            )
        )
        if films:
            story += [self.p(_("Au programme"), self.s_heading)]
        for number, film in enumerate(films, start=1):
            line = [film_title(film, lang)]
            directors = ", ".join(film.directors)
            details = [d for d in (directors, region_label(film.region_code, lang)) if d]
            details.append(minutes(film.runtime_seconds))
            story.append(self.p(f"{number}. {line[0]} — {' · '.join(details)}", self.s_body))
        return story

    def _still_grid(self) -> list[Any]:
        """The first film's still wide across the cover (cropped 2.2:1), up to four others in
        a row beneath it (16:9); a note when some are stand-ins."""
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, Spacer, Table, TableStyle

        chosen = [f for f in self.films if self.pictures.get(f.id) is not None][:5]
        if not chosen:
            return []
        width, _height = self.frame
        gap = 2 * mm
        story: list[Any] = []
        hero = load_still(
            self.pictures[chosen[0].id], STILL_PX, self._stand_in(chosen[0]), ratio=2.2
        )
        others = [
            load_still(self.pictures[f.id], COVER_STILL_PX, self._stand_in(f), ratio=16 / 9)
            for f in chosen[1:]
        ]
        stills = [s for s in (hero, *others) if s is not None]
        if hero is not None:
            story.append(Image(io.BytesIO(hero.jpeg), width=width, height=width / 2.2))
        row = [s for s in others if s is not None]
        if row:
            columns = max(3, len(row))
            cell = (width - gap * (columns - 1)) / columns
            images: list[Any] = [
                Image(io.BytesIO(s.jpeg), width=cell, height=cell * 9 / 16) for s in row
            ]
            images += [""] * (columns - len(images))
            table = Table([images], colWidths=[cell + gap] * (columns - 1) + [cell], hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ]
                )
            )
            story += [Spacer(1, gap), table]
        if any(s.stand_in for s in stills):
            story += [Spacer(1, 1.5 * mm)]
            story.append(self.p(_("Images provisoires pour certains films"), self.s_small))
        return story

    # -- a film ----------------------------------------------------------------------------

    def _film_page_that_fits(self, number: int, film: Film) -> list[Any]:
        """The film's page with its still as tall as the text leaves room for (down to a
        third of the page's width): long credits or synopses are not shrunk to a whisper."""
        from reportlab.lib.units import mm

        width, height = self.frame
        for still_height in (100 * mm, 80 * mm, 62 * mm):
            story = self.film_page(number, film, still_height)
            if _tall(story, width, height) <= height:
                break
        return story

    def film_page(self, number: int, film: Film, still_height: float) -> list[Any]:
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, Spacer

        lang = self.lang
        width, height = self.frame
        story: list[Any] = [
            self.p(
                _("Film %(num)s sur %(total)s", num=number, total=len(self.films)).upper(),
                self.s_brand,
            ),
            Spacer(1, 2 * mm),
            self.p(film_title(film, lang), self.s_film),
        ]
        shown = film_title(film, lang)
        if film.original_title and film.original_title != shown:
            story.append(
                self.p(
                    colon(_("Titre original"), lang) + " " + film.original_title, self.s_original
                )
            )
        byline = [", ".join(film.directors), str(film.year or ""), minutes(film.runtime_seconds)]
        story += [
            self.p(" · ".join(b for b in byline if b and b != "—"), self.s_original),
            Spacer(1, 4 * mm),
        ]
        path = self.pictures.get(film.id)
        still = load_still(path, STILL_PX, self._stand_in(film)) if path else None
        if still is not None:
            box_w, box_h = width, still_height
            scale = min(box_w / still.width, box_h / still.height)
            story.append(
                Image(
                    io.BytesIO(still.jpeg),
                    width=still.width * scale,
                    height=still.height * scale,
                    hAlign="LEFT",
                )
            )
            if still.stand_in:
                story.append(Spacer(1, 1.5 * mm))
                story.append(
                    self.p(_("Image provisoire : ce n'est pas une image du film."), self.s_caption)
                )
            story.append(Spacer(1, 5 * mm))
        text, note = synopsis_in(film, lang)
        left: list[Any] = [self.p(_("Synopsis"), self.s_heading)]
        if text:
            left.append(self.p(text, self.s_body))
            if note:
                left.append(self.p(note, self.s_small))
        else:
            left.append(self.p(_("Synopsis à venir."), self.s_small))
        for heading, items in (
            (_("Sélections en festival"), film.festival_selections),
            (_("Prix"), film.awards),
        ):
            if items:
                left.append(self.p(heading, self.s_heading))
                # A long list runs on in one paragraph rather than down the page.
                if len(items) > 3:
                    left.append(self.p(" · ".join(items), self.s_fact))
                else:
                    left += [self.p(f"• {item}", self.s_fact) for item in items]
        left += self._promo_list(film)
        side_width, gap = 62 * mm, 8 * mm
        left_width = width - side_width - gap
        right: list[Any] = [self.p(_("Fiche technique"), self.s_heading)]
        facts = film_facts(film, lang, self.languages.get(film.id or 0))
        right.append(self._facts_table(facts, label_width=0, stacked=True))
        # The rights go under the shorter column: a line each under the synopsis, or
        # stacked in the side column when the synopsis is the long one.
        if _tall(left, left_width, height) <= _tall(right, side_width, height):
            rights = self._facts_table(rights_facts(film, lang), 26 * mm, width=left_width)
            left += [self.p(_("Droits"), self.s_heading), rights]
        else:
            rights = self._facts_table(rights_facts(film, lang), 0, stacked=True)
            right += [self.p(_("Droits"), self.s_heading), rights]
        story.append(self._columns(left, right, side_width, gap))
        return story

    def _stand_in(self, film: Film) -> bool:
        return film.id in self.stand_ins

    def _promo_list(self, film: Film) -> list[Any]:
        """The film's promotional assets as the pitch room shows them beside it: kind,
        language, title, and a clip's duration or a PDF's pages."""
        assets = self.promos.get(film.id or 0, [])
        if not assets:
            return []
        labels = kind_labels()
        lines = []
        for asset in assets:
            parts = [labels.get(asset.kind, asset.kind)]
            if asset.language:
                parts.append(language_name(asset.language, self.lang))
            if asset.title:
                parts.append(asset.title)
            if asset.media_type == "video" and asset.probe.get("duration_s"):
                parts.append(clock(asset.probe["duration_s"]))
            elif asset.probe.get("pages"):
                parts.append(ngettext("%(num)s page", "%(num)s pages", asset.probe["pages"]))
            lines.append(self.p("• " + " · ".join(parts), self.s_fact))
        return [self.p(_("Autour du film"), self.s_heading), *lines]

    def _columns(self, left: list[Any], right: list[Any], right_width: float, gap: float) -> Any:
        from reportlab.lib.units import mm
        from reportlab.platypus import Table, TableStyle

        width, _height = self.frame
        table = Table(
            [[left, right]], colWidths=[width - right_width - gap, right_width + gap], hAlign="LEFT"
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, 0), gap),
                    ("RIGHTPADDING", (1, 0), (1, 0), 0),
                    ("LINEBEFORE", (1, 0), (1, 0), 0.5, RULE),
                    ("LEFTPADDING", (1, 0), (1, 0), 4 * mm),
                ]
            )
        )
        return table

    def _facts_table(
        self,
        facts: list[tuple[str, str]],
        label_width: float,
        stacked: bool = False,
        width: float | None = None,
    ) -> Any:
        """Facts as a two-column table (label, text), or stacked (label above its text)."""
        from reportlab.platypus import Table, TableStyle

        width = width or self.frame[0]
        if stacked:
            rows = [
                [[self.p(label.upper(), self.s_label), self.p(text, self.s_fact)]]
                for label, text in facts
            ]
            table = Table(rows, hAlign="LEFT")
        else:
            rows = [
                [self.p(label.upper(), self.s_label), self.p(text, self.s_fact)]
                for label, text in facts
            ]
            table = Table(rows, colWidths=[label_width, width - label_width], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    # -- contact ---------------------------------------------------------------------------

    def contact_page(self) -> list[Any]:
        from reportlab.lib.colors import HexColor
        from reportlab.lib.units import mm
        from reportlab.platypus import Spacer, Table, TableStyle

        lang, contact = self.lang, self.contact
        story: list[Any] = [
            self.p(_("Contact").upper(), self.s_brand),
            Spacer(1, 3 * mm),
            self.p(contact.name, self.s_film),
        ]
        if contact.organisation:
            story.append(self.p(contact.organisation, self.s_lead))
        if contact.email:
            from reportlab.platypus import Paragraph

            address = escape(contact.email, {'"': "&quot;"})
            link = f'<a href="mailto:{address}" color="{NAVY}">{address}</a>'
            story.append(Paragraph(link, self.s_lead))
        story += [
            Spacer(1, 3 * mm),
            self.p(
                _(
                    "Pour visionner les films, demander un complément d'information ou "
                    "discuter des droits, écrivez-nous."
                ),
                self.s_body,
            ),
            Spacer(1, 8 * mm),
            self.p(_("Droits en un coup d'œil"), self.s_heading),
        ]
        header = [_("Film"), _("Durée"), _("Territoires"), _("Fenêtre"), _("Exclusivité")]
        rows: list[list[Any]] = [[self.p(h.upper(), self.s_label) for h in header]]
        for number, film in enumerate(self.films, start=1):
            rights = [text for _label, text in rights_facts(film, lang)[:3]]
            rows.append(
                [
                    self.p(f"{number}. {film_title(film, lang)}", self.s_fact),
                    self.p(minutes(film.runtime_seconds), self.s_fact),
                    *(self.p(text, self.s_fact) for text in rights),
                ]
            )
        width, _height = self.frame
        table = Table(
            rows,
            colWidths=[width * w for w in (0.28, 0.11, 0.20, 0.24, 0.17)],
            repeatRows=1,
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(NAVY)),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, HexColor(RULE)),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        story += [
            table,
            Spacer(1, 3 * mm),
            self.p(
                _(
                    "Les droits indiqués sont ceux que déclarent les ayants droit ; ils sont "
                    "confirmés au contrat."
                ),
                self.s_small,
            ),
            Spacer(1, 10 * mm),
        ]
        when = long_date(self.today, lang)
        if self.recipient is not None:
            who = ", ".join(x for x in (self.recipient.name, self.recipient.organisation) if x)
            made = _("Préparé pour %(who)s le %(date)s.", who=who, date=when)
        else:
            made = _("Préparé le %(date)s.", date=when)
        story += [
            self.p(made, self.s_small),
            self.p(
                _("Anthologie : des courts et moyens métrages d'ici, réunis pour la diffusion."),
                self.s_small,
            ),
        ]
        return story


def _tall(flowables: list[Any], width: float, room: float) -> float:
    """How tall the flowables stand, one under the other, at this width."""
    return float(sum(f.wrap(width, room)[1] for f in flowables))


def _clip(text: str, font: str, size: float, room: float) -> str:
    """The text cut with an ellipsis to fit `room` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def fonts() -> tuple[str, str, str]:
    """(regular, bold, title) font names: DejaVu when installed (every Latin letter), else the
    PDF core fonts (Latin-1 only)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path("/usr/share/fonts/truetype/dejavu")
    files = {
        "DejaVu": folder / "DejaVuSans.ttf",
        "DejaVu-Bold": folder / "DejaVuSans-Bold.ttf",
        "DejaVuSerif-Bold": folder / "DejaVuSerif-Bold.ttf",
    }
    if not all(path.exists() for path in files.values()):
        return "Helvetica", "Helvetica-Bold", "Times-Bold"
    registered = pdfmetrics.getRegisteredFontNames()
    for name, path in files.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return "DejaVu", "DejaVu-Bold", "DejaVuSerif-Bold"


def season_kit(
    session: Session,
    bundles: Sequence[Bundle],
    *,
    title: str,
    facts: Sequence[tuple[str, str]],
    episodes: Sequence[str],
    lang: str,
    media_root: Path,
    contact: Contact,
    recipient: Recipient | None = None,
    today: date | None = None,
) -> bytes:
    """A season's pitch kit: a cover naming the season, its rules' values (`facts`) and its
    `episodes` (one line each), then each episode as its own kit lays it out (its cover and
    a page per film), then the contact page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer

    kits = [_kit_of(session, b, lang, media_root, contact, recipient, today) for b in bundles]
    head = _kit_of(session, bundles[0], lang, media_root, contact, recipient, today)
    head.title = title
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Anthologie",
        subject=_("Dossier de présentation"),
        leftMargin=head.margin,
        rightMargin=head.margin,
        topMargin=head.margin,
        bottomMargin=head.margin + 8,
    )
    frame = (document.width - 12, document.height - 12)
    for one in (head, *kits):
        one.frame = frame
    cover: list[Any] = [
        head.p(_("Dossier de présentation — saison").upper(), head.s_brand),
        Spacer(1, 4 * mm),
        head.p(title, head.s_title),
        Spacer(1, 4 * mm),
        head._facts_table(list(facts), label_width=60 * mm),
        head.p(_("Les épisodes"), head.s_heading),
        *[head.p(line, head.s_body) for line in episodes],
    ]
    story: list[Any] = [head._fit(cover, frame[1] - BAND_HEIGHT - 6 * mm), PageBreak()]
    for one in kits:
        story += [one._fit(one.cover()), PageBreak()]
        for number, film in enumerate(one.films, start=1):
            story += [one._fit(one._film_page_that_fits(number, film)), PageBreak()]
    story.append(head._fit(head.contact_page()))
    document.build(story, onFirstPage=head._cover_band, canvasmaker=head._canvas())
    return buffer.getvalue()
