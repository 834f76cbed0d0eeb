"""`anthologie share BUNDLE --to "Name <email>"`: one link per person, printed, and the
invitations e-mailed when a mail server is configured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import ShareLink, utcnow
from tests import mailserver
from tests.mailserver import Inbox
from tests.web.sharedbundle import shared_bundle

mail_server = mailserver.mail_server


@pytest.fixture
def bundle_id(engine: Engine) -> int:
    return shared_bundle(engine, films=2)


def shares(engine: Engine) -> list[ShareLink]:
    with Session(engine) as session:
        return list(session.exec(select(ShareLink).order_by(ShareLink.id)).all())  # type: ignore[arg-type]


def test_share_prints_one_link_per_person(
    app: Flask, runner: FlaskCliRunner, bundle_id: int, engine: Engine
) -> None:
    result = runner.invoke(
        args=[
            "share",
            str(bundle_id),
            "--to",
            "Julie Tremblay <julie@tq.example>",
            "--to",
            "Mark Hill <mark@cbc.example>, CBC",
            "--organisation",
            "Télé-Québec",
            "--language",
            "en",
            "--days",
            "10",
            "--view-cap",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    julie, mark = shares(engine)
    assert (julie.recipient_organisation, mark.recipient_organisation) == ("Télé-Québec", "CBC")
    assert {julie.recipient_language, mark.recipient_language} == {"en"}
    assert (julie.view_cap, mark.view_cap, julie.created_by) == (2, 2, None)
    assert julie.expires_at.replace(tzinfo=UTC) - utcnow() > timedelta(days=9, hours=23)
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        "Julie Tremblay <julie@tq.example>",
        "Mark Hill <mark@cbc.example>",
    ]
    links = [line.split(": ", 1)[1] for line in lines]
    assert all(link.startswith("http://127.0.0.1:5000/pitch/lien/") for link in links)
    assert links[0] != links[1]
    # Each link opens that person's share.
    for share, link in zip((julie, mark), links, strict=True):
        viewer = app.test_client()
        assert viewer.get(link.removeprefix("http://127.0.0.1:5000")).status_code == 200
        with viewer.session_transaction() as session:
            assert session["pitch_links"] == {str(bundle_id): share.id}
    assert "send each link yourself" in result.stderr


def test_links_point_at_the_configured_address(
    app: Flask, runner: FlaskCliRunner, bundle_id: int
) -> None:
    app.config["BASE_URL"] = "https://films.example.org/"
    result = runner.invoke(args=["share", str(bundle_id), "--to", "Ana Costa"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Ana Costa: https://films.example.org/pitch/lien/")


def test_a_window_that_opens_later(runner: FlaskCliRunner, bundle_id: int, engine: Engine) -> None:
    opens = utcnow().date() + timedelta(days=5)
    result = runner.invoke(
        args=["share", str(bundle_id), "--to", "Ana", "--starts", opens.isoformat(), "--days", "3"]
    )
    assert result.exit_code == 0, result.output
    [share] = shares(engine)
    assert share.starts_at is not None
    assert share.starts_at.replace(tzinfo=UTC) == datetime.combine(opens, datetime.min.time(), UTC)
    assert share.expires_at - share.starts_at == timedelta(days=3)


def test_a_bad_recipient_shares_with_nobody(
    runner: FlaskCliRunner, bundle_id: int, engine: Engine
) -> None:
    result = runner.invoke(
        args=[
            "share",
            str(bundle_id),
            "--to",
            "Julie <julie@tq.example>",
            "--to",
            "mark@cbc.example",
        ]
    )
    assert result.exit_code != 0
    assert "--to 'mark@cbc.example': write the name, then the address" in result.output
    assert "Julie" not in result.output
    assert shares(engine) == []
    missing = runner.invoke(args=["share", "999999", "--to", "Julie"])
    assert missing.exit_code != 0 and "no bundle 999999" in missing.output
    assert runner.invoke(args=["share", str(bundle_id)]).exit_code != 0  # --to is required


def test_invitations_are_sent_when_smtp_is_configured(
    app: Flask,
    runner: FlaskCliRunner,
    bundle_id: int,
    mail_server: Inbox,
    make_user: object,
    engine: Engine,
) -> None:
    app.config.update(mail_server.config)
    make_user("curator", email="claire@festival.example", name="Claire Roy")  # type: ignore[operator]
    result = runner.invoke(
        args=[
            "share",
            str(bundle_id),
            "--to",
            "Mark Hill <mark@cbc.example>",
            "--to",
            "Ana Costa",
            "--language",
            "en",
            "--by",
            "claire@festival.example",
        ]
    )
    assert result.exit_code == 0, result.output
    [message] = mail_server.messages
    link = result.stdout.splitlines()[0].split(": ", 1)[1]
    assert message["To"] == "Mark Hill <mark@cbc.example>"
    assert message["Subject"] == "“Crossed gazes”: a short-film anthology for you"
    text = mailserver.body(message, "plain")
    assert link in text and "Claire Roy" in text and "Hello Mark Hill" in text
    assert "Invitation sent to mark@cbc.example" in result.stderr
    assert "Invitation to Ana Costa not sent: Pas d'adresse courriel" in result.stderr
    mark, ana = shares(engine)
    assert mark.invited_at is not None and ana.invited_at is None
