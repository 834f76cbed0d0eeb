"""The observatory's figures for one view (filters and baseline year), and its annual report.

One `Observation` gathers what the page, its downloads and the PDF show: the funnel (filtered
by year, form, language and audience), Telefilm's funding (reference data: not filtered, its
years are fiscal years) and the indicators (per production year, against a baseline year).
Only aggregates: no title, no name.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from catalog import funding, funnel, indicators


@dataclass(frozen=True)
class Observation:
    funnel: funnel.Funnel
    funding: funding.FundingSummary
    indicators: indicators.Indicators


def shown_years(found: indicators.Indicators) -> list[indicators.Year]:
    """The years where at least one indicator is given (not suppressed, not empty)."""
    return [
        year
        for i, year in enumerate(found.years)
        if any(series.cells[i].share is not None for series in found.series.values())
    ]


def observe(
    session: Session, filters: funnel.FunnelFilter, baseline: int | None = None
) -> Observation:
    """The figures of one view. Without a baseline year, the indicators' baseline is the
    earliest year that gives at least one of them (a suppressed baseline compares nothing)."""
    facts = indicators.facts(session)
    found = indicators.compute(facts, baseline=baseline)
    if baseline is None:
        years = [y for y in shown_years(found) if y is not None]
        if years and years[0] != found.baseline:
            found = indicators.compute(facts, baseline=years[0])
    return Observation(funnel.funnel(session, filters), funding.summary(session), found)


# --- the annual report ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSection:
    """One page of the report: a title, headline sentences, a chart (PNG), a table (its
    first row is the header) and notes (source, licence, how it is counted)."""

    title: str
    headlines: Sequence[str]
    chart_png: bytes | None
    table: Sequence[Sequence[str]]
    notes: Sequence[str] = ()


def report_pdf(title: str, sections: Sequence[ReportSection], meta: Mapping[str, Any]) -> bytes:
    """The report: one page per section (a table too long for its page is cut with a last
    row saying how many rows the downloadable data holds)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.flowables import KeepInFrame

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=str(meta.get("author", "Anthologie")),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    cell = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    story: list[Any] = []
    for n, section in enumerate(sections):
        page: list[Any] = [Paragraph(title, small), Paragraph(section.title, styles["Heading1"])]
        page += [Paragraph(_escape(line), styles["BodyText"]) for line in section.headlines]
        page.append(Spacer(1, 3 * mm))
        if section.chart_png:
            image = Image(io.BytesIO(section.chart_png))
            ratio = image.imageHeight / image.imageWidth
            width = min(doc.width * 0.62, image.imageWidth)
            image.drawWidth, image.drawHeight = width, width * ratio
            if image.drawHeight > 120 * mm:
                image.drawHeight, image.drawWidth = 120 * mm, 120 * mm / ratio
            page += [image, Spacer(1, 3 * mm)]
        if section.table:
            cells = [[Paragraph(_escape(str(v)), cell) for v in row] for row in section.table]
            table = Table(cells, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            page.append(table)
        page += [Spacer(1, 2 * mm)] + [Paragraph(_escape(note), small) for note in section.notes]
        story.append(KeepInFrame(doc.width, doc.height, page, mode="shrink"))
        if n < len(sections) - 1:
            story.append(PageBreak())
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
