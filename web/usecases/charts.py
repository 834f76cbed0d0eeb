"""The observatory's charts: Vega-Lite specifications (Altair) rendered on the server.

vl-convert renders a specification to SVG (for the page) or PNG (for the PDF report) with
its own embedded Vega engine: no browser, and no network — every chart carries its data
inline, and rendering forbids any URL (`allowed_base_urls=[]`), so a specification that
named one would fail instead of fetching it.

The builders take rows already in words (labels in the page's language, values written out
in `label`): a chart shows each value as text beside its mark, and the page puts the same
rows in a table beside it. Charts are drawn narrow (`WIDTH`) and scale with their container
(`viewBox`, width 100 %), so they stay readable on a 390 px phone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import altair as alt
import vl_convert

WIDTH = 320
BAR = 16  # the thickness of one bar, in pixels of the chart
FONT = "sans-serif"
# Montréal, the other Québec regions, outside Québec or unknown; then further series.
PALETTE = ["#b03a2e", "#1f6f8b", "#8c8c8c", "#d68910", "#6c3483", "#1e8449", "#5d6d7e"]
# Steps from "stopped early" (red) to "went all the way" (green).
PROGRESS = ["#c0392b", "#f5b041", "#a9cce3", "#2e86c1", "#1e8449"]
BASELINE_COLOUR = "#444444"
# Altair checks each specification against the Vega-Lite schema (about 0.1 s a chart): the
# builders below are fixed shapes, checked by the tests (tests/web/test_observatory_page.py).
VALIDATE = False

Spec = dict[str, Any]
Rows = Sequence[Mapping[str, Any]]


def _config(chart: alt.TopLevelMixin) -> Any:
    return (
        chart.configure(font=FONT, background="white")
        .configure_title(fontSize=14, anchor="start", subtitleFontSize=11, subtitleColor="#444")
        .configure_axis(labelFontSize=11, titleFontSize=11, labelLimit=160)
        .configure_legend(
            orient="top", direction="vertical", labelFontSize=11, titleFontSize=11, labelLimit=300
        )
        .configure_view(stroke=None)
    )


def _sized(chart: Any, width: int, height: int, title: str, subtitle: str = "") -> Any:
    """The chart at its size, titled; no title when empty (a page names the chart in its
    own heading)."""
    if not title:
        return chart.properties(width=width, height=height)
    titled = alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined)
    return chart.properties(width=width, height=height, title=titled)


def _colour(
    field: str, legend: str, order: Sequence[str], colours: Sequence[str] = PALETTE
) -> alt.Color:
    return alt.Color(
        f"{field}:N",
        title=legend,
        scale=alt.Scale(domain=list(order), range=list(colours[: len(order)])),
        sort=list(order),
    )


def grouped_bars(
    rows: Rows,
    *,
    title: str,
    subtitle: str = "",
    category: str,
    category_order: Sequence[str],
    series: str,
    series_order: Sequence[str],
    value: str,
    value_title: str,
    legend: str,
    percent: bool = False,
) -> Spec:
    """Horizontal bars, one per category (a stage, a region) and series (a group, a measure),
    side by side; each bar's `label` written at its end (`percent`: values are shares)."""
    per_category = max(1, len(series_order))
    height = len(category_order) * per_category * BAR + len(category_order) * 6
    base = alt.Chart(alt.Data(values=list(rows))).encode(
        y=alt.Y(f"{category}:N", sort=list(category_order), title=None),
        yOffset=alt.YOffset(f"{series}:N", sort=list(series_order)),
        x=alt.X(
            f"{value}:Q",
            title=value_title,
            axis=alt.Axis(tickCount=4, grid=True, format=".0%" if percent else alt.Undefined),
        ),
    )
    bars = base.mark_bar().encode(color=_colour(series, legend, series_order))
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#222").encode(text="label:N")
    chart = _sized(bars + labels, WIDTH - 150, height, title, subtitle)
    spec: Spec = _config(chart).to_dict(validate=VALIDATE)
    return spec


def stacked_bars(
    rows: Rows,
    *,
    title: str,
    subtitle: str = "",
    category: str,
    category_order: Sequence[str],
    series: str,
    series_order: Sequence[str],
    value: str,
    value_title: str,
    legend: str,
    totals: Rows,
    colours: Sequence[str] = PALETTE,
) -> Spec:
    """Horizontal stacked bars, one per category; `totals` ({category, total, label}) writes
    each bar's whole at its end; `colours` in the order of `series_order`."""
    height = len(category_order) * (BAR + 8)
    order = {name: i for i, name in enumerate(series_order)}
    values = [dict(r) | {"_order": order.get(r[series], 0)} for r in rows]
    y = alt.Y(f"{category}:N", sort=list(category_order), title=None)
    bars = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(f"{value}:Q", title=value_title, stack="zero", axis=alt.Axis(tickCount=4)),
            color=_colour(series, legend, series_order, colours),
            order=alt.Order("_order:Q"),
        )
    )
    ends = (
        alt.Chart(alt.Data(values=list(totals)))
        .mark_text(align="left", dx=3, fontSize=10, color="#222")
        .encode(y=y, x=alt.X("total:Q"), text="label:N")
    )
    chart = _sized(bars + ends, WIDTH - 150, height, title, subtitle)
    spec: Spec = _config(chart).to_dict(validate=VALIDATE)
    return spec


def lines(
    rows: Rows,
    *,
    title: str,
    subtitle: str = "",
    x: str,
    x_order: Sequence[str],
    series: str,
    series_order: Sequence[str],
    value: str,
    value_title: str,
    legend: str,
    percent: bool = True,
    baseline: str | None = None,
    baseline_label: str = "",
) -> Spec:
    """A line per series over `x` (years, in order), each point's `label` written above it
    (or its `label_below` under it); `baseline` draws a vertical rule at that x, named
    `baseline_label`."""
    rows = [{"label": "", "label_below": ""} | dict(r) for r in rows]
    axis_format = ".0%" if percent else ",.0f"
    base = alt.Chart(alt.Data(values=list(rows))).encode(
        x=alt.X(f"{x}:O", sort=list(x_order), title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(
            f"{value}:Q",
            title=value_title,
            axis=alt.Axis(format=axis_format, tickCount=5),
            scale=alt.Scale(domain=[0, 1]) if percent else alt.Undefined,
        ),
        color=_colour(series, legend, series_order),
    )
    layers: list[Any] = [
        base.mark_line(point=True, strokeWidth=2),
        base.mark_text(dy=-8, fontSize=9).encode(text="label:N"),
        # A second series' values below its points, so two close lines keep both readable.
        base.mark_text(dy=14, fontSize=9).encode(text="label_below:N"),
    ]
    if baseline is not None:
        rule = alt.Chart(alt.Data(values=[{x: baseline, "name": baseline_label}]))
        layers.append(
            rule.mark_rule(color=BASELINE_COLOUR, strokeDash=[4, 3]).encode(
                x=alt.X(f"{x}:O", sort=list(x_order))
            )
        )
        layers.append(
            rule.mark_text(align="left", dx=3, baseline="top", y=0, fontSize=10).encode(
                x=alt.X(f"{x}:O", sort=list(x_order)), text="name:N"
            )
        )
    chart = _sized(alt.layer(*layers), WIDTH - 60, 200, title, subtitle)
    spec: Spec = _config(chart).to_dict(validate=VALIDATE)
    return spec


def key(spec: Spec, kind: str) -> str:
    """What identifies a rendering: the specification itself (its data included) and the
    format, so a cached chart is never one of other data."""
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return kind + ":" + hashlib.sha256(text.encode()).hexdigest()


_SIZE = re.compile(r'^<svg([^>]*?) class="marks" width="[\d.]+" height="[\d.]+"')


# The axes' numbers in the page's language: "100 %" in French, "100%" in English.
Locale = Literal["fr-FR", "en-US"]
LOCALES: dict[str, Locale] = {"fr": "fr-FR", "en": "en-US"}


def svg(spec: Spec, label: str, lang: str = "fr") -> str:
    """The chart as an SVG element for a page: it fills its container's width (its
    `viewBox` keeps the proportions) and is named `label` (the table beside it says the
    same values)."""
    drawn = vl_convert.vegalite_to_svg(
        spec, allowed_base_urls=[], format_locale=LOCALES.get(lang, "en-US")
    )
    escaped = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return _SIZE.sub(
        lambda m: f'<svg{m[1]} width="100%" role="img" aria-label="{escaped}" class="chart"',
        drawn,
        count=1,
    )


def png(spec: Spec, lang: str = "fr", scale: float = 2) -> bytes:
    """The chart as a PNG image (for the PDF report), `scale` times its size."""
    data: bytes = vl_convert.vegalite_to_png(
        spec, scale=scale, allowed_base_urls=[], format_locale=LOCALES.get(lang, "en-US")
    )
    return data
