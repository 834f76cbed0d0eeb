"""Where a film comes from, as the observatory counts it: Québec's regions outside Montréal
(the ones the bundles' regional floor counts by default), Montréal, outside Québec, or unknown.
The observatory's stages and shares are catalog/funnel.py's.
"""

from __future__ import annotations

MONTREAL = "06"
OUTSIDE_QUEBEC = "99"
QUEBEC_REGIONS = tuple(f"{n:02d}" for n in range(1, 18))  # the administrative regions, 01–17
# The four origins, in the order pages show them; the first is what the regional floor counts.
QUEBEC_OUTSIDE_MONTREAL = "quebec_outside_montreal"
ORIGINS = (QUEBEC_OUTSIDE_MONTREAL, "montreal", "outside_quebec", "unknown")


def origin(region: str | None) -> str:
    """Which of `ORIGINS` a film's region code falls in."""
    if region == MONTREAL:
        return "montreal"
    if region == OUTSIDE_QUEBEC:
        return "outside_quebec"
    return QUEBEC_OUTSIDE_MONTREAL if region in QUEBEC_REGIONS else "unknown"
