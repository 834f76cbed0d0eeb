"""What several views share: the form vocabularies, the htmx partial-or-page choice and the
duration format."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from htmx_flask import request as htmx_request

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
