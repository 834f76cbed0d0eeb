"""French first, English on request: the locale of each request and the switch between them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, session
from flask_babel import Babel, get_locale, get_translations
from werkzeug.wrappers import Response

from web.security import local_path

LOCALES = ("fr", "en")
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES, default="fr") or "fr"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
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
    app.register_blueprint(bp)


def _translations() -> Any:
    """This request's translations, found once and kept on `g`."""
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


@bp.post("/langue/<code>")
def switch(code: str) -> Response:
    if code in LOCALES:
        session["lang"] = code
    # Back to the page the switch was clicked on: only its path and query, and only when
    # that is a path on this site (a crafted Referer must not send the browser elsewhere).
    parts = urlsplit(request.referrer or "/")
    return redirect(local_path(parts.path + (f"?{parts.query}" if parts.query else "")))
