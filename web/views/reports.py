"""The curators' viewing report of a shared bundle: who opened it, what they played and how
much, what they answered; reminders to those who have not opened it or not answered; its
CSV."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from catalog.fields import spreadsheet_safe
from catalog.models import Bundle, ShareLink, UserRole
from web import database
from web.access import link_token
from web.auth import require_role
from web.invitations import mail_configured, send_invitations
from web.usecases import viewing_reports
from web.views.common import VERDICT_LABELS

bp = Blueprint("reports", __name__, url_prefix="/pitch")

# The reminders just sent, shown once on the report they were sent from (session key).
_REMINDED = "report_reminders"


def _bundle(bundle_id: int) -> Bundle:
    bundle = database.session().get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    return bundle


def _link(share_id: int) -> str:
    return url_for("pitch.open_link", token=link_token(share_id), _external=True)


@bp.get("/anthologies/<int:bundle_id>/rapport")
@require_role(UserRole.curator)
def report(bundle_id: int) -> str:
    db = database.session()
    bundle = _bundle(bundle_id)
    built = viewing_reports.bundle_report(db, bundle)
    shown = session.pop(_REMINDED, None)
    reminded = []
    if shown and shown.get("bundle") == bundle_id:
        for share_id, outcome, error in shown["outcomes"]:
            recipient = built.report.recipient(share_id)
            if recipient is not None:
                reminded.append((recipient.share, outcome, error, _link(share_id)))
    states = {r.share.id: viewing_reports.link_word(db, r.share) for r in built.report.recipients}
    return render_template(
        "reports/report.html",
        bundle=bundle,
        films=built.films,
        report=built.report,
        states=states,
        remindable=[i for i, state in states.items() if state in viewing_reports.REMINDABLE],
        verdicts=VERDICT_LABELS,
        reminded=reminded,
        mail_configured=mail_configured(),
    )


@bp.post("/anthologies/<int:bundle_id>/rapport/relancer")
@require_role(UserRole.curator)
def remind(bundle_id: int) -> BaseResponse:
    """Remind one recipient (share_id) or every one of a list (group: never_opened or
    unanswered) of their link."""
    db = database.session()
    bundle = _bundle(bundle_id)
    built = viewing_reports.bundle_report(db, bundle)
    group = request.form.get("group", "")
    share_id = request.form.get("share_id", type=int)
    shares: list[ShareLink]
    if group == "never_opened":
        shares = [r.share for r in built.report.never_opened]
    elif group == "unanswered":
        shares = [r.share for r in built.report.opened_unanswered]
    elif share_id is not None and (one := built.report.recipient(share_id)) is not None:
        shares = [one.share]
    else:
        abort(400)

    def send_all(to_mail: list[ShareLink]) -> dict[int, str | None]:
        return send_invitations(db, to_mail, bundle, _link, reminder=True)

    outcomes = viewing_reports.remind(db, shares, send_all if mail_configured() else None)
    db.commit()
    session[_REMINDED] = {
        "bundle": bundle_id,
        "outcomes": [[o.share.id, o.outcome.value, o.error] for o in outcomes],
    }
    return redirect(url_for("reports.report", bundle_id=bundle_id) + "#relances")


@bp.get("/anthologies/<int:bundle_id>/rapport.csv")
@require_role(UserRole.curator)
def report_csv(bundle_id: int) -> Response:
    db = database.session()
    built = viewing_reports.bundle_report(db, _bundle(bundle_id))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, viewing_reports.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in viewing_reports.csv_rows(db, built):
        # Opened in a spreadsheet: no cell may start a formula (a comment "=1+1", a name).
        writer.writerow(
            {k: spreadsheet_safe(v) if isinstance(v, str) else v for k, v in row.items()}
        )
    response = Response(buffer.getvalue(), mimetype="text/csv")
    name = f"anthologie-{bundle_id}-rapport.csv"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response
