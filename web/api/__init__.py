"""The JSON API (/api/v1): catalog, bundles, proposals, jobs and answers, described by OpenAPI.

It uses the same log-in session and role rules as the pages. Writes must be sent as
`application/json`: a browser cannot send that cross-site without the server's consent
(CORS preflight), which is what stands in for the pages' CSRF token here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from catalog import bundles as bundle_edits
from catalog import queries, sharing
from catalog.fields import BY_NAME, NAMES, format_cell
from catalog.models import Bundle, Status, UserRole, Verdict
from catalog.records import film_to_record
from web import database, jobs
from web.access import viewer_for
from web.auth import current_user
from web.usecases.curating import rules_from

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])


@bp.errorhandler(HTTPException)
def as_json(error: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": error.description, "status": error.code}), error.code or 500


def role(*roles: UserRole) -> Callable[[F], F]:
    """Like the pages' role check, but answering 401/403 in JSON rather than redirecting."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                abort(401, "log in first (POST /connexion)")
            if user.role != UserRole.admin and user.role not in roles:
                abort(403, "your role may not do this")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def json_body() -> dict[str, Any]:
    if not request.is_json:
        abort(415, "send application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    return body


def film_json(film: Any) -> dict[str, Any]:
    record = film_to_record(film)
    data: dict[str, Any] = {"id": film.id}
    for name in NAMES:
        value = record[name]
        if name == "runtime":
            data["runtime_seconds"] = value
        elif isinstance(value, list) or value is None or isinstance(value, int | bool):
            data[name] = value
        else:
            data[name] = format_cell(BY_NAME[name], value)
    data["lacks"] = film.lacks()
    return data


@bp.get("/films")
@role(UserRole.curator)
def films() -> Response:
    args = request.args
    status = args.get("status")
    filters = queries.FilmFilter(
        region=args.get("region") or None,
        status=Status(status) if status and status in Status.__members__ else None,
        text=args.get("q") or None,
        form=args.get("form") or None,
    )
    per_page = min(args.get("per_page", 50, type=int) or 50, 500)
    page = queries.list_films(
        database.session(), filters, page=args.get("page", 1, type=int), per_page=per_page
    )
    return jsonify(
        {
            "films": [film_json(f) for f in page.films],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
        }
    )


@bp.get("/films/<int:film_id>")
@role(UserRole.curator, UserRole.filmmaker)
def film(film_id: int) -> Response:
    found = queries.get_film(database.session(), film_id)
    user = current_user()
    assert user is not None
    if found is None or (user.role == UserRole.filmmaker and found.owner_id != user.id):
        abort(404, "no such film")
    return jsonify(film_json(found))


def bundle_json(bundle: Bundle) -> dict[str, Any]:
    from web.usecases.bundles import view_of

    view = view_of(bundle)
    return {
        "id": bundle.id,
        "label": bundle.label,
        "label_en": bundle.label_en or bundle.label,
        "facet": bundle.facet,
        "slot_minutes": bundle.slot_minutes,
        "status": bundle.status.value,
        "explanation": bundle.explanation,
        "explanation_en": bundle.explanation_en or bundle.explanation,
        "pitch_text": bundle.pitch_text,
        "pitch_text_en": bundle.pitch_text_en,
        "runtime_seconds": view.runtime,
        "window_seconds": list(view.window),
        # regional_share (kept for older clients) is the share of the runtime; both shares
        # count what regional_scope names: Québec regions outside Montréal by default.
        "regional_share": round(view.regional_share, 4),
        "regional_runtime_share": round(view.regional_share, 4),
        "regional_film_share": round(view.regional_film_share, 4),
        "regional_films": view.regional.films,
        "regional_floor": view.floor,
        "regional_scope": {
            "label": view.regional_scope("en"),
            "label_fr": view.regional_scope("fr"),
            "region_codes": list(view.rules.regional_codes),
        },
        "scores": bundle.scores,
        "rule_violations": [{"rule": v.rule, "message": v.message_en} for v in view.violations],
        "films": [
            {
                "id": f.id,
                "title": f.display_title,
                "runtime_seconds": f.runtime_seconds,
                "directors": f.directors,
                "region_code": f.region_code,
                "audience": f.audience.value if f.audience else None,
                "languages": f.original_languages,
                # What the bundle's language rule counts: original, dubbed and subtitled
                # languages, declared on the record or from attached version files.
                "shown_in": list(view.languages.get(f.id or 0, ())),
            }
            for f in view.films
        ],
    }


@bp.get("/bundles")
@role(UserRole.curator)
def bundles() -> Response:
    live = bundle_edits.live_bundles(database.session())
    return jsonify({"bundles": [bundle_json(b) for b in live]})


@bp.get("/bundles/<int:bundle_id>")
def bundle(bundle_id: int) -> Response:
    viewer_for(bundle_id)  # 404 unless this requester may see the bundle
    found = database.session().get(Bundle, bundle_id)
    if found is None:
        abort(404, "no such bundle")
    return jsonify(bundle_json(found))


@bp.post("/proposals")
@role(UserRole.curator)
def proposals() -> tuple[Response, int]:
    body = json_body()
    facet = body.get("facet", "subject")
    if facet not in ("subject", "style", "region", "mixed"):
        abort(400, "facet must be subject, style, region or mixed")
    given_rules = body.get("rules") or {}
    if not isinstance(given_rules, dict):
        abort(400, "rules must be a JSON object")
    count = body.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        abort(400, "count must be a positive integer or null")
    rules = dict(given_rules)
    try:
        rules["slot_minutes"] = int(body.get("slot") or rules.get("slot_minutes") or 44)
    except (TypeError, ValueError):
        abort(400, "slot must be a number of minutes")
    try:
        rules_from(rules)
    except (TypeError, ValueError) as error:
        abort(400, f"bad rules: {error}")
    params = {
        "facet": facet,
        "rules": rules,
        "count": count,
        "model": current_app.config["EMBEDDING_MODEL"],
    }
    job_id = jobs.submit(database.engine(), "propose", params)
    return jsonify({"job_id": job_id, "status_url": url_for("api.job", job_id=job_id)}), 202


@bp.get("/jobs/<int:job_id>")
@role(UserRole.curator)
def job(job_id: int) -> Response:
    found = queries.get_job(database.session(), job_id)
    if found is None:
        abort(404, "no such job")
    return jsonify(
        {
            "id": found.id,
            "kind": found.kind,
            "status": found.status.value,
            "done": found.done,
            "total": found.total,
            "message": found.message,
            "result": found.result,
        }
    )


@bp.get("/bundles/<int:bundle_id>/answers")
@role(UserRole.curator)
def answers(bundle_id: int) -> Response:
    activity = sharing.activity(database.session(), bundle_id)
    return jsonify(
        {
            "answers": [
                {
                    "verdict": given.verdict.value,
                    "film_id": given.film_id,
                    "comment": given.comment,
                    "by": share.recipient_name if share else (user.display_name if user else None),
                    "at": given.created_at.isoformat(),
                }
                for given, share, user in activity.answers
            ]
        }
    )


@bp.post("/bundles/<int:bundle_id>/answers")
def answer(bundle_id: int) -> tuple[Response, int]:
    viewer = viewer_for(bundle_id)
    if viewer.is_curator:
        abort(403, "curators do not answer pitches")
    body = json_body()
    verdict = body.get("verdict")
    if verdict not in {v.value for v in Verdict}:
        abort(400, "verdict must be interested, maybe or pass")
    db = database.session()
    found = db.get(Bundle, bundle_id)
    film_id = body.get("film_id")
    if film_id is not None and (not isinstance(film_id, int) or isinstance(film_id, bool)):
        abort(400, "film_id must be an integer or null")
    comment = body.get("comment", "")
    if not isinstance(comment, str):
        abort(400, "comment must be a string")
    if found is None or sharing.outside_bundle(found, film_id):
        abort(404, "no such film in this bundle")
    try:
        given = sharing.answer(
            db,
            bundle_id,
            Verdict(verdict),
            comment,
            film_id=film_id,
            share_id=viewer.share_id,
            user_id=viewer.user_id,
        )
    except sharing.CommentTooLong:
        abort(400, f"comment must be at most {sharing.COMMENT_MAX_CHARS} characters")
    db.commit()
    return jsonify({"id": given.id, "verdict": verdict, "film_id": film_id}), 201


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(OPENAPI)


def _path_id(name: str) -> dict[str, Any]:
    """A required integer id in the path, such as {bundle_id}."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


_ERRORS = {
    "401": {
        "description": "not logged in",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "403": {"description": "role not allowed"},
    "404": {"description": "not found, or not visible to this user"},
}
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Anthologie API",
        "version": "1.0",
        "description": "Catalog, anthology bundles, proposals, jobs and broadcasters' answers. "
        "Authentication: the session cookie of POST /connexion. Writes take application/json.",
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
            },
            "Film": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "original_title": {"type": "string"},
                    "runtime_seconds": {"type": ["integer", "null"]},
                    "region": {"type": ["string", "null"]},
                    "directors": {"type": "array", "items": {"type": "string"}},
                    "lacks": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Bundle": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "label": {"type": "string"},
                    "slot_minutes": {"type": "integer"},
                    "runtime_seconds": {"type": "integer"},
                    "regional_share": {"type": "number"},
                    "regional_runtime_share": {
                        "type": "number",
                        "description": "share of the runtime from regional_scope's regions",
                    },
                    "regional_film_share": {
                        "type": "number",
                        "description": "share of the films from regional_scope's regions",
                    },
                    "regional_films": {"type": "integer"},
                    "regional_floor": {"type": "number"},
                    "regional_scope": {
                        "type": "object",
                        "properties": {
                            "label": {"type": "string"},
                            "label_fr": {"type": "string"},
                            "region_codes": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "rule_violations": {"type": "array", "items": {"type": "object"}},
                    "films": {"type": "array", "items": {"type": "object"}},
                },
            },
        }
    },
    "paths": {
        "/films": {
            "get": {
                "summary": "List films (curators)",
                "parameters": [
                    {"name": n, "in": "query", "schema": {"type": t}}
                    for n, t in (
                        ("q", "string"),
                        ("region", "string"),
                        ("form", "string"),
                        ("status", "string"),
                        ("page", "integer"),
                        ("per_page", "integer"),
                    )
                ],
                "responses": {"200": _ok("a page of films")} | _ERRORS,
            }
        },
        "/films/{film_id}": {
            "get": {
                "summary": "One film (curators; filmmakers for their own)",
                "parameters": [_path_id("film_id")],
                "responses": {"200": _ok("the film", {"$ref": "#/components/schemas/Film"})}
                | _ERRORS,
            }
        },
        "/bundles": {
            "get": {
                "summary": "Live bundles (curators)",
                "responses": {"200": _ok("bundles")} | _ERRORS,
            }
        },
        "/bundles/{bundle_id}": {
            "get": {
                "summary": "One bundle with its films and rule check",
                "parameters": [_path_id("bundle_id")],
                "responses": {"200": _ok("the bundle", {"$ref": "#/components/schemas/Bundle"})}
                | _ERRORS,
            }
        },
        "/proposals": {
            "post": {
                "summary": "Ask for bundle proposals (a background job)",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "facet": {"enum": ["subject", "style", "region", "mixed"]},
                                    "slot": {"type": "integer"},
                                    "count": {"type": ["integer", "null"]},
                                    "rules": {"type": "object"},
                                },
                            }
                        }
                    }
                },
                "responses": {"202": _ok("the job"), "400": {"description": "bad rules"}} | _ERRORS,
            }
        },
        "/jobs/{job_id}": {
            "get": {
                "summary": "A background job's progress and result",
                "parameters": [_path_id("job_id")],
                "responses": {"200": _ok("the job")} | _ERRORS,
            }
        },
        "/bundles/{bundle_id}/answers": {
            "get": {
                "summary": "Broadcasters' answers on a bundle (curators)",
                "parameters": [_path_id("bundle_id")],
                "responses": {"200": _ok("answers")} | _ERRORS,
            },
            "post": {
                "summary": "Answer on a bundle or one of its films (its viewers)",
                "parameters": [_path_id("bundle_id")],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["verdict"],
                                "properties": {
                                    "verdict": {"enum": ["interested", "maybe", "pass"]},
                                    "film_id": {"type": ["integer", "null"]},
                                    "comment": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": _ok("the answer"), "400": {"description": "bad verdict"}}
                | _ERRORS,
            },
        },
    },
}
