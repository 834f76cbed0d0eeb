"""What every response and request goes through for safety: security headers, request-size
limits decided before a body is read, and redirects that never leave this site."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

# The app serves its own scripts and styles (htmx included); templates set a few inline
# style attributes (bar widths), hence 'unsafe-inline' for styles only, never for scripts.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# What a request without an account may send (a log-in form, a language switch, a pitch
# answer through a private link): enough for any form, far too little to fill a disk.
ANONYMOUS_MAX_BYTES = 64 * 1024
# What a logged-in request may send when its endpoint takes no file.
FORM_MAX_BYTES = 2 * 1024**2
# Endpoints that receive files; they alone get the configured upload limit.
UPLOAD_ENDPOINTS = frozenset(
    {"submissions.new", "submissions.edit", "catalog.bulk_import", "promo.add", "versions.upload"}
)
# A piece of a resumable film upload (web/views/uploads.py): UPLOAD_CHUNK_BYTES at most.
CHUNK_ENDPOINTS = frozenset({"uploads.chunk"})


def local_path(target: str | None, fallback: str = "/") -> str:
    """`target` when it is a path on this site, else `fallback`.

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" lead off-site although they start with one
    slash: any control character, space or backslash disqualifies a target.
    """
    if not target or any(ch.isspace() or ord(ch) < 32 or ch in "\\\x7f" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def body_limit(config: Mapping[str, Any], endpoint: str | None, signed_in: bool) -> int:
    """The most bytes this request may send, decided before its body is read.

    An upload may carry a film file (UPLOAD_MAX_BYTES) plus the rest of its form; an explicit
    MAX_CONTENT_LENGTH lowers every limit further.
    """
    limit = int(config["UPLOAD_MAX_BYTES"]) + 2**20
    if endpoint in CHUNK_ENDPOINTS and signed_in:
        limit = min(limit, int(config["UPLOAD_CHUNK_BYTES"]) + 2**16)
    elif endpoint not in UPLOAD_ENDPOINTS:
        limit = min(limit, FORM_MAX_BYTES if signed_in else ANONYMOUS_MAX_BYTES)
    explicit = config.get("MAX_CONTENT_LENGTH")
    return min(limit, int(explicit)) if explicit else limit


def init_app(app: Flask) -> None:
    """Register after the blueprints: the limits depend on the user that auth loads first."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    @app.before_request
    def limit_body() -> None:
        # Werkzeug refuses the body (413) as soon as it is over this, before it is stored.
        request.max_content_length = body_limit(
            app.config, request.endpoint, g.get("user") is not None
        )

    @app.before_request
    def refuse_nul() -> None:
        # No text field takes a NUL (PostgreSQL cannot store one): refuse it at the door, with
        # a 400, rather than as a database error deep in a write.
        if request.method != "POST":
            values = list(request.args.values())
        elif request.is_json:
            values = [request.get_data(as_text=True)]
        else:
            values = list(request.args.values()) + list(request.form.values())
        if any("\x00" in value or "\\u0000" in value for value in values):
            abort(400, "a field holds a NUL character (\\x00)")

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        private = g.get("user") is not None or "pitch_links" in session
        if request.endpoint != "static" and private:
            # Pages behind a log-in or a private link are nobody else's to keep.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
