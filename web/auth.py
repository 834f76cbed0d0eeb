"""Log-in, log-out and the role checks every view goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
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
from catalog.models import User, UserRole, utcnow
from web import database
from web.security import local_path

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

# Checked against when the e-mail is unknown, so that a wrong e-mail and a wrong password
# take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


# Failed log-ins: an account locks after ACCOUNT_LIMIT within WINDOW, an address after
# ADDRESS_LIMIT (several accounts tried from one place), each for WINDOW.
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW = timedelta(minutes=15)


@bp.before_app_request
def load_user() -> None:
    user_id = session.get("user_id")
    g.user = users.get_user(database.session(), user_id) if user_id else None
    # A session made before the last log-out, password change or deactivation no longer
    # counts, wherever its cookie went.
    if g.user is not None and (
        not g.user.active or session.get("epoch", 0) != g.user.session_epoch
    ):
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
    status = 200
    if request.method == "POST":
        db = database.session()
        email = request.form.get("email", "").strip().lower()
        account, address = f"account:{email}", f"address:{request.remote_addr or '?'}"
        now = utcnow()
        locked = users.locked_until(db, [account, address], now)
        user = users.user_by_email(db, email)
        valid = check_password_hash(
            user.password_hash if user else _DUMMY_HASH, request.form.get("password", "")
        )
        if locked is None and (user is None or not valid or not user.active):
            locked = max(
                (
                    until
                    for until in (
                        users.record_failure(db, account, now, ACCOUNT_LIMIT, WINDOW),
                        users.record_failure(db, address, now, ADDRESS_LIMIT, WINDOW),
                    )
                    if until is not None
                ),
                default=None,
            )
            db.commit()
            error, status = _("E-mail ou mot de passe incorrect."), 401
        if locked is not None:
            # Said the same whether the password was right or not: a lock must not confirm it.
            minutes = max(1, -(-int((locked - now).total_seconds()) // 60))
            error = _("Trop de tentatives de connexion. Réessayez dans %(n)s minutes.", n=minutes)
            status = 429
        elif user is not None and valid and user.active:
            users.clear_failures(db, account)
            db.commit()
            session.clear()
            session["user_id"] = user.id
            session["epoch"] = user.session_epoch
            session["lang"] = user.locale
            session.permanent = True
            # Only paths on this site: anything else would make an open redirect.
            return redirect(local_path(request.args.get("next"), home_for(user)))
    return render_template("auth/login.html", error=error), status  # type: ignore[return-value]


@bp.post("/deconnexion")
def logout() -> Response:
    user = current_user()
    if user is not None and user.id is not None:
        db = database.session()
        users.end_sessions(db, user.id)
        db.commit()
    session.clear()
    flash(_("Vous êtes déconnecté."))
    return redirect(url_for("auth.login"))
