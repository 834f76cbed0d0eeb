"""A person's page: the films they are credited on, their roles and regions."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from catalog.models import UserRole
from catalog.people import PersonCredit
from web import database
from web.access import may_see_film
from web.auth import current_user, require_role
from web.display import current_language
from web.usecases import people

bp = Blueprint("people", __name__, url_prefix="/personnes")


@bp.get("/<slug>")
@require_role(UserRole.curator, UserRole.broadcaster, UserRole.filmmaker)
def person(slug: str) -> str:
    """Everyone who reads a film's page may read its people's: curators every film, a
    filmmaker their own films, a broadcaster the films shared with them. The same 404
    whether nobody has this name or this viewer may see none of their films."""
    user = current_user()
    assert user is not None
    curator = user.role in (UserRole.curator, UserRole.admin)
    seen: dict[int, bool] = {}

    def may_see(credit: PersonCredit) -> bool:
        if credit.film_id not in seen:
            seen[credit.film_id] = curator or may_see_film(credit.film_id)
        return seen[credit.film_id]

    def link_of(credit: PersonCredit) -> str | None:
        if curator:
            return url_for("catalog.film_detail", film_id=credit.film_id)
        if user.role == UserRole.filmmaker and credit.owner_id == user.id:
            return url_for("submissions.detail", film_id=credit.film_id)
        return None

    found = people.person_pages(database.session(), slug, current_language(), may_see, link_of)
    if not found:
        abort(404)
    return render_template("people/person.html", people=found)
