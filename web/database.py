"""One engine per app, one session per request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog.db import make_engine

_KEY = "anthologie.engine"


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions[_KEY]


def session() -> Session:
    """This request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = Session(engine())
    return g.db_session


def _close_session(_error: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
