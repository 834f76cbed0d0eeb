"""The shell: the Flask app, its CLI and the wiring of catalog, curation and media tools."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from htmx_flask import Htmx

from web import commands, database
from web.config import DEFAULTS, resolve_paths


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
    commands.init_app(app)

    from web import catalog_views

    app.register_blueprint(catalog_views.bp)
    app.add_url_rule("/", endpoint="index", view_func=catalog_views.index)
    return app


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
