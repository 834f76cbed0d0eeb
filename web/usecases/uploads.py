"""Film files sent in pieces ahead of the form, so that a broken connection costs only the
piece in flight: the client asks how many bytes arrived and sends the rest.

An upload is three files in one folder: `<token>.json` (who sends what), `<token><ext>.part`
(the bytes so far) and, once every byte is in and ffprobe reads it as a video, `<token><ext>`
(renamed from the part, never written in place). The form then names the upload by its token;
only the account that started an upload can see, continue or file it. Uploads left unfinished
or unfiled for a day are deleted the next time anyone starts one.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import media_tools

MAX_AGE_S = 24 * 3600
_BLOCK = 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class UploadRefused(Exception):
    """Why an upload or one of its pieces is refused; `kind` names the case for the page:
    unknown, too_large, empty, offset, not_video, unreadable, incomplete."""

    def __init__(self, kind: str, **details: object) -> None:
        super().__init__(kind)
        self.kind = kind
        self.details = details


@dataclass(frozen=True)
class Upload:
    token: str
    owner_id: int
    name: str
    size: int
    received: int
    path: Path  # the part while it grows, the finished file once complete

    @property
    def complete(self) -> bool:
        return self.received == self.size and self.path.suffix != ".part"


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()[:8]
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,7}", suffix) else ""


def _meta(folder: Path, token: str) -> Path:
    return folder / f"{token}.json"


def start(folder: Path, owner_id: int, name: str, size: int, limit: int) -> Upload:
    """Open an upload of `size` bytes for this account; refused over `limit` bytes."""
    sweep(folder)
    if size <= 0:
        raise UploadRefused("empty")
    if size > limit:
        raise UploadRefused("too_large", limit=limit)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    name = Path(name.replace("\\", "/")).name[:200] or "film"
    part = folder / f"{token}{_suffix(name)}.part"
    part.touch()
    meta = {"owner_id": owner_id, "name": name, "size": size, "file": part.name[: -len(".part")]}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".meta-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(meta, handle)
    os.replace(tmp, _meta(folder, token))
    return status(folder, token, owner_id)


def status(folder: Path, token: str, owner_id: int) -> Upload:
    """How far this account's upload has come; "unknown" for anyone else's (no hint it exists)."""
    if not _TOKEN.match(token):
        raise UploadRefused("unknown")
    try:
        meta = json.loads(_meta(folder, token).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UploadRefused("unknown") from None
    if meta.get("owner_id") != owner_id:
        raise UploadRefused("unknown")
    done, part = folder / meta["file"], folder / f"{meta['file']}.part"
    if done.exists():
        path, received = done, done.stat().st_size
    elif part.exists():
        path, received = part, part.stat().st_size
    else:
        raise UploadRefused("unknown")
    return Upload(token, owner_id, meta["name"], int(meta["size"]), received, path)


def append(
    folder: Path, token: str, owner_id: int, offset: int, body: IO[bytes], length: int
) -> Upload:
    """Add `length` bytes read from `body` at `offset`, which must be what was received so far.

    When the last byte is in, the file is probed: a video is renamed to its final name, any
    other file is deleted and refused. Pieces of one upload are written one at a time.
    """
    upload = status(folder, token, owner_id)
    if upload.complete:
        return upload
    with open(upload.path, "ab") as part:
        fcntl.flock(part, fcntl.LOCK_EX)  # a retried piece racing the one it retries
        received = os.fstat(part.fileno()).st_size
        if offset != received:
            raise UploadRefused("offset", received=received)
        if length <= 0 or received + length > upload.size:
            raise UploadRefused("too_large", limit=upload.size)
        left = length
        while left:
            block = body.read(min(_BLOCK, left))
            if not block:
                break  # the connection broke: what arrived is kept, the client resumes
            part.write(block)
            left -= len(block)
        part.flush()
        received = os.fstat(part.fileno()).st_size
    os.utime(_meta(folder, token))  # a live upload is not abandoned, however long it takes
    if received < upload.size:
        return status(folder, token, owner_id)
    final = upload.path.with_suffix("")
    try:
        info = media_tools.probe(upload.path)
    except media_tools.MediaError as error:
        discard(folder, token, owner_id)
        raise UploadRefused("unreadable", problem=error.problem) from None
    if not info.has_video:
        discard(folder, token, owner_id)
        raise UploadRefused("not_video")
    os.replace(upload.path, final)
    return status(folder, token, owner_id)


def finished(folder: Path, token: str, owner_id: int) -> Upload:
    """The complete upload a form names; refused while bytes are missing."""
    upload = status(folder, token, owner_id)
    if not upload.complete:
        raise UploadRefused("incomplete", received=upload.received, size=upload.size)
    return upload


def discard(folder: Path, token: str, owner_id: int) -> None:
    """Delete an upload (filed, refused or given up) and its bytes."""
    try:
        upload = status(folder, token, owner_id)
    except UploadRefused:
        return
    for path in (upload.path, upload.path.with_suffix(""), _meta(folder, token)):
        if path.name.startswith(token):
            path.unlink(missing_ok=True)


def sweep(folder: Path, max_age_s: float = MAX_AGE_S, now: float | None = None) -> int:
    """Delete uploads untouched for `max_age_s` (abandoned parts, files never filed)."""
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = 0
    for path in folder.iterdir():
        token = path.name[:32]
        if not _TOKEN.match(token) and not path.name.startswith(".meta-"):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
