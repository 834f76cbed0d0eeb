"""Running ffmpeg safely: timeouts kill it, outputs are atomic, nothing is run through a shell."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from media_tools import MediaError, MediaTimeout, analyse_style, make_proxy
from media_tools.runner import (
    ABANDONED_AFTER_S,
    Cancelled,
    Scope,
    _host,
    abandoned_partials,
    atomic_output,
    base_args,
    cancel_scope,
    own_partials,
    run,
    scratch_dir,
)
from tests.media_tools.conftest import ROOT


def running_with(marker: str) -> list[int]:
    """Process ids whose command line mentions `marker` (zombies, dead already, left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def endless(marker: str) -> list[str]:
    """An ffmpeg that renders to a file until killed, and writes nothing to its pipes."""
    return [*base_args(), "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2", "-y", marker]


def eventually(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def test_a_timeout_kills_ffmpeg(ffmpeg: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "endless.nut")
    with pytest.raises(MediaTimeout, match="did not finish"):
        run(endless(marker), timeout=1.0, subject=None, what="an endless render")
    assert running_with(marker) == []


def test_a_timed_out_render_leaves_no_file_and_no_process(real_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MediaTimeout):
        make_proxy(real_clip, out / "proxy.mp4", timeout=0.5)
    assert list(out.iterdir()) == []  # no proxy.mp4, no half-written temporary
    assert running_with(str(out)) == []


def test_a_timed_out_analysis_stops_ffmpeg(real_clip: Path) -> None:
    with pytest.raises(MediaTimeout):
        analyse_style(real_clip, timeout=0.2)
    assert running_with(str(real_clip)) == []


def test_atomic_output_keeps_nothing_on_error(tmp_path: Path) -> None:
    target = tmp_path / "result.mp4"
    with pytest.raises(RuntimeError), atomic_output(target) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target) as partial:
        partial.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert list(tmp_path.iterdir()) == [target]


def test_an_empty_output_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no output"), atomic_output(tmp_path / "x.jpg"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_no_shell_anywhere_in_media_tools() -> None:
    for path in (ROOT / "media_tools").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "shell":
                pytest.fail(f"{path.name} passes shell= to a subprocess")
            if isinstance(node, ast.Attribute) and node.attr in ("system", "popen"):
                assert not (isinstance(node.value, ast.Name) and node.value.id == "os")


def test_a_cancelled_scope_kills_its_ffmpeg_and_starts_no_other(
    ffmpeg: str, tmp_path: Path
) -> None:
    marker = str(tmp_path / "endless.nut")
    seen: dict[str, object] = {}

    def work() -> None:  # a job's thread; the test's thread cancels it, as a lease renewer does
        with cancel_scope() as scope:
            seen["scope"] = scope
            for attempt in ("first", "second"):
                try:
                    run(endless(marker), timeout=600, subject=None, what="an endless render")
                except MediaError as error:
                    seen[attempt] = error

    thread = threading.Thread(target=work)
    thread.start()
    eventually(lambda: running_with(marker), "the render to start")
    scope = seen["scope"]
    assert isinstance(scope, Scope)
    scope.cancel()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert isinstance(seen["first"], MediaError)  # killed mid-render
    assert isinstance(seen["second"], Cancelled)  # never started
    assert running_with(marker) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux parent-death signal")
def test_ffmpeg_dies_with_the_process_that_started_it(ffmpeg: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "endless.nut")
    script = (
        "from media_tools.runner import run\n"
        f"run({endless(marker)!r}, timeout=600, subject=None, what='an endless render')\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        eventually(lambda: running_with(marker), "the render to start")
    finally:
        parent.kill()  # SIGKILL: no clean-up of its own runs
        parent.wait(timeout=10)
    eventually(lambda: not running_with(marker), "the orphaned ffmpeg to die", timeout=10)


def test_only_a_dead_writer_s_temporary_files_are_abandoned(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])  # a process id that is no longer running
    gone.wait()
    dead = tmp_path / f".proxy.{_host()}~{gone.pid}~0123abcd.partial.mp4"
    elsewhere = tmp_path / "thumbs" / ".thumb.other-host~42~89abcdef.partial.jpg"
    elsewhere.parent.mkdir()
    for path in (dead, elsewhere):
        path.write_bytes(b"half")
    with atomic_output(tmp_path / "poster.jpg") as mine:  # this live process's own
        mine.write_bytes(b"half")
        assert abandoned_partials(tmp_path) == [dead]
        old = time.time() - ABANDONED_AFTER_S - 60  # another machine's writer, silent an hour
        os.utime(elsewhere, (old, old))
        assert sorted(abandoned_partials(tmp_path)) == sorted([dead, elsewhere])


def test_a_stopping_process_finds_only_its_own_temporary_files(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    someone_elses = tmp_path / f".proxy.{_host()}~{gone.pid}~0123abcd.partial.mp4"
    someone_elses.write_bytes(b"half")
    with atomic_output(tmp_path / "poster.jpg") as mine, scratch_dir(tmp_path / "x") as work:
        mine.write_bytes(b"half")
        assert sorted(own_partials(tmp_path)) == sorted([mine, work])
    assert own_partials(tmp_path) == []
