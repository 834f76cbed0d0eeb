"""Running ffmpeg safely: timeouts kill it, outputs are atomic, nothing is run through a shell."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from media_tools import MediaError, MediaTimeout, analyse_style, make_proxy
from media_tools.runner import atomic_output, base_args, run
from tests.media_tools.conftest import ROOT


def running_with(marker: str) -> list[int]:
    """Process ids whose command line mentions `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_a_timeout_kills_ffmpeg(ffmpeg: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "endless.nut")
    args = [*base_args(), "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2", "-y", marker]
    with pytest.raises(MediaTimeout, match="did not finish"):
        run(args, timeout=1.0, subject=None, what="an endless render")
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
