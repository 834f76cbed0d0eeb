"""The throwaway PostgreSQL server that the PostgreSQL-backed tests run against."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from tests.components import require_component
from tests.pgserver import (
    URL_ENV,
    create_database,
    drop_database,
    find_pg_bindir,
    throwaway_postgres,
)

pytestmark = pytest.mark.postgres


def _require_postgres() -> None:
    if not os.environ.get(URL_ENV) and find_pg_bindir() is None:
        require_component(
            "PostgreSQL server binaries (initdb, pg_ctl)",
            f"install the `postgresql` package or set {URL_ENV}",
        )


@pytest.fixture(scope="module")
def admin_url() -> Iterator[str]:
    _require_postgres()
    with throwaway_postgres() as url:
        yield url


def _scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_server_accepts_sqlalchemy_connections(admin_url: str) -> None:
    version = _scalar(admin_url, "select version()")
    assert isinstance(version, str)
    assert "PostgreSQL" in version


def test_server_speaks_utf8(admin_url: str) -> None:
    # Film titles come from every region; the server must not mangle them.
    title = "Ōkami — Λύκος — ذئب"
    assert _scalar(admin_url, "show server_encoding") == "UTF8"
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.literal(title))).scalar_one() == title
    finally:
        engine.dispose()


def test_create_database_gives_an_isolated_empty_database(admin_url: str) -> None:
    first, second = (f"t_{uuid.uuid4().hex[:12]}" for _ in range(2))
    first_url = create_database(admin_url, first)
    second_url = create_database(admin_url, second)
    try:
        assert _scalar(first_url, "select current_database()") == first
        count_tables = (
            "select count(*) from information_schema.tables where table_schema = 'public'"
        )
        assert _scalar(first_url, count_tables) == 0

        engine = sa.create_engine(first_url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("create table film (id integer primary key)"))
                conn.execute(sa.text("insert into film values (1)"))
        finally:
            engine.dispose()

        assert _scalar(first_url, "select count(*) from film") == 1
        assert _scalar(second_url, count_tables) == 0
        assert _scalar(admin_url, count_tables) == 0
    finally:
        drop_database(admin_url, first)
        drop_database(admin_url, second)
    remaining = _scalar(
        admin_url,
        f"select count(*) from pg_database where datname in ('{first}', '{second}')",
    )
    assert remaining == 0


def test_drop_database_disconnects_lingering_sessions(admin_url: str) -> None:
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = create_database(admin_url, name)
    # A test that forgot to close its session must not block the clean-up.
    lingering = _psycopg_connect(url)
    try:
        lingering.execute("select 1")
        drop_database(admin_url, name)
    finally:
        lingering.close()
    with pytest.raises(sa.exc.OperationalError, match="does not exist"):
        _scalar(url, "select 1")


def test_server_is_gone_after_the_block() -> None:
    if os.environ.get(URL_ENV):
        require_component("a PostgreSQL server of the suite's own", f"{URL_ENV} points elsewhere")
    _require_postgres()
    with throwaway_postgres() as url:
        datadir = Path(str(_scalar(url, "show data_directory")))
        socket_dir = Path(str(_scalar(url, "show unix_socket_directories")))
        port = _scalar(url, "show port")
        pidfile = datadir / "postmaster.pid"
        socket_file = socket_dir / f".s.PGSQL.{port}"
        postmaster_pid = int(pidfile.read_text().splitlines()[0])
        assert socket_file.is_socket()
        assert _process_exists(postmaster_pid)

    assert not _process_exists(postmaster_pid)
    assert not socket_file.exists()
    assert not pidfile.exists()
    assert not datadir.exists()
    with pytest.raises(psycopg.OperationalError):
        _psycopg_connect(url)


def test_server_is_stopped_when_the_block_raises() -> None:
    if os.environ.get(URL_ENV):
        require_component("a PostgreSQL server of the suite's own", f"{URL_ENV} points elsewhere")
    _require_postgres()
    with pytest.raises(KeyError), throwaway_postgres() as url:
        datadir = Path(str(_scalar(url, "show data_directory")))
        postmaster_pid = int((datadir / "postmaster.pid").read_text().splitlines()[0])
        raise KeyError("a failing test")
    assert not _process_exists(postmaster_pid)
    assert not datadir.exists()


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0). pg_ctl detaches the postmaster, so once stopped it waits
    # for init to reap it, which can take a while in a container: count a zombie as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state != "Z"


def _psycopg_connect(url: str) -> psycopg.Connection:
    # libpq reads the same URL once the SQLAlchemy driver suffix is gone.
    libpq_url = sa.make_url(url).set(drivername="postgresql")
    return psycopg.connect(libpq_url.render_as_string(hide_password=False), connect_timeout=5)
