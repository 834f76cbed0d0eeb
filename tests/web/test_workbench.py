"""The anthology workbench: proposals from a real model, edits that re-check every rule."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import curation
from catalog.models import Bundle, BundleItem, BundleStatus, Film, Job, JobStatus, Proposal
from tests.conftest import SAMPLES
from web.usecases import cataloguing, parallel
from web.usecases.curating import rules_from, to_curation

Login = Callable[[str], int]


def small_catalog(tmp_path: Path, rows: int = 90) -> Path:
    """The first `rows` Québec films of the demo (real shorts from the regions, with runtimes)."""
    with (SAMPLES / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        kept = [row for row in reader if row["external_id"].startswith("qc-")][:rows]
    assert len(kept) == rows and all(row["runtime"] for row in kept)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(kept[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    path = tmp_path / "small.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_a_proposal_job_stores_bundles_that_keep_every_rule(
    client: FlaskClient, engine: Engine, login: Login, tmp_path: Path
) -> None:
    cataloguing.import_catalog(engine, small_catalog(tmp_path))
    login("curator")
    response = client.post("/atelier/", data={"facet": "subject", "slot": "22"})
    assert response.status_code == 302
    with Session(engine) as session:
        job = session.exec(select(Job).where(Job.kind == "propose")).one()
        assert job.status == JobStatus.done, job.message
        bundles = session.exec(select(Bundle)).all()
        assert bundles, job.result
        films = {f.id: f for f in session.exec(select(Film)).all()}
        rules = rules_from({"slot_minutes": 22})
        for bundle in bundles:
            chosen = [to_curation(films[i.film_id], text="") for i in bundle.items]
            assert curation.check_bundle(chosen, rules, "subject") == []
            assert len(chosen) >= 2
    page = client.get("/atelier/").get_data(as_text=True)
    assert "Toutes les règles sont respectées." in page


def test_a_proposal_spread_over_processes_stores_the_same_bundles(
    client: FlaskClient,
    engine: Engine,
    login: Login,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cataloguing.import_catalog(engine, small_catalog(tmp_path))
    login("curator")

    def proposed() -> list[tuple[str, str, tuple[int, ...]]]:
        assert client.post("/atelier/", data={"facet": "subject", "slot": "22"}).status_code == 302
        with Session(engine) as session:
            newest = session.exec(select(Proposal).order_by(Proposal.id.desc())).first()  # type: ignore[union-attr]
            assert newest is not None
            stored = session.exec(select(Bundle).where(Bundle.proposal_id == newest.id)).all()
            return sorted((b.label, b.label_en, tuple(i.film_id for i in b.items)) for b in stored)

    alone = proposed()
    spreads: list[int] = []
    real = parallel.forked_map

    def counted(fn, items, processes=2):  # type: ignore[no-untyped-def]
        spreads.append(len(items))
        return real(fn, items, processes)

    # As on a province's catalog: the proposal job forks, here on 90 films.
    monkeypatch.setattr(parallel, "PARALLEL_FILMS", 1)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel, "forked_map", counted)
    assert proposed() == alone
    assert alone and len(spreads) == 4


@pytest.fixture
def bundle_id(engine: Engine) -> int:
    """A hand-made 22-minute bundle: the first two demo films that keep every rule together."""
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    rules = rules_from({"slot_minutes": 22})
    with Session(engine) as session:
        films = session.exec(
            select(Film).where(Film.runtime_seconds <= 15 * 60).order_by(Film.id)  # type: ignore[operator]
        ).all()
        pair = next(
            [a, b]
            for a in films
            for b in films
            if a.id != b.id
            and not curation.check_bundle([to_curation(a, ""), to_curation(b, "")], rules)
        )
        bundle = Bundle(facet="subject", slot_minutes=22, label="Onze et onze")
        bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(pair)]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return bundle.id


def edit(client: FlaskClient, bundle_id: int, **form: object) -> str:
    response = client.post(
        f"/atelier/anthologies/{bundle_id}/modifier", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="editor"')
    return html


def test_every_edit_rechecks_the_rules(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    login("curator")
    page = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Toutes les règles sont respectées." in page
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        first, second = (i.film_id for i in sorted(bundle.items, key=lambda i: i.position))
    removed = edit(client, bundle_id, action="remove", film_id=second)
    assert 'role="alert"' in removed and "Toutes les règles" not in removed
    back = edit(client, bundle_id, action="add", film_id=second)
    assert "Toutes les règles sont respectées." in back
    edit(client, bundle_id, action="up", film_id=second)
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        assert [i.film_id for i in sorted(bundle.items, key=lambda i: i.position)] == [
            second,
            first,
        ]
        assert bundle.status == BundleStatus.edited
    renamed = edit(client, bundle_id, action="rename", label="Deux regards")
    assert "<h1>Deux regards</h1>" in renamed
    edit(client, bundle_id, action="lock")
    refused = edit(client, bundle_id, action="remove", film_id=first)
    assert "verrouillée : déverrouillez-la" in refused
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None and len(bundle.items) == 2
    history = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "Historique (5)" in history  # remove, add, up, rename, lock


def test_a_film_cannot_be_added_twice(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    login("curator")
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        film_id = bundle.items[0].film_id
    html = edit(client, bundle_id, action="add", film_id=film_id)
    assert "Ce film est déjà dans cette anthologie." in html


def test_the_workbench_is_for_curators(client: FlaskClient, login: Login, bundle_id: int) -> None:
    login("broadcaster")
    assert client.get("/atelier/").status_code == 403
    assert client.post(f"/atelier/anthologies/{bundle_id}/modifier", data={}).status_code == 403


def test_a_new_order_is_posted_whole_as_dragging_does(
    client: FlaskClient, engine: Engine, login: Login, bundle_id: int
) -> None:
    login("curator")
    page = client.get(f"/atelier/anthologies/{bundle_id}").get_data(as_text=True)
    assert "data-reorder-form" in page and 'draggable="true"' in page
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        order = [i.film_id for i in sorted(bundle.items, key=lambda i: i.position)]
    html = edit(client, bundle_id, action="order", film_ids=order[::-1])
    assert f'data-order="{",".join(str(i) for i in order[::-1])}"' in html
    refused = edit(client, bundle_id, action="order", film_ids=order[:1])
    assert 'role="alert"' in refused
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        assert [i.film_id for i in sorted(bundle.items, key=lambda i: i.position)] == order[::-1]
