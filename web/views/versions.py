"""A film's versions: subtitle files and audio tracks, attached on the film's page.

- POST /films/<id>/versions (file, kind, language): a curator or the film's own filmmaker
  attaches a version (or replaces the one of the same kind and language); a subtitle file
  that does not parse is refused, naming its line. Back to the page it was sent from.
- POST /films/<id>/versions/<vid>/retirer: the version and its files are deleted.
- GET /films/<id>/versions/<vid>/controle: the version's QC report (a subtitle file's
  findings with their lines and times; an audio track's probe).
- GET /films/<id>/versions/<vid>/piste.vtt: a subtitle version as WebVTT, for the film
  page's player (curators and the film's filmmaker only).
- POST /pitch/anthologies/<bundle_id>/pistes (film_id): the subtitle tracks the pitch room's
  player offers this viewer: a curator's are the route above; a recipient's (a link holder,
  a broadcaster) are tickets, /media/v/<ticket>, signed and expiring, checked against their
  live share at every request. A link holder never gets a route that names the file.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pycountry
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from catalog import queries, sharing
from catalog.models import Bundle, Film, FilmVersion, UserRole
from web import database, pickers
from web.access import share_of, viewer_for
from web.auth import current_user, require_role
from web.display import current_language, file_size, language_name, number
from web.tickets import PLAYER_TICKET_SECONDS
from web.usecases import versions as film_versions

bp = Blueprint("versions", __name__)

KIND_LABELS: dict[str, Any] = {
    "subtitles": _l("Sous-titres"),
    "captions": _l("Sous-titres codés (CC)"),
    "sdh": _l("Sous-titres pour sourds et malentendants"),
    "dub": _l("Version doublée"),
    "described": _l("Vidéodescription"),
}
# Why a subtitle file is refused or what QC found, by the code media_tools.subtitles gives.
FINDING_LABELS: dict[str, Any] = {
    "bad_timestamp": _l("horodatage illisible"),
    "missing_arrow": _l("ligne de temps sans flèche -->"),
    "missing_timing": _l("bloc sans ligne de temps"),
    "missing_blank_line": _l("ligne vide manquante entre deux blocs"),
    "not_a_cue": _l("bloc qui n'est pas un sous-titre"),
    "end_before_start": _l("le sous-titre finit avant de commencer"),
    "vtt_header": _l("un fichier WebVTT commence par la ligne WEBVTT"),
    "control_characters": _l("caractères de contrôle dans le texte"),
    "encoding": _l("encodage du texte illisible (enregistrez-le en UTF-8)"),
    "too_large": _l("fichier trop gros pour des sous-titres"),
    "no_cue": _l("aucun sous-titre lisible"),
    "out_of_order": _l("sous-titre hors d'ordre"),
    "overlap": _l("sous-titres qui se chevauchent"),
    "too_many_lines": _l("plus de 2 lignes"),
    "line_too_long": _l("ligne trop longue"),
    "reading_speed": _l("vitesse de lecture trop élevée"),
    "too_short": _l("sous-titre trop bref"),
    "too_long": _l("sous-titre trop long"),
    "gap_too_short": _l("écart trop court entre deux sous-titres"),
    "after_end": _l("sous-titre après la fin du film"),
    "uncovered_sound": _l("long passage sonore sans sous-titre"),
    "duration_mismatch": _l("durée différente de celle du film"),
}
UNITS: dict[str, Any] = {
    "characters": _l("caractères"),
    "characters/s": _l("caractères/s"),
    "lines": _l("lignes"),
    "frames": _l("images"),
    "s": _l("s"),
    "bytes": _l("octets"),
}


@bp.app_template_filter("version_kind")
def version_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_filter("finding_label")
def finding_label(code: str) -> str:
    return str(FINDING_LABELS.get(code, code))


@bp.app_template_filter("file_size")
def _file_size(size: int) -> str:
    return file_size(size, current_language())


@bp.app_template_filter("srclang")
def srclang(code: str) -> str:
    """A `<track srclang>`: the two-letter code when the language has one ("fra" → "fr")."""
    found = pycountry.languages.get(alpha_3=code)
    return str(getattr(found, "alpha_2", None) or code)


@bp.app_template_filter("cue_time")
def cue_time(seconds: float | None) -> str:
    """A cue's time to the millisecond: 1:05.400 (1:05,400 in French)."""
    if seconds is None:
        return "—"
    minutes, ms = divmod(round(seconds * 1000), 60_000)
    mark = "." if current_language() == "en" else ","
    return f"{minutes}:{ms // 1000:02d}{mark}{ms % 1000:03d}"


@bp.app_template_filter("measure")
def measure(value: float | str | None, unit: str, units: dict[str, Any]) -> str:
    """A finding's measure or limit with its unit, in the page's language."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    said = number(float(value), current_language(), decimals=2)
    label = units.get(unit, unit)
    return f"{said} {label}".strip()


@bp.app_template_global()
def version_language_options() -> list[tuple[str, str]]:
    """(code, name) of the languages a version may be in: French and English first."""
    lang = current_language()
    first = [(code, language_name(code, lang)) for code in ("fra", "eng")]
    return first + [o for o in pickers.language_options(lang) if o[0] not in ("fra", "eng")]


# -- who may attach ------------------------------------------------------------------------


def _managed_film(film_id: int) -> Film:
    """The film, if the requester is a curator or its own filmmaker; 404 otherwise (another
    filmmaker learns nothing of it)."""
    film = queries.get_film(database.session(), film_id)
    user = current_user()
    if film is None or user is None:
        abort(404)
    if user.role in (UserRole.curator, UserRole.admin):
        return film
    if user.role == UserRole.filmmaker and film.owner_id == user.id:
        return film
    abort(404)


def _version(film: Film, version_id: int) -> FilmVersion:
    found = film_versions.version_of_film(database.session(), film.id or 0, version_id)
    if found is None:
        abort(404)
    return found


def _film_page(film: Film) -> str:
    user = current_user()
    if user is not None and user.role == UserRole.filmmaker:
        return url_for("submissions.detail", film_id=film.id, _anchor="versions")
    return url_for("catalog.film_detail", film_id=film.id, _anchor="versions")


def _root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def refusal(refused: film_versions.VersionRefused) -> str:
    """Why a version is refused, in the page's language."""
    details = refused.details
    if refused.kind == "kind":
        return _("Choisissez le type de version.")
    if refused.kind == "language":
        if details.get("given"):
            return _("« %(given)s » n'est pas une langue connue.", given=details["given"])
        return _("Choisissez la langue de cette version.")
    if refused.kind == "empty":
        return _("Ce fichier est vide.")
    if refused.kind == "no_file":
        return _("Choisissez un fichier.")
    if refused.kind == "too_large":
        return _("Le fichier dépasse la limite de %(n)s Mo.", n=int(details["limit"]) // 2**20)
    if refused.kind == "unparsable":
        reason = finding_label(str(details["code"]))
        if details.get("line") is None:
            text = _("Fichier de sous-titres refusé : %(reason)s.", reason=reason)
        else:
            text = _(
                "Fichier de sous-titres refusé : ligne %(line)s, %(reason)s.",
                line=details["line"],
                reason=reason,
            )
        if details.get("more"):
            text += " " + _("Autres erreurs de lecture : %(n)s.", n=details["more"])
        return text
    if refused.kind == "no_audio":
        return _("Ce fichier n'a pas de piste sonore : envoyez la piste audio de la version.")
    return _("Ce fichier n'est pas un son lisible (%(e)s).", e=details.get("problem", ""))


# -- attach, remove, read the QC -----------------------------------------------------------


@bp.post("/films/<int:film_id>/versions")
@require_role(UserRole.curator, UserRole.filmmaker)
def upload(film_id: int) -> Response:
    film = _managed_film(film_id)
    sent = request.files.get("file")
    user = current_user()
    try:
        if sent is None or not sent.filename:
            raise film_versions.VersionRefused("no_file")
        kind = film_versions.checked_kind(request.form.get("kind", ""))
        language = film_versions.checked_language(request.form.get("language", ""))
        folder = Path(current_app.instance_path) / "uploads" / "versions"
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, suffix=".upload")
        os.close(handle)
        temporary = Path(name)
        try:
            sent.save(temporary)
            attached = film_versions.attach(
                _root(),
                database.session(),
                film,
                kind,
                language,
                temporary,
                sent.filename,
                user.id if user else None,
            )
        finally:
            temporary.unlink(missing_ok=True)
    except film_versions.VersionRefused as refused:
        flash(refusal(refused), "error")
        return redirect(_film_page(film), 303)
    version = attached.version
    said = language_name(version.language, current_language())
    if attached.replaced:
        flash(
            _("Version remplacée : %(kind)s, %(language)s.", kind=version_kind(kind), language=said)
        )
    else:
        flash(
            _("Version ajoutée : %(kind)s, %(language)s.", kind=version_kind(kind), language=said)
        )
    return redirect(_film_page(film), 303)


@bp.post("/films/<int:film_id>/versions/<int:version_id>/retirer")
@require_role(UserRole.curator, UserRole.filmmaker)
def remove(film_id: int, version_id: int) -> Response:
    film = _managed_film(film_id)
    version = _version(film, version_id)
    said = language_name(version.language, current_language())
    kind = version.kind
    film_versions.remove(_root(), database.session(), version)
    flash(_("Version retirée : %(kind)s, %(language)s.", kind=version_kind(kind), language=said))
    return redirect(_film_page(film), 303)


@bp.get("/films/<int:film_id>/versions/<int:version_id>/controle")
@require_role(UserRole.curator, UserRole.filmmaker)
def qc(film_id: int, version_id: int) -> str:
    film = _managed_film(film_id)
    version = _version(film, version_id)
    report = film_versions.report_of(version)
    counts = sorted(report.counts.items(), key=lambda kv: (-kv[1], kv[0])) if report else []
    return render_template(
        "versions/qc.html",
        film=film,
        version=version,
        report=report,
        counts=counts,
        units=UNITS,
        back=_film_page(film),
    )


def _vtt(version: FilmVersion) -> Response:
    path = safe_join(str(_root()), version.vtt_path or "")
    if not version.vtt_path or path is None or not Path(path).is_file():
        abort(404)
    response = send_file(path, mimetype="text/vtt", max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Type"] = "text/vtt; charset=utf-8"
    return response


@bp.get("/films/<int:film_id>/versions/<int:version_id>/piste.vtt")
@require_role(UserRole.curator, UserRole.filmmaker)
def track(film_id: int, version_id: int) -> Response:
    return _vtt(_version(_managed_film(film_id), version_id))


# -- the pitch room's tracks ---------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="anthologie.track-ticket")


def track_ticket(share_id: int, version_id: int) -> str:
    expires = int(time.time() + PLAYER_TICKET_SECONDS)
    return str(_serializer().dumps({"s": share_id, "v": version_id, "x": expires}))


def _track_entry(version: FilmVersion, src: str) -> dict[str, str]:
    lang = current_language()
    label = language_name(version.language, lang)
    if version.kind != "subtitles":
        label = f"{label} — {version_kind(version.kind)}"
    return {
        "src": src,
        "kind": "subtitles" if version.kind == "subtitles" else "captions",
        "srclang": srclang(version.language),
        "label": label,
    }


@bp.post("/pitch/anthologies/<int:bundle_id>/pistes")
def pitch_tracks(bundle_id: int) -> Response:
    viewer = viewer_for(bundle_id)  # 404 unless this requester may see the bundle
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    film_id = request.form.get("film_id", type=int)
    if bundle is None or film_id is None or sharing.outside_bundle(bundle, film_id):
        abort(404)
    tracks = film_versions.text_tracks(db, [film_id]).get(film_id, [])
    if viewer.is_curator:
        return jsonify(
            tracks=[
                _track_entry(v, url_for("versions.track", film_id=film_id, version_id=v.id))
                for v in tracks
            ]
        )
    share_id = share_of(viewer, bundle_id)
    state, share = sharing.link_state(db, share_id) if share_id else (None, None)
    if share is None or state != sharing.LinkState.live:
        return jsonify(tracks=[])
    return jsonify(
        tracks=[
            _track_entry(
                v,
                url_for("versions.ticket_track", ticket=track_ticket(share.id or 0, v.id or 0)),
            )
            for v in tracks
        ]
    )


@bp.get("/media/v/<ticket>")
def ticket_track(ticket: str) -> Response:
    """A recipient's subtitle track, by ticket: refused once expired or once the link no
    longer opens, and only for a film of the share's bundle."""
    try:
        payload = _serializer().loads(ticket, max_age=PLAYER_TICKET_SECONDS + 60)
        share_id, version_id, expires = int(payload["s"]), int(payload["v"]), int(payload["x"])
    except SignatureExpired:
        abort(410)
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(403)
    if expires <= time.time():
        abort(410)
    db = database.session()
    state, share = sharing.link_state(db, share_id)
    if share is None or state != sharing.LinkState.live:
        abort(410)
    version = db.get(FilmVersion, version_id)
    bundle = db.get(Bundle, share.bundle_id)
    if version is None or bundle is None or sharing.outside_bundle(bundle, version.film_id):
        abort(404)
    return _vtt(version)
