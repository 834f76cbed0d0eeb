"""Web pages under load: 20 concurrent clients against production WSGI servers, on real films.

Builds a catalog of 10,000 films in a fresh SQLite database (the 641 real films of
samples/catalog.csv, resampled with unique external ids and imported through the product's
own import), a curator account and one four-film anthology shared by a private link. Serves
the app in a separate process on 127.0.0.1, first with gunicorn as the README deploys it
(2 gthread workers x 4 threads: one worker per core), then with waitress (one process,
4 threads) for comparison, and drives it from this process with 20 keep-alive HTTP clients
(coroutines on one asyncio loop: the lightest client Python has, since it shares the cores
with the server). Each page is hammered for a fixed duration and printed, side by side with
a bare Flask "hello" route on the same server as the reference: requests/second, p50 and p95
latency, errors, and the target (p95 < 100 ms at 20 clients).

The catalog, search and film pages are seen by a logged-in curator (each client logs in
through the real form, CSRF token included); the pitch page by a private link's recipient
(each client opens the link once, then reloads the pitch). The film list is kept rendered
while the catalog does not change (web/fragments.py), so the catalog and search rows are
mostly served from that cache; "search, never cached" adds a parameter the list ignores but
the cache key holds, to show the cost of every search being new. Also printed: the SQL
statements each page runs, counted in-process, to spot N+1 queries.

The machine's load average is printed before and after: the figures only mean something on
an otherwise idle machine (the server and the clients share its cores).

Run: .venv/bin/python bench/web.py [--seconds 10] [--clients 20] [--server gunicorn|waitress]
[--only WORD]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import http.client
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

import web  # noqa: E402
from catalog import db, sharing, users  # noqa: E402
from catalog.models import Bundle, BundleItem, Film, UserRole, utcnow  # noqa: E402
from web import access, auth  # noqa: E402
from web.usecases import cataloguing  # noqa: E402

SAMPLE = ROOT / "samples" / "catalog.csv"
FILMS = 10_000
THREADS = 4
WORKERS = 2
EMAIL = "curatrice@bench.example"
PASSWORD = "bench-password-not-secret"
SECRET_KEY = "bench-secret-key"
TARGET_P95_MS = 100.0
HELLO = "/bench-hello"
WORKER_HEADER = "X-Bench-Worker"
WARMUP_SECONDS = 1.0


def app_config(workdir: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "SECRET_KEY": SECRET_KEY,
        "INSTANCE_PATH": str(workdir),
        "JOB_QUEUE": "immediate",
    }


# -- the server process -------------------------------------------------------------------


PROCESSES = {"gunicorn": WORKERS, "waitress": 1}
SERVERS = {
    "gunicorn": f"gunicorn (gthread: {WORKERS} workers x {THREADS} threads, the README's)",
    "waitress": f"waitress ({THREADS} threads, 1 process)",
}


def bench_app(workdir: Path) -> Flask:
    """The product app as configured for the bench, plus the bare reference route."""
    app = web.create_app(app_config(workdir))
    app.add_url_rule(HELLO, endpoint="bench_hello", view_func=lambda: "hello")

    @app.after_request
    def name_the_worker(response: Any) -> Any:
        # Which process answered: with several workers, how the clients' keep-alive
        # connections spread over them decides much of the throughput.
        response.headers[WORKER_HEADER] = str(os.getpid())
        return response

    return app


def serve(server: str, workdir: Path, port: int) -> None:
    """Run in the child process: serve bench_app on 127.0.0.1:port until terminated."""
    if server == "waitress":
        import logging

        import waitress

        # Waitress warns when requests queue behind its threads: expected at 20 clients.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        waitress.serve(bench_app(workdir), host="127.0.0.1", port=port, threads=THREADS)
        return
    from gunicorn.app.base import BaseApplication

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"127.0.0.1:{port}",
                "workers": WORKERS,
                "threads": THREADS,
                "worker_class": "gthread",
                "loglevel": "warning",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return bench_app(workdir)

    Gunicorn().run()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(server: str, workdir: Path) -> Iterator[int]:
    """Start the server in its own process; yield its port once it answers; always stop it."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(workdir), "--server", server]
    process = subprocess.Popen([*command, "--port", str(port)])
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{server} stopped at start (exit code {process.returncode})")
            try:
                if Browser(port).request("GET", HELLO)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not answer within 60 s")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the data -----------------------------------------------------------------------------


@dataclass
class Fixture:
    film_ids: list[int]
    words: list[str]
    bundle_id: int
    link_path: str


def resample(source: Path, target: Path, n: int, seed: int = 5) -> list[dict[str, str]]:
    """Write `n` rows drawn from the real films, each with its own external id."""
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    rng = random.Random(seed)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i in range(n):
            row = dict(rows[i] if i < len(rows) else rng.choice(rows))
            row["external_id"] = f"{row['external_id']}-r{i}"
            writer.writerow(row)
    return rows


def search_words(rows: list[dict[str, str]], count: int = 8) -> list[str]:
    """The commonest title words of five letters or more: searches that find something."""
    words: Counter[str] = Counter()
    for row in rows:
        words.update(w for w in re.findall(r"\w+", row["original_title"].lower()) if len(w) >= 5)
    return [w for w, _ in words.most_common(count)]


def build(workdir: Path) -> Fixture:
    config = app_config(workdir)
    engine = db.make_engine(config["DATABASE_URL"])
    cataloguing.init_database(engine)
    path = workdir / "catalog-10k.csv"
    rows = resample(SAMPLE, path, FILMS)
    report = cataloguing.import_catalog(engine, path)
    with Session(engine) as session:
        film_ids = [i for i in session.exec(select(Film.id).order_by(col(Film.id))).all() if i]
        if len(film_ids) != FILMS:
            raise RuntimeError(f"expected {FILMS} films, got {len(film_ids)}: {report.summary()}")
        users.add_user(session, EMAIL, "Curatrice", auth.hash_password(PASSWORD), UserRole.curator)
        bundle = Bundle(facet="subject", slot_minutes=44, label="Anthologie du banc d'essai")
        session.add(bundle)
        session.flush()
        assert bundle.id is not None
        picks = random.Random(7).sample(film_ids, 4)
        for position, film_id in enumerate(picks):
            session.add(BundleItem(bundle_id=bundle.id, film_id=film_id, position=position))
        share = sharing.share_bundle(
            session, bundle.id, "Bench", utcnow() + timedelta(days=1), created_by=None
        )
        session.commit()
        bundle_id, share_id = bundle.id, share.id
    engine.dispose()
    assert share_id is not None
    app = web.create_app(config)
    with app.app_context():
        token = access.link_token(share_id)
    return Fixture(film_ids, search_words(rows), bundle_id, f"/pitch/lien/{token}")


def statements_per_page(
    workdir: Path, pages: dict[str, Callable[[int, int], str]], fixture: Fixture
) -> dict[str, int]:
    """SQL statements the second request of each page runs (in-process test client, warm)."""
    app = bench_app(workdir)
    engine = app.extensions["anthologie.engine"]
    count = 0

    def counted(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counted)
    curator = app.test_client()
    with curator.session_transaction() as flask_session:
        user = users.user_by_email(Session(engine), EMAIL)
        assert user is not None
        flask_session["user_id"] = user.id
    recipient = app.test_client()
    recipient.get(fixture.link_path)
    found = {}
    for name, next_path in pages.items():
        client = recipient if next_path(0, 0).startswith("/pitch/") else curator
        client.get(next_path(0, 0))
        count = 0
        status = client.get(next_path(0, 1)).status_code
        found[name] = count if status == 200 else -1
    engine.dispose()
    return found


# -- the load -----------------------------------------------------------------------------


class Browser:
    """One keep-alive connection with its own cookies, like one browser tab."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        """Status, body and seconds; status 0 when the connection failed."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b"", time.perf_counter() - start
        elapsed = time.perf_counter() - start
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if response.will_close:
            self.close()
        return response.status, data, elapsed

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def log_in(browser: Browser) -> None:
    status, body, _ = browser.request("GET", "/connexion")
    match = re.search(rb'name="csrf_token" value="([^"]+)"', body)
    if status != 200 or match is None:
        raise RuntimeError(f"login form: status {status}, no CSRF token")
    form = {"csrf_token": match.group(1).decode(), "email": EMAIL, "password": PASSWORD}
    status, _, _ = browser.request("POST", "/connexion", form)
    if status != 302:
        raise RuntimeError(f"log-in refused: status {status}")


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    # Connections per server process (by the pid each connection's first answer named).
    spread: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _fetch(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool, str]:
    """Send one GET on a kept-alive connection and read its whole answer.

    Returns the status, whether the server closes the connection, and the answering worker.
    """
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()
        return status, True, headers.get(WORKER_HEADER.lower(), "?")
    closes = headers.get("connection", "").lower() == "close"
    return status, closes, headers.get(WORKER_HEADER.lower(), "?")


def hammer(
    browsers: list[Browser],
    next_path: Callable[[int, int], str],
    seconds: float,
    processes: int = 1,
) -> Result:
    """Every browser requests next_path(client, n) back to back until the time is up.

    The clients are coroutines on one event loop, each with its own keep-alive connection
    and the cookies its Browser got at log-in: far less CPU per request than a thread per
    client, and the clients share the machine's cores with the server under test. The
    connections are first spread evenly over the server's `processes` (see `balanced`).
    """
    return asyncio.run(_hammer(browsers, next_path, seconds, processes))


async def balanced(port: int, count: int, processes: int) -> list[Connection]:
    """`count` keep-alive connections, at most ceil(count / processes) on one process.

    Which worker of a multi-process server accepts a connection is a race, and a kept-alive
    connection stays with it: once, all 20 fell on one gunicorn worker and the page ran at
    one process's speed. A proxy balancing by connections would spread them; so does this,
    by opening a connection again while its worker already has its share.
    """
    share = -(-count // processes)
    kept: list[Connection] = []
    per_worker: Counter[str] = Counter()
    hello = f"GET {HELLO} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    for _ in range(count * 50):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        _, _, worker = await _fetch(reader, writer, hello)
        if per_worker[worker] < share:
            per_worker[worker] += 1
            kept.append((reader, writer))
            if len(kept) == count:
                return kept
        else:
            writer.close()
    raise RuntimeError(f"could not spread {count} connections over {processes} processes")


async def _hammer(
    browsers: list[Browser],
    next_path: Callable[[int, int], str],
    seconds: float,
    processes: int,
) -> Result:
    result = Result()
    port = browsers[0].port
    connections = await balanced(port, len(browsers), processes)
    began = time.perf_counter()
    deadline = began + seconds

    async def run(client: int) -> None:
        reader, writer = connections[client]
        cookies = "; ".join(f"{k}={v}" for k, v in browsers[client].cookies.items())
        extra = f"Cookie: {cookies}\r\n" if cookies else ""
        n = 0
        counted = False
        while time.perf_counter() < deadline:
            request = (
                f"GET {next_path(client, n)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Accept-Language: fr\r\n{extra}\r\n"
            ).encode()
            start = time.perf_counter()
            try:
                status, closes, worker = await _fetch(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, closes, worker = 0, True, "?"
            if not counted:
                result.spread[worker] += 1
                counted = True
            result.latencies.append(time.perf_counter() - start)
            result.statuses[status] += 1
            if closes:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                connections[client] = (reader, writer)
                counted = False
            n += 1

    await asyncio.gather(*(run(i) for i in range(len(browsers))))
    result.seconds = time.perf_counter() - began
    for _, writer in connections:
        writer.close()
    return result


def pages_to_run(fixture: Fixture) -> list[tuple[str, str, Callable[[int, int], str]]]:
    """(name, sample path, path for client i's n-th request)."""
    ids, words = fixture.film_ids, fixture.words
    stride = len(ids) // 97 + 1

    def film(i: int, n: int) -> str:
        return f"/catalogue/films/{ids[(i * 499 + n * stride) % len(ids)]}"

    def search(i: int, n: int) -> str:
        return f"/catalogue/?q={words[(i + n) % len(words)]}"

    def new_search(i: int, n: int) -> str:
        # A parameter the list ignores but its cache key holds: never served from the cache.
        return f"{search(i, n)}&n={i}-{n}-{time.monotonic_ns()}"

    pitch_path = f"/pitch/anthologies/{fixture.bundle_id}"
    return [
        ("hello (reference)", HELLO, lambda i, n: HELLO),
        ("catalog /catalogue/", "/catalogue/", lambda i, n: "/catalogue/"),
        ("search ?q=<word>", search(0, 0), search),
        ("search, never cached", new_search(0, 0), new_search),
        ("film page", film(0, 0), film),
        ("pitch (private link)", pitch_path, lambda i, n: pitch_path),
    ]


# -- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per page (default 10)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--server",
        choices=[*SERVERS, "both"],
        default="both",
        help="the server to run the pages on (default: gunicorn, then waitress)",
    )
    parser.add_argument(
        "--only", metavar="WORD", help="run only the pages whose name holds WORD (and hello)"
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.server, args.serve, args.port)
        return

    servers = list(SERVERS) if args.server == "both" else [args.server]
    print(
        f"Anthologie web pages under load — nproc {len(os.sched_getaffinity(0))}, "
        f"load average {load_average()} before the run, Python {sys.version.split()[0]}\n"
        f"load: {args.clients} concurrent keep-alive clients (asyncio, one event loop) in a "
        f"separate process, {args.seconds:g} s per page after {WARMUP_SECONDS:g} s warm-up\n"
        f"data: {FILMS:,} films resampled from the real films of {SAMPLE.relative_to(ROOT)}, "
        f"SQLite (WAL); target: p95 < {TARGET_P95_MS:g} ms per page at {args.clients} clients"
    )
    with tempfile.TemporaryDirectory(prefix="anthologie-bench-web-") as tmp:
        workdir = Path(tmp)
        began = time.perf_counter()
        fixture = build(workdir)
        print(
            f"built the catalog in {time.perf_counter() - began:.1f} s; "
            f"searched words: {', '.join(fixture.words)}"
        )
        pages = [
            page
            for page in pages_to_run(fixture)
            if not args.only or args.only in page[0] or page[1] == HELLO
        ]
        statements = statements_per_page(workdir, {n: f for n, _, f in pages}, fixture)
        for server in servers:
            print(f"\nserver: {SERVERS[server]}, {server} {version(server)}, on 127.0.0.1")
            results = run_pages(server, workdir, fixture, pages, args.clients, args.seconds)
            report(results, statements)


def run_pages(
    server: str,
    workdir: Path,
    fixture: Fixture,
    pages: list[tuple[str, str, Callable[[int, int], str]]],
    clients: int,
    seconds: float,
) -> dict[str, Result]:
    """Start `server`, log the clients in, and hammer each page in turn."""
    results: dict[str, Result] = {}
    with server_process(server, workdir) as port:
        curators = [Browser(port) for _ in range(clients)]
        recipients = [Browser(port) for _ in range(clients)]
        for browser in curators:
            log_in(browser)
        for browser in recipients:
            status, body, _ = browser.request("GET", fixture.link_path)
            if status != 200 or b"banc d" not in body:
                raise RuntimeError(f"private link: status {status}")
        for name, _, next_path in pages:
            browsers = recipients if name.startswith("pitch") else curators
            hammer(browsers, next_path, WARMUP_SECONDS, PROCESSES[server])
            results[name] = hammer(browsers, next_path, seconds, PROCESSES[server])
        for browser in curators + recipients:
            browser.close()
    return results


def report(results: dict[str, Result], statements: dict[str, int]) -> None:
    hello = results["hello (reference)"]
    print()
    print(
        f"{'page':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95 / hello':>11} "
        f"{'errors':>7} {'SQL/req':>7} {'conns/worker':>12}  target p95 < {TARGET_P95_MS:g} ms"
    )
    for name, result in results.items():
        p95 = result.percentile(0.95)
        verdict = "PASS" if p95 < TARGET_P95_MS and not result.errors else "MISS"
        if result is hello:
            verdict = "(reference)"
        print(
            f"{name:<22} {result.rate:>8.0f} {result.percentile(0.5):>8.1f} {p95:>8.1f} "
            f"{p95 / hello.percentile(0.95):>10.1f}x {result.errors:>7} "
            f"{statements.get(name, 0):>7} {spread(result):>12}  {verdict}"
        )
    bad = {n: dict(r.statuses) for n, r in results.items() if r.errors}
    if bad:
        print(f"non-200 answers (status 0: connection failed): {bad}")
    total = sum(len(r.latencies) for r in results.values())
    print(
        f"{total:,} requests in all; latencies are measured by the clients, queueing included; "
        f"load average {load_average()} after the run"
    )


def spread(result: Result) -> str:
    """How the clients' connections fell on the server's processes, most loaded first."""
    return "+".join(str(n) for _, n in result.spread.most_common())


def load_average() -> str:
    return "/".join(f"{n:.1f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
