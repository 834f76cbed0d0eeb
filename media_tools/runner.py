"""Finding the ffmpeg binaries and running them safely: argument lists, timeouts, atomic outputs."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from media_tools.errors import MediaError, MediaTimeout

# Lines of ffmpeg's stderr kept for error messages: enough for the reason, not a whole log.
_STDERR_TAIL = 40


@dataclass(frozen=True)
class Tools:
    """The binaries in use: ffprobe is optional (the imageio-ffmpeg wheel ships none)."""

    ffmpeg: str
    ffprobe: str | None
    source: str  # "system" or "imageio-ffmpeg"


@functools.cache
def find_tools() -> Tools:
    """The system ffmpeg/ffprobe when on PATH, else the static ffmpeg of imageio-ffmpeg."""
    system = shutil.which("ffmpeg")
    if system:
        return Tools(ffmpeg=system, ffprobe=shutil.which("ffprobe"), source="system")
    try:
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as error:
        raise MediaError(
            None, f"no ffmpeg: none on PATH and imageio-ffmpeg has no binary ({error})"
        ) from error
    # A bundled ffmpeg never comes with ffprobe; a stray system ffprobe of another version is
    # still fine for reading metadata.
    return Tools(ffmpeg=bundled, ffprobe=shutil.which("ffprobe"), source="imageio-ffmpeg")


def ffmpeg_exe() -> str:
    return find_tools().ffmpeg


def media_arg(path: Path) -> str:
    """A path as ffmpeg must see it: absolute, and marked as a file.

    `file:` stops ffmpeg reading `a:b.mp4` as protocol `a`, and an absolute path can never be
    taken for an option (`-x.mp4`).
    """
    return "file:" + str(Path(path).resolve())


def timeout_for(duration_s: float | None, *, per_second: float, minimum: float = 60.0) -> float:
    """A timeout that grows with the media's length: long films legitimately take long."""
    return minimum + per_second * max(0.0, duration_s or 0.0)


@dataclass(frozen=True)
class Finished:
    stdout: bytes
    stderr: str


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # ffmpeg runs in its own session, so the group holds it and nothing of ours.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)


# -- ffmpeg dies with its caller ------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


@functools.cache
def _death_signal() -> Callable[[], None] | None:
    """What the child runs before exec so the kernel kills it when its parent dies (Linux).

    A worker killed with SIGKILL runs no clean-up of its own; without this its ffmpeg would go
    on under init with no time limit. The signal fires when the *thread* that started the
    child ends, so every function here waits for or kills its ffmpeg before returning: a
    child never outlives the call (and so the thread) that started it.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int

    def arm() -> None:
        parent = os.getppid()
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


class Cancelled(MediaError):
    """The work this ffmpeg was part of was called off (its job passed to another worker)."""


class Scope:
    """The ffmpeg processes started by one piece of work, which `cancel()` kills at once.

    A job runner cancels its scope from another thread when it loses its job, so a long
    encode stops within seconds rather than finishing into files another run now owns.
    """

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def cancel(self) -> None:
        self.cancelled.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)


_current = threading.local()
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


@contextlib.contextmanager
def cancel_scope() -> Iterator[Scope]:
    """Run a block's ffmpeg processes (in this thread) under a Scope that can cancel them."""
    scope, outer = Scope(), getattr(_current, "scope", None)
    _current.scope = scope
    try:
        yield scope
    finally:
        _current.scope = outer


def kill_all() -> int:
    """Kill every ffmpeg this process runs (a worker that is stopping); returns how many."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        _kill_group(proc)
    return len(procs)


def _forget(proc: subprocess.Popen[bytes]) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)
    scope = getattr(_current, "scope", None)
    if scope is not None:
        with scope._lock:
            scope._procs.discard(proc)


def _start(args: list[str], subject: Path | None, *, stdin: int) -> subprocess.Popen[bytes]:
    """Start ffmpeg in a new session (its own process group, so a timeout can kill it all),
    set to die with this process, and counted in the current Scope."""
    scope: Scope | None = getattr(_current, "scope", None)
    if scope is not None and scope.cancelled.is_set():
        raise Cancelled(subject, f"{args[0]} not started: the work was cancelled")
    try:
        proc = subprocess.Popen(
            args,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_death_signal(),  # the ctypes call only: no lock taken
        )
    except OSError as error:
        raise MediaError(subject, f"cannot start {args[0]}: {error}") from error
    with _LIVE_LOCK:
        _LIVE.add(proc)
    if scope is not None:
        with scope._lock:
            scope._procs.add(proc)
        if scope.cancelled.is_set():  # cancelled while it started
            _kill_group(proc)
    return proc


def run(
    args: list[str],
    *,
    timeout: float,
    subject: Path | None,
    what: str,
    stdin: bytes | None = None,
    check: bool = True,
) -> Finished:
    """Run ffmpeg with an argument list (never a shell) and a hard timeout.

    On timeout the whole process group is killed and waited for, then MediaTimeout is raised;
    on a non-zero exit MediaError names `subject` and quotes ffmpeg's last stderr lines.
    """
    proc = _start(
        args,
        subject,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        with contextlib.suppress(Exception):
            proc.communicate(timeout=5)
        raise MediaTimeout(subject, f"{what} did not finish within {timeout:.0f} s") from None
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        _forget(proc)
    text = err.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise MediaError(subject, f"{what} failed: {explain(text)}")
    return Finished(out, text)


class Streaming:
    """An ffmpeg process whose stdout is read as it runs, with stderr read on a thread.

    A watchdog kills the process group at the deadline; `close()` (or leaving the `with`
    block) always kills and reaps it, so no ffmpeg outlives its caller.
    """

    def __init__(
        self,
        args: list[str],
        *,
        timeout: float,
        subject: Path | None,
        what: str,
        on_stderr_line: Callable[[str], None] | None = None,
    ) -> None:
        self.subject = subject
        self.what = what
        self.timeout = timeout
        self.timed_out = False
        self.tail: deque[str] = deque(maxlen=_STDERR_TAIL)
        self._on_line = on_stderr_line
        self.proc = _start(args, subject, stdin=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self._watchdog = threading.Timer(timeout, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if self._on_line is not None:
                self._on_line(line)
            self.tail.append(line)

    def _expire(self) -> None:
        self.timed_out = True
        _kill_group(self.proc)

    def read(self, size: int) -> bytes:
        assert self.proc.stdout is not None
        return self.proc.stdout.read(size)

    def chunks(self, size: int, depth: int = 8) -> Iterator[bytes]:
        """Blocks of `size` bytes of stdout (the last may be shorter), read ahead on a thread.

        Reading ahead lets ffmpeg decode the next frames while the caller computes on these:
        a plain pipe holds less than two small frames, so without it the two take turns.
        """
        blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        stop = threading.Event()

        def pump() -> None:
            try:
                while not stop.is_set():
                    block = self.read(size)
                    while not stop.is_set():
                        try:
                            blocks.put(block or None, timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if not block:
                        return
            except (OSError, ValueError):
                blocks.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            while (block := blocks.get()) is not None:
                yield block
        finally:
            stop.set()
            reader.join(timeout=5)

    def finish(self) -> int:
        """Wait for a normal end; raise MediaTimeout if the watchdog had to fire."""
        code = self.proc.wait()
        self._reader.join(timeout=10)
        self._watchdog.cancel()
        _forget(self.proc)
        if self.timed_out:
            raise MediaTimeout(
                self.subject, f"{self.what} did not finish within {self.timeout:.0f} s"
            )
        return code

    def close(self) -> None:
        self._watchdog.cancel()
        if self.proc.poll() is None:
            _kill_group(self.proc)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._reader.join(timeout=10)
        _forget(self.proc)

    def __enter__(self) -> Streaming:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def explain(stderr: str) -> str:
    """ffmpeg's own reason, from the last lines that look like an error."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    hints = [
        line
        for line in lines
        if any(
            word in line.lower()
            for word in ("error", "invalid", "not found", "failed", "no such", "cannot", "unable")
        )
    ]
    chosen = hints[-3:] or lines[-3:]
    return " / ".join(chosen) if chosen else "no message from ffmpeg"


# Temporary names carry their writer (host and process), so a clean-up can tell a dead
# writer's leftovers from files a live run, here or on another machine, is writing now.
_WRITER = re.compile(r"\.(?P<host>[A-Za-z0-9_-]+)~(?P<pid>\d+)~[0-9a-f]{8}\.(?:partial|work)")
# A file another machine's writer has not touched for this long is taken for abandoned.
ABANDONED_AFTER_S = 3600.0


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"


def _private(stem: str) -> str:
    return f".{stem}.{_host()}~{os.getpid()}~{uuid.uuid4().hex[:8]}"


def abandoned_partials(folder: Path) -> list[Path]:
    """The temporary files and folders under `folder` whose writer is gone.

    A writer of this machine is gone when its process is; one of another machine, when its
    file has not changed for an hour. A live writer's files are never listed, so a clean-up
    can never delete what another run is writing.
    """
    if not Path(folder).exists():
        return []
    found = []
    for path in Path(folder).rglob(".*"):
        match = _WRITER.search(path.name)
        if match is None:
            continue
        gone = False
        if match["host"] == _host():
            gone = not _process_exists(int(match["pid"]))
        else:
            with contextlib.suppress(FileNotFoundError):
                gone = time.time() - path.stat().st_mtime > ABANDONED_AFTER_S
        if gone:
            found.append(path)
    return found


def own_partials(folder: Path) -> list[Path]:
    """The temporary files and folders under `folder` that this process was writing: once
    it has killed its ffmpeg (stopping), nothing writes them any more."""
    if not Path(folder).exists():
        return []
    mine = (_host(), str(os.getpid()))
    return [
        path
        for path in Path(folder).rglob(".*")
        if (match := _WRITER.search(path.name)) and (match["host"], match["pid"]) == mine
    ]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def atomic_output(dst: Path) -> Iterator[Path]:
    """Yield a temporary path beside `dst`; rename it onto `dst` only if the block succeeds.

    The temporary name keeps the suffix (ffmpeg picks the muxer from it) and starts with a dot
    so half-written files are never mistaken for results; it is removed on any error.
    """
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f"{_private(dst.stem)}.partial{dst.suffix}"
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise MediaError(dst, "ffmpeg wrote no output")
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def scratch_dir(beside: Path) -> Iterator[Path]:
    """A private working folder next to an output (same filesystem), always removed."""
    beside = Path(beside)
    beside.parent.mkdir(parents=True, exist_ok=True)
    path = beside.parent / f"{_private(beside.stem)}.work"
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def base_args() -> list[str]:
    """The start of every command: quiet, no stdin prompts, no progress lines."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats"]
