"""The catalog written out: CSV and JSON Lines that import back unchanged, and PBCore XML."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from catalog.fields import BY_NAME, NAMES, format_cell, format_runtime, spreadsheet_safe
from catalog.ingest import write_atomically
from catalog.models import Film, Role
from catalog.records import film_to_record

FORMATS = ("csv", "jsonl", "pbcore")
# creatorRole / contributorRole as PBCore's role vocabulary words them.
PBCORE_ROLES: dict[Role, str] = {
    Role.director: "Director",
    Role.producer: "Producer",
    Role.writer: "Writer",
    Role.cinematographer: "Cinematographer",
    Role.editor: "Editor",
    Role.composer: "Composer",
    Role.cast: "Cast",
    Role.camera_operator: "Camera Operator",
    Role.sound_recordist: "Sound Recordist",
    Role.sound_designer: "Sound Designer",
    Role.gaffer: "Gaffer",
    Role.art_director: "Art Director",
    Role.costume_designer: "Costume Designer",
    Role.makeup_artist: "Makeup Artist",
    Role.vfx: "Visual Effects",
    Role.animator: "Animator",
    Role.colorist: "Colorist",
    Role.music_supervisor: "Music Supervisor",
    Role.production_manager: "Production Manager",
    Role.assistant_director: "Assistant Director",
}
PBCORE_NS = "http://www.pbcore.org/PBCore/PBCoreNamespace.html"


def films_in_order(session: Session) -> list[Film]:
    """All films, by external id then id; sorted here so every database gives the same order."""
    films = list(session.exec(select(Film)).all())
    films.sort(key=lambda f: (f.external_id is None, f.external_id or "", f.id or 0))
    return films


def to_csv(films: Iterable[Film]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NAMES)
    for film in films:
        record = film_to_record(film)
        writer.writerow(
            [spreadsheet_safe(format_cell(BY_NAME[name], record[name])) for name in NAMES]
        )
    return buffer.getvalue()


def to_jsonl(films: Iterable[Film]) -> str:
    lines = []
    for film in films:
        record = film_to_record(film)
        obj: dict[str, object] = {}
        for name in NAMES:
            value = record[name]
            if value is None or value == []:
                continue
            if name == "runtime":
                value = format_runtime(value)  # type: ignore[arg-type]
            elif isinstance(value, date):
                value = value.isoformat()
            obj[name] = value
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    return "".join(lines)


def to_pbcore(films: Iterable[Film]) -> str:
    """A pbcoreCollection with one pbcoreDescriptionDocument per film (PBCore 2.1 elements)."""
    ET.register_namespace("", PBCORE_NS)
    root = ET.Element(f"{{{PBCORE_NS}}}pbcoreCollection")
    for film in films:
        root.append(_pbcore_document(film))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _pbcore_document(film: Film) -> ET.Element:
    def sub(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{PBCORE_NS}}}{tag}", attrs)
        if text is not None:
            element.text = str(text)
        return element

    doc = ET.Element(f"{{{PBCORE_NS}}}pbcoreDescriptionDocument")
    if film.form:
        sub(doc, "pbcoreAssetType", film.form.value)
    if film.year:
        sub(doc, "pbcoreAssetDate", film.year, dateType="created")
    sub(doc, "pbcoreIdentifier", film.id, source="Anthologie")
    if film.external_id:
        sub(doc, "pbcoreIdentifier", film.external_id, source="external")
    sub(doc, "pbcoreTitle", film.original_title, titleType="Original")
    for lang, title in (("fra", film.title_fr), ("eng", film.title_en)):
        if title:
            sub(doc, "pbcoreTitle", title, titleType="Translated", language=lang)
    for subject in film.subjects:
        sub(doc, "pbcoreSubject", subject)
    for kind, lang, text in (
        ("Summary", "fra", film.synopsis_fr),
        ("Summary", "eng", film.synopsis_en),
        ("Abstract", "fra", film.synopsis_long_fr),
        ("Abstract", "eng", film.synopsis_long_en),
        ("Logline", "", film.logline),
    ):
        if text:
            attrs = {"descriptionType": kind} | ({"language": lang} if lang else {})
            sub(doc, "pbcoreDescription", text, **attrs)
    for genre in film.genres:
        sub(doc, "pbcoreGenre", genre)
    for tag in film.style_tags:
        sub(doc, "pbcoreGenre", tag, source="Anthologie style tags")
    places = [p for p in (film.municipality, film.region_code and f"region {film.region_code}")]
    for place in [p for p in places if p] + list(film.countries):
        coverage = sub(doc, "pbcoreCoverage")
        sub(coverage, "coverage", place)
        sub(coverage, "coverageType", "Spatial")
    if film.audience:
        level = film.audience.value
        if film.audience_age_min is not None or film.audience_age_max is not None:
            level += f" {film.audience_age_min or ''}-{film.audience_age_max or ''}"
        sub(doc, "pbcoreAudienceLevel", level)
    for credit in film.credits:
        # The person's region, where known, as the film's own is said in pbcoreCoverage.
        where = {"affiliation": f"region {credit.region_code}"} if credit.region_code else {}
        role = PBCORE_ROLES.get(Role(credit.role), str(credit.role))
        if credit.role == Role.director:
            creator = sub(doc, "pbcoreCreator")
            sub(creator, "creator", credit.name, **where)
            sub(creator, "creatorRole", role)
        else:
            contributor = sub(doc, "pbcoreContributor")
            sub(contributor, "contributor", credit.name, **where)
            sub(contributor, "contributorRole", role)
    if film.production_company:
        publisher = sub(doc, "pbcorePublisher")
        sub(publisher, "publisher", film.production_company)
        sub(publisher, "publisherRole", "Production company")
    rights = _rights_summary(film)
    if rights:
        sub(sub(doc, "pbcoreRightsSummary"), "rightsSummary", rights)
    instantiation = sub(doc, "pbcoreInstantiation")
    sub(instantiation, "instantiationIdentifier", film.id, source="Anthologie")
    sub(instantiation, "instantiationLocation", "Anthologie catalog")
    if film.runtime_seconds:
        sub(instantiation, "instantiationDuration", format_runtime(film.runtime_seconds))
    for lang in film.original_languages:
        sub(instantiation, "instantiationLanguage", lang)
    modes = [f"subtitles ({', '.join(film.subtitle_languages)})"] if film.subtitle_languages else []
    modes += ["closed captions"] if film.closed_captions else []
    modes += ["described video"] if film.described_video else []
    if modes:
        sub(instantiation, "instantiationAlternativeModes", "; ".join(modes))
    extension = sub(doc, "pbcoreExtension")
    wrap = sub(extension, "extensionWrap")
    sub(wrap, "extensionElement", "festivalHistory")
    sub(wrap, "extensionValue", "; ".join(film.festival_selections + film.awards) or "none")
    sub(wrap, "extensionAuthorityUsed", "Anthologie")
    return doc


def _rights_summary(film: Film) -> str:
    parts = []
    if film.rights_territories:
        parts.append("territories: " + ", ".join(film.rights_territories))
    if film.rights_window_start or film.rights_window_end:
        start = film.rights_window_start.isoformat() if film.rights_window_start else "…"
        end = film.rights_window_end.isoformat() if film.rights_window_end else "…"
        parts.append(f"window: {start} – {end}")
    if film.rights_exclusive is not None:
        parts.append("exclusive" if film.rights_exclusive else "non-exclusive")
    if film.rights_notes:
        parts.append(film.rights_notes)
    return "; ".join(parts)


RENDERERS = {"csv": to_csv, "jsonl": to_jsonl, "pbcore": to_pbcore}


def export_catalog(session: Session, fmt: str, path: Path | None = None) -> str:
    """The catalog in `fmt`; written atomically to `path` when one is given."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    text = RENDERERS[fmt](films_in_order(session))
    if path is not None:
        write_atomically(path, text)
    return text


def bundle_pbcore(bundle_id: int, label: str, films: Iterable[Film]) -> str:
    """The bundle's films as PBCore, each related to the bundle (pbcoreRelation isPartOf)."""
    ET.register_namespace("", PBCORE_NS)
    root = ET.Element(f"{{{PBCORE_NS}}}pbcoreCollection", {"collectionTitle": label})
    for film in films:
        document = _pbcore_document(film)
        relation = ET.Element(f"{{{PBCORE_NS}}}pbcoreRelation")
        kind = ET.SubElement(relation, f"{{{PBCORE_NS}}}pbcoreRelationType")
        kind.text = "Is Part Of"
        identifier = ET.SubElement(relation, f"{{{PBCORE_NS}}}pbcoreRelationIdentifier")
        identifier.text = f"anthologie-bundle-{bundle_id}: {label}"
        # PBCore orders elements: the relation goes before the instantiation.
        position = next(
            i for i, child in enumerate(document) if child.tag.endswith("pbcoreInstantiation")
        )
        document.insert(position, relation)
        root.append(document)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
