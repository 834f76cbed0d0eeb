"""The errors media_tools raises: one type that names the file and what is wrong with it."""

from __future__ import annotations

from pathlib import Path


class MediaError(Exception):
    """A media file cannot be read or rendered; the message says which file and why."""

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = None if path is None else Path(path)
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")


class MediaTimeout(MediaError):
    """ffmpeg ran past its time limit and was killed (no output was kept)."""
