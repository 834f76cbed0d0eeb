"""Twenty curators editing one bundle at once, over HTTP against the README's gunicorn, on
SQLite and on PostgreSQL.

Each curator adds and removes films of their own (so the last of their acknowledged edits says
whether the film must be in the bundle), races the others to add a few shared films, and pins,
moves, reorders and renames whatever their last answer showed them. Wanted: no answer 5xx, a
duplicate add told "already in this bundle", and nothing lost: the bundle's history replays as
one edit after another, each applied to the state the previous one left, holding exactly the
acknowledged edits, and ending on the bundle as stored (no film twice, positions 0..n-1).
"""

from __future__ import annotations

import html
import http.cookiejar
import os
import random
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.models import Bundle, BundleItem, BundleRevision, Film
from tests.conftest import PASSWORD, ROOT
from tests.web.test_serving import BIN, free_port, readme_commands
from tests.web.test_workbench import small_catalog
from web.usecases import cataloguing

CLIENTS = 20
EDITS = 40  # per client
OWNED = 2  # films only their owner adds and removes
SHARED = 4  # films every client may add or remove: duplicate adds race on them
ALREADY_THERE = "Ce film est déjà dans cette anthologie."
TIMEOUT_S = 60  # per request: a server stuck on a lock fails the test instead of hanging it


@dataclass(frozen=True)
class Answer:
    action: str
    film_id: int | None
    status: int
    error: str | None  # the editor's error paragraph, None when the edit was acknowledged
    order: list[int]  # the films in the editor this answer drew


@pytest.fixture
def served(app: Flask, database_url: str, tmp_path: Path) -> Iterator[tuple[str, IO[str]]]:
    """The README's gunicorn command (two workers of four threads) on the test's database,
    on a free loopback port; yields its base URL and its log."""
    serve = next(c for c in readme_commands() if Path(c[0]).name == "gunicorn")
    port = free_port()
    serve = [str(BIN / "gunicorn"), *serve[1:]]
    serve[serve.index("--bind") + 1] = f"127.0.0.1:{port}"
    environment = os.environ | {
        "ANTHOLOGIE_INSTANCE_PATH": str(tmp_path / "served"),
        "ANTHOLOGIE_DATABASE_URL": database_url,
        "ANTHOLOGIE_SECRET_KEY": "concurrent-edits",
    }
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(serve, env=environment, cwd=ROOT, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/connexion", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {server_log(log)[-4000:]}")
                time.sleep(0.3)
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def server_log(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()


@pytest.fixture
def films(engine: Engine, tmp_path: Path) -> list[int]:
    cataloguing.import_catalog(engine, small_catalog(tmp_path, rows=CLIENTS * OWNED + SHARED))
    with Session(engine) as session:
        return list(session.exec(select(Film.id).order_by(col(Film.id))).all())  # type: ignore[arg-type]


@pytest.fixture
def bundle_id(engine: Engine, films: list[int]) -> int:
    """A bundle holding the first two shared films, with no history yet."""
    with Session(engine) as session:
        bundle = Bundle(facet="subject", slot_minutes=90, label="Vingt mains")
        bundle.items = [BundleItem(film_id=f, position=i) for i, f in enumerate(films[:2])]  # type: ignore[call-arg]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return bundle.id


def logged_in(base: str, email: str, bundle_id: int) -> tuple[urllib.request.OpenerDirector, str]:
    """A curator's browser, logged in, and the CSRF token of its session."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/connexion", timeout=TIMEOUT_S).read().decode()
    fields = {"csrf_token": csrf_token(page), "email": email, "password": PASSWORD}
    opener.open(f"{base}/connexion", urllib.parse.urlencode(fields).encode(), timeout=TIMEOUT_S)
    editor = opener.open(f"{base}/atelier/anthologies/{bundle_id}", timeout=TIMEOUT_S)
    return opener, csrf_token(editor.read().decode())


def csrf_token(page: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, page[:500]
    return token.group(1)


def post_edit(opener: urllib.request.OpenerDirector, url: str, form: dict[str, object]) -> Answer:
    body = urllib.parse.urlencode(form, doseq=True).encode()
    request = urllib.request.Request(url, body, headers={"HX-Request": "true"})
    action, film_id = str(form["action"]), form.get("film_id")
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            page = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as failure:
        return Answer(action, film_id, failure.code, failure.read().decode(errors="replace"), [])  # type: ignore[arg-type]
    assert page.lstrip().startswith('<section id="editor"'), page[:300]
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    order = re.search(r'data-order="([\d,]*)"', page)
    assert order is not None, page[:300]
    return Answer(
        action,
        film_id,  # type: ignore[arg-type]
        status,
        html.unescape(error.group(1)) if error else None,
        [int(i) for i in order.group(1).split(",") if i],
    )


def curator(
    browser: tuple[urllib.request.OpenerDirector, str],
    url: str,
    seed: int,
    owned: list[int],
    shared: list[int],
    start: list[int],
) -> list[Answer]:
    """EDITS edits chosen from what the previous answer showed, as a person would."""
    rng = random.Random(seed)
    seen, answers = list(start), []
    for step in range(EDITS):
        roll = rng.random()
        addable = [f for f in owned if f not in seen] + shared
        removable = [f for f in seen if f in owned or f in shared]
        form: dict[str, object]
        if roll < 0.3 and addable:
            form = {"action": "add", "film_id": rng.choice(addable)}
        elif roll < 0.5 and removable:
            form = {"action": "remove", "film_id": rng.choice(removable)}
        elif roll < 0.6 and seen:
            form = {"action": "order", "film_ids": rng.sample(seen, len(seen))}
        elif roll < 0.7 and seen:
            form = {"action": rng.choice(["up", "down"]), "film_id": rng.choice(seen)}
        elif roll < 0.85 and seen:
            form = {"action": "pin", "film_id": rng.choice(seen)}
        else:
            form = {"action": "rename", "label": f"Vingt mains {seed}.{step}"}
        opener, token = browser
        answer = post_edit(opener, url, form | {"csrf_token": token})
        answers.append(answer)
        if answer.status == 200:
            seen = answer.order
    return answers


def replay(start: list[int], revisions: list[BundleRevision]) -> Counter[tuple[str, int | None]]:
    """Check each revision is its note applied to the state the one before left; return the
    edits they hold, as (action, film) with the film for add, remove and pin."""
    films, pinned = list(start), set[int]()
    held: Counter[tuple[str, int | None]] = Counter()
    for revision in revisions:
        after, after_pinned = revision.snapshot["films"], set(revision.snapshot["pinned"])
        # The note names the edit and its film ("remove 12"): the film is checked below.
        note, *named = revision.note.split()
        film = None
        where = f"revision {revision.id} ({note}) after {films} pinned {sorted(pinned)}: {after}"
        if note == "add":
            assert after[:-1] == films and after[-1] not in films, where
            assert after_pinned == pinned, where
            film = after[-1]
        elif note == "remove":
            gone = [f for f in films if f not in after]
            assert len(gone) == 1 and after == [f for f in films if f != gone[0]], where
            assert after_pinned == pinned - set(gone), where
            film = gone[0]
        elif note == "pin":
            assert after == films and len(after_pinned ^ pinned) == 1, where
            film = next(iter(after_pinned ^ pinned))
        elif note in ("up", "down", "order"):
            assert sorted(after) == sorted(films) and after_pinned == pinned, where
        else:
            assert note == "rename" and after == films and after_pinned == pinned, where
        if film is not None:
            assert named == [str(film)], where
        held[(note, film)] += 1
        films, pinned = after, after_pinned
    return held


def test_twenty_curators_editing_one_bundle_lose_nothing(
    served: tuple[str, IO[str]],
    engine: Engine,
    make_user: Callable[..., int],
    films: list[int],
    bundle_id: int,
) -> None:
    shared, owned_films = films[:SHARED], films[SHARED:]
    owned = [owned_films[i * OWNED : (i + 1) * OWNED] for i in range(CLIENTS)]
    emails = [f"curatrice{i}@concurrent.example" for i in range(CLIENTS)]
    for email in emails:
        make_user("curator", email)
    base, log = served
    browsers = [logged_in(base, email, bundle_id) for email in emails]
    url = f"{base}/atelier/anthologies/{bundle_id}/modifier"
    start = films[:2]

    results: list[list[Answer]] = [[] for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = curator(browsers[index], url, index, owned[index], shared, start)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = [a for client in results for a in client]
    assert len(answers) == CLIENTS * EDITS

    failed = Counter(a.status for a in answers if a.status != 200)
    causes = Counter(re.findall(r"^([\w.]+(?:Error|Detected|Violation)):", server_log(log), re.M))
    assert not failed, f"{sum(failed.values())} of {len(answers)} edits failed: {failed} {causes}"
    refused_adds = Counter(a.error for a in answers if a.action == "add" and a.error)
    assert set(refused_adds) == {ALREADY_THERE}, refused_adds  # and the race did happen

    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        assert bundle is not None
        items = sorted(bundle.items, key=lambda i: i.position)
        final = [i.film_id for i in items]
        assert len(set(final)) == len(final), f"a film twice: {final}"
        assert [i.position for i in items] == list(range(len(items)))
        revisions = list(
            session.exec(
                select(BundleRevision)
                .where(BundleRevision.bundle_id == bundle_id)
                .order_by(col(BundleRevision.id))
            ).all()
        )
        held = replay(start, revisions)
        assert revisions, "no edit was kept"
        last = revisions[-1].snapshot
        assert last["films"] == final
        assert set(last["pinned"]) == {i.film_id for i in items if i.pinned}
        assert last["label"] == bundle.label

    acknowledged = Counter(
        (a.action, a.film_id if a.action in ("add", "remove", "pin") else None)
        for a in answers
        if a.error is None
    )
    assert held == acknowledged, f"kept but not acknowledged: {held - acknowledged}, " + (
        f"acknowledged but lost: {acknowledged - held}"
    )
    for mine, client in zip(owned, results, strict=True):
        for film in mine:
            mine_done = [
                a.action
                for a in client
                if a.film_id == film and a.action in ("add", "remove") and a.error is None
            ]
            wanted = mine_done[-1:] == ["add"]
            assert (film in final) == wanted, f"film {film}: acknowledged {mine_done}, {final}"
