"""Shared fixtures: an app on a fresh database, parametrised over SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.engine import Engine

from tests import pgserver
from tests.components import require_component
from web import create_app, database
from web.usecases import cataloguing

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    try:
        with pgserver.throwaway_postgres() as url:
            yield url
    except pgserver.PostgresNotFound as error:
        require_component("PostgreSQL", str(error))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pgserver.create_database(admin, name)
    try:
        yield url
    finally:
        # The app's pool may still hold connections; the drop forces them closed.
        pgserver.drop_database(admin, name)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "FILMS_PER_PAGE": 20,
            "WTF_CSRF_ENABLED": False,
            "JOB_QUEUE": "immediate",
            # Imports here would embed every film with the real model at once (immediate
            # jobs); the tests of that behaviour turn it on.
            "EMBED_NEW_FILMS": False,
        }
    )
    with app.app_context():
        cataloguing.init_database(database.engine())
    yield app
    with app.app_context():
        database.engine().dispose()


@pytest.fixture
def engine(app: Flask) -> Engine:
    with app.app_context():
        return database.engine()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    """Create an account of `role` (shown as `name`, if given); returns its id."""
    from sqlmodel import Session

    from catalog import users
    from catalog.models import UserRole
    from web.auth import hash_password

    counter = iter(range(1, 10_000))

    def make(role: str, email: str | None = None, name: str | None = None) -> int:
        with app.app_context(), Session(database.engine()) as session:
            user = users.add_user(
                session,
                email or f"{role}{next(counter)}@test.anthologie",
                name or f"{role.title()} Test",
                hash_password(PASSWORD),
                UserRole(role),
            )
            session.commit()
            assert user.id is not None
            return user.id

    return make


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., int]) -> Callable[[str], int]:
    """Log the test client in as a new user of `role`; returns the user's id."""

    def as_role(role: str) -> int:
        user_id = make_user(role)
        with client.session_transaction() as session:
            session["user_id"] = user_id
        return user_id

    return as_role
