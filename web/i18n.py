"""French first, English on request: the locale of each request, the switch between them, and
the catalog's field errors said in the page's language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, render_template, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from curation.vocabulary import audience_name, genre_name
from web.security import local_path

LOCALES = ("fr", "en")
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return str(chosen)
    # A private pitch link speaks its recipient's language (set when the link opens) on the
    # pitch room's pages, and on every page of a browser with no account; the header's switch
    # above wins over it.
    given = session.get("link_lang")
    if given in LOCALES and (request.blueprint == "pitch" or "user_id" not in session):
        return str(given)
    return request.accept_languages.best_match(LOCALES, default="fr") or "fr"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    # Times are stored in UTC and read on Québec's clock (the datetimeformat filter).
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "America/Toronto")
    Babel(app, locale_selector=select_locale)
    # Flask-Babel looks the catalogue up again for every string (about 30 µs each, 2 ms
    # for a page of films); templates use the one this request already found.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["problem"] = problem
    app.jinja_env.filters["failure"] = failure
    app.jinja_env.globals["import_summary"] = import_summary
    # By class, not by code: a blueprint's own handler (the JSON API's) is found first.
    app.register_error_handler(HTTPException, error_page)
    app.register_blueprint(bp)


def _translations() -> Any:
    """This request's translations, found once and kept on `g`."""
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Gettext, templates and date formats in `language` for a while, whatever this request
    speaks: an invitation in its recipient's language. Outside a request too (the CLI)."""
    kept = g.pop("_translations", None)
    try:
        with force_locale(language if language in LOCALES else "fr"):
            yield
    finally:
        g.pop("_translations", None)
        if kept is not None:
            g._translations = kept


@bp.post("/langue/<code>")
def switch(code: str) -> Response:
    if code in LOCALES:
        session["lang"] = code
    # Back to the page the switch was clicked on: only its path and query, and only when
    # that is a path on this site (a crafted Referer must not send the browser elsewhere).
    parts = urlsplit(request.referrer or "/")
    return redirect(local_path(parts.path + (f"?{parts.query}" if parts.query else "")))


# -- the catalog's field errors ------------------------------------------------------------

# catalog.fields and catalog.ingest name each mistake by a code with its parts (the cell,
# the bounds); the page says it here, in its own language. A code not listed falls back to
# the catalog's English message.
PROBLEMS: dict[str, Any] = {
    "whole_number": _l("« %(cell)s » n'est pas un nombre entier."),
    "outside": _l("%(value)s n'est pas entre %(low)s et %(high)s."),
    "duration": _l(
        "« %(cell)s » n'est pas une durée : écrivez par exemple 12, 12 min, "
        "00:12:30, 12:30 ou 1h05."
    ),
    "runtime_range": _l("« %(cell)s » n'est pas une durée entre 1 seconde et 24 heures."),
    "yes_no": _l("« %(cell)s » n'est ni oui ni non."),
    "not_yes_no": _l("Ce champ attend un texte, pas oui ou non."),
    "choice": _l("« %(cell)s » n'est pas une valeur permise (%(choices)s)."),
    "language": _l(
        "« %(cell)s » n'est pas une langue connue : écrivez son nom en français ou en anglais, "
        "ou son code ISO 639 (fr, fra, moe)."
    ),
    "region": _l(
        "« %(cell)s » n'est pas une région du Québec : donnez un code de 01 à 17, 99 (hors "
        "Québec), ou un nom de région."
    ),
    "date": _l("« %(cell)s » n'est pas une date écrite AAAA-MM-JJ."),
    "email": _l("« %(cell)s » n'est pas une adresse courriel."),
    "nul": _l("Le texte contient un caractère nul (\\x00), qu'aucun champ ne peut garder."),
    "one_value": _l("Ce champ prend une seule valeur, écrite comme un texte."),
    "required": _l("Ce champ est obligatoire."),
    "unknown_place": _l("« %(cell)s » n'est pas au répertoire des municipalités."),
    "ambiguous_place": _l(
        "« %(cell)s » désigne des municipalités de plusieurs régions : donnez la région."
    ),
    "other_region": _l("%(place)s est dans la région %(found)s, pas %(region)s."),
    "unlisted": _l(
        "« %(cell)s » n'est ni au répertoire des municipalités ni dans la liste des communautés "
        "autochtones : gardé tel qu'écrit, avec la région %(region)s donnée."
    ),
    "age_order": _l("L'âge maximum est plus bas que l'âge minimum (%(low)s)."),
    "date_order": _l("La fin de la fenêtre de droits précède son début (%(start)s)."),
    # A row the reader could not take apart.
    "csv": _l("Cette ligne ne se lit pas comme du CSV; la suite du fichier n'a pas été lue."),
    "cells": _l("Cette ligne a %(n)s cellules, l'en-tête en a %(width)s."),
    "json": _l("Cette ligne n'est pas un objet JSON lisible."),
    "duplicate": _l("Cette ligne décrit le même film que la ligne %(first)s."),
    # The file as a whole (catalog.ingest.IngestError).
    "map_form": _l("« %(pair)s » : écrivez une correspondance champ=Colonne, ex. title=Titre."),
    "map_field": _l("« %(field)s » n'est pas un champ du catalogue."),
    "map_file": _l("Le fichier de correspondance ne se lit pas."),
    "unreadable": _l("Le fichier ne se lit pas."),
    "mapped_missing": _l(
        "Colonnes à faire correspondre absentes du fichier : %(columns)s (ses colonnes : "
        "%(header)s)."
    ),
    "two_columns": _l("Deux colonnes alimentent le champ « %(field)s » : ignorez-en une."),
    "unknown_columns": _l(
        "Colonnes inconnues : %(columns)s. Faites-les correspondre à un champ (ex. "
        "title=Titre) ou retirez-les du fichier."
    ),
    "no_title": _l(
        "Aucune colonne de titre : faites correspondre une colonne au titre (ex. title=Titre)."
    ),
    "not_utf8": _l("Le fichier n'est pas en UTF-8 (ligne %(line)s) : enregistrez-le en UTF-8."),
    "empty": _l("Le fichier est vide."),
    "header_twice": _l("Ces colonnes paraissent deux fois dans l'en-tête : %(columns)s."),
}
SUGGESTION = _l("Vouliez-vous dire %(names)s?")
OR = _l(" ou ")


def _choice_name(code: str, lang: str) -> str:
    statuses = {"submitted": _("Soumis"), "accepted": _("Accepté"), "declined": _("Refusé")}
    statuses["archived"] = _("Archivé")
    return genre_name(code, lang) or audience_name(code, lang) or statuses.get(code) or code


def problem_text(code: str, params: Mapping[str, Any], message: str) -> str:
    """A field error of the catalog (its code, parts and English message) in the page's
    language: "« douze minutes » n'est pas une durée…" in French."""
    template = PROBLEMS.get(code)
    if template is None:
        return message
    lang = "en" if str(get_locale()) == "en" else "fr"
    shown: dict[str, str] = defaultdict(lambda: "?")
    shown |= {key: str(value) for key, value in params.items()}
    if code == "choice":
        codes = str(params.get("choices", "")).split(", ")
        shown["choices"] = ", ".join(_choice_name(c, lang) for c in codes if c)
    text = str(template) % shown
    if params.get("suggestions"):
        names = str(OR).join(str(params["suggestions"]).split(" / "))
        text += " " + str(SUGGESTION) % {"names": names}
    return text


def failure(job: Any) -> str:
    """Why a job failed, in the page's language when its error named its mistake."""
    said = (job.result or {}).get("error") or {}
    if said.get("code") in PROBLEMS:
        return problem_text(said["code"], said.get("params") or {}, job.message or "")
    return str(job.message or "")


def problem(error: Any) -> str:
    """A RowProblem (or its dict in a job's report) in the page's language."""
    if isinstance(error, Mapping):
        return problem_text(error.get("code", ""), error.get("params") or {}, error["message"])
    return problem_text(error.code, error.params, error.message)


def import_summary(name: str, counts: Mapping[str, Any]) -> str:
    """An import job's outcome in the page's language, from the numbers of its report."""
    if counts.get("nothing"):
        return ngettext(
            "%(name)s : %(num)s ligne invalide, rien n'a été importé.",
            "%(name)s : %(num)s lignes invalides, rien n'a été importé.",
            int(counts.get("rejected", 0)),
            name=name,
        )
    rows = ngettext("%(num)s ligne", "%(num)s lignes", int(counts.get("rows", 0)))
    created = int(counts.get("created", 0))
    parts = [
        ngettext("%(num)s nouveau film", "%(num)s nouveaux films", created),
        _("%(n)s mis à jour", n=counts.get("updated", 0)),
        _("%(n)s inchangés", n=counts.get("unchanged", 0)),
    ]
    if counts.get("rejected"):
        rejected = int(counts["rejected"])
        parts.append(ngettext("%(num)s ligne rejetée", "%(num)s lignes rejetées", rejected))
    if counts.get("warnings"):
        parts.append(
            ngettext("%(num)s avertissement", "%(num)s avertissements", counts["warnings"])
        )
    verb = _("essai à blanc, rien n'est écrit") if counts.get("dry_run") else _("importé")
    return _(
        "%(name)s : %(rows)s — %(verb)s : %(parts)s.",
        name=name,
        rows=rows,
        verb=verb,
        parts=", ".join(parts),
    )


# -- error pages ---------------------------------------------------------------------------

# Werkzeug's own pages are English whatever the interface says: these say it in the page's
# language (the JSON API keeps its own handler).
ERRORS: dict[int, tuple[Any, Any]] = {
    400: (_l("Demande invalide"), _l("Le serveur n'a pas compris cette demande.")),
    403: (_l("Accès refusé"), _l("Votre compte ne donne pas accès à cette page.")),
    404: (
        _l("Page introuvable"),
        _l("Cette adresse ne mène à aucune page : le lien est peut-être ancien ou mal copié."),
    ),
    405: (_l("Action non permise"), _l("Cette page ne s'utilise pas de cette façon.")),
    410: (_l("Page retirée"), _l("Cette page n'est plus disponible.")),
    500: (
        _l("Erreur du serveur"),
        _l("Quelque chose s'est mal passé de notre côté. Réessayez dans un moment."),
    ),
}


EXPIRED_FORM = _l("Ce formulaire a expiré : rechargez la page, puis envoyez-le de nouveau.")


def error_page(error: HTTPException) -> Any:
    code = error.code or 500
    if error.response is not None or code < 400:
        return error.response or error  # a routing redirect, or a page the view made
    title, explanation = ERRORS.get(code) or ERRORS[400 if code < 500 else 500]
    # A page's own reason (said in the interface's language by the view) beats the default;
    # the few said in English below the views are said here in the page's language.
    default = type(error).description
    shown = error.description if error.description and error.description != default else None
    if isinstance(error, CSRFError):
        shown = str(EXPIRED_FORM)
    elif shown and "NUL" in shown:
        shown = str(PROBLEMS["nul"])
    page = render_template("error.html", title=title, explanation=shown or explanation)
    return page, code
