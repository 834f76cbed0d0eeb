"""Resumable film uploads for the submission form's script: start one, ask how far it came,
send the next piece. JSON in and out; the form itself then names the upload by its token.

    POST /soumissions/televersements            {"name": …, "size": …} → 201 {token, received, size}
    GET  /soumissions/televersements/<token>    → {received, size, complete}
    PUT  /soumissions/televersements/<token>    Upload-Offset: n, the bytes → {received, …}

The pieces go through CSRF protection like any form (the script sends the X-CSRFToken
header) and each is limited in size before it is read (web/security.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from catalog.models import UserRole
from web.auth import current_user, require_role
from web.usecases import uploads
from web.views.common import refusal_message, upload_folder

bp = Blueprint("uploads", __name__, url_prefix="/soumissions/televersements")


def _owner() -> int:
    user = current_user()
    assert user is not None and user.id is not None
    return user.id


def _answer(upload: uploads.Upload, code: int = 200) -> tuple[Response, int]:
    body = {
        "token": upload.token,
        "name": upload.name,
        "received": upload.received,
        "size": upload.size,
        "complete": upload.complete,
    }
    return jsonify(body), code


def _refused(refused: uploads.UploadRefused) -> tuple[Response, int]:
    code = {"unknown": 404, "too_large": 413, "offset": 409}.get(refused.kind, 422)
    body: dict[str, Any] = {"error": refusal_message(refused), "kind": refused.kind}
    if "received" in refused.details:
        body["received"] = refused.details["received"]
    return jsonify(body), code


@bp.post("")
@require_role(UserRole.filmmaker, UserRole.curator)
def start() -> tuple[Response, int]:
    sent = request.get_json(silent=True) or {}
    try:
        size = int(sent.get("size", 0))
    except (TypeError, ValueError):
        size = 0
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    try:
        upload = uploads.start(upload_folder(), _owner(), str(sent.get("name", "")), size, limit)
    except uploads.UploadRefused as refused:
        return _refused(refused)
    return _answer(upload, 201)


@bp.get("/<token>")
@require_role(UserRole.filmmaker, UserRole.curator)
def status(token: str) -> tuple[Response, int]:
    try:
        return _answer(uploads.status(upload_folder(), token, _owner()))
    except uploads.UploadRefused as refused:
        return _refused(refused)


@bp.put("/<token>")
@require_role(UserRole.filmmaker, UserRole.curator)
def chunk(token: str) -> tuple[Response, int]:
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        offset = -1
    try:
        upload = uploads.append(
            upload_folder(), token, _owner(), offset, request.stream, request.content_length or 0
        )
    except uploads.UploadRefused as refused:
        return _refused(refused)
    return _answer(upload)
