"""The curators' side of the pitch room: sharing a bundle with named people (one link each),
handing a link out again, extending, revoking, setting a viewing window and a view cap (for
one recipient or all of them), invitations by e-mail, and who opened what and answered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from catalog import queries, sharing, users
from catalog.models import Bundle, ShareLink, UserRole, utcnow
from web import database, invitations
from web.access import share_url
from web.auth import current_user, require_role
from web.usecases import playback, recipients
from web.usecases.media import has_reel
from web.views.common import VERDICT_LABELS

bp = Blueprint("sharing", __name__, url_prefix="/pitch")

LINE_PROBLEMS = {
    recipients.LineProblem.no_name: _l("il manque le nom, avant l'adresse ou l'organisation."),
    recipients.LineProblem.unclosed: _l("le « < » de l'adresse n'est pas refermé par « > »."),
    recipients.LineProblem.bad_email: _l("l'adresse entre < et > n'est pas une adresse courriel."),
    recipients.LineProblem.bare_email: _l(
        "écrivez le nom, puis l'adresse entre < et > (Julie Tremblay <julie@exemple.ca>)."
    ),
    recipients.LineProblem.too_long: _l("le nom, l'adresse ou l'organisation est trop long."),
    recipients.LineProblem.repeated: _l("cette adresse est déjà sur une ligne plus haut."),
}
STATES = {
    sharing.LinkState.live: _l("ouvert"),
    sharing.LinkState.not_yet: _l("pas encore ouvert"),
    sharing.LinkState.expired: _l("expiré"),
    sharing.LinkState.revoked: _l("révoqué"),
}


@dataclass
class ShareForm:
    """What the curator typed, kept to show the form again when something is wrong."""

    text: str = ""
    language: str = "fr"
    days: str = "14"
    starts: str = ""
    view_cap: str = ""
    broadcaster_id: str = ""
    errors: list[str] = field(default_factory=list)


@bp.route("/anthologies/<int:bundle_id>/partages", methods=["GET", "POST"])
@require_role(UserRole.curator)
def shares(bundle_id: int) -> str | Response | tuple[str, int]:
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    form = ShareForm()
    created: list[ShareLink] = []
    if request.method == "POST":
        form, created = _share(bundle, request.form)
        if not created and not form.errors:
            flash(_("Nommez au moins un destinataire : une personne par ligne."))
            return redirect(url_for("sharing.shares", bundle_id=bundle_id))
    page = _page(bundle, form, created)
    return (page, 400) if form.errors else page


def _share(bundle: Bundle, posted: Mapping[str, str]) -> tuple[ShareForm, list[ShareLink]]:
    """Check the whole form, then make one link per person and send the invitations."""
    db = database.session()
    form = ShareForm(
        text=posted.get("recipients", ""),
        language=posted.get("language", "fr"),
        days=posted.get("days", "14").strip(),
        starts=posted.get("starts", "").strip(),
        view_cap=posted.get("view_cap", "").strip(),
        broadcaster_id=posted.get("broadcaster_id", ""),
    )
    if form.language not in sharing.LANGUAGES:
        abort(400)
    people: list[sharing.Recipient] = []
    try:
        people = recipients.parse_recipients(form.text) or _one_person(posted)
    except recipients.RecipientsInvalid as invalid:
        form.errors += [
            _(
                "Ligne %(number)s (« %(line)s ») : %(problem)s",
                number=error.number,
                line=error.line,
                problem=LINE_PROBLEMS[error.problem],
            )
            for error in invalid.errors
        ]
    account = None
    if form.broadcaster_id:
        account = users.get_user(db, _int(form.broadcaster_id) or 0)
        if account is None or account.role != UserRole.broadcaster:
            abort(400)
    days = _int(form.days)
    if days is None or not 1 <= days <= recipients.DAYS_MAX:
        form.errors.append(
            _("La durée est un nombre de jours, de 1 à %(max)s.", max=recipients.DAYS_MAX)
        )
    view_cap = _int(form.view_cap) if form.view_cap else None
    if form.view_cap and (view_cap is None or not 1 <= view_cap <= recipients.VIEW_CAP_MAX):
        form.errors.append(
            _(
                "Les lectures par film sont un nombre de 1 à %(max)s (vide : sans limite).",
                max=recipients.VIEW_CAP_MAX,
            )
        )
    starts_on = _date(form.starts) if form.starts else None
    if form.starts and starts_on is None:
        form.errors.append(_("La date d'ouverture n'est pas une date (AAAA-MM-JJ)."))
    if form.errors:
        form.errors.insert(0, _("Rien n'a été partagé. Corrigez ceci, puis partagez à nouveau :"))
        return form, []
    if account is not None and not any(p.email == account.email for p in people):
        # The account's holder, named as the account is, unless the list already names them.
        people.insert(
            0, sharing.Recipient(account.display_name, account.email, account.organisation)
        )
    if not people:
        return form, []
    user = current_user()
    assert days is not None
    created = recipients.share_with_people(
        db,
        bundle.id or 0,
        people,
        days,
        created_by=user.id if user else None,
        language=form.language,
        starts_on=starts_on,
        view_cap=view_cap,
        broadcaster_id=account.id if account else None,
    )
    db.commit()
    if invitations.mail_configured():
        invitations.send_invitations(db, created, bundle, share_url)
        db.commit()
    _queue_reel(bundle)
    _queue_watermarks(created)
    return ShareForm(language=form.language), created


def _one_person(posted: Mapping[str, str]) -> list[sharing.Recipient]:
    """One person named in separate fields (older forms, scripts), the name taken whole."""
    name = " ".join(posted.get("recipient_name", "").split())
    if not name:
        return []
    email = posted.get("recipient_email", "").strip()
    if email and not recipients.valid_email(email):
        line = f"{name} <{email}>"
        raise recipients.RecipientsInvalid(
            [recipients.LineError(1, line, recipients.LineProblem.bad_email)]
        )
    organisation = posted.get("recipient_organisation", "").strip()
    return [sharing.Recipient(name[: recipients.NAME_MAX], email, organisation)]


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _page(bundle: Bundle, form: ShareForm, created: list[ShareLink]) -> str:
    db = database.session()
    bundle_id = bundle.id or 0
    activity = sharing.activity(db, bundle_id)
    # Answers and plays name the film by its title (the id when it left the catalog).
    mentioned = {item.film_id for item in bundle.items}
    mentioned |= {given.film_id for given, _s, _u in activity.answers if given.film_id}
    mentioned |= {event.film_id for event, _s, _u in activity.events if event.film_id}
    films = queries.films_by_ids(db, sorted(mentioned))
    now = utcnow()
    every = sharing.shares_of_bundle(db, bundle_id)
    return render_template(
        "sharing/shares.html",
        bundle=bundle,
        form=form,
        created=created,
        film_titles={film.id: film.display_title for film in films},
        shares=every,
        states={share.id: sharing.state_of(share, now) for share in every},
        state_names=STATES,
        open_count=len(sharing.open_shares(db, bundle_id)),
        broadcasters=users.users_with_role(db, UserRole.broadcaster),
        share_url=share_url,
        mail_configured=invitations.mail_configured(),
        no_server=invitations.NO_SERVER,
        no_address=invitations.NO_ADDRESS,
        activity=activity,
        verdicts=VERDICT_LABELS,
        today=now.date(),
        view_cap_max=recipients.VIEW_CAP_MAX,
        days_max=recipients.DAYS_MAX,
    )


def _queue_reel(bundle: Bundle) -> None:
    """Build the bundle's sizzle reel in the background, once per film order."""
    from web import jobs

    if not has_reel(Path(current_app.config["MEDIA_ROOT"]), bundle):
        try:
            jobs.submit(database.engine(), "reel", {"bundle_id": bundle.id, "name": bundle.label})
        except Exception:
            current_app.logger.exception("reel for bundle %s", bundle.id)


# -- one recipient, or all of a bundle's open links at once ---------------------------------


def _targets(share_id: int | None, bundle_id: int | None) -> tuple[int, list[ShareLink]]:
    """The bundle and the links an action applies to: one (not revoked), or all open ones."""
    db = database.session()
    if share_id is not None:
        share = db.get(ShareLink, share_id)
        if share is None or share.revoked_at is not None:
            abort(404)
        return share.bundle_id, [share]
    if bundle_id is None or db.get(Bundle, bundle_id) is None:
        abort(404)
    return bundle_id, sharing.open_shares(db, bundle_id)


def _back(bundle_id: int, share_id: int | None) -> Response:
    anchor = f"#share-{share_id}" if share_id is not None else "#recipients"
    return redirect(url_for("sharing.shares", bundle_id=bundle_id) + anchor)


def _done(
    changed: list[ShareLink], one: Callable[[ShareLink], str], every: Callable[[int], str]
) -> None:
    if len(changed) == 1:
        flash(one(changed[0]))
    elif changed:
        flash(every(len(changed)))
    else:
        flash(_("Aucun lien ouvert à modifier."))


@bp.post("/partages/<int:share_id>/prolonger")
@bp.post("/anthologies/<int:bundle_id>/partages/prolonger")
@require_role(UserRole.curator)
def extend(share_id: int | None = None, bundle_id: int | None = None) -> Response:
    bundle_id, targets = _targets(share_id, bundle_id)
    days = request.form.get("days", type=int)
    if days is None or not 1 <= days <= recipients.DAYS_MAX:
        flash(_("La durée est un nombre de jours, de 1 à %(max)s.", max=recipients.DAYS_MAX))
        return _back(bundle_id, share_id)
    db = database.session()
    changed = sharing.extend(db, targets, days)
    db.commit()
    _done(
        changed,
        lambda one: _(
            "Lien de %(name)s prolongé : il se ferme le %(end)s.",
            name=one.recipient_name,
            end=format_datetime(one.expires_at, "short"),
        ),
        lambda num: _("%(num)s liens prolongés (+%(days)s j).", num=num, days=days),
    )
    return _back(bundle_id, share_id)


@bp.post("/partages/<int:share_id>/fenetre")
@bp.post("/anthologies/<int:bundle_id>/partages/fenetre")
@require_role(UserRole.curator)
def set_window(share_id: int | None = None, bundle_id: int | None = None) -> Response:
    bundle_id, targets = _targets(share_id, bundle_id)
    starts = request.form.get("starts", "").strip()
    ends = _date(request.form.get("ends", ""))
    starts_on = _date(starts) if starts else None
    today = utcnow().date()
    if ends is None or (starts and starts_on is None):
        flash(_("Donnez la fin de la fenêtre, et son début s'il le faut, en dates (AAAA-MM-JJ)."))
        return _back(bundle_id, share_id)
    if ends < today:
        flash(_("Cette fenêtre est déjà fermée : pour couper un lien, révoquez-le."))
        return _back(bundle_id, share_id)
    if starts_on is not None and starts_on > ends:
        flash(_("La fenêtre s'ouvre après sa fermeture : vérifiez les dates."))
        return _back(bundle_id, share_id)
    opens = recipients.day_start(starts_on) if starts_on and starts_on > today else None
    closes = recipients.day_start(ends) + timedelta(days=1)  # the end day is included
    db = database.session()
    changed = sharing.set_window(db, targets, opens, closes)
    db.commit()
    _done(
        changed,
        lambda one: _("Nouvelle fenêtre pour %(name)s.", name=one.recipient_name),
        lambda num: _("Nouvelle fenêtre pour %(num)s liens.", num=num),
    )
    return _back(bundle_id, share_id)


@bp.post("/partages/<int:share_id>/plafond")
@bp.post("/anthologies/<int:bundle_id>/partages/plafond")
@require_role(UserRole.curator)
def set_view_cap(share_id: int | None = None, bundle_id: int | None = None) -> Response:
    bundle_id, targets = _targets(share_id, bundle_id)
    text = request.form.get("view_cap", "").strip()
    cap = _int(text) if text else None
    if text and (cap is None or not 1 <= cap <= recipients.VIEW_CAP_MAX):
        flash(
            _(
                "Les lectures par film sont un nombre de 1 à %(max)s (vide : sans limite).",
                max=recipients.VIEW_CAP_MAX,
            )
        )
        return _back(bundle_id, share_id)
    db = database.session()
    changed = sharing.set_view_cap(db, targets, cap)
    db.commit()
    _done(
        changed,
        lambda one: _("Lectures par film de %(name)s mises à jour.", name=one.recipient_name),
        lambda num: _("Lectures par film mises à jour pour %(num)s liens.", num=num),
    )
    return _back(bundle_id, share_id)


def _queue_watermarks(created: list[ShareLink]) -> None:
    """Have the recipients' watermarked previews and reel made in the background (else at
    their first play), queued once the page has been sent: where jobs run at once (tests),
    the curator does not wait for the encodes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = database.engine()
    ids = [share.id for share in created if share.id is not None]

    def queue() -> None:
        for share_id in ids:
            try:
                playback.queue_watermarks(engine, share_id, app)
            except Exception:
                app.logger.exception("watermarks for share %s", share_id)

    @after_this_request
    def after_sending(response: Response) -> Response:
        response.call_on_close(queue)
        return response


@bp.post("/partages/<int:share_id>/revoquer")
@bp.post("/anthologies/<int:bundle_id>/partages/revoquer")
@require_role(UserRole.curator)
def revoke(share_id: int | None = None, bundle_id: int | None = None) -> Response:
    bundle_id, targets = _targets(share_id, bundle_id)
    db = database.session()
    changed = sharing.revoke_all(db, targets)
    db.commit()
    playback.forget(Path(current_app.config["MEDIA_ROOT"]), [s.id for s in changed if s.id])
    _done(
        changed,
        lambda one: _("Lien de %(name)s révoqué : il ne s'ouvre plus.", name=one.recipient_name),
        lambda num: _("%(num)s liens révoqués : ils ne s'ouvrent plus.", num=num),
    )
    return _back(bundle_id, share_id)


@bp.post("/partages/<int:share_id>/inviter")
@require_role(UserRole.curator)
def invite(share_id: int) -> Response:
    """Send the invitation (again): after a failure, or to a corrected address."""
    bundle_id, [share] = _targets(share_id, None)
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    assert bundle is not None
    error = invitations.send_invitation(db, share, bundle, share_url(share_id))
    db.commit()
    if error is None:
        flash(_("Invitation envoyée à %(name)s.", name=share.recipient_name))
    else:
        flash(
            _(
                "L'invitation à %(name)s n'est pas partie : %(error)s",
                name=share.recipient_name,
                error=error,
            )
        )
    return _back(bundle_id, share_id)
