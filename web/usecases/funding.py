"""Use cases of the programme money: importing Telefilm's funding disclosure, and its sums."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import db, funding


def import_funding(
    engine: Engine, path: Path, progress: Callable[[int], None] | None = None
) -> funding.FundingReport:
    """Import a funding disclosure in one transaction: all of its grants, or nothing."""
    with db.session_scope(engine) as session:
        return funding.import_grants(session, path, progress=progress)


def funding_summary(engine: Engine) -> funding.FundingSummary:
    with Session(engine) as session:
        return funding.summary(session)
