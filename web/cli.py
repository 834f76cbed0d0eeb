"""The `anthologie` console script: the Flask CLI of web.create_app."""

from __future__ import annotations

from flask.cli import FlaskGroup

from web import create_app

cli = FlaskGroup(
    create_app=create_app, help="Anthologie: a catalog and curation engine for short films."
)


def main() -> None:
    cli.main()
