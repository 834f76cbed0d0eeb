"""The observatory counts each stage's films by region, form, language and year."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog import observatory
from catalog.models import Answer, Bundle, BundleItem, Film, ShareLink, Verdict, utcnow
from tests.conftest import SAMPLES
from web.usecases import cataloguing

Login = Callable[[str], int]


def test_each_stage_is_counted(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        gaspesie = session.exec(select(Film).where(Film.region_code == "11")).all()
        montreal = session.exec(select(Film).where(Film.region_code == "06")).first()
        assert gaspesie and montreal
        bundle = Bundle(facet="region", slot_minutes=22, label="Gaspésie")
        bundle.items = [
            BundleItem(film_id=f.id, position=i) for i, f in enumerate([*gaspesie, montreal])
        ]  # type: ignore[call-arg]
        session.add(bundle)
        session.flush()
        session.add(ShareLink(bundle_id=bundle.id, recipient_name="x", expires_at=utcnow()))  # type: ignore[arg-type]
        session.add(Answer(bundle_id=bundle.id, film_id=gaspesie[0].id, verdict=Verdict.interested))  # type: ignore[arg-type]
        session.commit()
        stats = observatory.observe(session)
    assert stats["catalog"].films == 641
    assert stats["bundles"].films == stats["shared"].films == len(gaspesie) + 1
    interest = {s.key: s.films for s in stats["interested"].by["region"]}
    assert interest == {"11": 1}
    split = {s.key: s.share_films for s in stats["bundles"].by["montreal"]}
    assert split["montreal"] == 1 / (len(gaspesie) + 1)
    assert sum(s.films for s in stats["catalog"].by["region"]) == 641


def test_the_page_and_its_csv(client: FlaskClient, engine: Engine, login: Login) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    login("broadcaster")
    page = client.get("/observatoire/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "11 Gaspésie–Îles-de-la-Madeleine" in html and "<svg" in html
    download = client.get("/observatoire/observatoire.csv")
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    montreal = [r for r in rows if r["stage"] == "catalog" and r["key"] == "06"]
    assert montreal and int(montreal[0]["films"]) > 0


def test_the_observatory_needs_an_account(client: FlaskClient) -> None:
    assert client.get("/observatoire/").status_code == 302
