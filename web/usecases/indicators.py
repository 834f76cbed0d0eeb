"""The observatory's indicators (catalog/indicators.py) with the baseline year the instance
is configured with (INDICATORS_BASELINE_YEAR)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session

from catalog import indicators
from catalog.models import Status

__all__ = ["baseline_year", "yearly"]


def baseline_year(config: Mapping[str, Any]) -> int | None:
    """The configured baseline year; None when unset (the earliest year is taken).
    ValueError for anything but a plausible year."""
    value = config.get("INDICATORS_BASELINE_YEAR")
    if value is None or value == "":
        return None
    year = int(value)
    if not 1890 <= year <= 2200:
        raise ValueError(f"INDICATORS_BASELINE_YEAR: {value!r} is not a year")
    return year


def yearly(
    session: Session,
    config: Mapping[str, Any],
    *,
    period: indicators.Period = "production",
    statuses: Collection[Status] = (),
    baseline: int | None = None,
) -> indicators.Indicators:
    """Each indicator per year, suppressed, against `baseline` or else the configured year."""
    return indicators.indicators(
        session,
        baseline=baseline if baseline is not None else baseline_year(config),
        period=period,
        statuses=statuses,
    )
