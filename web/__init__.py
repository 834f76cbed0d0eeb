"""The shell: the Flask app, its CLI and the wiring of catalog, curation and media tools."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.wrappers import Response

from web import cli, database, fragments, i18n, jobs, security
from web.config import DEFAULTS, resolve_paths
from web.views.common import format_duration


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=_instance_path(test_config),
    )
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ANTHOLOGIE")
    else:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    resolve_paths(app.config, app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    database.init_app(app)
    Htmx(app)
    csrf = CSRFProtect(app)
    i18n.init_app(app)
    fragments.init_app(app)
    jobs.init_app(app)
    cli.init_app(app)

    # Importing the use cases registers their job handlers.
    from web import api, auth, display, usecases  # noqa: F401
    from web.views import (
        catalog,
        exports,
        judging,
        media,
        observatory,
        people,
        pitch,
        playback,
        promo,
        reports,
        season_pitch,
        seasons,
        sharing,
        submissions,
        uploads,
        versions,
        workbench,
    )

    for bp in (
        auth.bp,
        catalog.bp,
        submissions.bp,
        uploads.bp,
        pitch.bp,
        sharing.bp,
        reports.bp,
        media.bp,
        playback.bp,
        promo.bp,
        people.bp,
        observatory.bp,
        exports.bp,
        workbench.bp,
        seasons.bp,
        season_pitch.bp,
        judging.bp,
        versions.bp,
        api.bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt(api.bp)
    security.init_app(app)
    app.add_url_rule("/", endpoint="index", view_func=index)
    app.register_error_handler(413, too_large)
    app.jinja_env.globals["current_user"] = auth.current_user
    app.jinja_env.filters["duration"] = format_duration
    display.init_app(app)  # codes as words: languages, genres, regions, bundle labels…
    return app


def index() -> Response:
    from web.auth import current_user, home_for

    user = current_user()
    return redirect(home_for(user) if user else url_for("auth.login"))


def too_large(_error: Exception) -> tuple[str, int]:
    from flask import render_template

    return render_template("too_large.html"), 413


def _instance_path(test_config: Mapping[str, Any] | None) -> str | None:
    if test_config is not None and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    return os.environ.get("ANTHOLOGIE_INSTANCE_PATH") or None


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made once, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
