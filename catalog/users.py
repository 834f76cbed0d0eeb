"""Accounts: reads and writes of users, each taking a Session first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from catalog.models import LoginFailures, User, UserRole


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    statement = select(User).where(func.lower(User.email) == email.strip().lower())
    return session.exec(statement).first()


def add_user(
    session: Session,
    email: str,
    display_name: str,
    password_hash: str,
    role: UserRole,
    organisation: str = "",
) -> User:
    user = User(
        email=email.strip().lower(),
        display_name=display_name,
        password_hash=password_hash,
        role=role,
        organisation=organisation,
    )
    session.add(user)
    session.flush()
    return user


def users_with_role(session: Session, role: UserRole) -> list[User]:
    return list(session.exec(select(User).where(User.role == role).order_by(User.display_name)))


def end_sessions(session: Session, user_id: int) -> None:
    """Every session of this user made so far stops counting (log-out, password change)."""
    session.execute(
        update(User).where(col(User.id) == user_id).values(session_epoch=User.session_epoch + 1)
    )


def set_password(session: Session, user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    session.add(user)
    session.flush()
    end_sessions(session, user.id or 0)


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    session.add(user)
    session.flush()
    if not active:
        end_sessions(session, user.id or 0)


def locked_until(session: Session, keys: list[str], now: datetime) -> datetime | None:
    """The latest lock still running on any of `keys` (an account, an address), if any."""
    statement = select(func.max(LoginFailures.locked_until)).where(
        col(LoginFailures.key).in_(keys), col(LoginFailures.locked_until) > now
    )
    found = session.exec(statement).one()
    return found if isinstance(found, datetime) else None


def record_failure(
    session: Session, key: str, now: datetime, limit: int, window: timedelta
) -> datetime | None:
    """Count one failure for `key`; at `limit` failures within `window`, lock it for `window`.

    One statement (insert or update), so concurrent failures on several workers all count.
    Returns the lock's end when this failure set one.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stale = col(LoginFailures.first_at) < now - window
    statement = insert(LoginFailures).values(key=key, failures=1, first_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        # A count older than the window starts again from this failure.
        set_={
            "failures": case((stale, 1), else_=col(LoginFailures.failures) + 1),
            "first_at": case((stale, now), else_=col(LoginFailures.first_at)),
        },
    )
    session.execute(statement)
    row = session.get(LoginFailures, key, populate_existing=True)
    assert row is not None
    if row.failures >= limit:
        row.locked_until = now + window
        row.failures = 0
        row.first_at = now
        session.add(row)
        session.flush()
        return row.locked_until
    return None


def clear_failures(session: Session, key: str) -> None:
    row = session.get(LoginFailures, key)
    if row is not None:
        session.delete(row)
        session.flush()
