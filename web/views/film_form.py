"""The film record's form, shared by the filmmaker's submission and the curator's edit:
its sections, labels, how it is filled from a film, read back and checked, and rendered.

One form and one validation (catalog.ingest.validate, the importer's own), whoever edits.
"""

from __future__ import annotations

import re
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog import queries
from catalog.fields import BY_NAME, COLUMNS, format_cell
from catalog.ingest import validate
from catalog.models import Film
from catalog.records import film_to_record
from web import database
from web.views.common import CHOICES

# The form's sections, in the order a filmmaker fills them; every catalog column but the
# curator's own (external_id, status).
SECTIONS: list[tuple[Any, list[str]]] = [
    (_l("Titres"), ["original_title", "title_fr", "title_en", "year", "runtime", "form"]),
    (
        _l("Synopsis"),
        ["synopsis_fr", "synopsis_en", "synopsis_long_fr", "synopsis_long_en", "logline"],
    ),
    (_l("Classement"), ["genres", "subjects", "style_tags"]),
    (_l("Origine"), ["region", "municipality", "countries", "production_company"]),
    (
        _l("Langues et public"),
        [
            "original_languages",
            "subtitle_languages",
            "closed_captions",
            "described_video",
            "audience",
            "audience_age_min",
            "audience_age_max",
        ],
    ),
    (
        _l("Générique"),
        ["directors", "producers", "writers", "cinematographers", "editors", "composers", "cast"],
    ),
    (_l("Festivals et prix"), ["festival_selections", "awards"]),
    (
        _l("Droits"),
        [
            "rights_territories",
            "rights_window_start",
            "rights_window_end",
            "rights_exclusive",
            "rights_notes",
        ],
    ),
    (_l("Contact"), ["contact_name", "contact_email"]),
]
FORM_FIELDS = [name for _, names in SECTIONS for name in names]
assert set(FORM_FIELDS) == {c.name for c in COLUMNS} - {"external_id", "status"}

LABELS: dict[str, Any] = {
    "original_title": _l("Titre original"),
    "title_fr": _l("Titre français"),
    "title_en": _l("Titre anglais"),
    "year": _l("Année"),
    "runtime": _l("Durée (ex. 12 min, 00:12:30)"),
    "form": _l("Forme"),
    "synopsis_fr": _l("Synopsis court (français)"),
    "synopsis_en": _l("Synopsis court (anglais)"),
    "synopsis_long_fr": _l("Synopsis long (français)"),
    "synopsis_long_en": _l("Synopsis long (anglais)"),
    "logline": _l("Phrase d'accroche"),
    "genres": _l("Genres"),
    "subjects": _l("Sujets"),
    "style_tags": _l("Étiquettes de style"),
    "region": _l("Région administrative"),
    "municipality": _l("Municipalité"),
    "countries": _l("Pays de production"),
    "production_company": _l("Maison de production"),
    "original_languages": _l("Langues originales"),
    "subtitle_languages": _l("Sous-titres disponibles"),
    "closed_captions": _l("Sous-titres codés"),
    "described_video": _l("Vidéodescription"),
    "audience": _l("Public"),
    "audience_age_min": _l("Âge minimum"),
    "audience_age_max": _l("Âge maximum"),
    "directors": _l("Réalisation"),
    "producers": _l("Production"),
    "writers": _l("Scénario"),
    "cinematographers": _l("Direction photo"),
    "editors": _l("Montage"),
    "composers": _l("Musique"),
    "cast": _l("Distribution"),
    "festival_selections": _l("Sélections en festival"),
    "awards": _l("Prix"),
    "rights_territories": _l("Territoires"),
    "rights_window_start": _l("Début de la fenêtre de droits (AAAA-MM-JJ)"),
    "rights_window_end": _l("Fin de la fenêtre de droits (AAAA-MM-JJ)"),
    "rights_exclusive": _l("Exclusivité"),
    "rights_notes": _l("Notes sur les droits"),
    "contact_name": _l("Personne-ressource"),
    "contact_email": _l("Courriel"),
}
LONG_TEXT = {"synopsis_fr", "synopsis_en", "synopsis_long_fr", "synopsis_long_en", "rights_notes"}


# Shorter names for where a field is named outside the form (a film's history).
SHORT_LABELS: dict[str, Any] = {
    "runtime": _l("Durée"),
    "rights_window_start": _l("Début de la fenêtre de droits"),
    "rights_window_end": _l("Fin de la fenêtre de droits"),
    "screener_url": _l("Lien de visionnement"),
    "status": _l("Statut"),
    "curator_message": _l("Message au cinéaste"),
}


def field_label(name: str) -> str:
    """A field's name as a person reads it, in the page's language."""
    return str(SHORT_LABELS.get(name) or LABELS.get(name) or name)


def form_values(film: Film) -> dict[str, str]:
    """The form's fields filled with what the film's record says now."""
    record = film_to_record(film)
    values = {name: format_cell(BY_NAME[name], record[name]) for name in FORM_FIELDS}
    values["screener_url"] = film.screener_url or ""
    return values


def render_form(
    values: dict[str, str], errors: dict[str, str], film: Film | None, *, upload: bool = True
) -> str:
    """The form page; `upload` offers the film file field (the submission form does)."""
    return render_template(
        "submissions/form.html",
        sections=SECTIONS,
        labels=LABELS,
        choices=CHOICES,
        long_text=LONG_TEXT,
        regions=queries.regions(database.session()),
        values=values,
        errors=errors,
        film=film,
        multi={c.name for c in COLUMNS if c.multi},
        upload=upload,
    )


def read_form() -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    values = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    record, problems = validate(0, {k: (v or None) for k, v in values.items()})
    errors = {p.field: p.message for p in problems}
    screener = request.form.get("screener_url", "").strip()
    values["screener_url"] = screener
    if screener and not re.match(r"^https?://[^\s/]+\.[^\s]+$", screener):
        errors["screener_url"] = _("Un lien commence par https:// ou http://.")
    return record, values, errors
