"""A throwaway Redis server for tests: loopback only, on a free port, no persistence, gone after."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

START_TIMEOUT_S = 30


class RedisNotFound(RuntimeError):
    """No redis-server binary, or no `redis` Python package to talk to it."""


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """Run a fresh redis-server for the duration of the block; yield its redis:// URL.

    It listens on 127.0.0.1 only, on a port free when chosen, keeps nothing on disk (no RDB
    snapshot, no append-only file) and works in a temp dir of its own; it is stopped and the
    dir removed even when the block raises.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisNotFound("no redis-server on PATH: install the `redis-server` package")
    try:
        import redis
    except ImportError as error:
        raise RedisNotFound(f"the `redis` Python package is missing ({error})") from error
    workdir = Path(tempfile.mkdtemp(prefix="aredis-"))
    log = workdir / "server.log"
    port = _free_port()
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly"]
    args += ["no", "--dir", str(workdir), "--logfile", str(log), "--protected-mode", "yes"]
    server = subprocess.Popen(args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url, socket_timeout=2)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    text = log.read_text(errors="replace") if log.exists() else ""
                    raise RuntimeError(f"redis-server did not start: {text[-2000:]}") from None
                time.sleep(0.1)
        client.close()
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
