"""Catalog pages: the film list (filterable, htmx partial) and a film's page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from catalog import queries, sharing, vectors
from catalog.fields import CREDIT_COLUMNS, FieldError, parse_language
from catalog.models import Film, Status, UserRole
from catalog.records import film_to_record
from web import database, fragments, jobs
from web.auth import current_user, require_role
from web.display import current_language
from web.security import local_path
from web.usecases import curating, judging, promo, readiness, records, youth
from web.usecases import versions as film_versions
from web.views.common import CHOICES, wants_partial
from web.views.film_form import (
    CREW_FIELDS,
    LACK_FIELDS,
    READING_GROUPS,
    STATUS_LABELS,
    TEXT_LANGUAGE,
    credit_links,
    field_label,
    form_values,
    read_form,
    render_form,
    shown_value,
)

bp = Blueprint("catalog", __name__, url_prefix="/catalogue")

# What Film.lacks() names, as a curator reads it.
LACK_LABELS = {
    "runtime": _l("durée"),
    "synopsis": _l("synopsis"),
    "year": _l("année"),
    "form": _l("forme"),
    "directors": _l("réalisation"),
    "region": _l("région"),
    "original_languages": _l("langue"),
    "audience": _l("public"),
}


# The buyers the list can be narrowed to ("ready=eng"): the language they need.
READY_FOR = {"eng": "eng", "fra": "fra"}


@bp.get("/")
@require_role(UserRole.curator)
def film_list() -> Response:
    args = request.args
    status = args.get("status") or None

    def number(name: str) -> int | None:
        return args.get(name, type=int)

    media = args.get("media")
    filters = queries.FilmFilter(
        region=args.get("region") or None,
        status=Status(status) if status and status in Status.__members__ else None,
        text=(args.get("q") or "").strip() or None,
        incomplete=args.get("incomplete") == "1",
        form=args.get("form") or None,
        genre=(args.get("genre") or "").strip() or None,
        language=_language(args.get("language")),
        audience=args.get("audience") or None,
        min_minutes=number("min"),
        max_minutes=number("max"),
        year_from=number("year_from"),
        year_to=number("year_to"),
        has_media={"1": True, "0": False}.get(media or ""),
        ready_for=READY_FOR.get(args.get("ready") or ""),
    )
    semantic = args.get("mode") == "sens" and bool(filters.text)
    if semantic:
        found = curating.search(database.engine(), _embedder(), filters.text or "", k=30)
        lines = [queries.FilmLine.of(film) for film, _ in found]
        page = queries.FilmPage(lines, len(found), 1, max(len(found), 1))
        films = _films_fragment(page, {film.id or 0: score for film, score in found})
    else:
        # The same arguments (language and catalog version too): the same fragment.
        key = (current_per_page(), tuple(sorted(args.items(multi=True))))

        def render() -> str:
            page = queries.list_film_lines(
                database.session(),
                filters,
                page=args.get("page", 1, type=int),
                per_page=current_per_page(),
            )
            return _films_fragment(page)

        # Attaching a subtitle file does not move the catalog's version: a list narrowed
        # by readiness is read afresh.
        films = render() if filters.ready_for else fragments.rendered("films", key, render)
    if wants_partial():
        response = make_response(films)
    else:
        page_html = render_template(
            "catalog/film_list.html",
            films=films,
            filters=filters,
            semantic=semantic,
            regions=queries.regions(database.session()),
            statuses=list(Status),
            status_labels=STATUS_LABELS,
            choices=CHOICES,
        )
        response = make_response(page_html)
    response.vary.add("HX-Request")
    return response


def _films_fragment(
    page: queries.FilmPage[queries.FilmLine], scores: dict[int, float] | None = None
) -> str:
    """The list's own part: count, rows and pages; `scores` for a search by meaning."""
    return Markup(
        render_template(
            "catalog/_films.html",
            page=page,
            semantic=scores is not None,
            scores=scores or {},
            # Translated once per page, not once per row.
            lack_labels={key: str(label) for key, label in LACK_LABELS.items()},
        )
    )


def _language(text: str | None) -> str | None:
    """An ISO 639-3 code from whatever the curator typed (fr, français, Innu…)."""
    if not text or not text.strip():
        return None
    try:
        return parse_language(text.strip())
    except FieldError:
        return text.strip()


def _embedder() -> Any:
    return curating.configured_embedder(current_app.config)


def current_per_page() -> int:
    return int(current_app.config["FILMS_PER_PAGE"])


def _film_or_404(film_id: int) -> Film:
    film = queries.get_film(database.session(), film_id)
    if film is None:
        abort(404)
    return film


@bp.get("/jeunesse")
@require_role(UserRole.curator)
def youth_programme() -> str:
    """Youth films by age band ("?ages=6-8"), each with its ages and its teacher's guide."""
    band = youth.parse_band(request.args.get("ages"))
    return render_template(
        "catalog/youth.html",
        band=band,
        bands=youth.AGE_BANDS,
        band_key=youth.band_key,
        films=youth.programme(database.session(), band),
        # The guide opens where helper routes serve promotional files, when the app has them.
        guide_endpoint="promo.file" if "promo.file" in current_app.view_functions else None,
    )


@bp.get("/films/<int:film_id>")
@require_role(UserRole.curator)
def film_detail(film_id: int) -> str:
    film = _film_or_404(film_id)
    db = database.session()
    asset = sharing.media_of_films(db, [film_id]).get(film_id)
    model_id = vectors.model_id_for(db, curating.TEXT_FACET, current_app.config["EMBEDDING_MODEL"])
    similar = curating.similar_films(database.engine(), film_id, model_id, k=6) if model_id else []
    user = current_user()
    assert user is not None
    return render_template(
        "catalog/film_detail.html",
        film=film,
        reading=_reading(film),
        lacking=_lacking(film),
        fill_url=_fill_url(film),
        history=_history(film_id),
        judging=judging.panel(db, film_id, user.id or 0),
        asset=asset,
        versions_panel=film_versions.panel(db, film),
        similar=similar,
        markets=readiness.film_markets(db, film),
        promo=promo.panel(db, film_id, current_language()),
        lack_labels=LACK_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.post("/films/<int:film_id>/decision")
@require_role(UserRole.curator)
def decide(film_id: int) -> WerkzeugResponse:
    """Accept or decline a submission, with a message the filmmaker reads on their page."""
    film = _film_or_404(film_id)
    decision = request.form.get("decision")
    if decision not in (Status.accepted.value, Status.declined.value, Status.archived.value):
        abort(400)
    user = current_user()
    queries.set_status(
        database.session(),
        film,
        Status(decision),
        request.form.get("message"),
        user_id=user.id if user else None,
    )
    database.session().commit()
    if decision == Status.accepted.value:
        # Searchable, with "films like this one", as soon as the job has run.
        curating.queue_embedding(database.engine(), current_app.config, [film_id])
    flash(_("Décision enregistrée."))
    return redirect(url_for("catalog.film_detail", film_id=film_id))


# -- a film's record: reading it, its history, editing one film or several ------------------


@dataclass(frozen=True)
class RecordField:
    name: str
    label: str
    text: str
    empty: bool
    lang: str | None = None  # a paragraph in this language (synopses)
    # A credit's people: (name, their page's slug, their region's name or ""), each linked.
    people: tuple[tuple[str, str, str], ...] = ()


def _english_first(names: list[str]) -> list[str]:
    """title_en before title_fr, synopsis_en before synopsis_fr: the page's language first."""
    order = list(names)
    for name in names:
        english = name[:-3] + "_en"
        if name.endswith("_fr") and english in order and order.index(english) > order.index(name):
            order.remove(english)
            order.insert(order.index(name), english)
    return order


def _lacking(film: Film) -> list[str]:
    """The fields that would fill what Film.lacks() names (a synopsis: in the page's
    language)."""
    english = current_language() == "en"
    fields = []
    for lack in film.lacks():
        names = LACK_FIELDS.get(lack, ())
        fields.append(names[-1] if english and lack == "synopsis" else names[0])
    return fields


def _fill_url(film: Film) -> str | None:
    """The edit form, at the first field the record lacks."""
    lacking = _lacking(film)
    if not lacking:
        return None
    return url_for("catalog.edit", film_id=film.id, _anchor=f"f-{lacking[0]}")


def _reading(film: Film) -> list[tuple[str, list[RecordField]]]:
    """Every field of the record, grouped, in words; in English, English text first."""
    lang = current_language()
    record = film_to_record(film)
    record["screener_url"] = film.screener_url
    groups = []
    for title, names in READING_GROUPS:
        if lang == "en":
            names = _english_first(names)
        fields = []
        for name in names:
            value = record.get(name)
            empty = value is None or value == "" or value == []
            if empty and name in CREW_FIELDS:
                continue  # the crafts nobody is credited in are not listed one by one
            text = shown_value(name, value, lang)
            paragraph = TEXT_LANGUAGE.get(name) if not empty else None
            named = tuple(credit_links(value, lang)) if name in CREDIT_COLUMNS else ()
            fields.append(RecordField(name, field_label(name), text, empty, paragraph, named))
        if fields:
            groups.append((str(title), fields))
    return groups


KIND_LABELS = {
    "edit": _l("Modification de la fiche"),
    "bulk": _l("Modification groupée"),
    "submission": _l("Soumission"),
    "decision": _l("Décision"),
    "revert": _l("Changement annulé"),
}


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    undoable: bool  # a submission is not undone: it would empty the record
    created_at: Any
    who: str
    kind: str
    lines: list[tuple[str, str, str]]  # field, before, after


def _history(film_id: int) -> list[HistoryEntry]:
    """Who changed what in the film's record, when: newest first, in the page's language."""
    lang = current_language()
    entries = []
    for change in records.changes_of(database.session(), film_id):
        if change.user_name:
            who = f"{change.user_name} ({change.user_email})"
        else:
            who = _("auteur inconnu")
        lines = [
            (
                field_label(name),
                shown_value(name, before, lang, limit=80),
                shown_value(name, after, lang, limit=80),
            )
            for name, (before, after) in change.changes.items()
        ]
        kind = str(KIND_LABELS.get(change.kind, change.kind))
        undoable = change.kind != "submission"
        entries.append(HistoryEntry(change.id, undoable, change.created_at, who, kind, lines))
    return entries


@bp.route("/films/<int:film_id>/modifier", methods=["GET", "POST"])
@require_role(UserRole.curator)
def edit(film_id: int) -> str | WerkzeugResponse:
    """A curator edits any film's record with the filmmaker's own form and checks."""
    db = database.session()
    film = _film_or_404(film_id)
    back = url_for("catalog.film_detail", film_id=film.id)
    if request.method == "GET":
        return render_form(form_values(film), {}, film, upload=False, back=back)
    record, values, errors = read_form()
    if errors:
        return render_form(values, errors, film, upload=False, back=back)
    user = current_user()
    changed = records.save_edit(
        db, film, record, user_id=user.id if user else None, screener_url=values["screener_url"]
    )
    if film.status == Status.accepted and records.EMBEDDED_FIELDS.intersection(changed):
        # Found by meaning, with its neighbours, as it now reads.
        curating.queue_embedding(database.engine(), current_app.config, [film_id])
    if changed:
        flash(_("Modifications enregistrées."))
    else:
        flash(_("Aucun changement : la fiche est restée telle quelle."))
    # An anchor of its own, or the browser keeps the form's (#f-runtime) through the redirect.
    return redirect(url_for("catalog.film_detail", film_id=film_id, _anchor="main"))


@bp.post("/films/<int:film_id>/historique/<int:change_id>/annuler")
@require_role(UserRole.curator)
def undo(film_id: int, change_id: int) -> WerkzeugResponse:
    """Set back what one change of the film's record changed (a later edit of a field wins)."""
    db = database.session()
    film = _film_or_404(film_id)
    user = current_user()
    try:
        undone = records.undo(db, film, change_id, user_id=user.id if user else None)
    except LookupError:
        abort(404)
    except ValueError:
        abort(400)

    def names(fields: list[str]) -> str:
        return ", ".join(field_label(name) for name in fields)

    if undone.restored:
        flash(_("Changement annulé : %(fields)s.", fields=names(undone.restored)))
    if undone.kept:
        flash(_("Laissés tels quels, modifiés depuis : %(fields)s.", fields=names(undone.kept)))
    if not undone.restored and not undone.kept:
        flash(_("Rien à annuler : la fiche a déjà ces valeurs."))
    return redirect(url_for("catalog.film_detail", film_id=film_id, _anchor="historique"))


BULK_LABELS = {
    "region": _l("Région"),
    "audience": _l("Public"),
    "form": _l("Forme"),
    "original_language": _l("Langue originale"),
    "subject": _l("Sujet ajouté"),
    "style_tag": _l("Étiquette de style ajoutée"),
}


def _bulk_problem(rejected: records.BulkRejected) -> str:
    reason = rejected.reason
    if reason == "no_films":
        return _("Cochez au moins un film dans la liste.")
    if reason == "too_many":
        return _("Au plus %(n)s films à la fois.", n=records.MAX_BULK)
    if reason == "missing_films":
        return _("Un des films cochés n'existe plus.")
    if reason == "nothing":
        return _("Choisissez au moins une valeur à appliquer.")
    if reason == "municipality":
        return _(
            "La région choisie contredit la municipalité de ces films : %(films)s.",
            films="; ".join(rejected.films),
        )
    label = str(BULK_LABELS.get(rejected.field, rejected.field))
    if rejected.field == "region":
        return _(
            "%(field)s : « %(value)s » n'est pas une région du Québec (ex. 01, Bas-Saint-Laurent).",
            field=label,
            value=rejected.value,
        )
    if rejected.field == "original_language":
        return _(
            "%(field)s : « %(value)s » n'est pas une langue connue (ex. fr, français, innu-aimun).",
            field=label,
            value=rejected.value,
        )
    if rejected.field in ("subject", "style_tag"):
        return _("%(field)s : %(n)s caractères au plus.", field=label, n=records.MAX_TAG)
    return _(
        "%(field)s : « %(value)s » n'est pas une valeur permise.", field=label, value=rejected.value
    )


@bp.post("/lot")
@require_role(UserRole.curator)
def bulk_edit() -> str | WerkzeugResponse | tuple[str, int]:
    """Set a region, audience, form or language, or add a subject or style tag, on every
    checked film at once: all of them or none."""
    film_ids = [int(i) for i in request.form.getlist("film_id") if i.isdigit()]
    requested = {name: request.form.get(name, "") for name in records.BULK_FIELDS}
    back = local_path(request.form.get("next"), url_for("catalog.film_list"))
    user = current_user()
    try:
        result = records.bulk_edit(
            database.session(), film_ids, requested, user_id=user.id if user else None
        )
    except records.BulkRejected as rejected:
        problem = _bulk_problem(rejected) + " " + _("Rien n'a été modifié.")
        if wants_partial():
            return render_template("catalog/_bulk_result.html", problem=problem, done=None)
        return render_template(
            "catalog/bulk_result.html", problem=problem, done=None, back=back
        ), 422
    if "subject" in result.fields and result.changed_ids:
        curating.queue_embedding(database.engine(), current_app.config, result.changed_ids)
    fields = ", ".join(str(BULK_LABELS[name]) for name in result.fields)
    done = ngettext(
        "%(num)s film modifié (%(fields)s).",
        "%(num)s films modifiés (%(fields)s).",
        result.changed,
        fields=fields,
    )
    if not result.changed:
        done = ngettext(
            "Aucun changement : le film coché avait déjà ces valeurs.",
            "Aucun changement : les %(num)s films cochés avaient déjà ces valeurs.",
            result.selected,
        )
    elif result.unchanged:
        done += " " + ngettext(
            "%(num)s film avait déjà ces valeurs.",
            "%(num)s films avaient déjà ces valeurs.",
            result.unchanged,
        )
    flash(done)
    if wants_partial():
        response = make_response(
            render_template("catalog/_bulk_result.html", problem=None, done=done)
        )
        # The list shows the new values, with the message, after a reload.
        response.headers["HX-Refresh"] = "true"
        return response
    return redirect(back)


@bp.route("/import", methods=["GET", "POST"])
@require_role(UserRole.curator)
def bulk_import() -> str | WerkzeugResponse:
    """Upload a CSV or JSON Lines file; the import runs as a job whose page shows its report."""
    if request.method == "GET":
        return render_template("catalog/import.html", error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("catalog/import.html", error=_("Choisissez un fichier.")), 400  # type: ignore[return-value]
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".txt"):
        error = _("Seuls les fichiers CSV et JSON Lines sont acceptés.")
        return render_template("catalog/import.html", error=error), 400  # type: ignore[return-value]
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    # The importer tells CSV from JSON Lines by the suffix; the name is ours, not the user's.
    kept_suffix = ".csv" if suffix in (".csv", ".txt") else ".jsonl"
    path = folder / f"{uuid.uuid4().hex}{kept_suffix}"
    upload.save(path)
    pairs = [line.strip() for line in request.form.get("map", "").splitlines() if line.strip()]
    params = {
        "path": str(path),
        "name": upload.filename,
        "map": pairs,
        "skip_invalid": request.form.get("skip_invalid") == "1",
        "dry_run": request.form.get("dry_run") == "1",
    }
    job_id = jobs.submit(database.engine(), "ingest", params)
    return redirect(url_for("catalog.job_status", job_id=job_id))


@bp.get("/taches/<int:job_id>")
@require_role(UserRole.curator)
def job_status(job_id: int) -> str:
    job = queries.get_job(database.session(), job_id)
    if job is None:
        abort(404)
    parts = jobs.parts(database.session(), job_id)  # a catalog-wide job's per-film parts
    template = "catalog/_job.html" if wants_partial() else "catalog/job.html"
    return render_template(template, job=job, parts=parts, field_label=field_label)
