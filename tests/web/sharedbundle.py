"""A bundle of the sample catalog's first films, for the tests of sharing it (one import)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Bundle, BundleItem, Film
from tests.conftest import SAMPLES
from web.usecases import cataloguing


def add_bundle(session: Session, films: int = 3) -> Bundle:
    """« Regards croisés » (“Crossed gazes” in English) of the first films with a runtime."""
    chosen = session.exec(
        select(Film).where(Film.runtime_seconds != None).order_by(Film.id).limit(films)  # noqa: E711
    ).all()
    bundle = Bundle(
        facet="subject", slot_minutes=44, label="Regards croisés", label_en="Crossed gazes"
    )
    bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(chosen)]  # type: ignore[call-arg]
    session.add(bundle)
    session.flush()
    return bundle


def shared_bundle(engine: Engine, films: int = 3) -> int:
    """Import the sample catalog and make the bundle; its id."""
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        bundle = add_bundle(session, films)
        session.commit()
        assert bundle.id is not None
        return bundle.id
