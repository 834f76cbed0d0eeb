"""Log-in, log-out and the role checks every view goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from catalog import users
from catalog.models import User, UserRole
from web import database

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

# Checked against when the e-mail is unknown, so that a wrong e-mail and a wrong password
# take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@bp.before_app_request
def load_user() -> None:
    user_id = session.get("user_id")
    g.user = users.get_user(database.session(), user_id) if user_id else None
    if g.user is not None and not g.user.active:
        session.clear()
        g.user = None


def current_user() -> User | None:
    return cast(User | None, g.get("user"))


def require_role(*roles: UserRole) -> Callable[[F], F]:
    """Only logged-in users with one of `roles` (admins always) get past; others are refused."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if user.role != UserRole.admin and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def home_for(user: User) -> str:
    return {
        UserRole.filmmaker: url_for("submissions.mine"),
        UserRole.broadcaster: url_for("pitch.inbox"),
    }.get(user.role, url_for("catalog.film_list"))


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> str | Response:
    error = None
    if request.method == "POST":
        email = request.form.get("email", "")
        password = request.form.get("password", "")
        user = users.user_by_email(database.session(), email)
        valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not valid or not user.active:
            error = _("E-mail ou mot de passe incorrect.")
        else:
            session.clear()
            session["user_id"] = user.id
            session["lang"] = user.locale
            session.permanent = True
            target = request.args.get("next", "")
            # Only local paths: an absolute URL here would make an open redirect.
            if not target.startswith("/") or target.startswith("//"):
                target = home_for(user)
            return redirect(target)
    return render_template("auth/login.html", error=error), 401 if error else 200  # type: ignore[return-value]


@bp.post("/deconnexion")
def logout() -> Response:
    session.clear()
    flash(_("Vous êtes déconnecté."))
    return redirect(url_for("auth.login"))
