"""Invitation e-mails, delivered to a real SMTP server on loopback (tests/mailserver.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import sharing, users
from catalog.models import Bundle, ShareLink, UserRole, utcnow
from tests import mailserver
from tests.conftest import SAMPLES
from tests.mailserver import Inbox, body, free_port
from tests.web.sharedbundle import add_bundle
from web import mail
from web.invitations import NO_ADDRESS, NO_SERVER, send_invitation, send_invitations
from web.usecases import cataloguing

mail_server = mailserver.mail_server


@pytest.fixture
def db(app: Flask, engine: Engine) -> Iterator[Session]:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with app.test_request_context(), Session(engine) as session:
        yield session


def make_bundle(db: Session) -> Bundle:
    return add_bundle(db)


def make_shares(db: Session, bundle: Bundle, *people: tuple[str, str, str]) -> list[ShareLink]:
    curator = users.user_by_email(db, "claire@festival.example") or users.add_user(
        db, "claire@festival.example", "Claire Roy", "x", UserRole.curator
    )
    curator.organisation = "Festival du court"
    db.flush()
    made = []
    for name, email, language in people:
        made += sharing.share_with_recipients(
            db,
            bundle.id or 0,
            [sharing.Recipient(name, email, "Télé-Québec")],
            utcnow() + timedelta(days=14),
            created_by=curator.id,
            language=language,
            view_cap=3,
        )
    return made


def test_each_recipient_gets_an_invitation_in_their_language(
    app: Flask, db: Session, mail_server: Inbox
) -> None:
    app.config.update(mail_server.config)
    bundle = make_bundle(db)
    julie, mark = make_shares(
        db,
        bundle,
        ("Julie Tremblay", "julie@tq.example", "fr"),
        ("Mark Hill", "mark@cbc.example", "en"),
    )
    assert send_invitation(db, julie, bundle, "http://films.example/pitch/lien/JULIE") is None
    assert send_invitation(db, mark, bundle, "http://films.example/pitch/lien/MARK") is None
    db.commit()

    assert len(mail_server.messages) == 2
    [french] = mail_server.to("julie@tq.example")
    [english] = mail_server.to("mark@cbc.example")
    assert french["Subject"] == "« Regards croisés » : une anthologie de courts métrages pour vous"
    assert english["Subject"] == "“Crossed gazes”: a short-film anthology for you"
    assert french["To"] == "Julie Tremblay <julie@tq.example>"
    assert french["Reply-To"] == "Claire Roy <claire@festival.example>"
    assert (french["Content-Language"], english["Content-Language"]) == ("fr", "en")
    text_fr, text_en = body(french, "plain"), body(english, "plain")
    assert "Bonjour Julie Tremblay" in text_fr and "Claire Roy (Festival du court)" in text_fr
    assert "http://films.example/pitch/lien/JULIE" in text_fr
    assert "Chaque film peut être lu 3 fois." in text_fr
    assert "Hello Mark Hill" in text_en and "Each film can be played 3 times." in text_en
    assert "http://films.example/pitch/lien/MARK" in text_en
    assert "JULIE" not in text_en and "valable" not in text_en
    html_en = body(english, "html")
    assert 'href="http://films.example/pitch/lien/MARK"' in html_en and 'lang="en"' in html_en
    assert "Open the anthology" in html_en
    for share in (julie, mark):
        db.refresh(share)
        assert share.invited_at is not None and share.invite_error == ""


def test_a_reminder_says_so_and_is_recorded_apart(
    app: Flask, db: Session, mail_server: Inbox
) -> None:
    app.config.update(mail_server.config)
    bundle = make_bundle(db)
    [mark] = make_shares(db, bundle, ("Mark Hill", "mark@cbc.example", "en"))
    assert send_invitation(db, mark, bundle, "http://x.example/l/M", reminder=True) is None
    [message] = mail_server.messages
    assert message["Subject"] == "Reminder: “Crossed gazes” is waiting for you"
    assert "a reminder" in body(message, "plain")
    assert mark.reminded_at is not None and mark.invited_at is None


def test_without_a_server_or_an_address_the_reason_is_kept(app: Flask, db: Session) -> None:
    bundle = make_bundle(db)
    [julie] = make_shares(db, bundle, ("Julie", "julie@tq.example", "fr"))
    assert send_invitation(db, julie, bundle, "http://x.example/l/J") == NO_SERVER
    assert julie.invite_error == NO_SERVER and julie.invited_at is None
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=free_port())
    [nobody] = make_shares(db, bundle, ("Sans adresse", "", "fr"))
    assert send_invitation(db, nobody, bundle, "http://x.example/l/N") == NO_ADDRESS


def test_a_server_that_is_down_is_tried_once_for_a_whole_list(app: Flask, db: Session) -> None:
    port = free_port()  # nothing listens there
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    bundle = make_bundle(db)
    shares = make_shares(db, bundle, ("A", "a@x.example", "fr"), ("B", "b@x.example", "en"))
    results = send_invitations(db, shares, bundle, lambda share_id: f"http://x.example/{share_id}")
    errors = set(results.values())
    assert len(errors) == 1
    [error] = errors
    assert error is not None and f"127.0.0.1:{port}" in error and "injoignable" in error
    assert all(share.invite_error == error and share.invited_at is None for share in shares)


def test_a_refused_address_is_named(app: Flask, db: Session, mail_server: Inbox) -> None:
    app.config.update(mail_server.config)
    mail_server.refused.add("gone@tq.example")
    bundle = make_bundle(db)
    gone, kept = make_shares(
        db, bundle, ("Parti", "gone@tq.example", "fr"), ("Reste", "kept@tq.example", "fr")
    )
    results = send_invitations(db, [gone, kept], bundle, lambda share_id: f"http://x/{share_id}")
    assert results[kept.id or 0] is None and len(mail_server.to("kept@tq.example")) == 1
    error = results[gone.id or 0]
    assert error is not None and "refuse le destinataire gone@tq.example" in error
    assert "No such mailbox" in error and gone.invited_at is None


def test_mail_settings_from_the_environment_words() -> None:
    assert mail.mail_settings({"MAIL_HOST": ""}) is None
    plain = mail.mail_settings({"MAIL_HOST": "smtp.example"})
    assert plain is not None and (plain.port, plain.tls, plain.sender) == (
        25,
        "",
        "anthologie@smtp.example",
    )
    secure = mail.mail_settings({"MAIL_HOST": "smtp.example", "MAIL_TLS": "STARTTLS"})
    assert secure is not None and (secure.port, secure.tls) == (587, "starttls")
    wrapped = mail.mail_settings({"MAIL_HOST": "smtp.example", "MAIL_TLS": True, "MAIL_PORT": 2525})
    assert wrapped is not None and (wrapped.port, wrapped.tls) == (2525, "starttls")
    with pytest.raises(ValueError, match="MAIL_TLS"):
        mail.mail_settings({"MAIL_HOST": "smtp.example", "MAIL_TLS": "maybe"})


def test_a_server_that_never_answers_is_given_up(app: Flask, db: Session) -> None:
    """A server that takes the connection and never greets: the timeout ends the wait, and
    the rest of the list is not tried."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections wait in the backlog, never accepted nor answered
        port = silent.getsockname()[1]
        app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=1)
        bundle = make_bundle(db)
        shares = make_shares(db, bundle, ("A", "a@x.example", "fr"), ("B", "b@x.example", "fr"))
        results = send_invitations(db, shares, bundle, lambda share_id: f"http://x/{share_id}")
    [error] = set(results.values())
    assert error is not None and f"127.0.0.1:{port} ne répond pas" in error
    assert "1 s" in error
