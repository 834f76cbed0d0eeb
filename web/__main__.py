"""The `anthologie` console script (and `python -m web`): the Flask CLI of web.create_app,
with the commands of web.cli."""

from __future__ import annotations

from flask.cli import FlaskGroup

from web import create_app


def main() -> None:
    FlaskGroup(
        create_app=create_app, help="Anthologie: a catalog and curation engine for short films."
    ).main()


if __name__ == "__main__":
    main()
