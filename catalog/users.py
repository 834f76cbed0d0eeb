"""Accounts: reads and writes of users, each taking a Session first."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from catalog.models import User, UserRole


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
