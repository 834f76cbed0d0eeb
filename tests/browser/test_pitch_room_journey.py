"""Issue 13's journey, whole: a curator shares one bundle with two people; each gets their
invitation at a real SMTP server, opens their own link, plays a preview and answers; their
answers and viewing reports stay apart; their copies of a preview differ where the watermark
is and nowhere else; a view cap and a closed window are refused; the kit renders to pages.

Screenshots: test-artifacts/screenshots/journey13-*.png (the pitch page at 1366 and 390 px in
each recipient's language, the report, the refusals) and journey13-kit-p*.png (the kit)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from catalog.models import Answer, MediaAsset, ShareLink, UserRole, Viewing, utcnow
from media_tools import find_tools
from tests.browser.conftest import add_account, log_in, page_width, screenshot
from tests.browser.pitchfilms import bundle_with_previews
from tests.frames import assert_differ_only_in_the_band, grey_frames
from tests.mailserver import Inbox, body, smtp_server
from tests.pdfpages import pictures, text_of
from tests.polling import poll
from web import database
from web.usecases.playback import preview_target

CURATOR = "curatrice@anthologie.example"
PEOPLE = {
    "fr": ("Julie Tremblay", "julie@telequebec.example", "Télé-Québec"),
    "en": ("Mark Evans", "mark@cbc.example", "CBC"),
}


@pytest.fixture
def mail(live_app: tuple[Flask, str]) -> Any:
    app, _base = live_app
    with smtp_server() as inbox:
        app.config.update(inbox.config)
        yield inbox


def share_with(page: Any, base: str, bundle_id: int, language: str, view_cap: int) -> None:
    name, email, organisation = PEOPLE[language]
    page.goto(f"{base}/pitch/anthologies/{bundle_id}/partages")
    form = page.locator("form:has(#recipients)")
    form.locator("#recipients").fill(f"{name} <{email}>, {organisation}")
    form.locator("select[name=language]").select_option(language)
    form.locator("input[name=days]").fill("7")
    form.locator("input[name=view_cap]").fill(str(view_cap))
    form.get_by_role("button", name="Créer les liens").click()
    page.get_by_text(name).first.wait_for()


def link_in(inbox: Inbox, address: str) -> str:
    [message] = poll(lambda: inbox.to(address), lambda found: len(found) == 1, 30)
    found = re.search(r"https?://\S+/pitch/lien/[\w.\-]+", body(message, "plain"))
    assert found, body(message, "plain")
    return found.group(0)


def rows(app: Flask, kind: Any) -> list[Any]:
    with app.app_context(), Session(database.engine()) as session:
        return list(session.exec(select(kind)).all())


def play_first_preview(page: Any) -> str:
    """Click the first film's play button, let it play past 1 s, pause; the ticket URL."""
    player = page.locator(".film-card .player").first
    player.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.film-card video').muted = true")
    player.locator(".play-button").click()
    state = poll(
        lambda: page.evaluate(
            "(() => { const v = document.querySelector('.film-card video');"
            " return {src: v.currentSrc, time: v.currentTime}; })()"
        ),
        lambda s: s["time"] > 1.5,
        120,
    )
    assert state["time"] > 1.5, "the preview never played"
    page.evaluate("document.querySelector('.film-card video').pause()")
    return str(state["src"])


def test_two_recipients_each_their_own_link_copy_answers_and_report(
    browser: Any, live_app: tuple[Flask, str], mail: Inbox, tmp_path: Path
) -> None:
    app, base = live_app
    add_account(app, CURATOR, UserRole.curator, name="Claire Roy")
    bundle_id, film_ids = bundle_with_previews(app)

    # The curator shares the bundle with Julie (in French) and Mark (in English), one play per
    # film each; both invitations arrive, each in its recipient's language.
    curator = browser.new_context(locale="fr-CA", viewport={"width": 1366, "height": 900})
    desk = curator.new_page()
    desk.set_default_timeout(60_000)
    log_in(desk, base, CURATOR)
    for language in ("fr", "en"):
        share_with(desk, base, bundle_id, language, view_cap=1)
    links = {lang: link_in(mail, PEOPLE[lang][1]) for lang in PEOPLE}
    assert links["fr"] != links["en"]
    [julie_mail] = mail.to(PEOPLE["fr"][1])
    [mark_mail] = mail.to(PEOPLE["en"][1])
    assert "Le fleuve" in str(julie_mail["Subject"]) and "The River" in str(mark_mail["Subject"])
    shares = {s.recipient_language: s for s in rows(app, ShareLink)}
    assert {s.recipient_name for s in shares.values()} == {"Julie Tremblay", "Mark Evans"}
    assert all(s.invited_at is not None and s.view_cap == 1 for s in shares.values())

    # Each opens their own link in their own browser, plays the first preview and answers.
    pages, tickets = {}, {}
    for language, verdict, comment in (
        ("fr", "Intéressé", "Pour notre case d'hiver."),
        ("en", "Pass", "Not for our schedule."),
    ):
        context = browser.new_context(locale="fr-CA", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(120_000)  # a first play may wait for its watermarked copy
        page.goto(links[language])
        assert page.locator("html").get_attribute("lang") == language
        tickets[language] = play_first_preview(page)
        assert "/media/t/" in tickets[language], "the recipient's own copy, never the clean one"
        form = page.locator("#answer-bundle")
        form.locator("textarea[name=comment]").fill(comment)
        form.get_by_role("button", name=verdict).click()
        form.locator(".chosen").wait_for()
        pages[language] = page
    assert tickets["fr"] != tickets["en"]

    # Their answers are theirs: each sees only their own, on reload too.
    answers = {a.share_id: a for a in rows(app, Answer)}
    assert len(answers) == 2
    assert answers[shares["fr"].id].verdict.value == "interested"
    assert answers[shares["en"].id].verdict.value == "pass"
    for language, mine, theirs in (
        ("fr", "Pour notre case d'hiver.", "Not for our schedule."),
        ("en", "Not for our schedule.", "Pour notre case d'hiver."),
    ):
        page = pages[language]
        page.reload()
        comment = page.locator("#answer-bundle textarea[name=comment]")
        assert comment.input_value() == mine
        assert theirs not in page.content()

    # What each watched is theirs too: one play each of the first film, nothing of the second.
    viewings = poll(
        lambda: rows(app, Viewing),
        lambda found: len(found) == 2 and all(v.watched_seconds > 1 for v in found),
        30,
    )
    by_share = {v.share_id: v for v in viewings}
    for share in shares.values():
        seen = by_share[share.id]
        assert (seen.film_id, seen.plays) == (film_ids[0], 1) and seen.watched_seconds > 1

    # The curator's report shows both, apart, and its CSV says the same.
    desk.goto(f"{base}/pitch/anthologies/{bundle_id}/rapport")
    report = desk.locator("main").inner_text()
    assert "Julie Tremblay" in report and "Mark Evans" in report
    screenshot(desk, "journey13-report-fr-1366")
    exported = desk.request.get(f"{base}/pitch/anthologies/{bundle_id}/rapport.csv")
    table = list(csv.DictReader(io.StringIO(exported.text())))
    first_film = {r["recipient"]: r for r in table if r["film_id"] == str(film_ids[0])}
    assert {k: v["plays"] for k, v in first_film.items()} == {
        "Julie Tremblay": "1",
        "Mark Evans": "1",
    }
    verdicts = {r["recipient"]: r["verdict"] for r in table if r["film"] == "(bundle)"}
    assert verdicts == {"Julie Tremblay": "interested", "Mark Evans": "pass"}

    # The two copies of the same preview differ where the watermark is, and nowhere else.
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context(), Session(database.engine()) as session:
        asset = session.exec(select(MediaAsset).where(MediaAsset.film_id == film_ids[0])).one()
    copies = [preview_target(root, shares[lang].id or 0, asset.id or 0) for lang in ("fr", "en")]
    assert all(copy.is_file() for copy in copies)
    ffmpeg = find_tools().ffmpeg
    assert_differ_only_in_the_band(grey_frames(ffmpeg, copies[0]), grey_frames(ffmpeg, copies[1]))

    # Past the cap (one play per film), Julie's second play is refused, in French.
    julie = pages["fr"]
    player = julie.locator(".film-card .player").first
    player.scroll_into_view_if_needed()
    player.locator(".play-button").click()
    refusal = player.locator(".player-message")
    refusal.wait_for()
    assert "Limite" in refusal.inner_text()
    screenshot(julie, "journey13-cap-fr-1366")
    assert by_share[shares["fr"].id].plays == 1

    # Mark's window closes: his page, his ticket and his link are refused (410), in English.
    with app.app_context(), Session(database.engine()) as session:
        closing = session.get(ShareLink, shares["en"].id)
        assert closing is not None
        closing.expires_at = utcnow() - timedelta(minutes=1)
        session.add(closing)
        session.commit()
    mark = pages["en"]
    assert mark.request.get(tickets["en"], headers={"Range": "bytes=0-99"}).status == 410
    response = mark.goto(links["en"])
    assert response is not None and response.status == 410
    assert "expired" in mark.locator("main").inner_text().lower()
    screenshot(mark, "journey13-closed-en-1366")

    # Julie's page at both widths, and her kit, prepared for her, renders to pages.
    for width in (1366, 390):
        julie.set_viewport_size({"width": width, "height": 900})
        julie.goto(links["fr"])
        julie.locator(".film-card").first.wait_for()
        assert page_width(julie) <= width
        screenshot(julie, f"journey13-pitch-fr-{width}")
    kit = julie.request.get(f"{base}/anthologies/{bundle_id}/fiche.pdf")
    assert kit.status == 200 and kit.headers["content-type"] == "application/pdf"
    pdf = kit.body()
    pages_drawn = pictures(pdf, tmp_path, "journey13-kit")
    assert len(pages_drawn) == 1 + len(film_ids) + 1  # cover, one per film, contact
    text = text_of(pdf)
    assert "Julie Tremblay" in text[0]
    assert all(
        title in " ".join(text) for title in ("Les marées de Kamouraska", "La côte en hiver")
    )
    for page in (desk, *pages.values()):
        page.context.close()
