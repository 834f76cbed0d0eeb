"""The workbench's "Remplacer…" on the demo catalog: how many of a bundle's films get at least
one replacement, and how long the answer takes.

Imports samples/catalog.csv (766 rows: real Québec shorts, Netflix films from outside Québec,
incomplete Telefilm records) into a throwaway SQLite database, embeds it with the default
model and proposes 44-minute subject bundles through the app's own use cases, as `make demo`
does. Then, logged in as a curator through Flask's test client, asks each bundle's editor for
each film's replacements (GET /atelier/anthologies/<id>?swap_for=<film>, the page htmx swaps
in) and prints: films with at least one replacement, out of all, for the search over every
free film (this version) and for the previous search over the 60 nearest free films (redone
here on the same data for comparison); films with none but a free film of the right
runtime that breaks one rule only (offered as "Remplacer quand même"); and the response time
of the request (median, p95, max).

Also printed: why the free films could not replace the others (summed over every film
asked), and the time of the search alone (`replacements`, without the page around it).

Run: .venv/bin/python bench/workbench.py [--db PATH]  (an existing PATH is reused: its
vectors are kept, so a rerun skips the three minutes of embedding)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="the SQLite file to build (or reuse)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(Path(args.db) if args.db else Path(folder) / "bench.db", Path(folder))


def run(db_path: Path, folder: Path) -> None:
    from sqlmodel import Session

    import curation
    from catalog import users
    from catalog.models import Bundle, UserRole
    from web import create_app, database
    from web.auth import hash_password
    from web.usecases import cataloguing, curating
    from web.usecases.bundles import replacements, view_of

    reuse = db_path.exists()
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": f"sqlite:///{db_path}",
            "JOB_QUEUE": "immediate",
            "EMBED_NEW_FILMS": False,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        engine = database.engine()
        cataloguing.init_database(engine)
        if not reuse:
            cataloguing.import_catalog(engine, ROOT / "samples" / "catalog.csv")
        embedder = curating.configured_embedder({**app.config, "EMBEDDING_THREADS": 2})
        print("embedding the demo catalog…", file=sys.stderr)
        curating.embed_catalog(engine, embedder)
        rules = curation.SlotRules(slot_minutes=44)
        print("proposing 44-min subject bundles…", file=sys.stderr)
        result = curating.propose(engine, embedder.model_id, "subject", rules)
        with Session(engine) as session:
            curator = users.user_by_email(session, "bench@anthologie") or users.add_user(
                session, "bench@anthologie", "Bench", hash_password("x" * 12), UserRole.curator
            )
            session.commit()
            curator_id = curator.id
            films_total = len(curating.eligible_films(session))
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["user_id"] = curator_id
    times: list[float] = []
    search_times: list[float] = []
    refused: dict[str, int] = {}
    near = 0
    found_now = found_before = asked = 0
    for bundle_id in result.bundle_ids:
        with app.app_context(), Session(engine) as session:
            bundle = session.get(Bundle, bundle_id)
            assert bundle is not None
            film_ids = [i.film_id for i in sorted(bundle.items, key=lambda i: i.position)]
        for film_id in film_ids:
            start = time.perf_counter()
            response = client.get(
                f"/atelier/anthologies/{bundle_id}",
                query_string={"swap_for": film_id},
                headers={"HX-Request": "true"},
            )
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
            asked += 1
            # The button of a film that keeps every rule (not "Remplacer quand même").
            found_now += "Remplacer par ce film" in response.get_data(as_text=True)
            with app.test_request_context():
                found_before += bool(_sixty_nearest(app, bundle_id, film_id))
                bundle = database.session().get(Bundle, bundle_id)
                assert bundle is not None
                view = view_of(bundle)
                target = next(f for f in view.films if f.id == film_id)
                start = time.perf_counter()
                answer = replacements(view, target)
                search_times.append(time.perf_counter() - start)
                near += bool(answer.near) and not answer.found
                for reason, n in answer.refused.items():
                    refused[reason] = refused.get(reason, 0) + n
    print(f"Demo catalog: {films_total} accepted films, {len(result.bundle_ids)} bundles of 44 min")
    print(f"films with at least one replacement, every free film searched: {found_now} of {asked}")
    print(
        "films with at least one replacement, 60 nearest free films (before): "
        f"{found_before} of {asked}"
    )
    print(f"films with none, but a film of the right runtime breaking one rule: {near} of {asked}")
    print(
        "why free films could not take a film's place (summed over every film asked): "
        + ", ".join(f"{r} {n}" for r, n in sorted(refused.items(), key=lambda kv: -kv[1]))
    )
    for name, values in (
        ("editor with replacements (GET ?swap_for=, htmx partial)", times),
        ("the search alone (replacements)", search_times),
    ):
        ms = sorted(1000 * t for t in values)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        print(
            f"{name}: median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, "
            f"max {ms[-1]:.0f} ms over {len(ms)} requests"
        )


def _sixty_nearest(app: object, bundle_id: int, film_id: int) -> list[int]:
    """The previous search (before this version): the 60 free films nearest the bundle's centre
    among the 200 nearest, kept if accepted, timed and rule-abiding in its place."""
    import curation
    from catalog import bundles as bundle_edits
    from catalog import queries, vectors
    from catalog.models import Bundle, Status
    from web import database
    from web.usecases.bundles import view_of
    from web.usecases.curating import TEXT_FACET, to_curation

    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    assert bundle is not None
    view = view_of(bundle)
    model_id = vectors.model_id_for(db, TEXT_FACET, app.config["EMBEDDING_MODEL"])  # type: ignore[attr-defined]
    assert model_id is not None
    ids, matrix = vectors.load_matrix(db, TEXT_FACET, model_id)
    row = {i: n for n, i in enumerate(ids)}
    centre = matrix[[row[f.id] for f in view.films if f.id in row]].mean(axis=0)
    busy = bundle_edits.films_in_live_bundles(db) | {f.id for f in view.films}
    order = np.argsort(-(matrix @ centre))
    candidates = [ids[i] for i in order[:200] if ids[i] not in busy]
    others = [to_curation(f, text="") for f in view.films if f.id != film_id]
    found = []
    for candidate in queries.films_by_ids(db, candidates[:60]):
        if candidate.status != Status.accepted or candidate.runtime_seconds is None:
            continue
        trial = [*others, to_curation(candidate, text="")]
        if not curation.check_bundle(trial, view.rules, view.bundle.facet):
            found.append(candidate.id)
    return found


if __name__ == "__main__":
    main()
