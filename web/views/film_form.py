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
from catalog.fields import (
    BY_NAME,
    COLUMNS,
    CREDIT_COLUMNS,
    FieldError,
    format_cell,
    parse_language,
    split_multi,
)
from catalog.ingest import validate
from catalog.models import Film
from catalog.observatory import QUEBEC_REGIONS
from catalog.people import credit_text, person_key, person_slug, split_credit
from catalog.places import PlaceError, UnknownPlace, default_index
from catalog.records import film_to_record
from catalog.self_identification import GENDERS, MAX_NATION, Answers
from curation.vocabulary import audience_name, genre_name
from web import database, pickers
from web.display import UNKNOWN, country_name, current_language, language_name, region_label
from web.i18n import problem
from web.usecases.people import ROLE_LABELS
from web.views.common import CHOICES

# The head credits, each a list of names in the Équipe section.
HEAD_CREDITS = (
    "directors",
    "producers",
    "writers",
    "cinematographers",
    "editors",
    "composers",
    "cast",
)
# The crew's columns (the roles beyond the head credits), entered as rows of the form.
CREW_FIELDS = tuple(name for name in CREDIT_COLUMNS if name not in HEAD_CREDITS)
# Blank crew rows offered below those filled (more come back with each save).
CREW_BLANK_ROWS = 3

# The form's sections, in the order a filmmaker fills them; every catalog column but the
# curator's own (external_id, status). The film file and screener link come last (Fichier).
SECTIONS: list[tuple[Any, list[str]]] = [
    (_l("Identification"), ["original_title", "title_fr", "title_en", "year", "runtime", "form"]),
    (
        _l("Description"),
        [
            "synopsis_fr",
            "synopsis_en",
            "synopsis_long_fr",
            "synopsis_long_en",
            "logline",
            "genres",
            "subjects",
            "style_tags",
        ],
    ),
    (
        _l("Langues et accessibilité"),
        ["original_languages", "subtitle_languages", "closed_captions", "described_video"],
    ),
    (_l("Public"), ["audience", "audience_age_min", "audience_age_max"]),
    (
        _l("Équipe"),
        list(HEAD_CREDITS),
    ),
    # The technicians, one row each: role, name and the region they work from.
    (_l("Équipe technique"), list(CREW_FIELDS)),
    (_l("Origine"), ["municipality", "region", "countries", "production_company"]),
    (_l("Diffusion"), ["festival_selections", "awards"]),
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
# One sentence under each section's title, keyed by the section's first field.
SECTION_HELP: dict[str, Any] = {
    "original_title": _l("Le titre tel qu'il paraît au générique, puis ses traductions."),
    "synopsis_fr": _l("Ce que lisent l'équipe de programmation et les diffuseurs."),
    "original_languages": _l("Tapez quelques lettres du nom d'une langue et choisissez-la."),
    "audience": _l("À qui le film s'adresse."),
    "directors": _l("Une personne par nom; les noms déjà au catalogue vous sont suggérés."),
    "municipality": _l("La région se déduit de la municipalité choisie."),
    "festival_selections": _l("Les festivals où le film a été montré et les prix reçus."),
    "rights_territories": _l("Où et quand le film peut être diffusé."),
    "contact_name": _l("La personne que l'équipe joindra au sujet du film."),
    CREW_FIELDS[0]: _l(
        "Une ligne par personne : son rôle, son nom et, si vous la connaissez, la région "
        "d'où elle travaille. Laissez le nom vide pour ne rien ajouter."
    ),
}
FIELD_HELP: dict[str, Any] = {
    "runtime": _l("Par exemple 12 min, 1 h 05 ou 00:12:30."),
    "year": _l("L'année de la première diffusion."),
    "logline": _l("Une phrase qui donne envie de voir le film."),
    "rights_territories": _l("Pays ou régions, par exemple Canada."),
}
# Lists picked from a closed vocabulary: the value stored differs from the name shown.
LIST_PICKERS = {
    "original_languages": "languages",
    "subtitle_languages": "languages",
    "countries": "countries",
}
# Lists of people, with the names already credited in the catalog as suggestions.
PEOPLE = HEAD_CREDITS
NUMERIC = {"year", "audience_age_min", "audience_age_max"}
DATES = {"rights_window_start", "rights_window_end"}
FORM_FIELDS = [name for _, names in SECTIONS for name in names]
assert set(FORM_FIELDS) == {c.name for c in COLUMNS} - {"external_id", "status"}

LABELS: dict[str, Any] = {
    "original_title": _l("Titre original"),
    "title_fr": _l("Titre français"),
    "title_en": _l("Titre anglais"),
    "year": _l("Année"),
    "runtime": _l("Durée"),
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
    **{name: ROLE_LABELS[CREDIT_COLUMNS[name]] for name in CREW_FIELDS},
    "festival_selections": _l("Sélections en festival"),
    "awards": _l("Prix"),
    "rights_territories": _l("Territoires"),
    "rights_window_start": _l("Début de la fenêtre de droits"),
    "rights_window_end": _l("Fin de la fenêtre de droits"),
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
    "external_id": _l("Identifiant de la source"),
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
    values: dict[str, str],
    errors: dict[str, str],
    film: Film | None,
    *,
    upload: bool = True,
    action: str | None = None,
    received: Any = None,
    back: str | None = None,
    self_id: dict[str, str] | None = None,
) -> str:
    """The form page; `upload` offers the film file field (the submission form does),
    `action` is where it posts (the page's own address when None), `received` the film
    file already uploaded (web.usecases.uploads.Upload) when the form comes back, `back`
    the film's page, offered as a way out without saving. `self_id`: the voluntary
    self-identification section's values (self_id_values), offered only to the filmmaker
    who submits the film; None leaves the section out (the curator's form)."""
    lang = current_language()
    return render_template(
        "submissions/form.html",
        sections=SECTIONS,
        section_help=SECTION_HELP,
        field_help=FIELD_HELP,
        labels=LABELS,
        choices=CHOICES,
        long_text=LONG_TEXT,
        regions=queries.regions(database.session()),
        values=values,
        errors=errors,
        film=film,
        multi={c.name for c in COLUMNS if c.multi},
        list_pickers=LIST_PICKERS,
        people=PEOPLE,
        numeric=NUMERIC,
        dates=DATES,
        picker_options={
            "languages": pickers.language_options(lang),
            "countries": pickers.country_options(lang),
        },
        shown={name: shown_items(name, values.get(name, "")) for name in LIST_PICKERS},
        place=place_note(values.get("municipality", ""), values.get("region", "")),
        upload=upload,
        action=action,
        received=received,
        back=back,
        self_id=self_id,
        genders=GENDER_LABELS,
        crew_fields=list(CREW_FIELDS),
        crew_rows=crew_rows(values),
        crew_regions=[r for r in QUEBEC_REGIONS],
    )


def crew_rows(values: dict[str, str]) -> list[tuple[str, str, str]]:
    """The crew section's rows, (column, name, region code), those the record holds then
    CREW_BLANK_ROWS empty ones to fill."""
    rows = []
    for column in CREW_FIELDS:
        for text in split_multi(values.get(column, ""), semicolon_only=True):
            name, region = split_credit(text)
            rows.append((column, name, region or ""))
    return rows + [("", "", "")] * CREW_BLANK_ROWS


def read_crew() -> tuple[dict[str, list[str]], dict[str, str]]:
    """The crew rows sent, as each crew column's credits ("Name (06)"), and the errors of
    rows whose role or region is not one the form offers."""
    form = request.form
    roles, names, regions = (form.getlist(f"crew_{part}") for part in ("role", "name", "region"))
    cells: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for i, name in enumerate(names):
        name = " ".join(name.split())
        role = roles[i] if i < len(roles) else ""
        region = (regions[i] if i < len(regions) else "").strip()
        if not name:
            continue
        if role not in CREW_FIELDS:
            errors[CREW_FIELDS[0]] = _("Choisissez le rôle de %(name)s.", name=name)
            continue
        if region and region not in QUEBEC_REGIONS:
            errors[role] = _("Choisissez la région de %(name)s dans la liste.", name=name)
            region = ""
        entry = credit_text(name, region or None)
        if entry not in cells.setdefault(role, []):
            cells[role].append(entry)
    return cells, errors


def shown_items(name: str, text: str) -> dict[str, str]:
    """The name shown for each value of a picked list ("fra" → "français"), for its chips."""
    lang = current_language()
    shown = {}
    for item in split_multi(text, semicolon_only=True):
        if name == "countries":
            shown[item] = country_name(item, lang)
        else:
            try:
                shown[item] = language_name(parse_language(item), lang)
            except FieldError:
                shown[item] = item
    return shown


def place_note(municipality: str, region: str = "") -> tuple[str, str]:
    """What the form says beside a municipality as it is typed: ("ok", its region),
    ("error", why it is not found), or nothing while the field is empty."""
    municipality = municipality.strip()
    if not municipality:
        return "", ""
    try:
        found = default_index().place(municipality)
    except UnknownPlace as unknown:
        text = _("Cette municipalité n'est pas au répertoire.")
        if unknown.suggestions:
            text += " " + _("Vouliez-vous dire %(names)s?", names=", ".join(unknown.suggestions))
        return "error", text
    except PlaceError:
        return "error", _(
            "Plusieurs municipalités portent ce nom : choisissez-en une dans la liste."
        )
    if region and region != found.region_code:
        return "error", _(
            "%(place)s est dans la région %(found)s, pas %(chosen)s.",
            place=found.name,
            found=region_label(found.region_code),
            chosen=region_label(region),
        )
    return "ok", _("Région : %(region)s", region=region_label(found.region_code))


def read_form() -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The record the form holds, what was typed (to show again) and the field errors.

    A list comes either as one text with ";" between values (the plain field, without
    script) or as one value per chip (the picker): both go through the same checks.
    """
    cells: dict[str, Any] = {}
    values: dict[str, str] = {}
    multi = {c.name for c in COLUMNS if c.multi}
    crew, crew_errors = read_crew()
    for name in CREW_FIELDS:
        cells[name] = crew.get(name) or None
        values[name] = "; ".join(crew.get(name, []))
    for name in FORM_FIELDS:
        if name in CREW_FIELDS:
            continue
        sent = [v.strip() for v in request.form.getlist(name) if v.strip()]
        if name in multi and len(sent) > 1:
            cells[name] = sent
            values[name] = "; ".join(sent)
        else:
            values[name] = sent[0] if sent else ""
            cells[name] = values[name] or None
    record, problems = validate(0, cells)
    errors = {p.field: problem(p) for p in problems} | crew_errors
    if "municipality" in errors:
        # Said as the live note beside the field says it, in the page's language.
        kind, text = place_note(values["municipality"], values["region"])
        if kind == "error":
            errors["municipality"] = text
    screener = request.form.get("screener_url", "").strip()
    values["screener_url"] = screener
    if screener and not re.match(r"^https?://[^\s/]+\.[^\s]+$", screener):
        errors["screener_url"] = _("Un lien commence par https:// ou http://.")
    return record, values, errors


# -- voluntary self-identification --------------------------------------------------------
# Asked of the filmmaker only, kept apart from the record (catalog.self_identification).

GENDER_LABELS: dict[str, Any] = {
    "woman": _l("Femme"),
    "man": _l("Homme"),
    "non_binary": _l("Personne non binaire"),
    "prefer_not": _l("Préfère ne pas répondre"),
}
assert tuple(GENDER_LABELS) == GENDERS
_YES_NO = {"yes": True, "no": False}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def self_id_values(answers: Answers | None) -> dict[str, str]:
    """The section's fields filled with the answers kept (consent ticked), or empty."""
    if answers is None:
        return {"consent": ""}
    return {
        "consent": "yes",
        "director_gender": answers.director_gender or "",
        "first_film": _yes_no(answers.first_film),
        "indigenous": _yes_no(answers.indigenous),
        "nation": answers.nation or "",
    }


def read_self_identification() -> tuple[Answers, bool, dict[str, str], dict[str, str]]:
    """The answers sent, whether consent is ticked, what was sent (to show again) and the
    errors. An answer outside the choices offered counts as no answer."""
    form = request.form
    values = {
        "consent": "yes" if form.get("sid_consent") == "yes" else "",
        "director_gender": form.get("sid_director_gender", "").strip(),
        "first_film": form.get("sid_first_film", "").strip(),
        "indigenous": form.get("sid_indigenous", "").strip(),
        "nation": " ".join(form.get("sid_nation", "").split()),
    }
    errors: dict[str, str] = {}
    nation = values["nation"]
    if len(nation) > MAX_NATION:
        errors["sid_nation"] = _("%(n)s caractères au plus.", n=MAX_NATION)
        nation = ""
    gender = values["director_gender"]
    answers = Answers(
        director_gender=gender if gender in GENDERS else None,
        first_film=_YES_NO.get(values["first_film"]),
        indigenous=_YES_NO.get(values["indigenous"]),
        nation=nation or None,
    )
    return answers, values["consent"] == "yes", values, errors


# -- reading a record ----------------------------------------------------------------------

STATUS_LABELS: dict[str, Any] = {
    "submitted": _l("Soumis"),
    "accepted": _l("Accepté"),
    "declined": _l("Refusé"),
    "archived": _l("Archivé"),
}

# The film page reads a record in the form's sections, with the source's id and the
# screener link besides (keyed by the section's first field).
_READ_ALSO = {"original_title": ["external_id"], "contact_name": ["screener_url"]}
READING_GROUPS: list[tuple[Any, list[str]]] = [
    (title, names + _READ_ALSO.get(names[0], [])) for title, names in SECTIONS
]
assert {n for _, names in READING_GROUPS for n in names} >= set(FORM_FIELDS)

# What Film.lacks() names → the fields that would fill it.
LACK_FIELDS: dict[str, tuple[str, ...]] = {
    "runtime": ("runtime",),
    "synopsis": ("synopsis_fr", "synopsis_en"),
    "year": ("year",),
    "form": ("form",),
    "directors": ("directors",),
    "region": ("region",),
    "original_languages": ("original_languages",),
    "audience": ("audience",),
}
# Text read as a paragraph, in its own language.
TEXT_LANGUAGE = {
    "synopsis_fr": "fr",
    "synopsis_en": "en",
    "synopsis_long_fr": "fr",
    "synopsis_long_en": "en",
}


def runtime_words(seconds: int) -> str:
    """14 min, 12 min 30 s, 1 h 05 min, 45 s."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        text = f"{hours} h {minutes:02d} min"
        return f"{text} {secs} s" if secs else text
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def shown_value(name: str, value: Any, lang: str | None = None, limit: int | None = None) -> str:
    """A field's value (as FilmChange or film_to_record holds it) in words in the page's
    language; "—" when empty; cut to `limit` characters when given."""
    lang = lang or current_language()
    if value is None or value == "" or value == []:
        return UNKNOWN
    if name == "runtime":
        text = runtime_words(int(value))
    elif name == "region":
        text = region_label(value, lang)
    elif name in ("form", "genres"):
        codes = value if isinstance(value, list) else [value]
        text = ", ".join(dict.fromkeys(genre_name(str(c), lang) or str(c) for c in codes))
    elif name == "audience":
        text = audience_name(str(value), lang) or str(value)
    elif name in CREDIT_COLUMNS and isinstance(value, list):
        credits = [split_credit(str(v)) for v in value]
        text = "; ".join(f"{n} ({region_label(r, lang)})" if r else n for n, r in credits)
    elif name in ("original_languages", "subtitle_languages"):
        text = ", ".join(language_name(str(c), lang) for c in value)
    elif name == "countries":
        text = ", ".join(country_name(str(c), lang) for c in value)
    elif name == "status":
        text = str(STATUS_LABELS.get(str(value), value))
    elif isinstance(value, bool):
        text = _("Oui") if value else _("Non")
    elif isinstance(value, list):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def credit_links(value: Any, lang: str | None = None) -> list[tuple[str, str, str]]:
    """A credit column's people as the film page links them: (name, their page's slug,
    their region's name or "")."""
    links = []
    for text in value or []:
        name, region = split_credit(str(text))
        slug = person_slug(person_key(name))
        links.append((name, slug, region_label(region, lang) if region else ""))
    return links
