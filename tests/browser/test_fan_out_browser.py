"""A curator follows a catalog-wide analysis in Chromium: the job's page shows the total
progress and how many of its per-film parts are done, as the workers finish them (the page
polls). Screenshots fr/en at 1366 and 390 px (test-artifacts/screenshots/fan-out-*.png),
without sideways scroll."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session, col, update

from catalog.models import Job, JobStatus, UserRole
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from web import database

EMAIL = "lea@festival.example"
PARTS = 5


def analysis_under_way(app: Flask) -> tuple[int, list[int]]:
    """A catalog-wide analysis fanned out into five films' parts, two of them done: the
    parent's id and its parts' ids."""
    with app.app_context(), Session(database.engine()) as session:
        parent = Job(
            kind="analyze",
            params={"name": "Analyse du catalogue"},
            status=JobStatus.running,
            done=2,
            total=PARTS,
            result={"assets": 0, "failed": [], "parts": PARTS},
        )
        session.add(parent)
        session.flush()
        parts = [
            Job(
                kind="analyze",
                params={"film_ids": [n], "weight": 1},
                status=JobStatus.done if n <= 2 else JobStatus.queued,
                parent_id=parent.id,
                child_key=f"film {n}",
            )
            for n in range(1, PARTS + 1)
        ]
        session.add_all(parts)
        session.commit()
        assert parent.id is not None
        return parent.id, [p.id for p in parts if p.id is not None]


def test_a_catalog_analysis_shows_its_parts_done_fr_en(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    parent_id, parts = analysis_under_way(app)
    add_account(app, EMAIL, UserRole.curator, "Léa Curatrice")
    for width in (1366, 390):
        page = open_as(browser, base, EMAIL, width)
        for lang in ("fr", "en"):
            if lang == "en":
                page.locator("header form button", has_text="English").click()
                page.locator("html[lang=en]").wait_for(state="attached")
            page.goto(f"{base}/catalogue/taches/{parent_id}")
            said = page.locator("#job .job-parts")
            expected = "2 of 5 parts done" if lang == "en" else "2 parties sur 5 terminées"
            assert expected in said.inner_text()
            assert page.locator("#job progress").get_attribute("value") == "2"
            assert page_width(page) <= width
            screenshot(page, f"fan-out-{lang}-{width}")
        page.context.close()
    # A worker ends a third part: the page, polling, says so without a reload.
    page = open_as(browser, base, EMAIL, 1366)
    page.goto(f"{base}/catalogue/taches/{parent_id}")
    with app.app_context(), Session(database.engine()) as session:
        session.exec(update(Job).where(col(Job.id) == parts[2]).values(status=JobStatus.done))  # type: ignore[call-overload]
        session.exec(update(Job).where(col(Job.id) == parent_id).values(done=3))  # type: ignore[call-overload]
        session.commit()
    page.locator("#job .job-parts", has_text="3 parties sur 5 terminées").wait_for()
    assert page.locator("#job progress").get_attribute("value") == "3"
    page.context.close()
