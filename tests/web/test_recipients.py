"""One link per named person: the list a curator types, the recipients' list and what the
curator does with each link (copy it again, extend, window, view cap, revoke), alone or for
all of a bundle's recipients at once."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import ShareLink, utcnow
from tests import mailserver
from tests.mailserver import Inbox
from tests.web.sharedbundle import shared_bundle
from web.usecases.recipients import LineProblem, RecipientsInvalid, parse_line, parse_recipients

Login = Callable[[str], int]
mail_server = mailserver.mail_server


@pytest.fixture
def bundle_id(engine: Engine) -> int:
    return shared_bundle(engine, films=2)


def shares_page(bundle_id: int) -> str:
    return f"/pitch/anthologies/{bundle_id}/partages"


def links_in(page: str) -> dict[str, str]:
    """Each link field on the page: its id → the URL it holds."""
    return {
        found["id"]: html.unescape(found["value"])
        for found in re.finditer(
            r'<input readonly value="(?P<value>[^"]+)" id="(?P<id>[^"]+)"', page
        )
    }


def all_shares(engine: Engine) -> list[ShareLink]:
    with Session(engine) as session:
        return list(session.exec(select(ShareLink).order_by(ShareLink.id)).all())  # type: ignore[arg-type]


# -- the list as typed ---------------------------------------------------------------------


def test_a_line_is_a_name_then_an_address_and_an_organisation() -> None:
    people = parse_recipients(
        "Julie Tremblay <julie@telequebec.tv>, Télé-Québec\n"
        "\n  Mark   Hill <MARK@cbc.ca>\nAna Costa, RTP\n"
    )
    assert [(p.name, p.email, p.organisation) for p in people] == [
        ("Julie Tremblay", "julie@telequebec.tv", "Télé-Québec"),
        ("Mark Hill", "MARK@cbc.ca", ""),
        ("Ana Costa", "", "RTP"),
    ]
    assert parse_line("Zoé <zoe@tfo.org> TFO") == parse_line("Zoé <zoe@tfo.org>, TFO")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("<julie@tq.ca>, Télé-Québec", LineProblem.no_name),
        ("Julie <julie@tq.ca", LineProblem.unclosed),
        ("Julie <julie at tq>", LineProblem.bad_email),
        ("julie@tq.ca", LineProblem.bare_email),
        (", Télé-Québec", LineProblem.no_name),
        ("J" * 201, LineProblem.too_long),
    ],
)
def test_a_bad_line_says_what_is_wrong(line: str, problem: LineProblem) -> None:
    assert parse_line(line) == problem


def test_every_bad_line_is_named_with_its_number() -> None:
    with pytest.raises(RecipientsInvalid) as raised:
        parse_recipients("Julie <julie@tq.ca>\n\njulie@tq.ca\nMarc <JULIE@tq.ca>\nAna")
    assert [(e.number, e.problem) for e in raised.value.errors] == [
        (3, LineProblem.bare_email),
        (4, LineProblem.repeated),
    ]


# -- sharing with a list -------------------------------------------------------------------


def test_sharing_with_a_list_makes_one_link_per_person(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    curator = login("curator")
    page = client.post(
        shares_page(bundle_id),
        data={
            "recipients": "Julie Tremblay <julie@tq.example>, Télé-Québec\n"
            "Mark Hill <mark@cbc.example>, CBC",
            "language": "en",
            "days": "10",
            "view_cap": "2",
        },
    )
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    julie, mark = all_shares(engine)
    assert (julie.recipient_name, julie.recipient_email, julie.recipient_organisation) == (
        "Julie Tremblay",
        "julie@tq.example",
        "Télé-Québec",
    )
    assert (mark.recipient_name, mark.recipient_organisation) == ("Mark Hill", "CBC")
    for share in (julie, mark):
        assert (share.recipient_language, share.view_cap, share.created_by) == ("en", 2, curator)
        assert share.starts_at is None
        left = share.expires_at.replace(tzinfo=UTC) - utcnow()
        assert timedelta(days=9, hours=23) < left <= timedelta(days=10)
    links = links_in(text)
    assert links["created-link"] != links[f"created-link-{mark.id}"]
    assert "2 liens créés" in text
    # Each link opens its own person's share.
    for share, field in ((julie, "created-link"), (mark, f"created-link-{mark.id}")):
        viewer = app.test_client()
        assert viewer.get(links[field]).status_code == 200
        with viewer.session_transaction() as session:
            assert session["pitch_links"] == {str(bundle_id): share.id}
    # Without SMTP, the page says so, and each invitation is to be sent by hand.
    assert "aucun serveur de courriel n'est configuré" in text
    assert text.count("à envoyer vous-même (aucun serveur de courriel)") >= 2


def test_one_bad_line_shares_with_nobody_and_names_the_line(
    client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    typed = "Julie <julie@tq.example>\nmark@cbc.example\nAna <ana@rtp>"
    page = client.post(shares_page(bundle_id), data={"recipients": typed, "days": "14"})
    assert page.status_code == 400
    text = html.unescape(page.get_data(as_text=True))
    assert "Rien n'a été partagé" in text
    assert "Ligne 2 (« mark@cbc.example ») : écrivez le nom, puis l'adresse entre < et >" in text
    assert (
        "Ligne 3 (« Ana <ana@rtp> ») : l'adresse entre < et > n'est pas une adresse courriel."
        in text
    )
    assert "Ligne 1" not in text
    assert typed in text  # the list is kept, to be corrected
    assert all_shares(engine) == []


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("days", "0", "La durée est un nombre de jours, de 1 à 365."),
        ("view_cap", "zéro", "Les lectures par film sont un nombre de 1 à 100"),
        ("starts", "demain", "La date d'ouverture n'est pas une date"),
    ],
)
def test_a_bad_setting_shares_with_nobody(
    client: FlaskClient,
    bundle_id: int,
    login: Login,
    engine: Engine,
    field: str,
    value: str,
    says: str,
) -> None:
    login("curator")
    form = {"recipients": "Julie <julie@tq.example>", "days": "14", field: value}
    page = client.post(shares_page(bundle_id), data=form)
    assert page.status_code == 400 and says in html.unescape(page.get_data(as_text=True))
    assert all_shares(engine) == []


def test_a_window_that_opens_later(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    opens = utcnow().date() + timedelta(days=3)
    page = client.post(
        shares_page(bundle_id),
        data={"recipients": "Julie", "days": "7", "starts": opens.isoformat()},
    )
    [share] = all_shares(engine)
    assert share.starts_at is not None
    assert share.starts_at.replace(tzinfo=UTC) == datetime.combine(opens, datetime.min.time(), UTC)
    assert share.expires_at - share.starts_at == timedelta(days=7)
    text = page.get_data(as_text=True)
    assert "pas encore ouvert" in text
    # Not yet open: the link is refused (its page says when it opens).
    assert app.test_client().get(links_in(text)["created-link"]).status_code in (403, 410)


def test_the_broadcaster_account_option_still_shares_with_the_account(
    client: FlaskClient, bundle_id: int, login: Login, make_user: Callable[..., int], engine: Engine
) -> None:
    broadcaster = make_user("broadcaster", email="dora@tfo.example", name="Dora Lam")
    login("curator")
    client.post(shares_page(bundle_id), data={"broadcaster_id": str(broadcaster), "days": "14"})
    [share] = all_shares(engine)
    assert (share.broadcaster_id, share.recipient_name, share.recipient_email) == (
        broadcaster,
        "Dora Lam",
        "dora@tfo.example",
    )
    assert client.post(shares_page(bundle_id), data={"broadcaster_id": "999999"}).status_code == 400


def test_invitations_leave_when_smtp_is_configured(
    app: Flask,
    client: FlaskClient,
    bundle_id: int,
    login: Login,
    mail_server: Inbox,
    engine: Engine,
) -> None:
    app.config.update(mail_server.config)
    login("curator")
    page = client.post(
        shares_page(bundle_id),
        data={
            "recipients": "Julie <julie@tq.example>\nAna Costa, RTP",
            "language": "fr",
            "days": "14",
        },
    )
    text = page.get_data(as_text=True)
    julie, ana = all_shares(engine)
    [message] = mail_server.messages
    assert message["To"] == "Julie <julie@tq.example>"
    assert links_in(text)["created-link"] in mailserver.body(message, "plain")
    assert julie.invited_at is not None and ana.invited_at is None
    assert "envoyée le" in text
    assert "à envoyer vous-même (pas d'adresse courriel)" in html.unescape(text)
    assert "reçoit une invitation par courriel" in text
    # Sending again after the server went away says why it failed.
    app.config.update(MAIL_PORT=mailserver.free_port())
    client.post(f"/pitch/partages/{julie.id}/inviter")
    text = client.get(shares_page(bundle_id)).get_data(as_text=True)
    assert "n&#39;est pas partie" in text and "injoignable" in text


# -- each link, later ------------------------------------------------------------------------


def test_a_link_can_be_copied_again_after_leaving_the_page(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    made = links_in(
        client.post(
            shares_page(bundle_id), data={"recipients": "Julie\nMark", "days": "5"}
        ).get_data(as_text=True)
    )
    julie, mark = all_shares(engine)
    again = links_in(client.get(shares_page(bundle_id)).get_data(as_text=True))
    assert again[f"link-{julie.id}"] == made["created-link"]
    assert again[f"link-{mark.id}"] == made[f"created-link-{mark.id}"]
    assert again[f"link-{julie.id}"].startswith("http://localhost/pitch/lien/")
    assert app.test_client().get(again[f"link-{mark.id}"]).status_code == 200


def test_extend_window_cap_and_revoke_one_recipient(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    client.post(shares_page(bundle_id), data={"recipients": "Julie\nMark", "days": "5"})
    julie, mark = all_shares(engine)
    back = client.post(f"/pitch/partages/{julie.id}/prolonger", data={"days": "3"})
    assert back.status_code == 302 and back.headers["Location"].endswith(f"#share-{julie.id}")
    after_julie, after_mark = all_shares(engine)
    assert after_julie.expires_at - julie.expires_at == timedelta(days=3)
    assert after_mark.expires_at == mark.expires_at

    first, last = utcnow().date() + timedelta(days=2), utcnow().date() + timedelta(days=9)
    client.post(
        f"/pitch/partages/{julie.id}/fenetre",
        data={"starts": first.isoformat(), "ends": last.isoformat()},
    )
    client.post(f"/pitch/partages/{julie.id}/plafond", data={"view_cap": "4"})
    after_julie, after_mark = all_shares(engine)
    assert after_julie.starts_at is not None
    assert after_julie.starts_at.date() == first
    assert after_julie.expires_at.replace(tzinfo=UTC) == datetime.combine(
        last + timedelta(days=1), datetime.min.time(), UTC
    )
    assert (after_julie.view_cap, after_mark.view_cap, after_mark.starts_at) == (4, None, None)
    # An empty cap lifts it.
    client.post(f"/pitch/partages/{julie.id}/plafond", data={"view_cap": ""})
    assert all_shares(engine)[0].view_cap is None

    client.post(f"/pitch/partages/{mark.id}/revoquer")
    page = client.get(shares_page(bundle_id)).get_data(as_text=True)
    assert "révoqué" in page and f"link-{mark.id}" not in links_in(page)
    # A revoked link is not extended back to life.
    assert (
        client.post(f"/pitch/partages/{mark.id}/prolonger", data={"days": "3"}).status_code == 404
    )


def test_bad_window_or_cap_changes_nothing(
    client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    client.post(shares_page(bundle_id), data={"recipients": "Julie", "days": "5"})
    [before] = all_shares(engine)
    today = utcnow().date()
    for form, says in (
        ({"ends": (today - timedelta(days=1)).isoformat()}, "déjà fermée"),
        (
            {"starts": (today + timedelta(days=5)).isoformat(), "ends": today.isoformat()},
            "s'ouvre après",
        ),
        ({"ends": "bientôt"}, "AAAA-MM-JJ"),
    ):
        page = client.post(f"/pitch/partages/{before.id}/fenetre", data=form, follow_redirects=True)
        assert says in html.unescape(page.get_data(as_text=True))
    page = client.post(
        f"/pitch/partages/{before.id}/plafond", data={"view_cap": "0"}, follow_redirects=True
    )
    assert "de 1 à 100" in page.get_data(as_text=True)
    [after] = all_shares(engine)
    assert (after.starts_at, after.expires_at, after.view_cap) == (
        before.starts_at,
        before.expires_at,
        before.view_cap,
    )


def test_the_same_actions_for_all_recipients_at_once(
    client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    client.post(shares_page(bundle_id), data={"recipients": "Julie\nMark\nAna", "days": "5"})
    julie, mark, ana = all_shares(engine)
    client.post(f"/pitch/partages/{ana.id}/revoquer")
    with Session(engine) as session:  # Mark's link has expired
        row = session.get(ShareLink, mark.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(hours=1)
        session.add(row)
        session.commit()
    everyone = f"/pitch/anthologies/{bundle_id}/partages"
    page = client.post(f"{everyone}/plafond", data={"view_cap": "3"}, follow_redirects=True)
    assert "Lectures par film de Julie mises à jour." in page.get_data(as_text=True)
    client.post(f"{everyone}/prolonger", data={"days": "10"})
    julie2, mark2, ana2 = all_shares(engine)
    assert julie2.view_cap == 3 and (mark2.view_cap, ana2.view_cap) == (None, None)
    assert julie2.expires_at - julie.expires_at == timedelta(days=10)
    assert mark2.expires_at.replace(tzinfo=UTC) < utcnow() and ana2.revoked_at is not None

    client.post(shares_page(bundle_id), data={"recipients": "Zoé\nLéo", "days": "5"})
    page = client.post(f"{everyone}/revoquer", follow_redirects=True).get_data(as_text=True)
    assert "3 liens révoqués" in page
    assert all(share.revoked_at is not None for share in all_shares(engine) if share.id != mark.id)
    assert "Pour tous les destinataires" not in page  # nothing open is left to act on


# -- who may -------------------------------------------------------------------------------


ACTIONS = ["prolonger", "fenetre", "plafond", "revoquer", "inviter"]


@pytest.mark.parametrize("role", ["broadcaster", "filmmaker", None])
def test_only_curators_manage_recipients(
    app: Flask,
    client: FlaskClient,
    bundle_id: int,
    login: Login,
    make_user: Callable[..., int],
    engine: Engine,
    role: str | None,
) -> None:
    login("curator")
    client.post(shares_page(bundle_id), data={"recipients": "Julie", "days": "5"})
    [share] = all_shares(engine)
    other = app.test_client()
    if role is not None:
        with other.session_transaction() as session:
            session["user_id"] = make_user(role)
    urls = [shares_page(bundle_id)]
    urls += [f"/pitch/partages/{share.id}/{action}" for action in ACTIONS]
    urls += [f"/pitch/anthologies/{bundle_id}/partages/{a}" for a in ACTIONS if a != "inviter"]
    expected = 403 if role else 302
    assert other.get(urls[0]).status_code == expected
    for url in urls:
        answer = other.post(url, data={"recipients": "Intrus", "days": "30", "view_cap": "1"})
        assert answer.status_code == expected, url
        if role is None:
            assert "/connexion" in answer.headers["Location"]
    [after] = all_shares(engine)
    assert (after.revoked_at, after.view_cap, after.expires_at) == (None, None, share.expires_at)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forms_need_their_csrf_token(
    app: Flask, client: FlaskClient, bundle_id: int, login: Login, engine: Engine
) -> None:
    login("curator")
    client.post(shares_page(bundle_id), data={"recipients": "Julie", "days": "5"})
    [share] = all_shares(engine)
    page = client.get(shares_page(bundle_id)).get_data(as_text=True)
    # Every form of the page carries the token.
    assert page.count('<form method="post"') == page.count('name="csrf_token"') > 8
    app.config["WTF_CSRF_ENABLED"] = True
    for url, form in (
        (shares_page(bundle_id), {"recipients": "Intrus", "days": "5"}),
        (f"/pitch/partages/{share.id}/revoquer", {}),
        (f"/pitch/anthologies/{bundle_id}/partages/plafond", {"view_cap": "1"}),
    ):
        assert client.post(url, data=form).status_code == 400
    [after] = all_shares(engine)
    assert after.revoked_at is None and after.view_cap is None
