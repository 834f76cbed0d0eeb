"""The README's way of serving the app, run as written: gunicorn with two workers.

Two processes each keep their own cache of rendered film lists; a catalog written by another
process (the CLI import) must show in every worker's next list.
"""

from __future__ import annotations

import csv
import http.cookiejar
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
EMAIL = "curatrice@serving.example"
PASSWORD = "un-mot-de-passe-assez-long"


def readme_commands() -> list[list[str]]:
    """The commands of the README's "Serving" section, split as a shell would."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Serving", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return os.environ | {
        "ANTHOLOGIE_INSTANCE_PATH": str(tmp_path / "instance"),
        "ANTHOLOGIE_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'catalog.db'}",
        "ANTHOLOGIE_SECRET_KEY": "serving-test",
    }


def run(command: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    executable = str(BIN / Path(command[0]).name)
    done = subprocess.run(
        [executable, *command[1:]],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


@pytest.fixture
def served(environment: dict[str, str]) -> Iterator[str]:
    """The README's commands, the server on a free port; yields its base URL."""
    commands = readme_commands()
    init_db = next(c for c in commands if c[-1] == "init-db")
    serve = next(c for c in commands if Path(c[0]).name == "gunicorn")
    assert "--workers" in serve and int(serve[serve.index("--workers") + 1]) >= 2
    run(init_db, environment)
    port = free_port()
    serve = [str(BIN / "gunicorn"), *serve[1:]]
    serve[serve.index("--bind") + 1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(serve, env=environment, cwd=ROOT, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/connexion", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    stderr = server.stderr.read().decode() if server.stderr else ""
                    pytest.fail(f"gunicorn did not start: {stderr[-2000:]}")
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def logged_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = opener.open(f"{base}/connexion").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    fields = {"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD}
    opener.open(f"{base}/connexion", urllib.parse.urlencode(fields).encode())
    return opener


def films_counted(page: str) -> int:
    return int(page.split('<p class="count">', 1)[1].split(" ", 1)[0])


def test_two_workers_never_serve_a_list_older_than_the_catalog(
    served: str, environment: dict[str, str], tmp_path: Path
) -> None:
    create_user = ["anthologie", "create-user", EMAIL, "--name", "C", "--role", "curator"]
    run(create_user, environment, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    run(["anthologie", "ingest", str(ROOT / "samples" / "catalog.csv")], environment)
    # Several browsers, so that both workers answer and keep the list.
    browsers = [logged_in(served) for _ in range(6)]
    before = {films_counted(b.open(f"{served}/catalogue/").read().decode()) for b in browsers}
    with (ROOT / "samples" / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert before == {rows}
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "external_id,original_title,runtime,region\nserving-1,Aurores de Kamouraska,14,01\n",
        encoding="utf-8",
    )
    run(["anthologie", "ingest", str(extra)], environment)
    after = {films_counted(b.open(f"{served}/catalogue/").read().decode()) for b in browsers}
    assert after == {rows + 1}
