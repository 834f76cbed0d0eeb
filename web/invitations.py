"""The invitation a pitch link's recipient gets by e-mail, in their language, and its reminder.

`send_invitation` is what the share page, the `anthologie share` command and the viewing
report's reminders call; it records on the share when the message left (invited_at, or
reminded_at for a reminder) or why it did not (invite_error), and returns that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, render_template
from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from sqlmodel import Session

from catalog import sharing, users
from catalog.models import Bundle, ShareLink, User, utcnow
from web import mail
from web.display import bundle_label
from web.i18n import speaking

NO_SERVER = "Aucun serveur de courriel n'est configuré : envoyez le lien à la main."
NO_ADDRESS = "Pas d'adresse courriel pour ce destinataire : envoyez le lien à la main."


def mail_configured() -> bool:
    """Whether invitations can be sent (ANTHOLOGIE_MAIL_HOST is set)."""
    return mail.mail_settings(current_app.config) is not None


@dataclass(frozen=True)
class Invitation:
    subject: str
    paragraphs: tuple[str, ...]
    link: str
    button: str
    signature: str

    @property
    def text(self) -> str:
        body = [*self.paragraphs[:1], self.link, *self.paragraphs[1:], self.signature]
        return "\n\n".join(body) + "\n"


def send_invitation(
    db: Session, share: ShareLink, bundle: Bundle, link: str, reminder: bool = False
) -> str | None:
    """E-mail `link` to the share's recipient in their language. None when the message left
    (invited_at or reminded_at is set); else why not, in French (also kept in invite_error).
    The caller commits."""
    return _record(db, share, _deliver(db, share, bundle, link, reminder), reminder)


def _record(
    db: Session, share: ShareLink, failure: mail.MailError | None, reminder: bool
) -> str | None:
    error = str(failure) if failure is not None else None
    share.invite_error = error or ""
    if error is None:
        if reminder:
            share.reminded_at = utcnow()
        else:
            share.invited_at = utcnow()
    db.add(share)
    return error


def send_invitations(
    db: Session,
    shares: Iterable[ShareLink],
    bundle: Bundle,
    link_for: Callable[[int], str],
    reminder: bool = False,
) -> dict[int, str | None]:
    """Invite each recipient; once the server cannot be reached, the rest are not tried (each
    would wait for the same timeout) and keep the same reason. Share id → error or None."""
    results: dict[int, str | None] = {}
    unreachable: str | None = None
    for share in shares:
        assert share.id is not None
        if unreachable is not None:
            share.invite_error = unreachable
            db.add(share)
            results[share.id] = unreachable
            continue
        failure = _deliver(db, share, bundle, link_for(share.id), reminder=reminder)
        results[share.id] = _record(db, share, failure, reminder=reminder)
        if failure is not None and failure.unreachable:
            unreachable = str(failure)
    return results


def _deliver(
    db: Session, share: ShareLink, bundle: Bundle, link: str, reminder: bool
) -> mail.MailError | None:
    settings = mail.mail_settings(current_app.config)
    if settings is None:
        return mail.MailError(NO_SERVER)
    if not share.recipient_email:
        return mail.MailError(NO_ADDRESS)
    curator = users.get_user(db, share.created_by) if share.created_by else None
    with speaking(share.recipient_language or "fr"):
        invitation = compose_invitation(db, share, bundle, link, reminder, curator)
        html = render_template("sharing/invitation_mail.html", invitation=invitation)
    message = mail.compose(
        settings,
        to=_address(share.recipient_name, share.recipient_email),
        subject=invitation.subject,
        text=invitation.text,
        html=html,
        reply_to=_address(curator.display_name, curator.email) if curator else "",
        language=share.recipient_language or "fr",
    )
    try:
        mail.deliver(settings, message)
    except mail.MailError as error:
        return error
    return None


def _address(name: str, email: str) -> str:
    from email.utils import formataddr

    return formataddr((name, email))


def compose_invitation(
    db: Session,
    share: ShareLink,
    bundle: Bundle,
    link: str,
    reminder: bool = False,
    curator: User | None = None,
) -> Invitation:
    """The invitation's words in the current language (wrap in web.i18n.speaking)."""
    title = bundle_label(bundle)
    sender = curator.display_name if curator else _("L'équipe Anthologie")
    if curator and curator.organisation:
        sender = _("%(name)s (%(organisation)s)", name=sender, organisation=curator.organisation)
    films = sharing.films_of_bundle(db, bundle)
    runtime = sum(f.runtime_seconds or 0 for f in films) // 60
    what = ngettext(
        "%(num)d court métrage, %(minutes)s min en tout",
        "%(num)d courts métrages, %(minutes)s min en tout",
        len(films),
        minutes=runtime,
    )
    if reminder:
        subject = _("Rappel : « %(title)s » vous attend", title=title)
        opening = _(
            "Bonjour %(name)s, petit rappel : %(sender)s vous a invité·e à découvrir "
            "l'anthologie « %(title)s » (%(what)s). Votre lien personnel :",
            name=share.recipient_name,
            sender=sender,
            title=title,
            what=what,
        )
    else:
        subject = _("« %(title)s » : une anthologie de courts métrages pour vous", title=title)
        opening = _(
            "Bonjour %(name)s, %(sender)s vous invite à découvrir l'anthologie "
            "« %(title)s » (%(what)s). Votre lien personnel :",
            name=share.recipient_name,
            sender=sender,
            title=title,
            what=what,
        )
    paragraphs = [opening, _window(share)]
    if share.view_cap:
        paragraphs.append(
            ngettext(
                "Chaque film peut être lu une fois.",
                "Chaque film peut être lu %(num)d fois.",
                share.view_cap,
            )
        )
    paragraphs.append(
        _(
            "Vous y verrez les extraits des films et pourrez dire, film par film, ce qui "
            "vous intéresse. Ce lien est à votre nom : merci de ne pas le transmettre."
        )
    )
    return Invitation(
        subject=subject,
        paragraphs=tuple(paragraphs),
        link=link,
        button=_("Ouvrir l'anthologie"),
        signature=_("— %(sender)s, via Anthologie", sender=sender),
    )


def _window(share: ShareLink) -> str:
    end = _moment(share.expires_at)
    if share.starts_at is not None and _aware(share.starts_at) > utcnow():
        return _(
            "Il s'ouvre le %(start)s et reste valable jusqu'au %(end)s.",
            start=_moment(share.starts_at),
            end=end,
        )
    return _("Il est valable jusqu'au %(end)s.", end=end)


def _moment(moment: datetime) -> str:
    moment = _aware(moment)
    return _(
        "%(date)s à %(time)s (UTC)",
        date=format_date(moment, "long"),
        time=format_time(moment, "short"),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
