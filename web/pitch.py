"""The broadcasters' pitch room: bundles shared with them, by account or by private link."""

from __future__ import annotations

from flask import Blueprint, render_template

from catalog import sharing
from catalog.models import UserRole
from web import database
from web.auth import current_user, require_role

bp = Blueprint("pitch", __name__, url_prefix="/pitch")


@bp.get("/")
@require_role(UserRole.broadcaster)
def inbox() -> str:
    user = current_user()
    assert user is not None
    shares = sharing.shares_for_broadcaster(database.session(), user.id or 0)
    return render_template("pitch/inbox.html", shares=shares)
