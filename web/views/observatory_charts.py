"""The observatory's charts, tables and headlines in the page's language: for the page, its
CSV and JSON downloads and its annual report (web/views/observatory.py). Each chart is a
Vega-Lite specification (web/usecases/charts.py) with the table of the same figures and its
data in language-neutral keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from catalog import funnel as funnels
from catalog.indicators import INDICATORS, QUEBEC_INDIGENOUS_LANGUAGES, SUPPRESS_BELOW
from web import display, fragments
from web.display import current_language
from web.usecases import charts, observatory
from web.views.common import CHOICES

STAGE_LABELS = {
    "submitted": _l("Soumis"),
    "accepted": _l("Acceptés"),
    "catalog": _l("Au catalogue"),
    "proposed": _l("Proposés"),
    "shared": _l("Partagés"),
    "opened": _l("Ouverts"),
    "interested": _l("Intérêt d'un diffuseur"),
}
GROUP_LABELS = {
    "montreal": _l("Montréal"),
    "quebec_outside_montreal": _l("Régions du Québec hors Montréal"),
    "outside_quebec_or_unknown": _l("Hors Québec ou région inconnue"),
    "total": _l("Total"),
}
# Where a catalog film stops: each catalog film is in exactly one of these.
STOPS = {
    "catalog": _l("Jamais proposés"),
    "proposed": _l("Proposés, pas partagés"),
    "shared": _l("Partagés, pas ouverts"),
    "opened": _l("Ouverts, sans intérêt"),
    "interested": _l("Intérêt d'un diffuseur"),
}
INDICATOR_LABELS = {
    "women_directors": _l("Films réalisés par des femmes"),
    "first_films": _l("Premiers films"),
    "indigenous_productions": _l("Productions autochtones"),
    "indigenous_languages": _l("Films en langue autochtone"),
    "youth": _l("Films jeunesse"),
}
MEASURES = {"films": _l("Films"), "duree": _l("Durée")}
TELEFILM_SOURCE = _l(
    "Source : Téléfilm Canada, divulgation proactive du financement (10 516 subventions, "
    "2009-2010 à 2020-2021), sous la Licence du gouvernement ouvert – Canada. Les villes sont "
    "placées dans leur région avec le Répertoire des municipalités du Québec."
)


@dataclass
class View:
    """A view of the observatory: its filters as read from the query string."""

    filters: funnels.FunnelFilter
    measure: str = "films"
    baseline: int | None = None
    args: dict[str, str] = field(default_factory=dict)  # the query string, cleaned


def _year(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and 1800 <= int(text) <= 2200 else None


def read_view(args: Any) -> View:
    """The view asked for; an unknown value is ignored (the view shows everything)."""
    forms = {value for value, _label in CHOICES["form"]}
    audiences = {value for value, _label in CHOICES["audience"]}
    language = (args.get("langue") or "").strip()
    year, baseline = _year(args.get("annee")), _year(args.get("reference"))
    form = args.get("forme") if args.get("forme") in forms else None
    audience = args.get("public") if args.get("public") in audiences else None
    measure = "duree" if args.get("mesure") == "duree" else None
    kept: dict[str, Any] = {
        "annee": year,
        "forme": form,
        "langue": language if language in LANGUAGES else None,
        "public": audience,
        "mesure": measure,
        "reference": baseline,
    }
    return View(
        funnels.FunnelFilter(year=year, form=form, language=kept["langue"], audience=audience),
        measure=measure or "films",
        baseline=baseline,
        args={k: str(v) for k, v in kept.items() if v is not None},
    )


LANGUAGES = ("fra", "eng", *sorted(QUEBEC_INDIGENOUS_LANGUAGES))


# --- words and numbers ---------------------------------------------------------------------


def pct(share: float | None, decimals: int = 1) -> str:
    return "—" if share is None else display.percent(100 * share, decimals=decimals)


def hours(seconds: int) -> str:
    """A runtime: "274 h 42", "52 min"."""
    h, minutes = divmod(round(seconds / 60), 60)
    return f"{h} h {minutes:02d}" if h else f"{minutes} min"


def dollars(cents: int) -> str:
    """ "12,3 M$" / "$12.3M" above a million, else the dollars in full."""
    value = cents / 100
    lang = current_language()
    if value >= 1_000_000:
        shown = display.number(value / 1_000_000, decimals=1)
        return f"{shown}\u00a0M$" if lang == "fr" else f"${shown}M"
    shown = display.number(value, decimals=0)
    return f"{shown}\u00a0$" if lang == "fr" else f"${shown}"


def amount(films: int, runtime: int, measure: str) -> str:
    return hours(runtime) if measure == "duree" else display.number(films, decimals=0)


def region_name(code: str) -> str:
    return (
        f"{code} {display.region_label(code)}"
        if code not in ("?", "99")
        else display.region_label(code)
    )


# --- the charts and their tables -----------------------------------------------------------


@dataclass
class Chart:
    """One chart: its specification, the table beside it (header row first) and its data
    (the rows the CSV and JSON give, language-neutral keys)."""

    name: str
    title: str
    spec: dict[str, Any]
    header: list[str]
    table: list[list[str]]
    data: list[dict[str, Any]]
    caption: str = ""
    marked: set[int] = field(default_factory=set)  # table rows to make stand out
    subtitle: str = ""

    @property
    def wide(self) -> bool:
        """A table of many columns goes under its chart, not beside it."""
        return len(self.header) > 6


def _value(films: int, runtime: int, measure: str) -> float:
    return round(runtime / 3600, 1) if measure == "duree" else films


def funnel_by_group(obs: observatory.Observation, view: View) -> Chart:
    f, m = obs.funnel, view.measure
    rows = [*f.groups, f.total]
    data = [
        {
            "group": row.key,
            "group_name": str(GROUP_LABELS[row.key]),
            "stage": s.stage,
            "stage_name": str(STAGE_LABELS[s.stage]),
            "films": s.films,
            "runtime_seconds": s.runtime,
            "films_rate": s.films_rate,
            "runtime_rate": s.runtime_rate,
        }
        for row in rows
        for s in row.stages
    ]
    points = [
        {
            "stage": str(STAGE_LABELS[s.stage]),
            "group": str(GROUP_LABELS[row.key]),
            "value": _value(s.films, s.runtime, m),
            "label": amount(s.films, s.runtime, m),
        }
        for row in f.groups
        for s in row.stages
    ]
    title = _("Jusqu'où vont les films, par origine") + " — " + str(MEASURES[m]).lower()
    spec = charts.grouped_bars(
        points,
        title="",
        category="stage",
        category_order=[str(v) for v in STAGE_LABELS.values()],
        series="group",
        series_order=[str(GROUP_LABELS[g]) for g in funnels.GROUPS],
        value="value",
        value_title=_("Heures") if m == "duree" else _("Films"),
        legend=_("Origine"),
    )
    header = [_("Étape"), *(str(GROUP_LABELS[row.key]) for row in rows)]
    table = []
    for i, stage in enumerate(funnels.STAGES):
        line = [str(STAGE_LABELS[stage])]
        for row in rows:
            s = row.stages[i]
            rate = s.runtime_rate if m == "duree" else s.films_rate
            cell = amount(s.films, s.runtime, m)
            if rate is not None:  # "(41 %)" never broken across two lines
                cell += "\u00a0(" + pct(rate, 0).replace(" ", "\u00a0") + ")"
            line.append(cell)
        table.append(line)
    caption = _(
        "Entre parenthèses : la part de l'étape précédente qui atteint cette étape. Le "
        "catalogue compte aussi les films importés sans soumission ; le passage des acceptés "
        "au catalogue ne compte que les soumissions acceptées encore au catalogue."
    )
    return Chart(
        "entonnoir-origines",
        title,
        spec,
        header,
        table,
        data,
        caption,
        subtitle=_("Nombre de films à chaque étape, de la soumission à l'intérêt d'un diffuseur")
        if m == "films"
        else _("Heures de films à chaque étape, de la soumission à l'intérêt d'un diffuseur"),
    )


def funnel_by_region(obs: observatory.Observation, view: View) -> Chart:
    f, m = obs.funnel, view.measure
    data = [
        {
            "region": row.key,
            "region_name": region_name(row.key),
            "group": row.group,
            "stalled": row.stalled,
            "stalled_at": row.stalled_at,
            "stage": s.stage,
            "films": s.films,
            "runtime_seconds": s.runtime,
            "films_rate": s.films_rate,
            "runtime_rate": s.runtime_rate,
        }
        for row in f.regions
        for s in row.stages
    ]
    names = {row.key: region_name(row.key) for row in f.regions}
    points: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    after = {stage: funnels.STAGES[funnels.STAGES.index(stage) + 1] for stage in list(STOPS)[:-1]}
    for row in f.regions:
        name = names[row.key] + (" ⚠" if row.stalled else "")
        for stage, label in STOPS.items():
            here = row.stage(stage)
            nxt = row.stage(after[stage]) if stage in after else None
            films = here.films - (nxt.films if nxt else 0)
            runtime = here.runtime - (nxt.runtime if nxt else 0)
            points.append({"region": name, "stop": str(label), "value": _value(films, runtime, m)})
        catalog = row.stage("catalog")
        totals.append(
            {
                "region": name,
                "total": _value(catalog.films, catalog.runtime, m),
                "label": amount(catalog.films, catalog.runtime, m),
            }
        )
    title = _("Où s'arrêtent les films du catalogue, par région") + " — " + str(MEASURES[m]).lower()
    spec = charts.stacked_bars(
        points,
        title="",
        category="region",
        category_order=[t["region"] for t in totals],
        series="stop",
        series_order=[str(v) for v in STOPS.values()],
        value="value",
        value_title=_("Heures") if m == "duree" else _("Films"),
        legend=_("Dernière étape atteinte"),
        totals=totals,
        colours=charts.PROGRESS,
    )
    header = [_("Région"), *(str(v) for v in STAGE_LABELS.values()), _("État")]
    table, marked = [], set()
    for n, row in enumerate(f.regions):
        state = ""
        if row.stalled:
            state = _("Bloquée : aucun film proposé")
            marked.add(n)
        table.append([names[row.key], *(amount(s.films, s.runtime, m) for s in row.stages), state])
    return Chart(
        "entonnoir-regions",
        title,
        spec,
        header,
        table,
        data,
        _(
            "Dans le graphique, chaque film du catalogue compte une fois, à la dernière "
            "étape qu'il a atteinte."
        ),
        marked=marked,
        subtitle=_("⚠ : région bloquée, des films au catalogue et aucun proposé"),
    )


def montreal_share(obs: observatory.Observation, view: View) -> Chart:
    summary = obs.funding
    french = {y.period: y for y in summary.by_year_french}
    data: list[dict[str, Any]] = []
    for y in summary.by_year:
        fr = french.get(y.period)
        data.append(
            {
                "period": y.period,
                "quebec_grants": y.quebec_grants,
                "quebec_cents": y.quebec_cents,
                "montreal_grants": y.montreal_grants,
                "montreal_cents": y.montreal_cents,
                "montreal_share": round(y.share, 4),
                "french_quebec_cents": fr.quebec_cents if fr else 0,
                "french_montreal_cents": fr.montreal_cents if fr else 0,
                "french_montreal_share": round(fr.share, 4) if fr else None,
            }
        )
    everything, in_french = _("Tous les projets"), _("Projets de langue française")
    points = [
        {
            "period": d["period"],
            "series": everything,
            "value": d["montreal_share"],
            "label": pct(d["montreal_share"], 0),
        }
        for d in data
    ] + [
        {
            "period": d["period"],
            "series": in_french,
            "value": d["french_montreal_share"],
            "label_below": pct(d["french_montreal_share"], 0),
        }
        for d in data
        if d["french_montreal_share"] is not None
    ]
    title = _("Part de Montréal dans le financement de Téléfilm au Québec")
    spec = charts.lines(
        points,
        title="",
        x="period",
        x_order=[d["period"] for d in data],
        series="series",
        series_order=[everything, in_french],
        value="value",
        value_title=_("Part de Montréal"),
        legend=_("Projets"),
    )
    header = [
        _("Exercice"),
        _("Financement au Québec"),
        _("Montréal"),
        _("Part de Montréal"),
        _("Part de Montréal, langue française"),
    ]
    table = [
        [
            d["period"],
            dollars(d["quebec_cents"]),
            dollars(d["montreal_cents"]),
            pct(d["montreal_share"]),
            pct(d["french_montreal_share"]),
        ]
        for d in data
    ]
    return Chart(
        "financement-montreal",
        title,
        spec,
        header,
        table,
        data,
        str(TELEFILM_SOURCE),
        subtitle=_("Par exercice financier : tous les projets, et les projets de langue française"),
    )


def funding_by_year(obs: observatory.Observation, view: View) -> Chart:
    """Québec's funding per fiscal year: Montréal, the other regions, the grants not placed;
    its data gives every region and year."""
    names = {r.region_code: r.region_name for r in obs.funding.by_region}
    data: list[dict[str, Any]] = [
        {
            "period": r.period,
            "region": r.region_code or "",
            "region_name": names.get(r.region_code, "") if r.region_code else "",
            "grants": r.grants,
            "cents": r.cents,
        }
        for r in obs.funding.by_region_and_year
    ]
    parts = {
        "montreal": _("Montréal"),
        "regions": _("Régions du Québec hors Montréal"),
        "unplaced": _("Ville non placée"),
    }
    sums: dict[str, dict[str, int]] = {}
    for r in obs.funding.by_region_and_year:
        part = (
            "unplaced"
            if r.region_code is None
            else ("montreal" if r.region_code == "06" else "regions")
        )
        year = sums.setdefault(r.period, dict.fromkeys(parts, 0))
        year[part] += r.cents
    points = [
        {"period": period, "part": str(parts[part]), "value": round(cents / 100_000_000, 2)}
        for period, year in sums.items()
        for part, cents in year.items()
    ]
    totals = [
        {
            "period": period,
            "total": round(sum(year.values()) / 100_000_000, 2),
            "label": dollars(sum(year.values())),
        }
        for period, year in sums.items()
    ]
    title = _("Financement de Téléfilm au Québec par exercice")
    spec = charts.stacked_bars(
        points,
        title="",
        category="period",
        category_order=list(sums),
        series="part",
        series_order=[str(v) for v in parts.values()],
        value="value",
        value_title=_("Millions de dollars"),
        legend=_("Où"),
        totals=totals,
    )
    header = [_("Exercice"), *(str(v) for v in parts.values()), _("Total")]
    table = [
        [period, *(dollars(year[p]) for p in parts), dollars(sum(year.values()))]
        for period, year in sums.items()
    ]
    return Chart(
        "financement-annees",
        title,
        spec,
        header,
        table,
        data,
        str(TELEFILM_SOURCE),
        subtitle=_(
            "Montréal, les autres régions et les villes non placées ; les données "
            "téléchargeables donnent chaque région"
        ),
    )


def funding_by_region(obs: observatory.Observation, view: View) -> Chart:
    regions = obs.funding.by_region
    placed = sum(r.cents for r in regions)
    films = sum(r.films for r in regions)
    data: list[dict[str, Any]] = [
        {
            "region": r.region_code,
            "region_name": r.region_name,
            "grants": r.grants,
            "cents": r.cents,
            "funding_share": round(r.cents / placed, 4) if placed else None,
            "films": r.films,
            "films_share": round(r.films / films, 4) if films else None,
        }
        for r in regions
    ]
    money, catalog = _("Financement de Téléfilm"), _("Films du catalogue")
    points = []
    for d in data:
        name = f"{d['region']} {d['region_name']}"
        for series, share in ((money, d["funding_share"]), (catalog, d["films_share"])):
            points.append(
                {"region": name, "series": series, "value": share or 0, "label": pct(share, 1)}
            )
    title = _("Financement et films par région du Québec")
    spec = charts.grouped_bars(
        points,
        title="",
        category="region",
        category_order=[f"{d['region']} {d['region_name']}" for d in data],
        series="series",
        series_order=[money, catalog],
        value="value",
        value_title=_("Part du Québec"),
        legend=_("Part de"),
        percent=True,
    )
    header = [
        _("Région"),
        _("Subventions"),
        _("Financement"),
        _("Part du financement"),
        _("Films au catalogue"),
        _("Part des films"),
    ]
    table = [
        [
            f"{d['region']} {d['region_name']}",
            display.number(d["grants"], decimals=0),
            dollars(d["cents"]),
            pct(d["funding_share"]),
            display.number(d["films"], decimals=0),
            pct(d["films_share"]),
        ]
        for d in data
    ]
    unplaced = obs.funding.unplaced
    caption = str(TELEFILM_SOURCE)
    if unplaced:
        caption += " " + ngettext(
            "%(num)s subvention au Québec n'a pu être placée dans une région (%(cities)s) : "
            "elle compte dans le total du Québec, dans aucune région.",
            "%(num)s subventions au Québec n'ont pu être placées dans une région (%(cities)s) : "
            "elles comptent dans le total du Québec, dans aucune région.",
            sum(u.grants for u in unplaced),
            cities=", ".join(u.city or "?" for u in unplaced),
        )
    return Chart(
        "financement-regions",
        title,
        spec,
        header,
        table,
        data,
        caption,
        subtitle=_(
            "Part de chaque région dans le financement placé de 2009 à 2021, "
            "et dans les films du catalogue situés au Québec"
        ),
    )


def year_name(year: Any) -> str:
    if year == "all":
        return _("Toutes les années")
    return _("Année inconnue") if year is None else str(year)


def indicator_chart(obs: observatory.Observation, view: View) -> Chart:
    found = obs.indicators
    years = observatory.shown_years(found)
    data = []
    for name in INDICATORS:
        series = found.series[name]
        for c in (*series.cells, series.total):
            data.append(
                {
                    "indicator": name,
                    "indicator_name": str(INDICATOR_LABELS[name]),
                    "source": series.source,
                    "year": c.year,
                    "count": c.count,
                    "base": c.base,
                    "share": None if c.share is None else round(c.share, 4),
                    "change_from_baseline": None if c.change is None else round(c.change, 4),
                    "suppressed": c.suppressed,
                    "empty": c.empty,
                }
            )
    index = {y: i for i, y in enumerate(found.years)}
    known = [y for y in years if y is not None]
    points = [
        {
            "year": str(y),
            "indicator": str(INDICATOR_LABELS[name]),
            "value": found.series[name].cells[index[y]].share,
            "label": pct(found.series[name].cells[index[y]].share, 0),
        }
        for name in INDICATORS
        for y in known
        if found.series[name].cells[index[y]].share is not None
    ]
    title = _("Indicateurs par année de production")
    baseline = str(found.baseline) if found.baseline in known else None
    spec = charts.lines(
        points,
        title="",
        x="year",
        x_order=[str(y) for y in known],
        series="indicator",
        # Only the indicators drawn: a legend entry without a line would puzzle the reader.
        series_order=list(dict.fromkeys(str(p["indicator"]) for p in points)),
        value="value",
        value_title=_("Part des films"),
        legend=_("Indicateur"),
        baseline=baseline,
        baseline_label=_("référence"),
    )
    header = [_("Année"), *(str(INDICATOR_LABELS[n]) for n in INDICATORS)]
    table = []
    every: list[Any] = [*years, "all"]
    for y in every:
        line = [year_name(y) + (" " + _("(référence)") if y == found.baseline else "")]
        for name in INDICATORS:
            series = found.series[name]
            c = series.total if y == "all" else series.cells[index[y]]
            line.append(cell_words(c, found.baseline))
        table.append(line)
    hidden = len(found.years) - len(years)
    caption = _(
        "Réponses volontaires, avec consentement, à l'auto-identification (réalisatrice, "
        "premier film, production autochtone) ; langues autochtones et public jeunesse : "
        "fiches du catalogue. Une case est masquée quand son nombre ou son complément est "
        "sous %(n)s.",
        n=SUPPRESS_BELOW,
    )
    if hidden:
        caption += " " + ngettext(
            "%(num)s année sans aucune valeur montrable n'est pas listée.",
            "%(num)s années sans aucune valeur montrable ne sont pas listées.",
            hidden,
        )
    return Chart(
        "indicateurs",
        title,
        spec,
        header,
        table,
        data,
        caption,
        subtitle=_("Part des films, par année ; la ligne pointillée marque l'année de référence"),
    )


def cell_words(c: Any, baseline: Any = None) -> str:
    """A cell in words: its share, count and base, and its change from the baseline year."""
    if c.empty:
        return _("aucune réponse")
    if c.share is None:
        return _("masqué (moins de %(n)s)", n=SUPPRESS_BELOW)
    text = f"{pct(c.share, 0)} ({c.count}/{c.base})"
    if c.change is not None and c.year not in ("all", baseline):
        points = display.number(100 * c.change, decimals=0)
        sign = "+" if c.change > 0 else ""
        text += " · " + _("%(points)s pts", points=sign + points)
    return text


CHARTS: dict[str, Callable[[observatory.Observation, View], Chart]] = {
    "entonnoir-origines": funnel_by_group,
    "entonnoir-regions": funnel_by_region,
    "financement-montreal": montreal_share,
    "financement-annees": funding_by_year,
    "financement-regions": funding_by_region,
    "indicateurs": indicator_chart,
}
SECTIONS = {
    "entonnoir": (_l("Le parcours des films"), ("entonnoir-origines", "entonnoir-regions")),
    "financement": (
        _l("L'argent des programmes"),
        ("financement-montreal", "financement-annees", "financement-regions"),
    ),
    "indicateurs": (_l("Indicateurs"), ("indicateurs",)),
}


def svg_of(chart: Chart) -> Markup:
    """The chart's SVG, kept in the fragments cache under its specification's hash and the
    page's language (the axes' number format)."""
    lang = current_language()
    rendered = fragments.cache().get(
        charts.key(chart.spec, f"svg-{lang}"), lambda: charts.svg(chart.spec, chart.title, lang)
    )
    return Markup(rendered)


def png_of(chart: Chart) -> bytes:
    """The chart as a PNG (for the report), kept in the fragments cache like its SVG."""
    lang = current_language()
    found: bytes = fragments.cache().get(
        charts.key(chart.spec, f"png-{lang}"), lambda: charts.png(chart.spec, lang)
    )
    return found


# --- headlines -----------------------------------------------------------------------------


def headlines(obs: observatory.Observation, view: View) -> dict[str, list[str]]:
    f = obs.funnel
    total = f.total
    said: dict[str, list[str]] = {"entonnoir": [], "financement": [], "indicateurs": []}
    s = {stage: total.stage(stage) for stage in funnels.STAGES}
    if s["catalog"].films:
        said["entonnoir"].append(
            _(
                "%(catalog)s films au catalogue : %(proposed)s proposés dans une anthologie, "
                "%(shared)s partagés avec un diffuseur, %(opened)s ouverts, %(interested)s "
                "avec l'intérêt d'un diffuseur.",
                catalog=s["catalog"].films,
                proposed=s["proposed"].films,
                shared=s["shared"].films,
                opened=s["opened"].films,
                interested=s["interested"].films,
            )
        )
        regional = f.row("quebec_outside_montreal").stage("catalog")
        said["entonnoir"].append(
            _(
                "Les régions du Québec hors Montréal : %(films)s des films du catalogue, "
                "%(runtime)s de sa durée.",
                films=pct(regional.films / s["catalog"].films),
                runtime=pct(
                    regional.runtime / s["catalog"].runtime if s["catalog"].runtime else None
                ),
            )
        )
    if s["submitted"].films:
        said["entonnoir"].append(
            _(
                "%(submitted)s films soumis, %(accepted)s acceptés (%(rate)s).",
                submitted=s["submitted"].films,
                accepted=s["accepted"].films,
                rate=pct(s["accepted"].films_rate, 0),
            )
        )
    years = obs.funding.by_year
    quebec = obs.funding.quebec_cents
    if years and quebec:
        said["financement"].append(
            _(
                "Montréal a reçu %(share)s du financement de Téléfilm destiné au Québec de "
                "%(first)s à %(last)s (%(montreal)s sur %(quebec)s).",
                share=pct(obs.funding.montreal_cents / quebec),
                first=years[0].period,
                last=years[-1].period,
                montreal=dollars(obs.funding.montreal_cents),
                quebec=dollars(quebec),
            )
        )
        low, high = min(years, key=lambda y: y.share), max(years, key=lambda y: y.share)
        said["financement"].append(
            _(
                "Sa part va de %(low)s (%(low_year)s) à %(high)s (%(high_year)s) ; en "
                "%(last_year)s : %(last)s.",
                low=pct(low.share),
                low_year=low.period,
                high=pct(high.share),
                high_year=high.period,
                last_year=years[-1].period,
                last=pct(years[-1].share),
            )
        )
    else:
        said["financement"].append(
            _("Les données de financement de Téléfilm ne sont pas importées.")
        )
    ind = obs.indicators
    for name in INDICATORS:
        total_cell = ind.series[name].total
        if total_cell.share is not None:
            said["indicateurs"].append(
                _(
                    "%(indicator)s : %(share)s (%(count)s sur %(base)s films renseignés).",
                    indicator=str(INDICATOR_LABELS[name]),
                    share=pct(total_cell.share),
                    count=total_cell.count,
                    base=total_cell.base,
                )
            )
    return said


def stalled_regions(obs: observatory.Observation) -> list[tuple[str, int]]:
    return [(region_name(row.key), row.stage("catalog").films) for row in obs.funnel.stalled]
