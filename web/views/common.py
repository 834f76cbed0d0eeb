"""What several views share: the form vocabularies, the htmx partial-or-page choice and the
duration format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from htmx_flask import request as htmx_request

from web.usecases import uploads

CHOICES: dict[str, list[tuple[str, Any]]] = {
    "form": [
        ("fiction", _l("Fiction")),
        ("documentary", _l("Documentaire")),
        ("animation", _l("Animation")),
        ("experimental", _l("Expérimental")),
        ("hybrid", _l("Hybride")),
    ],
    "audience": [
        ("jeunesse", _l("Jeunesse")),
        ("famille", _l("Famille")),
        ("general", _l("Général")),
        ("adulte", _l("Adulte")),
    ],
    "closed_captions": [("yes", _l("Oui")), ("no", _l("Non"))],
    "described_video": [("yes", _l("Oui")), ("no", _l("Non"))],
    "rights_exclusive": [("yes", _l("Oui")), ("no", _l("Non"))],
}


# A broadcaster's answer to a pitch, as the pitch room and the curator's share page name it.
VERDICT_LABELS = {
    "interested": _l("Intéressé"),
    "maybe": _l("Peut-être"),
    "pass": _l("On passe"),
}


def wants_partial() -> bool:
    htmx = htmx_request.htmx
    return bool(htmx) and not htmx.history_restore_request


def format_duration(seconds: int | None) -> str:
    """12:30 for 750 s, 1:05:00 for an hour and five minutes; a dash when unknown."""
    if not seconds:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def upload_folder() -> Path:
    """Where resumable uploads of film files wait to be filed (web/usecases/uploads.py)."""
    return Path(current_app.instance_path) / "uploads" / "resumable"


def refusal_message(refused: uploads.UploadRefused) -> str:
    """Why an upload was refused, in the page's language."""
    details: dict[str, Any] = refused.details
    if refused.kind == "too_large":
        return _("Le fichier dépasse la limite de %(n)s Mo.", n=int(details["limit"]) // 2**20)
    if refused.kind == "empty":
        return _("Ce fichier est vide.")
    if refused.kind == "not_video":
        return _("Ce fichier n'a pas d'image : envoyez le film lui-même.")
    if refused.kind == "unreadable":
        return _("Ce fichier n'est pas une vidéo lisible (%(e)s).", e=details["problem"])
    if refused.kind == "offset":
        return _("Ce morceau ne suit pas le dernier reçu : reprenez l'envoi.")
    if refused.kind == "incomplete":
        return _("L'envoi du fichier n'est pas terminé : reprenez-le.")
    return _("Cet envoi n'existe pas ou plus : choisissez le fichier de nouveau.")
