"""French first, English on request: the locale of each request and the switch between them."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request, session
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

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
    app.jinja_env.globals["get_locale"] = get_locale
    app.register_blueprint(bp)


@bp.post("/langue/<code>")
def switch(code: str) -> Response:
    if code in LOCALES:
        session["lang"] = code
    target = request.referrer or "/"
    # Stay on this site: only the path of the page the switch was clicked on.
    from urllib.parse import urlsplit

    parts = urlsplit(target)
    return redirect(parts.path + (f"?{parts.query}" if parts.query else "") or "/")
